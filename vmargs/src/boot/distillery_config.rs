//! What Distillery's `libexec/config.sh` and `helpers.sh` do before the command
//! runs, done in memory: vm.args and sys.config copied into `RELEASE_MUTABLE_DIR`
//! and rendered, the node's name and the script's cookie grepped from vm.args, and
//! the hooks the script sources.

use super::mix::SetBy;
use super::relx_files::{grep_lines, join, k, replace_os_vars_distillery, Env};
use relkit_common::shell::{self, Origin, Shell, Value, Var};
use std::path::{Path, PathBuf};

/// One run of the script's file handling, with what it wrote.
pub(super) struct Files {
    pub(super) root: PathBuf,
    pub(super) written: Vec<(PathBuf, Vec<u8>)>,
}

impl Files {
    /// A path as the script resolves it: after `cd "$RELEASE_ROOT_DIR"`.
    pub(super) fn at(&self, path: &str) -> PathBuf {
        self.root.join(path)
    }

    pub(super) fn read(&self, path: &str) -> Option<Vec<u8>> {
        let p = self.at(path);
        self.written
            .iter()
            .rev()
            .find(|(w, _)| *w == p)
            .map(|(_, b)| b.clone())
            .or_else(|| std::fs::read(&p).ok())
    }

    pub(super) fn is_file(&self, path: &str) -> bool {
        let p = self.at(path);
        self.written.iter().any(|(w, _)| *w == p) || p.is_file()
    }

    pub(super) fn write(&mut self, path: &str, bytes: Vec<u8>) {
        let p = self.at(path);
        self.written.push((p, bytes));
    }
}

/// One half of `configure_release`: the file erl is given for `var` (vm.args or
/// sys.config), copied under a header into `RELEASE_MUTABLE_DIR` and, under
/// `REPLACE_OS_VARS`, with `${VAR}` replaced.
pub(super) fn configure(
    file: &str,
    var: &str,
    header: &str,
    env: &mut Env,
    files: &mut Files,
    rel_dir: &Value,
) -> Result<(), String> {
    let config_dir = env.get("RELEASE_CONFIG_DIR").cloned().unwrap_or(k(""));
    let mutable = env.get("RELEASE_MUTABLE_DIR").cloned().unwrap_or(k(""));
    let source = match env.non_empty(var) {
        Some(given) => given.clone(),
        None => {
            let in_config = format!("{}/{file}", config_dir.text);
            if config_dir.is_known() && files.is_file(&in_config) {
                k(in_config)
            } else {
                join(&[rel_dir, &k(format!("/{file}"))])
            }
        }
    };
    let Some(source_path) = source.as_known().map(str::to_string) else {
        return Err(format!("{var}: {} is not known here", source.text));
    };
    let dest_path = format!("{}/{file}", mutable.text);
    let read_only = env.non_empty("RELEASE_READ_ONLY").is_some();
    let dest = if source_path != dest_path {
        if read_only {
            Some(source_path.clone())
        } else {
            let Some(body) = files.read(&source_path) else {
                return Err(format!("cat: {source_path}: No such file or directory"));
            };
            let header = header.replace("$RELEASE_CONFIG_DIR", &config_dir.text);
            let mut bytes = format!("{header}\n").into_bytes();
            bytes.extend(body);
            files.write(&dest_path, bytes);
            Some(dest_path.clone())
        }
    } else {
        None
    };
    if let Some(dest) = dest.as_ref().filter(|_| !read_only) {
        if env.non_empty("REPLACE_OS_VARS").is_some() {
            if let Some(bytes) = files.read(dest) {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let replaced = replace_os_vars_distillery(&text, &|n| env.environ(n).cloned())
                    .map_err(|why| format!("{dest}: {why}"))?;
                files.write(dest, replaced.into_bytes());
            }
        }
    }
    let value = match dest {
        Some(d) => k(d),
        None => env.get(var).cloned().unwrap_or(k("")),
    };
    let exported_by = if env.non_empty(var).is_some() {
        SetBy::Environment
    } else {
        SetBy::Script
    };
    env.set(var, value, true, exported_by);
    Ok(())
}

/// vm.args as the script greps it: `_replace_os_vars_str` of `VMARGS_PATH`.
fn vm_args_text(env: &Env, files: &Files) -> Result<String, String> {
    let path = env.get("VMARGS_PATH").cloned().unwrap_or(k(""));
    let Some(p) = path.as_known().filter(|p| !p.is_empty()) else {
        return Err(
            "Unable to load vm.args and NAME is not exported, unable to configure node!".into(),
        );
    };
    let bytes = files
        .read(p)
        .ok_or_else(|| format!("{p}: awk cannot open the vm.args file"))?;
    replace_os_vars_distillery(&String::from_utf8_lossy(&bytes), &|n| {
        env.environ(n).cloned()
    })
}

/// `_configure_node`: `NAME` and `NAME_TYPE`, from the environment or from the last
/// `-name`/`-sname` line of vm.args (the top file only: the script greps it).
pub(super) fn configure_node(env: &mut Env, files: &Files) -> Result<(), String> {
    let hostname = env_or_unknown(
        env,
        "HOSTNAME",
        "the host's name (bash's $HOSTNAME, which erl's -name may not use)",
    );
    let hostname = || hostname.clone();
    if let Some(name) = env.non_empty("NAME").cloned() {
        if env.non_empty("NAME_TYPE").is_some() {
            return Ok(());
        }
        if name.text.contains('@') {
            env.set("NAME_TYPE", k("-name"), true, SetBy::Script);
        } else {
            let host = hostname();
            let kind = match host.as_known() {
                Some(h) if h.contains('.') && !h.starts_with('.') => k("-name"),
                Some(_) => k("-sname"),
                None => Value::unknown("-name", "whether the host's name is fully qualified"),
            };
            env.set("NAME_TYPE", kind, true, SetBy::Script);
            env.set("NAME", join(&[&name, &k("@"), &host]), true, SetBy::Script);
        }
        return Ok(());
    }
    let text = vm_args_text(env, files)?;
    let lines: Vec<&str> = text
        .split('\n')
        .filter(|l| l.starts_with("-name") || l.starts_with("-sname"))
        .collect();
    let Some(last) = lines.last() else {
        return Err("vm.args needs to have either -name or -sname parameter.".into());
    };
    let name_type = awk_field(last, 0).to_string();
    let name = awk_field(last, 1).to_string();
    let by = SetBy::File(
        env.get("VMARGS_PATH")
            .map_or(String::new(), |v| v.text.clone()),
    );
    env.set("NAME_TYPE", k(&name_type), true, by.clone());
    if name.is_empty() {
        return Err(format!(
            "Invalid {name_type} value in vm.args, value is empty!"
        ));
    }
    match name.split_once('@') {
        Some((node, host)) => {
            if !node.is_empty() && fully_qualified(host) && name_type == "-sname" {
                return Err(format!(
                    "cannot use fully-qualified name '{name}' with -sname argument!"
                ));
            }
            env.set("NAME", k(&name), true, by);
        }
        None if name_type != "-sname" => {
            let host = hostname();
            env.set("NAME", join(&[&k(&name), &k("@"), &host]), true, by);
            env.set("NAME_TYPE", k("-name"), true, SetBy::Script);
        }
        None => env.set("NAME", k(&name), true, by),
    }
    Ok(())
}

/// bash's `[[ $NAME =~ ^[^@]+@[^\.]+\..*$ ]]` on the part after the first `@`.
/// (In a bracket expression the backslash is literal: the first label may hold
/// neither a dot nor a backslash.)
fn fully_qualified(host: &str) -> bool {
    match host.split_once('.') {
        Some((first, _)) => !first.is_empty() && !first.contains('\\'),
        None => false,
    }
}

/// awk's `$N` (from 0 for `$1`) with the default field separator: runs of blanks.
fn awk_field(line: &str, n: usize) -> &str {
    line.split([' ', '\t'])
        .filter(|w| !w.is_empty())
        .nth(n)
        .unwrap_or("")
}

fn env_or_unknown(env: &Env, name: &str, why: &str) -> Value {
    env.non_empty(name)
        .cloned()
        .unwrap_or_else(|| Value::unknown(format!("${name}"), why))
}

/// `_load_cookie` under `require_cookie`: `COOKIE` from the environment, else the
/// second word of every `-setcookie` line of vm.args (one a line), else
/// `~/.erlang.cookie` (made by a first erl when missing, unless read-only).
pub(super) fn load_cookie(env: &Env, files: &Files) -> Result<(Value, String), String> {
    if let Some(c) = env.non_empty("COOKIE") {
        return Ok((c.clone(), "COOKIE (environment)".into()));
    }
    let path = env
        .get("VMARGS_PATH")
        .map_or(String::new(), |v| v.text.clone());
    if !path.is_empty() {
        let text = vm_args_text(env, files)?;
        let lines = grep_lines(&Some(text.into_bytes()), "-setcookie");
        if !lines.is_empty() {
            let words: Vec<&str> = lines.iter().map(|l| awk_field(l, 1)).collect();
            let cookie = words.join("\n").trim_end_matches('\n').to_string();
            if cookie.is_empty() {
                // require_cookie: an empty COOKIE stops the script.
                return Err(format!("a secret cookie must be provided: the -setcookie line of {path} gives an empty word (the script replaces ${{VAR}} there with the variable's value, empty when unset)"));
            }
            return Ok((k(cookie), format!("-setcookie in {path}")));
        }
    }
    let home = env.get("HOME").cloned().unwrap_or(k(""));
    let file = join(&[&home, &k("/.erlang.cookie")]);
    let exists = file.as_known().is_some_and(|f| Path::new(f).is_file());
    if !exists && env.non_empty("RELEASE_READ_ONLY").is_some() {
        return Err(format!(
            "a secret cookie must be provided: vm.args has no -setcookie and {} does not exist (RELEASE_READ_ONLY keeps the script from making one)",
            file.text
        ));
    }
    Ok((
        Value::unknown(file.text, "the contents of ~/.erlang.cookie on the host"),
        "~/.erlang.cookie (vm.args sets none)".into(),
    ))
}

/// `_run_hooks_from_dir`: each file in `dir` (glob order) sourced into the script,
/// read by the shared shell reader; what it assigns takes part, what it could change
/// without the reader following it becomes unknown.
pub(super) fn run_hooks(dir: &str, env: &mut Env, notes: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut hooks: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.chars().next())
                .is_some_and(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
                && p.is_file()
        })
        .collect();
    hooks.sort();
    for hook in hooks {
        let Ok(text) = std::fs::read(&hook) else {
            notes.push(format!("{}: unreadable hook", hook.display()));
            continue;
        };
        let mut sh = Shell::default();
        for (name, value, exported, _) in &env.vars {
            sh.vars.insert(
                name.clone(),
                Var {
                    value: value.clone(),
                    exported: *exported,
                    origin: Origin::Environment,
                },
            );
        }
        if let Err(e) = shell::source(&mut sh, &text) {
            notes.push(format!(
                "{}: the shell would refuse this hook ({e}); what it sets is not followed",
                hook.display()
            ));
            continue;
        }
        for note in &sh.notes {
            notes.push(format!("{}:{}: {}", hook.display(), note.line, note.what));
        }
        if let Some(why) = &sh.wildcard {
            notes.push(format!(
                "{}: {why}: every variable may have changed, which boot does not follow",
                hook.display()
            ));
        }
        for (name, var) in sh.vars {
            if let Origin::Line(line) = var.origin {
                env.set(
                    &name,
                    var.value,
                    var.exported,
                    SetBy::File(format!("{}:{line}", hook.display())),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fully_qualified_is_bash_s_pattern() {
        assert!(fully_qualified("host.example.com"));
        assert!(fully_qualified("10.0.0.1"));
        assert!(!fully_qualified("host"));
        assert!(!fully_qualified(".x"));
    }
}
