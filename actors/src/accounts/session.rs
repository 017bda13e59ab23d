//! Login, refresh rotation with reuse detection, logout, and authenticating each request.

use super::{Accounts, Credential, Presented, Principal};
use crate::auth::token::{Claims, SignedToken, TokenKind, TokenSubject, invalid_token};
use crate::auth::{api_key, password};
use crate::error::{Error, Result, codes};
use crate::ids::SessionFamilyId;
use crate::store::RefreshUse;
use crate::user::{PASSWORD_MAX, PASSWORD_MIN, User, UserRecord};
use chrono::{DateTime, Utc};
use std::net::IpAddr;
use std::time::Duration;

/// A second use of a refresh token within this window is treated as a client retry (refused,
/// but the session survives); later reuse means the token leaked and revokes the session.
pub const REUSE_GRACE: Duration = Duration::from_secs(5);

/// `last_used_at` of an API key is written at most this often.
const KEY_TOUCH_INTERVAL: chrono::Duration = chrono::Duration::seconds(60);

/// The pair of tokens a login or refresh hands out (as cookies).
pub struct SessionTokens {
    pub access: SignedToken,
    pub refresh: SignedToken,
}

impl Accounts {
    pub async fn login(
        &self,
        ip: Option<IpAddr>,
        username: &str,
        password: &str,
        remember_me: bool,
    ) -> Result<SessionTokens> {
        if username.is_empty() {
            return Err(Error::bad_request("username is required"));
        }
        check_password_shape(password, "password")?;
        // Counted as a failure until the password proves right (see `login_limiter`).
        let attempt = self.inner.limiter.admit(ip, username)?;

        let record = self.store().user_by_username(username).await?;
        let hash = record
            .as_ref()
            .map_or(password::DECOY_HASH, |r| r.password_hash.as_str());
        let matches = password::verify(password, hash).await?;
        let Some(record) = record.filter(|_| matches) else {
            return Err(Error::unauthorized(
                codes::AUTH_INVALID_CREDENTIALS,
                "invalid username or password",
            ));
        };
        attempt.succeeded();
        ensure_enabled(&record.user)?;

        let now = crate::clock::now();
        let family = SessionFamilyId::new();
        self.store()
            .create_session_family(family, record.user.id, now)
            .await?;
        self.issue(&record.user, family, remember_me, now)
    }

    /// Rotates a refresh token: the old one is spent, a new pair is issued in the same family.
    ///
    /// A token spent before (past the retry grace) revokes its whole family: the token it was
    /// rotated into and every later one. The family is read from the store, never from this
    /// node's session cache, so once a reuse is detected on any node no node rotates a token of
    /// that family again.
    pub async fn refresh(&self, refresh_token: Option<&str>) -> Result<SessionTokens> {
        let _changing = self.changing();
        let token = refresh_token.filter(|t| !t.is_empty()).ok_or_else(|| {
            Error::unauthorized(codes::AUTH_MISSING_TOKEN, "missing refresh token")
        })?;
        let claims = self.inner.signer.verify(token, TokenKind::Refresh)?;
        let record = self.stored_session(&claims).await?;
        let now = crate::clock::now();
        match self
            .store()
            .record_refresh_use(claims.jti, claims.fid, now)
            .await?
        {
            RefreshUse::First => {}
            RefreshUse::Reused { first_used_at } => {
                if !within_grace(first_used_at, now) {
                    self.store().revoke_session_family(claims.fid, now).await?;
                    tracing::warn!(user_id = %claims.sub, family = %claims.fid, "refresh token reused; session revoked");
                    return Err(session_invalidated());
                }
                return Err(invalid_token());
            }
        }
        self.issue(&record.user, claims.fid, claims.rme, now)
    }

    /// Ends the session the tokens belong to. Either token is enough, so a client whose access
    /// token has expired can still log out.
    pub async fn logout(
        &self,
        access_token: Option<&str>,
        refresh_token: Option<&str>,
    ) -> Result<()> {
        let _changing = self.changing();
        let signer = &self.inner.signer;
        let family = access_token
            .and_then(|t| signer.verify(t, TokenKind::Access).ok())
            .or_else(|| refresh_token.and_then(|t| signer.verify(t, TokenKind::Refresh).ok()))
            .map(|claims| claims.fid)
            .ok_or_else(|| Error::unauthorized(codes::AUTH_UNAUTHENTICATED, "unauthenticated"))?;
        self.store()
            .revoke_session_family(family, crate::clock::now())
            .await?;
        Ok(())
    }

    /// Checks a presented credential against the store and builds the principal.
    pub async fn authenticate(&self, presented: &Presented) -> Result<Principal> {
        match presented {
            Presented::AccessToken(token) => {
                let claims = self.inner.signer.verify(token, TokenKind::Access)?;
                let record = self.live_session(&claims).await?;
                Ok(principal(
                    record.user,
                    Credential::Session { family: claims.fid },
                ))
            }
            Presented::ApiKey(key) => self.authenticate_key(key).await,
        }
    }

    async fn authenticate_key(&self, key: &str) -> Result<Principal> {
        let unknown =
            || Error::unauthorized(codes::AUTH_TOKEN_INVALID, "invalid or expired API key");
        if key.starts_with(api_key::AGENT_TOKEN_PREFIX) {
            let credential = self
                .store()
                .agent_credential(&api_key::hash(key))
                .await?
                .ok_or_else(unknown)?;
            return Ok(agent_principal(&credential));
        }
        if !api_key::looks_valid(key) {
            return Err(unknown());
        }
        let (key, owner) = self
            .store()
            .api_key_by_hash(&api_key::hash(key))
            .await?
            .ok_or_else(unknown)?;
        let now = crate::clock::now();
        if key.revoked_at.is_some() {
            return Err(Error::unauthorized(
                codes::API_KEY_REVOKED,
                "API key has been revoked",
            ));
        }
        if key.expires_at.is_some_and(|at| at <= now) {
            return Err(Error::unauthorized(
                codes::API_KEY_EXPIRED,
                "API key has expired",
            ));
        }
        ensure_enabled(&owner.user)?;
        let stale = key
            .last_used_at
            .is_none_or(|at| now - at >= KEY_TOUCH_INTERVAL);
        if stale && let Err(err) = self.store().touch_api_key(key.id, now).await {
            tracing::warn!(api_key_id = %key.id, %err, "could not record API key use");
        }
        Ok(principal(owner.user, Credential::ApiKey { id: key.id }))
    }

    /// The user behind a session token, if the user and the session are both still live.
    async fn live_session(&self, claims: &Claims) -> Result<UserRecord> {
        let cache = &self.inner.sessions;
        if let Some(record) = cache.get(claims.sub, claims.fid) {
            return Ok(record);
        }
        let generation = cache.generation();
        let record = self.stored_session(claims).await?;
        cache.put(claims.sub, claims.fid, record.clone(), generation);
        Ok(record)
    }

    /// Like `live_session`, always asking the store.
    async fn stored_session(&self, claims: &Claims) -> Result<UserRecord> {
        let (record, family_live) = self
            .store()
            .session_user(claims.sub, claims.fid)
            .await?
            .ok_or_else(session_invalidated)?;
        if !family_live {
            return Err(session_invalidated());
        }
        ensure_enabled(&record.user)?;
        Ok(record)
    }

    fn issue(
        &self,
        user: &User,
        family: SessionFamilyId,
        remember_me: bool,
        now: DateTime<Utc>,
    ) -> Result<SessionTokens> {
        let subject = TokenSubject {
            user: user.id,
            username: &user.username,
            role: user.role_name(),
            family,
            remember_me,
            must_change_password: user.must_change_password,
        };
        Ok(SessionTokens {
            access: self.inner.signer.sign(&subject, TokenKind::Access, now)?,
            refresh: self.inner.signer.sign(&subject, TokenKind::Refresh, now)?,
        })
    }
}

/// An agent acting through its conversation's credential: Paca's agent bot user, with no
/// global permissions; the project role of its member is all it gets (see `access`).
fn agent_principal(c: &crate::store::AgentCredential) -> Principal {
    Principal {
        user: User {
            id: crate::ids::UserId(uuid::Uuid::from_u128(2)),
            username: "_paca_agent_bot".into(),
            full_name: "Agent".into(),
            role: None,
            must_change_password: false,
            is_active: true,
            created_at: c.created_at,
            updated_at: c.created_at,
        },
        permissions: crate::permission::PermissionSet::default(),
        credential: Credential::Agent {
            conversation: c.conversation_id,
            member: c.member_id,
            project: c.project_id,
        },
    }
}

fn principal(user: User, credential: Credential) -> Principal {
    Principal {
        permissions: user.permissions(),
        user,
        credential,
    }
}

fn within_grace(first_used_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    (now - first_used_at)
        .to_std()
        .is_ok_and(|age| age <= REUSE_GRACE)
        || now < first_used_at
}

fn session_invalidated() -> Error {
    Error::unauthorized(codes::AUTH_TOKEN_INVALID, "session has been invalidated")
}

pub(super) fn ensure_enabled(user: &User) -> Result<()> {
    if user.is_active {
        Ok(())
    } else {
        Err(Error::Forbidden {
            code: codes::AUTH_USER_DISABLED,
            message: "this account is disabled".into(),
        })
    }
}

/// Length rules for a password a user sends (in characters).
pub(super) fn check_password_shape(password: &str, field: &str) -> Result<()> {
    let len = password.chars().count();
    if len < PASSWORD_MIN {
        return Err(Error::bad_request(format!(
            "{field} must be at least {PASSWORD_MIN} characters"
        )));
    }
    if len > PASSWORD_MAX {
        return Err(Error::bad_request(format!(
            "{field} must be at most {PASSWORD_MAX} characters"
        )));
    }
    Ok(())
}
