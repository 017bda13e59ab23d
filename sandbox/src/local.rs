//! The local runtime: each sandbox is a child process in its own process group, with its own
//! working directory, a private loopback port, only the agent's environment, and resource
//! limits set by `prlimit` (address space, CPU seconds, processes, open files). Where the
//! machine allows it (see [`crate::containment`]) the agent also runs in its own PID namespace
//! and pids cgroup, so stopping it kills every process it started, however it detached them,
//! and `SANDBOX_PIDS` holds for root too. A sandbox's handle (the pid of its `unshare` or agent
//! process, also its process group) and endpoint are written to its directory, so a restarted
//! server can find (and reclaim) what the previous one started.

use crate::containment::{self, Containment};
use async_trait::async_trait;
use corral_actors::sandbox::{
    AgentProgram, Sandbox, SandboxError, SandboxLimits, SandboxRuntime, SandboxSpec,
};
use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::process::{Child, Command};

#[derive(Clone, Debug)]
pub struct LocalConfig {
    /// Where each sandbox gets its directory (`<root>/<conversation id>`).
    pub root: PathBuf,
    /// How to run the scripted agent (program and arguments; `--host` and `--port` follow).
    pub scripted: Vec<String>,
    /// How to run an OpenHands agent-server, if this machine has one.
    pub openhands: Option<Vec<String>>,
    /// Most sandboxes running at once on this node.
    pub max_sandboxes: usize,
}

/// How long stopping waits for every process of a sandbox to be gone.
const STOP_PATIENCE: Duration = Duration::from_secs(5);

pub struct LocalRuntime {
    config: LocalConfig,
    containment: Containment,
    children: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Child>>>>,
    namespaces: Namespaces,
}

/// The PID namespace of each sandbox, once seen: after its `unshare` parent is dead it can no
/// longer be read, and stopping needs it to wait for every process in it.
#[derive(Clone, Default)]
struct Namespaces(Arc<Mutex<HashMap<String, PathBuf>>>);

impl Namespaces {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, PathBuf>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The sandbox's namespace, remembered from an earlier look or read now.
    fn of(&self, sandbox: &Sandbox) -> Option<PathBuf> {
        if let Some(known) = self.lock().get(&sandbox.id) {
            return Some(known.clone());
        }
        let found = containment::child_namespace(sandbox.id.parse().ok()?)?;
        self.lock().insert(sandbox.id.clone(), found.clone());
        Some(found)
    }

    fn forget(&self, sandbox: &Sandbox) {
        self.lock().remove(&sandbox.id);
    }
}

impl LocalRuntime {
    /// A runtime with what this machine offers to contain sandboxes, said in the log.
    pub fn new(config: LocalConfig) -> Self {
        let containment = Containment::detect();
        containment.report();
        Self::with_containment(config, containment)
    }

    /// A runtime with the containment given (tests choose a fallback this way).
    pub fn with_containment(config: LocalConfig, containment: Containment) -> Self {
        Self {
            config,
            containment,
            children: Mutex::default(),
            namespaces: Namespaces::default(),
        }
    }

    pub fn containment(&self) -> &Containment {
        &self.containment
    }

    fn dir(&self, conversation: uuid::Uuid) -> PathBuf {
        self.config.root.join(conversation.to_string())
    }

    fn children(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, Arc<tokio::sync::Mutex<Child>>>> {
        self.children.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A loopback port free right now (the agent binds it a moment later).
fn free_port() -> Result<u16, SandboxError> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))
        .map_err(|e| SandboxError::Start(format!("no free port: {e}")))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| SandboxError::Start(e.to_string()))
}

/// `prlimit` arguments for the limits: memory as address space, CPU as seconds of CPU over
/// the sandbox's lifetime at its share of cores.
fn prlimit_args(limits: &SandboxLimits) -> Vec<String> {
    let cpu_seconds =
        (limits.lifetime.as_secs().max(1) * u64::from(limits.cpu_millis.max(1))).div_ceil(1000);
    vec![
        format!("--as={}", limits.memory_bytes),
        format!("--cpu={cpu_seconds}"),
        format!("--nproc={}", limits.pids),
        "--nofile=4096".into(),
        "--core=0".into(),
    ]
}

/// The watchdog of a sandbox without a pids cgroup: counts the tasks in its PID namespace (and
/// its `unshare` parent) and kills it past `max`.
async fn count_processes(
    child: Arc<tokio::sync::Mutex<Child>>,
    namespaces: Namespaces,
    sandbox: Sandbox,
    max: u32,
) {
    let mut tick = tokio::time::interval(containment::WATCHDOG_EVERY);
    loop {
        tick.tick().await;
        if !matches!(child.lock().await.try_wait(), Ok(None)) {
            return;
        }
        let Some(namespace) = namespaces.of(&sandbox) else {
            continue;
        };
        let counted =
            tokio::task::spawn_blocking(move || containment::namespace_members(&namespace).1);
        let Ok(tasks) = counted.await else { continue };
        if tasks + 1 > max as usize {
            tracing::warn!(conversation = %sandbox.conversation_id, tasks, max,
                           "sandbox past SANDBOX_PIDS; killing it");
            if let Some(group) = group_of(&sandbox) {
                let _ = killpg(group, Signal::SIGKILL);
            }
            return;
        }
    }
}

/// Waits until no process of a stopped sandbox is left (killing stragglers), then removes its
/// cgroup.
async fn remove_every_process(
    cgroup: Option<PathBuf>,
    namespace: Option<PathBuf>,
) -> Result<(), SandboxError> {
    let deadline = tokio::time::Instant::now() + STOP_PATIENCE;
    loop {
        let (cg, ns) = (cgroup.clone(), namespace.clone());
        let left = tokio::task::spawn_blocking(move || {
            let mut left = cg
                .as_deref()
                .map(containment::cgroup_members)
                .unwrap_or_default();
            if let Some(ns) = &ns {
                left.extend(containment::namespace_members(ns).0);
            }
            for pid in &left {
                let _ = kill(*pid, Signal::SIGKILL);
            }
            left.len()
        })
        .await
        .unwrap_or(0);
        let removed = match &cgroup {
            Some(group) if left == 0 => match std::fs::remove_dir(group) {
                Ok(()) => true,
                Err(e) => e.kind() == std::io::ErrorKind::NotFound,
            },
            _ => left == 0,
        };
        if removed {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(SandboxError::Runtime(format!(
                "{left} processes of the sandbox outlived its stop"
            )));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn group_of(sandbox: &Sandbox) -> Option<Pid> {
    sandbox
        .id
        .parse::<i32>()
        .ok()
        .filter(|p| *p > 1)
        .map(Pid::from_raw)
}

#[async_trait]
impl SandboxRuntime for LocalRuntime {
    async fn start(&self, spec: &SandboxSpec) -> Result<Sandbox, SandboxError> {
        if self.children().len() >= self.config.max_sandboxes {
            return Err(SandboxError::Exhausted(format!(
                "{} local sandboxes are running (SANDBOX_MAX)",
                self.config.max_sandboxes
            )));
        }
        let program = match spec.program {
            AgentProgram::Scripted => &self.config.scripted,
            AgentProgram::OpenHands => self.config.openhands.as_ref().ok_or_else(|| {
                SandboxError::Start(
                    "no OpenHands agent-server is configured for local sandboxes (SANDBOX_OPENHANDS_COMMAND)".into(),
                )
            })?,
        };
        let (exe, args) = program
            .split_first()
            .ok_or_else(|| SandboxError::Start("empty agent command".into()))?;
        let dir = self.dir(spec.conversation_id);
        let workspace = dir.join("workspace");
        tokio::fs::create_dir_all(&workspace)
            .await
            .map_err(|e| SandboxError::Start(format!("creating {}: {e}", workspace.display())))?;
        let port = free_port()?;
        let cgroup = self.containment.cgroup_of(spec.conversation_id);
        if let Some(group) = &cgroup {
            containment::create_cgroup(group, spec.limits.pids).map_err(|e| {
                SandboxError::Start(format!("creating the cgroup {}: {e}", group.display()))
            })?;
        }
        let mut command = match &cgroup {
            // The shell joins the cgroup before anything else runs, so nothing escapes it.
            Some(group) => {
                let mut joined = Command::new("/bin/sh");
                joined
                    .args(["-c", r#"echo $$ > "$0/cgroup.procs" && exec "$@""#])
                    .arg(group)
                    .arg("prlimit");
                joined
            }
            None => Command::new("prlimit"),
        };
        command.args(prlimit_args(&spec.limits)).arg("--");
        if let Some(namespace) = &self.containment.namespace {
            command.arg("unshare").args(namespace).arg("--");
        }
        command
            .arg(exe)
            .args(args)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .current_dir(&workspace)
            .env_clear()
            .env(
                "PATH",
                std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into()),
            )
            .env("HOME", &workspace)
            .env("LANG", "C.UTF-8")
            .envs(&spec.env)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .process_group(0)
            .kill_on_drop(true);
        let spawned = command.spawn().and_then(|child| {
            child
                .id()
                .map(|pid| (child, pid))
                .ok_or_else(|| std::io::Error::other("the agent exited at once"))
        });
        let (child, pid) = match spawned {
            Ok(started) => started,
            Err(e) => {
                if let Some(group) = &cgroup {
                    let _ = std::fs::remove_dir(group);
                }
                return Err(SandboxError::Start(format!("running {exe}: {e}")));
            }
        };
        let sandbox = Sandbox {
            id: pid.to_string(),
            conversation_id: spec.conversation_id,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let record = serde_json::json!({"id": sandbox.id, "endpoint": sandbox.endpoint});
        tokio::fs::write(dir.join("sandbox.json"), record.to_string())
            .await
            .map_err(|e| SandboxError::Start(e.to_string()))?;
        let child = Arc::new(tokio::sync::Mutex::new(child));
        self.children().insert(sandbox.id.clone(), child.clone());
        if self.containment.namespace.is_some() && cgroup.is_none() {
            tokio::spawn(count_processes(
                child.clone(),
                self.namespaces.clone(),
                sandbox.clone(),
                spec.limits.pids,
            ));
        }
        // Past its lifetime the sandbox is killed, whatever its conversation is doing. The
        // child is not reaped before it is stopped, so its group id cannot have been reused.
        let (lifetime, doomed) = (spec.limits.lifetime, sandbox.clone());
        tokio::spawn(async move {
            tokio::time::sleep(lifetime).await;
            let running = matches!(child.lock().await.try_wait(), Ok(None));
            if let (true, Some(group)) = (running, group_of(&doomed)) {
                tracing::warn!(conversation = %doomed.conversation_id, "sandbox lifetime over; killing it");
                let _ = killpg(group, Signal::SIGKILL);
            }
        });
        tracing::info!(conversation = %spec.conversation_id, pid, port, "local sandbox started");
        Ok(sandbox)
    }

    async fn alive(&self, sandbox: &Sandbox) -> bool {
        let child = self.children().get(&sandbox.id).cloned();
        let alive = match child {
            Some(child) => matches!(child.lock().await.try_wait(), Ok(None)),
            // Started by an earlier server: alive while its group has a member.
            None => group_of(sandbox).is_some_and(|g| killpg(g, None).is_ok()),
        };
        if alive && self.containment.namespace.is_some() {
            // Seen while it can be, for a stop after the sandbox died (lifetime, watchdog).
            let _ = self.namespaces.of(sandbox);
        }
        alive
    }

    async fn stop(&self, sandbox: &Sandbox) -> Result<(), SandboxError> {
        let cgroup = self.containment.cgroup_of(sandbox.conversation_id);
        // Read before the kill: the namespace is named by its `unshare` parent.
        let namespace = self.namespaces.of(sandbox);
        if let Some(group) = group_of(sandbox) {
            // Already gone is fine: stopping is idempotent. Killing the `unshare` parent kills
            // the agent, the namespace's init, and with it every process in the namespace.
            let _ = killpg(group, Signal::SIGKILL);
        }
        if let Some(group) = &cgroup {
            containment::kill_cgroup(group);
        }
        let child = self.children().remove(&sandbox.id);
        if let Some(child) = child {
            let _ = child.lock().await.wait().await;
        }
        let gone = remove_every_process(cgroup, namespace).await;
        self.namespaces.forget(sandbox);
        let dir = self.dir(sandbox.conversation_id);
        match tokio::fs::remove_dir_all(&dir).await {
            Ok(()) => gone,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => gone,
            Err(e) => Err(SandboxError::Runtime(format!(
                "removing {}: {e}",
                dir.display()
            ))),
        }
    }

    async fn list(&self) -> Result<Vec<Sandbox>, SandboxError> {
        let mut out = Vec::new();
        let mut entries = match tokio::fs::read_dir(&self.config.root).await {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(SandboxError::Runtime(e.to_string())),
        };
        while let Ok(Some(entry)) = entries.next_entry().await {
            let Ok(conversation) = entry.file_name().to_string_lossy().parse::<uuid::Uuid>() else {
                continue;
            };
            let Ok(raw) = tokio::fs::read_to_string(entry.path().join("sandbox.json")).await else {
                continue;
            };
            let Ok(record) = serde_json::from_str::<serde_json::Value>(&raw) else {
                continue;
            };
            if let (Some(id), Some(endpoint)) = (record["id"].as_str(), record["endpoint"].as_str())
            {
                out.push(Sandbox {
                    id: id.to_owned(),
                    conversation_id: conversation,
                    endpoint: endpoint.to_owned(),
                });
            }
        }
        Ok(out)
    }

    fn name(&self) -> &'static str {
        "local"
    }
}
