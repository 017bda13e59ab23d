//! `/users/me/api-keys`: personal keys, how they authenticate, expiry and revocation.

mod common;

use common::{Auth, Backend, TestServer};
use serde_json::json;
use std::time::Duration;

const KEYS: &str = "/api/v1/users/me/api-keys";

async fn create_list_use_revoke(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let (c, _) = s.user("alice", "USER").await;
    assert_eq!(c.get(KEYS).await.data(), &json!([]));
    let created = c.post(KEYS, &json!({"name": "  CI bot  "})).await;
    assert_eq!(created.status, 201, "{created:?}");
    let d = created.data().clone();
    let key = d["key"].as_str().expect("key").to_owned();
    assert!(
        key.starts_with("paca_")
            && key.len() == 69
            && key[5..].bytes().all(|b| b.is_ascii_hexdigit()),
        "{key}"
    );
    assert_eq!(d["key_prefix"].as_str(), Some(&key[5..13]));
    assert_eq!(
        (d["name"].as_str(), &d["last_used_at"], &d["expires_at"]),
        (Some("CI bot"), &json!(null), &json!(null))
    );

    let listed = c.get(KEYS).await;
    assert_eq!(listed.data().as_array().map(Vec::len), Some(1));
    assert!(
        listed.data()[0].get("key").is_none(),
        "the key is shown once"
    );
    assert_eq!(listed.data()[0]["id"], d["id"]);

    for auth in [
        Auth::XApiKey(key.clone()),
        Auth::ApiKeyScheme(key.clone()),
        Auth::Bearer(key.clone()),
    ] {
        let me = c.with_auth(auth).get("/api/v1/users/me").await;
        assert_eq!(
            (me.status, me.data()["username"].as_str()),
            (200, Some("alice"))
        );
    }
    assert!(
        c.get(KEYS).await.data()[0]["last_used_at"]
            .as_str()
            .is_some(),
        "use is recorded"
    );

    // Keys cannot manage keys.
    let with_key = c.with_auth(Auth::XApiKey(key.clone()));
    with_key.get(KEYS).await.assert_error(403, "FORBIDDEN");
    with_key
        .post(KEYS, &json!({"name": "x"}))
        .await
        .assert_error(403, "FORBIDDEN");

    let id = d["id"].as_str().expect("id");
    let revoked = c.delete(&format!("{KEYS}/{id}")).await;
    assert_eq!(revoked.status, 204);
    with_key
        .get("/api/v1/users/me")
        .await
        .assert_error(401, "API_KEY_REVOKED");
    c.delete(&format!("{KEYS}/{id}"))
        .await
        .assert_error(404, "API_KEY_NOT_FOUND");
    assert_eq!(c.get(KEYS).await.data(), &json!([]));
    c.delete(&format!("{KEYS}/not-a-uuid"))
        .await
        .assert_error(400, "BAD_REQUEST");
}

async fn bad_input_creates_nothing(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = s.admin().await;
    c.post(KEYS, &json!({"name": "   "}))
        .await
        .assert_error(400, "API_KEY_NAME_INVALID");
    c.post(KEYS, &json!({}))
        .await
        .assert_error(400, "API_KEY_NAME_INVALID");
    c.post(KEYS, &json!({"name": "n".repeat(101)}))
        .await
        .assert_error(400, "API_KEY_NAME_TOO_LONG");
    c.post(
        KEYS,
        &json!({"name": "old", "expires_at": "2001-01-01T00:00:00Z"}),
    )
    .await
    .assert_error(400, "BAD_REQUEST");
    c.post(KEYS, &json!({"name": "bad date", "expires_at": "tomorrow"}))
        .await
        .assert_error(400, "BAD_REQUEST");
    c.raw("POST", KEYS, b"{")
        .await
        .assert_error(400, "BAD_REQUEST");
    assert_eq!(c.get(KEYS).await.data(), &json!([]));
    c.with_auth(Auth::XApiKey("paca_nope".into()))
        .get("/api/v1/users/me")
        .await
        .assert_error(401, "AUTH_TOKEN_INVALID");
    let unknown = format!("paca_{}", "0".repeat(64));
    c.with_auth(Auth::XApiKey(unknown))
        .get("/api/v1/users/me")
        .await
        .assert_error(401, "AUTH_TOKEN_INVALID");
}

async fn keys_expire(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = s.admin().await;
    let expires = (chrono::Utc::now() + chrono::Duration::milliseconds(1500)).to_rfc3339();
    let created = c
        .post(KEYS, &json!({"name": "short-lived", "expires_at": expires}))
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    let key = created.data()["key"].as_str().expect("key").to_owned();
    let with_key = c.with_auth(Auth::XApiKey(key));
    assert_eq!(with_key.get("/api/v1/users/me").await.status, 200);
    tokio::time::sleep(Duration::from_millis(1_700)).await;
    with_key
        .get("/api/v1/users/me")
        .await
        .assert_error(401, "API_KEY_EXPIRED");
    assert_eq!(
        c.get(KEYS).await.data().as_array().map(Vec::len),
        Some(1),
        "expired keys are still listed"
    );
}

async fn someone_elses_key_is_not_found(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let (alice, _) = s.user("alice", "USER").await;
    let (bob, _) = s.user("bob", "USER").await;
    let id = alice.post(KEYS, &json!({"name": "mine"})).await.data()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    bob.delete(&format!("{KEYS}/{id}"))
        .await
        .assert_error(404, "API_KEY_NOT_FOUND");
    assert_eq!(bob.get(KEYS).await.data(), &json!([]));
    assert_eq!(
        alice.get(KEYS).await.data().as_array().map(Vec::len),
        Some(1),
        "untouched"
    );
}

/// Paca gives an ADMIN's browser session `*` but their API key only the role's keys; Corral
/// gives both exactly the role's permissions.
async fn key_and_session_have_the_same_permissions(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let (session, _) = s.user("erin", "ADMIN").await;
    let key = session.post(KEYS, &json!({"name": "k"})).await.data()["key"]
        .as_str()
        .expect("key")
        .to_owned();
    let with_key = session.with_auth(Auth::XApiKey(key));
    for path in [
        "/api/v1/users/me/global-permissions",
        "/api/v1/admin/users",
        "/api/v1/admin/global-roles",
    ] {
        let (a, k) = (session.get(path).await, with_key.get(path).await);
        assert_eq!((a.status, k.status), (200, 200), "{path}");
        if path.ends_with("permissions") {
            assert_eq!(a.data(), k.data());
        }
    }
}

on_both_backends!(
    create_list_use_revoke,
    bad_input_creates_nothing,
    keys_expire,
    someone_elses_key_is_not_found,
    key_and_session_have_the_same_permissions,
);
