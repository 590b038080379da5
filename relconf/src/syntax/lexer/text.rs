//! Text inside tokens: string parts, atom names, escapes, and numbers in any base.

use super::tokens::*;
use crate::syntax::ast::Error;

pub(super) fn push_text(parts: &mut Vec<Part>, buf: &mut Vec<u8>, last: bool) {
    if !buf.is_empty() {
        parts.push(Part::Text(std::mem::take(buf)));
    } else if last && parts.is_empty() {
        parts.push(Part::Text(Vec::new()));
    }
}

/// A string (`"`) or charlist (`'`) token.
pub(super) fn string_token(q: u8, parts: Vec<Part>) -> Tk {
    if q == b'"' {
        Tk::Str(parts)
    } else {
        Tk::Charlist(parts)
    }
}

pub(super) fn text_only(parts: &[Part]) -> Option<&[u8]> {
    match parts {
        [Part::Text(t)] => Some(t),
        _ => None,
    }
}

pub(super) fn atom_text(text: &[u8], at: usize) -> Result<String, Error> {
    let s = String::from_utf8(text.to_vec())
        .map_err(|_| Error::new("an atom's name is not valid UTF-8", at))?;
    if s.chars().count() > 255 {
        return Err(Error::new(
            "an atom's name is longer than 255 characters",
            at,
        ));
    }
    Ok(s)
}

/// The value of `?\x`: the character an escape letter stands for, or itself.
pub(super) fn unescape_char(c: u32) -> u32 {
    match char::from_u32(c) {
        Some('0') => 0,
        Some('a') => 7,
        Some('b') => 8,
        Some('d') => 127,
        Some('e') => 27,
        Some('f') => 12,
        Some('n') => 10,
        Some('r') => 13,
        Some('s') => 32,
        Some('t') => 9,
        Some('v') => 11,
        _ => c,
    }
}

pub(super) fn unescape_parts(parts: Vec<Part>, at: usize) -> Result<Vec<Part>, Error> {
    parts
        .into_iter()
        .map(|p| match p {
            Part::Text(t) => unescape(&t, at).map(Part::Text),
            code => Ok(code),
        })
        .collect()
}

/// Elixir's escapes in strings, charlists and quoted atoms.
pub fn unescape(text: &[u8], at: usize) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    let hex_run = |from: usize, max: usize| {
        text[from..]
            .iter()
            .take(max)
            .take_while(|c| c.is_ascii_hexdigit())
            .count()
    };
    let push_code = |out: &mut Vec<u8>, digits: &[u8]| -> Result<(), Error> {
        let value = u32::from_str_radix(std::str::from_utf8(digits).unwrap_or("x"), 16)
            .map_err(|_| Error::new("invalid escape", at))?;
        let ch = char::from_u32(value)
            .ok_or_else(|| Error::new("an escape names an invalid or reserved code point", at))?;
        let mut b = [0; 4];
        out.extend_from_slice(ch.encode_utf8(&mut b).as_bytes());
        Ok(())
    };
    while i < text.len() {
        if text[i] != b'\\' || i + 1 >= text.len() {
            out.push(text[i]);
            i += 1;
            continue;
        }
        let e = text[i + 1];
        i += 2;
        match e {
            b'x' | b'u' => {
                // `\xHH` is a byte; `\xH`, `\x{H..}`, `\uHHHH` and `\u{H..}` code points.
                let braced = (text.get(i) == Some(&b'{'))
                    .then(|| hex_run(i + 1, 7))
                    .filter(|n| (1..=6).contains(n) && text.get(i + 1 + n) == Some(&b'}'));
                if e == b'x' && hex_run(i, 2) == 2 {
                    let v =
                        u8::from_str_radix(std::str::from_utf8(&text[i..i + 2]).unwrap_or("x"), 16)
                            .map_err(|_| Error::new("invalid escape", at))?;
                    out.push(v);
                    i += 2;
                } else if e == b'x' && hex_run(i, 1) == 1 {
                    push_code(&mut out, &text[i..i + 1])?;
                    i += 1;
                } else if e == b'u' && hex_run(i, 4) == 4 {
                    push_code(&mut out, &text[i..i + 4])?;
                    i += 4;
                } else if let Some(n) = braced {
                    push_code(&mut out, &text[i + 1..i + 1 + n])?;
                    i += n + 2;
                } else if e == b'x' {
                    return Err(Error::new("invalid hex escape: expected \\xHH", at));
                } else {
                    return Err(Error::new(
                        "invalid Unicode escape: expected \\uHHHH or \\u{H*}",
                        at,
                    ));
                }
            }
            b'\n' => {}
            b'\r' if text.get(i) == Some(&b'\n') => i += 1,
            _ => {
                let v = unescape_char(u32::from(e));
                out.push(v as u8);
            }
        }
    }
    Ok(out)
}

/// Digits in `radix` as decimal, of any length.
pub(super) fn radix_to_decimal(digits: &[u8], radix: u32) -> String {
    // Little-endian limbs of 10^9.
    let mut limbs: Vec<u64> = vec![0];
    for &d in digits {
        let mut carry = u64::from((d as char).to_digit(16).unwrap_or(0));
        for limb in &mut limbs {
            let v = *limb * u64::from(radix) + carry;
            *limb = v % 1_000_000_000;
            carry = v / 1_000_000_000;
        }
        while carry > 0 {
            limbs.push(carry % 1_000_000_000);
            carry /= 1_000_000_000;
        }
    }
    let mut out = limbs.last().map(|l| l.to_string()).unwrap_or_default();
    for limb in limbs.iter().rev().skip(1) {
        out.push_str(&format!("{limb:09}"));
    }
    out
}
