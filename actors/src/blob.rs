//! The blob store port: where file bytes live (a local directory by default, S3 or MinIO at
//! scale). Clients move the bytes themselves, through short-lived signed URLs the store hands
//! out; Corral only signs, checks and deletes.

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use std::time::Duration;

pub type BlobResult<T> = Result<T, BlobError>;

#[derive(Debug, Clone, thiserror::Error)]
pub enum BlobError {
    /// A signed URL that is malformed, altered or for another request.
    #[error("the storage URL is invalid")]
    UrlInvalid,
    #[error("the storage URL has expired")]
    UrlExpired,
    /// A body longer than its signed length.
    #[error("the upload is longer than the {0} bytes its URL allows")]
    TooLarge(u64),
    /// A body shorter than its signed length.
    #[error("the upload has {got} bytes; its URL is for {expected}")]
    SizeMismatch { got: u64, expected: u64 },
    #[error("no such object")]
    NotFound,
    /// The parts of a multipart upload do not make the object (missing, wrong size, wrong
    /// ETag).
    #[error("{0}")]
    Incomplete(String),
    /// The body stopped short or could not be read.
    #[error("the upload's body could not be read: {0}")]
    BadBody(String),
    /// The client sent too slowly (a chunk later than allowed, or the whole upload past its
    /// deadline).
    #[error("the upload was too slow: {0}")]
    TooSlow(String),
    /// A `Range` no byte of the object is in.
    #[error("the range is outside the object's {0} bytes")]
    RangeNotSatisfiable(u64),
    /// The upload this URL was for takes no more bytes (completed, deleted, swept, or being
    /// completed).
    #[error("this upload is finished; start a new one")]
    Closed,
    /// Too many uploads at once on this node, or one already running to the same URL.
    #[error("the storage is busy: {0}")]
    Busy(&'static str),
    /// The store cannot be reached or failed; the request may succeed later.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
}

impl From<BlobError> for crate::error::Error {
    fn from(err: BlobError) -> Self {
        use crate::error::{Error, codes};
        let message = err.to_string();
        match err {
            BlobError::UrlInvalid => Error::Forbidden {
                code: codes::STORAGE_URL_INVALID,
                message,
            },
            BlobError::UrlExpired => Error::Forbidden {
                code: codes::STORAGE_URL_EXPIRED,
                message,
            },
            BlobError::TooLarge(_) => Error::TooLarge {
                code: codes::PAYLOAD_TOO_LARGE,
                message,
            },
            BlobError::SizeMismatch { .. } => Error::invalid(codes::STORAGE_SIZE_MISMATCH, message),
            BlobError::NotFound => Error::not_found(codes::STORAGE_NOT_FOUND, message),
            BlobError::Incomplete(_) => {
                Error::conflict(codes::ATTACHMENT_UPLOAD_INCOMPLETE, message)
            }
            BlobError::BadBody(_) => Error::invalid(codes::STORAGE_SIZE_MISMATCH, message),
            BlobError::TooSlow(_) => Error::Timeout {
                code: codes::REQUEST_TIMEOUT,
                message,
            },
            BlobError::RangeNotSatisfiable(_) => Error::RangeNotSatisfiable {
                code: codes::RANGE_NOT_SATISFIABLE,
                message,
            },
            BlobError::Closed => Error::conflict(codes::ATTACHMENT_UPLOAD_NOT_PENDING, message),
            BlobError::Busy(_) => Error::Stalled {
                code: codes::STORAGE_UNAVAILABLE,
                message,
            },
            BlobError::Unavailable(_) => Error::Stalled {
                code: codes::STORAGE_UNAVAILABLE,
                message,
            },
        }
    }
}

/// One uploaded part of a multipart upload, as the client reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletedPart {
    pub part_number: u32,
    pub etag: String,
}

/// How a download is served.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Serve {
    /// Shown in the browser (`inline`) or saved (`attachment`).
    pub attachment: bool,
    pub file_name: String,
    pub content_type: String,
}

/// A signed URL, or an origin-relative path (`/storage/…`) the HTTP edge makes absolute with
/// the origin the client used.
pub type SignedUrl = String;

#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// `local` or `s3`.
    fn backend(&self) -> &'static str;
    /// One cheap round trip, for readiness.
    async fn ping(&self) -> BlobResult<()>;
    /// A URL a client PUTs exactly `length` bytes to, valid for `ttl`.
    async fn presign_put(&self, key: &str, length: u64, ttl: Duration) -> BlobResult<SignedUrl>;
    /// Starts a multipart upload; its id.
    async fn create_multipart(&self, key: &str, content_type: &str) -> BlobResult<String>;
    /// A URL for part `part` (from 1) of `length` bytes.
    async fn presign_part(
        &self,
        key: &str,
        upload_id: &str,
        part: u32,
        length: u64,
        ttl: Duration,
    ) -> BlobResult<SignedUrl>;
    /// Assembles the parts into the object.
    async fn complete_multipart(
        &self,
        key: &str,
        upload_id: &str,
        parts: &[CompletedPart],
    ) -> BlobResult<()>;
    /// Drops a multipart upload and its parts; an unknown one is fine.
    async fn abort_multipart(&self, key: &str, upload_id: &str) -> BlobResult<()>;
    /// A URL that reads the object, served as `serve` says, valid for `ttl`.
    async fn presign_get(&self, key: &str, serve: &Serve, ttl: Duration) -> BlobResult<SignedUrl>;
    /// The object's size, or `None` when there is none.
    async fn size(&self, key: &str) -> BlobResult<Option<u64>>;
    /// Deletes the object; a missing one is fine.
    async fn delete(&self, key: &str) -> BlobResult<()>;
    /// Deletes every object under `prefix`; how many.
    async fn delete_prefix(&self, prefix: &str) -> BlobResult<u64>;
    /// Whether bytes for `key` (or, with `upload_id`, any of its parts) are arriving through
    /// Corral right now. Always false for a store clients write to directly.
    fn receiving(&self, key: &str, upload_id: Option<&str>) -> bool {
        let _ = (key, upload_id);
        false
    }
    /// The requests a store served by Corral itself answers (`/storage/…`); `None` when clients
    /// talk to the store directly.
    fn served(&self) -> Option<&dyn ServedBlobs> {
        None
    }
}

/// A signed request to `/storage/{key}`: its method, key and raw query string.
#[derive(Clone, Debug)]
pub struct SignedRequest<'a> {
    pub method: &'a str,
    pub key: &'a str,
    pub query: &'a str,
}

/// A body arriving in chunks.
pub type ByteStream = BoxStream<'static, std::io::Result<Bytes>>;

/// What a signed GET answers.
pub struct BlobRead {
    pub size: u64,
    /// The requested bytes (all of them, or the range).
    pub body: ByteStream,
    /// `Some((first, last))` when a range was asked for and is satisfiable.
    pub range: Option<(u64, u64)>,
    pub serve: Serve,
    /// Seconds the URL stays valid, for `Cache-Control`.
    pub valid_for: u64,
    pub etag: Option<String>,
}

/// The local store's own endpoints: uploads and downloads through Corral.
#[async_trait]
pub trait ServedBlobs: Send + Sync {
    /// Checks a request's signature (and expiry, and method) without doing anything, so the
    /// caller can decide more before reading a body.
    fn check(&self, request: &SignedRequest<'_>) -> BlobResult<()>;
    /// Checks the signature, marks the key as receiving (see [`BlobStore::receiving`]), asks
    /// `admit` whether the upload still takes bytes, then writes the body (streamed,
    /// size-checked, atomic); the ETag. Marking before asking means a completion that claimed
    /// the upload either refuses this write or sees it arriving.
    async fn put(
        &self,
        request: SignedRequest<'_>,
        body: ByteStream,
        admit: futures::future::BoxFuture<'_, BlobResult<()>>,
    ) -> BlobResult<String>;
    /// Checks the signature and reads the object: `range` is the `Range` header, honoured
    /// when `if_range` (the `If-Range` header), if given, is the object's ETag.
    async fn get(
        &self,
        request: SignedRequest<'_>,
        range: Option<&str>,
        if_range: Option<&str>,
    ) -> BlobResult<BlobRead>;
}

/// RFC 6266 characters a `filename*` value may hold as they are.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `inline` or `attachment`, with the name as ASCII (`filename`) and as UTF-8 (`filename*`).
pub fn content_disposition(serve: &Serve) -> String {
    let kind = if serve.attachment {
        "attachment"
    } else {
        "inline"
    };
    let ascii: String = serve
        .file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "{kind}; filename=\"{ascii}\"; filename*=UTF-8''{}",
        utf8_percent_encode(&serve.file_name, ATTR_CHAR)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispositions_carry_both_names() {
        let serve = Serve {
            attachment: true,
            file_name: "rapport \"final\" é.pdf".into(),
            content_type: "application/pdf".into(),
        };
        assert_eq!(
            content_disposition(&serve),
            "attachment; filename=\"rapport _final_ _.pdf\"; filename*=UTF-8''rapport%20%22final%22%20%C3%A9.pdf"
        );
    }
}
