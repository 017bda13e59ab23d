//! The registry of live actors of one kind (ARCHITECTURE §3.1), generic over the kind: projects
//! use it today, and any other keyed actor (a document, a workflow) reuses it unchanged.
//!
//! - **Activation without races:** the first request for a key loads and spawns its actor under
//!   a per-key lock; every request that arrives meanwhile waits for that one actor. Two actors
//!   for one key never exist on a node.
//! - **Passivation:** an actor stops itself when idle (the kind decides when); the registry
//!   forgets it and the next request activates it again.
//! - **Supervision:** every actor is linked to one supervisor. An actor that fails is forgotten
//!   and restarted from the store on next use; `max_failures` failures of one key within
//!   `failure_window` pause the key (503 with the kind's unavailable code) instead of letting it
//!   crash-loop.
//! - **Bounded admission:** ractor's mailboxes are unbounded, so each live actor counts the
//!   calls in flight and refuses past `max_in_flight` (429 with the kind's busy code), and every
//!   call waits at most `call_timeout`.
//!
//! A kind ([`ActorKind`]) says what its key is, how to load and start an actor for a key, and
//! what readers may hold of a live actor without sending it a message (`Shared`, for example a
//! snapshot of its committed state).

use crate::error::{Error, Result};
use dashmap::DashMap;
use ractor::rpc::CallResult;
use ractor::{Actor, ActorId, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};
use std::collections::HashMap;
use std::fmt::Display;
use std::future::Future;
use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

/// A kind of keyed actor the registry manages.
pub trait ActorKind: Send + Sync + Sized + 'static {
    /// What identifies one actor (a project id, a document id).
    type Key: Copy + Eq + Hash + Display + Send + Sync + 'static;
    /// The ractor actor; its arguments come from [`ActorKind::activate`].
    type Actor: Actor;
    /// What readers get of a live actor without a message (a snapshot cell, counters); `()`
    /// when nothing.
    type Shared: Clone + Send + Sync + 'static;

    /// The error codes and noun used in this kind's errors (e.g. `PROJECT_BUSY`, "project").
    const ERRORS: KindErrors;

    /// Loads what an actor for `key` starts from. `None` when nothing exists for the key and
    /// `create` is false (the caller answers "not found" its own way).
    fn activate(
        &self,
        key: Self::Key,
        create: bool,
    ) -> impl Future<Output = Result<Option<Activation<Self>>>> + Send;

    /// The actor value ractor spawns (usually a unit struct).
    fn actor(&self) -> Self::Actor;
}

/// What [`ActorKind::activate`] produced: the actor's arguments and what readers share.
pub struct Activation<K: ActorKind> {
    pub args: <K::Actor as Actor>::Arguments,
    pub shared: K::Shared,
}

/// The codes a kind's registry errors carry.
#[derive(Clone, Copy, Debug)]
pub struct KindErrors {
    /// What the kind is called in messages ("project").
    pub noun: &'static str,
    /// 429: too much in flight for one key.
    pub busy: &'static str,
    /// 503: the key is paused after repeated failures, or its actor restarted mid-call.
    pub unavailable: &'static str,
    /// 504-like: the actor did not answer within `call_timeout`.
    pub timeout: &'static str,
}

#[derive(Clone, Copy, Debug)]
pub struct RegistryConfig {
    /// Calls in flight per key before the busy error.
    pub max_in_flight: usize,
    /// How long a caller waits for an actor's answer.
    pub call_timeout: Duration,
    /// This many failures of one key's actor within `failure_window` pause the key.
    pub max_failures: usize,
    pub failure_window: Duration,
}

impl Default for RegistryConfig {
    fn default() -> Self {
        Self {
            max_in_flight: 1024,
            call_timeout: Duration::from_secs(10),
            max_failures: 3,
            failure_window: Duration::from_secs(60),
        }
    }
}

/// A live actor: its reference, its in-flight count and what readers share.
pub struct Handle<K: ActorKind> {
    pub actor: ActorRef<<K::Actor as Actor>::Msg>,
    pub shared: K::Shared,
    in_flight: Arc<AtomicUsize>,
}

impl<K: ActorKind> Clone for Handle<K> {
    fn clone(&self) -> Self {
        Self {
            actor: self.actor.clone(),
            shared: self.shared.clone(),
            in_flight: self.in_flight.clone(),
        }
    }
}

/// How a request to a key ended when it did not get an answer from an actor.
pub enum Reached<T, P> {
    Answer(T),
    /// Nothing exists for the key (and the request did not create it): the payload, back.
    Missing(P),
}

struct Inner<K: ActorKind> {
    kind: K,
    config: RegistryConfig,
    live: DashMap<K::Key, Handle<K>>,
    by_actor: DashMap<ActorId, K::Key>,
    activation: DashMap<K::Key, Arc<tokio::sync::Mutex<()>>>,
    failures: Mutex<HashMap<K::Key, Vec<Instant>>>,
    supervisor: OnceLock<ActorRef<()>>,
}

/// Cheap-clone handle to every live actor of one kind on this node.
pub struct Registry<K: ActorKind> {
    inner: Arc<Inner<K>>,
}

impl<K: ActorKind> Clone for Registry<K> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

/// Releases an in-flight slot when the call ends, however it ends.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// One delivery attempt.
enum Attempt<T, M> {
    Done(Result<T>),
    /// The actor stopped after taking the message (or while answering): its fate is unknown.
    Lost,
    /// The actor was gone before it took the message: here it is back.
    Returned(M),
}

impl<K: ActorKind> Registry<K> {
    pub async fn start(kind: K, config: RegistryConfig) -> Result<Self> {
        let inner = Arc::new(Inner {
            kind,
            config,
            live: DashMap::new(),
            by_actor: DashMap::new(),
            activation: DashMap::new(),
            failures: Mutex::default(),
            supervisor: OnceLock::new(),
        });
        let (supervisor, _) =
            Actor::spawn(None, Supervisor::<K>(PhantomData), Arc::downgrade(&inner))
                .await
                .map_err(|e| {
                    Error::Internal(format!("starting the {} supervisor: {e}", K::ERRORS.noun))
                })?;
        let _ = inner.supervisor.set(supervisor);
        Ok(Self { inner })
    }

    /// The kind this registry serves.
    pub fn kind(&self) -> &K {
        &self.inner.kind
    }

    /// How many actors are live.
    pub fn live(&self) -> usize {
        self.inner.live.len()
    }

    /// Every live actor's key and handle (a snapshot: actors may start or stop meanwhile).
    pub fn live_handles(&self) -> Vec<(K::Key, Handle<K>)> {
        self.inner
            .live
            .iter()
            .map(|e| (*e.key(), e.value().clone()))
            .collect()
    }

    /// The live actor for `key`, if any, without activating it.
    pub fn get(&self, key: K::Key) -> Option<Handle<K>> {
        self.inner.live.get(&key).map(|h| h.clone())
    }

    /// The actor for `key`, activating it if needed. `None` when nothing exists for the key
    /// and `create` is false.
    pub async fn activate(&self, key: K::Key, create: bool) -> Result<Option<Handle<K>>> {
        if let Some(h) = self.inner.live.get(&key) {
            return Ok(Some(h.clone()));
        }
        self.check_not_failing(key)?;
        let lock = self.inner.activation.entry(key).or_default().clone();
        let guard = lock.lock().await;
        if let Some(h) = self.inner.live.get(&key) {
            return Ok(Some(h.clone()));
        }
        let Some(activation) = self.inner.kind.activate(key, create).await? else {
            return Ok(None);
        };
        let supervisor =
            self.inner.supervisor.get().ok_or_else(|| {
                Error::Internal(format!("{} supervisor not started", K::ERRORS.noun))
            })?;
        let (actor, _) = Actor::spawn_linked(
            None,
            self.inner.kind.actor(),
            activation.args,
            supervisor.get_cell(),
        )
        .await
        .map_err(|e| Error::Internal(format!("starting {} {key}: {e}", K::ERRORS.noun)))?;
        let handle = Handle {
            actor,
            shared: activation.shared,
            in_flight: Arc::default(),
        };
        self.inner.by_actor.insert(handle.actor.get_id(), key);
        self.inner.live.insert(key, handle.clone());
        drop(guard);
        self.inner.activation.remove(&key);
        Ok(Some(handle))
    }

    /// Sends a request to the actor for `key` (activating it) and waits for its answer.
    ///
    /// `wrap` builds the message from the payload; `unwrap` takes the payload back out of a
    /// message the actor never received (it had just stopped), so the request goes to the
    /// actor activated after it. A request the actor may have taken before it stopped is not
    /// repeated (it may have had an effect): it fails with the kind's unavailable error.
    pub async fn request<P, T: Send + 'static>(
        &self,
        key: K::Key,
        create: bool,
        payload: P,
        wrap: impl Fn(P, RpcReplyPort<Result<T>>) -> <K::Actor as Actor>::Msg,
        unwrap: impl Fn(<K::Actor as Actor>::Msg) -> Option<P>,
    ) -> Result<Reached<T, P>> {
        let mut payload = payload;
        for _ in 0..2 {
            let Some(handle) = self.activate(key, create).await? else {
                return Ok(Reached::Missing(payload));
            };
            match self.call(key, &handle, |reply| wrap(payload, reply)).await {
                Attempt::Done(result) => return result.map(Reached::Answer),
                Attempt::Lost => return Err(restarted::<K>()),
                Attempt::Returned(message) => match unwrap(message) {
                    Some(p) => payload = p,
                    None => return Err(restarted::<K>()),
                },
            }
        }
        Err(restarted::<K>())
    }

    /// Sends a message to the live actor for `key` without waiting; nothing when none is live.
    pub fn tell_if_live(&self, key: K::Key, message: <K::Actor as Actor>::Msg) {
        if let Some(h) = self.inner.live.get(&key) {
            let _ = h.actor.send_message(message);
        }
    }

    /// Stops every actor, letting each finish the message it is handling.
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
        key: K::Key,
        handle: &Handle<K>,
        build: impl FnOnce(RpcReplyPort<Result<T>>) -> <K::Actor as Actor>::Msg,
    ) -> Attempt<T, <K::Actor as Actor>::Msg> {
        if handle.in_flight.fetch_add(1, Ordering::AcqRel) >= self.inner.config.max_in_flight {
            handle.in_flight.fetch_sub(1, Ordering::AcqRel);
            return Attempt::Done(Err(Error::Busy {
                code: K::ERRORS.busy,
                message: format!(
                    "too many requests in flight for this {}; retry shortly",
                    K::ERRORS.noun
                ),
                retry_after: Duration::from_secs(1),
            }));
        }
        let _slot = Slot(handle.in_flight.clone());
        match handle
            .actor
            .call(build, Some(self.inner.config.call_timeout))
            .await
        {
            Ok(CallResult::Success(result)) => Attempt::Done(result),
            Ok(CallResult::Timeout) => Attempt::Done(Err(Error::Stalled {
                code: K::ERRORS.timeout,
                message: format!("the {} did not answer in time", K::ERRORS.noun),
            })),
            Ok(CallResult::SenderError) => {
                self.forget(key, handle.actor.get_id());
                Attempt::Lost
            }
            Err(ractor::MessagingErr::SendErr(message)) => {
                self.forget(key, handle.actor.get_id());
                Attempt::Returned(message)
            }
            Err(_) => {
                self.forget(key, handle.actor.get_id());
                Attempt::Lost
            }
        }
    }

    fn forget(&self, key: K::Key, actor: ActorId) {
        self.inner
            .live
            .remove_if(&key, |_, h| h.actor.get_id() == actor);
    }

    fn check_not_failing(&self, key: K::Key) -> Result<()> {
        let mut failures = self
            .inner
            .failures
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(times) = failures.get_mut(&key) {
            let window = self.inner.config.failure_window;
            times.retain(|t| t.elapsed() < window);
            if times.len() >= self.inner.config.max_failures {
                return Err(Error::Stalled {
                    code: K::ERRORS.unavailable,
                    message: format!(
                        "this {} keeps failing and is paused; retry in a minute",
                        K::ERRORS.noun
                    ),
                });
            }
            if times.is_empty() {
                failures.remove(&key);
            }
        }
        Ok(())
    }
}

fn restarted<K: ActorKind>() -> Error {
    Error::Stalled {
        code: K::ERRORS.unavailable,
        message: format!(
            "the {} restarted while handling the request; retry",
            K::ERRORS.noun
        ),
    }
}

/// Parent of every actor of a kind: forgets actors that stop and counts failures.
struct Supervisor<K>(PhantomData<fn() -> K>);

impl<K: ActorKind> Actor for Supervisor<K> {
    type Msg = ();
    type State = Weak<Inner<K>>;
    type Arguments = Weak<Inner<K>>;

    async fn pre_start(
        &self,
        _myself: ActorRef<()>,
        registry: Weak<Inner<K>>,
    ) -> std::result::Result<Weak<Inner<K>>, ActorProcessingErr> {
        Ok(registry)
    }

    async fn handle_supervisor_evt(
        &self,
        _myself: ActorRef<()>,
        event: SupervisionEvent,
        registry: &mut Weak<Inner<K>>,
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
        let Some((_, key)) = inner.by_actor.remove(&actor) else {
            return Ok(());
        };
        inner.live.remove_if(&key, |_, h| h.actor.get_id() == actor);
        if let Some(reason) = failure {
            tracing::error!(kind = K::ERRORS.noun, %key, %reason, "actor failed; it restarts from the store on next use");
            inner
                .failures
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .entry(key)
                .or_default()
                .push(Instant::now());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;

    /// A toy kind: counters keyed by number. Key 0 does not exist; activation is slow so racing
    /// requests overlap it.
    struct Counters {
        activations: Arc<AtomicU32>,
        release: Arc<tokio::sync::Notify>,
    }

    struct Counter;

    enum CounterMsg {
        Add(u64, RpcReplyPort<Result<u64>>),
        /// Waits until released, holding the mailbox.
        Hold(RpcReplyPort<Result<u64>>),
        Crash,
        Stop,
    }

    struct CounterArgs(Arc<tokio::sync::Notify>);

    impl Actor for Counter {
        type Msg = CounterMsg;
        type State = (u64, Arc<tokio::sync::Notify>);
        type Arguments = CounterArgs;

        async fn pre_start(
            &self,
            _: ActorRef<CounterMsg>,
            args: CounterArgs,
        ) -> std::result::Result<Self::State, ActorProcessingErr> {
            Ok((0, args.0))
        }

        async fn handle(
            &self,
            myself: ActorRef<CounterMsg>,
            message: CounterMsg,
            state: &mut Self::State,
        ) -> std::result::Result<(), ActorProcessingErr> {
            match message {
                CounterMsg::Add(n, reply) => {
                    state.0 += n;
                    let _ = reply.send(Ok(state.0));
                }
                CounterMsg::Hold(reply) => {
                    state.1.notified().await;
                    let _ = reply.send(Ok(state.0));
                }
                CounterMsg::Crash => return Err("crash".into()),
                CounterMsg::Stop => myself.stop(Some("idle".into())),
            }
            Ok(())
        }
    }

    impl ActorKind for Counters {
        type Key = u32;
        type Actor = Counter;
        type Shared = u32;

        const ERRORS: KindErrors = KindErrors {
            noun: "counter",
            busy: "COUNTER_BUSY",
            unavailable: "COUNTER_UNAVAILABLE",
            timeout: "COUNTER_TIMEOUT",
        };

        async fn activate(&self, key: u32, create: bool) -> Result<Option<Activation<Self>>> {
            tokio::time::sleep(Duration::from_millis(20)).await;
            if key == 0 && !create {
                return Ok(None);
            }
            let n = self.activations.fetch_add(1, Ordering::SeqCst) + 1;
            Ok(Some(Activation {
                args: CounterArgs(self.release.clone()),
                shared: n,
            }))
        }

        fn actor(&self) -> Counter {
            Counter
        }
    }

    async fn registry(config: RegistryConfig) -> (Registry<Counters>, Arc<AtomicU32>) {
        let activations = Arc::new(AtomicU32::new(0));
        let kind = Counters {
            activations: activations.clone(),
            release: Arc::new(tokio::sync::Notify::new()),
        };
        let registry = Registry::start(kind, config).await.expect("registry");
        (registry, activations)
    }

    async fn add(r: &Registry<Counters>, key: u32, n: u64) -> Result<Reached<u64, u64>> {
        r.request(key, false, n, CounterMsg::Add, |m| match m {
            CounterMsg::Add(n, _) => Some(n),
            _ => None,
        })
        .await
    }

    fn answer(reached: Result<Reached<u64, u64>>) -> u64 {
        match reached {
            Ok(Reached::Answer(n)) => n,
            Ok(Reached::Missing(_)) => panic!("missing"),
            Err(e) => panic!("{e}"),
        }
    }

    #[tokio::test]
    async fn concurrent_first_requests_activate_one_actor() {
        let (r, activations) = registry(RegistryConfig::default()).await;
        let calls: Vec<_> = (0..50)
            .map(|_| {
                let r = r.clone();
                tokio::spawn(async move { add(&r, 7, 1).await })
            })
            .collect();
        let mut answers = Vec::new();
        for call in calls {
            answers.push(answer(call.await.expect("join")));
        }
        answers.sort_unstable();
        assert_eq!(
            answers,
            (1..=50).collect::<Vec<u64>>(),
            "one counter saw every add"
        );
        assert_eq!(activations.load(Ordering::SeqCst), 1);
        assert_eq!(r.live(), 1);
        assert!(matches!(add(&r, 0, 1).await, Ok(Reached::Missing(1))));
        r.shutdown().await;
    }

    #[tokio::test]
    async fn a_stopped_actor_is_forgotten_and_activated_again() {
        let (r, activations) = registry(RegistryConfig::default()).await;
        assert_eq!(answer(add(&r, 1, 5).await), 5);
        r.tell_if_live(1, CounterMsg::Stop);
        for _ in 0..100 {
            if r.live() == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(r.live(), 0, "passivated");
        assert_eq!(answer(add(&r, 1, 2).await), 2, "a fresh actor");
        assert_eq!(activations.load(Ordering::SeqCst), 2);
        assert_eq!(r.get(1).map(|h| h.shared), Some(2));
        r.shutdown().await;
    }

    #[tokio::test]
    async fn repeated_failures_pause_the_key() {
        let config = RegistryConfig {
            max_failures: 2,
            ..RegistryConfig::default()
        };
        let (r, _) = registry(config).await;
        for _ in 0..2 {
            answer(add(&r, 3, 1).await);
            r.tell_if_live(3, CounterMsg::Crash);
            for _ in 0..100 {
                if r.live() == 0 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        let err = add(&r, 3, 1).await.err().expect("paused");
        assert_eq!(err.code(), "COUNTER_UNAVAILABLE");
        // Other keys are unaffected.
        assert_eq!(answer(add(&r, 4, 1).await), 1);
        r.shutdown().await;
    }

    #[tokio::test]
    async fn in_flight_bound_and_call_timeout() {
        let config = RegistryConfig {
            max_in_flight: 2,
            call_timeout: Duration::from_millis(300),
            ..RegistryConfig::default()
        };
        let (r, _) = registry(config).await;
        answer(add(&r, 9, 1).await);
        let hold = |r: Registry<Counters>| async move {
            r.request(9, false, (), |(), reply| CounterMsg::Hold(reply), |_| None)
                .await
        };
        let first = tokio::spawn(hold(r.clone()));
        let second = tokio::spawn(hold(r.clone()));
        tokio::time::sleep(Duration::from_millis(50)).await;
        let busy = add(&r, 9, 1).await.err().expect("busy");
        assert_eq!(busy.code(), "COUNTER_BUSY");
        for call in [first, second] {
            let err = call.await.expect("join").err().expect("timed out");
            assert_eq!(err.code(), "COUNTER_TIMEOUT");
        }
        r.kind().release.notify_one();
        r.kind().release.notify_one();
        r.shutdown().await;
    }
}
