//! The blob store on S3 or an S3-compatible server (MinIO): `object_store`'s `AmazonS3`, with
//! SigV4 presigned URLs the client uses directly (Paca's variables and flow).
//!
//! Unlike the local store's URLs, an S3 PUT URL cannot bind the body's length (`object_store`
//! refuses to sign `content-length`), so a file of the wrong size is caught when the upload is
//! completed (`Files::complete` checks the object's size and deletes a wrong one).

use super::store_error;
use async_trait::async_trait;
use corral_actors::blob::{BlobError, BlobResult, BlobStore, CompletedPart, Serve, SignedUrl};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::multipart::{MultipartStore, PartId};
use object_store::path::Path;
use object_store::signer::{Method, SignedUrlOptions, Signer};
use object_store::{
    Attribute, AttributeValue, Attributes, ClientOptions, ObjectStore, PutMultipartOptions,
};
use std::time::Duration;

/// Where the bucket is and how to reach it (Paca's `STORAGE_*` variables).
#[derive(Clone, PartialEq, Eq)]
pub struct S3Settings {
    /// `http(s)://host:port` of an S3-compatible server; `None`: AWS itself.
    pub endpoint: Option<String>,
    pub bucket: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Replaces the endpoint's origin in the URLs clients get (a gateway in front of it).
    pub public_url: Option<String>,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"***")
            .field("public_url", &self.public_url)
            .finish()
    }
}

pub struct S3BlobStore {
    s3: AmazonS3,
    /// The origin URLs are signed for, and what replaces it for clients.
    rewrite: Option<(String, String)>,
}

impl std::fmt::Debug for S3BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3BlobStore").finish_non_exhaustive()
    }
}

impl S3BlobStore {
    /// Connects and checks that the bucket answers.
    pub async fn open(settings: &S3Settings) -> BlobResult<Self> {
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region)
            .with_access_key_id(&settings.access_key_id)
            .with_secret_access_key(&settings.secret_access_key)
            .with_client_options(
                ClientOptions::new()
                    .with_timeout(Duration::from_secs(30))
                    .with_connect_timeout(Duration::from_secs(5)),
            );
        if let Some(endpoint) = &settings.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        let s3 = builder
            .build()
            .map_err(|e| BlobError::Unavailable(format!("S3 settings: {e}")))?;
        let rewrite = match (&settings.endpoint, &settings.public_url) {
            (Some(endpoint), Some(public)) => Some((
                endpoint.trim_end_matches('/').to_owned(),
                public.trim_end_matches('/').to_owned(),
            )),
            _ => None,
        };
        let store = Self { s3, rewrite };
        store.ping().await.map_err(|e| match e {
            BlobError::NotFound => BlobError::Unavailable(format!(
                "the bucket {:?} does not exist: create it first",
                settings.bucket
            )),
            other => other,
        })?;
        Ok(store)
    }

    /// The URL as the client should use it.
    fn public(&self, url: &object_store::signer::Url) -> String {
        let url = url.to_string();
        match &self.rewrite {
            Some((endpoint, public)) if url.starts_with(endpoint.as_str()) => {
                format!("{public}{}", &url[endpoint.len()..])
            }
            _ => url,
        }
    }

    async fn sign(
        &self,
        method: Method,
        key: &str,
        ttl: Duration,
        query: Vec<(String, String)>,
    ) -> BlobResult<SignedUrl> {
        let options = SignedUrlOptions::default().with_query(query);
        let url = self
            .s3
            .signed_url_opts(method, &path(key)?, ttl, &options)
            .await
            .map_err(store_error)?;
        Ok(self.public(&url))
    }
}

fn path(key: &str) -> BlobResult<Path> {
    Path::parse(key).map_err(|e| BlobError::Unavailable(format!("invalid key {key:?}: {e}")))
}

#[async_trait]
impl BlobStore for S3BlobStore {
    fn backend(&self) -> &'static str {
        "s3"
    }

    async fn ping(&self) -> BlobResult<()> {
        // One listing call: it fails when the bucket is missing or the keys are wrong.
        self.s3
            .list_with_delimiter(Some(&Path::from("corral-ping")))
            .await
            .map(drop)
            .map_err(store_error)
    }

    async fn presign_put(&self, key: &str, _length: u64, ttl: Duration) -> BlobResult<SignedUrl> {
        self.sign(Method::PUT, key, ttl, Vec::new()).await
    }

    async fn create_multipart(&self, key: &str, content_type: &str) -> BlobResult<String> {
        let mut attributes = Attributes::new();
        attributes.insert(
            Attribute::ContentType,
            AttributeValue::from(content_type.to_owned()),
        );
        let options = PutMultipartOptions {
            attributes,
            ..PutMultipartOptions::default()
        };
        self.s3
            .create_multipart_opts(&path(key)?, options)
            .await
            .map_err(store_error)
    }

    async fn presign_part(
        &self,
        key: &str,
        upload_id: &str,
        part: u32,
        _length: u64,
        ttl: Duration,
    ) -> BlobResult<SignedUrl> {
        let query = vec![
            ("partNumber".to_owned(), part.to_string()),
            ("uploadId".to_owned(), upload_id.to_owned()),
        ];
        self.sign(Method::PUT, key, ttl, query).await
    }

    async fn complete_multipart(
        &self,
        key: &str,
        upload_id: &str,
        parts: &[CompletedPart],
    ) -> BlobResult<()> {
        for (i, part) in parts.iter().enumerate() {
            if usize::try_from(part.part_number).ok() != Some(i + 1) {
                return Err(BlobError::Incomplete(
                    "the parts must be numbered 1, 2, 3… in order".into(),
                ));
            }
        }
        let parts = parts
            .iter()
            .map(|p| PartId {
                content_id: p.etag.clone(),
            })
            .collect();
        match self
            .s3
            .complete_multipart(&path(key)?, &upload_id.to_owned(), parts)
            .await
        {
            Ok(_) => Ok(()),
            // The store refused the parts (missing, wrong ETag, too small): the client's
            // upload is incomplete, not the store down.
            Err(object_store::Error::Generic { source, .. })
                if source.to_string().contains("400")
                    || source.to_string().contains("InvalidPart")
                    || source.to_string().contains("EntityTooSmall")
                    || source.to_string().contains("NoSuchUpload") =>
            {
                Err(BlobError::Incomplete(format!(
                    "the store refused the parts: {source}"
                )))
            }
            Err(e) => Err(store_error(e)),
        }
    }

    async fn abort_multipart(&self, key: &str, upload_id: &str) -> BlobResult<()> {
        match self
            .s3
            .abort_multipart(&path(key)?, &upload_id.to_owned())
            .await
        {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(store_error(e)),
        }
    }

    async fn presign_get(&self, key: &str, serve: &Serve, ttl: Duration) -> BlobResult<SignedUrl> {
        let query = vec![
            (
                "response-content-disposition".to_owned(),
                corral_actors::blob::content_disposition(serve),
            ),
            (
                "response-content-type".to_owned(),
                serve.content_type.clone(),
            ),
        ];
        self.sign(Method::GET, key, ttl, query).await
    }

    async fn size(&self, key: &str) -> BlobResult<Option<u64>> {
        super::size_of(&self.s3, &path(key)?).await
    }

    async fn delete(&self, key: &str) -> BlobResult<()> {
        super::delete(&self.s3, &path(key)?).await
    }

    async fn delete_prefix(&self, prefix: &str) -> BlobResult<u64> {
        super::delete_under(&self.s3, &path(prefix.trim_end_matches('/'))?).await
    }
}
