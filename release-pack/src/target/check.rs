//! `verify --target-root`: every native file of a release loaded on paper against
//! a target ([`super::load`]), and what would stop it as findings, each naming the
//! release file, what it needs, what the target has, the OTP application it
//! belongs to and whether that application starts at boot.

use super::elf::Elf;
use super::load::{self, Outcome, Place, ReleaseFiles, VersionMiss};
use super::native::Native;
use super::view::{loader_path, Candidate, TargetView};
use crate::codes::{self, *};
use crate::inspect::{Contents, Inspection};
use relkit_common::{Finding, Severity};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The release's native files, as the loader finds them by `$ORIGIN`.
pub struct Files<'c> {
    native: &'c BTreeMap<String, Native>,
    elves: BTreeMap<&'c str, Arc<Elf>>,
    /// `LD_LIBRARY_PATH` as the release's env.sh exports it.
    library_path: Vec<Place>,
}

impl<'c> Files<'c> {
    pub fn new(contents: &'c Contents) -> Files<'c> {
        Files {
            native: &contents.native,
            elves: contents
                .native
                .iter()
                .filter_map(|(name, native)| match native {
                    Native::Elf(elf) => Some((name.as_str(), Arc::new((**elf).clone()))),
                    Native::Unreadable(_) => None,
                })
                .collect(),
            library_path: library_path(contents),
        }
    }

    /// Load the release file `name` (an ELF) on `target`, as its loader would.
    pub fn load(&self, name: &str, target: &dyn TargetView) -> Option<Outcome> {
        let main = self.elves.get(name)?;
        Some(load::load(
            Place::Release(name.to_string()),
            Arc::clone(main),
            self,
            target,
            &self.library_path,
        ))
    }
}

/// Where the release root stands in for `$RELEASE_ROOT` while env.sh is read.
const RELEASE_ROOT: &str = "/@release-root@";

/// The directories of `LD_LIBRARY_PATH` that the current version's env.sh exports
/// (Mix's start script sources it, with `RELEASE_ROOT` set, before it starts erl):
/// under `$RELEASE_ROOT` a directory of the release, else one of the target. A
/// value the reader cannot know is left out.
fn library_path(contents: &Contents) -> Vec<Place> {
    let Some(env_sh) = contents.texts.iter().find_map(|(name, text)| {
        let name = super::native::release_relative(name);
        let mut parts = name.split('/');
        let shape = (parts.next(), parts.next(), parts.next(), parts.next());
        matches!(shape, (Some("releases"), Some(_), Some("env.sh"), None)).then_some(text)
    }) else {
        return Vec::new();
    };
    let mut shell = relkit_common::shell::Shell::with_env([("RELEASE_ROOT", RELEASE_ROOT)]);
    if relkit_common::shell::source(&mut shell, env_sh).is_err() {
        return Vec::new();
    }
    let Some(var) = shell.vars.get("LD_LIBRARY_PATH").filter(|v| v.exported) else {
        return Vec::new();
    };
    let Some(value) = var.value.as_known() else {
        return Vec::new();
    };
    value
        .split(':')
        .filter(|dir| !dir.is_empty())
        .filter_map(|dir| match dir.strip_prefix(RELEASE_ROOT) {
            Some(rest) => Some(Place::Release(rest.trim_matches('/').to_string())),
            None if dir.starts_with('/') => Some(Place::Target(dir.to_string())),
            None => None,
        })
        .collect()
}

impl ReleaseFiles for Files<'_> {
    fn native(&self, path: &str) -> Option<Result<Arc<Elf>, super::elf::NotElf>> {
        match self.native.get(path)? {
            Native::Elf(_) => self.elves.get(path).cloned().map(Ok),
            Native::Unreadable(why) => Some(Err(why.clone())),
        }
    }
}

/// What the check looked at, for the summary line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checked {
    pub files: usize,
    pub libraries: usize,
}

/// Check `contents` (described by `release`) against `target`. `shown` is how the
/// release is named in findings (its path as given).
pub fn check(
    shown: &str,
    contents: &Contents,
    release: &Inspection,
    target: &dyn TargetView,
) -> (Vec<Finding>, Checked) {
    let files = Files::new(contents);
    let target_name = target.name();
    let at = |name: &str| format!("{}/{name}", shown.trim_end_matches('/'));
    let mut out = Vec::new();
    let mut checked = Checked::default();
    for problem in target.problems() {
        out.push(codes::finding(
            Severity::Warning,
            CODE_TARGET_CONFIG,
            format!("{target_name}: {problem}"),
        ));
    }
    let target_kind = target.kind();
    let mut libraries = std::collections::BTreeSet::new();
    let mut no_loader: Vec<&str> = Vec::new();
    for (name, native) in &contents.native {
        let app = Application::of(name, release);
        let elf = match native {
            Native::Unreadable(why) => {
                out.push(
                    codes::finding(Severity::Error, CODE_UNREADABLE_NATIVE, format!("{name} is {why}; the loader refuses it{}", app.effect()))
                        .in_file(at(name))
                        .with_hint("rebuild the application's native code, or remove the file if nothing loads it"),
                );
                continue;
            }
            Native::Elf(elf) => elf,
        };
        // Object files and other ELF the loader does not map are not checked.
        if !elf.loadable {
            continue;
        }
        checked.files += 1;
        let Some(kind) = elf.kind else { continue };
        if let Some(theirs) = target_kind {
            if theirs != kind {
                out.push(
                    codes::finding(Severity::Error, CODE_WRONG_ARCHITECTURE, format!(
                        "{name} is built for {}; {target_name} runs {}{}",
                        kind.name(), theirs.name(), app.effect()
                    ))
                    .in_file(at(name))
                    .with_hint(format!("build the release on a {} host (or in a container of the target's release), or ship it without ERTS and build the NIFs there", theirs.name())),
                );
                continue;
            }
        }
        if let Some(loader) = loader_path(kind) {
            let present = matches!(target.candidate(loader), Candidate::Elf { elf, .. } if elf.kind == Some(kind));
            if !present {
                if !no_loader.contains(&loader) {
                    no_loader.push(loader);
                    out.push(
                        codes::finding(Severity::Error, CODE_MISSING_LIBRARY, format!(
                            "{target_name} has no dynamic loader for {} ({loader}): none of the release's {} native code can run there",
                            kind.name(), kind.name()
                        ))
                        .in_file(shown.to_string())
                        .with_hint("the target is not a glibc system of this architecture (musl? another distribution? the wrong root?): build the release on it, or in a container of its release"),
                    );
                }
                continue;
            }
        }
        let Some(outcome) = files.load(name, target) else {
            continue;
        };
        for loaded in &outcome.loaded {
            if let Place::Target(path) = &loaded.place {
                libraries.insert(path.clone());
            }
        }
        report(name, &app, &outcome, target, &target_name, &mut out, &at);
    }
    checked.libraries = libraries.len();
    if !release.erts_included {
        if let Some(wanted) = &release.erts {
            out.extend(installed_erlang(shown, contents, release, wanted, target));
        }
    }
    (out, checked)
}

/// A release without ERTS runs on the target's Erlang: its ERTS must be the
/// version of `releases/start_erl.data`, and the OTP applications the release
/// leaves out must be in that installation's `lib/` (Debian splits them into
/// packages: erlang-crypto, erlang-ssl...).
fn installed_erlang(
    shown: &str,
    contents: &Contents,
    release: &Inspection,
    wanted: &str,
    target: &dyn TargetView,
) -> Vec<Finding> {
    let target_name = target.name();
    let installed = target.erts();
    let Some(erts) = installed.iter().find(|e| e.version == wanted) else {
        let has = if installed.is_empty() {
            "no Erlang runtime (no erts-* under /usr/lib/erlang, /usr/local/lib/erlang or where erl on the PATH points)".to_string()
        } else {
            installed
                .iter()
                .map(|e| format!("ERTS {} ({})", e.version, e.path))
                .collect::<Vec<_>>()
                .join(", ")
        };
        return vec![codes::finding(Severity::Error, CODE_ERTS_NOT_ON_TARGET, format!(
            "the release does not include ERTS and needs ERTS {wanted} (releases/start_erl.data); {target_name} has {has}"
        ))
        .in_file(shown.to_string())
        .with_hint(format!("install the Erlang/OTP release whose ERTS is {wanted} on the target, or build the release with include_erts: true"))];
    };
    let erlang = erts.path.rsplit_once('/').map_or("", |(dir, _)| dir);
    let mut out = Vec::new();
    for app in &release.applications {
        let dir = format!("lib/{}-{}/", app.name, app.version);
        if contents.native.keys().any(|n| n.starts_with(&dir))
            || contents
                .entries
                .iter()
                .any(|e| crate::target::native::release_relative(&e.name).starts_with(&dir))
        {
            continue;
        }
        let on_target = format!("{erlang}/{}", dir.trim_end_matches('/'));
        if !target.is_dir(&on_target) {
            out.push(
                codes::finding(Severity::Error, CODE_ERTS_NOT_ON_TARGET, format!(
                    "{}-{} is in the .rel but not in the release, and {target_name}'s Erlang ({erlang}) has no {on_target}: the release fails at boot",
                    app.name, app.version
                ))
                .in_file(shown.to_string())
                .with_hint(format!("install the OTP release of ERTS {wanted} with {} on the target (Debian: the erlang-{} package), or build with include_erts: true", app.name, app.name.replace('_', "-"))),
            );
        }
    }
    out
}

/// A library in a directory of ld.so.conf that the cache does not know (ldconfig
/// not run since it came): the loader does not look there.
fn stale_cache(library: &str, target: &dyn TargetView) -> String {
    for dir in target.conf_dirs() {
        let path = format!("{}/{library}", dir.trim_end_matches('/'));
        if matches!(target.candidate(&path), Candidate::Elf { .. }) {
            return format!("; {path} is there (ld.so.conf names {dir}), but /etc/ld.so.cache does not know it: run ldconfig on the target");
        }
    }
    String::new()
}

fn report(
    name: &str,
    app: &Application,
    outcome: &Outcome,
    target: &dyn TargetView,
    target_name: &str,
    out: &mut Vec<Finding>,
    at: &dyn Fn(&str) -> String,
) {
    if let Some(interpreter) = &outcome.no_interpreter {
        out.push(
            codes::finding(app.severity(), CODE_MISSING_LIBRARY, format!(
                "{name} needs the dynamic loader {interpreter}, which {target_name} does not have{}",
                app.effect()
            ))
            .in_file(at(name))
            .with_hint("the target is not a glibc system of this architecture (musl? another distribution?): build the release on it, or in a container of its release"),
        );
    }
    for missing in &outcome.missing {
        let through = if missing.needed_by.starts_with(name) {
            String::new()
        } else {
            format!(" (through {})", missing.needed_by)
        };
        let mut why = match (&missing.refused, missing.passed_over.is_empty()) {
            (Some(refused), _) => format!("; the loader stops at {refused}"),
            (None, true) => String::new(),
            (None, false) => format!("; passed over: {}", missing.passed_over.join(", ")),
        };
        if missing.refused.is_none() {
            why.push_str(&stale_cache(&missing.name, target));
        }
        out.push(
            codes::finding(
                app.severity(),
                CODE_MISSING_LIBRARY,
                format!(
                    "{name} needs {}{through}, which {target_name} does not have{why}{}",
                    missing.name,
                    app.effect()
                ),
            )
            .in_file(at(name))
            .with_hint(install_hint(&missing.name)),
        );
    }
    // One finding per library: the versions it lacks, listed together.
    let mut by_library: BTreeMap<(&str, &str, &str, bool), Vec<&VersionMiss>> = BTreeMap::new();
    for miss in &outcome.versions {
        by_library
            .entry((&miss.needed_by, &miss.library, &miss.found_at, miss.weak))
            .or_default()
            .push(miss);
    }
    for ((needed_by, library, found_at, weak), misses) in by_library {
        let through = if needed_by.starts_with(name) {
            String::new()
        } else {
            format!(" (through {needed_by})")
        };
        let mut versions: Vec<&str> = misses.iter().map(|m| m.version.as_str()).collect();
        versions.sort_by_key(|v| load::version_order(v));
        let has = match &misses[0].newest_defined {
            _ if misses[0].unversioned => "defines no symbol versions at all (a build without them): the loader only warns \"no version information available\", and the program stops when it first calls one of its symbols".to_string(),
            Some(newest) => format!("defines up to {newest}"),
            None if misses.len() == 1 => "does not define it".to_string(),
            None => "defines none of them".to_string(),
        };
        let (severity, effect) = if weak {
            (
                Severity::Warning,
                "; weak needs: the loader goes on".to_string(),
            )
        } else {
            (app.severity(), app.effect())
        };
        out.push(
            codes::finding(
                severity,
                CODE_MISSING_SYMBOL_VERSION,
                format!(
                    "{name} needs {} of {library}{through}; {target_name}'s {found_at} {has}{effect}",
                    listed(&versions)
                ),
            )
            .in_file(at(name))
            .with_hint(version_hint(versions[0], library)),
        );
    }
}

/// `a`, `a and b`, `a, b and c`.
fn listed(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The programs of ERTS a release runs to start: the emulator and what starts it,
/// the child-process helper, epmd for a distributed node, and the DNS helper.
const ERTS_AT_BOOT: &[&str] = &["erlexec", "erl_child_setup", "epmd", "inet_gethost"];

/// The OTP application a native file belongs to, and whether the release starts it.
struct Application {
    name: String,
    at_boot: bool,
}

impl Application {
    fn of(path: &str, release: &Inspection) -> Application {
        if path.starts_with("erts-") {
            let program = path.rsplit('/').next().unwrap_or(path);
            return Application {
                name: "erts".into(),
                at_boot: ERTS_AT_BOOT.contains(&program) || program.starts_with("beam."),
            };
        }
        let dir = path.split('/').nth(1).unwrap_or("");
        let name = dir.rsplit_once('-').map_or(dir, |(n, _)| n).to_string();
        let at_boot = release.applications.iter().any(|a| a.name == name);
        Application { name, at_boot }
    }

    /// An ERTS tool the release does not start with is a warning; anything else
    /// that cannot load is an error.
    fn severity(&self) -> Severity {
        if self.name == "erts" && !self.at_boot {
            Severity::Warning
        } else {
            Severity::Error
        }
    }

    /// What the failure does, for the end of a message.
    fn effect(&self) -> String {
        if self.name == "erts" && self.at_boot {
            "; the release cannot start".into()
        } else if self.name == "erts" {
            "; a tool of ERTS the release does not run to boot".into()
        } else if self.at_boot {
            format!(
                "; {} is in the .rel, so the release fails at boot",
                self.name
            )
        } else {
            format!(
                "; {} is not in the .rel: it fails when first loaded",
                self.name
            )
        }
    }
}

fn install_hint(library: &str) -> String {
    let package = [
        ("libcrypto.so.3", "libssl3"),
        ("libssl.so.3", "libssl3"),
        ("libcrypto.so.1.1", "libssl1.1"),
        ("libssl.so.1.1", "libssl1.1"),
        ("libtinfo.so.6", "libtinfo6"),
        ("libncursesw.so.6", "libncursesw6"),
        ("libz.so.1", "zlib1g"),
        ("libstdc++.so.6", "libstdc++6"),
        ("libgcc_s.so.1", "libgcc-s1"),
        ("libsctp.so.1", "libsctp1"),
        ("libsystemd.so.0", "libsystemd0"),
    ]
    .iter()
    .find(|(lib, _)| *lib == library)
    .map(|(_, package)| *package);
    match package {
        Some(package) => format!("install {package} on the target (Debian's package for {library}), or build the release on the oldest target, or in a container of its release"),
        None => format!("install the package that provides {library} on the target, or build the release on the oldest target, or in a container of its release"),
    }
}

fn version_hint(version: &str, library: &str) -> String {
    if version.starts_with("GLIBC_") {
        format!("the build host's glibc is newer than the target's: build the release on the oldest target (or in a container of its release), since {library} cannot be upgraded alone")
    } else if version.starts_with("OPENSSL_") {
        format!("the release was linked against another OpenSSL than the target's {library}: build on the target's release, or install the OpenSSL it needs")
    } else {
        format!("the target's {library} is older than the build host's: build on the oldest target, or in a container of its release")
    }
}
