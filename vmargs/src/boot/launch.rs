//! How a release is launched: the unit that runs it, the environment its start
//! script begins in, and the command.

use super::unit::Unit;

/// How the release is launched: the unit (if given), the environment the start
/// script begins in (the unit's, then `--env` on top) and the command (given, else
/// the unit's `ExecStart=`, else the layout's default).
pub struct Launch {
    pub unit: Option<Unit>,
    pub env: Vec<(String, String)>,
    pub command: String,
    pub notes: Vec<String>,
}

pub fn launch(
    request: &super::request::Request,
    name: &str,
    default_command: &str,
) -> anyhow::Result<Launch> {
    let mut notes = Vec::new();
    let unit = request.unit.as_deref().map(super::unit::read).transpose()?;
    let mut env = match &unit {
        Some(u) => super::unit::environment(u, &mut notes),
        None => Vec::new(),
    };
    for (n, value) in &request.env {
        env.retain(|(e, _)| e != n);
        env.push((n.clone(), value.clone()));
    }
    let command = match (request.command.as_deref(), &unit) {
        (Some(c), _) => c.to_string(),
        (None, Some(u)) => unit_command(u, name)?,
        (None, None) => default_command.into(),
    };
    Ok(Launch {
        unit,
        env,
        command,
        notes,
    })
}

/// The command the unit's `ExecStart=` gives the release's start script.
fn unit_command(unit: &Unit, name: &str) -> anyhow::Result<String> {
    let script = format!("/bin/{name}");
    for (words, _, _) in &unit.exec_start {
        if words.first().is_some_and(|p| p.ends_with(&script)) {
            return Ok(words.get(1).cloned().unwrap_or_default());
        }
    }
    anyhow::bail!(
        "{}: no ExecStart= runs this release's bin/{name}; give the command with --command",
        unit.path.display()
    )
}
