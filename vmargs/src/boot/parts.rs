//! Pieces of a boot document every layout shares: erl's node from its model, and
//! cookies masked wherever they stand.

use super::doc::{BootDoc, BootWord, NodeInfo};
use super::erl::Erl;
use crate::model::Model;
use relkit_common::shell::Value;

/// Cookies masked wherever else they stand: inside `run_erl`'s escaped line (as
/// the script escapes them), and in a variable such as `ELIXIR_ERL_OPTIONS` that
/// passes `-setcookie` itself.
pub fn mask_cookies(doc: &mut BootDoc, cookies: &[String]) {
    let mut secrets = relkit_common::Secrets::new(false);
    for cookie in cookies.iter().filter(|c| !c.is_empty()) {
        secrets.add_value(cookie);
        secrets.add_value(&super::elixir::escape(cookie));
    }
    let mask = |w: &mut BootWord| match w {
        BootWord::Str(s) => *s = mask_after_setcookie(&secrets.mask(s)),
        BootWord::Unknown { unknown, .. } => {
            *unknown = mask_after_setcookie(&secrets.mask(unknown))
        }
        BootWord::Redacted { .. } => {}
    };
    doc.argv.iter_mut().for_each(mask);
    doc.effective_args.iter_mut().for_each(mask);
    doc.variables.iter_mut().for_each(|v| mask(&mut v.value));
}

/// In a text of several words (`run_erl`'s escaped line, a variable's value), the
/// word after `-setcookie` (escaped `\-setcookie`) masked: a cookie shorter than the
/// shortest value masked as free text is caught here.
fn mask_after_setcookie(text: &str) -> String {
    let words: Vec<&str> = text.split(' ').collect();
    let mut out = Vec::with_capacity(words.len());
    let mut after_flag = false;
    for word in words {
        if after_flag && !word.is_empty() {
            out.push("*".repeat(word.chars().count()));
            after_flag = false;
            continue;
        }
        after_flag = after_flag || word == "-setcookie" || word == "\\-setcookie";
        out.push(word.to_string());
    }
    out.join(" ")
}

/// Indices of argv words that are secrets: the word after `-setcookie`.
pub fn secret_words(argv: &[Value]) -> Vec<usize> {
    argv.iter()
        .enumerate()
        .filter(|(_, v)| v.text == "-setcookie")
        .map(|(i, _)| i + 1)
        .collect()
}

pub fn node_info(model: &Model, argv: &[Value], erl: &Erl) -> Option<NodeInfo> {
    let node = model.effective_node()?;
    let value = node.values.first()?;
    let text = String::from_utf8_lossy(&value.value).into_owned();
    let from_argv = value
        .origin
        .filter(|o| o.file == 0)
        .and_then(|o| erl.words.iter().find(|w| w.word.origin == Some(o)))
        .and_then(|w| w.argv_index)
        .and_then(|i| argv.get(i));
    let (name, host) = match text.split_once('@') {
        Some((n, h)) => (n.to_string(), Some(h.to_string())),
        None => (text.clone(), None),
    };
    let set_in = value.origin.filter(|o| o.file > 0).map(|o| {
        let place = erl.parsed.place(o);
        format!(
            "{}:{}",
            erl.parsed.expansion.files[o.file].name.display(),
            place.line
        )
    });
    Some(NodeInfo {
        value: from_argv.map_or_else(|| BootWord::Str(text.clone()), BootWord::of),
        name,
        host,
        distribution: String::from_utf8_lossy(node.name()).into_owned(),
        hidden: model.uses("hidden").next().is_some(),
        set_by: set_in.unwrap_or_default(),
    })
}

/// What erl makes of the line `erl_argv`, into the document: `effective_args` (a
/// word from the line that is not known stays as the script wrote it; a secret is
/// redacted unless shown), the node, the distribution settings and the `-config`
/// files.
pub fn erl_reading(doc: &mut BootDoc, erl: &Erl, erl_argv: &[Value], show_secrets: bool) {
    doc.effective_args = erl
        .words
        .iter()
        .map(|w| match w.argv_index.and_then(|i| erl_argv.get(i)) {
            Some(v) if !v.is_known() => BootWord::of(v),
            _ if w.secret && !show_secrets => BootWord::Redacted { redacted: true },
            _ => BootWord::Str(String::from_utf8_lossy(&w.word.value).into_owned()),
        })
        .collect();
    doc.node = node_info(&erl.model, erl_argv, erl);
    doc.distribution = super::doc::Distribution::of(&erl.model);
    doc.config = erl
        .model
        .uses("config")
        .flat_map(|f| f.values.iter())
        .map(|w| String::from_utf8_lossy(&w.value).into_owned())
        .collect();
}

/// The findings and masking every layout ends with: the host lookup (`--resolve`),
/// the unit's findings, and the cookies masked wherever they stand.
pub fn finish(
    doc: &mut BootDoc,
    request: &super::request::Request,
    unit: Option<&super::unit::Unit>,
    env: &[(String, String)],
    erl: Option<&Erl>,
    mut cookies: Vec<String>,
) {
    if let Some(fatal) = erl.and_then(|e| e.fatal.as_ref()) {
        doc.findings.push(
            crate::codes::finding(
                relkit_common::Severity::Error,
                crate::codes::CODE_ERL_REFUSES,
                format!("erl refuses the command line and no node starts: {fatal}"),
            )
            .with_hint("run `vmargs check` on the release's vm.args for the line to mend"),
        );
    }
    if request.resolve {
        doc.findings.extend(super::findings::of_resolve(doc));
    }
    if let Some(unit) = unit {
        doc.findings
            .extend(super::findings::of_unit(unit, doc, env, erl));
    }
    if !request.show_secrets {
        cookies.extend(
            erl.iter()
                .flat_map(|e| e.model.uses("setcookie"))
                .flat_map(|u| u.values.iter())
                .map(|w| String::from_utf8_lossy(&w.value).into_owned()),
        );
        mask_cookies(doc, &cookies);
    }
}
