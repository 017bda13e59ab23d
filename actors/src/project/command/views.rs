//! Views of a sprint, the backlog or the timeline, their tab order, and manual task order.
//!
//! Positions are floats clients place between neighbours (Paca's midpoint scheme). Unlike
//! Paca, the server keeps them healthy: when a move leaves two neighbours of a group too close
//! to split again, the whole group is renumbered in the same batch, with one event.

use super::{Stage, required_name};
use crate::error::{Error, Result, codes};
use crate::ids::{SprintId, TaskId, ViewId};
use crate::project::access::{self, SPRINTS_WRITE, TASKS_WRITE};
use crate::project::batch::Change;
use crate::project::events::EventKind;
use crate::project::model::StatusCategory;
use crate::project::planning::{Sprint, TaskPosition, View, ViewContext, ViewType};
use serde_json::{Map, Value, json};
use std::collections::{HashMap, HashSet};

command!(CreateView(NewView) -> View, |Self(new), s| create(s, new));
command!(UpdateView(ViewId, ViewChanges) -> View, |Self(id, changes), s| update(s, *id, changes));
command!(DeleteView(ViewId) -> (), |Self(id), s| delete(s, *id));
command!(ReorderViews { context: String, sprint_id: Option<SprintId>, view_ids: Vec<ViewId> } -> (),
    |c, s| reorder(s, &c.context, c.sprint_id, &c.view_ids));
command!(
    PlaceTasks(ViewId, Vec<PositionUpdate>) -> (),
    |Self(id, updates), s| place(s, *id, updates)
);

const NAME_MAX: usize = 100;
/// Positions live in [0, 2^53): every integer there is exact in a float.
pub const POSITION_MAX: f64 = 9_007_199_254_740_992.0;
/// Renumbered groups are spaced this far apart.
pub const POSITION_STEP: f64 = 1024.0;
pub const GROUP_KEY_MAX: usize = 200;
/// Most positions one bulk update may set.
pub const BULK_MAX: usize = 1000;

#[derive(Clone, Debug, Default)]
pub struct NewView {
    pub context: String,
    pub sprint_id: Option<SprintId>,
    pub name: String,
    pub view_type: Option<String>,
    pub config: Option<Map<String, Value>>,
    pub position: Option<f64>,
}

#[derive(Clone, Debug, Default)]
pub struct ViewChanges {
    pub name: Option<String>,
    pub view_type: Option<String>,
    pub config: Option<Map<String, Value>>,
    pub position: Option<f64>,
}

/// One task's requested place in a view.
#[derive(Clone, Debug)]
pub struct PositionUpdate {
    pub task_id: TaskId,
    pub position: f64,
    pub group_key: Option<String>,
}

pub(crate) fn view_not_found() -> Error {
    Error::not_found(codes::VIEW_NOT_FOUND, "sprint view: not found")
}

fn view_type(raw: Option<&str>) -> Result<ViewType> {
    match raw {
        None | Some("") => Ok(ViewType::Table),
        Some(raw) => ViewType::parse(raw).ok_or_else(|| {
            Error::invalid(codes::VIEW_TYPE_INVALID, "sprint view: invalid view type")
        }),
    }
}

fn name_invalid() -> Error {
    Error::invalid(
        codes::VIEW_NAME_INVALID,
        "sprint view: name is empty or invalid",
    )
}

fn finite(position: f64, field: &str) -> Result<f64> {
    if position.is_finite() && (0.0..POSITION_MAX).contains(&position) {
        Ok(position)
    } else {
        Err(Error::invalid(
            codes::VIEW_POSITION_INVALID,
            format!("{field} must be a number from 0 up to 2^53"),
        ))
    }
}

/// The context and sprint a request names, checked against the project.
pub fn resolve_context(
    state: &crate::project::state::ProjectState,
    context: &str,
    sprint: Option<SprintId>,
) -> Result<(ViewContext, Option<SprintId>)> {
    let context = ViewContext::parse(if context.is_empty() {
        "sprint"
    } else {
        context
    })
    .ok_or_else(|| Error::bad_request("invalid context: must be sprint, backlog, or timeline"))?;
    if context != ViewContext::Sprint {
        return Ok((context, None));
    }
    let sprint = sprint.ok_or_else(|| Error::bad_request("sprint_id is required"))?;
    if !state.sprints.contains_key(&sprint) {
        return Err(super::sprints::sprint_not_found());
    }
    Ok((context, Some(sprint)))
}

fn view(
    s: &Stage<'_>,
    sprint: Option<SprintId>,
    context: ViewContext,
    name: &str,
    view_type: ViewType,
    position: f64,
    config: Value,
) -> View {
    View {
        id: ViewId::new(),
        project_id: s.project_id(),
        sprint_id: sprint,
        name: name.to_owned(),
        view_type,
        view_context: context,
        config: config.as_object().cloned().unwrap_or_default(),
        position,
        created_at: s.now,
        updated_at: s.now,
    }
}

fn normal_types() -> Value {
    json!({"all": false, "items": {"normal": {"all": true}}})
}

/// The backlog "Table" and timeline "Roadmap" every project starts with (Paca's defaults).
pub(super) fn seed_project_views(s: &mut Stage<'_>, epic: Option<crate::ids::TaskTypeId>) {
    let table = view(
        s,
        None,
        ViewContext::Backlog,
        "Table",
        ViewType::Table,
        0.0,
        json!({"column_by": "sprint", "filters": {"task_types": normal_types()}}),
    );
    let roadmap_config = match epic {
        Some(epic) => {
            json!({"filters": {"task_types": {"all": false, "items": {epic.to_string(): true}}}})
        }
        None => json!({}),
    };
    let roadmap = view(
        s,
        None,
        ViewContext::Timeline,
        "Roadmap",
        ViewType::Roadmap,
        0.0,
        roadmap_config,
    );
    s.put(Change::View(table));
    s.put(Change::View(roadmap));
}

/// The "Board" and "Table" every sprint starts with.
pub(super) fn seed_sprint_views(s: &mut Stage<'_>, sprint: &Sprint) {
    let filters = json!({"task_types": normal_types(), "sprints": {"all": false, "items": {sprint.id.to_string(): true}}});
    let mut backlog: Vec<_> = s
        .state
        .statuses
        .values()
        .filter(|st| st.category == StatusCategory::Backlog)
        .collect();
    backlog.sort_by_key(|st| st.position);
    let collapsed: Vec<String> = backlog.iter().map(|st| st.id.to_string()).collect();
    let mut board_config = json!({"column_by": "status", "filters": filters});
    if !collapsed.is_empty() {
        board_config["collapsed_columns"] = json!(collapsed);
    }
    let board = view(
        s,
        Some(sprint.id),
        ViewContext::Sprint,
        "Board",
        ViewType::Board,
        0.0,
        board_config,
    );
    let table = view(
        s,
        Some(sprint.id),
        ViewContext::Sprint,
        "Table",
        ViewType::Table,
        1.0,
        json!({"column_by": "status", "filters": filters}),
    );
    s.put(Change::View(board));
    s.put(Change::View(table));
}

fn payload(v: &View) -> Value {
    json!({"project_id": v.project_id, "view_id": v.id, "sprint_id": v.sprint_id, "view_context": v.view_context.as_str()})
}

pub(super) fn create(s: &mut Stage<'_>, new: &NewView) -> Result<View> {
    access::require(s.state, s.caller, SPRINTS_WRITE)?;
    let (context, sprint) = resolve_context(s.state, &new.context, new.sprint_id)?;
    if new.name.is_empty() {
        return Err(Error::bad_request("name is required"));
    }
    let name = required_name(&new.name, NAME_MAX, name_invalid())?;
    let v = View {
        config: new.config.clone().unwrap_or_default(),
        ..view(
            s,
            sprint,
            context,
            &name,
            view_type(new.view_type.as_deref())?,
            finite(new.position.unwrap_or(0.0), "position")?,
            json!({}),
        )
    };
    s.put(Change::View(v.clone()));
    s.emit(EventKind::ViewCreated, None, Some(v.id.0), payload(&v));
    Ok(v)
}

pub(super) fn update(s: &mut Stage<'_>, id: ViewId, changes: &ViewChanges) -> Result<View> {
    access::require(s.state, s.caller, SPRINTS_WRITE)?;
    let mut v = s.state.views.get(&id).cloned().ok_or_else(view_not_found)?;
    if let Some(name) = &changes.name {
        v.name = required_name(name, NAME_MAX, name_invalid())?;
    }
    if let Some(t) = &changes.view_type {
        v.view_type = view_type(Some(t))?;
    }
    if let Some(config) = &changes.config {
        v.config = config.clone();
    }
    if let Some(position) = changes.position {
        v.position = finite(position, "position")?;
    }
    v.updated_at = s.now;
    s.put(Change::View(v.clone()));
    s.emit(EventKind::ViewUpdated, None, Some(id.0), payload(&v));
    Ok(v)
}

pub(super) fn delete(s: &mut Stage<'_>, id: ViewId) -> Result<()> {
    access::require(s.state, s.caller, SPRINTS_WRITE)?;
    let v = s.state.views.get(&id).cloned().ok_or_else(view_not_found)?;
    let siblings = s
        .state
        .views
        .values()
        .filter(|o| o.view_context == v.view_context && o.sprint_id == v.sprint_id)
        .count();
    if siblings <= 1 {
        return Err(Error::conflict(
            codes::VIEW_IS_LAST_VIEW,
            "sprint view: cannot delete the last remaining view",
        ));
    }
    s.put(Change::ViewDeleted(id));
    s.emit(EventKind::ViewDeleted, None, Some(id.0), payload(&v));
    Ok(())
}

/// Sets the tab order of one context: the list must name each of its views exactly once.
pub(super) fn reorder(
    s: &mut Stage<'_>,
    context: &str,
    sprint: Option<SprintId>,
    ids: &[ViewId],
) -> Result<()> {
    access::require(s.state, s.caller, SPRINTS_WRITE)?;
    let (context, sprint) = resolve_context(s.state, context, sprint)?;
    if ids.is_empty() {
        return Err(Error::bad_request("view_ids must not be empty"));
    }
    let existing: HashSet<ViewId> = s
        .state
        .views
        .values()
        .filter(|v| v.view_context == context && v.sprint_id == sprint)
        .map(|v| v.id)
        .collect();
    let given: HashSet<ViewId> = ids.iter().copied().collect();
    if given.len() != ids.len() || given != existing {
        return Err(Error::invalid(
            codes::VIEW_REORDER_INVALID,
            "sprint view: provided view IDs do not match the context's views",
        ));
    }
    for (i, id) in ids.iter().enumerate() {
        if let Some(v) = s.state.views.get(id).filter(|v| v.position != i as f64) {
            let mut v = v.clone();
            v.position = i as f64;
            v.updated_at = s.now;
            s.put(Change::View(v));
        }
    }
    s.emit(EventKind::ViewsReordered, None, None, json!({"project_id": s.project_id(), "view_context": context.as_str(), "sprint_id": sprint, "view_ids": ids}));
    Ok(())
}

/// Places tasks in a view; renumbers any group whose neighbours end up too close.
pub(super) fn place(s: &mut Stage<'_>, id: ViewId, updates: &[PositionUpdate]) -> Result<()> {
    access::require(s.state, s.caller, TASKS_WRITE)?;
    let v = s.state.views.get(&id).cloned().ok_or_else(view_not_found)?;
    if updates.is_empty() {
        return Err(Error::bad_request("items must not be empty"));
    }
    if updates.len() > BULK_MAX {
        return Err(Error::bad_request(format!(
            "at most {BULK_MAX} items per request"
        )));
    }
    let mut placed: HashMap<TaskId, TaskPosition> = s
        .state
        .positions
        .get(&id)
        .map(|p| p.iter().map(|(k, v)| (*k, v.clone())).collect())
        .unwrap_or_default();
    let mut touched_groups: Vec<Option<String>> = Vec::new();
    for u in updates {
        if s.state.live_task(u.task_id).is_none() {
            return Err(super::tasks::task_not_found());
        }
        if u.group_key
            .as_ref()
            .is_some_and(|g| g.chars().count() > GROUP_KEY_MAX)
        {
            return Err(Error::bad_request(format!(
                "group_key must be at most {GROUP_KEY_MAX} characters"
            )));
        }
        let p = TaskPosition {
            view_id: id,
            task_id: u.task_id,
            position: finite(u.position, "position")?,
            group_key: u.group_key.clone(),
        };
        if !touched_groups.contains(&p.group_key) {
            touched_groups.push(p.group_key.clone());
        }
        placed.insert(u.task_id, p);
    }
    let mut changed: HashMap<TaskId, TaskPosition> = updates
        .iter()
        .filter_map(|u| placed.get(&u.task_id).map(|p| (u.task_id, p.clone())))
        .collect();
    let mut renumbered = Vec::new();
    for group in touched_groups {
        let mut members: Vec<&TaskPosition> =
            placed.values().filter(|p| p.group_key == group).collect();
        members.sort_by(|a, b| {
            a.position.total_cmp(&b.position).then_with(|| {
                let created = |t: TaskId| s.state.tasks.get(&t).map(|t| (t.created_at, t.id));
                created(a.task_id).cmp(&created(b.task_id))
            })
        });
        if crowded(&members) {
            for (i, p) in members.iter().enumerate() {
                let mut p = (*p).clone();
                p.position = (i as f64 + 1.0) * POSITION_STEP;
                changed.insert(p.task_id, p);
            }
            renumbered.push(group.clone());
        }
    }
    let mut changed: Vec<TaskPosition> = changed.into_values().collect();
    changed.sort_by_key(|p| p.task_id);
    for p in &changed {
        s.put(Change::Position(p.clone()));
    }
    let mut payload = json!({"project_id": v.project_id, "view_id": id, "task_ids": updates.iter().map(|u| u.task_id).collect::<Vec<_>>(), "renumbered_groups": renumbered});
    // Every place the write changed, so followers apply them without reading the view's
    // positions again; a renumbered group too large for one event makes them read it.
    if changed.len() <= POSITIONS_IN_EVENT_MAX {
        payload["positions"] = changed
            .iter()
            .map(
                |p| json!({"task_id": p.task_id, "position": p.position, "group_key": p.group_key}),
            )
            .collect();
    }
    s.emit(EventKind::TaskPositionsUpdated, None, Some(id.0), payload);
    Ok(())
}

/// Most changed places a `view.task_positions.updated` event lists.
const POSITIONS_IN_EVENT_MAX: usize = 1000;

/// Whether two neighbours are so close that a midpoint between them would not be distinct.
fn crowded(sorted: &[&TaskPosition]) -> bool {
    sorted.windows(2).any(|w| {
        let (a, b) = (w[0].position, w[1].position);
        b - a <= a.abs().max(1.0) * 1e-9
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(position: f64) -> TaskPosition {
        TaskPosition {
            view_id: ViewId::new(),
            task_id: TaskId::new(),
            position,
            group_key: None,
        }
    }

    #[test]
    fn crowding() {
        let (a, b, c) = (p(1.0), p(2.0), p(1.0 + 1e-12));
        assert!(!crowded(&[&a, &b]));
        assert!(crowded(&[&a, &c]));
        let (x, y) = (p(1e15), p(1e15 + 0.5));
        assert!(crowded(&[&x, &y]));
        let (same1, same2) = (p(5.0), p(5.0));
        assert!(crowded(&[&same1, &same2]));
    }
}
