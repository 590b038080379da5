//! `vmargs boot` against the real start scripts: a release built with `mix release`,
//! hundreds of generated env.sh files, environments and cookie files, and for each
//! the words `ELIXIR_CLI_DRY_RUN=1 bin/NAME COMMAND` prints must be ours, word for
//! word; erl's own `-emu_args_exit` checks what erl makes of them; real nodes check
//! the cookie and name findings.

mod boot_support;

use boot_support::{boot_doc, codes, copy_release, dry_run, erl_words, joined, release, PATH};
use relkit_tests::{assert_ok, require_peer, tool, Rng};
use std::path::Path;
use std::process::Command;

const ENV_SH_LINES: &[&str] = &[
    "export RELEASE_DISTRIBUTION=name",
    "export RELEASE_DISTRIBUTION=sname",
    "export RELEASE_DISTRIBUTION=none",
    "export RELEASE_NODE=billing@127.0.0.1",
    "export RELEASE_NODE=\"${RELEASE_NODE:-app}\"",
    "export RELEASE_NODE=\"$RELEASE_NAME@10.0.0.7\"",
    "RELEASE_NODE=${RELEASE_NODE-bare}",
    "export RELEASE_COOKIE='from env.sh'",
    "export RELEASE_COOKIE=${COOKIE:-fallback_cookie}",
    "case $RELEASE_COMMAND in\n  daemon*|start*)\n    export ELIXIR_ERL_OPTIONS=\"-kernel inet_dist_listen_min 9100 inet_dist_listen_max 9155\"\n    ;;\n  *)\n    ;;\nesac",
    "case $RELEASE_COMMAND in\n  remote) export RELEASE_REMOTE_VM_ARGS=\"$REL_VSN_DIR/remote.vm.args\" ;;\nesac",
    "export RELEASE_MODE=interactive",
    "export ELIXIR_ERL_OPTIONS=\"+sbwt none\"",
    "ELIXIR_ERL_OPTIONS=\"+K true\"",
    "RELEASE_VM_ARGS=\"$REL_VSN_DIR/vm.args\"",
    "export RELEASE_BOOT_SCRIPT=start",
    "[ -z \"$PORT\" ] && export PORT=4000",
    "if [ \"$RELEASE_COMMAND\" = \"eval\" ]; then\n  export RELEASE_MODE=interactive\nelif [ -n \"$APP_HOST\" ]; then\n  export RELEASE_NODE=\"billing@$APP_HOST\"\nfi",
    "export ERL_AFLAGS=\"-kernel shell_history enabled\"",
    "# a comment with $RELEASE_NODE in it",
    "export RELEASE_SYS_CONFIG=\"$REL_VSN_DIR/sys\"",
    "test \"$RELEASE_COMMAND\" != start || export RELEASE_DISTRIBUTION=name",
    "[ -n \"$APP_HOST\" ] && export RELEASE_NODE=\"billing@$APP_HOST\"",
    "export RELEASE_NODE=billing@$(hostname -i)",
];

const ENV_NAMES: &[(&str, &[&str])] = &[
    (
        "RELEASE_NODE",
        &["web1", "billing@app1.example.com", "n@10.1.2.3"],
    ),
    ("RELEASE_COOKIE", &["envcookie", "Ab_1-2"]),
    ("RELEASE_DISTRIBUTION", &["name", "sname", "none"]),
    ("RELEASE_MODE", &["interactive"]),
    ("COOKIE", &["c1"]),
    ("APP_HOST", &["10.0.0.9", "app2.internal"]),
    ("PORT", &["4001"]),
];

const COMMANDS: &[&str] = &[
    "start",
    "daemon",
    "remote",
    "eval",
    "rpc",
    "start_iex",
    "stop",
];

#[test]
fn argv_is_what_the_real_start_script_execs_for_generated_releases() {
    let Some(built) = release() else { return };
    let copy = copy_release(built);
    let root = copy.path().join("billing");
    let vsn_dir = root.join("releases/0.1.0");
    let mut rng = Rng(0xb007_5eed);
    let (mut compared, mut unknown, mut stopped) = (0, 0, 0);
    for case in 0..600 {
        let mut env_sh = String::from("#!/bin/sh\n");
        for _ in 0..rng.below(5) {
            env_sh.push_str(rng.pick(ENV_SH_LINES));
            env_sh.push('\n');
        }
        std::fs::write(vsn_dir.join("env.sh"), &env_sh).unwrap();
        let cookie = match rng.below(4) {
            0 => "COOKIEFILE".to_string(),
            1 => "COOKIEFILE\n".to_string(),
            2 => "COOKIEFILE\r\n".to_string(),
            _ => format!("C{case}OOKIE\n\n"),
        };
        std::fs::write(root.join("releases/COOKIE"), &cookie).unwrap();
        let mut env: Vec<(String, String)> = Vec::new();
        for (name, values) in ENV_NAMES {
            if rng.chance(20) {
                env.push((name.to_string(), rng.pick(values).to_string()));
            }
        }
        // The daemon's pipe directories are made even in a dry run: keep them here.
        env.push((
            "RELEASE_TMP".into(),
            copy.path().join("tmp").display().to_string(),
        ));
        let command = rng.pick(COMMANDS);
        let expr = match command {
            "eval" | "rpc" => Some("IO.puts(:ok)"),
            _ => None,
        };
        let (ok, real) = dry_run(&root, command, expr, &env);
        let doc = boot_doc(&root, command, expr, &env);
        let Some(ours) = joined(&doc) else {
            unknown += 1;
            continue;
        };
        let stops = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "start-script-stops");
        assert_eq!(
            !ok || real.is_empty(),
            stops,
            "case {case}: the script {} but vmargs says it {}; env.sh:\n{env_sh}",
            if ok { "ran" } else { "stopped" },
            if stops { "stops" } else { "runs" }
        );
        if stops {
            assert_eq!(doc["argv"], serde_json::json!([]));
            stopped += 1;
            continue;
        }
        assert_eq!(
            ours, real,
            "case {case}: `{command}` with env {env:?}, COOKIE {cookie:?} and env.sh:\n{env_sh}"
        );
        compared += 1;
    }
    assert!(
        compared >= 500 && stopped >= 5 && unknown >= 5,
        "only {compared} runs and {stopped} stops compared ({unknown} had unknowns)"
    );
}

#[test]
fn effective_args_are_what_erl_makes_of_the_line() {
    let Some(built) = release() else { return };
    let copy = copy_release(built);
    let root = copy.path().join("billing");
    let vsn_dir = root.join("releases/0.1.0");
    let mut rng = Rng(0xe1_a465);
    let mut compared = 0;
    let vm_args_lines = [
        "+K true",
        "-kernel inet_dist_listen_min 9100 inet_dist_listen_max 9155",
        "-env ERL_FULLSWEEP_AFTER 10",
        "+sbwt none",
        "-extra --from-vm-args",
        "-proto_dist inet6_tcp",
        "## comment",
    ];
    for case in 0..40 {
        let mut vm_args = String::new();
        for _ in 0..rng.below(4) {
            vm_args.push_str(rng.pick(&vm_args_lines));
            vm_args.push('\n');
        }
        std::fs::write(vsn_dir.join("vm.args"), &vm_args).unwrap();
        let mut env_sh = String::from("#!/bin/sh\n");
        for _ in 0..rng.below(3) {
            env_sh.push_str(rng.pick(ENV_SH_LINES));
            env_sh.push('\n');
        }
        std::fs::write(vsn_dir.join("env.sh"), &env_sh).unwrap();
        let mut env: Vec<(String, String)> = Vec::new();
        if rng.chance(50) {
            env.push(("ERL_FLAGS".into(), "-kernel net_ticktime 30".into()));
        }
        let command = rng.pick(&["start", "remote", "eval"]);
        let expr = (command == "eval").then_some("1");
        let doc = boot_doc(&root, command, expr, &env);
        let Some(_) = joined(&doc) else { continue };
        let argv: Vec<String> = doc["argv"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_str().map_or("rem-0000-x".to_string(), str::to_string))
            .collect();
        if argv.is_empty() {
            continue; // env.sh stops the script: nothing to compare
        }
        let mut cmd = Command::new(&argv[0]);
        cmd.arg("-emu_args_exit").args(&argv[1..]);
        cmd.env_clear().env("PATH", PATH).env("HOME", copy.path());
        for (k, v) in &env {
            cmd.env(k, v);
        }
        if env_sh.contains("export ERL_AFLAGS") {
            cmd.env("ERL_AFLAGS", "-kernel shell_history enabled");
        }
        let out = cmd.output().unwrap();
        let real = erl_words(&String::from_utf8_lossy(&out.stdout));
        let ours: Vec<String> = doc["effective_args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_str().map_or("rem-0000-x".to_string(), str::to_string))
            .collect();
        // Our words: emulator flags (as `-X`), then init's. erl's list is the same
        // less its own additions.
        assert_eq!(
            ours, real,
            "case {case}: `{command}`, vm.args:\n{vm_args}\nenv.sh:\n{env_sh}"
        );
        compared += 1;
    }
    assert!(compared >= 30, "only {compared} cases compared");
}

/// Run the line `doc` says the script execs, with the node asked to print its name
/// and cookie and stop (in place of `--no-halt`), as the user `home` would.
fn real_node(doc: &serde_json::Value, home: &Path) -> std::process::Output {
    let argv: Vec<String> = doc["argv"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().expect("a known word").to_string())
        .collect();
    let extra = argv.iter().position(|w| w == "-extra").unwrap();
    Command::new(&argv[0])
        .args(&argv[1..=extra])
        .args([
            "-e",
            r#"IO.puts("NODE=#{Node.self()}"); IO.puts("COOKIE=#{Node.get_cookie()}"); System.halt()"#,
        ])
        .env_clear()
        .env("PATH", PATH)
        .env("HOME", home)
        // A node that refuses to start writes erl_crash.dump where it runs.
        .current_dir(home)
        .env("ERL_CRASH_DUMP", home.join("erl_crash.dump"))
        .output()
        .unwrap()
}

#[test]
fn boot_outcomes_are_what_real_nodes_do() {
    let Some(built) = release() else { return };
    if require_peer("epmd").is_none() {
        return;
    }
    let copy = copy_release(built);
    let root = copy.path().join("billing");
    let vsn_dir = root.join("releases/0.1.0");
    let home = copy.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join(".erlang.cookie"), "HOMECOOKIE").unwrap();
    let mut perms = std::fs::metadata(home.join(".erlang.cookie"))
        .unwrap()
        .permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o400);
    std::fs::set_permissions(home.join(".erlang.cookie"), perms).unwrap();
    let original_vm_args = std::fs::read_to_string(vsn_dir.join("vm.args")).unwrap();
    // The node's name and cookie, from the lines it printed (a logger report may
    // come first).
    let lines = |out: &std::process::Output| -> Vec<String> {
        let text = String::from_utf8_lossy(&out.stdout);
        ["NODE=", "COOKIE="]
            .iter()
            .map(|p| {
                text.lines()
                    .find_map(|l| l.strip_prefix(p))
                    .unwrap_or_else(|| panic!("no {p} line in {text}"))
                    .to_string()
            })
            .collect()
    };
    let unique = format!("n{}", std::process::id());

    // The plain boot: the node and cookie the document names.
    let env = vec![("RELEASE_NODE".to_string(), unique.clone())];
    let doc = boot_doc(&root, "start", None, &env);
    let out = real_node(&doc, &home);
    assert_ok(&out, "the release's node");
    let real = lines(&out);
    assert_eq!(real[0].split('@').next(), doc["node"]["name"].as_str());
    assert_eq!(Some(real[1].as_str()), doc["cookie"]["value"].as_str());

    // -setcookie in vm.args too: erl ignores both and reads ~/.erlang.cookie.
    std::fs::write(
        vsn_dir.join("vm.args"),
        format!("{original_vm_args}-setcookie other\n"),
    )
    .unwrap();
    let doc = boot_doc(&root, "start", None, &env);
    assert!(
        codes(&doc).contains(&"cookie-set-twice".to_string()),
        "{doc}"
    );
    assert_eq!(doc["cookie"]["from_home"], true);
    let real = lines(&real_node(&doc, &home));
    assert_eq!(real[1], "HOMECOOKIE");

    // -sname in vm.args: the script's comes first and wins.
    std::fs::write(
        vsn_dir.join("vm.args"),
        format!("{original_vm_args}-sname {unique}x\n"),
    )
    .unwrap();
    let doc = boot_doc(&root, "start", None, &env);
    assert!(
        codes(&doc).contains(&"name-overridden".to_string()),
        "{doc}"
    );
    let real = lines(&real_node(&doc, &home));
    assert_eq!(real[0].split('@').next(), doc["node"]["name"].as_str());
    std::fs::write(vsn_dir.join("vm.args"), &original_vm_args).unwrap();

    // A fully qualified RELEASE_NODE under the default short names: erl refuses.
    let env = vec![(
        "RELEASE_NODE".to_string(),
        format!("{unique}@app.example.com"),
    )];
    let doc = boot_doc(&root, "start", None, &env);
    assert!(
        codes(&doc).contains(&"node-needs-long-names".to_string()),
        "{doc}"
    );
    let out = real_node(&doc, &home);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("Can't set short node name"), "{said}");
}

#[test]
fn bad_env_sh_is_a_precise_error_and_unknowns_are_named() {
    let Some(built) = release() else { return };
    let copy = copy_release(built);
    let root = copy.path().join("billing");
    let env_sh = root.join("releases/0.1.0/env.sh");
    std::fs::write(&env_sh, "#!/bin/sh\nexport RELEASE_NODE=\"billing@\n").unwrap();
    let out = tool("vmargs").arg("boot").arg(&root).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("env.sh:2:") && err.contains("unterminated double quote"),
        "{err}"
    );

    std::fs::write(
        &env_sh,
        "#!/bin/sh\n. /etc/billing.env\nexport RELEASE_DISTRIBUTION=name\n",
    )
    .unwrap();
    let doc = boot_doc(&root, "start", None, &[]);
    let node = &doc["node"]["value"];
    assert!(node["unknown"].is_string(), "{doc}");
    assert!(doc["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n.as_str().unwrap().contains("/etc/billing.env")));

    std::fs::remove_file(root.join("releases/start_erl.data")).unwrap();
    let out = tool("vmargs").arg("boot").arg(&root).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("start_erl.data"));
}

#[test]
fn the_cookie_is_masked_unless_asked_and_fingerprints_compare() {
    let Some(built) = release() else { return };
    let cookie = std::fs::read_to_string(built.join("releases/COOKIE")).unwrap();
    let out = tool("vmargs")
        .args(["boot", "--json"])
        .arg(built)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains(cookie.trim()),
        "the cookie is printed: {text}"
    );
    // Nor inside run_erl's escaped line (its first 20 characters are letters and
    // digits, which the escaping leaves as they are), in either form, nor where
    // ELIXIR_ERL_OPTIONS passes one of its own.
    let prefix = &cookie.trim()[..20];
    for args in [
        vec!["boot", "--json", "--command", "daemon"],
        vec!["boot", "--command", "daemon"],
        vec![
            "boot",
            "--json",
            "--env=ELIXIR_ERL_OPTIONS=-setcookie options_cookie_1",
        ],
    ] {
        let out = tool("vmargs").args(&args).arg(built).output().unwrap();
        let said = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(
            !said.contains(prefix) && !said.contains("options_cookie_1"),
            "{args:?}: {said}"
        );
    }
    let human = tool("vmargs").arg("boot").arg(built).output().unwrap();
    assert!(!String::from_utf8_lossy(&human.stdout).contains(cookie.trim()));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let with_env = boot_doc(
        built,
        "start",
        None,
        &[("RELEASE_COOKIE".into(), cookie.trim().into())],
    );
    assert_eq!(
        doc["cookie"]["fingerprint"],
        with_env["cookie"]["fingerprint"]
    );
    let other = boot_doc(
        built,
        "start",
        None,
        &[("RELEASE_COOKIE".into(), "other".into())],
    );
    assert_ne!(doc["cookie"]["fingerprint"], other["cookie"]["fingerprint"]);
}

#[test]
fn every_value_says_what_set_it() {
    let Some(built) = release() else { return };
    let copy = copy_release(built);
    let root = copy.path().join("billing");
    std::fs::write(
        root.join("releases/0.1.0/env.sh"),
        "#!/bin/sh\n# the hosts' names\nexport RELEASE_DISTRIBUTION=name\nexport RELEASE_NODE=\"billing@${APP_HOST:-127.0.0.1}\"\nELIXIR_ERL_OPTIONS='+K true'\n",
    )
    .unwrap();
    let doc = boot_doc(
        &root,
        "start",
        None,
        &[("RELEASE_MODE".into(), "interactive".into())],
    );
    let set_by = |name: &str| -> String {
        let v = doc["variables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == name)
            .unwrap();
        v["set_by"].as_str().unwrap().to_string()
    };
    assert!(set_by("RELEASE_DISTRIBUTION").ends_with("env.sh:3"));
    assert!(set_by("RELEASE_NODE").ends_with("env.sh:4"));
    assert_eq!(set_by("RELEASE_MODE"), "environment");
    assert_eq!(set_by("RELEASE_TMP"), "start script");
    assert!(set_by("RELEASE_COOKIE").ends_with("releases/COOKIE"));
    let node = doc["node"]["set_by"].as_str().unwrap();
    assert!(
        node.contains("env.sh:4") && node.contains("env.sh:3"),
        "{node}"
    );
    // Not exported: the elixir script never sees it, and vmargs says so.
    let finding = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "unexported-erl-options")
        .unwrap();
    assert_eq!(finding["line"], 5);
    assert!(!doc["argv"].as_array().unwrap().iter().any(|w| w == "+K"));
}

#[test]
fn check_on_a_release_reports_its_boot_findings() {
    let Some(built) = release() else { return };
    let copy = copy_release(built);
    let root = copy.path().join("billing");
    let vm_args = root.join("releases/0.1.0/vm.args");
    let mut text = std::fs::read_to_string(&vm_args).unwrap();
    text.push_str("-setcookie also_here\n");
    std::fs::write(&vm_args, text).unwrap();
    let out = tool("vmargs")
        .args(["check", "--json"])
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("\"code\":\"cookie-set-twice\""), "{stdout}");
    assert!(
        !stdout.contains("also_here"),
        "a secret in the output: {stdout}"
    );
    let human = tool("vmargs").arg("check").arg(&root).output().unwrap();
    let said = String::from_utf8_lossy(&human.stdout).to_string()
        + &String::from_utf8_lossy(&human.stderr);
    assert!(said.contains("1 release checked"), "{said}");
}

#[test]
fn env_from_process_takes_this_process_s_environment_under_env() {
    let Some(built) = release() else { return };
    let copy = copy_release(built);
    let root = copy.path().join("billing");
    std::fs::write(
        root.join("releases/0.1.0/env.sh"),
        "#!/bin/sh\nexport RELEASE_DISTRIBUTION=name\nexport RELEASE_NODE=\"billing@${APP_HOST:-127.0.0.1}\"\n",
    )
    .unwrap();
    let node_of = |extra: &[&str], process_host: Option<&str>| -> String {
        let mut cmd = tool("vmargs");
        cmd.args(["boot", "--json"]).args(extra).arg(&root);
        cmd.env_remove("APP_HOST");
        if let Some(h) = process_host {
            cmd.env("APP_HOST", h);
        }
        let out = cmd.output().unwrap();
        assert!(matches!(out.status.code(), Some(0 | 1)), "{out:?}");
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["node"]["value"].as_str().unwrap().to_string()
    };
    // Without the flag, this process's environment does not count.
    assert_eq!(node_of(&[], Some("10.9.9.9")), "billing@127.0.0.1");
    assert_eq!(
        node_of(&["--env-from-process"], Some("10.9.9.9")),
        "billing@10.9.9.9"
    );
    // --env wins over the process's own value.
    assert_eq!(
        node_of(
            &["--env-from-process", "--env", "APP_HOST=10.1.1.1"],
            Some("10.9.9.9")
        ),
        "billing@10.1.1.1"
    );
}
