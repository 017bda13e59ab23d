//! Users and global roles as the core sees them.

use crate::ids::{ApiKeyId, GlobalRoleId, UserId};
use crate::permission::{PermissionMap, PermissionSet};
use chrono::{DateTime, Utc};

pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 64;
pub const PASSWORD_MIN: usize = 8;
/// Long enough for any passphrase, short enough that hashing it is cheap.
pub const PASSWORD_MAX: usize = 256;
pub const FULL_NAME_MAX: usize = 200;
pub const ROLE_NAME_MAX: usize = 100;
pub const API_KEY_NAME_MAX: usize = 100;

/// A global role: a named permission map. One per user.
#[derive(Clone, Debug, PartialEq)]
pub struct GlobalRole {
    pub id: GlobalRoleId,
    pub name: String,
    pub permissions: PermissionMap,
    /// One of the three built-in roles: cannot be renamed or deleted.
    pub is_system: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A user account (never the password hash; see [`UserRecord`]).
#[derive(Clone, Debug, PartialEq)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub full_name: String,
    /// `None` only for accounts whose role was deleted after they were.
    pub role: Option<GlobalRole>,
    pub must_change_password: bool,
    /// A disabled user cannot log in and their tokens and keys stop working at once.
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl User {
    pub fn role_name(&self) -> &str {
        self.role.as_ref().map_or("", |r| r.name.as_str())
    }

    /// What the user may do globally, from their role as stored now.
    pub fn permissions(&self) -> PermissionSet {
        self.role
            .as_ref()
            .map(|r| PermissionSet::from_map(&r.permissions))
            .unwrap_or_default()
    }
}

/// A user as stored, with the password hash.
#[derive(Clone, Debug)]
pub struct UserRecord {
    pub user: User,
    pub password_hash: String,
}

/// A personal API key (never the key itself: only its SHA-256 is stored).
#[derive(Clone, Debug, PartialEq)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub user_id: UserId,
    pub name: String,
    /// The first 8 hex characters after `paca_`, for display.
    pub key_prefix: String,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}
