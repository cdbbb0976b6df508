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
    expires_at: Option<time::OffsetDateTime>,
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
    if name.eq_ignore_ascii_case(crate::domain::actor::ANONYMOUS) {
        return Err(Error::bad_param("name", "'anonymous' names the caller without a token; choose another name"));
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
    if expires_at.is_some_and(|at| at <= now) {
        return Err(Error::bad_param("expires_at", "a token's expiry must be in the future"));
    }
    let token = generate()?;
    let record = TokenRecord {
        v: FORMAT,
        name: name.to_owned(),
        role,
        state,
        created_at: now,
        created_by: actor.name.clone(),
        expires_at,
        last_used_at: None,
    };
    store.add_token(&hash(&token), &record, actor, now)?;
    store.flush()?;
    Ok(Minted { token, record })
}

/// How stale a token's "last used" may get before a request rewrites it: a
/// busy client does not turn every read into a write.
const TOUCH_EVERY: time::Duration = time::Duration::minutes(1);

/// The actor a presented token stands for, if any: a token that was revoked
/// (its record is gone) or has expired stands for no one.
pub fn authenticate(store: &Store, token: &str, now: time::OffsetDateTime) -> Result<Option<Actor>> {
    if !token.starts_with(PREFIX) || token.len() > 200 {
        return Ok(None);
    }
    let hash = hash(token);
    let Some(record) = store.token(&hash)? else {
        return Ok(None);
    };
    if !is_live(&record, now) {
        return Ok(None);
    }
    if record.last_used_at.is_none_or(|at| now - at >= TOUCH_EVERY) {
        store.touch_token(&hash, &record, now)?;
    }
    Ok(Some(Actor { name: record.name, role: record.role, state: record.state }))
}

/// Is a stored token still good at `now` (not expired)?
pub fn is_live(record: &TokenRecord, now: time::OffsetDateTime) -> bool {
    record.expires_at.is_none_or(|at| now < at)
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
