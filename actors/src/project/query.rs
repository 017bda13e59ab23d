//! Reads answered from a project actor's committed state: they see every acknowledged write
//! and nothing that is not yet durable.

use super::access::{
    self, AGENTS_READ, Caller, MEMBERS_READ, PROJECTS_READ, ROLES_READ, SPRINTS_READ, TASKS_READ,
};
use super::agents::{Agent, AgentEnvVar};
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

#[derive(Clone, Debug)]
pub enum Query {
    GetProject,
    ListMembers,
    MyPermissions,
    ListRoles,
    ListTaskTypes,
    ListStatuses,
    GetTask(TaskId),
    GetTaskByNumber(i64),
    ListTasks(Box<TaskPageRequest>),
    ListSprints,
    GetSprint(SprintId),
    ListViews {
        context: String,
        sprint_id: Option<SprintId>,
    },
    GetView(ViewId),
    ListTaskPositions(ViewId),
    ListCustomFields,
    GetCustomField(CustomFieldId),
    ListLinks(TaskId),
    ListAgents,
    GetAgent(AgentId),
    /// Checks that the caller holds a permission in this project (`Answer::Allowed`).
    Authorize(&'static str),
    /// Before starting an agent run: the caller holds `permission`, may see the agent, and the
    /// task (if any) exists. Answers the caller's membership (`Answer::CallerMember`); with
    /// `member_required`, a caller who is not a member is refused.
    AgentRunAccess {
        permission: &'static str,
        agent: AgentId,
        task: Option<TaskId>,
        member_required: bool,
    },
    ListAgentEnvVars(AgentId),
    ListAgentSkills(AgentId),
    ListAgentMcpServers(AgentId),
    /// Which live-event domains the caller may follow (realtime rooms).
    ReadableDomains,
    /// Authorizes a read the store answers (event log, activity feed) and checks the task.
    AuthorizeTaskRead(Option<TaskId>),
}

#[derive(Clone, Debug)]
pub enum Answer {
    Project(Project),
    Members(Vec<MemberView>),
    Permissions(PermissionMap),
    Roles(Vec<ProjectRole>),
    TaskTypes(Vec<TaskType>),
    Statuses(Vec<TaskStatus>),
    Task(Task),
    Tasks(TaskPage),
    Sprints(Vec<Sprint>),
    Sprint(Sprint),
    Views(Vec<View>),
    View(View),
    TaskPositions(Vec<TaskPosition>),
    CustomFields(Vec<CustomField>),
    CustomField(CustomField),
    Links(Vec<LinkView>),
    Agents(Vec<Agent>),
    CallerMember(Option<MemberId>),
    Agent(Box<Agent>),
    AgentEnvVars(Vec<AgentEnvVar>),
    AgentSkills(Vec<super::agents::AgentSkill>),
    AgentMcpServers(Vec<super::agents::AgentMcpServer>),
    /// `tasks`, `docs`, `workflows`: which the caller may read, and the project's sequence.
    Domains {
        tasks: bool,
        docs: bool,
        workflows: bool,
        seq: i64,
    },
    Allowed,
}

fn agent_not_found() -> Error {
    Error::not_found(codes::AGENT_NOT_FOUND, "agent: not found")
}

fn task_not_found() -> Error {
    Error::not_found(codes::TASK_NOT_FOUND, "task: not found")
}

pub fn answer(state: &ProjectState, caller: &Caller, query: &Query) -> Result<Answer> {
    Ok(match query {
        Query::GetProject => {
            access::require_read(state, caller, PROJECTS_READ)?;
            Answer::Project(
                state.live_project().cloned().ok_or_else(|| {
                    Error::not_found(codes::PROJECT_NOT_FOUND, "project: not found")
                })?,
            )
        }
        Query::ListMembers => {
            access::require_read(state, caller, MEMBERS_READ)?;
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
            Answer::Members(members)
        }
        Query::MyPermissions => {
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
            Answer::Permissions(
                state
                    .roles
                    .get(&member.project_role_id)
                    .map(|r| r.permissions.clone())
                    .unwrap_or_default(),
            )
        }
        Query::ListRoles => {
            access::require_read(state, caller, ROLES_READ)?;
            let mut roles: Vec<ProjectRole> = state.roles.values().cloned().collect();
            roles.sort_by(|a, b| a.role_name.cmp(&b.role_name));
            Answer::Roles(roles)
        }
        Query::ListTaskTypes => {
            access::require_read(state, caller, TASKS_READ)?;
            let mut types: Vec<TaskType> = state.task_types.values().cloned().collect();
            types.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
            Answer::TaskTypes(types)
        }
        Query::ListStatuses => {
            access::require_read(state, caller, TASKS_READ)?;
            let mut statuses: Vec<TaskStatus> = state.statuses.values().cloned().collect();
            statuses.sort_by(|a, b| a.position.cmp(&b.position).then(a.id.cmp(&b.id)));
            Answer::Statuses(statuses)
        }
        Query::GetTask(id) => {
            access::require_read(state, caller, TASKS_READ)?;
            Answer::Task(state.live_task(*id).cloned().ok_or_else(task_not_found)?)
        }
        Query::GetTaskByNumber(n) => {
            access::require_read(state, caller, TASKS_READ)?;
            let task = state
                .task_numbers
                .get(n)
                .and_then(|id| state.live_task(*id))
                .cloned()
                .ok_or_else(task_not_found)?;
            Answer::Task(task)
        }
        Query::ListTasks(request) => {
            access::require_read(state, caller, TASKS_READ)?;
            Answer::Tasks(list_tasks(state, request)?)
        }
        Query::ListSprints => {
            access::require_read(state, caller, SPRINTS_READ)?;
            let mut sprints: Vec<Sprint> = state.sprints.values().cloned().collect();
            sprints.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
            Answer::Sprints(sprints)
        }
        Query::GetSprint(id) => {
            access::require_read(state, caller, SPRINTS_READ)?;
            Answer::Sprint(
                state.sprints.get(id).cloned().ok_or_else(|| {
                    Error::not_found(codes::SPRINT_NOT_FOUND, "sprint: not found")
                })?,
            )
        }
        Query::ListViews { context, sprint_id } => {
            access::require_read(state, caller, SPRINTS_READ)?;
            let (context, sprint) =
                super::command::views::resolve_context(state, context, *sprint_id)?;
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
            Answer::Views(views)
        }
        Query::GetView(id) => {
            access::require_read(state, caller, SPRINTS_READ)?;
            Answer::View(state.views.get(id).cloned().ok_or_else(view_not_found)?)
        }
        Query::ListTaskPositions(id) => {
            access::require_read(state, caller, TASKS_READ)?;
            state.views.get(id).ok_or_else(view_not_found)?;
            let mut positions: Vec<TaskPosition> = state
                .positions
                .get(id)
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
            Answer::TaskPositions(positions)
        }
        Query::Authorize(permission) => {
            access::require(state, caller, permission)?;
            Answer::Allowed
        }
        Query::AgentRunAccess {
            permission,
            agent,
            task,
            member_required,
        } => {
            access::require(state, caller, permission)?;
            if let Some(task) = task {
                state.live_task(*task).ok_or_else(task_not_found)?;
            }
            access::require(state, caller, AGENTS_READ)?;
            state.live_agent(*agent).ok_or_else(agent_not_found)?;
            let member = caller
                .user_id
                .and_then(|u| state.member_of(u))
                .map(|m| m.id);
            if *member_required && member.is_none() {
                return Err(Error::forbidden(
                    "chatting with an agent needs a membership in the project",
                ));
            }
            Answer::CallerMember(member)
        }
        Query::ListAgents => {
            access::require(state, caller, AGENTS_READ)?;
            let mut agents: Vec<Agent> = state
                .agents
                .values()
                .filter(|a| a.deleted_at.is_none())
                .cloned()
                .collect();
            agents.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
            Answer::Agents(agents)
        }
        Query::GetAgent(id) => {
            access::require(state, caller, AGENTS_READ)?;
            let agent = state.live_agent(*id).cloned().ok_or_else(agent_not_found)?;
            Answer::Agent(Box::new(agent))
        }
        Query::ListAgentEnvVars(id) => {
            access::require(state, caller, AGENTS_READ)?;
            state.live_agent(*id).ok_or_else(agent_not_found)?;
            let mut vars: Vec<AgentEnvVar> = state
                .agent_env
                .values()
                .filter(|v| v.agent_id == *id)
                .cloned()
                .collect();
            vars.sort_by(|a, b| a.key.cmp(&b.key));
            Answer::AgentEnvVars(vars)
        }
        Query::ListAgentSkills(id) => {
            access::require(state, caller, AGENTS_READ)?;
            state.live_agent(*id).ok_or_else(agent_not_found)?;
            let mut skills: Vec<_> = state
                .agent_skills
                .values()
                .filter(|k| k.agent_id == *id)
                .cloned()
                .collect();
            skills.sort_by(|a, b| a.skill_name.cmp(&b.skill_name));
            Answer::AgentSkills(skills)
        }
        Query::ListAgentMcpServers(id) => {
            access::require(state, caller, AGENTS_READ)?;
            state.live_agent(*id).ok_or_else(agent_not_found)?;
            let mut servers: Vec<_> = state
                .agent_mcp
                .values()
                .filter(|m| m.agent_id == *id)
                .cloned()
                .collect();
            servers.sort_by(|a, b| a.server_name.cmp(&b.server_name));
            Answer::AgentMcpServers(servers)
        }
        Query::ListCustomFields => {
            access::require_read(state, caller, TASKS_READ)?;
            let mut fields: Vec<CustomField> = state.custom_fields.values().cloned().collect();
            fields.sort_by(|a, b| a.display_name.cmp(&b.display_name).then(a.id.cmp(&b.id)));
            Answer::CustomFields(fields)
        }
        Query::GetCustomField(id) => {
            access::require_read(state, caller, TASKS_READ)?;
            Answer::CustomField(state.custom_fields.get(id).cloned().ok_or_else(|| {
                Error::not_found(codes::CUSTOM_FIELD_NOT_FOUND, "custom field: not found")
            })?)
        }
        Query::ListLinks(task) => {
            access::require_read(state, caller, TASKS_READ)?;
            state.live_task(*task).ok_or_else(task_not_found)?;
            let mut links: Vec<LinkView> = state
                .links
                .values()
                .filter_map(|l| {
                    let (other, display) = if l.source_task_id == *task {
                        (l.target_task_id, l.link_type.as_str())
                    } else if l.target_task_id == *task {
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
            Answer::Links(links)
        }
        Query::ReadableDomains => {
            let can = |p: &str| access::require_read(state, caller, p).is_ok();
            let (tasks, docs, workflows) =
                (can(TASKS_READ), can("docs.read"), can("workflows.read"));
            if !(tasks || docs || workflows) {
                // Decide the error as any read would (401, 403 or 404).
                access::require_read(state, caller, TASKS_READ)?;
            }
            Answer::Domains {
                tasks,
                docs,
                workflows,
                seq: state.event_seq,
            }
        }
        Query::AuthorizeTaskRead(task) => {
            access::require_read(state, caller, TASKS_READ)?;
            if let Some(id) = task {
                state.live_task(*id).ok_or_else(task_not_found)?;
            }
            Answer::Allowed
        }
    })
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
