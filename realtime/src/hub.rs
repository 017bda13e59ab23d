//! The hub: who follows which project, and delivery of each bus event to them in sequence.

use corral_actors::accounts::{Accounts, Presented, Principal};
use corral_actors::bus::{Bus, EVENTS_CHANNEL};
use corral_actors::ids::{ProjectId, UserId};
use corral_actors::project::query::{Answer, Query};
use corral_actors::project::{Caller, Projects};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use socketioxide::SocketIo;
use socketioxide::extract::{AckSender, Data, SocketRef, State, TryData};
use socketioxide::handler::ConnectHandler;
use socketioxide::layer::SocketIoLayer;
use socketioxide::socket::Sid;
use socketioxide::{SendError, SocketError};
use std::collections::HashMap;
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
/// Events replayed per read of the log while catching a socket up.
const REPLAY_PAGE: u32 = 500;
/// How long a replay waits for a client that takes no packet before cutting it off.
const REPLAY_PATIENCE: std::time::Duration = std::time::Duration::from_secs(10);

#[derive(Clone, Copy, Debug)]
pub struct RealtimeConfig {
    /// Packets a socket may have queued before it counts as too slow and is disconnected.
    pub socket_buffer: usize,
    /// How often a socket's credential is checked again (expiry, logout, disabled or deleted
    /// user end the socket; Paca never re-checks).
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

/// Which event domains a follower may receive.
#[derive(Clone, Copy, Debug, Default)]
struct Domains {
    tasks: bool,
    docs: bool,
    workflows: bool,
}

impl Domains {
    /// Paca's routing by type prefix; Corral's other project events (sprints, views, fields,
    /// settings) travel with tasks.
    fn allows(self, event_type: &str) -> bool {
        if event_type.starts_with("doc.") {
            self.docs
        } else if event_type.starts_with("workflow.") && event_type != "workflow.assigned" {
            self.workflows
        } else {
            self.tasks
        }
    }
}

/// One socket following one project.
struct Follower {
    socket: SocketRef,
    domains: Domains,
    /// The sequence of the last event delivered to it.
    last_seq: i64,
    /// While the log is replayed, live events wait here.
    replaying: Option<Vec<Arc<BusEvent>>>,
}

/// One event from the bus: parsed once for routing, and its text (already the wire shape
/// `{type, payload, seq, project_id}`) sent to every follower as it is, never serialized again
/// per socket.
struct BusEvent {
    value: Value,
    wire: Box<RawValue>,
}

impl BusEvent {
    fn parse(text: String) -> Option<Self> {
        let value = serde_json::from_str(&text).ok()?;
        let wire = RawValue::from_string(text).ok()?;
        Some(Self { value, wire })
    }
}

/// Who is looking at a project and what they are editing (volatile: never stored). One per
/// socket: a user with two tabs is present twice, and closing one leaves the other.
#[derive(Clone, Debug)]
struct Presence {
    socket_id: Sid,
    user_id: UserId,
    username: String,
    task_id: Option<String>,
    editing: bool,
}

impl Presence {
    fn message(&self, project: ProjectId, state: &str) -> Value {
        json!({
            "project_id": project, "socket_id": self.socket_id.to_string(),
            "user_id": self.user_id, "username": self.username,
            "task_id": self.task_id, "editing": self.editing, "state": state,
        })
    }
}

#[derive(Default)]
struct Rooms {
    projects: HashMap<ProjectId, HashMap<Sid, Follower>>,
    users: HashMap<UserId, HashMap<Sid, SocketRef>>,
    presence: HashMap<ProjectId, HashMap<Sid, Presence>>,
}

impl Rooms {
    /// Tells a project's other followers (best effort: presence is volatile).
    fn announce(&self, project: ProjectId, from: Sid, message: &Value) {
        if let Some(followers) = self.projects.get(&project) {
            for (sid, f) in followers {
                if *sid != from {
                    let _ = f.socket.emit("presence", message);
                }
            }
        }
    }

    /// Forgets a socket in a project: following and presence.
    fn depart(&mut self, project: ProjectId, sid: Sid) {
        if let Some(followers) = self.projects.get_mut(&project) {
            followers.remove(&sid);
        }
        let gone = self.presence.get_mut(&project).and_then(|p| p.remove(&sid));
        if let Some(p) = gone {
            self.announce(project, sid, &p.message(project, "gone"));
        }
    }
}

struct Inner {
    rooms: Mutex<Rooms>,
    accounts: Accounts,
    projects: Projects,
    recheck: std::time::Duration,
}

/// Cheap-clone handle to the realtime edge of this node.
#[derive(Clone)]
pub struct Realtime {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

#[derive(Deserialize)]
struct Auth {
    token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Join {
    project_id: String,
    since: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Leave {
    project_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PresenceUpdate {
    project_id: String,
    #[serde(default)]
    task_id: Option<String>,
    #[serde(default)]
    editing: bool,
}

fn lock(rooms: &Mutex<Rooms>) -> MutexGuard<'_, Rooms> {
    rooms.lock().unwrap_or_else(|p| p.into_inner())
}

/// Sends to one socket. A socket whose buffer is full is too slow: it is cut off (see
/// [`cut_off`]) and `false` tells the caller to stop following it.
fn send<T: serde::Serialize + ?Sized>(socket: &SocketRef, event: &str, data: &T) -> bool {
    match socket.emit(event, data) {
        Ok(()) => true,
        Err(SendError::Socket(SocketError::InternalChannelFull)) => {
            cut_off(socket);
            false
        }
        Err(err) => {
            tracing::debug!(sid = %socket.id, %err, "socket gone");
            false
        }
    }
}

/// Sends one replayed event, waiting while the socket's buffer is full: a replay is pulled
/// from the log, so it can follow the client's pace. A client that takes no packet for
/// [`REPLAY_PATIENCE`] is too slow and is cut off.
async fn send_paced(socket: &SocketRef, data: &Value) -> bool {
    let deadline = tokio::time::Instant::now() + REPLAY_PATIENCE;
    loop {
        match socket.emit("event", data) {
            Ok(()) => return true,
            Err(SendError::Socket(SocketError::InternalChannelFull))
                if tokio::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            Err(SendError::Socket(SocketError::InternalChannelFull)) => {
                cut_off(socket);
                return false;
            }
            Err(_) => return false,
        }
    }
}

/// Marks a socket whose buffer overflowed: it is dropped from every room at once (so nothing
/// more is queued for it and no later event can arrive after a gap), told why with
/// `overflow {error_code: "SOCKET_TOO_SLOW", error}` as soon as its buffer has room, and then
/// disconnected. The client resumes with `join {projectId, since}`. A client that never reads
/// again is closed by the Engine.IO heartbeat.
fn cut_off(socket: &SocketRef) {
    if socket.extensions.get::<CutOff>().is_some() {
        return;
    }
    socket.extensions.insert(CutOff);
    tracing::info!(sid = %socket.id, "socket cannot keep up; disconnecting (it resumes with `since`)");
    let socket = socket.clone();
    tokio::spawn(async move {
        let reason = json!({
            "error_code": "SOCKET_TOO_SLOW",
            "error": "this socket could not keep up with its events and is disconnected; \
                      join again with `since` set to the last `seq` received",
        });
        let mut told = false;
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(20));
        while socket.connected() {
            tick.tick().await;
            if !told {
                told = socket.emit("overflow", &reason).is_ok();
            }
            if told && socket.clone().disconnect().is_ok() {
                return;
            }
        }
    });
}

/// Set on a socket once it has been cut off for overflowing its buffer.
#[derive(Clone, Copy)]
struct CutOff;

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
            }),
        };
        // One Socket.IO server per path; both share this hub (rooms are the hub's own).
        let endpoint = |path: &'static str| {
            let (layer, io) = SocketIo::builder()
                .req_path(path)
                .max_buffer_size(config.socket_buffer)
                .with_state(realtime.clone())
                .build_layer();
            io.ns("/", on_connect.with(authenticate));
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
        let hub = Arc::downgrade(&realtime.inner);
        tokio::spawn(async move {
            while let Some(message) = events.recv().await {
                let Some(inner) = hub.upgrade() else { break };
                if let Some(event) = BusEvent::parse(message.payload) {
                    Realtime { inner }.dispatch(Arc::new(event));
                }
            }
        });
        Ok((layers, realtime))
    }

    /// How many sockets follow a project on this node.
    pub fn followers(&self, project: ProjectId) -> usize {
        lock(&self.inner.rooms)
            .projects
            .get(&project)
            .map_or(0, HashMap::len)
    }

    fn dispatch(&self, event: Arc<BusEvent>) {
        let parsed = &event.value;
        let event_type = parsed["type"].as_str().unwrap_or_default();
        let mut rooms = lock(&self.inner.rooms);
        if event_type.starts_with("notification.") {
            let recipient = parsed["payload"]["recipient_user_id"]
                .as_str()
                .and_then(|u| u.parse().ok());
            if let Some(sockets) = recipient.and_then(|u: UserId| rooms.users.get(&u)) {
                let message = json!({"type": event_type, "payload": parsed["payload"]});
                for socket in sockets.values() {
                    send(socket, "notification", &message);
                }
            }
            // Notifications are also project events: followers of the project get them too.
        }
        let Some(project) = parsed["project_id"]
            .as_str()
            .and_then(|p| p.parse::<ProjectId>().ok())
        else {
            return;
        };
        let Some(followers) = rooms.projects.get_mut(&project) else {
            return;
        };
        let mut gone = Vec::new();
        for (sid, follower) in followers.iter_mut() {
            if !deliver(follower, &event) {
                gone.push(*sid);
            }
        }
        for sid in gone {
            followers.remove(&sid);
        }
    }
}

/// Delivers one event to one follower in sequence order; false when the socket is gone.
fn deliver(follower: &mut Follower, event: &Arc<BusEvent>) -> bool {
    let Some(seq) = event.value["seq"].as_i64() else {
        // Not in the project's log (agent conversation events): live only, never replayed.
        let event_type = event.value["type"].as_str().unwrap_or_default();
        return !follower.domains.allows(event_type)
            || send(&follower.socket, "event", &*event.wire);
    };
    if let Some(buffer) = follower.replaying.as_mut() {
        buffer.push(event.clone());
        return true;
    }
    if seq <= follower.last_seq {
        return true;
    }
    follower.last_seq = seq;
    let event_type = event.value["type"].as_str().unwrap_or_default();
    if !follower.domains.allows(event_type) {
        return true;
    }
    // The bus message is already the wire shape: encoded once, copied to every follower.
    send(&follower.socket, "event", &*event.wire)
}

/// The access token a socket presents: `auth.token`, a bearer header or the cookie.
fn token(socket: &SocketRef, auth: Option<Auth>) -> Option<String> {
    if let Some(t) = auth.and_then(|a| a.token).filter(|t| !t.is_empty()) {
        return Some(t);
    }
    let headers = &socket.req_parts().headers;
    if let Some(t) = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
    {
        return Some(t.trim().to_owned());
    }
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == "access_token")
        .map(|c| c.value().to_owned())
}

async fn authenticate(
    socket: SocketRef,
    TryData(auth): TryData<Auth>,
    State(realtime): State<Realtime>,
) -> Result<(), Refused> {
    let token =
        token(&socket, auth.ok()).ok_or_else(|| Refused("missing authentication".into()))?;
    let presented = Presented::AccessToken(token);
    let principal = realtime
        .inner
        .accounts
        .authenticate(&presented)
        .await
        .map_err(|e| Refused(e.to_string()))?;
    principal
        .require_fresh_password()
        .map_err(|e| Refused(e.to_string()))?;
    let user = principal.user.id;
    socket.extensions.insert(principal);
    // Handlers are registered here, before the client learns it is connected, so its first
    // `join` can never arrive before there is a handler for it.
    register(&socket, &realtime, user);
    watch_credential(socket, realtime, presented);
    Ok(())
}

/// Checks the socket's credential again every `recheck` and disconnects it once the token has
/// expired or the session, user or password it stood for is gone.
fn watch_credential(socket: SocketRef, realtime: Realtime, presented: Presented) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(realtime.inner.recheck);
        tick.tick().await;
        loop {
            tick.tick().await;
            if !socket.connected() {
                return;
            }
            let still = realtime.inner.accounts.authenticate(&presented).await;
            if let Err(err) = still.and_then(|p| p.require_fresh_password()) {
                tracing::info!(sid = %socket.id, %err, "credential no longer valid; disconnecting socket");
                let _ = socket.emit(
                    "auth_expired",
                    &json!({"error_code": err.code(), "error": err.to_string()}),
                );
                let _ = socket.disconnect();
                return;
            }
        }
    });
}

async fn on_connect(socket: SocketRef) {
    tracing::debug!(sid = %socket.id, "socket connected");
}

fn register(socket: &SocketRef, realtime: &Realtime, user: UserId) {
    lock(&realtime.inner.rooms)
        .users
        .entry(user)
        .or_default()
        .insert(socket.id, socket.clone());
    socket.on("join", on_join);
    socket.on("leave", on_leave);
    socket.on("presence", on_presence);
    socket.on_disconnect(
        move |socket: SocketRef, State(realtime): State<Realtime>| async move {
            let mut rooms = lock(&realtime.inner.rooms);
            if let Some(sockets) = rooms.users.get_mut(&user) {
                sockets.remove(&socket.id);
            }
            let followed: Vec<ProjectId> = rooms
                .projects
                .iter()
                .filter(|(_, f)| f.contains_key(&socket.id))
                .map(|(p, _)| *p)
                .collect();
            for project in followed {
                rooms.depart(project, socket.id);
            }
        },
    );
}

/// Waits until socketioxide has marked a new socket connected. It sends the CONNECT packet
/// before it sets that flag, so a quick client's first `join` can run in between, and every
/// `emit` there would fail as if the socket were closed (the acknowledgement would not). False
/// if the socket is not connected within a second (it is gone).
async fn settled(socket: &SocketRef) -> bool {
    for _ in 0..1000 {
        if socket.connected() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    socket.connected()
}

fn refuse(ack: AckSender, message: &str) {
    let _ = ack.send(&json!({"ok": false, "error": message}));
}

async fn on_join(
    socket: SocketRef,
    Data(join): Data<Join>,
    ack: AckSender,
    State(realtime): State<Realtime>,
) {
    let Some(principal) = socket.extensions.get::<Principal>() else {
        return refuse(ack, "unauthenticated");
    };
    if !settled(&socket).await {
        return;
    }
    let Ok(project) = join.project_id.parse::<ProjectId>() else {
        return refuse(ack, "invalid projectId");
    };
    let caller = Caller::from(&principal);
    let (domains, seq) = match realtime
        .inner
        .projects
        .query(project, caller.clone(), Query::ReadableDomains)
        .await
    {
        Ok(Answer::Domains {
            tasks,
            docs,
            workflows,
            seq,
        }) => (
            Domains {
                tasks,
                docs,
                workflows,
            },
            seq,
        ),
        Ok(_) => return refuse(ack, "unexpected answer"),
        // Paca ignores joins the caller may not make; the ack says why.
        Err(err) => return refuse(ack, &err.to_string()),
    };
    let since = join.since.map(|s| s.max(0));
    {
        let mut rooms = lock(&realtime.inner.rooms);
        rooms.projects.entry(project).or_default().insert(
            socket.id,
            Follower {
                socket: socket.clone(),
                domains,
                last_seq: since.unwrap_or(seq),
                replaying: since.map(|_| Vec::new()),
            },
        );
    }
    let mut last = since.unwrap_or(seq);
    if since.is_some() {
        // Replay from the log, then release what arrived live meanwhile, skipping duplicates.
        loop {
            let page = match realtime
                .inner
                .projects
                .events(project, caller.clone(), last, REPLAY_PAGE)
                .await
            {
                Ok(page) => page,
                Err(err) => {
                    lock(&realtime.inner.rooms)
                        .projects
                        .entry(project)
                        .or_default()
                        .remove(&socket.id);
                    return refuse(ack, &err.to_string());
                }
            };
            if page.is_empty() {
                break;
            }
            for e in page {
                last = e.seq;
                if domains.allows(&e.event_type) {
                    let message = json!({"type": e.event_type, "payload": e.payload, "seq": e.seq, "project_id": project});
                    if !send_paced(&socket, &message).await {
                        lock(&realtime.inner.rooms).depart(project, socket.id);
                        return;
                    }
                }
            }
        }
        let mut rooms = lock(&realtime.inner.rooms);
        if let Some(follower) = rooms
            .projects
            .get_mut(&project)
            .and_then(|f| f.get_mut(&socket.id))
        {
            follower.last_seq = last;
            let buffered = follower.replaying.take().unwrap_or_default();
            for event in buffered {
                if !deliver(follower, &event) {
                    break;
                }
            }
            last = follower.last_seq;
        }
    }
    // Show the newcomer who is here and announce them (viewing the board) before the
    // acknowledgement, so that once a join is acknowledged every later joiner sees it.
    let me = Presence {
        socket_id: socket.id,
        user_id: principal.user.id,
        username: principal.user.username.clone(),
        task_id: None,
        editing: false,
    };
    let mut rooms = lock(&realtime.inner.rooms);
    if let Some(others) = rooms.presence.get(&project) {
        for p in others.values() {
            let _ = socket.emit("presence", &p.message(project, "here"));
        }
    }
    rooms.announce(project, socket.id, &me.message(project, "here"));
    rooms
        .presence
        .entry(project)
        .or_default()
        .insert(socket.id, me);
    drop(rooms);
    let _ = ack.send(&json!({"ok": true, "seq": last, "rooms": {
        "tasks": domains.tasks, "docs": domains.docs, "workflows": domains.workflows,
    }}));
}

async fn on_presence(
    socket: SocketRef,
    Data(update): Data<PresenceUpdate>,
    State(realtime): State<Realtime>,
) {
    let Ok(project) = update.project_id.parse::<ProjectId>() else {
        return;
    };
    let mut rooms = lock(&realtime.inner.rooms);
    let Some(p) = rooms
        .presence
        .get_mut(&project)
        .and_then(|p| p.get_mut(&socket.id))
    else {
        return; // only followers have presence
    };
    p.task_id = update.task_id.filter(|t| !t.is_empty());
    p.editing = update.editing && p.task_id.is_some();
    let message = p.message(project, "here");
    rooms.announce(project, socket.id, &message);
}

async fn on_leave(socket: SocketRef, Data(leave): Data<Leave>, State(realtime): State<Realtime>) {
    let Ok(project) = leave.project_id.parse::<ProjectId>() else {
        return;
    };
    lock(&realtime.inner.rooms).depart(project, socket.id);
}

#[cfg(test)]
mod tests {
    use super::Domains;

    #[test]
    fn routing_by_type_prefix() {
        let docs = Domains {
            docs: true,
            ..Domains::default()
        };
        let workflows = Domains {
            workflows: true,
            ..Domains::default()
        };
        let tasks = Domains {
            tasks: true,
            ..Domains::default()
        };
        assert!(docs.allows("doc.updated") && !docs.allows("task.updated"));
        assert!(workflows.allows("workflow.run_started") && !workflows.allows("doc.updated"));
        // Paca routes `workflow.assigned` with tasks: it changes a task's assignee.
        assert!(tasks.allows("workflow.assigned") && !workflows.allows("workflow.assigned"));
        for other in [
            "task.created",
            "sprint.updated",
            "view.reordered",
            "custom_field.deleted",
        ] {
            assert!(tasks.allows(other) && !docs.allows(other) && !workflows.allows(other));
        }
    }
}
