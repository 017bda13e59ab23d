//! Black-box test harness: a real `corral` server on port 0, driven over HTTP.
//!
//! Every scenario runs twice, through [`on_both_backends!`]: on the embedded defaults (SQLite,
//! in-process bus) and on PostgreSQL + Valkey (a fresh database and key prefix per test).

#![allow(dead_code)]

pub mod agents;
pub mod load;
pub mod process;
pub mod redis;
pub mod s3;
pub mod socket;

use corral::config::Config;
use corral_persistence::testing::{TestDatabase, TestValkey};
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::PathBuf;

pub const ADMIN: &str = "admin";
pub const ADMIN_PASSWORD: &str = "admin-password-1";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    PostgresValkey,
}

/// Generates one `#[tokio::test]` per backend for each scenario `async fn name(Backend)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($scenario:ident),* $(,)?) => {
        $(
            mod $scenario {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$scenario($crate::common::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres_valkey() {
                    super::$scenario($crate::common::Backend::PostgresValkey).await
                }
            }
        )*
    };
}

/// The servers' warnings and errors (`RUST_LOG` to change) go to the test's captured output,
/// so a failing test shows what its server reported.
fn log_to_the_test() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_test_writer()
        .try_init();
}

/// A running server and what it was started on.
pub struct TestServer {
    pub base: String,
    pub backend: Backend,
    pub env: HashMap<String, String>,
    pub generated_admin_password: Option<String>,
    server: Option<corral::Server>,
    pub db: Option<TestDatabase>,
    valkey: Option<TestValkey>,
    pub data_dir: PathBuf,
}

impl TestServer {
    /// Starts a server with the test defaults plus `overrides`; `None` when the backend's
    /// services are unreachable and skipping is allowed (never under CI).
    pub async fn start(backend: Backend) -> Option<Self> {
        Self::start_with(backend, &[]).await
    }

    pub async fn start_with(backend: Backend, overrides: &[(&str, &str)]) -> Option<Self> {
        log_to_the_test();
        let data_dir = std::env::temp_dir().join(format!("corral-test-{}", uuid::Uuid::new_v4()));
        let mut env: HashMap<String, String> = [
            ("PORT", "0"),
            ("ADMIN_USERNAME", ADMIN),
            ("ADMIN_PASSWORD", ADMIN_PASSWORD),
            ("LOGIN_FAILURES_PER_IP", "1000"),
            ("LOGIN_FAILURES_PER_USERNAME_IP", "1000"),
            (
                "SANDBOX_SCRIPTED_COMMAND",
                concat!(env!("CARGO_BIN_EXE_corral"), " scripted-agent"),
            ),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        env.insert("DATA_DIR".into(), data_dir.display().to_string());
        let (mut db, mut valkey) = (None, None);
        if backend == Backend::PostgresValkey {
            let d = TestDatabase::create().await?;
            let v = TestValkey::create().await?;
            env.insert("DATABASE_URL".into(), d.url.clone());
            env.insert("VALKEY_URL".into(), v.url.clone());
            env.insert("VALKEY_KEY_PREFIX".into(), v.prefix.clone());
            db = Some(d);
            valkey = Some(v);
        }
        for (k, v) in overrides {
            env.insert((*k).to_owned(), (*v).to_owned());
        }
        let mut server = Self {
            base: String::new(),
            backend,
            env,
            generated_admin_password: None,
            server: None,
            db,
            valkey,
            data_dir,
        };
        server.boot().await;
        Some(server)
    }

    async fn boot(&mut self) {
        let config = Config::load(&self.env).unwrap_or_else(|p| panic!("test config: {p:?}"));
        let server = corral::start(config)
            .await
            .unwrap_or_else(|e| panic!("start: {e:#}"));
        self.base = format!("http://{}", server.addr);
        self.generated_admin_password = server.generated_admin_password.clone();
        self.server = Some(server);
    }

    /// Stops the server and starts it again on the same data directory and services.
    pub async fn restart(&mut self, changes: &[(&str, Option<&str>)]) {
        if let Some(server) = self.server.take() {
            server.shutdown().await.expect("shutdown");
        }
        for (k, v) in changes {
            match v {
                Some(v) => self.env.insert((*k).to_owned(), (*v).to_owned()),
                None => self.env.remove(*k),
            };
        }
        self.boot().await;
    }

    /// A second node on the same database and bus (its own data directory and port). Start
    /// the first with a fixed `JWT_SECRET` so tokens work on both.
    pub async fn second_node(&self) -> Self {
        let data_dir = std::env::temp_dir().join(format!("corral-test-{}", uuid::Uuid::new_v4()));
        let mut env = self.env.clone();
        env.insert("DATA_DIR".into(), data_dir.display().to_string());
        let mut node = Self {
            base: String::new(),
            backend: self.backend,
            env,
            generated_admin_password: None,
            server: None,
            db: None,
            valkey: None,
            data_dir,
        };
        node.boot().await;
        node
    }

    /// The realtime edge of the running server.
    pub fn realtime(&self) -> &corral_realtime::Realtime {
        &self.server.as_ref().expect("running").realtime
    }

    /// The files service of the running server.
    pub fn files(&self) -> &corral_actors::files::Files {
        &self.server.as_ref().expect("running").files
    }

    /// The project actors of the running server.
    pub fn projects(&self) -> &corral_actors::project::Projects {
        &self.server.as_ref().expect("running").projects
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// A client logged in as the administrator.
    pub async fn admin(&self) -> Client {
        let c = self.client();
        c.login_ok(ADMIN, ADMIN_PASSWORD).await;
        c
    }

    /// Creates a user (role by name) who has already changed their password; returns a
    /// logged-in client and the user's id.
    pub async fn user(&self, username: &str, role: &str) -> (Client, String) {
        let admin = self.admin().await;
        let created = admin
            .post(
                "/api/v1/admin/users",
                &json!({"username": username, "password": "temporary-pw", "full_name": username, "role": role}),
            )
            .await;
        assert_eq!(created.status, 201, "{created:?}");
        let id = created.data()["id"].as_str().expect("id").to_owned();
        let c = self.client();
        c.login_ok(username, "temporary-pw").await;
        let changed = c
            .patch(
                "/api/v1/users/me/password",
                &json!({"current_password": "temporary-pw", "new_password": "user-password-1"}),
            )
            .await;
        assert_eq!(changed.status, 204, "{changed:?}");
        c.login_ok(username, "user-password-1").await;
        (c, id)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
        if let Some(valkey) = self.valkey.take() {
            // Deleting keys needs async; do it on a thread with its own runtime.
            let _ = std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    rt.block_on(valkey.cleanup());
                }
            })
            .join();
        }
    }
}

/// How a client authenticates.
#[derive(Clone, Debug, Default)]
pub enum Auth {
    #[default]
    Cookies,
    Bearer(String),
    ApiKeyScheme(String),
    XApiKey(String),
    None,
}

/// A response, with the body parsed as JSON when it is JSON.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Resp {
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    /// The envelope's `error_code` ("" when there is none).
    pub fn error_code(&self) -> String {
        self.body["error_code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `Set-Cookie` header for a cookie name.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }

    /// Asserts Paca's error envelope with this status and code.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(self.body["success"], json!(false), "{self:?}");
        assert_eq!(self.body["error_code"], json!(code), "{self:?}");
        assert!(
            self.body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{self:?}"
        );
    }
}

/// A small HTTP client that keeps the session cookies itself, so tests can look at them.
pub struct Client {
    base: String,
    http: reqwest::Client,
    pub auth: std::sync::Mutex<Auth>,
    pub access: std::sync::Mutex<Option<String>>,
    pub refresh: std::sync::Mutex<Option<String>>,
}

fn cookie_value(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .and_then(|kv| kv.split_once('='))
        .map(|(_, v)| v.to_owned())
        .unwrap_or_default()
}

impl Client {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.to_owned(),
            http: reqwest::Client::new(),
            auth: std::sync::Mutex::new(Auth::Cookies),
            access: std::sync::Mutex::new(None),
            refresh: std::sync::Mutex::new(None),
        }
    }

    pub fn with_auth(&self, auth: Auth) -> Self {
        let c = Self::new(&self.base);
        *c.auth.lock().expect("lock") = auth;
        c
    }

    pub fn access_token(&self) -> Option<String> {
        self.access.lock().expect("lock").clone()
    }

    pub fn refresh_token(&self) -> Option<String> {
        self.refresh.lock().expect("lock").clone()
    }

    pub async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<Vec<u8>>,
        extra: &[(&str, &str)],
    ) -> Resp {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        let mut cookies = Vec::new();
        match self.auth.lock().expect("lock").clone() {
            Auth::Cookies => {
                if let Some(a) = self.access_token() {
                    cookies.push(format!("access_token={a}"));
                }
                if let Some(r) = self
                    .refresh_token()
                    .filter(|_| path == "/api/v1/auth/refresh")
                {
                    cookies.push(format!("refresh_token={r}"));
                }
            }
            Auth::Bearer(t) => req = req.header("authorization", format!("Bearer {t}")),
            Auth::ApiKeyScheme(k) => req = req.header("authorization", format!("ApiKey {k}")),
            Auth::XApiKey(k) => req = req.header("x-api-key", k),
            Auth::None => {}
        }
        if !cookies.is_empty() {
            req = req.header("cookie", cookies.join("; "));
        }
        for (k, v) in extra {
            req = req.header(*k, HeaderValue::from_str(v).expect("header"));
        }
        if let Some(body) = body {
            req = req.header("content-type", "application/json").body(body);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        let resp = Resp {
            status,
            headers,
            body,
        };
        if let Some(c) = resp.set_cookie("access_token") {
            *self.access.lock().expect("lock") = Some(cookie_value(&c)).filter(|v| !v.is_empty());
        }
        if let Some(c) = resp.set_cookie("refresh_token") {
            *self.refresh.lock().expect("lock") = Some(cookie_value(&c)).filter(|v| !v.is_empty());
        }
        resp
    }

    /// Like `send`, but `None` when the server cannot be reached (crash tests).
    pub async fn try_send(&self, method: &str, path: &str, body: Option<Vec<u8>>) -> Option<Resp> {
        let url = format!("{}{}", self.base, path);
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self
            .http
            .request(method, url)
            .timeout(std::time::Duration::from_secs(30));
        if let Auth::Bearer(t) = self.auth.lock().expect("lock").clone() {
            req = req.header("authorization", format!("Bearer {t}"));
        } else if let Some(a) = self.access_token() {
            req = req.header("cookie", format!("access_token={a}"));
        }
        if let Some(body) = body {
            req = req.header("content-type", "application/json").body(body);
        }
        let res = req.send().await.ok()?;
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.ok()?;
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Some(Resp {
            status,
            headers,
            body,
        })
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send("GET", path, None, &[]).await
    }

    pub async fn delete(&self, path: &str) -> Resp {
        self.send("DELETE", path, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Resp {
        self.send("POST", path, Some(body.to_string().into_bytes()), &[])
            .await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Resp {
        self.send("PATCH", path, Some(body.to_string().into_bytes()), &[])
            .await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Resp {
        self.send("PUT", path, Some(body.to_string().into_bytes()), &[])
            .await
    }

    /// Sends raw bytes as the body (malformed JSON, oversized bodies).
    pub async fn raw(&self, method: &str, path: &str, body: &[u8]) -> Resp {
        self.send(method, path, Some(body.to_vec()), &[]).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Resp {
        self.post(
            "/api/v1/auth/login",
            &json!({"username": username, "password": password}),
        )
        .await
    }

    pub async fn login_ok(&self, username: &str, password: &str) {
        let r = self.login(username, password).await;
        assert_eq!(r.status, 200, "login {username}: {r:?}");
    }

    pub async fn refresh(&self) -> Resp {
        self.send("POST", "/api/v1/auth/refresh", None, &[]).await
    }
}

/// A project created by `client`; returns its id.
/// Adds `user` to the project with the role named `role`; the member id.
pub async fn add_member(admin: &Client, p: &str, user: &str, role: &str) -> String {
    let role = id_named(&admin.get(&at(p, "/roles")).await, "role_name", role);
    let added = admin
        .post(
            &at(p, "/members"),
            &json!({"user_id": user, "project_role_id": role}),
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.body);
    added.data()["id"].as_str().expect("member id").to_owned()
}

pub async fn project(client: &Client, name: &str) -> String {
    let r = client
        .post("/api/v1/projects", &json!({"name": name}))
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    r.data()["id"].as_str().expect("id").to_owned()
}

/// `/api/v1/projects/{id}` + `rest`.
pub fn at(project: &str, rest: &str) -> String {
    format!("/api/v1/projects/{project}{rest}")
}

/// Looks up an item by `name` in a list response (`data` or `data.items`).
pub fn id_named(resp: &Resp, key: &str, name: &str) -> String {
    let list = resp.data().get("items").unwrap_or(resp.data());
    list.as_array()
        .and_then(|l| l.iter().find(|x| x[key] == name))
        .and_then(|x| x["id"].as_str())
        .unwrap_or_else(|| panic!("{name} not in {resp:?}"))
        .to_owned()
}

/// The plain text of each top-level block of BlockNote JSON, in order (the documents' tests).
pub fn block_texts(content: &Value) -> Vec<String> {
    content
        .as_array()
        .map(|blocks| {
            blocks
                .iter()
                .map(|b| {
                    b["content"]
                        .as_array()
                        .map(|runs| runs.iter().filter_map(|r| r["text"].as_str()).collect())
                        .unwrap_or_default()
                })
                .collect()
        })
        .unwrap_or_default()
}
