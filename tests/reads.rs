//! Reads off the mailbox: queries are answered from the project's committed snapshot on the
//! request's own thread, so they never wait behind the actor's work; a writer reads its own
//! write; the single-request board (`GET /projects/{id}/board`, a Corral extension) carries
//! everything a board needs, each task written as the task endpoints write it.

mod common;

use common::{Auth, Backend, TestServer, at, id_named, project};
use corral_actors::ids::ProjectId;
use serde_json::json;
use std::time::{Duration, Instant};

fn pid(id: &str) -> ProjectId {
    id.parse().expect("project id")
}

async fn reads_do_not_wait_behind_the_actor(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = std::sync::Arc::new(s.admin().await);
    let p = project(&c, "Busy").await;
    let t = c.post(&at(&p, "/tasks"), &json!({"title": "before"})).await;
    let task = at(
        &p,
        &format!("/tasks/{}", t.data()["id"].as_str().unwrap_or_default()),
    );
    // The actor is kept busy for 3 s, and a write queues behind that.
    s.projects().hold(pid(&p), Duration::from_secs(3));
    let write = {
        let (c, task) = (c.clone(), task.clone());
        tokio::spawn(async move { c.patch(&task, &json!({"title": "after"})).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    for path in [task.clone(), at(&p, "/tasks"), at(&p, "/board"), at(&p, "")] {
        let r = c.get(&path).await;
        assert_eq!(r.status, 200, "{path}: {r:?}");
    }
    let read = c.get(&task).await;
    assert_eq!(
        read.data()["title"],
        "before",
        "the write is not acknowledged yet"
    );
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "reads waited for the actor: {:?}",
        started.elapsed()
    );
    assert!(!write.is_finished(), "the write waits for the actor");
    let written = write.await.expect("write");
    assert_eq!(written.status, 200, "{written:?}");
    assert_eq!(c.get(&task).await.data()["title"], "after");
}

async fn a_writer_reads_its_own_writes(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = std::sync::Arc::new(s.admin().await);
    let p = project(&c, "Own writes").await;
    // Several writers at once, so batches hold many commands; each reads right after its ack.
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (c, p) = (c.clone(), p.clone());
            tokio::spawn(async move {
                let t = c
                    .post(&at(&p, "/tasks"), &json!({"title": format!("w{w}")}))
                    .await;
                let id = t.data()["id"].as_str().unwrap_or_default().to_owned();
                let task = at(&p, &format!("/tasks/{id}"));
                for i in 0..15 {
                    let title = format!("w{w} v{i}");
                    let r = c.patch(&task, &json!({"title": title})).await;
                    assert_eq!(r.status, 200, "{r:?}");
                    let version = r.data()["version"].clone();
                    let read = c.get(&task).await;
                    assert_eq!(read.data()["title"], title.as_str());
                    assert_eq!(read.data()["version"], version);
                    let board = c.get(&at(&p, "/board")).await;
                    let mine = board.data()["tasks"]
                        .as_array()
                        .and_then(|ts| ts.iter().find(|t| t["id"] == id.as_str()).cloned())
                        .unwrap_or_default();
                    assert_eq!(mine["title"], title.as_str(), "the board sees the write");
                }
            })
        })
        .collect();
    for w in writers {
        w.await.expect("writer");
    }
}

async fn the_board_carries_everything_in_one_request(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Board").await;
    let (bob, bob_id) = s.user("bob", "USER").await;
    let roles = admin.get(&at(&p, "/roles")).await;
    let viewer = id_named(&roles, "role_name", "Viewer");
    let added = admin
        .post(
            &at(&p, "/members"),
            &json!({"user_id": bob_id, "project_role_id": viewer}),
        )
        .await;
    assert_eq!(added.status, 201, "{added:?}");
    let mut ids = Vec::new();
    for i in 0..30 {
        let t = admin
            .post(
                &at(&p, "/tasks"),
                &json!({"title": format!("card {i}"), "story_points": i, "tags": ["x"]}),
            )
            .await;
        ids.push(t.data()["id"].as_str().unwrap_or_default().to_owned());
    }
    let gone = admin.delete(&at(&p, &format!("/tasks/{}", ids[3]))).await;
    assert_eq!(gone.status, 200, "{gone:?}");
    let edited = admin
        .patch(
            &at(&p, &format!("/tasks/{}", ids[5])),
            &json!({"title": "edited"}),
        )
        .await;
    assert_eq!(edited.data()["version"], 2);

    let board = bob.get(&at(&p, "/board")).await;
    assert_eq!(board.status, 200, "{board:?}");
    let data = board.data();
    assert_eq!(data["project"]["id"], p.as_str());
    assert_eq!(data["project"]["name"], "Board");
    let statuses = admin.get(&at(&p, "/task-statuses")).await;
    assert_eq!(
        data["statuses"],
        statuses.data()["items"],
        "as the status list"
    );
    let types = admin.get(&at(&p, "/task-types")).await;
    assert_eq!(
        data["task_types"],
        types.data()["items"],
        "as the type list"
    );
    let members = admin.get(&at(&p, "/members")).await;
    assert_eq!(data["members"], *members.data(), "as the member list");
    let tasks = data["tasks"].as_array().cloned().unwrap_or_default();
    assert_eq!(tasks.len(), 29, "live tasks only");
    let listed: Vec<&str> = tasks.iter().filter_map(|t| t["id"].as_str()).collect();
    let expected: Vec<&str> = ids
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 3)
        .map(|(_, id)| id.as_str())
        .collect();
    assert_eq!(listed, expected, "in creation order");
    // Each task exactly as the task endpoint and the list write it.
    let page = admin.get(&at(&p, "/tasks?page_size=100")).await;
    let items = page.data()["items"].as_array().cloned().unwrap_or_default();
    for t in &tasks {
        let one = admin
            .get(&at(
                &p,
                &format!("/tasks/{}", t["id"].as_str().unwrap_or_default()),
            ))
            .await;
        assert_eq!(t, one.data());
        assert!(items.contains(t), "{t} not in the list");
    }
    let edited = tasks.iter().find(|t| t["id"] == ids[5].as_str()).cloned();
    assert_eq!(
        edited.as_ref().map(|t| t["title"].clone()),
        Some(json!("edited"))
    );
    assert_eq!(edited.map(|t| t["version"].clone()), Some(json!(2)));
    // The sequence a socket joins from.
    let events = admin.get(&at(&p, "/events")).await;
    let last = events.data()["items"]
        .as_array()
        .and_then(|e| e.iter().filter_map(|e| e["seq"].as_i64()).max());
    if let Some(last) = last {
        assert!(data["seq"].as_i64().unwrap_or_default() >= last, "{data}");
    }
    assert!(data["seq"].as_i64().unwrap_or_default() > 30);
}

async fn board_permissions_and_errors(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Private board").await;
    let (stranger, _) = s.user("sam", "USER").await;
    let anon = s.client().with_auth(Auth::None);
    let expect = |r: &common::Resp, status: u16, code: &str| {
        r.assert_error(status, code);
        assert_eq!(r.body["success"], false);
        assert!(r.body["error"].is_string(), "{r:?}");
    };
    expect(&stranger.get(&at(&p, "/board")).await, 403, "FORBIDDEN");
    expect(
        &anon.get(&at(&p, "/board")).await,
        401,
        "AUTH_UNAUTHENTICATED",
    );
    let missing = uuid::Uuid::new_v4().to_string();
    expect(
        &admin.get(&at(&missing, "/board")).await,
        404,
        "PROJECT_NOT_FOUND",
    );
    expect(
        &stranger.get(&at(&missing, "/board")).await,
        403,
        "FORBIDDEN",
    );
    let bad = admin.get(&at("not-a-uuid", "/board")).await;
    assert_eq!(bad.status, 400, "{bad:?}");
    assert_eq!(bad.body["success"], false);
    // The board answers exactly as the task list does, whoever asks.
    for (who, c) in [
        ("stranger", &stranger),
        ("anonymous", &anon),
        ("admin", &admin),
    ] {
        let board = c.get(&at(&p, "/board")).await;
        let list = c.get(&at(&p, "/tasks")).await;
        assert_eq!(board.status, list.status, "{who}");
        assert_eq!(board.body["error_code"], list.body["error_code"], "{who}");
    }
    // A deleted project is gone for the board too.
    let deleted = admin.delete(&at(&p, "")).await;
    assert_eq!(deleted.status, 200, "{deleted:?}");
    expect(
        &admin.get(&at(&p, "/board")).await,
        404,
        "PROJECT_NOT_FOUND",
    );
    // A public project's board is readable anonymously.
    let open = project(&admin, "Open board").await;
    admin
        .patch(&at(&open, ""), &json!({"is_public": true}))
        .await;
    admin
        .post(&at(&open, "/tasks"), &json!({"title": "visible"}))
        .await;
    let board = anon.get(&at(&open, "/board")).await;
    assert_eq!(board.status, 200, "{board:?}");
    assert_eq!(board.data()["tasks"][0]["title"], "visible");
}

on_both_backends!(
    reads_do_not_wait_behind_the_actor,
    a_writer_reads_its_own_writes,
    the_board_carries_everything_in_one_request,
    board_permissions_and_errors,
);
