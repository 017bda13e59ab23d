//! `/users/me/notifications`: the caller's inbox.

use crate::envelope::{ApiResult, Reply, ok};
use crate::extract::{Caller, parse_id};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use corral_actors::store::NotificationView;
use serde::Serialize;
use uuid::Uuid;

#[derive(Serialize)]
pub struct NotificationDto {
    id: Uuid,
    #[serde(rename = "type")]
    kind: String,
    actor_full_name: String,
    actor_username: String,
    task_id: Option<Uuid>,
    task_title: String,
    task_number: Option<i64>,
    /// Corral: a mention in a document comment links to the document.
    #[serde(skip_serializing_if = "Option::is_none")]
    document_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    document_title: Option<String>,
    project_id: Uuid,
    project_name: String,
    read_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl From<NotificationView> for NotificationDto {
    fn from(n: NotificationView) -> Self {
        Self {
            id: n.id.0,
            kind: n.kind,
            actor_full_name: n.actor_full_name,
            actor_username: n.actor_username,
            task_id: n.task_id.map(|t| t.0),
            task_title: n.task_title,
            task_number: n.task_number,
            document_id: n.document_id.map(|d| d.0),
            document_title: n.document_id.map(|_| n.document_title),
            project_id: n.project_id.0,
            project_name: n.project_name,
            read_at: n.read_at,
            created_at: n.created_at,
        }
    }
}

#[derive(Serialize)]
pub struct Inbox {
    items: Vec<NotificationDto>,
    unread_count: u64,
}

pub async fn list(State(state): State<AppState>, Caller(me): Caller) -> ApiResult<Reply<Inbox>> {
    let (items, unread_count) = state.inbox.list(&me).await?;
    Ok(ok(Inbox {
        items: items.into_iter().map(Into::into).collect(),
        unread_count,
    }))
}

pub async fn mark_read(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state
        .inbox
        .mark_read(&me, parse_id(&id, "notification id")?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn mark_all_read(
    State(state): State<AppState>,
    Caller(me): Caller,
) -> ApiResult<StatusCode> {
    state.inbox.mark_all_read(&me).await?;
    Ok(StatusCode::NO_CONTENT)
}
