//! Results: one JSON object per scenario, and a Markdown row for `benches/RESULTS.md`.

use hdrhistogram::Histogram;
use serde::Serialize;
use std::io::Write;
use std::path::Path;

/// Throughput and latency of one side of a comparison.
#[derive(Clone, Debug, Serialize)]
pub struct Measured {
    pub label: String,
    pub ops: u64,
    pub errors: u64,
    pub seconds: f64,
    pub ops_per_sec: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// CPU microseconds the server spent per operation in the measured window (user +
    /// system, from /proc), when the harness can see the server's process.
    pub server_cpu_us_per_op: Option<f64>,
}

impl Measured {
    pub fn new(label: &str, latencies: &Histogram<u64>, errors: u64, seconds: f64) -> Self {
        let ms = |q: f64| latencies.value_at_quantile(q) as f64 / 1000.0;
        Self {
            label: label.to_owned(),
            ops: latencies.len(),
            errors,
            seconds,
            ops_per_sec: latencies.len() as f64 / seconds,
            p50_ms: ms(0.5),
            p90_ms: ms(0.9),
            p99_ms: ms(0.99),
            max_ms: latencies.max() as f64 / 1000.0,
            server_cpu_us_per_op: None,
        }
    }

    /// From a closed-loop run, with the server's CPU per operation.
    pub fn of_run(label: &str, run: &crate::common::Run) -> Self {
        let mut m = Self::new(label, &run.latencies, run.errors, run.seconds);
        m.server_cpu_us_per_op = run.cpu_seconds.map(|c| c * 1e6 / (m.ops.max(1) as f64));
        m
    }

    pub fn with_cpu(mut self, cpu_seconds: Option<f64>) -> Self {
        self.server_cpu_us_per_op = cpu_seconds.map(|c| c * 1e6 / (self.ops.max(1) as f64));
        self
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ScenarioResult {
    pub scenario: String,
    pub parameters: serde_json::Value,
    pub corral: Measured,
    pub baseline: Measured,
    /// Corral's throughput over the baseline's, or for latency scenarios Corral's median
    /// over the floor's (see `ratio_label`).
    pub ratio: f64,
    pub ratio_label: String,
}

/// Appends a heading for a group of results (a suite run) with the command that made them.
pub fn append_heading(path: &Path, title: &str, command: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    writeln!(
        f,
        "\n## {title} ({})\n\nCommand: `{command}`",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")
    )
}

/// Appends one result as a section at heading `level` (`##`, or `###` inside a suite).
pub fn append(path: &Path, r: &ScenarioResult, command: &str, level: &str) -> std::io::Result<()> {
    let new = !path.exists();
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    if new {
        writeln!(f, "# Benchmark results\n")?;
    }
    let on = r
        .parameters
        .get("server")
        .or_else(|| r.parameters.get("database"))
        .and_then(|v| v.as_str())
        .map(|s| format!(" — {s}"))
        .unwrap_or_default();
    writeln!(
        f,
        "\n{level} {}{on} ({})\n\nCommand: `{}`\n\nParameters: `{}`\n",
        r.scenario,
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        command,
        r.parameters
    )?;
    writeln!(
        f,
        "| side | ops/s | p50 ms | p90 ms | p99 ms | max ms | ops | errors | server CPU µs/op |"
    )?;
    writeln!(f, "|---|---|---|---|---|---|---|---|---|")?;
    for m in [&r.corral, &r.baseline] {
        let cpu = m
            .server_cpu_us_per_op
            .map_or_else(|| "–".to_owned(), |c| format!("{c:.1}"));
        writeln!(
            f,
            "| {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {} | {} | {cpu} |",
            m.label, m.ops_per_sec, m.p50_ms, m.p90_ms, m.p99_ms, m.max_ms, m.ops, m.errors
        )?;
    }
    writeln!(f, "\n**{}: {:.2}×**", r.ratio_label, r.ratio)?;
    Ok(())
}
