//! Blob store adapters: a local directory served by Corral itself (the default), and S3 or an
//! S3-compatible server.

pub mod local;
pub mod s3;

pub use local::LocalBlobStore;
pub use s3::{S3BlobStore, S3Settings};

use corral_actors::blob::{BlobError, BlobResult};
use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};

/// A missing object is `NotFound`; anything else means the store failed.
pub(crate) fn store_error(e: object_store::Error) -> BlobError {
    match e {
        object_store::Error::NotFound { .. } => BlobError::NotFound,
        other => BlobError::Unavailable(other.to_string()),
    }
}

/// The object's size, `None` when there is none.
pub(crate) async fn size_of(store: &impl ObjectStore, location: &Path) -> BlobResult<Option<u64>> {
    match store.head(location).await {
        Ok(meta) => Ok(Some(meta.size)),
        Err(object_store::Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(store_error(e)),
    }
}

/// Deletes the object; a missing one is fine.
pub(crate) async fn delete(store: &impl ObjectStore, location: &Path) -> BlobResult<()> {
    match store.delete(location).await {
        Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
        Err(e) => Err(store_error(e)),
    }
}

/// Deletes every object under `prefix`; how many were there.
pub(crate) async fn delete_under(store: &impl ObjectStore, prefix: &Path) -> BlobResult<u64> {
    let found: Vec<Path> = store
        .list(Some(prefix))
        .map_ok(|meta| meta.location)
        .try_collect()
        .await
        .map_err(store_error)?;
    let mut deleted = 0;
    for location in found {
        match store.delete(&location).await {
            Ok(()) => deleted += 1,
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(store_error(e)),
        }
    }
    Ok(deleted)
}
