//! The real dynamic loader's word on a file, and release-pack's prediction in the
//! same shape, for the tests that compare them.

use release_pack::target::load::{Outcome, Place};
use release_pack::target::root::{Located, Root};
use relkit_tests::require_peer;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// What the real loader says of a release file in the root.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Said {
    /// name => the file that answered (its real path in the root).
    pub found: BTreeSet<(String, String)>,
    pub not_found: BTreeSet<String>,
    /// (version, the library's real path)
    pub versions: BTreeSet<(String, String)>,
    /// The name the loader stopped at.
    pub stopped_at: Option<String>,
}

pub fn real_path(root: &Root, path: &str) -> String {
    match root.locate(path) {
        Located::Found(_, real) => real,
        other => panic!("{path}: {other:?}"),
    }
}

/// `library_path`: the `LD_LIBRARY_PATH` the release's env.sh exports, if any.
pub fn traced(
    root_dir: &Path,
    root: &Root,
    release_at: &str,
    file: &str,
    library_path: Option<&str>,
) -> Said {
    // The variable is set inside the root only: set on chroot itself, the host's
    // loader would trace chroot and stop there.
    let out = Command::new(require_peer("chroot").unwrap())
        .arg(root_dir)
        .args([
            "/bin/sh",
            "-c",
            &format!(
                "{}LD_TRACE_LOADED_OBJECTS=1 exec /lib64/ld-linux-x86-64.so.2 \"$0\"",
                library_path.map_or(String::new(), |p| format!("LD_LIBRARY_PATH='{p}' "))
            ),
        ])
        .arg(format!("{release_at}/{file}"))
        .env_clear()
        .output()
        .unwrap();
    let mut said = Said::default();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some((name, rest)) = line.trim().split_once(" => ") else {
            continue;
        };
        if rest == "not found" {
            said.not_found.insert(name.to_string());
        } else {
            let path = rest.rsplit_once(" (").map_or(rest, |(p, _)| p);
            said.found.insert((name.to_string(), real_path(root, path)));
        }
    }
    for line in String::from_utf8_lossy(&out.stderr).lines() {
        if let Some(rest) = line
            .split_once(": error while loading shared libraries: ")
            .map(|(_, r)| r)
        {
            // The loader names the file it refused.
            said.stopped_at = Some(real_path(root, rest.split(": ").next().unwrap()));
        } else if let Some((head, _)) = line.split_once("' not found (required by ") {
            // PROGRAM: LIBRARY: version `V
            let (front, version) = head.rsplit_once(": version `").unwrap();
            let library = front.rsplit_once(": ").unwrap().1;
            said.versions
                .insert((version.to_string(), real_path(root, library)));
        } else if !line.contains("no version information available") {
            panic!("{file}: the loader said {line:?}");
        }
    }
    use std::os::unix::process::ExitStatusExt;
    if let Some(signal) = out.status.signal() {
        // A library cut short inside what the loader maps: it faults reading it
        // (SIGBUS), where release-pack says the file is damaged.
        said.stopped_at = Some(format!("killed by signal {signal}"));
    } else if said.stopped_at.is_none() {
        assert!(out.status.success(), "{file}: {:?}", out);
    }
    said
}

pub fn predicted(root: &Root, release_at: &str, outcome: &Outcome) -> Said {
    let place = |place: &Place| match place {
        Place::Release(path) => real_path(root, &format!("{release_at}/{path}")),
        Place::Target(path) => real_path(root, path),
    };
    let mut said = Said::default();
    for loaded in outcome.loaded.iter().skip(1) {
        // The loader itself is listed by path, not by a name asked for.
        if loaded.loader.is_some() {
            said.found
                .insert((loaded.name.clone(), place(&loaded.place)));
        }
    }
    for missing in &outcome.missing {
        if let (Some(refused), None) = (&missing.refused, &said.stopped_at) {
            said.stopped_at = Some(place(&refused.place));
        } else {
            said.not_found.insert(missing.name.clone());
        }
    }
    // A library without versions only draws a warning from the loader's trace.
    for miss in outcome.versions.iter().filter(|m| !m.unversioned) {
        let at = outcome
            .loaded
            .iter()
            .find(|l| l.place.to_string() == miss.found_at)
            .unwrap();
        said.versions
            .insert((miss.version.clone(), place(&at.place)));
    }
    said
}
