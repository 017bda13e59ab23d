//! Adding an uploaded file to a document, and removing it. The bytes are already in the blob
//! store (the files service checked them); these commit the rows and the events. Objects are
//! removed by the `files-cleanup` consumer once the removal is committed.

use super::Stage;
use crate::error::Result;
use crate::ids::{DocumentId, FileId};
use crate::project::access::{self, DOCS_WRITE};
use crate::project::batch::Change;
use crate::project::docs::{DocFile, DocFileView, doc_file_not_found, live_document};
use crate::project::events::EventKind;
use crate::project::files::{PendingUpload, UploadOwner};
use serde_json::json;

/// Adds a completed upload to its document.
#[derive(Clone, Debug)]
pub struct AttachDocFile {
    pub upload: PendingUpload,
    /// The project's storage quota in bytes (`None`: unlimited), checked where files are
    /// serialized.
    pub quota: Option<i64>,
}

impl super::ProjectCommand for AttachDocFile {
    type Reply = DocFileView;

    fn stage(&self, s: &mut Stage<'_>) -> Result<DocFileView> {
        attach(s, &self.upload, self.quota)
    }
}

command!(
    /// Removes a document's file (its row now, its object through the cleanup consumer).
    DetachDocFile { document_id: DocumentId, file_id: FileId } -> (),
    |c, s| detach(s, c.document_id, c.file_id)
);

fn attach(s: &mut Stage<'_>, upload: &PendingUpload, quota: Option<i64>) -> Result<DocFileView> {
    access::require(s.state, s.caller, DOCS_WRITE)?;
    let UploadOwner::Document(document_id) = upload.owner else {
        return Err(doc_file_not_found());
    };
    if upload.project_id != s.project_id() {
        return Err(doc_file_not_found());
    }
    live_document(s.state, document_id)?;
    let attached = s.state.doc_files.contains_key(&upload.id);
    super::files::check_room(s, upload, attached, quota)?;
    let file = DocFile {
        id: upload.id,
        project_id: upload.project_id,
        document_id,
        storage_key: upload.storage_key.clone(),
        file_name: upload.file_name.clone(),
        content_type: upload.content_type.clone(),
        file_size: upload.file_size,
        uploaded_by: upload.uploaded_by,
        created_by: s.caller.user_id,
        file_created_at: upload.created_at,
        created_at: s.now,
    };
    s.put(Change::DocFile(file.clone()));
    emit(s, EventKind::DocFileAdded, &file);
    Ok(DocFileView::from(&file))
}

fn detach(s: &mut Stage<'_>, document: DocumentId, id: FileId) -> Result<()> {
    access::require(s.state, s.caller, DOCS_WRITE)?;
    live_document(s.state, document)?;
    let file = s
        .state
        .doc_files
        .get(&id)
        .filter(|f| f.document_id == document)
        .cloned()
        .ok_or_else(doc_file_not_found)?;
    s.put(Change::DocFileDeleted(file.id));
    emit(s, EventKind::DocFileRemoved, &file);
    Ok(())
}

/// The files of a deleted document go with it (no event each: `doc.deleted` covers them, and
/// the cleanup consumer removes the document's objects on it).
pub(super) fn detach_all(s: &mut Stage<'_>, document: DocumentId) {
    let gone: Vec<FileId> = s
        .state
        .doc_files
        .values()
        .filter(|f| f.document_id == document)
        .map(|f| f.id)
        .collect();
    for id in gone {
        s.put(Change::DocFileDeleted(id));
    }
}

/// Subject the document (its room and feed); the ids let the cleanup consumer find the object.
fn emit(s: &mut Stage<'_>, kind: EventKind, file: &DocFile) {
    s.emit(
        kind,
        None,
        Some(file.document_id.0),
        json!({"document_id": file.document_id, "project_id": file.project_id,
               "file_id": file.id, "file_name": file.file_name, "file_size": file.file_size,
               "content_type": file.content_type, "actor_id": s.caller.user_id,
               "created_at": s.now}),
    );
}
