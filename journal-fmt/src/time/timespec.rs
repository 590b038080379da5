//! `--since` and `--until` exactly as journalctl reads them: systemd 252's
//! `parse_timestamp()` with glibc's `strptime()` and `mktime()` underneath, so the two
//! tools select the same entries for the same words, and refuse the same words.
//!
//! The rules, in journalctl's order (see docs/codes.md and the README's time rules):
//!
//! - a last word naming a zone in /usr/share/zoneinfo (`... Europe/Berlin`) reads
//!   the rest in that zone (and then `now`, `@`, `+`, `-` and `ago` are not accepted);
//! - `@SECONDS` (a time span: `@1795338007`, `@1.5`, `@1h`);
//! - `now`, `+SPAN`, `-SPAN`, `SPAN ago`, `SPAN left` (systemd.time spans);
//! - a ` UTC` suffix, or the local zone's own abbreviation (`CET`, `CEST`), which
//!   also says whether summer time is meant;
//! - `today`, `yesterday`, `tomorrow` (midnight);
//! - an optional weekday (`Sat`, `Saturday`), which must be the date's;
//! - `YY-MM-DD HH:MM:SS`, `YYYY-MM-DD HH:MM:SS`, `Mon DD HH:MM:SS` (journalctl's
//!   `short`), `YY-MM-DD HH:MM`, `YYYY-MM-DD HH:MM`, `YY-MM-DD`, `YYYY-MM-DD`,
//!   `HH:MM:SS`, `HH:MM`, tried in that order; seconds may have a fraction.
//!
//! Calendar overflow is normalised as `mktime` does (`2026-02-30` is March 2nd), a
//! local time in a gap or fold gets the instant glibc's `mktime` gives it (which
//! depends on the offset the previous reading found, as in journalctl, so `--since`
//! is read before `--until`), and no `T` between date and time, as journalctl.
//! Offsets, summer time and the calendar come from jiff.

use super::strptime::{strptime, Tm, Zero, FORMATS};
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// journalctl's latest printable time (9999-12-30 23:59:59 UTC), in microseconds.
const FORMATTABLE_MAX: u64 = 253_402_214_399_000_000;
/// systemd's "no end" (`infinity`).
pub const INFINITY: u64 = u64::MAX;

const SECOND: u64 = 1_000_000;

/// Reads time expressions in one zone, remembering, as glibc's `mktime` does, the
/// offset of the last local time it turned into an instant.
pub struct TimeReader {
    zone: TimeZone,
    now: u64,
    mktime_offset: i64,
}

impl TimeReader {
    /// `zone` is the local zone (`TZ`, else the system's); `now` in microseconds.
    pub fn new(zone: TimeZone, now: u64) -> TimeReader {
        TimeReader {
            zone,
            now,
            mktime_offset: 0,
        }
    }

    /// The instant `text` names, in microseconds since the epoch, or why not.
    pub fn read(&mut self, text: &str) -> Result<u64, String> {
        let refused = || {
            format!(
                "cannot read the time {text:?} as journalctl does: use 'YYYY-MM-DD [HH:MM[:SS]]', \
                 'HH:MM[:SS]', 'today', 'yesterday', 'now', '-1h', '2h ago', '@SECONDS', \
                 optionally with a weekday before it and 'UTC' or a zone name after it"
            )
        };
        if let Some(space) = text.rfind(' ') {
            let name = &text[space + 1..];
            if !ends_with_no_case(text, " UTC") {
                if let Some(zone) = zone_named(name) {
                    // journalctl reads these in a child process: a fresh mktime.
                    let (standard, summer) = abbreviations(&zone, self.now);
                    let mut reader = TimeReader::new(zone, self.now);
                    let by_abbreviation = name == standard || name == summer;
                    let rest = if by_abbreviation {
                        text
                    } else {
                        &text[..space]
                    };
                    return reader
                        .read_in_zone(rest, !by_abbreviation)
                        .ok_or_else(refused);
                }
            }
        }
        self.read_in_zone(text, false).ok_or_else(refused)
    }

    /// `parse_timestamp_impl`: `with_zone` when a zone name was cut off the end.
    fn read_in_zone(&mut self, text: &str, with_zone: bool) -> Option<u64> {
        let mut t = text;
        if !with_zone {
            if let Some(span) = t.strip_prefix('@') {
                return parse_span(span);
            }
            if t == "now" {
                return finish(self.now, 0, 0);
            }
            if let Some(span) = t.strip_prefix('+') {
                return finish(self.now, parse_span(span)?, 0);
            }
            if let Some(span) = t.strip_prefix('-') {
                return finish(self.now, 0, parse_span(span)?);
            }
            if let Some(span) = t.strip_suffix(" ago") {
                return finish(self.now, 0, parse_span(span)?);
            }
            if let Some(span) = t.strip_suffix(" left") {
                return finish(self.now, parse_span(span)?, 0);
            }
        }
        let mut utc = false;
        let mut isdst: Option<bool> = None;
        if !with_zone {
            if ends_with_no_case(t, " UTC") {
                t = &t[..t.len() - 4];
                utc = true;
            } else {
                let (standard, summer) = abbreviations(&self.zone, self.now);
                for (j, name) in [standard, summer].iter().enumerate() {
                    if name.is_empty() || t.len() <= name.len() || !ends_with_no_case(t, name) {
                        continue;
                    }
                    let cut = t.len() - name.len();
                    if t.as_bytes()[cut - 1] != b' ' {
                        continue;
                    }
                    t = &t[..cut - 1];
                    isdst = Some(j == 1);
                    break;
                }
            }
        }
        let now_seconds = (self.now / SECOND) as i64;
        let mut tm = if utc {
            Tm::at(now_seconds, 0)?
        } else {
            Tm::at(now_seconds, offset_at(&self.zone, now_seconds)?.0)?
        };
        let mut weekday = None;
        let mut micros = 0u64;
        match t {
            "today" | "yesterday" | "tomorrow" => {
                tm.mday += match t {
                    "yesterday" => -1,
                    "tomorrow" => 1,
                    _ => 0,
                };
                (tm.hour, tm.min, tm.sec) = (0, 0, 0);
            }
            _ => {
                for (name, number) in WEEKDAYS {
                    if starts_with_no_case(t, name) && t.as_bytes().get(name.len()) == Some(&b' ') {
                        weekday = Some(number);
                        t = &t[name.len() + 1..];
                        break;
                    }
                }
                let (read, rest) = FORMATS.iter().find_map(|format| {
                    let mut attempt = tm;
                    let used = strptime(t.as_bytes(), format.pattern, &mut attempt)?;
                    let rest = &t[used..];
                    let done = rest.is_empty() || (format.fraction && rest.starts_with('.'));
                    if format.zero != Zero::Nothing {
                        attempt.sec = 0;
                    }
                    if format.zero == Zero::TimeOfDay {
                        (attempt.hour, attempt.min) = (0, 0);
                    }
                    done.then_some((attempt, rest))
                })?;
                tm = read;
                if let Some(fraction) = rest.strip_prefix('.') {
                    micros = parse_fraction(fraction)?;
                }
            }
        }
        if weekday.is_some_and(|w| w != tm.wday) {
            return None;
        }
        let seconds = if utc {
            tm.requested()? + leap_adjustment(tm.sec)
        } else {
            self.mktime(&tm, isdst)?
        };
        if seconds < 0 {
            return None;
        }
        let at = (seconds as u64).checked_mul(SECOND)?.checked_add(micros)?;
        if at > FORMATTABLE_MAX {
            return None;
        }
        finish(at, 0, 0)
    }

    /// glibc's `mktime`: probe for the instant whose local reading is `tm`, starting
    /// from the offset the last call found; in a gap, the oscillation rule; with a
    /// summer-time flag that the instant does not have, the nearby offset that does.
    fn mktime(&mut self, tm: &Tm, isdst: Option<bool>) -> Option<i64> {
        let requested = tm.requested()?;
        let t0 = requested.checked_add(self.mktime_offset)?;
        let (mut t, mut t1, mut t2) = (t0, t0, t0);
        let mut dst2 = false;
        let mut probes = 6;
        let mut found_dst;
        let gap = loop {
            let (offset, dst) = offset_at(&self.zone, t)?;
            found_dst = dst;
            let dt = requested - (t + i64::from(offset));
            if dt == 0 {
                break false;
            }
            let oscillating = t == t1
                && t != t2
                && match isdst {
                    None => dst2 <= dst,
                    Some(wanted) => wanted != dst,
                };
            if oscillating {
                break true;
            }
            probes -= 1;
            if probes == 0 {
                return None;
            }
            (t1, t2) = (t2, t);
            t += dt;
            dst2 = dst;
        };
        if !gap {
            if let Some(wanted) = isdst.filter(|&wanted| wanted != found_dst) {
                t = self.nearby_with_dst(t, requested, wanted)?;
            }
        }
        self.mktime_offset = t - requested;
        Some(t + leap_adjustment(tm.sec))
    }

    /// The requested reading with the offset of the nearest instant (a week at a
    /// time, up to eight and a half years away) whose summer-time flag is `wanted`.
    fn nearby_with_dst(&self, t: i64, requested: i64, wanted: bool) -> Option<i64> {
        const STRIDE: i64 = 601_200;
        const BOUND: i64 = 536_454_000 / 2 + STRIDE;
        let mut delta = STRIDE;
        while delta < BOUND {
            for direction in [-1, 1] {
                let other = t + delta * direction;
                let (offset, dst) = offset_at(&self.zone, other)?;
                if dst == wanted {
                    let guess = other + (requested - (other + i64::from(offset)));
                    offset_at(&self.zone, guess)?;
                    return Some(guess);
                }
            }
            delta += STRIDE;
        }
        None
    }
}

/// `finish:` in systemd: add and subtract spans, within journalctl's range.
fn finish(at: u64, plus: u64, minus: u64) -> Option<u64> {
    let at = at.checked_add(plus)?;
    if at > FORMATTABLE_MAX {
        return None;
    }
    at.checked_sub(minus)
}

/// `mktime` reads seconds 60 and 61 as 59 and adds the rest back after.
fn leap_adjustment(sec: i64) -> i64 {
    (sec - 59).max(0)
}

/// The offset east of UTC in seconds at `unix_seconds`, and whether it is summer time.
/// Beyond jiff's range (a day short of year 10000 and before year -9999) the nearest
/// instant's offset stands, as the zone's last rule would give.
fn offset_at(zone: &TimeZone, unix_seconds: i64) -> Option<(i32, bool)> {
    let clamped = unix_seconds.clamp(Timestamp::MIN.as_second(), Timestamp::MAX.as_second());
    let at = Timestamp::from_second(clamped).ok()?;
    let info = zone.to_offset_info(at);
    Some((info.offset().seconds(), info.dst().is_dst()))
}

/// glibc's `tzname`: the zone's latest standard-time and summer-time abbreviations
/// (the standard one twice for a zone without summer time).
fn abbreviations(zone: &TimeZone, now: u64) -> (String, String) {
    let Ok(now) = Timestamp::from_second((now / SECOND) as i64) else {
        return (String::new(), String::new());
    };
    let current = zone.to_offset_info(now);
    let mut names: [Option<String>; 2] = [None, None];
    let note = |names: &mut [Option<String>; 2], abbreviation: &str, dst: bool| {
        names[usize::from(dst)].get_or_insert_with(|| abbreviation.to_string());
    };
    note(&mut names, current.abbreviation(), current.dst().is_dst());
    // Transitions ahead first (a zone's rule lists both kinds), then behind.
    for transition in zone.following(now).take(4) {
        note(
            &mut names,
            transition.abbreviation(),
            transition.dst().is_dst(),
        );
    }
    for transition in zone.preceding(now).take(64) {
        if names.iter().all(Option::is_some) {
            break;
        }
        note(
            &mut names,
            transition.abbreviation(),
            transition.dst().is_dst(),
        );
    }
    let [standard, summer] = names;
    let standard = standard.unwrap_or_default();
    let summer = summer.unwrap_or_else(|| standard.clone());
    (standard, summer)
}

/// systemd's `verify_timezone`: a name of letters, digits, `-_+` and single slashes,
/// whose file under /usr/share/zoneinfo is a TZif file.
fn zone_named(name: &str) -> Option<TimeZone> {
    if name == "UTC" {
        return Some(TimeZone::UTC);
    }
    let valid_chars = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'+' | b'/'));
    if name.is_empty()
        || !valid_chars
        || name.starts_with('/')
        || name.ends_with('/')
        || name.contains("//")
    {
        return None;
    }
    let path = std::path::Path::new("/usr/share/zoneinfo").join(name);
    let data = std::fs::read(&path).ok()?;
    if !data.starts_with(b"TZif") {
        return None;
    }
    TimeZone::tzif(name, &data).ok()
}

fn ends_with_no_case(text: &str, suffix: &str) -> bool {
    text.len() >= suffix.len()
        && text.as_bytes()[text.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

fn starts_with_no_case(text: &str, prefix: &str) -> bool {
    text.len() >= prefix.len()
        && text.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

const WEEKDAYS: [(&str, i64); 14] = [
    ("Sunday", 0),
    ("Sun", 0),
    ("Monday", 1),
    ("Mon", 1),
    ("Tuesday", 2),
    ("Tue", 2),
    ("Wednesday", 3),
    ("Wed", 3),
    ("Thursday", 4),
    ("Thu", 4),
    ("Friday", 5),
    ("Fri", 5),
    ("Saturday", 6),
    ("Sat", 6),
];
/// The digits after a seconds' `.`: six are kept, the seventh rounds, the rest are
/// skipped; nothing else may follow.
fn parse_fraction(text: &str) -> Option<u64> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits != text.len() {
        return None;
    }
    let bytes = text.as_bytes();
    let mut value = 0u64;
    for i in 0..6 {
        value = value * 10 + bytes.get(i).map_or(0, |b| u64::from(b - b'0'));
    }
    if bytes.get(6).is_some_and(|b| *b >= b'5') {
        value += 1;
    }
    Some(value)
}

/// systemd's `parse_sec`: a span like `1h 30min`, `90`, `1.5d`, `infinity`, in
/// microseconds (a bare number is seconds; a month is 30.44 days, a year 365.25).
pub fn parse_span(text: &str) -> Option<u64> {
    const UNITS: [(&str, u64); 30] = [
        ("seconds", SECOND),
        ("second", SECOND),
        ("sec", SECOND),
        ("s", SECOND),
        ("minutes", 60 * SECOND),
        ("minute", 60 * SECOND),
        ("min", 60 * SECOND),
        ("months", 2_629_800 * SECOND),
        ("month", 2_629_800 * SECOND),
        ("M", 2_629_800 * SECOND),
        ("msec", 1000),
        ("ms", 1000),
        ("m", 60 * SECOND),
        ("hours", 3600 * SECOND),
        ("hour", 3600 * SECOND),
        ("hr", 3600 * SECOND),
        ("h", 3600 * SECOND),
        ("days", 86_400 * SECOND),
        ("day", 86_400 * SECOND),
        ("d", 86_400 * SECOND),
        ("weeks", 604_800 * SECOND),
        ("week", 604_800 * SECOND),
        ("w", 604_800 * SECOND),
        ("years", 31_557_600 * SECOND),
        ("year", 31_557_600 * SECOND),
        ("y", 31_557_600 * SECOND),
        ("usec", 1),
        ("us", 1),
        ("\u{3bc}s", 1),
        ("\u{b5}s", 1),
    ];
    let whitespace = |s: &str| s.len() - s.trim_start_matches([' ', '\t', '\n', '\r']).len();
    let mut p = &text[whitespace(text)..];
    if let Some(rest) = p.strip_prefix("infinity") {
        return rest
            .trim_start_matches([' ', '\t', '\n', '\r'])
            .is_empty()
            .then_some(INFINITY);
    }
    let mut total = 0u64;
    let mut something = false;
    loop {
        p = &p[whitespace(p)..];
        if p.is_empty() {
            return something.then_some(total);
        }
        if p.starts_with('-') {
            return None;
        }
        // strtoll: an optional sign, then digits.
        let signed = usize::from(p.starts_with('+'));
        let digits = p[signed..].bytes().take_while(u8::is_ascii_digit).count();
        let number_end = signed + digits;
        let whole: u64 = if digits == 0 {
            0
        } else {
            p[signed..number_end]
                .parse::<u64>()
                .ok()
                .filter(|&n| n <= i64::MAX as u64)?
        };
        let fraction = if p[number_end..].starts_with('.') {
            let fraction_digits = p[number_end + 1..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
            Some(&p[number_end + 1..number_end + 1 + fraction_digits])
        } else if digits == 0 {
            return None;
        } else {
            None
        };
        let after = number_end + fraction.map_or(0, |f| 1 + f.len());
        let unit_start = after + whitespace(&p[after..]);
        let (multiplier, unit_len) = UNITS
            .iter()
            .find(|(suffix, _)| p[unit_start..].starts_with(suffix))
            .map_or((SECOND, 0), |&(suffix, m)| (m, suffix.len()));
        if unit_len == 0 && unit_start == after && unit_start < p.len() {
            return None;
        }
        let next = if unit_len == 0 {
            unit_start
        } else {
            unit_start + unit_len
        };
        if whole >= INFINITY / multiplier {
            return None;
        }
        let part = whole * multiplier;
        if part >= INFINITY - total {
            return None;
        }
        total += part;
        something = true;
        if let Some(fraction) = fraction {
            if fraction.is_empty() {
                return None;
            }
            let mut m = multiplier / 10;
            for digit in fraction.bytes() {
                let part = u64::from(digit - b'0') * m;
                if part >= INFINITY - total {
                    return None;
                }
                total += part;
                m /= 10;
            }
        }
        p = &p[next..];
    }
}

#[cfg(test)]
mod tests;
