//! User administration (global permissions `users.*`, `global_roles.assign`).

use super::profile::user_not_found;
use super::roles::role_not_found;
use super::session::check_password_shape;
use super::{Accounts, Principal, admin, bounded_text};
use crate::auth::password;
use crate::error::{Error, Result, codes};
use crate::ids::{GlobalRoleId, UserId};
use crate::permission::{self, defaults};
use crate::store::{NewUser, StoreError, UserChanges};
use crate::user::{FULL_NAME_MAX, GlobalRole, USERNAME_MAX, USERNAME_MIN, User};

/// A new account, as an administrator describes it.
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub full_name: &'a str,
    /// Role name; `USER` when absent.
    pub role: Option<&'a str>,
}

/// Changes an administrator makes to an account; `None` leaves a field as it is.
#[derive(Default)]
pub struct AccountChanges<'a> {
    pub full_name: Option<&'a str>,
    /// Role name.
    pub role: Option<&'a str>,
    pub is_active: Option<bool>,
}

impl Accounts {
    /// A page of users (1-based) and the total count.
    pub async fn list_users(
        &self,
        principal: &Principal,
        page: u64,
        page_size: u64,
    ) -> Result<(Vec<User>, u64)> {
        admin(principal, permission::USERS_READ)?;
        let offset = page.saturating_sub(1).saturating_mul(page_size);
        Ok(self.store().list_users(offset, page_size).await?)
    }

    pub async fn get_user(&self, principal: &Principal, id: UserId) -> Result<User> {
        admin(principal, permission::USERS_READ)?;
        self.user(id).await
    }

    /// Creates an account that must change its password at first login.
    pub async fn create_user(&self, principal: &Principal, new: NewAccount<'_>) -> Result<User> {
        admin(principal, permission::USERS_WRITE)?;
        let full_name = bounded_text(new.full_name, FULL_NAME_MAX, "full_name")?;
        if new.username.is_empty() || full_name.is_empty() {
            return Err(Error::bad_request("username and full_name are required"));
        }
        validate_username(new.username)?;
        check_password_shape(new.password, "password")?;
        let role = self.role_named(new.role.unwrap_or(defaults::USER)).await?;
        let id = UserId::new();
        let user = NewUser {
            id,
            username: new.username.to_owned(),
            password_hash: password::hash(new.password).await?,
            full_name,
            role_id: role.id,
            must_change_password: true,
            created_at: crate::clock::now(),
        };
        self.store()
            .insert_user(&user)
            .await
            .map_err(username_taken)?;
        self.user(id).await
    }

    pub async fn update_user(
        &self,
        principal: &Principal,
        id: UserId,
        changes: AccountChanges<'_>,
    ) -> Result<User> {
        let _changing = self.announcing(super::AccountChange::User(id));
        admin(principal, permission::USERS_WRITE)?;
        let target = self.user(id).await?;
        let role_id = match changes.role {
            Some(name) => Some(self.role_named(name).await?.id),
            None => None,
        };
        let full_name = changes
            .full_name
            .map(|n| bounded_text(n, FULL_NAME_MAX, "full_name"))
            .transpose()?;
        let loses_super_admin = role_id
            .is_some_and(|r| Some(r) != target.role.as_ref().map(|r| r.id))
            || changes.is_active == Some(false);
        if loses_super_admin {
            self.keep_a_super_admin(&target).await?;
        }
        let store_changes = UserChanges {
            full_name,
            role_id,
            is_active: changes.is_active,
        };
        if !self
            .store()
            .update_user(id, &store_changes, crate::clock::now())
            .await?
        {
            return Err(user_not_found());
        }
        self.user(id).await
    }

    /// Sets a temporary password: the user must change it, and their sessions end.
    pub async fn reset_password(
        &self,
        principal: &Principal,
        id: UserId,
        new_password: &str,
    ) -> Result<()> {
        let _changing = self.announcing(super::AccountChange::User(id));
        admin(principal, permission::USERS_WRITE)?;
        check_password_shape(new_password, "new_password")?;
        let hash = password::hash(new_password).await?;
        let now = crate::clock::now();
        if !self.store().set_password(id, &hash, true, now).await? {
            return Err(user_not_found());
        }
        self.store().revoke_user_sessions(id, now).await?;
        Ok(())
    }

    /// Soft-deletes a user; their tokens and keys stop working at once.
    pub async fn delete_user(&self, principal: &Principal, id: UserId) -> Result<()> {
        let _changing = self.announcing(super::AccountChange::User(id));
        admin(principal, permission::USERS_DELETE)?;
        let target = self.user(id).await?;
        self.keep_a_super_admin(&target).await?;
        let now = crate::clock::now();
        if !self.store().delete_user(id, now).await? {
            return Err(user_not_found());
        }
        self.store().revoke_user_sessions(id, now).await?;
        Ok(())
    }

    /// Replaces the user's global role. Paca's route takes a list, but a user holds exactly one
    /// role, so the list must name exactly one.
    pub async fn assign_global_roles(
        &self,
        principal: &Principal,
        id: UserId,
        role_ids: &[GlobalRoleId],
    ) -> Result<(UserId, GlobalRole)> {
        let _changing = self.announcing(super::AccountChange::User(id));
        admin(principal, permission::GLOBAL_ROLES_ASSIGN)?;
        let mut distinct = role_ids.to_vec();
        distinct.sort();
        distinct.dedup();
        let [role_id] = distinct[..] else {
            return Err(Error::bad_request(
                "role_ids must name exactly one global role",
            ));
        };
        let target = self.user(id).await?;
        let role = self
            .store()
            .role_by_id(role_id)
            .await?
            .ok_or_else(role_not_found)?;
        if target.role.as_ref().map(|r| r.id) != Some(role.id) {
            self.keep_a_super_admin(&target).await?;
        }
        let changes = UserChanges {
            role_id: Some(role.id),
            ..UserChanges::default()
        };
        if !self
            .store()
            .update_user(id, &changes, crate::clock::now())
            .await?
        {
            return Err(user_not_found());
        }
        Ok((id, role))
    }

    /// Refuses a change that would leave no enabled user holding `SUPER_ADMIN`.
    async fn keep_a_super_admin(&self, target: &User) -> Result<()> {
        let Some(role) = target
            .role
            .as_ref()
            .filter(|r| r.is_system && r.name == defaults::SUPER_ADMIN)
        else {
            return Ok(());
        };
        if !target.is_active {
            return Ok(());
        }
        if self.store().role_holders(role.id).await?.enabled <= 1 {
            return Err(Error::conflict(
                codes::USER_LAST_SUPER_ADMIN,
                "the last enabled SUPER_ADMIN cannot be removed, disabled or demoted",
            ));
        }
        Ok(())
    }
}

/// 3 to 64 characters of letters, digits and `._-@`.
pub(super) fn validate_username(username: &str) -> Result<()> {
    let len = username.chars().count();
    if !(USERNAME_MIN..=USERNAME_MAX).contains(&len) {
        return Err(Error::bad_request(format!(
            "username must be {USERNAME_MIN} to {USERNAME_MAX} characters"
        )));
    }
    if !username
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        return Err(Error::bad_request(
            "username may contain only letters, digits and . _ - @",
        ));
    }
    Ok(())
}

fn username_taken(err: StoreError) -> Error {
    match err {
        StoreError::Conflict(_) => {
            Error::conflict(codes::USER_USERNAME_TAKEN, "user: username already taken")
        }
        other => other.into(),
    }
}
