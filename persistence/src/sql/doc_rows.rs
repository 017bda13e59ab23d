//! Rows of documents and their content, decoded into the core's types.

use super::project_rows::EventRow;
use chrono::{DateTime, Utc};
use corral_actors::ids::{
    DocCommentId, DocFolderId, DocSnapshotId, DocumentId, FileId, MemberId, ProjectId, UserId,
};
use corral_actors::project::batch::Event;
use corral_actors::project::docs::{DocComment, DocFile, Document};
use corral_actors::store::{DocActivityEntry, DocSnapshotView};
use serde_json::{Map, Value};
use sqlx::types::Json;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
pub(crate) struct DocumentRow {
    id: Uuid,
    project_id: Uuid,
    folder_id: Option<Uuid>,
    title: String,
    position: i32,
    created_by: Option<Uuid>,
    updated_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
}

impl From<DocumentRow> for Document {
    fn from(r: DocumentRow) -> Self {
        Document {
            id: DocumentId(r.id),
            project_id: ProjectId(r.project_id),
            folder_id: r.folder_id.map(DocFolderId),
            title: r.title,
            position: r.position,
            created_by: r.created_by.map(MemberId),
            updated_by: r.updated_by.map(MemberId),
            created_at: r.created_at,
            updated_at: r.updated_at,
            deleted_at: r.deleted_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct DocSnapshotRow {
    id: Uuid,
    document_id: Uuid,
    title: String,
    content: Option<Json<Value>>,
    snapshot_number: i64,
    created_by: Option<Uuid>,
    created_by_name: Option<String>,
    created_at: DateTime<Utc>,
}

impl From<DocSnapshotRow> for DocSnapshotView {
    fn from(r: DocSnapshotRow) -> Self {
        DocSnapshotView {
            id: DocSnapshotId(r.id),
            document_id: DocumentId(r.document_id),
            title: r.title,
            content: r.content.map(|j| j.0).unwrap_or(Value::Null),
            snapshot_number: r.snapshot_number,
            created_by: r.created_by.map(MemberId),
            created_by_name: r.created_by_name.filter(|n| !n.is_empty()),
            created_at: r.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct DocActivityRow {
    #[sqlx(flatten)]
    pub(crate) event: EventRow,
    pub(crate) actor_name: Option<String>,
    pub(crate) actor_username: Option<String>,
}

impl DocActivityRow {
    pub(crate) fn into_entry(self) -> Option<DocActivityEntry> {
        let e = Event::try_from(self.event).ok()?;
        let document_id = DocumentId(e.subject_id?);
        let content = e
            .payload
            .get("content")
            .cloned()
            .unwrap_or_else(|| Value::Object(Map::new()));
        Some(DocActivityEntry {
            id: e.id.0,
            document_id,
            actor_id: e.actor_member_id,
            actor_name: self.actor_name.filter(|n| !n.is_empty()),
            actor_username: self.actor_username.filter(|n| !n.is_empty()),
            activity_type: e.kind.wire().to_owned(),
            content,
            created_at: e.at,
            updated_at: e.at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct DocCommentRow {
    id: Uuid,
    project_id: Uuid,
    document_id: Uuid,
    author_id: Uuid,
    content: Json<Value>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
}

impl From<DocCommentRow> for DocComment {
    fn from(r: DocCommentRow) -> Self {
        DocComment {
            id: DocCommentId(r.id),
            project_id: ProjectId(r.project_id),
            document_id: DocumentId(r.document_id),
            author_id: MemberId(r.author_id),
            content: r.content.0,
            created_at: r.created_at,
            updated_at: r.updated_at,
            deleted_at: r.deleted_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct DocFileRow {
    id: Uuid,
    project_id: Uuid,
    document_id: Uuid,
    storage_key: String,
    file_name: String,
    content_type: String,
    file_size: i64,
    uploaded_by: Option<Uuid>,
    created_by: Option<Uuid>,
    file_created_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
}

impl From<DocFileRow> for DocFile {
    fn from(r: DocFileRow) -> Self {
        DocFile {
            id: FileId(r.id),
            project_id: ProjectId(r.project_id),
            document_id: DocumentId(r.document_id),
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
