//! `/auth`: login, cookies, bearer tokens, refresh rotation and reuse detection, expiry,
//! logout and the limits on failed logins.

mod common;

use common::{ADMIN, ADMIN_PASSWORD, Auth, Backend, Client, Resp, TestServer};
use serde_json::json;
use std::time::Duration;

async fn login_sets_paca_cookies(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = s.client();
    let r = c.login(ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.data(), &json!({"message": "logged in"}));
    assert!(!r.body.to_string().contains("eyJ"), "no token in the body");
    let access = r.set_cookie("access_token").expect("access cookie");
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=900"] {
        assert!(access.contains(attr), "{attr} missing: {access}");
    }
    assert!(
        !access.contains("Secure") && !access.contains("Domain"),
        "{access}"
    );
    let refresh = r.set_cookie("refresh_token").expect("refresh cookie");
    for attr in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/api/v1/auth/refresh",
        "Max-Age=86400",
    ] {
        assert!(refresh.contains(attr), "{attr} missing: {refresh}");
    }
    let remembered = c
        .post(
            "/api/v1/auth/login",
            &json!({"username": ADMIN, "password": ADMIN_PASSWORD, "remember_me": true}),
        )
        .await;
    assert!(
        remembered
            .set_cookie("refresh_token")
            .expect("cookie")
            .contains("Max-Age=604800")
    );
    assert_eq!(c.get("/api/v1/users/me").await.data()["username"], ADMIN);
}

async fn secure_cookies_when_configured(b: Backend) {
    let Some(s) = TestServer::start_with(b, &[("COOKIE_SECURE", "true")]).await else {
        return;
    };
    let r = s.client().login(ADMIN, ADMIN_PASSWORD).await;
    assert!(
        r.set_cookie("access_token")
            .expect("cookie")
            .contains("Secure")
    );
    assert!(
        r.set_cookie("refresh_token")
            .expect("cookie")
            .contains("Secure")
    );
}

async fn login_refuses_bad_input(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = s.client();
    c.raw("POST", "/api/v1/auth/login", b"{oops")
        .await
        .assert_error(400, "BAD_REQUEST");
    c.post(
        "/api/v1/auth/login",
        &json!({"username": ["a"], "password": "long-enough"}),
    )
    .await
    .assert_error(400, "BAD_REQUEST");
    c.post("/api/v1/auth/login", &json!({"password": "long-enough"}))
        .await
        .assert_error(400, "BAD_REQUEST");
    let short = c.login(ADMIN, "short").await;
    short.assert_error(400, "BAD_REQUEST");
    assert!(short.set_cookie("access_token").is_none());
    c.login(ADMIN, "wrong-password")
        .await
        .assert_error(401, "AUTH_INVALID_CREDENTIALS");
    c.login("nobody", "whatever-pw")
        .await
        .assert_error(401, "AUTH_INVALID_CREDENTIALS");
}

async fn credentials_in_every_paca_form(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = s.admin().await;
    let token = c.access_token().expect("token");
    let bearer = c.with_auth(Auth::Bearer(token.clone()));
    assert_eq!(bearer.get("/api/v1/users/me").await.status, 200);
    let none = c.with_auth(Auth::None);
    none.get("/api/v1/users/me")
        .await
        .assert_error(401, "AUTH_MISSING_TOKEN");
    c.with_auth(Auth::Bearer("garbage".into()))
        .get("/api/v1/users/me")
        .await
        .assert_error(401, "AUTH_TOKEN_INVALID");
    // A refresh token is not an access token.
    let refresh = c.refresh_token().expect("refresh");
    c.with_auth(Auth::Bearer(refresh))
        .get("/api/v1/users/me")
        .await
        .assert_error(401, "AUTH_TOKEN_INVALID");
    // A token signed with another secret.
    let forged = format!("{}x", &token[..token.len() - 1]);
    c.with_auth(Auth::Bearer(forged))
        .get("/api/v1/users/me")
        .await
        .assert_error(401, "AUTH_TOKEN_INVALID");
}

async fn refresh_rotates_and_detects_reuse(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = s.admin().await;
    let first_refresh = c.refresh_token().expect("refresh");
    let first_access = c.access_token().expect("access");

    let r = c.refresh().await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.data(), &json!({"message": "token refreshed"}));
    assert!(
        r.set_cookie("refresh_token")
            .expect("cookie")
            .contains("Path=/api/v1/auth/refresh")
    );
    let second_refresh = c.refresh_token().expect("rotated");
    assert_ne!(second_refresh, first_refresh);
    assert_eq!(c.get("/api/v1/users/me").await.status, 200);

    // Reuse within the grace window: refused, but the session lives on.
    let replay = s.client();
    *replay.refresh.lock().expect("lock") = Some(first_refresh.clone());
    replay
        .refresh()
        .await
        .assert_error(401, "AUTH_TOKEN_INVALID");
    assert_eq!(
        c.get("/api/v1/users/me").await.status,
        200,
        "retry within grace keeps the session"
    );

    // Reuse after the grace window: the whole session is revoked.
    tokio::time::sleep(Duration::from_millis(5_300)).await;
    replay
        .refresh()
        .await
        .assert_error(401, "AUTH_TOKEN_INVALID");
    c.refresh().await.assert_error(401, "AUTH_TOKEN_INVALID");
    c.get("/api/v1/users/me")
        .await
        .assert_error(401, "AUTH_TOKEN_INVALID");
    c.with_auth(Auth::Bearer(first_access))
        .get("/api/v1/users/me")
        .await
        .assert_error(401, "AUTH_TOKEN_INVALID");
    // A new login is a new session.
    c.login_ok(ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(c.get("/api/v1/users/me").await.status, 200);

    s.client()
        .refresh()
        .await
        .assert_error(401, "AUTH_MISSING_TOKEN");
    let access_as_refresh = s.client();
    *access_as_refresh.refresh.lock().expect("lock") = c.access_token();
    access_as_refresh
        .refresh()
        .await
        .assert_error(401, "AUTH_TOKEN_INVALID");
}

/// A refresh token used again after the retry grace ends its whole session (contract §9): the
/// token it was rotated into, every later one, and their access tokens. Other sessions live on.
async fn reusing_a_spent_refresh_token_revokes_its_family(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = s.admin().await;
    let other_session = s.admin().await;
    let token_a = c.refresh_token().expect("A");
    assert_eq!(c.refresh().await.status, 200, "A -> B");
    let (token_b, access_b) = (
        c.refresh_token().expect("B"),
        c.access_token().expect("B's access"),
    );
    assert_eq!(c.refresh().await.status, 200, "B -> C");
    assert_ne!(c.refresh_token(), Some(token_b.clone()));
    assert_eq!(c.get("/api/v1/users/me").await.status, 200);

    // Past the grace a client retry would fall in (REUSE_GRACE, 5 s), A comes back.
    tokio::time::sleep(Duration::from_millis(5_300)).await;
    let thief = s.client();
    *thief.refresh.lock().expect("lock") = Some(token_a);
    thief
        .refresh()
        .await
        .assert_error(401, "AUTH_TOKEN_INVALID");

    // B (spent), C (the live one) and their access tokens are all refused.
    let holder_b = s.client();
    *holder_b.refresh.lock().expect("lock") = Some(token_b);
    holder_b
        .refresh()
        .await
        .assert_error(401, "AUTH_TOKEN_INVALID");
    c.refresh().await.assert_error(401, "AUTH_TOKEN_INVALID");
    c.get("/api/v1/users/me")
        .await
        .assert_error(401, "AUTH_TOKEN_INVALID");
    c.with_auth(Auth::Bearer(access_b))
        .get("/api/v1/users/me")
        .await
        .assert_error(401, "AUTH_TOKEN_INVALID");
    assert_eq!(other_session.get("/api/v1/users/me").await.status, 200);
    assert_eq!(other_session.refresh().await.status, 200);
}

/// Once a reuse has revoked a family on one node, no other node rotates a token of it, however
/// long that node trusts the sessions it checked (`SESSION_CACHE_TTL`): refresh asks the store.
async fn a_revoked_family_cannot_refresh_on_another_node(b: Backend) {
    let Some(mut node_a) = TestServer::start_with(
        b,
        &[
            ("JWT_SECRET", "family-test-secret-0123456789abcdefgh"),
            ("SESSION_CACHE_TTL", "1h"),
        ],
    )
    .await
    else {
        return;
    };
    if b == Backend::Sqlite {
        // Both nodes on one SQLite file: sessions need the store, not the bus.
        let url = format!("sqlite://{}", node_a.data_dir.join("corral.db").display());
        node_a.env.insert("DATABASE_URL".into(), url);
    }
    let node_b = node_a.second_node().await;
    let on_a = node_a.admin().await;
    let token_a = on_a.refresh_token().expect("A");
    assert_eq!(on_a.refresh().await.status, 200, "A -> B on node A");
    // Node B checks the session of B and keeps it in its cache.
    let on_b = Client::new(&node_b.base);
    *on_b.access.lock().expect("lock") = on_a.access_token();
    *on_b.refresh.lock().expect("lock") = on_a.refresh_token();
    assert_eq!(on_b.get("/api/v1/users/me").await.status, 200);

    tokio::time::sleep(Duration::from_millis(5_300)).await;
    let thief = node_a.client();
    *thief.refresh.lock().expect("lock") = Some(token_a);
    thief
        .refresh()
        .await
        .assert_error(401, "AUTH_TOKEN_INVALID");
    let refused = on_b.refresh().await;
    refused.assert_error(401, "AUTH_TOKEN_INVALID");
    assert!(refused.set_cookie("refresh_token").is_none());
}

async fn access_tokens_expire(b: Backend) {
    let Some(s) = TestServer::start_with(b, &[("JWT_ACCESS_TTL", "1s")]).await else {
        return;
    };
    let c = s.admin().await;
    assert_eq!(c.get("/api/v1/users/me").await.status, 200);
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    c.get("/api/v1/users/me")
        .await
        .assert_error(401, "AUTH_TOKEN_INVALID");
    assert_eq!(c.refresh().await.status, 200);
    assert_eq!(c.get("/api/v1/users/me").await.status, 200);
}

async fn refresh_tokens_expire(b: Backend) {
    let Some(s) = TestServer::start_with(b, &[("JWT_REFRESH_SESSION_TTL", "1s")]).await else {
        return;
    };
    let c = s.admin().await;
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    c.refresh().await.assert_error(401, "AUTH_TOKEN_INVALID");
}

async fn logout_ends_the_session_at_once(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = s.admin().await;
    let other_session = s.admin().await;
    let access = c.access_token().expect("access");
    let r = c.post("/api/v1/auth/logout", &json!({})).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.data(), &json!({"message": "logged out"}));
    assert!(
        r.set_cookie("access_token")
            .expect("cleared")
            .contains("Max-Age=0")
    );
    let cleared = r.set_cookie("refresh_token").expect("cleared");
    assert!(
        cleared.contains("Max-Age=0") && cleared.contains("Path=/api/v1/auth/refresh"),
        "{cleared}"
    );
    // Unlike Paca, the access token stops working immediately.
    c.with_auth(Auth::Bearer(access))
        .get("/api/v1/users/me")
        .await
        .assert_error(401, "AUTH_TOKEN_INVALID");
    assert_eq!(
        other_session.get("/api/v1/users/me").await.status,
        200,
        "other sessions live on"
    );
    s.client()
        .post("/api/v1/auth/logout", &json!({}))
        .await
        .assert_error(401, "AUTH_UNAUTHENTICATED");
}

/// A login from `address` (the server is started with `TRUST_FORWARDED_FOR`).
async fn login_from(c: &Client, address: &str, username: &str, password: &str) -> Resp {
    let body = json!({"username": username, "password": password});
    c.send(
        "POST",
        "/api/v1/auth/login",
        Some(body.to_string().into_bytes()),
        &[("x-forwarded-for", address)],
    )
    .await
}

/// The seconds of a 429's `Retry-After`.
#[track_caller]
fn retry_after(r: &Resp) -> u64 {
    r.assert_error(429, "RATE_LIMITED");
    r.header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds")
}

/// Paca's browser suite logs in about 25 times a minute (up to 56) with the right password:
/// on the default limits, 60 right logins in a row from one address all succeed.
async fn right_passwords_are_never_limited(b: Backend) {
    let Some(mut s) = TestServer::start(b).await else {
        return;
    };
    // Back to the defaults (the harness raises the limits for everything else).
    s.restart(&[
        ("LOGIN_FAILURES_PER_IP", None),
        ("LOGIN_FAILURES_PER_USERNAME_IP", None),
    ])
    .await;
    let c = s.client();
    for i in 0..60 {
        let r = c.login(ADMIN, ADMIN_PASSWORD).await;
        assert_eq!(r.status, 200, "login {i}: {r:?}");
    }
    // A typo now and then changes nothing.
    c.login(ADMIN, "wrong-password")
        .await
        .assert_error(401, "AUTH_INVALID_CREDENTIALS");
    c.login_ok(ADMIN, ADMIN_PASSWORD).await;
}

/// Guessing at an account from one address refuses that address (right password included) and
/// never the owner logging in from another.
async fn guessing_does_not_lock_the_owner_out(b: Backend) {
    let Some(s) = TestServer::start_with(
        b,
        &[
            ("TRUST_FORWARDED_FOR", "true"),
            ("LOGIN_FAILURES_PER_USERNAME_IP", "3"),
            ("LOGIN_FAILURES_PER_IP", "100"),
        ],
    )
    .await
    else {
        return;
    };
    let (attacker, owner) = (s.client(), s.client());
    for _ in 0..3 {
        login_from(&attacker, "203.0.113.7", ADMIN, "wrong-password")
            .await
            .assert_error(401, "AUTH_INVALID_CREDENTIALS");
    }
    for password in ["wrong-password", ADMIN_PASSWORD] {
        let refused = login_from(&attacker, "203.0.113.7", ADMIN, password).await;
        let wait = retry_after(&refused);
        assert!((1..=15 * 60).contains(&wait), "{wait}");
        assert!(
            refused.set_cookie("access_token").is_none(),
            "no session from the guessing address"
        );
    }
    // The owner, from their own address (or the peer address), gets in every time.
    for _ in 0..5 {
        let r = login_from(&owner, "198.51.100.2", ADMIN, ADMIN_PASSWORD).await;
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(
            owner.get("/api/v1/users/me").await.data()["username"],
            ADMIN
        );
    }
    owner.login_ok(ADMIN, ADMIN_PASSWORD).await;
    // The owner mistyping from their address does not inherit the attacker's failures.
    login_from(&owner, "198.51.100.2", ADMIN, "wrong-password")
        .await
        .assert_error(401, "AUTH_INVALID_CREDENTIALS");
    // The guessing address may still try other usernames.
    login_from(&attacker, "203.0.113.7", "someone-else", "whatever-pw")
        .await
        .assert_error(401, "AUTH_INVALID_CREDENTIALS");
}

/// One address's failures count together whatever usernames they try.
async fn failures_per_address_span_usernames(b: Backend) {
    let Some(s) = TestServer::start_with(
        b,
        &[
            ("TRUST_FORWARDED_FOR", "true"),
            ("LOGIN_FAILURES_PER_IP", "3"),
            ("LOGIN_FAILURES_PER_USERNAME_IP", "100"),
        ],
    )
    .await
    else {
        return;
    };
    let c = s.client();
    for name in ["a-user", "b-user", ADMIN] {
        login_from(&c, "203.0.113.9", name, "whatever-pw")
            .await
            .assert_error(401, "AUTH_INVALID_CREDENTIALS");
    }
    retry_after(&login_from(&c, "203.0.113.9", "d-user", "whatever-pw").await);
    retry_after(&login_from(&c, "203.0.113.9", ADMIN, ADMIN_PASSWORD).await);
    // Other addresses are not affected.
    login_from(&c, "203.0.113.10", "d-user", "whatever-pw")
        .await
        .assert_error(401, "AUTH_INVALID_CREDENTIALS");
    assert_eq!(
        login_from(&c, "198.51.100.2", ADMIN, ADMIN_PASSWORD)
            .await
            .status,
        200
    );
}

on_both_backends!(
    login_sets_paca_cookies,
    secure_cookies_when_configured,
    login_refuses_bad_input,
    credentials_in_every_paca_form,
    refresh_rotates_and_detects_reuse,
    reusing_a_spent_refresh_token_revokes_its_family,
    a_revoked_family_cannot_refresh_on_another_node,
    access_tokens_expire,
    refresh_tokens_expire,
    logout_ends_the_session_at_once,
    right_passwords_are_never_limited,
    guessing_does_not_lock_the_owner_out,
    failures_per_address_span_usernames,
);
