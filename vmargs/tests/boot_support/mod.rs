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
