//! Reading configs: Mix and Distillery, what is kept and what is refused.

use super::*;
use serde_json::json;
use std::path::PathBuf;

const BILLING: &str = include_str!("../../../examples/billing/rel/config.exs");

fn example_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/billing")
}

#[test]
fn the_example_config() {
    let cfg = read(BILLING, &example_root()).unwrap();
    assert_eq!(cfg.module.as_deref(), Some("Distillery.Releases.Config"));
    let doc = cfg.to_doc("rel/config.exs", &example_root(), false);
    assert_eq!(
        doc.environments["stage"]["vm_args"],
        json!("rel/vm.args.stage")
    );
    assert_eq!(doc.environments["stage"]["include_src"], json!(true));
    assert_eq!(doc.environments["prod"]["include_src"], json!(false));
    assert_eq!(
        doc.environments["prod"]["cookie"],
        json!({"redacted": true})
    );
    assert_eq!(doc.releases["billing"]["version"], json!("0.1.0"));
    assert_eq!(
        doc.releases["billing"]["applications"],
        json!(["runtime_tools"])
    );
    assert_eq!(doc.default_release, json!("default"));
    assert_eq!(
        doc.default_environment,
        json!({"expr": "Mix.env()", "line": 14})
    );
    assert_eq!(doc.plugins[0].module, "Releases.Plugin.LinkConfig");
    assert_eq!(doc.plugins[0].scope, "release");
    let shown = cfg.to_doc("rel/config.exs", &example_root(), true);
    assert_eq!(shown.environments["prod"]["cookie"], json!("foo123"));
}

#[test]
fn the_example_mix_project() {
    let src = std::fs::read_to_string(example_root().join("mix.exs")).unwrap();
    let cfg = read(&src, &example_root()).unwrap();
    assert_eq!(cfg.format, Format::Mix);
    let doc = cfg.to_doc("mix.exs", &example_root(), false);
    assert_eq!(doc.releases["billing"]["version"], json!("0.1.0"));
    assert_eq!(
        doc.releases["billing"]["settings"]["steps"],
        json!(["assemble", "tar"])
    );
    assert_eq!(
        doc.releases["billing"]["applications"],
        json!({"runtime_tools": "permanent"})
    );
}

#[test]
fn dsl_misuse_in_distillery_words() {
    let cfg = read("use Mix.Releases.Config\nset x: 1\nenvironment \"prod\" do\nend\nrelease :a do\n  plugin Foo\nend\n", Path::new("/")).unwrap();
    let messages: Vec<&str> = cfg.dsl_errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "cannot use set/1 outside of an environment or a release!",
            "environment name must be an atom! got \"prod\""
        ]
    );
    assert_eq!(cfg.plugins[0].options, Value::Null);
}

#[test]
fn blocks_under_a_condition_are_kept_and_the_condition_recorded() {
    let src = "use Mix.Releases.Config\nif System.get_env(\"X\") do\n  environment :canary do\n    set include_src: false\n  end\nend\nrelease :a do\nend\n";
    let cfg = read(src, Path::new("/")).unwrap();
    assert_eq!(cfg.environments[0].name, "canary");
    assert_eq!(cfg.unresolved[0].expr, "System.get_env(\"X\")");
    assert_eq!(cfg.unresolved[0].place, "environments.canary");
}

#[test]
fn not_a_release_config() {
    let err = read("IO.puts(:hello)\n", Path::new("/")).unwrap_err();
    assert!(err
        .message
        .contains("no environment or release block found"));
}

#[test]
fn selecting_environments_and_releases() {
    let mut cfg = read(BILLING, &example_root()).unwrap();
    assert_eq!(
        cfg.only_environment("qa").unwrap_err(),
        "no environment \"qa\"; the config has stage, prod"
    );
    cfg.only_environment("stage").unwrap();
    assert_eq!(cfg.environments.len(), 1);
}
