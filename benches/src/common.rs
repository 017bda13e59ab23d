//! What scenarios share: a scratch PostgreSQL database, a caller with every permission, and
//! the closed-loop driver that measures after a warm-up.

use anyhow::Context;
use corral_actors::bus::Bus;
use corral_actors::ids::ProjectId;
use corral_actors::ids::UserId;
use corral_actors::permission::{PermissionMap, PermissionSet};
use corral_actors::project::Caller;
use corral_actors::project::command::{CreateProject, NewProject};
use corral_actors::project::{Projects, ProjectsConfig};
use corral_actors::store::Store;
use corral_persistence::{InProcessBus, PostgresStore};
use hdrhistogram::Histogram;
use sqlx::Connection;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long each side of a comparison warms up and is measured.
#[derive(clap::Args, Clone, Debug)]
pub struct Timing {
    /// Measured seconds per side.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Warm-up seconds per side (not measured).
    #[arg(long, default_value_t = 2)]
    pub warmup: u64,
}

impl Timing {
    pub fn warmup(&self) -> Duration {
        Duration::from_secs(self.warmup)
    }

    pub fn measure(&self) -> Duration {
        Duration::from_secs(self.seconds)
    }
}

/// What every in-process PostgreSQL scenario takes: where to make its scratch database and
/// how long to warm up and measure each side.
#[derive(clap::Args, Clone, Debug)]
pub struct Window {
    /// A PostgreSQL database the harness may create a scratch database from.
    #[arg(
        long,
        env = "CORRAL_BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/test"
    )]
    pub postgres_url: String,
    #[command(flatten)]
    pub timing: Timing,
}

impl Window {
    pub fn warmup(&self) -> Duration {
        self.timing.warmup()
    }

    pub fn measure(&self) -> Duration {
        self.timing.measure()
    }
}

pub fn admin() -> Caller {
    let all: PermissionMap = [("*".to_owned(), true)].into();
    Caller {
        user_id: Some(UserId::new()),
        username: "bench".into(),
        full_name: "Bench".into(),
        global: PermissionSet::from_map(&all),
        ..Caller::default()
    }
}

pub struct Scratch {
    admin_url: String,
    name: String,
    pub url: String,
}

impl Scratch {
    pub async fn create(admin_url: &str) -> anyhow::Result<Self> {
        let name = format!("corral_bench_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(admin_url)
            .await
            .context("connecting to PostgreSQL")?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await?;
        let base = admin_url.rsplit_once('/').map_or(admin_url, |(b, _)| b);
        Ok(Self {
            admin_url: admin_url.to_owned(),
            url: format!("{base}/{name}"),
            name,
        })
    }

    pub async fn drop_now(&self) -> anyhow::Result<()> {
        let mut conn = sqlx::PgConnection::connect(&self.admin_url).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )))
        .execute(&mut conn)
        .await?;
        Ok(())
    }
}

/// What a closed-loop run measured.
pub struct Run {
    pub latencies: Histogram<u64>,
    pub errors: u64,
    pub seconds: f64,
    /// CPU seconds the measured process used during the measured window.
    pub cpu_seconds: Option<f64>,
}

/// Runs `editors` closed loops of `op` for warm-up plus the measured window, with a progress
/// bar on a terminal; `cpu_of` is the process whose CPU time the window is charged (the
/// server, or this process for in-process scenarios).
pub async fn closed_loop<F, Fut>(
    what: &str,
    editors: usize,
    warmup: Duration,
    measure: Duration,
    cpu_of: Option<u32>,
    op: F,
) -> Run
where
    F: Fn(usize) -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let start = Instant::now();
    let measure_from = start + warmup;
    let end = measure_from + measure;
    let done = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let progress = progress_bar(what, warmup + measure, done.clone());
    let cpu = tokio::spawn(async move {
        let pid = cpu_of?;
        tokio::time::sleep_until(measure_from.into()).await;
        let before = crate::target::cpu_seconds(pid)?;
        tokio::time::sleep_until(end.into()).await;
        Some(crate::target::cpu_seconds(pid)? - before)
    });
    let loops: Vec<_> = (0..editors)
        .map(|i| {
            let (op, done) = (op.clone(), done.clone());
            tokio::spawn(async move {
                let mut h = Histogram::<u64>::new(3).expect("histogram");
                let mut errors = 0u64;
                loop {
                    let t0 = Instant::now();
                    if t0 >= end {
                        break;
                    }
                    let ok = op(i).await;
                    done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if t0 >= measure_from {
                        if ok {
                            let _ = h.record(t0.elapsed().as_micros() as u64);
                        } else {
                            errors += 1;
                        }
                    }
                }
                (h, errors)
            })
        })
        .collect();
    let mut all = Histogram::<u64>::new(3).expect("histogram");
    let mut errors = 0;
    for l in loops {
        let (h, e) = l.await.expect("editor");
        all.add(h).expect("merge");
        errors += e;
    }
    progress.abort();
    Run {
        latencies: all,
        errors,
        seconds: measure.as_secs_f64(),
        cpu_seconds: cpu.await.ok().flatten(),
    }
}

/// A bar over `total` time, showing operations done, drawn only on a terminal.
pub fn progress_bar(
    what: &str,
    total: Duration,
    done: Arc<std::sync::atomic::AtomicU64>,
) -> tokio::task::JoinHandle<()> {
    let bar = indicatif::ProgressBar::new(total.as_millis() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{prefix:>28} [{bar:30}] {elapsed}/{duration} {msg}",
        )
        .expect("template")
        .progress_chars("=> "),
    );
    bar.set_prefix(what.to_owned());
    let started = Instant::now();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(200));
        loop {
            tick.tick().await;
            bar.set_position(started.elapsed().as_millis() as u64);
            bar.set_message(format!(
                "{} ops",
                done.load(std::sync::atomic::Ordering::Relaxed)
            ));
            if started.elapsed() >= total {
                bar.finish_and_clear();
                return;
            }
        }
    })
}

/// Project actors on a scratch PostgreSQL database with the in-process bus, and one new
/// project owned by an all-powerful caller.
pub struct Bench {
    pub store: Arc<PostgresStore>,
    pub projects: Projects,
    pub caller: Caller,
    pub project: ProjectId,
}

impl Bench {
    pub async fn start(scratch: &Scratch, pool_size: u32, name: &str) -> anyhow::Result<Self> {
        let store = Arc::new(PostgresStore::connect(&scratch.url, pool_size).await?);
        let bus: Arc<dyn Bus> = Arc::new(InProcessBus::new());
        let relay = corral_actors::pipeline::Relay::start(
            store.clone() as Arc<dyn Store>,
            bus.clone(),
            corral_actors::pipeline::RelayConfig::default(),
        );
        let projects = Projects::start(
            store.clone() as Arc<dyn Store>,
            bus,
            ProjectsConfig::default(),
            relay,
        )
        .await?;
        let caller = admin();
        let project = ProjectId::new();
        let new = NewProject {
            name: name.into(),
            ..NewProject::default()
        };
        projects
            .command(project, caller.clone(), CreateProject(new))
            .await?;
        Ok(Self {
            store,
            projects,
            caller,
            project,
        })
    }
}
