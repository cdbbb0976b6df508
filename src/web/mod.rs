//! The web pages: server-rendered HTML for the people the service exists for
//! (IWG experts, State delegates, glossary editors), in the manner of docs.rs's
//! `src/web/`: one file per page family, a typed struct per template
//! (askama, compiled and checked at build time from `web/templates/`), the
//! security headers in one middleware (`security.rs`), embedded assets with
//! hashed names (`assets.rs`), and one catalogue of interface text
//! (`i18n.rs`, `web/i18n/messages.json`).
//!
//! Every page calls methods of [`Glossary`] with the caller's [`Actor`]
//! through [`Ctx::call`] (the HTTP layer's `blocking` helper underneath): no
//! page touches the store or the index, so a rule about who may read or do
//! what is the service's, once. Pages work without JavaScript: every state
//! of a page is a URL, every write is a plain form with a CSRF token.

mod assets;
mod clusters;
mod compare;
mod coverage;
mod entries;
mod glossary;
mod i18n;
mod info;
mod proposals;
mod search;
mod security;
mod session;
mod states;
mod view;

use askama::Template;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::domain::{Actor, Role};
use crate::error::Error;
use crate::http::{AppState, blocking};
use crate::service::Glossary;
pub use i18n::Lang;
pub use session::LoginLimiter;

/// What the pages keep beside the service: the login attempt limiter.
#[derive(Default)]
pub struct WebState {
    pub limiter: LoginLimiter,
}

/// Every page route; merged into the one router by `http::app`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(search::home))
        .route("/search", get(search::search))
        .route("/entries/{id}", get(entries::entry))
        .route("/lists/{id}/download/{format}", get(entries::download))
        .route("/compare", get(compare::compare))
        .route("/glossary", get(glossary::glossary))
        .route("/clusters", get(clusters::list))
        .route("/clusters/merge", post(clusters::merge))
        .route("/clusters/{id}", get(clusters::detail))
        .route("/clusters/{id}/split", post(clusters::split))
        .route("/clusters/{id}/pin", post(clusters::pin))
        .route("/coverage", get(coverage::coverage))
        .route("/coverage.csv", get(coverage::coverage_csv))
        .route("/proposals", get(proposals::list).post(proposals::create))
        .route("/proposals/new", get(proposals::new_form))
        .route("/proposals/{id}", get(proposals::detail))
        .route("/proposals/{id}/{action}", post(proposals::act))
        .route("/states", get(states::list))
        .route("/states/{code}", get(states::state))
        .route("/upload", get(states::upload_form).post(states::upload))
        .route("/login", get(session::login_form).post(session::login))
        .route("/logout", post(session::logout))
        .route("/ui-language", get(session::set_language))
        .route("/help", get(info::help))
        .route("/accessibility", get(info::accessibility))
        .route("/static/{file}", get(assets::serve))
        .layer(axum::middleware::from_fn(security::headers))
}

/// The person in front of the page, as the layout shows them.
#[derive(Debug, Clone)]
pub struct UserView {
    pub name: String,
    pub role: Role,
    pub state: Option<String>,
}

/// What every page's layout needs: the interface language and its text, the
/// current address (for the language switch), who is signed in, the CSRF
/// token of their forms, and the hashed asset addresses.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub lang: Lang,
    /// Path and query of this page, for "back here" links.
    pub here: String,
    pub user: Option<UserView>,
    /// The CSRF token forms that write carry (empty when nobody is signed in).
    pub csrf: String,
    /// The nav item of this page.
    pub section: &'static str,
}

impl Chrome {
    /// Interface text for `key` in the page's language.
    pub fn t(&self, key: &str) -> &'static str {
        i18n::text(self.lang, key)
    }

    /// Interface text with `{0}` filled in.
    pub fn tf1(&self, key: &str, a: impl std::fmt::Display) -> String {
        i18n::format(self.lang, key, &[&a])
    }

    /// Interface text with `{0}` and `{1}` filled in.
    pub fn tf2(&self, key: &str, a: impl std::fmt::Display, b: impl std::fmt::Display) -> String {
        i18n::format(self.lang, key, &[&a, &b])
    }

    /// Interface text with `{0}`, `{1}` and `{2}` filled in.
    pub fn tf3(
        &self,
        key: &str,
        a: impl std::fmt::Display,
        b: impl std::fmt::Display,
        c: impl std::fmt::Display,
    ) -> String {
        i18n::format(self.lang, key, &[&a, &b, &c])
    }

    /// The language switch: every interface language, this one marked.
    pub fn lang_links(&self) -> Vec<LangLink> {
        Lang::ALL
            .into_iter()
            .map(|l| LangLink {
                code: l.code(),
                name: l.own_name(),
                href: self.switch_to(l.code()),
                current: l == self.lang,
            })
            .collect()
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    pub fn css(&self) -> String {
        assets::url("site.css")
    }

    pub fn icon(&self) -> String {
        assets::url("icon.svg")
    }

    /// The address of the language switch to `lang`, coming back here.
    pub fn switch_to(&self, lang: &str) -> String {
        view::url("/ui-language", &[("set", lang), ("back", &self.here)])
    }

    pub fn current(&self, section: &str) -> bool {
        self.section == section
    }

    pub fn is_editor(&self) -> bool {
        self.user.as_ref().is_some_and(|u| matches!(u.role, Role::Editor | Role::Admin))
    }

    pub fn is_delegate(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == Role::Delegate)
    }

    /// May this person submit lists (a delegate, an editor, an admin)?
    pub fn may_submit(&self) -> bool {
        self.is_editor() || self.is_delegate()
    }

    /// A content language's name in the page's language ("de" → "German").
    pub fn lang_name(&self, code: &str) -> &'static str {
        i18n::text_or(self.lang, &format!("lang.{code}"), "")
    }

    /// A link's reason ("same term", ...) in the page's language.
    pub fn reason(&self, reason: &str) -> String {
        match i18n::text_or(self.lang, &format!("reason.{reason}"), "") {
            "" => reason.to_owned(),
            t => t.to_owned(),
        }
    }

    /// A proposal status's name in the page's language.
    pub fn status_name(&self, status: &str) -> &'static str {
        i18n::text_or(self.lang, &format!("status.{status}"), "?")
    }

    /// A position's name (support, abstain, object) in the page's language.
    pub fn stance_name(&self, stance: &str) -> &'static str {
        i18n::text_or(self.lang, &format!("stance.{stance}"), "?")
    }

    /// The role's name in the page's language.
    pub fn role_name(&self, role: &Role) -> &'static str {
        self.t(&format!("role.{}", role.as_str()))
    }
}

/// One entry of the language switch.
pub struct LangLink {
    pub code: &'static str,
    pub name: &'static str,
    pub href: String,
    pub current: bool,
}

/// The request as a page sees it: the service, the caller, the layout.
pub struct Ctx {
    pub app: AppState,
    pub actor: Actor,
    pub chrome: Chrome,
    /// Signed in with a session (not the anonymous reader).
    pub signed_in: bool,
    /// Is this request known to have come over HTTPS (for the Secure cookie flag)?
    pub https: bool,
    /// The session cookie's secret, when one was sent.
    pub session_secret: Option<String>,
    /// The client's address, when the server knows it (login attempt limits).
    pub peer: Option<std::net::IpAddr>,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let cookies = security::cookies(&parts.headers);
        let lang = cookies
            .iter()
            .find(|(k, _)| k == session::LANG_COOKIE)
            .and_then(|(_, v)| Lang::parse(v))
            .unwrap_or_else(|| Lang::from_accept(&parts.headers));
        let here = parts.uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".to_owned());
        let mut chrome = Chrome { lang, here, user: None, csrf: String::new(), section: "" };
        let secret = cookies.iter().find(|(k, _)| k == session::SESSION_COOKIE).map(|(_, v)| v.clone());
        let mut actor = Actor::anonymous();
        let mut signed_in = false;
        if let Some(secret) = secret.clone() {
            let g = state.glossary.clone();
            let found = blocking(move || g.session(&secret)).await.map_err(|e| fail(&chrome, e))?;
            if let Some(s) = found {
                chrome.user = Some(UserView {
                    name: s.actor.name.clone(),
                    role: s.actor.role,
                    state: s.actor.state.as_ref().map(|c| c.to_string()),
                });
                chrome.csrf = s.csrf;
                actor = s.actor;
                signed_in = true;
            }
        }
        let https = parts
            .headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
            || parts.uri.scheme_str() == Some("https");
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|axum::extract::ConnectInfo(a)| a.ip());
        Ok(Self { app: state.clone(), actor, chrome, signed_in, https, session_secret: secret, peer })
    }
}

impl Ctx {
    /// Names the nav item of this page.
    pub fn section(mut self, section: &'static str) -> Self {
        self.chrome.section = section;
        self
    }

    /// May this caller read? Anyone when reads are open, else only a signed-in person.
    fn may_read(&self) -> bool {
        self.signed_in || self.app.config.open_reads
    }

    /// Runs `f` with the service and the caller on a blocking thread; an
    /// error becomes this page's error page.
    pub async fn call<T, F>(&self, f: F) -> Result<T, Failure>
    where
        T: Send + 'static,
        F: FnOnce(&Glossary, &Actor) -> crate::Result<T> + Send + 'static,
    {
        if !self.may_read() {
            return Err(Failure(Box::new(
                Redirect::to(&view::url("/login", &[("next", &self.chrome.here)])).into_response(),
            )));
        }
        let g = self.app.glossary.clone();
        let actor = self.actor.clone();
        blocking(move || f(&g, &actor)).await.map_err(|e| self.fail(e))
    }

    /// [`Ctx::call`], leaving the service's error to the page (a form shows
    /// what was refused beside its fields).
    pub async fn call_raw<T, F>(&self, f: F) -> Result<crate::Result<T>, Failure>
    where
        T: Send + 'static,
        F: FnOnce(&Glossary, &Actor) -> crate::Result<T> + Send + 'static,
    {
        if !self.may_read() {
            return Err(Failure(Box::new(
                Redirect::to(&view::url("/login", &[("next", &self.chrome.here)])).into_response(),
            )));
        }
        let g = self.app.glossary.clone();
        let actor = self.actor.clone();
        Ok(blocking(move || f(&g, &actor)).await)
    }

    /// This page's error page for `e`.
    pub fn fail(&self, e: Error) -> Failure {
        fail(&self.chrome, e)
    }

    /// The signed-in person, or the login page (for pages that write).
    pub fn require_session(&self) -> Result<(), Failure> {
        if self.signed_in {
            Ok(())
        } else {
            Err(Failure(Box::new(Redirect::to(&view::url("/login", &[("next", &self.chrome.here)])).into_response())))
        }
    }

    /// Checks a submitted form's CSRF token against the session's.
    pub fn check_csrf(&self, form: &view::Form) -> Result<(), Failure> {
        self.require_session()?;
        if security::same_secret(form.get("csrf").unwrap_or_default(), &self.chrome.csrf) {
            Ok(())
        } else {
            Err(self.fail(Error::Forbidden(
                "the form is stale or came from elsewhere (its CSRF token does not match); reload the page and try again"
                    .into(),
            )))
        }
    }
}

/// A page that could not be shown: already rendered as the error page (or a redirect).
pub struct Failure(pub Box<Response>);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        *self.0
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    c: &'a Chrome,
    status: u16,
    title: &'static str,
    detail: String,
    problems: Vec<view::Problem>,
}

/// The status of `e` and what to tell the person; a 5xx says nothing specific
/// (the cause goes to the log).
fn status_of(e: &Error) -> StatusCode {
    use StatusCode as S;
    match e {
        Error::NotFound { .. } => S::NOT_FOUND,
        Error::Conflict(_) | Error::Transition(_) | Error::NoConsensus(_) => S::CONFLICT,
        Error::Invalid(_) | Error::Unprocessable(_) => S::UNPROCESSABLE_ENTITY,
        Error::UnsafeInput(_) | Error::BadRequest { .. } => S::BAD_REQUEST,
        Error::Unauthorized(_) => S::UNAUTHORIZED,
        Error::Forbidden(_) => S::FORBIDDEN,
        Error::UnsupportedMediaType(_) => S::UNSUPPORTED_MEDIA_TYPE,
        Error::PayloadTooLarge { .. } => S::PAYLOAD_TOO_LARGE,
        Error::PreconditionFailed(_) => S::PRECONDITION_FAILED,
        Error::PreconditionRequired(_) => S::PRECONDITION_REQUIRED,
        _ => S::INTERNAL_SERVER_ERROR,
    }
}

/// The error page for `e` in the page's language.
pub fn fail(c: &Chrome, e: Error) -> Failure {
    let status = status_of(&e);
    let title = match status {
        StatusCode::NOT_FOUND => c.t("error.not_found"),
        StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED => c.t("error.forbidden"),
        StatusCode::CONFLICT => c.t("error.conflict"),
        StatusCode::INTERNAL_SERVER_ERROR => c.t("error.internal"),
        _ => c.t("error.refused"),
    };
    let (detail, problems) = if status.is_server_error() {
        tracing::error!(error = %e, "page failed");
        (c.t("error.internal_detail").to_owned(), Vec::new())
    } else {
        (e.to_string(), view::problems_of(&e))
    };
    let page = ErrorPage { c, status: status.as_u16(), title, detail, problems };
    Failure(Box::new(render_status(status, &page)))
}

/// A rendered page with status 200.
pub fn render<T: Template>(page: &T) -> Response {
    render_status(StatusCode::OK, page)
}

/// A rendered page with `status`; a template that fails to render is a 500
/// in plain words (it cannot happen with checked templates, barring a bug).
pub fn render_status<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(html) => {
            let mut r = (status, html).into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
            r
        }
        Err(e) => {
            tracing::error!(error = %e, "a page template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error; the cause is in the server's log").into_response()
        }
    }
}

/// A redirect after a form (303: the browser follows with GET).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// The page for an address no route serves: the error page with 404, in
/// the caller's interface language, with the pages' security headers. (The
/// router's fallback answers unknown API addresses with problem+json instead.)
pub async fn not_found(state: AppState, req: axum::extract::Request) -> Response {
    let path = req.uri().path().to_owned();
    let (mut parts, _) = req.into_parts();
    let mut response = match Ctx::from_request_parts(&mut parts, &state).await {
        Ok(ctx) => fail(&ctx.chrome, Error::not_found("page", path)).into_response(),
        Err(failure) => failure.into_response(),
    };
    security::apply(&mut response);
    response
}

/// Is this request a browser's (it accepts HTML)? Used by the fallback.
pub fn wants_html(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"))
}
