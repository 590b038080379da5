//! The times an entry carries in its fields, as journalctl reads them.

use super::fields::Entry;
use crate::time::clock::Moment;

/// A text line's entry with its time as the journal's `__REALTIME_TIMESTAMP`.
pub fn with_time<'e>(
    entry: &'e Entry<'e>,
    time: Option<Moment>,
) -> std::borrow::Cow<'e, Entry<'e>> {
    match time {
        Some(time) if entry.get("__REALTIME_TIMESTAMP").is_none() => {
            let mut timed = Entry::default();
            timed.push(
                "__REALTIME_TIMESTAMP",
                Some(time.micros.to_string().into_bytes()),
            );
            timed.fields.extend(entry.fields.iter().cloned());
            std::borrow::Cow::Owned(timed)
        }
        _ => std::borrow::Cow::Borrowed(entry),
    }
}

/// A journal time field: decimal microseconds (at most 18 digits, so no overflow).
fn time_field(entry: &Entry<'_>, name: &str) -> Option<i64> {
    let digits = entry.text(name)?;
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    digits.iter().try_fold(0i64, |n, &d| {
        d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
    })
}

/// The time shown, as journalctl shows it: when the message was sent, else when the
/// journal received it.
pub fn entry_time(entry: &Entry<'_>) -> Option<Moment> {
    time_field(entry, "_SOURCE_REALTIME_TIMESTAMP")
        .or_else(|| time_field(entry, "__REALTIME_TIMESTAMP"))
        .map(Moment::precise)
}

/// The time `--since` and `--until` compare, as journalctl's: when the journal
/// received the entry.
pub fn receive_time(entry: &Entry<'_>) -> Option<i64> {
    time_field(entry, "__REALTIME_TIMESTAMP")
}
