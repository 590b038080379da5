//! The tool's name and every finding code vmargs reports (each is documented in
//! docs/codes.md), and the one builder its findings start from.

pub const TOOL: &str = "vmargs";

pub const CODE_UNTERMINATED_QUOTE: &str = "unterminated-quote";
pub const CODE_TRAILING_BACKSLASH: &str = "trailing-backslash";
pub const CODE_BACKSLASH_NEWLINE: &str = "backslash-newline";
pub const CODE_BACKSLASH_IN_QUOTES: &str = "backslash-in-quotes";
pub const CODE_NUL_BYTE: &str = "nul-byte";
pub const CODE_BYTE_ORDER_MARK: &str = "byte-order-mark";
pub const CODE_CRLF: &str = "crlf-line-endings";
pub const CODE_HASH_CUTS_WORD: &str = "hash-cuts-word";
pub const CODE_NON_UTF8: &str = "non-utf8";
pub const CODE_MISSING_VALUE: &str = "missing-value";
pub const CODE_SMP_DISABLE: &str = "smp-disable";
pub const CODE_BAD_START_EPMD: &str = "bad-start-epmd";
pub const CODE_MISSING_ARGS_FILE: &str = "missing-args-file";
pub const CODE_ARGS_FILE_CYCLE: &str = "args-file-cycle";
pub const CODE_ERL_REFUSES: &str = "erl-refuses";
pub const CODE_RELATIVE_ARGS_FILE: &str = "relative-args-file";
pub const CODE_MISSING_NODE_NAME: &str = "missing-node-name";
pub const CODE_NAME_WITHOUT_HOST: &str = "name-without-host";
pub const CODE_EMPTY_HOST: &str = "empty-host";
pub const CODE_INVALID_NODE_NAME: &str = "invalid-node-name";
pub const CODE_NODE_NAME_TOO_LONG: &str = "node-name-too-long";
pub const CODE_LONG_NAME_SHORT_HOST: &str = "long-name-short-host";
pub const CODE_SHORT_NAME_LONG_HOST: &str = "short-name-long-host";
pub const CODE_DUPLICATE_NODE_NAME: &str = "duplicate-node-name";
pub const CODE_NAME_NOT_AT_LINE_START: &str = "name-not-at-line-start";
pub const CODE_MIX_SETS_NODE: &str = "mix-sets-node";
pub const CODE_MIX_IGNORES_VM_ARGS: &str = "mix-ignores-vm-args";
pub const CODE_ENV_VAR_NOT_EXPANDED: &str = "env-var-not-expanded";
pub const CODE_MISSING_COOKIE: &str = "missing-cookie";
pub const CODE_DUPLICATE_COOKIE: &str = "duplicate-cookie";
pub const CODE_COOKIE_WITHOUT_VALUE: &str = "cookie-without-value";
pub const CODE_COOKIE_TOO_LONG: &str = "cookie-too-long";
pub const CODE_COOKIE_SPECIAL_CHARACTERS: &str = "cookie-special-characters";
pub const CODE_WEAK_COOKIE: &str = "weak-cookie";
pub const CODE_COOKIE_IN_REPOSITORY: &str = "cookie-in-repository";
pub const CODE_OBSOLETE_COOKIE_FLAG: &str = "obsolete-cookie-flag";
pub const CODE_SHARED_COOKIE: &str = "shared-cookie";
pub const CODE_SHARED_NODE_NAME: &str = "shared-node-name";
pub const CODE_NODE_NAME_ENV_MISMATCH: &str = "node-name-env-mismatch";
pub const CODE_UNKNOWN_EMULATOR_FLAG: &str = "unknown-emulator-flag";
pub const CODE_UNKNOWN_FLAG: &str = "unknown-flag";
pub const CODE_NO_EFFECT_FLAG: &str = "no-effect-flag";
pub const CODE_DEPRECATED_FLAG: &str = "deprecated-flag";
pub const CODE_DIST_PORT_NOT_INTEGER: &str = "dist-port-not-integer";
pub const CODE_DIST_PORT_RANGE: &str = "dist-port-range";
pub const CODE_APP_PARAM_ODD: &str = "app-param-odd";
pub const CODE_APP_PARAM_NOT_TERM: &str = "app-param-not-term";
pub const CODE_MISSING_VM_ARGS_FILE: &str = "missing-vm-args-file";
// `vmargs boot`: the whole start, env.sh and the start script included.
pub const CODE_START_SCRIPT_STOPS: &str = "start-script-stops";
pub const CODE_COOKIE_SET_TWICE: &str = "cookie-set-twice";
pub const CODE_NAME_OVERRIDDEN: &str = "name-overridden";
pub const CODE_COOKIE_LINE_END: &str = "cookie-line-end";
pub const CODE_NODE_NEEDS_LONG_NAMES: &str = "node-needs-long-names";
pub const CODE_UNEXPORTED_ERL_OPTIONS: &str = "unexported-erl-options";
pub const CODE_DIST_PORTS_FOR_EVERY_COMMAND: &str = "dist-ports-for-every-command";
pub const CODE_COOKIE_FROM_BUILD: &str = "cookie-from-build";
pub const CODE_HOST_DOES_NOT_RESOLVE: &str = "host-does-not-resolve";
pub const CODE_SCRIPT_COOKIE_DIFFERS: &str = "script-cookie-differs";
// `vmargs boot --unit`: the systemd unit that runs the release.
pub const CODE_UNIT_DAEMONIZES: &str = "unit-daemonizes";
pub const CODE_UNIT_RESTART_AND_HEART: &str = "unit-restart-and-heart";
pub const CODE_UNIT_NO_HOME: &str = "unit-no-home";
pub const CODE_UNIT_READ_ONLY_TMP: &str = "unit-read-only-tmp";
// `vmargs cluster`: the nodes of one cluster together.
pub const CODE_NODES_DO_NOT_CONNECT: &str = "nodes-do-not-connect";
pub const CODE_CONNECTS_ONE_WAY: &str = "connects-one-way";
pub const CODE_CONNECTION_UNKNOWN: &str = "connection-unknown";
pub const CODE_NODE_DOES_NOT_BOOT: &str = "node-does-not-boot";
pub const CODE_NODE_NOT_READ: &str = "node-not-read";
pub const CODE_EPMD_NOT_STARTED: &str = "epmd-not-started";
pub const CODE_SAME_NODE_TWICE: &str = "same-node-twice";
pub const CODE_SYNC_LISTS_ITSELF: &str = "sync-lists-itself";
pub const CODE_SYNC_UNKNOWN_NODE: &str = "sync-unknown-node";
pub const CODE_SYNC_LISTS_NONE: &str = "sync-lists-none";
pub const CODE_SYNC_ASYMMETRIC: &str = "sync-asymmetric";
pub const CODE_LIBCLUSTER_UNKNOWN_NODE: &str = "libcluster-unknown-node";

/// A finding of this tool; the caller places it (file, line, column) and adds a hint.
pub fn finding(
    severity: relkit_common::Severity,
    code: &str,
    message: impl Into<String>,
) -> relkit_common::Finding {
    relkit_common::Finding::new(TOOL, severity, code, message)
}
