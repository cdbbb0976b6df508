//! The OpenAPI document: assembled from the routes themselves (see
//! `router`), so the document and the code cannot drift; the committed copy
//! `openapi/openapi.json` is compared with it by a test.

use serde::Deserialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
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
