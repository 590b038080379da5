//! The `vmargs.cluster` document (docs/json.md): the nodes, every pair both ways,
//! the findings; and its human table.

use super::node::ClusterNode;
use super::pairs::{dial, settle_boots, Dial};
use crate::codes::*;
use relkit_common::{Document, Finding, Severity};
use serde::{Deserialize, Serialize};

/// Two nodes: whether either reaches the other, and each direction's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pair {
    pub a: String,
    pub b: String,
    /// True when a connection forms (from either side), false when neither side can
    /// make one, null when that is not known here.
    pub connects: Option<bool>,
    pub a_to_b: Dial,
    pub b_to_a: Dial,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterDoc {
    pub nodes: Vec<ClusterNode>,
    pub pairs: Vec<Pair>,
    pub notes: Vec<String>,
    pub assumptions: Vec<String>,
    pub findings: Vec<Finding>,
}

impl Document for ClusterDoc {
    const KIND: &'static str = "vmargs.cluster";
}

fn either(x: Option<bool>, y: Option<bool>) -> Option<bool> {
    match (x, y) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

/// The cluster of `nodes`: boots settled, nodes read twice merged, every pair
/// judged, the findings.
pub fn cluster(
    mut nodes: Vec<ClusterNode>,
    resolve: &dyn Fn(&str, bool) -> Option<bool>,
    mut notes: Vec<String>,
) -> ClusterDoc {
    let mut findings = Vec::new();
    // The same node given twice (same name, same settings) counts once.
    let mut kept: Vec<ClusterNode> = Vec::new();
    for node in nodes.drain(..) {
        let twin = kept
            .iter()
            .position(|k| k.name.is_some() && k.name == node.name);
        match twin {
            Some(at) => {
                let first = &kept[at];
                let note = format!(
                    "{} and {} are the same node {}: counted once",
                    first.label,
                    node.label,
                    node.name.as_deref().unwrap_or_default()
                );
                findings.push(
                    finding(Severity::Info, CODE_SAME_NODE_TWICE, note.clone())
                        .in_file(node.source.clone()),
                );
                notes.push(note);
            }
            None => kept.push(node),
        }
    }
    let mut nodes = kept;
    settle_boots(&mut nodes, resolve);
    for node in &nodes {
        let own_port = node.erl_epmd_port.is_some() || node.epmd_module.is_some();
        if node.start_epmd.as_deref() == Some("false") && node.mode != "none" && !own_port {
            findings.push(
                finding(
                    Severity::Info,
                    CODE_EPMD_NOT_STARTED,
                    format!(
                        "{} runs with -start_epmd false and finds ports through epmd: it boots only on a host where epmd already runs (another node's, or systemd's epmd.socket); the answers here assume one does",
                        node.label
                    ),
                )
                .in_file(node.source.clone())
                .with_hint("run epmd on the host (epmd -daemon, or epmd.socket), or give every node -erl_epmd_port"),
            );
        }
        if let Some(why) = &node.unreadable {
            findings.push(
                finding(
                    Severity::Error,
                    CODE_NODE_NOT_READ,
                    format!("{} could not be read, so its pairs are not known: {why}", node.label),
                )
                .with_hint("check that `ssh -o BatchMode=yes HOST true` works and that the release directory is there"),
            );
        }
        if let (Some(false), Some(why)) = (node.boots, &node.refusal) {
            findings.push(
                finding(
                    Severity::Error,
                    CODE_NODE_DOES_NOT_BOOT,
                    format!("{} does not boot: {why}", node.label),
                )
                .placed(refusal_place(why, &node.source)),
            );
        }
    }
    let mut pairs = Vec::new();
    for (i, a) in nodes.iter().enumerate() {
        for b in &nodes[i + 1..] {
            let a_to_b = dial(a, b, resolve);
            let b_to_a = dial(b, a, resolve);
            let connects = either(a_to_b.connects, b_to_a.connects);
            findings.extend(pair_findings(a, b, &a_to_b, &b_to_a, connects));
            pairs.push(Pair {
                a: a.label.clone(),
                b: b.label.clone(),
                connects,
                a_to_b,
                b_to_a,
            });
        }
    }
    findings.extend(sync_findings(&nodes));
    ClusterDoc {
        nodes,
        pairs,
        notes,
        assumptions: vec![
            "every node runs on a host that reaches the others' (no firewall between them is modelled; the ports to open are listed per pair)".into(),
            "an IPv6 listener (inet6_tcp) takes IPv4 connections too, as Linux's default net.ipv6.bindv6only=0 makes it".into(),
            "epmd runs on every host (with -start_epmd false the node does not start one)".into(),
        ],
        findings,
    }
}

fn explain(dial: &Dial) -> String {
    dial.reasons.join(", ")
}

fn pair_findings(
    a: &ClusterNode,
    b: &ClusterNode,
    a_to_b: &Dial,
    b_to_a: &Dial,
    connects: Option<bool>,
) -> Vec<Finding> {
    let mut found = Vec::new();
    let booting = a.boots != Some(false) && b.boots != Some(false);
    match connects {
        Some(false) if booting => found.push(
            finding(
                Severity::Error,
                CODE_NODES_DO_NOT_CONNECT,
                format!(
                    "{} and {} will not connect: {} dialling {}: {}; {} dialling {}: {}",
                    a.label,
                    b.label,
                    a.label,
                    b.label,
                    explain(a_to_b),
                    b.label,
                    a.label,
                    explain(b_to_a)
                ),
            )
            .with_hint(hint(a_to_b)),
        ),
        Some(true) if a_to_b.connects != b_to_a.connects => {
            let (from, to, failed) = if a_to_b.connects == Some(true) {
                (a, b, b_to_a)
            } else {
                (b, a, a_to_b)
            };
            found.push(finding(
                Severity::Warning,
                CODE_CONNECTS_ONE_WAY,
                format!(
                    "{} reaches {}, but not the other way ({}): the pair connects only when {} dials first",
                    from.label, to.label, explain(failed), from.label
                ),
            ));
        }
        None if booting => found.push(finding(
            Severity::Info,
            CODE_CONNECTION_UNKNOWN,
            format!(
                "whether {} and {} connect is not known here: {}",
                a.label,
                b.label,
                [explain(a_to_b), explain(b_to_a)].join("; ")
            ),
        )),
        _ => {}
    }
    found
}

fn hint(dial: &Dial) -> String {
    match dial.reasons.first().map(String::as_str) {
        Some("cookies-differ") => "give every node of the cluster the same cookie (RELEASE_COOKIE, or -setcookie in each vm.args)".into(),
        Some("host-illegal-for-long-names" | "host-illegal-for-short-names") => {
            "run every node with the same mode: -name with a dotted host or IP on every host, or -sname everywhere".into()
        }
        Some("address-family") => "use one -proto_dist on every node, and host parts of its address family".into(),
        Some("not-registered-with-epmd" | "port-not-listened") => {
            "give every node the same -erl_epmd_port, or none".into()
        }
        _ => "see the reasons in docs/json.md (vmargs.cluster)".into(),
    }
}

fn sync_findings(nodes: &[ClusterNode]) -> Vec<Finding> {
    let mut found = Vec::new();
    let names: Vec<&str> = nodes.iter().filter_map(|n| n.name.as_deref()).collect();
    for node in nodes {
        let Some(me) = node.name.as_deref() else {
            continue;
        };
        let listed: Vec<(&String, bool)> = node
            .sync_nodes_mandatory
            .iter()
            .map(|n| (n, true))
            .chain(node.sync_nodes_optional.iter().map(|n| (n, false)))
            .collect();
        let where_ = node
            .set_by
            .iter()
            .find(|(k, _)| k.starts_with("sync_nodes_"))
            .map_or_else(|| node.source.clone(), |(_, v)| v.clone());
        for (name, mandatory) in &listed {
            let where_ = node.listed_at.get(name.as_str()).unwrap_or(&where_);
            if name.as_str() == me {
                found.push(
                    finding(
                        Severity::Warning,
                        CODE_SYNC_LISTS_ITSELF,
                        format!("{} lists itself ({me}) in {}", node.label, sync_key(*mandatory)),
                    )
                    .placed(where_)
                    .with_hint("list the other nodes only (each host's config differs), or build the list at runtime"),
                );
            } else if !names.contains(&name.as_str()) {
                found.push(
                    finding(
                        if *mandatory { Severity::Error } else { Severity::Warning },
                        CODE_SYNC_UNKNOWN_NODE,
                        format!(
                            "{} lists {name} in {}, which is no node of this cluster{}",
                            node.label,
                            sync_key(*mandatory),
                            if *mandatory && node.sync_nodes_timeout.is_some() {
                                ": the node waits sync_nodes_timeout for it and then stops booting"
                            } else {
                                ": the node waits sync_nodes_timeout for it at every boot"
                            }
                        ),
                    )
                    .placed(where_)
                    .with_hint(relkit_common::text::closest(name, names.iter().copied(), |_| 2).map_or_else(
                        || "list the cluster's node names exactly as each node's -name gives them".to_string(),
                        |c| format!("did you mean {c}?"),
                    )),
                );
            }
        }
        // libcluster's Epmd hosts: the node dials them once it runs (itself is
        // skipped, so one list for every node is the usual way).
        for host in &node.libcluster_hosts {
            if !names.contains(&host.as_str()) {
                let where_ = node.listed_at.get(host.as_str()).unwrap_or(&where_);
                found.push(
                    finding(
                        Severity::Warning,
                        CODE_LIBCLUSTER_UNKNOWN_NODE,
                        format!(
                            "{} lists {host} in a libcluster Cluster.Strategy.Epmd topology, which is no node of this cluster: libcluster keeps dialling it",
                            node.label
                        ),
                    )
                    .placed(where_)
                    .with_hint(relkit_common::text::closest(host, names.iter().copied(), |_| 2).map_or_else(
                        || "list the cluster's node names exactly as each node's -name gives them".to_string(),
                        |c| format!("did you mean {c}?"),
                    )),
                );
            }
        }
        let others = names.iter().filter(|n| **n != me).count();
        let lists_others = listed
            .iter()
            .map(|(n, _)| *n)
            .chain(&node.libcluster_hosts)
            .any(|n| n.as_str() != me && names.contains(&n.as_str()));
        let any_lists = nodes.iter().any(|n| {
            !n.sync_nodes_optional.is_empty()
                || !n.sync_nodes_mandatory.is_empty()
                || !n.libcluster_hosts.is_empty()
        });
        if others > 0 && any_lists && !lists_others {
            found.push(
                finding(
                    Severity::Warning,
                    CODE_SYNC_LISTS_NONE,
                    format!("{} lists none of the other nodes in sync_nodes_optional, sync_nodes_mandatory or libcluster's hosts: it joins only when another node dials it", node.label),
                )
                .in_file(node.source.clone()),
            );
        }
        for other in nodes {
            let Some(them) = other.name.as_deref() else {
                continue;
            };
            if them == me {
                continue;
            }
            let i_list = listed.iter().any(|(n, _)| n.as_str() == them);
            let they_list = other
                .sync_nodes_mandatory
                .iter()
                .chain(&other.sync_nodes_optional)
                .any(|n| n == me);
            let they_list_any =
                !other.sync_nodes_mandatory.is_empty() || !other.sync_nodes_optional.is_empty();
            if i_list && !they_list && they_list_any {
                found.push(
                    finding(
                        Severity::Warning,
                        CODE_SYNC_ASYMMETRIC,
                        format!(
                            "{} lists {them}, but {} does not list {me}",
                            node.label, other.label
                        ),
                    )
                    .placed(node.listed_at.get(them).unwrap_or(&where_)),
                );
            }
        }
    }
    found
}

/// A finding placed at `FILE:LINE[:COLUMN]` (or a file alone).
trait Placed {
    fn placed(self, place: &str) -> Finding;
}

impl Placed for Finding {
    fn placed(self, place: &str) -> Finding {
        let mut parts = place.rsplitn(3, ':');
        let last = parts.next().and_then(|n| n.parse::<u32>().ok());
        let middle = parts.next();
        match (
            last,
            middle.and_then(|n| n.parse::<u32>().ok()),
            parts.next(),
        ) {
            (Some(column), Some(line), Some(file)) => self.in_file(file).at(line, column, column),
            (Some(line), _, _) => {
                let file = place.rsplit_once(':').map_or(place, |(f, _)| f);
                self.in_file(file).at(line, 1, 1)
            }
            _ => self.in_file(place),
        }
    }
}

/// Where a refusal points: the `FILE:LINE:COLUMN` (or file) it starts with, else
/// the node's own source.
fn refusal_place<'r>(refusal: &'r str, source: &'r str) -> &'r str {
    match refusal.split_once(": ") {
        Some((place, _)) if place.contains(".config") => place,
        _ => source,
    }
}

fn sync_key(mandatory: bool) -> &'static str {
    if mandatory {
        "sync_nodes_mandatory"
    } else {
        "sync_nodes_optional"
    }
}

impl ClusterDoc {
    /// The human table: the nodes, then every pair.
    pub fn human(&self) -> String {
        let mut out = String::new();
        out.push_str("nodes\n");
        for n in &self.nodes {
            let boots = match n.boots {
                Some(true) => "",
                Some(false) => "  DOES NOT BOOT",
                None => "  boot not known",
            };
            let ports = match (n.listen_min, n.listen_max) {
                (Some(min), Some(max)) => format!(" ports {min}-{max}"),
                _ => String::new(),
            };
            out.push_str(&format!(
                "  {:<12} -{} {}  cookie {}  {}{}{}{}\n",
                n.label,
                n.mode,
                n.name.as_deref().unwrap_or("(name not known)"),
                n.cookie.as_deref().unwrap_or("(not known)"),
                n.proto_dist,
                if n.hidden { " hidden" } else { "" },
                ports,
                boots
            ));
        }
        out.push_str("pairs\n");
        for p in &self.pairs {
            let word = match p.connects {
                Some(true) => "connects",
                Some(false) => "REFUSED",
                None => "unknown",
            };
            let why = |d: &Dial| {
                let answer = match d.connects {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "?",
                };
                let mut parts = d.reasons.clone();
                parts.extend(d.ports.as_ref().map(|p| format!("ports {p}")));
                if parts.is_empty() {
                    answer.to_string()
                } else {
                    format!("{answer} ({})", parts.join("; "))
                }
            };
            out.push_str(&format!(
                "  {} - {}: {word}; {}->{}: {}; {}->{}: {}\n",
                p.a,
                p.b,
                p.a,
                p.b,
                why(&p.a_to_b),
                p.b,
                p.a,
                why(&p.b_to_a)
            ));
        }
        for note in &self.notes {
            out.push_str(&format!("  note: {note}\n"));
        }
        out
    }
}
