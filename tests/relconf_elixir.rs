//! relconf against real Elixir: each fixture is evaluated by `elixir` with a stub of
//! the Distillery DSL (tests/relconf_stub.exs), which prints what it found with
//! relconf's JSON mapping. relconf's document must agree on the environment and
//! release names and on every value it evaluated itself (values it kept as
//! `{"expr": ...}` are Elixir's to compute, and `current_version` is left to Mix).

use relkit_tests::{require_peer, tool_path, workspace_root};
use serde_json::{Map, Value};
use std::path::Path;
use std::process::Command;

fn has_expr(v: &Value) -> bool {
    match v {
        Value::Object(o) => o.contains_key("expr") || o.values().any(has_expr),
        Value::Array(a) => a.iter().any(has_expr),
        _ => false,
    }
}

fn mentions_current_version(v: &Value) -> bool {
    v.to_string().contains("__current_version__")
}

fn as_object(v: &Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

static COMPARED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Compare relconf's settings with Elixir's; return what differs.
fn compare_settings(
    place: &str,
    ours: &Map<String, Value>,
    theirs: &Map<String, Value>,
    out: &mut Vec<String>,
) {
    for (key, value) in theirs {
        match ours.get(key) {
            None => out.push(format!(
                "{place}.{key}: Elixir has {value}, relconf has nothing"
            )),
            Some(v) if has_expr(v) || mentions_current_version(value) => {}
            Some(v) if v != value => out.push(format!(
                "{place}.{key}: Elixir has {value}, relconf has {v}"
            )),
            Some(_) => {
                COMPARED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
    }
    for key in ours.keys() {
        if !theirs.contains_key(key) {
            out.push(format!("{place}.{key}: relconf has it, Elixir does not"));
        }
    }
}

fn compare(file: &Path, elixir: &Path) -> Vec<String> {
    let dir = file.parent().unwrap();
    let stub = workspace_root().join("tests/relconf_stub.exs");
    let run = Command::new(elixir)
        .arg(&stub)
        .arg(file)
        .current_dir(dir)
        // The fixtures' conditional blocks are defined when these are set.
        .env("WITH_CANARY", "1")
        .output()
        .expect("elixir runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let Some(json) = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RELCONF_STUB_JSON:"))
    else {
        return vec![format!(
            "{}: elixir printed no result: {}",
            file.display(),
            String::from_utf8_lossy(&run.stderr)
        )];
    };
    let theirs: Value = serde_json::from_str(json).expect("stub JSON");
    let parsed = Command::new(tool_path("relconf"))
        .args(["parse", "--show-secrets"])
        .arg(file)
        .current_dir(dir)
        .output()
        .expect("relconf runs");
    assert!(
        parsed.status.success(),
        "{}: {}",
        file.display(),
        String::from_utf8_lossy(&parsed.stderr)
    );
    let ours: Value = serde_json::from_slice(&parsed.stdout).expect("relconf JSON");

    let mut diffs = Vec::new();
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    for key in ["default_release", "default_environment"] {
        if let Some(t) = theirs["defaults"].get(key) {
            let o = &ours[key];
            if !has_expr(o) && o != t && !(t.is_null() && o.is_null()) {
                diffs.push(format!("{name}: {key}: Elixir has {t}, relconf has {o}"));
            }
        }
    }
    let their_envs = as_object(&theirs["environments"]);
    let our_envs = as_object(&ours["environments"]);
    let names = |m: &Map<String, Value>| m.keys().cloned().collect::<Vec<_>>();
    if names(&their_envs) != names(&our_envs) {
        diffs.push(format!(
            "{name}: environments: Elixir has {:?}, relconf has {:?}",
            names(&their_envs),
            names(&our_envs)
        ));
    }
    for (env, settings) in &their_envs {
        compare_settings(
            &format!("{name}: environments.{env}"),
            &as_object(&our_envs[env]),
            &as_object(settings),
            &mut diffs,
        );
    }
    let their_rels = as_object(&theirs["releases"]);
    let our_rels = as_object(&ours["releases"]);
    if names(&their_rels) != names(&our_rels) {
        diffs.push(format!(
            "{name}: releases: Elixir has {:?}, relconf has {:?}",
            names(&their_rels),
            names(&our_rels)
        ));
    }
    for (rel, settings) in &their_rels {
        let mut theirs = as_object(settings);
        let ours_rel = &our_rels[rel];
        let mut ours = as_object(&ours_rel["settings"]);
        // relconf lifts version and applications out of the settings.
        for lifted in ["version", "applications"] {
            if let Some(v) = theirs.remove(lifted) {
                ours.insert(lifted.into(), ours_rel[lifted].clone());
                theirs.insert(lifted.into(), v);
            }
        }
        compare_settings(
            &format!("{name}: releases.{rel}"),
            &ours,
            &theirs,
            &mut diffs,
        );
    }
    diffs
}

#[test]
fn fixtures_agree_with_elixir() {
    let Some(elixir) = require_peer("elixir") else {
        return;
    };
    let dir = workspace_root().join("tests/fixtures/relconf");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files.push(workspace_root().join("examples/billing/rel/config.exs"));
    files.push(workspace_root().join("examples/billing/mix.exs"));
    assert!(files.len() >= 10);
    let diffs: Vec<String> = files.iter().flat_map(|f| compare(f, &elixir)).collect();
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
    let compared = COMPARED.load(std::sync::atomic::Ordering::Relaxed);
    println!(
        "relconf and Elixir agree on {compared} values in {} files",
        files.len()
    );
    assert!(compared >= 80, "only {compared} values were compared");
}
