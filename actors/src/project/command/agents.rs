//! Agents and their sandbox environment. Creating an agent creates its membership (member_type
//! `agent`, the chosen project role) in the same batch; deleting one soft-deletes both. Secrets
//! arrive sealed and never appear in events.

use super::members::member_not_found;
use super::{Stage, required_name};
use crate::error::{Error, Result, codes};
use crate::ids::{AgentEnvVarId, AgentId, ConversationId, MemberId, ProjectRoleId, TaskId};
use crate::project::access::{self, AGENTS_WRITE};
use crate::project::agents::{
    Agent, AgentEnvVar, AgentPrompts, MAX_ITERATIONS_MAX, TIMEOUT_MINUTES_DEFAULT,
    TIMEOUT_MINUTES_MAX,
};
use crate::project::batch::Change;
use crate::project::events::EventKind;
use crate::project::model::{Member, MemberType};
use crate::secrets::Sealed;
use serde_json::json;

command!(CreateAgent(NewAgent) -> Agent, |Self(new), s| create(s, new));
command!(UpdateAgent(AgentId, AgentChanges) -> Agent, |Self(id, changes), s| update(s, *id, changes));
command!(DeleteAgent(AgentId) -> (), |Self(id), s| delete(s, *id));
command!(SetAgentEnvVar { agent_id: AgentId, key: String, value: Sealed } -> AgentEnvVar,
    |c, s| set_env(s, c.agent_id, &c.key, &c.value));
command!(UpdateAgentEnvVar {
        agent_id: AgentId,
        env_var_id: AgentEnvVarId,
        key: Option<String>,
        value: Option<Sealed>,
    } -> AgentEnvVar,
    |c, s| update_env(s, c.agent_id, c.env_var_id, c.key.as_deref(), c.value.as_ref()));
command!(DeleteAgentEnvVar { agent_id: AgentId, env_var_id: AgentEnvVarId } -> (),
    |c, s| delete_env(s, c.agent_id, c.env_var_id));
command!(
    /// Notes in a task's activity that an agent started working on it.
    RecordAgentSession { task_id: TaskId, agent_id: AgentId, conversation_id: ConversationId } -> (),
    |c, s| record_session(s, c.task_id, c.agent_id, c.conversation_id));

const NAME_MAX: usize = 100;
const HANDLE_MAX: usize = 64;
const TEXT_MAX: usize = 200;
const PROMPT_MAX: usize = 100_000;
const ENV_KEY_MAX: usize = 128;
/// Variables every sandbox sets itself (Paca's list).
const RESERVED_ENV_KEYS: [&str; 7] = [
    "OH_SECRET_KEY",
    "OPENHANDS_SUPPRESS_BANNER",
    "GIT_AUTHOR_NAME",
    "GIT_AUTHOR_EMAIL",
    "GIT_COMMITTER_NAME",
    "GIT_COMMITTER_EMAIL",
    "OH_EXTRA_PYTHON_PATH",
];

#[derive(Clone, Debug)]
pub struct NewAgent {
    pub name: String,
    pub handle: String,
    pub avatar_url: Option<String>,
    pub llm_provider: String,
    pub llm_model: String,
    pub llm_api_key: Sealed,
    pub llm_base_url: String,
    pub prompts: AgentPrompts,
    pub can_clone_repos: bool,
    pub can_create_prs: bool,
    pub max_iterations: Option<i32>,
    pub timeout_minutes: Option<i32>,
    pub git_committer_name: String,
    pub git_committer_email: String,
    pub project_role_id: ProjectRoleId,
}

/// PATCH semantics: `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct AgentChanges {
    pub name: Option<String>,
    pub handle: Option<String>,
    pub avatar_url: Option<Option<String>>,
    pub llm_provider: Option<String>,
    pub llm_model: Option<String>,
    pub llm_api_key: Option<Sealed>,
    pub llm_base_url: Option<String>,
    pub system_prompt: Option<String>,
    pub task_trigger_prompt: Option<String>,
    pub doc_comment_trigger_prompt: Option<String>,
    pub chat_trigger_prompt: Option<String>,
    pub description_write_trigger_prompt: Option<String>,
    pub can_clone_repos: Option<bool>,
    pub can_create_prs: Option<bool>,
    pub max_iterations: Option<i32>,
    pub timeout_minutes: Option<i32>,
    pub git_committer_name: Option<String>,
    pub git_committer_email: Option<String>,
    pub project_role_id: Option<ProjectRoleId>,
}

pub(crate) fn agent_not_found() -> Error {
    Error::not_found(codes::AGENT_NOT_FOUND, "agent: not found")
}

fn env_not_found() -> Error {
    Error::not_found(
        codes::AGENT_ENV_VAR_NOT_FOUND,
        "agent: environment variable not found",
    )
}

/// Letters, digits, `-`, `_` and `.`, starting with a letter or digit: what an @mention can
/// carry.
fn handle(raw: &str) -> Result<String> {
    let h = raw.trim();
    let shaped = h.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && h.len() <= HANDLE_MAX
        && h.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !shaped {
        return Err(Error::invalid(
            codes::AGENT_HANDLE_INVALID,
            format!(
                "agent: handle must be 1 to {HANDLE_MAX} letters, digits, '-', '_' or '.', starting with a letter or digit"
            ),
        ));
    }
    Ok(h.to_owned())
}

fn name(raw: &str) -> Result<String> {
    required_name(
        raw,
        NAME_MAX,
        Error::invalid(codes::AGENT_NAME_INVALID, "agent: name is empty or invalid"),
    )
}

fn required_text(raw: &str, field: &str) -> Result<String> {
    let t = raw.trim();
    if t.is_empty() || t.chars().count() > TEXT_MAX {
        return Err(Error::bad_request(format!(
            "{field} is required and at most {TEXT_MAX} characters"
        )));
    }
    Ok(t.to_owned())
}

fn optional_text(raw: &str, field: &str) -> Result<String> {
    if raw.chars().count() > TEXT_MAX {
        return Err(Error::bad_request(format!(
            "{field} must be at most {TEXT_MAX} characters"
        )));
    }
    Ok(raw.trim().to_owned())
}

fn prompt(raw: &str, field: &str) -> Result<String> {
    if raw.chars().count() > PROMPT_MAX {
        return Err(Error::bad_request(format!(
            "{field} must be at most {PROMPT_MAX} characters"
        )));
    }
    Ok(raw.to_owned())
}

fn base_url(raw: &str) -> Result<String> {
    let url = raw.trim();
    let ok = url.is_empty()
        || ((url.starts_with("http://") || url.starts_with("https://"))
            && url.len() <= 2048
            && !url.chars().any(char::is_whitespace));
    if !ok {
        return Err(Error::bad_request(
            "llm_base_url must be empty or an http(s) URL",
        ));
    }
    Ok(url.to_owned())
}

fn limit(value: Option<i32>, default: i32, max: i32, field: &str) -> Result<i32> {
    match value {
        None | Some(0) => Ok(default),
        Some(v) if (1..=max).contains(&v) => Ok(v),
        Some(_) => Err(Error::bad_request(format!(
            "{field} must be between 1 and {max}"
        ))),
    }
}

fn handle_free(s: &Stage<'_>, handle: &str, except: Option<AgentId>) -> Result<()> {
    let taken = s
        .state
        .agents
        .values()
        .any(|a| a.deleted_at.is_none() && Some(a.id) != except && a.handle == handle);
    if taken {
        return Err(Error::conflict(
            codes::AGENT_HANDLE_TAKEN,
            "agent: handle already in use",
        ));
    }
    Ok(())
}

fn role_exists(s: &Stage<'_>, role: ProjectRoleId) -> Result<()> {
    if s.state.roles.contains_key(&role) {
        Ok(())
    } else {
        Err(Error::not_found(
            codes::PROJECT_ROLE_NOT_FOUND,
            "project: role not found",
        ))
    }
}

fn summary(a: &Agent) -> serde_json::Value {
    json!({"project_id": a.project_id, "agent_id": a.id, "member_id": a.member_id,
           "name": a.name, "handle": a.handle})
}

pub(super) fn create(s: &mut Stage<'_>, new: &NewAgent) -> Result<Agent> {
    access::require(s.state, s.caller, AGENTS_WRITE)?;
    let handle = handle(&new.handle)?;
    let name = name(&new.name)?;
    handle_free(s, &handle, None)?;
    role_exists(s, new.project_role_id)?;
    let agent = Agent {
        id: AgentId::new(),
        project_id: s.project_id(),
        member_id: MemberId::new(),
        name,
        handle,
        avatar_url: new.avatar_url.clone().filter(|u| !u.trim().is_empty()),
        llm_provider: required_text(&new.llm_provider, "llm_provider")?,
        llm_model: required_text(&new.llm_model, "llm_model")?,
        llm_api_key: new.llm_api_key.clone(),
        llm_base_url: base_url(&new.llm_base_url)?,
        prompts: AgentPrompts {
            system: prompt(&new.prompts.system, "system_prompt")?,
            task_trigger: prompt(&new.prompts.task_trigger, "task_trigger_prompt")?,
            doc_comment_trigger: prompt(
                &new.prompts.doc_comment_trigger,
                "doc_comment_trigger_prompt",
            )?,
            chat_trigger: prompt(&new.prompts.chat_trigger, "chat_trigger_prompt")?,
            description_write_trigger: prompt(
                &new.prompts.description_write_trigger,
                "description_write_trigger_prompt",
            )?,
        },
        can_clone_repos: new.can_clone_repos,
        can_create_prs: new.can_create_prs,
        max_iterations: limit(
            new.max_iterations,
            MAX_ITERATIONS_MAX,
            MAX_ITERATIONS_MAX,
            "max_iterations",
        )?,
        timeout_minutes: limit(
            new.timeout_minutes,
            TIMEOUT_MINUTES_DEFAULT,
            TIMEOUT_MINUTES_MAX,
            "timeout_minutes",
        )?,
        git_committer_name: optional_text(&new.git_committer_name, "git_committer_name")?,
        git_committer_email: optional_text(&new.git_committer_email, "git_committer_email")?,
        created_by: s.caller.user_id,
        created_at: s.now,
        updated_at: s.now,
        deleted_at: None,
    };
    let member = Member {
        id: agent.member_id,
        project_id: agent.project_id,
        user_id: None,
        agent_id: Some(agent.id.0),
        member_type: MemberType::Agent,
        project_role_id: new.project_role_id,
        username: agent.handle.clone(),
        full_name: agent.name.clone(),
        created_at: s.now,
        updated_at: s.now,
        deleted_at: None,
    };
    s.put(Change::Agent(Box::new(agent.clone())));
    s.put(Change::Member(member));
    s.emit(
        EventKind::AgentCreated,
        None,
        Some(agent.id.0),
        summary(&agent),
    );
    Ok(agent)
}

pub(super) fn update(s: &mut Stage<'_>, id: AgentId, c: &AgentChanges) -> Result<Agent> {
    access::require(s.state, s.caller, AGENTS_WRITE)?;
    let mut agent = s
        .state
        .live_agent(id)
        .cloned()
        .ok_or_else(agent_not_found)?;
    if let Some(h) = &c.handle {
        agent.handle = handle(h)?;
        handle_free(s, &agent.handle, Some(id))?;
    }
    if let Some(n) = &c.name {
        agent.name = name(n)?;
    }
    if let Some(u) = &c.avatar_url {
        agent.avatar_url = u.clone().filter(|u| !u.trim().is_empty());
    }
    if let Some(p) = &c.llm_provider {
        agent.llm_provider = required_text(p, "llm_provider")?;
    }
    if let Some(m) = &c.llm_model {
        agent.llm_model = required_text(m, "llm_model")?;
    }
    if let Some(k) = &c.llm_api_key {
        agent.llm_api_key = k.clone();
    }
    if let Some(u) = &c.llm_base_url {
        agent.llm_base_url = base_url(u)?;
    }
    let prompts = [
        (&c.system_prompt, &mut agent.prompts.system, "system_prompt"),
        (
            &c.task_trigger_prompt,
            &mut agent.prompts.task_trigger,
            "task_trigger_prompt",
        ),
        (
            &c.doc_comment_trigger_prompt,
            &mut agent.prompts.doc_comment_trigger,
            "doc_comment_trigger_prompt",
        ),
        (
            &c.chat_trigger_prompt,
            &mut agent.prompts.chat_trigger,
            "chat_trigger_prompt",
        ),
        (
            &c.description_write_trigger_prompt,
            &mut agent.prompts.description_write_trigger,
            "description_write_trigger_prompt",
        ),
    ];
    for (given, field, label) in prompts {
        if let Some(p) = given {
            *field = prompt(p, label)?;
        }
    }
    if let Some(v) = c.can_clone_repos {
        agent.can_clone_repos = v;
    }
    if let Some(v) = c.can_create_prs {
        agent.can_create_prs = v;
    }
    if c.max_iterations.is_some() {
        agent.max_iterations = limit(
            c.max_iterations,
            agent.max_iterations,
            MAX_ITERATIONS_MAX,
            "max_iterations",
        )?;
    }
    if c.timeout_minutes.is_some() {
        agent.timeout_minutes = limit(
            c.timeout_minutes,
            agent.timeout_minutes,
            TIMEOUT_MINUTES_MAX,
            "timeout_minutes",
        )?;
    }
    if let Some(n) = &c.git_committer_name {
        agent.git_committer_name = optional_text(n, "git_committer_name")?;
    }
    if let Some(e) = &c.git_committer_email {
        agent.git_committer_email = optional_text(e, "git_committer_email")?;
    }
    let mut member = s
        .state
        .live_member(agent.member_id)
        .cloned()
        .ok_or_else(member_not_found)?;
    if let Some(role) = c.project_role_id {
        role_exists(s, role)?;
        member.project_role_id = role;
    }
    agent.updated_at = s.now;
    member.username = agent.handle.clone();
    member.full_name = agent.name.clone();
    member.updated_at = s.now;
    s.put(Change::Agent(Box::new(agent.clone())));
    s.put(Change::Member(member));
    s.emit(
        EventKind::AgentUpdated,
        None,
        Some(agent.id.0),
        summary(&agent),
    );
    Ok(agent)
}

pub(super) fn delete(s: &mut Stage<'_>, id: AgentId) -> Result<()> {
    access::require(s.state, s.caller, AGENTS_WRITE)?;
    let mut agent = s
        .state
        .live_agent(id)
        .cloned()
        .ok_or_else(agent_not_found)?;
    agent.deleted_at = Some(s.now);
    agent.updated_at = s.now;
    if let Some(mut member) = s.state.live_member(agent.member_id).cloned() {
        member.deleted_at = Some(s.now);
        member.updated_at = s.now;
        s.put(Change::Member(member));
    }
    s.put(Change::Agent(Box::new(agent.clone())));
    s.emit(
        EventKind::AgentDeleted,
        None,
        Some(agent.id.0),
        summary(&agent),
    );
    Ok(())
}

/// `^[A-Za-z_][A-Za-z0-9_]*$`, not `PACA_…`, not one the sandbox sets itself.
fn env_key(raw: &str) -> Result<String> {
    let key = raw.trim();
    let shaped = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.len() <= ENV_KEY_MAX
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !shaped {
        return Err(Error::invalid(
            codes::AGENT_ENV_VAR_KEY_INVALID,
            "environment variable key must start with a letter or underscore and contain only letters, digits, and underscores",
        ));
    }
    if key.starts_with("PACA_") || RESERVED_ENV_KEYS.contains(&key) {
        return Err(Error::invalid(
            codes::AGENT_ENV_VAR_KEY_RESERVED,
            "environment variable key is reserved for internal sandbox configuration",
        ));
    }
    Ok(key.to_owned())
}

/// Refuses a key another variable of the agent (other than `except`) already has.
fn env_key_free(
    s: &Stage<'_>,
    agent_id: AgentId,
    key: &str,
    except: Option<AgentEnvVarId>,
) -> Result<()> {
    let taken = s
        .state
        .agent_env
        .values()
        .any(|v| v.agent_id == agent_id && Some(v.id) != except && v.key == key);
    if taken {
        return Err(Error::conflict(
            codes::AGENT_ENV_VAR_KEY_TAKEN,
            "environment variable key already in use on this agent",
        ));
    }
    Ok(())
}

/// Stages a variable and its event (keys only: values never leave sealed).
fn put_env(s: &mut Stage<'_>, var: AgentEnvVar, event_type: EventKind) -> Result<AgentEnvVar> {
    s.put(Change::AgentEnvVar(var.clone()));
    s.emit(
        event_type,
        None,
        Some(var.agent_id.0),
        json!({"project_id": var.project_id, "agent_id": var.agent_id, "env_var_id": var.id, "key": var.key}),
    );
    Ok(var)
}

pub(super) fn set_env(
    s: &mut Stage<'_>,
    agent_id: AgentId,
    key: &str,
    value: &Sealed,
) -> Result<AgentEnvVar> {
    access::require(s.state, s.caller, AGENTS_WRITE)?;
    s.state.live_agent(agent_id).ok_or_else(agent_not_found)?;
    let key = env_key(key)?;
    env_key_free(s, agent_id, &key, None)?;
    let var = AgentEnvVar {
        id: AgentEnvVarId::new(),
        agent_id,
        project_id: s.project_id(),
        key,
        value: value.clone(),
        created_at: s.now,
        updated_at: s.now,
    };
    put_env(s, var, EventKind::AgentEnvVarCreated)
}

pub(super) fn update_env(
    s: &mut Stage<'_>,
    agent_id: AgentId,
    id: AgentEnvVarId,
    key: Option<&str>,
    value: Option<&Sealed>,
) -> Result<AgentEnvVar> {
    access::require(s.state, s.caller, AGENTS_WRITE)?;
    s.state.live_agent(agent_id).ok_or_else(agent_not_found)?;
    let mut var = s
        .state
        .agent_env
        .get(&id)
        .filter(|v| v.agent_id == agent_id)
        .cloned()
        .ok_or_else(env_not_found)?;
    if let Some(k) = key {
        let k = env_key(k)?;
        env_key_free(s, agent_id, &k, Some(id))?;
        var.key = k;
    }
    if let Some(v) = value {
        var.value = v.clone();
    }
    var.updated_at = s.now;
    put_env(s, var, EventKind::AgentEnvVarUpdated)
}

pub(super) fn delete_env(s: &mut Stage<'_>, agent_id: AgentId, id: AgentEnvVarId) -> Result<()> {
    access::require(s.state, s.caller, AGENTS_WRITE)?;
    s.state.live_agent(agent_id).ok_or_else(agent_not_found)?;
    let var = s
        .state
        .agent_env
        .get(&id)
        .filter(|v| v.agent_id == agent_id)
        .ok_or_else(env_not_found)?;
    let payload = json!({"project_id": var.project_id, "agent_id": agent_id, "env_var_id": id, "key": var.key});
    s.put(Change::AgentEnvVarDeleted(id));
    s.emit(
        EventKind::AgentEnvVarDeleted,
        None,
        Some(agent_id.0),
        payload,
    );
    Ok(())
}

/// `agent.session.started` in the task's activity (Paca's content: conversation and agent).
pub(super) fn record_session(
    s: &mut Stage<'_>,
    task_id: crate::ids::TaskId,
    agent_id: AgentId,
    conversation_id: crate::ids::ConversationId,
) -> Result<()> {
    access::require(s.state, s.caller, crate::project::access::AGENTS_READ)?;
    s.state
        .live_task(task_id)
        .ok_or_else(|| Error::not_found(codes::TASK_NOT_FOUND, "task: not found"))?;
    let agent = s.state.live_agent(agent_id).ok_or_else(agent_not_found)?;
    let payload = json!({"project_id": s.project_id(), "task_id": task_id,
        "agent_id": agent_id, "actor_agent_id": agent_id, "agent_handle": agent.handle,
        "content": {"conversation_id": conversation_id, "agent_id": agent_id}});
    s.emit(
        EventKind::AgentSessionStarted,
        Some(task_id),
        Some(conversation_id.0),
        payload,
    );
    Ok(())
}

/// Queues a conversation for an agent (`agent.triggered`, also appended to the triggers
/// stream after commit; the conversation's id is the event's).
pub(crate) fn trigger(
    s: &mut Stage<'_>,
    agent_id: AgentId,
    task: &crate::project::model::Task,
    trigger_type: &str,
    comment_id: Option<crate::ids::CommentId>,
    message: String,
) {
    let actor = s.caller_member().map(|m| m.id);
    let payload = json!({"project_id": s.project_id(), "agent_id": agent_id, "task_id": task.id,
        "trigger_type": trigger_type, "comment_id": comment_id, "actor_member_id": actor,
        "message": message});
    s.emit(
        EventKind::AgentTriggered,
        Some(task.id),
        Some(agent_id.0),
        payload,
    );
}
