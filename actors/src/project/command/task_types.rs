//! Task types. `Epic` is the system type: it cannot be changed or deleted, and no other type
//! may be called `Epic`.

use super::{Stage, required_name};
use crate::error::{Error, Result, codes};
use crate::ids::TaskTypeId;
use crate::patch::Patch;
use crate::project::access::{self, TASKS_WRITE};
use crate::project::batch::Change;
use crate::project::events::EventKind;
use crate::project::model::TaskType;
use serde_json::json;

command!(CreateTaskType(NewTaskType) -> TaskType, |Self(new), s| create(s, new));
command!(UpdateTaskType(TaskTypeId, TaskTypeChanges) -> TaskType,
    |Self(id, changes), s| update(s, *id, changes));
command!(DeleteTaskType(TaskTypeId) -> (), |Self(id), s| delete(s, *id));
command!(SetDefaultTaskType(TaskTypeId) -> TaskType, |Self(id), s| set_default(s, *id));

const NAME_MAX: usize = 100;
const TEXT_MAX: usize = 1_000;

#[derive(Clone, Debug, Default)]
pub struct NewTaskType {
    pub name: String,
    pub icon: Option<String>,
    pub color: Option<String>,
    pub description: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct TaskTypeChanges {
    /// Empty leaves the name as it is (Paca).
    pub name: Option<String>,
    pub icon: Patch<String>,
    pub color: Patch<String>,
    pub description: Patch<String>,
}

fn not_found() -> Error {
    Error::not_found(codes::TASK_TYPE_NOT_FOUND, "task type: not found")
}

fn name_invalid() -> Error {
    Error::invalid(
        codes::TASK_TYPE_NAME_INVALID,
        "task type: name is empty or invalid",
    )
}

fn text(value: Option<&String>, field: &str) -> Result<Option<String>> {
    match value {
        Some(v) if v.chars().count() > TEXT_MAX => Err(Error::bad_request(format!(
            "{field} must be at most {TEXT_MAX} characters"
        ))),
        other => Ok(other.cloned()),
    }
}

/// A type the caller may change: it exists and is not a system type.
fn editable(s: &Stage<'_>, id: TaskTypeId) -> Result<TaskType> {
    let t = s.state.task_types.get(&id).cloned().ok_or_else(not_found)?;
    if t.is_system {
        return Err(Error::Forbidden {
            code: codes::TASK_TYPE_IS_SYSTEM,
            message: "task type: system types cannot be modified".into(),
        });
    }
    Ok(t)
}

pub(super) fn create(s: &mut Stage<'_>, new: &NewTaskType) -> Result<TaskType> {
    access::require(s.state, s.caller, TASKS_WRITE)?;
    if new.name.is_empty() {
        return Err(Error::bad_request("name is required"));
    }
    let name = required_name(&new.name, NAME_MAX, name_invalid())?;
    if name == "Epic" {
        return Err(Error::conflict(
            codes::TASK_TYPE_NAME_RESERVED,
            "task type: name is reserved for system types",
        ));
    }
    let t = TaskType {
        id: TaskTypeId::new(),
        project_id: s.state.live_project().map(|p| p.id).unwrap_or_default(),
        name,
        icon: text(new.icon.as_ref(), "icon")?,
        color: text(new.color.as_ref(), "color")?,
        description: text(new.description.as_ref(), "description")?,
        is_default: false,
        is_system: false,
        created_at: s.now,
        updated_at: s.now,
    };
    s.put(Change::TaskType(t.clone()));
    s.emit(
        EventKind::TaskTypeCreated,
        None,
        Some(t.id.0),
        json!({"project_id": t.project_id, "task_type_id": t.id}),
    );
    Ok(t)
}

pub(super) fn update(
    s: &mut Stage<'_>,
    id: TaskTypeId,
    changes: &TaskTypeChanges,
) -> Result<TaskType> {
    access::require(s.state, s.caller, TASKS_WRITE)?;
    let mut t = editable(s, id)?;
    if let Some(name) = changes.name.as_deref().filter(|n| !n.is_empty()) {
        t.name = required_name(name, NAME_MAX, name_invalid())?;
    }
    t.icon = text(
        changes.icon.clone().apply_to(t.icon.clone()).as_ref(),
        "icon",
    )?;
    t.color = text(
        changes.color.clone().apply_to(t.color.clone()).as_ref(),
        "color",
    )?;
    t.description = text(
        changes
            .description
            .clone()
            .apply_to(t.description.clone())
            .as_ref(),
        "description",
    )?;
    t.updated_at = s.now;
    s.put(Change::TaskType(t.clone()));
    s.emit(
        EventKind::TaskTypeUpdated,
        None,
        Some(t.id.0),
        json!({"project_id": t.project_id, "task_type_id": t.id}),
    );
    Ok(t)
}

pub(super) fn delete(s: &mut Stage<'_>, id: TaskTypeId) -> Result<()> {
    access::require(s.state, s.caller, TASKS_WRITE)?;
    let t = editable(s, id)?;
    let mut cleared = Vec::new();
    for task in s
        .state
        .tasks
        .values()
        .filter(|task| task.task_type_id == Some(id))
    {
        let mut task = (**task).clone();
        task.task_type_id = None;
        task.version += 1;
        task.updated_at = s.now;
        cleared.push(task.id);
        s.put(Change::Task(std::sync::Arc::new(task)));
    }
    s.put(Change::TaskTypeDeleted(id));
    s.emit(
        EventKind::TaskTypeDeleted,
        None,
        Some(id.0),
        json!({"project_id": t.project_id, "task_type_id": id, "cleared_task_ids": cleared}),
    );
    Ok(())
}

pub(super) fn set_default(s: &mut Stage<'_>, id: TaskTypeId) -> Result<TaskType> {
    access::require(s.state, s.caller, TASKS_WRITE)?;
    let mut chosen = s.state.task_types.get(&id).cloned().ok_or_else(not_found)?;
    for other in s
        .state
        .task_types
        .values()
        .filter(|t| t.is_default && t.id != id)
    {
        let mut other = other.clone();
        other.is_default = false;
        other.updated_at = s.now;
        s.put(Change::TaskType(other));
    }
    chosen.is_default = true;
    chosen.updated_at = s.now;
    s.put(Change::TaskType(chosen.clone()));
    s.emit(
        EventKind::TaskTypeDefaultSet,
        None,
        Some(id.0),
        json!({"project_id": chosen.project_id, "task_type_id": id}),
    );
    Ok(chosen)
}
