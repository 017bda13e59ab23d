//! Who may do what in a project: the caller's global permissions plus, for members, their
//! project role's. Anonymous callers may read public projects.

use super::state::ProjectState;
use crate::accounts::Principal;
use crate::error::{Error, Result, codes};
use crate::ids::{MemberId, UserId};
use crate::permission::{PermissionSet, map_grants};

pub const PROJECTS_READ: &str = "projects.read";
pub const PROJECTS_WRITE: &str = "projects.write";
pub const PROJECTS_CREATE: &str = "projects.create";
pub const PROJECTS_DELETE: &str = "projects.delete";
pub const MEMBERS_READ: &str = "project.members.read";
pub const MEMBERS_WRITE: &str = "project.members.write";
pub const ROLES_READ: &str = "project.roles.read";
pub const ROLES_WRITE: &str = "project.roles.write";
pub const TASKS_READ: &str = "tasks.read";
pub const AGENTS_READ: &str = "agents.read";
pub const AGENTS_WRITE: &str = "agents.write";
pub const SPRINTS_READ: &str = "sprints.read";
pub const SPRINTS_WRITE: &str = "sprints.write";
pub const TASKS_WRITE: &str = "tasks.write";
pub const DOCS_READ: &str = "docs.read";
pub const DOCS_WRITE: &str = "docs.write";

/// Who is asking, as far as a project is concerned.
#[derive(Clone, Debug, Default)]
pub struct Caller {
    /// `None` for anonymous callers.
    pub user_id: Option<UserId>,
    pub username: String,
    pub full_name: String,
    pub global: PermissionSet,
    /// An agent acting through its conversation credential: its member's project role is all
    /// it may do (global permissions do not apply), and only in that member's project.
    pub agent_member: Option<crate::ids::MemberId>,
    /// `X-Agent-ID`: the agent this request acts as (see [`acting_as`]).
    pub acting_agent: Option<crate::ids::AgentId>,
}

impl Caller {
    pub fn anonymous() -> Self {
        Self::default()
    }
}

impl From<&Principal> for Caller {
    fn from(principal: &Principal) -> Self {
        Self {
            user_id: Some(principal.user.id),
            username: principal.user.username.clone(),
            full_name: principal.user.full_name.clone(),
            global: principal.permissions.clone(),
            agent_member: match principal.credential {
                crate::accounts::Credential::Agent { member, .. } => Some(member),
                _ => None,
            },
            acting_agent: None,
        }
    }
}

/// The caller a request with `X-Agent-ID` acts as (Paca's agents and its MCP package in
/// agent mode send it): the agent's member, with only its project role, so that its writes
/// are the agent's. Allowed to the agent's own run credential, and to a user who may manage
/// the project's agents (`agents.write`) — Paca's shared agent key does not exist here.
/// Without the header the caller is unchanged.
pub fn acting_as(state: &ProjectState, caller: &Caller) -> Result<Option<Caller>> {
    let Some(agent_id) = caller.acting_agent else {
        return Ok(None);
    };
    if caller.user_id.is_none() {
        return Err(unauthenticated());
    }
    let agent = state.live_agent(agent_id).ok_or_else(|| {
        Error::not_found(codes::AGENT_NOT_FOUND, "agent: not found in this project")
    })?;
    match caller.agent_member {
        Some(member) if member != agent.member_id => {
            return Err(Error::forbidden(
                "X-Agent-ID names another agent than this credential's",
            ));
        }
        Some(_) => {}
        None => {
            if !may(state, caller, AGENTS_WRITE) {
                return Err(Error::forbidden(
                    "acting as an agent (X-Agent-ID) needs agents.write in its project",
                ));
            }
        }
    }
    Ok(Some(Caller {
        user_id: caller.user_id,
        username: agent.handle.clone(),
        full_name: agent.name.clone(),
        global: PermissionSet::default(),
        agent_member: Some(agent.member_id),
        acting_agent: None,
    }))
}

/// Whether the caller holds `permission` in the project: the union of their global
/// permissions and their project role's (an agent: its role's only), checked without building
/// a set (every command and read asks).
pub fn may(state: &ProjectState, caller: &Caller, permission: &str) -> bool {
    let role_of = |member: MemberId| {
        state
            .live_member(member)
            .and_then(|m| state.roles.get(&m.project_role_id))
    };
    if let Some(member) = caller.agent_member {
        return role_of(member).is_some_and(|r| map_grants(&r.permissions, permission));
    }
    caller.global.grants(permission)
        || caller
            .user_id
            .and_then(|u| state.member_of(u))
            .and_then(|member| state.roles.get(&member.project_role_id))
            .is_some_and(|r| map_grants(&r.permissions, permission))
}

fn unauthenticated() -> Error {
    Error::unauthorized(codes::AUTH_UNAUTHENTICATED, "unauthenticated")
}

/// A write (or a members-only read): the permission, and a project that exists.
pub fn require(state: &ProjectState, caller: &Caller, permission: &str) -> Result<()> {
    if caller.user_id.is_none() {
        return Err(unauthenticated());
    }
    if !may(state, caller, permission) {
        return Err(Error::forbidden("insufficient permissions"));
    }
    require_live(state)
}

/// A read: public projects are open to anonymous callers; signed-in callers need the
/// permission or global `projects.read` (Paca: a signed-in non-member of a public project is
/// refused).
pub fn require_read(state: &ProjectState, caller: &Caller, permission: &str) -> Result<()> {
    if caller.user_id.is_none() {
        return match state.live_project() {
            Some(p) if p.is_public => Ok(()),
            _ => Err(unauthenticated()),
        };
    }
    if !(caller.global.grants(PROJECTS_READ) || may(state, caller, permission)) {
        return Err(Error::forbidden("insufficient permissions"));
    }
    require_live(state)
}

fn require_live(state: &ProjectState) -> Result<()> {
    state
        .live_project()
        .map(|_| ())
        .ok_or_else(|| Error::not_found(codes::PROJECT_NOT_FOUND, "project: not found"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ProjectRoleId;
    use crate::project::model::{Member, MemberType, ProjectRole};

    /// The caller's effective permissions in the project, as a set: what `may` answers from.
    fn effective(state: &ProjectState, caller: &Caller) -> PermissionSet {
        if let Some(member) = caller.agent_member {
            let role = state
                .live_member(member)
                .and_then(|m| state.roles.get(&m.project_role_id));
            let keys: crate::permission::PermissionMap = role
                .map(|r| {
                    r.permissions
                        .iter()
                        .filter(|(_, granted)| **granted)
                        .map(|(k, _)| (k.clone(), true))
                        .collect()
                })
                .unwrap_or_default();
            return PermissionSet::from_map(&keys);
        }
        let mut keys: Vec<String> = caller.global.keys().map(str::to_owned).collect();
        let role = caller
            .user_id
            .and_then(|u| state.member_of(u))
            .and_then(|member| state.roles.get(&member.project_role_id));
        if let Some(role) = role {
            keys.extend(
                role.permissions
                    .iter()
                    .filter(|(_, granted)| **granted)
                    .map(|(k, _)| k.clone()),
            );
        }
        PermissionSet::from_map(&keys.into_iter().map(|k| (k, true)).collect())
    }

    fn role(permissions: &[&str]) -> ProjectRole {
        ProjectRole {
            id: ProjectRoleId::new(),
            project_id: crate::ids::ProjectId::new(),
            role_name: "r".into(),
            permissions: permissions
                .iter()
                .map(|p| ((*p).to_owned(), true))
                .collect(),
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn an_agent_gets_its_member_role_and_nothing_global() {
        let mut state = ProjectState::default();
        let viewer = role(&["tasks.read"]);
        let member = Member {
            id: MemberId::new(),
            project_id: viewer.project_id,
            user_id: None,
            agent_id: Some(uuid::Uuid::new_v4()),
            member_type: MemberType::Agent,
            project_role_id: viewer.id,
            username: "bot".into(),
            full_name: "Bot".into(),
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            deleted_at: None,
        };
        state.roles.insert(viewer.id, viewer);
        state.members.insert(member.id, member.clone());
        let all: crate::permission::PermissionMap = [("*".to_owned(), true)].into();
        let agent = Caller {
            user_id: Some(UserId::new()),
            global: PermissionSet::from_map(&all),
            agent_member: Some(member.id),
            ..Caller::default()
        };
        let granted = effective(&state, &agent);
        assert!(granted.grants("tasks.read"));
        assert!(
            !granted.grants("tasks.write"),
            "global permissions do not apply"
        );
        // A member of another project (or a removed one) grants nothing here.
        let stranger = Caller {
            agent_member: Some(MemberId::new()),
            ..agent.clone()
        };
        assert!(!effective(&state, &stranger).grants("tasks.read"));
        state
            .members
            .get_mut(&member.id)
            .expect("member")
            .deleted_at = Some(chrono::Utc::now());
        assert!(!effective(&state, &agent).grants("tasks.read"));
        assert!(!may(&state, &agent, "tasks.read"));
    }

    /// `may` answers what the effective set grants, for users and agents, with exact keys,
    /// domain wildcards, `*`, keys mapped to `false`, and no membership at all.
    #[test]
    fn may_agrees_with_the_effective_set() {
        let mut state = ProjectState::default();
        let mut editor = role(&["tasks.*", "sprints.read"]);
        editor.permissions.insert("members.write".into(), false);
        let user = UserId::new();
        let member = Member {
            id: MemberId::new(),
            project_id: editor.project_id,
            user_id: Some(user),
            agent_id: None,
            member_type: MemberType::Human,
            project_role_id: editor.id,
            username: "u".into(),
            full_name: "U".into(),
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            deleted_at: None,
        };
        state.roles.insert(editor.id, editor);
        state.members.insert(member.id, member.clone());
        let global = |keys: &[&str]| {
            let map: crate::permission::PermissionMap =
                keys.iter().map(|k| ((*k).to_owned(), true)).collect();
            PermissionSet::from_map(&map)
        };
        let callers = [
            Caller {
                user_id: Some(user),
                ..Caller::default()
            },
            Caller {
                user_id: Some(user),
                global: global(&["projects.*"]),
                ..Caller::default()
            },
            Caller {
                user_id: Some(UserId::new()),
                global: global(&["*"]),
                ..Caller::default()
            },
            Caller {
                user_id: Some(UserId::new()),
                ..Caller::default()
            },
            Caller {
                user_id: Some(user),
                agent_member: Some(member.id),
                ..Caller::default()
            },
        ];
        let keys = [
            "tasks.read",
            "tasks.write",
            "tasks",
            "sprints.read",
            "sprints.write",
            "members.write",
            "projects.delete",
            "agents.write",
        ];
        for caller in &callers {
            let set = effective(&state, caller);
            for key in keys {
                assert_eq!(
                    may(&state, caller, key),
                    set.grants(key),
                    "{key} for {caller:?}"
                );
            }
        }
    }
}
