//! One node of the cluster, from its `vmargs.boot` reading and its `-config` files.

use super::config::{self, KernelConfig};
use crate::boot::doc::{BootDoc, BootWord};
use relkit_common::erlang::{consult, Term};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One node of the cluster, as erl would boot it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterNode {
    pub label: String,
    /// The file, release or document it was read from.
    pub source: String,
    /// `name@host` as other nodes dial it; absent when not distributed or not known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `"name"` (long names), `"sname"` (short names) or `"none"`.
    pub mode: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    pub hidden: bool,
    /// The cookie's fingerprint (`vmargs.boot`'s), absent when not known here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cookie: Option<String>,
    pub cookie_source: String,
    pub proto_dist: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listen_min: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listen_max: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erl_epmd_port: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epmd_module: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_epmd: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_ticktime: Option<String>,
    pub connect_all: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dist_auto_connect: Option<String>,
    pub sync_nodes_mandatory: Vec<String>,
    pub sync_nodes_optional: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_nodes_timeout: Option<i64>,
    /// The hosts of libcluster's `Cluster.Strategy.Epmd` topologies in its config,
    /// which the node dials once it runs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub libcluster_hosts: Vec<String>,
    /// The ERTS version the node runs, when the release says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erts: Option<String>,
    /// The `-config` files read.
    pub config: Vec<String>,
    /// Whether the node boots: false with `refusal` saying why; null when that
    /// depends on what is not known here.
    pub boots: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
    /// Why the node could not be read at all (a host ssh cannot reach, a release
    /// that is not there): its pairs are unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
    /// Where each setting came from: `name`, `cookie`, and each kernel key.
    pub set_by: std::collections::BTreeMap<String, String>,
    /// Where each name of the sync lists is written (`FILE:LINE:COLUMN`).
    #[serde(skip)]
    pub listed_at: std::collections::BTreeMap<String, String>,
}

/// `-kernel KEY VALUE` pairs of erl's effective arguments, in order.
fn kernel_flags(args: &[BootWord]) -> Vec<(String, Option<String>)> {
    let mut pairs = Vec::new();
    let mut i = 0;
    while i < args.len() {
        if matches!(&args[i], BootWord::Str(w) if w == "-kernel") {
            i += 1;
            while i + 1 < args.len() {
                let BootWord::Str(key) = &args[i] else { break };
                if key.starts_with('-') {
                    break;
                }
                let value = match &args[i + 1] {
                    BootWord::Str(v) => Some(v.clone()),
                    _ => None,
                };
                pairs.push((key.clone(), value));
                i += 2;
            }
        } else {
            i += 1;
        }
    }
    pairs
}

/// An init flag's first value (`-connect_all false`).
fn flag_value(args: &[BootWord], flag: &str) -> Option<String> {
    args.windows(2).rev().find_map(|w| match w {
        [BootWord::Str(f), BootWord::Str(v)] if f == flag => Some(v.clone()),
        _ => None,
    })
}

fn term_of(text: &str) -> Option<Term> {
    consult(&format!("{text}.")).ok()?.into_iter().next()
}

impl ClusterNode {
    /// The node `doc` describes; its `-config` files read relative to `cwd` when
    /// `read_config` (a release's or a file's own, on this machine).
    pub fn from_boot(
        label: &str,
        source: &str,
        doc: &BootDoc,
        cwd: &Path,
        read_config: bool,
    ) -> ClusterNode {
        let args = &doc.effective_args;
        let mut set_by = Vec::new();
        // (kept in order while read; the document has one entry per setting)
        let mut refusal = doc
            .findings
            .iter()
            .find(|f| f.code == crate::codes::CODE_ERL_REFUSES)
            .map(|f| f.message.clone());
        let (mut name, mut mode, mut host, hidden) = match &doc.node {
            Some(n) => {
                set_by.push(("name".to_string(), n.set_by.clone()));
                let known = matches!(n.value, BootWord::Str(_));
                let host = n.host.clone();
                let full = host.as_ref().map(|h| format!("{}@{h}", n.name));
                (
                    if known { full } else { None },
                    n.distribution.clone(),
                    host,
                    n.hidden,
                )
            }
            None => (None, "none".to_string(), None, false),
        };
        if mode == "sname" && host.is_none() && name.is_none() {
            if let Some(BootWord::Str(_)) = doc.node.as_ref().map(|n| &n.value) {
                // erl adds this machine's short name.
                let here = this_host_short();
                host = Some(here.clone());
                name = doc.node.as_ref().map(|n| format!("{}@{here}", n.name));
            }
        }
        if mode == "sname" && host.as_deref().is_some_and(|h| h.contains('.')) {
            refusal.get_or_insert_with(|| {
                format!(
                    "-sname with the host part {:?}: short names take a host without dots, and erl stops at boot",
                    host.as_deref().unwrap_or_default()
                )
            });
        }
        if mode == "none" {
            name = None;
            mode = "none".into();
        }
        let (cookie, cookie_source) = match &doc.cookie {
            Some(c) => {
                set_by.push(("cookie".to_string(), c.source.clone()));
                (c.fingerprint.clone(), c.source.clone())
            }
            None => (None, "not known".to_string()),
        };
        let kernel = if read_config {
            config::read(&doc.config, cwd, &doc.written)
        } else {
            KernelConfig::default()
        };
        if let Some(why) = &kernel.refusal {
            refusal.get_or_insert_with(|| why.clone());
        }
        // A `-kernel` flag wins over the config files.
        let flags = kernel_flags(args);
        let setting = |key: &str, set_by: &mut Vec<(String, String)>| -> Option<Term> {
            if let Some((_, value)) = flags.iter().rev().find(|(k, _)| k == key) {
                set_by.push((key.to_string(), "-kernel on erl's command line".into()));
                return value.as_deref().and_then(term_of);
            }
            kernel.get(key).map(|s| {
                set_by.push((key.to_string(), s.set_by.clone()));
                s.value.clone()
            })
        };
        let number = |t: Option<Term>| t.and_then(|t| t.integer());
        let listen_min = number(setting("inet_dist_listen_min", &mut set_by))
            .and_then(|n| u32::try_from(n).ok());
        let listen_max = number(setting("inet_dist_listen_max", &mut set_by))
            .and_then(|n| u32::try_from(n).ok());
        let erl_epmd_port = d_erl_epmd_port(doc);
        if let (Some(min), Some(max), None, true) =
            (listen_min, listen_max, erl_epmd_port, mode != "none")
        {
            // (-erl_epmd_port sets the port the node listens on: the range is unused.)
            if min > max {
                refusal.get_or_insert_with(|| {
                    format!("inet_dist_listen_min {min} is above inet_dist_listen_max {max}: the distribution does not start")
                });
            }
        }
        let lists =
            |key: &str, set_by: &mut Vec<(String, String)>, refusal: &mut Option<String>| {
                match setting(key, set_by).map(|t| config::node_list(&t)) {
                    Some(Ok(names)) => names,
                    Some(Err(why)) => {
                        refusal.get_or_insert_with(|| format!("kernel's {key}: {why}"));
                        Vec::new()
                    }
                    None => Vec::new(),
                }
            };
        let sync_nodes_mandatory = lists("sync_nodes_mandatory", &mut set_by, &mut refusal);
        let sync_nodes_optional = lists("sync_nodes_optional", &mut set_by, &mut refusal);
        let sync_nodes_timeout = number(setting("sync_nodes_timeout", &mut set_by));
        let mut listed_at = std::collections::BTreeMap::new();
        for (name, at) in &kernel.libcluster_hosts {
            listed_at.entry(name.clone()).or_insert_with(|| at.clone());
        }
        for (key, names) in [
            ("sync_nodes_mandatory", &sync_nodes_mandatory),
            ("sync_nodes_optional", &sync_nodes_optional),
        ] {
            let from_flags = flags.iter().any(|(k, _)| k == key);
            if let Some(found) = kernel.get(key).filter(|_| !from_flags) {
                for (name, at) in names.iter().zip(&found.items) {
                    listed_at.entry(name.clone()).or_insert_with(|| at.clone());
                }
            }
        }
        let connect_all = flag_value(args, "-connect_all")
            .or_else(|| setting("connect_all", &mut set_by).map(|t| t.show()))
            .is_none_or(|v| v != "false");
        let atom = |t: Option<Term>| t.map(|t| t.atom().map_or_else(|| t.show(), str::to_string));
        let dist_auto_connect = atom(setting("dist_auto_connect", &mut set_by));
        let net_ticktime = setting("net_ticktime", &mut set_by).map(|t| t.show());
        let d = &doc.distribution;
        ClusterNode {
            label: label.to_string(),
            source: source.to_string(),
            name,
            mode,
            host,
            hidden,
            cookie,
            cookie_source,
            proto_dist: d.proto_dist.clone().unwrap_or_else(|| "inet_tcp".into()),
            listen_min,
            listen_max,
            erl_epmd_port,
            epmd_module: d.epmd_module.clone(),
            start_epmd: d.start_epmd.clone(),
            net_ticktime,
            connect_all,
            dist_auto_connect,
            sync_nodes_mandatory,
            sync_nodes_optional,
            sync_nodes_timeout,
            libcluster_hosts: kernel
                .libcluster_hosts
                .iter()
                .map(|(n, _)| n.clone())
                .collect(),
            erts: (!doc.release.erts.is_empty()).then(|| doc.release.erts.clone()),
            config: kernel.read,
            boots: if refusal.is_some() {
                Some(false)
            } else {
                Some(true)
            },
            refusal,
            unreadable: None,
            set_by: set_by.into_iter().collect(),
            listed_at,
        }
    }

    /// A node nothing is known of but where it was looked for.
    pub fn unknown(source: &str) -> ClusterNode {
        ClusterNode {
            label: source.to_string(),
            source: source.to_string(),
            name: None,
            mode: "none".into(),
            host: None,
            hidden: false,
            cookie: None,
            cookie_source: "not known".into(),
            proto_dist: "inet_tcp".into(),
            listen_min: None,
            listen_max: None,
            erl_epmd_port: None,
            epmd_module: None,
            start_epmd: None,
            net_ticktime: None,
            connect_all: true,
            dist_auto_connect: None,
            sync_nodes_mandatory: Vec::new(),
            sync_nodes_optional: Vec::new(),
            sync_nodes_timeout: None,
            libcluster_hosts: Vec::new(),
            erts: None,
            config: Vec::new(),
            boots: None,
            refusal: None,
            unreadable: None,
            set_by: Default::default(),
            listed_at: Default::default(),
        }
    }
}

fn d_erl_epmd_port(doc: &BootDoc) -> Option<u32> {
    doc.distribution
        .erl_epmd_port
        .as_deref()
        .and_then(|p| p.parse().ok())
}

/// This machine's host name up to its first dot: what erl adds to `-sname NAME`.
pub fn this_host_short() -> String {
    let node = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    node.trim()
        .split('.')
        .next()
        .unwrap_or_default()
        .to_string()
}
