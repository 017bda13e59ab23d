//! Uploads in progress (`FileStore`), for SQLite and PostgreSQL alike. [`impl_file_store!`]
//! instantiates it for a store. Writes go through the writer pool (on SQLite the one commit
//! connection: a second writing connection would only wait for it).

macro_rules! impl_file_store {
    ($store:ty) => {
        #[async_trait]
        impl corral_actors::store::FileStore for $store {
            async fn insert_upload(
                &self,
                u: &corral_actors::project::files::PendingUpload,
            ) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO file_uploads (id, project_id, task_id, storage_key, file_name, \
                     content_type, file_size, multipart_upload_id, uploaded_by, created_at, \
                     expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(u.id.0)
                .bind(u.project_id.0)
                .bind(u.task_id.0)
                .bind(&u.storage_key)
                .bind(&u.file_name)
                .bind(&u.content_type)
                .bind(u.file_size)
                .bind(&u.multipart_upload_id)
                .bind(u.uploaded_by.map(|id| id.0))
                .bind(u.created_at)
                .bind(u.expires_at)
                .execute(self.writer())
                .await
                .map_err(store_error)?;
                Ok(())
            }

            async fn upload(
                &self,
                id: corral_actors::ids::FileId,
            ) -> StoreResult<Option<corral_actors::project::files::PendingUpload>> {
                let row: Option<$crate::sql::file_rows::UploadRow> = sqlx::query_as(
                    "SELECT id, project_id, task_id, storage_key, file_name, content_type, \
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

            async fn pending_uploads(
                &self,
                project: corral_actors::ids::ProjectId,
                user: Option<corral_actors::ids::UserId>,
                since: chrono::DateTime<chrono::Utc>,
            ) -> StoreResult<corral_actors::store::PendingUploads> {
                let (count, bytes, by_user): (i64, Option<i64>, Option<i64>) = sqlx::query_as(
                    "SELECT COUNT(*), CAST(SUM(file_size) AS BIGINT), \
                     CAST(SUM(CASE WHEN uploaded_by = $3 THEN 1 ELSE 0 END) AS BIGINT) \
                     FROM file_uploads WHERE project_id = $1 AND created_at > $2",
                )
                .bind(project.0)
                .bind(since)
                .bind(user.map(|u| u.0))
                .fetch_one(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(corral_actors::store::PendingUploads {
                    count,
                    bytes: bytes.unwrap_or(0),
                    by_user: by_user.unwrap_or(0),
                })
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
                    "SELECT id, project_id, task_id, storage_key, file_name, content_type, \
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
                    sqlx::query_scalar("SELECT project_id FROM files WHERE id = $1")
                        .bind(id.0)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(store_error)?;
                Ok(found.map(corral_actors::ids::ProjectId))
            }
        }
    };
}
