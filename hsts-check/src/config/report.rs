//! The `hsts-check.config` document and what every reader of a server's
//! configuration hands to the analysis: where a rule is written, the STS values a
//! server sends, the facts the cross-server findings need.

use crate::codes::{self, CODE_PRELOAD_ELIGIBILITY};
use crate::header::{parse, Policy};
use crate::report::policy_findings;
use relkit_common::{Document, Finding, Severity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The header every rule here is about.
pub const STS: &str = "Strict-Transport-Security";

/// `hsts-check.config`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigReport {
    /// Every file read, main files first.
    pub files: Vec<String>,
    pub servers: Vec<ServerReport>,
    /// Each name a server answers for, and what browsers learn from it.
    pub names: Vec<NameReport>,
    pub findings: Vec<Finding>,
}

impl Document for ConfigReport {
    const KIND: &'static str = "hsts-check.config";
}

/// An nginx `server` or a HAProxy `frontend`/`listen`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerReport {
    /// `nginx` or `haproxy`.
    pub software: String,
    /// The HAProxy section's name; absent for nginx.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    pub file: String,
    pub line: usize,
    pub names: Vec<String>,
    pub listeners: Vec<Listener>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<String>,
    /// The server level first, then each location (nested ones after their parent)
    /// and `if` block, or each backend.
    pub levels: Vec<Level>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Listener {
    pub address: String,
    /// `https` or `http`.
    pub scheme: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    pub line: usize,
}

/// One level of a server and the headers it adds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Level {
    /// `server`, `location /api`, `if ($scheme = http)`, `backend app`.
    pub level: String,
    /// The levels it is nested in, outermost first (the server left out).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub within: Vec<String>,
    pub file: String,
    pub line: usize,
    /// The header rules in effect here.
    pub headers: Vec<HeaderSent>,
    /// The Strict-Transport-Security values sent per scheme and status class:
    /// `success` is the statuses nginx's `add_header` adds on by default (200, 201,
    /// 204, 206, 301, 302, 303, 304, 307, 308), `error` every other status.
    pub sts: BTreeMap<String, StatusClasses>,
    /// The status this level answers with (`return`), when it always does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returns: Option<u16>,
    /// An upstream answers here: whether its own Strict-Transport-Security header is
    /// `passed` to the client or `hidden`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream_sts: Option<String>,
    /// Values that depend on the request beyond its scheme and host.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unresolved: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StatusClasses {
    pub success: Vec<String>,
    pub error: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeaderSent {
    pub name: String,
    /// As written (it may use variables).
    pub value: String,
    /// `success` (nginx's default statuses), `all` (`always`, `more_set_headers`), or
    /// the status list of `more_set_headers -s`.
    pub statuses: String,
    /// Inherited from an enclosing level rather than written here.
    pub inherited: bool,
    /// What writes it: `add_header`, `more_set_headers`, `http-response set-header`...
    pub directive: String,
    pub file: String,
    pub line: usize,
}

/// A server name and what browsers learn from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NameReport {
    pub name: String,
    pub https: bool,
    pub http: bool,
    /// The Strict-Transport-Security value its HTTPS responses send (the first
    /// valid one found), where it is written, and whether it has includeSubDomains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_from: Option<String>,
    #[serde(default)]
    pub include_subdomains: bool,
    /// A parent name in the same configuration whose includeSubDomains covers it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covered_by: Option<String>,
}

/// Where a rule is written, for findings and the document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Origin {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl Origin {
    pub fn label(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// A finding at a rule: `width` characters from its column are underlined.
pub fn finding_at(
    severity: Severity,
    code: &str,
    message: impl Into<String>,
    at: &Origin,
    width: usize,
) -> Finding {
    let column = at.column.max(1) as u32;
    codes::finding(severity, code, message)
        .in_file(at.file.clone())
        .at(at.line as u32, column, column + width.max(1) as u32)
}

/// One STS value a server sends, the way both servers' readers describe it.
#[derive(Debug, Clone)]
pub struct StsSource {
    pub origin: Origin,
    /// The value resolved for HTTPS requests, or why it cannot be.
    pub https_value: Result<String, String>,
}

/// What the analysis needs from one server, whichever software it is.
#[derive(Debug, Clone)]
pub struct ServerFacts {
    pub names: Vec<String>,
    pub origin: Origin,
    pub https: bool,
    pub http: bool,
    /// Certificate files as resolved paths, for the cover check.
    pub certificates: Vec<PathBuf>,
    /// STS values sent over HTTPS by some level.
    pub sts: Vec<StsSource>,
    /// Whether plain HTTP is answered with a redirect (None: not known).
    pub http_redirects: Option<bool>,
}

/// What the value itself means: invalid, unknown directives, preload requirements.
pub fn value_findings(value: &str, at: &Origin, findings: &mut Vec<Finding>) {
    let policy: Policy = parse(value);
    for mut f in policy_findings(&policy, value, &at.file) {
        if f.code == CODE_PRELOAD_ELIGIBILITY {
            if !policy.preload {
                continue;
            }
            if f.message.starts_with("not eligible") {
                f.severity = Severity::Warning;
                f.hint = Some("the preload list refuses a policy without all three; drop `preload` until the site meets them".into());
            }
        }
        let column = at.column.max(1) as u32;
        findings.push(f.at(at.line as u32, column, column + 1));
    }
}
