//! Fault points for the crash tests, set with `CORRAL_FAULT` in debug builds only; in release
//! builds they compile to nothing.
//!
//! - `abort-after-commit:<event type>:<n>`: the process aborts right after the `n`-th committed
//!   batch that carries an event of that type, before its callers are answered and before its
//!   events are published or relayed.
//! - `abort-in-consumer:<consumer>:<event type>`: the process aborts when that consumer is
//!   about to handle an event of that type, holding its unacknowledged stream entries.

use crate::project::batch::Event;

#[cfg(debug_assertions)]
mod points {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};

    pub enum Fault {
        AfterCommit {
            event_type: String,
            nth: u64,
        },
        InConsumer {
            consumer: String,
            event_type: String,
        },
    }

    pub static COMMITS: AtomicU64 = AtomicU64::new(0);

    pub fn configured() -> Option<&'static Fault> {
        static FAULT: OnceLock<Option<Fault>> = OnceLock::new();
        FAULT
            .get_or_init(|| {
                let raw = std::env::var("CORRAL_FAULT").ok()?;
                let mut parts = raw.splitn(3, ':');
                match (parts.next(), parts.next(), parts.next()) {
                    (Some("abort-after-commit"), Some(event_type), Some(nth)) => {
                        Some(Fault::AfterCommit {
                            event_type: event_type.to_owned(),
                            nth: nth.parse().ok()?,
                        })
                    }
                    (Some("abort-in-consumer"), Some(consumer), Some(event_type)) => {
                        Some(Fault::InConsumer {
                            consumer: consumer.to_owned(),
                            event_type: event_type.to_owned(),
                        })
                    }
                    _ => {
                        tracing::error!(%raw, "CORRAL_FAULT not understood; ignored");
                        None
                    }
                }
            })
            .as_ref()
    }

    pub fn abort(what: &str) -> ! {
        eprintln!("CORRAL_FAULT: aborting {what}");
        std::process::abort()
    }

    pub fn count(nth: u64) -> bool {
        COMMITS.fetch_add(1, Ordering::SeqCst) + 1 == nth
    }
}

/// A batch was committed and nothing else has happened yet.
#[inline]
pub fn after_commit<'a>(events: impl IntoIterator<Item = &'a Event>) {
    #[cfg(debug_assertions)]
    if let Some(points::Fault::AfterCommit { event_type, nth }) = points::configured()
        && events.into_iter().any(|e| e.kind.wire() == event_type)
        && points::count(*nth)
    {
        points::abort("after a commit");
    }
    #[cfg(not(debug_assertions))]
    let _ = events;
}

/// A consumer is about to handle an event.
#[inline]
pub fn in_consumer(name: &str, event: &Event) {
    #[cfg(debug_assertions)]
    if let Some(points::Fault::InConsumer {
        consumer,
        event_type,
    }) = points::configured()
        && consumer == name
        && event.kind.wire() == event_type
    {
        points::abort("in a consumer");
    }
    #[cfg(not(debug_assertions))]
    let _ = (name, event);
}

/// `CORRAL_TEST_FAILING_CONSUMER=<event type>:<file>` (debug builds only): a durable consumer
/// named `test-failing` that fails on every event of that type while the file exists, for the
/// dead-letter and replay tests.
pub fn failing_consumer() -> Option<std::sync::Arc<dyn super::Consumer>> {
    #[cfg(debug_assertions)]
    if let Some((event_type, file)) =
        std::env::var("CORRAL_TEST_FAILING_CONSUMER")
            .ok()
            .and_then(|raw| {
                raw.split_once(':')
                    .map(|(t, f)| (t.to_owned(), std::path::PathBuf::from(f)))
            })
    {
        return Some(std::sync::Arc::new(Failing { event_type, file }));
    }
    None
}

#[cfg(debug_assertions)]
struct Failing {
    event_type: String,
    file: std::path::PathBuf,
}

#[cfg(debug_assertions)]
#[async_trait::async_trait]
impl super::Consumer for Failing {
    fn name(&self) -> &'static str {
        "test-failing"
    }

    fn wants(&self, kind: crate::project::events::EventKind) -> bool {
        kind.wire() == self.event_type
    }

    async fn handle(&self, event: &Event) -> crate::Result<()> {
        if !self.file.exists() {
            return Ok(());
        }
        Err(crate::Error::Internal(format!(
            "injected failure for {} #{}",
            event.kind, event.seq
        )))
    }
}
