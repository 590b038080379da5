//! `vmargs cluster` on the command line: vm.args files with their sys.config,
//! releases booted through `vmargs boot`'s model, documents on stdin, and bad input.
//! (Real nodes are the oracle in tests/vmargs_cluster_erl.rs.)

mod boot_support;

use boot_support::codes;
use relkit_tests::{tool, write_file};
use serde_json::Value;

fn cluster_json(dir: &std::path::Path, args: &[&str], code: i32) -> Value {
    let out = tool("vmargs")
        .current_dir(dir)
        .args(["cluster", "--json"])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(code),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn two_hosts_of_the_recipe_connect_and_a_third_with_its_own_cookie_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (host, other) in [("10.0.0.5", "10.0.0.6"), ("10.0.0.6", "10.0.0.5")] {
        write_file(
            d,
            &format!("{host}/vm.args"),
            format!(
                "-name us@{host}\n-setcookie shared_cookie_value\n-kernel inet_dist_listen_min 9100 inet_dist_listen_max 9155\n-config {}/{host}/sys\n",
                d.display()
            )
            .as_bytes(),
        );
        write_file(
            d,
            &format!("{host}/sys.config"),
            format!("[{{kernel, [{{sync_nodes_optional, ['us@{other}']}}, {{sync_nodes_timeout, 10000}}]}}].\n").as_bytes(),
        );
    }
    let doc = cluster_json(d, &["10.0.0.5/vm.args", "10.0.0.6/vm.args"], 0);
    assert_eq!(doc["kind"], "vmargs.cluster");
    assert_eq!(doc["pairs"][0]["connects"], true, "{doc}");
    assert_eq!(doc["nodes"][0]["listen_min"], 9100);
    assert_eq!(doc["nodes"][0]["sync_nodes_optional"][0], "us@10.0.0.6");
    assert_eq!(doc["nodes"][0]["cookie"], doc["nodes"][1]["cookie"]);
    assert!(codes(&doc).is_empty(), "{doc}");

    write_file(
        d,
        "third/vm.args",
        b"-name us@10.0.0.7\n-setcookie its_own_cookie\n",
    );
    let out = tool("vmargs")
        .current_dir(d)
        .args([
            "cluster",
            "10.0.0.5/vm.args",
            "10.0.0.6/vm.args",
            "third/vm.args",
        ])
        .args(["--label", "app1", "--label", "app2", "--label", "app3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("app1 and app3 will not connect"), "{text}");
    assert!(text.contains("cookies-differ"), "{text}");
    // Never a cookie, only fingerprints.
    assert!(
        !text.contains("its_own_cookie") && !text.contains("shared_cookie_value"),
        "{text}"
    );
    // The third lists no one while the others do.
    assert!(text.contains("sync-lists-none"), "{text}");
}

#[test]
fn sys_config_mistakes_are_findings_at_their_place() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = |name: &str| format!("-config {}/{name}\n", d.display());
    write_file(
        d,
        "a.args",
        (String::from("-name a@127.0.0.1\n-setcookie c\n") + &config("a")).as_bytes(),
    );
    write_file(
        d,
        "a.config",
        b"[{kernel, [{sync_nodes_optional, ['b@127.0.0.1', 'a@127.0.0.1', 'bb@127.0.0.1']}]}].\n",
    );
    write_file(
        d,
        "b.args",
        (String::from("-name b@127.0.0.1\n-setcookie c\n") + &config("b")).as_bytes(),
    );
    // An unquoted dotted name: erl cannot read the file and the node stops booting.
    write_file(
        d,
        "b.config",
        b"[{kernel,\n  [{sync_nodes_optional, [a@127.0.0.1]}]}].\n",
    );
    let doc = cluster_json(d, &["a.args", "b.args"], 1);
    let found = codes(&doc);
    for code in [
        "sync-lists-itself",
        "sync-unknown-node",
        "node-does-not-boot",
    ] {
        assert!(found.iter().any(|c| c == code), "{code} in {doc}");
    }
    let refusal = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "node-does-not-boot")
        .unwrap();
    assert_eq!(refusal["line"], 2, "{refusal}");
    assert_eq!(refusal["column"], 32, "{refusal}");
    let typo = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "sync-unknown-node")
        .unwrap();
    assert!(
        typo["hint"].as_str().unwrap().contains("b@127.0.0.1"),
        "{typo}"
    );
    assert_eq!(doc["pairs"][0]["connects"], false);
    assert_eq!(doc["pairs"][0]["a_to_b"]["reasons"][0], "does-not-boot");
}

#[test]
fn bad_input_is_exit_2_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_file(d, "a.args", b"-sname a\n-setcookie c\n");
    let out = tool("vmargs")
        .current_dir(d)
        .args(["cluster", "a.args", "missing.args"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.args"));
    let out = tool("vmargs")
        .current_dir(d)
        .args(["cluster", "a.args", "--label", "x", "--label", "y"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("one per node"));
}

#[test]
fn a_node_that_starts_no_epmd_is_told_so() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_file(
        d,
        "a.args",
        b"-sname a@h1\n-setcookie c\n-start_epmd false\n",
    );
    write_file(
        d,
        "b.args",
        b"-sname b@h2\n-setcookie c\n-start_epmd false\n-erl_epmd_port 9100\n",
    );
    let doc = cluster_json(d, &["a.args", "b.args"], 0);
    let notes: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "epmd-not-started")
        .collect();
    assert_eq!(notes.len(), 1, "{doc}");
    assert_eq!(notes[0]["path"], "a.args");
    // b dials port 9100 only, where a does not listen; a finds b through epmd.
    assert_eq!(
        doc["pairs"][0]["b_to_a"]["reasons"][0], "port-not-listened",
        "{doc}"
    );
    assert_eq!(doc["pairs"][0]["a_to_b"]["connects"], true, "{doc}");
}

#[test]
fn the_same_node_given_twice_counts_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_file(d, "a.args", b"-sname a@h1\n-setcookie c\n");
    write_file(d, "copy.args", b"-sname a@h1\n-setcookie c\n");
    write_file(d, "b.args", b"-sname b@h2\n-setcookie c\n");
    let doc = cluster_json(d, &["a.args", "copy.args", "b.args"], 0);
    assert_eq!(doc["nodes"].as_array().unwrap().len(), 2);
    assert!(codes(&doc).contains(&"same-node-twice".to_string()));
}

/// Releases read through `vmargs boot`: two nodes of one Mix release, named by
/// RELEASE_NODE, share the release's cookie; as documents on stdin too.
#[test]
fn releases_and_boot_documents_on_stdin() {
    let Some(release) = boot_support::release() else {
        return;
    };
    let boot = |node: &str| {
        let out = tool("vmargs")
            .args(["boot", "--json"])
            .arg(release)
            .args(["--env", &format!("RELEASE_NODE={node}")])
            .output()
            .unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let mut docs = boot("billing_a");
    docs.extend(boot("billing_b"));
    let out = tool("vmargs")
        .args(["cluster", "--json"])
        .write_stdin(docs)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["nodes"].as_array().unwrap().len(), 2, "{doc}");
    assert_eq!(doc["nodes"][0]["mode"], "sname");
    assert_eq!(doc["pairs"][0]["connects"], true, "{doc}");
    // The release directory itself, twice: the same node, once.
    let doc = cluster_json(
        std::path::Path::new("."),
        &[
            &release.display().to_string(),
            &release.display().to_string(),
        ],
        0,
    );
    assert_eq!(doc["nodes"].as_array().unwrap().len(), 1, "{doc}");
}

/// relx renders sys.config.src (and vm.args.src) with `${VAR}` from the environment
/// when it starts: the rendered files, kept in memory by the boot, are what the
/// cluster reads.
#[test]
fn a_relx_sys_config_src_is_read_as_the_script_renders_it() {
    let Some(rebar3) = relkit_tests::require_peer("rebar3") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_file(
        d,
        "rebar.config",
        b"{deps, []}.\n{relx, [{release, {billing, \"0.1.0\"}, [billing]}, {mode, prod},\n  {sys_config_src, \"config/sys.config.src\"}, {vm_args_src, \"config/vm.args.src\"}]}.\n",
    );
    write_file(
        d,
        "src/billing.app.src",
        b"{application, billing, [{vsn, \"0.1.0\"}, {applications, [kernel, stdlib]}]}.\n",
    );
    write_file(d, "src/billing.erl", b"-module(billing).\n");
    write_file(
        d,
        "config/vm.args.src",
        b"-name billing@${APP_HOST}\n-setcookie relx_cookie\n",
    );
    write_file(
        d,
        "config/sys.config.src",
        b"[{kernel, [{sync_nodes_optional, ['billing@${PEER_HOST}']}, {sync_nodes_timeout, 5000}]}].\n",
    );
    let out = std::process::Command::new(rebar3)
        .arg("release")
        .current_dir(d)
        .env("HOME", d)
        .output()
        .unwrap();
    relkit_tests::assert_ok(&out, "rebar3 release");
    let first = d.join("_build/default/rel/billing");
    let second = d.join("second");
    let out = std::process::Command::new("cp")
        .arg("-a")
        .arg(&first)
        .arg(&second)
        .output()
        .unwrap();
    relkit_tests::assert_ok(&out, "cp -a");
    std::fs::write(
        second.join("releases/0.1.0/vm.args.src"),
        "-name billing@10.0.0.2\n-setcookie relx_cookie\n",
    )
    .unwrap();
    let doc = cluster_json(
        d,
        &[
            &first.display().to_string(),
            &second.display().to_string(),
            "--env",
            "APP_HOST=10.0.0.1",
            "--env",
            "PEER_HOST=10.0.0.2",
        ],
        0,
    );
    assert_eq!(doc["nodes"][0]["name"], "billing@10.0.0.1", "{doc}");
    assert_eq!(
        doc["nodes"][0]["sync_nodes_optional"][0], "billing@10.0.0.2",
        "{doc}"
    );
    assert_eq!(doc["nodes"][0]["boots"], true, "{doc}");
    assert_eq!(doc["pairs"][0]["connects"], true, "{doc}");
    let found = codes(&doc);
    assert!(found.contains(&"sync-lists-itself".to_string()), "{doc}");
    assert!(!found.contains(&"sync-unknown-node".to_string()), "{doc}");
}

/// `vmargs parse` documents on stdin: the cookie comes back from the file the
/// document names; once that file is gone it is unknown, and so are the pairs.
#[test]
fn vmargs_file_documents_on_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_file(
        d,
        "a.args",
        b"-name a@10.0.0.1\n-setcookie same_cookie_here\n",
    );
    write_file(
        d,
        "b.args",
        b"-name b@10.0.0.2\n-setcookie same_cookie_here\n",
    );
    let parsed = tool("vmargs")
        .current_dir(d)
        .args(["parse", "a.args", "b.args"])
        .output()
        .unwrap();
    assert_eq!(parsed.status.code(), Some(0));
    let run = |input: &[u8]| {
        let out = tool("vmargs")
            .current_dir(d)
            .args(["cluster", "--json"])
            .write_stdin(input.to_vec())
            .output()
            .unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!String::from_utf8_lossy(&out.stdout).contains("same_cookie_here"));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let doc = run(&parsed.stdout);
    assert_eq!(doc["nodes"][0]["label"], "a.args", "{doc}");
    assert_eq!(doc["nodes"][1]["name"], "b@10.0.0.2", "{doc}");
    assert_eq!(doc["pairs"][0]["connects"], true, "{doc}");
    std::fs::remove_file(d.join("a.args")).unwrap();
    let doc = run(&parsed.stdout);
    assert_eq!(doc["pairs"][0]["connects"], Value::Null, "{doc}");
    assert_eq!(
        doc["pairs"][0]["a_to_b"]["reasons"][0], "cookie-unknown",
        "{doc}"
    );
}

/// Every reason a direction can give is in the model's list, and docs/json.md
/// explains each one: the list is the promise scripts match on.
#[test]
fn every_reason_is_listed_and_documented() {
    let source = include_str!("../src/cluster/pairs.rs");
    let listed: Vec<&str> = vmargs::cluster::pairs::REASONS
        .iter()
        .map(|(c, _)| *c)
        .collect();
    for marker in ["Dial::no(\"", "Dial::unknown(\"", "notes.push(\""] {
        for piece in source.split(marker).skip(1) {
            let code = piece.split('"').next().unwrap();
            assert!(listed.contains(&code), "{code} is given but not in REASONS");
        }
    }
    let json =
        std::fs::read_to_string(relkit_tests::workspace_root().join("docs/json.md")).unwrap();
    for code in listed {
        assert!(
            json.contains(&format!("| `{code}` |")),
            "docs/json.md does not explain {code}"
        );
    }
}
