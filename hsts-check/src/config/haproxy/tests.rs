//! The HAProxy reader, model and predictions on small configurations.

use super::parse::words;
use super::*;

fn w(text: &str) -> Vec<String> {
    words(text.as_bytes(), 1).unwrap().unwrap().words
}

#[test]
fn words_as_haproxy_splits_them() {
    assert_eq!(
        w(
            r#"  http-response set-header Strict-Transport-Security "max-age=1; preload" if { ssl_fc } # note"#
        ),
        [
            "http-response",
            "set-header",
            "Strict-Transport-Security",
            "max-age=1; preload",
            "if",
            "{",
            "ssl_fc",
            "}"
        ]
    );
    assert_eq!(w(r#"a'b c'"d e" f\ g \x41\t"#), ["ab cd e", "f g", "A\t"]);
    assert_eq!(
        w("rspadd Strict-Transport-Security:\\ max-age=5"),
        ["rspadd", "Strict-Transport-Security: max-age=5"]
    );
    assert!(words(b"a \"b", 3).is_err());
    assert!(words(b"   # only a comment", 1).unwrap().is_none());
}

#[test]
fn responses_from_servers_and_from_haproxy() {
    let text = "defaults\n mode http\nfrontend fe\n bind :80\n bind :443 ssl crt /x.pem\n \
            http-request redirect scheme https code 301 unless { ssl_fc }\n \
            http-response set-header Strict-Transport-Security \"max-age=60\" if { ssl_fc } { status 200:399 }\n \
            default_backend be\nbackend be\n http-response add-header X-Stage a\n server s 127.0.0.1:9000\n\
            listen origin\n bind 127.0.0.1:9000\n http-request return status 200 hdr Strict-Transport-Security max-age=1 if { path /ok }\n\
            http-request return status 404\n";
    let m = model(&parse_text(text.as_bytes()).unwrap());
    let fe = m.proxy("fe").unwrap();
    let get = |https, path| {
        m.predict(
            fe,
            Request {
                https,
                host: "a",
                path,
            },
        )
    };
    assert_eq!(
        get(false, "/ok"),
        Prediction::Known {
            status: 301,
            headers: vec![]
        }
    );
    let h = |n: &str, v: &str| (n.to_string(), v.to_string());
    assert_eq!(
        get(true, "/ok"),
        Prediction::Known {
            status: 200,
            headers: vec![
                h("X-Stage", "a"),
                h("Strict-Transport-Security", "max-age=60")
            ]
        }
    );
    assert_eq!(
        get(true, "/no"),
        Prediction::Known {
            status: 404,
            headers: vec![h("X-Stage", "a")]
        }
    );
}
