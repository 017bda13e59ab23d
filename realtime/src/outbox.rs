//! Sending to one socket: its buffer is bounded (`SOCKET_BUFFER` packets), live events cut off
//! a socket that cannot keep up, and replays wait for the client instead.

use serde_json::json;
use socketioxide::extract::SocketRef;
use socketioxide::{SendError, SocketError};

/// How long a replay waits for a client that takes no packet before cutting it off.
const REPLAY_PATIENCE: std::time::Duration = std::time::Duration::from_secs(10);

/// Sends to one socket. A socket whose buffer is full is too slow: it is cut off (see
/// [`cut_off`]) and `false` tells the caller to stop following it.
pub(crate) fn send<T: serde::Serialize + ?Sized>(
    socket: &SocketRef,
    event: &str,
    data: &T,
) -> bool {
    match socket.emit(event, data) {
        Ok(()) => true,
        Err(SendError::Socket(SocketError::InternalChannelFull)) => {
            cut_off(socket);
            false
        }
        Err(err) => {
            tracing::debug!(sid = %socket.id, %err, "socket gone");
            false
        }
    }
}

/// Sends one replayed event, waiting while the socket's buffer is full: a replay is pulled
/// from the log, so it can follow the client's pace. A client that takes no packet for
/// [`REPLAY_PATIENCE`] is too slow and is cut off.
pub(crate) async fn send_paced(socket: &SocketRef, data: &serde_json::Value) -> bool {
    let deadline = tokio::time::Instant::now() + REPLAY_PATIENCE;
    loop {
        match socket.emit("event", data) {
            Ok(()) => return true,
            Err(SendError::Socket(SocketError::InternalChannelFull))
                if tokio::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            Err(SendError::Socket(SocketError::InternalChannelFull)) => {
                cut_off(socket);
                return false;
            }
            Err(_) => return false,
        }
    }
}

/// Marks a socket whose buffer overflowed: it is dropped from every room at once (so nothing
/// more is queued for it and no later event can arrive after a gap), told why with
/// `overflow {error_code: "SOCKET_TOO_SLOW", error}` as soon as its buffer has room, and then
/// disconnected. The client resumes with `join {projectId, since}`. A client that never reads
/// again is closed by the Engine.IO heartbeat.
fn cut_off(socket: &SocketRef) {
    if socket.extensions.get::<CutOff>().is_some() {
        return;
    }
    socket.extensions.insert(CutOff);
    tracing::info!(sid = %socket.id, "socket cannot keep up; disconnecting (it resumes with `since`)");
    let socket = socket.clone();
    tokio::spawn(async move {
        let reason = json!({
            "error_code": "SOCKET_TOO_SLOW",
            "error": "this socket could not keep up with its events and is disconnected; \
                      join again with `since` set to the last `seq` received",
        });
        let mut told = false;
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(20));
        while socket.connected() {
            tick.tick().await;
            if !told {
                told = socket.emit("overflow", &reason).is_ok();
            }
            if told && socket.clone().disconnect().is_ok() {
                return;
            }
        }
    });
}

/// Set on a socket once it has been cut off for overflowing its buffer.
#[derive(Clone, Copy)]
struct CutOff;
