//! Test helpers: a fresh PostgreSQL database per test and a random Valkey key prefix, both
//! removed afterwards, so tests run in parallel and leave nothing behind.
//!
//! A test that needs a service it cannot reach fails, naming the service and the variable to
//! point it elsewhere. Outside CI, `CORRAL_SKIP_SERVICE_TESTS=1` skips such tests instead (loudly);
//! under `CI=true` that switch is ignored.

use crate::{PostgresStore, ValkeyBus};
use sqlx::Connection;
use sqlx::postgres::PgConnection;
use uuid::Uuid;

/// Where tests find PostgreSQL (any database the user may `CREATE DATABASE` from).
pub const POSTGRES_URL_VAR: &str = "CORRAL_TEST_POSTGRES_URL";
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
/// Where tests find Valkey.
pub const VALKEY_URL_VAR: &str = "CORRAL_TEST_VALKEY_URL";
pub const DEFAULT_VALKEY_URL: &str = "redis://127.0.0.1:6379";

pub fn postgres_admin_url() -> String {
    std::env::var(POSTGRES_URL_VAR).unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned())
}

pub fn valkey_url() -> String {
    std::env::var(VALKEY_URL_VAR).unwrap_or_else(|_| DEFAULT_VALKEY_URL.to_owned())
}

/// Whether a test may skip when a service is missing.
fn may_skip() -> bool {
    std::env::var("CI").as_deref() != Ok("true")
        && std::env::var("CORRAL_SKIP_SERVICE_TESTS").as_deref() == Ok("1")
}

/// Fails (or, when allowed, skips) a test whose service is unreachable. Returns `None` to skip.
fn unreachable<T>(service: &str, var: &str, err: impl std::fmt::Display) -> Option<T> {
    if may_skip() {
        eprintln!("SKIPPED: {service} unreachable ({err}); CORRAL_SKIP_SERVICE_TESTS=1");
        return None;
    }
    panic!(
        "{service} is required by this test but unreachable: {err}. Start it, or set {var}; \
         outside CI, CORRAL_SKIP_SERVICE_TESTS=1 skips such tests."
    );
}

/// A database created for one test and dropped when this value is dropped.
pub struct TestDatabase {
    pub url: String,
    admin_url: String,
    name: String,
}

impl TestDatabase {
    /// Creates an empty database; `None` when PostgreSQL is unreachable and skipping is allowed.
    pub async fn create() -> Option<Self> {
        let admin_url = postgres_admin_url();
        let mut conn = match PgConnection::connect(&admin_url).await {
            Ok(c) => c,
            Err(e) => return unreachable("PostgreSQL", POSTGRES_URL_VAR, e),
        };
        let name = format!("corral_test_{}", Uuid::new_v4().simple());
        if let Err(e) = // The name is ours: a fixed prefix and hex digits.
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
        {
            return unreachable("PostgreSQL (CREATE DATABASE)", POSTGRES_URL_VAR, e);
        }
        let _ = conn.close().await;
        let url = match admin_url.rsplit_once('/') {
            Some((base, rest)) => {
                let query = rest
                    .split_once('?')
                    .map(|(_, q)| format!("?{q}"))
                    .unwrap_or_default();
                format!("{base}/{name}{query}")
            }
            None => format!("{admin_url}/{name}"),
        };
        Some(Self {
            url,
            admin_url,
            name,
        })
    }

    /// A migrated store on this database.
    pub async fn store(&self) -> PostgresStore {
        match PostgresStore::connect(&self.url, 8).await {
            Ok(store) => store,
            Err(e) => panic!("connecting to test database {}: {e}", self.name),
        }
    }
}

impl TestDatabase {
    /// Drops the database now, cutting off every connection to it (to test outages).
    pub async fn drop_now(&self) -> Result<(), sqlx::Error> {
        drop_database(&self.admin_url, &self.name).await
    }
}

async fn drop_database(admin_url: &str, name: &str) -> Result<(), sqlx::Error> {
    let mut conn = PgConnection::connect(admin_url).await?;
    // The name is ours: a fixed prefix and hex digits.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await?;
    Ok(())
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop may run inside a runtime; use a thread with its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime
                .block_on(drop_database(&admin_url, &name))
                .map_err(|e| std::io::Error::other(e.to_string()))
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("warning: could not drop test database {}", self.name);
        }
    }
}

/// A Valkey bus under a random key prefix, whose keys are deleted by [`TestValkey::cleanup`].
pub struct TestValkey {
    pub url: String,
    pub prefix: String,
}

impl TestValkey {
    /// `None` when Valkey is unreachable and skipping is allowed.
    pub async fn create() -> Option<Self> {
        let url = valkey_url();
        let prefix = format!("corral-test:{}:", Uuid::new_v4().simple());
        match ValkeyBus::connect(&url, &prefix).await {
            Ok(bus) => {
                bus.shutdown().await;
                Some(Self { url, prefix })
            }
            Err(e) => unreachable("Valkey", VALKEY_URL_VAR, e),
        }
    }

    pub async fn bus(&self) -> ValkeyBus {
        match ValkeyBus::connect(&self.url, &self.prefix).await {
            Ok(bus) => bus,
            Err(e) => panic!("connecting to Valkey: {e}"),
        }
    }

    /// Deletes every key under the prefix.
    pub async fn cleanup(&self) {
        let bus = self.bus().await;
        if let Err(e) = bus.delete_prefixed_keys().await {
            eprintln!(
                "warning: could not delete test keys under {}: {e}",
                self.prefix
            );
        }
        bus.shutdown().await;
    }
}
