//! The release's `elixir` script (Elixir 1.14): its options become erl's command
//! line. `--cookie`, `--sname`/`--name`, `--erl-config`, `--vm-args`, `--boot` and
//! `--boot-var` become erl flags in order; `--erl` and `--hidden` are collected as
//! one string that is split later (unquoted); `--no-halt`, `--eval`, `--rpc-eval`,
//! `--remsh`, `+iex` and anything it does not know go after `-extra`; `--pipe-to`
//! wraps the whole line in `run_erl -daemon`, escaped.

use super::mix::{fields, ElixirCall};
use relkit_common::shell::Value;

fn k(text: &str) -> Value {
    Value::known(text)
}

/// The words the elixir script execs, given `erts_bin` (the bundled ERTS's `bin/`
/// relative to the script's directory `script_dir`, or none: `erl` from PATH) and the
/// value of `ELIXIR_ERL_OPTIONS` it sees (exported).
pub fn argv(
    call: &ElixirCall,
    script_dir: &Value,
    erts_bin: Option<&str>,
    erl_options: Option<&Value>,
) -> Vec<Value> {
    let mut args: Vec<Value> = Vec::new();
    if call.program == "iex" {
        args.extend([
            k("--no-halt"),
            k("--erl"),
            k("-noshell -user Elixir.IEx.CLI"),
            k("+iex"),
        ]);
    }
    args.extend(call.args.iter().cloned());
    let mut erl = String::new();
    let mut erl_unknown: Vec<String> = Vec::new();
    let mut flags: Vec<Value> = Vec::new();
    let mut extra: Vec<Value> = Vec::new();
    let mut iex = false;
    let mut pipe: Option<(Value, Value)> = None;
    let mut i = 0;
    let arg = |i: usize| args.get(i).cloned().unwrap_or_else(|| k(""));
    while i < args.len() {
        let word = &args[i];
        let Some(text) = word.as_known() else {
            // Only the distribution option can be unknown here (RELEASE_DISTRIBUTION
            // not known): it is a `--sname`/`--name` pair either way.
            if word.text.starts_with("--$") {
                flags.push(Value {
                    text: "-$RELEASE_DISTRIBUTION".into(),
                    unknown: word.unknown.clone(),
                });
                flags.push(arg(i + 1));
                i += 2;
                continue;
            }
            extra.extend(args[i..].iter().cloned());
            break;
        };
        let (shift, copy) = match text {
            "+iex" => {
                iex = true;
                (0, 1)
            }
            "+elixirc" | "-v" | "--no-halt" => (0, 1),
            "-e" | "-r" | "-pr" | "-pa" | "-pz" | "--app" | "--eval" | "--remsh" | "--dot-iex"
            | "--no-pry" => (0, 2),
            "--rpc-eval" => (0, 3),
            "--hidden" => {
                erl.push_str(" -hidden");
                (1, 0)
            }
            "--logger-otp-reports" | "--logger-sasl-reports" => {
                let value = arg(i + 1);
                if matches!(value.as_known(), Some("true" | "false")) {
                    let key = if text == "--logger-otp-reports" {
                        "handle_otp_reports"
                    } else {
                        "handle_sasl_reports"
                    };
                    erl.push_str(&format!(" -logger {key} {}", value.text));
                }
                (2, 0)
            }
            "--erl" => {
                let value = arg(i + 1);
                erl.push(' ');
                erl.push_str(&value.text);
                erl_unknown.extend(value.unknown.iter().cloned());
                (2, 0)
            }
            "--cookie" => {
                flags.extend([k("-setcookie"), arg(i + 1)]);
                (2, 0)
            }
            "--sname" | "--name" => {
                flags.extend([k(&text[1..]), arg(i + 1)]);
                (2, 0)
            }
            "--erl-config" => {
                flags.extend([k("-config"), arg(i + 1)]);
                (2, 0)
            }
            "--vm-args" => {
                flags.extend([k("-args_file"), arg(i + 1)]);
                (2, 0)
            }
            "--boot" => {
                flags.extend([k("-boot"), arg(i + 1)]);
                (2, 0)
            }
            "--boot-var" => {
                flags.extend([k("-boot_var"), arg(i + 1), arg(i + 2)]);
                (3, 0)
            }
            "--pipe-to" => {
                pipe = Some((arg(i + 1), arg(i + 2)));
                (3, 0)
            }
            "--werl" => (1, 0),
            _ => {
                extra.extend(args[i..].iter().cloned());
                break;
            }
        };
        let copied = copy.min(args.len() - i);
        extra.extend(args[i..i + copied].iter().cloned());
        i += copied + shift;
    }
    let mut erl_words = if iex {
        String::new()
    } else {
        "-noshell -s elixir start_cli".to_string()
    };
    erl_words.push_str(&erl);
    let erl_value = Value {
        text: erl_words,
        unknown: erl_unknown,
    };
    let program = |name: &str| match erts_bin {
        Some(bin) => Value {
            text: format!("{}{bin}{name}", script_dir.text),
            unknown: script_dir.unknown.clone(),
        },
        None => k(name),
    };
    let mut words = vec![program("erl")];
    if let Some(options) = erl_options {
        words.extend(fields(options));
    }
    words.extend(fields(&erl_value));
    words.extend(flags);
    words.push(k("-extra"));
    words.extend(extra);
    match pipe {
        None => words,
        Some((pipe, log)) => {
            let mut escaped = Value::known("");
            for word in &words {
                escaped.text.push(' ');
                escaped.text.push_str(&escape(&word.text));
                for u in &word.unknown {
                    if !escaped.unknown.contains(u) {
                        escaped.unknown.push(u.clone());
                    }
                }
            }
            let slash = |v: Value| Value {
                text: format!("{}/", v.text),
                unknown: v.unknown,
            };
            vec![
                program("run_erl"),
                k("-daemon"),
                slash(pipe),
                slash(log),
                escaped,
            ]
        }
    }
}

/// `sed 's/[^a-zA-Z0-9_\-\/]/\\&/g'`: a backslash before every byte but letters,
/// digits, `_`, `\` and `/` (in the bracket, `\-\` is the range from `\` to `\`, so
/// `-` is escaped too).
pub(crate) fn escape(word: &str) -> String {
    let mut out = String::with_capacity(word.len() * 2);
    for ch in word.chars() {
        if !(ch.is_ascii_alphanumeric() || matches!(ch, '_' | '\\' | '/')) {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_erl_escapes_as_the_script_s_sed_does() {
        assert_eq!(escape("/a/b_c/erl"), "/a/b_c/erl");
        assert_eq!(escape("-noshell"), "\\-noshell");
        assert_eq!(escape("0.1.0"), "0\\.1\\.0");
        assert_eq!(escape("a\\b"), "a\\b");
        assert_eq!(escape("x=y z"), "x\\=y\\ z");
    }

    #[test]
    fn iex_and_hidden_options_go_where_the_script_puts_them() {
        let call = ElixirCall {
            program: "iex",
            args: vec![
                k("--werl"),
                k("--hidden"),
                k("--cookie"),
                k("c"),
                k("--remsh"),
                k("n"),
            ],
        };
        let words: Vec<String> = argv(&call, &k("/r/releases/1"), None, None)
            .into_iter()
            .map(|v| v.text)
            .collect();
        assert_eq!(
            words,
            [
                "erl",
                "-noshell",
                "-user",
                "Elixir.IEx.CLI",
                "-hidden",
                "-setcookie",
                "c",
                "-extra",
                "--no-halt",
                "+iex",
                "--remsh",
                "n"
            ]
        );
    }
}
