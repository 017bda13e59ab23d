//! Projects, members, project roles, task types and statuses over HTTP.

mod common;

use common::{Auth, Backend, TestServer, at, id_named, project};
use serde_json::{Value, json};

async fn project_lifecycle_and_seeding(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = s.admin().await;
    let created = c
        .post(
            "/api/v1/projects",
            &json!({"name": "Paca Core API", "description": " about ", "settings": {"k": 1}}),
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    let p = created.data().clone();
    assert_eq!(
        (
            p["task_id_prefix"].as_str(),
            p["description"].as_str(),
            &p["settings"]
        ),
        (Some("PCA"), Some("about"), &json!({"k": 1}))
    );
    assert!(
        p.get("updated_at").is_none(),
        "Paca's project has no updated_at"
    );
    let id = p["id"].as_str().expect("id").to_owned();

    let types = c.get(&at(&id, "/task-types")).await;
    let names: Vec<&str> = types.data()["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names, ["Bug", "Epic", "Story", "Task"]);
    let statuses = c.get(&at(&id, "/task-statuses")).await;
    let s_names: Vec<&str> = statuses.data()["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(s_names, ["Backlog", "Todo", "In Progress", "Done"]);
    assert_eq!(statuses.data()["items"][0]["is_default"], true);
    let roles = c.get(&at(&id, "/roles")).await;
    let r_names: Vec<&str> = roles
        .data()
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|r| r["role_name"].as_str())
        .collect();
    assert_eq!(r_names, ["Admin", "Editor", "Viewer"]);
    // Viewer: every domain's `.read`, members and roles included.
    let viewer = &roles.data()[2]["permissions"];
    for domain in [
        "projects",
        "project.members",
        "project.roles",
        "tasks",
        "sprints",
        "docs",
        "agents",
        "workflows",
    ] {
        assert_eq!(viewer[format!("{domain}.read")], true, "{viewer}");
    }
    let members = c.get(&at(&id, "/members")).await;
    assert_eq!(members.data()[0]["role_name"], "Admin");
    assert_eq!(members.data()[0]["username"], "admin");
    let perms = c.get(&at(&id, "/members/me/permissions")).await;
    assert_eq!(perms.data()["permissions"]["tasks.*"], true);

    let given = c
        .post(
            "/api/v1/projects",
            &json!({"name": "x", "task_id_prefix": " web "}),
        )
        .await;
    assert_eq!(given.data()["task_id_prefix"], "WEB");
    c.post(
        "/api/v1/projects",
        &json!({"name": "x", "task_id_prefix": "TOO-LONG-PREFIX"}),
    )
    .await
    .assert_error(400, "PROJECT_PREFIX_INVALID");
    c.post("/api/v1/projects", &json!({"name": ""}))
        .await
        .assert_error(400, "BAD_REQUEST");
    c.post("/api/v1/projects", &json!({"name": "   "}))
        .await
        .assert_error(400, "PROJECT_NAME_INVALID");
    c.post("/api/v1/projects", &json!({"name": 3}))
        .await
        .assert_error(400, "BAD_REQUEST");

    let patched = c.patch(&at(&id, ""), &json!({"name": "Renamed", "description": "", "is_public": true, "task_id_prefix": "rn"})).await;
    assert_eq!(
        (
            patched.data()["name"].as_str(),
            patched.data()["description"].as_str(),
            patched.data()["is_public"].as_bool(),
            patched.data()["task_id_prefix"].as_str()
        ),
        (Some("Renamed"), Some("about"), Some(true), Some("RN"))
    );
    c.patch(&at(&id, ""), &json!({"task_id_prefix": "bad prefix"}))
        .await
        .assert_error(400, "PROJECT_PREFIX_INVALID");
    assert_eq!(
        c.get(&at(&id, "")).await.data()["task_id_prefix"],
        "RN",
        "errors change nothing"
    );

    let list = c.get("/api/v1/projects?page_size=1&page=2").await;
    assert_eq!(
        (
            list.data()["total"].as_u64(),
            list.data()["items"].as_array().map(Vec::len)
        ),
        (Some(2), Some(1))
    );

    let deleted = c.delete(&at(&id, "")).await;
    assert_eq!(
        (deleted.status, deleted.data()),
        (200, &json!({"message": "project deleted"}))
    );
    c.get(&at(&id, ""))
        .await
        .assert_error(404, "PROJECT_NOT_FOUND");
    c.get(&at(&id, "/tasks"))
        .await
        .assert_error(404, "PROJECT_NOT_FOUND");
    assert_eq!(c.get("/api/v1/projects").await.data()["total"], 1);
    c.get(&at("nope", ""))
        .await
        .assert_error(400, "BAD_REQUEST");
}

async fn project_access_rules(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let id = project(&admin, "Private").await;
    let (user, _) = s.user("uma", "USER").await;
    // USER has no projects.create; non-members learn nothing about projects.
    user.post("/api/v1/projects", &json!({"name": "Mine"}))
        .await
        .assert_error(403, "FORBIDDEN");
    user.get(&at(&id, "")).await.assert_error(403, "FORBIDDEN");
    user.get(&at(&uuid::Uuid::new_v4().to_string(), ""))
        .await
        .assert_error(403, "FORBIDDEN");
    admin
        .get(&at(&uuid::Uuid::new_v4().to_string(), ""))
        .await
        .assert_error(404, "PROJECT_NOT_FOUND");
    user.get(&at(&id, "/members/me/permissions"))
        .await
        .assert_error(404, "PROJECT_MEMBER_NOT_FOUND");
    assert_eq!(user.get("/api/v1/projects").await.data()["total"], 0);
    let anon = s.client().with_auth(Auth::None);
    anon.get(&at(&id, ""))
        .await
        .assert_error(401, "AUTH_UNAUTHENTICATED");
    anon.get("/api/v1/projects")
        .await
        .assert_error(401, "AUTH_MISSING_TOKEN");
    // A public project is readable anonymously, not writable.
    admin.patch(&at(&id, ""), &json!({"is_public": true})).await;
    assert_eq!(anon.get(&at(&id, "")).await.status, 200);
    assert_eq!(anon.get(&at(&id, "/tasks")).await.status, 200);
    anon.post(&at(&id, "/tasks"), &json!({"title": "x"}))
        .await
        .assert_error(401, "AUTH_UNAUTHENTICATED");
    user.get(&at(&id, "")).await.assert_error(403, "FORBIDDEN");
    // Bad credentials are refused even on public routes.
    s.client()
        .with_auth(Auth::Bearer("junk".into()))
        .get(&at(&id, ""))
        .await
        .assert_error(401, "AUTH_TOKEN_INVALID");
}

async fn members_and_roles(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let id = project(&admin, "Team").await;
    let (bob, bob_id) = s.user("bob", "USER").await;
    let roles = admin.get(&at(&id, "/roles")).await;
    let (viewer, editor) = (
        id_named(&roles, "role_name", "Viewer"),
        id_named(&roles, "role_name", "Editor"),
    );

    let added = admin
        .post(
            &at(&id, "/members"),
            &json!({"user_id": bob_id, "project_role_id": viewer}),
        )
        .await;
    assert_eq!(added.status, 201, "{added:?}");
    assert_eq!(
        (
            added.data()["username"].as_str(),
            added.data()["role_name"].as_str(),
            added.data()["member_type"].as_str()
        ),
        (Some("bob"), Some("Viewer"), Some("human"))
    );
    let member = added.data()["id"].as_str().expect("id").to_owned();
    admin
        .post(
            &at(&id, "/members"),
            &json!({"user_id": bob_id, "project_role_id": viewer}),
        )
        .await
        .assert_error(409, "PROJECT_MEMBER_ALREADY_ADDED");
    admin
        .post(
            &at(&id, "/members"),
            &json!({"user_id": uuid::Uuid::new_v4(), "project_role_id": viewer}),
        )
        .await
        .assert_error(404, "USER_NOT_FOUND");
    admin
        .post(
            &at(&id, "/members"),
            &json!({"user_id": bob_id, "project_role_id": uuid::Uuid::new_v4()}),
        )
        .await
        .assert_error(404, "PROJECT_ROLE_NOT_FOUND");
    admin
        .post(&at(&id, "/members"), &json!({"project_role_id": viewer}))
        .await
        .assert_error(400, "BAD_REQUEST");

    // A viewer reads but does not write.
    assert_eq!(bob.get(&at(&id, "/tasks")).await.status, 200);
    bob.post(&at(&id, "/tasks"), &json!({"title": "nope"}))
        .await
        .assert_error(403, "FORBIDDEN");
    assert_eq!(
        bob.get(&at(&id, "/members/me/permissions")).await.data()["permissions"]["tasks.read"],
        true
    );
    assert_eq!(
        bob.get("/api/v1/projects").await.data()["total"],
        1,
        "members see their projects"
    );

    let promoted = admin
        .patch(
            &at(&id, &format!("/members/{member}")),
            &json!({"project_role_id": editor}),
        )
        .await;
    assert_eq!(promoted.data()["role_name"], "Editor");
    assert_eq!(
        bob.post(&at(&id, "/tasks"), &json!({"title": "now yes"}))
            .await
            .status,
        201,
        "role change applies at once"
    );
    admin
        .patch(
            &at(&id, &format!("/members/{}", uuid::Uuid::new_v4())),
            &json!({"project_role_id": editor}),
        )
        .await
        .assert_error(404, "PROJECT_MEMBER_NOT_FOUND");

    // Roles.
    let custom = admin
        .post(
            &at(&id, "/roles"),
            &json!({"role_name": "Triage", "permissions": {"tasks.read": true}}),
        )
        .await;
    assert_eq!(custom.status, 201);
    let custom_id = custom.data()["id"].as_str().expect("id").to_owned();
    admin
        .post(&at(&id, "/roles"), &json!({"role_name": "Triage"}))
        .await
        .assert_error(409, "PROJECT_ROLE_NAME_TAKEN");
    admin
        .post(&at(&id, "/roles"), &json!({"role_name": ""}))
        .await
        .assert_error(400, "BAD_REQUEST");
    admin
        .post(&at(&id, "/roles"), &json!({"role_name": "  "}))
        .await
        .assert_error(400, "PROJECT_ROLE_NAME_INVALID");
    let renamed = admin
        .patch(
            &at(&id, &format!("/roles/{custom_id}")),
            &json!({"role_name": "Triage 2", "permissions": {"tasks.*": true}}),
        )
        .await;
    assert_eq!(
        (
            renamed.data()["role_name"].as_str(),
            &renamed.data()["permissions"]
        ),
        (Some("Triage 2"), &json!({"tasks.*": true}))
    );
    admin
        .patch(
            &at(&id, &format!("/roles/{custom_id}")),
            &json!({"role_name": "Editor"}),
        )
        .await
        .assert_error(409, "PROJECT_ROLE_NAME_TAKEN");
    // Tri-state PATCH: an absent name is kept, a null one refused.
    let regranted = admin
        .patch(
            &at(&id, &format!("/roles/{custom_id}")),
            &json!({"permissions": {"tasks.read": true}}),
        )
        .await;
    assert_eq!(
        (
            regranted.data()["role_name"].as_str(),
            &regranted.data()["permissions"]
        ),
        (Some("Triage 2"), &json!({"tasks.read": true}))
    );
    admin
        .patch(
            &at(&id, &format!("/roles/{custom_id}")),
            &json!({"role_name": null}),
        )
        .await
        .assert_error(400, "BAD_REQUEST");
    admin
        .delete(&at(&id, &format!("/roles/{editor}")))
        .await
        .assert_error(409, "PROJECT_ROLE_HAS_MEMBERS");
    bob.post(&at(&id, "/roles"), &json!({"role_name": "Mine"}))
        .await
        .assert_error(403, "FORBIDDEN");
    assert_eq!(
        admin
            .delete(&at(&id, &format!("/roles/{custom_id}")))
            .await
            .data(),
        &json!({"message": "project role deleted"})
    );
    admin
        .delete(&at(&id, &format!("/roles/{custom_id}")))
        .await
        .assert_error(404, "PROJECT_ROLE_NOT_FOUND");

    // Removal is immediate; re-adding revives the same membership.
    assert_eq!(
        admin
            .delete(&at(&id, &format!("/members/{member}")))
            .await
            .data(),
        &json!({"message": "member removed"})
    );
    bob.get(&at(&id, "/tasks"))
        .await
        .assert_error(403, "FORBIDDEN");
    let again = admin
        .post(
            &at(&id, "/members"),
            &json!({"user_id": bob_id, "project_role_id": viewer}),
        )
        .await;
    assert_eq!(again.data()["id"].as_str(), Some(member.as_str()));
}

async fn task_types_and_statuses(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = s.admin().await;
    let id = project(&c, "Config").await;
    let types = c.get(&at(&id, "/task-types")).await;
    let epic = id_named(&types, "name", "Epic");
    let task_type = id_named(&types, "name", "Task");

    let spike = c
        .post(
            &at(&id, "/task-types"),
            &json!({"name": "Spike", "icon": "Zap", "color": "#000"}),
        )
        .await;
    assert_eq!(spike.status, 201);
    assert!(
        spike.data().get("description").is_none(),
        "unset fields are omitted"
    );
    let spike_id = spike.data()["id"].as_str().expect("id").to_owned();
    c.post(&at(&id, "/task-types"), &json!({"name": "Epic"}))
        .await
        .assert_error(409, "TASK_TYPE_NAME_RESERVED");
    c.post(&at(&id, "/task-types"), &json!({"name": " "}))
        .await
        .assert_error(400, "TASK_TYPE_NAME_INVALID");
    let patched = c
        .patch(
            &at(&id, &format!("/task-types/{spike_id}")),
            &json!({"icon": null, "description": "d"}),
        )
        .await;
    assert!(
        patched.data().get("icon").is_none()
            && patched.data()["description"] == "d"
            && patched.data()["color"] == "#000"
    );
    c.patch(
        &at(&id, &format!("/task-types/{epic}")),
        &json!({"name": "Big"}),
    )
    .await
    .assert_error(403, "TASK_TYPE_IS_SYSTEM");
    c.delete(&at(&id, &format!("/task-types/{epic}")))
        .await
        .assert_error(403, "TASK_TYPE_IS_SYSTEM");
    let default = c
        .put(
            &at(&id, &format!("/task-types/{spike_id}/set-default")),
            &json!({}),
        )
        .await;
    assert_eq!(default.data()["is_default"], true);
    let after = c.get(&at(&id, "/task-types")).await;
    let defaults: Vec<&str> = after.data()["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|t| t["is_default"] == true)
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(defaults, ["Spike"], "exactly one default");
    let task = c.post(&at(&id, "/tasks"), &json!({"title": "typed"})).await;
    assert_eq!(
        task.data()["task_type_id"].as_str(),
        Some(spike_id.as_str()),
        "new tasks get the default type"
    );
    let task_id = task.data()["id"].as_str().expect("id").to_owned();
    assert_eq!(
        c.delete(&at(&id, &format!("/task-types/{spike_id}")))
            .await
            .data(),
        &json!({"message": "task type deleted"})
    );
    assert!(
        c.get(&at(&id, &format!("/tasks/{task_id}")))
            .await
            .data()
            .get("task_type_id")
            .is_none(),
        "tasks lose a deleted type"
    );
    c.delete(&at(&id, &format!("/task-types/{spike_id}")))
        .await
        .assert_error(404, "TASK_TYPE_NOT_FOUND");
    let _ = task_type;

    // Statuses.
    let review = c
        .post(
            &at(&id, "/task-statuses"),
            &json!({"name": "Review", "category": "inprogress", "position": 9}),
        )
        .await;
    assert_eq!(review.status, 201, "{review:?}");
    let review_id = review.data()["id"].as_str().expect("id").to_owned();
    c.post(
        &at(&id, "/task-statuses"),
        &json!({"name": "X", "category": "later"}),
    )
    .await
    .assert_error(400, "TASK_STATUS_CATEGORY_INVALID");
    c.post(&at(&id, "/task-statuses"), &json!({"name": "X"}))
        .await
        .assert_error(400, "BAD_REQUEST");
    c.post(
        &at(&id, "/task-statuses"),
        &json!({"name": " ", "category": "done"}),
    )
    .await
    .assert_error(400, "TASK_STATUS_NAME_INVALID");
    let renamed = c
        .patch(
            &at(&id, &format!("/task-statuses/{review_id}")),
            &json!({"name": "Code review", "color": "#111"}),
        )
        .await;
    assert_eq!(
        (
            renamed.data()["name"].as_str(),
            renamed.data()["color"].as_str()
        ),
        (Some("Code review"), Some("#111"))
    );
    // An absent colour is kept; `null` clears it.
    let kept = c
        .patch(
            &at(&id, &format!("/task-statuses/{review_id}")),
            &json!({"name": "Review"}),
        )
        .await;
    assert_eq!(kept.data()["color"], "#111");
    let cleared = c
        .patch(
            &at(&id, &format!("/task-statuses/{review_id}")),
            &json!({"color": null}),
        )
        .await;
    assert_eq!(
        (cleared.data()["name"].as_str(), &cleared.data()["color"]),
        (Some("Review"), &Value::Null)
    );
    let listed = c.get(&at(&id, "/task-statuses")).await;
    let mut ids: Vec<String> = listed.data()["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|x| x["id"].as_str().map(str::to_owned))
        .collect();
    ids.reverse();
    let r = c
        .put(
            &at(&id, "/task-statuses/positions"),
            &json!({"status_ids": ids}),
        )
        .await;
    assert_eq!(r.status, 204, "{r:?}");
    let reordered = c.get(&at(&id, "/task-statuses")).await;
    let now: Vec<String> = reordered.data()["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|x| x["id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(now, ids);
    assert_eq!(reordered.data()["items"][0]["position"], 0);
    c.put(
        &at(&id, "/task-statuses/positions"),
        &json!({"status_ids": &ids[1..]}),
    )
    .await
    .assert_error(400, "TASK_STATUS_REORDER_INVALID");
    c.put(
        &at(&id, "/task-statuses/positions"),
        &json!({"status_ids": []}),
    )
    .await
    .assert_error(400, "BAD_REQUEST");
    let set = c
        .put(
            &at(&id, &format!("/task-statuses/{review_id}/set-default")),
            &json!({}),
        )
        .await;
    assert_eq!(set.data()["is_default"], true);
    let t = c
        .post(&at(&id, "/tasks"), &json!({"title": "in review"}))
        .await;
    assert_eq!(t.data()["status_id"].as_str(), Some(review_id.as_str()));
    assert_eq!(
        c.delete(&at(&id, &format!("/task-statuses/{review_id}")))
            .await
            .status,
        200
    );
    let tid = t.data()["id"].as_str().expect("id").to_owned();
    assert!(
        c.get(&at(&id, &format!("/tasks/{tid}")))
            .await
            .data()
            .get("status_id")
            .is_none()
    );
    c.delete(&at(&id, &format!("/task-statuses/{review_id}")))
        .await
        .assert_error(404, "TASK_STATUS_NOT_FOUND");
}

on_both_backends!(
    project_lifecycle_and_seeding,
    project_access_rules,
    members_and_roles,
    task_types_and_statuses
);
