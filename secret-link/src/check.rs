//! `secret-link check`: findings about the secrets and their links, from a survey.

use crate::codes::{self, *};
use crate::plan::{classify, require_into, Current};
use crate::selection::{self, Secret};
use crate::survey::{Machine, SourceKind, Survey};
use anyhow::Result;
use relkit_common::{Finding, Severity};

/// Survey the machine and report on every secret. A missing `--into` is an error
/// (exit 2), as for plan and apply.
pub fn check(
    machine: &dyn Machine,
    from: &str,
    into: &str,
    secrets: &[Secret],
) -> Result<Vec<Finding>> {
    let names: Vec<String> = secrets.iter().map(|s| s.name.clone()).collect();
    let survey = machine.survey(from, into, &names)?;
    require_into(machine, &survey, false)?;
    Ok(findings(&machine.label(), &survey, secrets))
}

/// The findings for a survey; `label` is `""` or `"HOST:"`, put before paths.
pub fn findings(label: &str, survey: &Survey, secrets: &[Secret]) -> Vec<Finding> {
    let mut out = Vec::new();
    let finding = |severity, code, path: &str, message: String| {
        codes::finding(severity, code, message).in_file(format!("{label}{path}"))
    };
    if !survey.into_writable {
        out.push(
            finding(
                Severity::Error,
                CODE_INTO_NOT_WRITABLE,
                &survey.into,
                "the link directory is not writable by this user, so apply cannot make links in it"
                    .into(),
            )
            .with_hint("fix its permissions, or run secret-link as the directory's owner"),
        );
    }
    if survey.git.in_work_tree && !survey.git.available {
        out.push(
            finding(
                Severity::Warning,
                CODE_GIT_UNAVAILABLE,
                &survey.into,
                "the link directory is in a git work tree, but git is not installed here, so whether the links are ignored was not checked".into(),
            )
            .with_hint("install git where the links are"),
        );
    }
    for (secret, observed) in secrets.iter().zip(&survey.entries) {
        let source = selection::join(&survey.from, &secret.name);
        let link = selection::join(&survey.into, &secret.name);
        let info = &observed.source;
        match info.kind {
            SourceKind::Missing => out.push(
                finding(
                    Severity::Error,
                    CODE_SOURCE_MISSING,
                    &source,
                    format!("the {} secret does not exist", secret.env),
                )
                .with_hint(format!(
                    "copy it to the build host first (scp {} HOST:{source}), or point --from at where it is",
                    secret.name
                )),
            ),
            SourceKind::Directory | SourceKind::Other => out.push(
                finding(
                    Severity::Error,
                    CODE_SOURCE_NOT_FILE,
                    &source,
                    format!(
                        "the {} secret is a {}, not a regular file",
                        secret.env,
                        if info.kind == SourceKind::Directory {
                            "directory"
                        } else {
                            "special file"
                        }
                    ),
                ),
            ),
            SourceKind::File => {
                if !info.readable {
                    out.push(
                        finding(
                            Severity::Error,
                            CODE_SOURCE_UNREADABLE,
                            &source,
                            "the build user cannot read this secret, so mix will fail to load it".into(),
                        )
                        .with_hint("chown it to the build user, or give their group read (chmod 640)"),
                    );
                }
                out.extend(mode_findings(label, &source, info.mode));
                if let Some(owner) = info.owner {
                    if owner != survey.uid && owner != 0 {
                        out.push(
                            finding(
                                Severity::Warning,
                                CODE_SECRET_FOREIGN_OWNER,
                                &source,
                                format!(
                                    "owned by uid {owner}, not by the build user (uid {}) or root",
                                    survey.uid
                                ),
                            )
                            .with_hint("another user can change this secret; chown it to the build user"),
                        );
                    }
                }
            }
        }
        let (current, target) = classify(&observed.at_link, &source);
        let target = target.unwrap_or_default();
        let link_finding = match current {
            Current::Nothing => Some(
                finding(
                    Severity::Error,
                    CODE_LINK_MISSING,
                    &link,
                    format!("no link to {source}"),
                )
                .with_hint("run secret-link apply with the same flags"),
            ),
            Current::RightLink => None,
            Current::DanglingLink => Some(
                finding(
                    Severity::Error,
                    CODE_LINK_DANGLING,
                    &link,
                    format!("links to {target}, which does not exist"),
                )
                .with_hint(format!("run secret-link apply to point it at {source}")),
            ),
            Current::OtherLink => Some(
                finding(
                    Severity::Error,
                    CODE_LINK_WRONG_TARGET,
                    &link,
                    format!("links to {target}, not to {source}"),
                )
                .with_hint("run secret-link apply to point it at the right secret"),
            ),
            Current::File => Some(
                finding(
                    Severity::Warning,
                    CODE_LINK_IS_FILE,
                    &link,
                    format!("a regular file is here, not a link to {source}"),
                )
                .with_hint("a copy goes stale when the secret changes; keep it aside and link with secret-link apply --force"),
            ),
            Current::Directory | Current::Other => Some(finding(
                Severity::Error,
                CODE_LINK_BLOCKED,
                &link,
                format!("{} is here, where the link to {source} belongs", current.describe()),
            )),
        };
        out.extend(link_finding);
        if let (Some(status), Some(top)) = (observed.git, &survey.git.top) {
            let in_repo = format!("/{}{}", survey.git.prefix, secret.name);
            if status.tracked {
                out.push(
                    finding(
                        Severity::Error,
                        CODE_LINK_TRACKED,
                        &link,
                        "is tracked by git, so the secret's path (or a copy) is in the repository"
                            .into(),
                    )
                    .with_hint(format!(
                        "git rm --cached '{}{}' and add the line {in_repo} to {}",
                        survey.git.prefix,
                        secret.name,
                        selection::join(top, ".gitignore")
                    )),
                );
            } else if !status.ignored {
                out.push(
                    finding(
                        Severity::Error,
                        CODE_LINK_NOT_IGNORED,
                        &link,
                        "is not ignored by git: `git add -A` would commit it, and the build tree shows it as untracked".into(),
                    )
                    .with_hint(format!(
                        "add the line {in_repo} to {}",
                        selection::join(top, ".gitignore")
                    )),
                );
            }
        }
        for temp in &observed.stale_temps {
            out.push(
                finding(
                    Severity::Warning,
                    CODE_STALE_TEMP_LINK,
                    &selection::join(&survey.into, temp),
                    "a temporary link left by an interrupted secret-link apply".into(),
                )
                .with_hint("remove it; the link itself is intact"),
            );
        }
    }
    out
}

fn mode_findings(label: &str, source: &str, mode: Option<u32>) -> Vec<Finding> {
    let Some(mode) = mode else {
        return Vec::new();
    };
    let path = format!("{label}{source}");
    let mut out = Vec::new();
    if mode & 0o007 != 0 {
        out.push(
            codes::finding(
                Severity::Error,
                CODE_SECRET_WORLD_ACCESSIBLE,
                format!(
                    "mode {mode:04o}: every user on the host can {}",
                    access_words(mode & 0o007)
                ),
            )
            .in_file(path.clone())
            .with_hint(format!(
                "chmod 600 {} (or 640 for a group of readers), as ssh insists for private keys",
                shell_words::quote(source)
            )),
        );
    }
    if mode & 0o020 != 0 {
        out.push(
            codes::finding(
                Severity::Error,
                CODE_SECRET_GROUP_WRITABLE,
                format!("mode {mode:04o}: the file's group can change the secret"),
            )
            .in_file(path)
            .with_hint(format!("chmod g-w {}", shell_words::quote(source))),
        );
    }
    out
}

fn access_words(bits: u32) -> &'static str {
    match (bits & 0o4 != 0, bits & 0o2 != 0) {
        (true, true) => "read and change it",
        (true, false) => "read it",
        (false, true) => "change it",
        (false, false) => "execute it",
    }
}
