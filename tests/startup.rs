//! Starting Corral: the binary on embedded defaults, bootstrap of the administrator and the JWT
//! secret across restarts, configuration errors, and readiness when a dependency is down.

mod common;

use common::{ADMIN, Backend, Client, TestServer};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("corral-{tag}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The README's flow: run the binary with no configuration but a data directory, read the
/// generated administrator password it prints once, log in over HTTP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_runs_on_embedded_defaults() {
    let dir = temp_dir("bin");
    let mut child = Command::new(env!("CARGO_BIN_EXE_corral"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATA_DIR", &dir)
        .env("PORT", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn corral");
    let stdout = child.stdout.take().expect("stdout");
    let (password, base) = tokio::task::spawn_blocking(move || {
        let (mut password, mut base) = (None, None);
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("password \"").nth(1) {
                password = rest.split('"').next().map(str::to_owned);
            }
            if let Some(url) = line.strip_prefix("corral listening on ") {
                base = Some(url.trim().to_owned());
                break;
            }
        }
        (password, base)
    })
    .await
    .expect("read stdout");
    let (password, base) = (
        password.expect("generated password printed"),
        base.expect("listening line"),
    );
    let c = Client::new(&base);
    c.login_ok(ADMIN, &password).await;
    assert_eq!(
        c.get("/api/v1/users/me").await.data()["role"],
        "SUPER_ADMIN"
    );
    assert!(dir.join("corral.db").exists());
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn invalid_configuration_lists_every_problem() {
    let out = Command::new(env!("CARGO_BIN_EXE_corral"))
        .env_clear()
        .env("PORT", "not-a-port")
        .env("DATABASE_URL", "mysql://db/x")
        .env("JWT_ACCESS_TTL", "forever")
        .env("ADMIN_PASSWORD", "short")
        .output()
        .expect("run corral");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for name in ["PORT", "DATABASE_URL", "JWT_ACCESS_TTL", "ADMIN_PASSWORD"] {
        assert!(stderr.contains(name), "{name} not reported: {stderr}");
    }
}

async fn bootstrap_is_kept_across_restarts(b: Backend) {
    let Some(mut s) = TestServer::start_with(b, &[("ADMIN_PASSWORD", "")]).await else {
        return;
    };
    let password = s
        .generated_admin_password
        .clone()
        .expect("generated on first start");
    let c = s.client();
    c.login_ok(ADMIN, &password).await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for file in ["jwt_secret", "encryption_key"] {
            let mode = std::fs::metadata(s.data_dir.join(file))
                .expect("secret kept")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{file}");
        }
    }
    let key = std::fs::read_to_string(s.data_dir.join("encryption_key")).expect("key");
    assert_eq!(key.trim().len(), 64, "32 bytes as hex");
    s.restart(&[]).await;
    assert_eq!(
        std::fs::read_to_string(s.data_dir.join("encryption_key")).expect("key"),
        key,
        "the same key after a restart, or sealed secrets could not be opened"
    );
    assert!(s.generated_admin_password.is_none(), "not generated twice");
    let session = Client::new(&s.base);
    *session.access.lock().expect("lock") = c.access_token();
    assert_eq!(
        session.get("/api/v1/users/me").await.status,
        200,
        "same secret after restart"
    );
    s.client().login_ok(ADMIN, &password).await;
    // A password given later does not overwrite the existing administrator's.
    s.restart(&[("ADMIN_PASSWORD", Some("a-different-pw"))])
        .await;
    s.client().login_ok(ADMIN, &password).await;
    s.client()
        .login(ADMIN, "a-different-pw")
        .await
        .assert_error(401, "AUTH_INVALID_CREDENTIALS");
}

async fn configured_jwt_secret_is_used(b: Backend) {
    let secret = "0123456789abcdef0123456789abcdef-test";
    let Some(s) = TestServer::start_with(b, &[("JWT_SECRET", secret)]).await else {
        return;
    };
    s.admin().await;
    assert!(!s.data_dir.join("jwt_secret").exists());
}

on_both_backends!(
    bootstrap_is_kept_across_restarts,
    configured_jwt_secret_is_used
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_names_a_failed_database() {
    let Some(s) = TestServer::start(Backend::PostgresValkey).await else {
        return;
    };
    let c = s.client();
    assert_eq!(c.get("/api/readyz").await.status, 200);
    s.db.as_ref()
        .expect("database")
        .drop_now()
        .await
        .expect("drop database");
    let r = c.get("/api/readyz").await;
    assert_eq!(r.status, 503, "{r:?}");
    assert_eq!(r.body["failing"], serde_json::json!(["database"]));
    assert_eq!(r.body["database"]["status"], "unavailable");
    assert_eq!(r.body["bus"]["status"], "ok");
    assert_eq!(
        c.get("/api/healthz").await.status,
        200,
        "liveness does not depend on it"
    );
}

/// The blob store is a readiness dependency: its directory gone, `/api/readyz` names it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_names_a_failed_blob_store() {
    let dir = std::env::temp_dir().join(format!("corral-blobs-{}", uuid::Uuid::new_v4()));
    let s = TestServer::start_with(
        Backend::Sqlite,
        &[("STORAGE_DIR", &dir.display().to_string())],
    )
    .await
    .expect("server");
    let c = s.client();
    let r = c.get("/api/readyz").await;
    assert_eq!(
        (r.status, r.body["storage"]["backend"].as_str()),
        (200, Some("local")),
        "{r:?}"
    );
    std::fs::remove_dir_all(&dir).expect("remove the store");
    let r = c.get("/api/readyz").await;
    assert_eq!(r.status, 503, "{r:?}");
    assert_eq!(r.body["failing"], serde_json::json!(["storage"]));
    assert_eq!(r.body["storage"]["status"], "unavailable");
}

/// Runs a private Valkey-compatible server (the machine's `redis-server`) so the test can stop it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_names_a_failed_bus() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let spawned = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .spawn();
    let mut valkey = match spawned {
        Ok(child) => child,
        Err(e)
            if std::env::var("CI").as_deref() != Ok("true")
                && std::env::var("CORRAL_SKIP_SERVICE_TESTS").as_deref() == Ok("1") =>
        {
            eprintln!("SKIPPED: redis-server not runnable ({e})");
            return;
        }
        Err(e) => panic!("this test runs its own redis-server and could not start one: {e}"),
    };
    let url = format!("redis://127.0.0.1:{port}");
    for _ in 0..50 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let s = TestServer::start_with(Backend::Sqlite, &[("VALKEY_URL", &url)])
        .await
        .expect("server");
    let c = s.client();
    let r = c.get("/api/readyz").await;
    assert_eq!(
        (r.status, r.body["bus"]["backend"].as_str()),
        (200, Some("valkey")),
        "{r:?}"
    );
    let _ = valkey.kill();
    let _ = valkey.wait();
    let r = c.get("/api/readyz").await;
    assert_eq!(r.status, 503, "{r:?}");
    assert_eq!(r.body["failing"], serde_json::json!(["bus"]));
}
