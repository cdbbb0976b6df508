//! Nobody can hold the service by being slow: a half-sent head or body gets
//! its connection closed within the timeout, connections past the cap wait
//! for one to end, and a small list is stored while a large list of another
//! State is being stored.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{TestApp, english_list, spawn_app_with};

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base.trim_start_matches("http://")).await.expect("connect")
}

/// Reads until the server closes the connection (or `limit` passes): what
/// it sent, and whether it closed.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, bool) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&got).into_owned(), true),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&got).into_owned(), false),
        }
    }
}

#[tokio::test]
async fn half_a_request_head_is_closed_within_the_header_timeout() {
    let app = spawn_app_with(|c| c.http.header_timeout = Duration::from_secs(1)).await;
    let mut stream = connect(&app).await;
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: half a hea").await.unwrap();
    let started = Instant::now();
    let (sent, closed) = read_until_closed(&mut stream, Duration::from_secs(20)).await;
    assert!(closed, "a connection with half a head was still open after 20 s");
    assert!(started.elapsed() >= Duration::from_millis(900), "closed before the timeout: {:?}", started.elapsed());
    assert!(!sent.contains("200 OK"), "{sent}");

    // A kept-alive connection that goes quiet after an answer is closed too.
    let mut stream = connect(&app).await;
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").await.unwrap();
    let (sent, closed) = read_until_closed(&mut stream, Duration::from_secs(20)).await;
    assert!(closed, "an idle kept-alive connection was still open after 20 s");
    assert!(sent.starts_with("HTTP/1.1 200"), "{sent}");
}

#[tokio::test]
async fn a_body_that_stops_coming_is_answered_408_and_its_connection_closed() {
    let app = spawn_app_with(|c| c.http.body_timeout = Duration::from_secs(1)).await;
    let mut stream = connect(&app).await;
    let head = format!(
        "POST /v1/states/DE/submissions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 16000000\r\n\r\n{{\"year\":",
        app.admin
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let (sent, closed) = read_until_closed(&mut stream, Duration::from_secs(20)).await;
    assert!(closed, "a connection whose body stopped was still open after 20 s: {sent}");
    assert!(started.elapsed() >= Duration::from_millis(900), "answered before the timeout: {sent}");
    assert!(sent.starts_with("HTTP/1.1 408"), "{sent}");
    assert!(sent.contains("application/problem+json"), "{sent}");
    assert!(sent.contains("/problems/request-timeout"), "{sent}");
    assert_eq!(app.get_json("/v1/entries").await["total"], 0);
}

#[tokio::test]
async fn a_request_not_answered_in_time_gets_503() {
    // The body is allowed longer than the whole request: the request's own
    // deadline answers first.
    let app = spawn_app_with(|c| {
        c.http.body_timeout = Duration::from_secs(30);
        c.http.request_timeout = Duration::from_secs(1);
    })
    .await;
    let mut stream = connect(&app).await;
    let head = format!(
        "POST /v1/tokens HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"name\":",
        app.admin
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let (sent, closed) = read_until_closed(&mut stream, Duration::from_secs(20)).await;
    assert!(closed, "{sent}");
    assert!(sent.starts_with("HTTP/1.1 503"), "{sent}");
    assert!(sent.contains("application/problem+json"), "{sent}");
}

#[tokio::test]
async fn connections_past_the_cap_wait_until_one_is_free() {
    let app = spawn_app_with(|c| {
        c.http.max_connections = 2;
        c.http.header_timeout = Duration::from_secs(2);
    })
    .await;
    let mut stalled = Vec::new();
    for _ in 0..2 {
        let mut s = connect(&app).await;
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: loc").await.unwrap();
        stalled.push(s);
    }
    // Give the server a moment to accept both.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut third = connect(&app).await;
    third.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await.unwrap();
    let (early, _) = read_until_closed(&mut third, Duration::from_millis(700)).await;
    assert!(early.is_empty(), "a connection past the cap was served at once: {early}");
    // The stalled ones are closed by the header timeout; then the third is served.
    let (sent, closed) = read_until_closed(&mut third, Duration::from_secs(20)).await;
    assert!(sent.starts_with("HTTP/1.1 200"), "{sent}");
    assert!(closed);
    for mut s in stalled {
        let (_, closed) = read_until_closed(&mut s, Duration::from_secs(20)).await;
        assert!(closed);
    }
}

fn large_list(n: usize) -> Value {
    let entries: Vec<Value> = (0..n)
        .map(|i| {
            json!({"term": format!("large list term {i}"),
                   "definition": format!("Definition number {i} of the large list, long enough to be indexed.")})
        })
        .collect();
    json!({"year": 2024, "language": "en", "entries": entries})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_small_list_is_stored_while_a_large_one_of_another_state_is() {
    let app = spawn_app_with(|_| {}).await;
    let n = 30_000;
    let large = {
        let (client, url, admin) = (app.client.clone(), app.url("/v1/states/FR/submissions"), app.admin.clone());
        let body = large_list(n);
        tokio::spawn(async move {
            let r = client.post(url).bearer_auth(admin).json(&body).send().await.expect("POST");
            let status = r.status();
            (status, r.json::<Value>().await.expect("receipt"))
        })
    };
    // Once the large list is in the store, its entries are being indexed:
    // now a one-entry list of another State.
    let deadline = Instant::now() + Duration::from_secs(120);
    while app.get_json("/v1/states/FR/submissions").await["total"] == 0 {
        assert!(!large.is_finished(), "the large list was refused or stored unseen");
        assert!(Instant::now() < deadline, "the large list was not stored");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let small = app.submit("DE", &english_list(2024, &["interleaved"])).await;
    // It did not wait for the large list to be indexed.
    let found = app.get_json("/v1/search?q=large%20list&state=FR&field=term&limit=0").await["total"].as_u64();
    assert!(!large.is_finished(), "the one-entry list waited for the large one");
    assert_ne!(found, Some(n as u64), "the one-entry list was answered only after the large one was indexed");
    let (status, receipt) = large.await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{receipt}");

    // Both are whole, each in its own revision.
    assert_eq!(small["entry_count"], 1);
    assert_eq!(receipt["entry_count"], n);
    let fr =
        app.get_json(&format!("/v1/submissions/{}?limit=1&offset={}", receipt["id"].as_str().unwrap(), n - 1)).await;
    assert_eq!(fr["total"], n);
    assert_eq!(fr["entries"][0]["term"], format!("large list term {}", n - 1));
    // The index catches up with both.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let a = app.get_json("/v1/search?q=interleaved&limit=0").await["total"].as_u64();
        let b = app.get_json("/v1/search?q=large%20list&state=FR&field=term&limit=0").await["total"].as_u64();
        if a == Some(1) && b == Some(n as u64) {
            break;
        }
        assert!(Instant::now() < deadline, "the index did not catch up: {a:?}, {b:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Sends `head` on a new connection and returns the answer's status line,
/// headers and problem body; the server must close the connection after it.
async fn answer_to_raw(app: &TestApp, head: &[u8]) -> (String, String, Value) {
    let mut stream = connect(app).await;
    // The server may answer (and close) before it has read all of a long head.
    let _ = stream.write_all(head).await;
    let (sent, closed) = read_until_closed(&mut stream, Duration::from_secs(10)).await;
    assert!(closed, "the connection stayed open after: {sent}");
    let (top, body) = sent.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no head in {sent:?}"));
    let (status, headers) = top.split_once("\r\n").unwrap_or((top, ""));
    let problem = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {sent:?}"));
    (status.to_owned(), headers.to_ascii_lowercase(), problem)
}

#[tokio::test]
async fn heads_the_parser_refuses_are_answered_as_problems_too() {
    let app = crate::helpers::spawn_app().await;
    let control = b"GET /v1/states HTTP/1.1\r\nHost: localhost\r\nX-Note: a\x01b\r\n\r\n".to_vec();
    let bad_line = b"GET /v1/states HTTP/9.9 extra\r\nHost: localhost\r\n\r\n".to_vec();
    let mut huge = b"GET /v1/states HTTP/1.1\r\nHost: localhost\r\n".to_vec();
    for i in 0..200 {
        huge.extend_from_slice(format!("X-Filler-{i}: {}\r\n", "a".repeat(4000)).as_bytes());
    }
    huge.extend_from_slice(b"\r\n");
    for (what, head, status) in
        [("control character", control, 400), ("request line", bad_line, 400), ("800 KB head", huge, 431)]
    {
        let (line, headers, problem) = answer_to_raw(&app, &head).await;
        assert!(line.starts_with(&format!("HTTP/1.1 {status} ")), "{what}: {line}");
        assert!(headers.contains("content-type: application/problem+json"), "{what}: {headers}");
        assert_eq!(problem["status"], status, "{what}: {problem}");
        assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()), "{what}: {problem}");
    }
    // The server is none the worse for it.
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
}
