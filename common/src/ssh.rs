//! Hosts reached over OpenSSH, the one way relkit does it: the user's own `ssh`
//! (their config, agent and known_hosts) in batch mode, a fixed POSIX sh script on
//! stdin, its arguments on the command line quoted with shell-words, and ssh's own
//! failure (exit 255) told apart from the script's.

use anyhow::{anyhow, bail, Context, Result};
use std::path::PathBuf;

/// ssh's own exit status when it could not connect or authenticate.
pub const SSH_FAILED: i32 = 255;

/// The flags every tool that reaches hosts takes.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct SshArgs {
    /// An ssh client configuration file for the hosts (ssh -F).
    #[arg(long, value_name = "FILE")]
    pub ssh_config: Option<PathBuf>,
    /// An ssh option for the hosts, as for ssh -o (repeatable): --ssh-option Port=2222.
    #[arg(long = "ssh-option", value_name = "OPTION")]
    pub ssh_options: Vec<String>,
}

impl SshArgs {
    /// The words put before the host: `-F FILE`, `-o OPTION`...
    pub fn words(&self) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(config) = &self.ssh_config {
            args.push("-F".to_string());
            args.push(config.to_string_lossy().into_owned());
        }
        for option in &self.ssh_options {
            args.push("-o".to_string());
            args.push(option.clone());
        }
        args
    }
}

/// A host name as given (`[USER@]HOST`), refused when ssh would read it as a flag.
pub fn check_host(host: &str) -> Result<()> {
    if host.is_empty() || host.starts_with('-') || host.contains(char::is_whitespace) {
        bail!("--host '{host}' is not a host name; give [USER@]HOST");
    }
    Ok(())
}

/// The `ssh` client on PATH.
pub fn client(host: &str) -> Result<PathBuf> {
    which::which("ssh").map_err(|_| {
        anyhow!("--host {host} needs the OpenSSH client, and `ssh` is not on PATH; install it (Debian: apt-get install openssh-client)")
    })
}

/// What a script run on a host gave back.
pub struct Reply {
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    /// The last line the script (or ssh) wrote to stderr.
    pub last_line: String,
}

/// Run `script` with `sh -s -- ARGS...` on `host`; an error when ssh itself failed
/// (with what to check), else the script's reply whatever its status.
pub fn run_script(
    ssh: &std::path::Path,
    host: &str,
    ssh_words: &[String],
    script: &str,
    args: &[String],
) -> Result<Reply> {
    let mut words = vec!["sh".to_string(), "-s".to_string(), "--".to_string()];
    words.extend_from_slice(args);
    let command = shell_words::join(&words);
    let mut argv: Vec<String> = vec![
        "-o".into(),
        "BatchMode=yes".into(),
        "-o".into(),
        "ConnectTimeout=15".into(),
    ];
    argv.extend(ssh_words.iter().cloned());
    argv.push("--".into());
    argv.push(host.to_string());
    argv.push(command);
    let out = duct::cmd(ssh, &argv)
        .stdin_bytes(script.as_bytes())
        .stdout_capture()
        .stderr_capture()
        .unchecked()
        .run()
        .with_context(|| format!("cannot run {}", ssh.display()))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last_line = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .to_string();
    if out.status.code() == Some(SSH_FAILED) {
        bail!(
            "ssh to {host} failed: {}; check that `ssh -o BatchMode=yes {host} true` works (host name, key, known_hosts)",
            if last_line.is_empty() { "no message" } else { &last_line },
        );
    }
    Ok(Reply {
        code: out.status.code(),
        stdout: out.stdout,
        last_line,
    })
}
