//! Documents' metadata: create (with its first content), update (title, folder, position, and
//! the record of a content change the document's actor already made), delete.

use super::{Outside, Stage};
use crate::error::{Error, Result, codes};
use crate::ids::{DocFolderId, DocSnapshotId, DocumentId};
use crate::patch::Patch;
use crate::project::access::{self, DOCS_WRITE};
use crate::project::batch::{Change, NewDocState};
use crate::project::docs::{Document, live_document};
use crate::project::events::EventKind;
use crate::project::state::ProjectState;
use serde_json::{Value, json};

/// Longest document title, in characters.
pub const TITLE_MAX: usize = 500;
/// Most documents (deleted ones included) one project holds.
pub const DOCUMENTS_MAX: usize = 100_000;
/// What an untitled document is called (Paca's default).
pub const UNTITLED: &str = "Untitled";

/// Creates a document with its first content, already converted to Yjs by the docs service.
#[derive(Clone, Debug)]
pub struct CreateDocument {
    pub document_id: DocumentId,
    pub title: String,
    pub folder_id: Option<DocFolderId>,
    /// The whole content as one Yjs v1 update.
    pub state: Vec<u8>,
    /// The folder exists in another project; found out before staging.
    pub folder_elsewhere: bool,
}

impl super::ProjectCommand for CreateDocument {
    type Reply = Document;

    fn stage(&self, s: &mut Stage<'_>) -> Result<Document> {
        create(s, self)
    }

    async fn resolve(&mut self, outside: Outside<'_>) {
        self.folder_elsewhere = super::docs::elsewhere(&outside, self.folder_id).await;
    }
}

/// A content change the document's actor made, for the event.
#[derive(Clone, Debug)]
pub struct ContentChange {
    pub old: Value,
    pub new: Value,
}

/// Paca's document PATCH without the content itself: title, folder (tri-state), position,
/// and the content change already applied, recorded as one `doc.updated`.
#[derive(Clone, Debug)]
pub struct UpdateDocument {
    pub document_id: DocumentId,
    pub title: Option<String>,
    pub folder_id: Patch<DocFolderId>,
    pub position: Option<i32>,
    pub content: Option<ContentChange>,
    /// The snapshot a restore brought back.
    pub restored_from: Option<DocSnapshotId>,
    pub folder_elsewhere: bool,
}

impl super::ProjectCommand for UpdateDocument {
    type Reply = Document;

    fn stage(&self, s: &mut Stage<'_>) -> Result<Document> {
        update(s, self)
    }

    async fn resolve(&mut self, outside: Outside<'_>) {
        if let Patch::Value(folder) = self.folder_id {
            self.folder_elsewhere = super::docs::elsewhere(&outside, Some(folder)).await;
        }
    }
}

command!(
    /// Records a window of live editing the document's actor opened: the document's edit time
    /// and author, and one `doc.updated` with the content before the window and after its
    /// first edit. Staged like any edit: the editor who opened it must still be allowed to write.
    RecordLiveEdit { document_id: DocumentId, old: Value, new: Value } -> (),
    |c, s| record_live(s, c)
);

command!(
    /// Deletes a document (soft: its row and content stay, it is gone from every read).
    DeleteDocument { document_id: DocumentId } -> Document,
    |c, s| delete(s, c.document_id)
);

/// The title as stored: trimmed; `None` when blank.
pub fn clean_title(title: &str) -> Result<Option<String>> {
    let title = title.trim();
    if title.is_empty() {
        return Ok(None);
    }
    if title.chars().count() > TITLE_MAX {
        return Err(Error::invalid(
            codes::DOC_TITLE_INVALID,
            format!("document: the title is longer than {TITLE_MAX} characters"),
        ));
    }
    if title.chars().any(char::is_control) {
        return Err(Error::invalid(
            codes::DOC_TITLE_INVALID,
            "document: the title contains control characters",
        ));
    }
    Ok(Some(title.to_owned()))
}

/// A folder the document may go in: 404 unknown, 400 in another project.
pub fn check_folder(state: &ProjectState, folder: DocFolderId, elsewhere: bool) -> Result<()> {
    if state.doc_folders.contains_key(&folder) {
        return Ok(());
    }
    Err(if elsewhere {
        Error::invalid(
            codes::DOC_FOLDER_NOT_IN_PROJECT,
            "document: the folder belongs to another project",
        )
    } else {
        Error::not_found(codes::DOC_FOLDER_NOT_FOUND, "document folder: not found")
    })
}

/// The checks of an update that come before its content is applied: permission, the live
/// document, the title and the folder. The command runs them again when it stages.
pub fn check_update(
    state: &ProjectState,
    caller: &access::Caller,
    document: DocumentId,
    title: Option<&str>,
    folder: &Patch<DocFolderId>,
    folder_elsewhere: bool,
) -> Result<Document> {
    access::require(state, caller, DOCS_WRITE)?;
    let doc = live_document(state, document)?.clone();
    if let Some(title) = title
        && clean_title(title)?.is_none()
    {
        return Err(Error::invalid(
            codes::DOC_TITLE_INVALID,
            "document: the title cannot be blank",
        ));
    }
    if let Patch::Value(folder) = folder {
        check_folder(state, *folder, folder_elsewhere)?;
    }
    Ok(doc)
}

fn create(s: &mut Stage<'_>, c: &CreateDocument) -> Result<Document> {
    access::require(s.state, s.caller, DOCS_WRITE)?;
    let title = clean_title(&c.title)?.unwrap_or_else(|| UNTITLED.to_owned());
    if let Some(folder) = c.folder_id {
        check_folder(s.state, folder, c.folder_elsewhere)?;
    }
    if s.state.documents.len() >= DOCUMENTS_MAX {
        return Err(Error::Busy {
            code: codes::PROJECT_BUSY,
            message: format!("document: a project holds at most {DOCUMENTS_MAX} documents"),
            retry_after: std::time::Duration::from_secs(60),
        });
    }
    let member = s.caller_member().map(|m| m.id);
    let doc = Document {
        id: c.document_id,
        project_id: s.project_id(),
        folder_id: c.folder_id,
        title,
        position: 0,
        created_by: member,
        updated_by: member,
        created_at: s.now,
        updated_at: s.now,
        deleted_at: None,
    };
    s.put(Change::Document(doc.clone()));
    s.put(Change::DocState(NewDocState {
        document_id: doc.id,
        project_id: doc.project_id,
        state: c.state.clone(),
        at: s.now,
    }));
    emit(s, EventKind::DocCreated, &doc, json!({"title": doc.title}));
    Ok(doc)
}

fn update(s: &mut Stage<'_>, c: &UpdateDocument) -> Result<Document> {
    let old = check_update(
        s.state,
        s.caller,
        c.document_id,
        c.title.as_deref(),
        &c.folder_id,
        c.folder_elsewhere,
    )?;
    let mut doc = old.clone();
    if let Some(title) = c.title.as_deref().map(clean_title).transpose()?.flatten() {
        doc.title = title;
    }
    match &c.folder_id {
        Patch::Absent => {}
        Patch::Null => doc.folder_id = None,
        Patch::Value(folder) => doc.folder_id = Some(*folder),
    }
    if let Some(position) = c.position {
        doc.position = position;
    }
    let content_changed = c.content.as_ref().is_some_and(|ch| ch.old != ch.new);
    if doc == old && !content_changed {
        return Ok(doc);
    }
    doc.updated_at = s.now;
    doc.updated_by = s.caller_member().map(|m| m.id);
    s.put(Change::Document(doc.clone()));
    let mut changes = Vec::new();
    if old.title != doc.title {
        changes.push(json!({"field": "title", "old": old.title, "new": doc.title}));
    }
    if let Some(ch) = c.content.as_ref().filter(|_| content_changed) {
        changes.push(json!({"field": "content", "old": bounded(&ch.old), "new": bounded(&ch.new)}));
    }
    if old.position != doc.position {
        changes.push(json!({"field": "position", "old": old.position, "new": doc.position}));
    }
    if !changes.is_empty() {
        let mut content = json!({ "changes": changes });
        if let Some(snapshot) = c.restored_from {
            content["restored_from"] = json!(snapshot);
        }
        emit(s, EventKind::DocUpdated, &doc, content);
    }
    if old.folder_id != doc.folder_id {
        let change = json!({"field": "folder_id", "old": old.folder_id, "new": doc.folder_id});
        emit(s, EventKind::DocMoved, &doc, json!({ "changes": [change] }));
    }
    Ok(doc)
}

fn record_live(s: &mut Stage<'_>, c: &RecordLiveEdit) -> Result<()> {
    access::require(s.state, s.caller, DOCS_WRITE)?;
    let mut doc = live_document(s.state, c.document_id)?.clone();
    doc.updated_at = s.now;
    doc.updated_by = s.caller_member().map(|m| m.id);
    s.put(Change::Document(doc.clone()));
    let change = json!({"field": "content", "old": bounded(&c.old), "new": bounded(&c.new)});
    emit(
        s,
        EventKind::DocUpdated,
        &doc,
        json!({"changes": [change], "live": true}),
    );
    Ok(())
}

fn delete(s: &mut Stage<'_>, id: DocumentId) -> Result<Document> {
    access::require(s.state, s.caller, DOCS_WRITE)?;
    let mut doc = live_document(s.state, id)?.clone();
    doc.deleted_at = Some(s.now);
    doc.updated_at = s.now;
    s.put(Change::Document(doc.clone()));
    super::doc_files::detach_all(s, id);
    emit(s, EventKind::DocDeleted, &doc, json!({}));
    Ok(doc)
}

/// Largest content an event carries whole (the log keeps every event).
pub const EVENT_CONTENT_MAX_BYTES: usize = 256 * 1024;

/// The content as an event carries it: whole, or, when larger than
/// [`EVENT_CONTENT_MAX_BYTES`], a note of its size (the snapshots keep the versions).
fn bounded(content: &Value) -> Value {
    let bytes = content.to_string().len();
    if bytes <= EVENT_CONTENT_MAX_BYTES {
        return content.clone();
    }
    json!({"omitted": "larger than an event carries; see the document's snapshots", "bytes": bytes})
}

/// Moves the documents of deleted folders to the root (Paca's `ON DELETE SET NULL`); their ids.
pub(super) fn unfile(s: &mut Stage<'_>, folders: &[DocFolderId]) -> Vec<DocumentId> {
    let gone: std::collections::HashSet<DocFolderId> = folders.iter().copied().collect();
    let moved: Vec<Document> = s
        .state
        .documents
        .values()
        .filter(|d| d.folder_id.is_some_and(|f| gone.contains(&f)))
        .cloned()
        .collect();
    let mut ids = Vec::with_capacity(moved.len());
    for mut doc in moved {
        doc.folder_id = None;
        ids.push(doc.id);
        s.put(Change::Document(doc));
    }
    ids
}

/// A document event: subject the document, so its activity feed finds it.
fn emit(s: &mut Stage<'_>, kind: EventKind, doc: &Document, content: Value) {
    s.emit(
        kind,
        None,
        Some(doc.id.0),
        json!({"document_id": doc.id, "project_id": doc.project_id,
               "activity_type": kind.wire(), "content": content,
               "actor_id": s.caller.user_id, "actor_member_id": s.caller_member().map(|m| m.id),
               "created_at": s.now, "updated_at": s.now}),
    );
}
