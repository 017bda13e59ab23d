//! Document folders: create, update (rename, move, reorder), delete with their sub-tree.

use super::{Outside, Stage};
use crate::error::{Error, Result, codes};
use crate::ids::{DocFolderId, ProjectId};
use crate::patch::Patch;
use crate::project::access::{self, DOCS_WRITE};
use crate::project::batch::Change;
use crate::project::docs::DocFolder;
use crate::project::events::EventKind;
use serde_json::{Value, json};
use std::collections::HashMap;

/// Longest folder name, in characters.
pub const FOLDER_NAME_MAX: usize = 255;
/// Deepest folder tree.
pub const FOLDER_DEPTH_MAX: usize = 32;
/// Most folders one project holds.
pub const FOLDERS_MAX: usize = 10_000;

#[derive(Clone, Debug)]
pub struct CreateDocFolder {
    pub name: String,
    pub parent_id: Option<DocFolderId>,
    /// The parent exists in another project; found out before staging.
    pub parent_elsewhere: bool,
}

impl super::ProjectCommand for CreateDocFolder {
    type Reply = DocFolder;

    fn stage(&self, s: &mut Stage<'_>) -> Result<DocFolder> {
        create(s, self)
    }

    async fn resolve(&mut self, outside: Outside<'_>) {
        self.parent_elsewhere = elsewhere(&outside, self.parent_id).await;
    }
}

/// Paca's folder PATCH: a blank `name` is ignored; `parent_id` is tri-state.
#[derive(Clone, Debug)]
pub struct UpdateDocFolder {
    pub folder_id: DocFolderId,
    pub name: Option<String>,
    pub parent_id: Patch<DocFolderId>,
    pub position: Option<i32>,
    pub parent_elsewhere: bool,
}

impl super::ProjectCommand for UpdateDocFolder {
    type Reply = DocFolder;

    fn stage(&self, s: &mut Stage<'_>) -> Result<DocFolder> {
        update(s, self)
    }

    async fn resolve(&mut self, outside: Outside<'_>) {
        if let Patch::Value(parent) = self.parent_id {
            self.parent_elsewhere = elsewhere(&outside, Some(parent)).await;
        }
    }
}

command!(
    /// Deletes a folder and every folder under it.
    DeleteDocFolder { folder_id: DocFolderId } -> (),
    |c, s| delete(s, c.folder_id)
);

/// Whether a folder the project does not hold belongs to another project.
pub(super) async fn elsewhere(outside: &Outside<'_>, folder: Option<DocFolderId>) -> bool {
    let Some(folder) = folder else { return false };
    if outside.state.doc_folders.contains_key(&folder) {
        return false;
    }
    matches!(
        outside.store.doc_folder_project(folder).await,
        Ok(Some(project)) if project != outside.project_id
    )
}

fn folder_not_found() -> Error {
    Error::not_found(codes::DOC_FOLDER_NOT_FOUND, "document folder: not found")
}

fn name_invalid(why: &str) -> Error {
    Error::invalid(
        codes::DOC_FOLDER_NAME_INVALID,
        format!("document folder: the name {why}"),
    )
}

/// The trimmed name, or why it cannot be one.
fn clean_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(name_invalid("is blank"));
    }
    if name.chars().count() > FOLDER_NAME_MAX {
        return Err(name_invalid("is longer than 255 characters"));
    }
    if name.chars().any(char::is_control) {
        return Err(name_invalid("contains control characters"));
    }
    Ok(name.to_owned())
}

/// The parent as the project holds it: 404 unknown, 400 in another project.
fn parent(s: &Stage<'_>, id: DocFolderId, elsewhere: bool) -> Result<DocFolder> {
    match s.state.doc_folders.get(&id) {
        Some(f) => Ok(f.clone()),
        None if elsewhere => Err(Error::invalid(
            codes::DOC_FOLDER_NOT_IN_PROJECT,
            "document folder: the parent folder belongs to another project",
        )),
        None => Err(folder_not_found()),
    }
}

/// How many folders are above `id`, itself included.
fn depth(s: &Stage<'_>, mut id: Option<DocFolderId>) -> usize {
    let mut depth = 0;
    while let Some(folder) = id.and_then(|f| s.state.doc_folders.get(&f)) {
        depth += 1;
        if depth > FOLDER_DEPTH_MAX {
            break;
        }
        id = folder.parent_id;
    }
    depth
}

/// Each folder's sub-folders, built once per command (a scan per level would make deep trees
/// of many folders quadratic inside the actor).
fn children(s: &Stage<'_>) -> HashMap<DocFolderId, Vec<DocFolderId>> {
    let mut children: HashMap<DocFolderId, Vec<DocFolderId>> = HashMap::new();
    for f in s.state.doc_folders.values() {
        if let Some(parent) = f.parent_id {
            children.entry(parent).or_default().push(f.id);
        }
    }
    children
}

/// `id` and every folder under it, parents before children.
fn subtree(s: &Stage<'_>, id: DocFolderId) -> Vec<DocFolderId> {
    let children = children(s);
    let mut all = vec![id];
    let mut next = 0;
    while let Some(current) = all.get(next).copied() {
        all.extend(children.get(&current).into_iter().flatten().copied());
        next += 1;
    }
    all
}

/// The deepest chain of folders under `id` (0 when it has none).
fn height(s: &Stage<'_>, id: DocFolderId) -> usize {
    let children = children(s);
    let mut deepest = 0;
    let mut level = vec![id];
    while !level.is_empty() && deepest <= FOLDER_DEPTH_MAX {
        level = level
            .iter()
            .flat_map(|f| children.get(f).into_iter().flatten().copied())
            .collect();
        if !level.is_empty() {
            deepest += 1;
        }
    }
    deepest
}

fn too_deep() -> Error {
    Error::invalid(
        codes::DOC_FOLDER_TOO_DEEP,
        format!("document folder: folders nest at most {FOLDER_DEPTH_MAX} deep"),
    )
}

fn create(s: &mut Stage<'_>, c: &CreateDocFolder) -> Result<DocFolder> {
    access::require(s.state, s.caller, DOCS_WRITE)?;
    if c.name.is_empty() {
        return Err(Error::bad_request("name is required"));
    }
    let name = clean_name(&c.name)?;
    if let Some(p) = c.parent_id {
        parent(s, p, c.parent_elsewhere)?;
        if depth(s, Some(p)) >= FOLDER_DEPTH_MAX {
            return Err(too_deep());
        }
    }
    if s.state.doc_folders.len() >= FOLDERS_MAX {
        return Err(Error::Busy {
            code: codes::PROJECT_BUSY,
            message: format!("document folder: a project holds at most {FOLDERS_MAX} folders"),
            retry_after: std::time::Duration::from_secs(60),
        });
    }
    let folder = DocFolder {
        id: DocFolderId::new(),
        project_id: s.project_id(),
        parent_id: c.parent_id,
        name,
        position: 0,
        created_by: s.caller_member().map(|m| m.id),
        created_at: s.now,
        updated_at: s.now,
    };
    s.put(Change::DocFolder(folder.clone()));
    let content = json!({"name": folder.name, "parent_id": folder.parent_id});
    emit(s, EventKind::DocFolderCreated, &folder, content);
    Ok(folder)
}

fn update(s: &mut Stage<'_>, c: &UpdateDocFolder) -> Result<DocFolder> {
    access::require(s.state, s.caller, DOCS_WRITE)?;
    let old = s
        .state
        .doc_folders
        .get(&c.folder_id)
        .cloned()
        .ok_or_else(folder_not_found)?;
    let mut folder = old.clone();
    // Paca ignores a blank name rather than refusing it.
    if let Some(name) = c.name.as_deref().filter(|n| !n.trim().is_empty()) {
        folder.name = clean_name(name)?;
    }
    match c.parent_id {
        Patch::Absent => {}
        Patch::Null => folder.parent_id = None,
        Patch::Value(p) if p == folder.id => {
            return Err(Error::invalid(
                codes::DOC_FOLDER_SELF_PARENT,
                "document folder: a folder cannot be its own parent",
            ));
        }
        Patch::Value(p) => {
            parent(s, p, c.parent_elsewhere)?;
            let mut above = Some(p);
            while let Some(f) = above.and_then(|a| s.state.doc_folders.get(&a)) {
                if f.id == folder.id {
                    return Err(Error::invalid(
                        codes::DOC_FOLDER_CYCLE,
                        "document folder: a folder cannot move under one of its own folders",
                    ));
                }
                above = f.parent_id;
            }
            if depth(s, Some(p)) + 1 + height(s, folder.id) > FOLDER_DEPTH_MAX {
                return Err(too_deep());
            }
            folder.parent_id = Some(p);
        }
    }
    if let Some(position) = c.position {
        folder.position = position;
    }
    if folder == old {
        return Ok(folder);
    }
    folder.updated_at = s.now;
    s.put(Change::DocFolder(folder.clone()));
    let mut changes = Vec::new();
    let mut change = |field: &str, old: Value, new: Value| {
        if old != new {
            changes.push(json!({"field": field, "old": old, "new": new}));
        }
    };
    change("name", json!(old.name), json!(folder.name));
    change("parent_id", json!(old.parent_id), json!(folder.parent_id));
    change("position", json!(old.position), json!(folder.position));
    emit(
        s,
        EventKind::DocFolderUpdated,
        &folder,
        json!({"changes": changes}),
    );
    Ok(folder)
}

fn delete(s: &mut Stage<'_>, id: DocFolderId) -> Result<()> {
    access::require(s.state, s.caller, DOCS_WRITE)?;
    let folder = s
        .state
        .doc_folders
        .get(&id)
        .cloned()
        .ok_or_else(folder_not_found)?;
    let gone = subtree(s, id);
    for folder in &gone {
        s.put(Change::DocFolderDeleted(*folder));
    }
    let moved = super::documents::unfile(s, &gone);
    let content = json!({"name": folder.name, "folder_ids": gone, "moved_document_ids": moved});
    emit(s, EventKind::DocFolderDeleted, &folder, content);
    Ok(())
}

fn emit(s: &mut Stage<'_>, kind: EventKind, folder: &DocFolder, content: Value) {
    let project: ProjectId = folder.project_id;
    s.emit(
        kind,
        None,
        Some(folder.id.0),
        json!({"folder_id": folder.id, "project_id": project, "activity_type": kind.wire(),
               "content": content, "actor_id": s.caller.user_id,
               "actor_member_id": s.caller_member().map(|m| m.id), "created_at": s.now}),
    );
}
