//! The boots of a set of journal files, as `journalctl -b` picks one and
//! `--list-boots` lists them.

use crate::input::journal::file::hex_id;
use crate::input::journal::Boot;
use anyhow::Result;

/// The boot `-b` names: an offset (0 the last, -1 the one before, 1 the first), or
/// an ID with an optional offset from it.
pub fn pick_boot(boots: &[Boot], wanted: &str) -> Result<String> {
    let is_id = |text: &str| text.len() == 32 && text.bytes().all(|b| b.is_ascii_hexdigit());
    let (anchor, offset) = if wanted.len() >= 32 && is_id(&wanted[..32]) {
        let rest = &wanted[32..];
        let offset: i64 = if rest.is_empty() {
            0
        } else {
            rest.parse().map_err(|_| {
                anyhow::anyhow!("-b {wanted:?}: after the boot ID comes an offset such as -1 or +2")
            })?
        };
        let id = wanted[..32].to_ascii_lowercase();
        let at = boots
            .iter()
            .position(|b| hex_id(&b.id) == id)
            .ok_or_else(|| anyhow::anyhow!("-b {wanted}: no entries of boot {id} in the journal files; --list-boots lists theirs"))?;
        (Some(at), offset)
    } else {
        let offset: i64 = wanted
            .parse()
            .map_err(|_| anyhow::anyhow!("-b {wanted:?}: give a boot ID or an offset (0 the last boot, -1 the one before, 1 the first)"))?;
        (None, offset)
    };
    let n = boots.len() as i64;
    let index = match anchor {
        Some(at) => at as i64 + offset,
        None if offset <= 0 => n - 1 + offset,
        None => offset - 1,
    };
    usize::try_from(index)
        .ok()
        .and_then(|i| boots.get(i))
        .map(|b| hex_id(&b.id))
        .ok_or_else(|| {
            anyhow::anyhow!(
                "-b {wanted}: the journal files hold {n} boot{}; --list-boots lists them",
                if n == 1 { "" } else { "s" }
            )
        })
}

/// `--list-boots` as journalctl prints it: index (0 the last boot), ID, and the
/// times of the first and last entries, in local time or UTC.
pub fn boots_table(boots: &[Boot], utc: bool) -> String {
    let zone = if utc {
        jiff::tz::TimeZone::UTC
    } else {
        jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC)
    };
    let when = |micros: u64| {
        jiff::Timestamp::from_microsecond(micros as i64)
            .map(|t| {
                t.to_zoned(zone.clone())
                    .strftime("%a %Y-%m-%d %H:%M:%S %Z")
                    .to_string()
            })
            .unwrap_or_else(|_| "n/a".into())
    };
    let n = boots.len() as i64;
    let rows: Vec<[String; 4]> = boots
        .iter()
        .enumerate()
        .map(|(i, b)| {
            [
                (i as i64 - (n - 1)).to_string(),
                hex_id(&b.id),
                when(b.first),
                when(b.last),
            ]
        })
        .collect();
    let width = |col: usize, title: &str| {
        rows.iter()
            .map(|r| r[col].chars().count())
            .chain([title.len()])
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w2) = (
        width(0, "IDX"),
        width(1, "BOOT ID"),
        width(2, "FIRST ENTRY"),
    );
    let mut out = format!(
        "{:>w0$} {:<w1$} {:<w2$} LAST ENTRY\n",
        "IDX", "BOOT ID", "FIRST ENTRY"
    );
    for [idx, id, first, last] in &rows {
        out.push_str(&format!("{idx:>w0$} {id:<w1$} {first:<w2$} {last}\n"));
    }
    out
}
