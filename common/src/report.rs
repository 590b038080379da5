//! Printing a checker's findings the way every relkit checker does: one `finding`
//! document per line with `--json`, else the human form (with the source line under
//! each finding where the caller can find it) followed by a summary line.

use crate::args::CommonArgs;
use crate::finding::Finding;
use crate::json;
use anyhow::{Context, Result};
use std::io::Write;

/// Write `findings` to stdout. `source_line` gives the text of a finding's line for
/// its excerpt; `summary` is the closing human line (not printed with `--json`).
pub fn write_findings(
    common: &CommonArgs,
    findings: &[Finding],
    source_line: impl Fn(&Finding) -> Option<String>,
    summary: &str,
) -> Result<()> {
    if common.json {
        let pretty = json::stdout_is_pretty();
        let mut out = std::io::stdout().lock();
        for f in findings {
            json::write(&mut out, f, pretty).context("writing output")?;
        }
        return out.flush().context("writing output");
    }
    let mut out = crate::color::stdout(common.stdout_color());
    for f in findings {
        write!(out, "{}", f.render(source_line(f).as_deref())).context("writing output")?;
    }
    writeln!(out, "{summary}").context("writing output")?;
    out.flush().context("writing output")
}
