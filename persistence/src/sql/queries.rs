//! The store port, written once over the SQL both SQLite and PostgreSQL speak.
//! [`impl_store!`] instantiates it for a struct with a `pool: sqlx::Pool<DB>` field.

/// Columns selected for a user joined with their role (aliases `u` and `r`).
macro_rules! user_columns {
    () => {
        "u.id, u.username, u.password_hash, u.full_name, u.must_change_password, u.is_active, \
         u.created_at, u.updated_at, r.id AS role_id, r.name AS role_name, \
         r.permissions AS role_permissions, r.is_system AS role_is_system, \
         r.created_at AS role_created_at, r.updated_at AS role_updated_at"
    };
}

/// `FROM` users joined with their role.
macro_rules! users_with_role {
    () => {
        " FROM users u LEFT JOIN global_roles r ON r.id = u.role_id "
    };
}

macro_rules! role_columns {
    () => {
        "id, name, permissions, is_system, created_at, updated_at"
    };
}

macro_rules! api_key_columns {
    () => {
        "k.id AS key_id, k.user_id AS key_user_id, k.name AS key_name, k.key_prefix, \
         k.last_used_at, k.expires_at, k.revoked_at, k.created_at AS key_created_at"
    };
}

macro_rules! impl_store {
    ($store:ty) => {
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use corral_actors::ids::{ApiKeyId, GlobalRoleId, SessionFamilyId, TokenId, UserId};
        use corral_actors::permission::PermissionMap;
        use corral_actors::store::{
            ApiKeyStore, NewUser, RefreshUse, RoleHolders, RoleStore, SessionStore, StoreResult,
            UserChanges, UserStore,
        };
        use corral_actors::user::{ApiKey, GlobalRole, User, UserRecord};
        use sqlx::types::Json;
        use $crate::sql::{ApiKeyRow, KeyOwnerRow, RoleRow, SessionUserRow, UserRow, store_error};

        #[async_trait]
        impl UserStore for $store {
            async fn insert_user(&self, user: &NewUser) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO users (id, username, password_hash, full_name, role_id, \
                     must_change_password, is_active, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7, $7)",
                )
                .bind(user.id.0)
                .bind(&user.username)
                .bind(&user.password_hash)
                .bind(&user.full_name)
                .bind(user.role_id.0)
                .bind(user.must_change_password)
                .bind(user.created_at)
                .execute(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(())
            }

            async fn user_by_id(&self, id: UserId) -> StoreResult<Option<UserRecord>> {
                let row: Option<UserRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    user_columns!(),
                    users_with_role!(),
                    "WHERE u.id = $1 AND u.deleted_at IS NULL"
                ))
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(row.map(Into::into))
            }

            async fn user_by_username(&self, username: &str) -> StoreResult<Option<UserRecord>> {
                let row: Option<UserRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    user_columns!(),
                    users_with_role!(),
                    "WHERE u.username = $1 AND u.deleted_at IS NULL"
                ))
                .bind(username)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(row.map(Into::into))
            }

            async fn username_ever_used(&self, username: &str) -> StoreResult<bool> {
                let found: Option<i32> =
                    sqlx::query_scalar("SELECT 1 FROM users WHERE username = $1 LIMIT 1")
                        .bind(username)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(store_error)?;
                Ok(found.is_some())
            }

            async fn list_users(&self, offset: u64, limit: u64) -> StoreResult<(Vec<User>, u64)> {
                let rows: Vec<UserRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    user_columns!(),
                    users_with_role!(),
                    "WHERE u.deleted_at IS NULL ORDER BY u.created_at, u.id LIMIT $1 OFFSET $2"
                ))
                .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                .bind(i64::try_from(offset).unwrap_or(i64::MAX))
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                let total: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE deleted_at IS NULL")
                        .fetch_one(&self.pool)
                        .await
                        .map_err(store_error)?;
                let users = rows.into_iter().map(|r| UserRecord::from(r).user).collect();
                Ok((users, u64::try_from(total).unwrap_or(0)))
            }

            async fn update_user(
                &self,
                id: UserId,
                changes: &UserChanges,
                at: DateTime<Utc>,
            ) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE users SET full_name = COALESCE($2, full_name), \
                     role_id = COALESCE($3, role_id), is_active = COALESCE($4, is_active), \
                     updated_at = $5 WHERE id = $1 AND deleted_at IS NULL",
                )
                .bind(id.0)
                .bind(changes.full_name.as_deref())
                .bind(changes.role_id.map(|r| r.0))
                .bind(changes.is_active)
                .bind(at)
                .execute(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(done.rows_affected() > 0)
            }

            async fn set_password(
                &self,
                id: UserId,
                password_hash: &str,
                must_change_password: bool,
                at: DateTime<Utc>,
            ) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE users SET password_hash = $2, must_change_password = $3, \
                     updated_at = $4 WHERE id = $1 AND deleted_at IS NULL",
                )
                .bind(id.0)
                .bind(password_hash)
                .bind(must_change_password)
                .bind(at)
                .execute(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(done.rows_affected() > 0)
            }

            async fn delete_user(&self, id: UserId, at: DateTime<Utc>) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE users SET deleted_at = $2, updated_at = $2 \
                     WHERE id = $1 AND deleted_at IS NULL",
                )
                .bind(id.0)
                .bind(at)
                .execute(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(done.rows_affected() > 0)
            }

            async fn role_holders(&self, role: GlobalRoleId) -> StoreResult<RoleHolders> {
                let (users, enabled): (i64, i64) = sqlx::query_as(
                    "SELECT COUNT(*), COUNT(*) FILTER (WHERE is_active) FROM users \
                     WHERE role_id = $1 AND deleted_at IS NULL",
                )
                .bind(role.0)
                .fetch_one(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(RoleHolders {
                    users: u64::try_from(users).unwrap_or(0),
                    enabled: u64::try_from(enabled).unwrap_or(0),
                })
            }

            async fn member_full_names(
                &self,
                project: corral_actors::ids::ProjectId,
            ) -> StoreResult<Vec<(UserId, String)>> {
                let rows: Vec<(uuid::Uuid, String)> = sqlx::query_as(
                    "SELECT u.id, u.full_name FROM project_members m \
                     JOIN users u ON u.id = m.user_id \
                     WHERE m.project_id = $1 AND m.deleted_at IS NULL",
                )
                .bind(project.0)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(rows
                    .into_iter()
                    .map(|(id, name)| (UserId(id), name))
                    .collect())
            }
        }

        #[async_trait]
        impl RoleStore for $store {
            async fn insert_role(&self, role: &GlobalRole) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO global_roles (id, name, permissions, is_system, created_at, \
                     updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(role.id.0)
                .bind(&role.name)
                .bind(Json(&role.permissions))
                .bind(role.is_system)
                .bind(role.created_at)
                .bind(role.updated_at)
                .execute(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(())
            }

            async fn role_by_id(&self, id: GlobalRoleId) -> StoreResult<Option<GlobalRole>> {
                let row: Option<RoleRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    role_columns!(),
                    " FROM global_roles WHERE id = $1"
                ))
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(row.map(Into::into))
            }

            async fn role_by_name(&self, name: &str) -> StoreResult<Option<GlobalRole>> {
                let row: Option<RoleRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    role_columns!(),
                    " FROM global_roles WHERE name = $1"
                ))
                .bind(name)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(row.map(Into::into))
            }

            async fn list_roles(&self) -> StoreResult<Vec<GlobalRole>> {
                let rows: Vec<RoleRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    role_columns!(),
                    " FROM global_roles ORDER BY name"
                ))
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn update_role(
                &self,
                id: GlobalRoleId,
                name: &str,
                permissions: &PermissionMap,
                at: DateTime<Utc>,
            ) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE global_roles SET name = $2, permissions = $3, updated_at = $4 \
                     WHERE id = $1",
                )
                .bind(id.0)
                .bind(name)
                .bind(Json(permissions))
                .bind(at)
                .execute(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(done.rows_affected() > 0)
            }

            async fn delete_role(&self, id: GlobalRoleId) -> StoreResult<bool> {
                let done = sqlx::query("DELETE FROM global_roles WHERE id = $1")
                    .bind(id.0)
                    .execute(&self.pool)
                    .await
                    .map_err(store_error)?;
                Ok(done.rows_affected() > 0)
            }
        }

        #[async_trait]
        impl ApiKeyStore for $store {
            async fn insert_api_key(&self, key: &ApiKey, key_hash: &str) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO api_keys (id, user_id, name, key_prefix, key_hash, \
                     last_used_at, expires_at, revoked_at, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(key.id.0)
                .bind(key.user_id.0)
                .bind(&key.name)
                .bind(&key.key_prefix)
                .bind(key_hash)
                .bind(key.last_used_at)
                .bind(key.expires_at)
                .bind(key.revoked_at)
                .bind(key.created_at)
                .execute(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(())
            }

            async fn api_key_by_id(&self, id: ApiKeyId) -> StoreResult<Option<ApiKey>> {
                let row: Option<ApiKeyRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    api_key_columns!(),
                    " FROM api_keys k WHERE k.id = $1"
                ))
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(row.map(Into::into))
            }

            async fn list_api_keys(&self, user: UserId) -> StoreResult<Vec<ApiKey>> {
                let rows: Vec<ApiKeyRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    api_key_columns!(),
                    " FROM api_keys k \
                     WHERE k.user_id = $1 AND k.revoked_at IS NULL \
                     ORDER BY k.created_at DESC, k.id DESC"
                ))
                .bind(user.0)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn revoke_api_key(&self, id: ApiKeyId, at: DateTime<Utc>) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                )
                .bind(id.0)
                .bind(at)
                .execute(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(done.rows_affected() > 0)
            }

            async fn api_key_by_hash(
                &self,
                key_hash: &str,
            ) -> StoreResult<Option<(ApiKey, UserRecord)>> {
                let row: Option<KeyOwnerRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    api_key_columns!(),
                    ", ",
                    user_columns!(),
                    " FROM api_keys k JOIN users u ON u.id = k.user_id AND u.deleted_at IS NULL \
                     LEFT JOIN global_roles r ON r.id = u.role_id WHERE k.key_hash = $1"
                ))
                .bind(key_hash)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(row.map(|r| (r.key.into(), r.owner.into())))
            }

            async fn touch_api_key(&self, id: ApiKeyId, at: DateTime<Utc>) -> StoreResult<()> {
                sqlx::query("UPDATE api_keys SET last_used_at = $2 WHERE id = $1")
                    .bind(id.0)
                    .bind(at)
                    .execute(&self.pool)
                    .await
                    .map_err(store_error)?;
                Ok(())
            }
        }

        #[async_trait]
        impl SessionStore for $store {
            async fn create_session_family(
                &self,
                id: SessionFamilyId,
                user: UserId,
                at: DateTime<Utc>,
            ) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO session_families (id, user_id, created_at) VALUES ($1, $2, $3)",
                )
                .bind(id.0)
                .bind(user.0)
                .bind(at)
                .execute(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(())
            }

            async fn session_user(
                &self,
                user: UserId,
                family: SessionFamilyId,
            ) -> StoreResult<Option<(UserRecord, bool)>> {
                let row: Option<SessionUserRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    user_columns!(),
                    ", (f.id IS NOT NULL AND f.revoked_at IS NULL) AS family_live",
                    users_with_role!(),
                    "LEFT JOIN session_families f ON f.id = $2 AND f.user_id = u.id \
                     WHERE u.id = $1 AND u.deleted_at IS NULL"
                ))
                .bind(user.0)
                .bind(family.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(row.map(|r| (r.user.into(), r.family_live)))
            }

            async fn revoke_session_family(
                &self,
                id: SessionFamilyId,
                at: DateTime<Utc>,
            ) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE session_families SET revoked_at = $2 \
                     WHERE id = $1 AND revoked_at IS NULL",
                )
                .bind(id.0)
                .bind(at)
                .execute(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(())
            }

            async fn revoke_user_sessions(
                &self,
                user: UserId,
                at: DateTime<Utc>,
            ) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE session_families SET revoked_at = $2 \
                     WHERE user_id = $1 AND revoked_at IS NULL",
                )
                .bind(user.0)
                .bind(at)
                .execute(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(())
            }

            async fn record_refresh_use(
                &self,
                token: TokenId,
                family: SessionFamilyId,
                at: DateTime<Utc>,
            ) -> StoreResult<RefreshUse> {
                let done = sqlx::query(
                    "INSERT INTO refresh_token_uses (jti, family_id, used_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (jti) DO NOTHING",
                )
                .bind(token.0)
                .bind(family.0)
                .bind(at)
                .execute(&self.pool)
                .await
                .map_err(store_error)?;
                if done.rows_affected() > 0 {
                    return Ok(RefreshUse::First);
                }
                let first_used_at: DateTime<Utc> =
                    sqlx::query_scalar("SELECT used_at FROM refresh_token_uses WHERE jti = $1")
                        .bind(token.0)
                        .fetch_one(&self.pool)
                        .await
                        .map_err(store_error)?;
                Ok(RefreshUse::Reused { first_used_at })
            }

            async fn prune_refresh_uses(&self, before: DateTime<Utc>) -> StoreResult<u64> {
                let done = sqlx::query("DELETE FROM refresh_token_uses WHERE used_at < $1")
                    .bind(before)
                    .execute(&self.pool)
                    .await
                    .map_err(store_error)?;
                Ok(done.rows_affected())
            }
        }

        #[async_trait]
        impl corral_actors::store::Store for $store {
            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1")
                    .execute(&self.pool)
                    .await
                    .map_err(store_error)?;
                Ok(())
            }

            fn backend(&self) -> &'static str {
                Self::BACKEND
            }
        }
    };
}
