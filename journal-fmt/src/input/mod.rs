//! The readers: bytes in, entries out. JSON lines ([`json`]), JSON text that is not
//! one entry per line ([`jsonstream`]), the export format ([`export`]), the `short`
//! family and bare lines ([`text`]); [`lines`] cuts a stream into blocks of whole
//! lines; [`format`] names the forms.

pub mod export;
pub mod format;
pub mod journal;
pub mod json;
pub mod jsonstream;
pub mod lines;
pub mod text;
