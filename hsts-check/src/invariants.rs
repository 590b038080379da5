//! The properties the fuzz targets and the corpus replay hold the readers to: no
//! panic, no hang, every directive and error at a real line and column. Nothing in
//! the crate imports this module.

use crate::config::{self, haproxy, nginx};

/// Runs the nginx reader on arbitrary bytes: no panic, every directive placed at a
/// real position, and every error at one too; what `config` does with a file nginx
/// would accept.
pub fn exercise_nginx_reader(data: &[u8]) {
    fn check(directives: &[nginx::Directive], lines: usize) {
        for d in directives {
            assert!(d.line >= 1 && d.line <= lines && d.column >= 1);
            if let Some(block) = &d.block {
                check(block, lines);
            }
        }
    }
    let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
    match nginx::parse_text(data) {
        Ok(directives) => {
            check(&directives, lines);
            // What `config` does with a file nginx would accept: no panic, no hang.
            let config = nginx::Config {
                files: vec![nginx::ConfigFile {
                    path: "fuzz.conf".into(),
                    directives,
                    text: data.to_vec(),
                }],
            };
            let report = config::report_nginx(&config);
            for server in nginx::servers(&config) {
                for scheme in ["http", "https"] {
                    let _ = nginx::predict(
                        &server,
                        nginx::Request {
                            scheme,
                            host: "example.test",
                            path: "/",
                        },
                    );
                }
            }
            assert!(report
                .findings
                .iter()
                .all(|f| f.line.is_some_and(|l| l >= 1)));
        }
        Err(e) => assert!(e.line >= 1 && e.line <= lines && e.column >= 1, "{e:?}"),
    }
}

/// Runs the HAProxy reader and the model on arbitrary bytes: no panic.
pub fn exercise_haproxy_reader(data: &[u8]) {
    let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
    match haproxy::parse_text(data) {
        Err(e) => assert!(e.line >= 1 && e.line <= lines && e.column >= 1, "{e:?}"),
        Ok(sections) => exercise_haproxy_model(&sections),
    }
}

fn exercise_haproxy_model(sections: &[haproxy::Section]) {
    let mut findings = Vec::new();
    let _ =
        haproxy::report::haproxy_report(sections, std::path::Path::new("fuzz.cfg"), &mut findings);
    assert!(findings.iter().all(|f| f.line.is_some_and(|l| l >= 1)));
    let model = haproxy::model(sections);
    for p in &model.proxies {
        for https in [false, true] {
            let _ = model.predict(
                p,
                haproxy::Request {
                    https,
                    host: "example.test",
                    path: "/",
                },
            );
        }
    }
}
