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
    decimal(entry.text(name)?)
}

/// 1 to 18 decimal digits as a number: eight at a time in a `u64`, then one by one
/// (a timestamp's sixteen digits cost two steps, not sixteen).
fn decimal(digits: &[u8]) -> Option<i64> {
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    let mut chunks = digits.chunks_exact(8);
    let mut n = 0u64;
    for chunk in &mut chunks {
        n = n * 100_000_000 + eight_digits(chunk.try_into().ok()?)?;
    }
    for &d in chunks.remainder() {
        n = n * 10 + u64::from(d.checked_sub(b'0').filter(|d| *d <= 9)?);
    }
    i64::try_from(n).ok()
}

/// Eight ASCII digits, the first the most significant, as their number.
fn eight_digits(chunk: [u8; 8]) -> Option<u64> {
    const HIGH: u64 = 0xf0f0_f0f0_f0f0_f0f0;
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    let v = u64::from_le_bytes(chunk);
    // Every byte 0x30..=0x39: its high half is 3, and stays 3 with 6 added.
    if v & HIGH != ZEROS || (v + 0x0606_0606_0606_0606) & HIGH != ZEROS {
        return None;
    }
    // Neighbouring digits, then pairs, then fours, joined in place.
    let d = v - ZEROS;
    let d = (d * 10 + (d >> 8)) & 0x00ff_00ff_00ff_00ff;
    let d = (d * 100 + (d >> 16)) & 0x0000_ffff_0000_ffff;
    Some((d * 10_000 + (d >> 32)) & 0xffff_ffff)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every length and digit against a digit-at-a-time reading, and bytes just
    /// outside the digits refused at every place.
    #[test]
    fn decimal_reads_as_a_digit_at_a_time() {
        let slow = |digits: &[u8]| -> Option<i64> {
            if digits.is_empty() || digits.len() > 18 {
                return None;
            }
            digits.iter().try_fold(0i64, |n, &d| {
                d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
            })
        };
        let mut rng = crate::test_rng::Rng(0x9e37_79b9_7f4a_7c15);
        for len in 0..=20 {
            for round in 0..400 {
                let seed = rng.next_u64();
                let mut digits: Vec<u8> = (0..len)
                    .map(|i| b'0' + ((seed >> (i % 16 * 4)) % 10) as u8)
                    .collect();
                if round % 4 == 1 && len > 0 {
                    let bad = [b'/', b':', b' ', 0xff, 0x3a, b'a', 0xf9, 0x40];
                    digits[(seed as usize >> 7) % len] = bad[round / 4 % bad.len()];
                }
                assert_eq!(
                    decimal(&digits),
                    slow(&digits),
                    "{:?}",
                    String::from_utf8_lossy(&digits)
                );
            }
        }
        assert_eq!(
            decimal(b"999999999999999999"),
            Some(999_999_999_999_999_999)
        );
        assert_eq!(decimal(b"1795132800002816"), Some(1_795_132_800_002_816));
    }
}
