//! `/projects/{id}/sprints`, `/views`, `/custom-fields` and `/tasks/{taskId}/links`.

use super::projects::project_id;
use super::task_config::Items;
use super::tasks::FlexDate;
use crate::envelope::{ApiError, ApiResult, Message, Reply, created, message, ok};
use crate::extract::{Json, ProjectCaller, parse_id};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use corral_actors::ids::{SprintId, TaskId, ViewId};
use corral_actors::patch::Patch;
use corral_actors::project::command::{
    self, CustomFieldChanges, NewCustomField, NewSprint, NewView, PositionUpdate, SprintChanges,
    ViewChanges,
};
use corral_actors::project::planning::{CustomField, Sprint, TaskPosition, View};
use corral_actors::project::query::{
    GetCustomField, GetSprint, GetView, LinkView, ListCustomFields, ListLinks, ListSprints,
    ListTaskPositions, ListViews,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

fn sprint_id(raw: &str) -> Result<SprintId, ApiError> {
    parse_id(raw, "sprint id")
}

fn view_id(raw: &str) -> Result<ViewId, ApiError> {
    parse_id(raw, "view id")
}

#[derive(Serialize)]
pub struct SprintDto {
    id: Uuid,
    project_id: Uuid,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_date: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_date: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    goal: Option<String>,
    status: &'static str,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Sprint> for SprintDto {
    fn from(s: Sprint) -> Self {
        Self {
            id: s.id.0,
            project_id: s.project_id.0,
            name: s.name,
            start_date: s.start_date.map(midnight),
            end_date: s.end_date.map(midnight),
            goal: s.goal,
            status: s.status.as_str(),
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

pub async fn list_sprints(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(id): Path<String>,
) -> ApiResult<Reply<Items<SprintDto>>> {
    let s = state
        .projects
        .read(project_id(&id)?, caller, ListSprints)
        .await?;
    Ok(ok(Items::new(s.into_iter().map(Into::into).collect())))
}

pub async fn get_sprint(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, sprint)): Path<(String, String)>,
) -> ApiResult<Reply<SprintDto>> {
    let s = state
        .projects
        .read(
            project_id(&id)?,
            caller,
            GetSprint {
                id: sprint_id(&sprint)?,
            },
        )
        .await?;
    Ok(ok(s.into()))
}

#[derive(Deserialize)]
pub struct CreateSprint {
    #[serde(default)]
    name: String,
    #[serde(default)]
    goal: Option<String>,
    #[serde(default)]
    start_date: Option<FlexDate>,
    #[serde(default)]
    end_date: Option<FlexDate>,
    #[serde(default)]
    status: Option<String>,
}

pub async fn create_sprint(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(id): Path<String>,
    Json(body): Json<CreateSprint>,
) -> ApiResult<Reply<SprintDto>> {
    let command = command::CreateSprint(NewSprint {
        name: body.name,
        goal: body.goal,
        start_date: body.start_date.map(FlexDate::date),
        end_date: body.end_date.map(FlexDate::date),
        status: body.status,
    });
    let outcome = state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(created(outcome.into()))
}

#[derive(Deserialize)]
pub struct UpdateSprint {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    goal: Patch<String>,
    #[serde(default)]
    start_date: Patch<FlexDate>,
    #[serde(default)]
    end_date: Patch<FlexDate>,
    #[serde(default)]
    status: Option<String>,
}

pub async fn update_sprint(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, sprint)): Path<(String, String)>,
    Json(body): Json<UpdateSprint>,
) -> ApiResult<Reply<SprintDto>> {
    let command = command::UpdateSprint(
        sprint_id(&sprint)?,
        SprintChanges {
            name: body.name,
            goal: body.goal,
            start_date: body.start_date.map(FlexDate::date),
            end_date: body.end_date.map(FlexDate::date),
            status: body.status,
        },
    );
    let outcome = state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(ok(outcome.into()))
}

pub async fn delete_sprint(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, sprint)): Path<(String, String)>,
) -> ApiResult<Reply<Message>> {
    state
        .projects
        .command(
            project_id(&id)?,
            caller,
            command::DeleteSprint(sprint_id(&sprint)?),
        )
        .await?;
    Ok(message("sprint deleted"))
}

#[derive(Deserialize)]
pub struct CompleteSprint {
    #[serde(default)]
    move_to_sprint_id: Option<Uuid>,
}

pub async fn complete_sprint(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, sprint)): Path<(String, String)>,
    Json(body): Json<CompleteSprint>,
) -> ApiResult<Reply<SprintDto>> {
    let command = command::CompleteSprint {
        sprint_id: sprint_id(&sprint)?,
        move_to: body.move_to_sprint_id.map(SprintId),
    };
    let outcome = state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(ok(outcome.into()))
}

/// Paca's view (`view_context` is not serialized; clients know it from their query).
#[derive(Serialize)]
pub struct ViewDto {
    id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    sprint_id: Option<Uuid>,
    project_id: Uuid,
    name: String,
    view_type: &'static str,
    config: Map<String, Value>,
    position: f64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<View> for ViewDto {
    fn from(v: View) -> Self {
        Self {
            id: v.id.0,
            sprint_id: v.sprint_id.map(|s| s.0),
            project_id: v.project_id.0,
            name: v.name,
            view_type: v.view_type.as_str(),
            config: v.config,
            position: v.position,
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

#[derive(Deserialize)]
pub struct ContextQuery {
    #[serde(default)]
    context: Option<String>,
    #[serde(default)]
    sprint_id: Option<String>,
}

impl ContextQuery {
    fn parts(&self) -> Result<(String, Option<SprintId>), ApiError> {
        let sprint = match self.sprint_id.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => Some(parse_id(raw, "sprint_id")?),
        };
        Ok((self.context.clone().unwrap_or_default(), sprint))
    }
}

pub async fn list_views(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(id): Path<String>,
    Query(q): Query<ContextQuery>,
) -> ApiResult<Reply<Items<ViewDto>>> {
    let (context, sprint_id) = q.parts()?;
    let v = state
        .projects
        .read(project_id(&id)?, caller, ListViews { context, sprint_id })
        .await?;
    Ok(ok(Items::new(v.into_iter().map(Into::into).collect())))
}

pub async fn get_view(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, view)): Path<(String, String)>,
) -> ApiResult<Reply<ViewDto>> {
    let v = state
        .projects
        .read(
            project_id(&id)?,
            caller,
            GetView {
                id: view_id(&view)?,
            },
        )
        .await?;
    Ok(ok(v.into()))
}

#[derive(Deserialize)]
pub struct CreateView {
    #[serde(default)]
    name: String,
    #[serde(default)]
    view_type: Option<String>,
    #[serde(default)]
    config: Option<Map<String, Value>>,
    #[serde(default)]
    position: Option<f64>,
}

pub async fn create_view(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(id): Path<String>,
    Query(q): Query<ContextQuery>,
    Json(body): Json<CreateView>,
) -> ApiResult<Reply<ViewDto>> {
    let (context, sprint_id) = q.parts()?;
    let command = command::CreateView(NewView {
        context,
        sprint_id,
        name: body.name,
        view_type: body.view_type,
        config: body.config,
        position: body.position,
    });
    let outcome = state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(created(outcome.into()))
}

#[derive(Deserialize)]
pub struct UpdateView {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    view_type: Option<String>,
    #[serde(default)]
    config: Option<Map<String, Value>>,
    #[serde(default)]
    position: Option<f64>,
}

pub async fn update_view(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, view)): Path<(String, String)>,
    Json(body): Json<UpdateView>,
) -> ApiResult<Reply<ViewDto>> {
    let command = command::UpdateView(
        view_id(&view)?,
        ViewChanges {
            name: body.name,
            view_type: body.view_type,
            config: body.config,
            position: body.position,
        },
    );
    let outcome = state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(ok(outcome.into()))
}

pub async fn delete_view(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, view)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    state
        .projects
        .command(
            project_id(&id)?,
            caller,
            command::DeleteView(view_id(&view)?),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct ReorderViews {
    #[serde(default)]
    view_ids: Vec<Uuid>,
}

pub async fn reorder_views(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(id): Path<String>,
    Query(q): Query<ContextQuery>,
    Json(body): Json<ReorderViews>,
) -> ApiResult<StatusCode> {
    let (context, sprint_id) = q.parts()?;
    let command = command::ReorderViews {
        context,
        sprint_id,
        view_ids: body.view_ids.into_iter().map(ViewId).collect(),
    };
    state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
pub struct PositionDto {
    view_id: Uuid,
    task_id: Uuid,
    position: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_key: Option<String>,
}

impl From<TaskPosition> for PositionDto {
    fn from(p: TaskPosition) -> Self {
        Self {
            view_id: p.view_id.0,
            task_id: p.task_id.0,
            position: p.position,
            group_key: p.group_key,
        }
    }
}

pub async fn list_positions(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, view)): Path<(String, String)>,
) -> ApiResult<Reply<Items<PositionDto>>> {
    let p = state
        .projects
        .read(
            project_id(&id)?,
            caller,
            ListTaskPositions {
                view: view_id(&view)?,
            },
        )
        .await?;
    Ok(ok(Items::new(p.into_iter().map(Into::into).collect())))
}

#[derive(Deserialize)]
pub struct PositionBody {
    #[serde(default)]
    task_id: Option<Uuid>,
    #[serde(default)]
    position: f64,
    #[serde(default)]
    group_key: Option<String>,
}

pub async fn place_task(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, view, task)): Path<(String, String, String)>,
    Json(body): Json<PositionBody>,
) -> ApiResult<StatusCode> {
    let update = PositionUpdate {
        task_id: parse_id(&task, "task id")?,
        position: body.position,
        group_key: body.group_key,
    };
    state
        .projects
        .command(
            project_id(&id)?,
            caller,
            command::PlaceTasks(view_id(&view)?, vec![update]),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct BulkPositions {
    #[serde(default)]
    items: Vec<PositionBody>,
}

pub async fn place_tasks(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, view)): Path<(String, String)>,
    Json(body): Json<BulkPositions>,
) -> ApiResult<StatusCode> {
    let updates = body
        .items
        .into_iter()
        .map(|i| {
            Ok(PositionUpdate {
                task_id: TaskId(
                    i.task_id
                        .ok_or_else(|| ApiError::bad_request("items[].task_id is required"))?,
                ),
                position: i.position,
                group_key: i.group_key,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    state
        .projects
        .command(
            project_id(&id)?,
            caller,
            command::PlaceTasks(view_id(&view)?, updates),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
pub struct CustomFieldDto {
    id: Uuid,
    project_id: Uuid,
    field_key: String,
    display_name: String,
    field_type: &'static str,
    options: Vec<String>,
    is_required: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<CustomField> for CustomFieldDto {
    fn from(f: CustomField) -> Self {
        Self {
            id: f.id.0,
            project_id: f.project_id.0,
            field_key: f.field_key,
            display_name: f.display_name,
            field_type: f.field_type.as_str(),
            options: f.options,
            is_required: f.is_required,
            created_at: f.created_at,
            updated_at: f.updated_at,
        }
    }
}

fn field_id(raw: &str) -> Result<corral_actors::ids::CustomFieldId, ApiError> {
    parse_id(raw, "custom field id")
}

pub async fn list_fields(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(id): Path<String>,
) -> ApiResult<Reply<Items<CustomFieldDto>>> {
    let f = state
        .projects
        .read(project_id(&id)?, caller, ListCustomFields)
        .await?;
    Ok(ok(Items::new(f.into_iter().map(Into::into).collect())))
}

pub async fn get_field(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, field)): Path<(String, String)>,
) -> ApiResult<Reply<CustomFieldDto>> {
    let f = state
        .projects
        .read(
            project_id(&id)?,
            caller,
            GetCustomField {
                id: field_id(&field)?,
            },
        )
        .await?;
    Ok(ok(f.into()))
}

#[derive(Deserialize)]
pub struct CreateField {
    #[serde(default)]
    field_key: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    field_type: String,
    #[serde(default)]
    options: Option<Vec<String>>,
    #[serde(default)]
    is_required: bool,
}

pub async fn create_field(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(id): Path<String>,
    Json(body): Json<CreateField>,
) -> ApiResult<Reply<CustomFieldDto>> {
    let command = command::CreateCustomField(NewCustomField {
        field_key: body.field_key,
        display_name: body.display_name,
        field_type: body.field_type,
        options: body.options.unwrap_or_default(),
        is_required: body.is_required,
    });
    let outcome = state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(created(outcome.into()))
}

#[derive(Deserialize)]
pub struct UpdateField {
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    field_type: Option<String>,
    #[serde(default)]
    options: Option<Vec<String>>,
    #[serde(default)]
    is_required: Option<bool>,
}

pub async fn update_field(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, field)): Path<(String, String)>,
    Json(body): Json<UpdateField>,
) -> ApiResult<Reply<CustomFieldDto>> {
    let command = command::UpdateCustomField(
        field_id(&field)?,
        CustomFieldChanges {
            display_name: body.display_name,
            field_type: body.field_type,
            options: body.options,
            is_required: body.is_required,
        },
    );
    let outcome = state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(ok(outcome.into()))
}

pub async fn delete_field(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, field)): Path<(String, String)>,
) -> ApiResult<Reply<Message>> {
    state
        .projects
        .command(
            project_id(&id)?,
            caller,
            command::DeleteCustomField(field_id(&field)?),
        )
        .await?;
    Ok(message("custom field deleted"))
}

#[derive(Serialize)]
pub struct LinkedTaskDto {
    id: Uuid,
    task_number: i64,
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    task_type_id: Option<Uuid>,
}

#[derive(Serialize)]
pub struct LinkDto {
    id: Uuid,
    source_task_id: Uuid,
    target_task_id: Uuid,
    link_type: &'static str,
    display_link_type: &'static str,
    linked_task: LinkedTaskDto,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
}

impl From<LinkView> for LinkDto {
    fn from(v: LinkView) -> Self {
        Self {
            id: v.link.id.0,
            source_task_id: v.link.source_task_id.0,
            target_task_id: v.link.target_task_id.0,
            link_type: v.link.link_type.as_str(),
            display_link_type: v.display_link_type,
            linked_task: LinkedTaskDto {
                id: v.linked_task.id.0,
                task_number: v.linked_task.task_number,
                title: v.linked_task.title,
                status_id: v.linked_task.status_id.map(|s| s.0),
                task_type_id: v.linked_task.task_type_id.map(|t| t.0),
            },
            created_by: v.link.created_by.map(|u| u.0),
            created_at: v.link.created_at,
        }
    }
}

fn task_id(raw: &str) -> Result<TaskId, ApiError> {
    parse_id(raw, "task id")
}

pub async fn list_links(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, task)): Path<(String, String)>,
) -> ApiResult<Reply<Items<LinkDto>>> {
    let l = state
        .projects
        .read(
            project_id(&id)?,
            caller,
            ListLinks {
                task: task_id(&task)?,
            },
        )
        .await?;
    Ok(ok(Items::new(l.into_iter().map(Into::into).collect())))
}

#[derive(Deserialize)]
pub struct CreateLink {
    #[serde(default)]
    target_task_id: Option<Uuid>,
    #[serde(default)]
    link_type: String,
}

pub async fn create_link(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, task)): Path<(String, String)>,
    Json(body): Json<CreateLink>,
) -> ApiResult<Reply<LinkDto>> {
    let project = project_id(&id)?;
    let source = task_id(&task)?;
    let target = body
        .target_task_id
        .filter(|t| !t.is_nil())
        .ok_or_else(|| ApiError::bad_request("target_task_id is required"))?;
    let command = command::AddLink {
        task_id: source,
        target_task_id: TaskId(target),
        link_type: body.link_type,
        target_elsewhere: false,
    };
    let link = state.projects.command(project, caller, command).await?;
    Ok(created(link.into()))
}

pub async fn delete_link(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, task, link)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let command = command::RemoveLink {
        task_id: task_id(&task)?,
        link_id: parse_id(&link, "link id")?,
    };
    state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
