//! What erl would do differently with two vm.args files: node name, cookie,
//! emulator flags, init flags, application parameters, `-env` and `-extra`,
//! compared as erl uses them (comments, layout and order of unrelated flags ignored).

use crate::doc::Text;
use crate::model::{Parsed, KNOWN_APPS};
use relkit_common::Document;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// `node`, `cookie`, `emulator_flag`, `init_flag`, `app_param`, `env` or `extra`.
    pub what: String,
    /// Which flag, parameter or variable (`+A`, `-mode`, `kernel inet_dist_listen_min`).
    pub key: String,
    /// Its value in the first file; absent when the first file does not have it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub a: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub b: Option<Text>,
}

/// `vmargs.diff`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffDoc {
    pub a: String,
    pub b: String,
    pub same: bool,
    pub changes: Vec<Change>,
}

impl Document for DiffDoc {
    const KIND: &'static str = "vmargs.diff";
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn joined(words: &[crate::erlexec::Word]) -> String {
    words
        .iter()
        .map(|w| text(&w.value))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The semantic content of a file, as `what -> key -> value`.
fn facts(p: &Parsed) -> BTreeMap<(String, String), String> {
    let mut facts = BTreeMap::new();
    let mut put = |what: &str, key: String, value: String| {
        facts
            .entry((what.to_string(), key))
            .and_modify(|v: &mut String| {
                v.push_str(" | ");
                v.push_str(&value);
            })
            .or_insert(value);
    };
    if let Some(node) = p.model.effective_node() {
        put(
            "node",
            format!("-{}", text(node.name())),
            joined(&node.values),
        );
    }
    if let Some(cookie) = p.model.effective_cookie() {
        put("cookie", "-setcookie".into(), text(&cookie.value));
    }
    for e in &p.classified.emulator {
        let value = e.value.as_ref().map(|v| text(&v.value)).unwrap_or_default();
        put("emulator_flag", text(&e.flag.value), value);
    }
    for f in &p.model.flags {
        let name = text(f.name());
        if matches!(name.as_str(), "name" | "sname" | "setcookie") {
            continue;
        }
        if KNOWN_APPS.contains(&name.as_str()) {
            for pair in f.values.chunks(2) {
                let value = pair.get(1).map(|v| text(&v.value)).unwrap_or_default();
                put(
                    "app_param",
                    format!("{name} {}", text(&pair[0].value)),
                    value,
                );
            }
        } else {
            put("init_flag", text(&f.flag.value), joined(&f.values));
        }
    }
    for (name, value) in &p.classified.env {
        put("env", text(&name.value), text(&value.value));
    }
    if !p.model.extra.is_empty() {
        put("extra", "-extra".into(), joined(&p.model.extra));
    }
    facts
}

/// Compare two parsed files. Cookies are compared but only shown with `show_secrets`.
pub fn diff(a_name: &str, a: &Parsed, b_name: &str, b: &Parsed, show_secrets: bool) -> DiffDoc {
    let fa = facts(a);
    let fb = facts(b);
    // Secrets outside the cookie line (an `-env` secret, a cookie erl took for a
    // flag) are masked wherever they show.
    let mut secrets = relkit_common::Secrets::new(show_secrets);
    crate::doc::add_secrets(&mut secrets, a, a_name);
    crate::doc::add_secrets(&mut secrets, b, b_name);
    let mut keys: Vec<&(String, String)> = fa.keys().chain(fb.keys()).collect();
    let order = |what: &str| {
        [
            "node",
            "cookie",
            "emulator_flag",
            "init_flag",
            "app_param",
            "env",
            "extra",
        ]
        .iter()
        .position(|w| *w == what)
        .unwrap_or(99)
    };
    keys.sort_by(|x, y| (order(&x.0), &x.1).cmp(&(order(&y.0), &y.1)));
    keys.dedup();
    let mut changes = Vec::new();
    for key in keys {
        let (va, vb) = (fa.get(key), fb.get(key));
        if va == vb {
            continue;
        }
        let shown = |v: Option<&String>| {
            v.map(|s| {
                if key.0 == "cookie" && !show_secrets {
                    Text::Redacted { redacted: true }
                } else {
                    Text::Str(secrets.mask(s).into_owned())
                }
            })
        };
        changes.push(Change {
            what: key.0.clone(),
            key: secrets.mask(&key.1).into_owned(),
            a: shown(va),
            b: shown(vb),
        });
    }
    DiffDoc {
        a: a_name.to_string(),
        b: b_name.to_string(),
        same: changes.is_empty(),
        changes,
    }
}

/// Human form: `-` only in A, `+` only in B, `~` in both with different values.
pub fn render_human(d: &DiffDoc) -> String {
    let show = |t: &Option<Text>| match t {
        Some(Text::Str(s)) => s.clone(),
        Some(Text::Bytes { bytes }) => text(bytes),
        Some(Text::Redacted { .. }) => "(redacted)".into(),
        None => String::new(),
    };
    let mut out = format!("--- {}\n+++ {}\n", d.a, d.b);
    for c in &d.changes {
        let line = match (&c.a, &c.b) {
            (Some(_), None) => format!("- {} {}", c.key, show(&c.a)),
            (None, Some(_)) => format!("+ {} {}", c.key, show(&c.b)),
            _ if c.what == "cookie" && matches!(c.a, Some(Text::Redacted { .. })) => {
                format!(
                    "~ {}: differs (values redacted; --show-secrets shows them)",
                    c.key
                )
            }
            _ => format!("~ {}: {} -> {}", c.key, show(&c.a), show(&c.b)),
        };
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if d.same {
        out.push_str("(no difference erl would see)\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn p(text: &str) -> Parsed {
        Parsed::from_disk(Path::new("x"), text.as_bytes().to_vec())
    }

    #[test]
    fn layout_comments_and_order_do_not_count() {
        let a = p("## one\n-name a@h.x\n+A 5\n-kernel x 1 y 2\n");
        let b = p("+A   5 # threads\n-kernel y 2\n-kernel x 1\n\n-name 'a@h.x'\n");
        let d = diff("a", &a, "b", &b, false);
        assert!(d.same, "{:?}", d.changes);
    }

    #[test]
    fn what_erl_sees_differently_is_listed() {
        let a = p("-name a_stage@h.x\n-setcookie s1\n+A 5\n-smp auto\n-kernel inet_dist_listen_min 9100\n");
        let b = p(
            "-name a_prod@h.x\n-setcookie s2\n+A 64\n+K true\n-kernel inet_dist_listen_min 9200\n",
        );
        let d = diff("stage", &a, "prod", &b, false);
        let keys: Vec<&str> = d.changes.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "-name",
                "-setcookie",
                "+A",
                "+K",
                "-smp",
                "kernel inet_dist_listen_min"
            ]
        );
        assert_eq!(d.changes[1].a, Some(Text::Redacted { redacted: true }));
        let human = render_human(&d);
        assert!(
            human.contains("~ -name: a_stage@h.x -> a_prod@h.x\n"),
            "{human}"
        );
        assert!(human.contains("+ +K true\n"), "{human}");
        assert!(human.contains("- -smp auto\n"), "{human}");
        assert!(!human.contains("s1"), "{human}");
    }
}
