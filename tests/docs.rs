//! docs/json.md and docs/codes.md stay in step with the code: every JSON example
//! parses, carries the kind of its heading and goes through the tool that reads it;
//! every finding code in the source is documented, and every documented code exists.

use relkit_tests::{assert_ok, workspace_root};
use serde_json::Value;
use std::collections::BTreeSet;

/// `(kind from the heading, example JSON)` for every ```json block in docs/json.md
/// that stands under a "## `kind`" heading.
fn json_examples() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(workspace_root().join("docs/json.md")).unwrap();
    let mut examples = Vec::new();
    let mut heading = None;
    let mut block: Option<String> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("## `") {
            heading = rest.split('`').next().map(str::to_string);
        } else if line.starts_with("## ") {
            // A section that is not a kind (journal-fmt's pass-through entries).
            heading = None;
        } else if line == "```json" {
            block = Some(String::new());
        } else if line == "```" {
            if let (Some(body), Some(kind)) = (block.take(), heading.clone()) {
                examples.push((kind, body));
            }
        } else if let Some(body) = block.as_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    examples
}

#[test]
fn every_json_example_parses_and_has_its_headings_kind() {
    let examples = json_examples();
    assert!(!examples.is_empty());
    for (kind, body) in &examples {
        let docs =
            relkit_common::Documents::read("docs/json.md", body.as_bytes(), &[kind.as_str()])
                .unwrap_or_else(|e| panic!("example for `{kind}`: {e}"));
        assert!(!docs.0.is_empty());
    }
}

#[test]
fn every_documented_kind_has_an_example() {
    let text = std::fs::read_to_string(workspace_root().join("docs/json.md")).unwrap();
    let headings: BTreeSet<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("## `"))
        .filter_map(|r| r.split('`').next().map(str::to_string))
        .collect();
    let with_examples: BTreeSet<String> = json_examples().into_iter().map(|(k, _)| k).collect();
    assert_eq!(headings, with_examples);
}

#[test]
fn the_finding_example_round_trips_through_the_finding_type() {
    let (_, body) = json_examples()
        .into_iter()
        .find(|(k, _)| k == "finding")
        .unwrap();
    let value: Value = serde_json::from_str(&body).unwrap();
    let finding: relkit_common::Finding = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(relkit_common::json::to_value(&finding).unwrap(), value);
}

/// Run a tool, require exit status `code`, and take the one JSON document it prints.
fn json_output(cmd: &mut assert_cmd::Command, code: i32) -> Value {
    let mut docs = relkit_tests::json_docs(cmd, code);
    assert_eq!(docs.len(), 1, "one JSON document on stdout");
    docs.remove(0)
}

fn example(kind: &str) -> String {
    json_examples()
        .into_iter()
        .find(|(k, _)| k == kind)
        .unwrap_or_else(|| panic!("docs/json.md has no `{kind}` example"))
        .1
}

#[test]
fn the_vmargs_file_example_renders_and_checks() {
    let body = example("vmargs.file");
    let rendered = relkit_tests::tool("vmargs")
        .arg("render")
        .write_stdin(body.clone())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(rendered).unwrap();
    assert!(
        text.starts_with("## billing prod node\n-name billing_prod@127.0.0.1\n"),
        "{text}"
    );
    // The example's argv is what vmargs itself prints for the rendered file.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("vm.args.prod"), &text).unwrap();
    let ours = json_output(
        relkit_tests::tool("vmargs").current_dir(dir.path()).args([
            "parse",
            "--show-secrets",
            "vm.args.prod",
        ]),
        0,
    );
    let documented: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ours, documented);
    relkit_tests::tool("vmargs")
        .args(["check", "--target", "erl"])
        .write_stdin(body)
        .assert()
        .success();
}

#[test]
fn the_vmargs_boot_example_is_what_boot_prints_for_a_mix_release() {
    let documented: Value = serde_json::from_str(&example("vmargs.boot")).unwrap();
    let Some(root) = relkit_tests::mix_release() else {
        return;
    };
    let out = relkit_tests::tool("vmargs")
        .args(["boot", "--json"])
        .args([
            "--env=RELEASE_COOKIE=dev-only-cookie",
            "--env=RELEASE_NODE=billing@10.0.0.5",
            "--env=RELEASE_DISTRIBUTION=name",
        ])
        .arg(root)
        .output()
        .unwrap();
    relkit_tests::assert_ok(&out, "vmargs boot");
    // The release is built in a temporary directory; the example names it /srv/billing.
    let real_root = std::fs::canonicalize(root).unwrap();
    let text = String::from_utf8_lossy(&out.stdout)
        .replace(&real_root.display().to_string(), "/srv/billing");
    let ours: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(ours, documented);
}

#[test]
fn the_vmargs_diff_example_is_what_diff_prints() {
    let documented: Value = serde_json::from_str(&example("vmargs.diff")).unwrap();
    let dir = relkit_tests::temp_project(&[
        ("vm.args.stage", "-name billing_stage@127.0.0.1\n+P 5000000\n-smp auto\n"),
        (
            "vm.args.prod",
            "## billing prod node\n-name billing_prod@127.0.0.1\n-setcookie Kq2VXTB7MZ4FJ9WL3C8RDH6PYN5S\n+P 5000000\n-kernel inet_dist_listen_min 9100\n-env TZ UTC\n-extra --port 4000\n",
        ),
    ]);
    let ours = json_output(
        relkit_tests::tool("vmargs").current_dir(dir.path()).args([
            "diff",
            "--json",
            "vm.args.stage",
            "vm.args.prod",
        ]),
        1,
    );
    assert_eq!(ours, documented);
}

#[test]
fn the_relconf_config_example_is_what_relconf_prints_and_vmargs_reads() {
    let mut documented: Value = serde_json::from_str(&example("relconf.config")).unwrap();
    let example_root = relkit_tests::example_dir().canonicalize().unwrap();
    documented["root"] = Value::String(example_root.display().to_string());
    let ours = json_output(
        relkit_tests::tool("relconf")
            .current_dir(&example_root)
            .args(["parse", "rel/config.exs"]),
        0,
    );
    assert_eq!(ours, documented);
    // vmargs reads it from anywhere, since the root is absolute.
    relkit_tests::tool("vmargs")
        .current_dir("/")
        .args(["check", "--json"])
        .write_stdin(documented.to_string())
        .assert()
        .code(1)
        .stdout(predicates::str::contains("name-without-host"));
}

#[test]
fn the_hsts_check_report_example_is_what_parse_prints() {
    let documented: Value = serde_json::from_str(&example("hsts-check.report")).unwrap();
    let dump =
        std::fs::read(relkit_tests::example_dir().join("headers/example.com.https.txt")).unwrap();
    let ours = json_output(
        relkit_tests::tool("hsts-check")
            .args(["parse", "--host", "example.com", "--json"])
            .write_stdin(dump),
        0,
    );
    assert_eq!(ours, documented);
}

#[test]
fn the_hsts_check_probe_example_is_what_probe_prints() {
    let documented: Value = serde_json::from_str(&example("hsts-check.probe")).unwrap();
    let ours = json_output(
        relkit_tests::tool("hsts-check")
            .current_dir(relkit_tests::example_dir())
            .args([
                "probe",
                "stage.example.com",
                "--from-dumps",
                "headers",
                "--json",
            ]),
        1,
    );
    assert_eq!(ours, documented);
}

#[test]
fn the_hsts_check_config_example_is_what_config_prints() {
    let documented: Value = serde_json::from_str(&example("hsts-check.config")).unwrap();
    let ours = json_output(
        relkit_tests::tool("hsts-check")
            .current_dir(relkit_tests::example_dir())
            .args(["config", "nginx/nginx.conf", "--json"]),
        1,
    );
    assert_eq!(ours, documented);
}

/// The secret-link examples are run in a temporary root standing in for `/`: the
/// paths the tool prints lose that prefix before they are compared.
#[test]
fn the_secret_link_examples_are_what_plan_and_apply_print() {
    let root = tempfile::tempdir().unwrap();
    let base = root.path().to_str().unwrap().to_string();
    let into = root.path().join("tmp/edeliver/billing/builds/config");
    std::fs::create_dir_all(&into).unwrap();
    std::fs::create_dir_all(root.path().join("var")).unwrap();
    for env in ["stage", "prod"] {
        std::fs::write(root.path().join(format!("var/{env}.secret.exs")), env).unwrap();
    }
    std::os::unix::fs::symlink("~/prod.secret.exs", into.join("prod.secret.exs")).unwrap();
    let unrooted = |doc: Value| -> Value {
        serde_json::from_str(&doc.to_string().replace(&base, "")).unwrap()
    };
    let plan = relkit_tests::tool("secret-link")
        .args(["plan", "--env", "stage", "--env", "prod", "--from"])
        .arg(root.path().join("var"))
        .arg("--into")
        .arg(&into)
        .output()
        .unwrap();
    assert_ok(&plan, "plan");
    let documented: Value = serde_json::from_str(&example("secret-link.plan")).unwrap();
    assert_eq!(
        unrooted(serde_json::from_slice(&plan.stdout).unwrap()),
        documented
    );
    let applied = json_output(
        relkit_tests::tool("secret-link")
            .args(["apply", "--json"])
            .write_stdin(plan.stdout),
        0,
    );
    let documented: Value = serde_json::from_str(&example("secret-link.result")).unwrap();
    assert_eq!(unrooted(applied), documented);
}

#[test]
fn the_release_pack_examples_are_what_pack_list_and_unpack_print() {
    let out = tempfile::tempdir().unwrap();
    let manifest = json_output(
        relkit_tests::tool("release-pack")
            .current_dir(out.path())
            .arg("pack")
            .arg(relkit_tests::example_dir().join("release"))
            .args(["-o", "billing-0.1.0.tar.gz"]),
        0,
    );
    let documented: Value = serde_json::from_str(&example("release-pack.manifest")).unwrap();
    assert_eq!(manifest, documented);
    let entries = relkit_tests::json_docs(
        relkit_tests::tool("release-pack")
            .current_dir(out.path())
            .args(["list", "--json", "billing-0.1.0.tar.gz"]),
        0,
    );
    let documented: Value = serde_json::from_str(&example("release-pack.entry")).unwrap();
    assert_eq!(entries[0], documented);
    let unpacked = json_output(
        relkit_tests::tool("release-pack")
            .current_dir(out.path())
            .args([
                "unpack",
                "billing-0.1.0.tar.gz",
                "--into",
                "unpacked",
                "--json",
            ]),
        0,
    );
    let documented: Value = serde_json::from_str(&example("release-pack.result")).unwrap();
    assert_eq!(unpacked, documented);
    let inspected = json_output(
        relkit_tests::tool("release-pack")
            .current_dir(out.path())
            .args(["inspect", "billing-0.1.0.tar.gz"]),
        0,
    );
    let documented: Value = serde_json::from_str(&example("release-pack.inspect")).unwrap();
    assert_eq!(inspected, documented);
    // vmargs reads it: the prod vm.args in a Mix layout sets the node name itself.
    relkit_tests::tool("vmargs")
        .args(["check", "--json"])
        .write_stdin(inspected.to_string())
        .assert()
        .code(1)
        .stdout(predicates::str::contains("\"code\":\"mix-sets-node\""));
}

/// Codes documented in docs/codes.md, as the tools read them (relkit_common::codes).
fn documented_codes() -> BTreeSet<String> {
    relkit_common::codes::all()
        .iter()
        .map(|c| c.code.clone())
        .collect()
}

/// Codes declared in the tools' sources: every `pub const CODE_...: &str = "..."`
/// anywhere under a crate's src/, which must be in that crate's codes.rs (the crate
/// shape: one file names every code).
fn declared_codes() -> BTreeSet<String> {
    fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut codes = BTreeSet::new();
    let root = workspace_root();
    for entry in std::fs::read_dir(&root).unwrap() {
        let src = entry.unwrap().path().join("src");
        if !src.is_dir() {
            continue;
        }
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            for line in text.lines() {
                let line = line.trim();
                if line.starts_with("pub const CODE_") || line.starts_with("const CODE_") {
                    assert!(
                        path.ends_with("src/codes.rs") || path.starts_with(root.join("common")),
                        "{}: a finding code outside the crate's codes.rs: {line}",
                        path.display()
                    );
                    if let Some(code) = line.split('"').nth(1) {
                        codes.insert(code.to_string());
                    }
                }
            }
        }
    }
    codes
}

#[test]
fn codes_in_the_source_and_in_codes_md_agree() {
    let declared = declared_codes();
    let documented = documented_codes();
    let undocumented: Vec<_> = declared.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&declared).collect();
    assert!(
        undocumented.is_empty(),
        "codes missing from docs/codes.md: {undocumented:?}"
    );
    assert!(
        unknown.is_empty(),
        "docs/codes.md lists codes no tool declares: {unknown:?}"
    );
}

/// docs/json.md's journal-fmt section shows what `-p err -o json` passes through
/// for the example journal, and what `--merge` makes of its crash report: each
/// command's first line, exactly.
#[test]
fn the_journal_fmt_pass_through_examples_are_what_it_prints() {
    let text = std::fs::read_to_string(workspace_root().join("docs/json.md")).unwrap();
    let section = &text[text
        .find("## Journal entries")
        .expect("the journal-fmt section")..];
    let lines: Vec<&str> = section.lines().collect();
    let mut commands = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(command) = line.strip_prefix("$ journal-fmt ") else {
            continue;
        };
        let args = command
            .strip_suffix(" examples/billing/journal/billing_prod.export | head -n 1")
            .expect("a command on the example journal, first line");
        let out = relkit_tests::tool("journal-fmt")
            .args(args.split(' '))
            .arg(relkit_tests::example_dir().join("journal/billing_prod.export"))
            .output()
            .unwrap();
        assert_ok(&out, "out");
        let printed = String::from_utf8(out.stdout).unwrap();
        assert_eq!(printed.lines().next().unwrap(), lines[i + 1], "{command}");
        commands.push(args.to_string());
    }
    assert_eq!(commands, ["-p err -o json", "--merge -p err -o json"]);
    let merged: Value = serde_json::from_str(
        section
            .lines()
            .skip_while(|l| !l.starts_with("$ journal-fmt --merge"))
            .nth(1)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(merged["PRIORITY"], "6");
    assert_eq!(merged["journal_fmt_level"], "3");
    assert_eq!(merged["journal_fmt_entries"], "6");
}

/// Every Markdown file a newcomer reads: the front page, each crate's README, docs/.
fn markdown_files() -> Vec<std::path::PathBuf> {
    let root = workspace_root();
    let mut files = vec![root.join("README.md"), root.join("CHANGELOG.md")];
    for dir in ["common"].iter().chain(relkit_common::TOOLS) {
        files.push(root.join(dir).join("README.md"));
    }
    for doc in ["design.md", "json.md", "codes.md"] {
        files.push(root.join("docs").join(doc));
    }
    files
}

#[test]
fn the_front_page_is_short_and_every_crate_has_its_own_readme() {
    let root = workspace_root();
    let front = std::fs::read_to_string(root.join("README.md")).unwrap();
    let lines = front.lines().count();
    assert!(
        lines <= 250,
        "README.md is {lines} lines: move detail to a crate's README"
    );
    for dir in ["common"].iter().chain(relkit_common::TOOLS) {
        let readme = root.join(dir).join("README.md");
        assert!(readme.is_file(), "{dir} has no README.md");
        if *dir != "common" {
            assert!(
                front.contains(&format!("({dir}/README.md)")),
                "the front page does not link {dir}/README.md"
            );
        }
    }
}

#[test]
fn every_relative_link_in_the_docs_leads_to_a_file() {
    let link = |line: &str| -> Vec<String> {
        line.match_indices("](")
            .filter_map(|(at, _)| {
                let rest = &line[at + 2..];
                rest.find(')').map(|end| rest[..end].to_string())
            })
            .collect()
    };
    let mut checked = 0;
    for file in markdown_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        let dir = file.parent().unwrap();
        let mut in_code = false;
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("```") {
                in_code = !in_code;
            }
            if in_code {
                continue;
            }
            for target in link(line) {
                if target.contains("://")
                    || target.starts_with('#')
                    || target.starts_with("mailto:")
                {
                    continue;
                }
                let path = target.split('#').next().unwrap();
                assert!(
                    dir.join(path).exists(),
                    "{}:{}: the link ({target}) leads nowhere",
                    file.display(),
                    n + 1
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 10, "only {checked} links found");
}

/// The front page's "one example each" block, line by line, run in a copy of the
/// example project the way a reader would type it: each one works (0, or 1 where a
/// checker finds the example's planted bugs) and prints something.
#[test]
fn the_front_pages_examples_run() {
    let front = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    let after = front
        .split("One example each")
        .nth(1)
        .expect("the front page's examples");
    let block = after
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a sh block");
    let dir = relkit_tests::copy_example();
    let secret =
        relkit_tests::write_file(dir.path(), "secrets/stage.secret.exs", b"import Config\n");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    let bin = relkit_tests::tool_path("vmargs")
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut ran = 0;
    for line in block.lines().filter(|l| !l.trim().is_empty()) {
        let command = line.split("  #").next().unwrap().trim();
        let out = std::process::Command::new("bash")
            .args(["-o", "pipefail", "-c", command])
            .current_dir(dir.path())
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 1)) && !out.stdout.is_empty(),
            "README example `{command}`: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        ran += 1;
    }
    assert_eq!(ran, 6, "one example per tool");
}

/// No module imports another in a loop or reaches back up its own tree
/// (scripts/import-graph, the crate shape of docs/design.md).
#[test]
fn no_module_imports_in_a_loop_or_back_up() {
    let Some(python) = relkit_tests::require_peer("python3") else {
        return;
    };
    let out = std::process::Command::new(python)
        .arg(workspace_root().join("scripts/import-graph"))
        .arg("--quiet")
        .output()
        .unwrap();
    assert_ok(&out, String::from_utf8_lossy(&out.stdout));
}

#[test]
fn the_release_pack_host_example_is_read_by_verify_target() {
    // The example release with a NIF that needs OpenSSL 3, against the example's
    // Debian 11 host (OpenSSL 1.1): the one finding is the missing libcrypto.so.3.
    let Some(nif) = std::fs::read_dir("/usr/lib/erlang/lib")
        .ok()
        .and_then(|dirs| {
            dirs.flatten()
                .map(|d| d.path().join("priv/lib/crypto.so"))
                .find(|p| p.exists())
        })
    else {
        assert!(
            relkit_tests::find_peer("erl").is_none(),
            "erl without crypto.so"
        );
        relkit_tests::require_peer("erl");
        return;
    };
    let dir = relkit_tests::copy_example();
    let release = dir.path().join("release");
    std::fs::create_dir_all(release.join("lib/billing-0.1.0/priv")).unwrap();
    std::fs::copy(nif, release.join("lib/billing-0.1.0/priv/billing_nif.so")).unwrap();
    let findings = relkit_tests::json_docs(
        relkit_tests::tool("release-pack")
            .args(["verify", "--json", "--target", "-"])
            .arg(&release)
            .write_stdin(example("release-pack.host")),
        1,
    );
    let codes: Vec<(&str, &str)> = findings
        .iter()
        .map(|f| (f["code"].as_str().unwrap(), f["severity"].as_str().unwrap()))
        .collect();
    assert_eq!(
        codes,
        [("target-config", "warning"), ("missing-library", "error")],
        "{findings:?}"
    );
    assert!(findings[1]["message"]
        .as_str()
        .unwrap()
        .contains("needs libcrypto.so.3, which host web1 does not have"));
}
