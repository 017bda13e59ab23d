//! Documents' content (`DocStore`), for SQLite and PostgreSQL alike. [`impl_doc_store!`]
//! instantiates it for a store. Appends go through the writer pool (on SQLite the one commit
//! connection); on PostgreSQL the `doc_states` row lock orders a document's appenders, so its
//! updates get gapless sequences in commit order whichever node appends them.

macro_rules! impl_doc_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl corral_actors::store::DocStore for $store {
            async fn load_doc(
                &self,
                doc: corral_actors::ids::DocumentId,
            ) -> corral_actors::store::StoreResult<Option<corral_actors::store::DocLoad>> {
                use $crate::sql::store_error;
                let head: Option<(uuid::Uuid, Vec<u8>, i64)> = sqlx::query_as(
                    "SELECT project_id, state, state_seq FROM doc_states WHERE document_id = $1",
                )
                .bind(doc.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
                let Some((project, state, state_seq)) = head else {
                    return Ok(None);
                };
                let updates: Vec<(i64, Vec<u8>)> = sqlx::query_as(
                    "SELECT seq, data FROM doc_updates WHERE document_id = $1 AND seq > $2 ORDER BY seq",
                )
                .bind(doc.0)
                .bind(state_seq)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                let last_snapshot_at: Option<chrono::DateTime<chrono::Utc>> = sqlx::query_scalar(
                    "SELECT created_at FROM doc_snapshots WHERE document_id = $1 \
                     ORDER BY snapshot_number DESC LIMIT 1",
                )
                .bind(doc.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(Some(corral_actors::store::DocLoad {
                    project_id: corral_actors::ids::ProjectId(project),
                    state,
                    state_seq,
                    updates,
                    last_snapshot_at,
                }))
            }

            async fn doc_updates_after(
                &self,
                doc: corral_actors::ids::DocumentId,
                after: i64,
            ) -> corral_actors::store::StoreResult<corral_actors::store::DocTail> {
                use $crate::sql::store_error;
                // The updates first, then the state: a compaction in between folds the rows
                // it deletes into a state read afterwards, which is then returned too.
                let updates: Vec<(i64, Vec<u8>)> = sqlx::query_as(
                    "SELECT seq, data FROM doc_updates WHERE document_id = $1 AND seq > $2 ORDER BY seq",
                )
                .bind(doc.0)
                .bind(after)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                let state: Option<(Vec<u8>, i64)> = sqlx::query_as(
                    "SELECT state, state_seq FROM doc_states WHERE document_id = $1 AND state_seq > $2",
                )
                .bind(doc.0)
                .bind(after)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(corral_actors::store::DocTail { state, updates })
            }

            async fn append_doc(
                &self,
                append: &corral_actors::store::DocAppend,
            ) -> corral_actors::store::StoreResult<corral_actors::store::DocAppended> {
                use $crate::sql::store_error;
                let mut tx = self.writer().begin().await.map_err(store_error)?;
                // The row lock orders this document's appenders: sequences are gapless in
                // commit order, and no other snapshot of it is inserted before this commits.
                let seq: Option<i64> = sqlx::query_scalar(
                    "UPDATE doc_states SET last_seq = last_seq + $3, updated_at = $2 \
                     WHERE document_id = $1 RETURNING last_seq",
                )
                .bind(append.document_id.0)
                .bind(append.at)
                .bind(i64::from(append.update.is_some()))
                .fetch_optional(&mut *tx)
                .await
                .map_err(store_error)?;
                let Some(seq) = seq else {
                    return Err(corral_actors::store::StoreError::Other(format!(
                        "document {} has no content row",
                        append.document_id
                    )));
                };
                if let Some(data) = &append.update {
                    sqlx::query(
                        "INSERT INTO doc_updates (document_id, seq, data, member_id, at) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(append.document_id.0)
                    .bind(seq)
                    .bind(data)
                    .bind(append.member_id.map(|m| m.0))
                    .bind(append.at)
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error)?;
                }
                let mut snapshotted = false;
                if let Some(s) = &append.snapshot {
                    let recent: Option<i32> = match s.unless_after {
                        Some(after) => sqlx::query_scalar(
                            "SELECT 1 FROM doc_snapshots WHERE document_id = $1 AND created_at > $2 LIMIT 1",
                        )
                        .bind(s.document_id.0)
                        .bind(after)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(store_error)?,
                        None => None,
                    };
                    if recent.is_none() {
                        let content = (!s.content.is_null()).then(|| sqlx::types::Json(&s.content));
                        sqlx::query(
                            "INSERT INTO doc_snapshots (id, document_id, project_id, snapshot_number, \
                             title, content, created_by, created_at) \
                             SELECT $1, $2, $3, COALESCE(MAX(snapshot_number), 0) + 1, $4, $5, $6, $7 \
                             FROM doc_snapshots WHERE document_id = $2",
                        )
                        .bind(s.id.0)
                        .bind(s.document_id.0)
                        .bind(s.project_id.0)
                        .bind(&s.title)
                        .bind(content)
                        .bind(s.created_by.map(|m| m.0))
                        .bind(s.created_at)
                        .execute(&mut *tx)
                        .await
                        .map_err(store_error)?;
                        snapshotted = true;
                    }
                }
                tx.commit().await.map_err(store_error)?;
                Ok(corral_actors::store::DocAppended {
                    seq: append.update.is_some().then_some(seq),
                    snapshotted,
                })
            }

            async fn compact_doc(
                &self,
                doc: corral_actors::ids::DocumentId,
                state: &[u8],
                up_to: i64,
            ) -> corral_actors::store::StoreResult<()> {
                use $crate::sql::store_error;
                let mut tx = self.writer().begin().await.map_err(store_error)?;
                sqlx::query(
                    "UPDATE doc_states SET state = $2, state_seq = $3 \
                     WHERE document_id = $1 AND state_seq < $3 AND last_seq >= $3",
                )
                .bind(doc.0)
                .bind(state)
                .bind(up_to)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
                // Rows up to `up_to` are in the stored state now, whichever compaction put them
                // there.
                sqlx::query(
                    "DELETE FROM doc_updates WHERE document_id = $1 AND seq <= \
                     (SELECT state_seq FROM doc_states WHERE document_id = $1)",
                )
                .bind(doc.0)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
                tx.commit().await.map_err(store_error)
            }

            async fn doc_snapshots(
                &self,
                doc: corral_actors::ids::DocumentId,
            ) -> corral_actors::store::StoreResult<Vec<corral_actors::store::DocSnapshotView>> {
                use $crate::sql::store_error;
                let rows: Vec<$crate::sql::doc_rows::DocSnapshotRow> = sqlx::query_as(concat!(
                    doc_snapshot_select!(),
                    " WHERE s.document_id = $1 ORDER BY s.snapshot_number DESC"
                ))
                .bind(doc.0)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn doc_snapshot(
                &self,
                doc: corral_actors::ids::DocumentId,
                id: corral_actors::ids::DocSnapshotId,
            ) -> corral_actors::store::StoreResult<Option<corral_actors::store::DocSnapshotView>> {
                use $crate::sql::store_error;
                let row: Option<$crate::sql::doc_rows::DocSnapshotRow> = sqlx::query_as(concat!(
                    doc_snapshot_select!(),
                    " WHERE s.id = $1 AND s.document_id = $2"
                ))
                .bind(id.0)
                .bind(doc.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(row.map(Into::into))
            }

            async fn doc_activity(
                &self,
                project: corral_actors::ids::ProjectId,
                doc: corral_actors::ids::DocumentId,
            ) -> corral_actors::store::StoreResult<Vec<corral_actors::store::DocActivityEntry>> {
                use $crate::sql::store_error;
                let rows: Vec<$crate::sql::doc_rows::DocActivityRow> = sqlx::query_as(
                    "SELECT e.project_id, e.seq, e.id, e.type, e.actor_user_id, e.actor_member_id, \
                     e.task_id, e.subject_id, e.at, e.payload, \
                     COALESCE(u.full_name, a.name) AS actor_name, \
                     COALESCE(u.username, a.handle) AS actor_username \
                     FROM project_events e \
                     LEFT JOIN project_members m ON m.id = e.actor_member_id \
                     LEFT JOIN users u ON u.id = m.user_id \
                     LEFT JOIN agents a ON a.id = m.agent_id \
                     WHERE e.project_id = $1 AND e.subject_id = $2 AND e.type LIKE 'doc.%' \
                     AND e.type IN ('doc.created', 'doc.updated', 'doc.moved') \
                     ORDER BY e.seq",
                )
                .bind(project.0)
                .bind(doc.0)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(rows.into_iter().filter_map(|r| r.into_entry()).collect())
            }
        }
    };
}

/// A snapshot with its author's name (alias `s`).
macro_rules! doc_snapshot_select {
    () => {
        "SELECT s.id, s.document_id, s.title, s.content, s.snapshot_number, s.created_by, \
         COALESCE(u.full_name, a.name) AS created_by_name, s.created_at \
         FROM doc_snapshots s \
         LEFT JOIN project_members m ON m.id = s.created_by \
         LEFT JOIN users u ON u.id = m.user_id \
         LEFT JOIN agents a ON a.id = m.agent_id"
    };
}
