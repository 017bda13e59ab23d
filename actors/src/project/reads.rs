//! Reads the store answers directly (ARCHITECTURE §3.3): the project directory, event log
//! pages, task activity feeds and members' current names. Each is authorized by the project's
//! actor first, so the rules stay in one place.

use super::access::{Caller, PROJECTS_READ};
use super::batch::Event;
use super::command::OnComment;
use super::model::Project;
use super::query::{AuthorizeTaskRead, ListMembers, MemberView};
use super::registry::Projects;
use crate::error::{Error, Result, codes};
use crate::ids::{ProjectId, TaskId, UserId};
use crate::store::ActivityEntry;
use std::collections::HashMap;

/// Most events one page of the log returns.
pub const EVENTS_PAGE_MAX: u32 = 1000;
pub const EVENTS_PAGE_DEFAULT: u32 = 100;

impl Projects {
    /// Projects the caller may see (all of them with global `projects.read`), oldest first.
    pub async fn list(
        &self,
        caller: &Caller,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Project>, u64)> {
        let Some(user) = caller.user_id else {
            return Err(Error::unauthorized(
                crate::error::codes::AUTH_UNAUTHENTICATED,
                "unauthenticated",
            ));
        };
        let member = (!caller.global.grants(PROJECTS_READ)).then_some(user);
        Ok(self.store().list_projects(member, offset, limit).await?)
    }

    /// Events after `since`, in order, without gaps.
    pub async fn events(
        &self,
        id: ProjectId,
        caller: Caller,
        since: i64,
        limit: u32,
    ) -> Result<Vec<Event>> {
        let reader = caller.user_id;
        self.authorize_task_read(id, caller, None).await?;
        let limit = limit.clamp(1, EVENTS_PAGE_MAX);
        let mut events = self.store().project_events(id, since.max(0), limit).await?;
        // A notification is its recipient's: others see that the sequence moved, not what it
        // said (as on sockets).
        for event in &mut events {
            if !event.visible_to(reader) {
                event.payload = serde_json::json!({});
            }
        }
        Ok(events)
    }

    /// A task's activity feed: its history from the event log, with comments as they are now.
    pub async fn task_activity(
        &self,
        id: ProjectId,
        caller: Caller,
        task: TaskId,
    ) -> Result<Vec<ActivityEntry>> {
        self.authorize_task_read(id, caller, Some(task)).await?;
        Ok(self.store().task_activity(id, task).await?)
    }

    /// Edits or deletes a comment (`UpdateComment`, `DeleteComment`). As in Paca, an id that
    /// names one of the task's activities that is not a comment answers 400
    /// `ACTIVITY_NOT_A_COMMENT`; only an id that names nothing is 404.
    pub async fn comment_command<C: OnComment>(
        &self,
        id: ProjectId,
        caller: Caller,
        command: C,
    ) -> Result<C::Reply> {
        let (task, comment) = command.comment();
        let result = self.command(id, caller, command).await;
        match result {
            Err(err) if err.code() == codes::ACTIVITY_NOT_FOUND => {
                // Only callers the actor let this far (they may write the task) get here.
                let feed = self
                    .store()
                    .task_activity(id, task)
                    .await
                    .unwrap_or_default();
                if feed
                    .iter()
                    .any(|a| a.id == comment.0 && a.activity_type != "comment")
                {
                    return Err(Error::invalid(
                        codes::ACTIVITY_NOT_A_COMMENT,
                        "activity: only comments can be edited or deleted",
                    ));
                }
                Err(err)
            }
            other => other,
        }
    }

    /// The project's members, with each user's full name as it is now: the actor keeps the
    /// names it loaded or was given, and a user may have renamed themself since.
    pub async fn members(&self, id: ProjectId, caller: Caller) -> Result<Vec<MemberView>> {
        let mut members = self.read(id, caller, ListMembers).await?;
        let names: HashMap<UserId, String> = self
            .store()
            .member_full_names(id)
            .await?
            .into_iter()
            .collect();
        for view in &mut members {
            if let Some(name) = view.member.user_id.and_then(|u| names.get(&u)) {
                view.member.full_name.clone_from(name);
            }
        }
        Ok(members)
    }

    async fn authorize_task_read(
        &self,
        id: ProjectId,
        caller: Caller,
        task: Option<TaskId>,
    ) -> Result<()> {
        self.read(id, caller, AuthorizeTaskRead { task }).await
    }
}
