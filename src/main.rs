//! The `glossary` command: wires telemetry and configuration, then hands the
//! command to `cli`.

use std::process::ExitCode;

use clap::Parser;

mod cli;

fn main() -> ExitCode {
    let args = cli::Args::parse();
    init_logs(args.log_format);
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

/// Log lines go to stderr: text for people (coloured only on a terminal, so
/// redirected logs hold no escape codes), or one JSON object a line.
fn init_logs(format: cli::LogFormat) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=warn,sled=warn,tantivy=warn"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        cli::LogFormat::Json => logs.json().flatten_event(true).with_current_span(false).init(),
        cli::LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
    }
}
