//! Comments on documents (Paca's doc activities of type `comment`). Only members comment; only
//! the author edits or deletes; the document must be this project's, live.

use super::Stage;
use super::comments::CONTENT_MAX_BYTES;
use super::members::member_not_found;
use crate::error::{Error, Result, codes};
use crate::ids::{DocCommentId, DocumentId, NotificationId, UserId};
use crate::project::access::{self, DOCS_WRITE};
use crate::project::batch::{Change, Notification, NotificationKind};
use crate::project::docs::{DocComment, comment_entry, live_document};
use crate::project::events::EventKind;
use crate::project::mention;
use crate::store::DocActivityEntry;
use serde_json::{Value, json};

command!(AddDocComment { document_id: DocumentId, content: Value } -> DocActivityEntry,
    |c, s| add(s, c.document_id, &c.content));
command!(UpdateDocComment { document_id: DocumentId, comment_id: DocCommentId, content: Value }
    -> DocActivityEntry,
    |c, s| update(s, c.document_id, c.comment_id, &c.content));
command!(DeleteDocComment { document_id: DocumentId, comment_id: DocCommentId } -> (),
    |c, s| delete(s, c.document_id, c.comment_id));

/// Paca's rule: a non-empty BlockNote array or `{"text": non-blank}`.
fn content(raw: &Value) -> Result<Value> {
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
        return Err(Error::invalid(
            codes::DOC_COMMENT_CONTENT_INVALID,
            "document comment: content must be a non-empty BlockNote document or {\"text\": …}",
        ));
    }
    if raw.to_string().len() > CONTENT_MAX_BYTES {
        return Err(Error::bad_request(format!(
            "content must be at most {CONTENT_MAX_BYTES} bytes"
        )));
    }
    Ok(raw.clone())
}

fn not_found() -> Error {
    Error::not_found(
        codes::DOC_ACTIVITY_NOT_FOUND,
        "document activity: not found",
    )
}

/// The comment, which must be on this document, live, and the caller's.
fn own_comment(s: &Stage<'_>, document: DocumentId, id: DocCommentId) -> Result<DocComment> {
    let comment = s
        .state
        .doc_comments
        .get(&id)
        .filter(|c| c.document_id == document && c.deleted_at.is_none())
        .cloned()
        .ok_or_else(not_found)?;
    if s.caller_member().map(|m| m.id) != Some(comment.author_id) {
        return Err(Error::Forbidden {
            code: codes::DOC_ACTIVITY_FORBIDDEN,
            message: "document activity: only the author can modify this comment".into(),
        });
    }
    Ok(comment)
}

fn add(s: &mut Stage<'_>, document: DocumentId, raw: &Value) -> Result<DocActivityEntry> {
    access::require(s.state, s.caller, DOCS_WRITE)?;
    live_document(s.state, document)?;
    let content = content(raw)?;
    let author = s.caller_member().ok_or_else(member_not_found)?;
    let comment = DocComment {
        id: DocCommentId::new(),
        project_id: s.project_id(),
        document_id: document,
        author_id: author.id,
        content,
        created_at: s.now,
        updated_at: s.now,
        deleted_at: None,
    };
    s.put(Change::DocComment(comment.clone()));
    emit(s, EventKind::DocCommentAdded, &comment);
    notify_mentions(s, &comment, &[]);
    Ok(comment_entry(s.state, &comment))
}

fn update(
    s: &mut Stage<'_>,
    document: DocumentId,
    id: DocCommentId,
    raw: &Value,
) -> Result<DocActivityEntry> {
    access::require(s.state, s.caller, DOCS_WRITE)?;
    live_document(s.state, document)?;
    let mut comment = own_comment(s, document, id)?;
    let before = mention::find(&comment.content).ids;
    comment.content = content(raw)?;
    comment.updated_at = s.now;
    s.put(Change::DocComment(comment.clone()));
    emit(s, EventKind::DocCommentUpdated, &comment);
    let already: Vec<UserId> = before.into_iter().map(UserId).collect();
    notify_mentions(s, &comment, &already);
    Ok(comment_entry(s.state, &comment))
}

fn delete(s: &mut Stage<'_>, document: DocumentId, id: DocCommentId) -> Result<()> {
    access::require(s.state, s.caller, DOCS_WRITE)?;
    live_document(s.state, document)?;
    let mut comment = own_comment(s, document, id)?;
    comment.deleted_at = Some(s.now);
    comment.updated_at = s.now;
    s.put(Change::DocComment(comment.clone()));
    emit(s, EventKind::DocCommentDeleted, &comment);
    Ok(())
}

/// A comment event: subject the document (its feed), the comment's id in the payload.
fn emit(s: &mut Stage<'_>, kind: EventKind, c: &DocComment) {
    let content = if kind == EventKind::DocCommentDeleted {
        Value::Null
    } else {
        c.content.clone()
    };
    s.emit(
        kind,
        None,
        Some(c.document_id.0),
        json!({"id": c.id, "document_id": c.document_id, "project_id": c.project_id,
               "activity_type": "comment", "content": content,
               "actor_id": s.caller.user_id, "actor_member_id": c.author_id,
               "created_at": c.created_at, "updated_at": c.updated_at}),
    );
}

/// Notifies the members the comment mentions (by `teamMention` id or `@username`), not its
/// author and not those an earlier version already mentioned, once each (Paca notifies no one).
fn notify_mentions(s: &mut Stage<'_>, c: &DocComment, already: &[UserId]) {
    for user in super::comments::to_notify(s, &c.content, already) {
        let n = Notification {
            id: NotificationId::new(),
            recipient_user_id: user,
            actor_member_id: Some(c.author_id),
            kind: NotificationKind::Mentioned,
            task_id: None,
            document_id: Some(c.document_id),
            project_id: c.project_id,
            created_at: s.now,
        };
        s.emit(
            EventKind::NotificationCreated,
            None,
            Some(n.id.0),
            json!({"id": n.id, "recipient_user_id": user, "actor_member_id": c.author_id,
                   "type": NotificationKind::Mentioned.as_str(), "task_id": null,
                   "document_id": c.document_id, "project_id": c.project_id,
                   "created_at": s.now}),
        );
        s.put(Change::Notification(n));
    }
}
