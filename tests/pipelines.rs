//! The pipelines of docs/design.md and the README that the tools built so far take part in, run through
//! a real shell with real pipes, on a copy of the example project.

use relkit_tests::{assert_ok, copy_example, require_peer, text, tool_path};
use std::process::{Command, Output};

/// Run `script` with bash (pipefail) in `dir`, the tools' directory first on PATH.
fn sh(dir: &std::path::Path, script: &str) -> Output {
    let bin = tool_path("vmargs");
    tool_path("relconf");
    tool_path("secret-link");
    tool_path("release-pack");
    tool_path("journal-fmt");
    let bin_dir = bin.parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("bash")
        .args(["-o", "pipefail", "-c", script])
        .current_dir(dir)
        .env("PATH", path)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .expect("bash runs")
}

#[test]
fn parse_then_render_gives_the_same_arguments_back() {
    let project = copy_example();
    let out = sh(project.path(), "vmargs parse rel/vm.args.prod | vmargs render > rendered.args && vmargs diff rel/vm.args.prod rendered.args");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(text(&out.stdout).contains("no difference"));
    // Byte for byte, even, since the example is written the way render writes.
    let original = std::fs::read(project.path().join("rel/vm.args.prod")).unwrap();
    let rendered = std::fs::read(project.path().join("rendered.args")).unwrap();
    assert_eq!(text(&rendered), text(&original));
}

#[test]
fn diff_between_environments_exits_1() {
    let project = copy_example();
    let out = sh(
        project.path(),
        "vmargs diff rel/vm.args.stage rel/vm.args.prod",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("~ -name: billing_stage.0.0.1 -> billing_prod@127.0.0.1"));
}

#[test]
fn parsed_documents_of_several_files_are_checked_together() {
    let project = copy_example();
    let out = sh(
        project.path(),
        "vmargs parse rel/vm.args.stage rel/vm.args.prod | vmargs check --json",
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("\"code\":\"name-without-host\""),
        "{stdout}"
    );
    assert!(stdout.contains("\"code\":\"shared-cookie\""), "{stdout}");
}

#[test]
fn findings_chain_into_jq() {
    let Some(_) = require_peer("jq") else { return };
    let project = copy_example();
    let out = sh(project.path(), "vmargs check --json rel/vm.args.stage rel/vm.args.prod | jq -r 'select(.severity == \"error\") | .code' | sort -u");
    // vmargs exits 1 (errors found) and pipefail passes that on.
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "name-without-host\nshared-cookie\n");
}

#[test]
fn a_checked_relconf_document_pipes_in() {
    // relconf is not built yet; this is the document shape its issue specifies, so
    // the consumer side of `relconf parse rel/config.exs | vmargs check` is held to it.
    let project = copy_example();
    let doc = format!(
        r#"{{"kind":"relconf.config","path":"rel/config.exs","root":"{}","format":"distillery","default_release":"default","default_environment":{{"expr":"Mix.env()","line":13}},"environments":{{"stage":{{"vm_args":"rel/vm.args.stage","include_erts":true,"include_src":true}},"prod":{{"vm_args":"rel/vm.args.prod","include_erts":true,"include_src":false}}}},"releases":{{}},"plugins":[],"unresolved":[]}}"#,
        project.path().display()
    );
    std::fs::write(project.path().join("relconf.json"), doc).unwrap();
    let out = sh(project.path(), "cat relconf.json | vmargs check");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("rel/vm.args.stage:2:7: error[name-without-host]"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "error[shared-cookie]: stage (rel/vm.args.stage) and prod (rel/vm.args.prod)"
        ),
        "{stdout}"
    );
}

#[test]
fn relconf_parse_pipes_into_vmargs_check() {
    let project = copy_example();
    let out = sh(
        project.path(),
        "relconf parse rel/config.exs | vmargs check",
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("rel/vm.args.stage:2:7: error[name-without-host]"),
        "{stdout}"
    );
    assert!(stdout.contains("error[shared-cookie]"), "{stdout}");
    assert!(stdout.contains("vmargs: 2 files checked"), "{stdout}");
}

#[test]
fn relconf_env_selection_into_jq() {
    let Some(_) = require_peer("jq") else { return };
    let project = copy_example();
    let out = sh(
        project.path(),
        "relconf parse rel/config.exs --env stage | jq -r .environments.stage.vm_args",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "rel/vm.args.stage\n");
}

#[test]
fn relconf_from_another_directory_still_finds_the_vm_args() {
    // The document's root is absolute, so the consumer can run anywhere.
    let project = copy_example();
    let out = sh(
        std::path::Path::new("/"),
        &format!(
            "relconf parse {}/rel/config.exs | vmargs check --json",
            project.path().display()
        ),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("\"code\":\"name-without-host\""));
}

/// The README's pipeline `secret-link plan --env stage --from /var --into "$BUILD_AT/config" |
/// secret-link apply`, with a stand-in for /var, then the same with jq editing the plan
/// on the way (dropping a link apply would refuse).
#[test]
fn secret_link_plan_pipes_into_apply() {
    let project = copy_example();
    let dir = project.path();
    std::fs::create_dir_all(dir.join("var")).unwrap();
    std::fs::create_dir_all(dir.join("build/config")).unwrap();
    std::fs::write(dir.join("var/stage.secret.exs"), "import Config\n").unwrap();
    let out = sh(
        dir,
        "BUILD_AT=$PWD/build; secret-link plan --env stage --from \"$PWD/var\" --into \"$BUILD_AT/config\" | secret-link apply",
    );
    assert_ok(&out, "out");
    assert!(
        text(&out.stdout).starts_with("created"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(
        std::fs::read_link(dir.join("build/config/stage.secret.exs")).unwrap(),
        dir.join("var/stage.secret.exs")
    );
    let Some(_) = require_peer("jq") else { return };
    // prod has no secret yet: its link is refused, so plan exits 1 and apply would
    // refuse the whole plan; jq keeps only the links that can be made.
    let out = sh(
        dir,
        "secret-link plan --env stage --env prod --from var --into build/config; echo \"plan exit $?\" >&2",
    );
    assert!(text(&out.stderr).contains("plan exit 1"));
    let out = sh(
        dir,
        "{ secret-link plan --env stage --env prod --from var --into build/config || true; } | jq -c '.links |= map(select(.action != \"refuse\"))' | secret-link apply --json | jq -r '.links[] | .action'",
    );
    assert_ok(&out, "out");
    assert_eq!(text(&out.stdout), "keep\n");
}

/// The README's pipeline `release-pack inspect billing-0.1.0.tar.gz | vmargs check`, on a tarball
/// packed from the example's release tree.
#[test]
fn release_pack_inspect_pipes_into_vmargs_check() {
    let project = copy_example();
    let out = sh(
        project.path(),
        "release-pack pack release -o billing-0.1.0.tar.gz > manifest.json && release-pack inspect billing-0.1.0.tar.gz | vmargs check",
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("billing-0.1.0.tar.gz:releases/0.1.0/vm.args:2:1: error[mix-sets-node]"),
        "{stdout}"
    );
    // The rendered releases/<vsn>/vm.args is the file Mix reads: no rename advice.
    assert!(!stdout.contains("mix-ignores-vm-args"), "{stdout}");
    // The cookie was redacted before vmargs saw it, so it is not judged; shown, it is.
    let out = sh(
        project.path(),
        "release-pack inspect billing-0.1.0.tar.gz | vmargs check --target distillery",
    );
    assert!(
        !text(&out.stdout).contains("weak-cookie"),
        "{}",
        text(&out.stdout)
    );
    let out = sh(
        project.path(),
        "release-pack inspect --show-secrets billing-0.1.0.tar.gz | vmargs check --target distillery",
    );
    assert!(
        text(&out.stdout).contains("warning[weak-cookie]"),
        "{}",
        text(&out.stdout)
    );
    let out = sh(
        project.path(),
        "release-pack verify billing-0.1.0.tar.gz --manifest manifest.json",
    );
    assert_ok(&out, "out");
}

/// The README's pipeline `journalctl -o json -fu billing_prod | journal-fmt --priority warning`
/// on a real journal (the example's entries written by systemd-journal-remote; `-f`
/// is left out so the pipeline ends): the crash report and the ANSI-coloured warning,
/// though journald stored every line at PRIORITY=6.
#[test]
fn journalctl_json_pipes_into_journal_fmt() {
    let Some(remote) = require_peer("systemd-journal-remote") else {
        return;
    };
    if require_peer("journalctl").is_none() {
        return;
    }
    let project = copy_example();
    let dir = project.path();
    let out = sh(
        dir,
        &format!(
            "mkdir journal.d && '{}' -o journal.d/billing.journal journal/billing_prod.export 2>/dev/null && \
             journalctl -D journal.d -o json -u billing_prod | journal-fmt --priority warning -o cat --color never",
            remote.display()
        ),
    );
    assert_ok(&out, "out");
    let shown = text(&out.stdout);
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(lines.len(), 7, "{shown}");
    assert!(lines[0].ends_with("[error] GenServer Billing.PaymentWorker terminating"));
    assert!(lines[6].ends_with("[warning] Payment provider answered slowly (1520ms)"));
    // And piped on: errors only, as JSON, into jq.
    let out = sh(
        dir,
        "journalctl -D journal.d -o json | journal-fmt -p err -o json | jq -r .MESSAGE | head -n 2",
    );
    assert_ok(&out, "out");
    assert_eq!(
        text(&out.stdout),
        "10:00:07.903 [error] GenServer Billing.PaymentWorker terminating\n** (ArithmeticError) bad argument in arithmetic expression\n"
    );
}
