//! Unwraps a command's outcome, or a query's answer, into the variant a route expects.

use crate::envelope::ApiError;
use corral_actors::Error;

use corral_actors::permission::PermissionMap;
use corral_actors::project::agents::{Agent, AgentEnvVar, AgentMcpServer, AgentSkill};
use corral_actors::project::command::{CommentView, Outcome};
use corral_actors::project::model::{Member, Project, ProjectRole, Task, TaskStatus, TaskType};
use corral_actors::project::planning::TaskPosition;
use corral_actors::project::planning::{CustomField, Sprint, View};
use corral_actors::project::query::{Answer, LinkView, TaskPage};

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

macro_rules! answer_fn {
    ($name:ident, $variant:ident, $ty:ty) => {
        pub fn $name(answer: Answer) -> Result<$ty, ApiError> {
            match answer {
                Answer::$variant(value) => Ok(value),
                _ => Err(unexpected()),
            }
        }
    };
}

answer_fn!(read_agent, Agent, Box<Agent>);
answer_fn!(read_agents, Agents, Vec<Agent>);
answer_fn!(read_agent_env_vars, AgentEnvVars, Vec<AgentEnvVar>);
answer_fn!(read_agent_skills, AgentSkills, Vec<AgentSkill>);
answer_fn!(read_agent_mcp_servers, AgentMcpServers, Vec<AgentMcpServer>);
answer_fn!(read_custom_field, CustomField, CustomField);
answer_fn!(read_custom_fields, CustomFields, Vec<CustomField>);
answer_fn!(read_links, Links, Vec<LinkView>);
answer_fn!(read_permissions, Permissions, PermissionMap);
answer_fn!(read_project, Project, Project);
answer_fn!(read_roles, Roles, Vec<ProjectRole>);
answer_fn!(read_sprint, Sprint, Sprint);
answer_fn!(read_sprints, Sprints, Vec<Sprint>);
answer_fn!(read_statuses, Statuses, Vec<TaskStatus>);
answer_fn!(read_task, Task, Task);
answer_fn!(read_task_positions, TaskPositions, Vec<TaskPosition>);
answer_fn!(read_task_types, TaskTypes, Vec<TaskType>);
answer_fn!(read_tasks, Tasks, TaskPage);
answer_fn!(read_view, View, View);
answer_fn!(read_views, Views, Vec<View>);
