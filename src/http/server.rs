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
//! A request whose head cannot be parsed (a control character in a header
//! value, a malformed request line, a head beyond the parser's own limits)
//! never reaches the router: hyper answers it itself, with an empty body.
//! [`ProblemIo`] rewrites those automatic answers as problem+json, like every
//! other error.
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
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(ProblemIo::new(stream)), service));
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

/// A connection's stream that turns hyper's automatic answers to requests it
/// could not parse (400, 414 or 431 with `content-length: 0`; the router
/// never sends an empty 4xx of those) into problem+json answers. Everything
/// else passes through untouched.
pub struct ProblemIo<S> {
    inner: S,
    /// The replacement still to be written, and how much of it is written.
    pending: Option<(Vec<u8>, usize)>,
}

impl<S> ProblemIo<S> {
    pub fn new(inner: S) -> Self {
        Self { inner, pending: None }
    }
}

/// If `buf` is one of hyper's automatic answers to a request it could not
/// parse: how many bytes its head takes, and the problem+json answer to
/// send instead.
fn automatic_answer(buf: &[u8]) -> Option<(usize, Vec<u8>)> {
    let (status, title, kind, detail) = if buf.starts_with(b"HTTP/1.1 400 ") {
        (
            400,
            "Bad Request",
            "malformed-request",
            "the request could not be read: its request line or a header field is malformed (a header value may not hold control characters)",
        )
    } else if buf.starts_with(b"HTTP/1.1 414 ") {
        (414, "URI too long", "uri-too-long", "the request target is too long to be read")
    } else if buf.starts_with(b"HTTP/1.1 431 ") {
        (431, "Request header fields too large", "headers-too-large", "the request head is too large to be read")
    } else {
        return None;
    };
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&buf[..end]).ok()?;
    let header =
        |name: &str| head.split("\r\n").find(|l| l.get(..name.len()).is_some_and(|n| n.eq_ignore_ascii_case(name)));
    if header("content-length: 0")?.len() != "content-length: 0".len() {
        return None;
    }
    let date = header("date:");
    let problem = super::problem::Problem::new(axum::http::StatusCode::from_u16(status).ok()?, kind, title, detail);
    let body = serde_json::to_vec(&problem).ok()?;
    let reason = &buf[9..buf.iter().position(|&b| b == b'\r')?];
    let mut out = Vec::with_capacity(256 + body.len());
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(reason);
    out.extend_from_slice(b"\r\ncontent-type: application/problem+json\r\nconnection: close\r\n");
    out.extend_from_slice(format!("content-length: {}\r\n", body.len()).as_bytes());
    if let Some(date) = date {
        out.extend_from_slice(date.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&body);
    Some((end, out))
}

impl<S: tokio::io::AsyncWrite + Unpin> ProblemIo<S> {
    /// Writes what is left of a replacement; ready once it is all written.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        while let Some((bytes, written)) = &mut self.pending {
            if *written == bytes.len() {
                self.pending = None;
                break;
            }
            match Pin::new(&mut self.inner).poll_write(cx, &bytes[*written..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(std::io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => *written += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for ProblemIo<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for ProblemIo<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        std::task::ready!(self.drain(cx))?;
        if let Some((taken, replacement)) = automatic_answer(buf) {
            self.pending = Some((replacement, 0));
            // The replacement goes out now or on the next write, flush or shutdown.
            let _ = self.drain(cx);
            return Poll::Ready(Ok(taken));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        // An automatic answer is one buffer (it has no body): look at the first.
        match bufs.iter().find(|b| !b.is_empty()) {
            Some(first) if automatic_answer(first).is_some() => self.poll_write(cx, first),
            _ => {
                std::task::ready!(self.drain(cx))?;
                Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
            }
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        std::task::ready!(self.drain(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        std::task::ready!(self.drain(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::automatic_answer;

    #[test]
    fn only_the_parsers_empty_answers_are_rewritten() {
        let canned = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\ndate: Wed, 02 Dec 2026 12:00:00 GMT\r\n\r\n";
        let (taken, out) = automatic_answer(canned).unwrap();
        assert_eq!(taken, canned.len());
        let out = String::from_utf8(out).unwrap();
        assert!(out.starts_with("HTTP/1.1 400 Bad Request\r\ncontent-type: application/problem+json\r\n"), "{out}");
        assert!(out.contains("date: Wed, 02 Dec 2026 12:00:00 GMT\r\n"), "{out}");
        let body = out.split("\r\n\r\n").nth(1).unwrap();
        let problem: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(problem["status"], 400);
        let length = format!("content-length: {}\r\n", body.len());
        assert!(out.contains(&length), "{out}");
        // The router's own answers carry a body, and other statuses pass.
        assert!(automatic_answer(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 80\r\n\r\n{}").is_none());
        assert!(automatic_answer(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n").is_none());
        assert!(
            automatic_answer(b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n\r\n").is_some()
        );
        // Half a head is not an answer to rewrite.
        assert!(automatic_answer(b"HTTP/1.1 400 Bad Request\r\ncontent-len").is_none());
    }
}
