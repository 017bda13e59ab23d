//! Hostile input at the edge: values no store can keep are refused before they reach a batch,
//! a command the database refuses fails alone while the rest of its batch commits, and every
//! refusal (the framework's own included) is in the envelope.

mod common;

use common::{Backend, Client, TestServer, at, project};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const HONEST: usize = 24;
const WRITES: usize = 15;

async fn task(c: &Client, p: &str, title: &str) -> String {
    let r = c.post(&at(p, "/tasks"), &json!({"title": title})).await;
    assert_eq!(r.status, 201, "{r:?}");
    r.data()["id"].as_str().expect("id").to_owned()
}

/// Honest writers each rename their own task `WRITES` times; returns how many writes failed.
async fn honest_writers(c: &Arc<Client>, p: &str, tasks: &[String]) -> usize {
    let failures = Arc::new(AtomicUsize::new(0));
    let mut writers = Vec::new();
    for (i, t) in tasks.iter().enumerate() {
        let (c, url, failures) = (c.clone(), at(p, &format!("/tasks/{t}")), failures.clone());
        writers.push(tokio::spawn(async move {
            for n in 0..WRITES {
                let r = c
                    .patch(&url, &json!({"title": format!("honest {i} {n}")}))
                    .await;
                if r.status != 200 {
                    eprintln!("honest write failed: {r:?}");
                    failures.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for w in writers {
        w.await.expect("writer");
    }
    failures.load(Ordering::Relaxed)
}

async fn assert_final_titles(c: &Client, p: &str, tasks: &[String]) {
    for (i, t) in tasks.iter().enumerate() {
        let r = c.get(&at(p, &format!("/tasks/{t}"))).await;
        assert_eq!(
            r.data()["title"],
            json!(format!("honest {i} {}", WRITES - 1)),
            "every acknowledged write is kept"
        );
    }
}

async fn nul_characters_are_refused_and_honest_writers_never_fail(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = Arc::new(s.admin().await);
    let p = project(&c, "Poisoned").await;
    let mut tasks = Vec::new();
    for i in 0..HONEST {
        tasks.push(task(&c, &p, &format!("task {i}")).await);
    }
    let target = task(&c, &p, "target").await;
    let done = Arc::new(AtomicUsize::new(0));
    let poison = {
        let (c, p, target, done) = (c.clone(), p.clone(), target.clone(), done.clone());
        tokio::spawn(async move {
            let mut refused = 0;
            let attempts: Vec<(&str, String, Value)> = vec![
                (
                    "PATCH",
                    at(&p, &format!("/tasks/{target}")),
                    json!({"title": "evil\u{0}"}),
                ),
                ("POST", at(&p, "/tasks"), json!({"title": "evil\u{0}task"})),
                (
                    "POST",
                    at(&p, &format!("/tasks/{target}/activities/comments")),
                    json!({"content": {"type": "doc", "text": "bad\u{0}"}}),
                ),
                ("PATCH", at(&p, ""), json!({"name": "evil\u{0}name"})),
                (
                    "PATCH",
                    "/api/v1/users/me".into(),
                    json!({"full_name": "A\u{0}B"}),
                ),
                (
                    "POST",
                    at(&p, "/tasks"),
                    json!({"title": "ok", "custom_fields": {"x\u{0}": "y"}}),
                ),
            ];
            while done.load(Ordering::Relaxed) == 0 {
                for (method, url, body) in &attempts {
                    let r = c
                        .send(method, url, Some(body.to_string().into_bytes()), &[])
                        .await;
                    r.assert_error(400, "VALIDATION_ERROR");
                    refused += 1;
                }
            }
            refused
        })
    };
    let failures = honest_writers(&c, &p, &tasks).await;
    done.store(1, Ordering::Relaxed);
    let refused = poison.await.expect("poison");
    assert_eq!(failures, 0, "no honest write fails");
    assert!(refused >= 6, "the poison was sent");
    assert_final_titles(&c, &p, &tasks).await;
    let t = c.get(&at(&p, &format!("/tasks/{target}"))).await;
    assert_eq!(
        t.data()["title"],
        "target",
        "nothing of the poison was stored"
    );
    assert_eq!(t.data()["version"], 1);
    let me = c.get("/api/v1/users/me").await;
    assert!(
        !me.data()["full_name"]
            .as_str()
            .unwrap_or_default()
            .contains('\u{0}')
    );
    // The error names the field.
    let r = c
        .patch(
            &at(&p, &format!("/tasks/{target}")),
            &json!({"description": {"blocks": [{"text": "a\u{0}"}]}}),
        )
        .await;
    r.assert_error(400, "VALIDATION_ERROR");
    assert!(
        r.body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("description.blocks[0].text"),
        "{r:?}"
    );
    // So does a URL.
    c.get(&format!("{}?search=a%00b", at(&p, "/tasks")))
        .await
        .assert_error(400, "VALIDATION_ERROR");
}

/// Makes the database refuse any task whose title starts with `poison`, as a constraint or a
/// value only one backend refuses would.
async fn install_poison_trigger(s: &TestServer) {
    use sqlx::Connection;
    match s.backend {
        Backend::Sqlite => {
            let url = format!("sqlite://{}", s.data_dir.join("corral.db").display());
            let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("sqlite");
            for trigger in [
                "CREATE TRIGGER poison_insert BEFORE INSERT ON tasks WHEN NEW.title LIKE 'poison%' \
                 BEGIN SELECT RAISE(ABORT, 'poisoned row'); END",
                "CREATE TRIGGER poison_update BEFORE UPDATE ON tasks WHEN NEW.title LIKE 'poison%' \
                 BEGIN SELECT RAISE(ABORT, 'poisoned row'); END",
            ] {
                sqlx::query(trigger)
                    .execute(&mut conn)
                    .await
                    .expect("trigger");
            }
        }
        Backend::PostgresValkey => {
            let url = &s.db.as_ref().expect("database").url;
            let mut conn = sqlx::PgConnection::connect(url).await.expect("postgres");
            sqlx::query(
                "CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN \
                 IF NEW.title LIKE 'poison%' THEN RAISE EXCEPTION 'poisoned row'; END IF; \
                 RETURN NEW; END $$ LANGUAGE plpgsql",
            )
            .execute(&mut conn)
            .await
            .expect("function");
            sqlx::query(
                "CREATE TRIGGER poison BEFORE INSERT OR UPDATE ON tasks \
                 FOR EACH ROW EXECUTE FUNCTION poison()",
            )
            .execute(&mut conn)
            .await
            .expect("trigger");
        }
    }
}

async fn a_refused_command_fails_alone(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = Arc::new(s.admin().await);
    let p = project(&c, "Refused").await;
    let mut tasks = Vec::new();
    for i in 0..HONEST {
        tasks.push(task(&c, &p, &format!("task {i}")).await);
    }
    let target = task(&c, &p, "target").await;
    install_poison_trigger(&s).await;
    let done = Arc::new(AtomicUsize::new(0));
    let poison = {
        let (c, url, done) = (c.clone(), at(&p, &format!("/tasks/{target}")), done.clone());
        tokio::spawn(async move {
            let mut refused = 0;
            while done.load(Ordering::Relaxed) == 0 {
                let r = c
                    .patch(&url, &json!({"title": format!("poison {refused}")}))
                    .await;
                r.assert_error(500, "INTERNAL_ERROR");
                refused += 1;
            }
            refused
        })
    };
    let failures = honest_writers(&c, &p, &tasks).await;
    done.store(1, Ordering::Relaxed);
    let refused = poison.await.expect("poison");
    assert_eq!(failures, 0, "no honest write fails beside a refused one");
    assert!(refused > 0);
    assert_final_titles(&c, &p, &tasks).await;
    let t = c.get(&at(&p, &format!("/tasks/{target}"))).await;
    assert_eq!(t.data()["title"], "target");
    let stats = s.projects().stats();
    assert!(
        stats.split_batches.load(Ordering::Relaxed) > 0,
        "a refused batch was split (the poison shared a batch with honest writes)"
    );
    assert!(stats.isolated_failures.load(Ordering::Relaxed) >= refused as u64);
    // The event log has no gap and nothing of the poison.
    let events = common::load::all_events(&c, &p).await;
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["seq"], json!(i + 1), "gapless sequence");
    }
    assert!(
        !events.iter().any(|e| e.to_string().contains("poison")),
        "no event of a refused command"
    );
}

async fn every_refusal_is_enveloped(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let c = s.admin().await;
    project(&c, "Envelope").await;
    let enveloped = |r: &common::Resp, status: u16, code: &str| {
        assert_eq!(r.status, status, "{r:?}");
        assert_eq!(r.header("content-type"), Some("application/json"), "{r:?}");
        assert_eq!(r.body["success"], json!(false), "{r:?}");
        assert_eq!(r.body["error_code"], json!(code), "{r:?}");
        assert!(r.body["error"].as_str().is_some_and(|e| !e.is_empty()));
    };
    // A path segment that is not UTF-8.
    let r = c.get("/api/v1/projects/%FF%FE/tasks").await;
    enveloped(&r, 400, "BAD_REQUEST");
    // A URL over hyper's limit, answered before any route runs.
    let r = raw_get(
        &s.base,
        &format!("/api/v1/users/me?x={}", "a".repeat(100 * 1024)),
    )
    .await;
    enveloped(&r, 414, "URI_TOO_LONG");
    // Headers over the buffer, likewise.
    let r = raw_get_with(&s.base, "/api/v1/users/me", &"x".repeat(500 * 1024)).await;
    enveloped(&r, 431, "HEADERS_TOO_LARGE");
    // A JSON body sent as something else.
    let r = c
        .send(
            "POST",
            "/api/v1/projects",
            Some(br#"{"name":"sneaky"}"#.to_vec()),
            &[("content-type", "text/plain")],
        )
        .await;
    enveloped(&r, 415, "UNSUPPORTED_MEDIA_TYPE");
    let r = c
        .send(
            "POST",
            "/api/v1/projects",
            Some(br#"{"name":"form"}"#.to_vec()),
            &[("content-type", "application/x-www-form-urlencoded")],
        )
        .await;
    enveloped(&r, 415, "UNSUPPORTED_MEDIA_TYPE");
    let projects = c.get("/api/v1/projects").await;
    assert!(
        !projects.body.to_string().contains("sneaky")
            && !projects.body.to_string().contains("\"form\""),
        "a refused body changes nothing"
    );
    // JSON with parameters or a +json type is fine.
    let r = c
        .send(
            "POST",
            "/api/v1/projects",
            Some(br#"{"name":"Charset"}"#.to_vec()),
            &[("content-type", "application/json; charset=utf-8")],
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
}

/// A GET written by hand (HTTP clients refuse URLs this long), with one extra header value.
async fn raw_get_with(base: &str, path: &str, header: &str) -> common::Resp {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(base.trim_start_matches("http://"))
        .await
        .expect("connect");
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: x\r\nX-Big: {header}\r\nConnection: close\r\n\r\n");
    // The server may answer and close before it read everything.
    let _ = stream.write_all(request.as_bytes()).await;
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut raw),
    )
    .await;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut headers = reqwest::header::HeaderMap::new();
    for line in head.lines().skip(1) {
        if let Some((k, v)) = line.split_once(':')
            && let (Ok(k), Ok(v)) = (
                reqwest::header::HeaderName::from_bytes(k.trim().to_lowercase().as_bytes()),
                reqwest::header::HeaderValue::from_str(v.trim()),
            )
        {
            headers.insert(k, v);
        }
    }
    common::Resp {
        status,
        headers,
        body: serde_json::from_str(body).unwrap_or(Value::Null),
    }
}

async fn raw_get(base: &str, path: &str) -> common::Resp {
    raw_get_with(base, path, "y").await
}

on_both_backends!(
    nul_characters_are_refused_and_honest_writers_never_fail,
    a_refused_command_fails_alone,
    every_refusal_is_enveloped,
);
