//! `verify --target-root` on bad input: a file in priv/ named `.so` that is not ELF,
//! an ELF file cut short, a root with no loader, an ld.so.conf that includes itself
//! and a glob that matches nothing; each is reported by name and the rest of the
//! check goes on. A target that cannot be read at all is exit 2.

use relkit_tests::{json_docs, tool, write_file};
use serde_json::Value;
use std::path::Path;

/// The example's release (in a copy of the example, `dir`) with native code: a
/// real ELF program (this machine's `true`), a text file named as a shared object,
/// and an ELF cut short.
fn release(dir: &Path) -> std::path::PathBuf {
    let root = dir.join("release");
    let elf = std::fs::read("/usr/bin/true").unwrap();
    write_file(&root, "lib/billing-0.1.0/priv/port", &elf);
    write_file(
        &root,
        "lib/billing-0.1.0/priv/fake_nif.so",
        b"INPUT(-lbilling)\n",
    );
    write_file(&root, "lib/billing-0.1.0/priv/cut_nif.so", &elf[..300]);
    root
}

fn findings(release: &Path, root: &Path, status: i32) -> Vec<Value> {
    let mut verify = tool("release-pack");
    verify
        .args(["verify", "--json", "--target-root"])
        .arg(root)
        .arg(release);
    json_docs(&mut verify, status)
}

fn has(found: &[Value], code: &str, words: &[&str]) -> bool {
    found.iter().any(|f| {
        let message = f["message"].as_str().unwrap_or("");
        f["code"] == code && words.iter().all(|w| message.contains(w))
    })
}

#[test]
fn bad_native_files_are_findings_and_the_rest_is_checked() {
    let dir = relkit_tests::copy_example();
    let release = release(dir.path());
    let found = findings(&release, Path::new("/"), 1);
    assert!(
        has(
            &found,
            "unreadable-native",
            &["fake_nif.so", "not an ELF file", "billing is in the .rel"]
        ),
        "{found:#?}"
    );
    assert!(
        has(&found, "unreadable-native", &["cut_nif.so", "damaged"]),
        "{found:#?}"
    );
    // The good program was checked all the same: it loads here, so nothing on it.
    assert!(!found
        .iter()
        .any(|f| f["path"].as_str().unwrap_or("").ends_with("/port")));
    assert_eq!(found.len(), 2, "{found:#?}");
    // --target-root alone is this host.
    let mut alone = tool("release-pack");
    alone
        .args(["verify", "--json"])
        .arg(&release)
        .arg("--target-root");
    assert_eq!(json_docs(&mut alone, 1), found);
}

#[test]
fn a_root_without_a_loader_and_a_looping_ld_so_conf_are_reported() {
    let dir = relkit_tests::copy_example();
    let release = release(dir.path());
    let root = dir.path().join("root");
    write_file(
        &root,
        "etc/ld.so.conf",
        b"include /etc/ld.so.conf\ninclude /etc/ld.so.conf.d/*.conf\n/opt/lib\n",
    );
    let found = findings(&release, &root, 1);
    assert!(
        has(&found, "target-config", &["include loop"]),
        "{found:#?}"
    );
    assert!(
        has(
            &found,
            "target-config",
            &["/etc/ld.so.conf.d/*.conf matches no file"]
        ),
        "{found:#?}"
    );
    assert!(
        has(&found, "target-config", &["ld.so.cache: missing"]),
        "{found:#?}"
    );
    assert!(
        has(
            &found,
            "missing-library",
            &[
                "no dynamic loader for x86_64",
                "/lib64/ld-linux-x86-64.so.2"
            ]
        ),
        "{found:#?}"
    );
    // One finding for the loader, not one per file; the unreadable files still told.
    assert_eq!(
        found
            .iter()
            .filter(|f| f["code"] == "missing-library")
            .count(),
        1
    );
    assert!(has(&found, "unreadable-native", &["fake_nif.so"]));
}

#[test]
fn a_target_that_cannot_be_read_is_exit_2() {
    let dir = relkit_tests::copy_example();
    let release = release(dir.path());
    let missing = dir.path().join("no-such-root");
    tool("release-pack")
        .args(["verify", "--target-root"])
        .arg(&missing)
        .arg(&release)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot read the target root"));
    tool("release-pack")
        .args(["verify", "--target", "-"])
        .arg(&release)
        .write_stdin("{\"kind\":\"release-pack.inspect\"}\n")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("release-pack.host"));
    tool("release-pack")
        .args(["verify", "--target-root", "/", "--target", "-"])
        .arg(&release)
        .assert()
        .code(2);
}
