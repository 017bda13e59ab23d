//! The port to where agents run: one sandbox per conversation, started with the agent's
//! environment and resource limits, reachable over HTTP, always reclaimed. Implementations live
//! in the `sandbox` crate (a local child process by default, or a Docker container).

use async_trait::async_trait;
use std::collections::BTreeMap;
use uuid::Uuid;

/// What to run in a sandbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AgentProgram {
    /// The reference scripted agent (no LLM): plays its script against Corral's API.
    Scripted,
    /// An OpenHands agent-server.
    OpenHands,
}

/// Resource limits of one sandbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SandboxLimits {
    /// CPU in thousandths of a core (Docker); the local runtime turns it into CPU seconds
    /// over the conversation's timeout.
    pub cpu_millis: u32,
    pub memory_bytes: u64,
    /// Processes and threads.
    pub pids: u32,
    /// Wall-clock lifetime: the sandbox is killed after this.
    pub lifetime: std::time::Duration,
}

impl Default for SandboxLimits {
    fn default() -> Self {
        Self {
            cpu_millis: 2000,
            memory_bytes: 4 << 30,
            pids: 512,
            lifetime: std::time::Duration::from_secs(30 * 60),
        }
    }
}

#[derive(Clone, Debug)]
pub struct SandboxSpec {
    pub conversation_id: Uuid,
    pub program: AgentProgram,
    /// The agent's environment (its own variables first, then the ones Corral sets).
    pub env: BTreeMap<String, String>,
    pub limits: SandboxLimits,
}

/// A running sandbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sandbox {
    /// Runtime-specific handle (process group id, container id).
    pub id: String,
    pub conversation_id: Uuid,
    /// Base URL of the agent-server inside (`http://127.0.0.1:41234`).
    pub endpoint: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("sandbox limit reached: {0}")]
    Exhausted(String),
    #[error("sandbox failed to start: {0}")]
    Start(String),
    #[error("sandbox runtime error: {0}")]
    Runtime(String),
}

#[async_trait]
pub trait SandboxRuntime: Send + Sync + 'static {
    /// Starts a sandbox; it is not necessarily healthy yet (see `AgentClient::health`).
    async fn start(&self, spec: &SandboxSpec) -> Result<Sandbox, SandboxError>;
    /// Whether the sandbox is still running (false once it exited or was killed).
    async fn alive(&self, sandbox: &Sandbox) -> bool;
    /// Stops and removes the sandbox and everything it started. Idempotent.
    async fn stop(&self, sandbox: &Sandbox) -> Result<(), SandboxError>;
    /// The sandboxes this runtime manages (for recovery after a restart).
    async fn list(&self) -> Result<Vec<Sandbox>, SandboxError>;
    /// A short name for logs (`local`, `docker`).
    fn name(&self) -> &'static str;
}

/// What an agent-server conversation is started with.
#[derive(Clone, Debug, Default)]
pub struct AgentStart {
    pub model: String,
    pub api_key: String,
    pub base_url: String,
    pub system_prompt: String,
    pub max_iterations: u32,
    pub tags: BTreeMap<String, String>,
    /// Enabled skills: `{name, content, trigger: {type: "keyword", keywords}}`.
    pub skills: Vec<serde_json::Value>,
    /// Enabled MCP servers as `{"mcpServers": {name: {command, args, env} | {url, transport}}}`.
    pub mcp_config: serde_json::Value,
}

/// The port to an agent-server inside a sandbox (OpenHands' API): implemented by the
/// `sandbox` crate.
#[async_trait]
pub trait AgentDriver: Send + Sync + 'static {
    /// Waits until the agent-server at `endpoint` answers its health check.
    async fn wait_healthy(
        &self,
        endpoint: &str,
        timeout: std::time::Duration,
    ) -> Result<(), String>;
    /// Creates a conversation; its id on the agent-server.
    async fn start_conversation(
        &self,
        endpoint: &str,
        start: &AgentStart,
    ) -> Result<String, String>;
    /// Sends a user message and lets the agent run on it.
    async fn send_message(
        &self,
        endpoint: &str,
        conversation: &str,
        text: &str,
    ) -> Result<(), String>;
    /// Interrupts the agent's current run.
    async fn pause(&self, endpoint: &str, conversation: &str) -> Result<(), String>;
    /// The conversation's events from the first, each once, as they happen; an `Err` item
    /// means the stream is lost.
    fn events(
        &self,
        endpoint: &str,
        conversation: &str,
    ) -> tokio::sync::mpsc::Receiver<Result<serde_json::Value, String>>;
}
