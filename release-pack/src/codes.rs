//! The tool's name and every finding code release-pack reports (each is documented in
//! docs/codes.md), and the one builder its findings start from.

use relkit_common::{Finding, Severity};

pub const TOOL: &str = "release-pack";

// Entries refused before anything is written.
pub const CODE_ABSOLUTE_NAME: &str = "absolute-name";
pub const CODE_PARENT_NAME: &str = "parent-name";
pub const CODE_LINK_ESCAPES: &str = "link-escapes";
pub const CODE_HARDLINK_ESCAPES: &str = "hardlink-escapes";
pub const CODE_SPECIAL_ENTRY: &str = "special-entry";
pub const CODE_THROUGH_LINK: &str = "through-link";
pub const CODE_DUPLICATE_TYPE: &str = "duplicate-changes-type";
pub const CODE_TOO_BIG: &str = "too-big";
pub const CODE_TOO_MANY: &str = "too-many-entries";

// What `verify` finds in a release tarball.
pub const CODE_CORRUPT: &str = "corrupt-archive";
pub const CODE_NAME_PREFIX: &str = "name-prefix";
pub const CODE_MISSING_START_SCRIPT: &str = "missing-start-script";
pub const CODE_MISSING_REL_FILE: &str = "missing-rel-file";
pub const CODE_MISSING_BOOT_SCRIPT: &str = "missing-boot-script";
pub const CODE_MISSING_APPLICATION: &str = "missing-application";
pub const CODE_MISSING_ERTS: &str = "missing-erts";
pub const CODE_WORLD_WRITABLE: &str = "world-writable";
pub const CODE_SETUID: &str = "setuid-entry";
pub const CODE_CHECKSUM_MISMATCH: &str = "checksum-mismatch";

// What `verify --target-root` finds: the release's native code on that target.
pub const CODE_MISSING_LIBRARY: &str = "missing-library";
pub const CODE_MISSING_SYMBOL_VERSION: &str = "missing-symbol-version";
pub const CODE_WRONG_ARCHITECTURE: &str = "wrong-architecture";
pub const CODE_ERTS_NOT_ON_TARGET: &str = "erts-not-on-target";
pub const CODE_UNREADABLE_NATIVE: &str = "unreadable-native";
pub const CODE_TARGET_CONFIG: &str = "target-config";

/// A finding of this tool; the caller places it (file, line, column) and adds a hint.
pub fn finding(severity: Severity, code: &str, message: impl Into<String>) -> Finding {
    Finding::new(TOOL, severity, code, message)
}
