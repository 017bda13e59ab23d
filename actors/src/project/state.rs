//! The state a project actor owns, and how a committed change updates it.

use super::agents::{Agent, AgentEnvVar, AgentMcpServer, AgentSkill};
use super::batch::Change;
use super::docs::{DocComment, DocFile, DocFolder, Document};
use super::files::StoredFile;
use super::model::{Comment, Member, Project, ProjectRole, Task, TaskStatus, TaskType};
use super::planning::{CustomField, Sprint, TaskLink, TaskPosition, View};
use crate::ids::{
    AgentEnvVarId, AgentId, CommentId, CustomFieldId, DocCommentId, DocFolderId, DocumentId,
    FileId, LinkId, MemberId, ProjectRoleId, SprintId, TaskId, TaskStatusId, TaskTypeId, UserId,
    ViewId,
};
use crate::shared_map::SharedMap;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Everything one project owns. Deleted projects, members, tasks and comments stay (soft
/// delete); deleted roles, task types and statuses are gone.
///
/// Cloning is cheap: the actor publishes a clone as the readers' snapshot after every commit.
/// The maps that grow with the project (members, tasks, comments, positions, links) are
/// [`SharedMap`]s, whose clones share every shard a later write does not touch, and tasks are
/// `Arc`s; what remains is small (roles, statuses, types, sprints, views, fields, agents).
#[derive(Clone, Debug, Default)]
pub struct ProjectState {
    pub project: Option<Project>,
    pub roles: BTreeMap<ProjectRoleId, ProjectRole>,
    pub members: SharedMap<MemberId, Member>,
    pub task_types: BTreeMap<TaskTypeId, TaskType>,
    pub statuses: BTreeMap<TaskStatusId, TaskStatus>,
    /// Shared so reads can hand out whole boards without copying tasks.
    pub tasks: SharedMap<TaskId, Arc<Task>>,
    pub task_numbers: SharedMap<i64, TaskId>,
    pub comments: SharedMap<CommentId, Comment>,
    pub sprints: BTreeMap<SprintId, Sprint>,
    pub views: BTreeMap<ViewId, View>,
    /// Manual order: per view, each positioned task's place.
    pub positions: HashMap<ViewId, SharedMap<TaskId, TaskPosition>>,
    pub custom_fields: BTreeMap<CustomFieldId, CustomField>,
    pub links: SharedMap<LinkId, TaskLink>,
    /// Files attached to tasks, and the sum of their sizes and documents' files' (the storage
    /// quota's measure).
    pub files: SharedMap<FileId, StoredFile>,
    pub file_bytes: i64,
    /// Document folders (a tree by `parent_id`).
    pub doc_folders: BTreeMap<DocFolderId, DocFolder>,
    /// Documents' metadata, deleted ones included (soft delete); their content is not state.
    pub documents: SharedMap<DocumentId, Document>,
    /// Comments on documents, deleted ones included (soft delete).
    pub doc_comments: SharedMap<DocCommentId, DocComment>,
    /// Files in documents (their bytes count in `file_bytes` too).
    pub doc_files: SharedMap<FileId, DocFile>,
    /// Agents, deleted ones included (soft delete, like their memberships).
    pub agents: BTreeMap<AgentId, Agent>,
    pub agent_env: BTreeMap<AgentEnvVarId, AgentEnvVar>,
    pub agent_skills: BTreeMap<crate::ids::AgentSkillId, AgentSkill>,
    pub agent_mcp: BTreeMap<crate::ids::AgentMcpServerId, AgentMcpServer>,
    /// The last task number handed out.
    pub task_counter: i64,
    /// The sequence of the last event.
    pub event_seq: i64,
    /// Live tasks in creation order, built by the first reader of a snapshot that needs it.
    pub creation_order: CreationOrder,
}

/// Live tasks sorted by (creation time, id): the order of the board and of the default task
/// list, sorted once per snapshot instead of once per page. A clone starts empty (the clone is
/// about to change), and so does a state a task change is applied to.
#[derive(Default)]
pub struct CreationOrder(std::sync::OnceLock<Arc<[Arc<Task>]>>);

impl CreationOrder {
    pub fn get(&self, tasks: &SharedMap<TaskId, Arc<Task>>) -> &Arc<[Arc<Task>]> {
        self.0.get_or_init(|| {
            let mut live: Vec<Arc<Task>> = tasks
                .values()
                .filter(|t| t.deleted_at.is_none())
                .cloned()
                .collect();
            live.sort_by_key(|t| (t.created_at, t.id));
            live.into()
        })
    }
}

impl Clone for CreationOrder {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl std::fmt::Debug for CreationOrder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CreationOrder")
    }
}

impl ProjectState {
    /// The project, if it exists and is not deleted.
    pub fn live_project(&self) -> Option<&Project> {
        self.project.as_ref().filter(|p| p.deleted_at.is_none())
    }

    /// The user's active membership.
    pub fn member_of(&self, user: UserId) -> Option<&Member> {
        self.members
            .values()
            .find(|m| m.user_id == Some(user) && m.deleted_at.is_none())
    }

    pub fn live_member(&self, id: MemberId) -> Option<&Member> {
        self.members.get(&id).filter(|m| m.deleted_at.is_none())
    }

    pub fn live_agent(&self, id: AgentId) -> Option<&Agent> {
        self.agents.get(&id).filter(|a| a.deleted_at.is_none())
    }

    pub fn live_task(&self, id: TaskId) -> Option<&Task> {
        self.tasks
            .get(&id)
            .map(|t| &**t)
            .filter(|t| t.deleted_at.is_none())
    }

    /// The live task as the state shares it.
    pub fn live_task_shared(&self, id: TaskId) -> Option<&Arc<Task>> {
        self.tasks.get(&id).filter(|t| t.deleted_at.is_none())
    }

    pub fn live_comment(&self, id: CommentId) -> Option<&Comment> {
        self.comments.get(&id).filter(|c| c.deleted_at.is_none())
    }

    pub fn custom_field(&self, key: &str) -> Option<&CustomField> {
        self.custom_fields.values().find(|f| f.field_key == key)
    }

    pub fn default_task_type(&self) -> Option<&TaskType> {
        self.task_types.values().find(|t| t.is_default)
    }

    pub fn default_status(&self) -> Option<&TaskStatus> {
        self.statuses.values().find(|s| s.is_default)
    }

    /// Applies a change that is (or is about to be) durable.
    pub fn apply(&mut self, change: &Change) {
        match change {
            Change::Project(p) => self.project = Some(p.clone()),
            Change::Role(r) => {
                self.roles.insert(r.id, r.clone());
            }
            Change::RoleDeleted(id) => {
                self.roles.remove(id);
            }
            Change::Member(m) => {
                self.members.insert(m.id, m.clone());
            }
            Change::TaskType(t) => {
                self.task_types.insert(t.id, t.clone());
            }
            Change::TaskTypeDeleted(id) => {
                self.task_types.remove(id);
            }
            Change::Status(s) => {
                self.statuses.insert(s.id, s.clone());
            }
            Change::StatusDeleted(id) => {
                self.statuses.remove(id);
            }
            Change::Task(t) => {
                self.creation_order = CreationOrder::default();
                self.task_counter = self.task_counter.max(t.task_number);
                self.task_numbers.insert(t.task_number, t.id);
                self.tasks.insert(t.id, Arc::clone(t));
            }
            Change::Comment(c) => {
                self.comments.insert(c.id, c.clone());
            }
            Change::Sprint(sp) => {
                self.sprints.insert(sp.id, sp.clone());
            }
            Change::SprintDeleted(id) => {
                self.sprints.remove(id);
            }
            Change::View(v) => {
                self.views.insert(v.id, v.clone());
            }
            Change::ViewDeleted(id) => {
                self.views.remove(id);
                self.positions.remove(id);
            }
            Change::Position(p) => {
                self.positions
                    .entry(p.view_id)
                    .or_default()
                    .insert(p.task_id, p.clone());
            }
            Change::CustomField(f) => {
                self.custom_fields.insert(f.id, f.clone());
            }
            Change::CustomFieldDeleted(id) => {
                self.custom_fields.remove(id);
            }
            Change::Link(l) => {
                self.links.insert(l.id, l.clone());
            }
            Change::LinkDeleted(id) => {
                self.links.remove(id);
            }
            Change::File(f) => {
                if let Some(before) = self.files.insert(f.id, f.clone()) {
                    self.file_bytes -= before.file_size;
                }
                self.file_bytes += f.file_size;
            }
            Change::DocFolder(f) => {
                self.doc_folders.insert(f.id, f.clone());
            }
            Change::DocFolderDeleted(id) => {
                self.doc_folders.remove(id);
            }
            Change::Document(d) => {
                self.documents.insert(d.id, d.clone());
            }
            Change::DocState(_) => {}
            Change::DocComment(c) => {
                self.doc_comments.insert(c.id, c.clone());
            }
            Change::DocFile(f) => {
                if let Some(before) = self.doc_files.insert(f.id, f.clone()) {
                    self.file_bytes -= before.file_size;
                }
                self.file_bytes += f.file_size;
            }
            Change::DocFileDeleted(id) => {
                if let Some(gone) = self.doc_files.remove(id) {
                    self.file_bytes -= gone.file_size;
                }
            }
            Change::FileDeleted(id) => {
                if let Some(gone) = self.files.remove(id) {
                    self.file_bytes -= gone.file_size;
                }
            }
            Change::Agent(a) => {
                self.agents.insert(a.id, (**a).clone());
            }
            Change::AgentEnvVar(v) => {
                self.agent_env.insert(v.id, v.clone());
            }
            Change::AgentEnvVarDeleted(id) => {
                self.agent_env.remove(id);
            }
            Change::AgentSkill(k) => {
                self.agent_skills.insert(k.id, (**k).clone());
            }
            Change::AgentSkillDeleted(id) => {
                self.agent_skills.remove(id);
            }
            Change::AgentMcpServer(m) => {
                self.agent_mcp.insert(m.id, (**m).clone());
            }
            Change::AgentMcpServerDeleted(id) => {
                self.agent_mcp.remove(id);
            }
            Change::Notification(_) => {}
        }
    }
}
