//! The project registry: the generic [`Registry`] of actors ([`crate::registry`]) with projects
//! as its kind. Commands go through the actor's mailbox; queries read the project's snapshot on
//! the caller's thread (activating the project first if needed), so they never wait behind
//! writes.

use super::access::{self, Caller};
use super::actor::{ActorArgs, ActorLimits, ProjectActor, ProjectMsg, ProjectStats, Request};
use super::command::{self, ProjectCommand};
use super::query::ProjectQuery;
use super::snapshot::Snapshots;
use super::state::ProjectState;
use crate::bus::Bus;
use crate::error::{Error, Result, codes};
use crate::ids::ProjectId;
use crate::registry::{Activation, ActorKind, KindErrors, Reached, Registry, RegistryConfig};
use crate::store::Store;
use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone, Copy, Debug)]
pub struct ProjectsConfig {
    /// Commands in flight per project before `429 PROJECT_BUSY`.
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
        let registry = RegistryConfig::default();
        Self {
            max_in_flight: registry.max_in_flight,
            call_timeout: registry.call_timeout,
            idle_timeout: Duration::from_secs(300),
            max_batch: 512,
            max_failures: registry.max_failures,
            failure_window: registry.failure_window,
        }
    }
}

/// Projects as a kind of actor: keyed by project id, loaded whole from the store, sharing their
/// committed state with readers through [`Snapshots`].
pub struct ProjectKind {
    store: Arc<dyn Store>,
    bus: Arc<dyn Bus>,
    limits: ActorLimits,
    stats: Arc<ProjectStats>,
    relay: crate::pipeline::Relay,
}

impl ActorKind for ProjectKind {
    type Key = ProjectId;
    type Actor = ProjectActor;
    type Shared = Snapshots;

    const ERRORS: KindErrors = KindErrors {
        noun: "project",
        busy: codes::PROJECT_BUSY,
        unavailable: codes::PROJECT_UNAVAILABLE,
        timeout: codes::PROJECT_TIMEOUT,
    };

    async fn activate(&self, id: ProjectId, create: bool) -> Result<Option<Activation<Self>>> {
        let state = match self.store.load_project(id).await? {
            Some(state) => state,
            None if create => ProjectState::default(),
            None => return Ok(None),
        };
        let snapshot = Snapshots::new(state.clone());
        Ok(Some(Activation {
            args: ActorArgs {
                id,
                state,
                store: self.store.clone(),
                bus: self.bus.clone(),
                limits: self.limits,
                stats: self.stats.clone(),
                relay: self.relay.clone(),
                snapshot: snapshot.clone(),
            },
            shared: snapshot,
        }))
    }

    fn actor(&self) -> ProjectActor {
        ProjectActor
    }
}

/// Cheap-clone handle to every project actor of this node.
#[derive(Clone)]
pub struct Projects {
    registry: Registry<ProjectKind>,
}

impl Projects {
    pub async fn start(
        store: Arc<dyn Store>,
        bus: Arc<dyn Bus>,
        config: ProjectsConfig,
        relay: crate::pipeline::Relay,
    ) -> Result<Self> {
        let kind = ProjectKind {
            store,
            bus,
            limits: ActorLimits {
                idle_timeout: config.idle_timeout,
                max_batch: config.max_batch,
            },
            stats: Arc::default(),
            relay,
        };
        let registry = Registry::start(
            kind,
            RegistryConfig {
                max_in_flight: config.max_in_flight,
                call_timeout: config.call_timeout,
                max_failures: config.max_failures,
                failure_window: config.failure_window,
            },
        )
        .await?;
        let mut events = registry
            .kind()
            .bus
            .subscribe(crate::bus::EVENTS_CHANNEL)
            .await
            .map_err(|e| Error::Unavailable(format!("subscribing to project events: {e}")))?;
        let watcher = registry.clone();
        tokio::spawn(async move {
            while let Some(message) = events.recv().await {
                let Some((project, seq)) = observed(&message.payload) else {
                    continue;
                };
                // This node's own events are in the project's snapshot before they are
                // published: only another node's news needs the actor.
                if let Some(handle) = watcher.get(project)
                    && handle.shared.load().event_seq < seq
                {
                    let _ = handle.actor.send_message(ProjectMsg::Observed(seq));
                }
            }
        });
        Ok(Self { registry })
    }

    /// Sends a write to the project's actor and waits for it to be durable; the reply's type is
    /// the command's.
    pub async fn command<C: ProjectCommand>(
        &self,
        id: ProjectId,
        caller: Caller,
        command: C,
    ) -> Result<C::Reply> {
        let creates = command.creates_project();
        let reached = self
            .registry
            .request(
                id,
                creates,
                (caller, command),
                |(caller, command), reply| ProjectMsg::Command {
                    caller,
                    command: Box::new(Request::new(command, reply)),
                },
                |message| match message {
                    // A message the actor never received is the one built just above: take its
                    // command back to send it to the actor activated after.
                    ProjectMsg::Command { caller, command } => {
                        let command: Box<dyn Any> = command;
                        let request = command.downcast::<Request<C>>().ok()?;
                        Some((caller, request.into_command()))
                    }
                    _ => None,
                },
            )
            .await?;
        match reached {
            Reached::Answer(reply) => Ok(reply),
            Reached::Missing((caller, command)) => Err(missing(|state| {
                command::stage(state, id, &caller, &command, crate::clock::now()).map(|_| ())
            })),
        }
    }

    /// Answers a query from the project's latest committed state, on the caller's thread. The
    /// project is activated if it is not live; the query never enters the actor's mailbox.
    pub async fn read<Q: ProjectQuery>(
        &self,
        id: ProjectId,
        caller: Caller,
        query: Q,
    ) -> Result<Q::Reply> {
        let state = self.snapshot(id).await?;
        let Some(state) = state else {
            return Err(missing(|state| query.answer(state, &caller).map(|_| ())));
        };
        match access::acting_as(&state, &caller)? {
            Some(acting) => query.answer(&state, &acting),
            None => query.answer(&state, &caller),
        }
    }

    /// The project's latest committed state (activating it), or `None` when it does not exist.
    pub async fn snapshot(&self, id: ProjectId) -> Result<Option<Arc<ProjectState>>> {
        Ok(self
            .registry
            .activate(id, false)
            .await?
            .map(|handle| handle.shared.load()))
    }

    pub(crate) fn store(&self) -> &dyn Store {
        self.registry.kind().store.as_ref()
    }

    /// Counters of this node's project actors.
    pub fn stats(&self) -> &ProjectStats {
        &self.registry.kind().stats
    }

    /// How many project actors are live on this node.
    pub fn live(&self) -> usize {
        self.registry.live()
    }

    /// Makes the project's actor fail (tests of supervision).
    #[doc(hidden)]
    pub fn crash(&self, id: ProjectId) {
        self.registry.tell_if_live(id, ProjectMsg::Crash);
    }

    /// Keeps the project's actor busy for `duration`, its mailbox waiting (tests: reads must
    /// not wait for it).
    #[doc(hidden)]
    pub fn hold(&self, id: ProjectId, duration: Duration) {
        self.registry.tell_if_live(id, ProjectMsg::Hold(duration));
    }

    /// Stops every project actor, letting each finish the message it is handling.
    pub async fn shutdown(&self) {
        self.registry.shutdown().await;
    }
}

/// The error for a project that does not exist, decided like any other request (a caller
/// without global rights learns nothing: 401/403; others get 404).
fn missing(check: impl FnOnce(&ProjectState) -> Result<()>) -> Error {
    match check(&ProjectState::default()) {
        Err(err) => err,
        Ok(()) => Error::not_found(codes::PROJECT_NOT_FOUND, "project: not found"),
    }
}

/// The project and sequence of an event message on the bus.
fn observed(payload: &str) -> Option<(ProjectId, i64)> {
    /// Only the two fields; the payload is skipped, not built.
    #[derive(serde::Deserialize)]
    struct Head {
        project_id: ProjectId,
        seq: i64,
    }
    let head: Head = serde_json::from_str(payload).ok()?;
    Some((head.project_id, head.seq))
}
