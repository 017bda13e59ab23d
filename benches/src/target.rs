//! The Corral a scenario drives over HTTP and Socket.IO: one already running (`--url` with
//! admin credentials or an API key) or one this harness starts as a separate process on
//! SQLite or on PostgreSQL + Valkey (`--backend`), in a scratch database it drops afterwards.

use crate::common::Scratch;
use anyhow::{Context, bail};
use fred::prelude::*;
use futures::StreamExt as _;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Which storage and bus a started server uses.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// Embedded defaults: SQLite and the in-process bus.
    Sqlite,
    /// PostgreSQL and Valkey.
    Postgres,
}

impl Backend {
    pub fn label(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite + in-process bus",
            Self::Postgres => "PostgreSQL + Valkey",
        }
    }
}

#[derive(clap::Args, Clone, Debug)]
pub struct TargetArgs {
    /// A running Corral to drive (e.g. http://127.0.0.1:8080). Without it, the harness starts
    /// `--server` itself on `--backend`.
    #[arg(long, env = "CORRAL_BENCH_URL")]
    pub url: Option<String>,
    /// Admin user of the running Corral (needs global project and user permissions).
    #[arg(long, env = "CORRAL_BENCH_USERNAME", default_value = "admin")]
    pub username: String,
    /// Password of `--username` on the running Corral.
    #[arg(long, env = "CORRAL_BENCH_PASSWORD")]
    pub password: Option<String>,
    /// An API key of an admin instead of a username and password.
    #[arg(long, env = "CORRAL_BENCH_API_KEY")]
    pub api_key: Option<String>,
    /// Process id of the running Corral, to report its CPU seconds per operation (read from
    /// /proc; same machine only).
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// The running server's database (a postgres:// URL or a SQLite file path), for baselines
    /// that run against the same rows.
    #[arg(long)]
    pub server_database: Option<String>,
    /// Storage and bus of the server the harness starts.
    #[arg(long, value_enum, default_value_t = Backend::Sqlite)]
    pub backend: Backend,
    /// The `corral` binary the harness starts (build it with `cargo build --release`).
    #[arg(long, default_value = "target/release/corral")]
    pub server: std::path::PathBuf,
    /// PostgreSQL the harness may create scratch databases in (for `--backend postgres` and
    /// the storage floors).
    #[arg(
        long,
        env = "CORRAL_BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/test"
    )]
    pub postgres_url: String,
    /// Valkey for `--backend postgres` and the publish/subscribe floor.
    #[arg(
        long,
        env = "CORRAL_BENCH_VALKEY_URL",
        default_value = "redis://127.0.0.1:6379"
    )]
    pub valkey_url: String,
}

/// How requests authenticate.
#[derive(Clone, Debug)]
pub enum Auth {
    Bearer(String),
    ApiKey(String),
}

/// Where the server keeps its data, for baselines that query the same database.
#[derive(Clone, Debug)]
pub enum ServerDatabase {
    Postgres(String),
    SqliteFile(std::path::PathBuf),
}

/// A Corral ready to be driven, and what to clean up afterwards.
pub struct Target {
    pub client: Client,
    /// The server's database, when known (started here, or `--server-database-url`).
    pub database: Option<ServerDatabase>,
    /// The server's process, for CPU accounting.
    pub pid: Option<u32>,
    /// The data directory of a server the harness started (`DATA_DIR`; the local blob store
    /// is under it), for baselines that write to the same disk.
    pub data_dir: Option<std::path::PathBuf>,
    /// What the parameters of a result say about the server.
    pub description: String,
    started: Option<Started>,
}

/// Cheap-clone REST client of the target, with its credentials.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub auth: Auth,
    pub http: reqwest::Client,
}

struct Started {
    child: Child,
    dir: std::path::PathBuf,
    scratch: Option<Scratch>,
    valkey: Option<(String, String)>,
}

const PASSWORD: &str = "bench-password-1";

impl Target {
    pub async fn open(args: &TargetArgs) -> anyhow::Result<Self> {
        Self::open_with(args, &[]).await
    }

    /// [`Target::open`], with extra environment for a server the harness starts.
    pub async fn open_with(
        args: &TargetArgs,
        extra_env: &[(&str, String)],
    ) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(1024)
            .build()?;
        if let Some(url) = &args.url {
            let base = url.trim_end_matches('/').to_owned();
            let auth = match (&args.api_key, &args.password) {
                (Some(key), _) => Auth::ApiKey(key.clone()),
                (None, Some(password)) => {
                    Auth::Bearer(login(&http, &base, &args.username, password).await?)
                }
                (None, None) => bail!("--url needs --password or --api-key"),
            };
            return Ok(Self {
                description: format!("running server at {base}"),
                client: Client { base, auth, http },
                database: args.server_database.as_ref().map(|d| {
                    if d.starts_with("postgres") {
                        ServerDatabase::Postgres(d.clone())
                    } else {
                        ServerDatabase::SqliteFile(d.into())
                    }
                }),
                pid: args.server_pid,
                data_dir: None,
                started: None,
            });
        }
        let dir = std::env::temp_dir().join(format!("corral-bench-{}", uuid::Uuid::new_v4()));
        let mut command = Command::new(&args.server);
        command
            .env("DATA_DIR", &dir)
            .env("PORT", "0")
            .env("BIND_ADDR", "127.0.0.1")
            .env("ADMIN_USERNAME", "admin")
            .env("ADMIN_PASSWORD", PASSWORD)
            .env("RUST_LOG", "warn")
            .env("LOGIN_FAILURES_PER_IP", "100000")
            .env("LOGIN_FAILURES_PER_USERNAME_IP", "100000")
            .envs(extra_env.iter().map(|(k, v)| (*k, v.as_str())))
            .env_remove("DATABASE_URL")
            .env_remove("VALKEY_URL")
            .env_remove("REDIS_URL");
        let (mut scratch, mut valkey) = (None, None);
        if args.backend == Backend::Postgres {
            let s = Scratch::create(&args.postgres_url).await?;
            let prefix = format!("corral-bench-{}:", uuid::Uuid::new_v4().simple());
            command
                .env("DATABASE_URL", &s.url)
                .env("VALKEY_URL", &args.valkey_url)
                .env("VALKEY_KEY_PREFIX", &prefix);
            scratch = Some(s);
            valkey = Some((args.valkey_url.clone(), prefix));
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| {
                format!(
                    "starting {} (build it with cargo build --release)",
                    args.server.display()
                )
            })?;
        let pid = child.id();
        let database = match &scratch {
            Some(s) => ServerDatabase::Postgres(s.url.clone()),
            None => ServerDatabase::SqliteFile(dir.join("corral.db")),
        };
        let stdout = child.stdout.take().context("server stdout")?;
        let started = Started {
            child,
            dir,
            scratch,
            valkey,
        };
        let mut lines = BufReader::new(stdout).lines();
        let Some(base) = lines.by_ref().map_while(Result::ok).find_map(|l| {
            l.strip_prefix("corral listening on ")
                .map(|u| u.trim().to_owned())
        }) else {
            started.clean_up().await;
            bail!("the server did not start");
        };
        std::thread::spawn(move || lines.for_each(drop));
        let token = login(&http, &base, "admin", PASSWORD).await?;
        let data_dir = Some(started.dir.clone());
        Ok(Self {
            description: format!("separate process, {}", args.backend.label()),
            client: Client {
                base,
                auth: Auth::Bearer(token),
                http,
            },
            database: Some(database),
            pid: Some(pid),
            data_dir,
            started: Some(started),
        })
    }

    /// Stops a server the harness started and drops its scratch database and keys.
    pub async fn close(mut self) {
        if let Some(started) = self.started.take() {
            started.clean_up().await;
        }
    }
}

impl Client {
    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    /// A request with this target's credentials.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let r = self.http.request(method, self.api(path));
        match &self.auth {
            Auth::Bearer(t) => r.bearer_auth(t),
            Auth::ApiKey(k) => r.header("x-api-key", k),
        }
    }

    /// Sends a JSON request and returns the envelope's `data`; an error names the status and
    /// the envelope.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let mut r = self.request(method, path);
        if let Some(body) = body {
            r = r.json(&body);
        }
        let resp = r.send().await?;
        let status = resp.status();
        let v: Value = resp.json().await?;
        if !status.is_success() {
            bail!("{status}: {v}");
        }
        Ok(v["data"].clone())
    }

    /// The token a Socket.IO client presents (API keys cannot open sockets).
    pub fn socket_token(&self) -> anyhow::Result<&str> {
        match &self.auth {
            Auth::Bearer(t) => Ok(t),
            Auth::ApiKey(_) => bail!("Socket.IO scenarios need --password, not --api-key"),
        }
    }

    /// Creates a project and `tasks` tasks in it (32 requests at a time); returns the
    /// project id and the task ids.
    pub async fn project_with_tasks(
        &self,
        name: &str,
        tasks: usize,
    ) -> anyhow::Result<(String, Vec<String>)> {
        let project = self
            .call(
                reqwest::Method::POST,
                "/projects",
                Some(json!({"name": format!("{name} {}", &uuid::Uuid::new_v4().simple().to_string()[..6])})),
            )
            .await?["id"]
            .as_str()
            .context("project id")?
            .to_owned();
        let path = format!("/projects/{project}/tasks");
        let mut ids = Vec::with_capacity(tasks);
        let mut pending = futures::stream::iter(0..tasks)
            .map(|i| {
                let body = json!({
                    "title": format!("Task {i}: a realistic title for a board card"),
                    "importance": (i % 5) as i64, "story_points": (i % 8) as i64,
                    "tags": ["backend", "ui"],
                });
                self.call(reqwest::Method::POST, &path, Some(body))
            })
            .buffer_unordered(32);
        while let Some(task) = pending.next().await {
            ids.push(task?["id"].as_str().context("task id")?.to_owned());
        }
        Ok((project, ids))
    }

    /// How many tasks the paged task list holds, reading every page as the web client does
    /// (200 tasks a page) and parsing each page in full.
    pub async fn count_tasks_paged(&self, project: &str) -> anyhow::Result<usize> {
        #[derive(serde::Deserialize)]
        struct Page {
            data: PageData,
        }
        #[derive(serde::Deserialize)]
        struct PageData {
            items: Vec<serde::de::IgnoredAny>,
            next_cursor: Option<String>,
        }
        let mut count = 0;
        let mut cursor: Option<String> = None;
        loop {
            let page: Page = self
                .get_parsed(&self.page_path(project, cursor.as_deref()))
                .await?;
            count += page.data.items.len();
            match page.data.next_cursor {
                Some(c) if !c.is_empty() => cursor = Some(c),
                _ => return Ok(count),
            }
        }
    }

    /// Reads every page of the task list without parsing the tasks (as the database baseline's
    /// reader takes its JSON as one string): only the next cursor is picked out of each page.
    /// Returns how many pages there were and their total size; `count_tasks_paged` checks the
    /// contents.
    pub async fn read_pages(&self, project: &str) -> anyhow::Result<(usize, usize)> {
        let (mut pages, mut bytes) = (0, 0);
        let mut cursor: Option<String> = None;
        loop {
            let path = self.page_path(project, cursor.as_deref());
            let body = self.get_bytes(&path).await?;
            pages += 1;
            bytes += body.len();
            // Inside a JSON string a quote is escaped, so the raw key only occurs as the key.
            const KEY: &[u8] = b"\"next_cursor\":\"";
            let at = body.windows(KEY.len()).rposition(|w| w == KEY);
            match at {
                Some(at) => {
                    let rest = &body[at + KEY.len()..];
                    let end = rest.iter().position(|b| *b == b'"').context("cursor end")?;
                    cursor = Some(std::str::from_utf8(&rest[..end])?.to_owned());
                }
                None => return Ok((pages, bytes)),
            }
        }
    }

    fn page_path(&self, project: &str, cursor: Option<&str>) -> String {
        let mut path = format!("/projects/{project}/tasks?page_size=200");
        if let Some(c) = cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        path
    }

    /// How many tasks the single-request board (`GET /projects/{id}/board`) holds.
    pub async fn count_board_tasks(&self, project: &str) -> anyhow::Result<usize> {
        #[derive(serde::Deserialize)]
        struct Board {
            data: BoardData,
        }
        #[derive(serde::Deserialize)]
        struct BoardData {
            tasks: Vec<serde::de::IgnoredAny>,
        }
        let board: Board = self
            .get_parsed(&format!("/projects/{project}/board"))
            .await?;
        Ok(board.data.tasks.len())
    }

    /// The single-request board's body, unparsed.
    pub async fn board_bytes(&self, project: &str) -> anyhow::Result<usize> {
        Ok(self
            .get_bytes(&format!("/projects/{project}/board"))
            .await?
            .len())
    }

    async fn get_bytes(&self, path: &str) -> anyhow::Result<impl std::ops::Deref<Target = [u8]>> {
        let resp = self.request(reqwest::Method::GET, path).send().await?;
        let status = resp.status();
        let body = resp.bytes().await?;
        if !status.is_success() {
            bail!("{status}: {}", String::from_utf8_lossy(&body));
        }
        Ok(body)
    }

    async fn get_parsed<T: serde::de::DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        Ok(serde_json::from_slice(&self.get_bytes(path).await?)?)
    }

    /// Every task of a project, paging the task list.
    pub async fn all_tasks(&self, project: &str) -> anyhow::Result<Vec<Value>> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/projects/{project}/tasks?page_size=200");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let page = self.call(reqwest::Method::GET, &path, None).await?;
            out.extend(page["items"].as_array().cloned().unwrap_or_default());
            match page["next_cursor"].as_str() {
                Some(c) if !c.is_empty() => cursor = Some(c.to_owned()),
                _ => return Ok(out),
            }
        }
    }
}

impl Started {
    async fn clean_up(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some(s) = self.scratch.take() {
            let _ = s.drop_now().await;
        }
        if let Some((url, prefix)) = self.valkey.take() {
            let _ = delete_keys(&url, &prefix).await;
        }
    }
}

async fn delete_keys(url: &str, prefix: &str) -> anyhow::Result<()> {
    let client = Builder::from_config(Config::from_url(url)?).build()?;
    client.init().await?;
    let keys: Vec<String> = client
        .custom(
            fred::cmd!("KEYS"),
            vec![fred::types::Value::from(format!("{prefix}*"))],
        )
        .await?;
    for key in keys {
        let _: i64 = client.del(key).await?;
    }
    client.quit().await?;
    Ok(())
}

async fn login(
    http: &reqwest::Client,
    base: &str,
    username: &str,
    password: &str,
) -> anyhow::Result<String> {
    let resp = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .with_context(|| format!("logging in at {base}"))?;
    let status = resp.status();
    // Tokens travel only as cookies.
    let token = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| {
            c.strip_prefix("access_token=")
                .and_then(|c| c.split(';').next())
                .map(str::to_owned)
        });
    let v: Value = resp.json().await?;
    if !status.is_success() {
        bail!("login as {username}: {status}: {v}");
    }
    token.context("login answered without an access token cookie")
}

/// CPU seconds (user + system) a process has used so far, from `/proc/<pid>/stat`.
/// The process's resident set size in bytes (`VmRSS` in /proc).
pub fn rss_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let (utime, stime): (f64, f64) = (fields.get(11)?.parse().ok()?, fields.get(12)?.parse().ok()?);
    // /proc counts in USER_HZ, which Linux fixes at 100 for user space.
    Some((utime + stime) / 100.0)
}
