//! The tool's name and every finding code hsts-check emits (docs/codes.md explains
//! each), and the one builder its findings start from.

use relkit_common::{Finding, Severity};

pub const TOOL: &str = "hsts-check";

// A header's value.
pub const CODE_INVALID_HEADER: &str = "invalid-header";
pub const CODE_UNKNOWN_DIRECTIVE: &str = "unknown-directive";
pub const CODE_REPEATED_DIRECTIVE: &str = "repeated-directive";
pub const CODE_CHROMIUM_DIFFERS: &str = "chromium-differs";
pub const CODE_POLICY_DELETED: &str = "policy-deleted";
pub const CODE_PRELOAD_ELIGIBILITY: &str = "preload-eligibility";
// A response.
pub const CODE_DUPLICATE_HEADER: &str = "duplicate-header";
pub const CODE_NO_HEADER: &str = "no-header";
pub const CODE_STS_OVER_HTTP: &str = "sts-over-http";
pub const CODE_IP_LITERAL_HOST: &str = "ip-literal-host";
// A host and its parents (`probe`, and `config` where it can tell).
pub const CODE_FORCED_HTTPS_WITHOUT_HTTPS: &str = "forced-https-without-https";
pub const CODE_PRELOADED_TLD: &str = "preloaded-tld";
pub const CODE_HEADER_MISSING_ON_ERRORS: &str = "header-missing-on-errors";
pub const CODE_HTTP_NOT_REDIRECTED: &str = "http-not-redirected";
pub const CODE_PROBE_FAILED: &str = "probe-failed";
pub const CODE_NOT_COVERED: &str = "not-covered";
// A server's configuration.
pub const CODE_HEADER_DROPPED: &str = "header-dropped";
pub const CODE_VALUE_UNRESOLVED: &str = "value-unresolved";
pub const CODE_LEGACY_DIRECTIVE: &str = "legacy-directive";

/// A finding of this tool; the caller places it (file, line, column) and adds a hint.
pub fn finding(severity: Severity, code: &str, message: impl Into<String>) -> Finding {
    Finding::new(TOOL, severity, code, message)
}
