//! Many concurrent editors on one project: afterwards every acknowledged change is present,
//! each has exactly one event, the event sequence is gapless, and every task equals its
//! acknowledged changes applied one after another.

mod common;

use common::load::{Acked, Board, editor, seed_tasks, verify};
use common::{Auth, Backend, Client, TestServer, project};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

const EDITORS: u64 = 200;
const OPS_PER_EDITOR: usize = 8;

async fn concurrent_editors_lose_nothing(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let p = project(&admin, "Hot").await;
    let board = Board::load(&admin, &p).await;
    let acked = Arc::new(Mutex::new(Acked::default()));
    seed_tasks(&admin, &board, &acked, 20).await;
    let token = admin.access_token().expect("token");
    let stop = Arc::new(AtomicBool::new(false));
    let seed: u64 = std::env::var("CORRAL_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    eprintln!("concurrency seed {seed} (set CORRAL_TEST_SEED to repeat)");
    let editors: Vec<_> = (0..EDITORS)
        .map(|i| {
            let client = Arc::new(Client::new(&s.base).with_auth(Auth::Bearer(token.clone())));
            tokio::spawn(editor(
                client,
                board.clone(),
                acked.clone(),
                seed * 1000 + i,
                OPS_PER_EDITOR,
                stop.clone(),
            ))
        })
        .collect();
    for e in editors {
        e.await.expect("editor");
    }
    let acked = std::mem::take(&mut *acked.lock().expect("lock"));
    let shown = &acked.failures[..acked.failures.len().min(5)];
    assert!(
        acked.failures.is_empty(),
        "every request succeeds: {shown:?}"
    );
    let mutations: usize = acked.tasks.values().map(|v| v.len()).sum::<usize>()
        + acked.comments.len()
        + acked.unchanged;
    assert_eq!(
        mutations,
        20 + (EDITORS as usize) * OPS_PER_EDITOR,
        "every operation was acknowledged once"
    );
    verify(&admin, &p, &acked, true).await;
}

on_both_backends!(concurrent_editors_lose_nothing);
