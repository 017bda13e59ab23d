//! One document's content: a `DocActor` holds the document's Yjs state (`yrs`), renders it as
//! BlockNote JSON, applies REST edits as Yjs transactions and appends each update to the store
//! before anyone sees it. Activation, passivation, supervision and admission come from the
//! generic [`Registry`](crate::registry::Registry) ([`DocKind`]).
//!
//! Several nodes may each hold a replica of one document (docs/design-docs.md §9): the store
//! orders every document's updates, and a replica catches up from it (`doc_updates_after`)
//! before it answers, so a read on one node sees what another node committed. Yjs updates are
//! idempotent and commutative, so applying one twice, or out of order, changes nothing.

use super::blocknote;
use crate::error::{Error, Result, codes};
use crate::ids::{DocSnapshotId, DocumentId, MemberId, ProjectId};
use crate::registry::{Activation, ActorKind, KindErrors};
use crate::store::{DocAppend, NewDocSnapshot, Store};
use chrono::{DateTime, Utc};
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};
use yrs::updates::decoder::Decode;
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
}

impl Default for DocLimits {
    fn default() -> Self {
        Self {
            max_bytes: 16 * 1024 * 1024,
            idle_timeout: Duration::from_secs(60),
            snapshot_interval: Duration::from_secs(180),
            compact_updates: 500,
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

pub enum DocMsg {
    /// The content as BlockNote JSON (`null` when empty).
    Render(RpcReplyPort<Result<Value>>),
    Edit(Box<Edit>, RpcReplyPort<Result<EditOutcome>>),
    /// The document was deleted: stop without compacting.
    Deleted,
    Tick,
}

/// Documents as a kind of actor, keyed by document id and loaded from `doc_states` and
/// `doc_updates`. Documents are created by their project's commit, never by activation.
pub struct DocKind {
    pub(super) store: Arc<dyn Store>,
    pub(super) limits: DocLimits,
}

impl ActorKind for DocKind {
    type Key = DocumentId;
    type Actor = DocActor;
    type Shared = ();

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
        Ok(Some(Activation {
            args: DocArgs {
                id,
                project: load.project_id,
                doc,
                seq,
                tail: load.updates.len(),
                last_snapshot_at: load.last_snapshot_at,
                store: self.store.clone(),
                limits: self.limits,
            },
            shared: (),
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
    last_snapshot_at: Option<DateTime<Utc>>,
    store: Arc<dyn Store>,
    limits: DocLimits,
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
    last_snapshot_at: Option<DateTime<Utc>>,
    /// The content as last rendered, until the next update.
    rendered: Option<Value>,
    last_used: Instant,
    store: Arc<dyn Store>,
    limits: DocLimits,
    ticker: Option<ractor::concurrency::JoinHandle<()>>,
}

impl Actor for DocActor {
    type Msg = DocMsg;
    type State = DocState;
    type Arguments = DocArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<DocMsg>,
        args: DocArgs,
    ) -> std::result::Result<DocState, ActorProcessingErr> {
        let period = (args.limits.idle_timeout / 2).max(Duration::from_millis(50));
        let ticker = myself.send_interval(period, || DocMsg::Tick);
        let fragment = args.doc.get_or_insert_xml_fragment(blocknote::FRAGMENT);
        Ok(DocState {
            id: args.id,
            project: args.project,
            doc: args.doc,
            fragment,
            seq: args.seq,
            tail: args.tail,
            last_snapshot_at: args.last_snapshot_at,
            rendered: None,
            last_used: Instant::now(),
            store: args.store,
            limits: args.limits,
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
            DocMsg::Deleted => myself.stop(Some("deleted".into())),
            DocMsg::Tick => {
                if state.last_used.elapsed() >= state.limits.idle_timeout {
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
    /// Applies what other replicas appended since this one's last update.
    async fn catch_up(&mut self) -> Result<()> {
        let tail = self.store.doc_updates_after(self.id, self.seq).await?;
        if tail.state.is_none() && tail.updates.is_empty() {
            return Ok(());
        }
        let mut txn = self.doc.transact_mut();
        if let Some((state, state_seq)) = &tail.state {
            apply_bytes(&mut txn, state)?;
            self.seq = self.seq.max(*state_seq);
        }
        for (seq, update) in &tail.updates {
            apply_bytes(&mut txn, update)?;
            self.seq = self.seq.max(*seq);
            self.tail += 1;
        }
        drop(txn);
        self.rendered = None;
        Ok(())
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

    async fn edit(&mut self, edit: Edit) -> Result<EditOutcome> {
        self.catch_up().await?;
        let old = self.render();
        let now = crate::clock::now();
        let due = self.last_snapshot_at.is_none_or(|at| {
            now.signed_duration_since(at).to_std().unwrap_or_default()
                >= self.limits.snapshot_interval
        });
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
                let mut blocks = blocks.clone();
                let mut txn = self.doc.transact_mut();
                let current = blocknote::read(&txn, &self.fragment);
                super::content::adopt_ids(&mut blocks, &current);
                let changed = blocknote::apply(&mut txn, &self.fragment, &blocks)
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
                update,
                member_id: edit.member,
                snapshot: snapshot.clone(),
            })
            .await?;
        let snapshot = snapshot.filter(|_| appended.snapshotted);
        if snapshot.is_some() {
            self.last_snapshot_at = Some(now);
        }
        if let Some(seq) = appended.seq {
            self.tail += 1;
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
            Ok(()) => self.tail = 0,
            Err(err) => {
                tracing::warn!(document_id = %self.id, %err, "document not compacted");
            }
        }
    }
}
