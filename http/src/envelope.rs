//! Paca's response envelope, and the one place where core errors become HTTP statuses.
//!
//! Success: `{"success":true,"data":…,"request_id":"…"}`; error:
//! `{"success":false,"error_code":"…","error":"…","request_id":"…"}`. 500s never show their
//! message.

use crate::access::current_request_id;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use corral_actors::Error;
use corral_actors::error::codes;
use serde::Serialize;

#[derive(Serialize)]
struct Success<T> {
    success: bool,
    data: T,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
}

#[derive(Serialize)]
struct Failure<'a> {
    success: bool,
    error_code: &'a str,
    error: &'a str,
    /// The current state of what a stale write targeted (version conflicts).
    #[serde(skip_serializing_if = "Option::is_none")]
    current: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
}

/// A successful reply with a status.
pub struct Reply<T>(pub StatusCode, pub T);

impl<T: Serialize> IntoResponse for Reply<T> {
    fn into_response(self) -> Response {
        let body = Success {
            success: true,
            data: self.1,
            request_id: current_request_id(),
        };
        (self.0, axum::Json(body)).into_response()
    }
}

/// 200 with data.
pub fn ok<T: Serialize>(data: T) -> Reply<T> {
    Reply(StatusCode::OK, data)
}

/// 201 with data.
pub fn created<T: Serialize>(data: T) -> Reply<T> {
    Reply(StatusCode::CREATED, data)
}

/// `{"message": …}`, Paca's body for actions.
#[derive(Serialize)]
pub struct Message {
    pub message: &'static str,
}

pub fn message(message: &'static str) -> Reply<Message> {
    ok(Message { message })
}

/// A core error on its way to the client.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        Self(err)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self(Error::bad_request(message))
    }

    /// A status and code the core does not produce (framework-level failures).
    pub fn with_status(status: StatusCode, code: &'static str, message: &str) -> Response {
        failure(status, code, message)
    }
}

fn status_of(err: &Error) -> StatusCode {
    match err {
        Error::BadRequest { .. } => StatusCode::BAD_REQUEST,
        Error::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
        Error::Forbidden { .. } => StatusCode::FORBIDDEN,
        Error::NotFound { .. } => StatusCode::NOT_FOUND,
        Error::Conflict { .. } => StatusCode::CONFLICT,
        Error::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        Error::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        Error::UnsupportedType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Error::Timeout { .. } => StatusCode::REQUEST_TIMEOUT,
        Error::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
        Error::RateLimited { .. } | Error::Busy { .. } => StatusCode::TOO_MANY_REQUESTS,
        Error::VersionConflict { .. } => StatusCode::CONFLICT,
        Error::Unavailable(_) | Error::Stalled { .. } => StatusCode::SERVICE_UNAVAILABLE,
        Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn failure(status: StatusCode, code: &str, message: &str) -> Response {
    failure_with(status, code, message, None)
}

fn failure_with(
    status: StatusCode,
    code: &str,
    message: &str,
    current: Option<serde_json::Value>,
) -> Response {
    let body = Failure {
        success: false,
        error_code: code,
        error: message,
        current,
        request_id: current_request_id(),
    };
    (status, axum::Json(body)).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let err = self.0;
        let status = status_of(&err);
        let mut response = match &err {
            Error::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                failure(status, codes::INTERNAL_ERROR, "internal server error")
            }
            Error::Unavailable(detail) => {
                tracing::warn!(error = %detail, "dependency unavailable");
                failure(status, err.code(), "service temporarily unavailable")
            }
            Error::VersionConflict { current, .. } => {
                // The task as it stands, in the wire shape every task read has.
                let current = serde_json::to_value(crate::handlers::tasks::task_json(current)).ok();
                failure_with(status, err.code(), &err.to_string(), current)
            }
            _ => failure(status, err.code(), &err.to_string()),
        };
        if let Error::RateLimited { retry_after, .. } | Error::Busy { retry_after, .. } = &err {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(retry_after.as_secs()),
            );
        }
        response
    }
}
