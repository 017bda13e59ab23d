//! `agent-storm`: N conversations of the scripted agent started at once ("write with AI"), each
//! emitting E events, on a server the harness starts (local sandboxes). Start latency runs from
//! the trigger's request to the first agent event on a socket in the project room (sandbox
//! start, health, conversation, first message); throughput is agent events persisted per second
//! from the first trigger to the last conversation's end.
//!
//! Baseline, same run: spawning the bare scripted agent process and waiting for its health
//! check, one after another: the floor a sandbox start cannot beat.

use crate::report::{Measured, ScenarioResult};
use crate::target::{Target, TargetArgs};
use anyhow::{Context, bail};
use futures::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    /// Conversations started at once.
    #[arg(long, default_value_t = 50)]
    pub conversations: usize,
    /// Events each conversation's agent emits.
    #[arg(long, default_value_t = 200)]
    pub events: usize,
    /// Conversations running at once on the server (`AGENT_MAX_RUNNING`, and per project).
    #[arg(long, default_value_t = 10)]
    pub parallel: usize,
    #[command(flatten)]
    pub target: TargetArgs,
}

pub async fn run(args: Args) -> anyhow::Result<ScenarioResult> {
    if args.target.url.is_some() {
        bail!("agent-storm starts its own server (it sets AGENT_MAX_RUNNING); omit --url");
    }
    let parallel = args.parallel.to_string();
    let target = Target::open_with(
        &args.target,
        &[
            ("AGENT_MAX_RUNNING", parallel.clone()),
            ("AGENT_MAX_PER_PROJECT", parallel),
        ],
    )
    .await?;
    let result = measure(&args, &target).await;
    target.close().await;
    result
}

/// Follows the project room and notes when each conversation's first agent event arrives.
async fn watch(
    base: String,
    token: String,
    project: String,
    firsts: Arc<Mutex<HashMap<String, Instant>>>,
    joined: tokio::sync::oneshot::Sender<()>,
) -> anyhow::Result<()> {
    let url = format!(
        "{}/ws/socket.io/?EIO=4&transport=websocket",
        base.replacen("http", "ws", 1)
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await?;
    ws.next().await;
    ws.send(Message::Text(
        format!("40{}", json!({"token": token})).into(),
    ))
    .await?;
    ws.send(Message::Text(
        format!("421{}", json!(["join", {"projectId": project}])).into(),
    ))
    .await?;
    let mut joined = Some(joined);
    while let Some(frame) = ws.next().await {
        let Message::Text(text) = frame? else {
            continue;
        };
        let text = text.as_str();
        if text == "2" {
            ws.send(Message::Text("3".into())).await?;
        } else if text.starts_with("431") {
            if let Some(j) = joined.take() {
                let _ = j.send(());
            }
        } else if let Some(rest) = text.strip_prefix("42") {
            let now = Instant::now();
            let v: Value = serde_json::from_str(rest).unwrap_or(Value::Null);
            let kind = v[1]["type"].as_str().unwrap_or_default();
            if kind.starts_with("agent.")
                && !kind.starts_with("agent.conversation.")
                && let Some(c) = v[1]["payload"]["conversation_id"].as_str()
            {
                firsts
                    .lock()
                    .map_err(|_| anyhow::anyhow!("lock"))?
                    .entry(c.to_owned())
                    .or_insert(now);
            }
        }
    }
    Ok(())
}

async fn measure(args: &Args, target: &Target) -> anyhow::Result<ScenarioResult> {
    let client = &target.client;
    let (project, tasks) = client.project_with_tasks("Storm", 1).await?;
    let task = tasks.first().context("task")?.clone();
    let roles = client
        .call(
            reqwest::Method::GET,
            &format!("/projects/{project}/roles"),
            None,
        )
        .await?;
    let role = roles
        .as_array()
        .or_else(|| roles["items"].as_array())
        .and_then(|r| r.iter().find(|r| r["role_name"] == "Editor"))
        .and_then(|r| r["id"].as_str())
        .context("Editor role")?
        .to_owned();
    let agent = client
        .call(
            reqwest::Method::POST,
            &format!("/projects/{project}/agents"),
            Some(
                json!({"name": "Storm", "handle": "storm", "llm_provider": "scripted",
                        "llm_model": "script", "llm_api_key": "unused",
                        "system_prompt": format!("events {}", args.events),
                        "project_role_id": role}),
            ),
        )
        .await?["id"]
        .as_str()
        .context("agent id")?
        .to_owned();

    let firsts: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let (joined_tx, joined) = tokio::sync::oneshot::channel();
    let watcher = tokio::spawn(watch(
        client.base.clone(),
        client.socket_token()?.to_owned(),
        project.clone(),
        firsts.clone(),
        joined_tx,
    ));
    tokio::time::timeout(Duration::from_secs(10), joined)
        .await
        .context("joining the project room")??;

    eprintln!(
        "agent-storm: starting {} conversations of {} events ({} at once)",
        args.conversations, args.events, args.parallel
    );
    let cpu_before = target.pid.and_then(crate::target::cpu_seconds);
    let started = Instant::now();
    let path = format!("/projects/{project}/tasks/{task}/write-with-ai");
    let posts = futures::future::join_all((0..args.conversations).map(|_| {
        let path = path.clone();
        let agent = agent.clone();
        async move {
            let t0 = Instant::now();
            let v = client
                .call(
                    reqwest::Method::POST,
                    &path,
                    Some(json!({"agent_id": agent})),
                )
                .await?;
            let id = v["conversation"]["id"].as_str().unwrap_or_default();
            anyhow::Ok((id.to_owned(), t0))
        }
    }))
    .await;
    let mut sent = HashMap::new();
    let mut errors = 0u64;
    for p in posts {
        match p {
            Ok((id, t0)) => {
                sent.insert(id, t0);
            }
            Err(e) => {
                errors += 1;
                eprintln!("agent-storm: a trigger failed: {e:#}");
            }
        }
    }
    // Wait until every conversation has ended.
    let deadline = Instant::now() + Duration::from_secs(600);
    let (finished, failed, total_events) = loop {
        let page = client
            .call(
                reqwest::Method::GET,
                &format!("/projects/{project}/conversations?limit=200"),
                None,
            )
            .await?;
        let items = page["items"].as_array().cloned().unwrap_or_default();
        let ended: Vec<&Value> = items
            .iter()
            .filter(|c| {
                matches!(
                    c["status"].as_str(),
                    Some("finished" | "failed" | "stopped")
                )
            })
            .collect();
        if ended.len() >= sent.len() {
            let failed = ended.iter().filter(|c| c["status"] != "finished").count();
            let mut total = 0u64;
            for c in &ended {
                let id = c["id"].as_str().unwrap_or_default();
                let events = client
                    .call(
                        reqwest::Method::GET,
                        &format!("/projects/{project}/conversations/{id}/events?limit=1"),
                        None,
                    )
                    .await?;
                total += events["total"].as_u64().unwrap_or(0);
            }
            break (Instant::now(), failed as u64, total);
        }
        if Instant::now() > deadline {
            bail!(
                "{} of {} conversations ended in time",
                ended.len(),
                sent.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    watcher.abort();
    let cpu = target
        .pid
        .and_then(crate::target::cpu_seconds)
        .zip(cpu_before)
        .map(|(a, b)| a - b);
    let elapsed = finished.duration_since(started).as_secs_f64();
    let firsts = firsts.lock().map_err(|_| anyhow::anyhow!("lock"))?.clone();
    let mut latency = Histogram::<u64>::new(3)?;
    for (id, t0) in &sent {
        match firsts.get(id) {
            Some(at) => latency.record(at.saturating_duration_since(*t0).as_micros() as u64)?,
            None => errors += 1,
        }
    }

    eprintln!("agent-storm: measuring the baseline (spawning the bare scripted agent)");
    let baseline = spawn_floor(&args.target.server, args.conversations.min(50)).await?;
    let events_per_second = total_events as f64 / elapsed.max(f64::MIN_POSITIVE);
    let corral = Measured::new(
        "corral (trigger → first agent event on a socket)",
        &latency,
        errors + failed,
        elapsed,
    )
    .with_cpu(cpu);
    let floor = Measured::new(
        "baseline (spawn the bare agent process → healthy)",
        &baseline.0,
        0,
        baseline.1,
    );
    Ok(ScenarioResult {
        scenario: "agent-storm".into(),
        parameters: json!({
            "conversations": args.conversations, "events_per_conversation": args.events,
            "parallel": args.parallel, "server": target.description,
            "agent_events_persisted": total_events,
            "agent_events_per_second": events_per_second,
            "failed_conversations": failed,
            "server_cpu_us_per_agent_event": cpu.map(|c| c * 1e6 / (total_events.max(1) as f64)),
        }),
        ratio: corral.p50_ms / floor.p50_ms.max(f64::MIN_POSITIVE),
        ratio_label: "Latency multiple (Corral start p50 / bare spawn p50, lower is better)".into(),
        corral,
        baseline: floor,
    })
}

/// Starts the scripted agent `n` times, one after another, timing spawn to first healthy answer.
async fn spawn_floor(server: &std::path::Path, n: usize) -> anyhow::Result<(Histogram<u64>, f64)> {
    let http = reqwest::Client::new();
    let mut h = Histogram::<u64>::new(3)?;
    let started = Instant::now();
    for _ in 0..n {
        let port = std::net::TcpListener::bind(("127.0.0.1", 0))?
            .local_addr()?
            .port();
        let t0 = Instant::now();
        let mut child = tokio::process::Command::new(server)
            .args([
                "scripted-agent",
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", server.display()))?;
        let url = format!("http://127.0.0.1:{port}/health");
        loop {
            if http
                .get(&url)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                break;
            }
            if t0.elapsed() > Duration::from_secs(10) {
                bail!("the bare agent did not become healthy");
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        h.record(t0.elapsed().as_micros() as u64)?;
        let _ = child.kill().await;
    }
    Ok((h, started.elapsed().as_secs_f64()))
}
