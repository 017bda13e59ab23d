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

    /// The lifecycle `queued → running → paused | finished | failed | stopped`: the status after
    /// `step` and the event that announces it, or `None` when the step does not apply (a
    /// terminal status never changes; only a paused chat resumes; pausing twice is nothing).
    /// Every status change of a conversation goes through here.
    pub fn after(self, step: Step) -> Option<(Self, &'static str)> {
        use ConversationStatus::{Failed, Finished, Paused, Queued, Running, Stopped};
        let next = match (self, step) {
            (Queued, Step::Start) => Running,
            (Running, Step::Pause) => Paused,
            (Paused, Step::Resume) => Running,
            (Running | Paused, Step::Finish) => Finished,
            // A queued conversation can be stopped or fail (recovery) before it ever runs.
            (Queued | Running | Paused, Step::Fail) => Failed,
            (Queued | Running | Paused, Step::Stop) => Stopped,
            _ => return None,
        };
        let event = match next {
            Running if self == Paused => "agent.conversation.resumed",
            Running => "agent.conversation.started",
            Paused => "agent.conversation.paused",
            Finished => "agent.conversation.finished",
            Failed => "agent.conversation.failed",
            Stopped => "agent.conversation.stopped",
            Queued => unreachable!("nothing leads back to queued"),
        };
        Some((next, event))
    }
}

/// What can happen to a conversation (see [`ConversationStatus::after`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Admitted by the scheduler: its sandbox is starting.
    Start,
    /// A chat turn ended (or pause was asked): the sandbox waits for the next message.
    Pause,
    /// A message reached a paused chat.
    Resume,
    Finish,
    Fail,
    Stop,
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

#[cfg(test)]
mod tests {
    use super::{ConversationStatus, Step};
    use proptest::prelude::*;

    const ALL: [ConversationStatus; 6] = [
        ConversationStatus::Queued,
        ConversationStatus::Running,
        ConversationStatus::Paused,
        ConversationStatus::Finished,
        ConversationStatus::Failed,
        ConversationStatus::Stopped,
    ];

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            Just(Step::Start),
            Just(Step::Pause),
            Just(Step::Resume),
            Just(Step::Finish),
            Just(Step::Fail),
            Just(Step::Stop),
        ]
    }

    #[test]
    fn names_round_trip() {
        for s in ALL {
            assert_eq!(ConversationStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(ConversationStatus::parse("done"), None);
    }

    proptest! {
        /// Whatever happens to a conversation, in any order: terminal statuses absorb every
        /// step, nothing returns to queued, it runs before it can pause or finish, the event
        /// names the new status, and the announced events read as a valid history.
        #[test]
        fn lifecycle_holds_for_any_sequence(steps in proptest::collection::vec(step(), 0..40)) {
            let mut status = ConversationStatus::Queued;
            let mut ran = false;
            let mut history = Vec::new();
            for step in steps {
                match status.after(step) {
                    Some((next, event)) => {
                        prop_assert!(!status.is_terminal(), "{status:?} changed on {step:?}");
                        prop_assert_ne!(next, ConversationStatus::Queued);
                        prop_assert_ne!(next, status, "a change changes something");
                        if matches!(next, ConversationStatus::Paused | ConversationStatus::Finished) {
                            prop_assert!(ran, "{next:?} before running");
                        }
                        prop_assert!(event.ends_with(next.as_str()) || event.ends_with("resumed") || event.ends_with("started"));
                        ran |= next == ConversationStatus::Running;
                        history.push(event);
                        status = next;
                    }
                    None => prop_assert!(
                        status.is_terminal()
                            || !matches!((status, step), (_, Step::Fail | Step::Stop)),
                        "{status:?} must accept {step:?}"
                    ),
                }
            }
            // At most one start, it comes first, and at most one end, last.
            let starts = history.iter().filter(|e| e.ends_with("started")).count();
            prop_assert!(starts <= 1);
            if starts == 1 {
                prop_assert_eq!(history[0], "agent.conversation.started");
            }
            let ends = history.iter().filter(|e| {
                e.ends_with("finished") || e.ends_with("failed") || e.ends_with("stopped")
            }).count();
            prop_assert!(ends <= 1);
            if ends == 1 {
                prop_assert!(status.is_terminal());
            }
            // Pauses and resumes alternate.
            let mut paused = false;
            for e in history.iter().filter(|e| e.ends_with("paused") || e.ends_with("resumed")) {
                prop_assert_eq!(e.ends_with("paused"), !paused);
                paused = !paused;
            }
        }
    }
}
