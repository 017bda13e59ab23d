//! A conversation: one run of an agent in a sandbox, from its trigger to a terminal status,
//! and the events the agent emitted during it.

use crate::ids::{AgentId, ChatSessionId, CommentId, ConversationId, MemberId, ProjectId, TaskId};
use chrono::{DateTime, Utc};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConversationStatus {
    Queued,
    Running,
    /// A chat between turns: the sandbox is kept for the next message.
    Paused,
    Finished,
    Failed,
    Stopped,
}

impl ConversationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Finished => "finished",
            Self::Failed => "failed",
            Self::Stopped => "stopped",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "queued" => Self::Queued,
            "running" => Self::Running,
            "paused" => Self::Paused,
            "finished" => Self::Finished,
            "failed" => Self::Failed,
            "stopped" => Self::Stopped,
            _ => return None,
        })
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Finished | Self::Failed | Self::Stopped)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriggerType {
    TaskAssigned,
    CommentMention,
    ChatMessage,
    DescriptionWrite,
}

impl TriggerType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TaskAssigned => "task_assigned",
            Self::CommentMention => "comment_mention",
            Self::ChatMessage => "chat_message",
            Self::DescriptionWrite => "description_write",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "task_assigned" => Self::TaskAssigned,
            "comment_mention" => Self::CommentMention,
            "chat_message" => Self::ChatMessage,
            "description_write" => Self::DescriptionWrite,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Conversation {
    pub id: ConversationId,
    pub agent_id: AgentId,
    pub project_id: ProjectId,
    pub trigger_type: TriggerType,
    pub task_id: Option<TaskId>,
    pub comment_id: Option<CommentId>,
    pub chat_session_id: Option<ChatSessionId>,
    pub triggered_by_member_id: Option<MemberId>,
    pub status: ConversationStatus,
    /// The message the run starts with.
    pub message: String,
    pub iteration_count: i32,
    pub error_message: Option<String>,
    /// The runtime's handle of its sandbox while it has one.
    pub sandbox_id: Option<String>,
    /// The node that queued or runs it (stable per data directory).
    pub node_id: String,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One agent event, as the agent-server sent it.
#[derive(Clone, Debug, PartialEq)]
pub struct ConversationEvent {
    pub conversation_id: ConversationId,
    /// Gapless per conversation, from 0.
    pub event_index: i64,
    /// The SDK's event kind (`MessageEvent`, `ActionEvent`, …).
    pub event_type: String,
    /// `agent`, `user` or `environment`.
    pub event_source: String,
    pub payload: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// A chat between a member and an agent: its conversations in order; a paused one takes the
/// next message in the same sandbox.
#[derive(Clone, Debug, PartialEq)]
pub struct ChatSession {
    pub id: ChatSessionId,
    pub agent_id: AgentId,
    pub project_id: ProjectId,
    pub member_id: MemberId,
    pub title: Option<String>,
    pub last_message_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
