//! The local runtime running the scripted agent for real: limits, health, a conversation's
//! events over the WebSocket, a hang reclaimed by stop, a crash noticed, and recovery of what
//! an earlier runtime started.

use corral_actors::sandbox::{AgentProgram, SandboxLimits, SandboxRuntime, SandboxSpec};
use corral_sandbox::{AgentClient, LocalConfig, LocalRuntime, StartConversation};
use serde_json::Value;
use std::time::Duration;

fn runtime(root: &std::path::Path, max: usize) -> LocalRuntime {
    LocalRuntime::new(LocalConfig {
        root: root.to_owned(),
        scripted: vec![env!("CARGO_BIN_EXE_corral-scripted-agent").to_owned()],
        openhands: None,
        max_sandboxes: max,
    })
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
    let rt = runtime(&root, 4);
    let sandbox = rt.start(&spec()).await.expect("start");
    let client = AgentClient::new(&sandbox.endpoint, None);
    client
        .wait_healthy(Duration::from_secs(10))
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
