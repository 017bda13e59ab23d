//! `/users/me/api-keys`: personal API keys (browser sessions only).

use crate::envelope::{ApiResult, Reply, created, ok};
use crate::extract::{Caller, Json, parse_id};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use corral_actors::user::ApiKey;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Paca's key: the key itself is never listed.
#[derive(Serialize)]
pub struct ApiKeyDto {
    id: Uuid,
    name: String,
    key_prefix: String,
    last_used_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl From<ApiKey> for ApiKeyDto {
    fn from(key: ApiKey) -> Self {
        Self {
            id: key.id.0,
            name: key.name,
            key_prefix: key.key_prefix,
            last_used_at: key.last_used_at,
            expires_at: key.expires_at,
            created_at: key.created_at,
        }
    }
}

/// A new key, shown once: the key DTO plus `key`.
#[derive(Serialize)]
pub struct CreatedApiKeyDto {
    #[serde(flatten)]
    api_key: ApiKeyDto,
    key: String,
}

pub async fn list(
    State(state): State<AppState>,
    Caller(me): Caller,
) -> ApiResult<Reply<Vec<ApiKeyDto>>> {
    let keys = state.accounts.list_api_keys(&me).await?;
    Ok(ok(keys.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize)]
pub struct CreateApiKey {
    #[serde(default)]
    name: String,
    #[serde(default)]
    expires_at: Option<DateTime<Utc>>,
}

pub async fn create(
    State(state): State<AppState>,
    Caller(me): Caller,
    Json(body): Json<CreateApiKey>,
) -> ApiResult<Reply<CreatedApiKeyDto>> {
    let created_key = state
        .accounts
        .create_api_key(&me, &body.name, body.expires_at)
        .await?;
    Ok(created(CreatedApiKeyDto {
        api_key: created_key.api_key.into(),
        key: created_key.key,
    }))
}

pub async fn revoke(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(key_id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = parse_id(&key_id, "key ID")?;
    state.accounts.revoke_api_key(&me, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
