//! The filters: `-p` on the effective level, `-u`, `-t`, `-g`, `--since/--until`
//! and `--field KEY=VALUE`. Several values of one filter widen it (journalctl's OR);
//! different filters narrow it (AND).

use crate::entry::level::Decide;
use crate::entry::Entry;

#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Inclusive range of priorities (0 = emerg ... 7 = debug).
    pub priority: Option<(u8, u8)>,
    /// Unit names as given to `-u`, with `.service` added to a bare name; `*` and
    /// `?` are wildcards.
    pub units: Vec<String>,
    pub identifiers: Vec<String>,
    pub grep: Option<regex::bytes::Regex>,
    /// Microseconds since the epoch.
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// `KEY=VALUE` matches grouped by key.
    pub fields: Vec<(String, Vec<Vec<u8>>)>,
}

/// The fields that name an entry's unit: the unit it ran in, and the unit systemd
/// (PID 1) logs about, as `journalctl -u` matches them.
pub(crate) const UNIT_FIELDS: [&str; 5] = [
    "_SYSTEMD_UNIT",
    "UNIT",
    "OBJECT_SYSTEMD_UNIT",
    "_SYSTEMD_USER_UNIT",
    "USER_UNIT",
];

impl Filter {
    /// The fields whose entries are all the filters can let through, when the files'
    /// indexes can find them: each unit named without a wildcard in each field `-u`
    /// reads, else each `-t` identifier, else the values of the first `--field` on a
    /// journal field (the boot of `-b` is one). None: every entry is read.
    pub fn index_fields(&self) -> Option<Vec<Vec<u8>>> {
        let exact = |value: &str| !relkit_common::glob::is_glob(value);
        if !self.units.is_empty() && self.units.iter().all(|u| exact(u)) {
            return Some(
                self.units
                    .iter()
                    .flat_map(|unit| {
                        UNIT_FIELDS
                            .iter()
                            .map(move |field| format!("{field}={unit}").into_bytes())
                    })
                    .collect(),
            );
        }
        if !self.identifiers.is_empty() {
            return Some(
                self.identifiers
                    .iter()
                    .map(|id| format!("SYSLOG_IDENTIFIER={id}").into_bytes())
                    .collect(),
            );
        }
        // A --field (or the boot -b picked) on a journal field: Logger metadata
        // names are lowercase, never one of journald's, so only the index holds it.
        self.fields
            .iter()
            .find(|(key, _)| is_journal_field_name(key))
            .map(|(key, values)| {
                values
                    .iter()
                    .map(|v| [key.as_bytes(), b"=", v].concat())
                    .collect()
            })
    }

    /// Why journalctl would refuse the `-u` filters ("Failed to add filter for
    /// units"): every one a glob, and none matching a unit the journal files name.
    /// `any_value` says whether any file holds a value of these fields that the
    /// test accepts.
    pub fn units_refused(
        &self,
        any_value: impl FnOnce(&[&str], &dyn Fn(&[u8]) -> bool) -> bool,
    ) -> Option<String> {
        let units = &self.units;
        let refused = !units.is_empty()
            && units.iter().all(|u| relkit_common::glob::is_glob(u))
            && !any_value(&UNIT_FIELDS, &|value| {
                units
                    .iter()
                    .any(|u| relkit_common::glob::matches(u.as_bytes(), value))
            });
        refused.then(|| {
            format!(
                "no unit in the journal files matches {}: nothing to show (journalctl says \"Failed to add filter for units\")",
                units.join(", ")
            )
        })
    }

    /// `-u billing_prod` means `billing_prod.service`, as journalctl reads it.
    pub fn unit_pattern(name: &str) -> String {
        // A glob is taken as it is, as systemd's unit name mangling leaves globs.
        if name.contains('.') || relkit_common::glob::is_glob(name) {
            name.to_string()
        } else {
            format!("{name}.service")
        }
    }

    /// `-g`: smart case (a pattern without capitals ignores case).
    pub fn grep_pattern(pattern: &str) -> Result<regex::bytes::Regex, regex::Error> {
        regex::bytes::RegexBuilder::new(pattern)
            .case_insensitive(!pattern.chars().any(char::is_uppercase))
            .build()
    }

    /// Whether a `--field` names Elixir Logger metadata (a lowercase key).
    pub fn wants_metadata(&self) -> bool {
        self.fields
            .iter()
            .any(|(key, _)| key.starts_with(|c: char| c.is_ascii_lowercase() || c == '_'))
    }

    /// Whether the entry passes every filter but `-p` and `-g`; `metadata` is its
    /// message's Elixir Logger metadata, which `--field` sees as fields.
    pub fn admits(&self, entry: &Entry<'_>, time: Option<i64>, metadata: &[(&str, &[u8])]) -> bool {
        if let Some(since) = self.since {
            if time.is_some_and(|t| t < since) {
                return false;
            }
        }
        if let Some(until) = self.until {
            if time.is_some_and(|t| t > until) {
                return false;
            }
        }
        if !self.units.is_empty()
            && !UNIT_FIELDS.iter().any(|field| {
                entry.all(field).flatten().any(|value| {
                    self.units
                        .iter()
                        .any(|unit| relkit_common::glob::matches(unit.as_bytes(), value))
                })
            })
        {
            return false;
        }
        if !self.identifiers.is_empty() {
            let Some(ident) = entry.text("SYSLOG_IDENTIFIER") else {
                return false;
            };
            if !self.identifiers.iter().any(|i| i.as_bytes() == ident) {
                return false;
            }
        }
        self.fields.iter().all(|(key, values)| {
            let from_metadata = metadata.iter().filter(|(k, _)| k == key).map(|(_, v)| *v);
            entry
                .all(key)
                .flatten()
                .chain(from_metadata)
                .any(|have| values.iter().any(|want| want == have))
        })
    }

    pub fn level_passes(&self, level: u8) -> bool {
        match self.priority {
            None => true,
            Some((low, high)) => (low..=high).contains(&level),
        }
    }

    /// `-g` on the message (given without ANSI sequences, as [`crate::entry::level::Facts`]
    /// holds it).
    pub fn grep_passes(&self, message: Option<&[u8]>) -> bool {
        match &self.grep {
            None => true,
            Some(re) => message.is_some_and(|m| re.is_match(m)),
        }
    }
}

/// The filters' answer for one entry, as the level rule asks it.
pub struct Decision<'f> {
    pub filter: &'f Filter,
    /// Passes everything but `-p` and `-g`.
    pub admitted: bool,
    pub grep: bool,
}

impl Decide for Decision<'_> {
    fn head(&mut self, level: u8) -> bool {
        self.admitted && self.grep && self.filter.level_passes(level)
    }

    /// A continuation line goes with its header; with `-g`, a line that matches on
    /// its own is shown too.
    fn continuation(&mut self, level: u8, header_shown: bool) -> bool {
        header_shown || (self.filter.grep.is_some() && self.head(level))
    }
}

/// Whether `name` is a field name journald stores and indexes: capitals, digits and
/// `_`, not starting with a digit, nor with `__` (the cursor and the timestamps are
/// the entry's own, not fields in the index).
fn is_journal_field_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && !name.starts_with("__")
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_field_on_a_journal_name_narrows_through_the_index_and_metadata_does_not() {
        let mut filter = Filter::default();
        filter
            .fields
            .push(("request_id".into(), vec![b"FxK2".to_vec()]));
        assert_eq!(filter.index_fields(), None);
        filter
            .fields
            .push(("_PID".into(), vec![b"7".to_vec(), b"9".to_vec()]));
        assert_eq!(
            filter.index_fields(),
            Some(vec![b"_PID=7".to_vec(), b"_PID=9".to_vec()])
        );
        assert!(!is_journal_field_name("__CURSOR"));
        assert!(!is_journal_field_name("9LIVES"));
        assert!(is_journal_field_name("MESSAGE_ID"));
    }

    use super::*;

    #[test]
    fn units_and_wildcards() {
        assert_eq!(Filter::unit_pattern("billing_prod"), "billing_prod.service");
        assert_eq!(Filter::unit_pattern("billing@*"), "billing@*");
        let wildcard_match = relkit_common::glob::matches;
        assert!(wildcard_match(b"billing*", b"billing_prod.service"));
        assert!(wildcard_match(b"post?res*", b"postgres@15.service"));
        assert!(!wildcard_match(b"billing", b"billing_prod.service"));
        // Bracket expressions, as journalctl's fnmatch(3) reads them.
        assert!(wildcard_match(b"billing_pro[d]*", b"billing_prod.service"));
        assert!(!wildcard_match(
            b"billing_pro[!d]*",
            b"billing_prod.service"
        ));
        assert_eq!(Filter::unit_pattern("billing_pro[d]"), "billing_pro[d]");
        let filter = Filter {
            units: vec![Filter::unit_pattern("billing_prod")],
            ..Filter::default()
        };
        let mut from_systemd = Entry::default();
        from_systemd.push("_SYSTEMD_UNIT", Some(&b"init.scope"[..]));
        from_systemd.push("UNIT", Some(&b"billing_prod.service"[..]));
        assert!(filter.admits(&from_systemd, None, &[]));
        let mut other = Entry::default();
        other.push("_SYSTEMD_UNIT", Some(&b"nginx.service"[..]));
        assert!(!filter.admits(&other, None, &[]));
    }

    #[test]
    fn smart_case_grep() {
        let lower = Filter {
            grep: Some(Filter::grep_pattern("genserver").unwrap()),
            ..Filter::default()
        };
        assert!(lower.grep_passes(Some(b"GenServer X terminating")));
        let upper = Filter {
            grep: Some(Filter::grep_pattern("Genserver").unwrap()),
            ..Filter::default()
        };
        assert!(!upper.grep_passes(Some(b"GenServer X terminating")));
        assert!(!upper.grep_passes(None));
    }

    #[test]
    fn fields_or_within_and_across() {
        let filter = Filter {
            fields: vec![
                ("A".into(), vec![b"1".to_vec(), b"2".to_vec()]),
                ("B".into(), vec![b"x".to_vec()]),
            ],
            since: Some(100),
            ..Filter::default()
        };
        let mut entry = Entry::default();
        entry.push("A", Some(&b"2"[..]));
        entry.push("B", Some(&b"x"[..]));
        assert!(filter.admits(&entry, Some(100), &[]));
        assert!(!filter.admits(&entry, Some(99), &[]));
        entry.fields[1].value = Some(b"y".to_vec().into());
        assert!(!filter.admits(&entry, None, &[]));
    }
}
