//! Links between tasks of one project: `blocks`, `relates_to`, `duplicates` (read from the
//! other end as `is_blocked_by`, `relates_to`, `is_duplicated_by`).

use super::Stage;
use super::tasks::task_not_found;
use crate::error::{Error, Result, codes};
use crate::ids::{LinkId, TaskId};
use crate::project::access::{self, TASKS_WRITE};
use crate::project::batch::Change;
use crate::project::events::EventKind;
use crate::project::planning::{LinkType, TaskLink};
use crate::project::query::LinkView;
use serde_json::json;

/// Links a task to another (possibly in another project: Paca refuses those).
#[derive(Clone, Debug)]
pub struct AddLink {
    pub task_id: TaskId,
    pub target_task_id: TaskId,
    pub link_type: String,
    /// The target exists in another project; found out before staging.
    pub target_elsewhere: bool,
}

impl super::ProjectCommand for AddLink {
    type Reply = LinkView;

    fn stage(&self, s: &mut Stage<'_>) -> Result<LinkView> {
        add(
            s,
            self.task_id,
            self.target_task_id,
            &self.link_type,
            self.target_elsewhere,
        )
    }

    async fn resolve(&mut self, outside: super::Outside<'_>) {
        if self.target_elsewhere || outside.state.live_task(self.target_task_id).is_some() {
            return;
        }
        self.target_elsewhere = matches!(
            outside.store.task_project(self.target_task_id).await,
            Ok(Some(project)) if project != outside.project_id
        );
    }
}

command!(RemoveLink { task_id: TaskId, link_id: LinkId } -> (),
    |c, s| remove(s, c.task_id, c.link_id));

fn link_not_found() -> Error {
    Error::not_found(codes::TASK_LINK_NOT_FOUND, "task link: not found")
}

pub(super) fn add(
    s: &mut Stage<'_>,
    source: TaskId,
    target: TaskId,
    link_type: &str,
    target_elsewhere: bool,
) -> Result<LinkView> {
    access::require(s.state, s.caller, TASKS_WRITE)?;
    let link_type =
        LinkType::parse(link_type).ok_or_else(|| Error::bad_request("invalid link_type"))?;
    if source == target {
        return Err(Error::invalid(
            codes::TASK_LINK_CANNOT_LINK_TO_SELF,
            "task link: a task cannot be linked to itself",
        ));
    }
    s.state.live_task(source).ok_or_else(task_not_found)?;
    let Some(linked_task) = s.state.live_task(target).cloned() else {
        if target_elsewhere {
            return Err(Error::invalid(
                codes::TASK_LINK_CROSS_PROJECT,
                "task link: cannot link tasks from different projects",
            ));
        }
        return Err(task_not_found());
    };
    let duplicate = s.state.links.values().any(|l| {
        l.link_type == link_type
            && ((l.source_task_id == source && l.target_task_id == target)
                || (link_type == LinkType::RelatesTo
                    && l.source_task_id == target
                    && l.target_task_id == source))
    });
    if duplicate {
        return Err(Error::conflict(
            codes::TASK_LINK_ALREADY_EXISTS,
            "task link: this relationship already exists",
        ));
    }
    let link = TaskLink {
        id: LinkId::new(),
        project_id: s.project_id(),
        source_task_id: source,
        target_task_id: target,
        link_type,
        created_by: s.caller.user_id,
        created_at: s.now,
    };
    s.put(Change::Link(link.clone()));
    s.emit(
        EventKind::LinkAdded,
        Some(source),
        Some(link.id.0),
        json!({"task_id": source, "project_id": link.project_id, "activity_type": "task.link.added",
               "content": {"link_id": link.id, "source_task_id": source, "target_task_id": target,
                           "link_type": link_type.as_str()},
               "actor_id": s.caller.user_id, "created_at": s.now}),
    );
    Ok(LinkView {
        display_link_type: link_type.as_str(),
        link,
        linked_task,
    })
}

pub(super) fn remove(s: &mut Stage<'_>, task: TaskId, id: LinkId) -> Result<()> {
    access::require(s.state, s.caller, TASKS_WRITE)?;
    let link = s
        .state
        .links
        .get(&id)
        .filter(|l| l.source_task_id == task || l.target_task_id == task)
        .cloned()
        .ok_or_else(link_not_found)?;
    s.state.live_task(task).ok_or_else(task_not_found)?;
    s.put(Change::LinkDeleted(id));
    s.emit(
        EventKind::LinkRemoved,
        Some(task),
        Some(id.0),
        json!({"task_id": task, "project_id": link.project_id, "activity_type": "task.link.removed",
               "content": {"link_id": id, "source_task_id": link.source_task_id,
                           "target_task_id": link.target_task_id, "link_type": link.link_type.as_str()},
               "actor_id": s.caller.user_id, "created_at": s.now}),
    );
    Ok(())
}
