//! One boot put together: the release opened, the unit read, the start script and
//! erl followed, the document and its findings.

use super::doc::{self, BootDoc, BootWord, CookieInfo, Distribution, ReleaseInfo, Variable};
use super::erl::{effective, Erl};
use super::parts::secret_words;
use super::request::Request;

use relkit_common::shell::Value;
use std::path::Path;

/// The boot of the release at `target` (a release directory, a release tarball, or
/// `-`: a `release-pack.inspect` document on stdin), with its findings.
pub fn boot(target: &Path, request: &Request) -> anyhow::Result<BootDoc> {
    if super::project::is_project(target) {
        let project = super::project::files(target)?;
        let private = super::packed::materialize(&project.files)?;
        let mut doc = boot_dir(private.path(), request)?;
        doc.notes.extend(project.notes);
        let real = std::fs::canonicalize(private.path())?;
        for (rendered, template) in &project.templates {
            doc = super::packed::rename(
                doc,
                &format!("{}/{rendered}:", real.display()),
                &format!("{template}:"),
            )?;
        }
        return super::packed::reroot(
            doc,
            private.path(),
            request.root.as_deref(),
            &[(super::project::UNKNOWN_ERTS, "the ERTS of the build host")],
            "written at random by the release's first build (set `cookie:` in mix.exs to fix it)",
        );
    }
    if target.is_dir() {
        return boot_dir(target, request);
    }
    if target == Path::new("-") {
        let input = relkit_common::read_input(None)?;
        let docs =
            relkit_common::Documents::read(&input.name, &input.bytes, &["release-pack.inspect"])?;
        return match docs.0.as_slice() {
            [one] => boot_inspect(one, request),
            many => anyhow::bail!(
                "{}: boot reads one release-pack.inspect document, got {}",
                input.name,
                many.len()
            ),
        };
    }
    boot_files(&super::packed::from_tarball(target)?, request, false)
}

/// The boot of the release a `release-pack.inspect` document describes.
pub fn boot_inspect(inspect: &serde_json::Value, request: &Request) -> anyhow::Result<BootDoc> {
    boot_files(&super::packed::from_inspect(inspect)?, request, true)
}

/// The boot of a release given as its files, handed to `f` with the private
/// directory they were written to (before it is removed), paths as they are there.
pub fn with_release_files<T>(
    files: &[(String, Vec<u8>)],
    request: &Request,
    f: impl FnOnce(&BootDoc, &Path) -> T,
) -> anyhow::Result<T> {
    let private = super::packed::materialize(files)?;
    let doc = boot_dir(private.path(), request)?;
    let real = std::fs::canonicalize(private.path())?;
    Ok(f(&doc, &real))
}

/// The boot of a release given as its files (from a tarball, or from an inspect
/// document when `inspected`).
fn boot_files(
    files: &[(String, Vec<u8>)],
    request: &Request,
    inspected: bool,
) -> anyhow::Result<BootDoc> {
    let private = super::packed::materialize(files)?;
    let mut doc = boot_dir(private.path(), request)?;
    if inspected && doc.release.layout != "mix" {
        doc.assumptions.push(format!(
            "the boot file is releases/VSN/start: the inspect document does not list a releases/VSN/NAME.boot, which {} would prefer",
            doc.release.layout
        ));
    }
    super::packed::reroot(
        doc,
        private.path(),
        request.root.as_deref(),
        &[],
        "the cookie was redacted in the release-pack.inspect document (inspect with --show-secrets)",
    )
}

/// The boot of the release directory `dir`.
fn boot_dir(dir: &Path, request: &Request) -> anyhow::Result<BootDoc> {
    if let Some(relx) = super::relx::find(dir)? {
        return super::relx_doc::boot(&relx, request);
    }
    if let Some(distillery) = super::distillery::find(dir)? {
        return boot_distillery(&distillery, request);
    }
    let release = super::mix::Release::open(dir)?;
    let super::launch::Launch {
        unit,
        env,
        command,
        notes: unit_notes,
    } = super::launch::launch(request, &release.name, "start")?;
    let args = request.args();
    let mut started = release.start(&command, &args, &env)?;
    let mut warnings = Vec::new();
    let expr = request.expr.as_ref().map(Value::known);
    let call = super::mix::elixir_call(&mut started.shell, &command, expr.as_ref(), &mut warnings)?;
    let shell = &started.shell;
    let script_dir = shell.get("REL_VSN_DIR").unwrap_or_else(|| Value::known(""));
    let exported = |name: &str| {
        shell
            .vars
            .get(name)
            .filter(|v| v.exported)
            .map(|v| v.value.clone())
    };
    let erl_options = exported("ELIXIR_ERL_OPTIONS");
    let argv = if started.stops.is_empty() {
        super::elixir::argv(
            &call,
            &script_dir,
            release.erts_bin.as_deref(),
            erl_options.as_ref(),
        )
    } else {
        Vec::new()
    };
    let erl = effective(
        &argv,
        &[
            exported("ERL_AFLAGS"),
            exported("ERL_FLAGS"),
            exported("ERL_ZFLAGS"),
        ],
    );
    let secrets = secret_words(&argv);
    let show = |i: usize, v: &Value| {
        if secrets.contains(&i) && !request.show_secrets {
            BootWord::Redacted { redacted: true }
        } else {
            BootWord::of(v)
        }
    };
    let mut doc = BootDoc {
        release: ReleaseInfo {
            root: release.root.display().to_string(),
            layout: "mix".into(),
            name: release.name.clone(),
            version: release.version.clone(),
            erts: release.erts.clone(),
            erts_included: release.erts_bin.is_some(),
        },
        command: command.clone(),
        unit: request.unit.as_ref().map(|p| p.display().to_string()),
        argv: argv.iter().enumerate().map(|(i, v)| show(i, v)).collect(),
        effective_args: Vec::new(),
        node: None,
        cookie: None,
        distribution: Distribution::default(),
        config: Vec::new(),
        variables: Vec::new(),
        notes: Vec::new(),
        assumptions: vec![
            "stdout and stderr are not terminals (as under systemd); on a terminal the elixir script adds -elixir ansi_enabled true".into(),
        ],
        findings: Vec::new(),
        written: Vec::new(),
    };
    for note in &shell.notes {
        doc.notes.push(format!(
            "{}:{}: {}",
            started.env_sh.display(),
            note.line,
            note.what
        ));
    }
    doc.notes.extend(warnings.iter().cloned());
    doc.notes.extend(started.stops.iter().cloned());
    if let Some(erl) = &erl {
        super::parts::erl_reading(&mut doc, erl, &argv, request.show_secrets);
        if let Some(node) = doc.node.as_mut().filter(|n| n.set_by.is_empty()) {
            let by = |name: &str| {
                let set_by = started
                    .set_by
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, b)| b);
                format!(
                    "{name} ({})",
                    doc::describe_set_by(set_by, &started.env_sh, name)
                )
            };
            let prefix = match command.as_str() {
                "remote" => "rem-$(rand)-",
                "rpc" | "stop" | "restart" | "pid" => "rpc-$(rand)-",
                _ => "",
            };
            node.set_by = format!(
                "the start script: {prefix}{} with {}",
                by("RELEASE_NODE"),
                by("RELEASE_DISTRIBUTION")
            );
        }
    }
    doc.cookie = Some(cookie_info(
        &started,
        erl.as_ref(),
        &argv,
        request.show_secrets,
    ));
    for name in super::mix::RELEASE_VARS {
        let Some(var) = shell.vars.get(name) else {
            continue;
        };
        let set_by = started
            .set_by
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, by)| by.clone());
        let secret = name == "RELEASE_COOKIE" && !request.show_secrets;
        doc.variables.push(Variable::new(
            name,
            &var.value,
            var.exported,
            set_by,
            &started.env_sh,
            secret,
        ));
    }
    doc.findings = super::findings::of(&started, &doc, erl.as_ref());
    doc.findings
        .extend(super::findings::of_cookie_source(&started, &doc));
    doc.notes.extend(unit_notes);
    let mut cookies: Vec<String> = started
        .shell
        .get("RELEASE_COOKIE")
        .map(|v| v.text)
        .into_iter()
        .collect();
    cookies.extend(
        argv.iter()
            .zip(argv.iter().skip(1))
            .filter(|(flag, _)| flag.text == "-setcookie")
            .map(|(_, value)| value.text.clone()),
    );
    super::parts::finish(
        &mut doc,
        request,
        unit.as_ref(),
        &env,
        erl.as_ref(),
        cookies,
    );
    Ok(doc)
}

/// The script's variables a Distillery boot shows, in this order (its own
/// `COOKIE` follows them, once, with where the script took it from).
const DISTILLERY_VARIABLES: [&str; 20] = [
    "REL_VSN",
    "VMARGS_PATH",
    "SYS_CONFIG_PATH",
    "RELEASE_CONFIG_DIR",
    "RELEASE_MUTABLE_DIR",
    "REPLACE_OS_VARS",
    "RELEASE_READ_ONLY",
    "ERL_OPTS",
    "EXTRA_OPTS",
    "CODE_LOADING_MODE",
    "EXTRA_CODE_PATHS",
    "ERTS_DIR",
    "NAME_TYPE",
    "NAME",
    "PIPE_DIR",
    "RUNNER_LOG_DIR",
    "ERL_AFLAGS",
    "ERL_FLAGS",
    "ERL_ZFLAGS",
    "HOME",
];

fn boot_distillery(
    release: &super::distillery::Distillery,
    request: &Request,
) -> anyhow::Result<BootDoc> {
    let erts_included = release.root.join(format!("erts-{}", release.erts)).is_dir();
    let scripted = super::relx_doc::Scripted {
        info: ReleaseInfo {
            root: release.root.display().to_string(),
            layout: "distillery".into(),
            name: release.name.clone(),
            version: release.version.clone(),
            erts: release.erts.clone(),
            erts_included,
        },
        script: &release.script,
        default_command: "foreground",
        variables: &DISTILLERY_VARIABLES,
        cookie_var: "COOKIE",
        stop_hint: "give vm.args (the file itself: the script greps it) a line starting `-name ` or `-sname ` with a name, and a `-setcookie` line",
        cookie_hint: "give the cookie once, as `-setcookie` in vm.args itself (the script greps that file, not the -args_file files); an exported COOKIE reaches only the script",
        assumption: "the script's own reading of vm.args (the node name for its remote commands and pipes, its cookie) greps vm.args itself: the last -name/-sname line, every -setcookie line; erl reads the -args_file files too",
    };
    super::relx_doc::boot_scripted(&scripted, request, |command, args, env| {
        release.start(command, args, env)
    })
}

fn cookie_info(
    started: &super::mix::Started,
    erl: Option<&Erl>,
    argv: &[Value],
    show: bool,
) -> CookieInfo {
    let uses: Vec<_> = erl
        .map(|e| e.model.uses("setcookie").collect())
        .unwrap_or_default();
    let release_cookie = started.shell.get("RELEASE_COOKIE");
    let by = started
        .set_by
        .iter()
        .find(|(n, _)| n == "RELEASE_COOKIE")
        .map(|(_, b)| b.clone());
    let _ = argv;
    match uses.as_slice() {
        [] => CookieInfo::home("no -setcookie reaches erl: it reads ~/.erlang.cookie of the user it runs as"),
        [one] if one.values.len() == 1 => {
            let word = &one.values[0];
            let from_file = word.origin.is_some_and(|o| o.file > 0);
            let text = String::from_utf8_lossy(&word.value).into_owned();
            let known = if from_file { true } else { release_cookie.as_ref().is_none_or(Value::is_known) };
            let source = if from_file {
                let erl = erl.expect("uses come from erl");
                let o = word.origin.expect("checked");
                let place = erl.parsed.place(o);
                format!("-setcookie in {}:{}", erl.parsed.expansion.files[o.file].name.display(), place.line)
            } else {
                doc::describe_set_by(by.as_ref(), &started.env_sh, "RELEASE_COOKIE")
            };
            CookieInfo::known(&text, known, source, show)
        }
        _ => CookieInfo::home(
            "-setcookie is given more than once (the start script's and the vm.args'): erl then ignores them all and reads ~/.erlang.cookie",
        ),
    }
}
