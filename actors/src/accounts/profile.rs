//! A user's own account: profile, password, effective global permissions.

use super::session::check_password_shape;
use super::{Accounts, Principal, bounded_text};
use crate::auth::password;
use crate::error::{Error, Result, codes};
use crate::store::UserChanges;
use crate::user::{FULL_NAME_MAX, User};

impl Accounts {
    pub fn me(&self, principal: &Principal) -> Result<User> {
        principal.require_fresh_password()?;
        Ok(principal.user.clone())
    }

    /// Sets (or with `None`, clears) the caller's full name.
    pub async fn update_me(&self, principal: &Principal, full_name: Option<&str>) -> Result<User> {
        let _changing = self.changing();
        principal.require_fresh_password()?;
        let full_name = bounded_text(full_name.unwrap_or(""), FULL_NAME_MAX, "full_name")?;
        let changes = UserChanges {
            full_name: Some(full_name),
            ..UserChanges::default()
        };
        if !self
            .store()
            .update_user(principal.user.id, &changes, crate::clock::now())
            .await?
        {
            return Err(user_not_found());
        }
        self.user(principal.user.id).await
    }

    /// Changes the caller's password and clears a forced change. Every session of the user
    /// ends (Paca ends only the current one), so a stolen session dies with the old password.
    pub async fn change_password(
        &self,
        principal: &Principal,
        current_password: &str,
        new_password: &str,
    ) -> Result<()> {
        let _changing = self.announcing(super::AccountChange::User(principal.user.id));
        principal.require_session()?;
        if current_password.is_empty() {
            return Err(Error::bad_request("current_password is required"));
        }
        check_password_shape(new_password, "new_password")?;
        let record = self
            .store()
            .user_by_id(principal.user.id)
            .await?
            .ok_or_else(user_not_found)?;
        if !password::verify(current_password, &record.password_hash).await? {
            return Err(Error::Unprocessable {
                code: codes::USER_INVALID_CURRENT_PASSWORD,
                message: "current password is incorrect".into(),
            });
        }
        let hash = password::hash(new_password).await?;
        let now = crate::clock::now();
        self.store()
            .set_password(principal.user.id, &hash, false, now)
            .await?;
        self.store()
            .revoke_user_sessions(principal.user.id, now)
            .await?;
        Ok(())
    }

    /// The caller's granted global permission keys, sorted.
    pub fn global_permissions(&self, principal: &Principal) -> Result<Vec<String>> {
        principal.require_fresh_password()?;
        Ok(principal.permissions.keys().map(str::to_owned).collect())
    }

    pub(super) async fn user(&self, id: crate::ids::UserId) -> Result<User> {
        self.store()
            .user_by_id(id)
            .await?
            .map(|r| r.user)
            .ok_or_else(user_not_found)
    }
}

pub(super) fn user_not_found() -> Error {
    Error::not_found(codes::USER_NOT_FOUND, "user: not found")
}
