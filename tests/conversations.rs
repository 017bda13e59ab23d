//! Agent conversations end to end with the scripted agent in local sandboxes: a run to
//! `finished` with its events stored and announced, stop in the middle, timeout, iteration
//! limit, crash, limits and fairness of the scheduler, and recovery after a restart.

mod common;

use common::socket::Socket;
use common::{Backend, Client, TestServer, at, id_named, project};
use serde_json::{Value, json};
use std::time::Duration;

async fn agent(admin: &Client, p: &str, script: &str, max_iterations: i64) -> String {
    common::agents::scripted_agent(admin, p, "Bot", script, max_iterations)
        .await
        .0
}

async fn task(admin: &Client, p: &str) -> String {
    admin
        .post(&at(p, "/tasks"), &json!({"title": "needs words"}))
        .await
        .data()["id"]
        .as_str()
        .expect("task id")
        .to_owned()
}

use common::agents::write_with_ai;

/// Polls the conversation until its status is one of `wanted`.
async fn until(admin: &Client, p: &str, c: &str, wanted: &[&str]) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let got = admin.get(&at(p, &format!("/conversations/{c}"))).await;
        let status = got.data()["status"].as_str().unwrap_or_default().to_owned();
        if wanted.contains(&status.as_str()) {
            return got.data().clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still {status}, wanted {wanted:?}: {}",
            got.body
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn sandbox_dir(s: &TestServer, c: &str) -> std::path::PathBuf {
    s.data_dir.join("sandboxes").join(c)
}

async fn a_run_finishes_with_its_events(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Runs").await;
    let bot = agent(&admin, &p, "events 3\nsleep 20", 50).await;
    let t = task(&admin, &p).await;
    let mut socket = Socket::with_token(&s.base, &admin.access_token().expect("token")).await;
    socket.call("join", json!({"projectId": p})).await;

    let c = write_with_ai(&admin, &p, &t, &bot).await;
    let done = until(&admin, &p, &c, &["finished", "failed"]).await;
    assert_eq!(done["status"], "finished", "{done}");
    assert_eq!(done["trigger_type"], "description_write");
    assert_eq!(done["iteration_count"], 2, "two script lines");
    assert!(done["started_at"].is_string() && done["finished_at"].is_string());

    let events = admin
        .get(&at(&p, &format!("/conversations/{c}/events?limit=200")))
        .await;
    let items = events.data()["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let indexes: Vec<i64> = items
        .iter()
        .filter_map(|e| e["event_index"].as_i64())
        .collect();
    assert_eq!(
        indexes,
        (0..items.len() as i64).collect::<Vec<_>>(),
        "gapless"
    );
    let kinds: Vec<&str> = items
        .iter()
        .filter_map(|e| e["event_type"].as_str())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "MessageEvent").count(),
        1 + 3 + 1,
        "{kinds:?}"
    );
    assert_eq!(events.data()["total"], items.len());
    // Paginated the same way.
    let second = admin
        .get(&at(
            &p,
            &format!("/conversations/{c}/events?offset=2&limit=2"),
        ))
        .await;
    assert_eq!(second.data()["items"][0]["event_index"], 2);

    // The task's activity records the session; sockets heard the run.
    let activity = admin.get(&at(&p, &format!("/tasks/{t}/activities"))).await;
    assert!(
        activity.body.to_string().contains("agent.session.started"),
        "{}",
        activity.body
    );
    let mut heard = Vec::new();
    while let Some((name, data)) = socket.next_event(Duration::from_secs(2)).await {
        if name == "event" {
            heard.push(data["type"].as_str().unwrap_or_default().to_owned());
        }
        if heard.iter().any(|t| t == "agent.conversation.finished") {
            break;
        }
    }
    for wanted in [
        "agent.conversation.started",
        "agent.messageevent",
        "agent.actionevent",
        "agent.conversation.finished",
    ] {
        assert!(heard.iter().any(|t| t == wanted), "{wanted} in {heard:?}");
    }
    assert!(!sandbox_dir(&s, &c).exists(), "sandbox reclaimed");
    let listed = admin.get(&at(&p, "/conversations")).await;
    assert_eq!(listed.data()["total"], 1);
}

async fn stop_timeout_limits_and_crashes(b: Backend) {
    let Some(s) = TestServer::start_with(b, &[("AGENT_MAX_RUN", "2s")]).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Ends").await;
    let t = task(&admin, &p).await;

    // Stop in the middle of a run.
    let hang = agent(&admin, &p, "events 1\nhang", 50).await;
    let c = write_with_ai(&admin, &p, &t, &hang).await;
    until(&admin, &p, &c, &["running"]).await;
    assert_eq!(
        admin
            .post(
                &at(&p, &format!("/conversations/{c}/heartbeat")),
                &json!({})
            )
            .await
            .status,
        200
    );
    let stopped = admin
        .post(&at(&p, &format!("/conversations/{c}/stop")), &json!({}))
        .await;
    assert_eq!(stopped.status, 200, "{}", stopped.body);
    let after = until(&admin, &p, &c, &["stopped"]).await;
    assert!(after["finished_at"].is_string());
    admin
        .post(&at(&p, &format!("/conversations/{c}/stop")), &json!({}))
        .await
        .assert_error(409, "AGENT_CONVERSATION_ALREADY_STOPPED");
    admin
        .post(
            &at(&p, &format!("/conversations/{c}/messages")),
            &json!({"message": "hello?"}),
        )
        .await
        .assert_error(409, "AGENT_CONVERSATION_NOT_RUNNING");
    assert!(!sandbox_dir(&s, &c).exists());

    // The run's time is bounded.
    let c = write_with_ai(&admin, &p, &t, &hang).await;
    let failed = until(&admin, &p, &c, &["failed", "finished", "stopped"]).await;
    assert_eq!(failed["status"], "failed");
    assert!(
        failed["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("timed out")),
        "{failed}"
    );

    // So are its iterations.
    let busy = agent(&admin, &p, "events 1\nevents 1\nevents 1", 2).await;
    let c = write_with_ai(&admin, &p, &t, &busy).await;
    let failed = until(&admin, &p, &c, &["failed", "finished"]).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(
        failed["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("iteration")),
        "{failed}"
    );

    // A crashed sandbox fails the conversation with a reason.
    let crash = agent(&admin, &p, "events 1\ncrash", 50).await;
    let c = write_with_ai(&admin, &p, &t, &crash).await;
    let failed = until(&admin, &p, &c, &["failed", "finished"]).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(
        failed["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("sandbox")),
        "{failed}"
    );
    assert!(!sandbox_dir(&s, &c).exists());
}

async fn scheduler_limits_and_fairness(b: Backend) {
    let Some(s) = TestServer::start_with(
        b,
        &[("AGENT_MAX_RUNNING", "2"), ("AGENT_MAX_PER_PROJECT", "1")],
    )
    .await
    else {
        return;
    };
    let admin = s.admin().await;
    let (a, b_) = (
        project(&admin, "Alpha").await,
        project(&admin, "Beta").await,
    );
    let (bot_a, bot_b) = (
        agent(&admin, &a, "hang", 50).await,
        agent(&admin, &b_, "hang", 50).await,
    );
    let (ta, tb) = (task(&admin, &a).await, task(&admin, &b_).await);

    let a1 = write_with_ai(&admin, &a, &ta, &bot_a).await;
    let a2 = write_with_ai(&admin, &a, &ta, &bot_a).await;
    let a3 = write_with_ai(&admin, &a, &ta, &bot_a).await;
    until(&admin, &a, &a1, &["running"]).await;
    // Alpha may run one at a time even though the node has room.
    let queued = admin.get(&at(&a, &format!("/conversations/{a2}"))).await;
    assert_eq!(
        (
            queued.data()["status"].as_str(),
            queued.data()["queue_position"].as_i64()
        ),
        (Some("queued"), Some(1)),
        "{}",
        queued.body
    );
    let b1 = write_with_ai(&admin, &b_, &tb, &bot_b).await;
    until(&admin, &b_, &b1, &["running"]).await;
    let b2 = write_with_ai(&admin, &b_, &tb, &bot_b).await;

    // Stopping a queued conversation takes it out of the queue at once.
    admin
        .post(&at(&a, &format!("/conversations/{a3}/stop")), &json!({}))
        .await
        .data();
    assert_eq!(
        admin
            .get(&at(&a, &format!("/conversations/{a3}")))
            .await
            .data()["status"],
        "stopped"
    );
    // When Alpha's run ends, its next one starts; Beta's queue is untouched by it.
    admin
        .post(&at(&a, &format!("/conversations/{a1}/stop")), &json!({}))
        .await
        .data();
    until(&admin, &a, &a2, &["running"]).await;
    assert_eq!(
        admin
            .get(&at(&b_, &format!("/conversations/{b2}")))
            .await
            .data()["status"],
        "queued"
    );
    for (p, c) in [(&a, &a2), (&b_, &b1)] {
        admin
            .post(&at(p, &format!("/conversations/{c}/stop")), &json!({}))
            .await
            .data();
    }
    until(&admin, &b_, &b2, &["running"]).await;
    admin
        .post(&at(&b_, &format!("/conversations/{b2}/stop")), &json!({}))
        .await
        .data();
}

async fn bad_requests_and_permissions(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Refusals").await;
    let bot = agent(&admin, &p, "events 1", 50).await;
    let t = task(&admin, &p).await;
    let (vera, vera_id) = s.user("vera", "USER").await;
    let viewer = id_named(&admin.get(&at(&p, "/roles")).await, "role_name", "Viewer");
    admin
        .post(
            &at(&p, "/members"),
            &json!({"user_id": vera_id, "project_role_id": viewer}),
        )
        .await
        .data();
    let url = at(&p, &format!("/tasks/{t}/write-with-ai"));
    admin
        .post(&url, &json!({}))
        .await
        .assert_error(400, "BAD_REQUEST");
    admin
        .post(&url, &json!({"agent_id": uuid::Uuid::new_v4()}))
        .await
        .assert_error(404, "AGENT_NOT_FOUND");
    admin
        .post(
            &at(
                &p,
                &format!("/tasks/{}/write-with-ai", uuid::Uuid::new_v4()),
            ),
            &json!({"agent_id": bot}),
        )
        .await
        .assert_error(404, "TASK_NOT_FOUND");
    vera.post(&url, &json!({"agent_id": bot}))
        .await
        .assert_error(403, "FORBIDDEN");
    admin
        .get(&at(&p, &format!("/conversations/{}", uuid::Uuid::new_v4())))
        .await
        .assert_error(404, "AGENT_CONVERSATION_NOT_FOUND");
    let listed = admin.get(&at(&p, "/conversations")).await;
    assert_eq!(listed.data()["total"], 0, "refused triggers start nothing");
    assert_eq!(vera.get(&at(&p, "/conversations")).await.status, 200);
}

async fn restart_fails_runs_and_reclaims_sandboxes(b: Backend) {
    let Some(mut s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Restart").await;
    let bot = agent(&admin, &p, "hang", 50).await;
    let t = task(&admin, &p).await;
    let c = write_with_ai(&admin, &p, &t, &bot).await;
    until(&admin, &p, &c, &["running"]).await;
    s.restart(&[]).await;
    let admin = s.admin().await;
    let after = until(&admin, &p, &c, &["failed", "stopped"]).await;
    assert!(!sandbox_dir(&s, &c).exists(), "reclaimed: {after}");
}

/// The agent acts through its own credential: its comment and its status change are the
/// agent member's, visible over REST and live on sockets; the credential ends with the run.
async fn the_agent_works_on_its_task(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Work").await;
    let bot = agent(
        &admin,
        &p,
        "comment Here is a clear description.\nstatus Done",
        50,
    )
    .await;
    let t = task(&admin, &p).await;
    let mut socket = Socket::with_token(&s.base, &admin.access_token().expect("token")).await;
    socket.call("join", json!({"projectId": p})).await;
    let c = write_with_ai(&admin, &p, &t, &bot).await;
    let done = until(&admin, &p, &c, &["finished", "failed"]).await;
    assert_eq!(done["status"], "finished", "{done}");

    let task_now = admin.get(&at(&p, &format!("/tasks/{t}"))).await;
    let done_status = id_named(&admin.get(&at(&p, "/task-statuses")).await, "name", "Done");
    assert_eq!(task_now.data()["status_id"], done_status.as_str());
    let activity = admin.get(&at(&p, &format!("/tasks/{t}/activities"))).await;
    let comment = activity.data()["items"]
        .as_array()
        .and_then(|items| items.iter().find(|a| a["activity_type"] == "comment"))
        .cloned()
        .expect("the agent's comment");
    assert!(
        comment.to_string().contains("Here is a clear description."),
        "{comment}"
    );
    let agent_member =
        admin.get(&at(&p, &format!("/agents/{bot}"))).await.data()["member_id"].clone();
    assert_eq!(
        comment["actor_id"], agent_member,
        "written as the agent member: {comment}"
    );
    let agent = admin.get(&at(&p, &format!("/agents/{bot}"))).await;
    assert_eq!(
        (&comment["actor_name"], &comment["actor_username"]),
        (&agent.data()["name"], &agent.data()["handle"]),
        "the feed names the agent: {comment}"
    );
    let mut heard = Vec::new();
    while let Some((name, data)) = socket.next_event(Duration::from_secs(2)).await {
        if name == "event" {
            heard.push(data["type"].as_str().unwrap_or_default().to_owned());
        }
        if heard.iter().any(|t| t == "agent.conversation.finished") {
            break;
        }
    }
    assert!(
        heard.iter().any(|t| t == "task.comment.added")
            && heard.iter().any(|t| t == "task.updated"),
        "{heard:?}"
    );
    assert_eq!(
        live_credentials(&s).await,
        0,
        "the credential ended with the run"
    );
}

/// Waits until the project has `n` conversations; the newest first.
async fn conversations(admin: &Client, p: &str, n: usize) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let listed = admin.get(&at(p, "/conversations")).await;
        let items = listed.data()["items"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if items.len() >= n {
            return items;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} of {n} conversations: {}",
            items.len(),
            listed.body
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Assigning a task to an agent and mentioning one (by mention node or `@handle`) start
/// conversations, once each; an agent mentioning itself does not.
async fn assignments_and_mentions_trigger_agents(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Triggers").await;
    let bot = agent(&admin, &p, "events 1", 50).await;
    let described = admin.get(&at(&p, &format!("/agents/{bot}"))).await;
    let (member, handle) = (
        described.data()["member_id"].clone(),
        described.data()["handle"]
            .as_str()
            .expect("handle")
            .to_owned(),
    );
    let t = task(&admin, &p).await;

    admin
        .patch(
            &at(&p, &format!("/tasks/{t}")),
            &json!({"assignee_ids": [member]}),
        )
        .await
        .data();
    let first = conversations(&admin, &p, 1).await;
    assert_eq!(first[0]["trigger_type"], "task_assigned");
    assert_eq!(first[0]["task_id"], t.as_str());
    let c = first[0]["id"].as_str().expect("id").to_owned();
    until(&admin, &p, &c, &["finished"]).await;

    let comments = at(&p, &format!("/tasks/{t}/activities/comments"));
    admin
        .post(
            &comments,
            &json!({"content": [{"type": "paragraph", "content": [
                {"type": "text", "text": "please help "},
                {"type": "teamMention", "props": {"id": bot, "name": handle}}]}]}),
        )
        .await
        .data();
    let mentioned = conversations(&admin, &p, 2).await;
    assert_eq!(mentioned[0]["trigger_type"], "comment_mention");
    admin
        .post(
            &comments,
            &json!({"content": [{"type": "paragraph", "content": [
                {"type": "text", "text": format!("and you too @{handle}")}]}]}),
        )
        .await
        .data();
    let third = conversations(&admin, &p, 3).await;
    assert_eq!(third[0]["trigger_type"], "comment_mention");
    for c in &third {
        until(&admin, &p, c["id"].as_str().expect("id"), &["finished"]).await;
    }
    let activity = admin.get(&at(&p, &format!("/tasks/{t}/activities"))).await;
    let sessions = activity.data()["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|e| e["activity_type"] == "agent.session.started")
                .count()
        })
        .unwrap_or(0);
    assert_eq!(sessions, 3, "one session entry per trigger");
    // Re-saving the same assignment triggers nothing new.
    admin
        .patch(
            &at(&p, &format!("/tasks/{t}")),
            &json!({"assignee_ids": [member], "title": "renamed"}),
        )
        .await
        .data();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        admin.get(&at(&p, "/conversations")).await.data()["total"],
        3
    );
}

/// Two nodes share the trigger stream: each trigger starts exactly one conversation, on
/// whichever node took it.
async fn two_nodes_take_each_trigger_once(b: Backend) {
    if b == Backend::Sqlite {
        return; // one node per SQLite file
    }
    let shared = [
        ("JWT_SECRET", "conversations-two-nodes-secret-0123456789"),
        (
            "ENCRYPTION_KEY",
            "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
        ),
    ];
    let Some(a) = TestServer::start_with(b, &shared).await else {
        return;
    };
    let node_b = a.second_node().await;
    let admin = a.admin().await;
    let p = project(&admin, "Cluster").await;
    let bot = agent(&admin, &p, "events 1", 50).await;
    let member = admin.get(&at(&p, &format!("/agents/{bot}"))).await.data()["member_id"].clone();
    const TRIGGERS: usize = 6;
    for _ in 0..TRIGGERS {
        let t = task(&admin, &p).await;
        admin
            .patch(
                &at(&p, &format!("/tasks/{t}")),
                &json!({"assignee_ids": [member]}),
            )
            .await
            .data();
    }
    let all = conversations(&admin, &p, TRIGGERS).await;
    for c in &all {
        until(&admin, &p, c["id"].as_str().expect("id"), &["finished"]).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        admin.get(&at(&p, "/conversations")).await.data()["total"],
        TRIGGERS,
        "no trigger taken twice"
    );
    drop(node_b);
}

/// A chat pauses between turns with its sandbox kept, resumes on the next message in the same
/// conversation, refuses a message while working, is reclaimed when idle, and continues in a
/// new conversation of the same session afterwards.
async fn chat_pauses_resumes_and_is_reaped(b: Backend) {
    let Some(s) = TestServer::start_with(b, &[("CHAT_SANDBOX_IDLE_TIMEOUT", "1500ms")]).await
    else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Chat").await;
    let bot = agent(&admin, &p, "events 1\nsleep 300", 50).await;
    let chats = at(&p, &format!("/agents/{bot}/chat-sessions"));

    let opened = admin.post(&chats, &json!({"message": "hello"})).await;
    assert_eq!(opened.status, 201, "{}", opened.body);
    let session = opened.data()["session"]["id"]
        .as_str()
        .expect("session")
        .to_owned();
    let c = opened.data()["conversation"]["id"]
        .as_str()
        .expect("conversation")
        .to_owned();
    assert_eq!(
        opened.data()["conversation"]["trigger_type"],
        "chat_message"
    );
    // While the agent works on it, a second message is refused.
    until(&admin, &p, &c, &["running"]).await;
    let messages = format!("{chats}/{session}/messages");
    admin
        .post(&messages, &json!({"message": "are you there?"}))
        .await
        .assert_error(409, "AGENT_CONVERSATION_BUSY");
    until(&admin, &p, &c, &["paused"]).await;
    assert!(
        sandbox_dir(&s, &c).exists(),
        "a paused chat keeps its sandbox"
    );

    let again = admin
        .post(&messages, &json!({"message": "more please"}))
        .await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(
        again.data()["conversation"]["id"],
        c.as_str(),
        "same conversation"
    );
    // The second turn runs in the same conversation: two user messages, two agent replies.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let events = admin
            .get(&at(&p, &format!("/conversations/{c}/events?limit=200")))
            .await;
        let items = events.data()["items"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let from = |source: &str| items.iter().filter(|e| e["event_source"] == source).count();
        let done_twice = items
            .iter()
            .filter(|e| e["payload"]["llm_message"]["content"][0]["text"] == "done")
            .count();
        if from("user") == 2 && done_twice == 2 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "second turn incomplete: {}",
            events.body
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    until(&admin, &p, &c, &["paused"]).await;

    // Idle past the limit: stopped and reclaimed; the session goes on in a new conversation.
    let reaped = until(&admin, &p, &c, &["stopped"]).await;
    assert!(reaped["finished_at"].is_string());
    assert!(!sandbox_dir(&s, &c).exists());
    let next = admin
        .post(&messages, &json!({"message": "back again"}))
        .await;
    assert_eq!(next.status, 201, "{}", next.body);
    assert_ne!(next.data()["conversation"]["id"], c.as_str());
    let listed = admin.get(&chats).await;
    assert_eq!(listed.data()["items"].as_array().map(Vec::len), Some(1));
    admin
        .post(
            &format!("{chats}/{}/messages", uuid::Uuid::new_v4()),
            &json!({"message": "x"}),
        )
        .await
        .assert_error(404, "AGENT_CHAT_SESSION_NOT_FOUND");
    admin
        .post(&chats, &json!({"message": "  "}))
        .await
        .assert_error(400, "BAD_REQUEST");
    let n = next.data()["conversation"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    admin
        .post(&at(&p, &format!("/conversations/{n}/stop")), &json!({}))
        .await
        .data();
}

/// A node that starts recovers only its own conversations: one running on another node goes
/// on; control sent to any node reaches the node running the conversation.
async fn a_starting_node_leaves_other_nodes_runs_alone(b: Backend) {
    if b == Backend::Sqlite {
        return; // one node per SQLite file
    }
    let shared = [("JWT_SECRET", "conversations-recovery-secret-0123456789")];
    let Some(a) = TestServer::start_with(b, &shared).await else {
        return;
    };
    let admin = a.admin().await;
    let p = project(&admin, "Owners").await;
    let bot = agent(&admin, &p, "hang", 50).await;
    let t = task(&admin, &p).await;
    let c = write_with_ai(&admin, &p, &t, &bot).await;
    until(&admin, &p, &c, &["running"]).await;
    let node_b = a.second_node().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        admin
            .get(&at(&p, &format!("/conversations/{c}")))
            .await
            .data()["status"],
        "running",
        "node B's start-up did not touch node A's run"
    );
    let via_b = node_b.admin().await;
    assert_eq!(
        via_b
            .post(
                &at(&p, &format!("/conversations/{c}/heartbeat")),
                &json!({})
            )
            .await
            .status,
        200
    );
    let stopped = via_b
        .post(&at(&p, &format!("/conversations/{c}/stop")), &json!({}))
        .await;
    assert_eq!(stopped.status, 200, "{}", stopped.body);
    assert_eq!(
        admin
            .get(&at(&p, &format!("/conversations/{c}")))
            .await
            .data()["status"],
        "stopped",
        "stopped by node A, answered by node B once done"
    );
    assert!(
        !sandbox_dir(&a, &c).exists(),
        "node A reclaimed its sandbox"
    );
}

/// A sandbox whose agent never answers its health check fails the conversation with a reason
/// and is removed.
async fn an_unhealthy_sandbox_fails_the_conversation(b: Backend) {
    // A program that takes the runtime's arguments, stays up and never serves anything (one
    // that exits is started again, then reported as exiting).
    let dir = std::env::temp_dir().join(format!("corral-silent-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let silent = dir.join("silent.sh");
    std::fs::write(&silent, "#!/bin/sh\nexec sleep 30\n").expect("script");
    std::fs::set_permissions(&silent, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let command = silent.display().to_string();
    let Some(s) = TestServer::start_with(
        b,
        &[
            ("AGENT_HEALTH_TIMEOUT", "1s"),
            ("SANDBOX_SCRIPTED_COMMAND", &command),
        ],
    )
    .await
    else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Unhealthy").await;
    let bot = agent(&admin, &p, "events 1", 50).await;
    let t = task(&admin, &p).await;
    let c = write_with_ai(&admin, &p, &t, &bot).await;
    let failed = until(&admin, &p, &c, &["failed", "finished"]).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(
        failed["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("healthy")),
        "{failed}"
    );
    assert!(!sandbox_dir(&s, &c).exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The agent-server is configured with the agent's enabled skills and MCP servers, and the
/// first message starts with the agent's prompt for the trigger.
async fn runs_get_the_agents_tools_and_prompts(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Tools").await;
    let bot = agent(&admin, &p, "context", 50).await;
    admin
        .patch(
            &at(&p, &format!("/agents/{bot}")),
            &json!({"description_write_trigger_prompt": "Write carefully."}),
        )
        .await
        .data();
    let skills = at(&p, &format!("/agents/{bot}/skills"));
    admin
        .post(
            &skills,
            &json!({"skill_name": "writer", "skill_source": "inline", "skill_content": "x"}),
        )
        .await
        .data();
    let off = admin
        .post(
            &skills,
            &json!({"skill_name": "dormant", "skill_source": "inline"}),
        )
        .await
        .data()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    admin
        .patch(&format!("{skills}/{off}"), &json!({"is_enabled": false}))
        .await
        .data();
    admin
        .post(
            &at(&p, &format!("/agents/{bot}/mcp-servers")),
            &json!({"server_name": "files", "transport": "stdio", "command": "files-mcp"}),
        )
        .await
        .data();
    let t = task(&admin, &p).await;
    let c = write_with_ai(&admin, &p, &t, &bot).await;
    let done = until(&admin, &p, &c, &["finished", "failed"]).await;
    assert_eq!(done["status"], "finished", "{done}");
    let events = admin
        .get(&at(&p, &format!("/conversations/{c}/events?limit=200")))
        .await;
    let texts: Vec<String> = events.data()["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["payload"]["llm_message"]["content"][0]["text"].as_str())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    assert!(
        texts
            .first()
            .is_some_and(|t| t.starts_with("Write carefully.")),
        "{texts:?}"
    );
    let context: Value = texts
        .iter()
        .find_map(|t| {
            serde_json::from_str::<Value>(t)
                .ok()
                .filter(Value::is_object)
        })
        .expect("the context the agent reported");
    assert_eq!(context["skills"], json!(["writer"]), "{context}");
    assert_eq!(context["mcp_servers"], json!(["files"]), "{context}");
}

/// Conversation credentials not yet revoked.
async fn live_credentials(s: &TestServer) -> i64 {
    use sqlx::Connection;
    let query = "SELECT COUNT(*) FROM agent_credentials WHERE revoked_at IS NULL";
    match &s.db {
        Some(db) => {
            let mut conn = sqlx::PgConnection::connect(&db.url).await.expect("pg");
            sqlx::query_scalar(query)
                .fetch_one(&mut conn)
                .await
                .expect("count")
        }
        None => {
            let options = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(s.data_dir.join("corral.db"))
                .read_only(true);
            let mut conn = sqlx::SqliteConnection::connect_with(&options)
                .await
                .expect("sqlite");
            sqlx::query_scalar(query)
                .fetch_one(&mut conn)
                .await
                .expect("count")
        }
    }
}

on_both_backends!(
    runs_get_the_agents_tools_and_prompts,
    an_unhealthy_sandbox_fails_the_conversation,
    a_starting_node_leaves_other_nodes_runs_alone,
    chat_pauses_resumes_and_is_reaped,
    two_nodes_take_each_trigger_once,
    assignments_and_mentions_trigger_agents,
    the_agent_works_on_its_task,
    a_run_finishes_with_its_events,
    stop_timeout_limits_and_crashes,
    scheduler_limits_and_fairness,
    bad_requests_and_permissions,
    restart_fails_runs_and_reclaims_sandboxes,
);
