//! `/auth`: login, refresh, logout. Tokens travel only as HttpOnly cookies, never in bodies.

use crate::envelope::{ApiResult, message};
use crate::extract::{ACCESS_COOKIE, ClientIp, Json, REFRESH_COOKIE, access_token, cookie};
use crate::state::{AppState, CookieSettings};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{AppendHeaders, IntoResponse};
use cookie::{Cookie, SameSite};
use corral_actors::accounts::SessionTokens;
use serde::Deserialize;
use std::time::Duration;

pub const REFRESH_COOKIE_PATH: &str = "/api/v1/auth/refresh";

#[derive(Deserialize)]
pub struct LoginRequest {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    remember_me: bool,
}

pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(body): Json<LoginRequest>,
) -> ApiResult<impl IntoResponse> {
    let tokens = state
        .accounts
        .login(ip, &body.username, &body.password, body.remember_me)
        .await?;
    Ok((
        session_cookies(state.cookies, &tokens),
        message("logged in"),
    ))
}

pub async fn refresh(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> ApiResult<impl IntoResponse> {
    let tokens = state
        .accounts
        .refresh(cookie(&headers, REFRESH_COOKIE).as_deref())
        .await?;
    Ok((
        session_cookies(state.cookies, &tokens),
        message("token refreshed"),
    ))
}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> ApiResult<impl IntoResponse> {
    state
        .accounts
        .logout(
            access_token(&headers).as_deref(),
            cookie(&headers, REFRESH_COOKIE).as_deref(),
        )
        .await?;
    let cleared = [
        set_cookie(
            state.cookies,
            ACCESS_COOKIE,
            "",
            "/",
            SameSite::Lax,
            Duration::ZERO,
        ),
        set_cookie(
            state.cookies,
            REFRESH_COOKIE,
            "",
            REFRESH_COOKIE_PATH,
            SameSite::Strict,
            Duration::ZERO,
        ),
    ];
    Ok((AppendHeaders(cleared), message("logged out")))
}

fn session_cookies(
    settings: CookieSettings,
    tokens: &SessionTokens,
) -> AppendHeaders<[(header::HeaderName, HeaderValue); 2]> {
    AppendHeaders([
        set_cookie(
            settings,
            ACCESS_COOKIE,
            &tokens.access.token,
            "/",
            SameSite::Lax,
            tokens.access.ttl,
        ),
        set_cookie(
            settings,
            REFRESH_COOKIE,
            &tokens.refresh.token,
            REFRESH_COOKIE_PATH,
            SameSite::Strict,
            tokens.refresh.ttl,
        ),
    ])
}

fn set_cookie(
    settings: CookieSettings,
    name: &'static str,
    value: &str,
    path: &'static str,
    same_site: SameSite,
    max_age: Duration,
) -> (header::HeaderName, HeaderValue) {
    let max_age =
        cookie::time::Duration::seconds(i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX));
    let built = Cookie::build((name, value))
        .path(path)
        .http_only(true)
        .same_site(same_site)
        .secure(settings.secure)
        .max_age(max_age)
        .build();
    // Tokens are base64url and dots: always a valid header value.
    let value =
        HeaderValue::from_str(&built.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""));
    (header::SET_COOKIE, value)
}
