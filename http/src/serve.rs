//! The connection loop: HTTP/1.1 (with upgrades, for Socket.IO's websockets) on hyper, with
//! what `axum::serve` lacks and an exposed server needs: a cap on open connections, a deadline
//! for reading a request's headers (slowloris), an idle timeout for kept-alive connections, and
//! enveloped answers to requests hyper refuses before routing (a URL over 64 KiB, headers over
//! the buffer). Slow or idle clients therefore cannot hold every file descriptor and starve the
//! others.

use crate::rejections::raw_response;
use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::StatusCode;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

/// Limits of the connection loop.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    /// Most connections open at once; past it new ones wait in the listen backlog.
    pub max_connections: usize,
    /// A request's headers must arrive within this, from the connection's start or from the
    /// first byte of a later request.
    pub header_timeout: Duration,
    /// A connection with no bytes read or written for this long is closed (after the request in
    /// flight, if any, is answered).
    pub idle_timeout: Duration,
}

/// How long connections get to finish their requests after shutdown was asked.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until `stop` turns true, then lets open connections finish their
/// requests (at most [`SHUTDOWN_GRACE`]).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    mut stop: watch::Receiver<bool>,
) -> io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let epoch = Instant::now();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let builder = Arc::new(builder);
    loop {
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => permit.map_err(io::Error::other)?,
            _ = until_stopped(&mut stop) => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of descriptors or a connection reset before accept: not fatal.
                    tracing::warn!(%err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = until_stopped(&mut stop) => break,
        };
        let _ = stream.set_nodelay(true);
        let accepted_at = u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        let activity = Arc::new(AtomicU64::new(accepted_at));
        let io = TokioIo::new(Watched {
            inner: stream,
            activity: activity.clone(),
            epoch,
            replacing: None,
            _slot: permit,
        });
        let router = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request)
        });
        let builder = builder.clone();
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let connection = builder.serve_connection(io, service).with_upgrades();
            tokio::pin!(connection);
            let mut closing = false;
            loop {
                let quiet_for = epoch
                    .elapsed()
                    .saturating_sub(Duration::from_millis(activity.load(Ordering::Relaxed)));
                let idle_in = limits.idle_timeout.saturating_sub(quiet_for);
                tokio::select! {
                    result = connection.as_mut() => {
                        if let Err(err) = result {
                            tracing::debug!(%peer, %err, "connection ended with an error");
                        }
                        break;
                    }
                    _ = tokio::time::sleep(idle_in), if !closing => {
                        if idle_in.is_zero() {
                            tracing::debug!(%peer, "closing an idle connection");
                            connection.as_mut().graceful_shutdown();
                            closing = true;
                        }
                    }
                    _ = until_stopped(&mut stop), if !closing => {
                        connection.as_mut().graceful_shutdown();
                        closing = true;
                    }
                    _ = tokio::time::sleep(SHUTDOWN_GRACE), if closing => break,
                }
            }
        });
    }
    // Wait for open connections to finish (each holds a slot until its socket closes).
    let all = u32::try_from(limits.max_connections.max(1)).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, slots.acquire_many(all)).await;
    Ok(())
}

/// Resolves once `stop` turns true (or its sender is gone).
async fn until_stopped(stop: &mut watch::Receiver<bool>) {
    let stopped = stop.wait_for(|s| *s).await.is_ok();
    tracing::trace!(stopped, "connection loop told to stop");
}

/// A connection's socket that records when bytes last moved, and answers hyper's own error
/// responses (sent before any route runs, with an empty body) in the API's envelope.
struct Watched {
    inner: tokio::net::TcpStream,
    /// Milliseconds since `epoch` of the last read or write.
    activity: Arc<AtomicU64>,
    epoch: Instant,
    /// An enveloped response being written in place of hyper's: the bytes, how many are
    /// written, and how many of hyper's bytes to report once done.
    replacing: Option<(Vec<u8>, usize, usize)>,
    /// The connection's place under the cap, released when the socket closes (also after a
    /// websocket upgrade, which takes the socket over).
    _slot: tokio::sync::OwnedSemaphorePermit,
}

impl Watched {
    fn touch(&self) {
        let now = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.activity.store(now, Ordering::Relaxed);
    }

    fn poll_replacing(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        while let Some((bytes, written, report)) = self.replacing.as_mut() {
            if *written == bytes.len() {
                let report = *report;
                self.replacing = None;
                return Poll::Ready(Ok(report));
            }
            match Pin::new(&mut self.inner).poll_write(cx, &bytes[*written..]) {
                Poll::Ready(Ok(0)) => {
                    return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                }
                Poll::Ready(Ok(n)) => *written += n,
                other => return other,
            }
        }
        Poll::Ready(Ok(0))
    }
}

/// hyper's automatic answer to a request it could not parse: a status line with no body and no
/// content type. Every response of the router has a content type or a body.
fn hyper_rejection(head: &[u8]) -> Option<(StatusCode, &'static str)> {
    let rest = head.strip_prefix(b"HTTP/1.1 ")?;
    let status = match rest.get(..4)? {
        b"400 " => (StatusCode::BAD_REQUEST, "the request could not be parsed"),
        b"414 " => (StatusCode::URI_TOO_LONG, "the URL is too long"),
        b"431 " => (
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "the request headers are too large",
        ),
        _ => return None,
    };
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    (head.contains("\r\ncontent-length: 0\r\n") && !head.contains("\r\ncontent-type:"))
        .then_some(status)
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.touch();
        }
        result
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.touch();
        if self.replacing.is_none()
            && let Some((status, message)) = hyper_rejection(buf)
        {
            self.replacing = Some((raw_response(status, message), 0, buf.len()));
        }
        if self.replacing.is_some() {
            return self.poll_replacing(cx);
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.touch();
        if self.replacing.is_none()
            && let Some(first) = bufs.iter().find(|b| !b.is_empty())
            && let Some((status, message)) = hyper_rejection(first)
        {
            let total = bufs.iter().map(|b| b.len()).sum();
            self.replacing = Some((raw_response(status, message), 0, total));
        }
        if self.replacing.is_some() {
            return self.poll_replacing(cx);
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hyper_s_empty_rejections_are_replaced() {
        let hyper = b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        assert_eq!(
            hyper_rejection(hyper).map(|(s, _)| s),
            Some(StatusCode::URI_TOO_LONG)
        );
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(hyper_rejection(ours), None);
        let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(hyper_rejection(ok), None);
    }
}
