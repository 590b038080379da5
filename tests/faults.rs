//! Nothing lost: every verb that writes is run under strace's fault injection at the
//! points where it touches its destination, and after each fault the destination is
//! exactly as it was or exactly as a clean run leaves it, never a mix.
//!
//! For each writer a clean run is traced first (`strace -f -y`, the system calls
//! that create, write, flush, rename, link or remove) and every call that names the
//! work directory is a fault point: the Nth call of that system call in its thread,
//! which is how strace counts (`when=N`). At each point (all of them, or an even
//! sample of [`MAX_POINTS`] where there are more) the writer runs again from the same
//! starting state four times: killed there (`signal=SIGKILL`), and with the call
//! failing with `ENOSPC`, `EIO` and `EACCES`. Then:
//!
//! - every watched path is, by content, mode and link target, tree by tree, its
//!   state before the run or its state after a clean run;
//! - anything else new beside them is a temporary file named as such;
//! - a failed call gives exit 2 and one line, `<tool>: error: ...`, that names a
//!   path under the work directory and says what the system said (no panic, no
//!   second line); a run that carries on past a failed call (a best-effort clean-up)
//!   must still end in the new state;
//! - after a kill that left the old state, the next clean run succeeds and leaves
//!   the new state, whatever the killed run left behind.
//!
//! The figures (points, kills, failures, old and new endings) are printed per writer.

use relkit_tests::{copy_example, require_peer, tool, tool_path, write_file};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The system calls that change the file system, or flush it.
const WRITING_CALLS: &[&str] = &[
    "openat",
    "write",
    "pwrite64",
    "writev",
    "fsync",
    "fdatasync",
    "syncfs",
    "ftruncate",
    "fallocate",
    "chmod",
    "fchmod",
    "fchmodat",
    "mkdir",
    "mkdirat",
    "rename",
    "renameat",
    "renameat2",
    "link",
    "linkat",
    "symlink",
    "symlinkat",
    "unlink",
    "unlinkat",
    "rmdir",
];

/// At most this many fault points per writer, spread evenly over the clean run.
const MAX_POINTS: usize = 60;

/// The errors injected, with the text the C library gives each.
const ERRORS: &[(&str, &str)] = &[
    ("ENOSPC", "No space left on device"),
    ("EIO", "Input/output error"),
    ("EACCES", "Permission denied"),
];

/// What is at a path: its kind, mode and content, for every path below it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    File { mode: u32, bytes: Vec<u8> },
    Dir { mode: u32 },
    Link { target: PathBuf },
}

type Tree = BTreeMap<String, Node>;

/// The state of `path` (absent: an empty tree), tree by tree; link targets under
/// the work directory `root` are written relative to it, so two work directories
/// compare.
fn snapshot(path: &Path, root: &Path) -> Tree {
    let mut tree = Tree::new();
    walk(path, "", &mut tree);
    let root = root.display().to_string();
    for node in tree.values_mut() {
        if let Node::Link { target } = node {
            *target = PathBuf::from(target.display().to_string().replace(&root, "{dir}"));
        }
    }
    tree
}

fn walk(path: &Path, rel: &str, tree: &mut Tree) {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return;
    };
    let mode = meta.permissions().mode() & 0o7777;
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(path).unwrap();
        tree.insert(rel.to_string(), Node::Link { target });
    } else if meta.is_dir() {
        tree.insert(rel.to_string(), Node::Dir { mode });
        let mut names: Vec<_> = std::fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        for name in names {
            let child = format!("{rel}/{}", name.to_string_lossy());
            walk(&path.join(&name), &child, tree);
        }
    } else {
        let bytes = std::fs::read(path).unwrap();
        tree.insert(rel.to_string(), Node::File { mode, bytes });
    }
}

/// One writing verb: how to lay out its starting state, what to run, what to watch.
struct Writer {
    label: &'static str,
    tool: &'static str,
    /// The arguments; `{dir}` is the work directory (absolute).
    args: Vec<String>,
    /// Paths (relative to the work directory) that must each end old or new.
    watched: Vec<&'static str>,
    /// What the name of a temporary leftover contains.
    temporary: &'static [&'static str],
    /// Lays out the starting state in an empty work directory.
    setup: Box<dyn Fn(&Path) + Sync>,
}

impl Writer {
    fn command(&self, dir: &Path) -> Vec<String> {
        let dir = dir.display().to_string();
        self.args.iter().map(|a| a.replace("{dir}", &dir)).collect()
    }

    fn state(&self, dir: &Path) -> Vec<Tree> {
        self.watched
            .iter()
            .map(|w| snapshot(&dir.join(w), dir))
            .collect()
    }

    fn fresh(&self) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        (self.setup)(dir.path());
        dir
    }

    fn is_temporary(&self, name: &str) -> bool {
        self.temporary.iter().any(|t| name.contains(t))
    }
}

/// Every name in the work directory and in the directories holding watched paths,
/// relative to the work directory.
fn listing(dir: &Path, writer: &Writer) -> BTreeSet<String> {
    let mut dirs: BTreeSet<PathBuf> = BTreeSet::from([dir.to_path_buf()]);
    for w in &writer.watched {
        if let Some(parent) = dir.join(w).parent() {
            dirs.insert(parent.to_path_buf());
        }
    }
    let mut names = BTreeSet::new();
    for d in dirs {
        if let Ok(entries) = std::fs::read_dir(&d) {
            for e in entries {
                let path = d.join(e.unwrap().file_name());
                let relative = path.strip_prefix(dir).unwrap().display().to_string();
                names.insert(relative);
            }
        }
    }
    names
}

fn run(strace: Option<(&Path, &[String])>, writer: &Writer, dir: &Path) -> Output {
    let args = writer.command(dir);
    let mut cmd = match strace {
        Some((strace, options)) => {
            let mut cmd = Command::new(strace);
            cmd.args(options).arg(tool_path(writer.tool));
            cmd
        }
        None => Command::new(tool_path(writer.tool)),
    };
    cmd.args(&args)
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .env_remove("RELKIT_FORMAT")
        .output()
        .unwrap()
}

/// A fault point: the `n`th call of `call` in a thread.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Point {
    call: String,
    n: usize,
    /// Whether an error injected here would fail only this call: true in the main
    /// thread; in another thread only when the main thread makes fewer than `n`
    /// such calls, counting one more for the error message a failure makes it write.
    error_is_precise: bool,
}

/// The fault points of a clean run, for every call that names the work directory,
/// in the order they were made.
fn fault_points(strace: &Path, writer: &Writer) -> Vec<Point> {
    let dir = writer.fresh();
    let trace_file = tempfile::NamedTempFile::new().unwrap();
    let trace = trace_file.path();
    let options: Vec<String> = [
        "-f",
        "-qq",
        "-y",
        "-s",
        "0",
        "-o",
        trace.to_str().unwrap(),
        "-e",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([format!("trace={}", WRITING_CALLS.join(","))])
    .collect();
    let out = run(Some((strace, &options)), writer, dir.path());
    assert!(
        out.status.success(),
        "{}: the clean run under strace failed: {}",
        writer.label,
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(trace).unwrap();
    let root = dir.path().display().to_string();
    let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut found = Vec::new();
    let mut main = None;
    for line in text.lines() {
        let Some((pid, call)) = line.split_once(' ') else {
            continue;
        };
        let call = call.trim_start();
        if call.starts_with("<...") || call.starts_with("+++") || call.starts_with("---") {
            continue;
        }
        let Some(name) = call.split('(').next() else {
            continue;
        };
        if !WRITING_CALLS.contains(&name) {
            continue;
        }
        main.get_or_insert_with(|| pid.to_string());
        let n = counts
            .entry((pid.to_string(), name.to_string()))
            .and_modify(|n| *n += 1)
            .or_insert(1);
        // The working directory every *at call shows says nothing of what is named.
        if strip_cwd(call).contains(&root) {
            found.push((pid.to_string(), name.to_string(), *n));
        }
    }
    let main = main.unwrap_or_default();
    let mut points: Vec<Point> = found
        .into_iter()
        .map(|(pid, call, n)| {
            let in_main = counts
                .get(&(main.clone(), call.clone()))
                .copied()
                .unwrap_or(0);
            Point {
                error_is_precise: pid == main || n > in_main + 1,
                call,
                n,
            }
        })
        .collect();
    let mut seen = BTreeSet::new();
    points.retain(|p| seen.insert((p.call.clone(), p.n)));
    if points.len() > MAX_POINTS {
        let step = points.len() as f64 / MAX_POINTS as f64;
        points = (0..MAX_POINTS)
            .map(|i| points[(i as f64 * step) as usize].clone())
            .collect();
    }
    points
}

fn strip_cwd(call: &str) -> String {
    let mut out = String::with_capacity(call.len());
    let mut rest = call;
    while let Some(at) = rest.find("AT_FDCWD<") {
        out.push_str(&rest[..at]);
        rest = rest[at..].split_once('>').map_or("", |(_, r)| r);
    }
    out.push_str(rest);
    out
}

#[derive(Default, Debug)]
struct Figures {
    points: usize,
    killed: usize,
    kill_not_reached: usize,
    failed: usize,
    failure_tolerated: usize,
    ended_old: usize,
    ended_new: usize,
    /// Errors not injected: where strace, which counts calls per thread, would also
    /// fail the main thread's own call of that number (its error message).
    errors_not_injected: usize,
    runs: usize,
    /// The calls whose failure a run carried on past, to the new state.
    tolerated_calls: BTreeSet<String>,
}

fn exercise(writer: &Writer) {
    let Some(strace) = require_peer("strace") else {
        return;
    };
    // The states a run may end in.
    let start = writer.fresh();
    let old = writer.state(start.path());
    let before = listing(start.path(), writer);
    let clean = run(None, writer, start.path());
    assert!(
        clean.status.success(),
        "{}: the clean run failed: {}",
        writer.label,
        String::from_utf8_lossy(&clean.stderr)
    );
    let new = writer.state(start.path());
    assert_ne!(old, new, "{}: a clean run changes nothing", writer.label);
    let after = listing(start.path(), writer);

    let points = fault_points(&strace, writer);
    assert!(
        points.len() >= 5,
        "{}: only {} fault points",
        writer.label,
        points.len()
    );
    let mut figures = Figures {
        points: points.len(),
        ..Figures::default()
    };
    let mut problems = Vec::new();
    for point in &points {
        let (call, n) = (&point.call, point.n);
        let mut faults = vec![("SIGKILL", None)];
        if point.error_is_precise {
            faults.extend(ERRORS.iter().map(|(errno, text)| (*errno, Some(*text))));
        } else {
            figures.errors_not_injected += 1;
        }
        for (fault, errno_text) in faults {
            figures.runs += 1;
            let dir = writer.fresh();
            let what = if errno_text.is_some() {
                format!("error={fault}")
            } else {
                format!("signal={fault}")
            };
            let options: Vec<String> = vec![
                "-f".into(),
                "-qq".into(),
                "-o".into(),
                "/dev/null".into(),
                "-e".into(),
                format!("trace={call}"),
                "-e".into(),
                format!("inject={call}:{what}:when={n}"),
            ];
            let out = run(Some((&strace, &options)), writer, dir.path());
            let at = format!("{}: {call} #{n} {fault}", writer.label);
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            let state = writer.state(dir.path());
            let ended_old = state == old;
            for (i, tree) in state.iter().enumerate() {
                if tree != &old[i] && tree != &new[i] {
                    problems.push(format!(
                        "{at}: {} is neither the old nor the new state (exit {:?}; {stderr})",
                        writer.watched[i], out.status
                    ));
                }
            }
            if ended_old {
                figures.ended_old += 1;
            } else if state == new {
                figures.ended_new += 1;
            }
            for name in listing(dir.path(), writer) {
                let known = before.contains(&name) || after.contains(&name);
                let base = name.rsplit('/').next().unwrap_or(&name);
                if !known && !writer.is_temporary(base) {
                    problems.push(format!("{at}: left {name}, not named as temporary"));
                }
            }
            match (errno_text, out.status.signal(), out.status.code()) {
                (None, Some(9), _) => {
                    figures.killed += 1;
                    if ended_old {
                        let again = run(None, writer, dir.path());
                        if !again.status.success() || writer.state(dir.path()) != new {
                            problems.push(format!(
                                "{at}: the next run after the kill did not finish the job: {}",
                                String::from_utf8_lossy(&again.stderr)
                            ));
                        }
                        // What the killed run marked for removal, the next one removed.
                        let marks: Vec<String> = listing(dir.path(), writer)
                            .into_iter()
                            .filter(|n| n.ends_with(".partial"))
                            .collect();
                        if !marks.is_empty() {
                            problems.push(format!("{at}: the next run left {marks:?}"));
                        }
                    }
                }
                (None, _, Some(0)) => figures.kill_not_reached += 1,
                (Some(text), _, Some(2)) => {
                    figures.failed += 1;
                    let lines: Vec<&str> = stderr.lines().collect();
                    let one_line = lines.len() == 1
                        && lines[0].starts_with(&format!("{}: error: ", writer.tool));
                    if !one_line || !stderr.contains(text) {
                        problems.push(format!(
                            "{at}: not one error line saying {text:?}: {stderr}"
                        ));
                    } else if !stderr.contains(&dir.path().display().to_string()) {
                        problems.push(format!("{at}: the error names no path: {stderr}"));
                    }
                }
                (Some(_), _, Some(0)) if state == new => {
                    figures.failure_tolerated += 1;
                    figures.tolerated_calls.insert(call.clone());
                }
                _ => problems.push(format!(
                    "{at}: exit {:?} (signal {:?}), state {}: {stderr}",
                    out.status.code(),
                    out.status.signal(),
                    if ended_old { "old" } else { "new" }
                )),
            }
        }
    }
    let _ = writeln!(
        std::io::stderr(),
        "faults: {}: {} points; {} runs (SIGKILL at each, ENOSPC, EIO and EACCES at each but {}); killed {} (the point not reached {}); failed with exit 2 and one line {}; carried on past a failed call to the new state {} ({}); ended old {}, new {}, some paths old and others new {} (each one old or new)",
        writer.label,
        figures.points,
        figures.runs,
        figures.errors_not_injected,
        figures.killed,
        figures.kill_not_reached,
        figures.failed,
        figures.failure_tolerated,
        figures.tolerated_calls.iter().cloned().collect::<Vec<_>>().join(", "),
        figures.ended_old,
        figures.ended_new,
        figures.runs - figures.ended_old - figures.ended_new,
    );
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(figures.killed > 0 && figures.failed > 0, "{figures:?}");
}

/// The example's assembled release with a larger file, so writes come in several calls.
fn release_tree(root: &Path, variant: u8) {
    let example = copy_example();
    copy_dir(&example.path().join("release"), &root.join("rel"));
    let mut data = Vec::with_capacity(300_000);
    let mut x = 0x9e37_79b9_u32 ^ u32::from(variant);
    while data.len() < 300_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        data.extend_from_slice(&x.to_le_bytes());
    }
    write_file(root, "rel/lib/billing-0.1.0/priv/data.bin", &data);
    write_file(
        root,
        "rel/lib/billing-0.1.0/priv/version.txt",
        format!("variant {variant}\n").as_bytes(),
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A tarball of the release variant, packed by release-pack.
fn tarball(root: &Path, variant: u8, name: &str) {
    let build = tempfile::tempdir().unwrap();
    release_tree(build.path(), variant);
    tool("release-pack")
        .args(["pack", "rel", "-q", "-o"])
        .arg(root.join(name))
        .current_dir(build.path())
        .assert()
        .success();
}

fn owned(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

#[test]
fn pack_replacing_a_tarball_ends_old_or_new() {
    exercise(&Writer {
        label: "release-pack pack -o (over an older tarball)",
        tool: "release-pack",
        args: owned(&["pack", "{dir}/rel", "-o", "{dir}/out.tar.gz", "-q"]),
        watched: vec!["out.tar.gz"],
        temporary: &[".release-pack-"],
        setup: Box::new(|root| {
            release_tree(root, 1);
            tarball(root, 2, "out.tar.gz");
        }),
    });
}

#[test]
fn pack_to_a_new_file_ends_old_or_new() {
    exercise(&Writer {
        label: "release-pack pack -o (a new file, one thread)",
        tool: "release-pack",
        args: owned(&[
            "pack",
            "{dir}/rel",
            "-o",
            "{dir}/out.tar.gz",
            "-q",
            "--threads",
            "1",
        ]),
        watched: vec!["out.tar.gz"],
        temporary: &[".release-pack-"],
        setup: Box::new(|root| release_tree(root, 1)),
    });
}

#[test]
fn unpack_into_a_new_directory_ends_old_or_new() {
    exercise(&Writer {
        label: "release-pack unpack --into (fresh)",
        tool: "release-pack",
        args: owned(&["unpack", "{dir}/r.tar.gz", "--into", "{dir}/app", "-q"]),
        watched: vec!["app"],
        temporary: &[".app.release-pack-"],
        setup: Box::new(|root| tarball(root, 1, "r.tar.gz")),
    });
}

/// Two earlier releases, in DIR and DIR.prev, and the tarball of a third.
fn two_releases(root: &Path) {
    tarball(root, 1, "r.tar.gz");
    tarball(root, 2, "old.tar.gz");
    tarball(root, 3, "older.tar.gz");
    for (file, into) in [("older.tar.gz", "app.prev"), ("old.tar.gz", "app")] {
        tool("release-pack")
            .arg("unpack")
            .arg(root.join(file))
            .arg("--into")
            .arg(root.join(into))
            .arg("-q")
            .assert()
            .success();
    }
}

#[test]
fn unpack_replace_over_a_release_ends_old_or_new() {
    exercise(&Writer {
        label: "release-pack unpack --into --replace (over a release and its .prev)",
        tool: "release-pack",
        args: owned(&[
            "unpack",
            "{dir}/r.tar.gz",
            "--into",
            "{dir}/app",
            "--replace",
            "-q",
        ]),
        watched: vec!["app", "app.prev"],
        temporary: &[".app.release-pack-"],
        setup: Box::new(two_releases),
    });
}

#[test]
fn unpack_replace_no_keep_ends_old_or_new() {
    exercise(&Writer {
        label: "release-pack unpack --into --replace --no-keep (over a release and its .prev)",
        tool: "release-pack",
        args: owned(&[
            "unpack",
            "{dir}/r.tar.gz",
            "--into",
            "{dir}/app",
            "--replace",
            "--no-keep",
            "-q",
        ]),
        watched: vec!["app", "app.prev"],
        temporary: &[".app.release-pack-"],
        setup: Box::new(two_releases),
    });
}

#[test]
fn secret_link_apply_ends_old_or_new() {
    exercise(&Writer {
        label: "secret-link apply (a file backed up, a link replaced, a link created)",
        tool: "secret-link",
        args: owned(&[
            "apply",
            "--env",
            "stage",
            "--env",
            "prod",
            "--env",
            "dev",
            "--from",
            "{dir}/secrets",
            "--into",
            "{dir}/config",
            "--force",
            "-q",
        ]),
        watched: vec![
            "config/stage.secret.exs",
            "config/prod.secret.exs",
            "config/dev.secret.exs",
        ],
        temporary: &[".secret-link-tmp.", ".bak."],
        setup: Box::new(|root| {
            for env in ["stage", "prod", "dev"] {
                let path = write_file(
                    root,
                    &format!("secrets/{env}.secret.exs"),
                    format!("import Config\nconfig :billing, key: \"{env}\"\n").as_bytes(),
                );
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
            }
            write_file(root, "config/stage.secret.exs", b"old file\n");
            write_file(root, "old/prod.secret.exs", b"old target\n");
            std::os::unix::fs::symlink(
                root.join("old/prod.secret.exs"),
                root.join("config/prod.secret.exs"),
            )
            .unwrap();
        }),
    });
}

#[test]
fn vmargs_render_o_ends_old_or_new() {
    exercise(&Writer {
        label: "vmargs render -o (over a 0640 vm.args)",
        tool: "vmargs",
        args: owned(&[
            "render",
            "--name",
            "billing@127.0.0.1",
            "--cookie-env",
            "RELEASE_COOKIE",
            "--kernel",
            "inet_dist_listen_min=9100",
            "-o",
            "{dir}/rel/vm.args",
        ]),
        watched: vec!["rel/vm.args"],
        temporary: &[".relkit-"],
        setup: Box::new(|root| {
            let path = write_file(root, "rel/vm.args", b"-name old@127.0.0.1\n");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        }),
    });
}

/// What the kill tests cannot see, a power loss, is covered by order: unpack flushes
/// the tree (`syncfs`) before the rename that puts it in place and the directory
/// (`fsync`) after; `--no-sync` skips both.
#[test]
fn unpack_flushes_the_tree_before_the_rename_and_the_directory_after() {
    let Some(strace) = require_peer("strace") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    tarball(dir.path(), 1, "r.tar.gz");
    let calls = |extra: &[&str], into: &str| -> Vec<String> {
        let trace = dir.path().join(format!("{into}.trace"));
        assert_cmd::Command::new(&strace)
            .args(["-f", "-qq", "-o"])
            .arg(&trace)
            .args(["-e", "trace=syncfs,fsync,rename,renameat,renameat2"])
            .arg(tool_path("release-pack"))
            .arg("unpack")
            .arg(dir.path().join("r.tar.gz"))
            .arg("--into")
            .arg(dir.path().join(into))
            .args(extra)
            .arg("-q")
            .assert()
            .success();
        std::fs::read_to_string(&trace)
            .unwrap()
            .lines()
            .filter_map(|l| l.split_whitespace().nth(1)?.split('(').next())
            .map(str::to_string)
            .collect()
    };
    let flushed = calls(&[], "a");
    let rename = flushed
        .iter()
        .position(|c| c.starts_with("rename"))
        .unwrap();
    assert_eq!(
        flushed.iter().filter(|c| *c == "syncfs").count(),
        1,
        "{flushed:?}"
    );
    assert!(
        flushed[..rename].contains(&"syncfs".to_string()),
        "{flushed:?}"
    );
    assert!(
        flushed[rename..].contains(&"fsync".to_string()),
        "{flushed:?}"
    );
    let unflushed = calls(&["--no-sync"], "b");
    assert!(!unflushed.contains(&"syncfs".to_string()), "{unflushed:?}");
    assert!(!unflushed.contains(&"fsync".to_string()), "{unflushed:?}");
    assert!(
        unflushed.iter().any(|c| c.starts_with("rename")),
        "{unflushed:?}"
    );
}
