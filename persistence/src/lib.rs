//! Adapters for the core's ports.
//!
//! - [`sql`]: the `Store` on SQLite (embedded default) and PostgreSQL, with sqlx runtime
//!   queries and embedded, tracked migrations from `migrations/sqlite` and `migrations/postgres`.
//! - [`bus`]: the `Bus` in-process (default) and on Valkey (fred).
//!
//! Both families pass the same conformance suites (`tests/`).

pub mod blob;
pub mod bus;
pub mod sql;
#[cfg(feature = "testing")]
pub mod testing;

pub use bus::memory::InProcessBus;
pub use bus::valkey::ValkeyBus;
pub use sql::postgres::PostgresStore;
pub use sql::sqlite::SqliteStore;
