//! Project roles: named permission maps members hold.

use super::Stage;
use crate::error::{Error, Result, codes};
use crate::ids::ProjectRoleId;
use crate::permission::{self, PermissionMap};
use crate::project::access::{self, ROLES_WRITE};
use crate::project::batch::Change;
use crate::project::events::EventKind;
use crate::project::model::ProjectRole;
use serde_json::json;

command!(CreateRole { role_name: String, permissions: PermissionMap } -> ProjectRole,
    |c, s| create(s, &c.role_name, &c.permissions));
command!(UpdateRole {
        role_id: ProjectRoleId,
        /// `None` keeps the name.
        role_name: Option<String>,
        permissions: Option<PermissionMap>,
    } -> ProjectRole,
    |c, s| update(s, c.role_id, c.role_name.as_deref(), c.permissions.as_ref()));
command!(DeleteRole(ProjectRoleId) -> (), |Self(id), s| delete(s, *id));

const ROLE_NAME_MAX: usize = 100;

fn role_not_found() -> Error {
    Error::not_found(codes::PROJECT_ROLE_NOT_FOUND, "project: role not found")
}

fn role_name(raw: &str) -> Result<String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() || trimmed.chars().count() > ROLE_NAME_MAX {
        return Err(Error::invalid(
            codes::PROJECT_ROLE_NAME_INVALID,
            "project: role name is empty or invalid",
        ));
    }
    Ok(trimmed.to_owned())
}

fn check_permissions(permissions: &PermissionMap) -> Result<()> {
    for key in permissions.keys() {
        permission::validate_key(key).map_err(Error::bad_request)?;
    }
    Ok(())
}

fn name_taken(s: &Stage<'_>, name: &str, except: Option<ProjectRoleId>) -> Result<()> {
    if s.state
        .roles
        .values()
        .any(|r| r.role_name == name && Some(r.id) != except)
    {
        return Err(Error::conflict(
            codes::PROJECT_ROLE_NAME_TAKEN,
            "project: role name already in use",
        ));
    }
    Ok(())
}

pub(super) fn create(
    s: &mut Stage<'_>,
    name: &str,
    permissions: &PermissionMap,
) -> Result<ProjectRole> {
    access::require(s.state, s.caller, ROLES_WRITE)?;
    if name.is_empty() {
        return Err(Error::bad_request("role_name is required"));
    }
    let name = role_name(name)?;
    check_permissions(permissions)?;
    name_taken(s, &name, None)?;
    let role = ProjectRole {
        id: ProjectRoleId::new(),
        project_id: s.state.live_project().map(|p| p.id).unwrap_or_default(),
        role_name: name,
        permissions: permissions.clone(),
        created_at: s.now,
        updated_at: s.now,
    };
    s.put(Change::Role(role.clone()));
    s.emit(
        EventKind::RoleCreated,
        None,
        Some(role.id.0),
        json!({"project_id": role.project_id, "role_id": role.id}),
    );
    Ok(role)
}

pub(super) fn update(
    s: &mut Stage<'_>,
    id: ProjectRoleId,
    name: Option<&str>,
    permissions: Option<&PermissionMap>,
) -> Result<ProjectRole> {
    access::require(s.state, s.caller, ROLES_WRITE)?;
    let mut role = s.state.roles.get(&id).cloned().ok_or_else(role_not_found)?;
    if let Some(name) = name {
        let name = role_name(name)?;
        name_taken(s, &name, Some(id))?;
        role.role_name = name;
    }
    if let Some(permissions) = permissions {
        check_permissions(permissions)?;
        role.permissions = permissions.clone();
    }
    role.updated_at = s.now;
    s.put(Change::Role(role.clone()));
    s.emit(
        EventKind::RoleUpdated,
        None,
        Some(role.id.0),
        json!({"project_id": role.project_id, "role_id": role.id}),
    );
    Ok(role)
}

pub(super) fn delete(s: &mut Stage<'_>, id: ProjectRoleId) -> Result<()> {
    access::require(s.state, s.caller, ROLES_WRITE)?;
    let role = s.state.roles.get(&id).cloned().ok_or_else(role_not_found)?;
    let in_use = s
        .state
        .members
        .values()
        .any(|m| m.project_role_id == id && m.deleted_at.is_none());
    if in_use {
        return Err(Error::conflict(
            codes::PROJECT_ROLE_HAS_MEMBERS,
            "project: role still has members assigned",
        ));
    }
    s.put(Change::RoleDeleted(id));
    s.emit(
        EventKind::RoleDeleted,
        None,
        Some(id.0),
        json!({"project_id": role.project_id, "role_id": id}),
    );
    Ok(())
}
