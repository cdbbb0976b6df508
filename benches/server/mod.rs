//! A real `glossary serve` process for the HTTP benches (large_lists, soak):
//! this build's binary (or `CG_BIN`) on 127.0.0.1, port 0, a temporary data
//! directory; its RSS read from /proc; killed when dropped.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub struct Server {
    child: Child,
    pub base: String,
    pub admin: String,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Starts the server with `args` after `serve --addr 127.0.0.1:0`.
    pub fn start(args: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let bin = std::env::var("CG_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_glossary").to_owned());
        let mut child = Command::new(bin)
            .args(["--data-dir", dir.path().to_str().expect("utf-8 path"), "serve", "--addr", "127.0.0.1:0"])
            .args(args)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("glossary starts");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let base = loop {
            let line = lines.next().expect("the server says where it listens").expect("stderr");
            if let Some(rest) = line.split("listening on ").nth(1) {
                break rest.split_whitespace().next().expect("address").to_owned();
            }
        };
        assert!(base.starts_with("http://127.0.0.1:"), "loopback only: {base}");
        // Keep draining stderr (warnings and errors are shown).
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                eprintln!("server: {line}");
            }
        });
        let admin = std::fs::read_to_string(dir.path().join("admin.token")).expect("admin token").trim().to_owned();
        Self { child, base, admin, _dir: dir }
    }

    /// The host:port the server listens on.
    pub fn addr(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    /// (VmRSS, RssAnon) in MiB.
    pub fn rss(&self) -> (f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
                .map_or(0.0, |kb| kb / 1024.0)
        };
        (field("VmRSS:"), field("RssAnon:"))
    }

    /// The size of the files of the store (`<data dir>/store`), in bytes.
    pub fn store_bytes(&self) -> u64 {
        fn size(path: &std::path::Path) -> u64 {
            match std::fs::metadata(path) {
                Ok(m) if m.is_dir() => std::fs::read_dir(path)
                    .map(|d| d.filter_map(Result::ok).map(|e| size(&e.path())).sum())
                    .unwrap_or(0),
                Ok(m) => m.len(),
                Err(_) => 0,
            }
        }
        size(&self._dir.path().join("store"))
    }

    /// Is the process still running?
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
