//! The local runtime running the scripted agent for real: limits, health, a conversation's
//! events over the WebSocket, a hang reclaimed by stop, a crash noticed, recovery of what
//! an earlier runtime started, and containment: a detached grandchild dies with its sandbox,
//! and SANDBOX_PIDS holds for root, with each containment this machine offers on its own.

use corral_actors::sandbox::{AgentProgram, SandboxLimits, SandboxRuntime, SandboxSpec};
use corral_sandbox::containment::{Containment, running_as_root};
use corral_sandbox::{AgentClient, LocalConfig, LocalRuntime, StartConversation};
use serde_json::Value;
use std::time::Duration;

fn local_config(root: &std::path::Path, max: usize) -> LocalConfig {
    LocalConfig {
        root: root.to_owned(),
        scripted: vec![env!("CARGO_BIN_EXE_corral-scripted-agent").to_owned()],
        openhands: None,
        max_sandboxes: max,
    }
}

fn runtime(root: &std::path::Path, max: usize) -> LocalRuntime {
    LocalRuntime::new(local_config(root, max))
}

fn spec() -> SandboxSpec {
    SandboxSpec {
        conversation_id: uuid::Uuid::new_v4(),
        program: AgentProgram::Scripted,
        env: [("GREETING".to_owned(), "hello".to_owned())].into(),
        limits: SandboxLimits {
            cpu_millis: 500,
            memory_bytes: 1 << 30,
            pids: 256,
            lifetime: Duration::from_secs(60),
        },
    }
}

fn root() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("corral-sandboxes-{}", uuid::Uuid::new_v4()))
}

async fn started(
    script: &str,
) -> (
    LocalRuntime,
    corral_actors::sandbox::Sandbox,
    AgentClient,
    String,
    std::path::PathBuf,
) {
    let root = root();
    started_in(runtime(&root, 4), spec(), script, root).await
}

async fn started_in(
    rt: LocalRuntime,
    spec: SandboxSpec,
    script: &str,
    root: std::path::PathBuf,
) -> (
    LocalRuntime,
    corral_actors::sandbox::Sandbox,
    AgentClient,
    String,
    std::path::PathBuf,
) {
    let sandbox = rt.start(&spec).await.expect("start");
    let client = AgentClient::new(&sandbox.endpoint, None);
    client
        .wait_healthy(Duration::from_secs(30))
        .await
        .expect("healthy");
    let id = client
        .create_conversation(&StartConversation {
            model: "script".into(),
            system_prompt: script.into(),
            max_iterations: 50,
            ..StartConversation::default()
        })
        .await
        .expect("conversation");
    (rt, sandbox, client, id, root)
}

/// Collects events until one whose `execution_status` update is `wanted`.
async fn until_status(
    events: &mut tokio::sync::mpsc::Receiver<Result<Value, corral_sandbox::ClientError>>,
    wanted: &str,
) -> Vec<Value> {
    let mut got = Vec::new();
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .expect("events in time")
            .expect("stream open")
            .expect("event");
        let done = event["key"] == "execution_status" && event["value"] == wanted;
        got.push(event);
        if done {
            return got;
        }
    }
}

#[tokio::test]
async fn a_script_plays_and_streams_its_events() {
    let (rt, sandbox, client, id, root) = started("events 3\nsleep 10").await;
    // Limits are those of the spec.
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", sandbox.id)).expect("limits");
    let address = limits
        .lines()
        .find(|l| l.starts_with("Max address space"))
        .expect("address space line");
    assert!(address.contains(&(1u64 << 30).to_string()), "{address}");
    assert!(
        limits
            .lines()
            .any(|l| l.starts_with("Max cpu time") && l.contains(" 30 ")),
        "cpu seconds = 0.5 core × 60 s: {limits}"
    );
    // Only the agent's environment, and its own working directory.
    let environ = std::fs::read(format!("/proc/{}/environ", sandbox.id)).expect("environ");
    let environ = String::from_utf8_lossy(&environ);
    assert!(environ.contains("GREETING=hello") && !environ.contains("CARGO"));

    let mut events = client.subscribe(&id, Duration::from_secs(2));
    client.send_message(&id, "go", true).await.expect("message");
    let got = until_status(&mut events, "finished").await;
    let kinds: Vec<&str> = got.iter().filter_map(|e| e["kind"].as_str()).collect();
    let messages = kinds.iter().filter(|k| **k == "MessageEvent").count();
    assert_eq!(
        messages,
        1 + 3 + 1,
        "the user's, three, and done: {kinds:?}"
    );
    assert_eq!(kinds.iter().filter(|k| **k == "ActionEvent").count(), 2);
    assert_eq!(client.status(&id).await.expect("status"), "finished");
    // The REST history is the same events, in the same order.
    let history = client.events(&id).await.expect("history");
    let ids = |v: &[Value]| v.iter().map(|e| e["id"].clone()).collect::<Vec<_>>();
    assert_eq!(ids(&history), ids(&got));

    rt.stop(&sandbox).await.expect("stop");
    assert!(!rt.alive(&sandbox).await);
    assert!(!root.join(sandbox.conversation_id.to_string()).exists());
    rt.stop(&sandbox).await.expect("stopping twice is fine");
    let _ = std::fs::remove_dir_all(root);
}

#[tokio::test]
async fn a_hang_is_reclaimed_and_a_crash_is_noticed() {
    let (rt, sandbox, client, id, root) = started("hang").await;
    client.send_message(&id, "go", true).await.expect("message");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(client.status(&id).await.expect("status"), "running");
    client.pause(&id).await.expect("pause");
    assert_eq!(client.status(&id).await.expect("status"), "paused");
    rt.stop(&sandbox).await.expect("stop");
    assert!(!rt.alive(&sandbox).await);
    assert!(!client.healthy().await, "the process group is gone");

    let (rt2, crashing, client, id, root2) = started("events 1\ncrash").await;
    client.send_message(&id, "go", true).await.expect("message");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while rt2.alive(&crashing).await {
        assert!(tokio::time::Instant::now() < deadline, "crash not noticed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    rt2.stop(&crashing).await.expect("reclaim");
    for r in [root, root2] {
        let _ = std::fs::remove_dir_all(r);
    }
}

#[tokio::test]
async fn limits_on_count_and_recovery_after_a_restart() {
    let root = root();
    let rt = runtime(&root, 1);
    let first = rt.start(&spec()).await.expect("start");
    match rt.start(&spec()).await {
        Err(corral_actors::sandbox::SandboxError::Exhausted(_)) => {}
        other => panic!("a second sandbox past the limit: {other:?}"),
    }
    // A new runtime on the same directory (a restarted server) finds and reclaims it.
    let again = runtime(&root, 1);
    let found = again.list().await.expect("list");
    assert_eq!(found, vec![first.clone()]);
    assert!(again.alive(&first).await);
    again.stop(&first).await.expect("stop");
    let gone = tokio::time::Instant::now() + Duration::from_secs(5);
    while rt.alive(&first).await {
        assert!(tokio::time::Instant::now() < gone, "still running");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(again.list().await.expect("list").is_empty());
    let _ = std::fs::remove_dir_all(root);
}

/// Processes on this machine running `sleep <marker>`.
fn processes_with(marker: &str) -> usize {
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

/// Waits until `n` processes run `sleep <marker>`.
async fn until_running(marker: &str, n: usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while processes_with(marker) != n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} sleeps, wanted {n}",
            processes_with(marker)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits for the observation of the script's first instruction (a `shell`).
async fn until_shell_done(
    events: &mut tokio::sync::mpsc::Receiver<Result<Value, corral_sandbox::ClientError>>,
) -> String {
    loop {
        let event = tokio::time::timeout(Duration::from_secs(20), events.recv())
            .await
            .expect("events in time")
            .expect("stream open")
            .expect("event");
        if event["kind"] == "ObservationEvent" {
            return event["observation"]["content"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
        }
    }
}

/// Each way of containing a sandbox this machine offers, alone and together.
fn containments() -> Vec<(&'static str, Containment)> {
    let found = Containment::detect();
    assert!(
        found.namespace.is_some() || found.pids_cgroup.is_some(),
        "neither PID namespaces nor a pids cgroup here: {:?}",
        found.missing
    );
    let mut all = vec![("as detected", found.clone())];
    if found.namespace.is_some() && found.pids_cgroup.is_some() {
        all.push((
            "PID namespace alone",
            Containment {
                pids_cgroup: None,
                ..found.clone()
            },
        ));
        all.push((
            "pids cgroup alone",
            Containment {
                namespace: None,
                ..found
            },
        ));
    }
    all
}

#[tokio::test]
async fn a_detached_grandchild_dies_with_its_sandbox() {
    for (how, containment) in containments() {
        let root = root();
        let rt = LocalRuntime::with_containment(local_config(&root, 4), containment);
        let sleep = marker();
        // A double fork into a new session: out of the agent's process group and parentage.
        let script = format!("shell setsid sh -c 'sleep {sleep} &'\nhang");
        let (rt, sandbox, client, id, root) = started_in(rt, spec(), &script, root).await;
        let mut events = client.subscribe(&id, Duration::from_secs(2));
        client.send_message(&id, "go", true).await.expect("message");
        let outcome = until_shell_done(&mut events).await;
        assert!(outcome.contains("exited"), "{how}: {outcome}");
        until_running(&sleep, 1).await;

        rt.stop(&sandbox).await.expect("stop");
        assert_eq!(
            processes_with(&sleep),
            0,
            "{how}: the sleep survived its sandbox"
        );
        assert!(!rt.alive(&sandbox).await);
        let _ = std::fs::remove_dir_all(root);
    }
}

#[tokio::test]
async fn sandbox_pids_hold_for_root() {
    if !running_as_root() {
        // Without root RLIMIT_NPROC applies (to the whole user); this is about root.
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI runs as root"
        );
        eprintln!("skipped: not running as root");
        return;
    }
    const PIDS: u32 = 24;
    const FORKS: u32 = 60;
    for (how, containment) in containments() {
        let watchdog = containment.pids_cgroup.is_none();
        let root = root();
        let rt = LocalRuntime::with_containment(local_config(&root, 4), containment);
        let mut limited = spec();
        limited.limits.pids = PIDS;
        let sleep = marker();
        let script = format!(
            "shell i=0; while [ $i -lt {FORKS} ]; do sleep {sleep} & i=$((i+1)); done\nhang"
        );
        let (rt, sandbox, client, id, root) = started_in(rt, limited, &script, root).await;
        let mut events = client.subscribe(&id, Duration::from_secs(2));
        client.send_message(&id, "go", true).await.expect("message");
        if watchdog {
            // Counted after the fact: the sandbox is killed, and everything in it.
            let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
            while rt.alive(&sandbox).await {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "{how}: {} sleeps and the sandbox still runs",
                    processes_with(&sleep)
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        } else {
            // The kernel refuses the forks past the limit; the sandbox goes on.
            let outcome = until_shell_done(&mut events).await;
            let running = processes_with(&sleep);
            assert!(
                (1..PIDS as usize).contains(&running),
                "{how}: {running} of {FORKS} sleeps run under SANDBOX_PIDS={PIDS} ({outcome})"
            );
            assert!(rt.alive(&sandbox).await, "{how}: limited, not killed");
        }
        rt.stop(&sandbox).await.expect("stop");
        assert_eq!(processes_with(&sleep), 0, "{how}: every sleep is gone");
        let _ = std::fs::remove_dir_all(root);
    }
}
