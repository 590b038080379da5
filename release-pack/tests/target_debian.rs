//! A release built here, checked against a real older Debian: a Debian 11
//! (bullseye) root made with `debootstrap --variant=minbase` from the Debian
//! mirror apt on this machine uses, with libssl1.1 (cached under target/roots).
//! Mix releases of an app that starts `:crypto`, with ERTS and without, are
//! predicted not to boot there, and `chroot ROOT bin/billing eval` fails as
//! predicted; every ELF of the release is traced by the root's own loader and
//! must be what release-pack says of it. On this machine (`/`) the same releases
//! verify clean.

mod loader;

use loader::{predicted, traced};
use release_pack::inspect;
use release_pack::target::check::Files;
use release_pack::target::native::Native;
use release_pack::target::root::Root;
use relkit_tests::{
    assert_ok, build_mix_release, json_docs, require_peer, tool, workspace_root, write_mix_project,
};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const SUITE: &str = "bullseye";

/// The mirror apt uses here (its deb822 sources, else sources.list).
fn apt_mirror() -> String {
    let deb822 = fs::read_to_string("/etc/apt/sources.list.d/debian.sources").unwrap_or_default();
    let from_deb822 = deb822
        .lines()
        .find_map(|l| l.strip_prefix("URIs:"))
        .and_then(|uris| uris.split_whitespace().next().map(str::to_string));
    let list = fs::read_to_string("/etc/apt/sources.list").unwrap_or_default();
    let from_list = list.lines().find_map(|l| {
        let mut words = l.split_whitespace();
        (words.next() == Some("deb"))
            .then(|| words.find(|w| w.contains("://")).map(str::to_string))
            .flatten()
    });
    from_deb822
        .or(from_list)
        .expect("no Debian mirror in apt's sources")
}

/// The bullseye root, made once and kept (a rename makes it appear whole).
fn bullseye_root() -> PathBuf {
    let roots = workspace_root().join("target/roots");
    let root = roots.join(format!("{SUITE}-minbase"));
    if root.join("etc/debian_version").exists() {
        return root;
    }
    let debootstrap =
        require_peer("debootstrap").expect("debootstrap (apt-get install debootstrap)");
    fs::create_dir_all(&roots).unwrap();
    let building = roots.join(format!("{SUITE}-minbase.building.{}", std::process::id()));
    let out = Command::new(debootstrap)
        .args(["--variant=minbase", "--include=libssl1.1", SUITE])
        .arg(&building)
        .arg(apt_mirror())
        .output()
        .unwrap();
    assert_ok(&out, "debootstrap");
    match fs::rename(&building, &root) {
        Ok(()) => {}
        // Another run made it first.
        Err(_) if root.join("etc/debian_version").exists() => drop(fs::remove_dir_all(&building)),
        Err(e) => panic!("{}: {e}", root.display()),
    }
    root
}

fn crypto_release(dir: &Path, name: &str, options: &str) -> PathBuf {
    let mix = require_peer("mix").unwrap();
    let project = dir.join(name);
    write_mix_project(&project, "billing", "Billing", "0.1.0", options);
    let mix_exs = project.join("mix.exs");
    let text = fs::read_to_string(&mix_exs).unwrap();
    fs::write(&mix_exs, text.replace("[:logger]", "[:logger, :crypto]")).unwrap();
    build_mix_release(&mix, &project, "billing")
}

fn copy_into(release: &Path, root: &Path, at: &str) {
    let place = root.join(at.trim_start_matches('/'));
    let _ = fs::remove_dir_all(&place);
    fs::create_dir_all(place.parent().unwrap()).unwrap();
    let out = Command::new("cp")
        .arg("-a")
        .arg(release)
        .arg(&place)
        .output()
        .unwrap();
    assert_ok(&out, "cp");
}

fn boot_in(root: &Path, at: &str) -> std::process::Output {
    Command::new(require_peer("chroot").unwrap())
        .arg(root)
        .arg(format!("{at}/bin/billing"))
        .args([
            "eval",
            "IO.puts(:crypto.hash(:sha256, \"x\") |> byte_size())",
        ])
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("HOME", "/root")
        .output()
        .unwrap()
}

/// The findings of `verify --target-root ROOT RELEASE`, which must exit `status`.
fn verify_codes(release: &Path, root: &Path, status: i32) -> Vec<(String, String, String)> {
    let mut verify = tool("release-pack");
    verify
        .args(["verify", "--json", "--target-root"])
        .arg(root)
        .arg(release);
    json_docs(&mut verify, status)
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap_or("").to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_release_built_here_is_predicted_not_to_boot_on_bullseye_and_does_not() {
    if !rustix::process::geteuid().is_root() {
        assert!(
            std::env::var_os("RELKIT_REQUIRE_PEERS").is_none(),
            "chroot needs root, and this run requires every peer"
        );
        return;
    }
    let root_dir = bullseye_root();
    let dir = tempfile::tempdir().unwrap();
    let with_erts = crypto_release(dir.path(), "with", "");
    let without_erts = crypto_release(dir.path(), "without", "include_erts: false");

    // Here: no false alarm.
    for release in [&with_erts, &without_erts] {
        let found = verify_codes(release, Path::new("/"), 0);
        assert!(found.is_empty(), "{}: {found:?}", release.display());
    }

    // On bullseye, ELF by ELF, what the root's own loader says.
    let root = Root::open(&root_dir).unwrap();
    copy_into(&with_erts, &root_dir, "/opt/billing");
    let contents = inspect::from_dir(&with_erts).unwrap();
    let files = Files::new(&contents);
    let mut compared = 0;
    for (name, native) in &contents.native {
        let Native::Elf(elf) = native else { continue };
        if !elf.loadable {
            continue;
        }
        let outcome = files.load(name, &root).unwrap();
        let real = traced(&root_dir, &root, "/opt/billing", name, None);
        let ours = predicted(&root, "/opt/billing", &outcome);
        assert_eq!(ours, real, "{name}");
        compared += 1;
    }
    assert!(compared >= 10, "only {compared} ELF files in the release");
    eprintln!(
        "bullseye: {compared} ELF files of the release traced by its loader, each as predicted"
    );

    // The findings say it will not boot, and why; booting says the same.
    let found = verify_codes(&with_erts, &root_dir, 1);
    let erlexec_versions: Vec<&(String, String, String)> = found
        .iter()
        .filter(|(code, path, _)| {
            code == "missing-symbol-version" && path.ends_with("/bin/erlexec")
        })
        .collect();
    assert!(!erlexec_versions.is_empty(), "{found:?}");
    assert!(
        found
            .iter()
            .any(|(code, path, message)| code == "missing-library"
                && path.ends_with("/crypto.so")
                && message.contains("libcrypto.so.3")
                && message.contains("crypto is in the .rel")),
        "{found:?}"
    );
    // The root's survey, read from stdin, gives the same findings.
    let survey = tool("release-pack")
        .args(["survey", "--root"])
        .arg(&root_dir)
        .output()
        .unwrap();
    assert_ok(&survey, "survey");
    let mut from_survey = tool("release-pack");
    from_survey
        .args(["verify", "--json", "--target", "-"])
        .arg(&with_erts)
        .write_stdin(survey.stdout);
    let shown = format!("root {}", root_dir.display());
    let same: Vec<(String, String, String)> = json_docs(&mut from_survey, 1)
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap_or("").to_string(),
                f["message"]
                    .as_str()
                    .unwrap()
                    .replace(&format!("host {}", root_dir.display()), &shown),
            )
        })
        .collect();
    assert_eq!(same, found);
    let booted = boot_in(&root_dir, "/opt/billing");
    assert!(
        !booted.status.success(),
        "it booted on bullseye: {booted:?}"
    );
    let said = String::from_utf8_lossy(&booted.stderr);
    assert!(
        erlexec_versions.iter().any(|(_, _, message)| {
            message
                .split([' ', ','])
                .filter(|word| word.starts_with("GLIBC_"))
                .any(|version| said.contains(&format!("version `{version}' not found")))
        }),
        "the boot said {said:?}; predicted {erlexec_versions:?}"
    );

    // Without ERTS: bullseye has no Erlang, so the release cannot start there.
    copy_into(&without_erts, &root_dir, "/opt/billing-no-erts");
    let found = verify_codes(&without_erts, &root_dir, 1);
    assert!(
        found
            .iter()
            .any(|(code, _, message)| code == "erts-not-on-target" && message.contains("13.")),
        "{found:?}"
    );
    let booted = boot_in(&root_dir, "/opt/billing-no-erts");
    assert!(
        !booted.status.success(),
        "it booted on bullseye: {booted:?}"
    );
}
