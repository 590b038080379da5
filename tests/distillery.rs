//! A release built by the real Distillery (2.x), for the tests that prove
//! `vmargs boot` against its start scripts.
//!
//! Distillery is in no package registry this project reaches (it is a Hex
//! package), so its source comes from a checkout named by `RELKIT_DISTILLERY_SRC`
//! (with Artificery, its one dependency, from `RELKIT_ARTIFICERY_SRC`). `.ci/run`
//! sets both where the machine holds copies of the two repositories. Without them
//! the tests that need Distillery print SKIPPED and do not count as run.

use crate::{assert_ok, require_peer, write_file};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub const SOURCE: &str = "RELKIT_DISTILLERY_SRC";
pub const ARTIFICERY: &str = "RELKIT_ARTIFICERY_SRC";

/// The two checkouts, or `None` after a loud SKIPPED line.
pub fn sources() -> Option<(PathBuf, PathBuf)> {
    let dir = |var: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .filter(|p| p.join("mix.exs").is_file())
    };
    match (dir(SOURCE), dir(ARTIFICERY)) {
        (Some(d), Some(a)) => Some((d, a)),
        _ => {
            // Straight to the stderr handle: libtest captures eprintln!.
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPED: Distillery's source is not here ({SOURCE} and {ARTIFICERY} name checkouts of distillery and artificery). This conformance test did NOT run. ***\n"
            );
            None
        }
    }
}

/// `{:name, ...}` dependency lists cut to `deps`: the copies are built without
/// Hex, which their optional documentation and test dependencies would need.
fn only_deps(mix_exs: &Path, deps: &str) {
    let text = std::fs::read_to_string(mix_exs).unwrap();
    let start = text.find("defp deps do").expect("mix.exs has deps/0");
    let end = start + text[start..].find("\n  end").expect("deps/0 ends");
    let patched = format!("{}defp deps do\n    {deps}{}", &text[..start], &text[end..]);
    std::fs::write(mix_exs, patched).unwrap();
}

fn copy_tree(from: &Path, to: &Path) {
    let out = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .output()
        .unwrap();
    assert_ok(&out, "cp -a");
}

/// A `billing` 0.1.0 release built with `mix distillery.release` (prod: ERTS
/// included; vm.args `-name billing@127.0.0.1` and a cookie), once per test
/// binary; `None` (skipped, loudly) without mix or Distillery's source.
pub fn release() -> Option<&'static PathBuf> {
    static BUILT: OnceLock<Option<(tempfile::TempDir, PathBuf)>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let mix = require_peer("mix")?;
            let (distillery, artificery) = sources()?;
            let dir = tempfile::tempdir().unwrap();
            copy_tree(&distillery, &dir.path().join("distillery"));
            copy_tree(&artificery, &dir.path().join("artificery"));
            only_deps(
                &dir.path().join("distillery/mix.exs"),
                "[{:artificery, path: \"../artificery\"}]",
            );
            only_deps(&dir.path().join("artificery/mix.exs"), "[]");
            let project = dir.path().join("billing");
            let files = [
                (
                    "mix.exs",
                    "defmodule Billing.MixProject do\n  use Mix.Project\n  def project, do: [app: :billing, version: \"0.1.0\", deps: [{:distillery, path: \"../distillery\", runtime: false}]]\n  def application, do: [extra_applications: [:logger]]\nend\n",
                ),
                ("lib/billing.ex", "defmodule Billing do\nend\n"),
                ("config/config.exs", "import Config\n"),
                (
                    "rel/config.exs",
                    "use Distillery.Releases.Config, default_release: :billing, default_environment: :prod\n\nenvironment :prod do\n  set include_erts: true\n  set include_src: false\n  set cookie: :distillery_test_cookie\n  set vm_args: \"rel/vm.args\"\nend\n\nrelease :billing do\n  set version: \"0.1.0\"\n  set applications: [:runtime_tools]\nend\n",
                ),
                (
                    "rel/vm.args",
                    "## billing's node\n-name billing@127.0.0.1\n-setcookie distillery_test_cookie\n-smp auto\n",
                ),
            ];
            for (name, text) in files {
                write_file(&project, name, text.as_bytes());
            }
            let out = Command::new(mix)
                .args(["distillery.release", "--no-tar"])
                .current_dir(&project)
                .env("MIX_ENV", "prod")
                .env("MIX_HOME", dir.path().join("mix_home"))
                .env("HOME", dir.path())
                .output()
                .unwrap();
            assert_ok(&out, "mix distillery.release");
            let root = project.join("_build/prod/rel/billing");
            Some((dir, std::fs::canonicalize(&root).unwrap_or(root)))
        })
        .as_ref()
        .map(|(_, root)| root)
}
