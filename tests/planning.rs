//! Sprints, views and manual order, custom fields, links, and the task list's sorts, sums and
//! paging — the sorts checked against an independent model on randomized data.

mod common;

use common::load::Lcg;
use common::{Backend, Client, TestServer, at, id_named, project};
use serde_json::{Value, json};
use std::cmp::Ordering;

async fn created(c: &Client, path: &str, body: Value) -> Value {
    let r = c.post(path, &body).await;
    assert_eq!(r.status, 201, "{path} {body}: {r:?}");
    r.data().clone()
}

fn ids(resp: &common::Resp) -> Vec<String> {
    resp.data()["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|x| x["id"].as_str().map(str::to_owned))
        .collect()
}

async fn sprints_lifecycle(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = s.admin().await;
    let p = project(&c, "Plan").await;
    let statuses = c.get(&at(&p, "/task-statuses")).await;
    let (todo, done) = (
        id_named(&statuses, "name", "Todo"),
        id_named(&statuses, "name", "Done"),
    );
    let s1 = created(&c, &at(&p, "/sprints"), json!({"name": "Sprint 1", "start_date": "2026-01-05", "end_date": "2026-01-16", "goal": "ship"})).await;
    assert_eq!(
        (
            s1["status"].as_str(),
            s1["start_date"].as_str(),
            s1["goal"].as_str()
        ),
        (Some("planned"), Some("2026-01-05T00:00:00Z"), Some("ship"))
    );
    let s1 = s1["id"].as_str().expect("id").to_owned();
    let views = c
        .get(&at(&p, &format!("/views?context=sprint&sprint_id={s1}")))
        .await;
    let names: Vec<&str> = views.data()["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|v| v["name"].as_str())
        .collect();
    assert_eq!(names, ["Board", "Table"]);
    assert_eq!(views.data()["items"][0]["config"]["column_by"], "status");
    assert_eq!(
        views.data()["items"][0]["config"]["collapsed_columns"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let s2 = created(&c, &at(&p, "/sprints"), json!({"name": "Sprint 2"})).await["id"]
        .as_str()
        .expect("id")
        .to_owned();

    c.post(&at(&p, "/sprints"), &json!({"name": "  "}))
        .await
        .assert_error(400, "SPRINT_NAME_INVALID");
    c.post(
        &at(&p, "/sprints"),
        &json!({"name": "x", "status": "later"}),
    )
    .await
    .assert_error(400, "SPRINT_STATUS_INVALID");
    c.post(
        &at(&p, "/sprints"),
        &json!({"name": "x", "start_date": "2026-02-01", "end_date": "2026-01-01"}),
    )
    .await
    .assert_error(400, "SPRINT_DATES_INVALID");
    c.post(
        &at(&p, "/tasks"),
        &json!({"title": "x", "sprint_id": uuid::Uuid::new_v4()}),
    )
    .await
    .assert_error(404, "SPRINT_NOT_FOUND");
    let active = c
        .patch(
            &at(&p, &format!("/sprints/{s1}")),
            &json!({"status": "active", "goal": null}),
        )
        .await;
    assert_eq!(
        (active.data()["status"].as_str(), active.data().get("goal")),
        (Some("active"), None)
    );

    let open = created(
        &c,
        &at(&p, "/tasks"),
        json!({"title": "open", "sprint_id": s1, "status_id": todo}),
    )
    .await["id"]
        .clone();
    let finished = created(
        &c,
        &at(&p, "/tasks"),
        json!({"title": "finished", "sprint_id": s1, "status_id": done}),
    )
    .await["id"]
        .clone();
    let completed = c
        .post(
            &at(&p, &format!("/sprints/{s1}/complete")),
            &json!({"move_to_sprint_id": s2}),
        )
        .await;
    assert_eq!(completed.data()["status"], "completed", "{completed:?}");
    let task = |id: &Value| at(&p, &format!("/tasks/{}", id.as_str().unwrap_or_default()));
    assert_eq!(
        c.get(&task(&open)).await.data()["sprint_id"],
        json!(s2),
        "unfinished tasks move on"
    );
    assert_eq!(
        c.get(&task(&finished)).await.data()["sprint_id"],
        json!(s1),
        "done tasks stay"
    );
    c.post(&at(&p, &format!("/sprints/{s1}/complete")), &json!({}))
        .await
        .assert_error(409, "SPRINT_ALREADY_COMPLETE");
    c.post(
        &at(&p, &format!("/sprints/{s2}/complete")),
        &json!({"move_to_sprint_id": s1}),
    )
    .await
    .assert_error(400, "SPRINT_STATUS_INVALID");
    c.post(
        &at(&p, &format!("/sprints/{s2}/complete")),
        &json!({"move_to_sprint_id": uuid::Uuid::new_v4()}),
    )
    .await
    .assert_error(404, "SPRINT_NOT_FOUND");

    assert_eq!(
        c.delete(&at(&p, &format!("/sprints/{s2}"))).await.data(),
        &json!({"message": "sprint deleted"})
    );
    assert!(
        c.get(&task(&open)).await.data().get("sprint_id").is_none(),
        "a deleted sprint's tasks go to the backlog"
    );
    c.get(&at(&p, &format!("/views?context=sprint&sprint_id={s2}")))
        .await
        .assert_error(404, "SPRINT_NOT_FOUND");
    c.get(&at(&p, &format!("/sprints/{s2}")))
        .await
        .assert_error(404, "SPRINT_NOT_FOUND");
    assert_eq!(
        c.get(&at(&p, "/sprints")).await.data()["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let (viewer, _) = s.user("vera", "USER").await;
    viewer
        .get(&at(&p, "/sprints"))
        .await
        .assert_error(403, "FORBIDDEN");
}

async fn views_and_manual_order(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = s.admin().await;
    let p = project(&c, "Views").await;
    let backlog = c.get(&at(&p, "/views?context=backlog")).await;
    assert_eq!(backlog.data()["items"][0]["name"], "Table");
    assert_eq!(backlog.data()["items"][0]["config"]["column_by"], "sprint");
    let timeline = c.get(&at(&p, "/views?context=timeline")).await;
    assert_eq!(timeline.data()["items"][0]["view_type"], "roadmap");
    c.get(&at(&p, "/views"))
        .await
        .assert_error(400, "BAD_REQUEST");
    c.get(&at(&p, "/views?context=someday"))
        .await
        .assert_error(400, "BAD_REQUEST");
    let table = ids(&backlog)[0].clone();

    let board = created(&c, &at(&p, "/views?context=backlog"), json!({"name": "Board", "view_type": "board", "position": 1, "config": {"column_by": "status"}})).await;
    let board_id = board["id"].as_str().expect("id").to_owned();
    assert!(board.get("sprint_id").is_none() && board.get("view_context").is_none());
    c.post(
        &at(&p, "/views?context=backlog"),
        &json!({"name": "x", "view_type": "gantt"}),
    )
    .await
    .assert_error(400, "VIEW_TYPE_INVALID");
    c.post(&at(&p, "/views?context=backlog"), &json!({"name": " "}))
        .await
        .assert_error(400, "VIEW_NAME_INVALID");
    c.post(
        &at(&p, "/views?context=backlog"),
        &json!({"name": "x", "position": -1}),
    )
    .await
    .assert_error(400, "VIEW_POSITION_INVALID");
    assert_eq!(
        c.get(&at(&p, &format!("/views/{board_id}"))).await.data()["name"],
        "Board"
    );
    c.get(&at(&p, &format!("/views/{}", uuid::Uuid::new_v4())))
        .await
        .assert_error(404, "VIEW_NOT_FOUND");
    let renamed = c
        .patch(
            &at(&p, &format!("/views/{board_id}")),
            &json!({"name": "Kanban", "config": {"fields": ["title"]}}),
        )
        .await;
    assert_eq!(
        (renamed.data()["name"].as_str(), &renamed.data()["config"]),
        (Some("Kanban"), &json!({"fields": ["title"]}))
    );
    let r = c
        .put(
            &at(&p, "/views/positions?context=backlog"),
            &json!({"view_ids": [board_id, table]}),
        )
        .await;
    assert_eq!(r.status, 204, "{r:?}");
    assert_eq!(
        ids(&c.get(&at(&p, "/views?context=backlog")).await),
        [board_id.clone(), table.clone()]
    );
    c.put(
        &at(&p, "/views/positions?context=backlog"),
        &json!({"view_ids": [board_id, board_id]}),
    )
    .await
    .assert_error(400, "VIEW_REORDER_INVALID");
    c.delete(&at(&p, &format!("/views/{}", ids(&timeline)[0])))
        .await
        .assert_error(409, "VIEW_IS_LAST_VIEW");

    // Manual order.
    let mut tasks = Vec::new();
    for i in 0..4 {
        tasks.push(
            created(&c, &at(&p, "/tasks"), json!({"title": format!("t{i}")})).await["id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    let place = |task: &str, position: f64, group: &str| {
        let c = &c;
        let url = at(&p, &format!("/views/{board_id}/task-positions/{task}"));
        let body = json!({"position": position, "group_key": group});
        async move { c.put(&url, &body).await }
    };
    assert_eq!(place(&tasks[2], 100.0, "todo").await.status, 204);
    assert_eq!(place(&tasks[0], 200.0, "todo").await.status, 204);
    let bulk = c
        .put(
            &at(&p, &format!("/views/{board_id}/task-positions")),
            &json!({"items": [{"task_id": tasks[3], "position": 50.0, "group_key": "done"}]}),
        )
        .await;
    assert_eq!(bulk.status, 204);
    let ordered = c.get(&at(&p, &format!("/tasks?view_id={board_id}"))).await;
    let titles: Vec<&str> = ordered.data()["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|t| t["title"].as_str())
        .collect();
    assert_eq!(
        titles,
        ["t3", "t2", "t0", "t1"],
        "positioned by view position, the rest last"
    );
    assert_eq!(
        (
            ordered.data()["items"][0]["view_position"].as_f64(),
            ordered.data()["items"][0]["view_group_key"].as_str()
        ),
        (Some(50.0), Some("done"))
    );
    assert!(ordered.data()["items"][3].get("view_position").is_none());
    place(&tasks[1], -1.0, "todo")
        .await
        .assert_error(400, "VIEW_POSITION_INVALID");
    place(&tasks[1], 1e300, "todo")
        .await
        .assert_error(400, "VIEW_POSITION_INVALID");
    place(&uuid::Uuid::new_v4().to_string(), 1.0, "todo")
        .await
        .assert_error(404, "TASK_NOT_FOUND");
    c.put(
        &at(&p, &format!("/views/{board_id}/task-positions")),
        &json!({"items": []}),
    )
    .await
    .assert_error(400, "BAD_REQUEST");

    // Crowded neighbours get renumbered in the same write.
    assert_eq!(place(&tasks[1], 100.0 + 1e-9, "todo").await.status, 204);
    let positions = c
        .get(&at(&p, &format!("/views/{board_id}/task-positions")))
        .await;
    let todo: Vec<(String, f64)> = positions.data()["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|x| x["group_key"] == "todo")
        .map(|x| {
            (
                x["task_id"].as_str().unwrap_or_default().to_owned(),
                x["position"].as_f64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        todo,
        vec![
            (tasks[2].clone(), 1024.0),
            (tasks[1].clone(), 2048.0),
            (tasks[0].clone(), 3072.0)
        ]
    );
    let done_group: Vec<f64> = positions.data()["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|x| x["group_key"] == "done")
        .filter_map(|x| x["position"].as_f64())
        .collect();
    assert_eq!(done_group, [50.0], "other groups untouched");
    let events = common::load::all_events(&c, &p).await;
    let last = events.last().expect("event");
    assert_eq!(
        (last["type"].as_str(), &last["payload"]["renumbered_groups"]),
        (Some("view.task_positions.updated"), &json!(["todo"]))
    );
    // The event lists every place the write changed: the moved task and its renumbered group.
    let mut listed: Vec<(String, f64, String)> = last["payload"]["positions"]
        .as_array()
        .expect("positions")
        .iter()
        .map(|x| {
            (
                x["task_id"].as_str().unwrap_or_default().to_owned(),
                x["position"].as_f64().unwrap_or_default(),
                x["group_key"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    listed.sort_by(|a, b| a.1.total_cmp(&b.1));
    assert_eq!(
        listed,
        vec![
            (tasks[2].clone(), 1024.0, "todo".to_owned()),
            (tasks[1].clone(), 2048.0, "todo".to_owned()),
            (tasks[0].clone(), 3072.0, "todo".to_owned())
        ]
    );

    assert_eq!(
        c.delete(&at(&p, &format!("/views/{board_id}")))
            .await
            .status,
        204
    );
    c.get(&at(&p, &format!("/tasks?view_id={board_id}")))
        .await
        .assert_error(404, "VIEW_NOT_FOUND");
    c.get(&at(&p, "/tasks?view_id=nope"))
        .await
        .assert_error(400, "BAD_REQUEST");
}

async fn custom_fields_and_values(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = s.admin().await;
    let p = project(&c, "Fields").await;
    let sev = created(&c, &at(&p, "/custom-fields"), json!({"field_key": "severity", "display_name": "Severity", "field_type": "select", "options": ["low", "high"]})).await;
    let sev_id = sev["id"].as_str().expect("id").to_owned();
    let fetched = c.get(&at(&p, &format!("/custom-fields/{sev_id}"))).await;
    assert_eq!(
        (
            fetched.data()["field_type"].as_str(),
            &fetched.data()["options"]
        ),
        (Some("select"), &json!(["low", "high"]))
    );
    created(
        &c,
        &at(&p, "/custom-fields"),
        json!({"field_key": "estimate", "display_name": "Estimate", "field_type": "number"}),
    )
    .await;
    c.post(
        &at(&p, "/custom-fields"),
        &json!({"field_key": "severity", "display_name": "Again", "field_type": "text"}),
    )
    .await
    .assert_error(409, "CUSTOM_FIELD_KEY_TAKEN");
    c.post(
        &at(&p, "/custom-fields"),
        &json!({"field_key": "has space", "display_name": "X", "field_type": "text"}),
    )
    .await
    .assert_error(400, "CUSTOM_FIELD_KEY_INVALID");
    c.post(
        &at(&p, "/custom-fields"),
        &json!({"field_key": "title", "display_name": "X", "field_type": "text"}),
    )
    .await
    .assert_error(400, "CUSTOM_FIELD_KEY_INVALID");
    c.post(
        &at(&p, "/custom-fields"),
        &json!({"field_key": "x", "display_name": "X", "field_type": "money"}),
    )
    .await
    .assert_error(400, "CUSTOM_FIELD_TYPE_INVALID");
    c.post(
        &at(&p, "/custom-fields"),
        &json!({"field_key": "x", "display_name": " ", "field_type": "text"}),
    )
    .await
    .assert_error(400, "CUSTOM_FIELD_NAME_INVALID");
    c.post(
        &at(&p, "/custom-fields"),
        &json!({"field_key": "x", "display_name": "X"}),
    )
    .await
    .assert_error(400, "BAD_REQUEST");
    let list = c.get(&at(&p, "/custom-fields")).await;
    let names: Vec<&str> = list.data()["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|f| f["display_name"].as_str())
        .collect();
    assert_eq!(names, ["Estimate", "Severity"]);

    let t = created(
        &c,
        &at(&p, "/tasks"),
        json!({"title": "t", "custom_fields": {"severity": "high", "estimate": 3}}),
    )
    .await;
    let url = at(
        &p,
        &format!("/tasks/{}", t["id"].as_str().unwrap_or_default()),
    );
    let bad = c
        .patch(&url, &json!({"custom_fields": {"severity": "urgent"}}))
        .await;
    bad.assert_error(400, "CUSTOM_FIELD_VALUE_INVALID");
    assert!(
        bad.body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("custom_fields.severity"),
        "{bad:?}"
    );
    c.patch(&url, &json!({"custom_fields": {"estimate": "three"}}))
        .await
        .assert_error(400, "CUSTOM_FIELD_VALUE_INVALID");
    c.patch(&url, &json!({"custom_fields": {"nope": 1}}))
        .await
        .assert_error(400, "CUSTOM_FIELD_VALUE_INVALID");
    assert_eq!(
        c.get(&url).await.data()["custom_fields"],
        json!({"severity": "high", "estimate": 3}),
        "errors change nothing"
    );

    // Key is immutable; options that disappear take their values with them.
    let patched = c
        .patch(
            &at(&p, &format!("/custom-fields/{sev_id}")),
            &json!({"field_key": "other", "options": ["low", "medium"]}),
        )
        .await;
    assert_eq!(
        (
            patched.data()["field_key"].as_str(),
            &patched.data()["options"]
        ),
        (Some("severity"), &json!(["low", "medium"]))
    );
    assert_eq!(
        c.get(&url).await.data()["custom_fields"],
        json!({"estimate": 3})
    );
    assert_eq!(
        c.delete(&at(&p, &format!("/custom-fields/{sev_id}")))
            .await
            .data(),
        &json!({"message": "custom field deleted"})
    );
    c.get(&at(&p, &format!("/custom-fields/{sev_id}")))
        .await
        .assert_error(404, "CUSTOM_FIELD_NOT_FOUND");
}

async fn task_links(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = s.admin().await;
    let p = project(&c, "Links").await;
    let other = project(&c, "Elsewhere").await;
    let a = created(&c, &at(&p, "/tasks"), json!({"title": "a"})).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let b_task = created(&c, &at(&p, "/tasks"), json!({"title": "b"})).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let far = created(&c, &at(&other, "/tasks"), json!({"title": "far"})).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let links = |t: &str| at(&p, &format!("/tasks/{t}/links"));
    let link = created(
        &c,
        &links(&a),
        json!({"target_task_id": b_task, "link_type": "blocks"}),
    )
    .await;
    assert_eq!(
        (
            link["display_link_type"].as_str(),
            link["linked_task"]["title"].as_str()
        ),
        (Some("blocks"), Some("b"))
    );
    let from_b = c.get(&links(&b_task)).await;
    assert_eq!(
        (
            from_b.data()["items"][0]["display_link_type"].as_str(),
            from_b.data()["items"][0]["linked_task"]["title"].as_str()
        ),
        (Some("is_blocked_by"), Some("a"))
    );
    c.post(
        &links(&a),
        &json!({"target_task_id": b_task, "link_type": "blocks"}),
    )
    .await
    .assert_error(409, "TASK_LINK_ALREADY_EXISTS");
    created(
        &c,
        &links(&b_task),
        json!({"target_task_id": a, "link_type": "relates_to"}),
    )
    .await;
    c.post(
        &links(&a),
        &json!({"target_task_id": b_task, "link_type": "relates_to"}),
    )
    .await
    .assert_error(409, "TASK_LINK_ALREADY_EXISTS");
    c.post(
        &links(&a),
        &json!({"target_task_id": a, "link_type": "blocks"}),
    )
    .await
    .assert_error(400, "TASK_LINK_CANNOT_LINK_TO_SELF");
    c.post(
        &links(&a),
        &json!({"target_task_id": far, "link_type": "blocks"}),
    )
    .await
    .assert_error(400, "TASK_LINK_CROSS_PROJECT");
    c.post(
        &links(&a),
        &json!({"target_task_id": b_task, "link_type": "is_blocked_by"}),
    )
    .await
    .assert_error(400, "BAD_REQUEST");
    c.post(&links(&a), &json!({"link_type": "blocks"}))
        .await
        .assert_error(400, "BAD_REQUEST");
    let feed = c.get(&at(&p, &format!("/tasks/{a}/activities"))).await;
    assert!(
        feed.data()["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|x| x["activity_type"] == "task.link.added")
    );
    let id = link["id"].as_str().expect("id");
    assert_eq!(
        c.delete(&format!("{}/{id}", links(&b_task))).await.status,
        204,
        "either end may delete"
    );
    // The removal names both ends and the type, so clients know whose links changed.
    let log = c.get(&at(&p, "/events?since=0&limit=500")).await;
    let removed = log.data()["items"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["type"] == "task.link.removed")
        .cloned()
        .expect("task.link.removed");
    assert_eq!(
        removed["payload"]["content"],
        json!({"link_id": id, "source_task_id": a, "target_task_id": b_task, "link_type": "blocks"})
    );
    c.delete(&format!("{}/{id}", links(&a)))
        .await
        .assert_error(404, "TASK_LINK_NOT_FOUND");
    // Deleted tasks disappear from the other end's links.
    c.delete(&at(&p, &format!("/tasks/{b_task}"))).await;
    assert_eq!(c.get(&links(&a)).await.data()["items"], json!([]));
}

/// The server's order and filters against a model computed here, on random tasks.
async fn sorts_filters_and_sums_match_a_model(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = s.admin().await;
    let p = project(&c, "Model").await;
    created(
        &c,
        &at(&p, "/custom-fields"),
        json!({"field_key": "cost", "display_name": "Cost", "field_type": "number"}),
    )
    .await;
    created(&c, &at(&p, "/custom-fields"), json!({"field_key": "tier", "display_name": "Tier", "field_type": "select", "options": ["gold", "silver", "bronze"]})).await;
    created(
        &c,
        &at(&p, "/custom-fields"),
        json!({"field_key": "launch", "display_name": "Launch", "field_type": "date"}),
    )
    .await;
    let sprint = created(&c, &at(&p, "/sprints"), json!({"name": "S"})).await["id"].clone();
    let statuses: Vec<String> = ids(&c.get(&at(&p, "/task-statuses")).await);
    let mut rng = Lcg::new(
        std::env::var("CORRAL_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(42),
    );
    let words = ["alpha", "Beta", "gamma", "delta", "Alpha", "epsilon"];
    for i in 0..60 {
        let mut fields = serde_json::Map::new();
        if rng.below(3) > 0 {
            fields.insert("cost".into(), json!(rng.below(50) as f64 / 2.0));
        }
        if rng.below(3) > 0 {
            fields.insert(
                "tier".into(),
                json!(["gold", "silver", "bronze"][rng.below(3) as usize]),
            );
        }
        if rng.below(2) > 0 {
            fields.insert(
                "launch".into(),
                json!(format!("2026-0{}-1{}", 1 + rng.below(9), rng.below(10))),
            );
        }
        let mut body = json!({
            "title": format!("{} {}", words[rng.below(6) as usize], rng.below(100)),
            "importance": rng.below(5),
            "status_id": statuses[rng.below(statuses.len() as u64) as usize],
            "custom_fields": fields,
        });
        if rng.below(3) > 0 {
            body["story_points"] = json!(rng.below(13));
        }
        if rng.below(2) > 0 {
            body["sprint_id"] = sprint.clone();
        }
        if rng.below(2) > 0 {
            body["due_date"] = json!(format!("2026-03-{:02}", 1 + rng.below(28)));
        }
        created(&c, &at(&p, "/tasks"), body).await;
        let _ = i;
    }
    let all: Vec<Value> = c.get(&at(&p, "/tasks?page_size=200")).await.data()["items"]
        .as_array()
        .expect("items")
        .clone();
    assert_eq!(all.len(), 60);

    let num = |t: &Value, path: &[&str]| -> Option<f64> {
        let mut v = t;
        for k in path {
            v = &v[*k];
        }
        v.as_f64()
    };
    let text = |t: &Value, path: &[&str]| -> Option<String> {
        let mut v = t;
        for k in path {
            v = &v[*k];
        }
        v.as_str().map(str::to_owned)
    };
    let tie = |a: &Value, b: &Value| {
        (a["created_at"].as_str(), a["id"].as_str())
            .cmp(&(b["created_at"].as_str(), b["id"].as_str()))
    };
    // Nulls last whatever the direction.
    fn nulls_last<T: PartialOrd>(a: Option<T>, b: Option<T>, desc: bool) -> Ordering {
        match (a, b) {
            (None, None) => Ordering::Equal,
            (None, _) => Ordering::Greater,
            (_, None) => Ordering::Less,
            (Some(x), Some(y)) => {
                let o = x.partial_cmp(&y).unwrap_or(Ordering::Equal);
                if desc { o.reverse() } else { o }
            }
        }
    }
    let tier_index = |t: &Value| -> Option<f64> {
        Some(match t["custom_fields"]["tier"].as_str() {
            Some("gold") => 0.0,
            Some("silver") => 1.0,
            Some("bronze") => 2.0,
            _ => 9999.0,
        })
    };
    type Cmp = Box<dyn Fn(&Value, &Value) -> Ordering>;
    let sorts: Vec<(&str, Cmp)> = vec![
        ("created", Box::new(move |a, b| tie(a, b))),
        (
            "importance",
            Box::new(move |a, b| {
                nulls_last(num(a, &["importance"]), num(b, &["importance"]), true).then(tie(a, b))
            }),
        ),
        (
            "story_points",
            Box::new(move |a, b| {
                nulls_last(num(a, &["story_points"]), num(b, &["story_points"]), true)
                    .then(tie(a, b))
            }),
        ),
        (
            "title",
            Box::new(move |a, b| {
                let (x, y) = (
                    text(a, &["title"]).unwrap_or_default(),
                    text(b, &["title"]).unwrap_or_default(),
                );
                x.to_lowercase()
                    .cmp(&y.to_lowercase())
                    .then(x.cmp(&y))
                    .then(tie(a, b))
            }),
        ),
        (
            "due_date",
            Box::new(move |a, b| {
                nulls_last(text(a, &["due_date"]), text(b, &["due_date"]), false).then(tie(a, b))
            }),
        ),
        (
            "cost",
            Box::new(move |a, b| {
                nulls_last(
                    num(a, &["custom_fields", "cost"]),
                    num(b, &["custom_fields", "cost"]),
                    false,
                )
                .then(tie(a, b))
            }),
        ),
        (
            "tier",
            Box::new(move |a, b| nulls_last(tier_index(a), tier_index(b), false).then(tie(a, b))),
        ),
        (
            "launch",
            Box::new(move |a, b| {
                nulls_last(
                    text(a, &["custom_fields", "launch"]),
                    text(b, &["custom_fields", "launch"]),
                    false,
                )
                .then(tie(a, b))
            }),
        ),
    ];
    type Keep = Box<dyn Fn(&Value) -> bool>;
    let filters: Vec<(String, Keep)> = vec![
        (String::new(), Box::new(|_| true)),
        (
            format!("&sprint_id={}", sprint.as_str().unwrap_or_default()),
            Box::new({
                let s = sprint.clone();
                move |t: &Value| t["sprint_id"] == s
            }),
        ),
        (
            "&sprint_id=null".into(),
            Box::new(|t: &Value| t.get("sprint_id").is_none()),
        ),
        (
            format!("&status_ids={},{}", statuses[0], statuses[1]),
            Box::new({
                let (a, b) = (statuses[0].clone(), statuses[1].clone());
                move |t: &Value| t["status_id"] == json!(a) || t["status_id"] == json!(b)
            }),
        ),
        (
            "&search=alpha".into(),
            Box::new(|t: &Value| {
                t["title"]
                    .as_str()
                    .unwrap_or_default()
                    .to_lowercase()
                    .contains("alpha")
            }),
        ),
    ];
    for (sort, cmp) in &sorts {
        for (filter, keep) in &filters {
            let mut expected: Vec<Value> = all.iter().filter(|t| keep(t)).cloned().collect();
            expected.sort_by(|a, b| cmp(a, b));
            let expected: Vec<String> = expected
                .iter()
                .filter_map(|t| t["id"].as_str().map(str::to_owned))
                .collect();
            let mut got = Vec::new();
            let mut cursor = String::new();
            loop {
                let page = c
                    .get(&at(
                        &p,
                        &format!("/tasks?sort_by={sort}&page_size=7{filter}{cursor}"),
                    ))
                    .await;
                assert_eq!(page.status, 200, "{page:?}");
                assert_eq!(
                    page.data()["total_count"].as_u64(),
                    Some(expected.len() as u64),
                    "{sort} {filter}"
                );
                got.extend(ids(&page));
                match page.data()["next_cursor"].as_str() {
                    Some(next) => cursor = format!("&cursor={next}"),
                    None => break,
                }
            }
            assert_eq!(got, expected, "sort_by={sort}{filter}");
        }
    }
    // Sums over the filtered set.
    let points: f64 = all.iter().filter_map(|t| t["story_points"].as_f64()).sum();
    assert_eq!(
        c.get(&at(&p, "/tasks?sum_field=story_points&page_size=1"))
            .await
            .data()["field_sum"]
            .as_f64(),
        Some(points)
    );
    let cost: f64 = all
        .iter()
        .filter_map(|t| t["custom_fields"]["cost"].as_f64())
        .sum();
    assert_eq!(
        c.get(&at(&p, "/tasks?sum_field=cost")).await.data()["field_sum"].as_f64(),
        Some(cost)
    );
    assert!(c.get(&at(&p, "/tasks?sum_field=count")).await.data()["field_sum"].is_null());
    // A cursor made for one sort is refused under another.
    let first = c
        .get(&at(&p, "/tasks?sort_by=importance&page_size=5"))
        .await;
    let cursor = first.data()["next_cursor"]
        .as_str()
        .expect("cursor")
        .to_owned();
    c.get(&at(&p, &format!("/tasks?sort_by=title&cursor={cursor}")))
        .await
        .assert_error(400, "BAD_REQUEST");
}

/// Paging in creation order while others create and edit tasks: no task that existed when
/// paging began is missed or repeated.
async fn paging_under_concurrent_writes(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = s.admin().await;
    let p = project(&c, "Paging").await;
    let mut before = Vec::new();
    for i in 0..45 {
        before.push(
            created(&c, &at(&p, "/tasks"), json!({"title": format!("t{i}")})).await["id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    let writer = {
        let w = s.client();
        *w.access.lock().expect("lock") = c.access_token();
        let p = p.clone();
        let targets = before.clone();
        tokio::spawn(async move {
            for i in 0..40 {
                w.post(&at(&p, "/tasks"), &json!({"title": format!("new {i}")}))
                    .await;
                let t = &targets[i % targets.len()];
                w.patch(
                    &at(&p, &format!("/tasks/{t}")),
                    &json!({"title": format!("edited {i}")}),
                )
                .await;
            }
        })
    };
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = c.get(&at(&p, &format!("/tasks?page_size=4{cursor}"))).await;
        seen.extend(ids(&page));
        match page.data()["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
        tokio::task::yield_now().await;
    }
    writer.await.expect("writer");
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no task twice");
    for t in &before {
        assert!(seen.contains(t), "{t} was skipped");
    }
    assert_eq!(&seen[..45], &before[..], "existing tasks in creation order");
}

on_both_backends!(
    sprints_lifecycle,
    views_and_manual_order,
    custom_fields_and_values,
    task_links,
    sorts_filters_and_sums_match_a_model,
    paging_under_concurrent_writes,
);
