//! What a release tarball or directory holds: gathered in one streaming pass
//! ([`Contents`]), then described (`release-pack.inspect`) or verified (findings).

use crate::archive::{self, Entry, Kind};
use crate::pack;
use crate::release;
use crate::relfile;
use crate::screen::{Limits, Problem, Screen, Verdict};
use crate::target::native::{self, Native};
use anyhow::{Context, Result};
use relkit_common::json::Document;
use relkit_common::secret::scan;
use relkit_common::Secrets;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// Small files worth reading whole; larger ones are only listed.
const MAX_KEPT: u64 = 1 << 20;

/// Everything inspect and verify need, from one pass.
#[derive(Debug, Default)]
pub struct Contents {
    pub entries: Vec<Entry>,
    /// Unsafe entries, in archive order (screen codes).
    pub problems: Vec<Problem>,
    /// The text of the small files that say what the release is, by entry name.
    pub texts: BTreeMap<String, Vec<u8>>,
    /// The archive is cut short or corrupt (with why); what came before is kept.
    pub corrupt: Option<String>,
    /// Bytes on disk: the tarball's size, or the tree's file bytes.
    pub size: u64,
    /// The native code under `erts-*/` and `lib/*/priv/`, read as the dynamic
    /// loader reads it, by entry name.
    pub native: BTreeMap<String, Native>,
}

fn worth_keeping(name: &str, size: u64) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    size <= MAX_KEPT
        && (matches!(
            base,
            "start_erl.data"
                | "COOKIE"
                | "vm.args"
                | "vm.args.src"
                | "RELEASES"
                | "env.sh"
                | "sys.config"
                | "sys.config.src"
        ) || base.ends_with(".rel"))
}

/// Read a tarball: every header, the small telling files, and every safety problem.
pub fn from_tarball(path: &Path) -> Result<Contents> {
    from_tarball_with(path, &relkit_common::Progress::hidden())
}

/// [`from_tarball`], counting entries and their bytes on `progress` as it reads.
pub fn from_tarball_with(path: &Path, progress: &relkit_common::Progress) -> Result<Contents> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut contents = Contents {
        size: file
            .metadata()
            .with_context(|| format!("cannot read {}", path.display()))?
            .len(),
        ..Contents::default()
    };
    // The file is there and readable: anything wrong from here on is its content.
    match archive::from_file(file, path) {
        Ok(archive) => gather(archive, &mut contents, progress),
        Err(e) => contents.corrupt = Some(format!("{e:#}")),
    }
    progress.finish();
    Ok(contents)
}

/// The same from a tarball's bytes in memory (the fuzz target's way in).
pub fn from_bytes(data: &[u8]) -> Contents {
    let mut contents = Contents {
        size: data.len() as u64,
        ..Contents::default()
    };
    if data.starts_with(&[0x1f, 0x8b]) {
        gather(
            tar::Archive::new(flate2::read::MultiGzDecoder::new(data)),
            &mut contents,
            &relkit_common::Progress::hidden(),
        );
    } else {
        contents.corrupt = Some("not gzip-compressed".into());
    }
    contents
}

fn gather<R: Read>(
    mut archive: tar::Archive<R>,
    contents: &mut Contents,
    progress: &relkit_common::Progress,
) {
    let mut screen = Screen::new(Limits::default(), Vec::new());
    let entries = match archive.entries() {
        Ok(entries) => entries,
        Err(e) => {
            contents.corrupt = Some(e.to_string());
            return;
        }
    };
    for entry in entries {
        let mut entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                contents.corrupt = Some(e.to_string());
                return;
            }
        };
        let described = match archive::describe(&entry) {
            Ok(described) => described,
            Err(e) => {
                contents.corrupt = Some(format!("{e:#}"));
                return;
            }
        };
        match screen.check(&described) {
            Ok(Verdict::Write(name)) => {
                let native = described.kind == Kind::File
                    && native::worth_reading(native::release_relative(&name), described.size);
                if native {
                    let relative = native::release_relative(&name);
                    match native::of_stream(relative, described.size, &mut entry) {
                        Ok(Some(found)) => {
                            contents.native.insert(relative.to_string(), found);
                        }
                        Ok(None) => {}
                        Err(e) => {
                            contents.corrupt = Some(e.to_string());
                            contents.entries.push(described);
                            return;
                        }
                    }
                }
                if described.kind == Kind::File && worth_keeping(&name, described.size) {
                    let mut bytes = Vec::with_capacity(described.size as usize);
                    if let Err(e) = entry.read_to_end(&mut bytes) {
                        contents.corrupt = Some(e.to_string());
                        contents.entries.push(described);
                        return;
                    }
                    contents.texts.insert(name, bytes);
                }
            }
            Ok(Verdict::Skip) => {}
            Err(problem) => contents.problems.push(problem),
        }
        progress.add(described.size);
        contents.entries.push(described);
        progress.entries(contents.entries.len() as u64);
    }
}

/// Read an assembled release directory (symlinks followed, as pack does).
pub fn from_dir(root: &Path) -> Result<Contents> {
    let mut contents = Contents::default();
    for item in pack::walk(root)? {
        let size = item.size.unwrap_or(0);
        if item.size.is_some() && native::worth_reading(&item.name, size) {
            let found = native::of_file(&item.name, &item.source)
                .with_context(|| format!("cannot read {}", item.source.display()))?;
            if let Some(found) = found {
                contents.native.insert(item.name.clone(), found);
            }
        }
        if item.size.is_some() && worth_keeping(&item.name, size) {
            contents
                .texts
                .insert(item.name.clone(), std::fs::read(&item.source)?);
        }
        contents.size += size;
        contents.entries.push(Entry {
            name: item.name.trim_end_matches('/').to_string(),
            kind: if item.size.is_some() {
                Kind::File
            } else {
                Kind::Directory
            },
            mode: item.mode,
            size,
            mtime: 0,
            uid: 0,
            gid: 0,
            link: None,
        });
    }
    Ok(contents)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VmArgs {
    pub path: String,
    /// The text, every secret masked with `*` of the same width (unless `--show-secrets`).
    pub text: String,
    /// The `-setcookie` value is masked (so `vmargs check` does not judge it).
    pub cookie_redacted: bool,
    /// Any secret is masked.
    #[serde(default)]
    pub redacted: bool,
}

/// A text of the release shown in the document (env.sh, sys.config), secrets masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shown {
    pub path: String,
    pub text: String,
    pub redacted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Present {
    pub vm_args: bool,
    pub sys_config: bool,
    pub env_sh: bool,
    pub cookie: bool,
    pub releases: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cookie {
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub redacted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inspection {
    pub path: String,
    /// `mix`, `distillery` or `unknown`.
    pub layout: String,
    /// A folder every entry is under (`billing/`, `./`), which release tools do not expect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    pub release: Option<String>,
    pub versions: Vec<String>,
    pub current: Option<String>,
    pub erts: Option<String>,
    pub erts_included: bool,
    pub applications: Vec<Application>,
    pub present: Present,
    pub vm_args: Vec<VmArgs>,
    #[serde(default)]
    pub env_sh: Vec<Shown>,
    #[serde(default)]
    pub sys_config: Vec<Shown>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cookie: Option<Cookie>,
    pub entries: u64,
    pub bytes: u64,
    pub size: u64,
    /// The release's native code and what each file needs of the host it runs on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub native: Vec<NativeNeeds>,
}

/// One native file of the release, as the dynamic loader reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NativeNeeds {
    pub path: String,
    /// `x86_64`, `aarch64`...; absent when the file cannot be read as ELF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpreter: Option<String>,
    #[serde(default)]
    pub needed: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runpath: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rpath: Vec<String>,
    /// The symbol versions needed, by library: `{"libc.so.6": ["GLIBC_2.2.5", ...]}`.
    #[serde(default)]
    pub versions: BTreeMap<String, Vec<String>>,
    /// Why the file is not readable as the loader reads it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

impl NativeNeeds {
    fn of(path: &str, native: &Native) -> NativeNeeds {
        match native {
            Native::Unreadable(why) => NativeNeeds {
                path: path.to_string(),
                architecture: None,
                interpreter: None,
                needed: Vec::new(),
                runpath: Vec::new(),
                rpath: Vec::new(),
                versions: BTreeMap::new(),
                problem: Some(why.to_string()),
            },
            Native::Elf(elf) => NativeNeeds {
                path: path.to_string(),
                architecture: elf.kind.map(|k| k.name()),
                interpreter: elf.interpreter.clone(),
                needed: elf.needed.clone(),
                runpath: elf.runpath.clone(),
                rpath: elf.rpath.clone(),
                versions: elf
                    .needs
                    .iter()
                    .map(|need| {
                        let mut versions: Vec<String> =
                            need.versions.iter().map(|(v, _)| v.clone()).collect();
                        versions.sort_by_key(|v| crate::target::load::version_order(v));
                        (need.file.clone(), versions)
                    })
                    .collect(),
                problem: None,
            },
        }
    }
}

impl Document for Inspection {
    const KIND: &'static str = "release-pack.inspect";
}

/// The names with a common top folder removed (reported as `prefix`).
pub fn names_and_prefix(contents: &Contents) -> (Vec<String>, Option<String>) {
    let names: Vec<String> = contents
        .entries
        .iter()
        .filter_map(|e| crate::screen::normalise(&e.name))
        .filter(|n| !n.is_empty())
        .collect();
    let first = names
        .first()
        .and_then(|n| n.split('/').next())
        .unwrap_or("");
    let release_top = matches!(first, "bin" | "lib" | "releases") || first.starts_with("erts-");
    let shared = !first.is_empty()
        && !release_top
        && names
            .iter()
            .all(|n| n == first || n.starts_with(&format!("{first}/")));
    let dotted = contents.entries.iter().any(|e| e.name.starts_with("./"));
    if shared {
        let cut = first.len() + 1;
        let stripped = names
            .iter()
            .filter(|n| n.len() > cut)
            .map(|n| n[cut..].to_string())
            .collect();
        return (stripped, Some(format!("{first}/")));
    }
    (names, dotted.then(|| "./".to_string()))
}

/// Where the secrets of one of a release's texts are, by relkit's one rule
/// (`relkit_common::secret`): vm.args by erl's own word rules (through vmargs), env.sh
/// as a shell script, sys.config as Erlang terms, and `COOKIE` whole. Returns whether
/// a vm.args' `-setcookie` value is among them.
pub fn add_secrets(secrets: &mut Secrets, name: &str, bytes: &[u8]) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    match base {
        "vm.args" | "vm.args.src" => return vmargs::doc::add_text_secrets(secrets, bytes, name),
        "env.sh" => secrets.add_ranges(name, bytes, scan::in_shell(bytes)),
        "sys.config" | "sys.config.src" => {
            secrets.add_ranges(name, bytes, scan::in_erlang_terms(bytes))
        }
        "COOKIE" => {
            let end = bytes.len()
                - bytes
                    .iter()
                    .rev()
                    .take_while(|b| b.is_ascii_whitespace())
                    .count();
            if end > 0 {
                secrets.add_ranges(name, bytes, std::iter::once(0..end));
            }
        }
        _ => {}
    }
    false
}

/// The text of `name`, its secrets masked unless `secrets.show`; and whether any was.
fn masked(secrets: &Secrets, name: &str, bytes: &[u8]) -> (String, bool) {
    let text = String::from_utf8_lossy(bytes);
    let shown = secrets.mask_text(name, &text);
    let redacted = shown != text;
    (shown, redacted)
}

pub fn inspect(path: &Path, contents: &Contents, show_secrets: bool) -> Inspection {
    let (names, prefix) = names_and_prefix(contents);
    inspect_names(path, contents, &names, prefix, show_secrets)
}

/// [`inspect`] with the names already taken from [`names_and_prefix`].
pub fn inspect_names(
    path: &Path,
    contents: &Contents,
    names: &[String],
    prefix: Option<String>,
    show_secrets: bool,
) -> Inspection {
    let full = |name: &str| {
        format!(
            "{}{name}",
            prefix.as_deref().filter(|p| *p != "./").unwrap_or("")
        )
    };
    let text = |name: &str| contents.texts.get(&full(name));
    let start_erl =
        text("releases/start_erl.data").map(|b| String::from_utf8_lossy(b).into_owned());
    let info = release::detect(names.iter().map(String::as_str), start_erl.as_deref());
    let has = |name: &str| names.iter().any(|n| n == name);
    let current_dir = info.version.as_ref().map(|v| format!("releases/{v}/"));
    let in_current = |file: &str| {
        current_dir
            .as_ref()
            .is_some_and(|d| has(&format!("{d}{file}")))
    };
    let rel = match (&info.name, &current_dir) {
        (Some(name), Some(dir)) => text(&format!("{dir}{name}.rel"))
            .and_then(|b| relfile::parse(&String::from_utf8_lossy(b)).ok()),
        _ => None,
    };
    let erts = info
        .erts
        .clone()
        .or_else(|| rel.as_ref().map(|r| r.erts.clone()));
    let erts_included = names.iter().any(|n| n.starts_with("erts-"));
    let distillery = has("releases/RELEASES")
        || names
            .iter()
            .any(|n| n.starts_with("bin/") && n.ends_with("_rc_exec.sh"))
        || current_dir
            .as_ref()
            .is_some_and(|d| names.iter().any(|n| n.starts_with(&format!("{d}libexec/"))));
    let mix = has("releases/COOKIE") || in_current("env.sh");
    // relx writes these beside its start script; Distillery and Mix do not.
    let relx = !names
        .iter()
        .any(|n| n.starts_with("bin/") && n.ends_with("_rc_exec.sh"))
        && !current_dir
            .as_ref()
            .is_some_and(|d| names.iter().any(|n| n.starts_with(&format!("{d}libexec/"))))
        && (has("bin/install_upgrade.escript") || has("bin/no_dot_erlang.boot"));
    let layout = if relx {
        "relx"
    } else if distillery {
        "distillery"
    } else if mix {
        "mix"
    } else {
        "unknown"
    };
    let mut secrets = Secrets::new(show_secrets);
    let in_releases = |file: &str| {
        let suffix = format!("/{file}");
        names
            .iter()
            .filter(move |n| n.starts_with("releases/") && n.ends_with(&suffix))
            .filter_map(|n| text(n).map(|bytes| (n.clone(), bytes)))
    };
    // A text with its secrets masked, and whether a vm.args' cookie was.
    let mut show = |path: String, bytes: &[u8]| {
        let cookie = add_secrets(&mut secrets, &path, bytes);
        let (text, redacted) = masked(&secrets, &path, bytes);
        let shown = Shown {
            path,
            text,
            redacted,
        };
        (shown, cookie && redacted)
    };
    let vm_args = in_releases("vm.args")
        .chain(in_releases("vm.args.src"))
        .map(|(path, bytes)| {
            let (s, cookie_redacted) = show(path, bytes);
            VmArgs {
                path: s.path,
                text: s.text,
                cookie_redacted,
                redacted: s.redacted,
            }
        })
        .collect();
    let env_sh = in_releases("env.sh").map(|(p, b)| show(p, b).0).collect();
    let sys_config = in_releases("sys.config")
        .chain(in_releases("sys.config.src"))
        .map(|(p, b)| show(p, b).0)
        .collect();
    let cookie = text("releases/COOKIE").map(|bytes| {
        if show_secrets {
            Cookie {
                redacted: false,
                value: Some(String::from_utf8_lossy(bytes).trim_end().to_string()),
            }
        } else {
            Cookie {
                redacted: true,
                value: None,
            }
        }
    });
    Inspection {
        path: path.display().to_string(),
        layout: layout.to_string(),
        prefix,
        release: info.name.clone(),
        versions: info.versions.clone(),
        current: info.version.clone(),
        erts,
        erts_included,
        applications: rel
            .map(|r| {
                r.applications
                    .into_iter()
                    .map(|(name, version)| Application { name, version })
                    .collect()
            })
            .unwrap_or_default(),
        present: Present {
            vm_args: in_current("vm.args"),
            sys_config: in_current("sys.config"),
            env_sh: in_current("env.sh"),
            cookie: has("releases/COOKIE"),
            releases: has("releases/RELEASES"),
        },
        vm_args,
        env_sh,
        sys_config,
        cookie,
        entries: contents.entries.len() as u64,
        bytes: contents.entries.iter().map(|e| e.size).sum(),
        size: contents.size,
        native: contents
            .native
            .iter()
            .filter(|(_, native)| !matches!(native, Native::Elf(elf) if !elf.loadable))
            .map(|(path, native)| NativeNeeds::of(path, native))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked_text(name: &str, text: &str) -> String {
        let mut secrets = Secrets::new(false);
        add_secrets(&mut secrets, name, text.as_bytes());
        masked(&secrets, name, text.as_bytes()).0
    }

    #[test]
    fn cookies_and_env_secrets_are_masked_by_erl_word_rules() {
        assert_eq!(
            masked_text(
                "releases/0.1.0/vm.args",
                "-name a@b\n-setcookie \"foo bar\" # note\n-env DB_PASSWORD pw\n-env ERL_MAX_PORTS 65536\n-billing secret_key_base '\"k\"'\n"
            ),
            "-name a@b\n-setcookie ********* # note\n-env DB_PASSWORD **\n-env ERL_MAX_PORTS 65536\n-billing secret_key_base *****\n"
        );
        assert_eq!(
            masked_text("releases/0.1.0/vm.args", "-name a@b\n"),
            "-name a@b\n"
        );
    }

    #[test]
    fn env_sh_sys_config_and_cookie_are_masked() {
        assert_eq!(
            masked_text(
                "releases/0.1.0/env.sh",
                "export RELEASE_DISTRIBUTION=name\nexport RELEASE_COOKIE=abcdef\n"
            ),
            "export RELEASE_DISTRIBUTION=name\nexport RELEASE_COOKIE=******\n"
        );
        assert_eq!(
            masked_text(
                "releases/0.1.0/sys.config",
                "[{billing, [{password, <<\"pw\">>}, {pool_size, 10}]}]."
            ),
            "[{billing, [{password, ********}, {pool_size, 10}]}]."
        );
        assert_eq!(masked_text("releases/COOKIE", "abcdef\n"), "******\n");
    }
}
