//! `hsts-check config` as a command: the example's nginx and HAProxy configuration,
//! each finding on a configuration written to have it, the document, bad input.

use predicates::str::contains;
use relkit_tests::{example_dir, require_peer, self_signed_cert, tool};
use serde_json::Value;
use std::path::Path;

fn hsts() -> assert_cmd::Command {
    tool("hsts-check")
}

/// The findings `config --json` prints for FILE, as (code, file name, line).
fn findings(dir: &Path, args: &[&str]) -> (Value, Vec<(String, String, u64)>) {
    let out = hsts()
        .current_dir(dir)
        .arg("config")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["kind"], "hsts-check.config");
    let list = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                Path::new(f["path"].as_str().unwrap_or(""))
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                f["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    (doc, list)
}

fn has(list: &[(String, String, u64)], code: &str, file: &str, line: u64) -> bool {
    list.iter()
        .any(|(c, f, l)| c == code && f == file && *l == line)
}

#[test]
fn the_example_nginx_names_the_stage_trap_before_any_request() {
    hsts()
        .current_dir(example_dir())
        .args(["config", "nginx/nginx.conf"])
        .assert()
        .code(1)
        .stdout(contains("stage.example.com: plain HTTP only; no policy of its own; covered by example.com's includeSubDomains"))
        .stdout(contains("nginx/sites-enabled/billing_stage:2:1: error[forced-https-without-https]: the stage trap"))
        .stdout(contains("nginx/sites-enabled/billing_prod:27:9: warning[header-dropped]"));
    let (doc, list) = findings(&example_dir(), &["nginx/nginx.conf"]);
    assert!(has(&list, "forced-https-without-https", "billing_stage", 2));
    assert!(has(&list, "header-dropped", "billing_prod", 27));
    assert_eq!(list.len(), 2, "{list:?}");
    // Every file nginx reads, includes by glob and name.
    let files: Vec<&str> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(files.len(), 5, "{files:?}");
    // The question a script asks: which locations of billing_prod send HSTS on a 404?
    let on_404: Vec<&str> = doc["servers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["file"].as_str().unwrap().ends_with("billing_prod"))
        .flat_map(|s| s["levels"].as_array().unwrap())
        .filter(|l| {
            l["sts"]["https"]["error"]
                .as_array()
                .is_some_and(|v| !v.is_empty())
        })
        .map(|l| l["level"].as_str().unwrap())
        .collect();
    assert_eq!(
        on_404,
        ["server", "location /", "location = /maintenance.html"]
    );
}

#[test]
fn the_example_haproxy_names_the_stage_trap_too() {
    let (doc, list) = findings(&example_dir(), &["haproxy/haproxy.cfg"]);
    assert!(
        has(&list, "forced-https-without-https", "haproxy.cfg", 23),
        "{list:?}"
    );
    assert!(
        has(&list, "header-missing-on-errors", "haproxy.cfg", 19),
        "{list:?}"
    );
    let names: Vec<&str> = doc["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["example.com", "www.example.com", "stage.example.com"]
    );
    assert_eq!(doc["servers"][0]["software"], "haproxy");
    // Both together: one report, and one trap for the one name (a browser sees one
    // stage.example.com, whichever server answers it).
    let (_, both) = findings(
        &example_dir(),
        &[
            "--nginx",
            "nginx/nginx.conf",
            "--haproxy",
            "haproxy/haproxy.cfg",
        ],
    );
    let traps = both
        .iter()
        .filter(|(c, _, _)| c == "forced-https-without-https")
        .count();
    assert_eq!(traps, 1, "{both:?}");
    assert!(has(&both, "header-dropped", "billing_prod", 27), "{both:?}");
    assert!(
        has(&both, "header-missing-on-errors", "haproxy.cfg", 19),
        "{both:?}"
    );
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn each_nginx_finding_on_the_line_that_causes_it() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "nginx.conf",
        r#"events {}
http {
    map $scheme $hsts { https "max-age=600"; }
    server {
        listen 80;
        listen 443 ssl;
        server_name both.example.test;
        add_header Strict-Transport-Security "max-age=31536000";
        add_header Strict-Transport-Security "max-age=300" always;
    }
    server {
        listen 80;
        listen 443 ssl;
        server_name mapped.example.test;
        add_header Strict-Transport-Security $hsts always;
        location /static { add_header Cache-Control public; }
        location /app { proxy_pass http://127.0.0.1:4000; }
    }
    server {
        listen 443 ssl;
        server_name bad.example.test;
        add_header Strict-Transport-Security "max-age=1; preload; includeSubDomains=1" always;
        add_header X-Check 1;
    }
    server {
        listen 443 ssl;
        server_name early.example.test;
        add_header Strict-Transport-Security "max-age=300; preload" always;
        location /r { return 200; }
    }
    server {
        listen 443 ssl;
        server_name req.example.test;
        add_header Strict-Transport-Security "max-age=$arg_age" always;
    }
}
"#,
    );
    let (_, list) = findings(dir.path(), &["nginx.conf"]);
    // The first server: without `always`, two headers, both over plain HTTP too.
    assert!(
        has(&list, "header-missing-on-errors", "nginx.conf", 8),
        "{list:?}"
    );
    assert!(has(&list, "duplicate-header", "nginx.conf", 9), "{list:?}");
    assert!(has(&list, "sts-over-http", "nginx.conf", 8), "{list:?}");
    assert!(has(&list, "sts-over-http", "nginx.conf", 9), "{list:?}");
    // The map sends nothing over HTTP: no sts-over-http at line 15; the location's
    // own add_header drops it; the upstream may send its own.
    assert!(!has(&list, "sts-over-http", "nginx.conf", 15), "{list:?}");
    assert!(has(&list, "header-dropped", "nginx.conf", 16), "{list:?}");
    assert!(has(&list, "duplicate-header", "nginx.conf", 17), "{list:?}");
    // A value browsers ignore; preload without its requirements.
    assert!(has(&list, "invalid-header", "nginx.conf", 22), "{list:?}");
    assert!(
        has(&list, "preload-eligibility", "nginx.conf", 28),
        "{list:?}"
    );
    // A value decided per request is said to be so, not guessed.
    assert!(has(&list, "value-unresolved", "nginx.conf", 34), "{list:?}");
}

#[test]
fn each_haproxy_finding_on_the_line_that_causes_it() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "haproxy.cfg",
        r#"defaults
    mode http
frontend fe
    bind :80
    bind :443 ssl crt site.pem
    http-response set-header Strict-Transport-Security "max-age=600"
    http-response add-header Strict-Transport-Security "max-age=600" if { ssl_fc }
    rspadd X-Legacy:\ 1
    default_backend be
backend be
    http-response del-header Strict-Transport-Security if { status 404 }
    server app 10.0.0.1:4000
"#,
    );
    let (_, list) = findings(dir.path(), &["haproxy.cfg"]);
    assert!(has(&list, "sts-over-http", "haproxy.cfg", 6), "{list:?}");
    assert!(has(&list, "duplicate-header", "haproxy.cfg", 7), "{list:?}");
    assert!(has(&list, "legacy-directive", "haproxy.cfg", 8), "{list:?}");
}

#[test]
fn a_certificate_that_does_not_cover_the_subdomain_is_the_trap() {
    let Some(openssl) = require_peer("openssl") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    self_signed_cert(&openssl, dir.path(), &["example.test", "www.example.test"]);
    write(
        dir.path(),
        "nginx.conf",
        r#"events {}
http {
    ssl_certificate cert.pem;
    ssl_certificate_key key.pem;
    server {
        listen 443 ssl;
        server_name example.test www.example.test;
        add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;
    }
    server {
        listen 443 ssl;
        server_name stage.example.test;
    }
}
"#,
    );
    let (doc, list) = findings(dir.path(), &["nginx.conf"]);
    assert!(
        has(&list, "forced-https-without-https", "nginx.conf", 10),
        "{list:?}"
    );
    let trap = &doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "forced-https-without-https")
        .unwrap()["message"];
    assert!(
        trap.as_str().unwrap().contains("does not cover it"),
        "{trap}"
    );
    // With a certificate for the name, there is nothing to say.
    write(
        dir.path(),
        "nginx.conf",
        &std::fs::read_to_string(dir.path().join("nginx.conf"))
            .unwrap()
            .replace("stage.example.test", "www.example.test"),
    );
    let (_, list) = findings(dir.path(), &["nginx.conf"]);
    assert!(list.is_empty(), "{list:?}");
}

#[test]
fn a_file_the_server_refuses_is_exit_2_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "nginx.conf",
        "events {}\nhttp {\n    server {\n",
    );
    hsts()
        .current_dir(dir.path())
        .args(["config", "nginx.conf"])
        .assert()
        .code(2)
        .stderr(contains("nginx.conf:4:1: unexpected end of file"));
    write(dir.path(), "haproxy.cfg", "frontend fe\n    bind \":80\n");
    hsts()
        .current_dir(dir.path())
        .args(["config", "haproxy.cfg"])
        .assert()
        .code(2)
        .stderr(contains("haproxy.cfg:2:10: unmatched quote"));
    hsts()
        .current_dir(dir.path())
        .args(["config", "missing.conf"])
        .assert()
        .code(2)
        .stderr(contains("missing.conf"));
}

#[test]
fn every_finding_format() {
    for (format, expect) in [
        (
            "gcc",
            "nginx/sites-enabled/billing_stage:2:1: error: the stage trap",
        ),
        (
            "github",
            "::error file=nginx/sites-enabled/billing_stage,line=2",
        ),
        ("sarif", "\"ruleId\": \"forced-https-without-https\""),
    ] {
        let out = hsts()
            .current_dir(example_dir())
            .args(["config", "nginx/nginx.conf", "--format", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(expect), "{format}: {text}");
    }
}
