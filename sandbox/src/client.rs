//! A client of the OpenHands agent-server API (the subset Corral drives): health, create a
//! conversation, send a message and run, pause, status, delete, event search, and the event
//! WebSocket, reconnected with a full resend and de-duplicated by event id, so no event is lost
//! or seen twice across a dropped connection.

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("agent-server unreachable: {0}")]
    Unreachable(String),
    #[error("agent-server answered {status}: {body}")]
    Status { status: u16, body: String },
    #[error("agent-server not healthy within {0:?}")]
    Unhealthy(Duration),
}

/// What a new conversation is started with.
#[derive(Clone, Debug, Default)]
pub struct StartConversation {
    pub model: String,
    pub api_key: String,
    pub base_url: String,
    /// Added to the agent's system message (the scripted agent's script).
    pub system_prompt: String,
    pub max_iterations: u32,
    pub working_dir: String,
    pub tags: BTreeMap<String, String>,
    /// `agent.agent_context.skills`.
    pub skills: Vec<Value>,
    /// `agent.mcp_config` (`{"mcpServers": {…}}`), or null.
    pub mcp_config: Value,
}

#[derive(Clone)]
pub struct AgentClient {
    http: reqwest::Client,
    endpoint: String,
    session_key: Option<String>,
}

impl AgentClient {
    pub fn new(endpoint: &str, session_key: Option<String>) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap_or_default(),
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            session_key,
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let r = self
            .http
            .request(method, format!("{}{path}", self.endpoint));
        match &self.session_key {
            Some(k) => r.header("X-Session-API-Key", k),
            None => r,
        }
    }

    async fn send(&self, r: reqwest::RequestBuilder) -> Result<Value, ClientError> {
        let resp = r
            .send()
            .await
            .map_err(|e| ClientError::Unreachable(e.to_string()))?;
        let status = resp.status();
        let body = resp.text().await.unwrap_or_default();
        if !status.is_success() {
            return Err(ClientError::Status {
                status: status.as_u16(),
                body,
            });
        }
        Ok(serde_json::from_str(&body).unwrap_or(Value::Null))
    }

    /// `GET /health` answered 2xx.
    pub async fn healthy(&self) -> bool {
        self.request(reqwest::Method::GET, "/health")
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
    }

    /// Polls `/health` until it answers or `timeout` passes. A refused connection to a local
    /// port costs microseconds, so polls start 2 ms apart and grow by half up to 25 ms: a
    /// sandbox is seen healthy within a few ms of being so (doubling up to 250 ms could add
    /// as much as the start itself).
    pub async fn wait_healthy(&self, timeout: Duration) -> Result<(), ClientError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut pause = Duration::from_millis(2);
        while tokio::time::Instant::now() < deadline {
            if self.healthy().await {
                return Ok(());
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 3 / 2).min(Duration::from_millis(25));
        }
        Err(ClientError::Unhealthy(timeout))
    }

    /// `POST /api/conversations`; the conversation's id.
    pub async fn create_conversation(
        &self,
        start: &StartConversation,
    ) -> Result<String, ClientError> {
        let body = json!({
            "agent": {
                "kind": "Agent",
                "llm": {"model": start.model, "api_key": start.api_key,
                        "base_url": if start.base_url.is_empty() { Value::Null } else { json!(start.base_url) },
                        "usage_id": "agent"},
                "agent_context": {"system_message_suffix": start.system_prompt, "skills": start.skills},
                "mcp_config": start.mcp_config,
                "tools": [{"name": "TerminalTool", "params": {}}, {"name": "FileEditorTool", "params": {}}],
            },
            "workspace": {"kind": "LocalWorkspace", "working_dir": start.working_dir},
            "max_iterations": start.max_iterations.max(1),
            "stuck_detection": true,
            "confirmation_policy": {"kind": "NeverConfirm"},
            "tags": start.tags,
        });
        let info = self
            .send(
                self.request(reqwest::Method::POST, "/api/conversations")
                    .json(&body),
            )
            .await?;
        info["id"]
            .as_str()
            .or_else(|| info["conversation_id"].as_str())
            .map(str::to_owned)
            .ok_or_else(|| ClientError::Status {
                status: 200,
                body: format!("no conversation id in {info}"),
            })
    }

    /// Sends a user message; with `run`, the agent starts working on it.
    pub async fn send_message(&self, id: &str, text: &str, run: bool) -> Result<(), ClientError> {
        let body = json!({"role": "user", "content": [{"type": "text", "text": text}], "run": run});
        self.send(
            self.request(
                reqwest::Method::POST,
                &format!("/api/conversations/{id}/events"),
            )
            .json(&body),
        )
        .await
        .map(drop)
    }

    pub async fn pause(&self, id: &str) -> Result<(), ClientError> {
        self.send(self.request(
            reqwest::Method::POST,
            &format!("/api/conversations/{id}/pause"),
        ))
        .await
        .map(drop)
    }

    /// `execution_status` (`idle`, `running`, `paused`, `finished`, `error`, `stuck`, …).
    pub async fn status(&self, id: &str) -> Result<String, ClientError> {
        let info = self
            .send(self.request(reqwest::Method::GET, &format!("/api/conversations/{id}")))
            .await?;
        Ok(info["execution_status"]
            .as_str()
            .or_else(|| info["agent_status"].as_str())
            .unwrap_or("unknown")
            .to_owned())
    }

    pub async fn delete(&self, id: &str) -> Result<(), ClientError> {
        self.send(self.request(reqwest::Method::DELETE, &format!("/api/conversations/{id}")))
            .await
            .map(drop)
    }

    /// Every event so far, in order (paged search).
    pub async fn events(&self, id: &str) -> Result<Vec<Value>, ClientError> {
        let mut out = Vec::new();
        let mut page: Option<String> = None;
        loop {
            let mut path = format!("/api/conversations/{id}/events/search?limit=100");
            if let Some(p) = &page {
                path.push_str(&format!("&page_id={p}"));
            }
            let v = self.send(self.request(reqwest::Method::GET, &path)).await?;
            out.extend(v["items"].as_array().cloned().unwrap_or_default());
            match v["next_page_id"].as_str() {
                Some(p) if !p.is_empty() => page = Some(p.to_owned()),
                _ => return Ok(out),
            }
        }
    }

    /// The conversation's events as they happen, from the first: a background task follows
    /// the WebSocket, reconnects with a full resend when it drops and forwards each event once.
    /// The stream ends when the receiver is dropped, or after `patience` without a connection
    /// (then its last item is the error).
    pub fn subscribe(
        &self,
        id: &str,
        patience: Duration,
    ) -> mpsc::Receiver<Result<Value, ClientError>> {
        let (tx, rx) = mpsc::channel(1024);
        let mut url = format!(
            "{}/sockets/events/{id}?resend_mode=all",
            self.endpoint.replacen("http", "ws", 1)
        );
        if let Some(k) = &self.session_key {
            url.push_str(&format!("&session_api_key={k}"));
        }
        tokio::spawn(async move {
            let mut seen: HashSet<String> = HashSet::new();
            let mut down_since: Option<tokio::time::Instant> = None;
            loop {
                match tokio_tungstenite::connect_async(url.as_str()).await {
                    Ok((mut ws, _)) => {
                        down_since = None;
                        while let Some(frame) = ws.next().await {
                            let text = match frame {
                                Ok(Message::Text(t)) => t,
                                Ok(Message::Ping(p)) => {
                                    let _ = ws.send(Message::Pong(p)).await;
                                    continue;
                                }
                                Ok(Message::Close(_)) | Err(_) => break,
                                Ok(_) => continue,
                            };
                            let Ok(event) = serde_json::from_str::<Value>(text.as_str()) else {
                                continue;
                            };
                            if event["key"] == "full_state" {
                                continue;
                            }
                            if let Some(eid) = event["id"].as_str()
                                && !seen.insert(eid.to_owned())
                            {
                                continue;
                            }
                            if tx.send(Ok(event)).await.is_err() {
                                return;
                            }
                        }
                    }
                    Err(e) => {
                        let since = *down_since.get_or_insert_with(tokio::time::Instant::now);
                        if since.elapsed() >= patience {
                            let _ = tx.send(Err(ClientError::Unreachable(e.to_string()))).await;
                            return;
                        }
                    }
                }
                if tx.is_closed() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        rx
    }
}

/// [`AgentClient`] as the conversation actors' port.
pub struct OpenHandsDriver {
    /// How long an event stream may stay disconnected before it counts as lost.
    pub patience: Duration,
}

#[async_trait::async_trait]
impl corral_actors::sandbox::AgentDriver for OpenHandsDriver {
    async fn wait_healthy(&self, endpoint: &str, timeout: Duration) -> Result<(), String> {
        AgentClient::new(endpoint, None)
            .wait_healthy(timeout)
            .await
            .map_err(|e| e.to_string())
    }

    async fn start_conversation(
        &self,
        endpoint: &str,
        start: &corral_actors::sandbox::AgentStart,
    ) -> Result<String, String> {
        let start = StartConversation {
            model: start.model.clone(),
            api_key: start.api_key.clone(),
            base_url: start.base_url.clone(),
            system_prompt: start.system_prompt.clone(),
            max_iterations: start.max_iterations,
            working_dir: "workspace".into(),
            tags: start.tags.clone(),
            skills: start.skills.clone(),
            mcp_config: start.mcp_config.clone(),
        };
        AgentClient::new(endpoint, None)
            .create_conversation(&start)
            .await
            .map_err(|e| e.to_string())
    }

    async fn send_message(
        &self,
        endpoint: &str,
        conversation: &str,
        text: &str,
    ) -> Result<(), String> {
        AgentClient::new(endpoint, None)
            .send_message(conversation, text, true)
            .await
            .map_err(|e| e.to_string())
    }

    async fn pause(&self, endpoint: &str, conversation: &str) -> Result<(), String> {
        AgentClient::new(endpoint, None)
            .pause(conversation)
            .await
            .map_err(|e| e.to_string())
    }

    fn events(&self, endpoint: &str, conversation: &str) -> mpsc::Receiver<Result<Value, String>> {
        let mut inner = AgentClient::new(endpoint, None).subscribe(conversation, self.patience);
        let (tx, rx) = mpsc::channel(1024);
        tokio::spawn(async move {
            while let Some(item) = inner.recv().await {
                if tx.send(item.map_err(|e| e.to_string())).await.is_err() {
                    return;
                }
            }
        });
        rx
    }
}
