//! The one finding shape every checker reports, with its JSON form (a `"finding"`
//! document) and its human form, as compilers and shellcheck print it:
//!
//! ```text
//! rel/vm.args.stage:2:7: error[name-without-host]: -name billing_stage.0.0.1 has no @host part
//!   2 | -name billing_stage.0.0.1
//!     |       ^^^^^^^^^^^^^^^^^^^
//!   = hint: did you mean -name billing_stage@127.0.0.1?
//! ```

use crate::json::Document;
use crate::palette;
use anstyle::Style;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
    Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The lowest; also the default `--severity`.
    #[default]
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    fn style(self) -> Style {
        match self {
            Severity::Info => palette::INFO,
            Severity::Warning => palette::WARNING,
            Severity::Error => palette::ERROR,
        }
    }
}

/// A problem a checker found. Positions are 1-based; `end_column` is one past the
/// last column of the span (so `end_column - column` carets are drawn).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub tool: String,
    pub severity: Severity,
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_column: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Document for Finding {
    const KIND: &'static str = "finding";
}

impl Finding {
    pub fn new(tool: &str, severity: Severity, code: &str, message: impl Into<String>) -> Finding {
        Finding {
            tool: tool.to_string(),
            severity,
            code: code.to_string(),
            message: message.into(),
            path: None,
            line: None,
            column: None,
            end_column: None,
            hint: None,
        }
    }

    /// Name the file the finding is about.
    pub fn in_file(mut self, path: impl Into<String>) -> Finding {
        self.path = Some(path.into());
        self
    }

    /// Place the finding on `line`, from `column` up to (not including) `end_column`.
    pub fn at(mut self, line: u32, column: u32, end_column: u32) -> Finding {
        self.line = Some(line);
        self.column = Some(column);
        self.end_column = Some(end_column.max(column + 1));
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Finding {
        self.hint = Some(hint.into());
        self
    }

    /// The human form, styled with anstyle (write it through
    /// [`crate::color::stdout`], which strips the styles when colour is off).
    /// `source_line` is the text of `line`, for the excerpt with carets.
    pub fn render(&self, source_line: Option<&str>) -> String {
        let bold = palette::EMPHASIS;
        let gutter = palette::GUTTER;
        let sev = self.severity.style();
        let mut out = String::new();

        let location = match (&self.path, self.line, self.column) {
            (Some(p), Some(l), Some(c)) => format!("{p}:{l}:{c}: "),
            (Some(p), Some(l), None) => format!("{p}:{l}: "),
            (Some(p), None, _) => format!("{p}: "),
            (None, Some(l), Some(c)) => format!("{l}:{c}: "),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "{bold}{location}{bold:#}{sev}{}{sev:#}{bold}[{}]{bold:#}: {}",
            self.severity.as_str(),
            self.code,
            self.message
        );

        let width = self.line.map_or(1, |l| l.to_string().len());
        let blank = " ".repeat(width + 3);
        if let (Some(line), Some(text)) = (self.line, source_line) {
            let (shown, caret_at, caret_len) = excerpt(text, self.column, self.end_column);
            let _ = writeln!(out, "{gutter}  {line} |{gutter:#} {shown}");
            if let Some(at) = caret_at {
                let _ = writeln!(
                    out,
                    "{gutter}{blank}|{gutter:#} {}{sev}{}{sev:#}",
                    " ".repeat(at),
                    "^".repeat(caret_len.max(1))
                );
            }
        }
        if let Some(hint) = &self.hint {
            let _ = writeln!(out, "{}{bold}= hint:{bold:#} {hint}", " ".repeat(2));
        }
        out
    }
}

/// "2 errors, 1 warning, 3 info": how many findings of each severity.
pub fn tally(findings: &[Finding]) -> String {
    let count = |s| findings.iter().filter(|f| f.severity == s).count();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}, {} info",
        plural(count(Severity::Error), "error"),
        plural(count(Severity::Warning), "warning"),
        count(Severity::Info)
    )
}

/// The line as shown (tabs expanded, control characters made visible) and where
/// the carets go in it, in display columns.
fn excerpt(
    text: &str,
    column: Option<u32>,
    end_column: Option<u32>,
) -> (String, Option<usize>, usize) {
    let mut shown = String::new();
    let mut caret_at = None;
    let mut caret_end = None;
    let start = column.map(|c| c as usize);
    let end = end_column.map(|c| c as usize);
    let mut width = 0usize;
    let mut col = 1usize;
    for ch in text.chars() {
        if Some(col) == start {
            caret_at = Some(width);
        }
        if Some(col) == end {
            caret_end = Some(width);
        }
        match ch {
            '\t' => {
                shown.push_str("    ");
                width += 4;
            }
            c if c.is_control() => {
                shown.push('\u{FFFD}');
                width += 1;
            }
            c => {
                shown.push(c);
                width += 1;
            }
        }
        col += 1;
    }
    if caret_at.is_none() && start.is_some_and(|s| s >= col) {
        caret_at = Some(width);
    }
    let caret_end = caret_end.unwrap_or(width.max(caret_at.unwrap_or(0) + 1));
    let len = caret_at.map_or(0, |at| caret_end.saturating_sub(at));
    (shown, caret_at, len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(s: &str) -> String {
        anstream::adapter::strip_str(s).to_string()
    }

    fn typo() -> Finding {
        Finding::new(
            "vmargs",
            Severity::Error,
            "name-without-host",
            "-name billing_stage.0.0.1 has no @host part",
        )
        .in_file("rel/vm.args.stage")
        .at(2, 7, 26)
        .with_hint("did you mean -name billing_stage@127.0.0.1?")
    }

    #[test]
    fn human_form_golden() {
        let got = plain(&typo().render(Some("-name billing_stage.0.0.1")));
        let want = "\
rel/vm.args.stage:2:7: error[name-without-host]: -name billing_stage.0.0.1 has no @host part
  2 | -name billing_stage.0.0.1
    |       ^^^^^^^^^^^^^^^^^^^
  = hint: did you mean -name billing_stage@127.0.0.1?
";
        assert_eq!(got, want);
    }

    #[test]
    fn human_form_without_source_or_position() {
        let f = Finding::new("vmargs", Severity::Warning, "shared-cookie", "same cookie")
            .in_file("rel/vm.args.prod");
        assert_eq!(
            plain(&f.render(None)),
            "rel/vm.args.prod: warning[shared-cookie]: same cookie\n"
        );
        let bare = Finding::new("hsts-check", Severity::Info, "preload-ready", "eligible");
        assert_eq!(plain(&bare.render(None)), "info[preload-ready]: eligible\n");
    }

    #[test]
    fn wide_line_numbers_widen_the_gutter_and_tabs_keep_carets_aligned() {
        let f = Finding::new("t", Severity::Info, "c", "m")
            .in_file("f")
            .at(120, 2, 5);
        let got = plain(&f.render(Some("\tabc")));
        assert_eq!(
            got,
            "f:120:2: info[c]: m\n  120 |     abc\n      |     ^^^\n"
        );
    }

    #[test]
    fn caret_past_the_end_of_the_line_points_at_the_end() {
        let f = Finding::new("t", Severity::Error, "unterminated-quote", "m")
            .in_file("f")
            .at(1, 9, 10);
        let got = plain(&f.render(Some("-name 'x")));
        assert!(got.ends_with("  1 | -name 'x\n    |         ^\n"), "{got}");
    }

    #[test]
    fn colour_styles_severity_and_strips_cleanly() {
        let styled = typo().render(Some("-name billing_stage.0.0.1"));
        assert!(styled.contains("\u{1b}[1m\u{1b}[31merror"), "{styled:?}");
        assert_eq!(
            plain(&styled),
            plain(&typo().render(Some("-name billing_stage.0.0.1")))
        );
    }

    #[test]
    fn json_form_matches_the_contract() {
        let json = crate::json::to_value(&typo()).unwrap();
        assert_eq!(
            json.to_string(),
            r#"{"kind":"finding","tool":"vmargs","severity":"error","code":"name-without-host","message":"-name billing_stage.0.0.1 has no @host part","path":"rel/vm.args.stage","line":2,"column":7,"end_column":26,"hint":"did you mean -name billing_stage@127.0.0.1?"}"#
        );
        let back: Finding = serde_json::from_value(json).unwrap();
        assert_eq!(back, typo());
    }

    #[test]
    fn tally_counts_each_severity() {
        let info = Finding::new("t", Severity::Info, "c", "m");
        assert_eq!(
            tally(&[typo(), info.clone(), info]),
            "1 error, 0 warnings, 2 info"
        );
        assert_eq!(tally(&[]), "0 errors, 0 warnings, 0 info");
    }

    #[test]
    fn severities_order_by_weight() {
        assert!(Severity::Error > Severity::Warning && Severity::Warning > Severity::Info);
    }
}
