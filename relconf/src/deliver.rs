//! edeliver's `.deliver/config`: the bash file every edeliver project has, read with
//! the shared shell reader (`relkit_common::shell`, the one `vmargs boot` reads
//! env.sh with) for the variables edeliver takes from it: `APP`, `BUILD_HOST`,
//! `BUILD_USER`, `BUILD_AT`, each environment's `NAME_HOSTS` (space-separated) and
//! `NAME_USER`, `DELIVER_TO`, `LINK_VM_ARGS`, `LINK_SYS_CONFIG`. edeliver unpacks a
//! release in `$DELIVER_TO/$APP` on every host of the environment it deploys to:
//! those are the `targets` (`USER@HOST:DIR`, what `vmargs cluster --hosts-from`
//! reads). A value the file computes at run time is left out, with a note.

use relkit_common::shell::{Origin, Shell};
use relkit_common::Document;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliverEnvironment {
    /// `production` for `PRODUCTION_HOSTS`, and so on.
    pub name: String,
    pub hosts: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// `$DELIVER_TO/$APP`, where the release is on each host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_dir: Option<String>,
    /// `USER@HOST:DIR` for each host (`HOST:DIR` without a user).
    pub targets: Vec<String>,
}

/// `relconf.deliver`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliverDoc {
    pub file: String,
    /// Each variable edeliver reads, with its value and line (`FILE:LINE`).
    pub variables: Vec<DeliverVariable>,
    pub environments: Vec<DeliverEnvironment>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliverVariable {
    pub name: String,
    pub value: String,
    pub set_by: String,
}

impl Document for DeliverDoc {
    const KIND: &'static str = "relconf.deliver";
}

const READ: &[&str] = &[
    "APP",
    "BUILD_HOST",
    "BUILD_USER",
    "BUILD_AT",
    "DELIVER_TO",
    "LINK_VM_ARGS",
    "LINK_SYS_CONFIG",
    "TARGET_MIX_ENV",
];

/// Whether `path` names an edeliver configuration.
pub fn is_deliver_config(path: &std::path::Path) -> bool {
    path.file_name().is_some_and(|n| n == "config")
        && path
            .parent()
            .and_then(|p| p.file_name())
            .is_some_and(|n| n == ".deliver")
}

/// Read `.deliver/config` (its text `text`, shown as `file`).
pub fn read(file: &str, text: &[u8]) -> Result<DeliverDoc, relkit_common::SyntaxError> {
    let nodes = relkit_common::shell::parse(text).map_err(|e| e.in_file(file))?;
    let mut shell = Shell::default();
    shell.run(&nodes);
    let mut notes: Vec<String> = shell
        .notes
        .iter()
        .map(|n| format!("{file}:{}: {}", n.line, n.what))
        .collect();
    let known = |name: &str, notes: &mut Vec<String>| -> Option<(String, String)> {
        let var = shell.vars.get(name)?;
        let set_by = match var.origin {
            Origin::Line(line) => format!("{file}:{line}"),
            Origin::Environment => "environment".into(),
        };
        match var.value.as_known() {
            Some(v) => Some((v.to_string(), set_by)),
            None => {
                notes.push(format!(
                    "{set_by}: {name} is computed when edeliver runs ({}): left out",
                    var.value.unknown.join("; ")
                ));
                None
            }
        }
    };
    let mut variables = Vec::new();
    for name in READ {
        if let Some((value, set_by)) = known(name, &mut notes) {
            variables.push(DeliverVariable {
                name: name.to_string(),
                value,
                set_by,
            });
        }
    }
    let value = |variables: &[DeliverVariable], name: &str| {
        variables
            .iter()
            .find(|v| v.name == name)
            .map(|v| v.value.clone())
    };
    let release_dir = match (value(&variables, "DELIVER_TO"), value(&variables, "APP")) {
        (Some(to), Some(app)) => Some(format!("{}/{app}", to.trim_end_matches('/'))),
        _ => None,
    };
    let host_vars: Vec<String> = shell
        .vars
        .keys()
        .filter(|k| k.ends_with("_HOSTS") && k.len() > "_HOSTS".len())
        .cloned()
        .collect();
    let mut environments = Vec::new();
    for var in host_vars {
        let prefix = var.trim_end_matches("_HOSTS");
        let Some((hosts, set_by)) = known(&var, &mut notes) else {
            continue;
        };
        variables.push(DeliverVariable {
            name: var.clone(),
            value: hosts.clone(),
            set_by,
        });
        let user = known(&format!("{prefix}_USER"), &mut notes).map(|(u, set_by)| {
            variables.push(DeliverVariable {
                name: format!("{prefix}_USER"),
                value: u.clone(),
                set_by,
            });
            u
        });
        let hosts: Vec<String> = hosts.split_whitespace().map(str::to_string).collect();
        let targets = match &release_dir {
            Some(dir) => hosts
                .iter()
                .map(|h| match (&user, h.contains('@')) {
                    (Some(u), false) => format!("{u}@{h}:{dir}"),
                    _ => format!("{h}:{dir}"),
                })
                .collect(),
            None => Vec::new(),
        };
        environments.push(DeliverEnvironment {
            name: prefix.to_ascii_lowercase(),
            hosts,
            user,
            release_dir: release_dir.clone(),
            targets,
        });
    }
    if release_dir.is_none() && !environments.is_empty() {
        notes.push(format!(
            "{file}: DELIVER_TO and APP are not both known here: no targets (the release is in $DELIVER_TO/$APP on each host)"
        ));
    }
    Ok(DeliverDoc {
        file: file.to_string(),
        variables,
        environments,
        notes,
    })
}

impl DeliverDoc {
    /// Keep only the environment `name`.
    pub fn only_environment(&mut self, name: &str) -> Result<(), String> {
        let names: Vec<&str> = self.environments.iter().map(|e| e.name.as_str()).collect();
        if !names.contains(&name) {
            return Err(format!(
                "no environment {name:?} in edeliver's config (it has: {})",
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            ));
        }
        self.environments.retain(|e| e.name == name);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edeliver_config_with_functions_and_derived_paths() {
        let text = br#"APP="billing"

BUILD_HOST="build.example.com"
BUILD_USER="builder"
BUILD_AT="/tmp/edeliver/$APP/builds"

STAGING_HOSTS="stage1.example.com"
STAGING_USER="billing"
PRODUCTION_HOSTS="app1.example.com app2.example.com deploy@app3.example.com"
PRODUCTION_USER="billing"
DELIVER_TO="/home/billing/"
LINK_VM_ARGS="/home/billing/vm.args"

pre_erlang_get_and_update_deps() {
  local _prod_secret_path="/home/builder/prod.secret.exs"
  if [ "$TARGET_MIX_ENV" = "prod" ]; then
    __sync_remote "ln -sfn '$_prod_secret_path' '$BUILD_AT/config/prod.secret.exs'"
  fi
}
"#;
        let mut doc = read(".deliver/config", text).unwrap();
        assert_eq!(doc.environments.len(), 2);
        doc.only_environment("production").unwrap();
        let prod = &doc.environments[0];
        assert_eq!(prod.release_dir.as_deref(), Some("/home/billing/billing"));
        assert_eq!(
            prod.targets,
            [
                "billing@app1.example.com:/home/billing/billing",
                "billing@app2.example.com:/home/billing/billing",
                "deploy@app3.example.com:/home/billing/billing"
            ]
        );
        let build_at = doc.variables.iter().find(|v| v.name == "BUILD_AT").unwrap();
        assert_eq!(build_at.value, "/tmp/edeliver/billing/builds");
        assert_eq!(build_at.set_by, ".deliver/config:5");
        assert!(doc.only_environment("test").is_err());
    }

    #[test]
    fn computed_values_are_left_out_with_a_note() {
        let text = b"APP=billing\nDELIVER_TO=$(cat /etc/deliver_to)\nPRODUCTION_HOSTS=\"a b\"\n";
        let doc = read(".deliver/config", text).unwrap();
        assert!(doc.environments[0].targets.is_empty());
        assert!(
            doc.notes
                .iter()
                .any(|n| n.contains("DELIVER_TO is computed")),
            "{:?}",
            doc.notes
        );
        let e = read(".deliver/config", b"APP=\"billing\n").unwrap_err();
        assert_eq!(e.line, 1);
    }
}
