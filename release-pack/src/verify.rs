//! `verify`: findings about a release tarball: unsafe entries, a corrupt archive, a
//! release that cannot boot as it is, loose permissions, a checksum that differs.

use crate::archive::Kind;
use crate::codes::{self, *};
use crate::inspect::{self, Contents};
use anyhow::{Context, Result};
use relkit_common::{Finding, Severity};
use sha2::{Digest, Sha256};
use std::path::Path;

pub fn sha256_of(path: &Path) -> Result<String> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut hash = Sha256::new();
    std::io::copy(&mut file, &mut hash)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(format!("{:x}", hash.finalize()))
}

pub fn verify(
    path: &Path,
    contents: &Contents,
    expected_sha256: Option<&str>,
) -> Result<Vec<Finding>> {
    let file = path.display().to_string();
    let finding = |severity, code, message: String| {
        codes::finding(severity, code, message).in_file(file.clone())
    };
    let mut out = Vec::new();
    if let Some(expected) = expected_sha256 {
        let actual = sha256_of(path)?;
        if !actual.eq_ignore_ascii_case(expected.trim()) {
            out.push(
                finding(Severity::Error, CODE_CHECKSUM_MISMATCH, format!("sha256 is {actual}, not the expected {}", expected.trim()))
                    .with_hint("the file changed after it was packed, or it is another build; do not deploy it"),
            );
        }
    }
    for problem in &contents.problems {
        out.push(finding(
            Severity::Error,
            problem.code,
            format!("entry {}: {}", problem.entry, problem.message),
        ));
    }
    if let Some(why) = &contents.corrupt {
        out.push(
            finding(
                Severity::Error,
                CODE_CORRUPT,
                format!(
                    "the archive is truncated or corrupt after {} entries: {why}",
                    contents.entries.len()
                ),
            )
            .with_hint("copy or build it again"),
        );
    }
    for entry in &contents.entries {
        if entry.kind == Kind::Symlink {
            continue;
        }
        if entry.mode & 0o002 != 0 {
            out.push(
                finding(Severity::Error, CODE_WORLD_WRITABLE, format!("entry {} is world-writable (mode {:04o})", entry.name, entry.mode))
                    .with_hint("any user on the target could change it if it is unpacked as is (release-pack unpack clears the bit); pack with release-pack pack"),
            );
        }
        if entry.mode & 0o6000 != 0 {
            out.push(finding(Severity::Error, CODE_SETUID, format!("entry {} is setuid or setgid (mode {:04o}); nothing in a release needs that (release-pack unpack clears the bits)", entry.name, entry.mode)));
        }
    }
    let (names, prefix) = inspect::names_and_prefix(contents);
    let report = inspect::inspect_names(path, contents, &names, prefix, false);
    if let Some(prefix) = &report.prefix {
        out.push(
            finding(Severity::Warning, CODE_NAME_PREFIX, format!("every entry is under {prefix}; release_handler and the release's scripts expect bare names (bin/..., releases/...)"))
                .with_hint("repack with release-pack pack, which writes names as :erl_tar does"),
        );
    }
    if contents.corrupt.is_some() {
        return Ok(out);
    }
    let has = |name: &str| names.iter().any(|n| n == name);
    let (Some(name), Some(version)) = (&report.release, &report.current) else {
        out.push(
            finding(
                Severity::Error,
                CODE_MISSING_REL_FILE,
                "no release found: no releases/<vsn>/<name>.rel".into(),
            )
            .with_hint("is this a release tarball? mix release and Distillery both write one"),
        );
        return Ok(out);
    };
    if !has(&format!("bin/{name}")) {
        out.push(finding(
            Severity::Error,
            CODE_MISSING_START_SCRIPT,
            format!("no bin/{name}: the release cannot be started"),
        ));
    }
    if !has(&format!("releases/{version}/{name}.rel")) {
        out.push(finding(
            Severity::Error,
            CODE_MISSING_REL_FILE,
            format!("no releases/{version}/{name}.rel for the current version {version}"),
        ));
    }
    if !has(&format!("releases/{version}/start.boot")) {
        out.push(finding(
            Severity::Error,
            CODE_MISSING_BOOT_SCRIPT,
            format!("no releases/{version}/start.boot: erl cannot boot version {version}"),
        ));
    }
    for app in &report.applications {
        let dir = format!("lib/{}-{}/", app.name, app.version);
        if !names.iter().any(|n| n.starts_with(&dir)) {
            let (severity, why) = if report.erts_included {
                (
                    Severity::Error,
                    "the release includes ERTS, so every application must be in lib/",
                )
            } else {
                (
                    Severity::Info,
                    "ERTS is not included, so it must come from the target's Erlang install",
                )
            };
            out.push(finding(
                severity,
                CODE_MISSING_APPLICATION,
                format!(
                    "{}-{} of {name}.rel is not in lib/: {why}",
                    app.name, app.version
                ),
            ));
        }
    }
    if let Some(erts) = &report.erts {
        if !names
            .iter()
            .any(|n| n.starts_with(&format!("erts-{erts}/")))
        {
            if report.erts_included {
                out.push(finding(Severity::Error, CODE_MISSING_ERTS, format!("start_erl.data names ERTS {erts}, but the release holds another erts-* directory")));
            } else {
                out.push(finding(
                    Severity::Info,
                    CODE_MISSING_ERTS,
                    format!("ERTS is not included: the target must have ERTS {erts} installed"),
                ));
            }
        }
    }
    Ok(out)
}
