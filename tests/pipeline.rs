//! The durable event pipeline (ARCHITECTURE §3.4) under faults: the process dies between a
//! commit and the relay, a consumer keeps failing, a node dies holding stream entries. Every
//! event reaches every consumer once in effect, whatever happens.
//!
//! These tests run the `corral` binary as a child process so it can die for real; the fault
//! points (`CORRAL_FAULT`, `CORRAL_TEST_FAILING_CONSUMER`) exist only in debug builds.

mod common;

use common::process::{Services, spawn};
use common::{ADMIN, ADMIN_PASSWORD, Backend, Client, at, project};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::process::Child;
use std::sync::Arc;
use std::time::Duration;

const ENCRYPTION_KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

/// The environment of a spawned node: its own data directory, quick sweeps, and sandboxes
/// that fail at once (the tests count conversations, they do not need them to run).
fn node_env(dir: &std::path::Path, backend: &[(String, String)]) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = [
        ("PORT", "0"),
        ("ADMIN_PASSWORD", ADMIN_PASSWORD),
        ("JWT_SECRET", "pipeline-test-secret-0123456789abcdef"),
        ("ENCRYPTION_KEY", ENCRYPTION_KEY),
        ("RUST_LOG", "warn"),
        ("RELAY_SWEEP", "200ms"),
        ("CONSUMER_SWEEP", "1s"),
        ("CONSUMER_BACKOFF", "10ms"),
        ("SANDBOX_SCRIPTED_COMMAND", "/bin/false"),
        ("AGENT_HEALTH_TIMEOUT", "2s"),
        ("AGENT_MAX_RUNNING", "40"),
        ("AGENT_MAX_PER_PROJECT", "40"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    env.push(("DATA_DIR".into(), dir.display().to_string()));
    env.extend(backend.iter().cloned());
    env
}

fn with(mut env: Vec<(String, String)>, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    for (k, v) in changes {
        env.retain(|(key, _)| key != k);
        env.push(((*k).to_owned(), (*v).to_owned()));
    }
    env
}

fn scratch_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("corral-pipeline-{}", uuid::Uuid::new_v4()))
}

async fn admin_of(base: &str) -> Client {
    let admin = Client::new(base);
    admin.login_ok(ADMIN, ADMIN_PASSWORD).await;
    admin
}

/// A scripted agent's member id.
async fn agent_member(admin: &Client, p: &str) -> Value {
    let (agent, _) = common::agents::scripted_agent(admin, p, "Bot", "events 1", 5).await;
    admin.get(&at(p, &format!("/agents/{agent}"))).await.data()["member_id"].clone()
}

async fn new_task(admin: &Client, p: &str, n: usize) -> String {
    let r = admin
        .post(&at(p, "/tasks"), &json!({"title": format!("task {n}")}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.data()["id"].as_str().expect("task id").to_owned()
}

/// A data directory and a node environment with the test-only `test-failing` consumer, which
/// fails on agent triggers while the returned marker file exists; `changes` on top.
fn failing_consumer_env(
    backend: &[(String, String)],
    changes: &[(&str, &str)],
) -> (
    std::path::PathBuf,
    std::path::PathBuf,
    Vec<(String, String)>,
) {
    let dir = scratch_dir();
    std::fs::create_dir_all(&dir).expect("dir");
    let failing = dir.join("fail");
    std::fs::write(&failing, b"").expect("fail marker");
    let marker = format!("agent.triggered:{}", failing.display());
    let env = with(
        with(
            node_env(&dir, backend),
            &[("CORRAL_TEST_FAILING_CONSUMER", &marker)],
        ),
        changes,
    );
    (dir, failing, env)
}

/// Creates `n` tasks and assigns each to `member` (one agent trigger each), one at a time.
async fn assign_new_tasks(admin: &Client, p: &str, member: &Value, n: usize) -> Vec<String> {
    let mut tasks = Vec::new();
    for i in 0..n {
        let t = new_task(admin, p, i).await;
        let r = admin
            .patch(
                &at(p, &format!("/tasks/{t}")),
                &json!({"assignee_ids": [member]}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        tasks.push(t);
    }
    tasks
}

/// Every conversation of the project (all pages).
async fn all_conversations(admin: &Client, p: &str) -> Vec<Value> {
    let mut out = Vec::new();
    loop {
        let r = admin
            .get(&at(
                p,
                &format!("/conversations?offset={}&limit=100", out.len()),
            ))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let items = r.data()["items"].as_array().cloned().unwrap_or_default();
        if items.is_empty() {
            return out;
        }
        out.extend(items);
    }
}

/// Waits until the project has at least `n` conversations, then a little longer for any
/// duplicate to show, and returns them all.
async fn settle_conversations(admin: &Client, p: &str, n: usize) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let total = admin.get(&at(p, "/conversations?limit=1")).await.data()["total"]
            .as_u64()
            .unwrap_or_default() as usize;
        if total >= n {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{total} of {n} conversations"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Two relay and consumer sweeps: a duplicate would have appeared by now.
    tokio::time::sleep(Duration::from_secs(3)).await;
    all_conversations(admin, p).await
}

async fn consumer(admin: &Client, name: &str) -> Value {
    let r = admin.get("/api/v1/admin/consumers").await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.data()
        .as_array()
        .and_then(|all| all.iter().find(|c| c["name"] == name))
        .cloned()
        .unwrap_or_else(|| panic!("no consumer {name}: {}", r.body))
}

/// Waits for a process a fault point aborts.
async fn assert_died(mut child: Child, why: &str) {
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .expect("join")
        .expect("wait");
    assert!(!status.success(), "{why}");
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// The process aborts right after committing a batch of assignments to an agent (before its
/// callers hear back, before the events are published or relayed). After a restart, every
/// assignment that was committed starts exactly one conversation: 200 assignments, 200
/// conversations.
async fn a_crash_between_commit_and_relay_loses_no_trigger(b: Backend) {
    const TASKS: usize = 200;
    let Some((services, backend_env)) = Services::start(b).await else {
        return;
    };
    let dir = scratch_dir();
    let env = node_env(&dir, &backend_env);
    let faulty = with(
        env.clone(),
        &[("CORRAL_FAULT", "abort-after-commit:agent.triggered:6")],
    );
    let (server, base) = spawn(&faulty, &[]).await;
    let admin = Arc::new(admin_of(&base).await);
    let p = project(&admin, "Relay").await;
    let member = agent_member(&admin, &p).await;
    let mut tasks = Vec::new();
    for n in 0..TASKS {
        tasks.push(new_task(&admin, &p, n).await);
    }
    // Twenty editors assign the tasks to the agent at once, so batches carry several triggers;
    // the sixth such batch kills the process.
    let workers: Vec<_> = tasks
        .chunks(TASKS / 20)
        .map(|chunk| {
            let (admin, p, member, chunk) =
                (admin.clone(), p.clone(), member.clone(), chunk.to_vec());
            tokio::spawn(async move {
                for t in chunk {
                    let body =
                        serde_json::to_vec(&json!({"assignee_ids": [member]})).expect("json");
                    if admin
                        .try_send("PATCH", &at(&p, &format!("/tasks/{t}")), Some(body))
                        .await
                        .is_none()
                    {
                        return;
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.await.expect("worker");
    }
    assert_died(server, "the fault point killed the process").await;

    let (restarted, base) = spawn(&env, &[]).await;
    let admin = admin_of(&base).await;
    let mut assigned_after = 0;
    for t in &tasks {
        let got = admin.get(&at(&p, &format!("/tasks/{t}"))).await;
        let assignees = got.data()["assignee_ids"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if !assignees.contains(&member) {
            assigned_after += 1;
            let r = admin
                .patch(
                    &at(&p, &format!("/tasks/{t}")),
                    &json!({"assignee_ids": [member]}),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
    }
    assert!(
        assigned_after < TASKS,
        "some assignments were committed before the crash"
    );
    let conversations = settle_conversations(&admin, &p, TASKS).await;
    let triggered: HashSet<&str> = conversations
        .iter()
        .filter_map(|c| c["task_id"].as_str())
        .collect();
    assert_eq!(
        conversations.len(),
        TASKS,
        "one conversation per assignment, not more"
    );
    assert_eq!(triggered.len(), TASKS, "every task triggered once");
    let agent_triggers = consumer(&admin, "agent-triggers").await;
    assert_eq!(agent_triggers["dead_letters"], 0, "{agent_triggers}");

    stop(restarted);
    let _ = std::fs::remove_dir_all(&dir);
    services.cleanup().await;
}

/// A consumer that keeps failing retries with back-off, then sends the event to its
/// dead-letter stream; the other consumers are not held up. A dead letter can be listed,
/// replayed (once the cause is gone) and discarded, by an administrator only.
async fn a_failing_consumer_dead_letters_without_holding_up_others(b: Backend) {
    let Some((services, backend_env)) = Services::start(b).await else {
        return;
    };
    let (dir, failing, env) = failing_consumer_env(&backend_env, &[("CONSUMER_MAX_ATTEMPTS", "3")]);
    let (server, base) = spawn(&env, &[]).await;
    let admin = admin_of(&base).await;
    let p = project(&admin, "Poison").await;
    let member = agent_member(&admin, &p).await;
    assign_new_tasks(&admin, &p, &member, 3).await;
    assert_eq!(settle_conversations(&admin, &p, 3).await.len(), 3);

    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let failing_status = loop {
        let status = consumer(&admin, "test-failing").await;
        if status["dead_letters"] == 3 && status["lag"] == 0 {
            break status;
        }
        assert!(tokio::time::Instant::now() < deadline, "{status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(failing_status["retries"], 6, "two retries per event");
    assert_eq!(failing_status["dead_lettered"], 3);
    assert_eq!(failing_status["pending"], 0, "{failing_status}");
    let agents = consumer(&admin, "agent-triggers").await;
    assert_eq!(agents["dead_letters"], 0, "{agents}");
    assert_eq!(agents["lag"], 0, "{agents}");

    let letters = admin
        .get("/api/v1/admin/consumers/test-failing/dead-letters")
        .await;
    assert_eq!(letters.status, 200, "{}", letters.body);
    let letters = letters.data().as_array().cloned().expect("list");
    assert_eq!(letters.len(), 3);
    for letter in &letters {
        assert_eq!(letter["event_type"], "agent.triggered");
        assert_eq!(letter["project_id"], p.as_str());
        assert_eq!(letter["attempts"], 3);
        assert!(
            letter["error"]
                .as_str()
                .is_some_and(|e| e.contains("injected failure")),
            "{letter}"
        );
    }
    let path = |id: &Value, tail: &str| {
        format!(
            "/api/v1/admin/consumers/test-failing/dead-letters/{}{tail}",
            id.as_str().expect("id")
        )
    };

    // Still failing: the replay says so and the dead letter stays.
    admin
        .post(&path(&letters[0]["id"], "/replay"), &json!({}))
        .await
        .assert_error(409, "CONSUMER_REPLAY_FAILED");
    // Errors: unknown consumer, unknown or malformed entry, a user without the permission.
    admin
        .get("/api/v1/admin/consumers/nope/dead-letters")
        .await
        .assert_error(404, "CONSUMER_NOT_FOUND");
    admin
        .post(
            "/api/v1/admin/consumers/test-failing/dead-letters/1-1/replay",
            &json!({}),
        )
        .await
        .assert_error(404, "CONSUMER_DEAD_LETTER_NOT_FOUND");
    admin
        .delete("/api/v1/admin/consumers/test-failing/dead-letters/not-an-id")
        .await
        .assert_error(404, "CONSUMER_DEAD_LETTER_NOT_FOUND");
    let created = admin
        .post(
            "/api/v1/admin/users",
            &json!({"username": "operator", "password": "temporary-pw",
                    "full_name": "Operator", "role": "ADMIN"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let operator = Client::new(&base);
    operator.login_ok("operator", "temporary-pw").await;
    let changed = operator
        .patch(
            "/api/v1/users/me/password",
            &json!({"current_password": "temporary-pw", "new_password": "operator-password-1"}),
        )
        .await;
    assert_eq!(changed.status, 204, "{}", changed.body);
    operator.login_ok("operator", "operator-password-1").await;
    operator
        .get("/api/v1/admin/consumers")
        .await
        .assert_error(403, "FORBIDDEN");
    operator
        .post(&path(&letters[0]["id"], "/replay"), &json!({}))
        .await
        .assert_error(403, "FORBIDDEN");

    // The cause is gone: a replay handles the event and removes the dead letter; a discard
    // removes one without handling it.
    std::fs::remove_file(&failing).expect("remove marker");
    let replayed = admin
        .post(&path(&letters[0]["id"], "/replay"), &json!({}))
        .await;
    assert_eq!(replayed.status, 200, "{}", replayed.body);
    let discarded = admin.delete(&path(&letters[1]["id"], "")).await;
    assert_eq!(discarded.status, 200, "{}", discarded.body);
    let left = admin
        .get("/api/v1/admin/consumers/test-failing/dead-letters")
        .await;
    let left: Vec<&str> = left
        .data()
        .as_array()
        .map(|all| all.iter().filter_map(|l| l["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(left, vec![letters[2]["id"].as_str().expect("id")]);
    assert_eq!(consumer(&admin, "test-failing").await["dead_letters"], 1);

    stop(server);
    let _ = std::fs::remove_dir_all(&dir);
    services.cleanup().await;
}

/// Two nodes on PostgreSQL + Valkey: the first dies while its consumer holds an agent trigger
/// it read from the stream and did not acknowledge; the second claims the entry once it has
/// been idle long enough and starts the conversation (its log sweep is off, so only the claim
/// can have done it).
async fn a_dead_nodes_pending_entries_are_claimed(b: Backend) {
    if b == Backend::Sqlite {
        return; // one node per SQLite file
    }
    let Some((services, backend_env)) = Services::start(b).await else {
        return;
    };
    let (dir_a, dir_b) = (scratch_dir(), scratch_dir());
    let node_a = with(
        node_env(&dir_a, &backend_env),
        &[(
            "CORRAL_FAULT",
            "abort-in-consumer:agent-triggers:agent.triggered",
        )],
    );
    let (a, base_a) = spawn(&node_a, &[]).await;
    let admin = admin_of(&base_a).await;
    let p = project(&admin, "Claimed").await;
    let member = agent_member(&admin, &p).await;
    let t = new_task(&admin, &p, 0).await;
    let body = serde_json::to_vec(&json!({"assignee_ids": [member]})).expect("json");
    let _ = admin
        .try_send("PATCH", &at(&p, &format!("/tasks/{t}")), Some(body))
        .await;
    assert_died(a, "node A died in its consumer").await;

    let node_b = with(
        node_env(&dir_b, &backend_env),
        &[("CONSUMER_CLAIM_IDLE", "1s"), ("CONSUMER_SWEEP", "1h")],
    );
    let (b_node, base_b) = spawn(&node_b, &[]).await;
    let admin = admin_of(&base_b).await;
    let conversations = settle_conversations(&admin, &p, 1).await;
    assert_eq!(conversations.len(), 1);
    assert_eq!(conversations[0]["task_id"], t.as_str());
    let status = consumer(&admin, "agent-triggers").await;
    assert!(
        status["reclaimed"].as_u64().unwrap_or_default() >= 1,
        "{status}"
    );
    assert_eq!(status["pending"], 0, "{status}");
    assert_eq!(status["lag"], 0, "{status}");

    stop(b_node);
    let _ = std::fs::remove_dir_all(&dir_a);
    let _ = std::fs::remove_dir_all(&dir_b);
    services.cleanup().await;
}

/// The stream is capped far below what one slow consumer has not read yet: the entries it
/// lost to trimming are read from the log instead, so it still handles every event once.
async fn a_trimmed_stream_loses_nothing_for_a_slow_consumer(b: Backend) {
    const TRIGGERS: usize = 8;
    let Some((services, backend_env)) = Services::start(b).await else {
        return;
    };
    let (dir, _failing, env) = failing_consumer_env(
        &backend_env,
        &[
            ("CONSUMER_MAX_ATTEMPTS", "2"),
            ("CONSUMER_BACKOFF", "300ms"),
            ("EVENT_STREAM_MAX_LEN", "3"),
        ],
    );
    let (server, base) = spawn(&env, &[]).await;
    let admin = admin_of(&base).await;
    let p = project(&admin, "Trimmed").await;
    let member = agent_member(&admin, &p).await;
    assign_new_tasks(&admin, &p, &member, TRIGGERS).await;
    assert_eq!(
        settle_conversations(&admin, &p, TRIGGERS).await.len(),
        TRIGGERS
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let slow = loop {
        let status = consumer(&admin, "test-failing").await;
        if status["lag"] == 0 && status["dead_letters"] == TRIGGERS {
            break status;
        }
        assert!(tokio::time::Instant::now() < deadline, "{status}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        slow["from_log"].as_u64().unwrap_or_default() > 0,
        "the slow consumer read what was trimmed from the log: {slow}"
    );
    assert_eq!(slow["dead_lettered"], TRIGGERS, "each trigger once: {slow}");

    stop(server);
    let _ = std::fs::remove_dir_all(&dir);
    services.cleanup().await;
}

/// Valkey goes away (and comes back empty, as a Valkey without persistence does) while
/// tasks are assigned to an agent: the writes commit without the bus, and once it is back the
/// relay and the consumer catch up from the log: every assignment gets exactly one
/// conversation.
async fn a_bus_outage_loses_no_trigger(b: Backend) {
    let Some((services, backend_env)) = Services::start(b).await else {
        return;
    };
    let mut redis = common::redis::PrivateRedis::start().await;
    let dir = scratch_dir();
    let env = with(
        node_env(&dir, &backend_env),
        &[
            ("VALKEY_URL", redis.url().as_str()),
            ("CONSUMER_CLAIM_IDLE", "1s"),
        ],
    );
    let (server, base) = spawn(&env, &[]).await;
    let admin = admin_of(&base).await;
    let p = project(&admin, "Outage").await;
    let member = agent_member(&admin, &p).await;
    assign_new_tasks(&admin, &p, &member, 2).await;
    assert_eq!(settle_conversations(&admin, &p, 2).await.len(), 2);

    redis.kill().await;
    assign_new_tasks(&admin, &p, &member, 5).await;
    redis.restart().await;

    let conversations = settle_conversations(&admin, &p, 7).await;
    assert_eq!(conversations.len(), 7, "one conversation per assignment");
    let tasks: HashSet<&str> = conversations
        .iter()
        .filter_map(|c| c["task_id"].as_str())
        .collect();
    assert_eq!(tasks.len(), 7);

    stop(server);
    redis.kill().await;
    let _ = std::fs::remove_dir_all(&dir);
    services.cleanup().await;
}

on_both_backends!(
    a_bus_outage_loses_no_trigger,
    a_trimmed_stream_loses_nothing_for_a_slow_consumer,
    a_crash_between_commit_and_relay_loses_no_trigger,
    a_failing_consumer_dead_letters_without_holding_up_others,
    a_dead_nodes_pending_entries_are_claimed,
);
