//! Tasks: creation with per-project numbers, tri-state updates with Epic and cycle rules,
//! soft deletion, optimistic concurrency on `version`, and assignment notifications.

use super::Stage;
use crate::error::{Error, Result, codes};
use crate::ids::{MemberId, NotificationId, TaskId, TaskStatusId, TaskTypeId};
use crate::patch::Patch;
use crate::project::access::{self, TASKS_WRITE};
use crate::project::batch::{Change, Notification, NotificationKind};
use crate::project::events::EventKind;
use crate::project::mention::check_blocknote;
use crate::project::model::Task;
use chrono::NaiveDate;
use serde_json::{Map, Value, json};
use std::sync::Arc;
use uuid::Uuid;

command!(CreateTask(NewTask) -> Arc<Task>, |Self(new), s| create(s, new));
command!(UpdateTask { task_id: TaskId, changes: TaskChanges, expected_version: Option<i64> } -> Arc<Task>,
    |c, s| update(s, c.task_id, &c.changes, c.expected_version));
command!(DeleteTask { task_id: TaskId, expected_version: Option<i64> } -> (),
    |c, s| delete(s, c.task_id, c.expected_version));

pub const TITLE_MAX: usize = 500;
pub const TAGS_MAX: usize = 50;
pub const TAG_MAX: usize = 100;
/// Parent chains longer than this are refused (and cycles are found within it).
pub const PARENT_DEPTH_MAX: usize = 50;

#[derive(Clone, Debug, Default)]
pub struct NewTask {
    pub title: String,
    /// Absent: the project's default type.
    pub task_type_id: Patch<TaskTypeId>,
    /// Absent: the project's default status.
    pub status_id: Patch<TaskStatusId>,
    pub sprint_id: Option<Uuid>,
    pub parent_task_id: Option<TaskId>,
    pub description: Option<Value>,
    pub importance: i32,
    pub story_points: Option<i32>,
    pub assignee_ids: Vec<MemberId>,
    pub reporter_id: Option<MemberId>,
    pub custom_fields: Map<String, Value>,
    pub start_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub tags: Vec<String>,
}

/// Paca's PATCH semantics per field: `title`, `importance`, `custom_fields`, `tags` cannot be
/// cleared (absent or `null` leave them); the others are tri-state.
#[derive(Clone, Debug, Default)]
pub struct TaskChanges {
    pub title: Option<String>,
    pub task_type_id: Patch<TaskTypeId>,
    pub status_id: Patch<TaskStatusId>,
    pub sprint_id: Patch<Uuid>,
    pub parent_task_id: Patch<TaskId>,
    pub reporter_id: Patch<MemberId>,
    pub description: Patch<Value>,
    pub importance: Option<i32>,
    pub story_points: Patch<i32>,
    pub assignee_ids: Patch<Vec<MemberId>>,
    pub custom_fields: Option<Map<String, Value>>,
    pub tags: Option<Vec<String>>,
    pub start_date: Patch<NaiveDate>,
    pub due_date: Patch<NaiveDate>,
}

pub(crate) fn task_not_found() -> Error {
    Error::not_found(codes::TASK_NOT_FOUND, "task: not found")
}

fn title(raw: &str) -> Result<String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid(
            codes::TASK_TITLE_INVALID,
            "task: title is empty or invalid",
        ));
    }
    if trimmed.chars().count() > TITLE_MAX {
        return Err(Error::bad_request(format!(
            "title must be at most {TITLE_MAX} characters"
        )));
    }
    Ok(trimmed.to_owned())
}

fn non_negative(value: i32, field: &str) -> Result<i32> {
    if value < 0 {
        return Err(Error::bad_request(format!("{field} must not be negative")));
    }
    Ok(value)
}

fn tags(tags: &[String]) -> Result<Vec<String>> {
    if tags.len() > TAGS_MAX {
        return Err(Error::bad_request(format!("at most {TAGS_MAX} tags")));
    }
    if tags
        .iter()
        .any(|t| t.trim().is_empty() || t.chars().count() > TAG_MAX)
    {
        return Err(Error::bad_request(format!(
            "tags must be 1 to {TAG_MAX} characters"
        )));
    }
    Ok(tags.iter().map(|t| t.trim().to_owned()).collect())
}

fn description(value: Option<&Value>) -> Result<Option<Value>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(doc) => {
            check_blocknote(doc, "description").map_err(Error::bad_request)?;
            Ok(Some(doc.clone()))
        }
    }
}

/// Checks every reference against the project: type, status, assignees, reporter.
fn check_references(s: &Stage<'_>, task: &Task) -> Result<()> {
    if let Some(id) = task.task_type_id
        && !s.state.task_types.contains_key(&id)
    {
        return Err(Error::not_found(
            codes::TASK_TYPE_NOT_FOUND,
            "task type: not found",
        ));
    }
    if let Some(id) = task.status_id
        && !s.state.statuses.contains_key(&id)
    {
        return Err(Error::not_found(
            codes::TASK_STATUS_NOT_FOUND,
            "task status: not found",
        ));
    }
    if let Some(sprint) = task.sprint_id
        && !s.state.sprints.contains_key(&crate::ids::SprintId(sprint))
    {
        return Err(super::sprints::sprint_not_found());
    }
    for (key, value) in &task.custom_fields {
        let field = s.state.custom_field(key).ok_or_else(|| {
            Error::invalid(
                codes::CUSTOM_FIELD_VALUE_INVALID,
                format!("custom_fields.{key}: no such custom field in this project"),
            )
        })?;
        field
            .check(value)
            .map_err(|m| Error::invalid(codes::CUSTOM_FIELD_VALUE_INVALID, m))?;
    }
    for member in task.assignee_ids.iter().chain(task.reporter_id.iter()) {
        if s.state.live_member(*member).is_none() {
            return Err(Error::not_found(
                codes::PROJECT_MEMBER_NOT_FOUND,
                format!("project: member not found: {member}"),
            ));
        }
    }
    check_parent(s, task)
}

/// Epic tasks have no parent; a parent exists in the project and is not the task or one of
/// its descendants.
fn check_parent(s: &Stage<'_>, task: &Task) -> Result<()> {
    let Some(parent) = task.parent_task_id else {
        return Ok(());
    };
    if parent == task.id {
        return Err(Error::invalid(
            codes::TASK_CANNOT_BE_OWN_PARENT,
            "task: a task cannot be its own parent",
        ));
    }
    if task
        .task_type_id
        .and_then(|t| s.state.task_types.get(&t))
        .is_some_and(|t| t.is_epic())
    {
        return Err(Error::invalid(
            codes::TASK_EPIC_CANNOT_HAVE_PARENT,
            "task: epic tasks cannot have a parent task",
        ));
    }
    let mut cursor = Some(parent);
    for _ in 0..PARENT_DEPTH_MAX {
        let Some(id) = cursor else { return Ok(()) };
        if id == task.id {
            return Err(Error::invalid(
                codes::TASK_PARENT_CYCLE_DETECTED,
                "task: setting this parent would create a cycle",
            ));
        }
        let ancestor = s.state.live_task(id).ok_or_else(|| {
            Error::not_found(codes::TASK_NOT_FOUND, "task: parent task not found")
        })?;
        cursor = ancestor.parent_task_id;
    }
    Err(Error::invalid(
        codes::TASK_PARENT_CYCLE_DETECTED,
        format!("task: parent chain is deeper than {PARENT_DEPTH_MAX}"),
    ))
}

fn dedup(ids: &[MemberId]) -> Vec<MemberId> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if !out.contains(id) {
            out.push(*id);
        }
    }
    out
}

/// Notifies newly assigned human members (not the caller), with a `notification.created`
/// event for each.
fn notify_assigned(s: &mut Stage<'_>, task: &Task, before: &[MemberId]) {
    let actor = s.caller_member().map(|m| m.id);
    let new_assignees: Vec<MemberId> = task
        .assignee_ids
        .iter()
        .filter(|m| !before.contains(m))
        .copied()
        .collect();
    for member_id in new_assignees {
        if let Some(agent) = s.state.live_member(member_id).and_then(|m| m.agent_id) {
            if actor != Some(member_id) {
                super::agents::trigger(
                    s,
                    crate::ids::AgentId(agent),
                    task,
                    "task_assigned",
                    None,
                    String::new(),
                );
            }
            continue;
        }
        let Some(user) = s.state.live_member(member_id).and_then(|m| m.user_id) else {
            continue;
        };
        if Some(user) == s.caller.user_id {
            continue;
        }
        notify(s, user, actor, NotificationKind::Assigned, task);
    }
}

pub(crate) fn notify(
    s: &mut Stage<'_>,
    recipient: crate::ids::UserId,
    actor: Option<MemberId>,
    kind: NotificationKind,
    task: &Task,
) {
    let n = Notification {
        id: NotificationId::new(),
        recipient_user_id: recipient,
        actor_member_id: actor,
        kind,
        task_id: Some(task.id),
        document_id: None,
        project_id: task.project_id,
        created_at: s.now,
    };
    s.emit(
        EventKind::NotificationCreated,
        Some(task.id),
        Some(n.id.0),
        json!({
            "id": n.id,
            "recipient_user_id": recipient,
            "actor_member_id": actor,
            "type": kind.as_str(),
            "task_id": task.id,
            "project_id": task.project_id,
            "created_at": n.created_at,
        }),
    );
    s.put(Change::Notification(n));
}

fn activity(s: &Stage<'_>, task: &Task, activity_type: &str, content: Value) -> Value {
    json!({
        "task_id": task.id,
        "project_id": task.project_id,
        "task_number": task.task_number,
        "version": task.version,
        "activity_type": activity_type,
        "content": content,
        "actor_id": s.caller.user_id,
        "created_at": s.now,
        "updated_at": s.now,
    })
}

pub(super) fn create(s: &mut Stage<'_>, new: &NewTask) -> Result<Arc<Task>> {
    access::require(s.state, s.caller, TASKS_WRITE)?;
    let project_id = s.state.live_project().map(|p| p.id).unwrap_or_default();
    let task_type_id = match &new.task_type_id {
        Patch::Absent => s.state.default_task_type().map(|t| t.id),
        other => other.clone().apply_to(None),
    };
    let status_id = match &new.status_id {
        Patch::Absent => s.state.default_status().map(|st| st.id),
        other => other.clone().apply_to(None),
    };
    let task_number = s.state.task_counter + 1;
    let task = Task {
        id: TaskId::new(),
        project_id,
        task_number,
        task_type_id,
        status_id,
        sprint_id: new.sprint_id,
        parent_task_id: new.parent_task_id,
        title: title(&new.title)?,
        description: description(new.description.as_ref())?,
        importance: non_negative(new.importance, "importance")?,
        story_points: new
            .story_points
            .map(|p| non_negative(p, "story_points"))
            .transpose()?,
        assignee_ids: dedup(&new.assignee_ids),
        reporter_id: new.reporter_id,
        custom_fields: new.custom_fields.clone(),
        start_date: new.start_date,
        due_date: new.due_date,
        tags: tags(&new.tags)?,
        version: 1,
        created_at: s.now,
        updated_at: s.now,
        deleted_at: None,
        wire: Default::default(),
    };
    check_references(s, &task)?;
    let task = Arc::new(task);
    s.put(Change::Task(Arc::clone(&task)));
    let payload = activity(s, &task, "task.created", json!({"title": task.title}));
    s.emit(EventKind::TaskCreated, Some(task.id), None, payload);
    notify_assigned(s, &task, &[]);
    Ok(task)
}

fn check_version(task: &Arc<Task>, expected: Option<i64>) -> Result<()> {
    match expected {
        Some(v) if v != task.version => Err(Error::VersionConflict {
            code: codes::TASK_VERSION_CONFLICT,
            message: format!(
                "task: version {v} is stale; the current version is {}",
                task.version
            ),
            current: Arc::clone(task),
        }),
        _ => Ok(()),
    }
}

fn name_of<K, V>(
    map: &std::collections::BTreeMap<K, V>,
    id: Option<K>,
    name: impl Fn(&V) -> &str,
) -> Value
where
    K: Ord + std::fmt::Display + Copy,
{
    match id {
        None => Value::Null,
        Some(id) => map
            .get(&id)
            .map_or_else(|| json!(id.to_string()), |v| json!(name(v))),
    }
}

fn uuid_text<T: std::fmt::Display>(id: Option<T>) -> Value {
    json!(id.map(|i| i.to_string()).unwrap_or_default())
}

fn date_text(d: Option<NaiveDate>) -> Value {
    json!(d.map(|d| d.to_string()).unwrap_or_default())
}

fn sorted_ids(ids: &[MemberId]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(ToString::to_string).collect();
    v.sort();
    v
}

/// Paca's `{"changes":[{field, old, new}]}` for a task update.
fn diff(s: &Stage<'_>, old: &Task, new: &Task) -> Vec<Value> {
    let mut changes = Vec::new();
    let mut push = |field: &str, old: Value, new: Value| {
        changes.push(json!({"field": field, "old": old, "new": new}));
    };
    if old.title != new.title {
        push("title", json!(old.title), json!(new.title));
    }
    if old.status_id != new.status_id {
        let n = |id| name_of(&s.state.statuses, id, |st| &st.name);
        push("status", n(old.status_id), n(new.status_id));
    }
    if old.task_type_id != new.task_type_id {
        let n = |id| name_of(&s.state.task_types, id, |t| &t.name);
        push("task_type", n(old.task_type_id), n(new.task_type_id));
    }
    if old.importance != new.importance {
        push("importance", json!(old.importance), json!(new.importance));
    }
    if old.story_points != new.story_points {
        push(
            "story_points",
            json!(old.story_points),
            json!(new.story_points),
        );
    }
    if sorted_ids(&old.assignee_ids) != sorted_ids(&new.assignee_ids) {
        push(
            "assignee",
            json!(sorted_ids(&old.assignee_ids)),
            json!(sorted_ids(&new.assignee_ids)),
        );
    }
    if old.reporter_id != new.reporter_id {
        push(
            "reporter",
            uuid_text(old.reporter_id),
            uuid_text(new.reporter_id),
        );
    }
    if old.sprint_id != new.sprint_id {
        push("sprint", uuid_text(old.sprint_id), uuid_text(new.sprint_id));
    }
    if old.parent_task_id != new.parent_task_id {
        push(
            "parent_task",
            uuid_text(old.parent_task_id),
            uuid_text(new.parent_task_id),
        );
    }
    if old.start_date != new.start_date {
        push(
            "start_date",
            date_text(old.start_date),
            date_text(new.start_date),
        );
    }
    if old.due_date != new.due_date {
        push("due_date", date_text(old.due_date), date_text(new.due_date));
    }
    if old.description != new.description {
        push(
            "description",
            json!(old.description),
            json!(new.description),
        );
    }
    if old.tags != new.tags {
        push("tags", json!(old.tags), json!(new.tags));
    }
    if old.custom_fields != new.custom_fields {
        push("custom_fields", Value::Null, Value::Null);
    }
    changes
}

pub(super) fn update(
    s: &mut Stage<'_>,
    id: TaskId,
    changes: &TaskChanges,
    expected_version: Option<i64>,
) -> Result<Arc<Task>> {
    access::require(s.state, s.caller, TASKS_WRITE)?;
    let state = s.state;
    let old = state.live_task_shared(id).ok_or_else(task_not_found)?;
    check_version(old, expected_version)?;
    let mut task = Task::clone(old);
    if let Some(t) = changes.title.as_deref().filter(|t| !t.trim().is_empty()) {
        task.title = title(t)?;
    }
    task.task_type_id = changes.task_type_id.clone().apply_to(task.task_type_id);
    task.status_id = changes.status_id.clone().apply_to(task.status_id);
    task.sprint_id = changes.sprint_id.clone().apply_to(task.sprint_id);
    task.parent_task_id = changes.parent_task_id.clone().apply_to(task.parent_task_id);
    task.reporter_id = changes.reporter_id.clone().apply_to(task.reporter_id);
    if !changes.description.is_absent() {
        task.description = description(changes.description.clone().value().as_ref())?;
    }
    if let Some(importance) = changes.importance {
        task.importance = non_negative(importance, "importance")?;
    }
    task.story_points = changes
        .story_points
        .clone()
        .apply_to(task.story_points)
        .map(|p| non_negative(p, "story_points"))
        .transpose()?;
    match &changes.assignee_ids {
        Patch::Absent => {}
        Patch::Null => task.assignee_ids.clear(),
        Patch::Value(ids) => task.assignee_ids = dedup(ids),
    }
    if let Some(fields) = &changes.custom_fields {
        task.custom_fields = fields.clone();
    }
    if let Some(t) = &changes.tags {
        task.tags = tags(t)?;
    }
    task.start_date = changes.start_date.clone().apply_to(task.start_date);
    task.due_date = changes.due_date.clone().apply_to(task.due_date);
    check_references(s, &task)?;
    let diff = diff(s, old, &task);
    if diff.is_empty() {
        // Nothing changes: no new version, no event (as in Paca).
        return Ok(Arc::clone(old));
    }
    task.version += 1;
    task.updated_at = s.now;
    let task = Arc::new(task);
    s.put(Change::Task(Arc::clone(&task)));
    let payload = activity(s, &task, "task.updated", json!({"changes": diff}));
    s.emit(EventKind::TaskUpdated, Some(task.id), None, payload);
    notify_assigned(s, &task, &old.assignee_ids);
    Ok(task)
}

pub(super) fn delete(s: &mut Stage<'_>, id: TaskId, expected_version: Option<i64>) -> Result<()> {
    access::require(s.state, s.caller, TASKS_WRITE)?;
    let state = s.state;
    let old = state.live_task_shared(id).ok_or_else(task_not_found)?;
    check_version(old, expected_version)?;
    let mut task = Task::clone(old);
    task.deleted_at = Some(s.now);
    task.updated_at = s.now;
    task.version += 1;
    let task = Arc::new(task);
    s.put(Change::Task(Arc::clone(&task)));
    super::files::detach_all(s, id);
    let payload = activity(s, &task, "task.deleted", json!({}));
    s.emit(EventKind::TaskDeleted, Some(task.id), None, payload);
    Ok(())
}
