//! Tasks, comments, the activity feed, notifications and the event log over HTTP.

mod common;

use common::{Backend, Client, TestServer, at, id_named, project};
use serde_json::{Value, json};

async fn setup(s: &TestServer) -> (Client, String, Value) {
    let c = s.admin().await;
    let id = project(&c, "Tasks").await;
    let types = c.get(&at(&id, "/task-types")).await;
    let statuses = c.get(&at(&id, "/task-statuses")).await;
    let me = c.get(&at(&id, "/members")).await.data()[0]["id"].clone();
    let ids = json!({
        "epic": id_named(&types, "name", "Epic"),
        "bug": id_named(&types, "name", "Bug"),
        "todo": id_named(&statuses, "name", "Todo"),
        "done": id_named(&statuses, "name", "Done"),
        "me": me,
    });
    (c, id, ids)
}

fn doc(text: &str) -> Value {
    json!([{"type": "paragraph", "content": [{"type": "text", "text": text}]}])
}

async fn sprint(c: &Client, p: &str, name: &str) -> String {
    let r = c.post(&at(p, "/sprints"), &json!({"name": name})).await;
    assert_eq!(r.status, 201, "{r:?}");
    r.data()["id"].as_str().expect("id").to_owned()
}

async fn task_fields_and_tri_state_updates(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let (c, p, ids) = setup(&s).await;
    c.post(
        &at(&p, "/custom-fields"),
        &json!({"field_key": "severity", "display_name": "Severity", "field_type": "text"}),
    )
    .await;
    let sprint = sprint(&c, &p, "S1").await;
    let full = json!({
        "title": "  Fix login  ", "task_type_id": ids["bug"], "status_id": ids["todo"], "sprint_id": sprint,
        "description": doc("steps"), "importance": 3, "story_points": 5, "assignee_ids": [ids["me"]],
        "reporter_id": ids["me"], "custom_fields": {"severity": "high"}, "start_date": "2026-01-10T00:00:00Z",
        "due_date": "2026-01-20", "tags": ["auth", "web"]
    });
    let created = c.post(&at(&p, "/tasks"), &full).await;
    assert_eq!(created.status, 201, "{created:?}");
    let t = created.data().clone();
    assert_eq!(
        (
            t["title"].as_str(),
            t["task_number"].as_i64(),
            t["version"].as_i64()
        ),
        (Some("Fix login"), Some(1), Some(1))
    );
    assert_eq!(
        (t["start_date"].as_str(), t["due_date"].as_str()),
        (Some("2026-01-10T00:00:00Z"), Some("2026-01-20T00:00:00Z"))
    );
    assert_eq!(
        (&t["tags"], &t["custom_fields"], &t["assignee_ids"]),
        (
            &json!(["auth", "web"]),
            &json!({"severity": "high"}),
            &json!([ids["me"]])
        )
    );
    assert_eq!(t["sprint_id"], json!(sprint));
    let tid = t["id"].as_str().expect("id").to_owned();
    let url = at(&p, &format!("/tasks/{tid}"));

    let second = c.post(&at(&p, "/tasks"), &json!({"title": "second"})).await;
    assert_eq!(second.data()["task_number"], 2);
    assert!(second.data().get("sprint_id").is_none() && second.data()["assignee_ids"] == json!([]));
    assert_eq!(
        c.get(&at(&p, "/tasks/by-number/1")).await.data()["id"],
        json!(tid)
    );
    c.get(&at(&p, "/tasks/by-number/99"))
        .await
        .assert_error(404, "TASK_NOT_FOUND");
    c.get(&at(&p, "/tasks/by-number/0"))
        .await
        .assert_error(400, "BAD_REQUEST");

    // PATCH: absent keeps, null clears, value sets; the status change is kept when the sprint is not sent.
    let moved = c.patch(&url, &json!({"status_id": ids["done"]})).await;
    assert_eq!(
        (
            moved.data()["status_id"].clone(),
            moved.data()["sprint_id"].clone(),
            moved.data()["version"].as_i64()
        ),
        (ids["done"].clone(), json!(sprint), Some(2))
    );
    let cleared = c.patch(&url, &json!({"sprint_id": null, "story_points": null, "assignee_ids": null, "due_date": null, "description": null})).await;
    let d = cleared.data();
    assert!(
        d.get("sprint_id").is_none()
            && d.get("story_points").is_none()
            && d.get("due_date").is_none()
            && d.get("description").is_none()
    );
    assert_eq!(
        (
            &d["assignee_ids"],
            d["importance"].as_i64(),
            d["title"].as_str()
        ),
        (&json!([]), Some(3), Some("Fix login"))
    );
    let untouched = c
        .patch(
            &url,
            &json!({"title": null, "importance": null, "tags": null}),
        )
        .await;
    assert_eq!(
        (
            untouched.data()["title"].as_str(),
            untouched.data()["importance"].as_i64(),
            &untouched.data()["tags"]
        ),
        (Some("Fix login"), Some(3), &json!(["auth", "web"]))
    );

    // Bad input: clear errors, nothing changed.
    let version = c.get(&url).await.data()["version"]
        .as_i64()
        .expect("version");
    c.patch(&url, &json!({"importance": -1}))
        .await
        .assert_error(400, "BAD_REQUEST");
    c.patch(&url, &json!({"status_id": uuid::Uuid::new_v4()}))
        .await
        .assert_error(404, "TASK_STATUS_NOT_FOUND");
    c.patch(&url, &json!({"task_type_id": uuid::Uuid::new_v4()}))
        .await
        .assert_error(404, "TASK_TYPE_NOT_FOUND");
    c.patch(&url, &json!({"assignee_ids": [uuid::Uuid::new_v4()]}))
        .await
        .assert_error(404, "PROJECT_MEMBER_NOT_FOUND");
    c.patch(&url, &json!({"description": "plain text"}))
        .await
        .assert_error(400, "BAD_REQUEST");
    c.patch(&url, &json!({"due_date": "next week"}))
        .await
        .assert_error(400, "BAD_REQUEST");
    c.patch(&url, &json!({"story_points": "five"}))
        .await
        .assert_error(400, "BAD_REQUEST");
    assert_eq!(
        c.get(&url).await.data()["version"].as_i64(),
        Some(version),
        "nothing changed"
    );
    c.post(&at(&p, "/tasks"), &json!({"title": "  "}))
        .await
        .assert_error(400, "TASK_TITLE_INVALID");
    c.post(
        &at(&p, "/tasks"),
        &json!({"title": "x", "tags": vec!["a"; 51]}),
    )
    .await
    .assert_error(400, "BAD_REQUEST");
    c.get(&at(&p, "/tasks/nope"))
        .await
        .assert_error(400, "BAD_REQUEST");

    assert_eq!(
        c.delete(&url).await.data(),
        &json!({"message": "task deleted"})
    );
    c.get(&url).await.assert_error(404, "TASK_NOT_FOUND");
    c.patch(&url, &json!({"title": "ghost"}))
        .await
        .assert_error(404, "TASK_NOT_FOUND");
    c.get(&at(&p, "/tasks/by-number/1"))
        .await
        .assert_error(404, "TASK_NOT_FOUND");
    let third = c.post(&at(&p, "/tasks"), &json!({"title": "third"})).await;
    assert_eq!(third.data()["task_number"], 3, "numbers are never reused");
}

async fn parents_epics_and_cycles(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let (c, p, ids) = setup(&s).await;
    let new = |title: &str, extra: Value| {
        let mut body = json!({"title": title});
        if let (Some(o), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            o.extend(e.clone());
        }
        body
    };
    let epic = c
        .post(
            &at(&p, "/tasks"),
            &new("epic", json!({"task_type_id": ids["epic"]})),
        )
        .await
        .data()["id"]
        .clone();
    let a = c
        .post(
            &at(&p, "/tasks"),
            &new("a", json!({"parent_task_id": epic})),
        )
        .await;
    assert_eq!(a.status, 201);
    let a = a.data()["id"].clone();
    let b_task = c
        .post(&at(&p, "/tasks"), &new("b", json!({"parent_task_id": a})))
        .await
        .data()["id"]
        .clone();
    c.post(
        &at(&p, "/tasks"),
        &new(
            "e2",
            json!({"task_type_id": ids["epic"], "parent_task_id": a}),
        ),
    )
    .await
    .assert_error(400, "TASK_EPIC_CANNOT_HAVE_PARENT");
    c.patch(
        &at(&p, &format!("/tasks/{}", epic.as_str().unwrap_or_default())),
        &json!({"parent_task_id": a}),
    )
    .await
    .assert_error(400, "TASK_EPIC_CANNOT_HAVE_PARENT");
    let a_url = at(&p, &format!("/tasks/{}", a.as_str().unwrap_or_default()));
    c.patch(&a_url, &json!({"parent_task_id": a}))
        .await
        .assert_error(400, "TASK_CANNOT_BE_OWN_PARENT");
    c.patch(&a_url, &json!({"parent_task_id": b_task}))
        .await
        .assert_error(400, "TASK_PARENT_CYCLE_DETECTED");
    c.patch(&a_url, &json!({"parent_task_id": uuid::Uuid::new_v4()}))
        .await
        .assert_error(404, "TASK_NOT_FOUND");
    let children = c
        .get(&at(
            &p,
            &format!("/tasks?parent_task_id={}", a.as_str().unwrap_or_default()),
        ))
        .await;
    assert_eq!(children.data()["items"][0]["id"], b_task);
    assert_eq!(
        c.patch(&a_url, &json!({"parent_task_id": null}))
            .await
            .status,
        200
    );
}

async fn optimistic_concurrency(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let (c, p, _) = setup(&s).await;
    let t = c.post(&at(&p, "/tasks"), &json!({"title": "v1"})).await;
    let url = at(
        &p,
        &format!("/tasks/{}", t.data()["id"].as_str().unwrap_or_default()),
    );
    let ok = c
        .send(
            "PATCH",
            &url,
            Some(json!({"title": "v2"}).to_string().into_bytes()),
            &[("if-match", "1")],
        )
        .await;
    assert_eq!((ok.status, ok.data()["version"].as_i64()), (200, Some(2)));
    let stale = c
        .send(
            "PATCH",
            &url,
            Some(json!({"title": "lost"}).to_string().into_bytes()),
            &[("if-match", "\"1\"")],
        )
        .await;
    stale.assert_error(409, "TASK_VERSION_CONFLICT");
    assert_eq!(
        (
            stale.body["current"]["title"].as_str(),
            stale.body["current"]["version"].as_i64()
        ),
        (Some("v2"), Some(2))
    );
    c.patch(&url, &json!({"title": "lost", "expected_version": 1}))
        .await
        .assert_error(409, "TASK_VERSION_CONFLICT");
    c.send(
        "PATCH",
        &url,
        Some(json!({"title": "x"}).to_string().into_bytes()),
        &[("if-match", "abc")],
    )
    .await
    .assert_error(400, "BAD_REQUEST");
    c.send("DELETE", &url, None, &[("if-match", "1")])
        .await
        .assert_error(409, "TASK_VERSION_CONFLICT");
    assert_eq!(c.get(&url).await.data()["title"], "v2");
    assert_eq!(
        c.send("DELETE", &url, None, &[("if-match", "2")])
            .await
            .status,
        200
    );
}

async fn list_filters_and_paging(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let (c, p, ids) = setup(&s).await;
    let sprint = sprint(&c, &p, "S1").await;
    for i in 0..25 {
        let body = match i % 3 {
            0 => {
                json!({"title": format!("alpha {i}"), "sprint_id": sprint, "status_id": ids["done"], "assignee_ids": [ids["me"]]})
            }
            1 => json!({"title": format!("beta {i}"), "task_type_id": ids["bug"]}),
            _ => json!({"title": format!("gamma {i}"), "sprint_id": sprint}),
        };
        let r = c.post(&at(&p, "/tasks"), &body).await;
        assert_eq!(r.status, 201, "task {i} {body}: {r:?}");
    }
    let count = |q: String| {
        let c = &c;
        let p = p.clone();
        async move {
            c.get(&at(&p, &format!("/tasks?page_size=200&{q}")))
                .await
                .data()["total_count"]
                .as_u64()
        }
    };
    assert_eq!(count(String::new()).await, Some(25));
    assert_eq!(count(format!("sprint_id={sprint}")).await, Some(17));
    assert_eq!(count("sprint_id=null".into()).await, Some(8));
    assert_eq!(
        count(format!(
            "status_id={}",
            ids["done"].as_str().unwrap_or_default()
        ))
        .await,
        Some(9)
    );
    assert_eq!(
        count(format!(
            "assignee_id={}",
            ids["me"].as_str().unwrap_or_default()
        ))
        .await,
        Some(9)
    );
    assert_eq!(count("assignee_id=null".into()).await, Some(16));
    assert_eq!(
        count(format!(
            "task_type_ids={}",
            ids["bug"].as_str().unwrap_or_default()
        ))
        .await,
        Some(8)
    );
    assert_eq!(count("search=ALPHA".into()).await, Some(9));
    assert_eq!(
        count("search=%2312".into()).await,
        Some(1),
        "#12 matches the task number"
    );
    c.get(&at(&p, "/tasks?status_id=nope"))
        .await
        .assert_error(400, "BAD_REQUEST");
    c.get(&at(&p, "/tasks?cursor=garbage!"))
        .await
        .assert_error(400, "BAD_REQUEST");

    // Keyset paging visits every task once, in creation order.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = cursor
            .as_ref()
            .map(|c| format!("&cursor={c}"))
            .unwrap_or_default();
        let page = c.get(&at(&p, &format!("/tasks?page_size=7{q}"))).await;
        assert_eq!(page.data()["page_size"], 7);
        for t in page.data()["items"].as_array().expect("items") {
            seen.push(t["task_number"].as_i64().expect("number"));
        }
        match page.data()["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, (1..=25).collect::<Vec<i64>>());
    assert_eq!(
        c.get(&at(&p, "/tasks?page_size=500")).await.data()["page_size"],
        20,
        "out of range falls back to 20"
    );
}

async fn comments_activity_and_notifications(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let (c, p, _) = setup(&s).await;
    let (bob, bob_user) = s.user("bob", "USER").await;
    let roles = c.get(&at(&p, "/roles")).await;
    let editor = id_named(&roles, "role_name", "Editor");
    let bob_member = c
        .post(
            &at(&p, "/members"),
            &json!({"user_id": bob_user, "project_role_id": editor}),
        )
        .await
        .data()["id"]
        .clone();

    // Assigning bob notifies bob.
    let t = c
        .post(
            &at(&p, "/tasks"),
            &json!({"title": "Write docs", "assignee_ids": [bob_member]}),
        )
        .await;
    let tid = t.data()["id"].as_str().expect("id").to_owned();
    let inbox = bob.get("/api/v1/users/me/notifications").await;
    assert_eq!(inbox.data()["unread_count"], 1, "{inbox:?}");
    let n = &inbox.data()["items"][0];
    assert_eq!(
        (
            n["type"].as_str(),
            n["task_title"].as_str(),
            n["task_number"].as_i64(),
            n["project_name"].as_str(),
            n["actor_username"].as_str()
        ),
        (
            Some("assigned"),
            Some("Write docs"),
            Some(1),
            Some("Tasks"),
            Some("admin")
        )
    );
    assert!(n["read_at"].is_null());
    // Re-sending the same assignees notifies nobody again.
    c.patch(
        &at(&p, &format!("/tasks/{tid}")),
        &json!({"assignee_ids": [bob_member], "title": "Write the docs"}),
    )
    .await;
    assert_eq!(
        bob.get("/api/v1/users/me/notifications").await.data()["unread_count"],
        1
    );

    // Comments: add with a mention, edit by the author only, delete.
    let comments = at(&p, &format!("/tasks/{tid}/activities/comments"));
    let mention = json!([{"type": "paragraph", "content": [
        {"type": "text", "text": "please look "},
        {"type": "teamMention", "props": {"id": bob_user, "name": "bob"}}
    ]}]);
    let added = c.post(&comments, &json!({"content": mention})).await;
    assert_eq!(added.status, 201, "{added:?}");
    assert_eq!(
        (
            added.data()["activity_type"].as_str(),
            added.data()["actor_username"].as_str()
        ),
        (Some("comment"), Some("admin"))
    );
    let comment_id = added.data()["id"].as_str().expect("id").to_owned();
    let inbox = bob.get("/api/v1/users/me/notifications").await;
    assert_eq!(
        (
            inbox.data()["unread_count"].as_u64(),
            inbox.data()["items"][0]["type"].as_str()
        ),
        (Some(2), Some("mentioned"))
    );
    let text_mention = bob
        .post(&comments, &json!({"content": {"text": "thanks @admin"}}))
        .await;
    assert_eq!(text_mention.status, 201);
    assert_eq!(
        c.get("/api/v1/users/me/notifications").await.data()["items"][0]["type"],
        "mentioned",
        "@username fallback"
    );

    c.post(&comments, &json!({"content": []}))
        .await
        .assert_error(400, "ACTIVITY_COMMENT_CONTENT_INVALID");
    c.post(&comments, &json!({"content": "just a string"}))
        .await
        .assert_error(400, "ACTIVITY_COMMENT_CONTENT_INVALID");
    c.post(&comments, &json!({}))
        .await
        .assert_error(400, "BAD_REQUEST");
    c.post(
        &at(
            &p,
            &format!("/tasks/{}/activities/comments", uuid::Uuid::new_v4()),
        ),
        &json!({"content": doc("x")}),
    )
    .await
    .assert_error(404, "TASK_NOT_FOUND");
    let one = format!("{comments}/{comment_id}");
    bob.patch(&one, &json!({"content": doc("hijack")}))
        .await
        .assert_error(403, "ACTIVITY_FORBIDDEN");
    let edited = c.patch(&one, &json!({"content": doc("edited")})).await;
    assert_eq!(edited.data()["content"], doc("edited"));
    c.patch(
        &format!("{comments}/{}", uuid::Uuid::new_v4()),
        &json!({"content": doc("x")}),
    )
    .await
    .assert_error(404, "ACTIVITY_NOT_FOUND");

    let feed = c.get(&at(&p, &format!("/tasks/{tid}/activities"))).await;
    let items = feed.data()["items"].as_array().expect("items").clone();
    let kinds: Vec<&str> = items
        .iter()
        .filter_map(|a| a["activity_type"].as_str())
        .collect();
    assert_eq!(
        kinds,
        ["task.created", "task.updated", "comment", "comment"]
    );
    assert_eq!(items[0]["content"], json!({"title": "Write docs"}));
    assert_eq!(items[1]["content"]["changes"][0]["field"], "title");
    assert_eq!(
        (items[2]["content"].clone(), items[2]["actor_name"].as_str()),
        (doc("edited"), Some("Admin")),
        "comments show as they are now"
    );
    bob.delete(&one)
        .await
        .assert_error(403, "ACTIVITY_FORBIDDEN");
    assert_eq!(c.delete(&one).await.status, 204);
    let feed = c.get(&at(&p, &format!("/tasks/{tid}/activities"))).await;
    assert_eq!(
        feed.data()["items"].as_array().map(Vec::len),
        Some(3),
        "deleted comments leave the feed"
    );

    // Marking read.
    let first = bob.get("/api/v1/users/me/notifications").await.data()["items"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(
        bob.send(
            "PATCH",
            &format!("/api/v1/users/me/notifications/{first}/read"),
            None,
            &[]
        )
        .await
        .status,
        204
    );
    assert_eq!(
        bob.get("/api/v1/users/me/notifications").await.data()["unread_count"],
        1
    );
    c.send(
        "PATCH",
        &format!("/api/v1/users/me/notifications/{first}/read"),
        None,
        &[],
    )
    .await
    .assert_error(404, "NOTIFICATION_NOT_FOUND");
    assert_eq!(
        bob.post("/api/v1/users/me/notifications/read-all", &json!({}))
            .await
            .status,
        204
    );
    assert_eq!(
        bob.get("/api/v1/users/me/notifications").await.data()["unread_count"],
        0
    );
}

async fn the_event_log(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let (c, p, _) = setup(&s).await;
    for i in 0..5 {
        c.post(&at(&p, "/tasks"), &json!({"title": format!("t{i}")}))
            .await;
    }
    let all = c.get(&at(&p, "/events")).await;
    let seqs: Vec<i64> = all.data()["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["seq"].as_i64())
        .collect();
    assert_eq!(
        seqs,
        (1..=6).collect::<Vec<_>>(),
        "project.created then five task.created"
    );
    assert_eq!(all.data()["next_since"], 6);
    assert_eq!(all.data()["items"][1]["type"], "task.created");
    assert_eq!(all.data()["items"][1]["payload"]["task_number"], 1);
    let page = c.get(&at(&p, "/events?since=2&limit=2")).await;
    let seqs: Vec<i64> = page.data()["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["seq"].as_i64())
        .collect();
    assert_eq!(
        (seqs, page.data()["next_since"].as_i64()),
        (vec![3, 4], Some(4))
    );
    let done = c.get(&at(&p, "/events?since=6")).await;
    assert_eq!(
        (
            done.data()["items"].as_array().map(Vec::len),
            done.data()["next_since"].as_i64()
        ),
        (Some(0), Some(6))
    );
    c.get(&at(&p, "/events?since=-1"))
        .await
        .assert_error(400, "BAD_REQUEST");
    c.get(&at(&p, "/events?limit=zero"))
        .await
        .assert_error(400, "BAD_REQUEST");
    let (outsider, _) = s.user("olga", "USER").await;
    outsider
        .get(&at(&p, "/events"))
        .await
        .assert_error(403, "FORBIDDEN");
}

on_both_backends!(
    task_fields_and_tri_state_updates,
    parents_epics_and_cycles,
    optimistic_concurrency,
    list_filters_and_paging,
    comments_activity_and_notifications,
    the_event_log,
);
