//! Which secrets to link: environments, name patterns and the two directories,
//! checked so that no link can land outside `--into`.

use anyhow::{bail, Result};

/// The default `--name`: `/var/stage.secret.exs` links to `config/stage.secret.exs`.
pub const DEFAULT_NAME: &str = "{env}.secret.exs";
/// `--from`'s default, as in edeliver's hook.
pub const DEFAULT_FROM: &str = "/var";
/// Leaves room in a 255-byte file name for the temporary link's prefix and suffix.
const MAX_NAME_BYTES: usize = 200;

/// One secret file: the environment it is for and its file name (the same in
/// `--from` and `--into`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    pub env: String,
    pub name: String,
}

/// Expand every pattern for every environment, in the order given, refusing names
/// that would escape the directory and two selections that give the same name.
pub fn secrets(envs: &[String], patterns: &[String]) -> Result<Vec<Secret>> {
    if envs.is_empty() {
        bail!("no environment given; pass --env ENV (for example --env stage)");
    }
    for env in envs {
        check_component(env, "environment name", "--env")?;
    }
    let defaults = [DEFAULT_NAME.to_string()];
    let patterns = if patterns.is_empty() {
        &defaults[..]
    } else {
        patterns
    };
    let mut out: Vec<Secret> = Vec::new();
    for env in envs {
        for pattern in patterns {
            let name = pattern.replace("{env}", env);
            check_component(&name, "file name", "--name")
                .map_err(|e| anyhow::anyhow!("--name '{pattern}' for --env '{env}': {e}"))?;
            if let Some(earlier) = out.iter().find(|s| s.name == name) {
                if earlier.env == *env {
                    continue;
                }
                bail!(
                    "--env '{}' and --env '{env}' both give the file name '{name}'; put {{env}} in --name",
                    earlier.env
                );
            }
            out.push(Secret {
                env: env.clone(),
                name,
            });
        }
    }
    Ok(out)
}

/// A single path component that stays in its directory.
pub fn check_component(text: &str, what: &str, flag: &str) -> Result<()> {
    if text.is_empty() {
        bail!("the {what} is empty; give {flag} a value");
    }
    if text == "." || text == ".." {
        bail!("the {what} '{text}' would leave the directory; {flag} must be a plain name");
    }
    if text.contains('/') {
        bail!("the {what} '{text}' contains '/', which would put the link outside --into; {flag} must be a plain name");
    }
    if text.contains('\0') {
        bail!("the {what} contains a NUL byte");
    }
    if text.len() > MAX_NAME_BYTES {
        bail!("the {what} '{text}' is longer than {MAX_NAME_BYTES} bytes; {flag} must be shorter");
    }
    Ok(())
}

/// `--from`/`--into` as given: `~/` stays for the machine to expand (the remote
/// user's home over ssh); a relative path is made absolute here, and refused for a
/// build host, where it would silently mean the remote home.
pub fn directory_arg(given: &str, flag: &str, remote: bool) -> Result<String> {
    if given.is_empty() {
        bail!("{flag} is empty; give a directory");
    }
    if given.contains('\0') {
        bail!("{flag} contains a NUL byte");
    }
    if given == "~" || given.starts_with("~/") || given.starts_with('/') {
        return Ok(trim_trailing_slashes(given));
    }
    if given.starts_with('~') {
        bail!("{flag} {given}: only ~/ (your own home) is understood, not ~user; give the path");
    }
    if remote {
        bail!("{flag} {given} is relative; on a build host give an absolute path or one under ~/");
    }
    let cwd = std::env::current_dir().map_err(|e| {
        anyhow::anyhow!("cannot find the current directory for {flag} {given}: {e}")
    })?;
    let joined = cwd.join(given);
    match joined.to_str() {
        Some(text) => Ok(trim_trailing_slashes(&normalize(text))),
        None => bail!("{flag} {given}: the current directory is not valid UTF-8"),
    }
}

/// Lexically drop `.` components and resolve `..` against what precedes them.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/"))
}

fn trim_trailing_slashes(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        "/".to_string()
    } else {
        trimmed.to_string()
    }
}

/// `DIR/NAME` without a doubled slash when DIR is `/`.
pub fn join(dir: &str, name: &str) -> String {
    if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn default_pattern_and_several_per_environment() {
        let got = secrets(&strings(&["stage", "prod"]), &[]).unwrap();
        let names: Vec<&str> = got.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["stage.secret.exs", "prod.secret.exs"]);
        let got = secrets(
            &strings(&["prod"]),
            &strings(&["{env}.secret.exs", "runtime.{env}.exs"]),
        )
        .unwrap();
        assert_eq!(got[1].name, "runtime.prod.exs");
    }

    #[test]
    fn escaping_names_are_refused() {
        for env in ["../etc", "a/b", "..", ".", ""] {
            assert!(secrets(&strings(&[env]), &[]).is_err(), "{env:?}");
        }
        for pattern in ["../{env}.exs", "/etc/{env}", "{env}/x", ".."] {
            let err = secrets(&strings(&["stage"]), &strings(&[pattern])).unwrap_err();
            assert!(err.to_string().contains("--name"), "{err}");
        }
        let long = "x".repeat(300);
        assert!(secrets(&strings(&[&long]), &[]).is_err());
    }

    #[test]
    fn two_environments_on_one_name_are_refused() {
        let err = secrets(
            &strings(&["stage", "prod"]),
            &strings(&["runtime.secret.exs"]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("both give"), "{err}");
        // The same environment twice is just one secret.
        assert_eq!(
            secrets(&strings(&["stage", "stage"]), &[]).unwrap().len(),
            1
        );
    }

    #[test]
    fn directories() {
        assert_eq!(directory_arg("/var/", "--from", false).unwrap(), "/var");
        assert_eq!(directory_arg("/", "--from", false).unwrap(), "/");
        assert_eq!(
            directory_arg("~/secrets", "--from", true).unwrap(),
            "~/secrets"
        );
        assert!(directory_arg("config", "--into", true).is_err());
        assert!(directory_arg("~bob/x", "--into", false).is_err());
        let local = directory_arg("build/./config/../config", "--into", false).unwrap();
        assert!(
            local.starts_with('/') && local.ends_with("/build/config"),
            "{local}"
        );
        assert_eq!(join("/", "a"), "/a");
        assert_eq!(join("/var", "a"), "/var/a");
    }
}
