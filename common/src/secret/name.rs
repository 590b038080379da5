//! The one rule for which names hold a secret: an environment variable (`-env NAME`,
//! `export NAME=` in env.sh), an application parameter (`-billing secret_key_base`),
//! or a key in an Erlang term (`{password, "..."}` in sys.config).
//!
//! A name is split into words at `_`, `-`, `.`, spaces and lower-to-upper case
//! changes (`dbPassword` is `DB PASSWORD`), compared without case. It is secret when:
//!
//! - one of its words contains one of [`SECRET_PARTS`] (`COOKIE`, `SECRET`,
//!   `PASSWORD`, `PASSWD`, `PASSPHRASE`, `CREDENTIAL`: long enough to be secret
//!   inside a word, as in `PGPASSWORD`), or is one of [`SECRET_WORDS`] (`TOKEN`,
//!   `AUTH`, `PASS`, `PWD`...: short, so whole words only), except that the shell's
//!   own `PWD` and `OLDPWD` (the working directory) are not;
//! - or its word `KEY` follows one of [`KEY_QUALIFIERS`] (`API_KEY`,
//!   `SECRET_KEY_BASE`, `PRIVATE_KEY`, `ACCESS_KEY`...), or the whole name is `KEY`;
//!
//! and its last word is not in [`REFERENCE_WORDS`]: `COOKIE_NAME`, `SSL_KEY_PATH`,
//! `TOKEN_URL` and `AWS_ACCESS_KEY_ID` name or point at a secret without being one.
//! Words are whole words, so `KEYBOARD_LAYOUT`, `MONKEY` and `PASSENGER_COUNT` are
//! not secret.

/// Parts that make a word, and so its name, secret wherever they stand in it.
pub const SECRET_PARTS: &[&str] = &[
    "COOKIE",
    "CREDENTIAL",
    "PASSPHRASE",
    "PASSWD",
    "PASSWORD",
    "SECRET",
];

/// Whole words that make a name secret.
pub const SECRET_WORDS: &[&str] = &[
    "APIKEY",
    "AUTH",
    "CREDS",
    "PASS",
    "PRIVATEKEY",
    "PWD",
    "TOKEN",
    "TOKENS",
];

/// Words that make a following `KEY` a secret key rather than a lookup key.
pub const KEY_QUALIFIERS: &[&str] = &[
    "ACCESS",
    "API",
    "CLIENT",
    "ENCRYPTION",
    "HMAC",
    "JWT",
    "LICENSE",
    "MASTER",
    "PRIVATE",
    "SECRET",
    "SESSION",
    "SIGNING",
    "SSH",
    "SSL",
    "TLS",
];

/// Last words that make a name a reference to a secret (its file, its name, its
/// length), not the secret itself.
pub const REFERENCE_WORDS: &[&str] = &[
    "ALGORITHM",
    "DIR",
    "ENABLED",
    "FILE",
    "FILES",
    "FORMAT",
    "HOST",
    "ID",
    "LEN",
    "LENGTH",
    "METHOD",
    "MODE",
    "NAME",
    "PATH",
    "PORT",
    "SIZE",
    "TIMEOUT",
    "TTL",
    "TYPE",
    "URI",
    "URL",
    "USER",
    "USERNAME",
];

/// Shell variables that share a secret word but hold none.
const SHELL_VARIABLES: &[&str] = &["PWD", "OLDPWD"];

/// Whether a variable, parameter or key of this name holds a secret (the module's rule).
pub fn is_secret_name(name: &str) -> bool {
    let words = words(name);
    let Some(last) = words.last() else {
        return false;
    };
    if SHELL_VARIABLES.contains(&name.to_ascii_uppercase().as_str()) {
        return false;
    }
    if words.len() == 1 && last == "KEY" {
        return true;
    }
    if words.len() > 1 && REFERENCE_WORDS.contains(&last.as_str()) {
        return false;
    }
    words.iter().enumerate().any(|(i, word)| {
        SECRET_WORDS.contains(&word.as_str())
            || SECRET_PARTS.iter().any(|part| word.contains(part))
            || (word == "KEY" && i > 0 && KEY_QUALIFIERS.contains(&words[i - 1].as_str()))
    })
}

/// The upper-cased words of a name.
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_uppercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listed_names_are_secret() {
        for name in [
            "RELEASE_COOKIE",
            "COOKIE",
            "RELEASE_SECRET",
            "DB_PASSWORD",
            "PGPASSWORD",
            "RELEASE_COOKIES",
            "MYSQL_PASSWD",
            "DB_PWD",
            "DB_PASS",
            "GITHUB_TOKEN",
            "TOKEN",
            "KEY",
            "API_KEY",
            "STRIPE_API_KEY",
            "SECRET_KEY_BASE",
            "PRIVATE_KEY",
            "AWS_ACCESS_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "GOOGLE_APPLICATION_CREDENTIALS_JSON",
            "CREDENTIALS",
            "BASIC_AUTH",
            "AUTH",
            "GUARDIAN_SECRET",
            "SSH_PASSPHRASE",
            "APIKEY",
        ] {
            assert!(is_secret_name(name), "{name} should be secret");
        }
    }

    #[test]
    fn word_boundaries_keep_ordinary_names_clear() {
        for name in [
            "KEYBOARD_LAYOUT",
            "MONKEY",
            "PASSENGER_COUNT",
            "BYPASS_CACHE",
            "TOKENIZER",
            "AUTHOR",
            "ERL_MAX_PORTS",
            "RELEASE_NODE",
            "CACHE_KEY",
            "PRIMARY_KEY",
            "PUBLIC_KEY",
            "SORT_KEY",
            "",
            "_",
        ] {
            assert!(!is_secret_name(name), "{name} should not be secret");
        }
    }

    #[test]
    fn a_reference_to_a_secret_is_not_one() {
        for name in [
            "COOKIE_NAME",
            "SSL_KEY_PATH",
            "PRIVATE_KEY_FILE",
            "TOKEN_URL",
            "AWS_ACCESS_KEY_ID",
            "SECRET_LENGTH",
            "AUTH_MODE",
            "DB_PASSWORD_FILE",
        ] {
            assert!(!is_secret_name(name), "{name} should not be secret");
        }
    }

    #[test]
    fn the_shells_working_directory_is_not_a_password() {
        assert!(!is_secret_name("PWD"));
        assert!(!is_secret_name("OLDPWD"));
        assert!(!is_secret_name("pwd"));
        assert!(is_secret_name("DB_PWD"));
    }

    #[test]
    fn case_and_separators_do_not_matter() {
        for name in [
            "db_password",
            "Db_Password",
            "dbPassword",
            "DbPassword",
            "secretKeyBase",
            "secret_key_base",
            "api-key",
            "Release.Cookie",
            "apiKey",
        ] {
            assert!(is_secret_name(name), "{name} should be secret");
        }
        assert!(!is_secret_name("keyboardLayout"));
        assert!(!is_secret_name("cookieName"));
    }
}
