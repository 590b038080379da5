//! The registry of finding codes, read from docs/codes.md itself (compiled in), so
//! the text a user reads there is the text SARIF rules carry and there is one list.
//!
//! Each entry is a `## tool` section's `### <a id="tool-code"></a>`code`` heading
//! followed by a paragraph that starts with the default severity. The explicit
//! `id` is the stable anchor that findings link to.

use std::sync::OnceLock;

/// docs/codes.md as it was when the tool was built.
const CODES_MD: &str = include_str!("../../docs/codes.md");

/// Where docs/codes.md is installed on a Debian host; `RELKIT_DOCS_URL` points the
/// links elsewhere (your repository's web view of docs/codes.md, say).
pub const DEFAULT_DOCS_URL: &str = "file:///usr/share/doc/relkit/codes.md";

/// The environment variable that overrides [`DEFAULT_DOCS_URL`].
pub const DOCS_URL_VAR: &str = "RELKIT_DOCS_URL";

/// One documented code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeDoc {
    pub tool: String,
    pub code: String,
    /// The entry's text, its lines joined with spaces (markdown as written).
    pub text: String,
}

impl CodeDoc {
    /// The anchor in docs/codes.md: `tool-code`.
    pub fn anchor(&self) -> String {
        anchor(&self.tool, &self.code)
    }

    /// The first sentence after the severity: a one-line description.
    pub fn summary(&self) -> &str {
        let after_severity = self
            .text
            .split_once(". ")
            .map_or(self.text.as_str(), |(_, rest)| rest);
        match after_severity.find(". ") {
            Some(end) => &after_severity[..=end],
            None => after_severity,
        }
    }
}

/// `tool-code`, the anchor of a code's entry.
pub fn anchor(tool: &str, code: &str) -> String {
    format!("{tool}-{code}")
}

/// Where docs/codes.md is: `RELKIT_DOCS_URL`, else the installed copy.
pub fn docs_url() -> String {
    std::env::var(DOCS_URL_VAR)
        .ok()
        .map(|v| v.trim().trim_end_matches('#').to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| DEFAULT_DOCS_URL.to_string())
}

/// The link to a code's entry: [`docs_url`] and the anchor.
pub fn help_uri(tool: &str, code: &str) -> String {
    format!("{}#{}", docs_url(), anchor(tool, code))
}

/// Every documented code, in the order of docs/codes.md.
pub fn all() -> &'static [CodeDoc] {
    static PARSED: OnceLock<Vec<CodeDoc>> = OnceLock::new();
    PARSED.get_or_init(|| parse(CODES_MD))
}

/// The codes of one tool.
pub fn of_tool(tool: &str) -> impl Iterator<Item = &'static CodeDoc> + '_ {
    all().iter().filter(move |c| c.tool == tool)
}

/// A code's entry, if it is documented for that tool.
pub fn lookup(tool: &str, code: &str) -> Option<&'static CodeDoc> {
    all().iter().find(|c| c.tool == tool && c.code == code)
}

/// Read the entries of a codes.md text.
pub fn parse(markdown: &str) -> Vec<CodeDoc> {
    let mut entries: Vec<CodeDoc> = Vec::new();
    let mut tool = String::new();
    let mut in_entry = false;
    for line in markdown.lines() {
        if let Some(name) = line.strip_prefix("## ") {
            tool = name.trim().to_string();
            in_entry = false;
        } else if let Some(heading) = line.strip_prefix("### ") {
            in_entry = false;
            if let Some(code) = heading_code(heading) {
                entries.push(CodeDoc {
                    tool: tool.clone(),
                    code,
                    text: String::new(),
                });
                in_entry = true;
            }
        } else if in_entry {
            let line = line.trim();
            let entry = entries.last_mut().expect("in an entry");
            if line.is_empty() || line.starts_with("**") || line.starts_with('#') {
                in_entry = entry.text.is_empty();
                continue;
            }
            if !entry.text.is_empty() {
                entry.text.push(' ');
            }
            entry.text.push_str(line);
        }
    }
    entries
}

/// The code in a heading such as `<a id="vmargs-nul-byte"></a>`nul-byte``.
fn heading_code(heading: &str) -> Option<String> {
    let rest = match heading.find("</a>") {
        Some(end) => &heading[end + 4..],
        None => heading,
    };
    let code = rest.strip_prefix('`')?.split('`').next()?;
    (!code.is_empty()
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
    .then(|| code.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_entries_with_their_tool_and_text() {
        let md = "# Codes\n\n## vmargs\n\nintro\n\n**Group**\n\n### <a id=\"vmargs-nul-byte\"></a>`nul-byte`\nerror. erl stops at the\nfirst NUL. Source: erlexec.\n\n## relconf\n\n### <a id=\"relconf-no-release\"></a>`no-release`\nerror. \"you must provide a release\" (Distillery).\n";
        let got = parse(md);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].tool, "vmargs");
        assert_eq!(got[0].code, "nul-byte");
        assert_eq!(
            got[0].text,
            "error. erl stops at the first NUL. Source: erlexec."
        );
        assert_eq!(got[0].summary(), "erl stops at the first NUL.");
        assert_eq!(got[1].anchor(), "relconf-no-release");
    }

    #[test]
    fn the_real_document_has_every_tools_codes_with_anchors() {
        for tool in [
            "vmargs",
            "relconf",
            "hsts-check",
            "secret-link",
            "release-pack",
        ] {
            assert!(of_tool(tool).count() > 5, "{tool}");
        }
        for entry in all() {
            assert!(!entry.text.is_empty(), "{} has no text", entry.code);
            let heading = format!("### <a id=\"{}\"></a>`{}`", entry.anchor(), entry.code);
            assert!(CODES_MD.contains(&heading), "{heading}");
        }
        assert!(lookup("vmargs", "shared-cookie").is_some());
        assert!(lookup("relconf", "shared-cookie").is_none());
    }
}
