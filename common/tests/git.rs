//! relkit_common::git::tracked gives git's own answer (`git ls-files --error-unmatch`)
//! for every kind of repository: index versions 2, 3 and 4, a SHA-256 repository, a
//! linked worktree (`.git` is a file), a split index and a sparse index (the last
//! two by asking git). The fast path must answer by itself where it says it can.

use relkit_common::git::{index_lookup, repository_of, tracked};
use relkit_tests::{assert_ok, require_peer};
use std::path::{Path, PathBuf};
use std::process::Command;

fn git(git: &Path, dir: &Path, args: &[&str]) {
    let out = Command::new(git)
        .current_dir(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@e",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert_ok(&out, format_args!("git {args:?}"));
}

fn git_says(git: &Path, dir: &Path, rel: &str) -> bool {
    Command::new(git)
        .current_dir(dir)
        .args([
            "--literal-pathspecs",
            "ls-files",
            "--error-unmatch",
            "--",
            rel,
        ])
        .output()
        .unwrap()
        .status
        .success()
}

/// Files of every shape; the first half tracked, the rest not.
const FILES: &[&str] = &[
    "rel/vm.args.prod",
    "config/prod.secret.exs",
    "a b/with space.txt",
    "ünï/cödé.exs",
    "deep/er/and/deeper/still/file",
    "rel/vm.args",
    "rel/vm.args.stage",
    "config/stage.secret.exs",
    "a b/other.txt",
    "deep/er/untracked",
    "rel/vm.args.pro",
];

fn populate(git_bin: &Path, root: &Path, extra: &[&str]) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    for rel in FILES {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, rel).unwrap();
        paths.push(path);
    }
    // Many files, so v4's prefix compression has long runs to compress.
    for i in 0..300 {
        let rel = format!("lib/billing/web/controllers/c{i:03}_controller.ex");
        let path = root.join(&rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "x").unwrap();
    }
    let mut add = vec!["add", "--"];
    add.extend(FILES.iter().take(5));
    add.push("lib");
    git(git_bin, root, &add);
    for args in extra.iter().map(|a| a.split(' ').collect::<Vec<_>>()) {
        git(git_bin, root, &args);
    }
    paths.push(root.join("lib/billing/web/controllers/c150_controller.ex"));
    paths
}

fn agree(git_bin: &Path, root: &Path, paths: &[PathBuf], fast: bool) {
    let repo = repository_of(&paths[0]).expect("a repository");
    let index = std::fs::read(repo.git_dir.join("index")).unwrap();
    for path in paths {
        let rel = path.strip_prefix(root).unwrap().to_str().unwrap();
        let want = git_says(git_bin, root, rel);
        assert_eq!(tracked(path), Some(want), "{rel}");
        let quick = index_lookup(&index, rel.as_bytes());
        if fast {
            assert_eq!(quick, Some(want), "the fast path answers for {rel}");
        } else {
            assert_eq!(quick, None, "the fast path leaves {rel} to git");
        }
    }
}

#[test]
fn every_index_kind_gives_gits_answer() {
    let Some(git_bin) = require_peer("git") else {
        return;
    };
    let cases: &[(&str, &[&str], &[&str], bool)] = &[
        (
            "v2",
            &["init", "-q"],
            &["update-index --index-version 2"],
            true,
        ),
        // Intent-to-add sets the extended flag, which only v3 and up carry.
        (
            "v3",
            &["init", "-q"],
            &["update-index --index-version 3", "add -N rel/vm.args"],
            true,
        ),
        (
            "v4",
            &["init", "-q"],
            &["update-index --index-version 4"],
            true,
        ),
        (
            "sha256",
            &["init", "-q", "--object-format=sha256"],
            &["update-index --index-version 4"],
            true,
        ),
        (
            "split",
            &["init", "-q"],
            &["update-index --split-index"],
            false,
        ),
    ];
    for (name, init, extra, fast) in cases {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        git(&git_bin, &root, init);
        let paths = populate(&git_bin, &root, extra);
        eprintln!("{name}");
        agree(&git_bin, &root, &paths, *fast);
    }
}

#[test]
fn a_linked_worktree_and_a_sparse_index() {
    let Some(git_bin) = require_peer("git") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    let main = root.join("main");
    std::fs::create_dir(&main).unwrap();
    git(&git_bin, &main, &["init", "-q"]);
    populate(&git_bin, &main, &["commit -q -m one"]);
    git(&git_bin, &main, &["worktree", "add", "-q", "../linked"]);
    let linked = root.join("linked");
    assert!(linked.join(".git").is_file());
    std::fs::write(linked.join("rel/vm.args.stage"), "new here").unwrap();
    let paths: Vec<PathBuf> = FILES.iter().map(|f| linked.join(f)).collect();
    agree(&git_bin, &linked, &paths, true);

    // A sparse index keeps directories outside the cone as single entries.
    let sparse = root.join("sparse");
    std::fs::create_dir(&sparse).unwrap();
    git(&git_bin, &sparse, &["init", "-q"]);
    let paths = populate(&git_bin, &sparse, &["commit -q -m one"]);
    git(
        &git_bin,
        &sparse,
        &["sparse-checkout", "init", "--cone", "--sparse-index"],
    );
    git(&git_bin, &sparse, &["sparse-checkout", "set", "rel"]);
    let present: Vec<PathBuf> = paths.into_iter().filter(|p| p.exists()).collect();
    assert!(!present.is_empty());
    for path in &present {
        let rel = path.strip_prefix(&sparse).unwrap().to_str().unwrap();
        assert_eq!(
            tracked(path),
            Some(git_says(&git_bin, &sparse, rel)),
            "{rel}"
        );
    }
}

#[test]
fn a_symlink_is_judged_as_itself_and_outside_a_repository_there_is_no_answer() {
    let Some(git_bin) = require_peer("git") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    git(&git_bin, &root, &["init", "-q"]);
    std::fs::write(root.join("tracked.exs"), "x").unwrap();
    git(&git_bin, &root, &["add", "tracked.exs"]);
    std::os::unix::fs::symlink(root.join("tracked.exs"), root.join("link.exs")).unwrap();
    assert_eq!(tracked(&root.join("tracked.exs")), Some(true));
    assert_eq!(tracked(&root.join("link.exs")), Some(false));
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("f"), "x").unwrap();
    // /tmp itself is in no repository on a test machine.
    if repository_of(&outside.path().join("f")).is_none() {
        assert_eq!(tracked(&outside.path().join("f")), None);
    }
}
