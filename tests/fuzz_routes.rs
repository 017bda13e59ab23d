//! Every route of the REST router, driven with hostile input: malformed bodies, wrong types,
//! invalid ids, huge and control-character strings, bad query values. No answer may be a 5xx,
//! every error is in the envelope, and a refused request changes nothing.
//!
//! The routes are read from `http/src/router.rs` itself (included at compile time), so a new
//! route is fuzzed without editing this file.

mod common;

use common::{Auth, Backend, Client, Resp, TestServer, at, project};
use serde_json::{Value, json};

const ROUTER: &str = include_str!("../http/src/router.rs");

/// One method of one route, with its full path template.
#[derive(Debug, Clone)]
struct Route {
    method: &'static str,
    path: String,
}

/// The routes `router.rs` declares: each `.route("<path>", <methods>)`, where a path under
/// `/api/` or `/storage/` is absolute and any other is nested under `/api/v1`.
fn routes() -> Vec<Route> {
    let mut routes = Vec::new();
    let mut rest = ROUTER;
    while let Some(at) = rest.find(".route(") {
        rest = &rest[at + ".route(".len()..];
        let Some(open) = rest.find('"') else { break };
        let Some(len) = rest[open + 1..].find('"') else {
            break;
        };
        let template = &rest[open + 1..open + 1 + len];
        // The route's arguments end at the parenthesis that closes `.route(`.
        let mut depth = 1;
        let mut end = rest.len();
        for (i, ch) in rest.char_indices() {
            match ch {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let arguments = &rest[open + 1 + len + 1..end];
        let path = if template.starts_with("/api/") || template.starts_with("/storage/") {
            template.to_owned()
        } else {
            format!("/api/v1{template}")
        };
        for method in ["get", "post", "put", "patch", "delete"] {
            let called = format!("{method}(");
            let declared = arguments.match_indices(&called).any(|(i, _)| {
                i == 0
                    || !arguments.as_bytes()[i - 1].is_ascii_alphanumeric()
                        && arguments.as_bytes()[i - 1] != b'_'
                        && arguments.as_bytes()[i - 1] != b':'
            });
            if declared {
                routes.push(Route {
                    method: match method {
                        "get" => "GET",
                        "post" => "POST",
                        "put" => "PUT",
                        "patch" => "PATCH",
                        _ => "DELETE",
                    },
                    path: path.clone(),
                });
            }
        }
        rest = &rest[end..];
    }
    routes
}

/// Fills a path template: `valid` ids for the fixture's project and task, a random UUID for
/// any other id; or every parameter replaced by `raw`.
fn fill(template: &str, ids: &Fixture, raw: Option<&str>) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
        let name = &rest[open + 1..close];
        out.push_str(&match (raw, name) {
            (Some(raw), _) => raw.to_owned(),
            (None, "project_id") => ids.project.clone(),
            (None, "task_id") => ids.task.clone(),
            (None, _) => uuid::Uuid::new_v4().to_string(),
        });
        rest = &rest[(close + 1).min(rest.len())..];
    }
    out.push_str(rest);
    out
}

struct Fixture {
    project: String,
    task: String,
}

fn hostile_ids() -> Vec<String> {
    vec![
        "not-a-uuid".into(),
        "%FF%FE".into(),
        "0".into(),
        "-1".into(),
        "x".repeat(300),
        "%00".into(),
        "'%20OR%20'1'='1".into(),
        "..%2F..%2Fetc".into(),
        "00000000-0000-0000-0000-000000000000".into(),
    ]
}

fn hostile_bodies() -> Vec<Vec<u8>> {
    let fields = [
        "name",
        "title",
        "content",
        "description",
        "username",
        "password",
        "current_password",
        "new_password",
        "full_name",
        "handle",
        "message",
        "key",
        "value",
        "prefix",
        "color",
        "category",
        "type",
        "status_id",
        "task_type_id",
        "sprint_id",
        "parent_id",
        "project_role_id",
        "global_role_id",
        "role_ids",
        "user_id",
        "agent_id",
        "assignee_ids",
        "task_ids",
        "target_task_id",
        "link_type",
        "position",
        "start_date",
        "end_date",
        "due_date",
        "permissions",
        "options",
        "custom_fields",
        "url",
        "command",
        "llm_provider",
        "llm_model",
        "max_iterations",
        "timeout_minutes",
        "expires_at",
        "is_public",
        "is_active",
    ];
    let object = |value: Value| -> Vec<u8> {
        let map: serde_json::Map<String, Value> = fields
            .iter()
            .map(|f| ((*f).to_owned(), value.clone()))
            .collect();
        Value::Object(map).to_string().into_bytes()
    };
    let mut nested = json!("deep");
    for _ in 0..200 {
        nested = json!([nested]);
    }
    vec![
        b"{".to_vec(),
        b"[]".to_vec(),
        b"\"a string\"".to_vec(),
        b"12".to_vec(),
        b"null".to_vec(),
        b"{\"a\":1}{\"b\":2}".to_vec(),
        object(json!(12)),
        object(json!([1, 2])),
        object(json!({"nested": true})),
        object(json!(-1e308)),
        object(json!(u64::MAX)),
        object(json!("x".repeat(100_000))),
        object(json!("\u{1}\u{7}\u{1b}[31m\u{7f}\u{202e}\u{feff}")),
        object(json!("nul\u{0}inside")),
        object(json!("not-a-uuid")),
        object(json!("2026-13-45T99:99:99Z")),
        object(nested),
    ]
}

const HOSTILE_QUERIES: &[&str] = &[
    "?page=-1&page_size=100000000&limit=-5&offset=abc&since=-9&cursor=%%%",
    "?page=99999999999999999999999&per_page=0&sort=zzz&order=sideways&direction=up",
    "?status_id=not-a-uuid&assignee_id=1&sprint_id=%FF&search=%E2%80%AE&q=\u{7f}",
    "?since=abc&limit=1e9&cursor=eyJub3QiOiJhIGN1cnNvciJ9",
    "?search=a%00b",
];

/// What a refused request must leave as it was.
async fn fingerprint(c: &Client, p: &str) -> Value {
    let events = read(c, &format!("{}?since=0&limit=1000", at(p, "/events"))).await;
    let projects = read(c, "/api/v1/projects?page_size=100").await;
    let users = read(c, "/api/v1/admin/users?page_size=100").await;
    let keys = read(c, "/api/v1/users/me/api-keys").await;
    let tasks = read(c, &at(p, "/tasks?page_size=200")).await;
    let mut all = json!([
        events.body["data"],
        projects.body["data"],
        users.body["data"],
        keys.body["data"],
        tasks.body["data"]
    ]);
    forget_usage(&mut all);
    all
}

/// A GET, sent again if the pooled connection it went out on was closed meanwhile (after a
/// request whose large body the server did not read, the server closes the connection; a
/// client may already have picked it for its next request, as browsers retry then too).
async fn read(c: &Client, path: &str) -> Resp {
    for _ in 0..3 {
        if let Some(r) = c.try_send("GET", path, None).await {
            return r;
        }
    }
    panic!("GET {path}: no answer in three tries");
}

/// Drops what every authenticated request updates (a key's last use).
fn forget_usage(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("last_used_at");
            map.values_mut().for_each(forget_usage);
        }
        Value::Array(items) => items.iter_mut().for_each(forget_usage),
        _ => {}
    }
}

fn check(route: &Route, url: &str, what: &str, r: &Resp, problems: &mut Vec<String>) {
    let label = format!(
        "{} {} ({what})",
        route.method,
        url.chars().take(160).collect::<String>()
    );
    if r.status >= 500 {
        problems.push(format!("{label}: {} {}", r.status, r.body));
        return;
    }
    if r.status >= 400 {
        let enveloped = r.header("content-type") == Some("application/json")
            && r.body["success"] == json!(false)
            && r.body["error_code"].as_str().is_some_and(|c| !c.is_empty())
            && r.body["error"].as_str().is_some();
        if !enveloped {
            problems.push(format!("{label}: {} not enveloped: {}", r.status, r.body));
        }
    }
}

async fn every_route_survives_hostile_input(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let routes = routes();
    assert!(
        routes.len() >= 100,
        "router.rs parsed into {} routes",
        routes.len()
    );
    let admin = s.admin().await;
    // An API key, so that fuzzing logout or the password routes cannot end the session.
    let key = admin
        .post("/api/v1/users/me/api-keys", &json!({"name": "fuzz"}))
        .await;
    let key = key.data()["key"].as_str().expect("api key").to_owned();
    let c = admin.with_auth(Auth::Bearer(key));
    let p = project(&c, "Fuzzed").await;
    let t = c.post(&at(&p, "/tasks"), &json!({"title": "target"})).await;
    let ids = Fixture {
        project: p.clone(),
        task: t.data()["id"].as_str().expect("task").to_owned(),
    };

    let mut problems = Vec::new();
    let mut last = fingerprint(&c, &p).await;
    let bodies = hostile_bodies();
    let mut sent = 0usize;
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for route in &routes {
        let mut attempts: Vec<(String, Option<Vec<u8>>, String)> = Vec::new();
        for raw in hostile_ids() {
            if route.path.contains('{') {
                attempts.push((
                    fill(&route.path, &ids, Some(&raw)),
                    None,
                    format!("id {raw}"),
                ));
            }
        }
        // The fixture's own project and task stay: only refused requests use valid ids to
        // delete, and bodies are hostile.
        let valid = fill(&route.path, &ids, None);
        match route.method {
            "GET" => {
                for q in HOSTILE_QUERIES {
                    attempts.push((format!("{valid}{q}"), None, format!("query {q}")));
                }
            }
            "DELETE" => {}
            _ => {
                for (i, body) in bodies.iter().enumerate() {
                    attempts.push((valid.clone(), Some(body.clone()), format!("body #{i}")));
                }
            }
        }
        for (url, body, what) in attempts {
            let large = body.as_ref().is_some_and(|b| b.len() > 64 * 1024);
            // One more try when the pooled connection was closed under it (see `read`).
            let mut answer = c.try_send(route.method, &url, body.clone()).await;
            if answer.is_none() {
                answer = c.try_send(route.method, &url, body).await;
            }
            let Some(r) = answer else {
                // A route that needs no body may answer and close before a large one is
                // written; the client then sees a broken pipe. Anything else is a problem.
                if !large {
                    problems.push(format!("{} {url} ({what}): no answer", route.method));
                }
                continue;
            };
            sent += 1;
            *statuses.entry(r.status).or_default() += 1;
            check(route, &url, &what, &r, &mut problems);
            if route.method != "GET" {
                let now = fingerprint(&c, &p).await;
                if r.status >= 400 && now != last {
                    problems.push(format!(
                        "{} {url} ({what}): refused with {} but changed state",
                        route.method, r.status
                    ));
                }
                last = now;
            }
        }
    }
    eprintln!(
        "{sent} requests over {} routes; statuses: {statuses:?}",
        routes.len()
    );
    assert!(sent > 1000, "only {sent} requests sent");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_router_is_parsed() {
    let routes = routes();
    let has = |m: &str, p: &str| routes.iter().any(|r| r.method == m && r.path == p);
    assert!(has("POST", "/api/v1/auth/login"));
    assert!(has("GET", "/api/healthz"));
    assert!(has("PATCH", "/api/v1/projects/{project_id}"));
    assert!(has("DELETE", "/api/v1/projects/{project_id}"));
    assert!(!has("DELETE", "/api/v1/auth/login"));
    assert!(has("PUT", "/storage/{*key}"));
}

on_both_backends!(every_route_survives_hostile_input);
