//! `/admin/users` and `/admin/global-roles`: administration, permission checks, and the
//! guarantees Corral adds (immediate effect of deletion, disabling and role changes; system
//! roles and the last super-administrator protected).

mod common;

use common::{Auth, Backend, TestServer};
use serde_json::{Value, json};

const USERS: &str = "/api/v1/admin/users";
const ROLES: &str = "/api/v1/admin/global-roles";

fn new_user(name: &str) -> Value {
    json!({"username": name, "password": "temporary-pw", "full_name": format!("{name} full")})
}

async fn user_crud_and_paging(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = s.admin().await;
    let created = c.post(USERS, &new_user("alice")).await;
    assert_eq!(created.status, 201, "{created:?}");
    let alice = created.data().clone();
    assert_eq!(
        (
            alice["role"].as_str(),
            alice["must_change_password"].as_bool()
        ),
        (Some("USER"), Some(true))
    );
    let id = alice["id"].as_str().expect("id").to_owned();
    for name in ["bob", "carol", "dave"] {
        assert_eq!(c.post(USERS, &new_user(name)).await.status, 201);
    }

    let page = c.get(&format!("{USERS}?page=2&page_size=2")).await;
    assert_eq!(
        (
            page.data()["total"].as_u64(),
            page.data()["page"].as_u64(),
            page.data()["page_size"].as_u64()
        ),
        (Some(5), Some(2), Some(2))
    );
    let names: Vec<&str> = page.data()["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|u| u["username"].as_str())
        .collect();
    assert_eq!(
        names,
        ["bob", "carol"],
        "oldest first: admin, alice, bob, carol, dave"
    );
    let fallback = c.get(&format!("{USERS}?page=0&page_size=101")).await;
    assert_eq!(
        (
            fallback.data()["page"].as_u64(),
            fallback.data()["page_size"].as_u64()
        ),
        (Some(1), Some(20))
    );

    assert_eq!(
        c.get(&format!("{USERS}/{id}")).await.data()["username"],
        "alice"
    );
    c.get(&format!("{USERS}/{}", uuid::Uuid::new_v4()))
        .await
        .assert_error(404, "USER_NOT_FOUND");
    c.get(&format!("{USERS}/xyz"))
        .await
        .assert_error(400, "BAD_REQUEST");

    let patched = c
        .patch(
            &format!("{USERS}/{id}"),
            &json!({"full_name": "Alice A", "role": "ADMIN"}),
        )
        .await;
    assert_eq!(
        (
            patched.data()["full_name"].as_str(),
            patched.data()["role"].as_str()
        ),
        (Some("Alice A"), Some("ADMIN"))
    );
    let kept = c
        .patch(&format!("{USERS}/{id}"), &json!({"role": ""}))
        .await;
    assert_eq!(kept.data()["role"], "ADMIN", "empty role leaves it (Paca)");
    c.patch(&format!("{USERS}/{id}"), &json!({"role": null}))
        .await
        .assert_error(400, "BAD_REQUEST");
    c.patch(&format!("{USERS}/{id}"), &json!({"is_active": "no"}))
        .await
        .assert_error(400, "BAD_REQUEST");
    c.patch(&format!("{USERS}/{id}"), &json!({"role": "NOPE"}))
        .await
        .assert_error(404, "GLOBAL_ROLE_NOT_FOUND");
    assert_eq!(
        c.get(&format!("{USERS}/{id}")).await.data()["role"],
        "ADMIN",
        "errors change nothing"
    );

    assert_eq!(c.delete(&format!("{USERS}/{id}")).await.status, 204);
    c.delete(&format!("{USERS}/{id}"))
        .await
        .assert_error(404, "USER_NOT_FOUND");
    c.get(&format!("{USERS}/{id}"))
        .await
        .assert_error(404, "USER_NOT_FOUND");
    assert_eq!(c.get(USERS).await.data()["total"], 4);
    // The name of a deleted user can be used again.
    assert_eq!(c.post(USERS, &new_user("alice")).await.status, 201);
}

async fn user_creation_is_validated(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = s.admin().await;
    c.post(USERS, &new_user("alice")).await;
    c.post(USERS, &new_user("alice"))
        .await
        .assert_error(409, "USER_USERNAME_TAKEN");
    c.post(
        USERS,
        &json!({"username": "bob", "password": "temporary-pw"}),
    )
    .await
    .assert_error(400, "BAD_REQUEST");
    c.post(
        USERS,
        &json!({"username": "bob", "password": "short", "full_name": "Bob"}),
    )
    .await
    .assert_error(400, "BAD_REQUEST");
    c.post(
        USERS,
        &json!({"username": "b", "password": "long-enough", "full_name": "Bob"}),
    )
    .await
    .assert_error(400, "BAD_REQUEST");
    c.post(
        USERS,
        &json!({"username": "has space", "password": "long-enough", "full_name": "Bob"}),
    )
    .await
    .assert_error(400, "BAD_REQUEST");
    c.post(
        USERS,
        &json!({"username": "bob", "password": "long-enough", "full_name": "Bob", "role": "NOPE"}),
    )
    .await
    .assert_error(404, "GLOBAL_ROLE_NOT_FOUND");
    c.post(
        USERS,
        &json!({"username": "bob", "password": 12345678, "full_name": "Bob"}),
    )
    .await
    .assert_error(400, "BAD_REQUEST");
    assert_eq!(
        c.get(USERS).await.data()["total"],
        2,
        "only admin and alice"
    );
    s.client()
        .login("bob", "long-enough")
        .await
        .assert_error(401, "AUTH_INVALID_CREDENTIALS");
}

async fn admin_routes_need_global_permissions(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let (user, user_id) = s.user("mallory", "USER").await;
    let any = uuid::Uuid::new_v4();
    // USER holds users.read (Paca), so it may read users but change nothing.
    assert_eq!(user.get(USERS).await.status, 200);
    assert_eq!(user.get(&format!("{USERS}/{user_id}")).await.status, 200);
    let denied: Vec<(&str, String, Option<Value>)> = vec![
        ("POST", USERS.into(), Some(new_user("x-user"))),
        (
            "PATCH",
            format!("{USERS}/{user_id}"),
            Some(json!({"role": "SUPER_ADMIN"})),
        ),
        (
            "PATCH",
            format!("{USERS}/{user_id}/password"),
            Some(json!({"new_password": "whatever-pw"})),
        ),
        ("DELETE", format!("{USERS}/{user_id}"), None),
        (
            "PUT",
            format!("{USERS}/{user_id}/global-roles"),
            Some(json!({"role_ids": [any]})),
        ),
        ("GET", ROLES.into(), None),
        ("POST", ROLES.into(), Some(json!({"name": "X"}))),
        (
            "PATCH",
            format!("{ROLES}/{any}"),
            Some(json!({"name": "X"})),
        ),
        ("DELETE", format!("{ROLES}/{any}"), None),
    ];
    for (method, path, body) in &denied {
        let r = user
            .send(
                method,
                path,
                body.as_ref().map(|b| b.to_string().into_bytes()),
                &[],
            )
            .await;
        r.assert_error(403, "FORBIDDEN");
        let anonymous = s.client().with_auth(Auth::None);
        anonymous
            .send(
                method,
                path,
                body.as_ref().map(|b| b.to_string().into_bytes()),
                &[],
            )
            .await
            .assert_error(401, "AUTH_MISSING_TOKEN");
    }
    assert_eq!(
        user.get("/api/v1/users/me").await.data()["role"],
        "USER",
        "nothing changed"
    );

    // A custom role with global_roles.read may list roles but not create users or roles.
    let admin = s.admin().await;
    admin
        .post(
            ROLES,
            &json!({"name": "AUDITOR", "permissions": {"global_roles.read": true}}),
        )
        .await;
    let (auditor, _) = s.user("audrey", "AUDITOR").await;
    assert_eq!(auditor.get(ROLES).await.status, 200);
    auditor.get(USERS).await.assert_error(403, "FORBIDDEN");
    auditor
        .post(ROLES, &json!({"name": "MINE"}))
        .await
        .assert_error(403, "FORBIDDEN");
}

async fn deleted_and_disabled_users_are_locked_out_at_once(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let (bob, bob_id) = s.user("bob", "USER").await;
    let key = bob
        .post("/api/v1/users/me/api-keys", &json!({"name": "k"}))
        .await
        .data()["key"]
        .as_str()
        .expect("key")
        .to_owned();
    let bob_key = bob.with_auth(Auth::XApiKey(key));

    let off = admin
        .patch(&format!("{USERS}/{bob_id}"), &json!({"is_active": false}))
        .await;
    assert_eq!(off.data()["is_active"], false);
    bob.get("/api/v1/users/me")
        .await
        .assert_error(403, "AUTH_USER_DISABLED");
    bob_key
        .get("/api/v1/users/me")
        .await
        .assert_error(403, "AUTH_USER_DISABLED");
    bob.refresh().await.assert_error(403, "AUTH_USER_DISABLED");
    s.client()
        .login("bob", "user-password-1")
        .await
        .assert_error(403, "AUTH_USER_DISABLED");
    s.client()
        .login("bob", "wrong-password")
        .await
        .assert_error(401, "AUTH_INVALID_CREDENTIALS");

    admin
        .patch(&format!("{USERS}/{bob_id}"), &json!({"is_active": true}))
        .await;
    assert_eq!(
        bob.get("/api/v1/users/me").await.status,
        200,
        "enabled again"
    );
    assert_eq!(bob_key.get("/api/v1/users/me").await.status, 200);

    assert_eq!(admin.delete(&format!("{USERS}/{bob_id}")).await.status, 204);
    bob.get("/api/v1/users/me")
        .await
        .assert_error(401, "AUTH_TOKEN_INVALID");
    bob_key
        .get("/api/v1/users/me")
        .await
        .assert_error(401, "AUTH_TOKEN_INVALID");
    bob.refresh().await.assert_error(401, "AUTH_TOKEN_INVALID");
    s.client()
        .login("bob", "user-password-1")
        .await
        .assert_error(401, "AUTH_INVALID_CREDENTIALS");
}

async fn the_last_super_admin_stays(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = s.admin().await;
    let me = c.get("/api/v1/users/me").await.data()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    c.delete(&format!("{USERS}/{me}"))
        .await
        .assert_error(409, "USER_LAST_SUPER_ADMIN");
    c.patch(&format!("{USERS}/{me}"), &json!({"is_active": false}))
        .await
        .assert_error(409, "USER_LAST_SUPER_ADMIN");
    c.patch(&format!("{USERS}/{me}"), &json!({"role": "USER"}))
        .await
        .assert_error(409, "USER_LAST_SUPER_ADMIN");
    let user_role = role_id(&c, "USER").await;
    c.put(
        &format!("{USERS}/{me}/global-roles"),
        &json!({"role_ids": [user_role]}),
    )
    .await
    .assert_error(409, "USER_LAST_SUPER_ADMIN");
    assert_eq!(
        c.get("/api/v1/users/me").await.data()["role"],
        "SUPER_ADMIN"
    );
    // With a second super-administrator, the first may step down.
    let (_, second) = s.user("root2", "SUPER_ADMIN").await;
    assert_eq!(
        c.patch(&format!("{USERS}/{me}"), &json!({"role": "ADMIN"}))
            .await
            .status,
        200
    );
    // root2 is now the last one.
    let again = s.admin().await;
    again
        .delete(&format!("{USERS}/{second}"))
        .await
        .assert_error(409, "USER_LAST_SUPER_ADMIN");
}

async fn role_id(c: &common::Client, name: &str) -> String {
    let roles = c.get(ROLES).await;
    roles
        .data()
        .as_array()
        .expect("roles")
        .iter()
        .find(|r| r["name"] == name)
        .and_then(|r| r["id"].as_str())
        .expect("role")
        .to_owned()
}

async fn global_roles_crud(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = s.admin().await;
    let listed = c.get(ROLES).await;
    let names: Vec<&str> = listed
        .data()
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(names, ["ADMIN", "SUPER_ADMIN", "USER"], "by name");
    assert!(
        listed
            .data()
            .as_array()
            .expect("list")
            .iter()
            .all(|r| r["is_system"] == true)
    );
    assert_eq!(listed.data()[1]["permissions"], json!({"*": true}));

    let created = c.post(ROLES, &json!({"name": " AUDITOR ", "permissions": {"users.read": true, "users.write": false}})).await;
    assert_eq!(created.status, 201, "{created:?}");
    let d = created.data().clone();
    assert_eq!(
        (d["name"].as_str(), d["is_system"].as_bool()),
        (Some("AUDITOR"), Some(false))
    );
    assert_eq!(
        d["permissions"],
        json!({"users.read": true, "users.write": false})
    );
    let id = d["id"].as_str().expect("id").to_owned();
    assert!(d["created_at"].is_string() && d["updated_at"].is_string());
    assert_eq!(
        c.post(ROLES, &json!({"name": "EMPTY"})).await.data()["permissions"],
        json!({})
    );

    c.post(ROLES, &json!({"name": "AUDITOR"}))
        .await
        .assert_error(409, "GLOBAL_ROLE_NAME_TAKEN");
    c.post(ROLES, &json!({"name": ""}))
        .await
        .assert_error(400, "BAD_REQUEST");
    c.post(ROLES, &json!({"name": "   "}))
        .await
        .assert_error(400, "GLOBAL_ROLE_NAME_INVALID");
    c.post(
        ROLES,
        &json!({"name": "BAD", "permissions": {"Users Read": true}}),
    )
    .await
    .assert_error(400, "GLOBAL_ROLE_PERMISSIONS_INVALID");
    c.post(
        ROLES,
        &json!({"name": "BAD", "permissions": {"users.read": "yes"}}),
    )
    .await
    .assert_error(400, "BAD_REQUEST");
    c.post(
        ROLES,
        &json!({"name": "BAD", "permissions": ["users.read"]}),
    )
    .await
    .assert_error(400, "BAD_REQUEST");
    assert_eq!(
        c.get(ROLES).await.data().as_array().map(Vec::len),
        Some(5),
        "nothing else created"
    );

    let renamed = c
        .patch(&format!("{ROLES}/{id}"), &json!({"name": "AUDITORS"}))
        .await;
    assert_eq!(
        (
            renamed.data()["name"].as_str(),
            &renamed.data()["permissions"]
        ),
        (
            Some("AUDITORS"),
            &json!({"users.read": true, "users.write": false})
        )
    );
    let replaced = c
        .patch(
            &format!("{ROLES}/{id}"),
            &json!({"permissions": {"users.*": true}}),
        )
        .await;
    assert_eq!(
        (
            replaced.data()["name"].as_str(),
            &replaced.data()["permissions"]
        ),
        (Some("AUDITORS"), &json!({"users.*": true}))
    );
    c.patch(&format!("{ROLES}/{id}"), &json!({"name": "EMPTY"}))
        .await
        .assert_error(409, "GLOBAL_ROLE_NAME_TAKEN");
    c.patch(&format!("{ROLES}/{id}"), &json!({"name": null}))
        .await
        .assert_error(400, "BAD_REQUEST");
    c.patch(
        &format!("{ROLES}/{}", uuid::Uuid::new_v4()),
        &json!({"name": "Z"}),
    )
    .await
    .assert_error(404, "GLOBAL_ROLE_NOT_FOUND");
    c.patch(&format!("{ROLES}/nope"), &json!({"name": "Z"}))
        .await
        .assert_error(400, "BAD_REQUEST");

    let user_role = role_id(&c, "USER").await;
    c.patch(&format!("{ROLES}/{user_role}"), &json!({"name": "MEMBER"}))
        .await
        .assert_error(409, "GLOBAL_ROLE_IS_SYSTEM");
    c.delete(&format!("{ROLES}/{user_role}"))
        .await
        .assert_error(409, "GLOBAL_ROLE_IS_SYSTEM");
    let super_admin = role_id(&c, "SUPER_ADMIN").await;
    c.patch(
        &format!("{ROLES}/{super_admin}"),
        &json!({"permissions": {}}),
    )
    .await
    .assert_error(409, "GLOBAL_ROLE_IS_SYSTEM");
    // A system role's permissions may change (except SUPER_ADMIN's), and take effect at once.
    let (user, _) = s.user("uma", "USER").await;
    user.get(ROLES).await.assert_error(403, "FORBIDDEN");
    let widened = c
        .patch(
            &format!("{ROLES}/{user_role}"),
            &json!({"permissions": {"users.read": true, "global_roles.read": true}}),
        )
        .await;
    assert_eq!(widened.status, 200);
    assert_eq!(
        user.get(ROLES).await.status,
        200,
        "a live session sees the new permissions"
    );
}

async fn roles_in_use_and_deletion(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = s.admin().await;
    let id = c
        .post(
            ROLES,
            &json!({"name": "TEMP", "permissions": {"users.read": true}}),
        )
        .await
        .data()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (_, user_id) = s.user("tess", "TEMP").await;
    c.delete(&format!("{ROLES}/{id}"))
        .await
        .assert_error(409, "GLOBAL_ROLE_HAS_ASSIGNED_USERS");
    assert_eq!(c.delete(&format!("{USERS}/{user_id}")).await.status, 204);
    let deleted = c.delete(&format!("{ROLES}/{id}")).await;
    assert_eq!(
        (deleted.status, deleted.data()),
        (200, &json!({"message": "global role deleted"}))
    );
    c.delete(&format!("{ROLES}/{id}"))
        .await
        .assert_error(404, "GLOBAL_ROLE_NOT_FOUND");
}

async fn assigning_global_roles(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = s.admin().await;
    let (user, user_id) = s.user("ravi", "USER").await;
    let admin_role = role_id(&c, "ADMIN").await;
    let user_role = role_id(&c, "USER").await;
    let path = format!("{USERS}/{user_id}/global-roles");
    user.get(ROLES).await.assert_error(403, "FORBIDDEN");

    let r = c
        .put(&path, &json!({"role_ids": [admin_role, admin_role]}))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.data()["user_id"], json!(user_id));
    assert_eq!(r.data()["roles"][0]["name"], "ADMIN");
    assert_eq!(
        user.get(ROLES).await.status,
        200,
        "the new role applies to the live session"
    );

    c.put(&path, &json!({"role_ids": [admin_role, user_role]}))
        .await
        .assert_error(400, "BAD_REQUEST");
    c.put(&path, &json!({"role_ids": []}))
        .await
        .assert_error(400, "BAD_REQUEST");
    c.put(&path, &json!({"role_ids": ["nope"]}))
        .await
        .assert_error(400, "BAD_REQUEST");
    c.put(&path, &json!({"role_ids": [uuid::Uuid::new_v4()]}))
        .await
        .assert_error(404, "GLOBAL_ROLE_NOT_FOUND");
    c.put(
        &format!("{USERS}/{}/global-roles", uuid::Uuid::new_v4()),
        &json!({"role_ids": [user_role]}),
    )
    .await
    .assert_error(404, "USER_NOT_FOUND");
    assert_eq!(
        c.get(&format!("{USERS}/{user_id}")).await.data()["role"],
        "ADMIN",
        "errors change nothing"
    );
}

on_both_backends!(
    user_crud_and_paging,
    user_creation_is_validated,
    admin_routes_need_global_permissions,
    deleted_and_disabled_users_are_locked_out_at_once,
    the_last_super_admin_stays,
    global_roles_crud,
    roles_in_use_and_deletion,
    assigning_global_roles,
);
