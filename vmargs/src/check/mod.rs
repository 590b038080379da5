//! The checks: what erl, init, the distribution code and the release start scripts
//! would do with a vm.args file that its author did not expect. One topic per file,
//! each rule named in docs/codes.md with its source: the bytes and words
//! ([`lexical`]), node names ([`names`]), cookies ([`cookies`]), flags and
//! parameters ([`flags`]), and what crosses files ([`across`]).

pub mod across;
mod context;
mod cookies;
mod flags;
mod lexical;
mod names;

pub use across::check_across;
pub use context::{Options, Target, Unit, NEWEST_OTP};

use context::Ctx;
use relkit_common::Finding;

/// Check one file.
pub fn check_unit(unit: &Unit, opts: Options) -> Vec<Finding> {
    let mut cx = Ctx {
        unit,
        opts,
        out: Vec::new(),
    };
    lexical::lexical(&mut cx);
    if let Some(fatal) = unit.parsed.fatal() {
        lexical::refused(&mut cx, fatal);
    }
    lexical::includes(&mut cx);
    names::node_names(&mut cx);
    cookies::cookies(&mut cx);
    flags::emulator_flags(&mut cx);
    flags::init_flags(&mut cx);
    flags::app_params(&mut cx);
    flags::env_vars(&mut cx);
    let mut out = cx.out;
    // Top file first, then by position, so the report reads down the file.
    out.sort_by_key(|f| {
        (
            f.path.as_deref() != Some(unit.display.as_str()),
            f.path.clone(),
            f.line,
            f.column,
        )
    });
    out
}

#[cfg(test)]
mod tests;
