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
    let here = b_socket.collect("presence", 1, WAIT).await;
    assert_eq!(
        here.first().and_then(|x| x["username"].as_str()),
        Some("admin"),
        "the newcomer sees who is here"
    );
    let arrived = a.collect("presence", 1, WAIT).await;
    assert_eq!(
        (
            arrived[0]["username"].as_str(),
            arrived[0]["state"].as_str()
        ),
        (Some("bob"), Some("here"))
    );

    b_socket
        .emit(
            "presence",
            json!({"projectId": p, "taskId": task, "editing": true}),
        )
        .await;
    let editing = a.collect("presence", 1, WAIT).await;
    assert_eq!(
        (
            editing[0]["task_id"].clone(),
            editing[0]["editing"].as_bool()
        ),
        (task.clone(), Some(true))
    );
    // Bob opens a second tab before closing the first.
    let mut b_tab = Socket::with_token(&s.base, &bob.access_token().expect("token")).await;
    let joined = b_tab.call("join", json!({"projectId": p})).await;
    assert_eq!(joined["ok"], true, "{joined}");
    let second = a.collect("presence", 1, WAIT).await;
    assert_eq!(second[0]["username"].as_str(), Some("bob"));
    assert_ne!(
        second[0]["socket_id"], arrived[0]["socket_id"],
        "one entry per socket"
    );

    b_socket.close().await;
    let gone = a.collect("presence", 1, WAIT).await;
    assert_eq!(
        (gone[0]["username"].as_str(), gone[0]["state"].as_str()),
        (Some("bob"), Some("gone"))
    );
    // Presence is per socket: what left is the tab that closed; the other tab is still here.
    assert!(arrived[0]["socket_id"].is_string(), "{}", arrived[0]);
    assert_eq!(gone[0]["socket_id"], arrived[0]["socket_id"]);
    let mut newcomer = Socket::with_token(&s.base, &admin.access_token().expect("token")).await;
    let joined = newcomer.call("join", json!({"projectId": p})).await;
    assert_eq!(joined["ok"], true, "{joined}");
    let present: Vec<Value> = newcomer
        .collect("presence", 2, Duration::from_secs(2))
        .await;
    let bobs: Vec<&Value> = present
        .iter()
        .filter(|x| x["username"] == "bob")
        .map(|x| &x["socket_id"])
        .collect();
    assert_eq!(bobs, [&second[0]["socket_id"]], "{present:?}");
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
