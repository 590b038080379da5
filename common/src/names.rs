//! Names every tool shares: the six tools, and the environment variables that set
//! the findings' defaults.

/// The six tools, in the order the README lists them.
pub const TOOLS: &[&str] = &[
    "vmargs",
    "relconf",
    "journal-fmt",
    "release-pack",
    "secret-link",
    "hsts-check",
];

/// The environment variables a Makefile or CI job sets once for every tool.
pub const FORMAT_VAR: &str = "RELKIT_FORMAT";
pub const EXCLUDE_VAR: &str = "RELKIT_EXCLUDE";
pub const SEVERITY_VAR: &str = "RELKIT_SEVERITY";
