//! `glossary token create`: mint a token at the command line; the token alone
//! goes to stdout.

use std::path::Path;

use clap::Subcommand;
use consensus_glossary::clock::Clock;
use consensus_glossary::domain::{Actor, Role, StateCode};
use consensus_glossary::service::Glossary;
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
    },
}

pub fn run(data_dir: &Path, command: TokenCommand) -> Result<()> {
    match command {
        TokenCommand::Create { name, role, state } => {
            let role = Role::parse(&role).map_err(|e| Error::bad_param("role", e))?;
            let state = state.as_deref().map(StateCode::parse).transpose().map_err(|e| Error::bad_param("state", e))?;
            let glossary = Glossary::open(data_dir, Clock::system()).map_err(locked)?;
            let minted = glossary.mint_token(&Actor::operator(), &name, role, state)?;
            println!("{}", minted.token);
            eprintln!("token for '{}' ({}) created; it is not shown again", minted.record.name, minted.record.role);
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
