//! Nodes read on other hosts over ssh (`--host [USER@]HOST:DIR`): one ssh run per
//! host sends back the files a boot reads (the same ones a tarball gives), which are
//! booted here in a private directory; a bounded number of hosts at a time. A host
//! that cannot be read is a node with its reason, whose pairs are unknown.

use super::node::ClusterNode;
use crate::boot::Request;
use anyhow::{bail, Result};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

const SCRIPT: &str = include_str!("remote.sh");

/// `[USER@]HOST:DIR`.
pub fn split_spec(spec: &str) -> Result<(&str, &str)> {
    match spec.split_once(':') {
        Some((host, dir)) if !dir.is_empty() => {
            relkit_common::ssh::check_host(host)?;
            Ok((host, dir))
        }
        _ => bail!("--host {spec:?}: give [USER@]HOST:DIR, the release directory on that host"),
    }
}

/// The reply: `NAME NUL SIZE NUL BYTES`, repeated.
fn files_of(reply: &[u8], host: &str) -> Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    let mut rest = reply;
    while !rest.is_empty() {
        let field = |rest: &mut &[u8]| -> Option<String> {
            let end = rest.iter().position(|&b| b == 0)?;
            let text = String::from_utf8_lossy(&rest[..end]).into_owned();
            *rest = &rest[end + 1..];
            Some(text)
        };
        let (Some(name), Some(size)) = (field(&mut rest), field(&mut rest)) else {
            bail!("{host}: the reply was cut short (is the host's `sh` POSIX?)");
        };
        let size: usize = size
            .parse()
            .map_err(|_| anyhow::anyhow!("{host}: the reply is not what vmargs sent for"))?;
        if size > rest.len() {
            bail!("{host}: the reply was cut short in {name}");
        }
        files.push((name, rest[..size].to_vec()));
        rest = &rest[size..];
    }
    Ok(files)
}

/// The node at `spec`, or the reason it cannot be read.
fn read_one(spec: &str, ssh_words: &[String], request: &Request) -> Result<ClusterNode> {
    let (host, dir) = split_spec(spec)?;
    let ssh = relkit_common::ssh::client(host)?;
    let reply = relkit_common::ssh::run_script(&ssh, host, ssh_words, SCRIPT, &[dir.to_string()])?;
    match reply.code {
        Some(0) => {}
        code => bail!(
            "{host}: reading {dir} failed (exit {}): {}",
            code.map_or("by signal".to_string(), |c| c.to_string()),
            if reply.last_line.is_empty() {
                "no message"
            } else {
                &reply.last_line
            }
        ),
    }
    let files = files_of(&reply.stdout, host)?;
    let mut request = request.clone();
    request.root = Some(dir.to_string());
    node_of_files(&files, &request, spec, &format!("{host}:{dir}"))
}

/// A node from a release's files (a tarball's, a host's), its `-config` files read
/// among them; paths written under `root` (`HOST:DIR`, or `$RELEASE_ROOT`).
pub fn node_of_files(
    files: &[(String, Vec<u8>)],
    request: &Request,
    label: &str,
    root: &str,
) -> Result<ClusterNode> {
    let (node, private) = crate::boot::assemble::with_release_files(files, request, |doc, dir| {
        (
            ClusterNode::from_boot(label, label, doc, dir, true),
            dir.display().to_string(),
        )
    })?;
    // The private directory's paths, as they are where the release lives.
    let text = serde_json::to_string(&node)?.replace(&private, root);
    Ok(serde_json::from_str(&text)?)
}

/// A node that could not be read: its pairs are unknown.
pub fn unreadable(spec: &str, why: String) -> ClusterNode {
    let mut node = ClusterNode::unknown(spec);
    node.unreadable = Some(why);
    node
}

/// Every `--host`, at most `concurrency` at a time, in the order given.
pub fn read_hosts(
    specs: &[String],
    ssh_words: &[String],
    request: &Request,
    concurrency: usize,
) -> Vec<ClusterNode> {
    let next = AtomicUsize::new(0);
    let read: Mutex<Vec<(usize, ClusterNode)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..concurrency.clamp(1, specs.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(spec) = specs.get(i) else { return };
                let node = read_one(spec, ssh_words, request)
                    .unwrap_or_else(|e| unreadable(spec, format!("{e:#}")));
                read.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push((i, node));
            });
        }
    });
    let mut read = read
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    read.sort_by_key(|(i, _)| *i);
    read.into_iter().map(|(_, n)| n).collect()
}

/// Whether a path names a release tarball.
pub fn is_tarball(path: &Path) -> bool {
    let name = path.to_string_lossy();
    name.ends_with(".tar.gz") || name.ends_with(".tgz")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_and_specs() {
        let reply = b"releases/COOKIE\x005\x00abcdebin/billing\x000\x00";
        let files = files_of(reply, "h").unwrap();
        assert_eq!(files[0], ("releases/COOKIE".into(), b"abcde".to_vec()));
        assert_eq!(files[1].1.len(), 0);
        assert!(files_of(b"releases/COOKIE\x009\x00abc", "h").is_err());
        assert!(files_of(b"releases/COOKIE", "h").is_err());
        assert_eq!(split_spec("u@app1:/srv/b").unwrap(), ("u@app1", "/srv/b"));
        assert!(split_spec("app1").is_err());
        assert!(split_spec("-oProxyCommand=x:/d").is_err());
    }
}
