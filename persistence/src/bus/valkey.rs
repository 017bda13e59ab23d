//! The bus on Valkey (or Redis): pub/sub through one subscriber connection that resubscribes
//! after reconnects, streams through a shared command connection, and blocking group reads on
//! a connection per consumer (a blocked read would stall every other command on a shared one).
//!
//! Every channel and stream name is prefixed with the configured prefix (empty in production,
//! so names are Paca's; tests use a random one and delete their keys afterwards).

use super::SUBSCRIBER_BUFFER;
use async_trait::async_trait;
use corral_actors::bus::{
    Bus, BusError, BusMessage, BusResult, ReadGroup, StreamEntry, Subscription,
};
use fred::clients::SubscriberClient;
use fred::prelude::*;
use fred::types::streams::XReadResponse;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::mpsc;

type Senders = Arc<Mutex<HashMap<String, Vec<mpsc::Sender<BusMessage>>>>>;

pub struct ValkeyBus {
    config: Config,
    prefix: String,
    commands: Client,
    subscriber: SubscriberClient,
    /// Local subscribers per (prefixed) channel.
    senders: Senders,
    /// One connection per consumer name for blocking reads.
    readers: tokio::sync::Mutex<HashMap<String, Client>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

fn policy() -> ReconnectPolicy {
    // Retry forever, 100 ms doubling up to 5 s.
    ReconnectPolicy::new_exponential(0, 100, 5_000, 2)
}

fn bus_error(err: fred::error::Error) -> BusError {
    let details = err.details();
    if details.starts_with("NOGROUP") {
        return BusError::NoGroup(details.to_owned());
    }
    match err.kind() {
        ErrorKind::IO | ErrorKind::Timeout | ErrorKind::Canceled | ErrorKind::Backpressure => {
            BusError::Unavailable(err.to_string())
        }
        _ => BusError::Other(err.to_string()),
    }
}

fn lock(senders: &Senders) -> MutexGuard<'_, HashMap<String, Vec<mpsc::Sender<BusMessage>>>> {
    senders
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl ValkeyBus {
    /// Connects to `url` (`redis://` or `valkey://`); fails if the server cannot be reached.
    pub async fn connect(url: &str, prefix: &str) -> Result<Self, BusError> {
        let url = url.replacen("valkey://", "redis://", 1);
        let config = Config::from_url(&url).map_err(bus_error)?;
        let builder = || {
            let mut b = Builder::from_config(config.clone());
            b.with_connection_config(|c| c.connection_timeout = Duration::from_secs(5))
                .with_performance_config(|p| p.broadcast_channel_capacity = SUBSCRIBER_BUFFER)
                .set_policy(policy());
            b
        };
        let commands = builder().build().map_err(bus_error)?;
        commands.init().await.map_err(bus_error)?;
        let subscriber = builder().build_subscriber_client().map_err(bus_error)?;
        subscriber.init().await.map_err(bus_error)?;

        let senders: Senders = Arc::default();
        let mut rx = subscriber.message_rx();
        let dispatch_to = senders.clone();
        let strip = prefix.len();
        let dispatcher = tokio::spawn(async move {
            loop {
                let message = match rx.recv().await {
                    Ok(m) => m,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(dropped = n, "bus subscriber fell behind");
                        continue;
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                };
                let channel = message.channel.to_string();
                let Some(payload) = message.value.as_string() else {
                    continue;
                };
                let mut senders = lock(&dispatch_to);
                if let Some(list) = senders.get_mut(&channel) {
                    list.retain(|tx| !tx.is_closed());
                    for tx in list.iter() {
                        let m = BusMessage {
                            channel: channel[strip..].to_owned(),
                            payload: payload.clone(),
                        };
                        if tx.try_send(m).is_err() {
                            tracing::warn!(
                                channel,
                                "local subscriber is behind; message dropped for it"
                            );
                        }
                    }
                }
            }
        });
        let resubscriber = subscriber.manage_subscriptions();
        Ok(Self {
            config,
            prefix: prefix.to_owned(),
            commands,
            subscriber,
            senders,
            readers: tokio::sync::Mutex::default(),
            tasks: vec![dispatcher, resubscriber],
        })
    }

    fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    async fn reader(&self, consumer: &str) -> BusResult<Client> {
        let mut readers = self.readers.lock().await;
        if let Some(client) = readers.get(consumer) {
            return Ok(client.clone());
        }
        let client = Builder::from_config(self.config.clone())
            .set_policy(policy())
            .build()
            .map_err(bus_error)?;
        client.init().await.map_err(bus_error)?;
        readers.insert(consumer.to_owned(), client.clone());
        Ok(client)
    }

    /// Deletes every key under this bus's prefix (tests).
    pub async fn delete_prefixed_keys(&self) -> BusResult<u64> {
        if self.prefix.is_empty() {
            return Err(BusError::Other(
                "refusing to delete keys without a prefix".into(),
            ));
        }
        let mut cursor = "0".to_owned();
        let mut deleted = 0;
        loop {
            let (next, keys): (String, Vec<String>) = self
                .commands
                .scan_page(cursor, format!("{}*", self.prefix), Some(500), None)
                .await
                .map_err(bus_error)?;
            if !keys.is_empty() {
                let n: u64 = self.commands.del(keys).await.map_err(bus_error)?;
                deleted += n;
            }
            if next == "0" {
                return Ok(deleted);
            }
            cursor = next;
        }
    }

    /// Closes every connection.
    pub async fn shutdown(&self) {
        for task in &self.tasks {
            task.abort();
        }
        let _ = self.subscriber.quit().await;
        let _ = self.commands.quit().await;
        for client in self.readers.lock().await.values() {
            let _ = client.quit().await;
        }
    }
}

fn entries(raw: Vec<(String, HashMap<String, String>)>) -> Vec<StreamEntry> {
    raw.into_iter()
        .map(|(id, fields)| {
            let mut fields: Vec<(String, String)> = fields.into_iter().collect();
            fields.sort();
            StreamEntry { id, fields }
        })
        .collect()
}

#[async_trait]
impl Bus for ValkeyBus {
    async fn publish(&self, channel: &str, payload: &str) -> BusResult<()> {
        let _receivers: i64 = self
            .commands
            .publish(self.key(channel), payload)
            .await
            .map_err(bus_error)?;
        Ok(())
    }

    async fn subscribe(&self, channel: &str) -> BusResult<Subscription> {
        let key = self.key(channel);
        let (tx, rx) = mpsc::channel(SUBSCRIBER_BUFFER);
        let first = {
            let mut senders = lock(&self.senders);
            let list = senders.entry(key.clone()).or_default();
            list.push(tx);
            list.len() == 1
        };
        if first {
            self.subscriber.subscribe(key).await.map_err(bus_error)?;
        }
        // SUBSCRIBE resolves when written, not when confirmed; a round trip on the same
        // connection makes sure the server has it before we return.
        let _: Value = self.subscriber.ping(None).await.map_err(bus_error)?;
        Ok(Subscription::new(rx))
    }

    async fn stream_append(
        &self,
        stream: &str,
        fields: &[(&str, &str)],
        max_len: Option<usize>,
    ) -> BusResult<String> {
        let fields: Vec<(&str, &str)> = fields.to_vec();
        let key = self.key(stream);
        let id: String = match max_len {
            Some(n) => {
                self.commands
                    .xadd(key, false, ("MAXLEN", "=", n as i64), "*", fields)
                    .await
            }
            None => self.commands.xadd(key, false, None, "*", fields).await,
        }
        .map_err(bus_error)?;
        Ok(id)
    }

    async fn stream_append_all(
        &self,
        stream: &str,
        entries: &[Vec<(&str, &str)>],
        max_len: Option<usize>,
    ) -> BusResult<Vec<String>> {
        match entries {
            [] => return Ok(Vec::new()),
            [fields] => return Ok(vec![self.stream_append(stream, fields, max_len).await?]),
            _ => {}
        }
        // One round trip: the appends go as a pipeline, in order.
        let key = self.key(stream);
        let pipeline = self.commands.pipeline();
        for fields in entries {
            let fields: Vec<(&str, &str)> = fields.clone();
            let _: () = match max_len {
                Some(n) => {
                    pipeline
                        .xadd(key.as_str(), false, ("MAXLEN", "=", n as i64), "*", fields)
                        .await
                }
                None => pipeline.xadd(key.as_str(), false, None, "*", fields).await,
            }
            .map_err(bus_error)?;
        }
        let ids: Vec<String> = pipeline.all().await.map_err(bus_error)?;
        Ok(ids)
    }

    async fn ensure_group(&self, stream: &str, group: &str) -> BusResult<()> {
        match self
            .commands
            .xgroup_create::<(), _, _, _>(self.key(stream), group, "0", true)
            .await
        {
            Ok(()) => Ok(()),
            Err(e) if e.details().starts_with("BUSYGROUP") => Ok(()),
            Err(e) => Err(bus_error(e)),
        }
    }

    async fn read_group(&self, read: ReadGroup<'_>) -> BusResult<Vec<StreamEntry>> {
        let key = self.key(read.stream);
        let count = Some(read.count as u64);
        let value: Value = if read.block.is_zero() {
            self.commands
                .xreadgroup(
                    read.group,
                    read.consumer,
                    count,
                    None,
                    false,
                    key.clone(),
                    ">",
                )
                .await
        } else {
            let block = Some(u64::try_from(read.block.as_millis()).unwrap_or(u64::MAX));
            self.reader(read.consumer)
                .await?
                .xreadgroup(
                    read.group,
                    read.consumer,
                    count,
                    block,
                    false,
                    key.clone(),
                    ">",
                )
                .await
        }
        .map_err(bus_error)?;
        if value.is_null() {
            return Ok(Vec::new());
        }
        let mut response: XReadResponse<String, String, String, String> =
            value.into_xread_response().map_err(bus_error)?;
        Ok(entries(response.remove(&key).unwrap_or_default()))
    }

    async fn ack(&self, stream: &str, group: &str, ids: &[String]) -> BusResult<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        self.commands
            .xack(self.key(stream), group, ids.to_vec())
            .await
            .map_err(bus_error)
    }

    async fn auto_claim(
        &self,
        stream: &str,
        group: &str,
        consumer: &str,
        min_idle: Duration,
        count: usize,
    ) -> BusResult<Vec<StreamEntry>> {
        let min_idle = u64::try_from(min_idle.as_millis()).unwrap_or(u64::MAX);
        let raw: Value = self
            .commands
            .xautoclaim(
                self.key(stream),
                group,
                consumer,
                min_idle,
                "0-0",
                Some(count as u64),
                false,
            )
            .await
            .map_err(bus_error)?;
        // [next start id, claimed entries, deleted ids (Valkey 7+)]
        let mut parts: Vec<Value> = raw.convert().map_err(bus_error)?;
        if parts.len() < 2 {
            return Err(BusError::Other("unexpected XAUTOCLAIM reply".into()));
        }
        let claimed: Vec<(String, HashMap<String, String>)> =
            parts.swap_remove(1).into_xread_value().map_err(bus_error)?;
        Ok(entries(claimed))
    }

    async fn stream_range(
        &self,
        stream: &str,
        start: &str,
        count: usize,
    ) -> BusResult<Vec<StreamEntry>> {
        let raw: Vec<(String, HashMap<String, String>)> = self
            .commands
            .xrange_values(self.key(stream), start, "+", Some(count as u64))
            .await
            .map_err(bus_error)?;
        Ok(entries(raw))
    }

    async fn stream_delete(&self, stream: &str, ids: &[String]) -> BusResult<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        self.commands
            .xdel(self.key(stream), ids.to_vec())
            .await
            .map_err(bus_error)
    }

    async fn pending_count(&self, stream: &str, group: &str) -> BusResult<u64> {
        // XPENDING's summary: [count, smallest id, greatest id, [[consumer, count], ...]].
        match self
            .commands
            .xpending::<Value, _, _, _>(self.key(stream), group, ())
            .await
        {
            Ok(Value::Array(parts)) => {
                Ok(parts.first().and_then(|v| v.as_u64()).unwrap_or_default())
            }
            Ok(_) => Ok(0),
            Err(e) if e.details().starts_with("NOGROUP") => Ok(0),
            Err(e) => Err(bus_error(e)),
        }
    }

    async fn trim(&self, stream: &str, max_len: usize) -> BusResult<u64> {
        self.commands
            .xtrim(self.key(stream), ("MAXLEN", "=", max_len as i64))
            .await
            .map_err(bus_error)
    }

    async fn stream_len(&self, stream: &str) -> BusResult<u64> {
        self.commands
            .xlen(self.key(stream))
            .await
            .map_err(bus_error)
    }

    async fn ping(&self) -> BusResult<()> {
        let _: String = self.commands.ping(None).await.map_err(bus_error)?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "valkey"
    }
}
