//! The embedded blob store: objects are files under a directory (`STORAGE_DIR`), written and
//! read by `object_store`'s `LocalFileSystem`, and clients reach them through Corral's own
//! `/storage/{key}` routes with HMAC-signed, expiring URLs.
//!
//! A URL's signature covers its method, key, expiry, the exact length of an upload, the
//! multipart slot (upload id and part number) and how a download is served, so no field can be
//! changed and a URL for one object never reaches another. Uploads stream to a staged file,
//! are counted while they arrive (one byte too many stops them), and appear whole or not at
//! all (rename on success; the staged file is removed otherwise). A multipart upload's parts
//! are objects under `uploads/{upload id}/` until `complete_multipart` joins them.

use super::store_error;
use async_trait::async_trait;
use bytes::BytesMut;
use corral_actors::blob::{
    BlobError, BlobRead, BlobResult, BlobStore, ByteStream, CompletedPart, Serve, ServedBlobs,
    SignedRequest, SignedUrl,
};
use futures::{StreamExt, TryStreamExt};
use hmac::{KeyInit, Mac};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// Uploads one node writes at once; more are refused with 503 until one ends.
const CONCURRENT_PUTS: usize = 64;
/// The slowest an upload may arrive on average, and the time it gets on top: an upload holds
/// one of the node's [`CONCURRENT_PUTS`] places for at most `GRACE + length / MIN_RATE`.
const MIN_RATE: u64 = 64 * 1024;
const GRACE: Duration = Duration::from_secs(60);
/// Bytes gathered before each write to the staged file.
const WRITE_CHUNK: usize = 1024 * 1024;
/// The version of the signing scheme, first line of what is signed.
const SCHEME: &str = "corral-blob-v1";

pub struct LocalBlobStore {
    fs: Arc<LocalFileSystem>,
    root: std::path::PathBuf,
    key: [u8; 32],
    puts: Semaphore,
    /// Keys being written: one upload per URL at a time.
    writing: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl LocalBlobStore {
    /// Opens (creating) the directory. `secret` is shared by every node (the JWT secret), so any
    /// node verifies a URL another signed.
    pub fn open(root: &std::path::Path, secret: &[u8]) -> BlobResult<Self> {
        std::fs::create_dir_all(root)
            .map_err(|e| BlobError::Unavailable(format!("creating {}: {e}", root.display())))?;
        let fs = LocalFileSystem::new_with_prefix(root)
            .map_err(store_error)?
            .with_automatic_cleanup(true)
            .with_fsync(true);
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(secret)
            .map_err(|e| BlobError::Unavailable(e.to_string()))?;
        mac.update(b"corral blob url v1");
        Ok(Self {
            fs: Arc::new(fs),
            root: root.to_owned(),
            key: mac.finalize().into_bytes().into(),
            puts: Semaphore::new(CONCURRENT_PUTS),
            writing: std::sync::Mutex::default(),
        })
    }

    fn sign(&self, grant: &Grant) -> String {
        let mut mac =
            <HmacSha256 as KeyInit>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(grant.canonical().as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    fn url(&self, grant: &Grant) -> SignedUrl {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in grant.fields() {
            if !value.is_empty() {
                query.append_pair(name, &value);
            }
        }
        query.append_pair("sig", &self.sign(grant));
        format!("/storage/{}?{}", grant.key, query.finish())
    }

    /// The grant a request's URL carries, if its signature holds and it has not expired.
    fn verify(&self, request: &SignedRequest<'_>) -> BlobResult<Grant> {
        let mut fields: BTreeMap<String, String> = BTreeMap::new();
        for (name, value) in form_urlencoded::parse(request.query.as_bytes()) {
            if fields
                .insert(name.into_owned(), value.into_owned())
                .is_some()
            {
                return Err(BlobError::UrlInvalid);
            }
        }
        let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
        let grant = Grant {
            method: field("method"),
            key: request.key.to_owned(),
            expires: field("expires")
                .parse()
                .map_err(|_| BlobError::UrlInvalid)?,
            length: field("length"),
            upload: field("upload"),
            part: field("part"),
            disposition: field("disposition"),
            filename: field("filename"),
            content_type: field("type"),
        };
        let sig = hex::decode(field("sig")).map_err(|_| BlobError::UrlInvalid)?;
        let mut mac =
            <HmacSha256 as KeyInit>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(grant.canonical().as_bytes());
        mac.verify_slice(&sig).map_err(|_| BlobError::UrlInvalid)?;
        let method_ok =
            grant.method == request.method || (grant.method == "GET" && request.method == "HEAD");
        if !method_ok || !valid_key(&grant.key) {
            return Err(BlobError::UrlInvalid);
        }
        if grant.expires < unix_now() {
            return Err(BlobError::UrlExpired);
        }
        Ok(grant)
    }

    fn grant(&self, method: &str, key: &str, ttl: Duration) -> BlobResult<Grant> {
        if !valid_key(key) {
            return Err(BlobError::Unavailable(format!("invalid key {key:?}")));
        }
        Ok(Grant {
            method: method.to_owned(),
            key: key.to_owned(),
            expires: unix_now() + ttl.as_secs().max(1),
            ..Grant::default()
        })
    }

    async fn write(&self, key: &str, length: u64, mut body: ByteStream) -> BlobResult<String> {
        let path = path(key)?;
        let mut upload = self.fs.put_multipart(&path).await.map_err(store_error)?;
        let mut written: u64 = 0;
        let mut buffer = BytesMut::with_capacity(
            usize::try_from(length)
                .unwrap_or(WRITE_CHUNK)
                .min(WRITE_CHUNK),
        );
        let deadline = GRACE + Duration::from_secs(length / MIN_RATE);
        let outcome: BlobResult<()> = tokio::time::timeout(deadline, async {
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|e| match e.kind() {
                    std::io::ErrorKind::TimedOut => BlobError::TooSlow(e.to_string()),
                    _ => BlobError::BadBody(e.to_string()),
                })?;
                written += chunk.len() as u64;
                if written > length {
                    return Err(BlobError::TooLarge(length));
                }
                buffer.extend_from_slice(&chunk);
                if buffer.len() >= WRITE_CHUNK {
                    let part = PutPayload::from(buffer.split().freeze());
                    upload.put_part(part).await.map_err(store_error)?;
                }
            }
            if written != length {
                return Err(BlobError::SizeMismatch {
                    got: written,
                    expected: length,
                });
            }
            if !buffer.is_empty() {
                upload
                    .put_part(PutPayload::from(buffer.split().freeze()))
                    .await
                    .map_err(store_error)?;
            }
            Ok(())
        })
        .await
        .unwrap_or_else(|_| {
            Err(BlobError::TooSlow(format!(
                "{length} bytes must arrive within {} s",
                deadline.as_secs()
            )))
        });
        if let Err(e) = outcome {
            let _ = upload.abort().await;
            return Err(e);
        }
        let done = upload.complete().await.map_err(store_error)?;
        Ok(done.e_tag.unwrap_or_default())
    }
}

/// What a URL allows; every field is signed.
#[derive(Clone, Debug, Default)]
struct Grant {
    method: String,
    key: String,
    expires: u64,
    /// Exact bytes of an upload.
    length: String,
    /// A multipart upload's id and the part, for a part's upload.
    upload: String,
    part: String,
    /// `inline` or `attachment`, with the name and type a download is served with.
    disposition: String,
    filename: String,
    content_type: String,
}

impl Grant {
    /// The fields in the URL, in a fixed order (the key is the path).
    fn fields(&self) -> [(&'static str, String); 8] {
        [
            ("method", self.method.clone()),
            ("expires", self.expires.to_string()),
            ("length", self.length.clone()),
            ("upload", self.upload.clone()),
            ("part", self.part.clone()),
            ("disposition", self.disposition.clone()),
            ("filename", self.filename.clone()),
            ("type", self.content_type.clone()),
        ]
    }

    fn canonical(&self) -> String {
        [
            SCHEME,
            &self.method,
            &self.key,
            &self.expires.to_string(),
            &self.length,
            &self.upload,
            &self.part,
            &self.disposition,
            &self.filename,
            &self.content_type,
        ]
        .join("\n")
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// Keys are ids joined by `/`: letters, digits, `-`, `_`, `.`, no empty, `.` or `..` segment.
fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 512
        && key.split('/').all(|segment| {
            !segment.is_empty()
                && segment != "."
                && segment != ".."
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        })
}

fn path(key: &str) -> BlobResult<Path> {
    if !valid_key(key) {
        return Err(BlobError::UrlInvalid);
    }
    Path::parse(key).map_err(|_| BlobError::UrlInvalid)
}

fn part_key(upload: &str, part: u32) -> String {
    format!("uploads/{upload}/{part:05}")
}

fn unquoted(etag: &str) -> &str {
    etag.trim().trim_matches('"')
}

/// What a `Range` header asks of an object of `size` bytes.
#[derive(Debug, PartialEq, Eq)]
enum Ranged {
    /// Everything: a unit other than bytes, several ranges (served whole, which RFC 9110
    /// allows), or a malformed one.
    Whole,
    Part(u64, u64),
    /// No byte of the object is in it (416).
    Outside,
}

fn parse_range(header: &str, size: u64) -> Ranged {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return Ranged::Whole;
    };
    if spec.contains(',') {
        return Ranged::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Ranged::Whole;
    };
    let number = |s: &str| s.trim().parse::<u64>().ok();
    match (first.trim(), last.trim()) {
        ("", suffix) => match number(suffix) {
            Some(0) => Ranged::Outside,
            Some(_) if size == 0 => Ranged::Outside,
            Some(n) => Ranged::Part(size - n.min(size), size - 1),
            None => Ranged::Whole,
        },
        (first, last) => {
            let last = if last.is_empty() {
                Some(u64::MAX)
            } else {
                number(last)
            };
            match (number(first), last) {
                (Some(first), Some(_)) if first >= size => Ranged::Outside,
                (Some(first), Some(last)) if first <= last => {
                    Ranged::Part(first, last.min(size - 1))
                }
                _ => Ranged::Whole,
            }
        }
    }
}

#[async_trait]
impl BlobStore for LocalBlobStore {
    fn backend(&self) -> &'static str {
        "local"
    }

    async fn ping(&self) -> BlobResult<()> {
        let meta = tokio::fs::metadata(&self.root)
            .await
            .map_err(|e| BlobError::Unavailable(format!("{}: {e}", self.root.display())))?;
        if meta.is_dir() {
            Ok(())
        } else {
            Err(BlobError::Unavailable(format!(
                "{} is not a directory",
                self.root.display()
            )))
        }
    }

    async fn presign_put(&self, key: &str, length: u64, ttl: Duration) -> BlobResult<SignedUrl> {
        let mut grant = self.grant("PUT", key, ttl)?;
        grant.length = length.to_string();
        Ok(self.url(&grant))
    }

    async fn create_multipart(&self, _key: &str, _content_type: &str) -> BlobResult<String> {
        // The parts are objects of their own until completed; the id names their directory.
        Ok(uuid::Uuid::new_v4().simple().to_string())
    }

    async fn presign_part(
        &self,
        key: &str,
        upload_id: &str,
        part: u32,
        length: u64,
        ttl: Duration,
    ) -> BlobResult<SignedUrl> {
        let mut grant = self.grant("PUT", key, ttl)?;
        grant.length = length.to_string();
        grant.upload = upload_id.to_owned();
        grant.part = part.to_string();
        Ok(self.url(&grant))
    }

    async fn complete_multipart(
        &self,
        key: &str,
        upload_id: &str,
        parts: &[CompletedPart],
    ) -> BlobResult<()> {
        let mut sources = Vec::with_capacity(parts.len());
        for (i, part) in parts.iter().enumerate() {
            if usize::try_from(part.part_number).ok() != Some(i + 1) {
                return Err(BlobError::Incomplete(
                    "the parts must be numbered 1, 2, 3… in order".into(),
                ));
            }
            let source = path(&part_key(upload_id, part.part_number))?;
            let meta = match self.fs.head(&source).await {
                Ok(meta) => meta,
                Err(object_store::Error::NotFound { .. }) => {
                    return Err(BlobError::Incomplete(format!(
                        "part {} has not been uploaded",
                        part.part_number
                    )));
                }
                Err(e) => return Err(store_error(e)),
            };
            if meta.e_tag.as_deref().map(unquoted) != Some(unquoted(&part.etag)) {
                return Err(BlobError::Incomplete(format!(
                    "part {}'s ETag is not the uploaded part's",
                    part.part_number
                )));
            }
            sources.push(source);
        }
        let mut upload = self
            .fs
            .put_multipart(&path(key)?)
            .await
            .map_err(store_error)?;
        let joined: BlobResult<()> = async {
            for source in &sources {
                let mut stream = self
                    .fs
                    .get(source)
                    .await
                    .map_err(store_error)?
                    .into_stream();
                let mut buffer = BytesMut::new();
                while let Some(chunk) = stream.try_next().await.map_err(store_error)? {
                    buffer.extend_from_slice(&chunk);
                    if buffer.len() >= WRITE_CHUNK {
                        upload
                            .put_part(PutPayload::from(buffer.split().freeze()))
                            .await
                            .map_err(store_error)?;
                    }
                }
                if !buffer.is_empty() {
                    upload
                        .put_part(PutPayload::from(buffer.split().freeze()))
                        .await
                        .map_err(store_error)?;
                }
            }
            Ok(())
        }
        .await;
        if let Err(e) = joined {
            let _ = upload.abort().await;
            return Err(e);
        }
        upload.complete().await.map_err(store_error)?;
        self.abort_multipart(key, upload_id).await
    }

    async fn abort_multipart(&self, _key: &str, upload_id: &str) -> BlobResult<()> {
        self.delete_prefix(&format!("uploads/{upload_id}/"))
            .await
            .map(drop)
    }

    async fn presign_get(&self, key: &str, serve: &Serve, ttl: Duration) -> BlobResult<SignedUrl> {
        let mut grant = self.grant("GET", key, ttl)?;
        grant.disposition = if serve.attachment {
            "attachment"
        } else {
            "inline"
        }
        .into();
        grant.filename = serve.file_name.clone();
        grant.content_type = serve.content_type.clone();
        Ok(self.url(&grant))
    }

    async fn size(&self, key: &str) -> BlobResult<Option<u64>> {
        super::size_of(self.fs.as_ref(), &path(key)?).await
    }

    async fn delete(&self, key: &str) -> BlobResult<()> {
        super::delete(self.fs.as_ref(), &path(key)?).await
    }

    async fn delete_prefix(&self, prefix: &str) -> BlobResult<u64> {
        super::delete_under(self.fs.as_ref(), &path(prefix.trim_end_matches('/'))?).await
    }

    fn receiving(&self, key: &str, upload_id: Option<&str>) -> bool {
        let parts = upload_id.map(|id| format!("uploads/{id}/"));
        self.writing
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .any(|k| k == key || parts.as_deref().is_some_and(|p| k.starts_with(p)))
    }

    fn served(&self) -> Option<&dyn ServedBlobs> {
        Some(self)
    }
}

/// Holds a key in the set of keys being written until dropped.
struct Writing<'a> {
    keys: &'a std::sync::Mutex<std::collections::HashSet<String>>,
    key: String,
}

impl Drop for Writing<'_> {
    fn drop(&mut self) {
        self.keys
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.key);
    }
}

#[async_trait]
impl ServedBlobs for LocalBlobStore {
    fn check(&self, request: &SignedRequest<'_>) -> BlobResult<()> {
        self.verify(request).map(drop)
    }

    async fn put(
        &self,
        request: SignedRequest<'_>,
        body: ByteStream,
        admit: futures::future::BoxFuture<'_, BlobResult<()>>,
    ) -> BlobResult<String> {
        let grant = self.verify(&request)?;
        if grant.method != "PUT" {
            return Err(BlobError::UrlInvalid);
        }
        let length: u64 = grant.length.parse().map_err(|_| BlobError::UrlInvalid)?;
        let key = match (grant.upload.as_str(), grant.part.as_str()) {
            ("", "") => grant.key.clone(),
            (upload, part) => {
                let part: u32 = part.parse().map_err(|_| BlobError::UrlInvalid)?;
                part_key(upload, part)
            }
        };
        let _permit = self
            .puts
            .try_acquire()
            .map_err(|_| BlobError::Busy("too many uploads at once; try again shortly"))?;
        if !self
            .writing
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.clone())
        {
            return Err(BlobError::Busy("this URL is already receiving an upload"));
        }
        let _writing = Writing {
            keys: &self.writing,
            key: key.clone(),
        };
        admit.await?;
        self.write(&key, length, body).await
    }

    async fn get(
        &self,
        request: SignedRequest<'_>,
        range: Option<&str>,
        if_range: Option<&str>,
    ) -> BlobResult<BlobRead> {
        let grant = self.verify(&request)?;
        if grant.method != "GET" {
            return Err(BlobError::UrlInvalid);
        }
        let location = path(&grant.key)?;
        let meta = self.fs.head(&location).await.map_err(store_error)?;
        // A range of another version of the object would stitch two versions together.
        let same_version = if_range.is_none_or(|tag| {
            meta.e_tag
                .as_deref()
                .is_some_and(|etag| unquoted(tag) == unquoted(etag))
        });
        let range = match range
            .filter(|_| same_version)
            .map(|r| parse_range(r, meta.size))
        {
            None | Some(Ranged::Whole) => None,
            Some(Ranged::Part(first, last)) => Some((first, last)),
            Some(Ranged::Outside) => return Err(BlobError::RangeNotSatisfiable(meta.size)),
        };
        let body: ByteStream = if request.method == "HEAD" {
            futures::stream::empty().boxed()
        } else {
            let options = GetOptions {
                range: range.map(|(first, last)| GetRange::Bounded(first..last + 1)),
                ..GetOptions::default()
            };
            self.fs
                .get_opts(&location, options)
                .await
                .map_err(store_error)?
                .into_stream()
                .map_err(std::io::Error::other)
                .boxed()
        };
        Ok(BlobRead {
            size: meta.size,
            body,
            range,
            serve: Serve {
                attachment: grant.disposition != "inline",
                file_name: grant.filename,
                content_type: grant.content_type,
            },
            valid_for: grant.expires.saturating_sub(unix_now()),
            etag: meta.e_tag,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn store() -> (LocalBlobStore, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("corral-blobs-{}", uuid::Uuid::new_v4()));
        (LocalBlobStore::open(&dir, b"secret").expect("open"), dir)
    }

    fn request<'a>(method: &'a str, url: &'a str) -> SignedRequest<'a> {
        let (path, query) = url.split_once('?').expect("query");
        SignedRequest {
            method,
            key: path.strip_prefix("/storage/").expect("storage path"),
            query,
        }
    }

    fn admitted() -> futures::future::BoxFuture<'static, BlobResult<()>> {
        Box::pin(async { Ok(()) })
    }

    fn body(bytes: &'static [u8]) -> ByteStream {
        futures::stream::iter([Ok(Bytes::from_static(bytes))]).boxed()
    }

    #[tokio::test]
    async fn a_signed_put_then_get_round_trips() {
        let (s, dir) = store();
        let url = s
            .presign_put("a/b", 5, Duration::from_secs(60))
            .await
            .expect("url");
        s.put(request("PUT", &url), body(b"hello"), admitted())
            .await
            .expect("put");
        let serve = Serve {
            attachment: true,
            file_name: "h.txt".into(),
            content_type: "text/plain".into(),
        };
        let url = s
            .presign_get("a/b", &serve, Duration::from_secs(60))
            .await
            .expect("url");
        let read = s
            .get(request("GET", &url), Some("bytes=1-3"), None)
            .await
            .expect("get");
        assert_eq!(read.range, Some((1, 3)));
        let bytes: Vec<Bytes> = read.body.try_collect().await.expect("body");
        assert_eq!(bytes.concat(), b"ell");
        assert_eq!(read.serve, serve);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn every_signed_field_is_checked() {
        let (s, dir) = store();
        let url = s
            .presign_put("a/b", 5, Duration::from_secs(60))
            .await
            .expect("url");
        for (from, to) in [
            ("length=5", "length=6"),
            ("method=PUT", "method=GET"),
            ("/storage/a/b", "/storage/a/c"),
            ("sig=", "sig=0"),
        ] {
            let tampered = url.replacen(from, to, 1);
            let method = if to == "method=GET" { "GET" } else { "PUT" };
            let err = s
                .put(request(method, &tampered), body(b"hello"), admitted())
                .await;
            assert!(
                matches!(err, Err(BlobError::UrlInvalid)),
                "{from} → {to}: {err:?}"
            );
        }
        let err = s
            .put(
                request("PUT", &format!("{url}&length=5")),
                body(b"hello"),
                admitted(),
            )
            .await;
        assert!(
            matches!(err, Err(BlobError::UrlInvalid)),
            "a repeated field"
        );
        let err = s.get(request("GET", &url), None, None).await;
        assert!(
            matches!(err, Err(BlobError::UrlInvalid)),
            "a PUT URL cannot read"
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn sizes_are_enforced_and_nothing_is_kept() {
        let (s, dir) = store();
        let url = s
            .presign_put("a/b", 4, Duration::from_secs(60))
            .await
            .expect("url");
        let err = s
            .put(request("PUT", &url), body(b"hello"), admitted())
            .await;
        assert!(matches!(err, Err(BlobError::TooLarge(4))), "{err:?}");
        let url = s
            .presign_put("a/b", 6, Duration::from_secs(60))
            .await
            .expect("url");
        let err = s
            .put(request("PUT", &url), body(b"hello"), admitted())
            .await;
        assert!(
            matches!(
                err,
                Err(BlobError::SizeMismatch {
                    got: 5,
                    expected: 6
                })
            ),
            "{err:?}"
        );
        assert_eq!(s.size("a/b").await.expect("size"), None);
        let files = walk(&dir);
        assert!(files.is_empty(), "left behind: {files:?}");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn expired_urls_are_refused() {
        let (s, dir) = store();
        let mut grant = s
            .grant("GET", "a/b", Duration::from_secs(60))
            .expect("grant");
        grant.expires = unix_now() - 1;
        let url = s.url(&grant);
        assert!(matches!(
            s.verify(&request("GET", &url)),
            Err(BlobError::UrlExpired)
        ));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn keys_cannot_leave_the_root() {
        for bad in ["", "a//b", "../a", "a/./b", "a/..", "a\\b", "a b", "/a"] {
            assert!(!valid_key(bad), "{bad:?}");
        }
        assert!(valid_key("projects/0192-ab/tasks/x/y.bin"));
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-", 10), Ranged::Part(0, 9));
        assert_eq!(parse_range("bytes=0-0", 10), Ranged::Part(0, 0));
        assert_eq!(parse_range("bytes=-3", 10), Ranged::Part(7, 9));
        assert_eq!(parse_range("bytes=-30", 10), Ranged::Part(0, 9));
        assert_eq!(parse_range("bytes=2-100", 10), Ranged::Part(2, 9));
        assert_eq!(parse_range("bytes=10-", 10), Ranged::Outside);
        assert_eq!(parse_range("bytes=-0", 10), Ranged::Outside);
        assert_eq!(parse_range("bytes=0-1,5-6", 10), Ranged::Whole);
        assert_eq!(parse_range("items=0-1", 10), Ranged::Whole);
        assert_eq!(parse_range("bytes=5-2", 10), Ranged::Whole);
    }

    fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    out.extend(walk(&p));
                } else {
                    out.push(p);
                }
            }
        }
        out
    }
}
