//! Where the files to check come from and what is known about them: the target
//! (which start script runs the VM), the environment, whether git tracks the file,
//! and the OTP release on this machine.

use crate::check::{Target, Unit, NEWEST_OTP};
use crate::model::Parsed;
use anyhow::{bail, Context, Result};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The kinds of JSON document `vmargs check` reads.
pub const CHECK_KINDS: &[&str] = &["relconf.config", "vmargs.file", "release-pack.inspect"];

/// The target for a file: `.eex` means Mix and `.src` relx; otherwise the nearest
/// project marker above the file decides (rel/config.exs: Distillery; rebar.config
/// or relx.config: relx; mix.exs: Mix); with none, plain erl.
pub fn detect_target(path: &Path) -> Target {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.ends_with(".eex") {
        return Target::Mix;
    }
    if name.ends_with(".src") {
        return Target::Relx;
    }
    let start = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    for dir in start.ancestors().skip(1).take(4) {
        if dir.join("rel/config.exs").is_file() {
            return Target::Distillery;
        }
        if dir.join("rebar.config").is_file() || dir.join("relx.config").is_file() {
            return Target::Relx;
        }
        if dir.join("mix.exs").is_file() {
            return Target::Mix;
        }
    }
    Target::Erl
}

/// `vm.args.stage` → `stage` (also `vm.args.stage.eex`, `vm.args.stage.src`).
pub fn env_from_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_string_lossy().into_owned();
    let name = name
        .strip_suffix(".eex")
        .or_else(|| name.strip_suffix(".src"))
        .unwrap_or(&name);
    let env = name.strip_prefix("vm.args.")?;
    (!env.is_empty()).then(|| env.to_string())
}

/// Whether git tracks `path` (its contents, cookie included, are in the repository).
pub fn git_tracked(path: &Path) -> bool {
    relkit_common::git::tracked(path).unwrap_or(false)
}

/// The major OTP release of the `erl` on PATH, read from its installation
/// (`<root>/releases/<N>`), without starting it. `None` when there is no erl.
pub fn detect_otp() -> Option<u32> {
    let erl = which::which("erl").ok()?;
    let real = std::fs::canonicalize(erl).ok()?;
    let root = real.parent()?.parent()?;
    std::fs::read_dir(root.join("releases"))
        .ok()?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .max()
}

pub fn otp_or_newest(explicit: Option<u32>) -> u32 {
    explicit.or_else(detect_otp).unwrap_or(NEWEST_OTP)
}

/// A unit for a file on disk (or its bytes, already read).
pub fn unit_for_file(
    display: &str,
    path: &Path,
    bytes: Vec<u8>,
    target: Option<Target>,
    env: Option<String>,
) -> Unit {
    Unit {
        display: display.to_string(),
        env: env.or_else(|| env_from_name(path)),
        target: target.unwrap_or_else(|| detect_target(path)),
        parsed: Parsed::from_disk(path, bytes),
        tracked: git_tracked(path),
        cookie_redacted: false,
    }
}

/// A file a document names that is not there: reported as a finding, not an error,
/// since the config that names it is what is wrong.
pub struct MissingFile {
    pub display: String,
    pub env: String,
    pub reason: String,
}

/// Units for every environment of a `relconf.config` document: `vm_args` paths are
/// resolved against the document's `root`. Environments without `vm_args` use the
/// release's generated vm.args and are skipped.
pub fn units_from_relconf(
    doc: &Value,
    target: Option<Target>,
) -> Result<(Vec<Unit>, Vec<MissingFile>)> {
    let root = doc.get("root").and_then(Value::as_str).map(PathBuf::from);
    let format = doc
        .get("format")
        .and_then(Value::as_str)
        .unwrap_or("distillery");
    let target = target.unwrap_or(if format == "mix" {
        Target::Mix
    } else {
        Target::Distillery
    });
    let Some(envs) = doc.get("environments").and_then(Value::as_object) else {
        bail!("the relconf.config document has no \"environments\" object");
    };
    let mut units = Vec::new();
    let mut missing = Vec::new();
    for (env, settings) in envs {
        let Some(vm_args) = settings.get("vm_args").and_then(Value::as_str) else {
            continue;
        };
        let path = match &root {
            Some(r) if Path::new(vm_args).is_relative() => r.join(vm_args),
            _ => PathBuf::from(vm_args),
        };
        let display = pretty_path(&path);
        match std::fs::read(&path) {
            Ok(bytes) => units.push(unit_for_file(
                &display,
                &path,
                bytes,
                Some(target),
                Some(env.clone()),
            )),
            Err(e) => missing.push(MissingFile {
                display,
                env: env.clone(),
                reason: relkit_common::input::describe_io_error(&e),
            }),
        }
    }
    Ok((units, missing))
}

/// A path relative to the working directory when it is below it, else as it is.
pub fn pretty_path(path: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string()
}

/// A unit for a `vmargs.file` document: its words are rendered back to text.
pub fn unit_from_file_doc(doc: Value, target: Option<Target>) -> Result<Unit> {
    let file: crate::doc::FileDoc =
        serde_json::from_value(doc).context("malformed vmargs.file document")?;
    let text = crate::render::from_doc(&file)?;
    let path = PathBuf::from(&file.path);
    Ok(Unit {
        display: file.path.clone(),
        env: env_from_name(&path),
        target: target.unwrap_or_else(|| detect_target(&path)),
        parsed: Parsed::from_disk(&path, text),
        tracked: git_tracked(&path),
        cookie_redacted: false,
    })
}

/// Units for the vm.args inside a release tarball, from a `release-pack.inspect`
/// document: `vm_args` is one object or a list of them, each with the member's
/// `path`, its `text` (a string, or `{"bytes": [...]}`) and `cookie_redacted`. The
/// target follows the document's `layout` (`mix` or `distillery`). Nested
/// `-args_file` names are not followed: they point into the installed release.
pub fn units_from_inspect(doc: &Value, target: Option<Target>) -> Result<Vec<Unit>> {
    let tarball = doc
        .get("path")
        .and_then(Value::as_str)
        .unwrap_or("<release>");
    let layout = doc
        .get("layout")
        .and_then(Value::as_str)
        .unwrap_or("distillery");
    let target = target.unwrap_or(match layout {
        "mix" => Target::Mix,
        "relx" => Target::Relx,
        _ => Target::Distillery,
    });
    let entries: Vec<&Value> = match doc.get("vm_args") {
        None | Some(Value::Null) => bail!(
            "the document lists no vm.args (the release has none, or it was inspected without one)"
        ),
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one) => vec![one],
    };
    let mut units = Vec::new();
    for entry in entries {
        let member = entry
            .get("path")
            .and_then(Value::as_str)
            .unwrap_or("vm.args");
        let text: crate::doc::Text =
            serde_json::from_value(entry.get("text").cloned().unwrap_or(Value::Null))
                .context("vm_args.text must be a string or {\"bytes\": [...]}")?;
        let Some(bytes) = text.to_bytes() else {
            bail!("the vm.args text of {member} is redacted whole; inspect with --show-secrets");
        };
        let display = format!("{tarball}:{member}");
        let mut no_files = |_: &Path| Err(std::io::Error::from(std::io::ErrorKind::NotFound));
        let parsed = Parsed::new(Path::new(member), bytes, &mut no_files);
        units.push(Unit {
            display,
            env: None,
            target,
            parsed,
            tracked: false,
            cookie_redacted: entry
                .get("cookie_redacted")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        });
    }
    Ok(units)
}

/// For a release directory among `check`'s inputs: the findings of its boot
/// (`start`, no environment), as `vmargs boot` gives them; `None` for anything else.
pub fn release_findings(
    arg: Option<&Path>,
    show_secrets: bool,
) -> anyhow::Result<Option<Vec<relkit_common::Finding>>> {
    let Some(dir) = arg.filter(|p| p.join("releases/start_erl.data").is_file()) else {
        return Ok(None);
    };
    let request = crate::boot::Request {
        command: None,
        expr: None,
        env: Vec::new(),
        unit: None,
        root: None,
        resolve: false,
        show_secrets,
    };
    Ok(Some(crate::boot::boot(dir, &request)?.findings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_from_file_name() {
        assert_eq!(
            env_from_name(Path::new("rel/vm.args.stage")).as_deref(),
            Some("stage")
        );
        assert_eq!(
            env_from_name(Path::new("rel/vm.args.prod.eex")).as_deref(),
            Some("prod")
        );
        assert_eq!(env_from_name(Path::new("rel/vm.args")), None);
        assert_eq!(env_from_name(Path::new("rel/vm.args.eex")), None);
    }

    #[test]
    fn target_from_name_and_project() {
        let dir = relkit_tests::temp_project(&[
            ("rel/config.exs", ""),
            ("rel/vm.args.stage", ""),
            ("mix.exs", ""),
        ]);
        assert_eq!(
            detect_target(&dir.path().join("rel/vm.args.stage")),
            Target::Distillery
        );
        assert_eq!(
            detect_target(&dir.path().join("rel/vm.args.eex")),
            Target::Mix
        );
        let mix = relkit_tests::temp_project(&[("mix.exs", ""), ("rel/vm.args", "")]);
        assert_eq!(detect_target(&mix.path().join("rel/vm.args")), Target::Mix);
        let bare = tempfile::tempdir().unwrap();
        assert_eq!(detect_target(&bare.path().join("vm.args")), Target::Erl);
    }

    #[test]
    fn git_index_lookup() {
        let Some(git) = relkit_tests::require_peer("git") else {
            return;
        };
        let dir = relkit_tests::temp_project(&[("rel/vm.args", "x"), ("rel/untracked", "y")]);
        let run = |args: &[&str]| {
            assert!(std::process::Command::new(&git)
                .args(args)
                .current_dir(dir.path())
                .output()
                .unwrap()
                .status
                .success());
        };
        run(&["init", "-q"]);
        run(&["add", "rel/vm.args"]);
        assert!(git_tracked(&dir.path().join("rel/vm.args")));
        assert!(!git_tracked(&dir.path().join("rel/untracked")));
        assert!(!git_tracked(Path::new("/nonexistent")));
    }
}
