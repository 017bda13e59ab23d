//! `upload`: N clients, closed loop, each uploading files (1 MiB by default) to a task of its
//! own through Paca's presigned flow: `initiate-upload` (201, a signed URL), a PUT of the bytes
//! to that URL without credentials (200 and an `ETag`), `complete-upload` (201, the
//! attachment). A latency is the whole flow; every step must answer as it should, and a
//! single failure, warm-up included, fails the run. Afterwards (outside the measured window)
//! every task's attachment count must equal the uploads acknowledged for it, and one attachment
//! is downloaded and compared byte for byte.
//!
//! Baseline, same run, same clients, same bytes, same disk (a scratch directory in the server's
//! data directory): what the local blob store fundamentally does, without HTTP, signing or the
//! database: create a staged file next to the final name, write the bytes, `fsync` it, rename it
//! into place, `fsync` the directory (object_store's `LocalFileSystem` with fsync on, as the
//! server opens it). Its CPU column is the harness process's (it does the writes).

use crate::common::{Timing, closed_loop};
use crate::report::{Measured, ScenarioResult};
use crate::target::{Client, Target, TargetArgs};
use anyhow::{Context, bail};
use hdrhistogram::Histogram;
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
// The `bytes` crate's buffer (re-exported by tungstenite, already a dependency): a request
// body clones a pointer, not the file.
use tokio_tungstenite::tungstenite::Bytes;

const LOOP_LABEL: &str = "upload";
const MIB: f64 = 1024.0 * 1024.0;
/// Files from this size on are multipart (docs/design-files.md §2); this scenario measures the
/// single PUT.
const MULTIPART_FROM: usize = 5 * 1024 * 1024;

#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    /// Concurrent clients (closed loop), each uploading to a task of its own. The server
    /// refuses more than 64 PUTs at once (503), which fails the run.
    #[arg(long, default_value_t = 16)]
    pub clients: usize,
    /// Bytes per file (one PUT: under 5 MiB).
    #[arg(long, default_value_t = 1024 * 1024)]
    pub file_bytes: usize,
    /// Where the baseline writes (a scratch directory inside, removed afterwards); put it on
    /// the server's data disk. Default: the data directory of the server the harness starts;
    /// needed with --url.
    #[arg(long)]
    pub baseline_dir: Option<PathBuf>,
    #[command(flatten)]
    pub timing: Timing,
    #[command(flatten)]
    pub target: TargetArgs,
}

pub async fn run(args: Args) -> anyhow::Result<ScenarioResult> {
    if args.file_bytes == 0 || args.file_bytes >= MULTIPART_FROM {
        bail!(
            "--file-bytes must be from 1 to {} (one PUT)",
            MULTIPART_FROM - 1
        );
    }
    if args.clients == 0 {
        bail!("--clients must be at least 1");
    }
    let target = Target::open(&args.target).await?;
    let result = measure(&args, &target).await;
    target.close().await;
    result
}

/// Failures of one side, warm-up included, and the first few reasons.
#[derive(Default)]
struct Failures {
    count: AtomicU64,
    first: Mutex<Vec<String>>,
}

impl Failures {
    fn note(&self, reason: String) {
        self.count.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut first) = self.first.lock()
            && first.len() < 5
        {
            first.push(reason);
        }
    }

    /// An error naming the failures, if there were any.
    fn check(&self, side: &str) -> anyhow::Result<()> {
        let n = self.count.load(Ordering::Relaxed);
        if n == 0 {
            return Ok(());
        }
        let first = self
            .first
            .lock()
            .map(|f| f.join("\n  "))
            .unwrap_or_default();
        bail!("upload: {n} {side} uploads failed; the first:\n  {first}")
    }
}

/// Latency of each step of the measured uploads: initiate, PUT, complete.
struct Steps {
    measure_from: Instant,
    histograms: Mutex<[Histogram<u64>; 3]>,
}

impl Steps {
    fn new(measure_from: Instant) -> anyhow::Result<Self> {
        let h = || Histogram::<u64>::new(3);
        Ok(Self {
            measure_from,
            histograms: Mutex::new([h()?, h()?, h()?]),
        })
    }

    fn record(&self, started: Instant, steps: [Duration; 3]) {
        if started < self.measure_from {
            return;
        }
        if let Ok(mut h) = self.histograms.lock() {
            for (h, d) in h.iter_mut().zip(steps) {
                let _ = h.record(d.as_micros() as u64);
            }
        }
    }

    /// `{step: {p50_ms, p99_ms}}` for the parameters.
    fn summary(&self) -> Value {
        let Ok(h) = self.histograms.lock() else {
            return Value::Null;
        };
        let ms = |h: &Histogram<u64>, q: f64| h.value_at_quantile(q) as f64 / 1000.0;
        let step = |h: &Histogram<u64>| json!({"p50_ms": ms(h, 0.5), "p99_ms": ms(h, 0.99)});
        json!({"initiate": step(&h[0]), "put": step(&h[1]), "complete": step(&h[2])})
    }
}

async fn measure(args: &Args, target: &Target) -> anyhow::Result<ScenarioResult> {
    let baseline_root = args
        .baseline_dir
        .clone()
        .or_else(|| target.data_dir.clone())
        .context("with --url, give --baseline-dir on the server's data disk")?;
    let (project, tasks) = target
        .client
        .project_with_tasks("Uploads", args.clients)
        .await?;
    // One buffer per client, different from every other: a file attached to the wrong task
    // shows in the final check.
    let bodies: Arc<Vec<Bytes>> = Arc::new(
        (0..args.clients)
            .map(|i| Bytes::from(file_bytes(args.file_bytes, i)))
            .collect(),
    );
    let tasks = Arc::new(tasks);
    let acked: Arc<Vec<AtomicU64>> =
        Arc::new((0..args.clients).map(|_| AtomicU64::new(0)).collect());
    let failures = Arc::new(Failures::default());
    eprintln!(
        "upload: {} clients, {} bytes a file; measuring Corral",
        args.clients, args.file_bytes
    );
    let steps = Arc::new(Steps::new(Instant::now() + args.timing.warmup())?);
    let corral = {
        let (client, project) = (target.client.clone(), project.clone());
        let (tasks, bodies, acked) = (tasks.clone(), bodies.clone(), acked.clone());
        let (failures, steps) = (failures.clone(), steps.clone());
        closed_loop(
            LOOP_LABEL,
            args.clients,
            args.timing.warmup(),
            args.timing.measure(),
            target.pid,
            move |i| {
                let (client, project) = (client.clone(), project.clone());
                let (tasks, bodies, acked) = (tasks.clone(), bodies.clone(), acked.clone());
                let (failures, steps) = (failures.clone(), steps.clone());
                async move {
                    let n = acked[i].load(Ordering::Relaxed);
                    let name = format!("client-{i}-{n}.bin");
                    let started = Instant::now();
                    match upload(&client, &project, &tasks[i], &name, bodies[i].clone()).await {
                        Ok(took) => {
                            acked[i].fetch_add(1, Ordering::Relaxed);
                            steps.record(started, took);
                            true
                        }
                        Err(e) => {
                            failures.note(format!("{name}: {e:#}"));
                            false
                        }
                    }
                }
            },
        )
        .await
    };
    failures.check("Corral")?;
    let checked = verify(&target.client, &project, &tasks, &acked, &bodies).await?;
    let corral = Measured::of_run("corral (initiate → PUT → complete, each 201/200)", &corral);

    eprintln!("upload: measuring the baseline (temp file, fsync, rename, directory fsync)");
    let scratch = baseline_root.join(format!("upload-baseline-{}", uuid::Uuid::new_v4().simple()));
    let baseline = baseline(args, &scratch, &bodies).await;
    let _ = std::fs::remove_dir_all(&scratch);
    let baseline = Measured::of_run(
        "baseline (temp file + fsync + rename + dir fsync; CPU: the harness)",
        &baseline?,
    );
    let mib = |m: &Measured| m.ops_per_sec * args.file_bytes as f64 / MIB;
    Ok(ScenarioResult {
        scenario: "upload".into(),
        parameters: json!({
            "clients": args.clients, "file_bytes": args.file_bytes,
            "seconds": args.timing.seconds, "warmup": args.timing.warmup,
            "server": target.description,
            "filesystem": filesystem(&baseline_root).unwrap_or_else(|| "unknown".into()),
            "corral_mib_per_sec": mib(&corral), "baseline_mib_per_sec": mib(&baseline),
            "server_cpu_us_per_upload": corral.server_cpu_us_per_op,
            "baseline_cpu_us_per_write": baseline.server_cpu_us_per_op,
            "steps": steps.summary(),
            "attachments_checked": checked, "failed_uploads": 0,
        }),
        ratio: corral.ops_per_sec / baseline.ops_per_sec.max(f64::MIN_POSITIVE),
        ratio_label: "Ratio (Corral uploads/s / temp file + rename, same bytes and clients)".into(),
        corral,
        baseline,
    })
}

/// `len` bytes that differ from client to client.
fn file_bytes(len: usize, client: usize) -> Vec<u8> {
    let seed = client as u64 + 1;
    (0..len as u64)
        .map(|j| (j.wrapping_mul(2_654_435_761).wrapping_add(seed * 97) >> 7) as u8)
        .collect()
}

/// One file through the whole flow; how long each step took.
async fn upload(
    client: &Client,
    project: &str,
    task: &str,
    name: &str,
    body: Bytes,
) -> anyhow::Result<[Duration; 3]> {
    let size = body.len();
    let path = format!("/projects/{project}/tasks/{task}/attachments");
    let t0 = Instant::now();
    let session = created(
        client
            .request(Method::POST, &format!("{path}/initiate-upload"))
            .json(
                &json!({"file_name": name, "content_type": "application/octet-stream",
                          "file_size": size}),
            )
            .send()
            .await
            .context("initiate")?,
        "initiate",
    )
    .await?;
    let file_id = session["file_id"]
        .as_str()
        .context("initiate: no file_id")?;
    if session["is_multipart"] != false {
        bail!("initiate: a multipart session for {size} bytes: {session}");
    }
    let url = session["upload_url"]
        .as_str()
        .context("initiate: no upload_url")?;
    let t1 = Instant::now();
    // A signed URL is the only credential: no session, as a browser PUTs to S3.
    let put = client
        .http
        .put(url)
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(body)
        .send()
        .await
        .context("PUT")?;
    let status = put.status();
    let etag = put.headers().contains_key(header::ETAG);
    let answer = put.bytes().await.context("PUT")?;
    if status != StatusCode::OK {
        bail!("PUT: {status}: {}", String::from_utf8_lossy(&answer));
    }
    if !etag {
        bail!("PUT: 200 without an ETag");
    }
    let t2 = Instant::now();
    let attachment = created(
        client
            .request(Method::POST, &format!("{path}/complete-upload"))
            .json(&json!({"file_id": file_id}))
            .send()
            .await
            .context("complete")?,
        "complete",
    )
    .await?;
    if attachment["file_id"] != file_id || attachment["file"]["file_size"] != size {
        bail!("complete: another file than the one uploaded: {attachment}");
    }
    let t3 = Instant::now();
    Ok([t1 - t0, t2 - t1, t3 - t2])
}

/// The envelope's `data` of a 201; anything else is an error naming the step.
async fn created(resp: reqwest::Response, step: &str) -> anyhow::Result<Value> {
    let status = resp.status();
    let body = resp.bytes().await.with_context(|| step.to_owned())?;
    if status != StatusCode::CREATED {
        bail!("{step}: {status}: {}", String::from_utf8_lossy(&body));
    }
    let mut v: Value = serde_json::from_slice(&body).with_context(|| step.to_owned())?;
    Ok(v["data"].take())
}

/// Every task holds as many attachments as uploads were acknowledged for it, and the last one
/// of the first task reads back byte for byte. How many attachments were counted.
async fn verify(
    client: &Client,
    project: &str,
    tasks: &[String],
    acked: &[AtomicU64],
    bodies: &[Bytes],
) -> anyhow::Result<u64> {
    let mut counted = 0;
    let mut last_of_first = None;
    for (i, task) in tasks.iter().enumerate() {
        let list = client
            .call(
                Method::GET,
                &format!("/projects/{project}/tasks/{task}/attachments"),
                None,
            )
            .await?;
        let items = list["items"].as_array().context("attachments: no items")?;
        let want = acked[i].load(Ordering::Relaxed);
        if items.len() as u64 != want {
            bail!(
                "upload: task {i} has {} attachments; {want} uploads were acknowledged",
                items.len()
            );
        }
        counted += want;
        if i == 0 {
            last_of_first = items
                .last()
                .and_then(|a| a["id"].as_str())
                .map(str::to_owned);
        }
    }
    let attachment = last_of_first.context("upload: the first client attached nothing")?;
    let url = client
        .call(
            Method::GET,
            &format!(
                "/projects/{project}/tasks/{}/attachments/{attachment}/download-url?download=true",
                tasks[0]
            ),
            None,
        )
        .await?["url"]
        .as_str()
        .context("download-url: no url")?
        .to_owned();
    let got = client.http.get(&url).send().await?;
    let status = got.status();
    let got = got.bytes().await?;
    if status != StatusCode::OK || got[..] != bodies[0][..] {
        bail!(
            "upload: the downloaded file ({status}, {} bytes) is not the uploaded one ({} bytes)",
            got.len(),
            bodies[0].len()
        );
    }
    eprintln!("upload: {counted} attachments counted; one downloaded, bytes equal");
    Ok(counted)
}

/// The same clients writing the same bytes as the local store does, in `scratch`.
async fn baseline(
    args: &Args,
    scratch: &Path,
    bodies: &Arc<Vec<Bytes>>,
) -> anyhow::Result<crate::common::Run> {
    let dirs: Arc<Vec<PathBuf>> = Arc::new(
        (0..args.clients)
            .map(|i| scratch.join(format!("client-{i}")))
            .collect(),
    );
    for dir in dirs.iter() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let counter = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(Failures::default());
    let run = {
        let (bodies, failures) = (bodies.clone(), failures.clone());
        closed_loop(
            LOOP_LABEL,
            args.clients,
            args.timing.warmup(),
            args.timing.measure(),
            // The writes are this process's: its CPU is the floor's CPU per upload.
            Some(std::process::id()),
            move |i| {
                let (dir, body) = (dirs[i].clone(), bodies[i].clone());
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let failures = failures.clone();
                async move {
                    let written =
                        tokio::task::spawn_blocking(move || write_durably(&dir, n, &body)).await;
                    match written {
                        Ok(Ok(())) => true,
                        Ok(Err(e)) => {
                            failures.note(format!("file {n}: {e}"));
                            false
                        }
                        Err(e) => {
                            failures.note(format!("file {n}: {e}"));
                            false
                        }
                    }
                }
            },
        )
        .await
    };
    failures.check("baseline")?;
    Ok(run)
}

/// What `LocalFileSystem` does for a put with fsync on: a staged file beside the final name,
/// the bytes, `fsync`, rename into place, `fsync` of the directory.
fn write_durably(dir: &Path, n: u64, body: &[u8]) -> std::io::Result<()> {
    let staged = dir.join(format!("{n}#1"));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&staged)?;
    file.write_all(body)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&staged, dir.join(n.to_string()))?;
    std::fs::File::open(dir)?.sync_all()
}

/// The file system type and device `path` is on (the longest mount point above it).
fn filesystem(path: &Path) -> Option<String> {
    let path = path.canonicalize().ok()?;
    let mounts = std::fs::read_to_string("/proc/self/mounts").ok()?;
    mounts
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (device, point, kind) = (f.next()?, f.next()?, f.next()?);
            path.starts_with(point)
                .then(|| (point.len(), format!("{kind} on {device}")))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, fs)| fs)
}
