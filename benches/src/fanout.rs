//! `fanout`: one writer updates a task at a fixed rate; N Socket.IO clients (websocket) in the
//! project's room receive each update. Latency runs from the writer's request to each client's
//! receipt (one clock: all clients live in this process; the server is a separate process).
//!
//! Floor, same run: a raw publish → subscribe round trip through Valkey (one hop of the path
//! every live event takes on a multi-node deployment).

use crate::report::{Measured, ScenarioResult};
use crate::target::{Target, TargetArgs};
use anyhow::{Context, bail};
use fred::prelude::*;
use futures::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    /// Sockets in the project room.
    #[arg(long, default_value_t = 1000)]
    pub sockets: usize,
    /// Task updates the writer sends.
    #[arg(long, default_value_t = 100)]
    pub updates: usize,
    /// Updates per second.
    #[arg(long, default_value_t = 10)]
    pub rate: u64,
    #[command(flatten)]
    pub target: TargetArgs,
}

/// Sockets connected at a time.
const WAVE: usize = 25;

/// Connects one Socket.IO client over websocket, joins the project, then reports the arrival
/// time of every `task.updated` event (keyed by the new title) until `expected` arrived.
async fn client(
    base: String,
    token: String,
    project: String,
    expected: usize,
    joined: tokio::sync::mpsc::Sender<()>,
    arrivals: Arc<Mutex<Vec<(String, Instant)>>>,
) -> anyhow::Result<()> {
    let url = format!(
        "{}/ws/socket.io/?EIO=4&transport=websocket",
        base.replacen("http", "ws", 1)
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await?;
    ws.next().await; // open
    ws.send(Message::Text(
        format!("40{}", json!({"token": token})).into(),
    ))
    .await?;
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) if t.as_str() == "2" => {
                ws.send(Message::Text("3".into())).await?
            }
            Some(Ok(Message::Text(t))) if t.as_str().starts_with("40") => break,
            other => bail!("not connected: {other:?}"),
        }
    }
    ws.send(Message::Text(
        format!("421{}", json!(["join", {"projectId": project}])).into(),
    ))
    .await?;
    let mut got = 0;
    while let Some(frame) = ws.next().await {
        let Message::Text(text) = frame? else {
            continue;
        };
        let text = text.as_str();
        if text == "2" {
            ws.send(Message::Text("3".into())).await?;
        } else if text.starts_with("431") {
            let _ = joined.send(()).await;
        } else if let Some(rest) = text.strip_prefix("42") {
            let now = Instant::now();
            let v: Value = serde_json::from_str(rest).unwrap_or(Value::Null);
            if v[1]["type"] == "task.updated" {
                // Task activities carry their content as a JSON string (Paca's shape).
                let content = match &v[1]["payload"]["content"] {
                    Value::String(text) => serde_json::from_str(text).unwrap_or(Value::Null),
                    other => other.clone(),
                };
                let title = content["changes"][0]["new"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                arrivals
                    .lock()
                    .map_err(|_| anyhow::anyhow!("lock"))?
                    .push((title, now));
                got += 1;
                if got >= expected {
                    break;
                }
            }
        }
    }
    Ok(())
}

pub async fn run(args: Args) -> anyhow::Result<ScenarioResult> {
    let target = Target::open(&args.target).await?;
    let result = measure(&args, &target).await;
    target.close().await;
    result
}

async fn measure(args: &Args, target: &Target) -> anyhow::Result<ScenarioResult> {
    let rest = &target.client;
    let token = rest.socket_token()?.to_owned();
    let (project, tasks) = rest.project_with_tasks("Fanout", 1).await?;
    let task = tasks.first().context("task id")?.clone();
    let base = rest.base.clone();

    let arrivals: Arc<Mutex<Vec<(String, Instant)>>> = Arc::default();
    let (joined_tx, mut joined_rx) = tokio::sync::mpsc::channel(args.sockets);
    // Connect in waves so the connect storm itself is not what is measured.
    let mut clients = Vec::with_capacity(args.sockets);
    for wave in (0..args.sockets).collect::<Vec<_>>().chunks(WAVE) {
        for _ in wave {
            let run = client(
                base.clone(),
                token.clone(),
                project.clone(),
                args.updates,
                joined_tx.clone(),
                arrivals.clone(),
            );
            clients.push(tokio::spawn(async move {
                if let Err(err) = run.await {
                    eprintln!("fanout: a client failed: {err:#}");
                }
            }));
        }
        for _ in wave {
            tokio::time::timeout(Duration::from_secs(60), joined_rx.recv())
                .await
                .context("sockets joining")?;
        }
    }
    eprintln!(
        "fanout: {} sockets joined; sending {} updates at {}/s",
        args.sockets, args.updates, args.rate
    );

    let sent: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let acked: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / args.rate.max(1)));
    let cpu_before = target.pid.and_then(crate::target::cpu_seconds);
    let started = Instant::now();
    for i in 0..args.updates {
        tick.tick().await;
        let title = format!("update {i}");
        sent.lock()
            .map_err(|_| anyhow::anyhow!("lock"))?
            .insert(title.clone(), Instant::now());
        rest.call(
            reqwest::Method::PATCH,
            &format!("/projects/{project}/tasks/{task}"),
            Some(json!({"title": title})),
        )
        .await?;
        acked
            .lock()
            .map_err(|_| anyhow::anyhow!("lock"))?
            .insert(title, Instant::now());
    }
    for c in clients {
        let _ = tokio::time::timeout(Duration::from_secs(30), c).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut corral = Histogram::<u64>::new(3)?;
    let sent = sent.lock().map_err(|_| anyhow::anyhow!("lock"))?.clone();
    let arrivals = std::mem::take(&mut *arrivals.lock().map_err(|_| anyhow::anyhow!("lock"))?);
    let expected = (args.sockets * args.updates) as u64;
    let acked = acked.lock().map_err(|_| anyhow::anyhow!("lock"))?.clone();
    // From the acknowledgement too (an event may arrive before its acknowledgement: 0).
    let mut from_ack = Histogram::<u64>::new(3)?;
    for (title, at) in &arrivals {
        if let Some(t0) = sent.get(title) {
            corral.record(at.duration_since(*t0).as_micros() as u64)?;
        }
        if let Some(t1) = acked.get(title) {
            from_ack.record(at.saturating_duration_since(*t1).as_micros() as u64)?;
        }
    }
    let ack_ms = |q: f64| from_ack.value_at_quantile(q) as f64 / 1000.0;
    let missing = expected.saturating_sub(corral.len());
    let cpu = target
        .pid
        .and_then(crate::target::cpu_seconds)
        .zip(cpu_before)
        .map(|(a, b)| a - b);

    eprintln!("fanout: measuring the floor (Valkey publish → subscribe)");
    let floor =
        valkey_round_trips(&args.target.valkey_url, args.updates.max(100), args.rate).await?;
    let corral = Measured::new(
        "corral (REST write → socket receipt, per delivery)",
        &corral,
        missing,
        elapsed,
    )
    .with_cpu(cpu);
    let floor_m = Measured::new(
        "floor (Valkey publish → subscriber receipt)",
        &floor,
        0,
        elapsed,
    );
    Ok(ScenarioResult {
        scenario: "fanout".into(),
        parameters: json!({"sockets": args.sockets, "updates": args.updates, "rate": args.rate, "transport": "websocket", "server": target.description,
            "latency_from": "the write's request (includes the commit)",
            "from_acknowledgement_p50_ms": ack_ms(0.5), "from_acknowledgement_p99_ms": ack_ms(0.99)}),
        // Latency: how many times the floor's median the delivery median is (lower is better).
        ratio: corral.p50_ms / floor_m.p50_ms.max(f64::MIN_POSITIVE),
        ratio_label: "Latency multiple (Corral p50 / floor p50, lower is better)".into(),
        corral,
        baseline: floor_m,
    })
}

async fn valkey_round_trips(url: &str, count: usize, rate: u64) -> anyhow::Result<Histogram<u64>> {
    let config = Config::from_url(url)?;
    let publisher = Builder::from_config(config.clone()).build()?;
    publisher.init().await?;
    let subscriber = Builder::from_config(config).build_subscriber_client()?;
    subscriber.init().await?;
    let mut rx = subscriber.message_rx();
    let channel = format!("corral-bench:{}", uuid::Uuid::new_v4().simple());
    subscriber.subscribe(channel.as_str()).await?;
    let _: Value = serde_json::Value::Null;
    let _: fred::types::Value = subscriber.ping(None).await?;
    let mut h = Histogram::<u64>::new(3)?;
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / (rate * 10).max(1)));
    for i in 0..count {
        tick.tick().await;
        let t0 = Instant::now();
        let _: i64 = publisher.publish(channel.as_str(), format!("{i}")).await?;
        tokio::time::timeout(Duration::from_secs(5), rx.recv()).await??;
        h.record(t0.elapsed().as_micros() as u64)?;
    }
    let _ = subscriber.quit().await;
    let _ = publisher.quit().await;
    Ok(h)
}
