//! Query behaviour of `/v1/search` on the sample lists.

use reqwest::StatusCode;
use serde_json::Value;
use tokio::sync::OnceCell;

use crate::helpers::{TestApp, english_list, problem, spawn_app, spawn_app_with};

/// One server with the samples, shared by the read-only tests of this file.
async fn samples() -> &'static TestApp {
    static APP: OnceCell<TestApp> = OnceCell::const_new();
    APP.get_or_init(|| async {
        // The shared server must outlive each test's runtime: run it on its own.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().expect("runtime");
            rt.block_on(async move {
                let mut app = spawn_app_with(|c| c.samples = Some(crate::helpers::data_dir())).await;
                // Each test has its own runtime: pooled connections must not outlive one.
                app.client = reqwest::Client::builder().pool_max_idle_per_host(0).build().expect("client");
                tx.send(app).expect("send");
                std::future::pending::<()>().await;
            });
        });
        rx.recv().expect("sample server")
    })
    .await
}

async fn search(app: &TestApp, query: &str) -> Value {
    let r = app.get(&format!("/v1/search?{query}")).await;
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    body
}

fn terms(body: &Value) -> Vec<String> {
    body["hits"].as_array().unwrap().iter().map(|h| h["entry"]["term"].as_str().unwrap().to_owned()).collect()
}

fn q(text: &str) -> String {
    format!("q={}", urlencode(text))
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn a_one_letter_typo_finds_the_term() {
    let app = samples().await;
    assert!(terms(&search(app, &q("cyber atack")).await).contains(&"cyber attack".to_owned()));
    assert!(terms(&search(app, &q("malwear")).await).contains(&"malware".to_owned()));
    assert!(terms(&search(app, &q("phisihng")).await).iter().any(|t| t.eq_ignore_ascii_case("phishing")));
}

#[tokio::test]
async fn spellings_with_and_without_hyphen_or_space_find_each_other() {
    let app = samples().await;
    // GB spells it "cyberattack", FI "cyber-attack", US "cyber attack".
    for query in ["cyberattack", "cyber-attack", "cyber attack"] {
        let found = terms(&search(app, &format!("{}&limit=50", q(query))).await);
        for spelling in ["cyberattack", "cyber-attack", "cyber attack"] {
            assert!(found.iter().any(|t| t == spelling), "{query} should find {spelling}: {found:?}");
        }
    }
}

#[tokio::test]
async fn inflected_forms_and_missing_accents_find_the_entry() {
    let app = samples().await;
    for (query, expected) in [
        ("Cyberangriffe", "Cyberangriff"),
        ("кибератаки", "кибератака"),
        ("attaques", "attaque"),
        ("securite", "sécurité"),
    ] {
        let found = terms(&search(app, &format!("{}&limit=50", q(query))).await);
        assert!(found.iter().any(|t| t.contains(expected)), "{query} should find {expected}: {found:?}");
    }
}

#[tokio::test]
async fn an_english_query_finds_other_languages_through_their_translation() {
    let app = samples().await;
    let body = search(app, &format!("{}&limit=100", q("cyber attack"))).await;
    let languages: Vec<&str> =
        body["hits"].as_array().unwrap().iter().map(|h| h["entry"]["language"].as_str().unwrap()).collect();
    for l in ["ru", "de", "fr"] {
        assert!(languages.contains(&l), "no {l} entry for 'cyber attack': {languages:?}");
    }
    let ru = search(app, &format!("{}&language=ru", q("cyber attack"))).await;
    assert!(ru["total"].as_u64().unwrap() >= 1);
    assert!(ru["hits"].as_array().unwrap().iter().all(|h| h["entry"]["language"] == "ru"));
    assert!(terms(&ru).contains(&"кибератака".to_owned()));
}

#[tokio::test]
async fn an_exact_term_match_ranks_above_mentions_in_definitions() {
    let app = samples().await;
    let body = search(app, &format!("{}&limit=50", q("malware"))).await;
    let hits = body["hits"].as_array().unwrap();
    let is_exact = |h: &Value| {
        let key = |v: &Value| v.as_str().map(|s| s.to_lowercase());
        key(&h["entry"]["term"]).as_deref() == Some("malware")
            || key(&h["entry"]["term_en"]).as_deref() == Some("malware")
    };
    let first_other = hits.iter().position(|h| !is_exact(h)).expect("some entries only mention malware");
    assert!(first_other > 0, "the first hit is an exact term match");
    assert!(hits[first_other..].iter().all(|h| !is_exact(h)), "every exact match comes before the rest");
}

#[tokio::test]
async fn a_quoted_phrase_matches_as_a_phrase() {
    let app = samples().await;
    let phrase = search(app, &format!("{}&limit=200&language=en", q("\"critical infrastructure\""))).await;
    let loose = search(app, &format!("{}&limit=200&language=en", q("infrastructure critical"))).await;
    assert!(phrase["total"].as_u64().unwrap() >= 2);
    for h in phrase["hits"].as_array().unwrap() {
        let e = &h["entry"];
        let text = format!("{} {}", e["term"], e["definition"]).to_lowercase();
        assert!(text.contains("critical infrastructure"), "not a phrase match: {text}");
    }
    assert!(loose["total"].as_u64().unwrap() >= phrase["total"].as_u64().unwrap());
    // An unbalanced quote is read leniently, not refused.
    search(app, &q("\"critical infrastructure")).await;
}

#[tokio::test]
async fn filters_pagination_totals_facets_and_highlights() {
    let app = samples().await;
    let all = search(app, &format!("{}&limit=200", q("attack"))).await;
    let total = all["total"].as_u64().unwrap();
    assert_eq!(all["hits"].as_array().unwrap().len() as u64, total.min(200));
    let by_state: u64 = all["facets"]["state"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    let by_language: u64 = all["facets"]["language"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(by_state, total);
    assert_eq!(by_language, total);

    let two = search(app, &format!("{}&state=DE&state=FR&limit=200", q("attack"))).await;
    let states: std::collections::BTreeSet<&str> =
        two["hits"].as_array().unwrap().iter().map(|h| h["entry"]["state"].as_str().unwrap()).collect();
    assert!(states.iter().all(|s| *s == "DE" || *s == "FR"), "{states:?}");
    assert_eq!(
        two["total"].as_u64().unwrap(),
        all["facets"]["state"]["DE"].as_u64().unwrap_or(0) + all["facets"]["state"]["FR"].as_u64().unwrap_or(0)
    );
    let y = search(app, &format!("{}&year=2015", q("attack"))).await;
    assert!(y["hits"].as_array().unwrap().iter().all(|h| h["entry"]["year"] == 2015));

    let page1 = search(app, &format!("{}&limit=3", q("attack"))).await;
    let page2 = search(app, &format!("{}&limit=3&offset=3", q("attack"))).await;
    assert_eq!(page1["total"], page2["total"]);
    let ids = |b: &Value| -> Vec<String> {
        b["hits"].as_array().unwrap().iter().map(|h| h["entry"]["id"].as_str().unwrap().to_owned()).collect()
    };
    let (a, b) = (ids(&page1), ids(&page2));
    assert_eq!(a.len(), 3);
    assert!(a.iter().all(|id| !b.contains(id)));

    // field=definition never matches on the term alone.
    let terms_only = search(app, &format!("{}&field=term&limit=200", q("attack"))).await;
    let defs_only = search(app, &format!("{}&field=definition&limit=200", q("attack"))).await;
    assert!(terms_only["total"].as_u64().unwrap() < total);
    assert!(defs_only["total"].as_u64().unwrap() < total);

    let first = &page1["hits"][0];
    let highlighted = first["highlights"].as_object().unwrap();
    assert!(!highlighted.is_empty());
    assert!(highlighted.values().any(|v| v.as_str().unwrap().contains("<b>")));
}

#[tokio::test]
async fn bad_queries_are_400_naming_the_parameter() {
    let app = samples().await;
    let long = "a".repeat(10_000);
    for (query, param) in [
        (format!("q={long}"), "q"),
        ("q=malware&fuzzy=7".to_owned(), "fuzzy"),
        ("q=malware&limit=100000".to_owned(), "limit"),
        ("q=malware&offset=-1".to_owned(), "offset"),
        ("q=malware&field=everything".to_owned(), "field"),
        ("q=malware&language=klingon".to_owned(), "language"),
        ("q=malware&state=D_E".to_owned(), "state"),
        ("q=malware&year=x".to_owned(), "year"),
        ("q=%22%22".to_owned(), "q"),
        ("language=en".to_owned(), "q"),
    ] {
        let p = problem(app.get(&format!("/v1/search?{query}")).await, StatusCode::BAD_REQUEST).await;
        assert_eq!(p["param"], param, "{}", &query[..query.len().min(40)]);
    }
    // Odd but harmless input is answered, not refused.
    for odd in ["q=%22%22%22", "q=***", "q=a%20AND%20OR%20NOT", "q=%5C%5C%5B", "q=\u{0}"] {
        let r = app.get(&format!("/v1/search?{odd}")).await;
        assert!(r.status() == StatusCode::OK || r.status() == StatusCode::BAD_REQUEST, "{odd}: {}", r.status());
    }
}

#[tokio::test]
async fn only_current_revisions_unless_history_is_asked_for() {
    let app = samples().await;
    // DE's revision 2 dropped "Spam".
    let current = search(app, &format!("{}&state=DE&field=term", q("Spam"))).await;
    assert!(!terms(&current).iter().any(|t| t == "Spam"), "{current}");
    let history = search(app, &format!("{}&state=DE&field=term&all_revisions=true", q("Spam"))).await;
    assert!(terms(&history).iter().any(|t| t == "Spam"), "{history}");
    assert!(
        history["hits"].as_array().unwrap().iter().all(|h| h["entry"]["revision"] == 1 || h["entry"]["term"] != "Spam")
    );
}

#[tokio::test]
async fn a_list_is_searchable_as_soon_as_it_is_acknowledged() {
    let app = spawn_app().await;
    let before = search(&app, &q("zyxwvut")).await;
    assert_eq!(before["total"], 0);
    app.submit("SE", &english_list(2021, &["zyxwvut protocol"])).await;
    let after = search(&app, &q("zyxwvut")).await;
    assert_eq!(terms(&after), vec!["zyxwvut protocol"]);
    // A new revision replaces the old one in default searches.
    app.submit("SE", &english_list(2021, &["zyxwvut gateway"])).await;
    assert_eq!(terms(&search(&app, &q("zyxwvut")).await), vec!["zyxwvut gateway"]);
    assert_eq!(search(&app, &format!("{}&all_revisions=true", q("zyxwvut"))).await["total"], 2);
}

#[tokio::test]
async fn every_word_is_required_and_most_words_only_when_no_entry_has_them_all() {
    let app = samples().await;
    let all = search(app, &q("critical infrastructure security")).await;
    assert_eq!(all["relaxed"], false, "{all}");
    assert!(all["total"].as_u64().unwrap() > 0, "{all}");
    // A nonsense third word: nothing has all three, so two in three will do.
    let most = search(app, &q("critical infrastructure qqzzkkx")).await;
    assert_eq!(most["relaxed"], true, "{most}");
    assert!(terms(&most).iter().any(|t| t.eq_ignore_ascii_case("critical infrastructure")), "{most}");
    // Two words are never relaxed: one that matches nothing, even fuzzily, means no match.
    let two = search(app, &format!("{}&field=definition", q("infrastructure qqzzkkx"))).await;
    assert_eq!((two["total"].as_u64(), two["relaxed"].as_bool()), (Some(0), Some(false)), "{two}");
}

#[tokio::test]
async fn a_known_word_is_taken_as_typed_and_an_unknown_one_as_a_typo() {
    let app = samples().await;
    // "malware" is a word the lists use: no fuzzy neighbours of it are added
    // (the entries bridged through the table of equivalents aside).
    let exact = search(app, &format!("{}&field=term&fuzzy=2", q("malware"))).await;
    let hits = exact["hits"].as_array().unwrap();
    assert!(!hits.is_empty(), "{exact}");
    assert!(
        hits.iter().filter(|h| h.get("bridged_by").is_none()).all(|h| ["term", "term_en"]
            .iter()
            .any(|f| h["entry"][f].as_str().is_some_and(|t| t.to_lowercase().contains("malware")))),
        "{exact}"
    );
    // "malwarre" is not: it stands for the known words within its edits.
    let typo = search(app, &format!("{}&field=term&fuzzy=1", q("malwarre"))).await;
    assert!(terms(&typo).iter().any(|t| t.eq_ignore_ascii_case("malware")), "{typo}");
}

#[tokio::test]
async fn pages_cover_every_match_once_in_tiers_with_falling_scores() {
    let app = samples().await;
    for query in [q("attack"), q("cyber security"), q("\"critical infrastructure\""), q("secur"), q("malwear")] {
        let all = search(app, &format!("{query}&limit=200")).await;
        let total = all["total"].as_u64().unwrap() as usize;
        assert!(total > 0, "{query}");
        // Page by page, the same entries as one long page, none twice.
        let mut paged: Vec<String> = Vec::new();
        let mut offset = 0;
        while offset < total.min(200) {
            let page = search(app, &format!("{query}&limit=7&offset={offset}")).await;
            assert_eq!(page["total"].as_u64().unwrap() as usize, total, "{query}: total is the same on every page");
            let ids: Vec<String> = page["hits"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["entry"]["id"].as_str().unwrap().to_owned())
                .collect();
            assert!(!ids.is_empty(), "{query}: page at {offset} of {total} is empty");
            paged.extend(ids);
            offset += 7;
        }
        let long: Vec<String> =
            all["hits"].as_array().unwrap().iter().map(|h| h["entry"]["id"].as_str().unwrap().to_owned()).collect();
        assert_eq!(long.len(), total.min(200), "{query}: a long page holds every match");
        let mut unique = paged.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), paged.len(), "{query}: an entry on two pages");
        let mut long_sorted = long.clone();
        long_sorted.sort();
        assert_eq!(unique, long_sorted, "{query}: pages and the long page hold the same entries");
        // Scores fall down the page.
        let scores: Vec<f64> = all["hits"].as_array().unwrap().iter().map(|h| h["score"].as_f64().unwrap()).collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{query}: scores rise somewhere: {scores:?}");
    }
}

#[tokio::test]
async fn entries_whose_terms_hold_every_word_come_before_definition_mentions() {
    let app = samples().await;
    let body = search(app, &format!("{}&limit=200", q("security incident"))).await;
    let in_term = |h: &Value| {
        let e = &h["entry"];
        let text = format!("{} {}", e["term"], e["term_en"]).to_lowercase();
        (text.contains("secur") || text.contains("sécurité") || text.contains("sicherheit"))
            && (text.contains("incident") || text.contains("vorfall"))
    };
    let hits = body["hits"].as_array().unwrap();
    let first_other = hits.iter().position(|h| !in_term(h)).unwrap_or(hits.len());
    assert!(first_other > 0, "some term holds both words: {:?}", terms(&body));
    assert!(hits.len() > first_other, "some entries have the words in their definitions only");
    assert!(
        hits[first_other..].iter().all(|h| !in_term(h)),
        "a term match after a definition match: {:?}",
        terms(&body)
    );
}

/// The ids and scores of a page.
fn ids_and_scores(body: &Value) -> Vec<(String, f64)> {
    body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["entry"]["id"].as_str().unwrap().to_owned(), h["score"].as_f64().unwrap()))
        .collect()
}

#[tokio::test]
async fn scores_and_order_do_not_depend_on_the_page_size() {
    let app = samples().await;
    const K: usize = 12;
    for query in [
        q("critcal infrastucture"),
        q("cyber security"),
        q("\"critical infrastructure\""),
        q("malwear"),
        q("attack"),
        q("Sicherheitslücken"),
        q("фишинг"),
    ] {
        let one = ids_and_scores(&search(app, &format!("{query}&limit={K}")).await);
        assert!(one.len() >= 2, "{query}: {one:?}");
        assert!(one.windows(2).all(|w| w[0].1 >= w[1].1), "{query}: scores rise somewhere: {one:?}");
        for size in 1..=K {
            let mut paged: Vec<(String, f64)> = Vec::new();
            let mut offset = 0;
            while offset < one.len() {
                let page = ids_and_scores(&search(app, &format!("{query}&limit={size}&offset={offset}")).await);
                assert!(!page.is_empty(), "{query}: page of {size} at {offset} is empty");
                paged.extend(page);
                offset += size;
            }
            paged.truncate(one.len());
            let ids = |v: &[(String, f64)]| v.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>();
            assert_eq!(ids(&paged), ids(&one), "{query}: pages of {size} hold other entries or another order");
            for ((id, a), (_, b)) in paged.iter().zip(&one) {
                assert!((a - b).abs() < 1e-5, "{query}: {id} scores {a} on pages of {size}, {b} on one page");
            }
        }
    }
}

/// Whether a hit's term, English term or a synonym holds `needle` (lower case).
fn named(h: &Value, needle: &str) -> bool {
    let e = &h["entry"];
    let mut names = vec![e["term"].as_str(), e["term_en"].as_str()];
    names.extend(e["synonyms"].as_array().into_iter().flatten().map(|s| s.as_str()));
    names.into_iter().flatten().any(|n| n.to_lowercase().contains(needle))
}

#[tokio::test]
async fn an_inflected_or_misspelt_term_ranks_its_entry_above_definition_mentions() {
    let app = samples().await;
    // DE's "Sicherheitslücke"; "Sicherheitslücken" is in the definitions of
    // DE's "Patch" and AT's "Computerwurm".
    for query in ["Sicherheitslücken", "Sicherheitslücek", "sicherheitsluecke"] {
        let body = search(app, &format!("{}&limit=50", q(query))).await;
        let hits = body["hits"].as_array().unwrap();
        let term = hits.iter().position(|h| h["entry"]["term"] == "Sicherheitslücke");
        let term = term.unwrap_or_else(|| panic!("{query}: no Sicherheitslücke: {:?}", terms(&body)));
        let mentions: Vec<usize> = (0..hits.len()).filter(|&i| !named(&hits[i], "sicherheitsl")).collect();
        if query == "Sicherheitslücken" {
            assert!(!mentions.is_empty(), "{query}: no definition mentions: {:?}", terms(&body));
        }
        for i in mentions {
            assert!(term < i, "{query}: {} ranks above the term: {:?}", hits[i]["entry"]["term"], terms(&body));
            assert!(
                hits[term]["score"].as_f64() > hits[i]["score"].as_f64(),
                "{query}: the term and {} score alike: {body}",
                hits[i]["entry"]["term"]
            );
        }
    }
}

#[tokio::test]
async fn a_term_in_any_language_finds_the_same_notion_in_other_languages() {
    let app = samples().await;
    for (query, language, english) in
        [("Schwachstelle", "de", "vulnerability"), ("фишинг", "ru", "phishing"), ("hameçonnage", "fr", "phishing")]
    {
        let body = search(app, &format!("{}&limit=10", q(query))).await;
        let hits = body["hits"].as_array().unwrap();
        let across: Vec<&Value> =
            hits.iter().filter(|h| h["entry"]["language"] != language && named(h, english)).collect();
        assert!(across.len() >= 3, "{query}: too few entries of other languages for {english}: {body}");
        let languages: std::collections::BTreeSet<&str> =
            across.iter().map(|h| h["entry"]["language"].as_str().unwrap()).collect();
        assert!(languages.len() >= 2, "{query}: {languages:?}");
        // Each says which words bridged it: the translation, marked in its term or English term.
        for h in &across {
            let marked = ["term", "term_en"]
                .iter()
                .filter_map(|f| h["highlights"][f].as_str())
                .any(|m| m.to_lowercase().contains(&format!("<b>{english}</b>")));
            assert!(marked, "{query}: {} does not show the bridge: {}", h["entry"]["term"], h["highlights"]);
        }
        // The query's own entries first, then the bridged ones, then mentions.
        let wide = search(app, &format!("{}&limit=100", q(query))).await;
        let hits = wide["hits"].as_array().unwrap();
        let is = |h: &Value, name: &str| {
            ["term", "term_en"].iter().any(|f| h["entry"][f].as_str().is_some_and(|t| t.to_lowercase() == name))
        };
        // Bridged: through the translation, or an equivalent of the table's
        // ("security vulnerability").
        let rank = |h: &Value| {
            if is(h, &query.to_lowercase()) && h["entry"]["language"] == language {
                0
            } else if is(h, english) || h.get("bridged_by").is_some() {
                1
            } else {
                2
            }
        };
        let ranks: Vec<u8> = hits.iter().map(rank).collect();
        assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{query}: {ranks:?} {:?}", terms(&wide));
    }
    // A language filter keeps what is bridged, not what it is bridged from.
    let fr = search(app, &format!("{}&language=fr", q("Schwachstelle"))).await;
    assert!(terms(&fr).contains(&"vulnérabilité".to_owned()), "{fr}");
    assert!(fr["hits"].as_array().unwrap().iter().all(|h| h["entry"]["language"] == "fr"), "{fr}");
    // A misspelt term bridges as well.
    let typo = search(app, &format!("{}&limit=10", q("Schwachstele"))).await;
    assert!(
        typo["hits"].as_array().unwrap().iter().any(|h| h["entry"]["language"] == "en" && named(h, "vulnerability")),
        "{typo}"
    );
}

#[tokio::test]
async fn the_table_of_equivalents_bridges_a_query_to_the_notions_other_names() {
    let app = samples().await;
    // No entry is named "DoS": its expansion's entries come first, and say so.
    let body = search(app, &format!("{}&limit=10", q("DoS"))).await;
    let hits = body["hits"].as_array().unwrap();
    assert!(hits.len() >= 4, "{body}");
    for h in &hits[..4] {
        assert!(named(h, "denial of service") && !named(h, "distributed"), "DoS: {:?}", terms(&body));
        assert_eq!(h["bridged_by"], "denial of service", "{h}");
    }
    // "malware": its own entries first (and those translated so), then those
    // bridged through the table ("malicious software", "malicious code",
    // their translations), before any mention.
    let body = search(app, &format!("{}&limit=100", q("malware"))).await;
    let hits = body["hits"].as_array().unwrap();
    let own = |h: &Value| {
        ["term", "term_en"].iter().any(|f| h["entry"][f].as_str().is_some_and(|t| t.to_lowercase() == "malware"))
    };
    let rank = |h: &Value| {
        if own(h) {
            0
        } else if h.get("bridged_by").is_some() {
            1
        } else {
            2
        }
    };
    let ranks: Vec<u8> = hits.iter().map(rank).collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "malware: {ranks:?} {:?}", terms(&body));
    let bridged: Vec<&Value> = hits.iter().filter(|h| rank(h) == 1).collect();
    let equivalent = bridged.iter().filter(|h| named(h, "malicious software") || named(h, "malicious code")).count();
    assert!(equivalent >= 6, "malware: {:?}", terms(&body));
    // A query outside the table bridges nothing.
    let body = search(app, &format!("{}&limit=10", q("phishing"))).await;
    assert!(body["hits"].as_array().unwrap().iter().all(|h| h.get("bridged_by").is_none()), "{body}");
}
