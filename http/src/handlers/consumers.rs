//! `/admin/consumers`: the durable event consumers of this node's installation: lag, pending
//! entries, dead letters, and replaying or discarding a dead letter (global permissions
//! `system.read` and `system.write`; the super administrator has them).

use crate::envelope::{ApiResult, Message, Reply, message, ok};
use crate::extract::Caller;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use corral_actors::pipeline::{ConsumerStatus, DeadLetter};
use serde::Deserialize;

/// Most dead letters one request lists.
const MAX_DEAD_LETTERS: usize = 500;

pub async fn list(
    State(state): State<AppState>,
    Caller(me): Caller,
) -> ApiResult<Reply<Vec<ConsumerStatus>>> {
    Ok(ok(state.consumers.status(&me).await?))
}

#[derive(Deserialize)]
pub struct DeadLetterQuery {
    #[serde(default)]
    limit: Option<usize>,
}

pub async fn dead_letters(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path(name): Path<String>,
    Query(query): Query<DeadLetterQuery>,
) -> ApiResult<Reply<Vec<DeadLetter>>> {
    let limit = query.limit.unwrap_or(50).clamp(1, MAX_DEAD_LETTERS);
    Ok(ok(state.consumers.dead_letters(&me, &name, limit).await?))
}

pub async fn replay(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path((name, id)): Path<(String, String)>,
) -> ApiResult<Reply<Message>> {
    state.consumers.replay(&me, &name, &id).await?;
    Ok(message("dead letter replayed"))
}

pub async fn discard(
    State(state): State<AppState>,
    Caller(me): Caller,
    Path((name, id)): Path<(String, String)>,
) -> ApiResult<Reply<Message>> {
    state.consumers.discard(&me, &name, &id).await?;
    Ok(message("dead letter discarded"))
}
