//! Live editing over `GET /ws/docs/{docId}` (the y-websocket protocol), with a Rust client on
//! yrs: editors see each other's edits and cursors, REST edits arrive live, readers follow
//! but cannot write, access is decided again when it changes, limits close with their codes,
//! and two nodes serve one document.

mod common;

use common::{Backend, Client, TestServer, at, project};
use corral_actors::docs::blocknote::{self, yrs};
use corral_actors::docs::live::{self, AwarenessEntry, Message};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message as Frame;
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{ReadTxn, Transact};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A live editor: a Yjs document kept in sync with the server's over one WebSocket.
struct Editor {
    socket: Socket,
    doc: yrs::Doc,
    /// Awareness states received, by client id.
    awareness: std::collections::HashMap<u64, String>,
    /// Permission-denied messages received.
    denied: usize,
}

fn ws_url(base: &str, doc: &str, token: Option<&str>) -> String {
    let base = base.replacen("http", "ws", 1);
    match token {
        Some(t) => format!("{base}/ws/docs/{doc}?token={t}"),
        None => format!("{base}/ws/docs/{doc}"),
    }
}

impl Editor {
    /// Connects and completes the sync handshake.
    async fn connect(base: &str, doc: &str, token: &str) -> Editor {
        let (socket, _) = tokio_tungstenite::connect_async(ws_url(base, doc, Some(token)))
            .await
            .expect("connect");
        let mut editor = Editor {
            socket,
            doc: blocknote::new_doc(),
            awareness: Default::default(),
            denied: 0,
        };
        let sv = editor.doc.transact().state_vector().encode_v1();
        editor.send(live::sync_step1(&sv)).await;
        // The server's step 1 and its step 2 answer to ours.
        editor
            .until(|e| e.blocks() != json!([]), "the first sync")
            .await;
        editor
    }

    async fn send(&mut self, frame: Vec<u8>) {
        self.socket
            .send(Frame::Binary(frame.into()))
            .await
            .expect("send");
    }

    /// Handles one frame from the server; `Err` with the close code and reason when it closed.
    async fn step(&mut self, wait: Duration) -> Result<bool, (u16, String)> {
        let frame = match tokio::time::timeout(wait, self.socket.next()).await {
            Err(_) => return Ok(false),
            Ok(None) => return Err((1006, "ended".into())),
            Ok(Some(Err(e))) => return Err((1006, e.to_string())),
            Ok(Some(Ok(f))) => f,
        };
        match frame {
            Frame::Binary(bytes) => {
                match live::decode(&bytes).expect("a message the client can read") {
                    Message::SyncStep1(sv) => {
                        let sv = yrs::StateVector::decode_v1(&sv).expect("sv");
                        let diff = self.doc.transact().encode_diff_v1(&sv);
                        self.send(live::sync_step2(&diff)).await;
                    }
                    Message::SyncStep2(u) | Message::Update(u) => {
                        let update = yrs::Update::decode_v1(&u).expect("update");
                        self.doc.transact_mut().apply_update(update).expect("apply");
                    }
                    Message::Awareness(entries) => {
                        for e in entries {
                            self.awareness.insert(e.client, e.state);
                        }
                    }
                    Message::QueryAwareness => {}
                    Message::Other => self.denied += 1,
                }
                Ok(true)
            }
            Frame::Close(Some(close)) => Err((u16::from(close.code), close.reason.to_string())),
            Frame::Close(None) => Err((1005, String::new())),
            _ => Ok(true),
        }
    }

    /// Reads frames until `done` holds (at most 10 s).
    async fn until(&mut self, done: impl Fn(&Editor) -> bool, what: &str) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !done(self) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}"
            );
            if let Err(closed) = self.step(Duration::from_millis(200)).await {
                panic!("closed while waiting for {what}: {closed:?}");
            }
        }
    }

    /// Reads until the server closes the socket; its code and reason.
    async fn closed(&mut self) -> (u16, String) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the socket stayed open"
            );
            if let Err(closed) = self.step(Duration::from_millis(200)).await {
                return closed;
            }
        }
    }

    fn blocks(&self) -> Value {
        let fragment = self.doc.get_or_insert_xml_fragment(blocknote::FRAGMENT);
        blocknote::read(&self.doc.transact(), &fragment)
    }

    /// Changes the content to `blocks` locally and sends the update.
    async fn edit(&mut self, blocks: Value) {
        let fragment = self.doc.get_or_insert_xml_fragment(blocknote::FRAGMENT);
        let update = {
            let mut txn = self.doc.transact_mut();
            blocknote::apply(&mut txn, &fragment, &blocks).expect("valid blocks");
            txn.encode_update_v1()
        };
        self.send(live::update(&update)).await;
    }

    fn client(&self) -> u64 {
        self.doc.client_id().get()
    }
}

fn paragraphs(lines: &[&str]) -> Value {
    Value::Array(
        lines
            .iter()
            .map(|l| json!({"type": "paragraph", "content": [{"type": "text", "text": l, "styles": {}}]}))
            .collect(),
    )
}

async fn new_doc(c: &Client, p: &str, lines: &[&str]) -> String {
    let r = c
        .post(
            &at(p, "/docs"),
            &json!({"title": "Live", "content": paragraphs(lines)}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.data()["id"].as_str().expect("id").to_owned()
}

async fn rest_texts(c: &Client, p: &str, doc: &str) -> Vec<String> {
    common::block_texts(&c.get(&at(p, &format!("/docs/{doc}"))).await.data()["content"])
}

/// Two editors see each other's edits; a REST edit reaches both; the server keeps it all.
async fn editors_share_edits(b: Backend) {
    let Some(mut s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let token = admin.access_token().expect("token");
    let p = project(&admin, "Live").await;
    let doc = new_doc(&admin, &p, &["hello"]).await;
    let mut a = Editor::connect(&s.base, &doc, &token).await;
    let mut b2 = Editor::connect(&s.base, &doc, &token).await;
    assert_eq!(common::block_texts(&a.blocks()), ["hello"]);

    a.edit(paragraphs(&["hello", "from a"])).await;
    b2.until(
        |e| common::block_texts(&e.blocks()) == ["hello", "from a"],
        "a's edit at b",
    )
    .await;
    // Live edits keep the history as REST edits do: the first one of a window snapshots the
    // state before it, and is the document's edit (one doc.updated).
    let snaps = admin.get(&at(&p, &format!("/docs/{doc}/snapshots"))).await;
    assert_eq!(snaps.status, 200, "{}", snaps.body);
    let snaps = snaps.data()["items"].clone();
    assert_eq!(snaps.as_array().map(Vec::len), Some(1), "{snaps}");
    assert_eq!(common::block_texts(&snaps[0]["content"]), ["hello"]);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let feed = admin
            .get(&at(&p, &format!("/docs/{doc}/activities")))
            .await
            .data()["items"]
            .clone();
        let live = feed
            .as_array()
            .and_then(|f| f.iter().find(|e| e["content"]["live"] == true))
            .cloned();
        if let Some(entry) = live {
            assert_eq!(entry["activity_type"], "doc.updated");
            assert_eq!(
                common::block_texts(&entry["content"]["changes"][0]["old"]),
                ["hello"]
            );
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no doc.updated for the live edit: {feed}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    b2.edit(paragraphs(&["hello!", "from a"])).await;
    a.until(
        |e| common::block_texts(&e.blocks()) == ["hello!", "from a"],
        "b's edit at a",
    )
    .await;
    assert_eq!(rest_texts(&admin, &p, &doc).await, ["hello!", "from a"]);

    let r = admin
        .patch(
            &at(&p, &format!("/docs/{doc}")),
            &json!({"content": paragraphs(&["hello!", "from a", "from rest"])}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    for e in [&mut a, &mut b2] {
        e.until(
            |e| common::block_texts(&e.blocks()).len() == 3,
            "the REST edit live",
        )
        .await;
    }

    // What was acknowledged survives a restart.
    drop(a);
    drop(b2);
    s.restart(&[]).await;
    let admin = s.admin().await;
    assert_eq!(
        rest_texts(&admin, &p, &doc).await,
        ["hello!", "from a", "from rest"]
    );
}

/// Cursors: an editor's awareness reaches the others under the name the server knows.
async fn awareness_is_relayed_and_stamped(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Cursors").await;
    let doc = new_doc(&admin, &p, &["x"]).await;
    let (ann, ann_id) = s.user("ann", "USER").await;
    common::add_member(&admin, &p, &ann_id, "Editor").await;
    let mut a = Editor::connect(&s.base, &doc, &ann.access_token().expect("token")).await;
    let mut b2 = Editor::connect(&s.base, &doc, &admin.access_token().expect("token")).await;
    let client = a.client();
    let state = json!({"user": {"name": "Someone Else", "color": "#ff0000"}, "cursor": null});
    a.send(live::awareness(&[AwarenessEntry {
        client,
        clock: 1,
        state: state.to_string(),
    }]))
    .await;
    b2.until(|e| e.awareness.contains_key(&client), "a's cursor at b")
        .await;
    let seen: Value = serde_json::from_str(&b2.awareness[&client]).expect("json");
    assert_eq!(
        seen["user"]["name"], "ann",
        "the server's name, not the one sent"
    );
    assert_eq!(seen["user"]["color"], "#ff0000");
    assert_eq!(seen["user"]["id"], ann_id.as_str());
    // An awareness flood is dropped over the rate, then closed with 4429.
    let (flooder, flooder_id) = s.user("flo", "USER").await;
    common::add_member(&admin, &p, &flooder_id, "Editor").await;
    let mut flood = Editor::connect(&s.base, &doc, &flooder.access_token().expect("token")).await;
    let me = flood.client();
    for clock in 1..=400 {
        let frame = live::awareness(&[AwarenessEntry {
            client: me,
            clock,
            state: json!({"cursor": clock}).to_string(),
        }]);
        // The server may close it before the last ones are sent.
        let _ = flood.socket.send(Frame::Binary(frame.into())).await;
    }
    let (code, reason) = flood.closed().await;
    assert_eq!(code, 4429, "{reason}");
    // b cannot speak for a's client id.
    b2.send(live::awareness(&[AwarenessEntry {
        client,
        clock: 9,
        state: "null".into(),
    }]))
    .await;
    // a leaves: b learns it.
    drop(a);
    b2.until(
        |e| e.awareness.get(&client).is_some_and(|s| s == "null"),
        "a leaving",
    )
    .await;
}

/// A reader follows live but its edits are refused; access is decided again when it changes.
async fn readers_follow_and_access_is_rechecked(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Guarded").await;
    let doc = new_doc(&admin, &p, &["kept"]).await;
    let (viewer, viewer_id) = s.user("vera", "USER").await;
    let member = common::add_member(&admin, &p, &viewer_id, "Viewer").await;
    let token = viewer.access_token().expect("token");
    let mut reader = Editor::connect(&s.base, &doc, &token).await;
    reader.edit(paragraphs(&["vandalized"])).await;
    reader.until(|e| e.denied > 0, "permission denied").await;
    assert_eq!(rest_texts(&admin, &p, &doc).await, ["kept"]);
    // The reader still follows.
    let r = admin
        .patch(
            &at(&p, &format!("/docs/{doc}")),
            &json!({"content": paragraphs(&["kept", "more"])}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    reader
        .until(
            |e| common::block_texts(&e.blocks()).contains(&"more".to_owned()),
            "a writer's edit at the reader",
        )
        .await;

    // Made an editor: its next edit counts.
    let editor_role = common::id_named(&admin.get(&at(&p, "/roles")).await, "role_name", "Editor");
    let r = admin
        .patch(
            &at(&p, &format!("/members/{member}")),
            &json!({"project_role_id": editor_role}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // (A fresh editor: the reader's own copy still holds the edit that was refused, which
    // later edits of that copy build on.)
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let mut promoted = Editor::connect(&s.base, &doc, &token).await;
        promoted
            .edit(paragraphs(&["kept", "more", "by vera"]))
            .await;
        let _ = promoted.step(Duration::from_millis(300)).await;
        if rest_texts(&admin, &p, &doc).await.len() == 3 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the promoted reader's edit never counted"
        );
    }

    // Removed from the project: closed with 4403.
    let r = admin.delete(&at(&p, &format!("/members/{member}"))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (code, reason) = reader.closed().await;
    assert_eq!(code, 4403, "{reason}");

    // The document deleted: its editors are closed with 4404.
    let mut writer = Editor::connect(&s.base, &doc, &admin.access_token().expect("token")).await;
    let r = admin.delete(&at(&p, &format!("/docs/{doc}"))).await;
    assert_eq!(r.status, 204, "{}", r.body);
    let (code, reason) = writer.closed().await;
    assert_eq!(code, 4404, "{reason}");
}

async fn refused_connections_close_with_a_code(b: Backend) {
    let Some(s) = TestServer::start_with(
        b,
        &[("DOC_UPDATE_MAX_BYTES", "2048"), ("DOC_MAX_EDITORS", "2")],
    )
    .await
    else {
        return;
    };
    let admin = s.admin().await;
    let token = admin.access_token().expect("token");
    let p = project(&admin, "Refusals").await;
    let doc = new_doc(&admin, &p, &["x"]).await;
    let close_of = |url: String| async move {
        let (mut socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("upgrade");
        loop {
            match socket.next().await {
                Some(Ok(Frame::Close(Some(c)))) => {
                    return (u16::from(c.code), c.reason.to_string());
                }
                Some(Ok(_)) => continue,
                other => panic!("no close frame: {other:?}"),
            }
        }
    };
    assert_eq!(close_of(ws_url(&s.base, &doc, None)).await.0, 4401);
    assert_eq!(
        close_of(ws_url(&s.base, &doc, Some("not-a-token"))).await.0,
        4401
    );
    assert_eq!(
        close_of(ws_url(
            &s.base,
            &uuid::Uuid::new_v4().to_string(),
            Some(&token)
        ))
        .await
        .0,
        4404
    );
    assert_eq!(
        close_of(ws_url(&s.base, "nope", Some(&token))).await.0,
        4404
    );
    let (stranger, _) = s.user("sam", "USER").await;
    let code = close_of(ws_url(
        &s.base,
        &doc,
        Some(&stranger.access_token().expect("token")),
    ))
    .await
    .0;
    assert!(matches!(code, 4403 | 4404), "{code}");

    // A plain GET is told to upgrade, in the envelope.
    let r = admin.get(&format!("/ws/docs/{doc}")).await;
    assert_eq!(
        (r.status, r.error_code()),
        (426, "UPGRADE_REQUIRED".to_owned()),
        "{}",
        r.body
    );

    // Editors per document.
    let _one = Editor::connect(&s.base, &doc, &token).await;
    let _two = Editor::connect(&s.base, &doc, &token).await;
    let (code, reason) = close_of(ws_url(&s.base, &doc, Some(&token))).await;
    assert_eq!(code, 4429, "{reason}");
    drop(_two);

    // An update over the limit closes its editor with 4413, and is not kept.
    let mut big = {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let (mut socket, _) =
                tokio_tungstenite::connect_async(ws_url(&s.base, &doc, Some(&token)))
                    .await
                    .expect("connect");
            match tokio::time::timeout(Duration::from_secs(2), socket.next()).await {
                Ok(Some(Ok(Frame::Binary(_)))) => break socket,
                _ => assert!(
                    tokio::time::Instant::now() < deadline,
                    "the second slot never freed"
                ),
            }
        }
    };
    let long = "y".repeat(4096);
    let update = {
        let scratch = blocknote::new_doc();
        let fragment = scratch.get_or_insert_xml_fragment(blocknote::FRAGMENT);
        let mut txn = scratch.transact_mut();
        blocknote::write(&mut txn, &fragment, &paragraphs(&[&long])).expect("write");
        txn.encode_update_v1()
    };
    big.send(Frame::Binary(live::update(&update).into()))
        .await
        .expect("send");
    let code = loop {
        match big.next().await {
            Some(Ok(Frame::Close(Some(c)))) => break u16::from(c.code),
            Some(Ok(_)) => continue,
            other => panic!("no close frame: {other:?}"),
        }
    };
    assert_eq!(code, 4413);
    assert_eq!(rest_texts(&admin, &p, &doc).await, ["x"]);
}

/// Editors on two nodes of one database and bus converge.
async fn two_nodes_converge(b: Backend) {
    if b == Backend::Sqlite {
        return; // one SQLite file belongs to one node
    }
    let secret = ("JWT_SECRET", "docs-live-secret-0123456789abcdefghij");
    let Some(a) = TestServer::start_with(b, &[secret]).await else {
        return;
    };
    let node_b = a.second_node().await;
    let admin = a.admin().await;
    let token = admin.access_token().expect("token");
    let p = project(&admin, "Two nodes").await;
    let doc = new_doc(&admin, &p, &["start"]).await;
    let mut on_a = Editor::connect(&a.base, &doc, &token).await;
    let mut on_b = Editor::connect(&node_b.base, &doc, &token).await;
    on_a.edit(paragraphs(&["start", "from a"])).await;
    on_b.until(
        |e| common::block_texts(&e.blocks()).len() == 2,
        "a's edit on node b",
    )
    .await;
    on_b.edit(paragraphs(&["start", "from a", "from b"])).await;
    on_a.until(
        |e| common::block_texts(&e.blocks()).len() == 3,
        "b's edit on node a",
    )
    .await;
    assert_eq!(on_a.blocks(), on_b.blocks());
    let client = on_a.client();
    on_a.send(live::awareness(&[AwarenessEntry {
        client,
        clock: 1,
        state: json!({"user": {"color": "#00f"}}).to_string(),
    }]))
    .await;
    on_b.until(
        |e| e.awareness.contains_key(&client),
        "a's cursor on node b",
    )
    .await;
    let on_b_rest = Client::new(&node_b.base);
    *on_b_rest.access.lock().expect("lock") = Some(token.clone());
    assert_eq!(
        rest_texts(&on_b_rest, &p, &doc).await,
        ["start", "from a", "from b"]
    );
}

on_both_backends!(
    editors_share_edits,
    awareness_is_relayed_and_stamped,
    readers_follow_and_access_is_rechecked,
    refused_connections_close_with_a_code,
    two_nodes_converge
);
