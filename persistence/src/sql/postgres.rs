//! The store on PostgreSQL.

use crate::sql::project_queries::everyday_tasks;
use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Postgres, QueryBuilder};
use std::time::Duration;

/// How long a pooled connection may sit idle and still be used without a ping first.
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(10);

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    const BACKEND: &'static str = "postgres";

    /// Connects and applies pending migrations (concurrent starts are serialized by sqlx's
    /// advisory lock).
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, sqlx::Error> {
        // A connection that was idle a while is pinged before use (the server may have
        // restarted meanwhile); one in steady use is not: the ping is a round trip per query.
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(5))
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for > PING_WHEN_IDLE_FOR {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .connect(url)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool })
    }

    /// Serializes starting uploads in one project until the transaction ends: a transaction
    /// advisory lock keyed by the project (its id's last 8 bytes, the random ones of a UUID v7;
    /// a collision only makes two projects wait for each other).
    async fn serialize_uploads(
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        project: corral_actors::ids::ProjectId,
    ) -> Result<(), sqlx::Error> {
        let bytes = project.0.as_bytes();
        let key = i64::from_be_bytes([
            bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15],
        ]);
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(key)
            .execute(&mut **tx)
            .await
            .map(drop)
    }

    /// The pool project commits use: the one pool (PostgreSQL runs commits of different
    /// projects in parallel).
    fn writer(&self) -> &PgPool {
        &self.pool
    }

    /// Commits a batch that changes only tasks of an existing project in one statement, so one
    /// round trip instead of five (BEGIN, the fence, tasks, events, COMMIT): the fence is a
    /// data-modifying `WITH` that the inserts depend on, so a stale writer writes no row.
    /// `None`: the batch takes the general path.
    async fn commit_tasks_in_one_step(
        &self,
        batch: &CommitBatch,
    ) -> StoreResult<Option<CommitOutcome>> {
        let Some(tasks) = everyday_tasks(batch) else {
            return Ok(None);
        };
        const FENCED: &str = "EXISTS (SELECT 1 FROM fence)";
        let mut q =
            QueryBuilder::<Postgres>::new("WITH fence AS (UPDATE projects SET event_seq = ");
        q.push_bind(batch.new_seq)
            .push(", task_counter = ")
            .push_bind(batch.task_counter)
            .push(" WHERE id = ")
            .push_bind(batch.project_id.0)
            .push(" AND event_seq = ")
            .push_bind(batch.base_seq)
            .push(" RETURNING 1)");
        if !tasks.is_empty() {
            q.push(", written_tasks AS (");
            Self::push_task_upsert(&mut q, &tasks, Some(FENCED));
            q.push(")");
        }
        if !batch.events.is_empty() {
            q.push(", written_events AS (");
            Self::push_event_insert(&mut q, &batch.events, Some(FENCED));
            q.push(")");
        }
        q.push(" SELECT COUNT(*) FROM fence");
        let advanced: i64 = q
            .build_query_scalar()
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(Some(if advanced == 1 {
            CommitOutcome::Committed
        } else {
            CommitOutcome::Fenced
        }))
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
impl_file_store!(PostgresStore);
impl_doc_store!(PostgresStore);
