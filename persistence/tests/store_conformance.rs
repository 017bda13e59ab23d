//! One conformance suite for the `Store` port, run against every implementation: SQLite and
//! PostgreSQL (a fresh database per run).

use chrono::{DateTime, Duration, SubsecRound, Utc};
use corral_actors::ids::{ApiKeyId, GlobalRoleId, SessionFamilyId, TokenId, UserId};
use corral_actors::permission::PermissionMap;
use corral_actors::store::{NewUser, RefreshUse, RoleHolders, Store, StoreError, UserChanges};
use corral_actors::user::{ApiKey, GlobalRole};
use corral_persistence::SqliteStore;
use corral_persistence::testing::TestDatabase;

fn now() -> DateTime<Utc> {
    // Both backends keep microseconds.
    Utc::now().trunc_subsecs(6)
}

fn role(name: &str, keys: &[&str]) -> GlobalRole {
    let at = now();
    GlobalRole {
        id: GlobalRoleId::new(),
        name: name.into(),
        permissions: keys.iter().map(|k| ((*k).to_owned(), true)).collect(),
        is_system: false,
        created_at: at,
        updated_at: at,
    }
}

fn new_user(username: &str, role: GlobalRoleId) -> NewUser {
    NewUser {
        id: UserId::new(),
        username: username.into(),
        password_hash: "hash".into(),
        full_name: format!("{username} full"),
        role_id: role,
        must_change_password: true,
        created_at: now(),
    }
}

async fn roles(store: &dyn Store) {
    let mut r = role("AUDITOR", &["users.read"]);
    r.permissions.insert("users.write".into(), false);
    store.insert_role(&r).await.expect("insert");
    assert_eq!(store.role_by_id(r.id).await.expect("get"), Some(r.clone()));
    assert_eq!(
        store.role_by_name("AUDITOR").await.expect("get"),
        Some(r.clone())
    );
    assert!(matches!(
        store.insert_role(&role("AUDITOR", &[])).await,
        Err(StoreError::Conflict(_))
    ));
    store
        .insert_role(&role("ANALYST", &[]))
        .await
        .expect("insert");
    let names: Vec<String> = store
        .list_roles()
        .await
        .expect("list")
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["ANALYST", "AUDITOR"], "ordered by name");

    let perms: PermissionMap = [("tasks.*".to_owned(), true)].into();
    assert!(
        store
            .update_role(r.id, "AUDITOR2", &perms, now())
            .await
            .expect("update")
    );
    let updated = store.role_by_id(r.id).await.expect("get").expect("some");
    assert_eq!(
        (updated.name.as_str(), &updated.permissions),
        ("AUDITOR2", &perms)
    );
    assert!(matches!(
        store.update_role(r.id, "ANALYST", &perms, now()).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(
        !store
            .update_role(GlobalRoleId::new(), "X", &perms, now())
            .await
            .expect("update")
    );
    assert!(store.delete_role(r.id).await.expect("delete"));
    assert!(!store.delete_role(r.id).await.expect("delete"));
    assert_eq!(store.role_by_id(r.id).await.expect("get"), None);
}

async fn users(store: &dyn Store) {
    let r = role("MEMBER", &["users.read"]);
    store.insert_role(&r).await.expect("role");
    let alice = new_user("alice", r.id);
    store.insert_user(&alice).await.expect("insert");
    assert!(matches!(
        store.insert_user(&new_user("alice", r.id)).await,
        Err(StoreError::Conflict(_))
    ));

    let got = store
        .user_by_username("alice")
        .await
        .expect("get")
        .expect("some");
    assert_eq!(got.user.id, alice.id);
    assert_eq!(got.password_hash, "hash");
    assert_eq!(
        got.user.role.as_ref().map(|r| r.name.as_str()),
        Some("MEMBER")
    );
    assert!(got.user.must_change_password && got.user.is_active);
    assert_eq!(got.user.created_at, alice.created_at);
    assert!(
        store
            .user_by_username("ALICE")
            .await
            .expect("get")
            .is_none(),
        "case-sensitive"
    );
    assert_eq!(
        store
            .user_by_id(alice.id)
            .await
            .expect("get")
            .map(|r| r.user.username),
        Some("alice".into())
    );

    for name in ["bob", "carol"] {
        store
            .insert_user(&new_user(name, r.id))
            .await
            .expect("insert");
    }
    let (page, total) = store.list_users(1, 1).await.expect("list");
    assert_eq!(total, 3);
    assert_eq!(
        page.iter().map(|u| u.username.as_str()).collect::<Vec<_>>(),
        ["bob"],
        "oldest first"
    );

    let other = role("OTHER", &[]);
    store.insert_role(&other).await.expect("role");
    let changes = UserChanges {
        full_name: Some("Alice A".into()),
        role_id: Some(other.id),
        is_active: Some(false),
    };
    assert!(
        store
            .update_user(alice.id, &changes, now())
            .await
            .expect("update")
    );
    let u = store
        .user_by_id(alice.id)
        .await
        .expect("get")
        .expect("some")
        .user;
    assert_eq!(
        (u.full_name.as_str(), u.role_name(), u.is_active),
        ("Alice A", "OTHER", false)
    );
    assert!(
        store
            .update_user(alice.id, &UserChanges::default(), now())
            .await
            .expect("noop update")
    );
    assert_eq!(
        store
            .user_by_id(alice.id)
            .await
            .expect("get")
            .expect("some")
            .user
            .full_name,
        "Alice A"
    );

    assert!(
        store
            .set_password(alice.id, "new-hash", false, now())
            .await
            .expect("set")
    );
    let rec = store
        .user_by_id(alice.id)
        .await
        .expect("get")
        .expect("some");
    assert_eq!(
        (rec.password_hash.as_str(), rec.user.must_change_password),
        ("new-hash", false)
    );

    assert_eq!(
        store.role_holders(r.id).await.expect("holders"),
        RoleHolders {
            users: 2,
            enabled: 2
        }
    );
    assert_eq!(
        store.role_holders(other.id).await.expect("holders"),
        RoleHolders {
            users: 1,
            enabled: 0
        }
    );

    assert!(store.delete_user(alice.id, now()).await.expect("delete"));
    assert!(
        !store
            .delete_user(alice.id, now())
            .await
            .expect("delete twice")
    );
    assert!(store.user_by_id(alice.id).await.expect("get").is_none());
    assert!(
        store
            .user_by_username("alice")
            .await
            .expect("get")
            .is_none()
    );
    assert!(
        !store
            .update_user(alice.id, &changes, now())
            .await
            .expect("update deleted")
    );
    assert!(
        !store
            .set_password(alice.id, "x", false, now())
            .await
            .expect("set deleted")
    );
    assert!(store.username_ever_used("alice").await.expect("ever"));
    assert!(!store.username_ever_used("zed").await.expect("ever"));
    assert_eq!(
        store.role_holders(other.id).await.expect("holders").users,
        0,
        "deleted users hold nothing"
    );
    // A deleted user's name can be taken again.
    store
        .insert_user(&new_user("alice", r.id))
        .await
        .expect("reuse name");
    assert_eq!(store.list_users(0, 100).await.expect("list").1, 3);

    // Deleting a role only deleted users held leaves them without one.
    assert!(store.delete_role(other.id).await.expect("delete role"));
}

async fn api_keys(store: &dyn Store) {
    let r = role("KEYS", &["users.read"]);
    store.insert_role(&r).await.expect("role");
    let owner = new_user("keyowner", r.id);
    store.insert_user(&owner).await.expect("user");
    let key = |name: &str, created_at| ApiKey {
        id: ApiKeyId::new(),
        user_id: owner.id,
        name: name.into(),
        key_prefix: "abcd1234".into(),
        last_used_at: None,
        expires_at: Some(now() + Duration::days(1)),
        revoked_at: None,
        created_at,
    };
    let older = key("older", now() - Duration::seconds(10));
    let newer = key("newer", now());
    store
        .insert_api_key(&older, "hash-older")
        .await
        .expect("insert");
    store
        .insert_api_key(&newer, "hash-newer")
        .await
        .expect("insert");
    assert!(matches!(
        store.insert_api_key(&key("dup", now()), "hash-newer").await,
        Err(StoreError::Conflict(_))
    ));

    let listed: Vec<String> = store
        .list_api_keys(owner.id)
        .await
        .expect("list")
        .into_iter()
        .map(|k| k.name)
        .collect();
    assert_eq!(listed, ["newer", "older"]);
    assert_eq!(
        store.api_key_by_id(older.id).await.expect("get"),
        Some(older.clone())
    );

    let (found, user) = store
        .api_key_by_hash("hash-older")
        .await
        .expect("by hash")
        .expect("some");
    assert_eq!(
        (found.id, user.user.id, user.user.role_name()),
        (older.id, owner.id, "KEYS")
    );
    assert!(
        store
            .api_key_by_hash("nope")
            .await
            .expect("by hash")
            .is_none()
    );

    let used = now();
    store.touch_api_key(older.id, used).await.expect("touch");
    assert_eq!(
        store
            .api_key_by_id(older.id)
            .await
            .expect("get")
            .expect("some")
            .last_used_at,
        Some(used)
    );

    assert!(store.revoke_api_key(older.id, now()).await.expect("revoke"));
    assert!(
        !store
            .revoke_api_key(older.id, now())
            .await
            .expect("revoke twice")
    );
    assert_eq!(store.list_api_keys(owner.id).await.expect("list").len(), 1);
    let (revoked, _) = store
        .api_key_by_hash("hash-older")
        .await
        .expect("by hash")
        .expect("still found");
    assert!(revoked.revoked_at.is_some());

    store
        .delete_user(owner.id, now())
        .await
        .expect("delete owner");
    assert!(
        store
            .api_key_by_hash("hash-newer")
            .await
            .expect("by hash")
            .is_none(),
        "deleted owner's keys are dead"
    );
}

async fn sessions(store: &dyn Store) {
    let r = role("SESS", &[]);
    store.insert_role(&r).await.expect("role");
    let u = new_user("sessuser", r.id);
    store.insert_user(&u).await.expect("user");
    let (f1, f2) = (SessionFamilyId::new(), SessionFamilyId::new());
    store
        .create_session_family(f1, u.id, now())
        .await
        .expect("family");
    store
        .create_session_family(f2, u.id, now())
        .await
        .expect("family");

    let (rec, live) = store
        .session_user(u.id, f1)
        .await
        .expect("get")
        .expect("some");
    assert!(live);
    assert_eq!(rec.user.id, u.id);
    let (_, live) = store
        .session_user(u.id, SessionFamilyId::new())
        .await
        .expect("get")
        .expect("some");
    assert!(!live, "unknown family is not live");
    assert!(
        store
            .session_user(UserId::new(), f1)
            .await
            .expect("get")
            .is_none()
    );

    store
        .revoke_session_family(f1, now())
        .await
        .expect("revoke");
    assert!(
        !store
            .session_user(u.id, f1)
            .await
            .expect("get")
            .expect("some")
            .1
    );
    assert!(
        store
            .session_user(u.id, f2)
            .await
            .expect("get")
            .expect("some")
            .1
    );
    store
        .revoke_user_sessions(u.id, now())
        .await
        .expect("revoke all");
    assert!(
        !store
            .session_user(u.id, f2)
            .await
            .expect("get")
            .expect("some")
            .1
    );

    let jti = TokenId::new();
    let first = now();
    assert_eq!(
        store.record_refresh_use(jti, f1, first).await.expect("use"),
        RefreshUse::First
    );
    assert_eq!(
        store
            .record_refresh_use(jti, f1, now())
            .await
            .expect("reuse"),
        RefreshUse::Reused {
            first_used_at: first
        }
    );
    let old = TokenId::new();
    store
        .record_refresh_use(old, f1, now() - Duration::days(30))
        .await
        .expect("old");
    assert_eq!(
        store
            .prune_refresh_uses(now() - Duration::days(1))
            .await
            .expect("prune"),
        1
    );
    assert_eq!(
        store
            .record_refresh_use(old, f1, now())
            .await
            .expect("after prune"),
        RefreshUse::First
    );

    store.delete_user(u.id, now()).await.expect("delete");
    assert!(store.session_user(u.id, f2).await.expect("get").is_none());
}

/// Concurrent first uses of one refresh token: exactly one wins.
async fn refresh_use_is_atomic(store: std::sync::Arc<dyn Store>) {
    let jti = TokenId::new();
    let family = SessionFamilyId::new();
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.record_refresh_use(jti, family, now()).await })
        })
        .collect();
    let mut firsts = 0;
    for t in tasks {
        if t.await.expect("join").expect("use") == RefreshUse::First {
            firsts += 1;
        }
    }
    assert_eq!(firsts, 1);
}

/// A new project's row, as the project actor writes it.
fn project_row(
    id: corral_actors::ids::ProjectId,
    name: &str,
    at: DateTime<Utc>,
) -> corral_actors::project::model::Project {
    corral_actors::project::model::Project {
        id,
        name: name.into(),
        description: String::new(),
        task_id_prefix: name.to_uppercase().chars().take(3).collect(),
        is_public: false,
        settings: serde_json::Map::new(),
        created_by: None,
        created_at: at,
        updated_at: at,
        deleted_at: None,
    }
}

/// Commits: the fence stops a stale writer before any of its rows, a task changed twice in
/// a batch is written with its last image, and a batch that fails part-way writes nothing and
/// leaves the store usable. (On SQLite a batch of task changes takes a hand-written
/// transaction: this is its test.)
async fn commits(store: &dyn Store) {
    use corral_actors::ids::{EventId, ProjectId, TaskId};
    use corral_actors::project::batch::{Change, CommitBatch, CommitOutcome, Event};
    use corral_actors::project::model::Task;
    use std::sync::Arc;
    let at = now();
    let project = ProjectId::new();
    let event = |seq: i64, task: Option<TaskId>| Event {
        project_id: project,
        seq,
        id: EventId::new(),
        kind: corral_actors::project::events::EventKind::TaskUpdated,
        actor_user_id: None,
        actor_member_id: None,
        task_id: task,
        subject_id: None,
        at,
        payload: serde_json::json!({"changes": {"title": "x"}}),
        encoded: Default::default(),
    };
    let task = |id: TaskId, number: i64, title: &str, version: i64| {
        Change::Task(Arc::new(Task {
            id,
            project_id: project,
            task_number: number,
            task_type_id: None,
            status_id: None,
            sprint_id: None,
            parent_task_id: None,
            title: title.into(),
            description: Some(serde_json::json!([{"type": "paragraph"}])),
            importance: 1,
            story_points: None,
            assignee_ids: Vec::new(),
            reporter_id: None,
            custom_fields: serde_json::Map::new(),
            start_date: None,
            due_date: None,
            tags: vec!["a".into()],
            version,
            created_at: at,
            updated_at: at,
            deleted_at: None,
            wire: Default::default(),
        }))
    };
    let batch = |base_seq: i64, new_seq: i64, task_counter: i64, changes, events| CommitBatch {
        project_id: project,
        base_seq,
        new_seq,
        task_counter,
        changes,
        events,
    };
    let created = batch(
        0,
        1,
        0,
        vec![Change::Project(project_row(project, "Commits", at))],
        vec![event(1, None)],
    );
    assert_eq!(
        store.commit_project(&created).await.expect("create"),
        CommitOutcome::Committed
    );

    let (first, second) = (TaskId::new(), TaskId::new());
    let tasks = batch(
        1,
        4,
        2,
        vec![
            task(first, 1, "draft", 1),
            task(second, 2, "other", 1),
            task(first, 1, "final", 2),
        ],
        vec![
            event(2, Some(first)),
            event(3, Some(second)),
            event(4, Some(first)),
        ],
    );
    assert_eq!(
        store.commit_project(&tasks).await.expect("tasks"),
        CommitOutcome::Committed
    );

    let stale = batch(
        1,
        5,
        3,
        vec![task(TaskId::new(), 3, "stale", 1)],
        vec![event(5, None)],
    );
    assert_eq!(
        store.commit_project(&stale).await.expect("stale"),
        CommitOutcome::Fenced
    );

    // Seq 4 exists: the event insert fails after the fence and the task rows went through.
    let failing = batch(
        4,
        5,
        3,
        vec![
            task(TaskId::new(), 3, "lost", 1),
            task(second, 2, "lost too", 2),
        ],
        vec![event(4, None)],
    );
    assert!(
        store.commit_project(&failing).await.is_err(),
        "a duplicate seq fails the batch"
    );

    let state = store
        .load_project(project)
        .await
        .expect("load")
        .expect("project");
    assert_eq!(
        state.event_seq, 4,
        "neither the stale nor the failed batch moved the fence"
    );
    assert_eq!(state.task_counter, 2);
    let titles: std::collections::BTreeMap<i64, (String, i64)> = state
        .tasks
        .values()
        .map(|t| (t.task_number, (t.title.clone(), t.version)))
        .collect();
    assert_eq!(
        titles,
        [(1, ("final".to_owned(), 2)), (2, ("other".to_owned(), 1))]
            .into_iter()
            .collect(),
        "the last image of each task, nothing of the stale or failed batches"
    );
    let events = store.project_events(project, 0, 100).await.expect("events");
    assert_eq!(
        events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![1, 2, 3, 4]
    );

    let after = batch(
        4,
        5,
        3,
        vec![task(TaskId::new(), 3, "after", 1)],
        vec![event(5, None)],
    );
    assert_eq!(
        store
            .commit_project(&after)
            .await
            .expect("the store is usable after a failed batch"),
        CommitOutcome::Committed
    );
}

/// Conversations: one insert per id wins.
async fn conversations(store: &dyn Store) {
    use corral_actors::agents::conversation::{Conversation, ConversationStatus, TriggerType};
    use corral_actors::ids::{AgentId, ConversationId, EventId, ProjectId};
    use corral_actors::project::batch::{Change, CommitBatch, CommitOutcome, Event};
    let at = now();
    let project = ProjectId::new();
    let (kept, lost) = (EventId::new(), EventId::new());
    let event = |id: EventId, seq: i64| Event {
        project_id: project,
        seq,
        id,
        kind: corral_actors::project::events::EventKind::AgentTriggered,
        actor_user_id: None,
        actor_member_id: None,
        task_id: None,
        subject_id: None,
        at,
        payload: serde_json::json!({"trigger_type": "task_assigned"}),
        encoded: Default::default(),
    };
    let batch = CommitBatch {
        project_id: project,
        base_seq: 0,
        new_seq: 2,
        task_counter: 0,
        changes: vec![Change::Project(project_row(project, "Triggers", at))],
        events: vec![event(kept, 1), event(lost, 2)],
    };
    assert_eq!(
        store.commit_project(&batch).await.expect("commit"),
        CommitOutcome::Committed
    );
    let conversation = Conversation {
        id: ConversationId(kept.0),
        agent_id: AgentId::new(),
        project_id: project,
        trigger_type: TriggerType::TaskAssigned,
        task_id: None,
        comment_id: None,
        chat_session_id: None,
        triggered_by_member_id: None,
        status: ConversationStatus::Queued,
        message: String::new(),
        iteration_count: 0,
        error_message: None,
        sandbox_id: None,
        node_id: "node-a".into(),
        started_at: None,
        finished_at: None,
        created_at: at,
        updated_at: at,
    };
    assert!(
        store
            .insert_conversation(&conversation)
            .await
            .expect("insert")
    );
    let mut other = conversation.clone();
    other.node_id = "node-b".into();
    assert!(
        !store.insert_conversation(&other).await.expect("insert"),
        "the second insert of an id loses"
    );
    assert_eq!(
        store
            .conversation(conversation.id)
            .await
            .expect("read")
            .map(|c| c.node_id),
        Some("node-a".into())
    );
    let _ = lost;
    assert_eq!(
        store
            .unfinished_conversations("node-a")
            .await
            .expect("unfinished")
            .len(),
        1
    );
    assert!(
        store
            .unfinished_conversations("node-b")
            .await
            .expect("unfinished")
            .is_empty()
    );
}

/// The event pipeline's bookkeeping: relay positions and consumer offsets only move forward; a
/// consumer registered late starts where the relay was.
async fn pipeline(store: &dyn Store) {
    use corral_actors::ids::{EventId, ProjectId};
    use corral_actors::project::batch::{Change, CommitBatch, CommitOutcome, Event};
    use corral_actors::store::{ConsumerPosition, RelayPosition};
    let at = now();
    let project = ProjectId::new();
    let event = |seq: i64| Event {
        project_id: project,
        seq,
        id: EventId::new(),
        kind: corral_actors::project::events::EventKind::TaskCreated,
        actor_user_id: None,
        actor_member_id: None,
        task_id: None,
        subject_id: None,
        at,
        payload: serde_json::json!({}),
        encoded: Default::default(),
    };
    let batch = CommitBatch {
        project_id: project,
        base_seq: 0,
        new_seq: 3,
        task_counter: 0,
        changes: vec![Change::Project(project_row(project, "Pipeline", at))],
        events: vec![event(1), event(2), event(3)],
    };
    assert_eq!(
        store.commit_project(&batch).await.expect("commit"),
        CommitOutcome::Committed
    );
    let position = |relayed_seq| RelayPosition {
        project_id: project,
        relayed_seq,
        event_seq: 3,
    };
    assert_eq!(
        store.relay_position(project).await.expect("position"),
        Some(position(0))
    );
    assert_eq!(
        store.relay_position(ProjectId::new()).await.expect("none"),
        None
    );
    assert!(
        store
            .unrelayed_projects(10_000)
            .await
            .expect("unrelayed")
            .contains(&position(0))
    );

    let early = format!("conformance-{}", uuid::Uuid::new_v4());
    store.register_consumer(&early, at).await.expect("register");
    assert_eq!(
        store
            .consumer_offset(&early, project)
            .await
            .expect("offset"),
        0
    );
    let lag = store.consumer_lag(&early).await.expect("lag");
    assert!(lag >= 3, "lag {lag} counts the project's 3 events");

    store.mark_relayed(project, 2).await.expect("relayed");
    store.mark_relayed(project, 1).await.expect("never back");
    assert_eq!(
        store.relay_position(project).await.expect("position"),
        Some(position(2))
    );
    let behind = ConsumerPosition {
        project_id: project,
        offset: 0,
        relayed_seq: 2,
    };
    assert!(
        store
            .lagging_projects(&early, 10_000)
            .await
            .expect("lagging")
            .contains(&behind)
    );
    store
        .advance_consumer(&early, project, 2)
        .await
        .expect("advance");
    store
        .advance_consumer(&early, project, 1)
        .await
        .expect("never back");
    assert_eq!(
        store
            .consumer_offset(&early, project)
            .await
            .expect("offset"),
        2
    );
    assert_eq!(store.consumer_lag(&early).await.expect("lag"), lag - 2);
    assert!(
        !store
            .lagging_projects(&early, 10_000)
            .await
            .expect("lagging")
            .iter()
            .any(|p| p.project_id == project)
    );

    store.mark_relayed(project, 3).await.expect("relayed");
    assert!(
        !store
            .unrelayed_projects(10_000)
            .await
            .expect("unrelayed")
            .iter()
            .any(|p| p.project_id == project)
    );
    let late = format!("conformance-{}", uuid::Uuid::new_v4());
    store.register_consumer(&late, at).await.expect("register");
    assert_eq!(
        store.consumer_offset(&late, project).await.expect("offset"),
        3,
        "a consumer registered late starts at the relay's position"
    );
    store.register_consumer(&early, at).await.expect("again");
    assert_eq!(
        store
            .consumer_offset(&early, project)
            .await
            .expect("offset"),
        2,
        "registering again changes nothing"
    );
}

async fn suite(store: std::sync::Arc<dyn Store>) {
    store.ping().await.expect("ping");
    roles(store.as_ref()).await;
    users(store.as_ref()).await;
    api_keys(store.as_ref()).await;
    sessions(store.as_ref()).await;
    conversations(store.as_ref()).await;
    commits(store.as_ref()).await;
    pipeline(store.as_ref()).await;
    refresh_use_is_atomic(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_conforms() {
    let dir = std::env::temp_dir().join(format!("corral-store-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let store = SqliteStore::open(&dir.join("corral.db"))
        .await
        .expect("open");
    assert_eq!(store.backend(), "sqlite");
    suite(std::sync::Arc::new(store)).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_store_conforms() {
    let Some(db) = TestDatabase::create().await else {
        return;
    };
    let store = db.store().await;
    assert_eq!(store.backend(), "postgres");
    let store = std::sync::Arc::new(store);
    suite(store.clone()).await;
    store.close().await;
}

#[tokio::test]
async fn migrations_are_tracked_and_idempotent() {
    let dir = std::env::temp_dir().join(format!("corral-store-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("corral.db");
    drop(SqliteStore::open(&path).await.expect("first open"));
    let reopened = SqliteStore::open(&path)
        .await
        .expect("second open applies nothing twice");
    reopened.ping().await.expect("ping");
    let _ = std::fs::remove_dir_all(&dir);
}
