//! Static files (CSS, the icon), embedded in the binary from `web/static/`
//! and served under names that carry a hash of their content
//! (`/static/site.1a2b3c4d5e6f.css`): a page always names the file it was
//! rendered with, so the file can be cached for a year, immutable. Each
//! answer carries its ETag; a matching If-None-Match gets 304.

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::Embed;

#[derive(Embed)]
#[folder = "web/static/"]
struct Static;

/// The first 12 hex digits of a file's SHA-256.
fn short_hash(file: &rust_embed::EmbeddedFile) -> String {
    hex::encode(&file.metadata.sha256_hash()[..6])
}

/// The hashed address of a static file (`name` as in `web/static/`). A name
/// that is not there gives its plain address, which answers 404.
pub fn url(name: &str) -> String {
    match (Static::get(name), name.rsplit_once('.')) {
        (Some(file), Some((stem, ext))) => format!("/static/{stem}.{}.{ext}", short_hash(&file)),
        _ => format!("/static/{name}"),
    }
}

fn media_type(ext: &str) -> &'static str {
    match ext {
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "js" => "text/javascript; charset=utf-8",
        "png" => "image/png",
        "ico" => "image/x-icon",
        _ => "application/octet-stream",
    }
}

pub async fn serve(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, "no such file").into_response();
    // stem.hash.ext
    let mut parts = file.rsplitn(3, '.');
    let (Some(ext), Some(hash), Some(stem)) = (parts.next(), parts.next(), parts.next()) else {
        return not_found();
    };
    let Some(content) = Static::get(&format!("{stem}.{ext}")) else {
        return not_found();
    };
    let current = short_hash(&content);
    if hash != current {
        // An address of an older build: not this content.
        return not_found();
    }
    let etag = format!("\"{current}\"");
    let cached = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response =
        if cached { StatusCode::NOT_MODIFIED.into_response() } else { content.data.into_owned().into_response() };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    if !cached {
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type(ext)));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_carry_the_content_hash() {
        let u = url("site.css");
        assert!(u.starts_with("/static/site.") && u.ends_with(".css") && u.len() == "/static/site..css".len() + 12);
        assert_eq!(url("nothing.css"), "/static/nothing.css");
    }
}
