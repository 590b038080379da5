//! The bytes and words: quoting, escapes, line endings, what erl refuses, `-args_file`.

use super::context::{hint, show, Ctx, Unit};
use crate::codes::*;
use crate::erlexec::Fatal;
use crate::erlexec::Origin;
use crate::tokenize::Oddity;
use relkit_common::Severity;

pub(super) fn lexical(cx: &mut Ctx) {
    let files = cx.unit.parsed.expansion.files.len();
    for file in 0..files {
        let source = &cx.unit.parsed.expansion.files[file];
        let oddities = source.tokens.oddities.clone();
        let comments = source.tokens.comments.clone();
        let bad_utf8: Vec<usize> = source
            .tokens
            .tokens
            .iter()
            .enumerate()
            .filter(|(_, t)| std::str::from_utf8(&t.value).is_err())
            .map(|(i, _)| i)
            .collect();
        for oddity in oddities {
            match oddity {
                Oddity::UnterminatedQuote { at } => {
                    let f = cx.at_offset(file, at, 1, Severity::Error, CODE_UNTERMINATED_QUOTE,
                        "this quote is never closed: erl takes everything up to the end of the file into one word".into());
                    hint(f, "close the quote on the same line");
                }
                Oddity::TrailingBackslash { at } => {
                    let f = cx.at_offset(
                        file,
                        at,
                        1,
                        Severity::Warning,
                        CODE_TRAILING_BACKSLASH,
                        "a backslash at the very end of the file is dropped by erl".into(),
                    );
                    hint(f, "remove it, or add the character it was meant to escape");
                }
                Oddity::BackslashNewline { at } => {
                    let f = cx.at_offset(file, at, 1, Severity::Error, CODE_BACKSLASH_NEWLINE,
                        "a backslash before the end of the line is not a line continuation: erl puts the newline into the word and glues the next line onto it".into());
                    hint(
                        f,
                        "remove the backslash and put the flag's values on one line",
                    );
                }
                Oddity::BackslashBeforeClosingQuote { at } => {
                    let f = cx.at_offset(file, at, 2, Severity::Warning, CODE_BACKSLASH_IN_QUOTES,
                        "backslashes do not escape inside quotes: this quote closes here and the backslash is part of the value".into());
                    hint(f, "to put a quote in a value, use the other kind of quote around it, or write \\' outside quotes");
                }
                Oddity::NulByte { at } => {
                    let f = cx.at_offset(
                        file,
                        at,
                        1,
                        Severity::Error,
                        CODE_NUL_BYTE,
                        "a NUL byte: erl stops reading the file here and ignores the rest".into(),
                    );
                    hint(
                        f,
                        "remove the NUL byte (the file may be corrupt or UTF-16 encoded)",
                    );
                }
                Oddity::ByteOrderMark => {
                    let f = cx.at_offset(file, 0, 3, Severity::Error, CODE_BYTE_ORDER_MARK,
                        "a UTF-8 byte-order mark: erl glues it to the first word, so that flag is no longer a flag".into());
                    hint(f, "save the file as UTF-8 without a BOM");
                }
                Oddity::CarriageReturn { at } => {
                    let f = cx.at_offset(file, at, 1, Severity::Warning, CODE_CRLF,
                        "CRLF line endings: erl copes, but start scripts that grep vm.args keep the \\r in the node name and cookie".into());
                    hint(f, "convert the file to LF line endings (dos2unix)");
                }
            }
        }
        for c in comments.iter().filter(|c| c.glued) {
            let severity = if glued_to_secret_or_name(cx.unit, file, c.start) {
                Severity::Error
            } else {
                Severity::Warning
            };
            let f = cx.at_offset(file, c.start, 1, severity, CODE_HASH_CUTS_WORD,
                "`#` inside a word starts a comment: erl ends the word here and ignores the rest of the line".into());
            hint(f, "quote the value ('a#b') or escape the # (a\\#b)");
        }
        for token in bad_utf8 {
            let f = cx.at_origin(
                Some(Origin { file, token }),
                Severity::Warning,
                CODE_NON_UTF8,
                "this word is not valid UTF-8".into(),
            );
            hint(f, "save the file as UTF-8");
        }
    }
}

/// Whether the word cut short by a `#` at `offset` is a cookie or a node name.
fn glued_to_secret_or_name(unit: &Unit, file: usize, offset: usize) -> bool {
    let tokens = &unit.parsed.expansion.files[file].tokens.tokens;
    // Tokens are in file order, so their ends are sorted.
    let Ok(index) = tokens.binary_search_by_key(&offset, |t| t.end) else {
        return false;
    };
    index > 0
        && matches!(
            tokens[index - 1].value.as_slice(),
            b"-setcookie" | b"-name" | b"-sname"
        )
}

pub(super) fn refused(cx: &mut Ctx, fatal: &Fatal) {
    let m = &fatal.message;
    let (code, hint_text) = if m.starts_with("Missing argument(s)") {
        (
            CODE_MISSING_VALUE,
            "give the flag its value on the same line",
        )
    } else if m.contains("'-smp disable'") {
        (CODE_SMP_DISABLE, "remove it; to run one scheduler use +S 1")
    } else if m.contains("'-start_epmd'") {
        (
            CODE_BAD_START_EPMD,
            "write -start_epmd true or -start_epmd false",
        )
    } else if m.starts_with("Failed to open arguments file") {
        (
            CODE_MISSING_ARGS_FILE,
            "erl opens -args_file paths relative to its working directory; use an absolute path",
        )
    } else if m.contains("includes itself") {
        (
            CODE_ARGS_FILE_CYCLE,
            "remove the -args_file line that closes the loop",
        )
    } else {
        (CODE_ERL_REFUSES, "remove or fix the flag")
    };
    let f = cx.at_origin(
        fatal.at,
        Severity::Error,
        code,
        format!("erl refuses to start: {m}"),
    );
    hint(f, hint_text);
}

pub(super) fn includes(cx: &mut Ctx) {
    let includes = cx.unit.parsed.expansion.includes.clone();
    for inc in includes {
        if !inc.name.starts_with(b"/") {
            let origin = Some(Origin {
                file: inc.at.file,
                token: inc.at.token + 1,
            });
            let f = cx.at_origin(origin, Severity::Warning, CODE_RELATIVE_ARGS_FILE,
                format!("-args_file {} is relative: erl opens it from its working directory, not from this file's directory", show(&inc.name)));
            hint(
                f,
                "use an absolute path (a release's start script runs erl from varying directories)",
            );
        }
    }
}
