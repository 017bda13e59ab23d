//! Task attachments: Paca's presigned upload flow on a [`BlobStore`].
//!
//! `initiate` checks the caller and the limits, records a pending upload (`file_uploads`) and
//! signs the URLs the client PUTs the bytes to; `complete` checks the bytes are there with the
//! declared size and attaches the file through the project's actor (row and event in one
//! commit); downloads are signed GET URLs. Removed files' objects are deleted by the
//! [`FileCleanup`] consumer once the removal is committed, and uploads never completed are
//! swept when they expire.

use crate::blob::{BlobError, BlobStore, CompletedPart, Serve};
use crate::error::{Error, Result, codes};
use crate::ids::{AttachmentId, DocumentId, FileId, ProjectId, TaskId};
use crate::project::access::Caller;
use crate::project::batch::Event;
use crate::project::command::{AttachDocFile, AttachFile, DetachDocFile, DetachFile};
use crate::project::docs::{AuthorizeDocUpload, DocFileView, GetDocFile};
use crate::project::events::EventKind;
use crate::project::files::{
    AttachmentView, AuthorizeUpload, GetAttachment, ListAttachments, PendingUpload, UploadOwner,
};
use crate::project::registry::Projects;
use crate::store::{Store, UploadLimit, UploadRoom};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;

/// Paca's part size: its web client slices files in 5 MiB parts whatever the server says.
pub const PART_BYTES: u64 = 5 * 1024 * 1024;
/// S3's limit on parts, and so on a file's size (× [`PART_BYTES`]).
pub const MAX_PARTS: u64 = 10_000;
/// Uploads in progress one project may have (those whose URLs still work).
pub const MAX_PENDING: i64 = 1_000;
/// Uploads in progress one user may have in a project, so no one member can use up the rest.
pub const MAX_PENDING_PER_USER: i64 = 100;
/// How long a completion holds its upload (other completions of it are refused meanwhile, and
/// the sweeper leaves it alone).
const CLAIM: Duration = Duration::from_secs(10 * 60);
/// Uploads are swept this long after they expire, so a completion that checked the expiry just
/// in time is never swept under it.
const SWEEP_GRACE: Duration = Duration::from_secs(5 * 60);
/// Longest file name, in characters.
pub const NAME_MAX: usize = 255;
/// Longest content type, in bytes.
pub const TYPE_MAX: usize = 255;

/// The limits an operator sets (README, "Files").
#[derive(Clone, Debug)]
pub struct FileLimits {
    /// Largest file.
    pub max_bytes: u64,
    /// Content types accepted (`type/subtype` or `type/*`); empty: any.
    pub allowed_types: Vec<String>,
    /// Bytes of attached files per project; `None`: unlimited.
    pub project_quota: Option<u64>,
    pub upload_url_ttl: Duration,
    pub download_url_ttl: Duration,
    /// An upload not completed by then is removed.
    pub pending_ttl: Duration,
}

impl Default for FileLimits {
    fn default() -> Self {
        Self {
            max_bytes: 100 * 1024 * 1024,
            allowed_types: Vec::new(),
            project_quota: None,
            upload_url_ttl: Duration::from_secs(3600),
            download_url_ttl: Duration::from_secs(15 * 60),
            pending_ttl: Duration::from_secs(24 * 3600),
        }
    }
}

/// What a client asks to upload (Paca's `initiate-upload` body).
#[derive(Clone, Debug)]
pub struct NewUpload {
    pub file_name: String,
    pub content_type: String,
    pub file_size: i64,
}

/// Where to PUT the bytes (Paca's `initiate-upload` answer).
#[derive(Clone, Debug, Serialize)]
pub struct UploadSession {
    pub file_id: FileId,
    pub is_multipart: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upload_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multipart: Option<MultipartSession>,
}

#[derive(Clone, Debug, Serialize)]
pub struct MultipartSession {
    pub upload_id: String,
    pub parts: Vec<PartUrl>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PartUrl {
    pub part_number: u32,
    pub upload_url: String,
}

/// What a client reports when its bytes are up (Paca's `complete-upload` body).
#[derive(Clone, Debug)]
pub struct Completion {
    pub file_id: FileId,
    pub upload_id: Option<String>,
    pub parts: Option<Vec<CompletedPart>>,
}

#[derive(Clone)]
pub struct Files {
    projects: Projects,
    store: Arc<dyn Store>,
    blobs: Arc<dyn BlobStore>,
    limits: FileLimits,
}

impl Files {
    pub fn new(
        projects: Projects,
        store: Arc<dyn Store>,
        blobs: Arc<dyn BlobStore>,
        limits: FileLimits,
    ) -> Self {
        Self {
            projects,
            store,
            blobs,
            limits,
        }
    }

    pub fn blobs(&self) -> &Arc<dyn BlobStore> {
        &self.blobs
    }

    /// Starts an upload for a task or a document: the pending row, then the URLs to PUT the
    /// bytes to.
    pub async fn initiate(
        &self,
        caller: &Caller,
        project: ProjectId,
        owner: UploadOwner,
        new: NewUpload,
    ) -> Result<UploadSession> {
        let (file_name, content_type) = validate(&new)?;
        let committed = self.authorize(caller, project, owner).await?;
        let size = u64::try_from(new.file_size).unwrap_or(0);
        let max = self.limits.max_bytes.min(PART_BYTES * MAX_PARTS);
        if size > max {
            return Err(Error::TooLarge {
                code: codes::ATTACHMENT_TOO_LARGE,
                message: format!("attachment: the file is larger than {max} bytes"),
            });
        }
        if !type_allowed(&self.limits.allowed_types, &content_type) {
            return Err(Error::UnsupportedType {
                code: codes::ATTACHMENT_TYPE_NOT_ALLOWED,
                message: format!("attachment: files of type {content_type} are not accepted"),
            });
        }
        if let Some(quota) = self.limits.project_quota
            && u64::try_from(committed).unwrap_or(0) + size > quota
        {
            return Err(quota_exceeded(quota));
        }
        let now = crate::clock::now();
        let id = FileId::new();
        let key = match owner {
            UploadOwner::Task(task) => crate::project::files::storage_key(project, task, id),
            UploadOwner::Document(doc) => crate::project::files::doc_storage_key(project, doc, id),
        };
        let multipart = size >= PART_BYTES;
        let upload_id = if multipart {
            Some(self.blobs.create_multipart(&key, &content_type).await?)
        } else {
            None
        };
        let upload = PendingUpload {
            id,
            project_id: project,
            owner,
            storage_key: key.clone(),
            file_name,
            content_type,
            file_size: new.file_size,
            multipart_upload_id: upload_id.clone(),
            uploaded_by: caller.user_id,
            created_at: now,
            expires_at: now + self.limits.pending_ttl,
            claimed_until: None,
        };
        // An upload whose URLs expired cannot receive bytes: it no longer holds a place.
        let room = UploadRoom {
            max_count: MAX_PENDING,
            max_per_user: MAX_PENDING_PER_USER,
            max_bytes: self.limits.project_quota.map(|q| {
                i64::try_from(q)
                    .unwrap_or(i64::MAX)
                    .saturating_sub(committed)
            }),
        };
        let since = now - self.limits.upload_url_ttl;
        let refused = self
            .store
            .insert_upload_if_room(&upload, since, &room)
            .await?;
        let busy = |message: String| Error::Busy {
            code: codes::PROJECT_BUSY,
            message,
            retry_after: Duration::from_secs(60),
        };
        if refused.is_some()
            && let Some(upload_id) = &upload.multipart_upload_id
            && let Err(e) = self.blobs.abort_multipart(&key, upload_id).await
        {
            tracing::warn!(file = %id, %e, "aborting a refused multipart upload failed");
        }
        match refused {
            None => {}
            Some(UploadLimit::PerUser) => {
                return Err(busy(format!(
                    "attachment: you have {MAX_PENDING_PER_USER} uploads in progress in this project; complete some first"
                )));
            }
            Some(UploadLimit::Count) => {
                return Err(busy(format!(
                    "attachment: the project has {MAX_PENDING} uploads in progress; complete or wait for some"
                )));
            }
            Some(UploadLimit::Bytes) => {
                return Err(quota_exceeded(self.limits.project_quota.unwrap_or(0)));
            }
        }
        let ttl = self.limits.upload_url_ttl;
        let session = match upload_id {
            None => UploadSession {
                file_id: id,
                is_multipart: false,
                upload_url: Some(self.blobs.presign_put(&key, size, ttl).await?),
                multipart: None,
            },
            Some(upload_id) => {
                let count = size.div_ceil(PART_BYTES);
                let mut parts = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
                for n in 1..=count {
                    let length = PART_BYTES.min(size - (n - 1) * PART_BYTES);
                    let part = u32::try_from(n).unwrap_or(u32::MAX);
                    let upload_url = self
                        .blobs
                        .presign_part(&key, &upload_id, part, length, ttl)
                        .await?;
                    parts.push(PartUrl {
                        part_number: part,
                        upload_url,
                    });
                }
                UploadSession {
                    file_id: id,
                    is_multipart: true,
                    upload_url: None,
                    multipart: Some(MultipartSession { upload_id, parts }),
                }
            }
        };
        Ok(session)
    }

    /// The caller may add files to the task or document (live); the bytes the project's
    /// files hold.
    async fn authorize(
        &self,
        caller: &Caller,
        project: ProjectId,
        owner: UploadOwner,
    ) -> Result<i64> {
        match owner {
            UploadOwner::Task(task_id) => {
                self.projects
                    .read(project, caller.clone(), AuthorizeUpload { task_id })
                    .await
            }
            UploadOwner::Document(document_id) => {
                self.projects
                    .read(project, caller.clone(), AuthorizeDocUpload { document_id })
                    .await
            }
        }
    }

    /// Attaches an uploaded file to its task once its bytes are in the store.
    pub async fn complete(
        &self,
        caller: &Caller,
        project: ProjectId,
        task: TaskId,
        done: Completion,
    ) -> Result<AttachmentView> {
        self.complete_for(
            caller,
            project,
            UploadOwner::Task(task),
            done,
            async |upload, quota| {
                self.projects
                    .command(project, caller.clone(), AttachFile { upload, quota })
                    .await
            },
        )
        .await
    }

    /// Adds an uploaded file to its document once its bytes are in the store.
    pub async fn complete_doc(
        &self,
        caller: &Caller,
        project: ProjectId,
        document: DocumentId,
        done: Completion,
    ) -> Result<DocFileView> {
        let owner = UploadOwner::Document(document);
        self.complete_for(caller, project, owner, done, async |upload, quota| {
            self.projects
                .command(project, caller.clone(), AttachDocFile { upload, quota })
                .await
        })
        .await
    }

    /// Checks an upload for `owner` and its bytes, then runs `attach` (the project's commit)
    /// while holding the upload, so no other completion runs at once.
    async fn complete_for<R>(
        &self,
        caller: &Caller,
        project: ProjectId,
        owner: UploadOwner,
        done: Completion,
        attach: impl AsyncFnOnce(PendingUpload, Option<i64>) -> Result<R>,
    ) -> Result<R> {
        // The caller may write the task or document before anything about the upload is told.
        self.authorize(caller, project, owner).await?;
        let upload = match self.store.upload(done.file_id).await? {
            Some(u) if u.project_id == project && u.owner == owner => u,
            Some(_) => return Err(file_not_found()),
            None => {
                return Err(
                    match self.store.attached_file_project(done.file_id).await? {
                        Some(p) if p == project => Error::conflict(
                            codes::ATTACHMENT_UPLOAD_NOT_PENDING,
                            "attachment: the upload is already attached",
                        ),
                        _ => file_not_found(),
                    },
                );
            }
        };
        let now = crate::clock::now();
        if upload.expires_at <= now {
            return Err(Error::conflict(
                codes::ATTACHMENT_UPLOAD_EXPIRED,
                "attachment: the upload expired; start it again",
            ));
        }
        // One completion at a time, on every node: two would assemble the same object.
        if !self.store.claim_upload(upload.id, now, now + CLAIM).await? {
            return Err(Error::conflict(
                codes::ATTACHMENT_UPLOAD_NOT_PENDING,
                "attachment: the upload is being completed by another request",
            ));
        }
        let id = upload.id;
        let attached = match self.check_bytes(&upload, done).await {
            Ok(()) => {
                let quota = self
                    .limits
                    .project_quota
                    .map(|q| i64::try_from(q).unwrap_or(i64::MAX));
                attach(upload, quota).await
            }
            Err(err) => Err(err),
        };
        if attached.is_err() {
            // The client may fix its request and try again (a committed attachment has no row
            // left to release).
            if let Err(e) = self.store.release_upload(id).await {
                tracing::warn!(file = %id, %e, "releasing an upload's claim failed");
            }
        }
        attached
    }

    /// Whether the upload's bytes are all in the store, with the size announced (a multipart
    /// upload is assembled here).
    async fn check_bytes(&self, upload: &PendingUpload, done: Completion) -> Result<()> {
        // Bytes that began arriving before the claim would land after the checks below.
        if self
            .blobs
            .receiving(&upload.storage_key, upload.multipart_upload_id.as_deref())
        {
            return Err(Error::conflict(
                codes::ATTACHMENT_UPLOAD_INCOMPLETE,
                "attachment: bytes of this file are still arriving; complete it when they are up",
            ));
        }
        if let Some(upload_id) = &upload.multipart_upload_id {
            let Some(given) = &done.upload_id else {
                return Err(Error::invalid(
                    codes::ATTACHMENT_MULTIPART_UPLOAD_ID_REQUIRED,
                    "attachment: upload_id is required for a multipart upload",
                ));
            };
            if given != upload_id {
                return Err(Error::invalid(
                    codes::ATTACHMENT_UPLOAD_ID_MISMATCH,
                    "attachment: upload_id does not match the upload",
                ));
            }
            let parts = done.parts.as_deref().unwrap_or_default();
            if parts.is_empty() {
                return Err(Error::invalid(
                    codes::ATTACHMENT_MULTIPART_PARTS_EMPTY,
                    "attachment: parts are required for a multipart upload",
                ));
            }
            // Every part, or nothing is touched: a short list would assemble a short object
            // and use up the parts the client still has to send.
            let expected = u64::try_from(upload.file_size)
                .unwrap_or(0)
                .div_ceil(PART_BYTES);
            if parts.len() as u64 != expected {
                return Err(Error::conflict(
                    codes::ATTACHMENT_UPLOAD_INCOMPLETE,
                    format!(
                        "attachment: the file has {expected} parts; {} were reported",
                        parts.len()
                    ),
                ));
            }
            // Already assembled by an earlier try whose attach failed: the object is there.
            if self.blobs.size(&upload.storage_key).await?.is_none() {
                self.blobs
                    .complete_multipart(&upload.storage_key, upload_id, parts)
                    .await
                    .map_err(|e| match e {
                        BlobError::NotFound => Error::conflict(
                            codes::ATTACHMENT_UPLOAD_INCOMPLETE,
                            "attachment: a part has not been uploaded",
                        ),
                        other => other.into(),
                    })?;
            }
        } else if done.upload_id.is_some() {
            return Err(Error::invalid(
                codes::ATTACHMENT_NOT_MULTIPART_UPLOAD,
                "attachment: this upload is not a multipart upload",
            ));
        }
        match self.blobs.size(&upload.storage_key).await? {
            None => {
                return Err(Error::conflict(
                    codes::ATTACHMENT_UPLOAD_INCOMPLETE,
                    "attachment: the file's bytes have not been uploaded",
                ));
            }
            Some(size) if i64::try_from(size).ok() != Some(upload.file_size) => {
                self.blobs.delete(&upload.storage_key).await?;
                return Err(Error::conflict(
                    codes::ATTACHMENT_UPLOAD_INCOMPLETE,
                    format!(
                        "attachment: {size} bytes were uploaded, not the {} announced; upload them again",
                        upload.file_size
                    ),
                ));
            }
            Some(_) => {}
        }
        Ok(())
    }

    /// A task's attachments.
    pub async fn list(
        &self,
        caller: &Caller,
        project: ProjectId,
        task: TaskId,
    ) -> Result<Vec<AttachmentView>> {
        self.projects
            .read(project, caller.clone(), ListAttachments { task_id: task })
            .await
    }

    /// A short-lived URL that reads the file: saved with `download`, else shown inline when
    /// its type is safe to show (never HTML, SVG or script: see `inline_safe`).
    pub async fn download_url(
        &self,
        caller: &Caller,
        project: ProjectId,
        task: TaskId,
        attachment: AttachmentId,
        download: bool,
    ) -> Result<String> {
        let file = self
            .projects
            .read(
                project,
                caller.clone(),
                GetAttachment {
                    task_id: task,
                    attachment_id: attachment,
                },
            )
            .await?;
        self.signed_download(
            &file.storage_key,
            &file.file_name,
            &file.content_type,
            download,
        )
        .await
    }

    /// A short-lived URL that reads a document's file (inline only for safe types, as for
    /// attachments).
    pub async fn doc_download_url(
        &self,
        caller: &Caller,
        project: ProjectId,
        document: DocumentId,
        file: FileId,
        download: bool,
    ) -> Result<String> {
        let file = self
            .projects
            .read(
                project,
                caller.clone(),
                GetDocFile {
                    document_id: document,
                    file_id: file,
                },
            )
            .await?;
        self.signed_download(
            &file.storage_key,
            &file.file_name,
            &file.content_type,
            download,
        )
        .await
    }

    /// Removes a document's file; the cleanup consumer deletes its object.
    pub async fn delete_doc_file(
        &self,
        caller: &Caller,
        project: ProjectId,
        document: DocumentId,
        file: FileId,
    ) -> Result<()> {
        self.projects
            .command(
                project,
                caller.clone(),
                DetachDocFile {
                    document_id: document,
                    file_id: file,
                },
            )
            .await
    }

    /// A short-lived URL that reads an object: saved with `download`, else shown inline when
    /// its type is safe to show (never HTML, SVG or script: see `inline_safe`).
    async fn signed_download(
        &self,
        key: &str,
        file_name: &str,
        content_type: &str,
        download: bool,
    ) -> Result<String> {
        let serve = Serve {
            attachment: download || !inline_safe(content_type),
            file_name: file_name.to_owned(),
            content_type: content_type.to_owned(),
        };
        Ok(self
            .blobs
            .presign_get(key, &serve, self.limits.download_url_ttl)
            .await?)
    }

    /// Removes an attachment; the cleanup consumer deletes its object.
    pub async fn delete(
        &self,
        caller: &Caller,
        project: ProjectId,
        task: TaskId,
        attachment: AttachmentId,
    ) -> Result<()> {
        self.projects
            .command(
                project,
                caller.clone(),
                DetachFile {
                    task_id: task,
                    attachment_id: attachment,
                },
            )
            .await
    }

    /// Whether bytes may still be written to `key`: an upload in progress that is not being
    /// completed. A URL outlives its upload (it stays valid for its whole lifetime), so the
    /// store's `/storage` PUT asks this after checking the signature: bytes of a completed,
    /// deleted or swept file can never be replaced or brought back.
    pub async fn accepts_bytes(&self, key: &str) -> Result<()> {
        let not_pending = || {
            Error::conflict(
                codes::ATTACHMENT_UPLOAD_NOT_PENDING,
                "attachment: this upload is finished; start a new one",
            )
        };
        let id = key
            .rsplit('/')
            .next()
            .and_then(|last| last.parse().ok())
            .map(FileId)
            .ok_or_else(not_pending)?;
        let now = crate::clock::now();
        match self.store.upload(id).await? {
            Some(u)
                if u.storage_key == key
                    && u.expires_at > now
                    && u.claimed_until.is_none_or(|until| until < now) =>
            {
                Ok(())
            }
            _ => Err(not_pending()),
        }
    }

    /// Removes uploads that expired a grace period before `now` (at most `limit`): their
    /// parts, any object and the row. One that fails is logged and left for the next sweep.
    /// How many were removed.
    pub async fn sweep(&self, now: DateTime<Utc>, limit: u32) -> Result<usize> {
        let expired = self.store.expired_uploads(now - SWEEP_GRACE, limit).await?;
        let mut removed = 0;
        for upload in expired {
            match self.remove_upload(&upload).await {
                Ok(()) => removed += 1,
                Err(e) => {
                    tracing::warn!(file = %upload.id, %e, "removing an expired upload failed");
                }
            }
        }
        Ok(removed)
    }

    async fn remove_upload(&self, upload: &PendingUpload) -> Result<()> {
        // Attached after all (its row outlived the commit that should have removed it): the
        // object is the attachment's.
        if self.store.attached_file_project(upload.id).await?.is_none() {
            if let Some(upload_id) = &upload.multipart_upload_id {
                self.blobs
                    .abort_multipart(&upload.storage_key, upload_id)
                    .await?;
            }
            self.blobs.delete(&upload.storage_key).await?;
        }
        self.store.delete_upload(upload.id).await?;
        Ok(())
    }
}

fn file_not_found() -> Error {
    Error::not_found(codes::FILE_NOT_FOUND, "file: not found")
}

fn quota_exceeded(quota: u64) -> Error {
    Error::TooLarge {
        code: codes::PROJECT_STORAGE_QUOTA_EXCEEDED,
        message: format!("attachment: the project's storage quota ({quota} bytes) is full"),
    }
}

/// Paca's checks, then Corral's: the trimmed name and type.
fn validate(new: &NewUpload) -> Result<(String, String)> {
    if new.file_name.is_empty() || new.content_type.is_empty() {
        return Err(Error::bad_request(
            "file_name and content_type are required",
        ));
    }
    if new.file_size <= 0 {
        return Err(Error::bad_request("file_size must be greater than 0"));
    }
    let invalid = |m: &str| Error::invalid(codes::ATTACHMENT_INVALID, format!("attachment: {m}"));
    let name = new.file_name.trim();
    if name.is_empty() {
        return Err(invalid("file_name is blank"));
    }
    if name.chars().count() > NAME_MAX {
        return Err(invalid("file_name is longer than 255 characters"));
    }
    if name.chars().any(|c| c.is_control() || invisible(c)) {
        return Err(invalid(
            "file_name contains control or invisible formatting characters",
        ));
    }
    let content_type = new.content_type.trim().to_ascii_lowercase();
    if content_type.is_empty() {
        return Err(invalid("content_type is blank"));
    }
    if content_type.len() > TYPE_MAX || !media_type(&content_type) {
        return Err(invalid("content_type is not a media type (type/subtype)"));
    }
    // Only the type itself is kept: parameters are how a browser is talked into another type
    // (`application/pdf;,text/html` renders as HTML), and nothing here needs them.
    Ok((name.to_owned(), essence(&content_type).to_owned()))
}

/// Characters that change how a name reads without showing: bidirectional overrides and
/// isolates, zero-width characters (`invoice\u{202e}gpj.exe` displays as `invoiceexe.jpg`).
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00ad}' | '\u{061c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
}

/// `type/subtype[; params]` with RFC 6838 token characters.
fn media_type(value: &str) -> bool {
    let params_ok = value
        .split(';')
        .skip(1)
        .all(|p| !p.trim().is_empty() && p.bytes().all(|b| (0x20..0x7f).contains(&b)));
    bare_media_type(essence(value)) && params_ok
}

/// `type/subtype` and nothing else, in RFC 6838 token characters: the only form Corral stores
/// (and so the only one the blob store's downloads serve as given).
pub fn bare_media_type(value: &str) -> bool {
    let token = |t: &str| {
        !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    matches!(value.split_once('/'), Some((t, s)) if token(t) && token(s))
}

/// The type's essence (no parameters).
fn essence(content_type: &str) -> &str {
    content_type.split(';').next().unwrap_or_default().trim()
}

fn type_allowed(allowed: &[String], content_type: &str) -> bool {
    let essence = essence(content_type);
    allowed.is_empty()
        || allowed.iter().any(|a| match a.strip_suffix("/*") {
            Some(family) => essence
                .split_once('/')
                .is_some_and(|(t, _)| t.eq_ignore_ascii_case(family)),
            None => a.eq_ignore_ascii_case(essence),
        })
}

/// Types a browser may show inline from Corral's origin: they cannot run script. Everything
/// else (HTML, SVG, XML, JavaScript, unknown) is served as a download.
pub fn inline_safe(content_type: &str) -> bool {
    let essence = essence(content_type);
    matches!(
        essence,
        "image/png"
            | "image/jpeg"
            | "image/gif"
            | "image/webp"
            | "image/avif"
            | "application/pdf"
            | "text/plain"
    ) || essence.starts_with("audio/")
        || essence.starts_with("video/")
}

/// Deletes the objects of removed attachments and document files, deleted tasks, documents
/// and projects, once the removal is committed.
pub struct FileCleanup {
    blobs: Arc<dyn BlobStore>,
}

impl FileCleanup {
    pub fn new(blobs: Arc<dyn BlobStore>) -> Self {
        Self { blobs }
    }
}

#[async_trait]
impl crate::pipeline::Consumer for FileCleanup {
    fn name(&self) -> &'static str {
        "files-cleanup"
    }

    fn wants(&self, kind: EventKind) -> bool {
        matches!(
            kind,
            EventKind::AttachmentRemoved
                | EventKind::TaskDeleted
                | EventKind::ProjectDeleted
                | EventKind::DocFileRemoved
                | EventKind::DocDeleted
        )
    }

    async fn handle(&self, event: &Event) -> Result<()> {
        let removed = match event.kind {
            EventKind::AttachmentRemoved => {
                let ids = (
                    event.task_id,
                    event.payload["content"]["file_id"]
                        .as_str()
                        .and_then(|f| f.parse().ok())
                        .map(FileId),
                );
                let (Some(task), Some(file)) = ids else {
                    return Err(Error::Internal(
                        "an attachment removal without its task and file".into(),
                    ));
                };
                let key = crate::project::files::storage_key(event.project_id, task, file);
                self.blobs.delete(&key).await
            }
            EventKind::TaskDeleted => match event.task_id {
                Some(task) => self
                    .blobs
                    .delete_prefix(&crate::project::files::task_prefix(event.project_id, task))
                    .await
                    .map(drop),
                None => Ok(()),
            },
            EventKind::DocFileRemoved => {
                let id = |field: &str| {
                    event.payload[field]
                        .as_str()
                        .and_then(|f| f.parse::<uuid::Uuid>().ok())
                };
                let (Some(doc), Some(file)) = (id("document_id"), id("file_id")) else {
                    return Err(Error::Internal(
                        "a document file's removal without its document and file".into(),
                    ));
                };
                let key = crate::project::files::doc_storage_key(
                    event.project_id,
                    DocumentId(doc),
                    FileId(file),
                );
                self.blobs.delete(&key).await
            }
            EventKind::DocDeleted => match event.subject_id {
                Some(doc) => self
                    .blobs
                    .delete_prefix(&crate::project::files::doc_prefix(
                        event.project_id,
                        DocumentId(doc),
                    ))
                    .await
                    .map(drop),
                None => Ok(()),
            },
            EventKind::ProjectDeleted => self
                .blobs
                .delete_prefix(&crate::project::files::project_prefix(event.project_id))
                .await
                .map(drop),
            _ => Ok(()),
        };
        removed.map_err(|e| match e {
            BlobError::Unavailable(m) => Error::Unavailable(m),
            other => Error::Internal(other.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types() {
        for ok in [
            "text/plain",
            "image/svg+xml",
            "application/vnd.api+json",
            "text/plain; charset=utf-8",
        ] {
            assert!(media_type(ok), "{ok}");
        }
        for bad in [
            "text",
            "text/",
            "/plain",
            "te xt/plain",
            "text/plain;",
            "a/b/c",
        ] {
            assert!(!media_type(bad), "{bad}");
        }
    }

    #[test]
    fn allowed_types_match_families_and_essences() {
        let allowed = vec!["image/*".to_owned(), "application/pdf".to_owned()];
        assert!(type_allowed(&allowed, "image/png"));
        assert!(type_allowed(&allowed, "application/pdf; x=y"));
        assert!(!type_allowed(&allowed, "text/html"));
        assert!(type_allowed(&[], "text/html"));
    }

    #[test]
    fn script_types_are_never_inline() {
        for t in [
            "text/html",
            "image/svg+xml",
            "application/javascript",
            "text/xml",
            "application/octet-stream",
        ] {
            assert!(!inline_safe(t), "{t}");
        }
        assert!(inline_safe("image/png"));
    }

    #[test]
    fn initiate_bodies_are_checked_in_pacas_order() {
        let new = |n: &str, t: &str, s: i64| NewUpload {
            file_name: n.into(),
            content_type: t.into(),
            file_size: s,
        };
        assert_eq!(
            validate(&new("", "text/plain", 1))
                .expect_err("refused")
                .code(),
            codes::BAD_REQUEST
        );
        assert_eq!(
            validate(&new("a", "text/plain", 0))
                .expect_err("refused")
                .code(),
            codes::BAD_REQUEST
        );
        assert_eq!(
            validate(&new("  ", "text/plain", 1))
                .expect_err("refused")
                .code(),
            codes::ATTACHMENT_INVALID
        );
        assert_eq!(
            validate(&new("a\u{7}", "text/plain", 1))
                .expect_err("refused")
                .code(),
            codes::ATTACHMENT_INVALID
        );
        assert_eq!(
            validate(&new("a", "nonsense", 1))
                .expect_err("refused")
                .code(),
            codes::ATTACHMENT_INVALID
        );
        assert_eq!(
            validate(&new(" a.txt ", "Text/Plain", 1)).ok(),
            Some(("a.txt".into(), "text/plain".into()))
        );
        assert_eq!(
            validate(&new("invoice\u{202e}gpj.exe", "text/plain", 1))
                .expect_err("refused")
                .code(),
            codes::ATTACHMENT_INVALID
        );
        // Parameters are dropped: they cannot smuggle another type past `inline_safe`.
        assert_eq!(
            validate(&new("q3.pdf", "application/pdf;,text/html", 1))
                .map(|(_, t)| t)
                .ok(),
            Some("application/pdf".into())
        );
    }
}
