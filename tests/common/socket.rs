//! A minimal Socket.IO v5 client over the Engine.IO v4 websocket transport, enough to drive
//! Corral's realtime edge from tests: connect with auth, emit with acknowledgement, receive
//! events (answering pings).

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub struct Socket {
    ws: Ws,
    next_ack: u64,
    /// Events received while waiting for something else.
    pending: Vec<(String, Value)>,
}

/// How a connection attempt ended.
pub enum Connected {
    Ok(Box<Socket>),
    /// `connect_error` with its message.
    Refused(String),
}

impl Socket {
    /// Connects to `/ws/socket.io` of `base` (http://…), with `auth` and extra headers.
    pub async fn connect(base: &str, auth: Value, headers: &[(&str, String)]) -> Connected {
        Self::connect_at(base, "/ws/socket.io", auth, headers).await
    }

    /// Connects to the Socket.IO endpoint at `path` of `base`.
    pub async fn connect_at(
        base: &str,
        path: &str,
        auth: Value,
        headers: &[(&str, String)],
    ) -> Connected {
        let url = format!(
            "{}{path}/?EIO=4&transport=websocket",
            base.replacen("http", "ws", 1)
        );
        let mut request = url.into_client_request().expect("request");
        for (k, v) in headers {
            let name = tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(k.as_bytes())
                .expect("header name");
            request
                .headers_mut()
                .insert(name, v.parse().expect("header"));
        }
        let (ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("websocket");
        let mut socket = Socket {
            ws,
            next_ack: 1,
            pending: Vec::new(),
        };
        let open = socket.frame().await.expect("open packet");
        assert!(open.starts_with('0'), "engine.io open: {open}");
        socket.send(format!("40{auth}")).await;
        loop {
            let frame = socket.frame().await.expect("connect reply");
            if let Some(rest) = frame.strip_prefix("40") {
                let _ = rest;
                return Connected::Ok(Box::new(socket));
            }
            if let Some(rest) = frame.strip_prefix("44") {
                let v: Value = serde_json::from_str(rest).unwrap_or(Value::Null);
                return Connected::Refused(v["message"].as_str().unwrap_or(rest).to_owned());
            }
        }
    }

    /// Connects with `auth.token`; panics when refused.
    pub async fn with_token(base: &str, token: &str) -> Socket {
        match Self::connect(base, json!({"token": token}), &[]).await {
            Connected::Ok(s) => *s,
            Connected::Refused(m) => panic!("refused: {m}"),
        }
    }

    async fn send(&mut self, text: String) {
        self.ws
            .send(Message::Text(text.into()))
            .await
            .expect("send");
    }

    /// The next Engine.IO frame, answering pings; `None` when the connection ends.
    async fn frame(&mut self) -> Option<String> {
        loop {
            match tokio::time::timeout(Duration::from_secs(10), self.ws.next())
                .await
                .ok()??
            {
                Ok(Message::Text(t)) if t.as_str() == "2" => self.send("3".into()).await,
                Ok(Message::Text(t)) => return Some(t.to_string()),
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => {}
            }
        }
    }

    /// Emits `event` and waits for its acknowledgement.
    pub async fn call(&mut self, event: &str, data: Value) -> Value {
        let id = self.next_ack;
        self.next_ack += 1;
        self.send(format!("42{id}{}", json!([event, data]))).await;
        loop {
            let frame = self.frame().await.expect("ack");
            if let Some(rest) = frame.strip_prefix(&format!("43{id}")) {
                let v: Value = serde_json::from_str(rest).expect("ack json");
                return v[0].clone();
            }
            if let Some(ev) = parse_event(&frame) {
                self.pending.push(ev);
            }
        }
    }

    /// The next event (name, data), or `None` if none comes within `wait`.
    pub async fn next_event(&mut self, wait: Duration) -> Option<(String, Value)> {
        if !self.pending.is_empty() {
            return Some(self.pending.remove(0));
        }
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.frame())
                .await
                .ok()??;
            if let Some(ev) = parse_event(&frame) {
                return Some(ev);
            }
        }
    }

    /// Events named `name` until `count` arrived or `wait` passed.
    pub async fn collect(&mut self, name: &str, count: usize, wait: Duration) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut out = Vec::new();
        while out.len() < count {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_event(left).await {
                Some((n, v)) if n == name => out.push(v),
                Some(_) => {}
                None => break,
            }
        }
        out
    }

    /// Emits `join` with `data` and waits for its acknowledgement, keeping only `event` frames
    /// (others, such as large presence snapshots, are dropped unparsed): for crowds.
    pub async fn join_lean(&mut self, data: Value) -> Value {
        let id = self.next_ack;
        self.next_ack += 1;
        self.send(format!("42{id}{}", json!(["join", data]))).await;
        let ack = format!("43{id}");
        loop {
            let frame = self.frame().await.expect("ack");
            if let Some(rest) = frame.strip_prefix(&ack) {
                let v: Value = serde_json::from_str(rest).expect("ack json");
                return v[0].clone();
            }
            if frame.starts_with("42[\"event\"") {
                self.pending.extend(parse_event(&frame));
            }
        }
    }

    /// Like [`Socket::collect`], but frames of other events are dropped unparsed.
    pub async fn collect_lean(&mut self, name: &str, count: usize, wait: Duration) -> Vec<Value> {
        let mut out: Vec<Value> = Vec::new();
        let mut kept = Vec::new();
        for (n, v) in self.pending.drain(..) {
            if n == name && out.len() < count {
                out.push(v);
            } else {
                kept.push((n, v));
            }
        }
        self.pending = kept;
        let prefix = format!("42[{}", json!(name));
        let deadline = tokio::time::Instant::now() + wait;
        while out.len() < count {
            let Ok(Some(frame)) = tokio::time::timeout_at(deadline, self.frame()).await else {
                break;
            };
            if frame.starts_with(&prefix) {
                out.extend(parse_event(&frame).map(|(_, v)| v));
            }
        }
        out
    }

    /// Emits an event without asking for an acknowledgement.
    pub async fn emit(&mut self, event: &str, data: Value) {
        self.send(format!("42{}", json!([event, data]))).await;
    }

    /// Emits `leave` (no acknowledgement) and gives the server a moment to apply it.
    pub async fn send_leave(&mut self, project: &str) {
        self.send(format!("42{}", json!(["leave", {"projectId": project}])))
            .await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    /// Leaves the namespace (as `socket.disconnect()` does) and closes the connection.
    pub async fn close(mut self) {
        self.send("41".into()).await;
        let _ = self.ws.close(None).await;
    }
}

pub fn parse_event(frame: &str) -> Option<(String, Value)> {
    let rest = frame.strip_prefix("42")?;
    let v: Value = serde_json::from_str(rest).ok()?;
    Some((v[0].as_str()?.to_owned(), v[1].clone()))
}

/// A Socket.IO client on the long-polling transport that reads only when told to: a client
/// that stops reading, as a stalled browser tab does.
pub struct Polling {
    http: reqwest::Client,
    url: String,
    next_ack: u64,
}

impl Polling {
    /// Opens an Engine.IO session and connects the default namespace with `auth.token`.
    pub async fn connect(base: &str, token: &str) -> Polling {
        let http = reqwest::Client::new();
        let open = http
            .get(format!("{base}/ws/socket.io/?EIO=4&transport=polling"))
            .send()
            .await
            .expect("open")
            .text()
            .await
            .expect("open body");
        let handshake: Value =
            serde_json::from_str(open.strip_prefix('0').expect("open packet")).expect("json");
        let sid = handshake["sid"].as_str().expect("sid");
        let polling = Polling {
            http,
            url: format!("{base}/ws/socket.io/?EIO=4&transport=polling&sid={sid}"),
            next_ack: 1,
        };
        polling.post(format!("40{}", json!({"token": token}))).await;
        let mut seen = Vec::new();
        while !seen.iter().any(|p: &String| p.starts_with("40")) {
            let packets = polling.poll().await;
            assert!(
                !packets.is_empty() && seen.len() < 10,
                "no connect: {seen:?}"
            );
            seen.extend(packets);
        }
        polling
    }

    async fn post(&self, packet: String) {
        let status = self
            .http
            .post(&self.url)
            .body(packet)
            .send()
            .await
            .expect("post")
            .status();
        assert!(status.is_success(), "post: {status}");
    }

    /// One long-poll: the packets the server had queued (empty once the session is closed).
    pub async fn poll(&self) -> Vec<String> {
        let Ok(resp) = self.http.get(&self.url).send().await else {
            return Vec::new();
        };
        if !resp.status().is_success() {
            return Vec::new();
        }
        let body = resp.text().await.unwrap_or_default();
        let packets: Vec<String> = body.split('\u{1e}').map(str::to_owned).collect();
        if packets.iter().any(|p| p == "2") {
            self.post("3".into()).await;
        }
        packets
    }

    /// Emits `event` with an acknowledgement id and polls until the acknowledgement arrives.
    pub async fn call(&mut self, event: &str, data: Value) -> Value {
        let id = self.next_ack;
        self.next_ack += 1;
        self.post(format!("42{id}{}", json!([event, data]))).await;
        loop {
            for p in self.poll().await {
                if let Some(rest) = p.strip_prefix(&format!("43{id}")) {
                    let v: Value = serde_json::from_str(rest).expect("ack json");
                    return v[0].clone();
                }
            }
        }
    }
}
