//! The nginx model and its predictions on small configurations.

use super::*;

fn model(text: &str) -> Vec<Server> {
    let directives = parse_text(text.as_bytes()).unwrap();
    let config = Config {
        files: vec![ConfigFile {
            path: "nginx.conf".into(),
            directives,
            text: text.as_bytes().to_vec(),
        }],
    };
    servers(&config)
}

fn known(p: Prediction) -> (u16, Vec<(String, String)>) {
    match p {
        Prediction::Known {
            status, headers, ..
        } => (status, headers),
        Prediction::Unknown(why) => panic!("unknown: {why}"),
    }
}

fn https(path: &str) -> Request<'_> {
    Request {
        scheme: "https",
        host: "example.test",
        path,
    }
}

fn http(path: &str) -> Request<'_> {
    Request {
        scheme: "http",
        ..https(path)
    }
}

fn h(name: &str, value: &str) -> (String, String) {
    (name.to_string(), value.to_string())
}

#[test]
fn a_level_with_its_own_add_header_drops_the_inherited_ones() {
    let servers = model(
        r#"http {
                add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;
                server {
                    server_name example.test;
                    location /api { add_header X-Api 1; return 200; }
                    location /plain { return 301 https://example.test/; }
                    location /missing { }
                    error_page 404 /404.html;
                }
            }"#,
    );
    let s = &servers[0];
    assert_eq!(s.names, ["example.test"]);
    assert_eq!(
        known(predict(s, https("/api/x"))),
        (200, vec![h("X-Api", "1")])
    );
    let sts = h(
        "Strict-Transport-Security",
        "max-age=31536000; includeSubDomains",
    );
    assert_eq!(known(predict(s, https("/plain"))), (301, vec![sts.clone()]));
    assert_eq!(known(predict(s, https("/missing"))), (404, vec![sts]));
}

#[test]
fn without_always_error_statuses_go_without() {
    let servers = model(
        "http { server { add_header Strict-Transport-Security max-age=300; \
             location /ok { return 200; } location /gone { return 410; } } }",
    );
    let s = &servers[0];
    assert_eq!(
        known(predict(s, https("/ok"))),
        (200, vec![h("Strict-Transport-Security", "max-age=300")])
    );
    assert_eq!(known(predict(s, https("/gone"))), (410, vec![]));
    assert_eq!(known(predict(s, https("/elsewhere"))), (404, vec![]));
}

#[test]
fn what_is_not_modelled_is_unknown() {
    let servers = model(
            "http { server { location ~ \\.php$ { return 200; } location /p { proxy_pass http://x; } } }",
        );
    assert!(matches!(
        predict(&servers[0], https("/a.php")),
        Prediction::Unknown(_)
    ));
}

#[test]
fn variables_from_map_and_set_and_the_scheme() {
    let servers = model(
        r#"http {
                map $scheme $hsts { https "max-age=63072000; includeSubDomains"; default ""; }
                map $host $env { hostnames; *.example.test stage; default prod; }
                server {
                    server_name example.test;
                    if ($scheme = http) { return 301 https://$host$request_uri; }
                    add_header Strict-Transport-Security $hsts always;
                    location /env { add_header X-Env $env; return 200; }
                    location /set { set $v "a-$scheme"; add_header X-V $v; return 200; }
                    location /if { if ($https) { add_header X-Tls yes; } return 204; }
                }
            }"#,
    );
    let s = &servers[0];
    let sts = h(
        "Strict-Transport-Security",
        "max-age=63072000; includeSubDomains",
    );
    assert_eq!(known(predict(s, https("/"))), (404, vec![sts]));
    assert_eq!(known(predict(s, http("/"))), (301, vec![]));
    assert!(matches!(predict(s, https("/env")), Prediction::Unknown(_)));
    assert_eq!(
        known(predict(s, https("/set"))),
        (200, vec![h("X-V", "a-https")])
    );
    assert_eq!(
        known(predict(s, https("/if"))),
        (204, vec![h("X-Tls", "yes")])
    );
}

#[test]
fn listeners_and_ports() {
    let servers = model(
            "http { server { listen 80; listen [::]:443 ssl http2; listen 127.0.0.1; } server { server_name x; } }",
        );
    let ports: Vec<(Option<u16>, bool)> = servers[0]
        .listens
        .iter()
        .map(|l| (l.port, l.https))
        .collect();
    assert_eq!(
        ports,
        [(Some(80), false), (Some(443), true), (Some(80), false)]
    );
    assert!(servers[1].serves_http() && !servers[1].serves_https());
}
