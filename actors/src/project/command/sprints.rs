//! Sprints: planned, active, completed. Creating one seeds its Board and Table views;
//! completing one moves its unfinished tasks on; deleting one sends its tasks to the backlog.

use super::views::seed_sprint_views;
use super::{Stage, required_name};
use crate::error::{Error, Result, codes};
use crate::ids::SprintId;
use crate::patch::Patch;
use crate::project::access::{self, SPRINTS_WRITE};
use crate::project::batch::Change;
use crate::project::events::EventKind;
use crate::project::model::StatusCategory;
use crate::project::planning::{Sprint, SprintStatus};
use chrono::NaiveDate;
use serde_json::json;

command!(CreateSprint(NewSprint) -> Sprint, |Self(new), s| create(s, new));
command!(UpdateSprint(SprintId, SprintChanges) -> Sprint,
    |Self(id, changes), s| update(s, *id, changes));
command!(DeleteSprint(SprintId) -> (), |Self(id), s| delete(s, *id));
command!(CompleteSprint { sprint_id: SprintId, move_to: Option<SprintId> } -> Sprint,
    |c, s| complete(s, c.sprint_id, c.move_to));

const NAME_MAX: usize = 200;
const GOAL_MAX: usize = 2_000;

#[derive(Clone, Debug, Default)]
pub struct NewSprint {
    pub name: String,
    pub goal: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub status: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct SprintChanges {
    /// Empty leaves the name as it is (Paca).
    pub name: Option<String>,
    pub goal: Patch<String>,
    pub start_date: Patch<NaiveDate>,
    pub end_date: Patch<NaiveDate>,
    pub status: Option<String>,
}

pub(crate) fn sprint_not_found() -> Error {
    Error::not_found(codes::SPRINT_NOT_FOUND, "sprint: not found")
}

fn status(raw: &str) -> Result<SprintStatus> {
    SprintStatus::parse(raw)
        .ok_or_else(|| Error::invalid(codes::SPRINT_STATUS_INVALID, "sprint: invalid status value"))
}

fn check(sprint: &Sprint) -> Result<()> {
    if let (Some(start), Some(end)) = (sprint.start_date, sprint.end_date)
        && end < start
    {
        return Err(Error::invalid(
            codes::SPRINT_DATES_INVALID,
            "sprint: end_date must not be before start_date",
        ));
    }
    if sprint
        .goal
        .as_ref()
        .is_some_and(|g| g.chars().count() > GOAL_MAX)
    {
        return Err(Error::bad_request(format!(
            "goal must be at most {GOAL_MAX} characters"
        )));
    }
    Ok(())
}

fn name_invalid() -> Error {
    Error::invalid(
        codes::SPRINT_NAME_INVALID,
        "sprint: name is empty or invalid",
    )
}

fn payload(sprint: &Sprint) -> serde_json::Value {
    json!({"project_id": sprint.project_id, "sprint_id": sprint.id, "status": sprint.status.as_str()})
}

pub(super) fn create(s: &mut Stage<'_>, new: &NewSprint) -> Result<Sprint> {
    access::require(s.state, s.caller, SPRINTS_WRITE)?;
    if new.name.is_empty() {
        return Err(Error::bad_request("name is required"));
    }
    let sprint = Sprint {
        id: SprintId::new(),
        project_id: s.project_id(),
        name: required_name(&new.name, NAME_MAX, name_invalid())?,
        goal: new.goal.clone(),
        start_date: new.start_date,
        end_date: new.end_date,
        status: match new.status.as_deref() {
            None | Some("") => SprintStatus::Planned,
            Some(raw) => status(raw)?,
        },
        created_at: s.now,
        updated_at: s.now,
    };
    check(&sprint)?;
    s.put(Change::Sprint(sprint.clone()));
    seed_sprint_views(s, &sprint);
    s.emit(
        EventKind::SprintCreated,
        None,
        Some(sprint.id.0),
        payload(&sprint),
    );
    Ok(sprint)
}

pub(super) fn update(s: &mut Stage<'_>, id: SprintId, changes: &SprintChanges) -> Result<Sprint> {
    access::require(s.state, s.caller, SPRINTS_WRITE)?;
    let mut sprint = s
        .state
        .sprints
        .get(&id)
        .cloned()
        .ok_or_else(sprint_not_found)?;
    if let Some(name) = changes.name.as_deref().filter(|n| !n.trim().is_empty()) {
        sprint.name = required_name(name, NAME_MAX, name_invalid())?;
    }
    sprint.goal = changes.goal.clone().apply_to(sprint.goal);
    sprint.start_date = changes.start_date.clone().apply_to(sprint.start_date);
    sprint.end_date = changes.end_date.clone().apply_to(sprint.end_date);
    if let Some(raw) = changes.status.as_deref() {
        sprint.status = status(raw)?;
    }
    check(&sprint)?;
    sprint.updated_at = s.now;
    s.put(Change::Sprint(sprint.clone()));
    s.emit(EventKind::SprintUpdated, None, Some(id.0), payload(&sprint));
    Ok(sprint)
}

/// Moves the sprint's live tasks matching `which` to `target` (or the backlog).
fn move_tasks(
    s: &mut Stage<'_>,
    from: SprintId,
    target: Option<SprintId>,
    which: impl Fn(&crate::project::model::Task) -> bool,
) -> Vec<String> {
    let mut moved = Vec::new();
    let tasks: Vec<_> = s
        .state
        .tasks
        .values()
        .filter(|t| t.deleted_at.is_none() && t.sprint_id == Some(from.0) && which(t))
        .map(|t| (**t).clone())
        .collect();
    for mut task in tasks {
        task.sprint_id = target.map(|t| t.0);
        task.version += 1;
        task.updated_at = s.now;
        moved.push(task.id.to_string());
        s.put(Change::Task(std::sync::Arc::new(task)));
    }
    moved.sort();
    moved
}

pub(super) fn delete(s: &mut Stage<'_>, id: SprintId) -> Result<()> {
    access::require(s.state, s.caller, SPRINTS_WRITE)?;
    let sprint = s
        .state
        .sprints
        .get(&id)
        .cloned()
        .ok_or_else(sprint_not_found)?;
    let moved = move_tasks(s, id, None, |_| true);
    let views: Vec<_> = s
        .state
        .views
        .values()
        .filter(|v| v.sprint_id == Some(id))
        .map(|v| v.id)
        .collect();
    for view in views {
        s.put(Change::ViewDeleted(view));
    }
    s.put(Change::SprintDeleted(id));
    s.emit(
        EventKind::SprintDeleted,
        None,
        Some(id.0),
        json!({"project_id": sprint.project_id, "sprint_id": id, "moved_task_ids": moved}),
    );
    Ok(())
}

/// Completes the sprint; tasks whose status is not in the `done` category move to `target`
/// (a sprint of this project that is not completed) or to the backlog.
pub(super) fn complete(
    s: &mut Stage<'_>,
    id: SprintId,
    target: Option<SprintId>,
) -> Result<Sprint> {
    access::require(s.state, s.caller, SPRINTS_WRITE)?;
    let mut sprint = s
        .state
        .sprints
        .get(&id)
        .cloned()
        .ok_or_else(sprint_not_found)?;
    if sprint.status == SprintStatus::Completed {
        return Err(Error::conflict(
            codes::SPRINT_ALREADY_COMPLETE,
            "sprint: already completed",
        ));
    }
    if let Some(target) = target {
        let t = s.state.sprints.get(&target).ok_or_else(sprint_not_found)?;
        if target == id || t.status == SprintStatus::Completed {
            return Err(Error::invalid(
                codes::SPRINT_STATUS_INVALID,
                "sprint: unfinished tasks can only move to another sprint that is not completed",
            ));
        }
    }
    let done: Vec<_> = s
        .state
        .statuses
        .values()
        .filter(|st| st.category == StatusCategory::Done)
        .map(|st| st.id)
        .collect();
    let moved = move_tasks(s, id, target, |t| {
        t.status_id.is_none_or(|st| !done.contains(&st))
    });
    sprint.status = SprintStatus::Completed;
    sprint.updated_at = s.now;
    s.put(Change::Sprint(sprint.clone()));
    s.emit(
        EventKind::SprintCompleted,
        None,
        Some(id.0),
        json!({"project_id": sprint.project_id, "sprint_id": id, "move_to_sprint_id": target, "moved_task_ids": moved}),
    );
    Ok(sprint)
}
