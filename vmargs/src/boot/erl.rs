//! erl's reading of a command line: the words `erl -emu_args_exit` would list, and
//! the model of flags they give (through vmargs' own reader of args files).

use crate::erlexec::{classify, Word};
use crate::model::{Model, Parsed};
use relkit_common::shell::Value;
use std::path::Path;

/// erl's reading of the command line.
pub struct Erl {
    pub words: Vec<ErlWord>,
    pub model: Model,
    /// Why erl would not start, if it would not.
    pub fatal: Option<String>,
    pub parsed: Parsed,
}

pub struct ErlWord {
    pub word: Word,
    /// The index in `argv` of a word from the command line.
    pub argv_index: Option<usize>,
    pub secret: bool,
}

/// The words erl works with, as `erl -emu_args_exit` lists them less erl's own
/// `-root`/`-bindir`/`-progname`/`-home` and the `--` separators: `ERL_AFLAGS`, the
/// command line with each `-args_file` read in place, `ERL_FLAGS` and `ERL_ZFLAGS`,
/// then every `-extra` part. For `run_erl`, erl's line is its last word. An
/// `-args_file` whose name is not known here is left out (the notes say so).
pub fn effective(argv: &[Value], env_flags: &[Option<Value>; 3]) -> Option<Erl> {
    effective_with(argv, env_flags, &mut |p: &Path| std::fs::read(p))
}

/// [`effective`], with args files read through `read` (a file the start script
/// writes before it execs erl is given from memory).
pub fn effective_with(
    argv: &[Value],
    env_flags: &[Option<Value>; 3],
    read: &mut dyn FnMut(&Path) -> std::io::Result<Vec<u8>>,
) -> Option<Erl> {
    let program = argv.first()?;
    // The command line's words, each with its index in argv (none inside run_erl's).
    let cmd: Vec<(Value, Option<usize>)> = if program.text.ends_with("run_erl") {
        let words = shell_words::split(&argv.get(4)?.text).ok()?;
        words
            .into_iter()
            .skip(1)
            .map(|w| (Value::known(w), None))
            .collect()
    } else {
        argv.iter()
            .cloned()
            .zip((0..argv.len()).map(Some))
            .skip(1)
            .collect()
    };
    let mut line: Vec<(String, Option<usize>)> = Vec::new();
    let mut words = cmd.iter().peekable();
    while let Some((word, index)) = words.next() {
        if word.text == "-args_file" && words.peek().is_some_and(|(f, _)| !f.is_known()) {
            words.next();
            continue;
        }
        line.push((word.text.clone(), *index));
    }
    let split = |v: &Option<Value>| -> Vec<(String, Option<usize>)> {
        v.as_ref()
            .map(|v| {
                v.text
                    .split_whitespace()
                    .map(|w| (w.to_string(), None))
                    .collect()
            })
            .unwrap_or_default()
    };
    let [aflags, flags, zflags] = [
        split(&env_flags[0]),
        split(&env_flags[1]),
        split(&env_flags[2]),
    ];
    let cut = |words: &[(String, Option<usize>)]| {
        let at = words
            .iter()
            .position(|(w, _)| w == "-extra")
            .unwrap_or(words.len());
        (
            words[..at].to_vec(),
            words[at.min(words.len())..]
                .iter()
                .skip(1)
                .cloned()
                .collect::<Vec<_>>(),
        )
    };
    let (line_before, line_extra) = cut(&line);
    let env: Vec<_> = flags.into_iter().chain(zflags).collect();
    let (env_before, env_extra) = cut(&env);
    // One virtual top file, the words quoted back so the tokenizer gives them again:
    // a `-extra` in it sends the rest to the end, after the args files' own.
    let mut top: Vec<(String, Option<usize>)> = aflags;
    top.extend(line_before);
    top.extend(env_before);
    if line.iter().any(|(w, _)| w == "-extra") || !env_extra.is_empty() {
        let extra_index = line
            .iter()
            .find(|(w, _)| w == "-extra")
            .and_then(|(_, i)| *i);
        top.push(("-extra".into(), extra_index));
        top.extend(line_extra);
        top.extend(env_extra);
    }
    let mut bytes = Vec::new();
    for (word, _) in &top {
        bytes.extend(crate::render::quote(word.as_bytes()));
        bytes.push(b'\n');
    }
    let parsed = Parsed::new(Path::new("<command line>"), bytes, read);
    let fatal = parsed.fatal().map(|f| f.message.clone());
    let classified = classify(&parsed.expansion.words);
    let secret_origins = crate::doc::secret_origins(&parsed);
    let words = classified
        .argv()
        .into_iter()
        .filter(|w| !(w.is("--") && w.origin.is_none()))
        .map(|w| {
            let argv_index = w
                .origin
                .filter(|o| o.file == 0)
                .and_then(|o| top.get(o.token))
                .and_then(|(_, i)| *i);
            let secret = w.origin.is_some_and(|o| secret_origins.contains(&o));
            ErlWord {
                word: w,
                argv_index,
                secret,
            }
        })
        .collect();
    let model = parsed.model.clone();
    Some(Erl {
        words,
        model,
        fatal,
        parsed,
    })
}

impl Erl {
    /// `finding` placed at the word `origin` came from (its file, line and columns).
    pub fn place(
        &self,
        finding: relkit_common::Finding,
        origin: crate::erlexec::Origin,
    ) -> relkit_common::Finding {
        let place = self.parsed.place(origin);
        finding
            .in_file(
                self.parsed.expansion.files[origin.file]
                    .name
                    .display()
                    .to_string(),
            )
            .at(place.line, place.column, place.end_column)
    }
}
