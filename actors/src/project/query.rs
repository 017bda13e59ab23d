//! Reads answered from a project's committed state (its snapshot): they see every acknowledged
//! write and nothing that is not yet durable. Each query is a type ([`ProjectQuery`]) that fixes
//! its reply type.

use super::access::{
    self, AGENTS_READ, Caller, MEMBERS_READ, PROJECTS_READ, ROLES_READ, SPRINTS_READ, TASKS_READ,
};
use super::agents::{Agent, AgentEnvVar, AgentMcpServer, AgentSkill};
use super::model::{Member, Project, ProjectRole, Task, TaskStatus, TaskType};
use super::planning::{CustomField, FieldType, Sprint, TaskLink, TaskPosition, View};
use super::state::ProjectState;
use crate::error::{Error, Result, codes};
use crate::ids::{
    AgentId, CustomFieldId, MemberId, SprintId, TaskId, TaskStatusId, TaskTypeId, ViewId,
};
use crate::permission::PermissionMap;
use chrono::NaiveDate;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::sync::Arc;
use uuid::Uuid;

/// A filter on one optional reference: any value, "none" (`null`), or one of a set.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum RefFilter<T> {
    #[default]
    Any,
    /// Only tasks where the field is empty (and, with `or_in`, those in the list).
    Null {
        or_in: Vec<T>,
    },
    In(Vec<T>),
}

impl<T: PartialEq> RefFilter<T> {
    fn matches_one(&self, value: Option<&T>) -> bool {
        match self {
            Self::Any => true,
            Self::Null { or_in } => value.is_none_or(|v| or_in.contains(v)),
            Self::In(set) => value.is_some_and(|v| set.contains(v)),
        }
    }
}

/// Task list filters (Paca's query parameters).
#[derive(Clone, Debug, Default)]
pub struct TaskFilter {
    pub sprint: RefFilter<Uuid>,
    pub status: RefFilter<TaskStatusId>,
    pub assignee: RefFilter<MemberId>,
    pub task_type: RefFilter<TaskTypeId>,
    /// Takes precedence over the sprint filter.
    pub parent: Option<TaskId>,
    /// Matches the title (case-insensitive) or `#<number>`.
    pub search: Option<String>,
}

impl TaskFilter {
    /// Whether every task matches (no filter given).
    pub fn is_everything(&self) -> bool {
        self.sprint == RefFilter::Any
            && self.status == RefFilter::Any
            && self.assignee == RefFilter::Any
            && self.task_type == RefFilter::Any
            && self.parent.is_none()
            && self.search.is_none()
    }

    pub fn matches(&self, task: &Task) -> bool {
        let sprint_ok = match self.parent {
            Some(parent) => task.parent_task_id == Some(parent),
            None => self.sprint.matches_one(task.sprint_id.as_ref()),
        };
        let assignee_ok = match &self.assignee {
            RefFilter::Any => true,
            RefFilter::Null { or_in } => {
                task.assignee_ids.is_empty() || task.assignee_ids.iter().any(|a| or_in.contains(a))
            }
            RefFilter::In(set) => task.assignee_ids.iter().any(|a| set.contains(a)),
        };
        let search_ok = self.search.as_deref().is_none_or(|q| {
            let q = q.to_lowercase();
            task.title.to_lowercase().contains(&q) || format!("#{}", task.task_number).contains(&q)
        });
        sprint_ok
            && assignee_ok
            && search_ok
            && self.status.matches_one(task.status_id.as_ref())
            && self.task_type.matches_one(task.task_type_id.as_ref())
    }
}

/// Keyset position: the sort value of the last task of a page, then its creation time and id
/// (Paca's cursor fields).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskCursor {
    #[serde(rename = "ca")]
    pub created_at: DateTime<Utc>,
    pub id: TaskId,
    #[serde(rename = "sb", default, skip_serializing_if = "Option::is_none")]
    pub sort_by: Option<String>,
    #[serde(rename = "snv", default, skip_serializing_if = "Option::is_none")]
    pub num: Option<f64>,
    #[serde(rename = "ssv", default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(rename = "stv", default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct TaskPageRequest {
    pub filter: TaskFilter,
    pub page_size: usize,
    pub after: Option<TaskCursor>,
    /// `importance`, `title`, `story_points`, `start_date`, `due_date`, `created`, `manual`,
    /// or a custom field key; empty is creation order (manual order with a view).
    pub sort_by: Option<String>,
    /// Adds each task's place in this view, and orders by it unless another sort is asked.
    pub view_id: Option<ViewId>,
    /// `story_points` or a numeric custom field key; `count` or none gives no sum.
    pub sum_field: Option<String>,
}

/// A listed task with its place in the requested view.
#[derive(Clone, Debug)]
pub struct ListedTask {
    pub task: std::sync::Arc<Task>,
    pub view_position: Option<f64>,
    pub view_group_key: Option<String>,
}

#[derive(Clone, Debug)]
pub struct TaskPage {
    pub items: Vec<ListedTask>,
    pub next: Option<TaskCursor>,
    pub total_count: u64,
    pub field_sum: Option<f64>,
}

/// A link as seen from one of its tasks.
#[derive(Clone, Debug)]
pub struct LinkView {
    pub link: TaskLink,
    /// The link type, or its inverse when seen from the target.
    pub display_link_type: &'static str,
    pub linked_task: Task,
}

/// A member with their role's name.
#[derive(Clone, Debug)]
pub struct MemberView {
    pub member: Member,
    pub role_name: String,
}

/// A read of a project's committed state whose reply type is fixed by the request type.
///
/// Queries are answered from the project's snapshot ([`super::Snapshot`]) on the caller's own
/// thread, never through the actor's mailbox: they never wait behind writes. `answer` is given
/// the caller as the project sees it (an `X-Agent-ID` already resolved) and authorizes first.
pub trait ProjectQuery: Send + Sync {
    type Reply: Send + 'static;
    fn answer(&self, state: &ProjectState, caller: &Caller) -> Result<Self::Reply>;
}

/// Declares a query type and its answer: `query!(Name { fields } -> Reply, |q, state, caller| ..)`.
macro_rules! query {
    ($(#[$doc:meta])* $name:ident { $($field:ident : $ty:ty),* $(,)? } -> $reply:ty,
     |$q:pat_param, $state:ident, $caller:ident| $body:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        pub struct $name { $(pub $field: $ty),* }
        query!(@answer $name -> $reply, |$q, $state, $caller| $body);
    };
    ($(#[$doc:meta])* $name:ident -> $reply:ty,
     |$q:pat_param, $state:ident, $caller:ident| $body:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        pub struct $name;
        query!(@answer $name -> $reply, |$q, $state, $caller| $body);
    };
    (@answer $name:ident -> $reply:ty, |$q:pat_param, $state:ident, $caller:ident| $body:expr) => {
        impl ProjectQuery for $name {
            type Reply = $reply;
            fn answer(&self, $state: &ProjectState, $caller: &Caller) -> Result<$reply> {
                let $q = self;
                $body
            }
        }
    };
}

query!(
    /// The project's settings.
    GetProject -> Project,
    |_, state, caller| {
        access::require_read(state, caller, PROJECTS_READ)?;
        state
            .live_project()
            .cloned()
            .ok_or_else(|| Error::not_found(codes::PROJECT_NOT_FOUND, "project: not found"))
    }
);

query!(
    /// Live members with their role names, by username.
    ListMembers -> Vec<MemberView>,
    |_, state, caller| {
        access::require_read(state, caller, MEMBERS_READ)?;
        Ok(members(state))
    }
);

query!(
    /// The caller's own permissions in the project (members only).
    MyPermissions -> PermissionMap,
    |_, state, caller| {
        let Some(user) = caller.user_id else {
            return Err(Error::unauthorized(
                codes::AUTH_UNAUTHENTICATED,
                "unauthenticated",
            ));
        };
        let member = state
            .live_project()
            .and_then(|_| state.member_of(user))
            .ok_or_else(|| {
                Error::not_found(codes::PROJECT_MEMBER_NOT_FOUND, "project: member not found")
            })?;
        Ok(state
            .roles
            .get(&member.project_role_id)
            .map(|r| r.permissions.clone())
            .unwrap_or_default())
    }
);

query!(
    ListRoles -> Vec<ProjectRole>,
    |_, state, caller| {
        access::require_read(state, caller, ROLES_READ)?;
        Ok(roles(state))
    }
);

query!(
    ListTaskTypes -> Vec<TaskType>,
    |_, state, caller| {
        access::require_read(state, caller, TASKS_READ)?;
        Ok(task_types(state))
    }
);

query!(
    ListStatuses -> Vec<TaskStatus>,
    |_, state, caller| {
        access::require_read(state, caller, TASKS_READ)?;
        Ok(statuses(state))
    }
);

query!(
    GetTask { id: TaskId } -> Arc<Task>,
    |q, state, caller| {
        access::require_read(state, caller, TASKS_READ)?;
        live_task_arc(state, q.id).ok_or_else(task_not_found)
    }
);

query!(
    GetTaskByNumber { number: i64 } -> Arc<Task>,
    |q, state, caller| {
        access::require_read(state, caller, TASKS_READ)?;
        state
            .task_numbers
            .get(&q.number)
            .and_then(|id| live_task_arc(state, *id))
            .ok_or_else(task_not_found)
    }
);

/// One page of tasks: filters, sort, keyset cursor and sums (Paca's list).
#[derive(Clone, Debug)]
pub struct ListTasks(pub TaskPageRequest);

impl ProjectQuery for ListTasks {
    type Reply = TaskPage;
    fn answer(&self, state: &ProjectState, caller: &Caller) -> Result<TaskPage> {
        access::require_read(state, caller, TASKS_READ)?;
        list_tasks(state, &self.0)
    }
}

query!(
    /// Everything a board needs in one read: statuses, task types, members, and every live
    /// task (as shared `Arc`s: nothing is copied).
    GetBoard -> Board,
    |_, state, caller| {
        access::require_read(state, caller, TASKS_READ)?;
        let members = if access::require_read(state, caller, MEMBERS_READ).is_ok() {
            members(state)
        } else {
            Vec::new()
        };
        let tasks = state.creation_order.get(&state.tasks).to_vec();
        Ok(Board {
            project: state.live_project().cloned().ok_or_else(|| {
                Error::not_found(codes::PROJECT_NOT_FOUND, "project: not found")
            })?,
            statuses: statuses(state),
            task_types: task_types(state),
            members,
            tasks,
            seq: state.event_seq,
        })
    }
);

query!(
    ListSprints -> Vec<Sprint>,
    |_, state, caller| {
        access::require_read(state, caller, SPRINTS_READ)?;
        let mut sprints: Vec<Sprint> = state.sprints.values().cloned().collect();
        sprints.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(sprints)
    }
);

query!(
    GetSprint { id: SprintId } -> Sprint,
    |q, state, caller| {
        access::require_read(state, caller, SPRINTS_READ)?;
        state
            .sprints
            .get(&q.id)
            .cloned()
            .ok_or_else(|| Error::not_found(codes::SPRINT_NOT_FOUND, "sprint: not found"))
    }
);

query!(
    ListViews { context: String, sprint_id: Option<SprintId> } -> Vec<View>,
    |q, state, caller| {
        access::require_read(state, caller, SPRINTS_READ)?;
        let (context, sprint) =
            super::command::views::resolve_context(state, &q.context, q.sprint_id)?;
        let mut views: Vec<View> = state
            .views
            .values()
            .filter(|v| v.view_context == context && v.sprint_id == sprint)
            .cloned()
            .collect();
        views.sort_by(|a, b| {
            a.position
                .total_cmp(&b.position)
                .then(a.created_at.cmp(&b.created_at))
                .then(a.id.cmp(&b.id))
        });
        Ok(views)
    }
);

query!(
    GetView { id: ViewId } -> View,
    |q, state, caller| {
        access::require_read(state, caller, SPRINTS_READ)?;
        state.views.get(&q.id).cloned().ok_or_else(view_not_found)
    }
);

query!(
    ListTaskPositions { view: ViewId } -> Vec<TaskPosition>,
    |q, state, caller| {
        access::require_read(state, caller, TASKS_READ)?;
        state.views.get(&q.view).ok_or_else(view_not_found)?;
        let mut positions: Vec<TaskPosition> = state
            .positions
            .get(&q.view)
            .map(|p| {
                p.values()
                    .filter(|p| state.live_task(p.task_id).is_some())
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        positions.sort_by(|a, b| {
            a.position
                .total_cmp(&b.position)
                .then(a.task_id.cmp(&b.task_id))
        });
        Ok(positions)
    }
);

query!(
    /// Checks that the caller holds a permission in this project.
    Authorize { permission: &'static str } -> (),
    |q, state, caller| access::require(state, caller, q.permission)
);

query!(
    /// Before starting an agent run: the caller holds `permission`, may see the agent, and the
    /// task (if any) exists. Answers the caller's membership; with `member_required`, a caller
    /// who is not a member is refused.
    AgentRunAccess {
        permission: &'static str,
        agent: AgentId,
        task: Option<TaskId>,
        member_required: bool,
    } -> Option<MemberId>,
    |q, state, caller| {
        access::require(state, caller, q.permission)?;
        if let Some(task) = q.task {
            state.live_task(task).ok_or_else(task_not_found)?;
        }
        access::require(state, caller, AGENTS_READ)?;
        state.live_agent(q.agent).ok_or_else(agent_not_found)?;
        let member = caller
            .user_id
            .and_then(|u| state.member_of(u))
            .map(|m| m.id);
        if q.member_required && member.is_none() {
            return Err(Error::forbidden(
                "chatting with an agent needs a membership in the project",
            ));
        }
        Ok(member)
    }
);

query!(
    ListAgents -> Vec<Agent>,
    |_, state, caller| {
        access::require(state, caller, AGENTS_READ)?;
        let mut agents: Vec<Agent> = state
            .agents
            .values()
            .filter(|a| a.deleted_at.is_none())
            .cloned()
            .collect();
        agents.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(agents)
    }
);

query!(
    GetAgent { id: AgentId } -> Box<Agent>,
    |q, state, caller| {
        access::require(state, caller, AGENTS_READ)?;
        let agent = state.live_agent(q.id).cloned().ok_or_else(agent_not_found)?;
        Ok(Box::new(agent))
    }
);

query!(
    ListAgentEnvVars { agent: AgentId } -> Vec<AgentEnvVar>,
    |q, state, caller| {
        access::require(state, caller, AGENTS_READ)?;
        state.live_agent(q.agent).ok_or_else(agent_not_found)?;
        let mut vars: Vec<AgentEnvVar> = state
            .agent_env
            .values()
            .filter(|v| v.agent_id == q.agent)
            .cloned()
            .collect();
        vars.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(vars)
    }
);

query!(
    ListAgentSkills { agent: AgentId } -> Vec<AgentSkill>,
    |q, state, caller| {
        access::require(state, caller, AGENTS_READ)?;
        state.live_agent(q.agent).ok_or_else(agent_not_found)?;
        let mut skills: Vec<AgentSkill> = state
            .agent_skills
            .values()
            .filter(|k| k.agent_id == q.agent)
            .cloned()
            .collect();
        skills.sort_by(|a, b| a.skill_name.cmp(&b.skill_name));
        Ok(skills)
    }
);

query!(
    ListAgentMcpServers { agent: AgentId } -> Vec<AgentMcpServer>,
    |q, state, caller| {
        access::require(state, caller, AGENTS_READ)?;
        state.live_agent(q.agent).ok_or_else(agent_not_found)?;
        let mut servers: Vec<AgentMcpServer> = state
            .agent_mcp
            .values()
            .filter(|m| m.agent_id == q.agent)
            .cloned()
            .collect();
        servers.sort_by(|a, b| a.server_name.cmp(&b.server_name));
        Ok(servers)
    }
);

query!(
    ListCustomFields -> Vec<CustomField>,
    |_, state, caller| {
        access::require_read(state, caller, TASKS_READ)?;
        let mut fields: Vec<CustomField> = state.custom_fields.values().cloned().collect();
        fields.sort_by(|a, b| a.display_name.cmp(&b.display_name).then(a.id.cmp(&b.id)));
        Ok(fields)
    }
);

query!(
    GetCustomField { id: CustomFieldId } -> CustomField,
    |q, state, caller| {
        access::require_read(state, caller, TASKS_READ)?;
        state.custom_fields.get(&q.id).cloned().ok_or_else(|| {
            Error::not_found(codes::CUSTOM_FIELD_NOT_FOUND, "custom field: not found")
        })
    }
);

query!(
    /// The task's links, each as seen from the task.
    ListLinks { task: TaskId } -> Vec<LinkView>,
    |q, state, caller| {
        access::require_read(state, caller, TASKS_READ)?;
        state.live_task(q.task).ok_or_else(task_not_found)?;
        Ok(links_of(state, q.task))
    }
);

query!(
    /// Which live-event domains the caller may follow (realtime rooms), and the sequence the
    /// answer is as new as.
    ReadableDomains -> Domains,
    |_, state, caller| {
        let can = |p: &str| access::require_read(state, caller, p).is_ok();
        let (tasks, docs, workflows) = (can(TASKS_READ), can("docs.read"), can("workflows.read"));
        if !(tasks || docs || workflows) {
            // Decide the error as any read would (401, 403 or 404).
            access::require_read(state, caller, TASKS_READ)?;
        }
        Ok(Domains {
            tasks,
            docs,
            workflows,
            seq: state.event_seq,
        })
    }
);

query!(
    /// Authorizes a read the store answers (event log, activity feed) and checks the task.
    AuthorizeTaskRead { task: Option<TaskId> } -> (),
    |q, state, caller| {
        access::require_read(state, caller, TASKS_READ)?;
        if let Some(id) = q.task {
            state.live_task(id).ok_or_else(task_not_found)?;
        }
        Ok(())
    }
);

/// `tasks`, `docs`, `workflows`: which the caller may read, and the project's sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Domains {
    pub tasks: bool,
    pub docs: bool,
    pub workflows: bool,
    pub seq: i64,
}

/// What the board shows, read at one sequence.
#[derive(Clone, Debug)]
pub struct Board {
    pub project: Project,
    pub statuses: Vec<TaskStatus>,
    pub task_types: Vec<TaskType>,
    /// Empty when the caller may not read members.
    pub members: Vec<MemberView>,
    /// Every live task, in creation order.
    pub tasks: Vec<Arc<Task>>,
    /// The project's sequence this board is as new as.
    pub seq: i64,
}

fn live_task_arc(state: &ProjectState, id: TaskId) -> Option<Arc<Task>> {
    state
        .tasks
        .get(&id)
        .filter(|t| t.deleted_at.is_none())
        .cloned()
}

fn members(state: &ProjectState) -> Vec<MemberView> {
    let mut members: Vec<MemberView> = state
        .members
        .values()
        .filter(|m| m.deleted_at.is_none())
        .map(|m| MemberView {
            role_name: state
                .roles
                .get(&m.project_role_id)
                .map(|r| r.role_name.clone())
                .unwrap_or_default(),
            member: m.clone(),
        })
        .collect();
    members.sort_by(|a, b| a.member.username.cmp(&b.member.username));
    members
}

fn roles(state: &ProjectState) -> Vec<ProjectRole> {
    let mut roles: Vec<ProjectRole> = state.roles.values().cloned().collect();
    roles.sort_by(|a, b| a.role_name.cmp(&b.role_name));
    roles
}

fn task_types(state: &ProjectState) -> Vec<TaskType> {
    let mut types: Vec<TaskType> = state.task_types.values().cloned().collect();
    types.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    types
}

fn statuses(state: &ProjectState) -> Vec<TaskStatus> {
    let mut statuses: Vec<TaskStatus> = state.statuses.values().cloned().collect();
    statuses.sort_by(|a, b| a.position.cmp(&b.position).then(a.id.cmp(&b.id)));
    statuses
}

fn links_of(state: &ProjectState, task: TaskId) -> Vec<LinkView> {
    let mut links: Vec<LinkView> = state
        .links
        .values()
        .filter_map(|l| {
            let (other, display) = if l.source_task_id == task {
                (l.target_task_id, l.link_type.as_str())
            } else if l.target_task_id == task {
                (l.source_task_id, l.link_type.inverse())
            } else {
                return None;
            };
            Some(LinkView {
                link: l.clone(),
                display_link_type: display,
                linked_task: state.live_task(other)?.clone(),
            })
        })
        .collect();
    links.sort_by(|a, b| {
        a.link
            .created_at
            .cmp(&b.link.created_at)
            .then(a.link.id.cmp(&b.link.id))
    });
    links
}

fn agent_not_found() -> Error {
    Error::not_found(codes::AGENT_NOT_FOUND, "agent: not found")
}

fn task_not_found() -> Error {
    Error::not_found(codes::TASK_NOT_FOUND, "task: not found")
}

fn view_not_found() -> Error {
    Error::not_found(codes::VIEW_NOT_FOUND, "sprint view: not found")
}

/// How a task list is ordered. Every order ends with creation time, then id.
#[derive(Clone, Debug, PartialEq)]
enum Sort {
    Created,
    Importance,
    Title,
    StoryPoints,
    StartDate,
    DueDate,
    /// Manual order in a view; unpositioned tasks last.
    Manual,
    Number(String),
    Date(String),
    Select(String, Vec<String>),
}

/// A task's value under a sort; `Null` sorts last whatever the direction.
#[derive(Clone, Debug, PartialEq)]
enum Key {
    Null,
    Num(f64),
    Text(String),
    Day(NaiveDate),
}

impl Sort {
    fn resolve(state: &ProjectState, raw: Option<&str>, has_view: bool) -> Self {
        let fallback = if has_view {
            Sort::Manual
        } else {
            Sort::Created
        };
        match raw.map(str::trim).unwrap_or("") {
            "" | "manual" => fallback,
            "created" => Sort::Created,
            "importance" => Sort::Importance,
            "title" => Sort::Title,
            "story_points" => Sort::StoryPoints,
            "start_date" => Sort::StartDate,
            "due_date" => Sort::DueDate,
            "view_position" if has_view => Sort::Manual,
            key => match state.custom_field(key) {
                Some(f) if f.field_type == FieldType::Number => Sort::Number(key.to_owned()),
                Some(f) if f.field_type == FieldType::Date => Sort::Date(key.to_owned()),
                Some(f) if f.field_type == FieldType::Select && !f.options.is_empty() => {
                    Sort::Select(key.to_owned(), f.options.clone())
                }
                _ => fallback,
            },
        }
    }

    /// The name carried in cursors.
    fn name(&self) -> String {
        match self {
            Sort::Created => "created".into(),
            Sort::Importance => "importance".into(),
            Sort::Title => "title".into(),
            Sort::StoryPoints => "story_points".into(),
            Sort::StartDate => "start_date".into(),
            Sort::DueDate => "due_date".into(),
            Sort::Manual => "view_position".into(),
            Sort::Number(k) | Sort::Date(k) | Sort::Select(k, _) => k.clone(),
        }
    }

    fn descending(&self) -> bool {
        matches!(self, Sort::Importance | Sort::StoryPoints)
    }

    fn key(&self, task: &Task, position: Option<&TaskPosition>) -> Key {
        let custom = |k: &str| task.custom_fields.get(k);
        match self {
            Sort::Created => Key::Null,
            Sort::Importance => Key::Num(f64::from(task.importance)),
            Sort::Title => Key::Text(task.title.clone()),
            Sort::StoryPoints => task
                .story_points
                .map_or(Key::Null, |p| Key::Num(f64::from(p))),
            Sort::StartDate => task.start_date.map_or(Key::Null, Key::Day),
            Sort::DueDate => task.due_date.map_or(Key::Null, Key::Day),
            Sort::Manual => position.map_or(Key::Null, |p| Key::Num(p.position)),
            Sort::Number(k) => custom(k)
                .and_then(serde_json::Value::as_f64)
                .map_or(Key::Null, Key::Num),
            Sort::Date(k) => custom(k)
                .and_then(serde_json::Value::as_str)
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .map_or(Key::Null, Key::Day),
            Sort::Select(k, options) => {
                let index = custom(k)
                    .and_then(serde_json::Value::as_str)
                    .and_then(|v| options.iter().position(|o| o == v))
                    .unwrap_or(9999);
                Key::Num(index as f64)
            }
        }
    }

    fn compare_keys(&self, a: &Key, b: &Key) -> Ordering {
        let ordering = match (a, b) {
            (Key::Null, Key::Null) => return Ordering::Equal,
            (Key::Null, _) => return Ordering::Greater,
            (_, Key::Null) => return Ordering::Less,
            (Key::Num(x), Key::Num(y)) => x.total_cmp(y),
            (Key::Text(x), Key::Text(y)) => x
                .to_lowercase()
                .cmp(&y.to_lowercase())
                .then_with(|| x.cmp(y)),
            (Key::Day(x), Key::Day(y)) => x.cmp(y),
            _ => Ordering::Equal,
        };
        if self.descending() {
            ordering.reverse()
        } else {
            ordering
        }
    }

    fn cursor(&self, task: &Task, key: &Key) -> TaskCursor {
        let (mut num, mut text, mut date) = (None, None, None);
        match key {
            Key::Num(n) => num = Some(*n),
            Key::Text(t) => text = Some(t.clone()),
            Key::Day(d) => date = Some(d.to_string()),
            Key::Null => {}
        }
        TaskCursor {
            created_at: task.created_at,
            id: task.id,
            sort_by: (*self != Sort::Created).then(|| self.name()),
            num,
            text,
            date,
        }
    }

    fn cursor_key(&self, cursor: &TaskCursor) -> Result<Key> {
        let expected = (*self != Sort::Created).then(|| self.name());
        if cursor.sort_by.as_deref().filter(|s| *s != "created") != expected.as_deref() {
            return Err(Error::bad_request(
                "cursor was made for another sort_by; start again without it",
            ));
        }
        Ok(if let Some(n) = cursor.num {
            Key::Num(n)
        } else if let Some(t) = &cursor.text {
            Key::Text(t.clone())
        } else if let Some(d) = &cursor.date {
            Key::Day(
                NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map_err(|_| Error::bad_request("invalid cursor"))?,
            )
        } else {
            Key::Null
        })
    }
}

fn list_tasks(state: &ProjectState, request: &TaskPageRequest) -> Result<TaskPage> {
    let positions = match request.view_id {
        Some(view) => {
            state.views.get(&view).ok_or_else(view_not_found)?;
            state.positions.get(&view)
        }
        None => None,
    };
    let sort = Sort::resolve(state, request.sort_by.as_deref(), request.view_id.is_some());
    if sort == Sort::Created {
        return list_in_creation_order(state, request, positions);
    }
    list_sorted(state, request, positions, &sort)
}

/// A page under any sort: every matching task is keyed and sorted.
fn list_sorted(
    state: &ProjectState,
    request: &TaskPageRequest,
    positions: Option<&crate::shared_map::SharedMap<TaskId, TaskPosition>>,
    sort: &Sort,
) -> Result<TaskPage> {
    type Row<'a> = (&'a std::sync::Arc<Task>, Option<&'a TaskPosition>, Key);
    let mut matching: Vec<Row<'_>> = state
        .tasks
        .values()
        .filter(|t| t.deleted_at.is_none() && request.filter.matches(t))
        .map(|t| {
            let p = positions.and_then(|p| p.get(&t.id));
            (t, p, sort.key(t, p))
        })
        .collect();
    let total_count = matching.len() as u64;
    let field_sum = sum(
        matching.iter().map(|(t, _, _)| &***t),
        request.sum_field.as_deref(),
    );
    let order = |a: &Row<'_>, b_key: &Key, b_created: (DateTime<Utc>, TaskId)| {
        sort.compare_keys(&a.2, b_key)
            .then((a.0.created_at, a.0.id).cmp(&b_created))
    };
    matching.sort_by(|a, b| order(a, &b.2, (b.0.created_at, b.0.id)));
    let start = match &request.after {
        None => 0,
        Some(cursor) => {
            let key = sort.cursor_key(cursor)?;
            matching.partition_point(|item| {
                order(item, &key, (cursor.created_at, cursor.id)) != Ordering::Greater
            })
        }
    };
    let page: Vec<&Row<'_>> = matching
        .iter()
        .skip(start)
        .take(request.page_size)
        .collect();
    let next = (start + page.len() < matching.len())
        .then(|| page.last().map(|(t, _, key)| sort.cursor(t, key)))
        .flatten();
    let items = page
        .into_iter()
        .map(|(t, p, _)| ListedTask {
            task: std::sync::Arc::clone(t),
            view_position: p.map(|p| p.position),
            view_group_key: p.and_then(|p| p.group_key.clone()),
        })
        .collect();
    Ok(TaskPage {
        items,
        next,
        total_count,
        field_sum,
    })
}

/// A page in creation order, from the snapshot's sorted tasks: a cursor is a binary search,
/// and only the filter runs over every task.
fn list_in_creation_order(
    state: &ProjectState,
    request: &TaskPageRequest,
    positions: Option<&crate::shared_map::SharedMap<TaskId, TaskPosition>>,
) -> Result<TaskPage> {
    let ordered = state.creation_order.get(&state.tasks);
    let start = match &request.after {
        None => 0,
        Some(cursor) => {
            Sort::Created.cursor_key(cursor)?;
            let after = (cursor.created_at, cursor.id);
            ordered.partition_point(|t| (t.created_at, t.id) <= after)
        }
    };
    let filter = &request.filter;
    if filter.is_everything() {
        // No filter: the page is a slice of the sorted tasks.
        let page = &ordered[start.min(ordered.len())..];
        let items: Vec<ListedTask> = page
            .iter()
            .take(request.page_size)
            .map(|task| {
                let p = positions.and_then(|p| p.get(&task.id));
                ListedTask {
                    task: Arc::clone(task),
                    view_position: p.map(|p| p.position),
                    view_group_key: p.and_then(|p| p.group_key.clone()),
                }
            })
            .collect();
        let next = (page.len() > items.len())
            .then(|| {
                items
                    .last()
                    .map(|l| Sort::Created.cursor(&l.task, &Key::Null))
            })
            .flatten();
        return Ok(TaskPage {
            items,
            next,
            total_count: ordered.len() as u64,
            field_sum: sum(ordered.iter().map(|t| &**t), request.sum_field.as_deref()),
        });
    }
    let mut total_count = 0u64;
    let mut items = Vec::with_capacity(request.page_size.min(ordered.len()));
    let mut more = false;
    for (i, task) in ordered.iter().enumerate() {
        if !filter.matches(task) {
            continue;
        }
        total_count += 1;
        if i < start {
            continue;
        }
        if items.len() < request.page_size {
            let p = positions.and_then(|p| p.get(&task.id));
            items.push(ListedTask {
                task: Arc::clone(task),
                view_position: p.map(|p| p.position),
                view_group_key: p.and_then(|p| p.group_key.clone()),
            });
        } else {
            more = true;
        }
    }
    let next = if more {
        items
            .last()
            .map(|l| Sort::Created.cursor(&l.task, &Key::Null))
    } else {
        None
    };
    let field_sum = sum(
        ordered.iter().filter(|t| filter.matches(t)).map(|t| &**t),
        request.sum_field.as_deref(),
    );
    Ok(TaskPage {
        items,
        next,
        total_count,
        field_sum,
    })
}

/// The sum of a numeric field over the filtered tasks (`None` for a count).
fn sum<'a>(tasks: impl Iterator<Item = &'a Task>, field: Option<&str>) -> Option<f64> {
    match field.map(str::trim) {
        None | Some("") | Some("count") => None,
        Some("story_points") => Some(tasks.filter_map(|t| t.story_points).map(f64::from).sum()),
        Some(key) => Some(
            tasks
                .filter_map(|t| t.custom_fields.get(key).and_then(serde_json::Value::as_f64))
                .sum(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ProjectId;

    fn task(number: i64, created: DateTime<Utc>, status: TaskStatusId, deleted: bool) -> Task {
        Task {
            id: TaskId::new(),
            project_id: ProjectId::new(),
            task_number: number,
            task_type_id: None,
            status_id: Some(status),
            sprint_id: None,
            parent_task_id: None,
            title: format!("task {number}"),
            description: None,
            importance: 0,
            story_points: Some((number % 5) as i32),
            assignee_ids: Vec::new(),
            reporter_id: None,
            custom_fields: serde_json::Map::new(),
            start_date: None,
            due_date: None,
            tags: Vec::new(),
            version: 1,
            created_at: created,
            updated_at: created,
            deleted_at: deleted.then_some(created),
            wire: Default::default(),
        }
    }

    fn pages(
        state: &ProjectState,
        filter: &TaskFilter,
        size: usize,
        fast: bool,
    ) -> (Vec<TaskId>, u64, Option<f64>) {
        let mut ids = Vec::new();
        let mut after = None;
        loop {
            let request = TaskPageRequest {
                filter: filter.clone(),
                page_size: size,
                after: after.clone(),
                sum_field: Some("story_points".into()),
                ..TaskPageRequest::default()
            };
            let page = if fast {
                list_in_creation_order(state, &request, None)
            } else {
                list_sorted(state, &request, None, &Sort::Created)
            }
            .expect("page");
            ids.extend(page.items.iter().map(|l| l.task.id));
            match page.next {
                Some(next) => after = Some(next),
                None => return (ids, page.total_count, page.field_sum),
            }
        }
    }

    #[test]
    fn creation_order_pages_match_the_general_sort() {
        let statuses = [
            TaskStatusId::new(),
            TaskStatusId::new(),
            TaskStatusId::new(),
        ];
        let base = crate::clock::now();
        let mut state = ProjectState::default();
        for n in 0..300i64 {
            // Few distinct times, so ties are broken by id.
            let created = base + chrono::Duration::seconds(n % 17);
            let t = task(n, created, statuses[(n % 3) as usize], n % 11 == 0);
            state.tasks.insert(t.id, Arc::new(t));
        }
        let filters = [
            TaskFilter::default(),
            TaskFilter {
                status: RefFilter::In(vec![statuses[1]]),
                ..TaskFilter::default()
            },
        ];
        for filter in &filters {
            for size in [1, 7, 50, 500] {
                let fast = pages(&state, filter, size, true);
                let general = pages(&state, filter, size, false);
                assert_eq!(fast, general, "page size {size}");
                assert!(!fast.0.is_empty());
            }
        }
    }
}
