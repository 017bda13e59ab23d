//! What a client may send: `join {projectId, since?}`, `leave {projectId}` and
//! `presence {projectId, taskId?, editing?}`, one handler each.

use crate::access;
use crate::handshake::principal;
use crate::hub::{Follower, Realtime};
use crate::presence::Presence;
use crate::replay;
use corral_actors::ids::ProjectId;
use corral_actors::project::Caller;
use serde::Deserialize;
use serde_json::json;
use socketioxide::extract::{AckSender, Data, SocketRef, State};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Join {
    project_id: String,
    since: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Leave {
    project_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PresenceUpdate {
    project_id: String,
    #[serde(default)]
    task_id: Option<String>,
    #[serde(default)]
    editing: bool,
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

/// Follows a project: decides the rooms the caller may read, shows the presence snapshot,
/// announces the newcomer, acknowledges with the sequence the socket starts from, and then
/// replays from `since` (or from whatever the room delivered before this follower was in it)
/// before anything live.
pub(crate) async fn on_join(
    socket: SocketRef,
    Data(join): Data<Join>,
    ack: AckSender,
    State(realtime): State<Realtime>,
) {
    let Some(principal) = principal(&socket) else {
        return refuse(ack, "unauthenticated");
    };
    if !settled(&socket).await {
        return;
    }
    let Ok(project) = join.project_id.parse::<ProjectId>() else {
        return refuse(ack, "invalid projectId");
    };
    let caller = Caller::from(&principal);
    let since = join.since.map(|s| s.max(0));
    let mut min_seq = 0;
    let (domains, catch_up) = loop {
        // Paca ignores joins the caller may not make; the ack says why.
        let (domains, seq) = match access::readable(&realtime, project, &caller, min_seq).await {
            Ok(answer) => answer,
            Err(err) => return refuse(ack, &err.to_string()),
        };
        if since.is_some() && !domains.tasks {
            // The log is readable with `tasks.read` only.
            return refuse(
                ack,
                "insufficient permissions to replay events (tasks.read)",
            );
        }
        let mut rooms = realtime.rooms();
        let room = rooms.projects.entry(project).or_default();
        if seq < room.access_seq && room.held.is_none() {
            // The answer predates an access change whose re-evaluation is already over.
            min_seq = room.access_seq;
            continue;
        }
        let start = since.unwrap_or(seq);
        // Events the room delivered before this follower was in it are replayed too.
        let catch_up = since.is_some() || start < room.head;
        room.head = room.head.max(seq);
        room.followers.insert(
            socket.id,
            Follower {
                socket: socket.clone(),
                caller: caller.clone(),
                domains,
                last_seq: start,
                verified_seq: seq,
                catching_up: catch_up.then(Vec::new),
            },
        );
        break (domains, catch_up);
    };
    // Show the newcomer who is here and announce them (viewing the board) before the
    // acknowledgement, so that once a join is acknowledged every later joiner sees it.
    let me = Presence {
        socket_id: socket.id,
        user_id: principal.user.id,
        username: principal.user.username.clone(),
        task_id: None,
        editing: false,
    };
    let last = {
        let mut rooms = realtime.rooms();
        let Some(room) = rooms.projects.get_mut(&project) else {
            return;
        };
        let Some(last) = room.followers.get(&socket.id).map(|f| f.last_seq) else {
            return; // revoked or cut off meanwhile
        };
        if room.presence.arrive(project, me) {
            realtime.flush_presence_later(project);
        }
        let _ = socket.emit("presence_snapshot", &*room.presence.snapshot(project));
        last
    };
    // Acknowledged before the replay, with the sequence it starts from: the socket's buffer
    // is nearly empty now (live events wait in the follower's own buffer), so the
    // acknowledgement cannot be lost behind a replay that filled it.
    let _ = ack.send(&json!({"ok": true, "seq": last, "rooms": {
        "tasks": domains.tasks, "docs": domains.docs, "workflows": domains.workflows,
    }}));
    if catch_up {
        replay::refill(&realtime, project, socket.id).await;
    }
}

pub(crate) async fn on_presence(
    socket: SocketRef,
    Data(update): Data<PresenceUpdate>,
    State(realtime): State<Realtime>,
) {
    let Ok(project) = update.project_id.parse::<ProjectId>() else {
        return;
    };
    let mut rooms = realtime.rooms();
    let Some(room) = rooms.projects.get_mut(&project) else {
        return;
    };
    // Only followers have presence.
    if room
        .presence
        .update(project, socket.id, update.task_id, update.editing)
    {
        realtime.flush_presence_later(project);
    }
}

pub(crate) async fn on_leave(
    socket: SocketRef,
    Data(leave): Data<Leave>,
    State(realtime): State<Realtime>,
) {
    let Ok(project) = leave.project_id.parse::<ProjectId>() else {
        return;
    };
    realtime.rooms().depart(&realtime, project, socket.id);
}
