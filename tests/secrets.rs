//! A secret is never printed without `--show-secrets`: every tool and verb, in every
//! output format, run over a project whose every secret (cookies in vm.args, in
//! rel/config.exs and mix.exs, in a release's COOKIE, an `-env` secret, a secret
//! file's contents) carries a marker string, must not show the marker on stdout or
//! stderr. With `--show-secrets` the verbs that show secrets do show it, which is
//! what proves the marker would be seen if it leaked. (`vmargs render` without
//! `--json` is not a report: its output is the vm.args file asked for, cookie and all.)
//!
//! The example's assembled release (`release/`, packed as `billing.tar.gz`) carries a
//! marked secret under a name made from every entry of the secret rule's lists
//! (docs/design.md, "Secrets"), in each place a release holds one: `-env NAME` and
//! `-App Key Value` in its vm.args, assignments in its env.sh (exported at once,
//! exported later, not exported, a URL password, a `-setcookie` in
//! `ELIXIR_ERL_OPTIONS`), pairs in its sys.config, and its `COOKIE`.

use relkit_common::secret::name::{KEY_QUALIFIERS, SECRET_PARTS, SECRET_WORDS};
use relkit_tests::{copy_example, tool, tool_path, write_file};
use std::path::Path;
use std::process::Command;

const MARKER: &str = "relkitmarker";

const FINDING_FORMATS: &[&str] = &["human", "json", "gcc", "github", "sarif"];

/// The example project with `foo123` replaced by marked secrets everywhere, and
/// files for the ways a cookie hides: one that starts with `-`, one cut by `#`, one
/// glued to the next line by a backslash, two in one file, one in quotes with a
/// space, an `-env` secret, a config whose cookie line does not parse.
fn project() -> tempfile::TempDir {
    let dir = copy_example();
    let root = dir.path();
    for rel in [
        "rel/vm.args.stage",
        "rel/vm.args.prod",
        "rel/config.exs",
        "release/releases/0.1.0/vm.args",
        "release/releases/COOKIE",
    ] {
        let path = root.join(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("foo123"), "{rel} has the example cookie");
        std::fs::write(&path, text.replace("foo123", "relkitmarker_cookie_1")).unwrap();
    }
    let mix = std::fs::read_to_string(root.join("mix.exs")).unwrap();
    std::fs::write(
        root.join("mix.exs"),
        mix.replace(
            "include_executables_for: [:unix],",
            "include_executables_for: [:unix],\n        cookie: \"relkitmarker_mix_cookie\",",
        ),
    )
    .unwrap();
    let files: &[(&str, &str)] = &[
        ("rel/vm.args.dash", "-name dash@127.0.0.1\n-setcookie -relkitmarker_dash\n"),
        ("rel/vm.args.hash", "-name hash@127.0.0.1\n-setcookie abcd#relkitmarker_hash\n"),
        (
            "rel/vm.args.glued",
            "-name glued@127.0.0.1\n-setcookie relkitmarker_glued\\\n-heart\n",
        ),
        (
            "rel/vm.args.twice",
            "-name twice@127.0.0.1\n-setcookie relkitmarker_first\n-setcookie relkitmarker_second\n",
        ),
        (
            "rel/vm.args.quoted",
            "-name quoted@127.0.0.1\n-setcookie 'relkitmarker quoted'\n-env RELEASE_SECRET relkitmarker_env\n",
        ),
        (
            "rel/broken.exs",
            "use Distillery.Releases.Config\nenvironment :prod do\n  set cookie: \"relkitmarker_unterminated\nend\n",
        ),
        ("secrets/stage.secret.exs", "config :billing, key: \"relkitmarker_file\"\n"),
    ];
    for (rel, text) in files {
        write_file(root, rel, text.as_bytes());
    }
    mark_release(root);
    tool("release-pack")
        .current_dir(root)
        .args(["pack", "release", "-o", "billing.tar.gz", "-q"])
        .assert()
        .success();
    dir
}

/// A name for every entry of the secret rule's lists, in the spellings people use.
fn secret_names() -> Vec<String> {
    let mut names: Vec<String> = SECRET_PARTS
        .iter()
        .map(|part| format!("DB_{part}"))
        .chain(SECRET_WORDS.iter().map(|word| format!("APP_{word}")))
        .chain(KEY_QUALIFIERS.iter().map(|q| format!("{q}_KEY")))
        .collect();
    names.extend(
        [
            "KEY",
            "TOKEN",
            "SECRET_KEY_BASE",
            "PGPASSWORD",
            "dbPassword",
            "Api_Token",
        ]
        .map(String::from),
    );
    names
}

/// The marker of the `n`th secret in `place`.
fn marker(place: &str, n: usize) -> String {
    format!("{MARKER}_{place}_{n}")
}

/// Marked secrets in the release's vm.args, env.sh and sys.config; returns them all.
fn mark_release(root: &Path) -> Vec<String> {
    let names = secret_names();
    let dir = root.join("release/releases/0.1.0");
    let mut markers = Vec::new();
    let mut vm_args = std::fs::read_to_string(dir.join("vm.args")).unwrap();
    let mut env_sh = std::fs::read_to_string(dir.join("env.sh")).unwrap();
    let mut terms = Vec::new();
    for (n, name) in names.iter().enumerate() {
        let (vm, env, sys) = (marker("vm", n), marker("env", n), marker("sys", n));
        vm_args.push_str(&format!("-env {name} {vm}\n"));
        env_sh.push_str(&match n % 3 {
            0 => format!("export {name}={env}\n"),
            1 => format!("{name}=\"{env}\"; export {name}\n"),
            _ => format!("{name}='{env}'\n"),
        });
        terms.push(format!("{{'{name}', <<\"{sys}\">>}}"));
        terms.push(format!(
            "{{{}, \"{sys}_lower\"}}",
            name.to_ascii_lowercase()
        ));
        markers.extend([vm, env, sys.clone(), format!("{sys}_lower")]);
    }
    vm_args.push_str(&format!("-billing secret_key_base {}\n", marker("app", 0)));
    env_sh.push_str(&format!(
        "export DATABASE_URL=ecto://billing:{}@db.internal/billing\n",
        marker("url", 0)
    ));
    env_sh.push_str(&format!(
        "export ELIXIR_ERL_OPTIONS=\"+sbwt none -setcookie {}\"\n",
        marker("erl_options", 0)
    ));
    markers.extend([marker("app", 0), marker("url", 0), marker("erl_options", 0)]);
    std::fs::write(dir.join("vm.args"), vm_args).unwrap();
    std::fs::write(dir.join("env.sh"), env_sh).unwrap();
    std::fs::write(
        dir.join("sys.config"),
        format!(
            "[{{billing,[{{ecto_repos,[]}},\n  {}]}}].\n",
            terms.join(",\n  ")
        ),
    )
    .unwrap();
    markers
}

const VM_ARGS: &[&str] = &[
    "release/releases/0.1.0/vm.args",
    "rel/vm.args.stage",
    "rel/vm.args.prod",
    "rel/vm.args.dash",
    "rel/vm.args.hash",
    "rel/vm.args.glued",
    "rel/vm.args.twice",
    "rel/vm.args.quoted",
];

/// Every run: (tool, arguments, takes --format).
fn runs() -> Vec<(&'static str, Vec<String>, bool)> {
    let owned = |args: &[&str]| args.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let mut runs = Vec::new();
    let mut check = vec!["check"];
    check.extend(VM_ARGS);
    runs.push(("vmargs", owned(&check), true));
    for file in VM_ARGS {
        runs.push(("vmargs", owned(&["check", file]), true));
        runs.push(("vmargs", owned(&["parse", file]), false));
        runs.push(("vmargs", owned(&["diff", "rel/vm.args.stage", file]), false));
    }
    // render's text is the file asked for (exempt); its document and its refusals are not.
    for ending in [&["--json"][..], &["--target", "mix"][..]] {
        let mut args = owned(&[
            "render",
            "--name",
            "a@127.0.0.1",
            "--cookie",
            "relkitmarker_render",
        ]);
        args.extend(owned(ending));
        runs.push(("vmargs", args, false));
    }
    for file in ["rel/config.exs", "mix.exs", "rel/broken.exs"] {
        runs.push(("relconf", owned(&["check", file]), true));
        runs.push(("relconf", owned(&["parse", file]), false));
    }
    for path in ["billing.tar.gz", "release"] {
        runs.push(("release-pack", owned(&["inspect", path]), false));
    }
    runs.push(("release-pack", owned(&["verify", "billing.tar.gz"]), true));
    runs.push(("release-pack", owned(&["list", "billing.tar.gz"]), false));
    runs.push((
        "release-pack",
        owned(&["pack", "release", "-o", "again.tar.gz"]),
        false,
    ));
    let selection = ["--env", "stage", "--from", "secrets", "--into", "config"];
    for verb in ["plan", "check", "apply"] {
        let mut args = vec![verb];
        args.extend(selection);
        runs.push(("secret-link", owned(&args), verb == "check"));
    }
    // The tools with no secrets of their own are held to the same rule.
    runs.push((
        "hsts-check",
        owned(&["parse", "max-age=31536000; includeSubDomains"]),
        true,
    ));
    runs.push((
        "hsts-check",
        owned(&[
            "probe",
            "example.com",
            "stage.example.com",
            "--from-dumps",
            "headers",
        ]),
        true,
    ));
    runs.push((
        "hsts-check",
        owned(&["config", "nginx/nginx.conf", "haproxy/haproxy.cfg"]),
        true,
    ));
    runs.push((
        "journal-fmt",
        owned(&["journal/billing_prod.export"]),
        false,
    ));
    runs
}

fn output_of(root: &Path, tool_name: &str, args: &[String], extra: &[&str]) -> String {
    let out = tool(tool_name)
        .current_dir(root)
        .args(args)
        .args(extra)
        .env_remove("RELKIT_FORMAT")
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0..=2)),
        "{tool_name} {args:?} {extra:?}: {:?}",
        out.status
    );
    // A usage error would print nothing worth checking: every run must be a real one.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains(&format!("see '{tool_name} --help'")),
        "{tool_name} {args:?} {extra:?} is a usage error: {stderr}"
    );
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn no_output_shows_a_secret_without_show_secrets() {
    let dir = project();
    let root = dir.path();
    let mut checked = 0;
    for (tool_name, args, takes_format) in runs() {
        let mut variants: Vec<Vec<&str>> = vec![vec![]];
        if !args.iter().any(|a| a == "--json") {
            variants.push(vec!["--json"]);
        }
        if takes_format {
            variants.extend(FINDING_FORMATS.iter().map(|f| vec!["--format", f]));
        }
        for extra in variants {
            let text = output_of(root, tool_name, &args, &extra);
            assert!(
                !text.contains(MARKER),
                "{tool_name} {args:?} {extra:?} printed a secret:\n{text}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 150, "{checked} runs");
}

#[test]
fn pipelines_keep_secrets_masked() {
    let dir = project();
    let bin = tool_path("vmargs").parent().unwrap().to_path_buf();
    for t in ["relconf", "release-pack"] {
        tool_path(t);
    }
    for script in [
        "relconf parse rel/config.exs | vmargs check",
        "relconf parse rel/config.exs | vmargs check --format sarif",
        "release-pack inspect billing.tar.gz | vmargs check",
        "release-pack inspect release | vmargs check --format sarif",
        "release-pack inspect billing.tar.gz | vmargs check --json",
        "release-pack inspect billing.tar.gz | vmargs check --format github",
        "release-pack inspect billing.tar.gz | vmargs check --format gcc",
        "cat rel/vm.args.stage | vmargs check --format github",
    ] {
        let out = Command::new("bash")
            .args(["-c", script])
            .current_dir(dir.path())
            .env(
                "PATH",
                format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
            )
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!text.contains(MARKER), "{script} printed a secret:\n{text}");
    }
}

#[test]
fn show_secrets_shows_them() {
    let dir = project();
    let root = dir.path();
    let owned = |args: &[&str]| args.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    for (tool_name, args) in [
        (
            "vmargs",
            owned(&["check", "rel/vm.args.stage", "rel/vm.args.prod"]),
        ),
        ("vmargs", owned(&["parse", "rel/vm.args.quoted"])),
        (
            "vmargs",
            owned(&["diff", "rel/vm.args.stage", "rel/vm.args.twice"]),
        ),
        ("vmargs", owned(&["check", "rel/vm.args.hash"])),
        ("relconf", owned(&["parse", "rel/config.exs"])),
        ("relconf", owned(&["check", "rel/config.exs"])),
        ("relconf", owned(&["parse", "rel/broken.exs"])),
        ("release-pack", owned(&["inspect", "billing.tar.gz"])),
        (
            "vmargs",
            owned(&["parse", "release/releases/0.1.0/vm.args"]),
        ),
    ] {
        let text = output_of(root, tool_name, &args, &["--show-secrets"]);
        assert!(
            text.contains(MARKER),
            "{tool_name} {args:?} --show-secrets did not show the secret:\n{text}"
        );
    }
}

/// Every marker put into the release is shown by `inspect --show-secrets`, from the
/// tarball and from the directory: the masking test above looks where they are.
#[test]
fn inspect_shows_every_marked_secret_with_show_secrets_and_none_without() {
    let dir = project();
    let root = dir.path();
    // The same markers project() wrote, from a second copy of the example.
    let markers = mark_release(copy_example().path());
    assert!(markers.len() > 100, "{} markers", markers.len());
    for path in ["billing.tar.gz", "release"] {
        let shown = output_of(
            root,
            "release-pack",
            &[String::from("inspect"), path.into()],
            &["--show-secrets"],
        );
        for m in &markers {
            assert!(
                shown.contains(m.as_str()),
                "inspect {path} --show-secrets lacks {m}"
            );
        }
        let hidden = output_of(
            root,
            "release-pack",
            &[String::from("inspect"), path.into()],
            &[],
        );
        assert!(!hidden.contains(MARKER), "inspect {path}:\n{hidden}");
        let doc: serde_json::Value = serde_json::from_str(hidden.trim()).unwrap();
        assert_eq!(doc["env_sh"][0]["redacted"], true);
        assert_eq!(doc["sys_config"][0]["redacted"], true);
        assert_eq!(doc["vm_args"][0]["cookie_redacted"], true);
        // Masks keep the width: the masked text is as long as the real one.
        let real: serde_json::Value = serde_json::from_str(shown.trim()).unwrap();
        for field in ["vm_args", "env_sh", "sys_config"] {
            let a = doc[field][0]["text"].as_str().unwrap();
            let b = real[field][0]["text"].as_str().unwrap();
            assert_eq!(a.chars().count(), b.chars().count(), "{field}");
        }
    }
}
