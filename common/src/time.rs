//! UTC calendar dates from Unix time and back, through jiff: enough for backup names,
//! listings, and the journal's UTC lines.

use jiff::{civil, tz::TimeZone, Timestamp};

/// `(year, month, day, hour, minute, second)` in UTC. A time past jiff's range is
/// shown as its last instant (9999-12-30 22:00:00).
pub fn utc(unix_seconds: u64) -> (i64, u32, u32, u32, u32, u32) {
    let seconds = i64::try_from(unix_seconds).unwrap_or(i64::MAX);
    let at = Timestamp::from_second(seconds.min(Timestamp::MAX.as_second()))
        .unwrap_or(Timestamp::MAX)
        .to_zoned(TimeZone::UTC)
        .datetime();
    let small = |n: i8| n as u32;
    (
        i64::from(at.year()),
        small(at.month()),
        small(at.day()),
        small(at.hour()),
        small(at.minute()),
        small(at.second()),
    )
}

/// Seconds since the epoch of a UTC date and time (the inverse of [`utc`]); `None`
/// for a month or day out of range, or a year outside jiff's. Like `mktime`, a day
/// past the end of its month runs into the next (31 April is 1 May), and second 60 (a
/// leap second as written) is the next minute's first.
pub fn unix_from_utc(
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
) -> Option<i64> {
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let first = civil::Date::new(i16::try_from(year).ok()?, month as i8, 1).ok()?;
    let midnight = first.to_zoned(TimeZone::UTC).ok()?.timestamp().as_second();
    Some(midnight + i64::from(day - 1) * 86_400 + i64::from(hour * 3600 + minute * 60 + second))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(utc(0), (1970, 1, 1, 0, 0, 0));
        assert_eq!(utc(951_782_400), (2000, 2, 29, 0, 0, 0));
        assert_eq!(utc(1_795_350_245), (2026, 11, 22, 12, 24, 5));
        assert_eq!(utc(315_532_800), (1980, 1, 1, 0, 0, 0));
        assert_eq!(utc(u64::MAX), (9999, 12, 30, 22, 0, 0));
        for secs in [0u64, 951_782_400, 1_795_350_245, 315_532_800, 4_102_444_799] {
            let (y, mo, d, h, mi, s) = utc(secs);
            assert_eq!(unix_from_utc(y, mo, d, h, mi, s), Some(secs as i64));
        }
        assert_eq!(unix_from_utc(2026, 13, 1, 0, 0, 0), None);
        // As mktime: 31 April is 1 May, second 60 the next minute.
        assert_eq!(
            unix_from_utc(2026, 4, 31, 0, 0, 0),
            unix_from_utc(2026, 5, 1, 0, 0, 0)
        );
        assert_eq!(
            unix_from_utc(2026, 6, 30, 23, 59, 60),
            unix_from_utc(2026, 7, 1, 0, 0, 0)
        );
        assert_eq!(unix_from_utc(-1, 1, 1, 0, 0, 0).map(|s| s < 0), Some(true));
    }

    /// Every day of 1600..2400 agrees with the proleptic Gregorian day count.
    #[test]
    fn every_day_agrees_with_the_day_count() {
        let mut days = civil::date(1600, 1, 1)
            .to_zoned(TimeZone::UTC)
            .unwrap()
            .timestamp()
            .as_second()
            / 86_400;
        let mut date = civil::date(1600, 1, 1);
        while date.year() < 2400 {
            let at = unix_from_utc(
                i64::from(date.year()),
                date.month() as u32,
                date.day() as u32,
                0,
                0,
                0,
            );
            assert_eq!(at, Some(days * 86_400), "{date}");
            days += 1;
            date = date.tomorrow().unwrap();
        }
    }
}
