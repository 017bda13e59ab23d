//! Agent conversations: "write with AI" on a task, and `/projects/{id}/conversations` (list,
//! detail, events, stop, pause, heartbeat, messages). Permissions are the project's; the
//! conversation actors do the work.

use super::projects::project_id;
use crate::envelope::{ApiError, ApiResult, Message, Reply, created, message, ok};
use crate::extract::{Json, ProjectCaller, parse_id};
use crate::pagination::OffsetParams;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Utc};
use corral_actors::agents::NewConversation;
use corral_actors::agents::conversation::{Conversation, ConversationEvent, TriggerType};
use corral_actors::ids::{AgentId, ConversationId, ProjectId, TaskId};
use corral_actors::project::Caller;
use corral_actors::project::access::{AGENTS_READ, AGENTS_WRITE, TASKS_WRITE};
use corral_actors::project::command;
use corral_actors::project::query::{AgentRunAccess, Authorize, ListAgents};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Serialize)]
pub struct ConversationDto {
    id: Uuid,
    agent_id: Uuid,
    project_id: Uuid,
    trigger_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    task_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    chat_session_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    triggered_by_member_id: Option<Uuid>,
    status: &'static str,
    iteration_count: i32,
    /// The branch and pull request an agent reports; Corral's agents report none yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    branch_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pr_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_message: Option<String>,
    /// 1 = next to start, while queued.
    #[serde(skip_serializing_if = "Option::is_none")]
    queue_position: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    started_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    finished_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "String::is_empty")]
    agent_name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    agent_handle: String,
}

/// Names and handles of the project's agents, for labelling conversations (empty when the
/// caller may not list agents).
async fn agent_labels(
    state: &AppState,
    project: ProjectId,
    caller: &Caller,
) -> HashMap<AgentId, (String, String)> {
    match state
        .projects
        .read(project, caller.clone(), ListAgents)
        .await
    {
        Ok(agents) => agents
            .into_iter()
            .map(|a| (a.id, (a.name, a.handle)))
            .collect(),
        _ => HashMap::new(),
    }
}

fn labelled(
    c: Conversation,
    queue_position: Option<usize>,
    labels: &HashMap<AgentId, (String, String)>,
) -> ConversationDto {
    let (name, handle) = labels.get(&c.agent_id).cloned().unwrap_or_default();
    let mut dto = dto(c, queue_position);
    dto.agent_name = name;
    dto.agent_handle = handle;
    dto
}

fn dto(c: Conversation, queue_position: Option<usize>) -> ConversationDto {
    ConversationDto {
        id: c.id.0,
        agent_id: c.agent_id.0,
        project_id: c.project_id.0,
        trigger_type: c.trigger_type.as_str(),
        task_id: c.task_id.map(|t| t.0),
        chat_session_id: c.chat_session_id.map(|t| t.0),
        triggered_by_member_id: c.triggered_by_member_id.map(|t| t.0),
        status: c.status.as_str(),
        iteration_count: c.iteration_count,
        branch_name: None,
        pr_url: None,
        error_message: c.error_message,
        queue_position,
        started_at: c.started_at,
        finished_at: c.finished_at,
        created_at: c.created_at,
        agent_name: String::new(),
        agent_handle: String::new(),
    }
}

#[derive(Serialize)]
pub struct EventDto {
    /// Stable: derived from the conversation and the event's index (events are keyed by both).
    id: Uuid,
    conversation_id: Uuid,
    event_index: i64,
    event_type: String,
    event_source: String,
    payload: serde_json::Value,
    created_at: DateTime<Utc>,
}

impl From<ConversationEvent> for EventDto {
    fn from(e: ConversationEvent) -> Self {
        Self {
            id: Uuid::new_v5(&e.conversation_id.0, &e.event_index.to_be_bytes()),
            conversation_id: e.conversation_id.0,
            event_index: e.event_index,
            event_type: e.event_type,
            event_source: e.event_source,
            payload: e.payload,
            created_at: e.created_at,
        }
    }
}

#[derive(Serialize)]
pub struct OffsetPage<T> {
    items: Vec<T>,
    total: u64,
    offset: u64,
    limit: u64,
}

async fn authorize(
    state: &AppState,
    project: ProjectId,
    caller: &Caller,
    permission: &'static str,
) -> Result<(), ApiError> {
    state
        .projects
        .read(project, caller.clone(), Authorize { permission })
        .await?;
    Ok(())
}

/// The caller's membership once it may start a run of `agent` (see `AgentRunAccess`).
async fn run_access(
    state: &AppState,
    project: ProjectId,
    caller: &Caller,
    permission: &'static str,
    agent: AgentId,
    task: Option<TaskId>,
    member_required: bool,
) -> Result<Option<corral_actors::ids::MemberId>, ApiError> {
    let query = AgentRunAccess {
        permission,
        agent,
        task,
        member_required,
    };
    Ok(state.projects.read(project, caller.clone(), query).await?)
}

/// The conversation, checked to belong to the project in the path.
async fn conversation_in(
    state: &AppState,
    project: ProjectId,
    raw: &str,
) -> Result<(Conversation, Option<usize>), ApiError> {
    let id: ConversationId = parse_id(raw, "conversation id")?;
    let (c, position) = state.agents.conversation(id).await?;
    if c.project_id != project {
        return Err(ApiError(corral_actors::Error::not_found(
            corral_actors::error::codes::AGENT_CONVERSATION_NOT_FOUND,
            "conversation not found",
        )));
    }
    Ok((c, position))
}

#[derive(Deserialize)]
pub struct WriteWithAi {
    agent_id: Option<Uuid>,
}

/// `POST /projects/{id}/tasks/{taskId}/write-with-ai`: the agent writes the task's description.
pub async fn write_with_ai(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, task)): Path<(String, String)>,
    Json(body): Json<WriteWithAi>,
) -> ApiResult<Reply<ConversationReply>> {
    let project = project_id(&id)?;
    let task: TaskId = parse_id(&task, "task id")?;
    let agent = AgentId(
        body.agent_id
            .ok_or_else(|| ApiError::bad_request("agent_id is required"))?,
    );
    let member = run_access(
        &state,
        project,
        &caller,
        TASKS_WRITE,
        agent,
        Some(task),
        false,
    )
    .await?;
    let conversation = state
        .agents
        .start(NewConversation {
            project_id: project,
            agent_id: agent,
            trigger_type: TriggerType::DescriptionWrite,
            task_id: Some(task),
            comment_id: None,
            chat_session_id: None,
            triggered_by_member_id: member,
            message: String::new(),
        })
        .await?;
    state
        .projects
        .command(
            project,
            caller.clone(),
            command::RecordAgentSession {
                task_id: task,
                agent_id: agent,
                conversation_id: conversation.id,
            },
        )
        .await?;
    let position = state.agents.queue_position(conversation.id);
    let labels = agent_labels(&state, project, &caller).await;
    Ok(created(ConversationReply {
        conversation: labelled(conversation, position, &labels),
    }))
}

/// `{conversation}`, Paca's body for a run started by a request.
#[derive(Serialize)]
pub struct ConversationReply {
    conversation: ConversationDto,
}

pub async fn list(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Reply<OffsetPage<ConversationDto>>> {
    let project = project_id(&id)?;
    authorize(&state, project, &caller, AGENTS_READ).await?;
    let page = OffsetParams::parse(
        params.get("offset").map(String::as_str),
        params.get("limit").map(String::as_str),
    );
    let (items, total) = state
        .store
        .list_conversations(project, page.offset, page.limit)
        .await
        .map_err(corral_actors::Error::from)?;
    let labels = agent_labels(&state, project, &caller).await;
    let items = items
        .into_iter()
        .map(|c| {
            let position = state.agents.queue_position(c.id);
            labelled(c, position, &labels)
        })
        .collect();
    Ok(ok(OffsetPage {
        items,
        total,
        offset: page.offset,
        limit: page.limit,
    }))
}

pub async fn get(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, conversation)): Path<(String, String)>,
) -> ApiResult<Reply<ConversationDto>> {
    let project = project_id(&id)?;
    authorize(&state, project, &caller, AGENTS_READ).await?;
    let (c, position) = conversation_in(&state, project, &conversation).await?;
    let labels = agent_labels(&state, project, &caller).await;
    Ok(ok(labelled(c, position, &labels)))
}

pub async fn events(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, conversation)): Path<(String, String)>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Reply<OffsetPage<EventDto>>> {
    let project = project_id(&id)?;
    authorize(&state, project, &caller, AGENTS_READ).await?;
    let (c, _) = conversation_in(&state, project, &conversation).await?;
    let page = OffsetParams::parse(
        params.get("offset").map(String::as_str),
        params.get("limit").map(String::as_str),
    );
    let (items, total) = state
        .store
        .conversation_events(c.id, page.offset, page.limit)
        .await
        .map_err(corral_actors::Error::from)?;
    Ok(ok(OffsetPage {
        items: items.into_iter().map(Into::into).collect(),
        total,
        offset: page.offset,
        limit: page.limit,
    }))
}

/// The conversation in the path, once the caller holds `permission` in its project.
async fn authorized_conversation(
    state: &AppState,
    caller: &Caller,
    (id, conversation): (String, String),
    permission: &'static str,
) -> Result<ConversationId, ApiError> {
    let project = project_id(&id)?;
    authorize(state, project, caller, permission).await?;
    Ok(conversation_in(state, project, &conversation).await?.0.id)
}

pub async fn stop(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(path): Path<(String, String)>,
) -> ApiResult<Reply<Message>> {
    let id = authorized_conversation(&state, &caller, path, AGENTS_WRITE).await?;
    state.agents.stop(id).await?;
    Ok(message("conversation stopped"))
}

pub async fn pause(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(path): Path<(String, String)>,
) -> ApiResult<Reply<Message>> {
    let id = authorized_conversation(&state, &caller, path, AGENTS_WRITE).await?;
    state.agents.pause(id).await?;
    Ok(message("conversation pause requested"))
}

pub async fn heartbeat(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(path): Path<(String, String)>,
) -> ApiResult<Reply<HeartbeatReply>> {
    let id = authorized_conversation(&state, &caller, path, AGENTS_READ).await?;
    state.agents.heartbeat(id).await?;
    Ok(ok(HeartbeatReply { status: "ok" }))
}

/// `{status: "ok"}`, Paca's heartbeat body.
#[derive(Serialize)]
pub struct HeartbeatReply {
    status: &'static str,
}

#[derive(Deserialize)]
pub struct SendMessage {
    #[serde(default)]
    message: String,
}

/// Messages reach the agent (Paca drops them, §15.1).
pub async fn send_message(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(path): Path<(String, String)>,
    Json(body): Json<SendMessage>,
) -> ApiResult<Reply<Message>> {
    let id = authorized_conversation(&state, &caller, path, AGENTS_READ).await?;
    state.agents.send_message(id, body.message).await?;
    Ok(message("message sent"))
}

#[derive(Serialize)]
pub struct ChatSessionDto {
    id: Uuid,
    agent_id: Uuid,
    project_id: Uuid,
    member_id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_message_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl From<corral_actors::agents::conversation::ChatSession> for ChatSessionDto {
    fn from(s: corral_actors::agents::conversation::ChatSession) -> Self {
        Self {
            id: s.id.0,
            agent_id: s.agent_id.0,
            project_id: s.project_id.0,
            member_id: s.member_id.0,
            title: s.title,
            last_message_at: s.last_message_at,
            created_at: s.created_at,
        }
    }
}

#[derive(Serialize)]
pub struct ChatReply {
    session: ChatSessionDto,
    conversation: ConversationDto,
}

/// The caller's membership: chats are a member's.
async fn chat_member(
    state: &AppState,
    project: ProjectId,
    caller: &Caller,
    agent: AgentId,
) -> Result<corral_actors::ids::MemberId, ApiError> {
    run_access(state, project, caller, AGENTS_READ, agent, None, true)
        .await?
        .ok_or_else(|| {
            ApiError(corral_actors::Error::forbidden(
                "chatting with an agent needs a membership in the project",
            ))
        })
}

pub async fn list_chats(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, agent)): Path<(String, String)>,
) -> ApiResult<Reply<super::task_config::Items<ChatSessionDto>>> {
    let project = project_id(&id)?;
    let agent: AgentId = parse_id(&agent, "agent id")?;
    let member = chat_member(&state, project, &caller, agent).await?;
    let sessions = state
        .store
        .chat_sessions(agent, member)
        .await
        .map_err(corral_actors::Error::from)?;
    Ok(ok(super::task_config::Items::new(
        sessions.into_iter().map(Into::into).collect(),
    )))
}

/// A chat message in a new session (`session` none) or an existing one.
async fn chat(
    state: &AppState,
    caller: &Caller,
    (id, agent, session): (String, String, Option<String>),
    message: String,
) -> Result<ChatReply, ApiError> {
    let project = project_id(&id)?;
    let agent: AgentId = parse_id(&agent, "agent id")?;
    let session = session
        .map(|s| parse_id(&s, "chat session id"))
        .transpose()?;
    let member = chat_member(state, project, caller, agent).await?;
    let (session, conversation) = state
        .agents
        .chat(project, agent, member, session, message)
        .await?;
    let position = state.agents.queue_position(conversation.id);
    let labels = agent_labels(state, project, caller).await;
    Ok(ChatReply {
        session: session.into(),
        conversation: labelled(conversation, position, &labels),
    })
}

pub async fn start_chat(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, agent)): Path<(String, String)>,
    Json(body): Json<SendMessage>,
) -> ApiResult<Reply<ChatReply>> {
    Ok(created(
        chat(&state, &caller, (id, agent, None), body.message).await?,
    ))
}

pub async fn chat_message(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path((id, agent, session)): Path<(String, String, String)>,
    Json(body): Json<SendMessage>,
) -> ApiResult<Reply<ConversationReply>> {
    let reply = chat(&state, &caller, (id, agent, Some(session)), body.message).await?;
    Ok(created(ConversationReply {
        conversation: reply.conversation,
    }))
}
