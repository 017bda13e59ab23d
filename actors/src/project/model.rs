//! A project's entities as the core keeps them. Plain data; the rules live in `command/`.

use crate::ids::{
    CommentId, MemberId, ProjectId, ProjectRoleId, TaskId, TaskStatusId, TaskTypeId, UserId,
};
use crate::permission::PermissionMap;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Project {
    pub id: ProjectId,
    pub name: String,
    pub description: String,
    pub task_id_prefix: String,
    pub is_public: bool,
    pub settings: serde_json::Map<String, serde_json::Value>,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProjectRole {
    pub id: ProjectRoleId,
    pub project_id: ProjectId,
    pub role_name: String,
    pub permissions: PermissionMap,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MemberType {
    Human,
    Agent,
}

impl MemberType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Human => "human",
            Self::Agent => "agent",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub id: MemberId,
    pub project_id: ProjectId,
    pub user_id: Option<UserId>,
    pub agent_id: Option<Uuid>,
    pub member_type: MemberType,
    pub project_role_id: ProjectRoleId,
    /// The user's (or agent's) handle and display name when the membership was loaded or made.
    pub username: String,
    pub full_name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskType {
    pub id: TaskTypeId,
    pub project_id: ProjectId,
    pub name: String,
    pub icon: Option<String>,
    pub color: Option<String>,
    pub description: Option<String>,
    pub is_default: bool,
    pub is_system: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TaskType {
    /// The system type whose tasks cannot have a parent.
    pub fn is_epic(&self) -> bool {
        self.is_system && self.name == "Epic"
    }
}

/// Where a status sits in the workflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusCategory {
    Backlog,
    Refinement,
    Ready,
    Todo,
    Inprogress,
    Done,
}

impl StatusCategory {
    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "backlog" => Self::Backlog,
            "refinement" => Self::Refinement,
            "ready" => Self::Ready,
            "todo" => Self::Todo,
            "inprogress" => Self::Inprogress,
            "done" => Self::Done,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Backlog => "backlog",
            Self::Refinement => "refinement",
            Self::Ready => "ready",
            Self::Todo => "todo",
            Self::Inprogress => "inprogress",
            Self::Done => "done",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskStatus {
    pub id: TaskStatusId,
    pub project_id: ProjectId,
    pub name: String,
    pub color: Option<String>,
    pub position: i32,
    pub category: StatusCategory,
    pub is_default: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub id: TaskId,
    pub project_id: ProjectId,
    pub task_number: i64,
    pub task_type_id: Option<TaskTypeId>,
    pub status_id: Option<TaskStatusId>,
    pub sprint_id: Option<Uuid>,
    pub parent_task_id: Option<TaskId>,
    pub title: String,
    /// A BlockNote document (array of blocks), or none.
    pub description: Option<serde_json::Value>,
    pub importance: i32,
    pub story_points: Option<i32>,
    /// Project member ids, in the order given.
    pub assignee_ids: Vec<MemberId>,
    pub reporter_id: Option<MemberId>,
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
    pub start_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub tags: Vec<String>,
    /// Bumped by every change; clients send it back to detect conflicts.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// This version of the task as the API writes it, rendered once by the edge and then shared
    /// by every list page and board that carries it. Not part of the task's value.
    #[serde(skip)]
    pub wire: WireCache,
}

/// A rendering of one version of a value as JSON, made on first use and kept while the
/// version lives: a task's REST shape (the edge decides what it is; the core never looks
/// inside), an event's payload.
///
/// A clone starts empty, because a cloned value is about to become another version; versions
/// that are shared are shared behind an `Arc` (`Arc<Task>`, `Arc<[Event]>`), with their
/// rendering.
#[derive(Default)]
pub struct WireCache(std::sync::OnceLock<Box<serde_json::value::RawValue>>);

impl WireCache {
    /// The rendering, made by `render` if this is the first use.
    pub fn get_or_render(
        &self,
        render: impl FnOnce() -> Box<serde_json::value::RawValue>,
    ) -> &serde_json::value::RawValue {
        self.0.get_or_init(render)
    }
}

impl Clone for WireCache {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl PartialEq for WireCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for WireCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "WireCache(rendered)"
        } else {
            "WireCache(empty)"
        })
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    pub id: CommentId,
    pub project_id: ProjectId,
    pub task_id: TaskId,
    pub author_id: MemberId,
    /// A BlockNote document.
    pub content: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}
