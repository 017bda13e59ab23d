//! Corral's realtime edge: Socket.IO (protocol v5, Engine.IO v4) at `/ws/socket.io`, and at
//! `/socket.io` for gateways that strip the `/ws` prefix.
//!
//! - Handshake auth: `auth.token`, `Authorization: Bearer` or the `access_token` cookie,
//!   checked by `Accounts` like any request; failures answer `connect_error` ([`handshake`]).
//! - Every socket joins its user's notifications; `join {projectId, since?}` follows a project
//!   (permissions from the project's roles, global permissions included). With `since`, the
//!   events after it are replayed from the log before live ones, in order, without duplicates
//!   ([`replay`]); a follower whose live events jump ahead is refilled the same way.
//! - Live events come from the bus (`paca.events`, published by project actors after commit)
//!   and go out as `event {type, payload, seq, project_id}` ([`hub`]); `notification.*` go only
//!   to their recipient, as `notification {type, payload}`.
//! - Access is decided again whenever the project's membership or roles change, and at every
//!   credential re-check; a follower that lost rooms gets `access_revoked` ([`access`]).
//! - Presence: one `presence_snapshot` per join, then coalesced `presence_delta`s ([`presence`]).
//! - A socket that cannot keep up (its buffer is full) is sent `overflow {error_code:
//!   "SOCKET_TOO_SLOW"}` and disconnected; it resumes with `since`. Replays follow the
//!   client's pace instead ([`outbox`]).

mod access;
mod client_events;
mod domains;
mod handshake;
mod hub;
mod outbox;
mod presence;
mod replay;

pub use hub::{Realtime, RealtimeConfig, SOCKET_PATH, STRIPPED_SOCKET_PATH, SocketLayers};
