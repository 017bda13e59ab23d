//! The `corral` server: configuration and wiring of the crates, nothing else.
//!
//! [`start`] opens the store and the bus the configuration names, bootstraps accounts, binds
//! the listener and serves until [`Server::shutdown`]. `src/main.rs` calls it; black-box tests
//! call it with port 0.

pub mod config;

use anyhow::Context;
use config::{BusConfig, Config, Database, StorageProvider};
use corral_actors::accounts::{Accounts, AccountsConfig, AdminBootstrap};
use corral_actors::auth::token::TokenTtls;
use corral_actors::bus::Bus;
use corral_actors::notification::Inbox;
use corral_actors::project::{Projects, ProjectsConfig};
use corral_actors::store::Store;
use corral_http::{AppState, CookieSettings, HttpLimits, Services};
use corral_persistence::{InProcessBus, PostgresStore, SqliteStore, ValkeyBus};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How often expired refresh-token records and idle rate-limit state are cleaned up.
const HOUSEKEEPING_INTERVAL: Duration = Duration::from_secs(600);

/// A running server.
pub struct Server {
    /// The address it listens on (the real port when configured with 0).
    pub addr: SocketAddr,
    /// Set when this start created the administrator with a generated password.
    pub generated_admin_password: Option<String>,
    /// The project actors (tests inspect and fault them).
    pub projects: Projects,
    /// The Socket.IO edge.
    pub realtime: corral_realtime::Realtime,
    /// Agent conversations.
    pub agents: corral_actors::agents::Agents,
    /// Task attachments (tests run the expired-upload sweep at a chosen time).
    pub files: corral_actors::files::Files,
    /// Documents' content.
    pub docs: corral_actors::docs::Docs,
    stop: watch::Sender<bool>,
    serving: JoinHandle<std::io::Result<()>>,
    housekeeping: JoinHandle<()>,
    consumers: corral_actors::pipeline::Consumers,
    control: JoinHandle<()>,
}

impl Server {
    /// Stops accepting, lets in-flight requests finish, and returns.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.stop.send(true);
        self.housekeeping.abort();
        self.consumers.shutdown();
        self.control.abort();
        self.serving.await.context("server task")??;
        self.agents.shutdown().await;
        self.docs.shutdown().await;
        self.projects.shutdown().await;
        Ok(())
    }

    /// Serves until the process is asked to stop (Ctrl-C or SIGTERM), then shuts down.
    pub async fn run_until_signalled(self) -> anyhow::Result<()> {
        wait_for_signal().await;
        tracing::info!("shutting down");
        self.shutdown().await
    }
}

pub async fn start(config: Config) -> anyhow::Result<Server> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
    let store = open_store(&config).await?;
    let bus = open_bus(&config).await?;
    let jwt_secret = match &config.jwt_secret {
        Some(secret) => secret.as_bytes().to_vec(),
        None => load_or_create_secret(&config.data_dir.join("jwt_secret"))?,
    };
    let encryption_key = match &config.encryption_key {
        Some(key) => key.clone(),
        None => String::from_utf8(load_or_create_secret(
            &config.data_dir.join("encryption_key"),
        )?)
        .context("encryption_key is not text")?,
    };
    // Every node shares the JWT secret, so a URL one node signed is good on all of them.
    let blobs: Arc<dyn corral_actors::blob::BlobStore> = match &config.storage.provider {
        StorageProvider::Local(dir) => Arc::new(
            corral_persistence::blob::LocalBlobStore::open(dir, &jwt_secret)
                .map_err(|e| anyhow::anyhow!("opening the blob store: {e}"))?,
        ),
        StorageProvider::S3(settings) => Arc::new(
            corral_persistence::blob::S3BlobStore::open(settings)
                .await
                .map_err(|e| anyhow::anyhow!("opening the S3 blob store: {e}"))?,
        ),
    };
    let secrets = corral_actors::secrets::Secrets::from_hex(&encryption_key)
        .map_err(|e| anyhow::anyhow!("encryption key: {e}"))?;
    let accounts = Accounts::new(
        store.clone(),
        &AccountsConfig {
            jwt_secret,
            ttls: TokenTtls {
                access: config.access_ttl,
                refresh: config.refresh_ttl,
                refresh_session: config.refresh_session_ttl,
            },
            login_limits: config.login_limits,
            session_cache: config.session_cache_ttl,
        },
    );
    let outcome = accounts
        .bootstrap(AdminBootstrap {
            username: &config.admin_username,
            password: config.admin_password.as_deref(),
        })
        .await
        .context("bootstrapping accounts")?;

    let relay = corral_actors::pipeline::Relay::start(store.clone(), bus.clone(), config.relay);
    let projects = Projects::start(
        store.clone(),
        bus.clone(),
        ProjectsConfig {
            max_in_flight: config.project_max_in_flight,
            call_timeout: config.project_call_timeout,
            idle_timeout: config.project_idle_timeout,
            max_batch: config.project_max_batch,
            ..ProjectsConfig::default()
        },
        relay,
    )
    .await
    .context("starting project actors")?;
    let (socket_layers, realtime) = corral_realtime::Realtime::start(
        accounts.clone(),
        projects.clone(),
        bus.clone(),
        corral_realtime::RealtimeConfig {
            socket_buffer: config.socket_buffer,
            recheck: config.socket_recheck,
        },
    )
    .await
    .map_err(anyhow::Error::msg)
    .context("starting the realtime edge")?;
    let listener = tokio::net::TcpListener::bind((config.bind_addr, config.port))
        .await
        .with_context(|| format!("binding {}:{}", config.bind_addr, config.port))?;
    let addr = listener.local_addr()?;
    let agents = start_agents(
        &config,
        addr,
        store.clone(),
        bus.clone(),
        &projects,
        &secrets,
    )?;
    agents
        .recover()
        .await
        .context("recovering agent conversations")?;
    let mut durable: Vec<Arc<dyn corral_actors::pipeline::Consumer>> = vec![Arc::new(
        corral_actors::agents::AgentTriggers(agents.clone()),
    )];
    durable.push(Arc::new(corral_actors::files::FileCleanup::new(
        blobs.clone(),
    )));
    durable.extend(corral_actors::pipeline::fault::failing_consumer());
    let consumers = corral_actors::pipeline::Consumers::start(
        store.clone(),
        bus.clone(),
        &node_id(&config.data_dir)?,
        config.consumers,
        durable,
    )
    .await
    .context("starting the durable event consumers")?;
    let control = agents
        .follow_control()
        .await
        .context("following agent control")?;
    let files = corral_actors::files::Files::new(
        projects.clone(),
        store.clone(),
        blobs,
        config.storage.limits.clone(),
    );
    let docs =
        corral_actors::docs::Docs::start(store.clone(), bus.clone(), projects.clone(), config.docs)
            .await
            .context("starting document actors")?;
    let state = AppState::new(Services {
        files: files.clone(),
        docs: docs.clone(),
        socket_recheck: config.socket_recheck,
        storage_public_url: config.storage.public_url.clone(),
        agents: agents.clone(),
        accounts: accounts.clone(),
        projects: projects.clone(),
        inbox: Inbox::new(store.clone()),
        store,
        bus,
        cookies: CookieSettings {
            secure: config.cookie_secure,
        },
        trust_forwarded_for: config.trust_forwarded_for,
        secrets,
        consumers: consumers.clone(),
    });
    let limits = HttpLimits {
        max_body_bytes: config.max_body_bytes,
        request_timeout: config.request_timeout,
        cors_origins: config
            .cors_origins
            .iter()
            .filter_map(|o| o.parse().ok())
            .collect(),
    };
    // Socket.IO is outermost: its long-polls and websockets are not bound by REST timeouts.
    let app = corral_http::router(state, &limits)
        .layer(socket_layers.gateway)
        .layer(socket_layers.stripped);
    let connections = corral_http::ConnectionLimits {
        max_connections: connection_cap(config.http_max_connections),
        header_timeout: config.http_header_timeout,
        idle_timeout: config.http_idle_timeout,
    };

    let (stop, stopped) = watch::channel(false);
    let serving = tokio::spawn(corral_http::serve(listener, app, connections, stopped));
    let sweeper = files.clone();
    let housekeeping = tokio::spawn(async move {
        let mut tick = tokio::time::interval(HOUSEKEEPING_INTERVAL);
        loop {
            tick.tick().await;
            if let Err(err) = accounts.housekeeping().await {
                tracing::warn!(%err, "housekeeping failed");
            }
            // Uploads never completed: their parts, objects and rows.
            match sweeper.sweep(corral_actors::clock::now(), 100).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(uploads = n, "removed expired uploads"),
                Err(err) => tracing::warn!(%err, "sweeping expired uploads failed"),
            }
        }
    });
    tracing::info!(%addr, "corral listening");
    Ok(Server {
        addr,
        generated_admin_password: outcome.generated_admin_password,
        projects,
        realtime,
        agents,
        files,
        docs,
        stop,
        serving,
        housekeeping,
        consumers: consumers.clone(),
        control,
    })
}

/// Descriptors kept for everything but client connections: the database pool, the bus, files,
/// sandboxes.
const RESERVED_DESCRIPTORS: u64 = 128;

/// The connection cap, lowered to fit the process's file-descriptor limit (raised to its hard
/// limit first), so clients alone can never exhaust the descriptors the server needs.
fn connection_cap(configured: usize) -> usize {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        return configured;
    };
    let soft = if soft < hard && setrlimit(Resource::RLIMIT_NOFILE, hard, hard).is_ok() {
        hard
    } else {
        soft
    };
    let fits =
        usize::try_from(soft.saturating_sub(RESERVED_DESCRIPTORS).max(16)).unwrap_or(usize::MAX);
    if fits < configured {
        tracing::warn!(
            configured,
            cap = fits,
            descriptor_limit = soft,
            "HTTP_MAX_CONNECTIONS lowered to fit the file-descriptor limit"
        );
    }
    configured.min(fits)
}

async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    Ok(match &config.database {
        Database::Sqlite(path) => {
            tracing::info!(path = %path.display(), "store: SQLite");
            Arc::new(
                SqliteStore::open(path)
                    .await
                    .with_context(|| format!("opening SQLite at {}", path.display()))?,
            )
        }
        Database::SqliteUrl(url) => {
            tracing::info!("store: SQLite");
            Arc::new(SqliteStore::open_url(url).await.context("opening SQLite")?)
        }
        Database::Postgres {
            url,
            max_connections,
        } => {
            tracing::info!("store: PostgreSQL");
            Arc::new(
                PostgresStore::connect(url, *max_connections)
                    .await
                    .context("connecting to PostgreSQL (DATABASE_URL)")?,
            )
        }
    })
}

async fn open_bus(config: &Config) -> anyhow::Result<Arc<dyn Bus>> {
    Ok(match &config.bus {
        BusConfig::InProcess => {
            tracing::info!("bus: in-process");
            Arc::new(InProcessBus::new())
        }
        BusConfig::Valkey { url, key_prefix } => {
            tracing::info!("bus: Valkey");
            Arc::new(
                ValkeyBus::connect(url, key_prefix)
                    .await
                    .context("connecting to Valkey (VALKEY_URL / REDIS_URL)")?,
            )
        }
    })
}

/// Reads the secret kept in the data directory, or creates it (32 random bytes, hex, mode 0600).
fn load_or_create_secret(path: &Path) -> anyhow::Result<Vec<u8>> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        let secret = existing.trim();
        anyhow::ensure!(
            secret.len() >= 32,
            "{} is shorter than 32 bytes",
            path.display()
        );
        return Ok(secret.as_bytes().to_vec());
    }
    let secret = hex::encode(rand::random::<[u8; 32]>());
    write_private(path, &secret).with_context(|| format!("writing {}", path.display()))?;
    tracing::info!(path = %path.display(), "generated a secret (keep the data directory)");
    Ok(secret.into_bytes())
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// The sandbox runtime and the conversation actors' service.
fn start_agents(
    config: &Config,
    addr: SocketAddr,
    store: Arc<dyn Store>,
    bus: Arc<dyn corral_actors::bus::Bus>,
    projects: &Projects,
    secrets: &corral_actors::secrets::Secrets,
) -> anyhow::Result<corral_actors::agents::Agents> {
    let settings = &config.agents;
    let runtime: Arc<dyn corral_actors::sandbox::SandboxRuntime> = match settings.runtime {
        config::SandboxKind::Local => {
            let scripted = if settings.scripted_command.is_empty() {
                vec![
                    std::env::current_exe()
                        .context("locating this binary for the scripted agent")?
                        .display()
                        .to_string(),
                    "scripted-agent".into(),
                ]
            } else {
                settings.scripted_command.clone()
            };
            Arc::new(corral_sandbox::LocalRuntime::new(
                corral_sandbox::LocalConfig {
                    root: config.data_dir.join("sandboxes"),
                    scripted,
                    openhands: (!settings.openhands_command.is_empty())
                        .then(|| settings.openhands_command.clone()),
                    max_sandboxes: settings.max_running,
                },
            ))
        }
        config::SandboxKind::Docker => Arc::new(
            corral_sandbox::DockerRuntime::connect(corral_sandbox::DockerConfig {
                endpoint: settings.docker_socket.clone(),
                openhands_image: settings.agent_server_image.clone(),
                scripted_image: settings.scripted_image.clone(),
                container_port: 8000,
                stop_timeout: 30,
            })
            .map_err(|e| anyhow::anyhow!("{e}"))?,
        ),
    };
    let host = if addr.ip().is_unspecified() {
        std::net::IpAddr::from([127, 0, 0, 1])
    } else {
        addr.ip()
    };
    Ok(corral_actors::agents::Agents::new(
        store,
        bus,
        projects.clone(),
        runtime,
        Arc::new(corral_sandbox::OpenHandsDriver {
            patience: std::time::Duration::from_secs(10),
        }),
        secrets.clone(),
        corral_actors::agents::AgentsConfig {
            max_running: settings.max_running,
            max_per_project: settings.max_per_project,
            max_run: settings.max_run,
            chat_idle: settings.chat_idle,
            health_timeout: settings.health_timeout,
            limits: corral_actors::sandbox::SandboxLimits {
                cpu_millis: settings.cpu_millis,
                memory_bytes: settings.memory_mb << 20,
                pids: settings.pids,
                ..corral_actors::sandbox::SandboxLimits::default()
            },
            max_events: settings.max_events,
            api_url: format!("http://{}", SocketAddr::new(host, addr.port())),
            node_id: node_id(&config.data_dir)?,
            ..corral_actors::agents::AgentsConfig::default()
        },
    ))
}

/// This node's stable name, kept in the data directory (conversations it owns are recovered by
/// it alone after a restart).
fn node_id(data_dir: &Path) -> anyhow::Result<String> {
    let path = data_dir.join("node_id");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        return Ok(existing.trim().to_owned());
    }
    let id = format!("node-{}", hex::encode(rand::random::<[u8; 8]>()));
    std::fs::write(&path, &id).with_context(|| format!("writing {}", path.display()))?;
    Ok(id)
}
