//! `/admin/users`: user administration (global permissions `users.*`, `global_roles.assign`).

use super::dto::{RoleDto, UserDto};
use crate::envelope::{ApiError, ApiResult, Reply, created, ok};
use crate::extract::{Caller, Json, parse_id};
use crate::pagination::{Page, PageQuery};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use corral_actors::accounts::{AccountChanges, NewAccount};
use corral_actors::ids::{GlobalRoleId, UserId};
use corral_actors::patch::Patch;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

fn user_id(raw: &str) -> Result<UserId, ApiError> {
    parse_id(raw, "user id")
}

pub async fn list(
    State(state): State<AppState>,
    Caller(me): Caller,
    Query(query): Query<PageQuery>,
) -> ApiResult<Reply<Page<UserDto>>> {
    let params = query.params();
    let (users, total) = state
        .accounts
        .list_users(&me, params.page, params.page_size)
        .await?;
    Ok(ok(Page {
        items: users.into_iter().map(Into::into).collect(),
        total,
        page: params.page,
        page_size: params.page_size,
    }))
}

#[derive(Deserialize)]
pub struct CreateUser {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    role: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    Caller(me): Caller,
    Json(body): Json<CreateUser>,
) -> ApiResult<Reply<UserDto>> {
    let user = state
        .accounts
        .create_user(
            &me,
            NewAccount {
                username: &body.username,
                password: &body.password,
                full_name: &body.full_name,
                role: body.role.as_deref().filter(|r| !r.is_empty()),
            },
        )
        .await?;
    Ok(created(user.into()))
}

pub async fn get(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(raw): Path<String>,
) -> ApiResult<Reply<UserDto>> {
    Ok(ok(state
        .accounts
        .get_user(&me, user_id(&raw)?)
        .await?
        .into()))
}

#[derive(Deserialize)]
pub struct UpdateUser {
    #[serde(default)]
    full_name: Patch<String>,
    /// Role name.
    #[serde(default)]
    role: Patch<String>,
    #[serde(default)]
    is_active: Patch<bool>,
}

pub async fn update(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(raw): Path<String>,
    Json(body): Json<UpdateUser>,
) -> ApiResult<Reply<UserDto>> {
    let id = user_id(&raw)?;
    let full_name = match &body.full_name {
        Patch::Absent => None,
        Patch::Null => Some(""),
        Patch::Value(name) => Some(name.as_str()),
    };
    // Paca treats an empty role as "unchanged".
    let role = body.role.required("role").map_err(ApiError::bad_request)?;
    let is_active = body
        .is_active
        .required("is_active")
        .map_err(ApiError::bad_request)?;
    let changes = AccountChanges {
        full_name,
        role: role.as_deref().filter(|r| !r.is_empty()),
        is_active,
    };
    Ok(ok(state
        .accounts
        .update_user(&me, id, changes)
        .await?
        .into()))
}

#[derive(Deserialize)]
pub struct ResetPassword {
    #[serde(default)]
    new_password: String,
}

pub async fn reset_password(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(raw): Path<String>,
    Json(body): Json<ResetPassword>,
) -> ApiResult<StatusCode> {
    let id = user_id(&raw)?;
    state
        .accounts
        .reset_password(&me, id, &body.new_password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    state.accounts.delete_user(&me, user_id(&raw)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct AssignRoles {
    #[serde(default)]
    role_ids: Vec<Uuid>,
}

#[derive(Serialize)]
pub struct AssignedRoles {
    user_id: Uuid,
    roles: Vec<RoleDto>,
}

pub async fn assign_roles(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(raw): Path<String>,
    Json(body): Json<AssignRoles>,
) -> ApiResult<Reply<AssignedRoles>> {
    let id = user_id(&raw)?;
    let role_ids: Vec<GlobalRoleId> = body.role_ids.into_iter().map(GlobalRoleId).collect();
    let (user, role) = state
        .accounts
        .assign_global_roles(&me, id, &role_ids)
        .await?;
    Ok(ok(AssignedRoles {
        user_id: user.0,
        roles: vec![role.into()],
    }))
}
