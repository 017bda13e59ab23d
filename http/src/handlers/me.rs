//! `/users/me`: the caller's own profile, password and global permissions.

use super::dto::UserDto;
use crate::envelope::{ApiResult, Reply, ok};
use crate::extract::{Caller, Json};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use corral_actors::patch::Patch;
use serde::{Deserialize, Serialize};

pub async fn get(State(state): State<AppState>, Caller(me): Caller) -> ApiResult<Reply<UserDto>> {
    Ok(ok(state.accounts.me(&me)?.into()))
}

#[derive(Deserialize)]
pub struct UpdateMe {
    #[serde(default)]
    full_name: Patch<String>,
}

pub async fn update(
    State(state): State<AppState>,
    Caller(me): Caller,
    Json(body): Json<UpdateMe>,
) -> ApiResult<Reply<UserDto>> {
    let full_name = match &body.full_name {
        Patch::Absent => return Ok(ok(state.accounts.me(&me)?.into())),
        Patch::Null => "",
        Patch::Value(name) => name.as_str(),
    };
    Ok(ok(state
        .accounts
        .update_me(&me, Some(full_name))
        .await?
        .into()))
}

#[derive(Deserialize)]
pub struct ChangePassword {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    Caller(me): Caller,
    Json(body): Json<ChangePassword>,
) -> ApiResult<StatusCode> {
    state
        .accounts
        .change_password(&me, &body.current_password, &body.new_password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
pub struct GlobalPermissions {
    permissions: Vec<String>,
}

pub async fn global_permissions(
    State(state): State<AppState>,
    Caller(me): Caller,
) -> ApiResult<Reply<GlobalPermissions>> {
    let permissions = state.accounts.global_permissions(&me)?;
    Ok(ok(GlobalPermissions { permissions }))
}
