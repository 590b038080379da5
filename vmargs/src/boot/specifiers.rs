//! systemd's specifiers (systemd.unit(5), "Specifiers"), as the system manager
//! expands them in a unit's settings.

use std::path::Path;

/// The settings whose values systemd expands specifiers in, of those read here.
pub const SPECIFIED: [&str; 6] = [
    "ExecStart",
    "Environment",
    "EnvironmentFile",
    "User",
    "WorkingDirectory",
    "ReadWritePaths",
];

/// `value` with the specifiers of systemd.unit(5) expanded as the system manager
/// does for the unit file `unit` (its name gives `%n`, `%p`, `%i`...; `%h` is
/// `/root` and `%u` `root` whatever `User=` says). Those only the running host
/// knows (`%H`, `%m`, `%b`, ...) stay as written; their letters are returned.
pub fn expand_specifiers(value: &str, unit: &Path) -> (String, Vec<char>) {
    let full = unit
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = full
        .rsplit_once('.')
        .map_or(full.as_str(), |(s, _)| s)
        .to_string();
    let (prefix, instance) = match stem.split_once('@') {
        Some((p, i)) => (p.to_string(), Some(i.to_string())),
        None => (stem.clone(), None),
    };
    let last = prefix.rsplit('-').next().unwrap_or(&prefix).to_string();
    let mut out = String::with_capacity(value.len());
    let mut unknown = Vec::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(spec) = chars.next() else {
            out.push('%');
            break;
        };
        let known: Option<String> = match spec {
            '%' => Some("%".into()),
            'n' => Some(full.clone()),
            'N' => Some(stem.clone()),
            'p' => Some(prefix.clone()),
            'P' => Some(unescape(&prefix)),
            'i' => Some(instance.clone().unwrap_or_default()),
            'I' => Some(unescape(instance.as_deref().unwrap_or_default())),
            'j' => Some(last.clone()),
            'J' => Some(unescape(&last)),
            'f' => Some(format!(
                "/{}",
                unescape(instance.as_deref().unwrap_or(&prefix))
            )),
            'h' => Some("/root".into()),
            'u' | 'g' => Some("root".into()),
            'U' | 'G' => Some("0".into()),
            's' => Some("/bin/sh".into()),
            't' => Some("/run".into()),
            'S' => Some("/var/lib".into()),
            'C' => Some("/var/cache".into()),
            'L' => Some("/var/log".into()),
            'E' => Some("/etc".into()),
            'T' => Some("/tmp".into()),
            'V' => Some("/var/tmp".into()),
            _ => None,
        };
        match known {
            Some(text) => out.push_str(&text),
            None => {
                out.push('%');
                out.push(spec);
                unknown.push(spec);
            }
        }
    }
    (out, unknown)
}

/// systemd-escape undone: `-` is `/`, `\xNN` a byte.
fn unescape(name: &str) -> String {
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'-' => out.push(b'/'),
            b'\\' if bytes.get(i + 1) == Some(&b'x') => {
                let hex =
                    std::str::from_utf8(bytes.get(i + 2..i + 4).unwrap_or_default()).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 4;
                        continue;
                    }
                    Err(_) => out.push(b'\\'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
