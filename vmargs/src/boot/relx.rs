//! A relx release's start: `bin/NAME COMMAND` (the script relx 4 writes, as
//! rebar3 3.14 and later build it) finds ERTS, renders `vm.args.src` and
//! `sys.config.src` (or the plain files under `RELX_REPLACE_OS_VARS`) with its awk
//! `${VAR}` substitution, requires exactly one `-name`/`-sname` across the
//! `-args_file` chain, then execs `erlexec` (foreground, console) or runs `run_erl`
//! (daemon, start). Followed here word for word, so that `argv` is what the script
//! execs; the files it would write before that are kept in memory, never written.

use super::mix::SetBy;
use super::relx_files::{
    grep_lines, join, k, name_line, out_path, replace_os_vars, version_at_least, with_suffix, Env,
};
use super::relx_remote::ToNode;
use relkit_common::shell::{self, Node, Value};
use std::path::{Path, PathBuf};

/// The relx commands that start a VM, as modelled here.
const STARTS_A_VM: [&str; 5] = ["foreground", "console", "console_clean", "daemon", "start"];

/// The commands that talk to the running node (the script pings it first).
const TO_THE_NODE: [&str; 7] = [
    "remote_console",
    "remote",
    "remsh",
    "rpc",
    "eval",
    "ping",
    "pid",
];

/// An assembled relx release on disk.
pub struct Relx {
    /// `RELEASE_ROOT_DIR`: the directory above `bin/`, symlinks resolved.
    pub root: PathBuf,
    pub script: PathBuf,
    pub name: String,
    pub version: String,
    pub erts: String,
    /// `erts-VSN/` in the release, when ERTS is included.
    pub erts_included: bool,
}

/// The script's state once it has run up to its `exec`.
pub struct ScriptStart {
    /// The words the script execs (`run_erl`'s for daemon and start).
    pub argv: Vec<Value>,
    /// erl's command line: `argv` itself, or for daemon the `console` line that
    /// `run_erl` starts.
    pub erl_argv: Vec<Value>,
    /// Files the script writes before it execs (rendered `vm.args`, `sys.config`).
    pub written: Vec<(PathBuf, Vec<u8>)>,
    /// The script's variables the boot depends on, with what set them.
    pub vars: Vec<(String, Value, bool, SetBy)>,
    /// The cookie the script itself uses for remote commands, rpc, eval and the
    /// daemon's wait for the node (`COOKIE`), and where it came from.
    pub script_cookie: Option<(Value, String)>,
    pub notes: Vec<String>,
    /// Why the script stops before it starts a VM.
    pub stops: Vec<String>,
}

/// The relx script in `root/bin`, if the release has one.
pub fn find(root: &Path) -> anyhow::Result<Option<Relx>> {
    let root =
        std::fs::canonicalize(root).map_err(|e| anyhow::anyhow!("{}: {e}", root.display()))?;
    let Ok(entries) = std::fs::read_dir(root.join("bin")) else {
        return Ok(None);
    };
    let mut found = None;
    for entry in entries.filter_map(Result::ok) {
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        if !(text.starts_with("#!") && text.contains("relx_usage") && text.contains("REL_DIR=")) {
            continue;
        }
        if !text.contains("check_replace_os_vars") || !text.contains("find_erl_call") {
            anyhow::bail!(
                "{}: a relx start script older than relx 4 (rebar3 3.14): boot reads relx 4's",
                entry.path().display()
            );
        }
        let assigned = |name: &str| -> anyhow::Result<String> {
            text.lines()
                .map(str::trim)
                .find_map(|l| {
                    let l = l.strip_prefix("export ").unwrap_or(l);
                    l.strip_prefix(name)?.strip_prefix('=')
                })
                .map(|v| v.trim_matches('"').to_string())
                .ok_or_else(|| {
                    anyhow::anyhow!("{}: the relx script sets no {name}", entry.path().display())
                })
        };
        let (name, version, erts) = (
            assigned("REL_NAME")?,
            assigned("REL_VSN")?,
            assigned("ERTS_VSN")?,
        );
        let version_dir = root.join("releases").join(&version);
        if !version_dir.is_dir() {
            anyhow::bail!(
                "{}: missing: the relx script is of version {version}, which has no directory",
                version_dir.display()
            );
        }
        found = Some(Relx {
            erts_included: root.join(format!("erts-{erts}")).is_dir(),
            script: root.join("bin").join(entry.file_name()),
            root: root.clone(),
            name,
            version,
            erts,
        });
        if found.as_ref().is_some_and(|r| entry.file_name() == *r.name) {
            break;
        }
    }
    Ok(found)
}

impl Relx {
    /// Follow `bin/NAME command args...` in `env`.
    pub fn start(
        &self,
        command: &str,
        args: &[String],
        env: &[(String, String)],
    ) -> anyhow::Result<ScriptStart> {
        let commands: Vec<&str> = STARTS_A_VM.iter().chain(&TO_THE_NODE).copied().collect();
        if !commands.contains(&command) {
            anyhow::bail!(
                "{}: `{command}` is not modelled for relx releases; boot follows {}",
                self.script.display(),
                commands.join(", ")
            );
        }
        let mut env = Env::given(env);
        let mut notes = Vec::new();
        let mut stops = Vec::new();
        let root = self.root.display().to_string();
        let script = self.script.display().to_string();
        // What the script exports before it reads vm.args (visible to its awk).
        if env.non_empty("RUN_ERL_DISABLE_FLOWCNTRL").is_none() {
            env.set("RUN_ERL_DISABLE_FLOWCNTRL", k("true"), true, SetBy::Script);
        }
        if matches!(
            env.get("TERM").map(|v| v.text.as_str()),
            None | Some("" | "dumb")
        ) {
            env.set("TERM", k("screen"), true, SetBy::Script);
        }
        env.set("REL_NAME", k(&self.name), true, SetBy::Script);
        env.set("RELEASE_NAME", k(&self.name), true, SetBy::Script);
        env.set("RELEASE_VSN", k(&self.version), true, SetBy::Script);
        env.set("RELEASE_PROG", k(&script), true, SetBy::Script);
        if env.get("ESCRIPT_NAME").is_none() {
            env.set("ESCRIPT_NAME", k(&script), true, SetBy::Script);
        }
        let rel_dir = format!("{root}/releases/{}", self.version);
        let erts_dir = if self.erts_included {
            k(format!("{root}/erts-{}", self.erts))
        } else {
            Value::unknown(
                format!("$ERL_ROOT/erts-{}", self.erts),
                "the root of the erl on the host's PATH (the release does not include ERTS)",
            )
        };
        let bindir = join(&[&erts_dir, &k("/bin")]);
        let lib_dir = match erts_dir.text.rsplit_once('/') {
            Some((parent, _)) => Value {
                text: format!("{parent}/lib"),
                unknown: erts_dir.unknown.clone(),
            },
            None => k("lib"),
        };
        env.set("ROOTDIR", k(&root), true, SetBy::Script);
        env.set("BINDIR", bindir.clone(), true, SetBy::Script);
        env.set("EMU", k("beam"), true, SetBy::Script);
        env.set("PROGNAME", k("erl"), true, SetBy::Script);
        let mut written = Vec::new();
        let vm_args = self.config_file("vm.args", "VMARGS_PATH", &env, &mut written, &mut notes);
        let sys_config = self.config_file(
            "sys.config",
            "RELX_CONFIG_PATH",
            &env,
            &mut written,
            &mut notes,
        );
        let read = |p: &Path| -> Option<Vec<u8>> {
            written
                .iter()
                .rev()
                .find(|(w, _)| w == p)
                .map(|(_, b)| b.clone())
                .or_else(|| std::fs::read(self.root.join(p)).ok())
        };
        // The name check over the -args_file chain, then `eval echo` of its line.
        let mut name_arg = None;
        match vm_args.as_known() {
            None => notes.push(format!(
                "{}: the vm.args path is not known here, so its -name/-sname check is not followed",
                vm_args.text
            )),
            Some(path) => match name_line(Path::new(path), &read) {
                Ok(line) => name_arg = Some(line),
                Err(why) => {
                    stops.push(format!("{script}: {why}: the script prints this and exits"))
                }
            },
        }
        let (name_type, name) = match &name_arg {
            Some(line) => {
                let words = eval_echo(line, &env);
                let mut fields = words.split_whitespace().map(str::to_string);
                (fields.next(), fields.next())
            }
            None => (None, None),
        };
        let vm_args_path = PathBuf::from(&vm_args.text);
        let by_vm_args = SetBy::File(vm_args.text.clone());
        if let Some(t) = &name_type {
            env.set("NAME_TYPE", k(t), false, by_vm_args.clone());
        }
        // An empty name still gets the host appended (`NAME=${NAME}@$(...)`).
        let name = name_arg.as_ref().map(|_| name.unwrap_or_default());
        let node_name = name.map(|n| {
            if n.contains('@') {
                k(n)
            } else {
                Value::unknown(
                    format!("{n}@$(hostname)"),
                    "the host name erl gives a node on the host (the script asks erl for it)",
                )
            }
        });
        if let Some(n) = &node_name {
            env.set("NAME", n.clone(), true, by_vm_args.clone());
        }
        // ERL_DIST_PORT: one port, and no epmd from ERTS 11.1 (OTP 23.1) on.
        let mut extra_dist = Vec::new();
        if let Some(port) = env.non_empty("ERL_DIST_PORT").cloned() {
            let start_epmd = grep_lines(&read(&vm_args_path), "-start_epmd");
            if version_at_least(&self.erts, "11.1") {
                extra_dist.extend([k("-erl_epmd_port"), port.clone()]);
                if start_epmd.is_empty() {
                    extra_dist.extend([k("-start_epmd"), k("false")]);
                }
            } else {
                extra_dist.extend([
                    k("-kernel"),
                    k("inet_dist_listen_min"),
                    port.clone(),
                    k("-kernel"),
                    k("inet_dist_listen_max"),
                    port,
                ]);
            }
        }
        let script_cookie = self.script_cookie(&env, &read(&vm_args_path), &vm_args.text);
        let console = |start_option: &str, positional: Vec<Value>, env: &Env| {
            let mode_default = if start_option == "console_clean" {
                "interactive"
            } else {
                "embedded"
            };
            let mode = env
                .non_empty("CODE_LOADING_MODE")
                .cloned()
                .unwrap_or_else(|| k(mode_default));
            let boot = if start_option == "console_clean" {
                format!("{rel_dir}/start_clean")
            } else if Path::new(&format!("{rel_dir}/{}.boot", self.name)).is_file() {
                format!("{rel_dir}/{}", self.name)
            } else {
                format!("{rel_dir}/start")
            };
            let mut argv = vec![join(&[&bindir, &k("/erlexec")])];
            if start_option == "foreground" {
                argv.extend([k("-noinput"), k("+Bd")]);
            }
            argv.extend([
                k("-boot"),
                k(boot),
                k("-mode"),
                mode,
                k("-boot_var"),
                k("SYSTEM_LIB_DIR"),
                lib_dir.clone(),
                k("-config"),
                sys_config.clone(),
                k("-args_file"),
                vm_args.clone(),
            ]);
            argv.extend(extra_dist.iter().cloned());
            argv.push(k("--"));
            argv.extend(positional);
            argv
        };
        let given: Vec<Value> = args.iter().map(k).collect();
        let (argv, erl_argv) = match command {
            "daemon" | "start" => {
                if command == "start" {
                    notes.push(format!(
                        "{script}: `start` is deprecated in relx 4 and runs as `daemon`"
                    ));
                }
                // ARGS="$(printf "'%s' " "$@")": with no arguments, one empty one.
                let quoted: String = if args.is_empty() {
                    "'' ".into()
                } else {
                    args.iter()
                        .map(|a| format!("'{a}' "))
                        .collect::<Vec<_>>()
                        .concat()
                };
                let mut inner: Vec<Value> = vec![k("console")];
                if args.is_empty() {
                    inner.push(k(""));
                } else {
                    inner.extend(args.iter().map(|a| k(a.replace('\'', ""))));
                }
                inner.push(k("--relx-disable-hooks"));
                let log_dir = env
                    .non_empty("RUNNER_LOG_DIR")
                    .cloned()
                    .unwrap_or_else(|| k(format!("{root}/log")));
                let pipe_dir = match env.non_empty("PIPE_DIR") {
                    Some(p) => p.clone(),
                    None => match &node_name {
                        Some(n) => join(&[&k("/tmp/erl_pipes/"), n, &k("/")]),
                        None => k("/tmp/erl_pipes//"),
                    },
                };
                env.set("PIPE_DIR", pipe_dir.clone(), false, SetBy::Script);
                env.set("RUNNER_LOG_DIR", log_dir.clone(), false, SetBy::Script);
                let line = format!(
                    "exec \"{root}/bin/{}\" \"console\" {quoted} --relx-disable-hooks",
                    self.name
                );
                let argv = vec![
                    join(&[&bindir, &k("/run_erl")]),
                    k("-daemon"),
                    pipe_dir,
                    log_dir,
                    k(line),
                ];
                if args.iter().any(|a| a.contains('\'')) {
                    notes.push("an argument with a single quote is re-read by run_erl's shell; its words are not followed".into());
                }
                (argv, console("console", inner, &env))
            }
            c if TO_THE_NODE.contains(&c) => {
                if env.non_empty("USE_NODETOOL").is_some() {
                    anyhow::bail!(
                        "{script}: USE_NODETOOL is set: the script then talks to the node through nodetool, which boot does not follow"
                    );
                }
                notes.push(format!(
                    "`{c}` needs the node running: the script pings it first (erl_call) and stops when it does not answer"
                ));
                let to_node = ToNode {
                    erts: &self.erts,
                    bindir: &bindir,
                    name_type: name_type.clone().unwrap_or_default(),
                    name: node_name.clone().unwrap_or_else(|| k("")),
                    cookie: script_cookie
                        .as_ref()
                        .map_or_else(|| k(""), |(c, _)| c.clone()),
                    vm_args: read(&vm_args_path),
                    dist_port: env.non_empty("ERL_DIST_PORT").cloned(),
                    extra_dist: &extra_dist,
                    timeout: env
                        .non_empty("RELX_RPC_TIMEOUT")
                        .cloned()
                        .unwrap_or_else(|| k("60")),
                };
                let argv = match c {
                    "remote_console" | "remote" | "remsh" => {
                        to_node.remote_shell(&rel_dir, &lib_dir)
                    }
                    "eval" => {
                        notes.push(
                            "eval: erl_call reads the expression on its standard input".into(),
                        );
                        to_node.erl_call(None, args)
                    }
                    "rpc" => to_node.erl_call(Some(args.join(" ")), args),
                    "ping" => to_node.erl_call(Some("erlang is_alive".into()), args),
                    _ => to_node.erl_call(Some("os getpid".into()), args),
                };
                let erl = if argv.first().is_some_and(|p| p.text.ends_with("/erlexec")) {
                    argv.clone()
                } else {
                    Vec::new()
                };
                (argv, erl)
            }
            _ => {
                let mut positional = vec![k(command)];
                positional.extend(given);
                let argv = console(command, positional, &env);
                (argv.clone(), argv)
            }
        };
        if let Some(mode) = env.non_empty("CODE_LOADING_MODE").cloned() {
            env.set("CODE_LOADING_MODE", mode, false, SetBy::Environment);
        }
        env.set("VMARGS_PATH", vm_args.clone(), false, SetBy::Script);
        env.set("RELX_CONFIG_PATH", sys_config.clone(), false, SetBy::Script);
        env.set("ERTS_DIR", erts_dir, false, SetBy::Script);
        Ok(ScriptStart {
            argv,
            erl_argv,
            written,
            vars: env.vars,
            script_cookie,
            notes,
            stops,
        })
    }

    /// `FILE_PATH=$(check_replace_os_vars FILE "$VAR")`: the file erl is given, and
    /// when the script renders it, its rendered text.
    fn config_file(
        &self,
        file: &str,
        var: &str,
        env: &Env,
        written: &mut Vec<(PathBuf, Vec<u8>)>,
        notes: &mut Vec<String>,
    ) -> Value {
        let rel_dir = self.root.join("releases").join(&self.version);
        let input = match env.non_empty(var) {
            Some(v) => v.clone(),
            None if self.root.join(file).is_file() => k(self.root.join(file).display().to_string()),
            None => k(rel_dir.join(file).display().to_string()),
        };
        let Some(path) = input.as_known().map(PathBuf::from) else {
            return input;
        };
        let src = with_suffix(&path, ".src");
        let orig = with_suffix(&path, ".orig");
        let replace = env.non_empty("RELX_REPLACE_OS_VARS").is_some();
        let (from, render) = if src.is_file() {
            (src, true)
        } else if replace {
            (if orig.is_file() { orig } else { path.clone() }, true)
        } else if orig.is_file() {
            (orig, false)
        } else {
            return input;
        };
        let out = out_path(&path, env);
        match std::fs::read(&from) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                let body = if render {
                    match replace_os_vars(&text, &|name| env.environ(name).cloned()) {
                        Ok(t) => t,
                        Err(why) => {
                            notes.push(format!("{}: {why}", from.display()));
                            text.into_owned()
                        }
                    }
                } else {
                    text.into_owned()
                };
                notes.push(format!(
                    "{}: written by the start script from {}",
                    out.display(),
                    from.display()
                ));
                written.push((out.clone(), body.into_bytes()));
            }
            Err(e) => notes.push(format!("{}: {e}", from.display())),
        }
        k(out.display().to_string())
    }

    /// `COOKIE` as the script sets it: `RELX_COOKIE`, else the first word after
    /// `-setcookie` on lines of vm.args (the top file only: the script greps it),
    /// else `~/.erlang.cookie`.
    fn script_cookie(
        &self,
        env: &Env,
        vm_args: &Option<Vec<u8>>,
        vm_args_path: &str,
    ) -> Option<(Value, String)> {
        if let Some(c) = env.non_empty("RELX_COOKIE") {
            return Some((c.clone(), "RELX_COOKIE (environment)".into()));
        }
        let lines = grep_lines(vm_args, "-setcookie");
        if !lines.is_empty() {
            let words: Vec<&str> = lines
                .iter()
                .map(|l| l.split_whitespace().nth(1).unwrap_or(""))
                .collect();
            // One line of awk's output a line, trailing newlines cut by `$(...)`.
            let cookie = words.join("\n").trim_end_matches('\n').to_string();
            return Some((k(cookie), format!("-setcookie in {vm_args_path}")));
        }
        let home = env.get("HOME")?;
        Some((
            Value::unknown(
                join(&[home, &k("/.erlang.cookie")]).text,
                "the contents of ~/.erlang.cookie on the host",
            ),
            "~/.erlang.cookie (vm.args sets none)".into(),
        ))
    }
}

/// `$(eval echo "${NAME_ARG}")`: the line read again by the shell, its words
/// expanded and printed joined by spaces.
fn eval_echo(line: &str, env: &Env) -> String {
    let mut sh = shell::Shell::with_env(
        env.vars
            .iter()
            .filter(|(_, v, e, _)| *e && v.is_known())
            .map(|(n, v, ..)| (n.as_str(), v.text.as_str())),
    );
    let Ok(nodes) = shell::parse(format!("echo {line}").as_bytes()) else {
        return line.to_string();
    };
    match nodes.as_slice() {
        [Node::Simple { words, .. }] => words
            .iter()
            .skip(1)
            .map(|(w, _)| sh.expand(w).text)
            .collect::<Vec<_>>()
            .join(" "),
        _ => line.to_string(),
    }
}
