//! The local runtime: each sandbox is a child process in its own process group, with its own
//! working directory, a private loopback port, only the agent's environment, and resource
//! limits set by `prlimit` (address space, CPU seconds, processes, open files). Stopping kills
//! the whole group. A sandbox's process group and endpoint are written to its directory, so a
//! restarted server can find (and reclaim) what the previous one started.

use async_trait::async_trait;
use corral_actors::sandbox::{
    AgentProgram, Sandbox, SandboxError, SandboxLimits, SandboxRuntime, SandboxSpec,
};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
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

pub struct LocalRuntime {
    config: LocalConfig,
    children: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Child>>>>,
}

impl LocalRuntime {
    pub fn new(config: LocalConfig) -> Self {
        Self {
            config,
            children: Mutex::default(),
        }
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
        let mut command = Command::new("prlimit");
        command
            .args(prlimit_args(&spec.limits))
            .arg("--")
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
        let child = command
            .spawn()
            .map_err(|e| SandboxError::Start(format!("running {exe}: {e}")))?;
        let pid = child
            .id()
            .ok_or_else(|| SandboxError::Start("the agent exited at once".into()))?;
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
        match child {
            Some(child) => matches!(child.lock().await.try_wait(), Ok(None)),
            // Started by an earlier server: alive while its group has a member.
            None => group_of(sandbox).is_some_and(|g| killpg(g, None).is_ok()),
        }
    }

    async fn stop(&self, sandbox: &Sandbox) -> Result<(), SandboxError> {
        if let Some(group) = group_of(sandbox) {
            // Already gone is fine: stopping is idempotent.
            let _ = killpg(group, Signal::SIGKILL);
        }
        let child = self.children().remove(&sandbox.id);
        if let Some(child) = child {
            let _ = child.lock().await.wait().await;
        }
        let dir = self.dir(sandbox.conversation_id);
        match tokio::fs::remove_dir_all(&dir).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
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
