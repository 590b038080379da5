//! The properties the fuzz targets and the corpus replay hold the readers to. Nothing
//! in the crate imports this module.

use crate::{apply, plan, remote, selection};

/// Run every reader of outside input on arbitrary bytes: a plan document (read,
/// typed, validated), a build host's survey reply (NUL-separated fields), and
/// environments and name patterns (one per line). The fuzz target and its corpus
/// replay call this; none of it may panic.
pub fn exercise_readers(data: &[u8]) {
    use relkit_common::json::Document;
    if let Ok(docs) = relkit_common::Documents::read("fuzz", data, &[plan::Plan::KIND]) {
        if let Ok(plans) = docs.into_typed::<plan::Plan>("fuzz") {
            for plan in &plans {
                if apply::validate(plan).is_ok() {
                    for link in &plan.links {
                        assert!(link.link.starts_with(&plan.into));
                        assert!(!link.name.contains('/'));
                    }
                }
            }
        }
    }
    let text = String::from_utf8_lossy(data);
    let fields: Vec<String> = text.split('\0').map(str::to_string).collect();
    let names = fields.len().saturating_sub(9) / 10;
    let names: Vec<String> = (0..names).map(|i| format!("n{i}")).collect();
    let _ = remote::parse_survey("fuzz", &fields, &names);
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let (envs, patterns) = lines.split_at(lines.len() / 2);
    if let Ok(secrets) = selection::secrets(envs, patterns) {
        for secret in secrets {
            assert!(!secret.name.contains('/') && secret.name != ".." && secret.name != ".");
        }
    }
}
