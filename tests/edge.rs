//! Paca's conventions at the edge: health, envelope, request ids, CORS, unknown routes, body
//! limits and malformed bodies.

mod common;

use common::{Backend, TestServer};
use serde_json::json;

async fn health_and_readiness(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = s.client();
    let h = c.get("/api/healthz").await;
    assert_eq!((h.status, &h.body), (200, &json!({"status": "ok"})));
    let r = c.get("/api/readyz").await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["status"], "ok");
    assert_eq!(r.body["failing"], json!([]));
    let (db, bus) = match b {
        Backend::Sqlite => ("sqlite", "in-process"),
        Backend::PostgresValkey => ("postgres", "valkey"),
    };
    assert_eq!(
        (
            r.body["database"]["backend"].as_str(),
            r.body["bus"]["backend"].as_str()
        ),
        (Some(db), Some(bus))
    );
}

async fn request_ids_and_envelope(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = s.admin().await;
    let given = c
        .send(
            "GET",
            "/api/v1/users/me",
            None,
            &[("x-request-id", "trace-abc-123")],
        )
        .await;
    assert_eq!(given.status, 200);
    assert_eq!(given.header("x-request-id"), Some("trace-abc-123"));
    assert_eq!(given.body["success"], json!(true));
    assert_eq!(given.body["request_id"], json!("trace-abc-123"));
    let generated = c.get("/api/v1/users/me").await;
    let id = generated
        .header("x-request-id")
        .expect("generated id")
        .to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    assert_eq!(generated.body["request_id"], json!(id));
    // Errors carry it too.
    let err = c
        .send(
            "GET",
            "/api/v1/admin/users/not-a-uuid",
            None,
            &[("x-request-id", "err-1")],
        )
        .await;
    err.assert_error(400, "BAD_REQUEST");
    assert_eq!(err.body["request_id"], json!("err-1"));
}

async fn unknown_routes_and_methods(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = s.client();
    c.get("/api/v1/nope").await.assert_error(404, "NOT_FOUND");
    c.send("PUT", "/api/v1/auth/login", None, &[])
        .await
        .assert_error(405, "METHOD_NOT_ALLOWED");
    // Outside the API, unknown paths belong to the web app, but writes do not.
    c.send("POST", "/board", None, &[])
        .await
        .assert_error(405, "METHOD_NOT_ALLOWED");
    c.get("/assets/missing-1234.js")
        .await
        .assert_error(404, "NOT_FOUND");
}

/// What Paca's web client asks for on its first page, before any project: the plugin list
/// (empty: no plugin is installed), with or without a session.
async fn first_load_plugin_list(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    for c in [s.client(), s.admin().await] {
        let r = c.get("/api/v1/plugins").await;
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(r.data(), &json!({"plugins": []}));
    }
}

async fn cors_allows_put(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let pre = s
        .client()
        .send(
            "OPTIONS",
            "/api/v1/admin/users/x/global-roles",
            None,
            &[
                ("origin", "http://localhost:3000"),
                ("access-control-request-method", "PUT"),
                (
                    "access-control-request-headers",
                    "content-type,x-request-id",
                ),
            ],
        )
        .await;
    assert!(pre.status < 300, "{pre:?}");
    assert_eq!(pre.header("access-control-allow-origin"), Some("*"));
    let methods = pre
        .header("access-control-allow-methods")
        .unwrap_or_default()
        .to_uppercase();
    for m in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
        assert!(methods.contains(m), "{m} missing from {methods}");
    }
    let headers = pre
        .header("access-control-allow-headers")
        .unwrap_or_default()
        .to_lowercase();
    assert!(
        headers.contains("x-request-id") && headers.contains("content-type"),
        "{headers}"
    );
}

async fn malformed_bodies_change_nothing(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = s.admin().await;
    let before = c.get("/api/v1/admin/users").await.data()["total"].clone();
    for body in [&b"{not json"[..], b"", b"[1,2]", b"\"string\""] {
        c.raw("POST", "/api/v1/admin/users", body)
            .await
            .assert_error(400, "BAD_REQUEST");
    }
    let wrong_types = json!({"username": 42, "password": "long-enough", "full_name": "x"});
    let r = c.post("/api/v1/admin/users", &wrong_types).await;
    r.assert_error(400, "BAD_REQUEST");
    assert!(
        r.body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("username"),
        "{r:?}"
    );
    assert_eq!(c.get("/api/v1/admin/users").await.data()["total"], before);
}

async fn oversized_bodies_are_refused(b: Backend) {
    let Some(s) = TestServer::start_with(b, &[("MAX_BODY_BYTES", "2048")]).await else {
        return;
    };
    let c = s.admin().await;
    let big =
        json!({"username": "bigbody", "password": "long-enough", "full_name": "x".repeat(4096)});
    let r = c.post("/api/v1/admin/users", &big).await;
    r.assert_error(413, "PAYLOAD_TOO_LARGE");
    assert_eq!(
        c.get("/api/v1/admin/users").await.data()["total"],
        json!(1),
        "nothing created"
    );
    // Just under the limit is fine.
    let ok =
        json!({"username": "smallbody", "password": "long-enough", "full_name": "x".repeat(1500)});
    let r = c.post("/api/v1/admin/users", &ok).await;
    r.assert_error(400, "BAD_REQUEST"); // over the 200-character full_name limit, but read
    assert!(
        r.body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("full_name")
    );
}

/// A database that cannot take the request (every pooled connection busy, or locked) answers
/// 503 with a stable code and nothing of the database's own words.
async fn store_outages_answer_503_without_internals(b: Backend) {
    use sqlx::Connection;
    let Some(s) = TestServer::start_with(
        b,
        &[
            ("DATABASE_MAX_CONNECTIONS", "1"),
            ("SESSION_CACHE_TTL", "0s"),
            ("REQUEST_TIMEOUT", "30s"),
        ],
    )
    .await
    else {
        return;
    };
    let c = std::sync::Arc::new(s.admin().await);
    // Hold the database from outside: an exclusive SQLite transaction, or a PostgreSQL lock
    // that the server's only pooled connection will wait on.
    let holder: Box<dyn std::any::Any + Send> = match b {
        Backend::Sqlite => {
            let url = format!("sqlite://{}", s.data_dir.join("corral.db").display());
            let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("sqlite");
            sqlx::query("BEGIN EXCLUSIVE")
                .execute(&mut conn)
                .await
                .expect("lock");
            Box::new(conn)
        }
        Backend::PostgresValkey => {
            let url = &s.db.as_ref().expect("database").url;
            let mut conn = sqlx::PgConnection::connect(url).await.expect("postgres");
            sqlx::query("BEGIN")
                .execute(&mut conn)
                .await
                .expect("begin");
            sqlx::query("LOCK TABLE projects IN ACCESS EXCLUSIVE MODE")
                .execute(&mut conn)
                .await
                .expect("lock");
            Box::new(conn)
        }
    };
    let blocked = {
        let c = c.clone();
        tokio::spawn(async move {
            c.post("/api/v1/projects", &json!({"name": "Blocked"}))
                .await
        })
    };
    let r = match b {
        Backend::Sqlite => blocked.await.expect("request"),
        Backend::PostgresValkey => {
            // The one connection waits on the lock; the next request cannot get one.
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            c.get("/api/v1/users/me").await
        }
    };
    r.assert_error(503, "SERVICE_UNAVAILABLE");
    let text = r.body["error"].as_str().unwrap_or_default().to_lowercase();
    for internal in ["pool", "sqlx", "locked", "timed out", "postgres", "sqlite"] {
        assert!(!text.contains(internal), "{internal:?} leaked: {r:?}");
    }
    drop(holder);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        let _ = c.get("/api/healthz").await;
    })
    .await;
    let ready = c.get("/api/readyz").await;
    assert_eq!(ready.status, 200, "{ready:?}");
}

/// Large responses are gzip-compressed for a client that accepts it, and decode to the same
/// JSON; small ones (a write's reply) and clients that do not ask get plain JSON.
async fn large_responses_are_compressed(b: Backend) {
    use std::io::Read;
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = s.admin().await;
    let project = common::project(&c, "Compressed").await;
    for n in 0..20 {
        let r = c
            .post(
                &common::at(&project, "/tasks"),
                &json!({"title": format!("A task with a long enough title to fill the board {n}")}),
            )
            .await;
        assert_eq!(r.status, 201, "{r:?}");
    }
    let token = c.access_token().expect("signed in");
    let http = reqwest::Client::new();
    let get = |path: String, encoding: Option<&'static str>| {
        let mut req = http
            .get(format!("{}{path}", s.base))
            .header("cookie", format!("access_token={token}"));
        if let Some(e) = encoding {
            req = req.header("accept-encoding", e);
        }
        req.send()
    };
    let board = common::at(&project, "/board");
    let plain = get(board.clone(), None).await.expect("board");
    assert_eq!(plain.status(), 200);
    assert!(plain.headers().get("content-encoding").is_none());
    let plain: serde_json::Value = plain.json().await.expect("json");
    assert_eq!(plain["data"]["tasks"].as_array().map(Vec::len), Some(20));

    let zipped = get(board, Some("gzip")).await.expect("board");
    assert_eq!(zipped.status(), 200);
    assert_eq!(
        zipped
            .headers()
            .get("content-encoding")
            .map(|v| v.as_bytes()),
        Some(&b"gzip"[..])
    );
    let bytes = zipped.bytes().await.expect("body");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .expect("gzip");
    assert!(bytes.len() < text.len(), "smaller on the wire");
    let unzipped: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(unzipped["data"]["tasks"], plain["data"]["tasks"]);

    let small = get("/api/healthz".into(), Some("gzip"))
        .await
        .expect("health");
    assert!(
        small.headers().get("content-encoding").is_none(),
        "a small response goes as it is"
    );
}

on_both_backends!(
    large_responses_are_compressed,
    store_outages_answer_503_without_internals,
    health_and_readiness,
    request_ids_and_envelope,
    unknown_routes_and_methods,
    first_load_plugin_list,
    cors_allows_put,
    malformed_bodies_change_nothing,
    oversized_bodies_are_refused,
);
