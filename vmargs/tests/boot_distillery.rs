//! `vmargs boot` on Distillery releases against Distillery's own scripts: a release
//! built with `mix distillery.release`, generated vm.args files, places for them
//! (the release, `RELEASE_CONFIG_DIR`, `VMARGS_PATH`), environments and commands;
//! the real `bin/billing COMMAND` runs with the `erlexec` of its last step and
//! `run_erl` replaced by recorders (erts.sh's and the config providers' erl runs
//! stay real), and the words it execs must be ours, word for word; the recorder
//! hands the same words to the real erlexec's `-emu_args_exit` for what erl makes
//! of them. Real nodes check the name and cookie outcomes.

mod boot_support;

use boot_support::{
    assert_outcome, boot_doc, copy_into, erl_reading, node_and_cookie, recording_copy, records,
    ErlReading, PATH,
};
use relkit_tests::{distillery, require_peer, Rng};
use std::path::Path;
use std::process::Command;

/// The ERTS programs replaced by recorders.
const RECORDERS: &[(&str, &str)] = &[
    (
        "erlexec",
        "#!/bin/sh\ncase \" $* \" in *\" -args_file \"*) ;; *) exec \"$(dirname \"$0\")/erlexec.real\" \"$@\";; esac\nprintf '%s\\0' \"$0\" \"$@\" > \"$RELEASE_ROOT_DIR/erlexec.rec\"\n\"$(dirname \"$0\")/erlexec.real\" -emu_args_exit \"$@\" > \"$RELEASE_ROOT_DIR/emu.rec\" 2>&1\nexit 0\n",
    ),
    (
        "run_erl",
        "#!/bin/sh\nprintf '%s\\0' \"$0\" \"$@\" > \"$RELEASE_ROOT_DIR/run_erl.rec\"\nsh -c \"$4\"\nexit 0\n",
    ),
];

const NAME_LINES: &[&str] = &[
    "-name billing@127.0.0.1",
    "-name billing@127.0.0.1",
    "-sname billing",
    "-sname billing",
    "-name billing",
    "-name ${NODE_NAME}",
    "-sname ${NODE:-fallback}",
    "-name billing@${HOST_IP}",
    "-sname billing@host.example.com",
    "-name   spaced@10.0.0.1  ",
    "-name",
    "-sname\tbilling_tab",
];

const OTHER_LINES: &[&str] = &[
    "-setcookie distillery_test_cookie",
    "-setcookie ${COOKIE_VAR}",
    "-setcookie second_cookie",
    "+K true",
    "-kernel inet_dist_listen_min 9100 inet_dist_listen_max 9155",
    "## a comment naming ${NODE_NAME}",
    "-env ERL_FULLSWEEP_AFTER 10",
    "+A ${THREADS}",
    "-smp auto",
    "-args_file EXTRA",
    "-heart",
];

const EXTRA_FILES: &[&str] = &[
    "-setcookie nested_cookie\n",
    "-name nested@127.0.0.1\n",
    "+sbwt none\n",
    "",
];

const ENV: &[(&str, &[&str])] = &[
    ("NODE", &["web1", ""]),
    ("HOST_IP", &["10.1.1.1"]),
    ("THREADS", &["16"]),
    ("CODE_LOADING_MODE", &["interactive"]),
    ("ERL_OPTS", &["+S 1", "-kernel shell_history enabled"]),
    ("EXTRA_OPTS", &["--one two"]),
    ("COOKIE", &["script_env_cookie"]),
    ("ERL_FLAGS", &["+S 1"]),
    ("EXTRA_CODE_PATHS", &["/opt/extra/ebin"]),
    ("RUN_ERL_ENV", &["ERL_CRASH_DUMP_SECONDS=1"]),
];

const COMMANDS: &[&str] = &["foreground", "console", "console_clean", "start"];

/// Where the case puts its vm.args.
#[derive(Debug, Clone, Copy)]
enum Place {
    Release,
    ConfigDir,
    VmArgsPath,
}

#[test]
fn argv_is_what_distillery_s_scripts_exec_for_generated_vm_args() {
    let Some(built) = distillery::release() else {
        return;
    };
    if require_peer("awk").is_none() {
        return;
    }
    let copy = recording_copy(built, RECORDERS);
    let root = copy.path().join("billing");
    let vsn = root.join("releases/0.1.0");
    let elsewhere = copy.path().join("conf");
    let home = copy.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join(".erlang.cookie"), "home_cookie").unwrap();
    let shipped_vm_args = std::fs::read(vsn.join("vm.args")).unwrap();
    let mut rng = Rng(0xd157_111e);
    let (mut compared, mut effective, mut unknown, mut stopped, mut refusals) = (0, 0, 0, 0, 0);
    let mut started = 0;
    let places = [Place::Release, Place::ConfigDir, Place::VmArgsPath];
    for case in 0..200 {
        // A clean slate: what the last run wrote, gone.
        let _ = std::fs::remove_dir_all(root.join("var"));
        let _ = std::fs::remove_dir_all(copy.path().join("mutable"));
        let _ = std::fs::remove_dir_all(&elsewhere);
        for f in ["erlexec.rec", "emu.rec", "run_erl.rec"] {
            let _ = std::fs::remove_file(root.join(f));
        }
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::fs::write(vsn.join("vm.args"), &shipped_vm_args).unwrap();
        let extra = elsewhere.join("extra.args");
        std::fs::write(&extra, rng.pick(EXTRA_FILES)).unwrap();
        let mut lines: Vec<String> = Vec::new();
        let names = match rng.below(12) {
            0 => 0,
            1 | 2 => 2,
            _ => 1,
        };
        for _ in 0..names {
            lines.push(rng.pick(NAME_LINES).to_string());
        }
        if rng.chance(70) {
            lines.push("-setcookie distillery_test_cookie".into());
        }
        for _ in 0..rng.below(4) {
            lines.push(
                rng.pick(OTHER_LINES)
                    .replace("EXTRA", &extra.display().to_string()),
            );
        }
        if lines.len() > 1 && rng.chance(50) {
            let i = rng.below(lines.len());
            lines.swap(0, i);
        }
        let vm_args = lines.join("\n") + "\n";
        let place = places[rng.below(places.len())];
        let mut env: Vec<(String, String)> = Vec::new();
        let file = match place {
            Place::Release => vsn.join("vm.args"),
            Place::ConfigDir => {
                env.push(("RELEASE_CONFIG_DIR".into(), elsewhere.display().to_string()));
                elsewhere.join("vm.args")
            }
            Place::VmArgsPath => {
                let p = elsewhere.join("node.args");
                env.push(("VMARGS_PATH".into(), p.display().to_string()));
                p
            }
        };
        std::fs::write(&file, &vm_args).unwrap();
        for (name, values) in ENV {
            if rng.chance(15) {
                env.push((name.to_string(), rng.pick(values).to_string()));
            }
        }
        if rng.chance(60) {
            env.push(("COOKIE_VAR".into(), "from_env_cookie".into()));
        }
        if rng.chance(60) {
            let name = rng.pick(&["billing@10.0.0.5", "web@app1.example.com"]);
            env.push(("NODE_NAME".into(), name.into()));
        }
        if rng.chance(50) {
            env.push(("REPLACE_OS_VARS".into(), "true".into()));
        }
        if rng.chance(60) {
            env.push(("HOSTNAME".into(), "testhost".into()));
        }
        if rng.chance(20) {
            let mutable = copy.path().join("mutable");
            env.push(("RELEASE_MUTABLE_DIR".into(), mutable.display().to_string()));
        }
        if rng.chance(8) {
            env.push(("RELEASE_READ_ONLY".into(), "true".into()));
        }
        env.push(("HOME".into(), home.display().to_string()));
        let command = rng.pick(COMMANDS);
        let doc = boot_doc(&root, command, None, &env);
        let real = Command::new("timeout")
            .arg("60")
            .arg(root.join("bin/billing"))
            .arg(command)
            .env_clear()
            .env("PATH", PATH)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .current_dir(copy.path())
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
        let recorded = if command == "start" {
            "run_erl.rec"
        } else {
            "erlexec.rec"
        };
        // The script "fails" also where erl refuses the line, after it has execed.
        let execed = root.join(recorded).exists();
        assert_eq!(!execed, stops, "{context}");
        if stops {
            assert_eq!(doc["argv"], serde_json::json!([]), "{context}");
            stopped += 1;
            continue;
        }
        let Some(mut ours) = doc["argv"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_str().map(str::to_string))
            .collect::<Option<Vec<String>>>()
        else {
            unknown += 1;
            continue;
        };
        if command == "start" {
            // `env $RUN_ERL_ENV "$BINDIR/run_erl" ...`: run_erl's own words recorded.
            let at = ours.iter().position(|w| w.ends_with("/run_erl")).unwrap();
            ours.drain(..at);
            started += 1;
        }
        let theirs =
            records(&root.join(recorded)).unwrap_or_else(|| panic!("no record: {context}"));
        assert_eq!(ours, theirs, "{context}");
        compared += 1;
        let emu = std::fs::read_to_string(root.join("emu.rec")).unwrap_or_default();
        match erl_reading(&doc, &emu, &context) {
            ErlReading::Refused => refusals += 1,
            ErlReading::Same => effective += 1,
            ErlReading::Unknown => {}
        }
    }
    eprintln!("distillery: {compared} compared ({started} start), {effective} with erl's reading, {refusals} refused, {stopped} stops, {unknown} with unknowns");
    assert!(
        compared >= 110 && effective >= 100 && started >= 20 && stopped >= 15 && refusals >= 2,
        "only {compared} runs ({effective} with erl's reading, {started} start) and {stopped} stops compared ({unknown} had unknowns)"
    );
}

/// The node a Distillery release really boots: the real scripts and erlexec, the
/// node asked (through ERL_OPTS, which reaches only the last erl) to print its
/// name and cookie and stop.
fn real_node(root: &Path, env: &[(String, String)]) -> (String, String) {
    let print = "-eval erlang:display({node_and_cookie,node(),erlang:get_cookie()}),halt().";
    let out = Command::new("timeout")
        .arg("60")
        .arg(root.join("bin/billing"))
        .arg("foreground")
        .env_clear()
        .env("PATH", PATH)
        .env("ERL_OPTS", print)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    node_and_cookie(&out)
}

#[test]
fn boot_outcomes_of_distillery_releases_are_what_real_nodes_do() {
    let Some(built) = distillery::release() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("billing");
    copy_into(built, &root);
    let vsn = root.join("releases/0.1.0");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let cookie_file = home.join(".erlang.cookie");
    std::fs::write(&cookie_file, "home_cookie_distillery").unwrap();
    let mut perms = std::fs::metadata(&cookie_file).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o400);
    std::fs::set_permissions(&cookie_file, perms).unwrap();
    let nested = dir.path().join("nested.args");
    // (vm.args, nested args file, the environment, the codes expected)
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], &'a [&'a str]);
    let cases: &[Case] = &[
        (
            "-name ${NODE_NAME}\n-setcookie vm_cookie\n",
            "",
            &[
                ("REPLACE_OS_VARS", "true"),
                ("NODE_NAME", "dist_a@127.0.0.1"),
            ],
            &[],
        ),
        (
            "-name dist_b@127.0.0.1\n-setcookie vm_cookie\n",
            "",
            &[("COOKIE", "script_env_cookie")],
            &["script-cookie-differs"],
        ),
        (
            "-name dist_c@127.0.0.1\n-setcookie first_cookie\n-args_file NESTED\n",
            "-setcookie second_cookie\n",
            &[],
            &["cookie-set-twice"],
        ),
        (
            "-name dist_d@127.0.0.1\n-args_file NESTED\n",
            "-setcookie nested_cookie\n",
            &[],
            &["script-cookie-differs"],
        ),
        (
            // Without REPLACE_OS_VARS the cookie is erl's literal word.
            "-sname dist_e\n-setcookie ${COOKIE_VAR}\n",
            "",
            &[("COOKIE_VAR", "never_replaced")],
            // The script greps vm.args with ${VAR} replaced; erl reads it as it is.
            &["script-cookie-differs"],
        ),
    ];
    for (vm_args, nested_text, extra_env, codes) in cases {
        let _ = std::fs::remove_dir_all(root.join("var"));
        std::fs::write(
            vsn.join("vm.args"),
            vm_args.replace("NESTED", &nested.display().to_string()),
        )
        .unwrap();
        std::fs::write(&nested, nested_text).unwrap();
        let mut env = vec![("HOME".to_string(), home.display().to_string())];
        env.extend(
            extra_env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        let doc = boot_doc(&root, "foreground", None, &env);
        let (name, cookie) = real_node(&root, &env);
        let context = format!("vm.args:\n{vm_args}\nenv {env:?}\ndoc {doc:#}");
        assert_outcome(
            &doc,
            (&name, &cookie),
            "home_cookie_distillery",
            codes,
            &context,
        );
    }
}
