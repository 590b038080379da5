//! glibc's `strptime()` and `mktime()` as far as journalctl's `--since` formats
//! use them, in the C locale.

use jiff::Timestamp;

pub(super) struct TimeFormat {
    pub(super) pattern: &'static str,
    /// Whether `.FRACTION` may follow.
    pub(super) fraction: bool,
    /// What the format does not give is zero from the right (seconds, or the whole
    /// time of day); the rest is now's.
    pub(super) zero: Zero,
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Zero {
    Nothing,
    Seconds,
    TimeOfDay,
}

pub(super) const fn format(pattern: &'static str, fraction: bool, zero: Zero) -> TimeFormat {
    TimeFormat {
        pattern,
        fraction,
        zero,
    }
}

pub(super) const FORMATS: [TimeFormat; 9] = [
    format("%y-%m-%d %H:%M:%S", true, Zero::Nothing),
    format("%Y-%m-%d %H:%M:%S", true, Zero::Nothing),
    format("%b %d %H:%M:%S", true, Zero::Nothing),
    format("%y-%m-%d %H:%M", false, Zero::Seconds),
    format("%Y-%m-%d %H:%M", false, Zero::Seconds),
    format("%y-%m-%d", false, Zero::TimeOfDay),
    format("%Y-%m-%d", false, Zero::TimeOfDay),
    format("%H:%M:%S", true, Zero::Nothing),
    format("%H:%M", false, Zero::Seconds),
];

/// glibc's `struct tm`, as far as these formats touch it; fields may be out of range
/// (`mday` 0 or 32) until `mktime` normalises them.
#[derive(Debug, Clone, Copy)]
pub(super) struct Tm {
    pub(super) year: i64,
    /// 0-11.
    pub(super) mon: i64,
    pub(super) mday: i64,
    pub(super) hour: i64,
    pub(super) min: i64,
    pub(super) sec: i64,
    /// 0 is Sunday.
    pub(super) wday: i64,
}

impl Tm {
    /// `localtime_r` (or `gmtime_r` with offset 0), through jiff.
    pub(super) fn at(unix_seconds: i64, offset: i32) -> Option<Tm> {
        let offset = jiff::tz::Offset::from_seconds(offset).ok()?;
        let local = offset.to_datetime(Timestamp::from_second(unix_seconds).ok()?);
        Some(Tm {
            year: i64::from(local.year()),
            mon: i64::from(local.month()) - 1,
            mday: i64::from(local.day()),
            hour: i64::from(local.hour()),
            min: i64::from(local.minute()),
            sec: i64::from(local.second()),
            wday: i64::from(local.weekday().to_sunday_zero_offset()),
        })
    }

    /// The requested reading as seconds on a calendar without zones, months and days
    /// carried over (`mday` 30 of February is March 2nd), seconds clamped to 0-59.
    pub(super) fn requested(&self) -> Option<i64> {
        let first = first_of_month(self.year + self.mon.div_euclid(12), self.mon.rem_euclid(12))?;
        let days = first
            .duration_since(jiff::civil::date(1970, 1, 1))
            .as_secs()
            / 86_400;
        Some(
            (days + self.mday - 1) * 86_400
                + self.hour * 3600
                + self.min * 60
                + self.sec.clamp(0, 59),
        )
    }
}

/// The first day of a month (`mon` 0-11) in jiff's calendar.
pub(super) fn first_of_month(year: i64, mon: i64) -> Option<jiff::civil::Date> {
    jiff::civil::Date::new(i16::try_from(year).ok()?, i8::try_from(mon + 1).ok()?, 1).ok()
}

pub(super) const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

pub(super) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// glibc's `strptime` in the C locale for `%y %Y %m %d %H %M %S %b`, spaces and
/// literal characters: how many bytes it read, or `None` when the input does not fit.
pub(super) fn strptime(input: &[u8], pattern: &str, tm: &mut Tm) -> Option<usize> {
    let mut at = 0;
    let mut want_xday = false;
    let mut chars = pattern.bytes();
    while let Some(c) = chars.next() {
        if is_space(c) {
            while input.get(at).copied().is_some_and(is_space) {
                at += 1;
            }
            continue;
        }
        if c != b'%' {
            if input.get(at) != Some(&c) {
                return None;
            }
            at += 1;
            continue;
        }
        let mut number = |from: i64, to: i64, digits: usize| -> Option<i64> {
            while input.get(at).copied().is_some_and(is_space) {
                at += 1;
            }
            let mut value = 0i64;
            let mut read = 0;
            loop {
                let digit = input.get(at).filter(|b| b.is_ascii_digit())?;
                value = value * 10 + i64::from(digit - b'0');
                at += 1;
                read += 1;
                let more = input.get(at).is_some_and(|b| b.is_ascii_digit());
                if read >= digits || value * 10 > to || !more {
                    break;
                }
            }
            (from..=to).contains(&value).then_some(value)
        };
        match chars.next()? {
            b'y' => {
                let value = number(0, 99, 2)?;
                tm.year = if value >= 69 {
                    1900 + value
                } else {
                    2000 + value
                };
                want_xday = true;
            }
            b'Y' => {
                tm.year = number(0, 9999, 4)?;
                want_xday = true;
            }
            b'm' => {
                tm.mon = number(1, 12, 2)? - 1;
                want_xday = true;
            }
            b'd' => {
                tm.mday = number(1, 31, 2)?;
                want_xday = true;
            }
            b'H' => tm.hour = number(0, 23, 2)?,
            b'M' => tm.min = number(0, 59, 2)?,
            b'S' => tm.sec = number(0, 61, 2)?,
            b'b' => {
                // The longest of the full and abbreviated names, any case.
                let rest = &input[at..];
                let (month, len) = MONTH_NAMES
                    .iter()
                    .enumerate()
                    .flat_map(|(i, name)| {
                        [(i, name.len()), (i, 3)].map(|(i, len)| (i, &name[..len]))
                    })
                    .filter(|(_, name)| {
                        rest.len() >= name.len()
                            && rest[..name.len()].eq_ignore_ascii_case(name.as_bytes())
                    })
                    .map(|(i, name)| (i, name.len()))
                    .max_by_key(|&(_, len)| len)?;
                tm.mon = month as i64;
                at += len;
                want_xday = true;
            }
            _ => return None,
        }
    }
    if want_xday {
        // Linear in the day of the month, as glibc's day_of_the_week.
        let first = first_of_month(tm.year + tm.mon.div_euclid(12), tm.mon.rem_euclid(12))?;
        tm.wday = (i64::from(first.weekday().to_sunday_zero_offset()) + tm.mday - 1).rem_euclid(7);
    }
    Some(at)
}
