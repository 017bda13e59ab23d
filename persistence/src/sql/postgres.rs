//! The store on PostgreSQL.

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    const BACKEND: &'static str = "postgres";

    /// Connects and applies pending migrations (concurrent starts are serialized by sqlx's
    /// advisory lock).
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, sqlx::Error> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(5))
            .connect(url)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool })
    }

    /// The pool project commits use: the one pool (PostgreSQL runs commits of different
    /// projects in parallel).
    fn writer(&self) -> &PgPool {
        &self.pool
    }

    /// Closes the pool (tests drop their database afterwards).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

impl_store!(PostgresStore);
impl_project_store!(PostgresStore, sqlx::Postgres);
impl_conversation_store!(PostgresStore, sqlx::Postgres);
impl_pipeline_store!(PostgresStore);
