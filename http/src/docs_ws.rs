//! `GET /ws/docs/{doc_id}`: live editing of a document over the standard y-websocket protocol
//! (docs/design-docs.md §7), so `y-websocket`'s provider connects with
//! `new WebsocketProvider(origin + "/ws/docs", docId, ydoc, { params: { token } })`.
//!
//! The credential is `?token=` (browsers cannot set headers on a WebSocket), a bearer header,
//! or the `access_token` cookie; a cookie only from the server's own origin. Refusals upgrade
//! and then close with a 44xx code, which stock providers take as final (a refused upgrade
//! reaches a browser as 1006, which they retry forever). The credential is checked again every
//! `SOCKET_RECHECK`; the document's actor authorizes the editor again whenever the project's
//! access changes.

use crate::envelope::ApiError;
use crate::extract::{ACCESS_COOKIE, cookie};
use crate::state::AppState;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use corral_actors::accounts::Presented;
use corral_actors::docs::live::close;
use corral_actors::error::{Error, codes};
use corral_actors::ids::DocumentId;
use corral_actors::project::Caller;
use std::collections::HashMap;
use std::time::Duration;

/// The socket's read buffer: most editors' messages are a few dozen bytes.
const READ_BUFFER: usize = 8 * 1024;

/// How often the server pings an editor (a provider closes a socket quiet for 30 s).
const PING_EVERY: Duration = Duration::from_secs(15);

pub async fn connect(
    State(state): State<AppState>,
    Path(doc): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let Ok(upgrade) = upgrade else {
        return ApiError::with_status(
            StatusCode::UPGRADE_REQUIRED,
            codes::UPGRADE_REQUIRED,
            "this endpoint speaks WebSocket (the y-websocket protocol)",
        );
    };
    let credential = credential(&headers, &query);
    let max = state.docs.limits().update_max_bytes.saturating_mul(2) + 1024;
    upgrade
        .max_message_size(max)
        .max_frame_size(max)
        // Editors' messages are small: tungstenite's default 128 KiB read buffer is zeroed for
        // every read (a tenth of the server's CPU under typing load, benches/RESULTS.md).
        .read_buffer_size(READ_BUFFER)
        .on_upgrade(move |socket| serve(state, socket, doc, credential))
        .into_response()
}

/// Where the credential came from: a cookie is ambient, so its request must come from the
/// server's own origin.
enum Credential {
    Token(Presented),
    Cookie {
        presented: Presented,
        same_origin: bool,
    },
    None,
}

fn credential(headers: &HeaderMap, query: &HashMap<String, String>) -> Credential {
    if let Some(token) = query.get("token").filter(|t| !t.is_empty()) {
        return Credential::Token(Presented::AccessToken(token.clone()));
    }
    if let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        return Credential::Token(Presented::AccessToken(token.to_owned()));
    }
    match cookie(headers, ACCESS_COOKIE) {
        Some(token) => Credential::Cookie {
            presented: Presented::AccessToken(token),
            same_origin: same_origin(headers),
        },
        None => Credential::None,
    }
}

/// Whether `Origin` is absent (not a browser) or names the host the request came to.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/'));
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

async fn serve(state: AppState, mut socket: WebSocket, doc: String, credential: Credential) {
    let presented = match credential {
        Credential::Token(p) => p,
        Credential::Cookie {
            presented,
            same_origin: true,
        } => presented,
        Credential::Cookie { .. } => {
            return refuse(socket, close::FORBIDDEN, "FORBIDDEN: another origin").await;
        }
        Credential::None => {
            return refuse(
                socket,
                close::UNAUTHENTICATED,
                "AUTH_UNAUTHENTICATED: a token is required",
            )
            .await;
        }
    };
    let principal = match state.accounts.authenticate(&presented).await {
        Ok(p) if p.require_fresh_password().is_ok() => p,
        Ok(_) | Err(_) => {
            return refuse(
                socket,
                close::UNAUTHENTICATED,
                "AUTH_UNAUTHENTICATED: the credential is not valid",
            )
            .await;
        }
    };
    let Ok(doc) = doc.parse::<uuid::Uuid>().map(DocumentId) else {
        return refuse(socket, close::NOT_FOUND, "DOC_NOT_FOUND: not a document id").await;
    };
    let caller: Caller = (&principal).into();
    let mut connection = match state.docs.connect(caller, doc).await {
        Ok(c) => c,
        Err(err) => {
            let (code, reason) = refusal(&err);
            return refuse(socket, code, &reason).await;
        }
    };
    let Some(mut link) = connection.take_link() else {
        return;
    };
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    let mut recheck = tokio::time::interval(state.socket_recheck);
    recheck.tick().await;
    loop {
        tokio::select! {
            frame = link.outbox.recv() => match frame {
                Some(frame) => {
                    if socket.send(Message::Binary(frame.into())).await.is_err() {
                        break;
                    }
                }
                None => {
                    // The document's actor stopped: the editor reconnects and resyncs.
                    let reason = link.close.reason().cloned().unwrap_or((
                        close::UNAVAILABLE,
                        "DOC_UNAVAILABLE: the document restarted".into(),
                    ));
                    return refuse(socket, reason.0, &reason.1).await;
                }
            },
            () = link.close.closed() => {
                let (code, reason) = link.close.reason().cloned().unwrap_or_default();
                return refuse(socket, code, &reason).await;
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Binary(data))) => {
                    if !connection.send(&link.slots, data.to_vec()).await {
                        return refuse(socket, close::UNAVAILABLE, "DOC_UNAVAILABLE: the document restarted").await;
                    }
                }
                Some(Ok(Message::Text(_))) => {
                    return refuse(socket, close::BAD_MESSAGE, "binary y-websocket messages only").await;
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
            },
            _ = ping.tick() => {
                if socket.send(Message::Ping(Vec::new().into())).await.is_err() {
                    break;
                }
            }
            _ = recheck.tick() => {
                let still = state.accounts.authenticate(&presented).await;
                if !still.is_ok_and(|p| p.require_fresh_password().is_ok()) {
                    return refuse(socket, close::EXPIRED, "AUTH_EXPIRED: sign in again").await;
                }
            }
        }
    }
}

/// The close code and reason for a connection the document refused.
fn refusal(err: &Error) -> (u16, String) {
    let code = match err {
        Error::Unauthorized { .. } => close::UNAUTHENTICATED,
        Error::Forbidden { .. } => close::FORBIDDEN,
        Error::NotFound { .. } => close::NOT_FOUND,
        Error::Busy { code, .. } if *code == codes::DOC_EDITORS_LIMIT => close::LIMIT,
        _ => close::UNAVAILABLE,
    };
    (code, format!("{}: {err}", err.code()))
}

async fn refuse(mut socket: WebSocket, code: u16, reason: &str) {
    let mut reason = reason.to_owned();
    while reason.len() > 123 {
        reason.pop();
    }
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })))
        .await;
}
