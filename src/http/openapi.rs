//! The OpenAPI document: assembled from the routes themselves (see
//! `router`), so the document and the code cannot drift; the committed copy
//! `openapi/openapi.json` is compared with it by a test.

use serde::{Deserialize, Serialize};
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{AnyOfBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{Modify, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "consensus-glossary",
        description = "National ICT-security terminology lists of OSCE participating States (CBM 9), \
            multilingual search, comparison, clustering and a consensus glossary.\n\n\
            Errors are RFC 9457 problem+json. Reads are open on the local demo; writes need \
            `Authorization: Bearer <token>`.",
        license(name = "Apache-2.0"),
    ),
    modifiers(&BearerAuth),
    components(schemas(ListFileFormat, GlossaryFileFormat)),
    tags(
        (name = "service", description = "Health and documentation"),
        (name = "states", description = "Parties that submit national lists"),
        (name = "national lists", description = "Submissions (with revisions) and their entries"),
        (name = "search", description = "Multilingual full-text and fuzzy search"),
        (name = "compare", description = "National definitions side by side, and coverage"),
        (name = "clusters", description = "Near-equivalent entries of different States, and editors' decisions"),
        (name = "consensus", description = "Proposals: versions (ETag / If-Match), review with a silence period, \
            States' positions and statements, approval, rejection, withdrawal, comments"),
        (name = "glossary", description = "The published consensus glossary, now or as of a past date"),
        (name = "audit and access", description = "Audit log and tokens"),
        (name = "inquiries", description = "A State's questions to another about its entries and lists"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A token minted by `glossary token create` or POST /v1/tokens".to_owned()))
                    .build(),
            ),
        );
    }
}

/// A national list as JSON (the body of POST /v1/states/{state}/submissions).
#[allow(dead_code)]
#[derive(Debug, Deserialize, ToSchema)]
pub struct ListBody {
    /// The State the list belongs to (exports name it; a submission takes the
    /// State from its path).
    #[schema(example = "DE")]
    pub state: Option<String>,
    #[schema(example = 2014)]
    pub year: i32,
    /// BCP 47 primary language tag of the list.
    #[schema(example = "de")]
    pub language: String,
    /// Who may read the list: public (anyone), participating_states (any
    /// participating State's delegate, readers, editors, admins) or
    /// restricted (its own State, editors, admins). Default: the server's.
    #[schema(example = "participating_states")]
    pub distribution: Option<String>,
    pub entries: Vec<EntryInput>,
}

/// One entry of a national list as submitted.
#[allow(dead_code)]
#[derive(Debug, Deserialize, ToSchema)]
pub struct EntryInput {
    /// At most 256 characters.
    #[schema(example = "Cyberangriff")]
    pub term: String,
    /// At most 8 000 characters.
    pub definition: String,
    /// Required when the list is not in English.
    #[schema(example = "cyber attack")]
    pub term_en: Option<String>,
    /// Required when the list is not in English.
    pub definition_en: Option<String>,
    pub source: Option<String>,
    pub note: Option<String>,
    pub domains: Option<Vec<String>>,
    /// Other terms of the list's language for the same concept (at most 50);
    /// searchable like the term.
    pub synonyms: Option<Vec<String>>,
    /// preferred, admitted, deprecated or superseded (TBX administrativeStatus).
    pub administrative_status: Option<String>,
    /// Data categories without a field of their own: `"{scope}/{element}[/{type}]"`
    /// → text. Scopes: concept, lang, term, lang_en, term_en; elements: descrip,
    /// admin, termNote, note, ref, xref, transac, transacNote, date.
    #[schema(example = json!({"term/termNote/partOfSpeech": "noun"}))]
    pub extra: Option<std::collections::BTreeMap<String, String>>,
}

/// The JSON a submission's `GET` answers: without `format`, the view with ids
/// and entries (`SubmissionDetail`); with `format=json`, the list as the body
/// a submission takes (`ListBody`). One media type, so the document says both.
pub struct SubmissionJson;

impl utoipa::PartialSchema for SubmissionJson {
    fn schema() -> RefOr<Schema> {
        AnyOfBuilder::new()
            .item(Ref::from_schema_name("SubmissionDetail"))
            .item(Ref::from_schema_name("ListBody"))
            .description(Some(
                "Without `format`: the list with its ids and entries (SubmissionDetail). With `format=json`: \
                 the list as the body a submission takes (ListBody)",
            ))
            .into()
    }
}

impl ToSchema for SubmissionJson {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        use utoipa::PartialSchema;
        for (name, schema) in
            [("SubmissionDetail", super::submissions::SubmissionDetail::schema()), ("ListBody", ListBody::schema())]
        {
            schemas.push((name.to_owned(), schema));
        }
        <super::submissions::SubmissionDetail as ToSchema>::schemas(schemas);
        <ListBody as ToSchema>::schemas(schemas);
    }
}

/// The formats a national list downloads in (`GET /v1/submissions/{id}?format=`).
#[allow(dead_code)]
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ListFileFormat {
    /// The JSON body a submission takes.
    Json,
    /// The CSV a submission takes (RFC 4180, a header row).
    Csv,
    /// TBX v3 (ISO 30042:2019), TBX-Basic when every data category fits it.
    Tbx,
    /// TBX v2 (ISO 30042:2008, `<martif>`), as translate-toolkit reads it.
    Tbx2,
}

/// The formats the glossary downloads in (`GET /v1/glossary/export?format=`).
#[allow(dead_code)]
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum GlossaryFileFormat {
    /// TBX v3 (ISO 30042:2019), TBX-Basic.
    Tbx,
    /// TBX v2 (ISO 30042:2008, `<martif>`), as translate-toolkit reads it.
    Tbx2,
    /// One row per agreed entry with its translations, States and provenance.
    Csv,
    /// The glossary view of every agreed entry (`GlossaryView`).
    Json,
    /// SKOS as JSON-LD (`application/ld+json`).
    Jsonld,
    /// SKOS as Turtle (`text/turtle`).
    Ttl,
}

/// The media types a national list may be submitted in, besides JSON.
pub const CSV_TYPES: [&str; 2] = ["text/csv", "application/csv"];
pub const TBX_TYPES: [&str; 4] = ["application/x-tbx+xml", "application/tbx+xml", "application/xml", "text/xml"];

/// Finishes the document the routes make: every response gets a description
/// (its status's reason phrase when the handler gave none); errors are
/// `application/problem+json`, which is what the server sends; and every
/// operation says that any other status is a problem too (an unknown route,
/// a method not allowed, a body over the limit, a server fault).
pub fn finish(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    for item in api.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ]
        .into_iter()
        .flatten()
        {
            if let Some(RefOr::T(body)) = &mut op.request_body {
                for (media, content) in body.content.iter_mut() {
                    if let RefOr::T(content) = content {
                        binary_unless_json(media, content);
                    }
                }
            }
            for (status, response) in op.responses.responses.iter_mut() {
                let RefOr::T(response) = response else { continue };
                for (media, content) in response.content.iter_mut() {
                    if let RefOr::T(content) = content {
                        binary_unless_json(media, content);
                    }
                }
                if response.description.is_empty() {
                    response.description = reason(status).to_owned();
                }
                if let Some(content) = response.content.shift_remove("application/json") {
                    let is_problem = matches!(&content, RefOr::T(c)
                        if matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Problem")));
                    let key = if is_problem { PROBLEM } else { "application/json" };
                    let mut rest = std::mem::take(&mut response.content);
                    response.content.insert(key.to_owned(), content);
                    response.content.append(&mut rest);
                }
            }
            op.responses.responses.entry("default".to_owned()).or_insert_with(|| {
                RefOr::T(
                    ResponseBuilder::new()
                        .description("Any other error (an unknown route, a method not allowed, a body over the limit, a server fault)")
                        .content(PROBLEM, ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build())
                        .build(),
                )
            });
        }
    }
    api
}

const PROBLEM: &str = "application/problem+json";

/// A file (CSV, TBX, JSON lines) is bytes to a client: `format: binary` is
/// what client generators read as "a file" in any media type.
fn binary_unless_json(media: &str, content: &mut utoipa::openapi::Content) {
    if media.ends_with("json") && media != "application/x-ndjson" {
        return;
    }
    if let Some(RefOr::T(Schema::Object(object))) = &content.schema
        && object.format.is_none()
        && matches!(&object.schema_type, SchemaType::Type(Type::String))
    {
        content.schema = Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
                .build()
                .into(),
        );
    }
}

fn reason(status: &str) -> &'static str {
    status
        .parse::<u16>()
        .ok()
        .and_then(|s| axum::http::StatusCode::from_u16(s).ok())
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Response")
}
