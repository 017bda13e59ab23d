//! What every handler can reach.

use corral_actors::accounts::Accounts;
use corral_actors::bus::Bus;
use corral_actors::notification::Inbox;
use corral_actors::project::Projects;
use corral_actors::store::Store;
use std::sync::Arc;

/// Cookie attributes (Paca's: HttpOnly, `Secure` only when configured).
#[derive(Clone, Copy, Debug, Default)]
pub struct CookieSettings {
    pub secure: bool,
}

/// Shared by every handler: one pointer, so the clone each extractor makes per request is one
/// reference count, not one per service.
#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl AppState {
    pub fn new(services: Services) -> Self {
        Self(Arc::new(services))
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// What the handlers reach through [`AppState`].
pub struct Services {
    pub accounts: Accounts,
    pub projects: Projects,
    pub inbox: Inbox,
    pub store: Arc<dyn Store>,
    pub bus: Arc<dyn Bus>,
    pub cookies: CookieSettings,
    /// Take the client address for rate limits from `X-Forwarded-For` (behind a gateway).
    pub trust_forwarded_for: bool,
    /// Seals agent secrets before they reach a project actor.
    pub secrets: corral_actors::secrets::Secrets,
    /// Agent conversations of this node.
    pub agents: corral_actors::agents::Agents,
    /// The node's durable event consumers (the admin route shows and replays them).
    pub consumers: corral_actors::pipeline::Consumers,
    /// Task attachments on the blob store.
    pub files: corral_actors::files::Files,
    /// Documents' content and their live editors.
    pub docs: corral_actors::docs::Docs,
    /// How often a live connection's credential is checked again (`SOCKET_RECHECK`).
    pub socket_recheck: std::time::Duration,
    /// The base URL clients reach `/storage` at (`STORAGE_PUBLIC_URL`); `None`: the origin
    /// each request came to.
    pub storage_public_url: Option<String>,
}
