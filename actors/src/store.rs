//! The store port: what the core needs from a database. `corral-persistence` implements it for
//! SQLite and PostgreSQL; both pass the same conformance suite.
//!
//! The traits are split per aggregate; [`Store`] is all of them together. Reads return
//! `Ok(None)` for "no such row"; writes that target one row return whether a row changed.

use crate::ids::{ApiKeyId, GlobalRoleId, ProjectId, SessionFamilyId, TokenId, UserId};
use crate::permission::PermissionMap;
use crate::user::{ApiKey, GlobalRole, User, UserRecord};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write; the payload names the constraint.
    #[error("unique constraint violated: {0}")]
    Conflict(String),
    /// The database cannot be reached.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Other(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A user to insert.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub id: UserId,
    pub username: String,
    pub password_hash: String,
    pub full_name: String,
    pub role_id: GlobalRoleId,
    pub must_change_password: bool,
    pub created_at: DateTime<Utc>,
}

/// Fields of a user to change; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct UserChanges {
    pub full_name: Option<String>,
    pub role_id: Option<GlobalRoleId>,
    pub is_active: Option<bool>,
}

/// Users holding a role that are not deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RoleHolders {
    pub users: u64,
    /// Of those, the ones not disabled.
    pub enabled: u64,
}

/// What recording the use of a refresh token found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefreshUse {
    /// First use: the caller may rotate.
    First,
    /// The token was used before, at this time.
    Reused { first_used_at: DateTime<Utc> },
}

#[async_trait]
pub trait UserStore: Send + Sync {
    async fn insert_user(&self, user: &NewUser) -> StoreResult<()>;
    /// A user that is not deleted.
    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<UserRecord>>;
    /// A user that is not deleted.
    async fn user_by_username(&self, username: &str) -> StoreResult<Option<UserRecord>>;
    /// Whether any user, deleted or not, ever had this username.
    async fn username_ever_used(&self, username: &str) -> StoreResult<bool>;
    /// Users that are not deleted, oldest first, and their total count.
    async fn list_users(&self, offset: u64, limit: u64) -> StoreResult<(Vec<User>, u64)>;
    async fn update_user(
        &self,
        id: UserId,
        changes: &UserChanges,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;
    async fn set_password(
        &self,
        id: UserId,
        password_hash: &str,
        must_change_password: bool,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;
    async fn delete_user(&self, id: UserId, at: DateTime<Utc>) -> StoreResult<bool>;
    /// How many users that are not deleted hold the role.
    async fn role_holders(&self, role: GlobalRoleId) -> StoreResult<RoleHolders>;
    /// The current full names of a project's human members (the project actor keeps the
    /// names it loaded, which a user can change since).
    async fn member_full_names(&self, project: ProjectId) -> StoreResult<Vec<(UserId, String)>>;
}

#[async_trait]
pub trait RoleStore: Send + Sync {
    async fn insert_role(&self, role: &GlobalRole) -> StoreResult<()>;
    async fn role_by_id(&self, id: GlobalRoleId) -> StoreResult<Option<GlobalRole>>;
    async fn role_by_name(&self, name: &str) -> StoreResult<Option<GlobalRole>>;
    /// All roles, by name.
    async fn list_roles(&self) -> StoreResult<Vec<GlobalRole>>;
    async fn update_role(
        &self,
        id: GlobalRoleId,
        name: &str,
        permissions: &PermissionMap,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Deletes the role; deleted users that held it keep no role.
    async fn delete_role(&self, id: GlobalRoleId) -> StoreResult<bool>;
}

#[async_trait]
pub trait ApiKeyStore: Send + Sync {
    async fn insert_api_key(&self, key: &ApiKey, key_hash: &str) -> StoreResult<()>;
    async fn api_key_by_id(&self, id: ApiKeyId) -> StoreResult<Option<ApiKey>>;
    /// The user's keys that are not revoked, newest first.
    async fn list_api_keys(&self, user: UserId) -> StoreResult<Vec<ApiKey>>;
    /// Revokes a key that is not yet revoked.
    async fn revoke_api_key(&self, id: ApiKeyId, at: DateTime<Utc>) -> StoreResult<bool>;
    /// The key with this SHA-256 hex hash and its owner, if the owner is not deleted.
    async fn api_key_by_hash(&self, key_hash: &str) -> StoreResult<Option<(ApiKey, UserRecord)>>;
    async fn touch_api_key(&self, id: ApiKeyId, at: DateTime<Utc>) -> StoreResult<()>;
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn create_session_family(
        &self,
        id: SessionFamilyId,
        user: UserId,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The user (not deleted) and whether the session family is live (exists, not revoked).
    async fn session_user(
        &self,
        user: UserId,
        family: SessionFamilyId,
    ) -> StoreResult<Option<(UserRecord, bool)>>;
    async fn revoke_session_family(
        &self,
        id: SessionFamilyId,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn revoke_user_sessions(&self, user: UserId, at: DateTime<Utc>) -> StoreResult<()>;
    /// Records the use of a refresh token, atomically: the first caller gets `First`.
    async fn record_refresh_use(
        &self,
        token: TokenId,
        family: SessionFamilyId,
        at: DateTime<Utc>,
    ) -> StoreResult<RefreshUse>;
    /// Forgets refresh-token uses older than `before` (their tokens have expired).
    async fn prune_refresh_uses(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}

/// Every store port, plus liveness.
#[async_trait]
pub trait Store:
    UserStore
    + RoleStore
    + ApiKeyStore
    + SessionStore
    + ProjectStore
    + ConversationStore
    + PipelineStore
    + FileStore
    + DocStore
    + Send
    + Sync
    + 'static
{
    /// Round-trips to the database.
    async fn ping(&self) -> StoreResult<()>;
    /// Which database this is, for logs and readiness output.
    fn backend(&self) -> &'static str;
}

/// An entry of a task's activity feed, derived from the event log (and, for comments, the
/// comment as it is now).
#[derive(Clone, Debug, PartialEq)]
pub struct ActivityEntry {
    /// The event's id, or the comment's for comments.
    pub id: uuid::Uuid,
    pub task_id: crate::ids::TaskId,
    pub actor_member_id: Option<crate::ids::MemberId>,
    pub actor_name: String,
    pub actor_username: String,
    /// `task.created`, `task.updated`, `task.deleted` or `comment`.
    pub activity_type: String,
    pub content: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A notification as its recipient sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct NotificationView {
    pub id: crate::ids::NotificationId,
    pub kind: String,
    pub actor_full_name: String,
    pub actor_username: String,
    pub task_id: Option<crate::ids::TaskId>,
    pub task_title: String,
    pub task_number: Option<i64>,
    pub document_id: Option<crate::ids::DocumentId>,
    pub document_title: String,
    pub project_id: crate::ids::ProjectId,
    pub project_name: String,
    pub read_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Project data: what project actors load and commit, and the reads that span projects or
/// history (answered by the store directly).
#[async_trait]
pub trait ProjectStore: Send + Sync {
    /// Everything the project's actor owns, or `None` if the project never existed.
    async fn load_project(
        &self,
        id: crate::ids::ProjectId,
    ) -> StoreResult<Option<crate::project::state::ProjectState>>;
    /// Writes one batch atomically, fenced on the project's event sequence.
    async fn commit_project(
        &self,
        batch: &crate::project::batch::CommitBatch,
    ) -> StoreResult<crate::project::batch::CommitOutcome>;
    /// Events after `since`, in order, at most `limit`.
    async fn project_events(
        &self,
        id: crate::ids::ProjectId,
        since: i64,
        limit: u32,
    ) -> StoreResult<Vec<crate::project::batch::Event>>;
    /// Projects that are not deleted, oldest first: all of them, or those `member` belongs to.
    async fn list_projects(
        &self,
        member: Option<UserId>,
        offset: u64,
        limit: u64,
    ) -> StoreResult<(Vec<crate::project::model::Project>, u64)>;
    /// The project a document folder belongs to, if the folder exists.
    async fn doc_folder_project(
        &self,
        folder: crate::ids::DocFolderId,
    ) -> StoreResult<Option<crate::ids::ProjectId>>;
    /// The project a task belongs to, if the task exists.
    async fn task_project(
        &self,
        task: crate::ids::TaskId,
    ) -> StoreResult<Option<crate::ids::ProjectId>>;
    /// A task's activity feed, oldest first.
    async fn task_activity(
        &self,
        project: crate::ids::ProjectId,
        task: crate::ids::TaskId,
    ) -> StoreResult<Vec<ActivityEntry>>;
    /// The newest `limit` notifications of a user and how many are unread.
    async fn list_notifications(
        &self,
        user: UserId,
        limit: u32,
    ) -> StoreResult<(Vec<NotificationView>, u64)>;
    async fn mark_notification_read(
        &self,
        user: UserId,
        id: crate::ids::NotificationId,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;
    async fn mark_all_notifications_read(
        &self,
        user: UserId,
        at: DateTime<Utc>,
    ) -> StoreResult<u64>;
}

/// Agent conversations and their events (outside project actors: they are high-volume and
/// owned by conversation actors).
#[async_trait]
pub trait ConversationStore: Send + Sync {
    /// Inserts or updates the conversation row.
    async fn save_conversation(
        &self,
        conversation: &crate::agents::conversation::Conversation,
    ) -> StoreResult<()>;
    /// Inserts a new conversation; `false` when one with its id already exists (a trigger
    /// delivered twice, or taken by two nodes at once, starts one conversation).
    async fn insert_conversation(
        &self,
        conversation: &crate::agents::conversation::Conversation,
    ) -> StoreResult<bool>;
    async fn conversation(
        &self,
        id: crate::ids::ConversationId,
    ) -> StoreResult<Option<crate::agents::conversation::Conversation>>;
    /// A project's conversations, newest first, and how many there are.
    async fn list_conversations(
        &self,
        project: crate::ids::ProjectId,
        offset: u64,
        limit: u64,
    ) -> StoreResult<(Vec<crate::agents::conversation::Conversation>, u64)>;
    /// Appends events (their indexes continue the conversation's; duplicates are ignored).
    async fn append_conversation_events(
        &self,
        events: &[crate::agents::conversation::ConversationEvent],
    ) -> StoreResult<()>;
    /// Events by index, and how many there are.
    async fn conversation_events(
        &self,
        id: crate::ids::ConversationId,
        offset: u64,
        limit: u64,
    ) -> StoreResult<(Vec<crate::agents::conversation::ConversationEvent>, u64)>;
    /// A node's conversations that are queued, running or paused (to recover after a restart).
    async fn unfinished_conversations(
        &self,
        node: &str,
    ) -> StoreResult<Vec<crate::agents::conversation::Conversation>>;
    /// Records a conversation's credential (by the SHA-256 of its token).
    async fn insert_agent_credential(&self, credential: &AgentCredential) -> StoreResult<()>;
    /// The live (not revoked) credential with this token hash.
    async fn agent_credential(&self, token_hash: &str) -> StoreResult<Option<AgentCredential>>;
    async fn save_chat_session(
        &self,
        session: &crate::agents::conversation::ChatSession,
    ) -> StoreResult<()>;
    async fn chat_session(
        &self,
        id: crate::ids::ChatSessionId,
    ) -> StoreResult<Option<crate::agents::conversation::ChatSession>>;
    /// An agent's chat sessions with one member, most recent first.
    async fn chat_sessions(
        &self,
        agent: crate::ids::AgentId,
        member: crate::ids::MemberId,
    ) -> StoreResult<Vec<crate::agents::conversation::ChatSession>>;
    /// The newest conversation of a chat session.
    async fn latest_chat_conversation(
        &self,
        session: crate::ids::ChatSessionId,
    ) -> StoreResult<Option<crate::agents::conversation::Conversation>>;
    /// Ends every credential of a conversation.
    async fn revoke_agent_credentials(
        &self,
        conversation: crate::ids::ConversationId,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
}

/// A conversation's own credential, as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentCredential {
    pub token_hash: String,
    pub conversation_id: crate::ids::ConversationId,
    pub project_id: crate::ids::ProjectId,
    pub agent_id: crate::ids::AgentId,
    pub member_id: crate::ids::MemberId,
    pub created_at: DateTime<Utc>,
}

/// How far a project's committed events reached the event stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RelayPosition {
    pub project_id: crate::ids::ProjectId,
    /// Every event up to this sequence is on the stream.
    pub relayed_seq: i64,
    /// The project's last committed sequence.
    pub event_seq: i64,
}

/// How far a durable consumer got in one project.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConsumerPosition {
    pub project_id: crate::ids::ProjectId,
    /// Every event up to this sequence was handled (or dead-lettered).
    pub offset: i64,
    pub relayed_seq: i64,
}

/// The durable event pipeline's bookkeeping: the relay's position per project and each
/// consumer's offset per project (ARCHITECTURE §3.4).
#[async_trait]
pub trait PipelineStore: Send + Sync {
    /// The project's relay position, if the project exists.
    async fn relay_position(
        &self,
        project: crate::ids::ProjectId,
    ) -> StoreResult<Option<RelayPosition>>;
    /// Records that events up to `seq` are on the stream; never moves the position back.
    async fn mark_relayed(&self, project: crate::ids::ProjectId, seq: i64) -> StoreResult<()>;
    /// Projects with committed events not on the stream yet, at most `limit`.
    async fn unrelayed_projects(&self, limit: u32) -> StoreResult<Vec<RelayPosition>>;
    /// Registers a durable consumer. The first time, it starts at every existing project's
    /// relay position (events relayed before it existed are not its to handle).
    async fn register_consumer(&self, name: &str, at: DateTime<Utc>) -> StoreResult<()>;
    /// The last sequence the consumer handled in the project (0 when none).
    async fn consumer_offset(&self, name: &str, project: crate::ids::ProjectId)
    -> StoreResult<i64>;
    /// Moves the consumer's offset in the project forward to `seq` (never back).
    async fn advance_consumer(
        &self,
        name: &str,
        project: crate::ids::ProjectId,
        seq: i64,
    ) -> StoreResult<()>;
    /// Projects with relayed events the consumer has not handled, at most `limit`.
    async fn lagging_projects(&self, name: &str, limit: u32) -> StoreResult<Vec<ConsumerPosition>>;
    /// Committed events the consumer has not handled yet, over every project.
    async fn consumer_lag(&self, name: &str) -> StoreResult<i64>;
}

/// Uploads in progress (`file_uploads`): rows no project actor owns, written by the files
/// service. An attached file's row is project state instead (`ProjectStore`).
#[async_trait]
pub trait FileStore: Send + Sync {
    /// Inserts the upload if the project's uploads started after `since` (those whose URLs
    /// still work) leave room for it, checked and inserted under one lock so concurrent starts
    /// cannot overshoot; else the limit that refused it.
    async fn insert_upload_if_room(
        &self,
        upload: &crate::project::files::PendingUpload,
        since: DateTime<Utc>,
        room: &UploadRoom,
    ) -> StoreResult<Option<UploadLimit>>;
    async fn upload(
        &self,
        id: crate::ids::FileId,
    ) -> StoreResult<Option<crate::project::files::PendingUpload>>;
    /// Removes the row; a missing row is fine.
    async fn delete_upload(&self, id: crate::ids::FileId) -> StoreResult<()>;
    /// Claims the upload for one completion until `until`, unless another holds it at `now`;
    /// whether this call got it.
    async fn claim_upload(
        &self,
        id: crate::ids::FileId,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Gives a claim back (the completion failed; the client may try again).
    async fn release_upload(&self, id: crate::ids::FileId) -> StoreResult<()>;
    /// Uploads that expired before `before` and are not claimed then (oldest first, at most
    /// `limit`).
    async fn expired_uploads(
        &self,
        before: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<crate::project::files::PendingUpload>>;
    /// The project of the file, if it is attached (its row is in `files`).
    async fn attached_file_project(
        &self,
        id: crate::ids::FileId,
    ) -> StoreResult<Option<crate::ids::ProjectId>>;
}

/// Documents' content (`doc_states`, `doc_updates`, `doc_snapshots`): rows the documents'
/// actors write; a document's metadata and its first state are project state (`ProjectStore`).
#[async_trait]
pub trait DocStore: Send + Sync {
    /// The document's compacted state and every update appended after it; `None`: no such
    /// document (or it has no content row).
    async fn load_doc(&self, doc: crate::ids::DocumentId) -> StoreResult<Option<DocLoad>>;
    /// What was appended after `after`: the updates, or the compacted state too when rows
    /// after `after` were folded away.
    async fn doc_updates_after(
        &self,
        doc: crate::ids::DocumentId,
        after: i64,
    ) -> StoreResult<DocTail>;
    /// Appends an update and, when given, a snapshot (inserted only if none of the document's
    /// was taken after `snapshot.unless_after`), in one transaction.
    async fn append_doc(&self, append: &DocAppend) -> StoreResult<DocAppended>;
    /// Replaces the compacted state by `state` (everything up to `up_to`) and drops the updates
    /// it holds; nothing when a newer compaction is already there.
    async fn compact_doc(
        &self,
        doc: crate::ids::DocumentId,
        state: &[u8],
        up_to: i64,
    ) -> StoreResult<()>;
    /// The document's snapshots, newest first.
    async fn doc_snapshots(&self, doc: crate::ids::DocumentId)
    -> StoreResult<Vec<DocSnapshotView>>;
    async fn doc_snapshot(
        &self,
        doc: crate::ids::DocumentId,
        id: crate::ids::DocSnapshotId,
    ) -> StoreResult<Option<DocSnapshotView>>;
    /// The document's activity feed: its events from the log, oldest first.
    async fn doc_activity(
        &self,
        project: crate::ids::ProjectId,
        doc: crate::ids::DocumentId,
    ) -> StoreResult<Vec<DocActivityEntry>>;
}

/// A document's content as stored.
#[derive(Clone, Debug, Default)]
pub struct DocLoad {
    pub project_id: crate::ids::ProjectId,
    /// A Yjs v1 update of everything up to `state_seq`.
    pub state: Vec<u8>,
    pub state_seq: i64,
    /// The updates after `state_seq`, in order.
    pub updates: Vec<(i64, Vec<u8>)>,
    /// When the newest snapshot was taken.
    pub last_snapshot_at: Option<DateTime<Utc>>,
}

/// What a document's replica lacks after a sequence it has.
#[derive(Clone, Debug, Default)]
pub struct DocTail {
    /// The compacted state and its sequence, when it holds updates after the one asked for.
    pub state: Option<(Vec<u8>, i64)>,
    pub updates: Vec<(i64, Vec<u8>)>,
}

/// What one edit of a document writes.
#[derive(Clone, Debug)]
pub struct DocAppend {
    pub document_id: crate::ids::DocumentId,
    pub at: DateTime<Utc>,
    /// One Yjs v1 update; `None` when only a snapshot is written (a title change).
    pub update: Option<Vec<u8>>,
    /// Who made it.
    pub member_id: Option<crate::ids::MemberId>,
    pub snapshot: Option<NewDocSnapshot>,
}

/// What [`DocStore::append_doc`] wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DocAppended {
    /// The update's place in the document's order.
    pub seq: Option<i64>,
    pub snapshotted: bool,
}

#[derive(Clone, Debug)]
pub struct NewDocSnapshot {
    pub id: crate::ids::DocSnapshotId,
    pub document_id: crate::ids::DocumentId,
    pub project_id: crate::ids::ProjectId,
    pub title: String,
    /// BlockNote JSON; `null` for an empty document.
    pub content: serde_json::Value,
    pub created_by: Option<crate::ids::MemberId>,
    pub created_at: DateTime<Utc>,
    /// Not inserted when the document has a snapshot newer than this.
    pub unless_after: Option<DateTime<Utc>>,
}

/// A snapshot as Paca shows it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct DocSnapshotView {
    pub id: crate::ids::DocSnapshotId,
    pub document_id: crate::ids::DocumentId,
    pub title: String,
    pub content: serde_json::Value,
    pub snapshot_number: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<crate::ids::MemberId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// An entry of a document's activity feed (Paca's doc activity JSON).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct DocActivityEntry {
    pub id: uuid::Uuid,
    pub document_id: crate::ids::DocumentId,
    /// The member who acted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_id: Option<crate::ids::MemberId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_username: Option<String>,
    pub activity_type: String,
    pub content: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// How much a project's uploads in progress may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UploadRoom {
    pub max_count: i64,
    /// Uploads one user may have in progress in the project.
    pub max_per_user: i64,
    /// Declared bytes of uploads in progress, the new one included; `None`: unlimited.
    pub max_bytes: Option<i64>,
}

/// The limit that refused an upload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UploadLimit {
    PerUser,
    Count,
    Bytes,
}
