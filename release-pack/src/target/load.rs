//! The dynamic loader's work for one program, done on paper: glibc's `elf/dl-load.c`
//! and `elf/dl-deps.c` (breadth-first, each name loaded once, matched by the name
//! asked for or the object's `DT_SONAME`) and `elf/dl-version.c` (every version an
//! object needs, looked up in the definitions of the library that answered for
//! that name). A library is looked for, in order: in the `DT_RPATH` of the asking
//! object and of the objects that loaded it (only where the asking object has no
//! `DT_RUNPATH`), in `LD_LIBRARY_PATH`, in the asking object's `DT_RUNPATH`, in
//! `/etc/ld.so.cache`, then in the loader's default directories (the last two not
//! for an object marked `DF_1_NODEFLIB`). A candidate of another class or machine
//! is passed over; one that is not ELF stops the search with an error, as glibc's
//! `open_verify` does.

use super::elf::{Elf, Kind, NotElf};
use super::view::{loader_path, Candidate, TargetView};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Where an object is: in the release (a path relative to its root) or on the target.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Place {
    Release(String),
    Target(String),
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Release(path) => write!(f, "{path} (in the release)"),
            Place::Target(path) => f.write_str(path),
        }
    }
}

/// The release's own files, for `$ORIGIN` paths.
pub trait ReleaseFiles {
    /// The ELF facts of a release file, or why it is not one; `None` if no such file.
    fn native(&self, path: &str) -> Option<Result<Arc<Elf>, NotElf>>;
}

#[derive(Debug, Clone)]
pub struct Loaded {
    pub place: Place,
    pub elf: Arc<Elf>,
    /// The name it was asked for by (the program itself: its path).
    pub name: String,
    /// Index of the object that first asked for it.
    pub loader: Option<usize>,
}

/// A library nothing answered for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub name: String,
    /// The object that asked for it.
    pub needed_by: String,
    /// What was there but passed over or refused: `path: why`.
    pub passed_over: Vec<String>,
    /// The candidate that stopped the search (not ELF, damaged), if one did.
    pub refused: Option<Refused>,
}

/// A file the loader opened for a name and refused, which stops the whole load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub place: Place,
    pub why: String,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.place, self.why)
    }
}

/// A version an object needs that its library does not define.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionMiss {
    pub version: String,
    pub library: String,
    /// Where the library was found.
    pub found_at: String,
    pub needed_by: String,
    /// A weak need: the loader goes on.
    pub weak: bool,
    /// The newest version of the same family the library defines (`GLIBC_2.31`).
    pub newest_defined: Option<String>,
    /// The library defines no versions at all (built without a version script).
    /// The loader only warns ("no version information available"), but stops the
    /// program when it first binds one of those symbols (glibc's `check_match`
    /// asserts that such a symbol cannot be).
    pub unversioned: bool,
}

/// What loading one program gives.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub loaded: Vec<Loaded>,
    pub missing: Vec<Missing>,
    pub versions: Vec<VersionMiss>,
    /// The program names a loader (`PT_INTERP`) the target does not have.
    pub no_interpreter: Option<String>,
}

/// Load `main` (at `place`) as the target's loader would.
pub fn load(
    place: Place,
    main: Arc<Elf>,
    release: &dyn ReleaseFiles,
    target: &dyn TargetView,
    library_path: &[Place],
) -> Outcome {
    let mut out = Outcome::default();
    let Some(kind) = main.kind else {
        return out;
    };
    let main_name = place.to_string();
    out.loaded.push(Loaded {
        place,
        elf: Arc::clone(&main),
        name: main_name,
        loader: None,
    });
    // The loader itself is in every process, found by its soname.
    let interpreter = main
        .interpreter
        .clone()
        .or_else(|| loader_path(kind).map(str::to_string));
    if let Some(interpreter) = interpreter {
        match target.candidate(&interpreter) {
            Candidate::Elf { path, elf } if elf.kind == Some(kind) => out.loaded.push(Loaded {
                place: Place::Target(path),
                elf,
                name: interpreter,
                loader: None,
            }),
            _ if main.interpreter.is_some() => out.no_interpreter = Some(interpreter),
            _ => {}
        }
    }
    let mut next = 0;
    while next < out.loaded.len() {
        let object = Arc::clone(&out.loaded[next].elf);
        for name in &object.needed {
            if find_loaded(&out.loaded, name).is_some() {
                continue;
            }
            let asking = &out.loaded[next];
            match search(name, next, &out.loaded, kind, release, target, library_path) {
                Ok((place, elf)) => out.loaded.push(Loaded {
                    place,
                    elf,
                    name: name.clone(),
                    loader: Some(next),
                }),
                Err((passed_over, refused)) => {
                    if !out.missing.iter().any(|m| &m.name == name) {
                        out.missing.push(Missing {
                            name: name.clone(),
                            needed_by: asking.place.to_string(),
                            passed_over,
                            refused,
                        })
                    }
                }
            }
        }
        next += 1;
    }
    for object in &out.loaded {
        for need in &object.elf.needs {
            let Some(library) = find_loaded(&out.loaded, &need.file) else {
                continue;
            };
            let library = &out.loaded[library];
            let unversioned = !library.elf.has_version_definitions;
            for (version, weak) in &need.versions {
                if unversioned || !library.elf.defines.iter().any(|d| d == version) {
                    out.versions.push(VersionMiss {
                        version: version.clone(),
                        library: need.file.clone(),
                        found_at: library.place.to_string(),
                        needed_by: object.place.to_string(),
                        weak: *weak,
                        newest_defined: newest_of_family(&library.elf.defines, version),
                        unversioned,
                    });
                }
            }
        }
    }
    out
}

/// The loaded object that answers for `name`: asked for by that name, or with
/// that `DT_SONAME`.
fn find_loaded(loaded: &[Loaded], name: &str) -> Option<usize> {
    loaded
        .iter()
        .position(|l| l.name == name || l.elf.soname.as_deref() == Some(name))
}

type Found = (Place, Arc<Elf>);
type NotFound = (Vec<String>, Option<Refused>);

fn search(
    name: &str,
    asking: usize,
    loaded: &[Loaded],
    kind: Kind,
    release: &dyn ReleaseFiles,
    target: &dyn TargetView,
    library_path: &[Place],
) -> Result<Found, NotFound> {
    let mut passed_over = Vec::new();
    let try_place =
        |place: Place, passed_over: &mut Vec<String>| -> Option<Result<Found, Refused>> {
            let shown = place.to_string();
            let elf: Arc<Elf> = match &place {
                Place::Release(path) => match release.native(path)? {
                    Ok(elf) => elf,
                    Err(why) => {
                        return Some(Err(Refused {
                            place,
                            why: why.to_string(),
                        }))
                    }
                },
                Place::Target(path) => match target.candidate(path) {
                    Candidate::Missing => return None,
                    Candidate::Dangling { link } => {
                        passed_over.push(format!("{link} (a dangling symlink)"));
                        return None;
                    }
                    Candidate::Unopenable(why) => {
                        passed_over.push(format!("{shown}: {why}"));
                        return None;
                    }
                    Candidate::NotElf(why) => {
                        return Some(Err(Refused {
                            place,
                            why: why.to_string(),
                        }))
                    }
                    Candidate::Elf { elf, .. } => elf,
                },
            };
            if elf.kind != Some(kind) {
                let theirs = elf.kind.map_or("unknown".into(), |k| k.name());
                passed_over.push(format!("{shown}: built for {theirs}, passed over"));
                return None;
            }
            Some(Ok((place, elf)))
        };
    if name.contains('/') {
        // A needed path is opened as it is (relative ones from the working
        // directory, unknown here: taken from the target's root).
        let path = if name.starts_with('/') {
            name.to_string()
        } else {
            format!("/{name}")
        };
        return match try_place(Place::Target(path), &mut passed_over) {
            Some(Ok(found)) => Ok(found),
            Some(Err(why)) => Err((passed_over, Some(why))),
            None => Err((passed_over, None)),
        };
    }
    let object = &loaded[asking];
    let mut dirs: Vec<Place> = Vec::new();
    if object.elf.runpath.is_empty() {
        let mut at = Some(asking);
        while let Some(i) = at {
            let l = &loaded[i];
            dirs.extend(l.elf.rpath.iter().filter_map(|d| expand(d, &l.place, kind)));
            at = l.loader;
        }
    }
    dirs.extend(library_path.iter().cloned());
    dirs.extend(
        object
            .elf
            .runpath
            .iter()
            .filter_map(|d| expand(d, &object.place, kind)),
    );
    for dir in dirs {
        let place = match dir {
            Place::Release(d) => {
                Place::Release(format!("{d}/{name}").trim_start_matches('/').to_string())
            }
            Place::Target(d) => Place::Target(format!("{}/{name}", d.trim_end_matches('/'))),
        };
        match try_place(place, &mut passed_over) {
            Some(Ok(found)) => return Ok(found),
            Some(Err(why)) => return Err((passed_over, Some(why))),
            None => {}
        }
    }
    if object.elf.nodeflib {
        return Err((passed_over, None));
    }
    for path in target.cached(name, kind).unwrap_or_default() {
        match try_place(Place::Target(path), &mut passed_over) {
            Some(Ok(found)) => return Ok(found),
            Some(Err(why)) => return Err((passed_over, Some(why))),
            None => {}
        }
    }
    for dir in target.default_dirs(kind) {
        match try_place(Place::Target(format!("{dir}/{name}")), &mut passed_over) {
            Some(Ok(found)) => return Ok(found),
            Some(Err(why)) => return Err((passed_over, Some(why))),
            None => {}
        }
    }
    Err((passed_over, None))
}

/// A search directory with `$ORIGIN`, `$LIB` and `$PLATFORM` put in, as a place: a
/// directory under the release for an object of the release, else on the target.
fn expand(dir: &str, of: &Place, kind: Kind) -> Option<Place> {
    let lib = super::view::multiarch(kind).map_or("lib".to_string(), |t| format!("lib/{t}"));
    let platform = kind.name();
    let mut text = dir.to_string();
    for (from, to) in [
        ("$LIB", lib.as_str()),
        ("${LIB}", lib.as_str()),
        ("$PLATFORM", platform.as_str()),
        ("${PLATFORM}", platform.as_str()),
    ] {
        text = text.replace(from, to);
    }
    let origin_rest = text
        .strip_prefix("$ORIGIN")
        .or_else(|| text.strip_prefix("${ORIGIN}"));
    match (origin_rest, of) {
        (Some(rest), Place::Release(path)) => {
            let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
            normalise(&format!("{dir}/{rest}")).map(Place::Release)
        }
        (Some(rest), Place::Target(path)) => {
            let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
            Some(Place::Target(format!(
                "/{}",
                normalise(&format!("{dir}/{rest}")).unwrap_or_default()
            )))
        }
        (None, _) if text.contains("$ORIGIN") || text.contains("${ORIGIN}") => None,
        (None, _) if text.starts_with('/') => Some(Place::Target(text)),
        // A relative search directory is taken from the working directory: not known.
        (None, _) => None,
    }
}

/// `a/b/../c` as `a/c`; `None` when `..` climbs out of the top.
fn normalise(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            _ => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// A key that sorts symbol versions as people read them: by family, then by the
/// numbers (`GLIBC_2.9` before `GLIBC_2.17`).
pub fn version_order(version: &str) -> (String, Vec<u64>) {
    match version.rsplit_once('_') {
        Some((family, numbers)) => (
            family.to_string(),
            numbers.split('.').map(|p| p.parse().unwrap_or(0)).collect(),
        ),
        None => (version.to_string(), Vec::new()),
    }
}

/// Of `defined`, the highest version of `wanted`'s family (`GLIBC_2.31` for
/// `GLIBC_2.34`), for the message.
fn newest_of_family(defined: &[String], wanted: &str) -> Option<String> {
    let family = wanted.rsplit_once('_').map(|(f, _)| f)?;
    let mut same: BTreeMap<(String, Vec<u64>), &String> = BTreeMap::new();
    for d in defined {
        if d.rsplit_once('_').map(|(f, _)| f) == Some(family) {
            same.insert(version_order(d), d);
        }
    }
    same.into_values().next_back().cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_paths_stay_in_the_release() {
        let kind = Kind {
            bits: 64,
            little_endian: true,
            machine: object::elf::EM_X86_64.0,
        };
        let of = Place::Release("lib/nif-1/priv/nif.so".into());
        assert_eq!(
            expand("$ORIGIN/../lib", &of, kind),
            Some(Place::Release("lib/nif-1/lib".into()))
        );
        assert_eq!(
            expand("${ORIGIN}", &of, kind),
            Some(Place::Release("lib/nif-1/priv".into()))
        );
        assert_eq!(expand("$ORIGIN/../../../../x", &of, kind), None);
        assert_eq!(
            expand("/opt/ssl/$LIB", &of, kind),
            Some(Place::Target("/opt/ssl/lib/x86_64-linux-gnu".into()))
        );
        assert_eq!(expand("lib", &of, kind), None);
    }

    #[test]
    fn the_newest_version_of_a_family() {
        let defined: Vec<String> = ["GLIBC_2.2.5", "GLIBC_2.31", "GLIBC_2.4", "GLIBC_PRIVATE"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            newest_of_family(&defined, "GLIBC_2.34"),
            Some("GLIBC_2.31".into())
        );
        assert_eq!(newest_of_family(&defined, "OPENSSL_3.0.0"), None);
    }
}
