//! Configuration: one typed struct loaded from the environment (Paca's variable names where
//! Paca has one), with defaults and one validation pass that reports every problem at once.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

/// Where project state lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Database {
    /// A SQLite file (default: `corral.db` in the data directory).
    Sqlite(PathBuf),
    /// A `sqlite:` URL as given.
    SqliteUrl(String),
    Postgres {
        url: String,
        max_connections: u32,
    },
}

/// Which bus carries events between actors and nodes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BusConfig {
    InProcess,
    Valkey { url: String, key_prefix: String },
}

/// Where file bytes live and what may be uploaded.
#[derive(Clone, Debug)]
pub struct StorageSettings {
    pub provider: StorageProvider,
    /// The base URL clients reach `/storage` at (local), or that replaces the S3 endpoint's
    /// origin in signed URLs; `None`: the origin of each request (local), the endpoint (S3).
    pub public_url: Option<String>,
    pub limits: corral_actors::files::FileLimits,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StorageProvider {
    /// A directory (`STORAGE_DIR`, default `DATA_DIR/blobs`), served by Corral at `/storage`.
    Local(PathBuf),
    /// S3 or an S3-compatible server (`STORAGE_PROVIDER=s3|minio`).
    S3(corral_persistence::blob::S3Settings),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub bind_addr: IpAddr,
    /// 0 picks a free port (tests).
    pub port: u16,
    pub data_dir: PathBuf,
    pub database: Database,
    pub storage: StorageSettings,
    pub bus: BusConfig,
    /// `None`: read or create `jwt_secret` in the data directory.
    pub jwt_secret: Option<String>,
    /// `None`: read or create `encryption_key` in the data directory.
    pub encryption_key: Option<String>,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    pub refresh_session_ttl: Duration,
    pub cookie_secure: bool,
    pub admin_username: String,
    pub admin_password: Option<String>,
    pub max_body_bytes: usize,
    pub request_timeout: Duration,
    /// Most HTTP connections open at once (lowered at start to fit the file-descriptor limit).
    pub http_max_connections: usize,
    /// A request's headers must arrive within this.
    pub http_header_timeout: Duration,
    /// A connection quiet for this long is closed.
    pub http_idle_timeout: Duration,
    pub cors_origins: Vec<String>,
    pub login_limits: corral_actors::auth::login_limiter::LoginLimits,
    pub trust_forwarded_for: bool,
    pub log_format: LogFormat,
    pub project_max_in_flight: usize,
    pub project_call_timeout: Duration,
    pub project_idle_timeout: Duration,
    pub project_max_batch: usize,
    pub socket_buffer: usize,
    pub session_cache_ttl: Duration,
    pub socket_recheck: Duration,
    pub agents: AgentSettings,
    /// The durable event pipeline: relay and consumers.
    pub relay: corral_actors::pipeline::RelayConfig,
    pub consumers: corral_actors::pipeline::ConsumerConfig,
    /// Documents' content limits and timings.
    pub docs: corral_actors::docs::actor::DocLimits,
}

/// Where agents run and how much of the machine they may use.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentSettings {
    /// `local` (child processes) or `docker`.
    pub runtime: SandboxKind,
    pub max_running: usize,
    pub max_per_project: usize,
    pub max_run: Duration,
    pub chat_idle: Duration,
    pub health_timeout: Duration,
    /// Cores per sandbox, in thousandths.
    pub cpu_millis: u32,
    pub memory_mb: u64,
    pub pids: u32,
    /// Events one conversation may store before it fails.
    pub max_events: u32,
    /// How the local runtime runs the scripted agent (empty: this binary's `scripted-agent`).
    pub scripted_command: Vec<String>,
    /// How the local runtime runs an OpenHands agent-server, if at all.
    pub openhands_command: Vec<String>,
    pub docker_socket: String,
    pub agent_server_image: String,
    /// An image whose command runs `corral scripted-agent`, for scripted agents on Docker.
    pub scripted_image: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SandboxKind {
    Local,
    Docker,
}

/// The variables, their defaults and meaning. The README's table says the same; a test keeps
/// the two in step.
pub const VARIABLES: &[(&str, &str, &str)] = &[
    ("PORT", "8080", "HTTP port"),
    (
        "BIND_ADDR",
        "127.0.0.1",
        "address to listen on (0.0.0.0 for all interfaces)",
    ),
    (
        "DATA_DIR",
        "./data",
        "SQLite database, generated JWT secret, local blobs",
    ),
    (
        "DATABASE_URL",
        "(unset: SQLite in DATA_DIR)",
        "postgres://… for PostgreSQL, or sqlite:…",
    ),
    ("DATABASE_MAX_CONNECTIONS", "16", "PostgreSQL pool size"),
    (
        "VALKEY_URL / REDIS_URL",
        "(unset: in-process bus)",
        "redis:// or valkey:// URL of Valkey",
    ),
    (
        "VALKEY_KEY_PREFIX",
        "(empty)",
        "prefix for every Valkey key and channel",
    ),
    (
        "JWT_SECRET",
        "(generated into DATA_DIR/jwt_secret)",
        "HS256 secret, at least 32 bytes; set the same on every node",
    ),
    (
        "ENCRYPTION_KEY",
        "(generated into DATA_DIR/encryption_key)",
        "64 hex digits: the AES-256-GCM key sealing agent secrets; set the same on every node",
    ),
    ("JWT_ACCESS_TTL", "15m", "access token lifetime"),
    (
        "JWT_REFRESH_TTL",
        "168h",
        "refresh token lifetime with remember-me",
    ),
    (
        "JWT_REFRESH_SESSION_TTL",
        "24h",
        "refresh token lifetime without remember-me",
    ),
    (
        "COOKIE_SECURE",
        "false",
        "mark auth cookies Secure (set behind HTTPS)",
    ),
    (
        "ADMIN_USERNAME",
        "admin",
        "administrator created on first start",
    ),
    (
        "ADMIN_PASSWORD",
        "(generated and printed once)",
        "its password on first start (8+ characters)",
    ),
    ("MAX_BODY_BYTES", "10485760", "largest request body"),
    (
        "REQUEST_TIMEOUT",
        "15s",
        "requests still running after this are cancelled",
    ),
    (
        "HTTP_MAX_CONNECTIONS",
        "10000",
        "HTTP connections open at once (capped below the file-descriptor limit)",
    ),
    (
        "HTTP_HEADER_TIMEOUT",
        "10s",
        "a request's headers must arrive within this",
    ),
    (
        "HTTP_IDLE_TIMEOUT",
        "75s",
        "a connection with no traffic for this long is closed",
    ),
    (
        "CORS_ORIGINS",
        "(empty: any origin, no credentials)",
        "comma-separated origins allowed with credentials",
    ),
    (
        "LOGIN_FAILURES_PER_IP",
        "30",
        "failed logins per LOGIN_FAILURE_WINDOW from one client address, any usernames",
    ),
    (
        "LOGIN_FAILURES_PER_USERNAME_IP",
        "10",
        "failed logins per LOGIN_FAILURE_WINDOW for one username from one client address",
    ),
    (
        "LOGIN_FAILURE_WINDOW",
        "15m",
        "the window those failures refill over",
    ),
    (
        "SESSION_CACHE_TTL",
        "1s",
        "how long a node trusts a session it checked (changes on other nodes apply within it; 0s: always ask the store)",
    ),
    (
        "TRUST_FORWARDED_FOR",
        "false",
        "take the client address from X-Forwarded-For (behind a gateway)",
    ),
    (
        "PROJECT_MAX_IN_FLIGHT",
        "1024",
        "requests in flight per project before 429 PROJECT_BUSY",
    ),
    (
        "PROJECT_CALL_TIMEOUT",
        "10s",
        "how long a request waits for its project (503 PROJECT_TIMEOUT)",
    ),
    (
        "PROJECT_IDLE_TIMEOUT",
        "5m",
        "an idle project's actor is stopped after this",
    ),
    (
        "PROJECT_MAX_BATCH",
        "512",
        "most writes one project commits in one transaction",
    ),
    (
        "EVENT_STREAM_MAX_LEN",
        "10000",
        "entries kept in the bus's event stream (consumers further behind read the log)",
    ),
    (
        "RELAY_SWEEP",
        "2s",
        "how often the relay looks for committed events that did not reach the stream",
    ),
    (
        "CONSUMER_MAX_ATTEMPTS",
        "5",
        "attempts per event before a durable consumer dead-letters it",
    ),
    (
        "CONSUMER_BACKOFF",
        "200ms",
        "delay before a consumer's second attempt, doubled for each next one",
    ),
    (
        "CONSUMER_CLAIM_IDLE",
        "30s",
        "stream entries pending this long (their node died) are claimed by another node",
    ),
    (
        "CONSUMER_SWEEP",
        "10s",
        "how often a consumer reads from the log what it fell behind on",
    ),
    (
        "DEAD_LETTER_MAX_LEN",
        "10000",
        "entries kept in each consumer's dead-letter stream",
    ),
    (
        "SOCKET_BUFFER",
        "1024",
        "packets a socket may have queued before it is disconnected as too slow",
    ),
    (
        "SOCKET_RECHECK",
        "30s",
        "how often a socket's credential is checked again",
    ),
    (
        "SANDBOX_RUNTIME",
        "local",
        "where agents run: local (child processes with resource limits) or docker",
    ),
    (
        "AGENT_MAX_RUNNING",
        "10",
        "agent conversations running at once on this node; more wait in a fair queue",
    ),
    (
        "AGENT_MAX_PER_PROJECT",
        "4",
        "agent conversations running at once per project",
    ),
    (
        "AGENT_MAX_RUN",
        "8h",
        "the longest any conversation may run, whatever its agent's timeout_minutes",
    ),
    (
        "AGENT_HEALTH_TIMEOUT",
        "120s",
        "how long a new sandbox has to answer its health check before the conversation fails",
    ),
    (
        "CHAT_SANDBOX_IDLE_TIMEOUT",
        "3m",
        "a paused chat's sandbox is reclaimed after this long without a message or heartbeat",
    ),
    (
        "SANDBOX_CPUS",
        "2",
        "CPU cores per sandbox (fractions allowed)",
    ),
    ("SANDBOX_MEMORY_MB", "4096", "memory per sandbox, in MiB"),
    ("SANDBOX_PIDS", "512", "processes and threads per sandbox"),
    (
        "AGENT_MAX_EVENTS",
        "10000",
        "events one conversation may store; past it the conversation fails",
    ),
    (
        "SANDBOX_SCRIPTED_COMMAND",
        "(this binary: corral scripted-agent)",
        "how the local runtime runs the scripted reference agent",
    ),
    (
        "SANDBOX_OPENHANDS_COMMAND",
        "(none)",
        "how the local runtime runs an OpenHands agent-server, e.g. python3 -m openhands.agent_server",
    ),
    (
        "DOCKER_SOCKET",
        "/var/run/docker.sock",
        "Docker Engine API for SANDBOX_RUNTIME=docker (a socket path or http://host:port)",
    ),
    (
        "AGENT_SERVER_IMAGE",
        "ghcr.io/paca-ai/paca-agent-server:latest",
        "the agent-server image for SANDBOX_RUNTIME=docker",
    ),
    (
        "SANDBOX_SCRIPTED_IMAGE",
        "(none)",
        "an image running `corral scripted-agent`, for scripted agents with SANDBOX_RUNTIME=docker",
    ),
    (
        "STORAGE_PROVIDER",
        "local",
        "where attached files live: local, s3 or minio",
    ),
    (
        "STORAGE_ENDPOINT",
        "(unset: AWS; required for minio)",
        "S3-compatible endpoint, host:port or URL",
    ),
    (
        "STORAGE_USE_SSL",
        "false",
        "https for an endpoint given without a scheme",
    ),
    ("STORAGE_BUCKET", "corral", "bucket (it must exist)"),
    ("STORAGE_REGION", "us-east-1", "bucket region"),
    (
        "STORAGE_ACCESS_KEY_ID / STORAGE_SECRET_ACCESS_KEY",
        "(required for s3 and minio)",
        "credentials",
    ),
    (
        "STORAGE_DIR",
        "DATA_DIR/blobs",
        "the local store's directory, served at /storage with signed URLs",
    ),
    (
        "STORAGE_PUBLIC_URL",
        "(unset: the request's origin)",
        "base URL clients reach /storage at (behind a gateway)",
    ),
    (
        "FILE_MAX_BYTES",
        "104857600",
        "largest attachment (at most 10,000 parts of 5 MiB)",
    ),
    (
        "FILE_ALLOWED_TYPES",
        "(empty: any)",
        "comma-separated content types accepted, type/* allowed",
    ),
    (
        "PROJECT_STORAGE_QUOTA_BYTES",
        "0 (unlimited)",
        "bytes of attachments per project, uploads in progress included",
    ),
    ("FILE_UPLOAD_URL_TTL", "1h", "upload URL validity"),
    ("FILE_DOWNLOAD_URL_TTL", "15m", "download URL validity"),
    (
        "FILE_PENDING_TTL",
        "24h",
        "an upload not completed by then is removed (longer than FILE_UPLOAD_URL_TTL)",
    ),
    (
        "DOC_MAX_BYTES",
        "16777216",
        "largest document (its Yjs state, encoded)",
    ),
    (
        "DOC_UPDATE_MAX_BYTES",
        "2097152",
        "largest update one live-editing message may carry",
    ),
    (
        "DOC_MAX_EDITORS",
        "200",
        "live editors of one document on one server",
    ),
    (
        "DOC_SNAPSHOT_INTERVAL",
        "3m",
        "a snapshot of a document before an edit when its newest is older (Paca's coalescing)",
    ),
    (
        "DOC_IDLE_TIMEOUT",
        "60s",
        "a document nobody reads or edits for this long leaves memory",
    ),
    (
        "DOC_COMPACT_UPDATES",
        "500",
        "stored updates of a document folded into its state at once",
    ),
    ("LOG_FORMAT", "text", "text or json"),
    ("RUST_LOG", "info", "log filter"),
];

/// A source of variables (the process environment, or a map in tests).
pub trait Env {
    fn get(&self, name: &str) -> Option<String>;
}

pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
}

impl Env for HashMap<String, String> {
    fn get(&self, name: &str) -> Option<String> {
        HashMap::get(self, name).filter(|v| !v.is_empty()).cloned()
    }
}

/// Collects problems while parsing, so all are reported together.
struct Parser<'a, E: Env> {
    env: &'a E,
    problems: Vec<String>,
}

impl<E: Env> Parser<'_, E> {
    fn parsed<T>(
        &mut self,
        name: &str,
        default: T,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> T {
        match self.env.get(name) {
            None => default,
            Some(raw) => match parse(&raw) {
                Ok(v) => v,
                Err(why) => {
                    self.problems.push(format!("{name}={raw:?}: {why}"));
                    default
                }
            },
        }
    }

    fn duration(&mut self, name: &str, default: Duration) -> Duration {
        self.parsed(name, default, |raw| {
            let d = humantime::parse_duration(raw)
                .map_err(|e| format!("not a duration ({e}); use e.g. 15m, 24h"))?;
            if d.is_zero() {
                return Err("must be greater than zero".into());
            }
            Ok(d)
        })
    }

    fn bool(&mut self, name: &str) -> bool {
        self.parsed(name, false, |raw| match raw.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            _ => Err("expected true or false".into()),
        })
    }

    fn number<T: std::str::FromStr>(&mut self, name: &str, default: T) -> T
    where
        T::Err: std::fmt::Display,
    {
        self.parsed(name, default, |raw| {
            raw.parse().map_err(|e: T::Err| e.to_string())
        })
    }
}

impl Config {
    pub fn from_env() -> Result<Self, Vec<String>> {
        Self::load(&ProcessEnv)
    }

    pub fn load(env: &impl Env) -> Result<Self, Vec<String>> {
        let mut p = Parser {
            env,
            problems: Vec::new(),
        };
        let bind_addr = p.parsed("BIND_ADDR", IpAddr::from([127, 0, 0, 1]), |raw| {
            raw.parse().map_err(|_| "not an IP address".to_owned())
        });
        let port = p.number("PORT", 8080u16);
        let data_dir = PathBuf::from(env.get("DATA_DIR").unwrap_or_else(|| "./data".into()));
        let max_connections = p.number("DATABASE_MAX_CONNECTIONS", 16u32);
        let database = match env.get("DATABASE_URL") {
            None => Database::Sqlite(data_dir.join("corral.db")),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Database::Postgres {
                    url,
                    max_connections,
                }
            }
            Some(url) if url.starts_with("sqlite:") => Database::SqliteUrl(url),
            Some(url) => {
                p.problems.push(format!(
                    "DATABASE_URL={:?}: expected postgres://… or sqlite:…",
                    redact(&url)
                ));
                Database::Sqlite(data_dir.join("corral.db"))
            }
        };
        let key_prefix = env.get("VALKEY_KEY_PREFIX").unwrap_or_default();
        let bus = match env.get("VALKEY_URL").or_else(|| env.get("REDIS_URL")) {
            None => BusConfig::InProcess,
            Some(url)
                if ["redis://", "rediss://", "valkey://", "valkeys://"]
                    .iter()
                    .any(|s| url.starts_with(s)) =>
            {
                BusConfig::Valkey { url, key_prefix }
            }
            Some(url) => {
                p.problems.push(format!(
                    "VALKEY_URL/REDIS_URL={:?}: expected redis://… or valkey://…",
                    redact(&url)
                ));
                BusConfig::InProcess
            }
        };
        let encryption_key = env.get("ENCRYPTION_KEY");
        if let Some(Err(e)) = encryption_key
            .as_deref()
            .map(corral_actors::secrets::Secrets::from_hex)
        {
            p.problems.push(format!("ENCRYPTION_KEY: {e}"));
        }
        let jwt_secret = env.get("JWT_SECRET");
        if jwt_secret.as_ref().is_some_and(|s| s.len() < 32) {
            p.problems
                .push("JWT_SECRET: must be at least 32 bytes".into());
        }
        let access_ttl = p.duration("JWT_ACCESS_TTL", Duration::from_secs(15 * 60));
        let refresh_ttl = p.duration("JWT_REFRESH_TTL", Duration::from_secs(168 * 3600));
        let refresh_session_ttl =
            p.duration("JWT_REFRESH_SESSION_TTL", Duration::from_secs(24 * 3600));
        let cookie_secure = p.bool("COOKIE_SECURE");
        let admin_username = env.get("ADMIN_USERNAME").unwrap_or_else(|| "admin".into());
        if admin_username.chars().count() < 3 {
            p.problems
                .push("ADMIN_USERNAME: must be at least 3 characters".into());
        }
        let admin_password = env.get("ADMIN_PASSWORD");
        if admin_password
            .as_ref()
            .is_some_and(|pw| pw.chars().count() < 8)
        {
            p.problems
                .push("ADMIN_PASSWORD: must be at least 8 characters".into());
        }
        let max_body_bytes = p.parsed("MAX_BODY_BYTES", 10 * 1024 * 1024usize, |raw| {
            match raw.parse::<usize>() {
                Ok(0) => Err("must be greater than zero".into()),
                Ok(n) => Ok(n),
                Err(e) => Err(e.to_string()),
            }
        });
        let request_timeout = p.duration("REQUEST_TIMEOUT", Duration::from_secs(15));
        let http_max_connections = p.parsed("HTTP_MAX_CONNECTIONS", 10_000usize, |raw| {
            match raw.parse::<usize>() {
                Ok(0) => Err("must be greater than zero".into()),
                Ok(n) => Ok(n),
                Err(e) => Err(e.to_string()),
            }
        });
        let http_header_timeout = p.duration("HTTP_HEADER_TIMEOUT", Duration::from_secs(10));
        let http_idle_timeout = p.duration("HTTP_IDLE_TIMEOUT", Duration::from_secs(75));
        let cors_origins: Vec<String> = env
            .get("CORS_ORIGINS")
            .map(|raw| {
                raw.split(',')
                    .map(|o| o.trim().to_owned())
                    .filter(|o| !o.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        for origin in &cors_origins {
            if !(origin.starts_with("http://") || origin.starts_with("https://")) || origin == "*" {
                p.problems
                    .push(format!("CORS_ORIGINS: {origin:?} is not an http(s) origin"));
            }
        }
        let nonzero = |raw: &str| {
            raw.parse::<NonZeroU32>()
                .map_err(|_| "expected a whole number greater than zero".to_owned())
        };
        let login_defaults = corral_actors::auth::login_limiter::LoginLimits::default();
        let login_limits = corral_actors::auth::login_limiter::LoginLimits {
            failures_per_ip: p.parsed(
                "LOGIN_FAILURES_PER_IP",
                login_defaults.failures_per_ip,
                nonzero,
            ),
            failures_per_username_ip: p.parsed(
                "LOGIN_FAILURES_PER_USERNAME_IP",
                login_defaults.failures_per_username_ip,
                nonzero,
            ),
            window: p.duration("LOGIN_FAILURE_WINDOW", login_defaults.window),
        };
        let session_cache_ttl = p.parsed("SESSION_CACHE_TTL", Duration::from_secs(1), |raw| {
            humantime::parse_duration(raw)
                .map_err(|e| format!("not a duration ({e}); use e.g. 1s, 500ms, 0s"))
        });
        let trust_forwarded_for = p.bool("TRUST_FORWARDED_FOR");
        let positive = |raw: &str| match raw.parse::<usize>() {
            Ok(0) => Err("must be greater than zero".to_owned()),
            Ok(n) => Ok(n),
            Err(e) => Err(e.to_string()),
        };
        let project_max_in_flight = p.parsed("PROJECT_MAX_IN_FLIGHT", 1024, positive);
        let project_call_timeout = p.duration("PROJECT_CALL_TIMEOUT", Duration::from_secs(10));
        let project_idle_timeout = p.duration("PROJECT_IDLE_TIMEOUT", Duration::from_secs(300));
        let project_max_batch = p.parsed("PROJECT_MAX_BATCH", 512, positive);
        let socket_buffer = p.parsed("SOCKET_BUFFER", 1024, positive);
        let socket_recheck = p.duration("SOCKET_RECHECK", Duration::from_secs(30));
        let relay = corral_actors::pipeline::RelayConfig {
            stream_max_len: p.parsed("EVENT_STREAM_MAX_LEN", 10_000, positive),
            sweep: p.duration("RELAY_SWEEP", Duration::from_secs(2)),
        };
        let consumers = corral_actors::pipeline::ConsumerConfig {
            max_attempts: p.parsed("CONSUMER_MAX_ATTEMPTS", 5, |raw| match raw.parse::<u32>() {
                Ok(n) if (1..=100).contains(&n) => Ok(n),
                _ => Err("expected a number from 1 to 100".to_owned()),
            }),
            backoff: p.duration("CONSUMER_BACKOFF", Duration::from_millis(200)),
            claim_idle: p.duration("CONSUMER_CLAIM_IDLE", Duration::from_secs(30)),
            sweep: p.duration("CONSUMER_SWEEP", Duration::from_secs(10)),
            batch: 64,
            dead_letter_max_len: p.parsed("DEAD_LETTER_MAX_LEN", 10_000, positive),
        };
        let doc_defaults = corral_actors::docs::actor::DocLimits::default();
        let docs = corral_actors::docs::actor::DocLimits {
            max_bytes: p.parsed("DOC_MAX_BYTES", doc_defaults.max_bytes, positive),
            snapshot_interval: p.duration("DOC_SNAPSHOT_INTERVAL", doc_defaults.snapshot_interval),
            idle_timeout: p.duration("DOC_IDLE_TIMEOUT", doc_defaults.idle_timeout),
            compact_updates: p.parsed(
                "DOC_COMPACT_UPDATES",
                doc_defaults.compact_updates,
                positive,
            ),
            update_max_bytes: p.parsed(
                "DOC_UPDATE_MAX_BYTES",
                doc_defaults.update_max_bytes,
                positive,
            ),
            max_editors: p.parsed("DOC_MAX_EDITORS", doc_defaults.max_editors, positive),
            outbox_frames: socket_buffer,
        };
        let agents = AgentSettings {
            runtime: p.parsed("SANDBOX_RUNTIME", SandboxKind::Local, |raw| match raw {
                "local" => Ok(SandboxKind::Local),
                "docker" => Ok(SandboxKind::Docker),
                _ => Err("expected local or docker".into()),
            }),
            max_running: p.parsed("AGENT_MAX_RUNNING", 10, positive),
            max_per_project: p.parsed("AGENT_MAX_PER_PROJECT", 4, positive),
            max_run: p.duration("AGENT_MAX_RUN", Duration::from_secs(8 * 3600)),
            chat_idle: p.duration("CHAT_SANDBOX_IDLE_TIMEOUT", Duration::from_secs(180)),
            health_timeout: p.duration("AGENT_HEALTH_TIMEOUT", Duration::from_secs(120)),
            cpu_millis: p.parsed("SANDBOX_CPUS", 2000, |raw| match raw.parse::<f64>() {
                Ok(c) if c > 0.0 && c <= 256.0 => Ok((c * 1000.0).round() as u32),
                _ => Err("expected a number of cores, e.g. 2 or 0.5".into()),
            }),
            memory_mb: p.parsed("SANDBOX_MEMORY_MB", 4096, |raw| match raw.parse::<u64>() {
                Ok(m) if m >= 64 => Ok(m),
                _ => Err("expected at least 64 (MiB)".into()),
            }),
            pids: p.parsed("SANDBOX_PIDS", 512, |raw| match raw.parse::<u32>() {
                Ok(n) if n >= 16 => Ok(n),
                _ => Err("expected at least 16".into()),
            }),
            max_events: p.parsed("AGENT_MAX_EVENTS", 10_000, |raw| match raw.parse::<u32>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err("expected a whole number greater than zero".into()),
            }),
            scripted_command: env
                .get("SANDBOX_SCRIPTED_COMMAND")
                .map(|c| c.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default(),
            openhands_command: env
                .get("SANDBOX_OPENHANDS_COMMAND")
                .map(|c| c.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default(),
            docker_socket: env
                .get("DOCKER_SOCKET")
                .unwrap_or_else(|| "/var/run/docker.sock".into()),
            agent_server_image: env
                .get("AGENT_SERVER_IMAGE")
                .unwrap_or_else(|| "ghcr.io/paca-ai/paca-agent-server:latest".into()),
            scripted_image: env.get("SANDBOX_SCRIPTED_IMAGE").filter(|i| !i.is_empty()),
        };
        let storage = storage_settings(&mut p, env, &data_dir);
        let log_format = p.parsed("LOG_FORMAT", LogFormat::Text, |raw| match raw {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err("expected text or json".into()),
        });

        if !p.problems.is_empty() {
            return Err(p.problems);
        }
        Ok(Self {
            bind_addr,
            port,
            data_dir,
            database,
            storage,
            bus,
            jwt_secret,
            encryption_key,
            access_ttl,
            refresh_ttl,
            refresh_session_ttl,
            cookie_secure,
            admin_username,
            admin_password,
            max_body_bytes,
            request_timeout,
            http_max_connections,
            http_header_timeout,
            http_idle_timeout,
            cors_origins,
            login_limits,
            session_cache_ttl,
            trust_forwarded_for,
            log_format,
            project_max_in_flight,
            project_call_timeout,
            project_idle_timeout,
            project_max_batch,
            socket_buffer,
            socket_recheck,
            agents,
            relay,
            consumers,
            docs,
        })
    }
}

fn storage_settings<E: Env>(
    p: &mut Parser<'_, E>,
    env: &E,
    data_dir: &std::path::Path,
) -> StorageSettings {
    use corral_actors::files::{FileLimits, MAX_PARTS, PART_BYTES};
    let defaults = FileLimits::default();
    let max_bytes = p.parsed("FILE_MAX_BYTES", defaults.max_bytes, |raw| {
        match raw.parse::<u64>() {
            Ok(n) if n > 0 && n <= PART_BYTES * MAX_PARTS => Ok(n),
            _ => Err(format!(
                "expected bytes from 1 to {} (10,000 parts of 5 MiB)",
                PART_BYTES * MAX_PARTS
            )),
        }
    });
    let allowed_types = p.parsed("FILE_ALLOWED_TYPES", Vec::new(), |raw| {
        raw.split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| {
                let ok = t.split_once('/').is_some_and(|(a, b)| {
                    !a.is_empty() && !b.is_empty() && !t.contains(char::is_whitespace)
                });
                if ok {
                    Ok(t.to_ascii_lowercase())
                } else {
                    Err(format!("{t:?} is not type/subtype or type/*"))
                }
            })
            .collect()
    });
    let project_quota = p.parsed("PROJECT_STORAGE_QUOTA_BYTES", None, |raw| {
        match raw.parse::<u64>() {
            Ok(0) => Ok(None),
            Ok(n) => Ok(Some(n)),
            Err(e) => Err(e.to_string()),
        }
    });
    let upload_url_ttl = p.duration("FILE_UPLOAD_URL_TTL", defaults.upload_url_ttl);
    let download_url_ttl = p.duration("FILE_DOWNLOAD_URL_TTL", defaults.download_url_ttl);
    let pending_ttl = p.duration("FILE_PENDING_TTL", defaults.pending_ttl);
    if pending_ttl <= upload_url_ttl {
        p.problems.push(format!(
            "FILE_PENDING_TTL must be longer than FILE_UPLOAD_URL_TTL ({})",
            humantime::format_duration(upload_url_ttl)
        ));
    }
    let public_url = env.get("STORAGE_PUBLIC_URL").filter(|u| !u.is_empty());
    if let Some(url) = &public_url
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        p.problems.push(format!(
            "STORAGE_PUBLIC_URL={url:?}: expected an http:// or https:// URL"
        ));
    }
    let provider = match env.get("STORAGE_PROVIDER").as_deref() {
        None | Some("local") => StorageProvider::Local(
            env.get("STORAGE_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| data_dir.join("blobs")),
        ),
        Some(kind @ ("s3" | "minio")) => {
            StorageProvider::S3(s3_settings(p, env, kind, &public_url))
        }
        Some(other) => {
            p.problems.push(format!(
                "STORAGE_PROVIDER={other:?}: expected local, s3 or minio"
            ));
            StorageProvider::Local(data_dir.join("blobs"))
        }
    };
    StorageSettings {
        provider,
        public_url,
        limits: FileLimits {
            max_bytes,
            allowed_types,
            project_quota,
            upload_url_ttl,
            download_url_ttl,
            pending_ttl,
        },
    }
}

/// Paca's variables for S3 and MinIO: an endpoint is required for MinIO (`host:port`, its scheme
/// from `STORAGE_USE_SSL`, or a URL) and optional for AWS; credentials are required.
fn s3_settings<E: Env>(
    p: &mut Parser<'_, E>,
    env: &E,
    kind: &str,
    public_url: &Option<String>,
) -> corral_persistence::blob::S3Settings {
    let use_ssl = p.bool("STORAGE_USE_SSL");
    let endpoint = env
        .get("STORAGE_ENDPOINT")
        .filter(|e| !e.is_empty())
        .map(|e| {
            if e.starts_with("http://") || e.starts_with("https://") {
                e
            } else if use_ssl {
                format!("https://{e}")
            } else {
                format!("http://{e}")
            }
        });
    if kind == "minio" && endpoint.is_none() {
        p.problems
            .push("STORAGE_ENDPOINT is required with STORAGE_PROVIDER=minio".into());
    }
    let mut required = |name: &str| match env.get(name).filter(|v| !v.is_empty()) {
        Some(v) => v,
        None => {
            p.problems
                .push(format!("{name} is required with STORAGE_PROVIDER={kind}"));
            String::new()
        }
    };
    let access_key_id = required("STORAGE_ACCESS_KEY_ID");
    let secret_access_key = required("STORAGE_SECRET_ACCESS_KEY");
    corral_persistence::blob::S3Settings {
        endpoint,
        bucket: env
            .get("STORAGE_BUCKET")
            .filter(|b| !b.is_empty())
            .unwrap_or_else(|| "corral".into()),
        region: env
            .get("STORAGE_REGION")
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| "us-east-1".into()),
        access_key_id,
        secret_access_key,
        public_url: public_url.clone(),
    }
}

/// A URL without its password, for error messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_are_embedded() {
        let c = Config::load(&env(&[])).expect("defaults load");
        assert_eq!(c.port, 8080);
        assert_eq!(c.bind_addr.to_string(), "127.0.0.1");
        assert_eq!(
            c.database,
            Database::Sqlite(PathBuf::from("./data/corral.db"))
        );
        assert_eq!(c.bus, BusConfig::InProcess);
        assert_eq!(c.access_ttl, Duration::from_secs(900));
        assert_eq!(c.refresh_ttl, Duration::from_secs(168 * 3600));
        assert_eq!(c.max_body_bytes, 10 * 1024 * 1024);
        assert_eq!(c.admin_username, "admin");
    }

    #[test]
    fn backends_from_urls() {
        let c = Config::load(&env(&[
            ("DATABASE_URL", "postgres://u:p@db/corral"),
            ("REDIS_URL", "redis://cache:6379"),
        ]))
        .expect("load");
        assert!(matches!(c.database, Database::Postgres { .. }));
        assert!(matches!(c.bus, BusConfig::Valkey { .. }));
        let c = Config::load(&env(&[
            ("VALKEY_URL", "valkey://v:6379"),
            ("REDIS_URL", "bogus"),
        ]))
        .expect("VALKEY_URL wins");
        assert!(matches!(c.bus, BusConfig::Valkey { ref url, .. } if url == "valkey://v:6379"));
    }

    #[test]
    fn the_readme_documents_every_variable() {
        let readme = include_str!("../README.md");
        for (names, _, _) in VARIABLES {
            for name in names.split(" / ") {
                assert!(readme.contains(&format!("`{name}`")), "README lacks {name}");
            }
        }
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let problems = Config::load(&env(&[
            ("PORT", "eighty"),
            ("DATABASE_URL", "mysql://root:hunter2@db/x"),
            ("JWT_SECRET", "short"),
            ("JWT_ACCESS_TTL", "soon"),
            ("ADMIN_PASSWORD", "123"),
            ("LOGIN_FAILURES_PER_IP", "0"),
            ("COOKIE_SECURE", "maybe"),
            ("ENCRYPTION_KEY", "not-hex"),
        ]))
        .expect_err("invalid");
        assert_eq!(problems.len(), 8, "{problems:#?}");
        let all = problems.join("\n");
        assert!(
            all.contains("PORT") && all.contains("JWT_ACCESS_TTL") && all.contains("COOKIE_SECURE")
        );
        assert!(!all.contains("hunter2"), "passwords are redacted: {all}");
    }
}
