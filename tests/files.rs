//! Task attachments and documents' files through Paca's presigned flow, on the embedded blob
//! store and on an S3-compatible server (moto): a plain HTTP client PUTs to the URLs the API
//! hands out, as a browser does.

mod common;

use common::{Backend, Client, TestServer, at, project};
use serde_json::{Value, json};
use std::time::Duration;

const MIB: usize = 1024 * 1024;

/// A task in a new project; (project, task).
async fn task(admin: &Client, name: &str) -> (String, String) {
    let p = project(admin, name).await;
    let t = admin
        .post(&at(&p, "/tasks"), &json!({"title": "with files"}))
        .await
        .data()["id"]
        .as_str()
        .expect("task id")
        .to_owned();
    (p, t)
}

fn attachments(p: &str, t: &str, rest: &str) -> String {
    at(p, &format!("/tasks/{t}/attachments{rest}"))
}

/// Bytes no two tests share, so a mix-up shows.
fn bytes(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

async fn initiate(
    c: &Client,
    p: &str,
    t: &str,
    name: &str,
    kind: &str,
    size: usize,
) -> common::Resp {
    c.post(
        &attachments(p, t, "/initiate-upload"),
        &json!({"file_name": name, "content_type": kind, "file_size": size}),
    )
    .await
}

/// PUTs `body` to a signed URL as a browser would: no credentials.
async fn put(url: &str, body: Vec<u8>) -> reqwest::Response {
    reqwest::Client::new()
        .put(url)
        .header("content-type", "application/octet-stream")
        .body(body)
        .send()
        .await
        .expect("PUT")
}

/// Uploads `data` through the whole flow; the attachment.
async fn upload(c: &Client, p: &str, t: &str, name: &str, kind: &str, data: &[u8]) -> Value {
    let session = initiate(c, p, t, name, kind, data.len()).await;
    assert_eq!(session.status, 201, "{}", session.body);
    let session = session.data().clone();
    let file_id = session["file_id"].as_str().expect("file_id").to_owned();
    let body = if session["is_multipart"] == true {
        let parts = session["multipart"]["parts"]
            .as_array()
            .expect("parts")
            .clone();
        let mut done = Vec::new();
        for part in &parts {
            let n = part["part_number"].as_u64().expect("part number") as usize;
            let chunk = data[(n - 1) * 5 * MIB..(n * 5 * MIB).min(data.len())].to_vec();
            let r = put(part["upload_url"].as_str().expect("url"), chunk).await;
            assert_eq!(r.status(), 200, "part {n}");
            let etag = r.headers()["etag"].to_str().expect("etag").to_owned();
            done.push(json!({"part_number": n, "etag": etag}));
        }
        json!({"file_id": file_id, "upload_id": session["multipart"]["upload_id"], "parts": done})
    } else {
        let r = put(session["upload_url"].as_str().expect("url"), data.to_vec()).await;
        assert_eq!(r.status(), 200, "{:?}", r.text().await);
        json!({"file_id": file_id})
    };
    let done = c.post(&attachments(p, t, "/complete-upload"), &body).await;
    assert_eq!(done.status, 201, "{}", done.body);
    done.data().clone()
}

async fn download_url(c: &Client, p: &str, t: &str, attachment: &str, download: bool) -> String {
    let q = if download { "?download=true" } else { "" };
    let r = c
        .get(&attachments(
            p,
            t,
            &format!("/{attachment}/download-url{q}"),
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.data()["url"].as_str().expect("url").to_owned()
}

/// Every regular file under the store's directory.
fn stored_files(s: &TestServer) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&s.data_dir.join("blobs"), &mut out);
    out
}

/// Waits until the store holds `n` files (the cleanup consumer deletes asynchronously).
async fn until_stored(s: &TestServer, n: usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while stored_files(s).len() != n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "wanted {n} stored files: {:?}",
            stored_files(s)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A file up and down, one PUT and multipart: the bytes come back equal, the list, the
/// download's headers, the activity entries; deleting removes the object.
async fn round_trip(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let (p, t) = task(&admin, "Files").await;

    let small = bytes(1000, 7);
    let a = upload(&admin, &p, &t, "notes.txt", "text/plain", &small).await;
    assert_eq!(a["task_id"], t.as_str());
    assert_eq!(a["file"]["file_name"], "notes.txt");
    assert_eq!(a["file"]["file_size"], 1000);
    assert_eq!(a["file"]["content_type"], "text/plain");
    let a_id = a["id"].as_str().expect("id").to_owned();

    // 12 MiB + 3 bytes: three parts of 5, 5 and 2 MiB + 3.
    let big = bytes(12 * MIB + 3, 11);
    let session = initiate(
        &admin,
        &p,
        &t,
        "big.bin",
        "application/octet-stream",
        big.len(),
    )
    .await;
    let parts = session.data()["multipart"]["parts"]
        .as_array()
        .map(Vec::len);
    assert_eq!(parts, Some(3), "{}", session.body);
    assert_eq!(session.data()["is_multipart"], true);
    assert!(
        session.data().get("upload_url").is_none(),
        "{}",
        session.body
    );
    let m = upload(&admin, &p, &t, "big.bin", "application/octet-stream", &big).await;
    let m_id = m["id"].as_str().expect("id").to_owned();

    let list = admin.get(&attachments(&p, &t, "")).await;
    assert_eq!(list.status, 200);
    let names: Vec<&str> = list.data()["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["file"]["file_name"].as_str())
        .collect();
    assert_eq!(names, ["notes.txt", "big.bin"], "oldest first");

    let http = reqwest::Client::new();
    let got = http
        .get(download_url(&admin, &p, &t, &a_id, false).await)
        .send()
        .await
        .expect("GET");
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["content-type"], "text/plain");
    assert!(
        got.headers()["content-disposition"]
            .to_str()
            .is_ok_and(|d| d.starts_with("inline; filename=\"notes.txt\"")),
        "{:?}",
        got.headers()
    );
    assert_eq!(got.headers()["x-content-type-options"], "nosniff");
    assert_eq!(got.bytes().await.expect("body"), small);

    let got = http
        .get(download_url(&admin, &p, &t, &m_id, true).await)
        .send()
        .await
        .expect("GET");
    assert!(
        got.headers()["content-disposition"]
            .to_str()
            .is_ok_and(|d| d.starts_with("attachment; filename=\"big.bin\""))
    );
    assert_eq!(got.bytes().await.expect("body").as_ref(), big.as_slice());
    // A range of it.
    let got = http
        .get(download_url(&admin, &p, &t, &m_id, true).await)
        .header("range", "bytes=5242878-5242881")
        .send()
        .await
        .expect("GET");
    assert_eq!(got.status(), 206);
    assert_eq!(
        got.bytes().await.expect("body").as_ref(),
        &big[5_242_878..5_242_882]
    );
    // The parts are gone once joined: two objects, nothing else.
    until_stored(&s, 2).await;

    let activity = admin.get(&at(&p, &format!("/tasks/{t}/activities"))).await;
    let kinds: Vec<&str> = activity.data()["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["activity_type"].as_str())
        .filter(|k| k.starts_with("task.attachment"))
        .collect();
    assert_eq!(kinds.len(), 2, "{}", activity.body);

    let gone = admin
        .delete(&attachments(&p, &t, &format!("/{a_id}")))
        .await;
    assert_eq!(gone.status, 204, "{}", gone.body);
    until_stored(&s, 1).await;
    let again = admin
        .get(&attachments(&p, &t, &format!("/{a_id}/download-url")))
        .await;
    assert_eq!(again.status, 404);
    assert_eq!(again.error_code(), "ATTACHMENT_NOT_FOUND");
    // Deleting the task removes its files' objects.
    let deleted = admin.delete(&at(&p, &format!("/tasks/{t}"))).await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    until_stored(&s, 0).await;
    // And deleting a project removes all of its files.
    let (q, u) = task(&admin, "Doomed").await;
    upload(&admin, &q, &u, "x.txt", "text/plain", &bytes(10, 1)).await;
    until_stored(&s, 1).await;
    let deleted = admin.delete(&format!("/api/v1/projects/{q}")).await;
    assert!(deleted.status < 300, "{}", deleted.body);
    until_stored(&s, 0).await;
}

/// Signed URLs are the only way in, and each is for one request: expired, altered, reused for
/// another method or key, or fed too many or too few bytes, it is refused and nothing is kept.
async fn urls_are_checked(b: Backend) {
    let Some(s) = TestServer::start_with(
        b,
        &[
            ("FILE_UPLOAD_URL_TTL", "1s"),
            ("FILE_DOWNLOAD_URL_TTL", "1s"),
        ],
    )
    .await
    else {
        return;
    };
    let admin = s.admin().await;
    let (p, t) = task(&admin, "Urls").await;
    let data = bytes(100, 3);
    let session = initiate(&admin, &p, &t, "a.txt", "text/plain", 100).await;
    let url = session.data()["upload_url"]
        .as_str()
        .expect("url")
        .to_owned();
    let file_id = session.data()["file_id"].as_str().expect("id").to_owned();

    // Completing before the bytes are there.
    let early = admin
        .post(
            &attachments(&p, &t, "/complete-upload"),
            &json!({"file_id": file_id}),
        )
        .await;
    assert_eq!(early.status, 409, "{}", early.body);
    assert_eq!(early.error_code(), "ATTACHMENT_UPLOAD_INCOMPLETE");

    let refused = |r: &reqwest::Response, status: u16| {
        assert_eq!(r.status(), status, "{r:?}");
    };
    for (from, to) in [
        ("length=100", "length=101"),
        ("method=PUT", "method=GET"),
        ("sig=", "sig=00"),
    ] {
        let r = put(&url.replacen(from, to, 1), data.clone()).await;
        refused(&r, 403);
        let body: Value = r.json().await.expect("envelope");
        assert_eq!(body["error_code"], "STORAGE_URL_INVALID", "{from}");
    }
    // Another project's key with this signature.
    let (other, other_task) = task(&admin, "Other").await;
    let moved = url.replacen(&p, &other, 1).replacen(&t, &other_task, 1);
    refused(&put(&moved, data.clone()).await, 403);
    // Too many bytes, then too few: refused while streaming, nothing kept.
    refused(&put(&url, bytes(101, 3)).await, 413);
    refused(&put(&url, bytes(99, 3)).await, 400);
    assert!(stored_files(&s).is_empty(), "{:?}", stored_files(&s));
    // A GET with the PUT URL.
    let r = reqwest::get(&url).await.expect("GET");
    refused(&r, 403);

    tokio::time::sleep(Duration::from_millis(2100)).await;
    let r = put(&url, data.clone()).await;
    refused(&r, 403);
    let body: Value = r.json().await.expect("envelope");
    assert_eq!(body["error_code"], "STORAGE_URL_EXPIRED");

    let a = upload(&admin, &p, &t, "b.txt", "text/plain", &data).await;
    let get = download_url(&admin, &p, &t, a["id"].as_str().expect("id"), false).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let r = reqwest::get(&get).await.expect("GET");
    refused(&r, 403);
}

/// Who may do what: a Viewer cannot upload, a non-member cannot read a URL, an attachment is
/// reached only through its own task and project, and a completed upload cannot be attached
/// twice.
async fn permissions(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let (p, t) = task(&admin, "Guarded").await;
    let a = upload(&admin, &p, &t, "a.txt", "text/plain", &bytes(10, 1)).await;
    let a_id = a["id"].as_str().expect("id").to_owned();

    let (viewer, viewer_id) = s.user("vera", "USER").await;
    common::add_member(&admin, &p, &viewer_id, "Viewer").await;
    let r = initiate(&viewer, &p, &t, "v.txt", "text/plain", 10).await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = viewer
        .delete(&attachments(&p, &t, &format!("/{a_id}")))
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    // Viewers read.
    let r = viewer
        .get(&attachments(&p, &t, &format!("/{a_id}/download-url")))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let (stranger, _) = s.user("sam", "USER").await;
    let r = stranger
        .get(&attachments(&p, &t, &format!("/{a_id}/download-url")))
        .await;
    assert!(matches!(r.status, 403 | 404), "{}", r.body);
    let r = stranger.get(&attachments(&p, &t, "")).await;
    assert!(matches!(r.status, 403 | 404), "{}", r.body);

    // Through another task, or another project's path.
    let (q, u) = task(&admin, "Elsewhere").await;
    let r = admin
        .get(&attachments(&q, &u, &format!("/{a_id}/download-url")))
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let other_task = admin
        .post(&at(&p, "/tasks"), &json!({"title": "other"}))
        .await
        .data()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let r = admin
        .get(&attachments(
            &p,
            &other_task,
            &format!("/{a_id}/download-url"),
        ))
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.error_code(), "ATTACHMENT_NOT_FOUND");

    // An upload completed through another project's path, then twice.
    let session = initiate(&admin, &p, &t, "c.txt", "text/plain", 5).await;
    let file_id = session.data()["file_id"].as_str().expect("id").to_owned();
    put(
        session.data()["upload_url"].as_str().expect("url"),
        bytes(5, 2),
    )
    .await;
    let r = admin
        .post(
            &attachments(&q, &u, "/complete-upload"),
            &json!({"file_id": file_id}),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    assert_eq!(r.error_code(), "FILE_NOT_FOUND");
    let done = admin
        .post(
            &attachments(&p, &t, "/complete-upload"),
            &json!({"file_id": file_id}),
        )
        .await;
    assert_eq!(done.status, 201, "{}", done.body);
    let twice = admin
        .post(
            &attachments(&p, &t, "/complete-upload"),
            &json!({"file_id": file_id}),
        )
        .await;
    assert_eq!(twice.status, 409, "{}", twice.body);
    assert_eq!(twice.error_code(), "ATTACHMENT_UPLOAD_NOT_PENDING");
}

/// Bad requests and limits get Paca's codes (or Corral's, for the limits Paca lacks) and
/// change nothing.
async fn limits_and_bad_input(b: Backend) {
    let Some(s) = TestServer::start_with(
        b,
        &[
            ("FILE_MAX_BYTES", "2000"),
            ("FILE_ALLOWED_TYPES", "text/plain, image/*"),
            ("PROJECT_STORAGE_QUOTA_BYTES", "3000"),
        ],
    )
    .await
    else {
        return;
    };
    let admin = s.admin().await;
    let (p, t) = task(&admin, "Limits").await;
    let cases = [
        (
            json!({"file_name": "", "content_type": "text/plain", "file_size": 1}),
            400,
            "BAD_REQUEST",
        ),
        (
            json!({"file_name": "a", "content_type": "text/plain", "file_size": 0}),
            400,
            "BAD_REQUEST",
        ),
        (
            json!({"file_name": "   ", "content_type": "text/plain", "file_size": 1}),
            400,
            "ATTACHMENT_INVALID",
        ),
        (
            json!({"file_name": "a\u{0}b", "content_type": "text/plain", "file_size": 1}),
            400,
            "VALIDATION_ERROR",
        ),
        (
            json!({"file_name": "a", "content_type": "no type", "file_size": 1}),
            400,
            "ATTACHMENT_INVALID",
        ),
        (
            json!({"file_name": "a", "content_type": "text/plain", "file_size": 2001}),
            413,
            "ATTACHMENT_TOO_LARGE",
        ),
        (
            json!({"file_name": "a", "content_type": "text/html", "file_size": 1}),
            415,
            "ATTACHMENT_TYPE_NOT_ALLOWED",
        ),
    ];
    for (body, status, code) in cases {
        let r = admin
            .post(&attachments(&p, &t, "/initiate-upload"), &body)
            .await;
        assert_eq!(
            (r.status, r.error_code()),
            (status, code.to_owned()),
            "{body}: {}",
            r.body
        );
    }
    let r = admin
        .post(
            &attachments(
                &p,
                "00000000-0000-7000-8000-000000000000",
                "/initiate-upload",
            ),
            &json!({"file_name": "a", "content_type": "text/plain", "file_size": 1}),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    assert_eq!(r.error_code(), "TASK_NOT_FOUND");
    let r = admin
        .post(&attachments(&p, &t, "/complete-upload"), &json!({}))
        .await;
    assert_eq!((r.status, r.error_code()), (400, "BAD_REQUEST".to_owned()));
    assert!(stored_files(&s).is_empty());
    assert_eq!(
        admin.get(&attachments(&p, &t, "")).await.data()["items"],
        json!([])
    );

    // The quota counts attached files and uploads in progress.
    upload(&admin, &p, &t, "one.png", "image/png", &bytes(1500, 1)).await;
    let pending = initiate(&admin, &p, &t, "two.txt", "text/plain", 1000).await;
    assert_eq!(pending.status, 201, "{}", pending.body);
    let r = initiate(&admin, &p, &t, "three.txt", "text/plain", 600).await;
    assert_eq!(
        (r.status, r.error_code()),
        (413, "PROJECT_STORAGE_QUOTA_EXCEEDED".to_owned()),
        "{}",
        r.body
    );

    // HTML is accepted when allowed, and then served as a download, never inline.
    drop(s);
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let (p, t) = task(&admin, "Html").await;
    let a = upload(
        &admin,
        &p,
        &t,
        "x.html",
        "text/html",
        b"<script>alert(1)</script>",
    )
    .await;
    let url = download_url(&admin, &p, &t, a["id"].as_str().expect("id"), false).await;
    let r = reqwest::get(&url).await.expect("GET");
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(r.headers().contains_key("content-security-policy"));
}

/// Waits until the bucket holds `n` keys under `prefix`.
async fn until_keys(moto: &common::s3::Moto, prefix: &str, n: usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let keys = moto.keys(prefix).await;
        if keys.len() == n {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "wanted {n} keys: {keys:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The same flow on an S3-compatible server (moto), the URLs used by a plain HTTP client:
/// one PUT and multipart round trips, a complete before the bytes or with the wrong size or
/// ETags refused (a wrong-size object is deleted), another project's path refused, and
/// deleting an attachment or its task removes the objects.
async fn on_s3(b: Backend) {
    let Some(moto) = common::s3::Moto::start().await else {
        return;
    };
    let env = moto.env();
    let overrides: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let Some(s) = TestServer::start_with(b, &overrides).await else {
        return;
    };
    let ready = s.client().get("/api/readyz").await;
    assert_eq!(ready.body["storage"]["backend"], "s3", "{}", ready.body);
    let admin = s.admin().await;
    let (p, t) = task(&admin, "On S3").await;

    let small = bytes(1000, 5);
    let a = upload(&admin, &p, &t, "notes.txt", "text/plain", &small).await;
    let a_id = a["id"].as_str().expect("id").to_owned();
    let url = download_url(&admin, &p, &t, &a_id, true).await;
    assert!(url.starts_with(&moto.endpoint()), "{url}");
    assert!(url.contains("X-Amz-Signature="), "{url}");
    let got = reqwest::get(&url).await.expect("GET");
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.expect("body"), small);

    let big = bytes(12 * MIB + 3, 9);
    let m = upload(&admin, &p, &t, "big.bin", "application/octet-stream", &big).await;
    let url = download_url(&admin, &p, &t, m["id"].as_str().expect("id"), false).await;
    let got = reqwest::get(&url).await.expect("GET");
    assert_eq!(got.bytes().await.expect("body").as_ref(), big.as_slice());
    until_keys(&moto, "projects/", 2).await;

    // Completing before the bytes are there, or with fewer bytes than announced.
    let session = initiate(&admin, &p, &t, "c.txt", "text/plain", 100).await;
    let file_id = session.data()["file_id"].as_str().expect("id").to_owned();
    let complete = json!({"file_id": file_id});
    let r = admin
        .post(&attachments(&p, &t, "/complete-upload"), &complete)
        .await;
    assert_eq!(
        (r.status, r.error_code()),
        (409, "ATTACHMENT_UPLOAD_INCOMPLETE".to_owned())
    );
    put(
        session.data()["upload_url"].as_str().expect("url"),
        bytes(99, 1),
    )
    .await;
    let r = admin
        .post(&attachments(&p, &t, "/complete-upload"), &complete)
        .await;
    assert_eq!(
        (r.status, r.error_code()),
        (409, "ATTACHMENT_UPLOAD_INCOMPLETE".to_owned()),
        "{}",
        r.body
    );
    until_keys(&moto, "projects/", 2).await;

    // Multipart with an ETag the store did not give.
    let session = initiate(&admin, &p, &t, "d.bin", "application/octet-stream", 6 * MIB).await;
    let data = session.data().clone();
    let mut parts = Vec::new();
    for part in data["multipart"]["parts"].as_array().expect("parts") {
        let n = part["part_number"].as_u64().expect("n") as usize;
        let len = if n == 1 { 5 * MIB } else { MIB };
        put(part["upload_url"].as_str().expect("url"), bytes(len, 4)).await;
        parts.push(json!({"part_number": n, "etag": "\"0123456789abcdef0123456789abcdef\""}));
    }
    let r = admin
        .post(
            &attachments(&p, &t, "/complete-upload"),
            &json!({"file_id": data["file_id"], "upload_id": data["multipart"]["upload_id"], "parts": parts}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_code()),
        (409, "ATTACHMENT_UPLOAD_INCOMPLETE".to_owned()),
        "{}",
        r.body
    );

    // Another project's path.
    let (q, u) = task(&admin, "Other").await;
    let session = initiate(&admin, &p, &t, "e.txt", "text/plain", 5).await;
    put(
        session.data()["upload_url"].as_str().expect("url"),
        bytes(5, 2),
    )
    .await;
    let r = admin
        .post(
            &attachments(&q, &u, "/complete-upload"),
            &json!({"file_id": session.data()["file_id"]}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_code()),
        (404, "FILE_NOT_FOUND".to_owned())
    );

    let gone = admin
        .delete(&attachments(&p, &t, &format!("/{a_id}")))
        .await;
    assert_eq!(gone.status, 204, "{}", gone.body);
    // The e.txt object is uploaded but not attached: it stays until its upload expires.
    until_keys(&moto, &format!("projects/{p}/tasks/{t}/"), 2).await;
    let deleted = admin.delete(&at(&p, &format!("/tasks/{t}"))).await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    until_keys(&moto, &format!("projects/{p}/tasks/{t}/"), 0).await;
}

/// Concurrent starts cannot overshoot the quota together: the check and the insert happen
/// under one lock (an advisory lock on PostgreSQL, the one writer on SQLite).
async fn concurrent_starts_respect_the_quota(b: Backend) {
    let Some(s) = TestServer::start_with(b, &[("PROJECT_STORAGE_QUOTA_BYTES", "10000")]).await
    else {
        return;
    };
    let admin = s.admin().await;
    let (p, t) = task(&admin, "Crowded").await;
    let (admin, p, t) = (&admin, &p, &t);
    let starts = (0..40).map(|i| async move {
        initiate(admin, p, t, &format!("f{i}.txt"), "text/plain", 1000).await
    });
    let answers = futures::future::join_all(starts).await;
    let accepted = answers.iter().filter(|r| r.status == 201).count();
    let refused = answers
        .iter()
        .filter(|r| r.status == 413 && r.error_code() == "PROJECT_STORAGE_QUOTA_EXCEEDED")
        .count();
    assert_eq!(
        (accepted, refused),
        (10, 30),
        "{:?}",
        answers.iter().map(|r| r.status).collect::<Vec<_>>()
    );
}

/// Uploads never completed are removed once expired (after a grace period): the row, the
/// object and a multipart upload's parts; one still in time, and attached files, stay.
async fn expired_uploads_are_swept(b: Backend) {
    let Some(s) = TestServer::start_with(b, &[("FILE_PENDING_TTL", "2h")]).await else {
        return;
    };
    let admin = s.admin().await;
    let (p, t) = task(&admin, "Sweep").await;
    upload(&admin, &p, &t, "kept.txt", "text/plain", &bytes(10, 1)).await;
    let single = initiate(&admin, &p, &t, "left.txt", "text/plain", 10).await;
    put(
        single.data()["upload_url"].as_str().expect("url"),
        bytes(10, 2),
    )
    .await;
    let multi = initiate(
        &admin,
        &p,
        &t,
        "left.bin",
        "application/octet-stream",
        5 * MIB + 1,
    )
    .await;
    let part = &multi.data()["multipart"]["parts"][0];
    put(part["upload_url"].as_str().expect("url"), bytes(5 * MIB, 3)).await;
    assert_eq!(stored_files(&s).len(), 3, "{:?}", stored_files(&s));

    let now = chrono::Utc::now();
    let early = s
        .files()
        .sweep(now + chrono::Duration::minutes(119), 100)
        .await;
    assert_eq!(early.expect("sweep"), 0, "not expired yet");
    let within_grace = s
        .files()
        .sweep(now + chrono::Duration::minutes(122), 100)
        .await;
    assert_eq!(
        within_grace.expect("sweep"),
        0,
        "expired less than the grace period ago"
    );
    let swept = s
        .files()
        .sweep(now + chrono::Duration::minutes(130), 100)
        .await;
    assert_eq!(swept.expect("sweep"), 2);
    until_stored(&s, 1).await;
    let r = admin
        .post(
            &attachments(&p, &t, "/complete-upload"),
            &json!({"file_id": single.data()["file_id"]}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_code()),
        (404, "FILE_NOT_FOUND".to_owned())
    );
    assert_eq!(
        admin.get(&attachments(&p, &t, "")).await.data()["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

/// What an adversarial review found, kept fixed: a content type cannot smuggle HTML past the
/// inline rule; a URL stops taking bytes once its upload is completed or deleted; one URL takes
/// one upload at a time; two completions of one upload cannot both assemble it, and a short
/// part list spends no parts; one member cannot hold every upload place; ranges outside the
/// file are 416.
async fn review_findings_stay_fixed(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let (p, t) = task(&admin, "Hardened").await;

    // `application/pdf;,text/html` renders as HTML in browsers: only the bare type is kept.
    let html = b"<script>document.title='x'</script>".to_vec();
    let a = upload(
        &admin,
        &p,
        &t,
        "q3.pdf",
        "application/pdf;,text/html",
        &html,
    )
    .await;
    assert_eq!(a["file"]["content_type"], "application/pdf");
    let url = download_url(&admin, &p, &t, a["id"].as_str().expect("id"), false).await;
    let got = reqwest::get(&url).await.expect("GET");
    assert_eq!(got.headers()["content-type"], "application/pdf");

    // A URL outlives its upload, but the upload decides.
    let session = initiate(&admin, &p, &t, "once.txt", "text/plain", 10).await;
    let url = session.data()["upload_url"]
        .as_str()
        .expect("url")
        .to_owned();
    assert_eq!(put(&url, bytes(10, 1)).await.status(), 200);
    let done = admin
        .post(
            &attachments(&p, &t, "/complete-upload"),
            &json!({"file_id": session.data()["file_id"]}),
        )
        .await;
    assert_eq!(done.status, 201, "{}", done.body);
    let again = put(&url, bytes(10, 2)).await;
    assert_eq!(again.status(), 409);
    let body: Value = again.json().await.expect("envelope");
    assert_eq!(body["error_code"], "ATTACHMENT_UPLOAD_NOT_PENDING");
    let id = done.data()["id"].as_str().expect("id").to_owned();
    let read = reqwest::get(download_url(&admin, &p, &t, &id, false).await)
        .await
        .expect("GET");
    assert_eq!(
        read.bytes().await.expect("body"),
        bytes(10, 1),
        "the attached bytes stand"
    );
    let before = stored_files(&s).len();
    admin.delete(&attachments(&p, &t, &format!("/{id}"))).await;
    until_stored(&s, before - 1).await;
    assert_eq!(put(&url, bytes(10, 3)).await.status(), 409);
    assert_eq!(stored_files(&s).len(), before - 1, "nothing came back");

    // One upload per URL at a time: a second PUT while the first still streams.
    let session = initiate(&admin, &p, &t, "slow.txt", "text/plain", 100).await;
    let url = session.data()["upload_url"]
        .as_str()
        .expect("url")
        .to_owned();
    let mut first = RawPut::start(&url, 100).await;
    first.send(&bytes(50, 1)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let second = put(&url, bytes(100, 1)).await;
    assert_eq!(second.status(), 503);
    // Completing while bytes still arrive would attach whatever lands last.
    let early = admin
        .post(
            &attachments(&p, &t, "/complete-upload"),
            &json!({"file_id": session.data()["file_id"]}),
        )
        .await;
    assert_eq!(
        (early.status, early.error_code()),
        (409, "ATTACHMENT_UPLOAD_INCOMPLETE".to_owned()),
        "{}",
        early.body
    );
    first.send(&bytes(100, 1)[50..]).await;
    assert_eq!(first.status().await, 200);
    let done = admin
        .post(
            &attachments(&p, &t, "/complete-upload"),
            &json!({"file_id": session.data()["file_id"]}),
        )
        .await;
    assert_eq!(done.status, 201, "{}", done.body);

    // A multipart upload: a short part list spends nothing; two completions race, one wins.
    let size = 5 * MIB + 10;
    let data = bytes(size, 6);
    let session = initiate(&admin, &p, &t, "race.bin", "application/octet-stream", size).await;
    let s_data = session.data().clone();
    let mut parts = Vec::new();
    for part in s_data["multipart"]["parts"].as_array().expect("parts") {
        let n = part["part_number"].as_u64().expect("n") as usize;
        let chunk = data[(n - 1) * 5 * MIB..(n * 5 * MIB).min(size)].to_vec();
        let r = put(part["upload_url"].as_str().expect("url"), chunk).await;
        parts.push(json!({"part_number": n, "etag": r.headers()["etag"].to_str().expect("etag")}));
    }
    let short = json!({"file_id": s_data["file_id"], "upload_id": s_data["multipart"]["upload_id"], "parts": [parts[0]]});
    let r = admin
        .post(&attachments(&p, &t, "/complete-upload"), &short)
        .await;
    assert_eq!(
        (r.status, r.error_code()),
        (409, "ATTACHMENT_UPLOAD_INCOMPLETE".to_owned()),
        "{}",
        r.body
    );
    let full = json!({"file_id": s_data["file_id"], "upload_id": s_data["multipart"]["upload_id"], "parts": parts});
    let path = attachments(&p, &t, "/complete-upload");
    let (one, two) = tokio::join!(admin.post(&path, &full), admin.post(&path, &full));
    let mut statuses = [one.status, two.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409], "{} / {}", one.body, two.body);
    let won = if one.status == 201 { one } else { two };
    let url = download_url(&admin, &p, &t, won.data()["id"].as_str().expect("id"), true).await;
    let got = reqwest::get(&url).await.expect("GET");
    assert_eq!(got.bytes().await.expect("body").as_ref(), data.as_slice());

    // Ranges outside the file, and several ranges (served whole).
    let got = reqwest::Client::new()
        .get(&url)
        .header("range", "bytes=99999999-")
        .send()
        .await
        .expect("GET");
    assert_eq!(got.status(), 416);
    assert_eq!(
        got.headers()["content-range"],
        format!("bytes */{size}").as_str()
    );
    let got = reqwest::Client::new()
        .get(&url)
        .header("range", "bytes=0-1,5-6")
        .send()
        .await
        .expect("GET");
    assert_eq!(got.status(), 200);

    // One member holds at most 100 uploads in progress in a project.
    let mut refused = None;
    for i in 0..=100 {
        let r = initiate(&admin, &p, &t, &format!("n{i}.txt"), "text/plain", 1).await;
        if r.status != 201 {
            refused = Some((i, r.status, r.error_code()));
            break;
        }
    }
    assert_eq!(refused, Some((100, 429, "PROJECT_BUSY".to_owned())));
}

/// A PUT sent by hand over TCP, so a test can hold its body half sent.
struct RawPut(tokio::net::TcpStream);

impl RawPut {
    async fn start(url: &str, length: usize) -> Self {
        use tokio::io::AsyncWriteExt;
        let rest = url.strip_prefix("http://").expect("http URL");
        let (host, path) = rest.split_at(rest.find('/').expect("path"));
        let mut conn = tokio::net::TcpStream::connect(host).await.expect("connect");
        let head = format!(
            "PUT {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
        );
        conn.write_all(head.as_bytes()).await.expect("headers");
        Self(conn)
    }

    async fn send(&mut self, bytes: &[u8]) {
        use tokio::io::AsyncWriteExt;
        self.0.write_all(bytes).await.expect("body");
    }

    /// The response's status code.
    async fn status(mut self) -> u16 {
        use tokio::io::AsyncReadExt;
        let mut response = Vec::new();
        self.0.read_to_end(&mut response).await.expect("response");
        let text = String::from_utf8_lossy(&response);
        text.split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("no status in {text:?}"))
    }
}

/// A document's files: Paca's four routes, each checking the file is this document's; the
/// objects go when a file is removed or its document deleted.
async fn document_files(b: Backend) {
    let Some(s) = TestServer::start(b).await else {
        return;
    };
    let admin = s.admin().await;
    let (p, t) = task(&admin, "Doc files").await;
    let doc = |title: &str| {
        let admin = &admin;
        let p = &p;
        let title = title.to_owned();
        async move {
            let r = admin.post(&at(p, "/docs"), &json!({"title": title})).await;
            assert_eq!(r.status, 201, "{}", r.body);
            r.data()["id"].as_str().expect("id").to_owned()
        }
    };
    let (d1, d2) = (doc("Spec").await, doc("Notes").await);
    let files = |d: &str, rest: &str| at(&p, &format!("/docs/{d}/files{rest}"));
    let data = bytes(3000, 9);
    let session = admin
        .post(
            &files(&d1, "/initiate-upload"),
            &json!({"file_name": "diagram.png", "content_type": "image/png", "file_size": data.len()}),
        )
        .await;
    assert_eq!(session.status, 201, "{}", session.body);
    let file_id = session.data()["file_id"]
        .as_str()
        .expect("file id")
        .to_owned();
    let url = session.data()["upload_url"]
        .as_str()
        .expect("url")
        .to_owned();
    assert!(url.contains(&format!("/docs/{d1}/")), "{url}");
    assert_eq!(put(&url, data.clone()).await.status(), 200);
    // Another document, or a task, cannot complete it.
    let r = admin
        .post(
            &files(&d2, "/complete-upload"),
            &json!({"file_id": file_id}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_code()),
        (404, "FILE_NOT_FOUND".to_owned()),
        "{}",
        r.body
    );
    let r = admin
        .post(
            &attachments(&p, &t, "/complete-upload"),
            &json!({"file_id": file_id}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_code()),
        (404, "FILE_NOT_FOUND".to_owned()),
        "{}",
        r.body
    );
    let done = admin
        .post(
            &files(&d1, "/complete-upload"),
            &json!({"file_id": file_id}),
        )
        .await;
    assert_eq!(done.status, 201, "{}", done.body);
    let file = done.data().clone();
    assert_eq!(
        (
            file["id"].as_str(),
            file["file_name"].as_str(),
            file["content_type"].as_str(),
            file["file_size"].as_u64()
        ),
        (
            Some(file_id.as_str()),
            Some("diagram.png"),
            Some("image/png"),
            Some(3000)
        )
    );
    assert!(file["created_at"].is_string(), "{file}");

    // Readers download; the bytes come back equal, shown inline (a safe type).
    let (viewer, viewer_id) = s.user("dora", "USER").await;
    common::add_member(&admin, &p, &viewer_id, "Viewer").await;
    let r = viewer
        .get(&files(&d1, &format!("/{file_id}/download-url")))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let got = reqwest::get(r.data()["url"].as_str().expect("url"))
        .await
        .expect("GET");
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["content-type"], "image/png");
    assert_eq!(got.bytes().await.expect("body").to_vec(), data);
    for r in [
        viewer
            .post(
                &files(&d1, "/initiate-upload"),
                &json!({"file_name": "x.txt", "content_type": "text/plain", "file_size": 3}),
            )
            .await,
        viewer.delete(&files(&d1, &format!("/{file_id}"))).await,
    ] {
        assert_eq!(r.status, 403, "{}", r.body);
    }
    let r = admin
        .get(&files(&d2, &format!("/{file_id}/download-url")))
        .await;
    assert_eq!(
        (r.status, r.error_code()),
        (404, "FILE_NOT_FOUND".to_owned()),
        "{}",
        r.body
    );
    let r = admin.get(&files(&d1, "/nope/download-url")).await;
    assert_eq!(
        (r.status, r.body["error"].as_str()),
        (400, Some("invalid file id"))
    );
    let r = admin
        .post(
            &files(&uuid::Uuid::new_v4().to_string(), "/initiate-upload"),
            &json!({"file_name": "x.txt", "content_type": "text/plain", "file_size": 3}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_code()),
        (404, "DOC_NOT_FOUND".to_owned()),
        "{}",
        r.body
    );

    // Removed: the object goes (after the commit, through the cleanup consumer).
    until_stored(&s, 1).await;
    let r = admin.delete(&files(&d1, &format!("/{file_id}"))).await;
    assert_eq!(r.status, 204, "{}", r.body);
    until_stored(&s, 0).await;
    let r = admin
        .get(&files(&d1, &format!("/{file_id}/download-url")))
        .await;
    assert_eq!(r.status, 404, "{}", r.body);

    // A deleted document's files go with it.
    for (i, d) in [&d1, &d2].into_iter().enumerate() {
        let session = admin
            .post(
                &files(d, "/initiate-upload"),
                &json!({"file_name": "a.txt", "content_type": "text/plain", "file_size": 10}),
            )
            .await;
        let id = session.data()["file_id"].as_str().expect("id").to_owned();
        put(
            session.data()["upload_url"].as_str().expect("url"),
            bytes(10, i as u8),
        )
        .await;
        let r = admin
            .post(&files(d, "/complete-upload"), &json!({"file_id": id}))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    until_stored(&s, 2).await;
    let r = admin.delete(&at(&p, &format!("/docs/{d1}"))).await;
    assert_eq!(r.status, 204, "{}", r.body);
    until_stored(&s, 1).await;
}

on_both_backends!(
    document_files,
    concurrent_starts_respect_the_quota,
    expired_uploads_are_swept,
    review_findings_stay_fixed,
    round_trip,
    urls_are_checked,
    permissions,
    limits_and_bad_input,
    on_s3
);
