//! Files attached to tasks: the project holds each attachment's row; the bytes are in the blob
//! store under `storage_key` (`crate::blob`).

use super::access::{self, Caller, TASKS_READ, TASKS_WRITE};
use super::query::ProjectQuery;
use super::state::ProjectState;
use crate::error::{Error, Result, codes};
use crate::ids::{AttachmentId, DocumentId, FileId, ProjectId, TaskId, UserId};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A file attached to a task.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredFile {
    pub id: FileId,
    pub attachment_id: AttachmentId,
    pub project_id: ProjectId,
    pub task_id: TaskId,
    pub storage_key: String,
    pub file_name: String,
    pub content_type: String,
    pub file_size: i64,
    /// Who started the upload.
    pub uploaded_by: Option<UserId>,
    /// Who completed it (Paca's attachment `created_by`).
    pub created_by: Option<UserId>,
    /// When the upload started (Paca's `file.created_at`).
    pub file_created_at: DateTime<Utc>,
    /// When it was attached.
    pub created_at: DateTime<Utc>,
}

/// An attachment as Paca's API answers it.
#[derive(Clone, Debug, Serialize)]
pub struct AttachmentView {
    pub id: AttachmentId,
    pub task_id: TaskId,
    pub file_id: FileId,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub file: FileView,
}

#[derive(Clone, Debug, Serialize)]
pub struct FileView {
    pub id: FileId,
    pub file_name: String,
    pub content_type: String,
    pub file_size: i64,
    pub created_at: DateTime<Utc>,
    /// Corral's: who uploaded it (the web UI names them).
    pub uploaded_by: Option<UserId>,
}

impl From<&StoredFile> for AttachmentView {
    fn from(f: &StoredFile) -> Self {
        Self {
            id: f.attachment_id,
            task_id: f.task_id,
            file_id: f.id,
            created_by: f.created_by,
            created_at: f.created_at,
            file: FileView {
                id: f.id,
                file_name: f.file_name.clone(),
                content_type: f.content_type.clone(),
                file_size: f.file_size,
                created_at: f.file_created_at,
                uploaded_by: f.uploaded_by,
            },
        }
    }
}

/// What an upload is for: a task's attachment or a document's file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UploadOwner {
    Task(TaskId),
    Document(DocumentId),
}

/// An upload started and not yet attached (`file_uploads`; the files service owns these rows).
#[derive(Clone, Debug, PartialEq)]
pub struct PendingUpload {
    pub id: FileId,
    pub project_id: ProjectId,
    pub owner: UploadOwner,
    pub storage_key: String,
    pub file_name: String,
    pub content_type: String,
    pub file_size: i64,
    /// The blob store's multipart upload; `None` for one PUT.
    pub multipart_upload_id: Option<String>,
    pub uploaded_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// A completion in progress holds the upload until then.
    pub claimed_until: Option<DateTime<Utc>>,
}

/// Where a task's file lives in the blob store. Ids only: no escaping, and a task's or a
/// project's files share a prefix.
pub fn storage_key(project: ProjectId, task: TaskId, file: FileId) -> String {
    format!("{}{file}", task_prefix(project, task))
}

/// The prefix of every file of a task.
pub fn task_prefix(project: ProjectId, task: TaskId) -> String {
    format!("{}tasks/{task}/", project_prefix(project))
}

/// Where a document's file lives in the blob store.
pub fn doc_storage_key(project: ProjectId, document: DocumentId, file: FileId) -> String {
    format!("{}{file}", doc_prefix(project, document))
}

/// The prefix of every file of a document.
pub fn doc_prefix(project: ProjectId, document: DocumentId) -> String {
    format!("{}docs/{document}/", project_prefix(project))
}

/// The prefix of every file of a project.
pub fn project_prefix(project: ProjectId) -> String {
    format!("projects/{project}/")
}

pub(crate) fn attachment_not_found() -> Error {
    Error::not_found(
        codes::ATTACHMENT_NOT_FOUND,
        "attachment: not found on this task",
    )
}

fn task_not_found() -> Error {
    Error::not_found(codes::TASK_NOT_FOUND, "task: not found")
}

/// A task's attachments, oldest first (Paca's order).
#[derive(Clone, Debug)]
pub struct ListAttachments {
    pub task_id: TaskId,
}

impl ProjectQuery for ListAttachments {
    type Reply = Vec<AttachmentView>;

    fn answer(&self, state: &ProjectState, caller: &Caller) -> Result<Self::Reply> {
        access::require(state, caller, TASKS_READ)?;
        state.live_task(self.task_id).ok_or_else(task_not_found)?;
        let mut files: Vec<&StoredFile> = state
            .files
            .values()
            .filter(|f| f.task_id == self.task_id)
            .collect();
        files.sort_by_key(|f| (f.created_at, f.attachment_id));
        Ok(files.into_iter().map(AttachmentView::from).collect())
    }
}

/// One attachment of a task, for a download URL.
#[derive(Clone, Debug)]
pub struct GetAttachment {
    pub task_id: TaskId,
    pub attachment_id: AttachmentId,
}

impl ProjectQuery for GetAttachment {
    type Reply = StoredFile;

    fn answer(&self, state: &ProjectState, caller: &Caller) -> Result<Self::Reply> {
        access::require(state, caller, TASKS_READ)?;
        state.live_task(self.task_id).ok_or_else(task_not_found)?;
        state
            .files
            .values()
            .find(|f| f.attachment_id == self.attachment_id && f.task_id == self.task_id)
            .cloned()
            .ok_or_else(attachment_not_found)
    }
}

/// Before an upload starts: the caller may write the task, which is live. Answers the bytes
/// the project's files hold.
#[derive(Clone, Debug)]
pub struct AuthorizeUpload {
    pub task_id: TaskId,
}

impl ProjectQuery for AuthorizeUpload {
    type Reply = i64;

    fn answer(&self, state: &ProjectState, caller: &Caller) -> Result<Self::Reply> {
        access::require(state, caller, TASKS_WRITE)?;
        state.live_task(self.task_id).ok_or_else(task_not_found)?;
        Ok(state.file_bytes)
    }
}
