//! A project's documents: folders now (docs/design-docs.md; documents, their live content,
//! snapshots, comments and files come next).

use super::access::{self, Caller, DOCS_READ};
use super::query::ProjectQuery;
use super::state::ProjectState;
use crate::error::Result;
use crate::ids::{DocFolderId, MemberId, ProjectId};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A folder of documents; `parent_id` `None` is a root folder.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DocFolder {
    pub id: DocFolderId,
    pub project_id: ProjectId,
    /// Omitted for root folders (Paca's web client relies on it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<DocFolderId>,
    pub name: String,
    pub position: i32,
    /// Stored, not shown (Paca's JSON).
    #[serde(skip)]
    pub created_by: Option<MemberId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The project's folders, by position, then name, then id.
#[derive(Clone, Debug)]
pub struct ListDocFolders;

impl ProjectQuery for ListDocFolders {
    type Reply = Vec<DocFolder>;

    fn answer(&self, state: &ProjectState, caller: &Caller) -> Result<Self::Reply> {
        access::require(state, caller, DOCS_READ)?;
        let mut folders: Vec<DocFolder> = state.doc_folders.values().cloned().collect();
        folders.sort_by(|a, b| (a.position, &a.name, a.id).cmp(&(b.position, &b.name, b.id)));
        Ok(folders)
    }
}
