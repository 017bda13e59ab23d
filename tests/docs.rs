//! Documents: folders (create, rename, move, reorder, delete with their sub-tree), Paca's
//! payloads and codes, permissions, and their `doc.folder.*` events in the docs room.

mod common;

use common::socket::Socket;
use common::{Backend, Client, TestServer, at, project};
use serde_json::{Value, json};
use std::time::Duration;

fn folders(p: &str, rest: &str) -> String {
    at(p, &format!("/docs/folders{rest}"))
}

async fn folder(c: &Client, p: &str, body: Value) -> Value {
    let r = c.post(&folders(p, ""), &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.data().clone()
}

async fn names(c: &Client, p: &str) -> Vec<String> {
    let r = c.get(&folders(p, "")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.data()["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|f| f["name"].as_str().map(str::to_owned))
        .collect()
}

async fn folder_tree(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Docs").await;
    let mut socket = Socket::with_token(&s.base, &admin.access_token().expect("token")).await;
    let joined = socket.call("join", json!({"projectId": p})).await;
    assert_eq!(joined["rooms"]["docs"], true, "{joined}");

    assert_eq!(names(&admin, &p).await, Vec::<String>::new());
    let specs = folder(&admin, &p, json!({"name": "  Specs "})).await;
    assert_eq!(specs["name"], "Specs");
    assert_eq!(specs["position"], 0);
    assert_eq!(specs["project_id"], p.as_str());
    assert!(
        specs.get("parent_id").is_none(),
        "root folders omit parent_id: {specs}"
    );
    assert!(specs.get("created_by").is_none(), "{specs}");
    let specs_id = specs["id"].as_str().expect("id").to_owned();
    let api = folder(&admin, &p, json!({"name": "API", "parent_id": specs_id})).await;
    assert_eq!(api["parent_id"], specs_id.as_str());
    let api_id = api["id"].as_str().expect("id").to_owned();
    let deep = folder(&admin, &p, json!({"name": "v2", "parent_id": api_id})).await;
    folder(&admin, &p, json!({"name": "Notes"})).await;
    assert_eq!(names(&admin, &p).await, ["API", "Notes", "Specs", "v2"]);

    let events = socket.collect("event", 4, Duration::from_secs(5)).await;
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
    assert_eq!(kinds, ["doc.folder.created"; 4], "{events:?}");
    assert_eq!(events[0]["payload"]["folder_id"], specs_id.as_str());

    // Rename, reorder, move to the root and back; a blank name is ignored (Paca).
    let r = admin
        .patch(
            &folders(&p, &format!("/{api_id}")),
            &json!({"name": "Interfaces", "position": -1}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.data()["name"].as_str(), r.data()["position"].as_i64()),
        (Some("Interfaces"), Some(-1))
    );
    let r = admin
        .patch(
            &folders(&p, &format!("/{api_id}")),
            &json!({"name": "  ", "parent_id": null}),
        )
        .await;
    assert_eq!(r.data()["name"], "Interfaces");
    assert!(r.data().get("parent_id").is_none(), "{}", r.body);
    assert_eq!(
        names(&admin, &p).await,
        ["Interfaces", "Notes", "Specs", "v2"]
    );
    let updated = socket.collect("event", 2, Duration::from_secs(5)).await;
    assert_eq!(updated[0]["type"], "doc.folder.updated");
    let changes: Value =
        serde_json::from_str(updated[0]["payload"]["content"].as_str().expect("content"))
            .expect("content JSON");
    assert_eq!(
        changes["changes"].as_array().map(Vec::len),
        Some(2),
        "{changes}"
    );
    let r = admin
        .patch(
            &folders(&p, &format!("/{api_id}")),
            &json!({"parent_id": specs_id}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // Cycles, self-parents, unknown and foreign parents.
    let cases = [
        (
            specs_id.clone(),
            json!({"parent_id": specs_id}),
            400,
            "DOC_FOLDER_SELF_PARENT",
        ),
        (
            specs_id.clone(),
            json!({"parent_id": deep["id"]}),
            400,
            "DOC_FOLDER_CYCLE",
        ),
        (
            specs_id.clone(),
            json!({"parent_id": uuid::Uuid::now_v7()}),
            404,
            "DOC_FOLDER_NOT_FOUND",
        ),
        (
            uuid::Uuid::now_v7().to_string(),
            json!({"name": "x"}),
            404,
            "DOC_FOLDER_NOT_FOUND",
        ),
        (
            specs_id.clone(),
            json!({"position": "first"}),
            400,
            "BAD_REQUEST",
        ),
    ];
    for (id, body, status, code) in cases {
        let r = admin.patch(&folders(&p, &format!("/{id}")), &body).await;
        assert_eq!(
            (r.status, r.error_code()),
            (status, code.to_owned()),
            "{body}: {}",
            r.body
        );
    }
    let other = project(&admin, "Other").await;
    let foreign = folder(&admin, &other, json!({"name": "Theirs"})).await;
    for (body, status, code) in [
        (json!({"name": ""}), 400, "BAD_REQUEST"),
        (json!({}), 400, "BAD_REQUEST"),
        (json!({"name": " \t "}), 400, "DOC_FOLDER_NAME_INVALID"),
        (json!({"name": "a\u{7}b"}), 400, "DOC_FOLDER_NAME_INVALID"),
        (
            json!({"name": "x".repeat(256)}),
            400,
            "DOC_FOLDER_NAME_INVALID",
        ),
        (
            json!({"name": "x", "parent_id": uuid::Uuid::now_v7()}),
            404,
            "DOC_FOLDER_NOT_FOUND",
        ),
        (
            json!({"name": "x", "parent_id": foreign["id"]}),
            400,
            "DOC_FOLDER_NOT_IN_PROJECT",
        ),
        (
            json!({"name": "x", "parent_id": "not-a-uuid"}),
            400,
            "BAD_REQUEST",
        ),
    ] {
        let r = admin.post(&folders(&p, ""), &body).await;
        assert_eq!(
            (r.status, r.error_code()),
            (status, code.to_owned()),
            "{body}: {}",
            r.body
        );
    }
    let r = admin.get(&folders(&p, "/not-a-uuid")).await;
    assert_eq!(
        r.status, 405,
        "no GET of one folder (Paca has none): {}",
        r.body
    );
    let r = admin.delete(&folders(&p, "/not-a-uuid")).await;
    assert_eq!((r.status, r.error_code()), (400, "BAD_REQUEST".to_owned()));

    // Deleting a folder takes its sub-tree.
    let r = admin.delete(&folders(&p, &format!("/{specs_id}"))).await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(names(&admin, &p).await, ["Notes"]);
    let r = admin.delete(&folders(&p, &format!("/{specs_id}"))).await;
    assert_eq!(
        (r.status, r.error_code()),
        (404, "DOC_FOLDER_NOT_FOUND".to_owned())
    );
    let events = socket.collect("event", 5, Duration::from_secs(5)).await;
    let deleted = events
        .iter()
        .find(|e| e["type"] == "doc.folder.deleted")
        .expect("doc.folder.deleted");
    let content: Value =
        serde_json::from_str(deleted["payload"]["content"].as_str().expect("content"))
            .expect("content JSON");
    assert_eq!(
        content["folder_ids"].as_array().map(Vec::len),
        Some(3),
        "{content}"
    );

    // The tree survives a restart (it is project state, loaded with the project).
    drop(socket);
    let mut s = s;
    s.restart(&[]).await;
    let admin = s.admin().await;
    assert_eq!(names(&admin, &p).await, ["Notes"]);
}

/// Trees nest at most 32 deep, by creating and by moving a sub-tree.
async fn folder_depth_is_bounded(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Deep").await;
    let mut parent: Option<String> = None;
    let mut chain = Vec::new();
    for depth in 1..=32 {
        let body = json!({"name": format!("level {depth}"), "parent_id": parent});
        let id = folder(&admin, &p, body).await["id"]
            .as_str()
            .expect("id")
            .to_owned();
        chain.push(id.clone());
        parent = Some(id);
    }
    let r = admin
        .post(
            &folders(&p, ""),
            &json!({"name": "too deep", "parent_id": parent}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_code()),
        (400, "DOC_FOLDER_TOO_DEEP".to_owned()),
        "{}",
        r.body
    );
    // A two-level tree moved under level 31 would reach 33.
    let top = folder(&admin, &p, json!({"name": "top"})).await;
    let top_id = top["id"].as_str().expect("id").to_owned();
    folder(&admin, &p, json!({"name": "below", "parent_id": top_id})).await;
    let r = admin
        .patch(
            &folders(&p, &format!("/{top_id}")),
            &json!({"parent_id": chain[30]}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_code()),
        (400, "DOC_FOLDER_TOO_DEEP".to_owned()),
        "{}",
        r.body
    );
    let r = admin
        .patch(
            &folders(&p, &format!("/{top_id}")),
            &json!({"parent_id": chain[29]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // Deleting the root takes all 34.
    let r = admin.delete(&folders(&p, &format!("/{}", chain[0]))).await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(names(&admin, &p).await, Vec::<String>::new());
}

/// Viewers read folders and cannot change them; outsiders see nothing.
async fn folder_permissions(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Guarded docs").await;
    let notes = folder(&admin, &p, json!({"name": "Notes"})).await;
    let (viewer, viewer_id) = s.user("vic", "USER").await;
    common::add_member(&admin, &p, &viewer_id, "Viewer").await;
    assert_eq!(names(&viewer, &p).await, ["Notes"]);
    let r = viewer
        .post(&folders(&p, ""), &json!({"name": "Mine"}))
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let id = notes["id"].as_str().expect("id");
    let r = viewer
        .patch(&folders(&p, &format!("/{id}")), &json!({"name": "Theirs"}))
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = viewer.delete(&folders(&p, &format!("/{id}"))).await;
    assert_eq!(r.status, 403, "{}", r.body);
    let (stranger, _) = s.user("stan", "USER").await;
    let r = stranger.get(&folders(&p, "")).await;
    assert!(matches!(r.status, 403 | 404), "{}", r.body);
    let r = s.client().get(&folders(&p, "")).await;
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(names(&admin, &p).await, ["Notes"]);
}

on_both_backends!(folder_tree, folder_depth_is_bounded, folder_permissions);
