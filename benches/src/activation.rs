//! `activation`: the cold start of a project of N tasks: a fresh set of project actors on the
//! same store answers its first question about the project, which loads the project's state
//! (project, roles, members, statuses, types, sprints, views, fields and every task) from the
//! store. In-process (a running server cannot be asked to forget a project), on PostgreSQL or
//! SQLite.
//!
//! Baseline, same run, same database: reading the same task rows as fast as the database can
//! hand them over: `COPY (SELECT … FROM tasks WHERE project_id = …) TO STDOUT` on PostgreSQL,
//! a plain `SELECT` of the rows on SQLite.

use crate::common::{Scratch, admin};
use crate::report::{Measured, ScenarioResult};
use crate::target::Backend;
use anyhow::Context;
use corral_actors::bus::Bus;
use corral_actors::ids::ProjectId;
use corral_actors::project::command::{CreateProject, CreateTask, NewProject, NewTask};
use corral_actors::project::query::ReadableDomains;
use corral_actors::project::{Projects, ProjectsConfig};
use corral_actors::store::Store;
use corral_persistence::{InProcessBus, PostgresStore, SqliteStore};
use futures::StreamExt;
use hdrhistogram::Histogram;
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;

#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    /// Tasks in the project.
    #[arg(long, default_value_t = 10_000)]
    pub tasks: usize,
    /// Cold starts measured (after one unmeasured).
    #[arg(long, default_value_t = 20)]
    pub iterations: usize,
    /// The store the project lives in.
    #[arg(long, value_enum, default_value_t = Backend::Postgres)]
    pub backend: Backend,
    /// A PostgreSQL database the harness may create a scratch database from.
    #[arg(
        long,
        env = "CORRAL_BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/test"
    )]
    pub postgres_url: String,
}

enum Db {
    Postgres(Arc<PostgresStore>, Scratch),
    Sqlite(Arc<SqliteStore>, std::path::PathBuf),
}

pub async fn run(args: Args) -> anyhow::Result<ScenarioResult> {
    let db = match args.backend {
        Backend::Postgres => {
            let scratch = Scratch::create(&args.postgres_url).await?;
            Db::Postgres(
                Arc::new(PostgresStore::connect(&scratch.url, 8).await?),
                scratch,
            )
        }
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(format!("corral-bench-{}", uuid::Uuid::new_v4()));
            std::fs::create_dir_all(&dir)?;
            Db::Sqlite(
                Arc::new(SqliteStore::open(&dir.join("corral.db")).await?),
                dir,
            )
        }
    };
    let store: Arc<dyn Store> = match &db {
        Db::Postgres(s, _) => s.clone(),
        Db::Sqlite(s, _) => s.clone(),
    };
    let result = measure(&args, store, &db).await;
    match db {
        Db::Postgres(store, scratch) => {
            store.close().await;
            scratch.drop_now().await?;
        }
        Db::Sqlite(store, dir) => {
            store.close().await;
            let _ = std::fs::remove_dir_all(dir);
        }
    }
    result
}

async fn fresh_actors(store: &Arc<dyn Store>) -> anyhow::Result<Projects> {
    let bus: Arc<dyn Bus> = Arc::new(InProcessBus::new());
    let relay = corral_actors::pipeline::Relay::start(
        store.clone(),
        bus.clone(),
        corral_actors::pipeline::RelayConfig::default(),
    );
    Ok(Projects::start(store.clone(), bus, ProjectsConfig::default(), relay).await?)
}

async fn measure(args: &Args, store: Arc<dyn Store>, db: &Db) -> anyhow::Result<ScenarioResult> {
    let caller = admin();
    let project = ProjectId::new();
    {
        let projects = fresh_actors(&store).await?;
        projects
            .command(
                project,
                caller.clone(),
                CreateProject(NewProject {
                    name: "Cold".into(),
                    ..NewProject::default()
                }),
            )
            .await?;
        let mut creating = futures::stream::iter(0..args.tasks)
            .map(|i| {
                let new = NewTask {
                    title: format!("Task {i}: a realistic title for a board card"),
                    importance: (i % 5) as i32,
                    story_points: Some((i % 8) as i32),
                    tags: vec!["backend".into(), "ui".into()],
                    description: Some(json!([{"type": "paragraph", "content": [{"type": "text", "text": "Some description text."}]}])),
                    ..NewTask::default()
                };
                projects.command(project, caller.clone(), CreateTask(new))
            })
            .buffer_unordered(64);
        while let Some(done) = creating.next().await {
            done?;
        }
        projects.shutdown().await;
    }
    eprintln!(
        "activation: {} tasks stored; measuring cold starts",
        args.tasks
    );

    let mut corral = Histogram::<u64>::new(3)?;
    let cpu_before = crate::target::cpu_seconds(std::process::id());
    let started = Instant::now();
    for i in 0..=args.iterations {
        let projects = fresh_actors(&store).await?;
        let t0 = Instant::now();
        projects
            .read(project, caller.clone(), ReadableDomains)
            .await
            .context("activating")?;
        if i > 0 {
            corral.record(t0.elapsed().as_micros() as u64)?;
        }
        projects.shutdown().await;
    }
    let corral_seconds = started.elapsed().as_secs_f64();
    let cpu = crate::target::cpu_seconds(std::process::id())
        .zip(cpu_before)
        .map(|(a, b)| a - b);

    eprintln!("activation: measuring the baseline (reading the same rows in bulk)");
    let mut baseline = Histogram::<u64>::new(3)?;
    let baseline_started = Instant::now();
    for i in 0..=args.iterations {
        let t0 = Instant::now();
        let rows = match db {
            Db::Postgres(_, scratch) => copy_out(&scratch.url, project).await?,
            Db::Sqlite(_, dir) => select_rows(&dir.join("corral.db"), project).await?,
        };
        anyhow::ensure!(rows > 0, "the baseline read nothing");
        if i > 0 {
            baseline.record(t0.elapsed().as_micros() as u64)?;
        }
    }
    let baseline_seconds = baseline_started.elapsed().as_secs_f64();

    let corral = Measured::new(
        "corral (fresh project actor: load + first answer)",
        &corral,
        0,
        corral_seconds,
    )
    .with_cpu(cpu);
    let baseline_label = match args.backend {
        Backend::Postgres => "baseline (COPY of the project's task rows)",
        Backend::Sqlite => "baseline (SELECT of the project's task rows)",
    };
    let baseline = Measured::new(baseline_label, &baseline, 0, baseline_seconds);
    Ok(ScenarioResult {
        scenario: "activation".into(),
        parameters: json!({
            "tasks": args.tasks, "iterations": args.iterations, "database": args.backend,
            "corral_side": "in-process",
        }),
        ratio: corral.p50_ms / baseline.p50_ms.max(f64::MIN_POSITIVE),
        ratio_label: "Latency multiple (Corral p50 / bulk read p50, lower is better)".into(),
        corral,
        baseline,
    })
}

/// Bytes of the project's task rows through COPY, on a new connection as a cold reader has.
async fn copy_out(url: &str, project: ProjectId) -> anyhow::Result<usize> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let statement = format!(
        "COPY (SELECT * FROM tasks WHERE project_id = '{}' AND deleted_at IS NULL) TO STDOUT",
        project.0
    );
    let mut stream = conn.copy_out_raw(&statement).await?;
    let mut bytes = 0;
    while let Some(chunk) = stream.next().await {
        bytes += chunk?.len();
    }
    drop(stream);
    conn.close().await?;
    Ok(bytes)
}

/// The project's task rows, on a new connection as a cold reader has.
async fn select_rows(file: &std::path::Path, project: ProjectId) -> anyhow::Result<usize> {
    use sqlx::Connection;
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(file);
    let mut conn = sqlx::SqliteConnection::connect_with(&options).await?;
    let rows = sqlx::query("SELECT * FROM tasks WHERE project_id = ? AND deleted_at IS NULL")
        .bind(project.0)
        .fetch_all(&mut conn)
        .await?;
    conn.close().await?;
    Ok(rows.len())
}
