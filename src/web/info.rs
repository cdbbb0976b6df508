//! `/help` (how search matches, what the statuses and positions mean, who
//! may do what) and `/accessibility` (the accessibility statement).

use askama::Template;
use axum::response::Response;

use super::{Chrome, Ctx, render};

#[derive(Template)]
#[template(path = "help.html")]
struct HelpPage {
    c: Chrome,
}

#[derive(Template)]
#[template(path = "accessibility.html")]
struct AccessibilityPage {
    c: Chrome,
}

pub async fn help(ctx: Ctx) -> Response {
    let ctx = ctx.section("help");
    render(&HelpPage { c: ctx.chrome })
}

pub async fn accessibility(ctx: Ctx) -> Response {
    let ctx = ctx.section("accessibility");
    render(&AccessibilityPage { c: ctx.chrome })
}
