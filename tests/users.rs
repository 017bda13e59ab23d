//! `/users/me`: profile, password change, forced password change, global permissions, and a
//! new full name showing in project member lists.

mod common;

use common::{ADMIN, Auth, Backend, Client, TestServer, at, id_named, project};
use serde_json::json;

async fn profile_read_and_tri_state_patch(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let (c, id) = s.user("alice", "USER").await;
    let me = c.get("/api/v1/users/me").await;
    assert_eq!(me.status, 200);
    let d = me.data();
    assert_eq!(
        (d["id"].as_str(), d["username"].as_str(), d["role"].as_str()),
        (Some(id.as_str()), Some("alice"), Some("USER"))
    );
    assert_eq!(
        (
            d["must_change_password"].as_bool(),
            d["is_active"].as_bool()
        ),
        (Some(false), Some(true))
    );
    assert!(d["created_at"].as_str().is_some());
    assert!(d.get("password_hash").is_none());

    let set = c
        .patch("/api/v1/users/me", &json!({"full_name": "Alice Liddell"}))
        .await;
    assert_eq!(
        (set.status, set.data()["full_name"].as_str()),
        (200, Some("Alice Liddell"))
    );
    let absent = c.patch("/api/v1/users/me", &json!({})).await;
    assert_eq!(
        absent.data()["full_name"],
        "Alice Liddell",
        "absent leaves it"
    );
    let too_long = c
        .patch("/api/v1/users/me", &json!({"full_name": "x".repeat(201)}))
        .await;
    too_long.assert_error(400, "BAD_REQUEST");
    c.patch("/api/v1/users/me", &json!({"full_name": 7}))
        .await
        .assert_error(400, "BAD_REQUEST");
    assert_eq!(
        c.get("/api/v1/users/me").await.data()["full_name"],
        "Alice Liddell",
        "errors change nothing"
    );
    let cleared = c
        .patch("/api/v1/users/me", &json!({"full_name": null}))
        .await;
    assert_eq!(cleared.data()["full_name"], "", "null clears");
}

async fn password_change(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let (c, _) = s.user("bob", "USER").await;
    let other_session = s.client();
    other_session.login_ok("bob", "user-password-1").await;
    let path = "/api/v1/users/me/password";
    c.patch(
        path,
        &json!({"current_password": "not-it-at-all", "new_password": "next-password"}),
    )
    .await
    .assert_error(422, "USER_INVALID_CURRENT_PASSWORD");
    c.patch(
        path,
        &json!({"current_password": "user-password-1", "new_password": "short"}),
    )
    .await
    .assert_error(400, "BAD_REQUEST");
    c.patch(path, &json!({"new_password": "next-password"}))
        .await
        .assert_error(400, "BAD_REQUEST");
    c.raw("PATCH", path, b"nope")
        .await
        .assert_error(400, "BAD_REQUEST");
    s.client().login_ok("bob", "user-password-1").await;

    let done = c
        .patch(
            path,
            &json!({"current_password": "user-password-1", "new_password": "next-password"}),
        )
        .await;
    assert_eq!((done.status, &done.body), (204, &serde_json::Value::Null));
    s.client()
        .login("bob", "user-password-1")
        .await
        .assert_error(401, "AUTH_INVALID_CREDENTIALS");
    s.client().login_ok("bob", "next-password").await;
    // Every old session ends with the old password.
    c.get("/api/v1/users/me")
        .await
        .assert_error(401, "AUTH_TOKEN_INVALID");
    other_session
        .get("/api/v1/users/me")
        .await
        .assert_error(401, "AUTH_TOKEN_INVALID");
}

async fn password_change_needs_a_session(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let key = admin
        .post("/api/v1/users/me/api-keys", &json!({"name": "k"}))
        .await
        .data()["key"]
        .as_str()
        .expect("key")
        .to_owned();
    let with_key = s.client().with_auth(Auth::XApiKey(key));
    with_key
        .patch("/api/v1/users/me/password", &json!({"current_password": common::ADMIN_PASSWORD, "new_password": "another-password"}))
        .await
        .assert_error(403, "FORBIDDEN");
    s.client().login_ok(ADMIN, common::ADMIN_PASSWORD).await;
}

async fn forced_password_change(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let created = admin
        .post(
            "/api/v1/admin/users",
            &json!({"username": "carol", "password": "temporary-pw", "full_name": "Carol"}),
        )
        .await;
    assert_eq!(created.data()["must_change_password"], true);
    let id = created.data()["id"].as_str().expect("id").to_owned();
    let c = s.client();
    c.login_ok("carol", "temporary-pw").await;
    for path in [
        "/api/v1/users/me",
        "/api/v1/users/me/global-permissions",
        "/api/v1/users/me/api-keys",
    ] {
        c.get(path)
            .await
            .assert_error(403, "AUTH_PASSWORD_CHANGE_REQUIRED");
    }
    // Logging out still works; so does changing the password.
    let done = c
        .patch(
            "/api/v1/users/me/password",
            &json!({"current_password": "temporary-pw", "new_password": "carols-own-pw"}),
        )
        .await;
    assert_eq!(done.status, 204);
    c.login_ok("carol", "carols-own-pw").await;
    assert_eq!(
        c.get("/api/v1/users/me").await.data()["must_change_password"],
        false
    );

    // An administrator's reset forces a change again and ends the user's sessions.
    let reset = admin
        .patch(
            &format!("/api/v1/admin/users/{id}/password"),
            &json!({"new_password": "reset-by-admin"}),
        )
        .await;
    assert_eq!(reset.status, 204);
    c.get("/api/v1/users/me")
        .await
        .assert_error(401, "AUTH_TOKEN_INVALID");
    c.login_ok("carol", "reset-by-admin").await;
    c.get("/api/v1/users/me")
        .await
        .assert_error(403, "AUTH_PASSWORD_CHANGE_REQUIRED");
    assert_eq!(c.post("/api/v1/auth/logout", &json!({})).await.status, 200);
}

async fn global_permissions_per_role(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let perms = |r: common::Resp| r.data()["permissions"].clone();
    assert_eq!(
        perms(
            s.admin()
                .await
                .get("/api/v1/users/me/global-permissions")
                .await
        ),
        json!(["*"])
    );
    let (user, _) = s.user("dave", "USER").await;
    assert_eq!(
        perms(user.get("/api/v1/users/me/global-permissions").await),
        json!(["users.read"])
    );
    let (adm, _) = s.user("erin", "ADMIN").await;
    assert_eq!(
        perms(adm.get("/api/v1/users/me/global-permissions").await),
        json!(["global_roles.*", "projects.*", "users.*"])
    );
}

/// The full name of a member, as a project's member list shows it.
async fn member_name(c: &Client, project: &str, username: &str) -> String {
    let members = c.get(&at(project, "/members")).await;
    assert_eq!(members.status, 200, "{members:?}");
    members
        .data()
        .as_array()
        .and_then(|l| l.iter().find(|m| m["username"] == username))
        .and_then(|m| m["full_name"].as_str())
        .unwrap_or_else(|| panic!("{username} not in {members:?}"))
        .to_owned()
}

/// A renamed user shows under the new name at once in every project they belong to, whether
/// they renamed themself or an administrator did.
async fn a_new_full_name_shows_in_every_member_list(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let (alice, alice_id) = s.user("alice", "USER").await;
    let mut projects = Vec::new();
    for name in ["First", "Second"] {
        let id = project(&admin, name).await;
        let roles = admin.get(&at(&id, "/roles")).await;
        let viewer = id_named(&roles, "role_name", "Viewer");
        let added = admin
            .post(
                &at(&id, "/members"),
                &json!({"user_id": alice_id, "project_role_id": viewer}),
            )
            .await;
        assert_eq!(added.status, 201, "{added:?}");
        // The projects' actors are running and hold alice's name.
        assert_eq!(member_name(&alice, &id, "alice").await, "alice");
        projects.push(id);
    }

    let renamed = alice
        .patch("/api/v1/users/me", &json!({"full_name": "Alice Liddell"}))
        .await;
    assert_eq!(renamed.status, 200, "{renamed:?}");
    for id in &projects {
        assert_eq!(member_name(&alice, id, "alice").await, "Alice Liddell");
        assert_eq!(member_name(&admin, id, "alice").await, "Alice Liddell");
    }

    let by_admin = admin
        .patch(
            &format!("/api/v1/admin/users/{alice_id}"),
            &json!({"full_name": "Alice P. Liddell"}),
        )
        .await;
    assert_eq!(by_admin.status, 200, "{by_admin:?}");
    for id in &projects {
        assert_eq!(member_name(&admin, id, "alice").await, "Alice P. Liddell");
    }
    // Other members keep their names.
    assert_eq!(
        member_name(&admin, &projects[0], ADMIN).await,
        own_full_name(&admin).await
    );
}

async fn own_full_name(admin: &Client) -> String {
    admin.get("/api/v1/users/me").await.data()["full_name"]
        .as_str()
        .expect("full_name")
        .to_owned()
}

on_both_backends!(
    profile_read_and_tri_state_patch,
    password_change,
    password_change_needs_a_session,
    forced_password_change,
    global_permissions_per_role,
    a_new_full_name_shows_in_every_member_list,
);
