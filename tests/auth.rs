//! `/auth`: login, cookies, bearer tokens, refresh rotation and reuse detection, expiry,
//! logout and the login rate limits.

mod common;

use common::{ADMIN, ADMIN_PASSWORD, Auth, Backend, TestServer};
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

async fn login_is_rate_limited_per_username(b: Backend) {
    let Some(s) = TestServer::start_with(b, &[("LOGIN_RATE_PER_USERNAME", "3")]).await else {
        return;
    };
    let c = s.client();
    for _ in 0..3 {
        c.login(ADMIN, "wrong-password")
            .await
            .assert_error(401, "AUTH_INVALID_CREDENTIALS");
    }
    let limited = c.login(ADMIN, ADMIN_PASSWORD).await;
    limited.assert_error(429, "RATE_LIMITED");
    let retry: u64 = limited
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(
        limited.set_cookie("access_token").is_none(),
        "even the right password is refused"
    );
    c.login("someone-else", "whatever-pw")
        .await
        .assert_error(401, "AUTH_INVALID_CREDENTIALS");
}

async fn login_is_rate_limited_per_ip(b: Backend) {
    let Some(s) = TestServer::start_with(b, &[("LOGIN_RATE_PER_IP", "3")]).await else {
        return;
    };
    let c = s.client();
    for name in ["a-user", "b-user", "c-user"] {
        c.login(name, "whatever-pw")
            .await
            .assert_error(401, "AUTH_INVALID_CREDENTIALS");
    }
    c.login("d-user", "whatever-pw")
        .await
        .assert_error(429, "RATE_LIMITED");
}

on_both_backends!(
    login_sets_paca_cookies,
    secure_cookies_when_configured,
    login_refuses_bad_input,
    credentials_in_every_paca_form,
    refresh_rotates_and_detects_reuse,
    access_tokens_expire,
    refresh_tokens_expire,
    logout_ends_the_session_at_once,
    login_is_rate_limited_per_username,
    login_is_rate_limited_per_ip,
);
