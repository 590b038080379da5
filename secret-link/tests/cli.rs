//! secret-link on this machine: plan, apply and check as a user runs them.

use predicates::str::contains;
use relkit_tests::{
    assert_ok, find_peer, json_docs, require_peer, running_as_root, tool, tool_path,
};
use serde_json::Value;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A build tree and a secrets directory side by side in a temporary directory.
struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    fn new() -> Tree {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("var")).unwrap();
        fs::create_dir_all(dir.path().join("build/config")).unwrap();
        Tree { dir }
    }
    fn var_dir(&self) -> PathBuf {
        self.dir.path().join("var")
    }
    fn config_dir(&self) -> PathBuf {
        self.dir.path().join("build/config")
    }
    fn secret(&self, env: &str, mode: u32) -> PathBuf {
        let path = self.var_dir().join(format!("{env}.secret.exs"));
        fs::write(&path, format!("import Config # {env}\n")).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        path
    }
    fn link(&self, env: &str) -> PathBuf {
        self.config_dir().join(format!("{env}.secret.exs"))
    }
    fn args(&self, verb: &str, envs: &[&str]) -> Vec<String> {
        let mut args = vec![verb.to_string()];
        for env in envs {
            args.extend(["--env".to_string(), env.to_string()]);
        }
        args.extend([
            "--from".to_string(),
            self.var_dir().to_str().unwrap().to_string(),
            "--into".to_string(),
            self.config_dir().to_str().unwrap().to_string(),
        ]);
        args
    }
    fn entries(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.config_dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

fn codes(docs: &[Value]) -> Vec<String> {
    docs.iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

fn target(path: &Path) -> PathBuf {
    fs::read_link(path).unwrap()
}

#[test]
fn plan_describes_each_link() {
    let tree = Tree::new();
    tree.secret("stage", 0o600);
    tree.secret("prod", 0o600);
    symlink("/elsewhere/prod.secret.exs", tree.link("prod")).unwrap();
    // qa has no secret: that link is refused, so plan exits 1.
    let docs = json_docs(
        tool("secret-link").args(tree.args("plan", &["stage", "prod", "qa"])),
        1,
    );
    let plan = &docs[0];
    assert_eq!(plan["kind"], "secret-link.plan");
    assert_eq!(plan["host"], Value::Null);
    let links = plan["links"].as_array().unwrap();
    let summary: Vec<(String, String)> = links
        .iter()
        .map(|l| {
            (
                l["current"].as_str().unwrap().into(),
                l["action"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("nothing".into(), "create".into()),
            ("dangling-link".into(), "replace".into()),
            ("nothing".into(), "refuse".into())
        ]
    );
    assert_eq!(links[1]["current_target"], "/elsewhere/prod.secret.exs");
    assert!(links[2]["reason"]
        .as_str()
        .unwrap()
        .contains("--allow-dangling"));
    assert_eq!(links[0]["link"], tree.link("stage").to_str().unwrap());
    // plan changes nothing.
    assert_eq!(tree.entries(), ["prod.secret.exs"]);
}

#[test]
fn plan_pipe_apply_then_idempotent() {
    let tree = Tree::new();
    let secret = tree.secret("stage", 0o600);
    let plan = tool("secret-link")
        .args(tree.args("plan", &["stage"]))
        .output()
        .unwrap();
    assert_ok(&plan, "plan");
    tool("secret-link")
        .arg("apply")
        .write_stdin(plan.stdout.clone())
        .assert()
        .success()
        .stdout(contains("created"));
    assert_eq!(target(&tree.link("stage")), secret);
    // The same plan again: the link is already right, so it is kept.
    tool("secret-link")
        .arg("apply")
        .write_stdin(plan.stdout)
        .assert()
        .success()
        .stdout(contains("kept"));
    tool("secret-link")
        .args(tree.args("apply", &["stage"]))
        .assert()
        .success()
        .stdout(contains("kept"));
    tool("secret-link")
        .args(tree.args("check", &["stage"]))
        .assert()
        .success()
        .stdout(contains("1 secret link checked: all sound"));
}

#[test]
fn several_names_per_environment_and_a_plan_file() {
    let tree = Tree::new();
    fs::write(tree.var_dir().join("prod.secret.exs"), "a").unwrap();
    fs::write(tree.var_dir().join("runtime.prod.exs"), "b").unwrap();
    let mut args = tree.args("plan", &["prod"]);
    args.extend(["--name", "{env}.secret.exs", "--name", "runtime.{env}.exs"].map(String::from));
    let out = tool("secret-link").args(&args).output().unwrap();
    let plan_file = tree.dir.path().join("plan.json");
    fs::write(&plan_file, &out.stdout).unwrap();
    tool("secret-link")
        .arg("apply")
        .arg(&plan_file)
        .arg("--json")
        .assert()
        .success();
    assert_eq!(tree.entries(), ["prod.secret.exs", "runtime.prod.exs"]);
    assert_eq!(
        fs::read_to_string(tree.config_dir().join("runtime.prod.exs")).unwrap(),
        "b"
    );
}

#[test]
fn replaces_links_atomically_and_reports_the_old_target() {
    let tree = Tree::new();
    let secret = tree.secret("stage", 0o600);
    let old = tree.dir.path().join("old.exs");
    fs::write(&old, "old").unwrap();
    symlink(&old, tree.link("stage")).unwrap();
    let docs = json_docs(
        tool("secret-link")
            .args(tree.args("apply", &["stage"]))
            .arg("--json"),
        0,
    );
    let result = &docs[0];
    assert_eq!(result["kind"], "secret-link.result");
    assert_eq!(result["links"][0]["action"], "replace");
    assert_eq!(result["links"][0]["done"], true);
    assert_eq!(result["links"][0]["previous_target"], old.to_str().unwrap());
    assert_eq!(target(&tree.link("stage")), secret);
    assert_eq!(
        tree.entries(),
        ["stage.secret.exs"],
        "no temporary link left"
    );
}

#[test]
fn never_replaces_a_file_or_directory_without_force() {
    let tree = Tree::new();
    let secret = tree.secret("stage", 0o600);
    fs::write(tree.link("stage"), "the only copy").unwrap();
    tool("secret-link")
        .args(tree.args("apply", &["stage"]))
        .assert()
        .code(2)
        .stderr(contains("nothing was changed"))
        .stderr(contains("a regular file is there"))
        .stderr(contains("--force"));
    assert_eq!(
        fs::read_to_string(tree.link("stage")).unwrap(),
        "the only copy"
    );
    let docs = json_docs(
        tool("secret-link")
            .args(tree.args("apply", &["stage"]))
            .args(["--force", "--json"]),
        0,
    );
    let backup = docs[0]["links"][0]["backup"].as_str().unwrap().to_string();
    assert!(backup.starts_with(
        tree.config_dir()
            .join("stage.secret.exs.bak.2")
            .to_str()
            .unwrap()
    ));
    assert_eq!(fs::read_to_string(&backup).unwrap(), "the only copy");
    assert_eq!(target(&tree.link("stage")), secret);

    // A directory is moved aside whole, with what is in it.
    tree.secret("prod", 0o600);
    fs::create_dir(tree.link("prod")).unwrap();
    fs::write(tree.link("prod").join("inside"), "kept").unwrap();
    tool("secret-link")
        .args(tree.args("apply", &["prod"]))
        .assert()
        .code(2);
    let docs = json_docs(
        tool("secret-link")
            .args(tree.args("apply", &["prod"]))
            .args(["--force", "--json"]),
        0,
    );
    let backup = docs[0]["links"][0]["backup"].as_str().unwrap().to_string();
    assert_eq!(
        fs::read_to_string(Path::new(&backup).join("inside")).unwrap(),
        "kept"
    );
    assert!(fs::symlink_metadata(tree.link("prod"))
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn dangling_links_only_when_asked() {
    let tree = Tree::new();
    tool("secret-link")
        .args(tree.args("apply", &["stage"]))
        .assert()
        .code(2)
        .stderr(contains("does not exist, so the link would dangle"));
    assert!(tree.entries().is_empty());
    tool("secret-link")
        .args(tree.args("apply", &["stage"]))
        .arg("--allow-dangling")
        .assert()
        .success();
    assert_eq!(
        target(&tree.link("stage")),
        tree.var_dir().join("stage.secret.exs")
    );
    tool("secret-link")
        .args(tree.args("check", &["stage"]))
        .arg("--json")
        .assert()
        .code(1)
        .stdout(contains("\"code\":\"source-missing\""));
}

#[test]
fn dry_run_changes_nothing() {
    let tree = Tree::new();
    tree.secret("stage", 0o600);
    tool("secret-link")
        .args(tree.args("apply", &["stage"]))
        .arg("--dry-run")
        .assert()
        .success()
        .stdout(contains("would create"));
    assert!(tree.entries().is_empty());
}

#[test]
fn a_stale_plan_is_refused() {
    let tree = Tree::new();
    let secret = tree.secret("stage", 0o600);
    let plan = tool("secret-link")
        .args(tree.args("plan", &["stage"]))
        .output()
        .unwrap()
        .stdout;
    // Someone puts a file there after the plan was made.
    fs::write(tree.link("stage"), "mine").unwrap();
    tool("secret-link")
        .arg("apply")
        .write_stdin(plan.clone())
        .assert()
        .code(2)
        .stderr(contains(
            "planned when nothing was there, now it is a regular file",
        ))
        .stderr(contains("run secret-link plan again"));
    assert_eq!(fs::read_to_string(tree.link("stage")).unwrap(), "mine");
    // Someone else already made the right link: the goal is reached, so it is kept.
    fs::remove_file(tree.link("stage")).unwrap();
    symlink(&secret, tree.link("stage")).unwrap();
    tool("secret-link")
        .arg("apply")
        .write_stdin(plan)
        .assert()
        .success()
        .stdout(contains("kept"));
}

#[test]
fn escaping_names_and_bad_plans_are_refused() {
    let tree = Tree::new();
    tree.secret("stage", 0o600);
    for (flag, value) in [
        ("--env", "../etc"),
        ("--env", "a/b"),
        ("--name", "../{env}.exs"),
        ("--name", "/etc/{env}"),
    ] {
        let mut args = tree.args("plan", &[]);
        if flag == "--name" {
            args.extend(["--env".into(), "stage".into()]);
        }
        args.extend([flag.to_string(), value.to_string()]);
        tool("secret-link")
            .args(&args)
            .assert()
            .code(2)
            .stderr(contains("must be a plain name"));
    }
    // A plan edited to put the link elsewhere.
    let plan = tool("secret-link")
        .args(tree.args("plan", &["stage"]))
        .output()
        .unwrap()
        .stdout;
    let mut doc: Value = serde_json::from_slice(&plan).unwrap();
    doc["links"][0]["link"] = Value::from("/etc/passwd");
    tool("secret-link")
        .arg("apply")
        .write_stdin(doc.to_string())
        .assert()
        .code(2)
        .stderr(contains("does not match"));
    tool("secret-link")
        .arg("apply")
        .write_stdin("{\"kind\":\"vmargs.file\"}")
        .assert()
        .code(2)
        .stderr(contains("reads a \"secret-link.plan\" document"));
}

#[test]
fn unusable_directories_are_errors_naming_the_path() {
    let tree = Tree::new();
    tree.secret("stage", 0o600);
    let missing = tree.dir.path().join("no such/config");
    for verb in ["plan", "apply", "check"] {
        tool("secret-link")
            .args([verb, "--env", "stage", "--into"])
            .arg(&missing)
            .arg("--from")
            .arg(tree.var_dir())
            .assert()
            .code(2)
            .stderr(contains(format!(
                "--into {} does not exist; create it first",
                missing.display()
            )));
    }
    fs::create_dir(tree.var_dir().join("prod.secret.exs")).unwrap();
    let out = tool("secret-link")
        .args(tree.args("plan", &["prod"]))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("is a directory, not a secret file"));
    tool("secret-link")
        .args(tree.args("apply", &["prod"]))
        .assert()
        .code(2)
        .stderr(contains("is a directory, not a secret file"));
}

#[test]
fn an_unwritable_directory_is_an_error_naming_it() {
    let tree = Tree::new();
    tree.secret("stage", 0o644);
    let root = tree.dir.path();
    let mut cmd = if running_as_root() {
        // Root may write anywhere, so run as nobody, where the permissions count.
        let Some(setpriv) = require_peer("setpriv") else {
            return;
        };
        for dir in [
            root,
            &tree.var_dir(),
            &root.join("build"),
            &tree.config_dir(),
        ] {
            fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).unwrap();
        }
        let mut cmd = Command::new(setpriv);
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(tool_path("secret-link"));
        cmd
    } else {
        fs::set_permissions(tree.config_dir(), fs::Permissions::from_mode(0o555)).unwrap();
        Command::new(tool_path("secret-link"))
    };
    let out = cmd.args(tree.args("apply", &["stage"])).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "--into {} is not writable",
            tree.config_dir().display()
        )),
        "{stderr}"
    );
    assert!(tree.entries().is_empty());
}

#[test]
fn check_reports_each_problem() {
    let tree = Tree::new();
    tree.secret("open", 0o644);
    tree.secret("groupw", 0o660);
    tree.secret("fine", 0o640);
    let other = tree.dir.path().join("other.exs");
    fs::write(&other, "x").unwrap();
    symlink(&other, tree.link("fine")).unwrap();
    symlink("/nowhere/x", tree.link("open")).unwrap();
    fs::write(tree.link("groupw"), "copy").unwrap();
    symlink(
        &other,
        tree.config_dir()
            .join(".missing.secret.exs.secret-link-tmp.1-2-3"),
    )
    .unwrap();
    let docs = json_docs(
        tool("secret-link")
            .args(tree.args("check", &["open", "groupw", "fine", "missing"]))
            .arg("--json"),
        1,
    );
    assert_eq!(
        codes(&docs),
        [
            "secret-world-accessible",
            "link-dangling",
            "secret-group-writable",
            "link-is-file",
            "link-wrong-target",
            "source-missing",
            "link-missing",
            "stale-temp-link"
        ]
    );
    let human = tool("secret-link")
        .args(tree.args("check", &["open"]))
        .output()
        .unwrap();
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(
        text.contains(
            "error[secret-world-accessible]: mode 0644: every user on the host can read it"
        ),
        "{text}"
    );
    assert!(text.contains("= hint: chmod 600"), "{text}");
}

#[test]
fn check_names_the_gitignore_line() {
    let Some(git) = require_peer("git") else {
        return;
    };
    let tree = Tree::new();
    let secret = tree.secret("stage", 0o600);
    let build = tree.dir.path().join("build");
    assert!(Command::new(&git)
        .args(["init", "-q"])
        .arg(&build)
        .status()
        .unwrap()
        .success());
    symlink(&secret, tree.link("stage")).unwrap();
    let docs = json_docs(
        tool("secret-link")
            .args(tree.args("check", &["stage"]))
            .arg("--json"),
        1,
    );
    let findings = docs;
    assert_eq!(codes(&findings), ["link-not-ignored"]);
    let hint = findings[0]["hint"].as_str().unwrap();
    assert_eq!(
        hint,
        format!(
            "add the line /config/stage.secret.exs to {}",
            build.join(".gitignore").display()
        )
    );
    fs::write(build.join(".gitignore"), "/config/stage.secret.exs\n").unwrap();
    tool("secret-link")
        .args(tree.args("check", &["stage"]))
        .assert()
        .success();
    // Tracked: ignoring it is not enough.
    let git_in = |args: &[&str]| {
        let status = Command::new(&git)
            .arg("-C")
            .arg(&build)
            .args(args)
            .status()
            .unwrap();
        assert!(status.success());
    };
    git_in(&["add", "-f", "config/stage.secret.exs"]);
    tool("secret-link")
        .args(tree.args("check", &["stage"]))
        .arg("--json")
        .assert()
        .code(1)
        .stdout(contains("\"code\":\"link-tracked\""));
}

#[test]
fn a_foreign_owner_is_a_warning() {
    if !running_as_root() {
        // Only root can give a file away; say so rather than pass quietly.
        let _ = writeln!(
            std::io::stderr(),
            "*** SKIPPED: a_foreign_owner_is_a_warning needs root ***"
        );
        return;
    }
    let tree = Tree::new();
    let secret = tree.secret("stage", 0o600);
    std::os::unix::fs::chown(&secret, Some(12345), None).unwrap();
    symlink(&secret, tree.link("stage")).unwrap();
    // A warning only, so exit 0.
    let docs = json_docs(
        tool("secret-link")
            .args(tree.args("check", &["stage"]))
            .arg("--json"),
        0,
    );
    assert_eq!(codes(&docs), ["secret-foreign-owner"]);
}

#[test]
fn home_and_awkward_names_locally() {
    let tree = Tree::new();
    let home = tree.dir.path().join("home of 'x' $USER");
    fs::create_dir_all(home.join("secrets")).unwrap();
    let secret = home.join("secrets/stage.secret.exs");
    fs::write(&secret, "s").unwrap();
    let into = tree.dir.path().join("a b $c 'd'");
    fs::create_dir(&into).unwrap();
    tool("secret-link")
        .env("HOME", &home)
        .args(["apply", "--env", "stage", "--from", "~/secrets", "--into"])
        .arg(&into)
        .assert()
        .success();
    assert_eq!(target(&into.join("stage.secret.exs")), secret);
}

/// Kill apply at each point between its steps: the link is then the old one or the
/// new one, never missing, and the next apply finishes the job.
#[test]
fn interrupted_apply_leaves_the_old_or_the_new_link() {
    let tree = Tree::new();
    let secret = tree.secret("stage", 0o600);
    let old = tree.dir.path().join("old.exs");
    fs::write(&old, "old").unwrap();
    symlink(&old, tree.link("stage")).unwrap();
    let out = tool("secret-link")
        .env("SECRET_LINK_FAULT", "after-temp")
        .args(tree.args("apply", &["stage"]))
        .output()
        .unwrap();
    assert!(!out.status.success(), "the fault stops it");
    assert_eq!(target(&tree.link("stage")), old, "still the old link");
    tool("secret-link")
        .args(tree.args("check", &["stage"]))
        .arg("--json")
        .assert()
        .code(1)
        .stdout(contains("stale-temp-link"))
        .stdout(contains("link-wrong-target"));
    tool("secret-link")
        .args(tree.args("apply", &["stage"]))
        .assert()
        .success();
    assert_eq!(target(&tree.link("stage")), secret);

    // With --force on a file: killed after the backup, the file is still in place.
    tree.secret("prod", 0o600);
    fs::write(tree.link("prod"), "copy").unwrap();
    let out = tool("secret-link")
        .env("SECRET_LINK_FAULT", "after-backup")
        .args(tree.args("apply", &["prod"]))
        .arg("--force")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_eq!(fs::read_to_string(tree.link("prod")).unwrap(), "copy");
    tool("secret-link")
        .args(tree.args("apply", &["prod"]))
        .arg("--force")
        .assert()
        .success();
    assert!(fs::symlink_metadata(tree.link("prod"))
        .unwrap()
        .file_type()
        .is_symlink());
}

/// Two applies at once, many times over: both succeed and the link is right.
#[test]
fn racing_applies_end_with_the_right_link() {
    let tree = Tree::new();
    let secret = tree.secret("stage", 0o600);
    let old = tree.dir.path().join("old.exs");
    fs::write(&old, "old").unwrap();
    let bin = tool_path("secret-link");
    for round in 0..25 {
        let _ = fs::remove_file(tree.link("stage"));
        if round % 2 == 0 {
            symlink(&old, tree.link("stage")).unwrap();
        }
        let children: Vec<_> = (0..2)
            .map(|_| {
                Command::new(&bin)
                    .args(tree.args("apply", &["stage"]))
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert_ok(&out, format_args!("round {round}"));
        }
        assert_eq!(target(&tree.link("stage")), secret, "round {round}");
        assert_eq!(tree.entries(), ["stage.secret.exs"], "round {round}");
    }
}

#[test]
fn usage_errors() {
    let mut cases: Vec<(&[&str], &str)> = vec![
        (&["plan", "--env", "stage"], "--into DIR is required"),
        (&["plan", "--into", "/tmp"], "no environment given"),
        (
            &[
                "plan",
                "--env",
                "a",
                "--into",
                "/tmp",
                "--ssh-option",
                "Port=1",
            ],
            "go with --host",
        ),
        (&["apply", "-", "--env", "stage"], "not both"),
    ];
    if find_peer("ssh").is_some() {
        cases.push((
            &[
                "plan",
                "--env",
                "a",
                "--into",
                "/tmp",
                "--host=-oProxyCommand=x",
            ],
            "is not a host name",
        ));
    }
    for (args, message) in cases {
        tool("secret-link")
            .args(args)
            .assert()
            .code(2)
            .stderr(contains(message));
    }
}
