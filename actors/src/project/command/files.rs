//! Attaching an uploaded file to a task, and detaching it. The bytes are already in the blob
//! store (the files service checked them); these commit the rows and the events. Objects are
//! removed by the `files-cleanup` consumer once the removal is committed.

use super::Stage;
use super::tasks::task_not_found;
use crate::error::{Error, Result, codes};
use crate::ids::{AttachmentId, TaskId};
use crate::project::access::{self, TASKS_WRITE};
use crate::project::batch::Change;
use crate::project::events::EventKind;
use crate::project::files::{
    AttachmentView, PendingUpload, StoredFile, UploadOwner, attachment_not_found,
};
use serde_json::json;

/// Attaches a completed upload to its task.
#[derive(Clone, Debug)]
pub struct AttachFile {
    pub upload: PendingUpload,
    /// The project's storage quota in bytes (`None`: unlimited), checked here, where
    /// attachments are serialized, so concurrent uploads cannot overshoot it together.
    pub quota: Option<i64>,
}

impl super::ProjectCommand for AttachFile {
    type Reply = AttachmentView;

    fn stage(&self, s: &mut Stage<'_>) -> Result<AttachmentView> {
        attach(s, &self.upload, self.quota)
    }
}

command!(
    /// Removes an attachment (its row now, its object through the cleanup consumer).
    DetachFile { task_id: TaskId, attachment_id: AttachmentId } -> (),
    |c, s| detach(s, c.task_id, c.attachment_id)
);

fn attach(s: &mut Stage<'_>, upload: &PendingUpload, quota: Option<i64>) -> Result<AttachmentView> {
    access::require(s.state, s.caller, TASKS_WRITE)?;
    let UploadOwner::Task(task_id) = upload.owner else {
        return Err(Error::not_found(codes::FILE_NOT_FOUND, "file: not found"));
    };
    if upload.project_id != s.project_id() {
        return Err(Error::not_found(codes::FILE_NOT_FOUND, "file: not found"));
    }
    s.state.live_task(task_id).ok_or_else(task_not_found)?;
    check_room(s, upload, s.state.files.contains_key(&upload.id), quota)?;
    let file = StoredFile {
        id: upload.id,
        attachment_id: AttachmentId::new(),
        project_id: upload.project_id,
        task_id,
        storage_key: upload.storage_key.clone(),
        file_name: upload.file_name.clone(),
        content_type: upload.content_type.clone(),
        file_size: upload.file_size,
        uploaded_by: upload.uploaded_by,
        created_by: s.caller.user_id,
        file_created_at: upload.created_at,
        created_at: s.now,
    };
    s.put(Change::File(file.clone()));
    emit(s, EventKind::AttachmentAdded, &file);
    Ok(AttachmentView::from(&file))
}

/// An upload attached once (`attached`: its id is already a file), within the project's
/// quota: checked where the project's files are serialized, so concurrent completions cannot
/// overshoot it together.
pub(super) fn check_room(
    s: &Stage<'_>,
    upload: &PendingUpload,
    attached: bool,
    quota: Option<i64>,
) -> Result<()> {
    if attached {
        return Err(Error::conflict(
            codes::ATTACHMENT_UPLOAD_NOT_PENDING,
            "attachment: the upload is already attached",
        ));
    }
    if let Some(quota) = quota
        && s.state.file_bytes + upload.file_size > quota
    {
        return Err(Error::TooLarge {
            code: codes::PROJECT_STORAGE_QUOTA_EXCEEDED,
            message: format!("attachment: the project's storage quota ({quota} bytes) is full"),
        });
    }
    Ok(())
}

fn detach(s: &mut Stage<'_>, task: TaskId, attachment: AttachmentId) -> Result<()> {
    access::require(s.state, s.caller, TASKS_WRITE)?;
    s.state.live_task(task).ok_or_else(task_not_found)?;
    let file = s
        .state
        .files
        .values()
        .find(|f| f.attachment_id == attachment && f.task_id == task)
        .cloned()
        .ok_or_else(attachment_not_found)?;
    s.put(Change::FileDeleted(file.id));
    emit(s, EventKind::AttachmentRemoved, &file);
    Ok(())
}

/// The activity entry: Paca documents `{file_name, file_size}` as its content; the ids let the
/// cleanup consumer find the object and clients the row.
fn emit(s: &mut Stage<'_>, kind: EventKind, file: &StoredFile) {
    s.emit(
        kind,
        Some(file.task_id),
        Some(file.attachment_id.0),
        json!({"task_id": file.task_id, "project_id": file.project_id,
               "activity_type": kind.wire(),
               "content": {"attachment_id": file.attachment_id, "file_id": file.id,
                           "file_name": file.file_name, "file_size": file.file_size,
                           "content_type": file.content_type},
               "actor_id": s.caller.user_id, "created_at": s.now}),
    );
}

/// The task's attachments go with it (no event each: `task.deleted` covers them, and the
/// cleanup consumer removes the task's objects on it).
pub(super) fn detach_all(s: &mut Stage<'_>, task: TaskId) {
    let gone: Vec<_> = s
        .state
        .files
        .values()
        .filter(|f| f.task_id == task)
        .map(|f| f.id)
        .collect();
    for id in gone {
        s.put(Change::FileDeleted(id));
    }
}
