//! relx's commands that talk to the running node: the remote shell (erlexec with
//! `-remsh`) and erl_call's `rpc`, `eval`, `ping` and `pid`.

use super::relx_files::{grep_lines, join, k, version_at_least};
use relkit_common::shell::Value;

/// What the script's commands that talk to the running node are built from.
pub(super) struct ToNode<'a> {
    pub(super) erts: &'a str,
    pub(super) bindir: &'a Value,
    pub(super) name_type: String,
    pub(super) name: Value,
    pub(super) cookie: Value,
    pub(super) vm_args: Option<Vec<u8>>,
    pub(super) dist_port: Option<Value>,
    pub(super) extra_dist: &'a [Value],
    pub(super) timeout: Value,
}

impl ToNode<'_> {
    /// `DIST_ARGS`: vm.args' lines for `-proto_dist`, `-start_epmd`, `-epmd_module`
    /// and `-kernel inet_dist_use_interface`, as the script greps them (unquoted, so
    /// split into words).
    fn dist_args(&self) -> Vec<Value> {
        let mut lines = grep_lines(&self.vm_args, "-proto_dist");
        lines.extend(grep_lines(&self.vm_args, "-start_epmd"));
        lines.extend(grep_lines(&self.vm_args, "-epmd_module"));
        lines.extend(self.use_interface());
        lines
            .iter()
            .flat_map(|l| l.split_whitespace())
            .map(k)
            .collect()
    }

    fn use_interface(&self) -> Vec<String> {
        grep_lines(&self.vm_args, "-kernel ")
            .into_iter()
            .filter(|l| {
                l.strip_prefix("-kernel").is_some_and(|r| {
                    r.trim_start_matches(' ')
                        .starts_with("inet_dist_use_interface")
                })
            })
            .collect()
    }

    /// The host part of the node's name (`cut -d@ -f2`).
    fn host(&self) -> Value {
        Value {
            text: self
                .name
                .text
                .split('@')
                .nth(1)
                .unwrap_or(&self.name.text)
                .to_string(),
            unknown: self.name.unknown.clone(),
        }
    }

    /// `relx_rem_sh`: erlexec with a hidden node of its own name and `-remsh`.
    pub(super) fn remote_shell(&self, rel_dir: &str, lib_dir: &Value) -> Vec<Value> {
        let mut argv = vec![join(&[self.bindir, &k("/erlexec")])];
        let undefined = (self.name_type == "-sname" && version_at_least(self.erts, "11.0"))
            || (self.name_type == "-name" && version_at_least(self.erts, "11.1"));
        if !self.name_type.is_empty() {
            argv.push(k(&self.name_type));
        }
        if undefined {
            argv.push(join(&[&k("undefined@"), &self.host()]));
        } else {
            argv.push(Value {
                text: format!("remsh$(relx_gen_id)-{}", self.name.text),
                unknown: vec!["eight random hex digits (the script's relx_gen_id)".into()],
            });
        }
        argv.extend([
            k("-remsh"),
            self.name.clone(),
            k("-boot"),
            k(format!("{rel_dir}/start_clean")),
            k("-mode"),
            k("interactive"),
            k("-boot_var"),
            k("SYSTEM_LIB_DIR"),
            lib_dir.clone(),
            k("-setcookie"),
            self.cookie.clone(),
            k("-hidden"),
            k("-kernel"),
            k("net_ticktime"),
            Value::unknown(
                "$TICKTIME",
                "the running node's net_ticktime (the script asks it with erl_call)",
            ),
            k("-dist_listen"),
            k("false"),
        ]);
        argv.extend(self.dist_args());
        argv.extend(self.extra_dist.iter().cloned());
        argv
    }

    /// `erl_rpc` (`call` given: `-a CALL`) or `erl_eval` (`-e`, the expression on
    /// stdin): erl_call's words.
    pub(super) fn erl_call(&self, call: Option<String>, _args: &[String]) -> Vec<Value> {
        let dynamic = if version_at_least(self.erts, "11.0") {
            "-R"
        } else {
            "-r"
        };
        let mut argv = vec![join(&[self.bindir, &k("/erl_call")])];
        match &self.dist_port {
            Some(port) => {
                let address = match self.use_interface().first() {
                    Some(line) => {
                        let tuple = line
                            .split_once("inet_dist_use_interface")
                            .map_or("", |(_, t)| t.trim_start_matches(' '));
                        Value {
                            text: format!("{}:{}", address_of(tuple), port.text),
                            unknown: port.unknown.clone(),
                        }
                    }
                    None => port.clone(),
                };
                argv.extend([
                    k(dynamic),
                    k("-c"),
                    self.cookie.clone(),
                    k("-address"),
                    address,
                ]);
            }
            None => {
                argv.extend([
                    k(&self.name_type),
                    self.name.clone(),
                    k(dynamic),
                    k("-c"),
                    self.cookie.clone(),
                ]);
            }
        }
        argv.extend([k("-timeout"), self.timeout.clone()]);
        match call {
            Some(c) => argv.extend([k("-a"), k(c)]),
            None => argv.push(k("-e")),
        }
        argv
    }
}

/// `addr_tuple_to_str`: `{127,0,0,1}` as `127.0.0.1`, eight numbers as IPv6 hex.
fn address_of(tuple: &str) -> String {
    let parts: Vec<&str> = tuple
        .split(|c: char| "{,}'\" ".contains(c))
        .filter(|p| !p.is_empty())
        .collect();
    let numbers: Vec<u32> = parts.iter().filter_map(|p| p.parse().ok()).collect();
    match (parts.len(), numbers.len()) {
        (4, 4) => numbers
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join("."),
        (8, 8) => numbers
            .iter()
            .map(|n| format!("{n:04x}"))
            .collect::<Vec<_>>()
            .join(":"),
        _ => String::new(),
    }
}
