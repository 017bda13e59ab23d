//! The conversation actor: owns one conversation from admission to a terminal status. It starts
//! the sandbox, waits for health, drives the agent-server, persists the agent's events in order
//! (batched) and publishes them as `agent.*`, enforces `max_iterations`, the timeout and the
//! number of events a conversation may store (`AGENT_MAX_EVENTS`), obeys
//! stop, pause, messages and heartbeats from its mailbox, and always reclaims the sandbox.

use super::conversation::{Conversation, ConversationEvent, Step, TriggerType};
use super::service::{AgentsConfig, Inner};
use crate::bus::EVENTS_CHANNEL;
use crate::permission::{PermissionMap, PermissionSet};
use crate::project::Caller;
use crate::project::agents::Agent;
use crate::project::query::{GetAgent, ListAgentEnvVars, ListAgentMcpServers, ListAgentSkills};
use crate::sandbox::{AgentProgram, AgentStart, Sandbox, SandboxSpec};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Events written per store call at most; a batch is also flushed every [`FLUSH_EVERY`].
const BATCH: usize = 200;
const FLUSH_EVERY: Duration = Duration::from_millis(50);
/// How often the sandbox is checked for having died.
const LIVENESS_EVERY: Duration = Duration::from_millis(500);

/// A message to a conversation actor.
#[derive(Debug)]
pub enum Control {
    /// Ends the conversation as `stopped`; answered once the sandbox is gone.
    Stop(oneshot::Sender<()>),
    /// Interrupts the run: a chat waits for its next message, anything else stops.
    Pause,
    /// A user message: the agent runs on it.
    Message(String),
    /// Someone is looking: a paused chat's sandbox is kept.
    Heartbeat,
}

pub(super) struct RunConfig {
    health_timeout: Duration,
    max_run: Duration,
    chat_idle: Duration,
    limits: crate::sandbox::SandboxLimits,
    max_events: u32,
    api_url: String,
}

impl From<&AgentsConfig> for RunConfig {
    fn from(c: &AgentsConfig) -> Self {
        Self {
            health_timeout: c.health_timeout,
            max_run: c.max_run,
            chat_idle: c.chat_idle,
            limits: c.limits,
            max_events: c.max_events,
            api_url: c.api_url.clone(),
        }
    }
}

/// Corral itself acting on a project (Paca's built-in agent bot user id).
pub(super) fn system_caller() -> Caller {
    let all: PermissionMap = [("*".to_owned(), true)].into();
    Caller {
        user_id: Some(crate::ids::UserId(uuid::Uuid::from_u128(2))),
        username: "corral".into(),
        full_name: "Corral".into(),
        global: PermissionSet::from_map(&all),
        agent_member: None,
        acting_agent: None,
    }
}

/// Publishes a conversation-level event (`agent.conversation.*`) with Paca's payload.
pub(super) async fn announce(inner: &Inner, c: &Conversation, event_type: &str) {
    publish(inner, c, event_type).await;
}

async fn publish(inner: &Inner, c: &Conversation, event_type: &str) {
    let message = json!({
        "type": event_type, "project_id": c.project_id,
        "payload": {"project_id": c.project_id, "conversation_id": c.id, "agent_id": c.agent_id,
                    "status": c.status.as_str()},
    });
    if let Err(e) = inner
        .bus
        .publish(EVENTS_CHANNEL, &message.to_string())
        .await
    {
        tracing::warn!(conversation = %c.id, %e, "publishing a conversation event failed");
    }
}

/// The agent and its opened environment, read from the project.
/// What a run is configured with, read from the project (secrets opened).
struct Setup {
    agent: Agent,
    env: BTreeMap<String, String>,
    skills: Vec<Value>,
    mcp_config: Value,
}

async fn agent_setup(inner: &Inner, c: &Conversation) -> Result<Setup, String> {
    let caller = system_caller();
    let agent = match inner
        .projects
        .read(c.project_id, caller.clone(), GetAgent { id: c.agent_id })
        .await
    {
        Ok(a) => *a,
        Err(e) => return Err(format!("the agent is gone: {e}")),
    };
    let vars = inner
        .projects
        .read(
            c.project_id,
            caller.clone(),
            ListAgentEnvVars { agent: c.agent_id },
        )
        .await
        .map_err(|e| e.to_string())?;
    let mut env = BTreeMap::new();
    for v in vars {
        let value = inner.secrets.open(&v.value).map_err(|e| e.to_string())?;
        env.insert(v.key, value);
    }
    let skills = match inner
        .projects
        .read(
            c.project_id,
            caller.clone(),
            ListAgentSkills { agent: c.agent_id },
        )
        .await
    {
        Ok(skills) => skills
            .into_iter()
            .filter(|k| k.is_enabled)
            .map(|k| {
                json!({"name": k.skill_name, "content": k.skill_content,
                       "trigger": if k.triggers.is_empty() { Value::Null }
                                  else { json!({"type": "keyword", "keywords": k.triggers}) }})
            })
            .collect(),
        Err(e) => return Err(e.to_string()),
    };
    let servers = inner
        .projects
        .read(
            c.project_id,
            caller,
            ListAgentMcpServers { agent: c.agent_id },
        )
        .await
        .map_err(|e| e.to_string())?;
    let mut mcp = serde_json::Map::new();
    for m in servers.into_iter().filter(|m| m.is_enabled) {
        let server = if m.transport == "stdio" {
            let mut server_env = serde_json::Map::new();
            for (k, v) in &m.env {
                let value = inner.secrets.open(v).map_err(|e| e.to_string())?;
                server_env.insert(k.clone(), Value::String(value));
            }
            json!({"command": m.command, "args": m.args, "env": server_env})
        } else {
            json!({"url": m.url, "transport": m.transport})
        };
        mcp.insert(m.server_name, server);
    }
    Ok(Setup {
        agent,
        env,
        skills,
        mcp_config: json!({"mcpServers": mcp}),
    })
}

struct Run<'a> {
    inner: &'a Inner,
    c: Conversation,
    pending: Vec<ConversationEvent>,
    /// The agent's last error (an error event or a failed observation), kept apart from
    /// `pending`, which is written out in batches, so the reason survives a flush that happens
    /// between the error and the status that ends the run.
    last_error: Option<String>,
    /// When a batch was last written (`None`: never).
    flushed_at: Option<tokio::time::Instant>,
    next_index: i64,
    max_iterations: i32,
    /// Events the conversation may store; the next one ends it as failed.
    max_events: i64,
}

impl Run<'_> {
    /// Moves the conversation along its lifecycle ([`ConversationStatus::after`]), saves and
    /// announces it; false, changing nothing, when the step does not apply.
    async fn advance(&mut self, step: Step) -> bool {
        let Some((next, event)) = self.c.status.after(step) else {
            return false;
        };
        self.c.status = next;
        self.save().await;
        publish(self.inner, &self.c, event).await;
        true
    }

    async fn save(&mut self) {
        self.c.updated_at = crate::clock::now();
        if let Err(e) = self.inner.store.save_conversation(&self.c).await {
            tracing::error!(conversation = %self.c.id, %e, "saving a conversation failed");
        }
    }

    async fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        self.flushed_at = Some(tokio::time::Instant::now());
        let batch = std::mem::take(&mut self.pending);
        for chunk in batch.chunks(BATCH) {
            if let Err(e) = self.inner.store.append_conversation_events(chunk).await {
                tracing::error!(conversation = %self.c.id, %e, "persisting agent events failed");
            }
        }
        for e in &batch {
            let event_type = format!("agent.{}", e.event_type.to_lowercase());
            publish(self.inner, &self.c, &event_type).await;
        }
    }

    /// Records one agent event; `Some` when it ends the run.
    fn take(&mut self, mut event: Value) -> Option<End> {
        // The agent-server is not ours: a character no database stores (PostgreSQL refuses NUL
        // in text and JSON) must not make its batch of events fail to persist.
        scrub_nul(&mut event);
        let kind = event["kind"].as_str().unwrap_or("Event").to_owned();
        if let Some(error) = Self::error_of(&kind, &event) {
            self.last_error = Some(error);
        }
        // Paca does not keep these; neither does Corral.
        let skipped = matches!(
            kind.as_str(),
            "ConversationStateUpdateEvent" | "StreamingDeltaEvent" | "SystemPromptEvent"
        );
        let end = match kind.as_str() {
            "ConversationStateUpdateEvent" if event["key"] == "execution_status" => {
                match event["value"].as_str().unwrap_or_default() {
                    "finished" => Some(End::Finished),
                    "error" | "stuck" => {
                        Some(End::Failed(self.last_error().unwrap_or_else(|| {
                            format!("the agent ended with {}", event["value"])
                        })))
                    }
                    _ => None,
                }
            }
            "ActionEvent" => {
                self.c.iteration_count += 1;
                (self.c.iteration_count > self.max_iterations).then(|| {
                    End::Failed(format!(
                        "iteration limit reached ({} iterations)",
                        self.max_iterations
                    ))
                })
            }
            _ => None,
        };
        if !skipped {
            // Storing nothing past the cap keeps a runaway agent from filling the database.
            if self.next_index >= self.max_events {
                return Some(End::Failed(format!(
                    "the conversation exceeded AGENT_MAX_EVENTS ({}) events",
                    self.max_events
                )));
            }
            self.pending.push(ConversationEvent {
                conversation_id: self.c.id,
                event_index: self.next_index,
                event_type: kind,
                event_source: event["source"].as_str().unwrap_or("agent").to_owned(),
                payload: event,
                created_at: crate::clock::now(),
            });
            self.next_index += 1;
        }
        end
    }

    fn last_error(&self) -> Option<String> {
        self.last_error.clone()
    }

    /// The error an agent event reports, if it reports one.
    fn error_of(kind: &str, event: &Value) -> Option<String> {
        match kind {
            "AgentErrorEvent" => event["error"].as_str().map(str::to_owned),
            "ObservationEvent" if event["observation"]["ok"] == false => {
                event["observation"]["content"].as_str().map(str::to_owned)
            }
            _ => None,
        }
    }
}

enum End {
    Finished,
    Failed(String),
    Stopped(Option<oneshot::Sender<()>>),
}

/// Drives one conversation to a terminal status. Never returns before its sandbox is reclaimed.
pub(super) async fn run(
    inner: Arc<Inner>,
    config: RunConfig,
    conversation: Conversation,
    mut control: mpsc::Receiver<Control>,
) {
    let setup = match agent_setup(&inner, &conversation).await {
        Ok(setup) => setup,
        Err(reason) => {
            let mut run = Run {
                inner: &inner,
                c: conversation,
                pending: Vec::new(),
                last_error: None,
                flushed_at: None,
                next_index: 0,
                max_iterations: 0,
                max_events: config.max_events.into(),
            };
            finish(&mut run, None, End::Failed(reason)).await;
            return;
        }
    };
    let Setup {
        agent,
        env,
        skills,
        mcp_config,
    } = setup;
    let timeout = config.max_run.min(Duration::from_secs(
        u64::try_from(agent.timeout_minutes).unwrap_or(30) * 60,
    ));
    let mut run = Run {
        inner: &inner,
        c: conversation,
        pending: Vec::new(),
        last_error: None,
        flushed_at: None,
        next_index: 0,
        max_iterations: agent.max_iterations,
        max_events: config.max_events.into(),
    };
    let now = crate::clock::now();
    run.c.started_at = Some(now);
    if !run.advance(Step::Start).await {
        tracing::error!(conversation = %run.c.id, status = run.c.status.as_str(), "admitted a conversation that is not queued");
        return;
    }

    // The conversation's own credential: the agent member's role in this project, until the
    // conversation ends.
    let (token, token_hash) = crate::auth::api_key::new_agent_token();
    let credential = crate::store::AgentCredential {
        token_hash,
        conversation_id: run.c.id,
        project_id: run.c.project_id,
        agent_id: run.c.agent_id,
        member_id: agent.member_id,
        created_at: now,
    };
    if let Err(e) = inner.store.insert_agent_credential(&credential).await {
        finish(
            &mut run,
            None,
            End::Failed(format!("issuing the agent's credential: {e}")),
        )
        .await;
        return;
    }
    let mut env = env;
    env.insert("PACA_API_KEY".into(), token);
    let sandbox = match start_sandbox(&inner, &config, &run.c, &agent, env, timeout).await {
        Ok(sandbox) => sandbox,
        Err(reason) => {
            finish(&mut run, None, End::Failed(reason)).await;
            return;
        }
    };
    run.c.sandbox_id = Some(sandbox.id.clone());
    run.save().await;
    let tools = (skills, mcp_config);
    let end = drive(
        &inner,
        &config,
        &mut run,
        &sandbox,
        (&agent, tools),
        timeout,
        &mut control,
    )
    .await;
    finish(&mut run, Some(&sandbox), end).await;
}

async fn start_sandbox(
    inner: &Inner,
    config: &RunConfig,
    c: &Conversation,
    agent: &Agent,
    mut env: BTreeMap<String, String>,
    timeout: Duration,
) -> Result<Sandbox, String> {
    env.insert("PACA_API_URL".into(), config.api_url.clone());
    env.insert("PACA_PROJECT_ID".into(), c.project_id.to_string());
    env.insert("PACA_AGENT_ID".into(), c.agent_id.to_string());
    if !agent.git_committer_name.is_empty() {
        env.insert("GIT_AUTHOR_NAME".into(), agent.git_committer_name.clone());
        env.insert(
            "GIT_COMMITTER_NAME".into(),
            agent.git_committer_name.clone(),
        );
    }
    if !agent.git_committer_email.is_empty() {
        env.insert("GIT_AUTHOR_EMAIL".into(), agent.git_committer_email.clone());
        env.insert(
            "GIT_COMMITTER_EMAIL".into(),
            agent.git_committer_email.clone(),
        );
    }
    let program = if agent.llm_provider == "scripted" {
        AgentProgram::Scripted
    } else {
        AgentProgram::OpenHands
    };
    let spec = SandboxSpec {
        conversation_id: c.id.0,
        program,
        env,
        limits: crate::sandbox::SandboxLimits {
            lifetime: timeout + Duration::from_secs(60),
            ..config.limits
        },
    };
    // An agent that exits before it answers is started again: a local agent is told its port
    // before it binds it, and something else may take the port in between.
    let mut attempt = 1;
    loop {
        let sandbox = inner
            .runtime
            .start(&spec)
            .await
            .map_err(|e| e.to_string())?;
        let failure = match healthy(inner, &sandbox, config.health_timeout).await {
            Ok(()) => return Ok(sandbox),
            Err(failure) => failure,
        };
        let _ = inner.runtime.stop(&sandbox).await;
        match failure {
            Unhealthy::Exited if attempt < START_ATTEMPTS => {
                tracing::warn!(conversation = %c.id, attempt, "the agent exited before it answered; starting it again");
                attempt += 1;
            }
            Unhealthy::Exited => {
                return Err(format!(
                    "the agent exited before it answered, {START_ATTEMPTS} times"
                ));
            }
            Unhealthy::Silent(e) => return Err(format!("the sandbox did not become healthy: {e}")),
        }
    }
}

/// How many times a sandbox whose agent exits before it answers is started.
const START_ATTEMPTS: u32 = 3;

enum Unhealthy {
    /// The agent exited before it answered.
    Exited,
    /// It runs but did not answer in time.
    Silent(String),
}

/// Waits until the sandbox's agent answers, or its process is gone.
async fn healthy(inner: &Inner, sandbox: &Sandbox, timeout: Duration) -> Result<(), Unhealthy> {
    let answered = inner.driver.wait_healthy(&sandbox.endpoint, timeout);
    let exited = async {
        while inner.runtime.alive(sandbox).await {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::select! {
        answered = answered => answered.map_err(Unhealthy::Silent),
        () = exited => Err(Unhealthy::Exited),
    }
}

async fn drive(
    inner: &Inner,
    config: &RunConfig,
    run: &mut Run<'_>,
    sandbox: &Sandbox,
    (agent, (skills, mcp_config)): (&Agent, (Vec<Value>, Value)),
    timeout: Duration,
    control: &mut mpsc::Receiver<Control>,
) -> End {
    let mut tags = BTreeMap::from([
        ("project_id".to_owned(), run.c.project_id.to_string()),
        ("conversation_id".to_owned(), run.c.id.to_string()),
        ("agent_id".to_owned(), run.c.agent_id.to_string()),
    ]);
    if let Some(task) = run.c.task_id {
        tags.insert("task_id".into(), task.to_string());
    }
    let api_key = inner.secrets.open(&agent.llm_api_key).unwrap_or_default();
    let start = AgentStart {
        model: agent.llm_model.clone(),
        api_key,
        base_url: agent.llm_base_url.clone(),
        system_prompt: agent.prompts.system.clone(),
        max_iterations: u32::try_from(agent.max_iterations).unwrap_or(500),
        tags,
        skills,
        mcp_config,
    };
    let endpoint = sandbox.endpoint.clone();
    let remote = match inner.driver.start_conversation(&endpoint, &start).await {
        Ok(id) => id,
        Err(e) => return End::Failed(format!("the agent-server refused the conversation: {e}")),
    };
    let mut events = inner.driver.events(&endpoint, &remote);
    let chat = run.c.trigger_type == TriggerType::ChatMessage;
    let message = if run.c.message.is_empty() {
        default_prompt(run.c.trigger_type).to_owned()
    } else {
        run.c.message.clone()
    };
    // The agent's own instructions for this kind of trigger come first.
    let trigger_prompt = match run.c.trigger_type {
        TriggerType::TaskAssigned | TriggerType::CommentMention => &agent.prompts.task_trigger,
        TriggerType::ChatMessage => &agent.prompts.chat_trigger,
        TriggerType::DescriptionWrite => &agent.prompts.description_write_trigger,
    };
    let first = if trigger_prompt.trim().is_empty() {
        message
    } else {
        format!("{trigger_prompt}\n\n{message}")
    };
    if let Err(e) = inner.driver.send_message(&endpoint, &remote, &first).await {
        return End::Failed(format!("the agent-server refused the message: {e}"));
    }
    let deadline = tokio::time::Instant::now() + timeout;
    let mut flush = tokio::time::interval(FLUSH_EVERY);
    let mut liveness = tokio::time::interval(LIVENESS_EVERY);
    let mut idle_since: Option<tokio::time::Instant> = None;
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Some(Ok(event)) => {
                    // This event and whatever else is ready join the batch. A batch goes out
                    // at once when none went out for a flush period (the run's first event, or
                    // one after a quiet spell, is not held back for the tick); in a burst the
                    // tick writes it, so a busy run still makes few transactions.
                    let mut next = Some(event);
                    while let Some(event) = next.take() {
                        match run.take(event) {
                            Some(End::Finished) if chat => {
                                run.flush().await;
                                run.advance(Step::Pause).await;
                                idle_since = Some(tokio::time::Instant::now());
                            }
                            Some(end) => return end,
                            None => {}
                        }
                        if run.pending.len() < BATCH {
                            next = match events.try_recv() {
                                Ok(Ok(event)) => Some(event),
                                Ok(Err(e)) => {
                                    return End::Failed(format!("lost the agent's event stream: {e}"));
                                }
                                Err(_) => None, // nothing more yet, or closed: recv() says which
                            };
                        }
                    }
                    if run.pending.len() >= BATCH
                        || run.flushed_at.is_none_or(|at| at.elapsed() >= FLUSH_EVERY)
                    {
                        run.flush().await;
                    }
                }
                Some(Err(e)) => return End::Failed(format!("lost the agent's event stream: {e}")),
                None => return End::Failed("the agent's event stream ended".into()),
            },
            message = control.recv() => match message {
                Some(Control::Stop(done)) => {
                    let _ = inner.driver.pause(&endpoint, &remote).await;
                    return End::Stopped(Some(done));
                }
                Some(Control::Pause) => {
                    let _ = inner.driver.pause(&endpoint, &remote).await;
                    if !chat {
                        return End::Stopped(None);
                    }
                    run.flush().await;
                    // Pausing a paused chat changes nothing and announces nothing.
                    if run.advance(Step::Pause).await {
                        idle_since = Some(tokio::time::Instant::now());
                    }
                }
                Some(Control::Message(text)) => {
                    if let Err(e) = inner.driver.send_message(&endpoint, &remote, &text).await {
                        return End::Failed(format!("the agent-server refused the message: {e}"));
                    }
                    run.advance(Step::Resume).await;
                    idle_since = None;
                }
                Some(Control::Heartbeat) => {
                    if idle_since.is_some() {
                        idle_since = Some(tokio::time::Instant::now());
                    }
                }
                None => return End::Stopped(None),
            },
            _ = flush.tick() => run.flush().await,
            _ = liveness.tick() => {
                if !inner.runtime.alive(sandbox).await {
                    // Take what the stream still holds before judging.
                    while let Ok(Ok(event)) = events.try_recv() {
                        if let Some(end) = run.take(event) {
                            return end;
                        }
                    }
                    return End::Failed("the sandbox exited unexpectedly".into());
                }
                if idle_since.is_some_and(|t| t.elapsed() >= config.chat_idle) {
                    return End::Stopped(None);
                }
                if idle_since.is_none() && tokio::time::Instant::now() >= deadline {
                    return End::Failed(format!(
                        "timed out after {} s (timeout_minutes {})",
                        timeout.as_secs(),
                        agent.timeout_minutes
                    ));
                }
            }
        }
    }
}

async fn finish(run: &mut Run<'_>, sandbox: Option<&Sandbox>, end: End) {
    run.flush().await;
    if let Err(e) = run
        .inner
        .store
        .revoke_agent_credentials(run.c.id, crate::clock::now())
        .await
    {
        tracing::error!(conversation = %run.c.id, %e, "revoking the agent's credential failed");
    }
    if let Some(sandbox) = sandbox
        && let Err(e) = run.inner.runtime.stop(sandbox).await
    {
        tracing::error!(conversation = %run.c.id, %e, "reclaiming a sandbox failed");
    }
    let (step, reason, done) = match end {
        End::Finished => (Step::Finish, None, None),
        End::Failed(reason) => (Step::Fail, Some(reason), None),
        End::Stopped(done) => (Step::Stop, None, done),
    };
    run.c.error_message = reason;
    run.c.finished_at = Some(crate::clock::now());
    run.c.sandbox_id = None;
    if !run.advance(step).await {
        tracing::error!(conversation = %run.c.id, status = run.c.status.as_str(), ?step, "a conversation ended twice");
        run.save().await;
    }
    tracing::info!(conversation = %run.c.id, status = run.c.status.as_str(), reason = ?run.c.error_message, "conversation ended");
    if let Some(done) = done {
        let _ = done.send(());
    }
}

fn default_prompt(trigger: TriggerType) -> &'static str {
    match trigger {
        TriggerType::DescriptionWrite => {
            "Please write a clear and detailed description for this task."
        }
        TriggerType::TaskAssigned => "You have been assigned a task. Please work on it.",
        TriggerType::CommentMention => "You were mentioned in a comment on this task.",
        TriggerType::ChatMessage => "Hello.",
    }
}

/// Replaces NUL characters in every string and key of an agent's event with U+FFFD.
fn scrub_nul(value: &mut Value) {
    match value {
        Value::String(text) if text.contains('\0') => *text = text.replace('\0', "\u{fffd}"),
        Value::Array(items) => items.iter_mut().for_each(scrub_nul),
        Value::Object(fields) => {
            if fields.keys().any(|k| k.contains('\0')) {
                let owned = std::mem::take(fields);
                *fields = owned
                    .into_iter()
                    .map(|(k, v)| (k.replace('\0', "\u{fffd}"), v))
                    .collect();
            }
            fields.values_mut().for_each(scrub_nul);
        }
        _ => {}
    }
}

#[cfg(test)]
mod scrub_tests {
    use super::scrub_nul;
    use serde_json::json;

    #[test]
    fn nul_characters_become_replacement_characters() {
        let mut event = json!({"a\u{0}": ["x\u{0}y", 1, {"k": "\u{0}"}], "ok": "plain"});
        scrub_nul(&mut event);
        assert_eq!(
            event,
            json!({"a\u{fffd}": ["x\u{fffd}y", 1, {"k": "\u{fffd}"}], "ok": "plain"})
        );
    }
}
