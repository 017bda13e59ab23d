//! Replays from the event log: `join` with `since`, and refills after a gap.
//!
//! A follower whose next live event is ahead of the one it expects (the bus lost messages:
//! a Valkey outage, a subscriber that fell behind) is refilled exactly as a `since` join is:
//! the log is read from its last sequence, at the client's pace, while newer live events wait
//! in its buffer; then those are released in order, without duplicates.

use crate::hub::{Delivery, Realtime};
use crate::outbox::send_paced;
use corral_actors::error::Error;
use corral_actors::ids::ProjectId;
use serde_json::json;
use socketioxide::socket::Sid;

/// Events replayed per read of the log while catching a socket up.
const REPLAY_PAGE: u32 = 500;
/// Reads that find nothing to fill a gap with before the gap is accepted as it is.
const GAP_READS: u32 = 3;

/// Replays the log to a follower from its last sequence, then releases what arrived live
/// meanwhile. It ends early, without error, once the follower is gone (left, cut off, no
/// longer allowed); an error means the log could not be read for it.
async fn catch_up(rt: &Realtime, project: ProjectId, sid: Sid) -> Result<(), Error> {
    let start = {
        let rooms = rt.rooms();
        rooms
            .projects
            .get(&project)
            .and_then(|room| room.followers.get(&sid))
            .map(|f| (f.socket.clone(), f.caller.clone(), f.last_seq))
    };
    let Some((socket, caller, mut last)) = start else {
        return Ok(());
    };
    let mut fruitless = 0;
    loop {
        let page = rt
            .inner
            .projects
            .events(project, caller.clone(), last, REPLAY_PAGE)
            .await?;
        let read = page.len();
        for e in page {
            last = e.seq;
            let domains = {
                let mut rooms = rt.rooms();
                let Some(room) = rooms.projects.get_mut(&project) else {
                    return Ok(());
                };
                if e.kind.changes_access() {
                    // A change the bus lost: decide access again before anything newer.
                    room.hold_for_access(rt, project, e.seq);
                }
                match room.followers.get(&sid) {
                    Some(f) => f.domains,
                    None => return Ok(()),
                }
            };
            if domains.allows(e.kind.wire()) {
                let message = json!({"type": e.kind, "payload": e.wire_payload(), "seq": e.seq, "project_id": project});
                if !send_paced(&socket, &message).await {
                    rt.rooms().depart(rt, project, sid);
                    return Ok(());
                }
            }
        }
        if read == REPLAY_PAGE as usize {
            continue;
        }
        fruitless = if read == 0 { fruitless + 1 } else { 0 };
        let mut rooms = rt.rooms();
        let Some(room) = rooms.projects.get_mut(&project) else {
            return Ok(());
        };
        let Some(follower) = room.followers.get_mut(&sid) else {
            return Ok(());
        };
        follower.last_seq = follower.last_seq.max(last);
        // The log has nothing more, yet a newer event waits: it was published before the
        // log could show it (or never committed). After a few reads, go on without it.
        let accept_gaps = fruitless >= GAP_READS;
        match follower.release(accept_gaps) {
            Delivery::Done => return Ok(()),
            Delivery::Gone => {
                room.forget(rt, project, sid);
                return Ok(());
            }
            Delivery::Gap => last = follower.last_seq,
        }
    }
}

/// Catches a follower up; if the log cannot be read for it, it is told so and goes on live.
pub(crate) async fn refill(rt: &Realtime, project: ProjectId, sid: Sid) {
    if let Err(err) = catch_up(rt, project, sid).await {
        give_up(rt, project, sid, &err);
    }
}

/// Refills a follower whose live events jumped ahead, in the background.
pub(crate) fn refill_later(rt: &Realtime, project: ProjectId, sid: Sid) {
    let rt = rt.clone();
    tokio::spawn(async move { refill(&rt, project, sid).await });
}

/// The log cannot be read for this follower (its role cannot read the log, or the store is
/// down): it is told that it missed events and should reload, and live delivery goes on.
fn give_up(rt: &Realtime, project: ProjectId, sid: Sid, err: &Error) {
    tracing::warn!(%project, %sid, %err, "a follower's gap could not be refilled from the log");
    let mut rooms = rt.rooms();
    let Some(room) = rooms.projects.get_mut(&project) else {
        return;
    };
    let Some(follower) = room.followers.get_mut(&sid) else {
        return;
    };
    let _ = follower.socket.emit(
        "resync",
        &json!({
            "project_id": project,
            "seq": follower.last_seq,
            "error_code": "EVENTS_MISSED",
            "error": format!("events after seq {} could not be replayed ({err}); reload the project", follower.last_seq),
        }),
    );
    if follower.release(true) == Delivery::Gone {
        room.forget(rt, project, sid);
    }
}
