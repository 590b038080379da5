//! The tool's name and every finding code relconf reports (each is documented in
//! docs/codes.md), and the one builder its findings start from.

use relkit_common::{Finding, Severity};

pub const TOOL: &str = "relconf";

// The checks.
pub const CODE_SYNTAX_ERROR: &str = "syntax-error";
pub const CODE_DSL_ERROR: &str = "dsl-error";
pub const CODE_NO_RELEASE: &str = "no-release";
pub const CODE_UNKNOWN_SETTING: &str = "unknown-setting";
pub const CODE_SETTING_IN_WRONG_BLOCK: &str = "setting-in-wrong-block";
pub const CODE_REMOVED_SETTING: &str = "removed-setting";
pub const CODE_VM_ARGS_NOT_FOUND: &str = "vm-args-not-found";
pub const CODE_LITERAL_COOKIE: &str = "literal-cookie";
pub const CODE_COOKIE_OVERRIDDEN: &str = "cookie-overridden";
pub const CODE_SRC_IN_PRODUCTION: &str = "src-in-production";
pub const CODE_DEV_MODE_IN_PRODUCTION: &str = "dev-mode-in-production";
pub const CODE_UNKNOWN_DEFAULT: &str = "unknown-default";
pub const CODE_EDELIVER_ENVIRONMENTS: &str = "edeliver-environments";
pub const CODE_INVALID_RELEASE_NAME: &str = "invalid-release-name";
pub const CODE_UNKNOWN_RELEASE_OPTION: &str = "unknown-release-option";

/// A finding of this tool; the caller places it (file, line, column) and adds a hint.
pub fn finding(severity: Severity, code: &str, message: impl Into<String>) -> Finding {
    Finding::new(TOOL, severity, code, message)
}
