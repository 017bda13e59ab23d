//! Comments on tasks. Only members comment; only the author edits or deletes; @mentions of
//! members notify them.

use super::Stage;
use super::members::member_not_found;
use super::tasks::{notify, task_not_found};
use crate::error::{Error, Result, codes};
use crate::ids::{CommentId, TaskId, UserId};
use crate::project::access::{self, TASKS_WRITE};
use crate::project::batch::{Change, NotificationKind};
use crate::project::events::EventKind;
use crate::project::mention;
use crate::project::model::{Comment, Task};
use serde_json::{Value, json};

command!(AddComment { task_id: TaskId, content: Value } -> CommentView,
    |c, s| add(s, c.task_id, &c.content));
command!(UpdateComment { task_id: TaskId, comment_id: CommentId, content: Value } -> CommentView,
    |c, s| update(s, c.task_id, c.comment_id, &c.content));
command!(DeleteComment { task_id: TaskId, comment_id: CommentId } -> (),
    |c, s| delete(s, c.task_id, c.comment_id));

/// A command on one comment of a task (`Projects::comment_command` tells a missing comment
/// from an activity that is not a comment).
pub trait OnComment: super::ProjectCommand {
    /// The task and the comment.
    fn comment(&self) -> (TaskId, CommentId);
}

impl OnComment for UpdateComment {
    fn comment(&self) -> (TaskId, CommentId) {
        (self.task_id, self.comment_id)
    }
}

impl OnComment for DeleteComment {
    fn comment(&self) -> (TaskId, CommentId) {
        (self.task_id, self.comment_id)
    }
}

/// Largest comment, serialized.
pub const CONTENT_MAX_BYTES: usize = 256 * 1024;

/// A comment with its author's names.
#[derive(Clone, Debug, PartialEq)]
pub struct CommentView {
    pub comment: Comment,
    pub author_username: String,
    pub author_full_name: String,
}

fn content(raw: &Value) -> Result<Value> {
    let invalid = || {
        Error::invalid(
            codes::ACTIVITY_COMMENT_CONTENT_INVALID,
            "activity: comment content must not be empty",
        )
    };
    let ok = match raw {
        Value::Array(blocks) => {
            !blocks.is_empty() && mention::check_blocknote(raw, "content").is_ok()
        }
        Value::Object(o) => o
            .get("text")
            .and_then(Value::as_str)
            .is_some_and(|t| !t.trim().is_empty()),
        _ => false,
    };
    if !ok {
        return Err(invalid());
    }
    if raw.to_string().len() > CONTENT_MAX_BYTES {
        return Err(Error::bad_request(format!(
            "content must be at most {CONTENT_MAX_BYTES} bytes"
        )));
    }
    Ok(raw.clone())
}

fn view(s: &Stage<'_>, comment: Comment) -> CommentView {
    let author = s.state.members.get(&comment.author_id);
    CommentView {
        author_username: author.map(|m| m.username.clone()).unwrap_or_default(),
        author_full_name: author.map(|m| m.full_name.clone()).unwrap_or_default(),
        comment,
    }
}

/// The comment, which must be the caller's and on this task.
fn own_comment(s: &Stage<'_>, task_id: TaskId, id: CommentId) -> Result<Comment> {
    let comment = s
        .state
        .live_comment(id)
        .filter(|c| c.task_id == task_id)
        .cloned()
        .ok_or_else(|| Error::not_found(codes::ACTIVITY_NOT_FOUND, "activity: not found"))?;
    let me = s.caller_member().map(|m| m.id);
    if me != Some(comment.author_id) {
        return Err(Error::Forbidden {
            code: codes::ACTIVITY_FORBIDDEN,
            message: "activity: only the author can modify this comment".into(),
        });
    }
    Ok(comment)
}

/// The members a comment mentions (by `teamMention` id or `@username`) who are to be
/// notified: once each, not its author, not those in `already`.
pub(super) fn to_notify(s: &Stage<'_>, doc: &Value, already: &[UserId]) -> Vec<UserId> {
    let found = mention::find(doc);
    let mut users: Vec<UserId> = found
        .ids
        .into_iter()
        .map(UserId)
        .filter(|u| s.state.member_of(*u).is_some())
        .collect();
    for name in &found.usernames {
        let member = s.state.members.values().find(|m| {
            m.deleted_at.is_none() && m.user_id.is_some() && m.username.eq_ignore_ascii_case(name)
        });
        if let Some(user) = member.and_then(|m| m.user_id)
            && !users.contains(&user)
        {
            users.push(user);
        }
    }
    users.retain(|u| Some(*u) != s.caller.user_id && !already.contains(u));
    users
}

/// Notifies members mentioned in the content (not the author, once each).
fn notify_mentions(s: &mut Stage<'_>, task: &Task, doc: &Value, already: &[UserId]) {
    let actor = s.caller_member().map(|m| m.id);
    for user in to_notify(s, doc, already) {
        notify(s, user, actor, NotificationKind::Mentioned, task);
    }
}

/// Starts a conversation for each agent mentioned (by `teamMention` id or `@handle`), except
/// the author itself.
fn trigger_mentioned_agents(
    s: &mut Stage<'_>,
    task: &Task,
    comment: crate::ids::CommentId,
    doc: &Value,
) {
    let found = mention::find(doc);
    let author = s.caller_member().map(|m| m.id);
    let mut agents: Vec<crate::ids::AgentId> = Vec::new();
    for a in s.state.agents.values().filter(|a| a.deleted_at.is_none()) {
        let named = found.ids.contains(&a.id.0)
            || found
                .usernames
                .iter()
                .any(|n| n.eq_ignore_ascii_case(&a.handle));
        if named && Some(a.member_id) != author && !agents.contains(&a.id) {
            agents.push(a.id);
        }
    }
    let text = mention::plain_text(doc);
    for agent in agents {
        super::agents::trigger(
            s,
            agent,
            task,
            "comment_mention",
            Some(comment),
            text.clone(),
        );
    }
}

fn mentioned_users(doc: &Value) -> Vec<UserId> {
    mention::find(doc).ids.into_iter().map(UserId).collect()
}

fn event_payload(s: &Stage<'_>, comment: &Comment, activity_type: &str) -> Value {
    json!({
        "id": comment.id,
        "task_id": comment.task_id,
        "project_id": comment.project_id,
        "actor_id": s.caller.user_id,
        "actor_member_id": comment.author_id,
        "activity_type": activity_type,
        "content": comment.content,
        "created_at": comment.created_at,
        "updated_at": comment.updated_at,
    })
}

pub(super) fn add(s: &mut Stage<'_>, task_id: TaskId, raw: &Value) -> Result<CommentView> {
    access::require(s.state, s.caller, TASKS_WRITE)?;
    let content = content(raw)?;
    let task = s
        .state
        .live_task(task_id)
        .cloned()
        .ok_or_else(task_not_found)?;
    let author = s.caller_member().ok_or_else(member_not_found)?;
    let comment = Comment {
        id: CommentId::new(),
        project_id: task.project_id,
        task_id,
        author_id: author.id,
        content,
        created_at: s.now,
        updated_at: s.now,
        deleted_at: None,
    };
    s.put(Change::Comment(comment.clone()));
    let payload = event_payload(s, &comment, "comment");
    s.emit(
        EventKind::CommentAdded,
        Some(task_id),
        Some(comment.id.0),
        payload,
    );
    notify_mentions(s, &task, &comment.content, &[]);
    trigger_mentioned_agents(s, &task, comment.id, &comment.content);
    Ok(view(s, comment))
}

pub(super) fn update(
    s: &mut Stage<'_>,
    task_id: TaskId,
    id: CommentId,
    raw: &Value,
) -> Result<CommentView> {
    access::require(s.state, s.caller, TASKS_WRITE)?;
    let content = content(raw)?;
    let mut comment = own_comment(s, task_id, id)?;
    let before = mentioned_users(&comment.content);
    comment.content = content;
    comment.updated_at = s.now;
    s.put(Change::Comment(comment.clone()));
    let payload = event_payload(s, &comment, "comment");
    s.emit(
        EventKind::CommentUpdated,
        Some(task_id),
        Some(id.0),
        payload,
    );
    if let Some(task) = s.state.live_task(task_id).cloned() {
        notify_mentions(s, &task, &comment.content, &before);
    }
    Ok(view(s, comment))
}

pub(super) fn delete(s: &mut Stage<'_>, task_id: TaskId, id: CommentId) -> Result<()> {
    access::require(s.state, s.caller, TASKS_WRITE)?;
    let mut comment = own_comment(s, task_id, id)?;
    comment.deleted_at = Some(s.now);
    comment.updated_at = s.now;
    s.put(Change::Comment(comment.clone()));
    s.emit(
        EventKind::CommentDeleted,
        Some(task_id),
        Some(id.0),
        json!({"id": id, "task_id": task_id, "project_id": comment.project_id, "actor_id": s.caller.user_id}),
    );
    Ok(())
}
