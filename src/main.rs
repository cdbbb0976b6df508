//! The `glossary` command: wires telemetry and configuration, then hands the
//! command to `cli`.

use std::process::ExitCode;

use clap::Parser;

mod cli;

/// The allocator of the `glossary` binary: jemalloc, which gives memory back
/// to the system a second after it was freed (glibc's malloc kept most of
/// what a large list took: BENCHMARKS.md, "Large lists").
#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read before `main`: purge freed pages after about a
/// second (`dirty_decay_ms`), at once from the lazily-freed state
/// (`muzzy_decay_ms`), by its own background threads (so an idle server
/// gives memory back too).
#[cfg(feature = "jemalloc")]
#[allow(non_upper_case_globals)]
#[unsafe(export_name = "_rjem_malloc_conf")]
pub static malloc_conf: Option<&'static std::ffi::c_char> =
    Some(unsafe { &*c"background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0".as_ptr() });

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
