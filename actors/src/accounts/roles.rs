//! Global roles (global permissions `global_roles.*`). The three system roles keep their names,
//! and `SUPER_ADMIN` keeps `*`, so an installation can never lock itself out.

use super::{Accounts, Principal, admin};
use crate::error::{Error, Result, codes};
use crate::ids::GlobalRoleId;
use crate::permission::{self, PermissionMap, defaults};
use crate::store::StoreError;
use crate::user::{GlobalRole, ROLE_NAME_MAX};

impl Accounts {
    pub async fn list_roles(&self, principal: &Principal) -> Result<Vec<GlobalRole>> {
        admin(principal, permission::GLOBAL_ROLES_READ)?;
        Ok(self.store().list_roles().await?)
    }

    pub async fn create_role(
        &self,
        principal: &Principal,
        name: &str,
        permissions: PermissionMap,
    ) -> Result<GlobalRole> {
        admin(principal, permission::GLOBAL_ROLES_WRITE)?;
        let name = role_name(name)?;
        validate_permissions(&permissions)?;
        let now = crate::clock::now();
        let role = GlobalRole {
            id: GlobalRoleId::new(),
            name,
            permissions,
            is_system: false,
            created_at: now,
            updated_at: now,
        };
        self.store().insert_role(&role).await.map_err(name_taken)?;
        Ok(role)
    }

    /// Renames the role and/or replaces its permission map; `None` leaves either as it is.
    pub async fn update_role(
        &self,
        principal: &Principal,
        id: GlobalRoleId,
        name: Option<&str>,
        permissions: Option<PermissionMap>,
    ) -> Result<GlobalRole> {
        let _changing = self.announcing(super::AccountChange::Everyone);
        admin(principal, permission::GLOBAL_ROLES_WRITE)?;
        let role = self
            .store()
            .role_by_id(id)
            .await?
            .ok_or_else(role_not_found)?;
        let name = name
            .map(role_name)
            .transpose()?
            .unwrap_or_else(|| role.name.clone());
        if role.is_system && name != role.name {
            return Err(system_role("renamed"));
        }
        if let Some(permissions) = &permissions {
            validate_permissions(permissions)?;
            if role.is_system && role.name == defaults::SUPER_ADMIN {
                return Err(system_role("given other permissions"));
            }
        }
        let permissions = permissions.unwrap_or_else(|| role.permissions.clone());
        let now = crate::clock::now();
        if !self
            .store()
            .update_role(id, &name, &permissions, now)
            .await
            .map_err(name_taken)?
        {
            return Err(role_not_found());
        }
        Ok(GlobalRole {
            name,
            permissions,
            updated_at: now,
            ..role
        })
    }

    pub async fn delete_role(&self, principal: &Principal, id: GlobalRoleId) -> Result<()> {
        let _changing = self.changing();
        admin(principal, permission::GLOBAL_ROLES_WRITE)?;
        let role = self
            .store()
            .role_by_id(id)
            .await?
            .ok_or_else(role_not_found)?;
        if role.is_system {
            return Err(system_role("deleted"));
        }
        if self.store().role_holders(id).await?.users > 0 {
            return Err(Error::conflict(
                codes::GLOBAL_ROLE_HAS_ASSIGNED_USERS,
                "global role: role has assigned users",
            ));
        }
        if !self.store().delete_role(id).await? {
            return Err(role_not_found());
        }
        Ok(())
    }

    pub(super) async fn role_named(&self, name: &str) -> Result<GlobalRole> {
        self.store()
            .role_by_name(name.trim())
            .await?
            .ok_or_else(role_not_found)
    }
}

fn role_name(name: &str) -> Result<String> {
    if name.is_empty() {
        return Err(Error::bad_request("name is required"));
    }
    let trimmed = name.trim();
    if trimmed.is_empty() || trimmed.chars().count() > ROLE_NAME_MAX {
        return Err(Error::invalid(
            codes::GLOBAL_ROLE_NAME_INVALID,
            format!("global role: name must be 1 to {ROLE_NAME_MAX} characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

fn validate_permissions(permissions: &PermissionMap) -> Result<()> {
    for key in permissions.keys() {
        permission::validate_key(key)
            .map_err(|m| Error::invalid(codes::GLOBAL_ROLE_PERMISSIONS_INVALID, m))?;
    }
    Ok(())
}

pub(super) fn role_not_found() -> Error {
    Error::not_found(codes::GLOBAL_ROLE_NOT_FOUND, "global role: not found")
}

fn system_role(what: &str) -> Error {
    Error::conflict(
        codes::GLOBAL_ROLE_IS_SYSTEM,
        format!("global role: a system role cannot be {what}"),
    )
}

fn name_taken(err: StoreError) -> Error {
    match err {
        StoreError::Conflict(_) => Error::conflict(
            codes::GLOBAL_ROLE_NAME_TAKEN,
            "global role: name already in use",
        ),
        other => other.into(),
    }
}
