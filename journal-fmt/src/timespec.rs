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

struct TimeFormat {
    pattern: &'static str,
    /// Whether `.FRACTION` may follow.
    fraction: bool,
    /// What the format does not give is zero from the right (seconds, or the whole
    /// time of day); the rest is now's.
    zero: Zero,
}

#[derive(Clone, Copy, PartialEq)]
enum Zero {
    Nothing,
    Seconds,
    TimeOfDay,
}

const fn format(pattern: &'static str, fraction: bool, zero: Zero) -> TimeFormat {
    TimeFormat {
        pattern,
        fraction,
        zero,
    }
}

const FORMATS: [TimeFormat; 9] = [
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
struct Tm {
    year: i64,
    /// 0-11.
    mon: i64,
    mday: i64,
    hour: i64,
    min: i64,
    sec: i64,
    /// 0 is Sunday.
    wday: i64,
}

impl Tm {
    /// `localtime_r` (or `gmtime_r` with offset 0), through jiff.
    fn at(unix_seconds: i64, offset: i32) -> Option<Tm> {
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
    fn requested(&self) -> Option<i64> {
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
fn first_of_month(year: i64, mon: i64) -> Option<jiff::civil::Date> {
    jiff::civil::Date::new(i16::try_from(year).ok()?, i8::try_from(mon + 1).ok()?, 1).ok()
}

const MONTH_NAMES: [&str; 12] = [
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

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// glibc's `strptime` in the C locale for `%y %Y %m %d %H %M %S %b`, spaces and
/// literal characters: how many bytes it read, or `None` when the input does not fit.
fn strptime(input: &[u8], pattern: &str, tm: &mut Tm) -> Option<usize> {
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
mod tests {
    use super::*;

    // Sun 2026-11-22 09:00:07 UTC.
    const NOW: u64 = 1_795_338_007_000_000;

    fn zone(name: &str) -> Option<TimeZone> {
        zone_named(name)
    }

    fn at(text: &str, zone: &TimeZone) -> Result<u64, String> {
        TimeReader::new(zone.clone(), NOW).read(text)
    }

    #[test]
    fn spans_as_systemd_reads_them() {
        assert_eq!(parse_span("1h 30min"), Some(5_400 * SECOND));
        assert_eq!(parse_span("90"), Some(90 * SECOND));
        assert_eq!(parse_span("1.5d"), Some(129_600 * SECOND));
        assert_eq!(parse_span("2 h"), Some(7_200 * SECOND));
        assert_eq!(parse_span("5 6"), Some(11 * SECOND));
        assert_eq!(parse_span("+5min"), Some(300 * SECOND));
        assert_eq!(parse_span("infinity"), Some(INFINITY));
        for bad in ["", "5mins", "1.2.3", "-1h", "3.s", "1 fortnight", "h"] {
            assert_eq!(parse_span(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn dates_times_and_words_in_utc() {
        let utc = TimeZone::UTC;
        let read = |text| at(text, &utc);
        assert_eq!(read("now"), Ok(NOW));
        assert_eq!(read("-1h"), Ok(NOW - 3_600 * SECOND));
        assert_eq!(read("2h 30min ago"), Ok(NOW - 9_000 * SECOND));
        assert_eq!(read("today"), Ok(1_795_305_600 * SECOND));
        assert_eq!(read("yesterday"), Ok(1_795_219_200 * SECOND));
        assert_eq!(read("2026-11-22 09:00:07"), Ok(NOW));
        assert_eq!(read("26-11-22 09:00:07.5"), Ok(NOW + 500_000));
        assert_eq!(read("Sun 2026-11-22 09:00:07"), Ok(NOW));
        assert_eq!(read("sunday 2026-11-22 09:00:07"), Ok(NOW));
        assert!(read("Sat 2026-11-22 09:00:07").is_err());
        assert_eq!(read("Nov 22 09:00:07"), Ok(NOW));
        assert_eq!(read("09:00:07"), Ok(NOW));
        assert_eq!(read("@1795338007"), Ok(NOW));
        // Calendar overflow, as mktime.
        assert_eq!(read("2026-02-30"), read("2026-03-02"));
        for bad in [
            "2026-11-22T09:00",
            "2026-13-01",
            "2026-11-22 ",
            "soon",
            "",
            "1969-12-31",
        ] {
            assert!(read(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn gaps_folds_and_zone_names_as_glibc() {
        let Some(berlin) = zone("Europe/Berlin") else {
            return;
        };
        // 02:30 on 2026-03-29 does not exist in Berlin: glibc gives 03:30 CEST.
        assert_eq!(at("2026-03-29 02:30", &berlin), Ok(1_774_747_800 * SECOND));
        // 02:30 on 2026-10-25 happens twice: the later (CET) one, from a fresh offset.
        assert_eq!(at("2026-10-25 02:30", &berlin), Ok(1_792_891_800 * SECOND));
        assert_eq!(
            at("2026-07-01 12:00 CEST", &berlin),
            Ok(1_782_900_000 * SECOND)
        );
        assert_eq!(
            at("2026-07-01 12:00 CET", &berlin),
            Ok(1_782_903_600 * SECOND)
        );
        assert_eq!(
            at("2026-07-01 12:00 America/New_York", &berlin),
            Ok(1_782_921_600 * SECOND)
        );
        assert!(at("now Europe/Berlin", &berlin).is_err());
        assert_eq!(
            at("2026-07-01 10:00 UTC", &berlin),
            Ok(1_782_900_000 * SECOND)
        );
    }
}
