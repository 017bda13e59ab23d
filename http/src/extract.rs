//! Extractors: JSON bodies with enveloped errors, the authenticated caller, the client address,
//! ids in paths, and cookies.

use crate::envelope::ApiError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use corral_actors::Error;
use corral_actors::accounts::{Presented, Principal};
use corral_actors::auth::api_key;
use corral_actors::error::codes;
use serde::de::DeserializeOwned;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

pub const ACCESS_COOKIE: &str = "access_token";
pub const REFRESH_COOKIE: &str = "refresh_token";

/// A JSON request body. Malformed JSON and wrong types are 400 `BAD_REQUEST` naming the
/// problem; a body over the limit is 413 `PAYLOAD_TOO_LARGE`. Unknown fields are ignored, as
/// in Paca.
pub struct Json<T>(pub T);

pub struct BodyRejection(Response);

impl IntoResponse for BodyRejection {
    fn into_response(self) -> Response {
        self.0
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = BodyRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let req_content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            let too_large = rejection.status() == StatusCode::PAYLOAD_TOO_LARGE;
            BodyRejection(if too_large {
                ApiError::with_status(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    codes::PAYLOAD_TOO_LARGE,
                    "request body is too large",
                )
            } else {
                ApiError::bad_request(format!("could not read request body: {rejection}"))
                    .into_response()
            })
        })?;
        if let Some(media) = req_content_type.filter(|m| !is_json(m)) {
            return Err(BodyRejection(ApiError::with_status(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                codes::UNSUPPORTED_MEDIA_TYPE,
                &format!("expected a JSON body (Content-Type: application/json), got {media:?}"),
            )));
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(BodyRejection(
                ApiError::bad_request("request body is empty; expected a JSON object")
                    .into_response(),
            ));
        }
        let invalid =
            |message: String| BodyRejection(ApiError::bad_request(message).into_response());
        let mut json = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut json).map_err(|e| {
            invalid(match e.path().to_string().as_str() {
                "." | "" => format!("invalid JSON body: {}", e.inner()),
                path => format!("invalid JSON body: {path}: {}", e.inner()),
            })
        })?;
        json.end()
            .map_err(|e| invalid(format!("invalid JSON body: {e}")))?;
        if let Some(field) = field_with_nul(&bytes) {
            return Err(BodyRejection(
                ApiError(Error::invalid(
                    codes::VALIDATION_ERROR,
                    format!("{field} contains a NUL character, which cannot be stored"),
                ))
                .into_response(),
            ));
        }
        Ok(Json(value))
    }
}

/// Whether a `Content-Type` names JSON (`application/json`, `application/*+json`, any
/// parameters).
fn is_json(content_type: &str) -> bool {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    media == "application/json" || (media.starts_with("application/") && media.ends_with("+json"))
}

/// The path of the first string (or object key) in a JSON body that contains a NUL character,
/// which PostgreSQL cannot store in text and SQLite would store: refusing it at the edge keeps
/// both backends alike and a poisoned value out of every batch. JSON can only carry a NUL as
/// the escape `\u0000`, so bodies without one are not parsed twice.
pub fn field_with_nul(body: &[u8]) -> Option<String> {
    const ESCAPE: &[u8] = b"\\u0000";
    if !body.windows(ESCAPE.len()).any(|w| w == ESCAPE) {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    fn walk(value: &serde_json::Value, path: &mut String) -> bool {
        match value {
            serde_json::Value::String(s) => s.contains('\0'),
            serde_json::Value::Array(items) => items.iter().enumerate().any(|(i, item)| {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                let found = walk(item, path);
                if !found {
                    path.truncate(len);
                }
                found
            }),
            serde_json::Value::Object(fields) => fields.iter().any(|(key, item)| {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&key.replace('\0', "\\0"));
                let found = key.contains('\0') || walk(item, path);
                if !found {
                    path.truncate(len);
                }
                found
            }),
            _ => false,
        }
    }
    let mut path = String::new();
    walk(&value, &mut path).then(|| {
        if path.is_empty() {
            "the body".to_owned()
        } else {
            format!("field `{path}`")
        }
    })
}

/// The caller, authenticated against the store on this request.
pub struct Caller(pub Principal);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let presented = presented_credential(&parts.headers).ok_or_else(|| {
            Error::unauthorized(codes::AUTH_MISSING_TOKEN, "missing authentication")
        })?;
        Ok(Self(state.accounts.authenticate(&presented).await?))
    }
}

/// The caller of a project route: authenticated when credentials are present (bad ones are
/// refused), anonymous otherwise (public projects).
pub struct ProjectCaller(pub corral_actors::project::Caller);

impl FromRequestParts<AppState> for ProjectCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(presented) = presented_credential(&parts.headers) else {
            return Ok(Self(corral_actors::project::Caller::anonymous()));
        };
        let acting_agent = acting_agent(&parts.headers)?;
        let principal = state.accounts.authenticate(&presented).await?;
        principal.require_fresh_password()?;
        let mut caller: corral_actors::project::Caller = (&principal).into();
        caller.acting_agent = acting_agent;
        Ok(Self(caller))
    }
}

/// `X-Agent-ID`: the agent a project request acts as (checked by the project; see
/// `corral_actors::project::access::acting_as`).
fn acting_agent(headers: &HeaderMap) -> Result<Option<corral_actors::ids::AgentId>, ApiError> {
    let Some(raw) = headers.get("x-agent-id") else {
        return Ok(None);
    };
    raw.to_str()
        .ok()
        .and_then(|v| uuid::Uuid::parse_str(v.trim()).ok())
        .map(|id| Some(corral_actors::ids::AgentId(id)))
        .ok_or_else(|| ApiError::bad_request("X-Agent-ID must be an agent id (a UUID)"))
}

/// Credentials in Paca's order: the `access_token` cookie, `Authorization: Bearer`,
/// `Authorization: ApiKey`, `X-API-Key`. A `paca_` key sent as a bearer token is taken as a key.
pub fn presented_credential(headers: &HeaderMap) -> Option<Presented> {
    if let Some(token) = cookie(headers, ACCESS_COOKIE) {
        return Some(Presented::AccessToken(token));
    }
    if let Some((scheme, value)) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
    {
        let value = value.trim().to_owned();
        if scheme.eq_ignore_ascii_case("bearer") && !value.is_empty() {
            return Some(if api_key::looks_valid(&value) {
                Presented::ApiKey(value)
            } else {
                Presented::AccessToken(value)
            });
        }
        if scheme.eq_ignore_ascii_case("apikey") && !value.is_empty() {
            return Some(Presented::ApiKey(value));
        }
    }
    headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| Presented::ApiKey(v.to_owned()))
}

/// The bearer token or `access_token` cookie, if any (for logout).
pub fn access_token(headers: &HeaderMap) -> Option<String> {
    match presented_credential(headers)? {
        Presented::AccessToken(token) => Some(token),
        Presented::ApiKey(_) => None,
    }
}

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
}

/// The client's address: the peer, or the first `X-Forwarded-For` hop when configured to trust
/// a gateway.
pub struct ClientIp(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if state.trust_forwarded_for {
            let forwarded = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .and_then(|v| v.trim().parse().ok());
            if forwarded.is_some() {
                return Ok(Self(forwarded));
            }
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        Ok(Self(peer))
    }
}

/// Parses an id from a path segment; `what` names it in the error ("invalid user id").
pub fn parse_id<T: FromStr>(raw: &str, what: &str) -> Result<T, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::bad_request(format!("invalid {what}")))
}
