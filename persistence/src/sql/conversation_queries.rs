//! Agent conversations and their events, for SQLite and PostgreSQL alike (`$n` placeholders
//! work in both). [`impl_conversation_store!`] instantiates it for a store.

macro_rules! impl_conversation_store {
    ($store:ty, $db:ty) => {
        const CONVERSATION_VALUES: &str =
            "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18";

        /// Binds a conversation's columns, in [`CONVERSATION_COLUMNS`] order.
        fn bind_conversation<'q>(
            q: sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments>,
            c: &'q corral_actors::agents::conversation::Conversation,
        ) -> sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments> {
            q.bind(c.id.0)
                .bind(c.agent_id.0)
                .bind(c.project_id.0)
                .bind(c.trigger_type.as_str())
                .bind(c.task_id.map(|t| t.0))
                .bind(c.comment_id.map(|t| t.0))
                .bind(c.chat_session_id.map(|t| t.0))
                .bind(c.triggered_by_member_id.map(|t| t.0))
                .bind(c.status.as_str())
                .bind(&c.message)
                .bind(c.iteration_count)
                .bind(&c.error_message)
                .bind(&c.sandbox_id)
                .bind(c.started_at)
                .bind(c.finished_at)
                .bind(c.created_at)
                .bind(c.updated_at)
                .bind(&c.node_id)
        }

        const CONVERSATION_COLUMNS: &str = "id, agent_id, project_id, trigger_type, task_id, comment_id, \
             chat_session_id, triggered_by_member_id, status, message, iteration_count, error_message, \
             sandbox_id, started_at, finished_at, created_at, updated_at, node_id";

        #[async_trait]
        impl corral_actors::store::ConversationStore for $store {
            async fn save_conversation(
                &self,
                c: &corral_actors::agents::conversation::Conversation,
            ) -> StoreResult<()> {
                bind_conversation(sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO agent_conversations ({CONVERSATION_COLUMNS}) VALUES ({CONVERSATION_VALUES}) \
                     ON CONFLICT (id) DO UPDATE SET status = excluded.status, node_id = excluded.node_id, \
                     iteration_count = excluded.iteration_count, error_message = excluded.error_message, \
                     sandbox_id = excluded.sandbox_id, started_at = excluded.started_at, \
                     finished_at = excluded.finished_at, message = excluded.message, \
                     updated_at = excluded.updated_at"
                ))), c)
                .execute(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(())
            }

            async fn insert_conversation(
                &self,
                c: &corral_actors::agents::conversation::Conversation,
            ) -> StoreResult<bool> {
                let done = bind_conversation(sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO agent_conversations ({CONVERSATION_COLUMNS}) VALUES ({CONVERSATION_VALUES}) \
                     ON CONFLICT (id) DO NOTHING"
                ))), c)
                .execute(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(done.rows_affected() == 1)
            }

            async fn conversation(
                &self,
                id: corral_actors::ids::ConversationId,
            ) -> StoreResult<Option<corral_actors::agents::conversation::Conversation>> {
                let row: Option<$crate::sql::conversation_rows::ConversationRow> = sqlx::query_as(
                    sqlx::AssertSqlSafe(format!(
                        "SELECT {CONVERSATION_COLUMNS} FROM agent_conversations WHERE id = $1"
                    )),
                )
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(row.map(Into::into))
            }

            async fn list_conversations(
                &self,
                project: corral_actors::ids::ProjectId,
                offset: u64,
                limit: u64,
            ) -> StoreResult<(Vec<corral_actors::agents::conversation::Conversation>, u64)> {
                let rows: Vec<$crate::sql::conversation_rows::ConversationRow> = sqlx::query_as(
                    sqlx::AssertSqlSafe(format!(
                        "SELECT {CONVERSATION_COLUMNS} FROM agent_conversations WHERE project_id = $1 \
                         ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
                    )),
                )
                .bind(project.0)
                .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                .bind(i64::try_from(offset).unwrap_or(i64::MAX))
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                let total: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM agent_conversations WHERE project_id = $1")
                        .bind(project.0)
                        .fetch_one(&self.pool)
                        .await
                        .map_err(store_error)?;
                Ok((
                    rows.into_iter().map(Into::into).collect(),
                    u64::try_from(total).unwrap_or(0),
                ))
            }

            async fn append_conversation_events(
                &self,
                events: &[corral_actors::agents::conversation::ConversationEvent],
            ) -> StoreResult<()> {
                if events.is_empty() {
                    return Ok(());
                }
                let mut tx = self.pool.begin().await.map_err(store_error)?;
                for chunk in events.chunks(200) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO agent_conversation_events (conversation_id, event_index, \
                         event_type, event_source, payload, created_at) ",
                    );
                    q.push_values(chunk, |mut b, e| {
                        b.push_bind(e.conversation_id.0)
                            .push_bind(e.event_index)
                            .push_bind(&e.event_type)
                            .push_bind(&e.event_source)
                            .push_bind(Json(&e.payload))
                            .push_bind(e.created_at);
                    });
                    q.push(" ON CONFLICT (conversation_id, event_index) DO NOTHING");
                    q.build().execute(&mut *tx).await.map_err(store_error)?;
                }
                tx.commit().await.map_err(store_error)?;
                Ok(())
            }

            async fn conversation_events(
                &self,
                id: corral_actors::ids::ConversationId,
                offset: u64,
                limit: u64,
            ) -> StoreResult<(Vec<corral_actors::agents::conversation::ConversationEvent>, u64)> {
                let rows: Vec<$crate::sql::conversation_rows::ConversationEventRow> = sqlx::query_as(
                    "SELECT conversation_id, event_index, event_type, event_source, payload, created_at \
                     FROM agent_conversation_events WHERE conversation_id = $1 \
                     ORDER BY event_index LIMIT $2 OFFSET $3",
                )
                .bind(id.0)
                .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                .bind(i64::try_from(offset).unwrap_or(i64::MAX))
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                let total: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM agent_conversation_events WHERE conversation_id = $1",
                )
                .bind(id.0)
                .fetch_one(&self.pool)
                .await
                .map_err(store_error)?;
                Ok((
                    rows.into_iter().map(Into::into).collect(),
                    u64::try_from(total).unwrap_or(0),
                ))
            }

            async fn insert_agent_credential(
                &self,
                c: &corral_actors::store::AgentCredential,
            ) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO agent_credentials (token_hash, conversation_id, project_id, agent_id, \
                     member_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&c.token_hash)
                .bind(c.conversation_id.0)
                .bind(c.project_id.0)
                .bind(c.agent_id.0)
                .bind(c.member_id.0)
                .bind(c.created_at)
                .execute(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(())
            }

            async fn agent_credential(
                &self,
                token_hash: &str,
            ) -> StoreResult<Option<corral_actors::store::AgentCredential>> {
                let row: Option<(uuid::Uuid, uuid::Uuid, uuid::Uuid, uuid::Uuid, DateTime<Utc>)> =
                    sqlx::query_as(
                        "SELECT conversation_id, project_id, agent_id, member_id, created_at \
                         FROM agent_credentials WHERE token_hash = $1 AND revoked_at IS NULL",
                    )
                    .bind(token_hash)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(store_error)?;
                Ok(row.map(|(conversation, project, agent, member, created_at)| {
                    corral_actors::store::AgentCredential {
                        token_hash: token_hash.to_owned(),
                        conversation_id: corral_actors::ids::ConversationId(conversation),
                        project_id: corral_actors::ids::ProjectId(project),
                        agent_id: corral_actors::ids::AgentId(agent),
                        member_id: corral_actors::ids::MemberId(member),
                        created_at,
                    }
                }))
            }

            async fn revoke_agent_credentials(
                &self,
                conversation: corral_actors::ids::ConversationId,
                at: DateTime<Utc>,
            ) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE agent_credentials SET revoked_at = $2 \
                     WHERE conversation_id = $1 AND revoked_at IS NULL",
                )
                .bind(conversation.0)
                .bind(at)
                .execute(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(())
            }

            async fn save_chat_session(
                &self,
                c: &corral_actors::agents::conversation::ChatSession,
            ) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO agent_chat_sessions (id, agent_id, project_id, member_id, title, \
                     last_message_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT (id) DO UPDATE SET title = excluded.title, \
                     last_message_at = excluded.last_message_at, updated_at = excluded.updated_at",
                )
                .bind(c.id.0)
                .bind(c.agent_id.0)
                .bind(c.project_id.0)
                .bind(c.member_id.0)
                .bind(&c.title)
                .bind(c.last_message_at)
                .bind(c.created_at)
                .bind(c.updated_at)
                .execute(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(())
            }

            async fn chat_session(
                &self,
                id: corral_actors::ids::ChatSessionId,
            ) -> StoreResult<Option<corral_actors::agents::conversation::ChatSession>> {
                let row: Option<$crate::sql::conversation_rows::ChatSessionRow> = sqlx::query_as(
                    "SELECT id, agent_id, project_id, member_id, title, last_message_at, created_at, \
                     updated_at FROM agent_chat_sessions WHERE id = $1",
                )
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(row.map(Into::into))
            }

            async fn chat_sessions(
                &self,
                agent: corral_actors::ids::AgentId,
                member: corral_actors::ids::MemberId,
            ) -> StoreResult<Vec<corral_actors::agents::conversation::ChatSession>> {
                let rows: Vec<$crate::sql::conversation_rows::ChatSessionRow> = sqlx::query_as(
                    "SELECT id, agent_id, project_id, member_id, title, last_message_at, created_at, \
                     updated_at FROM agent_chat_sessions WHERE agent_id = $1 AND member_id = $2 \
                     ORDER BY updated_at DESC, id DESC LIMIT 200",
                )
                .bind(agent.0)
                .bind(member.0)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn latest_chat_conversation(
                &self,
                session: corral_actors::ids::ChatSessionId,
            ) -> StoreResult<Option<corral_actors::agents::conversation::Conversation>> {
                let row: Option<$crate::sql::conversation_rows::ConversationRow> = sqlx::query_as(
                    sqlx::AssertSqlSafe(format!(
                        "SELECT {CONVERSATION_COLUMNS} FROM agent_conversations \
                         WHERE chat_session_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1"
                    )),
                )
                .bind(session.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(row.map(Into::into))
            }

            async fn unfinished_conversations(
                &self,
                node: &str,
            ) -> StoreResult<Vec<corral_actors::agents::conversation::Conversation>> {
                let rows: Vec<$crate::sql::conversation_rows::ConversationRow> = sqlx::query_as(
                    sqlx::AssertSqlSafe(format!(
                        "SELECT {CONVERSATION_COLUMNS} FROM agent_conversations \
                         WHERE status IN ('queued', 'running', 'paused') AND node_id = $1 \
                         ORDER BY created_at"
                    )),
                )
                .bind(node)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }
        }
    };
}
