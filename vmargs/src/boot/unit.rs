//! A systemd service unit, read for what decides a release's boot: `ExecStart=`
//! (which command of the start script runs), `Environment=` and `EnvironmentFile=`
//! (the `RELEASE_*` variables), `User=` (whose `HOME` erl falls back to), `Type=`,
//! `Restart=`, `WorkingDirectory=`, `ProtectSystem=` and `ReadWritePaths=`. The unit
//! file and its drop-ins (`FILE.d/*.conf`, in name order) are read with systemd's
//! rules (systemd.syntax(7): `#`/`;` comments, `\` continuations, quoting with C
//! escapes; systemd.exec(5) for the environment).

use super::specifiers::{expand_specifiers, SPECIFIED};
use relkit_common::syntax::{Position, SyntaxError};
use std::path::{Path, PathBuf};

/// Where a setting was read: the file and its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub file: PathBuf,
    pub line: usize,
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// A setting's value and where it was set (the last assignment wins).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub value: String,
    pub at: Place,
}

#[derive(Debug, Clone, Default)]
pub struct Unit {
    pub path: PathBuf,
    /// `ExecStart=` commands, unquoted, with their prefixes (`-`, `@`, `+`, ...).
    pub exec_start: Vec<(Vec<String>, String, Place)>,
    /// `Environment=` assignments in order (a later one wins).
    pub environment: Vec<(String, String, Place)>,
    /// `EnvironmentFile=` paths: the path, whether `-` made it optional.
    pub environment_files: Vec<(String, bool, Place)>,
    pub service_type: Option<Setting>,
    pub restart: Option<Setting>,
    pub user: Option<Setting>,
    pub working_directory: Option<Setting>,
    pub protect_system: Option<Setting>,
    pub private_tmp: Option<Setting>,
    pub read_write_paths: Vec<(String, Place)>,
    /// What the unit leaves unknown here (a specifier such as `%H`).
    pub notes: Vec<String>,
}

/// Read a unit's text (named `path` in errors), without drop-ins.
pub fn parse(path: &Path, bytes: &[u8]) -> anyhow::Result<Unit> {
    let mut unit = Unit {
        path: path.to_path_buf(),
        ..Unit::default()
    };
    read_into(&mut unit, path, bytes)?;
    Ok(unit)
}

/// Read `path` and its drop-ins.
pub fn read(path: &Path) -> anyhow::Result<Unit> {
    let mut unit = Unit {
        path: path.to_path_buf(),
        ..Unit::default()
    };
    let text = std::fs::read(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    read_into(&mut unit, path, &text)?;
    let dropins = PathBuf::from(format!("{}.d", path.display()));
    if let Ok(entries) = std::fs::read_dir(&dropins) {
        let mut confs: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "conf"))
            .collect();
        confs.sort();
        for conf in confs {
            let text =
                std::fs::read(&conf).map_err(|e| anyhow::anyhow!("{}: {e}", conf.display()))?;
            read_into(&mut unit, &conf, &text)?;
        }
    }
    let oneshot = unit
        .service_type
        .as_ref()
        .is_some_and(|t| t.value == "oneshot");
    if let (Some((_, _, at)), false) = (unit.exec_start.get(1), oneshot) {
        anyhow::bail!(
            "{}: a second ExecStart=: systemd refuses the service (only Type=oneshot may have several; in a drop-in, an empty ExecStart= first resets the list)",
            at
        );
    }
    Ok(unit)
}

/// The logical lines of a unit file: continuations joined (the backslash becomes a
/// space), comments dropped; each with the line it starts on.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if pending.is_some() && (line.starts_with('#') || line.starts_with(';')) {
            continue;
        }
        if pending.is_none() && (line.is_empty() || line.starts_with('#') || line.starts_with(';'))
        {
            continue;
        }
        let (start, mut joined) = pending.take().unwrap_or((n + 1, String::new()));
        if let Some(body) = line.strip_suffix('\\') {
            joined.push_str(body);
            joined.push(' ');
            pending = Some((start, joined));
        } else {
            joined.push_str(line);
            out.push((start, joined));
        }
    }
    if let Some(last) = pending {
        out.push(last);
    }
    out
}

fn read_into(unit: &mut Unit, file: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = Position::of_offset(bytes, e.valid_up_to());
        anyhow::anyhow!(
            "{}",
            SyntaxError::new(at, "not UTF-8: systemd refuses the file").in_file(file)
        )
    })?;
    let mut section = String::new();
    for (line, content) in logical_lines(text) {
        let at = Place {
            file: file.to_path_buf(),
            line,
        };
        let fail = |column: usize, message: &str| {
            anyhow::anyhow!(
                "{}",
                SyntaxError::new(Position::new(line, column), message).in_file(file)
            )
        };
        if let Some(name) = content.strip_prefix('[') {
            let Some(name) = name.strip_suffix(']') else {
                return Err(fail(1, "a section header without its `]`"));
            };
            section = name.to_string();
            continue;
        }
        let Some((key, value)) = content.split_once('=') else {
            return Err(fail(
                1,
                "a line without `=`: systemd ignores it with \"Missing '='\"; write KEY=VALUE",
            ));
        };
        if section.is_empty() {
            return Err(fail(
                1,
                "an assignment outside of any section: put it under [Service]",
            ));
        }
        if section != "Service" {
            continue;
        }
        let key = key.trim();
        let value = value.trim_start().to_string();
        // Specifiers are expanded in the settings that take them (systemd.unit(5)).
        let value = if SPECIFIED.contains(&key) {
            let (expanded, unknown) = expand_specifiers(&value, &unit.path);
            for spec in unknown {
                unit.notes.push(format!("{at}: %{spec} is left as written: it is only known on the host the unit runs on"));
            }
            expanded
        } else {
            value
        };
        match key {
            "ExecStart" => {
                if value.is_empty() {
                    unit.exec_start.clear();
                    continue;
                }
                let prefix: String = value.chars().take_while(|c| "@-:+!".contains(*c)).collect();
                let words = unquote(&value[prefix.len()..])
                    .map_err(|(col, m)| fail(key.len() + 1 + prefix.len() + col, &m))?;
                unit.exec_start.push((words, prefix, at));
            }
            "Environment" => {
                if value.is_empty() {
                    unit.environment.clear();
                    continue;
                }
                let items = unquote(&value).map_err(|(col, m)| fail(key.len() + 1 + col, &m))?;
                for item in items {
                    match item.split_once('=') {
                        Some((name, v)) if is_env_name(name) => {
                            unit.environment
                                .push((name.to_string(), v.to_string(), at.clone()))
                        }
                        _ => {
                            return Err(fail(
                                key.len() + 2,
                                &format!("{item:?} is not NAME=VALUE: systemd ignores it"),
                            ))
                        }
                    }
                }
            }
            "EnvironmentFile" => {
                if value.is_empty() {
                    unit.environment_files.clear();
                    continue;
                }
                let (optional, path) = match value.strip_prefix('-') {
                    Some(p) => (true, p.to_string()),
                    None => (false, value.clone()),
                };
                unit.environment_files.push((path, optional, at));
            }
            "Type" => unit.service_type = Some(Setting { value, at }),
            "Restart" => unit.restart = Some(Setting { value, at }),
            "User" => unit.user = Some(Setting { value, at }),
            "WorkingDirectory" => unit.working_directory = Some(Setting { value, at }),
            "ProtectSystem" => unit.protect_system = Some(Setting { value, at }),
            "PrivateTmp" => unit.private_tmp = Some(Setting { value, at }),
            "ReadWritePaths" => {
                if value.is_empty() {
                    unit.read_write_paths.clear();
                }
                for path in value.split_whitespace() {
                    unit.read_write_paths
                        .push((path.trim_start_matches(['-', '+']).to_string(), at.clone()));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn is_env_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Split a value into items as systemd does (systemd.syntax(7), "Quoting"):
/// whitespace separates items; quotes join what they hold into the item and, as
/// systemd's parser does in practice (checked with `systemd-analyze verify`), may
/// stand anywhere in it (`a"b c"d` is `ab cd`); C escapes everywhere. Errors:
/// (column, message).
pub fn unquote(value: &str) -> Result<Vec<String>, (usize, String)> {
    let chars: Vec<char> = value.chars().collect();
    let mut items = Vec::new();
    let mut item: Option<String> = None;
    let mut quote: Option<(char, usize)> = None;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if quote.is_none() && c.is_whitespace() {
            items.extend(item.take());
            i += 1;
            continue;
        }
        let current = item.get_or_insert_with(String::new);
        match (c, quote) {
            ('\\', _) => {
                let (ch, used) = escape(&chars[i + 1..]).ok_or((
                    i + 1,
                    "an unknown escape: systemd ignores the setting (double the backslash)"
                        .to_string(),
                ))?;
                current.push(ch);
                i += 1 + used;
                continue;
            }
            ('"' | '\'', None) => quote = Some((c, i)),
            (q, Some((open, _))) if q == open => quote = None,
            _ => current.push(c),
        }
        i += 1;
    }
    if let Some((_, at)) = quote {
        return Err((
            at + 1,
            "an unterminated quote: systemd ignores the setting".into(),
        ));
    }
    items.extend(item);
    Ok(items)
}

/// A C escape after its backslash: the character and how many characters it used.
fn escape(rest: &[char]) -> Option<(char, usize)> {
    let first = *rest.first()?;
    let simple = match first {
        'a' => Some('\u{7}'),
        'b' => Some('\u{8}'),
        'f' => Some('\u{c}'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'v' => Some('\u{b}'),
        's' => Some(' '),
        '\\' | '"' | '\'' => Some(first),
        _ => None,
    };
    if let Some(c) = simple {
        return Some((c, 1));
    }
    let number = |digits: usize, radix: u32, skip: usize| -> Option<(char, usize)> {
        let text: String = rest.get(skip..skip + digits)?.iter().collect();
        let n = u32::from_str_radix(&text, radix).ok()?;
        Some((char::from_u32(n)?, skip + digits))
    };
    match first {
        'x' => number(2, 16, 1),
        'u' => number(4, 16, 1),
        'U' => number(8, 16, 1),
        '0'..='7' => number(3, 8, 0),
        _ => None,
    }
}

/// The variables of an environment file (systemd.exec(5), `EnvironmentFile=`).
pub fn environment_file(text: &str) -> Vec<(String, String)> {
    let mut vars = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        // One assignment: skip blank space, comments and lines without `=`.
        while i < chars.len() && matches!(chars[i], ' ' | '\t' | '\r' | '\n') {
            i += 1;
        }
        if i >= chars.len() {
            break;
        }
        if matches!(chars[i], '#' | ';') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        let key_start = i;
        while i < chars.len() && !matches!(chars[i], '=' | '\n') {
            i += 1;
        }
        if chars.get(i) != Some(&'=') {
            continue;
        }
        let key: String = chars[key_start..i]
            .iter()
            .collect::<String>()
            .trim()
            .to_string();
        i += 1;
        while i < chars.len() && matches!(chars[i], ' ' | '\t') {
            i += 1;
        }
        let mut value = String::new();
        match chars.get(i) {
            Some('\'') => {
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    value.push(chars[i]);
                    i += 1;
                }
                i += 1;
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            Some('"') => {
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' && i + 1 < chars.len() {
                        match chars[i + 1] {
                            '\n' => {}
                            c @ ('"' | '\\' | '`' | '$') => value.push(c),
                            c => {
                                value.push('\\');
                                value.push(c);
                            }
                        }
                        i += 2;
                        continue;
                    }
                    value.push(chars[i]);
                    i += 1;
                }
                i += 1;
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            _ => {
                while i < chars.len() && chars[i] != '\n' {
                    if chars[i] == '\\' && i + 1 < chars.len() {
                        if chars[i + 1] != '\n' {
                            value.push(chars[i + 1]);
                        }
                        i += 2;
                        continue;
                    }
                    value.push(chars[i]);
                    i += 1;
                }
                let trimmed = value.trim_end_matches([' ', '\t', '\r']).len();
                value.truncate(trimmed);
            }
        }
        if is_env_name(&key) {
            vars.push((key, value));
        }
    }
    vars
}

/// The home directory of `user` in `/etc/passwd` (under `root`).
pub fn home_of(user: &str, root: &Path) -> Option<String> {
    let passwd = std::fs::read_to_string(root.join("etc/passwd")).ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.len() >= 6 && (fields[0] == user || fields[2] == user))
            .then(|| fields[5].to_string())
    })
}

/// The environment the unit gives its processes (what the boot starts from):
/// `Environment=`, then `EnvironmentFile=` (which wins), `HOME`/`USER`/`LOGNAME`
/// for `User=`, and systemd's default `PATH`. Notes say what could not be read.
pub fn environment(unit: &Unit, notes: &mut Vec<String>) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = vec![(
        "PATH".into(),
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
    )];
    let set = |env: &mut Vec<(String, String)>, name: &str, value: &str| {
        env.retain(|(n, _)| n != name);
        env.push((name.to_string(), value.to_string()));
    };
    notes.extend(unit.notes.iter().cloned());
    if let Some(user) = &unit.user {
        let name = user.value.clone();
        match home_of(&name, Path::new("/")) {
            Some(home) => set(&mut env, "HOME", &home),
            None => notes.push(format!(
                "{}: User={name} is not in this host's /etc/passwd: its HOME is not known here",
                user.at
            )),
        }
        set(&mut env, "USER", &name);
        set(&mut env, "LOGNAME", &name);
    }
    for (name, value, _) in &unit.environment {
        set(&mut env, name, value);
    }
    for (path, optional, at) in &unit.environment_files {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                for (name, value) in environment_file(&text) {
                    set(&mut env, &name, &value);
                }
            }
            Err(e) if *optional => notes.push(format!("{at}: EnvironmentFile=-{path}: {e} (optional, so systemd goes on without it)")),
            Err(e) => notes.push(format!("{at}: EnvironmentFile={path}: {e}: systemd refuses to start the service without it")),
        }
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_as_systemd_syntax_describes_it() {
        assert_eq!(
            unquote(r#""VAR1=word1 word2" VAR2=word3 "VAR3=$word 5 6""#).unwrap(),
            ["VAR1=word1 word2", "VAR2=word3", "VAR3=$word 5 6"]
        );
        assert_eq!(unquote(r"a\sb c\x41 \\").unwrap(), ["a b", "cA", "\\"]);
        assert_eq!(unquote(r#"a"b c"d 'x'"#).unwrap(), ["ab cd", "x"]);
        assert!(unquote("\"open").is_err());
        assert!(unquote(r"a\qb").is_err());
    }

    #[test]
    fn environment_files_as_systemd_exec_describes_them() {
        let vars = environment_file(
            "# comment\n; also\nA=plain value  \nB='single $x'\nC=\"dq \\\"x\\\" \\$y\"\nD=back\\\nslash\nnot an assignment\nE= lead\n",
        );
        let get = |k: &str| {
            vars.iter()
                .rev()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("A"), Some("plain value"));
        assert_eq!(get("B"), Some("single $x"));
        assert_eq!(get("C"), Some("dq \"x\" $y"));
        assert_eq!(get("D"), Some("backslash"));
        assert_eq!(get("E"), Some("lead"));
    }

    #[test]
    fn specifiers_as_the_system_manager_expands_them() {
        let unit = Path::new("/etc/systemd/system/billing-api@prod\\x2d1.service");
        let (v, unknown) = expand_specifiers("%n %N %p %P %i %I %j %f %h %u %% %H", unit);
        assert_eq!(
            v,
            "billing-api@prod\\x2d1.service billing-api@prod\\x2d1 billing-api billing/api prod\\x2d1 prod-1 api /prod-1 /root root % %H"
        );
        assert_eq!(unknown, ['H']);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("billing@prod.service");
        std::fs::write(&path, "[Service]\nEnvironment=RELEASE_NODE=billing_%i@10.0.0.5 HOST=%H\nExecStart=/srv/%p/bin/%p start\n").unwrap();
        let u = read(&path).unwrap();
        assert_eq!(u.environment[0].1, "billing_prod@10.0.0.5");
        assert_eq!(u.exec_start[0].0[0], "/srv/billing/bin/billing");
        assert!(u.notes[0].contains("%H"), "{:?}", u.notes);
    }

    #[test]
    fn continuations_comments_and_drop_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let unit = dir.path().join("billing.service");
        std::fs::write(
            &unit,
            "[Unit]\nDescription=x\n[Service]\nEnvironment=A=1 \\\n  B=2\nExecStart=/srv/billing/bin/billing \\\n# a comment inside\n  start\nRestart=on-failure\n",
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("billing.service.d")).unwrap();
        std::fs::write(
            dir.path().join("billing.service.d/10-env.conf"),
            "[Service]\nEnvironment=B=3\nExecStart=\nExecStart=-/srv/billing/bin/billing daemon\n",
        )
        .unwrap();
        let u = read(&unit).unwrap();
        let env: Vec<_> = u
            .environment
            .iter()
            .map(|(n, v, _)| format!("{n}={v}"))
            .collect();
        assert_eq!(env, ["A=1", "B=2", "B=3"]);
        assert_eq!(u.exec_start.len(), 1);
        assert_eq!(u.exec_start[0].0, ["/srv/billing/bin/billing", "daemon"]);
        assert_eq!(u.exec_start[0].1, "-");
        assert_eq!(u.restart.as_ref().unwrap().value, "on-failure");
        std::fs::write(&unit, "[Service]\nExecStart /bin/true\n").unwrap();
        let err = read(&unit).unwrap_err().to_string();
        assert!(
            err.contains("billing.service:2:1") && err.contains("Missing"),
            "{err}"
        );
    }
}
