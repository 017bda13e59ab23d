//! Kill the server (SIGKILL) in the middle of a load of concurrent editors, start it again on
//! the same data, and check that every acknowledged change survived and the event sequence is
//! still gapless.

mod common;

use common::load::{Acked, Board, editor, seed_tasks, verify};
use common::process::{Services, spawn};
use common::{ADMIN, ADMIN_PASSWORD, Auth, Backend, Client, at, project};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

async fn killed_mid_load_keeps_every_acknowledged_change(b: Backend) {
    let dir = std::env::temp_dir().join(format!("corral-crash-{}", uuid::Uuid::new_v4()));
    let mut env: Vec<(String, String)> = vec![
        ("DATA_DIR".into(), dir.display().to_string()),
        ("PORT".into(), "0".into()),
        ("ADMIN_PASSWORD".into(), ADMIN_PASSWORD.into()),
        (
            "JWT_SECRET".into(),
            "crash-test-secret-0123456789abcdef".into(),
        ),
        ("RUST_LOG".into(), "warn".into()),
    ];
    let Some((services, backend_env)) = Services::start(b).await else {
        return;
    };
    env.extend(backend_env);

    let (mut server, base) = spawn(&env, &[]).await;
    let admin = Client::new(&base);
    admin.login_ok(ADMIN, ADMIN_PASSWORD).await;
    let p = project(&admin, "Crashy").await;
    let board = Board::load(&admin, &p).await;
    let acked = Arc::new(Mutex::new(Acked::default()));
    seed_tasks(&admin, &board, &acked, 10).await;
    let token = admin.access_token().expect("token");
    let stop = Arc::new(AtomicBool::new(false));
    let editors: Vec<_> = (0..50)
        .map(|i| {
            let client = Arc::new(Client::new(&base).with_auth(Auth::Bearer(token.clone())));
            tokio::spawn(editor(
                client,
                board.clone(),
                acked.clone(),
                9000 + i,
                100_000,
                stop.clone(),
            ))
        })
        .collect();
    // Let the load run, then kill the process without warning.
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if acked
            .lock()
            .expect("lock")
            .tasks
            .values()
            .map(|v| v.len())
            .sum::<usize>()
            > 300
        {
            break;
        }
    }
    server.kill().expect("SIGKILL");
    let _ = server.wait();
    stop.store(true, Ordering::Relaxed);
    for e in editors {
        e.await.expect("editor");
    }
    let acked = std::mem::take(&mut *acked.lock().expect("lock"));
    let acknowledged: usize = acked.tasks.values().map(|v| v.len()).sum();
    assert!(
        acknowledged > 50,
        "the load ran before the kill ({acknowledged} acknowledged)"
    );

    let (mut restarted, base) = spawn(&env, &[]).await;
    let admin = Client::new(&base);
    admin.login_ok(ADMIN, ADMIN_PASSWORD).await;
    verify(&admin, &p, &acked, false).await;
    // The project keeps working after the restart, continuing the sequence.
    let after = admin
        .post(
            &at(&p, "/tasks"),
            &serde_json::json!({"title": "after the crash"}),
        )
        .await;
    assert_eq!(after.status, 201);
    common::load::all_events(&admin, &p).await;

    let _ = restarted.kill();
    let _ = restarted.wait();
    let _ = std::fs::remove_dir_all(&dir);
    services.cleanup().await;
}

on_both_backends!(killed_mid_load_keeps_every_acknowledged_change);
