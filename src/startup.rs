//! Building and running the application: `Application::build(config)` opens
//! the store, loads the samples into an empty one, binds the listener (port 0
//! picks a free port, as the tests do), and `run_until_stopped` serves until
//! Ctrl-C or SIGTERM (through `http::server`: timeouts and a connection cap).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::clock::Clock;
use crate::domain::{Actor, Role};
use crate::error::Result;
use crate::http::{self, AppState, HttpConfig};
use crate::service::Glossary;

/// Stores up to this many current entries are clustered at start if they never were.
const AUTO_CLUSTER_MAX: usize = 50_000;

#[derive(Debug, Clone)]
pub struct Config {
    /// The state directory: store (and, later, index) live under it.
    pub data_dir: PathBuf,
    pub addr: SocketAddr,
    pub http: HttpConfig,
    /// Where the sample lists are; `None` loads none.
    pub samples: Option<PathBuf>,
    /// How many days a proposal's review (its silence period) lasts by default.
    pub silence_days: u32,
    /// Search results kept until the next index commit (0: none).
    pub search_cache: usize,
    /// The store's page cache, in bytes.
    pub store_cache: u64,
    /// The level of a list that names none.
    pub default_distribution: crate::domain::Distribution,
}

impl Config {
    /// A config for `data_dir` on 127.0.0.1 with a free port and no samples.
    pub fn local(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            http: HttpConfig::default(),
            samples: None,
            silence_days: crate::service::consensus::DEFAULT_SILENCE_DAYS,
            search_cache: DEFAULT_SEARCH_CACHE,
            store_cache: DEFAULT_STORE_CACHE_BYTES,
            default_distribution: crate::domain::Distribution::default(),
        }
    }
}

/// The store's page cache by default, in bytes (`serve --store-cache-mb`).
pub const DEFAULT_STORE_CACHE_BYTES: u64 = crate::store::DEFAULT_CACHE_BYTES;

/// Search results the server keeps by default (each valid until the next commit).
pub const DEFAULT_SEARCH_CACHE: usize = 2048;

pub struct Application {
    listener: TcpListener,
    glossary: Glossary,
    config: Config,
    /// Set when this start minted the first admin token (written to `admin.token`).
    pub admin_token_file: Option<PathBuf>,
    pub samples_loaded: usize,
}

impl Application {
    pub async fn build(config: Config) -> Result<Self> {
        Self::build_with_clock(config, Clock::system()).await
    }

    pub async fn build_with_clock(config: Config, clock: Clock) -> Result<Self> {
        let data_dir = config.data_dir.clone();
        let samples = config.samples.clone();
        let silence_days = config.silence_days;
        let store_cache = config.store_cache;
        let default_distribution = config.default_distribution;
        let (glossary, admin_token_file, samples_loaded) = tokio::task::spawn_blocking(move || {
            let mut glossary = Glossary::open_with_cache(&data_dir, clock, store_cache)?;
            glossary.set_silence_days(silence_days);
            glossary.set_default_distribution(default_distribution);
            let started = std::time::Instant::now();
            match glossary.open_index()? {
                crate::service::Opened::Rebuilt => {
                    tracing::info!(elapsed = ?started.elapsed(), "search index built from the store")
                }
                crate::service::Opened::CaughtUp { replayed } => {
                    tracing::info!(replayed, elapsed = ?started.elapsed(), "search index caught up with the store")
                }
            }
            let admin_token_file = bootstrap_admin_token(&glossary)?;
            let mut loaded = 0;
            if let Some(dir) = samples
                && !glossary.has_submissions()
            {
                loaded = crate::samples::load(&glossary, &dir)?;
            }
            // A store that was never clustered gets its clusters at start while
            // that is quick; a large one waits for POST /v1/clusters/rebuild.
            let system = Actor { name: "system".into(), ..Actor::operator() };
            if !glossary.has_clusters() && glossary.has_submissions() {
                let (entries, _) = glossary.entries(&system, &crate::service::EntryFilter::default(), 0, 0)?;
                if entries <= AUTO_CLUSTER_MAX {
                    let stats = glossary.rebuild_clusters(&system)?;
                    tracing::info!(?stats, "clustered the national entries");
                } else {
                    tracing::warn!(entries, "not clustered yet; run POST /v1/clusters/rebuild");
                }
            }
            // From here on the index and the clusters follow new lists in the
            // background (a small list does not wait behind a large one).
            glossary.start_followers()?;
            Ok::<_, crate::Error>((glossary, admin_token_file, loaded))
        })
        .await
        .map_err(|e| crate::Error::Worker(format!("start-up: {e}")))??;
        let listener = TcpListener::bind(config.addr).await?;
        Ok(Self { listener, glossary, config, admin_token_file, samples_loaded })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    pub fn glossary(&self) -> &Glossary {
        &self.glossary
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let search_cache = Arc::new(http::cache::ResponseCache::new(self.config.search_cache));
        let config = Arc::new(self.config.http);
        let state = AppState {
            glossary: self.glossary,
            config: config.clone(),
            search_cache,
            web: Arc::default(),
            metrics: Arc::default(),
        };
        http::server::serve(self.listener, http::app(state), &config, shutdown_signal()).await
    }
}

/// A new store has no tokens and so no way in: mint an admin token once and
/// leave it, readable by its owner only, in `<data dir>/admin.token`.
fn bootstrap_admin_token(glossary: &Glossary) -> Result<Option<PathBuf>> {
    if glossary.has_tokens() {
        return Ok(None);
    }
    let actor = Actor { name: "bootstrap".into(), ..Actor::operator() };
    let minted = glossary.mint_token(
        &actor,
        crate::service::NewToken { name: "admin".into(), role: Role::Admin, state: None, expires_at: None },
    )?;
    let path = glossary.data_dir().join("admin.token");
    write_private(&path, format!("{}\n", minted.token).as_bytes())?;
    Ok(Some(path))
}

fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
