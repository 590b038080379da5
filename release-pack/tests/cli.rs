//! release-pack pack, list and unpack on small trees and on hand-made malicious
//! archives.

use predicates::str::contains;
use relkit_tests::{assert_ok, json_docs, require_peer, tool, write_file};
use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A small assembled release: the Mix layout with a script, a beam, an empty dir.
fn release_tree(root: &Path) {
    write_file(root, "bin/shop", b"#!/bin/sh\necho shop\n");
    write_file(root, "releases/0.1.0/shop.rel", b"{release,{\"shop\",\"0.1.0\"},{erts,\"13.1.5\"},[{kernel,\"8.5.3\"},{shop,\"0.1.0\"}]}.\n");
    write_file(root, "releases/0.1.0/start.boot", b"boot");
    write_file(root, "releases/0.1.0/vm.args", b"-name shop@127.0.0.1\n");
    write_file(root, "releases/COOKIE", b"SECRETCOOKIE");
    write_file(root, "releases/start_erl.data", b"13.1.5 0.1.0");
    write_file(
        root,
        "lib/shop-0.1.0/ebin/shop.app",
        b"{application,shop,[]}.\n",
    );
    write_file(
        root,
        "lib/kernel-8.5.3/ebin/kernel.app",
        b"{application,kernel,[]}.\n",
    );
    fs::create_dir_all(root.join("tmp")).unwrap();
    fs::set_permissions(root.join("bin/shop"), fs::Permissions::from_mode(0o777)).unwrap();
}

fn pack(dir: &Path, out: &Path, extra: &[&str]) -> serde_json::Value {
    json_docs(
        tool("release-pack")
            .args(["pack"])
            .arg(dir)
            .arg("-o")
            .arg(out)
            .args(extra),
        0,
    )
    .remove(0)
}

#[test]
fn pack_writes_the_erl_tar_layout_with_normalised_headers() {
    let work = tempfile::tempdir().unwrap();
    let tree = work.path().join("rel/shop");
    release_tree(&tree);
    let out = work.path().join("shop-0.1.0.tar.gz");
    let manifest = pack(&tree, &out, &[]);
    assert_eq!(manifest["kind"], "release-pack.manifest");
    assert_eq!(manifest["release"], "shop");
    assert_eq!(manifest["version"], "0.1.0");
    assert_eq!(manifest["erts"], "13.1.5");
    assert_eq!(manifest["entries"], 9);
    assert_eq!(manifest["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(
        fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let listed = json_docs(tool("release-pack").args(["list", "--json"]).arg(&out), 0);
    let names: Vec<&str> = listed.iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "bin/shop",
            "lib/kernel-8.5.3/ebin/kernel.app",
            "lib/shop-0.1.0/ebin/shop.app",
            "releases/0.1.0/shop.rel",
            "releases/0.1.0/start.boot",
            "releases/0.1.0/vm.args",
            "releases/COOKIE",
            "releases/start_erl.data",
            "tmp/"
        ]
    );
    for entry in &listed {
        assert_eq!(entry["uid"], 0);
        assert_eq!(entry["mtime"], 315_532_800);
    }
    assert_eq!(listed[0]["mode"], 0o755, "0777 scripts become 0755");
    assert_eq!(listed[3]["mode"], 0o644);
    // GNU tar reads it, with bare relative names.
    if let Some(tar) = require_peer("tar") {
        let out = Command::new(tar).arg("tzf").arg(&out).output().unwrap();
        assert_ok(&out, "out");
        assert!(String::from_utf8(out.stdout)
            .unwrap()
            .starts_with("bin/shop\n"));
    }
}

#[test]
fn packing_is_reproducible() {
    let work = tempfile::tempdir().unwrap();
    let first = work.path().join("a/shop");
    release_tree(&first);
    let one = pack(&first, &work.path().join("one.tar.gz"), &[]);
    // The same files made in another order, with other times and modes, elsewhere.
    let second = work.path().join("b/other");
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    collect(&first, &first, &mut files);
    files.reverse();
    for (rel, bytes) in &files {
        let path = write_file(&second, rel.to_str().unwrap(), bytes);
        fs::set_permissions(
            &path,
            fs::Permissions::from_mode(if rel.starts_with("bin") { 0o700 } else { 0o600 }),
        )
        .unwrap();
        let status = Command::new("touch")
            .args(["-d", "2031-02-03 04:05"])
            .arg(&path)
            .status()
            .unwrap();
        assert!(status.success());
    }
    fs::create_dir_all(second.join("tmp")).unwrap();
    let two = pack(
        &second,
        &work.path().join("two.tar.gz"),
        &["--threads", "1"],
    );
    assert_eq!(one["sha256"], two["sha256"]);
    let three = pack(
        &second,
        &work.path().join("three.tar.gz"),
        &["--threads", "3"],
    );
    assert_eq!(one["sha256"], three["sha256"]);
    // SOURCE_DATE_EPOCH sets the time, so it changes the bytes.
    let dated = json_docs(
        tool("release-pack")
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .arg("pack")
            .arg(&second)
            .arg("-o")
            .arg(work.path().join("dated.tar.gz")),
        0,
    );
    assert_eq!(dated[0]["mtime"], 1_700_000_000);
    assert_ne!(dated[0]["sha256"], one["sha256"]);
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(root, &path, out);
        } else {
            out.push((
                path.strip_prefix(root).unwrap().to_path_buf(),
                fs::read(&path).unwrap(),
            ));
        }
    }
}

#[test]
fn pack_refuses_what_it_cannot_pack() {
    let work = tempfile::tempdir().unwrap();
    let tree = work.path().join("shop");
    release_tree(&tree);
    std::os::unix::fs::symlink("/nonexistent/file", tree.join("bin/dangling")).unwrap();
    tool("release-pack")
        .arg("pack")
        .arg(&tree)
        .arg("-o")
        .arg(work.path().join("x.tar.gz"))
        .assert()
        .code(2)
        .stderr(contains("bin/dangling is a symlink to nothing"));
    assert!(!work.path().join("x.tar.gz").exists());
    let leftovers: Vec<_> = fs::read_dir(work.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left: {leftovers:?}");
    tool("release-pack")
        .arg("pack")
        .arg(&tree)
        .arg("-o")
        .arg(work.path().join("x.tar.gz"))
        .args(["--threads", "0"])
        .assert()
        .code(2)
        .stderr(contains("'--threads <N>'"));
}

#[test]
fn unpack_then_replace_keeps_the_old_tree() {
    let work = tempfile::tempdir().unwrap();
    let tree = work.path().join("shop");
    release_tree(&tree);
    fs::set_permissions(
        tree.join("releases/COOKIE"),
        fs::Permissions::from_mode(0o4666),
    )
    .unwrap();
    let tarball = work.path().join("shop.tar.gz");
    pack(&tree, &tarball, &[]);
    let into = work.path().join("deploy/shop");
    fs::create_dir_all(work.path().join("deploy")).unwrap();
    tool("release-pack")
        .arg("unpack")
        .arg(&tarball)
        .arg("--into")
        .arg(&into)
        .assert()
        .success();
    assert_eq!(
        fs::read(into.join("releases/start_erl.data")).unwrap(),
        b"13.1.5 0.1.0"
    );
    assert!(into.join("tmp").is_dir());
    assert_eq!(
        fs::metadata(into.join("bin/shop"))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777,
        0o755
    );
    assert_eq!(
        fs::metadata(into.join("releases/COOKIE"))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777,
        0o644
    );
    fs::write(into.join("marker"), "old").unwrap();
    tool("release-pack")
        .arg("unpack")
        .arg(&tarball)
        .arg("--into")
        .arg(&into)
        .assert()
        .code(2)
        .stderr(contains("is not empty; pass --replace"));
    tool("release-pack")
        .arg("unpack")
        .arg(&tarball)
        .arg("--into")
        .arg(&into)
        .arg("--replace")
        .assert()
        .success()
        .stdout(contains("shop.prev"));
    assert!(!into.join("marker").exists());
    assert!(work.path().join("deploy/shop.prev/marker").exists());
    tool("release-pack")
        .arg("unpack")
        .arg(&tarball)
        .arg("--into")
        .arg(&into)
        .args(["--replace", "--no-keep"])
        .assert()
        .success();
    assert!(!work.path().join("deploy/shop.prev").exists());
    let names: Vec<_> = fs::read_dir(work.path().join("deploy"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["shop"], "no temporary directory left");
}

/// One ustar header (and data) written by hand, so names and types the tar crate's
/// builder would refuse can be made.
fn raw_entry(
    name: &str,
    kind: u8,
    link: &str,
    data: &[u8],
    mode: u32,
    size: Option<u64>,
) -> Vec<u8> {
    let mut header = [0u8; 512];
    header[..name.len()].copy_from_slice(name.as_bytes());
    let octal = |field: &mut [u8], value: u64| {
        let text = format!("{:0width$o}\0", value, width = field.len() - 1);
        field.copy_from_slice(text.as_bytes());
    };
    octal(&mut header[100..108], u64::from(mode));
    octal(&mut header[108..116], 0);
    octal(&mut header[116..124], 0);
    let size = size.unwrap_or(data.len() as u64);
    if size < 0o77777777777 {
        octal(&mut header[124..136], size);
    } else {
        // GNU base-256 for sizes over 8 GiB.
        header[124] = 0x80;
        header[128..136].copy_from_slice(&size.to_be_bytes());
    }
    octal(&mut header[136..148], 315_532_800);
    header[156] = kind;
    header[157..157 + link.len()].copy_from_slice(link.as_bytes());
    header[257..263].copy_from_slice(b"ustar\0");
    header[263..265].copy_from_slice(b"00");
    header[148..156].copy_from_slice(b"        ");
    let sum: u32 = header.iter().map(|&b| u32::from(b)).sum();
    header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let mut out = header.to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

fn archive(entries: &[Vec<u8>]) -> Vec<u8> {
    let mut tar = entries.concat();
    tar.extend_from_slice(&[0u8; 1024]);
    gzip(&tar)
}

/// Each case: a name, the tarball's bytes, and what the error must say.
fn malicious_cases() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let file = |name: &str| raw_entry(name, b'0', "", b"pwned", 0o644, None);
    let good = file("bin/shop");
    let full = archive(&[good.clone(), file("lib/a.beam")]);
    vec![
        (
            "dotdot",
            archive(&[good.clone(), file("../escaped")]),
            "entry ../escaped: contains '..'",
        ),
        (
            "absolute",
            archive(&[file("/tmp/relkit-absolute")]),
            "has an absolute name",
        ),
        (
            "symlink-then-write",
            archive(&[
                raw_entry("etc", b'2', "/etc", b"", 0o777, None),
                file("etc/relkit-pwned"),
            ]),
            "entry etc: is a symlink to /etc, outside the release",
        ),
        (
            "relative-symlink-out",
            archive(&[raw_entry("up", b'2', "../../..", b"", 0o777, None)]),
            "outside the release",
        ),
        (
            "hardlink-out",
            archive(&[raw_entry("shadow", b'1', "/etc/shadow", b"", 0o644, None)]),
            "is a hard link to /etc/shadow",
        ),
        (
            "device",
            archive(&[raw_entry("dev/null", b'3', "", b"", 0o666, None)]),
            "is a device or fifo",
        ),
        (
            "fifo",
            archive(&[raw_entry("pipe", b'6', "", b"", 0o666, None)]),
            "is a device or fifo",
        ),
        (
            "twenty-gigabytes",
            archive(&[raw_entry("huge", b'0', "", b"", 0o644, Some(20 << 30))]),
            "declare more than",
        ),
        (
            "duplicate-type-change",
            archive(&[
                file("releases/vm.args"),
                raw_entry("releases/vm.args", b'2', "../bin/shop", b"", 0o777, None),
            ]),
            "appears twice",
        ),
        (
            "truncated-gzip",
            full[..full.len() / 2].to_vec(),
            "truncated or corrupt",
        ),
        (
            "not-gzip",
            b"PK\x03\x04 a zip file".to_vec(),
            "not gzip-compressed",
        ),
        ("empty", Vec::new(), "the file is empty"),
    ]
}

#[test]
fn malicious_archives_are_refused_and_leave_nothing_behind() {
    let work = tempfile::tempdir().unwrap();
    for (case, bytes, message) in malicious_cases() {
        let file = work.path().join(format!("{case}.tar.gz"));
        fs::write(&file, &bytes).unwrap();
        let deploy = work.path().join(format!("deploy-{case}"));
        fs::create_dir(&deploy).unwrap();
        tool("release-pack")
            .arg("unpack")
            .arg(&file)
            .arg("--into")
            .arg(deploy.join("app"))
            .assert()
            .code(2)
            .stderr(contains(message));
        // verify reports the same problem as a finding, exit 1.
        tool("release-pack")
            .arg("verify")
            .arg(&file)
            .assert()
            .code(1)
            .stdout(contains("error["));
        let left: Vec<_> = fs::read_dir(&deploy).unwrap().collect();
        assert!(left.is_empty(), "{case}: something was left: {left:?}");
        assert!(!work.path().join("escaped").exists(), "{case}");
    }
    assert!(!Path::new("/etc/relkit-pwned").exists());
    assert!(!Path::new("/tmp/relkit-absolute").exists());
}

#[test]
fn setuid_and_writable_bits_are_cleared_and_linked_config_is_admitted_on_request() {
    let work = tempfile::tempdir().unwrap();
    let bytes = archive(&[
        raw_entry("bin/tool", b'0', "", b"#!/bin/sh\n", 0o4777, None),
        raw_entry(
            "releases/0.1.0/vm.args",
            b'2',
            "/etc/billing/vm.args",
            b"",
            0o777,
            None,
        ),
        raw_entry(
            "releases/0.1.0/vm.args.orig",
            b'1',
            "bin/tool",
            b"",
            0o644,
            None,
        ),
    ]);
    let file = work.path().join("linked.tar.gz");
    fs::write(&file, bytes).unwrap();
    let into = work.path().join("app");
    tool("release-pack")
        .arg("unpack")
        .arg(&file)
        .arg("--into")
        .arg(&into)
        .assert()
        .code(2)
        .stderr(contains("--allow-symlinks-to"));
    tool("release-pack")
        .arg("verify")
        .arg(&file)
        .assert()
        .code(1)
        .stdout(contains(
            "error[setuid-entry]: entry bin/tool is setuid or setgid (mode 4777)",
        ))
        .stdout(contains("error[world-writable]"));
    tool("release-pack")
        .arg("unpack")
        .arg(&file)
        .arg("--into")
        .arg(&into)
        .args(["--allow-symlinks-to", "/etc/billing/"])
        .assert()
        .success();
    assert_eq!(
        fs::metadata(into.join("bin/tool"))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777,
        0o755
    );
    assert_eq!(
        fs::read_link(into.join("releases/0.1.0/vm.args")).unwrap(),
        Path::new("/etc/billing/vm.args")
    );
    assert_eq!(
        fs::read(into.join("releases/0.1.0/vm.args.orig")).unwrap(),
        b"#!/bin/sh\n"
    );
}

#[test]
fn inspect_describes_a_tarball_and_a_directory_alike() {
    let work = tempfile::tempdir().unwrap();
    let tree = work.path().join("shop");
    release_tree(&tree);
    let tarball = work.path().join("shop.tar.gz");
    pack(&tree, &tarball, &[]);
    let from_file = json_docs(tool("release-pack").arg("inspect").arg(&tarball), 0).remove(0);
    let from_dir = json_docs(tool("release-pack").arg("inspect").arg(&tree), 0).remove(0);
    assert_eq!(from_file["kind"], "release-pack.inspect");
    for field in [
        "layout",
        "release",
        "versions",
        "current",
        "erts",
        "erts_included",
        "applications",
        "present",
        "vm_args",
        "cookie",
        "entries",
        "bytes",
    ] {
        assert_eq!(from_file[field], from_dir[field], "{field}");
    }
    assert_eq!(from_file["layout"], "mix");
    assert_eq!(from_file["erts_included"], false);
    assert_eq!(from_file["applications"][1]["name"], "shop");
    assert_eq!(from_file["cookie"]["redacted"], true);
    assert!(!from_file.to_string().contains("SECRETCOOKIE"));
    let shown = json_docs(
        tool("release-pack")
            .arg("inspect")
            .arg(&tarball)
            .arg("--show-secrets"),
        0,
    )
    .remove(0);
    assert_eq!(shown["cookie"]["value"], "SECRETCOOKIE");
}

#[test]
fn verify_reports_an_incomplete_release_and_a_checksum() {
    let work = tempfile::tempdir().unwrap();
    let tree = work.path().join("shop");
    release_tree(&tree);
    let tarball = work.path().join("shop.tar.gz");
    let manifest = pack(&tree, &tarball, &[]);
    let manifest_file = work.path().join("manifest.json");
    fs::write(&manifest_file, manifest.to_string()).unwrap();
    // Complete but without ERTS: only info findings, exit 0.
    let findings = json_docs(
        tool("release-pack")
            .args(["verify", "--json", "--manifest"])
            .arg(&manifest_file)
            .arg(&tarball),
        0,
    );
    assert!(
        findings.iter().all(|f| f["severity"] == "info"),
        "{findings:?}"
    );
    let sha = manifest["sha256"].as_str().unwrap();
    tool("release-pack")
        .args(["verify", "--sha256", sha])
        .arg(&tarball)
        .assert()
        .success();
    tool("release-pack")
        .args(["verify", "--sha256", &"0".repeat(64)])
        .arg(&tarball)
        .assert()
        .code(1)
        .stdout(contains("error[checksum-mismatch]"));
    // Without its start script, boot file and one application.
    fs::remove_file(tree.join("bin/shop")).unwrap();
    fs::remove_file(tree.join("releases/0.1.0/start.boot")).unwrap();
    fs::remove_dir_all(tree.join("lib/kernel-8.5.3")).unwrap();
    fs::create_dir_all(tree.join("erts-13.1.4/bin")).unwrap();
    fs::write(tree.join("erts-13.1.4/bin/erl"), "").unwrap();
    pack(&tree, &tarball, &[]);
    let findings = json_docs(
        tool("release-pack")
            .args(["verify", "--json"])
            .arg(&tarball),
        1,
    );
    let codes: Vec<&str> = findings
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "missing-start-script",
            "missing-boot-script",
            "missing-application",
            "missing-erts"
        ]
    );
    assert!(findings.iter().all(|f| f["severity"] == "error"));
}

/// Memory stays flat: a 1 GiB release (a 512 MiB file that does not compress, made of
/// one random MiB repeated, which deflate's 32 KiB window cannot see, and a sparse
/// 512 MiB one) packs with 64 compression threads on whatever cores there are, and
/// lists, inspects, verifies and unpacks, each in under 64 MiB.
#[test]
fn memory_stays_flat_on_a_large_release() {
    let Some(time) = require_peer("time") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let tree = work.path().join("shop");
    release_tree(&tree);
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let noise: Vec<u8> = (0..1 << 20)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    fs::create_dir_all(tree.join("lib/shop-0.1.0/priv")).unwrap();
    let blob = fs::File::create(tree.join("lib/shop-0.1.0/priv/blob.bin")).unwrap();
    let mut blob = std::io::BufWriter::new(blob);
    for _ in 0..512 {
        blob.write_all(&noise).unwrap();
    }
    blob.flush().unwrap();
    let sparse = fs::File::create(tree.join("lib/shop-0.1.0/priv.bin")).unwrap();
    sparse.set_len(512 << 20).unwrap();
    // A 96 MiB shared object: the ELF reading of verify --target-root reads parts.
    let mut big_nif = fs::read("/bin/dash").unwrap();
    big_nif.resize(96 << 20, 0);
    fs::write(tree.join("lib/shop-0.1.0/priv/big_nif.so"), big_nif).unwrap();
    let tarball = work.path().join("shop.tar.gz");
    let os = |s: &str| std::ffi::OsString::from(s);
    let limit = 64 * 1024;
    let runs: Vec<(&str, Vec<std::ffi::OsString>)> = vec![
        (
            "pack --threads 64",
            vec![
                os("pack"),
                tree.clone().into(),
                os("-o"),
                tarball.clone().into(),
                os("--threads"),
                os("64"),
                os("--quiet"),
            ],
        ),
        ("list", vec![os("list"), tarball.clone().into()]),
        ("inspect", vec![os("inspect"), tarball.clone().into()]),
        (
            "verify",
            vec![os("verify"), tarball.clone().into(), os("--quiet")],
        ),
        (
            "verify --target-root /",
            vec![
                os("verify"),
                tarball.clone().into(),
                os("--target-root"),
                os("/"),
                os("--quiet"),
            ],
        ),
        (
            "verify DIR --target-root /",
            vec![
                os("verify"),
                tree.clone().into(),
                os("--target-root"),
                os("/"),
                os("--quiet"),
            ],
        ),
        (
            "unpack",
            vec![
                os("unpack"),
                tarball.clone().into(),
                os("--into"),
                work.path().join("out").into(),
                os("--quiet"),
            ],
        ),
    ];
    for (verb, args) in runs {
        let (out, kib) = relkit_tests::with_peak_rss(&time, "release-pack", &args);
        assert_ok(&out, format_args!("{verb}"));
        assert!(kib < limit, "{verb}: peak RSS {kib} KiB");
    }
    assert_eq!(
        fs::metadata(work.path().join("out/lib/shop-0.1.0/priv.bin"))
            .unwrap()
            .len(),
        512 << 20
    );
    assert_eq!(
        fs::metadata(work.path().join("out/lib/shop-0.1.0/priv/blob.bin"))
            .unwrap()
            .len(),
        512 << 20
    );
}

/// A tree of several compression chunks, the same bytes on every machine: text that
/// compresses and noise that does not, from a fixed linear congruential generator.
fn fixed_tree(root: &Path) {
    let mut state: u64 = 0x5eed_1234_abcd_0001;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as u8
    };
    let noise: Vec<u8> = (0..1_600_000).map(|_| next()).collect();
    write_file(root, "lib/shop-0.1.0/priv/static/app.bin", &noise);
    let text: String = (0..60_000)
        .map(|i| format!("line {i}: GET /invoices/{} 200 in {}ms\n", i % 977, i % 31))
        .collect();
    write_file(root, "lib/shop-0.1.0/priv/access.log", text.as_bytes());
    write_file(root, "bin/shop", b"#!/bin/sh\nexec true\n");
    write_file(root, "releases/0.1.0/vm.args", b"-name shop@127.0.0.1\n");
    write_file(root, "releases/start_erl.data", b"13.1.5 0.1.0\n");
}

/// The bytes of a tarball do not depend on the thread count, and are the bytes this
/// test has always seen: a change of deflate backend, level or chunking changes the
/// sha256 and must be a deliberate one, said in CHANGELOG.md.
#[test]
fn packed_bytes_do_not_depend_on_threads_and_do_not_drift() {
    const GOLDEN: &str = "b21fd29b39fe2499a8796c63b2018aaf5bd5ebc3dbd7fdde42755701b4ef2ee2";
    let work = tempfile::tempdir().unwrap();
    let tree = work.path().join("shop");
    fixed_tree(&tree);
    let mut sums = Vec::new();
    for threads in ["1", "2", "7", "64"] {
        let out = work.path().join(format!("t{threads}.tar.gz"));
        let manifest = pack(&tree, &out, &["--threads", threads]);
        assert!(
            manifest["bytes_out"].as_u64().unwrap() > 1 << 20,
            "several chunks"
        );
        sums.push((threads, manifest["sha256"].as_str().unwrap().to_string()));
    }
    for (threads, sum) in &sums {
        assert_eq!(sum, &sums[0].1, "--threads {threads}");
    }
    assert_eq!(sums[0].1, GOLDEN, "the packed bytes changed");
}
