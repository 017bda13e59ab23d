//! The Docker runtime against a fake Docker Engine API (no Docker engine runs here): the
//! requests it makes, the limits and isolation it asks for, and that it leaves nothing behind
//! after a stop or a failed start.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use corral_actors::sandbox::{AgentProgram, SandboxLimits, SandboxRuntime, SandboxSpec};
use corral_sandbox::docker::{CONVERSATION_LABEL, MANAGED_LABEL};
use corral_sandbox::{DockerConfig, DockerRuntime};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
struct Engine {
    /// (method, path without the API version, query, body)
    requests: Vec<(String, String, String, Value)>,
    /// container id → (name, labels, running)
    containers: HashMap<String, (String, Value, bool)>,
    networks: Vec<String>,
}

type Shared = Arc<Mutex<Engine>>;

fn json_response(status: StatusCode, v: Value) -> Response {
    (
        status,
        [("content-type", "application/json")],
        v.to_string(),
    )
        .into_response()
}

fn not_found() -> Response {
    json_response(StatusCode::NOT_FOUND, json!({"message": "no such object"}))
}

async fn engine(State(engine): State<Shared>, request: Request) -> Response {
    let method = request.method().clone();
    let uri = request.uri().clone();
    let body: Bytes = axum::body::to_bytes(request.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    // Strip the API version prefix (`/v1.53`).
    let path = uri.path();
    let path = match path.strip_prefix("/v") {
        Some(rest) => rest.find('/').map_or(path, |i| &rest[i..]),
        None => path,
    }
    .to_owned();
    let query = uri.query().unwrap_or_default().to_owned();
    let mut e = engine.lock().expect("engine");
    e.requests.push((
        method.to_string(),
        path.clone(),
        query.clone(),
        body.clone(),
    ));
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method, parts.as_slice()) {
        (Method::POST, ["networks", "create"]) => {
            let name = body["Name"].as_str().unwrap_or_default().to_owned();
            e.networks.push(name.clone());
            json_response(StatusCode::CREATED, json!({"Id": name, "Warning": ""}))
        }
        (Method::DELETE, ["networks", name]) => {
            let before = e.networks.len();
            e.networks.retain(|n| n != name);
            if e.networks.len() == before {
                not_found()
            } else {
                StatusCode::NO_CONTENT.into_response()
            }
        }
        (Method::POST, ["containers", "create"]) => {
            let name = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("name="))
                .unwrap_or_default()
                .to_owned();
            let id = format!("c{:06}", e.containers.len() + 1);
            e.containers
                .insert(id.clone(), (name, body["Labels"].clone(), false));
            json_response(StatusCode::CREATED, json!({"Id": id, "Warnings": []}))
        }
        (Method::POST, ["containers", id, "start"]) => {
            let image_fails = e
                .requests
                .iter()
                .any(|(_, p, _, b)| p == "/containers/create" && b["Image"] == "broken:latest");
            match e.containers.get_mut(*id) {
                Some(_) if image_fails => json_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({"message": "cannot start"}),
                ),
                Some(c) => {
                    c.2 = true;
                    StatusCode::NO_CONTENT.into_response()
                }
                None => not_found(),
            }
        }
        (Method::GET, ["containers", id, "json"]) => match e.containers.get(*id) {
            Some((name, labels, running)) => json_response(
                StatusCode::OK,
                json!({"Id": id, "Name": name, "State": {"Running": running},
                       "Config": {"Labels": labels},
                       "NetworkSettings": {"Ports": {"8000/tcp": [{"HostIp": "127.0.0.1", "HostPort": "49153"}]}}}),
            ),
            None => not_found(),
        },
        (Method::POST, ["containers", key, "stop"]) => {
            let found = e
                .containers
                .iter_mut()
                .find(|(id, c)| *id == key || c.0 == *key);
            match found {
                Some((_, c)) => {
                    c.2 = false;
                    StatusCode::NO_CONTENT.into_response()
                }
                None => not_found(),
            }
        }
        (Method::DELETE, ["containers", key]) => {
            let id = e
                .containers
                .iter()
                .find(|(id, c)| *id == key || c.0 == *key)
                .map(|(id, _)| id.clone());
            match id {
                Some(id) => {
                    e.containers.remove(&id);
                    StatusCode::NO_CONTENT.into_response()
                }
                None => not_found(),
            }
        }
        (Method::GET, ["containers", "json"]) => {
            let list: Vec<Value> = e
                .containers
                .iter()
                .map(|(id, (_, labels, _))| json!({"Id": id, "Labels": labels}))
                .collect();
            json_response(StatusCode::OK, Value::Array(list))
        }
        _ => json_response(
            StatusCode::NOT_IMPLEMENTED,
            json!({"message": format!("fake engine: {path}")}),
        ),
    }
}

async fn fake_engine() -> (String, Shared) {
    let shared: Shared = Arc::default();
    let app = Router::new().fallback(engine).with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), shared)
}

fn runtime(endpoint: &str, scripted_image: &str) -> DockerRuntime {
    DockerRuntime::connect(DockerConfig {
        endpoint: endpoint.to_owned(),
        openhands_image: "ghcr.io/example/agent-server:latest".into(),
        scripted_image: Some(scripted_image.to_owned()),
        container_port: 8000,
        stop_timeout: 5,
    })
    .expect("connect")
}

fn spec() -> SandboxSpec {
    SandboxSpec {
        conversation_id: uuid::Uuid::new_v4(),
        program: AgentProgram::OpenHands,
        env: [("GITHUB_TOKEN".to_owned(), "t0k3n".to_owned())].into(),
        limits: SandboxLimits {
            cpu_millis: 1500,
            memory_bytes: 2 << 30,
            pids: 300,
            lifetime: Duration::from_secs(600),
        },
    }
}

#[tokio::test]
async fn containers_get_limits_their_own_network_and_are_removed() {
    let (endpoint, engine) = fake_engine().await;
    let rt = runtime(&endpoint, "corral:latest");
    let spec = spec();
    let sandbox = rt.start(&spec).await.expect("start");
    assert_eq!(sandbox.endpoint, "http://127.0.0.1:49153");
    assert!(rt.alive(&sandbox).await);

    let name = format!("corral-sandbox-{}", spec.conversation_id);
    {
        let e = engine.lock().expect("engine");
        let (_, _, query, create) = e
            .requests
            .iter()
            .find(|(m, p, _, _)| m == "POST" && p == "/containers/create")
            .expect("create request");
        assert!(query.contains(&format!("name={name}")), "{query}");
        let host = &create["HostConfig"];
        assert_eq!(host["NanoCpus"], 1_500_000_000i64, "{host}");
        assert_eq!(host["Memory"], 2i64 << 30);
        assert_eq!(host["MemorySwap"], 2i64 << 30, "no swap beyond the limit");
        assert_eq!(host["PidsLimit"], 300);
        assert_eq!(host["NetworkMode"], name.as_str(), "its own network");
        assert_eq!(host["CapDrop"], json!(["ALL"]));
        assert_eq!(host["SecurityOpt"], json!(["no-new-privileges"]));
        assert_eq!(
            host["PortBindings"]["8000/tcp"][0]["HostIp"], "127.0.0.1",
            "published on loopback only"
        );
        assert_eq!(create["Image"], "ghcr.io/example/agent-server:latest");
        assert_eq!(create["Labels"][MANAGED_LABEL], "true");
        assert_eq!(
            create["Labels"][CONVERSATION_LABEL],
            spec.conversation_id.to_string()
        );
        assert!(
            create["Env"]
                .as_array()
                .is_some_and(|env| env.iter().any(|v| v == "GITHUB_TOKEN=t0k3n")),
            "{create}"
        );
        let network = e
            .requests
            .iter()
            .find(|(m, p, _, _)| m == "POST" && p == "/networks/create")
            .map(|r| r.3.clone())
            .expect("network created");
        assert_eq!(
            (network["Name"].as_str(), network["Driver"].as_str()),
            (Some(name.as_str()), Some("bridge"))
        );
    }

    // Recovery sees it; stop removes container and network; stopping again is fine.
    assert_eq!(
        rt.list().await.expect("list"),
        vec![sandbox.clone()],
        "found by its labels"
    );
    rt.stop(&sandbox).await.expect("stop");
    rt.stop(&sandbox).await.expect("idempotent");
    assert!(!rt.alive(&sandbox).await);
    let e = engine.lock().expect("engine");
    assert!(
        e.containers.is_empty() && e.networks.is_empty(),
        "left behind"
    );
    let stop = e
        .requests
        .iter()
        .find(|(m, p, _, _)| m == "POST" && p.ends_with("/stop"))
        .expect("stopped before removal");
    assert!(stop.2.contains("t=5"), "{}", stop.2);
    assert!(e.requests.iter().any(|(m, p, q, _)| m == "DELETE"
        && p.starts_with("/containers/")
        && q.contains("force=true")));
}

#[tokio::test]
async fn a_failed_start_leaves_nothing_behind() {
    let (endpoint, engine) = fake_engine().await;
    let rt = runtime(&endpoint, "broken:latest");
    let mut spec = spec();
    spec.program = AgentProgram::Scripted;
    match rt.start(&spec).await {
        Err(corral_actors::sandbox::SandboxError::Runtime(message)) => {
            assert!(message.contains("cannot start"), "{message}");
        }
        other => panic!("expected a start failure: {other:?}"),
    }
    let e = engine.lock().expect("engine");
    assert!(
        e.containers.is_empty() && e.networks.is_empty(),
        "a failed start cleans up"
    );
}

#[tokio::test]
async fn an_unreachable_engine_is_a_clear_error() {
    let rt = runtime("http://127.0.0.1:9", "corral:latest");
    match rt.start(&spec()).await {
        Err(corral_actors::sandbox::SandboxError::Runtime(_)) => {}
        other => panic!("expected a runtime error: {other:?}"),
    }
}
