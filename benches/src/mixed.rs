//! `mixed`: many projects, readers and writers at once over REST, closed loop. Writers rename a
//! random task of a random project; readers list a page of 50 tasks of a random project (what
//! a board does while scrolling). One latency histogram for both; the split is in the
//! parameters.
//!
//! Floor, same run: the same mix as raw PostgreSQL statements on a table of the same rows:
//! a single-row UPDATE by primary key, and a SELECT of 50 rows of one project as JSON.

use crate::common::{Scratch, Timing, closed_loop};
use crate::report::{Measured, ScenarioResult};
use crate::target::{Target, TargetArgs};
use anyhow::Context;
use rand::Rng;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    /// Projects.
    #[arg(long, default_value_t = 20)]
    pub projects: usize,
    /// Tasks per project.
    #[arg(long, default_value_t = 200)]
    pub tasks: usize,
    /// Concurrent writers.
    #[arg(long, default_value_t = 32)]
    pub writers: usize,
    /// Concurrent readers.
    #[arg(long, default_value_t = 32)]
    pub readers: usize,
    #[command(flatten)]
    pub timing: Timing,
    #[command(flatten)]
    pub target: TargetArgs,
}

pub async fn run(args: Args) -> anyhow::Result<ScenarioResult> {
    let target = Target::open(&args.target).await?;
    let result = measure(&args, &target).await;
    target.close().await;
    result
}

async fn measure(args: &Args, target: &Target) -> anyhow::Result<ScenarioResult> {
    let mut boards = Vec::with_capacity(args.projects);
    for p in 0..args.projects {
        boards.push(
            target
                .client
                .project_with_tasks(&format!("Mixed {p}"), args.tasks)
                .await?,
        );
    }
    eprintln!(
        "mixed: {} projects of {} tasks ready; measuring Corral",
        args.projects, args.tasks
    );
    let boards = Arc::new(boards);
    let (reads, writes) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let writers = args.writers;
    let corral = {
        let (client, boards, reads, writes) = (
            target.client.clone(),
            boards.clone(),
            reads.clone(),
            writes.clone(),
        );
        closed_loop(
            "mixed (corral)",
            args.writers + args.readers,
            args.timing.warmup(),
            args.timing.measure(),
            target.pid,
            move |i| {
                let (client, boards, reads, writes) = (
                    client.clone(),
                    boards.clone(),
                    reads.clone(),
                    writes.clone(),
                );
                async move {
                    let (project, tasks) = &boards[rand::rng().random_range(0..boards.len())];
                    if i < writers {
                        let task = &tasks[rand::rng().random_range(0..tasks.len())];
                        writes.fetch_add(1, Ordering::Relaxed);
                        client
                            .call(
                                reqwest::Method::PATCH,
                                &format!("/projects/{project}/tasks/{task}"),
                                Some(json!({"title": format!("renamed by {i}")})),
                            )
                            .await
                            .is_ok()
                    } else {
                        reads.fetch_add(1, Ordering::Relaxed);
                        client
                            .call(
                                reqwest::Method::GET,
                                &format!("/projects/{project}/tasks?page_size=50"),
                                None,
                            )
                            .await
                            .is_ok_and(|page| {
                                page["items"].as_array().is_some_and(|a| !a.is_empty())
                            })
                    }
                }
            },
        )
        .await
    };
    let corral = Measured::of_run("corral (REST: 50-task pages and renames)", &corral);

    eprintln!("mixed: measuring the floor (the same mix as raw PostgreSQL statements)");
    let floor = floor(args).await?;
    let floor = Measured::of_run(
        "floor (PostgreSQL: single-row UPDATE / 50-row SELECT as JSON)",
        &floor,
    );
    Ok(ScenarioResult {
        scenario: "mixed".into(),
        parameters: json!({
            "projects": args.projects, "tasks": args.tasks, "writers": args.writers,
            "readers": args.readers, "seconds": args.timing.seconds, "warmup": args.timing.warmup,
            "server": target.description,
            "corral_reads": reads.load(Ordering::Relaxed), "corral_writes": writes.load(Ordering::Relaxed),
        }),
        ratio: corral.ops_per_sec / floor.ops_per_sec.max(f64::MIN_POSITIVE),
        ratio_label: "Ratio (Corral / raw-statement floor throughput)".into(),
        corral,
        baseline: floor,
    })
}

async fn floor(args: &Args) -> anyhow::Result<crate::common::Run> {
    let scratch = Scratch::create(&args.target.postgres_url).await?;
    let result = async {
        let clients = args.writers + args.readers;
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(u32::try_from(clients.min(64)).unwrap_or(64))
            .connect(&scratch.url)
            .await
            .context("connecting to the scratch database")?;
        sqlx::query(
            "CREATE TABLE floor_tasks (id BIGINT PRIMARY KEY, project BIGINT NOT NULL, \
             title TEXT NOT NULL, importance INT NOT NULL, story_points INT, tags TEXT[] NOT NULL, \
             version BIGINT NOT NULL)",
        )
        .execute(&pool)
        .await?;
        sqlx::query("CREATE INDEX ON floor_tasks (project, id)")
            .execute(&pool)
            .await?;
        let (projects, tasks) = (args.projects.max(1) as i64, args.tasks.max(1) as i64);
        sqlx::query(
            "INSERT INTO floor_tasks SELECT g, g % $1, 'Task ' || g || ': a realistic title for a board card', \
             g % 5, g % 8, ARRAY['backend', 'ui'], 1 FROM generate_series(1, $2) g",
        )
        .bind(projects)
        .bind(projects * tasks)
        .execute(&pool)
        .await?;
        let writers = args.writers;
        let run = {
            let pool = pool.clone();
            closed_loop(
                "mixed (floor)",
                clients,
                args.timing.warmup(),
                args.timing.measure(),
                None,
                move |i| {
                    let pool = pool.clone();
                    let (row, project) = (
                        rand::rng().random_range(1..=projects * tasks),
                        rand::rng().random_range(0..projects),
                    );
                    async move {
                        if i < writers {
                            sqlx::query("UPDATE floor_tasks SET title = $2, version = version + 1 WHERE id = $1")
                                .bind(row)
                                .bind(format!("renamed by {i}"))
                                .execute(&pool)
                                .await
                                .is_ok()
                        } else {
                            let page: Result<Option<String>, _> = sqlx::query_scalar(
                                "SELECT json_agg(t)::text FROM (SELECT * FROM floor_tasks \
                                 WHERE project = $1 ORDER BY id LIMIT 50) t",
                            )
                            .bind(project)
                            .fetch_one(&pool)
                            .await;
                            page.is_ok_and(|p| p.is_some())
                        }
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
