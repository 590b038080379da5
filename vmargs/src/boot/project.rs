//! A Mix project before `mix release`: its release read from `mix.exs` (through
//! relconf's reader), its templates (`rel/env.sh.eex`, `rel/vm.args.eex`,
//! `rel/remote.vm.args.eex`) rendered with what is known at build time
//! (`@release.name`, `@release.version`), and the files a boot reads laid out as
//! the build will write them. What only the build decides (the ERTS version, a
//! random cookie, any other EEx expression) stays unknown.

use super::packed::UNKNOWN_COOKIE;
use std::path::Path;

/// The ERTS a build includes: the build host's, not known from the project.
pub const UNKNOWN_ERTS: &str = "ERTS_VSN";

/// Whether `dir` is a Mix project (and not an assembled release).
pub fn is_project(dir: &Path) -> bool {
    dir.join("mix.exs").is_file() && !dir.join("releases/start_erl.data").is_file()
}

/// The files the boot of the project's release reads, as the build writes them,
/// and notes on what stays unknown.
pub fn files(dir: &Path) -> anyhow::Result<Project> {
    let mix_exs = dir.join("mix.exs");
    let distillery = dir.join("rel/config.exs");
    if distillery.is_file() {
        anyhow::bail!(
            "{}: a Distillery project: boot reads the release `mix distillery.release` builds from it (_build/ENV/rel/NAME, or its tarball), since Distillery renders vm.args and bakes ERL_OPTS into the release's scripts when it builds",
            distillery.display()
        );
    }
    let src = std::fs::read_to_string(&mix_exs)
        .map_err(|e| anyhow::anyhow!("{}: {e}", mix_exs.display()))?;
    let config =
        relconf::read::read(&src, dir).map_err(|e| anyhow::anyhow!("{}", e.in_file(&mix_exs)))?;
    // Mix builds the first release when none is named.
    let release = config.releases.first().ok_or_else(|| {
        anyhow::anyhow!(
            "{}: no `releases:` in the project: nothing to boot",
            mix_exs.display()
        )
    })?;
    let mut notes = Vec::new();
    if config.releases.len() > 1 {
        notes.push(format!(
            "{}: several releases; this is the first, {}, the one `mix release` builds without a name",
            mix_exs.display(),
            release.name
        ));
    }
    let text = |key: &str| {
        release
            .get(key)
            .and_then(|s| s.value.as_str().map(str::to_string))
    };
    let version = text("version").unwrap_or_else(|| "0.0.0".into());
    let include_erts = release
        .get("include_erts")
        .is_none_or(|s| s.value != serde_json::Value::Bool(false));
    let templates = dir.join(text("rel_templates_path").unwrap_or_else(|| "rel".into()));
    let render = |file: &str| -> anyhow::Result<Option<String>> {
        let path = templates.join(file);
        match std::fs::read_to_string(&path) {
            Ok(t) => Ok(Some(render_eex(&t, &release.name, &version))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(anyhow::anyhow!("{}: {e}", path.display())),
        }
    };
    let vsn_dir = format!("releases/{version}");
    let mut files = vec![
        (
            "releases/start_erl.data".to_string(),
            format!("{UNKNOWN_ERTS} {version}\n").into_bytes(),
        ),
        (
            format!("bin/{}", release.name),
            b"#!/bin/sh\n# stands for the start script (REL_VSN_DIR)\n".to_vec(),
        ),
        (
            format!("{vsn_dir}/elixir"),
            if include_erts {
                format!("ERTS_BIN=\"$SCRIPT_PATH\"/../../erts-{UNKNOWN_ERTS}/bin/\n")
            } else {
                "ERTS_BIN=\n".into()
            }
            .into_bytes(),
        ),
    ];
    // Without a template, Mix writes its own, whose lines are all comments.
    files.push((
        format!("{vsn_dir}/env.sh"),
        render("env.sh.eex")?
            .unwrap_or_else(|| "#!/bin/sh\n".into())
            .into_bytes(),
    ));
    files.push((
        format!("{vsn_dir}/vm.args"),
        render("vm.args.eex")?.unwrap_or_default().into_bytes(),
    ));
    files.push((
        format!("{vsn_dir}/remote.vm.args"),
        render("remote.vm.args.eex")?
            .unwrap_or_default()
            .into_bytes(),
    ));
    files.push((format!("{vsn_dir}/sys.config"), b"[].\n".to_vec()));
    let cookie = release
        .get("cookie")
        .filter(|s| s.literal)
        .and_then(|s| s.value.as_str().map(str::to_string));
    match cookie {
        Some(c) => files.push(("releases/COOKIE".into(), c.into_bytes())),
        None => {
            notes.push(format!(
                "{}: the release sets no literal `cookie:`, so its first build writes a random releases/COOKIE",
                mix_exs.display()
            ));
            files.push(("releases/COOKIE".into(), UNKNOWN_COOKIE.as_bytes().to_vec()));
        }
    }
    if include_erts {
        notes.push("the ERTS version is the build host's (written ERTS_VSN)".into());
    }
    // Where a value in a rendered file came from: its template (same lines).
    let templates_named = ["env.sh", "vm.args", "remote.vm.args"]
        .into_iter()
        .filter(|f| templates.join(format!("{f}.eex")).is_file())
        .map(|f| {
            (
                format!("{vsn_dir}/{f}"),
                templates.join(format!("{f}.eex")).display().to_string(),
            )
        })
        .collect();
    Ok(Project {
        files,
        notes,
        templates: templates_named,
    })
}

/// What a project's release will hold.
pub struct Project {
    /// The files a boot reads, by their names in the release.
    pub files: Vec<(String, Vec<u8>)>,
    pub notes: Vec<String>,
    /// Rendered files and the template each came from.
    pub templates: Vec<(String, String)>,
}

/// EEx as Mix renders a release template, for the two assigns a template uses:
/// `<%= @release.name %>` and `<%= @release.version %>`. Any other `<%= ... %>` is
/// left as a shell command substitution of its source, which the shell reader
/// takes for an unknown; `<% ... %>` code and `<%# %>` comments are dropped.
pub fn render_eex(template: &str, name: &str, version: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find("<%") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("%>") else {
            out.push_str(&rest[open..]);
            return out;
        };
        let tag = &after[..close];
        rest = &after[close + 2..];
        if let Some(expr) = tag.strip_prefix('=') {
            match expr.trim() {
                "@release.name" => out.push_str(name),
                "@release.version" => out.push_str(version),
                other => out.push_str(&format!("$(: EEx {})", other.replace(['(', ')'], " "))),
            }
        } else if let Some(literal) = tag.strip_prefix('%') {
            // `<%%` is a literal `<%`.
            out.push_str("<%");
            out.push_str(literal);
            out.push_str("%>");
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_render_the_release_s_name_and_version() {
        let t = "export RELEASE_NODE=<%= @release.name %>@127.0.0.1\n# v<%= @release.version %>\n<%# a comment %>X=<%= System.get_env(\"A\") %>\n";
        let r = render_eex(t, "billing", "0.1.0");
        assert!(
            r.starts_with("export RELEASE_NODE=billing@127.0.0.1\n# v0.1.0\nX=$(: EEx "),
            "{r}"
        );
    }
}
