//! `glossary serve`: the HTTP service on the embedded store.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use consensus_glossary::http::HttpConfig;
use consensus_glossary::{Application, Config, Error, Result};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "GLOSSARY_ADDR")]
    pub addr: SocketAddr,
    /// Do not load the sample lists into an empty store.
    #[arg(long)]
    pub no_samples: bool,
    /// Directory of the sample lists.
    #[arg(long, default_value = "data")]
    pub samples: PathBuf,
    /// Allow reads without a token (the local demo's default).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub open_reads: bool,
    /// Largest request body, in bytes.
    #[arg(long, default_value_t = 16 * 1024 * 1024, env = "GLOSSARY_BODY_LIMIT")]
    pub body_limit: usize,
    /// Seconds a request head may take to arrive (and a kept-alive
    /// connection may stay idle) before the connection is closed.
    #[arg(long, default_value_t = consensus_glossary::http::DEFAULT_HEADER_TIMEOUT_SECS,
        env = "GLOSSARY_HEADER_TIMEOUT", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout: u64,
    /// Seconds a request body may take to arrive whole (408 after that).
    #[arg(long, default_value_t = consensus_glossary::http::DEFAULT_BODY_TIMEOUT_SECS,
        env = "GLOSSARY_BODY_TIMEOUT", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub body_timeout: u64,
    /// Seconds a request may take from its head to its answer (503 after that).
    #[arg(long, default_value_t = consensus_glossary::http::DEFAULT_REQUEST_TIMEOUT_SECS,
        env = "GLOSSARY_REQUEST_TIMEOUT", value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub request_timeout: u64,
    /// Connections served at once; further ones wait to be accepted.
    #[arg(long, default_value_t = consensus_glossary::http::DEFAULT_MAX_CONNECTIONS as u64,
        env = "GLOSSARY_MAX_CONNECTIONS", value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub max_connections: u64,
    /// How many days a proposal's review (its silence period) lasts at least:
    /// the default, and the shortest `silence_until` a submitter may give
    /// (only an admin may set a shorter one, and the audit log says so).
    #[arg(long, default_value_t = consensus_glossary::service::consensus::DEFAULT_SILENCE_DAYS,
        value_parser = clap::value_parser!(u32).range(0..=3650))]
    pub silence_days: u32,
    /// The store's page cache, in MiB: the most memory it keeps for pages of
    /// the store it read or wrote.
    #[arg(long, default_value_t = consensus_glossary::startup::DEFAULT_STORE_CACHE_BYTES / (1024 * 1024),
        env = "GLOSSARY_STORE_CACHE_MB", value_parser = clap::value_parser!(u64).range(8..=65536))]
    pub store_cache_mb: u64,
    /// Search results kept in memory until the next index commit (0: none).
    #[arg(long, default_value_t = consensus_glossary::startup::DEFAULT_SEARCH_CACHE)]
    pub search_cache: usize,
    /// The level of a list that names none: public, participating_states or
    /// restricted (a JSON list's `distribution`, or `?distribution=`, wins).
    #[arg(long, default_value = "public", env = "GLOSSARY_DEFAULT_DISTRIBUTION",
        value_parser = |raw: &str| consensus_glossary::domain::Distribution::parse(raw))]
    pub default_distribution: consensus_glossary::domain::Distribution,
}

pub fn run(data_dir: &Path, args: ServeArgs, log_format: super::LogFormat) -> Result<()> {
    // What the operator reads at start: plain lines, or log records when logs are JSON.
    let json = log_format == super::LogFormat::Json;
    macro_rules! say {
        ($($t:tt)*) => {
            if json { tracing::info!("{}", format!($($t)*)) } else { eprintln!($($t)*) }
        };
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let samples = if args.no_samples {
            None
        } else if args.samples.is_dir() {
            Some(args.samples.clone())
        } else {
            tracing::warn!(dir = %args.samples.display(), "no sample directory; starting without samples");
            None
        };
        let config = Config {
            data_dir: data_dir.to_owned(),
            addr: args.addr,
            http: HttpConfig {
                open_reads: args.open_reads,
                body_limit: args.body_limit,
                header_timeout: Duration::from_secs(args.header_timeout),
                body_timeout: Duration::from_secs(args.body_timeout),
                request_timeout: Duration::from_secs(args.request_timeout),
                max_connections: args.max_connections as usize,
            },
            samples,
            silence_days: args.silence_days,
            search_cache: args.search_cache,
            store_cache: args.store_cache_mb * 1024 * 1024,
            default_distribution: args.default_distribution,
        };
        let app = Application::build(config).await?;
        let addr = app.local_addr().ok_or_else(|| Error::Internal("no local address".into()))?;
        if app.samples_loaded > 0 {
            say!("loaded {} sample national lists from {}", app.samples_loaded, args.samples.display());
        }
        say!("consensus-glossary listening on http://{addr}  (API docs: http://{addr}/docs)");
        match &app.admin_token_file {
            Some(path) => say!(
                "admin token written to {} (shown nowhere else); use it as: Authorization: Bearer $(cat {})",
                path.display(),
                path.display()
            ),
            None if data_dir.join("admin.token").exists() => say!(
                "admin token: see {}/admin.token, or stop the server and run: glossary --data-dir {} token create --name NAME --role admin",
                data_dir.display(),
                data_dir.display()
            ),
            None => say!(
                "the store already has tokens (restored from a backup, or minted with the CLI): use one of them, or stop the server and run: glossary --data-dir {} token create --name NAME --role admin",
                data_dir.display()
            ),
        }
        app.run_until_stopped().await?;
        Ok(())
    })
}
