//! `corral-bench`: drives Corral with realistic load and, in the same run, the baseline each
//! scenario is judged against, and reports both and their ratio (absolute numbers drift on
//! shared machines; ratios much less).
//!
//! Against a server (`--url` to a running one, or one the harness starts on `--backend
//! sqlite|postgres`):
//! - `hot-project`: N editors renaming tasks of one project over REST, every acknowledged write
//!   verified at the end; floor: raw PostgreSQL single-row UPDATE.
//! - `fanout`: one writer, N Socket.IO clients in the project room; floor: a raw Valkey
//!   publish/subscribe round trip.
//! - `mixed`: many projects, readers and writers; floor: the same mix as raw statements.
//! - `agent-storm`: N scripted-agent conversations at once; baseline: spawning the bare agent.
//! - `board-read`: a whole board paged over REST by K readers; baseline: the database building
//!   the same JSON in one query (`--in-process`: from the actor's memory, without HTTP).
//! - `upload`: N clients uploading 1 MiB attachments through Paca's presigned flow (initiate,
//!   PUT to the signed URL, complete); baseline: writing the same bytes to a temp file, fsync
//!   and rename, on the server's data disk.
//! - `doc-edits`: N editors typing into one live document (y-websocket) and an observer;
//!   baseline: Hocuspocus (Node) on the same harness, with its own framing.
//!
//! In-process (the actor layer without the HTTP edge):
//! - `write-path`: the project actors' group commit vs. a transaction per update with row
//!   locks.
//! - `activation`: a project's cold start vs. bulk-reading its rows (COPY).
//!
//! `suite` runs every scenario with small parameters on both backends.

mod activation;
mod agent_storm;
mod board_read;
mod common;
mod doc_edits;
mod fanout;
mod hot_project;
mod memory;
mod mixed;
mod report;
mod suite;
mod target;
mod upload;
mod write_path;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "corral-bench",
    version,
    about = "Corral's benchmark harness: each scenario runs with its baseline in the same run and \
             prints the ratio; results are JSON on stdout, a Markdown table with --record",
    long_about = None
)]
struct Cli {
    /// Append each result as a Markdown table, with the command, to this file (e.g.
    /// benches/RESULTS.md).
    #[arg(long, global = true)]
    record: Option<std::path::PathBuf>,
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Subcommand)]
enum Scenario {
    /// N concurrent editors renaming tasks of one project over REST (closed loop), every
    /// acknowledged write verified at the end; vs. raw PostgreSQL single-row UPDATE.
    HotProject(hot_project::Args),
    /// One writer, N Socket.IO clients in a project room: update-to-receipt latency vs. a raw
    /// Valkey publish/subscribe round trip.
    Fanout(fanout::Args),
    /// Many projects, readers and writers over REST; vs. the same mix as raw statements.
    Mixed(mixed::Args),
    /// N scripted-agent conversations at once: start latency and agent events/s vs. spawning
    /// the bare agent process.
    AgentStorm(agent_storm::Args),
    /// Cold start of a project of N tasks (in-process); vs. bulk-reading its rows (COPY).
    Activation(activation::Args),
    /// Task updates on one hot project through the project actors (in-process, PostgreSQL)
    /// vs. one transaction per update with row locks.
    WritePath(write_path::Args),
    /// A full board of N tasks read by K readers over REST (or from the project actor,
    /// `--in-process`) vs. the database building the same JSON in one query.
    BoardRead(board_read::Args),
    /// Server RSS per resident task: empty, with a project of N tasks loaded, and after a board
    /// read (every task's JSON cached); vs. the size of the tasks' JSON.
    Memory(memory::Args),
    /// N clients uploading files through Paca's presigned flow (initiate → PUT to the signed
    /// URL → complete), every step checked; vs. writing the same bytes to a temp file, fsync
    /// and rename on the same disk.
    Upload(upload::Args),
    /// N editors typing into their own paragraphs of one live document (yrs over WebSockets)
    /// and an observer: merged updates/s closed loop, p99 at a fixed rate, every client's
    /// final state checked; vs. Hocuspocus on the same harness (`npm ci` in
    /// benches/hocuspocus first).
    DocEdits(doc_edits::Args),
    /// Every scenario on SQLite and on PostgreSQL + Valkey (`--quick`: small parameters, about
    /// two minutes).
    Suite(suite::Args),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let command_line = std::env::args().collect::<Vec<_>>().join(" ");
    let suite = matches!(cli.scenario, Scenario::Suite(_));
    let results = match cli.scenario {
        Scenario::HotProject(args) => vec![hot_project::run(args).await?],
        Scenario::Fanout(args) => vec![fanout::run(args).await?],
        Scenario::Mixed(args) => vec![mixed::run(args).await?],
        Scenario::Activation(args) => vec![activation::run(args).await?],
        Scenario::AgentStorm(args) => vec![agent_storm::run(args).await?],
        Scenario::WritePath(args) => vec![write_path::run(args).await?],
        Scenario::BoardRead(args) => vec![board_read::run(args).await?],
        Scenario::Memory(args) => vec![memory::run(args).await?],
        Scenario::Upload(args) => vec![upload::run(args).await?],
        Scenario::DocEdits(args) => doc_edits::run(args).await?,
        Scenario::Suite(args) => suite::run(args).await?,
    };
    println!("{}", serde_json::to_string_pretty(&results)?);
    if let Some(path) = cli.record {
        let level = if suite {
            report::append_heading(&path, "suite", &command_line)?;
            "###"
        } else {
            "##"
        };
        for result in &results {
            report::append(&path, result, &command_line, level)?;
        }
        eprintln!("recorded in {}", path.display());
    }
    Ok(())
}
