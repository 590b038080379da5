//! Carrying out a plan: look again at what is on disk, refuse the whole plan if any
//! link cannot be made or has changed since it was planned, then make each link
//! atomically and report what was done as a `secret-link.result` document.

use crate::plan::{classify, decide, require_into, Action, Current, Options, Plan};
use crate::selection::{self, check_component};
use crate::survey::{temp_name, Machine, Op, Outcome, Step};
use anyhow::{bail, Result};
use relkit_common::json::Document;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    pub host: Option<String>,
    pub dry_run: bool,
    pub links: Vec<AppliedLink>,
}

impl Document for Applied {
    const KIND: &'static str = "secret-link.result";
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedLink {
    pub link: String,
    pub source: String,
    /// `create`, `replace` or `keep`.
    pub action: Action,
    /// False in a dry run, and when the step failed.
    pub done: bool,
    /// The old link's target, for a replaced link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_target: Option<String>,
    /// Where a replaced file or directory was moved (`NAME.bak.<time>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Applied {
    pub fn failed(&self) -> bool {
        self.links.iter().any(|l| l.error.is_some())
    }
}

/// A plan that cannot be carried out: each line names a link and what to do.
#[derive(Debug)]
pub struct Refused {
    pub lines: Vec<String>,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "nothing was changed: {} of the links cannot be made as planned",
            self.lines.len()
        )
    }
}

impl std::error::Error for Refused {}

/// A plan read from JSON is input like any other: its paths must be what plan
/// would have written, so an edited plan cannot link outside `into`.
pub fn validate(plan: &Plan) -> Result<()> {
    for (dir, flag) in [(&plan.from, "from"), (&plan.into, "into")] {
        if !dir.starts_with('/') {
            bail!("the plan's \"{flag}\" ({dir}) is not an absolute path; make the plan with secret-link plan");
        }
    }
    for link in &plan.links {
        check_component(&link.name, "file name", "the plan's \"name\"")?;
        if link.link != selection::join(&plan.into, &link.name)
            || link.source != selection::join(&plan.from, &link.name)
        {
            bail!(
                "the plan's entry for {} does not match its \"from\", \"into\" and \"name\"; make the plan again with secret-link plan",
                link.name
            );
        }
    }
    Ok(())
}

/// UTC time as `YYYYMMDDTHHMMSSZ`, for backup names that sort by age.
pub fn utc_stamp(unix_seconds: u64) -> String {
    let (year, month, day, hour, minute, second) = relkit_common::time::utc(unix_seconds);
    format!("{year:04}{month:02}{day:02}T{hour:02}{minute:02}{second:02}Z")
}

/// Carry out `plan` on `machine`. `extra` adds to the plan's own options. Refusals
/// come back as a [`Refused`] error before anything is changed; a step that fails
/// is recorded in its link's `error`.
pub fn apply(machine: &dyn Machine, plan: &Plan, extra: Options, dry_run: bool) -> Result<Applied> {
    validate(plan)?;
    let options = Options {
        force: plan.force || extra.force,
        allow_dangling: plan.allow_dangling || extra.allow_dangling,
    };
    let names: Vec<String> = plan.links.iter().map(|l| l.name.clone()).collect();
    let survey = machine.survey(&plan.from, &plan.into, &names)?;
    let label = machine.label();
    let now_secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let stamp = utc_stamp(now_secs);

    let mut refusals = Vec::new();
    let mut decided = Vec::new();
    for (planned, observed) in plan.links.iter().zip(&survey.entries) {
        let (current, target) = classify(&observed.at_link, &planned.source);
        if (current, &target) != (planned.current, &planned.current_target)
            && current != Current::RightLink
        {
            refusals.push(format!(
                "{label}{}: planned when {} was there, now it is {}; run secret-link plan again",
                planned.link,
                describe(planned.current, planned.current_target.as_deref()),
                describe(current, target.as_deref())
            ));
            continue;
        }
        let (action, backup, reason) =
            decide(current, observed.source.kind, &planned.source, options);
        if action == Action::Refuse {
            refusals.push(format!(
                "{label}{}: {}",
                planned.link,
                reason.unwrap_or_default()
            ));
            continue;
        }
        decided.push((planned, current, target, action, backup));
    }
    if !refusals.is_empty() {
        return Err(Refused { lines: refusals }.into());
    }
    let writing = decided.iter().any(|d| d.3 != Action::Keep);
    require_into(machine, &survey, writing)?;

    let mut steps = Vec::new();
    let mut links = Vec::new();
    for (planned, current, target, action, _) in &decided {
        if *action != Action::Keep {
            let op = match current {
                Current::Nothing => Op::Create,
                Current::File => Op::BackupFile,
                Current::Directory => Op::BackupDir,
                _ => Op::Replace,
            };
            steps.push((
                links.len(),
                Step {
                    op,
                    name: planned.name.clone(),
                    source: planned.source.clone(),
                    expect_target: target.clone().unwrap_or_default(),
                    temp: temp_name(&planned.name),
                    backup: format!("{}.bak.{stamp}", planned.name),
                },
            ));
        }
        links.push(AppliedLink {
            link: planned.link.clone(),
            source: planned.source.clone(),
            action: *action,
            done: *action == Action::Keep,
            previous_target: target.clone().filter(|_| *action == Action::Replace),
            backup: None,
            error: None,
        });
    }
    if !dry_run && !steps.is_empty() {
        let only_steps: Vec<Step> = steps.iter().map(|(_, s)| s.clone()).collect();
        let outcomes = machine.execute(&survey.into, &only_steps)?;
        for ((index, _), outcome) in steps.iter().zip(outcomes) {
            let link = &mut links[*index];
            match outcome {
                Outcome::Done { backup } => {
                    link.done = true;
                    link.backup = backup.map(|b| selection::join(&survey.into, &b));
                }
                Outcome::Already => {
                    link.done = true;
                    link.action = Action::Keep;
                    link.previous_target = None;
                }
                Outcome::Changed(now) => {
                    link.error = Some(format!(
                        "{label}{}: changed while applying (now {}); nothing done there; run secret-link plan again",
                        link.link,
                        now.replace("link:", "a link to ")
                    ));
                }
                Outcome::Failed(why) => {
                    link.error = Some(format!("{label}{}: {why}", link.link));
                }
            }
        }
    }
    Ok(Applied {
        host: plan.host.clone(),
        dry_run,
        links,
    })
}

fn describe(current: Current, target: Option<&str>) -> String {
    match target {
        Some(t) => format!("{} (to {t})", current.describe()),
        None => current.describe().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps() {
        assert_eq!(utc_stamp(0), "19700101T000000Z");
        assert_eq!(utc_stamp(951_782_400), "20000229T000000Z");
        assert_eq!(utc_stamp(1_795_350_245), "20261122T122405Z");
    }
}
