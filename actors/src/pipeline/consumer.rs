//! One runner for every durable consumer of the event stream.
//!
//! Each consumer reads [`EVENTS_STREAM`] in its own consumer group (so every node shares its
//! work: an entry goes to one node), and keeps, per project, the last sequence it handled
//! (`consumer_offsets`). That offset makes it idempotent by `(project_id, seq)` (an entry
//! delivered again, or relayed twice, is skipped), keeps each project in order, and closes
//! gaps: an event after a hole (the stream was trimmed past what this consumer read, or an
//! entry was lost) first has the hole read from the log. A sweep finds projects whose relayed
//! events the consumer has not reached and that did not move for a whole period, and reads
//! them from the log too, so a trimmed stream never loses an event for anyone.
//!
//! A handler that fails is retried with exponential back-off, up to `max_attempts`; then the
//! event goes to the consumer's dead-letter stream with the error, and the consumer moves on.
//! `Error::Unavailable` (the store or bus is down) and `Error::Busy` (the handler's own bound is
//! full, e.g. an agent queue) are not the event's fault: the entry stays pending, nothing is
//! counted, and it is tried again after a delay that doubles up to `claim_idle`. Entries a dead node left pending
//! are claimed by the others once idle for `claim_idle` (`XAUTOCLAIM`).

use super::{EVENTS_STREAM, dead_letter_stream, fault, group_name};
use crate::accounts::Principal;
use crate::bus::{Bus, ReadGroup, StreamEntry};
use crate::error::{Error, Result, codes};
use crate::ids::ProjectId;
use crate::permission::{SYSTEM_READ, SYSTEM_WRITE};
use crate::project::batch::Event;
use crate::project::events::EventKind;
use crate::store::Store;
use async_trait::async_trait;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// A durable consumer of project events.
#[async_trait]
pub trait Consumer: Send + Sync + 'static {
    /// Stable name: its consumer group, offsets and dead-letter stream are named after it.
    fn name(&self) -> &'static str;
    /// Whether it acts on events of this kind; others only move its offset (and are never
    /// decoded for it).
    fn wants(&self, kind: EventKind) -> bool;
    /// Handles one event. It may see an event again (after a crash, a reclaim or a replay),
    /// so its effects must be keyed by the event (`project_id`, `seq` or the event id).
    /// `Error::Unavailable` means "not now": retried later without counting an attempt.
    async fn handle(&self, event: &Event) -> Result<()>;
}

#[derive(Clone, Copy, Debug)]
pub struct ConsumerConfig {
    /// Attempts per event before it goes to the dead-letter stream.
    pub max_attempts: u32,
    /// Delay before the second attempt; doubled for each next one.
    pub backoff: Duration,
    /// Entries pending this long (their consumer died) are claimed by another.
    pub claim_idle: Duration,
    /// How often projects the consumer fell behind in are read from the log.
    pub sweep: Duration,
    /// Entries read per round.
    pub batch: usize,
    /// Dead-letter streams are trimmed to about this many entries.
    pub dead_letter_max_len: usize,
}

impl Default for ConsumerConfig {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            backoff: Duration::from_millis(200),
            claim_idle: Duration::from_secs(30),
            sweep: Duration::from_secs(10),
            batch: 64,
            dead_letter_max_len: 10_000,
        }
    }
}

/// What the admin route shows of one consumer.
#[derive(Clone, Debug, Serialize)]
pub struct ConsumerStatus {
    pub name: String,
    pub group: String,
    /// Committed events not handled yet, over every project.
    pub lag: i64,
    /// Entries delivered to the group's consumers and not acknowledged.
    pub pending: u64,
    /// Entries in the dead-letter stream.
    pub dead_letters: u64,
    /// Since this node started: events handled, attempts repeated, events dead-lettered,
    /// entries claimed from a dead consumer, events read from the log to close a gap.
    pub handled: u64,
    pub retries: u64,
    pub dead_lettered: u64,
    pub reclaimed: u64,
    pub from_log: u64,
}

/// An event a consumer gave up on.
#[derive(Clone, Debug, Serialize)]
pub struct DeadLetter {
    /// The entry id in the dead-letter stream.
    pub id: String,
    pub project_id: Option<ProjectId>,
    pub seq: Option<i64>,
    pub event_type: String,
    pub error: String,
    pub attempts: u32,
    pub at: String,
}

#[derive(Default)]
struct Stats {
    handled: AtomicU64,
    retries: AtomicU64,
    dead_lettered: AtomicU64,
    reclaimed: AtomicU64,
    from_log: AtomicU64,
}

struct Runner {
    consumer: Arc<dyn Consumer>,
    /// The offset per project as this runner knows it (a cache of `consumer_offsets`: only
    /// this consumer moves it, always forward, so a stale value only means work done twice).
    offsets: Mutex<HashMap<ProjectId, i64>>,
    /// Offsets moved past events the consumer does not act on, written every second.
    unsaved: Mutex<HashMap<ProjectId, i64>>,
    group: String,
    dead_letters: String,
    stats: Stats,
    store: Arc<dyn Store>,
    bus: Arc<dyn Bus>,
    node: String,
    config: ConsumerConfig,
}

/// The node's durable consumers.
#[derive(Clone)]
pub struct Consumers {
    runners: Arc<BTreeMap<&'static str, Arc<Runner>>>,
    tasks: Arc<Vec<tokio::task::JoinHandle<()>>>,
}

/// Offsets cached per runner before the cache starts over.
const MAX_CACHED_OFFSETS: usize = 100_000;
/// How often offsets moved past events a consumer does not act on are written.
const SAVE_OFFSETS_EVERY: Duration = Duration::from_secs(1);

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The first delay before entries that could not be handled now are tried again.
const DEFER_FIRST: Duration = Duration::from_millis(250);
/// Rows of the log read per query when closing a gap.
const LOG_PAGE: u32 = 256;
/// Projects looked at per sweep.
const SWEEP_PROJECTS: u32 = 256;

impl Consumers {
    /// Registers the consumers and starts one runner task for each.
    pub async fn start(
        store: Arc<dyn Store>,
        bus: Arc<dyn Bus>,
        node: &str,
        config: ConsumerConfig,
        consumers: Vec<Arc<dyn Consumer>>,
    ) -> Result<Self> {
        let mut runners = BTreeMap::new();
        for consumer in consumers {
            let name = consumer.name();
            store.register_consumer(name, crate::clock::now()).await?;
            let runner = Arc::new(Runner {
                group: group_name(name),
                dead_letters: dead_letter_stream(name),
                consumer,
                offsets: Mutex::default(),
                unsaved: Mutex::default(),
                stats: Stats::default(),
                store: store.clone(),
                bus: bus.clone(),
                node: node.to_owned(),
                config,
            });
            runners.insert(name, runner);
        }
        let tasks = runners
            .values()
            .map(|runner| tokio::spawn(runner.clone().run()))
            .collect();
        Ok(Self {
            runners: Arc::new(runners),
            tasks: Arc::new(tasks),
        })
    }

    /// Lag, pending entries, dead letters and this node's counters of every consumer.
    pub async fn status(&self, who: &Principal) -> Result<Vec<ConsumerStatus>> {
        who.require(&[SYSTEM_READ])?;
        let mut out = Vec::with_capacity(self.runners.len());
        for (name, runner) in self.runners.iter() {
            let bus = |e: crate::bus::BusError| Error::Unavailable(e.to_string());
            out.push(ConsumerStatus {
                name: (*name).to_owned(),
                group: runner.group.clone(),
                lag: runner.store.consumer_lag(name).await?,
                pending: runner
                    .bus
                    .pending_count(EVENTS_STREAM, &runner.group)
                    .await
                    .map_err(bus)?,
                dead_letters: runner
                    .bus
                    .stream_len(&runner.dead_letters)
                    .await
                    .map_err(bus)?,
                handled: runner.stats.handled.load(Ordering::Relaxed),
                retries: runner.stats.retries.load(Ordering::Relaxed),
                dead_lettered: runner.stats.dead_lettered.load(Ordering::Relaxed),
                reclaimed: runner.stats.reclaimed.load(Ordering::Relaxed),
                from_log: runner.stats.from_log.load(Ordering::Relaxed),
            });
        }
        Ok(out)
    }

    /// The oldest `limit` dead letters of a consumer.
    pub async fn dead_letters(
        &self,
        who: &Principal,
        name: &str,
        limit: usize,
    ) -> Result<Vec<DeadLetter>> {
        who.require(&[SYSTEM_READ])?;
        let runner = self.runner(name)?;
        let entries = runner
            .bus
            .stream_range(&runner.dead_letters, "-", limit)
            .await
            .map_err(|e| Error::Unavailable(e.to_string()))?;
        Ok(entries.iter().map(DeadLetter::from_entry).collect())
    }

    /// Handles a dead letter's event again (once); on success the dead letter is removed.
    pub async fn replay(&self, who: &Principal, name: &str, id: &str) -> Result<()> {
        who.require(&[SYSTEM_WRITE])?;
        let runner = self.runner(name)?;
        let letter = runner.find_dead_letter(id).await?;
        let (Some(project), Some(seq)) = (letter.project_id, letter.seq) else {
            return Err(Error::conflict(
                codes::CONSUMER_DEAD_LETTER_UNREPLAYABLE,
                "this dead letter names no event to replay (a malformed stream entry); discard it",
            ));
        };
        let event = runner
            .store
            .project_events(project, seq - 1, 1)
            .await?
            .into_iter()
            .find(|e| e.seq == seq)
            .ok_or_else(|| {
                Error::conflict(
                    codes::CONSUMER_DEAD_LETTER_UNREPLAYABLE,
                    "the event is no longer in the log",
                )
            })?;
        match runner.consumer.handle(&event).await {
            Ok(()) => {
                runner.stats.handled.fetch_add(1, Ordering::Relaxed);
                runner.discard(id).await
            }
            Err(Error::Unavailable(m)) => Err(Error::Unavailable(m)),
            Err(err) => Err(Error::conflict(
                codes::CONSUMER_REPLAY_FAILED,
                format!("the event failed again: {err}"),
            )),
        }
    }

    /// Removes a dead letter without handling it.
    pub async fn discard(&self, who: &Principal, name: &str, id: &str) -> Result<()> {
        who.require(&[SYSTEM_WRITE])?;
        let runner = self.runner(name)?;
        runner.find_dead_letter(id).await?;
        runner.discard(id).await
    }

    /// Stops every runner (their pending entries are claimed by other nodes, or by this one
    /// after a restart).
    pub fn shutdown(&self) {
        for task in self.tasks.iter() {
            task.abort();
        }
    }

    fn runner(&self, name: &str) -> Result<&Arc<Runner>> {
        self.runners.get(name).ok_or_else(|| {
            Error::not_found(
                codes::CONSUMER_NOT_FOUND,
                format!("no consumer named {name:?}"),
            )
        })
    }
}

impl DeadLetter {
    /// A dead-letter stream entry as the admin route shows it.
    fn from_entry(entry: &StreamEntry) -> DeadLetter {
        DeadLetter {
            id: entry.id.clone(),
            project_id: entry
                .field("project_id")
                .and_then(|p| p.parse().ok())
                .map(ProjectId),
            seq: entry.field("seq").and_then(|s| s.parse().ok()),
            event_type: entry.field("type").unwrap_or_default().to_owned(),
            error: entry.field("error").unwrap_or_default().to_owned(),
            attempts: entry
                .field("attempts")
                .and_then(|a| a.parse().ok())
                .unwrap_or_default(),
            at: entry.field("at").unwrap_or_default().to_owned(),
        }
    }
}

/// One stream entry for one consumer: which event it is, and the event itself when the
/// consumer acts on its kind (others are never decoded).
struct Delivery {
    seq: i64,
    event: Option<Event>,
}

/// A stream entry's project and delivery, if the entry is well formed (and its event, when
/// decoded, agrees with its fields).
fn decode(entry: &StreamEntry, wants: impl Fn(EventKind) -> bool) -> Option<(ProjectId, Delivery)> {
    let project: ProjectId = entry.field("project_id")?.parse().ok().map(ProjectId)?;
    let seq: i64 = entry.field("seq")?.parse().ok().filter(|s| *s > 0)?;
    let kind = EventKind::parse(entry.field("type")?)?;
    let event = if wants(kind) {
        let event: Event = serde_json::from_str(entry.field("event")?).ok()?;
        if event.project_id != project || event.seq != seq || event.kind != kind {
            return None;
        }
        Some(event)
    } else {
        None
    };
    Some((project, Delivery { seq, event }))
}

/// Why a project's events stopped before the end: a dependency is down.
struct NotNow(String);

impl Runner {
    async fn run(self: Arc<Self>) {
        let name = self.consumer.name();
        let claim_every = (self.config.claim_idle / 2).max(Duration::from_millis(100));
        let mut last_claim = Instant::now();
        let mut last_sweep = Instant::now();
        let mut last_save = Instant::now();
        let mut stale: HashMap<ProjectId, i64> = HashMap::new();
        let mut grouped = false;
        // Entries that could not be handled now (a dependency down or full), still pending in
        // the group: tried again after a delay that doubles up to `claim_idle`.
        let mut deferred: Vec<StreamEntry> = Vec::new();
        let mut defer_delay = DEFER_FIRST;
        let mut retry_at = Instant::now();
        loop {
            if !grouped {
                match self.bus.ensure_group(EVENTS_STREAM, &self.group).await {
                    Ok(()) => grouped = true,
                    Err(err) => {
                        tracing::warn!(consumer = name, %err, "no consumer group yet");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        continue;
                    }
                }
            }
            let read = self
                .bus
                .read_group(ReadGroup {
                    stream: EVENTS_STREAM,
                    group: &self.group,
                    consumer: &self.node,
                    count: self.config.batch,
                    block: if deferred.is_empty() {
                        Duration::from_millis(500)
                    } else {
                        retry_at
                            .saturating_duration_since(Instant::now())
                            .min(Duration::from_millis(500))
                    },
                })
                .await;
            let mut entries = match read {
                Ok(entries) => entries,
                Err(crate::bus::BusError::NoGroup(_)) => {
                    grouped = false; // the bus lost it (a restarted Valkey): create it again
                    continue;
                }
                Err(err) => {
                    tracing::warn!(consumer = name, %err, "reading the event stream failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            if last_claim.elapsed() >= claim_every {
                last_claim = Instant::now();
                match self
                    .bus
                    .auto_claim(
                        EVENTS_STREAM,
                        &self.group,
                        &self.node,
                        self.config.claim_idle,
                        self.config.batch,
                    )
                    .await
                {
                    Ok(claimed) if !claimed.is_empty() => {
                        self.stats
                            .reclaimed
                            .fetch_add(claimed.len() as u64, Ordering::Relaxed);
                        tracing::info!(
                            consumer = name,
                            entries = claimed.len(),
                            "claimed entries a consumer left pending"
                        );
                        entries.extend(claimed);
                    }
                    Ok(_) => {}
                    Err(err) => {
                        tracing::warn!(consumer = name, %err, "claiming idle entries failed")
                    }
                }
            }
            if !deferred.is_empty() && Instant::now() >= retry_at {
                entries.append(&mut deferred);
            }
            if !entries.is_empty() {
                let not_now = self.process(entries).await;
                if not_now.is_empty() {
                    defer_delay = DEFER_FIRST;
                } else {
                    retry_at = Instant::now() + defer_delay;
                    defer_delay = (defer_delay * 2).min(self.config.claim_idle);
                    deferred.extend(not_now);
                }
            }
            if last_save.elapsed() >= SAVE_OFFSETS_EVERY {
                last_save = Instant::now();
                self.save_offsets().await;
            }
            if last_sweep.elapsed() >= self.config.sweep {
                last_sweep = Instant::now();
                stale = self.sweep(stale).await;
            }
        }
    }

    /// Handles a round of entries: per project in sequence order, projects side by side.
    /// Returns the entries of projects that could not be handled now.
    async fn process(&self, entries: Vec<StreamEntry>) -> Vec<StreamEntry> {
        let mut projects: BTreeMap<ProjectId, (Vec<Delivery>, Vec<StreamEntry>)> = BTreeMap::new();
        let mut malformed = Vec::new();
        for entry in entries {
            match decode(&entry, |kind| self.consumer.wants(kind)) {
                Some((project, delivery)) => {
                    let slot = projects.entry(project).or_default();
                    slot.0.push(delivery);
                    slot.1.push(entry);
                }
                None => malformed.push(entry),
            }
        }
        for entry in malformed {
            tracing::warn!(consumer = self.consumer.name(), entry = %entry.id, "malformed stream entry");
            let fields: Vec<(&str, &str)> = entry
                .fields
                .iter()
                .filter(|(k, _)| k != "event")
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            if self
                .send_to_dead_letters(&fields, "malformed stream entry", 0)
                .await
                .is_ok()
            {
                self.ack(&[entry.id]).await;
            }
        }
        let rounds = projects.into_iter().map(|(project, (events, entries))| async move {
            match self.project_events(project, events).await {
                Ok(()) => {
                    let ids: Vec<String> = entries.into_iter().map(|e| e.id).collect();
                    self.ack(&ids).await;
                    Vec::new()
                }
                Err(NotNow(why)) => {
                    tracing::info!(consumer = self.consumer.name(), %project, %why, "not now; retried later");
                    entries
                }
            }
        });
        futures::future::join_all(rounds)
            .await
            .into_iter()
            .flatten()
            .collect()
    }

    async fn ack(&self, ids: &[String]) {
        if let Err(err) = self.bus.ack(EVENTS_STREAM, &self.group, ids).await {
            // Left pending: claimed again later and skipped by the offset.
            tracing::warn!(consumer = self.consumer.name(), %err, "acknowledging entries failed");
        }
    }

    /// Handles one project's events from the stream, after whatever the offset says is
    /// missing before them; records the new offset: at once when the consumer acted on
    /// something, within a second otherwise.
    async fn project_events(
        &self,
        project: ProjectId,
        mut deliveries: Vec<Delivery>,
    ) -> std::result::Result<(), NotNow> {
        let cached = lock(&self.offsets).get(&project).copied();
        let (start, mut refreshed) = match cached {
            Some(offset) => (offset, false),
            None => (self.stored_offset(project).await?, true),
        };
        deliveries.sort_by_key(|d| d.seq);
        deliveries.dedup_by_key(|d| d.seq);
        let mut offset = start;
        let mut acted = false;
        let mut outcome = Ok(());
        for delivery in deliveries {
            if delivery.seq > offset + 1 && !refreshed {
                // Another node may have handled what looks missing: ask before re-reading.
                refreshed = true;
                offset = offset.max(self.stored_offset(project).await?);
            }
            if delivery.seq <= offset {
                continue;
            }
            if delivery.seq > offset + 1 {
                match self.read_from_log(project, offset, delivery.seq - 1).await {
                    Ok(seq) => {
                        acted = true;
                        offset = seq;
                    }
                    Err(e) => {
                        outcome = Err(e);
                        break;
                    }
                }
            }
            if let Some(event) = &delivery.event {
                if let Err(e) = self.deliver(event).await {
                    outcome = Err(e);
                    break;
                }
                acted = true;
            }
            offset = delivery.seq;
        }
        if offset > start {
            self.remember(project, offset);
            if acted {
                let saved = self
                    .store
                    .advance_consumer(self.consumer.name(), project, offset)
                    .await;
                if let Err(err) = saved {
                    // Handled but not recorded: written with the next save.
                    lock(&self.unsaved).insert(project, offset);
                    return Err(NotNow(err.to_string()));
                }
            } else {
                lock(&self.unsaved).insert(project, offset);
            }
        }
        outcome
    }

    async fn stored_offset(&self, project: ProjectId) -> std::result::Result<i64, NotNow> {
        let stored = self
            .store
            .consumer_offset(self.consumer.name(), project)
            .await
            .map_err(|e| NotNow(e.to_string()))?;
        Ok(self.remember(project, stored))
    }

    /// Moves the cached offset forward (never back); returns it.
    fn remember(&self, project: ProjectId, offset: i64) -> i64 {
        let mut offsets = lock(&self.offsets);
        if offsets.len() >= MAX_CACHED_OFFSETS && !offsets.contains_key(&project) {
            offsets.clear();
        }
        let cached = offsets.entry(project).or_insert(offset);
        *cached = (*cached).max(offset);
        *cached
    }

    /// Writes the offsets moved past events the consumer does not act on.
    async fn save_offsets(&self) {
        let unsaved = std::mem::take(&mut *lock(&self.unsaved));
        for (project, offset) in unsaved {
            if let Err(err) = self
                .store
                .advance_consumer(self.consumer.name(), project, offset)
                .await
            {
                tracing::warn!(consumer = self.consumer.name(), %project, %err, "offset not saved; retried");
                let mut again = lock(&self.unsaved);
                let entry = again.entry(project).or_insert(offset);
                *entry = (*entry).max(offset);
            }
        }
    }

    /// Handles the log's events in `(after, upto]`; returns the last one handled.
    async fn read_from_log(
        &self,
        project: ProjectId,
        after: i64,
        upto: i64,
    ) -> std::result::Result<i64, NotNow> {
        let mut offset = after;
        while offset < upto {
            let events = self
                .store
                .project_events(project, offset, LOG_PAGE)
                .await
                .map_err(|e| NotNow(e.to_string()))?;
            if events.is_empty() {
                break;
            }
            for event in events.iter().take_while(|e| e.seq <= upto) {
                self.deliver(event).await?;
                self.stats.from_log.fetch_add(1, Ordering::Relaxed);
                offset = event.seq;
            }
        }
        Ok(offset)
    }

    /// Reads from the log the projects this consumer is behind in, where its offset did not
    /// move since the last sweep. Returns what is behind now, for the next sweep.
    async fn sweep(&self, previous: HashMap<ProjectId, i64>) -> HashMap<ProjectId, i64> {
        let name = self.consumer.name();
        let behind = match self.store.lagging_projects(name, SWEEP_PROJECTS).await {
            Ok(behind) => behind,
            Err(err) => {
                tracing::warn!(consumer = name, %err, "sweep could not read offsets");
                return previous;
            }
        };
        let mut now = HashMap::new();
        for position in behind {
            let project = position.project_id;
            if previous.get(&project) != Some(&position.offset) {
                now.insert(project, position.offset);
                continue;
            }
            let caught_up = self
                .read_from_log(project, position.offset, position.relayed_seq)
                .await;
            let reached = match &caught_up {
                Ok(seq) => *seq,
                Err(_) => position.offset,
            };
            if reached > position.offset {
                self.remember(project, reached);
            }
            if reached > position.offset
                && let Err(err) = self.store.advance_consumer(name, project, reached).await
            {
                tracing::warn!(consumer = name, %project, %err, "sweep could not record its offset");
            }
            if let Err(NotNow(why)) = caught_up {
                tracing::warn!(consumer = name, %project, %why, "sweep stopped; retried later");
                now.insert(project, reached);
            } else {
                tracing::info!(consumer = name, %project, from = position.offset + 1, to = reached, "read from the log");
            }
        }
        now
    }

    /// Hands one event to the consumer: retries with back-off, then dead-letters it.
    async fn deliver(&self, event: &Event) -> std::result::Result<(), NotNow> {
        if !self.consumer.wants(event.kind) {
            return Ok(());
        }
        fault::in_consumer(self.consumer.name(), event);
        let mut delay = self.config.backoff;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.consumer.handle(event).await {
                Ok(()) => {
                    self.stats.handled.fetch_add(1, Ordering::Relaxed);
                    return Ok(());
                }
                // Not the event's fault: a dependency is down, or full (back-pressure).
                Err(Error::Unavailable(why)) => return Err(NotNow(why)),
                Err(err @ Error::Busy { .. }) => return Err(NotNow(err.to_string())),
                Err(err) if attempt >= self.config.max_attempts => {
                    tracing::error!(consumer = self.consumer.name(), project = %event.project_id, seq = event.seq, %err, attempt, "event dead-lettered");
                    let project = event.project_id.to_string();
                    let seq = event.seq.to_string();
                    let fields = [
                        ("project_id", project.as_str()),
                        ("seq", seq.as_str()),
                        ("type", event.kind.wire()),
                    ];
                    self.send_to_dead_letters(&fields, &err.to_string(), attempt)
                        .await
                        .map_err(|e| NotNow(e.to_string()))?;
                    return Ok(());
                }
                Err(err) => {
                    self.stats.retries.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(consumer = self.consumer.name(), project = %event.project_id, seq = event.seq, %err, attempt, "consumer failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay = delay.saturating_mul(2);
                }
            }
        }
    }

    async fn send_to_dead_letters(
        &self,
        fields: &[(&str, &str)],
        error: &str,
        attempts: u32,
    ) -> crate::bus::BusResult<()> {
        let attempts = attempts.to_string();
        let at = crate::clock::now().to_rfc3339();
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.extend([
            ("consumer", self.consumer.name()),
            ("error", error),
            ("attempts", attempts.as_str()),
            ("at", at.as_str()),
        ]);
        self.bus
            .stream_append(
                &self.dead_letters,
                &all,
                Some(self.config.dead_letter_max_len),
            )
            .await?;
        self.stats.dead_lettered.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    async fn find_dead_letter(&self, id: &str) -> Result<DeadLetter> {
        let missing = || {
            Error::not_found(
                codes::CONSUMER_DEAD_LETTER_NOT_FOUND,
                format!("no dead letter {id:?}"),
            )
        };
        if !is_entry_id(id) {
            return Err(missing());
        }
        let entries = self
            .bus
            .stream_range(&self.dead_letters, id, 1)
            .await
            .map_err(|e| Error::Unavailable(e.to_string()))?;
        entries
            .first()
            .filter(|e| e.id == id)
            .map(DeadLetter::from_entry)
            .ok_or_else(missing)
    }

    async fn discard(&self, id: &str) -> Result<()> {
        self.bus
            .stream_delete(&self.dead_letters, &[id.to_owned()])
            .await
            .map_err(|e| Error::Unavailable(e.to_string()))?;
        Ok(())
    }
}

/// `<ms>-<seq>`, both decimal: the only ids worth sending to the bus.
fn is_entry_id(id: &str) -> bool {
    id.split_once('-').is_some_and(|(ms, seq)| {
        !ms.is_empty()
            && !seq.is_empty()
            && ms.len() <= 20
            && seq.len() <= 20
            && ms.bytes().all(|b| b.is_ascii_digit())
            && seq.bytes().all(|b| b.is_ascii_digit())
    })
}
