//! The in-process bus: the embedded default for a single node. Pub/sub fans out through bounded
//! channels; streams keep Valkey's semantics (ids, consumer groups, pending entries, claiming)
//! in memory, so code written against it behaves the same on Valkey.

use super::SUBSCRIBER_BUFFER;
use async_trait::async_trait;
use corral_actors::bus::{
    Bus, BusError, BusMessage, BusResult, ReadGroup, StreamEntry, Subscription,
};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::{Notify, mpsc};

/// A stream entry id: milliseconds and a sequence within them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
struct EntryId {
    ms: u64,
    seq: u64,
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

impl EntryId {
    fn parse(id: &str) -> Option<Self> {
        let (ms, seq) = id.split_once('-')?;
        Some(Self {
            ms: ms.parse().ok()?,
            seq: seq.parse().ok()?,
        })
    }
}

/// An entry delivered to a consumer and not yet acknowledged.
struct Pending {
    delivered_at: Instant,
}

#[derive(Default)]
struct Group {
    last_delivered: EntryId,
    pending: BTreeMap<EntryId, Pending>,
}

#[derive(Default)]
struct Stream {
    entries: BTreeMap<EntryId, Vec<(String, String)>>,
    last_id: EntryId,
    groups: HashMap<String, Group>,
}

impl Stream {
    /// Appends an entry with the next id; with `max_len`, trims to that many entries.
    fn append(&mut self, fields: &[(&str, &str)], max_len: Option<usize>) -> EntryId {
        let ms = now_ms();
        let id = if ms > self.last_id.ms {
            EntryId { ms, seq: 0 }
        } else {
            EntryId {
                ms: self.last_id.ms,
                seq: self.last_id.seq + 1,
            }
        };
        self.last_id = id;
        self.entries.insert(
            id,
            fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        );
        if let Some(max_len) = max_len {
            self.trim(max_len);
        }
        id
    }

    fn trim(&mut self, max_len: usize) -> u64 {
        let mut removed = 0;
        while self.entries.len() > max_len {
            self.entries.pop_first();
            removed += 1;
        }
        removed
    }
}

#[derive(Default)]
struct State {
    channels: HashMap<String, Vec<mpsc::Sender<BusMessage>>>,
    streams: HashMap<String, Stream>,
}

/// Cheap to clone; clones share the bus.
#[derive(Clone, Default)]
pub struct InProcessBus {
    state: Arc<Mutex<State>>,
    appended: Arc<Notify>,
}

impl InProcessBus {
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Delivers up to `count` new entries to the consumer, marking them pending.
    fn deliver(&self, read: &ReadGroup<'_>) -> BusResult<Vec<StreamEntry>> {
        let mut state = self.state();
        let no_group = || BusError::NoGroup(format!("{} {}", read.stream, read.group));
        let stream = state.streams.get_mut(read.stream).ok_or_else(no_group)?;
        let group = stream.groups.get_mut(read.group).ok_or_else(no_group)?;
        let now = Instant::now();
        let mut out = Vec::new();
        let start = EntryId {
            ms: group.last_delivered.ms,
            seq: group.last_delivered.seq.saturating_add(1),
        };
        for (id, fields) in stream.entries.range(start..).take(read.count) {
            group.pending.insert(*id, Pending { delivered_at: now });
            group.last_delivered = *id;
            out.push(StreamEntry {
                id: id.to_string(),
                fields: fields.clone(),
            });
        }
        Ok(out)
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[async_trait]
impl Bus for InProcessBus {
    async fn publish(&self, channel: &str, payload: &str) -> BusResult<()> {
        let mut state = self.state();
        let Some(senders) = state.channels.get_mut(channel) else {
            return Ok(());
        };
        senders.retain(|tx| !tx.is_closed());
        for tx in senders.iter() {
            let message = BusMessage {
                channel: channel.to_owned(),
                payload: payload.to_owned(),
            };
            if tx.try_send(message).is_err() {
                tracing::warn!(
                    channel,
                    "subscriber is {SUBSCRIBER_BUFFER} messages behind; message dropped for it"
                );
            }
        }
        Ok(())
    }

    async fn subscribe(&self, channel: &str) -> BusResult<Subscription> {
        let (tx, rx) = mpsc::channel(SUBSCRIBER_BUFFER);
        self.state()
            .channels
            .entry(channel.to_owned())
            .or_default()
            .push(tx);
        Ok(Subscription::new(rx))
    }

    async fn stream_append(
        &self,
        stream: &str,
        fields: &[(&str, &str)],
        max_len: Option<usize>,
    ) -> BusResult<String> {
        let id = {
            let mut state = self.state();
            let s = state.streams.entry(stream.to_owned()).or_default();
            s.append(fields, max_len)
        };
        self.appended.notify_waiters();
        Ok(id.to_string())
    }

    async fn stream_append_all(
        &self,
        stream: &str,
        entries: &[Vec<(&str, &str)>],
        max_len: Option<usize>,
    ) -> BusResult<Vec<String>> {
        let ids = {
            let mut state = self.state();
            let s = state.streams.entry(stream.to_owned()).or_default();
            entries
                .iter()
                .map(|fields| s.append(fields, max_len).to_string())
                .collect()
        };
        // Readers wake once for the whole batch.
        self.appended.notify_waiters();
        Ok(ids)
    }

    async fn ensure_group(&self, stream: &str, group: &str) -> BusResult<()> {
        self.state()
            .streams
            .entry(stream.to_owned())
            .or_default()
            .groups
            .entry(group.to_owned())
            .or_default();
        Ok(())
    }

    async fn read_group(&self, read: ReadGroup<'_>) -> BusResult<Vec<StreamEntry>> {
        let deadline = tokio::time::Instant::now() + read.block;
        loop {
            // Register for wake-ups before looking, so an append in between is not missed.
            let appended = self.appended.notified();
            tokio::pin!(appended);
            appended.as_mut().enable();
            let entries = self.deliver(&read)?;
            if !entries.is_empty() || read.block.is_zero() {
                return Ok(entries);
            }
            if tokio::time::timeout_at(deadline, appended).await.is_err() {
                return Ok(Vec::new());
            }
        }
    }

    async fn ack(&self, stream: &str, group: &str, ids: &[String]) -> BusResult<u64> {
        let mut state = self.state();
        let Some(group) = state
            .streams
            .get_mut(stream)
            .and_then(|s| s.groups.get_mut(group))
        else {
            return Ok(0);
        };
        let acked = ids
            .iter()
            .filter_map(|id| EntryId::parse(id))
            .filter(|id| group.pending.remove(id).is_some())
            .count();
        Ok(acked as u64)
    }

    async fn auto_claim(
        &self,
        stream: &str,
        group: &str,
        _consumer: &str,
        min_idle: Duration,
        count: usize,
    ) -> BusResult<Vec<StreamEntry>> {
        let mut state = self.state();
        let no_group = || BusError::NoGroup(format!("{stream} {group}"));
        let s = state.streams.get_mut(stream).ok_or_else(no_group)?;
        let g = s.groups.get_mut(group).ok_or_else(no_group)?;
        let now = Instant::now();
        let idle: Vec<EntryId> = g
            .pending
            .iter()
            .filter(|(_, p)| now.duration_since(p.delivered_at) >= min_idle)
            .map(|(id, _)| *id)
            .take(count)
            .collect();
        let mut claimed = Vec::new();
        for id in idle {
            match s.entries.get(&id) {
                // Trimmed away while pending: forget it, as Valkey 7 does.
                None => {
                    g.pending.remove(&id);
                }
                Some(fields) => {
                    if let Some(p) = g.pending.get_mut(&id) {
                        p.delivered_at = now;
                    }
                    claimed.push(StreamEntry {
                        id: id.to_string(),
                        fields: fields.clone(),
                    });
                }
            }
        }
        Ok(claimed)
    }

    async fn stream_range(
        &self,
        stream: &str,
        start: &str,
        count: usize,
    ) -> BusResult<Vec<StreamEntry>> {
        let start = if start == "-" {
            EntryId::default()
        } else {
            EntryId::parse(start)
                .ok_or_else(|| BusError::Other(format!("invalid stream id {start:?}")))?
        };
        Ok(self.state().streams.get(stream).map_or_else(Vec::new, |s| {
            s.entries
                .range(start..)
                .take(count)
                .map(|(id, fields)| StreamEntry {
                    id: id.to_string(),
                    fields: fields.clone(),
                })
                .collect()
        }))
    }

    async fn stream_delete(&self, stream: &str, ids: &[String]) -> BusResult<u64> {
        let mut state = self.state();
        let Some(s) = state.streams.get_mut(stream) else {
            return Ok(0);
        };
        let mut deleted = 0;
        for id in ids.iter().filter_map(|id| EntryId::parse(id)) {
            if s.entries.remove(&id).is_some() {
                deleted += 1;
            }
        }
        Ok(deleted)
    }

    async fn pending_count(&self, stream: &str, group: &str) -> BusResult<u64> {
        Ok(self
            .state()
            .streams
            .get(stream)
            .and_then(|s| s.groups.get(group))
            .map_or(0, |g| g.pending.len() as u64))
    }

    async fn trim(&self, stream: &str, max_len: usize) -> BusResult<u64> {
        Ok(self
            .state()
            .streams
            .get_mut(stream)
            .map_or(0, |s| s.trim(max_len)))
    }

    async fn stream_len(&self, stream: &str) -> BusResult<u64> {
        Ok(self
            .state()
            .streams
            .get(stream)
            .map_or(0, |s| s.entries.len() as u64))
    }

    async fn ping(&self) -> BusResult<()> {
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "in-process"
    }
}
