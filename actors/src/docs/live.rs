//! Live editors of a document: the y-websocket protocol's messages (docs/design-docs.md §7),
//! the sessions a document's actor serves, and what travels between replicas on the bus.
//!
//! Messages are read here rather than with `yrs::sync::Message`: its decoder turns a client id
//! of more than 53 bits into a debug assertion, and every byte here comes from a client.

use crate::ids::{DocumentId, MemberId};
use crate::project::access::Caller;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, OwnedSemaphorePermit, mpsc};

/// y-websocket's message types.
const MSG_SYNC: u64 = 0;
const MSG_AWARENESS: u64 = 1;
const MSG_AUTH: u64 = 2;
const MSG_QUERY_AWARENESS: u64 = 3;
const SYNC_STEP_1: u64 = 0;
const SYNC_STEP_2: u64 = 1;
const SYNC_UPDATE: u64 = 2;
/// The largest client id Yjs makes (53 bits, a JavaScript number).
const CLIENT_MAX: u64 = (1 << 53) - 1;
/// Largest awareness message, and largest state in it.
pub const AWARENESS_MAX_BYTES: usize = 32 * 1024;

/// Close codes (docs/design-docs.md §7.6): 44xx stop a stock provider, others make it retry.
pub mod close {
    pub const UNAUTHENTICATED: u16 = 4401;
    pub const FORBIDDEN: u16 = 4403;
    pub const NOT_FOUND: u16 = 4404;
    pub const TOO_LARGE: u16 = 4413;
    pub const LIMIT: u16 = 4429;
    pub const EXPIRED: u16 = 4001;
    pub const UNAVAILABLE: u16 = 4503;
    pub const BAD_MESSAGE: u16 = 1003;
}

/// One message of the protocol.
#[derive(Debug, PartialEq)]
pub enum Message {
    SyncStep1(Vec<u8>),
    SyncStep2(Vec<u8>),
    Update(Vec<u8>),
    Awareness(Vec<AwarenessEntry>),
    QueryAwareness,
    /// Auth (ignored from clients) or a type this server does not know.
    Other,
}

/// One client's awareness state: its clock and its state as JSON (`null` when it left).
#[derive(Clone, Debug, PartialEq)]
pub struct AwarenessEntry {
    pub client: u64,
    pub clock: u64,
    pub state: String,
}

/// Reads lib0's encoding.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn var(&mut self) -> Option<u64> {
        let mut value: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = *self.bytes.get(self.at)?;
            self.at += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(self.var()?).ok()?;
        let end = self.at.checked_add(len)?;
        let slice = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(slice)
    }

    fn string(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.bytes()?).ok()
    }

    fn done(&self) -> bool {
        self.at == self.bytes.len()
    }
}

fn write_var(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn write_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    write_var(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Reads one message; `None` when it is not well formed.
pub fn decode(bytes: &[u8]) -> Option<Message> {
    let mut r = Reader { bytes, at: 0 };
    let message = match r.var()? {
        MSG_SYNC => {
            let kind = r.var()?;
            let body = r.bytes()?.to_vec();
            match kind {
                SYNC_STEP_1 => Message::SyncStep1(body),
                SYNC_STEP_2 => Message::SyncStep2(body),
                SYNC_UPDATE => Message::Update(body),
                _ => return None,
            }
        }
        MSG_AWARENESS => {
            let body = r.bytes()?;
            if body.len() > AWARENESS_MAX_BYTES {
                return None;
            }
            Message::Awareness(decode_awareness(body)?)
        }
        MSG_QUERY_AWARENESS => Message::QueryAwareness,
        MSG_AUTH => Message::Other,
        _ => Message::Other,
    };
    Some(message)
}

/// y-protocols' awareness update: a count, then (client id, clock, JSON state) each.
pub fn decode_awareness(body: &[u8]) -> Option<Vec<AwarenessEntry>> {
    let mut r = Reader { bytes: body, at: 0 };
    let count = r.var()?;
    let mut entries = Vec::new();
    for _ in 0..count {
        let client = r.var()?;
        let clock = r.var()?;
        let state = r.string()?;
        if client > CLIENT_MAX || clock > u64::from(u32::MAX) {
            return None;
        }
        entries.push(AwarenessEntry {
            client,
            clock,
            state: state.to_owned(),
        });
    }
    r.done().then_some(entries)
}

pub fn encode_awareness(entries: &[AwarenessEntry]) -> Vec<u8> {
    let mut body = Vec::new();
    write_var(&mut body, entries.len() as u64);
    for e in entries {
        write_var(&mut body, e.client);
        write_var(&mut body, e.clock);
        write_bytes(&mut body, e.state.as_bytes());
    }
    body
}

fn sync(kind: u64, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 8);
    write_var(&mut out, MSG_SYNC);
    write_var(&mut out, kind);
    write_bytes(&mut out, body);
    out
}

pub fn sync_step1(state_vector: &[u8]) -> Vec<u8> {
    sync(SYNC_STEP_1, state_vector)
}

pub fn sync_step2(update: &[u8]) -> Vec<u8> {
    sync(SYNC_STEP_2, update)
}

pub fn update(update: &[u8]) -> Vec<u8> {
    sync(SYNC_UPDATE, update)
}

pub fn awareness(entries: &[AwarenessEntry]) -> Vec<u8> {
    let mut out = Vec::new();
    write_var(&mut out, MSG_AWARENESS);
    write_bytes(&mut out, &encode_awareness(entries));
    out
}

/// y-protocols' permission-denied message, with a reason.
pub fn permission_denied(reason: &str) -> Vec<u8> {
    let mut out = Vec::new();
    write_var(&mut out, MSG_AUTH);
    write_var(&mut out, 0);
    write_bytes(&mut out, reason.as_bytes());
    out
}

/// How a session ends: a close code and a reason, set once.
#[derive(Default)]
pub struct CloseSignal {
    reason: OnceLock<(u16, String)>,
    notify: Notify,
}

impl CloseSignal {
    pub fn close(&self, code: u16, reason: impl Into<String>) {
        let mut reason: String = reason.into();
        // The WebSocket limit on a close reason.
        while reason.len() > 123 {
            reason.pop();
        }
        if self.reason.set((code, reason)).is_ok() {
            self.notify.notify_one();
        }
    }

    pub fn reason(&self) -> Option<&(u16, String)> {
        self.reason.get()
    }

    /// Waits until the session is closed.
    pub async fn closed(&self) {
        while self.reason.get().is_none() {
            self.notify.notified().await;
        }
    }
}

pub type SessionId = u64;

/// What the connection holds of its session: frames out, the close signal, and the slots that
/// bound how many of its frames wait at the actor.
pub struct SessionLink {
    pub id: SessionId,
    pub outbox: mpsc::Receiver<Vec<u8>>,
    pub close: Arc<CloseSignal>,
    pub slots: Arc<tokio::sync::Semaphore>,
}

/// Frames a session may have waiting at the actor before its connection stops reading.
pub const FRAMES_IN_FLIGHT: usize = 64;

/// A live editor as the actor sees it.
pub struct Session {
    pub id: SessionId,
    pub caller: Caller,
    pub member: Option<MemberId>,
    pub can_write: bool,
    pub name: String,
    outbox: mpsc::Sender<Vec<u8>>,
    close: Arc<CloseSignal>,
    /// The awareness client ids this session speaks for.
    pub clients: HashSet<u64>,
    refusals: VecDeque<Instant>,
    awareness_tokens: f64,
    awareness_at: Instant,
    /// Awareness messages dropped over the rate, in the last [`REFUSAL_WINDOW`].
    awareness_dropped: VecDeque<Instant>,
}

/// Refused writes a read-only session may send in [`REFUSAL_WINDOW`] before it is closed.
const REFUSALS_MAX: usize = 20;
const REFUSAL_WINDOW: Duration = Duration::from_secs(10);
/// Awareness messages per second a session may send, and the burst.
const AWARENESS_RATE: f64 = 20.0;
const AWARENESS_BURST: f64 = 40.0;
/// Awareness messages over the rate a session may send in [`REFUSAL_WINDOW`] (ten times the
/// rate for that long) before it is closed.
const AWARENESS_DROPPED_MAX: usize = 200;

impl Session {
    pub fn new(
        id: SessionId,
        caller: Caller,
        member: Option<MemberId>,
        can_write: bool,
        outbox_frames: usize,
    ) -> (Self, SessionLink) {
        let (tx, rx) = mpsc::channel(outbox_frames.max(1));
        let close = Arc::new(CloseSignal::default());
        let name = if caller.full_name.is_empty() {
            caller.username.clone()
        } else {
            caller.full_name.clone()
        };
        let session = Self {
            id,
            caller,
            member,
            can_write,
            name,
            outbox: tx,
            close: close.clone(),
            clients: HashSet::new(),
            refusals: VecDeque::new(),
            awareness_tokens: AWARENESS_BURST,
            awareness_at: Instant::now(),
            awareness_dropped: VecDeque::new(),
        };
        let link = SessionLink {
            id,
            outbox: rx,
            close,
            slots: Arc::new(tokio::sync::Semaphore::new(FRAMES_IN_FLIGHT)),
        };
        (session, link)
    }

    /// Queues a frame; a session whose outbox is full is cut off (it resyncs when it
    /// reconnects, so nothing is lost). False when the session is gone.
    pub fn send(&self, frame: Vec<u8>) -> bool {
        match self.outbox.try_send(frame) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.close(
                    close::UNAVAILABLE,
                    "DOC_SESSION_TOO_SLOW: the editor fell behind",
                );
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    pub fn close(&self, code: u16, reason: &str) {
        self.close.close(code, reason);
    }

    pub fn is_closed(&self) -> bool {
        self.close.reason().is_some() || self.outbox.is_closed()
    }

    /// Counts a refused write; true when there were too many.
    pub fn refused(&mut self) -> bool {
        let now = Instant::now();
        self.refusals.push_back(now);
        while self
            .refusals
            .front()
            .is_some_and(|t| now.duration_since(*t) > REFUSAL_WINDOW)
        {
            self.refusals.pop_front();
        }
        self.refusals.len() > REFUSALS_MAX
    }

    /// Takes a token of the awareness rate; false when the session sends too fast (the
    /// message is dropped: the next one carries the state anyway). A session that keeps
    /// flooding is closed with 4429.
    pub fn awareness_allowed(&mut self) -> bool {
        let now = Instant::now();
        let earned = now.duration_since(self.awareness_at).as_secs_f64() * AWARENESS_RATE;
        self.awareness_at = now;
        self.awareness_tokens = (self.awareness_tokens + earned).min(AWARENESS_BURST);
        if self.awareness_tokens >= 1.0 {
            self.awareness_tokens -= 1.0;
            return true;
        }
        self.awareness_dropped.push_back(now);
        while self
            .awareness_dropped
            .front()
            .is_some_and(|t| now.duration_since(*t) > REFUSAL_WINDOW)
        {
            self.awareness_dropped.pop_front();
        }
        if self.awareness_dropped.len() > AWARENESS_DROPPED_MAX {
            self.close(
                close::LIMIT,
                "DOC_AWARENESS_RATE: cursor updates come faster than this server takes",
            );
        }
        false
    }
}

/// Frames sent to a document, waiting for its actor: connections push, the actor takes them
/// all at once (one append for all the updates among them).
#[derive(Default)]
pub struct Inbox {
    frames: Mutex<Vec<Inbound>>,
    scheduled: AtomicBool,
}

pub struct Inbound {
    pub session: SessionId,
    pub data: Vec<u8>,
    pub _slot: OwnedSemaphorePermit,
}

impl Inbox {
    /// Queues a frame; true when the actor must be told (nothing was waiting).
    pub fn push(&self, frame: Inbound) -> bool {
        self.frames
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(frame);
        !self.scheduled.swap(true, Ordering::AcqRel)
    }

    /// Every waiting frame; a push after this tells the actor again.
    pub fn take(&self) -> Vec<Inbound> {
        self.scheduled.store(false, Ordering::Release);
        std::mem::take(&mut *self.frames.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// The awareness states a document's replica knows, with y-protocols' clock rules.
#[derive(Default)]
pub struct AwarenessStates {
    states: HashMap<u64, (u64, String, Instant)>,
}

impl AwarenessStates {
    /// Applies entries; the ones that changed something (to relay).
    pub fn apply(&mut self, entries: Vec<AwarenessEntry>) -> Vec<AwarenessEntry> {
        let now = Instant::now();
        let mut changed = Vec::new();
        for e in entries {
            let accept = match self.states.get(&e.client) {
                None => e.state != "null",
                Some((clock, state, _)) => {
                    e.clock > *clock || (e.clock == *clock && e.state == "null" && state != "null")
                }
            };
            if accept {
                self.states
                    .insert(e.client, (e.clock, e.state.clone(), now));
                changed.push(e);
            }
        }
        changed
    }

    /// Removes clients (their sessions left): the entries that say so.
    pub fn remove(&mut self, clients: impl IntoIterator<Item = u64>) -> Vec<AwarenessEntry> {
        let mut gone = Vec::new();
        for client in clients {
            if let Some((clock, state, _)) = self.states.remove(&client)
                && state != "null"
            {
                gone.push(AwarenessEntry {
                    client,
                    clock: clock + 1,
                    state: "null".to_owned(),
                });
            }
        }
        gone
    }

    /// Every live state.
    pub fn all(&self) -> Vec<AwarenessEntry> {
        self.states
            .iter()
            .filter(|(_, (_, state, _))| state != "null")
            .map(|(client, (clock, state, _))| AwarenessEntry {
                client: *client,
                clock: *clock,
                state: state.clone(),
            })
            .collect()
    }

    /// Clients not renewed for `timeout` (y-protocols renews every 15 s and drops after 30 s).
    pub fn outdated(&self, timeout: Duration) -> Vec<u64> {
        self.states
            .iter()
            .filter(|(_, (_, _, at))| at.elapsed() > timeout)
            .map(|(client, _)| *client)
            .collect()
    }

    pub fn len(&self) -> usize {
        self.states
            .values()
            .filter(|(_, state, _)| state != "null")
            .count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Writes the server's view of who the session is into an awareness state: `user.name` is
/// the caller's name and `user.id` their user id, whatever the client sent, so no one shows
/// up under someone else's name. Other fields (cursor, colour) pass as sent.
pub fn stamp_user(state: &str, session: &Session) -> Option<String> {
    if state == "null" {
        return Some(state.to_owned());
    }
    let mut value: serde_json::Value = serde_json::from_str(state).ok()?;
    let fields = value.as_object_mut()?;
    let user = fields
        .entry("user")
        .or_insert_with(|| serde_json::json!({}));
    if let Some(user) = user.as_object_mut() {
        user.insert("name".into(), session.name.clone().into());
        user.insert(
            "id".into(),
            serde_json::json!(session.caller.user_id.map(|u| u.0)),
        );
    }
    serde_json::to_string(&value).ok()
}

/// What replicas of a document tell each other on [`DOCS_CHANNEL`].
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Relay {
    pub doc: DocumentId,
    pub node: String,
    /// An appended update and its place in the document's order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
    /// Base64 of the Yjs update, or of the awareness update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awareness: Option<String>,
}

/// The bus channel replicas of every document share (one channel, so no per-document
/// subscription has to be made and undone).
pub const DOCS_CHANNEL: &str = "corral.docs";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_back_as_written() {
        let sv = vec![1, 2, 3];
        assert_eq!(
            decode(&sync_step1(&sv)),
            Some(Message::SyncStep1(sv.clone()))
        );
        assert_eq!(
            decode(&sync_step2(&sv)),
            Some(Message::SyncStep2(sv.clone()))
        );
        assert_eq!(decode(&update(&sv)), Some(Message::Update(sv)));
        let entries = vec![AwarenessEntry {
            client: 42,
            clock: 7,
            state: r#"{"user":{"name":"Ann"}}"#.into(),
        }];
        assert_eq!(
            decode(&awareness(&entries)),
            Some(Message::Awareness(entries))
        );
        assert_eq!(decode(&[3]), Some(Message::QueryAwareness));
    }

    /// The bytes y-protocols writes for the same messages (lib0's encoding by hand).
    #[test]
    fn the_framing_is_y_protocols() {
        assert_eq!(sync_step1(&[0]), [0, 0, 1, 0]);
        assert_eq!(update(&[0, 0]), [0, 2, 2, 0, 0]);
        assert_eq!(permission_denied("no"), [2, 0, 2, b'n', b'o']);
        let entries = [AwarenessEntry {
            client: 300,
            clock: 1,
            state: "{}".into(),
        }];
        assert_eq!(awareness(&entries), [1, 7, 1, 0xac, 0x02, 1, 2, b'{', b'}']);
    }

    #[test]
    fn hostile_bytes_are_refused_not_trusted() {
        assert_eq!(decode(&[]), None);
        assert_eq!(decode(&[0, 9, 0]), None, "unknown sync type");
        assert_eq!(decode(&[0, 2, 200, 1]), None, "a length past the end");
        assert_eq!(decode(&[0xff; 11]), None, "a varint too long");
        // A client id over 53 bits.
        let mut body = Vec::new();
        write_var(&mut body, 1);
        write_var(&mut body, 1 << 60);
        write_var(&mut body, 1);
        write_bytes(&mut body, b"{}");
        let mut message = vec![1];
        write_bytes(&mut message, &body);
        assert_eq!(decode(&message), None);
        // A count larger than what follows.
        assert_eq!(decode_awareness(&[200, 1]), None);
    }

    #[test]
    fn awareness_follows_the_clock_rules() {
        let mut states = AwarenessStates::default();
        let entry = |clock, state: &str| AwarenessEntry {
            client: 1,
            clock,
            state: state.into(),
        };
        assert_eq!(states.apply(vec![entry(1, "{}")]).len(), 1);
        assert!(
            states.apply(vec![entry(1, r#"{"a":1}"#)]).is_empty(),
            "same clock"
        );
        assert_eq!(states.apply(vec![entry(2, r#"{"a":1}"#)]).len(), 1);
        assert_eq!(
            states.apply(vec![entry(2, "null")]).len(),
            1,
            "a removal at the same clock"
        );
        assert!(states.all().is_empty());
        assert_eq!(states.apply(vec![entry(3, "{}")]).len(), 1);
        let gone = states.remove([1]);
        assert_eq!(gone, [entry(4, "null")]);
    }
}
