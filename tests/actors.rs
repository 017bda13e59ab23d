//! The project actor runtime seen from outside: passivation and reactivation, restart after a
//! failure, the crash-loop breaker, admission control, and the sequence fence between nodes.

mod common;

use common::{Backend, TestServer, at, project};
use corral_actors::ids::ProjectId;
use serde_json::json;
use std::time::Duration;

fn pid(id: &str) -> ProjectId {
    id.parse().expect("project id")
}

async fn idle_projects_passivate_and_come_back(b: Backend) {
    let Some(s) = TestServer::start_with(b, &[("PROJECT_IDLE_TIMEOUT", "200ms")]).await else {
        return;
    };
    let c = s.admin().await;
    let p = project(&c, "Sleepy").await;
    c.post(&at(&p, "/tasks"), &json!({"title": "remember me"}))
        .await;
    assert_eq!(s.projects().live(), 1);
    for _ in 0..40 {
        if s.projects().live() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(s.projects().live(), 0, "an idle project's actor stops");
    let tasks = c.get(&at(&p, "/tasks")).await;
    assert_eq!(
        tasks.data()["items"][0]["title"],
        "remember me",
        "reactivated from the store"
    );
    assert_eq!(s.projects().live(), 1);
    let next = c.post(&at(&p, "/tasks"), &json!({"title": "second"})).await;
    assert_eq!(
        next.data()["task_number"],
        2,
        "the counter survives passivation"
    );
}

async fn a_failed_actor_restarts_from_the_store(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = s.admin().await;
    let p = project(&c, "Fragile").await;
    let t = c
        .post(&at(&p, "/tasks"), &json!({"title": "survivor"}))
        .await;
    let url = at(
        &p,
        &format!("/tasks/{}", t.data()["id"].as_str().unwrap_or_default()),
    );
    s.projects().crash(pid(&p));
    for _ in 0..40 {
        if s.projects().live() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(s.projects().live(), 0, "the failed actor is dropped");
    assert_eq!(c.get(&url).await.data()["title"], "survivor");
    assert_eq!(
        c.patch(&url, &json!({"title": "still here"})).await.data()["version"],
        2
    );
    let events = common::load::all_events(&c, &p).await;
    assert_eq!(events.len(), 3);
}

async fn a_crash_looping_project_is_paused(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = s.admin().await;
    let p = project(&c, "Loopy").await;
    let other = project(&c, "Fine").await;
    for _ in 0..3 {
        assert_eq!(c.get(&at(&p, "")).await.status, 200);
        s.projects().crash(pid(&p));
        for _ in 0..40 {
            if s.projects().live() <= 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    c.get(&at(&p, ""))
        .await
        .assert_error(503, "PROJECT_UNAVAILABLE");
    assert_eq!(
        c.get(&at(&other, "")).await.status,
        200,
        "other projects are unaffected"
    );
}

async fn admission_is_bounded_per_project(b: Backend) {
    let Some(s) = TestServer::start_with(b, &[("PROJECT_MAX_IN_FLIGHT", "2")]).await else {
        return;
    };
    let c = s.admin().await;
    let p = project(&c, "Busy").await;
    let token = c.access_token().expect("token");
    let requests: Vec<_> = (0..60)
        .map(|i| {
            let client =
                common::Client::new(&s.base).with_auth(common::Auth::Bearer(token.clone()));
            let url = at(&p, "/tasks");
            tokio::spawn(async move { client.post(&url, &json!({"title": format!("t{i}")})).await })
        })
        .collect();
    let (mut created, mut busy) = (0, 0);
    for r in requests {
        let r = r.await.expect("request");
        match r.status {
            201 => created += 1,
            429 => {
                r.assert_error(429, "PROJECT_BUSY");
                assert_eq!(r.header("retry-after"), Some("1"));
                busy += 1;
            }
            other => panic!("unexpected {other}: {r:?}"),
        }
    }
    assert!(busy > 0, "some requests were refused ({created} created)");
    let total = c.get(&at(&p, "/tasks")).await.data()["total_count"].as_u64();
    assert_eq!(total, Some(created), "refused requests changed nothing");
}

/// Two nodes own the same project: the second's stale batch is fenced, it reloads and retries,
/// and the sequence stays gapless.
async fn two_nodes_are_fenced(b: Backend) {
    if b == Backend::Sqlite {
        return; // one SQLite file belongs to one node
    }
    let secret = ("JWT_SECRET", "fence-test-secret-0123456789abcdefgh");
    let Some(a) = TestServer::start_with(b, &[secret]).await else {
        return;
    };
    let node_b = a.second_node().await;
    let on_a = a.admin().await;
    let p = project(&on_a, "Shared").await;
    let on_b = common::Client::new(&node_b.base);
    *on_b.access.lock().expect("lock") = on_a.access_token();
    // Both nodes load the project.
    assert_eq!(on_b.get(&at(&p, "/tasks")).await.status, 200);
    assert_eq!(
        on_a.post(&at(&p, "/tasks"), &json!({"title": "from a"}))
            .await
            .status,
        201
    );
    // B's state is stale; its write must not overwrite or duplicate A's.
    let from_b = on_b
        .post(&at(&p, "/tasks"), &json!({"title": "from b"}))
        .await;
    assert_eq!(from_b.status, 201, "{from_b:?}");
    assert_eq!(
        from_b.data()["task_number"],
        2,
        "B caught up before numbering"
    );
    let events = common::load::all_events(&on_a, &p).await;
    assert_eq!(events.len(), 3);
    // A learns of B's write from the bus.
    let mut titles = Vec::new();
    for _ in 0..40 {
        titles = on_a.get(&at(&p, "/tasks")).await.data()["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|t| t["title"].as_str().map(str::to_owned))
            .collect();
        if titles.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(titles, ["from a", "from b"]);
    // And A's next write continues the sequence.
    assert_eq!(
        on_a.post(&at(&p, "/tasks"), &json!({"title": "a again"}))
            .await
            .data()["task_number"],
        3
    );
    assert_eq!(common::load::all_events(&on_a, &p).await.len(), 4);
}

on_both_backends!(
    idle_projects_passivate_and_come_back,
    a_failed_actor_restarts_from_the_store,
    a_crash_looping_project_is_paused,
    admission_is_bounded_per_project,
    two_nodes_are_fenced,
);
