//! First-start set-up, safe to run on every start and on several nodes at once: the system
//! roles exist, and the configured administrator exists and holds `SUPER_ADMIN`.

use super::Accounts;
use super::admin_users::validate_username;
use super::session::check_password_shape;
use crate::auth::password;
use crate::error::{Error, Result};
use crate::ids::{GlobalRoleId, UserId};
use crate::permission::{PermissionMap, defaults};
use crate::store::{NewUser, StoreError, UserChanges};
use crate::user::GlobalRole;

/// The administrator to ensure.
pub struct AdminBootstrap<'a> {
    pub username: &'a str,
    /// When absent and the administrator does not exist yet, one is generated.
    pub password: Option<&'a str>,
}

/// What bootstrap did.
#[derive(Debug, Default)]
pub struct BootstrapOutcome {
    /// Set when the administrator was created with a generated password; shown once.
    pub generated_admin_password: Option<String>,
    pub admin_created: bool,
}

impl Accounts {
    pub async fn bootstrap(&self, admin: AdminBootstrap<'_>) -> Result<BootstrapOutcome> {
        let super_admin = self.ensure_system_roles().await?;
        validate_username(admin.username)?;
        if let Some(p) = admin.password {
            check_password_shape(p, "ADMIN_PASSWORD")?;
        }

        let mut outcome = BootstrapOutcome::default();
        if !self.store().username_ever_used(admin.username).await? {
            let password = match admin.password {
                Some(p) => p.to_owned(),
                None => {
                    let generated = hex::encode(rand::random::<[u8; 12]>());
                    outcome.generated_admin_password = Some(generated.clone());
                    generated
                }
            };
            let user = NewUser {
                id: UserId::new(),
                username: admin.username.to_owned(),
                password_hash: password::hash(&password).await?,
                full_name: "Admin".into(),
                role_id: super_admin.id,
                must_change_password: false,
                created_at: crate::clock::now(),
            };
            match self.store().insert_user(&user).await {
                Ok(()) => outcome.admin_created = true,
                // Another node created it first.
                Err(StoreError::Conflict(_)) => outcome.generated_admin_password = None,
                Err(e) => return Err(e.into()),
            }
        }
        let admin_user = self.store().user_by_username(admin.username).await?;
        if let Some(record) = admin_user
            && record.user.role.as_ref().map(|r| r.id) != Some(super_admin.id)
        {
            let changes = UserChanges {
                role_id: Some(super_admin.id),
                ..UserChanges::default()
            };
            self.store()
                .update_user(record.user.id, &changes, crate::clock::now())
                .await?;
        }
        Ok(outcome)
    }

    /// Creates missing system roles and restores `SUPER_ADMIN`'s `*`; returns `SUPER_ADMIN`.
    async fn ensure_system_roles(&self) -> Result<GlobalRole> {
        for (name, keys) in defaults::GLOBAL_ROLES {
            let permissions: PermissionMap = keys.iter().map(|k| ((*k).to_owned(), true)).collect();
            match self.store().role_by_name(name).await? {
                Some(role) if name == defaults::SUPER_ADMIN && role.permissions != permissions => {
                    self.store()
                        .update_role(role.id, name, &permissions, crate::clock::now())
                        .await?;
                }
                Some(_) => {}
                None => {
                    let now = crate::clock::now();
                    let role = GlobalRole {
                        id: GlobalRoleId::new(),
                        name: name.to_owned(),
                        permissions,
                        is_system: true,
                        created_at: now,
                        updated_at: now,
                    };
                    match self.store().insert_role(&role).await {
                        Ok(()) | Err(StoreError::Conflict(_)) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
            }
        }
        self.store()
            .role_by_name(defaults::SUPER_ADMIN)
            .await?
            .ok_or_else(|| Error::Internal("SUPER_ADMIN role missing after bootstrap".into()))
    }
}
