//! One conformance suite for the `Bus` port, run against every implementation: in-process and
//! Valkey (under a random key prefix, deleted afterwards).

use corral_actors::bus::{Bus, BusError, ReadGroup, Subscription};
use corral_persistence::InProcessBus;
use corral_persistence::testing::TestValkey;
use std::time::Duration;

async fn recv(sub: &mut Subscription) -> Option<(String, String)> {
    tokio::time::timeout(Duration::from_secs(5), sub.recv())
        .await
        .ok()
        .flatten()
        .map(|m| (m.channel, m.payload))
}

async fn pub_sub(bus: &dyn Bus) {
    let mut a = bus.subscribe("chan.a").await.expect("subscribe");
    let mut a2 = bus.subscribe("chan.a").await.expect("subscribe");
    let mut b = bus.subscribe("chan.b").await.expect("subscribe");
    bus.publish("chan.a", "one").await.expect("publish");
    bus.publish("chan.a", "two").await.expect("publish");
    bus.publish("chan.b", "three").await.expect("publish");
    assert_eq!(recv(&mut a).await, Some(("chan.a".into(), "one".into())));
    assert_eq!(
        recv(&mut a).await,
        Some(("chan.a".into(), "two".into())),
        "in order"
    );
    assert_eq!(
        recv(&mut a2).await,
        Some(("chan.a".into(), "one".into())),
        "every subscriber"
    );
    assert_eq!(recv(&mut b).await, Some(("chan.b".into(), "three".into())));
    // Publishing with no subscriber is fine; a dropped subscription gets nothing.
    bus.publish("chan.nobody", "x").await.expect("publish");
    drop(a2);
    bus.publish("chan.a", "four").await.expect("publish");
    assert_eq!(recv(&mut a).await, Some(("chan.a".into(), "four".into())));
}

fn read<'a>(stream: &'a str, consumer: &'a str, count: usize, block: Duration) -> ReadGroup<'a> {
    ReadGroup {
        stream,
        group: "workers",
        consumer,
        count,
        block,
    }
}

async fn streams(bus: &dyn Bus) {
    let s = "stream.tasks";
    assert_eq!(bus.stream_len(s).await.expect("len"), 0);
    assert!(matches!(
        bus.read_group(read(s, "c1", 10, Duration::ZERO)).await,
        Err(BusError::NoGroup(_))
    ));
    let first = bus
        .stream_append(s, &[("type", "task.created"), ("payload", "{}")], None)
        .await
        .expect("append");
    bus.ensure_group(s, "workers").await.expect("group");
    bus.ensure_group(s, "workers")
        .await
        .expect("group twice is fine");
    let second = bus
        .stream_append(s, &[("type", "task.updated")], None)
        .await
        .expect("append");
    assert_ne!(first, second);

    // A new group starts at the beginning; each entry goes to one consumer.
    let got = bus
        .read_group(read(s, "c1", 1, Duration::ZERO))
        .await
        .expect("read");
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0].id.as_str(), got[0].field("type")),
        (first.as_str(), Some("task.created"))
    );
    assert_eq!(got[0].field("payload"), Some("{}"));
    let got2 = bus
        .read_group(read(s, "c2", 10, Duration::ZERO))
        .await
        .expect("read");
    assert_eq!(
        got2.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
        std::slice::from_ref(&second)
    );
    assert!(
        bus.read_group(read(s, "c1", 10, Duration::ZERO))
            .await
            .expect("read")
            .is_empty()
    );

    // Blocking read wakes up on append.
    let blocking = bus.read_group(read(s, "c3", 10, Duration::from_secs(5)));
    let append = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        bus.stream_append(s, &[("type", "late")], None)
            .await
            .expect("append")
    };
    let (woken, late) = tokio::join!(blocking, append);
    assert_eq!(
        woken
            .expect("read")
            .iter()
            .map(|e| e.id.clone())
            .collect::<Vec<_>>(),
        std::slice::from_ref(&late)
    );
    // Blocking read times out empty.
    assert!(
        bus.read_group(read(s, "c3", 10, Duration::from_millis(100)))
            .await
            .expect("read")
            .is_empty()
    );

    // Ack removes from pending; unacked entries can be claimed once idle.
    assert_eq!(
        bus.ack(s, "workers", std::slice::from_ref(&first))
            .await
            .expect("ack"),
        1
    );
    assert_eq!(
        bus.ack(s, "workers", std::slice::from_ref(&first))
            .await
            .expect("ack twice"),
        0
    );
    assert!(
        bus.auto_claim(s, "workers", "c9", Duration::from_secs(60), 10)
            .await
            .expect("claim")
            .is_empty()
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    let claimed = bus
        .auto_claim(s, "workers", "c9", Duration::from_millis(20), 10)
        .await
        .expect("claim");
    let mut ids: Vec<String> = claimed.iter().map(|e| e.id.clone()).collect();
    ids.sort();
    let mut expected = vec![second.clone(), late.clone()];
    expected.sort();
    assert_eq!(ids, expected);
    assert_eq!(
        claimed
            .iter()
            .find(|e| e.id == late)
            .and_then(|e| e.field("type")),
        Some("late")
    );
    // Claiming resets idleness.
    assert!(
        bus.auto_claim(s, "workers", "c8", Duration::from_millis(500), 10)
            .await
            .expect("claim")
            .is_empty()
    );
    assert_eq!(
        bus.ack(s, "workers", &[second, late]).await.expect("ack"),
        2
    );

    // Trimming and capped appends.
    assert_eq!(bus.stream_len(s).await.expect("len"), 3);
    assert_eq!(bus.trim(s, 1).await.expect("trim"), 2);
    assert_eq!(bus.stream_len(s).await.expect("len"), 1);
    for i in 0..10 {
        bus.stream_append(s, &[("n", &i.to_string())], Some(4))
            .await
            .expect("append");
    }
    assert_eq!(bus.stream_len(s).await.expect("len"), 4);
    assert_eq!(bus.trim("stream.none", 10).await.expect("trim missing"), 0);
}

/// Entries trimmed away while pending are dropped from the pending list, not claimed.
async fn trimmed_pending_entries_are_not_claimed(bus: &dyn Bus) {
    let s = "stream.trimmed";
    bus.ensure_group(s, "workers").await.expect("group");
    bus.stream_append(s, &[("n", "1")], None)
        .await
        .expect("append");
    assert_eq!(
        bus.read_group(read(s, "c1", 10, Duration::ZERO))
            .await
            .expect("read")
            .len(),
        1
    );
    bus.trim(s, 0).await.expect("trim");
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert!(
        bus.auto_claim(s, "workers", "c2", Duration::from_millis(10), 10)
            .await
            .expect("claim")
            .is_empty()
    );
}

/// Ranges, deletes and the pending count (dead-letter streams and consumer status use them).
async fn ranges_deletes_and_pending(bus: &dyn Bus) {
    let s = "stream.ranges";
    assert!(
        bus.stream_range(s, "-", 10)
            .await
            .expect("empty range")
            .is_empty()
    );
    assert_eq!(bus.pending_count(s, "workers").await.expect("no group"), 0);
    let mut ids = Vec::new();
    for n in 0..4 {
        let n = n.to_string();
        ids.push(
            bus.stream_append(s, &[("n", n.as_str())], None)
                .await
                .expect("append"),
        );
    }
    let all = bus.stream_range(s, "-", 10).await.expect("range");
    assert_eq!(all.iter().map(|e| e.id.clone()).collect::<Vec<_>>(), ids);
    assert_eq!(all[2].field("n"), Some("2"));
    let from = bus.stream_range(s, &ids[1], 2).await.expect("range");
    assert_eq!(
        from.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
        ids[1..3].to_vec(),
        "inclusive start, at most count"
    );
    assert_eq!(
        bus.stream_delete(s, &[ids[1].clone(), "9-9".into()])
            .await
            .expect("delete"),
        1
    );
    assert_eq!(bus.stream_len(s).await.expect("len"), 3);
    assert_eq!(
        bus.stream_range(s, &ids[1], 1).await.expect("range")[0].id,
        ids[2],
        "a deleted entry is gone"
    );
    bus.ensure_group(s, "workers").await.expect("group");
    assert_eq!(
        bus.read_group(read(s, "c1", 2, Duration::ZERO))
            .await
            .expect("read")
            .len(),
        2
    );
    assert_eq!(bus.pending_count(s, "workers").await.expect("pending"), 2);
    bus.ack(s, "workers", &[ids[0].clone()]).await.expect("ack");
    assert_eq!(bus.pending_count(s, "workers").await.expect("pending"), 1);
}

/// Appending many entries at once: in order, each with its own id, capped like single
/// appends; nothing and one entry are valid batches too.
async fn batched_appends(bus: &dyn Bus) {
    let s = "stream.batched";
    assert!(
        bus.stream_append_all(s, &[], None)
            .await
            .expect("empty batch")
            .is_empty()
    );
    let one = bus
        .stream_append_all(s, &[vec![("n", "0")]], None)
        .await
        .expect("one");
    assert_eq!(one.len(), 1);
    let values: Vec<String> = (1..6).map(|n| n.to_string()).collect();
    let entries: Vec<Vec<(&str, &str)>> = values
        .iter()
        .map(|n| vec![("n", n.as_str()), ("kind", "batch")])
        .collect();
    let ids = bus
        .stream_append_all(s, &entries, None)
        .await
        .expect("batch");
    assert_eq!(ids.len(), 5);
    let all = bus.stream_range(s, "-", 10).await.expect("range");
    assert_eq!(
        all.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
        [one, ids].concat(),
        "in order, after what was there"
    );
    assert_eq!(
        all.iter().filter_map(|e| e.field("n")).collect::<Vec<_>>(),
        ["0", "1", "2", "3", "4", "5"]
    );
    assert_eq!(all[3].field("kind"), Some("batch"));
    bus.stream_append_all(s, &entries, Some(3))
        .await
        .expect("capped batch");
    let kept = bus.stream_range(s, "-", 10).await.expect("range");
    assert_eq!(
        kept.iter().filter_map(|e| e.field("n")).collect::<Vec<_>>(),
        ["3", "4", "5"],
        "capped to the newest"
    );
}

async fn suite(bus: &dyn Bus) {
    bus.ping().await.expect("ping");
    batched_appends(bus).await;
    ranges_deletes_and_pending(bus).await;
    pub_sub(bus).await;
    streams(bus).await;
    trimmed_pending_entries_are_not_claimed(bus).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_process_bus_conforms() {
    let bus = InProcessBus::new();
    assert_eq!(bus.backend(), "in-process");
    suite(&bus).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valkey_bus_conforms() {
    let Some(valkey) = TestValkey::create().await else {
        return;
    };
    let bus = valkey.bus().await;
    assert_eq!(bus.backend(), "valkey");
    suite(&bus).await;
    bus.shutdown().await;
    valkey.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valkey_buses_on_two_connections_see_each_other() {
    let Some(valkey) = TestValkey::create().await else {
        return;
    };
    let (a, b) = (valkey.bus().await, valkey.bus().await);
    let mut sub = b.subscribe("paca.events").await.expect("subscribe");
    a.publish("paca.events", r#"{"type":"task.created"}"#)
        .await
        .expect("publish");
    assert_eq!(
        recv(&mut sub).await.map(|m| m.1),
        Some(r#"{"type":"task.created"}"#.into())
    );
    a.shutdown().await;
    b.shutdown().await;
    valkey.cleanup().await;
}
