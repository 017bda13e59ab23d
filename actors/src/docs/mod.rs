//! Documents (docs/design-docs.md): the service the edges call. A document's metadata (title,
//! folder, position, authors) is project state, written by its project's commits with the
//! `doc.*` events; its content is a Yjs document (the shape BlockNote's collaboration writes)
//! owned by the document's [`actor::DocActor`]. REST reads render the Yjs state as BlockNote
//! JSON; REST writes diff the new BlockNote JSON against it and apply the difference as one Yjs
//! transaction, appended to the store before anything derived from it is answered.

pub mod actor;
pub mod blocknote;
pub mod content;
pub mod live;

use crate::bus::{Bus, EVENTS_CHANNEL};
use crate::error::{Error, Result, codes};
use crate::ids::{DocCommentId, DocFolderId, DocSnapshotId, DocumentId, ProjectId};
use crate::patch::Patch;
use crate::project::access::Caller;
use crate::project::command::{
    AddDocComment, ContentChange, CreateDocument, DeleteDocComment, DeleteDocument,
    UpdateDocComment, UpdateDocument,
};
use crate::project::docs::{
    AuthorizeDoc, CanWriteDocs, CheckDocUpdate, DocAccess, DocComments, DocumentView, doc_not_found,
};
use crate::project::events::EventKind;
use crate::project::registry::Projects;
use crate::registry::{Reached, Registry, RegistryConfig};
use crate::store::{DocActivityEntry, DocSnapshotView, Store};
use actor::{DocKind, DocLimits, DocMsg, Edit, EditOutcome, Join};
use live::{Inbound, SessionLink};
use serde_json::Value;
use std::sync::Arc;
use yrs::{ReadTxn, StateVector, Transact};

/// A new document (Paca's create body).
#[derive(Clone, Debug, Default)]
pub struct NewDocument {
    pub title: String,
    pub folder_id: Option<DocFolderId>,
    /// BlockNote JSON; `None` or `null`: an empty document.
    pub content: Option<Value>,
}

/// Paca's document PATCH: each field tri-state or optional.
#[derive(Clone, Debug, Default)]
pub struct DocumentChanges {
    pub title: Option<String>,
    pub content: Patch<Value>,
    pub folder_id: Patch<DocFolderId>,
    pub position: Option<i32>,
}

/// Cheap-clone handle to the documents of this node.
#[derive(Clone)]
pub struct Docs {
    projects: Projects,
    registry: Registry<DocKind>,
    store: Arc<dyn Store>,
    limits: DocLimits,
    watchers: Arc<Vec<tokio::task::JoinHandle<()>>>,
}

impl Docs {
    /// Starts the document actors of this node and the watchers that keep them current: other
    /// nodes' edits and awareness (`corral.docs`), deletions and access changes (the events).
    pub async fn start(
        store: Arc<dyn Store>,
        bus: Arc<dyn Bus>,
        projects: Projects,
        limits: DocLimits,
    ) -> Result<Self> {
        let config = RegistryConfig {
            max_in_flight: 256,
            ..RegistryConfig::default()
        };
        let node: Arc<str> = uuid::Uuid::new_v4().to_string().into();
        let registry = Registry::start(
            DocKind {
                store: store.clone(),
                bus: bus.clone(),
                projects: projects.clone(),
                limits,
                node,
            },
            config,
        )
        .await?;
        let subscribe = |channel: &'static str| {
            let bus = bus.clone();
            async move {
                bus.subscribe(channel)
                    .await
                    .map_err(|e| Error::Unavailable(format!("subscribing to {channel}: {e}")))
            }
        };
        let mut relays = subscribe(live::DOCS_CHANNEL).await?;
        let mut events = subscribe(EVENTS_CHANNEL).await?;
        let to_replicas = {
            let registry = registry.clone();
            tokio::spawn(async move {
                while let Some(message) = relays.recv().await {
                    let Ok(relay) = serde_json::from_str::<live::Relay>(&message.payload) else {
                        continue;
                    };
                    registry.tell_if_live(relay.doc, DocMsg::Remote(Box::new(relay)));
                }
            })
        };
        let to_access = {
            let registry = registry.clone();
            tokio::spawn(async move {
                while let Some(message) = events.recv().await {
                    follow_event(&registry, &message.payload);
                }
            })
        };
        Ok(Self {
            projects,
            registry,
            store,
            limits,
            watchers: Arc::new(vec![to_replicas, to_access]),
        })
    }

    pub fn limits(&self) -> &DocLimits {
        &self.limits
    }

    /// How many documents are live on this node.
    pub fn live(&self) -> usize {
        self.registry.live()
    }

    pub async fn create(
        &self,
        project: ProjectId,
        caller: Caller,
        new: NewDocument,
    ) -> Result<DocumentView> {
        self.projects
            .read(project, caller.clone(), CanWriteDocs)
            .await?;
        let blocks = match new.content {
            None | Some(Value::Null) => content::empty_document(),
            Some(blocks) => {
                content::check_shape(&blocks)?;
                blocks
            }
        };
        let (state, rendered) = self.initial_state(&blocks)?;
        let document = self
            .projects
            .command(
                project,
                caller,
                CreateDocument {
                    document_id: DocumentId::new(),
                    title: new.title,
                    folder_id: new.folder_id,
                    state,
                    folder_elsewhere: false,
                },
            )
            .await?;
        Ok(DocumentView {
            document,
            content: rendered,
        })
    }

    /// A new document's Yjs state and its content as read back.
    fn initial_state(&self, blocks: &Value) -> Result<(Vec<u8>, Value)> {
        let doc = blocknote::new_doc();
        let fragment = doc.get_or_insert_xml_fragment(blocknote::FRAGMENT);
        let mut txn = doc.transact_mut();
        blocknote::write(&mut txn, &fragment, blocks).map_err(content::invalid)?;
        let state = txn.encode_state_as_update_v1(&StateVector::default());
        if state.len() > self.limits.max_bytes {
            return Err(content::too_large(self.limits.max_bytes));
        }
        let read = blocknote::read(&txn, &fragment);
        let rendered = if content::is_empty(&read) {
            Value::Null
        } else {
            read
        };
        Ok((state, rendered))
    }

    pub async fn get(
        &self,
        project: ProjectId,
        caller: Caller,
        id: DocumentId,
    ) -> Result<DocumentView> {
        let access = self.authorize(project, caller, id, false).await?;
        let content = self.render(id).await?;
        Ok(DocumentView {
            document: access.document,
            content,
        })
    }

    pub async fn update(
        &self,
        project: ProjectId,
        caller: Caller,
        id: DocumentId,
        changes: DocumentChanges,
    ) -> Result<DocumentView> {
        let check = CheckDocUpdate {
            document_id: id,
            title: changes.title.clone(),
            folder_id: changes.folder_id.clone(),
        };
        let access = match self.projects.read(project, caller.clone(), check).await {
            Err(err) if err.code() == codes::DOC_FOLDER_NOT_FOUND => {
                return Err(self.folder_error(project, &changes.folder_id, err).await);
            }
            other => other?,
        };
        let blocks = match changes.content {
            Patch::Absent => None,
            Patch::Null => Some(content::empty_document()),
            Patch::Value(Value::Null) => Some(content::empty_document()),
            Patch::Value(blocks) => {
                content::check_shape(&blocks)?;
                blocknote::validate(&blocks).map_err(content::invalid)?;
                Some(blocks)
            }
        };
        let retitled = changes
            .title
            .as_deref()
            .is_some_and(|t| t.trim() != access.document.title);
        let outcome = if blocks.is_some() || retitled {
            Some(
                self.edit(
                    id,
                    Edit {
                        blocks,
                        member: access.member,
                        title_before: access.document.title.clone(),
                        retitles: retitled,
                        force_snapshot: false,
                    },
                )
                .await?,
            )
        } else {
            None
        };
        let command = UpdateDocument {
            document_id: id,
            title: changes.title,
            folder_id: changes.folder_id,
            position: changes.position,
            content: outcome.as_ref().map(|o| ContentChange {
                old: o.old.clone(),
                new: o.new.clone(),
            }),
            restored_from: None,
            folder_elsewhere: false,
        };
        let document = self.projects.command(project, caller, command).await?;
        let content = match outcome {
            Some(o) => o.new,
            None => self.render(id).await?,
        };
        Ok(DocumentView { document, content })
    }

    /// The error for a folder the project does not hold: in another project, or unknown.
    async fn folder_error(
        &self,
        project: ProjectId,
        folder: &Patch<DocFolderId>,
        not_found: Error,
    ) -> Error {
        let Patch::Value(folder) = folder else {
            return not_found;
        };
        match self.store.doc_folder_project(*folder).await {
            Ok(Some(other)) if other != project => Error::invalid(
                codes::DOC_FOLDER_NOT_IN_PROJECT,
                "document: the folder belongs to another project",
            ),
            _ => not_found,
        }
    }

    pub async fn delete(&self, project: ProjectId, caller: Caller, id: DocumentId) -> Result<()> {
        self.projects
            .command(project, caller, DeleteDocument { document_id: id })
            .await?;
        self.registry.tell_if_live(id, DocMsg::Deleted);
        Ok(())
    }

    pub async fn snapshots(
        &self,
        project: ProjectId,
        caller: Caller,
        id: DocumentId,
    ) -> Result<Vec<DocSnapshotView>> {
        self.authorize(project, caller, id, false).await?;
        Ok(self.store.doc_snapshots(id).await?)
    }

    pub async fn snapshot(
        &self,
        project: ProjectId,
        caller: Caller,
        id: DocumentId,
        snapshot: DocSnapshotId,
    ) -> Result<DocSnapshotView> {
        self.authorize(project, caller, id, false).await?;
        self.store
            .doc_snapshot(id, snapshot)
            .await?
            .ok_or_else(snapshot_not_found)
    }

    /// Brings a snapshot back as a new edit (after a snapshot of the current state, so the
    /// restore can itself be undone); live editors see it like any edit.
    pub async fn restore(
        &self,
        project: ProjectId,
        caller: Caller,
        id: DocumentId,
        snapshot: DocSnapshotId,
    ) -> Result<DocumentView> {
        let access = self.authorize(project, caller.clone(), id, true).await?;
        let saved = self
            .store
            .doc_snapshot(id, snapshot)
            .await?
            .ok_or_else(snapshot_not_found)?;
        let blocks = if saved.content.is_null() {
            content::empty_document()
        } else {
            saved.content.clone()
        };
        let outcome = self
            .edit(
                id,
                Edit {
                    blocks: Some(blocks),
                    member: access.member,
                    title_before: access.document.title.clone(),
                    retitles: saved.title != access.document.title,
                    force_snapshot: true,
                },
            )
            .await?;
        let command = UpdateDocument {
            document_id: id,
            title: (saved.title != access.document.title).then_some(saved.title),
            folder_id: Patch::Absent,
            position: None,
            content: Some(ContentChange {
                old: outcome.old,
                new: outcome.new.clone(),
            }),
            restored_from: Some(snapshot),
            folder_elsewhere: false,
        };
        let document = self.projects.command(project, caller, command).await?;
        Ok(DocumentView {
            document,
            content: outcome.new,
        })
    }

    /// The document's activity feed: its events (created, updated, moved) from the log and
    /// its live comments as they are now, oldest first.
    pub async fn activities(
        &self,
        project: ProjectId,
        caller: Caller,
        id: DocumentId,
    ) -> Result<Vec<DocActivityEntry>> {
        let comments = self
            .projects
            .read(project, caller, DocComments { document_id: id })
            .await?;
        let mut feed = self.store.doc_activity(project, id).await?;
        feed.extend(comments);
        feed.sort_by_key(|e| e.created_at);
        Ok(feed)
    }

    pub async fn add_comment(
        &self,
        project: ProjectId,
        caller: Caller,
        id: DocumentId,
        content: Value,
    ) -> Result<DocActivityEntry> {
        let command = AddDocComment {
            document_id: id,
            content,
        };
        self.projects.command(project, caller, command).await
    }

    pub async fn update_comment(
        &self,
        project: ProjectId,
        caller: Caller,
        id: DocumentId,
        comment: DocCommentId,
        content: Value,
    ) -> Result<DocActivityEntry> {
        let command = UpdateDocComment {
            document_id: id,
            comment_id: comment,
            content,
        };
        let result = self.projects.command(project, caller, command).await;
        self.not_a_comment(project, id, comment, result).await
    }

    pub async fn delete_comment(
        &self,
        project: ProjectId,
        caller: Caller,
        id: DocumentId,
        comment: DocCommentId,
    ) -> Result<()> {
        let command = DeleteDocComment {
            document_id: id,
            comment_id: comment,
        };
        let result = self.projects.command(project, caller, command).await;
        self.not_a_comment(project, id, comment, result).await
    }

    /// Tells an id of one of the document's other activities (Paca's 400) from an unknown one.
    async fn not_a_comment<T>(
        &self,
        project: ProjectId,
        id: DocumentId,
        comment: DocCommentId,
        result: Result<T>,
    ) -> Result<T> {
        match result {
            Err(err) if err.code() == codes::DOC_ACTIVITY_NOT_FOUND => {
                let feed = self.store.doc_activity(project, id).await?;
                if feed.iter().any(|e| e.id == comment.0) {
                    return Err(Error::invalid(
                        codes::DOC_ACTIVITY_NOT_A_COMMENT,
                        "document activity: not a comment",
                    ));
                }
                Err(err)
            }
            other => other,
        }
    }

    /// Stops every document actor, compacting none (their updates are already stored); their
    /// editors are told to reconnect.
    pub async fn shutdown(&self) {
        for watcher in self.watchers.iter() {
            watcher.abort();
        }
        self.registry.shutdown().await;
    }

    /// Connects a live editor to a document: the caller must be signed in and may read it;
    /// whether they may write is decided here and again whenever the project's access changes.
    pub async fn connect(&self, caller: Caller, id: DocumentId) -> Result<DocConnection> {
        if caller.user_id.is_none() && caller.agent_member.is_none() {
            return Err(Error::unauthorized(
                codes::AUTH_UNAUTHENTICATED,
                "live editing needs a signed-in user",
            ));
        }
        let Some(handle) = self.registry.activate(id, false).await? else {
            return Err(doc_not_found());
        };
        let project = handle.shared.project;
        let access = self.authorize(project, caller.clone(), id, false).await?;
        let join = Join {
            caller,
            member: access.member,
            can_write: access.can_write,
        };
        let reached = self
            .registry
            .request(
                id,
                false,
                Box::new(join),
                DocMsg::Join,
                |message| match message {
                    DocMsg::Join(join, _) => Some(join),
                    _ => None,
                },
            )
            .await?;
        let link = match reached {
            Reached::Answer(link) => link,
            Reached::Missing(_) => return Err(doc_not_found()),
        };
        let handle = self.registry.get(id).unwrap_or(handle);
        Ok(DocConnection {
            document: id,
            session: link.id,
            link: Some(link),
            handle,
        })
    }

    async fn authorize(
        &self,
        project: ProjectId,
        caller: Caller,
        id: DocumentId,
        write: bool,
    ) -> Result<DocAccess> {
        let query = AuthorizeDoc {
            document_id: id,
            write,
        };
        self.projects.read(project, caller, query).await
    }

    async fn render(&self, id: DocumentId) -> Result<Value> {
        let reached = self
            .registry
            .request(
                id,
                false,
                (),
                |(), reply| DocMsg::Render(reply),
                |message| matches!(message, DocMsg::Render(_)).then_some(()),
            )
            .await?;
        match reached {
            Reached::Answer(content) => Ok(content),
            Reached::Missing(()) => Err(doc_not_found()),
        }
    }

    async fn edit(&self, id: DocumentId, edit: Edit) -> Result<EditOutcome> {
        let reached = self
            .registry
            .request(
                id,
                false,
                Box::new(edit),
                DocMsg::Edit,
                |message| match message {
                    DocMsg::Edit(edit, _) => Some(edit),
                    _ => None,
                },
            )
            .await?;
        match reached {
            Reached::Answer(outcome) => Ok(outcome),
            Reached::Missing(_) => Err(doc_not_found()),
        }
    }
}

fn snapshot_not_found() -> Error {
    Error::not_found(
        codes::DOC_SNAPSHOT_NOT_FOUND,
        "document snapshot: not found",
    )
}

/// Tells live documents about events that concern them: deleted (their editors are closed),
/// or the project's access changed (their editors are authorized again).
fn follow_event(registry: &Registry<DocKind>, payload: &str) {
    #[derive(serde::Deserialize)]
    struct Envelope {
        #[serde(rename = "type")]
        kind: String,
        project_id: Option<ProjectId>,
        #[serde(default)]
        payload: Value,
    }
    let Ok(event) = serde_json::from_str::<Envelope>(payload) else {
        return;
    };
    let Some(kind) = EventKind::parse(&event.kind) else {
        return;
    };
    if kind == EventKind::DocDeleted {
        if let Some(doc) = event.payload["document_id"]
            .as_str()
            .and_then(|d| d.parse().ok())
        {
            registry.tell_if_live(DocumentId(doc), DocMsg::Deleted);
        }
        return;
    }
    if !kind.changes_access() {
        return;
    }
    let Some(project) = event.project_id else {
        return;
    };
    for (doc, handle) in registry.live_handles() {
        if handle.shared.project == project {
            registry.tell_if_live(doc, DocMsg::Recheck);
        }
    }
}

/// A live editor's connection to a document's actor on this node. Dropping it leaves.
pub struct DocConnection {
    pub document: DocumentId,
    session: live::SessionId,
    link: Option<SessionLink>,
    handle: crate::registry::Handle<DocKind>,
}

impl DocConnection {
    /// The frames to send and the close signal (taken once, by the connection's loop).
    pub fn take_link(&mut self) -> Option<SessionLink> {
        self.link.take()
    }

    /// Passes a client's frame to the document; waits while too many of this editor's frames
    /// are waiting already (the connection stops reading, so a flood backs up to its sender).
    /// False when the document's actor is gone.
    pub async fn send(&self, slots: &Arc<tokio::sync::Semaphore>, data: Vec<u8>) -> bool {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return false;
        };
        let inbound = Inbound {
            session: self.session,
            data,
            _slot: slot,
        };
        if self.handle.shared.inbox.push(inbound) {
            return self.handle.actor.send_message(DocMsg::Drain).is_ok();
        }
        true
    }
}

impl Drop for DocConnection {
    fn drop(&mut self) {
        let _ = self.handle.actor.send_message(DocMsg::Leave(self.session));
    }
}
