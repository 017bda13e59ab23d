//! `write-path`: N concurrent editors rename random tasks of one hot project, closed loop.
//!
//! Corral side: through `Projects` (the project actors with group commit) on PostgreSQL.
//! Baseline, same run, same database: one transaction per update that locks the task row,
//! bumps the project's sequence row and inserts the event, which is what serializing a
//! project's writes costs without an owner in memory.

use crate::common::{Bench, Scratch, Window, closed_loop};
use crate::report::{Measured, ScenarioResult};

const LOOP_LABEL: &str = "write-path";
use corral_actors::ids::{ProjectId, TaskId};
use corral_actors::project::command::{CreateTask, NewTask, TaskChanges, UpdateTask};
use rand::Rng;
use std::sync::Arc;

#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    /// Concurrent editors (closed loop: each waits for its answer).
    #[arg(long, default_value_t = 64)]
    pub editors: usize,
    /// Tasks in the project.
    #[arg(long, default_value_t = 1000)]
    pub tasks: usize,
    #[command(flatten)]
    pub window: Window,
}

pub async fn run(args: Args) -> anyhow::Result<ScenarioResult> {
    let scratch = Scratch::create(&args.window.postgres_url).await?;
    let result = measure(&args, &scratch).await;
    scratch.drop_now().await?;
    result
}

async fn measure(args: &Args, scratch: &Scratch) -> anyhow::Result<ScenarioResult> {
    let pool_size = u32::try_from(args.editors.min(48)).unwrap_or(48);
    let Bench {
        store,
        projects,
        caller,
        project,
    } = Bench::start(scratch, pool_size, "Hot").await?;
    let mut tasks = Vec::with_capacity(args.tasks);
    for i in 0..args.tasks {
        let new = NewTask {
            title: format!("task {i}"),
            ..NewTask::default()
        };
        let task = projects
            .command(project, caller.clone(), CreateTask(new))
            .await?;
        tasks.push(task.id);
    }
    let tasks = Arc::new(tasks);
    eprintln!("write-path: {} tasks ready; measuring Corral", tasks.len());

    let (warmup, window) = (args.window.warmup(), args.window.measure());
    let corral = {
        let (projects, tasks, caller) = (projects.clone(), tasks.clone(), caller.clone());
        closed_loop(
            LOOP_LABEL,
            args.editors,
            warmup,
            window,
            Some(std::process::id()),
            move |i| {
                let (projects, tasks, caller) = (projects.clone(), tasks.clone(), caller.clone());
                async move {
                    let task = tasks[rand::rng().random_range(0..tasks.len())];
                    let changes = TaskChanges {
                        title: Some(format!("renamed by {i}")),
                        ..TaskChanges::default()
                    };
                    let command = UpdateTask {
                        task_id: task,
                        changes,
                        expected_version: None,
                    };
                    projects.command(project, caller, command).await.is_ok()
                }
            },
        )
        .await
    };
    projects.shutdown().await;
    store.close().await;

    eprintln!("write-path: measuring the baseline (one transaction per update with row locks)");
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(pool_size)
        .connect(&scratch.url)
        .await?;
    let baseline = {
        let (pool, tasks) = (pool.clone(), tasks.clone());
        closed_loop(LOOP_LABEL, args.editors, warmup, window, None, move |i| {
            let (pool, tasks) = (pool.clone(), tasks.clone());
            async move {
                let task: TaskId = tasks[rand::rng().random_range(0..tasks.len())];
                baseline_update(&pool, project, task, i).await.is_ok()
            }
        })
        .await
    };
    pool.close().await;

    let corral = Measured::of_run("corral (project actor, group commit)", &corral);
    let baseline = Measured::of_run("baseline (transaction per update, row locks)", &baseline);
    Ok(ScenarioResult {
        scenario: "write-path".into(),
        parameters: serde_json::json!({
            "editors": args.editors, "tasks": args.tasks, "seconds": args.window.timing.seconds,
            "warmup": args.window.timing.warmup, "database": "postgres", "pool": pool_size,
        }),
        ratio: corral.ops_per_sec / baseline.ops_per_sec.max(f64::MIN_POSITIVE),
        ratio_label: "Ratio (Corral / baseline throughput)".into(),
        corral,
        baseline,
    })
}

/// The update as a design without actors does it: lock, write, bump the project's sequence,
/// append the event, commit.
async fn baseline_update(
    pool: &sqlx::PgPool,
    project: ProjectId,
    task: TaskId,
    editor: usize,
) -> Result<(), sqlx::Error> {
    let now = chrono::Utc::now();
    let mut tx = pool.begin().await?;
    let _version: i64 = sqlx::query_scalar("SELECT version FROM tasks WHERE id = $1 FOR UPDATE")
        .bind(task.0)
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE tasks SET title = $2, version = version + 1, updated_at = $3 WHERE id = $1",
    )
    .bind(task.0)
    .bind(format!("renamed by {editor}"))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let seq: i64 = sqlx::query_scalar(
        "UPDATE projects SET event_seq = event_seq + 1 WHERE id = $1 RETURNING event_seq",
    )
    .bind(project.0)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO project_events (project_id, seq, id, type, at, task_id, payload) \
         VALUES ($1, $2, $3, 'task.updated', $4, $5, $6)",
    )
    .bind(project.0)
    .bind(seq)
    .bind(uuid::Uuid::now_v7())
    .bind(now)
    .bind(task.0)
    .bind(sqlx::types::Json(
        serde_json::json!({"task_id": task, "changes": [{"field": "title"}]}),
    ))
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}
