//! A node started from a vm.args file alone: `erl -args_file FILE`, as a
//! `vmargs.boot` document (what `vmargs cluster` reads a vm.args file as).

use super::doc::{BootDoc, BootWord, ReleaseInfo};
use super::request::Request;
use relkit_common::shell::Value;
use std::path::Path;

/// The boot of `erl -args_file FILE` (nested files relative to the working
/// directory, as erl reads them).
pub fn args_file(path: &Path, request: &Request) -> anyhow::Result<BootDoc> {
    if !path.is_file() {
        anyhow::bail!("{}: no such file", path.display());
    }
    let shown = path.display().to_string();
    let argv: Vec<Value> = ["erl", "-args_file", &shown]
        .into_iter()
        .map(Value::known)
        .collect();
    let erl = super::erl::effective(&argv, &[None, None, None])
        .ok_or_else(|| anyhow::anyhow!("{shown}: erl's command line cannot be built"))?;
    let mut doc = BootDoc {
        release: ReleaseInfo {
            root: path
                .parent()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            layout: "vm.args".into(),
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            version: String::new(),
            erts: String::new(),
            erts_included: false,
        },
        command: format!("erl -args_file {shown}"),
        unit: None,
        argv: argv.iter().map(BootWord::of).collect(),
        effective_args: Vec::new(),
        node: None,
        cookie: None,
        distribution: Default::default(),
        config: Vec::new(),
        variables: Vec::new(),
        notes: Vec::new(),
        assumptions: Vec::new(),
        findings: Vec::new(),
        written: Vec::new(),
    };
    super::parts::erl_reading(&mut doc, &erl, &argv, request.show_secrets);
    doc.cookie = Some(super::relx_doc::cookie_info(
        Some(&erl),
        None,
        request.show_secrets,
    ));
    super::parts::finish(&mut doc, request, None, &[], Some(&erl), Vec::new());
    Ok(doc)
}
