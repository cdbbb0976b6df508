//! Signing in and out, and the interface language. `/login` takes a pasted
//! token and opens a server-side session (the service stores its hash, with
//! an expiry); the browser holds the secret in an HttpOnly, SameSite=Strict
//! cookie (Secure over HTTPS). Failed attempts are limited per client and in
//! all. The login form carries its own CSRF token (a cookie it is compared
//! with); every other form carries the session's.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use askama::Template;
use axum::body::Bytes;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::view::{self, Form};
use super::{Chrome, Ctx, Failure, Lang, render_status, security, see_other};
use crate::http::blocking;

pub const SESSION_COOKIE: &str = "cg_session";
pub const LANG_COOKIE: &str = "cg_ui";
const LOGIN_CSRF_COOKIE: &str = "cg_login";

/// How long a session lasts.
const SESSION_HOURS: i64 = 12;

/// Failed logins allowed per client address in a window, and in all.
const PER_CLIENT: u32 = 10;
const IN_ALL: u32 = 200;
const WINDOW: Duration = Duration::from_secs(15 * 60);

/// Counts failed logins: past `PER_CLIENT` from one address (or `IN_ALL`
/// from everyone) in a window, logins are refused until the window ends,
/// right token or not.
#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<Option<IpAddr>, (u32, Instant)>>,
}

impl LoginLimiter {
    fn count(map: &HashMap<Option<IpAddr>, (u32, Instant)>, key: &Option<IpAddr>, now: Instant) -> u32 {
        map.get(key).filter(|(_, since)| now.duration_since(*since) < WINDOW).map_or(0, |(n, _)| *n)
    }

    /// May `peer` try now?
    pub fn allowed(&self, peer: Option<IpAddr>) -> bool {
        let now = Instant::now();
        match self.failures.lock() {
            Ok(map) => {
                let all: u32 = map.values().filter(|(_, s)| now.duration_since(*s) < WINDOW).map(|(n, _)| *n).sum();
                Self::count(&map, &peer, now) < PER_CLIENT && all < IN_ALL
            }
            Err(_) => false,
        }
    }

    pub fn failed(&self, peer: Option<IpAddr>) {
        let now = Instant::now();
        if let Ok(mut map) = self.failures.lock() {
            map.retain(|_, (_, since)| now.duration_since(*since) < WINDOW);
            let e = map.entry(peer).or_insert((0, now));
            e.0 += 1;
        }
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    next: String,
    login_csrf: String,
    error: Option<&'static str>,
}

fn login_page(ctx: &Ctx, next: String, status: StatusCode, error: Option<&'static str>) -> Response {
    let csrf = match crate::auth::random_hex::<16>() {
        Ok(c) => c,
        Err(e) => return ctx.fail(e).into_response(),
    };
    let page = LoginPage { c: ctx.chrome.clone(), next, login_csrf: csrf.clone(), error };
    let mut r = render_status(status, &page);
    if let Ok(v) = HeaderValue::from_str(&security::set_cookie(LOGIN_CSRF_COOKIE, &csrf, 3600, ctx.https)) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

pub async fn login_form(ctx: Ctx, axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>) -> Response {
    let ctx = ctx.section("login");
    let next = view::local_path(q.get("next").map(String::as_str).unwrap_or("/"));
    login_page(&ctx, next, StatusCode::OK, None)
}

pub async fn login(ctx: Ctx, headers: axum::http::HeaderMap, body: Bytes) -> Response {
    let ctx = ctx.section("login");
    let form = Form::parse(&body);
    let next = view::local_path(form.get("next").unwrap_or("/"));
    let cookie = security::cookies(&headers).into_iter().find(|(k, _)| k == LOGIN_CSRF_COOKIE).map(|(_, v)| v);
    if !security::same_secret(form.get("csrf").unwrap_or_default(), cookie.as_deref().unwrap_or_default()) {
        return login_page(&ctx, next, StatusCode::FORBIDDEN, Some("login.stale"));
    }
    let limiter = &ctx.app.web.limiter;
    if !limiter.allowed(ctx.peer) {
        return login_page(&ctx, next, StatusCode::TOO_MANY_REQUESTS, Some("login.too_many"));
    }
    let token = form.get("token").unwrap_or_default().to_owned();
    let g = ctx.app.glossary.clone();
    let opened = blocking(move || g.open_session(&token, time::Duration::hours(SESSION_HOURS))).await;
    match opened {
        Ok(Some((secret, _session))) => {
            let mut r = see_other(&next);
            let h = r.headers_mut();
            let max_age = SESSION_HOURS * 3600;
            for c in [
                security::set_cookie(SESSION_COOKIE, &secret, max_age, ctx.https),
                security::set_cookie(LOGIN_CSRF_COOKIE, "", 0, ctx.https),
            ] {
                if let Ok(v) = HeaderValue::from_str(&c) {
                    h.append(header::SET_COOKIE, v);
                }
            }
            r
        }
        Ok(None) => {
            limiter.failed(ctx.peer);
            login_page(&ctx, next, StatusCode::UNAUTHORIZED, Some("login.bad_token"))
        }
        Err(e) => ctx.fail(e).into_response(),
    }
}

pub async fn logout(ctx: Ctx, body: Bytes) -> Result<Response, Failure> {
    let form = Form::parse(&body);
    ctx.check_csrf(&form)?;
    if let Some(secret) = ctx.session_secret.clone() {
        let g = ctx.app.glossary.clone();
        blocking(move || g.close_session(&secret)).await.map_err(|e| ctx.fail(e))?;
    }
    let mut r = see_other("/");
    if let Ok(v) = HeaderValue::from_str(&security::set_cookie(SESSION_COOKIE, "", 0, ctx.https)) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(r)
}

/// `/ui-language?set=ru&back=/search?q=…`: remembers the interface language
/// (a cookie, a year) and goes back.
pub async fn set_language(
    ctx: Ctx,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    let back = view::local_path(q.get("back").map(String::as_str).unwrap_or("/"));
    let mut r = see_other(&back);
    if let Some(lang) = q.get("set").and_then(|s| Lang::parse(s))
        && let Ok(v) =
            HeaderValue::from_str(&security::set_cookie(LANG_COOKIE, lang.code(), 365 * 24 * 3600, ctx.https))
    {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}
