//! `vmargs boot` on relx releases against relx's own start script: a release built
//! with `rebar3 release`, hundreds of generated vm.args / vm.args.src / sys.config.src
//! files, environments and commands; the real `bin/billing COMMAND` runs with its
//! `erlexec`, `run_erl` and `erl_call` replaced by recorders, and the words it
//! execs must be ours, word for word; the recorder hands the same words to the real
//! erlexec's `-emu_args_exit` for what erl makes of them. Real nodes check the
//! cookie and name outcomes.

mod boot_support;

use boot_support::{
    assert_outcome, boot_doc, copy_into, erl_reading, node_and_cookie, recording_copy, records,
    ErlReading, PATH,
};
use relkit_tests::{assert_ok, relx_release, require_peer, Rng};
use std::path::Path;
use std::process::Command;

/// The ERTS programs replaced by recorders.
const RECORDERS: &[(&str, &str)] = &[
    (
        "erlexec",
        // The script's own question for the host name, answered; anything else
        // recorded, then read by the real erlexec.
        "#!/bin/sh\ncase \" $* \" in *\" -remsh \"*) ;; *\" -dist_listen false \"*) echo testhost; exit 0;; esac\nprintf '%s\\0' \"$0\" \"$@\" > \"$ROOTDIR/erlexec.rec\"\n\"$(dirname \"$0\")/erlexec.real\" -emu_args_exit \"$@\" > \"$ROOTDIR/emu.rec\" 2>&1\nexit 0\n",
    ),
    (
        "run_erl",
        "#!/bin/sh\nprintf '%s\\0' \"$0\" \"$@\" > \"$ROOTDIR/run_erl.rec\"\nsh -c \"$4\"\nexit 0\n",
    ),
    (
        "erl_call",
        // Every call recorded (the last is the command's own); the running node's
        // tick time asked for, answered.
        "#!/bin/sh\nprintf '%s\\0' \"$0\" \"$@\" > \"$ROOTDIR/erl_call.rec\"\ncase \" $* \" in *get_net_ticktime*) echo 60;; esac\nexit 0\n",
    ),
];

const NAME_LINES: &[&str] = &[
    "-sname billing",
    "-name billing@127.0.0.1",
    "-name ${NODE_NAME}",
    "-sname ${NODE:-fallback}",
    "-name billing@${HOST_IP:-127.0.0.1}",
    "-sname   spaced  ",
];

const OTHER_LINES: &[&str] = &[
    "-setcookie relx_test_cookie",
    "-setcookie ${COOKIE_VAR}",
    "-setcookie ${COOKIE_VAR:-default_cookie}",
    "+K true",
    "-kernel inet_dist_listen_min 9100 inet_dist_listen_max 9155",
    "## a comment naming ${NODE_NAME}",
    "-env ERL_FULLSWEEP_AFTER 10",
    "+A ${THREADS:-8}",
    "-proto_dist inet_tcp",
    "-start_epmd true",
    "-args_file EXTRA",
    "-args_file releases/0.1.0/relative.args",
    "-sname",
];

const EXTRA_FILES: &[&str] = &[
    "-setcookie nested_cookie\n",
    "-sname nested\n",
    "+sbwt none\n",
    "",
    "-kernel net_ticktime 30\n",
];

const ENV: &[(&str, &[&str])] = &[
    ("NODE_NAME", &["billing@10.0.0.5", "web@app1.example.com"]),
    ("NODE", &["web1", ""]),
    ("HOST_IP", &["10.1.1.1", ""]),
    ("COOKIE_VAR", &["from_env_cookie"]),
    ("THREADS", &["16"]),
    ("CODE_LOADING_MODE", &["interactive"]),
    ("ERL_DIST_PORT", &["9100"]),
    ("RELX_COOKIE", &["relx_env_cookie"]),
    ("ERL_FLAGS", &["+S 1"]),
    ("ERL_AFLAGS", &["-kernel shell_history enabled"]),
    ("RELX_REPLACE_OS_VARS", &["true"]),
];

const COMMANDS: &[&str] = &[
    "foreground",
    "console",
    "console_clean",
    "daemon",
    "start",
    "remote_console",
    "remsh",
    "rpc",
    "eval",
    "ping",
    "pid",
];

/// Where the case puts its vm.args.
#[derive(Debug, Clone, Copy)]
enum Place {
    Release,
    ReleaseSrc,
    Root,
    VmArgsPath,
    VmArgsPathSrc,
}

#[test]
fn argv_is_what_relx_s_script_execs_for_generated_releases() {
    let Some(built) = relx_release() else { return };
    if require_peer("awk").is_none() {
        return;
    }
    let copy = recording_copy(built, RECORDERS);
    let root = copy.path().join("billing");
    let vsn = root.join("releases/0.1.0");
    let elsewhere = copy.path().join("conf");
    let out_dir = copy.path().join("out");
    let home = copy.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join(".erlang.cookie"), "home_cookie").unwrap();
    let sys_config = std::fs::read(vsn.join("sys.config")).unwrap();
    let mut rng = Rng(0x5e1a_b007);
    let (mut compared, mut effective, mut unknown, mut stopped, mut refusals) = (0, 0, 0, 0, 0);
    let (mut remote, mut calls) = (0, 0);
    let places = [
        Place::Release,
        Place::ReleaseSrc,
        Place::Root,
        Place::VmArgsPath,
        Place::VmArgsPathSrc,
    ];
    for case in 0..600 {
        // A clean slate: what the last case and the last run wrote, gone.
        for f in [
            "vm.args",
            "vm.args.src",
            "vm.args.orig",
            "sys.config.src",
            "sys.config.orig",
            "relative.args",
        ] {
            let _ = std::fs::remove_file(vsn.join(f));
        }
        for f in [
            "vm.args",
            "vm.args.src",
            "erlexec.rec",
            "emu.rec",
            "run_erl.rec",
            "erl_call.rec",
        ] {
            let _ = std::fs::remove_file(root.join(f));
        }
        let _ = std::fs::remove_dir_all(&elsewhere);
        let _ = std::fs::remove_dir_all(&out_dir);
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::fs::create_dir_all(&out_dir).unwrap();
        std::fs::write(vsn.join("sys.config"), &sys_config).unwrap();
        let extra = elsewhere.join("extra.args");
        std::fs::write(&extra, rng.pick(EXTRA_FILES)).unwrap();
        std::fs::write(vsn.join("relative.args"), rng.pick(EXTRA_FILES)).unwrap();
        let mut lines: Vec<String> = Vec::new();
        let names = match rng.below(10) {
            0 => 0,
            1 => 2,
            _ => 1,
        };
        for _ in 0..names {
            lines.push(rng.pick(NAME_LINES).to_string());
        }
        for _ in 0..rng.below(4) {
            lines.push(
                rng.pick(OTHER_LINES)
                    .replace("EXTRA", &extra.display().to_string()),
            );
        }
        // Order matters to erl and to the script's checks: shuffle a little.
        if lines.len() > 1 && rng.chance(50) {
            let i = rng.below(lines.len());
            lines.swap(0, i);
        }
        let vm_args = lines.join("\n") + "\n";
        let place = places[rng.below(places.len())];
        let mut env: Vec<(String, String)> = Vec::new();
        let file = match place {
            Place::Release => vsn.join("vm.args"),
            Place::ReleaseSrc => vsn.join("vm.args.src"),
            Place::Root => root.join("vm.args"),
            Place::VmArgsPath | Place::VmArgsPathSrc => {
                let p = elsewhere.join("node.args");
                env.push(("VMARGS_PATH".into(), p.display().to_string()));
                if matches!(place, Place::VmArgsPathSrc) {
                    elsewhere.join("node.args.src")
                } else {
                    p
                }
            }
        };
        std::fs::write(&file, &vm_args).unwrap();
        if rng.chance(25) {
            std::fs::write(
                vsn.join("sys.config.src"),
                "[{billing, [{node, \"${NODE_NAME}\"}]}].\n",
            )
            .unwrap();
        }
        for (name, values) in ENV {
            if rng.chance(20) {
                env.push((name.to_string(), rng.pick(values).to_string()));
            }
        }
        if rng.chance(10) {
            env.push(("RELX_OUT_FILE_PATH".into(), out_dir.display().to_string()));
        }
        env.push(("HOME".into(), home.display().to_string()));
        let pipes = copy.path().join(format!("pipes{case}/"));
        if rng.chance(70) {
            env.push(("PIPE_DIR".into(), pipes.display().to_string()));
        }
        env.push((
            "RUNNER_LOG_DIR".into(),
            copy.path().join("log").display().to_string(),
        ));
        let command = rng.pick(COMMANDS);
        let expr = (command == "rpc").then_some("erlang node");
        let doc = boot_doc(&root, command, expr, &env);
        let real = Command::new("timeout")
            .arg("30")
            .arg(root.join("bin/billing"))
            .arg(command)
            .args(expr.map(|e| e.split(' ')).into_iter().flatten())
            .env_clear()
            .env("PATH", PATH)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .current_dir(&root)
            .output()
            .unwrap();
        let stops = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "start-script-stops");
        let context = format!(
            "case {case}: `{command}` with env {env:?}, vm.args at {place:?}:\n{vm_args}\nscript stdout: {}\nstderr: {}\ndoc: {doc:#}",
            String::from_utf8_lossy(&real.stdout),
            String::from_utf8_lossy(&real.stderr)
        );
        assert_eq!(!real.status.success(), stops, "{context}");
        if stops {
            assert_eq!(doc["argv"], serde_json::json!([]), "{context}");
            stopped += 1;
            continue;
        }
        let recorded = match command {
            "daemon" | "start" => "run_erl.rec",
            "rpc" | "eval" | "ping" | "pid" => "erl_call.rec",
            _ => "erlexec.rec",
        };
        // What the host supplies at run time, as this test's host does: the running
        // node's tick time and the host name (the recorders' answers), the cookie
        // in ~/.erlang.cookie.
        let supplied = |w: &serde_json::Value| -> Option<String> {
            let text = w["unknown"].as_str()?;
            let deps = w["depends_on"].as_array()?;
            let mut out = text.to_string();
            for d in deps.iter().filter_map(|d| d.as_str()) {
                if d.contains("net_ticktime") {
                    out = "60".into();
                } else if d.contains("host name erl gives") {
                    out = out.replace("$(hostname)", "testhost");
                } else if d.contains("~/.erlang.cookie") {
                    out = "home_cookie".into();
                } else {
                    return None;
                }
            }
            Some(out)
        };
        let Some(ours) = doc["argv"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| match w.as_str() {
                Some(s) => Some(s.to_string()),
                None => supplied(w),
            })
            .collect::<Option<Vec<String>>>()
        else {
            unknown += 1;
            continue;
        };
        let theirs =
            records(&root.join(recorded)).unwrap_or_else(|| panic!("no record: {context}"));
        assert_eq!(ours.join(" "), theirs.join(" "), "{context}");
        assert_eq!(
            doc["argv"].as_array().unwrap().len(),
            theirs.len(),
            "{context}"
        );
        compared += 1;
        match recorded {
            "erl_call.rec" => calls += 1,
            _ if ours.iter().any(|w| w == "-remsh") => remote += 1,
            _ => {}
        }
        // erl_call's commands run no erlexec: nothing of erl's to compare.
        if let Ok(emu) = std::fs::read_to_string(root.join("emu.rec")) {
            match erl_reading(&doc, &emu, &context) {
                ErlReading::Refused => refusals += 1,
                ErlReading::Same => effective += 1,
                ErlReading::Unknown => {}
            }
        }
    }
    eprintln!("relx: {compared} compared ({remote} remote shells, {calls} erl_call), {effective} with erl's reading, {refusals} refused, {stopped} stops, {unknown} with unknowns");
    assert!(
        compared >= 350 && effective >= 200 && remote >= 30 && calls >= 60 && stopped >= 20 && refusals >= 5,
        "only {compared} runs ({effective} with erl's reading, {refusals} refused by erl) and {stopped} stops compared ({unknown} had unknowns)"
    );
}

/// The node a relx release really boots: the real script and the real erlexec, the
/// node asked to print its name and cookie and stop.
fn real_relx_node(root: &Path, env: &[(String, String)]) -> (String, String) {
    let out = Command::new("timeout")
        .arg("60")
        .arg(root.join("bin/billing"))
        .arg("foreground")
        .env_clear()
        .env("PATH", PATH)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir(root)
        .output()
        .unwrap();
    node_and_cookie(&out)
}

#[test]
fn boot_outcomes_of_relx_releases_are_what_real_nodes_do() {
    let Some(built) = relx_release() else { return };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("billing");
    copy_into(built, &root);
    let vsn = root.join("releases/0.1.0");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join(".erlang.cookie"), "home_cookie_relx").unwrap();
    let mut perms = std::fs::metadata(home.join(".erlang.cookie"))
        .unwrap()
        .permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o400);
    std::fs::set_permissions(home.join(".erlang.cookie"), perms).unwrap();
    let nested = dir.path().join("nested.args");
    // No quotes and no blanks: erl splits ERL_FLAGS at blanks and drops quotes.
    let print = "-eval erlang:display({node_and_cookie,node(),erlang:get_cookie()}),halt().";
    // (vm.args.src, nested args file, RELX_COOKIE, NODE_NAME, the codes expected)
    type Case<'a> = (&'a str, &'a str, Option<&'a str>, &'a str, &'a [&'a str]);
    let cases: &[Case] = &[
        (
            "-name ${NODE_NAME}\n-setcookie vm_cookie\n",
            "",
            Some("relx_env_cookie"),
            "relx_a@127.0.0.1",
            &["script-cookie-differs"],
        ),
        (
            "-name relx_b@127.0.0.1\n-setcookie first_cookie\n-args_file NESTED\n",
            "-setcookie second_cookie\n",
            None,
            "",
            &["cookie-set-twice"],
        ),
        (
            "-sname ${NODE_NAME:-relx_c}\n-args_file NESTED\n",
            "-setcookie nested_cookie\n",
            None,
            "",
            &["script-cookie-differs"],
        ),
        ("-name ${NODE_NAME}@127.0.0.1\n", "", None, "relx_d", &[]),
    ];
    for (vm_args, nested_text, relx_cookie, node_name, codes) in cases {
        let _ = std::fs::remove_file(vsn.join("vm.args"));
        std::fs::write(
            vsn.join("vm.args.src"),
            vm_args.replace("NESTED", &nested.display().to_string()),
        )
        .unwrap();
        std::fs::write(&nested, nested_text).unwrap();
        let mut env = vec![
            ("HOME".to_string(), home.display().to_string()),
            ("ERL_FLAGS".to_string(), print.to_string()),
        ];
        if let Some(c) = relx_cookie {
            env.push(("RELX_COOKIE".into(), c.to_string()));
        }
        if !node_name.is_empty() {
            env.push(("NODE_NAME".into(), node_name.to_string()));
        }
        let doc = boot_doc(&root, "foreground", None, &env);
        let (name, cookie) = real_relx_node(&root, &env);
        let context = format!("vm.args.src:\n{vm_args}\nenv {env:?}\ndoc {doc:#}");
        assert_outcome(&doc, (&name, &cookie), "home_cookie_relx", codes, &context);
    }
}

#[test]
fn a_relx_tarball_and_its_inspect_document_boot_as_the_directory() {
    let Some(built) = relx_release() else { return };
    let dir = tempfile::tempdir().unwrap();
    let tarball = dir.path().join("billing-0.1.0.tar.gz");
    let out = Command::new("tar")
        .arg("czf")
        .arg(&tarball)
        .arg("-C")
        .arg(built)
        .arg(".")
        .output()
        .unwrap();
    assert_ok(&out, "tar czf");
    let root = built.display().to_string();
    let from_dir = boot_doc(built, "daemon", None, &[]);
    let mut cmd = relkit_tests::tool("vmargs");
    cmd.args([
        "boot",
        "--json",
        "--show-secrets",
        "--command",
        "daemon",
        "--root",
        &root,
    ])
    .arg(&tarball);
    let from_tar: serde_json::Value =
        serde_json::from_slice(&cmd.output().unwrap().stdout).unwrap();
    assert_eq!(from_tar["argv"], from_dir["argv"]);
    assert_eq!(from_tar["effective_args"], from_dir["effective_args"]);
    assert_eq!(from_tar["cookie"], from_dir["cookie"]);
    assert_eq!(from_tar["release"]["layout"], "relx");
    // Through `release-pack inspect`, the cookie masked: the same boot, the cookie
    // not known (and never shown).
    let inspect = relkit_tests::tool("release-pack")
        .args(["inspect", "--json"])
        .arg(&tarball)
        .output()
        .unwrap();
    assert_ok(&inspect, "release-pack inspect");
    let doc: serde_json::Value = serde_json::from_slice(&inspect.stdout).unwrap();
    assert_eq!(doc["layout"], "relx");
    let out = relkit_tests::tool("vmargs")
        .args([
            "boot",
            "--json",
            "--command",
            "daemon",
            "--root",
            &root,
            "-",
        ])
        .write_stdin(inspect.stdout.clone())
        .output()
        .unwrap();
    let from_inspect: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(from_inspect["argv"], from_dir["argv"]);
    assert!(from_inspect["cookie"]["fingerprint"].is_null());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("relx_test_cookie"));
}

#[test]
fn the_script_s_cookie_is_masked_in_every_command_s_words() {
    let Some(built) = relx_release() else { return };
    for (command, expr) in [
        ("rpc", Some("erlang node")),
        ("eval", None),
        ("remote_console", None),
        ("ping", None),
        ("daemon", None),
    ] {
        let mut cmd = relkit_tests::tool("vmargs");
        cmd.args(["boot", "--json", "--command", command]);
        if let Some(e) = expr {
            cmd.args(["--expr", e]);
        }
        let out = cmd.arg(built).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{command}: {text}");
        assert!(
            !text.contains("relx_test_cookie"),
            "{command} shows the cookie: {text}"
        );
        let human = relkit_tests::tool("vmargs")
            .args(["boot", "--command", command])
            .arg(built)
            .output()
            .unwrap();
        assert!(!String::from_utf8_lossy(&human.stdout).contains("relx_test_cookie"));
        // With --show-secrets it is there: the test above could fail.
        let shown = relkit_tests::tool("vmargs")
            .args(["boot", "--json", "--show-secrets", "--command", command])
            .arg(built)
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&shown.stdout).contains("relx_test_cookie"),
            "{command}"
        );
    }
}
