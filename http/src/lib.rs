//! Corral's REST edge: `/api/v1` on axum, following Paca's conventions (envelope, error codes,
//! `X-Request-ID`, cookies). Handlers authenticate, parse, call one core operation and map the
//! reply; no business rule lives here.
//!
//! Start at [`router::router`], which lists every route and layer.

mod access;
mod docs_ws;
mod envelope;
mod extract;
mod handlers;
pub mod pagination;
pub mod rejections;
mod router;
mod serve;
mod state;
mod storage;
mod web;

pub use router::{HttpLimits, router};
pub use serve::{ConnectionLimits, serve};
pub use state::{AppState, CookieSettings, Services};
