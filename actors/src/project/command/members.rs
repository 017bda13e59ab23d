//! Project members. Humans are added here; agent members are made and removed with their
//! agent (`agents.rs`). Removing is a soft delete; adding a removed user back revives their
//! membership.

use super::Stage;
use crate::error::{Error, Result, codes};
use crate::ids::{MemberId, ProjectRoleId, UserId};
use crate::project::access::{self, MEMBERS_WRITE};
use crate::project::batch::Change;
use crate::project::events::EventKind;
use crate::project::model::{Member, MemberType};
use serde_json::json;

/// Adds a user to the project with a role.
#[derive(Clone, Debug)]
pub struct AddMember {
    pub user_id: UserId,
    pub project_role_id: ProjectRoleId,
    /// The user's names; looked up in the store before staging when `None`.
    pub profile: Option<MemberProfile>,
}

impl super::ProjectCommand for AddMember {
    type Reply = Member;

    fn stage(&self, s: &mut Stage<'_>) -> Result<Member> {
        add(s, self.user_id, self.project_role_id, self.profile.as_ref())
    }

    async fn resolve(&mut self, outside: super::Outside<'_>) {
        if self.profile.is_some() {
            return;
        }
        self.profile = match outside.store.user_by_id(self.user_id).await {
            Ok(Some(record)) => Some(MemberProfile {
                username: record.user.username,
                full_name: record.user.full_name,
            }),
            Ok(None) => None,
            Err(err) => {
                tracing::warn!(%err, "looking up a new member");
                None
            }
        };
    }
}

command!(UpdateMemberRole { member_id: MemberId, project_role_id: ProjectRoleId } -> Member,
    |c, s| update_role(s, c.member_id, c.project_role_id));
command!(RemoveMember(MemberId) -> (), |Self(id), s| remove(s, *id));

/// The user behind a new membership, looked up by the actor before staging.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberProfile {
    pub username: String,
    pub full_name: String,
}

fn role_not_found() -> Error {
    Error::not_found(codes::PROJECT_ROLE_NOT_FOUND, "project: role not found")
}

pub(crate) fn member_not_found() -> Error {
    Error::not_found(codes::PROJECT_MEMBER_NOT_FOUND, "project: member not found")
}

pub(super) fn add(
    s: &mut Stage<'_>,
    user_id: UserId,
    role_id: ProjectRoleId,
    profile: Option<&MemberProfile>,
) -> Result<Member> {
    access::require(s.state, s.caller, MEMBERS_WRITE)?;
    if !s.state.roles.contains_key(&role_id) {
        return Err(role_not_found());
    }
    let profile =
        profile.ok_or_else(|| Error::not_found(codes::USER_NOT_FOUND, "user: not found"))?;
    if s.state.member_of(user_id).is_some() {
        return Err(Error::conflict(
            codes::PROJECT_MEMBER_ALREADY_ADDED,
            "project: user is already a member",
        ));
    }
    let previous = s
        .state
        .members
        .values()
        .find(|m| m.user_id == Some(user_id))
        .cloned();
    let member = match previous {
        Some(old) => Member {
            project_role_id: role_id,
            username: profile.username.clone(),
            full_name: profile.full_name.clone(),
            updated_at: s.now,
            deleted_at: None,
            ..old
        },
        None => Member {
            id: MemberId::new(),
            project_id: s.state.live_project().map(|p| p.id).unwrap_or_default(),
            user_id: Some(user_id),
            agent_id: None,
            member_type: MemberType::Human,
            project_role_id: role_id,
            username: profile.username.clone(),
            full_name: profile.full_name.clone(),
            created_at: s.now,
            updated_at: s.now,
            deleted_at: None,
        },
    };
    s.put(Change::Member(member.clone()));
    s.emit(
        EventKind::MemberAdded,
        None,
        Some(member.id.0),
        json!({"project_id": member.project_id, "member_id": member.id, "user_id": user_id}),
    );
    Ok(member)
}

pub(super) fn update_role(
    s: &mut Stage<'_>,
    id: MemberId,
    role_id: ProjectRoleId,
) -> Result<Member> {
    access::require(s.state, s.caller, MEMBERS_WRITE)?;
    let mut member = s
        .state
        .live_member(id)
        .cloned()
        .ok_or_else(member_not_found)?;
    if !s.state.roles.contains_key(&role_id) {
        return Err(role_not_found());
    }
    member.project_role_id = role_id;
    member.updated_at = s.now;
    s.put(Change::Member(member.clone()));
    s.emit(
        EventKind::MemberUpdated,
        None,
        Some(member.id.0),
        json!({"project_id": member.project_id, "member_id": member.id, "project_role_id": role_id}),
    );
    Ok(member)
}

pub(super) fn remove(s: &mut Stage<'_>, id: MemberId) -> Result<()> {
    access::require(s.state, s.caller, MEMBERS_WRITE)?;
    let mut member = s
        .state
        .live_member(id)
        .cloned()
        .ok_or_else(member_not_found)?;
    if member.member_type == MemberType::Agent {
        return Err(Error::bad_request(
            "agent members leave with their agent: DELETE /projects/{projectId}/agents/{agentId}",
        ));
    }
    member.deleted_at = Some(s.now);
    member.updated_at = s.now;
    s.put(Change::Member(member.clone()));
    s.emit(
        EventKind::MemberRemoved,
        None,
        Some(member.id.0),
        json!({"project_id": member.project_id, "member_id": member.id}),
    );
    Ok(())
}
