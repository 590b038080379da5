//! Helpers every relkit test uses: finding the real peer programs (and skipping
//! loudly, or failing under `RELKIT_REQUIRE_PEERS=1`, when one is missing),
//! running any tool's binary, and making throwaway project trees.

pub mod distillery;
pub mod sshd;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// Set by `.ci/run`: a missing peer fails the test instead of skipping it.
pub const REQUIRE_PEERS: &str = "RELKIT_REQUIRE_PEERS";

/// Where peers that Debian installs outside PATH live.
const EXTRA_PEER_DIRS: &[&str] = &["/usr/sbin", "/sbin", "/lib/systemd", "/usr/lib/systemd"];

/// Find a peer program. When it is missing: under `RELKIT_REQUIRE_PEERS=1`, panic
/// (the test fails); otherwise print a loud SKIPPED line and return `None`, so the
/// test can `let Some(erl) = require_peer("erl") else { return };`.
pub fn require_peer(name: &str) -> Option<PathBuf> {
    if let Some(found) = find_peer(name) {
        return Some(found);
    }
    let message = format!(
        "peer program `{name}` not found on PATH or in {}; install it (see .ci/run)",
        EXTRA_PEER_DIRS.join(", ")
    );
    if peers_required() {
        panic!("{message} ({REQUIRE_PEERS}=1, so this is a failure)");
    }
    // Straight to the stderr handle: libtest captures eprintln!, and a skip must be seen.
    let _ = writeln!(
        std::io::stderr(),
        "\n*** SKIPPED: {message}. This conformance test did NOT run. ***\n"
    );
    None
}

pub fn peers_required() -> bool {
    std::env::var_os(REQUIRE_PEERS).is_some_and(|v| v == "1")
}

/// A program on PATH or in the extra peer directories (found by `which`, as the
/// tools find theirs).
pub fn find_peer(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs = std::env::split_paths(&path).chain(EXTRA_PEER_DIRS.iter().map(PathBuf::from));
    let joined = std::env::join_paths(dirs).ok()?;
    which::which_in(name, Some(joined), "/").ok()
}

/// A TCP port on 127.0.0.1 that was free a moment ago, for a server a test starts.
/// Another process may take it before the server binds it: start servers with
/// [`Server::listening_on`], which tries again with other ports.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

/// A server process a test started: when the test ends, pass or fail, it is asked to
/// stop (SIGTERM, so a master such as nginx's takes its workers with it), given five
/// seconds, then killed, and always reaped.
pub struct Server(pub std::process::Child);

impl Server {
    /// Starts a server on `count` distinct free ports: `spawn` gets the ports and
    /// starts it. When it does not listen on all of them (a port was taken between
    /// the ask and the bind), it is stopped and started again on others, up to five
    /// times; then the test fails with `what`.
    pub fn listening_on(
        count: usize,
        what: &str,
        mut spawn: impl FnMut(&[u16]) -> std::process::Child,
    ) -> (Server, Vec<u16>) {
        for _ in 0..5 {
            let mut ports: Vec<u16> = Vec::new();
            while ports.len() < count {
                let port = free_port();
                if !ports.contains(&port) {
                    ports.push(port);
                }
            }
            let server = Server(spawn(&ports));
            if ports.iter().all(|&p| listening(p)) {
                return (server, ports);
            }
        }
        panic!("{what} does not listen on its ports after five tries");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let child = &mut self.0;
        if let Ok(None) = child.try_wait() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            for _ in 0..500 {
                if !matches!(child.try_wait(), Ok(None)) {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            let _ = child.kill();
        }
        let _ = child.wait();
    }
}

/// Bytes as text, lossily: for output that is shown or searched.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Requires a finished command to have succeeded; when it did not, the failure
/// names `what` ran and shows its status and stderr.
pub fn assert_ok(out: &std::process::Output, what: impl std::fmt::Display) {
    assert!(
        out.status.success(),
        "{what}: {}\n{}",
        out.status,
        text(&out.stderr)
    );
}

/// A command a test runs: a tool through assert_cmd, or any program.
pub trait Runnable: std::fmt::Debug {
    fn run(&mut self) -> std::io::Result<std::process::Output>;
}

impl Runnable for assert_cmd::Command {
    fn run(&mut self) -> std::io::Result<std::process::Output> {
        self.output()
    }
}

impl Runnable for std::process::Command {
    fn run(&mut self) -> std::io::Result<std::process::Output> {
        self.output()
    }
}

/// Runs a command and requires success (showing the command, its status and its
/// stderr when not); its output.
pub fn run_ok(cmd: &mut impl Runnable) -> std::process::Output {
    let out = cmd
        .run()
        .unwrap_or_else(|e| panic!("{cmd:?} does not start: {e}"));
    assert_ok(&out, format_args!("{cmd:?}"));
    out
}

/// Runs a command, requires success, and returns its stdout as UTF-8 text.
pub fn stdout_of(cmd: &mut impl Runnable) -> String {
    String::from_utf8(run_ok(cmd).stdout).expect("stdout is UTF-8")
}

/// Runs a command, requires success, and reads its stdout as one JSON document.
pub fn doc_of(cmd: &mut impl Runnable) -> serde_json::Value {
    serde_json::from_slice(&run_ok(cmd).stdout).expect("one JSON document")
}

/// Run a tool, require exit status `code` (showing its stderr when it differs), and
/// parse its stdout as a stream of JSON documents.
pub fn json_docs(cmd: &mut assert_cmd::Command, code: i32) -> Vec<serde_json::Value> {
    let out = cmd.output().expect("the tool runs");
    assert_eq!(
        out.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::Deserializer::from_slice(&out.stdout)
        .into_iter::<serde_json::Value>()
        .collect::<Result<_, _>>()
        .expect("JSON documents on stdout")
}

/// Run a tool under GNU time (`time`, from [`require_peer`]): what it printed, with
/// time's own line taken off stderr, and its peak RSS in KiB.
pub fn with_peak_rss(
    time: &Path,
    tool: &str,
    args: &[impl AsRef<std::ffi::OsStr>],
) -> (std::process::Output, u64) {
    let mut out = std::process::Command::new(time)
        .args(["-f", "%M"])
        .arg(tool_path(tool))
        .args(args)
        .output()
        .expect("GNU time runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let (before, last) = stderr
        .trim_end()
        .rsplit_once('\n')
        .unwrap_or(("", stderr.trim_end()));
    let kib = last.trim().parse().expect("GNU time's %M on the last line");
    out.stderr = if before.is_empty() {
        Vec::new()
    } else {
        format!("{before}\n").into_bytes()
    };
    (out, kib)
}

/// Whether the tests run as root (who may write anywhere and give files away).
pub fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// The workspace's root directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// Runs `holds` on every input of a fuzz target's corpus (`fuzz/corpus/TARGET`), so
/// `cargo test` replays what the fuzzer found; a property that fails names the input.
/// Returns how many inputs there were, and fails if there are fewer than `at_least`.
pub fn replay_fuzz_corpus(target: &str, at_least: usize, holds: impl Fn(&[u8])) -> usize {
    let dir = workspace_root().join("fuzz/corpus").join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz corpus") {
        let path = entry.expect("a corpus entry").path();
        let data = std::fs::read(&path).expect("a readable corpus input");
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| holds(&data)));
        assert!(outcome.is_ok(), "{} breaks a property", path.display());
        count += 1;
    }
    assert!(
        count >= at_least,
        "the {target} corpus has only {count} inputs"
    );
    count
}

/// A small deterministic generator (xorshift64) for tests that make their inputs:
/// the same seed gives the same cases on every machine.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// A number below `n` (which must not be 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// The embedded sample project.
pub fn example_dir() -> PathBuf {
    workspace_root().join("examples/billing")
}

/// The path of a tool's binary, built (once per test process) in the profile the
/// tests run under, so cross-tool tests always run the current code.
pub fn tool_path(name: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    let built = BUILT.get_or_init(|| Mutex::new(Vec::new()));
    let mut built = built.lock().unwrap_or_else(|e| e.into_inner());
    let profile_dir = profile_dir();
    if !built.iter().any(|b| b == name) {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = std::process::Command::new(cargo);
        cmd.current_dir(workspace_root()).args([
            "build",
            "--quiet",
            "--package",
            name,
            "--bin",
            name,
        ]);
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("cargo runs");
        assert!(status.success(), "building the `{name}` binary failed");
        built.push(name.to_string());
    }
    profile_dir.join(name)
}

/// A command for a tool's binary, with colour settings cleared from the environment
/// so output does not depend on the caller's terminal settings.
pub fn tool(name: &str) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(tool_path(name));
    for var in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "TERM"] {
        cmd.env_remove(var);
    }
    cmd.env_remove(REQUIRE_PEERS);
    cmd
}

/// `target/<profile>`, worked out from where this test binary lives
/// (`target/<profile>/deps/<test>-<hash>`).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary knows its path");
    let deps = exe.parent().expect("test binary has a directory");
    if deps.file_name().is_some_and(|n| n == "deps") {
        deps.parent().expect("deps has a parent").to_path_buf()
    } else {
        deps.to_path_buf()
    }
}

/// A temporary project tree made of `(relative path, contents)` pairs.
pub fn temp_project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (rel, contents) in files {
        write_file(dir.path(), rel, contents.as_bytes());
    }
    dir
}

/// Write `bytes` to `root/rel`, creating directories.
pub fn write_file(root: &Path, rel: &str, bytes: &[u8]) -> PathBuf {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create dirs");
    }
    std::fs::write(&path, bytes).expect("write file");
    path
}

/// A copy of the embedded example project in a temporary directory, for tests that
/// change files.
pub fn copy_example() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_tree(&example_dir(), dir.path()).expect("copy example");
    dir
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(entry.path())?, &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Writes a throwaway self-signed certificate for `names` (the first is the subject)
/// as `cert.pem` and `key.pem` in `dir`, with openssl.
pub fn self_signed_cert(openssl: &Path, dir: &Path, names: &[&str]) {
    let sans: Vec<String> = names.iter().map(|n| format!("DNS:{n}")).collect();
    let status = std::process::Command::new(openssl)
        .current_dir(dir)
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes"])
        .args(["-keyout", "key.pem", "-out", "cert.pem", "-days", "2"])
        .arg("-subj")
        .arg(format!("/CN={}", names[0]))
        .arg("-addext")
        .arg(format!("subjectAltName={}", sans.join(",")))
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl runs");
    assert!(status.success(), "openssl could not make a certificate");
}

/// Whether something accepts connections on 127.0.0.1:`port` within three seconds.
pub fn listening(port: u16) -> bool {
    for _ in 0..300 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    false
}

/// One GET with curl to `scheme://host:port/path`, connecting to 127.0.0.1 (any
/// certificate accepted): the status and every header line, names as sent.
pub fn curl_get(
    curl: &Path,
    scheme: &str,
    host: &str,
    port: u16,
    path: &str,
) -> (u16, Vec<(String, String)>) {
    let url = format!("{scheme}://{host}:{port}{path}");
    let out = std::process::Command::new(curl)
        .args(["-sk", "-o", "/dev/null", "-D", "-", "--max-time", "5"])
        .arg("--resolve")
        .arg(format!("{host}:{port}:127.0.0.1"))
        .arg(&url)
        .output()
        .expect("curl runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no answer from {url}: {text}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    (status, headers)
}

/// A release `mix release` built from a tiny project (`billing` 0.1.0, ERTS
/// included, default env.sh, vm.args and cookie), once per test binary; `None`
/// (skipped, loudly) without mix.
pub fn mix_release() -> Option<&'static PathBuf> {
    static BUILT: OnceLock<Option<(tempfile::TempDir, PathBuf)>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let mix = require_peer("mix")?;
            let dir = tempfile::tempdir().unwrap();
            let project = dir.path().join("billing");
            write_mix_project(&project, "billing", "Billing", "0.1.0", "");
            let root = build_mix_release(&mix, &project, "billing");
            Some((dir, root))
        })
        .as_ref()
        .map(|(_, root)| root)
}

/// A dependency-free Mix project at `project`: mix.exs with one release of `app`
/// (its options `release_options`, Elixir keyword syntax) and an empty `module`.
pub fn write_mix_project(
    project: &Path,
    app: &str,
    module: &str,
    version: &str,
    release_options: &str,
) {
    std::fs::create_dir_all(project.join("lib")).unwrap();
    std::fs::write(
        project.join("mix.exs"),
        format!(
            "defmodule {module}.MixProject do\n  use Mix.Project\n  def project, do: [app: :{app}, version: \"{version}\", deps: [], releases: [{app}: [{release_options}]]]\n  def application, do: [extra_applications: [:logger]]\nend\n"
        ),
    )
    .unwrap();
    std::fs::write(
        project.join(format!("lib/{app}.ex")),
        format!("defmodule {module} do\nend\n"),
    )
    .unwrap();
}

/// Run `mix release` (prod) in `project`, with a Mix home of its own beside it,
/// and return the release `name` it assembled (symlinks resolved).
pub fn build_mix_release(mix: &Path, project: &Path, name: &str) -> PathBuf {
    let home = project.with_file_name(format!(
        "{}.mix_home",
        project
            .file_name()
            .map_or("project".into(), |n| n.to_string_lossy())
    ));
    let out = std::process::Command::new(mix)
        .args(["release", "--overwrite", "--quiet"])
        .current_dir(project)
        .env("MIX_ENV", "prod")
        .env("MIX_HOME", home)
        .output()
        .unwrap();
    assert_ok(&out, "mix release");
    let root = project.join("_build/prod/rel").join(name);
    std::fs::canonicalize(&root).unwrap_or(root)
}

/// A release relx (through `rebar3 release`) built from a tiny project (`billing`
/// 0.1.0, prod mode: ERTS included, vm.args `-sname billing` and a cookie), once per
/// test binary; `None` (skipped, loudly) without rebar3.
pub fn relx_release() -> Option<&'static PathBuf> {
    static BUILT: OnceLock<Option<(tempfile::TempDir, PathBuf)>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let rebar3 = require_peer("rebar3")?;
            let dir = tempfile::tempdir().unwrap();
            let project = dir.path().join("billing");
            let files = [
                (
                    "rebar.config",
                    "{deps, []}.\n{relx, [{release, {billing, \"0.1.0\"}, [billing]},\n        {mode, prod},\n        {sys_config, \"config/sys.config\"},\n        {vm_args, \"config/vm.args\"}]}.\n",
                ),
                (
                    "src/billing.app.src",
                    "{application, billing, [{description, \"relkit test\"}, {vsn, \"0.1.0\"}, {applications, [kernel, stdlib]}, {env, []}]}.\n",
                ),
                ("src/billing.erl", "-module(billing).\n-export([ok/0]).\nok() -> ok.\n"),
                ("config/vm.args", "-sname billing\n-setcookie relx_test_cookie\n"),
                ("config/sys.config", "[{billing, []}].\n"),
            ];
            for (name, text) in files {
                write_file(&project, name, text.as_bytes());
            }
            let out = std::process::Command::new(rebar3)
                .arg("release")
                .current_dir(&project)
                .env("HOME", dir.path())
                .output()
                .unwrap();
            assert_ok(&out, "rebar3 release");
            let root = project.join("_build/default/rel/billing");
            Some((dir, std::fs::canonicalize(&root).unwrap_or(root)))
        })
        .as_ref()
        .map(|(_, root)| root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_program_every_machine_has() {
        assert!(find_peer("sh").is_some());
        assert!(find_peer("relkit-no-such-program").is_none());
    }

    #[test]
    fn temp_projects_hold_their_files() {
        let dir = temp_project(&[("rel/vm.args", "-name a@b\n")]);
        let text = std::fs::read_to_string(dir.path().join("rel/vm.args")).unwrap();
        assert_eq!(text, "-name a@b\n");
    }

    #[test]
    fn the_example_project_is_where_we_say() {
        assert!(example_dir().join("rel/config.exs").is_file());
    }
}
