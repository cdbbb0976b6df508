//! Proposals: consensus entries in the making, and the rules of their life.
//!
//! ```text
//! draft ──submit──► under_review ──approve──► agreed ──(a newer one agreed)──► superseded
//!   │                 │  ▲   │
//!   │                 │  └───┘ edit (new version: silence restarts, positions reset)
//!   │                 ├──reject──► rejected
//!   └──withdraw──►  withdrawn ◄──withdraw──┘
//! ```
//!
//! OSCE agrees by consensus: a text is agreed when no participating State
//! objects. So approval needs the silence period to have passed and no
//! standing objection; support is welcome but not required.
//!
//! **Same notion.** A newly agreed proposal supersedes every agreed entry in
//! force whose English term has the same matching key ([`normalize::key`]:
//! "Cyber-Attack" and "cyber attack" are one notion), and also the one it names
//! in `supersedes` (which lets a notion be renamed). So the glossary never holds
//! two entries in force with the same English term.
//!
//! This module knows nothing of storage or HTTP: it answers "may this happen?"
//! and "is this text acceptable?".

use std::collections::BTreeMap;
use std::fmt;

use time::OffsetDateTime;

use super::codes::{LanguageTag, StateCode};
use super::entry::{MAX_DEFINITION_CHARS, MAX_NOTE_CHARS, MAX_TERM_CHARS, RowError, optional_text, required_text};
use super::normalize;

/// The official OSCE languages besides English, into which a proposal may be translated.
pub const TRANSLATION_LANGUAGES: [&str; 5] = ["fr", "de", "it", "ru", "es"];
pub const MAX_ENTRY_IDS: usize = 500;
pub const MAX_CLUSTER_ID_CHARS: usize = 100;
pub const MAX_RATIONALE_CHARS: usize = MAX_DEFINITION_CHARS;
pub const MAX_REASON_CHARS: usize = MAX_NOTE_CHARS;
pub const MAX_STATEMENT_CHARS: usize = MAX_DEFINITION_CHARS;
pub const MAX_COMMENT_CHARS: usize = MAX_DEFINITION_CHARS;

// ---- Statuses and transitions ----

/// Where a proposal is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Draft,
    UnderReview,
    Agreed,
    Rejected,
    Withdrawn,
    Superseded,
}

impl Status {
    pub const ALL: [Status; 6] =
        [Self::Draft, Self::UnderReview, Self::Agreed, Self::Rejected, Self::Withdrawn, Self::Superseded];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::UnderReview => "under_review",
            Self::Agreed => "agreed",
            Self::Rejected => "rejected",
            Self::Withdrawn => "withdrawn",
            Self::Superseded => "superseded",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw.trim()).ok_or_else(|| {
            format!(
                "'{}' is not a proposal status: {}",
                super::codes::clip(raw),
                Self::ALL.map(Self::as_str).join(", ")
            )
        })
    }

    /// What may be done in this status, and the status it leads to.
    fn moves(self) -> &'static [(Action, Status)] {
        use Action as A;
        use Status as S;
        match self {
            S::Draft => &[(A::Edit, S::Draft), (A::Submit, S::UnderReview), (A::Withdraw, S::Withdrawn)],
            S::UnderReview => &[
                (A::Edit, S::UnderReview),
                (A::Position, S::UnderReview),
                (A::Approve, S::Agreed),
                (A::Reject, S::Rejected),
                (A::Withdraw, S::Withdrawn),
            ],
            S::Agreed => &[(A::Supersede, S::Superseded)],
            S::Rejected | S::Withdrawn | S::Superseded => &[],
        }
    }

    /// The statuses this one may move to (not counting itself).
    pub fn next_statuses(self) -> Vec<Status> {
        let mut out: Vec<Status> = Vec::new();
        for (_, to) in self.moves() {
            if *to != self && !out.contains(to) {
                out.push(*to);
            }
        }
        out
    }

    /// The actions a caller may take in this status (supersession is not one:
    /// it follows from approving another proposal).
    pub fn allowed_actions(self) -> Vec<Action> {
        self.moves().iter().map(|(a, _)| *a).filter(|a| *a != Action::Supersede).collect()
    }

    /// The status `action` leads to, or why it may not happen now.
    pub fn apply(self, action: Action) -> Result<Status, TransitionError> {
        self.moves()
            .iter()
            .find(|(a, _)| *a == action)
            .map(|(_, to)| *to)
            .ok_or(TransitionError { current: self, action })
    }

    pub fn is_terminal(self) -> bool {
        self.moves().is_empty()
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Stored as its name (`"under_review"`), the string records held before the
/// field was typed, so they decode unchanged.
impl serde::Serialize for Status {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Status {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// Something done to a proposal that its status must allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// A new version of the text.
    Edit,
    /// Put it under review: the silence period starts.
    Submit,
    /// A State records support, abstention or objection.
    Position,
    Approve,
    Reject,
    Withdraw,
    /// A newer proposal for the same notion was agreed.
    Supersede,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Edit => "edit",
            Self::Submit => "submit",
            Self::Position => "position",
            Self::Approve => "approve",
            Self::Reject => "reject",
            Self::Withdraw => "withdraw",
            Self::Supersede => "supersede",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The actions that close a proposal for good, with a reason: rejection (by
/// an editor, under review) and withdrawal (by its proposer or an editor, in
/// draft or under review). Approval closes nothing: the entry goes on living
/// in the glossary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Closing {
    Reject,
    Withdraw,
}

impl From<Closing> for Action {
    fn from(c: Closing) -> Self {
        match c {
            Closing::Reject => Action::Reject,
            Closing::Withdraw => Action::Withdraw,
        }
    }
}

/// An action the current status does not allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionError {
    pub current: Status,
    pub action: Action,
}

impl TransitionError {
    pub fn allowed(&self) -> Vec<Status> {
        self.current.next_statuses()
    }

    pub fn allowed_actions(&self) -> Vec<Action> {
        self.current.allowed_actions()
    }
}

impl fmt::Display for TransitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |items: Vec<&str>| if items.is_empty() { "none".to_owned() } else { items.join(", ") };
        write!(
            f,
            "the proposal is {}: '{}' is not possible in that status (it may move to: {}; actions allowed: {})",
            self.current,
            self.action,
            join(self.allowed().into_iter().map(Status::as_str).collect()),
            join(self.allowed_actions().into_iter().map(Action::as_str).collect()),
        )
    }
}

// ---- The text of a proposal ----

/// A translation as it arrived.
#[derive(Debug, Clone, Default)]
pub struct TranslationDraft {
    pub term: Option<String>,
    pub definition: Option<String>,
}

/// A proposal's text as it arrived, before any rule is checked.
#[derive(Debug, Clone, Default)]
pub struct ProposalDraft {
    pub term: Option<String>,
    pub definition: Option<String>,
    /// Must be English (the default when absent): the base of every consensus entry.
    pub language: Option<String>,
    pub translations: BTreeMap<String, TranslationDraft>,
    /// `None` when the request did not name them (an edit then keeps the
    /// current version's); `Some(vec![])` names none.
    pub entry_ids: Option<Vec<String>>,
    pub cluster_id: Option<String>,
    pub rationale: Option<String>,
    pub supersedes: Option<String>,
}

/// A translation that met the rules (NFC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translation {
    pub term: String,
    pub definition: String,
}

/// One version's text that met every rule: NFC, English base, keys computed.
/// Entry ids are well-formed and distinct; whether they exist is the store's
/// to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalText {
    pub term: String,
    /// The matching key of the English term: what "the same notion" means.
    pub term_key: String,
    pub definition: String,
    pub language: LanguageTag,
    /// Keyed by language (fr, de, it, ru, es).
    pub translations: BTreeMap<String, Translation>,
    pub entry_ids: Vec<String>,
    pub cluster_id: Option<String>,
    pub rationale: Option<String>,
    pub supersedes: Option<u64>,
}

/// Checks every rule of a proposal's text and reports every failure at once.
pub fn validate_proposal(draft: ProposalDraft) -> Result<ProposalText, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut err = |field: &str, reason: String| errors.push(RowError::new(None, field, reason));
    let language = match draft.language.as_deref() {
        None => Some(LanguageTag::english()),
        Some(raw) => match LanguageTag::parse(raw) {
            Ok(l) if l.is_english() => Some(l),
            Ok(l) => {
                err(
                    "language",
                    format!(
                        "a consensus entry is drafted in English ('en'), not '{l}'; put other languages in `translations`"
                    ),
                );
                None
            }
            Err(e) => {
                err("language", e.to_string());
                None
            }
        },
    };
    let term = required_text(draft.term.as_deref(), "term", MAX_TERM_CHARS, false, &mut err);
    let definition = required_text(draft.definition.as_deref(), "definition", MAX_DEFINITION_CHARS, true, &mut err);
    let term_key = term.as_deref().map(normalize::key);
    if term_key.as_deref() == Some("") {
        err("term", "the term has no letters or digits".to_owned());
    }

    let mut translations = BTreeMap::new();
    for (raw_lang, t) in &draft.translations {
        let lang = raw_lang.trim().to_ascii_lowercase();
        let field = |name: &str| format!("translations.{}.{name}", super::codes::clip(raw_lang));
        if !TRANSLATION_LANGUAGES.contains(&lang.as_str()) {
            err(
                &format!("translations.{}", super::codes::clip(raw_lang)),
                format!(
                    "'{}' is not a translation language: use {} (English is the base text)",
                    super::codes::clip(raw_lang),
                    TRANSLATION_LANGUAGES.join(", ")
                ),
            );
            continue;
        }
        let t_term = required_text(t.term.as_deref(), &field("term"), MAX_TERM_CHARS, false, &mut err);
        let t_def = required_text(t.definition.as_deref(), &field("definition"), MAX_DEFINITION_CHARS, true, &mut err);
        if let (Some(term), Some(definition)) = (t_term, t_def)
            && translations.insert(lang.clone(), Translation { term, definition }).is_some()
        {
            err(&field("term"), format!("a second translation into '{lang}'"));
        }
    }

    let raw_entry_ids = draft.entry_ids.as_deref().unwrap_or_default();
    if raw_entry_ids.len() > MAX_ENTRY_IDS {
        err("entry_ids", format!("{} entry ids; at most {MAX_ENTRY_IDS}", raw_entry_ids.len()));
    }
    let mut entry_ids: Vec<String> = Vec::new();
    for raw in raw_entry_ids {
        let id = raw.trim();
        if !is_entry_id(id) {
            err(
                "entry_ids",
                format!("'{}' is not an entry id ({{submission id}}-{{position}}, e.g. 3-12)", super::codes::clip(raw)),
            );
        } else if !entry_ids.iter().any(|e| e == id) {
            entry_ids.push(id.to_owned());
        }
    }

    let cluster_id = optional_text(draft.cluster_id.as_deref(), "cluster_id", MAX_CLUSTER_ID_CHARS, false, &mut err);
    let rationale = optional_text(draft.rationale.as_deref(), "rationale", MAX_RATIONALE_CHARS, true, &mut err);
    let supersedes = match draft.supersedes.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) => match raw.parse::<u64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                err("supersedes", format!("'{}' is not a proposal id", super::codes::clip(raw)));
                None
            }
        },
    };

    match (term, term_key, definition, language) {
        (Some(term), Some(term_key), Some(definition), Some(language)) if errors.is_empty() => Ok(ProposalText {
            term,
            term_key,
            definition,
            language,
            translations,
            entry_ids,
            cluster_id,
            rationale,
            supersedes,
        }),
        _ => Err(errors),
    }
}

/// "{submission id}-{position}", both positive whole numbers.
fn is_entry_id(id: &str) -> bool {
    id.parse::<super::EntryId>().is_ok()
}

/// A reason (for an objection, a rejection, a withdrawal) that must be given.
pub fn required_reason(raw: Option<&str>, field: &str) -> Result<String, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut err = |f: &str, reason: String| errors.push(RowError::new(None, f, reason));
    match required_text(raw, field, MAX_REASON_CHARS, true, &mut err) {
        Some(text) => Ok(text),
        None => Err(errors),
    }
}

/// A comment's text: 1 to 8 000 characters, NFC.
pub fn comment_text(raw: Option<&str>) -> Result<String, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut err = |f: &str, reason: String| errors.push(RowError::new(None, f, reason));
    match required_text(raw, "text", MAX_COMMENT_CHARS, true, &mut err) {
        Some(text) => Ok(text),
        None => Err(errors),
    }
}

// ---- Positions ----

/// A State's position on a proposal under review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stance {
    Support,
    Abstain,
    Object,
}

impl Stance {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Support => "support",
            Self::Abstain => "abstain",
            Self::Object => "object",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "support" => Ok(Self::Support),
            "abstain" => Ok(Self::Abstain),
            "object" => Ok(Self::Object),
            _ => Err(format!("'{}' is not a position: support, abstain or object", super::codes::clip(raw))),
        }
    }
}

impl fmt::Display for Stance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Stored as its name (`"object"`), the string records held before the field
/// was typed, so they decode unchanged.
impl serde::Serialize for Stance {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Stance {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// A position as it arrived.
#[derive(Debug, Clone, Default)]
pub struct PositionDraft {
    pub state: Option<String>,
    pub position: Option<String>,
    pub reason: Option<String>,
    pub statement: Option<String>,
}

/// A position that met the rules: an objection always carries its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub state: StateCode,
    pub stance: Stance,
    pub reason: Option<String>,
    /// An interpretative statement, published with the agreed entry.
    pub statement: Option<String>,
}

pub fn validate_position(draft: PositionDraft) -> Result<Position, Vec<RowError>> {
    let mut errors = Vec::new();
    let state = match draft.state.as_deref() {
        None => {
            errors.push(RowError::new(
                None,
                "state",
                "state is missing: the State whose position this is (a delegate's own State when omitted)",
            ));
            None
        }
        Some(raw) => StateCode::parse(raw).map_err(|e| errors.push(RowError::new(None, "state", e))).ok(),
    };
    let stance = match draft.position.as_deref() {
        None => {
            errors.push(RowError::new(None, "position", "position is missing: support, abstain or object"));
            None
        }
        Some(raw) => Stance::parse(raw).map_err(|e| errors.push(RowError::new(None, "position", e))).ok(),
    };
    let mut err = |f: &str, reason: String| errors.push(RowError::new(None, f, reason));
    let reason = optional_text(draft.reason.as_deref(), "reason", MAX_REASON_CHARS, true, &mut err);
    let statement = optional_text(draft.statement.as_deref(), "statement", MAX_STATEMENT_CHARS, true, &mut err);
    if stance == Some(Stance::Object) && reason.is_none() && draft.reason.as_deref().is_none_or(|r| r.trim().is_empty())
    {
        errors.push(RowError::new(None, "reason", "an objection needs a reason"));
    }
    match (state, stance) {
        (Some(state), Some(stance)) if errors.is_empty() => Ok(Position { state, stance, reason, statement }),
        _ => Err(errors),
    }
}

// ---- Approval ----

/// A standing objection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Objection {
    pub state: String,
    pub reason: String,
}

/// Why a proposal under review cannot be approved yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    pub silence_until: OffsetDateTime,
    /// Has the silence period passed?
    pub silence_over: bool,
    pub objections: Vec<Objection>,
}

impl fmt::Display for Blocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut reasons = Vec::new();
        if !self.silence_over {
            let until = self.silence_until.format(&time::format_description::well_known::Rfc3339);
            reasons.push(format!("the silence period runs until {}", until.unwrap_or_default()));
        }
        for o in &self.objections {
            reasons.push(format!("{} objects: {}", o.state, o.reason));
        }
        write!(f, "consensus is not reached: {}", reasons.join("; "))
    }
}

/// Consensus = the silence period has passed and no State objects.
/// `positions` are the standing ones: (State, stance, reason).
pub fn check_approval<'a>(
    now: OffsetDateTime,
    silence_until: OffsetDateTime,
    positions: impl IntoIterator<Item = (&'a str, Stance, Option<&'a str>)>,
) -> Result<(), Blocked> {
    let objections: Vec<Objection> = positions
        .into_iter()
        .filter(|(_, stance, _)| *stance == Stance::Object)
        .map(|(state, _, reason)| Objection { state: state.to_owned(), reason: reason.unwrap_or_default().to_owned() })
        .collect();
    let silence_over = now >= silence_until;
    if silence_over && objections.is_empty() {
        Ok(())
    } else {
        Err(Blocked { silence_until, silence_over, objections })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_happy_path() {
        let s = Status::Draft.apply(Action::Edit).unwrap();
        assert_eq!(s, Status::Draft);
        let s = s.apply(Action::Submit).unwrap();
        assert_eq!(s, Status::UnderReview);
        let s = s.apply(Action::Position).unwrap().apply(Action::Edit).unwrap();
        assert_eq!(s, Status::UnderReview);
        let s = s.apply(Action::Approve).unwrap();
        assert_eq!(s, Status::Agreed);
        assert_eq!(s.apply(Action::Supersede).unwrap(), Status::Superseded);
    }

    #[test]
    fn withdraw_from_draft_or_review_only() {
        assert_eq!(Status::Draft.apply(Action::Withdraw), Ok(Status::Withdrawn));
        assert_eq!(Status::UnderReview.apply(Action::Withdraw), Ok(Status::Withdrawn));
        for s in [Status::Agreed, Status::Rejected, Status::Withdrawn, Status::Superseded] {
            assert!(s.apply(Action::Withdraw).is_err(), "{s}");
        }
    }

    #[test]
    fn every_illegal_transition_names_current_and_allowed() {
        let e = Status::Draft.apply(Action::Approve).unwrap_err();
        assert_eq!(e.current, Status::Draft);
        assert_eq!(e.allowed(), vec![Status::UnderReview, Status::Withdrawn]);
        assert_eq!(e.allowed_actions(), vec![Action::Edit, Action::Submit, Action::Withdraw]);
        let msg = e.to_string();
        assert!(msg.contains("draft") && msg.contains("under_review") && msg.contains("approve"), "{msg}");

        let e = Status::Agreed.apply(Action::Edit).unwrap_err();
        assert_eq!(e.allowed(), vec![Status::Superseded]);
        assert!(e.allowed_actions().is_empty());

        // Count: every (status, action) pair is either a move or an error.
        let actions = [
            Action::Edit,
            Action::Submit,
            Action::Position,
            Action::Approve,
            Action::Reject,
            Action::Withdraw,
            Action::Supersede,
        ];
        let legal: usize =
            Status::ALL.iter().flat_map(|s| actions.iter().map(move |a| s.apply(*a))).filter(Result::is_ok).count();
        assert_eq!(legal, 3 + 5 + 1);
    }

    #[test]
    fn terminal_statuses() {
        assert!(Status::Rejected.is_terminal());
        assert!(Status::Withdrawn.is_terminal());
        assert!(Status::Superseded.is_terminal());
        assert!(!Status::Agreed.is_terminal());
        assert!(Status::Rejected.next_statuses().is_empty());
    }

    #[test]
    fn statuses_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Ok(s));
        }
        assert!(Status::parse("approved").is_err());
    }

    #[test]
    fn statuses_and_stances_serialize_as_their_names() {
        for s in Status::ALL {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert_eq!(serde_json::from_str::<Status>(&json).unwrap(), s);
        }
        for s in [Stance::Support, Stance::Abstain, Stance::Object] {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert_eq!(serde_json::from_str::<Stance>(&json).unwrap(), s);
        }
        assert!(serde_json::from_str::<Status>("\"approved\"").is_err());
        assert!(serde_json::from_str::<Stance>("\"veto\"").is_err());
    }

    #[test]
    fn closing_actions_are_reject_and_withdraw() {
        assert_eq!(Action::from(Closing::Reject), Action::Reject);
        assert_eq!(Action::from(Closing::Withdraw), Action::Withdraw);
        assert_eq!(Status::UnderReview.apply(Closing::Reject.into()), Ok(Status::Rejected));
        assert!(Status::Draft.apply(Closing::Reject.into()).is_err());
        assert_eq!(Status::Draft.apply(Closing::Withdraw.into()), Ok(Status::Withdrawn));
    }

    fn draft(term: &str, definition: &str) -> ProposalDraft {
        ProposalDraft { term: Some(term.into()), definition: Some(definition.into()), ..Default::default() }
    }

    #[test]
    fn a_good_proposal_is_english_with_keys_and_nfc() {
        let mut d = draft("Cyber-Attack", "An attempt to harm networks, syste\u{301}ms.");
        d.translations.insert(
            "FR".into(),
            TranslationDraft { term: Some("cyberattaque".into()), definition: Some("Une tentative.".into()) },
        );
        d.entry_ids = Some(vec!["3-1".into(), " 3-1 ".into(), "4-2".into()]);
        d.supersedes = Some("7".into());
        let t = validate_proposal(d).unwrap();
        assert_eq!(t.term_key, "cyber attack");
        assert_eq!(t.language.as_str(), "en");
        assert!(t.definition.contains("systém"));
        assert_eq!(t.translations["fr"].term, "cyberattaque");
        assert_eq!(t.entry_ids, vec!["3-1", "4-2"]);
        assert_eq!(t.supersedes, Some(7));
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut d = draft("", "bad \u{7} control");
        d.language = Some("de".into());
        d.translations.insert("sv".into(), TranslationDraft::default());
        d.translations.insert("ru".into(), TranslationDraft { term: Some("x".into()), definition: None });
        d.entry_ids = Some(vec!["12".into()]);
        d.supersedes = Some("abc".into());
        d.cluster_id = Some("a\u{0}b".into());
        let errors = validate_proposal(d).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for f in [
            "language",
            "term",
            "definition",
            "translations.sv",
            "translations.ru.definition",
            "entry_ids",
            "supersedes",
            "cluster_id",
        ] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
    }

    #[test]
    fn too_long_terms_are_refused() {
        assert!(validate_proposal(draft(&"a".repeat(MAX_TERM_CHARS + 1), "d")).is_err());
        assert!(validate_proposal(draft("--", "d")).is_err());
    }

    #[test]
    fn an_objection_needs_a_reason() {
        let p = |position: &str, reason: Option<&str>| {
            validate_position(PositionDraft {
                state: Some("de".into()),
                position: Some(position.into()),
                reason: reason.map(str::to_owned),
                statement: None,
            })
        };
        assert_eq!(p("support", None).unwrap().state.as_str(), "DE");
        let e = p("object", None).unwrap_err();
        assert_eq!(e[0].field, "reason");
        assert!(p("object", Some("  ")).is_err());
        assert_eq!(p("object", Some("too broad")).unwrap().reason.as_deref(), Some("too broad"));
        assert!(p("veto", None).is_err());
    }

    #[test]
    fn approval_needs_silence_over_and_no_objection() {
        let t0 = OffsetDateTime::UNIX_EPOCH + time::Duration::days(1000);
        let until = t0 + time::Duration::days(14);
        let support = [("DE", Stance::Support, None)];
        let blocked = check_approval(t0, until, support).unwrap_err();
        assert!(!blocked.silence_over);
        assert!(blocked.objections.is_empty());
        assert!(check_approval(until, until, support).is_ok());
        let objecting = [("DE", Stance::Support, None), ("RU", Stance::Object, Some("too broad"))];
        let blocked = check_approval(until, until, objecting).unwrap_err();
        assert!(blocked.silence_over);
        assert_eq!(blocked.objections, vec![Objection { state: "RU".into(), reason: "too broad".into() }]);
        assert!(blocked.to_string().contains("RU objects: too broad"));
        assert!(check_approval(until, until, [("RU", Stance::Abstain, None)]).is_ok());
    }
}
