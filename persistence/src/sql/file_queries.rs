//! Uploads in progress (`FileStore`), for SQLite and PostgreSQL alike. [`impl_file_store!`]
//! instantiates it for a store. Writes go through the writer pool (on SQLite the one commit
//! connection: a second writing connection would only wait for it).

macro_rules! impl_file_store {
    ($store:ty) => {
        #[async_trait]
        impl corral_actors::store::FileStore for $store {
            async fn insert_upload_if_room(
                &self,
                u: &corral_actors::project::files::PendingUpload,
                since: chrono::DateTime<chrono::Utc>,
                room: &corral_actors::store::UploadRoom,
            ) -> StoreResult<Option<corral_actors::store::UploadLimit>> {
                use corral_actors::store::UploadLimit;
                let mut tx = self.writer().begin().await.map_err(store_error)?;
                Self::serialize_uploads(&mut tx, u.project_id).await.map_err(store_error)?;
                let (count, bytes, by_user): (i64, Option<i64>, Option<i64>) = sqlx::query_as(
                    "SELECT COUNT(*), CAST(SUM(file_size) AS BIGINT), \
                     CAST(SUM(CASE WHEN uploaded_by = $3 THEN 1 ELSE 0 END) AS BIGINT) \
                     FROM file_uploads WHERE project_id = $1 AND created_at > $2",
                )
                .bind(u.project_id.0)
                .bind(since)
                .bind(u.uploaded_by.map(|id| id.0))
                .fetch_one(&mut *tx)
                .await
                .map_err(store_error)?;
                let refused = if by_user.unwrap_or(0) >= room.max_per_user {
                    Some(UploadLimit::PerUser)
                } else if count >= room.max_count {
                    Some(UploadLimit::Count)
                } else if room
                    .max_bytes
                    .is_some_and(|max| bytes.unwrap_or(0).saturating_add(u.file_size) > max)
                {
                    Some(UploadLimit::Bytes)
                } else {
                    None
                };
                if refused.is_some() {
                    return Ok(refused); // the transaction rolls back
                }
                sqlx::query(
                    "INSERT INTO file_uploads (id, project_id, task_id, storage_key, file_name, \
                     content_type, file_size, multipart_upload_id, uploaded_by, created_at, \
                     expires_at, document_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                )
                .bind(u.id.0)
                .bind(u.project_id.0)
                .bind(match u.owner {
                    corral_actors::project::files::UploadOwner::Task(t) => Some(t.0),
                    corral_actors::project::files::UploadOwner::Document(_) => None,
                })
                .bind(&u.storage_key)
                .bind(&u.file_name)
                .bind(&u.content_type)
                .bind(u.file_size)
                .bind(&u.multipart_upload_id)
                .bind(u.uploaded_by.map(|id| id.0))
                .bind(u.created_at)
                .bind(u.expires_at)
                .bind(match u.owner {
                    corral_actors::project::files::UploadOwner::Document(d) => Some(d.0),
                    corral_actors::project::files::UploadOwner::Task(_) => None,
                })
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
                tx.commit().await.map_err(store_error)?;
                Ok(None)
            }

            async fn upload(
                &self,
                id: corral_actors::ids::FileId,
            ) -> StoreResult<Option<corral_actors::project::files::PendingUpload>> {
                let row: Option<$crate::sql::file_rows::UploadRow> = sqlx::query_as(
                    "SELECT id, project_id, task_id, document_id, storage_key, file_name, content_type, \
                     file_size, multipart_upload_id, uploaded_by, created_at, expires_at, \
                     claimed_until FROM file_uploads WHERE id = $1",
                )
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(row.map(Into::into))
            }

            async fn delete_upload(&self, id: corral_actors::ids::FileId) -> StoreResult<()> {
                sqlx::query("DELETE FROM file_uploads WHERE id = $1")
                    .bind(id.0)
                    .execute(self.writer())
                    .await
                    .map_err(store_error)?;
                Ok(())
            }

            async fn claim_upload(
                &self,
                id: corral_actors::ids::FileId,
                now: chrono::DateTime<chrono::Utc>,
                until: chrono::DateTime<chrono::Utc>,
            ) -> StoreResult<bool> {
                let claimed = sqlx::query(
                    "UPDATE file_uploads SET claimed_until = $3 \
                     WHERE id = $1 AND (claimed_until IS NULL OR claimed_until < $2)",
                )
                .bind(id.0)
                .bind(now)
                .bind(until)
                .execute(self.writer())
                .await
                .map_err(store_error)?;
                Ok(claimed.rows_affected() == 1)
            }

            async fn release_upload(&self, id: corral_actors::ids::FileId) -> StoreResult<()> {
                sqlx::query("UPDATE file_uploads SET claimed_until = NULL WHERE id = $1")
                    .bind(id.0)
                    .execute(self.writer())
                    .await
                    .map_err(store_error)?;
                Ok(())
            }

            async fn expired_uploads(
                &self,
                before: chrono::DateTime<chrono::Utc>,
                limit: u32,
            ) -> StoreResult<Vec<corral_actors::project::files::PendingUpload>> {
                let rows: Vec<$crate::sql::file_rows::UploadRow> = sqlx::query_as(
                    "SELECT id, project_id, task_id, document_id, storage_key, file_name, content_type, \
                     file_size, multipart_upload_id, uploaded_by, created_at, expires_at, \
                     claimed_until FROM file_uploads WHERE expires_at < $1 \
                     AND (claimed_until IS NULL OR claimed_until < $1) \
                     ORDER BY expires_at LIMIT $2",
                )
                .bind(before)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn attached_file_project(
                &self,
                id: corral_actors::ids::FileId,
            ) -> StoreResult<Option<corral_actors::ids::ProjectId>> {
                let found: Option<uuid::Uuid> =
                    sqlx::query_scalar(
                        "SELECT project_id FROM files WHERE id = $1 \
                         UNION ALL SELECT project_id FROM doc_files WHERE id = $1",
                    )
                        .bind(id.0)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(store_error)?;
                Ok(found.map(corral_actors::ids::ProjectId))
            }
        }
    };
}
