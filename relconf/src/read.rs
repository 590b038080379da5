//! Reading a release config: the source parsed, a `mix.exs` project's `releases:`
//! read here, a Distillery file's DSL walked by [`crate::distillery`].

use crate::config::*;
use crate::distillery::read_distillery;
use crate::eval::Evaluator;
use crate::syntax::query::{attr_definition, keyword_items, keyword_pairs};
use crate::syntax::{block_items, parse, Ast, Node};
use relkit_common::{Position, SyntaxError};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

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

#[cfg(test)]
mod tests;
