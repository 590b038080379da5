//! Printing a checker's findings the way every relkit checker does, in the form the
//! reader asks for (`--format`): the human form with the source line under each
//! finding and where its code is explained; one `finding` JSON document per line;
//! `file:line:column: severity: message [code]` as gcc prints it; GitHub Actions
//! workflow commands; or one SARIF 2.1.0 log. `--exclude` and `--severity` choose
//! which findings count, and secrets are masked in every form.

use crate::args::CommonArgs;
use crate::codes;
use crate::finding::{Finding, Severity};
use crate::json;
use crate::secret::Secrets;
use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use serde_sarif::sarif;
use std::collections::BTreeSet;
use std::io::Write;

pub use crate::names::{EXCLUDE_VAR, FORMAT_VAR, SEVERITY_VAR};

/// How findings are printed.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Compiler-style lines with the source line, a hint and a link to the code.
    Human,
    /// One `finding` document per line (the same as --json).
    Json,
    /// `file:line:column: severity: message [code]`, one line per finding.
    Gcc,
    /// GitHub Actions workflow commands: annotations on a pull request.
    Github,
    /// One SARIF 2.1.0 log for the run, for code-scanning services.
    Sarif,
}

/// The flags of every verb that reports findings.
#[derive(Args, Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingArgs {
    /// How to print findings: human, json, gcc, github or sarif [env: RELKIT_FORMAT]
    /// [default: human, or json with --json].
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,

    /// Leave out findings with these codes (comma-separated, repeatable); they are
    /// neither shown nor counted for the exit status.
    #[arg(
        long,
        value_name = "CODE[,CODE...]",
        value_delimiter = ',',
        env = EXCLUDE_VAR
    )]
    pub exclude: Vec<String>,

    /// The lowest severity shown and counted for the exit status: info, warning or error.
    #[arg(long, value_enum, value_name = "LEVEL", env = SEVERITY_VAR, default_value_t = Severity::Info)]
    pub severity: Severity,
}

/// What a run prints findings as, and which ones: the flags resolved and checked.
#[derive(Debug)]
pub struct Reporter<'a> {
    pub tool: &'static str,
    pub format: Format,
    pub quiet: bool,
    pub color: bool,
    pub secrets: &'a Secrets,
    exclude: BTreeSet<String>,
    lowest: Severity,
}

impl<'a> Reporter<'a> {
    /// Resolve the format (`--format`, else `--json`, else `RELKIT_FORMAT`, else
    /// human) and check the codes given to `--exclude`: a code that no relkit tool
    /// has is a usage error with the closest one; another tool's code is accepted,
    /// so one `RELKIT_EXCLUDE` can serve every tool.
    pub fn new(
        tool: &'static str,
        common: &CommonArgs,
        args: &FindingArgs,
        secrets: &'a Secrets,
    ) -> Result<Reporter<'a>> {
        let format = match (args.format, common.json) {
            (Some(f), true) if f != Format::Json => {
                bail!(
                    "--json and --format {} disagree; give one of them",
                    f.to_possible_value()
                        .map_or("?".into(), |v| v.get_name().to_string())
                )
            }
            (Some(f), _) => f,
            (None, true) => Format::Json,
            (None, false) => format_from_env()?,
        };
        let mut exclude = BTreeSet::new();
        for code in args
            .exclude
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
        {
            if !codes::all().iter().any(|c| c.code == code) {
                let known = codes::all().iter().map(|c| c.code.as_str());
                let hint = crate::text::closest(code, known, |_| 3)
                    .map(|c| format!("; did you mean {c}?"))
                    .unwrap_or_default();
                bail!("--exclude {code}: no relkit tool has this code{hint} (codes are listed in docs/codes.md)");
            }
            exclude.insert(code.to_string());
        }
        Ok(Reporter {
            tool,
            format,
            quiet: common.quiet,
            color: common.stdout_color(),
            secrets,
            exclude,
            lowest: args.severity,
        })
    }

    /// The findings that count: at or above `--severity`, not `--exclude`d.
    pub fn select(&self, findings: Vec<Finding>) -> Vec<Finding> {
        findings
            .into_iter()
            .filter(|f| f.severity >= self.lowest && !self.exclude.contains(&f.code))
            .collect()
    }

    /// Write `findings` to stdout (nothing with `-q`). `source_line` gives the text
    /// of a finding's line for the human excerpt; `summary`, unless empty, closes
    /// the human form.
    pub fn write(
        &self,
        findings: &[Finding],
        source_line: impl Fn(&Finding) -> Option<String>,
        summary: &str,
    ) -> Result<()> {
        if self.quiet {
            return Ok(());
        }
        let masked: Vec<Finding> = findings.iter().map(|f| self.masked(f)).collect();
        let text = match self.format {
            Format::Json => {
                let pretty = json::stdout_is_pretty();
                let mut out = Vec::new();
                for f in &masked {
                    json::write(&mut out, f, pretty)?;
                }
                out
            }
            Format::Human => {
                let mut out = String::new();
                for f in &masked {
                    let line = source_line(f).map(|text| match (&f.path, f.line) {
                        (Some(p), Some(l)) => self.secrets.mask_line(p, l, &text).into_owned(),
                        _ => self.secrets.mask(&text).into_owned(),
                    });
                    out.push_str(&self.human(f, line.as_deref()));
                }
                if !summary.is_empty() {
                    out.push_str(summary);
                    out.push('\n');
                }
                out.into_bytes()
            }
            Format::Gcc => masked.iter().map(gcc_line).collect::<String>().into_bytes(),
            Format::Github => masked
                .iter()
                .map(github_line)
                .collect::<String>()
                .into_bytes(),
            Format::Sarif => {
                let mut out = serde_json::to_vec_pretty(&sarif_log(self.tool, &masked)?)?;
                out.push(b'\n');
                out
            }
        };
        if self.format == Format::Human {
            crate::color::write_stdout(self.color, &text).context("writing output")
        } else {
            let mut out = std::io::stdout().lock();
            out.write_all(&text).context("writing output")?;
            out.flush().context("writing output")
        }
    }

    /// The finding with every secret value masked in its message and hint.
    pub fn masked(&self, f: &Finding) -> Finding {
        let mut f = f.clone();
        f.message = self.secrets.mask(&f.message).into_owned();
        f.hint = f.hint.map(|h| self.secrets.mask(&h).into_owned());
        f
    }

    /// The human form, ending with where the code is explained.
    pub fn human(&self, f: &Finding, source_line: Option<&str>) -> String {
        let mut text = f.render(source_line);
        let dim = crate::palette::DIM;
        text.push_str(&format!(
            "  {dim}= see: {}{dim:#}\n",
            codes::help_uri(&f.tool, &f.code)
        ));
        text
    }
}

fn format_from_env() -> Result<Format> {
    match std::env::var(FORMAT_VAR) {
        Ok(value) if !value.trim().is_empty() => {
            Format::from_str(value.trim(), true).map_err(|_| {
                anyhow::anyhow!(
                    "{FORMAT_VAR}={value:?} is not a format; use human, json, gcc, github or sarif"
                )
            })
        }
        _ => Ok(Format::Human),
    }
}

/// gcc's word for a severity.
fn gcc_severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// `file:line:column: severity: message [code]`; without a file, the tool's name.
pub fn gcc_line(f: &Finding) -> String {
    let place = match (&f.path, f.line, f.column) {
        (Some(p), Some(l), Some(c)) => format!("{p}:{l}:{c}"),
        (Some(p), Some(l), None) => format!("{p}:{l}"),
        (Some(p), None, _) => p.clone(),
        (None, _, _) => f.tool.clone(),
    };
    // A file name may hold a newline too; the form is one line per finding.
    format!(
        "{}: {}: {} [{}]\n",
        one_line(&place),
        gcc_severity(f.severity),
        one_line(&f.message),
        f.code
    )
}

fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// A GitHub Actions workflow command for one finding: an annotation at its place.
pub fn github_line(f: &Finding) -> String {
    let command = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let mut properties = Vec::new();
    if let Some(path) = &f.path {
        properties.push(format!("file={}", github_property(path)));
        if let Some(line) = f.line {
            properties.push(format!("line={line}"));
            if let Some(column) = f.column {
                properties.push(format!("col={column}"));
                if let Some(end) = f.end_column {
                    properties.push(format!("endColumn={end}"));
                }
            }
        }
    }
    properties.push(format!(
        "title={}",
        github_property(&format!("{} {}", f.tool, f.code))
    ));
    let mut message = f.message.clone();
    if let Some(hint) = &f.hint {
        message.push_str("\nhint: ");
        message.push_str(hint);
    }
    format!(
        "::{command} {}::{}\n",
        properties.join(","),
        github_data(&message)
    )
}

/// Escape the message of a workflow command (`%`, CR and LF).
pub fn github_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property of a workflow command: the message's escapes plus `:` and `,`.
pub fn github_property(text: &str) -> String {
    github_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// A relative path as a URI reference, an absolute one as a `file:` URI; bytes
/// outside the unreserved set and `/` are percent-encoded.
pub fn path_uri(path: &str) -> String {
    let mut out = String::new();
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn sarif_level(s: Severity) -> sarif::ResultLevel {
    match s {
        Severity::Error => sarif::ResultLevel::Error,
        Severity::Warning => sarif::ResultLevel::Warning,
        Severity::Info => sarif::ResultLevel::Note,
    }
}

/// The default level a code's entry in docs/codes.md starts with.
fn documented_level(entry: &codes::CodeDoc) -> &'static str {
    let first = entry
        .text
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("");
    match first {
        "error" | "exit" => "error",
        "warning" => "warning",
        _ => "note",
    }
}

fn text(s: &str) -> sarif::MultiformatMessageString {
    sarif::MultiformatMessageString::builder()
        .text(s.to_string())
        .build()
}

/// One SARIF 2.1.0 log: the tool as driver, a rule per documented code (with its
/// text and a link to its entry), and a result per finding.
pub fn sarif_log(tool: &str, findings: &[Finding]) -> Result<sarif::Sarif> {
    let mut rules: Vec<sarif::ReportingDescriptor> = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    let documented = codes::of_tool(tool).map(|c| (c.code.clone(), Some(c)));
    // A finding whose code is not documented still gets a rule, so results resolve.
    let undocumented = findings
        .iter()
        .filter(|f| codes::lookup(tool, &f.code).is_none())
        .map(|f| (f.code.clone(), None));
    for (code, entry) in documented.chain(undocumented) {
        if ids.contains(&code) {
            continue;
        }
        let mut rule = sarif::ReportingDescriptor::builder()
            .id(code.clone())
            .help_uri(codes::help_uri(tool, &code))
            .build();
        if let Some(entry) = entry {
            rule.short_description = Some(text(entry.summary()));
            rule.full_description = Some(text(&entry.text));
            rule.help = Some(text(&entry.text));
            rule.default_configuration = Some(
                sarif::ReportingConfiguration::builder()
                    .level(serde_json::Value::from(documented_level(entry)))
                    .build(),
            );
        }
        rules.push(rule);
        ids.push(code);
    }
    let results = findings
        .iter()
        .map(|f| {
            let index = ids.iter().position(|id| *id == f.code).unwrap_or(0);
            let mut message = f.message.clone();
            if let Some(hint) = &f.hint {
                message.push_str(&format!(" (hint: {hint})"));
            }
            let mut result = sarif::Result::builder()
                .message(sarif::Message::builder().text(message).build())
                .rule_id(f.code.clone())
                .rule_index(i64::try_from(index).unwrap_or(0))
                .level(sarif_level(f.severity))
                .build();
            if let Some(path) = f.path.as_deref().filter(|p| !p.starts_with('<')) {
                let mut physical = sarif::PhysicalLocation::builder()
                    .artifact_location(
                        sarif::ArtifactLocation::builder()
                            .uri(path_uri(path))
                            .build(),
                    )
                    .build();
                if let Some(line) = f.line {
                    let mut region = sarif::Region::builder().start_line(i64::from(line)).build();
                    region.start_column = f.column.map(i64::from);
                    region.end_column = f.end_column.map(i64::from);
                    physical.region = Some(region);
                }
                result.locations = Some(vec![sarif::Location::builder()
                    .physical_location(physical)
                    .build()]);
            }
            result
        })
        .collect::<Vec<_>>();
    let version = env!("CARGO_PKG_VERSION");
    let driver = sarif::ToolComponent::builder()
        .name(tool.to_string())
        .version(version.to_string())
        .semantic_version(version.to_string())
        .information_uri(codes::docs_url())
        .rules(rules)
        .build();
    let run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .results(results)
        .column_kind(serde_json::Value::from("unicodeCodePoints"))
        .build();
    Ok(sarif::Sarif::builder()
        .schema("https://json.schemastore.org/sarif-2.1.0.json".to_string())
        .version(serde_json::Value::from("2.1.0"))
        .runs(vec![run])
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding() -> Finding {
        Finding::new(
            "vmargs",
            Severity::Error,
            "name-without-host",
            "-name a.b has no @host part, 100%",
        )
        .in_file("rel/vm.args, stage")
        .at(2, 7, 10)
        .with_hint("did you mean -name a@b?")
    }

    #[test]
    fn gcc_form() {
        assert_eq!(
            gcc_line(&finding()),
            "rel/vm.args, stage:2:7: error: -name a.b has no @host part, 100% [name-without-host]\n"
        );
        let bare = Finding::new("hsts-check", Severity::Info, "preload-eligibility", "x\ny");
        assert_eq!(
            gcc_line(&bare),
            "hsts-check: note: x y [preload-eligibility]\n"
        );
        let odd = Finding::new("vmargs", Severity::Error, "nul-byte", "m").in_file("a\nb");
        assert_eq!(gcc_line(&odd), "a b: error: m [nul-byte]\n");
    }

    #[test]
    fn github_form_escapes_data_and_properties() {
        assert_eq!(
            github_line(&finding()),
            "::error file=rel/vm.args%2C stage,line=2,col=7,endColumn=10,title=vmargs name-without-host::-name a.b has no @host part, 100%25%0Ahint: did you mean -name a@b?\n"
        );
        assert_eq!(github_property("a:b,c%\r\n"), "a%3Ab%2Cc%25%0D%0A");
    }

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(path_uri("rel/vm.args.prod"), "rel/vm.args.prod");
        assert_eq!(path_uri("my dir/ä"), "my%20dir/%C3%A4");
        assert_eq!(path_uri("/srv/app/x#1"), "file:///srv/app/x%231");
    }

    #[test]
    fn sarif_has_a_rule_per_code_and_located_results() {
        let log = sarif_log("vmargs", &[finding()]).unwrap();
        let value = serde_json::to_value(&log).unwrap();
        assert_eq!(value["version"], "2.1.0");
        let run = &value["runs"][0];
        assert_eq!(run["tool"]["driver"]["name"], "vmargs");
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), codes::of_tool("vmargs").count());
        let result = &run["results"][0];
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], "name-without-host");
        assert!(rules[index]["helpUri"]
            .as_str()
            .unwrap()
            .ends_with("#vmargs-name-without-host"));
        assert_eq!(result["level"], "error");
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert_eq!(
            (region["startLine"].as_u64(), region["startColumn"].as_u64()),
            (Some(2), Some(7))
        );
        assert_eq!(
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "rel/vm.args%2C%20stage"
        );
    }

    #[test]
    fn selection_by_severity_and_code() {
        let secrets = Secrets::new(false);
        let args = FindingArgs {
            format: None,
            exclude: vec!["weak-cookie".into()],
            severity: Severity::Warning,
        };
        let r = Reporter::new("vmargs", &CommonArgs::default(), &args, &secrets).unwrap();
        let kept = r.select(vec![
            Finding::new("vmargs", Severity::Error, "weak-cookie", "m"),
            Finding::new("vmargs", Severity::Info, "x", "m"),
            Finding::new("vmargs", Severity::Warning, "y", "m"),
        ]);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].code, "y");
    }

    #[test]
    fn an_unknown_code_to_exclude_is_refused_with_the_closest() {
        let secrets = Secrets::new(false);
        let args = FindingArgs {
            exclude: vec!["weak-cooki".into()],
            ..FindingArgs::default()
        };
        let err = Reporter::new("vmargs", &CommonArgs::default(), &args, &secrets).unwrap_err();
        assert!(
            err.to_string().contains("did you mean weak-cookie?"),
            "{err}"
        );
        // Another tool's code is fine: one RELKIT_EXCLUDE serves every tool.
        let args = FindingArgs {
            exclude: vec!["unknown-directive".into()],
            ..FindingArgs::default()
        };
        assert!(Reporter::new("vmargs", &CommonArgs::default(), &args, &secrets).is_ok());
    }

    #[test]
    fn json_and_another_format_disagree() {
        let secrets = Secrets::new(false);
        let common = CommonArgs {
            json: true,
            ..CommonArgs::default()
        };
        let args = FindingArgs {
            format: Some(Format::Sarif),
            ..FindingArgs::default()
        };
        assert!(Reporter::new("vmargs", &common, &args, &secrets).is_err());
    }
}
