//! The release resource file (`releases/<vsn>/<name>.rel`, rel(5)):
//! `{release, {Name, Vsn}, {erts, EVsn}, [{App, Vsn} | {App, Vsn, Type} | ...]}.`
//! Read through the shared Erlang term reader (`relkit_common::erlang`).

use anyhow::{bail, Result};
use relkit_common::erlang::consult;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelFile {
    pub name: String,
    pub version: String,
    pub erts: String,
    /// `(application, version)` in the file's order.
    pub applications: Vec<(String, String)>,
}

pub fn parse(text: &str) -> Result<RelFile> {
    let terms = consult(text)?;
    let [term] = &terms[..] else {
        bail!("{} terms, where a .rel file holds one", terms.len());
    };
    let Some(parts) = term.tuple() else {
        bail!("not a {{release, ...}} tuple");
    };
    let [tag, name_vsn, erts, apps] = parts else {
        bail!("not a {{release, {{Name, Vsn}}, {{erts, Vsn}}, [Apps]}} tuple");
    };
    if tag.atom() != Some("release") {
        bail!("the term is tagged {}, not release", tag.show());
    }
    let (name, version) = match name_vsn.tuple() {
        Some([n, v]) => match (n.string(), v.string()) {
            (Some(n), Some(v)) => (n, v),
            _ => bail!("the release name and version are not two strings"),
        },
        _ => bail!("the release name and version are not two strings"),
    };
    let erts = match erts.tuple() {
        Some([e, v]) if e.atom() == Some("erts") => match v.string() {
            Some(v) => v,
            None => bail!("the erts entry is not {{erts, \"Vsn\"}}"),
        },
        _ => bail!("the erts entry is not {{erts, \"Vsn\"}}"),
    };
    let Some(apps) = apps.list() else {
        bail!("the applications are not a list");
    };
    let mut applications = Vec::new();
    for app in apps {
        match app.tuple() {
            Some([a, v, ..]) => match (a.atom(), v.string()) {
                (Some(a), Some(v)) => applications.push((a.to_string(), v)),
                _ => bail!("an application entry is not {{App, \"Vsn\", ...}}"),
            },
            _ => bail!("an application entry is not a tuple"),
        }
    }
    Ok(RelFile {
        name,
        version,
        erts,
        applications,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix_rel_file() {
        let text = "%% coding: utf-8\n{release,{\"shop\",\"0.1.0\"},{erts,\"13.1.5\"},\n [{kernel,\"8.5.3\"},{stdlib,\"4.3\"},{'elixir',\"1.14.0\",permanent},{iex,\"1.14.0\",none},{shop,\"0.1.0\",load,[]}]}.\n";
        let rel = parse(text).unwrap();
        assert_eq!(
            (rel.name.as_str(), rel.version.as_str(), rel.erts.as_str()),
            ("shop", "0.1.0", "13.1.5")
        );
        assert_eq!(rel.applications.len(), 5);
        assert_eq!(rel.applications[2], ("elixir".into(), "1.14.0".into()));
    }

    #[test]
    fn bad_files_are_errors() {
        for text in [
            "",
            "{release",
            "{release,{\"a\",\"1\"},{erts,\"1\"},[]}",
            "{foo,{\"a\",\"1\"},{erts,\"1\"},[]}.",
            &"[".repeat(100),
        ] {
            assert!(parse(text).is_err(), "{text:?}");
        }
    }
}
