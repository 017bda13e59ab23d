//! The web UI in a real browser: the server serves the built app from `web/dist` at `/`, and
//! the Playwright suite in `web/e2e` (playwright-core driving Debian's Chromium) logs in,
//! builds a board, drags cards between two live browser contexts, completes a sprint, watches
//! the scripted agent work and meets a stale edit. It writes its screenshots into
//! `docs/screenshots/`.

mod common;

use common::{ADMIN_PASSWORD, Backend, TestServer};
use std::path::{Path, PathBuf};
use std::process::Command;

const CHROMIUM: &str = "/usr/bin/chromium";

fn web_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("web")
}

/// Whether the browser suite can run; under CI a missing browser or Node is a failure.
fn browser_available() -> bool {
    let node = Command::new("node").arg("--version").output().is_ok();
    let chromium = Path::new(CHROMIUM).exists();
    if node && chromium {
        return true;
    }
    let missing = if node { CHROMIUM } else { "node" };
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("the browser tests need {missing} (.ci/run installs it)");
    }
    eprintln!("skipping the browser tests: {missing} is missing");
    false
}

/// Installs the UI's packages from the lockfile if they are missing.
fn ensure_packages() {
    if web_dir().join("node_modules/playwright-core").exists() {
        return;
    }
    // Exactly the lockfile, which lists every platform's optional packages (see .ci/run).
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(web_dir())
        .status()
        .expect("npm must be installed for the browser tests");
    assert!(status.success(), "npm ci in web/ failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ui_is_served() {
    let Some(s) = TestServer::start(Backend::Sqlite).await else {
        return;
    };
    let http = reqwest::Client::new();
    for path in ["/", "/projects/some-id/board"] {
        let r = http
            .get(format!("{}{path}", s.base))
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), 200, "{path}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .expect("type")
                .starts_with("text/html"),
            "{path}"
        );
        let body = r.text().await.expect("body");
        assert!(body.contains("<div id=\"root\">"), "{path}: the app shell");
    }
    let api = http
        .get(format!("{}/api/v1/nope", s.base))
        .send()
        .await
        .expect("get");
    assert_eq!(api.status(), 404);
    let body: serde_json::Value = api.json().await.expect("json");
    assert_eq!(body["error_code"], "NOT_FOUND");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_suite() {
    if !browser_available() {
        return;
    }
    let Some(s) = TestServer::start(Backend::Sqlite).await else {
        return;
    };
    ensure_packages();
    let base = s.base.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("npm")
            .args(["run", "--silent", "e2e"])
            .current_dir(web_dir())
            .env("CORRAL_URL", base)
            .env("CORRAL_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .output()
            .expect("npm run e2e")
    })
    .await
    .expect("browser suite");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "browser suite failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
}
