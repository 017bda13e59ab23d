//! The registry of live project actors: activates one on first use (never two for a project),
//! bounds what is in flight per project, times out calls, drops idle and failed actors, and
//! refuses projects whose actor keeps failing.

use super::access::Caller;
use super::actor::{ActorArgs, ActorLimits, ProjectActor, ProjectMsg, ProjectStats};
use super::command::{self, Command, Outcome};
use super::query::{self, Answer, Query};
use super::state::ProjectState;
use crate::bus::Bus;
use crate::error::{Error, Result, codes};
use crate::ids::ProjectId;
use crate::store::Store;
use dashmap::DashMap;
use ractor::rpc::CallResult;
use ractor::{Actor, ActorId, ActorProcessingErr, ActorRef, SupervisionEvent};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug)]
pub struct ProjectsConfig {
    /// Commands and queries in flight per project before `429 PROJECT_BUSY`.
    pub max_in_flight: usize,
    /// How long a caller waits for a project's answer.
    pub call_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_batch: usize,
    /// This many failures of one project's actor within `failure_window` pause the project.
    pub max_failures: usize,
    pub failure_window: Duration,
}

impl Default for ProjectsConfig {
    fn default() -> Self {
        Self {
            max_in_flight: 1024,
            call_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(300),
            max_batch: 512,
            max_failures: 3,
            failure_window: Duration::from_secs(60),
        }
    }
}

#[derive(Clone)]
struct Handle {
    actor: ActorRef<ProjectMsg>,
    in_flight: Arc<AtomicUsize>,
}

struct Inner {
    live: DashMap<ProjectId, Handle>,
    by_actor: DashMap<ActorId, ProjectId>,
    activation: DashMap<ProjectId, Arc<tokio::sync::Mutex<()>>>,
    failures: Mutex<HashMap<ProjectId, Vec<Instant>>>,
    store: Arc<dyn Store>,
    bus: Arc<dyn Bus>,
    config: ProjectsConfig,
    supervisor: OnceLock<ActorRef<()>>,
    stats: Arc<ProjectStats>,
}

/// Cheap-clone handle to every project actor of this node.
#[derive(Clone)]
pub struct Projects {
    inner: Arc<Inner>,
}

/// Releases an in-flight slot when the call ends, however it ends.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

enum Attempt<T> {
    Done(Result<T>),
    /// The actor stopped before taking the message; activate again and resend.
    Retry,
}

impl Projects {
    pub async fn start(
        store: Arc<dyn Store>,
        bus: Arc<dyn Bus>,
        config: ProjectsConfig,
    ) -> Result<Self> {
        let inner = Arc::new(Inner {
            live: DashMap::new(),
            by_actor: DashMap::new(),
            activation: DashMap::new(),
            failures: Mutex::default(),
            store,
            bus,
            config,
            supervisor: OnceLock::new(),
            stats: Arc::default(),
        });
        let (supervisor, _) = Actor::spawn(None, Supervisor, Arc::downgrade(&inner))
            .await
            .map_err(|e| Error::Internal(format!("starting the project supervisor: {e}")))?;
        let _ = inner.supervisor.set(supervisor);
        let mut events = inner
            .bus
            .subscribe(crate::bus::EVENTS_CHANNEL)
            .await
            .map_err(|e| Error::Unavailable(format!("subscribing to project events: {e}")))?;
        let watcher = Arc::downgrade(&inner);
        tokio::spawn(async move {
            while let Some(message) = events.recv().await {
                let Some(inner) = watcher.upgrade() else {
                    break;
                };
                let live = observed(&message.payload).and_then(|(project, seq)| {
                    inner.live.get(&project).map(|h| (h.actor.clone(), seq))
                });
                if let Some((actor, seq)) = live {
                    let _ = actor.send_message(ProjectMsg::Observed(seq));
                }
            }
        });
        Ok(Self { inner })
    }

    /// Sends a write to the project's actor and waits for it to be durable.
    pub async fn command(
        &self,
        id: ProjectId,
        caller: Caller,
        command: Command,
    ) -> Result<Outcome> {
        let creates = command.creates_project();
        let mut message = Some((caller, command));
        for _ in 0..2 {
            let Some(handle) = self.handle(id, creates).await? else {
                let (caller, command) = message.take().unwrap_or_default_pair();
                return Err(missing(&caller, |state| {
                    command::stage(state, id, &caller, &command, crate::clock::now()).map(|_| ())
                }));
            };
            let (caller, command) = message.take().unwrap_or_default_pair();
            let sent = self
                .call(id, &handle, |reply| ProjectMsg::Command {
                    caller,
                    command: Box::new(command),
                    reply,
                })
                .await;
            match sent {
                Ok(Attempt::Done(result)) => return result,
                Ok(Attempt::Retry) => return Err(retry_later()),
                Err(ProjectMsg::Command {
                    caller, command, ..
                }) => message = Some((caller, *command)),
                Err(_) => return Err(retry_later()),
            }
        }
        Err(retry_later())
    }

    /// Asks the project's actor a question about its committed state.
    pub async fn query(&self, id: ProjectId, caller: Caller, query: Query) -> Result<Answer> {
        for _ in 0..2 {
            let Some(handle) = self.handle(id, false).await? else {
                return Err(missing(&caller, |state| {
                    query::answer(state, &caller, &query).map(|_| ())
                }));
            };
            let (c, q) = (caller.clone(), query.clone());
            match self
                .call(id, &handle, |reply| ProjectMsg::Query {
                    caller: c,
                    query: Box::new(q),
                    reply,
                })
                .await
            {
                Ok(Attempt::Done(result)) => return result,
                // Reads are safe to repeat.
                Ok(Attempt::Retry) | Err(_) => continue,
            }
        }
        Err(retry_later())
    }

    pub(crate) fn store(&self) -> &dyn Store {
        self.inner.store.as_ref()
    }

    /// Counters of this node's project actors.
    pub fn stats(&self) -> &ProjectStats {
        &self.inner.stats
    }

    /// How many project actors are live on this node.
    pub fn live(&self) -> usize {
        self.inner.live.len()
    }

    /// Makes the project's actor fail (tests of supervision).
    #[doc(hidden)]
    pub fn crash(&self, id: ProjectId) {
        if let Some(h) = self.inner.live.get(&id) {
            let _ = h.actor.send_message(ProjectMsg::Crash);
        }
    }

    /// Stops every project actor, letting each finish the message it is handling.
    pub async fn shutdown(&self) {
        if let Some(supervisor) = self.inner.supervisor.get() {
            supervisor
                .stop_children_and_wait(Some("shutdown".into()), Some(Duration::from_secs(10)))
                .await;
            supervisor.stop(None);
        }
        self.inner.live.clear();
    }

    async fn call<T: Send + 'static>(
        &self,
        id: ProjectId,
        handle: &Handle,
        build: impl FnOnce(ractor::RpcReplyPort<Result<T>>) -> ProjectMsg,
    ) -> std::result::Result<Attempt<T>, ProjectMsg> {
        if handle.in_flight.fetch_add(1, Ordering::AcqRel) >= self.inner.config.max_in_flight {
            handle.in_flight.fetch_sub(1, Ordering::AcqRel);
            return Ok(Attempt::Done(Err(Error::Busy {
                code: codes::PROJECT_BUSY,
                message: "too many requests in flight for this project; retry shortly".into(),
                retry_after: Duration::from_secs(1),
            })));
        }
        let _slot = Slot(handle.in_flight.clone());
        match handle
            .actor
            .call(build, Some(self.inner.config.call_timeout))
            .await
        {
            Ok(CallResult::Success(result)) => Ok(Attempt::Done(result)),
            Ok(CallResult::Timeout) => Ok(Attempt::Done(Err(Error::Stalled {
                code: codes::PROJECT_TIMEOUT,
                message: "the project did not answer in time".into(),
            }))),
            Ok(CallResult::SenderError) => {
                self.forget(id, handle.actor.get_id());
                Ok(Attempt::Retry)
            }
            Err(ractor::MessagingErr::SendErr(message)) => {
                self.forget(id, handle.actor.get_id());
                Err(message)
            }
            Err(_) => {
                self.forget(id, handle.actor.get_id());
                Ok(Attempt::Retry)
            }
        }
    }

    fn forget(&self, id: ProjectId, actor: ActorId) {
        self.inner
            .live
            .remove_if(&id, |_, h| h.actor.get_id() == actor);
    }

    /// The project's live actor, activating it if needed. `None` when the project does not
    /// exist and `create` is false.
    async fn handle(&self, id: ProjectId, create: bool) -> Result<Option<Handle>> {
        if let Some(h) = self.inner.live.get(&id) {
            return Ok(Some(h.clone()));
        }
        self.check_not_failing(id)?;
        let lock = self.inner.activation.entry(id).or_default().clone();
        let _guard = lock.lock().await;
        if let Some(h) = self.inner.live.get(&id) {
            return Ok(Some(h.clone()));
        }
        let state = match self.inner.store.load_project(id).await? {
            Some(state) => state,
            None if create => ProjectState::default(),
            None => return Ok(None),
        };
        let supervisor = self
            .inner
            .supervisor
            .get()
            .ok_or_else(|| Error::Internal("project supervisor not started".into()))?;
        let args = ActorArgs {
            id,
            state,
            store: self.inner.store.clone(),
            bus: self.inner.bus.clone(),
            limits: ActorLimits {
                idle_timeout: self.inner.config.idle_timeout,
                max_batch: self.inner.config.max_batch,
            },
            stats: self.inner.stats.clone(),
        };
        let (actor, _) = Actor::spawn_linked(None, ProjectActor, args, supervisor.get_cell())
            .await
            .map_err(|e| Error::Internal(format!("starting project {id}: {e}")))?;
        let handle = Handle {
            actor,
            in_flight: Arc::default(),
        };
        self.inner.by_actor.insert(handle.actor.get_id(), id);
        self.inner.live.insert(id, handle.clone());
        drop(_guard);
        self.inner.activation.remove(&id);
        Ok(Some(handle))
    }

    fn check_not_failing(&self, id: ProjectId) -> Result<()> {
        let mut failures = self
            .inner
            .failures
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(times) = failures.get_mut(&id) {
            let window = self.inner.config.failure_window;
            times.retain(|t| t.elapsed() < window);
            if times.len() >= self.inner.config.max_failures {
                return Err(Error::Stalled {
                    code: codes::PROJECT_UNAVAILABLE,
                    message: "this project keeps failing and is paused; retry in a minute".into(),
                });
            }
            if times.is_empty() {
                failures.remove(&id);
            }
        }
        Ok(())
    }
}

trait DefaultPair {
    fn unwrap_or_default_pair(self) -> (Caller, Command);
}

impl DefaultPair for Option<(Caller, Command)> {
    fn unwrap_or_default_pair(self) -> (Caller, Command) {
        self.unwrap_or((Caller::anonymous(), Command::DeleteProject))
    }
}

/// The error for a project that does not exist, decided like any other request (a caller
/// without global rights learns nothing: 401/403; others get 404).
fn missing(caller: &Caller, check: impl FnOnce(&ProjectState) -> Result<()>) -> Error {
    let _ = caller;
    match check(&ProjectState::default()) {
        Err(err) => err,
        Ok(()) => Error::not_found(codes::PROJECT_NOT_FOUND, "project: not found"),
    }
}

/// The project and sequence of an event message on the bus.
fn observed(payload: &str) -> Option<(ProjectId, i64)> {
    let value: serde_json::Value = serde_json::from_str(payload).ok()?;
    let project = value.get("project_id")?.as_str()?.parse().ok()?;
    Some((project, value.get("seq")?.as_i64()?))
}

fn retry_later() -> Error {
    Error::Stalled {
        code: codes::PROJECT_UNAVAILABLE,
        message: "the project restarted while handling the request; retry".into(),
    }
}

/// Parent of every project actor: forgets actors that stop and counts failures.
struct Supervisor;

impl Actor for Supervisor {
    type Msg = ();
    type State = Weak<Inner>;
    type Arguments = Weak<Inner>;

    async fn pre_start(
        &self,
        _myself: ActorRef<()>,
        registry: Weak<Inner>,
    ) -> std::result::Result<Weak<Inner>, ActorProcessingErr> {
        Ok(registry)
    }

    async fn handle_supervisor_evt(
        &self,
        _myself: ActorRef<()>,
        event: SupervisionEvent,
        registry: &mut Weak<Inner>,
    ) -> std::result::Result<(), ActorProcessingErr> {
        let Some(inner) = registry.upgrade() else {
            return Ok(());
        };
        let (cell, failure) = match &event {
            SupervisionEvent::ActorFailed(cell, err) => (cell, Some(err.to_string())),
            SupervisionEvent::ActorTerminated(cell, _, _) => (cell, None),
            _ => return Ok(()),
        };
        let actor = cell.get_id();
        let Some((_, project)) = inner.by_actor.remove(&actor) else {
            return Ok(());
        };
        inner
            .live
            .remove_if(&project, |_, h| h.actor.get_id() == actor);
        if let Some(reason) = failure {
            tracing::error!(project_id = %project, %reason, "project actor failed; it restarts from the store on next use");
            inner
                .failures
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .entry(project)
                .or_default()
                .push(Instant::now());
        }
        Ok(())
    }
}
