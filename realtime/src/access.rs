//! Authorization at delivery, not only at `join`.
//!
//! Events that may change who can read a project (membership, project roles, the project's
//! deletion, agents) reach every node on the bus. When one passes through a room, the room
//! holds live events, asks the project again which rooms each follower may read (once per
//! user, and only with an answer at least as new as the change: another node's actor may
//! still be catching up), and then releases what waited. A follower that lost rooms is told
//! with `access_revoked {project_id, rooms, left, error_code, reason}`; one that may read
//! nothing more stops following the project (`left: true`). Account changes (a disabled or
//! deleted user, a new global role) are not project events: every `SOCKET_RECHECK` a socket's
//! credential is checked again (see [`crate::handshake`]) and its access decided again here.

use crate::domains::Domains;
use crate::hub::{Realtime, Room};
use corral_actors::error::{Error, codes};
use corral_actors::ids::{MemberId, ProjectId, UserId};
use corral_actors::project::Caller;
use corral_actors::project::events::EventKind;
use corral_actors::project::query::ReadableDomains;
use serde_json::json;
use socketioxide::socket::Sid;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::time::Duration;

/// How long to wait for a project's answer to reflect a change before refusing access.
const STALE_PATIENCE: Duration = Duration::from_secs(5);

/// Event types after which a project's followers are evaluated again.
pub(crate) fn changes_access(event_type: &str) -> bool {
    EventKind::parse(event_type).is_some_and(EventKind::changes_access)
}

/// Which rooms of the project `caller` may read, decided at sequence `min_seq` or later, and
/// that sequence.
pub(crate) async fn readable(
    rt: &Realtime,
    project: ProjectId,
    caller: &Caller,
    min_seq: i64,
) -> Result<(Domains, i64), Error> {
    let deadline = tokio::time::Instant::now() + STALE_PATIENCE;
    readable_by(rt, project, caller, min_seq, deadline).await
}

/// [`readable`], waiting for a fresh enough answer until `deadline` only.
async fn readable_by(
    rt: &Realtime,
    project: ProjectId,
    caller: &Caller,
    min_seq: i64,
    deadline: tokio::time::Instant,
) -> Result<(Domains, i64), Error> {
    loop {
        let answer = rt
            .inner
            .projects
            .read(project, caller.clone(), ReadableDomains)
            .await?;
        let (tasks, docs, workflows, seq) =
            (answer.tasks, answer.docs, answer.workflows, answer.seq);
        if seq >= min_seq {
            let domains = Domains {
                tasks,
                docs,
                workflows,
            };
            return Ok((domains, seq));
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(Error::Stalled {
                code: codes::PROJECT_TIMEOUT,
                message: "access to this project could not be confirmed after a change".into(),
            });
        }
        // This node's actor has not seen the change yet (it was made on another node).
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Callers with the same identity get the same answer.
fn identity(caller: &Caller) -> (Option<UserId>, Option<MemberId>) {
    (caller.user_id, caller.agent_member)
}

/// Re-evaluates every follower of a held room not yet decided at the room's latest access
/// change, then releases the room.
pub(crate) async fn recheck_room(rt: Realtime, project: ProjectId) {
    loop {
        let (pending, seq) = {
            let mut rooms = rt.rooms();
            let Some(room) = rooms.projects.get_mut(&project) else {
                return;
            };
            let seq = room.access_seq;
            let pending: Vec<(Sid, Caller)> = room
                .followers
                .iter()
                .filter(|(_, f)| f.verified_seq < seq)
                .map(|(sid, f)| (*sid, f.caller.clone()))
                .collect();
            if pending.is_empty() {
                room.release(&rt, project);
                return;
            }
            (pending, seq)
        };
        // One patience for the whole round: a project that never catches up costs one wait,
        // not one per user.
        let deadline = tokio::time::Instant::now() + STALE_PATIENCE;
        let mut verdicts = HashMap::new();
        for (_, caller) in &pending {
            if let Entry::Vacant(slot) = verdicts.entry(identity(caller)) {
                slot.insert(readable_by(&rt, project, caller, seq, deadline).await);
            }
        }
        let mut rooms = rt.rooms();
        let Some(room) = rooms.projects.get_mut(&project) else {
            return;
        };
        for (sid, caller) in pending {
            if let Some(verdict) = verdicts.get(&identity(&caller)) {
                apply(room, &rt, project, sid, verdict, true);
            }
        }
    }
}

/// Re-evaluates one socket in every project it follows, with its refreshed identity (the
/// periodic credential check).
pub(crate) async fn recheck_socket(rt: &Realtime, sid: Sid, caller: &Caller) {
    let followed = rt.rooms().followed_by(sid);
    for project in followed {
        {
            let mut rooms = rt.rooms();
            match rooms
                .projects
                .get_mut(&project)
                .and_then(|room| room.followers.get_mut(&sid))
            {
                Some(follower) => follower.caller = caller.clone(),
                None => continue,
            }
        }
        let verdict = readable(rt, project, caller, 0).await;
        let mut rooms = rt.rooms();
        if let Some(room) = rooms.projects.get_mut(&project) {
            apply(room, rt, project, sid, &verdict, false);
        }
    }
}

/// Applies a decision to one follower. `fail_closed` treats a failure to decide (a busy or
/// unreachable project) as a refusal; otherwise only a refusal is one.
fn apply(
    room: &mut Room,
    rt: &Realtime,
    project: ProjectId,
    sid: Sid,
    verdict: &Result<(Domains, i64), Error>,
    fail_closed: bool,
) {
    let Some(follower) = room.followers.get_mut(&sid) else {
        return;
    };
    match verdict {
        Ok((domains, seq)) => {
            follower.verified_seq = follower.verified_seq.max(*seq);
            let lost = follower.domains.lost(*domains);
            follower.domains = *domains;
            if !lost.is_empty() {
                let _ = follower.socket.emit(
                    "access_revoked",
                    &json!({
                        "project_id": project, "rooms": lost, "left": false,
                        "error_code": codes::FORBIDDEN,
                        "reason": "your project role no longer grants reading these rooms",
                    }),
                );
            }
        }
        Err(err) => {
            let refused = matches!(
                err,
                Error::Unauthorized { .. } | Error::Forbidden { .. } | Error::NotFound { .. }
            );
            if !refused && !fail_closed {
                tracing::debug!(%project, %sid, %err, "access not re-checked; kept for now");
                return;
            }
            let reason = match err.code() {
                codes::PROJECT_NOT_FOUND => "the project was deleted",
                _ if refused => "you may no longer read this project (membership or role changed)",
                _ => {
                    "your access to this project could not be confirmed after a change; join again"
                }
            };
            let _ = follower.socket.emit(
                "access_revoked",
                &json!({
                    "project_id": project, "rooms": follower.domains.lost(Domains::default()),
                    "left": true, "error_code": err.code(), "reason": reason,
                }),
            );
            room.forget(rt, project, sid);
        }
    }
}
