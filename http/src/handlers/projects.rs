//! `/projects`, `/projects/{id}/members` and `/projects/{id}/roles`.

use crate::envelope::{ApiError, ApiResult, Message, Reply, created, message, ok};
use crate::extract::{Caller, Json, ProjectCaller, parse_id};
use crate::pagination::{Page, PageQuery};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Utc};
use corral_actors::ids::{MemberId, ProjectId, ProjectRoleId, UserId};
use corral_actors::patch::Patch;
use corral_actors::permission::PermissionMap;
use corral_actors::project::command::{self, NewProject, ProjectChanges};
use corral_actors::project::model::{Member, MemberType, Project, ProjectRole};
use corral_actors::project::query::{self as q, GetProject, ListRoles, MemberView};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

pub fn project_id(raw: &str) -> Result<ProjectId, ApiError> {
    parse_id(raw, "project id")
}

/// Paca's project (no `updated_at`).
#[derive(Serialize)]
pub struct ProjectDto {
    id: Uuid,
    name: String,
    description: String,
    task_id_prefix: String,
    is_public: bool,
    settings: Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
}

impl From<Project> for ProjectDto {
    fn from(p: Project) -> Self {
        Self {
            id: p.id.0,
            name: p.name,
            description: p.description,
            task_id_prefix: p.task_id_prefix,
            is_public: p.is_public,
            settings: p.settings,
            created_by: p.created_by.map(|u| u.0),
            created_at: p.created_at,
        }
    }
}

pub async fn list(
    State(state): State<AppState>,
    Caller(me): Caller,
    Query(query): Query<PageQuery>,
) -> ApiResult<Reply<Page<ProjectDto>>> {
    me.require_fresh_password()?;
    let p = query.params();
    let caller = (&me).into();
    let (projects, total) = state
        .projects
        .list(&caller, (p.page - 1) * p.page_size, p.page_size)
        .await?;
    Ok(ok(Page {
        items: projects.into_iter().map(Into::into).collect(),
        total,
        page: p.page,
        page_size: p.page_size,
    }))
}

#[derive(Deserialize)]
pub struct CreateProject {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    task_id_prefix: Option<String>,
    #[serde(default)]
    is_public: bool,
    #[serde(default)]
    settings: Option<Map<String, Value>>,
}

pub async fn create(
    State(state): State<AppState>,
    Caller(me): Caller,
    Json(body): Json<CreateProject>,
) -> ApiResult<Reply<ProjectDto>> {
    me.require_fresh_password()?;
    if body.name.is_empty() {
        return Err(ApiError::bad_request("name is required"));
    }
    let command = command::CreateProject(NewProject {
        name: body.name,
        description: body.description,
        task_id_prefix: body.task_id_prefix,
        is_public: body.is_public,
        settings: body.settings,
    });
    let outcome = state
        .projects
        .command(ProjectId::new(), (&me).into(), command)
        .await?;
    Ok(created(outcome.into()))
}

pub async fn get(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(id): Path<String>,
) -> ApiResult<Reply<ProjectDto>> {
    let p = state
        .projects
        .read(project_id(&id)?, caller, GetProject)
        .await?;
    Ok(ok(p.into()))
}

#[derive(Deserialize)]
pub struct UpdateProject {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    task_id_prefix: Option<String>,
    #[serde(default)]
    is_public: Patch<bool>,
    #[serde(default)]
    settings: Patch<Map<String, Value>>,
}

pub async fn update(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(id): Path<String>,
    Json(body): Json<UpdateProject>,
) -> ApiResult<Reply<ProjectDto>> {
    let command = command::UpdateProject(ProjectChanges {
        name: body.name,
        description: body.description,
        task_id_prefix: body.task_id_prefix,
        is_public: body.is_public,
        settings: body.settings,
    });
    let outcome = state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(ok(outcome.into()))
}

pub async fn delete(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(id): Path<String>,
) -> ApiResult<Reply<Message>> {
    state
        .projects
        .command(project_id(&id)?, caller, command::DeleteProject)
        .await?;
    Ok(message("project deleted"))
}

/// Paca's member: user and role names inline; agents get the zero `user_id`.
#[derive(Serialize)]
pub struct MemberDto {
    id: Uuid,
    project_id: Uuid,
    user_id: Uuid,
    project_role_id: Uuid,
    username: String,
    full_name: String,
    role_name: String,
    member_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    agent_id: Option<Uuid>,
    /// An agent member's name and handle (its `full_name` and `username` too, as in Paca).
    #[serde(skip_serializing_if = "String::is_empty")]
    agent_name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    agent_handle: String,
}

fn member_dto(m: Member, role_name: String) -> MemberDto {
    let (agent_name, agent_handle) = match m.member_type {
        MemberType::Agent => (m.full_name.clone(), m.username.clone()),
        MemberType::Human => (String::new(), String::new()),
    };
    MemberDto {
        id: m.id.0,
        project_id: m.project_id.0,
        user_id: m.user_id.map(|u| u.0).unwrap_or_default(),
        project_role_id: m.project_role_id.0,
        username: m.username,
        full_name: m.full_name,
        role_name,
        member_type: match m.member_type {
            MemberType::Human => "human",
            MemberType::Agent => "agent",
        },
        agent_id: m.agent_id,
        agent_name,
        agent_handle,
    }
}

impl From<MemberView> for MemberDto {
    fn from(v: MemberView) -> Self {
        member_dto(v.member, v.role_name)
    }
}

pub async fn list_members(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(id): Path<String>,
) -> ApiResult<Reply<Vec<MemberDto>>> {
    let members = state.projects.members(project_id(&id)?, caller).await?;
    Ok(ok(members.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize)]
pub struct AddMember {
    #[serde(default)]
    user_id: Option<Uuid>,
    #[serde(default)]
    project_role_id: Option<Uuid>,
}

fn required_id(id: Option<Uuid>, field: &str) -> Result<Uuid, ApiError> {
    id.filter(|u| !u.is_nil())
        .ok_or_else(|| ApiError::bad_request(format!("{field} is required")))
}

/// The role name of a member just written, read back from the project.
async fn with_role_name(
    state: &AppState,
    project: ProjectId,
    caller: corral_actors::project::Caller,
    m: Member,
) -> MemberDto {
    let role = match state.projects.read(project, caller, ListRoles).await {
        Ok(roles) => roles
            .into_iter()
            .find(|r| r.id == m.project_role_id)
            .map(|r| r.role_name)
            .unwrap_or_default(),
        _ => String::new(),
    };
    member_dto(m, role)
}

pub async fn add_member(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(id): Path<String>,
    Json(body): Json<AddMember>,
) -> ApiResult<Reply<MemberDto>> {
    let project = project_id(&id)?;
    let command = command::AddMember {
        user_id: UserId(required_id(body.user_id, "user_id")?),
        project_role_id: ProjectRoleId(required_id(body.project_role_id, "project_role_id")?),
        profile: None,
    };
    let member = state
        .projects
        .command(project, caller.clone(), command)
        .await?;
    Ok(created(
        with_role_name(&state, project, caller, member).await,
    ))
}

#[derive(Deserialize)]
pub struct UpdateMember {
    #[serde(default)]
    project_role_id: Option<Uuid>,
}

pub async fn update_member(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, member)): Path<(String, String)>,
    Json(body): Json<UpdateMember>,
) -> ApiResult<Reply<MemberDto>> {
    let project = project_id(&id)?;
    let command = command::UpdateMemberRole {
        member_id: parse_id::<MemberId>(&member, "member id")?,
        project_role_id: ProjectRoleId(required_id(body.project_role_id, "project_role_id")?),
    };
    let member = state
        .projects
        .command(project, caller.clone(), command)
        .await?;
    Ok(ok(with_role_name(&state, project, caller, member).await))
}

pub async fn remove_member(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, member)): Path<(String, String)>,
) -> ApiResult<Reply<Message>> {
    let command = command::RemoveMember(parse_id(&member, "member id")?);
    state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(message("member removed"))
}

#[derive(Serialize)]
pub struct MyPermissions {
    permissions: PermissionMap,
}

pub async fn my_permissions(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(id): Path<String>,
) -> ApiResult<Reply<MyPermissions>> {
    let permissions = state
        .projects
        .read(project_id(&id)?, caller, q::MyPermissions)
        .await?;
    Ok(ok(MyPermissions { permissions }))
}

#[derive(Serialize)]
pub struct ProjectRoleDto {
    id: Uuid,
    project_id: Uuid,
    role_name: String,
    permissions: PermissionMap,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<ProjectRole> for ProjectRoleDto {
    fn from(r: ProjectRole) -> Self {
        Self {
            id: r.id.0,
            project_id: r.project_id.0,
            role_name: r.role_name,
            permissions: r.permissions,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

pub async fn list_roles(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(id): Path<String>,
) -> ApiResult<Reply<Vec<ProjectRoleDto>>> {
    let roles = state
        .projects
        .read(project_id(&id)?, caller, ListRoles)
        .await?;
    Ok(ok(roles.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize)]
pub struct RoleBody {
    #[serde(default)]
    role_name: String,
    #[serde(default)]
    permissions: Option<PermissionMap>,
}

pub async fn create_role(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(id): Path<String>,
    Json(body): Json<RoleBody>,
) -> ApiResult<Reply<ProjectRoleDto>> {
    let command = command::CreateRole {
        role_name: body.role_name,
        permissions: body.permissions.unwrap_or_default(),
    };
    let outcome = state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(created(outcome.into()))
}

/// A role PATCH: an absent field keeps its value; `null` is refused.
#[derive(Deserialize)]
pub struct RolePatch {
    #[serde(default)]
    role_name: Patch<String>,
    #[serde(default)]
    permissions: Patch<PermissionMap>,
}

pub async fn update_role(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, role)): Path<(String, String)>,
    Json(body): Json<RolePatch>,
) -> ApiResult<Reply<ProjectRoleDto>> {
    let command = command::UpdateRole {
        role_id: parse_id(&role, "role id")?,
        role_name: body
            .role_name
            .required("role_name")
            .map_err(ApiError::bad_request)?,
        permissions: body
            .permissions
            .required("permissions")
            .map_err(ApiError::bad_request)?,
    };
    let outcome = state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(ok(outcome.into()))
}

pub async fn delete_role(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, role)): Path<(String, String)>,
) -> ApiResult<Reply<Message>> {
    let command = command::DeleteRole(parse_id(&role, "role id")?);
    state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(message("project role deleted"))
}
