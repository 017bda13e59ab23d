//! Rows of the file and document tables.

use chrono::{DateTime, Utc};
use corral_actors::ids::{
    AttachmentId, DocFolderId, DocumentId, FileId, MemberId, ProjectId, TaskId, UserId,
};
use corral_actors::project::docs::DocFolder;
use corral_actors::project::files::{PendingUpload, StoredFile, UploadOwner};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
pub(crate) struct FileRow {
    id: Uuid,
    attachment_id: Uuid,
    project_id: Uuid,
    task_id: Uuid,
    storage_key: String,
    file_name: String,
    content_type: String,
    file_size: i64,
    uploaded_by: Option<Uuid>,
    created_by: Option<Uuid>,
    file_created_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
}

impl From<FileRow> for StoredFile {
    fn from(r: FileRow) -> Self {
        StoredFile {
            id: FileId(r.id),
            attachment_id: AttachmentId(r.attachment_id),
            project_id: ProjectId(r.project_id),
            task_id: TaskId(r.task_id),
            storage_key: r.storage_key,
            file_name: r.file_name,
            content_type: r.content_type,
            file_size: r.file_size,
            uploaded_by: r.uploaded_by.map(UserId),
            created_by: r.created_by.map(UserId),
            file_created_at: r.file_created_at,
            created_at: r.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct UploadRow {
    id: Uuid,
    project_id: Uuid,
    task_id: Option<Uuid>,
    document_id: Option<Uuid>,
    storage_key: String,
    file_name: String,
    content_type: String,
    file_size: i64,
    multipart_upload_id: Option<String>,
    uploaded_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    claimed_until: Option<DateTime<Utc>>,
}

impl From<UploadRow> for PendingUpload {
    fn from(r: UploadRow) -> Self {
        PendingUpload {
            id: FileId(r.id),
            project_id: ProjectId(r.project_id),
            // The table's check: exactly one of the two.
            owner: match (r.task_id, r.document_id) {
                (Some(task), _) => UploadOwner::Task(TaskId(task)),
                (None, document) => UploadOwner::Document(DocumentId(document.unwrap_or_default())),
            },
            storage_key: r.storage_key,
            file_name: r.file_name,
            content_type: r.content_type,
            file_size: r.file_size,
            multipart_upload_id: r.multipart_upload_id,
            uploaded_by: r.uploaded_by.map(UserId),
            created_at: r.created_at,
            expires_at: r.expires_at,
            claimed_until: r.claimed_until,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct DocFolderRow {
    id: Uuid,
    project_id: Uuid,
    parent_id: Option<Uuid>,
    name: String,
    position: i32,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<DocFolderRow> for DocFolder {
    fn from(r: DocFolderRow) -> Self {
        DocFolder {
            id: DocFolderId(r.id),
            project_id: ProjectId(r.project_id),
            parent_id: r.parent_id.map(DocFolderId),
            name: r.name,
            position: r.position,
            created_by: r.created_by.map(MemberId),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}
