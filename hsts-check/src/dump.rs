//! Response-header dumps as `curl -sSI` prints them: a status line, header lines,
//! CRLF or LF, possibly several responses (`-L`, `100 Continue`), of which the last
//! is the one that counts.

/// One response's status line and headers, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status_line: String,
    pub status: Option<u16>,
    pub headers: Vec<(String, String)>,
}

impl Response {
    /// Values of every header named `name` (case-insensitive), in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// Parse a dump; `None` when it holds no status line at all.
pub fn parse_dump(bytes: &[u8]) -> Option<Response> {
    let text = String::from_utf8_lossy(bytes);
    let mut responses: Vec<Response> = Vec::new();
    for raw in text.split('\n') {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.starts_with("HTTP/") {
            let status = line.split_whitespace().nth(1).and_then(|s| s.parse().ok());
            responses.push(Response {
                status_line: line.to_string(),
                status,
                headers: Vec::new(),
            });
            continue;
        }
        let Some(current) = responses.last_mut() else {
            continue;
        };
        if line.is_empty() {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            // An obsolete folded continuation line belongs to the previous header.
            if let Some((_, value)) = current.headers.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            current
                .headers
                .push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    responses.pop()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_response_counts_and_names_are_case_insensitive() {
        let dump = b"HTTP/1.1 301 Moved Permanently\r\nLocation: https://x/\r\n\r\nHTTP/2 200 \r\nstrict-transport-security: max-age=1\r\nStrict-Transport-Security: max-age=2\r\n\r\n";
        let r = parse_dump(dump).unwrap();
        assert_eq!(r.status, Some(200));
        assert_eq!(
            r.all("Strict-Transport-Security"),
            ["max-age=1", "max-age=2"]
        );
    }

    #[test]
    fn lf_only_and_folded_lines() {
        let r = parse_dump(b"HTTP/1.1 200 OK\nX-A: one\n  two\n").unwrap();
        assert_eq!(r.all("x-a"), ["one two"]);
        assert!(parse_dump(b"no status line\n").is_none());
    }
}
