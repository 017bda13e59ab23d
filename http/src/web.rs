//! The web UI: the single-page app built from `web/` into `web/dist`, embedded into the binary
//! (release builds carry the files; debug builds read them from disk, so a rebuilt UI shows up
//! without recompiling). A GET of any other path outside `/api` answers `index.html`, so the
//! app's own routes survive a reload, except a missing file (a last segment with a dot: 404);
//! other methods get 405.

use crate::envelope::ApiError;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use corral_actors::error::codes;
use rust_embed::{Embed, EmbeddedFile};

#[derive(Embed)]
#[folder = "../web/dist"]
#[allow_missing = true]
struct Assets;

/// Hashed build outputs never change under their name; everything else is revalidated.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// The fallback of the whole router: the API's enveloped 404 under `/api`, else the UI.
pub async fn serve(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path();
    if path == "/api" || path.starts_with("/api/") {
        return ApiError::with_status(StatusCode::NOT_FOUND, codes::NOT_FOUND, "route not found");
    }
    if method != Method::GET && method != Method::HEAD {
        let mut refused = ApiError::with_status(
            StatusCode::METHOD_NOT_ALLOWED,
            codes::METHOD_NOT_ALLOWED,
            "the web UI only answers GET and HEAD",
        );
        refused
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return refused;
    }
    let name = path.trim_start_matches('/');
    if let Some(file) = (!name.is_empty()).then(|| Assets::get(name)).flatten() {
        let cache = if name.starts_with("assets/") {
            IMMUTABLE
        } else {
            REVALIDATE
        };
        return respond(&file, cache, &headers);
    }
    // A missing file with an extension is a real 404 (a stale chunk, a typo), not an app route.
    let last = name.rsplit('/').next().unwrap_or_default();
    if last.contains('.') {
        return ApiError::with_status(StatusCode::NOT_FOUND, codes::NOT_FOUND, "file not found");
    }
    match Assets::get("index.html") {
        Some(index) => respond(&index, REVALIDATE, &headers),
        None => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "This Corral was built without its web UI (web/dist was empty); the API is at /api/v1.",
        )
            .into_response(),
    }
}

fn respond(file: &EmbeddedFile, cache: &'static str, headers: &HeaderMap) -> Response {
    // Weak: the same file may leave gzipped or not (the compression layer runs after this).
    let etag = format!("W/\"{}\"", hex_prefix(&file.metadata.sha256_hash()));
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim().trim_start_matches("W/") == &etag[2..])
        });
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Response::new(Body::from(file.data.clone().into_owned()))
    };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(file.metadata.mimetype()) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    response
}

fn hex_prefix(hash: &[u8; 32]) -> String {
    hash[..12].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn api_paths_keep_the_enveloped_404() {
        let r = serve(
            Method::GET,
            Uri::from_static("/api/v1/nope"),
            HeaderMap::new(),
        )
        .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert!(
            r.headers()[header::CONTENT_TYPE]
                .to_str()
                .expect("content type")
                .starts_with("application/json")
        );
    }

    #[tokio::test]
    async fn missing_files_are_not_app_routes() {
        let r = serve(
            Method::GET,
            Uri::from_static("/assets/gone-1234.js"),
            HeaderMap::new(),
        )
        .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn writes_outside_the_api_are_refused() {
        let r = serve(Method::POST, Uri::from_static("/board"), HeaderMap::new()).await;
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(r.headers()[header::ALLOW], "GET, HEAD");
    }
}
