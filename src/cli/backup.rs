//! `glossary backup --out FILE [--url URL --token T]`: a backup of a running
//! server over HTTP, or of a stopped server's data directory; verified before
//! it is kept.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use consensus_glossary::clock::Clock;
use consensus_glossary::domain::Actor;
use consensus_glossary::service::Glossary;
use consensus_glossary::{Error, Result, backup};

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the backup (JSON lines with a checksum trailer).
    #[arg(long)]
    pub out: PathBuf,
    /// A running server to back up, e.g. http://127.0.0.1:8080 (plain HTTP).
    /// Without it, the data directory is read directly (stop the server first).
    #[arg(long, requires = "token")]
    pub url: Option<String>,
    /// An admin token for --url.
    #[arg(long, env = "GLOSSARY_TOKEN")]
    pub token: Option<String>,
}

pub fn run(data_dir: &Path, args: BackupArgs) -> Result<()> {
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let partial = args.out.with_extension("partial");
    let written = match &args.url {
        Some(url) => fetch(url, args.token.as_deref().unwrap_or_default(), &partial),
        None => local(data_dir, &partial),
    };
    let summary = written.and_then(|()| backup::verify(&partial));
    let summary = match summary {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, &args.out)?;
    eprintln!(
        "backup written to {}: {} records in {} trees, sha256 {}",
        args.out.display(),
        summary.records,
        summary.header.trees.len(),
        summary.sha256
    );
    Ok(())
}

fn local(data_dir: &Path, out: &Path) -> Result<()> {
    if !data_dir.join("store").is_dir() {
        return Err(Error::bad_request(format!("{} holds no store to back up", data_dir.display())));
    }
    let glossary = Glossary::open(data_dir, Clock::system()).map_err(super::token::locked)?;
    let mut file = std::fs::File::create(out)?;
    glossary.backup(&Actor::operator(), &mut file)?;
    file.sync_all()?;
    Ok(())
}

fn fetch(url: &str, token: &str, out: &Path) -> Result<()> {
    let endpoint = format!("{}/v1/backup", url.trim_end_matches('/'));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let failed = |e: reqwest::Error| Error::bad_request(format!("GET {endpoint}: {e}"));
        let mut response = reqwest::Client::new().get(&endpoint).bearer_auth(token).send().await.map_err(failed)?;
        if !response.status().is_success() {
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            let detail = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["detail"].as_str().map(str::to_owned))
                .unwrap_or(body);
            return Err(Error::bad_request(format!("GET {endpoint} answered {status}: {detail}")));
        }
        let mut file = std::fs::File::create(out)?;
        while let Some(chunk) = response.chunk().await.map_err(failed)? {
            file.write_all(&chunk)?;
        }
        file.sync_all()?;
        Ok(())
    })
}
