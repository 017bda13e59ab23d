//! The catalogue of project events: every kind a project actor writes to its log, its name on
//! the wire (Paca's where Paca has one), the room it is delivered to, and whether it changes
//! who may read the project. Command staging builds events from these kinds; the realtime hub,
//! the event-log reads and the durable consumers decide from them, never from string prefixes.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Where an event is delivered live and in replays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Room {
    /// `project:<id>:tasks`: tasks, comments, planning, members, roles, agents, settings.
    Tasks,
    /// `project:<id>:docs`.
    Docs,
    /// `project:<id>:workflows`.
    Workflows,
    /// Only its recipient (`user:<id>:notifications`); the project's followers see its
    /// sequence pass and nothing else, live or in the log.
    Recipient,
}

impl Room {
    /// The room of any event type on the bus, including those outside the project log (the
    /// live `agent.*` events of a conversation) and kinds a newer node may send: catalogued
    /// kinds by the catalogue, others by Paca's prefixes.
    pub fn of(wire: &str) -> Room {
        match EventKind::parse(wire) {
            Some(kind) => kind.room(),
            None if wire.starts_with("notification.") => Room::Recipient,
            None if wire.starts_with("doc.") => Room::Docs,
            None if wire.starts_with("workflow.") && wire != "workflow.assigned" => Room::Workflows,
            None => Room::Tasks,
        }
    }
}

macro_rules! catalogue {
    ($($(#[$doc:meta])* $kind:ident = $wire:literal in $room:ident;)*) => {
        /// Every kind of project event.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum EventKind {
            $($(#[$doc])* $kind,)*
        }

        impl EventKind {
            pub const ALL: &'static [EventKind] = &[$(EventKind::$kind,)*];

            /// The type name clients, the log and the bus carry.
            pub const fn wire(self) -> &'static str {
                match self {
                    $(EventKind::$kind => $wire,)*
                }
            }

            pub const fn room(self) -> Room {
                match self {
                    $(EventKind::$kind => Room::$room,)*
                }
            }

            pub fn parse(wire: &str) -> Option<EventKind> {
                match wire {
                    $($wire => Some(EventKind::$kind),)*
                    _ => None,
                }
            }
        }
    };
}

catalogue! {
    ProjectCreated = "project.created" in Tasks;
    ProjectUpdated = "project.updated" in Tasks;
    ProjectDeleted = "project.deleted" in Tasks;
    MemberAdded = "project.member.added" in Tasks;
    MemberUpdated = "project.member.updated" in Tasks;
    MemberRemoved = "project.member.removed" in Tasks;
    RoleCreated = "project.role.created" in Tasks;
    RoleUpdated = "project.role.updated" in Tasks;
    RoleDeleted = "project.role.deleted" in Tasks;
    TaskTypeCreated = "task_type.created" in Tasks;
    TaskTypeUpdated = "task_type.updated" in Tasks;
    TaskTypeDeleted = "task_type.deleted" in Tasks;
    TaskTypeDefaultSet = "task_type.default_set" in Tasks;
    StatusCreated = "task_status.created" in Tasks;
    StatusUpdated = "task_status.updated" in Tasks;
    StatusDeleted = "task_status.deleted" in Tasks;
    StatusDefaultSet = "task_status.default_set" in Tasks;
    StatusesReordered = "task_status.reordered" in Tasks;
    TaskCreated = "task.created" in Tasks;
    TaskUpdated = "task.updated" in Tasks;
    TaskDeleted = "task.deleted" in Tasks;
    CommentAdded = "task.comment.added" in Tasks;
    CommentUpdated = "task.comment.updated" in Tasks;
    CommentDeleted = "task.comment.deleted" in Tasks;
    LinkAdded = "task.link.added" in Tasks;
    LinkRemoved = "task.link.removed" in Tasks;
    AttachmentAdded = "task.attachment.added" in Tasks;
    AttachmentRemoved = "task.attachment.removed" in Tasks;
    DocCreated = "doc.created" in Docs;
    DocUpdated = "doc.updated" in Docs;
    DocMoved = "doc.moved" in Docs;
    DocDeleted = "doc.deleted" in Docs;
    DocCommentAdded = "doc.comment.added" in Docs;
    DocCommentUpdated = "doc.comment.updated" in Docs;
    DocCommentDeleted = "doc.comment.deleted" in Docs;
    /// A file added to a document (Corral's; Paca's web only refreshes on it).
    DocFileAdded = "doc.file.added" in Docs;
    DocFileRemoved = "doc.file.removed" in Docs;
    DocFolderCreated = "doc.folder.created" in Docs;
    DocFolderUpdated = "doc.folder.updated" in Docs;
    DocFolderDeleted = "doc.folder.deleted" in Docs;
    SprintCreated = "sprint.created" in Tasks;
    SprintUpdated = "sprint.updated" in Tasks;
    SprintDeleted = "sprint.deleted" in Tasks;
    SprintCompleted = "sprint.completed" in Tasks;
    ViewCreated = "view.created" in Tasks;
    ViewUpdated = "view.updated" in Tasks;
    ViewDeleted = "view.deleted" in Tasks;
    ViewsReordered = "view.reordered" in Tasks;
    TaskPositionsUpdated = "view.task_positions.updated" in Tasks;
    CustomFieldCreated = "custom_field.created" in Tasks;
    CustomFieldUpdated = "custom_field.updated" in Tasks;
    CustomFieldDeleted = "custom_field.deleted" in Tasks;
    AgentCreated = "agent.created" in Tasks;
    AgentUpdated = "agent.updated" in Tasks;
    AgentDeleted = "agent.deleted" in Tasks;
    AgentEnvVarCreated = "agent.env_var.created" in Tasks;
    AgentEnvVarUpdated = "agent.env_var.updated" in Tasks;
    AgentEnvVarDeleted = "agent.env_var.deleted" in Tasks;
    AgentSkillCreated = "agent.skill.created" in Tasks;
    AgentSkillUpdated = "agent.skill.updated" in Tasks;
    AgentSkillDeleted = "agent.skill.deleted" in Tasks;
    AgentMcpServerCreated = "agent.mcp_server.created" in Tasks;
    AgentMcpServerUpdated = "agent.mcp_server.updated" in Tasks;
    AgentMcpServerDeleted = "agent.mcp_server.deleted" in Tasks;
    /// A conversation to start (assignment, mention, "write with AI"): the agent-trigger
    /// consumer's input.
    AgentTriggered = "agent.triggered" in Tasks;
    /// A task activity entry: an agent run started on the task.
    AgentSessionStarted = "agent.session.started" in Tasks;
    /// A user was notified (assigned, mentioned); private to the recipient.
    NotificationCreated = "notification.created" in Recipient;
}

impl EventKind {
    /// Whether, after this event, the project's followers must be authorized again (who is a
    /// member, what a role grants, whether the project or an agent member still exists).
    pub const fn changes_access(self) -> bool {
        matches!(
            self,
            EventKind::MemberAdded
                | EventKind::MemberUpdated
                | EventKind::MemberRemoved
                | EventKind::RoleUpdated
                | EventKind::RoleDeleted
                | EventKind::ProjectDeleted
                | EventKind::AgentDeleted
        )
    }

    /// Whether only its recipient may see its payload.
    pub const fn is_private(self) -> bool {
        matches!(self.room(), Room::Recipient)
    }
}

/// The user a private event is for: its payload's `recipient_user_id`.
pub fn recipient(payload: &serde_json::Value) -> Option<crate::ids::UserId> {
    payload["recipient_user_id"].as_str()?.parse().ok()
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.wire())
    }
}

impl Serialize for EventKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.wire())
    }
}

impl<'de> Deserialize<'de> for EventKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        EventKind::parse(&wire)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown event type {wire:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::{EventKind, Room};
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_and_round_trip() {
        let mut seen = HashSet::new();
        for kind in EventKind::ALL {
            assert!(seen.insert(kind.wire()), "{} twice", kind.wire());
            assert_eq!(EventKind::parse(kind.wire()), Some(*kind));
            let json = serde_json::to_string(kind).expect("serialize");
            assert_eq!(
                serde_json::from_str::<EventKind>(&json).expect("deserialize"),
                *kind
            );
        }
        assert_eq!(EventKind::parse("task.exploded"), None);
        assert!(serde_json::from_str::<EventKind>("\"task.exploded\"").is_err());
    }

    #[test]
    fn rooms_follow_paca_and_keep_notifications_private() {
        assert_eq!(Room::of("task.updated"), Room::Tasks);
        assert_eq!(Room::of("sprint.completed"), Room::Tasks);
        assert_eq!(Room::of("notification.created"), Room::Recipient);
        assert!(EventKind::NotificationCreated.is_private());
        assert!(!EventKind::TaskCreated.is_private());
        // Outside the log: conversation events, and kinds of capabilities built later.
        assert_eq!(Room::of("agent.message"), Room::Tasks);
        assert_eq!(Room::of("doc.updated"), Room::Docs);
        assert_eq!(Room::of("workflow.run_started"), Room::Workflows);
        assert_eq!(Room::of("workflow.assigned"), Room::Tasks);
        assert_eq!(Room::of("notification.read"), Room::Recipient);
    }

    #[test]
    fn access_changes() {
        assert!(EventKind::MemberRemoved.changes_access());
        assert!(EventKind::RoleUpdated.changes_access());
        assert!(EventKind::AgentDeleted.changes_access());
        assert!(!EventKind::RoleCreated.changes_access());
        assert!(!EventKind::TaskUpdated.changes_access());
    }
}
