//! Projects: one [`actor::ProjectActor`] per project owns its settings, members, roles, task
//! types, statuses, tasks and comments, and its event sequence.
//!
//! - Writes are [`command::ProjectCommand`] types, each fixing its reply type. The actor stages
//!   each against its working state, groups everything that arrives while a batch is being
//!   written into the next transaction (rows, events and notifications together, fenced on the
//!   project's sequence), and replies only after the commit. Events are published to the bus
//!   after the commit.
//! - Reads are [`query::ProjectQuery`] types answered from the committed state the actor
//!   publishes after every commit ([`snapshot::Snapshots`]), on the reader's thread.
//! - [`registry::Projects`] is the generic [`crate::registry::Registry`] with projects as its
//!   kind: it activates actors on demand, passivates idle ones, restarts failed ones from the
//!   store, and bounds what is in flight per project.

pub mod access;
pub mod actor;
pub mod agents;
pub mod batch;
pub mod command;
pub mod docs;
pub mod events;
pub mod files;
pub mod mention;
pub mod model;
pub mod planning;
pub mod prefix;
pub mod query;
pub mod reads;
pub mod registry;
pub mod snapshot;
pub mod state;

pub use access::Caller;
pub use actor::ProjectStats;
pub use registry::{Projects, ProjectsConfig};
pub use snapshot::Snapshots;
