//! `doc-edits`: N editors and one observer on one live document, over real WebSockets, against
//! Hocuspocus in the same run (docs/design-docs.md §16).
//!
//! Every editor is a yrs `Doc` in this process typing one character per update at the end of
//! its own paragraph of a BlockNote-shaped document (fragment `document-store`: `blockGroup >
//! blockContainer > paragraph > XmlText`), created on Corral through REST with N paragraphs;
//! Hocuspocus is seeded with the same initial Yjs state (the observer sends it). Every
//! connection applies every update it receives, as a real client does.
//!
//! - **Closed loop**: each editor keeps `--in-flight` updates that the observer has not seen
//!   yet, and sends the next when the observer sees an earlier one. Merged updates/s = editor
//!   updates the observer received per second of the measured window.
//! - **Fixed load**: each editor sends `--rate` updates/s on a schedule (open loop, staggered),
//!   for a p99 at equal offered load.
//!
//! A latency runs from the editor's send to the observer's receipt, matched by (client id,
//! clock): after applying a frame the observer reads its document's state vector, and every
//! pending update of an editor whose clock it now covers has arrived. Server CPU per update is
//! the server process's user + system time (`/proc/<pid>/stat`) over the window divided by the
//! updates observed in it. At the end every client must hold the same document (BlockNote JSON
//! and state vector), every paragraph the text its editor typed, and, on Corral, `GET
//! …/docs/{id}` the same paragraph texts.
//!
//! Framing: y-websocket's for Corral (`GET /ws/docs/{docId}?token=`). Hocuspocus prefixes every
//! message with the document name (a lib0 `varString`), answers a sync step 1 with `SyncReply`
//! (4), acknowledges updates with `SyncStatus` (8), and handles nothing before an `Auth`
//! message (2, `Token` = 0, the token, the provider's version); the harness's first frames are
//! checked against what `@hocuspocus/provider` sends (`benches/hocuspocus/provider-frames.json`,
//! test below). Hocuspocus closes a connection that sent nothing for 60 s, so its connections
//! send a query-awareness message every 10 s.
//!
//! Fairness: Hocuspocus stores the document debounced (2 s, at most 10 s) and acknowledges
//! nothing durably; Corral appends every batch of updates to its store before relaying it.

use crate::common::Timing;
use crate::report::{Measured, ScenarioResult};
use crate::target::{Client, Target, TargetArgs, cpu_seconds, rss_bytes};
use anyhow::{Context, anyhow, bail};
use corral_actors::docs::blocknote::{self, yrs};
use corral_actors::docs::live::{self, Message};
use futures::{SinkExt, StreamExt, TryStreamExt};
use hdrhistogram::Histogram;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, watch};
use tokio_tungstenite::tungstenite::Message as Frame;
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{
    ClientID, ReadTxn, StateVector, Text, Transact, XmlFragment, XmlFragmentRef, XmlOut, XmlTextRef,
};

/// The `@hocuspocus/provider` version whose first frames the harness sends (its Auth message
/// carries it), pinned in `benches/hocuspocus/package.json`.
const HOCUSPOCUS_PROVIDER_VERSION: &str = "4.7.0";
/// Hocuspocus's message types beyond y-websocket's (`packages/server/src/types.ts`).
const HP_AUTH: u8 = 2;
const HP_AUTH_TOKEN: u8 = 0;
const HP_SYNC_REPLY: u8 = 4;
const HP_PING: u8 = 9;
const HP_PONG: u8 = 10;
/// y-websocket's query-awareness message: the Hocuspocus connections' keep-alive.
const QUERY_AWARENESS: [u8; 1] = [3];
const KEEPALIVE: Duration = Duration::from_secs(10);
/// How long a connection may take to sync, and the clients to agree at the end.
const SYNC_TIMEOUT: Duration = Duration::from_secs(60);
const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyz";

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum HocuspocusStore {
    /// In memory (no extension).
    Memory,
    /// `@hocuspocus/extension-sqlite` on a file next to the harness's temp files.
    Sqlite,
}

impl HocuspocusStore {
    fn label(self) -> &'static str {
        match self {
            Self::Memory => "in memory",
            Self::Sqlite => "SQLite extension",
        }
    }
}

#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    /// Editors per run (each list entry is one run of every server), plus one observer.
    #[arg(long, value_delimiter = ',', default_values_t = [10, 100])]
    pub editors: Vec<usize>,
    /// Closed loop: updates each editor keeps not yet seen by the observer.
    #[arg(long, default_value_t = 4)]
    pub in_flight: usize,
    /// Fixed load: updates per second each editor sends (0: no fixed-load phase).
    #[arg(long, default_value_t = 10)]
    pub rate: u32,
    /// Hocuspocus peers to measure in the same run.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [HocuspocusStore::Memory])]
    pub hocuspocus: Vec<HocuspocusStore>,
    /// Where `server.mjs` and its `node_modules` are (`npm ci` there first).
    #[arg(long, default_value = "benches/hocuspocus")]
    pub hocuspocus_dir: PathBuf,
    /// The Node.js that runs Hocuspocus.
    #[arg(long, default_value = "node")]
    pub node: PathBuf,
    #[command(flatten)]
    pub timing: Timing,
    #[command(flatten)]
    pub target: TargetArgs,
}

pub async fn run(args: Args) -> anyhow::Result<Vec<ScenarioResult>> {
    if args.editors.is_empty() || args.editors.contains(&0) {
        bail!("--editors must be one or more counts of at least 1");
    }
    if args.in_flight == 0 {
        bail!("--in-flight must be at least 1");
    }
    let mut peers = Vec::new();
    for &store in &args.hocuspocus {
        peers.push(Hocuspocus::start(&args, store)?);
    }
    let target = Target::open(&args.target).await?;
    let result = measure(&args, &target, &peers).await;
    target.close().await;
    drop(peers);
    result
}

async fn measure(
    args: &Args,
    target: &Target,
    peers: &[Hocuspocus],
) -> anyhow::Result<Vec<ScenarioResult>> {
    let client = &target.client;
    let token = client.socket_token()?.to_owned();
    let project = client
        .call(
            Method::POST,
            "/projects",
            Some(json!({"name": format!("Doc edits {}", &uuid::Uuid::new_v4().simple().to_string()[..6])})),
        )
        .await?["id"]
        .as_str()
        .context("project id")?
        .to_owned();
    let mut results = Vec::new();
    for &n in &args.editors {
        let doc = create_doc(client, &project, n).await?;
        let corral = Side {
            label: "Corral".into(),
            url: format!(
                "{}/ws/docs/{doc}?token={token}",
                client.base.replacen("http", "ws", 1)
            ),
            framing: Framing::YWebsocket,
            pid: target.pid,
        };
        eprintln!("doc-edits: {n} editors on Corral ({})", target.description);
        let corral = run_side(args, &corral, n, None).await?;
        let rest = rest_texts(client, &project, &doc).await?;
        if rest != texts(&corral.blocks) {
            bail!(
                "doc-edits: GET …/docs/{doc} differs from the clients' document:\n  REST: \
                 {rest:?}\n  clients: {:?}",
                texts(&corral.blocks)
            );
        }
        eprintln!(
            "doc-edits: final state equal on {} clients and in GET",
            n + 1
        );
        for peer in peers {
            let side = Side {
                label: format!("Hocuspocus {} ({})", peer.version, peer.store.label()),
                url: format!("ws://127.0.0.1:{}/", peer.port),
                framing: Framing::Hocuspocus {
                    name: format!("corral-bench-{}", uuid::Uuid::new_v4().simple()).into(),
                    token: "corral-bench".into(),
                },
                pid: Some(peer.pid),
            };
            eprintln!("doc-edits: {n} editors on {}", side.label);
            let hp = run_side(args, &side, n, Some(&corral.initial)).await?;
            eprintln!("doc-edits: final state equal on {} clients", n + 1);
            results.extend(compare(args, target, n, &corral, &hp, &side.label));
        }
    }
    Ok(results)
}

/// The closed-loop and fixed-load results of Corral against one Hocuspocus.
fn compare(
    args: &Args,
    target: &Target,
    n: usize,
    corral: &SideRun,
    hp: &SideRun,
    hp_label: &str,
) -> Vec<ScenarioResult> {
    let seconds = args.timing.measure().as_secs_f64();
    let side = |label: &str, phase: &PhaseRun| {
        Measured::new(label, &phase.latencies, 0, seconds).with_cpu(phase.server_cpu)
    };
    let extra = |phase: &PhaseRun| {
        let updates = phase.latencies.len().max(1) as f64;
        json!({
            "frames_per_sec_at_observer": phase.frames as f64 / seconds,
            "harness_cpu_us_per_update": phase.harness_cpu.map(|c| c * 1e6 / updates),
            "server_rss_mb": phase.server_rss.map(|b| b as f64 / 1e6),
        })
    };
    let parameters = |phase: &str, c: &PhaseRun, h: &PhaseRun| {
        json!({
            "editors": n, "observers": 1, "phase": phase,
            "in_flight": args.in_flight, "rate_per_editor": args.rate,
            "seconds": args.timing.seconds, "warmup": args.timing.warmup,
            "server": target.description, "peer": hp_label,
            "corral": extra(c), "hocuspocus": extra(h),
            "typed_per_editor": {"corral": corral.typed_per_editor, "hocuspocus": hp.typed_per_editor},
            "verified": format!("final state equal on {} clients (and Corral's GET)", n + 1),
        })
    };
    let mut out = Vec::new();
    let corral_closed = side("Corral, closed loop", &corral.closed);
    let hp_closed = side(&format!("{hp_label}, closed loop"), &hp.closed);
    out.push(ScenarioResult {
        scenario: format!("doc-edits ({n} editors, closed loop)"),
        parameters: parameters("closed loop", &corral.closed, &hp.closed),
        ratio: corral_closed.ops_per_sec / hp_closed.ops_per_sec.max(f64::MIN_POSITIVE),
        ratio_label: format!(
            "Ratio (Corral merged updates/s / {hp_label}'s, {} in flight per editor)",
            args.in_flight
        ),
        corral: corral_closed,
        baseline: hp_closed,
    });
    if let (Some(c), Some(h)) = (&corral.fixed, &hp.fixed) {
        let corral_fixed = side(&format!("Corral, {} updates/s per editor", args.rate), c);
        let hp_fixed = side(
            &format!("{hp_label}, {} updates/s per editor", args.rate),
            h,
        );
        out.push(ScenarioResult {
            scenario: format!("doc-edits ({n} editors, fixed load)"),
            parameters: parameters("fixed load", c, h),
            ratio: corral_fixed.p99_ms / hp_fixed.p99_ms.max(f64::MIN_POSITIVE),
            ratio_label: format!(
                "Ratio (Corral p99 / {hp_label}'s at {} updates/s per editor; below 1 is better)",
                args.rate
            ),
            corral: corral_fixed,
            baseline: hp_fixed,
        });
    }
    out
}

/// A document of `n` paragraphs, `Editor {i}: ` each, created over REST.
async fn create_doc(client: &Client, project: &str, n: usize) -> anyhow::Result<String> {
    let content: Vec<Value> = (0..n)
        .map(|i| json!({"type": "paragraph", "content": [{"type": "text", "text": prefix(i), "styles": {}}]}))
        .collect();
    let doc = client
        .call(
            Method::POST,
            &format!("/projects/{project}/docs"),
            Some(json!({"title": format!("Doc edits, {n} editors"), "content": content})),
        )
        .await
        .context("creating the document")?;
    Ok(doc["id"].as_str().context("document id")?.to_owned())
}

fn prefix(i: usize) -> String {
    format!("Editor {i}: ")
}

async fn rest_texts(client: &Client, project: &str, doc: &str) -> anyhow::Result<Vec<String>> {
    let doc = client
        .call(
            Method::GET,
            &format!("/projects/{project}/docs/{doc}"),
            None,
        )
        .await?;
    Ok(texts(&doc["content"]))
}

/// The text of each top-level block of BlockNote JSON.
fn texts(blocks: &Value) -> Vec<String> {
    blocks
        .as_array()
        .map(|bs| {
            bs.iter()
                .map(|b| {
                    b["content"]
                        .as_array()
                        .map(|runs| runs.iter().filter_map(|r| r["text"].as_str()).collect())
                        .unwrap_or_default()
                })
                .collect()
        })
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Framing

#[derive(Clone, Debug)]
enum Framing {
    /// y-websocket: the message as it is.
    YWebsocket,
    /// Hocuspocus: the document name first, and an Auth message before anything else.
    Hocuspocus { name: Arc<str>, token: Arc<str> },
}

/// A frame from a server, read.
#[derive(Debug, PartialEq)]
enum Incoming {
    Message(Message),
    /// Hocuspocus's connection-level ping (one byte, no document name).
    Ping,
    /// Auth, SyncStatus and other messages the harness has no use for.
    Other,
}

fn write_var(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn write_string(out: &mut Vec<u8>, s: &str) {
    write_var(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// A lib0 varUint at the start of `bytes`, and how many bytes it took.
fn read_var(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, byte) in bytes.iter().take(10).enumerate() {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

impl Framing {
    /// A y-websocket message as this server takes it.
    fn wrap(&self, message: &[u8]) -> Vec<u8> {
        match self {
            Self::YWebsocket => message.to_vec(),
            Self::Hocuspocus { name, .. } => {
                let mut out = Vec::with_capacity(name.len() + 2 + message.len());
                write_string(&mut out, name);
                out.extend_from_slice(message);
                out
            }
        }
    }

    /// What a client sends as its socket opens, before its sync step 1: Hocuspocus's Auth
    /// (`AuthenticationMessage`: type, `Token`, the token, the provider's version).
    fn hello(&self) -> Vec<Vec<u8>> {
        match self {
            Self::YWebsocket => Vec::new(),
            Self::Hocuspocus { token, .. } => {
                let mut auth = vec![HP_AUTH, HP_AUTH_TOKEN];
                write_string(&mut auth, token);
                write_string(&mut auth, HOCUSPOCUS_PROVIDER_VERSION);
                vec![self.wrap(&auth)]
            }
        }
    }

    fn read(&self, frame: &[u8]) -> Option<Incoming> {
        match self {
            Self::YWebsocket => live::decode(frame).map(Incoming::Message),
            Self::Hocuspocus { .. } => {
                if frame == [HP_PING] {
                    return Some(Incoming::Ping);
                }
                let (len, at) = read_var(frame)?;
                let rest = frame.get(at + usize::try_from(len).ok()?..)?;
                match *rest.first()? {
                    0 | 1 | 3 => live::decode(rest).map(Incoming::Message),
                    HP_SYNC_REPLY => {
                        let mut sync = rest.to_vec();
                        sync[0] = 0;
                        live::decode(&sync).map(Incoming::Message)
                    }
                    _ => Some(Incoming::Other),
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A client connection

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;
type Received = Option<Result<Frame, tokio_tungstenite::tungstenite::Error>>;

/// One client: a Yjs document kept in sync with a server over one WebSocket.
struct Peer {
    socket: Socket,
    doc: yrs::Doc,
    fragment: XmlFragmentRef,
    framing: Framing,
    /// The server answered our sync step 1.
    synced: bool,
}

impl Peer {
    async fn connect(url: &str, framing: Framing, doc: yrs::Doc) -> anyhow::Result<Self> {
        let (socket, _) = tokio_tungstenite::connect_async_with_config(url, None, true)
            .await
            .with_context(|| format!("connecting to {}", url.split('?').next().unwrap_or(url)))?;
        let fragment = doc.get_or_insert_xml_fragment(blocknote::FRAGMENT);
        let mut peer = Self {
            socket,
            doc,
            fragment,
            framing,
            synced: false,
        };
        for frame in peer.framing.hello() {
            peer.send_raw(frame).await?;
        }
        let sv = peer.doc.transact().state_vector().encode_v1();
        peer.send(&live::sync_step1(&sv)).await?;
        Ok(peer)
    }

    async fn send(&mut self, message: &[u8]) -> anyhow::Result<()> {
        let frame = self.framing.wrap(message);
        self.send_raw(frame).await
    }

    async fn send_raw(&mut self, frame: Vec<u8>) -> anyhow::Result<()> {
        self.socket
            .send(Frame::Binary(frame.into()))
            .await
            .context("sending")
    }

    /// Handles one frame from the server; true when the document may have changed.
    async fn handle(&mut self, received: Received) -> anyhow::Result<bool> {
        let bytes = match received {
            None => bail!("the server ended the connection"),
            Some(Err(e)) => bail!("the connection failed: {e}"),
            Some(Ok(Frame::Binary(bytes))) => bytes,
            Some(Ok(Frame::Close(close))) => bail!("the server closed the socket: {close:?}"),
            Some(Ok(_)) => return Ok(false),
        };
        let Some(incoming) = self.framing.read(&bytes) else {
            bail!(
                "a frame the harness cannot read: {:02x?}",
                &bytes[..bytes.len().min(32)]
            );
        };
        match incoming {
            Incoming::Ping => {
                self.send_raw(vec![HP_PONG]).await?;
                Ok(false)
            }
            Incoming::Other => Ok(false),
            Incoming::Message(Message::SyncStep1(sv)) => {
                let sv = StateVector::decode_v1(&sv).context("a state vector")?;
                let diff = self.doc.transact().encode_diff_v1(&sv);
                self.send(&live::sync_step2(&diff)).await?;
                Ok(false)
            }
            Incoming::Message(Message::SyncStep2(update)) => {
                self.apply(&update)?;
                self.synced = true;
                Ok(true)
            }
            Incoming::Message(Message::Update(update)) => {
                self.apply(&update)?;
                Ok(true)
            }
            Incoming::Message(_) => Ok(false),
        }
    }

    fn apply(&self, update: &[u8]) -> anyhow::Result<()> {
        let update = yrs::Update::decode_v1(update).context("an update")?;
        self.doc
            .transact_mut()
            .apply_update(update)
            .context("applying an update")
    }

    /// Reads until the server answered the sync and the document holds `paragraphs` blocks.
    async fn sync(&mut self, paragraphs: usize) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + SYNC_TIMEOUT;
        while !(self.synced && self.paragraphs() == paragraphs) {
            let frame = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .map_err(|_| {
                    anyhow!(
                        "timed out syncing ({} of {paragraphs} paragraphs)",
                        self.paragraphs()
                    )
                })?;
            self.handle(frame).await?;
        }
        Ok(())
    }

    fn paragraphs(&self) -> usize {
        let txn = self.doc.transact();
        match self.fragment.get(&txn, 0) {
            Some(XmlOut::Element(group)) => group.len(&txn) as usize,
            _ => 0,
        }
    }

    /// The text of paragraph `i` (`blockGroup > blockContainer > paragraph > XmlText`).
    fn paragraph_text(&self, i: usize) -> Option<XmlTextRef> {
        let txn = self.doc.transact();
        let XmlOut::Element(group) = self.fragment.get(&txn, 0)? else {
            return None;
        };
        let XmlOut::Element(container) = group.get(&txn, u32::try_from(i).ok()?)? else {
            return None;
        };
        let XmlOut::Element(paragraph) = container.get(&txn, 0)? else {
            return None;
        };
        match paragraph.get(&txn, 0)? {
            XmlOut::Text(text) => Some(text),
            _ => None,
        }
    }

    fn blocks(&self) -> Value {
        blocknote::read(&self.doc.transact(), &self.fragment)
    }

    fn state_vector(&self) -> StateVector {
        self.doc.transact().state_vector()
    }

    async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}

// ---------------------------------------------------------------------------------------------
// One server measured

struct Side {
    label: String,
    url: String,
    framing: Framing,
    pid: Option<u32>,
}

/// What an editor and the observer share.
struct Slot {
    client: ClientID,
    /// Updates sent and not yet seen by the observer: the editor's clock after each, and when
    /// it was sent.
    pending: Mutex<VecDeque<(u32, Instant)>>,
    /// The observer saw some of them.
    seen: Notify,
    /// The last mode change this editor has acted on.
    acted_on: AtomicU64,
}

struct Window {
    from: Instant,
    until: Instant,
    latencies: Histogram<u64>,
    frames: u64,
}

struct Shared {
    slots: Vec<Slot>,
    window: Mutex<Option<Window>>,
    /// Updates the observer has seen (for the progress bar).
    seen: Arc<AtomicU64>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[derive(Clone, Debug)]
enum Mode {
    Idle,
    Closed,
    /// One update every `period`, from `start` plus the editor's share of a period.
    Fixed {
        period: Duration,
        start: tokio::time::Instant,
    },
    /// Stop typing; return once the document holds every editor's updates (client, clock).
    Finish(Arc<Vec<(ClientID, u32)>>),
}

struct PhaseRun {
    latencies: Histogram<u64>,
    frames: u64,
    server_cpu: Option<f64>,
    harness_cpu: Option<f64>,
    server_rss: Option<u64>,
}

struct SideRun {
    /// The document as the observer first synced it (Hocuspocus is seeded with it).
    initial: Vec<u8>,
    closed: PhaseRun,
    fixed: Option<PhaseRun>,
    /// The final document, equal on every client.
    blocks: Value,
    /// Characters each editor typed into its paragraph, on average (yrs keeps one editor's
    /// consecutive characters as one string item, whose length some operations scan).
    typed_per_editor: f64,
}

struct EditorEnd {
    peer: Peer,
    typed: String,
}

async fn run_side(
    args: &Args,
    side: &Side,
    n: usize,
    seed: Option<&[u8]>,
) -> anyhow::Result<SideRun> {
    let observer_doc = blocknote::new_doc();
    let mut observer = Peer::connect(&side.url, side.framing.clone(), observer_doc)
        .await
        .context("the observer")?;
    if let Some(seed) = seed {
        observer.apply(seed)?;
        observer.send(&live::update(seed)).await?;
    }
    observer.sync(n).await.context("the observer")?;
    let initial = observer
        .doc
        .transact()
        .encode_state_as_update_v1(&StateVector::default());

    let mut editors: Vec<(usize, Peer)> = futures::stream::iter(0..n)
        .map(|i| {
            let (url, framing) = (side.url.clone(), side.framing.clone());
            async move {
                let mut peer = Peer::connect(&url, framing, blocknote::new_doc())
                    .await
                    .with_context(|| format!("editor {i}"))?;
                peer.sync(n).await.with_context(|| format!("editor {i}"))?;
                anyhow::Ok((i, peer))
            }
        })
        .buffer_unordered(16)
        .try_collect()
        .await?;
    editors.sort_by_key(|(i, _)| *i);
    let mut clients: Vec<ClientID> = editors.iter().map(|(_, p)| p.doc.client_id()).collect();
    clients.push(observer.doc.client_id());
    clients.sort();
    clients.dedup();
    if clients.len() != n + 1 {
        bail!("two clients drew the same Yjs client id; run again");
    }

    let shared = Arc::new(Shared {
        slots: editors
            .iter()
            .map(|(_, p)| Slot {
                client: p.doc.client_id(),
                pending: Mutex::new(VecDeque::new()),
                seen: Notify::new(),
                acted_on: AtomicU64::new(0),
            })
            .collect(),
        window: Mutex::new(None),
        seen: Arc::new(AtomicU64::new(0)),
    });
    let (mode_tx, mode_rx) = watch::channel((0, Mode::Idle));
    let (stop_tx, stop_rx) = watch::channel(false);
    let observer_task = tokio::spawn(observe(observer, shared.clone(), stop_rx));
    let mut editor_tasks = Vec::with_capacity(n);
    for (i, peer) in editors {
        let text = peer
            .paragraph_text(i)
            .with_context(|| format!("paragraph {i} has no text"))?;
        editor_tasks.push(tokio::spawn(edit(
            peer,
            i,
            n,
            text,
            shared.clone(),
            mode_rx.clone(),
            args.in_flight,
        )));
    }

    let what = format!("{} closed loop", side.label);
    let closed = phase(args, side, &shared, &mode_tx, Mode::Closed, &what).await;
    let closed = match closed {
        Ok(c) => c,
        Err(e) => return Err(failed(e, editor_tasks, observer_task).await),
    };
    if let Err(e) = drain(&shared, &mode_tx).await {
        return Err(failed(e, editor_tasks, observer_task).await);
    }
    let fixed = if args.rate > 0 {
        let mode = Mode::Fixed {
            period: Duration::from_secs_f64(1.0 / f64::from(args.rate)),
            start: tokio::time::Instant::now(),
        };
        let what = format!("{} {}/s each", side.label, args.rate);
        match phase(args, side, &shared, &mode_tx, mode, &what).await {
            Ok(f) => Some(f),
            Err(e) => return Err(failed(e, editor_tasks, observer_task).await),
        }
    } else {
        None
    };
    if let Err(e) = drain(&shared, &mode_tx).await {
        return Err(failed(e, editor_tasks, observer_task).await);
    }

    let _ = stop_tx.send(true);
    let observer = observer_task.await.context("the observer")??;
    let sv = observer.state_vector();
    let target: Vec<(ClientID, u32)> = shared
        .slots
        .iter()
        .map(|s| (s.client, sv.get(&s.client)))
        .collect();
    change(&mode_tx, Mode::Finish(Arc::new(target)));
    let mut ends = Vec::with_capacity(n);
    for task in editor_tasks {
        ends.push(task.await.context("an editor")??);
    }
    let blocks = observer.blocks();
    let seen = texts(&blocks);
    for (i, end) in ends.iter().enumerate() {
        let want = format!("{}{}", prefix(i), end.typed);
        if seen.get(i) != Some(&want) {
            let got = seen.get(i).map_or(0, |s| s.chars().count());
            bail!(
                "{}: paragraph {i} holds {got} characters at the observer; editor {i} typed {} \
                 after its {}-character prefix",
                side.label,
                end.typed.len(),
                prefix(i).len()
            );
        }
        if end.peer.blocks() != blocks || end.peer.state_vector() != sv {
            bail!(
                "{}: editor {i}'s document differs from the observer's",
                side.label
            );
        }
    }
    let typed_per_editor =
        ends.iter().map(|e| e.typed.len()).sum::<usize>() as f64 / ends.len().max(1) as f64;
    for end in ends {
        end.peer.close().await;
    }
    observer.close().await;
    Ok(SideRun {
        initial,
        closed,
        fixed,
        blocks,
        typed_per_editor,
    })
}

/// Stops every connection after a failure and names the first reason.
async fn failed(
    error: anyhow::Error,
    editors: Vec<tokio::task::JoinHandle<anyhow::Result<EditorEnd>>>,
    observer: tokio::task::JoinHandle<anyhow::Result<Peer>>,
) -> anyhow::Error {
    observer.abort();
    for e in &editors {
        e.abort();
    }
    error
}

/// One measured phase: warm-up, then the window, with the server's and this process's CPU.
async fn phase(
    args: &Args,
    side: &Side,
    shared: &Shared,
    mode_tx: &watch::Sender<(u64, Mode)>,
    mode: Mode,
    what: &str,
) -> anyhow::Result<PhaseRun> {
    let start = Instant::now();
    let (from, until) = (
        start + args.timing.warmup(),
        start + args.timing.warmup() + args.timing.measure(),
    );
    *lock(&shared.window) = Some(Window {
        from,
        until,
        latencies: Histogram::new(3)?,
        frames: 0,
    });
    let progress = crate::common::progress_bar(what, until - start, shared.seen.clone());
    change(mode_tx, mode);
    tokio::time::sleep_until(from.into()).await;
    let me = std::process::id();
    let (server0, harness0) = (side.pid.and_then(cpu_seconds), cpu_seconds(me));
    tokio::time::sleep_until(until.into()).await;
    let (server1, harness1) = (side.pid.and_then(cpu_seconds), cpu_seconds(me));
    let server_rss = side.pid.and_then(rss_bytes);
    change(mode_tx, Mode::Idle);
    progress.abort();
    let window = lock(&shared.window).take().context("the window")?;
    if window.latencies.is_empty() {
        bail!("{what}: the observer saw no update in the measured window");
    }
    Ok(PhaseRun {
        latencies: window.latencies,
        frames: window.frames,
        server_cpu: server0.zip(server1).map(|(a, b)| b - a),
        harness_cpu: harness0.zip(harness1).map(|(a, b)| b - a),
        server_rss,
    })
}

/// Tells the editors a new mode.
fn change(mode_tx: &watch::Sender<(u64, Mode)>, mode: Mode) {
    mode_tx.send_modify(|(generation, current)| {
        *generation += 1;
        *current = mode;
    });
}

/// Waits until every editor has stopped typing (acted on the last mode change, Idle) and the
/// observer has seen every update sent.
async fn drain(shared: &Shared, mode_tx: &watch::Sender<(u64, Mode)>) -> anyhow::Result<()> {
    let generation = mode_tx.borrow().0;
    let deadline = Instant::now() + SYNC_TIMEOUT;
    loop {
        let behind = shared
            .slots
            .iter()
            .filter(|s| s.acted_on.load(Ordering::Acquire) < generation)
            .count();
        if behind == 0 {
            break;
        }
        if Instant::now() >= deadline {
            bail!("{behind} editors never stopped typing");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    loop {
        let waiting: usize = shared.slots.iter().map(|s| lock(&s.pending).len()).sum();
        if waiting == 0 {
            return Ok(());
        }
        if Instant::now() >= deadline {
            bail!("the observer never saw {waiting} updates");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The observer: applies every frame and tells each editor which of its updates arrived.
async fn observe(
    mut peer: Peer,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<Peer> {
    let mut last = vec![0u32; shared.slots.len()];
    let mut keepalive = keepalive(&peer.framing);
    loop {
        tokio::select! {
            frame = peer.socket.next() => {
                if !peer.handle(frame).await.context("the observer")? {
                    continue;
                }
                let now = Instant::now();
                let sv = peer.state_vector();
                let mut window = lock(&shared.window);
                let mut window = window.as_mut().filter(|w| now >= w.from && now < w.until);
                let mut seen = 0;
                for (slot, last) in shared.slots.iter().zip(last.iter_mut()) {
                    let clock = sv.get(&slot.client);
                    if clock <= *last {
                        continue;
                    }
                    *last = clock;
                    let mut pending = lock(&slot.pending);
                    while let Some(&(end, sent)) = pending.front() {
                        if end > clock {
                            break;
                        }
                        pending.pop_front();
                        seen += 1;
                        if let Some(w) = window.as_deref_mut() {
                            let _ = w.latencies.record(now.duration_since(sent).as_micros() as u64);
                        }
                    }
                    drop(pending);
                    slot.seen.notify_one();
                }
                if let Some(w) = window {
                    w.frames += 1;
                }
                shared.seen.fetch_add(seen, Ordering::Relaxed);
            }
            _ = tick(&mut keepalive) => peer.send(&QUERY_AWARENESS).await?,
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    return Ok(peer);
                }
            }
        }
    }
}

/// Hocuspocus's connections send something every [`KEEPALIVE`].
fn keepalive(framing: &Framing) -> Option<tokio::time::Interval> {
    match framing {
        Framing::YWebsocket => None,
        Framing::Hocuspocus { .. } => {
            let mut every =
                tokio::time::interval_at(tokio::time::Instant::now() + KEEPALIVE, KEEPALIVE);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            Some(every)
        }
    }
}

async fn tick(interval: &mut Option<tokio::time::Interval>) {
    match interval {
        Some(i) => {
            i.tick().await;
        }
        None => std::future::pending().await,
    }
}

/// One editor: types into paragraph `index` as the mode says, applying what it receives.
async fn edit(
    mut peer: Peer,
    index: usize,
    n: usize,
    text: XmlTextRef,
    shared: Arc<Shared>,
    mut mode: watch::Receiver<(u64, Mode)>,
    in_flight: usize,
) -> anyhow::Result<EditorEnd> {
    let slot = &shared.slots[index];
    let client = peer.doc.client_id();
    let mut len = text.len(&peer.doc.transact());
    let mut typed = String::new();
    let mut current = Mode::Idle;
    let mut schedule: Option<tokio::time::Interval> = None;
    let mut keepalive = keepalive(&peer.framing);
    let mut deadline = None;
    loop {
        match &current {
            Mode::Closed => {
                while lock(&slot.pending).len() < in_flight {
                    type_one(&mut peer, &text, &mut len, &mut typed, slot, client).await?;
                }
            }
            Mode::Finish(target) => {
                let sv = peer.state_vector();
                if target.iter().all(|(c, clock)| sv.get(c) >= *clock) {
                    return Ok(EditorEnd { peer, typed });
                }
            }
            Mode::Idle | Mode::Fixed { .. } => {}
        }
        tokio::select! {
            frame = peer.socket.next() => {
                peer.handle(frame).await.with_context(|| format!("editor {index}"))?;
            }
            changed = mode.changed() => {
                changed.map_err(|_| anyhow!("editor {index}: the run ended"))?;
                let generation;
                (generation, current) = mode.borrow_and_update().clone();
                schedule = match &current {
                    Mode::Fixed { period, start } => {
                        let offset = period.mul_f64(index as f64 / n as f64);
                        let mut every = tokio::time::interval_at(*start + offset, *period);
                        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
                        Some(every)
                    }
                    _ => None,
                };
                if matches!(current, Mode::Finish(_)) {
                    deadline = Some(tokio::time::Instant::now() + SYNC_TIMEOUT);
                }
                slot.acted_on.store(generation, Ordering::Release);
            }
            () = slot.seen.notified(), if matches!(current, Mode::Closed) => {}
            _ = tick(&mut schedule) => {
                type_one(&mut peer, &text, &mut len, &mut typed, slot, client).await?;
            }
            _ = tick(&mut keepalive) => peer.send(&QUERY_AWARENESS).await?,
            () = async { tokio::time::sleep_until(deadline.unwrap_or_else(tokio::time::Instant::now)).await }, if deadline.is_some() => {
                bail!("editor {index} never received every update");
            }
        }
    }
}

/// Types one character at the end of the editor's paragraph and sends the update.
async fn type_one(
    peer: &mut Peer,
    text: &XmlTextRef,
    len: &mut u32,
    typed: &mut String,
    slot: &Slot,
    client: ClientID,
) -> anyhow::Result<()> {
    let letter = char::from(LETTERS[typed.len() % LETTERS.len()]);
    let update = {
        let mut txn = peer.doc.transact_mut();
        text.insert(&mut txn, *len, letter.encode_utf8(&mut [0; 4]));
        txn.encode_update_v1()
    };
    *len += 1;
    typed.push(letter);
    let clock = peer.state_vector().get(&client);
    lock(&slot.pending).push_back((clock, Instant::now()));
    peer.send(&live::update(&update)).await
}

// ---------------------------------------------------------------------------------------------
// The Hocuspocus process

struct Hocuspocus {
    store: HocuspocusStore,
    version: String,
    port: u16,
    pid: u32,
    child: Child,
    dir: Option<PathBuf>,
}

impl Hocuspocus {
    fn start(args: &Args, store: HocuspocusStore) -> anyhow::Result<Self> {
        let dir = &args.hocuspocus_dir;
        let version = installed_version(dir, "@hocuspocus/server").with_context(|| {
            format!(
                "Hocuspocus is not installed in {}: run `npm ci` there first",
                dir.display()
            )
        })?;
        let mut command = Command::new(&args.node);
        command.arg(dir.join("server.mjs")).args(["--port", "0"]);
        let data = match store {
            HocuspocusStore::Memory => None,
            HocuspocusStore::Sqlite => {
                let data = std::env::temp_dir()
                    .join(format!("corral-bench-hocuspocus-{}", uuid::Uuid::new_v4()));
                std::fs::create_dir_all(&data)?;
                command.arg("--sqlite").arg(data.join("hocuspocus.db"));
                Some(data)
            }
        };
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {}", args.node.display()))?;
        let pid = child.id();
        let stdout = child.stdout.take().context("Hocuspocus's stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let port = lines.by_ref().map_while(Result::ok).find_map(|l| {
            l.strip_prefix("hocuspocus listening on ")
                .and_then(|p| p.trim().parse::<u16>().ok())
        });
        let mut started = Self {
            store,
            version,
            port: 0,
            pid,
            child,
            dir: data,
        };
        started.port = port.context("Hocuspocus did not start")?;
        std::thread::spawn(move || lines.for_each(drop));
        Ok(started)
    }
}

impl Drop for Hocuspocus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn installed_version(dir: &Path, package: &str) -> Option<String> {
    let manifest = dir.join("node_modules").join(package).join("package.json");
    let manifest: Value = serde_json::from_slice(&std::fs::read(manifest).ok()?).ok()?;
    manifest["version"].as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The harness opens a Hocuspocus connection with the bytes `@hocuspocus/provider` sends
    /// (recorded by `benches/hocuspocus/provider-frames.mjs`): Auth, then sync step 1.
    #[test]
    fn hocuspocus_first_frames_are_the_providers() {
        let fixture: Value =
            serde_json::from_str(include_str!("../hocuspocus/provider-frames.json")).expect("json");
        assert_eq!(fixture["provider"], HOCUSPOCUS_PROVIDER_VERSION);
        let framing = Framing::Hocuspocus {
            name: fixture["document"].as_str().expect("document").into(),
            token: fixture["token"].as_str().expect("token").into(),
        };
        let mut frames = framing.hello();
        let empty = blocknote::new_doc().transact().state_vector().encode_v1();
        frames.push(framing.wrap(&live::sync_step1(&empty)));
        let frames: Vec<String> = frames.iter().map(|f| hex(f)).collect();
        assert_eq!(json!(frames), fixture["frames"]);
    }

    #[test]
    fn hocuspocus_frames_read_as_y_websocket_messages() {
        let framing = Framing::Hocuspocus {
            name: "d".into(),
            token: "t".into(),
        };
        let update = live::update(&[0, 0]);
        assert_eq!(
            framing.read(&framing.wrap(&update)),
            Some(Incoming::Message(Message::Update(vec![0, 0])))
        );
        // SyncReply (4) is a sync message that asks for no step 1 back.
        let mut reply = live::sync_step2(&[0, 0]);
        reply[0] = HP_SYNC_REPLY;
        assert_eq!(
            framing.read(&framing.wrap(&reply)),
            Some(Incoming::Message(Message::SyncStep2(vec![0, 0])))
        );
        // SyncStatus (8, true) and Authenticated (2, 2, scope).
        assert_eq!(framing.read(&framing.wrap(&[8, 1])), Some(Incoming::Other));
        assert_eq!(
            framing.read(&framing.wrap(&[2, 2, 2, b'r', b'w'])),
            Some(Incoming::Other)
        );
        assert_eq!(framing.read(&[HP_PING]), Some(Incoming::Ping));
        assert_eq!(framing.read(&[5, b'a']), None, "a name past the end");
        assert_eq!(
            Framing::YWebsocket.read(&update),
            Some(Incoming::Message(Message::Update(vec![0, 0])))
        );
    }
}
