//! `/storage/{key}`: the local blob store's uploads and downloads, through Corral itself.
//!
//! The signed URL is the only credential (no session: a browser PUTs to it with a plain
//! request, as it would to S3). These routes sit outside the API's body limit and request
//! timeout: an upload is as long as its signed length, streamed to disk as it arrives, and
//! each chunk must come within [`READ_PATIENCE`].

use crate::envelope::ApiError;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use corral_actors::blob::{BlobError, ByteStream, ServedBlobs, SignedRequest, content_disposition};
use corral_actors::error::{Error, codes};
use futures::StreamExt;
use std::time::Duration;

/// Longest wait for the next chunk of an upload.
const READ_PATIENCE: Duration = Duration::from_secs(30);

fn served(state: &AppState) -> Result<&dyn ServedBlobs, ApiError> {
    state.files.blobs().served().ok_or_else(|| {
        ApiError::from(Error::not_found(
            codes::NOT_FOUND,
            "this server's blob store is not served by Corral",
        ))
    })
}

fn failed(err: BlobError) -> Response {
    ApiError::from(Error::from(err)).into_response()
}

pub async fn put(
    State(state): State<AppState>,
    Path(key): Path<String>,
    RawQuery(query): RawQuery,
    request: Request,
) -> Response {
    let blobs = match served(&state) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let query = query.unwrap_or_default();
    let signed = SignedRequest {
        method: "PUT",
        key: &key,
        query: &query,
    };
    // The signature first (nothing is told to a caller without one), then whether the upload
    // still takes bytes: a URL outlives a completed, deleted or swept upload.
    if let Err(e) = blobs.check(&signed) {
        return failed(e);
    }
    let files = state.files.clone();
    let admit_key = key.clone();
    let admit = Box::pin(async move {
        files.accepts_bytes(&admit_key).await.map_err(|e| {
            if e.code() == codes::ATTACHMENT_UPLOAD_NOT_PENDING {
                BlobError::Closed
            } else {
                BlobError::Unavailable(e.to_string())
            }
        })
    });
    let body = patient(request.into_body().into_data_stream());
    match blobs.put(signed, body, admit).await {
        Ok(etag) => {
            let mut response = StatusCode::OK.into_response();
            let etag = if etag.starts_with('"') {
                etag
            } else {
                format!("\"{etag}\"")
            };
            if let Ok(v) = HeaderValue::from_str(&etag) {
                response.headers_mut().insert(header::ETAG, v);
            }
            response
        }
        Err(e) => failed(e),
    }
}

/// The body's chunks, each within [`READ_PATIENCE`]; a stalled client ends the stream with an
/// error.
fn patient(body: axum::body::BodyDataStream) -> ByteStream {
    futures::stream::unfold(Some(body), |body| async move {
        let mut body = body?;
        match tokio::time::timeout(READ_PATIENCE, body.next()).await {
            Ok(Some(Ok(chunk))) => Some((Ok(chunk), Some(body))),
            Ok(Some(Err(e))) => Some((Err(std::io::Error::other(e)), None)),
            Ok(None) => None,
            Err(_) => Some((
                Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the client stopped sending",
                )),
                None,
            )),
        }
    })
    .boxed()
}

pub async fn get(
    State(state): State<AppState>,
    method: Method,
    Path(key): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let blobs = match served(&state) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let query = query.unwrap_or_default();
    let signed = SignedRequest {
        method: if method == Method::HEAD {
            "HEAD"
        } else {
            "GET"
        },
        key: &key,
        query: &query,
    };
    let header_text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let read = match blobs
        .get(
            signed,
            header_text(header::RANGE),
            header_text(header::IF_RANGE),
        )
        .await
    {
        Ok(read) => read,
        Err(BlobError::RangeNotSatisfiable(size)) => {
            let mut response = failed(BlobError::RangeNotSatisfiable(size));
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                response.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return response;
        }
        Err(e) => return failed(e),
    };
    let (status, length) = match read.range {
        Some((first, last)) => (StatusCode::PARTIAL_CONTENT, last - first + 1),
        None => (StatusCode::OK, read.size),
    };
    let mut response = Response::new(Body::from_stream(read.body));
    *response.status_mut() = status;
    let h = response.headers_mut();
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Some((first, last)) = read.range
        && let Ok(v) = HeaderValue::from_str(&format!("bytes {first}-{last}/{}", read.size))
    {
        h.insert(header::CONTENT_RANGE, v);
    }
    // Only a bare `type/subtype` is ever stored; anything else is served as bytes.
    let bare = corral_actors::files::bare_media_type(&read.serve.content_type);
    let content_type = HeaderValue::from_str(&read.serve.content_type)
        .ok()
        .filter(|_| bare)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let pdf = bare && read.serve.content_type == "application/pdf";
    h.insert(header::CONTENT_TYPE, content_type);
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&read.serve)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    // What a file says it is, it stays; and it cannot run script with Corral's origin.
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if !pdf {
        // Chrome's PDF viewer does not open in a sandbox.
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "sandbox; default-src 'none'; img-src 'self'; media-src 'self'",
            ),
        );
    }
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("private, max-age={}", read.valid_for)) {
        h.insert(header::CACHE_CONTROL, v);
    }
    if let Some(etag) = read.etag
        && let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", etag.trim_matches('"')))
    {
        h.insert(header::ETAG, v);
    }
    response
}
