//! The server's own accept loop over hyper, so that nobody can hold the
//! service by being slow:
//!
//! - a request head must arrive within `header_timeout` of the connection
//!   being ready for it (a new connection, or a kept-alive one after its
//!   last answer), else the connection is closed: half a header holds
//!   nothing for long, and neither does an idle kept-alive connection;
//! - a request body must arrive whole within `body_timeout` of its head
//!   ([`TimedBody`]), else the request is answered 408 and the connection
//!   closed;
//! - a request must be answered within `request_timeout`
//!   ([`super::request_deadline`], in the router);
//! - at most `max_connections` connections are served at once; past that,
//!   new ones wait in the kernel's accept queue until one ends.
//!
//! On shutdown the listener closes at once, requests in flight are
//! answered, kept-alive connections are closed, and the loop waits at most
//! `request_timeout` for that.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use bytes::Bytes;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

use super::HttpConfig;

/// Serves `router` on `listener` with the limits of `config` until
/// `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    config: &HttpConfig,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(config.header_timeout).keep_alive(true);
    let body_timeout = config.body_timeout;
    tokio::pin!(shutdown);
    loop {
        // A connection is accepted only when it can be served.
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before it
                    // was accepted: wait a moment rather than spin.
                    tracing::warn!(error = %e, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            let (mut parts, body) = request.into_parts();
            // The client's address reaches the pages (login attempts are limited per client).
            parts.extensions.insert(ConnectInfo(peer));
            let body = Body::new(TimedBody::new(body, body_timeout));
            router.clone().oneshot(Request::from_parts(parts, body))
        });
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, %peer, "connection closed with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(config.request_timeout) => {
            tracing::warn!("connections were still open {:?} after shutdown began; leaving them", config.request_timeout);
        }
    }
    Ok(())
}

/// The error a request body gives when it did not arrive in time.
#[derive(Debug)]
pub struct BodyTimedOut(pub Duration);

impl std::fmt::Display for BodyTimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the request body did not arrive within {} s", self.0.as_secs_f64())
    }
}

impl std::error::Error for BodyTimedOut {}

/// Is `BodyTimedOut` somewhere in the chain of `e`'s sources?
pub fn is_body_timeout(e: &(dyn std::error::Error + 'static)) -> Option<Duration> {
    let mut next = Some(e);
    while let Some(e) = next {
        if let Some(t) = e.downcast_ref::<BodyTimedOut>() {
            return Some(t.0);
        }
        next = e.source();
    }
    None
}

/// A request body that must arrive whole before its deadline.
pub struct TimedBody {
    inner: Incoming,
    deadline: Pin<Box<tokio::time::Sleep>>,
    timeout: Duration,
}

impl TimedBody {
    pub fn new(inner: Incoming, timeout: Duration) -> Self {
        Self { inner, deadline: Box::pin(tokio::time::sleep(timeout)), timeout }
    }
}

impl http_body::Body for TimedBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(Box::new(BodyTimedOut(self.timeout)))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
