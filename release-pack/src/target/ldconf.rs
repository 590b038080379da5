//! `/etc/ld.so.conf` and what it includes, as ldconfig reads them (glibc's
//! `elf/ldconfig.c`: one directory a line, `#` comments, `include GLOB` relative to
//! the including file's directory, `hwcap` lines obsolete). The loader never reads
//! these files: ldconfig turns them into `/etc/ld.so.cache`. They are read to say
//! what is wrong with them, and which of their directories the cache leaves out.

/// One directory a configuration file names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfDir {
    pub dir: String,
    /// The file (a target path) and line that name it.
    pub file: String,
    pub line: usize,
}

/// What the configuration gives: its directories, and what is wrong in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conf {
    pub dirs: Vec<ConfDir>,
    pub problems: Vec<String>,
}

/// How the reader sees the target's files: the text at a target path, and the
/// target paths a glob matches (sorted, as glob(3) gives them).
pub trait ConfFiles {
    fn read(&self, path: &str) -> Option<String>;
    fn glob(&self, pattern: &str) -> Result<Vec<String>, String>;
}

const MAX_DEPTH: usize = 16;
/// Files read in all: includes that fan out at every level end here.
const MAX_FILES: usize = 1000;

/// How many more includes may be read.
enum Budget {
    Left(usize),
    Spent,
}

/// Read `/etc/ld.so.conf` and its includes.
pub fn read(files: &dyn ConfFiles) -> Conf {
    let mut conf = Conf::default();
    let mut open = Vec::new();
    let mut budget = Budget::Left(MAX_FILES);
    read_file(files, "/etc/ld.so.conf", &mut open, &mut conf, &mut budget);
    conf
}

fn read_file(
    files: &dyn ConfFiles,
    path: &str,
    open: &mut Vec<String>,
    conf: &mut Conf,
    budget: &mut Budget,
) {
    let top = open.is_empty();
    // Every include costs one, loops and misses too: fan-out ends here.
    match *budget {
        // Told once, then every further include returns at once.
        Budget::Spent => return,
        Budget::Left(0) => {
            conf.problems.push(format!(
                "{path}: more than {MAX_FILES} includes, files in all; not read further"
            ));
            *budget = Budget::Spent;
            return;
        }
        Budget::Left(ref mut left) => *left -= 1,
    }
    if open.iter().any(|p| p == path) {
        conf.problems.push(format!(
            "{}: includes {path} again, an include loop ({}); ldconfig would read it over and over",
            open.last().map_or(path, String::as_str),
            open.join(" -> ")
        ));
        return;
    }
    if open.len() >= MAX_DEPTH {
        conf.problems.push(format!(
            "{path}: includes nested more than {MAX_DEPTH} deep; not read further"
        ));
        return;
    }
    let Some(text) = files.read(path) else {
        if !top {
            conf.problems.push(format!("{path}: cannot be read"));
        }
        return;
    };
    open.push(path.to_string());
    let base = path.rsplit_once('/').map_or("/", |(dir, _)| dir);
    for (number, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        match words[0] {
            "include" => {
                for pattern in &words[1..] {
                    let pattern = if pattern.starts_with('/') {
                        pattern.to_string()
                    } else {
                        format!("{base}/{pattern}")
                    };
                    match files.glob(&pattern) {
                        Ok(found) if found.is_empty() => conf.problems.push(format!(
                            "{path}:{}: include {pattern} matches no file",
                            number + 1
                        )),
                        Ok(found) => {
                            for file in found {
                                read_file(files, &file, open, conf, budget);
                            }
                        }
                        Err(why) => conf
                            .problems
                            .push(format!("{path}:{}: include {pattern}: {why}", number + 1)),
                    }
                }
            }
            "hwcap" => {}
            _ => conf.dirs.push(ConfDir {
                // ldconfig takes the rest of the line as the directory, a trailing
                // `/` dropped.
                dir: trim_dir(line),
                file: path.to_string(),
                line: number + 1,
            }),
        }
    }
    open.pop();
}

fn trim_dir(line: &str) -> String {
    let trimmed = line.trim_end_matches('/');
    if trimmed.is_empty() {
        "/".into()
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    struct Fake(BTreeMap<&'static str, &'static str>);

    impl ConfFiles for Fake {
        fn read(&self, path: &str) -> Option<String> {
            self.0.get(path).map(|s| s.to_string())
        }
        fn glob(&self, pattern: &str) -> Result<Vec<String>, String> {
            let (dir, _) = pattern.rsplit_once('/').unwrap();
            let star = pattern.contains('*');
            Ok(self
                .0
                .keys()
                .filter(|k| {
                    if star {
                        k.starts_with(dir) && k.ends_with(".conf")
                    } else {
                        **k == pattern
                    }
                })
                .map(|k| k.to_string())
                .collect())
        }
    }

    #[test]
    fn directories_includes_loops_and_empty_globs() {
        let files = Fake(BTreeMap::from([
            (
                "/etc/ld.so.conf",
                "include /etc/ld.so.conf.d/*.conf\n/opt/a/lib/ # trailing\ninclude none/*.x\n",
            ),
            ("/etc/ld.so.conf.d/a.conf", "# multiarch\n/usr/local/lib\n"),
            ("/etc/ld.so.conf.d/b.conf", "include b.conf\nhwcap 0 x\n"),
        ]));
        let conf = read(&files);
        let dirs: Vec<&str> = conf.dirs.iter().map(|d| d.dir.as_str()).collect();
        assert_eq!(dirs, ["/usr/local/lib", "/opt/a/lib"]);
        assert_eq!(conf.dirs[1].line, 2);
        assert_eq!(conf.problems.len(), 2, "{:?}", conf.problems);
        assert!(conf.problems[0].contains("include loop"));
        assert!(conf.problems[1].contains("/etc/none/*.x matches no file"));
    }
}
