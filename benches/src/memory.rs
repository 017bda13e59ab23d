//! `memory`: the server's resident memory per resident task. The harness starts the server (or
//! drives a running one with `--server-pid`), measures its RSS empty (logged in, nothing
//! loaded), creates a project of N tasks over REST (the project's actor holds them all), and
//! measures again; then reads the board once, so every task's JSON is rendered and cached, and
//! measures a third time.
//!
//! Baseline, same run: the bytes of the same tasks as JSON (the single-request board's task
//! array), the size of what is held. The ratio is the server's bytes per task (board read,
//! caches full) over that.

use crate::report::{Measured, ScenarioResult};
use crate::target::{Target, TargetArgs, rss_bytes};
use anyhow::Context;
use hdrhistogram::Histogram;
use std::time::{Duration, Instant};

#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    /// Tasks in the project.
    #[arg(long, default_value_t = 100_000)]
    pub tasks: usize,
    #[command(flatten)]
    pub target: TargetArgs,
}

pub async fn run(args: Args) -> anyhow::Result<ScenarioResult> {
    let target = Target::open(&args.target).await?;
    let result = measure(&args, &target).await;
    target.close().await;
    result
}

/// The RSS after the allocator had a moment to settle.
async fn settled_rss(pid: u32) -> anyhow::Result<u64> {
    tokio::time::sleep(Duration::from_millis(1500)).await;
    rss_bytes(pid).context("reading the server's RSS")
}

async fn measure(args: &Args, target: &Target) -> anyhow::Result<ScenarioResult> {
    let pid = target
        .pid
        .context("memory needs the server's process: let the harness start it, or --server-pid")?;
    let empty = settled_rss(pid).await?;
    let started = Instant::now();
    let (project, ids) = target
        .client
        .project_with_tasks("Memory", args.tasks)
        .await?;
    let create_seconds = started.elapsed().as_secs_f64();
    let loaded = settled_rss(pid).await?;
    eprintln!(
        "memory: {} tasks created in {create_seconds:.1} s; reading the board",
        ids.len()
    );
    let mut reads = Histogram::<u64>::new(3)?;
    let mut board_bytes = 0usize;
    for _ in 0..3 {
        let t0 = Instant::now();
        let body = target
            .client
            .request(reqwest::Method::GET, &format!("/projects/{project}/board"))
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        reads.record(t0.elapsed().as_micros() as u64)?;
        let board: serde_json::Value = serde_json::from_slice(&body)?;
        let tasks = board["data"]["tasks"].as_array().map_or(0, Vec::len);
        anyhow::ensure!(tasks == args.tasks, "the board has {tasks} tasks");
        board_bytes = serde_json::to_vec(&board["data"]["tasks"])?.len();
    }
    let read = settled_rss(pid).await?;
    let per_task = |rss: u64| rss.saturating_sub(empty) as f64 / args.tasks.max(1) as f64;
    let json_per_task = board_bytes as f64 / args.tasks.max(1) as f64;
    let mb = |b: u64| b as f64 / (1024.0 * 1024.0);
    let corral = Measured::new("corral (board reads of the loaded project)", &reads, 0, {
        reads.len() as f64 * reads.mean() / 1e6
    });
    let mut floor = Histogram::<u64>::new(3)?;
    floor.record(1)?;
    let baseline = Measured::new("baseline (the tasks' JSON, bytes)", &floor, 0, 1.0);
    Ok(ScenarioResult {
        scenario: "memory".into(),
        parameters: serde_json::json!({
            "tasks": args.tasks, "server": target.description,
            "rss_empty_mb": mb(empty), "rss_loaded_mb": mb(loaded), "rss_after_board_read_mb": mb(read),
            "bytes_per_task_loaded": per_task(loaded),
            "bytes_per_task_after_board_read": per_task(read),
            "rss_mb_per_100k_tasks": mb(read.saturating_sub(empty)) * 100_000.0 / args.tasks.max(1) as f64,
            "task_json_bytes_per_task": json_per_task,
            "create_seconds": create_seconds,
        }),
        ratio: per_task(read) / json_per_task.max(f64::MIN_POSITIVE),
        ratio_label: "Bytes per resident task (after a board read) / bytes of its JSON".into(),
        corral,
        baseline,
    })
}
