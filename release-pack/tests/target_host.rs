//! `verify --target-host` over a real OpenSSH (the throwaway sshd on 127.0.0.1):
//! the host is this machine, so every finding must be the one `--target-root /`
//! gives, the host reached in a handful of ssh runs however many libraries the
//! release needs; a host ssh cannot reach is exit 2 with what to check.

use relkit_tests::sshd::{start_sshd, HOST};
use relkit_tests::{
    assert_ok, build_mix_release, json_docs, require_peer, tool, write_mix_project,
};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// A release with ERTS, `:crypto`, and two NIFs of its own built here: one needs a
/// library no host has, one finds its library beside it through `$ORIGIN`.
fn release(dir: &Path) -> std::path::PathBuf {
    let mix = require_peer("mix").unwrap();
    let project = dir.join("billing");
    write_mix_project(&project, "billing", "Billing", "0.1.0", "");
    let mix_exs = project.join("mix.exs");
    let text = std::fs::read_to_string(&mix_exs).unwrap();
    std::fs::write(&mix_exs, text.replace("[:logger]", "[:logger, :crypto]")).unwrap();
    let root = build_mix_release(&mix, &project, "billing");
    let priv_dir = root.join("lib/billing-0.1.0/priv");
    std::fs::create_dir_all(priv_dir.join("lib")).unwrap();
    let gcc = |args: &[&str]| {
        let out = Command::new("gcc")
            .current_dir(dir)
            .args(args)
            .output()
            .unwrap();
        assert_ok(&out, "gcc");
    };
    std::fs::write(dir.join("gone.c"), "int gone(void){return 1;}\n").unwrap();
    gcc(&[
        "-shared",
        "-fPIC",
        "-o",
        "libgone.so.7",
        "gone.c",
        "-Wl,-soname,libgone.so.7",
    ]);
    std::fs::write(
        dir.join("nif.c"),
        "int gone(void);\nint nif_init(void){return gone();}\n",
    )
    .unwrap();
    gcc(&[
        "-shared",
        "-fPIC",
        "-o",
        "needs_gone.so",
        "nif.c",
        "libgone.so.7",
    ]);
    gcc(&[
        "-shared",
        "-fPIC",
        "-o",
        "bundled.so",
        "nif.c",
        "libgone.so.7",
        "-Wl,-rpath,$ORIGIN/lib",
    ]);
    std::fs::copy(dir.join("needs_gone.so"), priv_dir.join("needs_gone.so")).unwrap();
    std::fs::copy(dir.join("bundled.so"), priv_dir.join("bundled.so")).unwrap();
    std::fs::copy(dir.join("libgone.so.7"), priv_dir.join("lib/libgone.so.7")).unwrap();
    root
}

fn findings(args: &[&str], release: &Path, host_name: &str) -> (Vec<Value>, String) {
    let mut json = tool("release-pack");
    json.args(["verify", "--json"]).args(args).arg(release);
    let docs = json_docs(&mut json, 1);
    let comparable = docs
        .into_iter()
        .map(|mut f| {
            let message = f["message"].as_str().unwrap().replace(host_name, "TARGET");
            f["message"] = Value::String(message);
            f
        })
        .collect();
    let human = tool("release-pack")
        .args(["verify"])
        .args(args)
        .arg(release)
        .output()
        .unwrap();
    (
        comparable,
        String::from_utf8_lossy(&human.stdout).into_owned(),
    )
}

#[test]
fn a_host_over_ssh_answers_as_its_root_does_in_a_few_runs() {
    let Some(sshd) = start_sshd() else { return };
    require_peer("gcc");
    let dir = tempfile::tempdir().unwrap();
    let release = release(dir.path());
    let config = sshd.config();
    let config = config.to_str().unwrap();
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let (here, _) = findings(&["--target-root", "/"], &release, "root /");
    let (there, human) = findings(
        &["--target-host", HOST, "--ssh-config", config],
        &release,
        &format!("host {}", hostname.trim()),
    );
    assert_eq!(there, here);
    let codes: Vec<&str> = here.iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["missing-library"], "{here:?}");
    assert!(here[0]["message"]
        .as_str()
        .unwrap()
        .contains("needs_gone.so needs libgone.so.7"));
    // Basics, then the libraries the release needs, then theirs: not one run each.
    let runs: usize = human
        .split("read in ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no run count in {human:?}"));
    assert!((2..=5).contains(&runs), "{runs} ssh runs: {human}");
    eprintln!(
        "target host: {} findings as --target-root / gives, read in {runs} ssh runs",
        here.len()
    );

    // A host ssh cannot reach: exit 2, naming it and what to check.
    let out = tool("release-pack")
        .args([
            "verify",
            "--target-host",
            "nobody@relkit-nowhere.invalid",
            "--ssh-option",
            "ConnectTimeout=3",
        ])
        .arg(&release)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("relkit-nowhere.invalid") && said.contains("BatchMode"),
        "{said}"
    );
}
