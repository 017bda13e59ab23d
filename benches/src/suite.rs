//! `suite`: every scenario, one after the other, on each backend, with the parameters of the
//! quick suite (a few minutes on a 2-core machine) or the full one.

use crate::common::{Timing, Window};
use crate::report::ScenarioResult;
use crate::target::{Backend, TargetArgs};
use crate::{activation, agent_storm, board_read, fanout, hot_project, mixed, upload, write_path};

#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    /// Small parameters and short windows (under five minutes in all).
    #[arg(long)]
    quick: bool,
    /// Backends to run the server scenarios on.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [Backend::Sqlite, Backend::Postgres])]
    backends: Vec<Backend>,
    #[command(flatten)]
    target: TargetArgs,
}

pub async fn run(args: Args) -> anyhow::Result<Vec<ScenarioResult>> {
    let q = args.quick;
    let timing = if q {
        Timing {
            seconds: 4,
            warmup: 1,
        }
    } else {
        Timing {
            seconds: 10,
            warmup: 2,
        }
    };
    let mut results = Vec::new();
    for &backend in &args.backends {
        let target = TargetArgs {
            backend,
            ..args.target.clone()
        };
        eprintln!("suite: hot-project ({})", backend.label());
        results.push(
            hot_project::run(hot_project::Args {
                editors: if q { 32 } else { 64 },
                tasks: if q { 500 } else { 1000 },
                floor_clients: 16,
                timing: timing.clone(),
                target: target.clone(),
            })
            .await?,
        );
        eprintln!("suite: fanout ({})", backend.label());
        results.push(
            fanout::run(fanout::Args {
                sockets: if q { 200 } else { 1000 },
                updates: if q { 30 } else { 100 },
                rate: 10,
                target: target.clone(),
            })
            .await?,
        );
        eprintln!("suite: mixed ({})", backend.label());
        results.push(
            mixed::run(mixed::Args {
                projects: if q { 8 } else { 20 },
                tasks: if q { 100 } else { 200 },
                writers: 16,
                readers: 16,
                timing: timing.clone(),
                target: target.clone(),
            })
            .await?,
        );
        eprintln!("suite: board-read ({})", backend.label());
        results.push(
            board_read::run(board_read::Args {
                tasks: if q { 2000 } else { 5000 },
                readers: if q { 4 } else { 8 },
                in_process: false,
                single_request: false,
                timing: timing.clone(),
                target: target.clone(),
            })
            .await?,
        );
        results.push(
            board_read::run(board_read::Args {
                tasks: if q { 2000 } else { 5000 },
                readers: if q { 4 } else { 8 },
                in_process: false,
                single_request: true,
                timing: timing.clone(),
                target: target.clone(),
            })
            .await?,
        );
        eprintln!("suite: upload ({})", backend.label());
        results.push(
            upload::run(upload::Args {
                clients: 16,
                file_bytes: 1024 * 1024,
                baseline_dir: None,
                timing: timing.clone(),
                target: target.clone(),
            })
            .await?,
        );
        eprintln!("suite: agent-storm ({})", backend.label());
        results.push(
            agent_storm::run(agent_storm::Args {
                conversations: if q { 10 } else { 50 },
                events: if q { 50 } else { 200 },
                parallel: if q { 5 } else { 10 },
                target: target.clone(),
            })
            .await?,
        );
        eprintln!("suite: activation ({})", backend.label());
        results.push(
            activation::run(activation::Args {
                tasks: if q { 2000 } else { 10_000 },
                iterations: if q { 10 } else { 20 },
                backend,
                postgres_url: args.target.postgres_url.clone(),
            })
            .await?,
        );
    }
    let window = Window {
        postgres_url: args.target.postgres_url.clone(),
        timing,
    };
    eprintln!("suite: write-path (in-process, PostgreSQL)");
    results.push(
        write_path::run(write_path::Args {
            editors: 64,
            tasks: if q { 500 } else { 1000 },
            window: window.clone(),
        })
        .await?,
    );
    eprintln!("suite: board-read (in-process, PostgreSQL)");
    results.push(
        board_read::run(board_read::Args {
            tasks: if q { 2000 } else { 5000 },
            readers: if q { 4 } else { 8 },
            in_process: true,
            single_request: false,
            timing: window.timing.clone(),
            target: args.target.clone(),
        })
        .await?,
    );
    Ok(results)
}
