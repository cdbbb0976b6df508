//! Who is acting: a named token with a role, perhaps bound to a State. The
//! rules of invariant 5 live here, so every entry point asks the same question.

use super::{Role, StateCode};

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
        Self { name: "anonymous".to_owned(), role: Role::Reader, state: None }
    }

    /// The operator at the command line, who holds the data directory.
    pub fn operator() -> Self {
        Self { name: "cli".to_owned(), role: Role::Admin, state: None }
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
