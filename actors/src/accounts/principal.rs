//! The authenticated caller.

use crate::error::{Error, Result, codes};
use crate::ids::{ApiKeyId, SessionFamilyId};
use crate::permission::PermissionSet;
use crate::user::User;

/// A credential as presented by a client, not yet checked.
#[derive(Clone, Debug)]
pub enum Presented {
    /// A JWT from the `access_token` cookie or `Authorization: Bearer`.
    AccessToken(String),
    /// A personal key from `X-API-Key` or `Authorization: ApiKey`.
    ApiKey(String),
}

/// How the principal authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credential {
    Session {
        family: SessionFamilyId,
    },
    ApiKey {
        id: ApiKeyId,
    },
    /// A conversation's own credential: the agent member, in its project, while the
    /// conversation runs.
    Agent {
        conversation: crate::ids::ConversationId,
        member: crate::ids::MemberId,
        project: crate::ids::ProjectId,
    },
}

/// A caller whose credential was checked against the store just now.
#[derive(Clone, Debug)]
pub struct Principal {
    pub user: User,
    pub permissions: PermissionSet,
    pub credential: Credential,
}

impl Principal {
    /// Refuses callers who must change their password first.
    pub fn require_fresh_password(&self) -> Result<()> {
        if self.user.must_change_password {
            return Err(Error::Forbidden {
                code: codes::AUTH_PASSWORD_CHANGE_REQUIRED,
                message: "you must change your password before accessing this resource".into(),
            });
        }
        Ok(())
    }

    /// Refuses callers without every one of the global permissions.
    pub fn require(&self, permissions: &[&str]) -> Result<()> {
        if self.permissions.grants_all(permissions) {
            Ok(())
        } else {
            Err(Error::forbidden("insufficient permissions"))
        }
    }

    /// Refuses API-key callers (managing keys and passwords needs a browser session).
    pub fn require_session(&self) -> Result<SessionFamilyId> {
        match self.credential {
            Credential::Session { family } => Ok(family),
            Credential::ApiKey { .. } | Credential::Agent { .. } => Err(Error::forbidden(
                "this endpoint requires session authentication and does not accept API key credentials",
            )),
        }
    }
}
