//! `board-read`: K concurrent readers fetch the whole board (every task of a project as JSON).
//!
//! Against a server (default): each read pages `GET /projects/{id}/tasks?page_size=200` to the
//! end, as the web client does. `--in-process`: the project actor answers from memory and the
//! reader serializes the tasks, without the HTTP edge (PostgreSQL only).
//! Baseline, same run, same database: the database builds the same JSON in one query
//! (`json_agg` on PostgreSQL, `json_group_array` on SQLite).

use crate::common::{Bench, Scratch, Timing, closed_loop};
use crate::report::{Measured, ScenarioResult};
use crate::target::{ServerDatabase, Target, TargetArgs};
use anyhow::Context;

const LOOP_LABEL: &str = "board-read";
use corral_actors::project::command::{CreateTask, NewTask};
use corral_actors::project::query::{ListTasks, TaskPageRequest};

#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    /// Tasks on the board.
    #[arg(long, default_value_t = 5000)]
    pub tasks: usize,
    /// Concurrent readers (closed loop).
    #[arg(long, default_value_t = 8)]
    pub readers: usize,
    /// Read from project actors in this process instead of a server (PostgreSQL).
    #[arg(long)]
    pub in_process: bool,
    /// Over REST, read the board in one request (`GET /projects/{id}/board`, a Corral
    /// extension) instead of paging Paca's task list 200 tasks at a time.
    #[arg(long)]
    pub single_request: bool,
    #[command(flatten)]
    pub timing: Timing,
    #[command(flatten)]
    pub target: TargetArgs,
}

/// The baseline's JSON: the task columns, in board (creation) order.
const JSON_AGG: &str = "SELECT COALESCE(json_agg(t ORDER BY t.created_at, t.id), '[]')::text FROM ( \
     SELECT id, project_id, task_number, title, task_type_id, status_id, sprint_id, parent_task_id, \
     description, importance, story_points, assignee_ids, reporter_id, custom_fields, start_date, \
     due_date, tags, version, created_at, updated_at FROM tasks \
     WHERE project_id = $1 AND deleted_at IS NULL) t";

/// The same JSON on SQLite (ids as the hex of their bytes).
const JSON_GROUP_ARRAY: &str = "SELECT COALESCE(json_group_array(json_object( \
     'id', hex(id), 'task_number', task_number, 'title', title, 'task_type_id', hex(task_type_id), \
     'status_id', hex(status_id), 'sprint_id', hex(sprint_id), 'parent_task_id', hex(parent_task_id), \
     'description', json(description), 'importance', importance, 'story_points', story_points, \
     'assignee_ids', json(assignee_ids), 'reporter_id', hex(reporter_id), \
     'custom_fields', json(custom_fields), 'start_date', start_date, 'due_date', due_date, \
     'tags', json(tags), 'version', version, 'created_at', created_at, 'updated_at', updated_at)), '[]') \
     FROM (SELECT * FROM tasks WHERE project_id = ? AND deleted_at IS NULL ORDER BY created_at, id)";

pub async fn run(args: Args) -> anyhow::Result<ScenarioResult> {
    if args.in_process {
        let scratch = Scratch::create(&args.target.postgres_url).await?;
        let result = measure(&args, &scratch).await;
        scratch.drop_now().await?;
        return result;
    }
    let target = Target::open(&args.target).await?;
    let result = over_http(&args, &target).await;
    target.close().await;
    result
}

async fn over_http(args: &Args, target: &Target) -> anyhow::Result<ScenarioResult> {
    let database = target
        .database
        .clone()
        .context("board-read's baseline queries the server's database: give --server-database")?;
    let (project, _) = target
        .client
        .project_with_tasks("Board", args.tasks)
        .await?;
    // Check the contents once, in full; the measured loop then reads the board as the baseline
    // reads its JSON (one string, unparsed) and checks it is whole by its size.
    let single = args.single_request;
    let pages = args.tasks.div_ceil(200).max(1);
    let expected = if single {
        let count = target.client.count_board_tasks(&project).await?;
        anyhow::ensure!(count == args.tasks, "the board has {count} tasks");
        target.client.board_bytes(&project).await?
    } else {
        let count = target.client.count_tasks_paged(&project).await?;
        anyhow::ensure!(count == args.tasks, "the task list has {count} tasks");
        let (n, bytes) = target.client.read_pages(&project).await?;
        anyhow::ensure!(n == pages, "{n} pages, not {pages}");
        bytes
    };
    eprintln!("board-read: {} tasks ready; measuring Corral", args.tasks);
    let corral = {
        let (client, project) = (target.client.clone(), project.clone());
        closed_loop(
            LOOP_LABEL,
            args.readers,
            args.timing.warmup(),
            args.timing.measure(),
            target.pid,
            move |_| {
                let (client, project) = (client.clone(), project.clone());
                async move {
                    if single {
                        client
                            .board_bytes(&project)
                            .await
                            .is_ok_and(|b| b == expected)
                    } else {
                        client
                            .read_pages(&project)
                            .await
                            .is_ok_and(|(n, b)| n == pages && b == expected)
                    }
                }
            },
        )
        .await
    };
    eprintln!("board-read: measuring the baseline (the database building the JSON)");
    let project_id: uuid::Uuid = project.parse()?;
    let (baseline, label) = match database {
        ServerDatabase::Postgres(url) => {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(u32::try_from(args.readers).unwrap_or(8))
                .connect(&url)
                .await?;
            let run = closed_loop(
                LOOP_LABEL,
                args.readers,
                args.timing.warmup(),
                args.timing.measure(),
                None,
                move |_| {
                    let pool = pool.clone();
                    async move {
                        let json: Result<String, _> = sqlx::query_scalar(JSON_AGG)
                            .bind(project_id)
                            .fetch_one(&pool)
                            .await;
                        json.is_ok_and(|j| j.len() > 2)
                    }
                },
            )
            .await;
            (run, "baseline (PostgreSQL json_agg, one query)")
        }
        ServerDatabase::SqliteFile(file) => {
            let options = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(file)
                .read_only(true);
            let pool = sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(u32::try_from(args.readers).unwrap_or(8))
                .connect_with(options)
                .await?;
            let run = closed_loop(
                LOOP_LABEL,
                args.readers,
                args.timing.warmup(),
                args.timing.measure(),
                None,
                move |_| {
                    let pool = pool.clone();
                    async move {
                        let json: Result<String, _> = sqlx::query_scalar(JSON_GROUP_ARRAY)
                            .bind(project_id)
                            .fetch_one(&pool)
                            .await;
                        json.is_ok_and(|j| j.len() > 2)
                    }
                },
            )
            .await;
            (run, "baseline (SQLite json_group_array, one query)")
        }
    };
    let corral = Measured::of_run(
        if single {
            "corral (REST, the board in one request)"
        } else {
            "corral (REST, every page of the task list)"
        },
        &corral,
    );
    let baseline = Measured::of_run(label, &baseline);
    let requests_per_board = if single {
        1
    } else {
        args.tasks.div_ceil(200).max(1)
    };
    let cpu_per_request = corral
        .server_cpu_us_per_op
        .map(|c| c / requests_per_board as f64);
    Ok(ScenarioResult {
        scenario: if single {
            "board-read (single request)".into()
        } else {
            "board-read".into()
        },
        parameters: serde_json::json!({
            "tasks": args.tasks, "readers": args.readers, "seconds": args.timing.seconds,
            "warmup": args.timing.warmup, "server": target.description,
            "page_size": if single { serde_json::Value::Null } else { 200.into() },
            "requests_per_board": requests_per_board,
            "server_cpu_us_per_request": cpu_per_request,
        }),
        ratio: corral.ops_per_sec / baseline.ops_per_sec.max(f64::MIN_POSITIVE),
        ratio_label: "Ratio (Corral / baseline throughput)".into(),
        corral,
        baseline,
    })
}

async fn measure(args: &Args, scratch: &Scratch) -> anyhow::Result<ScenarioResult> {
    let pool_size = u32::try_from(args.readers.clamp(4, 32)).unwrap_or(8);
    let Bench {
        store,
        projects,
        caller,
        project,
    } = Bench::start(scratch, pool_size, "Board").await?;
    // Create the tasks concurrently so group commit loads them quickly.
    let writers: Vec<_> = (0..32)
        .map(|w| {
            let (projects, caller) = (projects.clone(), caller.clone());
            let count = args.tasks / 32 + usize::from(w < args.tasks % 32);
            tokio::spawn(async move {
                for i in 0..count {
                    let new = NewTask {
                        title: format!("Task {w}-{i}: a realistic title for a board card"),
                        importance: (i % 5) as i32,
                        story_points: Some((i % 8) as i32),
                        tags: vec!["backend".into(), "ui".into()],
                        description: Some(serde_json::json!([{"type": "paragraph", "content": [{"type": "text", "text": "Some description text."}]}])),
                        ..NewTask::default()
                    };
                    projects.command(project, caller.clone(), CreateTask(new)).await?;
                }
                anyhow::Ok(())
            })
        })
        .collect();
    for w in writers {
        w.await??;
    }
    eprintln!("board-read: {} tasks ready; measuring Corral", args.tasks);

    let (warmup, window) = (args.timing.warmup(), args.timing.measure());
    let size = args.tasks;
    let corral = {
        let (projects, caller) = (projects.clone(), caller.clone());
        closed_loop(
            LOOP_LABEL,
            args.readers,
            warmup,
            window,
            Some(std::process::id()),
            move |_| {
                let (projects, caller) = (projects.clone(), caller.clone());
                async move {
                    let request = TaskPageRequest {
                        page_size: size,
                        ..TaskPageRequest::default()
                    };
                    match projects.read(project, caller, ListTasks(request)).await {
                        Ok(page) => {
                            let tasks: Vec<&corral_actors::project::model::Task> =
                                page.items.iter().map(|t| &*t.task).collect();
                            serde_json::to_vec(&tasks).is_ok_and(|b| !b.is_empty())
                                && tasks.len() == size
                        }
                        _ => false,
                    }
                }
            },
        )
        .await
    };
    projects.shutdown().await;
    store.close().await;

    eprintln!("board-read: measuring the baseline (json_agg in PostgreSQL)");
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(pool_size)
        .connect(&scratch.url)
        .await?;
    let baseline = {
        let pool = pool.clone();
        closed_loop(LOOP_LABEL, args.readers, warmup, window, None, move |_| {
            let pool = pool.clone();
            async move {
                let json: Result<String, _> = sqlx::query_scalar(JSON_AGG)
                    .bind(project.0)
                    .fetch_one(&pool)
                    .await;
                json.is_ok_and(|j| j.len() > 2)
            }
        })
        .await
    };
    pool.close().await;

    let corral = Measured::of_run("corral (project actor memory + serialization)", &corral);
    let baseline = Measured::of_run("baseline (PostgreSQL json_agg, one query)", &baseline);
    Ok(ScenarioResult {
        scenario: "board-read".into(),
        parameters: serde_json::json!({
            "tasks": args.tasks, "readers": args.readers, "seconds": args.timing.seconds,
            "warmup": args.timing.warmup, "database": "postgres", "corral_side": "in-process",
        }),
        ratio: corral.ops_per_sec / baseline.ops_per_sec.max(f64::MIN_POSITIVE),
        ratio_label: "Ratio (Corral / baseline throughput)".into(),
        corral,
        baseline,
    })
}
