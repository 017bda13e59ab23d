//! A private S3-compatible server for the blob store's tests: moto in server mode (PyPI's
//! `moto[server]`, installed by `.ci/run`), one per test, on a free port, with a fresh bucket.
//!
//! moto does not check SigV4 signatures or expiry, so those are proven on the local store;
//! here the flow, multipart, sizes, permissions and deletes run against a real S3 protocol.

use std::time::Duration;

pub struct Moto {
    port: u16,
    _child: tokio::process::Child,
    pub bucket: String,
}

impl Moto {
    /// `None` only outside CI with `CORRAL_SKIP_SERVICE_TESTS=1` when moto is not installed.
    pub async fn start() -> Option<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("free port")
            .local_addr()
            .expect("addr")
            .port();
        let spawned = tokio::process::Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(e)
                if std::env::var("CI").as_deref() != Ok("true")
                    && std::env::var("CORRAL_SKIP_SERVICE_TESTS").as_deref() == Ok("1") =>
            {
                eprintln!("SKIPPED: moto_server not runnable ({e})");
                return None;
            }
            Err(e) => panic!(
                "these tests run moto_server (pip install 'moto[server]'; .ci/run does): {e}"
            ),
        };
        let moto = Self {
            port,
            _child: child,
            bucket: format!("corral-test-{}", uuid::Uuid::new_v4().simple()),
        };
        let http = reqwest::Client::new();
        for _ in 0..400 {
            if http.get(moto.endpoint()).send().await.is_ok() {
                let created = http
                    .put(format!("{}/{}", moto.endpoint(), moto.bucket))
                    .send()
                    .await
                    .expect("CreateBucket");
                assert!(created.status().is_success(), "CreateBucket: {created:?}");
                return Some(moto);
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("moto_server did not start on port {port}");
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The server variables for a Corral on this bucket.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("STORAGE_PROVIDER", "minio".into()),
            ("STORAGE_ENDPOINT", self.endpoint()),
            ("STORAGE_BUCKET", self.bucket.clone()),
            ("STORAGE_ACCESS_KEY_ID", "testing".into()),
            ("STORAGE_SECRET_ACCESS_KEY", "testing".into()),
        ]
    }

    /// Keys in the bucket under `prefix` (moto answers unsigned requests).
    pub async fn keys(&self, prefix: &str) -> Vec<String> {
        let listing = reqwest::Client::new()
            .get(format!("{}/{}", self.endpoint(), self.bucket))
            .query(&[("list-type", "2"), ("prefix", prefix)])
            .send()
            .await
            .expect("ListObjectsV2")
            .text()
            .await
            .expect("listing");
        listing
            .split("<Key>")
            .skip(1)
            .filter_map(|rest| rest.split("</Key>").next())
            .map(str::to_owned)
            .collect()
    }
}
