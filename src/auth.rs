//! Bearer tokens: minted at random, shown once, stored only as a SHA-256 hash.
//! Tokens carry 256 random bits, so a fast hash is enough: there is nothing to
//! guess that a slow hash would protect.

use sha2::{Digest, Sha256};

use crate::domain::{Actor, Role, StateCode};
use crate::error::{Error, Result};
use crate::store::{FORMAT, Store, TokenRecord};

const PREFIX: &str = "cg_";

/// A new random token: "cg_" and 64 hex digits.
pub fn generate() -> Result<String> {
    Ok(format!("{PREFIX}{}", random_hex::<32>()?))
}

/// `N` random bytes as hex: the secrets of tokens, sessions and forms.
pub fn random_hex<const N: usize>() -> Result<String> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| Error::Internal(format!("no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// What `create` hands back: the secret, shown once, and what it grants.
pub struct Minted {
    pub token: String,
    pub record: TokenRecord,
}

/// Mints a token for `name` with `role` (and `state` for a delegate, which
/// only a delegate may have). Only the hash is stored.
pub fn create(
    store: &Store,
    name: &str,
    role: Role,
    state: Option<StateCode>,
    actor: &Actor,
    now: time::OffsetDateTime,
) -> Result<Minted> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > 100
        || name.chars().any(char::is_control)
        || crate::domain::normalize::misplaced_invisible(name).is_some()
    {
        return Err(Error::bad_param("name", "a token name is 1 to 100 printable characters"));
    }
    match (role, &state) {
        (Role::Delegate, None) => {
            return Err(Error::bad_param("state", "a delegate token must name the State it acts for"));
        }
        (Role::Delegate, Some(code)) => {
            if store.state(code.as_str())?.is_none() {
                return Err(Error::bad_param("state", format!("the State '{code}' does not exist")));
            }
        }
        (_, Some(_)) => {
            return Err(Error::bad_param("state", "only delegate tokens are bound to a State"));
        }
        (_, None) => {}
    }
    let token = generate()?;
    let record =
        TokenRecord { v: FORMAT, name: name.to_owned(), role, state, created_at: now, created_by: actor.name.clone() };
    store.add_token(&hash(&token), &record, actor, now)?;
    store.flush()?;
    Ok(Minted { token, record })
}

/// The actor a presented token stands for, if any.
pub fn authenticate(store: &Store, token: &str) -> Result<Option<Actor>> {
    if !token.starts_with(PREFIX) || token.len() > 200 {
        return Ok(None);
    }
    let Some(record) = store.token(&hash(token))? else {
        return Ok(None);
    };
    Ok(Some(Actor { name: record.name, role: record.role, state: record.state }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashes_fixed_length() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 3 + 64);
        assert_eq!(hash(&a).len(), 64);
        assert_ne!(hash(&a), a);
    }
}
