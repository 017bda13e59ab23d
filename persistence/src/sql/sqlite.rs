//! The store on SQLite: one file under the data directory, WAL mode, foreign keys on.

use crate::sql::project_queries::everyday_tasks;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};
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
        // No ping before handing out a connection: it is a round trip to the connection's
        // thread, and a local file does not hang up.
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await?;
        MIGRATOR.run(&pool).await?;
        // Room for the commit statements of every batch size (see `commit_tasks_in_one_step`).
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(5))
            .test_before_acquire(false)
            .connect_with(options.statement_cache_capacity(512))
            .await?;
        Ok(Self { pool, writer })
    }

    /// Serializes starting uploads: nothing to do, the writer pool is one connection and the
    /// transaction holds it.
    async fn serialize_uploads(
        _tx: &mut sqlx::Transaction<'_, Sqlite>,
        _project: corral_actors::ids::ProjectId,
    ) -> Result<(), sqlx::Error> {
        Ok(())
    }

    /// The pool project commits use.
    fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    /// Commits a batch that changes only tasks of an existing project in two commands to the
    /// connection's thread instead of one per statement (sqlx sends each statement, and BEGIN
    /// and COMMIT with an acknowledgement each, to the thread on its own: about seven thread
    /// wake-ups per commit). The fence turns a stale writer's update into a NOT NULL violation,
    /// so the transaction stops before its rows. `None`: the batch takes the general path.
    async fn commit_tasks_in_one_step(
        &self,
        batch: &CommitBatch,
    ) -> StoreResult<Option<CommitOutcome>> {
        let Some(tasks) = everyday_tasks(batch) else {
            return Ok(None);
        };
        let mut conn = Unfinished {
            conn: self.writer.acquire().await.map_err(store_error)?,
            finished: false,
        };
        let c = &mut conn.conn;
        let mut open = QueryBuilder::<Sqlite>::new(
            "BEGIN IMMEDIATE; UPDATE projects SET event_seq = CASE event_seq WHEN ",
        );
        open.push_bind(batch.base_seq)
            .push(" THEN ")
            .push_bind(batch.new_seq)
            .push(" END, task_counter = ")
            .push_bind(batch.task_counter)
            .push(" WHERE id = ")
            .push_bind(batch.project_id.0);
        if !tasks.is_empty() {
            open.push("; ");
            Self::push_task_upsert(&mut open, &tasks, None);
        }
        let mut close = QueryBuilder::<Sqlite>::new("");
        if !batch.events.is_empty() {
            Self::push_event_insert(&mut close, &batch.events, None);
            close.push("; ");
        }
        close.push("COMMIT");
        let written = match open.build().execute(&mut **c).await {
            Ok(_) => close.build().execute(&mut **c).await,
            Err(err) => Err(err),
        };
        let outcome = match written {
            Ok(_) => CommitOutcome::Committed,
            Err(err) => {
                if let Err(rollback) = sqlx::query("ROLLBACK").execute(&mut **c).await
                    && !rollback.to_string().contains("no transaction is active")
                {
                    return Err(store_error(err)); // the connection closes (`Unfinished`)
                }
                let seq: Option<i64> =
                    sqlx::query_scalar("SELECT event_seq FROM projects WHERE id = $1")
                        .bind(batch.project_id.0)
                        .fetch_optional(&mut **c)
                        .await
                        .map_err(store_error)?;
                conn.finished = true;
                if seq == Some(batch.base_seq) {
                    return Err(store_error(err));
                }
                CommitOutcome::Fenced
            }
        };
        conn.finished = true;
        Ok(Some(outcome))
    }

    /// Closes the pools, checkpointing the write-ahead log.
    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }
}

/// A writer connection in a hand-written transaction: closed instead of returned to the pool
/// when dropped before it is marked finished (the call was cancelled, or the rollback failed).
struct Unfinished {
    conn: PoolConnection<Sqlite>,
    finished: bool,
}

impl Drop for Unfinished {
    fn drop(&mut self) {
        if !self.finished {
            self.conn.close_on_drop();
        }
    }
}

impl_store!(SqliteStore);
impl_project_store!(SqliteStore, sqlx::Sqlite);
impl_conversation_store!(SqliteStore, sqlx::Sqlite);
impl_pipeline_store!(SqliteStore);
impl_file_store!(SqliteStore);
impl_doc_store!(SqliteStore);
