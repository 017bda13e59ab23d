//! The `corral` binary as a child process, for tests that kill it or limit its resources.

use super::Backend;
use corral_persistence::testing::{TestDatabase, TestValkey};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The services a spawned server runs on: a fresh database and key prefix on PostgreSQL +
/// Valkey (removed by [`Services::cleanup`]), none on the embedded defaults.
#[derive(Default)]
pub struct Services {
    pub db: Option<TestDatabase>,
    pub valkey: Option<TestValkey>,
}

impl Services {
    /// The backend's services and the environment naming them; `None` when they are
    /// unreachable and skipping is allowed.
    pub async fn start(backend: Backend) -> Option<(Self, Vec<(String, String)>)> {
        let mut env = Vec::new();
        let mut services = Self::default();
        if backend == Backend::PostgresValkey {
            let db = TestDatabase::create().await?;
            let valkey = TestValkey::create().await?;
            env.push(("DATABASE_URL".into(), db.url.clone()));
            env.push(("VALKEY_URL".into(), valkey.url.clone()));
            env.push(("VALKEY_KEY_PREFIX".into(), valkey.prefix.clone()));
            services = Self {
                db: Some(db),
                valkey: Some(valkey),
            };
        }
        Some((services, env))
    }

    pub async fn cleanup(self) {
        if let Some(db) = self.db {
            let _ = db.drop_now().await;
        }
        if let Some(valkey) = self.valkey {
            valkey.cleanup().await;
        }
    }
}

/// Starts the `corral` binary with only `env` (and `PATH`), behind `wrapper` (a command that
/// runs it, such as `prlimit --nofile=…`; empty for none), and returns it with its base URL.
pub async fn spawn(env: &[(String, String)], wrapper: &[&str]) -> (Child, String) {
    let binary = env!("CARGO_BIN_EXE_corral");
    let mut command = match wrapper.split_first() {
        Some((program, args)) => {
            let mut c = Command::new(program);
            c.args(args).arg(binary);
            c
        }
        None => Command::new(binary),
    };
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = command.spawn().expect("spawn corral");
    let stdout = child.stdout.take().expect("stdout");
    let base = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines();
        let base = lines.by_ref().map_while(Result::ok).find_map(|l| {
            l.strip_prefix("corral listening on ")
                .map(|u| u.trim().to_owned())
        });
        // Keep draining so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        base
    })
    .await
    .expect("read stdout")
    .expect("corral started");
    (child, base)
}
