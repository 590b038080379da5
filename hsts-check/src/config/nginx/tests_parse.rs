//! The nginx reader: words, blocks, includes and their errors.

use super::*;

#[test]
fn the_files_of_a_glob_are_taken_in_order_whatever_thread_read_them() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    std::fs::create_dir_all(dir.join("sites")).unwrap();
    for n in 0..30 {
        std::fs::write(
            dir.join(format!("sites/{n:02}.conf")),
            format!("server {{ server_name s{n}; }}\n"),
        )
        .unwrap();
    }
    std::fs::write(dir.join("sites/29.conf"), "server { server_name s29 }\n").unwrap();
    std::fs::write(dir.join("nginx.conf"), "http { include sites/*.conf; }\n").unwrap();
    let err = read(&dir.join("nginx.conf")).unwrap_err();
    assert!(
        err.file
            .as_ref()
            .is_some_and(|f| f.ends_with("sites/29.conf")),
        "{err:?}"
    );
    std::fs::write(dir.join("sites/29.conf"), "server { server_name s29; }\n").unwrap();
    let config = read(&dir.join("nginx.conf")).unwrap();
    let names: Vec<String> = config.files[1..]
        .iter()
        .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let expected: Vec<String> = (0..30).map(|n| format!("{n:02}.conf")).collect();
    assert_eq!(names, expected);
}

fn names(directives: &[Directive]) -> Vec<String> {
    directives.iter().map(|d| d.name.clone()).collect()
}

#[test]
fn words_quotes_escapes_and_comments() {
    let text = br#"
# a comment
http {
    add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always; # trailing
    return 200 'it\'s "ok"';
    set $a a\ b#c;
    if ($host = "x") { return 301 https://$host$request_uri; }
    rewrite ^/(.*)$ /${1}x last;
    log_format main "a\tb\\c\qd";
}
"#;
    let parsed = parse_text(text).unwrap();
    assert_eq!(names(&parsed), ["http"]);
    let http = parsed[0].block.as_ref().unwrap();
    assert_eq!(
        names(http),
        ["add_header", "return", "set", "if", "rewrite", "log_format"]
    );
    assert_eq!(
        http[0].args,
        [
            "Strict-Transport-Security",
            "max-age=31536000; includeSubDomains",
            "always"
        ]
    );
    assert_eq!((http[0].line, http[0].column), (4, 5));
    assert_eq!(http[1].args, ["200", "it's \"ok\""]);
    // A backslash keeps the space in the word, and stays (only quotes, backslash,
    // t, r and n are unescaped).
    assert_eq!(http[2].args, ["$a", "a\\ b#c"]);
    assert_eq!(http[3].args, ["($host", "=", "x", ")"]);
    assert_eq!(http[3].block.as_ref().unwrap()[0].name, "return");
    assert_eq!(http[4].args, ["^/(.*)$", "/${1}x", "last"]);
    assert_eq!(http[5].args, ["main", "a\tb\\c\\qd"]);
}

#[test]
fn what_nginx_refuses() {
    let cases: &[(&[u8], usize, usize, &str)] = &[
        (b"a;\n}", 2, 1, "unexpected \"}\""),
        (b"http {\n a;\n", 3, 1, "expecting \"}\""),
        (b"a b", 1, 4, "unexpected end of file"),
        (b";", 1, 1, "unexpected \";\""),
        (b"a {\n {", 2, 2, "unexpected \"{\""),
        (b"a \"b\"c;", 1, 6, "unexpected \"c\""),
        (b"a b }", 1, 5, "unexpected \"}\""),
        (b"a \"unterminated;\n", 2, 1, "unexpected end of file"),
    ];
    for (text, line, column, message) in cases {
        let error = parse_text(text).unwrap_err();
        assert!(
            error.message.contains(message),
            "{:?}: {error:?}",
            String::from_utf8_lossy(text)
        );
        assert_eq!(
            (error.line, error.column),
            (*line, *column),
            "{:?}: {error:?}",
            String::from_utf8_lossy(text)
        );
    }
    let long = format!("a {};", "x".repeat(5000));
    assert!(parse_text(long.as_bytes())
        .unwrap_err()
        .message
        .contains("too long"));
    let deep = "a {".repeat(300);
    assert!(parse_text(deep.as_bytes()).is_err());
}

#[test]
fn includes_follow_globs_in_order_relative_to_the_main_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("sites")).unwrap();
    std::fs::write(
        root.join("nginx.conf"),
        "http {\n    include sites/*.conf;\n    include missing/*.conf;\n}\n",
    )
    .unwrap();
    std::fs::write(root.join("sites/b.conf"), "server { listen 80; }\n").unwrap();
    std::fs::write(root.join("sites/a.conf"), "server { listen 443 ssl; }\n").unwrap();
    std::fs::write(root.join("sites/.hidden.conf"), "broken {\n").unwrap();
    let config = read(&root.join("nginx.conf")).unwrap();
    assert_eq!(config.files.len(), 3);
    let http = config.files[0].directives[0].block.as_ref().unwrap();
    assert_eq!(http[0].includes, [1, 2]);
    assert!(http[1].includes.is_empty());
    assert!(config.files[1].path.ends_with("sites/a.conf"));
    assert!(config.files[2].path.ends_with("sites/b.conf"));

    std::fs::write(root.join("loop.conf"), "include loop.conf;\n").unwrap();
    let error = read(&root.join("loop.conf")).unwrap_err();
    assert!(error.message.contains("include itself"), "{error}");

    std::fs::write(root.join("bad.conf"), "include nothing.conf;\n").unwrap();
    let error = read(&root.join("bad.conf")).unwrap_err();
    assert_eq!((error.line, error.column), (1, 1));
    assert!(error.message.contains("cannot read"), "{error}");
}
