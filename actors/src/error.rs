//! The core's error type. Every error carries a stable `error_code` (Paca's code where Paca has
//! one); `corral-http` maps the variant to an HTTP status in one place.

use std::time::Duration;

/// Stable error codes. Clients switch on these, so they never change once published.
pub mod codes {
    pub const BAD_REQUEST: &str = "BAD_REQUEST";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    pub const INTERNAL_ERROR: &str = "INTERNAL_ERROR";
    pub const PAYLOAD_TOO_LARGE: &str = "PAYLOAD_TOO_LARGE";
    pub const NOT_FOUND: &str = "NOT_FOUND";
    pub const METHOD_NOT_ALLOWED: &str = "METHOD_NOT_ALLOWED";
    pub const REQUEST_TIMEOUT: &str = "REQUEST_TIMEOUT";
    pub const SERVICE_UNAVAILABLE: &str = "SERVICE_UNAVAILABLE";
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    /// A value no store can keep (a NUL character) or that breaks a rule of the edge.
    pub const VALIDATION_ERROR: &str = "VALIDATION_ERROR";
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "UNSUPPORTED_MEDIA_TYPE";
    pub const URI_TOO_LONG: &str = "URI_TOO_LONG";
    pub const HEADERS_TOO_LARGE: &str = "HEADERS_TOO_LARGE";

    pub const AUTH_INVALID_CREDENTIALS: &str = "AUTH_INVALID_CREDENTIALS";
    pub const AUTH_MISSING_TOKEN: &str = "AUTH_MISSING_TOKEN";
    pub const AUTH_TOKEN_INVALID: &str = "AUTH_TOKEN_INVALID";
    pub const AUTH_UNAUTHENTICATED: &str = "AUTH_UNAUTHENTICATED";
    pub const AUTH_PASSWORD_CHANGE_REQUIRED: &str = "AUTH_PASSWORD_CHANGE_REQUIRED";
    pub const AUTH_USER_DISABLED: &str = "AUTH_USER_DISABLED";

    pub const USER_NOT_FOUND: &str = "USER_NOT_FOUND";
    pub const USER_USERNAME_TAKEN: &str = "USER_USERNAME_TAKEN";
    pub const USER_INVALID_CURRENT_PASSWORD: &str = "USER_INVALID_CURRENT_PASSWORD";
    pub const USER_LAST_SUPER_ADMIN: &str = "USER_LAST_SUPER_ADMIN";

    pub const GLOBAL_ROLE_NOT_FOUND: &str = "GLOBAL_ROLE_NOT_FOUND";
    pub const GLOBAL_ROLE_NAME_TAKEN: &str = "GLOBAL_ROLE_NAME_TAKEN";
    pub const GLOBAL_ROLE_NAME_INVALID: &str = "GLOBAL_ROLE_NAME_INVALID";
    pub const GLOBAL_ROLE_HAS_ASSIGNED_USERS: &str = "GLOBAL_ROLE_HAS_ASSIGNED_USERS";
    pub const GLOBAL_ROLE_IS_SYSTEM: &str = "GLOBAL_ROLE_IS_SYSTEM";
    pub const GLOBAL_ROLE_PERMISSIONS_INVALID: &str = "GLOBAL_ROLE_PERMISSIONS_INVALID";

    pub const API_KEY_NOT_FOUND: &str = "API_KEY_NOT_FOUND";
    pub const API_KEY_REVOKED: &str = "API_KEY_REVOKED";
    pub const API_KEY_EXPIRED: &str = "API_KEY_EXPIRED";
    pub const API_KEY_NAME_INVALID: &str = "API_KEY_NAME_INVALID";
    pub const API_KEY_NAME_TOO_LONG: &str = "API_KEY_NAME_TOO_LONG";

    pub const PROJECT_NOT_FOUND: &str = "PROJECT_NOT_FOUND";
    pub const PROJECT_NAME_INVALID: &str = "PROJECT_NAME_INVALID";
    pub const PROJECT_PREFIX_INVALID: &str = "PROJECT_PREFIX_INVALID";
    pub const PROJECT_ROLE_NOT_FOUND: &str = "PROJECT_ROLE_NOT_FOUND";
    pub const PROJECT_ROLE_NAME_TAKEN: &str = "PROJECT_ROLE_NAME_TAKEN";
    pub const PROJECT_ROLE_NAME_INVALID: &str = "PROJECT_ROLE_NAME_INVALID";
    pub const PROJECT_ROLE_HAS_MEMBERS: &str = "PROJECT_ROLE_HAS_MEMBERS";
    pub const PROJECT_MEMBER_NOT_FOUND: &str = "PROJECT_MEMBER_NOT_FOUND";
    pub const PROJECT_MEMBER_ALREADY_ADDED: &str = "PROJECT_MEMBER_ALREADY_ADDED";
    /// Too many requests in flight for one project.
    pub const PROJECT_BUSY: &str = "PROJECT_BUSY";
    /// The project's actor keeps failing; it is paused for a while.
    pub const PROJECT_UNAVAILABLE: &str = "PROJECT_UNAVAILABLE";
    /// The project did not answer in time.
    pub const PROJECT_TIMEOUT: &str = "PROJECT_TIMEOUT";

    pub const TASK_NOT_FOUND: &str = "TASK_NOT_FOUND";
    pub const TASK_TITLE_INVALID: &str = "TASK_TITLE_INVALID";
    pub const TASK_EPIC_CANNOT_HAVE_PARENT: &str = "TASK_EPIC_CANNOT_HAVE_PARENT";
    pub const TASK_CANNOT_BE_OWN_PARENT: &str = "TASK_CANNOT_BE_OWN_PARENT";
    pub const TASK_PARENT_CYCLE_DETECTED: &str = "TASK_PARENT_CYCLE_DETECTED";
    pub const TASK_VERSION_CONFLICT: &str = "TASK_VERSION_CONFLICT";

    pub const TASK_TYPE_NOT_FOUND: &str = "TASK_TYPE_NOT_FOUND";
    pub const TASK_TYPE_NAME_INVALID: &str = "TASK_TYPE_NAME_INVALID";
    pub const TASK_TYPE_IS_SYSTEM: &str = "TASK_TYPE_IS_SYSTEM";
    pub const TASK_TYPE_NAME_RESERVED: &str = "TASK_TYPE_NAME_RESERVED";

    pub const TASK_STATUS_NOT_FOUND: &str = "TASK_STATUS_NOT_FOUND";
    pub const TASK_STATUS_NAME_INVALID: &str = "TASK_STATUS_NAME_INVALID";
    pub const TASK_STATUS_CATEGORY_INVALID: &str = "TASK_STATUS_CATEGORY_INVALID";
    pub const TASK_STATUS_REORDER_INVALID: &str = "TASK_STATUS_REORDER_INVALID";

    pub const ACTIVITY_NOT_FOUND: &str = "ACTIVITY_NOT_FOUND";
    pub const ACTIVITY_FORBIDDEN: &str = "ACTIVITY_FORBIDDEN";
    pub const ACTIVITY_NOT_A_COMMENT: &str = "ACTIVITY_NOT_A_COMMENT";
    pub const ACTIVITY_COMMENT_CONTENT_INVALID: &str = "ACTIVITY_COMMENT_CONTENT_INVALID";

    pub const NOTIFICATION_NOT_FOUND: &str = "NOTIFICATION_NOT_FOUND";

    pub const SPRINT_NOT_FOUND: &str = "SPRINT_NOT_FOUND";
    pub const SPRINT_NAME_INVALID: &str = "SPRINT_NAME_INVALID";
    pub const SPRINT_STATUS_INVALID: &str = "SPRINT_STATUS_INVALID";
    pub const SPRINT_ALREADY_COMPLETE: &str = "SPRINT_ALREADY_COMPLETE";
    pub const SPRINT_DATES_INVALID: &str = "SPRINT_DATES_INVALID";

    pub const VIEW_NOT_FOUND: &str = "VIEW_NOT_FOUND";
    pub const VIEW_NAME_INVALID: &str = "VIEW_NAME_INVALID";
    pub const VIEW_TYPE_INVALID: &str = "VIEW_TYPE_INVALID";
    pub const VIEW_IS_LAST_VIEW: &str = "VIEW_IS_LAST_VIEW";
    pub const VIEW_REORDER_INVALID: &str = "VIEW_REORDER_INVALID";
    pub const VIEW_POSITION_INVALID: &str = "VIEW_POSITION_INVALID";

    pub const AGENT_NOT_FOUND: &str = "AGENT_NOT_FOUND";
    pub const AGENT_HANDLE_TAKEN: &str = "AGENT_HANDLE_TAKEN";
    pub const AGENT_HANDLE_INVALID: &str = "AGENT_HANDLE_INVALID";
    pub const AGENT_NAME_INVALID: &str = "AGENT_NAME_INVALID";
    pub const AGENT_CONVERSATION_NOT_FOUND: &str = "AGENT_CONVERSATION_NOT_FOUND";
    pub const AGENT_CONVERSATION_NOT_RUNNING: &str = "AGENT_CONVERSATION_NOT_RUNNING";
    pub const AGENT_CONVERSATION_ALREADY_STOPPED: &str = "AGENT_CONVERSATION_ALREADY_STOPPED";
    pub const AGENT_CONVERSATION_BUSY: &str = "AGENT_CONVERSATION_BUSY";
    pub const AGENT_QUEUE_FULL: &str = "AGENT_QUEUE_FULL";
    pub const AGENT_SKILL_NOT_FOUND: &str = "AGENT_SKILL_NOT_FOUND";
    pub const AGENT_SKILL_NAME_TAKEN: &str = "AGENT_SKILL_NAME_TAKEN";
    pub const AGENT_SKILL_NAME_RESERVED: &str = "AGENT_SKILL_NAME_RESERVED";
    pub const AGENT_MCP_SERVER_NOT_FOUND: &str = "AGENT_MCP_SERVER_NOT_FOUND";
    pub const AGENT_MCP_SERVER_NAME_TAKEN: &str = "AGENT_MCP_SERVER_NAME_TAKEN";
    pub const AGENT_CHAT_SESSION_NOT_FOUND: &str = "AGENT_CHAT_SESSION_NOT_FOUND";
    pub const AGENT_ENV_VAR_NOT_FOUND: &str = "AGENT_ENV_VAR_NOT_FOUND";
    pub const AGENT_ENV_VAR_KEY_TAKEN: &str = "AGENT_ENV_VAR_KEY_TAKEN";
    pub const AGENT_ENV_VAR_KEY_INVALID: &str = "AGENT_ENV_VAR_KEY_INVALID";
    pub const AGENT_ENV_VAR_KEY_RESERVED: &str = "AGENT_ENV_VAR_KEY_RESERVED";

    pub const CUSTOM_FIELD_NOT_FOUND: &str = "CUSTOM_FIELD_NOT_FOUND";
    pub const CUSTOM_FIELD_KEY_INVALID: &str = "CUSTOM_FIELD_KEY_INVALID";
    pub const CUSTOM_FIELD_KEY_TAKEN: &str = "CUSTOM_FIELD_KEY_TAKEN";
    pub const CUSTOM_FIELD_TYPE_INVALID: &str = "CUSTOM_FIELD_TYPE_INVALID";
    pub const CUSTOM_FIELD_NAME_INVALID: &str = "CUSTOM_FIELD_NAME_INVALID";
    pub const CUSTOM_FIELD_VALUE_INVALID: &str = "CUSTOM_FIELD_VALUE_INVALID";

    pub const TASK_LINK_NOT_FOUND: &str = "TASK_LINK_NOT_FOUND";
    pub const TASK_LINK_CANNOT_LINK_TO_SELF: &str = "TASK_LINK_CANNOT_LINK_TO_SELF";
    pub const TASK_LINK_ALREADY_EXISTS: &str = "TASK_LINK_ALREADY_EXISTS";
    pub const TASK_LINK_CROSS_PROJECT: &str = "TASK_LINK_CROSS_PROJECT";

    pub const DOC_FOLDER_NOT_FOUND: &str = "DOC_FOLDER_NOT_FOUND";
    pub const DOC_FOLDER_NAME_INVALID: &str = "DOC_FOLDER_NAME_INVALID";
    pub const DOC_FOLDER_NOT_IN_PROJECT: &str = "DOC_FOLDER_NOT_IN_PROJECT";
    pub const DOC_FOLDER_SELF_PARENT: &str = "DOC_FOLDER_SELF_PARENT";
    pub const DOC_FOLDER_CYCLE: &str = "DOC_FOLDER_CYCLE";
    pub const DOC_FOLDER_TOO_DEEP: &str = "DOC_FOLDER_TOO_DEEP";
    pub const DOC_NOT_FOUND: &str = "DOC_NOT_FOUND";
    pub const DOC_TITLE_INVALID: &str = "DOC_TITLE_INVALID";
    pub const DOC_CONTENT_INVALID: &str = "DOC_CONTENT_INVALID";
    pub const DOC_TOO_LARGE: &str = "DOC_TOO_LARGE";
    pub const DOC_SNAPSHOT_NOT_FOUND: &str = "DOC_SNAPSHOT_NOT_FOUND";
    pub const DOC_ACTIVITY_NOT_FOUND: &str = "DOC_ACTIVITY_NOT_FOUND";
    pub const DOC_ACTIVITY_FORBIDDEN: &str = "DOC_ACTIVITY_FORBIDDEN";
    pub const DOC_ACTIVITY_NOT_A_COMMENT: &str = "DOC_ACTIVITY_NOT_A_COMMENT";
    pub const DOC_COMMENT_CONTENT_INVALID: &str = "DOC_COMMENT_CONTENT_INVALID";
    pub const DOC_BUSY: &str = "DOC_BUSY";
    pub const DOC_UNAVAILABLE: &str = "DOC_UNAVAILABLE";
    pub const DOC_TIMEOUT: &str = "DOC_TIMEOUT";
    pub const DOC_EDITORS_LIMIT: &str = "DOC_EDITORS_LIMIT";
    pub const UPGRADE_REQUIRED: &str = "UPGRADE_REQUIRED";

    pub const FILE_NOT_FOUND: &str = "FILE_NOT_FOUND";
    pub const ATTACHMENT_NOT_FOUND: &str = "ATTACHMENT_NOT_FOUND";
    pub const ATTACHMENT_INVALID: &str = "ATTACHMENT_INVALID";
    pub const ATTACHMENT_UPLOAD_NOT_PENDING: &str = "ATTACHMENT_UPLOAD_NOT_PENDING";
    pub const ATTACHMENT_MULTIPART_UPLOAD_ID_REQUIRED: &str =
        "ATTACHMENT_MULTIPART_UPLOAD_ID_REQUIRED";
    pub const ATTACHMENT_NOT_MULTIPART_UPLOAD: &str = "ATTACHMENT_NOT_MULTIPART_UPLOAD";
    pub const ATTACHMENT_UPLOAD_ID_MISMATCH: &str = "ATTACHMENT_UPLOAD_ID_MISMATCH";
    pub const ATTACHMENT_MULTIPART_PARTS_EMPTY: &str = "ATTACHMENT_MULTIPART_PARTS_EMPTY";
    pub const ATTACHMENT_TOO_LARGE: &str = "ATTACHMENT_TOO_LARGE";
    pub const ATTACHMENT_TYPE_NOT_ALLOWED: &str = "ATTACHMENT_TYPE_NOT_ALLOWED";
    pub const PROJECT_STORAGE_QUOTA_EXCEEDED: &str = "PROJECT_STORAGE_QUOTA_EXCEEDED";
    pub const ATTACHMENT_UPLOAD_EXPIRED: &str = "ATTACHMENT_UPLOAD_EXPIRED";
    pub const ATTACHMENT_UPLOAD_INCOMPLETE: &str = "ATTACHMENT_UPLOAD_INCOMPLETE";
    pub const STORAGE_URL_INVALID: &str = "STORAGE_URL_INVALID";
    pub const STORAGE_URL_EXPIRED: &str = "STORAGE_URL_EXPIRED";
    pub const STORAGE_SIZE_MISMATCH: &str = "STORAGE_SIZE_MISMATCH";
    pub const STORAGE_NOT_FOUND: &str = "STORAGE_NOT_FOUND";
    pub const STORAGE_UNAVAILABLE: &str = "STORAGE_UNAVAILABLE";
    pub const RANGE_NOT_SATISFIABLE: &str = "RANGE_NOT_SATISFIABLE";

    pub const CONSUMER_NOT_FOUND: &str = "CONSUMER_NOT_FOUND";
    pub const CONSUMER_DEAD_LETTER_NOT_FOUND: &str = "CONSUMER_DEAD_LETTER_NOT_FOUND";
    pub const CONSUMER_DEAD_LETTER_UNREPLAYABLE: &str = "CONSUMER_DEAD_LETTER_UNREPLAYABLE";
    pub const CONSUMER_REPLAY_FAILED: &str = "CONSUMER_REPLAY_FAILED";
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, by the class of answer the caller gets.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("{message}")]
    Unauthorized { code: &'static str, message: String },
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    #[error("{message}")]
    NotFound { code: &'static str, message: String },
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("{message}")]
    Unprocessable { code: &'static str, message: String },
    /// The request or the thing it announces is over a size limit (413).
    #[error("{message}")]
    TooLarge { code: &'static str, message: String },
    /// A media type the server does not accept (415).
    #[error("{message}")]
    UnsupportedType { code: &'static str, message: String },
    /// The client was too slow sending its request (408).
    #[error("{message}")]
    Timeout { code: &'static str, message: String },
    /// A range outside what it asks for (416).
    #[error("{message}")]
    RangeNotSatisfiable { code: &'static str, message: String },
    #[error("{message}")]
    RateLimited {
        code: &'static str,
        message: String,
        retry_after: Duration,
    },
    /// A dependency (database, bus) is down; the request may succeed later.
    #[error("{0}")]
    Unavailable(String),
    /// A stale write, with the task as it stands for the client to merge with.
    #[error("{message}")]
    VersionConflict {
        code: &'static str,
        message: String,
        current: std::sync::Arc<crate::project::model::Task>,
    },
    /// Too much in flight: try again shortly (429).
    #[error("{message}")]
    Busy {
        code: &'static str,
        message: String,
        retry_after: Duration,
    },
    /// A part of the system cannot serve this now (503), with a specific code.
    #[error("{message}")]
    Stalled { code: &'static str, message: String },
    /// A bug or an unexpected failure. The message is logged, never shown to clients.
    #[error("{0}")]
    Internal(String),
}

impl Error {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest {
            code: codes::BAD_REQUEST,
            message: message.into(),
        }
    }

    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            message: message.into(),
        }
    }

    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::Unauthorized {
            code,
            message: message.into(),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden {
            code: codes::FORBIDDEN,
            message: message.into(),
        }
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::NotFound {
            code,
            message: message.into(),
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            message: message.into(),
        }
    }

    /// The stable code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { code, .. }
            | Self::Unauthorized { code, .. }
            | Self::Forbidden { code, .. }
            | Self::NotFound { code, .. }
            | Self::Conflict { code, .. }
            | Self::Unprocessable { code, .. }
            | Self::TooLarge { code, .. }
            | Self::UnsupportedType { code, .. }
            | Self::Timeout { code, .. }
            | Self::RangeNotSatisfiable { code, .. }
            | Self::RateLimited { code, .. }
            | Self::VersionConflict { code, .. }
            | Self::Busy { code, .. }
            | Self::Stalled { code, .. } => code,
            Self::Unavailable(_) => codes::SERVICE_UNAVAILABLE,
            Self::Internal(_) => codes::INTERNAL_ERROR,
        }
    }
}

impl From<crate::store::StoreError> for Error {
    fn from(err: crate::store::StoreError) -> Self {
        match err {
            crate::store::StoreError::Unavailable(m) => Self::Unavailable(m),
            other => Self::Internal(other.to_string()),
        }
    }
}
