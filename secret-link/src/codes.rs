//! The tool's name and every finding code secret-link reports (each is documented in
//! docs/codes.md), and the one builder its findings start from.

use relkit_common::{Finding, Severity};

pub const TOOL: &str = "secret-link";

// What `check` finds in a build tree and its secrets.
pub const CODE_SOURCE_MISSING: &str = "source-missing";
pub const CODE_SOURCE_NOT_FILE: &str = "source-not-file";
pub const CODE_SOURCE_UNREADABLE: &str = "source-unreadable";
pub const CODE_SECRET_WORLD_ACCESSIBLE: &str = "secret-world-accessible";
pub const CODE_SECRET_GROUP_WRITABLE: &str = "secret-group-writable";
pub const CODE_SECRET_FOREIGN_OWNER: &str = "secret-foreign-owner";
pub const CODE_LINK_MISSING: &str = "link-missing";
pub const CODE_LINK_DANGLING: &str = "link-dangling";
pub const CODE_LINK_WRONG_TARGET: &str = "link-wrong-target";
pub const CODE_LINK_IS_FILE: &str = "link-is-file";
pub const CODE_LINK_BLOCKED: &str = "link-blocked";
pub const CODE_LINK_NOT_IGNORED: &str = "link-not-ignored";
pub const CODE_LINK_TRACKED: &str = "link-tracked";
pub const CODE_GIT_UNAVAILABLE: &str = "git-unavailable";
pub const CODE_STALE_TEMP_LINK: &str = "stale-temp-link";
pub const CODE_INTO_NOT_WRITABLE: &str = "into-not-writable";

/// A finding of this tool; the caller places it (file, line, column) and adds a hint.
pub fn finding(severity: Severity, code: &str, message: impl Into<String>) -> Finding {
    Finding::new(TOOL, severity, code, message)
}
