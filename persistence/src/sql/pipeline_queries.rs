//! The durable event pipeline's bookkeeping (`PipelineStore`), for SQLite and PostgreSQL alike.
//! [`impl_pipeline_store!`] instantiates it for a store.

macro_rules! impl_pipeline_store {
    ($store:ty) => {
        #[async_trait]
        impl corral_actors::store::PipelineStore for $store {
            async fn relay_position(
                &self,
                project: corral_actors::ids::ProjectId,
            ) -> StoreResult<Option<corral_actors::store::RelayPosition>> {
                let row: Option<(uuid::Uuid, i64, i64)> = sqlx::query_as(
                    "SELECT id, relayed_seq, event_seq FROM projects WHERE id = $1",
                )
                .bind(project.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(row.map(relay_position))
            }

            async fn mark_relayed(
                &self,
                project: corral_actors::ids::ProjectId,
                seq: i64,
            ) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE projects SET relayed_seq = $2 WHERE id = $1 AND relayed_seq < $2",
                )
                .bind(project.0)
                .bind(seq)
                .execute(self.writer())
                .await
                .map_err(store_error)?;
                Ok(())
            }

            async fn unrelayed_projects(
                &self,
                limit: u32,
            ) -> StoreResult<Vec<corral_actors::store::RelayPosition>> {
                let rows: Vec<(uuid::Uuid, i64, i64)> = sqlx::query_as(
                    "SELECT id, relayed_seq, event_seq FROM projects \
                     WHERE relayed_seq < event_seq LIMIT $1",
                )
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(rows.into_iter().map(relay_position).collect())
            }

            async fn register_consumer(
                &self,
                name: &str,
                at: chrono::DateTime<chrono::Utc>,
            ) -> StoreResult<()> {
                let mut tx = self.writer().begin().await.map_err(store_error)?;
                let created = sqlx::query(
                    "INSERT INTO event_consumers (name, created_at) VALUES ($1, $2) \
                     ON CONFLICT (name) DO NOTHING",
                )
                .bind(name)
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
                if created.rows_affected() == 1 {
                    sqlx::query(
                        "INSERT INTO consumer_offsets (consumer, project_id, seq) \
                         SELECT $1, id, relayed_seq FROM projects WHERE relayed_seq > 0 \
                         ON CONFLICT (consumer, project_id) DO NOTHING",
                    )
                    .bind(name)
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error)?;
                }
                tx.commit().await.map_err(store_error)
            }

            async fn consumer_offset(
                &self,
                name: &str,
                project: corral_actors::ids::ProjectId,
            ) -> StoreResult<i64> {
                let row: Option<(i64,)> = sqlx::query_as(
                    "SELECT seq FROM consumer_offsets WHERE consumer = $1 AND project_id = $2",
                )
                .bind(name)
                .bind(project.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(row.map_or(0, |(seq,)| seq))
            }

            async fn advance_consumer(
                &self,
                name: &str,
                project: corral_actors::ids::ProjectId,
                seq: i64,
            ) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO consumer_offsets (consumer, project_id, seq) VALUES ($1, $2, $3) \
                     ON CONFLICT (consumer, project_id) DO UPDATE SET seq = excluded.seq \
                     WHERE consumer_offsets.seq < excluded.seq",
                )
                .bind(name)
                .bind(project.0)
                .bind(seq)
                .execute(self.writer())
                .await
                .map_err(store_error)?;
                Ok(())
            }

            async fn lagging_projects(
                &self,
                name: &str,
                limit: u32,
            ) -> StoreResult<Vec<corral_actors::store::ConsumerPosition>> {
                let rows: Vec<(uuid::Uuid, i64, i64)> = sqlx::query_as(
                    "SELECT p.id, COALESCE(o.seq, 0), p.relayed_seq FROM projects p \
                     LEFT JOIN consumer_offsets o ON o.consumer = $1 AND o.project_id = p.id \
                     WHERE p.relayed_seq > COALESCE(o.seq, 0) LIMIT $2",
                )
                .bind(name)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(rows
                    .into_iter()
                    .map(|(id, offset, relayed_seq)| corral_actors::store::ConsumerPosition {
                        project_id: corral_actors::ids::ProjectId(id),
                        offset,
                        relayed_seq,
                    })
                    .collect())
            }

            async fn consumer_lag(&self, name: &str) -> StoreResult<i64> {
                let (lag,): (i64,) = sqlx::query_as(
                    "SELECT CAST(COALESCE(SUM(p.event_seq - COALESCE(o.seq, 0)), 0) AS BIGINT) \
                     FROM projects p \
                     LEFT JOIN consumer_offsets o ON o.consumer = $1 AND o.project_id = p.id \
                     WHERE p.event_seq > COALESCE(o.seq, 0)",
                )
                .bind(name)
                .fetch_one(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(lag)
            }
        }

        fn relay_position(
            (id, relayed_seq, event_seq): (uuid::Uuid, i64, i64),
        ) -> corral_actors::store::RelayPosition {
            corral_actors::store::RelayPosition {
                project_id: corral_actors::ids::ProjectId(id),
                relayed_seq,
                event_seq,
            }
        }
    };
}
