//! The time the core stamps on rows and events: UTC, truncated to microseconds, which is what
//! both databases keep. A value handed to a client is then exactly what a later read returns.

use chrono::{DateTime, SubsecRound, Utc};

pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}
