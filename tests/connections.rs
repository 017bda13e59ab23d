//! Slow and idle connections cannot starve a server: with a low file-descriptor limit, hundreds
//! of connections that send nothing or dribble their headers do not keep a normal client from
//! logging in, and the server closes them (header-read and idle timeouts, a connection cap
//! under the descriptor limit).

mod common;

use common::process::{Services, spawn};
use common::{ADMIN, ADMIN_PASSWORD, Backend, Client};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const IDLE: usize = 200;
const SLOW: usize = 200;
/// The server's descriptor limit: fewer than the connections held open against it.
const NOFILE: &str = "--nofile=300:300";

/// Waits (bounded) for the server to close a connection; true when it did.
async fn closed_by_server(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

async fn slow_and_idle_connections_do_not_starve_others(b: Backend) {
    let dir = std::env::temp_dir().join(format!("corral-conns-{}", uuid::Uuid::new_v4()));
    let mut env: Vec<(String, String)> = vec![
        ("DATA_DIR".into(), dir.display().to_string()),
        ("PORT".into(), "0".into()),
        ("ADMIN_PASSWORD".into(), ADMIN_PASSWORD.into()),
        ("HTTP_HEADER_TIMEOUT".into(), "2s".into()),
        ("HTTP_IDLE_TIMEOUT".into(), "3s".into()),
        ("RUST_LOG".into(), "warn".into()),
    ];
    let Some((services, backend_env)) = Services::start(b).await else {
        return;
    };
    env.extend(backend_env);
    if b == Backend::PostgresValkey {
        env.push(("DATABASE_MAX_CONNECTIONS".into(), "4".into()));
    }
    let (mut server, base) = spawn(&env, &["prlimit", NOFILE, "--"]).await;
    let addr = base.trim_start_matches("http://").to_owned();

    // Connections that never send a byte, and connections that dribble a request's headers.
    let mut idle = Vec::new();
    for _ in 0..IDLE {
        idle.push(TcpStream::connect(&addr).await.expect("connect"));
    }
    let mut slow_writers = Vec::new();
    for i in 0..SLOW {
        let addr = addr.clone();
        slow_writers.push(tokio::spawn(async move {
            let Ok(mut s) = TcpStream::connect(&addr).await else {
                return;
            };
            let _ = s
                .write_all(b"GET /api/healthz HTTP/1.1\r\nHost: x\r\n")
                .await;
            for n in 0..40 {
                let header = format!("X-Slow-{i}-{n}: y\r\n");
                if s.write_all(header.as_bytes()).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }));
    }

    // A normal client still logs in and works.
    let client = Client::new(&base);
    let login = tokio::time::timeout(Duration::from_secs(60), client.login(ADMIN, ADMIN_PASSWORD))
        .await
        .expect("a normal client is served while slow clients hold connections");
    assert_eq!(login.status, 200, "{login:?}");
    assert_eq!(client.get("/api/v1/users/me").await.status, 200);

    // The connections that sent nothing are closed by the server.
    let mut closed = 0;
    for stream in &mut idle {
        if closed_by_server(stream, Duration::from_secs(20)).await {
            closed += 1;
        }
    }
    assert_eq!(closed, IDLE, "every silent connection is closed");

    // A kept-alive connection that goes quiet after a request is closed too.
    let mut kept = TcpStream::connect(&addr).await.expect("connect");
    kept.write_all(b"GET /api/healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    let mut buf = [0u8; 512];
    let n = kept.read(&mut buf).await.expect("response");
    assert!(
        String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"),
        "served"
    );
    assert!(
        closed_by_server(&mut kept, Duration::from_secs(20)).await,
        "an idle kept-alive connection is closed"
    );

    for w in slow_writers {
        w.abort();
    }
    let _ = server.kill();
    let _ = server.wait();
    services.cleanup().await;
    let _ = std::fs::remove_dir_all(&dir);
}

on_both_backends!(slow_and_idle_connections_do_not_starve_others);
