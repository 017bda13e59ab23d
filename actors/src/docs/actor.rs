//! One document's content: a `DocActor` holds the document's Yjs state (`yrs`), renders it as
//! BlockNote JSON, applies REST edits as Yjs transactions, serves the live editors connected
//! to this node (the y-websocket protocol, [`super::live`]) and appends every update to the
//! store before anyone sees it: no answer, relayed update or render holds an update that is
//! not committed. Activation, passivation, supervision and admission come from the generic
//! [`Registry`](crate::registry::Registry) ([`DocKind`]).
//!
//! Several nodes may each hold a replica of one document (docs/design-docs.md §9): the store
//! orders every document's updates (gapless sequences), a replica tells the others what it
//! appended on the bus, and one that sees a gap (or answers a REST read) catches up from the
//! store. Yjs updates are idempotent and commutative, so applying one twice, or out of order,
//! changes nothing.

use super::blocknote;
use super::live::{self, AwarenessStates, Inbox, Message, Relay, Session, SessionId, SessionLink};
use crate::bus::Bus;
use crate::error::{Error, Result, codes};
use crate::ids::{DocSnapshotId, DocumentId, MemberId, ProjectId};
use crate::project::access::Caller;
use crate::project::command::RecordLiveEdit;
use crate::project::docs::AuthorizeDoc;
use crate::project::registry::Projects;
use crate::registry::{Activation, ActorKind, KindErrors};
use crate::store::{DocAppend, NewDocSnapshot, Store};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{ReadTxn, StateVector, Transact, Update};

/// The limits an operator sets (README, "Documents").
#[derive(Clone, Copy, Debug)]
pub struct DocLimits {
    /// Largest document: its whole Yjs state, encoded.
    pub max_bytes: usize,
    /// A document with no request for this long passivates.
    pub idle_timeout: Duration,
    /// Paca's coalescing: a snapshot of the state before an edit when the newest is older.
    pub snapshot_interval: Duration,
    /// Appended updates that trigger a compaction into the stored state.
    pub compact_updates: usize,
    /// Largest update one message may carry.
    pub update_max_bytes: usize,
    /// Live editors of one document on one node.
    pub max_editors: usize,
    /// Frames waiting for one editor before it is cut off.
    pub outbox_frames: usize,
}

impl Default for DocLimits {
    fn default() -> Self {
        Self {
            max_bytes: 16 * 1024 * 1024,
            idle_timeout: Duration::from_secs(60),
            snapshot_interval: Duration::from_secs(180),
            compact_updates: 500,
            update_max_bytes: 2 * 1024 * 1024,
            max_editors: 200,
            outbox_frames: 1024,
        }
    }
}

/// An edit to apply: new content (`None`: only the title changes), made by a member.
#[derive(Clone, Debug)]
pub struct Edit {
    pub blocks: Option<Value>,
    pub member: Option<MemberId>,
    /// The title before the edit, for the snapshot of the state before it.
    pub title_before: String,
    /// The title changes with this edit (a snapshot is due even when the content does not).
    pub retitles: bool,
    /// Snapshot the state before the edit whatever the interval (a restore).
    pub force_snapshot: bool,
}

/// What an edit did to the content (BlockNote JSON; `null` for an empty document).
#[derive(Clone, Debug)]
pub struct EditOutcome {
    pub old: Value,
    pub new: Value,
    pub snapshot: Option<DocSnapshotId>,
}

/// A live editor joining (authorized by the caller of [`super::Docs::connect`]).
pub struct Join {
    pub caller: Caller,
    pub member: Option<MemberId>,
    pub can_write: bool,
}

pub enum DocMsg {
    /// The content as BlockNote JSON (`null` when empty).
    Render(RpcReplyPort<Result<Value>>),
    Edit(Box<Edit>, RpcReplyPort<Result<EditOutcome>>),
    Join(Box<Join>, RpcReplyPort<Result<SessionLink>>),
    /// Frames are waiting in the inbox.
    Drain,
    Leave(SessionId),
    /// Another replica appended an update or relayed awareness.
    Remote(Box<Relay>),
    /// Who may read and write changed in the project: ask again for every editor.
    Recheck,
    /// The document was deleted: close the editors and stop.
    Deleted,
    Tick,
}

/// What the registry shares of a live document: its project, and the inbox connections push
/// frames into without a message each.
pub struct DocShared {
    pub project: ProjectId,
    pub inbox: Inbox,
}

/// Documents as a kind of actor, keyed by document id and loaded from `doc_states` and
/// `doc_updates`. Documents are created by their project's commit, never by activation.
pub struct DocKind {
    pub(super) store: Arc<dyn Store>,
    pub(super) bus: Arc<dyn Bus>,
    pub(super) projects: Projects,
    pub(super) limits: DocLimits,
    /// This node, in relayed messages (a replica ignores its own).
    pub(super) node: Arc<str>,
}

impl ActorKind for DocKind {
    type Key = DocumentId;
    type Actor = DocActor;
    type Shared = Arc<DocShared>;

    const ERRORS: KindErrors = KindErrors {
        noun: "document",
        busy: codes::DOC_BUSY,
        unavailable: codes::DOC_UNAVAILABLE,
        timeout: codes::DOC_TIMEOUT,
    };

    async fn activate(&self, id: DocumentId, _create: bool) -> Result<Option<Activation<Self>>> {
        let Some(load) = self.store.load_doc(id).await? else {
            return Ok(None);
        };
        let doc = blocknote::new_doc();
        {
            let mut txn = doc.transact_mut();
            apply_bytes(&mut txn, &load.state)?;
            for (_, update) in &load.updates {
                apply_bytes(&mut txn, update)?;
            }
        }
        let seq = load.updates.last().map_or(load.state_seq, |(seq, _)| *seq);
        let size = load.state.len() + load.updates.iter().map(|(_, u)| u.len()).sum::<usize>();
        let shared = Arc::new(DocShared {
            project: load.project_id,
            inbox: Inbox::default(),
        });
        Ok(Some(Activation {
            args: DocArgs {
                id,
                project: load.project_id,
                doc,
                seq,
                tail: load.updates.len(),
                size,
                last_snapshot_at: load.last_snapshot_at,
                store: self.store.clone(),
                bus: self.bus.clone(),
                projects: self.projects.clone(),
                limits: self.limits,
                node: self.node.clone(),
                shared: shared.clone(),
            },
            shared,
        }))
    }

    fn actor(&self) -> DocActor {
        DocActor
    }
}

fn apply_bytes(txn: &mut yrs::TransactionMut<'_>, bytes: &[u8]) -> Result<()> {
    let update = Update::decode_v1(bytes)
        .map_err(|e| Error::Internal(format!("a stored document update does not decode: {e}")))?;
    txn.apply_update(update)
        .map_err(|e| Error::Internal(format!("a stored document update does not apply: {e}")))
}

pub struct DocArgs {
    id: DocumentId,
    project: ProjectId,
    doc: yrs::Doc,
    seq: i64,
    tail: usize,
    size: usize,
    last_snapshot_at: Option<DateTime<Utc>>,
    store: Arc<dyn Store>,
    bus: Arc<dyn Bus>,
    projects: Projects,
    limits: DocLimits,
    node: Arc<str>,
    shared: Arc<DocShared>,
}

pub struct DocActor;

pub struct DocState {
    id: DocumentId,
    project: ProjectId,
    doc: yrs::Doc,
    fragment: yrs::XmlFragmentRef,
    /// The last update of the document's order applied here.
    seq: i64,
    /// Updates appended since the stored state (this replica's estimate).
    tail: usize,
    /// The stored state and the updates after it, in bytes (what `DOC_MAX_BYTES` bounds).
    size: usize,
    last_snapshot_at: Option<DateTime<Utc>>,
    /// The content as last rendered, until the next update.
    rendered: Option<Value>,
    last_used: Instant,
    store: Arc<dyn Store>,
    bus: Arc<dyn Bus>,
    projects: Projects,
    limits: DocLimits,
    node: Arc<str>,
    shared: Arc<DocShared>,
    sessions: HashMap<SessionId, Session>,
    next_session: SessionId,
    awareness: AwarenessStates,
    ticker: Option<ractor::concurrency::JoinHandle<()>>,
}

/// A client's awareness state is dropped when it is not renewed for this long (y-protocols'
/// `outdatedTimeout`; clients renew every 15 s).
const AWARENESS_TIMEOUT: Duration = Duration::from_secs(30);

impl Actor for DocActor {
    type Msg = DocMsg;
    type State = DocState;
    type Arguments = DocArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<DocMsg>,
        args: DocArgs,
    ) -> std::result::Result<DocState, ActorProcessingErr> {
        let period =
            (args.limits.idle_timeout / 2).clamp(Duration::from_millis(50), Duration::from_secs(5));
        let ticker = myself.send_interval(period, || DocMsg::Tick);
        let fragment = args.doc.get_or_insert_xml_fragment(blocknote::FRAGMENT);
        Ok(DocState {
            id: args.id,
            project: args.project,
            doc: args.doc,
            fragment,
            seq: args.seq,
            tail: args.tail,
            size: args.size,
            last_snapshot_at: args.last_snapshot_at,
            rendered: None,
            last_used: Instant::now(),
            store: args.store,
            bus: args.bus,
            projects: args.projects,
            limits: args.limits,
            node: args.node,
            shared: args.shared,
            sessions: HashMap::new(),
            next_session: 0,
            awareness: AwarenessStates::default(),
            ticker: Some(ticker),
        })
    }

    async fn post_stop(
        &self,
        _myself: ActorRef<DocMsg>,
        state: &mut DocState,
    ) -> std::result::Result<(), ActorProcessingErr> {
        if let Some(ticker) = state.ticker.take() {
            ticker.abort();
        }
        // A stopping actor's editors reconnect (to the next activation, or another node).
        for session in state.sessions.values() {
            session.close(
                live::close::UNAVAILABLE,
                "DOC_UNAVAILABLE: the document restarted",
            );
        }
        Ok(())
    }

    async fn handle(
        &self,
        myself: ActorRef<DocMsg>,
        message: DocMsg,
        state: &mut DocState,
    ) -> std::result::Result<(), ActorProcessingErr> {
        match message {
            DocMsg::Render(reply) => {
                state.last_used = Instant::now();
                let answer = match state.catch_up().await {
                    Ok(()) => Ok(state.render()),
                    Err(err) => Err(err),
                };
                let _ = reply.send(answer);
            }
            DocMsg::Edit(edit, reply) => {
                state.last_used = Instant::now();
                let answer = state.edit(*edit).await;
                let broken = answer.is_err();
                let _ = reply.send(answer);
                if broken {
                    // The in-memory document may hold an edit the store does not: start again
                    // from the store on next use.
                    myself.stop(Some("edit not stored".into()));
                } else if state.tail >= state.limits.compact_updates {
                    state.compact().await;
                }
            }
            DocMsg::Join(join, reply) => {
                state.last_used = Instant::now();
                let _ = reply.send(state.join(*join).await);
            }
            DocMsg::Drain => {
                state.last_used = Instant::now();
                state.drain().await;
                if state.tail >= state.limits.compact_updates {
                    state.compact().await;
                }
            }
            DocMsg::Leave(id) => state.leave(id).await,
            DocMsg::Remote(relay) => state.remote(*relay).await,
            DocMsg::Recheck => state.recheck().await,
            DocMsg::Deleted => {
                for session in state.sessions.values() {
                    session.close(
                        live::close::NOT_FOUND,
                        "DOC_NOT_FOUND: the document was deleted",
                    );
                }
                state.sessions.clear();
                myself.stop(Some("deleted".into()));
            }
            DocMsg::Tick => {
                state.expire_awareness();
                state.sessions.retain(|_, s| !s.is_closed());
                let idle = state.sessions.is_empty()
                    && state.last_used.elapsed() >= state.limits.idle_timeout;
                if idle {
                    if state.tail > 0 {
                        state.compact().await;
                    }
                    tracing::debug!(document_id = %state.id, "passivating idle document");
                    myself.stop(Some("idle".into()));
                }
            }
        }
        Ok(())
    }
}

impl DocState {
    /// Applies what other replicas appended since this one's last update, and sends it on to
    /// this node's editors.
    async fn catch_up(&mut self) -> Result<()> {
        let tail = self.store.doc_updates_after(self.id, self.seq).await?;
        if tail.state.is_none() && tail.updates.is_empty() {
            return Ok(());
        }
        let before = self.doc.transact().state_vector();
        let mut txn = self.doc.transact_mut();
        if let Some((state, state_seq)) = &tail.state {
            apply_bytes(&mut txn, state)?;
            self.seq = self.seq.max(*state_seq);
        }
        for (seq, update) in &tail.updates {
            apply_bytes(&mut txn, update)?;
            self.seq = self.seq.max(*seq);
            self.tail += 1;
            self.size += update.len();
        }
        drop(txn);
        self.rendered = None;
        self.relay_since(&before, &[]);
        Ok(())
    }

    /// Sends every editor (but `skip`) what the document gained since `before`.
    fn relay_since(&mut self, before: &StateVector, skip: &[SessionId]) {
        if self.sessions.is_empty() {
            return;
        }
        let diff = self.doc.transact().encode_diff_v1(before);
        if diff == Update::EMPTY_V1 {
            return;
        }
        self.broadcast(&live::update(&diff), skip);
    }

    fn broadcast(&mut self, frame: &[u8], skip: &[SessionId]) {
        for session in self.sessions.values() {
            if !skip.contains(&session.id) {
                session.send(frame.to_vec());
            }
        }
        self.sessions.retain(|_, s| !s.is_closed());
    }

    /// Tells the other replicas (other nodes) what was appended or changed.
    async fn publish(&self, seq: Option<i64>, update: Option<&[u8]>, awareness: Option<&[u8]>) {
        let relay = Relay {
            doc: self.id,
            node: self.node.to_string(),
            seq,
            update: update.map(|u| BASE64.encode(u)),
            awareness: awareness.map(|a| BASE64.encode(a)),
        };
        let Ok(text) = serde_json::to_string(&relay) else {
            return;
        };
        if let Err(err) = self.bus.publish(live::DOCS_CHANNEL, &text).await {
            tracing::warn!(document_id = %self.id, %err, "document change not relayed to other nodes");
        }
    }

    async fn join(&mut self, join: Join) -> Result<SessionLink> {
        self.sessions.retain(|_, s| !s.is_closed());
        if self.sessions.len() >= self.limits.max_editors {
            return Err(Error::Busy {
                code: codes::DOC_EDITORS_LIMIT,
                message: format!(
                    "this document has {} editors on this server, its limit",
                    self.limits.max_editors
                ),
                retry_after: Duration::from_secs(30),
            });
        }
        // Editors must start from everything committed, whichever node committed it.
        self.catch_up().await?;
        self.next_session += 1;
        let id = self.next_session;
        let (session, link) = Session::new(
            id,
            join.caller,
            join.member,
            join.can_write,
            self.limits.outbox_frames,
        );
        let sv = self.doc.transact().state_vector().encode_v1();
        session.send(live::sync_step1(&sv));
        let states = self.awareness.all();
        if !states.is_empty() {
            session.send(live::awareness(&states));
        }
        self.sessions.insert(id, session);
        Ok(link)
    }

    async fn leave(&mut self, id: SessionId) {
        let Some(session) = self.sessions.remove(&id) else {
            return;
        };
        let gone = self.awareness.remove(session.clients);
        if !gone.is_empty() {
            self.broadcast(&live::awareness(&gone), &[]);
            self.publish(None, None, Some(&live::encode_awareness(&gone)))
                .await;
        }
    }

    /// Handles every frame waiting in the inbox: one append for all the updates among them.
    async fn drain(&mut self) {
        let frames = self.shared.inbox.take();
        if frames.is_empty() {
            return;
        }
        let mut updates: Vec<(SessionId, Vec<u8>)> = Vec::new();
        let mut step1: Vec<(SessionId, Vec<u8>)> = Vec::new();
        let mut awareness_changed = Vec::new();
        for frame in frames {
            let Some(session) = self.sessions.get_mut(&frame.session) else {
                continue;
            };
            let Some(message) = live::decode(&frame.data) else {
                session.close(live::close::BAD_MESSAGE, "not a y-websocket message");
                continue;
            };
            match message {
                Message::SyncStep1(sv) => step1.push((frame.session, sv)),
                Message::SyncStep2(update) | Message::Update(update) => {
                    if update == Update::EMPTY_V1 {
                        continue;
                    }
                    if !session.can_write {
                        session.send(live::permission_denied(
                            "DOC_READ_ONLY: you may read this document but not edit it",
                        ));
                        if session.refused() {
                            session.close(
                                live::close::FORBIDDEN,
                                "DOC_READ_ONLY: too many refused edits",
                            );
                        }
                        continue;
                    }
                    if update.len() > self.limits.update_max_bytes {
                        session.close(
                            live::close::TOO_LARGE,
                            "DOC_UPDATE_TOO_LARGE: the update is larger than this server takes",
                        );
                        continue;
                    }
                    if !decodes(&update) {
                        session.close(live::close::BAD_MESSAGE, "the update does not decode");
                        continue;
                    }
                    updates.push((frame.session, update));
                }
                Message::Awareness(entries) => {
                    if !session.awareness_allowed() {
                        continue;
                    }
                    let mut mine = Vec::new();
                    for mut entry in entries {
                        // A client id another editor speaks for is not this one's to change.
                        let owned_elsewhere = self
                            .sessions_owning(entry.client)
                            .is_some_and(|owner| owner != frame.session);
                        if owned_elsewhere {
                            continue;
                        }
                        let Some(session) = self.sessions.get(&frame.session) else {
                            break;
                        };
                        let Some(state) = live::stamp_user(&entry.state, session) else {
                            continue;
                        };
                        entry.state = state;
                        mine.push(entry);
                    }
                    let changed = self.awareness.apply(mine);
                    if let Some(session) = self.sessions.get_mut(&frame.session) {
                        for e in &changed {
                            if e.state == "null" {
                                session.clients.remove(&e.client);
                            } else {
                                session.clients.insert(e.client);
                            }
                        }
                    }
                    awareness_changed.extend(changed);
                }
                Message::QueryAwareness => {
                    let states = self.awareness.all();
                    session.send(live::awareness(&states));
                }
                Message::Other => {}
            }
        }
        if !updates.is_empty() {
            self.append_live(updates).await;
        }
        for (id, sv) in step1 {
            let Some(session) = self.sessions.get(&id) else {
                continue;
            };
            match yrs::StateVector::decode_v1(&sv) {
                Ok(sv) => {
                    let diff = self.doc.transact().encode_diff_v1(&sv);
                    session.send(live::sync_step2(&diff));
                }
                Err(_) => {
                    session.close(live::close::BAD_MESSAGE, "the state vector does not decode")
                }
            }
        }
        if !awareness_changed.is_empty() {
            self.broadcast(&live::awareness(&awareness_changed), &[]);
            let body = live::encode_awareness(&awareness_changed);
            self.publish(None, None, Some(&body)).await;
        }
        self.sessions.retain(|_, s| !s.is_closed());
    }

    /// The session that speaks for an awareness client, if any.
    fn sessions_owning(&self, client: u64) -> Option<SessionId> {
        self.sessions
            .values()
            .find(|s| s.clients.contains(&client))
            .map(|s| s.id)
    }

    /// Appends editors' updates as one, then applies them and relays them: to this node's
    /// other editors, and to other nodes.
    async fn append_live(&mut self, updates: Vec<(SessionId, Vec<u8>)>) {
        let senders: Vec<SessionId> = {
            let mut s: Vec<SessionId> = updates.iter().map(|(id, _)| *id).collect();
            s.dedup();
            s
        };
        let merged = match yrs::merge_updates_v1(updates.iter().map(|(_, u)| u.as_slice())) {
            Ok(merged) => merged,
            Err(_) => {
                for id in &senders {
                    if let Some(s) = self.sessions.get(id) {
                        s.close(live::close::BAD_MESSAGE, "the update does not decode");
                    }
                }
                return;
            }
        };
        if self.size + merged.len() > self.limits.max_bytes {
            for id in &senders {
                if let Some(s) = self.sessions.get(id) {
                    s.close(
                        live::close::TOO_LARGE,
                        "DOC_TOO_LARGE: the document would be larger than this server keeps",
                    );
                }
            }
            return;
        }
        let member = match senders.as_slice() {
            [one] => self.sessions.get(one).and_then(|s| s.member),
            _ => None,
        };
        // The first edit of a window of `DOC_SNAPSHOT_INTERVAL` snapshots the state before it,
        // as REST edits do, and is recorded as the document's edit (its time, its author, one
        // `doc.updated`).
        let now = crate::clock::now();
        let opener = senders
            .first()
            .and_then(|id| self.sessions.get(id))
            .map(|s| s.caller.clone());
        let snapshot = match opener {
            Some(_) if self.snapshot_due(now) => self.live_snapshot(now, member).await,
            _ => None,
        };
        let appended = self
            .store
            .append_doc(&DocAppend {
                document_id: self.id,
                at: now,
                update: Some(merged.clone()),
                member_id: member,
                snapshot: snapshot.clone(),
            })
            .await;
        let window = match &appended {
            Ok(a) if a.snapshotted => snapshot.zip(opener),
            _ => None,
        };
        let seq = match appended {
            Ok(a) => a.seq.unwrap_or(self.seq),
            Err(err) => {
                tracing::warn!(document_id = %self.id, %err, "live edit not stored; its editors resync");
                for id in &senders {
                    if let Some(s) = self.sessions.get(id) {
                        s.close(
                            live::close::UNAVAILABLE,
                            "DOC_UNAVAILABLE: the edit was not stored",
                        );
                    }
                }
                return;
            }
        };
        {
            let mut txn = self.doc.transact_mut();
            if let Err(err) = apply_bytes(&mut txn, &merged) {
                tracing::warn!(document_id = %self.id, %err, "a stored live edit does not apply");
            }
        }
        self.rendered = None;
        self.tail += 1;
        self.size += merged.len();
        let known = self.seq;
        let gap = seq > known + 1;
        self.seq = self.seq.max(seq);
        // Each sender has its own update; a batch of several senders goes to all of them. The
        // merged update is relayed as it was stored (a diff against the state vector would
        // scan each edited text again).
        let skip: &[SessionId] = if senders.len() == 1 { &senders } else { &[] };
        self.broadcast(&live::update(&merged), skip);
        self.publish(Some(seq), Some(&merged), None).await;
        if let Some((snapshot, caller)) = window {
            self.last_snapshot_at = Some(now);
            let record = RecordLiveEdit {
                document_id: self.id,
                old: snapshot.content,
                new: self.render(),
            };
            let (projects, project) = (self.projects.clone(), self.project);
            // Not waited for: the editors' next updates need not queue behind the project.
            tokio::spawn(async move {
                if let Err(err) = projects.command(project, caller, record).await {
                    tracing::warn!(%err, "a live edit's activity entry was not recorded");
                }
            });
        }
        if gap {
            // Another replica appended in between: take its updates too (ours again, which
            // changes nothing).
            self.seq = known;
            if let Err(err) = self.catch_up().await {
                tracing::warn!(document_id = %self.id, %err, "catching up failed");
            }
        }
    }

    /// Another replica's update or awareness.
    async fn remote(&mut self, relay: Relay) {
        if *relay.node == *self.node {
            return;
        }
        if let Some(entries) = relay
            .awareness
            .and_then(|a| BASE64.decode(a).ok())
            .and_then(|body| live::decode_awareness(&body))
        {
            let changed = self.awareness.apply(entries);
            if !changed.is_empty() {
                self.broadcast(&live::awareness(&changed), &[]);
            }
        }
        let Some(seq) = relay.seq else { return };
        if seq <= self.seq {
            return;
        }
        let update = relay.update.and_then(|u| BASE64.decode(u).ok());
        match update {
            Some(update) if seq == self.seq + 1 => {
                let before = self.doc.transact().state_vector();
                let applied = {
                    let mut txn = self.doc.transact_mut();
                    apply_bytes(&mut txn, &update)
                };
                if applied.is_ok() {
                    self.seq = seq;
                    self.tail += 1;
                    self.size += update.len();
                    self.rendered = None;
                    self.relay_since(&before, &[]);
                    return;
                }
                if let Err(err) = self.catch_up().await {
                    tracing::warn!(document_id = %self.id, %err, "catching up failed");
                }
            }
            _ => {
                if let Err(err) = self.catch_up().await {
                    tracing::warn!(document_id = %self.id, %err, "catching up failed");
                }
            }
        }
    }

    /// Asks the project again what each editor may do: a writer may have become a reader, a
    /// reader may have lost access.
    async fn recheck(&mut self) {
        let ids: Vec<SessionId> = self.sessions.keys().copied().collect();
        for id in ids {
            let Some(caller) = self.sessions.get(&id).map(|s| s.caller.clone()) else {
                continue;
            };
            let query = AuthorizeDoc {
                document_id: self.id,
                write: false,
            };
            let answer = self.projects.read(self.project, caller, query).await;
            let Some(session) = self.sessions.get_mut(&id) else {
                continue;
            };
            match answer {
                Ok(access) => session.can_write = access.can_write,
                Err(err) if err.code() == codes::DOC_NOT_FOUND => {
                    session.close(
                        live::close::NOT_FOUND,
                        "DOC_NOT_FOUND: the document is gone",
                    );
                }
                Err(Error::Unavailable(_) | Error::Stalled { .. }) => {}
                Err(_) => session.close(
                    live::close::FORBIDDEN,
                    "FORBIDDEN: access to this document was removed",
                ),
            }
        }
        self.sessions.retain(|_, s| !s.is_closed());
    }

    fn expire_awareness(&mut self) {
        let outdated: Vec<u64> = self
            .awareness
            .outdated(AWARENESS_TIMEOUT)
            .into_iter()
            .filter(|c| self.sessions_owning(*c).is_none())
            .collect();
        let gone = self.awareness.remove(outdated);
        if !gone.is_empty() {
            self.broadcast(&live::awareness(&gone), &[]);
        }
    }

    /// The content as BlockNote JSON; `null` when it is one empty paragraph.
    fn render(&mut self) -> Value {
        if let Some(rendered) = &self.rendered {
            return rendered.clone();
        }
        let txn = self.doc.transact();
        let blocks = blocknote::read(&txn, &self.fragment);
        drop(txn);
        let rendered = if super::content::is_empty(&blocks) {
            Value::Null
        } else {
            blocks
        };
        self.rendered = Some(rendered.clone());
        rendered
    }

    /// Whether an edit now opens a new snapshot window.
    fn snapshot_due(&self, now: DateTime<Utc>) -> bool {
        self.last_snapshot_at.is_none_or(|at| {
            now.signed_duration_since(at).to_std().unwrap_or_default()
                >= self.limits.snapshot_interval
        })
    }

    /// A snapshot of the state before a live edit, titled as the document is now (the title
    /// is project state); `None` when the document is gone from the project.
    async fn live_snapshot(
        &mut self,
        now: DateTime<Utc>,
        member: Option<MemberId>,
    ) -> Option<NewDocSnapshot> {
        let state = self.projects.snapshot(self.project).await.ok().flatten()?;
        let title = state.documents.get(&self.id)?.title.clone();
        Some(NewDocSnapshot {
            id: DocSnapshotId::new(),
            document_id: self.id,
            project_id: self.project,
            title,
            content: self.render(),
            created_by: member,
            created_at: now,
            unless_after: Some(
                now - chrono::Duration::from_std(self.limits.snapshot_interval)
                    .unwrap_or_else(|_| chrono::Duration::zero()),
            ),
        })
    }

    async fn edit(&mut self, edit: Edit) -> Result<EditOutcome> {
        self.catch_up().await?;
        let old = self.render();
        let now = crate::clock::now();
        let due = self.snapshot_due(now);
        let snapshot = (edit.force_snapshot || due).then(|| NewDocSnapshot {
            id: DocSnapshotId::new(),
            document_id: self.id,
            project_id: self.project,
            title: edit.title_before.clone(),
            content: old.clone(),
            created_by: edit.member,
            created_at: now,
            unless_after: (!edit.force_snapshot).then(|| {
                now - chrono::Duration::from_std(self.limits.snapshot_interval)
                    .unwrap_or_else(|_| chrono::Duration::zero())
            }),
        });
        let update = match &edit.blocks {
            Some(blocks) => {
                let mut txn = self.doc.transact_mut();
                // Blocks sent without ids (Paca's web strips them) keep the ids of the blocks
                // they stand for: only what differs changes.
                let changed = blocknote::apply(&mut txn, &self.fragment, blocks)
                    .map_err(super::content::invalid)?;
                let update = changed.then(|| txn.encode_update_v1());
                drop(txn);
                if update.is_some() {
                    self.rendered = None;
                    let size = self
                        .doc
                        .transact()
                        .encode_state_as_update_v1(&StateVector::default())
                        .len();
                    if size > self.limits.max_bytes {
                        return Err(super::content::too_large(self.limits.max_bytes));
                    }
                }
                update
            }
            None => None,
        };
        // Nothing changes: no snapshot of it either.
        let snapshot =
            snapshot.filter(|_| update.is_some() || edit.retitles || edit.force_snapshot);
        if update.is_none() && snapshot.is_none() {
            return Ok(EditOutcome {
                new: old.clone(),
                old,
                snapshot: None,
            });
        }
        let appended = self
            .store
            .append_doc(&DocAppend {
                document_id: self.id,
                at: now,
                update: update.clone(),
                member_id: edit.member,
                snapshot: snapshot.clone(),
            })
            .await?;
        let snapshot = snapshot.filter(|_| appended.snapshotted);
        if snapshot.is_some() {
            self.last_snapshot_at = Some(now);
        }
        if let (Some(seq), Some(update)) = (appended.seq, update) {
            self.tail += 1;
            self.size += update.len();
            // Live editors see a REST edit like any other.
            self.broadcast(&live::update(&update), &[]);
            self.publish(Some(seq), Some(&update), None).await;
            if seq > self.seq + 1 {
                // Another replica appended in between: take its updates (ours again too, which
                // changes nothing).
                self.catch_up().await?;
            }
            self.seq = self.seq.max(seq);
        }
        let new = self.render();
        Ok(EditOutcome {
            old,
            new,
            snapshot: snapshot.map(|s| s.id),
        })
    }

    /// Folds the appended updates into the stored state. A failure only leaves them appended.
    async fn compact(&mut self) {
        let state = self
            .doc
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        match self.store.compact_doc(self.id, &state, self.seq).await {
            Ok(()) => {
                self.tail = 0;
                self.size = state.len();
            }
            Err(err) => {
                tracing::warn!(document_id = %self.id, %err, "document not compacted");
            }
        }
    }
}

/// Whether a client's update is a Yjs v1 update (yrs asserts, in debug builds, on client ids
/// over 53 bits: such an update is refused, not allowed to stop the actor).
fn decodes(update: &[u8]) -> bool {
    std::panic::catch_unwind(|| Update::decode_v1(update).is_ok()).unwrap_or(false)
}
