//! A Distillery 2 release's start: `bin/NAME COMMAND` execs `bin/NAME_rc_exec.sh`,
//! which reads `start_erl.data` (through its copy in `var/`) and execs
//! `releases/VSN/NAME.sh`; that sources `libexec/` (erts.sh asks erl for its root,
//! config.sh copies vm.args and sys.config into `RELEASE_MUTABLE_DIR` and, under
//! `REPLACE_OS_VARS`, replaces `${VAR}` in the copies with awk) and the command's
//! script, which execs `erlexec` (foreground, console) or runs `run_erl` (start).
//! Followed here word for word, as [`super::relx`] follows relx's script: the
//! files the script writes are kept in memory, never written; the hooks it sources
//! are read by the shared shell reader.

use super::distillery_config::{configure, configure_node, load_cookie, run_hooks, Files};
use super::mix::SetBy;
use super::relx::ScriptStart;
use super::relx_files::{join, k, Env};
use relkit_common::shell::Value;
use std::path::{Path, PathBuf};

/// The commands followed for Distillery releases: those that start a VM.
pub const COMMANDS: [&str; 4] = ["foreground", "console", "console_clean", "start"];

/// The line of the `releases/VSN/NAME.sh` that stands for the real one when the
/// release is known from a `release-pack.inspect` document: what it bakes in is
/// not known.
pub const STAND_IN: &str =
    "# stands for Distillery's releases/VSN/NAME.sh: its baked-in defaults are not known";

/// An assembled Distillery release on disk.
pub struct Distillery {
    /// `RELEASE_ROOT_DIR`: the directory above `bin/`, symlinks resolved.
    pub root: PathBuf,
    /// `bin/NAME`, the script users run.
    pub script: PathBuf,
    pub name: String,
    /// The version and ERTS version `releases/start_erl.data` names.
    pub version: String,
    pub erts: String,
    /// Distillery 2.1's script reads the version from its copy of start_erl.data
    /// in `RELEASE_MUTABLE_DIR`; 2.0's reads `releases/start_erl.data` itself.
    pub copies_start_erl: bool,
}

/// The Distillery release in `root`, if `bin/` holds its run control script.
pub fn find(root: &Path) -> anyhow::Result<Option<Distillery>> {
    let root =
        std::fs::canonicalize(root).map_err(|e| anyhow::anyhow!("{}: {e}", root.display()))?;
    let Ok(entries) = std::fs::read_dir(root.join("bin")) else {
        return Ok(None);
    };
    let mut names: Vec<(PathBuf, String, bool)> = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        let is_rc_exec =
            text.starts_with("#!") && text.contains("exec \"$RELEASES_DIR/$REL_VSN/$REL_NAME.sh\"");
        if !is_rc_exec {
            continue;
        }
        let Some(name) = baked_default(&text, "REL_NAME") else {
            anyhow::bail!(
                "{}: the Distillery script sets no REL_NAME",
                entry.path().display()
            );
        };
        names.push((entry.path(), name, text.contains("START_ERL_DATA=")));
    }
    let Some((rc_exec, name, copies_start_erl)) = names.into_iter().next() else {
        return Ok(None);
    };
    // Distillery 2.1 writes a POSIX sh `bin/NAME` that execs `bin/NAME_rc_exec.sh`;
    // earlier releases have the run control script as `bin/NAME` itself.
    let script = if root.join("bin").join(&name).is_file() {
        root.join("bin").join(&name)
    } else {
        rc_exec
    };
    let data = root.join("releases/start_erl.data");
    let text = std::fs::read_to_string(&data).map_err(|e| {
        anyhow::anyhow!(
            "{}: {e}: the Distillery script reads the release's version from it",
            data.display()
        )
    })?;
    let (erts, version) = start_erl_fields(&text);
    Ok(Some(Distillery {
        root,
        script,
        name,
        version,
        erts,
        copies_start_erl,
    }))
}

/// `VAR="${VAR:-DEFAULT}"` in a generated script: DEFAULT.
fn baked_default(text: &str, var: &str) -> Option<String> {
    text.lines().map(str::trim).find_map(|l| {
        let rest = l.strip_prefix(var)?.strip_prefix("=\"${")?;
        let rest = rest.strip_prefix(var)?.strip_prefix(":-")?;
        Some(rest.strip_suffix("}\"")?.to_string())
    })
}

/// `cut -d' ' -f1` and `-f2` of start_erl.data, as `$(...)` keeps them: a line
/// without a space is printed whole by both.
fn start_erl_fields(text: &str) -> (String, String) {
    let field = |n: usize| -> String {
        let lines: Vec<&str> = text
            .strip_suffix('\n')
            .unwrap_or(text)
            .split('\n')
            .map(|line| {
                if line.contains(' ') {
                    line.split(' ').nth(n).unwrap_or("")
                } else {
                    line
                }
            })
            .collect();
        lines.join("\n").trim_end_matches('\n').to_string()
    };
    (field(0), field(1))
}

impl Distillery {
    /// Follow `bin/NAME command args...` in `env`.
    pub fn start(
        &self,
        command: &str,
        args: &[String],
        env: &[(String, String)],
    ) -> anyhow::Result<ScriptStart> {
        let script = self.script.display().to_string();
        if !COMMANDS.contains(&command) {
            anyhow::bail!(
                "{script}: `{command}` is not followed for Distillery releases; boot follows {}",
                COMMANDS.join(", ")
            );
        }
        let mut env = Env::given(env);
        if env
            .non_empty("REL_NAME")
            .is_some_and(|n| n.text != self.name)
        {
            anyhow::bail!(
                "{script}: REL_NAME is set to another release's name; the script would exec that release's script, which boot does not follow"
            );
        }
        let mut notes = Vec::new();
        let mut stops = Vec::new();
        let root = self.root.display().to_string();
        let mut files = Files {
            root: self.root.clone(),
            written: Vec::new(),
        };
        let by = SetBy::Script;
        // bin/NAME_rc_exec.sh
        env.set("RELEASE_ROOT_DIR", k(&root), true, by.clone());
        env.set(
            "RELEASES_DIR",
            k(format!("{root}/releases")),
            true,
            by.clone(),
        );
        let mutable = env
            .non_empty("RELEASE_MUTABLE_DIR")
            .cloned()
            .unwrap_or_else(|| k(format!("{root}/var")));
        env.set(
            "RELEASE_MUTABLE_DIR",
            mutable.clone(),
            self.copies_start_erl,
            by.clone(),
        );
        let Some(mutable_dir) = mutable.as_known().map(str::to_string) else {
            anyhow::bail!("{script}: RELEASE_MUTABLE_DIR is not known here");
        };
        let start_erl = if self.copies_start_erl {
            format!("{mutable_dir}/start_erl.data")
        } else {
            format!("{root}/releases/start_erl.data")
        };
        env.set("START_ERL_DATA", k(&start_erl), true, by.clone());
        env.set("REL_NAME", k(&self.name), true, by.clone());
        let shipped = self.root.join("releases/start_erl.data");
        let copy = Path::new(&start_erl);
        let newer = |a: &Path, b: &Path| match (a.metadata(), b.metadata()) {
            (Ok(a), Ok(b)) => a.modified().ok() > b.modified().ok(),
            (Ok(_), Err(_)) => true,
            _ => false,
        };
        let data = if !self.copies_start_erl || newer(&shipped, copy) {
            std::fs::read_to_string(&shipped).unwrap_or_default()
        } else {
            notes.push(format!(
                "{start_erl}: the script reads the release's version from this copy (it is not older than releases/start_erl.data)"
            ));
            std::fs::read_to_string(copy).unwrap_or_default()
        };
        let (erts_field, vsn_field) = start_erl_fields(&data);
        let version = env.non_empty("REL_VSN").cloned().unwrap_or(k(vsn_field));
        env.set("REL_VSN", version.clone(), true, by.clone());
        // 2.1: from start_erl.data; 2.0: as NAME.sh bakes it (below), else unset.
        let erts_vsn = env
            .non_empty("ERTS_VSN")
            .cloned()
            .unwrap_or(k(if self.copies_start_erl {
                erts_field
            } else {
                String::new()
            }));
        let version = version.text;
        let name_sh = self
            .root
            .join("releases")
            .join(&version)
            .join(format!("{}.sh", self.name));
        let Ok(name_sh_text) = std::fs::read_to_string(&name_sh) else {
            anyhow::bail!(
                "{}: missing: the script execs it for version {version:?} (from start_erl.data or REL_VSN)",
                name_sh.display()
            );
        };
        // releases/VSN/NAME.sh
        for var in ["ERL_OPTS", "RUN_ERL_ENV"] {
            if env.non_empty(var).is_none() {
                let baked = if name_sh_text.contains(STAND_IN) {
                    Value::unknown(
                        format!("${var}"),
                        format!("the {var} Distillery baked into releases/VSN/NAME.sh (the release-pack.inspect document does not carry it)"),
                    )
                } else {
                    k(baked_default(&name_sh_text, var).unwrap_or_default())
                };
                env.set(var, baked, true, by.clone());
            }
        }
        let rel_dir = env
            .non_empty("REL_DIR")
            .cloned()
            .unwrap_or_else(|| k(format!("{root}/releases/{version}")));
        env.set("REL_DIR", rel_dir.clone(), true, by.clone());
        let consolidated = format!("{root}/lib/{}-{version}/consolidated", self.name);
        env.set("CONSOLIDATED_DIR", k(&consolidated), true, by.clone());
        // libexec/erts.sh: the release's ERTS unless USE_HOST_ERTS, else the erl
        // on PATH; erl itself says where its root is.
        // 2.0's NAME.sh exports USE_HOST_ERTS=true and bakes ERTS_VSN; 2.1 keeps
        // USE_HOST_ERTS in bin/NAME_rc_exec.sh, unexported, where it does nothing.
        let erts_vsn = match baked_default(&name_sh_text, "ERTS_VSN") {
            Some(baked) if erts_vsn.text.is_empty() => k(baked),
            _ => erts_vsn,
        };
        let host_erts_baked = !self.copies_start_erl
            && name_sh_text
                .lines()
                .any(|l| l.trim() == "USE_HOST_ERTS=true");
        let included = env.non_empty("USE_HOST_ERTS").is_none()
            && !host_erts_baked
            && !erts_vsn.text.is_empty()
            && erts_vsn.is_known()
            && self.root.join(format!("erts-{}", erts_vsn.text)).is_dir();
        if !included && env.non_empty("USE_HOST_ERTS").is_none() && !host_erts_baked {
            // erts.sh sets ERTS_VSN to the host erl's version after its first run:
            // an erts-* directory of the release is used when that version matches.
            let held: Vec<String> = std::fs::read_dir(&self.root)
                .into_iter()
                .flatten()
                .filter_map(Result::ok)
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.starts_with("erts-"))
                .collect();
            for dir in held {
                notes.push(format!(
                    "the release holds {dir}, which the script takes for the host erl's code paths only when that erl is ERTS {}: the words here assume it is not",
                    &dir[5..]
                ));
            }
        }
        let (erts_dir, erts_lib_dir) = if included {
            (
                k(format!("{root}/erts-{}", erts_vsn.text)),
                k(format!("{root}/lib")),
            )
        } else {
            let why = "the root of the erl on the host's PATH (the release's ERTS is not used)";
            (
                Value::unknown("$ERL_ROOT/erts-$ERTS_VSN", why),
                Value::unknown("$ERL_ROOT/lib", why),
            )
        };
        let bindir = join(&[&erts_dir, &k("/bin")]);
        env.set("ERTS_DIR", erts_dir.clone(), true, by.clone());
        env.set("BINDIR", bindir.clone(), true, by.clone());
        // libexec/env.sh
        for (var, default) in [
            ("CODE_LOADING_MODE", "embedded".to_string()),
            ("RUNNER_LOG_DIR", format!("{mutable_dir}/log")),
            ("EXTRA_OPTS", String::new()),
            ("RELEASE_CONFIG_DIR", root.clone()),
        ] {
            if env.non_empty(var).is_none() {
                env.set(
                    var,
                    k(default),
                    matches!(var, "RELEASE_CONFIG_DIR"),
                    by.clone(),
                );
            }
        }
        env.set("EMU", k("beam"), true, by.clone());
        env.set("PROGNAME", k("erl"), true, by.clone());
        // What the scripts export before configure_release (awk's ENVIRON).
        let term = match env.get("TERM").map(|v| v.text.as_str()) {
            None | Some("" | "dumb") => k("xterm"),
            Some(_) => env.get("TERM").cloned().unwrap_or(k("xterm")),
        };
        env.set("TERM", term, true, by.clone());
        env.set("ERTS_VSN", erts_vsn.clone(), true, by.clone());
        env.set(
            "ROOTDIR",
            if included {
                k(&root)
            } else {
                Value::unknown("$ERL_ROOT", "the root of the erl on the host's PATH")
            },
            true,
            by.clone(),
        );
        env.set(
            "ESCRIPT_NAME",
            k(name_sh.display().to_string()),
            true,
            by.clone(),
        );
        env.set("DISTILLERY_TASK", k(command), true, by.clone());
        let hooks = |stage: &str| rel_dir.as_known().map(|d| format!("{d}/hooks/{stage}.d"));
        // libexec/config.sh: configure_release.
        if env.non_empty("DISTILLERY_PRECONFIGURE").is_some() {
            notes.push("DISTILLERY_PRECONFIGURE is set: the script skips configure_release (no vm.args or sys.config copy, no node name)".into());
        } else {
            if let Some(dir) = hooks("pre_configure") {
                run_hooks(&dir, &mut env, &mut notes);
            }
            for (file, var, header) in [
                (
                    "vm.args",
                    "VMARGS_PATH",
                    "#### Generated - edit/create $RELEASE_CONFIG_DIR/vm.args instead.",
                ),
                (
                    "sys.config",
                    "SYS_CONFIG_PATH",
                    "%% Generated - edit/create $RELEASE_CONFIG_DIR/sys.config instead.",
                ),
            ] {
                if let Err(why) = configure(file, var, header, &mut env, &mut files, &rel_dir) {
                    stops.push(format!("{script}: {why}"));
                    break;
                }
            }
            if stops.is_empty() {
                if env.non_empty("RELEASE_READ_ONLY").is_none() {
                    notes.push(format!(
                        "the release's config providers run first (erl with {}/config.boot) and may rewrite {}",
                        rel_dir.text,
                        env.get("SYS_CONFIG_PATH").map_or("sys.config".into(), |v| v.text.clone())
                    ));
                }
                if let Some(dir) = hooks("post_configure") {
                    run_hooks(&dir, &mut env, &mut notes);
                }
                if let Err(why) = configure_node(&mut env, &files) {
                    stops.push(format!("{script}: {why}"));
                }
            }
        }
        if command == "start" && env.non_empty("RELEASE_READ_ONLY").is_some() {
            stops.push(format!(
                "{script}: Cannot start a release with RELEASE_READ_ONLY set!"
            ));
        }
        let script_cookie = if stops.is_empty() {
            match load_cookie(&env, &files) {
                Ok(c) => Some(c),
                Err(why) => {
                    stops.push(format!("{script}: {why}"));
                    None
                }
            }
        } else {
            None
        };
        if let Some(dir) = hooks("pre_start").filter(|_| stops.is_empty()) {
            run_hooks(&dir, &mut env, &mut notes);
        }
        let vm_args = env.get("VMARGS_PATH").cloned().unwrap_or(k(""));
        let sys_config = env.non_empty("SYS_CONFIG_PATH").cloned();
        // `erlexec` in libexec/helpers.sh: the code paths before the command's words.
        let mut erlexec = vec![join(&[&bindir, &k("/erlexec")])];
        erlexec.extend([k("-boot_var"), k("ERTS_LIB_DIR")]);
        if included {
            erlexec.push(k(format!("{root}/lib")));
        } else {
            erlexec.push(erts_lib_dir);
        }
        if let Some(c) = &sys_config {
            erlexec.extend([k("-config"), c.clone()]);
        }
        if !included {
            erlexec.push(k("-pa"));
            erlexec.extend(lib_ebins(&self.root));
        }
        erlexec.extend([k("-pa"), k(&consolidated)]);
        if let Some(extra) = env.non_empty("EXTRA_CODE_PATHS") {
            erlexec.extend([k("-pa"), extra.clone()]);
        }
        let mode = env
            .non_empty("CODE_LOADING_MODE")
            .cloned()
            .unwrap_or_else(|| k("embedded"));
        let split = |name: &str, env: &Env, notes: &mut Vec<String>| -> Vec<Value> {
            let value = env.get(name).cloned().unwrap_or(k(""));
            if value.text.contains(['*', '?', '[']) {
                notes.push(format!(
                    "{name} is split into words unquoted: its glob characters are kept as written, not matched against files"
                ));
            }
            if !value.is_known() {
                return vec![value];
            }
            value.text.split_whitespace().map(k).collect()
        };
        let erl_opts = split("ERL_OPTS", &env, &mut notes);
        let extra_opts = split("EXTRA_OPTS", &env, &mut notes);
        let rel = rel_dir.text.clone();
        let has_rel_boot = Path::new(&format!("{rel}/{}.boot", self.name)).is_file();
        let console = |boot: String, positional: Vec<Value>| {
            let mut argv = erlexec.clone();
            argv.extend([
                k("-boot"),
                k(boot),
                k("-args_file"),
                vm_args.clone(),
                k("-mode"),
                mode.clone(),
            ]);
            argv.extend(erl_opts.iter().cloned());
            argv.extend([
                k("-user"),
                k("Elixir.IEx.CLI"),
                k("-extra"),
                k("--no-halt"),
                k("+iex"),
                k("--"),
            ]);
            argv.extend(positional);
            argv
        };
        let release_boot = if has_rel_boot {
            format!("{rel}/{}", self.name)
        } else {
            format!("{rel}/start")
        };
        let given: Vec<Value> = args.iter().map(k).collect();
        let (argv, erl_argv) = match command {
            "foreground" => {
                let mut argv = erlexec.clone();
                argv.extend([k("-noshell"), k("-noinput"), k("+Bd"), k("-boot")]);
                argv.push(k(&release_boot));
                argv.extend([k("-args_file"), vm_args.clone(), k("-mode"), mode.clone()]);
                argv.extend(erl_opts.iter().cloned());
                argv.push(k("-extra"));
                argv.extend(extra_opts.iter().cloned());
                // `-- "${1+$ARGS}"`: the arguments joined into one word.
                argv.extend([k("--"), k(args.join(" "))]);
                (argv.clone(), argv)
            }
            "console" => {
                let argv = console(release_boot, given);
                (argv.clone(), argv)
            }
            "console_clean" => {
                let argv = console(format!("{root}/bin/start_clean"), given);
                (argv.clone(), argv)
            }
            _ => {
                // start: run_erl runs `bin/NAME console -- ARGS EXTRA_OPTS` in a shell.
                let name = env.get("NAME").cloned().unwrap_or(k(""));
                let pipe_dir = env.non_empty("PIPE_DIR").cloned().unwrap_or_else(|| {
                    join(&[&k(format!("{mutable_dir}/erl_pipes/")), &name, &k("/")])
                });
                let log_dir = env.get("RUNNER_LOG_DIR").cloned().unwrap_or(k(""));
                env.set("PIPE_DIR", pipe_dir.clone(), false, SetBy::Script);
                let line = format!(
                    "exec \"{root}/bin/{}\" \"console\" -- {} {}",
                    self.name,
                    args.join(" "),
                    extra_opts
                        .iter()
                        .map(|v| v.text.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                );
                let mut argv = vec![k("env")];
                argv.extend(split("RUN_ERL_ENV", &env, &mut notes));
                argv.extend([
                    join(&[&bindir, &k("/run_erl")]),
                    k("-daemon"),
                    pipe_dir,
                    log_dir,
                    k(line.clone()),
                ]);
                if line.contains(['\'', '"', '\\', '$', '`']) {
                    notes.push("an argument with shell quoting is re-read by run_erl's shell; its words are not followed".into());
                }
                let mut positional = vec![k("--")];
                positional.extend(given);
                positional.extend(extra_opts.iter().cloned());
                (argv, console(release_boot, positional))
            }
        };
        Ok(ScriptStart {
            argv,
            erl_argv,
            written: files.written,
            vars: env.vars,
            script_cookie,
            notes,
            stops,
        })
    }
}

/// `-pa "$RELEASE_ROOT_DIR"/lib/*/ebin`: the glob as bash expands it (sorted; the
/// pattern itself when nothing matches).
fn lib_ebins(root: &Path) -> Vec<Value> {
    let mut found: Vec<String> = std::fs::read_dir(root.join("lib"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .filter(|e| e.path().join("ebin").exists())
                .map(|e| format!("{}/ebin", e.path().display()))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    if found.is_empty() {
        found.push(format!("{}/lib/*/ebin", root.display()));
    }
    found.into_iter().map(k).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_erl_data_is_cut_as_cut_does() {
        assert_eq!(
            start_erl_fields("13.1.5 0.1.0\n"),
            ("13.1.5".into(), "0.1.0".into())
        );
        assert_eq!(
            start_erl_fields("13.1.5 0.1.0"),
            ("13.1.5".into(), "0.1.0".into())
        );
        assert_eq!(
            start_erl_fields("lonely\n"),
            ("lonely".into(), "lonely".into())
        );
        assert_eq!(start_erl_fields("a  b\n"), ("a".into(), "".into()));
    }

    #[test]
    fn baked_defaults_are_read_from_the_generated_script() {
        let text = "REL_NAME=\"${REL_NAME:-billing}\"\nERL_OPTS=\"${ERL_OPTS:-+K true}\"\n";
        assert_eq!(baked_default(text, "REL_NAME").as_deref(), Some("billing"));
        assert_eq!(baked_default(text, "ERL_OPTS").as_deref(), Some("+K true"));
        assert_eq!(baked_default(text, "RUN_ERL_ENV"), None);
    }
}
