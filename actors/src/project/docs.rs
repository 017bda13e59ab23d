//! A project's documents as project state: folders and each document's metadata (title,
//! folder, position, authors). A document's content is not here: it lives in the document's
//! own actor (`crate::docs`), which this state knows nothing of (docs/design-docs.md §3).

use super::access::{self, Caller, DOCS_READ, DOCS_WRITE};
use super::query::ProjectQuery;
use super::state::ProjectState;
use crate::error::{Error, Result, codes};
use crate::ids::{DocCommentId, DocFolderId, DocumentId, FileId, MemberId, ProjectId, UserId};
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
        access::require_read(state, caller, DOCS_READ)?;
        let mut folders: Vec<DocFolder> = state.doc_folders.values().cloned().collect();
        folders.sort_by(|a, b| (a.position, &a.name, a.id).cmp(&(b.position, &b.name, b.id)));
        Ok(folders)
    }
}

/// A document's metadata (Paca's document JSON without `content`: its list item).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Document {
    pub id: DocumentId,
    pub project_id: ProjectId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub folder_id: Option<DocFolderId>,
    pub title: String,
    pub position: i32,
    /// Member ids; omitted when the author was not a member (a global administrator).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<MemberId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<MemberId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(skip)]
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A document with its content as BlockNote JSON (`null` for an empty document).
#[derive(Clone, Debug, Serialize)]
pub struct DocumentView {
    #[serde(flatten)]
    pub document: Document,
    pub content: serde_json::Value,
}

pub(crate) fn doc_not_found() -> Error {
    Error::not_found(codes::DOC_NOT_FOUND, "document: not found")
}

/// The live document of this project.
pub(crate) fn live_document(state: &ProjectState, id: DocumentId) -> Result<&Document> {
    state
        .documents
        .get(&id)
        .filter(|d| d.deleted_at.is_none())
        .ok_or_else(doc_not_found)
}

/// The project's live documents, in one folder when asked, by position, then title, then id.
#[derive(Clone, Debug)]
pub struct ListDocuments {
    /// Only this folder's (not its sub-folders'); `None`: every document.
    pub folder_id: Option<DocFolderId>,
}

impl ProjectQuery for ListDocuments {
    type Reply = Vec<Document>;

    fn answer(&self, state: &ProjectState, caller: &Caller) -> Result<Self::Reply> {
        access::require_read(state, caller, DOCS_READ)?;
        let mut docs: Vec<Document> = state
            .documents
            .values()
            .filter(|d| d.deleted_at.is_none())
            .filter(|d| self.folder_id.is_none() || d.folder_id == self.folder_id)
            .cloned()
            .collect();
        docs.sort_by(|a, b| (a.position, &a.title, a.id).cmp(&(b.position, &b.title, b.id)));
        Ok(docs)
    }
}

/// What the docs service needs to act on one document for a caller: the document, and
/// whether the caller may change it (and as which member).
#[derive(Clone, Debug)]
pub struct DocAccess {
    pub document: Document,
    pub can_write: bool,
    /// The caller's member id, when they are a member.
    pub member: Option<MemberId>,
}

/// A document the caller may read (404 `DOC_NOT_FOUND` when it is not this project's live
/// document), or write when `write` is set (403 otherwise).
#[derive(Clone, Debug)]
pub struct AuthorizeDoc {
    pub document_id: DocumentId,
    pub write: bool,
}

impl ProjectQuery for AuthorizeDoc {
    type Reply = DocAccess;

    fn answer(&self, state: &ProjectState, caller: &Caller) -> Result<Self::Reply> {
        if self.write {
            access::require(state, caller, DOCS_WRITE)?;
        } else {
            access::require_read(state, caller, DOCS_READ)?;
        }
        let document = live_document(state, self.document_id)?.clone();
        let can_write =
            self.write || (caller.user_id.is_some() && access::may(state, caller, DOCS_WRITE));
        Ok(DocAccess {
            document,
            can_write,
            member: member_of(state, caller),
        })
    }
}

/// The checks of a document update that come before its content is applied
/// ([`check_update`](crate::project::command::check_update)).
#[derive(Clone, Debug)]
pub struct CheckDocUpdate {
    pub document_id: DocumentId,
    pub title: Option<String>,
    pub folder_id: crate::patch::Patch<DocFolderId>,
}

impl ProjectQuery for CheckDocUpdate {
    type Reply = DocAccess;

    fn answer(&self, state: &ProjectState, caller: &Caller) -> Result<Self::Reply> {
        let document = crate::project::command::check_update(
            state,
            caller,
            self.document_id,
            self.title.as_deref(),
            &self.folder_id,
            false,
        )?;
        Ok(DocAccess {
            document,
            can_write: true,
            member: member_of(state, caller),
        })
    }
}

/// Whether the caller may write documents (checked before converting a new document's content).
#[derive(Clone, Debug)]
pub struct CanWriteDocs;

impl ProjectQuery for CanWriteDocs {
    type Reply = ();

    fn answer(&self, state: &ProjectState, caller: &Caller) -> Result<()> {
        access::require(state, caller, DOCS_WRITE)
    }
}

fn member_of(state: &ProjectState, caller: &Caller) -> Option<MemberId> {
    caller.agent_member.or_else(|| {
        caller
            .user_id
            .and_then(|u| state.member_of(u))
            .map(|m| m.id)
    })
}

/// A comment on a document (Paca's doc activity of type `comment`).
#[derive(Clone, Debug, PartialEq)]
pub struct DocComment {
    pub id: DocCommentId,
    pub project_id: ProjectId,
    pub document_id: DocumentId,
    pub author_id: MemberId,
    /// BlockNote JSON, or `{"text": …}`.
    pub content: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A comment as the activity feed shows it, with its author's names.
pub fn comment_entry(state: &ProjectState, c: &DocComment) -> crate::store::DocActivityEntry {
    let author = state.members.get(&c.author_id);
    let name =
        |f: fn(&super::model::Member) -> &String| author.map(f).filter(|n| !n.is_empty()).cloned();
    crate::store::DocActivityEntry {
        id: c.id.0,
        document_id: c.document_id,
        actor_id: Some(c.author_id),
        actor_name: name(|m| &m.full_name),
        actor_username: name(|m| &m.username),
        activity_type: "comment".to_owned(),
        content: c.content.clone(),
        created_at: c.created_at,
        updated_at: c.updated_at,
    }
}

/// A document's live comments as feed entries, oldest first.
#[derive(Clone, Debug)]
pub struct DocComments {
    pub document_id: DocumentId,
}

impl ProjectQuery for DocComments {
    type Reply = Vec<crate::store::DocActivityEntry>;

    fn answer(&self, state: &ProjectState, caller: &Caller) -> Result<Self::Reply> {
        access::require_read(state, caller, DOCS_READ)?;
        live_document(state, self.document_id)?;
        let mut comments: Vec<&DocComment> = state
            .doc_comments
            .values()
            .filter(|c| c.document_id == self.document_id && c.deleted_at.is_none())
            .collect();
        comments.sort_by_key(|c| (c.created_at, c.id));
        Ok(comments
            .into_iter()
            .map(|c| comment_entry(state, c))
            .collect())
    }
}

/// A file in a document (an image, an attachment block): its row; the bytes are in the blob
/// store under `storage_key`, and the document's content refers to it as
/// `docfile://{project}/{document}/{file}` (Paca's web client's scheme).
#[derive(Clone, Debug, PartialEq)]
pub struct DocFile {
    pub id: FileId,
    pub project_id: ProjectId,
    pub document_id: DocumentId,
    pub storage_key: String,
    pub file_name: String,
    pub content_type: String,
    pub file_size: i64,
    pub uploaded_by: Option<UserId>,
    pub created_by: Option<UserId>,
    /// When the upload started.
    pub file_created_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// A document's file as Paca answers it.
#[derive(Clone, Debug, Serialize)]
pub struct DocFileView {
    pub id: FileId,
    pub file_name: String,
    pub content_type: String,
    pub file_size: i64,
    pub created_at: DateTime<Utc>,
}

impl From<&DocFile> for DocFileView {
    fn from(f: &DocFile) -> Self {
        Self {
            id: f.id,
            file_name: f.file_name.clone(),
            content_type: f.content_type.clone(),
            file_size: f.file_size,
            created_at: f.file_created_at,
        }
    }
}

/// Before a document's upload starts: the caller may write documents and the document is
/// live. Answers the bytes the project's files hold (its quota's measure).
#[derive(Clone, Debug)]
pub struct AuthorizeDocUpload {
    pub document_id: DocumentId,
}

impl ProjectQuery for AuthorizeDocUpload {
    type Reply = i64;

    fn answer(&self, state: &ProjectState, caller: &Caller) -> Result<Self::Reply> {
        access::require(state, caller, DOCS_WRITE)?;
        live_document(state, self.document_id)?;
        Ok(state.file_bytes)
    }
}

/// One file of a live document, for a download URL.
#[derive(Clone, Debug)]
pub struct GetDocFile {
    pub document_id: DocumentId,
    pub file_id: FileId,
}

impl ProjectQuery for GetDocFile {
    type Reply = DocFile;

    fn answer(&self, state: &ProjectState, caller: &Caller) -> Result<Self::Reply> {
        access::require_read(state, caller, DOCS_READ)?;
        live_document(state, self.document_id)?;
        state
            .doc_files
            .get(&self.file_id)
            .filter(|f| f.document_id == self.document_id)
            .cloned()
            .ok_or_else(doc_file_not_found)
    }
}

pub(crate) fn doc_file_not_found() -> Error {
    Error::not_found(codes::FILE_NOT_FOUND, "file: not found in this document")
}
