//! The project's committed state as readers see it: an immutable [`ProjectState`] the actor
//! swaps in after every commit and reload, before it answers any command of the batch, so a
//! writer always reads its own write. Request handlers load it on their own threads: reads never
//! wait in the actor's mailbox behind writes, and run on every core.

use super::state::ProjectState;
use arc_swap::ArcSwap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Cheap-clone cell holding the latest committed state of one project.
#[derive(Clone, Default)]
pub struct Snapshots(Arc<Cell>);

#[derive(Default)]
struct Cell {
    state: ArcSwap<ProjectState>,
    /// Set by every read, cleared by the actor's idle check: a project that is only read is
    /// not idle.
    read: AtomicBool,
}

impl Snapshots {
    pub fn new(state: ProjectState) -> Self {
        Self(Arc::new(Cell {
            state: ArcSwap::from_pointee(state),
            read: AtomicBool::new(false),
        }))
    }

    /// The latest committed state.
    pub fn load(&self) -> Arc<ProjectState> {
        // Test before writing, so concurrent readers do not fight over the cache line.
        if !self.0.read.load(Ordering::Relaxed) {
            self.0.read.store(true, Ordering::Relaxed);
        }
        self.0.state.load_full()
    }

    /// Makes `state` what readers see from now on (a cheap clone, see [`ProjectState`]).
    pub(crate) fn publish(&self, state: &ProjectState) {
        self.0.state.store(Arc::new(state.clone()));
    }

    /// Whether anyone read since the last call.
    pub(crate) fn take_read(&self) -> bool {
        self.0.read.swap(false, Ordering::Relaxed)
    }
}
