//! The model a user wants from a vm.args file: node name, cookie, emulator flags,
//! init flags, application parameters, `-env`, `-config`, includes and `-extra`,
//! built from erl's own argument list the way `init` groups it: a `-flag` takes the
//! words after it up to the next word starting with `-`, and `--` ends its values.

use crate::erlexec::{classify, expand, Classified, Expansion, Fatal, Origin, Word};
use std::path::Path;

/// Applications whose parameters are commonly set with `-App Key Value`.
pub const KNOWN_APPS: &[&str] = &[
    "kernel",
    "stdlib",
    "sasl",
    "mnesia",
    "ssl",
    "ssh",
    "inets",
    "crypto",
    "public_key",
    "os_mon",
    "runtime_tools",
    "tools",
    "observer",
    "compiler",
    "asn1",
    "snmp",
    "xmerl",
    "syntax_tools",
    "elixir",
    "logger",
    "iex",
    "mix",
    "eex",
    "ex_unit",
    "lager",
    "rabbit",
];

/// Flags erl, erlexec or init know (without the leading `-`). Anything else is a user
/// flag: kept, and ignored unless an application reads it.
pub const KNOWN_FLAGS: &[&str] = &[
    "args_file",
    "async_shell_start",
    "boot",
    "boot_var",
    "code_path_cache",
    "code_path_choice",
    "compile",
    "config",
    "configfd",
    "connect_all",
    "cookie",
    "detached",
    "disable-feature",
    "dist_listen",
    "emu_args",
    "emu_args_exit",
    "emu_flavor",
    "emu_type",
    "enable-feature",
    "env",
    "epmd",
    "epmd_module",
    "erl_epmd_port",
    "eval",
    "extra",
    "heart",
    "hidden",
    "home",
    "hosts",
    "id",
    "init_debug",
    "instr",
    "keep_window",
    "loader",
    "make",
    "man",
    "mode",
    "name",
    "noinput",
    "noshell",
    "nostick",
    "no_epmd",
    "nohup",
    "nouser",
    "pa",
    "path",
    "pz",
    "proto_dist",
    "remsh",
    "run",
    "s",
    "S",
    "setcookie",
    "shell",
    "shutdown_time",
    "sname",
    "smp",
    "smpauto",
    "smpenable",
    "smpdisable",
    "start_epmd",
    "user",
    "version",
    "root",
    "bindir",
    "progname",
    "epmd_port",
    "x",
];

/// A `-flag` and the values init gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagUse {
    pub flag: Word,
    pub values: Vec<Word>,
}

impl FlagUse {
    /// The flag's name without the leading `-`.
    pub fn name(&self) -> &[u8] {
        &self.flag.value[1..]
    }
}

#[derive(Debug, Clone, Default)]
pub struct Model {
    /// Every init flag in order, node name and cookie included.
    pub flags: Vec<FlagUse>,
    /// Words before the first flag (init's plain arguments).
    pub plain: Vec<Word>,
    /// Words after `-extra`.
    pub extra: Vec<Word>,
}

impl Model {
    pub fn from_init(init: &[Word]) -> Model {
        let mut model = Model::default();
        let mut current: Option<usize> = None;
        let mut words = init.iter();
        for word in words.by_ref() {
            if word.is("-extra") {
                break;
            }
            if word.is("--") {
                current = None;
            } else if word.value.first() == Some(&b'-') {
                model.flags.push(FlagUse {
                    flag: word.clone(),
                    values: Vec::new(),
                });
                current = Some(model.flags.len() - 1);
            } else if let Some(at) = current {
                model.flags[at].values.push(word.clone());
            } else {
                model.plain.push(word.clone());
            }
        }
        model.extra = words
            .filter(|w| !w.is("--") || w.origin.is_some())
            .cloned()
            .collect();
        model
    }

    pub fn uses<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a FlagUse> + 'a {
        self.flags
            .iter()
            .filter(move |f| f.name() == name.as_bytes())
    }

    /// `-name`/`-sname` uses, in order.
    pub fn node_names(&self) -> impl Iterator<Item = &FlagUse> {
        self.flags
            .iter()
            .filter(|f| f.name() == b"name" || f.name() == b"sname")
    }

    /// The node name erl's distribution would use: `-sname` is looked at before
    /// `-name`, and the first of several wins.
    pub fn effective_node(&self) -> Option<&FlagUse> {
        self.uses("sname")
            .find(|f| f.values.len() == 1)
            .or_else(|| self.uses("name").find(|f| f.values.len() == 1))
    }

    /// The cookie erl would use: exactly one `-setcookie` with one value; any other
    /// combination and erl falls back to the cookie file.
    pub fn effective_cookie(&self) -> Option<&Word> {
        let uses: Vec<&FlagUse> = self.uses("setcookie").collect();
        match uses.as_slice() {
            [only] if only.values.len() == 1 => only.values.first(),
            _ => None,
        }
    }
}

/// A vm.args file read as erl reads it.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub expansion: Expansion,
    pub classified: Classified,
    pub model: Model,
}

impl Parsed {
    /// Read `bytes` (the file `name`) as `erl -args_file name` would, reading nested
    /// files with `read`.
    pub fn new(
        name: &Path,
        bytes: Vec<u8>,
        read: &mut dyn FnMut(&Path) -> std::io::Result<Vec<u8>>,
    ) -> Parsed {
        let expansion = expand(name, bytes, read);
        let classified = if expansion.fatal.is_some() {
            Classified::default()
        } else {
            classify(&expansion.words)
        };
        let model = Model::from_init(&classified.init);
        Parsed {
            expansion,
            classified,
            model,
        }
    }

    /// Read from disk, nested files relative to the working directory, as erl does.
    pub fn from_disk(name: &Path, bytes: Vec<u8>) -> Parsed {
        let mut read = |p: &Path| std::fs::read(p);
        Parsed::new(name, bytes, &mut read)
    }

    /// Why erl would not start with this file, if it would not.
    pub fn fatal(&self) -> Option<&Fatal> {
        self.expansion
            .fatal
            .as_ref()
            .or(self.classified.fatal.as_ref())
    }

    pub fn top(&self) -> &crate::erlexec::SourceFile {
        &self.expansion.files[0]
    }

    /// The place of a word: its file's index, 1-based line, column and end column.
    pub fn place(&self, origin: Origin) -> Place {
        let file = &self.expansion.files[origin.file];
        let token = &file.tokens.tokens[origin.token];
        self.place_of_span(origin.file, token.start, token.end)
    }

    pub fn place_of_span(&self, file: usize, start: usize, end: usize) -> Place {
        let source = &self.expansion.files[file];
        let (line, column) = source.lines.position(&source.bytes, start);
        let (end_line, end_column) = source.lines.position(&source.bytes, end);
        let end_column = if end_line == line {
            end_column
        } else {
            column + 1
        };
        Place {
            file,
            line,
            column,
            end_column: end_column.max(column + 1),
        }
    }

    /// Text of a line of a file, for the excerpt under a finding.
    pub fn line_text(&self, file: usize, line: u32) -> Option<String> {
        let source = &self.expansion.files[file];
        source
            .lines
            .line_text(&source.bytes, line)
            .map(|l| l.into_owned())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub file: usize,
    pub line: u32,
    pub column: u32,
    pub end_column: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Parsed {
        Parsed::from_disk(Path::new("vm.args"), text.as_bytes().to_vec())
    }

    fn text(w: &Word) -> String {
        String::from_utf8_lossy(&w.value).into_owned()
    }

    #[test]
    fn flags_take_words_up_to_the_next_dash_word() {
        let p = parse("-kernel inet_dist_listen_min 9100 inet_dist_listen_max 9105\n-heart\n-setcookie -abc\n");
        let kernel = p.model.uses("kernel").next().unwrap();
        assert_eq!(kernel.values.len(), 4);
        assert!(p.model.uses("heart").next().unwrap().values.is_empty());
        // A cookie that starts with '-' is a new flag, and -setcookie has no value.
        assert!(p.model.uses("setcookie").next().unwrap().values.is_empty());
        assert_eq!(p.model.effective_cookie(), None);
    }

    #[test]
    fn sname_beats_name_and_the_first_wins() {
        let p = parse("-name a@h.x\n-sname b\n-sname c\n");
        assert_eq!(text(&p.model.effective_node().unwrap().values[0]), "b");
    }

    #[test]
    fn duplicate_cookies_void_each_other() {
        assert_eq!(
            text(parse("-setcookie one\n").model.effective_cookie().unwrap()),
            "one"
        );
        assert_eq!(
            parse("-setcookie one\n-setcookie two\n")
                .model
                .effective_cookie(),
            None
        );
    }

    #[test]
    fn extra_words_and_plain_words() {
        let p = parse("stray -mode embedded -extra a -b\n");
        assert_eq!(p.model.plain.len(), 1);
        let extra: Vec<String> = p.model.extra.iter().map(text).collect();
        assert_eq!(extra, ["a", "-b"]);
    }

    #[test]
    fn places_are_lines_and_columns() {
        let p = parse("## c\n-name billing_stage.0.0.1\n");
        let name = p.model.uses("name").next().unwrap();
        let place = p.place(name.values[0].origin.unwrap());
        assert_eq!((place.line, place.column, place.end_column), (2, 7, 26));
    }
}
