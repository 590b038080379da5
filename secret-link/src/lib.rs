//! secret-link: link per-environment secret files (`/var/stage.secret.exs`) into a
//! build tree (`config/stage.secret.exs`), atomically, on this machine or on a build
//! host over ssh, and check that the links and the secrets behind them are sound.
//!
//! `plan` surveys what is there and decides; `apply` looks again, refuses a plan
//! the disk no longer matches, and makes each link with a temporary link renamed
//! over the old one; `check` turns a survey into findings. The `Machine` trait is
//! the only part that differs between here ([`local::Local`]) and a build host
//! ([`remote::Remote`]).
//!
//! [`selection`] names the secrets, [`survey`] looks at the disk, [`plan`] decides,
//! [`apply`] carries a plan out and [`check`] makes findings; [`codes`] names the tool
//! and every finding code; [`cli`] is the command line; [`invariants`] holds what the
//! fuzz target checks.

pub mod apply;
pub mod check;
pub mod cli;
pub mod codes;
#[doc(hidden)]
pub mod invariants;
pub mod local;
pub mod plan;
pub mod remote;
pub mod selection;
pub mod survey;
