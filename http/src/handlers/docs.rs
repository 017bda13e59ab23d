//! Documents (Paca's docs routes): folders, documents, snapshots and the activity feed.

use super::projects::project_id;
use super::task_config::Items;
use crate::envelope::{ApiError, ApiResult, Reply, created, ok};
use crate::extract::{Json, ProjectCaller, parse_id};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use corral_actors::docs::{DocumentChanges, NewDocument};
use corral_actors::ids::{DocCommentId, DocFolderId, DocSnapshotId, DocumentId};
use corral_actors::patch::Patch;
use corral_actors::project::command::{CreateDocFolder, DeleteDocFolder, UpdateDocFolder};
use corral_actors::project::docs::{
    DocFolder, Document, DocumentView, ListDocFolders, ListDocuments,
};
use corral_actors::store::{DocActivityEntry, DocSnapshotView};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;
use uuid::Uuid;

fn folder_id(raw: &str) -> Result<DocFolderId, ApiError> {
    parse_id(raw, "folder id")
}

pub async fn list_folders(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(id): Path<String>,
) -> ApiResult<Reply<Items<DocFolder>>> {
    let folders = state
        .projects
        .read(project_id(&id)?, caller, ListDocFolders)
        .await?;
    Ok(ok(Items::new(folders)))
}

#[derive(Deserialize)]
pub struct CreateFolder {
    #[serde(default)]
    name: String,
    #[serde(default)]
    parent_id: Option<Uuid>,
}

pub async fn create_folder(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(id): Path<String>,
    Json(body): Json<CreateFolder>,
) -> ApiResult<Reply<DocFolder>> {
    let command = CreateDocFolder {
        name: body.name,
        parent_id: body.parent_id.map(DocFolderId),
        parent_elsewhere: false,
    };
    let folder = state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(created(folder))
}

#[derive(Deserialize)]
pub struct UpdateFolder {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    parent_id: Patch<Uuid>,
    #[serde(default)]
    position: Option<i32>,
}

pub async fn update_folder(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, folder)): Path<(String, String)>,
    Json(body): Json<UpdateFolder>,
) -> ApiResult<Reply<DocFolder>> {
    let project = project_id(&id)?;
    let command = UpdateDocFolder {
        folder_id: folder_id(&folder)?,
        name: body.name,
        parent_id: match body.parent_id {
            Patch::Absent => Patch::Absent,
            Patch::Null => Patch::Null,
            Patch::Value(p) => Patch::Value(DocFolderId(p)),
        },
        position: body.position,
        parent_elsewhere: false,
    };
    let folder = state.projects.command(project, caller, command).await?;
    Ok(ok(folder))
}

pub async fn delete_folder(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, folder)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let project = project_id(&id)?;
    let command = DeleteDocFolder {
        folder_id: folder_id(&folder)?,
    };
    state.projects.command(project, caller, command).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn document_id(raw: &str) -> Result<DocumentId, ApiError> {
    parse_id(raw, "document id")
}

fn snapshot_id(raw: &str) -> Result<DocSnapshotId, ApiError> {
    parse_id(raw, "snapshot id")
}

fn folder_patch(patch: Patch<Uuid>) -> Patch<DocFolderId> {
    match patch {
        Patch::Absent => Patch::Absent,
        Patch::Null => Patch::Null,
        Patch::Value(f) => Patch::Value(DocFolderId(f)),
    }
}

pub async fn list_documents(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Reply<Items<Document>>> {
    let folder_id = match query.get("folder_id").filter(|f| !f.is_empty()) {
        Some(raw) => Some(
            raw.parse()
                .map(DocFolderId)
                .map_err(|_| ApiError::bad_request("invalid folder_id"))?,
        ),
        None => None,
    };
    let docs = state
        .projects
        .read(project_id(&id)?, caller, ListDocuments { folder_id })
        .await?;
    Ok(ok(Items::new(docs)))
}

#[derive(Deserialize)]
pub struct CreateDocument {
    #[serde(default)]
    title: String,
    #[serde(default)]
    folder_id: Option<Uuid>,
    #[serde(default)]
    content: Option<Value>,
}

pub async fn create_document(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(id): Path<String>,
    Json(body): Json<CreateDocument>,
) -> ApiResult<Reply<DocumentView>> {
    let new = NewDocument {
        title: body.title,
        folder_id: body.folder_id.map(DocFolderId),
        content: body.content,
    };
    let doc = state.docs.create(project_id(&id)?, caller, new).await?;
    Ok(created(doc))
}

pub async fn get_document(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, doc)): Path<(String, String)>,
) -> ApiResult<Reply<DocumentView>> {
    let project = project_id(&id)?;
    let doc = state.docs.get(project, caller, document_id(&doc)?).await?;
    Ok(ok(doc))
}

#[derive(Deserialize)]
pub struct UpdateDocument {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    content: Patch<Value>,
    #[serde(default)]
    folder_id: Patch<Uuid>,
    #[serde(default)]
    position: Option<i32>,
}

pub async fn update_document(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, doc)): Path<(String, String)>,
    Json(body): Json<UpdateDocument>,
) -> ApiResult<Reply<DocumentView>> {
    let project = project_id(&id)?;
    let changes = DocumentChanges {
        title: body.title,
        content: body.content,
        folder_id: folder_patch(body.folder_id),
        position: body.position,
    };
    let doc = state
        .docs
        .update(project, caller, document_id(&doc)?, changes)
        .await?;
    Ok(ok(doc))
}

pub async fn delete_document(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, doc)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let project = project_id(&id)?;
    state
        .docs
        .delete(project, caller, document_id(&doc)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn list_snapshots(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, doc)): Path<(String, String)>,
) -> ApiResult<Reply<Items<DocSnapshotView>>> {
    let project = project_id(&id)?;
    let snapshots = state
        .docs
        .snapshots(project, caller, document_id(&doc)?)
        .await?;
    Ok(ok(Items::new(snapshots)))
}

pub async fn get_snapshot(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, doc, snapshot)): Path<(String, String, String)>,
) -> ApiResult<Reply<DocSnapshotView>> {
    let project = project_id(&id)?;
    let doc = document_id(&doc)?;
    let snapshot = state
        .docs
        .snapshot(project, caller, doc, snapshot_id(&snapshot)?)
        .await?;
    Ok(ok(snapshot))
}

pub async fn restore_snapshot(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, doc, snapshot)): Path<(String, String, String)>,
) -> ApiResult<Reply<DocumentView>> {
    let project = project_id(&id)?;
    let doc = document_id(&doc)?;
    let restored = state
        .docs
        .restore(project, caller, doc, snapshot_id(&snapshot)?)
        .await?;
    Ok(ok(restored))
}

pub async fn list_activities(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, doc)): Path<(String, String)>,
) -> ApiResult<Reply<Items<DocActivityEntry>>> {
    let project = project_id(&id)?;
    let entries = state
        .docs
        .activities(project, caller, document_id(&doc)?)
        .await?;
    Ok(ok(Items::new(entries)))
}

#[derive(Deserialize)]
pub struct CommentBody {
    #[serde(default)]
    content: Patch<Value>,
}

impl CommentBody {
    /// Paca: a body without `content` is refused before anything else looks at it.
    fn content(self) -> Result<Value, ApiError> {
        match self.content {
            Patch::Absent => Err(ApiError::bad_request("content is required")),
            Patch::Null => Ok(Value::Null),
            Patch::Value(v) => Ok(v),
        }
    }
}

fn comment_id(raw: &str) -> Result<DocCommentId, ApiError> {
    parse_id(raw, "comment id")
}

pub async fn add_comment(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, doc)): Path<(String, String)>,
    Json(body): Json<CommentBody>,
) -> ApiResult<Reply<DocActivityEntry>> {
    let project = project_id(&id)?;
    let doc = document_id(&doc)?;
    let content = body.content()?;
    let entry = state
        .docs
        .add_comment(project, caller, doc, content)
        .await?;
    Ok(created(entry))
}

pub async fn update_comment(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, doc, comment)): Path<(String, String, String)>,
    Json(body): Json<CommentBody>,
) -> ApiResult<Reply<DocActivityEntry>> {
    let project = project_id(&id)?;
    let doc = document_id(&doc)?;
    let comment = comment_id(&comment)?;
    let content = body.content()?;
    let entry = state
        .docs
        .update_comment(project, caller, doc, comment, content)
        .await?;
    Ok(ok(entry))
}

pub async fn delete_comment(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, doc, comment)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let project = project_id(&id)?;
    let doc = document_id(&doc)?;
    let comment = comment_id(&comment)?;
    state
        .docs
        .delete_comment(project, caller, doc, comment)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
