//! The checks on small files, a code at a time.

use super::context::*;
use super::*;
use crate::codes::*;
use crate::model::Parsed;
use relkit_common::Severity;
use std::path::Path;

fn unit(display: &str, env: Option<&str>, target: Target, text: &str) -> Unit {
    Unit {
        display: display.into(),
        env: env.map(str::to_string),
        target,
        parsed: Parsed::from_disk(Path::new(display), text.as_bytes().to_vec()),
        tracked: false,
        cookie_redacted: false,
    }
}

fn codes(text: &str, target: Target) -> Vec<String> {
    let u = unit("vm.args", None, target, text);
    check_unit(&u, Options { otp: 25 })
        .into_iter()
        .map(|f| f.code)
        .collect()
}

fn first(text: &str, code: &str) -> Finding {
    let u = unit("rel/vm.args.stage", None, Target::Distillery, text);
    check_unit(&u, Options { otp: 25 })
        .into_iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("no {code} for {text:?}"))
}

const GOOD: &str = "-name billing@127.0.0.1\n-setcookie Xq7rTz9KpL2mWvB4nJ8cD3fH6gY\n";

#[test]
fn a_good_file_is_clean() {
    assert_eq!(codes(GOOD, Target::Distillery), Vec::<String>::new());
}

#[test]
fn the_stage_typo_gets_the_right_hint() {
    let f = first(
        "## Name of the node\n-name billing_stage.0.0.1\n",
        CODE_NAME_WITHOUT_HOST,
    );
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(
        (f.line, f.column, f.end_column),
        (Some(2), Some(7), Some(26))
    );
    assert_eq!(
        f.hint.as_deref(),
        Some("did you mean -name billing_stage@127.0.0.1?")
    );
    let f = first("-name app.example.com\n", CODE_NAME_WITHOUT_HOST);
    assert_eq!(
        f.hint.as_deref(),
        Some("did you mean -name app@example.com?")
    );
}

#[test]
fn host_rules() {
    assert_eq!(
        first("-name billing_prod@\n", CODE_EMPTY_HOST).severity,
        Severity::Error
    );
    assert_eq!(
        first("-name foo@localhost\n", CODE_LONG_NAME_SHORT_HOST).severity,
        Severity::Warning
    );
    assert_eq!(
        first("-sname foo@127.0.0.1\n", CODE_SHORT_NAME_LONG_HOST).severity,
        Severity::Error
    );
    assert!(codes(
        "-name a@::1\n-setcookie Xq7rTz9KpL2mWvB4nJ8cD3fH6gY\n",
        Target::Erl
    )
    .is_empty());
    assert!(codes(
        "-sname a@web1\n-setcookie Xq7rTz9KpL2mWvB4nJ8cD3fH6gY\n",
        Target::Erl
    )
    .is_empty());
    assert_eq!(
        first("-name b.i@h.x\n", CODE_INVALID_NODE_NAME).severity,
        Severity::Error
    );
}

#[test]
fn missing_name_depends_on_the_target() {
    assert!(codes("+A 5\n", Target::Distillery).contains(&CODE_MISSING_NODE_NAME.to_string()));
    assert!(codes("+A 5\n", Target::Relx).contains(&CODE_MISSING_NODE_NAME.to_string()));
    assert!(!codes("+A 5\n", Target::Mix).contains(&CODE_MISSING_NODE_NAME.to_string()));
    assert!(!codes("+A 5\n", Target::Erl).contains(&CODE_MISSING_NODE_NAME.to_string()));
    let mix = codes("-name a@b.c\n-setcookie x\n+A 5\n", Target::Mix);
    assert_eq!(
        mix,
        [
            CODE_MIX_IGNORES_VM_ARGS,
            CODE_MIX_SETS_NODE,
            CODE_MIX_SETS_NODE
        ]
    );
}

#[test]
fn cookie_rules() {
    let weak = first("-name a@b.c\n-setcookie foo123\n", CODE_WEAK_COOKIE);
    assert!(
        weak.message.contains("word followed by digits"),
        "{}",
        weak.message
    );
    assert!(
        codes("-name a@b.c\n-setcookie a\n-setcookie b\n", Target::Erl)
            .contains(&CODE_DUPLICATE_COOKIE.to_string())
    );
    let f = first(
        "-name a@b.c\n-setcookie -abcdefghijklmnopqrstuvwxyz\n",
        CODE_COOKIE_WITHOUT_VALUE,
    );
    assert!(f.message.contains("starts with '-'"), "{}", f.message);
    assert_eq!(
        first(
            "-name a@b.c\n-setcookie yG9=kF8#hV5!\n",
            CODE_HASH_CUTS_WORD
        )
        .severity,
        Severity::Error
    );
    assert_eq!(
        first("-name a@b.c\n-cookie x\n", CODE_OBSOLETE_COOKIE_FLAG)
            .hint
            .as_deref(),
        Some("did you mean -setcookie?")
    );
    assert!(codes("-name a@b.c\n", Target::Distillery).contains(&CODE_MISSING_COOKIE.to_string()));
}

#[test]
fn dead_and_misspelt_flags() {
    let c = codes(
        &format!("{GOOD}-smp auto\n+K true\n+Zfoo\n-setcokie x\n-env ERL_MAX_PORTS 4096\n"),
        Target::Distillery,
    );
    assert_eq!(
        c,
        [
            CODE_NO_EFFECT_FLAG,
            CODE_NO_EFFECT_FLAG,
            CODE_UNKNOWN_EMULATOR_FLAG,
            CODE_UNKNOWN_FLAG,
            CODE_DEPRECATED_FLAG
        ]
    );
    assert_eq!(
        first("-setcokie x\n", CODE_UNKNOWN_FLAG).hint.as_deref(),
        Some("did you mean -setcookie?")
    );
    assert_eq!(
        first("-smp disable\n", CODE_SMP_DISABLE).severity,
        Severity::Error
    );
    assert_eq!(first("+P\n", CODE_MISSING_VALUE).line, Some(1));
    let deprecated = unit("vm.args", None, Target::Erl, "-erl_epmd_port 6789\n");
    assert!(check_unit(&deprecated, Options { otp: 25 }).is_empty());
    assert_eq!(
        check_unit(&deprecated, Options { otp: 27 })[0].code,
        CODE_DEPRECATED_FLAG
    );
}

#[test]
fn lexical_surprises() {
    assert_eq!(
        first("-name a@b.c\n-setcookie \"abc\n", CODE_UNTERMINATED_QUOTE).column,
        Some(12)
    );
    assert_eq!(
        first("-setcookie abc\\\n-name x@y.z\n", CODE_BACKSLASH_NEWLINE).line,
        Some(1)
    );
    assert!(codes("\u{feff}-name a@b.c\n", Target::Erl).contains(&CODE_BYTE_ORDER_MARK.to_string()));
    assert!(codes("-name a@b.c\r\n", Target::Erl).contains(&CODE_CRLF.to_string()));
    assert!(codes("-name a@b.c\0junk", Target::Erl).contains(&CODE_NUL_BYTE.to_string()));
    assert!(codes("-name a@b.c x\\", Target::Erl).contains(&CODE_TRAILING_BACKSLASH.to_string()));
}

#[test]
fn kernel_ports_and_terms() {
    assert_eq!(
        first(
            "-kernel inet_dist_listen_min '\"9100\"'\n",
            CODE_DIST_PORT_NOT_INTEGER
        )
        .severity,
        Severity::Warning
    );
    assert_eq!(
        first(
            "-kernel inet_dist_listen_min 9200 inet_dist_listen_max 9100\n",
            CODE_DIST_PORT_RANGE
        )
        .severity,
        Severity::Error
    );
    assert_eq!(
        first("-kernel inet_dist_listen_min\n", CODE_APP_PARAM_ODD).severity,
        Severity::Warning
    );
    assert_eq!(
        first(
            "-kernel sync_nodes_mandatory '[a@h, b@h'\n",
            CODE_APP_PARAM_NOT_TERM
        )
        .severity,
        Severity::Error
    );
}

#[test]
fn variables_are_not_expanded() {
    assert_eq!(
        first("-name ${NODE}@127.0.0.1\n", CODE_ENV_VAR_NOT_EXPANDED).severity,
        Severity::Info
    );
    let erl = unit("vm.args", None, Target::Erl, "-name ${NODE}@127.0.0.1\n");
    assert_eq!(
        check_unit(&erl, Options { otp: 25 })[0].severity,
        Severity::Warning
    );
}

#[test]
fn across_environments() {
    let stage = unit(
        "rel/vm.args.stage",
        Some("stage"),
        Target::Distillery,
        "-name billing_stage@127.0.0.1\n-setcookie foo123\n",
    );
    let prod = unit(
        "rel/vm.args.prod",
        Some("prod"),
        Target::Distillery,
        "-name billing_stage@127.0.0.1\n-setcookie foo123\n",
    );
    let found = check_across(&[stage, prod]);
    let codes: Vec<&str> = found.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            CODE_SHARED_COOKIE,
            CODE_SHARED_NODE_NAME,
            CODE_NODE_NAME_ENV_MISMATCH
        ]
    );
    assert_eq!(found[0].path.as_deref(), Some("rel/vm.args.prod"));
    assert_eq!(found[2].hint.as_deref(), Some("did you mean billing_prod?"));
}
