//! What Distillery or `mix release` would refuse or do differently than the author
//! expects, found in the config without running it.

use crate::codes::{self, *};
use crate::config::{Block, Config, Format, Setting};
use relkit_common::{Finding, Severity};
use serde_json::Value;
use std::path::Path;

/// Fields of Distillery 2.x's `%Profile{}`: valid in both blocks.
pub const PROFILE_KEYS: &[&str] = &[
    "output_dir",
    "vm_args",
    "cookie",
    "config",
    "sys_config",
    "executable",
    "erl_opts",
    "run_erl_env",
    "dev_mode",
    "no_dot_erlang",
    "include_erts",
    "erts_version",
    "include_src",
    "include_system_libs",
    "included_configs",
    "config_providers",
    "appup_transforms",
    "strip_debug_info",
    "plugins",
    "overlay_vars",
    "overlays",
    "overrides",
    "commands",
    "pre_configure_hooks",
    "post_configure_hooks",
    "pre_start_hooks",
    "post_start_hooks",
    "pre_stop_hooks",
    "post_stop_hooks",
    "pre_upgrade_hooks",
    "post_upgrade_hooks",
];

/// Keys Distillery 2.0 removed (1.x still had them).
pub const REMOVED_KEYS: &[&str] = &[
    "code_paths",
    "exec_opts",
    "pre_start_hook",
    "post_start_hook",
    "pre_stop_hook",
    "post_stop_hook",
    "pre_upgrade_hook",
    "post_upgrade_hook",
    "pre_configure_hook",
    "post_configure_hook",
];

/// Only in a `release` block.
pub const RELEASE_ONLY_KEYS: &[&str] = &["version", "applications"];

/// Options of a Mix release (`mix help release`).
pub const MIX_RELEASE_OPTIONS: &[&str] = &[
    "applications",
    "strip_beams",
    "cookie",
    "validate_compile_env",
    "path",
    "version",
    "quiet",
    "include_erts",
    "include_executables_for",
    "overlays",
    "config_providers",
    "steps",
    "rel_templates_path",
    "runtime_config_path",
    "reboot_system_after_config",
    "prune_runtime_sys_config_after_boot",
    "start_distribution_during_config",
    "skip_mode_validation_for",
];

fn production_like(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "prod"
        || n == "production"
        || n == "live"
        || n.starts_with("prod_")
        || n.ends_with("_prod")
}

fn did_you_mean(key: &str, known: &[&str]) -> Option<String> {
    relkit_common::text::closest(key, known.iter().copied(), |k| 2.max(k.len() / 4))
        .map(|k| format!("did you mean `{k}`?"))
}

struct Ctx<'a> {
    path: &'a str,
    out: Vec<Finding>,
}

impl Ctx<'_> {
    fn at(
        &mut self,
        line: u32,
        column: u32,
        len: usize,
        severity: Severity,
        code: &str,
        message: String,
    ) -> &mut Finding {
        let end = column + u32::try_from(len.max(1)).unwrap_or(1);
        self.out.push(
            codes::finding(severity, code, message)
                .in_file(self.path)
                .at(line, column, end),
        );
        self.out.last_mut().expect("just pushed")
    }

    /// A finding on a setting, underlining its `key:`.
    fn at_setting(
        &mut self,
        s: &Setting,
        severity: Severity,
        code: &str,
        message: String,
    ) -> &mut Finding {
        self.at(s.line, s.column, s.key.len() + 1, severity, code, message)
    }

    fn file(&mut self, severity: Severity, code: &str, message: String) -> &mut Finding {
        self.out
            .push(codes::finding(severity, code, message).in_file(self.path));
        self.out.last_mut().expect("just pushed")
    }
}

/// Check a config read from `path` in the project `root`.
pub fn check(cfg: &Config, path: &str, root: &Path) -> Vec<Finding> {
    let mut cx = Ctx {
        path,
        out: Vec::new(),
    };
    for e in &cfg.dsl_errors {
        cx.at(
            e.line,
            e.column,
            1,
            Severity::Error,
            CODE_DSL_ERROR,
            e.message.clone(),
        );
    }
    match cfg.format {
        Format::Distillery => distillery(&mut cx, cfg, root),
        Format::Mix => mix(&mut cx, cfg),
    }
    let mut out = cx.out;
    out.sort_by_key(|f| (f.line, f.column));
    out
}

fn distillery(cx: &mut Ctx, cfg: &Config, root: &Path) {
    if cfg.releases.is_empty() {
        cx.file(
            Severity::Error,
            CODE_NO_RELEASE,
            "you must provide at least one release definition".into(),
        )
        .hint = Some("add a `release :name do ... end` block".into());
    }
    let distillery_2_1 = cfg.module.as_deref() == Some("Distillery.Releases.Config");
    for (kind, blocks) in [
        ("environment", &cfg.environments),
        ("release", &cfg.releases),
    ] {
        for block in blocks {
            for s in &block.settings {
                let key = s.key.as_str();
                if PROFILE_KEYS.contains(&key)
                    || (kind == "release" && RELEASE_ONLY_KEYS.contains(&key))
                {
                    continue;
                }
                if kind == "environment" && RELEASE_ONLY_KEYS.contains(&key) {
                    let f = cx.at_setting(
                        s,
                        Severity::Error,
                        CODE_SETTING_IN_WRONG_BLOCK,
                        format!("unknown environment config setting `{key}`"),
                    );
                    f.hint = Some(format!("`{key}` belongs in a release block"));
                } else if REMOVED_KEYS.contains(&key) && distillery_2_1 {
                    let f = cx.at_setting(s, Severity::Error, CODE_REMOVED_SETTING,
                        format!("unknown {kind} config setting `{key}`: it was removed in Distillery 2.0"));
                    f.hint = Some(match key {
                        "code_paths" | "exec_opts" => "remove it".into(),
                        _ => format!("use `{key}s` (a directory of hook scripts)"),
                    });
                } else if !REMOVED_KEYS.contains(&key) {
                    let mut known: Vec<&str> = PROFILE_KEYS.to_vec();
                    if kind == "release" {
                        known.extend(RELEASE_ONLY_KEYS);
                    }
                    let f = cx.at_setting(
                        s,
                        Severity::Error,
                        CODE_UNKNOWN_SETTING,
                        format!("unknown {kind} config setting `{key}`"),
                    );
                    f.hint = did_you_mean(key, &known);
                }
            }
        }
    }
    for env in &cfg.environments {
        environment(cx, env, root);
    }
    for (what, default, list) in [
        (
            "default_environment",
            &cfg.default_environment,
            &cfg.environments,
        ),
        ("default_release", &cfg.default_release, &cfg.releases),
    ] {
        if let Some((Value::String(name), line)) = default {
            // `:default` means "the first one" (or a synthesised default environment).
            if name != "default" && !list.iter().any(|b| &b.name == name) {
                let names: Vec<&str> = list.iter().map(|b| b.name.as_str()).collect();
                let f = cx.at(
                    *line,
                    1,
                    1,
                    Severity::Error,
                    CODE_UNKNOWN_DEFAULT,
                    format!(
                        "{what} is :{name}, but there is no such {}",
                        if what == "default_release" {
                            "release"
                        } else {
                            "environment"
                        }
                    ),
                );
                f.hint = Some(format!("use one of: {}", names.join(", ")));
            }
        }
    }
    if root.join(".deliver/config").is_file() {
        let names: Vec<&str> = cfg
            .environments
            .iter()
            .map(|e| e.name.as_str())
            .filter(|n| *n != "staging" && *n != "production")
            .collect();
        if !names.is_empty() {
            cx.file(Severity::Info, CODE_EDELIVER_ENVIRONMENTS, format!(
                "edeliver deploys to `staging` and `production`, which are not environment names here ({}): edeliver builds the Distillery environment named by --mix-env (TARGET_MIX_ENV), not by the deploy target",
                names.join(", ")))
                .hint = Some(format!("build with `mix edeliver build release --mix-env={}` and deploy with `mix edeliver deploy release to staging|production`", names[0]));
        }
    }
}

fn environment(cx: &mut Ctx, env: &Block, root: &Path) {
    if production_like(&env.name) {
        for (key, code, why) in [
            ("include_src", CODE_SRC_IN_PRODUCTION, "ships the source code in the release"),
            ("dev_mode", CODE_DEV_MODE_IN_PRODUCTION, "symlinks the build instead of copying it, so the release does not work on another host"),
        ] {
            if let Some(s) = env.get(key).filter(|s| s.value == Value::Bool(true)) {
                let f = cx.at_setting(s, Severity::Warning, code,
                    format!("{key}: true in the {} environment {why}", env.name));
                f.hint = Some(format!("set {key}: false for {}", env.name));
            }
        }
    }
    // The vm_args file's text, when the setting is a literal path that can be read.
    let vm_args_text = env.get("vm_args").and_then(|s| {
        let Value::String(rel) = &s.value else {
            return None;
        };
        match std::fs::read(root.join(rel)) {
            Ok(bytes) => Some(bytes),
            Err(e) => {
                let message = format!(
                    "vm_args {rel:?} cannot be read from the project root: {}",
                    relkit_common::input::describe_io_error(&e)
                );
                cx.at_setting(s, Severity::Error, CODE_VM_ARGS_NOT_FOUND, message)
                    .hint = Some(
                    "Distillery expands the path from the project root (not from rel/)".into(),
                );
                None
            }
        }
    });
    if let Some(cookie) = env.get("cookie") {
        if cookie.literal {
            let f = cx.at_setting(
                cookie,
                Severity::Warning,
                CODE_LITERAL_COOKIE,
                format!(
                    "the {} cookie is written in the config, so it is committed with the code",
                    env.name
                ),
            );
            f.hint = Some("read it at build time instead: set cookie: System.fetch_env!(\"ERLANG_COOKIE\") |> String.to_atom()".into());
        }
        if let Some(text) = &vm_args_text {
            let text = String::from_utf8_lossy(text);
            let sets_cookie = text
                .lines()
                .any(|l| l.trim_start().starts_with("-setcookie"));
            let uses_profile = text.contains("release.profile.cookie");
            if sets_cookie && !uses_profile {
                let f = cx.at_setting(cookie, Severity::Warning, CODE_COOKIE_OVERRIDDEN,
                    format!("the {} environment sets a cookie here and its vm_args sets -setcookie too: the vm.args one is what the node uses, this one is ignored", env.name));
                f.hint = Some("keep one: remove this setting, or write -setcookie <%= release.profile.cookie %> in vm.args".into());
            }
        }
    }
}

fn mix(cx: &mut Ctx, cfg: &Config) {
    for r in &cfg.releases {
        let valid = r.name.starts_with(|c: char| c.is_ascii_lowercase())
            && r.name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            let f = cx.at(r.line, r.column, r.name.len(), Severity::Error, CODE_INVALID_RELEASE_NAME,
                format!("release name {:?} must start with a lowercase letter and contain only lowercase letters, digits and underscores", r.name));
            f.hint = Some("mix release refuses other names; rename the release".into());
        }
        for s in &r.settings {
            if !MIX_RELEASE_OPTIONS.contains(&s.key.as_str()) && s.key != "options" {
                let f = cx.at_setting(
                    s,
                    Severity::Warning,
                    CODE_UNKNOWN_RELEASE_OPTION,
                    format!("`{}` is not an option of mix release; it is ignored", s.key),
                );
                f.hint = did_you_mean(&s.key, MIX_RELEASE_OPTIONS);
            }
        }
        if let Some(cookie) = r.get("cookie").filter(|c| c.literal) {
            let f = cx.at_setting(cookie, Severity::Warning, CODE_LITERAL_COOKIE,
                format!("the {} release's cookie is written in mix.exs, so it is committed with the code", r.name));
            f.hint = Some("leave :cookie unset (mix release writes a random one) or set RELEASE_COOKIE at run time".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::read;

    fn codes(src: &str, root: &Path) -> Vec<String> {
        let cfg = read(src, root).unwrap();
        check(&cfg, "rel/config.exs", root)
            .into_iter()
            .map(|f| f.code)
            .collect()
    }

    #[test]
    fn the_example_is_mostly_fine() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/billing");
        let src = std::fs::read_to_string(root.join("rel/config.exs")).unwrap();
        let found = codes(&src, &root);
        assert_eq!(
            found,
            [
                CODE_EDELIVER_ENVIRONMENTS,
                CODE_LITERAL_COOKIE,
                CODE_COOKIE_OVERRIDDEN,
                CODE_LITERAL_COOKIE,
                CODE_COOKIE_OVERRIDDEN
            ]
        );
    }

    #[test]
    fn settings_are_checked_against_the_profile() {
        let src = "use Distillery.Releases.Config\nenvironment :prod do\n  set include_ert: true\n  set version: \"1\"\n  set pre_start_hook: \"x\"\n  set include_src: true\n  set dev_mode: true\nend\nrelease :a do\n  set version: \"0.1.0\"\nend\n";
        let cfg = read(src, Path::new("/nonexistent")).unwrap();
        let found = check(&cfg, "rel/config.exs", Path::new("/nonexistent"));
        let got: Vec<(&str, Option<&str>)> = found
            .iter()
            .map(|f| (f.code.as_str(), f.hint.as_deref()))
            .collect();
        assert_eq!(
            got[0],
            (CODE_UNKNOWN_SETTING, Some("did you mean `include_erts`?"))
        );
        assert_eq!(
            found[0].message,
            "unknown environment config setting `include_ert`"
        );
        assert_eq!((found[0].line, found[0].column), (Some(3), Some(7)));
        assert_eq!(got[1].0, CODE_SETTING_IN_WRONG_BLOCK);
        assert_eq!(got[2].0, CODE_REMOVED_SETTING);
        assert_eq!(got[3].0, CODE_SRC_IN_PRODUCTION);
        assert_eq!(got[4].0, CODE_DEV_MODE_IN_PRODUCTION);
    }

    #[test]
    fn missing_release_and_defaults() {
        let found = codes("use Mix.Releases.Config, default_release: :web, default_environment: :qa\nenvironment :prod do\nend\n", Path::new("/"));
        assert_eq!(
            found,
            [CODE_NO_RELEASE, CODE_UNKNOWN_DEFAULT, CODE_UNKNOWN_DEFAULT]
        );
    }

    #[test]
    fn mix_release_names_and_options() {
        let src = "defmodule A.MixProject do\n  use Mix.Project\n  def project do\n    [app: :a, version: \"1.0.0\", releases: [Web: [steps: [:assemble]], api: [strip_beam: true, cookie: \"abc\"]]]\n  end\nend\n";
        let found = codes(src, Path::new("/"));
        assert_eq!(
            found,
            [
                CODE_INVALID_RELEASE_NAME,
                CODE_UNKNOWN_RELEASE_OPTION,
                CODE_LITERAL_COOKIE
            ]
        );
    }

    #[test]
    fn vm_args_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        let src = "use Mix.Releases.Config\nenvironment :stage do\n  set vm_args: \"rel/vm.args.stage\"\nend\nrelease :a do\nend\n";
        assert_eq!(codes(src, dir.path()), [CODE_VM_ARGS_NOT_FOUND]);
    }
}
