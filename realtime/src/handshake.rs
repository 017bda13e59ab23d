//! Handshake: who a socket is (`auth.token`, a bearer header or the `access_token` cookie,
//! checked by `Accounts` like any request), the handlers it may call, and the periodic check
//! of its credential and access.

use crate::access;
use crate::client_events;
use crate::hub::Realtime;
use corral_actors::accounts::{AccountChange, Presented, Principal};
use corral_actors::ids::UserId;
use corral_actors::project::Caller;
use serde::Deserialize;
use serde_json::json;
use socketioxide::extract::{SocketRef, State, TryData};

#[derive(Debug)]
pub(crate) struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

#[derive(Deserialize)]
pub(crate) struct Auth {
    token: Option<String>,
}

/// The access token a socket presents: `auth.token`, a bearer header or the cookie.
fn token(socket: &SocketRef, auth: Option<Auth>) -> Option<String> {
    if let Some(t) = auth.and_then(|a| a.token).filter(|t| !t.is_empty()) {
        return Some(t);
    }
    let headers = &socket.req_parts().headers;
    if let Some(t) = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
    {
        return Some(t.trim().to_owned());
    }
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == "access_token")
        .map(|c| c.value().to_owned())
}

pub(crate) async fn authenticate(
    socket: SocketRef,
    TryData(auth): TryData<Auth>,
    State(realtime): State<Realtime>,
) -> Result<(), Refused> {
    let token =
        token(&socket, auth.ok()).ok_or_else(|| Refused("missing authentication".into()))?;
    let presented = Presented::AccessToken(token);
    let principal = realtime
        .inner
        .accounts
        .authenticate(&presented)
        .await
        .map_err(|e| Refused(e.to_string()))?;
    principal
        .require_fresh_password()
        .map_err(|e| Refused(e.to_string()))?;
    let user = principal.user.id;
    socket.extensions.insert(principal);
    socket.extensions.insert(presented.clone());
    // Handlers are registered here, before the client learns it is connected, so its first
    // `join` can never arrive before there is a handler for it.
    register(&socket, &realtime, user);
    watch_credential(socket, realtime, presented);
    Ok(())
}

pub(crate) async fn on_connect(socket: SocketRef) {
    tracing::debug!(sid = %socket.id, "socket connected");
}

/// Every `recheck`, checks the socket's credential again and disconnects it once the token
/// has expired or the session, user or password it stood for is gone; otherwise decides its
/// access to the projects it follows again, with the account as it is now (a new global role).
fn watch_credential(socket: SocketRef, realtime: Realtime, presented: Presented) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(realtime.inner.recheck);
        tick.tick().await;
        loop {
            tick.tick().await;
            if !socket.connected() || !check_credential(&realtime, &socket, &presented).await {
                return;
            }
        }
    });
}

/// Checks a socket's credential and its access now; false when it was disconnected.
pub(crate) async fn check_credential(
    realtime: &Realtime,
    socket: &SocketRef,
    presented: &Presented,
) -> bool {
    let still = realtime.inner.accounts.authenticate(presented).await;
    match still.and_then(|p| p.require_fresh_password().map(|()| p)) {
        Ok(principal) => {
            let caller = Caller::from(&principal);
            socket.extensions.insert(principal);
            access::recheck_socket(realtime, socket.id, &caller).await;
            true
        }
        Err(err) => {
            tracing::info!(sid = %socket.id, %err, "credential no longer valid; disconnecting socket");
            let _ = socket.emit(
                "auth_expired",
                &json!({"error_code": err.code(), "error": err.to_string()}),
            );
            let _ = socket.clone().disconnect();
            false
        }
    }
}

/// An account changed (on any node): checks the sockets it concerns at once rather than at
/// their next periodic check.
pub(crate) async fn account_changed(realtime: &Realtime, change: AccountChange) {
    let sockets: Vec<SocketRef> = {
        let rooms = realtime.rooms();
        match change {
            AccountChange::User(user) => rooms
                .users
                .get(&user)
                .map(|s| s.values().cloned().collect())
                .unwrap_or_default(),
            AccountChange::Everyone => rooms
                .users
                .values()
                .flat_map(|s| s.values().cloned())
                .collect(),
        }
    };
    for socket in sockets {
        let Some(presented) = socket.extensions.get::<Presented>() else {
            continue;
        };
        if socket.connected() {
            check_credential(realtime, &socket, &presented).await;
        }
    }
}

fn register(socket: &SocketRef, realtime: &Realtime, user: UserId) {
    realtime
        .rooms()
        .users
        .entry(user)
        .or_default()
        .insert(socket.id, socket.clone());
    socket.on("join", client_events::on_join);
    socket.on("leave", client_events::on_leave);
    socket.on("presence", client_events::on_presence);
    socket.on_disconnect(
        move |socket: SocketRef, State(realtime): State<Realtime>| async move {
            let mut rooms = realtime.rooms();
            if let Some(sockets) = rooms.users.get_mut(&user) {
                sockets.remove(&socket.id);
                if sockets.is_empty() {
                    rooms.users.remove(&user);
                }
            }
            for project in rooms.followed_by(socket.id) {
                rooms.depart(&realtime, project, socket.id);
            }
        },
    );
}

/// The principal a socket authenticated as.
pub(crate) fn principal(socket: &SocketRef) -> Option<Principal> {
    socket.extensions.get::<Principal>()
}
