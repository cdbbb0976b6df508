//! The command line: one file per command.

mod backup;
mod cluster;
mod import;
mod reindex;
mod restore;
mod serve;
mod token;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use consensus_glossary::Result;

#[derive(Debug, Parser)]
#[command(
    name = "glossary",
    version,
    about = "consensus-glossary: national ICT-security term lists, search and a consensus glossary"
)]
pub struct Args {
    /// State directory (store and index).
    #[arg(long, global = true, default_value = "./var", env = "GLOSSARY_DATA_DIR")]
    pub data_dir: PathBuf,
    /// How log lines are written to stderr: `text` for people, `json` (one
    /// object a line) for log collectors.
    #[arg(long, global = true, value_enum, default_value = "text", env = "GLOSSARY_LOG_FORMAT")]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service.
    Serve(serve::ServeArgs),
    /// Import a national list (JSON, CSV or TBX) while the server is stopped.
    Import(import::ImportArgs),
    /// Manage bearer tokens while the server is stopped.
    Token {
        #[command(subcommand)]
        command: token::TokenCommand,
    },
    /// Cluster near-equivalent entries and measure the clustering against labels.
    Cluster(cluster::ClusterArgs),
    /// Rebuild the search index from the store, with the server stopped.
    Reindex,
    /// Back up the whole store: from a running server (--url) or a stopped
    /// server's data directory.
    Backup(backup::BackupArgs),
    /// Restore a backup into a new data directory (--data-dir), then rebuild
    /// the search index.
    Restore(restore::RestoreArgs),
    /// Print the OpenAPI document of this build.
    Openapi,
}

pub fn run(args: Args) -> Result<()> {
    match args.command {
        Command::Serve(a) => serve::run(&args.data_dir, a, args.log_format),
        Command::Import(a) => import::run(&args.data_dir, a),
        Command::Token { command } => token::run(&args.data_dir, command),
        Command::Reindex => reindex::run(&args.data_dir),
        Command::Cluster(a) => cluster::run(&args.data_dir, a),
        Command::Backup(a) => backup::run(&args.data_dir, a),
        Command::Restore(a) => restore::run(&args.data_dir, a),
        Command::Openapi => {
            let doc = consensus_glossary::http::openapi_document()
                .to_pretty_json()
                .map_err(|e| consensus_glossary::Error::Internal(e.to_string()))?;
            // `glossary openapi | head` closes the pipe early: that is not an error.
            use std::io::Write;
            match writeln!(std::io::stdout().lock(), "{doc}") {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.map_err(consensus_glossary::Error::from),
            }
        }
    }
}
