//! Task statuses: a category each, ordered by position, one of them the default.

use super::{Stage, required_name};
use crate::error::{Error, Result, codes};
use crate::ids::TaskStatusId;
use crate::patch::Patch;
use crate::project::access::{self, TASKS_WRITE};
use crate::project::batch::Change;
use crate::project::events::EventKind;
use crate::project::model::{StatusCategory, TaskStatus};
use serde_json::json;
use std::collections::HashSet;

command!(CreateStatus(NewStatus) -> TaskStatus, |Self(new), s| create(s, new));
command!(UpdateStatus(TaskStatusId, StatusChanges) -> TaskStatus,
    |Self(id, changes), s| update(s, *id, changes));
command!(DeleteStatus(TaskStatusId) -> (), |Self(id), s| delete(s, *id));
command!(SetDefaultStatus(TaskStatusId) -> TaskStatus, |Self(id), s| set_default(s, *id));
command!(ReorderStatuses(Vec<TaskStatusId>) -> (), |Self(ids), s| {
    reorder(s, ids)
});

const NAME_MAX: usize = 100;

#[derive(Clone, Debug, Default)]
pub struct NewStatus {
    pub name: String,
    pub color: Option<String>,
    pub position: i32,
    pub category: String,
}

/// Paca's PATCH: an empty name leaves it as it is; `color: null` clears the colour (Paca
/// kept it, so a colour could never be removed).
#[derive(Clone, Debug, Default)]
pub struct StatusChanges {
    pub name: Option<String>,
    pub color: Patch<String>,
    pub position: Option<i32>,
    pub category: Option<String>,
}

fn not_found() -> Error {
    Error::not_found(codes::TASK_STATUS_NOT_FOUND, "task status: not found")
}

fn category(raw: &str) -> Result<StatusCategory> {
    StatusCategory::parse(raw).ok_or_else(|| {
        Error::invalid(
            codes::TASK_STATUS_CATEGORY_INVALID,
            "task status: invalid category value",
        )
    })
}

fn name_invalid() -> Error {
    Error::invalid(
        codes::TASK_STATUS_NAME_INVALID,
        "task status: name is empty or invalid",
    )
}

pub(super) fn create(s: &mut Stage<'_>, new: &NewStatus) -> Result<TaskStatus> {
    access::require(s.state, s.caller, TASKS_WRITE)?;
    if new.name.is_empty() {
        return Err(Error::bad_request("name is required"));
    }
    if new.category.is_empty() {
        return Err(Error::bad_request("category is required"));
    }
    let name = required_name(&new.name, NAME_MAX, name_invalid())?;
    let status = TaskStatus {
        id: TaskStatusId::new(),
        project_id: s.state.live_project().map(|p| p.id).unwrap_or_default(),
        name,
        color: new.color.clone(),
        position: new.position,
        category: category(&new.category)?,
        is_default: false,
        created_at: s.now,
        updated_at: s.now,
    };
    s.put(Change::Status(status.clone()));
    s.emit(
        EventKind::StatusCreated,
        None,
        Some(status.id.0),
        json!({"project_id": status.project_id, "status_id": status.id}),
    );
    Ok(status)
}

pub(super) fn update(
    s: &mut Stage<'_>,
    id: TaskStatusId,
    changes: &StatusChanges,
) -> Result<TaskStatus> {
    access::require(s.state, s.caller, TASKS_WRITE)?;
    let mut status = s.state.statuses.get(&id).cloned().ok_or_else(not_found)?;
    if let Some(name) = changes.name.as_deref().filter(|n| !n.is_empty()) {
        status.name = required_name(name, NAME_MAX, name_invalid())?;
    }
    status.color = changes.color.clone().apply_to(status.color.clone());
    if let Some(position) = changes.position {
        status.position = position;
    }
    if let Some(raw) = changes.category.as_deref() {
        status.category = category(raw)?;
    }
    status.updated_at = s.now;
    s.put(Change::Status(status.clone()));
    s.emit(
        EventKind::StatusUpdated,
        None,
        Some(id.0),
        json!({"project_id": status.project_id, "status_id": id}),
    );
    Ok(status)
}

pub(super) fn delete(s: &mut Stage<'_>, id: TaskStatusId) -> Result<()> {
    access::require(s.state, s.caller, TASKS_WRITE)?;
    let status = s.state.statuses.get(&id).cloned().ok_or_else(not_found)?;
    let mut cleared = Vec::new();
    for task in s.state.tasks.values().filter(|t| t.status_id == Some(id)) {
        let mut task = (**task).clone();
        task.status_id = None;
        task.version += 1;
        task.updated_at = s.now;
        cleared.push(task.id);
        s.put(Change::Task(std::sync::Arc::new(task)));
    }
    s.put(Change::StatusDeleted(id));
    s.emit(
        EventKind::StatusDeleted,
        None,
        Some(id.0),
        json!({"project_id": status.project_id, "status_id": id, "cleared_task_ids": cleared}),
    );
    Ok(())
}

pub(super) fn set_default(s: &mut Stage<'_>, id: TaskStatusId) -> Result<TaskStatus> {
    access::require(s.state, s.caller, TASKS_WRITE)?;
    let mut chosen = s.state.statuses.get(&id).cloned().ok_or_else(not_found)?;
    for other in s
        .state
        .statuses
        .values()
        .filter(|st| st.is_default && st.id != id)
    {
        let mut other = other.clone();
        other.is_default = false;
        other.updated_at = s.now;
        s.put(Change::Status(other));
    }
    chosen.is_default = true;
    chosen.updated_at = s.now;
    s.put(Change::Status(chosen.clone()));
    s.emit(
        EventKind::StatusDefaultSet,
        None,
        Some(id.0),
        json!({"project_id": chosen.project_id, "status_id": id}),
    );
    Ok(chosen)
}

/// Positions become the list's order (0-based); the list must name every status exactly once.
pub(super) fn reorder(s: &mut Stage<'_>, ids: &[TaskStatusId]) -> Result<()> {
    access::require(s.state, s.caller, TASKS_WRITE)?;
    if ids.is_empty() {
        return Err(Error::bad_request("status_ids must not be empty"));
    }
    let given: HashSet<TaskStatusId> = ids.iter().copied().collect();
    let existing: HashSet<TaskStatusId> = s.state.statuses.keys().copied().collect();
    if given.len() != ids.len() || given != existing {
        return Err(Error::invalid(
            codes::TASK_STATUS_REORDER_INVALID,
            "task status: provided status IDs do not match the project's statuses",
        ));
    }
    for (position, id) in ids.iter().enumerate() {
        if let Some(status) = s.state.statuses.get(id) {
            let position = i32::try_from(position).unwrap_or(i32::MAX);
            if status.position != position {
                let mut status = status.clone();
                status.position = position;
                status.updated_at = s.now;
                s.put(Change::Status(status));
            }
        }
    }
    let project_id = s.state.live_project().map(|p| p.id).unwrap_or_default();
    s.emit(
        EventKind::StatusesReordered,
        None,
        None,
        json!({"project_id": project_id, "status_ids": ids}),
    );
    Ok(())
}
