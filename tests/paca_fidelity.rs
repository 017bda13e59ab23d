//! What Paca's clients see, item by item: the shapes, status codes and error codes of Paca's
//! handlers (upstream `e8d816c`) where Corral implements the route, or the deliberate
//! difference `docs/compat.md` names.

mod common;

use common::socket::Socket;
use common::{Backend, Client, TestServer, at, project};
use serde_json::{Value, json};
use std::time::Duration;

async fn scripted_agent(admin: &Client, p: &str, script: &str) -> (String, String) {
    common::agents::scripted_agent(admin, p, "Scribe", script, 20).await
}

async fn task(admin: &Client, p: &str, title: &str) -> String {
    let r = admin.post(&at(p, "/tasks"), &json!({"title": title})).await;
    r.data()["id"].as_str().expect("task").to_owned()
}

/// Polls a conversation (for at most 20 s) until it has `status`; its body then.
async fn until_status(admin: &Client, p: &str, c: &str, status: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let got = admin.get(&at(p, &format!("/conversations/{c}"))).await;
        if got.data()["status"] == status {
            return got.data().clone();
        }
        assert!(tokio::time::Instant::now() < deadline, "{got:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// 1: the bootstrapped administrator is `Admin` with the `SUPER_ADMIN` role.
async fn bootstrap_admin_matches_paca(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let me = s.admin().await.get("/api/v1/users/me").await;
    assert_eq!(me.data()["full_name"], "Admin");
    assert_eq!(me.data()["role"], "SUPER_ADMIN");
}

/// 2, 5, 6: write-with-ai answers `{conversation}` with the agent's name and handle; events
/// have ids; pause and heartbeat answer Paca's bodies; chat messages answer 201
/// `{conversation}`.
async fn conversation_shapes(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Shapes").await;
    let (bot, handle) = scripted_agent(&admin, &p, "events 2").await;
    let t = task(&admin, &p, "describe me").await;
    let r = admin
        .post(
            &at(&p, &format!("/tasks/{t}/write-with-ai")),
            &json!({"agent_id": bot}),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    let conversation = &r.data()["conversation"];
    let c = conversation["id"]
        .as_str()
        .expect("conversation id")
        .to_owned();
    assert_eq!(conversation["agent_name"], "Scribe");
    assert_eq!(conversation["agent_handle"], json!(handle));
    assert!(r.data().get("id").is_none(), "wrapped, not bare");

    let finished = until_status(&admin, &p, &c, "finished").await;
    assert_eq!(finished["agent_name"], "Scribe");
    let listed = admin.get(&at(&p, "/conversations")).await;
    assert_eq!(listed.data()["items"][0]["agent_handle"], json!(handle));
    let events = admin
        .get(&at(&p, &format!("/conversations/{c}/events")))
        .await;
    let items = events.data()["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!items.is_empty());
    let ids: std::collections::HashSet<&str> =
        items.iter().filter_map(|e| e["id"].as_str()).collect();
    assert_eq!(ids.len(), items.len(), "every event has its own id");
    let again = admin
        .get(&at(&p, &format!("/conversations/{c}/events")))
        .await;
    assert_eq!(
        again.data()["items"][0]["id"],
        items[0]["id"],
        "ids are stable"
    );

    // Chat: the first message opens a session (201 {session, conversation}); a later one
    // answers 201 {conversation}. Heartbeat and pause answer Paca's bodies.
    let (chatty, _) = scripted_agent(&admin, &p, "events 1").await;
    let chats = at(&p, &format!("/agents/{chatty}/chat-sessions"));
    let opened = admin.post(&chats, &json!({"message": "hi"})).await;
    assert_eq!(opened.status, 201, "{opened:?}");
    let session = opened.data()["session"]["id"]
        .as_str()
        .expect("session")
        .to_owned();
    let chat = opened.data()["conversation"]["id"]
        .as_str()
        .expect("conversation")
        .to_owned();
    let beat = admin
        .post(
            &at(&p, &format!("/conversations/{chat}/heartbeat")),
            &json!({}),
        )
        .await;
    assert_eq!(beat.data(), &json!({"status": "ok"}));
    until_status(&admin, &p, &chat, "paused").await;
    let next = admin
        .post(
            &format!("{chats}/{session}/messages"),
            &json!({"message": "more"}),
        )
        .await;
    assert_eq!(next.status, 201, "{next:?}");
    assert!(next.data()["conversation"]["id"].is_string());
    assert!(
        next.data().get("session").is_none(),
        "Paca answers {{conversation}} only"
    );
    let running = next.data()["conversation"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let paused = admin
        .post(
            &at(&p, &format!("/conversations/{running}/pause")),
            &json!({}),
        )
        .await;
    if paused.status == 200 {
        assert_eq!(paused.data()["message"], "conversation pause requested");
    } else {
        // The turn may already have ended; then Paca's conflict code.
        paused.assert_error(409, "AGENT_CONVERSATION_NOT_RUNNING");
    }
    let _ = admin
        .post(
            &at(&p, &format!("/conversations/{running}/stop")),
            &json!({}),
        )
        .await;
}

/// 3: a PATCH that changes nothing bumps no version and writes no event.
async fn a_no_op_patch_changes_nothing(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Still").await;
    let t = task(&admin, &p, "unchanged").await;
    let url = at(&p, &format!("/tasks/{t}"));
    let before = common::load::all_events(&admin, &p).await.len();
    for body in [
        json!({}),
        json!({"title": "unchanged"}),
        json!({"tags": []}),
        json!({"assignee_ids": []}),
    ] {
        let r = admin.patch(&url, &body).await;
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(r.data()["version"], 1, "{body}");
    }
    assert_eq!(common::load::all_events(&admin, &p).await.len(), before);
    let feed = admin.get(&format!("{url}/activities")).await;
    let updates = feed.data()["items"].as_array().map(|a| {
        a.iter()
            .filter(|x| x["activity_type"] == "task.updated")
            .count()
    });
    assert_eq!(updates, Some(0));
    let changed = admin.patch(&url, &json!({"title": "changed"})).await;
    assert_eq!(changed.data()["version"], 2);
}

/// 4: new projects get Task (default), Bug, Story and Epic; no Subtask.
async fn seeded_task_types(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Types").await;
    let types = admin.get(&at(&p, "/task-types")).await;
    let items = types.data()["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut names: Vec<&str> = items.iter().filter_map(|t| t["name"].as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["Bug", "Epic", "Story", "Task"]);
    let default: Vec<&str> = items
        .iter()
        .filter(|t| t["is_default"] == true)
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(default, ["Task"]);
    let system: Vec<&str> = items
        .iter()
        .filter(|t| t["is_system"] == true)
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(system, ["Epic"]);
}

/// 5: agent members carry `agent_name` and `agent_handle`.
async fn agent_members_are_named(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Members").await;
    let (_, handle) = scripted_agent(&admin, &p, "events 1").await;
    let members = admin.get(&at(&p, "/members")).await;
    let list = members
        .data()
        .get("items")
        .unwrap_or(members.data())
        .as_array()
        .cloned()
        .unwrap_or_default();
    let agent = list
        .iter()
        .find(|m| m["member_type"] == "agent")
        .expect("agent member");
    assert_eq!(agent["agent_name"], "Scribe");
    assert_eq!(agent["agent_handle"], json!(handle));
    assert_eq!(agent["full_name"], "Scribe");
    assert_eq!(agent["username"], json!(handle));
    let human = list
        .iter()
        .find(|m| m["member_type"] == "human")
        .expect("human");
    assert!(human.get("agent_name").is_none());
}

/// 6, 7: env-var create answers 200 with the value masked; a reserved skill name and a
/// non-comment activity answer Paca's codes.
async fn agent_tool_codes(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Codes").await;
    let (bot, _) = scripted_agent(&admin, &p, "events 1").await;
    let env = admin
        .post(
            &at(&p, &format!("/agents/{bot}/env-vars")),
            &json!({"key": "TOKEN", "value": "secret"}),
        )
        .await;
    assert_eq!(env.status, 200, "{env:?}");
    assert_eq!(env.data()["value"], "***");
    admin
        .post(
            &at(&p, &format!("/agents/{bot}/skills")),
            &json!({"skill_name": "paca-trigger-chat", "skill_source": "inline", "skill_content": "x"}),
        )
        .await
        .assert_error(400, "AGENT_SKILL_NAME_RESERVED");

    let t = task(&admin, &p, "feed").await;
    let feed = admin.get(&at(&p, &format!("/tasks/{t}/activities"))).await;
    let created = feed.data()["items"][0]["id"]
        .as_str()
        .expect("activity")
        .to_owned();
    let url = at(&p, &format!("/tasks/{t}/activities/comments/{created}"));
    let doc = json!([{"type": "paragraph", "content": [{"type": "text", "text": "x"}]}]);
    admin
        .patch(&url, &json!({"content": doc}))
        .await
        .assert_error(400, "ACTIVITY_NOT_A_COMMENT");
    admin
        .delete(&url)
        .await
        .assert_error(400, "ACTIVITY_NOT_A_COMMENT");
    admin
        .patch(
            &at(
                &p,
                &format!("/tasks/{t}/activities/comments/{}", uuid::Uuid::new_v4()),
            ),
            &json!({"content": doc}),
        )
        .await
        .assert_error(404, "ACTIVITY_NOT_FOUND");
}

/// 8: task activities on sockets carry their id and their content as a JSON string.
async fn activity_events_carry_id_and_string_content(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Live").await;
    let mut socket = Socket::with_token(&s.base, &admin.access_token().expect("token")).await;
    socket.call("join", json!({"projectId": p})).await;
    let t = task(&admin, &p, "watched").await;
    admin
        .patch(
            &at(&p, &format!("/tasks/{t}")),
            &json!({"title": "renamed"}),
        )
        .await
        .data();
    let events = socket.collect("event", 2, Duration::from_secs(10)).await;
    let updated: &Value = events
        .iter()
        .find(|e| e["type"] == "task.updated")
        .expect("task.updated");
    let payload = &updated["payload"];
    assert!(
        payload["id"]
            .as_str()
            .is_some_and(|id| uuid::Uuid::parse_str(id).is_ok()),
        "{payload}"
    );
    let content: Value =
        serde_json::from_str(payload["content"].as_str().expect("a string")).expect("JSON inside");
    assert_eq!(content["changes"][0]["field"], "title");
    // The same event replayed from the log has the same shape.
    let mut late = Socket::with_token(&s.base, &admin.access_token().expect("token")).await;
    late.call("join", json!({"projectId": p, "since": 0})).await;
    let total = common::load::all_events(&admin, &p).await.len();
    let replayed = late.collect("event", total, Duration::from_secs(10)).await;
    let again = replayed
        .iter()
        .find(|e| e["type"] == "task.updated")
        .expect("replayed");
    assert_eq!(again["payload"], *payload);
    // The REST feed keeps the content as JSON.
    let feed = admin.get(&at(&p, &format!("/tasks/{t}/activities"))).await;
    assert!(feed.data()["items"][1]["content"].is_object());
}

/// 9: `X-Agent-ID` with the API key of a user who may manage the project's agents acts as
/// the agent: its project role only, and its writes are the agent's.
async fn x_agent_id_acts_as_the_agent(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Acting").await;
    let (bot, handle) = scripted_agent(&admin, &p, "events 1").await;
    let t = task(&admin, &p, "to discuss").await;
    let key = admin
        .post("/api/v1/users/me/api-keys", &json!({"name": "mcp"}))
        .await;
    let key = key.data()["key"].as_str().expect("key").to_owned();
    let as_bot = |extra: &str| {
        let c = admin.with_auth(common::Auth::XApiKey(key.clone()));
        (c, extra.to_owned())
    };
    let (c, agent_header) = as_bot(&bot);
    let comment = json!({"content": [{"type": "paragraph", "content": [{"type": "text", "text": "from the bot"}]}]});
    let url = at(&p, &format!("/tasks/{t}/activities/comments"));
    let r = c
        .send(
            "POST",
            &url,
            Some(comment.to_string().into_bytes()),
            &[("x-agent-id", agent_header.as_str())],
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.data()["actor_username"], json!(handle), "{r:?}");
    assert_eq!(r.data()["actor_name"], "Scribe");
    // The agent's role (Editor) is all it may do: no project administration, even for an admin.
    let r = c
        .send(
            "PATCH",
            &at(&p, ""),
            Some(br#"{"description":"renamed by the bot"}"#.to_vec()),
            &[("x-agent-id", agent_header.as_str())],
        )
        .await;
    r.assert_error(403, "FORBIDDEN");
    // Unknown, malformed, or another project's agent.
    c.send(
        "GET",
        &at(&p, "/tasks"),
        None,
        &[("x-agent-id", &uuid::Uuid::new_v4().to_string())],
    )
    .await
    .assert_error(404, "AGENT_NOT_FOUND");
    c.send("GET", &at(&p, "/tasks"), None, &[("x-agent-id", "bot")])
        .await
        .assert_error(400, "BAD_REQUEST");
    // A member who may not manage agents may not act as one.
    let (editor, editor_id) = s.user("writer", "USER").await;
    let role = admin
        .post(
            &at(&p, "/roles"),
            &json!({"role_name": "Writer", "permissions": {"tasks.read": true, "tasks.write": true}}),
        )
        .await;
    let role = role.data()["id"].as_str().expect("role").to_owned();
    admin
        .post(
            &at(&p, "/members"),
            &json!({"user_id": editor_id, "project_role_id": role}),
        )
        .await
        .data();
    let r = editor
        .send(
            "POST",
            &url,
            Some(comment.to_string().into_bytes()),
            &[("x-agent-id", agent_header.as_str())],
        )
        .await;
    r.assert_error(403, "FORBIDDEN");
    assert_eq!(
        editor.post(&url, &comment).await.status,
        201,
        "as themself they still may"
    );
}

on_both_backends!(
    x_agent_id_acts_as_the_agent,
    bootstrap_admin_matches_paca,
    conversation_shapes,
    a_no_op_patch_changes_nothing,
    seeded_task_types,
    agent_members_are_named,
    agent_tool_codes,
    activity_events_carry_id_and_string_content,
);
