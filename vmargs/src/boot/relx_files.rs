//! What relx's start script does with files before it execs erl, done in memory:
//! its awk `${VAR}` substitution, where the rendered file goes, the `-name` check
//! over the `-args_file` chain, and its greps of vm.args; with the value helpers
//! the relx modules share.

use super::mix::SetBy;
use relkit_common::shell::Value;
use std::path::{Path, PathBuf};

/// The environment the script sees: the given one, then what it exports itself.
pub struct Env {
    pub vars: Vec<(String, Value, bool, SetBy)>,
}

impl Env {
    /// The environment the script is started in: every variable exported.
    pub fn given(env: &[(String, String)]) -> Env {
        Env {
            vars: env
                .iter()
                .map(|(n, v)| (n.clone(), k(v), true, SetBy::Environment))
                .collect(),
        }
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.vars
            .iter()
            .rev()
            .find(|(n, ..)| n == name)
            .map(|(_, v, ..)| v)
    }

    /// `"$NAME"` as a test: set and not empty.
    pub fn non_empty(&self, name: &str) -> Option<&Value> {
        self.get(name).filter(|v| !v.text.is_empty())
    }

    pub fn set(&mut self, name: &str, value: Value, exported: bool, by: SetBy) {
        let exported = exported || self.vars.iter().any(|(n, _, e, _)| n == name && *e);
        self.vars.retain(|(n, ..)| n != name);
        self.vars.push((name.into(), value, exported, by));
    }

    /// awk's `ENVIRON[name]`: exported values only.
    pub fn environ(&self, name: &str) -> Option<&Value> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _, e, _)| n == name && *e)
            .map(|(_, v, ..)| v)
    }
}

pub(super) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// `make_out_file_path`: the file's own directory (or `RELX_OUT_FILE_PATH` when it
/// is one), its last extension cut by awk's `sub(/\.[^.]+$/, "")` on the whole path
/// and put back (with the node's name before it under `RELX_MULTI_NODE`).
pub(super) fn out_path(path: &Path, env: &Env) -> PathBuf {
    let text = path.display().to_string();
    let (dir, file) = match text.rsplit_once('/') {
        Some(("", f)) => ("/".to_string(), f.to_string()),
        Some((d, f)) => (d.to_string(), f.to_string()),
        None => (".".to_string(), text.clone()),
    };
    let dir = match env.non_empty("RELX_OUT_FILE_PATH") {
        Some(d) if Path::new(&d.text).is_dir() => d.text.clone(),
        _ => dir,
    };
    let full = if dir.ends_with('/') {
        format!("{dir}{file}")
    } else {
        format!("{dir}/{file}")
    };
    let prefix = match full.rfind('.') {
        Some(at) if at + 1 < full.len() => full[..at].to_string(),
        _ => full.clone(),
    };
    let suffix = match file.rsplit_once('.') {
        Some((_, s)) => s.to_string(),
        None => String::new(),
    };
    match env.non_empty("RELX_MULTI_NODE") {
        Some(_) => {
            let name = env.get("NAME").map(|v| v.text.clone()).unwrap_or_default();
            PathBuf::from(format!("{prefix}.{name}.{suffix}"))
        }
        None => PathBuf::from(format!("{prefix}.{suffix}")),
    }
}

/// The script's awk `replace_os_vars`: on each line, the leftmost `${...}` is looked
/// up (`${VAR:-default}` falls back when VAR is empty) and every copy of it in the
/// line replaced, until none is left. Values awk's `gsub` would read specially
/// (`&`, `\`, pattern characters in the name) are refused as not modelled.
pub(crate) fn replace_os_vars(
    text: &str,
    environ: &dyn Fn(&str) -> Option<Value>,
) -> Result<String, String> {
    substitute(text, environ, true)
}

/// Distillery's awk `_replace_os_vars`: relx's loop without defaults (`${VAR:-x}`
/// looks up a variable named `VAR:-x`, which is never set, so it becomes empty).
pub(crate) fn replace_os_vars_distillery(
    text: &str,
    environ: &dyn Fn(&str) -> Option<Value>,
) -> Result<String, String> {
    substitute(text, environ, false)
}

fn substitute(
    text: &str,
    environ: &dyn Fn(&str) -> Option<Value>,
    defaults: bool,
) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let body = text.strip_suffix('\n').unwrap_or(text);
    if text.is_empty() {
        return Ok(out);
    }
    for line in body.split('\n') {
        let mut line = line.to_string();
        let mut rounds = 0;
        while let Some(start) = line.find("${") {
            let Some(len) = line[start + 2..].find('}') else {
                break;
            };
            rounds += 1;
            if rounds > 1000 || line.len() > 1 << 20 {
                return Err(
                    "the script's awk substitution never ends on this text (a value names itself)"
                        .into(),
                );
            }
            let var = line[start + 2..start + 2 + len].to_string();
            if var.contains(['*', '+', '?', '(', ')', '[', ']', '^', '$', '|', '\\', '{']) {
                return Err(format!(
                    "`${{{var}}}` holds characters awk reads as a pattern: not modelled"
                ));
            }
            let (name, default) = match var.split_once(":-").filter(|_| defaults) {
                Some((n, d)) => (n, Some(d)),
                None => (var.as_str(), None),
            };
            let value = match environ(name) {
                Some(v) if !v.is_known() => {
                    return Err(format!(
                        "${{{name}}} is not known here ({})",
                        v.unknown.join("; ")
                    ))
                }
                Some(v) => v.text,
                None => String::new(),
            };
            let with = match default {
                Some(d) if value.is_empty() => d.to_string(),
                _ => value,
            };
            if with.contains('\\') || (default.is_some() && with.contains('&')) {
                return Err(format!("the value for `${{{var}}}` holds `\\` or `&`, which awk's gsub reads specially: not modelled"));
            }
            line = line.replace(&format!("${{{var}}}"), &with);
        }
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}

/// The script's awk check: exactly one line starting `-name ` or `-sname ` over
/// vm.args and the files its `-args_file` lines name; that line, or why the script
/// stops.
pub(crate) fn name_line(
    top: &Path,
    read: &dyn Fn(&Path) -> Option<Vec<u8>>,
) -> Result<String, String> {
    let Some(bytes) = read(top) else {
        return Err(format!(
            "{}: awk cannot open the vm.args file",
            top.display()
        ));
    };
    let mut seen = vec![top.display().to_string()];
    let mut name: Option<String> = None;
    check_names(&bytes, top, read, &mut seen, &mut name, 0)?;
    name.ok_or_else(|| {
        "need to have exactly one of either -name or -sname parameters but none found".into()
    })
}

fn check_names(
    bytes: &[u8],
    file: &Path,
    read: &dyn Fn(&Path) -> Option<Vec<u8>>,
    seen: &mut Vec<String>,
    name: &mut Option<String>,
    depth: usize,
) -> Result<(), String> {
    if depth > 64 {
        return Err("-args_file nests too deep".into());
    }
    let text = String::from_utf8_lossy(bytes);
    let body = text.strip_suffix('\n').unwrap_or(&text);
    for line in body.split('\n') {
        if let Some(rest) = strip_flag(line, "-args_file") {
            let nested = rest.trim_end_matches(' ').to_string();
            if seen.contains(&nested) {
                return Err(format!(
                    "circular reference to {nested} encountered in {}",
                    file.display()
                ));
            }
            seen.push(nested.clone());
            if let Some(b) = read(Path::new(&nested)) {
                check_names(&b, Path::new(&nested), read, seen, name, depth + 1)?;
            }
        } else if strip_flag(line, "-name").is_some() || strip_flag(line, "-sname").is_some() {
            if let Some(first) = name {
                return Err(format!(
                    "\"{line}\" parameter found in {} but already specified as \"{first}\"",
                    file.display()
                ));
            }
            *name = Some(line.to_string());
        }
    }
    Ok(())
}

/// What follows `^FLAG +` on a line.
fn strip_flag<'a>(line: &'a str, flag: &str) -> Option<&'a str> {
    let rest = line.strip_prefix(flag)?;
    rest.starts_with(' ').then(|| rest.trim_start_matches(' '))
}

/// `grep '^FLAG' FILE`: the lines that start with it.
pub(super) fn grep_lines(bytes: &Option<Vec<u8>>, flag: &str) -> Vec<String> {
    let Some(bytes) = bytes else {
        return Vec::new();
    };
    String::from_utf8_lossy(bytes)
        .lines()
        .filter(|l| l.starts_with(flag))
        .map(str::to_string)
        .collect()
}

pub(super) fn k(text: impl Into<String>) -> Value {
    Value::known(text)
}

pub(super) fn join(parts: &[&Value]) -> Value {
    let mut text = String::new();
    let mut unknown: Vec<String> = Vec::new();
    for p in parts {
        text.push_str(&p.text);
        for why in &p.unknown {
            if !unknown.contains(why) {
                unknown.push(why.clone());
            }
        }
    }
    Value { text, unknown }
}

/// `sort -V`'s order, as the script compares ERTS versions.
pub(super) fn version_at_least(version: &str, least: &str) -> bool {
    let parts = |v: &str| -> Vec<u64> { v.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
    parts(version) >= parts(least)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<Value> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| Value::known(*v))
        }
    }

    #[test]
    fn substitution_is_the_awk_loop() {
        let e = [("HOST", "10.0.0.1"), ("EMPTY", ""), ("SELF", "${SELF}")];
        let f = env(&e);
        assert_eq!(
            replace_os_vars("-name a@${HOST}\n-x ${HOST} ${HOST}", &f).unwrap(),
            "-name a@10.0.0.1\n-x 10.0.0.1 10.0.0.1\n"
        );
        assert_eq!(replace_os_vars("${NONE}x\n", &f).unwrap(), "x\n");
        assert_eq!(replace_os_vars("${EMPTY:-d:-e}\n", &f).unwrap(), "d:-e\n");
        assert_eq!(replace_os_vars("${HOST:-d}\n", &f).unwrap(), "10.0.0.1\n");
        assert_eq!(replace_os_vars("${open\n", &f).unwrap(), "${open\n");
        assert!(replace_os_vars("${SELF}\n", &f).is_err());
        assert_eq!(replace_os_vars("", &f).unwrap(), "");
        // Distillery's awk has no defaults: `${HOST:-d}` names a variable never set.
        assert_eq!(
            replace_os_vars_distillery("${HOST:-d}x\n", &f).unwrap(),
            "x\n"
        );
        assert_eq!(
            replace_os_vars_distillery("a ${HOST}\n", &f).unwrap(),
            "a 10.0.0.1\n"
        );
    }

    #[test]
    fn out_path_cuts_the_last_extension() {
        let e = Env { vars: Vec::new() };
        assert_eq!(
            out_path(Path::new("/r/releases/1/vm.args"), &e),
            PathBuf::from("/r/releases/1/vm.args")
        );
        assert_eq!(
            out_path(Path::new("/r/a.b/vmargs"), &e),
            PathBuf::from("/r/a.")
        );
    }

    #[test]
    fn the_name_check_is_exactly_one() {
        let files = |p: &Path| -> Option<Vec<u8>> {
            match p.to_str()? {
                "/top" => Some(b"-sname a\n-args_file /nested\n".to_vec()),
                "/nested" => Some(b"-name b@h\n".to_vec()),
                "/loop" => Some(b"-args_file /loop\n".to_vec()),
                "/none" => Some(b"+K true\n-sname\n".to_vec()),
                _ => None,
            }
        };
        assert!(name_line(Path::new("/top"), &files)
            .unwrap_err()
            .contains("already specified as \"-sname a\""));
        assert!(name_line(Path::new("/loop"), &files)
            .unwrap_err()
            .contains("circular"));
        assert!(name_line(Path::new("/none"), &files)
            .unwrap_err()
            .contains("none found"));
        assert_eq!(
            name_line(Path::new("/nested"), &files).unwrap(),
            "-name b@h"
        );
    }
}
