//! Uploads in progress (`FileStore`), for SQLite and PostgreSQL alike. [`impl_file_store!`]
//! instantiates it for a store.

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
                .execute(&self.pool)
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
                     file_size, multipart_upload_id, uploaded_by, created_at, expires_at \
                     FROM file_uploads WHERE id = $1",
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
                    .execute(&self.pool)
                    .await
                    .map_err(store_error)?;
                Ok(())
            }

            async fn pending_uploads(
                &self,
                project: corral_actors::ids::ProjectId,
                now: chrono::DateTime<chrono::Utc>,
            ) -> StoreResult<(i64, i64)> {
                let (count, bytes): (i64, Option<i64>) = sqlx::query_as(
                    "SELECT COUNT(*), CAST(SUM(file_size) AS BIGINT) FROM file_uploads \
                     WHERE project_id = $1 AND expires_at > $2",
                )
                .bind(project.0)
                .bind(now)
                .fetch_one(&self.pool)
                .await
                .map_err(store_error)?;
                Ok((count, bytes.unwrap_or(0)))
            }

            async fn expired_uploads(
                &self,
                before: chrono::DateTime<chrono::Utc>,
                limit: u32,
            ) -> StoreResult<Vec<corral_actors::project::files::PendingUpload>> {
                let rows: Vec<$crate::sql::file_rows::UploadRow> = sqlx::query_as(
                    "SELECT id, project_id, task_id, storage_key, file_name, content_type, \
                     file_size, multipart_upload_id, uploaded_by, created_at, expires_at \
                     FROM file_uploads WHERE expires_at < $1 ORDER BY expires_at LIMIT $2",
                )
                .bind(before)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn file_attached(&self, id: corral_actors::ids::FileId) -> StoreResult<bool> {
                let found: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM files WHERE id = $1")
                    .bind(id.0)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(store_error)?;
                Ok(found > 0)
            }
        }
    };
}
