//! erl's args-file tokenizer, byte for byte (erts/etc/common/erlexec.c,
//! `build_args_from_string` with comments allowed, OTP 22.2 and later).
//!
//! Whitespace is exactly space, `\t`, `\n`, `\r`, `\f` and `\v`. A `#` at the start
//! of a word starts a comment to the end of the line; a `#` inside an unquoted word
//! ends the word and starts a comment. `'…'` and `"…"` quote literally, with no
//! escapes inside, and concatenate with what surrounds them. Outside quotes `\`
//! takes the next byte literally, newline included (it is not a line continuation).
//! An unterminated quote runs to the end of the input; a `\` at the very end is
//! dropped. A NUL byte ends the input (erl reads the file as a C string). No
//! variable expansion of any kind. Words are emitted even when empty (`""`).
//!
//! Besides the words, the tokenizer records what a user would not expect, so that
//! `check` can explain it: these are facts about the text, not errors, since erl
//! accepts all of them.

/// One word, as erl builds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub value: Vec<u8>,
    /// Byte offset of the word's first byte in the input.
    pub start: usize,
    /// Byte offset one past the word's last byte.
    pub end: usize,
    /// The word used quotes or backslashes, so its text differs from its value.
    pub quoted: bool,
}

/// A comment, kept so `render` can put it back where it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Offset of the `#`.
    pub start: usize,
    /// Offset of the end of the comment (the newline, NUL or end of input).
    pub end: usize,
    /// The comment cut a word short (`abc#def`): the `#` was glued to the word.
    pub glued: bool,
}

/// Something surprising in the text, at a byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Oddity {
    /// A quote opened at this offset is never closed: it runs to the end.
    UnterminatedQuote { at: usize },
    /// A backslash at the very end of the input: erl drops it.
    TrailingBackslash { at: usize },
    /// A backslash before a newline: the newline becomes part of the word and the
    /// next line is glued on.
    BackslashNewline { at: usize },
    /// A backslash just before the closing quote, inside quotes: it is literal there
    /// and the quote still closes (`'a \' b'` is two words).
    BackslashBeforeClosingQuote { at: usize },
    /// A NUL byte: erl stops reading here.
    NulByte { at: usize },
    /// A UTF-8 byte-order mark at the start: glued to the first word.
    ByteOrderMark,
    /// A carriage return before a newline (CRLF line endings).
    CarriageReturn { at: usize },
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tokens {
    pub tokens: Vec<Token>,
    pub comments: Vec<Comment>,
    pub oddities: Vec<Oddity>,
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Tokenize an args file. `allow_comments` is true for files and false for the
/// `ERL_*FLAGS` environment variables.
pub fn tokenize(input: &[u8], allow_comments: bool) -> Tokens {
    let mut out = Tokens::default();
    // The C code sees a NUL-terminated string: everything from the first NUL on is gone.
    let text = match input.iter().position(|&b| b == 0) {
        Some(nul) => {
            out.oddities.push(Oddity::NulByte { at: nul });
            &input[..nul]
        }
        None => input,
    };
    if text.starts_with(b"\xEF\xBB\xBF") {
        out.oddities.push(Oddity::ByteOrderMark);
    }
    for (i, pair) in text.windows(2).enumerate() {
        if pair == b"\r\n" {
            out.oddities.push(Oddity::CarriageReturn { at: i });
            break;
        }
    }

    let n = text.len();
    let mut p = 0;
    loop {
        // Skip whitespace and comments up to the next word.
        while p < n {
            let b = text[p];
            if is_space(b) {
                p += 1;
            } else if b == b'#' && allow_comments {
                p = skip_comment(text, p, false, &mut out.comments);
            } else {
                break;
            }
        }
        if p >= n {
            break;
        }
        let start = p;
        let mut value = Vec::new();
        let mut quoted = false;
        while p < n {
            let b = text[p];
            if is_space(b) {
                break;
            }
            match b {
                b'#' if allow_comments => {
                    // Ends the word; the comment is skipped by the outer loop.
                    out.tokens.push(Token {
                        value: std::mem::take(&mut value),
                        start,
                        end: p,
                        quoted,
                    });
                    p = skip_comment(text, p, true, &mut out.comments);
                    break;
                }
                b'"' | b'\'' => {
                    quoted = true;
                    let open = p;
                    p += 1;
                    match text[p..].iter().position(|&c| c == b) {
                        Some(close) => {
                            let inner = &text[p..p + close];
                            if inner.last() == Some(&b'\\') {
                                out.oddities.push(Oddity::BackslashBeforeClosingQuote {
                                    at: p + close - 1,
                                });
                            }
                            value.extend_from_slice(inner);
                            p += close + 1;
                        }
                        None => {
                            out.oddities.push(Oddity::UnterminatedQuote { at: open });
                            value.extend_from_slice(&text[p..]);
                            p = n;
                        }
                    }
                }
                b'\\' => {
                    quoted = true;
                    if p + 1 < n {
                        if text[p + 1] == b'\n' {
                            out.oddities.push(Oddity::BackslashNewline { at: p });
                        }
                        value.push(text[p + 1]);
                        p += 2;
                    } else {
                        out.oddities.push(Oddity::TrailingBackslash { at: p });
                        p += 1;
                    }
                }
                _ => {
                    value.push(b);
                    p += 1;
                }
            }
        }
        // A word cut by `#` was pushed above; every other word ends here.
        if out.tokens.last().is_none_or(|t| t.start != start) {
            out.tokens.push(Token {
                value,
                start,
                end: p,
                quoted,
            });
        }
    }
    out
}

/// Skip a comment starting at the `#` at `p`; return the offset of the newline
/// (or the end) that ends it.
fn skip_comment(text: &[u8], p: usize, glued: bool, comments: &mut Vec<Comment>) -> usize {
    let end = text[p..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(text.len(), |i| p + i);
    comments.push(Comment {
        start: p,
        end,
        glued,
    });
    end
}

/// The words erl builds from an args file: the file's words followed by the `--`
/// that erl appends to every non-empty file, or nothing for a file with no words.
pub fn file_words(tokens: &Tokens) -> Vec<Vec<u8>> {
    if tokens.tokens.is_empty() {
        return Vec::new();
    }
    let mut words: Vec<Vec<u8>> = tokens.tokens.iter().map(|t| t.value.clone()).collect();
    words.push(b"--".to_vec());
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &[u8]) -> Vec<String> {
        tokenize(text, true)
            .tokens
            .into_iter()
            .map(|t| String::from_utf8_lossy(&t.value).into_owned())
            .collect()
    }

    #[test]
    fn splits_on_the_six_whitespace_bytes_only() {
        assert_eq!(
            words(b"a b\tc\nd\re\x0bf\x0cg"),
            ["a", "b", "c", "d", "e", "f", "g"]
        );
        assert_eq!(words("a\u{a0}b".as_bytes()), ["a\u{a0}b"]);
    }

    #[test]
    fn hash_starts_a_comment_or_cuts_a_word() {
        assert_eq!(
            words(b"# comment\n-name a@b # trailing\n"),
            ["-name", "a@b"]
        );
        assert_eq!(
            words(b"-setcookie yG9=kF8#hV5!\nnext"),
            ["-setcookie", "yG9=kF8", "next"]
        );
        let t = tokenize(b"abc#def\n", true);
        assert!(t.comments[0].glued);
        assert_eq!(words(b"'a#b' \"c#d\" e\\#f"), ["a#b", "c#d", "e#f"]);
    }

    #[test]
    fn hash_is_literal_without_comments() {
        let t = tokenize(b"a#b c", false);
        let got: Vec<_> = t.tokens.iter().map(|t| t.value.clone()).collect();
        assert_eq!(got, [b"a#b".to_vec(), b"c".to_vec()]);
    }

    #[test]
    fn quotes_concatenate_and_take_no_escapes() {
        assert_eq!(words(b"-name \"foo\"@'bar'"), ["-name", "foo@bar"]);
        // erlang/otp#4183: the backslash is literal, the quote closes, and the last
        // quote opens a new one that runs to the end.
        let t = tokenize(b"'a \\' b'", true);
        assert_eq!(t.tokens.len(), 2);
        assert_eq!(t.tokens[0].value, b"a \\");
        assert_eq!(t.tokens[1].value, b"b");
        assert!(t
            .oddities
            .contains(&Oddity::BackslashBeforeClosingQuote { at: 3 }));
        assert!(t.oddities.contains(&Oddity::UnterminatedQuote { at: 7 }));
        assert_eq!(words(b"\"\" x"), ["", "x"]);
        assert_eq!(words(b"'it''s'"), ["its"]);
    }

    #[test]
    fn backslash_takes_any_next_byte_including_newline() {
        assert_eq!(
            words(b"-setcookie abc\\\n-name x"),
            ["-setcookie", "abc\n-name", "x"]
        );
        assert_eq!(words(b"a\\ b \\\\ \\'"), ["a b", "\\", "'"]);
        let t = tokenize(b"a\\\nb", true);
        assert_eq!(t.oddities, [Oddity::BackslashNewline { at: 1 }]);
    }

    #[test]
    fn unterminated_quote_runs_to_the_end() {
        let t = tokenize(b"\"unterminated\n-name x", true);
        assert_eq!(t.tokens.len(), 1);
        assert_eq!(t.tokens[0].value, b"unterminated\n-name x");
        assert_eq!(t.oddities, [Oddity::UnterminatedQuote { at: 0 }]);
    }

    #[test]
    fn trailing_backslash_is_dropped() {
        let t = tokenize(b"abc\\", true);
        assert_eq!(t.tokens[0].value, b"abc");
        assert_eq!(t.oddities, [Oddity::TrailingBackslash { at: 3 }]);
    }

    #[test]
    fn nul_ends_the_input() {
        let t = tokenize(b"a\0b c\n", true);
        assert_eq!(t.tokens.len(), 1);
        assert_eq!(t.oddities, [Oddity::NulByte { at: 1 }]);
    }

    #[test]
    fn bom_is_glued_to_the_first_word() {
        let t = tokenize(b"\xEF\xBB\xBF-name x\n", true);
        assert_eq!(t.tokens[0].value, b"\xEF\xBB\xBF-name");
        assert!(t.oddities.contains(&Oddity::ByteOrderMark));
    }

    #[test]
    fn crlf_is_whitespace_but_noted() {
        let t = tokenize(b"-name a@b\r\n-setcookie c\r\n", true);
        assert_eq!(t.tokens.len(), 4);
        assert_eq!(t.oddities, [Oddity::CarriageReturn { at: 9 }]);
    }

    #[test]
    fn spans_cover_the_written_word() {
        let t = tokenize(b"  -name 'a b'  x", true);
        assert_eq!((t.tokens[1].start, t.tokens[1].end), (8, 13));
        assert!(t.tokens[1].quoted);
        assert!(!t.tokens[2].quoted);
    }

    #[test]
    fn files_end_with_a_separator_unless_empty() {
        assert_eq!(
            file_words(&tokenize(b"# nothing\n", true)),
            Vec::<Vec<u8>>::new()
        );
        assert_eq!(
            file_words(&tokenize(b"a", true)),
            [b"a".to_vec(), b"--".to_vec()]
        );
    }
}
