//! Time: the journal's microsecond timestamps shown in local time (the `TZ`
//! variable or the system zone, as journalctl does) or UTC, the timestamps of
//! `journalctl -o short*` lines read back, and `--since`/`--until` as journalctl
//! reads them (`2026-11-22 10:00`, `yesterday`, `-1h`, `2h ago`, `@1763800000`).

use jiff::tz::TimeZone;
use jiff::Timestamp;
use relkit_common::time::unix_from_utc;
use std::io::Write;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Offsets change on quarter-hour boundaries at the finest, so one lookup per
/// quarter hour serves every entry in it.
const OFFSET_BUCKET: i64 = 900;

#[derive(Debug, Clone)]
pub struct Clock {
    zone: Option<TimeZone>,
    cached: Option<(i64, i32)>,
    /// The last second written by `write_short`, and its text up to the seconds.
    short_second: Option<(i64, [u8; 15])>,
    /// The last `YYYY-MM-DDTHH:MM:SS` read from short-iso text and its seconds since
    /// the epoch as if it were UTC: journal lines come many to a second.
    iso_second: Option<([u8; 19], i64)>,
}

fn push_2(out: &mut Vec<u8>, n: u32) {
    out.push(b'0' + (n / 10 % 10) as u8);
    out.push(b'0' + (n % 10) as u8);
}

/// A moment as a calendar shows it in the clock's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub micros: u32,
    /// Seconds east of UTC.
    pub offset: i32,
}

impl Clock {
    /// Local time: `TZ`, else the system's zone, else UTC.
    pub fn local() -> Clock {
        Clock {
            zone: Some(TimeZone::try_system().unwrap_or(TimeZone::UTC)),
            cached: None,
            short_second: None,
            iso_second: None,
        }
    }

    pub fn utc() -> Clock {
        Clock {
            zone: None,
            cached: None,
            short_second: None,
            iso_second: None,
        }
    }

    /// The seconds of `civil` (a `YYYY-MM-DDTHH:MM:SS` already read and checked),
    /// if it is the one read last.
    pub(crate) fn remembered_iso(&self, civil: &[u8]) -> Option<i64> {
        self.iso_second
            .as_ref()
            .and_then(|(last, seconds)| (last[..] == *civil).then_some(*seconds))
    }

    /// Remember the seconds of a `YYYY-MM-DDTHH:MM:SS` just read.
    pub(crate) fn remember_iso(&mut self, civil: &[u8], seconds: i64) {
        if let Ok(key) = civil.try_into() {
            self.iso_second = Some((key, seconds));
        }
    }

    /// Seconds east of UTC at `unix_seconds`.
    pub fn offset(&mut self, unix_seconds: i64) -> i32 {
        let Some(zone) = &self.zone else {
            return 0;
        };
        let bucket = unix_seconds.div_euclid(OFFSET_BUCKET);
        if let Some((cached, offset)) = self.cached {
            if cached == bucket {
                return offset;
            }
        }
        let offset = Timestamp::from_second(bucket * OFFSET_BUCKET)
            .map(|t| zone.to_offset(t).seconds())
            .unwrap_or(0);
        self.cached = Some((bucket, offset));
        offset
    }

    pub fn civil(&mut self, unix_micros: i64) -> Civil {
        let seconds = unix_micros.div_euclid(1_000_000);
        let micros = unix_micros.rem_euclid(1_000_000) as u32;
        let offset = self.offset(seconds);
        // The calendar through jiff (its range is years -9999 to 9999: beyond it, the
        // nearest instant it has).
        let clamped = seconds.clamp(Timestamp::MIN.as_second(), Timestamp::MAX.as_second());
        let local = jiff::tz::Offset::from_seconds(offset)
            .unwrap_or(jiff::tz::Offset::UTC)
            .to_datetime(Timestamp::from_second(clamped).unwrap_or(Timestamp::UNIX_EPOCH));
        Civil {
            year: i64::from(local.year()),
            month: local.month() as u32,
            day: local.day() as u32,
            hour: local.hour() as u32,
            minute: local.minute() as u32,
            second: local.second() as u32,
            micros,
            offset,
        }
    }

    /// Seconds since the epoch of a calendar time in this clock's zone, through jiff:
    /// in a fold the earlier instant unless `abbreviation` names the later one's zone
    /// (`short-full` writes `CET` or `CEST`), in a gap the instant after it.
    pub fn unix_from_civil(
        &mut self,
        date: (i64, u32, u32),
        time: (u32, u32, u32),
        abbreviation: Option<&[u8]>,
    ) -> Option<i64> {
        let naive = unix_from_utc(date.0, date.1, date.2, time.0, time.1, time.2)?;
        let Some(zone) = &self.zone else {
            return Some(naive);
        };
        let civil = jiff::civil::DateTime::new(
            i16::try_from(date.0).ok()?,
            i8::try_from(date.1).ok()?,
            i8::try_from(date.2).ok()?,
            i8::try_from(time.0).ok()?,
            i8::try_from(time.1).ok()?,
            i8::try_from(time.2).ok()?,
            0,
        )
        .ok()?;
        let ambiguous = zone.to_ambiguous_timestamp(civil);
        if let (jiff::tz::AmbiguousOffset::Fold { after, .. }, Some(name)) =
            (ambiguous.offset(), abbreviation)
        {
            let later = naive - i64::from(after.seconds());
            let info = Timestamp::from_second(later)
                .ok()
                .map(|t| zone.to_offset_info(t));
            if info.is_some_and(|i| i.abbreviation().as_bytes() == name) {
                return Some(later);
            }
        }
        ambiguous.compatible().ok().map(|t| t.as_second())
    }

    /// `Nov 22 10:00:07.903123`: journalctl's `short`, with as many digits of the
    /// second as the time has.
    pub fn write_short(&mut self, out: &mut Vec<u8>, moment: Moment) {
        let second = moment.micros.div_euclid(1_000_000);
        let text = match self.short_second {
            Some((cached, text)) if cached == second => text,
            _ => {
                let c = self.civil(moment.micros);
                let mut text = Vec::with_capacity(15);
                text.extend_from_slice(MONTHS[c.month as usize - 1].as_bytes());
                text.push(b' ');
                push_2(&mut text, c.day);
                text.push(b' ');
                push_2(&mut text, c.hour);
                text.push(b':');
                push_2(&mut text, c.minute);
                text.push(b':');
                push_2(&mut text, c.second);
                let text: [u8; 15] = text.try_into().unwrap_or([b'?'; 15]);
                self.short_second = Some((second, text));
                text
            }
        };
        out.extend_from_slice(&text);
        write_fraction(out, moment);
    }

    /// `2026-11-22T10:00:07+01:00`: journalctl's `short-iso`.
    pub fn write_iso(&mut self, out: &mut Vec<u8>, moment: Moment) {
        let c = self.civil(moment.micros);
        let sign = if c.offset < 0 { '-' } else { '+' };
        let offset = c.offset.unsigned_abs();
        let _ = write!(
            out,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            c.year, c.month, c.day, c.hour, c.minute, c.second,
        );
        write_fraction(out, moment);
        let _ = write!(out, "{sign}{:02}:{:02}", offset / 3600, offset / 60 % 60);
    }
}

/// A time and how many digits of its second the input had: 0 from `short`, 6 from
/// `short-precise` and the journal's own fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moment {
    /// Microseconds since the epoch.
    pub micros: i64,
    /// 0 to 6.
    pub digits: u8,
}

impl Moment {
    /// A journal field's time: microseconds.
    pub fn precise(micros: i64) -> Moment {
        Moment { micros, digits: 6 }
    }
}

/// `.903123`, cut to the moment's digits (nothing for whole seconds).
fn write_fraction(out: &mut Vec<u8>, moment: Moment) {
    if moment.digits == 0 {
        return;
    }
    let mut micros = moment.micros.rem_euclid(1_000_000) as u32;
    let mut digits = [b'0'; 6];
    for d in digits.iter_mut().rev() {
        *d = b'0' + (micros % 10) as u8;
        micros /= 10;
    }
    out.push(b'.');
    out.extend_from_slice(&digits[..usize::from(moment.digits.min(6))]);
}

pub fn month_from_name(name: &[u8]) -> Option<u32> {
    MONTHS
        .iter()
        .position(|m| m.as_bytes().eq_ignore_ascii_case(name))
        .map(|i| i as u32 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn berlin() -> Clock {
        Clock {
            zone: Some(TimeZone::get("Europe/Berlin").unwrap_or(TimeZone::UTC)),
            cached: None,
            short_second: None,
            iso_second: None,
        }
    }

    #[test]
    fn local_and_utc_rendering() {
        // 2026-11-22 09:00:07.903120 UTC
        let t = Moment::precise(1_795_338_007_903_120);
        let mut out = Vec::new();
        Clock::utc().write_iso(&mut out, t);
        assert_eq!(out, b"2026-11-22T09:00:07.903120+00:00");
        out.clear();
        let whole = Moment { digits: 0, ..t };
        Clock::utc().write_iso(&mut out, whole);
        assert_eq!(out, b"2026-11-22T09:00:07+00:00");
        let mut clock = berlin();
        if clock.offset(1_795_338_007) == 3600 {
            out.clear();
            clock.write_iso(&mut out, whole);
            assert_eq!(out, b"2026-11-22T10:00:07+01:00");
            out.clear();
            clock.write_short(&mut out, t);
            assert_eq!(out, b"Nov 22 10:00:07.903120");
            out.clear();
            clock.write_short(&mut out, Moment { digits: 3, ..t });
            assert_eq!(out, b"Nov 22 10:00:07.903");
            out.clear();
            clock.write_short(&mut out, whole);
            assert_eq!(out, b"Nov 22 10:00:07");
            // Summer time.
            assert_eq!(clock.offset(1_782_900_000), 7200);
            assert_eq!(
                clock.unix_from_civil((2026, 11, 22), (10, 0, 7), None),
                Some(1_795_338_007)
            );
            // The fold of 2026-10-25: 02:30 CEST first, 02:30 CET when it says so.
            assert_eq!(
                clock.unix_from_civil((2026, 10, 25), (2, 30, 0), None),
                Some(1_792_888_200)
            );
            assert_eq!(
                clock.unix_from_civil((2026, 10, 25), (2, 30, 0), Some(b"CET")),
                Some(1_792_891_800)
            );
            // The gap of 2026-03-29: 02:30 is read as 03:30 CEST.
            assert_eq!(
                clock.unix_from_civil((2026, 3, 29), (2, 30, 0), None),
                Some(1_774_747_800)
            );
        }
    }
}
