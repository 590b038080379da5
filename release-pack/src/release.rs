//! What a release is, from its files: name, current version and ERTS version, read
//! the same way from a directory or from the entries of a tarball.

use std::collections::BTreeSet;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReleaseInfo {
    pub name: Option<String>,
    pub version: Option<String>,
    pub erts: Option<String>,
    /// Every `releases/<vsn>/` directory.
    pub versions: Vec<String>,
}

/// Boot files `systools` writes next to the release's own `.rel`.
const NOT_THE_RELEASE: &[&str] = &["start", "start_clean", "no_dot_erlang", "config"];

/// Detect from entry names (relative, `/`-separated) and the text of
/// `releases/start_erl.data` if there is one.
pub fn detect<'a>(
    names: impl IntoIterator<Item = &'a str>,
    start_erl: Option<&str>,
) -> ReleaseInfo {
    let mut versions = BTreeSet::new();
    let mut rel_files = Vec::new();
    for name in names {
        let mut parts = name.split('/');
        if parts.next() != Some("releases") {
            continue;
        }
        let (Some(vsn), Some(file)) = (parts.next(), parts.next()) else {
            continue;
        };
        if vsn.is_empty() {
            continue;
        }
        versions.insert(vsn.to_string());
        if parts.next().is_none() {
            if let Some(stem) = file.strip_suffix(".rel") {
                if !NOT_THE_RELEASE.contains(&stem) {
                    rel_files.push((vsn.to_string(), stem.to_string()));
                }
            }
        }
    }
    let (mut erts, mut version) = (None, None);
    if let Some(text) = start_erl {
        let mut words = text.split_whitespace();
        if let (Some(e), Some(v)) = (words.next(), words.next()) {
            // Distillery without ERTS writes the placeholder ERTS_VSN.
            erts = Some(e.to_string()).filter(|e| e != "ERTS_VSN");
            version = Some(v.to_string());
        }
    }
    if version.is_none() && versions.len() == 1 {
        version = versions.iter().next().cloned();
    }
    let name = rel_files
        .iter()
        .find(|(vsn, _)| Some(vsn) == version.as_ref())
        .or(rel_files.first())
        .map(|(_, stem)| stem.clone());
    ReleaseInfo {
        name,
        version,
        erts,
        versions: versions.into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix_layout() {
        let names = [
            "bin/shop",
            "releases/0.1.0/shop.rel",
            "releases/0.1.0/start.boot",
            "releases/0.1.0/start_clean.boot",
            "releases/COOKIE",
            "releases/start_erl.data",
        ];
        let info = detect(names, Some("13.1.5 0.1.0"));
        assert_eq!(info.name.as_deref(), Some("shop"));
        assert_eq!(info.version.as_deref(), Some("0.1.0"));
        assert_eq!(info.erts.as_deref(), Some("13.1.5"));
        assert_eq!(info.versions, ["0.1.0"]);
    }

    #[test]
    fn distillery_without_erts() {
        let names = [
            "releases/0.2.0/billing.rel",
            "releases/0.1.0/billing.rel",
            "releases/RELEASES",
        ];
        let info = detect(names, Some("ERTS_VSN 0.2.0"));
        assert_eq!(info.erts, None);
        assert_eq!(info.version.as_deref(), Some("0.2.0"));
        assert_eq!(info.versions, ["0.1.0", "0.2.0"]);
        assert_eq!(info.name.as_deref(), Some("billing"));
    }
}
