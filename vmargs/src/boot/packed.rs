//! A release not yet on disk: a release tarball, or a `release-pack.inspect`
//! document (what `release-pack inspect` printed on another host). The files the
//! boot reads (`releases/start_erl.data`, `COOKIE`, the version's `env.sh`,
//! `vm.args`, `remote.vm.args`, `sys.config` and `elixir` script, `bin/NAME`) are
//! written to a private directory, the boot is followed there, and the paths are
//! given back as they will be under `--root` (where the release is unpacked); without
//! it, paths under `$RELEASE_ROOT` are unknowns that say so.

use super::doc::{BootDoc, BootWord};
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// The largest file kept (the files a boot reads are small).
const MAX_FILE: u64 = 1 << 20;

/// Where the release will live, as written in the document.
pub const UNKNOWN_ROOT: &str = "$RELEASE_ROOT";

/// Whether the boot reads `name` (relative to the release root).
fn wanted(name: &str) -> bool {
    let parts: Vec<&str> = name.split('/').collect();
    match parts.as_slice() {
        ["releases", "start_erl.data" | "COOKIE"] => true,
        ["releases", _, file] => {
            matches!(
                *file,
                "env.sh"
                    | "vm.args"
                    | "vm.args.src"
                    | "vm.args.orig"
                    | "remote.vm.args"
                    | "sys.config"
                    | "sys.config.src"
                    | "elixir"
                    | "iex"
            ) || file.ends_with(".boot")
                // Distillery's run control script, releases/VSN/NAME.sh.
                || file.ends_with(".sh")
        }
        // Distillery's hooks, sourced by its script.
        ["releases", _, "hooks", stage, _] => stage.ends_with(".d"),
        ["vm.args" | "vm.args.src" | "sys.config" | "sys.config.src"] => true,
        ["lib", _, "ebin", ".relkit-ebin"] => true,
        // relx looks for ERTS in the release by its directory.
        [erts, "bin", "erlexec"] => erts.starts_with("erts-"),
        ["bin", _] => true,
        _ => false,
    }
}

/// A name inside the release, or `None` for one that could leave it.
fn inside(name: &Path) -> Option<String> {
    let mut parts = Vec::new();
    for c in name.components() {
        match c {
            Component::Normal(p) => parts.push(p.to_str()?.to_string()),
            Component::CurDir => {}
            _ => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// The files of a release tarball the boot reads.
pub fn from_tarball(path: &Path) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let file = std::fs::File::open(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let mut magic = [0u8; 2];
    (&file)
        .read_exact(&mut magic)
        .map_err(|_| anyhow::anyhow!("{}: not a release tarball (too short)", path.display()))?;
    if magic != [0x1f, 0x8b] {
        anyhow::bail!(
            "{}: not gzip-compressed (a release tarball is a .tar.gz)",
            path.display()
        );
    }
    let file = std::fs::File::open(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let mut archive = tar::Archive::new(flate2::read::MultiGzDecoder::new(
        std::io::BufReader::new(file),
    ));
    let mut files = Vec::new();
    let mut names = Vec::new();
    let corrupt = |e: std::io::Error| {
        anyhow::anyhow!(
            "{}: {e}: the tarball is corrupt or cut short",
            path.display()
        )
    };
    for entry in archive.entries().map_err(corrupt)? {
        let mut entry = entry.map_err(corrupt)?;
        let Some(name) = entry.path().ok().and_then(|p| inside(&p)) else {
            continue;
        };
        names.push(name.clone());
        if let Some(ebin) = ebin_marker(&name) {
            // A Distillery script run on the host's ERTS globs lib/*/ebin.
            if !files.iter().any(|(n, _)| *n == ebin) {
                files.push((ebin, Vec::new()));
            }
        }
        let regular = entry.header().entry_type().is_file();
        if regular
            && entry.size() <= MAX_FILE
            && wanted_with_prefix(&name)
            && !name.ends_with(EBIN_MARKER)
        {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).map_err(corrupt)?;
            files.push((name, bytes));
        }
    }
    // A tarball made of one top folder (`billing/releases/...`): the names inside it.
    let prefix = common_prefix(&names);
    Ok(files
        .into_iter()
        .filter_map(|(name, bytes)| {
            let name = match &prefix {
                Some(p) => name
                    .strip_prefix(p.as_str())?
                    .trim_start_matches('/')
                    .to_string(),
                None => name,
            };
            wanted(&name).then_some((name, bytes))
        })
        .collect())
}

/// An empty file that stands for an application's `ebin/` directory.
const EBIN_MARKER: &str = "/ebin/.relkit-ebin";

/// For a name under `lib/APP/ebin/` (below one top folder or not), the marker
/// that keeps that directory in the private copy.
fn ebin_marker(name: &str) -> Option<String> {
    let parts: Vec<&str> = name.split('/').collect();
    let at = parts.iter().position(|p| *p == "lib")?;
    match &parts[at..] {
        ["lib", app, "ebin", ..] if at <= 1 => Some(format!(
            "{}lib/{app}{EBIN_MARKER}",
            parts[..at]
                .iter()
                .map(|p| format!("{p}/"))
                .collect::<String>()
        )),
        _ => None,
    }
}

fn wanted_with_prefix(name: &str) -> bool {
    wanted(name) || name.split_once('/').is_some_and(|(_, rest)| wanted(rest))
}

/// The one top folder every name is under, unless the release's own folders are at
/// the top.
fn common_prefix(names: &[String]) -> Option<String> {
    if names
        .iter()
        .any(|n| n.starts_with("releases/") || n == "releases")
    {
        return None;
    }
    let first = names.first()?.split('/').next()?.to_string();
    names
        .iter()
        .all(|n| n.split('/').next() == Some(first.as_str()))
        .then_some(first)
}

/// The files of a `release-pack.inspect` document: its texts, and stand-ins for the
/// two scripts it does not carry (the start script, known by name; the elixir
/// script, whose only part the boot reads is where ERTS is).
pub fn from_inspect(doc: &serde_json::Value) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let text = |v: &serde_json::Value| v.as_str().map(str::to_string);
    let name = text(&doc["release"])
        .ok_or_else(|| anyhow::anyhow!("the release-pack.inspect document names no release"))?;
    let current = text(&doc["current"]).ok_or_else(|| {
        anyhow::anyhow!(
            "the release-pack.inspect document has no current version (releases/start_erl.data)"
        )
    })?;
    let erts = text(&doc["erts"]).unwrap_or_default();
    let mut files = match doc["layout"].as_str() {
        Some("mix") => Vec::new(),
        Some("relx") => relx_stand_ins(&name, &current, &erts, doc["erts_included"].as_bool() == Some(true)),
        Some("distillery") => distillery_stand_ins(&name, &current, &erts, doc["erts_included"].as_bool() == Some(true)),
        other => anyhow::bail!(
            "the release-pack.inspect document is of a {} release; boot reads Mix, relx and Distillery releases",
            other.unwrap_or("unknown")
        ),
    };
    for key in ["vm_args", "sys_config", "env_sh"] {
        for item in doc[key].as_array().into_iter().flatten() {
            if let (Some(path), Some(body)) = (text(&item["path"]), text(&item["text"])) {
                if inside(Path::new(&path)).is_some_and(|p| wanted(&p)) {
                    let body = if item["cookie_redacted"].as_bool() == Some(true) {
                        unmask_cookie(&body)
                    } else {
                        body
                    };
                    files.push((path, body.into_bytes()));
                }
            }
        }
    }
    if matches!(doc["layout"].as_str(), Some("relx" | "distillery")) {
        return Ok(files);
    }
    files.extend([
        (
            "releases/start_erl.data".to_string(),
            format!("{erts} {current}\n").into_bytes(),
        ),
        (
            format!("bin/{name}"),
            b"#!/bin/sh\n# stands for the start script (REL_VSN_DIR)\n".to_vec(),
        ),
    ]);
    let erts_bin = if doc["erts_included"].as_bool() == Some(true) {
        format!("ERTS_BIN=\"$SCRIPT_PATH\"/../../erts-{erts}/bin/\n")
    } else {
        "ERTS_BIN=\n".to_string()
    };
    files.push((format!("releases/{current}/elixir"), erts_bin.into_bytes()));
    match &doc["cookie"] {
        serde_json::Value::Object(c) if c.contains_key("value") => {
            files.push((
                "releases/COOKIE".into(),
                text(&c["value"]).unwrap_or_default().into_bytes(),
            ));
        }
        serde_json::Value::Object(_) => {
            // Redacted: the boot sees a cookie, but not which one.
            files.push(("releases/COOKIE".into(), UNKNOWN_COOKIE.as_bytes().to_vec()));
        }
        _ => {}
    }
    Ok(files)
}

/// A vm.args whose `-setcookie` value inspect masked (`***`): the stand-in for a
/// cookie not known here put in its place, so that the boot says so.
fn unmask_cookie(text: &str) -> String {
    let mut out = Vec::new();
    let mut after_flag = false;
    for word in text.split(' ') {
        let masked = !word.trim_end().is_empty() && word.trim_end().chars().all(|c| c == '*');
        if after_flag && masked {
            out.push(word.replacen(word.trim_end(), UNKNOWN_COOKIE, 1));
        } else {
            out.push(word.to_string());
        }
        after_flag = word.ends_with("-setcookie") || (after_flag && word.is_empty());
    }
    out.join(" ")
}

/// Stand-ins for what a relx release's boot reads but an inspect document does not
/// carry: the start script (its name, version and ERTS lines; the model follows relx
/// 4's script, not this text) and, with ERTS included, its directory.
fn relx_stand_ins(
    name: &str,
    version: &str,
    erts: &str,
    erts_included: bool,
) -> Vec<(String, Vec<u8>)> {
    let script = format!(
        "#!/bin/sh\n# stands for relx's start script: relx_usage check_replace_os_vars find_erl_call\nexport REL_NAME=\"{name}\"\nREL_VSN=\"{version}\"\nERTS_VSN=\"{erts}\"\nREL_DIR=\"$RELEASE_ROOT_DIR/releases/$REL_VSN\"\n"
    );
    let mut files = vec![
        (
            "releases/start_erl.data".to_string(),
            format!("{erts} {version}\n").into_bytes(),
        ),
        (format!("bin/{name}"), script.into_bytes()),
    ];
    if erts_included {
        files.push((format!("erts-{erts}/bin/erlexec"), b"#!/bin/sh\n".to_vec()));
    }
    files
}

/// Stand-ins for what a Distillery release's boot reads but an inspect document
/// does not carry: its two run control scripts (the model reads only their name
/// and the defaults they bake in, which are not known here) and, with ERTS
/// included, its directory.
fn distillery_stand_ins(
    name: &str,
    version: &str,
    erts: &str,
    erts_included: bool,
) -> Vec<(String, Vec<u8>)> {
    let rc_exec = format!(
        "#!/usr/bin/env bash\n# stands for Distillery's run control script\nRELEASE_MUTABLE_DIR=\"${{RELEASE_MUTABLE_DIR:-$RELEASE_ROOT_DIR/var}}\"\nREL_NAME=\"${{REL_NAME:-{name}}}\"\nexec \"$RELEASES_DIR/$REL_VSN/$REL_NAME.sh\" \"$@\"\n"
    );
    let mut files = vec![
        (
            "releases/start_erl.data".to_string(),
            format!(
                "{erts} {version}
"
            )
            .into_bytes(),
        ),
        (format!("bin/{name}"), rc_exec.into_bytes()),
        (
            format!("releases/{version}/{name}.sh"),
            format!("#!/usr/bin/env bash\n{}\n", super::distillery::STAND_IN).into_bytes(),
        ),
    ];
    if erts_included {
        files.push((
            format!("erts-{erts}/bin/erlexec"),
            b"#!/bin/sh
"
            .to_vec(),
        ));
    }
    files
}

/// What stands for a cookie that is not known here (redacted, or not yet written).
pub const UNKNOWN_COOKIE: &str = "relkit-unknown-cookie";

/// Write `files` under a fresh private directory: the release to boot.
pub fn materialize(files: &[(String, Vec<u8>)]) -> anyhow::Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new().prefix("vmargs-boot.").tempdir()?;
    for (name, bytes) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, bytes)?;
    }
    Ok(dir)
}

/// The document with every `from` in its texts written `to`.
pub fn rename(doc: BootDoc, from: &str, to: &str) -> anyhow::Result<BootDoc> {
    let from = serde_json::to_string(from)?;
    let to = serde_json::to_string(to)?;
    let text = serde_json::to_string(&doc)?.replace(from.trim_matches('"'), to.trim_matches('"'));
    Ok(serde_json::from_str(&text)?)
}

/// The document as it will read under `root`: the private directory's path
/// replaced, and without a root, words under it made unknowns; so are words that
/// hold another stand-in (`marks`: the stand-in and what it depends on), and a
/// cookie that is not known here (`cookie_why`).
pub fn reroot(
    doc: BootDoc,
    private: &Path,
    root: Option<&str>,
    marks: &[(&str, &str)],
    cookie_why: &str,
) -> anyhow::Result<BootDoc> {
    let real = std::fs::canonicalize(private).unwrap_or_else(|_| PathBuf::from(private));
    let to = root.unwrap_or(UNKNOWN_ROOT);
    let text = serde_json::to_string(&doc)?.replace(&real.display().to_string(), to);
    let text = text.replace(UNKNOWN_COOKIE, "******");
    let mut doc: BootDoc = serde_json::from_str(&text)?;
    let mut marks: Vec<(&str, &str)> = marks.to_vec();
    if root.is_none() {
        marks.push((UNKNOWN_ROOT, "where the release is unpacked (give --root)"));
    }
    let mark = |w: &mut BootWord| {
        if let BootWord::Str(s) = w {
            let why: Vec<String> = marks
                .iter()
                .filter(|(m, _)| s.contains(m))
                .map(|(_, why)| why.to_string())
                .collect();
            if !why.is_empty() {
                *w = BootWord::Unknown {
                    unknown: s.clone(),
                    depends_on: why,
                };
            }
        }
    };
    doc.argv.iter_mut().for_each(mark);
    doc.effective_args.iter_mut().for_each(mark);
    doc.variables.iter_mut().for_each(|v| mark(&mut v.value));
    let unknown_print = super::doc::fingerprint(UNKNOWN_COOKIE);
    if let Some(cookie) = doc.cookie.as_mut() {
        if cookie.fingerprint.as_deref() == Some(unknown_print.as_str()) {
            cookie.fingerprint = None;
            cookie.value = Some(BootWord::Unknown {
                unknown: "releases/COOKIE".into(),
                depends_on: vec![cookie_why.to_string()],
            });
        }
    }
    Ok(doc)
}
