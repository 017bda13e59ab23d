//! Documents (Paca's docs routes): folders so far.

use super::projects::project_id;
use super::task_config::Items;
use crate::envelope::{ApiError, ApiResult, Reply, created, ok};
use crate::extract::{Json, ProjectCaller, parse_id};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use corral_actors::ids::DocFolderId;
use corral_actors::patch::Patch;
use corral_actors::project::command::{CreateDocFolder, DeleteDocFolder, UpdateDocFolder};
use corral_actors::project::docs::{DocFolder, ListDocFolders};
use serde::Deserialize;
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
