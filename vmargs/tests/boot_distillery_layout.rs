//! `vmargs boot` on a release in Distillery's layout written by the test (the
//! scripts' text here is this project's own, carrying only the lines the model
//! reads: the release's name and the defaults baked in): what the model makes of
//! hooks, units, read-only roots, tarballs and bad input. The proof against
//! Distillery's own scripts is in boot_distillery.rs.

mod boot_support;

use boot_support::codes;
use relkit_tests::{assert_ok, tool, write_file};
use std::path::Path;
use std::process::Command;

/// A release `billing` 0.1.0 in Distillery's layout, without ERTS.
fn layout(root: &Path, vm_args: &str) {
    let files: &[(&str, &str)] = &[
        (
            "bin/billing",
            "#!/bin/sh\n# the POSIX wrapper\nREL_NAME=\"${REL_NAME:-billing}\"\nexec \"${SCRIPT_DIR}/${REL_NAME}_rc_exec.sh\" \"$@\"\n",
        ),
        (
            "bin/billing_rc_exec.sh",
            "#!/usr/bin/env bash\n# the run control script\nRELEASE_MUTABLE_DIR=\"${RELEASE_MUTABLE_DIR:-\"${RELEASE_ROOT_DIR}/var\"}\"\nREL_NAME=\"${REL_NAME:-billing}\"\nexec \"$RELEASES_DIR/$REL_VSN/$REL_NAME.sh\" \"$@\"\n",
        ),
        ("releases/start_erl.data", "13.1.5 0.1.0"),
        (
            "releases/0.1.0/billing.sh",
            "#!/usr/bin/env bash\nERL_OPTS=\"${ERL_OPTS:-+K true}\"\nRUN_ERL_ENV=\"${RUN_ERL_ENV:-}\"\n",
        ),
        ("releases/0.1.0/vm.args", vm_args),
        ("releases/0.1.0/sys.config", "[].\n"),
        ("releases/0.1.0/billing.boot", ""),
        (
            "releases/0.1.0/billing.rel",
            "{release,{\"billing\",\"0.1.0\"},{erts,\"13.1.5\"},[]}.\n",
        ),
        ("releases/0.1.0/libexec/config.sh", "#!/usr/bin/env bash\n"),
        ("lib/billing-0.1.0/ebin/billing.app", "{application,billing,[]}.\n"),
        ("lib/kernel-8.5.3/ebin/kernel.app", "{application,kernel,[]}.\n"),
    ];
    for (name, text) in files {
        write_file(root, name, text.as_bytes());
    }
}

fn boot(root: &Path, args: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let out = tool("vmargs")
        .args(["boot", "--json", "--show-secrets"])
        .args(args)
        .arg(root)
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (
        out.status.code(),
        doc,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn words(doc: &serde_json::Value) -> Vec<String> {
    doc["argv"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| match w.as_str() {
            Some(s) => s.to_string(),
            None => w["unknown"].as_str().unwrap().to_string(),
        })
        .collect()
}

#[test]
fn a_distillery_release_boots_through_its_copied_vm_args() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap().join("billing");
    layout(&root, "-name billing@${HOST_IP}\n-setcookie plain_cookie\n");
    let (code, doc, stderr) = boot(
        &root,
        &["--env", "REPLACE_OS_VARS=true", "--env", "HOST_IP=10.0.0.9"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(doc["release"]["layout"], "distillery");
    assert_eq!(
        doc["command"], "foreground",
        "Distillery's default under systemd"
    );
    assert_eq!(doc["node"]["value"], "billing@10.0.0.9");
    assert_eq!(doc["cookie"]["value"], "plain_cookie");
    let r = root.display();
    let argv = words(&doc);
    // No ERTS in the release: the host's erl, whose root is not known here; the
    // host's code paths as the script globs them.
    assert_eq!(argv[0], "$ERL_ROOT/erts-$ERTS_VSN/bin/erlexec");
    let expected_tail: Vec<String> = [
        "-pa".to_string(),
        format!("{r}/lib/billing-0.1.0/ebin"),
        format!("{r}/lib/kernel-8.5.3/ebin"),
        "-pa".into(),
        format!("{r}/lib/billing-0.1.0/consolidated"),
        "-noshell".into(),
        "-noinput".into(),
        "+Bd".into(),
        "-boot".into(),
        format!("{r}/releases/0.1.0/billing"),
        "-args_file".into(),
        format!("{r}/var/vm.args"),
        "-mode".into(),
        "embedded".into(),
        "+K".into(),
        "true".into(),
        "-extra".into(),
        "--".into(),
        String::new(),
    ]
    .to_vec();
    assert_eq!(argv[argv.len() - expected_tail.len()..], expected_tail[..]);
    // The copy the script writes, rendered, is what erl reads.
    let effective = serde_json::to_string(&doc["effective_args"]).unwrap();
    assert!(effective.contains("billing@10.0.0.9"), "{effective}");
    assert!(!root.join("var").exists(), "boot writes nothing");
    // The script's cookie, given in the environment: one COOKIE, masked.
    let out = tool("vmargs")
        .args(["boot", "--json", "--env", "COOKIE=from_env_secret"])
        .arg(&root)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cookies: Vec<&serde_json::Value> = doc["variables"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["name"] == "COOKIE")
        .collect();
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    assert_eq!(cookies[0]["set_by"], "COOKIE (environment)");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("from_env_secret"));
}

#[test]
fn hooks_the_script_sources_take_part() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("billing");
    layout(&root, "-name billing@127.0.0.1\n-setcookie c\n");
    write_file(
        &root,
        "releases/0.1.0/hooks/pre_start.d/10_opts.sh",
        b"export ERL_OPTS=\"$ERL_OPTS +sbwt none\"\n",
    );
    write_file(
        &root,
        "releases/0.1.0/hooks/pre_configure.d/20_more.sh",
        b". /etc/billing/more.sh\n",
    );
    let (code, doc, stderr) = boot(&root, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let argv = words(&doc);
    let at = argv
        .iter()
        .position(|w| w == "+sbwt")
        .expect("the hook's words");
    assert_eq!(argv[at - 2..at], ["+K".to_string(), "true".to_string()]);
    let notes = serde_json::to_string(&doc["notes"]).unwrap();
    assert!(notes.contains("20_more.sh"), "{notes}");
}

#[test]
fn the_unit_and_a_read_only_root_are_read_as_distillery_uses_them() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap().join("billing");
    layout(&root, "-name billing@127.0.0.1\n-setcookie c\n");
    let unit = dir.path().join("billing.service");
    let text = |extra: &str| {
        format!(
            "[Service]\nExecStart={}/bin/billing start\nUser=root\nProtectSystem=strict\n{extra}",
            root.display()
        )
    };
    std::fs::write(&unit, text("")).unwrap();
    let (code, doc, stderr) = boot(&root, &["--unit", unit.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(doc["command"], "start");
    let found = codes(&doc);
    assert!(found.contains(&"unit-daemonizes".to_string()), "{found:?}");
    assert!(
        found.contains(&"unit-read-only-tmp".to_string()),
        "{found:?}"
    );
    let message = serde_json::to_string(&doc["findings"]).unwrap();
    assert!(message.contains("RELEASE_MUTABLE_DIR"), "{message}");
    // Its directory writable: no such finding.
    std::fs::write(
        &unit,
        text(&format!("ReadWritePaths={}/var\n", root.display())),
    )
    .unwrap();
    let (_, doc, _) = boot(&root, &["--unit", unit.to_str().unwrap()]);
    assert!(!codes(&doc).contains(&"unit-read-only-tmp".to_string()));
    // RELEASE_READ_ONLY: nothing written, and `start` refuses to run.
    std::fs::write(&unit, text("Environment=RELEASE_READ_ONLY=true\n")).unwrap();
    let (_, doc, _) = boot(&root, &["--unit", unit.to_str().unwrap()]);
    let found = codes(&doc);
    assert!(
        !found.contains(&"unit-read-only-tmp".to_string()),
        "{found:?}"
    );
    assert!(
        found.contains(&"start-script-stops".to_string()),
        "{found:?}"
    );
    assert_eq!(doc["argv"], serde_json::json!([]));
    let (_, doc, _) = boot(
        &root,
        &["--command", "foreground", "--env", "RELEASE_READ_ONLY=true"],
    );
    assert!(words(&doc).contains(&format!("{}/releases/0.1.0/vm.args", root.display())));
}

#[test]
fn the_script_s_stops_and_bad_releases_are_said() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("billing");
    // Distillery's `${VAR:-default}` is not a default: the name is empty.
    layout(&root, "-name ${NODE:-billing@127.0.0.1}\n-setcookie c\n");
    let (code, doc, _) = boot(&root, &[]);
    assert_eq!(code, Some(1));
    let message = serde_json::to_string(&doc["findings"]).unwrap();
    assert!(message.contains("value is empty"), "{message}");
    // `vmargs check` on the release reports its boot's findings.
    let out = tool("vmargs")
        .args(["check", "--json"])
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("start-script-stops"));
    layout(&root, "-sname billing@host.example.com\n-setcookie c\n");
    let (_, doc, _) = boot(&root, &[]);
    assert!(serde_json::to_string(&doc["findings"])
        .unwrap()
        .contains("fully-qualified"));
    // Commands it does not follow, and files that are not there, are exit 2.
    layout(&root, "-sname billing\n-setcookie c\n");
    let (code, _, stderr) = boot(&root, &["--command", "remote_console"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("not followed for Distillery"), "{stderr}");
    std::fs::write(root.join("releases/start_erl.data"), "13.1.5 0.2.0\n").unwrap();
    let (code, _, stderr) = boot(&root, &[]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("releases/0.2.0/billing.sh: missing"),
        "{stderr}"
    );
    // A Distillery project (before its build) says where its release is.
    let project = dir.path().join("project");
    write_file(&project, "mix.exs", b"defmodule P.MixProject do\nend\n");
    write_file(
        &project,
        "rel/config.exs",
        b"use Distillery.Releases.Config\n",
    );
    let (code, _, stderr) = boot(&project, &[]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("a Distillery project"), "{stderr}");
    std::fs::remove_file(root.join("releases/start_erl.data")).unwrap();
    let (code, _, stderr) = boot(&root, &[]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("releases/start_erl.data"), "{stderr}");
}

#[test]
fn a_distillery_tarball_and_its_inspect_document_boot_as_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap().join("billing");
    layout(&root, "-name billing@127.0.0.1\n-setcookie tarred_cookie\n");
    let tarball = dir.path().join("billing-0.1.0.tar.gz");
    let out = Command::new("tar")
        .arg("czf")
        .arg(&tarball)
        .arg("-C")
        .arg(&root)
        .arg(".")
        .output()
        .unwrap();
    assert_ok(&out, "tar czf");
    let r = root.display().to_string();
    let (_, from_dir, _) = boot(&root, &[]);
    let (code, from_tar, stderr) = boot(&tarball, &["--root", &r]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(from_tar["argv"], from_dir["argv"]);
    assert_eq!(from_tar["effective_args"], from_dir["effective_args"]);
    assert_eq!(from_tar["cookie"], from_dir["cookie"]);
    let inspect = tool("release-pack")
        .args(["inspect", "--json"])
        .arg(&tarball)
        .output()
        .unwrap();
    assert_ok(&inspect, "release-pack inspect");
    let out = tool("vmargs")
        .args(["boot", "--json", "--root", &r, "-"])
        .write_stdin(inspect.stdout.clone())
        .output()
        .unwrap();
    let from_inspect: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(from_inspect["release"]["layout"], "distillery");
    assert_eq!(from_inspect["node"], from_dir["node"]);
    // What the inspect document does not carry is an unknown, never a guess.
    let unknown = serde_json::to_string(&from_inspect["argv"]).unwrap();
    assert!(unknown.contains("ERL_OPTS"), "{unknown}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("tarred_cookie"));
}

#[test]
fn a_distillery_2_0_release_reads_its_version_where_2_0_does() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap().join("billing");
    layout(&root, "-name billing@127.0.0.1\n-setcookie c\n");
    // 2.0: one run control script as bin/NAME, the version read from
    // releases/start_erl.data itself, ERTS_VSN baked into NAME.sh.
    std::fs::remove_file(root.join("bin/billing_rc_exec.sh")).unwrap();
    write_file(
        &root,
        "bin/billing",
        b"#!/usr/bin/env bash\nRELEASES_DIR=\"${RELEASE_ROOT_DIR}/releases\"\nREL_NAME=\"${REL_NAME:-billing}\"\nREL_VSN=\"${REL_VSN:-$(cut -d' ' -f2 \"${RELEASES_DIR}\"/start_erl.data)}\"\nexec \"$RELEASES_DIR/$REL_VSN/$REL_NAME.sh\" \"$@\"\n",
    );
    write_file(
        &root,
        "releases/0.1.0/billing.sh",
        b"#!/usr/bin/env bash\nREL_NAME=\"${REL_NAME:-billing}\"\nERL_OPTS=\"${ERL_OPTS:-}\"\nERTS_VSN=\"${ERTS_VSN:-13.1.5}\"\n",
    );
    write_file(&root, "erts-13.1.5/bin/erlexec", b"#!/bin/sh\n");
    // A copy 2.1 would read; 2.0 never looks at it.
    write_file(&root, "var/start_erl.data", b"13.1.5 9.9.9\n");
    let (code, doc, stderr) = boot(&root, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(doc["release"]["version"], "0.1.0");
    let argv = words(&doc);
    assert_eq!(
        argv[0],
        format!("{}/erts-13.1.5/bin/erlexec", root.display())
    );
    assert!(argv.contains(&format!("{}/releases/0.1.0/billing", root.display())));
    // USE_HOST_ERTS exported by 2.0's NAME.sh: the host's ERTS.
    write_file(
        &root,
        "releases/0.1.0/billing.sh",
        b"#!/usr/bin/env bash\nUSE_HOST_ERTS=true\nexport USE_HOST_ERTS\n",
    );
    let (_, doc, _) = boot(&root, &[]);
    assert_eq!(words(&doc)[0], "$ERL_ROOT/erts-$ERTS_VSN/bin/erlexec");
}
