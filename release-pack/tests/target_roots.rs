//! `verify --target-root` proven against the real dynamic loader. Each case is a
//! root made from this machine's own loader, libc and libz (merged /usr, an
//! ld.so.conf, a cache written by `ldconfig -r`), changed at random: a small
//! library built here with more or fewer symbol-version nodes (gcc and a version
//! script) placed in a default directory, in an ld.so.conf directory with or
//! without ldconfig run, bundled in the release, as a dangling symlink, as a file
//! that is not ELF or is cut short; libz removed. A release holds a program or
//! NIF built here with RUNPATH or RPATH (`$ORIGIN` or absolute), `-z nodeflib`,
//! a dependency through a second library. The release is copied into the root and
//! `chroot ROOT ld.so` traces it (`LD_TRACE_LOADED_OBJECTS=1`, what ldd does):
//! which library answers for each name, which are not found, which versions are
//! missing, and where the loader stops, must be what release-pack predicts.

mod loader;

use loader::{predicted, traced};
use release_pack::inspect;
use release_pack::target::check::{self, Files};
use release_pack::target::host::HostDoc;
use release_pack::target::root::Root;
use relkit_tests::{require_peer, Rng};
use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;

const MULTIARCH: &str = "x86_64-linux-gnu";
const CASES: usize = 240;

fn run(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The host's file behind a library name, found through the host's loader cache.
fn host_library(name: &str) -> PathBuf {
    for dir in [format!("/lib/{MULTIARCH}"), format!("/usr/lib/{MULTIARCH}")] {
        let path = Path::new(&dir).join(name);
        if path.exists() {
            return fs::canonicalize(path).unwrap();
        }
    }
    panic!("{name} not found on this machine");
}

/// The libraries and programs the cases draw from, built once.
struct Lab {
    dir: PathBuf,
    base: PathBuf,
    built: HashMap<String, PathBuf>,
}

const FAKE_C: &str =
    "int fake_a(void){return 1;}\nint fake_b(void){return 2;}\nint fake_c(void){return 3;}\n";

impl Lab {
    fn new(dir: &Path) -> Lab {
        let mut lab = Lab {
            dir: dir.to_path_buf(),
            base: dir.join("base"),
            built: HashMap::new(),
        };
        fs::write(dir.join("fake.c"), FAKE_C).unwrap();
        let maps = [
            ("full", "FAKE_1.0 { global: fake_a; local: *; };\nFAKE_1.1 { global: fake_b; } FAKE_1.0;\nFAKE_2.0 { global: fake_c; } FAKE_1.1;\n"),
            ("mid", "FAKE_1.0 { global: fake_a; local: *; };\nFAKE_1.1 { global: fake_b; fake_c; } FAKE_1.0;\n"),
            ("old", "FAKE_1.0 { global: fake_a; fake_b; fake_c; local: *; };\n"),
        ];
        for (flavour, map) in maps {
            fs::write(dir.join(format!("{flavour}.map")), map).unwrap();
            lab.gcc(
                &format!("libfake-{flavour}.so"),
                &[
                    "-shared",
                    "-fPIC",
                    "fake.c",
                    "-Wl,-soname,libfake.so.1",
                    &format!("-Wl,--version-script={flavour}.map"),
                ],
            );
        }
        lab.gcc(
            "libfake-plain.so",
            &["-shared", "-fPIC", "fake.c", "-Wl,-soname,libfake.so.1"],
        );
        // What ld finds for libdep's own need when a program links libdep.
        symlink("libfake-full.so", dir.join("libfake.so.1")).unwrap();
        // libdep.so.1 needs libfake's FAKE_1.1, looked for beside itself.
        fs::write(
            dir.join("dep.c"),
            "int fake_b(void);\nint dep(void){return fake_b();}\n",
        )
        .unwrap();
        lab.gcc(
            "libdep.so.1",
            &[
                "-shared",
                "-fPIC",
                "dep.c",
                "-Wl,-soname,libdep.so.1",
                "libfake-full.so",
                "-Wl,-rpath,$ORIGIN",
            ],
        );
        lab.make_base();
        lab
    }

    fn gcc(&mut self, output: &str, args: &[&str]) -> PathBuf {
        let path = self.dir.join(output);
        if !self.built.contains_key(output) {
            run(Command::new("gcc")
                .current_dir(&self.dir)
                .args(["-o", output, "-O0", "-w"])
                .args(args));
            self.built.insert(output.to_string(), path.clone());
        }
        path
    }

    /// A Debian-like root: merged /usr, the loader reached through /lib64, libz
    /// behind its soname link, /bin/sh, ld.so.conf with its include, a cache.
    fn make_base(&self) {
        let root = &self.base;
        let libdir = root.join(format!("usr/lib/{MULTIARCH}"));
        fs::create_dir_all(&libdir).unwrap();
        fs::create_dir_all(root.join("usr/bin")).unwrap();
        fs::create_dir_all(root.join("lib64")).unwrap();
        fs::create_dir_all(root.join("etc/ld.so.conf.d")).unwrap();
        symlink("usr/lib", root.join("lib")).unwrap();
        symlink("usr/bin", root.join("bin")).unwrap();
        for name in ["ld-linux-x86-64.so.2", "libc.so.6"] {
            fs::copy(host_library(name), libdir.join(name)).unwrap();
        }
        fs::copy(host_library("libz.so.1"), libdir.join("libz.so.1.2.13")).unwrap();
        symlink("libz.so.1.2.13", libdir.join("libz.so.1")).unwrap();
        symlink(
            format!("/lib/{MULTIARCH}/ld-linux-x86-64.so.2"),
            root.join("lib64/ld-linux-x86-64.so.2"),
        )
        .unwrap();
        fs::copy("/bin/dash", root.join("usr/bin/dash")).unwrap();
        symlink("dash", root.join("usr/bin/sh")).unwrap();
        fs::write(
            root.join("etc/ld.so.conf"),
            "include /etc/ld.so.conf.d/*.conf\n\n",
        )
        .unwrap();
        fs::write(
            root.join(format!("etc/ld.so.conf.d/{MULTIARCH}.conf")),
            format!("# Multiarch support\n/usr/local/lib/{MULTIARCH}\n/lib/{MULTIARCH}\n/usr/lib/{MULTIARCH}\n"),
        )
        .unwrap();
        ldconfig(root);
    }
}

fn ldconfig(root: &Path) {
    run(Command::new("ldconfig").arg("-r").arg(root));
}

/// One generated case: what is in the root and the release.
#[derive(Debug)]
struct Case {
    calls: Vec<char>,
    versioned: bool,
    search: &'static str,
    libz: bool,
    nodeflib: bool,
    via_dep: bool,
    shared: bool,
    in_root: &'static str,
    root_flavour: &'static str,
    listed: bool,
    ldconfig: bool,
    bundled: Option<&'static str>,
    dep_bundled: bool,
    remove_libz: bool,
    /// The release's env.sh exports LD_LIBRARY_PATH to its bundled libraries.
    env_path: bool,
}

fn draw(rng: &mut Rng) -> Case {
    let mut calls: Vec<char> = ['a', 'b', 'c']
        .into_iter()
        .filter(|_| rng.chance(50))
        .collect();
    if calls.is_empty() {
        calls.push(['a', 'b', 'c'][rng.below(3)]);
    }
    Case {
        calls,
        versioned: rng.chance(80),
        search: rng.pick(&[
            "",
            "runpath:$ORIGIN/lib",
            "rpath:$ORIGIN/lib",
            "runpath:/opt/fake/lib",
            "rpath:/opt/fake/lib",
            "runpath:$ORIGIN/../missing",
        ]),
        libz: rng.chance(40),
        nodeflib: rng.chance(15),
        via_dep: rng.chance(20),
        shared: rng.chance(50),
        in_root: rng.pick(&[
            "none",
            "default",
            "default",
            "opt",
            "dangling",
            "not-elf",
            "truncated",
        ]),
        root_flavour: rng.pick(&["full", "mid", "old", "plain"]),
        listed: rng.chance(60),
        ldconfig: rng.chance(70),
        bundled: match rng.below(5) {
            0 => Some("full"),
            1 => Some("old"),
            2 => Some("mid"),
            _ => None,
        },
        dep_bundled: rng.chance(80),
        remove_libz: rng.chance(25),
        env_path: rng.chance(20),
    }
}

impl Lab {
    /// The program or NIF of a case.
    fn program(&mut self, case: &Case) -> PathBuf {
        let mut source = String::new();
        let mut body = String::new();
        if case.via_dep {
            source.push_str("int dep(void);\n");
            body.push_str("dep();");
        } else {
            for call in &case.calls {
                source.push_str(&format!("int fake_{call}(void);\n"));
                body.push_str(&format!("fake_{call}();"));
            }
        }
        if case.libz {
            source.push_str("const char *zlibVersion(void);\n");
            body.push_str("zlibVersion();");
        }
        let entry = if case.shared { "nif_init" } else { "main" };
        source.push_str(&format!("int {entry}(void){{{body} return 0;}}\n"));
        let key = format!(
            "{:?}-{}-{}-{}-{}-{}-{}",
            case.calls,
            case.versioned,
            case.search,
            case.libz,
            case.nodeflib,
            case.via_dep,
            case.shared
        )
        .replace(|c: char| !c.is_ascii_alphanumeric(), "_");
        let c_file = format!("{key}.c");
        fs::write(self.dir.join(&c_file), source).unwrap();
        let mut args: Vec<String> = vec![c_file];
        if case.shared {
            args.extend(["-shared".into(), "-fPIC".into()]);
        }
        if case.via_dep {
            args.push("libdep.so.1".into());
            args.push("-Wl,-rpath-link,.".into());
        } else if case.versioned {
            args.push("libfake-full.so".into());
        } else {
            args.push("libfake-plain.so".into());
        }
        if case.libz {
            args.push(host_library("libz.so.1").display().to_string());
        }
        if let Some((kind, dir)) = case.search.split_once(':') {
            args.push(format!("-Wl,-rpath,{dir}"));
            args.push(
                if kind == "rpath" {
                    "-Wl,--disable-new-dtags"
                } else {
                    "-Wl,--enable-new-dtags"
                }
                .into(),
            );
        }
        // ld sets DF_1_NODEFLIB in shared objects only (it warns and ignores the
        // flag for a program), which the model must also read right.
        if case.nodeflib {
            args.push("-Wl,-z,nodeflib".into());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.gcc(&format!("{key}.out"), &args)
    }
}

/// Build the case's root and release; return (root, release dir, the program's
/// name in the release).
fn build(lab: &mut Lab, case: &Case, at: &Path) -> (PathBuf, PathBuf, String) {
    let root = at.join("root");
    run(Command::new("cp").arg("-a").arg(&lab.base).arg(&root));
    let libdir = root.join(format!("usr/lib/{MULTIARCH}"));
    let flavour = lab.dir.join(format!("libfake-{}.so", case.root_flavour));
    match case.in_root {
        "default" => drop(fs::copy(&flavour, libdir.join("libfake.so.1")).unwrap()),
        "opt" => {
            fs::create_dir_all(root.join("opt/fake/lib")).unwrap();
            fs::copy(&flavour, root.join("opt/fake/lib/libfake.so.1")).unwrap();
            if case.listed {
                fs::write(root.join("etc/ld.so.conf.d/fake.conf"), "/opt/fake/lib\n").unwrap();
            }
        }
        "dangling" => symlink("libfake.so.1.0.0", libdir.join("libfake.so.1")).unwrap(),
        "not-elf" => fs::write(libdir.join("libfake.so.1"), "INPUT(-lfake)\n").unwrap(),
        "truncated" => {
            let bytes = fs::read(&flavour).unwrap();
            fs::write(libdir.join("libfake.so.1"), &bytes[..600]).unwrap();
        }
        _ => {}
    }
    if case.remove_libz {
        fs::remove_file(libdir.join("libz.so.1")).unwrap();
        fs::remove_file(libdir.join("libz.so.1.2.13")).unwrap();
    }
    if case.ldconfig {
        ldconfig(&root);
    }
    let release = at.join("release");
    let priv_dir = release.join("lib/nif-1.0/priv");
    fs::create_dir_all(priv_dir.join("lib")).unwrap();
    let name = if case.shared { "nif.so" } else { "port" };
    fs::copy(lab.program(case), priv_dir.join(name)).unwrap();
    if let Some(bundled) = case.bundled {
        fs::copy(
            lab.dir.join(format!("libfake-{bundled}.so")),
            priv_dir.join("lib/libfake.so.1"),
        )
        .unwrap();
    }
    if case.env_path {
        fs::create_dir_all(release.join("releases/0.1.0")).unwrap();
        fs::write(
            release.join("releases/0.1.0/env.sh"),
            "#!/bin/sh\nexport LD_LIBRARY_PATH=\"$RELEASE_ROOT/lib/nif-1.0/priv/lib:$LD_LIBRARY_PATH\"\n",
        )
        .unwrap();
    }
    if case.via_dep && case.dep_bundled {
        fs::copy(lab.dir.join("libdep.so.1"), priv_dir.join("libdep.so.1")).unwrap();
    }
    run(Command::new("cp")
        .arg("-a")
        .arg(&release)
        .arg(root.join("rel")));
    (root, release, format!("lib/nif-1.0/priv/{name}"))
}

/// Run a program in the root: whether it started and ended well. Through the
/// root's loader named on the command line: without /proc in the root, a program
/// started directly would not know its own `$ORIGIN` (glibc reads it from
/// /proc/self/exe), where a real host does.
fn run_in(root: &Path, program: &str, library_path: Option<&str>) -> bool {
    let mut run = Command::new(require_peer("chroot").unwrap());
    run.arg(root)
        .args(["/lib64/ld-linux-x86-64.so.2", program])
        .env_clear();
    if let Some(path) = library_path {
        run.env("LD_LIBRARY_PATH", path);
    }
    run.output().unwrap().status.success()
}

#[test]
fn predictions_equal_what_the_real_loader_does_in_generated_roots() {
    for peer in ["gcc", "chroot", "ldconfig", "cp"] {
        require_peer(peer);
    }
    if !rustix::process::geteuid().is_root() {
        assert!(
            std::env::var_os("RELKIT_REQUIRE_PEERS").is_none(),
            "chroot needs root, and this run requires every peer"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // RELKIT_KEEP_ROOTS=1 leaves the roots behind to look at a failure.
    let dir_path = if std::env::var_os("RELKIT_KEEP_ROOTS").is_some() {
        dir.keep()
    } else {
        dir.path().to_path_buf()
    };
    let mut lab = Lab::new(&dir_path);
    let mut rng = Rng(0x5eed_1d50);
    let (mut stopped, mut missing, mut versions, mut clean, mut ran) = (0, 0, 0, 0, 0);
    let mut stale = 0;
    for n in 0..CASES {
        let case = draw(&mut rng);
        let at = dir_path.join(format!("case{n}"));
        fs::create_dir_all(&at).unwrap();
        let (root_dir, release, file) = build(&mut lab, &case, &at);
        let root = Root::open(&root_dir).unwrap();
        let contents = inspect::from_dir(&release).unwrap();
        let outcome = Files::new(&contents)
            .load(&file, &root)
            .unwrap_or_else(|| panic!("case {n}: {file} not read as ELF"));
        let library_path = case.env_path.then_some("/rel/lib/nif-1.0/priv/lib:");
        let real = traced(&root_dir, &root, "/rel", &file, library_path);
        let mut ours = predicted(&root, "/rel", &outcome);
        // The root's survey, as JSON and back, answers as the root does.
        let survey = HostDoc::survey(&root, "case", &["/opt/fake/lib".to_string()]);
        let text = serde_json::to_string(&survey).unwrap();
        let survey: HostDoc = serde_json::from_str(&text).unwrap();
        let from_survey = Files::new(&contents).load(&file, &survey).unwrap();
        assert_eq!(
            predicted(&root, "/rel", &from_survey),
            ours,
            "case {n}: the survey differs: {case:?}"
        );
        if let Some(stop) = &real.stopped_at {
            // The loader stops at the first refused file: what it would have said
            // of the rest is not known, only where it stopped.
            if stop.starts_with("killed by signal") {
                let refused = outcome.missing.iter().find_map(|m| m.refused.as_ref());
                assert!(
                    refused.is_some_and(|r| r.why.contains("damaged")),
                    "case {n}: the loader was {stop}, release-pack saw no damaged file: {case:?}\n{outcome:#?}"
                );
            } else {
                assert_eq!(
                    ours.stopped_at, real.stopped_at,
                    "case {n}: {case:?}\n{outcome:#?}"
                );
            }
            stopped += 1;
            fs::remove_dir_all(&at).unwrap();
            continue;
        }
        ours.stopped_at = None;
        assert_eq!(ours, real, "case {n}: {case:?}\n{outcome:#?}");
        // A library ld.so.conf names but the cache lacks: the finding says to run ldconfig.
        if case.in_root == "opt"
            && case.listed
            && !case.ldconfig
            && real.not_found.contains("libfake.so.1")
        {
            let described = inspect::inspect(&release, &contents, false);
            let (found, _) = check::check("release", &contents, &described, &root);
            assert!(
                found.iter().any(|f| f.code == "missing-library"
                    && f.message.contains("run ldconfig on the target")),
                "case {n}: {found:#?}"
            );
            stale += 1;
        }
        // A program is also run: it starts exactly when nothing was predicted against it.
        if !case.shared {
            let predicted_to_start =
                outcome.missing.is_empty() && outcome.versions.iter().all(|v| v.weak);
            let started = run_in(&root_dir, &format!("/rel/{file}"), library_path);
            assert_eq!(
                started, predicted_to_start,
                "case {n}: ran {started}: {case:?}\n{outcome:#?}"
            );
            ran += 1;
        }
        missing += usize::from(!real.not_found.is_empty());
        versions += usize::from(!real.versions.is_empty());
        clean += usize::from(real.not_found.is_empty() && real.versions.is_empty());
        fs::remove_dir_all(&at).unwrap();
    }
    eprintln!(
        "target roots: {CASES} cases as the loader says: {missing} with a library not found, {versions} with a version missing, {stopped} stopped at a bad file, {clean} clean; {ran} programs run, each starting as predicted; {stale} told to run ldconfig"
    );
    assert!(missing > 20 && versions > 20 && stopped > 10 && clean > 20 && stale > 0);
}
