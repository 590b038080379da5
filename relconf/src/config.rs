//! What a release config says: environments, releases, plugins and defaults, read
//! from a Distillery `rel/config.exs` (1.x `Mix.Releases.Config` or 2.x
//! `Distillery.Releases.Config`) or from `releases:` in a `mix.exs`.

use crate::eval::{Evaluator, Unresolved};
use crate::syntax::query::{keyword_key, keyword_pairs};
use crate::syntax::{Error as ParseError, Node};
use relkit_common::secret::is_secret_name;
use relkit_common::Document;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Distillery,
    Mix,
}

/// One `set key: value`, with where the key is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub key: String,
    pub value: Value,
    /// The value is a literal in the source (not an expression).
    pub literal: bool,
    pub line: u32,
    pub column: u32,
    /// Byte offsets of the value's source text (empty for a value relconf supplied).
    pub value_span: (usize, usize),
}

/// An `environment` or `release` block (or a Mix release).
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub name: String,
    pub line: u32,
    pub column: u32,
    pub settings: Vec<Setting>,
}

impl Block {
    pub fn get(&self, key: &str) -> Option<&Setting> {
        self.settings.iter().rev().find(|s| s.key == key)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plugin {
    pub module: String,
    #[serde(default)]
    pub options: Value,
    /// `environment` or `release`.
    pub scope: String,
    /// The environment's or release's name.
    pub name: String,
    pub line: u32,
}

/// A DSL misuse Distillery itself would stop on, in its own words.
#[derive(Debug, Clone, PartialEq)]
pub struct DslError {
    pub message: String,
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub format: Format,
    /// `Distillery.Releases.Config` or `Mix.Releases.Config` (Distillery only).
    pub module: Option<String>,
    pub default_release: Option<(Value, u32)>,
    pub default_environment: Option<(Value, u32)>,
    pub environments: Vec<Block>,
    pub releases: Vec<Block>,
    pub plugins: Vec<Plugin>,
    pub unresolved: Vec<Unresolved>,
    pub dsl_errors: Vec<DslError>,
}

/// Why a file could not be read as a release config, at a byte offset (the parser's
/// measure; [`read`] turns it into a line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReadError {
    pub message: String,
    pub offset: usize,
}

impl From<ParseError> for ReadError {
    fn from(e: ParseError) -> Self {
        ReadError {
            message: e.message,
            offset: e.offset,
        }
    }
}

/// A do-block call's parts: the body after `do` and the other sections
/// (`else`, `after`, ...), from its last argument (`do ... end` and `do:` are the
/// same keyword list).
pub fn do_sections(args: &[Node]) -> Option<Vec<(&str, &Node)>> {
    let pairs = keyword_pairs(args.last()?)?;
    matches!(pairs.first(), Some(("do", _))).then_some(pairs)
}

pub(crate) fn position(ev: &Evaluator, offset: usize) -> (u32, u32) {
    ev.lines.position(ev.src.as_bytes(), offset)
}

/// Settings from `key: value` pair nodes; each is placed at its key.
pub(crate) fn settings_from<'a>(
    items: &[&'a Node],
    ev: &mut Evaluator<'a>,
    place: &str,
) -> Vec<Setting> {
    items
        .iter()
        .filter_map(|item| keyword_key(item).map(|(k, v)| (item.start, k, v)))
        .map(|(at, key, value)| {
            let (line, column) = position(ev, at);
            let before = ev.unresolved.len();
            let value_json = ev.value(value, &format!("{place}.{key}"));
            Setting {
                key: key.to_string(),
                literal: ev.unresolved.len() == before,
                value: value_json,
                line,
                column,
                value_span: (value.start, value.end),
            }
        })
        .collect()
}

/// `relconf.config`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigDoc {
    pub path: String,
    pub root: PathBuf,
    pub format: Format,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    pub default_release: Value,
    pub default_environment: Value,
    pub environments: Map<String, Value>,
    pub releases: Map<String, Value>,
    pub plugins: Vec<Plugin>,
    pub unresolved: Vec<Unresolved>,
}

impl Document for ConfigDoc {
    const KIND: &'static str = "relconf.config";
}

fn settings_object(settings: &[Setting], show_secrets: bool, skip: &[&str]) -> Map<String, Value> {
    let mut obj = Map::new();
    for s in settings.iter().filter(|s| !skip.contains(&s.key.as_str())) {
        let value = if is_secret_name(&s.key) && !show_secrets {
            serde_json::json!({"redacted": true})
        } else {
            s.value.clone()
        };
        // A later `set` of the same key wins, as in Distillery.
        obj.insert(s.key.clone(), value);
    }
    obj
}

impl Config {
    /// Where the secrets of this config are (every secret setting's value, as
    /// written) and what they are, for masking in anything printed about `source`.
    pub fn add_secrets(&self, secrets: &mut relkit_common::Secrets, source: &str, src: &str) {
        let lines = relkit_common::LineIndex::new(src.as_bytes());
        let blocks = self.environments.iter().chain(&self.releases);
        for setting in blocks.flat_map(|b| &b.settings) {
            if !is_secret_name(&setting.key) {
                continue;
            }
            let (start, end) = setting.value_span;
            if start < end && end <= src.len() {
                let (line, column) = lines.position(src.as_bytes(), start);
                let (end_line, end_column) = lines.position(src.as_bytes(), end);
                secrets.add_span(
                    source,
                    relkit_common::secret::Span {
                        line,
                        column,
                        end_line,
                        end_column,
                    },
                );
                if let Some(text) = src.get(start..end) {
                    secrets.add_value(text);
                }
            }
            if let Value::String(value) = &setting.value {
                secrets.add_value(value);
            }
        }
    }

    pub fn to_doc(&self, path: &str, root: &Path, show_secrets: bool) -> ConfigDoc {
        let environments = self
            .environments
            .iter()
            .map(|e| {
                (
                    e.name.clone(),
                    Value::Object(settings_object(&e.settings, show_secrets, &[])),
                )
            })
            .collect();
        let releases = self
            .releases
            .iter()
            .map(|r| {
                let mut obj = Map::new();
                obj.insert(
                    "version".into(),
                    r.get("version").map_or(Value::Null, |s| s.value.clone()),
                );
                obj.insert(
                    "applications".into(),
                    r.get("applications")
                        .map_or(Value::Array(Vec::new()), |s| s.value.clone()),
                );
                obj.insert(
                    "settings".into(),
                    Value::Object(settings_object(
                        &r.settings,
                        show_secrets,
                        &["version", "applications"],
                    )),
                );
                (r.name.clone(), Value::Object(obj))
            })
            .collect();
        let plain = |d: &Option<(Value, u32)>| d.as_ref().map_or(Value::Null, |(v, _)| v.clone());
        ConfigDoc {
            path: path.to_string(),
            root: root.to_path_buf(),
            format: self.format,
            module: self.module.clone(),
            default_release: plain(&self.default_release),
            default_environment: plain(&self.default_environment),
            environments,
            releases,
            plugins: self.plugins.clone(),
            unresolved: self.unresolved.clone(),
        }
    }

    /// Keep only the environment `env`; an unknown name lists the ones that exist.
    pub fn only_environment(&mut self, env: &str) -> Result<(), String> {
        if !self.environments.iter().any(|e| e.name == env) {
            let known: Vec<&str> = self.environments.iter().map(|e| e.name.as_str()).collect();
            return Err(format!(
                "no environment {env:?}; the config has {}",
                list_or_none(&known)
            ));
        }
        self.environments.retain(|e| e.name == env);
        self.plugins
            .retain(|p| p.scope != "environment" || p.name == env);
        Ok(())
    }

    pub fn only_release(&mut self, release: &str) -> Result<(), String> {
        if !self.releases.iter().any(|r| r.name == release) {
            let known: Vec<&str> = self.releases.iter().map(|r| r.name.as_str()).collect();
            return Err(format!(
                "no release {release:?}; the config has {}",
                list_or_none(&known)
            ));
        }
        self.releases.retain(|r| r.name == release);
        self.plugins
            .retain(|p| p.scope != "release" || p.name == release);
        Ok(())
    }
}

fn list_or_none(names: &[&str]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}
