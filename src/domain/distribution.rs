//! Who may read a national list (Decision 1106: information is circulated to
//! the participating States, not to the world). A list carries one level:
//!
//! - `public`: anyone, the caller without a token included;
//! - `participating_states`: any token of a participating State's delegate,
//!   or of a reader, editor or admin;
//! - `restricted`: its own State's delegates, editors and admins.
//!
//! [`Audience`] is one caller's side of that rule, worked out once per
//! request; every read that shows a list's text or counts asks it.

use serde::{Deserialize, Serialize};

use super::{Actor, Role, StateCode};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Distribution {
    /// Lists stored before levels existed were public; they stay so.
    #[default]
    Public,
    ParticipatingStates,
    Restricted,
}

impl Distribution {
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim() {
            "public" => Ok(Self::Public),
            "participating_states" => Ok(Self::ParticipatingStates),
            "restricted" => Ok(Self::Restricted),
            other => Err(format!(
                "distribution is 'public', 'participating_states' or 'restricted', not '{}'",
                super::codes::clip(other)
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::ParticipatingStates => "participating_states",
            Self::Restricted => "restricted",
        }
    }

    /// The tokens the search index holds for a list of `state` at this
    /// level: its level (none for restricted) and its State, which always
    /// reads its own lists (see [`Audience::tokens`]).
    pub fn index_tokens(self, state: &str) -> Vec<String> {
        let own = format!("own:{state}");
        match self {
            Self::Public => vec!["public".to_owned(), own],
            Self::ParticipatingStates => vec!["ps".to_owned(), own],
            Self::Restricted => vec![own],
        }
    }
}

impl std::fmt::Display for Distribution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one caller may read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Audience {
    /// Editors and admins: every list.
    Everything,
    /// Everyone else: public lists, participating States' lists if
    /// `participating`, and the restricted lists of `own` State.
    Some { participating: bool, own: Option<StateCode> },
}

impl Audience {
    /// The audience of `actor`; `is_participating_state` tells whether a
    /// delegate's State is a participating State (a party of another forum is not).
    pub fn of(actor: &Actor, is_participating_state: impl FnOnce(&StateCode) -> bool) -> Self {
        if actor.is_editor() {
            return Self::Everything;
        }
        match (actor.role, &actor.state) {
            _ if actor.is_anonymous() => Self::Some { participating: false, own: None },
            (Role::Delegate, Some(state)) => {
                Self::Some { participating: is_participating_state(state), own: Some(state.clone()) }
            }
            (Role::Delegate, None) => Self::Some { participating: false, own: None },
            _ => Self::Some { participating: true, own: None },
        }
    }

    /// May this audience read a list of `state` at `level`?
    pub fn may_read(&self, state: &str, level: Distribution) -> bool {
        match self {
            Self::Everything => true,
            Self::Some { participating, own } => match level {
                Distribution::Public => true,
                Distribution::ParticipatingStates => {
                    *participating || own.as_ref().is_some_and(|o| o.as_str() == state)
                }
                Distribution::Restricted => own.as_ref().is_some_and(|o| o.as_str() == state),
            },
        }
    }

    /// The index tokens of the lists this audience reads (one of them must
    /// match); `None` for everything.
    pub fn tokens(&self) -> Option<Vec<String>> {
        match self {
            Self::Everything => None,
            Self::Some { participating, own } => {
                let mut tokens = vec!["public".to_owned()];
                if *participating {
                    tokens.push("ps".to_owned());
                }
                if let Some(own) = own {
                    tokens.push(format!("own:{own}"));
                }
                Some(tokens)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_level_reaches_whom_it_should() {
        let de = StateCode::parse("DE").unwrap();
        let anonymous = Audience::of(&Actor::anonymous(), |_| true);
        let reader = Audience::of(&Actor { name: "r".into(), role: Role::Reader, state: None }, |_| true);
        let delegate =
            Audience::of(&Actor { name: "d".into(), role: Role::Delegate, state: Some(de.clone()) }, |_| true);
        let other_forum =
            Audience::of(&Actor { name: "x".into(), role: Role::Delegate, state: Some(de.clone()) }, |_| false);
        let editor = Audience::of(&Actor { name: "e".into(), role: Role::Editor, state: None }, |_| true);
        use Distribution::*;
        for (who, de_ps, fr_ps, de_r, fr_r) in [
            (&anonymous, false, false, false, false),
            (&reader, true, true, false, false),
            (&delegate, true, true, true, false),
            (&other_forum, true, false, true, false),
            (&editor, true, true, true, true),
        ] {
            assert!(who.may_read("FR", Public));
            assert_eq!(who.may_read("DE", ParticipatingStates), de_ps, "{who:?}");
            assert_eq!(who.may_read("FR", ParticipatingStates), fr_ps, "{who:?}");
            assert_eq!(who.may_read("DE", Restricted), de_r, "{who:?}");
            assert_eq!(who.may_read("FR", Restricted), fr_r, "{who:?}");
            // The index tokens say the same.
            if let Some(tokens) = who.tokens() {
                for (state, level, expected) in [
                    ("DE", ParticipatingStates, de_ps),
                    ("FR", ParticipatingStates, fr_ps),
                    ("DE", Restricted, de_r),
                    ("FR", Restricted, fr_r),
                ] {
                    let visible = level.index_tokens(state).iter().any(|t| tokens.contains(t));
                    assert_eq!(visible, expected, "{who:?} {state} {level}");
                }
            }
        }
    }
}
