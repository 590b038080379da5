//! The `-config` files a node boots with, read for `kernel`'s distribution settings
//! as init reads them: `-config F` names `F.config` (the extension added when it is
//! missing); several `-config` flags are read in order and a later value wins; a
//! file is one list of `{App, [{Key, Value}]}` entries and, in a file named `sys`,
//! strings naming further files (read in place, relative to the working directory).
//! A file erl cannot read stops the boot.

use relkit_common::erlang::{consult, Term};
use std::path::{Path, PathBuf};

/// A `kernel` parameter's value and the file and line that set it.
#[derive(Debug, Clone)]
pub struct Setting {
    pub value: Term,
    pub set_by: String,
    /// `FILE:LINE:COLUMN` of each item when the value is a list.
    pub items: Vec<String>,
}

/// What the config files give `kernel`, and why the node would not boot.
#[derive(Debug, Default)]
pub struct KernelConfig {
    pub settings: Vec<(String, Setting)>,
    /// libcluster's `Cluster.Strategy.Epmd` hosts (every such topology, from the
    /// last `topologies` value): each name and where it is written.
    pub libcluster_hosts: Vec<(String, String)>,
    /// Why init stops: the file, the line and what is wrong.
    pub refusal: Option<String>,
    pub read: Vec<String>,
}

impl KernelConfig {
    /// The last value of `key`.
    pub fn get(&self, key: &str) -> Option<&Setting> {
        self.settings
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, s)| s)
    }
}

/// Files the start script writes before erl reads them (relx's rendered
/// sys.config), by path.
pub type Written = [(PathBuf, Vec<u8>)];

/// Read the `-config` values `configs` (as erl was given them), relative to `cwd`,
/// a file the start script writes first taken from `written`.
pub fn read(configs: &[String], cwd: &Path, written: &Written) -> KernelConfig {
    let mut kernel = KernelConfig::default();
    for config in configs {
        let path = with_extension(cwd, config);
        let is_sys = path.file_stem().is_some_and(|s| s == "sys");
        let source = Source { cwd, written };
        if let Err(why) = read_file(&path, &source, is_sys, 0, &mut kernel) {
            kernel.refusal = Some(why);
            return kernel;
        }
    }
    kernel
}

fn with_extension(cwd: &Path, name: &str) -> PathBuf {
    let path = cwd.join(name);
    if path.extension().is_some_and(|e| e == "config") {
        path
    } else {
        PathBuf::from(format!("{}.config", path.display()))
    }
}

/// Where config files are read from.
struct Source<'a> {
    cwd: &'a Path,
    written: &'a Written,
}

fn read_file(
    path: &Path,
    source: &Source<'_>,
    includes_allowed: bool,
    depth: usize,
    kernel: &mut KernelConfig,
) -> Result<(), String> {
    let shown = path.display().to_string();
    if depth > 8 {
        return Err(format!(
            "{shown}: config files include each other more than 8 deep"
        ));
    }
    let bytes = match source.written.iter().rev().find(|(w, _)| w == path) {
        Some((_, bytes)) => bytes.clone(),
        None => std::fs::read(path).map_err(|e| format!("{shown}: cannot be read ({e})"))?,
    };
    let text = String::from_utf8_lossy(&bytes);
    let terms = consult(&text).map_err(|e| format!("{shown}:{e}"))?;
    kernel.read.push(shown.clone());
    let [term] = terms.as_slice() else {
        return Err(format!(
            "{shown}: {} terms, where a config file holds one list",
            terms.len()
        ));
    };
    let place = |t: &Term| {
        let at = relkit_common::Position::of_offset(text.as_bytes(), t.at);
        format!("{shown}:{}", at.line)
    };
    let Some(entries) = term.list() else {
        return Err(format!("{}: the config is not a list", place(term)));
    };
    for entry in entries {
        if let Some(include) = entry.string() {
            if !includes_allowed {
                return Err(format!(
                    "{}: a config file named other than sys.config cannot include {include:?}: init stops",
                    place(entry)
                ));
            }
            let included = with_extension(source.cwd, &include);
            read_file(&included, source, false, depth + 1, kernel)?;
            continue;
        }
        let Some([app, params]) = entry.tuple() else {
            return Err(format!(
                "{}: {} is not {{Application, [{{Key, Value}}]}}",
                place(entry),
                entry.show()
            ));
        };
        let Some(params) = params.list() else {
            return Err(format!(
                "{}: the parameters of {} are not a list",
                place(params),
                app.show()
            ));
        };
        if app.atom() == Some("libcluster") {
            if let Some(hosts) = libcluster_hosts(params, &text, &shown) {
                kernel.libcluster_hosts = hosts;
            }
            continue;
        }
        if app.atom() != Some("kernel") {
            continue;
        }
        for param in params {
            match param.tuple() {
                Some([key, value]) if key.atom().is_some() => kernel.settings.push((
                    key.atom().unwrap_or_default().to_string(),
                    Setting {
                        value: value.clone(),
                        set_by: place(key),
                        items: value
                            .list()
                            .unwrap_or_default()
                            .iter()
                            .map(|item| {
                                let at =
                                    relkit_common::Position::of_offset(text.as_bytes(), item.at);
                                format!("{shown}:{}:{}", at.line, at.column)
                            })
                            .collect(),
                    },
                )),
                _ => {
                    return Err(format!(
                        "{}: kernel's parameter {} is not {{Key, Value}}",
                        place(param),
                        param.show()
                    ))
                }
            }
        }
    }
    Ok(())
}

/// The value of `key` in a keyword list (`[{key, Value}, ...]`), the last one.
fn keyword<'t>(list: &'t [Term], key: &str) -> Option<&'t Term> {
    list.iter().rev().find_map(|item| match item.tuple() {
        Some([k, v]) if k.atom() == Some(key) => Some(v),
        _ => None,
    })
}

/// libcluster's `topologies` (as Mix writes `config :libcluster, topologies: [...]`
/// into sys.config): the hosts of every `Cluster.Strategy.Epmd` topology, with
/// their places; `None` when the parameters set no topologies.
fn libcluster_hosts(params: &[Term], text: &str, shown: &str) -> Option<Vec<(String, String)>> {
    let topologies = keyword(params, "topologies")?.list()?;
    let mut hosts = Vec::new();
    for topology in topologies {
        let Some([_, options]) = topology.tuple() else {
            continue;
        };
        let Some(options) = options.list() else {
            continue;
        };
        if keyword(options, "strategy").and_then(Term::atom) != Some("Elixir.Cluster.Strategy.Epmd")
        {
            continue;
        }
        let listed = keyword(options, "config")
            .and_then(Term::list)
            .and_then(|config| keyword(config, "hosts"))
            .and_then(Term::list)
            .unwrap_or_default();
        for host in listed {
            if let Some(name) = host.atom() {
                let at = relkit_common::Position::of_offset(text.as_bytes(), host.at);
                hosts.push((
                    name.to_string(),
                    format!("{shown}:{}:{}", at.line, at.column),
                ));
            }
        }
    }
    Some(hosts)
}

/// A term read as a list of node names (atoms), with what is not one.
pub fn node_list(term: &Term) -> Result<Vec<String>, String> {
    let Some(items) = term.list() else {
        return Err(format!("{} is not a list of node names", term.show()));
    };
    items
        .iter()
        .map(|t| {
            t.atom()
                .map(str::to_string)
                .ok_or_else(|| format!("{} in the list is not a node name (an atom)", t.show()))
        })
        .collect()
}
