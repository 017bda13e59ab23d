//! `GET /projects/{id}/board` (a Corral extension): everything the web UI's board needs in one
//! request, read from the project's snapshot at one sequence: the project, its statuses and task
//! types, its members (empty without `project.members.read`), and every live task in creation
//! order, each written from its cached JSON. Paca's paged task list stays for Paca's clients.

use super::projects::{MemberDto, ProjectDto, project_id};
use super::task_config::{StatusDto, TaskTypeDto};
use super::tasks::TaskJson;
use crate::envelope::{ApiResult, Reply, ok};
use crate::extract::ProjectCaller;
use crate::state::AppState;
use axum::extract::{Path, State};
use corral_actors::project::query::GetBoard;
use serde::Serialize;

#[derive(Serialize)]
pub struct BoardDto {
    project: ProjectDto,
    statuses: Vec<StatusDto>,
    task_types: Vec<TaskTypeDto>,
    members: Vec<MemberDto>,
    tasks: Vec<TaskJson>,
    /// The project's event sequence the board is as new as: join the project's room with
    /// `since` set to it to receive exactly what changes after.
    seq: i64,
}

pub async fn get(
    State(state): State<AppState>,
    ProjectCaller(caller): ProjectCaller,
    Path(id): Path<String>,
) -> ApiResult<Reply<BoardDto>> {
    let board = state
        .projects
        .read(project_id(&id)?, caller, GetBoard)
        .await?;
    Ok(ok(BoardDto {
        project: board.project.into(),
        statuses: board.statuses.into_iter().map(Into::into).collect(),
        task_types: board.task_types.into_iter().map(Into::into).collect(),
        members: board.members.into_iter().map(Into::into).collect(),
        tasks: board.tasks.into_iter().map(Into::into).collect(),
        seq: board.seq,
    }))
}
