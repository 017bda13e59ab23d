//! The hub: who follows which project on this node, and delivery of each bus event to them in
//! sequence.
//!
//! Per project, a [`Room`] holds its followers (each with the sequence it last received),
//! their presence, and the latest sequence the room has seen. An event goes to a follower only
//! when it is the next in sequence: older ones are duplicates (a replay already sent them), and
//! a jump means the bus lost some (an outage, a full subscriber buffer), so the follower is
//! refilled from the log first ([`crate::replay`]). After an event that may change who can read
//! the project, the room holds live events until every follower is re-evaluated
//! ([`crate::access`]).

use crate::access;
use crate::domains::Domains;
use crate::handshake;
use crate::outbox::send;
use crate::presence::{PRESENCE_INTERVAL, RoomPresence};
use crate::replay;
use corral_actors::accounts::{AccountChange, Accounts};
use corral_actors::bus::{ACCOUNTS_CHANNEL, Bus, EVENTS_CHANNEL};
use corral_actors::ids::{ProjectId, UserId};
use corral_actors::project::events::{self, Room as EventRoom};
use corral_actors::project::{Caller, Projects};
use serde_json::value::RawValue;
use serde_json::{Value, json};
use socketioxide::SocketIo;
use socketioxide::extract::SocketRef;
use socketioxide::handler::ConnectHandler;
use socketioxide::layer::SocketIoLayer;
use socketioxide::socket::Sid;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// The path of the Socket.IO endpoint (Paca's gateway path).
pub const SOCKET_PATH: &str = "/ws/socket.io";
/// The same endpoint behind a gateway that strips the `/ws` prefix.
pub const STRIPPED_SOCKET_PATH: &str = "/socket.io";

/// The Socket.IO layers to put around the HTTP router: [`SOCKET_PATH`] and
/// [`STRIPPED_SOCKET_PATH`], both served by the same hub.
pub struct SocketLayers {
    pub gateway: SocketIoLayer,
    pub stripped: SocketIoLayer,
}

#[derive(Clone, Copy, Debug)]
pub struct RealtimeConfig {
    /// Packets a socket may have queued before it counts as too slow and is disconnected.
    pub socket_buffer: usize,
    /// How often a socket's credential and its access to the projects it follows are checked
    /// again (expiry, logout, disabled or deleted user end the socket; a lost membership or
    /// role ends the follow; Paca never re-checks).
    pub recheck: std::time::Duration,
}

impl Default for RealtimeConfig {
    fn default() -> Self {
        Self {
            socket_buffer: 1024,
            recheck: std::time::Duration::from_secs(30),
        }
    }
}

/// One socket following one project.
pub(crate) struct Follower {
    pub(crate) socket: SocketRef,
    /// Who it is, as far as the project is concerned (refreshed at each credential check).
    pub(crate) caller: Caller,
    pub(crate) domains: Domains,
    /// The sequence of the last event delivered to it.
    pub(crate) last_seq: i64,
    /// The project sequence its access was last decided at.
    pub(crate) verified_seq: i64,
    /// While the log is replayed to it (`join` with `since`, or a gap), live events wait here.
    pub(crate) catching_up: Option<Vec<Arc<BusEvent>>>,
}

/// What became of one event for one follower.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Delivery {
    Done,
    /// The socket is gone or was cut off: stop following it.
    Gone,
    /// The event is ahead of the next expected one: it waits while the follower is refilled.
    Gap,
}

impl Follower {
    /// Delivers one event in sequence order.
    pub(crate) fn deliver(&mut self, event: &Arc<BusEvent>) -> Delivery {
        let Some(seq) = event.seq() else {
            // Not in the project's log (agent conversation events): live only, never replayed.
            return self.send_if_allowed(event);
        };
        if let Some(buffer) = self.catching_up.as_mut() {
            buffer.push(event.clone());
            return Delivery::Done;
        }
        if seq <= self.last_seq {
            return Delivery::Done;
        }
        if seq > self.last_seq + 1 {
            self.catching_up = Some(vec![event.clone()]);
            return Delivery::Gap;
        }
        self.last_seq = seq;
        self.send_if_allowed(event)
    }

    fn send_if_allowed(&self, event: &BusEvent) -> Delivery {
        if !self.domains.allows(event.kind()) {
            return Delivery::Done;
        }
        // The bus message is already the wire shape: encoded once, copied to every follower.
        if send(&self.socket, "event", &*event.wire) {
            Delivery::Done
        } else {
            Delivery::Gone
        }
    }

    /// Ends a catch-up: delivers what waited, in order. With `accept_gaps`, events the log
    /// could not supply are skipped over instead of waited for.
    pub(crate) fn release(&mut self, accept_gaps: bool) -> Delivery {
        let buffered = self.catching_up.take().unwrap_or_default();
        let mut rest = buffered.into_iter();
        while let Some(event) = rest.next() {
            let mut outcome = self.deliver(&event);
            if outcome == Delivery::Gap && accept_gaps {
                self.catching_up = None;
                self.last_seq = event.seq().unwrap_or(self.last_seq + 1) - 1;
                outcome = self.deliver(&event);
            }
            match outcome {
                Delivery::Done => {}
                Delivery::Gone => return Delivery::Gone,
                Delivery::Gap => {
                    if let Some(buffer) = self.catching_up.as_mut() {
                        buffer.extend(rest);
                    }
                    return Delivery::Gap;
                }
            }
        }
        Delivery::Done
    }
}

/// One event from the bus: parsed once for routing, and its text (already the wire shape
/// `{type, payload, seq, project_id}`) sent to every follower as it is, never serialized again
/// per socket.
pub(crate) struct BusEvent {
    kind: String,
    seq: Option<i64>,
    project: Option<ProjectId>,
    pub(crate) wire: Box<RawValue>,
}

/// What routing reads of an event; the payload is skipped, not built.
#[derive(serde::Deserialize)]
struct Head {
    #[serde(rename = "type")]
    kind: String,
    seq: Option<i64>,
    project_id: Option<ProjectId>,
}

impl BusEvent {
    fn parse(text: String) -> Option<Self> {
        let head: Head = serde_json::from_str(&text).ok()?;
        let wire = RawValue::from_string(text).ok()?;
        Some(Self {
            kind: head.kind,
            seq: head.seq,
            project: head.project_id,
            wire,
        })
    }

    pub(crate) fn kind(&self) -> &str {
        &self.kind
    }

    pub(crate) fn seq(&self) -> Option<i64> {
        self.seq
    }

    fn project(&self) -> Option<ProjectId> {
        self.project
    }

    /// The event's payload, parsed (for the few events routing looks inside).
    fn payload(&self) -> Value {
        #[derive(serde::Deserialize)]
        struct Body {
            #[serde(default)]
            payload: Value,
        }
        serde_json::from_str::<Body>(self.wire.get())
            .map(|b| b.payload)
            .unwrap_or_default()
    }
}

/// One project as this node's sockets see it.
#[derive(Default)]
pub(crate) struct Room {
    pub(crate) followers: HashMap<Sid, Follower>,
    /// While followers' access is re-evaluated after a change, live events wait here.
    pub(crate) held: Option<Vec<Arc<BusEvent>>>,
    /// The sequence of the latest event that may have changed who can read the project.
    pub(crate) access_seq: i64,
    /// The latest sequence known to be committed (delivered here, or answered at a join).
    pub(crate) head: i64,
    pub(crate) presence: RoomPresence,
}

impl Room {
    /// Delivers a live event to every follower, in sequence.
    pub(crate) fn deliver(&mut self, rt: &Realtime, project: ProjectId, event: Arc<BusEvent>) {
        let seq = event.seq();
        if let Some(seq) = seq {
            self.head = self.head.max(seq);
        }
        let mut gone = Vec::new();
        for (sid, follower) in &mut self.followers {
            match follower.deliver(&event) {
                Delivery::Done => {}
                Delivery::Gone => gone.push(*sid),
                Delivery::Gap => replay::refill_later(rt, project, *sid),
            }
        }
        for sid in gone {
            self.forget(rt, project, sid);
        }
        if let Some(seq) = seq.filter(|_| access::changes_access(event.kind())) {
            self.hold_for_access(rt, project, seq);
        }
    }

    /// Holds live events until every follower's access is decided at `seq` or later.
    pub(crate) fn hold_for_access(&mut self, rt: &Realtime, project: ProjectId, seq: i64) {
        if seq <= self.access_seq {
            return; // decided already, or being decided
        }
        self.access_seq = seq;
        if self.held.is_none() {
            self.held = Some(Vec::new());
            let rt = rt.clone();
            tokio::spawn(async move { access::recheck_room(rt, project).await });
        }
    }

    /// Lets held events through, in order (holding again at the next access change).
    pub(crate) fn release(&mut self, rt: &Realtime, project: ProjectId) {
        for event in self.held.take().unwrap_or_default() {
            match self.held.as_mut() {
                Some(held) => held.push(event),
                None => self.deliver(rt, project, event),
            }
        }
    }

    /// Forgets a socket in this project: following and presence.
    pub(crate) fn forget(&mut self, rt: &Realtime, project: ProjectId, sid: Sid) {
        self.followers.remove(&sid);
        if self.presence.depart(project, sid) {
            rt.flush_presence_later(project);
        }
    }

    fn is_idle(&self) -> bool {
        self.followers.is_empty() && self.held.is_none() && self.presence.is_empty()
    }
}

#[derive(Default)]
pub(crate) struct Rooms {
    pub(crate) projects: HashMap<ProjectId, Room>,
    pub(crate) users: HashMap<UserId, HashMap<Sid, SocketRef>>,
}

impl Rooms {
    /// Forgets a socket in a project, and the room once nobody is in it.
    pub(crate) fn depart(&mut self, rt: &Realtime, project: ProjectId, sid: Sid) {
        if let Some(room) = self.projects.get_mut(&project) {
            room.forget(rt, project, sid);
            if room.is_idle() {
                self.projects.remove(&project);
            }
        }
    }

    /// The projects a socket follows.
    pub(crate) fn followed_by(&self, sid: Sid) -> Vec<ProjectId> {
        self.projects
            .iter()
            .filter(|(_, room)| room.followers.contains_key(&sid))
            .map(|(p, _)| *p)
            .collect()
    }
}

pub(crate) struct Inner {
    rooms: Mutex<Rooms>,
    pub(crate) accounts: Accounts,
    pub(crate) projects: Projects,
    pub(crate) recheck: std::time::Duration,
    /// Bus events to ignore, as if the bus had lost them (tests).
    lose: AtomicUsize,
}

/// Cheap-clone handle to the realtime edge of this node.
#[derive(Clone)]
pub struct Realtime {
    pub(crate) inner: Arc<Inner>,
}

impl Realtime {
    /// Builds the Socket.IO layer and starts following the bus.
    pub async fn start(
        accounts: Accounts,
        projects: Projects,
        bus: Arc<dyn Bus>,
        config: RealtimeConfig,
    ) -> Result<(SocketLayers, Self), String> {
        let realtime = Self {
            inner: Arc::new(Inner {
                rooms: Mutex::default(),
                accounts,
                projects,
                recheck: config.recheck,
                lose: AtomicUsize::new(0),
            }),
        };
        // One Socket.IO server per path; both share this hub (rooms are the hub's own).
        let endpoint = |path: &'static str| {
            let (layer, io) = SocketIo::builder()
                .req_path(path)
                .max_buffer_size(config.socket_buffer)
                .with_state(realtime.clone())
                .build_layer();
            io.ns("/", handshake::on_connect.with(handshake::authenticate));
            layer
        };
        let layers = SocketLayers {
            gateway: endpoint(SOCKET_PATH),
            stripped: endpoint(STRIPPED_SOCKET_PATH),
        };
        let mut events = bus
            .subscribe(EVENTS_CHANNEL)
            .await
            .map_err(|e| format!("subscribing to {EVENTS_CHANNEL}: {e}"))?;
        follow_account_changes(&realtime, bus.clone()).await?;
        let hub = Arc::downgrade(&realtime.inner);
        tokio::spawn(async move {
            while let Some(message) = events.recv().await {
                let Some(inner) = hub.upgrade() else { break };
                let lost = inner
                    .lose
                    .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
                    .is_ok();
                if lost {
                    continue;
                }
                if let Some(event) = BusEvent::parse(message.payload) {
                    Realtime { inner }.dispatch(Arc::new(event));
                }
            }
        });
        Ok((layers, realtime))
    }

    /// How many sockets follow a project on this node.
    pub fn followers(&self, project: ProjectId) -> usize {
        self.rooms()
            .projects
            .get(&project)
            .map_or(0, |room| room.followers.len())
    }

    /// Makes the hub ignore the next `n` bus events, as if the bus had lost them (tests of
    /// gap refills).
    #[doc(hidden)]
    pub fn lose_next_bus_events(&self, n: usize) {
        self.inner.lose.fetch_add(n, Ordering::AcqRel);
    }

    pub(crate) fn rooms(&self) -> MutexGuard<'_, Rooms> {
        self.inner
            .rooms
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn dispatch(&self, event: Arc<BusEvent>) {
        let mut rooms = self.rooms();
        if EventRoom::of(event.kind()) == EventRoom::Recipient {
            // Private to its recipient; the project's followers only see its sequence pass.
            let payload = event.payload();
            let recipient = events::recipient(&payload);
            if let Some(sockets) = recipient.and_then(|u| rooms.users.get(&u)) {
                let message = json!({"type": event.kind(), "payload": payload});
                for socket in sockets.values() {
                    send(socket, "notification", &message);
                }
            }
        }
        let Some(project) = event.project() else {
            return;
        };
        let Some(room) = rooms.projects.get_mut(&project) else {
            return;
        };
        match room.held.as_mut() {
            Some(held) => held.push(event),
            None => room.deliver(self, project, event),
        }
    }

    /// Sends the project's coalesced presence changes after [`PRESENCE_INTERVAL`].
    pub(crate) fn flush_presence_later(&self, project: ProjectId) {
        let rt = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(PRESENCE_INTERVAL).await;
            let mut rooms = rt.rooms();
            let Some(room) = rooms.projects.get_mut(&project) else {
                return;
            };
            let Some(delta) = room.presence.take_delta(project) else {
                return;
            };
            for sid in room.presence.sockets() {
                if let Some(follower) = room.followers.get(&sid) {
                    // Volatile: a full buffer drops the frame, it does not cut the socket off.
                    let _ = follower.socket.emit("presence_delta", &*delta);
                }
            }
        });
    }
}

/// Account changes reach every node: this node's are published on the bus, and every node's
/// (its own included) make the sockets concerned be checked again at once.
async fn follow_account_changes(realtime: &Realtime, bus: Arc<dyn Bus>) -> Result<(), String> {
    let mut changes = realtime.inner.accounts.changes();
    let publisher = bus.clone();
    tokio::spawn(async move {
        loop {
            match changes.recv().await {
                Ok(change) => {
                    let message = serde_json::to_string(&change).unwrap_or_default();
                    if let Err(err) = publisher.publish(ACCOUNTS_CHANNEL, &message).await {
                        tracing::warn!(%err, "account change not published");
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(
                        missed,
                        "account changes missed; sockets are re-checked periodically"
                    );
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
    let mut announced = bus
        .subscribe(ACCOUNTS_CHANNEL)
        .await
        .map_err(|e| format!("subscribing to {ACCOUNTS_CHANNEL}: {e}"))?;
    let hub = Arc::downgrade(&realtime.inner);
    tokio::spawn(async move {
        while let Some(message) = announced.recv().await {
            let Some(inner) = hub.upgrade() else { break };
            // The bus is trusted, but a malformed message changes nothing.
            let Ok(change) = serde_json::from_str::<AccountChange>(&message.payload) else {
                continue;
            };
            // This node's session cache may still trust what changed on another node.
            inner.accounts.changed_elsewhere();
            let realtime = Realtime { inner };
            tokio::spawn(async move { handshake::account_changed(&realtime, change).await });
        }
    });
    Ok(())
}
