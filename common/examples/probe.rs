//! A minimal tool built on the common wrapper, for the wrapper's process-level tests:
//! `probe lines N` prints N lines, `probe fail` errors, `probe panic` panics,
//! `probe problems` exits 1, `probe doc KIND` echoes stdin's documents of KIND.

use anyhow::Context;
use relkit_common::{json, Documents, Status};
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    relkit_common::run("probe", || {
        let args: Vec<String> = std::env::args().skip(1).collect();
        match args
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice()
        {
            ["lines", n] => {
                let mut out = std::io::stdout().lock();
                for i in 0..n.parse::<u64>()? {
                    writeln!(out, "line {i}").context("writing output")?;
                }
                Ok(Status::Clean)
            }
            ["fail"] => Err(anyhow::anyhow!(
                "no such environment \"qa\"; known: stage, prod"
            )),
            ["panic"] => panic!("deliberate"),
            ["detailed"] => Err(anyhow::Error::new(relkit_common::Detailed {
                message: "f.exs:2:3: unexpected `end`".into(),
                detail: "  2 | x end\n    |   ^\n".into(),
            })),
            ["problems"] => Ok(Status::Problems),
            ["doc", kind] => {
                let input = relkit_common::read_input(None)?;
                let docs = Documents::read(&input.name, &input.bytes, &[kind])?;
                let mut out = std::io::stdout().lock();
                for doc in &docs.0 {
                    json::write_value(&mut out, doc, json::stdout_is_pretty())?;
                }
                Ok(Status::Clean)
            }
            _ => Err(anyhow::anyhow!(
                "usage: probe lines N|fail|panic|problems|doc KIND"
            )),
        }
    })
}
