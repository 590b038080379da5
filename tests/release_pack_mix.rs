//! release-pack against a real `mix release` (Debian `elixir`, offline): inspect and
//! unpack Mix's own tarball and boot it; pack the assembled tree, unpack that and
//! boot it again; GNU tar and Erlang's `:erl_tar` read what release-pack wrote.

use relkit_tests::{json_docs, require_peer, tool};
use std::path::{Path, PathBuf};
use std::process::Command;

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("command runs");
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `mix new shop` with a release that has the tar step, built in prod.
fn build_release(mix: &Path, work: &Path) -> PathBuf {
    run(Command::new(mix).args(["new", "shop"]).current_dir(work));
    let project = work.join("shop");
    let mix_exs = std::fs::read_to_string(project.join("mix.exs")).unwrap();
    let mix_exs = mix_exs.replace(
        "deps: deps()\n",
        "deps: deps(),\n      releases: [shop: [steps: [:assemble, :tar], include_executables_for: [:unix]]]\n",
    );
    std::fs::write(project.join("mix.exs"), mix_exs).unwrap();
    run(Command::new(mix)
        .args(["release", "--quiet"])
        .env("MIX_ENV", "prod")
        .current_dir(&project));
    project
}

fn boots(release: &Path) {
    let out = run(Command::new(release.join("bin/shop")).args(["eval", "IO.puts(:ok)"]));
    assert_eq!(out.trim(), "ok");
}

#[test]
fn a_real_mix_release_round_trips() {
    let (Some(mix), Some(erl), Some(tar)) = (
        require_peer("mix"),
        require_peer("erl"),
        require_peer("tar"),
    ) else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let project = build_release(&mix, work.path());
    let mix_tarball = project.join("_build/prod/shop-0.1.0.tar.gz");
    let assembled = project.join("_build/prod/rel/shop");

    // inspect Mix's own tarball, and hand its vm.args to vmargs.
    let report = json_docs(tool("release-pack").arg("inspect").arg(&mix_tarball), 0).remove(0);
    assert_eq!(report["layout"], "mix");
    assert_eq!(report["release"], "shop");
    assert_eq!(report["current"], "0.1.0");
    assert_eq!(report["erts_included"], true);
    assert_eq!(report["cookie"]["redacted"], true);
    assert!(report["applications"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["name"] == "shop"));
    assert_eq!(report["vm_args"][0]["path"], "releases/0.1.0/vm.args");
    let checked = tool("vmargs")
        .args(["check", "--json"])
        .write_stdin(report.to_string())
        .output()
        .unwrap();
    assert_eq!(
        checked.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&checked.stdout)
    );
    tool("release-pack")
        .arg("verify")
        .arg(&mix_tarball)
        .assert()
        .success();

    // Mix's tarball, unpacked by release-pack, boots.
    let deploy = work.path().join("deploy");
    std::fs::create_dir(&deploy).unwrap();
    tool("release-pack")
        .arg("unpack")
        .arg(&mix_tarball)
        .arg("--into")
        .arg(deploy.join("from-mix"))
        .assert()
        .success();
    boots(&deploy.join("from-mix"));

    // release-pack's own tarball of the assembled tree, unpacked by release-pack, boots.
    let ours = work.path().join("shop-ours.tar.gz");
    let manifest = json_docs(
        tool("release-pack")
            .arg("pack")
            .arg(&assembled)
            .arg("-o")
            .arg(&ours),
        0,
    )
    .remove(0);
    assert_eq!(manifest["release"], "shop");
    assert_eq!(manifest["erts"], report["erts"]);
    tool("release-pack")
        .arg("unpack")
        .arg(&ours)
        .arg("--into")
        .arg(deploy.join("ours"))
        .assert()
        .success();
    boots(&deploy.join("ours"));
    tool("release-pack")
        .args(["verify", "--sha256", manifest["sha256"].as_str().unwrap()])
        .arg(&ours)
        .assert()
        .success();

    // Touching every file changes nothing in the packed bytes.
    run(Command::new("find").arg(&assembled).args([
        "-exec",
        "touch",
        "-d",
        "2030-01-01",
        "{}",
        "+",
    ]));
    let again = json_docs(
        tool("release-pack")
            .arg("pack")
            .arg(&assembled)
            .arg("-o")
            .arg(work.path().join("again.tar.gz")),
        0,
    )
    .remove(0);
    assert_eq!(again["sha256"], manifest["sha256"]);

    // GNU tar lists bare names; Erlang's own erl_tar extracts it without complaint.
    let names = run(Command::new(&tar).arg("tzf").arg(&ours));
    assert!(
        names
            .lines()
            .all(|n| !n.starts_with("./") && !n.starts_with('/')),
        "{names}"
    );
    assert!(names.lines().any(|n| n == "bin/shop"));
    let extracted = work.path().join("erl_tar");
    std::fs::create_dir(&extracted).unwrap();
    let eval = format!(
        "ok = erl_tar:extract(\"{}\", [compressed, {{cwd, \"{}\"}}]), halt().",
        ours.display(),
        extracted.display()
    );
    run(Command::new(&erl).args(["-noshell", "-eval", &eval]));
    assert_eq!(
        std::fs::read(extracted.join("releases/start_erl.data")).unwrap(),
        std::fs::read(assembled.join("releases/start_erl.data")).unwrap()
    );
    boots(&extracted);
}
