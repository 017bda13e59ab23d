//! A load of concurrent editors on one project, recording what the server acknowledged, and
//! the checks that nothing acknowledged was lost.

use super::{Client, at};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// What the server acknowledged.
#[derive(Default, Debug)]
pub struct Acked {
    /// Per task, every acknowledged version with the task as the server returned it.
    pub tasks: BTreeMap<String, BTreeMap<i64, Value>>,
    pub comments: Vec<(String, String)>,
    /// Acknowledged writes that changed nothing (the same value again): the task at a version
    /// already acknowledged, no new version, no event.
    pub unchanged: usize,
    /// Requests that were not acknowledged (status, body), for diagnostics.
    pub failures: Vec<(u16, Value)>,
}

/// A tiny deterministic generator, so a failing run can be repeated from its seed.
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Self {
        Self(
            seed.wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407),
        )
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// The project's ids the editors use.
#[derive(Clone, Debug)]
pub struct Board {
    pub project: String,
    pub statuses: Vec<String>,
    pub member: String,
    pub tasks: Arc<Mutex<Vec<String>>>,
}

impl Board {
    pub async fn load(c: &Client, project: &str) -> Self {
        let statuses = c.get(&at(project, "/task-statuses")).await.data()["items"]
            .as_array()
            .expect("statuses")
            .iter()
            .filter_map(|s| s["id"].as_str().map(str::to_owned))
            .collect();
        let member = c.get(&at(project, "/members")).await.data()[0]["id"]
            .as_str()
            .expect("member")
            .to_owned();
        Self {
            project: project.to_owned(),
            statuses,
            member,
            tasks: Arc::default(),
        }
    }

    fn pick_task(&self, rng: &mut Lcg) -> Option<String> {
        let tasks = self.tasks.lock().expect("lock");
        (!tasks.is_empty()).then(|| tasks[rng.below(tasks.len() as u64) as usize].clone())
    }
}

fn record_task(acked: &Mutex<Acked>, task: &Value) {
    let id = task["id"].as_str().unwrap_or_default().to_owned();
    let version = task["version"].as_i64().unwrap_or_default();
    let mut acked = acked.lock().expect("lock");
    let versions = acked.tasks.entry(id).or_default();
    if let Some(before) = versions.insert(version, task.clone()) {
        assert_eq!(
            before, *task,
            "two acknowledgements of one version must show the same task"
        );
        acked.unchanged += 1;
    }
}

/// Creates `n` tasks on the board, recorded as acknowledged.
pub async fn seed_tasks(c: &Client, board: &Board, acked: &Mutex<Acked>, n: usize) {
    for i in 0..n {
        let r = c
            .post(
                &at(&board.project, "/tasks"),
                &json!({"title": format!("seed {i}")}),
            )
            .await;
        assert_eq!(r.status, 201, "{r:?}");
        record_task(acked, r.data());
        board
            .tasks
            .lock()
            .expect("lock")
            .push(r.data()["id"].as_str().expect("id").to_owned());
    }
}

/// One editor: `ops` operations (create, rename, move, assign, comment), each waiting for its
/// answer before the next. Stops early when `stop` says so.
pub async fn editor(
    c: Arc<Client>,
    board: Board,
    acked: Arc<Mutex<Acked>>,
    seed: u64,
    ops: usize,
    stop: Arc<std::sync::atomic::AtomicBool>,
) {
    let mut rng = Lcg::new(seed);
    for i in 0..ops {
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let roll = rng.below(100);
        let target = board.pick_task(&mut rng);
        let (path, method, body, is_comment) = match (roll, target) {
            (0..10, _) | (_, None) => (
                at(&board.project, "/tasks"),
                "POST",
                json!({"title": format!("task {seed}-{i}")}),
                false,
            ),
            (10..45, Some(t)) => (
                at(&board.project, &format!("/tasks/{t}")),
                "PATCH",
                json!({"title": format!("title {seed}-{i}")}),
                false,
            ),
            (45..70, Some(t)) => {
                let status = &board.statuses[rng.below(board.statuses.len() as u64) as usize];
                (
                    at(&board.project, &format!("/tasks/{t}")),
                    "PATCH",
                    json!({"status_id": status}),
                    false,
                )
            }
            (70..85, Some(t)) => {
                let assignees = if rng.below(2) == 0 {
                    json!([board.member])
                } else {
                    json!([])
                };
                (
                    at(&board.project, &format!("/tasks/{t}")),
                    "PATCH",
                    json!({"assignee_ids": assignees}),
                    false,
                )
            }
            (_, Some(t)) => (
                at(&board.project, &format!("/tasks/{t}/activities/comments")),
                "POST",
                json!({"content": [{"type": "paragraph", "content": [{"type": "text", "text": format!("c {seed}-{i}")}]}]}),
                true,
            ),
        };
        let r = c
            .try_send(method, &path, Some(body.to_string().into_bytes()))
            .await;
        let Some(r) = r else { continue };
        if !(200..300).contains(&r.status) {
            acked
                .lock()
                .expect("lock")
                .failures
                .push((r.status, r.body));
            continue;
        }
        if is_comment {
            let task = r.data()["task_id"].as_str().unwrap_or_default().to_owned();
            let id = r.data()["id"].as_str().unwrap_or_default().to_owned();
            acked.lock().expect("lock").comments.push((task, id));
        } else {
            record_task(&acked, r.data());
            if method == "POST" {
                board
                    .tasks
                    .lock()
                    .expect("lock")
                    .push(r.data()["id"].as_str().unwrap_or_default().to_owned());
            }
        }
    }
}

/// Every event of the project, checked to be gapless from 1.
pub async fn all_events(c: &Client, project: &str) -> Vec<Value> {
    let mut events = Vec::new();
    let mut since = 0;
    loop {
        let page = c
            .get(&at(project, &format!("/events?since={since}&limit=1000")))
            .await;
        let items = page.data()["items"].as_array().cloned().unwrap_or_default();
        if items.is_empty() {
            break;
        }
        since = page.data()["next_since"].as_i64().expect("next_since");
        events.extend(items);
    }
    for (i, e) in events.iter().enumerate() {
        assert_eq!(
            e["seq"].as_i64(),
            Some(i as i64 + 1),
            "the event log has a gap or a duplicate at {i}"
        );
    }
    events
}

/// Checks that every acknowledged change is durable and has exactly one event, and that each
/// task is the result of its acknowledged changes applied in version order.
/// `exact` says no unacknowledged write can have happened (no crash, no failures).
pub async fn verify(c: &Client, project: &str, acked: &Acked, exact: bool) {
    let events = all_events(c, project).await;
    let mut task_events: HashMap<(String, i64), usize> = HashMap::new();
    let mut comment_events: HashMap<String, usize> = HashMap::new();
    for e in &events {
        let ty = e["type"].as_str().unwrap_or_default();
        let p = &e["payload"];
        if ty == "task.created" || ty == "task.updated" {
            let key = (
                p["task_id"].as_str().unwrap_or_default().to_owned(),
                p["version"].as_i64().unwrap_or_default(),
            );
            *task_events.entry(key).or_default() += 1;
        }
        if ty == "task.comment.added" {
            *comment_events
                .entry(p["id"].as_str().unwrap_or_default().to_owned())
                .or_default() += 1;
        }
    }
    assert!(
        task_events.values().all(|n| *n == 1),
        "a task version has more than one event"
    );
    for (task, versions) in &acked.tasks {
        for version in versions.keys() {
            assert_eq!(
                task_events.get(&(task.clone(), *version)),
                Some(&1),
                "acknowledged {task} v{version} has no event"
            );
        }
        let now = c.get(&at(project, &format!("/tasks/{task}"))).await;
        assert_eq!(now.status, 200, "acknowledged task {task} is gone: {now:?}");
        let (&last_acked, last) = versions.iter().next_back().expect("versions");
        let current = now.data()["version"].as_i64().expect("version");
        assert!(
            current >= last_acked,
            "{task}: version {current} is older than acknowledged {last_acked}"
        );
        if exact {
            let expected: Vec<i64> = (1..=current).collect();
            let got: Vec<i64> = versions.keys().copied().collect();
            assert_eq!(
                got, expected,
                "{task}: every version acknowledged exactly once, none lost"
            );
            assert_eq!(
                now.data(),
                last,
                "{task}: final state is the last acknowledged one"
            );
        } else if current == last_acked {
            assert_eq!(
                now.data(),
                last,
                "{task}: final state is the last acknowledged one"
            );
        }
    }
    for (task, comment) in &acked.comments {
        assert_eq!(
            comment_events.get(comment),
            Some(&1),
            "acknowledged comment {comment} has no single event"
        );
        let feed = c
            .get(&at(project, &format!("/tasks/{task}/activities")))
            .await;
        let found = feed.data()["items"]
            .as_array()
            .is_some_and(|items| items.iter().any(|a| a["id"] == json!(comment)));
        assert!(
            found,
            "acknowledged comment {comment} is missing from the feed"
        );
    }
    if exact {
        let mutations: usize = acked.tasks.values().map(BTreeMap::len).sum();
        let task_event_count = task_events.len();
        assert_eq!(
            task_event_count, mutations,
            "one task event per acknowledged task change, no more"
        );
        assert_eq!(
            comment_events.len(),
            acked.comments.len(),
            "one comment event per acknowledged comment"
        );
    }
}
