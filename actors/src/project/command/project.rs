//! Creating, updating and deleting a project. Creation seeds Paca's roles, task types and
//! statuses and makes the creator an Admin member, in the same batch.

use super::{Stage, required_name};
use crate::error::{Error, Result, codes};
use crate::ids::{MemberId, ProjectId, ProjectRoleId, TaskStatusId, TaskTypeId};
use crate::patch::Patch;
use crate::permission::PermissionMap;
use crate::project::access::{self, PROJECTS_CREATE, PROJECTS_DELETE, PROJECTS_WRITE};
use crate::project::batch::Change;
use crate::project::events::EventKind;
use crate::project::model::{
    Member, MemberType, Project, ProjectRole, StatusCategory, TaskStatus, TaskType,
};
use crate::project::prefix;
use serde_json::{Map, Value, json};

/// Creates the project: the only command valid before it exists.
#[derive(Clone, Debug)]
pub struct CreateProject(pub NewProject);

impl super::ProjectCommand for CreateProject {
    type Reply = Project;

    fn stage(&self, s: &mut Stage<'_>) -> Result<Project> {
        let id = s.project_id();
        create(s, id, &self.0)
    }

    fn creates_project(&self) -> bool {
        true
    }
}

command!(UpdateProject(ProjectChanges) -> Project, |Self(changes), s| update(s, changes));
command!(DeleteProject -> (), |_, s| delete(s));

pub const NAME_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 10_000;

#[derive(Clone, Debug, Default)]
pub struct NewProject {
    pub name: String,
    pub description: String,
    pub task_id_prefix: Option<String>,
    pub is_public: bool,
    pub settings: Option<Map<String, Value>>,
}

/// Paca's PATCH: an empty name, description or prefix leaves it as it is.
#[derive(Clone, Debug, Default)]
pub struct ProjectChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub task_id_prefix: Option<String>,
    pub is_public: Patch<bool>,
    pub settings: Patch<Map<String, Value>>,
}

/// `(name, granted keys)` of the roles every project starts with.
const SEEDED_ROLES: [(&str, &[&str]); 3] = [
    (
        "Admin",
        &[
            "projects.*",
            "project.members.*",
            "project.roles.*",
            "tasks.*",
            "sprints.*",
            "docs.*",
            "agents.*",
            "workflows.*",
        ],
    ),
    (
        "Editor",
        &[
            "projects.read",
            "project.members.read",
            "project.roles.read",
            "tasks.read",
            "tasks.write",
            "sprints.read",
            "sprints.write",
            "docs.read",
            "docs.write",
            "agents.read",
            "agents.write",
            "workflows.read",
            "workflows.write",
        ],
    ),
    (
        "Viewer",
        &[
            "projects.read",
            "project.members.read",
            "project.roles.read",
            "tasks.read",
            "sprints.read",
            "docs.read",
            "agents.read",
            "workflows.read",
        ],
    ),
];

/// `(name, icon, color, description, is_default, is_system)`. Paca seeds no `Subtask` type any
/// more (its migration 000012 demoted it to a user type).
const SEEDED_TYPES: [(&str, &str, &str, &str, bool, bool); 4] = [
    (
        "Task",
        "CheckSquare",
        "#3b82f6",
        "A general work item that needs to be completed",
        true,
        false,
    ),
    (
        "Bug",
        "Bug",
        "#ef4444",
        "An issue or defect that needs to be fixed",
        false,
        false,
    ),
    (
        "Story",
        "BookOpen",
        "#22c55e",
        "A user-facing feature or requirement",
        false,
        false,
    ),
    (
        "Epic",
        "Layers",
        "#a855f7",
        "A large body of work that can be broken down into smaller tasks",
        false,
        true,
    ),
];

/// `(name, color, position, category, is_default)`.
const SEEDED_STATUSES: [(&str, &str, i32, StatusCategory, bool); 4] = [
    ("Backlog", "#64748b", 1, StatusCategory::Backlog, true),
    ("Todo", "#eab308", 2, StatusCategory::Todo, false),
    (
        "In Progress",
        "#3b82f6",
        3,
        StatusCategory::Inprogress,
        false,
    ),
    ("Done", "#22c55e", 4, StatusCategory::Done, false),
];

fn bounded(raw: &str, max: usize, field: &str) -> Result<String> {
    let trimmed = raw.trim();
    if trimmed.chars().count() > max {
        return Err(Error::bad_request(format!(
            "{field} must be at most {max} characters"
        )));
    }
    Ok(trimmed.to_owned())
}

fn name_invalid() -> Error {
    Error::invalid(
        codes::PROJECT_NAME_INVALID,
        "project: name is empty or invalid",
    )
}

pub(super) fn create(s: &mut Stage<'_>, id: ProjectId, new: &NewProject) -> Result<Project> {
    let Some(user) = s.caller.user_id else {
        return Err(Error::unauthorized(
            codes::AUTH_UNAUTHENTICATED,
            "unauthenticated",
        ));
    };
    if !s.caller.global.grants(PROJECTS_CREATE) {
        return Err(Error::forbidden("insufficient permissions"));
    }
    if s.state.project.is_some() {
        return Err(Error::conflict(
            codes::BAD_REQUEST,
            "project already exists",
        ));
    }
    let name = required_name(&new.name, NAME_MAX, name_invalid())?;
    let description = bounded(&new.description, DESCRIPTION_MAX, "description")?;
    let task_id_prefix = prefix::resolve(new.task_id_prefix.as_deref(), &name)?;
    let now = s.now;
    let project = Project {
        id,
        name,
        description,
        task_id_prefix,
        is_public: new.is_public,
        settings: new.settings.clone().unwrap_or_default(),
        created_by: Some(user),
        created_at: now,
        updated_at: now,
        deleted_at: None,
    };
    s.put(Change::Project(project.clone()));

    let mut admin_role = None;
    for (role_name, keys) in SEEDED_ROLES {
        let role = ProjectRole {
            id: ProjectRoleId::new(),
            project_id: id,
            role_name: role_name.to_owned(),
            permissions: keys
                .iter()
                .map(|k| ((*k).to_owned(), true))
                .collect::<PermissionMap>(),
            created_at: now,
            updated_at: now,
        };
        admin_role.get_or_insert(role.id);
        s.put(Change::Role(role));
    }
    let member = Member {
        id: MemberId::new(),
        project_id: id,
        user_id: Some(user),
        agent_id: None,
        member_type: MemberType::Human,
        project_role_id: admin_role.unwrap_or_default(),
        username: s.caller.username.clone(),
        full_name: s.caller.full_name.clone(),
        created_at: now,
        updated_at: now,
        deleted_at: None,
    };
    let member_id = member.id;
    s.put(Change::Member(member));
    for (name, icon, color, description, is_default, is_system) in SEEDED_TYPES {
        s.put(Change::TaskType(TaskType {
            id: TaskTypeId::new(),
            project_id: id,
            name: name.to_owned(),
            icon: Some(icon.to_owned()),
            color: Some(color.to_owned()),
            description: Some(description.to_owned()),
            is_default,
            is_system,
            created_at: now,
            updated_at: now,
        }));
    }
    for (name, color, position, category, is_default) in SEEDED_STATUSES {
        s.put(Change::Status(TaskStatus {
            id: TaskStatusId::new(),
            project_id: id,
            name: name.to_owned(),
            color: Some(color.to_owned()),
            position,
            category,
            is_default,
            created_at: now,
            updated_at: now,
        }));
    }
    let epic = s.changes_task_types().find(|t| t.is_epic()).map(|t| t.id);
    super::views::seed_project_views(s, epic);
    s.emit(
        EventKind::ProjectCreated,
        None,
        Some(id.0),
        json!({"project_id": id, "name": project.name, "creator_member_id": member_id}),
    );
    Ok(project)
}

pub(super) fn update(s: &mut Stage<'_>, changes: &ProjectChanges) -> Result<Project> {
    access::require(s.state, s.caller, PROJECTS_WRITE)?;
    let mut project = s.state.live_project().cloned().ok_or_else(not_found)?;
    if let Some(name) = changes
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        project.name = required_name(name, NAME_MAX, name_invalid())?;
    }
    if let Some(description) = changes
        .description
        .as_deref()
        .filter(|d| !d.trim().is_empty())
    {
        project.description = bounded(description, DESCRIPTION_MAX, "description")?;
    }
    if let Some(p) = changes
        .task_id_prefix
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let p = p.to_uppercase();
        prefix::validate(&p)?;
        project.task_id_prefix = p;
    }
    if let Some(is_public) = changes.is_public.clone().value() {
        project.is_public = is_public;
    }
    if let Some(settings) = changes.settings.clone().value() {
        project.settings = settings;
    }
    project.updated_at = s.now;
    s.put(Change::Project(project.clone()));
    s.emit(
        EventKind::ProjectUpdated,
        None,
        Some(project.id.0),
        json!({"project_id": project.id}),
    );
    Ok(project)
}

pub(super) fn delete(s: &mut Stage<'_>) -> Result<()> {
    access::require(s.state, s.caller, PROJECTS_DELETE)?;
    let mut project = s.state.live_project().cloned().ok_or_else(not_found)?;
    project.deleted_at = Some(s.now);
    project.updated_at = s.now;
    s.put(Change::Project(project.clone()));
    s.emit(
        EventKind::ProjectDeleted,
        None,
        Some(project.id.0),
        json!({"project_id": project.id}),
    );
    Ok(())
}

fn not_found() -> Error {
    Error::not_found(codes::PROJECT_NOT_FOUND, "project: not found")
}
