//! Distillery's DSL (`environment`, `release`, `set`, `plugin`, `default_*`) walked
//! as Distillery runs it, into a [`Config`].

use crate::config::*;
use crate::eval::{Evaluator, Unresolved};
use crate::syntax::query::{alias_of, keyword_items, keyword_pairs};
use crate::syntax::{block_items, Ast, Node};
use serde_json::Value;
use std::collections::HashMap;

pub(crate) fn read_distillery<'a>(
    nodes: &'a [Node],
    ev: &mut Evaluator<'a>,
) -> Result<Config, ReadError> {
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
