//! AI agents: project members with an LLM, prompts, limits and a sandbox environment.
//! Secrets arrive sealed (see `crate::secrets`): a project actor never holds a plaintext key.

use crate::ids::{AgentEnvVarId, AgentId, MemberId, ProjectId, UserId};
use crate::secrets::Sealed;
use chrono::{DateTime, Utc};

/// Paca's default and ceiling.
pub const MAX_ITERATIONS_MAX: i32 = 500;
pub const TIMEOUT_MINUTES_DEFAULT: i32 = 30;
pub const TIMEOUT_MINUTES_MAX: i32 = 480;

#[derive(Clone, Debug, PartialEq)]
pub struct Agent {
    pub id: AgentId,
    pub project_id: ProjectId,
    /// Its `project_members` row (member_type `agent`).
    pub member_id: MemberId,
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
    pub max_iterations: i32,
    pub timeout_minutes: i32,
    pub git_committer_name: String,
    pub git_committer_email: String,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// The system prompt and the extra instructions per trigger.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AgentPrompts {
    pub system: String,
    pub task_trigger: String,
    pub doc_comment_trigger: String,
    pub chat_trigger: String,
    pub description_write_trigger: String,
}

/// A variable set in the agent's sandbox; its value is sealed.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentEnvVar {
    pub id: AgentEnvVarId,
    pub agent_id: AgentId,
    pub project_id: ProjectId,
    pub key: String,
    pub value: Sealed,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A skill: SKILL.md text the agent loads, with keywords that activate it.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentSkill {
    pub id: crate::ids::AgentSkillId,
    pub agent_id: AgentId,
    pub project_id: ProjectId,
    pub skill_name: String,
    /// `inline`, `marketplace` or `github_url`.
    pub skill_source: String,
    pub skill_content: String,
    pub source_url: Option<String>,
    pub triggers: Vec<String>,
    pub is_enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An MCP server the agent may use; its environment values are sealed.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentMcpServer {
    pub id: crate::ids::AgentMcpServerId,
    pub agent_id: AgentId,
    pub project_id: ProjectId,
    pub server_name: String,
    /// `stdio` (command, args, env) or `sse` / `http` (url).
    pub transport: String,
    pub command: Option<String>,
    pub args: Vec<String>,
    pub url: Option<String>,
    pub env: std::collections::BTreeMap<String, Sealed>,
    pub is_enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Substrings that make a variable's name look secret (Paca's list).
const SECRET_HINTS: [&str; 8] = [
    "key",
    "token",
    "secret",
    "password",
    "pass",
    "auth",
    "credential",
    "private",
];

impl AgentMcpServer {
    /// The environment as shown to people: values of secret-looking names are `***`, the
    /// others opened.
    pub fn shown_env(
        &self,
        secrets: &crate::secrets::Secrets,
    ) -> std::collections::BTreeMap<String, String> {
        self.env
            .iter()
            .map(|(k, v)| {
                let lower = k.to_lowercase();
                let shown = if SECRET_HINTS.iter().any(|h| lower.contains(h)) {
                    "***".to_owned()
                } else {
                    secrets.open(v).unwrap_or_else(|_| "***".to_owned())
                };
                (k.clone(), shown)
            })
            .collect()
    }
}
