//! Small values the templates show, made from what the service answers:
//! addresses with their query, highlighted text as runs (so the template
//! escapes every character itself), word diffs, times in UTC, form fields.

use time::OffsetDateTime;

use crate::domain::diff::{DiffOp, word_diff};
use crate::error::Error;

/// `path?k=v&...`, every value percent-encoded; empty values are left out.
pub fn url(path: &str, params: &[(&str, &str)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    let mut any = false;
    for (k, v) in params {
        if !v.is_empty() {
            query.append_pair(k, v);
            any = true;
        }
    }
    if any { format!("{path}?{}", query.finish()) } else { path.to_owned() }
}

/// A local address to come back to: a path on this site, never another
/// site's (`//host`, `https://...`, a backslash trick); else `/`.
pub fn local_path(raw: &str) -> String {
    let ok = raw.starts_with('/')
        && !raw.starts_with("//")
        && !raw.contains('\\')
        && !raw.chars().any(|c| c.is_control())
        && raw.len() <= 2000;
    if ok { raw.to_owned() } else { "/".to_owned() }
}

/// A run of text, marked (a match, an insertion, a deletion) or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub text: String,
    /// "" (plain), "mark", "ins" or "del".
    pub kind: &'static str,
}

/// The index's highlighted text (HTML-escaped, matches in `<b>…</b>`) as runs
/// of plain text: the markup is read, never passed through, so the template
/// escapes every character again.
pub fn highlight_runs(html: &str) -> Vec<Run> {
    let mut runs = Vec::new();
    let mut rest = html;
    let mut marked = false;
    while !rest.is_empty() {
        let tag = if marked { "</b>" } else { "<b>" };
        let (text, next) = match rest.find(tag) {
            Some(i) => (&rest[..i], &rest[i + tag.len()..]),
            None => (rest, ""),
        };
        if !text.is_empty() {
            runs.push(Run { text: unescape(text), kind: if marked { "mark" } else { "" } });
        }
        rest = next;
        marked = !marked;
    }
    runs
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#x2F;", "/")
        .replace("&amp;", "&")
}

/// Plain text as one run.
pub fn plain(text: &str) -> Vec<Run> {
    vec![Run { text: text.to_owned(), kind: "" }]
}

/// The opening of a long text as one run: at most `max` characters, cut at
/// a space, with "…" where it was cut (a search hit shows an excerpt; the
/// entry's page shows it whole).
pub fn excerpt(text: &str, max: usize) -> Vec<Run> {
    let Some((cut, _)) = text.char_indices().nth(max) else { return plain(text) };
    let head = &text[..cut];
    let head = match head.rfind(char::is_whitespace) {
        Some(space) if space > cut / 2 => &head[..space],
        _ => head,
    };
    plain(&format!("{}…", head.trim_end()))
}

/// The word diff from `old` to `new` as runs: `del` only in `old`, `ins` only in `new`.
pub fn diff_runs(old: &str, new: &str) -> Vec<Run> {
    let mut runs = Vec::new();
    for (i, p) in word_diff(old, new).into_iter().enumerate() {
        let kind = match p.op {
            DiffOp::Equal => "",
            DiffOp::Insert => "ins",
            DiffOp::Delete => "del",
        };
        // Pieces are runs of words: put the space between them back.
        let text = if i == 0 { p.text } else { format!(" {}", p.text) };
        runs.push(Run { text, kind });
    }
    runs
}

/// Does a diff change anything?
pub fn changed(runs: &[Run]) -> bool {
    runs.iter().any(|r| !r.kind.is_empty())
}

/// "2026-05-01 14:03 UTC".
pub fn when(t: &OffsetDateTime) -> String {
    utc(*t)
}

pub fn utc(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{:04}-{:02}-{:02} {:02}:{:02} UTC", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute())
}

/// A form's fields as sent (`application/x-www-form-urlencoded`), in order;
/// a name may come several times (check boxes).
#[derive(Debug, Default)]
pub struct Form(pub Vec<(String, String)>);

impl Form {
    pub fn parse(body: &[u8]) -> Self {
        Self(form_urlencoded::parse(body).into_owned().collect())
    }

    /// The first value of `name`, trimmed; `None` when absent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim())
    }

    /// The first value of `name`, trimmed, `None` when absent or empty.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name).filter(|v| !v.is_empty()).map(str::to_owned)
    }

    /// Every non-empty value of `name`.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, v)| k == name && !v.trim().is_empty()).map(|(_, v)| v.trim().to_owned()).collect()
    }
}

/// One thing wrong with what was sent: its row (if a list's), field and reason.
#[derive(Debug, Clone)]
pub struct Problem {
    pub row: Option<u64>,
    pub field: String,
    pub reason: String,
}

impl Problem {
    pub fn row_text(&self) -> String {
        self.row.map(|r| r.to_string()).unwrap_or_default()
    }
}

/// The rows or fields an error names (a refused list, a refused request).
pub fn problems_of(e: &Error) -> Vec<Problem> {
    let rows = match e {
        Error::Invalid(rows) | Error::Unprocessable(rows) => rows.clone(),
        Error::UnsafeInput(row) => vec![row.clone()],
        Error::BadRequest { param: Some(p), reason } => {
            return vec![Problem { row: None, field: p.clone(), reason: reason.clone() }];
        }
        Error::NoConsensus(b) => {
            return b
                .objections
                .iter()
                .map(|o| Problem { row: None, field: o.state.clone(), reason: o.reason.clone() })
                .collect();
        }
        _ => return Vec::new(),
    };
    rows.into_iter().map(|r| Problem { row: r.row, field: r.field, reason: r.reason }).collect()
}

/// Page links: `(label, href, current)` for pages around `offset`.
pub struct Pager {
    pub total: usize,
    pub offset: usize,
    pub limit: usize,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// `link(offset)` gives the address of the page starting at `offset`.
    pub fn new(total: usize, offset: usize, limit: usize, link: impl Fn(usize) -> String) -> Self {
        let prev = (offset > 0).then(|| link(offset.saturating_sub(limit)));
        let next = (offset + limit < total).then(|| link(offset + limit));
        Self { total, offset, limit, prev, next }
    }

    pub fn first(&self) -> usize {
        if self.total == 0 { 0 } else { self.offset + 1 }
    }

    pub fn last(&self) -> usize {
        (self.offset + self.limit).min(self.total)
    }

    pub fn shown(&self) -> bool {
        self.prev.is_some() || self.next.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_cut_long_texts_at_a_space() {
        assert_eq!(excerpt("short text", 300), plain("short text"));
        let long = "word ".repeat(100);
        let cut = &excerpt(&long, 300)[0].text;
        assert!(cut.ends_with("word…") && cut.chars().count() <= 301, "{cut}");
        let one = "x".repeat(400);
        assert_eq!(excerpt(&one, 300)[0].text.chars().count(), 301);
    }

    #[test]
    fn highlights_become_runs_and_markup_never_passes() {
        let runs = highlight_runs("a <b>cyber</b> &lt;script&gt; &amp; <b>attack</b>");
        assert_eq!(
            runs,
            vec![
                Run { text: "a ".into(), kind: "" },
                Run { text: "cyber".into(), kind: "mark" },
                Run { text: " <script> & ".into(), kind: "" },
                Run { text: "attack".into(), kind: "mark" },
            ]
        );
    }

    #[test]
    fn only_local_paths_are_followed_back() {
        assert_eq!(local_path("/search?q=a"), "/search?q=a");
        for bad in ["//evil.example", "https://evil.example", "/\\evil", "javascript:alert(1)", ""] {
            assert_eq!(local_path(bad), "/", "{bad}");
        }
    }

    #[test]
    fn urls_encode_values_and_drop_empty_ones() {
        assert_eq!(url("/search", &[("q", "a&b c"), ("state", "")]), "/search?q=a%26b+c");
        assert_eq!(url("/x", &[]), "/x");
    }

    #[test]
    fn diffs_mark_insertions_and_deletions() {
        let runs = diff_runs("a big red dog", "a small red dog");
        assert!(runs.iter().any(|r| r.kind == "del" && r.text.contains("big")));
        assert!(runs.iter().any(|r| r.kind == "ins" && r.text.contains("small")));
        assert!(!changed(&diff_runs("same text", "same text")));
    }
}
