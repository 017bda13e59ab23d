//! Unwraps a command's outcome into the variant a route expects. (Queries need none of this:
//! each query type fixes its reply type.)

use crate::envelope::ApiError;
use corral_actors::Error;

use corral_actors::project::agents::{Agent, AgentEnvVar, AgentMcpServer, AgentSkill};
use corral_actors::project::command::{CommentView, Outcome};
use corral_actors::project::model::{Member, Project, ProjectRole, Task, TaskStatus, TaskType};
use corral_actors::project::planning::{CustomField, Sprint, View};
use corral_actors::project::query::LinkView;

pub fn unexpected() -> ApiError {
    ApiError(Error::Internal(
        "the project answered with an unexpected outcome".into(),
    ))
}

macro_rules! outcome_fn {
    ($name:ident, $variant:ident, $ty:ty) => {
        pub fn $name(outcome: Outcome) -> Result<$ty, ApiError> {
            match outcome {
                Outcome::$variant(value) => Ok(value),
                _ => Err(unexpected()),
            }
        }
    };
}

outcome_fn!(project, Project, Project);
outcome_fn!(member, Member, Member);
outcome_fn!(role, Role, ProjectRole);
outcome_fn!(task_type, TaskType, TaskType);
outcome_fn!(status, Status, TaskStatus);
outcome_fn!(task, Task, Task);
outcome_fn!(comment, Comment, CommentView);
outcome_fn!(sprint, Sprint, Sprint);
outcome_fn!(view, View, View);
outcome_fn!(custom_field, CustomField, CustomField);
outcome_fn!(link, Link, LinkView);
outcome_fn!(agent, Agent, Box<Agent>);
outcome_fn!(agent_env_var, AgentEnvVar, AgentEnvVar);
outcome_fn!(agent_skill, AgentSkill, Box<AgentSkill>);
outcome_fn!(agent_mcp_server, AgentMcpServer, Box<AgentMcpServer>);
