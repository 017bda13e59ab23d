//! Blob store adapters: a local directory served by Corral itself (the default).

pub mod local;

pub use local::LocalBlobStore;
