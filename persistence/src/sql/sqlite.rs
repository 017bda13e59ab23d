//! The store on SQLite: one file under the data directory, WAL mode, foreign keys on.

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");

pub struct SqliteStore {
    pool: SqlitePool,
    /// One connection for the project commits, the hot writes. SQLite has one writer at a
    /// time anyway, and a connection's page cache is dropped whenever another connection
    /// wrote: commits on a connection of their own keep theirs warm.
    writer: SqlitePool,
}

impl SqliteStore {
    const BACKEND: &'static str = "sqlite";

    /// Opens (creating if needed) the database file and applies pending migrations.
    pub async fn open(path: &Path) -> Result<Self, sqlx::Error> {
        Self::connect(SqliteConnectOptions::new().filename(path)).await
    }

    /// Opens a `sqlite:` URL and applies pending migrations.
    pub async fn open_url(url: &str) -> Result<Self, sqlx::Error> {
        Self::connect(SqliteConnectOptions::from_str(url)?).await
    }

    async fn connect(options: SqliteConnectOptions) -> Result<Self, sqlx::Error> {
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            // Statement journals (a multi-row upsert inside a transaction keeps one) and
            // temporary tables stay in memory instead of temporary files.
            .pragma("temp_store", "MEMORY")
            // Checkpoint the write-ahead log every 16 MB instead of every 4 MB: a hot page
            // rewritten many times is copied back once per checkpoint.
            .pragma("wal_autocheckpoint", "4000")
            // 32 MB of page cache per connection (the default is 2 MB): a busy project's
            // tasks and indexes stay in memory.
            .pragma("cache_size", "-32768");
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options.clone())
            .await?;
        MIGRATOR.run(&pool).await?;
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        Ok(Self { pool, writer })
    }

    /// The pool project commits use.
    fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    /// Closes the pools, checkpointing the write-ahead log.
    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }
}

impl_store!(SqliteStore);
impl_project_store!(SqliteStore, sqlx::Sqlite);
impl_conversation_store!(SqliteStore, sqlx::Sqlite);
impl_pipeline_store!(SqliteStore);
