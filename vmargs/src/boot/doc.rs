//! The `vmargs.boot` document (docs/json.md) and its human summary.

use super::mix::SetBy;
use relkit_common::shell::Value;
use relkit_common::{Document, Finding};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

/// A word of a command line: its text, a redacted secret, or a value the model
/// cannot know (written as the script writes it, with what it depends on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum BootWord {
    Str(String),
    Redacted {
        redacted: bool,
    },
    Unknown {
        unknown: String,
        depends_on: Vec<String>,
    },
}

impl BootWord {
    pub fn of(value: &Value) -> BootWord {
        if value.is_known() {
            BootWord::Str(value.text.clone())
        } else {
            BootWord::Unknown {
                unknown: value.text.clone(),
                depends_on: value.unknown.clone(),
            }
        }
    }

    fn human(&self) -> String {
        match self {
            BootWord::Str(s) => crate::render::quote(s.as_bytes())
                .iter()
                .map(|&b| b as char)
                .collect(),
            BootWord::Redacted { .. } => "<redacted>".into(),
            BootWord::Unknown { unknown, .. } => format!("<{unknown}?>"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseInfo {
    pub root: String,
    pub layout: String,
    pub name: String,
    pub version: String,
    pub erts: String,
    pub erts_included: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeInfo {
    /// The `-sname`/`-name` value erl uses.
    pub value: BootWord,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// `"sname"` or `"name"`.
    pub distribution: String,
    pub hidden: bool,
    /// What set it: the args file and line, or the start script's variables and
    /// where they were set.
    pub set_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CookieInfo {
    /// What sets the cookie erl uses.
    pub source: String,
    /// The value: redacted unless `--show-secrets`; absent when it is not known here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<BootWord>,
    /// Equal for equal cookies, and nothing else can be learnt from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// The cookie is the one in the home directory of the user the node runs as.
    pub from_home: bool,
}

impl CookieInfo {
    pub fn home(why: &str) -> CookieInfo {
        CookieInfo {
            source: why.into(),
            value: None,
            fingerprint: None,
            from_home: true,
        }
    }

    pub fn known(text: &str, known: bool, source: String, show: bool) -> CookieInfo {
        CookieInfo {
            source,
            value: Some(if !known {
                BootWord::Unknown {
                    unknown: "$RELEASE_COOKIE".into(),
                    depends_on: vec!["RELEASE_COOKIE is not known here".into()],
                }
            } else if show {
                BootWord::Str(text.into())
            } else {
                BootWord::Redacted { redacted: true }
            }),
            fingerprint: known.then(|| fingerprint(text)),
            from_home: false,
        }
    }
}

/// A cookie's fingerprint: SHA-256 of a fixed relkit prefix and the cookie, the
/// first 16 hex digits. Cookies are random and long (Mix writes 56 base32
/// characters), so the fingerprint cannot be turned back into one.
pub fn fingerprint(cookie: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(b"relkit cookie fingerprint\0");
    hash.update(cookie.as_bytes());
    let digest = hash.finalize();
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Distribution {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proto_dist: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listen_min: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listen_max: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erl_epmd_port: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_epmd: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epmd_module: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_ticktime: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_all: Option<String>,
}

impl Distribution {
    pub fn of(model: &crate::model::Model) -> Distribution {
        let flag = |name: &str| {
            model
                .uses(name)
                .last()
                .and_then(|f| f.values.first())
                .map(|w| String::from_utf8_lossy(&w.value).into_owned())
        };
        // `-kernel KEY VALUE` pairs (the last one wins, as application parameters do).
        let kernel = |key: &str| {
            model
                .uses("kernel")
                .flat_map(|f| f.values.chunks(2))
                .filter(|pair| pair.len() == 2 && pair[0].is(key))
                .last()
                .map(|pair| String::from_utf8_lossy(&pair[1].value).into_owned())
        };
        Distribution {
            proto_dist: flag("proto_dist"),
            listen_min: kernel("inet_dist_listen_min"),
            listen_max: kernel("inet_dist_listen_max"),
            erl_epmd_port: flag("erl_epmd_port"),
            start_epmd: flag("start_epmd"),
            epmd_module: flag("epmd_module"),
            net_ticktime: kernel("net_ticktime"),
            connect_all: flag("connect_all").or_else(|| kernel("connect_all")),
        }
    }
}

/// A start-script variable and what set it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variable {
    pub name: String,
    pub value: BootWord,
    pub exported: bool,
    /// `"environment"`, `"start script"`, `"env.sh:LINE"` or the file read.
    pub set_by: String,
}

impl Variable {
    pub fn new(
        name: &str,
        value: &Value,
        exported: bool,
        set_by: Option<SetBy>,
        env_sh: &Path,
        secret: bool,
    ) -> Variable {
        Variable {
            name: name.into(),
            value: if secret && value.is_known() {
                BootWord::Redacted { redacted: true }
            } else {
                BootWord::of(value)
            },
            exported,
            set_by: describe_set_by(set_by.as_ref(), env_sh, name),
        }
    }
}

pub fn describe_set_by(set_by: Option<&SetBy>, env_sh: &Path, name: &str) -> String {
    match set_by {
        Some(SetBy::Environment) => "environment".into(),
        Some(SetBy::EnvSh(line)) => format!("{}:{line}", env_sh.display()),
        Some(SetBy::File(path)) => path.clone(),
        Some(SetBy::Script) | None => {
            let _ = name;
            "start script".into()
        }
    }
}

/// `vmargs.boot`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BootDoc {
    pub release: ReleaseInfo,
    pub command: String,
    /// The systemd unit read with `--unit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    pub argv: Vec<BootWord>,
    pub effective_args: Vec<BootWord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<NodeInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cookie: Option<CookieInfo>,
    pub distribution: Distribution,
    pub config: Vec<String>,
    pub variables: Vec<Variable>,
    pub notes: Vec<String>,
    pub assumptions: Vec<String>,
    pub findings: Vec<Finding>,
    /// Files the start script writes before it execs (relx's rendered vm.args and
    /// sys.config), kept in memory: what erl would then read at those paths.
    #[serde(skip)]
    pub written: Vec<(std::path::PathBuf, Vec<u8>)>,
}

impl Document for BootDoc {
    const KIND: &'static str = "vmargs.boot";
}

impl BootDoc {
    /// The human summary.
    pub fn human(&self) -> String {
        let mut out = String::new();
        let r = &self.release;
        out.push_str(&format!(
            "{} {} ({} release, ERTS {}{}) `{}`\n",
            r.name,
            r.version,
            r.layout,
            r.erts,
            if r.erts_included {
                " included"
            } else {
                " from the host"
            },
            self.command
        ));
        match &self.node {
            Some(n) => out.push_str(&format!(
                "  node    -{} {}{}{}\n",
                n.distribution,
                n.value.human(),
                if n.hidden { " (hidden)" } else { "" },
                format_args!(", from {}", n.set_by)
            )),
            None if self.argv.first().is_some_and(
                |w| matches!(w, BootWord::Str(p) | BootWord::Unknown { unknown: p, .. } if p.ends_with("/erl_call")),
            ) =>
            {
                out.push_str("  node    erl_call's own hidden node, talking to the running node\n")
            }
            None => out.push_str("  node    not distributed (no -sname or -name)\n"),
        }
        if let Some(c) = &self.cookie {
            out.push_str(&format!(
                "  cookie  {}{}\n",
                c.fingerprint.as_deref().unwrap_or("(not known here)"),
                format_args!(", {}", c.source)
            ));
        }
        let d = &self.distribution;
        if let (Some(min), Some(max)) = (&d.listen_min, &d.listen_max) {
            out.push_str(&format!(
                "  ports   {min}-{max} (inet_dist_listen_min/max)\n"
            ));
        }
        for c in &self.config {
            out.push_str(&format!("  config  {c}\n"));
        }
        out.push_str("  argv   ");
        for w in &self.argv {
            out.push(' ');
            out.push_str(&w.human());
        }
        out.push('\n');
        for note in &self.notes {
            out.push_str(&format!("  note: {note}\n"));
        }
        out
    }
}
