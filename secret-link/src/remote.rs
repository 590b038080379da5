//! A build host over OpenSSH (`relkit_common::ssh`). Each request is one `ssh` run
//! in batch mode: the fixed script `remote.sh` goes to `sh -s` on stdin, its
//! arguments ride on the command line, each quoted with shell-words so spaces,
//! quotes and `$` arrive intact, and the reply comes back as NUL-terminated fields.

use crate::survey::*;
use anyhow::{anyhow, bail, Result};
use std::path::PathBuf;

const SCRIPT: &str = include_str!("remote.sh");
const SURVEY_HEADER_FIELDS: usize = 9;
const SURVEY_ENTRY_FIELDS: usize = 10;

pub struct Remote {
    pub host: String,
    /// Arguments put before the host: `-F FILE`, `-o OPTION` ...
    pub ssh_args: Vec<String>,
    ssh: PathBuf,
}

impl Remote {
    pub fn new(host: &str, ssh_args: Vec<String>) -> Result<Remote> {
        relkit_common::ssh::check_host(host)?;
        let ssh = relkit_common::ssh::client(host)?;
        Ok(Remote {
            host: host.to_string(),
            ssh_args,
            ssh,
        })
    }

    /// Run the script with `args` on the host; its stdout split into fields.
    fn request(&self, what: &str, args: &[String]) -> Result<Vec<String>> {
        let out =
            relkit_common::ssh::run_script(&self.ssh, &self.host, &self.ssh_args, SCRIPT, args)?;
        let last_line = out.last_line.as_str();
        match out.code {
            Some(0) => {}
            Some(127) => bail!(
                "{}: `sh` was not found on the build host; secret-link needs a POSIX shell there",
                self.host
            ),
            code => bail!(
                "{what} on {} failed (exit {}): {}",
                self.host,
                code.map_or("by signal".to_string(), |c| c.to_string()),
                if last_line.is_empty() {
                    "no message"
                } else {
                    last_line
                }
            ),
        }
        let text = String::from_utf8(out.stdout).map_err(|_| {
            anyhow!(
                "{}: a path on the build host is not valid UTF-8; secret-link handles UTF-8 paths only",
                self.host
            )
        })?;
        let mut fields: Vec<String> = text.split('\0').map(str::to_string).collect();
        // Every field ends with NUL, so the last split piece is the empty rest.
        if fields.pop().as_deref() != Some("") {
            bail!(
                "{}: the reply to {what} was cut short; is the build host's `sh` POSIX?",
                self.host
            );
        }
        Ok(fields)
    }
}

impl Machine for Remote {
    fn label(&self) -> String {
        format!("{}:", self.host)
    }

    fn survey(&self, from: &str, into: &str, names: &[String]) -> Result<Survey> {
        let mut args = vec!["survey".to_string(), from.to_string(), into.to_string()];
        args.extend(names.iter().cloned());
        let fields = self.request("the survey", &args)?;
        parse_survey(&self.host, &fields, names)
    }

    fn execute(&self, into: &str, steps: &[Step]) -> Result<Vec<Outcome>> {
        let mut args = vec!["apply".to_string(), into.to_string()];
        for step in steps {
            args.extend([
                step.op.as_str().to_string(),
                step.name.clone(),
                step.source.clone(),
                step.expect_target.clone(),
                step.temp.clone(),
                step.backup.clone(),
            ]);
        }
        let fields = self.request("apply", &args)?;
        if fields.len() != 2 * steps.len() {
            bail!(
                "{}: unexpected reply to apply ({} fields for {} steps)",
                self.host,
                fields.len(),
                steps.len()
            );
        }
        fields
            .chunks(2)
            .map(|pair| {
                let (status, detail) = (pair[0].as_str(), pair[1].clone());
                Ok(match status {
                    "done" => Outcome::Done {
                        backup: Some(detail).filter(|d| !d.is_empty()),
                    },
                    "already" => Outcome::Already,
                    "changed" => Outcome::Changed(detail),
                    "failed" => Outcome::Failed(detail),
                    other => bail!("{}: unexpected step status '{other}'", self.host),
                })
            })
            .collect()
    }
}

fn flag(host: &str, text: &str, what: &str) -> Result<bool> {
    match text {
        "1" => Ok(true),
        "0" => Ok(false),
        other => bail!("{host}: unexpected {what} '{other}' in the survey"),
    }
}

/// Read the survey's reply: a header and one group of fields per name. The reply
/// comes from another machine, so nothing in it is trusted to be well formed.
pub fn parse_survey(host: &str, fields: &[String], names: &[String]) -> Result<Survey> {
    if fields.len() != SURVEY_HEADER_FIELDS + SURVEY_ENTRY_FIELDS * names.len() {
        bail!(
            "{host}: unexpected reply to the survey ({} fields for {} names); is coreutils installed there?",
            fields.len(),
            names.len()
        );
    }
    let (head, rest) = fields.split_at(SURVEY_HEADER_FIELDS);
    let into_state = match head[2].as_str() {
        "dir" => IntoState::Directory,
        "missing" => IntoState::Missing,
        _ => IntoState::NotDirectory,
    };
    let uid = head[4]
        .parse()
        .map_err(|_| anyhow!("{host}: `id -u` said '{}'", head[4]))?;
    let git = GitContext {
        available: flag(host, &head[5], "git flag")?,
        in_work_tree: flag(host, &head[6], "work-tree flag")?,
        top: Some(head[7].clone()).filter(|t| !t.is_empty()),
        prefix: head[8].clone(),
    };
    let mut entries = Vec::with_capacity(names.len());
    for (name, f) in names.iter().zip(rest.chunks(SURVEY_ENTRY_FIELDS)) {
        let kind = match f[0].as_str() {
            "file" => SourceKind::File,
            "directory" => SourceKind::Directory,
            "other" => SourceKind::Other,
            _ => SourceKind::Missing,
        };
        let source = SourceInfo {
            kind,
            mode: u32::from_str_radix(&f[1], 8).ok(),
            owner: f[2].parse().ok(),
            readable: flag(host, &f[3], "readable flag")?,
        };
        let at_link = match f[4].as_str() {
            "link" => AtLink::Link {
                target: f[5].clone(),
                resolves: flag(host, &f[6], "resolves flag")?,
            },
            "file" => AtLink::File,
            "directory" => AtLink::Directory,
            "other" => AtLink::Other,
            _ => AtLink::Nothing,
        };
        let git_status = match (f[7].as_str(), f[8].as_str()) {
            ("-", _) | (_, "-") => None,
            (tracked, ignored) => Some(GitStatus {
                tracked: flag(host, tracked, "tracked flag")?,
                ignored: flag(host, ignored, "ignored flag")?,
            }),
        };
        let stale_temps = f[9]
            .split('/')
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect();
        entries.push(Observed {
            name: name.clone(),
            source,
            at_link,
            git: git_status,
            stale_temps,
        });
    }
    Ok(Survey {
        from: head[0].clone(),
        into: head[1].clone(),
        into_state,
        into_writable: flag(host, &head[3], "writable flag")?,
        uid,
        git,
        entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_that_would_be_options_are_refused() {
        for host in ["-oProxyCommand=x", "", "a b"] {
            assert!(Remote::new(host, vec![]).is_err(), "{host:?}");
        }
    }

    #[test]
    fn survey_reply_is_read() {
        let fields: Vec<String> = [
            "/var",
            "/b/config",
            "dir",
            "1",
            "1000",
            "1",
            "1",
            "/b",
            "config/",
            "file",
            "640",
            "1000",
            "1",
            "link",
            "/old",
            "0",
            "0",
            "0",
            ".x.secret-link-tmp.1-2-3/",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let survey = parse_survey("h", &fields, &["stage.secret.exs".to_string()]).unwrap();
        assert_eq!(survey.uid, 1000);
        assert_eq!(survey.git.top.as_deref(), Some("/b"));
        let entry = &survey.entries[0];
        assert_eq!(entry.source.mode, Some(0o640));
        assert_eq!(
            entry.at_link,
            AtLink::Link {
                target: "/old".into(),
                resolves: false
            }
        );
        assert_eq!(entry.stale_temps, [".x.secret-link-tmp.1-2-3"]);
        assert_eq!(
            entry.git,
            Some(GitStatus {
                tracked: false,
                ignored: false
            })
        );
    }
}
