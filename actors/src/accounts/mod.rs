//! Accounts: who a caller is and what they may do outside a project. Users, global roles,
//! personal API keys and browser sessions (JWT cookies with rotating refresh tokens).
//!
//! [`Accounts`] is a cheap-clone handle. Each file holds one family of operations; every
//! operation that acts for a caller takes the caller's [`Principal`] and checks it first.
//!
//! Unlike Paca, a principal is rebuilt from the store's current state: a deleted or disabled
//! user, a logged-out session and a changed role take effect at once on the node that made the
//! change (and within `session_cache` on the others; see `session_cache.rs`), and an API key
//! gets exactly the permissions of its owner's browser session.

mod admin_users;
mod api_keys;
mod bootstrap;
mod principal;
mod profile;
mod roles;
mod session;
mod session_cache;

pub use admin_users::{AccountChanges, NewAccount};
pub use api_keys::CreatedApiKey;
pub use bootstrap::{AdminBootstrap, BootstrapOutcome};
pub use principal::{Credential, Presented, Principal};
pub use session::SessionTokens;

use crate::auth::login_limiter::{LoginLimiter, LoginLimits};
use crate::auth::token::{TokenSigner, TokenTtls};
use crate::ids::UserId;
use crate::store::Store;
use std::sync::Arc;

/// How accounts behave; loaded from the environment by the binary.
#[derive(Clone, Debug)]
pub struct AccountsConfig {
    pub jwt_secret: Vec<u8>,
    pub ttls: TokenTtls,
    pub login_limits: LoginLimits,
    /// How long this node trusts a session it has checked (0 turns the cache off). Account
    /// changes made on this node take effect at once; those made on another node within this.
    pub session_cache: std::time::Duration,
}

#[derive(Clone)]
pub struct Accounts {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    signer: TokenSigner,
    limiter: LoginLimiter,
    sessions: session_cache::SessionCache,
    changes: tokio::sync::broadcast::Sender<AccountChange>,
}

/// Whose access an account change may have changed: one user (disabled, deleted, a new role or
/// password), or everyone (a global role's permissions). Realtime edges re-check those
/// sockets at once instead of at their next periodic check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountChange {
    User(UserId),
    Everyone,
}

/// Held for a change that concerns someone's access: invalidates the session cache, then
/// announces the change, when dropped.
pub(crate) struct Announcing<'a> {
    _changing: session_cache::Changing<'a>,
    changes: &'a tokio::sync::broadcast::Sender<AccountChange>,
    change: AccountChange,
}

impl Drop for Announcing<'_> {
    fn drop(&mut self) {
        // Nobody listening (no realtime edge) is fine.
        let _ = self.changes.send(self.change);
    }
}

impl Accounts {
    pub fn new(store: Arc<dyn Store>, config: &AccountsConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                signer: TokenSigner::new(&config.jwt_secret, config.ttls),
                limiter: LoginLimiter::new(config.login_limits),
                sessions: session_cache::SessionCache::new(config.session_cache),
                changes: tokio::sync::broadcast::channel(1024).0,
            }),
        }
    }

    fn store(&self) -> &dyn Store {
        self.inner.store.as_ref()
    }

    /// Held by every operation that changes users, roles or sessions: when it ends, sessions
    /// cached on this node are checked against the store again.
    fn changing(&self) -> session_cache::Changing<'_> {
        session_cache::Changing(&self.inner.sessions)
    }

    /// Like [`Self::changing`], for a change that may end or alter someone's access.
    fn announcing(&self, change: AccountChange) -> Announcing<'_> {
        Announcing {
            _changing: self.changing(),
            changes: &self.inner.changes,
            change,
        }
    }

    /// Another node changed an account: sessions cached here are checked against the store
    /// again, so the change applies on this node at once too.
    pub fn changed_elsewhere(&self) {
        self.inner.sessions.invalidate();
    }

    /// Account changes made on this node, as they happen (see [`AccountChange`]).
    pub fn changes(&self) -> tokio::sync::broadcast::Receiver<AccountChange> {
        self.inner.changes.subscribe()
    }

    /// Periodic clean-up: forgets refresh-token uses whose tokens have expired and idle
    /// rate-limit state.
    pub async fn housekeeping(&self) -> crate::Result<u64> {
        self.inner.limiter.forget_idle();
        let ttls = self.inner.signer.ttls;
        let longest = ttls.refresh.max(ttls.refresh_session);
        let before = chrono::Utc::now()
            - chrono::Duration::from_std(longest).unwrap_or(chrono::Duration::days(365));
        Ok(self.store().prune_refresh_uses(before).await?)
    }
}

/// Refuses callers who must change their password or lack the global permission.
fn admin(principal: &Principal, permission: &str) -> crate::Result<()> {
    principal.require_fresh_password()?;
    principal.require(&[permission])
}

/// Trims and length-checks a free-text field.
fn bounded_text(value: &str, max: usize, field: &str) -> crate::Result<String> {
    let trimmed = value.trim();
    if trimmed.chars().count() > max {
        return Err(crate::Error::bad_request(format!(
            "{field} must be at most {max} characters"
        )));
    }
    Ok(trimmed.to_owned())
}
