//! `/projects/{id}/tasks`, task activities and comments, and the event log.

use super::projects::project_id;
use crate::envelope::{ApiError, ApiResult, Message, Reply, created, message, ok};
use crate::extract::{Json, ProjectCaller, parse_id};
use crate::pagination::{CursorParams, encode_cursor};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use chrono::{DateTime, NaiveDate, Utc};
use corral_actors::ids::{MemberId, ProjectId, TaskId, TaskStatusId, TaskTypeId};
use corral_actors::patch::Patch;
use corral_actors::project::batch::Event;
use corral_actors::project::command::{self, CommentView, NewTask, TaskChanges};
use corral_actors::project::model::Task;
use corral_actors::project::query::{
    self as q, RefFilter, TaskCursor, TaskFilter, TaskPageRequest,
};
use corral_actors::store::ActivityEntry;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use uuid::Uuid;

fn task_id(raw: &str) -> Result<TaskId, ApiError> {
    parse_id(raw, "task id")
}

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// Paca's task (`omitempty` on unset references), plus `version`: a view of the task, rendered
/// once per version into its cache (see [`task_json`]).
#[derive(Serialize)]
struct TaskDto<'a> {
    id: TaskId,
    project_id: ProjectId,
    task_number: i64,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    task_type_id: Option<TaskTypeId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_id: Option<TaskStatusId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sprint_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent_task_id: Option<TaskId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a Value>,
    importance: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    story_points: Option<i32>,
    assignee_ids: &'a [MemberId],
    #[serde(skip_serializing_if = "Option::is_none")]
    reporter_id: Option<MemberId>,
    custom_fields: &'a Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_date: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    due_date: Option<DateTime<Utc>>,
    tags: &'a [String],
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl<'a> From<&'a Task> for TaskDto<'a> {
    fn from(t: &'a Task) -> Self {
        Self {
            id: t.id,
            project_id: t.project_id,
            task_number: t.task_number,
            title: &t.title,
            task_type_id: t.task_type_id,
            status_id: t.status_id,
            sprint_id: t.sprint_id,
            parent_task_id: t.parent_task_id,
            description: t.description.as_ref(),
            importance: t.importance,
            story_points: t.story_points,
            assignee_ids: &t.assignee_ids,
            reporter_id: t.reporter_id,
            custom_fields: &t.custom_fields,
            start_date: t.start_date.map(midnight),
            due_date: t.due_date.map(midnight),
            tags: &t.tags,
            version: t.version,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// A task written from its cached rendering: serialized once per task version (the rendering
/// lives with the version, `Task::wire`) and reused by every page, board and reply that carries
/// it. A task listed in a view gets its place in that view appended.
pub struct TaskJson {
    task: Arc<Task>,
    view_position: Option<f64>,
    view_group_key: Option<String>,
}

impl From<Arc<Task>> for TaskJson {
    fn from(task: Arc<Task>) -> Self {
        Self {
            task,
            view_position: None,
            view_group_key: None,
        }
    }
}

impl From<q::ListedTask> for TaskJson {
    fn from(listed: q::ListedTask) -> Self {
        Self {
            task: listed.task,
            view_position: listed.view_position,
            view_group_key: listed.view_group_key,
        }
    }
}

/// The task's JSON, rendered on first use of this version.
pub fn task_json(task: &Task) -> &RawValue {
    task.wire.get_or_render(|| {
        let json = serde_json::to_string(&TaskDto::from(task));
        json.ok()
            .and_then(|j| RawValue::from_string(j).ok())
            .unwrap_or_else(|| {
                tracing::error!(task_id = %task.id, "a task could not be rendered as JSON");
                Box::<RawValue>::default()
            })
    })
}

impl Serialize for TaskJson {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw = task_json(&self.task);
        if self.view_position.is_none() && self.view_group_key.is_none() {
            return raw.serialize(serializer);
        }
        // The rendering is an object (`{…}`): reopen it to add the view's fields.
        let body = raw.get();
        let mut out = String::with_capacity(body.len() + 64);
        out.push_str(body.strip_suffix('}').unwrap_or(body));
        let mut extra = |key: &str, value: String| {
            out.push_str(",\"");
            out.push_str(key);
            out.push_str("\":");
            out.push_str(&value);
        };
        if let Some(p) = self.view_position {
            extra(
                "view_position",
                serde_json::to_string(&p).map_err(serde::ser::Error::custom)?,
            );
        }
        if let Some(k) = &self.view_group_key {
            extra(
                "view_group_key",
                serde_json::to_string(k).map_err(serde::ser::Error::custom)?,
            );
        }
        out.push('}');
        RawValue::from_string(out)
            .map_err(serde::ser::Error::custom)?
            .serialize(serializer)
    }
}

/// A date given as `2025-01-10` or as an RFC 3339 timestamp (its UTC date).
#[derive(Clone, Copy, Debug)]
pub struct FlexDate(NaiveDate);

impl FlexDate {
    pub fn date(self) -> NaiveDate {
        self.0
    }
}

impl<'de> Deserialize<'de> for FlexDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        if let Ok(date) = NaiveDate::parse_from_str(&raw, "%Y-%m-%d") {
            return Ok(Self(date));
        }
        DateTime::parse_from_rfc3339(&raw)
            .map(|t| Self(t.with_timezone(&Utc).date_naive()))
            .map_err(|_| {
                serde::de::Error::custom(format!(
                    "invalid date {raw:?}; use YYYY-MM-DD or RFC 3339"
                ))
            })
    }
}

#[derive(Deserialize)]
pub struct CreateTask {
    #[serde(default)]
    title: String,
    #[serde(default)]
    task_type_id: Patch<Uuid>,
    #[serde(default)]
    status_id: Patch<Uuid>,
    #[serde(default)]
    sprint_id: Option<Uuid>,
    #[serde(default)]
    parent_task_id: Option<Uuid>,
    #[serde(default)]
    description: Option<Value>,
    #[serde(default)]
    importance: i32,
    #[serde(default)]
    story_points: Option<i32>,
    #[serde(default)]
    assignee_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    reporter_id: Option<Uuid>,
    #[serde(default)]
    custom_fields: Option<Map<String, Value>>,
    #[serde(default)]
    start_date: Option<FlexDate>,
    #[serde(default)]
    due_date: Option<FlexDate>,
    #[serde(default)]
    tags: Option<Vec<String>>,
}

fn members(ids: Vec<Uuid>) -> Vec<MemberId> {
    ids.into_iter().map(MemberId).collect()
}

pub async fn create(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(id): Path<String>,
    Json(body): Json<CreateTask>,
) -> ApiResult<Reply<TaskJson>> {
    let new = NewTask {
        title: body.title,
        task_type_id: body.task_type_id.map(TaskTypeId),
        status_id: body.status_id.map(TaskStatusId),
        sprint_id: body.sprint_id,
        parent_task_id: body.parent_task_id.map(TaskId),
        description: body.description,
        importance: body.importance,
        story_points: body.story_points,
        assignee_ids: members(body.assignee_ids.unwrap_or_default()),
        reporter_id: body.reporter_id.map(MemberId),
        custom_fields: body.custom_fields.unwrap_or_default(),
        start_date: body.start_date.map(|d| d.0),
        due_date: body.due_date.map(|d| d.0),
        tags: body.tags.unwrap_or_default(),
    };
    let outcome = state
        .projects
        .command(project_id(&id)?, caller, command::CreateTask(new))
        .await?;
    Ok(created(outcome.into()))
}

pub async fn get(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, task)): Path<(String, String)>,
) -> ApiResult<Reply<TaskJson>> {
    let query = q::GetTask {
        id: task_id(&task)?,
    };
    let t = state.projects.read(project_id(&id)?, caller, query).await?;
    Ok(ok(t.into()))
}

pub async fn by_number(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, number)): Path<(String, String)>,
) -> ApiResult<Reply<TaskJson>> {
    let n: i64 = number
        .parse()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| ApiError::bad_request("invalid task number"))?;
    let t = state
        .projects
        .read(project_id(&id)?, caller, q::GetTaskByNumber { number: n })
        .await?;
    Ok(ok(t.into()))
}

#[derive(Deserialize)]
pub struct UpdateTask {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    task_type_id: Patch<Uuid>,
    #[serde(default)]
    status_id: Patch<Uuid>,
    #[serde(default)]
    sprint_id: Patch<Uuid>,
    #[serde(default)]
    parent_task_id: Patch<Uuid>,
    #[serde(default)]
    reporter_id: Patch<Uuid>,
    #[serde(default)]
    description: Patch<Value>,
    #[serde(default)]
    importance: Option<i32>,
    #[serde(default)]
    story_points: Patch<i32>,
    #[serde(default)]
    assignee_ids: Patch<Vec<Uuid>>,
    #[serde(default)]
    custom_fields: Option<Map<String, Value>>,
    #[serde(default)]
    tags: Option<Vec<String>>,
    #[serde(default)]
    start_date: Patch<FlexDate>,
    #[serde(default)]
    due_date: Patch<FlexDate>,
    /// The version the client last saw (also `If-Match`).
    #[serde(default)]
    expected_version: Option<i64>,
}

/// `If-Match: <version>` (quotes allowed), else the body's `expected_version`.
fn expected_version(headers: &HeaderMap, body: Option<i64>) -> Result<Option<i64>, ApiError> {
    match headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok()) {
        None => Ok(body),
        Some(raw) => raw
            .trim()
            .trim_start_matches("W/")
            .trim_matches('"')
            .parse()
            .map(Some)
            .map_err(|_| ApiError::bad_request("If-Match must be a task version number")),
    }
}

pub async fn update(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, task)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<UpdateTask>,
) -> ApiResult<Reply<TaskJson>> {
    let expected_version = expected_version(&headers, body.expected_version)?;
    let changes = TaskChanges {
        title: body.title,
        task_type_id: body.task_type_id.map(TaskTypeId),
        status_id: body.status_id.map(TaskStatusId),
        sprint_id: body.sprint_id,
        parent_task_id: body.parent_task_id.map(TaskId),
        reporter_id: body.reporter_id.map(MemberId),
        description: body.description,
        importance: body.importance,
        story_points: body.story_points,
        assignee_ids: body.assignee_ids.map(members),
        custom_fields: body.custom_fields,
        tags: body.tags,
        start_date: body.start_date.map(|d| d.0),
        due_date: body.due_date.map(|d| d.0),
    };
    let command = command::UpdateTask {
        task_id: task_id(&task)?,
        changes,
        expected_version,
    };
    let outcome = state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(ok(outcome.into()))
}

pub async fn delete(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, task)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Reply<Message>> {
    let command = command::DeleteTask {
        task_id: task_id(&task)?,
        expected_version: expected_version(&headers, None)?,
    };
    state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(message("task deleted"))
}

#[derive(Serialize)]
pub struct TaskList {
    items: Vec<TaskJson>,
    page_size: u64,
    next_cursor: Option<String>,
    total_count: u64,
    field_sum: Option<f64>,
}

fn ids<T: FromStr>(raw: &str, param: &str) -> Result<Vec<T>, ApiError> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse()
                .map_err(|_| ApiError::bad_request(format!("invalid {param}")))
        })
        .collect()
}

/// One reference filter from `x_id` (`null` or one id) and `x_ids` (CSV).
fn ref_filter<T: FromStr>(
    params: &HashMap<String, String>,
    one: &str,
    many: &str,
) -> Result<RefFilter<T>, ApiError> {
    let list = params
        .get(many)
        .map(|raw| ids::<T>(raw, many))
        .transpose()?;
    match params.get(one).map(String::as_str) {
        Some("null") => Ok(RefFilter::Null {
            or_in: list.unwrap_or_default(),
        }),
        Some(raw) if list.is_none() => Ok(RefFilter::In(ids(raw, one)?)),
        _ => Ok(list.map_or(RefFilter::Any, RefFilter::In)),
    }
}

pub async fn list(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Reply<TaskList>> {
    let paging = CursorParams::<TaskCursor>::parse(
        params.get("page_size").map(String::as_str),
        params.get("cursor").map(String::as_str),
    )
    .map_err(ApiError::bad_request)?;
    let filter = TaskFilter {
        sprint: ref_filter(&params, "sprint_id", "sprint_ids")?,
        status: ref_filter(&params, "status_id", "status_ids")?,
        assignee: ref_filter(&params, "assignee_id", "assignee_ids")?,
        task_type: ref_filter(&params, "task_type_id", "task_type_ids")?,
        parent: params
            .get("parent_task_id")
            .map(|p| task_id(p))
            .transpose()?,
        search: params
            .get("search")
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
    };
    let text = |k: &str| {
        params
            .get(k)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    let request = TaskPageRequest {
        filter,
        page_size: usize::try_from(paging.page_size).unwrap_or(20),
        after: paging.after,
        sort_by: text("sort_by"),
        view_id: text("view_id")
            .map(|v| parse_id(&v, "view_id"))
            .transpose()?,
        sum_field: text("sum_field"),
    };
    let page = state
        .projects
        .read(project_id(&id)?, caller, q::ListTasks(request))
        .await?;
    Ok(ok(TaskList {
        items: page.items.into_iter().map(Into::into).collect(),
        page_size: paging.page_size,
        next_cursor: page.next.as_ref().map(encode_cursor),
        total_count: page.total_count,
        field_sum: page.field_sum,
    }))
}

/// Paca's activity entry.
#[derive(Serialize)]
pub struct ActivityDto {
    id: Uuid,
    task_id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    actor_id: Option<Uuid>,
    actor_name: String,
    actor_username: String,
    activity_type: String,
    content: Value,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<ActivityEntry> for ActivityDto {
    fn from(a: ActivityEntry) -> Self {
        Self {
            id: a.id,
            task_id: a.task_id.0,
            actor_id: a.actor_member_id.map(|m| m.0),
            actor_name: a.actor_name,
            actor_username: a.actor_username,
            activity_type: a.activity_type,
            content: a.content,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

impl From<CommentView> for ActivityDto {
    fn from(c: CommentView) -> Self {
        Self {
            id: c.comment.id.0,
            task_id: c.comment.task_id.0,
            actor_id: Some(c.comment.author_id.0),
            actor_name: c.author_full_name,
            actor_username: c.author_username,
            activity_type: "comment".into(),
            content: c.comment.content,
            created_at: c.comment.created_at,
            updated_at: c.comment.updated_at,
        }
    }
}

#[derive(Serialize)]
pub struct Activities {
    items: Vec<ActivityDto>,
}

pub async fn activities(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, task)): Path<(String, String)>,
) -> ApiResult<Reply<Activities>> {
    let entries = state
        .projects
        .task_activity(project_id(&id)?, caller, task_id(&task)?)
        .await?;
    Ok(ok(Activities {
        items: entries.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Deserialize)]
pub struct CommentBody {
    #[serde(default)]
    content: Option<Value>,
}

fn comment_content(body: CommentBody) -> Result<Value, ApiError> {
    body.content
        .ok_or_else(|| ApiError::bad_request("content is required"))
}

pub async fn add_comment(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, task)): Path<(String, String)>,
    Json(body): Json<CommentBody>,
) -> ApiResult<Reply<ActivityDto>> {
    let command = command::AddComment {
        task_id: task_id(&task)?,
        content: comment_content(body)?,
    };
    let outcome = state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(created(outcome.into()))
}

pub async fn update_comment(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, task, comment)): Path<(String, String, String)>,
    Json(body): Json<CommentBody>,
) -> ApiResult<Reply<ActivityDto>> {
    let command = command::UpdateComment {
        task_id: task_id(&task)?,
        comment_id: parse_id(&comment, "comment id")?,
        content: comment_content(body)?,
    };
    let outcome = state
        .projects
        .comment_command(project_id(&id)?, caller, command)
        .await?;
    Ok(ok(outcome.into()))
}

pub async fn delete_comment(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, task, comment)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let command = command::DeleteComment {
        task_id: task_id(&task)?,
        comment_id: parse_id(&comment, "comment id")?,
    };
    state
        .projects
        .comment_command(project_id(&id)?, caller, command)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
pub struct EventDto {
    seq: i64,
    #[serde(rename = "type")]
    kind: corral_actors::project::events::EventKind,
    project_id: Uuid,
    actor: Option<Uuid>,
    at: DateTime<Utc>,
    payload: Value,
}

impl From<Event> for EventDto {
    fn from(e: Event) -> Self {
        Self {
            seq: e.seq,
            kind: e.kind,
            project_id: e.project_id.0,
            actor: e.actor_user_id.map(|u| u.0),
            at: e.at,
            payload: e.payload,
        }
    }
}

#[derive(Serialize)]
pub struct EventPage {
    items: Vec<EventDto>,
    next_since: i64,
}

#[derive(Deserialize)]
pub struct EventQuery {
    since: Option<String>,
    limit: Option<String>,
}

pub async fn events(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(id): Path<String>,
    Query(query): Query<EventQuery>,
) -> ApiResult<Reply<EventPage>> {
    let since: i64 =
        match query.since.as_deref() {
            None | Some("") => 0,
            Some(raw) => raw.parse().ok().filter(|s| *s >= 0).ok_or_else(|| {
                ApiError::bad_request("since must be a sequence number (0 or more)")
            })?,
        };
    let limit: u32 = match query.limit.as_deref() {
        None | Some("") => corral_actors::project::reads::EVENTS_PAGE_DEFAULT,
        Some(raw) => raw
            .parse()
            .ok()
            .filter(|l| *l >= 1)
            .ok_or_else(|| ApiError::bad_request("limit must be a positive number"))?,
    };
    let events = state
        .projects
        .events(project_id(&id)?, caller, since, limit)
        .await?;
    let next_since = events.last().map_or(since, |e| e.seq);
    Ok(ok(EventPage {
        items: events.into_iter().map(Into::into).collect(),
        next_since,
    }))
}
