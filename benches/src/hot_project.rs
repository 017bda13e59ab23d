//! `hot-project`: N editors rename random tasks of one project over REST, closed loop, against
//! a real server (started here or already running). At the end every acknowledged rename is
//! checked against the server's tasks: a task whose version is older than an acknowledged one,
//! or whose title differs at the acknowledged version, is a lost write and counts as an error.
//!
//! Floor, same run: raw PostgreSQL single-row UPDATE by primary key (pgbench's simple update,
//! autocommit, synchronous_commit on) on a table of the same size: what the storage does when
//! nothing else is asked of it.

use crate::common::{Scratch, Timing, closed_loop};
use crate::report::{Measured, ScenarioResult};
use crate::target::{Target, TargetArgs};
use anyhow::Context;
use rand::Rng;
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    /// Concurrent editors (closed loop: each waits for its acknowledgement).
    #[arg(long, default_value_t = 64)]
    pub editors: usize,
    /// Tasks in the project.
    #[arg(long, default_value_t = 1000)]
    pub tasks: usize,
    /// Clients of the raw-UPDATE floor (pgbench's reference figure uses 16).
    #[arg(long, default_value_t = 16)]
    pub floor_clients: usize,
    #[command(flatten)]
    pub timing: Timing,
    #[command(flatten)]
    pub target: TargetArgs,
}

/// The highest acknowledged version of each task and the title it was acknowledged with.
type Acked = Arc<Mutex<HashMap<String, (i64, String)>>>;

pub async fn run(args: Args) -> anyhow::Result<ScenarioResult> {
    let target = Target::open(&args.target).await?;
    let result = measure(&args, &target).await;
    target.close().await;
    result
}

async fn measure(args: &Args, target: &Target) -> anyhow::Result<ScenarioResult> {
    let (project, tasks) = target.client.project_with_tasks("Hot", args.tasks).await?;
    eprintln!("hot-project: {} tasks ready; measuring Corral", tasks.len());
    let tasks = Arc::new(tasks);
    let acked: Acked = Arc::default();
    let counter = Arc::new(AtomicU64::new(0));
    let corral = {
        let (tasks, acked, counter) = (tasks.clone(), acked.clone(), counter.clone());
        let client = target.client.clone();
        let project = project.clone();
        closed_loop(
            "hot-project (corral)",
            args.editors,
            args.timing.warmup(),
            args.timing.measure(),
            target.pid,
            move |_| {
                let (tasks, acked, counter, client, project) = (
                    tasks.clone(),
                    acked.clone(),
                    counter.clone(),
                    client.clone(),
                    project.clone(),
                );
                async move {
                    let task = tasks[rand::rng().random_range(0..tasks.len())].clone();
                    let title = format!("rename {}", counter.fetch_add(1, Ordering::Relaxed));
                    let path = format!("/projects/{project}/tasks/{task}");
                    let Ok(data) = client
                        .call(reqwest::Method::PATCH, &path, Some(json!({"title": title})))
                        .await
                    else {
                        return false;
                    };
                    let Some(version) = data["version"].as_i64() else {
                        return false;
                    };
                    let mut acked = acked.lock().expect("acked");
                    let entry = acked.entry(task).or_insert((0, String::new()));
                    if version > entry.0 {
                        *entry = (version, title);
                    }
                    true
                }
            },
        )
        .await
    };
    let lost = verify(target, &project, &acked).await?;
    let mut corral_m = Measured::of_run("corral (REST PATCH, acknowledged = durable)", &corral);
    corral_m.errors += lost;

    eprintln!("hot-project: measuring the floor (raw single-row UPDATE in PostgreSQL)");
    let floor = update_floor(
        &args.target.postgres_url,
        args.tasks,
        args.floor_clients,
        &args.timing,
    )
    .await?;
    let floor = Measured::of_run("floor (PostgreSQL single-row UPDATE, autocommit)", &floor);
    Ok(ScenarioResult {
        scenario: "hot-project".into(),
        parameters: json!({
            "editors": args.editors, "tasks": args.tasks, "floor_clients": args.floor_clients,
            "seconds": args.timing.seconds, "warmup": args.timing.warmup,
            "server": target.description, "acknowledged_tasks_checked": acked.lock().map(|a| a.len()).unwrap_or(0),
            "lost_writes": lost,
        }),
        ratio: corral_m.ops_per_sec / floor.ops_per_sec.max(f64::MIN_POSITIVE),
        ratio_label: "Ratio (Corral acknowledged updates/s / raw UPDATE floor)".into(),
        corral: corral_m,
        baseline: floor,
    })
}

/// Counts acknowledged renames the server does not have.
async fn verify(target: &Target, project: &str, acked: &Acked) -> anyhow::Result<u64> {
    let tasks = target.client.all_tasks(project).await?;
    let now: HashMap<&str, (i64, &str)> = tasks
        .iter()
        .filter_map(|t| {
            Some((
                t["id"].as_str()?,
                (t["version"].as_i64()?, t["title"].as_str()?),
            ))
        })
        .collect();
    let acked = acked.lock().map_err(|_| anyhow::anyhow!("lock"))?;
    let mut lost = 0;
    for (task, (version, title)) in acked.iter() {
        match now.get(task.as_str()) {
            Some((v, _)) if v > version => {}
            Some((v, t)) if v == version && t == title => {}
            other => {
                lost += 1;
                eprintln!(
                    "hot-project: lost write on {task}: acknowledged v{version} {title:?}, server has {other:?}"
                );
            }
        }
    }
    Ok(lost)
}

/// pgbench's simple update on a scratch table of `rows` rows.
pub async fn update_floor(
    postgres_url: &str,
    rows: usize,
    clients: usize,
    timing: &Timing,
) -> anyhow::Result<crate::common::Run> {
    let scratch = Scratch::create(postgres_url).await?;
    let result = async {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(u32::try_from(clients).unwrap_or(16))
            .connect(&scratch.url)
            .await
            .context("connecting to the scratch database")?;
        sqlx::query("CREATE TABLE floor_rows (id BIGINT PRIMARY KEY, title TEXT NOT NULL, version BIGINT NOT NULL)")
            .execute(&pool)
            .await?;
        sqlx::query("INSERT INTO floor_rows SELECT g, 'Task ' || g, 1 FROM generate_series(1, $1) g")
            .bind(i64::try_from(rows).unwrap_or(1000))
            .execute(&pool)
            .await?;
        let rows = i64::try_from(rows.max(1)).unwrap_or(1000);
        let run = {
            let pool = pool.clone();
            closed_loop(
                "hot-project (floor)",
                clients,
                timing.warmup(),
                timing.measure(),
                None,
                move |i| {
                    let pool = pool.clone();
                    let row = rand::rng().random_range(1..=rows);
                    async move {
                        sqlx::query("UPDATE floor_rows SET title = $2, version = version + 1 WHERE id = $1")
                            .bind(row)
                            .bind(format!("renamed by {i}"))
                            .execute(&pool)
                            .await
                            .is_ok()
                    }
                },
            )
            .await
        };
        pool.close().await;
        anyhow::Ok(run)
    }
    .await;
    scratch.drop_now().await?;
    result
}
