//! Commands: every project-scoped write. Each command is a type implementing
//! [`ProjectCommand`], whose `Reply` is what the caller gets back once it is durable. Each file
//! owns one family: its command types, their validation, the row images they stage and the
//! events they emit. [`stage`] runs one command against the actor's working state; nothing is
//! visible to readers until the batch commits.

/// Declares a command type and how it stages, in its family's file:
/// `command!(Name { field: Type, .. } -> Reply, |c, s| body)`, with a tuple struct
/// `Name(Type, ..)` or a unit struct `Name`. `c` is bound to `&self` (a pattern), `s` to the
/// [`Stage`].
macro_rules! command {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident : $ty:ty),* $(,)? }
     -> $reply:ty, |$c:pat_param, $s:ident| $body:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        pub struct $name { $($(#[$fdoc])* pub $field: $ty),* }
        command!(@stage $name -> $reply, |$c, $s| $body);
    };
    ($(#[$doc:meta])* $name:ident ( $($ty:ty),* $(,)? )
     -> $reply:ty, |$c:pat_param, $s:ident| $body:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        pub struct $name($(pub $ty),*);
        command!(@stage $name -> $reply, |$c, $s| $body);
    };
    ($(#[$doc:meta])* $name:ident -> $reply:ty, |$c:pat_param, $s:ident| $body:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub struct $name;
        command!(@stage $name -> $reply, |$c, $s| $body);
    };
    (@stage $name:ident -> $reply:ty, |$c:pat_param, $s:ident| $body:expr) => {
        impl $crate::project::command::ProjectCommand for $name {
            type Reply = $reply;

            fn stage(
                &self,
                $s: &mut $crate::project::command::Stage<'_>,
            ) -> $crate::error::Result<$reply> {
                let $c = self;
                $body
            }
        }
    };
}

mod agent_tools;
mod agents;
mod comments;
mod custom_fields;
mod doc_comments;
mod doc_files;
mod docs;
mod documents;
mod files;
mod links;
mod members;
mod project;
mod roles;
mod sprints;
mod statuses;
mod task_types;
mod tasks;
pub mod views;

pub use agent_tools::{
    AddAgentMcpServer, AddAgentSkill, DeleteAgentMcpServer, DeleteAgentSkill, McpSpec, SkillSpec,
    UpdateAgentMcpServer, UpdateAgentSkill,
};
pub use agents::{
    AgentChanges, CreateAgent, DeleteAgent, DeleteAgentEnvVar, NewAgent, RecordAgentSession,
    SetAgentEnvVar, UpdateAgent, UpdateAgentEnvVar,
};
pub use comments::{AddComment, CommentView, DeleteComment, OnComment, UpdateComment};
pub use custom_fields::{
    CreateCustomField, CustomFieldChanges, DeleteCustomField, NewCustomField, UpdateCustomField,
};
pub use doc_comments::{AddDocComment, DeleteDocComment, UpdateDocComment};
pub use doc_files::{AttachDocFile, DetachDocFile};
pub use docs::{CreateDocFolder, DeleteDocFolder, UpdateDocFolder};
pub use documents::{
    ContentChange, CreateDocument, DeleteDocument, RecordLiveEdit, UpdateDocument, check_update,
    clean_title,
};
pub use files::{AttachFile, DetachFile};
pub use links::{AddLink, RemoveLink};
pub use members::{AddMember, MemberProfile, RemoveMember, UpdateMemberRole};
pub use project::{CreateProject, DeleteProject, NewProject, ProjectChanges, UpdateProject};
pub use roles::{CreateRole, DeleteRole, UpdateRole};
pub use sprints::{
    CompleteSprint, CreateSprint, DeleteSprint, NewSprint, SprintChanges, UpdateSprint,
};
pub use statuses::{
    CreateStatus, DeleteStatus, NewStatus, ReorderStatuses, SetDefaultStatus, StatusChanges,
    UpdateStatus,
};
pub use task_types::{
    CreateTaskType, DeleteTaskType, NewTaskType, SetDefaultTaskType, TaskTypeChanges,
    UpdateTaskType,
};
pub use tasks::{CreateTask, DeleteTask, NewTask, TaskChanges, UpdateTask};
pub use views::{
    CreateView, DeleteView, NewView, PlaceTasks, PositionUpdate, ReorderViews, UpdateView,
    ViewChanges,
};

use super::access::Caller;
use super::batch::{Change, Event};
use super::events::EventKind;
use super::model::{Member, TaskType};
use super::state::ProjectState;
use crate::error::Result;
use crate::ids::{EventId, MemberId, ProjectId, TaskId};
use crate::store::Store;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A write to one project. Each command is its own type, declared in its family's file next to
/// the function that stages it, and fixes the type it replies with once durable.
pub trait ProjectCommand: Send + 'static {
    /// What the caller gets back once the command is durable.
    type Reply: Send + 'static;

    /// Validates the command against the working state and stages its row images and events.
    /// Pure: what a command needs from outside its project it gets in [`resolve`].
    ///
    /// [`resolve`]: ProjectCommand::resolve
    fn stage(&self, s: &mut Stage<'_>) -> Result<Self::Reply>;

    /// Whether this command creates the project (the only kind valid before it exists).
    fn creates_project(&self) -> bool {
        false
    }

    /// Fills in what the command needs from outside the project, once, before it is first
    /// staged. A command staged again (after a reload or a refused batch) keeps what it found.
    fn resolve(&mut self, outside: Outside<'_>) -> impl Future<Output = ()> + Send {
        let _ = outside;
        async {}
    }
}

/// What a command may consult before it is staged: the project's working state and the store.
pub struct Outside<'a> {
    pub project_id: ProjectId,
    pub state: &'a ProjectState,
    pub store: &'a dyn Store,
}

/// A partial update as a function of the current state (PATCH applied in the actor).
#[derive(Clone)]
pub struct SpecChange<T>(pub std::sync::Arc<dyn Fn(T) -> T + Send + Sync>);

impl<T> std::fmt::Debug for SpecChange<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SpecChange(…)")
    }
}

/// One command's staged effects: the row images it writes and its events, numbered.
pub struct Staged {
    pub changes: Vec<Change>,
    pub events: Vec<Event>,
}

/// Collects a command's effects. Changes are applied to the working state only when the
/// whole command succeeds, so a failed command leaves nothing behind.
pub struct Stage<'a> {
    project: ProjectId,
    pub state: &'a ProjectState,
    pub caller: &'a Caller,
    pub now: DateTime<Utc>,
    changes: Vec<Change>,
    events: Vec<PendingEvent>,
}

struct PendingEvent {
    kind: EventKind,
    actor_member_id: Option<MemberId>,
    task_id: Option<TaskId>,
    subject_id: Option<Uuid>,
    payload: serde_json::Value,
}

impl<'a> Stage<'a> {
    pub(crate) fn new(
        project: ProjectId,
        state: &'a ProjectState,
        caller: &'a Caller,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            project,
            state,
            caller,
            now,
            changes: Vec::new(),
            events: Vec::new(),
        }
    }

    /// The project this stage writes to.
    pub fn project_id(&self) -> ProjectId {
        self.project
    }

    pub fn put(&mut self, change: Change) {
        self.changes.push(change);
    }

    /// Task types staged so far by this command (project creation seeds them).
    pub fn changes_task_types(&self) -> impl Iterator<Item = &TaskType> {
        self.changes.iter().filter_map(|c| match c {
            Change::TaskType(t) => Some(t),
            _ => None,
        })
    }

    /// The caller's membership, if any (actor of events).
    pub fn caller_member(&self) -> Option<&'a Member> {
        match self.caller.agent_member {
            Some(member) => self.state.live_member(member),
            None => self.caller.user_id.and_then(|u| self.state.member_of(u)),
        }
    }

    pub fn emit(
        &mut self,
        kind: EventKind,
        task_id: Option<TaskId>,
        subject_id: Option<Uuid>,
        payload: serde_json::Value,
    ) {
        let actor_member_id = self.caller_member().map(|m| m.id);
        self.events.push(PendingEvent {
            kind,
            actor_member_id,
            task_id,
            subject_id,
            payload,
        });
    }

    fn finish(self, project_id: ProjectId, mut seq: i64) -> Staged {
        let actor_user_id = self.caller.user_id;
        let at = self.now;
        let events = self
            .events
            .into_iter()
            .map(|e| {
                seq += 1;
                Event {
                    project_id,
                    seq,
                    id: EventId::new(),
                    kind: e.kind,
                    actor_user_id,
                    actor_member_id: e.actor_member_id,
                    task_id: e.task_id,
                    subject_id: e.subject_id,
                    at,
                    payload: e.payload,
                    encoded: Default::default(),
                }
            })
            .collect();
        Staged {
            changes: self.changes,
            events,
        }
    }
}

/// Runs one command against the working state: pure, so it can be tested directly. On success
/// the caller applies the changes to the working state and advances its sequence by the number
/// of events; the reply is held until the batch commits.
pub fn stage<C: ProjectCommand>(
    state: &ProjectState,
    project_id: ProjectId,
    caller: &Caller,
    command: &C,
    now: DateTime<Utc>,
) -> Result<(C::Reply, Staged)> {
    let mut s = Stage::new(project_id, state, caller, now);
    let reply = command.stage(&mut s)?;
    Ok((reply, s.finish(project_id, state.event_seq)))
}

/// Trims a required name; `empty` is the error for a blank one.
fn required_name(raw: &str, max: usize, empty: crate::Error) -> Result<String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(empty);
    }
    if trimmed.chars().count() > max {
        return Err(crate::Error::bad_request(format!(
            "name must be at most {max} characters"
        )));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;
    use crate::permission::{PermissionMap, PermissionSet};
    use crate::project::model::{Project, Task};

    fn admin() -> Caller {
        let all: PermissionMap = [("*".to_owned(), true)].into();
        Caller {
            user_id: Some(UserId::new()),
            username: "admin".into(),
            full_name: "Admin".into(),
            global: PermissionSet::from_map(&all),
            ..Caller::default()
        }
    }

    /// Stages a command and applies its changes, as the actor does with its working state.
    fn run<C: ProjectCommand>(
        state: &mut ProjectState,
        id: ProjectId,
        caller: &Caller,
        command: &C,
    ) -> Result<C::Reply> {
        let (reply, staged) = stage(state, id, caller, command, crate::clock::now())?;
        for change in &staged.changes {
            state.apply(change);
        }
        state.event_seq += staged.events.len() as i64;
        Ok(reply)
    }

    #[test]
    fn each_command_fixes_its_reply_type() {
        let (mut state, id, caller) = (ProjectState::default(), ProjectId::new(), admin());
        let new = NewProject {
            name: "Typed".into(),
            ..NewProject::default()
        };
        let project: Project =
            run(&mut state, id, &caller, &CreateProject(new)).expect("project created");
        assert_eq!(project.id, id);
        let new = NewTask {
            title: "First".into(),
            ..NewTask::default()
        };
        let task: std::sync::Arc<Task> =
            run(&mut state, id, &caller, &CreateTask(new)).expect("task created");
        assert_eq!(
            state.live_task(task.id).map(|t| t.title.as_str()),
            Some("First")
        );
        let delete = DeleteTask {
            task_id: task.id,
            expected_version: None,
        };
        let () = run(&mut state, id, &caller, &delete).expect("task deleted");
        assert!(state.live_task(task.id).is_none());
    }

    #[test]
    fn a_refused_command_stages_nothing() {
        let (mut state, id, caller) = (ProjectState::default(), ProjectId::new(), admin());
        let new = NewProject {
            name: "Typed".into(),
            ..NewProject::default()
        };
        run(&mut state, id, &caller, &CreateProject(new)).expect("project created");
        let seq = state.event_seq;
        let blank = NewTask {
            title: "   ".into(),
            ..NewTask::default()
        };
        assert!(run(&mut state, id, &caller, &CreateTask(blank)).is_err());
        assert_eq!(state.event_seq, seq);
        assert!(state.tasks.is_empty());
    }
}
