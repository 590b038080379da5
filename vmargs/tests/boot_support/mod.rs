//! Helpers of the `vmargs boot` tests: a release built with `mix release`, the real
//! start script's dry run, and vmargs' answer for the same.

// Each test file uses its own part of these.
#![allow(dead_code)]

use relkit_tests::{assert_ok, mix_release, tool};
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn release() -> Option<&'static PathBuf> {
    mix_release()
}

/// A copy of the release to change files in.
pub fn copy_release(root: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new("cp")
        .arg("-a")
        .arg(root)
        .arg(dir.path().join("billing"))
        .output()
        .unwrap();
    assert_ok(&out, "cp -a");
    dir
}

pub const PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// What the real script prints for `command` (the random digits of rem-/rpc- names
/// written as the script's `$(rand)`).
pub fn dry_run(
    root: &Path,
    command: &str,
    expr: Option<&str>,
    env: &[(String, String)],
) -> (bool, String) {
    let mut cmd = Command::new(root.join("bin/billing"));
    cmd.arg(command);
    if let Some(e) = expr {
        cmd.arg(e);
    }
    let out = cmd
        .env_clear()
        .env("PATH", PATH)
        .env("ELIXIR_CLI_DRY_RUN", "1")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir(root)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout)
        .trim_end_matches('\n')
        .to_string();
    let mut normal = String::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find(['r']) {
        let (head, tail) = rest.split_at(at);
        normal.push_str(head);
        let is_rand = (tail.starts_with("rem-") || tail.starts_with("rpc-"))
            && tail.len() > 9
            && tail[4..8].bytes().all(|b| b.is_ascii_hexdigit())
            && &tail[8..9] == "-";
        if is_rand {
            normal.push_str(&tail[..4]);
            normal.push_str("$(rand)");
            rest = &tail[8..];
        } else {
            normal.push('r');
            rest = &tail[1..];
        }
    }
    normal.push_str(rest);
    (out.status.success(), normal)
}

pub fn boot_doc(
    root: &Path,
    command: &str,
    expr: Option<&str>,
    env: &[(String, String)],
) -> serde_json::Value {
    let mut cmd = tool("vmargs");
    cmd.args(["boot", "--json", "--show-secrets", "--command", command]);
    if let Some(e) = expr {
        cmd.args(["--expr", e]);
    }
    for (k, v) in env {
        cmd.arg(format!("--env={k}={v}"));
    }
    cmd.arg(root);
    let out = cmd.output().unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "vmargs boot failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// argv as the dry run prints it (`echo "$@"`), or `None` when a word is unknown
/// for a reason other than `$(rand)`.
pub fn joined(doc: &serde_json::Value) -> Option<String> {
    let mut words = Vec::new();
    for w in doc["argv"].as_array().unwrap() {
        match w {
            serde_json::Value::String(s) => words.push(s.clone()),
            other => {
                let deps = other["depends_on"].as_array()?;
                if deps
                    .iter()
                    .all(|d| d.as_str().unwrap_or("").contains("random hex"))
                {
                    words.push(other["unknown"].as_str()?.to_string());
                } else {
                    return None;
                }
            }
        }
    }
    Some(words.join(" "))
}

/// `erl -emu_args_exit`'s list less erl's own words and separators.
pub fn erl_words(text: &str) -> Vec<String> {
    // One word a line; an empty line is an empty word.
    let text = text.strip_suffix('\n').unwrap_or(text);
    let mut words: Vec<String> = if text.is_empty() {
        Vec::new()
    } else {
        text.split('\n').map(str::to_string).collect()
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        match words[i].as_str() {
            "--" => i += 1,
            "-root" | "-bindir" | "-progname" | "-home" => i += 2,
            "-emu_args_exit" => i += 1,
            _ => {
                out.push(std::mem::take(&mut words[i]));
                i += 1;
            }
        }
    }
    out
}

/// `cp -a built root`.
pub fn copy_into(built: &Path, root: &Path) {
    let out = Command::new("cp")
        .arg("-a")
        .arg(built)
        .arg(root)
        .output()
        .unwrap();
    assert_ok(&out, "cp -a");
}

/// A copy of the built release (as `billing` in a new directory) whose ERTS
/// programs are replaced by `recorders` (name, script text), the real `erlexec`
/// kept as `erlexec.real` for them to call.
pub fn recording_copy(built: &Path, recorders: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("billing");
    copy_into(built, &root);
    let bin = root.join("erts-13.1.5/bin");
    std::fs::rename(bin.join("erlexec"), bin.join("erlexec.real")).unwrap();
    for (name, text) in recorders {
        std::fs::write(bin.join(name), text).unwrap();
        let out = Command::new("chmod")
            .arg("+x")
            .arg(bin.join(name))
            .output()
            .unwrap();
        assert_ok(&out, "chmod");
    }
    dir
}

/// The words a recorder wrote (NUL-terminated each).
pub fn records(path: &Path) -> Option<Vec<String>> {
    let bytes = std::fs::read(path).ok()?;
    Some(
        bytes
            .split(|&b| b == 0)
            .map(|w| String::from_utf8_lossy(w).into_owned())
            .collect::<Vec<_>>()
            .split_last()?
            .1
            .to_vec(),
    )
}

/// What erl made of a recorded line against the document.
pub enum ErlReading {
    /// erl refused the line, and the document's `erl-refuses` says what erl said.
    Refused,
    /// `effective_args` is erl's list.
    Same,
    /// `effective_args` holds an unknown.
    Unknown,
}

/// The document's `effective_args` (or its `erl-refuses`) against what the real
/// erlexec's `-emu_args_exit` wrote to `emu`.
pub fn erl_reading(doc: &serde_json::Value, emu: &str, context: &str) -> ErlReading {
    let refused = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "erl-refuses");
    if let Some(f) = refused {
        let message = f["message"].as_str().unwrap();
        let erl_says = emu.lines().next().unwrap_or("");
        assert!(
            message.ends_with(erl_says) && !erl_says.is_empty(),
            "erl says {erl_says:?}, we say {message:?}: {context}"
        );
        return ErlReading::Refused;
    }
    // erl's list has `--` between its parts, which the comparison leaves out on
    // both sides.
    let ours: Option<Vec<String>> = doc["effective_args"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| *w != "--")
        .map(|w| w.as_str().map(str::to_string))
        .collect();
    match ours {
        Some(ours) => {
            assert_eq!(ours, erl_words(emu), "effective args, {context}");
            ErlReading::Same
        }
        None => ErlReading::Unknown,
    }
}

/// A real node's name and cookie (and the findings expected) against the
/// document: a `-sname` without a host gets this host's, a cookie from home is
/// `home_cookie`.
pub fn assert_outcome(
    doc: &serde_json::Value,
    (name, cookie): (&str, &str),
    home_cookie: &str,
    codes: &[&str],
    context: &str,
) {
    let ours = doc["node"]["value"].as_str().unwrap();
    if name.contains('@') && !ours.contains('@') {
        assert!(name.starts_with(&format!("{ours}@")), "{name}: {context}");
    } else {
        assert_eq!(ours, name, "{context}");
    }
    let ours_cookie = &doc["cookie"];
    if ours_cookie["from_home"] == true {
        assert_eq!(cookie, home_cookie, "{context}");
    } else {
        assert_eq!(ours_cookie["value"].as_str(), Some(cookie), "{context}");
    }
    let found: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    for code in codes {
        assert!(found.contains(code), "{code} not in {found:?}: {context}");
    }
    if codes.is_empty() {
        assert!(found.is_empty(), "{found:?}: {context}");
    }
}

/// The codes of a document's findings.
pub fn codes(doc: &serde_json::Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

/// The name and cookie a real node printed with
/// `erlang:display({node_and_cookie,node(),erlang:get_cookie()})`.
pub fn node_and_cookie(out: &std::process::Output) -> (String, String) {
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("{node_and_cookie,")?.strip_suffix('}'))
        .unwrap_or_else(|| {
            panic!(
                "the node printed no name: {text}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let (name, cookie) = line.split_once(',').unwrap();
    (
        name.trim_matches('\'').to_string(),
        cookie.trim_matches('\'').to_string(),
    )
}
