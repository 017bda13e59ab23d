//! The mechanisms accounts are built from. Nothing here touches the store.

pub mod api_key;
pub mod login_limiter;
pub mod password;
pub mod token;
