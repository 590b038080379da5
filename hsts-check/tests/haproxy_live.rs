//! The predictions of `hsts_check::config::haproxy` against a live haproxy: 60 generated
//! configurations (a frontend on HTTP and HTTPS, two backends and a small origin in
//! the same file; `http-response` and `http-after-response` `set-header`,
//! `add-header` and `del-header` in the frontend and the backends, with `if`/`unless`
//! conditions on `ssl_fc`, `status`, named ACLs, `!` and `||`; redirects and
//! `return`s made by HAProxy itself in the frontend and a backend; an origin that
//! sends its own Strict-Transport-Security header). Every path is requested with curl
//! over HTTP and HTTPS; the status and the headers haproxy sent must be the predicted
//! ones.

use hsts_check::config::haproxy::{self, Prediction, Request};
use relkit_tests::{curl_get, require_peer, self_signed_cert, Rng, Server};
use std::path::Path;
use std::process::{Command, Stdio};

const NAMES: [&str; 2] = ["Strict-Transport-Security", "X-Stage"];
const VALUES: [&str; 4] = [
    "max-age=31536000; includeSubDomains",
    "max-age=300",
    "stage only",
    "max-age=0",
];
const CONDITIONS: [&str; 9] = [
    "",
    " if { ssl_fc }",
    " unless { ssl_fc }",
    " if { status 200 }",
    " if { status 400:599 }",
    " if is_tls",
    " if !{ ssl_fc } || { status 404 }",
    " if { ssl_fc } { status 200:299 }",
    " unless is_tls { status 301:302 }",
];
const PATHS: [&str; 6] = ["/a/ok", "/a/no", "/b/ok", "/b/x", "/r", "/down"];

fn header_rules(rng: &mut Rng, out: &mut String) {
    for _ in 0..rng.below(4) {
        let keyword = if rng.chance(70) {
            "http-response"
        } else {
            "http-after-response"
        };
        let name = NAMES[rng.below(NAMES.len())];
        let condition = CONDITIONS[rng.below(CONDITIONS.len())];
        let rule = match rng.below(5) {
            0 | 1 => format!("set-header {name} \"{}\"", VALUES[rng.below(VALUES.len())]),
            2 | 3 => format!("add-header {name} '{}'", VALUES[rng.below(VALUES.len())]),
            _ => format!("del-header {name}"),
        };
        out.push_str(&format!("    {keyword} {rule}{condition}\n"));
    }
}

fn config(rng: &mut Rng, dir: &Path) -> String {
    let d = dir.display();
    let mut out = String::from(
        "defaults\n    mode http\n    timeout connect 2s\n    timeout client 5s\n    timeout server 5s\n\n",
    );
    out.push_str(&format!(
        "frontend fe\n    bind 127.0.0.1:@HTTP@\n    bind 127.0.0.1:@HTTPS@ ssl crt {d}/combined.pem\n    acl is_tls ssl_fc\n"
    ));
    match rng.below(4) {
        0 => out.push_str("    http-request redirect scheme https code 301 unless { ssl_fc }\n"),
        1 => out.push_str("    redirect scheme https code 302 if !{ ssl_fc } { path_beg /r }\n"),
        _ => {}
    }
    if rng.chance(50) {
        out.push_str("    http-request return status 503 if { path_beg /down }\n");
    }
    header_rules(rng, &mut out);
    out.push_str("    use_backend be_a if { path_beg /a }\n    default_backend be_b\n\n");
    for backend in ["be_a", "be_b"] {
        out.push_str(&format!("backend {backend}\n    acl is_tls ssl_fc\n"));
        if backend == "be_b" && rng.chance(50) {
            out.push_str(
                "    http-request return status 404 hdr X-Stage made-here if { path_beg /b/x }\n",
            );
        }
        header_rules(rng, &mut out);
        out.push_str("    server origin 127.0.0.1:@ORIGIN@\n\n");
    }
    let own = if rng.chance(40) {
        " hdr Strict-Transport-Security \"max-age=1\""
    } else {
        ""
    };
    out.push_str(&format!(
        "listen origin\n    bind 127.0.0.1:@ORIGIN@\n    http-request return status 200 content-type text/plain string ok{own} if {{ path_end /ok }}\n    http-request return status 404\n"
    ));
    out
}

/// Status and the headers of interest, names lowercased (HAProxy sends them so).
fn get(curl: &Path, scheme: &str, port: u16, path: &str) -> (u16, Vec<(String, String)>) {
    let (status, headers) = curl_get(curl, scheme, "example.test", port, path);
    let headers = headers
        .into_iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v))
        .filter(|(n, _)| NAMES.iter().any(|k| k.eq_ignore_ascii_case(n)))
        .collect();
    (status, headers)
}

#[test]
fn predictions_are_what_a_live_haproxy_sends() {
    let (Some(haproxy_bin), Some(openssl), Some(curl)) = (
        require_peer("haproxy"),
        require_peer("openssl"),
        require_peer("curl"),
    ) else {
        return;
    };
    let certs = tempfile::tempdir().unwrap();
    self_signed_cert(&openssl, certs.path(), &["example.test"]);
    let mut combined = std::fs::read(certs.path().join("cert.pem")).unwrap();
    combined.extend(std::fs::read(certs.path().join("key.pem")).unwrap());
    let cases: usize = std::env::var("HAPROXY_LIVE_CASES").map_or(60, |n| n.parse().unwrap());
    let mut rng = Rng(0x5851_f42d_4c95_7f2d);
    let (mut requests, mut statuses, mut with_sts) = (0, std::collections::BTreeSet::new(), 0);
    for case in 0..cases {
        let work = tempfile::tempdir().unwrap();
        let dir = work.path();
        std::fs::write(dir.join("combined.pem"), &combined).unwrap();
        let template = config(&mut rng, dir);
        let file = dir.join("haproxy.cfg");
        let mut text = String::new();
        let (_running, ports) =
            Server::listening_on(3, &format!("case {case}: haproxy"), |ports| {
                text = template
                    .replace("@HTTPS@", &ports[1].to_string())
                    .replace("@HTTP@", &ports[0].to_string())
                    .replace("@ORIGIN@", &ports[2].to_string());
                std::fs::write(&file, &text).unwrap();
                let check = Command::new(&haproxy_bin)
                    .arg("-c")
                    .arg("-f")
                    .arg(&file)
                    .output()
                    .unwrap();
                assert!(
                    check.status.success(),
                    "case {case}: haproxy -c refuses:\n{}\n{text}",
                    String::from_utf8_lossy(&check.stderr)
                );
                Command::new(&haproxy_bin)
                    .arg("-db")
                    .arg("-f")
                    .arg(&file)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("haproxy starts")
            });
        let (http, https) = (ports[0], ports[1]);
        let sections = haproxy::parse_text(text.as_bytes()).expect("the generated file reads");
        let model = haproxy::model(&sections);
        let fe = model.proxy("fe").expect("the frontend");
        for path in PATHS {
            for (https, port) in [(false, http), (true, https)] {
                let scheme = if https { "https" } else { "http" };
                let host = format!("example.test:{port}");
                let Prediction::Known { status, headers } = model.predict(
                    fe,
                    Request {
                        https,
                        host: &host,
                        path,
                    },
                ) else {
                    panic!("case {case}: {scheme} {path} is not predicted");
                };
                let expected: Vec<(String, String)> = headers
                    .into_iter()
                    .map(|(n, v)| (n.to_ascii_lowercase(), v))
                    .filter(|(n, _)| NAMES.iter().any(|k| k.eq_ignore_ascii_case(n)))
                    .collect();
                let got = get(&curl, scheme, port, path);
                assert_eq!(
                    got,
                    (status, expected.clone()),
                    "case {case}: {scheme} {path}\n{text}"
                );
                requests += 1;
                statuses.insert(status);
                if expected
                    .iter()
                    .any(|(n, _)| n == "strict-transport-security")
                {
                    with_sts += 1;
                }
            }
        }
    }
    if cases < 60 {
        return;
    }
    assert!(requests >= 600, "{requests} requests");
    assert!(with_sts >= 100, "only {with_sts} responses had the header");
    for status in [200, 301, 302, 404, 503] {
        assert!(statuses.contains(&status), "no {status} among {statuses:?}");
    }
}
