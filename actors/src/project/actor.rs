//! The project actor: serializes a project's writes, commits them in groups, and publishes
//! its committed state as the snapshot readers use (`snapshot.rs`): reads never enter the
//! mailbox.
//!
//! Write path (ARCHITECTURE §3.2): a command is staged against the *working* state (committed
//! plus everything staged since) and queued. When no batch is being written, the queue becomes
//! the next batch: one transaction with every row image, event and notification, fenced on the
//! project's sequence. Commands that arrive meanwhile queue for the batch after. On commit the
//! batch is applied to the *committed* state, which is published as the readers' snapshot,
//! then every command is answered (so a writer reads its own write), and the events go to the
//! bus. On failure the batch's commands get the error, state is reloaded from the store,
//! and queued commands are staged again.
//!
//! One command must never fail another: a batch that the database refused (a rolled-back
//! transaction, not an outage) is retried in halves until the command that caused the failure
//! is alone in its batch; it gets the error, every other command commits.

use super::access::Caller;
use super::batch::{Change, CommitBatch, CommitOutcome, Event};
use super::command::{self, Outside, ProjectCommand, Staged};
use super::snapshot::Snapshots;
use super::state::ProjectState;
use crate::bus::{Bus, EVENTS_CHANNEL};
use crate::error::{Error, Result};
use crate::ids::ProjectId;
use crate::pipeline::Relay;
use crate::store::{Store, StoreError, StoreResult};
use chrono::{DateTime, Utc};
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use std::any::Any;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Limits of one actor.
#[derive(Clone, Copy, Debug)]
pub struct ActorLimits {
    /// Passivate after this long without a message.
    pub idle_timeout: Duration,
    /// Most commands in one transaction.
    pub max_batch: usize,
}

pub enum ProjectMsg {
    /// A command of any type, with the port its typed reply goes to.
    Command {
        caller: Caller,
        command: Box<dyn Waiting>,
    },
    /// The batch being written finished; the batch comes back with its outcome.
    Committed(StoreResult<CommitOutcome>, Box<CommitBatch>),
    /// The bus carried an event of this project with this sequence (possibly from another
    /// node).
    Observed(i64),
    /// Periodic check for idleness.
    Tick,
    /// Fails the actor, to exercise supervision (tests only).
    #[doc(hidden)]
    Crash,
    /// Keeps the actor busy, its mailbox waiting, for this long (tests only: reads must not
    /// wait for it).
    #[doc(hidden)]
    Hold(Duration),
}

pub struct ProjectActor;

pub struct ActorArgs {
    pub id: ProjectId,
    pub state: ProjectState,
    pub store: Arc<dyn Store>,
    pub bus: Arc<dyn Bus>,
    pub limits: ActorLimits,
    pub stats: Arc<ProjectStats>,
    /// Moves committed events to the bus's event stream (the durable pipeline).
    pub relay: Relay,
    /// Where the committed state is published for readers (already holding `state`).
    pub snapshot: Snapshots,
}

/// Counters shared by every project actor of a node.
#[derive(Debug, Default)]
pub struct ProjectStats {
    /// Commands answered with an error after their batch failed and they were isolated.
    pub isolated_failures: AtomicU64,
    /// Batches the database refused and that were split to find the failing command.
    pub split_batches: AtomicU64,
}

/// A command and the port its reply goes to, before it is staged (or to be staged again).
pub struct Request<C: ProjectCommand> {
    command: C,
    reply: RpcReplyPort<Result<C::Reply>>,
}

impl<C: ProjectCommand> Request<C> {
    pub fn new(command: C, reply: RpcReplyPort<Result<C::Reply>>) -> Self {
        Self { command, reply }
    }

    /// The command back, its port dropped (the message never reached the actor).
    pub fn into_command(self) -> C {
        self.command
    }
}

/// A command the actor holds without knowing its type: [`Request`] for any command. The typed
/// reply port travels with it, so the actor answers, or stages again, without downcasting.
pub trait Waiting: Any + Send {
    /// See [`ProjectCommand::resolve`].
    fn resolve<'a>(
        &'a mut self,
        outside: Outside<'a>,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

    /// Stages the command on `state`. On failure the error is answered and `None` returned.
    fn stage(
        self: Box<Self>,
        state: &ProjectState,
        project_id: ProjectId,
        caller: &Caller,
        now: DateTime<Utc>,
    ) -> Option<(Box<dyn Ready>, Staged)>;

    /// Answers an error without staging.
    fn fail(self: Box<Self>, error: Error);
}

/// A staged command holding its reply until the batch is written.
pub trait Ready: Send {
    /// Answers the staged reply (`Ok`: the batch committed) or the batch's error.
    fn answer(self: Box<Self>, result: Result<()>);

    /// The command to stage again (after a reload or a refused batch); the reply is dropped.
    fn unstage(self: Box<Self>) -> Box<dyn Waiting>;
}

/// A [`Request`] staged: its reply, sent once the batch commits.
struct Answer<C: ProjectCommand> {
    request: Request<C>,
    reply: C::Reply,
}

impl<C: ProjectCommand> Waiting for Request<C> {
    fn resolve<'a>(
        &'a mut self,
        outside: Outside<'a>,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        Box::pin(self.command.resolve(outside))
    }

    fn stage(
        self: Box<Self>,
        state: &ProjectState,
        project_id: ProjectId,
        caller: &Caller,
        now: DateTime<Utc>,
    ) -> Option<(Box<dyn Ready>, Staged)> {
        match command::stage(state, project_id, caller, &self.command, now) {
            Ok((reply, staged)) => Some((
                Box::new(Answer {
                    request: *self,
                    reply,
                }),
                staged,
            )),
            Err(err) => {
                let _ = self.reply.send(Err(err));
                None
            }
        }
    }

    fn fail(self: Box<Self>, error: Error) {
        let _ = self.reply.send(Err(error));
    }
}

impl<C: ProjectCommand> Ready for Answer<C> {
    fn answer(self: Box<Self>, result: Result<()>) {
        let Self { request, reply } = *self;
        let _ = request.reply.send(result.map(|()| reply));
    }

    fn unstage(self: Box<Self>) -> Box<dyn Waiting> {
        Box::new(self.request)
    }
}

/// A staged command waiting for its batch to commit. Its changes and events move into the
/// batch when it is written; staging it again (after a reload or a refused batch) makes them
/// anew.
struct Pending {
    caller: Caller,
    command: Box<dyn Ready>,
    staged: Staged,
}

pub struct ActorState {
    id: ProjectId,
    committed: ProjectState,
    working: ProjectState,
    /// The batch being written (empty when none is).
    writing: Vec<Pending>,
    /// Staged commands for the next batch.
    queued: Vec<Pending>,
    /// The sequence the batch being written starts from, and how many events it writes.
    writing_base: (i64, usize),
    /// Sizes of the next batches while a refused batch is being split to find its culprit.
    splits: VecDeque<usize>,
    stats: Arc<ProjectStats>,
    last_used: Instant,
    store: Arc<dyn Store>,
    limits: ActorLimits,
    publish: mpsc::UnboundedSender<Arc<[Event]>>,
    relay: Relay,
    snapshot: Snapshots,
    ticker: Option<ractor::concurrency::JoinHandle<()>>,
}

/// Publishes committed events to the bus channel in commit order: the live fast path. It is
/// best effort; the relay (`crate::pipeline::Relay`) is the guarantee, and followers that miss a
/// message catch up from the event log.
async fn publish_events(bus: Arc<dyn Bus>, mut batches: mpsc::UnboundedReceiver<Arc<[Event]>>) {
    while let Some(events) = batches.recv().await {
        for event in events.iter() {
            if let Err(err) = bus.publish(EVENTS_CHANNEL, &event.bus_message()).await {
                tracing::warn!(project_id = %event.project_id, seq = event.seq, %err, "event not published");
            }
        }
    }
}

impl Actor for ProjectActor {
    type Msg = ProjectMsg;
    type State = ActorState;
    type Arguments = ActorArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<Self::Msg>,
        args: ActorArgs,
    ) -> Result<Self::State, ActorProcessingErr> {
        let (publish, batches) = mpsc::unbounded_channel();
        tokio::spawn(publish_events(args.bus, batches));
        let period = (args.limits.idle_timeout / 2).max(Duration::from_millis(50));
        let ticker = myself.send_interval(period, || ProjectMsg::Tick);
        Ok(ActorState {
            id: args.id,
            working: args.state.clone(),
            committed: args.state,
            writing: Vec::new(),
            queued: Vec::new(),
            writing_base: (0, 0),
            splits: VecDeque::new(),
            stats: args.stats,
            last_used: Instant::now(),
            store: args.store,
            limits: args.limits,
            publish,
            relay: args.relay,
            snapshot: args.snapshot,
            ticker: Some(ticker),
        })
    }

    async fn post_stop(
        &self,
        _myself: ActorRef<Self::Msg>,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        if let Some(ticker) = state.ticker.take() {
            ticker.abort();
        }
        Ok(())
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        message: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            ProjectMsg::Command {
                caller,
                mut command,
            } => {
                state.last_used = Instant::now();
                let caller = match super::access::acting_as(&state.working, &caller) {
                    Ok(acting) => acting.unwrap_or(caller),
                    Err(err) => {
                        command.fail(err);
                        return Ok(());
                    }
                };
                command
                    .resolve(Outside {
                        project_id: state.id,
                        state: &state.working,
                        store: state.store.as_ref(),
                    })
                    .await;
                state.stage_and_queue(caller, command);
                state.flush_if_idle(&myself);
            }
            ProjectMsg::Committed(result, batch) => {
                state.committed_batch(result, *batch).await?;
                state.flush_if_idle(&myself);
            }
            ProjectMsg::Observed(seq) => {
                // Another node wrote: catch up now rather than at the next (fenced) write. With
                // a batch in flight, its fence will tell.
                if seq > state.committed.event_seq && state.writing.is_empty() {
                    tracing::debug!(project_id = %state.id, seq, "another node advanced the project; reloading");
                    state.reload().await?;
                    state.flush_if_idle(&myself);
                }
            }
            ProjectMsg::Tick => {
                if state.snapshot.take_read() {
                    state.last_used = Instant::now();
                }
                let idle = state.writing.is_empty()
                    && state.queued.is_empty()
                    && state.last_used.elapsed() >= state.limits.idle_timeout;
                if idle {
                    tracing::debug!(project_id = %state.id, "passivating idle project");
                    myself.stop(Some("idle".into()));
                }
            }
            ProjectMsg::Crash => return Err("crash requested".into()),
            ProjectMsg::Hold(duration) => tokio::time::sleep(duration).await,
        }
        Ok(())
    }
}

impl ActorState {
    /// Stages a command on the working state and queues it, or answers its error at once.
    fn stage_and_queue(&mut self, caller: Caller, command: Box<dyn Waiting>) {
        if let Some((command, staged)) =
            command.stage(&self.working, self.id, &caller, crate::clock::now())
        {
            apply(&mut self.working, &staged);
            self.queued.push(Pending {
                caller,
                command,
                staged,
            });
        }
    }

    /// Starts writing the queued commands when no batch is being written.
    fn flush_if_idle(&mut self, myself: &ActorRef<ProjectMsg>) {
        if !self.writing.is_empty() || self.queued.is_empty() {
            return;
        }
        let take = self
            .splits
            .pop_front()
            .unwrap_or(self.limits.max_batch)
            .min(self.queued.len());
        self.writing = self.queued.drain(..take).collect();
        let mut changes = Vec::new();
        let mut events = Vec::new();
        let mut task_counter = self.committed.task_counter;
        for pending in &mut self.writing {
            for change in &pending.staged.changes {
                if let Change::Task(t) = change {
                    task_counter = task_counter.max(t.task_number);
                }
            }
            changes.append(&mut pending.staged.changes);
            events.append(&mut pending.staged.events);
        }
        self.writing_base = (self.committed.event_seq, events.len());
        let batch = CommitBatch {
            project_id: self.id,
            base_seq: self.committed.event_seq,
            new_seq: self.committed.event_seq + events.len() as i64,
            task_counter,
            changes,
            events,
        };
        let store = self.store.clone();
        let myself = myself.clone();
        tokio::spawn(async move {
            let result = store.commit_project(&batch).await;
            // The actor may be gone (crash); then nobody is waiting.
            let _ = myself.send_message(ProjectMsg::Committed(result, Box::new(batch)));
        });
    }

    async fn committed_batch(
        &mut self,
        result: StoreResult<CommitOutcome>,
        batch: CommitBatch,
    ) -> Result<(), ActorProcessingErr> {
        let writing = std::mem::take(&mut self.writing);
        match result {
            Ok(CommitOutcome::Committed) => {
                crate::pipeline::fault::after_commit(batch.events.iter());
                // Tasks are `Arc`s: the committed state shares each with the working state.
                for change in &batch.changes {
                    self.committed.apply(change);
                }
                self.committed.event_seq = batch.new_seq;
                // Readers see the batch before any writer hears back.
                self.snapshot.publish(&self.committed);
                for pending in writing {
                    pending.command.answer(Ok(()));
                }
                let events = batch.events;
                if !events.is_empty() {
                    let events: Arc<[Event]> = events.into();
                    self.relay.committed(events.clone());
                    let _ = self.publish.send(events);
                }
                Ok(())
            }
            Ok(CommitOutcome::Fenced) => {
                // Nothing of this batch was written: another node advanced the project. Catch
                // up from the store and stage the same commands again, ahead of the queue.
                tracing::info!(project_id = %self.id, "batch fenced by another writer; reloading and retrying");
                let mut retry = writing;
                retry.append(&mut self.queued);
                self.queued = retry;
                self.reload().await
            }
            Err(StoreError::Unavailable(m)) => {
                // An outage, not a command's fault; the outcome is unknown (the commit may have
                // happened): report, reload, go on.
                let error = Error::Unavailable(m);
                for pending in writing {
                    pending.command.answer(Err(error.clone()));
                }
                self.reload().await
            }
            Err(err) => {
                // The database refused something in the batch. Find out from the store whether
                // anything was written: if not, the batch rolled back whole and is safe to
                // split and retry, so only the command at fault gets the error.
                let (base, events) = self.writing_base;
                let tail = std::mem::take(&mut self.queued);
                let reloaded = self.reload().await;
                let rolled_back =
                    reloaded.is_ok() && events > 0 && self.committed.event_seq == base;
                let culprit = writing.len() == 1;
                if !rolled_back || culprit {
                    if culprit && rolled_back {
                        self.stats.isolated_failures.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(project_id = %self.id, %err, "a command failed alone; the rest of its batch committed");
                    }
                    let error = Error::Internal(format!("committing project batch: {err}"));
                    for pending in writing {
                        pending.command.answer(Err(error.clone()));
                    }
                    for pending in tail {
                        self.stage_and_queue(pending.caller, pending.command.unstage());
                    }
                    return reloaded;
                }
                self.stats.split_batches.fetch_add(1, Ordering::Relaxed);
                tracing::info!(project_id = %self.id, size = writing.len(), %err, "batch refused; retrying it in halves");
                let half = writing.len().div_ceil(2);
                self.splits.push_front(writing.len() - half);
                self.splits.push_front(half);
                for pending in writing.into_iter().chain(tail) {
                    self.stage_and_queue(pending.caller, pending.command.unstage());
                }
                reloaded
            }
        }
    }

    /// Reloads committed state from the store and stages the queued commands again.
    async fn reload(&mut self) -> Result<(), ActorProcessingErr> {
        let state = self
            .store
            .load_project(self.id)
            .await
            .map_err(|e| format!("reloading project {}: {e}", self.id))?
            .unwrap_or_default();
        self.committed = state;
        self.snapshot.publish(&self.committed);
        self.working = self.committed.clone();
        for pending in std::mem::take(&mut self.queued) {
            self.stage_and_queue(pending.caller, pending.command.unstage());
        }
        Ok(())
    }
}

fn apply(state: &mut ProjectState, staged: &Staged) {
    for change in &staged.changes {
        state.apply(change);
    }
    state.event_seq += staged.events.len() as i64;
}
