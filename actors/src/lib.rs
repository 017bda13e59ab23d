//! Corral's core. Everything here is plain domain logic and the ports (traits) that adapters
//! implement: no HTTP, no SQL, no wire formats.
//!
//! - [`accounts`]: users, global roles, API keys and browser sessions; the one place that decides
//!   who a caller is and what they may do outside a project.
//! - [`auth`]: the mechanisms accounts are built from: password hashing, tokens, API keys,
//!   the login rate limiter.
//! - [`permission`]: permission keys and wildcard matching.
//! - [`store`] and [`bus`]: the ports that `corral-persistence` implements.
//!
//! Start reading at [`accounts::Accounts`].

pub mod accounts;
pub mod agents;
pub mod auth;
pub mod blob;
pub mod bus;
pub mod clock;
pub mod docs;
pub mod error;
pub mod files;
pub mod ids;
pub mod notification;
pub mod patch;
pub mod permission;
pub mod pipeline;
pub mod project;
pub mod registry;
pub mod sandbox;
pub mod secrets;
pub mod shared_map;
pub mod store;
pub mod user;

pub use error::{Error, Result};
