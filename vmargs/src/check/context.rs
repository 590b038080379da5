//! What a check looks at (one file and its target) and where it puts findings.

use crate::codes;
use crate::erlexec::{Origin, Word};
use crate::model::Parsed;
use relkit_common::{Finding, Severity};

/// Which start script will run the VM with this file: it decides what is required.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// Distillery releases (rel/config.exs): the start script needs -name or -sname.
    Distillery,
    /// `mix release` (rel/vm.args.eex): name and cookie come from RELEASE_* variables.
    Mix,
    /// relx/rebar3 releases: the start script needs exactly one -name or -sname.
    Relx,
    /// Plain `erl -args_file`: no start script.
    Erl,
}

impl Target {
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Distillery => "distillery",
            Target::Mix => "mix",
            Target::Relx => "relx",
            Target::Erl => "erl",
        }
    }

    pub(super) fn has_start_script(self) -> bool {
        matches!(self, Target::Distillery | Target::Relx)
    }
}

/// One file to check, with what is known about where it is used.
#[derive(Debug)]
pub struct Unit {
    /// The path as shown in findings.
    pub display: String,
    /// The environment the file belongs to (`stage`, `prod`), if known.
    pub env: Option<String>,
    pub target: Target,
    pub parsed: Parsed,
    /// The file is tracked by git (its contents, cookie included, are in the repository).
    pub tracked: bool,
    /// The cookie in this text was replaced before it reached vmargs (a
    /// `release-pack.inspect` document without `--show-secrets`): its value says
    /// nothing, so it is not judged or compared.
    pub cookie_redacted: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The OTP release the VM runs (decides which flags are dead or deprecated).
    pub otp: u32,
}

/// The newest OTP release the flag tables know about.
pub const NEWEST_OTP: u32 = 28;

pub(super) struct Ctx<'a> {
    pub(super) unit: &'a Unit,
    pub(super) opts: Options,
    pub(super) out: Vec<Finding>,
}

impl Ctx<'_> {
    pub(super) fn path_of(&self, file: usize) -> String {
        if file == 0 {
            self.unit.display.clone()
        } else {
            self.unit.parsed.expansion.files[file]
                .name
                .display()
                .to_string()
        }
    }

    pub(super) fn at_origin(
        &mut self,
        origin: Option<Origin>,
        severity: Severity,
        code: &str,
        message: String,
    ) -> &mut Finding {
        let mut f = codes::finding(severity, code, message);
        match origin {
            Some(o) => {
                let place = self.unit.parsed.place(o);
                f = f
                    .in_file(self.path_of(o.file))
                    .at(place.line, place.column, place.end_column);
            }
            None => f = f.in_file(self.unit.display.clone()),
        }
        self.out.push(f);
        self.out.last_mut().expect("just pushed")
    }

    pub(super) fn at(
        &mut self,
        word: &Word,
        severity: Severity,
        code: &str,
        message: String,
    ) -> &mut Finding {
        self.at_origin(word.origin, severity, code, message)
    }

    pub(super) fn at_offset(
        &mut self,
        file: usize,
        offset: usize,
        len: usize,
        severity: Severity,
        code: &str,
        message: String,
    ) -> &mut Finding {
        let place = self
            .unit
            .parsed
            .place_of_span(file, offset, offset + len.max(1));
        let f = codes::finding(severity, code, message)
            .in_file(self.path_of(file))
            .at(place.line, place.column, place.end_column);
        self.out.push(f);
        self.out.last_mut().expect("just pushed")
    }

    pub(super) fn in_file(
        &mut self,
        severity: Severity,
        code: &str,
        message: String,
    ) -> &mut Finding {
        self.at_origin(None, severity, code, message)
    }
}

pub(super) fn hint(f: &mut Finding, text: impl Into<String>) {
    f.hint = Some(text.into());
}

pub(super) fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub(super) fn templated(value: &[u8]) -> bool {
    let s = show(value);
    s.contains("${") || s.contains("<%") || s.starts_with('$')
}

/// The word that followed a flag in its file, as written (to explain what erl did).
pub(super) fn next_raw_word(unit: &Unit, flag: &Word) -> Option<String> {
    let o = flag.origin?;
    let tokens = &unit.parsed.expansion.files[o.file].tokens.tokens;
    tokens.get(o.token + 1).map(|t| show(&t.value))
}
