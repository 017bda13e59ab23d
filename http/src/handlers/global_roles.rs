//! `/admin/global-roles` (global permissions `global_roles.*`).

use super::dto::RoleDto;
use crate::envelope::{ApiError, ApiResult, Message, Reply, created, message, ok};
use crate::extract::{Caller, Json, parse_id};
use crate::state::AppState;
use axum::extract::{Path, State};
use corral_actors::ids::GlobalRoleId;
use corral_actors::patch::Patch;
use corral_actors::permission::PermissionMap;
use serde::Deserialize;

fn role_id(raw: &str) -> Result<GlobalRoleId, ApiError> {
    parse_id(raw, "role id")
}

pub async fn list(
    State(state): State<AppState>,
    Caller(me): Caller,
) -> ApiResult<Reply<Vec<RoleDto>>> {
    let roles = state.accounts.list_roles(&me).await?;
    Ok(ok(roles.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize)]
pub struct CreateRole {
    #[serde(default)]
    name: String,
    /// `{"key": true}`; absent or `null` is empty.
    #[serde(default)]
    permissions: Option<PermissionMap>,
}

pub async fn create(
    State(state): State<AppState>,
    Caller(me): Caller,
    Json(body): Json<CreateRole>,
) -> ApiResult<Reply<RoleDto>> {
    let role = state
        .accounts
        .create_role(&me, &body.name, body.permissions.unwrap_or_default())
        .await?;
    Ok(created(role.into()))
}

#[derive(Deserialize)]
pub struct UpdateRole {
    #[serde(default)]
    name: Patch<String>,
    /// Replaces the whole map; absent or `null` leaves it as it is (Paca).
    #[serde(default)]
    permissions: Option<PermissionMap>,
}

pub async fn update(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(raw): Path<String>,
    Json(body): Json<UpdateRole>,
) -> ApiResult<Reply<RoleDto>> {
    let id = role_id(&raw)?;
    let name = body.name.required("name").map_err(ApiError::bad_request)?;
    let role = state
        .accounts
        .update_role(&me, id, name.as_deref(), body.permissions)
        .await?;
    Ok(ok(role.into()))
}

pub async fn delete(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(raw): Path<String>,
) -> ApiResult<Reply<Message>> {
    state.accounts.delete_role(&me, role_id(&raw)?).await?;
    Ok(message("global role deleted"))
}
