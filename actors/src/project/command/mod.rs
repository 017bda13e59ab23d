//! Commands: every project-scoped write. Each file owns one family: its validation, the row
//! images it stages and the events it emits. [`stage`] runs one command against the actor's
//! working state; nothing is visible to readers until the batch commits.

mod agent_tools;
mod agents;
mod comments;
mod custom_fields;
mod links;
mod members;
mod project;
mod roles;
mod sprints;
mod statuses;
mod task_types;
mod tasks;
pub mod views;

pub use agent_tools::{McpSpec, SkillSpec};
pub use agents::{AgentChanges, NewAgent};
pub use comments::CommentView;
pub use custom_fields::{CustomFieldChanges, NewCustomField};
pub use members::MemberProfile;
pub use project::{NewProject, ProjectChanges};
pub use sprints::{NewSprint, SprintChanges};
pub use statuses::{NewStatus, StatusChanges};
pub use task_types::{NewTaskType, TaskTypeChanges};
pub use tasks::{NewTask, TaskChanges};
pub use views::{NewView, PositionUpdate, ViewChanges};

use super::access::Caller;
use super::agents::{Agent, AgentEnvVar, AgentMcpServer, AgentSkill};
use super::batch::{Change, Event};
use super::events::EventKind;
use super::model::{Member, Project, ProjectRole, Task, TaskStatus, TaskType};
use super::planning::{CustomField, Sprint, View};
use super::query::LinkView;
use super::state::ProjectState;
use crate::error::Result;
use crate::ids::{
    AgentEnvVarId, AgentId, CommentId, CustomFieldId, EventId, LinkId, MemberId, ProjectRoleId,
    SprintId, TaskId, TaskStatusId, TaskTypeId, UserId, ViewId,
};
use crate::permission::PermissionMap;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A write to one project.
#[derive(Clone, Debug)]
pub enum Command {
    CreateProject(NewProject),
    UpdateProject(ProjectChanges),
    DeleteProject,
    /// `profile` is filled in by the actor from the store before staging.
    AddMember {
        user_id: UserId,
        project_role_id: ProjectRoleId,
        profile: Option<MemberProfile>,
    },
    UpdateMemberRole {
        member_id: MemberId,
        project_role_id: ProjectRoleId,
    },
    RemoveMember(MemberId),
    CreateRole {
        role_name: String,
        permissions: PermissionMap,
    },
    UpdateRole {
        role_id: ProjectRoleId,
        /// `None` keeps the name.
        role_name: Option<String>,
        permissions: Option<PermissionMap>,
    },
    DeleteRole(ProjectRoleId),
    CreateTaskType(NewTaskType),
    UpdateTaskType(TaskTypeId, TaskTypeChanges),
    DeleteTaskType(TaskTypeId),
    SetDefaultTaskType(TaskTypeId),
    CreateStatus(NewStatus),
    UpdateStatus(TaskStatusId, StatusChanges),
    DeleteStatus(TaskStatusId),
    SetDefaultStatus(TaskStatusId),
    ReorderStatuses(Vec<TaskStatusId>),
    CreateTask(Box<NewTask>),
    UpdateTask {
        task_id: TaskId,
        changes: Box<TaskChanges>,
        expected_version: Option<i64>,
    },
    DeleteTask {
        task_id: TaskId,
        expected_version: Option<i64>,
    },
    AddComment {
        task_id: TaskId,
        content: serde_json::Value,
    },
    UpdateComment {
        task_id: TaskId,
        comment_id: CommentId,
        content: serde_json::Value,
    },
    DeleteComment {
        task_id: TaskId,
        comment_id: CommentId,
    },
    CreateSprint(NewSprint),
    UpdateSprint(SprintId, SprintChanges),
    DeleteSprint(SprintId),
    CompleteSprint {
        sprint_id: SprintId,
        move_to: Option<SprintId>,
    },
    CreateView(NewView),
    UpdateView(ViewId, ViewChanges),
    DeleteView(ViewId),
    ReorderViews {
        context: String,
        sprint_id: Option<SprintId>,
        view_ids: Vec<ViewId>,
    },
    PlaceTasks(ViewId, Vec<PositionUpdate>),
    CreateCustomField(NewCustomField),
    UpdateCustomField(CustomFieldId, CustomFieldChanges),
    DeleteCustomField(CustomFieldId),
    /// `target_elsewhere` is filled in by the actor: the target exists in another project.
    AddLink {
        task_id: TaskId,
        target_task_id: TaskId,
        link_type: String,
        target_elsewhere: bool,
    },
    RemoveLink {
        task_id: TaskId,
        link_id: LinkId,
    },
    CreateAgent(Box<NewAgent>),
    UpdateAgent(AgentId, Box<AgentChanges>),
    DeleteAgent(AgentId),
    SetAgentEnvVar {
        agent_id: AgentId,
        key: String,
        value: crate::secrets::Sealed,
    },
    UpdateAgentEnvVar {
        agent_id: AgentId,
        env_var_id: AgentEnvVarId,
        key: Option<String>,
        value: Option<crate::secrets::Sealed>,
    },
    DeleteAgentEnvVar {
        agent_id: AgentId,
        env_var_id: AgentEnvVarId,
    },
    AddAgentSkill(AgentId, Box<SkillSpec>),
    UpdateAgentSkill(AgentId, crate::ids::AgentSkillId, SpecChange<SkillSpec>),
    DeleteAgentSkill(AgentId, crate::ids::AgentSkillId),
    AddAgentMcpServer(AgentId, Box<McpSpec>),
    UpdateAgentMcpServer(AgentId, crate::ids::AgentMcpServerId, SpecChange<McpSpec>),
    DeleteAgentMcpServer(AgentId, crate::ids::AgentMcpServerId),
    /// Notes in a task's activity that an agent started working on it.
    RecordAgentSession {
        task_id: TaskId,
        agent_id: AgentId,
        conversation_id: crate::ids::ConversationId,
    },
}

/// A partial update as a function of the current state (PATCH applied in the actor).
#[derive(Clone)]
pub struct SpecChange<T>(pub std::sync::Arc<dyn Fn(T) -> T + Send + Sync>);

impl<T> std::fmt::Debug for SpecChange<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SpecChange(…)")
    }
}

impl Command {
    /// Whether this command creates the project (the only one valid before it exists).
    pub fn creates_project(&self) -> bool {
        matches!(self, Self::CreateProject(_))
    }
}

/// What a command replies with once durable.
#[derive(Clone, Debug)]
pub enum Outcome {
    Project(Project),
    Member(Member),
    Role(ProjectRole),
    TaskType(TaskType),
    Status(TaskStatus),
    Task(Task),
    Comment(CommentView),
    Sprint(Sprint),
    View(View),
    CustomField(CustomField),
    /// The new link as its source task sees it.
    Link(LinkView),
    Agent(Box<Agent>),
    AgentEnvVar(AgentEnvVar),
    AgentSkill(Box<AgentSkill>),
    AgentMcpServer(Box<AgentMcpServer>),
    Done,
}

/// One command's staged effects.
pub struct Staged {
    pub changes: Vec<Change>,
    pub events: Vec<Event>,
    pub outcome: Outcome,
}

/// Collects a command's effects. Changes are applied to the working state only when the
/// whole command succeeds, so a failed command leaves nothing behind.
pub(crate) struct Stage<'a> {
    project: crate::ids::ProjectId,
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
    pub fn new(
        project: crate::ids::ProjectId,
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
    pub fn project_id(&self) -> crate::ids::ProjectId {
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

    fn finish(self, outcome: Outcome, project_id: crate::ids::ProjectId, mut seq: i64) -> Staged {
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
                }
            })
            .collect();
        Staged {
            changes: self.changes,
            events,
            outcome,
        }
    }
}

/// Runs one command against the working state. On success the caller applies the changes to
/// the working state and advances its sequence by the number of events.
pub fn stage(
    state: &ProjectState,
    project_id: crate::ids::ProjectId,
    caller: &Caller,
    command: &Command,
    now: DateTime<Utc>,
) -> Result<Staged> {
    let mut s = Stage::new(project_id, state, caller, now);
    let outcome = match command {
        Command::CreateProject(new) => project::create(&mut s, project_id, new)?,
        Command::UpdateProject(changes) => project::update(&mut s, changes)?,
        Command::DeleteProject => project::delete(&mut s)?,
        Command::AddMember {
            user_id,
            project_role_id,
            profile,
        } => members::add(&mut s, *user_id, *project_role_id, profile.as_ref())?,
        Command::UpdateMemberRole {
            member_id,
            project_role_id,
        } => members::update_role(&mut s, *member_id, *project_role_id)?,
        Command::RemoveMember(id) => members::remove(&mut s, *id)?,
        Command::CreateRole {
            role_name,
            permissions,
        } => roles::create(&mut s, role_name, permissions)?,
        Command::UpdateRole {
            role_id,
            role_name,
            permissions,
        } => roles::update(&mut s, *role_id, role_name.as_deref(), permissions.as_ref())?,
        Command::DeleteRole(id) => roles::delete(&mut s, *id)?,
        Command::CreateTaskType(new) => task_types::create(&mut s, new)?,
        Command::UpdateTaskType(id, changes) => task_types::update(&mut s, *id, changes)?,
        Command::DeleteTaskType(id) => task_types::delete(&mut s, *id)?,
        Command::SetDefaultTaskType(id) => task_types::set_default(&mut s, *id)?,
        Command::CreateStatus(new) => statuses::create(&mut s, new)?,
        Command::UpdateStatus(id, changes) => statuses::update(&mut s, *id, changes)?,
        Command::DeleteStatus(id) => statuses::delete(&mut s, *id)?,
        Command::SetDefaultStatus(id) => statuses::set_default(&mut s, *id)?,
        Command::ReorderStatuses(ids) => statuses::reorder(&mut s, ids)?,
        Command::CreateTask(new) => tasks::create(&mut s, new)?,
        Command::UpdateTask {
            task_id,
            changes,
            expected_version,
        } => tasks::update(&mut s, *task_id, changes, *expected_version)?,
        Command::DeleteTask {
            task_id,
            expected_version,
        } => tasks::delete(&mut s, *task_id, *expected_version)?,
        Command::AddComment { task_id, content } => comments::add(&mut s, *task_id, content)?,
        Command::UpdateComment {
            task_id,
            comment_id,
            content,
        } => comments::update(&mut s, *task_id, *comment_id, content)?,
        Command::DeleteComment {
            task_id,
            comment_id,
        } => comments::delete(&mut s, *task_id, *comment_id)?,
        Command::CreateSprint(new) => sprints::create(&mut s, new)?,
        Command::UpdateSprint(id, changes) => sprints::update(&mut s, *id, changes)?,
        Command::DeleteSprint(id) => sprints::delete(&mut s, *id)?,
        Command::CompleteSprint { sprint_id, move_to } => {
            sprints::complete(&mut s, *sprint_id, *move_to)?
        }
        Command::CreateView(new) => views::create(&mut s, new)?,
        Command::UpdateView(id, changes) => views::update(&mut s, *id, changes)?,
        Command::DeleteView(id) => views::delete(&mut s, *id)?,
        Command::ReorderViews {
            context,
            sprint_id,
            view_ids,
        } => views::reorder(&mut s, context, *sprint_id, view_ids)?,
        Command::PlaceTasks(id, updates) => views::place(&mut s, *id, updates)?,
        Command::CreateCustomField(new) => custom_fields::create(&mut s, new)?,
        Command::UpdateCustomField(id, changes) => custom_fields::update(&mut s, *id, changes)?,
        Command::DeleteCustomField(id) => custom_fields::delete(&mut s, *id)?,
        Command::AddLink {
            task_id,
            target_task_id,
            link_type,
            target_elsewhere,
        } => links::add(
            &mut s,
            *task_id,
            *target_task_id,
            link_type,
            *target_elsewhere,
        )?,
        Command::RemoveLink { task_id, link_id } => links::remove(&mut s, *task_id, *link_id)?,
        Command::CreateAgent(new) => agents::create(&mut s, new)?,
        Command::UpdateAgent(id, changes) => agents::update(&mut s, *id, changes)?,
        Command::DeleteAgent(id) => agents::delete(&mut s, *id)?,
        Command::SetAgentEnvVar {
            agent_id,
            key,
            value,
        } => agents::set_env(&mut s, *agent_id, key, value)?,
        Command::UpdateAgentEnvVar {
            agent_id,
            env_var_id,
            key,
            value,
        } => agents::update_env(
            &mut s,
            *agent_id,
            *env_var_id,
            key.as_deref(),
            value.as_ref(),
        )?,
        Command::DeleteAgentEnvVar {
            agent_id,
            env_var_id,
        } => agents::delete_env(&mut s, *agent_id, *env_var_id)?,
        Command::AddAgentSkill(agent, spec) => agent_tools::add_skill(&mut s, *agent, spec)?,
        Command::UpdateAgentSkill(agent, id, change) => {
            agent_tools::update_skill(&mut s, *agent, *id, change.0.as_ref())?
        }
        Command::DeleteAgentSkill(agent, id) => agent_tools::delete_skill(&mut s, *agent, *id)?,
        Command::AddAgentMcpServer(agent, spec) => agent_tools::add_mcp(&mut s, *agent, spec)?,
        Command::UpdateAgentMcpServer(agent, id, change) => {
            agent_tools::update_mcp(&mut s, *agent, *id, change.0.as_ref())?
        }
        Command::DeleteAgentMcpServer(agent, id) => agent_tools::delete_mcp(&mut s, *agent, *id)?,
        Command::RecordAgentSession {
            task_id,
            agent_id,
            conversation_id,
        } => agents::record_session(&mut s, *task_id, *agent_id, *conversation_id)?,
    };
    Ok(s.finish(outcome, project_id, state.event_seq))
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
