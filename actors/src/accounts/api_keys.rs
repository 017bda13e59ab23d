//! Personal API keys. Managing them needs a browser session, never another key.

use super::{Accounts, Principal};
use crate::auth::api_key;
use crate::error::{Error, Result, codes};
use crate::ids::ApiKeyId;
use crate::user::{API_KEY_NAME_MAX, ApiKey};
use chrono::{DateTime, Utc};

/// A key just created: the only time the key itself is shown.
pub struct CreatedApiKey {
    pub api_key: ApiKey,
    pub key: String,
}

impl Accounts {
    pub async fn list_api_keys(&self, principal: &Principal) -> Result<Vec<ApiKey>> {
        principal.require_fresh_password()?;
        principal.require_session()?;
        Ok(self.store().list_api_keys(principal.user.id).await?)
    }

    pub async fn create_api_key(
        &self,
        principal: &Principal,
        name: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<CreatedApiKey> {
        principal.require_fresh_password()?;
        principal.require_session()?;
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::invalid(
                codes::API_KEY_NAME_INVALID,
                "api key: name must not be empty",
            ));
        }
        if name.chars().count() > API_KEY_NAME_MAX {
            return Err(Error::invalid(
                codes::API_KEY_NAME_TOO_LONG,
                format!("api key: name must not exceed {API_KEY_NAME_MAX} characters"),
            ));
        }
        let now = crate::clock::now();
        if expires_at.is_some_and(|at| at <= now) {
            return Err(Error::bad_request("expires_at must be in the future"));
        }
        let generated = api_key::generate();
        let api_key = ApiKey {
            id: ApiKeyId::new(),
            user_id: principal.user.id,
            name: name.to_owned(),
            key_prefix: generated.display_prefix,
            last_used_at: None,
            expires_at,
            revoked_at: None,
            created_at: now,
        };
        self.store()
            .insert_api_key(&api_key, &generated.hash)
            .await?;
        Ok(CreatedApiKey {
            api_key,
            key: generated.key,
        })
    }

    /// Revokes one of the caller's keys. Someone else's key is "not found" (Paca says
    /// "forbidden", which tells the caller the key exists).
    pub async fn revoke_api_key(&self, principal: &Principal, id: ApiKeyId) -> Result<()> {
        principal.require_fresh_password()?;
        principal.require_session()?;
        let not_found = || Error::not_found(codes::API_KEY_NOT_FOUND, "api key: not found");
        let key = self
            .store()
            .api_key_by_id(id)
            .await?
            .filter(|k| k.user_id == principal.user.id)
            .ok_or_else(not_found)?;
        if !self
            .store()
            .revoke_api_key(key.id, crate::clock::now())
            .await?
        {
            return Err(not_found());
        }
        Ok(())
    }
}
