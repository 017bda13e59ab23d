//! Local sandboxes contain their agents: a process an agent detaches (`setsid`, double fork)
//! dies when its conversation stops and when the server exits, `SANDBOX_PIDS` holds when Corral
//! runs as root, a conversation may store at most `AGENT_MAX_EVENTS` events, and an agent that
//! exits before it answers is started again.
//!
//! The scripted agent's `shell` instruction starts the processes; each test gives its `sleep`
//! a unique argument and looks for it in `/proc`.

mod common;

use common::{Backend, Client, TestServer, at, project};
use serde_json::{Value, json};
use std::time::Duration;

async fn agent(admin: &Client, p: &str, script: &str) -> String {
    common::agents::scripted_agent(admin, p, "Bot", script, 50)
        .await
        .0
}

/// Starts a "write with AI" conversation on a new task; its id.
async fn conversation(admin: &Client, p: &str, agent: &str) -> String {
    let task = admin
        .post(&at(p, "/tasks"), &json!({"title": "contained"}))
        .await
        .data()["id"]
        .as_str()
        .expect("task id")
        .to_owned();
    common::agents::write_with_ai(admin, p, &task, agent).await
}

async fn status(admin: &Client, p: &str, c: &str) -> Value {
    admin
        .get(&at(p, &format!("/conversations/{c}")))
        .await
        .data()
        .clone()
}

/// Polls the conversation until its status is one of `wanted`.
async fn until(admin: &Client, p: &str, c: &str, wanted: &[&str]) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let got = status(admin, p, c).await;
        if wanted.contains(&got["status"].as_str().unwrap_or_default()) {
            return got;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "wanted {wanted:?}: {got}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn events(admin: &Client, p: &str, c: &str) -> Value {
    admin
        .get(&at(p, &format!("/conversations/{c}/events?limit=200")))
        .await
        .data()
        .clone()
}

/// What the `shell` instruction observed, once the conversation has stored it.
async fn shell_outcome(admin: &Client, p: &str, c: &str) -> Option<String> {
    events(admin, p, c).await["items"]
        .as_array()?
        .iter()
        .find(|e| e["event_type"] == "ObservationEvent")
        .and_then(|e| e["payload"]["observation"]["content"].as_str())
        .map(str::to_owned)
}

/// Processes on this machine running `sleep <marker>`.
fn sleeping(marker: &str) -> usize {
    let wanted = format!("sleep\0{marker}\0");
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter(|e| std::fs::read(e.path().join("cmdline")).is_ok_and(|c| c == wanted.as_bytes()))
        .count()
}

/// A `sleep` argument no other process has: 600 seconds and a random fraction.
fn marker() -> String {
    format!("600.{}", uuid::Uuid::new_v4().as_u128() % 1_000_000_000_000)
}

/// Waits until one process runs `sleep <marker>`.
async fn until_sleeping(marker: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while sleeping(marker) != 1 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} processes run sleep {marker}",
            sleeping(marker)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A double-forked `sleep` in a new session outlives neither its conversation's stop nor the
/// server.
async fn a_detached_process_dies_with_its_sandbox(b: Backend) {
    let Some(mut s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Contained").await;

    let stopped = marker();
    let bot = agent(
        &admin,
        &p,
        &format!("shell setsid sh -c 'sleep {stopped} &'\nhang"),
    )
    .await;
    let c = conversation(&admin, &p, &bot).await;
    until_sleeping(&stopped).await;
    let stop = admin
        .post(&at(&p, &format!("/conversations/{c}/stop")), &json!({}))
        .await;
    assert_eq!(stop.status, 200, "{}", stop.body);
    assert_eq!(status(&admin, &p, &c).await["status"], "stopped");
    assert_eq!(sleeping(&stopped), 0, "the sleep survived the stop");

    let exited = marker();
    let bot = agent(
        &admin,
        &p,
        &format!("shell setsid sh -c 'sleep {exited} &'\nhang"),
    )
    .await;
    let c = conversation(&admin, &p, &bot).await;
    until_sleeping(&exited).await;
    s.restart(&[]).await;
    assert_eq!(sleeping(&exited), 0, "the sleep survived the server");
    let admin = s.admin().await;
    until(&admin, &p, &c, &["stopped", "failed"]).await;
}

/// An agent forking far past `SANDBOX_PIDS` gets no more processes than that, root or not:
/// the forks past it fail (a pids cgroup) or the sandbox is killed (the fallback watchdog).
async fn sandbox_pids_hold_for_root(b: Backend) {
    const PIDS: usize = 24;
    const FORKS: usize = 60;
    let root =
        std::fs::metadata("/proc/self").is_ok_and(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0);
    if !root {
        // Other users are bound by RLIMIT_NPROC (counted over all their processes).
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI runs as root"
        );
        return;
    }
    let Some(s) = TestServer::start_with(b, &[("SANDBOX_PIDS", &PIDS.to_string())]).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Forks").await;
    let sleep = marker();
    let bot = agent(
        &admin,
        &p,
        &format!("shell i=0; while [ $i -lt {FORKS} ]; do sleep {sleep} & i=$((i+1)); done\nhang"),
    )
    .await;
    let c = conversation(&admin, &p, &bot).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let now = status(&admin, &p, &c).await;
        if now["status"] == "failed" {
            // Killed by the watchdog, with everything it started.
            assert!(
                now["error_message"]
                    .as_str()
                    .is_some_and(|m| m.contains("sandbox")),
                "{now}"
            );
            assert_eq!(sleeping(&sleep), 0);
            return;
        }
        if let Some(outcome) = shell_outcome(&admin, &p, &c).await {
            let running = sleeping(&sleep);
            assert!(
                (1..PIDS).contains(&running),
                "{running} of {FORKS} sleeps run under SANDBOX_PIDS={PIDS} ({outcome})"
            );
            assert_eq!(status(&admin, &p, &c).await["status"], "running");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{now}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stop = admin
        .post(&at(&p, &format!("/conversations/{c}/stop")), &json!({}))
        .await;
    assert_eq!(stop.status, 200, "{}", stop.body);
    assert_eq!(sleeping(&sleep), 0, "every sleep is gone");
}

/// A conversation stores at most `AGENT_MAX_EVENTS` events; the next fails it with a reason.
async fn agent_max_events_caps_a_conversation(b: Backend) {
    const CAP: usize = 20;
    let Some(s) = TestServer::start_with(b, &[("AGENT_MAX_EVENTS", &CAP.to_string())]).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Chatty").await;

    // Under the cap a run finishes as usual.
    let quiet = agent(&admin, &p, "events 3").await;
    let c = conversation(&admin, &p, &quiet).await;
    let done = until(&admin, &p, &c, &["finished", "failed"]).await;
    assert_eq!(done["status"], "finished", "{done}");
    let stored = events(&admin, &p, &c).await["total"].as_u64();
    assert!(stored.is_some_and(|n| n < CAP as u64), "{stored:?}");

    let chatty = agent(&admin, &p, "events 100").await;
    let c = conversation(&admin, &p, &chatty).await;
    let failed = until(&admin, &p, &c, &["finished", "failed"]).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(
        failed["error_message"],
        format!("the conversation exceeded AGENT_MAX_EVENTS ({CAP}) events"),
        "{failed}"
    );
    let stored = events(&admin, &p, &c).await;
    assert_eq!(stored["total"], CAP, "exactly the cap is stored");
    let indexes: Vec<i64> = stored["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|e| e["event_index"].as_i64())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(indexes, (0..CAP as i64).collect::<Vec<_>>());
}

/// An agent that exits before it answers (its port was taken, say) is started again, and one
/// that keeps exiting fails its conversation at once instead of holding it `running` until the
/// health timeout.
async fn an_agent_that_exits_before_it_answers_is_restarted(b: Backend) {
    // The first start of each conversation exits; the next runs the scripted agent.
    let dir = std::env::temp_dir().join(format!("corral-starts-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let once = dir.join("fails-once.sh");
    let script = format!(
        "#!/bin/sh\nif [ ! -e '{marker}' ]; then : > '{marker}'; exit 1; fi\nexec {corral} scripted-agent \"$@\"\n",
        marker = dir.join("started").display(),
        corral = env!("CARGO_BIN_EXE_corral"),
    );
    std::fs::write(&once, script).expect("script");
    std::fs::set_permissions(&once, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let command = once.display().to_string();
    let Some(s) = TestServer::start_with(b, &[("SANDBOX_SCRIPTED_COMMAND", &command)]).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Restarts").await;
    let bot = agent(&admin, &p, "events 1").await;
    let c = conversation(&admin, &p, &bot).await;
    let done = until(&admin, &p, &c, &["finished", "failed"]).await;
    assert_eq!(done["status"], "finished", "{done}");
    assert!(dir.join("started").exists(), "the first start exited");

    let Some(s) = TestServer::start_with(b, &[("SANDBOX_SCRIPTED_COMMAND", "false")]).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Exits").await;
    let bot = agent(&admin, &p, "events 1").await;
    let c = conversation(&admin, &p, &bot).await;
    let failed = until(&admin, &p, &c, &["finished", "failed"]).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(
        failed["error_message"], "the agent exited before it answered, 3 times",
        "{failed}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// An agent event with a character no database stores is kept (with U+FFFD), and so is every
/// event stored beside it.
async fn an_agent_event_with_nul_is_stored(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Nul").await;
    let bot = agent(&admin, &p, "events 2\nnul\nevents 2").await;
    let c = conversation(&admin, &p, &bot).await;
    let done = until(&admin, &p, &c, &["finished", "failed"]).await;
    assert_eq!(done["status"], "finished", "{done}");
    let stored = events(&admin, &p, &c).await;
    let items = stored["items"].as_array().cloned().unwrap_or_default();
    let texts: Vec<&str> = items
        .iter()
        .filter_map(|e| e["payload"]["llm_message"]["content"][0]["text"].as_str())
        .collect();
    assert!(texts.contains(&"before\u{fffd}after"), "{texts:?}");
    for expected in ["event 0", "event 1", "done"] {
        assert!(texts.contains(&expected), "{expected} missing: {texts:?}");
    }
    let indexes: Vec<i64> = items
        .iter()
        .filter_map(|e| e["event_index"].as_i64())
        .collect();
    assert_eq!(
        indexes,
        (0..items.len() as i64).collect::<Vec<_>>(),
        "gapless"
    );
}

on_both_backends!(
    an_agent_event_with_nul_is_stored,
    a_detached_process_dies_with_its_sandbox,
    sandbox_pids_hold_for_root,
    agent_max_events_caps_a_conversation,
    an_agent_that_exits_before_it_answers_is_restarted,
);
