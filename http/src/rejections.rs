//! The API's answer to requests the framework refuses before a handler runs: every error the
//! API gives is in Paca's envelope, including axum's own rejections (a path segment that is not
//! UTF-8, a query string of the wrong type), and no URL may carry a NUL character.

use crate::envelope::ApiError;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use corral_actors::error::codes;

/// Longest framework rejection text passed on to the client; longer ones are cut.
const MAX_MESSAGE: usize = 512;

/// Refuses URLs with a NUL character, then puts any non-JSON error of an API route into the
/// envelope.
pub async fn envelope_rejections(request: Request, next: Next) -> Response {
    let api = is_api(request.uri().path());
    if api && has_encoded_nul(request.uri()) {
        return ApiError::with_status(
            StatusCode::BAD_REQUEST,
            codes::VALIDATION_ERROR,
            "the URL contains a NUL character (%00)",
        );
    }
    let response = next.run(request).await;
    if !api || response.status().as_u16() < 400 || is_json_response(&response) {
        return response;
    }
    let status = response.status();
    let text = match axum::body::to_bytes(response.into_body(), 64 * 1024).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_owned(),
        Err(_) => String::new(),
    };
    ApiError::with_status(status, code_for(status), &message_for(status, text))
}

/// The API's paths, and the blob store's `/storage` ones.
fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/") || path.starts_with("/storage/")
}

fn has_encoded_nul(uri: &axum::http::Uri) -> bool {
    let raw = uri.path_and_query().map_or("", |p| p.as_str());
    raw.as_bytes()
        .windows(3)
        .any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
}

fn is_json_response(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// The stable code of a framework rejection with this status.
pub fn code_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => codes::NOT_FOUND,
        StatusCode::METHOD_NOT_ALLOWED => codes::METHOD_NOT_ALLOWED,
        StatusCode::PAYLOAD_TOO_LARGE => codes::PAYLOAD_TOO_LARGE,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => codes::UNSUPPORTED_MEDIA_TYPE,
        StatusCode::URI_TOO_LONG => codes::URI_TOO_LONG,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => codes::HEADERS_TOO_LARGE,
        StatusCode::TOO_MANY_REQUESTS => codes::RATE_LIMITED,
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT => codes::SERVICE_UNAVAILABLE,
        s if s.is_server_error() => codes::INTERNAL_ERROR,
        _ => codes::BAD_REQUEST,
    }
}

/// What the client reads: the framework's own text for client errors (it names the problem,
/// e.g. "Invalid URL: …"), never for server errors.
fn message_for(status: StatusCode, text: String) -> String {
    if status.is_server_error() || text.is_empty() {
        return status
            .canonical_reason()
            .unwrap_or("request refused")
            .to_lowercase();
    }
    let mut text = text;
    if text.len() > MAX_MESSAGE {
        let mut end = MAX_MESSAGE;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

/// An enveloped error body for a response written outside the router (by the connection
/// layer), as bytes of a complete HTTP/1.1 response that closes the connection.
pub fn raw_response(status: StatusCode, message: &str) -> Vec<u8> {
    let body = serde_json::json!({
        "success": false,
        "error_code": code_for(status),
        "error": message,
    })
    .to_string();
    let head = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        body.len()
    );
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body.as_bytes());
    bytes
}
