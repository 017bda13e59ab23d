//! The SQL stores. SQLite and PostgreSQL run the same statements (the subset of SQL both speak:
//! `$n` parameters, partial indexes, `ON CONFLICT`, `FILTER`), so the port implementation is
//! written once, in [`queries`], and instantiated for each backend's pool. Where the dialects
//! differ (DDL), each backend has its own migrations.

#[macro_use]
mod queries;
#[macro_use]
mod conversation_queries;
mod conversation_rows;
#[macro_use]
mod doc_queries;
mod doc_rows;
#[macro_use]
mod file_queries;
mod file_rows;
#[macro_use]
mod pipeline_queries;
#[macro_use]
mod project_queries;
pub mod postgres;
mod project_rows;
pub mod sqlite;

use chrono::{DateTime, Utc};
use corral_actors::ids::{ApiKeyId, GlobalRoleId, UserId};
use corral_actors::permission::PermissionMap;
use corral_actors::store::StoreError;
use corral_actors::user::{ApiKey, GlobalRole, User, UserRecord};
use sqlx::types::Json;
use uuid::Uuid;

/// Database error codes that mean "not now" rather than "not this": SQLite's busy and locked
/// (also extended codes), PostgreSQL's shutdown, start-up and connection-limit classes.
const OUTAGE_CODES: &[&str] = &[
    "5", "6", "261", "262", "517", "57P01", "57P02", "57P03", "53300", "08000", "08003", "08006",
];

/// Maps sqlx errors onto the port's: unique violations are conflicts; lost connections, pool
/// timeouts and a locked or restarting database mean the database is unavailable.
pub(crate) fn store_error(err: sqlx::Error) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Conflict(db.constraint().unwrap_or("unique").to_owned())
        }
        sqlx::Error::Database(db) if db.code().is_some_and(|c| OUTAGE_CODES.contains(&&*c)) => {
            StoreError::Unavailable(err.to_string())
        }
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_) => StoreError::Unavailable(err.to_string()),
        _ => StoreError::Other(err.to_string()),
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: Uuid,
    username: String,
    password_hash: String,
    full_name: String,
    must_change_password: bool,
    is_active: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    role_id: Option<Uuid>,
    role_name: Option<String>,
    role_permissions: Option<Json<PermissionMap>>,
    role_is_system: Option<bool>,
    role_created_at: Option<DateTime<Utc>>,
    role_updated_at: Option<DateTime<Utc>>,
}

impl From<UserRow> for UserRecord {
    fn from(row: UserRow) -> Self {
        let role = match (
            row.role_id,
            row.role_name,
            row.role_created_at,
            row.role_updated_at,
        ) {
            (Some(id), Some(name), Some(created_at), Some(updated_at)) => Some(GlobalRole {
                id: GlobalRoleId(id),
                name,
                permissions: row.role_permissions.map(|j| j.0).unwrap_or_default(),
                is_system: row.role_is_system.unwrap_or(false),
                created_at,
                updated_at,
            }),
            _ => None,
        };
        UserRecord {
            user: User {
                id: UserId(row.id),
                username: row.username,
                full_name: row.full_name,
                role,
                must_change_password: row.must_change_password,
                is_active: row.is_active,
                created_at: row.created_at,
                updated_at: row.updated_at,
            },
            password_hash: row.password_hash,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct RoleRow {
    id: Uuid,
    name: String,
    permissions: Json<PermissionMap>,
    is_system: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<RoleRow> for GlobalRole {
    fn from(row: RoleRow) -> Self {
        GlobalRole {
            id: GlobalRoleId(row.id),
            name: row.name,
            permissions: row.permissions.0,
            is_system: row.is_system,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ApiKeyRow {
    key_id: Uuid,
    key_user_id: Uuid,
    key_name: String,
    key_prefix: String,
    last_used_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    key_created_at: DateTime<Utc>,
}

impl From<ApiKeyRow> for ApiKey {
    fn from(row: ApiKeyRow) -> Self {
        ApiKey {
            id: ApiKeyId(row.key_id),
            user_id: UserId(row.key_user_id),
            name: row.key_name,
            key_prefix: row.key_prefix,
            last_used_at: row.last_used_at,
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
            created_at: row.key_created_at,
        }
    }
}

/// An API key row joined with its owner.
#[derive(sqlx::FromRow)]
pub(crate) struct KeyOwnerRow {
    #[sqlx(flatten)]
    key: ApiKeyRow,
    #[sqlx(flatten)]
    owner: UserRow,
}

/// A user row with the liveness of one session family.
#[derive(sqlx::FromRow)]
pub(crate) struct SessionUserRow {
    #[sqlx(flatten)]
    user: UserRow,
    family_live: bool,
}
