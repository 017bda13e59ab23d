//! `GET /plugins`: the plugins whose front-end Paca's web client loads on its first page.
//! Corral's plugin host (`plugins/`, wasmtime) is later work, so none is installed and the
//! list is empty, which the client accepts.

use crate::envelope::{Reply, ok};
use serde::Serialize;

#[derive(Serialize)]
pub struct Plugins {
    plugins: [(); 0],
}

pub async fn list() -> Reply<Plugins> {
    ok(Plugins { plugins: [] })
}
