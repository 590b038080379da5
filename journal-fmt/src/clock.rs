//! Time: the journal's microsecond timestamps shown in local time (the `TZ`
//! variable or the system zone, as journalctl does) or UTC, the timestamps of
//! `journalctl -o short*` lines read back, and `--since`/`--until` as journalctl
//! reads them (`2026-11-22 10:00`, `yesterday`, `-1h`, `2h ago`, `@1763800000`).

use jiff::tz::TimeZone;
use jiff::Timestamp;
use relkit_common::time::{unix_from_utc, utc};
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
        }
    }

    pub fn utc() -> Clock {
        Clock {
            zone: None,
            cached: None,
            short_second: None,
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
        let local = (seconds + i64::from(offset)).max(0);
        let (year, month, day, hour, minute, second) = utc(local as u64);
        Civil {
            year,
            month,
            day,
            hour,
            minute,
            second,
            micros,
            offset,
        }
    }

    /// Seconds since the epoch of a calendar time in this clock's zone (the earlier
    /// reading when a change of offset makes it ambiguous).
    pub fn unix_from_civil(&mut self, date: (i64, u32, u32), time: (u32, u32, u32)) -> Option<i64> {
        let naive = unix_from_utc(date.0, date.1, date.2, time.0, time.1, time.2)?;
        let guess = naive - i64::from(self.offset(naive));
        Some(naive - i64::from(self.offset(guess)))
    }

    /// `Nov 22 10:00:07.903`: journalctl's `short`, with milliseconds.
    pub fn write_short(&mut self, out: &mut Vec<u8>, unix_micros: i64) {
        let second = unix_micros.div_euclid(1_000_000);
        let millis = (unix_micros.rem_euclid(1_000_000) / 1000) as u32;
        let text = match self.short_second {
            Some((cached, text)) if cached == second => text,
            _ => {
                let c = self.civil(unix_micros);
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
        out.push(b'.');
        out.push(b'0' + (millis / 100) as u8);
        push_2(out, millis % 100);
    }

    /// `2026-11-22T10:00:07+01:00`: journalctl's `short-iso`.
    pub fn write_iso(&mut self, out: &mut Vec<u8>, unix_micros: i64) {
        let c = self.civil(unix_micros);
        let sign = if c.offset < 0 { '-' } else { '+' };
        let offset = c.offset.unsigned_abs();
        let _ = write!(
            out,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
            c.year,
            c.month,
            c.day,
            c.hour,
            c.minute,
            c.second,
            offset / 3600,
            offset / 60 % 60
        );
    }
}

pub fn month_from_name(name: &[u8]) -> Option<u32> {
    MONTHS
        .iter()
        .position(|m| m.as_bytes().eq_ignore_ascii_case(name))
        .map(|i| i as u32 + 1)
}

/// The microseconds since the epoch `text` names, as journalctl's `--since` reads
/// it: a date and time (`2026-11-22 10:00:00`, seconds and time optional, `T`
/// allowed, a trailing `Z` or `UTC` meaning UTC), a time alone (today), `now`,
/// `today`, `yesterday`, `tomorrow`, `@SECONDS`, or a relative time: `-1h`,
/// `+30min`, `2h 30min ago`.
pub fn parse_time_spec(text: &str, now_micros: i64, clock: &mut Clock) -> Result<i64, String> {
    let spec = text.trim();
    let bad = || {
        format!(
            "cannot read the time {text:?}: use 'YYYY-MM-DD [HH:MM[:SS]]', 'HH:MM[:SS]', \
             'yesterday', 'today', 'now', '-1h', '2h ago' or '@SECONDS'"
        )
    };
    let now_civil = clock.civil(now_micros);
    let today = (now_civil.year, now_civil.month, now_civil.day);
    let midnight = |clock: &mut Clock, days: i64| -> Result<i64, String> {
        let (y, m, d) = today;
        let start = clock
            .unix_from_civil((y, m, d), (0, 0, 0))
            .ok_or_else(bad)?;
        // Through the calendar again, so a day with a change of offset still lands
        // on midnight.
        let (y, m, d, _, _, _) = utc((start + days * 86_400 + 43_200).max(0) as u64);
        clock
            .unix_from_civil((y, m, d), (0, 0, 0))
            .map(|s| s * 1_000_000)
            .ok_or_else(bad)
    };
    match spec {
        "now" => return Ok(now_micros),
        "today" => return midnight(clock, 0),
        "yesterday" => return midnight(clock, -1),
        "tomorrow" => return midnight(clock, 1),
        _ => {}
    }
    if let Some(seconds) = spec.strip_prefix('@') {
        let seconds: f64 = seconds.parse().map_err(|_| bad())?;
        return Ok((seconds * 1e6) as i64);
    }
    if let Some(rest) = spec.strip_prefix('-') {
        return Ok(now_micros - span_micros(rest).ok_or_else(bad)?);
    }
    if let Some(rest) = spec.strip_prefix('+') {
        return Ok(now_micros + span_micros(rest).ok_or_else(bad)?);
    }
    if let Some(rest) = spec.strip_suffix("ago") {
        return Ok(now_micros - span_micros(rest.trim_end()).ok_or_else(bad)?);
    }
    absolute(spec, today, clock).ok_or_else(bad)
}

fn absolute(spec: &str, today: (i64, u32, u32), clock: &mut Clock) -> Option<i64> {
    let (spec, in_utc) = match spec.strip_suffix(" UTC").or_else(|| spec.strip_suffix('Z')) {
        Some(rest) => (rest, true),
        None => (spec, false),
    };
    let (date, time) = match spec.split_once([' ', 'T']) {
        Some((date, time)) => (Some(date), Some(time)),
        None if spec.contains(':') => (None, Some(spec)),
        None => (Some(spec), None),
    };
    let date = match date {
        Some(date) => {
            let mut parts = date.splitn(3, '-');
            let y = parts.next()?.parse().ok()?;
            let m = parts.next()?.parse().ok()?;
            let d = parts.next()?.parse().ok()?;
            (y, m, d)
        }
        None => today,
    };
    let (time, micros) = match time {
        Some(time) => {
            let (hms, frac) = match time.split_once('.') {
                Some((hms, frac)) => (hms, Some(frac)),
                None => (time, None),
            };
            let mut parts = hms.splitn(3, ':');
            let h = parts.next()?.parse().ok()?;
            let mi = parts.next()?.parse().ok()?;
            let s = match parts.next() {
                Some(s) => s.parse().ok()?,
                None => 0,
            };
            let micros = match frac {
                Some(f)
                    if !f.is_empty() && f.len() <= 6 && f.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    format!("{f:0<6}").parse::<i64>().ok()?
                }
                Some(_) => return None,
                None => 0,
            };
            ((h, mi, s), micros)
        }
        None => ((0, 0, 0), 0),
    };
    let seconds = if in_utc {
        unix_from_utc(date.0, date.1, date.2, time.0, time.1, time.2)?
    } else {
        clock.unix_from_civil(date, time)?
    };
    Some(seconds * 1_000_000 + micros)
}

/// `1h 30min`, `90s`, `2 days` as microseconds (systemd.time's units; a month is
/// 30.44 days and a year 365.25, as systemd counts them).
pub fn span_micros(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut total: f64 = 0.0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let number: f64 = rest[..digits].parse().ok()?;
        rest = rest[digits..].trim_start();
        let unit_len = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = rest[unit_len..].trim_start();
        let scale: f64 = match unit {
            "us" | "usec" | "µs" => 1.0,
            "ms" | "msec" => 1e3,
            "" | "s" | "sec" | "secs" | "second" | "seconds" => 1e6,
            "m" | "min" | "mins" | "minute" | "minutes" => 60e6,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3600e6,
            "d" | "day" | "days" => 86_400e6,
            "w" | "week" | "weeks" => 604_800e6,
            "M" | "month" | "months" => 2_629_800e6,
            "y" | "year" | "years" => 31_557_600e6,
            _ => return None,
        };
        total += number * scale;
    }
    Some(total as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn berlin() -> Clock {
        Clock {
            zone: Some(TimeZone::get("Europe/Berlin").unwrap_or(TimeZone::UTC)),
            cached: None,
            short_second: None,
        }
    }

    #[test]
    fn local_and_utc_rendering() {
        // 2026-11-22 09:00:07.903 UTC
        let t = 1_795_338_007_903_000;
        let mut out = Vec::new();
        Clock::utc().write_iso(&mut out, t);
        assert_eq!(out, b"2026-11-22T09:00:07+00:00");
        let mut clock = berlin();
        if clock.offset(1_795_338_007) == 3600 {
            out.clear();
            clock.write_iso(&mut out, t);
            assert_eq!(out, b"2026-11-22T10:00:07+01:00");
            out.clear();
            clock.write_short(&mut out, t);
            assert_eq!(out, b"Nov 22 10:00:07.903");
            // Summer time.
            assert_eq!(clock.offset(1_782_900_000), 7200);
            assert_eq!(
                clock.unix_from_civil((2026, 11, 22), (10, 0, 7)),
                Some(1_795_338_007)
            );
        }
    }

    #[test]
    fn since_and_until_specs() {
        let now = 1_795_338_007_000_000; // Sun 2026-11-22 09:00:07 UTC
        let mut clock = Clock::utc();
        let at = |s: &str, clock: &mut Clock| parse_time_spec(s, now, clock).unwrap();
        assert_eq!(at("-1h", &mut clock), now - 3_600_000_000);
        assert_eq!(at("+30min", &mut clock), now + 1_800_000_000);
        assert_eq!(at("1h 30min ago", &mut clock), now - 5_400_000_000);
        assert_eq!(at("now", &mut clock), now);
        assert_eq!(at("today", &mut clock), 1_795_305_600_000_000);
        assert_eq!(at("yesterday", &mut clock), 1_795_219_200_000_000);
        assert_eq!(at("tomorrow", &mut clock), 1_795_392_000_000_000);
        assert_eq!(at("2026-11-22", &mut clock), 1_795_305_600_000_000);
        assert_eq!(at("2026-11-22 09:00:07", &mut clock), now);
        assert_eq!(at("2026-11-22T09:00", &mut clock), now - 7_000_000);
        assert_eq!(at("09:00:07.5", &mut clock), now + 500_000);
        assert_eq!(at("@1795338007", &mut clock), now);
        let mut berlin = berlin();
        if berlin.offset(1_795_338_007) == 3600 {
            assert_eq!(at("2026-11-22 10:00:07", &mut berlin), now);
            assert_eq!(at("2026-11-22 09:00:07 UTC", &mut berlin), now);
        }
        for bad in ["", "soon", "2026-13-01", "-1 fortnight", "10:xx", "1.2.3"] {
            assert!(parse_time_spec(bad, now, &mut clock).is_err(), "{bad}");
        }
    }
}
