//! The bus port: pub/sub for live fan-out and streams with consumer groups for durable
//! pipelines. `corral-persistence` implements it in-process and on Valkey; both pass the same
//! conformance suite.
//!
//! Stream semantics follow Valkey's: entry ids are `<ms>-<seq>`, a consumer group delivers each
//! new entry to one consumer, entries stay pending until acknowledged, and pending entries idle
//! longer than a bound can be claimed by another consumer.

use async_trait::async_trait;
use std::time::Duration;
use tokio::sync::mpsc;

/// Pub/sub channel that carries every project event (Paca's name).
pub const EVENTS_CHANNEL: &str = "paca.events";
/// Account changes (`AccountChange` as JSON), so every node re-checks the sockets concerned.
pub const ACCOUNTS_CHANNEL: &str = "corral.accounts";

#[derive(Debug, Clone, thiserror::Error)]
pub enum BusError {
    #[error("bus unavailable: {0}")]
    Unavailable(String),
    /// The stream or consumer group does not exist.
    #[error("no such stream or group: {0}")]
    NoGroup(String),
    #[error("bus error: {0}")]
    Other(String),
}

pub type BusResult<T> = Result<T, BusError>;

/// A message received on a subscribed channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusMessage {
    pub channel: String,
    pub payload: String,
}

/// A live subscription; dropping it unsubscribes.
pub struct Subscription {
    rx: mpsc::Receiver<BusMessage>,
}

impl Subscription {
    pub fn new(rx: mpsc::Receiver<BusMessage>) -> Self {
        Self { rx }
    }

    /// The next message, or `None` once the bus has shut down.
    pub async fn recv(&mut self) -> Option<BusMessage> {
        self.rx.recv().await
    }
}

/// One stream entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamEntry {
    pub id: String,
    pub fields: Vec<(String, String)>,
}

impl StreamEntry {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A read from a consumer group.
#[derive(Clone, Copy, Debug)]
pub struct ReadGroup<'a> {
    pub stream: &'a str,
    pub group: &'a str,
    pub consumer: &'a str,
    pub count: usize,
    /// How long to wait for new entries when there are none; zero returns at once.
    pub block: Duration,
}

#[async_trait]
pub trait Bus: Send + Sync + 'static {
    /// Publishes to every current subscriber of the channel (fire and forget).
    async fn publish(&self, channel: &str, payload: &str) -> BusResult<()>;
    /// Subscribes to a channel. Messages published after this returns are delivered.
    async fn subscribe(&self, channel: &str) -> BusResult<Subscription>;

    /// Appends an entry; with `max_len`, trims the stream to about that many entries.
    async fn stream_append(
        &self,
        stream: &str,
        fields: &[(&str, &str)],
        max_len: Option<usize>,
    ) -> BusResult<String>;
    /// Appends entries in order, in one round trip where the bus can; returns their ids. On an
    /// error, some of them may have been appended.
    async fn stream_append_all(
        &self,
        stream: &str,
        entries: &[Vec<(&str, &str)>],
        max_len: Option<usize>,
    ) -> BusResult<Vec<String>> {
        let mut ids = Vec::with_capacity(entries.len());
        for fields in entries {
            ids.push(self.stream_append(stream, fields, max_len).await?);
        }
        Ok(ids)
    }
    /// Creates a consumer group that starts at the stream's beginning (creating the stream if
    /// needed). Creating an existing group is not an error.
    async fn ensure_group(&self, stream: &str, group: &str) -> BusResult<()>;
    /// New entries for this consumer; they stay pending until [`Bus::ack`].
    async fn read_group(&self, read: ReadGroup<'_>) -> BusResult<Vec<StreamEntry>>;
    /// Acknowledges entries; returns how many were pending.
    async fn ack(&self, stream: &str, group: &str, ids: &[String]) -> BusResult<u64>;
    /// Claims for `consumer` up to `count` entries pending longer than `min_idle`.
    async fn auto_claim(
        &self,
        stream: &str,
        group: &str,
        consumer: &str,
        min_idle: Duration,
        count: usize,
    ) -> BusResult<Vec<StreamEntry>>;
    /// Up to `count` entries from `start` (an entry id, inclusive, or `-` for the first) on.
    async fn stream_range(
        &self,
        stream: &str,
        start: &str,
        count: usize,
    ) -> BusResult<Vec<StreamEntry>>;
    /// Deletes entries; returns how many existed.
    async fn stream_delete(&self, stream: &str, ids: &[String]) -> BusResult<u64>;
    /// How many entries the group's consumers hold unacknowledged (0 without the group).
    async fn pending_count(&self, stream: &str, group: &str) -> BusResult<u64>;
    /// Trims the stream to at most `max_len` entries; returns how many were removed.
    async fn trim(&self, stream: &str, max_len: usize) -> BusResult<u64>;
    /// The number of entries in the stream.
    async fn stream_len(&self, stream: &str) -> BusResult<u64>;
    /// Round-trips to the bus.
    async fn ping(&self) -> BusResult<()>;
    /// Which bus this is, for logs and readiness output.
    fn backend(&self) -> &'static str;
}
