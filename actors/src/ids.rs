//! Newtype ids. New rows get UUID v7, so ids sort in creation order.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// A user account.
    UserId
);
id_type!(
    /// A global role.
    GlobalRoleId
);
id_type!(
    /// A personal API key.
    ApiKeyId
);
id_type!(
    /// A browser session: every refresh token issued from one login shares it.
    SessionFamilyId
);
id_type!(
    /// One refresh token (its `jti`).
    TokenId
);
id_type!(
    /// A project.
    ProjectId
);
id_type!(
    /// A project role.
    ProjectRoleId
);
id_type!(
    /// A project membership (a human or an agent in one project).
    MemberId
);
id_type!(
    /// A task type of a project.
    TaskTypeId
);
id_type!(
    /// A task status of a project.
    TaskStatusId
);
id_type!(
    /// A task.
    TaskId
);
id_type!(
    /// A comment on a task.
    CommentId
);
id_type!(
    /// A notification to a user.
    NotificationId
);
id_type!(
    /// An event in a project's log (stable id for activity entries).
    EventId
);
id_type!(
    /// A sprint.
    SprintId
);
id_type!(
    /// A view (board, table, roadmap or plugin) of a sprint, the backlog or the timeline.
    ViewId
);
id_type!(
    /// A custom field definition of a project.
    CustomFieldId
);
id_type!(
    /// A link between two tasks.
    LinkId
);
id_type!(
    /// A folder of a project's documents.
    DocFolderId
);
id_type!(
    /// A project's document (its metadata is project state, its content a Yjs document).
    DocumentId
);
id_type!(
    /// A comment on a document.
    DocCommentId
);
id_type!(
    /// A saved version of a document (Paca's doc snapshot).
    DocSnapshotId
);
id_type!(
    /// A file in the blob store (Paca's `file_id`).
    FileId
);
id_type!(
    /// A file's attachment to a task.
    AttachmentId
);
id_type!(
    /// An AI agent, a member of one project.
    AgentId
);
id_type!(
    /// An environment variable of an agent's sandbox.
    AgentEnvVarId
);
id_type!(
    /// One run of an agent on a trigger (a task, a comment, a chat message).
    ConversationId
);
id_type!(
    /// A chat between a member and an agent: a sequence of conversations.
    ChatSessionId
);
id_type!(
    /// A skill of an agent.
    AgentSkillId
);
id_type!(
    /// An MCP server of an agent.
    AgentMcpServerId
);
