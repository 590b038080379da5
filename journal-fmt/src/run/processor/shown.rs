//! The fields human output reads, by name.

use crate::filter::Filter;

/// Whether human output reads the field `name`: the level rule's, the line's,
/// the filters'. The rest of a json line is checked but not kept.
#[inline(always)]
pub(super) fn shown_field(name: &str, filter: &Filter) -> bool {
    // By length first: most names are rejected without comparing a byte.
    let fixed = match name.len() {
        4 => name == "_PID",
        5 => name == "_COMM",
        7 => name == "MESSAGE",
        8 => name == "PRIORITY",
        10 => matches!(name, "_TRANSPORT" | "_STREAM_ID" | "SYSLOG_PID"),
        17 => name == "SYSLOG_IDENTIFIER",
        20 => name == "__REALTIME_TIMESTAMP",
        26 => name == "_SOURCE_REALTIME_TIMESTAMP",
        _ => false,
    };
    fixed
        || ((!filter.units.is_empty() || !filter.fields.is_empty()) && filtered_field(name, filter))
}

/// The fields `-u` and `--field` read (kept out of [`shown_field`], which is inlined
/// into the json scanner's loop).
#[inline(never)]
fn filtered_field(name: &str, filter: &Filter) -> bool {
    (!filter.units.is_empty() && crate::filter::UNIT_FIELDS.contains(&name))
        || filter.fields.iter().any(|(key, _)| key == name)
}
