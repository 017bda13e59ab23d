//! An agent's skills and MCP servers. Names are unique per agent; skill names Paca reserves
//! for its trigger prompts are refused; an MCP server's shape follows its transport; its
//! environment values arrive sealed.

use super::agents::agent_not_found;
use super::{SpecChange, Stage};
use crate::error::{Error, Result, codes};
use crate::ids::{AgentId, AgentMcpServerId, AgentSkillId};
use crate::project::access::{self, AGENTS_WRITE};
use crate::project::agents::{AgentMcpServer, AgentSkill};
use crate::project::batch::Change;
use crate::project::events::EventKind;
use crate::secrets::Sealed;
use serde_json::json;
use std::collections::BTreeMap;

command!(AddAgentSkill(AgentId, SkillSpec) -> AgentSkill,
    |Self(agent, spec), s| add_skill(s, *agent, spec));
command!(
    UpdateAgentSkill(AgentId, AgentSkillId, SpecChange<SkillSpec>) -> AgentSkill,
    |Self(agent, id, change), s| update_skill(s, *agent, *id, change.0.as_ref())
);
command!(DeleteAgentSkill(AgentId, AgentSkillId) -> (),
    |Self(agent, id), s| delete_skill(s, *agent, *id));
command!(AddAgentMcpServer(AgentId, McpSpec) -> AgentMcpServer,
    |Self(agent, spec), s| add_mcp(s, *agent, spec));
command!(
    UpdateAgentMcpServer(AgentId, AgentMcpServerId, SpecChange<McpSpec>) -> AgentMcpServer,
    |Self(agent, id, change), s| update_mcp(s, *agent, *id, change.0.as_ref())
);
command!(DeleteAgentMcpServer(AgentId, AgentMcpServerId) -> (),
    |Self(agent, id), s| delete_mcp(s, *agent, *id));

const NAME_MAX: usize = 100;
const CONTENT_MAX: usize = 256 * 1024;
const LIST_MAX: usize = 100;
const RESERVED_SKILLS: [&str; 4] = [
    "paca-trigger-task-assigned",
    "paca-trigger-doc-comment",
    "paca-trigger-chat",
    "paca-trigger-description-write",
];

/// A new skill, or the full new state of one (updates send what they keep).
#[derive(Clone, Debug, Default)]
pub struct SkillSpec {
    pub skill_name: String,
    pub skill_source: String,
    pub skill_content: String,
    pub source_url: Option<String>,
    pub triggers: Vec<String>,
    pub is_enabled: bool,
}

/// A new MCP server, or the full new state of one.
#[derive(Clone, Debug, Default)]
pub struct McpSpec {
    pub server_name: String,
    pub transport: String,
    pub command: Option<String>,
    pub args: Vec<String>,
    pub url: Option<String>,
    pub env: BTreeMap<String, Sealed>,
    pub is_enabled: bool,
}

fn name(raw: &str, what: &str) -> Result<String> {
    let n = raw.trim();
    if n.is_empty()
        || n.chars().count() > NAME_MAX
        || !n
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(Error::bad_request(format!(
            "{what} must be 1 to {NAME_MAX} letters, digits, '-', '_' or '.'"
        )));
    }
    Ok(n.to_owned())
}

fn bounded_list(items: &[String], what: &str) -> Result<Vec<String>> {
    if items.len() > LIST_MAX || items.iter().any(|t| t.len() > 1024) {
        return Err(Error::bad_request(format!(
            "{what}: at most {LIST_MAX} entries of at most 1024 bytes"
        )));
    }
    Ok(items.to_vec())
}

fn skill_not_found() -> Error {
    Error::not_found(codes::AGENT_SKILL_NOT_FOUND, "agent: skill not found")
}

fn mcp_not_found() -> Error {
    Error::not_found(
        codes::AGENT_MCP_SERVER_NOT_FOUND,
        "agent: MCP server not found",
    )
}

fn checked_skill(
    s: &Stage<'_>,
    agent: AgentId,
    spec: &SkillSpec,
    except: Option<AgentSkillId>,
) -> Result<SkillSpec> {
    let skill_name = name(&spec.skill_name, "skill_name")?;
    if RESERVED_SKILLS.contains(&skill_name.as_str()) {
        return Err(Error::invalid(
            codes::AGENT_SKILL_NAME_RESERVED,
            format!("skill_name {skill_name} is reserved for trigger prompts"),
        ));
    }
    if !matches!(
        spec.skill_source.as_str(),
        "inline" | "marketplace" | "github_url"
    ) {
        return Err(Error::bad_request(
            "skill_source must be inline, marketplace or github_url",
        ));
    }
    if spec.skill_content.len() > CONTENT_MAX {
        return Err(Error::bad_request("skill_content must be at most 256 KiB"));
    }
    let taken = s
        .state
        .agent_skills
        .values()
        .any(|k| k.agent_id == agent && Some(k.id) != except && k.skill_name == skill_name);
    if taken {
        return Err(Error::conflict(
            codes::AGENT_SKILL_NAME_TAKEN,
            "skill name already in use on this agent",
        ));
    }
    Ok(SkillSpec {
        skill_name,
        triggers: bounded_list(&spec.triggers, "triggers")?,
        ..spec.clone()
    })
}

fn checked_mcp(
    s: &Stage<'_>,
    agent: AgentId,
    spec: &McpSpec,
    except: Option<AgentMcpServerId>,
) -> Result<McpSpec> {
    let server_name = name(&spec.server_name, "server_name")?;
    let blank = |v: &Option<String>| v.as_deref().is_none_or(|v| v.trim().is_empty());
    match spec.transport.as_str() {
        "stdio" if blank(&spec.command) => {
            return Err(Error::bad_request(
                "command is required for stdio transport",
            ));
        }
        "sse" | "http" if blank(&spec.url) => {
            return Err(Error::bad_request(
                "url is required for sse and http transports",
            ));
        }
        "stdio" | "sse" | "http" => {}
        _ => return Err(Error::bad_request("transport must be stdio, sse or http")),
    }
    if let Some(url) = &spec.url
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        return Err(Error::bad_request("url must be an http(s) URL"));
    }
    if spec.env.len() > LIST_MAX {
        return Err(Error::bad_request(format!(
            "env: at most {LIST_MAX} variables"
        )));
    }
    let taken = s
        .state
        .agent_mcp
        .values()
        .any(|m| m.agent_id == agent && Some(m.id) != except && m.server_name == server_name);
    if taken {
        return Err(Error::conflict(
            codes::AGENT_MCP_SERVER_NAME_TAKEN,
            "MCP server name already in use on this agent",
        ));
    }
    Ok(McpSpec {
        server_name,
        args: bounded_list(&spec.args, "args")?,
        ..spec.clone()
    })
}

fn stage_skill(s: &mut Stage<'_>, skill: AgentSkill, event: EventKind) -> Result<AgentSkill> {
    s.put(Change::AgentSkill(Box::new(skill.clone())));
    s.emit(
        event,
        None,
        Some(skill.agent_id.0),
        json!({"project_id": skill.project_id, "agent_id": skill.agent_id, "skill_id": skill.id,
               "skill_name": skill.skill_name}),
    );
    Ok(skill)
}

fn stage_mcp(
    s: &mut Stage<'_>,
    server: AgentMcpServer,
    event: EventKind,
) -> Result<AgentMcpServer> {
    s.put(Change::AgentMcpServer(Box::new(server.clone())));
    s.emit(
        event,
        None,
        Some(server.agent_id.0),
        json!({"project_id": server.project_id, "agent_id": server.agent_id,
               "mcp_server_id": server.id, "server_name": server.server_name}),
    );
    Ok(server)
}

pub(super) fn add_skill(s: &mut Stage<'_>, agent: AgentId, spec: &SkillSpec) -> Result<AgentSkill> {
    access::require(s.state, s.caller, AGENTS_WRITE)?;
    s.state.live_agent(agent).ok_or_else(agent_not_found)?;
    let spec = checked_skill(s, agent, spec, None)?;
    let skill = AgentSkill {
        id: AgentSkillId::new(),
        agent_id: agent,
        project_id: s.project_id(),
        skill_name: spec.skill_name,
        skill_source: spec.skill_source,
        skill_content: spec.skill_content,
        source_url: spec.source_url,
        triggers: spec.triggers,
        is_enabled: spec.is_enabled,
        created_at: s.now,
        updated_at: s.now,
    };
    stage_skill(s, skill, EventKind::AgentSkillCreated)
}

/// `change` gets the current state and returns the wanted one.
pub(super) fn update_skill(
    s: &mut Stage<'_>,
    agent: AgentId,
    id: AgentSkillId,
    change: &(dyn Fn(SkillSpec) -> SkillSpec + Send + Sync),
) -> Result<AgentSkill> {
    access::require(s.state, s.caller, AGENTS_WRITE)?;
    s.state.live_agent(agent).ok_or_else(agent_not_found)?;
    let current = s
        .state
        .agent_skills
        .get(&id)
        .filter(|k| k.agent_id == agent)
        .cloned()
        .ok_or_else(skill_not_found)?;
    let wanted = change(SkillSpec {
        skill_name: current.skill_name.clone(),
        skill_source: current.skill_source.clone(),
        skill_content: current.skill_content.clone(),
        source_url: current.source_url.clone(),
        triggers: current.triggers.clone(),
        is_enabled: current.is_enabled,
    });
    let spec = checked_skill(s, agent, &wanted, Some(id))?;
    let skill = AgentSkill {
        skill_name: spec.skill_name,
        skill_source: spec.skill_source,
        skill_content: spec.skill_content,
        source_url: spec.source_url,
        triggers: spec.triggers,
        is_enabled: spec.is_enabled,
        updated_at: s.now,
        ..current
    };
    stage_skill(s, skill, EventKind::AgentSkillUpdated)
}

pub(super) fn delete_skill(s: &mut Stage<'_>, agent: AgentId, id: AgentSkillId) -> Result<()> {
    access::require(s.state, s.caller, AGENTS_WRITE)?;
    s.state.live_agent(agent).ok_or_else(agent_not_found)?;
    let skill = s
        .state
        .agent_skills
        .get(&id)
        .filter(|k| k.agent_id == agent)
        .ok_or_else(skill_not_found)?;
    let payload = json!({"project_id": skill.project_id, "agent_id": agent, "skill_id": id,
                         "skill_name": skill.skill_name});
    s.put(Change::AgentSkillDeleted(id));
    s.emit(EventKind::AgentSkillDeleted, None, Some(agent.0), payload);
    Ok(())
}

pub(super) fn add_mcp(s: &mut Stage<'_>, agent: AgentId, spec: &McpSpec) -> Result<AgentMcpServer> {
    access::require(s.state, s.caller, AGENTS_WRITE)?;
    s.state.live_agent(agent).ok_or_else(agent_not_found)?;
    let spec = checked_mcp(s, agent, spec, None)?;
    let server = AgentMcpServer {
        id: AgentMcpServerId::new(),
        agent_id: agent,
        project_id: s.project_id(),
        server_name: spec.server_name,
        transport: spec.transport,
        command: spec.command,
        args: spec.args,
        url: spec.url,
        env: spec.env,
        is_enabled: spec.is_enabled,
        created_at: s.now,
        updated_at: s.now,
    };
    stage_mcp(s, server, EventKind::AgentMcpServerCreated)
}

pub(super) fn update_mcp(
    s: &mut Stage<'_>,
    agent: AgentId,
    id: AgentMcpServerId,
    change: &(dyn Fn(McpSpec) -> McpSpec + Send + Sync),
) -> Result<AgentMcpServer> {
    access::require(s.state, s.caller, AGENTS_WRITE)?;
    s.state.live_agent(agent).ok_or_else(agent_not_found)?;
    let current = s
        .state
        .agent_mcp
        .get(&id)
        .filter(|m| m.agent_id == agent)
        .cloned()
        .ok_or_else(mcp_not_found)?;
    let wanted = change(McpSpec {
        server_name: current.server_name.clone(),
        transport: current.transport.clone(),
        command: current.command.clone(),
        args: current.args.clone(),
        url: current.url.clone(),
        env: current.env.clone(),
        is_enabled: current.is_enabled,
    });
    let spec = checked_mcp(s, agent, &wanted, Some(id))?;
    let server = AgentMcpServer {
        server_name: spec.server_name,
        transport: spec.transport,
        command: spec.command,
        args: spec.args,
        url: spec.url,
        env: spec.env,
        is_enabled: spec.is_enabled,
        updated_at: s.now,
        ..current
    };
    stage_mcp(s, server, EventKind::AgentMcpServerUpdated)
}

pub(super) fn delete_mcp(s: &mut Stage<'_>, agent: AgentId, id: AgentMcpServerId) -> Result<()> {
    access::require(s.state, s.caller, AGENTS_WRITE)?;
    s.state.live_agent(agent).ok_or_else(agent_not_found)?;
    let server = s
        .state
        .agent_mcp
        .get(&id)
        .filter(|m| m.agent_id == agent)
        .ok_or_else(mcp_not_found)?;
    let payload = json!({"project_id": server.project_id, "agent_id": agent, "mcp_server_id": id,
                         "server_name": server.server_name});
    s.put(Change::AgentMcpServerDeleted(id));
    s.emit(
        EventKind::AgentMcpServerDeleted,
        None,
        Some(agent.0),
        payload,
    );
    Ok(())
}
