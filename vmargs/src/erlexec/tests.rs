//! erlexec's reading on the cases its rules are about.

use super::*;
use std::path::Path;

fn run(text: &str) -> Result<Vec<String>, String> {
    let mut read = |p: &Path| std::fs::read(p);
    let exp = expand(Path::new("vm.args"), text.as_bytes().to_vec(), &mut read);
    if let Some(f) = exp.fatal {
        return Err(f.message);
    }
    let c = classify(&exp.words);
    if let Some(f) = c.fatal {
        return Err(f.message);
    }
    Ok(c.argv()
        .iter()
        .map(|w| String::from_utf8_lossy(&w.value).into_owned())
        .collect())
}

fn s(list: &[&str]) -> Vec<String> {
    list.iter().map(|x| x.to_string()).collect()
}

#[test]
fn the_shape_erl_prints() {
    // Checked against `erl -args_file F -emu_args_exit` (OTP 25), less -root,
    // -bindir, -progname and -home.
    let got = run("-name a@b\n-setcookie c\n+K true\n+A 5\n-env X 1\n-extra p q\n").unwrap();
    assert_eq!(
        got,
        s(&[
            "-K",
            "true",
            "-A",
            "5",
            "--",
            "--",
            "--",
            "-name",
            "a@b",
            "-setcookie",
            "c",
            "--",
            "-extra",
            "p",
            "q",
            "--"
        ])
    );
    assert_eq!(run("").unwrap(), s(&["--", "--", "--", "--"]));
}

#[test]
fn plus_flags_follow_the_otp25_table() {
    assert_eq!(
        run("+P1000 +Zbogus").unwrap()[..2],
        s(&["-P1000", "-Zbogus"])
    );
    assert_eq!(run("+B c").unwrap()[..2], s(&["-B", "c"]));
    assert_eq!(run("+B cc").unwrap()[..2], s(&["-B", "--"]));
    assert_eq!(run("+c truex").unwrap()[..2], s(&["-c", "--"]));
    assert_eq!(run("+sss x").unwrap()[..2], s(&["-sss", "x"]));
    assert_eq!(run("+zosrl x").unwrap()[..2], s(&["-zosrl", "x"]));
    assert_eq!(run("+hmaxib x").unwrap()[..2], s(&["-hmaxib", "--"]));
    assert_eq!(
        run("+MBas x +MBzz y").unwrap()[..3],
        s(&["-MBas", "x", "-MBzz"])
    );
}

#[test]
fn erl_stops_where_erl_stops() {
    assert_eq!(run("+P").unwrap_err(), "Missing argument(s) for '+P'.");
    assert_eq!(
        run("-name").unwrap_err(),
        "Missing argument(s) for '-name'."
    );
    assert_eq!(
        run("-env A").unwrap_err(),
        "Missing argument(s) for '-env'."
    );
    assert_eq!(run("+Bx").unwrap_err(), "Missing argument(s) for '-Bx'.");
    assert_eq!(
        run("+IOx y").unwrap_err(),
        "Missing argument(s) for '+IOx'."
    );
    assert_eq!(
        run("+SDx y").unwrap_err(),
        "Missing argument(s) for '+SDx'."
    );
    assert!(run("-smp disable")
        .unwrap_err()
        .starts_with("Argument '-smp disable' not supported."));
    assert!(run("-smpdisable").is_err());
    assert_eq!(
        run("-start_epmd maybe").unwrap_err(),
        "Expected boolean argument for '-start_epmd'."
    );
    assert!(run("-no_epmd").unwrap_err().contains("Missing -proto_dist"));
}

#[test]
fn implied_and_consumed_flags() {
    assert_eq!(
        run("-detached").unwrap()[3..5],
        s(&["-noshell", "-noinput"])
    );
    assert_eq!(run("-noinput").unwrap()[3..5], s(&["-noshell", "-noinput"]));
    assert_eq!(run("-epmd x").unwrap(), s(&["--", "--", "--", "--", "--"]));
    assert_eq!(run("-version").unwrap()[0], "-V");
}

#[test]
fn nested_files_expand_in_place_and_extra_ends_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let inner = dir.path().join("inner.args");
    std::fs::write(&inner, "-kernel a 1 -extra x\n").unwrap();
    let text = format!("-name n@h\n-args_file {}\n-sname s\n", inner.display());
    let got = run(&text).unwrap();
    assert_eq!(
        got,
        s(&[
            "--", "--", "--", "-name", "n@h", "-kernel", "a", "1", "-sname", "s", "--", "--",
            "-extra", "x", "--"
        ])
    );
}

#[test]
fn missing_and_cyclic_includes_are_errors() {
    let err = run("-args_file /nonexistent/x.args").unwrap_err();
    assert!(
        err.starts_with("Failed to open arguments file \"/nonexistent/x.args\" at \""),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.args");
    std::fs::write(&a, format!("-args_file {}\n", a.display())).unwrap();
    let text = std::fs::read_to_string(&a).unwrap();
    let mut read = |p: &Path| std::fs::read(p);
    let exp = expand(&a, text.into_bytes(), &mut read);
    assert!(exp.fatal.unwrap().message.contains("includes itself"));
}
