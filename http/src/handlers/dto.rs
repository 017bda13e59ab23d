//! Wire shapes shared by several route groups (Paca's field names).

use chrono::{DateTime, Utc};
use corral_actors::permission::PermissionMap;
use corral_actors::user::{GlobalRole, User};
use serde::Serialize;
use uuid::Uuid;

/// Paca's user: `{id, username, full_name, role, must_change_password, created_at}`, plus
/// `is_active`.
#[derive(Serialize)]
pub struct UserDto {
    pub id: Uuid,
    pub username: String,
    pub full_name: String,
    /// The global role's name.
    pub role: String,
    pub must_change_password: bool,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<User> for UserDto {
    fn from(user: User) -> Self {
        Self {
            id: user.id.0,
            role: user.role_name().to_owned(),
            username: user.username,
            full_name: user.full_name,
            must_change_password: user.must_change_password,
            is_active: user.is_active,
            created_at: user.created_at,
        }
    }
}

/// Paca's global role, plus `is_system`.
#[derive(Serialize)]
pub struct RoleDto {
    pub id: Uuid,
    pub name: String,
    pub permissions: PermissionMap,
    pub is_system: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<GlobalRole> for RoleDto {
    fn from(role: GlobalRole) -> Self {
        Self {
            id: role.id.0,
            name: role.name,
            permissions: role.permissions,
            is_system: role.is_system,
            created_at: role.created_at,
            updated_at: role.updated_at,
        }
    }
}
