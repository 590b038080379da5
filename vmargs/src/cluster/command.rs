//! `vmargs cluster NODE...`: its flags and its run.

use super::doc::{cluster, ClusterDoc};
use super::node::ClusterNode;
use crate::boot::doc::BootDoc;
use crate::boot::Request;
use crate::codes::TOOL;
use anyhow::{bail, Context, Result};
use relkit_common::{CommonArgs, FindingArgs, Reporter, Secrets, Severity, Status};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct ClusterArgs {
    /// The cluster's nodes: vm.args files, release directories or tarballs; none or
    /// - reads vmargs.boot, vmargs.file and release-pack.inspect documents from stdin.
    pub nodes: Vec<PathBuf>,
    /// A name for the nodes in reports, one per node in order [default: the file
    /// or directory, or the node name].
    #[arg(long, value_name = "LABEL")]
    pub label: Vec<String>,
    /// The start script's command for releases [default: start (Mix), foreground (relx)].
    #[arg(long, value_name = "COMMAND")]
    pub command: Option<String>,
    /// Set a variable for the releases' start scripts (repeatable; as for `boot`).
    #[arg(long, value_name = "NAME=VALUE")]
    pub env: Vec<String>,
    /// Start the scripts in this process's environment (then --env on top).
    #[arg(long)]
    pub env_from_process: bool,
    /// A node on another host, read over ssh: [USER@]HOST:DIR, the release
    /// directory there (repeatable).
    #[arg(long = "host", value_name = "[USER@]HOST:DIR")]
    pub hosts: Vec<String>,
    /// Hosts from edeliver's config: a relconf.deliver document (`relconf parse
    /// .deliver/config --env production`), a FILE or - for stdin; each target is
    /// read as --host is.
    #[arg(long, value_name = "FILE")]
    pub hosts_from: Option<PathBuf>,
    /// How many hosts are read at a time.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..))]
    pub concurrency: u32,
    #[command(flatten)]
    pub ssh: relkit_common::ssh::SshArgs,
    /// Look host names up here (for IPv6 names; otherwise a name is taken to
    /// resolve to an IPv4 address and its IPv6 one is not known).
    #[arg(long)]
    pub resolve: bool,
    #[command(flatten)]
    pub findings: FindingArgs,
}

/// Each node read, with its label.
fn read_nodes(
    args: &ClusterArgs,
    request: &Request,
    notes: &mut Vec<String>,
) -> Result<Vec<ClusterNode>> {
    let mut hosts = args.hosts.clone();
    if let Some(from) = &args.hosts_from {
        hosts.extend(deliver_targets(from, notes)?);
    }
    let from_stdin = (args.nodes.is_empty() && hosts.is_empty() && args.hosts_from.is_none())
        || args.nodes.iter().any(|p| p == Path::new("-"));
    let paths: Vec<&PathBuf> = args.nodes.iter().filter(|p| *p != Path::new("-")).collect();
    // Each node's boot is a few milliseconds of its own: a cluster of fifty is
    // read on every core.
    let read = relkit_common::threads::map_in_order(&paths, 4, |path| read_path(path, request));
    let mut nodes = Vec::new();
    for node in read {
        nodes.push(node?);
    }
    for spec in &hosts {
        super::hosts::split_spec(spec)?;
    }
    nodes.extend(super::hosts::read_hosts(
        &hosts,
        &args.ssh.words(),
        request,
        args.concurrency as usize,
    ));
    if from_stdin {
        let input = relkit_common::read_input(None)?;
        let docs = relkit_common::Documents::read(
            &input.name,
            &input.bytes,
            &["vmargs.boot", "vmargs.file", "release-pack.inspect"],
        )?;
        for (i, doc) in docs.0.iter().enumerate() {
            let source = format!("{} (document {})", input.name, i + 1);
            if doc.get("kind").and_then(|k| k.as_str()) == Some("vmargs.file") {
                nodes.push(node_of_file_doc(doc, request, &source)?);
                continue;
            }
            let boot: BootDoc = if doc.get("kind").and_then(|k| k.as_str()) == Some("vmargs.boot") {
                serde_json::from_value(doc.clone())
                    .with_context(|| format!("{source}: not a vmargs.boot document"))?
            } else {
                crate::boot::assemble::boot_inspect(doc, request)?
            };
            let label = boot
                .node
                .as_ref()
                .and_then(|n| n.host.as_ref().map(|h| format!("{}@{h}", n.name)))
                .unwrap_or_else(|| source.clone());
            nodes.push(ClusterNode::from_boot(
                &label,
                &source,
                &boot,
                Path::new("/"),
                false,
            ));
        }
        if !docs.0.is_empty() {
            notes.push("the -config files of nodes read from documents are not read".into());
        }
    }
    if !args.label.is_empty() {
        if args.label.len() != nodes.len() {
            bail!(
                "{} --label values for {} nodes: give one per node, in order",
                args.label.len(),
                nodes.len()
            );
        }
        for (node, label) in nodes.iter_mut().zip(&args.label) {
            node.label = label.clone();
        }
    }
    Ok(nodes)
}

/// The targets of the one environment a relconf.deliver document names.
fn deliver_targets(from: &Path, notes: &mut Vec<String>) -> Result<Vec<String>> {
    let input = relkit_common::read_input((from != Path::new("-")).then_some(from))?;
    let docs = relkit_common::Documents::read(&input.name, &input.bytes, &["relconf.deliver"])?;
    let mut targets = Vec::new();
    for doc in &docs.0 {
        let environments = doc["environments"].as_array().cloned().unwrap_or_default();
        let names: Vec<&str> = environments
            .iter()
            .filter_map(|e| e["name"].as_str())
            .collect();
        let [environment] = environments.as_slice() else {
            bail!(
                "{}: edeliver's config has the environments {}: pick one with `relconf parse .deliver/config --env NAME`",
                input.name,
                names.join(", ")
            );
        };
        let listed: Vec<String> = environment["targets"]
            .as_array()
            .map(|t| {
                t.iter()
                    .filter_map(|t| t.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if listed.is_empty() {
            bail!(
                "{}: the environment {} has no targets (DELIVER_TO and APP must be known: see the document's notes)",
                input.name,
                names.join("")
            );
        }
        notes.push(format!(
            "hosts of edeliver's {} environment: {}",
            names.join(""),
            listed.join(", ")
        ));
        targets.extend(listed);
    }
    Ok(targets)
}

/// A node from a `vmargs.file` document: its words written back to a file (the
/// cookie recovered from the file it names, else unknown) and read as erl reads
/// it, its `-config` and `-args_file` paths from the working directory.
fn node_of_file_doc(
    doc: &serde_json::Value,
    request: &Request,
    source: &str,
) -> Result<ClusterNode> {
    let file: crate::doc::FileDoc = serde_json::from_value(doc.clone())
        .with_context(|| format!("{source}: not a vmargs.file document"))?;
    let (bytes, redacted) = match crate::render::from_doc(&file) {
        Ok(bytes) => (bytes, false),
        Err(_) => {
            // A stand-in for each redacted word: the words around it still count.
            let mut masked = file.clone();
            for token in &mut masked.tokens {
                if matches!(token.value, crate::doc::TokenValue::Redacted { .. }) {
                    token.value = crate::doc::TokenValue::Value {
                        value: crate::doc::Text::from_bytes(b"relkit_redacted"),
                    };
                }
            }
            (crate::render::from_doc(&masked)?, true)
        }
    };
    let private = tempfile::tempdir()?;
    let path = private.path().join("vm.args");
    std::fs::write(&path, bytes)?;
    let boot = crate::boot::plain::args_file(&path, request)?;
    let mut node = ClusterNode::from_boot(&file.path, &file.path, &boot, Path::new(""), true);
    node.set_by = serde_json::from_str(
        &serde_json::to_string(&node.set_by)?.replace(&path.display().to_string(), &file.path),
    )?;
    if redacted {
        node.cookie = None;
        node.cookie_source = format!(
            "redacted in the vmargs.file document of {} (parse with --show-secrets, or keep the file where it is)",
            file.path
        );
    }
    Ok(node)
}

/// One node from a path: a release directory, a tarball or a vm.args file.
fn read_path(path: &Path, request: &Request) -> Result<ClusterNode> {
    let shown = path.display().to_string();
    if super::hosts::is_tarball(path) {
        let files = crate::boot::packed::from_tarball(path)?;
        let root = request
            .root
            .as_deref()
            .unwrap_or(crate::boot::packed::UNKNOWN_ROOT);
        return super::hosts::node_of_files(&files, request, &shown, root);
    }
    let (doc, cwd) = if path.is_dir() {
        (crate::boot::boot(path, request)?, path.to_path_buf())
    } else {
        // erl reads a relative -config from its working directory: here, the paths
        // are kept as written.
        (
            crate::boot::plain::args_file(path, request)?,
            PathBuf::new(),
        )
    };
    Ok(ClusterNode::from_boot(&shown, &shown, &doc, &cwd, true))
}

/// Whether `host` has an address of the family asked, by this machine's resolver.
fn resolver(enabled: bool) -> impl Fn(&str, bool) -> Option<bool> {
    move |host: &str, v6: bool| {
        if !enabled {
            return if v6 { None } else { Some(true) };
        }
        use std::net::ToSocketAddrs;
        let addresses: Vec<_> = (host, 0).to_socket_addrs().ok()?.collect();
        Some(addresses.iter().any(|a| a.is_ipv6() == v6))
    }
}

/// Build the document (the library's entry point for the CLI).
pub fn document(args: &ClusterArgs, show_secrets: bool) -> Result<ClusterDoc> {
    let request = Request {
        command: args.command.clone(),
        expr: None,
        env: crate::boot::request::environment(&args.env, args.env_from_process)?,
        unit: None,
        root: None,
        resolve: false,
        show_secrets,
    };
    let mut notes = Vec::new();
    let nodes = read_nodes(args, &request, &mut notes)?;
    if nodes.is_empty() {
        bail!(
            "no nodes: give vm.args files, release directories or tarballs, or documents on stdin"
        );
    }
    let resolve = resolver(args.resolve);
    let mut doc = cluster(nodes, &resolve, notes);
    if !args.resolve {
        doc.assumptions.push(
            "a host name resolves to an IPv4 address where the nodes run (give --resolve to look names up here)".into(),
        );
    }
    Ok(doc)
}

/// The line a finding points at, for the human report's caret.
fn source_line(finding: &relkit_common::Finding) -> Option<String> {
    let text = std::fs::read_to_string(finding.path.as_ref()?).ok()?;
    let line = usize::try_from(finding.line?).ok()?;
    text.lines().nth(line.checked_sub(1)?).map(str::to_string)
}

pub fn run(args: &ClusterArgs, common: &CommonArgs) -> Result<Status> {
    let mut doc = document(args, common.show_secrets)?;
    let mut secrets = Secrets::new(common.show_secrets);
    // Secrets in the config files read (`{password, "..."}`) stay masked in any
    // source line or message shown.
    for file in doc.nodes.iter().flat_map(|n| &n.config) {
        if let Ok(text) = std::fs::read(file) {
            let ranges = relkit_common::secret::scan::in_erlang_terms(&text);
            secrets.add_ranges(file, &text, ranges);
        }
    }
    let reporter = Reporter::new(TOOL, common, &args.findings, &secrets)?;
    doc.findings = reporter.select(std::mem::take(&mut doc.findings));
    let refused = doc.pairs.iter().any(|p| p.connects == Some(false))
        || doc.findings.iter().any(|f| f.severity == Severity::Error);
    if common.quiet {
        return Ok(Status::problems_if(refused));
    }
    let summary = format!(
        "{TOOL}: cluster of {} nodes, {} pairs: {}",
        doc.nodes.len(),
        doc.pairs.len(),
        relkit_common::finding::tally(&doc.findings)
    );
    crate::render::report(
        &reporter,
        &doc,
        &doc.human(),
        &doc.findings,
        source_line,
        &summary,
    )?;
    Ok(Status::problems_if(refused))
}
