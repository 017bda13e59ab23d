//! Every route and layer, in one place.

use crate::access::{REQUEST_ID_HEADER, access};
use crate::envelope::ApiError;
use crate::handlers::{
    admin_users, agent_catalog, agents, api_keys, attachments, auth, board, consumers,
    conversations, docs, global_roles, health, me, notifications, planning, plugins, projects,
    task_config, tasks,
};
use crate::state::AppState;
use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use axum::routing::{delete, get, patch, post, put};
use axum::{BoxError, Router, middleware};
use corral_actors::error::codes;
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::CompressionLevel;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Request limits of the REST edge.
#[derive(Clone, Debug)]
pub struct HttpLimits {
    /// Largest accepted request body (Paca's gateway: 10 MiB).
    pub max_body_bytes: usize,
    /// A request still running after this gets 503 `REQUEST_TIMEOUT`.
    pub request_timeout: Duration,
    /// Origins allowed to call with credentials; empty allows any origin without them (Paca).
    pub cors_origins: Vec<HeaderValue>,
}

pub fn router(state: AppState, limits: &HttpLimits) -> Router {
    let v1 = Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/refresh", post(auth::refresh))
        .route("/auth/logout", post(auth::logout))
        .route("/users/me", get(me::get).patch(me::update))
        .route("/users/me/password", patch(me::change_password))
        .route("/users/me/global-permissions", get(me::global_permissions))
        .route(
            "/users/me/api-keys",
            get(api_keys::list).post(api_keys::create),
        )
        .route("/users/me/api-keys/{key_id}", delete(api_keys::revoke))
        .route(
            "/admin/users",
            get(admin_users::list).post(admin_users::create),
        )
        .route(
            "/admin/users/{user_id}",
            get(admin_users::get)
                .patch(admin_users::update)
                .delete(admin_users::delete),
        )
        .route(
            "/admin/users/{user_id}/password",
            patch(admin_users::reset_password),
        )
        .route(
            "/admin/users/{user_id}/global-roles",
            put(admin_users::assign_roles),
        )
        .route("/admin/consumers", get(consumers::list))
        .route(
            "/admin/consumers/{name}/dead-letters",
            get(consumers::dead_letters),
        )
        .route(
            "/admin/consumers/{name}/dead-letters/{entry_id}",
            delete(consumers::discard),
        )
        .route(
            "/admin/consumers/{name}/dead-letters/{entry_id}/replay",
            post(consumers::replay),
        )
        .route(
            "/admin/global-roles",
            get(global_roles::list).post(global_roles::create),
        )
        .route(
            "/admin/global-roles/{role_id}",
            patch(global_roles::update).delete(global_roles::delete),
        )
        .route("/users/me/notifications", get(notifications::list))
        .route(
            "/users/me/notifications/read-all",
            post(notifications::mark_all_read),
        )
        .route(
            "/users/me/notifications/{id}/read",
            patch(notifications::mark_read),
        )
        .route("/plugins", get(plugins::list))
        .route("/agents/llm-models", get(agent_catalog::llm_models))
        .route(
            "/agents/skill-templates",
            get(agent_catalog::skill_templates),
        )
        .route("/projects", get(projects::list).post(projects::create))
        .route(
            "/projects/{project_id}",
            get(projects::get)
                .patch(projects::update)
                .delete(projects::delete),
        )
        .route(
            "/projects/{project_id}/members",
            get(projects::list_members).post(projects::add_member),
        )
        .route(
            "/projects/{project_id}/members/me/permissions",
            get(projects::my_permissions),
        )
        .route(
            "/projects/{project_id}/members/{member_id}",
            patch(projects::update_member).delete(projects::remove_member),
        )
        .route(
            "/projects/{project_id}/roles",
            get(projects::list_roles).post(projects::create_role),
        )
        .route(
            "/projects/{project_id}/roles/{role_id}",
            patch(projects::update_role).delete(projects::delete_role),
        )
        .route(
            "/projects/{project_id}/task-types",
            get(task_config::list_types).post(task_config::create_type),
        )
        .route(
            "/projects/{project_id}/task-types/{type_id}",
            patch(task_config::update_type).delete(task_config::delete_type),
        )
        .route(
            "/projects/{project_id}/task-types/{type_id}/set-default",
            put(task_config::default_type),
        )
        .route(
            "/projects/{project_id}/task-statuses",
            get(task_config::list_statuses).post(task_config::create_status),
        )
        .route(
            "/projects/{project_id}/task-statuses/positions",
            put(task_config::reorder_statuses),
        )
        .route(
            "/projects/{project_id}/task-statuses/{status_id}",
            patch(task_config::update_status).delete(task_config::delete_status),
        )
        .route(
            "/projects/{project_id}/task-statuses/{status_id}/set-default",
            put(task_config::default_status),
        )
        .route("/projects/{project_id}/board", get(board::get))
        .route(
            "/projects/{project_id}/tasks",
            get(tasks::list).post(tasks::create),
        )
        .route(
            "/projects/{project_id}/tasks/by-number/{number}",
            get(tasks::by_number),
        )
        .route(
            "/projects/{project_id}/tasks/{task_id}",
            get(tasks::get).patch(tasks::update).delete(tasks::delete),
        )
        .route(
            "/projects/{project_id}/tasks/{task_id}/activities",
            get(tasks::activities),
        )
        .route(
            "/projects/{project_id}/tasks/{task_id}/activities/comments",
            post(tasks::add_comment),
        )
        .route(
            "/projects/{project_id}/tasks/{task_id}/activities/comments/{comment_id}",
            patch(tasks::update_comment).delete(tasks::delete_comment),
        )
        .route("/projects/{project_id}/events", get(tasks::events))
        .route(
            "/projects/{project_id}/sprints",
            get(planning::list_sprints).post(planning::create_sprint),
        )
        .route(
            "/projects/{project_id}/sprints/{sprint_id}",
            get(planning::get_sprint)
                .patch(planning::update_sprint)
                .delete(planning::delete_sprint),
        )
        .route(
            "/projects/{project_id}/sprints/{sprint_id}/complete",
            post(planning::complete_sprint),
        )
        .route(
            "/projects/{project_id}/views",
            get(planning::list_views).post(planning::create_view),
        )
        .route(
            "/projects/{project_id}/views/positions",
            put(planning::reorder_views),
        )
        .route(
            "/projects/{project_id}/views/{view_id}",
            get(planning::get_view)
                .patch(planning::update_view)
                .delete(planning::delete_view),
        )
        .route(
            "/projects/{project_id}/views/{view_id}/task-positions",
            get(planning::list_positions).put(planning::place_tasks),
        )
        .route(
            "/projects/{project_id}/views/{view_id}/task-positions/{task_id}",
            put(planning::place_task),
        )
        .route(
            "/projects/{project_id}/agents",
            get(agents::list).post(agents::create),
        )
        .route(
            "/projects/{project_id}/agents/{agent_id}",
            get(agents::get)
                .patch(agents::update)
                .delete(agents::delete),
        )
        .route(
            "/projects/{project_id}/agents/{agent_id}/skills",
            get(agents::list_skills).post(agents::add_skill),
        )
        .route(
            "/projects/{project_id}/agents/{agent_id}/skills/{skill_id}",
            patch(agents::update_skill).delete(agents::delete_skill),
        )
        .route(
            "/projects/{project_id}/agents/{agent_id}/mcp-servers",
            get(agents::list_mcp).post(agents::add_mcp),
        )
        .route(
            "/projects/{project_id}/agents/{agent_id}/mcp-servers/{server_id}",
            patch(agents::update_mcp).delete(agents::delete_mcp),
        )
        .route(
            "/projects/{project_id}/agents/{agent_id}/env-vars",
            get(agents::list_env).post(agents::create_env),
        )
        .route(
            "/projects/{project_id}/agents/{agent_id}/env-vars/{env_var_id}",
            patch(agents::update_env).delete(agents::delete_env),
        )
        .route(
            "/projects/{project_id}/agents/{agent_id}/chat-sessions",
            get(conversations::list_chats).post(conversations::start_chat),
        )
        .route(
            "/projects/{project_id}/agents/{agent_id}/chat-sessions/{session_id}/messages",
            post(conversations::chat_message),
        )
        .route(
            "/projects/{project_id}/tasks/{task_id}/write-with-ai",
            post(conversations::write_with_ai),
        )
        .route(
            "/projects/{project_id}/conversations",
            get(conversations::list),
        )
        .route(
            "/projects/{project_id}/conversations/{conversation_id}",
            get(conversations::get),
        )
        .route(
            "/projects/{project_id}/conversations/{conversation_id}/events",
            get(conversations::events),
        )
        .route(
            "/projects/{project_id}/conversations/{conversation_id}/stop",
            post(conversations::stop),
        )
        .route(
            "/projects/{project_id}/conversations/{conversation_id}/pause",
            post(conversations::pause),
        )
        .route(
            "/projects/{project_id}/conversations/{conversation_id}/heartbeat",
            post(conversations::heartbeat),
        )
        .route(
            "/projects/{project_id}/conversations/{conversation_id}/messages",
            post(conversations::send_message),
        )
        .route(
            "/projects/{project_id}/custom-fields",
            get(planning::list_fields).post(planning::create_field),
        )
        .route(
            "/projects/{project_id}/custom-fields/{field_id}",
            get(planning::get_field)
                .patch(planning::update_field)
                .delete(planning::delete_field),
        )
        .route(
            "/projects/{project_id}/tasks/{task_id}/links",
            get(planning::list_links).post(planning::create_link),
        )
        .route(
            "/projects/{project_id}/tasks/{task_id}/links/{link_id}",
            delete(planning::delete_link),
        )
        .route(
            "/projects/{project_id}/docs/folders",
            get(docs::list_folders).post(docs::create_folder),
        )
        .route(
            "/projects/{project_id}/docs/folders/{folder_id}",
            patch(docs::update_folder).delete(docs::delete_folder),
        )
        .route(
            "/projects/{project_id}/docs",
            get(docs::list_documents).post(docs::create_document),
        )
        .route(
            "/projects/{project_id}/docs/{doc_id}",
            get(docs::get_document)
                .patch(docs::update_document)
                .delete(docs::delete_document),
        )
        .route(
            "/projects/{project_id}/docs/{doc_id}/snapshots",
            get(docs::list_snapshots),
        )
        .route(
            "/projects/{project_id}/docs/{doc_id}/snapshots/{snapshot_id}",
            get(docs::get_snapshot),
        )
        .route(
            "/projects/{project_id}/docs/{doc_id}/snapshots/{snapshot_id}/restore",
            post(docs::restore_snapshot),
        )
        .route(
            "/projects/{project_id}/docs/{doc_id}/activities",
            get(docs::list_activities),
        )
        .route(
            "/projects/{project_id}/docs/{doc_id}/files/initiate-upload",
            post(attachments::initiate_doc),
        )
        .route(
            "/projects/{project_id}/docs/{doc_id}/files/complete-upload",
            post(attachments::complete_doc),
        )
        .route(
            "/projects/{project_id}/docs/{doc_id}/files/{file_id}/download-url",
            get(attachments::doc_download_url),
        )
        .route(
            "/projects/{project_id}/docs/{doc_id}/files/{file_id}",
            delete(attachments::delete_doc_file),
        )
        .route(
            "/projects/{project_id}/docs/{doc_id}/comments",
            post(docs::add_comment),
        )
        .route(
            "/projects/{project_id}/docs/{doc_id}/comments/{comment_id}",
            patch(docs::update_comment).delete(docs::delete_comment),
        )
        .route(
            "/projects/{project_id}/tasks/{task_id}/attachments",
            get(attachments::list),
        )
        .route(
            "/projects/{project_id}/tasks/{task_id}/attachments/initiate-upload",
            post(attachments::initiate),
        )
        .route(
            "/projects/{project_id}/tasks/{task_id}/attachments/complete-upload",
            post(attachments::complete),
        )
        .route(
            "/projects/{project_id}/tasks/{task_id}/attachments/{attachment_id}/download-url",
            get(attachments::download_url),
        )
        .route(
            "/projects/{project_id}/tasks/{task_id}/attachments/{attachment_id}",
            delete(attachments::delete),
        );

    // The local blob store's uploads and downloads: no body limit (an upload is bounded by its
    // signed length) and no request timeout (a large file takes the time it takes; each chunk
    // has its own deadline), so they sit outside the API's edge layers.
    let storage = Router::new()
        .route(
            "/storage/{*key}",
            get(crate::storage::get).put(crate::storage::put),
        )
        .with_state(state.clone())
        .method_not_allowed_fallback(method_not_allowed)
        .layer(
            ServiceBuilder::new()
                .layer(middleware::from_fn(access))
                .layer(middleware::from_fn(crate::rejections::envelope_rejections))
                .layer(cors(&limits.cors_origins)),
        );
    // Live editing of documents: long-lived WebSockets, outside the request timeout and the
    // body limit (each message is bounded by the socket's own limit).
    let live = Router::new()
        .route("/ws/docs/{doc_id}", get(crate::docs_ws::connect))
        .with_state(state.clone())
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(access));
    let routes = Router::new()
        .route("/api/healthz", get(health::healthz))
        .route("/api/readyz", get(health::readyz))
        .nest("/api/v1", v1)
        .with_state(state);
    with_edge_layers(routes, limits).merge(storage).merge(live)
}

/// Responses compressed when the client accepts it: above 1 KB (a task page, a board), not a
/// write's small reply, which would cost more to compress than to send.
const COMPRESS_ABOVE: u16 = 1024;

/// What every route gets: compression of large responses, request ids and the access log,
/// CORS, the request timeout, the body limit, and enveloped 404/405; paths outside the API
/// serve the web UI (compressed).
fn with_edge_layers(routes: Router, limits: &HttpLimits) -> Router {
    // Outermost, so the layers inside (the rejection envelope) see bodies uncompressed. The
    // fastest level: a 4 MB board costs a few milliseconds, and shrinks about eight times.
    let compression = CompressionLayer::new()
        .quality(CompressionLevel::Fastest)
        .compress_when(
            SizeAbove::new(COMPRESS_ABOVE)
                .and(NotForContentType::GRPC)
                .and(NotForContentType::IMAGES)
                .and(NotForContentType::SSE),
        );
    routes
        .fallback_service(
            Router::new()
                .fallback(crate::web::serve)
                .layer(CompressionLayer::new()),
        )
        .method_not_allowed_fallback(method_not_allowed)
        .layer(
            ServiceBuilder::new()
                .layer(compression)
                .layer(middleware::from_fn(access))
                .layer(middleware::from_fn(crate::rejections::envelope_rejections))
                .layer(cors(&limits.cors_origins))
                .layer(HandleErrorLayer::new(timed_out))
                .timeout(limits.request_timeout)
                .layer(DefaultBodyLimit::max(limits.max_body_bytes)),
        )
}

fn cors(origins: &[HeaderValue]) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            HeaderName::from_static(REQUEST_ID_HEADER),
            HeaderName::from_static("x-api-key"),
            HeaderName::from_static("x-agent-id"),
        ])
        .expose_headers([
            HeaderName::from_static(REQUEST_ID_HEADER),
            header::RETRY_AFTER,
            // A multipart upload's client reads each part's ETag (Paca's web client does).
            header::ETAG,
        ])
        .max_age(Duration::from_secs(600));
    if origins.is_empty() {
        layer.allow_origin(AllowOrigin::any())
    } else {
        layer
            .allow_origin(AllowOrigin::list(origins.iter().cloned()))
            .allow_credentials(true)
    }
}

async fn timed_out(err: BoxError) -> Response {
    if err.is::<tower::timeout::error::Elapsed>() {
        ApiError::with_status(
            StatusCode::SERVICE_UNAVAILABLE,
            codes::REQUEST_TIMEOUT,
            "the request took too long and was cancelled",
        )
    } else {
        tracing::error!(error = %err, "middleware error");
        ApiError::with_status(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL_ERROR,
            "internal server error",
        )
    }
}

async fn method_not_allowed() -> Response {
    ApiError::with_status(
        StatusCode::METHOD_NOT_ALLOWED,
        codes::METHOD_NOT_ALLOWED,
        "method not allowed on this route",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    #[tokio::test]
    async fn slow_requests_time_out_with_the_envelope() {
        let slow = Router::new().route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        );
        let limits = HttpLimits {
            max_body_bytes: 1024,
            request_timeout: Duration::from_millis(50),
            cors_origins: Vec::new(),
        };
        let response = with_edge_layers(slow, &limits)
            .oneshot(Request::get("/slow").body(Body::empty()).expect("request"))
            .await
            .expect("response");
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(response.headers().contains_key(REQUEST_ID_HEADER));
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .expect("body");
        let json: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(json["error_code"], "REQUEST_TIMEOUT");
        assert_eq!(json["success"], false);
    }
}
