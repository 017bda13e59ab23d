//! Task attachments (Paca's five routes): the presigned upload flow, listing, download URLs
//! and removal, on the files service.

use super::projects::project_id;
use super::task_config::Items;
use crate::envelope::{ApiError, ApiResult, Reply, created, ok};
use crate::extract::{Json, ProjectCaller, parse_id};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use corral_actors::blob::CompletedPart;
use corral_actors::files::{Completion, NewUpload, UploadSession};
use corral_actors::ids::{DocumentId, FileId, TaskId};
use corral_actors::project::docs::DocFileView;
use corral_actors::project::files::{AttachmentView, UploadOwner};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

fn task_id(raw: &str) -> Result<TaskId, ApiError> {
    parse_id(raw, "task id")
}

pub async fn list(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((project, task)): Path<(String, String)>,
) -> ApiResult<Reply<Items<AttachmentView>>> {
    let items = state
        .files
        .list(&caller, project_id(&project)?, task_id(&task)?)
        .await?;
    Ok(ok(Items::new(items)))
}

#[derive(Deserialize)]
pub struct InitiateUpload {
    #[serde(default)]
    file_name: String,
    #[serde(default)]
    content_type: String,
    #[serde(default)]
    file_size: i64,
}

pub async fn initiate(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    headers: HeaderMap,
    Path((project, task)): Path<(String, String)>,
    Json(body): Json<InitiateUpload>,
) -> ApiResult<Reply<UploadSession>> {
    let owner = UploadOwner::Task(task_id(&task)?);
    initiate_for(
        &state,
        &caller,
        &headers,
        project_id(&project)?,
        owner,
        body,
    )
    .await
}

/// Starts an upload for a task or a document, its URLs as the client reaches them.
async fn initiate_for(
    state: &AppState,
    caller: &corral_actors::project::Caller,
    headers: &HeaderMap,
    project: corral_actors::ids::ProjectId,
    owner: UploadOwner,
    body: InitiateUpload,
) -> ApiResult<Reply<UploadSession>> {
    let new = NewUpload {
        file_name: body.file_name,
        content_type: body.content_type,
        file_size: body.file_size,
    };
    let mut session = state.files.initiate(caller, project, owner, new).await?;
    if let Some(url) = &mut session.upload_url {
        *url = absolute(state, headers, url);
    }
    if let Some(multipart) = &mut session.multipart {
        for part in &mut multipart.parts {
            part.upload_url = absolute(state, headers, &part.upload_url);
        }
    }
    Ok(created(session))
}

#[derive(Deserialize)]
pub struct CompleteUpload {
    #[serde(default)]
    file_id: Option<Uuid>,
    #[serde(default)]
    upload_id: Option<String>,
    #[serde(default)]
    parts: Option<Vec<Part>>,
}

#[derive(Deserialize)]
pub struct Part {
    part_number: u32,
    #[serde(default)]
    etag: String,
}

pub async fn complete(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((project, task)): Path<(String, String)>,
    Json(body): Json<CompleteUpload>,
) -> ApiResult<Reply<AttachmentView>> {
    let done = body.completion()?;
    let attachment = state
        .files
        .complete(&caller, project_id(&project)?, task_id(&task)?, done)
        .await?;
    Ok(created(attachment))
}

impl CompleteUpload {
    /// Paca's body as the files service takes it: `file_id` is required.
    fn completion(self) -> Result<Completion, ApiError> {
        let file_id = self
            .file_id
            .filter(|id| !id.is_nil())
            .ok_or_else(|| ApiError::bad_request("file_id is required"))?;
        Ok(Completion {
            file_id: FileId(file_id),
            upload_id: self.upload_id.filter(|u| !u.is_empty()),
            parts: self.parts.map(|parts| {
                parts
                    .into_iter()
                    .map(|p| CompletedPart {
                        part_number: p.part_number,
                        etag: p.etag,
                    })
                    .collect()
            }),
        })
    }
}

fn document_id(raw: &str) -> Result<DocumentId, ApiError> {
    parse_id(raw, "document id")
}

fn file_id(raw: &str) -> Result<FileId, ApiError> {
    parse_id(raw, "file id")
}

/// `POST /docs/{doc_id}/files/initiate-upload`: as for a task's attachment.
pub async fn initiate_doc(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    headers: HeaderMap,
    Path((project, doc)): Path<(String, String)>,
    Json(body): Json<InitiateUpload>,
) -> ApiResult<Reply<UploadSession>> {
    let owner = UploadOwner::Document(document_id(&doc)?);
    initiate_for(
        &state,
        &caller,
        &headers,
        project_id(&project)?,
        owner,
        body,
    )
    .await
}

/// `POST /docs/{doc_id}/files/complete-upload`: Paca's file JSON.
pub async fn complete_doc(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((project, doc)): Path<(String, String)>,
    Json(body): Json<CompleteUpload>,
) -> ApiResult<Reply<DocFileView>> {
    let project = project_id(&project)?;
    let doc = document_id(&doc)?;
    let done = body.completion()?;
    let file = state
        .files
        .complete_doc(&caller, project, doc, done)
        .await?;
    Ok(created(file))
}

pub async fn doc_download_url(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    headers: HeaderMap,
    Path((project, doc, file)): Path<(String, String, String)>,
    Query(query): Query<DownloadQuery>,
) -> ApiResult<Reply<DownloadUrl>> {
    let download = query.download.as_deref() == Some("true");
    let project = project_id(&project)?;
    let (doc, file) = (document_id(&doc)?, file_id(&file)?);
    let url = state
        .files
        .doc_download_url(&caller, project, doc, file, download)
        .await?;
    Ok(ok(DownloadUrl {
        url: absolute(&state, &headers, &url),
    }))
}

pub async fn delete_doc_file(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((project, doc, file)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let project = project_id(&project)?;
    let (doc, file) = (document_id(&doc)?, file_id(&file)?);
    state
        .files
        .delete_doc_file(&caller, project, doc, file)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct DownloadQuery {
    #[serde(default)]
    download: Option<String>,
}

#[derive(Serialize)]
pub struct DownloadUrl {
    url: String,
}

pub async fn download_url(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    headers: HeaderMap,
    Path((project, task, attachment)): Path<(String, String, String)>,
    Query(query): Query<DownloadQuery>,
) -> ApiResult<Reply<DownloadUrl>> {
    // Paca's rule: exactly "true" asks for a download.
    let download = query.download.as_deref() == Some("true");
    let url = state
        .files
        .download_url(
            &caller,
            project_id(&project)?,
            task_id(&task)?,
            parse_id(&attachment, "attachment id")?,
            download,
        )
        .await?;
    Ok(ok(DownloadUrl {
        url: absolute(&state, &headers, &url),
    }))
}

pub async fn delete(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((project, task, attachment)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    state
        .files
        .delete(
            &caller,
            project_id(&project)?,
            task_id(&task)?,
            parse_id(&attachment, "attachment id")?,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A store's URL as the client can use it: a path on Corral (the local store's `/storage/…`)
/// gets `STORAGE_PUBLIC_URL`, or else the origin the client reached Corral at; a URL of an
/// outside store is left as it is.
fn absolute(state: &AppState, headers: &HeaderMap, url: &str) -> String {
    if !url.starts_with('/') {
        return url.to_owned();
    }
    if let Some(base) = &state.storage_public_url {
        return format!("{}{url}", base.trim_end_matches('/'));
    }
    let forwarded = |name: &str| {
        state
            .trust_forwarded_for
            .then(|| headers.get(name)?.to_str().ok())
            .flatten()
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let host = forwarded("x-forwarded-host")
        .or_else(|| headers.get(header::HOST)?.to_str().ok())
        .filter(|h| valid_host(h));
    match host {
        Some(host) => {
            let scheme = forwarded("x-forwarded-proto")
                .filter(|p| *p == "https" || *p == "http")
                .unwrap_or("http");
            format!("{scheme}://{host}{url}")
        }
        // No usable Host: a same-origin path still works in a browser.
        None => url.to_owned(),
    }
}

/// A `Host` value that cannot smuggle a path or credentials into the URL.
fn valid_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
}
