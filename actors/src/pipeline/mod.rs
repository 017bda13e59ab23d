//! The durable event pipeline (ARCHITECTURE §3.4): the event log is the outbox.
//!
//! - [`relay`]: moves committed events from the log to the bus's event stream (and, for events
//!   the live path may have missed, to the channel), recording per project how far it got
//!   (`projects.relayed_seq`). After a crash, a restart or a bus outage it resumes from there.
//! - [`consumer`]: one runner for every durable consumer (agent triggers today; automation,
//!   webhooks and plugin hooks next): consumer groups on the stream, idempotence by
//!   `(project_id, seq)` through a per-project offset, reclaim of entries a dead consumer left
//!   pending, bounded attempts with back-off, then a dead-letter stream.
//! - [`fault`]: test-only fault injection (compiled out of release builds).

pub mod consumer;
pub mod fault;
pub mod relay;

pub use consumer::{Consumer, ConsumerConfig, ConsumerStatus, Consumers, DeadLetter};
pub use relay::{Relay, RelayConfig};

/// The stream every committed event is relayed to (capped with MAXLEN).
pub const EVENTS_STREAM: &str = "corral:events";

/// The dead-letter stream of one consumer.
pub fn dead_letter_stream(consumer: &str) -> String {
    format!("corral:dead:{consumer}")
}

/// The consumer group of one consumer on [`EVENTS_STREAM`].
pub fn group_name(consumer: &str) -> String {
    format!("corral-{consumer}")
}
