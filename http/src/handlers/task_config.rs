//! `/projects/{id}/task-types` and `/projects/{id}/task-statuses`.

use super::projects::project_id;
use crate::envelope::{ApiError, ApiResult, Message, Reply, created, message, ok};
use crate::extract::{Json, ProjectCaller, parse_id};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use corral_actors::ids::TaskStatusId;
use corral_actors::patch::Patch;
use corral_actors::project::command::{
    self, NewStatus, NewTaskType, StatusChanges, TaskTypeChanges,
};
use corral_actors::project::model::{TaskStatus, TaskType};
use corral_actors::project::query::{ListStatuses, ListTaskTypes};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Serialize)]
pub struct Items<T> {
    items: Vec<T>,
}

impl<T> Items<T> {
    pub fn new(items: Vec<T>) -> Self {
        Self { items }
    }
}

#[derive(Serialize)]
pub struct TaskTypeDto {
    id: Uuid,
    project_id: Uuid,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    icon: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    color: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    is_default: bool,
    is_system: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<TaskType> for TaskTypeDto {
    fn from(t: TaskType) -> Self {
        Self {
            id: t.id.0,
            project_id: t.project_id.0,
            name: t.name,
            icon: t.icon,
            color: t.color,
            description: t.description,
            is_default: t.is_default,
            is_system: t.is_system,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

#[derive(Serialize)]
pub struct StatusDto {
    id: Uuid,
    project_id: Uuid,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    color: Option<String>,
    position: i32,
    category: &'static str,
    is_default: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<TaskStatus> for StatusDto {
    fn from(s: TaskStatus) -> Self {
        Self {
            id: s.id.0,
            project_id: s.project_id.0,
            name: s.name,
            color: s.color,
            position: s.position,
            category: s.category.as_str(),
            is_default: s.is_default,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

pub async fn list_types(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(id): Path<String>,
) -> ApiResult<Reply<Items<TaskTypeDto>>> {
    let types = state
        .projects
        .read(project_id(&id)?, caller, ListTaskTypes)
        .await?;
    Ok(ok(Items {
        items: types.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Deserialize)]
pub struct CreateType {
    #[serde(default)]
    name: String,
    #[serde(default)]
    icon: Option<String>,
    #[serde(default)]
    color: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

pub async fn create_type(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(id): Path<String>,
    Json(body): Json<CreateType>,
) -> ApiResult<Reply<TaskTypeDto>> {
    let command = command::CreateTaskType(NewTaskType {
        name: body.name,
        icon: body.icon,
        color: body.color,
        description: body.description,
    });
    let outcome = state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(created(outcome.into()))
}

#[derive(Deserialize)]
pub struct UpdateType {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    icon: Patch<String>,
    #[serde(default)]
    color: Patch<String>,
    #[serde(default)]
    description: Patch<String>,
}

pub async fn update_type(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, type_id)): Path<(String, String)>,
    Json(body): Json<UpdateType>,
) -> ApiResult<Reply<TaskTypeDto>> {
    let command = command::UpdateTaskType(
        parse_id(&type_id, "task type id")?,
        TaskTypeChanges {
            name: body.name,
            icon: body.icon,
            color: body.color,
            description: body.description,
        },
    );
    let outcome = state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(ok(outcome.into()))
}

pub async fn delete_type(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, type_id)): Path<(String, String)>,
) -> ApiResult<Reply<Message>> {
    let command = command::DeleteTaskType(parse_id(&type_id, "task type id")?);
    state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(message("task type deleted"))
}

pub async fn default_type(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, type_id)): Path<(String, String)>,
) -> ApiResult<Reply<TaskTypeDto>> {
    let command = command::SetDefaultTaskType(parse_id(&type_id, "task type id")?);
    let outcome = state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(ok(outcome.into()))
}

pub async fn list_statuses(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(id): Path<String>,
) -> ApiResult<Reply<Items<StatusDto>>> {
    let s = state
        .projects
        .read(project_id(&id)?, caller, ListStatuses)
        .await?;
    Ok(ok(Items {
        items: s.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Deserialize)]
pub struct CreateStatus {
    #[serde(default)]
    name: String,
    #[serde(default)]
    color: Option<String>,
    #[serde(default)]
    position: i32,
    #[serde(default)]
    category: String,
}

pub async fn create_status(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(id): Path<String>,
    Json(body): Json<CreateStatus>,
) -> ApiResult<Reply<StatusDto>> {
    let command = command::CreateStatus(NewStatus {
        name: body.name,
        color: body.color,
        position: body.position,
        category: body.category,
    });
    let outcome = state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(created(outcome.into()))
}

#[derive(Deserialize)]
pub struct UpdateStatus {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    color: Patch<String>,
    #[serde(default)]
    position: Option<i32>,
    #[serde(default)]
    category: Option<String>,
}

pub async fn update_status(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, status)): Path<(String, String)>,
    Json(body): Json<UpdateStatus>,
) -> ApiResult<Reply<StatusDto>> {
    let command = command::UpdateStatus(
        parse_id(&status, "task status id")?,
        StatusChanges {
            name: body.name,
            color: body.color,
            position: body.position,
            category: body.category,
        },
    );
    let outcome = state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(ok(outcome.into()))
}

pub async fn delete_status(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, status)): Path<(String, String)>,
) -> ApiResult<Reply<Message>> {
    let command = command::DeleteStatus(parse_id(&status, "task status id")?);
    state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(message("task status deleted"))
}

pub async fn default_status(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, status)): Path<(String, String)>,
) -> ApiResult<Reply<StatusDto>> {
    let command = command::SetDefaultStatus(parse_id(&status, "task status id")?);
    let outcome = state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(ok(outcome.into()))
}

#[derive(Deserialize)]
pub struct Reorder {
    #[serde(default)]
    status_ids: Vec<Uuid>,
}

pub async fn reorder_statuses(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(id): Path<String>,
    Json(body): Json<Reorder>,
) -> ApiResult<StatusCode> {
    if body.status_ids.is_empty() {
        return Err(ApiError::bad_request("status_ids must not be empty"));
    }
    let ids = body.status_ids.into_iter().map(TaskStatusId).collect();
    state
        .projects
        .command(project_id(&id)?, caller, command::ReorderStatuses(ids))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
