//! The one colour palette: every styled piece of relkit output (findings, the
//! journal-fmt highlighting, secret-link's results) takes its style from here, as
//! anstyle styles, so the tools look like one toolkit and a colour is changed once.

use anstyle::{AnsiColor, Color};
pub use anstyle::{Reset, Style};

const fn fg(color: AnsiColor) -> Style {
    Style::new().fg_color(Some(Color::Ansi(color)))
}

/// Errors: error findings, journal lines at err and worse, 5xx, crash banners.
pub const ERROR: Style = fg(AnsiColor::Red).bold();
/// Warnings: warning findings and journal lines.
pub const WARNING: Style = fg(AnsiColor::Yellow).bold();
/// Info findings.
pub const INFO: Style = fg(AnsiColor::Cyan).bold();
/// Emphasis: locations, notice lines, level words, HTTP methods.
pub const EMPHASIS: Style = Style::new().bold();
/// What matters least: debug lines.
pub const FAINT: Style = fg(AnsiColor::BrightBlack);
/// Secondary text: times, metadata, stack-frame applications, links to docs.
pub const DIM: Style = Style::new().dimmed();
/// Done and fine: links made, 2xx, `QUERY OK`.
pub const SUCCESS: Style = fg(AnsiColor::Green);
/// Quantities to look at: durations, 4xx.
pub const MEASURE: Style = fg(AnsiColor::Yellow);
/// Values: paths, 3xx, quoted values.
pub const VALUE: Style = fg(AnsiColor::Cyan);
/// Names: identifiers, addresses.
pub const NAME: Style = fg(AnsiColor::Blue);
/// The gutter of a source excerpt.
pub const GUTTER: Style = fg(AnsiColor::Blue).bold();
/// Code: module names; also what could not be read.
pub const CODE: Style = fg(AnsiColor::Magenta);
/// URLs.
pub const LINK: Style = fg(AnsiColor::Blue).underline();
