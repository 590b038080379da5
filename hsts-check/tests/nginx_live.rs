//! The header predictions of `hsts_check::config::nginx` against a live nginx: 300
//! generated configurations (add_header at the http, server, location, nested
//! location and `if` levels, with and without `always`, every quoting, values from
//! `map`s on `$scheme`, `$https`, `$server_name` and `$host` and from `set`, `if` on
//! the scheme at server and location level, `return` with 200, 204, 301, 404 and
//! 410, `error_page 404` at server or location level, includes by glob), each
//! started on loopback with a self-signed certificate; every location
//! and a path no location matches is requested over HTTP and HTTPS, and the status
//! and the headers nginx sent must be the predicted ones.

use hsts_check::config::nginx;
use hsts_check::config::nginx::Prediction;
use relkit_tests::{curl_get, require_peer, self_signed_cert, Rng, Server};
use std::path::Path;
use std::process::{Command, Stdio};

const NAMES: [&str; 3] = ["Strict-Transport-Security", "X-Stage", "X-Frame-Options"];
const VALUES: [&str; 9] = [
    "max-age=31536000; includeSubDomains",
    "max-age=300",
    "DENY",
    "stage only",
    "",
    // From the maps every configuration has, and a `set` some levels make.
    "$hsts",
    "$hsts_by_https",
    "max-age=$age",
    "$server_env",
];

fn add_headers(rng: &mut Rng, out: &mut String, indent: &str) {
    for _ in 0..rng.below(3) {
        let name = NAMES[rng.below(NAMES.len())];
        let value = VALUES[rng.below(VALUES.len())];
        let quoted = if rng.chance(50) {
            format!("\"{value}\"")
        } else {
            format!("'{value}'")
        };
        let always = if rng.chance(50) { " always" } else { "" };
        out.push_str(&format!("{indent}add_header {name} {quoted}{always};\n"));
    }
}

fn location(rng: &mut Rng, out: &mut String, paths: &mut Vec<String>, prefix: &str, depth: usize) {
    let path = format!("{prefix}/l{}", paths.len());
    paths.push(path.clone());
    let indent = "    ".repeat(depth + 2);
    out.push_str(&format!("{indent}location {path} {{\n"));
    let inner = format!("{indent}    ");
    add_headers(rng, out, &inner);
    if rng.chance(20) {
        out.push_str(&format!("{inner}set $server_env \"loc-$scheme\";\n"));
    }
    match rng.below(8) {
        0 => out.push_str(&format!(
            "{inner}if ($request_method = POST) {{ add_header X-Stage post always; return 403; }}\n"
        )),
        1 => {
            out.push_str(&format!("{inner}if ($scheme = https) {{\n"));
            add_headers(rng, out, &format!("{inner}    "));
            out.push_str(&format!("{inner}}}\n"));
        }
        2 => out.push_str(&format!(
            "{inner}if ($https) {{ add_header X-Frame-Options \"$hsts_by_https\"; }}\n"
        )),
        _ => {}
    }
    if rng.chance(20) {
        out.push_str(&format!("{inner}error_page 404 /404.html;\n"));
    }
    match rng.below(6) {
        0 => out.push_str(&format!("{inner}return 200 \"ok\\n\";\n")),
        1 => out.push_str(&format!("{inner}return 301 https://example.test/;\n")),
        2 => out.push_str(&format!("{inner}return 204;\n")),
        3 => out.push_str(&format!("{inner}return 410;\n")),
        4 => out.push_str(&format!("{inner}return 404;\n")),
        _ => {}
    }
    if depth < 2 {
        for _ in 0..rng.below(3) {
            location(rng, out, paths, &path, depth + 1);
        }
    }
    out.push_str(&format!("{indent}}}\n"));
}

/// A server block and the paths worth requesting from it.
/// The ports are written `@HTTP@` and `@HTTPS@`, filled in when nginx starts.
fn server(rng: &mut Rng, name: &str, dir: &Path) -> (String, Vec<String>) {
    let d = dir.display();
    let mut out = format!(
        "    server {{\n        listen 127.0.0.1:@HTTP@;\n        listen 127.0.0.1:@HTTPS@ ssl;\n        server_name {name};\n        ssl_certificate {d}/cert.pem;\n        ssl_certificate_key {d}/key.pem;\n"
    );
    if rng.chance(25) {
        out.push_str("        if ($scheme = http) { return 301 https://$host$request_uri; }\n");
    }
    if rng.chance(25) {
        out.push_str("        set $server_env \"server-$host\";\n");
    }
    add_headers(rng, &mut out, "        ");
    if rng.chance(40) {
        out.push_str("        error_page 404 /404.html;\n");
    }
    let mut paths = Vec::new();
    for _ in 0..1 + rng.below(3) {
        location(rng, &mut out, &mut paths, "", 0);
    }
    out.push_str("    }\n");
    paths.push("/nothing-here".into());
    (out, paths)
}

#[test]
fn predictions_are_what_a_live_nginx_sends() {
    let (Some(nginx_bin), Some(openssl), Some(curl)) = (
        require_peer("nginx"),
        require_peer("openssl"),
        require_peer("curl"),
    ) else {
        return;
    };
    let certs = tempfile::tempdir().unwrap();
    self_signed_cert(&openssl, certs.path(), &["example.test", "*.example.test"]);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut requests, mut statuses) = (0, std::collections::BTreeSet::new());
    let cases: usize = std::env::var("NGINX_LIVE_CASES").map_or(300, |n| n.parse().unwrap());
    for case in 0..cases {
        let work = tempfile::tempdir().unwrap();
        let dir = work.path();
        for file in ["cert.pem", "key.pem"] {
            std::fs::copy(certs.path().join(file), dir.join(file)).unwrap();
        }
        std::fs::create_dir_all(dir.join("sites")).unwrap();
        std::fs::create_dir_all(dir.join("tmp")).unwrap();
        let d = dir.display();
        let mut conf = format!(
            "events {{ worker_connections 64; }}\nhttp {{\n    access_log off;\n    client_body_temp_path {d}/tmp; proxy_temp_path {d}/tmp; fastcgi_temp_path {d}/tmp;\n    uwsgi_temp_path {d}/tmp; scgi_temp_path {d}/tmp;\n"
        );
        conf.push_str(concat!(
            "    map $scheme $hsts { https \"max-age=63072000; includeSubDomains\"; default \"\"; }\n",
            "    map $https $hsts_by_https { on 'max-age=600'; default ''; }\n",
            "    map $server_name $age { s0.example.test 100; default 200; }\n",
            "    map $host $server_env { S1.EXAMPLE.TEST one; default other; }\n",
        ));
        add_headers(&mut rng, &mut conf, "    ");
        let mut targets = Vec::new();
        let mut files = Vec::new();
        for s in 0..1 + rng.below(2) {
            let name = format!("s{s}.example.test");
            let (block, paths) = server(&mut rng, &name, dir);
            if s == 1 && rng.chance(50) {
                files.push((format!("sites/{s}.conf"), block));
            } else {
                conf.push_str(&block);
            }
            targets.push((name, paths));
        }
        conf.push_str("    include sites/*.conf;\n}\n");
        files.insert(0, ("nginx.conf".to_string(), conf));
        // SIGTERM at the end stops the master and, with it, its worker.
        let (_running, ports) = Server::listening_on(2, &format!("case {case}: nginx"), |ports| {
            for (name, text) in &files {
                let text = text
                    .replace("@HTTPS@", &ports[1].to_string())
                    .replace("@HTTP@", &ports[0].to_string());
                std::fs::write(dir.join(name), text).unwrap();
            }
            Command::new(&nginx_bin)
                .arg("-p")
                .arg(dir)
                .arg("-c")
                .arg(dir.join("nginx.conf"))
                .arg("-g")
                .arg(format!(
                    "daemon off; pid {d}/nginx.pid; error_log {d}/error.log;"
                ))
                .stderr(Stdio::null())
                .spawn()
                .expect("nginx starts")
        });
        let (http, https) = (ports[0], ports[1]);
        let conf = std::fs::read_to_string(dir.join("nginx.conf")).unwrap();
        let config = nginx::read(&dir.join("nginx.conf")).expect("the generated file reads");
        let servers = nginx::servers(&config);
        for (name, paths) in &targets {
            let model = servers
                .iter()
                .find(|s| s.names.contains(name))
                .expect("the model has the server");
            for path in paths {
                for (scheme, port) in [("http", http), ("https", https)] {
                    let request = nginx::Request {
                        scheme,
                        host: name,
                        path,
                    };
                    let Prediction::Known {
                        status, headers, ..
                    } = nginx::predict(model, request)
                    else {
                        panic!("case {case}: {scheme} {path} is not predicted");
                    };
                    let mut expected: Vec<(String, String)> = headers;
                    expected.sort();
                    let (got_status, got) = curl_get(&curl, scheme, name, port, path);
                    let mut got: Vec<(String, String)> = got
                        .into_iter()
                        .filter(|(n, _)| NAMES.iter().any(|k| k.eq_ignore_ascii_case(n)))
                        .collect();
                    got.sort();
                    assert_eq!(
                        (got_status, &got),
                        (status, &expected),
                        "case {case}: {scheme} {name}{path}\n{conf}"
                    );
                    requests += 1;
                    statuses.insert(got_status);
                }
            }
        }
    }
    if cases < 300 {
        return;
    }
    assert!(requests >= 2000, "{requests} requests");
    for status in [200, 204, 301, 404, 410] {
        assert!(statuses.contains(&status), "no {status} among {statuses:?}");
    }
}
