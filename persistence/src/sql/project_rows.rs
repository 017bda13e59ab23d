//! Rows of the project tables and their conversion to the core's types.

use chrono::{DateTime, NaiveDate, Utc};
use corral_actors::ids::{
    AgentEnvVarId, AgentId, CommentId, CustomFieldId, EventId, LinkId, MemberId, NotificationId,
    ProjectId, ProjectRoleId, SprintId, TaskId, TaskStatusId, TaskTypeId, UserId, ViewId,
};
use corral_actors::permission::PermissionMap;
use corral_actors::project::agents::{Agent, AgentEnvVar, AgentPrompts};
use corral_actors::project::batch::Event;
use corral_actors::project::events::EventKind;
use corral_actors::project::model::{
    Comment, Member, MemberType, Project, ProjectRole, StatusCategory, Task, TaskStatus, TaskType,
};
use corral_actors::project::planning::{
    CustomField, FieldType, LinkType, Sprint, SprintStatus, TaskLink, TaskPosition, View,
    ViewContext, ViewType,
};
use corral_actors::secrets::Sealed;
use corral_actors::store::NotificationView;
use serde_json::{Map, Value};
use sqlx::types::Json;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
pub(crate) struct ProjectRow {
    id: Uuid,
    name: String,
    description: String,
    task_id_prefix: String,
    is_public: bool,
    settings: Json<Map<String, Value>>,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
    pub(crate) event_seq: i64,
    pub(crate) task_counter: i64,
}

impl From<ProjectRow> for Project {
    fn from(r: ProjectRow) -> Self {
        Project {
            id: ProjectId(r.id),
            name: r.name,
            description: r.description,
            task_id_prefix: r.task_id_prefix,
            is_public: r.is_public,
            settings: r.settings.0,
            created_by: r.created_by.map(UserId),
            created_at: r.created_at,
            updated_at: r.updated_at,
            deleted_at: r.deleted_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct RoleRow {
    id: Uuid,
    project_id: Uuid,
    role_name: String,
    permissions: Json<PermissionMap>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<RoleRow> for ProjectRole {
    fn from(r: RoleRow) -> Self {
        ProjectRole {
            id: ProjectRoleId(r.id),
            project_id: ProjectId(r.project_id),
            role_name: r.role_name,
            permissions: r.permissions.0,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct MemberRow {
    id: Uuid,
    project_id: Uuid,
    user_id: Option<Uuid>,
    agent_id: Option<Uuid>,
    member_type: String,
    project_role_id: Uuid,
    username: Option<String>,
    full_name: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
}

impl From<MemberRow> for Member {
    fn from(r: MemberRow) -> Self {
        Member {
            id: MemberId(r.id),
            project_id: ProjectId(r.project_id),
            user_id: r.user_id.map(UserId),
            agent_id: r.agent_id,
            member_type: if r.member_type == "agent" {
                MemberType::Agent
            } else {
                MemberType::Human
            },
            project_role_id: ProjectRoleId(r.project_role_id),
            username: r.username.unwrap_or_default(),
            full_name: r.full_name.unwrap_or_default(),
            created_at: r.created_at,
            updated_at: r.updated_at,
            deleted_at: r.deleted_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TaskTypeRow {
    id: Uuid,
    project_id: Uuid,
    name: String,
    icon: Option<String>,
    color: Option<String>,
    description: Option<String>,
    is_default: bool,
    is_system: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<TaskTypeRow> for TaskType {
    fn from(r: TaskTypeRow) -> Self {
        TaskType {
            id: TaskTypeId(r.id),
            project_id: ProjectId(r.project_id),
            name: r.name,
            icon: r.icon,
            color: r.color,
            description: r.description,
            is_default: r.is_default,
            is_system: r.is_system,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct StatusRow {
    id: Uuid,
    project_id: Uuid,
    name: String,
    color: Option<String>,
    position: i32,
    category: String,
    is_default: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<StatusRow> for TaskStatus {
    fn from(r: StatusRow) -> Self {
        TaskStatus {
            id: TaskStatusId(r.id),
            project_id: ProjectId(r.project_id),
            name: r.name,
            color: r.color,
            position: r.position,
            category: StatusCategory::parse(&r.category).unwrap_or(StatusCategory::Backlog),
            is_default: r.is_default,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TaskRow {
    id: Uuid,
    project_id: Uuid,
    task_number: i64,
    task_type_id: Option<Uuid>,
    status_id: Option<Uuid>,
    sprint_id: Option<Uuid>,
    parent_task_id: Option<Uuid>,
    title: String,
    description: Option<Json<Value>>,
    importance: i32,
    story_points: Option<i32>,
    assignee_ids: Json<Vec<MemberId>>,
    reporter_id: Option<Uuid>,
    custom_fields: Json<Map<String, Value>>,
    start_date: Option<NaiveDate>,
    due_date: Option<NaiveDate>,
    tags: Json<Vec<String>>,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
}

impl From<TaskRow> for Task {
    fn from(r: TaskRow) -> Self {
        Task {
            id: TaskId(r.id),
            project_id: ProjectId(r.project_id),
            task_number: r.task_number,
            task_type_id: r.task_type_id.map(TaskTypeId),
            status_id: r.status_id.map(TaskStatusId),
            sprint_id: r.sprint_id,
            parent_task_id: r.parent_task_id.map(TaskId),
            title: r.title,
            description: r.description.map(|j| j.0),
            importance: r.importance,
            story_points: r.story_points,
            assignee_ids: r.assignee_ids.0,
            reporter_id: r.reporter_id.map(MemberId),
            custom_fields: r.custom_fields.0,
            start_date: r.start_date,
            due_date: r.due_date,
            tags: r.tags.0,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
            deleted_at: r.deleted_at,
            wire: Default::default(),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CommentRow {
    id: Uuid,
    project_id: Uuid,
    task_id: Uuid,
    author_member_id: Uuid,
    content: Json<Value>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
}

impl From<CommentRow> for Comment {
    fn from(r: CommentRow) -> Self {
        Comment {
            id: CommentId(r.id),
            project_id: ProjectId(r.project_id),
            task_id: TaskId(r.task_id),
            author_id: MemberId(r.author_member_id),
            content: r.content.0,
            created_at: r.created_at,
            updated_at: r.updated_at,
            deleted_at: r.deleted_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    project_id: Uuid,
    seq: i64,
    id: Uuid,
    #[sqlx(rename = "type")]
    event_type: String,
    actor_user_id: Option<Uuid>,
    actor_member_id: Option<Uuid>,
    task_id: Option<Uuid>,
    subject_id: Option<Uuid>,
    at: DateTime<Utc>,
    payload: Json<Value>,
}

impl TryFrom<EventRow> for Event {
    type Error = corral_actors::store::StoreError;

    /// Fails for a type outside the catalogue (written by a newer version).
    fn try_from(r: EventRow) -> Result<Self, Self::Error> {
        let kind = EventKind::parse(&r.event_type).ok_or_else(|| {
            corral_actors::store::StoreError::Other(format!(
                "event {} #{} has an unknown type {:?}",
                r.project_id, r.seq, r.event_type
            ))
        })?;
        Ok(Event {
            project_id: ProjectId(r.project_id),
            seq: r.seq,
            id: EventId(r.id),
            kind,
            actor_user_id: r.actor_user_id.map(UserId),
            actor_member_id: r.actor_member_id.map(MemberId),
            task_id: r.task_id.map(TaskId),
            subject_id: r.subject_id,
            at: r.at,
            payload: r.payload.0,
            encoded: Default::default(),
        })
    }
}

/// An event of a task's feed with its actor's names and, for comments, the comment now.
#[derive(sqlx::FromRow)]
pub(crate) struct ActivityRow {
    #[sqlx(flatten)]
    pub(crate) event: EventRow,
    pub(crate) actor_name: Option<String>,
    pub(crate) actor_username: Option<String>,
    pub(crate) comment_content: Option<Json<Value>>,
    pub(crate) comment_updated_at: Option<DateTime<Utc>>,
    pub(crate) comment_deleted_at: Option<DateTime<Utc>>,
}

impl ActivityRow {
    pub(crate) fn into_entry(self) -> Option<corral_actors::store::ActivityEntry> {
        let e = Event::try_from(self.event).ok()?;
        let task_id = e.task_id?;
        let (id, activity_type, content, updated_at) = if e.kind == EventKind::CommentAdded {
            if self.comment_deleted_at.is_some() {
                return None;
            }
            (
                e.subject_id?,
                "comment".to_owned(),
                self.comment_content.map(|j| j.0).unwrap_or(Value::Null),
                self.comment_updated_at.unwrap_or(e.at),
            )
        } else {
            let content = e
                .payload
                .get("content")
                .cloned()
                .unwrap_or_else(|| Value::Object(Map::new()));
            (e.id.0, e.kind.wire().to_owned(), content, e.at)
        };
        Some(corral_actors::store::ActivityEntry {
            id,
            task_id,
            actor_member_id: e.actor_member_id,
            actor_name: self.actor_name.unwrap_or_default(),
            actor_username: self.actor_username.unwrap_or_default(),
            activity_type,
            content,
            created_at: e.at,
            updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct NotificationRow {
    id: Uuid,
    #[sqlx(rename = "type")]
    kind: String,
    actor_full_name: Option<String>,
    actor_username: Option<String>,
    task_id: Option<Uuid>,
    task_title: Option<String>,
    task_number: Option<i64>,
    project_id: Uuid,
    project_name: Option<String>,
    read_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    document_id: Option<Uuid>,
    document_title: Option<String>,
}

impl From<NotificationRow> for NotificationView {
    fn from(r: NotificationRow) -> Self {
        NotificationView {
            id: NotificationId(r.id),
            kind: r.kind,
            actor_full_name: r.actor_full_name.unwrap_or_default(),
            actor_username: r.actor_username.unwrap_or_default(),
            task_id: r.task_id.map(TaskId),
            task_title: r.task_title.unwrap_or_default(),
            task_number: r.task_number,
            document_id: r.document_id.map(corral_actors::ids::DocumentId),
            document_title: r.document_title.unwrap_or_default(),
            project_id: ProjectId(r.project_id),
            project_name: r.project_name.unwrap_or_default(),
            read_at: r.read_at,
            created_at: r.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SprintRow {
    id: Uuid,
    project_id: Uuid,
    name: String,
    goal: Option<String>,
    start_date: Option<NaiveDate>,
    end_date: Option<NaiveDate>,
    status: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<SprintRow> for Sprint {
    fn from(r: SprintRow) -> Self {
        Sprint {
            id: SprintId(r.id),
            project_id: ProjectId(r.project_id),
            name: r.name,
            goal: r.goal,
            start_date: r.start_date,
            end_date: r.end_date,
            status: SprintStatus::parse(&r.status).unwrap_or(SprintStatus::Planned),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ViewRow {
    id: Uuid,
    project_id: Uuid,
    sprint_id: Option<Uuid>,
    name: String,
    view_type: String,
    view_context: String,
    config: Json<Map<String, Value>>,
    position: f64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<ViewRow> for View {
    fn from(r: ViewRow) -> Self {
        View {
            id: ViewId(r.id),
            project_id: ProjectId(r.project_id),
            sprint_id: r.sprint_id.map(SprintId),
            name: r.name,
            view_type: ViewType::parse(&r.view_type).unwrap_or(ViewType::Table),
            view_context: ViewContext::parse(&r.view_context).unwrap_or(ViewContext::Backlog),
            config: r.config.0,
            position: r.position,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PositionRow {
    view_id: Uuid,
    task_id: Uuid,
    position: f64,
    group_key: Option<String>,
}

impl From<PositionRow> for TaskPosition {
    fn from(r: PositionRow) -> Self {
        TaskPosition {
            view_id: ViewId(r.view_id),
            task_id: TaskId(r.task_id),
            position: r.position,
            group_key: r.group_key,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CustomFieldRow {
    id: Uuid,
    project_id: Uuid,
    field_key: String,
    display_name: String,
    field_type: String,
    options: Json<Vec<String>>,
    is_required: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<CustomFieldRow> for CustomField {
    fn from(r: CustomFieldRow) -> Self {
        CustomField {
            id: CustomFieldId(r.id),
            project_id: ProjectId(r.project_id),
            field_key: r.field_key,
            display_name: r.display_name,
            field_type: FieldType::parse(&r.field_type).unwrap_or(FieldType::Text),
            options: r.options.0,
            is_required: r.is_required,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct LinkRow {
    id: Uuid,
    project_id: Uuid,
    source_task_id: Uuid,
    target_task_id: Uuid,
    link_type: String,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
}

impl From<LinkRow> for TaskLink {
    fn from(r: LinkRow) -> Self {
        TaskLink {
            id: LinkId(r.id),
            project_id: ProjectId(r.project_id),
            source_task_id: TaskId(r.source_task_id),
            target_task_id: TaskId(r.target_task_id),
            link_type: LinkType::parse(&r.link_type).unwrap_or(LinkType::RelatesTo),
            created_by: r.created_by.map(UserId),
            created_at: r.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AgentRow {
    id: Uuid,
    project_id: Uuid,
    member_id: Uuid,
    name: String,
    handle: String,
    avatar_url: Option<String>,
    llm_provider: String,
    llm_model: String,
    llm_api_key_secret: String,
    llm_base_url: String,
    system_prompt: String,
    task_trigger_prompt: String,
    doc_comment_trigger_prompt: String,
    chat_trigger_prompt: String,
    description_write_trigger_prompt: String,
    can_clone_repos: bool,
    can_create_prs: bool,
    max_iterations: i32,
    timeout_minutes: i32,
    git_committer_name: String,
    git_committer_email: String,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
}

impl From<AgentRow> for Agent {
    fn from(r: AgentRow) -> Self {
        Agent {
            id: AgentId(r.id),
            project_id: ProjectId(r.project_id),
            member_id: MemberId(r.member_id),
            name: r.name,
            handle: r.handle,
            avatar_url: r.avatar_url,
            llm_provider: r.llm_provider,
            llm_model: r.llm_model,
            llm_api_key: Sealed(r.llm_api_key_secret),
            llm_base_url: r.llm_base_url,
            prompts: AgentPrompts {
                system: r.system_prompt,
                task_trigger: r.task_trigger_prompt,
                doc_comment_trigger: r.doc_comment_trigger_prompt,
                chat_trigger: r.chat_trigger_prompt,
                description_write_trigger: r.description_write_trigger_prompt,
            },
            can_clone_repos: r.can_clone_repos,
            can_create_prs: r.can_create_prs,
            max_iterations: r.max_iterations,
            timeout_minutes: r.timeout_minutes,
            git_committer_name: r.git_committer_name,
            git_committer_email: r.git_committer_email,
            created_by: r.created_by.map(UserId),
            created_at: r.created_at,
            updated_at: r.updated_at,
            deleted_at: r.deleted_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AgentEnvVarRow {
    id: Uuid,
    agent_id: Uuid,
    project_id: Uuid,
    key: String,
    encrypted_value: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<AgentEnvVarRow> for AgentEnvVar {
    fn from(r: AgentEnvVarRow) -> Self {
        AgentEnvVar {
            id: AgentEnvVarId(r.id),
            agent_id: AgentId(r.agent_id),
            project_id: ProjectId(r.project_id),
            key: r.key,
            value: Sealed(r.encrypted_value),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AgentSkillRow {
    id: Uuid,
    agent_id: Uuid,
    project_id: Uuid,
    skill_name: String,
    skill_source: String,
    skill_content: String,
    source_url: Option<String>,
    triggers: Json<Vec<String>>,
    is_enabled: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<AgentSkillRow> for corral_actors::project::agents::AgentSkill {
    fn from(r: AgentSkillRow) -> Self {
        Self {
            id: corral_actors::ids::AgentSkillId(r.id),
            agent_id: AgentId(r.agent_id),
            project_id: ProjectId(r.project_id),
            skill_name: r.skill_name,
            skill_source: r.skill_source,
            skill_content: r.skill_content,
            source_url: r.source_url,
            triggers: r.triggers.0,
            is_enabled: r.is_enabled,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AgentMcpServerRow {
    id: Uuid,
    agent_id: Uuid,
    project_id: Uuid,
    server_name: String,
    transport: String,
    command: Option<String>,
    args: Json<Vec<String>>,
    url: Option<String>,
    env: Json<std::collections::BTreeMap<String, String>>,
    is_enabled: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<AgentMcpServerRow> for corral_actors::project::agents::AgentMcpServer {
    fn from(r: AgentMcpServerRow) -> Self {
        Self {
            id: corral_actors::ids::AgentMcpServerId(r.id),
            agent_id: AgentId(r.agent_id),
            project_id: ProjectId(r.project_id),
            server_name: r.server_name,
            transport: r.transport,
            command: r.command,
            args: r.args.0,
            url: r.url,
            env: r.env.0.into_iter().map(|(k, v)| (k, Sealed(v))).collect(),
            is_enabled: r.is_enabled,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}
