//! `--since`/`--until` readings, beside the ones journalctl gives.

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
