//! The reference scripted agent: an OpenHands agent-server subset (health, conversations,
//! messages, run, pause, delete, event search and the event WebSocket with resend) that, instead
//! of asking an LLM, plays a script against Corral's REST API with its own credential.
//!
//! The script is the agent's system prompt (`agent.agent_context.system_message_suffix` in the
//! create request), one instruction per line, played on every user message:
//! - `comment <text>`: comments on the conversation's task.
//! - `status <status name>`: moves the task to that status.
//! - `events <n>`: emits n agent messages.
//! - `context`: emits an agent message with the skills and MCP servers it was configured with.
//! - `sleep <ms>`: waits.
//! - `shell <command>`: runs the command with `sh -c` in the agent's working directory and waits
//!   for the shell (what it starts in the background lives on); the outcome says how the shell
//!   exited. Tests use it to start processes that try to escape or flood the sandbox.
//! - `nul`: emits an agent message containing a NUL character, as a misbehaving agent-server
//!   might (Corral stores it with U+FFFD instead).
//! - `hang`: never finishes (until paused, stopped or killed).
//! - `crash`: the process exits with status 1.
//!
//! Each instruction is one iteration: an `ActionEvent` and its `ObservationEvent`. The run ends
//! with a `ConversationStateUpdateEvent` (`execution_status`: `finished`, or `error` when an
//! instruction failed or `max_iterations` was reached). Corral's API comes from
//! `PACA_API_URL` and `PACA_API_KEY` (`X-API-Key`), the task from the conversation's
//! `tags.task_id` and the project from `tags.project_id`.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// Events a subscriber may lag behind before it is dropped.
const FANOUT: usize = 4096;

struct Conversation {
    id: String,
    script: Vec<String>,
    /// What the create request configured, for the `context` instruction.
    context: Value,
    tags: HashMap<String, String>,
    max_iterations: u64,
    iterations: u64,
    status: &'static str,
    events: Vec<Value>,
    live: broadcast::Sender<Value>,
    /// Bumped by pause and by each new run: a running script stops when it changes.
    epoch: u64,
}

impl Conversation {
    fn info(&self) -> Value {
        json!({"id": self.id, "execution_status": self.status, "max_iterations": self.max_iterations,
               "tags": self.tags, "stats": {"iterations": self.iterations}})
    }
}

#[derive(Clone)]
struct Agent {
    conversations: Arc<Mutex<HashMap<String, Conversation>>>,
    http: reqwest::Client,
    api_url: String,
    api_key: String,
}

impl Agent {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Conversation>> {
        self.conversations.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends an event to a conversation and sends it to its subscribers.
    fn emit(&self, id: &str, kind: &str, source: &str, fields: Value) {
        let mut event = json!({
            "id": uuid::Uuid::new_v4().to_string(), "kind": kind, "source": source,
            "timestamp": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
        });
        if let (Some(e), Some(f)) = (event.as_object_mut(), fields.as_object()) {
            e.extend(f.clone());
        }
        if let Some(c) = self.lock().get_mut(id) {
            c.events.push(event.clone());
            let _ = c.live.send(event);
        }
    }

    fn set_status(&self, id: &str, status: &'static str) {
        if let Some(c) = self.lock().get_mut(id) {
            c.status = status;
        }
        self.emit(
            id,
            "ConversationStateUpdateEvent",
            "environment",
            json!({"key": "execution_status", "value": status}),
        );
    }
}

/// Serves the scripted agent on `host:port` until the process is killed.
pub async fn serve(host: &str, port: u16) -> std::io::Result<()> {
    let agent = Agent {
        conversations: Arc::default(),
        http: reqwest::Client::new(),
        api_url: std::env::var("PACA_API_URL").unwrap_or_default(),
        api_key: std::env::var("PACA_API_KEY").unwrap_or_default(),
    };
    let app = Router::new()
        .route("/health", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/alive", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/api/conversations", post(create))
        .route("/api/conversations/{id}", get(info).delete(remove))
        .route("/api/conversations/{id}/events", post(message))
        .route("/api/conversations/{id}/events/search", get(search))
        .route("/api/conversations/{id}/run", post(run))
        .route("/api/conversations/{id}/pause", post(pause))
        .route("/sockets/events/{id}", get(socket))
        .with_state(agent);
    let listener = tokio::net::TcpListener::bind((host, port)).await?;
    axum::serve(listener, app).await
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"detail": "conversation not found"})),
    )
        .into_response()
}

async fn create(State(agent): State<Agent>, Json(body): Json<Value>) -> Response {
    let id = body["conversation_id"]
        .as_str()
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
    let script = body["agent"]["agent_context"]["system_message_suffix"]
        .as_str()
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    let tags = body["tags"]
        .as_object()
        .map(|t| {
            t.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    let max_iterations = body["max_iterations"].as_u64().unwrap_or(500).max(1);
    let names = |v: &Value| -> Vec<Value> {
        v.as_array()
            .map(|a| a.iter().map(|s| s["name"].clone()).collect())
            .unwrap_or_default()
    };
    let context = json!({
        "skills": names(&body["agent"]["agent_context"]["skills"]),
        "mcp_servers": body["agent"]["mcp_config"]["mcpServers"]
            .as_object()
            .map(|m| m.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default(),
    });
    let mut conversations = agent.lock();
    if let Some(existing) = conversations.get(&id) {
        return (StatusCode::OK, Json(existing.info())).into_response();
    }
    let conversation = Conversation {
        id: id.clone(),
        script,
        context,
        tags,
        max_iterations,
        iterations: 0,
        status: "idle",
        events: Vec::new(),
        live: broadcast::channel(FANOUT).0,
        epoch: 0,
    };
    let info = conversation.info();
    conversations.insert(id, conversation);
    (StatusCode::CREATED, Json(info)).into_response()
}

async fn info(State(agent): State<Agent>, Path(id): Path<String>) -> Response {
    match agent.lock().get(&id) {
        Some(c) => Json(c.info()).into_response(),
        None => not_found(),
    }
}

async fn remove(State(agent): State<Agent>, Path(id): Path<String>) -> Response {
    match agent.lock().remove(&id) {
        Some(_) => Json(json!({"success": true})).into_response(),
        None => not_found(),
    }
}

async fn message(
    State(agent): State<Agent>,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    if !agent.lock().contains_key(&id) {
        return not_found();
    }
    let text: String = body["content"]
        .as_array()
        .map(|parts| {
            parts
                .iter()
                .filter_map(|p| p["text"].as_str())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default();
    agent.emit(
        &id,
        "MessageEvent",
        "user",
        json!({"llm_message": {"role": "user", "content": [{"type": "text", "text": text}]}}),
    );
    if body["run"].as_bool().unwrap_or(false) {
        start_run(&agent, &id);
    }
    Json(json!({"success": true})).into_response()
}

async fn run(State(agent): State<Agent>, Path(id): Path<String>) -> Response {
    match agent.lock().get(&id).map(|c| c.status) {
        None => return not_found(),
        Some("running") => {
            return (
                StatusCode::CONFLICT,
                Json(json!({"detail": "already running"})),
            )
                .into_response();
        }
        Some(_) => {}
    }
    start_run(&agent, &id);
    Json(json!({"success": true})).into_response()
}

async fn pause(State(agent): State<Agent>, Path(id): Path<String>) -> Response {
    let known = agent.lock().get_mut(&id).map(|c| c.epoch += 1).is_some();
    if !known {
        return not_found();
    }
    agent.set_status(&id, "paused");
    Json(json!({"success": true})).into_response()
}

#[derive(Deserialize)]
struct SearchParams {
    page_id: Option<String>,
    limit: Option<usize>,
}

async fn search(
    State(agent): State<Agent>,
    Path(id): Path<String>,
    Query(q): Query<SearchParams>,
) -> Response {
    let conversations = agent.lock();
    let Some(c) = conversations.get(&id) else {
        return not_found();
    };
    let start = q.page_id.and_then(|p| p.parse::<usize>().ok()).unwrap_or(0);
    let limit = q.limit.unwrap_or(100).clamp(1, 100);
    let items: Vec<Value> = c.events.iter().skip(start).take(limit).cloned().collect();
    let next = (start + items.len() < c.events.len()).then(|| (start + items.len()).to_string());
    Json(json!({"items": items, "next_page_id": next})).into_response()
}

#[derive(Deserialize)]
struct SocketParams {
    resend_mode: Option<String>,
    resend_all: Option<bool>,
    after_timestamp: Option<String>,
}

async fn socket(
    State(agent): State<Agent>,
    Path(id): Path<String>,
    Query(q): Query<SocketParams>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let subscribed = {
        let conversations = agent.lock();
        conversations.get(&id).map(|c| {
            let resend = match (q.resend_mode.as_deref(), q.resend_all) {
                (Some("all"), _) | (_, Some(true)) => c.events.clone(),
                (Some("since"), _) => {
                    let after = q.after_timestamp.unwrap_or_default();
                    c.events
                        .iter()
                        .filter(|e| e["timestamp"].as_str().unwrap_or_default() > after.as_str())
                        .cloned()
                        .collect()
                }
                _ => Vec::new(),
            };
            (c.info(), resend, c.live.subscribe())
        })
    };
    let Some((state, resend, live)) = subscribed else {
        return not_found();
    };
    upgrade.on_upgrade(move |ws| stream(ws, state, resend, live))
}

async fn stream(
    mut ws: WebSocket,
    state: Value,
    resend: Vec<Value>,
    mut live: broadcast::Receiver<Value>,
) {
    let full = json!({"id": uuid::Uuid::new_v4().to_string(), "kind": "ConversationStateUpdateEvent",
                      "source": "environment", "key": "full_state", "value": state});
    let sent: std::collections::HashSet<String> = resend
        .iter()
        .filter_map(|e| e["id"].as_str().map(str::to_owned))
        .collect();
    for event in std::iter::once(full).chain(resend) {
        if ws
            .send(Message::Text(event.to_string().into()))
            .await
            .is_err()
        {
            return;
        }
    }
    loop {
        tokio::select! {
            event = live.recv() => match event {
                Ok(event) => {
                    if event["id"].as_str().is_some_and(|i| sent.contains(i)) {
                        continue;
                    }
                    if ws.send(Message::Text(event.to_string().into())).await.is_err() {
                        return;
                    }
                }
                Err(_) => return,
            },
            incoming = ws.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}

fn start_run(agent: &Agent, id: &str) {
    let epoch = {
        let mut conversations = agent.lock();
        let Some(c) = conversations.get_mut(id) else {
            return;
        };
        c.epoch += 1;
        c.epoch
    };
    agent.set_status(id, "running");
    let (agent, id) = (agent.clone(), id.to_owned());
    tokio::spawn(async move {
        let status = play(&agent, &id, epoch).await;
        let current = agent.lock().get(&id).map(|c| c.epoch);
        if current == Some(epoch)
            && let Some(status) = status
        {
            agent.set_status(&id, status);
        }
    });
}

/// Plays the script; the final status, or `None` when the run was superseded or paused.
async fn play(agent: &Agent, id: &str, epoch: u64) -> Option<&'static str> {
    let (script, tags, context) = {
        let conversations = agent.lock();
        let c = conversations.get(id)?;
        (c.script.clone(), c.tags.clone(), c.context.clone())
    };
    for line in script {
        let current = {
            let mut conversations = agent.lock();
            let c = conversations.get_mut(id)?;
            if c.iterations >= c.max_iterations {
                drop(conversations);
                agent.emit(
                    id,
                    "AgentErrorEvent",
                    "agent",
                    json!({"error": "max_iterations reached"}),
                );
                return Some("error");
            }
            c.iterations += 1;
            c.epoch
        };
        if current != epoch {
            return None;
        }
        let (verb, rest) = line.split_once(' ').unwrap_or((line.as_str(), ""));
        let action_id = uuid::Uuid::new_v4().to_string();
        agent.emit(
            id,
            "ActionEvent",
            "agent",
            json!({"tool_name": "script", "action": {"kind": "ScriptAction", "command": line},
                   "thought": [{"type": "text", "text": format!("next: {line}")}],
                   "tool_call_id": action_id}),
        );
        let outcome = match verb {
            "comment" => call_api(agent, &tags, "comment", rest).await,
            "status" => call_api(agent, &tags, "status", rest).await,
            "events" => {
                let n: usize = rest.trim().parse().unwrap_or(0);
                for i in 0..n {
                    agent.emit(
                        id,
                        "MessageEvent",
                        "agent",
                        json!({"llm_message": {"role": "assistant", "content": [{"type": "text", "text": format!("event {i}")}]}}),
                    );
                }
                Ok(format!("emitted {n} events"))
            }
            "nul" => {
                // An event with a character no database stores, as a misbehaving agent-server
                // might send.
                agent.emit(
                    id,
                    "MessageEvent",
                    "agent",
                    json!({"llm_message": {"role": "assistant", "content": [{"type": "text", "text": "before\u{0}after"}]}}),
                );
                Ok("emitted a NUL".into())
            }
            "context" => {
                agent.emit(
                    id,
                    "MessageEvent",
                    "agent",
                    json!({"llm_message": {"role": "assistant", "content": [{"type": "text", "text": context.to_string()}]}}),
                );
                Ok("reported the context".into())
            }
            "sleep" => {
                let ms: u64 = rest.trim().parse().unwrap_or(0);
                tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                Ok(format!("slept {ms} ms"))
            }
            "shell" => shell(rest).await,
            "hang" => std::future::pending().await,
            "crash" => std::process::exit(1),
            other => Err(format!("unknown instruction {other:?}")),
        };
        let failed = outcome.is_err();
        agent.emit(
            id,
            "ObservationEvent",
            "environment",
            json!({"tool_name": "script", "action_id": action_id, "tool_call_id": action_id,
                   "observation": {"kind": "ScriptObservation", "ok": !failed,
                                   "content": outcome.unwrap_or_else(|e| e)}}),
        );
        if failed {
            return Some("error");
        }
    }
    agent.emit(
        id,
        "MessageEvent",
        "agent",
        json!({"llm_message": {"role": "assistant", "content": [{"type": "text", "text": "done"}]}}),
    );
    Some("finished")
}

/// Runs `sh -c command` without input or output and waits for the shell; its exit is the
/// outcome's text, not a failure, so a script goes on whatever the command did.
async fn shell(command: &str) -> Result<String, String> {
    let status = tokio::process::Command::new("sh")
        .args(["-c", command])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .await
        .map_err(|e| format!("running sh: {e}"))?;
    Ok(format!("the shell exited with {status}"))
}

/// One call to Corral's API on behalf of the conversation's task.
async fn call_api(
    agent: &Agent,
    tags: &HashMap<String, String>,
    what: &str,
    arg: &str,
) -> Result<String, String> {
    let (Some(project), Some(task)) = (tags.get("project_id"), tags.get("task_id")) else {
        return Err("the conversation has no task".into());
    };
    let base = format!(
        "{}/api/v1/projects/{project}",
        agent.api_url.trim_end_matches('/')
    );
    let send = |r: reqwest::RequestBuilder| r.header("x-api-key", &agent.api_key).send();
    let checked =
        |r: Result<reqwest::Response, reqwest::Error>| -> Result<reqwest::Response, String> {
            let r = r.map_err(|e| e.to_string())?;
            if r.status().is_success() {
                Ok(r)
            } else {
                Err(format!("{} answered {}", what, r.status()))
            }
        };
    match what {
        "comment" => {
            let content =
                json!([{"type": "paragraph", "content": [{"type": "text", "text": arg}]}]);
            checked(
                send(
                    agent
                        .http
                        .post(format!("{base}/tasks/{task}/activities/comments"))
                        .json(&json!({"content": content})),
                )
                .await,
            )?;
            Ok(format!("commented {arg:?}"))
        }
        _ => {
            let statuses: Value =
                checked(send(agent.http.get(format!("{base}/task-statuses"))).await)?
                    .json()
                    .await
                    .map_err(|e| e.to_string())?;
            let wanted = arg.trim();
            let status = statuses["data"]["items"]
                .as_array()
                .or_else(|| statuses["data"].as_array())
                .and_then(|all| {
                    all.iter().find(|s| {
                        s["name"]
                            .as_str()
                            .is_some_and(|n| n.eq_ignore_ascii_case(wanted))
                    })
                })
                .and_then(|s| s["id"].as_str().map(str::to_owned))
                .ok_or_else(|| format!("no status named {wanted:?}"))?;
            checked(
                send(
                    agent
                        .http
                        .patch(format!("{base}/tasks/{task}"))
                        .json(&json!({"status_id": status})),
                )
                .await,
            )?;
            Ok(format!("moved to {wanted}"))
        }
    }
}

/// `--host H --port P` (the local runtime's calling convention; defaults 127.0.0.1:8000).
pub fn parse_args(args: impl Iterator<Item = String>) -> Result<(String, u16), String> {
    let (mut host, mut port) = ("127.0.0.1".to_owned(), 8000u16);
    let mut args = args;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--host" => host = args.next().ok_or("--host needs a value")?,
            "--port" => {
                port = args
                    .next()
                    .and_then(|p| p.parse().ok())
                    .ok_or("--port needs a port number")?;
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok((host, port))
}
