//! Whether one node reaches another, by what erl does when node A dials node B
//! (`net_adm:ping`, `net_kernel:connect_node`), each rule with its source:
//!
//! - both nodes boot and are distributed (`-name`/`-sname`);
//! - A's mode accepts B's host part (net_kernel's `splitnode`): under long names a
//!   host without a dot must be an IP address; under short names a host must have
//!   no dot. The accepting side does not check the dialler's name;
//! - A's address family reaches B: `inet_tcp` dials IPv4 and `inet6_tcp` IPv6 (an
//!   IP literal of the other family does not resolve); B's `inet_tcp` listens on
//!   IPv4 only, its `inet6_tcp` on IPv6 and, through Linux's dual-stack sockets,
//!   IPv4 too;
//! - A finds B's port: through epmd on B's host (where B registers, with
//!   `-erl_epmd_port` too), or, when A runs with `-erl_epmd_port P`, at port P
//!   itself without asking epmd, which B must listen on; a custom `-epmd_module` is
//!   not modelled;
//! - A auto-connects (`dist_auto_connect never` does not);
//! - the cookies are equal (dist_util's challenge).
//!
//! A connection that forms is still `hidden` (not in `nodes()`) when either side
//! is hidden, and does not mesh further when `connect_all` is false on either.

use super::node::ClusterNode;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// One direction's answer: true, false, or null when it depends on what is not
/// known here; with the codes that explain it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dial {
    pub connects: Option<bool>,
    pub reasons: Vec<String>,
    /// The ports on the other host the dialler reaches, to open between them: epmd's
    /// 4369 and the other's listen range, or the dialler's `-erl_epmd_port`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ports: Option<String>,
}

impl Dial {
    fn no(reason: &str) -> Dial {
        Dial {
            connects: Some(false),
            reasons: vec![reason.to_string()],
            ports: None,
        }
    }

    fn unknown(reason: &str) -> Dial {
        Dial {
            connects: None,
            reasons: vec![reason.to_string()],
            ports: None,
        }
    }
}

/// The reason codes (docs/json.md lists them).
pub const REASONS: &[(&str, &str)] = &[
    (
        "node-not-read",
        "a node could not be read (a host ssh cannot reach, no release there)",
    ),
    ("does-not-boot", "a node of the pair does not boot"),
    (
        "boot-unknown",
        "whether a node of the pair boots depends on when the others start (sync_nodes_mandatory)",
    ),
    (
        "not-distributed",
        "a node of the pair has no -name or -sname",
    ),
    ("name-unknown", "a node's name is not known here"),
    (
        "host-illegal-for-long-names",
        "the dialler runs long names and the other's host has no dot and is no IP address",
    ),
    (
        "host-illegal-for-short-names",
        "the dialler runs short names and the other's host has dots",
    ),
    (
        "address-family",
        "the dialler's address family cannot reach the other's host or listener",
    ),
    (
        "proto-dist-differs",
        "one node runs the distribution over TLS (inet_tls) and the other does not",
    ),
    (
        "tls-certificates",
        "both run inet_tls: whether their certificates (-ssl_dist_optfile) verify is not checked",
    ),
    (
        "host-not-resolved",
        "whether the host name resolves for IPv6 is not known here (give --resolve)",
    ),
    (
        "port-not-listened",
        "the dialler's -erl_epmd_port is not a port the other node listens on",
    ),
    (
        "epmd-module",
        "a custom -epmd_module decides, which is not modelled",
    ),
    (
        "auto-connect-never",
        "the dialler runs with dist_auto_connect never",
    ),
    ("cookies-differ", "the cookies differ"),
    (
        "cookie-unknown",
        "a cookie is not known here (from ~/.erlang.cookie, or not given)",
    ),
    (
        "hidden",
        "connected, but hidden: not in nodes() or Node.list()",
    ),
    (
        "no-mesh",
        "connected, but connect_all is false: the others are not told",
    ),
    (
        "net-ticktime-differs",
        "connected, with different net_ticktime values",
    ),
    ("otp-differs", "connected, with different ERTS versions"),
];

/// How a host part is written.
fn literal(host: &str) -> Option<IpAddr> {
    host.parse().ok()
}

/// Whether `a` dialling `b` connects.
pub fn dial(
    a: &ClusterNode,
    b: &ClusterNode,
    resolve: &dyn Fn(&str, bool) -> Option<bool>,
) -> Dial {
    if a.unreadable.is_some() || b.unreadable.is_some() {
        return Dial::unknown("node-not-read");
    }
    if a.boots == Some(false) || b.boots == Some(false) {
        return Dial::no("does-not-boot");
    }
    if a.boots.is_none() || b.boots.is_none() {
        return Dial::unknown("boot-unknown");
    }
    if a.mode == "none" || b.mode == "none" {
        return Dial::no("not-distributed");
    }
    let Some(host) = b.host.as_deref().filter(|_| b.name.is_some()) else {
        return Dial::unknown("name-unknown");
    };
    if a.name.is_none() && a.mode == "name" && a.host.is_none() {
        return Dial::unknown("name-unknown");
    }
    let ip = literal(host);
    if a.mode == "name" && !host.contains('.') && ip.is_none() {
        return Dial::no("host-illegal-for-long-names");
    }
    if a.mode == "sname" && host.contains('.') {
        return Dial::no("host-illegal-for-short-names");
    }
    if a.dist_auto_connect.as_deref() == Some("never") {
        return Dial::no("auto-connect-never");
    }
    // The address families.
    let a_v6 = family_v6(&a.proto_dist);
    let b_v6 = family_v6(&b.proto_dist);
    let (Some(a_v6), Some(b_v6)) = (a_v6, b_v6) else {
        return Dial::unknown("address-family");
    };
    match ip {
        Some(IpAddr::V4(_)) if a_v6 => return Dial::no("address-family"),
        Some(IpAddr::V6(_)) if !a_v6 => return Dial::no("address-family"),
        Some(_) => {}
        None => match resolve(host, a_v6) {
            Some(false) => return Dial::no("address-family"),
            Some(true) => {}
            None => return Dial::unknown("host-not-resolved"),
        },
    }
    if a_v6 && !b_v6 {
        // B listens on IPv4 only.
        return Dial::no("address-family");
    }
    // TLS on one side only: the handshake fails.
    let tls = |n: &ClusterNode| n.proto_dist.ends_with("_tls");
    if tls(a) != tls(b) {
        return Dial::no("proto-dist-differs");
    }
    // Finding B's port.
    if a.epmd_module.is_some() || b.epmd_module.is_some() {
        return Dial::unknown("epmd-module");
    }
    if let Some(port) = a.erl_epmd_port {
        let listens_there = b.erl_epmd_port == Some(port)
            || (b.erl_epmd_port.is_none()
                && b.listen_min == Some(port)
                && b.listen_max == Some(port));
        if !listens_there {
            return Dial::no("port-not-listened");
        }
    }
    match (&a.cookie, &b.cookie) {
        (Some(x), Some(y)) if x != y => return Dial::no("cookies-differ"),
        (Some(_), Some(_)) => {}
        _ => return Dial::unknown("cookie-unknown"),
    }
    if tls(a) {
        // Whether the certificates of -ssl_dist_optfile verify is not read here.
        return Dial::unknown("tls-certificates");
    }
    let mut notes = Vec::new();
    if a.hidden || b.hidden {
        notes.push("hidden".to_string());
    }
    if !a.connect_all || !b.connect_all {
        notes.push("no-mesh".to_string());
    }
    if a.net_ticktime != b.net_ticktime {
        notes.push("net-ticktime-differs".to_string());
    }
    if a.erts.is_some() && b.erts.is_some() && a.erts != b.erts {
        notes.push("otp-differs".to_string());
    }
    let ports = match (a.erl_epmd_port, b.erl_epmd_port, b.listen_min, b.listen_max) {
        (Some(port), _, _, _) => port.to_string(),
        (None, Some(port), _, _) => format!("4369 (epmd), {port}"),
        (None, None, Some(min), Some(max)) if min == max => format!("4369 (epmd), {min}"),
        (None, None, Some(min), Some(max)) => format!("4369 (epmd), {min}-{max}"),
        _ => "4369 (epmd), any port (no inet_dist_listen_min/max)".to_string(),
    };
    Dial {
        connects: Some(true),
        reasons: notes,
        ports: Some(ports),
    }
}

/// Whether a `-proto_dist` dials IPv6 (`None`: a module not modelled).
fn family_v6(proto: &str) -> Option<bool> {
    match proto {
        "inet_tcp" | "inet_tls" => Some(false),
        "inet6_tcp" | "inet6_tls" => Some(true),
        _ => None,
    }
}

/// Settle which nodes boot: a node with `sync_nodes_mandatory` and a
/// `sync_nodes_timeout` stops booting unless it reaches every listed node (which
/// must itself boot); without the timeout the list is ignored.
pub fn settle_boots(nodes: &mut [ClusterNode], resolve: &dyn Fn(&str, bool) -> Option<bool>) {
    // A node that stops for its own mandatory list is up (distributed, waiting)
    // for its sync_nodes_timeout first: whether another node finds it then is a
    // matter of timing.
    let mut stops_late = vec![false; nodes.len()];
    // Each round can only turn a booting node into one that does not: at most one
    // round per node.
    for _ in 0..=nodes.len() {
        let mut changed = false;
        for i in 0..nodes.len() {
            let node = &nodes[i];
            if node.boots != Some(true) || node.sync_nodes_timeout.is_none() {
                continue;
            }
            let mut missing = Vec::new();
            let mut unknown = false;
            for wanted in &node.sync_nodes_mandatory {
                if Some(wanted) == node.name.as_ref() {
                    continue;
                }
                let found = nodes.iter().position(|n| n.name.as_ref() == Some(wanted));
                match found.map(|j| (j, &nodes[j])) {
                    None => missing.push(wanted.clone()),
                    Some((j, _)) if stops_late[j] => unknown = true,
                    // A connection either side makes counts (the other node may
                    // dial this one from its own lists).
                    Some((_, other)) => match (
                        dial(node, other, resolve).connects,
                        dial(other, node, resolve).connects,
                    ) {
                        (Some(false), Some(false)) => missing.push(wanted.clone()),
                        (Some(true), _) | (_, Some(true)) => {}
                        _ => unknown = true,
                    },
                }
            }
            if !missing.is_empty() {
                stops_late[i] = true;
                let node = &mut nodes[i];
                node.boots = Some(false);
                node.refusal = Some(format!(
                    "sync_nodes_mandatory lists {} and it cannot be reached within sync_nodes_timeout: the node stops booting",
                    missing.join(", ")
                ));
                changed = true;
            } else if unknown
                || node
                    .sync_nodes_mandatory
                    .iter()
                    .any(|m| Some(m) != node.name.as_ref())
            {
                // Reachable nodes still have to be up within the timeout: that is
                // a matter of when each host starts its node.
                let node = &mut nodes[i];
                node.boots = None;
                node.refusal = Some("sync_nodes_mandatory: the node boots only if the listed nodes are up within sync_nodes_timeout of its start".into());
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A booting node `name` (`none` for no distribution) with cookie `c`.
    fn node(name: &str, mode: &str) -> ClusterNode {
        let mut node = ClusterNode::unknown(name);
        node.name = (mode != "none").then(|| name.to_string());
        node.mode = mode.into();
        node.host = name.split_once('@').map(|(_, h)| h.to_string());
        node.cookie = Some("c".into());
        node.boots = Some(true);
        node
    }

    fn answer(a: &ClusterNode, b: &ClusterNode) -> (Option<bool>, String) {
        let d = dial(a, b, &|_, v6| Some(!v6));
        (d.connects, d.reasons.join(","))
    }

    #[test]
    fn the_measured_facts_of_name_modes_and_families() {
        let long = node("a@127.0.0.1", "name");
        let local_long = node("n@localhost", "name");
        let short = node("s@vm", "sname");
        // -name n@localhost is dialled by short names and dials no one without a dot.
        assert_eq!(answer(&short, &local_long).0, Some(true));
        assert_eq!(answer(&local_long, &short).1, "host-illegal-for-long-names");
        assert_eq!(answer(&local_long, &long).0, Some(true));
        assert_eq!(answer(&long, &local_long).1, "host-illegal-for-long-names");
        assert_eq!(answer(&short, &long).1, "host-illegal-for-short-names");
        // An IPv6 literal is a legal long-name host; inet_tcp cannot dial it.
        let mut v6 = node("b@::1", "name");
        v6.proto_dist = "inet6_tcp".into();
        assert_eq!(answer(&long, &v6).1, "address-family");
        let mut v6_at_v4 = node("c@127.0.0.1", "name");
        v6_at_v4.proto_dist = "inet6_tcp".into();
        // An inet6 listener takes IPv4; an inet6 dialler cannot dial an IPv4 literal.
        assert_eq!(answer(&long, &v6_at_v4).0, Some(true));
        assert_eq!(answer(&v6_at_v4, &long).1, "address-family");
        assert_eq!(answer(&v6, &v6_at_v4).1, "address-family");
        assert_eq!(answer(&v6_at_v4, &v6).0, Some(true));
    }

    #[test]
    fn cookies_ports_and_what_connects_but_does_not_show() {
        let a = node("a@127.0.0.1", "name");
        let mut b = node("b@127.0.0.1", "name");
        b.cookie = Some("d".into());
        assert_eq!(answer(&a, &b).1, "cookies-differ");
        b.cookie = None;
        assert_eq!(answer(&a, &b), (None, "cookie-unknown".into()));
        b.cookie = Some("c".into());
        b.hidden = true;
        b.connect_all = false;
        assert_eq!(answer(&a, &b), (Some(true), "hidden,no-mesh".into()));
        let mut fixed = node("f@127.0.0.1", "name");
        fixed.erl_epmd_port = Some(4370);
        // It dials port 4370 only; it is still found through epmd.
        assert_eq!(answer(&fixed, &a).1, "port-not-listened");
        assert_eq!(answer(&a, &fixed).0, Some(true));
        b.listen_min = Some(4370);
        b.listen_max = Some(4370);
        assert_eq!(answer(&fixed, &b).0, Some(true));
        let mut tls = node("t@127.0.0.1", "name");
        tls.proto_dist = "inet_tls".into();
        assert_eq!(answer(&a, &tls).1, "proto-dist-differs");
        let mut tls2 = node("u@127.0.0.1", "name");
        tls2.proto_dist = "inet_tls".into();
        assert_eq!(answer(&tls, &tls2), (None, "tls-certificates".into()));
        let none = node("x@127.0.0.1", "none");
        assert_eq!(answer(&a, &none).1, "not-distributed");
    }

    #[test]
    fn a_mandatory_node_no_one_can_reach_stops_the_boot() {
        let mut a = node("a@127.0.0.1", "name");
        a.sync_nodes_mandatory = vec!["b@127.0.0.1".into(), "gone@127.0.0.1".into()];
        a.sync_nodes_timeout = Some(1000);
        let b = node("b@127.0.0.1", "name");
        let mut nodes = vec![a.clone(), b.clone()];
        settle_boots(&mut nodes, &|_, _| Some(true));
        assert_eq!(nodes[0].boots, Some(false));
        // Reachable: whether it is up in time depends on when it starts.
        a.sync_nodes_mandatory.pop();
        let mut nodes = vec![a.clone(), b];
        settle_boots(&mut nodes, &|_, _| Some(true));
        assert_eq!(nodes[0].boots, None);
        // A node that stops for its own list is up while it waits: one that needs it
        // may find it in time, or not.
        let mut c = node("c@127.0.0.1", "name");
        c.sync_nodes_mandatory = vec!["gone@127.0.0.1".into()];
        c.sync_nodes_timeout = Some(1000);
        let mut d = node("d@127.0.0.1", "name");
        d.sync_nodes_mandatory = vec!["c@127.0.0.1".into()];
        d.sync_nodes_timeout = Some(1000);
        let mut nodes = vec![c, d];
        settle_boots(&mut nodes, &|_, _| Some(true));
        assert_eq!((nodes[0].boots, nodes[1].boots), (Some(false), None));
        // Without a timeout the list is ignored.
        a.sync_nodes_timeout = None;
        let mut nodes = vec![a];
        settle_boots(&mut nodes, &|_, _| Some(true));
        assert_eq!(nodes[0].boots, Some(true));
    }
}
