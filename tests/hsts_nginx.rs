//! hsts-check probe against a real nginx on 127.0.0.1 with a throwaway CA made by
//! openssl: the parent over HTTPS with includeSubDomains, the stage host over plain
//! HTTP only, a host sending two STS headers, and 404 pages without the header
//! (nginx's add_header without `always`).

use relkit_tests::{assert_ok, free_port, require_peer, tool_path, Server};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("command runs");
    assert_ok(&out, format_args!("{cmd:?}"));
}

fn make_certs(openssl: &Path, dir: &Path) {
    run(Command::new(openssl).current_dir(dir).args([
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=relkit test CA",
    ]));
    run(Command::new(openssl).current_dir(dir).args([
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "leaf.key",
        "-out",
        "leaf.csr",
        "-subj",
        "/CN=example.test",
    ]));
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=DNS:example.test,DNS:*.example.test\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(Command::new(openssl).current_dir(dir).args([
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "leaf.pem",
        "-days",
        "2",
        "-extfile",
        "leaf.ext",
    ]));
}

fn start_nginx(nginx: &Path, dir: &Path, https: u16, http: u16) -> Server {
    std::fs::create_dir_all(dir.join("www")).unwrap();
    std::fs::create_dir_all(dir.join("tmp")).unwrap();
    std::fs::write(dir.join("www/index.html"), "ok\n").unwrap();
    let d = dir.display();
    let tls =
        format!("ssl_certificate {d}/leaf.pem; ssl_certificate_key {d}/leaf.key; root {d}/www;");
    let conf = format!(
        r#"daemon off;
master_process off;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ }}
http {{
  access_log off;
  client_body_temp_path {d}/tmp; proxy_temp_path {d}/tmp; fastcgi_temp_path {d}/tmp;
  uwsgi_temp_path {d}/tmp; scgi_temp_path {d}/tmp;
  # Names without a server of their own get no TLS at all.
  server {{ listen 127.0.0.1:{https} ssl default_server; ssl_reject_handshake on; }}
  server {{
    listen 127.0.0.1:{https} ssl; server_name example.test; {tls}
    add_header Strict-Transport-Security "max-age=31536000; includeSubDomains";
  }}
  server {{
    listen 127.0.0.1:{https} ssl; server_name twice.example.test; {tls}
    add_header Strict-Transport-Security "max-age=300";
    add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;
  }}
  server {{
    listen 127.0.0.1:{https} ssl; server_name inherit.example.test; {tls}
    add_header Strict-Transport-Security "max-age=31536000" always;
    # A location with its own add_header: the server's headers vanish here.
    location / {{ add_header X-Frame-Options DENY; }}
  }}
  server {{ listen 127.0.0.1:{http} default_server; return 404; }}
  server {{ listen 127.0.0.1:{http}; server_name example.test twice.example.test inherit.example.test; return 301 https://$host$request_uri; }}
  server {{ listen 127.0.0.1:{http}; server_name stage.example.test; root {d}/www; }}
}}
"#
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let child = Command::new(nginx)
        .args(["-p"])
        .arg(dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nginx starts");
    let guard = Server(child);
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", https)).is_ok()
            && std::net::TcpStream::connect(("127.0.0.1", http)).is_ok()
        {
            return guard;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!(
        "nginx did not start: {}",
        std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
    );
}

fn probe(dir: &Path, https: u16, http: u16, extra: &[&str]) -> (i32, Value) {
    let mut cmd = Command::new(tool_path("hsts-check"));
    cmd.args([
        "probe",
        "example.test",
        "stage.example.test",
        "twice.example.test",
        "inherit.example.test",
        "--json",
        "--timeout",
        "5",
    ]);
    cmd.args([
        "--https-port",
        &https.to_string(),
        "--http-port",
        &http.to_string(),
    ]);
    for name in [
        "example.test",
        "stage.example.test",
        "twice.example.test",
        "inherit.example.test",
    ] {
        for port in [https, http] {
            cmd.arg("--resolve").arg(format!("{name}:{port}:127.0.0.1"));
        }
    }
    cmd.args(extra).current_dir(dir);
    let out = cmd.output().expect("hsts-check runs");
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap_or(-1), doc)
}

fn verdict<'a>(doc: &'a Value, host: &str) -> &'a Value {
    doc["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["host"] == host)
        .unwrap()
}

fn codes_for(doc: &Value, host: &str) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] == host)
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_stage_case_against_real_nginx() {
    let (Some(nginx), Some(openssl)) = (require_peer("nginx"), require_peer("openssl")) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    make_certs(&openssl, dir);
    let (https, http) = (free_port(), free_port());
    let _server = start_nginx(&nginx, dir, https, http);

    let (code, doc) = probe(dir, https, http, &["--cacert", "ca.pem"]);
    assert_eq!(code, 1, "{doc:#}");
    // The stage host: plain HTTP only, forced to HTTPS by the parent.
    let stage = verdict(&doc, "stage.example.test");
    assert_eq!(stage["covered_by"], "example.test");
    assert_eq!(stage["problem"], true);
    assert_eq!(
        codes_for(&doc, "stage.example.test"),
        ["forced-https-without-https"]
    );
    // The parent: its own policy, redirecting HTTP, but 404s lack the header.
    let parent = verdict(&doc, "example.test");
    assert_eq!(parent["covered_by"], "example.test");
    assert_eq!(parent["problem"], false);
    assert_eq!(
        codes_for(&doc, "example.test"),
        ["header-missing-on-errors"]
    );
    let seen = doc["seen"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["host"] == "example.test")
        .unwrap();
    assert_eq!(seen["http_status"], 301);
    assert_eq!(seen["http_plain"], false);
    assert_eq!(seen["policy"]["max_age"], 31536000);
    // Two headers: the first (max-age=300, no includeSubDomains) is what counts.
    let twice = verdict(&doc, "twice.example.test");
    assert_eq!(twice["covered_by"], "twice.example.test");
    assert_eq!(twice["max_age"], 300);
    assert!(codes_for(&doc, "twice.example.test").contains(&"duplicate-header".to_string()));

    // A location with its own add_header drops the server's STS header; the parent's
    // includeSubDomains still covers the host.
    let inherit = verdict(&doc, "inherit.example.test");
    assert_eq!(inherit["covered_by"], "example.test");
    assert_eq!(inherit["problem"], false);
    assert_eq!(codes_for(&doc, "inherit.example.test"), ["no-header"]);

    // Without the test CA, HTTPS fails everywhere: nothing is covered, and the
    // failures are reported, not fatal.
    let (_, untrusted) = probe(dir, https, http, &[]);
    assert_eq!(
        verdict(&untrusted, "example.test")["covered_by"],
        Value::Null
    );
    let seen = untrusted["seen"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["host"] == "example.test")
        .unwrap();
    assert!(
        seen["https_error"]
            .as_str()
            .unwrap_or("")
            .to_lowercase()
            .contains("cert"),
        "{seen}"
    );
}

#[test]
fn a_server_that_never_answers_times_out() {
    // A listener that accepts and never speaks.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let _keep = std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming() {
            held.push(s);
        }
    });
    let bin = tool_path("hsts-check");
    let start = std::time::Instant::now();
    let out = Command::new(bin)
        // The URL form gives this host its HTTPS port; plain HTTP goes to the flag's.
        .arg("probe")
        .arg(format!("https://silent.example.test:{port}/"))
        .args(["--json", "--timeout", "1", "--http-port", &port.to_string()])
        .arg("--resolve")
        .arg(format!("silent.example.test:{port}:127.0.0.1"))
        .output()
        .unwrap();
    // Three requests in parallel, one second each at most, plus start-up.
    assert!(
        start.elapsed() < std::time::Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["hosts"][0]["problem"], false);
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "probe-failed"),
        "{doc:#}"
    );
}
