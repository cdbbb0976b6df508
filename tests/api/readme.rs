//! The README's tours, run as written, so that they cannot drift.
//!
//! Every ```` ```console ```` and ```` ```sh ```` block of README.md runs, in
//! order, in one bash session (variables such as `$TOKEN` carry over), in a
//! fresh directory that holds `data/` (the samples), `target/release/glossary`
//! (the binary under test) and, once a server starts, `var/`, just as a fresh
//! clone does.
//!
//! - A `console` block is a series of commands: a line starting with `$ `
//!   (continued while a line ends with `\`), then the output it shows. Each
//!   command runs on its own and its output (stdout and stderr) is compared
//!   with the shown output: `…` stands for any text, also over lines; lines are
//!   trimmed and blank lines dropped; a line break after `,` `[` `{` `:` or
//!   before `}` `]` is ignored, so JSON may be wrapped; times (RFC 3339),
//!   tokens (`cg_…`), hex digests (8 or more hex digits) and durations are
//!   masked on both sides. A command whose shown output starts with `error:`
//!   (or has a `curl: (` line) must fail; every other command must succeed.
//!   A command that shows no output must print nothing.
//! - A `sh` block runs as one script; it must succeed and print nothing.
//! - A command `glossary … serve` (or `cargo run --release -- serve`) starts a
//!   server, as in a second terminal: the test starts it on a free port, maps
//!   the port it was given (`--addr`, else 8080) to the real one in every later
//!   command, and compares what it printed at start with the shown output
//!   (a prefix: the server goes on running).
//! - `cargo run [-q] --release --` runs the built binary; `/tmp/` is a temporary
//!   directory of the test.
//! - `<!-- tour: skip (why) -->` right before a block: the block is not run.
//!   `<!-- tour: ctrl-c (why) -->` right before a block: the running server is
//!   stopped with SIGINT first (as Ctrl-C in its terminal). Any other
//!   `<!-- tour: … -->` is an error.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use regex::Regex;

const README: &str = include_str!("../../README.md");

/// How long one command may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    Console,
    Sh,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Directive {
    Skip,
    CtrlC,
}

struct Block {
    line: usize,
    kind: Kind,
    directive: Option<Directive>,
    lines: Vec<(usize, String)>,
}

struct Step {
    line: usize,
    command: String,
    expected: String,
}

fn blocks(readme: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, Directive)> = None;
    let mut lines = readme.lines().enumerate().map(|(i, l)| (i + 1, l));
    while let Some((n, line)) = lines.next() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("<!-- tour:") {
            let word: String =
                rest.trim_start().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
            let directive = match word.as_str() {
                "skip" => Directive::Skip,
                "ctrl-c" => Directive::CtrlC,
                _ => panic!("README.md:{n}: unknown tour directive: {t}"),
            };
            assert!(pending.is_none(), "README.md:{n}: two tour directives in a row");
            pending = Some((n, directive));
            continue;
        }
        if let Some(lang) = t.strip_prefix("```") {
            let kind = match lang {
                "console" => Some(Kind::Console),
                "sh" => Some(Kind::Sh),
                _ => None,
            };
            let mut body = Vec::new();
            for (m, l) in lines.by_ref() {
                if l.trim() == "```" {
                    break;
                }
                body.push((m, l.to_owned()));
            }
            match kind {
                Some(kind) => out.push(Block { line: n, kind, directive: pending.take().map(|p| p.1), lines: body }),
                None => assert!(pending.is_none(), "README.md:{n}: a tour directive before a block that is not run"),
            }
        } else if !t.is_empty()
            && let Some((m, _)) = pending
        {
            panic!("README.md:{m}: a tour directive must come right before a console or sh block");
        }
    }
    out
}

fn steps(block: &Block) -> Vec<Step> {
    let mut out: Vec<Step> = Vec::new();
    let mut lines = block.lines.iter();
    while let Some((n, line)) = lines.next() {
        if let Some(cmd) = line.strip_prefix("$ ") {
            let mut command = cmd.to_owned();
            while command.ends_with('\\') {
                let (_, next) = lines.next().unwrap_or_else(|| panic!("README.md:{n}: a command ends with `\\`"));
                command.push('\n');
                command.push_str(next);
            }
            out.push(Step { line: *n, command, expected: String::new() });
        } else {
            let step = out.last_mut().unwrap_or_else(|| panic!("README.md:{n}: output before any `$ ` command"));
            step.expected.push_str(line);
            step.expected.push('\n');
        }
    }
    out
}

// ---- Comparing outputs ----

static MASKS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", "<time>"),
        (r"cg_[A-Za-z0-9_-]+", "cg_<token>"),
        (r"\b[0-9a-f]{8,}\b", "<hex>"),
        (r"\b\d+ entries/s\b", "<rate>"),
        (r"\b\d+(\.\d+)? ?(s|ms|µs)\b", "<duration>"),
    ]
    .into_iter()
    .map(|(re, to)| (Regex::new(re).expect("mask"), to))
    .collect()
});

/// Masks what changes from run to run and joins wrapped JSON.
fn normalise(text: &str) -> String {
    let mut text = text.replace('\r', "");
    for (re, to) in MASKS.iter() {
        text = re.replace_all(&text, *to).into_owned();
    }
    let mut out = String::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let joined = out.is_empty() || out.ends_with([',', '[', '{', ':']) || line.starts_with(['}', ']']);
        if !joined {
            out.push('\n');
        }
        out.push_str(line);
    }
    out
}

/// Does `actual` match the shown output, where `…` stands for any text?
fn matches(expected: &str, actual: &str, prefix: bool) -> bool {
    let parts: Vec<String> = normalise(expected).split('…').map(regex::escape).collect();
    let tail = if prefix { "(?s:.*)" } else { "" };
    let re = Regex::new(&format!("^{}{tail}$", parts.join("(?s:.*?)"))).expect("pattern");
    re.is_match(&normalise(actual))
}

// ---- The shell and the servers ----

struct Shell {
    child: Child,
    stdin: ChildStdin,
    status: Receiver<String>,
    out: PathBuf,
    count: usize,
}

impl Shell {
    fn start(cwd: &Path, out: &Path) -> Shell {
        let mut child = clean(Command::new("bash"))
            .current_dir(cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(out.join("bash.stderr")).expect("bash stderr file"))
            .spawn()
            .expect("bash starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, status) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Shell { child, stdin, status, out: out.to_owned(), count: 0 }
    }

    /// Runs `script` in the session; returns its exit status and output.
    fn run(&mut self, script: &str) -> Result<(i32, String), String> {
        self.count += 1;
        let file = self.out.join(format!("{}.out", self.count));
        let wrapped = format!("{{\n{script}\n}} >'{}' 2>&1 </dev/null\necho \"__TOUR_STATUS__ $?\"\n", file.display());
        self.stdin.write_all(wrapped.as_bytes()).and_then(|()| self.stdin.flush()).map_err(|e| e.to_string())?;
        let deadline = Instant::now() + COMMAND_TIMEOUT;
        loop {
            match self.status.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) => {
                    if let Some(code) = line.strip_prefix("__TOUR_STATUS__ ") {
                        let output = std::fs::read_to_string(&file).unwrap_or_default();
                        return Ok((code.trim().parse().unwrap_or(-1), output));
                    }
                }
                Err(RecvTimeoutError::Timeout) => return Err(format!("no answer within {COMMAND_TIMEOUT:?}")),
                Err(RecvTimeoutError::Disconnected) => {
                    let err = std::fs::read_to_string(self.out.join("bash.stderr")).unwrap_or_default();
                    return Err(format!("the shell exited: {err}"));
                }
            }
        }
    }
}

/// A command without the caller's settings that would change what the tour does.
fn clean(mut cmd: Command) -> Command {
    for var in
        ["GLOSSARY_ADDR", "GLOSSARY_DATA_DIR", "GLOSSARY_LOG_FORMAT", "GLOSSARY_DEFAULT_DISTRIBUTION", "RUST_LOG"]
    {
        cmd.env_remove(var);
    }
    cmd.env("LC_ALL", "C.UTF-8");
    cmd
}

struct Server {
    child: Child,
    readme_port: u16,
    log: Arc<Mutex<Vec<String>>>,
}

struct Tour {
    _root: tempfile::TempDir,
    repo: PathBuf,
    tmp: PathBuf,
    shell: Shell,
    servers: Vec<Server>,
    /// README port → real port, for the servers that run.
    ports: BTreeMap<u16, u16>,
    failures: Vec<String>,
}

impl Drop for Tour {
    fn drop(&mut self) {
        for server in &mut self.servers {
            let _ = server.child.kill();
            let _ = server.child.wait();
        }
        let _ = self.shell.child.kill();
        let _ = self.shell.child.wait();
    }
}

static SERVE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^target/release/glossary\b.*\sserve(\s|$)").unwrap());
static ADDR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"--addr 127\.0\.0\.1:(\d+)").unwrap());
static LISTENING: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"listening on http://127\.0\.0\.1:(\d+)").unwrap());

impl Tour {
    fn new() -> Tour {
        let root = tempfile::tempdir().expect("temp dir");
        let repo = root.path().join("repo");
        let tmp = root.path().join("tmp");
        let out = root.path().join("out");
        for dir in [&repo.join("target/release"), &tmp, &out] {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::os::unix::fs::symlink(Path::new(env!("CARGO_MANIFEST_DIR")).join("data"), repo.join("data")).unwrap();
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_glossary"), repo.join("target/release/glossary")).unwrap();
        let shell = Shell::start(&repo, &out);
        Tour { _root: root, repo, tmp, shell, servers: Vec::new(), ports: BTreeMap::new(), failures: Vec::new() }
    }

    /// The command as it runs here.
    fn prepare(&self, command: &str) -> String {
        let mut c = command
            .replace("cargo run -q --release -- ", "target/release/glossary ")
            .replace("cargo run --release -- ", "target/release/glossary ")
            .replace("/tmp/", &format!("{}/", self.tmp.display()));
        for (readme, real) in &self.ports {
            for host in ["localhost", "127.0.0.1"] {
                c = c.replace(&format!("{host}:{readme}"), &format!("127.0.0.1:{real}"));
            }
        }
        c
    }

    /// The output as the README would show it: README paths and ports.
    fn localise(&self, output: &str) -> String {
        let mut o = output.replace(&self.tmp.display().to_string(), "/tmp");
        o = o.replace(&format!("{}/", self.repo.display()), "");
        for (readme, real) in &self.ports {
            o = o.replace(&format!("127.0.0.1:{real}"), &format!("127.0.0.1:{readme}"));
        }
        o
    }

    fn fail(&mut self, line: usize, command: &str, problem: &str, expected: &str, actual: &str) {
        self.failures.push(format!(
            "README.md:{line}: {problem}\n$ {command}\n--- shown in the README:\n{}\n--- what it printed:\n{}\n",
            expected.trim_end(),
            actual.trim_end()
        ));
    }

    fn console(&mut self, step: &Step) {
        let command = self.prepare(&step.command);
        if SERVE.is_match(&command) {
            return self.serve(step, &command);
        }
        let (status, output) = match self.shell.run(&command) {
            Ok(r) => r,
            Err(e) => return self.fail(step.line, &step.command, &e, &step.expected, ""),
        };
        let output = self.localise(&output);
        let shown = step.expected.trim_start();
        let should_fail = shown.starts_with("error:") || shown.lines().any(|l| l.starts_with("curl: ("));
        if should_fail == (status == 0) {
            let problem =
                if should_fail { "should fail but exited with 0".to_owned() } else { format!("exit status {status}") };
            self.fail(step.line, &step.command, &problem, &step.expected, &output);
        } else if !matches(&step.expected, &output, false) {
            self.fail(step.line, &step.command, "the output differs", &step.expected, &output);
        }
    }

    fn sh(&mut self, block: &Block) {
        let text: Vec<&str> = block.lines.iter().map(|(_, l)| l.as_str()).collect();
        let text = text.join("\n");
        match self.shell.run(&self.prepare(&text)) {
            Ok((0, output)) if output.trim().is_empty() => {}
            Ok((status, output)) => {
                let output = self.localise(&output);
                self.fail(
                    block.line,
                    &text,
                    &format!("a sh block must exit 0 and print nothing; exit status {status}"),
                    "",
                    &output,
                )
            }
            Err(e) => self.fail(block.line, &text, &e, "", ""),
        }
    }

    /// Starts a server command on a free port and checks what it prints at start.
    fn serve(&mut self, step: &Step, command: &str) {
        let (readme_port, command) = match ADDR.captures(command) {
            Some(c) => (c[1].parse().unwrap(), ADDR.replace(command, "--addr 127.0.0.1:0").into_owned()),
            None => (8080, format!("{command} --addr 127.0.0.1:0")),
        };
        let mut child = clean(Command::new("bash"))
            .arg("-c")
            .arg(format!("exec {command}"))
            .current_dir(&self.repo)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the server starts");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        self.servers.push(Server { child, readme_port, log: log.clone() });
        let deadline = Instant::now() + COMMAND_TIMEOUT;
        let port = loop {
            let text = log.lock().unwrap().join("\n");
            if let Some(c) = LISTENING.captures(&text) {
                break c[1].parse::<u16>().unwrap();
            }
            if Instant::now() > deadline {
                return self.fail(step.line, &step.command, "the server did not start", &step.expected, &text);
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        self.ports.insert(readme_port, port);
        // What it prints right after "listening" may take a moment to arrive.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let text = self.localise(&log.lock().unwrap().join("\n"));
            if matches(&step.expected, &text, true) {
                break;
            }
            if Instant::now() > deadline {
                return self.fail(step.line, &step.command, "the server's start differs", &step.expected, &text);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Ctrl-C in the terminal of the server that started last.
    fn ctrl_c(&mut self, line: usize) {
        let Some(mut server) = self.servers.pop() else {
            return self.failures.push(format!("README.md:{line}: ctrl-c, but no server runs"));
        };
        let pid = server.child.id().to_string();
        let _ = Command::new("kill").args(["-INT", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while server.child.try_wait().ok().flatten().is_none() {
            if Instant::now() > deadline {
                let _ = server.child.kill();
                self.failures.push(format!("README.md:{line}: the server did not stop on Ctrl-C"));
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = server.child.wait();
        self.ports.remove(&server.readme_port);
        drop(server.log);
    }
}

#[test]
fn the_readme_tours_run_as_written() {
    let started = Instant::now();
    let blocks = blocks(README);
    assert!(blocks.len() > 20, "README.md has its tours");
    let mut tour = Tour::new();
    for block in &blocks {
        match block.directive {
            Some(Directive::Skip) => continue,
            Some(Directive::CtrlC) => tour.ctrl_c(block.line),
            None => {}
        }
        match block.kind {
            Kind::Sh => tour.sh(block),
            Kind::Console => {
                for step in steps(block) {
                    tour.console(&step);
                }
            }
        }
    }
    eprintln!("README tours ran in {:.1} s", started.elapsed().as_secs_f64());
    let failures = std::mem::take(&mut tour.failures);
    assert!(failures.is_empty(), "{} step(s) of the README drifted:\n\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn shown_outputs_match_with_wildcards_masks_and_wrapped_json() {
    let shown = "{\"id\":\"5\",\n  \"created_at\":\"…\",\"token\":\"cg_1beacc…\"}";
    assert!(matches(shown, r#"{"id":"5","created_at":"2026-01-02T03:04:05.123Z","token":"cg_abcDEF123_-x"}"#, false));
    assert!(!matches(shown, r#"{"id":"6","created_at":"x","token":"cg_a"}"#, false));
    assert!(matches("{\"total\":2,…}", "{\"total\":2,\n\"a\":[1,\n2]}", false));
    assert!(!matches("{\"total\":2,…}", "{\"total\":20}", false));
    assert!(matches("3 lists in 0.1 s (1283 entries/s, durable)", "3 lists in 2.45 s (98 entries/s, durable)", false));
    assert!(matches("", "", false) && !matches("", "something", false));
    assert!(matches("loaded 17\nlistening", "loaded 17\nlistening\nmore", true));
}

#[test]
fn directives_and_commands_are_parsed_as_documented() {
    let text = "x\n<!-- tour: skip (a browser) -->\n\n```sh\nopen x\n```\n```console\n$ a \\\n  b\nout\n\n$ c\n```\n```text\n$ no\n```\n";
    let b = blocks(text);
    assert_eq!(b.len(), 2);
    assert_eq!((b[0].kind, b[0].directive, b[0].line), (Kind::Sh, Some(Directive::Skip), 4));
    let s = steps(&b[1]);
    assert_eq!(s.len(), 2);
    assert_eq!((s[0].line, s[0].command.as_str(), s[0].expected.trim()), (8, "a \\\n  b", "out"));
    assert_eq!((s[1].command.as_str(), s[1].expected.as_str()), ("c", ""));
}
