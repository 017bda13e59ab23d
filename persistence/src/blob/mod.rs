//! Blob store adapters: a local directory served by Corral itself (the default), and S3 or an
//! S3-compatible server.

pub mod local;
pub mod s3;

pub use local::LocalBlobStore;
pub use s3::{S3BlobStore, S3Settings};
