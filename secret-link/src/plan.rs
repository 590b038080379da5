//! The `secret-link.plan` document: for each secret, its source, its link path,
//! what is there now and what apply will do about it.

use crate::selection::{self, Secret};
use crate::survey::{AtLink, IntoState, Machine, SourceKind, Survey};
use anyhow::{bail, Result};
use relkit_common::json::Document;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The build host (`[USER@]HOST`), or null for this machine.
    pub host: Option<String>,
    /// Extra ssh arguments (`-F FILE`, `-o OPTION`) that reach the host.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ssh_args: Vec<String>,
    /// Absolute, with `~/` expanded where the files are.
    pub from: String,
    pub into: String,
    pub force: bool,
    pub allow_dangling: bool,
    pub links: Vec<PlannedLink>,
}

impl Document for Plan {
    const KIND: &'static str = "secret-link.plan";
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedLink {
    pub env: String,
    pub name: String,
    pub source: String,
    pub source_state: SourceKind,
    pub link: String,
    pub current: Current,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_target: Option<String>,
    pub action: Action,
    /// The regular file or directory at the link path is moved aside first (`--force`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub backup: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What is at the link path, relative to the source it should point to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Current {
    Nothing,
    RightLink,
    OtherLink,
    DanglingLink,
    File,
    Directory,
    Other,
}

impl Current {
    pub fn describe(self) -> &'static str {
        match self {
            Current::Nothing => "nothing",
            Current::RightLink => "the right link",
            Current::OtherLink => "a link elsewhere",
            Current::DanglingLink => "a dangling link",
            Current::File => "a regular file",
            Current::Directory => "a directory",
            Current::Other => "a special file",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Create,
    Replace,
    Keep,
    Refuse,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    pub force: bool,
    pub allow_dangling: bool,
}

/// What is at the link path, and the link's target if it is a link.
pub fn classify(at_link: &AtLink, source: &str) -> (Current, Option<String>) {
    match at_link {
        AtLink::Nothing => (Current::Nothing, None),
        AtLink::Link { target, .. } if target == source => {
            (Current::RightLink, Some(target.clone()))
        }
        AtLink::Link { target, resolves } => (
            if *resolves {
                Current::OtherLink
            } else {
                Current::DanglingLink
            },
            Some(target.clone()),
        ),
        AtLink::File => (Current::File, None),
        AtLink::Directory => (Current::Directory, None),
        AtLink::Other => (Current::Other, None),
    }
}

/// The action for one secret, with the reason when it is refused.
pub fn decide(
    current: Current,
    source_state: SourceKind,
    source: &str,
    options: Options,
) -> (Action, bool, Option<String>) {
    let refuse = |why: String| (Action::Refuse, false, Some(why));
    match source_state {
        SourceKind::Directory => {
            return refuse(format!(
                "the source {source} is a directory, not a secret file; point --from at the directory that holds the file"
            ))
        }
        SourceKind::Other => {
            return refuse(format!(
                "the source {source} is not a regular file; put the secret file there"
            ))
        }
        SourceKind::Missing if !options.allow_dangling => {
            return refuse(format!(
                "the source {source} does not exist, so the link would dangle; put the secret there first, or pass --allow-dangling"
            ))
        }
        _ => {}
    }
    match current {
        Current::Nothing => (Action::Create, false, None),
        Current::RightLink => (Action::Keep, false, None),
        Current::OtherLink | Current::DanglingLink => (Action::Replace, false, None),
        Current::File | Current::Directory if options.force => (Action::Replace, true, None),
        Current::File | Current::Directory => refuse(format!(
            "{} is there, and it may be the only copy of a secret; move it away, or pass --force to keep it as NAME.bak.<time>",
            current.describe()
        )),
        Current::Other => refuse(
            "a special file (fifo, socket or device) is there; remove it by hand".to_string(),
        ),
    }
}

/// The plan's links from a survey of `secrets` (in the same order).
pub fn links_from_survey(
    survey: &Survey,
    secrets: &[Secret],
    options: Options,
) -> Vec<PlannedLink> {
    secrets
        .iter()
        .zip(&survey.entries)
        .map(|(secret, observed)| {
            let source = selection::join(&survey.from, &secret.name);
            let (current, current_target) = classify(&observed.at_link, &source);
            let (action, backup, reason) = decide(current, observed.source.kind, &source, options);
            PlannedLink {
                env: secret.env.clone(),
                name: secret.name.clone(),
                link: selection::join(&survey.into, &secret.name),
                source,
                source_state: observed.source.kind,
                current,
                current_target,
                action,
                backup,
                reason,
            }
        })
        .collect()
}

/// Refuse a link directory that cannot take links: exit 2 with what to do.
pub fn require_into(machine: &dyn Machine, survey: &Survey, writing: bool) -> Result<()> {
    let at = format!("{}{}", machine.label(), survey.into);
    match survey.into_state {
        IntoState::Missing => {
            bail!("--into {at} does not exist; create it first (mkdir -p) or check the path")
        }
        IntoState::NotDirectory => bail!("--into {at} is not a directory"),
        IntoState::Directory if writing && !survey.into_writable => bail!(
            "--into {at} is not writable by this user; fix its permissions or run as its owner"
        ),
        IntoState::Directory => Ok(()),
    }
}

/// Survey the machine and plan every secret.
pub fn make_plan(
    machine: &dyn Machine,
    host: Option<&str>,
    ssh_args: &[String],
    from: &str,
    into: &str,
    secrets: &[Secret],
    options: Options,
) -> Result<Plan> {
    let names: Vec<String> = secrets.iter().map(|s| s.name.clone()).collect();
    let survey = machine.survey(from, into, &names)?;
    if survey.from == survey.into {
        bail!(
            "--from and --into are the same directory ({}); each link would point at itself",
            survey.into
        );
    }
    let links = links_from_survey(&survey, secrets, options);
    let writing = links
        .iter()
        .any(|l| matches!(l.action, Action::Create | Action::Replace));
    require_into(machine, &survey, writing)?;
    Ok(Plan {
        host: host.map(str::to_string),
        ssh_args: ssh_args.to_vec(),
        from: survey.from,
        into: survey.into,
        force: options.force,
        allow_dangling: options.allow_dangling,
        links,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "/var/stage.secret.exs";

    #[test]
    fn classify_links() {
        let link = |target: &str, resolves| AtLink::Link {
            target: target.into(),
            resolves,
        };
        assert_eq!(classify(&link(SRC, false), SRC).0, Current::RightLink);
        assert_eq!(classify(&link("/x", true), SRC).0, Current::OtherLink);
        assert_eq!(classify(&link("/x", false), SRC).0, Current::DanglingLink);
        assert_eq!(classify(&AtLink::Nothing, SRC), (Current::Nothing, None));
    }

    #[test]
    fn actions() {
        let plain = Options::default();
        let file = SourceKind::File;
        assert_eq!(decide(Current::Nothing, file, SRC, plain).0, Action::Create);
        assert_eq!(decide(Current::RightLink, file, SRC, plain).0, Action::Keep);
        assert_eq!(
            decide(Current::OtherLink, file, SRC, plain).0,
            Action::Replace
        );
        assert_eq!(
            decide(Current::DanglingLink, file, SRC, plain).0,
            Action::Replace
        );
        let (action, backup, reason) = decide(Current::File, file, SRC, plain);
        assert_eq!((action, backup), (Action::Refuse, false));
        assert!(reason.unwrap().contains("--force"));
        let forced = Options {
            force: true,
            ..plain
        };
        assert_eq!(
            decide(Current::Directory, file, SRC, forced),
            (Action::Replace, true, None)
        );
        assert_eq!(decide(Current::Other, file, SRC, forced).0, Action::Refuse);
    }

    #[test]
    fn sources_that_cannot_be_linked() {
        let plain = Options::default();
        let (action, _, reason) = decide(Current::Nothing, SourceKind::Missing, SRC, plain);
        assert_eq!(action, Action::Refuse);
        assert!(reason.unwrap().contains("--allow-dangling"));
        let dangling = Options {
            allow_dangling: true,
            ..plain
        };
        assert_eq!(
            decide(Current::Nothing, SourceKind::Missing, SRC, dangling).0,
            Action::Create
        );
        assert_eq!(
            decide(Current::Nothing, SourceKind::Directory, SRC, dangling).0,
            Action::Refuse
        );
    }
}
