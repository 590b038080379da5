//! What a release config says: environments, releases, plugins and defaults, read
//! from a Distillery `rel/config.exs` (1.x `Mix.Releases.Config` or 2.x
//! `Distillery.Releases.Config`) or from `releases:` in a `mix.exs`.

use crate::eval::{
    alias_of, attr_definition, keyword_items, keyword_key, keyword_pairs, Evaluator, Unresolved,
};
use crate::syntax::{block_items, parse, Ast, Error as ParseError, Node};
use relkit_common::secret::is_secret_name;
use relkit_common::Document;
use relkit_common::{Position, SyntaxError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Distillery,
    Mix,
}

/// One `set key: value`, with where the key is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub key: String,
    pub value: Value,
    /// The value is a literal in the source (not an expression).
    pub literal: bool,
    pub line: u32,
    pub column: u32,
    /// Byte offsets of the value's source text (empty for a value relconf supplied).
    pub value_span: (usize, usize),
}

/// An `environment` or `release` block (or a Mix release).
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub name: String,
    pub line: u32,
    pub column: u32,
    pub settings: Vec<Setting>,
}

impl Block {
    pub fn get(&self, key: &str) -> Option<&Setting> {
        self.settings.iter().rev().find(|s| s.key == key)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plugin {
    pub module: String,
    #[serde(default)]
    pub options: Value,
    /// `environment` or `release`.
    pub scope: String,
    /// The environment's or release's name.
    pub name: String,
    pub line: u32,
}

/// A DSL misuse Distillery itself would stop on, in its own words.
#[derive(Debug, Clone, PartialEq)]
pub struct DslError {
    pub message: String,
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub format: Format,
    /// `Distillery.Releases.Config` or `Mix.Releases.Config` (Distillery only).
    pub module: Option<String>,
    pub default_release: Option<(Value, u32)>,
    pub default_environment: Option<(Value, u32)>,
    pub environments: Vec<Block>,
    pub releases: Vec<Block>,
    pub plugins: Vec<Plugin>,
    pub unresolved: Vec<Unresolved>,
    pub dsl_errors: Vec<DslError>,
}

/// Why a file could not be read as a release config, at a byte offset (the parser's
/// measure; [`read`] turns it into a line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
struct ReadError {
    pub message: String,
    pub offset: usize,
}

impl From<ParseError> for ReadError {
    fn from(e: ParseError) -> Self {
        ReadError {
            message: e.message,
            offset: e.offset,
        }
    }
}

/// The version of `app` from a `mix.exs` (its `version:`, a literal or a module
/// attribute), looked for in `root/mix.exs` and `root/apps/<app>/mix.exs`.
pub fn app_version(root: &Path, app: &str) -> Option<String> {
    for candidate in [
        root.join("mix.exs"),
        root.join("apps").join(app).join("mix.exs"),
    ] {
        let Ok(src) = std::fs::read_to_string(&candidate) else {
            continue;
        };
        let Ok(tree) = parse(&src) else { continue };
        let mut ev = Evaluator::new(&src, Box::new(|_| None));
        ev.learn(&tree);
        let Some(project) = mix_project(&tree, &mut ev) else {
            continue;
        };
        let pairs = keyword_pairs(project)?;
        let is_app = pairs
            .iter()
            .any(|(k, v)| *k == "app" && matches!(&v.ast, Ast::Atom(a) if a == app));
        if !is_app {
            continue;
        }
        let version = pairs.iter().find(|(k, _)| *k == "version")?.1;
        if let Value::String(s) = ev.value(version, "version") {
            if ev.unresolved.is_empty() {
                return Some(s);
            }
        }
    }
    None
}

/// Read a config. `root` is the project directory (for `current_version`). A file
/// that does not parse, or is no release config, is refused with where and why.
pub fn read(src: &str, root: &Path) -> Result<Config, SyntaxError> {
    read_config(src, root)
        .map_err(|e| SyntaxError::new(Position::of_offset(src.as_bytes(), e.offset), e.message))
}

fn read_config(src: &str, root: &Path) -> Result<Config, ReadError> {
    let tree = parse(src)?;
    let root = root.to_path_buf();
    // Each release may ask for the same app's version: read its mix.exs once.
    let known: std::cell::RefCell<HashMap<String, Option<String>>> = Default::default();
    let version_of = move |app: &str| {
        known
            .borrow_mut()
            .entry(app.to_string())
            .or_insert_with(|| app_version(&root, app))
            .clone()
    };
    let mut ev = Evaluator::new(src, Box::new(version_of));
    ev.learn(&tree);
    if let Some(project) = mix_project(&tree, &mut ev) {
        return read_mix(project, &mut ev);
    }
    read_distillery(block_items(&tree), &mut ev)
}

/// A do-block call's parts: the body after `do` and the other sections
/// (`else`, `after`, ...), from its last argument (`do ... end` and `do:` are the
/// same keyword list).
pub fn do_sections(args: &[Node]) -> Option<Vec<(&str, &Node)>> {
    let pairs = keyword_pairs(args.last()?)?;
    matches!(pairs.first(), Some(("do", _))).then_some(pairs)
}

/// Collect `@attr` definitions and zero-arity functions of the module, and return
/// the body of `def project`, if this is a Mix project.
fn mix_project<'a>(tree: &'a Node, ev: &mut Evaluator<'a>) -> Option<&'a Node> {
    let module_body = block_items(tree)
        .iter()
        .find_map(|n| match n.local_call() {
            Some(("defmodule", args)) => do_sections(args).map(|s| s[0].1),
            _ => None,
        })?;
    let mut project = None;
    for stmt in block_items(module_body) {
        if let Some((attr, value)) = attr_definition(stmt) {
            ev.attrs.insert(attr.to_string(), value);
            continue;
        }
        let Some(("def" | "defp", args)) = stmt.local_call() else {
            continue;
        };
        let Some(head) = args.first() else { continue };
        let fname = match (head.var_name(), head.local_call()) {
            (Some(f), _) => f.to_string(),
            (None, Some((name, []))) => name.to_string(),
            _ => continue,
        };
        // `def f do ... end` or `def f, do: ...`: the value is the last expression.
        let Some(sections) = do_sections(&args[1..]) else {
            continue;
        };
        let Some(body) = block_items(sections[0].1).last() else {
            continue;
        };
        if fname == "project" {
            project = Some(body);
        }
        ev.functions.insert(fname, body);
    }
    let project = project?;
    keyword_pairs(project)?;
    Some(project)
}

fn position(ev: &Evaluator, offset: usize) -> (u32, u32) {
    ev.lines.position(ev.src.as_bytes(), offset)
}

/// Settings from `key: value` pair nodes; each is placed at its key.
fn settings_from<'a>(items: &[&'a Node], ev: &mut Evaluator<'a>, place: &str) -> Vec<Setting> {
    items
        .iter()
        .filter_map(|item| keyword_key(item).map(|(k, v)| (item.start, k, v)))
        .map(|(at, key, value)| {
            let (line, column) = position(ev, at);
            let before = ev.unresolved.len();
            let value_json = ev.value(value, &format!("{place}.{key}"));
            Setting {
                key: key.to_string(),
                literal: ev.unresolved.len() == before,
                value: value_json,
                line,
                column,
                value_span: (value.start, value.end),
            }
        })
        .collect()
}

fn read_mix<'a>(project: &'a Node, ev: &mut Evaluator<'a>) -> Result<Config, ReadError> {
    let pairs = keyword_pairs(project).unwrap_or_default();
    let version = pairs
        .iter()
        .find(|(k, _)| *k == "version")
        .map(|(_, v)| ev.value(v, "project.version"));
    let default_release = pairs
        .iter()
        .find(|(k, _)| *k == "default_release")
        .map(|(_, v)| (ev.value(v, "default_release"), ev.line(v.start)));
    let mut releases = Vec::new();
    if let Some((_, node)) = pairs.iter().find(|(k, _)| *k == "releases") {
        // A keyword list, written out or returned by a local function (its keys
        // `name:` or `{@app, ...}`), or something we cannot see into.
        match ev.keyword_pairs(node) {
            Some(list) => {
                for (name, opts) in &list {
                    let name = name.as_str();
                    let (line, column) = position(ev, opts.start.saturating_sub(name.len() + 2));
                    let mut settings = match keyword_items(opts) {
                        Some(items) => settings_from(&items, ev, &format!("releases.{name}")),
                        None => match ev.resolved(opts).filter(|o| keyword_items(o).is_some()) {
                            Some(resolved) => {
                                let items = keyword_items(resolved).unwrap_or_default();
                                settings_from(&items, ev, &format!("releases.{name}"))
                            }
                            None => vec![Setting {
                                key: "options".into(),
                                value: ev.value(opts, &format!("releases.{name}")),
                                literal: false,
                                line,
                                column,
                                value_span: (opts.start, opts.end),
                            }],
                        },
                    };
                    if !settings.iter().any(|s| s.key == "version") {
                        if let Some(v) = &version {
                            settings.insert(
                                0,
                                Setting {
                                    key: "version".into(),
                                    value: v.clone(),
                                    literal: true,
                                    line,
                                    column,
                                    value_span: (0, 0),
                                },
                            );
                        }
                    }
                    releases.push(Block {
                        name: name.to_string(),
                        line,
                        column,
                        settings,
                    });
                }
            }
            None => {
                ev.value(node, "releases");
            }
        }
    }
    Ok(Config {
        format: Format::Mix,
        module: None,
        default_release,
        default_environment: None,
        environments: Vec::new(),
        releases,
        plugins: Vec::new(),
        unresolved: std::mem::take(&mut ev.unresolved),
        dsl_errors: Vec::new(),
    })
}

fn read_distillery<'a>(nodes: &'a [Node], ev: &mut Evaluator<'a>) -> Result<Config, ReadError> {
    let cfg = Config {
        format: Format::Distillery,
        module: None,
        default_release: None,
        default_environment: None,
        environments: Vec::new(),
        releases: Vec::new(),
        plugins: Vec::new(),
        unresolved: Vec::new(),
        dsl_errors: Vec::new(),
    };
    let mut found = Found {
        cfg,
        index: HashMap::new(),
    };
    walk(nodes, ev, &mut found, None);
    let mut cfg = found.cfg;
    if cfg.module.is_none() && cfg.environments.is_empty() && cfg.releases.is_empty() {
        return Err(ReadError {
            message: "no environment or release block found: this is not a Distillery rel/config.exs or a mix.exs with releases".into(),
            offset: 0,
        });
    }
    cfg.unresolved = std::mem::take(&mut ev.unresolved);
    Ok(cfg)
}

/// What the DSL statements defined so far, with each block's place by kind and
/// name (a file may define thousands).
struct Found {
    cfg: Config,
    index: HashMap<(&'static str, String), usize>,
}

/// Which block a statement is in: (`environment`|`release`, index).
type Scope = Option<(&'static str, usize)>;

fn walk<'a>(nodes: &'a [Node], ev: &mut Evaluator<'a>, found: &mut Found, scope: Scope) {
    walk_under(nodes, ev, found, scope, None);
}

/// `condition` is the `if`/`case` around these statements, if any: blocks defined
/// under it exist only when it holds, which is recorded as unresolved.
fn walk_under<'a>(
    nodes: &'a [Node],
    ev: &mut Evaluator<'a>,
    found: &mut Found,
    scope: Scope,
    condition: Option<&Node>,
) {
    for node in nodes {
        let before = (found.cfg.environments.len(), found.cfg.releases.len());
        statement(node, ev, found, scope);
        if let Some(cond) = condition {
            let new_envs: Vec<String> = found.cfg.environments[before.0..]
                .iter()
                .map(|e| format!("environments.{}", e.name))
                .collect();
            let new_rels: Vec<String> = found.cfg.releases[before.1..]
                .iter()
                .map(|r| format!("releases.{}", r.name))
                .collect();
            for place in new_envs.into_iter().chain(new_rels) {
                let line = ev.line(cond.start);
                ev.unresolved.push(Unresolved {
                    expr: ev.text(cond).to_string(),
                    line,
                    place,
                });
            }
        }
    }
}

fn statement<'a>(node: &'a Node, ev: &mut Evaluator<'a>, found: &mut Found, scope: Scope) {
    // Code before and after the DSL (plugin loading pipes, assignments) is not ours.
    let Some((name, args)) = node.local_call() else {
        return;
    };
    let (line, column) = position(ev, node.start);
    match name {
        "__block__" => walk(args, ev, found, scope),
        "use" => {
            let Some(module) = args.first().and_then(alias_of) else {
                return;
            };
            if module != "Mix.Releases.Config" && module != "Distillery.Releases.Config" {
                return;
            }
            found.cfg.module = Some(module);
            if let Some(pairs) = args.get(1).and_then(keyword_pairs) {
                for (key, value) in pairs {
                    let v = (ev.value(value, key), ev.line(value.start));
                    match key {
                        "default_release" => found.cfg.default_release = Some(v),
                        "default_environment" => found.cfg.default_environment = Some(v),
                        _ => {}
                    }
                }
            }
        }
        "environment" | "release" => {
            let kind: &'static str = if name == "environment" {
                "environment"
            } else {
                "release"
            };
            let Some(sections) = do_sections(args) else {
                return;
            };
            let block_name = match args.first().map(|a| &a.ast) {
                Some(Ast::Atom(a)) if args.len() == 2 => a.to_string(),
                _ => {
                    let got = args
                        .first()
                        .filter(|_| args.len() == 2)
                        .map(|a| ev.text(a).to_string())
                        .unwrap_or_default();
                    found.cfg.dsl_errors.push(DslError {
                        message: format!("{kind} name must be an atom! got {got}"),
                        line,
                        column,
                    });
                    return;
                }
            };
            let list = if kind == "environment" {
                &mut found.cfg.environments
            } else {
                &mut found.cfg.releases
            };
            let index = match found.index.get(&(kind, block_name.clone())) {
                Some(&i) => i,
                None => {
                    let (l, c) = position(ev, args[0].start);
                    list.push(Block {
                        name: block_name.clone(),
                        line: l,
                        column: c,
                        settings: Vec::new(),
                    });
                    found.index.insert((kind, block_name), list.len() - 1);
                    list.len() - 1
                }
            };
            walk(block_items(sections[0].1), ev, found, Some((kind, index)));
        }
        "set" => {
            let Some((kind, index)) = scope else {
                found.cfg.dsl_errors.push(DslError {
                    message: "cannot use set/1 outside of an environment or a release!".into(),
                    line,
                    column,
                });
                return;
            };
            let Some(items) = args.first().and_then(keyword_items) else {
                return;
            };
            let block_name = block_ref(&found.cfg, kind, index).name.clone();
            let settings = settings_from(&items, ev, &format!("{kind}s.{block_name}"));
            block_mut(&mut found.cfg, kind, index)
                .settings
                .extend(settings);
        }
        "plugin" => {
            let Some((kind, index)) = scope else {
                found.cfg.dsl_errors.push(DslError {
                    message: "cannot use plugin/1 outside of an environment or a release!".into(),
                    line,
                    column,
                });
                return;
            };
            let Some(module) = args.first().map(|a| ev.text(a).to_string()) else {
                return;
            };
            let options = match args.get(1) {
                Some(o) => ev.value(o, "plugin"),
                None => Value::Null,
            };
            let scope_name = block_ref(&found.cfg, kind, index).name.clone();
            found.cfg.plugins.push(Plugin {
                module,
                options,
                scope: kind.to_string(),
                name: scope_name,
                line,
            });
        }
        // Blocks around the DSL: look inside every branch (and every clause).
        "if" | "unless" | "case" | "cond" | "with" => {
            let Some(sections) = do_sections(args) else {
                return;
            };
            let condition = if args.len() > 1 { &args[0] } else { node };
            for (_, body) in sections {
                let clauses: Vec<&Node> = match &body.ast {
                    Ast::List(items) => items
                        .iter()
                        .filter_map(|c| match c.local_call() {
                            Some(("->", [_, body])) => Some(body),
                            _ => None,
                        })
                        .collect(),
                    _ => vec![body],
                };
                for body in clauses {
                    walk_under(block_items(body), ev, found, scope, Some(condition));
                }
            }
        }
        _ => {}
    }
}

fn block_ref<'c>(cfg: &'c Config, kind: &str, index: usize) -> &'c Block {
    if kind == "environment" {
        &cfg.environments[index]
    } else {
        &cfg.releases[index]
    }
}

fn block_mut<'c>(cfg: &'c mut Config, kind: &str, index: usize) -> &'c mut Block {
    if kind == "environment" {
        &mut cfg.environments[index]
    } else {
        &mut cfg.releases[index]
    }
}

/// `relconf.config`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigDoc {
    pub path: String,
    pub root: PathBuf,
    pub format: Format,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    pub default_release: Value,
    pub default_environment: Value,
    pub environments: Map<String, Value>,
    pub releases: Map<String, Value>,
    pub plugins: Vec<Plugin>,
    pub unresolved: Vec<Unresolved>,
}

impl Document for ConfigDoc {
    const KIND: &'static str = "relconf.config";
}

fn settings_object(settings: &[Setting], show_secrets: bool, skip: &[&str]) -> Map<String, Value> {
    let mut obj = Map::new();
    for s in settings.iter().filter(|s| !skip.contains(&s.key.as_str())) {
        let value = if is_secret_name(&s.key) && !show_secrets {
            serde_json::json!({"redacted": true})
        } else {
            s.value.clone()
        };
        // A later `set` of the same key wins, as in Distillery.
        obj.insert(s.key.clone(), value);
    }
    obj
}

impl Config {
    /// Where the secrets of this config are (every secret setting's value, as
    /// written) and what they are, for masking in anything printed about `source`.
    pub fn add_secrets(&self, secrets: &mut relkit_common::Secrets, source: &str, src: &str) {
        let lines = relkit_common::LineIndex::new(src.as_bytes());
        let blocks = self.environments.iter().chain(&self.releases);
        for setting in blocks.flat_map(|b| &b.settings) {
            if !is_secret_name(&setting.key) {
                continue;
            }
            let (start, end) = setting.value_span;
            if start < end && end <= src.len() {
                let (line, column) = lines.position(src.as_bytes(), start);
                let (end_line, end_column) = lines.position(src.as_bytes(), end);
                secrets.add_span(
                    source,
                    relkit_common::secret::Span {
                        line,
                        column,
                        end_line,
                        end_column,
                    },
                );
                if let Some(text) = src.get(start..end) {
                    secrets.add_value(text);
                }
            }
            if let Value::String(value) = &setting.value {
                secrets.add_value(value);
            }
        }
    }

    pub fn to_doc(&self, path: &str, root: &Path, show_secrets: bool) -> ConfigDoc {
        let environments = self
            .environments
            .iter()
            .map(|e| {
                (
                    e.name.clone(),
                    Value::Object(settings_object(&e.settings, show_secrets, &[])),
                )
            })
            .collect();
        let releases = self
            .releases
            .iter()
            .map(|r| {
                let mut obj = Map::new();
                obj.insert(
                    "version".into(),
                    r.get("version").map_or(Value::Null, |s| s.value.clone()),
                );
                obj.insert(
                    "applications".into(),
                    r.get("applications")
                        .map_or(Value::Array(Vec::new()), |s| s.value.clone()),
                );
                obj.insert(
                    "settings".into(),
                    Value::Object(settings_object(
                        &r.settings,
                        show_secrets,
                        &["version", "applications"],
                    )),
                );
                (r.name.clone(), Value::Object(obj))
            })
            .collect();
        let plain = |d: &Option<(Value, u32)>| d.as_ref().map_or(Value::Null, |(v, _)| v.clone());
        ConfigDoc {
            path: path.to_string(),
            root: root.to_path_buf(),
            format: self.format,
            module: self.module.clone(),
            default_release: plain(&self.default_release),
            default_environment: plain(&self.default_environment),
            environments,
            releases,
            plugins: self.plugins.clone(),
            unresolved: self.unresolved.clone(),
        }
    }

    /// Keep only the environment `env`; an unknown name lists the ones that exist.
    pub fn only_environment(&mut self, env: &str) -> Result<(), String> {
        if !self.environments.iter().any(|e| e.name == env) {
            let known: Vec<&str> = self.environments.iter().map(|e| e.name.as_str()).collect();
            return Err(format!(
                "no environment {env:?}; the config has {}",
                list_or_none(&known)
            ));
        }
        self.environments.retain(|e| e.name == env);
        self.plugins
            .retain(|p| p.scope != "environment" || p.name == env);
        Ok(())
    }

    pub fn only_release(&mut self, release: &str) -> Result<(), String> {
        if !self.releases.iter().any(|r| r.name == release) {
            let known: Vec<&str> = self.releases.iter().map(|r| r.name.as_str()).collect();
            return Err(format!(
                "no release {release:?}; the config has {}",
                list_or_none(&known)
            ));
        }
        self.releases.retain(|r| r.name == release);
        self.plugins
            .retain(|p| p.scope != "release" || p.name == release);
        Ok(())
    }
}

fn list_or_none(names: &[&str]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const BILLING: &str = include_str!("../../examples/billing/rel/config.exs");

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
}
