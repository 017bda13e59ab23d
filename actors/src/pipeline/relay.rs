//! The relay: committed events from the log to the bus's event stream.
//!
//! A project actor hands each committed batch to its node's relay ([`Relay::committed`], never
//! blocking: when the relay is behind, the batch is dropped here and found again in the log).
//! The relay appends the events to [`EVENTS_STREAM`](super::EVENTS_STREAM) in order and records
//! the position in the store (`projects.relayed_seq`, written every 50 ms). Whatever the live
//! path did not cover (a crash between commit and relay, a bus outage, a dropped batch) is
//! caught up from the log: at the project's next commit on any node (a gap before its first
//! event), or by the periodic sweep, which takes a project whose position has not moved for a
//! whole sweep period (its owner died, or the bus was down). Events caught up are also published
//! on the channel, since their live publish may never have happened. Delivery is at least
//! once and in order per project; consumers are idempotent by `(project_id, seq)`.

use super::EVENTS_STREAM;
use crate::bus::{Bus, EVENTS_CHANNEL};
use crate::ids::ProjectId;
use crate::project::batch::Event;
use crate::store::Store;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Batches a relay may hold before it drops new ones (they are caught up from the log).
const QUEUE: usize = 4096;
/// How often relayed positions are written to the store.
const FLUSH_EVERY: Duration = Duration::from_millis(50);
/// Projects looked at per sweep, and events read from the log per query.
const SWEEP_PROJECTS: u32 = 256;
const LOG_PAGE: u32 = 500;
/// The in-memory positions are a cache; past this many projects it starts over.
const MAX_POSITIONS: usize = 100_000;

#[derive(Clone, Copy, Debug)]
pub struct RelayConfig {
    /// The event stream is trimmed to about this many entries (MAXLEN). Consumers that fall
    /// further behind read the log instead.
    pub stream_max_len: usize,
    /// How often the relay looks for projects whose events did not reach the stream.
    pub sweep: Duration,
}

impl Default for RelayConfig {
    fn default() -> Self {
        Self {
            stream_max_len: 10_000,
            sweep: Duration::from_secs(2),
        }
    }
}

/// Cheap-clone handle to the node's relay.
#[derive(Clone)]
pub struct Relay {
    batches: mpsc::Sender<Arc<[Event]>>,
}

impl Relay {
    /// Starts the node's relay task.
    pub fn start(store: Arc<dyn Store>, bus: Arc<dyn Bus>, config: RelayConfig) -> Self {
        let (batches, rx) = mpsc::channel(QUEUE);
        let worker = Worker {
            store,
            bus,
            config,
            positions: HashMap::new(),
            dirty: HashMap::new(),
            stale: HashMap::new(),
        };
        tokio::spawn(worker.run(rx));
        Self { batches }
    }

    /// A project's batch was committed (events in sequence order). Never blocks.
    pub fn committed(&self, events: Arc<[Event]>) {
        if events.is_empty() {
            return;
        }
        if self.batches.try_send(events).is_err() {
            tracing::debug!("relay queue full; the batch will be read from the log");
        }
    }
}

struct Worker {
    store: Arc<dyn Store>,
    bus: Arc<dyn Bus>,
    config: RelayConfig,
    /// How far this node relayed each project (a cache of the store's `relayed_seq`).
    positions: HashMap<ProjectId, i64>,
    /// Positions not yet written to the store.
    dirty: HashMap<ProjectId, i64>,
    /// Projects the last sweep found behind, with their stored position then.
    stale: HashMap<ProjectId, i64>,
}

impl Worker {
    async fn run(mut self, mut batches: mpsc::Receiver<Arc<[Event]>>) {
        let mut flush = tokio::time::interval(FLUSH_EVERY);
        let mut sweep = tokio::time::interval(self.config.sweep);
        flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                batch = batches.recv() => match batch {
                    Some(events) => self.relay(events).await,
                    None => {
                        self.flush().await;
                        return;
                    }
                },
                _ = flush.tick() => self.flush().await,
                _ = sweep.tick() => self.sweep().await,
            }
        }
    }

    /// Relays one committed batch, first catching up whatever came before it unrelayed.
    async fn relay(&mut self, events: Arc<[Event]>) {
        let Some(first) = events.first() else {
            return;
        };
        let project = first.project_id;
        let position = match self.positions.get(&project) {
            Some(seq) => *seq,
            None => match self.store.relay_position(project).await {
                Ok(known) => known.map_or(0, |p| p.relayed_seq),
                Err(err) => {
                    tracing::warn!(%project, %err, "relay: position unknown; the sweep will catch up");
                    return;
                }
            },
        };
        let mut position = position;
        if first.seq > position + 1 {
            match self.catch_up(project, position, first.seq - 1).await {
                Ok(seq) => position = seq,
                Err(err) => {
                    tracing::warn!(%project, %err, "relay: catching up failed; the sweep will retry");
                    self.positions.remove(&project);
                    return;
                }
            }
        }
        let after = position;
        let fresh: Vec<&Event> = events.iter().filter(|e| e.seq > after).collect();
        if let Err(err) = self.append(&fresh).await {
            tracing::warn!(%project, %err, "relay: bus refused a batch; the sweep will retry");
            self.record(project, position);
            self.positions.remove(&project);
            return;
        }
        if let Some(last) = fresh.last() {
            position = last.seq;
        }
        self.record(project, position);
    }

    /// Appends (and publishes) the log's events in `(after, upto]`; returns the last relayed.
    async fn catch_up(&mut self, project: ProjectId, after: i64, upto: i64) -> Result<i64, String> {
        let mut position = after;
        while position < upto {
            let events = self
                .store
                .project_events(project, position, LOG_PAGE)
                .await
                .map_err(|e| e.to_string())?;
            if events.is_empty() {
                break;
            }
            let page: Vec<&Event> = events.iter().take_while(|e| e.seq <= upto).collect();
            let Some(last) = page.last() else { break };
            let last = last.seq;
            self.append(&page).await.map_err(|e| e.to_string())?;
            for event in page {
                // Its live publish may never have happened (the node died first).
                if let Err(err) = self.bus.publish(EVENTS_CHANNEL, &event.bus_message()).await {
                    tracing::debug!(%project, seq = event.seq, %err, "relay: caught-up event not published");
                }
            }
            position = last;
        }
        if position > after {
            tracing::info!(%project, from = after + 1, to = position, "relay: caught up from the log");
        }
        Ok(position)
    }

    /// Appends events (of one project, in order) to the stream in one call.
    async fn append(&self, events: &[&Event]) -> crate::bus::BusResult<()> {
        let Some(first) = events.first() else {
            return Ok(());
        };
        let project = first.project_id.to_string();
        let encoded: Vec<(String, String)> = events
            .iter()
            .map(|e| {
                let json = serde_json::to_string(e).unwrap_or_default();
                (e.seq.to_string(), json)
            })
            .collect();
        let entries: Vec<Vec<(&str, &str)>> = events
            .iter()
            .zip(&encoded)
            .map(|(e, (seq, json))| {
                vec![
                    ("project_id", project.as_str()),
                    ("seq", seq.as_str()),
                    ("type", e.kind.wire()),
                    ("event", json.as_str()),
                ]
            })
            .collect();
        self.bus
            .stream_append_all(EVENTS_STREAM, &entries, Some(self.config.stream_max_len))
            .await
            .map(drop)
    }

    fn record(&mut self, project: ProjectId, seq: i64) {
        if self.positions.len() >= MAX_POSITIONS && !self.positions.contains_key(&project) {
            self.positions.clear();
        }
        self.positions.insert(project, seq);
        if seq > 0 {
            let entry = self.dirty.entry(project).or_insert(seq);
            *entry = (*entry).max(seq);
        }
    }

    /// Writes relayed positions to the store; what fails is kept for the next flush.
    async fn flush(&mut self) {
        for (project, seq) in std::mem::take(&mut self.dirty) {
            if let Err(err) = self.store.mark_relayed(project, seq).await {
                tracing::warn!(%project, seq, %err, "relay: position not recorded");
                let entry = self.dirty.entry(project).or_insert(seq);
                *entry = (*entry).max(seq);
            }
        }
    }

    /// Catches up projects whose stored position did not move for a whole sweep period.
    async fn sweep(&mut self) {
        self.flush().await;
        let behind = match self.store.unrelayed_projects(SWEEP_PROJECTS).await {
            Ok(behind) => behind,
            Err(err) => {
                tracing::warn!(%err, "relay: sweep could not read positions");
                return;
            }
        };
        let previous = std::mem::take(&mut self.stale);
        for found in behind {
            let project = found.project_id;
            let ours = self.positions.get(&project).copied().unwrap_or(0);
            if ours >= found.event_seq {
                continue; // relayed here; the position is on its way to the store
            }
            if previous.get(&project) != Some(&found.relayed_seq) {
                // Give the live path on whichever node holds the project one period.
                self.stale.insert(project, found.relayed_seq);
                continue;
            }
            let from = ours.max(found.relayed_seq);
            match self.catch_up(project, from, found.event_seq).await {
                Ok(seq) => self.record(project, seq),
                Err(err) => {
                    tracing::warn!(%project, %err, "relay: sweep could not catch up");
                    self.positions.remove(&project);
                    self.stale.insert(project, found.relayed_seq);
                }
            }
        }
        self.flush().await;
    }
}
