//! `glossary token create|list|revoke`: tokens at the command line. `create`
//! prints the token alone on stdout; `list` never shows a secret.

use std::path::Path;

use clap::Subcommand;
use consensus_glossary::clock::{self, Clock};
use consensus_glossary::domain::{Actor, Role, StateCode};
use consensus_glossary::service::{Glossary, NewToken};
use consensus_glossary::{Error, Result};

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Mint a token and print it (only the token) on stdout.
    Create {
        /// Who holds it; names them in the audit log.
        #[arg(long)]
        name: String,
        /// reader, delegate, editor or admin.
        #[arg(long)]
        role: String,
        /// The State a delegate acts for.
        #[arg(long)]
        state: Option<String>,
        /// RFC 3339 time or date after which it opens nothing.
        #[arg(long)]
        expires_at: Option<String>,
    },
    /// List the tokens: name, role, State, expiry and last use (never a secret).
    List,
    /// Revoke a token by name: it fails at once.
    Revoke {
        /// The token's name.
        name: String,
    },
}

pub fn run(data_dir: &Path, command: TokenCommand) -> Result<()> {
    let glossary = || Glossary::open(data_dir, Clock::system()).map_err(locked);
    match command {
        TokenCommand::Create { name, role, state, expires_at } => {
            let role = Role::parse(&role).map_err(|e| Error::bad_param("role", e))?;
            let state = state.as_deref().map(StateCode::parse).transpose().map_err(|e| Error::bad_param("state", e))?;
            let expires_at = expires_at
                .as_deref()
                .map(|raw| {
                    clock::parse(raw).ok_or_else(|| {
                        Error::bad_param("expires-at", "an expiry is an RFC 3339 time or a date (YYYY-MM-DD)")
                    })
                })
                .transpose()?;
            let minted = glossary()?.mint_token(&Actor::operator(), NewToken { name, role, state, expires_at })?;
            println!("{}", minted.token);
            eprintln!("token for '{}' ({}) created; it is not shown again", minted.record.name, minted.record.role);
            Ok(())
        }
        TokenCommand::List => {
            let tokens = glossary()?.tokens(&Actor::operator())?;
            println!("{:<24} {:<9} {:<6} {:<21} {:<21} LAST USED", "NAME", "ROLE", "STATE", "CREATED", "EXPIRES");
            let time = |t: Option<time::OffsetDateTime>| t.map(clock::format).unwrap_or_else(|| "-".into());
            for t in tokens {
                println!(
                    "{:<24} {:<9} {:<6} {:<21} {:<21} {}",
                    t.name,
                    t.role.to_string(),
                    t.state.as_ref().map(|s| s.to_string()).unwrap_or_else(|| "-".into()),
                    clock::format(t.created_at),
                    time(t.expires_at),
                    time(t.last_used_at),
                );
            }
            Ok(())
        }
        TokenCommand::Revoke { name } => {
            let revoked = glossary()?.revoke_token(&Actor::operator(), &name)?;
            eprintln!("token '{}' ({}) revoked", revoked.name, revoked.role);
            Ok(())
        }
    }
}

/// sled locks its directory; say so plainly when the server holds it.
pub fn locked(e: Error) -> Error {
    match e {
        e if e.is_lock_error() => Error::Conflict(
            "the data directory is in use (is the server running?); stop it first or use the REST API".into(),
        ),
        other => other,
    }
}
