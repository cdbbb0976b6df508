//! `/v1/glossary`: the published consensus glossary, now or as it stood at
//! any past moment.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::Reader;
use super::extract::Params;
use super::problem::{AppResult, Problem};
use super::proposals::{ProvenanceView, StatementView, TranslationView, statements};
use super::{AppState, blocking};
use crate::clock;
use crate::domain::proposal::Stance;
use crate::error::Error;
use crate::service::consensus::glossary::{GlossaryEntry, GlossaryFilter, parse_as_of};
use crate::service::{ExportFormat, Payload};

/// Where an agreed entry comes from.
#[derive(Debug, Serialize, ToSchema)]
pub struct GlossaryProvenance {
    /// The national entries it reconciles, with their States and terms.
    pub entries: Vec<ProvenanceView>,
    pub cluster_id: Option<String>,
}

/// One agreed entry in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct GlossaryEntryView {
    /// Stable: the id of the proposal that was agreed.
    #[schema(example = "1")]
    pub id: String,
    pub term: String,
    pub definition: String,
    pub language: String,
    pub translations: BTreeMap<String, TranslationView>,
    /// The version that was agreed.
    pub version: u32,
    pub agreed_at: String,
    /// The States that supported it in the round that agreed it.
    pub supporting_states: Vec<String>,
    pub abstaining_states: Vec<String>,
    /// Interpretative statements of States, published with the entry.
    pub statements: Vec<StatementView>,
    pub provenance: GlossaryProvenance,
    /// The entries it superseded.
    pub supersedes: Vec<String>,
    /// Its whole history: versions, positions, comments, status changes.
    #[schema(example = "/v1/proposals/1")]
    pub history: String,
}

impl From<GlossaryEntry> for GlossaryEntryView {
    fn from(e: GlossaryEntry) -> Self {
        let p = e.proposal;
        let with = |stance: Stance| -> Vec<String> {
            p.positions.values().filter(|r| r.position == stance).map(|r| r.state.clone()).collect()
        };
        Self {
            id: p.id.to_string(),
            term: p.text.term.clone(),
            definition: p.text.definition.clone(),
            language: p.text.language.clone(),
            translations: p
                .text
                .translations
                .iter()
                .map(|(l, t)| (l.clone(), TranslationView { term: t.term.clone(), definition: t.definition.clone() }))
                .collect(),
            version: p.version,
            agreed_at: p.agreed_at.map(crate::clock::format).unwrap_or_default(),
            supporting_states: with(Stance::Support),
            abstaining_states: with(Stance::Abstain),
            statements: statements(&p),
            provenance: GlossaryProvenance {
                entries: e.provenance.into_iter().map(ProvenanceView::from).collect(),
                cluster_id: p.text.cluster_id.clone(),
            },
            supersedes: p.replaced.iter().map(u64::to_string).collect(),
            history: format!("/v1/proposals/{}", p.id),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GlossaryView {
    /// The moment this glossary is of (now, unless `as_of` was given).
    pub as_of: String,
    pub total: usize,
    pub limit: usize,
    pub offset: usize,
    /// By English term.
    pub entries: Vec<GlossaryEntryView>,
}

/// The agreed entries in force, with their statements, supporting States and
/// provenance; `as_of` gives the glossary as it stood then (an entry agreed
/// later is absent, one superseded later is present). `language` and `q`
/// narrow it (both when both are given); `total` counts what passes.
#[utoipa::path(get, path = "/v1/glossary", tag = "glossary",
    params(
        ("as_of" = Option<String>, Query,
            description = "An RFC 3339 time, or a date (the glossary at the end of that day, UTC)"),
        ("language" = Option<String>, Query,
            description = "Only entries with a term in this language (BCP 47 primary tag): the consensus language or a translation's"),
        ("q" = Option<String>, Query,
            description = "Only entries whose term, definition or translations hold every word of this text, case, accents and dashes aside (a part of a word matches: `secur` finds `Sécurité`)"),
        ("limit" = Option<usize>, Query, description = "At most 200; default 20"),
        ("offset" = Option<usize>, Query),
    ),
    responses((status = 200, body = GlossaryView), (status = 400, body = Problem)))]
pub async fn get_glossary(
    State(app): State<AppState>,
    Reader(reader): Reader,
    params: Params,
) -> AppResult<Json<GlossaryView>> {
    let (offset, limit) = params.page()?;
    let as_of = as_of_param(&params)?;
    let filter = GlossaryFilter::new(params.language("language")?, params.get("q"));
    let g = app.glossary.clone();
    let page = blocking(move || g.glossary_matching(&reader, as_of, &filter, offset, limit)).await?;
    Ok(Json(GlossaryView {
        as_of: clock::format(page.as_of),
        total: page.total,
        limit,
        offset,
        entries: page.entries.into_iter().map(GlossaryEntryView::from).collect(),
    }))
}

/// The glossary in force (or as it stood at `as_of`) as a file: TBX v3
/// TBX-Basic (each agreed entry one concept: the consensus term preferred with
/// its definition and translations, the national terms it reconciles admitted
/// with their State in a note, supporting States and interpretative statements
/// as notes); CSV (one row per agreed entry); or JSON (the glossary view of
/// every agreed entry, as `GET /v1/glossary` gives it page by page); `tbx2`
/// is TBX v2 (martif).
///
/// `jsonld` and `ttl` give it as SKOS linked data (JSON-LD with an
/// `@context`, or Turtle): a `skos:ConceptScheme`
/// (`urn:consensus-glossary:glossary`) whose concepts are the entries agreed
/// by then, each with a stable URI `urn:consensus-glossary:glossary:{id}`
/// (the agreed proposal's id), `skos:prefLabel` and `skos:definition` per
/// language, `dct:created`, `dct:dateAccepted` and `dct:modified`
/// (`xsd:dateTime`), `skos:closeMatch` to each national entry it reconciles
/// (`urn:consensus-glossary:entry:{entry id}`, with its State as
/// `dct:publisher`, `urn:consensus-glossary:state:{code}`); entries
/// superseded by then are there too, with `owl:deprecated true` and
/// `dct:isReplacedBy` their successor.
#[utoipa::path(get, path = "/v1/glossary/export", tag = "glossary",
    params(
        ("format" = Option<crate::http::openapi::GlossaryFileFormat>, Query, description = "The file's format (default: tbx)"),
        ("as_of" = Option<String>, Query, description = "An RFC 3339 time, or a date (end of that day, UTC)"),
        ("bom" = Option<bool>, Query, description = "CSV only: start with a UTF-8 byte order mark"),
    ),
    responses(
        (status = 200, description = "The glossary as a file (`Content-Disposition: attachment`)", content(
            (String = "application/x-tbx+xml"),
            (String = "text/csv"),
            (GlossaryView = "application/json"),
            (serde_json::Value = "application/ld+json"),
            (String = "text/turtle"),
        )),
        (status = 400, body = Problem, description = "An unknown format or a bad `as_of`"),
    ))]
pub async fn export_glossary(
    State(app): State<AppState>,
    Reader(reader): Reader,
    params: Params,
) -> AppResult<axum::response::Response> {
    if let Some(syntax) = params.get("format").and_then(crate::formats::skos::Syntax::parse) {
        return export_linked_data(app, reader, &params, syntax).await;
    }
    let raw = params.get("format").unwrap_or("tbx");
    let format = ExportFormat::parse(raw, params.bool("bom")?).ok_or_else(|| {
        Error::bad_param(
            "format",
            format!("format must be tbx, tbx2, csv, json, jsonld or ttl, not '{}'", crate::domain::codes::clip(raw)),
        )
    })?;
    let as_of = as_of_param(&params)?;
    let g = app.glossary.clone();
    let file = blocking(move || {
        let name = format!("consensus-glossary.{}", format.extension());
        let file = match format {
            ExportFormat::Json => {
                let page = g.glossary(&reader, as_of, 0, usize::MAX)?;
                let total = page.total;
                let view = GlossaryView {
                    as_of: clock::format(page.as_of),
                    total,
                    limit: total,
                    offset: 0,
                    entries: page.entries.into_iter().map(GlossaryEntryView::from).collect(),
                };
                let mut body = serde_json::to_vec_pretty(&view)?;
                body.push(b'\n');
                crate::service::Download { media: format.media(), file_name: name, body: Payload::Whole(body) }
            }
            ExportFormat::Csv { bom } => {
                let table = g.glossary_table(&reader, as_of)?;
                let body = crate::formats::csv::write_table(&table.header, &table.rows, bom)?;
                crate::service::Download { media: format.media(), file_name: name, body: Payload::Whole(body) }
            }
            _ => {
                let mut file = format.write(&g.glossary_document(&reader, as_of)?)?;
                file.file_name = name;
                file
            }
        };
        Ok(file)
    })
    .await?;
    super::submissions::download(file).await
}

/// The glossary as SKOS, in `syntax`.
async fn export_linked_data(
    app: AppState,
    reader: crate::domain::Actor,
    params: &Params,
    syntax: crate::formats::skos::Syntax,
) -> AppResult<axum::response::Response> {
    let as_of = as_of_param(params)?;
    let g = app.glossary.clone();
    let file = blocking(move || g.glossary_linked_data(&reader, as_of, syntax)).await?;
    super::submissions::download(file).await
}

/// The `as_of` parameter: an RFC 3339 time, or a date meaning the end of that day.
fn as_of_param(params: &Params) -> Result<Option<time::OffsetDateTime>, Error> {
    params
        .get("as_of")
        .map(|raw| {
            parse_as_of(raw)
                .ok_or_else(|| Error::bad_param("as_of", "as_of must be an RFC 3339 time or a date (YYYY-MM-DD)"))
        })
        .transpose()
}
