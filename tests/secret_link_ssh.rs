//! secret-link's remote mode against a real OpenSSH sshd on 127.0.0.1: a throwaway
//! host key, a throwaway client key in authorized_keys, a temporary known_hosts, and
//! the session's HOME pointed at a temporary directory so `~/` is tested for real.
//! Paths carry a space, a `'` and a `$` to prove the quoting.

use relkit_tests::{assert_ok, json_docs, require_peer, tool};
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use relkit_tests::sshd::{start_sshd, Sshd, HOST};

fn remote_args(sshd: &Sshd) -> Vec<String> {
    vec![
        "--host".into(),
        HOST.into(),
        "--ssh-config".into(),
        sshd.config().to_string_lossy().into_owned(),
    ]
}

#[test]
fn plan_apply_check_over_ssh_with_awkward_paths() {
    let Some(sshd) = start_sshd() else { return };
    let home = sshd.home();
    let from_rel = "secrets it's $HOME";
    std::fs::create_dir(home.join(from_rel)).unwrap();
    let secret = home.join(from_rel).join("stage.secret.exs");
    std::fs::write(&secret, "import Config\n").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    let build = sshd.dir.path().join("build dir 'x' $PATH");
    let into = build.join("config");
    std::fs::create_dir_all(&into).unwrap();
    let into_arg = into.to_str().unwrap().to_string();
    let from_arg = format!("~/{from_rel}");
    let select = |verb: &str| {
        let mut args = vec![
            verb.to_string(),
            "--env".into(),
            "stage".into(),
            "--from".into(),
            from_arg.clone(),
            "--into".into(),
            into_arg.clone(),
        ];
        args.extend(remote_args(&sshd));
        args
    };

    // plan: `~/` expanded on the host, every path intact.
    let out = tool("secret-link").args(select("plan")).output().unwrap();
    assert_ok(&out, "out");
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["kind"], "secret-link.plan");
    assert_eq!(plan["host"], HOST);
    assert_eq!(plan["from"], home.join(from_rel).to_str().unwrap());
    let link = &plan["links"][0];
    assert_eq!(link["source"], secret.to_str().unwrap());
    assert_eq!(link["current"], "nothing");
    assert_eq!(link["action"], "create");

    // plan | apply: the plan carries the host and the ssh arguments.
    let out = tool("secret-link")
        .arg("apply")
        .write_stdin(out.stdout.clone())
        .output()
        .unwrap();
    assert_ok(&out, "out");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("created"), "{stdout}");
    assert!(
        stdout.contains(&format!("{HOST}:{into_arg}/stage.secret.exs")),
        "{stdout}"
    );
    let made = into.join("stage.secret.exs");
    assert_eq!(std::fs::read_link(&made).unwrap(), secret);
    assert_eq!(std::fs::read_to_string(&made).unwrap(), "import Config\n");

    // A second apply keeps it and succeeds.
    let docs = json_docs(tool("secret-link").args(select("apply")).arg("--json"), 0);
    let result = &docs[0];
    assert_eq!(result["kind"], "secret-link.result");
    assert_eq!(result["links"][0]["action"], "keep");

    // check: the secret is world-readable (0644): one error, exit 1.
    let findings = json_docs(tool("secret-link").args(select("check")).arg("--json"), 1);
    let codes: Vec<&str> = findings
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["secret-world-accessible"]);
    let finding = &findings[0];
    assert_eq!(
        finding["path"],
        format!("{HOST}:{}", secret.to_str().unwrap())
    );
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    tool("secret-link").args(select("check")).assert().success();

    // A link elsewhere is replaced through the same dance on the host.
    let other = home.join("old.exs");
    std::fs::write(&other, "old").unwrap();
    std::fs::remove_file(&made).unwrap();
    std::os::unix::fs::symlink(&other, &made).unwrap();
    let out = tool("secret-link").args(select("apply")).output().unwrap();
    assert_ok(&out, "out");
    assert!(String::from_utf8_lossy(&out.stdout).contains("replaced"));
    assert_eq!(std::fs::read_link(&made).unwrap(), secret);
    let leftovers: Vec<_> = std::fs::read_dir(&into).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "only the link is left: {leftovers:?}");
}

#[test]
fn regular_files_git_and_errors_over_ssh() {
    let Some(sshd) = start_sshd() else { return };
    let Some(git) = require_peer("git") else {
        return;
    };
    let home = sshd.home();
    let secret = home.join("prod.secret.exs");
    std::fs::write(&secret, "secret").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    let build = sshd.dir.path().join("build");
    let into = build.join("config");
    std::fs::create_dir_all(&into).unwrap();
    let status = Command::new(&git)
        .args(["init", "-q"])
        .arg(&build)
        .status()
        .unwrap();
    assert!(status.success());
    // A copy of the secret sits where the link belongs (the `cp` variant of the hook).
    std::fs::write(into.join("prod.secret.exs"), "a copy").unwrap();
    let mut select = vec![
        "--env".to_string(),
        "prod".into(),
        "--from".into(),
        "~".into(),
        "--into".into(),
        into.to_str().unwrap().into(),
    ];
    select.extend(remote_args(&sshd));

    let findings = json_docs(
        tool("secret-link").arg("check").args(&select).arg("--json"),
        1,
    );
    let codes: Vec<&str> = findings
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["link-is-file", "link-not-ignored"]);
    assert!(
        findings[1]["hint"]
            .as_str()
            .unwrap()
            .contains("/config/prod.secret.exs"),
        "{}",
        findings[1]
    );

    // apply refuses to replace the file (exit 2, nothing changed) ...
    tool("secret-link")
        .arg("apply")
        .args(&select)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--force"));
    assert_eq!(
        std::fs::read_to_string(into.join("prod.secret.exs")).unwrap(),
        "a copy"
    );
    // ... and with --force keeps it as prod.secret.exs.bak.<time>.
    let docs = json_docs(
        tool("secret-link")
            .arg("apply")
            .args(&select)
            .args(["--force", "--json"]),
        0,
    );
    let result = &docs[0];
    let backup = result["links"][0]["backup"].as_str().unwrap();
    assert!(backup.contains("prod.secret.exs.bak."), "{backup}");
    assert_eq!(std::fs::read_to_string(backup).unwrap(), "a copy");
    assert_eq!(
        std::fs::read_link(into.join("prod.secret.exs")).unwrap(),
        secret
    );

    std::fs::write(build.join(".gitignore"), "/config/*.secret.exs*\n").unwrap();
    tool("secret-link")
        .arg("check")
        .args(&select)
        .assert()
        .success();

    // Errors name the host and what to do.
    let mut missing = select.clone();
    missing[5] = "/nonexistent/config".into();
    tool("secret-link")
        .arg("plan")
        .args(&missing)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(format!(
            "--into {HOST}:/nonexistent/config does not exist"
        )));
    tool("secret-link")
        .arg("plan")
        .args(&select[..6])
        .args(["--host", "nobody-here.invalid"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "ssh to nobody-here.invalid failed",
        ));
    tool("secret-link")
        .arg("plan")
        .args(["--env", "prod", "--into", "config"])
        .args(remote_args(&sshd))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is relative"));
}

/// The ssh session killed mid-apply (the local secret-link and its ssh client, by
/// SIGKILL to their process group, the moment the first link on the host has
/// changed): every link on the host is then its old link or its new one, never
/// missing; what is left besides are temporary links named as such; and the next
/// apply finishes the job.
#[test]
fn killing_the_ssh_session_mid_apply_leaves_every_link_old_or_new() {
    use std::os::unix::process::CommandExt;
    let Some(sshd) = start_sshd() else { return };
    const LINKS: usize = 300;
    let root = sshd.dir.path().join("kill");
    let (secrets, old, into) = (root.join("secrets"), root.join("old"), root.join("config"));
    for dir in [&secrets, &old, &into] {
        std::fs::create_dir_all(dir).unwrap();
    }
    let mut select = Vec::new();
    for i in 0..LINKS {
        let name = format!("e{i}.secret.exs");
        for dir in [&secrets, &old] {
            std::fs::write(dir.join(&name), "secret").unwrap();
            std::fs::set_permissions(dir.join(&name), std::fs::Permissions::from_mode(0o600))
                .unwrap();
        }
        std::os::unix::fs::symlink(old.join(&name), into.join(&name)).unwrap();
        select.extend(["--env".to_string(), format!("e{i}")]);
    }
    select.extend([
        "--from".to_string(),
        secrets.display().to_string(),
        "--into".into(),
        into.display().to_string(),
        "-q".into(),
    ]);
    select.extend(remote_args(&sshd));
    let state = |i: usize| {
        let name = format!("e{i}.secret.exs");
        std::fs::read_link(into.join(&name)).ok().map(|target| {
            if target == secrets.join(&name) {
                "new"
            } else if target == old.join(&name) {
                "old"
            } else {
                "other"
            }
        })
    };

    let mut child = Command::new(relkit_tests::tool_path("secret-link"))
        .arg("apply")
        .args(&select)
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while (0..LINKS).all(|i| state(i) == Some("old")) {
        assert!(Instant::now() < deadline, "apply changed no link in 60 s");
        assert!(
            child.try_wait().unwrap().is_none(),
            "apply ended before changing a link"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    let group = i32::try_from(child.id()).unwrap();
    // The group spawned above: secret-link and the ssh client it runs.
    Command::new("kill")
        .args(["-KILL", "--", &format!("-{group}")])
        .status()
        .unwrap();
    let _ = child.wait();
    // The host side ends when it next writes to the closed session; wait until the
    // links stop changing.
    let mut before = Vec::new();
    loop {
        std::thread::sleep(Duration::from_millis(500));
        let now: Vec<_> = (0..LINKS).map(state).collect();
        if now == before {
            break;
        }
        before = now;
    }
    let count = |s: &str| before.iter().filter(|b| b.as_deref() == Some(s)).count();
    let (new, old_left) = (count("new"), count("old"));
    assert_eq!(
        new + old_left,
        LINKS,
        "a link missing or elsewhere: {before:?}"
    );
    assert!(
        old_left > 0,
        "the session was not killed mid-apply: all {LINKS} links new"
    );
    for entry in std::fs::read_dir(&into).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let known = name.starts_with('e') && name.ends_with(".secret.exs");
        assert!(
            known || name.contains(".secret-link-tmp."),
            "{name} is left, not named as temporary"
        );
    }
    eprintln!("ssh session killed after {new} of {LINKS} links; {old_left} still old");
    tool("secret-link")
        .arg("apply")
        .args(&select)
        .assert()
        .success();
    assert!((0..LINKS).all(|i| state(i) == Some("new")));
}
