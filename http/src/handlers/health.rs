//! `/api/healthz` (liveness, Paca's static reply) and `/api/readyz` (checks the database, the
//! bus and the blob store; 503 naming the failing dependency).

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::json;
use std::time::Duration;

/// A dependency that does not answer within this is reported down.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

pub async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

#[derive(Serialize)]
pub struct Check {
    backend: &'static str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Serialize)]
pub struct Readiness {
    status: &'static str,
    /// Names of the dependencies that are down.
    failing: Vec<&'static str>,
    database: Check,
    bus: Check,
    storage: Check,
}

fn check<E: std::fmt::Display>(
    backend: &'static str,
    result: Result<Result<(), E>, tokio::time::error::Elapsed>,
) -> Check {
    // The dependency's own error text (hosts, pool internals) goes to the log, not to an
    // unauthenticated client.
    let error = match result {
        Ok(Ok(())) => None,
        Ok(Err(e)) => {
            tracing::warn!(backend, error = %e, "readiness check failed");
            Some("unavailable (details in the server log)".to_owned())
        }
        Err(_) => Some(format!("no answer within {}s", CHECK_TIMEOUT.as_secs())),
    };
    Check {
        backend,
        status: if error.is_none() { "ok" } else { "unavailable" },
        error,
    }
}

pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let blobs = state.files.blobs();
    let (db, bus, storage) = tokio::join!(
        tokio::time::timeout(CHECK_TIMEOUT, state.store.ping()),
        tokio::time::timeout(CHECK_TIMEOUT, state.bus.ping()),
        tokio::time::timeout(CHECK_TIMEOUT, blobs.ping()),
    );
    let database = check(state.store.backend(), db);
    let bus = check(state.bus.backend(), bus);
    let storage = check(blobs.backend(), storage);
    let mut failing = Vec::new();
    if database.error.is_some() {
        failing.push("database");
    }
    if bus.error.is_some() {
        failing.push("bus");
    }
    if storage.error.is_some() {
        failing.push("storage");
    }
    let status = if failing.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let readiness = Readiness {
        status: if failing.is_empty() {
            "ok"
        } else {
            "unavailable"
        },
        failing,
        database,
        bus,
        storage,
    };
    (status, Json(readiness))
}
