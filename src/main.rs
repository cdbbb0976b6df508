//! The `glossary` command: wires telemetry and configuration, then hands the
//! command to `cli`.

use std::process::ExitCode;

use clap::Parser;

mod cli;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=warn,sled=warn,tantivy=warn")),
        )
        .with_writer(std::io::stderr)
        // Colour codes only for a terminal, never into a redirected log.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let args = cli::Args::parse();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            if let consensus_glossary::Error::Invalid(rows) = &e {
                for r in rows {
                    match r.row {
                        Some(row) => eprintln!("  row {row}, {}: {}", r.field, r.reason),
                        None => eprintln!("  {}: {}", r.field, r.reason),
                    }
                }
            }
            ExitCode::FAILURE
        }
    }
}
