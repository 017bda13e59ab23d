//! `/projects/{id}/agents`, and each agent's `env-vars`, `skills` and `mcp-servers`. Secrets (`llm_api_key`, variable
//! values) are sealed here, before the command, and never answered.

use super::projects::project_id;
use super::task_config::Items;
use crate::envelope::{ApiError, ApiResult, Message, Reply, created, message, ok};
use crate::extract::{Json, ProjectCaller, parse_id};
use crate::state::AppState;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use corral_actors::ids::{AgentEnvVarId, AgentId, AgentMcpServerId, AgentSkillId, ProjectRoleId};
use corral_actors::patch::Patch;
use corral_actors::project::agents::{
    Agent, AgentEnvVar, AgentMcpServer, AgentPrompts, AgentSkill,
};
use corral_actors::project::command::{
    self, AgentChanges, McpSpec, NewAgent, SkillSpec, SpecChange,
};
use corral_actors::project::query::{
    GetAgent, ListAgentEnvVars, ListAgentMcpServers, ListAgentSkills, ListAgents,
};
use corral_actors::secrets::Sealed;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use uuid::Uuid;

fn agent_id(raw: &str) -> Result<AgentId, ApiError> {
    parse_id(raw, "agent id")
}

fn env_var_id(raw: &str) -> Result<AgentEnvVarId, ApiError> {
    parse_id(raw, "environment variable id")
}

/// Paca's agent, without the key (`has_llm_api_key` says whether one is set).
#[derive(Serialize)]
pub struct AgentDto {
    id: Uuid,
    project_id: Uuid,
    member_id: Uuid,
    name: String,
    handle: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    avatar_url: Option<String>,
    llm_provider: String,
    llm_model: String,
    llm_base_url: String,
    has_llm_api_key: bool,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Agent> for AgentDto {
    fn from(a: Agent) -> Self {
        Self {
            id: a.id.0,
            project_id: a.project_id.0,
            member_id: a.member_id.0,
            name: a.name,
            handle: a.handle,
            avatar_url: a.avatar_url,
            llm_provider: a.llm_provider,
            llm_model: a.llm_model,
            llm_base_url: a.llm_base_url,
            has_llm_api_key: !a.llm_api_key.0.is_empty(),
            system_prompt: a.prompts.system,
            task_trigger_prompt: a.prompts.task_trigger,
            doc_comment_trigger_prompt: a.prompts.doc_comment_trigger,
            chat_trigger_prompt: a.prompts.chat_trigger,
            description_write_trigger_prompt: a.prompts.description_write_trigger,
            can_clone_repos: a.can_clone_repos,
            can_create_prs: a.can_create_prs,
            max_iterations: a.max_iterations,
            timeout_minutes: a.timeout_minutes,
            git_committer_name: a.git_committer_name,
            git_committer_email: a.git_committer_email,
            created_by: a.created_by.map(|u| u.0),
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// A variable's key; the value is write-only and always answered masked (`***`), as in Paca.
#[derive(Serialize)]
pub struct EnvVarDto {
    id: Uuid,
    agent_id: Uuid,
    key: String,
    value: &'static str,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<AgentEnvVar> for EnvVarDto {
    fn from(v: AgentEnvVar) -> Self {
        Self {
            id: v.id.0,
            agent_id: v.agent_id.0,
            key: v.key,
            value: "***",
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

pub async fn list(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(id): Path<String>,
) -> ApiResult<Reply<Items<AgentDto>>> {
    let agents = state
        .projects
        .read(project_id(&id)?, caller, ListAgents)
        .await?;
    Ok(ok(Items::new(agents.into_iter().map(Into::into).collect())))
}

pub async fn get(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, agent)): Path<(String, String)>,
) -> ApiResult<Reply<AgentDto>> {
    let agent = state
        .projects
        .read(
            project_id(&id)?,
            caller,
            GetAgent {
                id: agent_id(&agent)?,
            },
        )
        .await?;
    Ok(ok((*agent).into()))
}

#[derive(Deserialize)]
pub struct CreateAgent {
    #[serde(default)]
    name: String,
    #[serde(default)]
    handle: String,
    #[serde(default)]
    avatar_url: Option<String>,
    #[serde(default)]
    llm_provider: String,
    #[serde(default)]
    llm_model: String,
    #[serde(default)]
    llm_api_key: String,
    #[serde(default)]
    llm_base_url: String,
    #[serde(default)]
    system_prompt: String,
    #[serde(default)]
    task_trigger_prompt: String,
    #[serde(default)]
    doc_comment_trigger_prompt: String,
    #[serde(default)]
    chat_trigger_prompt: String,
    #[serde(default)]
    description_write_trigger_prompt: String,
    #[serde(default)]
    can_clone_repos: bool,
    #[serde(default)]
    can_create_prs: bool,
    #[serde(default)]
    max_iterations: Option<i32>,
    #[serde(default)]
    timeout_minutes: Option<i32>,
    #[serde(default)]
    git_committer_name: String,
    #[serde(default)]
    git_committer_email: String,
    project_role_id: Option<Uuid>,
}

pub async fn create(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(id): Path<String>,
    Json(body): Json<CreateAgent>,
) -> ApiResult<Reply<AgentDto>> {
    let project = project_id(&id)?;
    let role = body
        .project_role_id
        .ok_or_else(|| ApiError::bad_request("project_role_id is required"))?;
    if body.llm_api_key.trim().is_empty() {
        return Err(ApiError::bad_request("llm_api_key is required"));
    }
    let new = NewAgent {
        name: body.name,
        handle: body.handle,
        avatar_url: body.avatar_url,
        llm_provider: body.llm_provider,
        llm_model: body.llm_model,
        llm_api_key: state.secrets.seal(body.llm_api_key.trim()),
        llm_base_url: body.llm_base_url,
        prompts: AgentPrompts {
            system: body.system_prompt,
            task_trigger: body.task_trigger_prompt,
            doc_comment_trigger: body.doc_comment_trigger_prompt,
            chat_trigger: body.chat_trigger_prompt,
            description_write_trigger: body.description_write_trigger_prompt,
        },
        can_clone_repos: body.can_clone_repos,
        can_create_prs: body.can_create_prs,
        max_iterations: body.max_iterations,
        timeout_minutes: body.timeout_minutes,
        git_committer_name: body.git_committer_name,
        git_committer_email: body.git_committer_email,
        project_role_id: ProjectRoleId(role),
    };
    let outcome = state
        .projects
        .command(project, caller, command::CreateAgent(new))
        .await?;
    Ok(created(outcome.into()))
}

#[derive(Deserialize)]
pub struct UpdateAgent {
    #[serde(default)]
    name: Patch<String>,
    #[serde(default)]
    handle: Patch<String>,
    #[serde(default)]
    avatar_url: Patch<String>,
    #[serde(default)]
    llm_provider: Patch<String>,
    #[serde(default)]
    llm_model: Patch<String>,
    #[serde(default)]
    llm_api_key: Patch<String>,
    #[serde(default)]
    llm_base_url: Patch<String>,
    #[serde(default)]
    system_prompt: Patch<String>,
    #[serde(default)]
    task_trigger_prompt: Patch<String>,
    #[serde(default)]
    doc_comment_trigger_prompt: Patch<String>,
    #[serde(default)]
    chat_trigger_prompt: Patch<String>,
    #[serde(default)]
    description_write_trigger_prompt: Patch<String>,
    #[serde(default)]
    can_clone_repos: Patch<bool>,
    #[serde(default)]
    can_create_prs: Patch<bool>,
    #[serde(default)]
    max_iterations: Patch<i32>,
    #[serde(default)]
    timeout_minutes: Patch<i32>,
    #[serde(default)]
    git_committer_name: Patch<String>,
    #[serde(default)]
    git_committer_email: Patch<String>,
    #[serde(default)]
    project_role_id: Patch<Uuid>,
}

pub async fn update(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, agent)): Path<(String, String)>,
    Json(body): Json<UpdateAgent>,
) -> ApiResult<Reply<AgentDto>> {
    let project = project_id(&id)?;
    let agent = agent_id(&agent)?;
    // An empty key keeps the current one (the web form sends "" when unchanged).
    let llm_api_key = body
        .llm_api_key
        .value()
        .filter(|k| !k.trim().is_empty())
        .map(|k| state.secrets.seal(k.trim()));
    let changes = AgentChanges {
        name: body.name.value(),
        handle: body.handle.value(),
        avatar_url: match body.avatar_url {
            Patch::Absent => None,
            Patch::Null => Some(None),
            Patch::Value(v) => Some(Some(v)),
        },
        llm_provider: body.llm_provider.value(),
        llm_model: body.llm_model.value(),
        llm_api_key,
        llm_base_url: body.llm_base_url.value(),
        system_prompt: body.system_prompt.value(),
        task_trigger_prompt: body.task_trigger_prompt.value(),
        doc_comment_trigger_prompt: body.doc_comment_trigger_prompt.value(),
        chat_trigger_prompt: body.chat_trigger_prompt.value(),
        description_write_trigger_prompt: body.description_write_trigger_prompt.value(),
        can_clone_repos: body.can_clone_repos.value(),
        can_create_prs: body.can_create_prs.value(),
        max_iterations: body.max_iterations.value(),
        timeout_minutes: body.timeout_minutes.value(),
        git_committer_name: body.git_committer_name.value(),
        git_committer_email: body.git_committer_email.value(),
        project_role_id: body.project_role_id.value().map(ProjectRoleId),
    };
    let outcome = state
        .projects
        .command(project, caller, command::UpdateAgent(agent, changes))
        .await?;
    Ok(ok(outcome.into()))
}

pub async fn delete(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, agent)): Path<(String, String)>,
) -> ApiResult<Reply<Message>> {
    state
        .projects
        .command(
            project_id(&id)?,
            caller,
            command::DeleteAgent(agent_id(&agent)?),
        )
        .await?;
    Ok(message("agent deleted"))
}

pub async fn list_env(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, agent)): Path<(String, String)>,
) -> ApiResult<Reply<Items<EnvVarDto>>> {
    let vars = state
        .projects
        .read(
            project_id(&id)?,
            caller,
            ListAgentEnvVars {
                agent: agent_id(&agent)?,
            },
        )
        .await?;
    Ok(ok(Items::new(vars.into_iter().map(Into::into).collect())))
}

#[derive(Deserialize)]
pub struct CreateEnvVar {
    #[serde(default)]
    key: String,
    value: Option<String>,
}

pub async fn create_env(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, agent)): Path<(String, String)>,
    Json(body): Json<CreateEnvVar>,
) -> ApiResult<Reply<EnvVarDto>> {
    let project = project_id(&id)?;
    let agent = agent_id(&agent)?;
    let value = body
        .value
        .ok_or_else(|| ApiError::bad_request("value is required"))?;
    let command = command::SetAgentEnvVar {
        agent_id: agent,
        key: body.key,
        value: state.secrets.seal(&value),
    };
    let outcome = state.projects.command(project, caller, command).await?;
    // Paca answers 200 here, not 201.
    Ok(ok(outcome.into()))
}

#[derive(Deserialize)]
pub struct UpdateEnvVar {
    #[serde(default)]
    key: Patch<String>,
    #[serde(default)]
    value: Patch<String>,
}

pub async fn update_env(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, agent, var)): Path<(String, String, String)>,
    Json(body): Json<UpdateEnvVar>,
) -> ApiResult<Reply<EnvVarDto>> {
    let project = project_id(&id)?;
    let command = command::UpdateAgentEnvVar {
        agent_id: agent_id(&agent)?,
        env_var_id: env_var_id(&var)?,
        key: body.key.required("key").map_err(ApiError::bad_request)?,
        value: body
            .value
            .required("value")
            .map_err(ApiError::bad_request)?
            .map(|v| state.secrets.seal(&v)),
    };
    let outcome = state.projects.command(project, caller, command).await?;
    Ok(ok(outcome.into()))
}

pub async fn delete_env(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, agent, var)): Path<(String, String, String)>,
) -> ApiResult<Reply<Message>> {
    let command = command::DeleteAgentEnvVar {
        agent_id: agent_id(&agent)?,
        env_var_id: env_var_id(&var)?,
    };
    state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(message("environment variable deleted"))
}

#[derive(Serialize)]
pub struct SkillDto {
    id: Uuid,
    agent_id: Uuid,
    skill_name: String,
    skill_source: String,
    skill_content: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_url: Option<String>,
    triggers: Vec<String>,
    is_enabled: bool,
    created_at: DateTime<Utc>,
}

impl From<AgentSkill> for SkillDto {
    fn from(k: AgentSkill) -> Self {
        Self {
            id: k.id.0,
            agent_id: k.agent_id.0,
            skill_name: k.skill_name,
            skill_source: k.skill_source,
            skill_content: k.skill_content,
            source_url: k.source_url,
            triggers: k.triggers,
            is_enabled: k.is_enabled,
            created_at: k.created_at,
        }
    }
}

/// Paca's MCP server view: values of variables whose names look secret are `***`.
#[derive(Serialize)]
pub struct McpServerDto {
    id: Uuid,
    agent_id: Uuid,
    server_name: String,
    transport: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    command: Option<String>,
    args: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    env: BTreeMap<String, String>,
    is_enabled: bool,
    created_at: DateTime<Utc>,
}

fn mcp_dto(state: &AppState, m: AgentMcpServer) -> McpServerDto {
    let env = m.shown_env(&state.secrets);
    McpServerDto {
        id: m.id.0,
        agent_id: m.agent_id.0,
        server_name: m.server_name,
        transport: m.transport,
        command: m.command,
        args: m.args,
        url: m.url,
        env,
        is_enabled: m.is_enabled,
        created_at: m.created_at,
    }
}

fn sealed_env(state: &AppState, env: BTreeMap<String, String>) -> BTreeMap<String, Sealed> {
    env.into_iter()
        .map(|(k, v)| (k, state.secrets.seal(&v)))
        .collect()
}

fn skill_id(raw: &str) -> Result<AgentSkillId, ApiError> {
    parse_id(raw, "skill id")
}

fn mcp_id(raw: &str) -> Result<AgentMcpServerId, ApiError> {
    parse_id(raw, "MCP server id")
}

pub async fn list_skills(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, agent)): Path<(String, String)>,
) -> ApiResult<Reply<Items<SkillDto>>> {
    let skills = state
        .projects
        .read(
            project_id(&id)?,
            caller,
            ListAgentSkills {
                agent: agent_id(&agent)?,
            },
        )
        .await?;
    Ok(ok(Items::new(skills.into_iter().map(Into::into).collect())))
}

#[derive(Deserialize)]
pub struct AddSkill {
    #[serde(default)]
    skill_name: String,
    #[serde(default)]
    skill_source: String,
    #[serde(default)]
    skill_content: String,
    #[serde(default)]
    source_url: Option<String>,
    #[serde(default)]
    triggers: Vec<String>,
}

pub async fn add_skill(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, agent)): Path<(String, String)>,
    Json(body): Json<AddSkill>,
) -> ApiResult<Reply<SkillDto>> {
    let spec = SkillSpec {
        skill_name: body.skill_name,
        skill_source: body.skill_source,
        skill_content: body.skill_content,
        source_url: body.source_url,
        triggers: body.triggers,
        is_enabled: true,
    };
    let command = command::AddAgentSkill(agent_id(&agent)?, spec);
    let outcome = state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(created(outcome.into()))
}

#[derive(Deserialize)]
pub struct UpdateSkill {
    #[serde(default)]
    skill_content: Option<String>,
    #[serde(default)]
    triggers: Option<Vec<String>>,
    #[serde(default)]
    is_enabled: Option<bool>,
}

pub async fn update_skill(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, agent, skill)): Path<(String, String, String)>,
    Json(body): Json<UpdateSkill>,
) -> ApiResult<Reply<SkillDto>> {
    let change = SpecChange(Arc::new(move |mut s: SkillSpec| {
        if let Some(c) = &body.skill_content {
            s.skill_content.clone_from(c);
        }
        if let Some(t) = &body.triggers {
            s.triggers.clone_from(t);
        }
        if let Some(e) = body.is_enabled {
            s.is_enabled = e;
        }
        s
    }));
    let command = command::UpdateAgentSkill(agent_id(&agent)?, skill_id(&skill)?, change);
    let outcome = state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(ok(outcome.into()))
}

pub async fn delete_skill(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, agent, skill)): Path<(String, String, String)>,
) -> ApiResult<Reply<Message>> {
    let command = command::DeleteAgentSkill(agent_id(&agent)?, skill_id(&skill)?);
    state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(message("skill deleted"))
}

pub async fn list_mcp(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, agent)): Path<(String, String)>,
) -> ApiResult<Reply<Items<McpServerDto>>> {
    let servers = state
        .projects
        .read(
            project_id(&id)?,
            caller,
            ListAgentMcpServers {
                agent: agent_id(&agent)?,
            },
        )
        .await?;
    Ok(ok(Items::new(
        servers.into_iter().map(|m| mcp_dto(&state, m)).collect(),
    )))
}

#[derive(Deserialize)]
pub struct AddMcp {
    #[serde(default)]
    server_name: String,
    #[serde(default)]
    transport: String,
    #[serde(default)]
    command: Option<String>,
    #[serde(default)]
    args: Vec<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
}

pub async fn add_mcp(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, agent)): Path<(String, String)>,
    Json(body): Json<AddMcp>,
) -> ApiResult<Reply<McpServerDto>> {
    let spec = McpSpec {
        server_name: body.server_name,
        transport: body.transport,
        command: body.command,
        args: body.args,
        url: body.url,
        env: sealed_env(&state, body.env),
        is_enabled: true,
    };
    let command = command::AddAgentMcpServer(agent_id(&agent)?, spec);
    let outcome = state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(created(mcp_dto(&state, outcome)))
}

#[derive(Deserialize)]
pub struct UpdateMcp {
    #[serde(default)]
    command: Option<String>,
    #[serde(default)]
    args: Option<Vec<String>>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    env: Option<BTreeMap<String, String>>,
    #[serde(default)]
    is_enabled: Option<bool>,
}

pub async fn update_mcp(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, agent, server)): Path<(String, String, String)>,
    Json(body): Json<UpdateMcp>,
) -> ApiResult<Reply<McpServerDto>> {
    let env = body.env.map(|e| sealed_env(&state, e));
    let change = SpecChange(Arc::new(move |mut s: McpSpec| {
        if let Some(c) = &body.command {
            s.command = Some(c.clone());
        }
        if let Some(a) = &body.args {
            s.args.clone_from(a);
        }
        if let Some(u) = &body.url {
            s.url = Some(u.clone());
        }
        if let Some(e) = &env {
            s.env.clone_from(e);
        }
        if let Some(e) = body.is_enabled {
            s.is_enabled = e;
        }
        s
    }));
    let command = command::UpdateAgentMcpServer(agent_id(&agent)?, mcp_id(&server)?, change);
    let outcome = state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(ok(mcp_dto(&state, outcome)))
}

pub async fn delete_mcp(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, agent, server)): Path<(String, String, String)>,
) -> ApiResult<Reply<Message>> {
    let command = command::DeleteAgentMcpServer(agent_id(&agent)?, mcp_id(&server)?);
    state
        .projects
        .command(project_id(&id)?, caller, command)
        .await?;
    Ok(message("MCP server deleted"))
}
