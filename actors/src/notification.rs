//! A user's notification inbox. Notifications are written by project actors with the change
//! that caused them; reading and marking them read touch only the recipient's rows.

use crate::accounts::Principal;
use crate::error::{Error, Result, codes};
use crate::ids::NotificationId;
use crate::store::{NotificationView, Store};
use std::sync::Arc;

/// How many notifications the inbox shows (Paca: the newest 50).
pub const INBOX_SIZE: u32 = 50;

#[derive(Clone)]
pub struct Inbox {
    store: Arc<dyn Store>,
}

impl Inbox {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// The newest notifications and the number unread.
    pub async fn list(&self, principal: &Principal) -> Result<(Vec<NotificationView>, u64)> {
        principal.require_fresh_password()?;
        Ok(self
            .store
            .list_notifications(principal.user.id, INBOX_SIZE)
            .await?)
    }

    pub async fn mark_read(&self, principal: &Principal, id: NotificationId) -> Result<()> {
        principal.require_fresh_password()?;
        if !self
            .store
            .mark_notification_read(principal.user.id, id, crate::clock::now())
            .await?
        {
            return Err(Error::not_found(
                codes::NOTIFICATION_NOT_FOUND,
                "notification not found",
            ));
        }
        Ok(())
    }

    pub async fn mark_all_read(&self, principal: &Principal) -> Result<()> {
        principal.require_fresh_password()?;
        self.store
            .mark_all_notifications_read(principal.user.id, crate::clock::now())
            .await?;
        Ok(())
    }
}
