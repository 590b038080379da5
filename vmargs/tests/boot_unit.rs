//! `vmargs boot` with what surrounds a release: the systemd unit that runs it
//! (checked against `systemd-analyze verify`), and the release before it is
//! unpacked (a tarball, a `release-pack.inspect` document).

mod boot_support;

use boot_support::{boot_doc, copy_release, dry_run, joined, release};
use relkit_tests::{assert_ok, require_peer, tool, Rng};
use std::process::Command;

#[test]
fn the_unit_takes_part_in_the_boot() {
    let Some(built) = release() else { return };
    let copy = copy_release(built);
    let root = copy.path().join("billing");
    let etc = copy.path().join("etc");
    std::fs::create_dir_all(&etc).unwrap();
    std::fs::write(
        etc.join("billing.env"),
        "# per host\nAPP_HOST=10.0.0.7\nRELEASE_COOKIE='from the env file'\n",
    )
    .unwrap();
    std::fs::write(
        root.join("releases/0.1.0/env.sh"),
        "#!/bin/sh\nexport RELEASE_DISTRIBUTION=name\nexport RELEASE_NODE=\"billing@$APP_HOST\"\nexport ELIXIR_ERL_OPTIONS=\"-heart\"\n",
    )
    .unwrap();
    let unit = copy.path().join("billing.service");
    std::fs::write(
        &unit,
        format!(
            "[Unit]\nDescription=billing\n\n[Service]\nUser=root\nEnvironment=\"RELEASE_TMP={tmp}\" \\\n  LANG=C.UTF-8\nEnvironmentFile=-{env}\nEnvironmentFile=-/nonexistent/billing.env\nExecStart={root}/bin/billing daemon\nRestart=on-failure\nProtectSystem=strict\n\n[Install]\nWantedBy=multi-user.target\n",
            tmp = root.join("var").display(),
            env = etc.join("billing.env").display(),
            root = root.display()
        ),
    )
    .unwrap();
    let out = tool("vmargs")
        .args(["boot", "--json", "--show-secrets", "--unit"])
        .arg(&unit)
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["command"], "daemon", "the unit's ExecStart= decides");
    assert_eq!(
        doc["node"]["value"], "billing@10.0.0.7",
        "APP_HOST from the EnvironmentFile="
    );
    assert_eq!(doc["cookie"]["value"], "from the env file");
    assert!(doc["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n.as_str().unwrap().contains("/nonexistent/billing.env")));
    let codes: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    for code in [
        "unit-daemonizes",
        "unit-restart-and-heart",
        "unit-read-only-tmp",
    ] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
    // The same unit run through the real start script: the line it would exec.
    let env: Vec<(String, String)> = vec![
        ("RELEASE_TMP".into(), root.join("var").display().to_string()),
        ("APP_HOST".into(), "10.0.0.7".into()),
        ("RELEASE_COOKIE".into(), "from the env file".into()),
        ("HOME".into(), "/root".into()),
    ];
    let (ok, real) = dry_run(&root, "daemon", None, &env);
    assert!(ok);
    assert_eq!(joined(&doc).unwrap(), real);
}

/// Unit files made from the lines real units have, and from their usual mistakes:
/// vmargs refuses one exactly when `systemd-analyze verify` complains about a line
/// of it, and names the same line.
#[test]
fn unit_files_are_refused_where_systemd_refuses_them() {
    let Some(analyze) = require_peer("systemd-analyze") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let good = [
        "Environment=RELEASE_NODE=billing@10.0.0.5",
        "Environment=\"A=1 2\" B=3",
        "Environment='C=x y'",
        "Environment=D=a\\sb",
        "Environment=E=1 \\\n  F=2",
        "Environment=a\"B=c d\"",
        "EnvironmentFile=-/etc/billing/env",
        "Restart=on-failure",
        "User=root",
        "WorkingDirectory=/tmp",
        "# a comment",
        "; another",
        "",
    ];
    let bad = [
        "Environment /srv/x",
        "Environment=\"G=1",
        "Environment=H",
        "Environment=1X=2",
        "Environment=Q=a\\qb",
        "ExecStart=/bin/true again",
    ];
    let mut rng = Rng(0x5157_e3d0);
    let (mut refused, mut accepted) = (0, 0);
    for case in 0..150 {
        let mut lines = vec![
            "[Unit]".to_string(),
            "Description=x".into(),
            "[Service]".into(),
            "ExecStart=/bin/true start".into(),
        ];
        for _ in 0..rng.below(6) + 1 {
            lines.push(rng.pick(&good).to_string());
        }
        if rng.chance(50) {
            let at = 4 + rng.below(lines.len() - 3);
            lines.insert(at, rng.pick(&bad).to_string());
        }
        let text = lines.join("\n") + "\n";
        let path = dir.path().join(format!("case{case}.service"));
        std::fs::write(&path, &text).unwrap();
        let out = Command::new(&analyze)
            .args(["verify", "--man=no"])
            .arg(&path)
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stderr).to_string()
            + &String::from_utf8_lossy(&out.stdout);
        let prefix = format!("{}:", path.display());
        let systemd_line = said
            .lines()
            .filter_map(|l| l.strip_prefix(&prefix))
            .filter_map(|rest| rest.split(':').next()?.parse::<usize>().ok())
            .min();
        let refuses = systemd_line.is_some() || said.contains("Refusing");
        match vmargs::boot::unit::read(&path) {
            Ok(_) => {
                assert!(!refuses, "case {case}: systemd says\n{said}\nfor\n{text}");
                accepted += 1;
            }
            Err(e) => {
                assert!(
                    refuses,
                    "case {case}: vmargs refuses ({e}) what systemd takes:\n{text}"
                );
                if let Some(line) = systemd_line {
                    assert!(
                        e.to_string().contains(&format!("{prefix}{line}:")),
                        "case {case}: {e}\nsystemd: {said}"
                    );
                }
                refused += 1;
            }
        }
    }
    assert!(
        refused >= 30 && accepted >= 30,
        "{refused} refused, {accepted} accepted"
    );
}

#[test]
fn a_tarball_or_an_inspect_document_boots_as_the_unpacked_release() {
    let Some(built) = release() else { return };
    let copy = copy_release(built);
    let root = copy.path().join("billing");
    std::fs::write(
        root.join("releases/0.1.0/env.sh"),
        "#!/bin/sh\nexport RELEASE_DISTRIBUTION=name\nexport RELEASE_NODE=billing@10.0.0.5\n",
    )
    .unwrap();
    let tarball = copy.path().join("billing-0.1.0.tar.gz");
    // A top folder, as `tar -czf x.tar.gz billing` makes.
    let out = Command::new("tar")
        .arg("-czf")
        .arg(&tarball)
        .arg("-C")
        .arg(copy.path())
        .arg("billing")
        .output()
        .unwrap();
    assert_ok(&out, "tar");
    let real_root = std::fs::canonicalize(&root).unwrap();
    let unpacked = boot_doc(&root, "start", None, &[]);
    let boot = |args: &[&str], stdin: Option<Vec<u8>>| -> serde_json::Value {
        let mut cmd = tool("vmargs");
        cmd.args(["boot", "--json", "--show-secrets"]).args(args);
        if let Some(input) = stdin {
            cmd.write_stdin(input);
        }
        let out = cmd.output().unwrap();
        assert_ok(&out, "vmargs boot");
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let root_arg = real_root.display().to_string();
    let packed = boot(&["--root", &root_arg, tarball.to_str().unwrap()], None);
    assert_eq!(packed["argv"], unpacked["argv"]);
    assert_eq!(packed["effective_args"], unpacked["effective_args"]);
    assert_eq!(
        packed["cookie"]["fingerprint"],
        unpacked["cookie"]["fingerprint"]
    );
    // Without --root: the paths are unknowns that say where they depend.
    let nowhere = boot(&[tarball.to_str().unwrap()], None);
    assert_eq!(
        nowhere["argv"][0]["depends_on"][0],
        "where the release is unpacked (give --root)"
    );
    assert_eq!(nowhere["node"]["value"], "billing@10.0.0.5");
    // What release-pack inspect printed (on another host), read back.
    let Some(_) = relkit_tests::find_peer("tar") else {
        return;
    };
    for show in [true, false] {
        let mut inspect = tool("release-pack");
        inspect.args(["inspect", "--json"]);
        if show {
            inspect.arg("--show-secrets");
        }
        let out = inspect.arg(&tarball).output().unwrap();
        assert_ok(&out, "release-pack inspect");
        let from_doc = boot(&["--root", &root_arg, "-"], Some(out.stdout));
        assert_eq!(from_doc["node"], unpacked["node"]);
        if show {
            assert_eq!(from_doc["argv"], unpacked["argv"]);
            assert_eq!(
                from_doc["cookie"]["fingerprint"],
                unpacked["cookie"]["fingerprint"]
            );
        } else {
            assert!(
                from_doc["cookie"]["fingerprint"].is_null(),
                "{}",
                from_doc["cookie"]
            );
            assert!(from_doc["cookie"]["value"]["unknown"].is_string());
        }
    }
}

#[test]
fn a_name_nobody_can_resolve_and_a_cookie_of_the_build_are_reported() {
    let Some(built) = release() else { return };
    let env = vec![
        ("RELEASE_DISTRIBUTION".to_string(), "name".to_string()),
        (
            "RELEASE_NODE".to_string(),
            "billing@no-such-host.invalid".to_string(),
        ),
    ];
    let mut cmd = tool("vmargs");
    cmd.args(["boot", "--json", "--resolve"]);
    for (k, v) in &env {
        cmd.arg(format!("--env={k}={v}"));
    }
    let out = cmd.arg(built).output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"host-does-not-resolve"), "{codes:?}");
    assert!(codes.contains(&"cookie-from-build"), "{codes:?}");
    // A resolvable host, and a cookie given by the environment: neither.
    let doc = boot_doc(
        built,
        "start",
        None,
        &[
            ("RELEASE_DISTRIBUTION".into(), "name".into()),
            ("RELEASE_NODE".into(), "billing@127.0.0.1".into()),
            ("RELEASE_COOKIE".into(), "shared".into()),
        ],
    );
    assert!(doc["findings"].as_array().unwrap().is_empty(), "{doc}");
}

/// A project before its build: the boot predicted from mix.exs and the rel/
/// templates is the boot of the release `mix release` then builds from it.
#[test]
fn a_project_boots_as_the_release_built_from_it() {
    let Some(mix) = require_peer("mix") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("shop");
    relkit_tests::write_mix_project(
        &project,
        "shop",
        "Shop",
        "2.3.4",
        "cookie: \"shop_cluster_cookie\"",
    );
    std::fs::create_dir_all(project.join("rel")).unwrap();
    std::fs::write(
        project.join("rel/env.sh.eex"),
        "#!/bin/sh\nexport RELEASE_DISTRIBUTION=name\nexport RELEASE_NODE=<%= @release.name %>@${APP_HOST:-127.0.0.1}\ncase $RELEASE_COMMAND in\n  start*) export ELIXIR_ERL_OPTIONS=\"-kernel inet_dist_listen_min 9100 inet_dist_listen_max 9100\" ;;\nesac\n",
    )
    .unwrap();
    std::fs::write(
        project.join("rel/vm.args.eex"),
        "## <%= @release.name %> <%= @release.version %>\n+K true\n-env TZ UTC\n",
    )
    .unwrap();
    let env = [("APP_HOST".to_string(), "10.1.1.1".to_string())];
    let predicted = boot_doc(&project, "start", None, &env);
    let built = relkit_tests::build_mix_release(&mix, &project, "shop");
    let real = boot_doc(&built, "start", None, &env);
    let erts = real["release"]["erts"].as_str().unwrap().to_string();
    // The prediction, placed where the build put the release, with the build's ERTS.
    let root = built.display().to_string();
    let placed = |w: &serde_json::Value| -> String {
        match w {
            serde_json::Value::String(s) => s.clone(),
            other => other["unknown"]
                .as_str()
                .unwrap()
                .replace("$RELEASE_ROOT", &root)
                .replace("ERTS_VSN", &erts),
        }
    };
    let words = |doc: &serde_json::Value, key: &str| -> Vec<String> {
        doc[key].as_array().unwrap().iter().map(placed).collect()
    };
    assert_eq!(words(&predicted, "argv"), words(&real, "argv"));
    assert_eq!(
        words(&predicted, "effective_args"),
        words(&real, "effective_args")
    );
    assert_eq!(predicted["node"]["value"], real["node"]["value"]);
    assert_eq!(
        predicted["cookie"]["fingerprint"], real["cookie"]["fingerprint"],
        "cookie: in mix.exs is the build's"
    );
    assert!(predicted["node"]["set_by"]
        .as_str()
        .unwrap()
        .contains("rel/env.sh.eex:3"));
}
