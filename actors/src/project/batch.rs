//! What one command stages, and what one group commit writes: row images, events and
//! notifications.

use super::agents::{Agent, AgentEnvVar, AgentMcpServer, AgentSkill};
use super::events::EventKind;
use super::model::{Comment, Member, Project, ProjectRole, Task, TaskStatus, TaskType, WireCache};
use super::planning::{CustomField, Sprint, TaskLink, TaskPosition, View};
use crate::ids::{
    AgentEnvVarId, CustomFieldId, EventId, LinkId, MemberId, NotificationId, ProjectId,
    ProjectRoleId, SprintId, TaskId, TaskStatusId, TaskTypeId, UserId, ViewId,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A row image to upsert, or a row to delete.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    Project(Project),
    Role(ProjectRole),
    RoleDeleted(ProjectRoleId),
    Member(Member),
    TaskType(TaskType),
    TaskTypeDeleted(TaskTypeId),
    Status(TaskStatus),
    StatusDeleted(TaskStatusId),
    /// Shared with the states it is applied to, and with the command's reply.
    Task(std::sync::Arc<Task>),
    Comment(Comment),
    Sprint(Sprint),
    SprintDeleted(SprintId),
    View(View),
    /// Deletes the view and its task positions.
    ViewDeleted(ViewId),
    Position(TaskPosition),
    CustomField(CustomField),
    CustomFieldDeleted(CustomFieldId),
    Link(TaskLink),
    LinkDeleted(LinkId),
    File(super::files::StoredFile),
    DocFolder(super::docs::DocFolder),
    DocFolderDeleted(crate::ids::DocFolderId),
    Document(super::docs::Document),
    /// A new document's first content (its Yjs state); written once, never loaded with the
    /// project: the document's actor owns it from then on.
    DocState(NewDocState),
    DocComment(super::docs::DocComment),
    DocFile(super::docs::DocFile),
    DocFileDeleted(crate::ids::FileId),
    FileDeleted(crate::ids::FileId),
    Agent(Box<Agent>),
    AgentEnvVar(AgentEnvVar),
    AgentEnvVarDeleted(AgentEnvVarId),
    AgentSkill(Box<AgentSkill>),
    AgentSkillDeleted(crate::ids::AgentSkillId),
    AgentMcpServer(Box<AgentMcpServer>),
    AgentMcpServerDeleted(crate::ids::AgentMcpServerId),
    Notification(Notification),
}

/// A new document's initial content.
#[derive(Clone, Debug, PartialEq)]
pub struct NewDocState {
    pub document_id: crate::ids::DocumentId,
    pub project_id: ProjectId,
    /// A Yjs v1 update holding the whole document.
    pub state: Vec<u8>,
    pub at: DateTime<Utc>,
}

/// One entry of a project's event log.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Event {
    pub project_id: ProjectId,
    /// Gapless per project, from 1.
    pub seq: i64,
    pub id: EventId,
    /// What happened; Paca's type name on the wire (`task.created`, …).
    pub kind: EventKind,
    pub actor_user_id: Option<UserId>,
    pub actor_member_id: Option<MemberId>,
    /// The task the event is about, for task activity feeds.
    pub task_id: Option<TaskId>,
    /// The entity the event is about when it is not the task (a comment, a role, …).
    pub subject_id: Option<Uuid>,
    pub at: DateTime<Utc>,
    pub payload: serde_json::Value,
    /// The payload's JSON, encoded once: the log's row and the stream's entry both carry it.
    /// A clone starts without it (its payload may be about to change); events shared as they
    /// are (`Arc<[Event]>`) share it.
    #[serde(skip)]
    pub encoded: WireCache,
}

impl Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        /// The derived shape, with the payload written from its encoding.
        #[derive(Serialize)]
        struct Fields<'a> {
            project_id: ProjectId,
            seq: i64,
            id: EventId,
            kind: EventKind,
            actor_user_id: Option<UserId>,
            actor_member_id: Option<MemberId>,
            task_id: Option<TaskId>,
            subject_id: Option<Uuid>,
            at: DateTime<Utc>,
            payload: &'a serde_json::value::RawValue,
        }
        Fields {
            project_id: self.project_id,
            seq: self.seq,
            id: self.id,
            kind: self.kind,
            actor_user_id: self.actor_user_id,
            actor_member_id: self.actor_member_id,
            task_id: self.task_id,
            subject_id: self.subject_id,
            at: self.at,
            payload: self.payload_json(),
        }
        .serialize(serializer)
    }
}

impl Event {
    /// The payload as JSON text, encoded on first use.
    pub fn payload_json(&self) -> &serde_json::value::RawValue {
        self.encoded.get_or_render(|| {
            serde_json::value::to_raw_value(&self.payload).unwrap_or_else(|_| {
                serde_json::value::to_raw_value(&serde_json::Value::Null).unwrap_or_default()
            })
        })
    }

    /// The payload as clients receive it on the bus and on sockets (live and replayed alike).
    /// A task activity carries its id and its `content` as a JSON string, as Paca's
    /// `activityPayload` sends it; the log keeps the content as JSON, which the activity feed
    /// reads. Other payloads are borrowed as they are.
    pub fn wire_payload(&self) -> std::borrow::Cow<'_, serde_json::Value> {
        let activity = self
            .payload
            .as_object()
            .is_some_and(|fields| fields.contains_key("activity_type"));
        if !activity {
            return std::borrow::Cow::Borrowed(&self.payload);
        }
        let mut payload = self.payload.clone();
        if let serde_json::Value::Object(fields) = &mut payload {
            fields
                .entry("id")
                .or_insert_with(|| serde_json::json!(self.id));
            if let Some(content) = fields.get_mut("content")
                && !content.is_string()
            {
                *content = serde_json::Value::String(content.to_string());
            }
        }
        std::borrow::Cow::Owned(payload)
    }

    /// Whether `reader` may see the payload: every event's but a private one (a notification),
    /// which only its recipient may read; others see only that the sequence moved.
    pub fn visible_to(&self, reader: Option<UserId>) -> bool {
        !self.kind.is_private() || super::events::recipient(&self.payload) == reader
    }

    /// The message on the bus channel: `{type, payload, seq, project_id}`, encoded once.
    pub fn bus_message(&self) -> String {
        #[derive(Serialize)]
        struct BusMessage<'a> {
            #[serde(rename = "type")]
            event_type: &'a str,
            payload: WirePayload<'a>,
            seq: i64,
            project_id: ProjectId,
        }
        serde_json::to_string(&BusMessage {
            event_type: self.kind.wire(),
            payload: WirePayload(self),
            seq: self.seq,
            project_id: self.project_id,
        })
        .unwrap_or_default()
    }
}

/// [`Event::wire_payload`] written straight from the event, without copying its payload.
struct WirePayload<'a>(&'a Event);

impl Serialize for WirePayload<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let event = self.0;
        let fields = match event.payload.as_object() {
            Some(fields) if fields.contains_key("activity_type") => fields,
            _ => return event.payload.serialize(serializer),
        };
        let mut map = serializer.serialize_map(Some(fields.len() + 1))?;
        // The payload's keys are sorted; `id` joins them in its place when it is missing.
        let mut id_pending = !fields.contains_key("id");
        for (key, value) in fields {
            if id_pending && key.as_str() > "id" {
                map.serialize_entry("id", &event.id)?;
                id_pending = false;
            }
            match value {
                serde_json::Value::String(_) => map.serialize_entry(key, value)?,
                _ if key == "content" => map.serialize_entry(key, &value.to_string())?,
                _ => map.serialize_entry(key, value)?,
            }
        }
        if id_pending {
            map.serialize_entry("id", &event.id)?;
        }
        map.end()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NotificationKind {
    Assigned,
    Mentioned,
}

impl NotificationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Assigned => "assigned",
            Self::Mentioned => "mentioned",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "assigned" => Some(Self::Assigned),
            "mentioned" => Some(Self::Mentioned),
            _ => None,
        }
    }
}

/// A notification to one user, written with the change that caused it.
#[derive(Clone, Debug, PartialEq)]
pub struct Notification {
    pub id: NotificationId,
    pub recipient_user_id: UserId,
    pub actor_member_id: Option<MemberId>,
    pub kind: NotificationKind,
    pub task_id: Option<TaskId>,
    /// The document whose comment mentioned the recipient.
    pub document_id: Option<crate::ids::DocumentId>,
    pub project_id: ProjectId,
    pub created_at: DateTime<Utc>,
}

/// What one group commit writes, atomically, for one project.
#[derive(Clone, Debug)]
pub struct CommitBatch {
    pub project_id: ProjectId,
    /// The project's event sequence before this batch (the fence).
    pub base_seq: i64,
    /// After it.
    pub new_seq: i64,
    pub task_counter: i64,
    pub changes: Vec<Change>,
    pub events: Vec<Event>,
}

/// How a commit ended when it did not fail outright.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommitOutcome {
    Committed,
    /// Someone else advanced the project's sequence: this node's state is stale.
    Fenced,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(payload: serde_json::Value) -> Event {
        Event {
            project_id: ProjectId::new(),
            seq: 7,
            id: EventId::new(),
            kind: EventKind::TaskUpdated,
            actor_user_id: None,
            actor_member_id: None,
            task_id: None,
            subject_id: None,
            at: crate::clock::now(),
            payload,
            encoded: WireCache::default(),
        }
    }

    /// The stream carries events encoded with their cached payload: they decode to the same
    /// event, and the encoding is the derived shape's.
    #[test]
    fn an_encoded_event_decodes_to_itself() {
        let e =
            event(json!({"activity_type": "task.updated", "content": {"changes": []}, "n": 1.5}));
        let text = serde_json::to_string(&e).expect("encode");
        let back: Event = serde_json::from_str(&text).expect("decode");
        assert_eq!(back, e);
        assert_eq!(back.payload, e.payload);
        let value: serde_json::Value = serde_json::from_str(&text).expect("json");
        assert_eq!(value["payload"], e.payload);
        assert_eq!(value["kind"], json!(e.kind));
        assert_eq!(value["seq"], 7);
        assert_eq!(
            e.payload_json().get(),
            serde_json::to_string(&e.payload).expect("payload")
        );
    }

    /// The bus message writes the payload without copying it; it must be exactly
    /// `wire_payload`, key order included.
    #[test]
    fn the_bus_message_carries_the_wire_payload() {
        let payloads = [
            json!({"activity_type": "task.updated", "content": {"changes": [1, 2]}, "task_id": "t", "actor_id": null}),
            json!({"activity_type": "comment", "content": "already text", "zeta": 1}),
            json!({"activity_type": "x", "id": "given", "content": [1]}),
            json!({"a": 1, "content": {"kept": true}}),
            json!([1, 2, 3]),
            json!(null),
        ];
        for payload in payloads {
            let e = event(payload);
            let message = e.bus_message();
            let expected = serde_json::to_string(&json!({
                "type": e.kind.wire(),
                "payload": e.wire_payload(),
                "seq": e.seq,
                "project_id": e.project_id,
            }))
            .expect("encode");
            let parsed: serde_json::Value = serde_json::from_str(&message).expect("json");
            assert_eq!(parsed["payload"], *e.wire_payload(), "{message}");
            // Same text for the payload (the order of the message's own keys differs).
            let payload_text = serde_json::to_string(&*e.wire_payload()).expect("encode");
            assert!(message.contains(&payload_text), "{message} vs {expected}");
        }
    }
}
