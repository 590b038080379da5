//! Fetching over the network with ureq (blocking, rustls, no redirects followed).

use crate::dump::Response;
use crate::probe::{Fetcher, Outcome};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

/// `--resolve HOST:PORT:ADDR`, as in curl.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    pub host: String,
    pub port: u16,
    pub addr: std::net::IpAddr,
}

impl std::str::FromStr for Pin {
    type Err = String;
    fn from_str(s: &str) -> Result<Pin, String> {
        let mut parts = s.splitn(3, ':');
        let (Some(host), Some(port), Some(addr)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(format!("{s:?}: expected HOST:PORT:ADDR"));
        };
        let port = port
            .parse()
            .map_err(|_| format!("{s:?}: {port:?} is not a port"))?;
        let addr = addr
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .map_err(|_| format!("{s:?}: {addr:?} is not an IP address"))?;
        Ok(Pin {
            host: host.to_ascii_lowercase(),
            port,
            addr,
        })
    }
}

#[derive(Debug)]
struct PinnedResolver {
    pins: Vec<Pin>,
}

impl Resolver for PinnedResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host = uri.host().unwrap_or_default().to_ascii_lowercase();
        let port = uri
            .port_u16()
            .unwrap_or(if uri.scheme_str() == Some("https") {
                443
            } else {
                80
            });
        if let Some(pin) = self.pins.iter().find(|p| p.host == host && p.port == port) {
            let mut out = self.empty();
            out.push(SocketAddr::new(pin.addr, port));
            return Ok(out);
        }
        DefaultResolver::default().resolve(uri, config, timeout)
    }
}

pub struct NetFetcher {
    agent: ureq::Agent,
    pub https_port: u16,
    pub http_port: u16,
    /// Ports given with a host (`https://h:8443`, `h:8443`, `http://h:8080`): (https, http).
    pub host_ports: std::collections::HashMap<String, (Option<u16>, Option<u16>)>,
}

impl NetFetcher {
    pub fn new(
        pins: Vec<Pin>,
        cacert: Option<&[u8]>,
        insecure: bool,
        timeout: Duration,
        https_port: u16,
        http_port: u16,
    ) -> anyhow::Result<NetFetcher> {
        use ureq::tls::{RootCerts, TlsConfig};
        let mut tls = TlsConfig::builder().disable_verification(insecure);
        if let Some(pem) = cacert {
            let certs: Vec<_> = ureq::tls::parse_pem(pem)
                .filter_map(|item| match item {
                    Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                    _ => None,
                })
                .collect();
            if certs.is_empty() {
                anyhow::bail!("--cacert: no certificate in the file");
            }
            tls = tls.root_certs(RootCerts::Specific(Arc::new(certs)));
        }
        let config = Config::builder()
            .tls_config(tls.build())
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .user_agent("relkit hsts-check")
            .build();
        let agent =
            ureq::Agent::with_parts(config, DefaultConnector::new(), PinnedResolver { pins });
        Ok(NetFetcher {
            agent,
            https_port,
            http_port,
            host_ports: std::collections::HashMap::new(),
        })
    }
}

impl Fetcher for NetFetcher {
    fn fetch(&self, host: &str, scheme: &str, path: &str) -> Outcome {
        let port = if scheme == "https" {
            self.https_port
        } else {
            self.http_port
        };
        let url = format!("{scheme}://{host}:{port}{path}");
        match self.agent.head(&url).call() {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let headers = resp
                    .headers()
                    .iter()
                    .map(|(n, v)| {
                        (
                            n.as_str().to_string(),
                            String::from_utf8_lossy(v.as_bytes()).into_owned(),
                        )
                    })
                    .collect();
                Outcome::Answered(Response {
                    status_line: format!("HTTP {status}"),
                    status: Some(status),
                    headers,
                })
            }
            Err(e) => Outcome::Failed(e.to_string()),
        }
    }
}
