//! What `vmargs boot` is asked: the command, the environment, the unit.

/// What to boot and in which environment.
#[derive(Clone)]
pub struct Request {
    /// The start script's command; without it, the unit's `ExecStart=` decides,
    /// else the layout's default (`start` for Mix, `foreground` for relx).
    pub command: Option<String>,
    pub expr: Option<String>,
    /// The environment the script starts in (`--env`, or the process's own), on top
    /// of the unit's.
    pub env: Vec<(String, String)>,
    /// The systemd unit that runs the release.
    pub unit: Option<std::path::PathBuf>,
    /// Where a tarball's release will be unpacked (its paths in the document).
    pub root: Option<String>,
    /// Look the node's host part up here (`--resolve`).
    pub resolve: bool,
    pub show_secrets: bool,
}

/// The environment the start script begins in: this process's own when asked, then
/// each `NAME=VALUE` of `--env` (a later one wins).
pub fn environment(pairs: &[String], from_process: bool) -> anyhow::Result<Vec<(String, String)>> {
    let mut vars: Vec<(String, String)> = if from_process {
        std::env::vars().collect()
    } else {
        Vec::new()
    };
    for pair in pairs {
        match pair.split_once('=') {
            Some((name, value)) if !name.is_empty() => {
                vars.retain(|(n, _)| n != name);
                vars.push((name.to_string(), value.to_string()));
            }
            _ => anyhow::bail!("--env takes NAME=VALUE, got {pair:?}"),
        }
    }
    Ok(vars)
}

impl Request {
    /// The words after the command in the start script's arguments (`--expr`).
    pub fn args(&self) -> Vec<String> {
        self.expr.iter().cloned().collect()
    }
}
