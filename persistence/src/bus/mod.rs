//! The bus adapters.

pub mod memory;
pub mod valkey;

/// Messages a subscriber may fall behind by before the bus drops messages for it (Valkey
/// disconnects such a client; either way the consumer resumes from the event log).
pub const SUBSCRIBER_BUFFER: usize = 4096;
