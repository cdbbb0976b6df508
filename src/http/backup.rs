//! `/v1/backup`: a consistent snapshot of the whole store (admin), streamed.

use std::io::{Seek, SeekFrom};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::io::AsyncReadExt;

use super::auth::Authenticated;
use super::problem::{AppResult, Problem};
use super::{AppState, blocking};
use crate::backup;

/// A backup of the whole store (admin): states, submissions with every
/// revision and entry, tokens' hashes, the audit and change logs, and every
/// other tree. Writes are held off only while the snapshot is copied to a
/// private temporary file; the file is then streamed. JSON lines: a header, one
/// line per record (base64 keys and values), and a trailer with the SHA-256 of
/// everything before it. `glossary restore FILE --data-dir NEW` restores it.
/// Taking a backup changes nothing, so it is not in the audit log.
#[utoipa::path(get, path = "/v1/backup", tag = "audit and access",
    responses(
        (status = 200, description = "The backup file", content_type = "application/x-ndjson", body = String),
        (status = 401, body = Problem), (status = 403, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn get_backup(State(app): State<AppState>, Authenticated(actor): Authenticated) -> AppResult<Response> {
    let by = actor.name.clone();
    let (file, summary, name) = blocking(move || {
        let g = &app.glossary;
        let dir = g.data_dir().join("tmp");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("backup-{}-{}.jsonl", std::process::id(), crate::auth::generate()?));
        let mut file = std::fs::OpenOptions::new().read(true).write(true).create_new(true).open(&path)?;
        // Unlinked at once: the open handle keeps the data until the stream ends,
        // and nothing is left behind if the server stops meanwhile.
        let _ = std::fs::remove_file(&path);
        let summary = g.backup(&actor, &mut file)?;
        file.seek(SeekFrom::Start(0))?;
        let stamp: String = summary.header.created_at.chars().filter(char::is_ascii_digit).take(14).collect();
        Ok((file, summary, format!("glossary-backup-{stamp}.jsonl")))
    })
    .await?;
    tracing::info!(by = %by, records = summary.records, sha256 = %summary.sha256, "backup taken");
    let file = tokio::fs::File::from_std(file);
    let stream = futures_util::stream::try_unfold(file, |mut file| async move {
        let mut buf = vec![0u8; 64 * 1024];
        let n = file.read(&mut buf).await?;
        if n == 0 {
            return Ok::<_, std::io::Error>(None);
        }
        buf.truncate(n);
        Ok(Some((Bytes::from(buf), file)))
    });
    let mut response = (StatusCode::OK, Body::from_stream(stream)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(backup::MEDIA_TYPE));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&summary.sha256) {
        headers.insert("x-backup-sha256", v);
    }
    Ok(response)
}
