//! Documents: folders (create, rename, move, reorder, delete with their sub-tree), documents
//! (content as BlockNote JSON over a Yjs document), snapshots and restore, the activity feed;
//! Paca's payloads and codes, permissions, and the `doc.*` events in the docs room.

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

fn docs(p: &str, rest: &str) -> String {
    at(p, &format!("/docs{rest}"))
}

async fn document(c: &Client, p: &str, body: Value) -> Value {
    let r = c.post(&docs(p, ""), &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.data().clone()
}

fn text(t: &str) -> Value {
    json!([{"type": "text", "text": t, "styles": {}}])
}

async fn document_lifecycle(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Handbook").await;
    let mut socket = Socket::with_token(&s.base, &admin.access_token().expect("token")).await;
    socket.call("join", json!({"projectId": p})).await;
    let specs = folder(&admin, &p, json!({"name": "Specs"})).await;
    let specs_id = specs["id"].as_str().expect("id").to_owned();

    let created = document(
        &admin,
        &p,
        json!({"title": "  Runbook ", "content": [
            {"type": "heading", "props": {"level": 2}, "content": text("Deploy")},
            {"type": "paragraph", "content": text("Run the script.")},
        ]}),
    )
    .await;
    let doc_id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(created["title"], "Runbook");
    assert_eq!(created["project_id"], p.as_str());
    assert_eq!(created["position"], 0);
    assert!(created.get("folder_id").is_none(), "{created}");
    assert!(created["created_by"].is_string(), "{created}");
    // Rendered back from Yjs: ids and BlockNote's default props appear.
    let content = &created["content"];
    assert_eq!(common::block_texts(content), ["Deploy", "Run the script."]);
    assert_eq!(content[0]["props"]["level"], 2);
    assert_eq!(content[1]["props"]["textAlignment"], "left");
    let first_block = content[0]["id"].as_str().expect("block id").to_owned();

    let got = admin.get(&docs(&p, &format!("/{doc_id}"))).await;
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.data()["content"], *content);

    // The list has no content; folder_id filters exactly.
    let list = admin.get(&docs(&p, "")).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let items = list.data()["items"].as_array().expect("items").clone();
    assert_eq!(items.len(), 1);
    assert!(items[0].get("content").is_none(), "{}", items[0]);
    let r = admin
        .get(&docs(&p, &format!("?folder_id={specs_id}")))
        .await;
    assert_eq!(r.data()["items"], json!([]));
    let r = admin.get(&docs(&p, "?folder_id=nope")).await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (400, Some("invalid folder_id"))
    );

    // A PATCH as Paca's web sends it (ids stripped): the unchanged block keeps its id.
    let r = admin
        .patch(
            &docs(&p, &format!("/{doc_id}")),
            &json!({"title": "Runbook v2", "folder_id": specs_id, "content": [
                {"type": "heading", "props": {"level": 2}, "content": text("Deploy")},
                {"type": "paragraph", "content": text("Run the new script.")},
            ]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let updated = r.data().clone();
    assert_eq!(updated["title"], "Runbook v2");
    assert_eq!(updated["folder_id"], specs_id.as_str());
    assert_eq!(
        common::block_texts(&updated["content"]),
        ["Deploy", "Run the new script."]
    );
    assert_eq!(updated["content"][0]["id"], first_block.as_str());
    let r = admin
        .get(&docs(&p, &format!("?folder_id={specs_id}")))
        .await;
    assert_eq!(r.data()["items"][0]["id"], doc_id.as_str());

    // Nothing changes: no event.
    let r = admin
        .patch(
            &docs(&p, &format!("/{doc_id}")),
            &json!({"title": "Runbook v2"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // Content null: an empty document.
    let r = admin
        .patch(&docs(&p, &format!("/{doc_id}")), &json!({"content": null}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.data()["content"], Value::Null);

    // Deleting the folder moves the document to the root.
    let r = admin.delete(&folders(&p, &format!("/{specs_id}"))).await;
    assert_eq!(r.status, 204, "{}", r.body);
    let got = admin.get(&docs(&p, &format!("/{doc_id}"))).await;
    assert!(got.data().get("folder_id").is_none(), "{}", got.body);

    let feed = admin.get(&docs(&p, &format!("/{doc_id}/activities"))).await;
    assert_eq!(feed.status, 200, "{}", feed.body);
    let entries = feed.data()["items"].as_array().expect("items").clone();
    let kinds: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["activity_type"].as_str())
        .collect();
    assert_eq!(
        kinds,
        ["doc.created", "doc.updated", "doc.moved", "doc.updated"],
        "{entries:?}"
    );
    assert_eq!(entries[0]["content"]["title"], "Runbook");
    assert_eq!(entries[0]["actor_name"], "Admin");
    let fields: Vec<&str> = entries[1]["content"]["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter_map(|c| c["field"].as_str())
        .collect();
    assert_eq!(fields, ["title", "content"]);

    let r = admin.delete(&docs(&p, &format!("/{doc_id}"))).await;
    assert_eq!(r.status, 204, "{}", r.body);
    for path in ["", "/activities", "/snapshots"] {
        let r = admin.get(&docs(&p, &format!("/{doc_id}{path}"))).await;
        assert_eq!(
            (r.status, r.error_code()),
            (404, "DOC_NOT_FOUND".to_owned()),
            "{path}"
        );
    }
    let r = admin.delete(&docs(&p, &format!("/{doc_id}"))).await;
    assert_eq!(r.status, 404, "{}", r.body);

    let events = socket.collect("event", 7, Duration::from_secs(5)).await;
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
    assert_eq!(
        kinds,
        [
            "doc.folder.created",
            "doc.created",
            "doc.updated",
            "doc.moved",
            "doc.updated",
            "doc.folder.deleted",
            "doc.deleted"
        ],
        "{events:?}"
    );
    assert_eq!(events[1]["payload"]["document_id"], doc_id.as_str());
    assert!(
        events[1]["payload"]["content"].is_string(),
        "content goes as a JSON string"
    );
    assert_eq!(
        events[5]["payload"]["content"],
        json!({"name": "Specs", "folder_ids": [specs_id], "moved_document_ids": [doc_id]})
            .to_string()
    );
}

async fn document_refusals(b: Backend) {
    let Some(s) = TestServer::start_with(b, &[("DOC_MAX_BYTES", "4096")]).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Strict").await;
    let other = project(&admin, "Elsewhere").await;
    let foreign = folder(&admin, &other, json!({"name": "Theirs"})).await;
    let foreign_id = foreign["id"].as_str().expect("id");

    let bad = [
        (
            json!({"content": {"type": "paragraph"}}),
            400,
            "BAD_REQUEST",
            "content: content must be a BlockNote document (a JSON array of blocks)",
        ),
        (
            json!({"content": [{"type": "paragraph"}, {"text": "x"}]}),
            400,
            "BAD_REQUEST",
            "content: content block at index 1 is missing a \"type\" field",
        ),
        (
            json!({"content": [{"type": "marquee"}]}),
            400,
            "DOC_CONTENT_INVALID",
            "",
        ),
        (
            json!({"title": "x".repeat(501)}),
            400,
            "DOC_TITLE_INVALID",
            "",
        ),
        (json!({"title": "a\u{1}b"}), 400, "DOC_TITLE_INVALID", ""),
        (json!({"title": "a\u{0}b"}), 400, "VALIDATION_ERROR", ""),
        (
            json!({"folder_id": uuid::Uuid::new_v4()}),
            404,
            "DOC_FOLDER_NOT_FOUND",
            "",
        ),
        (
            json!({"folder_id": foreign_id}),
            400,
            "DOC_FOLDER_NOT_IN_PROJECT",
            "",
        ),
        (
            json!({"content": [{"type": "paragraph", "content": text(&"y".repeat(8000))}]}),
            413,
            "DOC_TOO_LARGE",
            "",
        ),
    ];
    for (body, status, code, message) in &bad {
        let r = admin.post(&docs(&p, ""), body).await;
        assert_eq!(
            (r.status, r.error_code()),
            (*status, (*code).to_owned()),
            "{body}: {}",
            r.body
        );
        if !message.is_empty() {
            assert_eq!(r.body["error"], *message);
        }
    }
    assert_eq!(
        admin.get(&docs(&p, "")).await.data()["items"],
        json!([]),
        "nothing created"
    );

    let untitled = document(&admin, &p, json!({"title": "   "})).await;
    assert_eq!(untitled["title"], "Untitled");
    assert_eq!(untitled["content"], Value::Null);
    let id = untitled["id"].as_str().expect("id").to_owned();
    for (body, status, code) in [
        (json!({"title": " "}), 400, "DOC_TITLE_INVALID"),
        (
            json!({"content": [{"type": "paragraph", "content": [{"type": "text", "text": "x", "styles": {"blink": true}}]}]}),
            400,
            "DOC_CONTENT_INVALID",
        ),
        (json!({"content": "text"}), 400, "BAD_REQUEST"),
        (
            json!({"folder_id": foreign_id}),
            400,
            "DOC_FOLDER_NOT_IN_PROJECT",
        ),
        (
            json!({"content": [{"type": "paragraph", "content": text(&"z".repeat(8000))}]}),
            413,
            "DOC_TOO_LARGE",
        ),
    ] {
        let r = admin.patch(&docs(&p, &format!("/{id}")), &body).await;
        assert_eq!(
            (r.status, r.error_code()),
            (status, code.to_owned()),
            "{body}: {}",
            r.body
        );
    }
    let got = admin.get(&docs(&p, &format!("/{id}"))).await;
    assert_eq!(
        (got.data()["title"].as_str(), &got.data()["content"]),
        (Some("Untitled"), &Value::Null)
    );
    // The refused oversized edit left nothing behind, and the document still takes edits.
    let r = admin
        .patch(
            &docs(&p, &format!("/{id}")),
            &json!({"content": [{"type": "paragraph", "content": text("fine")}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(common::block_texts(&r.data()["content"]), ["fine"]);

    // Ids: malformed, and another project's document.
    let r = admin.get(&docs(&p, "/not-a-uuid")).await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (400, Some("invalid document id"))
    );
    let theirs = document(&admin, &other, json!({"title": "Theirs"})).await;
    let theirs_id = theirs["id"].as_str().expect("id");
    for r in [
        admin.get(&docs(&p, &format!("/{theirs_id}"))).await,
        admin
            .patch(
                &docs(&p, &format!("/{theirs_id}")),
                &json!({"title": "Mine"}),
            )
            .await,
        admin.delete(&docs(&p, &format!("/{theirs_id}"))).await,
        admin
            .get(&docs(&p, &format!("/{theirs_id}/snapshots")))
            .await,
    ] {
        assert_eq!(
            (r.status, r.error_code()),
            (404, "DOC_NOT_FOUND".to_owned()),
            "{}",
            r.body
        );
    }
    assert_eq!(
        admin
            .get(&docs(&other, &format!("/{theirs_id}")))
            .await
            .data()["title"],
        "Theirs"
    );
}

/// Paca's coalescing: one snapshot per interval, of the state before the edit that opened it;
/// a restore is a new edit after a snapshot of the state it replaces.
async fn snapshots_and_restore(b: Backend) {
    let Some(s) = TestServer::start_with(b, &[("DOC_SNAPSHOT_INTERVAL", "2s")]).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "History").await;
    let doc = document(
        &admin,
        &p,
        json!({"title": "Plan", "content": [{"type": "paragraph", "content": text("one")}]}),
    )
    .await;
    let id = doc["id"].as_str().expect("id").to_owned();
    let edit = |t: &'static str| json!({"content": [{"type": "paragraph", "content": text(t)}]});
    for t in ["two", "three"] {
        let r = admin.patch(&docs(&p, &format!("/{id}")), &edit(t)).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    tokio::time::sleep(Duration::from_millis(2200)).await;
    // A PATCH that changes nothing takes no snapshot, even when one would be due.
    let r = admin
        .patch(&docs(&p, &format!("/{id}")), &edit("three"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let count = admin
        .get(&docs(&p, &format!("/{id}/snapshots")))
        .await
        .data()["items"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(count, 1);
    let r = admin
        .patch(&docs(&p, &format!("/{id}")), &json!({"title": "Plan B"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let list = admin.get(&docs(&p, &format!("/{id}/snapshots"))).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let snaps = list.data()["items"].as_array().expect("items").clone();
    let summary: Vec<(i64, String, Vec<String>)> = snaps
        .iter()
        .map(|s| {
            (
                s["snapshot_number"].as_i64().unwrap_or(0),
                s["title"].as_str().unwrap_or("").to_owned(),
                common::block_texts(&s["content"]),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (2, "Plan".to_owned(), vec!["three".to_owned()]),
            (1, "Plan".to_owned(), vec!["one".to_owned()])
        ],
        "newest first; each the state before its window's first edit"
    );
    assert_eq!(snaps[0]["created_by_name"], "Admin");
    let first = snaps[1]["id"].as_str().expect("id").to_owned();
    let got = admin
        .get(&docs(&p, &format!("/{id}/snapshots/{first}")))
        .await;
    assert_eq!(
        (got.status, got.data()["snapshot_number"].as_i64()),
        (200, Some(1))
    );

    // A snapshot of another document is not this one's.
    let other = document(&admin, &p, json!({"title": "Other"})).await;
    let other_id = other["id"].as_str().expect("id");
    let r = admin
        .get(&docs(&p, &format!("/{other_id}/snapshots/{first}")))
        .await;
    assert_eq!(
        (r.status, r.error_code()),
        (404, "DOC_SNAPSHOT_NOT_FOUND".to_owned())
    );
    let r = admin
        .post(
            &docs(&p, &format!("/{other_id}/snapshots/{first}/restore")),
            &json!({}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_code()),
        (404, "DOC_SNAPSHOT_NOT_FOUND".to_owned())
    );

    let r = admin
        .post(
            &docs(&p, &format!("/{id}/snapshots/{first}/restore")),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (
            r.data()["title"].as_str(),
            common::block_texts(&r.data()["content"])
        ),
        (Some("Plan"), vec!["one".to_owned()])
    );
    let snaps = admin
        .get(&docs(&p, &format!("/{id}/snapshots")))
        .await
        .data()["items"]
        .clone();
    assert_eq!(snaps[0]["snapshot_number"], 3);
    assert_eq!(
        (
            snaps[0]["title"].as_str(),
            common::block_texts(&snaps[0]["content"])
        ),
        (Some("Plan B"), vec!["three".to_owned()]),
        "the restored-over state is kept"
    );
    let feed = admin
        .get(&docs(&p, &format!("/{id}/activities")))
        .await
        .data()["items"]
        .clone();
    let last = feed
        .as_array()
        .and_then(|f| f.last())
        .expect("entries")
        .clone();
    assert_eq!(last["activity_type"], "doc.updated");
    assert_eq!(last["content"]["restored_from"], first.as_str());
}

/// Viewers read documents and cannot change them; anonymous callers read public projects'.
async fn document_permissions(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Shared docs").await;
    let doc = document(&admin, &p, json!({"title": "Guide"})).await;
    let id = doc["id"].as_str().expect("id").to_owned();
    let (viewer, viewer_id) = s.user("val", "USER").await;
    common::add_member(&admin, &p, &viewer_id, "Viewer").await;
    assert_eq!(viewer.get(&docs(&p, &format!("/{id}"))).await.status, 200);
    assert_eq!(
        viewer
            .get(&docs(&p, &format!("/{id}/activities")))
            .await
            .status,
        200
    );
    for r in [
        viewer.post(&docs(&p, ""), &json!({"title": "Mine"})).await,
        viewer
            .patch(&docs(&p, &format!("/{id}")), &json!({"title": "Theirs"}))
            .await,
        viewer.delete(&docs(&p, &format!("/{id}"))).await,
    ] {
        assert_eq!(r.status, 403, "{}", r.body);
    }
    let anonymous = s.client();
    assert_eq!(
        anonymous.get(&docs(&p, &format!("/{id}"))).await.status,
        401
    );
    let r = admin.patch(&at(&p, ""), &json!({"is_public": true})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        anonymous.get(&docs(&p, &format!("/{id}"))).await.status,
        200
    );
    assert_eq!(anonymous.get(&docs(&p, "")).await.status, 200);
    assert_eq!(anonymous.get(&folders(&p, "")).await.status, 200);
    assert_eq!(
        anonymous
            .patch(&docs(&p, &format!("/{id}")), &json!({"title": "x"}))
            .await
            .status,
        401
    );
    assert_eq!(
        admin.get(&docs(&p, &format!("/{id}"))).await.data()["title"],
        "Guide"
    );
}

/// Content survives a restart, and two nodes on one database see each other's edits.
async fn content_is_durable_and_shared(b: Backend) {
    let secret = ("JWT_SECRET", "docs-test-secret-0123456789abcdefghij");
    let Some(mut s) = TestServer::start_with(b, &[secret, ("DOC_COMPACT_UPDATES", "3")]).await
    else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Durable").await;
    let doc = document(&admin, &p, json!({"title": "Log"})).await;
    let id = doc["id"].as_str().expect("id").to_owned();
    let mut lines = Vec::new();
    for i in 0..7 {
        lines.push(format!("line {i}"));
        let content: Vec<Value> = lines
            .iter()
            .map(|l| json!({"type": "paragraph", "content": text(l)}))
            .collect();
        let r = admin
            .patch(&docs(&p, &format!("/{id}")), &json!({"content": content}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    s.restart(&[]).await;
    let admin = s.admin().await;
    let got = admin.get(&docs(&p, &format!("/{id}"))).await;
    assert_eq!(common::block_texts(&got.data()["content"]), lines);
    if b == Backend::Sqlite {
        return; // one SQLite file belongs to one node
    }
    let node_b = s.second_node().await;
    let on_b = common::Client::new(&node_b.base);
    *on_b.access.lock().expect("lock") = admin.access_token();
    assert_eq!(
        common::block_texts(&on_b.get(&docs(&p, &format!("/{id}"))).await.data()["content"]),
        lines
    );
    lines.push("from b".to_owned());
    let content: Vec<Value> = lines
        .iter()
        .map(|l| json!({"type": "paragraph", "content": text(l)}))
        .collect();
    let r = on_b
        .patch(&docs(&p, &format!("/{id}")), &json!({"content": content}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        common::block_texts(&admin.get(&docs(&p, &format!("/{id}"))).await.data()["content"]),
        lines
    );
}

/// Comments: members comment, only the author edits or deletes, and the feed shows them as
/// they are now among the document's events.
async fn doc_comments(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Discussed").await;
    let doc = document(&admin, &p, json!({"title": "RFC"})).await;
    let id = doc["id"].as_str().expect("id").to_owned();
    let comments = docs(&p, &format!("/{id}/comments"));
    let mut socket = Socket::with_token(&s.base, &admin.access_token().expect("token")).await;
    socket.call("join", json!({"projectId": p})).await;

    for (body, code, message) in [
        (json!({}), "BAD_REQUEST", Some("content is required")),
        (
            json!({"content": null}),
            "DOC_COMMENT_CONTENT_INVALID",
            None,
        ),
        (json!({"content": []}), "DOC_COMMENT_CONTENT_INVALID", None),
        (
            json!({"content": {"text": "  "}}),
            "DOC_COMMENT_CONTENT_INVALID",
            None,
        ),
        (
            json!({"content": "plain"}),
            "DOC_COMMENT_CONTENT_INVALID",
            None,
        ),
    ] {
        let r = admin.post(&comments, &body).await;
        assert_eq!(
            (r.status, r.error_code()),
            (400, code.to_owned()),
            "{body}: {}",
            r.body
        );
        if let Some(message) = message {
            assert_eq!(r.body["error"], message);
        }
    }
    let r = admin
        .post(&comments, &json!({"content": {"text": "Looks good"}}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let comment = r.data().clone();
    assert_eq!(comment["activity_type"], "comment");
    assert_eq!(comment["document_id"], id.as_str());
    assert_eq!(comment["actor_name"], "Admin");
    assert_eq!(comment["content"], json!({"text": "Looks good"}));
    let comment_id = comment["id"].as_str().expect("id").to_owned();

    let (editor, editor_id) = s.user("eddie", "USER").await;
    common::add_member(&admin, &p, &editor_id, "Editor").await;
    let theirs = editor
        .post(
            &comments,
            &json!({"content": [{"type": "paragraph", "content": text("Agreed")}]}),
        )
        .await;
    assert_eq!(theirs.status, 201, "{}", theirs.body);
    // A mention notifies, with the document (Paca's doc comments notify no one).
    let r = admin
        .post(
            &comments,
            &json!({"content": [{"type": "paragraph", "content": [
            {"type": "text", "text": "Ping ", "styles": {}},
            {"type": "teamMention", "props": {"id": editor_id, "name": "eddie"}}]}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let mention_id = r.data()["id"].as_str().expect("id").to_owned();
    let inbox = editor.get("/api/v1/users/me/notifications").await;
    let item = inbox.data()["items"][0].clone();
    assert_eq!(
        (item["type"].as_str(), item["document_id"].as_str()),
        (Some("mentioned"), Some(id.as_str())),
        "{item}"
    );
    assert_eq!(item["document_title"], "RFC");
    assert_eq!(item["task_id"], Value::Null);
    let r = admin.delete(&format!("{comments}/{mention_id}")).await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = editor
        .patch(
            &format!("{comments}/{comment_id}"),
            &json!({"content": {"text": "mine now"}}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_code()),
        (403, "DOC_ACTIVITY_FORBIDDEN".to_owned()),
        "{}",
        r.body
    );
    let r = editor.delete(&format!("{comments}/{comment_id}")).await;
    assert_eq!(r.status, 403, "{}", r.body);

    let r = admin
        .patch(
            &format!("{comments}/{comment_id}"),
            &json!({"content": {"text": "Looks great"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.data()["content"]["text"], "Looks great");
    // An event of the feed is not a comment; an unknown id is not found; another document's
    // comment is not this one's.
    let feed = admin
        .get(&docs(&p, &format!("/{id}/activities")))
        .await
        .data()["items"]
        .clone();
    let created_entry = feed[0]["id"].as_str().expect("id").to_owned();
    assert_eq!(feed[0]["activity_type"], "doc.created");
    let r = admin
        .patch(
            &format!("{comments}/{created_entry}"),
            &json!({"content": {"text": "x"}}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_code()),
        (400, "DOC_ACTIVITY_NOT_A_COMMENT".to_owned()),
        "{}",
        r.body
    );
    let r = admin
        .delete(&format!("{comments}/{}", uuid::Uuid::new_v4()))
        .await;
    assert_eq!(
        (r.status, r.error_code()),
        (404, "DOC_ACTIVITY_NOT_FOUND".to_owned()),
        "{}",
        r.body
    );
    let other = document(&admin, &p, json!({"title": "Other"})).await;
    let other_id = other["id"].as_str().expect("id");
    let r = admin
        .delete(&docs(&p, &format!("/{other_id}/comments/{comment_id}")))
        .await;
    assert_eq!(
        (r.status, r.error_code()),
        (404, "DOC_ACTIVITY_NOT_FOUND".to_owned()),
        "{}",
        r.body
    );
    let r = admin
        .patch(
            &format!("{comments}/nope"),
            &json!({"content": {"text": "x"}}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (400, Some("invalid comment id"))
    );

    let their_id = theirs.data()["id"].as_str().expect("id").to_owned();
    let r = editor.delete(&format!("{comments}/{their_id}")).await;
    assert_eq!(r.status, 204, "{}", r.body);
    let feed = admin
        .get(&docs(&p, &format!("/{id}/activities")))
        .await
        .data()["items"]
        .clone();
    let summary: Vec<(String, Value)> = feed
        .as_array()
        .expect("items")
        .iter()
        .map(|e| {
            (
                e["activity_type"].as_str().unwrap_or("").to_owned(),
                e["content"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("doc.created".to_owned(), json!({"title": "RFC"})),
            ("comment".to_owned(), json!({"text": "Looks great"})),
        ]
    );
    let events: Vec<Value> = socket
        .collect("event", 8, Duration::from_secs(5))
        .await
        .into_iter()
        .filter(|e| {
            e["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("doc.comment."))
        })
        .collect();
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
    assert_eq!(
        kinds,
        [
            "doc.comment.added",
            "doc.comment.added",
            "doc.comment.added",
            "doc.comment.deleted",
            "doc.comment.updated",
            "doc.comment.deleted"
        ],
        "{events:?}"
    );
    assert_eq!(events[0]["payload"]["id"], comment_id.as_str());
    assert_eq!(events[5]["payload"]["project_id"], p.as_str());
}

/// Events stay bounded: a large content change is noted by its size, not copied.
async fn large_edits_are_not_copied_into_events(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Big").await;
    let doc = document(&admin, &p, json!({"title": "Long"})).await;
    let id = doc["id"].as_str().expect("id").to_owned();
    let long = "z".repeat(300 * 1024);
    let r = admin
        .patch(
            &docs(&p, &format!("/{id}")),
            &json!({"content": [{"type": "paragraph", "content": text(&long)}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let feed = admin
        .get(&docs(&p, &format!("/{id}/activities")))
        .await
        .data()["items"]
        .clone();
    let change = &feed[1]["content"]["changes"][0];
    assert_eq!(change["field"], "content");
    assert_eq!(change["old"], Value::Null, "the empty document before");
    assert!(
        change["new"]["bytes"]
            .as_u64()
            .is_some_and(|n| n > 300 * 1024),
        "{change}"
    );
    assert_eq!(
        common::block_texts(&admin.get(&docs(&p, &format!("/{id}"))).await.data()["content"]),
        [long]
    );
}

on_both_backends!(
    large_edits_are_not_copied_into_events,
    doc_comments,
    folder_tree,
    folder_depth_is_bounded,
    folder_permissions,
    document_lifecycle,
    document_refusals,
    snapshots_and_restore,
    document_permissions,
    content_is_durable_and_shared
);
