//! Presence: who looks at a project and which task they view or edit (volatile, never stored).
//!
//! One entry per socket: a user with two tabs is present twice, and closing one leaves the
//! other. Presence costs O(1) packets per change per socket: a joiner gets one
//! `presence_snapshot {project_id, entries}` (everyone present, itself included) before its
//! join is acknowledged; after that, changes are coalesced per project into at most one
//! `presence_delta {project_id, entries}` per socket every [`PRESENCE_INTERVAL`], each entry
//! the latest state of one socket (`state: "here" | "gone"`). Entries carry whole states, so
//! a delta that repeats what a snapshot already showed changes nothing. Presence frames are
//! volatile: a socket whose buffer is full misses them rather than being cut off.

use corral_actors::ids::{ProjectId, UserId};
use serde_json::json;
use serde_json::value::RawValue;
use socketioxide::socket::Sid;
use std::collections::HashMap;
use std::time::Duration;

/// At most one presence frame per socket and project this often.
pub(crate) const PRESENCE_INTERVAL: Duration = Duration::from_millis(100);
/// Longest task id a presence update may name (longer ones are ignored).
pub(crate) const TASK_ID_MAX: usize = 64;

/// One socket present in a project.
#[derive(Clone, Debug)]
pub(crate) struct Presence {
    pub(crate) socket_id: Sid,
    pub(crate) user_id: UserId,
    pub(crate) username: String,
    pub(crate) task_id: Option<String>,
    pub(crate) editing: bool,
}

impl Presence {
    fn entry(&self, project: ProjectId, state: &str) -> Box<RawValue> {
        let entry = json!({
            "project_id": project, "socket_id": self.socket_id.to_string(),
            "user_id": self.user_id, "username": self.username,
            "task_id": self.task_id, "editing": self.editing, "state": state,
        });
        // A `Value` always serializes.
        RawValue::from_string(entry.to_string()).unwrap_or_else(|_| empty_object())
    }
}

fn empty_object() -> Box<RawValue> {
    RawValue::from_string("{}".to_owned()).unwrap_or_default()
}

/// `{project_id, entries: [...]}` from entries already encoded.
fn frame<'a>(project: ProjectId, entries: impl Iterator<Item = &'a RawValue>) -> Box<RawValue> {
    let mut text = format!("{{\"project_id\":\"{project}\",\"entries\":[");
    for (i, entry) in entries.enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(entry.get());
    }
    text.push_str("]}");
    RawValue::from_string(text).unwrap_or_else(|_| empty_object())
}

/// The presence of one project's room.
#[derive(Default)]
pub(crate) struct RoomPresence {
    /// Who is here, with each entry encoded once (`state: "here"`).
    present: HashMap<Sid, (Presence, Box<RawValue>)>,
    /// The latest state of each socket that changed since the last frame.
    changes: HashMap<Sid, Box<RawValue>>,
    /// A frame is due (a flush is scheduled).
    due: bool,
}

impl RoomPresence {
    pub(crate) fn is_empty(&self) -> bool {
        self.present.is_empty()
    }

    /// The sockets that receive presence frames.
    pub(crate) fn sockets(&self) -> impl Iterator<Item = Sid> + '_ {
        self.present.keys().copied()
    }

    /// Registers a socket; true when a flush must be scheduled.
    pub(crate) fn arrive(&mut self, project: ProjectId, me: Presence) -> bool {
        let entry = me.entry(project, "here");
        self.present
            .insert(me.socket_id, (me.clone(), entry.clone()));
        self.change(me.socket_id, entry)
    }

    /// What a socket now looks at; `None` if it is not present. True when a flush must be
    /// scheduled.
    pub(crate) fn update(
        &mut self,
        project: ProjectId,
        sid: Sid,
        task_id: Option<String>,
        editing: bool,
    ) -> bool {
        let Some((p, encoded)) = self.present.get_mut(&sid) else {
            return false;
        };
        p.task_id = task_id.filter(|t| !t.is_empty() && t.len() <= TASK_ID_MAX);
        p.editing = editing && p.task_id.is_some();
        *encoded = p.entry(project, "here");
        let entry = encoded.clone();
        self.change(sid, entry)
    }

    /// Forgets a socket; true when a flush must be scheduled.
    pub(crate) fn depart(&mut self, project: ProjectId, sid: Sid) -> bool {
        match self.present.remove(&sid) {
            Some((p, _)) => self.change(sid, p.entry(project, "gone")),
            None => false,
        }
    }

    fn change(&mut self, sid: Sid, entry: Box<RawValue>) -> bool {
        self.changes.insert(sid, entry);
        !std::mem::replace(&mut self.due, true)
    }

    /// Everyone present, as one frame.
    pub(crate) fn snapshot(&self, project: ProjectId) -> Box<RawValue> {
        frame(project, self.present.values().map(|(_, e)| &**e))
    }

    /// The changes since the last frame, as one frame (`None` when there are none).
    pub(crate) fn take_delta(&mut self, project: ProjectId) -> Option<Box<RawValue>> {
        self.due = false;
        if self.changes.is_empty() {
            return None;
        }
        let changes = std::mem::take(&mut self.changes);
        Some(frame(project, changes.values().map(|e| &**e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn someone(project: ProjectId, room: &mut RoomPresence, sid: Sid) -> bool {
        room.arrive(
            project,
            Presence {
                socket_id: sid,
                user_id: UserId::new(),
                username: "u".into(),
                task_id: None,
                editing: false,
            },
        )
    }

    fn parse(raw: &RawValue) -> Value {
        serde_json::from_str(raw.get()).expect("json")
    }

    #[test]
    fn changes_coalesce_into_one_frame_per_interval() {
        let project = ProjectId::new();
        let mut room = RoomPresence::default();
        let (a, b) = (Sid::new(), Sid::new());
        assert!(
            someone(project, &mut room, a),
            "the first change schedules a frame"
        );
        assert!(!someone(project, &mut room, b), "later ones ride on it");
        assert!(!room.update(project, a, Some("t".into()), true));
        assert!(!room.depart(project, b));
        let delta = parse(&room.take_delta(project).expect("delta"));
        let entries = delta["entries"].as_array().expect("entries");
        assert_eq!(entries.len(), 2, "one entry per socket: its latest state");
        let of = |sid: Sid| {
            entries
                .iter()
                .find(|e| e["socket_id"] == sid.to_string())
                .expect("entry")
        };
        assert_eq!(
            (of(a)["state"].as_str(), of(a)["editing"].as_bool()),
            (Some("here"), Some(true))
        );
        assert_eq!(of(b)["state"], "gone");
        assert!(room.take_delta(project).is_none());
        let snapshot = parse(&room.snapshot(project));
        assert_eq!(snapshot["entries"].as_array().map(Vec::len), Some(1));
        assert!(room.update(project, a, Some("x".repeat(TASK_ID_MAX + 1)), true));
        let delta = parse(&room.take_delta(project).expect("delta"));
        assert_eq!(
            delta["entries"][0]["task_id"],
            Value::Null,
            "oversized ids are ignored"
        );
        assert_eq!(delta["entries"][0]["editing"], false);
    }
}
