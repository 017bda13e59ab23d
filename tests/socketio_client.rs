//! The official `socket.io-client` for Node (installed from npm into tests/node) against
//! Corral, over websocket and long-polling: auth, join, live events, resume.

mod common;

use common::{Backend, TestServer, at, project};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;
use std::sync::Once;

fn node_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/node")
}

/// Installs the client from the lockfile once per test run if it is missing.
fn ensure_client() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        if node_dir().join("node_modules/socket.io-client").exists() {
            return;
        }
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(node_dir())
            .status()
            .expect("npm must be installed for the Socket.IO client tests");
        assert!(status.success(), "npm ci in tests/node failed");
    });
}

/// Runs the client to completion and returns the JSON lines it printed.
async fn run_client(args: Vec<String>) -> Vec<Value> {
    ensure_client();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(node_dir().join("client.mjs"))
            .args(args)
            .output()
            .expect("node must be installed for the Socket.IO client tests")
    })
    .await
    .expect("node");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

async fn official_client_over_both_transports(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Official").await;
    let token = admin.access_token().expect("token");
    for transport in ["websocket", "polling"] {
        let client = tokio::spawn(run_client(vec![
            s.base.clone(),
            token.clone(),
            p.clone(),
            transport.into(),
            "3".into(),
        ]));
        // Give it time to connect and join, then write.
        let mut joined = false;
        for _ in 0..50 {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            if s.realtime().followers(p.parse().expect("id")) > 0 {
                joined = true;
                break;
            }
        }
        assert!(joined, "{transport}: the client joined");
        for i in 0..3 {
            admin
                .post(
                    &at(&p, "/tasks"),
                    &json!({"title": format!("{transport} {i}")}),
                )
                .await;
        }
        let lines = client.await.expect("client");
        assert_eq!(lines[0]["joined"]["ok"], true, "{transport}: {lines:?}");
        let events: Vec<&Value> = lines.iter().filter_map(|l| l.get("event")).collect();
        assert_eq!(events.len(), 3, "{transport}: {lines:?}");
        assert!(events.iter().all(|e| e["type"] == "task.created"));
        let seqs: Vec<i64> = events.iter().filter_map(|e| e["seq"].as_i64()).collect();
        assert!(
            seqs.windows(2).all(|w| w[1] == w[0] + 1),
            "{transport}: consecutive {seqs:?}"
        );
    }
}

async fn official_client_refused_and_resuming(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Resume").await;
    let refused = run_client(vec![
        s.base.clone(),
        "not-a-token".into(),
        p.clone(),
        "websocket".into(),
        "0".into(),
    ])
    .await;
    assert!(
        refused[0]["connect_error"]
            .as_str()
            .is_some_and(|m| m.contains("invalid")),
        "{refused:?}"
    );
    for i in 0..4 {
        admin
            .post(&at(&p, "/tasks"), &json!({"title": format!("t{i}")}))
            .await;
    }
    // Events 1..=5 exist (project creation and four tasks); resume after 2.
    let token = admin.access_token().expect("token");
    let lines = run_client(vec![
        s.base.clone(),
        token,
        p.clone(),
        "websocket".into(),
        "3".into(),
        "2".into(),
    ])
    .await;
    let seqs: Vec<i64> = lines
        .iter()
        .filter_map(|l| l.get("event"))
        .filter_map(|e| e["seq"].as_i64())
        .collect();
    assert_eq!(seqs, [3, 4, 5], "{lines:?}");
}

on_both_backends!(
    official_client_over_both_transports,
    official_client_refused_and_resuming
);
