//! A Mix release's start: `bin/NAME COMMAND` (Elixir 1.14's script) fills the
//! `RELEASE_*` variables around sourcing `releases/VSN/env.sh`, then execs the
//! release's copy of the `elixir` (or `iex`) script, which turns its options into
//! erl's command line. Both steps are followed here word for word, so that `argv` is
//! what `ELIXIR_CLI_DRY_RUN=1 bin/NAME COMMAND` prints.

use relkit_common::shell::{self, Origin, Shell, Value};
use std::path::{Path, PathBuf};

/// The commands of a Mix release's script that start a VM.
pub const COMMANDS: [&str; 10] = [
    "start",
    "start_iex",
    "daemon",
    "daemon_iex",
    "eval",
    "rpc",
    "remote",
    "restart",
    "stop",
    "pid",
];

/// An assembled Mix release on disk.
pub struct Release {
    /// `RELEASE_ROOT`: the directory above `bin/`, symlinks resolved (`pwd -P`).
    pub root: PathBuf,
    pub name: String,
    /// From `releases/start_erl.data`: ERTS version, release version.
    pub erts: String,
    pub version: String,
    /// `ERTS_BIN` in the release's `elixir` script: the bundled ERTS's `bin/`
    /// (relative to the script's directory), or empty when ERTS is not included.
    pub erts_bin: Option<String>,
}

/// Where a value came from, for the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetBy {
    /// `--env` or the process environment.
    Environment,
    /// A line of env.sh.
    EnvSh(usize),
    /// The start script's default.
    Script,
    /// A file's contents (`releases/COOKIE`).
    File(String),
}

/// The start script's variables once it has run up to the `exec`.
pub struct Started {
    pub shell: Shell,
    /// Who set each `RELEASE_*` variable the boot reads.
    pub set_by: Vec<(String, SetBy)>,
    /// Problems the script itself would stop at or print.
    pub stops: Vec<String>,
    pub env_sh: PathBuf,
}

impl Release {
    /// Read the release at `dir` (its name from `bin/`).
    pub fn open(dir: &Path) -> anyhow::Result<Release> {
        let root =
            std::fs::canonicalize(dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
        let data_path = root.join("releases/start_erl.data");
        let data = std::fs::read_to_string(&data_path).map_err(|e| {
            anyhow::anyhow!(
                "{}: {e}: not an assembled release (`mix release` writes releases/start_erl.data)",
                data_path.display()
            )
        })?;
        let mut fields = data.split_whitespace();
        let (Some(erts), Some(version)) = (fields.next(), fields.next()) else {
            anyhow::bail!(
                "{}: expected `ERTS_VERSION RELEASE_VERSION`, got {:?}",
                data_path.display(),
                data.trim()
            );
        };
        let name = script_name(&root)?;
        let vsn_dir = root.join("releases").join(version);
        if !vsn_dir.is_dir() {
            anyhow::bail!(
                "{}: missing: start_erl.data names version {version}, which has no directory",
                vsn_dir.display()
            );
        }
        let elixir = vsn_dir.join("elixir");
        let script = std::fs::read_to_string(&elixir).map_err(|e| {
            anyhow::anyhow!(
                "{}: {e}: a Mix release has its elixir script here",
                elixir.display()
            )
        })?;
        Ok(Release {
            erts_bin: erts_bin(&script),
            root,
            name,
            erts: erts.to_string(),
            version: version.to_string(),
        })
    }

    /// Run the script's start for `command` in `env`; `args` are the arguments after
    /// the command (the expression of `eval` and `rpc`).
    pub fn start(
        &self,
        command: &str,
        args: &[String],
        env: &[(String, String)],
    ) -> anyhow::Result<Started> {
        let mut shell = Shell::with_env(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let root = self.root.display().to_string();
        let bin = format!("{root}/bin/{}", self.name);
        let mut positional = vec![bin.clone(), command.to_string()];
        positional.extend(args.iter().cloned());
        shell.positional = Some(positional);
        let mut set_by = Vec::new();
        // `NAME="${NAME:-default}"; export NAME`: a value already there (from the
        // environment or env.sh) stays, with its origin.
        let script = |shell: &mut Shell, name: &str, default: Value| {
            if shell
                .get(name)
                .filter(|v| v.as_known() != Some(""))
                .is_none()
            {
                shell.set(name, default, 0);
            }
            shell.export(name);
        };
        shell.set("RELEASE_ROOT", Value::known(&root), 0);
        shell.export("RELEASE_ROOT");
        script(&mut shell, "RELEASE_NAME", Value::known(&self.name));
        script(&mut shell, "RELEASE_VSN", Value::known(&self.version));
        shell.set("RELEASE_COMMAND", Value::known(command), 0);
        shell.export("RELEASE_COMMAND");
        script(&mut shell, "RELEASE_PROG", Value::known(&self.name));
        let vsn = shell.get("RELEASE_VSN").unwrap_or_else(|| Value::known(""));
        let vsn_dir = format!("{root}/releases/{}", vsn.text);
        shell.set("REL_VSN_DIR", Value::known(&vsn_dir), 0);
        let env_sh = PathBuf::from(format!("{vsn_dir}/env.sh"));
        let text = std::fs::read(&env_sh).map_err(|e| {
            anyhow::anyhow!(
                "{}: {e}: the start script sources it, and sh stops when it cannot",
                env_sh.display()
            )
        })?;
        // The start script runs with `set -e`, and so does the file it sources.
        shell.errexit = true;
        shell::source(&mut shell, &text).map_err(|e| anyhow::anyhow!("{}", e.in_file(&env_sh)))?;
        let mut stops = Vec::new();
        if let Some(line) = shell.exited {
            stops.push(format!(
                "{}:{line}: the start script stops here (an `exit`, or a failing command under the script's set -e): no node starts",
                env_sh.display()
            ));
        } else if shell.status == Some(false) {
            stops.push(format!(
                "{}: its last command fails, so `. env.sh` fails and the start script's set -e stops it: no node starts (end env.sh with a command that succeeds, or use `if` instead of `&&`)",
                env_sh.display()
            ));
        }
        shell.exited = None;
        // The cookie: RELEASE_COOKIE, else releases/COOKIE through `cat` (which drops
        // trailing newlines, as every command substitution does).
        let cookie_path = format!("{root}/releases/COOKIE");
        let cookie_set = shell
            .get("RELEASE_COOKIE")
            .is_some_and(|v| v.as_known() != Some(""));
        if !cookie_set {
            match std::fs::read(&cookie_path) {
                Ok(bytes) => {
                    let mut text = String::from_utf8_lossy(&bytes).into_owned();
                    while text.ends_with('\n') {
                        text.pop();
                    }
                    shell.set("RELEASE_COOKIE", Value::known(text), 0);
                    set_by.push(("RELEASE_COOKIE".into(), SetBy::File(cookie_path.clone())));
                }
                Err(e) => stops.push(format!(
                    "{cookie_path}: {e}, and RELEASE_COOKIE is not set: the start script stops (set -e) before it starts the VM"
                )),
            }
        }
        shell.export("RELEASE_COOKIE");
        for (name, default) in [
            ("RELEASE_MODE", "embedded".to_string()),
            ("RELEASE_NODE", "$RELEASE_NAME".into()),
            ("RELEASE_TMP", format!("{root}/tmp")),
            ("RELEASE_VM_ARGS", format!("{vsn_dir}/vm.args")),
            (
                "RELEASE_REMOTE_VM_ARGS",
                format!("{vsn_dir}/remote.vm.args"),
            ),
            ("RELEASE_DISTRIBUTION", "sname".into()),
            ("RELEASE_BOOT_SCRIPT", "start".into()),
            ("RELEASE_BOOT_SCRIPT_CLEAN", "start_clean".into()),
        ] {
            let default = if default == "$RELEASE_NAME" {
                shell
                    .get("RELEASE_NAME")
                    .unwrap_or_else(|| Value::known(""))
            } else {
                Value::known(default)
            };
            script(&mut shell, name, default);
        }
        for name in RELEASE_VARS {
            if set_by.iter().any(|(n, _)| n == name) {
                continue;
            }
            let by = match shell.vars.get(name).map(|v| &v.origin) {
                Some(Origin::Line(line)) if *line > 0 => SetBy::EnvSh(*line),
                Some(Origin::Environment) => SetBy::Environment,
                _ => SetBy::Script,
            };
            set_by.push((name.to_string(), by));
        }
        Ok(Started {
            shell,
            set_by,
            stops,
            env_sh,
        })
    }
}

/// The variables of the start script the boot reads.
pub const RELEASE_VARS: [&str; 14] = [
    "RELEASE_NAME",
    "RELEASE_VSN",
    "RELEASE_PROG",
    "RELEASE_COOKIE",
    "RELEASE_MODE",
    "RELEASE_NODE",
    "RELEASE_TMP",
    "RELEASE_VM_ARGS",
    "RELEASE_REMOTE_VM_ARGS",
    "RELEASE_DISTRIBUTION",
    "RELEASE_BOOT_SCRIPT",
    "RELEASE_BOOT_SCRIPT_CLEAN",
    "RELEASE_SYS_CONFIG",
    "ELIXIR_ERL_OPTIONS",
];

/// The release's name: the script in `bin/` that sources `releases/VSN/env.sh`.
fn script_name(root: &Path) -> anyhow::Result<String> {
    let bin = root.join("bin");
    let entries = std::fs::read_dir(&bin).map_err(|e| {
        anyhow::anyhow!(
            "{}: {e}: a release has its start script in bin/",
            bin.display()
        )
    })?;
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            // The sh script (a release for Windows has a .bat beside it).
            std::fs::read(e.path())
                .map(|b| b.starts_with(b"#!") && b.windows(11).any(|w| w == b"REL_VSN_DIR"))
                .unwrap_or(false)
        })
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    match names.as_slice() {
        [one] => Ok(one.clone()),
        [] => anyhow::bail!(
            "{}: no start script boot reads here (a Mix release's bin/NAME that sources releases/VSN/env.sh, relx 4's, or Distillery 2's bin/NAME with releases/VSN/NAME.sh)",
            bin.display()
        ),
        many => anyhow::bail!(
            "{}: several start scripts ({}); boot reads a release with one",
            bin.display(),
            many.join(", ")
        ),
    }
}

/// The last `ERTS_BIN=` of the release's elixir script: `Some(path/)` for a bundled
/// ERTS (the `$SCRIPT_PATH` part left for the caller), `None` when empty.
fn erts_bin(script: &str) -> Option<String> {
    let line = script
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with("ERTS_BIN="))?;
    let value = line.trim_start().strip_prefix("ERTS_BIN=")?.trim();
    let value = value.strip_prefix("\"$SCRIPT_PATH\"")?;
    let value = value.trim_matches('"');
    (!value.is_empty()).then(|| value.to_string())
}

/// `$(rand)` in the script: four hex digits from /dev/urandom.
pub const RAND: &str = "four random hex digits (the start script's rand)";

/// Fields of an unquoted expansion: split at blanks when known; an unknown value is
/// one word that says it is split at run time.
pub fn fields(value: &Value) -> Vec<Value> {
    if value.is_known() {
        value
            .text
            .split([' ', '\t', '\n'])
            .filter(|w| !w.is_empty())
            .map(Value::known)
            .collect()
    } else {
        let mut v = value.clone();
        v.unknown
            .push("split into words when the value is known".into());
        vec![v]
    }
}

/// What `bin/NAME COMMAND` execs: the release's `elixir` or `iex` script, and the
/// options it gives it.
pub struct ElixirCall {
    pub program: &'static str,
    pub args: Vec<Value>,
}

fn k(text: impl Into<String>) -> Value {
    Value::known(text)
}

fn var(shell: &Shell, name: &str) -> Value {
    shell.get(name).unwrap_or_else(|| k(""))
}

/// `release_distribution NAME`: its output, split (unquoted in the script).
fn release_distribution(shell: &Shell, node: Value, warnings: &mut Vec<String>) -> Vec<Value> {
    let dist = var(shell, "RELEASE_DISTRIBUTION");
    match dist.as_known() {
        Some("none") => Vec::new(),
        Some(mode @ ("name" | "sname")) => {
            let mut words = vec![k(format!("--{mode}"))];
            let mut text = node;
            text.text = text.text.clone();
            words.extend(if text.is_known() {
                fields(&text)
            } else {
                vec![text]
            });
            words
        }
        Some(other) => {
            warnings.push(format!(
                "RELEASE_DISTRIBUTION is {other:?}: the script prints an error (it expects sname, name or none) and starts the node without distribution"
            ));
            Vec::new()
        }
        None => vec![
            Value {
                text: "--$RELEASE_DISTRIBUTION".into(),
                unknown: dist.unknown.clone(),
            },
            node,
        ],
    }
}

fn concat(parts: &[&Value]) -> Value {
    let mut out = k("");
    for p in parts {
        out.text.push_str(&p.text);
        for u in &p.unknown {
            if !out.unknown.contains(u) {
                out.unknown.push(u.clone());
            }
        }
    }
    out
}

/// The sys.config argument: `RELEASE_SYS_CONFIG` or `REL_VSN_DIR/sys`, unless the
/// file asks for runtime configuration (then a fresh copy under `RELEASE_TMP`).
fn sys_config(shell: &mut Shell) -> Value {
    let vsn_dir = var(shell, "REL_VSN_DIR");
    let default = match shell
        .get("RELEASE_SYS_CONFIG")
        .filter(|v| v.as_known() != Some(""))
    {
        Some(v) => v,
        None => concat(&[&vsn_dir, &k("/sys")]),
    };
    let runtime = default
        .as_known()
        .and_then(|p| std::fs::read(format!("{p}.config")).ok())
        .map(|b| b.windows(19).any(|w| w == b"RUNTIME_CONFIG=true"));
    let value = match runtime {
        Some(true) => {
            let tmp = var(shell, "RELEASE_TMP");
            let name = var(shell, "RELEASE_NAME");
            let vsn = var(shell, "RELEASE_VSN");
            Value {
                text: format!("{}/{}-{}-$(date +%Y%m%d%H%M%S)-$(rand).runtime", tmp.text, name.text, vsn.text),
                unknown: vec!["the start time and four random hex digits (runtime configuration is copied to a fresh file)".into()],
            }
        }
        _ => default,
    };
    shell.set("RELEASE_SYS_CONFIG", value.clone(), 0);
    shell.export("RELEASE_SYS_CONFIG");
    value
}

/// What the script execs for `command`; an error for one that starts no VM.
pub fn elixir_call(
    shell: &mut Shell,
    command: &str,
    expr: Option<&Value>,
    warnings: &mut Vec<String>,
) -> anyhow::Result<ElixirCall> {
    let vsn_dir = var(shell, "REL_VSN_DIR");
    let at = |file: &Value| concat(&[&vsn_dir, &k("/"), file]);
    let cookie = var(shell, "RELEASE_COOKIE");
    let node = var(shell, "RELEASE_NODE");
    let tmp = var(shell, "RELEASE_TMP");
    let lib = concat(&[&var(shell, "RELEASE_ROOT"), &k("/lib")]);
    let boot = at(&var(shell, "RELEASE_BOOT_SCRIPT"));
    let clean = at(&var(shell, "RELEASE_BOOT_SCRIPT_CLEAN"));
    let remote_args = var(shell, "RELEASE_REMOTE_VM_ARGS");
    let vm_args = var(shell, "RELEASE_VM_ARGS");
    let expr = |what: &str| -> anyhow::Result<Value> {
        match expr {
            Some(e) if e.as_known() != Some("") => Ok(e.clone()),
            Some(_) => anyhow::bail!("{what} expects an expression (the script stops: ERROR: {} expects an expression as argument)", what.to_uppercase()),
            None => Ok(Value::unknown("$2", "the expression given with --expr")),
        }
    };
    // `--boot B --boot-var RELEASE_LIB ROOT/lib --vm-args V`, which every command passes.
    let boot_words = |boot: &Value, vm_args: &Value| {
        [
            k("--boot"),
            boot.clone(),
            k("--boot-var"),
            k("RELEASE_LIB"),
            lib.clone(),
            k("--vm-args"),
            vm_args.clone(),
        ]
    };
    // `remote` and `rpc`: a hidden node named PREFIX-$(rand)-NODE, on the remote
    // vm.args and the clean boot script.
    let hidden = |shell: &Shell,
                  program: &'static str,
                  prefix: &str,
                  lead: &[Value],
                  tail: Vec<Value>,
                  warnings: &mut Vec<String>| {
        let name = Value {
            text: format!("{prefix}-$(rand)-{}", node.text),
            unknown: [vec![RAND.to_string()], node.unknown.clone()].concat(),
        };
        let mut args = lead.to_vec();
        args.extend([k("--hidden"), k("--cookie"), cookie.clone()]);
        args.extend(release_distribution(shell, name, warnings));
        args.extend(boot_words(&clean, &remote_args));
        args.extend(tail);
        ElixirCall { program, args }
    };
    let rpc = |shell: &Shell, expr: Value, warnings: &mut Vec<String>| {
        hidden(
            shell,
            "elixir",
            "rpc",
            &[],
            vec![k("--rpc-eval"), node.clone(), expr],
            warnings,
        )
    };
    let start =
        |shell: &mut Shell, program: &'static str, tail: Vec<Value>, warnings: &mut Vec<String>| {
            let config = sys_config(shell);
            let mode = var(shell, "RELEASE_MODE");
            let mut args = vec![k("--cookie"), cookie.clone()];
            args.extend(release_distribution(shell, node.clone(), warnings));
            args.extend([
                k("--erl"),
                concat(&[&k("-mode "), &mode]),
                k("--erl-config"),
                config,
            ]);
            args.extend(boot_words(&boot, &vm_args));
            args.extend(tail);
            ElixirCall { program, args }
        };
    let pipe = concat(&[&tmp, &k("/pipe")]);
    let log = concat(&[&tmp, &k("/log")]);
    Ok(match command {
        "start" => start(shell, "elixir", vec![k("--no-halt")], warnings),
        "start_iex" => start(shell, "iex", vec![k("--werl")], warnings),
        "daemon" => start(
            shell,
            "elixir",
            vec![k("--no-halt"), k("--pipe-to"), pipe, log],
            warnings,
        ),
        "daemon_iex" => start(shell, "iex", vec![k("--pipe-to"), pipe, log], warnings),
        "eval" => {
            let e = expr("eval")?;
            let config = sys_config(shell);
            let mut args = vec![k("--cookie"), cookie.clone(), k("--erl-config"), config];
            args.extend(boot_words(&clean, &vm_args));
            args.extend([k("--eval"), e]);
            ElixirCall {
                program: "elixir",
                args,
            }
        }
        "remote" => hidden(
            shell,
            "iex",
            "rem",
            &[k("--werl")],
            vec![k("--remsh"), node.clone()],
            warnings,
        ),
        "rpc" => {
            let e = expr("rpc")?;
            rpc(shell, e, warnings)
        }
        "restart" | "stop" => rpc(shell, k(format!("System.{command}()")), warnings),
        "pid" => rpc(shell, k("IO.puts System.pid()"), warnings),
        other => anyhow::bail!(
            "a Mix release has no `{other}` command that starts a VM (its commands: {})",
            COMMANDS.join(", ")
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_erts_is_read_from_the_elixir_script() {
        let script = "ERTS_BIN=\nERTS_BIN=\"$SCRIPT_PATH\"/../../erts-13.1.5/bin/\n";
        assert_eq!(erts_bin(script).as_deref(), Some("/../../erts-13.1.5/bin/"));
        assert_eq!(erts_bin("ERTS_BIN=\n"), None);
    }

    #[test]
    fn unquoted_expansions_split_at_blanks_unless_unknown() {
        let words: Vec<String> = fields(&Value::known(" -kernel  a\tb\n"))
            .into_iter()
            .map(|v| v.text)
            .collect();
        assert_eq!(words, ["-kernel", "a", "b"]);
        let unknown = fields(&Value::unknown("$(x)", "x"));
        assert_eq!(unknown.len(), 1);
        assert!(unknown[0].unknown.len() == 2);
    }
}
