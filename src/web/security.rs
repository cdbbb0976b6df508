//! The pages' security headers, set in one middleware: a strict
//! Content-Security-Policy (no inline script or style, nothing from another
//! site, no framing), no MIME sniffing, no referrer beyond this site. And
//! the small pieces forms and cookies need: reading cookies, comparing
//! secrets in constant time.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The policy of every page: scripts and styles only from this site's own
/// files (there is no inline script or style to allow), images from here
/// (SVG is drawn inline, which needs nothing), forms posting only here, and
/// no page may be framed.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

pub async fn headers(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    apply(&mut response);
    response
}

/// Sets the pages' headers on `response` (for the not-found page, which the
/// router's fallback renders outside the pages' middleware).
pub fn apply(response: &mut Response) {
    let h = response.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if !h.contains_key(header::CACHE_CONTROL) {
        // Pages show who is signed in: never kept by shared caches.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// Every `name=value` pair of the request's Cookie headers.
pub fn cookies(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Path=/, Secure over HTTPS.
/// `max_age` 0 removes the cookie.
pub fn set_cookie(name: &str, value: &str, max_age: i64, https: bool) -> String {
    let secure = if https { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}")
}

/// Are two secrets equal? Compared in time that does not depend on where
/// they differ; an empty secret never matches.
pub fn same_secret(a: &str, b: &str) -> bool {
    if a.is_empty() || b.is_empty() || a.len() != b.len() {
        return false;
    }
    a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_no_inline_code_and_no_framing() {
        assert!(CSP.contains("default-src 'none'"));
        assert!(CSP.contains("script-src 'self';"));
        assert!(CSP.contains("style-src 'self';"));
        assert!(CSP.contains("frame-ancestors 'none'"));
        assert!(!CSP.contains("unsafe-inline"));
        assert!(!CSP.contains("unsafe-eval"));
    }

    #[test]
    fn cookies_are_strict_and_http_only() {
        let c = set_cookie("cg_session", "x", 60, false);
        assert_eq!(c, "cg_session=x; Path=/; Max-Age=60; HttpOnly; SameSite=Strict");
        assert!(set_cookie("a", "b", 1, true).ends_with("; Secure"));
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("", ""));
        assert!(!same_secret("ab", "abc"));
    }
}
