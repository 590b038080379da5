use super::*;

fn run(env: &[(&str, &str)], text: &str) -> Shell {
    let mut shell = Shell::with_env(env.iter().copied());
    source(&mut shell, text.as_bytes()).unwrap();
    shell
}

fn known(shell: &Shell, name: &str) -> Option<String> {
    shell
        .get(name)
        .and_then(|v| v.as_known().map(str::to_string))
}

#[test]
fn assignments_quotes_and_defaults() {
    let s = run(
        &[("RELEASE_NAME", "billing")],
        r#"
A=plain
B='single $A'
C="double $A ${A}x"
D=${UNSET:-"fall back"}
E=${A:+set}
F=${EMPTY-}${A-no}
export G="$RELEASE_NAME@10.0.0.1" # a comment
H=a\ b
"#,
    );
    assert_eq!(known(&s, "A").as_deref(), Some("plain"));
    assert_eq!(known(&s, "B").as_deref(), Some("single $A"));
    assert_eq!(known(&s, "C").as_deref(), Some("double plain plainx"));
    assert_eq!(known(&s, "D").as_deref(), Some("fall back"));
    assert_eq!(known(&s, "E").as_deref(), Some("set"));
    assert_eq!(known(&s, "F").as_deref(), Some("plain"));
    assert_eq!(known(&s, "G").as_deref(), Some("billing@10.0.0.1"));
    assert!(s.vars["G"].exported && !s.vars["A"].exported);
    assert!(s.vars["RELEASE_NAME"].exported);
    assert_eq!(known(&s, "H").as_deref(), Some("a b"));
    assert_eq!(s.vars["C"].origin, Origin::Line(4));
}

#[test]
fn a_command_s_output_is_an_unknown_that_says_so() {
    let s = run(
        &[],
        "export RELEASE_NODE=billing@$(hostname -i)\nX=`date`\n",
    );
    let node = s.get("RELEASE_NODE").unwrap();
    assert!(!node.is_known());
    assert_eq!(node.text, "billing@$(hostname -i)");
    assert_eq!(
        node.unknown,
        vec!["the output of $(hostname -i)".to_string()]
    );
    assert!(!s.get("X").unwrap().is_known());
}

#[test]
fn case_on_the_command_is_decided_when_it_is_known() {
    let script = r#"
case $RELEASE_COMMAND in
  daemon*|start)
    export ELIXIR_ERL_OPTIONS="-heart"
    ;;
  remote) REMOTE=1 ;;
  *)
    ;;
esac
"#;
    let s = run(&[("RELEASE_COMMAND", "daemon_iex")], script);
    assert_eq!(known(&s, "ELIXIR_ERL_OPTIONS").as_deref(), Some("-heart"));
    assert!(s.get("REMOTE").is_none());
    let s = run(&[("RELEASE_COMMAND", "remote")], script);
    assert!(s.get("ELIXIR_ERL_OPTIONS").is_none());
    assert_eq!(known(&s, "REMOTE").as_deref(), Some("1"));
    // Not known: either way, so unknown, naming the case.
    let mut s = Shell::default();
    s.set("RELEASE_COMMAND", Value::unknown("$1", "the command"), 0);
    source(&mut s, script.as_bytes()).unwrap();
    let v = s.get("ELIXIR_ERL_OPTIONS").unwrap();
    assert!(v.unknown[0].contains("`case` at line 2"), "{v:?}");
}

#[test]
fn if_and_lists_are_decided_by_known_tests() {
    let script = r#"
if [ -z "$RELEASE_NODE" ]; then
  RELEASE_NODE=fallback
elif [ "$X" = "y" ]; then
  RELEASE_NODE=why
else
  RELEASE_NODE="$RELEASE_NODE@host"
fi
[ -n "$COOKIE" ] && RELEASE_COOKIE=$COOKIE
[ -n "$NONE" ] || OTHER=set
"#;
    let s = run(&[], script);
    assert_eq!(known(&s, "RELEASE_NODE").as_deref(), Some("fallback"));
    assert!(s.get("RELEASE_COOKIE").is_none());
    assert_eq!(known(&s, "OTHER").as_deref(), Some("set"));
    let s = run(&[("RELEASE_NODE", "n"), ("COOKIE", "c")], script);
    assert_eq!(known(&s, "RELEASE_NODE").as_deref(), Some("n@host"));
    assert_eq!(known(&s, "RELEASE_COOKIE").as_deref(), Some("c"));
    let s = run(&[("X", "y"), ("RELEASE_NODE", "")], script);
    assert_eq!(known(&s, "RELEASE_NODE").as_deref(), Some("fallback"));
}

#[test]
fn what_is_not_followed_makes_unknowns_never_guesses() {
    let s = run(
        &[("A", "1")],
        "f() { B=2; }\nf\nfor x in a b; do C=$x; done\n. ./other.sh\nD=4\n",
    );
    assert!(!s.get("B").unwrap().is_known());
    assert!(!s.get("C").unwrap().is_known());
    assert!(
        !s.get("A").unwrap().is_known(),
        "a sourced file may change A"
    );
    assert!(!s.get("ANYTHING").unwrap().is_known());
    assert_eq!(known(&s, "D").as_deref(), Some("4"));
    assert!(s
        .notes
        .iter()
        .any(|n| n.line == 4 && n.what.contains("other.sh")));
}

#[test]
fn exit_ends_the_script() {
    let s = run(&[], "A=1\nexit 0\nA=2\n");
    assert_eq!(known(&s, "A").as_deref(), Some("1"));
    assert_eq!(s.exited, Some(2));
}

#[test]
fn here_documents_and_pipelines_do_not_assign() {
    let s = run(
        &[],
        "cat <<EOF >/dev/null\nA=inside\nEOF\nB=after\necho x | C=piped\n",
    );
    assert!(s.get("A").is_none());
    assert_eq!(known(&s, "B").as_deref(), Some("after"));
    assert!(s.get("C").is_none());
}

#[test]
fn errors_where_sh_stops() {
    for (text, line, column, what) in [
        ("A='open\n", 1, 3, "unterminated single quote"),
        ("A=1\nB=\"x\n", 2, 3, "unterminated double quote"),
        ("A=$(date\n", 1, 3, "unterminated `$(`"),
        ("A=${B\n", 1, 3, "unterminated `${`"),
        ("if true; then\n A=1\n", 1, 1, "without its `fi`"),
        ("case $x in\n a) ;;\n", 1, 1, "without its `esac`"),
        ("fi\n", 1, 1, "unexpected `fi`"),
        ("cat <<EOF\nno end\n", 1, 5, "here-document"),
    ] {
        let err = parse(text.as_bytes()).unwrap_err();
        assert_eq!((err.line, err.column), (line, column), "{text:?}: {err}");
        assert!(err.message.contains(what), "{text:?}: {err}");
    }
}

#[test]
fn glob_patterns_match_as_case_does() {
    let m = |p: &str, t: &str| {
        let mut shell = Shell::default();
        let node = parse(format!("case '{t}' in {p}) X=1 ;; esac").as_bytes()).unwrap();
        shell.run(&node);
        shell.get("X").is_some()
    };
    assert!(m("daemon*", "daemon_iex"));
    assert!(m("*", ""));
    assert!(m("d?emon", "daemon"));
    assert!(m("[a-c]x", "bx"));
    assert!(!m("[!a-c]x", "bx"));
    assert!(!m("start", "start_iex"));
    assert!(m("'*'", "*"));
    assert!(!m("'*'", "x"));
}

/// Scripts generated from the shapes env.sh files use, run by the real sh: every
/// variable the model calls known has the value sh gives it.
#[test]
fn known_values_are_what_sh_gives() {
    let Some(sh) = ["/bin/dash", "/bin/sh"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
    else {
        panic!("no /bin/sh to compare with");
    };
    let mut rng = Xorshift(0x5eed_5e11);
    let names = [
        "A",
        "B",
        "RELEASE_NODE",
        "RELEASE_COOKIE",
        "ELIXIR_ERL_OPTIONS",
    ];
    let values = [
        "x",
        "",
        "billing@10.0.0.1",
        "\"a b\"",
        "'-kernel inet_dist_listen_min 9100'",
        "$A",
        "${B:-d}",
        "${A-e}",
        "${B:+p}",
        "\"q $A\"",
        "'s $B'",
        "pre${A}post",
        "\\$A",
    ];
    let commands = ["start", "daemon", "remote", "eval", ""];
    let mut compared = 0;
    for case in 0..400 {
        let mut text = String::new();
        for _ in 0..rng.below(6) + 1 {
            let name = names[rng.below(names.len())];
            let value = values[rng.below(values.len())];
            let line = match rng.below(6) {
                0 => format!("export {name}={value}\n"),
                1 => format!(
                    "case $RELEASE_COMMAND in\n  {}*) {name}={value} ;;\n  *) ;;\nesac\n",
                    commands[rng.below(commands.len())]
                ),
                2 => format!("if [ -z \"${name}\" ]; then {name}={value}; fi\n"),
                3 => format!(
                    "[ \"$RELEASE_COMMAND\" = {} ] && {name}={value}\n",
                    commands[rng.below(4)]
                ),
                4 => format!("{name}=\"${{{name}:-{value}}}\"\n"),
                _ => format!("{name}={value}\n"),
            };
            text.push_str(&line);
        }
        let command = commands[rng.below(commands.len())];
        let env: Vec<(&str, &str)> = if case % 3 == 0 {
            vec![("RELEASE_COMMAND", command), ("B", "from-env")]
        } else {
            vec![("RELEASE_COMMAND", command)]
        };
        let shell = run(&env, &text);
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("env.sh");
        std::fs::write(&script, &text).unwrap();
        let mut printer = format!(". {}\n", script.display());
        for name in names {
            printer.push_str(&format!(
                "if [ -n \"${{{name}+set}}\" ]; then printf '%s=%s\\0' {name} \"${name}\"; else printf '%s\\0' {name}; fi\n"
            ));
        }
        let out = std::process::Command::new(sh)
            .arg("-c")
            .arg(&printer)
            .env_clear()
            .envs(env.iter().copied())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for item in out.stdout.split(|&b| b == 0).filter(|i| !i.is_empty()) {
            let item = String::from_utf8_lossy(item);
            let (name, real) = match item.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (item.to_string(), None),
            };
            match shell.get(&name) {
                Some(v) if v.is_known() => {
                    assert_eq!(Some(v.text.clone()), real, "{name} after:\n{text}");
                    compared += 1;
                }
                Some(_) => {}
                None => assert_eq!(real, None, "{name} is set by sh after:\n{text}"),
            }
        }
    }
    assert!(compared > 800, "only {compared} known values compared");
}

/// A small seeded generator (common cannot use the test crate's).
struct Xorshift(u64);

impl Xorshift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}
