//! `/` (search first: one box, the content language, match help; then the
//! proposals in their silence period, the latest national lists, a coverage
//! summary) and `/search` (facets with counts, highlighted snippets in the
//! original and in English, "matched … → term", list or table, paging; every
//! state of the page is in its URL).

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::Query;
use axum::response::Response;

use super::view::{self, Pager, Run};
use super::{Chrome, Ctx, Failure, render};
use crate::domain::normalize;
use crate::domain::proposal::Status;
use crate::error::Error;
use crate::service::{FieldScope, MAX_QUERY_CHARS, ProposalRecord, SearchRequest, SubmissionRecord};

/// The content languages offered in the search box (OSCE's six official ones).
pub const CONTENT_LANGUAGES: [&str; 6] = ["en", "fr", "de", "it", "ru", "es"];

/// Hits per page.
const PAGE: usize = 20;
/// The longest opening of a definition a hit shows where no word matched in
/// it (a matched one shows the index's snippet, at most 200 characters).
const EXCERPT: usize = 300;

pub struct LanguageOption {
    pub code: &'static str,
    pub selected: bool,
}

fn language_options(selected: &str) -> Vec<LanguageOption> {
    CONTENT_LANGUAGES.iter().map(|&code| LanguageOption { code, selected: code == selected }).collect()
}

pub struct ReviewItem {
    pub id: u64,
    pub term: String,
    pub silence_until: String,
}

pub struct ListItem {
    pub id: u64,
    pub state: String,
    pub year: i32,
    pub revision: u32,
    pub language: String,
    pub entries: u32,
    pub at: String,
    pub current: bool,
}

impl ListItem {
    pub fn of(s: SubmissionRecord, current: bool) -> Self {
        Self {
            id: s.id,
            state: s.state,
            year: s.year,
            revision: s.revision,
            language: s.language,
            entries: s.entry_count,
            at: view::when(&s.created_at),
            current,
        }
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: Chrome,
    languages: Vec<LanguageOption>,
    in_review: Vec<ReviewItem>,
    latest: Vec<ListItem>,
    states_submitted: usize,
    states_total: usize,
    entries: u64,
    notions: usize,
}

pub async fn home(ctx: Ctx) -> Result<Response, Failure> {
    let ctx = ctx.section("home");
    let (in_review, latest, coverage, states) = ctx
        .call(|g, a| {
            let (_, review) = g.proposals(a, Some(Status::UnderReview), 0, 10)?;
            let latest = g.latest_submissions(a, 8)?;
            let coverage = g.coverage(a, 0, 0)?;
            let states = g.states(a)?;
            Ok((review, latest, coverage, states))
        })
        .await?;
    let page = HomePage {
        languages: language_options(""),
        in_review: in_review.iter().map(review_item).collect(),
        latest: latest.into_iter().map(|(s, cur)| ListItem::of(s, cur)).collect(),
        states_submitted: coverage.states.len(),
        states_total: states.len(),
        entries: coverage.states.iter().map(|s| s.entry_count).sum(),
        notions: coverage.total_clusters,
        c: ctx.chrome,
    };
    Ok(render(&page))
}

fn review_item(p: &ProposalRecord) -> ReviewItem {
    ReviewItem {
        id: p.id,
        term: p.text.term.clone(),
        silence_until: p.silence_until.as_ref().map(view::when).unwrap_or_default(),
    }
}

/// One facet of the sidebar: its heading and its values, most hits first
/// (years newest first).
pub struct FacetGroup {
    pub id: &'static str,
    pub heading: &'static str,
    pub values: Vec<FacetValue>,
}

/// A facet value: its label, count, and the address that toggles it.
pub struct FacetValue {
    pub value: String,
    pub label: String,
    pub count: u64,
    pub href: String,
    pub on: bool,
}

/// One hit as the page shows it.
pub struct HitView {
    pub id: String,
    pub state: String,
    pub state_name: String,
    pub language: String,
    pub year: i32,
    pub revision: u32,
    pub term: Vec<Run>,
    pub definition: Vec<Run>,
    pub term_en: Vec<Run>,
    pub definition_en: Vec<Run>,
    /// "matched synonym 'x' → term" and the like, already in the page's language.
    pub matched: Option<String>,
    pub compare_href: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    c: Chrome,
    q: String,
    languages: Vec<LanguageOption>,
    field: String,
    year: String,
    table: bool,
    searched: bool,
    total: usize,
    relaxed: bool,
    hits: Vec<HitView>,
    /// The sidebar's facets, each with its heading: State, language, year, domain.
    facets: Vec<FacetGroup>,
    selected_states: Vec<String>,
    domain: String,
    language: String,
    suggestion: Option<(String, String)>,
    pager: Pager,
    list_href: String,
    table_href: String,
    clear_href: String,
}

/// The search page's state, read from its query string (repeated `state`s).
struct SearchState {
    q: String,
    language: String,
    states: Vec<String>,
    year: String,
    domain: String,
    field: String,
    table: bool,
    offset: usize,
}

impl SearchState {
    fn read(pairs: &[(String, String)]) -> Result<Self, Error> {
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
        let mut states: Vec<String> = Vec::new();
        for (k, v) in pairs {
            if k == "state" && !v.trim().is_empty() {
                let code = crate::domain::StateCode::parse(v)
                    .map_err(|e| Error::bad_param("state", e.to_string()))?
                    .to_string();
                if !states.contains(&code) {
                    states.push(code);
                }
            }
        }
        let q = get("q");
        if q.chars().count() > MAX_QUERY_CHARS {
            return Err(Error::bad_param("q", format!("a search has at most {MAX_QUERY_CHARS} characters")));
        }
        let language = get("language");
        if !language.is_empty() {
            crate::domain::LanguageTag::parse(&language).map_err(|e| Error::bad_param("language", e.to_string()))?;
        }
        let year = get("year");
        if !year.is_empty() && year.parse::<i32>().is_err() {
            return Err(Error::bad_param("year", "a year is a whole number, e.g. 2014"));
        }
        let domain = crate::domain::domain_filter(&get("domain"))
            .map_err(|reason| Error::bad_param("domain", reason))?
            .unwrap_or_default();
        let field = match get("field").as_str() {
            "" | "all" => String::new(),
            f @ ("term" | "definition") => f.to_owned(),
            _ => return Err(Error::bad_param("field", "field is term, definition or all")),
        };
        let offset = match get("offset").as_str() {
            "" => 0,
            raw => {
                raw.parse::<usize>().map_err(|_| Error::bad_param("offset", "offset is a whole number"))?.min(10_000)
            }
        };
        Ok(Self { q, language, states, year, domain, field, table: get("layout") == "table", offset })
    }

    /// This state as an address, with `change` applied to a copy.
    fn href(&self, change: impl FnOnce(&mut SearchState)) -> String {
        let mut s = SearchState {
            q: self.q.clone(),
            language: self.language.clone(),
            states: self.states.clone(),
            year: self.year.clone(),
            domain: self.domain.clone(),
            field: self.field.clone(),
            table: self.table,
            offset: self.offset,
        };
        change(&mut s);
        let offset = if s.offset > 0 { s.offset.to_string() } else { String::new() };
        let mut params: Vec<(&str, &str)> = vec![("q", &s.q), ("language", &s.language)];
        for st in &s.states {
            params.push(("state", st));
        }
        params.extend([
            ("year", s.year.as_str()),
            ("domain", s.domain.as_str()),
            ("field", s.field.as_str()),
            ("layout", if s.table { "table" } else { "" }),
            ("offset", offset.as_str()),
        ]);
        view::url("/search", &params)
    }
}

pub async fn search(ctx: Ctx, Query(pairs): Query<Vec<(String, String)>>) -> Result<Response, Failure> {
    let ctx = ctx.section("search");
    let st = SearchState::read(&pairs).map_err(|e| ctx.fail(e))?;
    let searched = !st.q.is_empty();
    let request = SearchRequest {
        q: st.q.clone(),
        language: (!st.language.is_empty()).then(|| st.language.clone()),
        states: st.states.clone(),
        year: st.year.parse().ok(),
        domain: (!st.domain.is_empty()).then(|| st.domain.clone()),
        fuzzy: None,
        field: match st.field.as_str() {
            "term" => FieldScope::Term,
            "definition" => FieldScope::Definition,
            _ => FieldScope::All,
        },
        all_revisions: false,
        limit: PAGE,
        offset: st.offset,
        audience: None,
    };
    let (results, names) = ctx
        .call(move |g, a| {
            let names: HashMap<String, String> = g.states(a)?.into_iter().map(|s| (s.code, s.name)).collect();
            let results = if searched { Some(g.search(a, &request)?) } else { None };
            Ok((results, names))
        })
        .await?;
    let c = ctx.chrome;
    let (total, relaxed, mut facets, raw_hits) = match results {
        Some(r) => (r.total, r.relaxed, r.facets, r.hits),
        None => (0, false, BTreeMap::new(), Vec::new()),
    };
    let words: Vec<String> = normalize::key(&st.q).split(' ').filter(|w| !w.is_empty()).map(str::to_owned).collect();
    let suggestion = raw_hits.first().and_then(|h| did_you_mean(&st.q, &h.entry)).map(|term| {
        let href = st.href(|s| {
            s.q = term.clone();
            s.offset = 0;
        });
        (term, href)
    });
    let hits: Vec<HitView> = raw_hits
        .into_iter()
        .map(|h| {
            let e = h.entry;
            let runs = |field: &str, fallback: &str| {
                h.highlights.get(field).map(|s| view::highlight_runs(s)).unwrap_or_else(|| view::plain(fallback))
            };
            let term = runs("term", &e.term);
            let term_en = match &e.term_en {
                Some(t) => runs("term_en", t),
                None => Vec::new(),
            };
            // A definition without a match in it shows its opening only.
            let snippet = |field: &str, text: &str| {
                h.highlights.get(field).map(|s| view::highlight_runs(s)).unwrap_or_else(|| view::excerpt(text, EXCERPT))
            };
            let definition = snippet("definition", &e.definition);
            let definition_en = match &e.definition_en {
                Some(d) => snippet("definition_en", d),
                None => Vec::new(),
            };
            let marked = |r: &[Run]| r.iter().any(|x| x.kind == "mark");
            let matched = if marked(&term) {
                None
            } else if marked(&term_en) {
                Some(c.tf2("search.matched_translation", e.term_en.as_deref().unwrap_or_default(), &e.term))
            } else {
                e.synonyms
                    .iter()
                    .find(|syn| {
                        let key = normalize::key(syn);
                        words.iter().any(|w| key.split(' ').any(|k| k == w))
                    })
                    .map(|syn| c.tf2("search.matched_synonym", syn, &e.term))
            };
            HitView {
                id: e.id(),
                state_name: names.get(&e.state).cloned().unwrap_or_default(),
                compare_href: view::url("/compare", &[("term", e.term_en.as_deref().unwrap_or(&e.term))]),
                state: e.state,
                language: e.language,
                year: e.year,
                revision: e.revision,
                term,
                definition,
                term_en,
                definition_en,
                matched,
            }
        })
        .collect();
    // Each facet value links to this search with that value toggled (a
    // State added to or removed from the chosen ones; a language, year or
    // domain chosen or cleared), from the first page.
    let facet = |kind: &str, values: BTreeMap<String, u64>| -> Vec<FacetValue> {
        let mut out: Vec<FacetValue> = values
            .into_iter()
            .map(|(value, count)| {
                let on = match kind {
                    "state" => st.states.contains(&value),
                    "language" => st.language == value,
                    "year" => st.year == value,
                    _ => st.domain == value,
                };
                let href = st.href(|s| {
                    let toggled = if on { String::new() } else { value.clone() };
                    match kind {
                        "state" if on => s.states.retain(|x| *x != value),
                        "state" => s.states.push(value.clone()),
                        "language" => s.language = toggled,
                        "year" => s.year = toggled,
                        _ => s.domain = toggled,
                    }
                    s.offset = 0;
                });
                let label = match kind {
                    "state" => names.get(&value).cloned().unwrap_or_else(|| value.clone()),
                    "language" => match c.lang_name(&value) {
                        "" => value.clone(),
                        name => format!("{name} ({value})"),
                    },
                    _ => value.clone(),
                };
                FacetValue { value, label, count, href, on }
            })
            .collect();
        if kind == "year" {
            out.sort_by(|a, b| b.value.cmp(&a.value));
        } else {
            out.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
        }
        out
    };
    let facets: Vec<FacetGroup> = [
        ("state", c.t("search.facet_state")),
        ("language", c.t("search.facet_language")),
        ("year", c.t("search.facet_year")),
        ("domain", c.t("search.facet_domain")),
    ]
    .into_iter()
    .map(|(kind, heading)| FacetGroup {
        id: kind,
        heading,
        values: facet(kind, facets.remove(kind).unwrap_or_default()),
    })
    .filter(|g| !g.values.is_empty())
    .collect();
    let pager = Pager::new(total, st.offset, PAGE, |offset| st.href(|s| s.offset = offset));
    let page = SearchPage {
        q: st.q.clone(),
        languages: language_options(&st.language),
        field: st.field.clone(),
        year: st.year.clone(),
        table: st.table,
        searched,
        total,
        relaxed,
        hits,
        facets,
        selected_states: st.states.clone(),
        domain: st.domain.clone(),
        language: st.language.clone(),
        suggestion,
        pager,
        list_href: st.href(|s| s.table = false),
        table_href: st.href(|s| s.table = true),
        clear_href: view::url("/search", &[("q", &st.q)]),
        c,
    };
    Ok(render(&page))
}

/// "Did you mean …?": when the best hit's term (or English term) is close
/// to the query but not what was typed, it is offered as the query.
fn did_you_mean(q: &str, e: &crate::service::EntryRecord) -> Option<String> {
    let typed = normalize::key(q);
    if typed.is_empty() {
        return None;
    }
    let mut names = vec![(e.term.as_str(), e.term_key.as_str())];
    if let (Some(t), Some(k)) = (e.term_en.as_deref(), e.term_en_key.as_deref()) {
        names.push((t, k));
    }
    if names.iter().any(|(_, k)| *k == typed) {
        return None;
    }
    names
        .into_iter()
        .map(|(t, k)| (t, strsim::jaro_winkler(k, &typed)))
        .filter(|(_, s)| *s >= 0.88)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(t, _)| t.to_owned())
}
