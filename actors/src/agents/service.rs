//! [`Agents`]: starts conversations, admits them under global and per-project limits with a fair
//! queue (round-robin across projects), and routes control (stop, pause, message, heartbeat)
//! straight to each conversation's actor, never behind other conversations.

use super::conversation::{Conversation, ConversationStatus, Step, TriggerType};
use super::runner::{self, Control, RunConfig};
use crate::bus::Bus;
use crate::error::{Error, Result, codes};
use crate::ids::{AgentId, ChatSessionId, CommentId, ConversationId, MemberId, ProjectId, TaskId};
use crate::project::Projects;
use crate::sandbox::{AgentDriver, SandboxLimits, SandboxRuntime};
use crate::secrets::Secrets;
use crate::store::Store;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::mpsc;

#[derive(Clone, Debug)]
pub struct AgentsConfig {
    /// Conversations running at once on this node (`AGENT_MAX_RUNNING`).
    pub max_running: usize,
    /// Conversations running at once per project (`AGENT_MAX_PER_PROJECT`).
    pub max_per_project: usize,
    /// Queued conversations per project before a trigger is refused.
    pub max_queued_per_project: usize,
    /// How long a new sandbox has to answer its health check.
    pub health_timeout: Duration,
    /// The longest any run may take, whatever its agent's `timeout_minutes` (`AGENT_MAX_RUN`).
    pub max_run: Duration,
    /// A paused chat's sandbox is reclaimed after this long without a message or heartbeat.
    pub chat_idle: Duration,
    /// Sandbox CPU, memory and pids (the lifetime follows the run's timeout).
    pub limits: SandboxLimits,
    /// Events one conversation may store; the next fails it (`AGENT_MAX_EVENTS`).
    pub max_events: u32,
    /// Corral's base URL as agents reach it (`PACA_API_URL` in the sandbox).
    pub api_url: String,
    /// This node's stable name: the conversations it queues or runs are its to recover.
    pub node_id: String,
}

impl Default for AgentsConfig {
    fn default() -> Self {
        Self {
            max_running: 10,
            max_per_project: 4,
            max_queued_per_project: 100,
            health_timeout: Duration::from_secs(120),
            max_run: Duration::from_secs(8 * 3600),
            chat_idle: Duration::from_secs(180),
            limits: SandboxLimits::default(),
            max_events: 10_000,
            api_url: String::new(),
            node_id: "node".into(),
        }
    }
}

/// What starts a conversation.
#[derive(Clone, Debug)]
pub struct NewConversation {
    pub project_id: ProjectId,
    pub agent_id: AgentId,
    pub trigger_type: TriggerType,
    pub task_id: Option<TaskId>,
    pub comment_id: Option<CommentId>,
    pub chat_session_id: Option<ChatSessionId>,
    pub triggered_by_member_id: Option<MemberId>,
    pub message: String,
}

struct Running {
    project: ProjectId,
    control: mpsc::Sender<Control>,
}

#[derive(Default)]
struct Schedule {
    running: HashMap<ConversationId, Running>,
    per_project: HashMap<ProjectId, usize>,
    queues: HashMap<ProjectId, VecDeque<Conversation>>,
    /// When each project last had a conversation admitted (a counter): the project served
    /// longest ago goes first, so a busy project cannot starve the others.
    last_turn: HashMap<ProjectId, u64>,
    turn: u64,
}

pub(super) struct Inner {
    pub store: Arc<dyn Store>,
    pub bus: Arc<dyn Bus>,
    pub projects: Projects,
    pub runtime: Arc<dyn SandboxRuntime>,
    pub driver: Arc<dyn AgentDriver>,
    pub secrets: Secrets,
    pub config: AgentsConfig,
    schedule: Mutex<Schedule>,
}

/// Cheap-clone handle to this node's agent conversations.
#[derive(Clone)]
pub struct Agents {
    inner: Arc<Inner>,
}

/// Where control for a conversation on another node goes: `{node, conversation, op, text}`.
pub const CONTROL_CHANNEL: &str = "corral.agent.control";

/// A control request, routable between nodes.
#[derive(Clone, Debug)]
enum Op {
    Stop,
    Pause,
    Message(String),
    Heartbeat,
}

impl Op {
    fn name(&self) -> &'static str {
        match self {
            Self::Stop => "stop",
            Self::Pause => "pause",
            Self::Message(_) => "message",
            Self::Heartbeat => "heartbeat",
        }
    }

    fn text(&self) -> Option<&str> {
        match self {
            Self::Message(t) => Some(t),
            _ => None,
        }
    }
}

/// A user message for an agent: not blank, at most 64 KiB.
fn message_text(text: String) -> Result<String> {
    if text.trim().is_empty() {
        return Err(Error::bad_request("message is required"));
    }
    if text.len() > 64 * 1024 {
        return Err(Error::bad_request("message must be at most 64 KiB"));
    }
    Ok(text)
}

fn not_running() -> Error {
    Error::conflict(
        codes::AGENT_CONVERSATION_NOT_RUNNING,
        "conversation is not running",
    )
}

fn conversation_not_found() -> Error {
    Error::not_found(
        codes::AGENT_CONVERSATION_NOT_FOUND,
        "conversation not found",
    )
}

impl Agents {
    pub fn new(
        store: Arc<dyn Store>,
        bus: Arc<dyn Bus>,
        projects: Projects,
        runtime: Arc<dyn SandboxRuntime>,
        driver: Arc<dyn AgentDriver>,
        secrets: Secrets,
        config: AgentsConfig,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                bus,
                projects,
                runtime,
                driver,
                secrets,
                config,
                schedule: Mutex::default(),
            }),
        }
    }

    fn schedule(&self) -> MutexGuard<'_, Schedule> {
        self.inner
            .schedule
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// Records a queued conversation and admits it when the limits allow.
    pub async fn start(&self, new: NewConversation) -> Result<Conversation> {
        Ok(self.start_as(ConversationId::new(), new).await?.0)
    }

    /// [`Agents::start`] with a given id: a trigger delivered twice starts one conversation.
    /// `true` when this call created it.
    async fn start_as(
        &self,
        id: ConversationId,
        new: NewConversation,
    ) -> Result<(Conversation, bool)> {
        let queued = self
            .schedule()
            .queues
            .get(&new.project_id)
            .map_or(0, VecDeque::len);
        if queued >= self.inner.config.max_queued_per_project {
            return Err(Error::Busy {
                code: codes::AGENT_QUEUE_FULL,
                message: format!("{queued} conversations are already queued in this project"),
                retry_after: Duration::from_secs(30),
            });
        }
        let now = crate::clock::now();
        let conversation = Conversation {
            id,
            agent_id: new.agent_id,
            project_id: new.project_id,
            trigger_type: new.trigger_type,
            task_id: new.task_id,
            comment_id: new.comment_id,
            chat_session_id: new.chat_session_id,
            triggered_by_member_id: new.triggered_by_member_id,
            status: ConversationStatus::Queued,
            message: new.message,
            iteration_count: 0,
            error_message: None,
            sandbox_id: None,
            node_id: self.inner.config.node_id.clone(),
            started_at: None,
            finished_at: None,
            created_at: now,
            updated_at: now,
        };
        if !self.inner.store.insert_conversation(&conversation).await? {
            // Another delivery (or node) got there first.
            return Ok((conversation, false));
        }
        self.schedule()
            .queues
            .entry(conversation.project_id)
            .or_default()
            .push_back(conversation.clone());
        self.admit();
        Ok((conversation, true))
    }

    /// Starts queued conversations while the limits allow. Among projects with work waiting
    /// and room under their own limit, the one served longest ago goes first (then the one
    /// waiting longest).
    fn admit(&self) {
        let mut started = Vec::new();
        {
            let mut s = self.schedule();
            let config = &self.inner.config;
            while s.running.len() < config.max_running {
                let pick = s
                    .queues
                    .iter()
                    .filter(|(p, q)| {
                        !q.is_empty()
                            && s.per_project.get(*p).copied().unwrap_or(0) < config.max_per_project
                    })
                    .min_by_key(|(p, q)| {
                        (
                            s.last_turn.get(*p).copied().unwrap_or(0),
                            q.front().map(|c| c.created_at),
                        )
                    })
                    .map(|(p, _)| *p);
                let Some(project) = pick else {
                    break;
                };
                let Some(conversation) = s.queues.get_mut(&project).and_then(VecDeque::pop_front)
                else {
                    break;
                };
                if s.queues.get(&project).is_some_and(VecDeque::is_empty) {
                    s.queues.remove(&project);
                }
                s.turn += 1;
                let turn = s.turn;
                s.last_turn.insert(project, turn);
                let (tx, rx) = mpsc::channel(64);
                s.running.insert(
                    conversation.id,
                    Running {
                        project,
                        control: tx,
                    },
                );
                *s.per_project.entry(project).or_default() += 1;
                started.push((conversation, rx));
            }
        }
        for (conversation, rx) in started {
            let agents = self.clone();
            tokio::spawn(async move {
                let id = conversation.id;
                let config = RunConfig::from(&agents.inner.config);
                runner::run(agents.inner.clone(), config, conversation, rx).await;
                agents.finished(id);
            });
        }
    }

    fn finished(&self, id: ConversationId) {
        {
            let mut s = self.schedule();
            if let Some(r) = s.running.remove(&id)
                && let Some(n) = s.per_project.get_mut(&r.project)
            {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    s.per_project.remove(&r.project);
                }
            }
        }
        self.admit();
    }

    /// A conversation, with its place in the queue while queued (1 = next).
    pub async fn conversation(&self, id: ConversationId) -> Result<(Conversation, Option<usize>)> {
        let conversation = self
            .inner
            .store
            .conversation(id)
            .await?
            .ok_or_else(conversation_not_found)?;
        Ok((conversation, self.queue_position(id)))
    }

    pub fn queue_position(&self, id: ConversationId) -> Option<usize> {
        let s = self.schedule();
        s.queues
            .values()
            .find_map(|q| q.iter().position(|c| c.id == id))
            .map(|p| p + 1)
    }

    async fn control(&self, id: ConversationId, message: Control) -> Result<()> {
        let tx = self.schedule().running.get(&id).map(|r| r.control.clone());
        let Some(tx) = tx else {
            return Err(not_running());
        };
        tx.try_send(message).map_err(|_| Error::Busy {
            code: codes::AGENT_CONVERSATION_BUSY,
            message: "the conversation is handling other requests".into(),
            retry_after: Duration::from_secs(1),
        })
    }

    /// Stops a conversation at once: queued ones leave the queue, running or paused ones are
    /// interrupted and their sandbox removed. Answers once it is stopped, on whichever node.
    pub async fn stop(&self, id: ConversationId) -> Result<()> {
        self.route(id, Op::Stop).await
    }

    pub async fn pause(&self, id: ConversationId) -> Result<()> {
        self.route(id, Op::Pause).await
    }

    pub async fn send_message(&self, id: ConversationId, text: String) -> Result<()> {
        self.route(id, Op::Message(message_text(text)?)).await
    }

    pub async fn heartbeat(&self, id: ConversationId) -> Result<()> {
        self.route(id, Op::Heartbeat).await
    }

    /// Applies control here when this node has the conversation, or sends it to the node that
    /// does (bus channel [`CONTROL_CHANNEL`]).
    async fn route(&self, id: ConversationId, op: Op) -> Result<()> {
        let here = self.schedule().running.contains_key(&id) || self.queue_position(id).is_some();
        if here {
            return self.apply(id, op).await;
        }
        let (conversation, _) = self.conversation(id).await?;
        if conversation.status.is_terminal() {
            return Err(match op {
                Op::Stop => Error::conflict(
                    codes::AGENT_CONVERSATION_ALREADY_STOPPED,
                    "conversation is already stopped",
                ),
                _ => not_running(),
            });
        }
        if conversation.node_id == self.inner.config.node_id {
            return self.apply(id, op).await;
        }
        let message = serde_json::json!({
            "node": conversation.node_id, "conversation": id, "op": op.name(), "text": op.text(),
        });
        self.inner
            .bus
            .publish(CONTROL_CHANNEL, &message.to_string())
            .await
            .map_err(|e| Error::Unavailable(format!("routing control to its node: {e}")))?;
        if matches!(op, Op::Stop) {
            // Answer once the owner has stopped it, as a local stop does.
            let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
            while tokio::time::Instant::now() < deadline {
                let (c, _) = self.conversation(id).await?;
                if c.status.is_terminal() {
                    return Ok(());
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        Ok(())
    }

    /// Control of a conversation this node holds.
    async fn apply(&self, id: ConversationId, op: Op) -> Result<()> {
        let message = match op {
            Op::Stop => return self.stop_here(id).await,
            Op::Pause => Control::Pause,
            Op::Message(text) => Control::Message(text),
            Op::Heartbeat => Control::Heartbeat,
        };
        self.control(id, message).await
    }

    async fn stop_here(&self, id: ConversationId) -> Result<()> {
        let (conversation, _) = self.conversation(id).await?;
        if conversation.status.is_terminal() {
            return Err(Error::conflict(
                codes::AGENT_CONVERSATION_ALREADY_STOPPED,
                "conversation is already stopped",
            ));
        }
        let dequeued = {
            let mut s = self.schedule();
            let found = s
                .queues
                .get_mut(&conversation.project_id)
                .and_then(|q| q.iter().position(|c| c.id == id).and_then(|i| q.remove(i)));
            if s.queues
                .get(&conversation.project_id)
                .is_some_and(VecDeque::is_empty)
            {
                s.queues.remove(&conversation.project_id);
            }
            found
        };
        if let Some(mut c) = dequeued
            && let Some((stopped, event)) = c.status.after(Step::Stop)
        {
            let now = crate::clock::now();
            c.status = stopped;
            c.finished_at = Some(now);
            c.updated_at = now;
            self.inner.store.save_conversation(&c).await?;
            runner::announce(&self.inner, &c, event).await;
            return Ok(());
        }
        let (done, wait) = tokio::sync::oneshot::channel();
        self.control(id, Control::Stop(done)).await?;
        let _ = tokio::time::timeout(Duration::from_secs(60), wait).await;
        Ok(())
    }

    /// Applies control messages other nodes route to this one.
    pub async fn follow_control(&self) -> Result<tokio::task::JoinHandle<()>> {
        let mut messages = self
            .inner
            .bus
            .subscribe(CONTROL_CHANNEL)
            .await
            .map_err(|e| Error::Unavailable(format!("subscribing to {CONTROL_CHANNEL}: {e}")))?;
        let agents = self.clone();
        Ok(tokio::spawn(async move {
            while let Some(message) = messages.recv().await {
                let Ok(v) = serde_json::from_str::<serde_json::Value>(&message.payload) else {
                    continue;
                };
                if v["node"].as_str() != Some(agents.inner.config.node_id.as_str()) {
                    continue;
                }
                let Some(id) = v["conversation"].as_str().and_then(|c| c.parse().ok()) else {
                    continue;
                };
                let op = match v["op"].as_str() {
                    Some("stop") => Op::Stop,
                    Some("pause") => Op::Pause,
                    Some("message") => {
                        Op::Message(v["text"].as_str().unwrap_or_default().to_owned())
                    }
                    Some("heartbeat") => Op::Heartbeat,
                    _ => continue,
                };
                let agents = agents.clone();
                tokio::spawn(async move {
                    if let Err(e) = agents.apply(ConversationId(id), op).await {
                        tracing::debug!(conversation = %id, %e, "routed control not applied");
                    }
                });
            }
        }))
    }

    /// After a restart, for this node's own conversations: queued ones go back in the queue;
    /// running or paused ones lost their actor and fail with a reason; every sandbox the
    /// runtime still has is reclaimed. Other nodes' conversations are left alone.
    pub async fn recover(&self) -> Result<()> {
        if let Ok(sandboxes) = self.inner.runtime.list().await {
            for sandbox in sandboxes {
                if let Err(e) = self.inner.runtime.stop(&sandbox).await {
                    tracing::warn!(%e, "reclaiming a sandbox after restart");
                }
            }
        }
        let mine = self
            .inner
            .store
            .unfinished_conversations(&self.inner.config.node_id)
            .await?;
        for mut c in mine {
            if c.status == ConversationStatus::Queued {
                self.schedule()
                    .queues
                    .entry(c.project_id)
                    .or_default()
                    .push_back(c.clone());
                continue;
            }
            let Some((failed, event)) = c.status.after(Step::Fail) else {
                continue; // already ended
            };
            let now = crate::clock::now();
            c.status = failed;
            c.error_message = Some("the server restarted while the conversation ran".into());
            c.finished_at = Some(now);
            c.updated_at = now;
            c.sandbox_id = None;
            self.inner.store.save_conversation(&c).await?;
            self.inner.store.revoke_agent_credentials(c.id, now).await?;
            runner::announce(&self.inner, &c, event).await;
        }
        self.admit();
        Ok(())
    }

    /// A chat message: the first one opens a session; later ones go to the session's paused
    /// conversation (same sandbox), or start a new conversation in the session once the last
    /// one ended. A conversation still working answers 409 `AGENT_CONVERSATION_BUSY`.
    pub async fn chat(
        &self,
        project: ProjectId,
        agent: AgentId,
        member: MemberId,
        session: Option<ChatSessionId>,
        message: String,
    ) -> Result<(super::conversation::ChatSession, Conversation)> {
        let message = message_text(message)?;
        let now = crate::clock::now();
        let mut session = match session {
            Some(id) => self
                .inner
                .store
                .chat_session(id)
                .await?
                .filter(|s| s.project_id == project && s.agent_id == agent && s.member_id == member)
                .ok_or_else(|| {
                    Error::not_found(
                        codes::AGENT_CHAT_SESSION_NOT_FOUND,
                        "chat session not found",
                    )
                })?,
            None => super::conversation::ChatSession {
                id: ChatSessionId::new(),
                agent_id: agent,
                project_id: project,
                member_id: member,
                title: Some(message.chars().take(80).collect()),
                last_message_at: None,
                created_at: now,
                updated_at: now,
            },
        };
        let latest = self
            .inner
            .store
            .latest_chat_conversation(session.id)
            .await?;
        let conversation = match latest {
            Some(c)
                if matches!(
                    c.status,
                    ConversationStatus::Running | ConversationStatus::Queued
                ) =>
            {
                return Err(Error::conflict(
                    codes::AGENT_CONVERSATION_BUSY,
                    "the agent is still working on the previous message",
                ));
            }
            Some(c)
                if c.status == ConversationStatus::Paused
                    && self.send_message(c.id, message.clone()).await.is_ok() =>
            {
                c
            }
            _ => {
                self.start(NewConversation {
                    project_id: project,
                    agent_id: agent,
                    trigger_type: TriggerType::ChatMessage,
                    task_id: None,
                    comment_id: None,
                    chat_session_id: Some(session.id),
                    triggered_by_member_id: Some(member),
                    message,
                })
                .await?
            }
        };
        session.last_message_at = Some(now);
        session.updated_at = now;
        self.inner.store.save_chat_session(&session).await?;
        Ok((session, conversation))
    }

    /// Starts the conversation of one `agent.triggered` event (its id is the event's).
    async fn trigger(&self, id: uuid::Uuid, payload: &serde_json::Value) -> Result<()> {
        let parse = |what: &str| Error::bad_request(format!("agent trigger: bad {what}"));
        let uuid_of = |k: &str| {
            payload[k]
                .as_str()
                .and_then(|v| v.parse::<uuid::Uuid>().ok())
        };
        let trigger_type = payload["trigger_type"]
            .as_str()
            .and_then(TriggerType::parse)
            .ok_or_else(|| parse("trigger_type"))?;
        let new = NewConversation {
            project_id: ProjectId(uuid_of("project_id").ok_or_else(|| parse("project_id"))?),
            agent_id: AgentId(uuid_of("agent_id").ok_or_else(|| parse("agent_id"))?),
            trigger_type,
            task_id: uuid_of("task_id").map(TaskId),
            comment_id: uuid_of("comment_id").map(CommentId),
            chat_session_id: None,
            triggered_by_member_id: uuid_of("actor_member_id").map(MemberId),
            message: payload["message"].as_str().unwrap_or_default().to_owned(),
        };
        let (project, task, agent) = (new.project_id, new.task_id, new.agent_id);
        let (conversation, created) = self.start_as(ConversationId(id), new).await?;
        if let Some(task) = task
            && created
        {
            let command = crate::project::command::RecordAgentSession {
                task_id: task,
                agent_id: agent,
                conversation_id: conversation.id,
            };
            if let Err(e) = self
                .inner
                .projects
                .command(project, runner::system_caller(), command)
                .await
            {
                tracing::warn!(conversation = %conversation.id, %e, "recording the agent session");
            }
        }
        Ok(())
    }

    /// How many conversations run on this node.
    pub fn running(&self) -> usize {
        self.schedule().running.len()
    }

    /// Stops every conversation (shutdown).
    pub async fn shutdown(&self) {
        let ids: Vec<ConversationId> = self.schedule().running.keys().copied().collect();
        for id in ids {
            let _ = self.stop(id).await;
        }
    }
}

/// The durable consumer that starts a conversation for every `agent.triggered` event (a task
/// assigned to an agent member, an agent @mentioned in a comment, "write with AI"). The
/// conversation's id is the event's, and conversations are inserted only if new, so an event
/// delivered twice, or taken by two nodes, starts one conversation.
pub struct AgentTriggers(pub Agents);

#[async_trait::async_trait]
impl crate::pipeline::Consumer for AgentTriggers {
    fn name(&self) -> &'static str {
        "agent-triggers"
    }

    fn wants(&self, kind: crate::project::events::EventKind) -> bool {
        kind == crate::project::events::EventKind::AgentTriggered
    }

    async fn handle(&self, event: &crate::project::batch::Event) -> Result<()> {
        self.0.trigger(event.id.0, &event.payload).await
    }
}
