//! Which of a project's rooms (`tasks`, `docs`, `workflows`) a follower may read, and which
//! room each event type belongs to.

use corral_actors::project::events::Room;

/// The rooms a follower may read, from its project role (global permissions included).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Domains {
    pub(crate) tasks: bool,
    pub(crate) docs: bool,
    pub(crate) workflows: bool,
}

impl Domains {
    /// Whether an event of this type may reach the follower: its room, from the event
    /// catalogue (`Room::of`: Paca's routing; Corral's other project events, such as sprints,
    /// views, fields and settings, travel with tasks). Notifications belong to no project
    /// room: they are private to their recipient (`user:<id>:notifications`).
    pub(crate) fn allows(self, event_type: &str) -> bool {
        match Room::of(event_type) {
            Room::Recipient => false,
            Room::Docs => self.docs,
            Room::Workflows => self.workflows,
            Room::Tasks => self.tasks,
        }
    }

    /// The rooms readable here and not in `now`.
    pub(crate) fn lost(self, now: Domains) -> Vec<&'static str> {
        [
            ("tasks", self.tasks && !now.tasks),
            ("docs", self.docs && !now.docs),
            ("workflows", self.workflows && !now.workflows),
        ]
        .into_iter()
        .filter(|(_, lost)| *lost)
        .map(|(room, _)| room)
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::Domains;

    #[test]
    fn routing_by_type_prefix() {
        let docs = Domains {
            docs: true,
            ..Domains::default()
        };
        let workflows = Domains {
            workflows: true,
            ..Domains::default()
        };
        let tasks = Domains {
            tasks: true,
            ..Domains::default()
        };
        assert!(docs.allows("doc.updated") && !docs.allows("task.updated"));
        assert!(workflows.allows("workflow.run_started") && !workflows.allows("doc.updated"));
        // Paca routes `workflow.assigned` with tasks: it changes a task's assignee.
        assert!(tasks.allows("workflow.assigned") && !workflows.allows("workflow.assigned"));
        for other in [
            "task.created",
            "sprint.updated",
            "view.reordered",
            "custom_field.deleted",
        ] {
            assert!(tasks.allows(other) && !docs.allows(other) && !workflows.allows(other));
        }
    }

    #[test]
    fn notifications_belong_to_no_project_room() {
        let all = Domains {
            tasks: true,
            docs: true,
            workflows: true,
        };
        assert!(!all.allows("notification.created"));
    }

    #[test]
    fn lost_rooms() {
        let all = Domains {
            tasks: true,
            docs: true,
            workflows: false,
        };
        let docs = Domains {
            docs: true,
            ..Domains::default()
        };
        assert_eq!(all.lost(docs), ["tasks"]);
        assert_eq!(all.lost(Domains::default()), ["tasks", "docs"]);
        assert!(docs.lost(all).is_empty());
    }
}
