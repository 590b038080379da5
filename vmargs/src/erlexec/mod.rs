//! What `erl -args_file F` does with the words of F before the VM starts
//! (erts/etc/common/erlexec.c, as in OTP 25, the release the conformance tests run):
//! expand nested `-args_file`, move each file's `-extra` part to the end, then sort
//! words into emulator flags (`+X` becomes `-X`) and init arguments, consume
//! `-env`, and stop with erl's own message where erl stops.
//!
//! [`args_file`] follows `-args_file` and gives the words in order; [`classify`]
//! sorts them as erlexec does.

pub mod args_file;
pub mod classify;

pub use args_file::*;
pub use classify::*;

#[cfg(test)]
mod tests;
