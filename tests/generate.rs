//! Man pages and completions made by `TOOL --generate`: every page passes groff's
//! warnings and has the sections a user looks for (with every finding code of a
//! checker); bash completes verbs and flags through the script itself; the zsh and
//! fish scripts load in those shells.

use relkit_common::TOOLS;
use relkit_tests::{assert_ok, require_peer, tool};
use std::process::Command;

fn generated(name: &str, kind: &str) -> String {
    let out = tool(name).args(["--generate", kind]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{name} --generate {kind}");
    assert!(out.stderr.is_empty());
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn man_pages_pass_groff_and_have_their_sections() {
    let Some(groff) = require_peer("groff") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for name in TOOLS {
        let page = generated(name, "man");
        let path = dir.path().join(format!("{name}.1"));
        std::fs::write(&path, &page).unwrap();
        let out = Command::new(&groff)
            .args(["-man", "-ww", "-z"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{name}.1: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(page.is_ascii(), "{name}.1 is plain ASCII roff");
        for section in [
            "NAME",
            "SYNOPSIS",
            "DESCRIPTION",
            "OPTIONS",
            "EXAMPLES",
            "EXIT STATUS",
            "ENVIRONMENT",
            "SEE ALSO",
        ] {
            assert!(
                page.contains(&format!(".SH {section}"))
                    || page.contains(&format!(".SH \"{section}\"")),
                "{name}.1 has no {section}"
            );
        }
        let codes: Vec<_> = relkit_common::codes::of_tool(name).collect();
        if codes.is_empty() {
            assert!(!page.contains(".SH FINDING CODES"), "{name}");
        } else {
            assert!(page.contains(".SH FINDING CODES"), "{name}");
            for entry in codes {
                let heading = format!("\\fB{}\\fR", entry.code.replace('-', "\\-"));
                assert!(page.contains(&heading), "{name}.1 lists {}", entry.code);
            }
        }
        if *name != "journal-fmt" {
            assert!(page.contains(".SH COMMANDS"), "{name}.1 has its verbs");
        }
    }
}

/// What bash's completion offers for `words` (the last one being completed).
fn bash_completes(script: &str, name: &str, words: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("completion.bash");
    std::fs::write(&path, script).unwrap();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}'\n\
         COMP_WORDS=({})\n\
         COMP_CWORD={}\n\
         COMP_LINE='{}'\n\
         COMP_POINT=${{#COMP_LINE}}\n\
         f=$(complete -p '{name}' | sed -E 's/.* -F ([^ ]+) .*/\\1/')\n\
         \"$f\" '{name}' '{}' '{}'\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        path.display(),
        quoted.join(" "),
        words.len() - 1,
        words.join(" "),
        words[words.len() - 1],
        words[words.len().saturating_sub(2)],
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .output()
        .unwrap();
    assert_ok(&out, "out");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_verbs_and_flags() {
    let cases: &[(&str, &[&str], &str)] = &[
        ("vmargs", &["vmargs", "ch"], "check"),
        ("vmargs", &["vmargs", "check", "--for"], "--format"),
        ("relconf", &["relconf", "pa"], "parse"),
        ("release-pack", &["release-pack", "unp"], "unpack"),
        (
            "release-pack",
            &["release-pack", "unpack", "--no-"],
            "--no-keep",
        ),
        (
            "secret-link",
            &["secret-link", "apply", "--dry"],
            "--dry-run",
        ),
        ("hsts-check", &["hsts-check", "probe", "--cac"], "--cacert"),
        ("journal-fmt", &["journal-fmt", "--pri"], "--priority"),
    ];
    for (name, words, want) in cases {
        let script = generated(name, "complete-bash");
        let offered = bash_completes(&script, name, words);
        assert!(
            offered.iter().any(|o| o == want),
            "{words:?} offers {offered:?}, not {want}"
        );
    }
    // The severities are offered as values.
    let script = generated("vmargs", "complete-bash");
    let offered = bash_completes(&script, "vmargs", &["vmargs", "check", "--severity", ""]);
    assert!(offered.iter().any(|o| o == "warning"), "{offered:?}");
}

#[test]
fn zsh_and_fish_scripts_load() {
    for (shell, kind) in [("zsh", "complete-zsh"), ("fish", "complete-fish")] {
        let Some(path) = require_peer(shell) else {
            continue;
        };
        let dir = tempfile::tempdir().unwrap();
        for name in TOOLS {
            let script = dir.path().join(format!("{name}.{shell}"));
            std::fs::write(&script, generated(name, kind)).unwrap();
            let program = match shell {
                "zsh" => format!(
                    "autoload -U compinit && compinit -u -d '{}/zcompdump' && source '{}'",
                    dir.path().display(),
                    script.display()
                ),
                _ => format!(
                    "source '{}'; and complete -c {name} | head -1",
                    script.display()
                ),
            };
            let mut cmd = Command::new(&path);
            if shell == "zsh" {
                cmd.args(["-f", "-c", &program]);
            } else {
                cmd.args(["--no-config", "-c", &program]);
            }
            let out = cmd.env("HOME", dir.path()).output().unwrap();
            assert!(
                out.status.success() && out.stderr.is_empty(),
                "{shell} {name}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            if shell == "fish" {
                assert!(!out.stdout.is_empty(), "fish knows {name}'s completions");
            }
        }
    }
}

#[test]
fn a_bad_generate_value_is_a_usage_error() {
    let out = tool("vmargs")
        .args(["--generate", "roff"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("vmargs: error: "), "{stderr}");
}
