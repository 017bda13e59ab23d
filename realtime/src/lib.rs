//! Corral's realtime edge: Socket.IO (protocol v5, Engine.IO v4) at `/ws/socket.io`, and at
//! `/socket.io` for gateways that strip the `/ws` prefix.
//!
//! - Handshake auth: `auth.token`, `Authorization: Bearer` or the `access_token` cookie,
//!   checked by `Accounts` like any request; failures answer `connect_error`.
//! - Every socket joins its user's notifications; `join {projectId, since?}` follows a project
//!   (permissions from the project's roles, global permissions included). With `since`, the
//!   events after it are replayed from the log before live ones, in order, without duplicates.
//! - Live events come from the bus (`paca.events`, published by project actors after commit)
//!   and go out as `event {type, payload, seq, project_id}`; `notification.*` go to the recipient as
//!   `notification {type, payload}`.
//! - A socket that cannot keep up (its buffer is full) is sent `overflow {error_code:
//!   "SOCKET_TOO_SLOW"}` and disconnected; it resumes with `since`. Replays follow the
//!   client's pace instead.

mod hub;

pub use hub::{Realtime, RealtimeConfig, SOCKET_PATH, STRIPPED_SOCKET_PATH, SocketLayers};
