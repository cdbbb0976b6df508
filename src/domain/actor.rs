//! Who is acting: a named token with a role, perhaps bound to a State. The
//! rules of invariant 5 live here, so every entry point asks the same question.

use super::{Role, StateCode};

/// The name of the caller without a token; reserved, no token may have it.
pub const ANONYMOUS: &str = "anonymous";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
    pub role: Role,
    /// Set for delegates (and only for them): the State they act for.
    pub state: Option<StateCode>,
}

impl Actor {
    /// The anonymous reader of a server with open reads.
    pub fn anonymous() -> Self {
        Self { name: ANONYMOUS.to_owned(), role: Role::Reader, state: None }
    }

    /// The operator at the command line, who holds the data directory.
    pub fn operator() -> Self {
        Self { name: "cli".to_owned(), role: Role::Admin, state: None }
    }

    /// Is this the caller without a token (open reads)? No token may carry
    /// its name (`auth::create` refuses it).
    pub fn is_anonymous(&self) -> bool {
        self.role == Role::Reader && self.name == ANONYMOUS
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn is_editor(&self) -> bool {
        matches!(self.role, Role::Editor | Role::Admin)
    }

    /// May this actor act for `state`? Editors and admins may act for any State,
    /// a delegate only for its own.
    pub fn may_act_for(&self, state: &StateCode) -> bool {
        match self.role {
            Role::Admin | Role::Editor => true,
            Role::Delegate => self.state.as_ref() == Some(state),
            Role::Reader => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delegate_acts_only_for_its_own_state() {
        let de = StateCode::parse("DE").unwrap();
        let fr = StateCode::parse("FR").unwrap();
        let delegate = Actor { name: "d".into(), role: Role::Delegate, state: Some(de.clone()) };
        assert!(delegate.may_act_for(&de));
        assert!(!delegate.may_act_for(&fr));
        assert!(!Actor::anonymous().may_act_for(&de));
        assert!(Actor::operator().may_act_for(&fr));
    }
}
