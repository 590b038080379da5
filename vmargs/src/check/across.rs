//! Findings across files: a cookie or node name shared between environments.

use super::context::{show, templated, Unit};
use crate::codes::{self, *};
use crate::erlexec::Word;
use relkit_common::{Finding, Severity};
use std::collections::BTreeMap;

/// Checks across files: the same cookie or node name in several environments, and
/// a node name that names another environment.
pub fn check_across(units: &[Unit]) -> Vec<Finding> {
    let mut out = Vec::new();
    let envs: Vec<String> = units.iter().filter_map(|u| u.env.clone()).collect();
    let mut by_cookie: BTreeMap<Vec<u8>, Vec<usize>> = BTreeMap::new();
    let mut by_node: BTreeMap<Vec<u8>, Vec<usize>> = BTreeMap::new();
    for (i, u) in units.iter().enumerate() {
        if let Some(c) = u.parsed.model.effective_cookie() {
            if !templated(&c.value) && !u.cookie_redacted {
                by_cookie.entry(c.value.clone()).or_default().push(i);
            }
        }
        if let Some(n) = u
            .parsed
            .model
            .effective_node()
            .and_then(|n| n.values.first())
        {
            if !templated(&n.value) {
                by_node.entry(n.value.clone()).or_default().push(i);
            }
        }
    }
    let located = |u: &Unit, w: &Word, severity, code: &str, message: String| {
        let mut f = codes::finding(severity, code, message).in_file(u.display.clone());
        if let Some(o) = w.origin.filter(|o| o.file == 0) {
            let p = u.parsed.place(o);
            f = f.at(p.line, p.column, p.end_column);
        }
        f
    };
    for list in by_cookie.values().filter(|l| l.len() > 1) {
        let names: Vec<String> = list.iter().map(|&i| label(&units[i])).collect();
        for &i in &list[1..] {
            let u = &units[i];
            let Some(w) = u.parsed.model.effective_cookie() else {
                continue;
            };
            out.push(
                located(u, w, Severity::Error, CODE_SHARED_COOKIE,
                    format!("{} use the same cookie: anyone holding one environment's cookie can connect to the others' nodes", names.join(" and ")))
                    .with_hint("give every environment its own random cookie"),
            );
        }
    }
    for list in by_node.values().filter(|l| l.len() > 1) {
        let names: Vec<String> = list.iter().map(|&i| label(&units[i])).collect();
        for &i in &list[1..] {
            let u = &units[i];
            let Some(w) = u
                .parsed
                .model
                .effective_node()
                .and_then(|n| n.values.first())
            else {
                continue;
            };
            out.push(
                located(u, w, Severity::Warning, CODE_SHARED_NODE_NAME,
                    format!("{} use the same node name: two such nodes cannot run on one host, and they can be mistaken for each other", names.join(" and ")))
                    .with_hint("name each environment's node after it (billing_stage, billing_prod)"),
            );
        }
    }
    for u in units {
        let (Some(env), Some(node)) = (
            u.env.as_deref(),
            u.parsed
                .model
                .effective_node()
                .and_then(|n| n.values.first()),
        ) else {
            continue;
        };
        let head = show(node.value.split(|&c| c == b'@').next().unwrap_or_default());
        let parts: Vec<&str> = head.split(['_', '-', '.']).collect();
        let other = envs
            .iter()
            .find(|e| e.as_str() != env && parts.contains(&e.as_str()) && !parts.contains(&env));
        if let Some(other) = other {
            out.push(
                located(u, node, Severity::Warning, CODE_NODE_NAME_ENV_MISMATCH,
                    format!("the {env} environment's node is named {head:?}, after the {other} environment"))
                    .with_hint(format!("did you mean {}?", head.replace(other.as_str(), env))),
            );
        }
    }
    out
}

fn label(u: &Unit) -> String {
    match &u.env {
        Some(env) => format!("{env} ({})", u.display),
        None => u.display.clone(),
    }
}
