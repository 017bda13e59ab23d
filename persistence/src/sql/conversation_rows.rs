//! Rows of the conversation tables.

use chrono::{DateTime, Utc};
use corral_actors::agents::conversation::{
    ChatSession, Conversation, ConversationEvent, ConversationStatus, TriggerType,
};
use corral_actors::ids::{
    AgentId, ChatSessionId, CommentId, ConversationId, MemberId, ProjectId, TaskId,
};
use sqlx::types::Json;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
pub(crate) struct ConversationRow {
    id: Uuid,
    agent_id: Uuid,
    project_id: Uuid,
    trigger_type: String,
    task_id: Option<Uuid>,
    comment_id: Option<Uuid>,
    chat_session_id: Option<Uuid>,
    triggered_by_member_id: Option<Uuid>,
    status: String,
    message: String,
    iteration_count: i32,
    error_message: Option<String>,
    sandbox_id: Option<String>,
    started_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    node_id: String,
}

impl From<ConversationRow> for Conversation {
    fn from(r: ConversationRow) -> Self {
        Conversation {
            id: ConversationId(r.id),
            agent_id: AgentId(r.agent_id),
            project_id: ProjectId(r.project_id),
            trigger_type: TriggerType::parse(&r.trigger_type).unwrap_or(TriggerType::ChatMessage),
            task_id: r.task_id.map(TaskId),
            comment_id: r.comment_id.map(CommentId),
            chat_session_id: r.chat_session_id.map(ChatSessionId),
            triggered_by_member_id: r.triggered_by_member_id.map(MemberId),
            status: ConversationStatus::parse(&r.status).unwrap_or(ConversationStatus::Failed),
            message: r.message,
            iteration_count: r.iteration_count,
            error_message: r.error_message,
            sandbox_id: r.sandbox_id,
            node_id: r.node_id,
            started_at: r.started_at,
            finished_at: r.finished_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ConversationEventRow {
    conversation_id: Uuid,
    event_index: i64,
    event_type: String,
    event_source: String,
    payload: Json<serde_json::Value>,
    created_at: DateTime<Utc>,
}

impl From<ConversationEventRow> for ConversationEvent {
    fn from(r: ConversationEventRow) -> Self {
        ConversationEvent {
            conversation_id: ConversationId(r.conversation_id),
            event_index: r.event_index,
            event_type: r.event_type,
            event_source: r.event_source,
            payload: r.payload.0,
            created_at: r.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ChatSessionRow {
    id: Uuid,
    agent_id: Uuid,
    project_id: Uuid,
    member_id: Uuid,
    title: Option<String>,
    last_message_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<ChatSessionRow> for ChatSession {
    fn from(r: ChatSessionRow) -> Self {
        ChatSession {
            id: ChatSessionId(r.id),
            agent_id: AgentId(r.agent_id),
            project_id: ProjectId(r.project_id),
            member_id: MemberId(r.member_id),
            title: r.title,
            last_message_at: r.last_message_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}
