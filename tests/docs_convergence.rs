//! Stock Yjs clients (`yjs` and `y-websocket`'s provider from npm, tests/node) make thousands
//! of random concurrent edits to one document, dropping off and coming back, while a node is
//! killed with SIGKILL and started again; on PostgreSQL + Valkey the clients are spread over two
//! nodes. All converge to one content, which is what a REST read returns and what a fresh
//! client gets after every node was killed and one started again: every update any client
//! received from another had been committed.

mod common;

use common::process::{Services, spawn};
use common::{ADMIN, ADMIN_PASSWORD, Backend, Client, at, project};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::time::Duration;

fn node_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/node")
}

/// Installs the clients from the lockfile once per test run if they are missing.
fn ensure_clients() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        if node_dir().join("node_modules/y-websocket").exists() {
            return;
        }
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(node_dir())
            .status()
            .expect("npm must be installed for the Yjs client tests");
        assert!(status.success(), "npm ci in tests/node failed");
    });
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts the Node script; its JSON lines arrive on the returned channel.
fn script(phase: &str, config: &Value) -> (Child, tokio::sync::mpsc::UnboundedReceiver<Value>) {
    ensure_clients();
    let mut child = Command::new("node")
        .arg(node_dir().join("docs_convergence.mjs"))
        .arg(phase)
        .arg(config.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node must be installed for the Yjs client tests");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<Value>(&line) {
                let _ = tx.send(v);
            }
        }
    });
    (child, rx)
}

/// The last line the script printed once it exits (at most `limit`).
async fn finish(
    mut child: Child,
    mut lines: tokio::sync::mpsc::UnboundedReceiver<Value>,
    limit: Duration,
) -> Value {
    let deadline = tokio::time::Instant::now() + limit;
    let mut last = Value::Null;
    loop {
        match tokio::time::timeout_at(deadline, lines.recv()).await {
            Ok(Some(line)) => last = line,
            Ok(None) => break,
            Err(_) => {
                let _ = child.kill();
                panic!("the Yjs clients did not finish in time; last line {last}");
            }
        }
    }
    let status = child.wait().expect("node");
    assert!(status.success(), "the Yjs clients failed: {last}");
    last
}

async fn random_edits_converge_and_survive_sigkill(b: Backend) {
    let Some((services, backend_env)) = Services::start(b).await else {
        return;
    };
    let nodes = if b == Backend::PostgresValkey { 2 } else { 1 };
    let envs: Vec<Vec<(String, String)>> = (0..nodes)
        .map(|_| {
            let dir = std::env::temp_dir().join(format!("corral-yjs-{}", uuid::Uuid::new_v4()));
            let mut env: Vec<(String, String)> = vec![
                ("DATA_DIR".into(), dir.display().to_string()),
                ("PORT".into(), free_port().to_string()),
                ("ADMIN_PASSWORD".into(), ADMIN_PASSWORD.into()),
                (
                    "JWT_SECRET".into(),
                    "yjs-test-secret-0123456789abcdefghij".into(),
                ),
                // Compaction runs many times during the test.
                ("DOC_COMPACT_UPDATES".into(), "40".into()),
                ("RUST_LOG".into(), "warn".into()),
            ];
            env.extend(backend_env.clone());
            env
        })
        .collect();
    let mut servers = Vec::new();
    for env in &envs {
        servers.push(spawn(env, &[]).await);
    }
    let admin = Client::new(&servers[0].1);
    admin.login_ok(ADMIN, ADMIN_PASSWORD).await;
    let p = project(&admin, "Converge").await;
    let content: Vec<Value> = ["one", "two", "three", "four", "five"]
        .iter()
        .map(|t| json!({"type": "paragraph", "content": [{"type": "text", "text": t, "styles": {}}]}))
        .collect();
    let r = admin
        .post(
            &at(&p, "/docs"),
            &json!({"title": "Shared", "content": content}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let doc = r.data()["id"].as_str().expect("id").to_owned();
    let token = admin.access_token().expect("token");
    let ws = |base: &str| base.replacen("http", "ws", 1);
    let config = json!({
        "urls": servers.iter().map(|(_, base)| ws(base)).collect::<Vec<_>>(),
        "doc": doc,
        "token": token,
        "clients": 6,
        "edits": 3000,
        "seed": 20261208,
        "marker": true,
    });
    let (child, mut lines) = script("edit", &config);
    // Halfway through, the last node is killed and started again on the same port; its
    // clients reconnect (to it) and resync.
    let halfway = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(line) = lines.recv().await {
            if line["halfway"] == true {
                return true;
            }
            assert!(line.get("error").is_none(), "{line}");
        }
        false
    })
    .await
    .expect("the clients reached halfway");
    assert!(halfway, "the clients stopped before halfway");
    let last = nodes - 1;
    servers[last].0.kill().expect("SIGKILL");
    let _ = servers[last].0.wait();
    tokio::time::sleep(Duration::from_millis(300)).await;
    servers[last] = spawn(&envs[last], &[]).await;
    let edited = finish(child, lines, Duration::from_secs(240)).await;
    assert_eq!(edited["converged"], true, "{edited}");
    assert!(edited["edits"].as_u64().unwrap_or(0) >= 3000, "{edited}");
    let paragraphs: Vec<String> =
        serde_json::from_value(edited["paragraphs"].clone()).expect("paragraphs");
    eprintln!(
        "{} edits by 6 clients on {nodes} node(s) converged on {} paragraphs ({} characters)",
        edited["edits"],
        paragraphs.len(),
        paragraphs.iter().map(|p| p.chars().count()).sum::<usize>()
    );

    // The REST read is the same content.
    let admin = Client::new(&servers[0].1);
    admin.login_ok(ADMIN, ADMIN_PASSWORD).await;
    let got = admin.get(&at(&p, &format!("/docs/{doc}"))).await;
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(common::block_texts(&got.data()["content"]), paragraphs);

    // Every node killed, one started again: a fresh client gets that content, and the server
    // holds everything every client held.
    for (child, _) in servers.iter_mut() {
        child.kill().expect("SIGKILL");
        let _ = child.wait();
    }
    let (mut restarted, base) = spawn(&envs[0], &[]).await;
    let check = json!({
        "urls": [ws(&base)],
        "doc": doc,
        "token": token,
        "seed": 1,
        "expect": edited["vectors"],
    });
    let (child, lines) = script("check", &check);
    let checked = finish(child, lines, Duration::from_secs(60)).await;
    assert_eq!(
        checked["missing"],
        json!([]),
        "acknowledged updates lost: {checked}"
    );
    assert_eq!(checked["fragment"], edited["fragment"]);
    restarted.kill().expect("SIGKILL");
    let _ = restarted.wait();
    services.cleanup().await;
}

on_both_backends!(random_edits_converge_and_survive_sigkill);
