//! Findings for CI: `--format sarif` is valid SARIF 2.1.0 by two independent
//! validators (Microsoft's SARIF Multitool, and a JSON Schema validator with the
//! official 2.1.0 schema that ships with it); `--format github` and `--format gcc`
//! print one well-formed line per finding; `--exclude`, `--severity` and their
//! `RELKIT_*` variables choose what is shown and counted; every human finding says
//! where its code is explained, and that anchor exists in docs/codes.md.

use relkit_tests::{assert_ok, copy_example, require_peer, text, tool, workspace_root, write_file};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every verb that reports findings, on inputs that give findings of several codes.
fn finding_runs() -> Vec<(&'static str, Vec<&'static str>)> {
    vec![
        (
            "vmargs",
            vec!["check", "rel/vm.args.stage", "rel/vm.args.prod"],
        ),
        ("relconf", vec!["check", "rel/config.exs"]),
        (
            "hsts-check",
            vec!["parse", "max-age=abc; includeSubDomains; foo=\"a,b\""],
        ),
        (
            "hsts-check",
            vec![
                "probe",
                "example.com",
                "stage.example.com",
                "--from-dumps",
                "headers",
            ],
        ),
        ("release-pack", vec!["verify", "open.tar.gz"]),
        (
            "secret-link",
            vec![
                "check", "--env", "stage", "--env", "prod", "--from", "secrets", "--into", "config",
            ],
        ),
    ]
}

fn project() -> tempfile::TempDir {
    let dir = copy_example();
    let root = dir.path();
    // A release with a world-writable file and an entry under a space, for verify.
    let release = root.join("release");
    let odd = write_file(&release, "lib/billing-0.1.0/priv/odd name,1.txt", b"x");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&odd, std::fs::Permissions::from_mode(0o666)).unwrap();
    let out = Command::new("tar")
        .current_dir(&release)
        .args(["czf", "../open.tar.gz", "."])
        .output()
        .unwrap();
    assert_ok(&out, "out");
    // One secret too open, the other missing.
    let secret = write_file(root, "secrets/stage.secret.exs", b"import Config\n");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    dir
}

fn run(root: &Path, tool_name: &str, args: &[&str], extra: &[&str]) -> std::process::Output {
    tool(tool_name)
        .current_dir(root)
        .args(args)
        .args(extra)
        .env_remove("RELKIT_FORMAT")
        .env_remove("RELKIT_EXCLUDE")
        .env_remove("RELKIT_SEVERITY")
        .output()
        .unwrap()
}

/// The SARIF Multitool: `sarif-multitool` on PATH (as .ci/run links it), or
/// `RELKIT_SARIF_MULTITOOL`.
fn multitool() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("RELKIT_SARIF_MULTITOOL") {
        return Some(PathBuf::from(path));
    }
    require_peer("sarif-multitool")
}

#[test]
fn sarif_is_valid_by_the_multitool_and_the_official_schema() {
    let Some(multitool) = multitool() else { return };
    let Some(python) = require_peer("python3") else {
        return;
    };
    // The schema file ships beside the Multitool's binary.
    let real = std::fs::canonicalize(&multitool).unwrap();
    let schema = real.parent().unwrap().join("sarif-2.1.0.json");
    assert!(schema.is_file(), "no {}", schema.display());
    let dir = project();
    let root = dir.path();
    let logs = tempfile::tempdir().unwrap();
    let mut results = 0;
    for (i, (tool_name, args)) in finding_runs().into_iter().enumerate() {
        let out = run(root, tool_name, &args, &["--format", "sarif"]);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{tool_name} {args:?}: {}",
            text(&out.stderr)
        );
        let log: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
        assert_eq!(log["version"], "2.1.0");
        let run = &log["runs"][0];
        assert_eq!(run["tool"]["driver"]["name"], tool_name);
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        for result in run["results"].as_array().unwrap() {
            let index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], result["ruleId"]);
            results += 1;
        }
        let path = logs.path().join(format!("{i}-{tool_name}.sarif"));
        std::fs::write(&path, &out.stdout).unwrap();

        // The Multitool tries to fetch a remote $schema and then skips schema
        // checks, so it is given the file without it; it exits 0 whatever it
        // finds, so its report is read.
        let mut local: Value = log.clone();
        local.as_object_mut().unwrap().remove("$schema");
        let local_path = logs.path().join(format!("{i}-{tool_name}.local.sarif"));
        std::fs::write(&local_path, serde_json::to_vec(&local).unwrap()).unwrap();
        let report = logs
            .path()
            .join(format!("{i}-{tool_name}.validation.sarif"));
        let out = Command::new(&multitool)
            .arg("validate")
            .arg(&local_path)
            .arg("-o")
            .arg(&report)
            .arg("--json-schema")
            .arg(&schema)
            .output()
            .unwrap();
        let said = text(&out.stdout);
        assert!(out.status.success(), "{said}{}", text(&out.stderr));
        let errors: Vec<&str> = said.lines().filter(|l| l.contains(": error ")).collect();
        assert!(errors.is_empty(), "{tool_name} {args:?}: {errors:#?}");
        let validation: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
        let flagged: Vec<&Value> = validation["runs"][0]["results"]
            .as_array()
            .map(|r| r.iter().filter(|x| x["level"] == "error").collect())
            .unwrap_or_default();
        assert!(flagged.is_empty(), "{tool_name}: {flagged:#?}");

        let out = Command::new(&python)
            .args([
                "-c",
                "import json, sys, jsonschema\n\
                 schema = json.load(open(sys.argv[1]))\n\
                 log = json.load(open(sys.argv[2]))\n\
                 jsonschema.validators.validator_for(schema)(schema).validate(log)\n\
                 print('valid')",
            ])
            .arg(&schema)
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success() && text(&out.stdout).trim() == "valid",
            "{tool_name} {args:?}: jsonschema: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
    }
    assert!(results >= 10, "only {results} results in all");
}

#[test]
fn a_broken_log_is_caught_by_both_validators() {
    // The validators are not taken on trust: a result without its required message
    // fails both. (The Multitool passes a result whose level is not one of SARIF's
    // four, which is one reason the schema validator runs beside it.)
    let Some(multitool) = multitool() else { return };
    let Some(python) = require_peer("python3") else {
        return;
    };
    let schema = std::fs::canonicalize(&multitool)
        .unwrap()
        .parent()
        .unwrap()
        .join("sarif-2.1.0.json");
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.sarif");
    std::fs::write(
        &bad,
        r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"level":"error","ruleId":"x"}]}]}"#,
    )
    .unwrap();
    let out = Command::new(&multitool)
        .arg("validate")
        .arg(&bad)
        .arg("-o")
        .arg(dir.path().join("r.sarif"))
        .arg("--json-schema")
        .arg(&schema)
        .output()
        .unwrap();
    assert!(
        text(&out.stdout).contains(": error "),
        "{}",
        text(&out.stdout)
    );
    let out = Command::new(&python)
        .args([
            "-c",
            "import json, sys, jsonschema\n\
             schema = json.load(open(sys.argv[1]))\n\
             jsonschema.validators.validator_for(schema)(schema).validate(json.load(open(sys.argv[2])))",
        ])
        .arg(&schema)
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[test]
fn github_and_gcc_lines_are_one_per_finding() {
    let dir = project();
    let root = dir.path();
    for (tool_name, args) in finding_runs() {
        let json = run(root, tool_name, &args, &["--format", "json"]);
        let docs: Vec<Value> = serde_json::Deserializer::from_slice(&json.stdout)
            .into_iter()
            .collect::<Result<_, _>>()
            .unwrap();
        // hsts-check prints its report document, with the findings inside.
        let findings: Vec<Value> = docs
            .iter()
            .flat_map(|d| match d["kind"].as_str() {
                Some("finding") => vec![d.clone()],
                _ => d["findings"].as_array().cloned().unwrap_or_default(),
            })
            .collect();
        assert!(!findings.is_empty(), "{tool_name} {args:?} finds something");

        let github = run(root, tool_name, &args, &["--format", "github"]);
        assert_eq!(github.status.code(), json.status.code());
        let lines: Vec<String> = text(&github.stdout).lines().map(str::to_string).collect();
        assert_eq!(lines.len(), findings.len(), "{tool_name}: {lines:#?}");
        for (line, f) in lines.iter().zip(&findings) {
            let command = match f["severity"].as_str().unwrap() {
                "error" => "::error ",
                "warning" => "::warning ",
                _ => "::notice ",
            };
            assert!(line.starts_with(command), "{line}");
            let code = f["code"].as_str().unwrap();
            assert!(
                line.contains(&format!("title={tool_name} {code}::")),
                "{line}"
            );
            if let Some(path) = f["path"].as_str() {
                let escaped = path
                    .replace('%', "%25")
                    .replace(':', "%3A")
                    .replace(',', "%2C");
                assert!(line.contains(&format!("file={escaped}")), "{line}");
            }
            let (_, message) = line.split_once("::").unwrap().1.split_once("::").unwrap();
            assert!(!message.contains('\n'));
        }

        let gcc = run(root, tool_name, &args, &["--format", "gcc"]);
        assert_eq!(gcc.status.code(), json.status.code());
        let lines: Vec<String> = text(&gcc.stdout).lines().map(str::to_string).collect();
        assert_eq!(lines.len(), findings.len());
        for (line, f) in lines.iter().zip(&findings) {
            let code = f["code"].as_str().unwrap();
            assert!(line.ends_with(&format!(" [{code}]")), "{line}");
            let place = match (f["path"].as_str(), f["line"].as_u64(), f["column"].as_u64()) {
                (Some(p), Some(l), Some(c)) => format!("{p}:{l}:{c}: "),
                (Some(p), Some(l), None) => format!("{p}:{l}: "),
                (Some(p), None, _) => format!("{p}: "),
                (None, _, _) => format!("{tool_name}: "),
            };
            assert!(line.starts_with(&place), "{line} should start {place}");
        }
    }
}

#[test]
fn exclude_and_severity_choose_what_counts() {
    let dir = project();
    let root = dir.path();
    let args = ["check", "rel/vm.args.stage", "rel/vm.args.prod", "--json"];
    let all = run(root, "vmargs", &args, &[]);
    assert_eq!(all.status.code(), Some(1));
    let codes = |out: &std::process::Output| -> Vec<(String, String)> {
        serde_json::Deserializer::from_slice(&out.stdout)
            .into_iter::<Value>()
            .map(|d| {
                let d = d.unwrap();
                (
                    d["code"].as_str().unwrap().to_string(),
                    d["severity"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let found = codes(&all);
    let errors: Vec<String> = found
        .iter()
        .filter(|(_, s)| s == "error")
        .map(|(c, _)| c.clone())
        .collect();
    assert!(!errors.is_empty() && found.iter().any(|(_, s)| s != "error"));

    // --severity error keeps only errors.
    let only = run(root, "vmargs", &args, &["--severity", "error"]);
    assert!(codes(&only).iter().all(|(_, s)| s == "error"));
    assert_eq!(codes(&only).len(), errors.len());

    // Excluding every error code turns the status to 0, by flag or by variable.
    let list = errors.join(",");
    let excluded = run(root, "vmargs", &args, &["--exclude", &list]);
    assert_eq!(
        excluded.status.code(),
        Some(0),
        "{}",
        text(&excluded.stderr)
    );
    assert!(codes(&excluded).iter().all(|(c, _)| !errors.contains(c)));
    let by_env = tool("vmargs")
        .current_dir(root)
        .args(args)
        .env("RELKIT_EXCLUDE", &list)
        .env("RELKIT_SEVERITY", "warning")
        .output()
        .unwrap();
    assert_eq!(by_env.status.code(), Some(0));
    assert!(codes(&by_env)
        .iter()
        .all(|(c, s)| !errors.contains(c) && s != "info"));

    // RELKIT_FORMAT sets the format; --json or --format on the line wins.
    let github = tool("vmargs")
        .current_dir(root)
        .args(["check", "rel/vm.args.prod"])
        .env("RELKIT_FORMAT", "github")
        .output()
        .unwrap();
    assert!(
        text(&github.stdout).starts_with("::"),
        "{}",
        text(&github.stdout)
    );
    let json = tool("vmargs")
        .current_dir(root)
        .args(["check", "rel/vm.args.prod", "--json"])
        .env("RELKIT_FORMAT", "github")
        .output()
        .unwrap();
    assert!(text(&json.stdout).starts_with("{\"kind\":\"finding\""));

    // A code no tool has is a usage error naming the closest one.
    let typo = run(root, "vmargs", &args, &["--exclude", "shared-cookies"]);
    assert_eq!(typo.status.code(), Some(2));
    assert!(
        text(&typo.stderr).contains("did you mean shared-cookie?"),
        "{}",
        text(&typo.stderr)
    );
    let bad_env = tool("vmargs")
        .current_dir(root)
        .args(["check", "rel/vm.args.prod"])
        .env("RELKIT_FORMAT", "junit")
        .output()
        .unwrap();
    assert_eq!(bad_env.status.code(), Some(2));
    assert!(text(&bad_env.stderr).contains("RELKIT_FORMAT"));
}

#[test]
fn every_human_finding_ends_with_the_anchor_of_its_code() {
    let codes_md = std::fs::read_to_string(workspace_root().join("docs/codes.md")).unwrap();
    let dir = project();
    let root = dir.path();
    for (tool_name, args) in finding_runs() {
        let out = tool(tool_name)
            .current_dir(root)
            .args(&args)
            .env("RELKIT_DOCS_URL", "https://docs.example/codes.md")
            .env_remove("RELKIT_FORMAT")
            .output()
            .unwrap();
        let stdout = text(&out.stdout);
        let mut seen = 0;
        let mut lines = stdout.lines().peekable();
        while let Some(line) = lines.next() {
            let Some(code) = line
                .split_once("error[")
                .or_else(|| line.split_once("warning["))
                .or_else(|| line.split_once("info["))
                .and_then(|(_, rest)| rest.split_once(']'))
                .map(|(code, _)| code.to_string())
            else {
                continue;
            };
            // The finding's own lines run to its `= see:` line.
            let see = lines
                .by_ref()
                .find(|l| l.trim_start().starts_with("= see:"))
                .unwrap_or_else(|| panic!("{tool_name}: no see line after {line}"));
            let anchor = format!("{tool_name}-{code}");
            assert_eq!(
                see.trim(),
                format!("= see: https://docs.example/codes.md#{anchor}")
            );
            assert!(
                codes_md.contains(&format!("<a id=\"{anchor}\"></a>")),
                "{anchor}"
            );
            seen += 1;
        }
        assert!(seen > 0, "{tool_name} {args:?}: {stdout}");
    }
}
