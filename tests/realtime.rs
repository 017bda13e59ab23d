//! The Socket.IO edge: handshake auth, joining projects by permission, live events with their
//! sequence, notifications, and resuming after a disconnect without gaps or duplicates.

mod common;

use common::socket::{Connected, Polling, Socket, parse_event};
use common::{Backend, TestServer, at, id_named, project};
use serde_json::{Value, json};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);

async fn handshake_auth(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = s.admin().await;
    let token = c.access_token().expect("token");
    match Socket::connect(&s.base, json!({}), &[]).await {
        Connected::Refused(m) => assert!(m.contains("missing"), "{m}"),
        Connected::Ok(_) => panic!("connected without credentials"),
    }
    match Socket::connect(&s.base, json!({"token": "garbage"}), &[]).await {
        Connected::Refused(m) => assert!(m.contains("invalid"), "{m}"),
        Connected::Ok(_) => panic!("connected with a bad token"),
    }
    for (auth, headers) in [
        (json!({"token": token}), vec![]),
        (
            json!({}),
            vec![("authorization", format!("Bearer {token}"))],
        ),
        (json!({}), vec![("cookie", format!("access_token={token}"))]),
    ] {
        match Socket::connect(&s.base, auth, &headers).await {
            Connected::Ok(socket) => socket.close().await,
            Connected::Refused(m) => panic!("refused: {m}"),
        }
    }
    // A logged-out session cannot connect.
    c.post("/api/v1/auth/logout", &json!({})).await;
    assert!(matches!(
        Socket::connect(&s.base, json!({"token": token}), &[]).await,
        Connected::Refused(_)
    ));
}

async fn join_permissions_and_live_events(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Live").await;
    let (outsider, _) = s.user("olga", "USER").await;
    let mut theirs = Socket::with_token(&s.base, &outsider.access_token().expect("token")).await;
    let refused = theirs.call("join", json!({"projectId": p})).await;
    assert_eq!(refused["ok"], false, "{refused}");
    theirs.call("join", json!({"projectId": "nope"})).await;

    let mut mine = Socket::with_token(&s.base, &admin.access_token().expect("token")).await;
    let joined = mine.call("join", json!({"projectId": p})).await;
    assert_eq!(
        (joined["ok"].as_bool(), joined["rooms"]["tasks"].as_bool()),
        (Some(true), Some(true)),
        "{joined}"
    );
    let t = admin
        .post(&at(&p, "/tasks"), &json!({"title": "live"}))
        .await;
    let events = mine.collect("event", 1, WAIT).await;
    assert_eq!(events.len(), 1);
    assert_eq!(
        (
            events[0]["type"].as_str(),
            events[0]["payload"]["task_id"].clone()
        ),
        (Some("task.created"), t.data()["id"].clone())
    );
    assert!(events[0]["seq"].as_i64().is_some_and(|s| s > 1));
    assert!(
        theirs
            .collect("event", 1, Duration::from_millis(300))
            .await
            .is_empty(),
        "not joined, nothing received"
    );
    // Leaving stops delivery.
    mine.send_leave(&p).await;
    admin
        .post(&at(&p, "/tasks"), &json!({"title": "after leave"}))
        .await;
    assert!(
        mine.collect("event", 1, Duration::from_millis(300))
            .await
            .is_empty()
    );
}

async fn notifications_reach_their_user(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Notify").await;
    let (bob, bob_user) = s.user("bob", "USER").await;
    let editor = id_named(&admin.get(&at(&p, "/roles")).await, "role_name", "Editor");
    let member = admin
        .post(
            &at(&p, "/members"),
            &json!({"user_id": bob_user, "project_role_id": editor}),
        )
        .await
        .data()["id"]
        .clone();
    let mut bob_socket = Socket::with_token(&s.base, &bob.access_token().expect("token")).await;
    admin
        .post(
            &at(&p, "/tasks"),
            &json!({"title": "for bob", "assignee_ids": [member]}),
        )
        .await;
    let got = bob_socket.collect("notification", 1, WAIT).await;
    assert_eq!(got.len(), 1, "bob is notified without joining the project");
    assert_eq!(
        (got[0]["type"].as_str(), got[0]["payload"]["type"].as_str()),
        (Some("notification.created"), Some("assigned"))
    );
}

/// A client that keeps dropping and resuming with `since` while others write ends with every
/// event exactly once, in order.
async fn resume_after_disconnects_during_writes(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Resume").await;
    let token = admin.access_token().expect("token");
    let writer = {
        let w = s.client();
        *w.access.lock().expect("lock") = Some(token.clone());
        let p = p.clone();
        tokio::spawn(async move {
            for i in 0..60 {
                w.post(&at(&p, "/tasks"), &json!({"title": format!("t{i}")}))
                    .await;
            }
        })
    };
    let mut seen: Vec<i64> = Vec::new();
    let mut since = 0i64;
    for round in 0..8 {
        let mut socket = Socket::with_token(&s.base, &token).await;
        let ack = socket
            .call("join", json!({"projectId": p, "since": since}))
            .await;
        assert_eq!(ack["ok"], true, "{ack}");
        let take = if round == 7 { usize::MAX } else { 5 };
        let deadline = if round == 7 {
            Duration::from_millis(1500)
        } else {
            Duration::from_millis(400)
        };
        for e in socket.collect("event", take, deadline).await {
            let seq = e["seq"].as_i64().expect("seq");
            seen.push(seq);
            since = seq;
        }
        socket.close().await;
    }
    writer.await.expect("writer");
    // Whatever is left after the writer finished.
    let mut socket = Socket::with_token(&s.base, &token).await;
    socket
        .call("join", json!({"projectId": p, "since": since}))
        .await;
    for e in socket
        .collect("event", usize::MAX, Duration::from_millis(800))
        .await
    {
        seen.push(e["seq"].as_i64().expect("seq"));
    }
    let total = common::load::all_events(&admin, &p).await.len() as i64;
    assert_eq!(
        seen,
        (1..=total).collect::<Vec<_>>(),
        "every event once, in order"
    );
}

async fn two_nodes_deliver_through_valkey(b: Backend) {
    if b == Backend::Sqlite {
        return; // one node per SQLite file
    }
    let secret = ("JWT_SECRET", "realtime-two-nodes-secret-0123456789");
    let Some(a) = TestServer::start_with(b, &[secret]).await else {
        return;
    };
    let node_b = a.second_node().await;
    let admin = a.admin().await;
    let p = project(&admin, "Cluster").await;
    let mut on_b = Socket::with_token(&node_b.base, &admin.access_token().expect("token")).await;
    assert_eq!(on_b.call("join", json!({"projectId": p})).await["ok"], true);
    admin
        .post(&at(&p, "/tasks"), &json!({"title": "written on a"}))
        .await;
    let got: Vec<Value> = on_b.collect("event", 1, WAIT).await;
    assert_eq!(
        got.first().and_then(|e| e["type"].as_str()),
        Some("task.created"),
        "a socket on B sees A's write"
    );
}

/// Paca never re-checks a socket; Corral ends it when its token expires or its session or user
/// is gone.
async fn sockets_end_with_their_credential(b: Backend) {
    let Some(s) =
        TestServer::start_with(b, &[("SOCKET_RECHECK", "200ms"), ("JWT_ACCESS_TTL", "4s")]).await
    else {
        return;
    };
    let admin = s.admin().await;
    let (bob, bob_id) = s.user("bob", "USER").await;
    let mut socket = Socket::with_token(&s.base, &bob.access_token().expect("token")).await;
    admin
        .patch(
            &format!("/api/v1/admin/users/{bob_id}"),
            &json!({"is_active": false}),
        )
        .await;
    let ended = socket.collect("auth_expired", 1, WAIT).await;
    assert_eq!(
        ended.first().and_then(|e| e["error_code"].as_str()),
        Some("AUTH_USER_DISABLED")
    );
    assert!(
        socket.next_event(Duration::from_secs(2)).await.is_none(),
        "the socket is closed"
    );
    // An expired token ends the socket too.
    let fresh = s.admin().await;
    let mut admin_socket = Socket::with_token(&s.base, &fresh.access_token().expect("token")).await;
    let expired = admin_socket
        .collect("auth_expired", 1, Duration::from_secs(8))
        .await;
    assert_eq!(
        expired.first().and_then(|e| e["error_code"].as_str()),
        Some("AUTH_TOKEN_INVALID")
    );
}

/// Presence entries of `presence_delta` frames until one matches `wanted`.
async fn presence_change(socket: &mut Socket, wanted: impl Fn(&Value) -> bool) -> Value {
    loop {
        let frames = socket.collect("presence_delta", 1, WAIT).await;
        let frame = frames.first().expect("a presence_delta frame");
        if let Some(entry) = frame["entries"]
            .as_array()
            .and_then(|e| e.iter().find(|e| wanted(e)))
        {
            return entry.clone();
        }
    }
}

/// A joiner gets one snapshot of who is here (itself included); changes arrive as coalesced
/// deltas, one entry per socket.
async fn presence_comes_and_goes(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Presence").await;
    let (bob, bob_user) = s.user("bob", "USER").await;
    let viewer = id_named(&admin.get(&at(&p, "/roles")).await, "role_name", "Viewer");
    let added = admin
        .post(
            &at(&p, "/members"),
            &json!({"user_id": bob_user, "project_role_id": viewer}),
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.body);
    let task = admin
        .post(&at(&p, "/tasks"), &json!({"title": "shared"}))
        .await
        .data()["id"]
        .clone();

    let mut a = Socket::with_token(&s.base, &admin.access_token().expect("token")).await;
    let joined = a.call("join", json!({"projectId": p})).await;
    assert_eq!(joined["ok"], true, "{joined}");
    let mut b_socket = Socket::with_token(&s.base, &bob.access_token().expect("token")).await;
    let joined = b_socket.call("join", json!({"projectId": p})).await;
    assert_eq!(joined["ok"], true, "{joined}");
    let snapshot = b_socket.collect("presence_snapshot", 1, WAIT).await;
    let names: Vec<&str> = snapshot[0]["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["username"].as_str())
        .collect();
    assert!(
        names.contains(&"admin") && names.contains(&"bob"),
        "the newcomer sees who is here, itself included: {names:?}"
    );
    let arrived = presence_change(&mut a, |e| e["username"] == "bob").await;
    assert_eq!(arrived["state"], "here");

    b_socket
        .emit(
            "presence",
            json!({"projectId": p, "taskId": task, "editing": true}),
        )
        .await;
    let editing = presence_change(&mut a, |e| e["editing"] == true).await;
    assert_eq!(
        (editing["username"].as_str(), editing["task_id"].clone()),
        (Some("bob"), task.clone())
    );
    // Bob opens a second tab before closing the first.
    let mut b_tab = Socket::with_token(&s.base, &bob.access_token().expect("token")).await;
    let joined = b_tab.call("join", json!({"projectId": p})).await;
    assert_eq!(joined["ok"], true, "{joined}");
    let second = presence_change(&mut a, |e| {
        e["username"] == "bob" && e["socket_id"] != arrived["socket_id"]
    })
    .await;
    assert_eq!(second["state"], "here", "one entry per socket");

    b_socket.close().await;
    // Presence is per socket: what left is the tab that closed; the other tab is still here.
    let gone = presence_change(&mut a, |e| e["state"] == "gone").await;
    assert!(arrived["socket_id"].is_string(), "{arrived}");
    assert_eq!(gone["socket_id"], arrived["socket_id"]);
    let mut newcomer = Socket::with_token(&s.base, &admin.access_token().expect("token")).await;
    let joined = newcomer.call("join", json!({"projectId": p})).await;
    assert_eq!(joined["ok"], true, "{joined}");
    let snapshot = newcomer.collect("presence_snapshot", 1, WAIT).await;
    let bobs: Vec<&Value> = snapshot[0]["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|x| x["username"] == "bob")
        .map(|x| &x["socket_id"])
        .collect();
    assert_eq!(bobs, [&second["socket_id"]], "{snapshot:?}");
}

/// A client that stops reading overflows its bounded buffer: it is told why and disconnected,
/// while writes and the other sockets go on untouched; joining again with `since` gives it
/// every event it missed, in order, once.
async fn slow_consumer_is_cut_off_and_resumes(b: Backend) {
    let Some(s) = TestServer::start_with(b, &[("SOCKET_BUFFER", "8")]).await else {
        return;
    };
    let admin = s.admin().await;
    let token = admin.access_token().expect("token");
    let p = project(&admin, "Slow").await;
    let task = admin
        .post(&at(&p, "/tasks"), &json!({"title": "t"}))
        .await
        .data()["id"]
        .clone();
    let task = task.as_str().expect("id");

    let mut stalled = Polling::connect(&s.base, &token).await;
    let joined = stalled.call("join", json!({"projectId": p})).await;
    assert_eq!(joined["ok"], true, "{joined}");
    let mut healthy = Socket::with_token(&s.base, &token).await;
    healthy.call("join", json!({"projectId": p})).await;

    const WRITES: usize = 40;
    for i in 0..WRITES {
        admin
            .patch(
                &at(&p, &format!("/tasks/{task}")),
                &json!({"title": format!("t{i}")}),
            )
            .await
            .data();
    }
    let live = healthy.collect("event", WRITES, WAIT).await;
    assert_eq!(live.len(), WRITES, "the healthy socket gets every event");
    let all: Vec<i64> = live
        .iter()
        .map(|e| e["seq"].as_i64().expect("seq"))
        .collect();

    // The stalled client reads again: what was queued, then the reason and the disconnect.
    let (mut seen, mut reason, mut disconnected) = (Vec::new(), None, false);
    for _ in 0..50 {
        let packets = stalled.poll().await;
        if packets.iter().all(String::is_empty) {
            break;
        }
        for packet in packets {
            if packet == "41" || packet == "1" {
                disconnected = true;
            }
            match parse_event(&packet) {
                Some((name, data)) if name == "event" => {
                    seen.push(data["seq"].as_i64().expect("seq"))
                }
                Some((name, data)) if name == "overflow" => reason = Some(data),
                _ => {}
            }
        }
        if disconnected {
            break;
        }
    }
    assert!(disconnected, "the slow socket is disconnected");
    assert_eq!(
        reason.as_ref().and_then(|r| r["error_code"].as_str()),
        Some("SOCKET_TOO_SLOW"),
        "and told why: {reason:?}"
    );
    assert!(
        seen.len() < WRITES,
        "it could not have taken everything: {seen:?}"
    );
    assert_eq!(
        seen[..],
        all[..seen.len()],
        "what it got came in order, without gaps"
    );

    // Resuming from the last sequence it saw fills the gap exactly.
    let last = seen.last().copied().unwrap_or(all[0] - 1);
    let mut resumed = Socket::with_token(&s.base, &token).await;
    let ack = resumed
        .call("join", json!({"projectId": p, "since": last}))
        .await;
    assert_eq!(ack["ok"], true, "{ack}");
    let rest = resumed.collect("event", WRITES - seen.len(), WAIT).await;
    let rest: Vec<i64> = rest
        .iter()
        .map(|e| e["seq"].as_i64().expect("seq"))
        .collect();
    assert_eq!([seen, rest].concat(), all);
    assert!(
        resumed
            .collect("event", 1, Duration::from_millis(300))
            .await
            .is_empty(),
        "no duplicates"
    );
}

/// Behind a gateway that strips `/ws`, the same endpoint answers at `/socket.io`.
async fn stripped_gateway_path(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Gateway").await;
    let token = admin.access_token().expect("token");
    let Connected::Ok(mut socket) =
        Socket::connect_at(&s.base, "/socket.io", json!({"token": token}), &[]).await
    else {
        panic!("refused at /socket.io");
    };
    let mut other = Socket::with_token(&s.base, &token).await;
    socket.call("join", json!({"projectId": p})).await;
    other.call("join", json!({"projectId": p})).await;
    admin
        .post(&at(&p, "/tasks"), &json!({"title": "both paths"}))
        .await
        .data();
    for s in [&mut socket, &mut other] {
        let got = s.collect("event", 1, WAIT).await;
        assert_eq!(
            got.first().map(|e| e["type"].clone()),
            Some(json!("task.created"))
        );
    }
}

/// Each family of project events reaches the project's followers with its type, and only
/// followers whose role may read that domain: a docs-only role joins for docs and gets no task
/// traffic.
async fn event_families_are_routed(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Families").await;
    let docs_only = admin
        .post(
            &at(&p, "/roles"),
            &json!({"role_name": "Writer", "permissions": {"docs.read": true}}),
        )
        .await
        .data()["id"]
        .clone();
    let (dora, dora_id) = s.user("dora", "USER").await;
    admin
        .post(
            &at(&p, "/members"),
            &json!({"user_id": dora_id, "project_role_id": docs_only}),
        )
        .await
        .data();
    let mut all = Socket::with_token(&s.base, &admin.access_token().expect("token")).await;
    all.call("join", json!({"projectId": p})).await;
    let mut docs = Socket::with_token(&s.base, &dora.access_token().expect("token")).await;
    let joined = docs.call("join", json!({"projectId": p})).await;
    assert_eq!(
        (
            joined["ok"].as_bool(),
            joined["rooms"]["tasks"].as_bool(),
            joined["rooms"]["docs"].as_bool()
        ),
        (Some(true), Some(false), Some(true)),
        "{joined}"
    );

    let writes: [(&str, Value, &str); 4] = [
        ("/tasks", json!({"title": "a task"}), "task.created"),
        ("/sprints", json!({"name": "Sprint 1"}), "sprint.created"),
        (
            "/views?context=backlog",
            json!({"name": "Board", "view_type": "board"}),
            "view.created",
        ),
        (
            "/custom-fields",
            json!({"field_key": "sev", "display_name": "Severity", "field_type": "text"}),
            "custom_field.created",
        ),
    ];
    for (path, body, family) in writes {
        admin.post(&at(&p, path), &body).await.data();
        let got = all.collect("event", 1, WAIT).await;
        assert_eq!(
            got.first().and_then(|e| e["type"].as_str()),
            Some(family),
            "{got:?}"
        );
    }
    assert!(
        docs.collect("event", 1, Duration::from_millis(300))
            .await
            .is_empty(),
        "no task-domain events for a docs-only role"
    );
}

/// The title a task activity event carries (its `content` is a JSON string on the wire).
fn title(event: &Value) -> Option<String> {
    let content = &event["payload"]["content"];
    let content = match content.as_str() {
        Some(text) => serde_json::from_str(text).ok()?,
        None => content.clone(),
    };
    content["title"].as_str().map(str::to_owned)
}

/// Frames until the event `name` arrives: the `event`s received before it, and its data.
async fn events_until(socket: &mut Socket, name: &str) -> (Vec<Value>, Value) {
    let mut before = Vec::new();
    loop {
        match socket.next_event(WAIT).await {
            Some((n, v)) if n == name => return (before, v),
            Some((n, v)) if n == "event" => before.push(v),
            Some(_) => {}
            None => panic!("no {name}; events meanwhile: {before:?}"),
        }
    }
}

/// The sequences of the `event`s a socket receives until one of type `last_type` arrives.
async fn seqs_until(socket: &mut Socket, last_type: &str) -> Vec<i64> {
    let mut seqs = Vec::new();
    loop {
        let got = socket.collect("event", 1, WAIT).await;
        let e = got
            .first()
            .unwrap_or_else(|| panic!("no {last_type}; got {seqs:?}"));
        seqs.push(e["seq"].as_i64().expect("seq"));
        if e["type"] == last_type {
            return seqs;
        }
    }
}

/// Access is decided again when membership and roles change, not only at `join`: a removed
/// member and a role that loses `tasks.read` stop receiving task events at once (no re-check
/// period is involved: it is 30 s here), and are told why; a deleted project ends every follow.
async fn access_is_revoked_when_membership_or_role_changes(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Revocations").await;
    let reader = admin
        .post(
            &at(&p, "/roles"),
            &json!({"role_name": "Reader", "permissions": {"tasks.read": true, "docs.read": true}}),
        )
        .await;
    assert_eq!(reader.status, 201, "{}", reader.body);
    let reader = reader.data()["id"].as_str().expect("role id").to_owned();
    let (bob, bob_id) = s.user("bob", "USER").await;
    let (carol, carol_id) = s.user("carol", "USER").await;
    let bob_member = common::add_member(&admin, &p, &bob_id, "Editor").await;
    common::add_member(&admin, &p, &carol_id, "Reader").await;

    let mut watcher = Socket::with_token(&s.base, &admin.access_token().expect("token")).await;
    let mut bobs = Socket::with_token(&s.base, &bob.access_token().expect("token")).await;
    let mut carols = Socket::with_token(&s.base, &carol.access_token().expect("token")).await;
    for socket in [&mut watcher, &mut bobs, &mut carols] {
        let joined = socket.call("join", json!({"projectId": p})).await;
        assert_eq!(joined["rooms"]["tasks"], true, "{joined}");
    }

    // Bob is removed, then a task is written.
    let removed = admin
        .delete(&at(&p, &format!("/members/{bob_member}")))
        .await;
    assert!(removed.status < 300, "{removed:?}");
    admin
        .post(&at(&p, "/tasks"), &json!({"title": "after bob left"}))
        .await
        .data();
    let seen = seqs_until(&mut watcher, "task.created").await;
    let (before, revoked) = events_until(&mut bobs, "access_revoked").await;
    assert_eq!(
        (revoked["project_id"].as_str(), revoked["left"].as_bool()),
        (Some(p.as_str()), Some(true)),
        "{revoked}"
    );
    assert!(
        revoked["reason"].as_str().is_some_and(|r| !r.is_empty())
            && revoked["rooms"]
                .as_array()
                .is_some_and(|r| r.contains(&json!("tasks"))),
        "{revoked}"
    );
    assert!(
        before.iter().all(|e| e["type"] != "task.created"),
        "nothing written after the removal reached bob: {before:?}"
    );
    assert!(
        bobs.collect("event", 1, Duration::from_millis(300))
            .await
            .is_empty(),
        "no event after the revocation"
    );
    assert!(
        carols.collect("event", seen.len(), WAIT).await.len() == seen.len(),
        "carol still follows"
    );

    // Carol's role loses `tasks.read` (it keeps `docs.read`): she leaves the tasks room only.
    let edited = admin
        .patch(
            &at(&p, &format!("/roles/{reader}")),
            &json!({"permissions": {"tasks.read": false, "docs.read": true}}),
        )
        .await;
    assert!(edited.status < 300, "{edited:?}");
    admin
        .post(&at(&p, "/tasks"), &json!({"title": "after the role edit"}))
        .await
        .data();
    seqs_until(&mut watcher, "task.created").await;
    let (before, narrowed) = events_until(&mut carols, "access_revoked").await;
    assert_eq!(
        (narrowed["left"].as_bool(), narrowed["rooms"].clone()),
        (Some(false), json!(["tasks"])),
        "{narrowed}"
    );
    assert!(
        before.iter().all(|e| e["type"] != "task.created"),
        "{before:?}"
    );
    assert!(
        carols
            .collect("event", 1, Duration::from_millis(300))
            .await
            .is_empty(),
        "no task events without tasks.read"
    );

    // Deleting the project ends every follow.
    let deleted = admin.delete(&format!("/api/v1/projects/{p}")).await;
    assert!(deleted.status < 300, "{deleted:?}");
    let (_, ended) = events_until(&mut watcher, "access_revoked").await;
    assert_eq!(
        (ended["left"].as_bool(), ended["error_code"].as_str()),
        (Some(true), Some("PROJECT_NOT_FOUND")),
        "{ended}"
    );
}

/// A membership change made on one node takes effect on the sockets of another.
async fn access_is_revoked_on_every_node(b: Backend) {
    if b == Backend::Sqlite {
        return; // one node per SQLite file
    }
    let secret = ("JWT_SECRET", "realtime-revocation-secret-0123456789");
    let Some(a) = TestServer::start_with(b, &[secret]).await else {
        return;
    };
    let node_b = a.second_node().await;
    let admin = a.admin().await;
    let p = project(&admin, "Cluster revocation").await;
    let (bob, bob_id) = a.user("bob", "USER").await;
    let member = common::add_member(&admin, &p, &bob_id, "Editor").await;
    let mut on_b = Socket::with_token(&node_b.base, &bob.access_token().expect("token")).await;
    assert_eq!(on_b.call("join", json!({"projectId": p})).await["ok"], true);
    admin
        .post(&at(&p, "/tasks"), &json!({"title": "before"}))
        .await
        .data();
    assert_eq!(on_b.collect("event", 1, WAIT).await.len(), 1);
    admin.delete(&at(&p, &format!("/members/{member}"))).await;
    admin
        .post(&at(&p, "/tasks"), &json!({"title": "after"}))
        .await
        .data();
    let (before, revoked) = events_until(&mut on_b, "access_revoked").await;
    assert_eq!(revoked["left"], true, "{revoked}");
    assert!(
        before.iter().all(|e| e["type"] != "task.created"),
        "{before:?}"
    );
    assert!(
        on_b.collect("event", 1, Duration::from_millis(300))
            .await
            .is_empty()
    );
}

/// A disabled user's sockets end at the next credential check (account changes are not
/// project events), and nothing of the project reaches them after it.
async fn disabled_user_stops_receiving(b: Backend) {
    // The periodic check is far away: only the account change itself can end the socket.
    let Some(s) = TestServer::start_with(b, &[("SOCKET_RECHECK", "1h")]).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Disabled").await;
    let (bob, bob_id) = s.user("bob", "USER").await;
    common::add_member(&admin, &p, &bob_id, "Editor").await;
    let mut socket = Socket::with_token(&s.base, &bob.access_token().expect("token")).await;
    assert_eq!(
        socket.call("join", json!({"projectId": p})).await["ok"],
        true
    );
    admin
        .patch(
            &format!("/api/v1/admin/users/{bob_id}"),
            &json!({"is_active": false}),
        )
        .await;
    let (_, ended) = events_until(&mut socket, "auth_expired").await;
    assert_eq!(ended["error_code"], "AUTH_USER_DISABLED", "{ended}");
    admin
        .post(&at(&p, "/tasks"), &json!({"title": "after disable"}))
        .await
        .data();
    assert!(
        socket.next_event(Duration::from_secs(1)).await.is_none(),
        "the socket is closed and got nothing more"
    );
}

/// A user deleted on one node loses the sockets it holds on another at once.
async fn deleted_user_stops_receiving_on_every_node(b: Backend) {
    if b == Backend::Sqlite {
        return; // one node per SQLite file
    }
    let secret = ("JWT_SECRET", "realtime-account-change-secret-0123456");
    let Some(a) = TestServer::start_with(b, &[secret, ("SOCKET_RECHECK", "1h")]).await else {
        return;
    };
    let node_b = a.second_node().await;
    let admin = a.admin().await;
    let p = project(&admin, "Deleted").await;
    let (carol, carol_id) = a.user("carol", "USER").await;
    common::add_member(&admin, &p, &carol_id, "Editor").await;
    let mut on_b = Socket::with_token(&node_b.base, &carol.access_token().expect("token")).await;
    assert_eq!(on_b.call("join", json!({"projectId": p})).await["ok"], true);
    admin
        .delete(&format!("/api/v1/admin/users/{carol_id}"))
        .await;
    let (_, ended) = events_until(&mut on_b, "auth_expired").await;
    assert!(ended["error_code"].is_string(), "{ended}");
    admin
        .post(&at(&p, "/tasks"), &json!({"title": "after delete"}))
        .await
        .data();
    assert!(on_b.next_event(Duration::from_secs(1)).await.is_none());
}

/// `notification.created` goes to its recipient only, never to the project's followers, live
/// or replayed.
async fn notifications_stay_private(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Private").await;
    let (bob, bob_id) = s.user("bob", "USER").await;
    let (carol, carol_id) = s.user("carol", "USER").await;
    let bob_member = common::add_member(&admin, &p, &bob_id, "Editor").await;
    common::add_member(&admin, &p, &carol_id, "Editor").await;
    let mut bobs = Socket::with_token(&s.base, &bob.access_token().expect("token")).await;
    let mut carols = Socket::with_token(&s.base, &carol.access_token().expect("token")).await;
    assert_eq!(
        carols.call("join", json!({"projectId": p})).await["ok"],
        true
    );
    admin
        .post(
            &at(&p, "/tasks"),
            &json!({"title": "for bob", "assignee_ids": [bob_member]}),
        )
        .await
        .data();
    admin
        .post(&at(&p, "/tasks"), &json!({"title": "the last one"}))
        .await
        .data();
    let mut live = Vec::new();
    while live
        .last()
        .is_none_or(|e: &Value| title(e).as_deref() != Some("the last one"))
    {
        let got = carols.collect("event", 1, WAIT).await;
        live.push(got.into_iter().next().expect("events up to the last task"));
    }
    assert!(
        live.iter().all(|e| !e["type"]
            .as_str()
            .unwrap_or_default()
            .starts_with("notification.")),
        "another member's notification reached carol: {live:?}"
    );
    let mine = bobs.collect("notification", 1, WAIT).await;
    assert_eq!(mine[0]["payload"]["recipient_user_id"], json!(bob_id));
    // A replay from the start shows it no more than live delivery did.
    let mut again = Socket::with_token(&s.base, &carol.access_token().expect("token")).await;
    again
        .call("join", json!({"projectId": p, "since": 0}))
        .await;
    let total = common::load::all_events(&admin, &p).await.len();
    let replayed = again
        .collect("event", total, Duration::from_millis(1500))
        .await;
    assert!(!replayed.is_empty());
    assert!(
        replayed.iter().all(|e| !e["type"]
            .as_str()
            .unwrap_or_default()
            .starts_with("notification.")),
        "{replayed:?}"
    );
    // Over REST too: the log shows carol that the sequence moved, not what bob was told.
    let notification = |events: Vec<Value>| {
        events
            .into_iter()
            .find(|e| e["type"] == "notification.created")
            .expect("the notification's place in the log")
    };
    let seen_by_carol = notification(common::load::all_events(&carol, &p).await);
    assert_eq!(seen_by_carol["payload"], json!({}), "{seen_by_carol}");
    let seen_by_bob = notification(common::load::all_events(&bob, &p).await);
    assert_eq!(seen_by_bob["payload"]["recipient_user_id"], json!(bob_id));
}

/// 2,000 sockets follow one project: every join is acknowledged (a joiner gets one presence
/// snapshot, not one packet per follower) and every socket receives every later event.
async fn a_crowd_follows_one_project(b: Backend) {
    const CROWD: usize = 2000;
    const WRITES: usize = 3;
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Crowd").await;
    let token = admin.access_token().expect("token");
    let joins = std::sync::Arc::new(tokio::sync::Semaphore::new(64));
    let (joined_tx, mut joined_rx) = tokio::sync::mpsc::channel::<Value>(CROWD);
    let (go_tx, _) = tokio::sync::broadcast::channel::<()>(1);
    let mut members = Vec::new();
    for _ in 0..CROWD {
        let (base, token, p) = (s.base.clone(), token.clone(), p.clone());
        let (joins, joined_tx, mut go) = (joins.clone(), joined_tx.clone(), go_tx.subscribe());
        members.push(tokio::spawn(async move {
            let mut socket = {
                let _permit = joins.acquire().await.expect("semaphore");
                let mut socket = Socket::with_token(&base, &token).await;
                let ack = socket.join_lean(json!({"projectId": p})).await;
                joined_tx.send(ack).await.expect("report");
                socket
            };
            // Keep reading (presence deltas) until the writes start, then take the events.
            let mut events = Vec::new();
            while go.try_recv().is_err() {
                let got = socket
                    .collect_lean("event", WRITES, Duration::from_millis(200))
                    .await;
                events.extend(got);
            }
            let rest = WRITES.saturating_sub(events.len());
            events.extend(
                socket
                    .collect_lean("event", rest, Duration::from_secs(30))
                    .await,
            );
            events
                .iter()
                .map(|e| e["seq"].as_i64().expect("seq"))
                .collect::<Vec<i64>>()
        }));
    }
    let mut acked = 0;
    while acked < CROWD {
        let ack = tokio::time::timeout(Duration::from_secs(60), joined_rx.recv())
            .await
            .expect("joins keep being acknowledged")
            .expect("a member reports its join");
        assert_eq!(ack["ok"], true, "{ack}");
        acked += 1;
    }
    assert_eq!(acked, CROWD, "every join is acknowledged");
    assert_eq!(s.realtime().followers(p.parse().expect("id")), CROWD);
    go_tx.send(()).expect("go");
    for i in 0..WRITES {
        admin
            .post(&at(&p, "/tasks"), &json!({"title": format!("crowd {i}")}))
            .await
            .data();
    }
    let expected: Vec<i64> = common::load::all_events(&admin, &p)
        .await
        .iter()
        .rev()
        .take(WRITES)
        .rev()
        .map(|e| e["seq"].as_i64().expect("seq"))
        .collect();
    for member in members {
        let seqs = member.await.expect("member");
        assert_eq!(seqs, expected, "every socket receives every later event");
    }
}

/// A follower whose live events jump ahead (the bus lost some) is refilled from the log
/// before anything newer: it sees every sequence once, in order.
async fn lost_bus_events_are_refilled(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Gaps").await;
    let mut socket = Socket::with_token(&s.base, &admin.access_token().expect("token")).await;
    let joined = socket.call("join", json!({"projectId": p})).await;
    let from = joined["seq"].as_i64().expect("seq");
    admin
        .post(&at(&p, "/tasks"), &json!({"title": "seen live"}))
        .await
        .data();
    let mut seen = seqs_until(&mut socket, "task.created").await;
    s.realtime().lose_next_bus_events(2);
    for title in ["lost 1", "lost 2", "the next"] {
        admin
            .post(&at(&p, "/tasks"), &json!({"title": title}))
            .await
            .data();
    }
    let total = common::load::all_events(&admin, &p).await.len() as i64;
    let rest = socket
        .collect("event", (total - from) as usize - seen.len(), WAIT)
        .await;
    assert!(
        rest.iter().all(|e| e["payload"]["content"].is_string()),
        "refilled events look like live ones: {rest:?}"
    );
    seen.extend(rest.iter().map(|e| e["seq"].as_i64().expect("seq")));
    assert_eq!(seen, ((from + 1)..=total).collect::<Vec<_>>());
    assert!(
        socket
            .collect("event", 1, Duration::from_millis(300))
            .await
            .is_empty(),
        "no duplicates"
    );
}

/// Writes tasks until one written now reaches `socket` (the bus reconnects on its own
/// schedule); returns the sequences received meanwhile.
async fn write_until_delivered(
    admin: &common::Client,
    p: &str,
    socket: &mut Socket,
    label: &str,
) -> Vec<i64> {
    let mut seqs = Vec::new();
    for i in 0..20 {
        let wanted = format!("{label} {i}");
        admin
            .post(&at(p, "/tasks"), &json!({"title": wanted}))
            .await
            .data();
        let got = socket
            .collect("event", usize::MAX, Duration::from_secs(3))
            .await;
        seqs.extend(got.iter().map(|e| e["seq"].as_i64().expect("seq")));
        if got
            .iter()
            .any(|e| title(e).as_deref() == Some(wanted.as_str()))
        {
            return seqs;
        }
    }
    panic!("nothing written {label} arrived: {seqs:?}");
}

/// Valkey goes down under a joined client and comes back, then only the subscriber
/// connections drop: events written meanwhile commit, but some publishes reach no subscriber
/// (while Valkey is down the client library queues them; after a dropped subscriber they are
/// lost for sure). The next event delivered reveals the gap, and the client is refilled from
/// the log: it sees every sequence exactly once, in order.
async fn valkey_outage_is_refilled(b: Backend) {
    if b == Backend::Sqlite {
        return; // no Valkey to lose; `lost_bus_events_are_refilled` covers the gap
    }
    let mut redis = common::redis::PrivateRedis::start().await;
    let url = redis.url();
    let Some(s) = TestServer::start_with(b, &[("VALKEY_URL", url.as_str())]).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Outage").await;
    let mut socket = Socket::with_token(&s.base, &admin.access_token().expect("token")).await;
    let joined = socket.call("join", json!({"projectId": p})).await;
    let from = joined["seq"].as_i64().expect("seq");
    admin
        .post(&at(&p, "/tasks"), &json!({"title": "before the outage"}))
        .await
        .data();
    let mut seen = seqs_until(&mut socket, "task.created").await;

    redis.kill().await;
    for i in 0..5 {
        let r = admin
            .post(&at(&p, "/tasks"), &json!({"title": format!("during {i}")}))
            .await;
        assert_eq!(r.status, 201, "writes go on without the bus: {r:?}");
    }
    redis.restart().await;
    seen.extend(write_until_delivered(&admin, &p, &mut socket, "after the restart").await);

    // The subscriber connection alone drops (the commands connection stays up): events
    // published before it has resubscribed reach no node, and nothing tells the hub.
    for i in 0..5 {
        redis.drop_subscribers().await;
        admin
            .post(&at(&p, "/tasks"), &json!({"title": format!("unheard {i}")}))
            .await
            .data();
    }
    seen.extend(write_until_delivered(&admin, &p, &mut socket, "heard again").await);
    let total = common::load::all_events(&admin, &p).await.len() as i64;
    seen.extend(
        socket
            .collect("event", usize::MAX, Duration::from_millis(500))
            .await
            .iter()
            .map(|e| e["seq"].as_i64().expect("seq")),
    );
    assert_eq!(seen, ((from + 1)..=total).collect::<Vec<_>>());
    drop(s);
    redis.kill().await;
}

on_both_backends!(
    access_is_revoked_when_membership_or_role_changes,
    access_is_revoked_on_every_node,
    disabled_user_stops_receiving,
    deleted_user_stops_receiving_on_every_node,
    notifications_stay_private,
    a_crowd_follows_one_project,
    lost_bus_events_are_refilled,
    valkey_outage_is_refilled,
);

on_both_backends!(
    event_families_are_routed,
    slow_consumer_is_cut_off_and_resumes,
    stripped_gateway_path,
    presence_comes_and_goes,
    sockets_end_with_their_credential,
    handshake_auth,
    join_permissions_and_live_events,
    notifications_reach_their_user,
    resume_after_disconnects_during_writes,
    two_nodes_deliver_through_valkey,
);
