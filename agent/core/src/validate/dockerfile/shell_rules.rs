//! hadolint's rules about what RUN does (package pins, caches, pipes) and about stages
//! (WORKDIR before a relative COPY), with hadolint's ids and default severities. Each rule
//! follows hadolint's own semantics, quirks included, so `# hadolint ignore=` comments written
//! for hadolint keep their meaning.

use super::shell::{self, Command, Script};
use super::{Instruction, Severity};
use std::collections::{BTreeMap, BTreeSet};

/// Pushes one finding: the instruction, rule id, severity, message and hint.
pub(super) type Add<'a> = dyn FnMut(&Instruction, &str, Severity, String, &str) + 'a;

/// A RUN, read: its `--flag`s and its script.
struct Run {
    flags: Vec<String>,
    text: String,
    script: Script,
}

impl Run {
    fn read(args: &str) -> Run {
        let mut rest = args.trim();
        let mut flags = Vec::new();
        // Flags come first; a stray `\` between them is a continuation hadolint tolerates.
        loop {
            let (word, after) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            if word.starts_with("--") {
                flags.push(word.to_string());
            } else if word != "\\" || after.is_empty() {
                break;
            }
            rest = after.trim_start();
        }
        flags.sort();
        // The exec form runs its words as they are; read them as one command.
        let text = match serde_json::from_str::<Vec<String>>(rest) {
            Ok(words) if rest.starts_with('[') => words.join(" "),
            _ => rest.to_string(),
        };
        let script = shell::read(&text);
        Run {
            flags,
            text,
            script,
        }
    }

    /// A `--mount=type=cache` or `tmpfs` whose target contains `fragment`.
    fn caches(&self, fragment: &str) -> bool {
        self.flags.iter().any(|f| {
            let Some(mount) = f.strip_prefix("--mount=") else {
                return false;
            };
            let opts: Vec<(&str, &str)> =
                mount.split(',').filter_map(|o| o.split_once('=')).collect();
            let kind = opts.iter().find(|(k, _)| *k == "type").map(|(_, v)| *v);
            matches!(kind, Some("cache" | "tmpfs"))
                && opts.iter().any(|(k, v)| {
                    matches!(*k, "target" | "dst" | "destination") && v.contains(fragment)
                })
        })
    }

    fn any(&self, f: impl Fn(&Command) -> bool) -> bool {
        self.script.commands.iter().any(f)
    }
}

/// A build stage's key for what it inherits: its alias, else its image name without a tag.
fn stage_key(from: &str) -> (String, String) {
    let words: Vec<&str> = from
        .split_whitespace()
        .filter(|w| !w.starts_with("--"))
        .collect();
    let image = words.first().copied().unwrap_or("");
    let name = image
        .split('@')
        .next()
        .unwrap_or("")
        .rsplit_once(':')
        .filter(|(_, tag)| !tag.contains('/'))
        .map_or(image.split('@').next().unwrap_or(""), |(n, _)| n)
        .to_string();
    let alias = words
        .iter()
        .position(|w| w.eq_ignore_ascii_case("as"))
        .and_then(|i| words.get(i + 1))
        .map(|a| a.to_string());
    (alias.unwrap_or_else(|| name.clone()), name)
}

/// Per stage flags that later stages built `FROM` it inherit (WORKDIR set, PIP_NO_CACHE_DIR).
#[derive(Default)]
struct Inherited {
    current: Option<String>,
    set: BTreeMap<Option<String>, bool>,
}

impl Inherited {
    fn from(&mut self, args: &str) {
        let (key, parent) = stage_key(args);
        let value = self.set.get(&Some(parent)).copied().unwrap_or(false);
        self.set.insert(Some(key.clone()), value);
        self.current = Some(key);
    }
    fn mark(&mut self) {
        self.set.insert(self.current.clone(), true);
    }
    fn is_set(&self) -> bool {
        self.set.get(&self.current).copied().unwrap_or(false)
    }
}

const TRUTHY: &[&str] = &[
    "1", "true", "True", "TRUE", "on", "On", "ON", "yes", "Yes", "YES",
];

pub(super) fn check(instructions: &[Instruction], add: &mut Add) {
    let plain: Vec<&Instruction> = instructions
        .iter()
        .filter(|i| i.keyword != "ONBUILD")
        .collect();
    // ONBUILD's instructions, unwrapped: hadolint checks them apart from the others.
    let onbuild: Vec<Instruction> = instructions
        .iter()
        .filter(|i| i.keyword == "ONBUILD")
        .map(|i| {
            let (keyword, args) = i
                .args
                .split_once(char::is_whitespace)
                .unwrap_or((&i.args, ""));
            Instruction {
                line: i.line,
                keyword: keyword.to_uppercase(),
                args: args.trim().to_string(),
                ignored: i.ignored.clone(),
            }
        })
        .collect();
    run_rules(&plain, add);
    run_rules(&onbuild.iter().collect::<Vec<_>>(), add);
    stage_rules(&plain, add);
}

/// The rules hadolint applies both to instructions and to ONBUILD's.
fn run_rules(instructions: &[&Instruction], add: &mut Add) {
    let mut no_cache_dir = Inherited::default();
    let mut fetchers: BTreeSet<&str> = BTreeSet::new();
    // DL3009: the RUNs that leave apt lists, with their stage's FROM, and every FROM image.
    let mut last_from: Option<&str> = None;
    let mut from_images: BTreeSet<String> = BTreeSet::new();
    let mut apt_lists: Vec<(&Instruction, Option<&str>)> = Vec::new();
    for ins in instructions {
        match ins.keyword.as_str() {
            "FROM" => {
                no_cache_dir.from(&ins.args);
                fetchers.clear();
                last_from = Some(ins.args.as_str());
                from_images.insert(stage_key(&ins.args).1);
            }
            "ENV" => {
                if super::env_pairs(&ins.args)
                    .iter()
                    .any(|(k, v)| k == "PIP_NO_CACHE_DIR" && TRUTHY.contains(&v.as_str()))
                {
                    no_cache_dir.mark();
                }
            }
            "RUN" => {
                let run = Run::read(&ins.args);
                simple_rules(ins, &run, add);
                if !no_cache_dir.is_set() && pip_caches(&run) {
                    add(
                        ins,
                        "DL3042",
                        Severity::Warning,
                        "pip install keeps its download cache in the image".into(),
                        "use `pip install --no-cache-dir`, set ENV PIP_NO_CACHE_DIR=1, or mount a cache at /root/.cache/pip",
                    );
                }
                let used: Vec<&str> = run
                    .script
                    .commands
                    .iter()
                    .map(|c| c.name.as_str())
                    .filter(|n| *n == "curl" || *n == "wget")
                    .collect();
                for name in &used {
                    fetchers.insert(if *name == "curl" { "curl" } else { "wget" });
                }
                if !used.is_empty() && fetchers.len() == 2 {
                    add(
                        ins,
                        "DL4001",
                        Severity::Warning,
                        "this stage uses both wget and curl".into(),
                        "pick one of them to download with, so the image needs only one",
                    );
                }
                if leaves_apt_lists(&run) {
                    apt_lists.push((ins, last_from));
                }
            }
            _ => {}
        }
    }
    for (ins, from) in apt_lists {
        // A stage's lists matter when it is the final stage or a later FROM builds on it.
        let used_later =
            from.is_some_and(|f| has_alias(f) && from_images.contains(&stage_key(f).0));
        if from == last_from || used_later {
            add(
                ins,
                "DL3009",
                Severity::Info,
                "apt-get update leaves the apt lists (/var/lib/apt/lists) in the image".into(),
                "end the same RUN with `rm -rf /var/lib/apt/lists/*`, or mount a cache at /var/lib/apt/lists",
            );
        }
    }
}

/// The rules that look at one RUN alone.
fn simple_rules(ins: &Instruction, run: &Run, add: &mut Add) {
    if run.any(|c| c.name == "sudo") {
        add(
            ins,
            "DL3004",
            Severity::Error,
            "RUN uses sudo".into(),
            "RUN already runs as the current USER; switch with USER root and back, or use gosu in an entrypoint",
        );
    }
    if run.any(|c| c.name == "apt") {
        add(
            ins,
            "DL3027",
            Severity::Warning,
            "RUN uses apt, whose command line is meant for people and may change".into(),
            "use apt-get or apt-cache in scripts",
        );
    }
    if run.any(|c| {
        c.name == "wget"
            && !c.has_any_flag(&[
                "progress",
                "q",
                "quiet",
                "o",
                "output-file",
                "a",
                "append-output",
                "no-verbose",
            ])
            && !c.has_arg("-nv")
    }) {
        add(
            ins,
            "DL3047",
            Severity::Info,
            "wget without a progress option fills the build log with its progress bar".into(),
            "use `wget --progress=dot:giga <url>`, or `-q` or `-nv`",
        );
    }
    if run.any(npm_unpinned) {
        add(
            ins,
            "DL3016",
            Severity::Warning,
            "npm install of a package without a version".into(),
            "write `npm install <package>@<version>`, so a rebuild installs what you tested",
        );
    }
    if run.any(pip_unpinned) {
        add(
            ins,
            "DL3013",
            Severity::Warning,
            "pip install of a package without a version".into(),
            "write `pip install <package>==<version>`, or install from a requirements file with `-r`",
        );
    }
    let apt_install = |c: &Command| c.has_args("apt-get", &["install"]);
    if run.any(|c| {
        apt_install(c)
            && !(c.has_any_flag(&["y", "yes", "qq", "assume-yes"])
                || c.count_flag("q") == 2
                || c.count_flag("quiet") == 2
                || c.has_arg("-q=2"))
    }) {
        add(
            ins,
            "DL3014",
            Severity::Warning,
            "apt-get install without -y waits for an answer no one gives".into(),
            "write `apt-get install -y <package>`",
        );
    }
    if run.any(|c| {
        apt_install(c)
            && !c.has_flag("no-install-recommends")
            && !c.has_arg("APT::Install-Recommends=false")
    }) {
        add(
            ins,
            "DL3015",
            Severity::Info,
            "apt-get install also installs the recommended packages".into(),
            "add `--no-install-recommends`, and name the packages you need",
        );
    }
    if run.any(|c| {
        apt_install(c)
            && c.words_without(&["t", "target-release"])
                .iter()
                .filter(|p| **p != "install")
                .any(|p| !(p.contains('=') || p.contains('/') || p.ends_with(".deb")))
    }) {
        add(
            ins,
            "DL3008",
            Severity::Warning,
            "apt-get install of a package without a version".into(),
            "write `apt-get install <package>=<version>`, so a rebuild installs what you tested",
        );
    }
    let apk_add = |c: &Command| c.has_args("apk", &["add"]);
    if !run.caches("/var/cache/apk") && run.any(|c| apk_add(c) && !c.has_flag("no-cache")) {
        add(
            ins,
            "DL3019",
            Severity::Info,
            "apk add keeps its package cache in the image".into(),
            "use `apk add --no-cache`, which also makes `--update` and removing /var/cache/apk unnecessary",
        );
    }
    if run.any(|c| {
        apk_add(c)
            && c.words_without(&["t", "virtual", "repository", "X"])
                .iter()
                .filter(|p| **p != "add")
                .any(|p| !(p.contains(['=', '~', '>', '<']) || p.ends_with(".apk")))
    }) {
        add(
            ins,
            "DL3018",
            Severity::Warning,
            "apk add of a package without a version".into(),
            "write `apk add <package>=<version>`, so a rebuild installs what you tested",
        );
    }
}

/// hadolint's notion of a package-pinning `npm install`: `install` is its first word.
fn npm_unpinned(c: &Command) -> bool {
    if !c.has_args("npm", &["install"]) {
        return false;
    }
    let words = c.words_without(&["loglevel", "registry"]);
    if words.first() != Some(&"install") {
        return false;
    }
    !strip_install(&words).iter().all(|p| npm_pinned(p))
}

fn npm_pinned(p: &str) -> bool {
    if ["git://", "git+ssh://", "git+http://", "git+https://"]
        .iter()
        .any(|g| p.starts_with(g))
    {
        return p.contains('#');
    }
    if [".tar", ".tar.gz", ".tgz"].iter().any(|s| p.ends_with(s))
        || ["/", "./", "../", "~/"].iter().any(|s| p.starts_with(s))
    {
        return true;
    }
    // `@scope/name@1.0`: the version's @ comes after the scope.
    let unscoped = if p.starts_with('@') {
        p.trim_start_matches(|c: char| c > '/')
    } else {
        p
    };
    unscoped.contains('@')
}

/// The words after the first `install`.
fn strip_install<'a>(words: &[&'a str]) -> Vec<&'a str> {
    words
        .iter()
        .skip_while(|w| **w != "install")
        .skip_while(|w| **w == "install")
        .copied()
        .collect()
}

/// `pip install`, `pip3 install` or `python -m pip install` (not pipenv).
fn is_pip_install(c: &Command) -> bool {
    (c.name.starts_with("pip") && !c.name.starts_with("pipenv") && c.has_arg("install"))
        || (c.name.starts_with("python") && has_run(&c.args, &["-m", "pip", "install"]))
}

fn has_run(args: &[String], run: &[&str]) -> bool {
    args.windows(run.len())
        .any(|w| w.iter().zip(run).all(|(a, b)| a == b))
}

const PIP_VALUED: &[&str] = &[
    "abi",
    "b",
    "build",
    "e",
    "editable",
    "extra-index-url",
    "f",
    "find-links",
    "i",
    "index-url",
    "implementation",
    "no-binary",
    "only-binary",
    "platform",
    "prefix",
    "progress-bar",
    "proxy",
    "python",
    "python-version",
    "root",
    "root-user-action",
    "src",
    "t",
    "target",
    "trusted-host",
    "upgrade-strategy",
];

// pip's VCS schemes; hadolint matches them as prefixes, so a bare "git" counts too.
const VCS: &[&str] = &[
    "git+file",
    "git+https",
    "git+ssh",
    "git+http",
    "git+git",
    "git",
    "hg+file",
    "hg+http",
    "hg+https",
    "hg+ssh",
    "hg+static-http",
    "svn",
    "svn+svn",
    "svn+http",
    "svn+https",
    "svn+ssh",
    "bzr+http",
    "bzr+https",
    "bzr+ssh",
    "bzr+sftp",
    "bzr+ftp",
    "bzr+lp",
];

fn pip_unpinned(c: &Command) -> bool {
    if !is_pip_install(c)
        || c.has_flag("constraint")
        || c.has_flag("c")
        || c.has_arg("--requirement")
        || c.has_arg("-r")
        || c.has_arg(".")
    {
        return false;
    }
    let words = c.words_without(PIP_VALUED);
    !strip_install(&words).iter().all(|p| pip_pinned(p))
}

fn pip_pinned(p: &str) -> bool {
    let vcs = VCS.iter().any(|s| p.starts_with(s));
    ["==", ">=", "<=", ">", "<", "!=", "~=", "==="]
        .iter()
        .any(|s| p.contains(s))
        || (vcs && p.contains('@'))
        || p.ends_with(".whl")
        || p.ends_with(".tar.gz")
        || (!vcs && p.contains('/'))
}

/// DL3042: a pip install that keeps its cache, and no `PIP_NO_CACHE_DIR` or cache mount.
fn pip_caches(run: &Run) -> bool {
    let no_cache_env = run
        .text
        .split_once("PIP_NO_CACHE_DIR=")
        .is_some_and(|(_, v)| TRUTHY.iter().any(|t| v.starts_with(t)));
    let wrapper = |c: &Command| {
        ["pipx", "pipenv"].iter().any(|w| {
            c.name.contains(w) || (c.name.starts_with("python") && has_run(&c.args, &["-m", w]))
        })
    };
    !no_cache_env
        && run.any(|c| is_pip_install(c) && !c.has_arg("--no-cache-dir") && !wrapper(c))
        && !run.caches(".cache/pip")
}

/// DL3009: `apt-get update` with no `rm -rf /var/lib/apt/lists/*` and no cache mount for them.
fn leaves_apt_lists(run: &Run) -> bool {
    let update = run.any(|c| {
        ["apt", "apt-get", "aptitude"]
            .iter()
            .any(|n| c.has_args(n, &["update"]))
    });
    let cleanup = run.any(|c| c.has_args("rm", &["-rf", "/var/lib/apt/lists/*"]));
    update
        && !cleanup
        && !run.caches("/var/lib/apt/lists")
        && !(run.caches("/var/lib/apt") && run.caches("/var/cache/apt"))
}

/// Rules hadolint does not apply inside ONBUILD: pipes, consecutive RUNs, relative COPY.
fn stage_rules(instructions: &[&Instruction], add: &mut Add) {
    let mut pipefail = false;
    let mut workdir = Inherited::default();
    // Stages so far (for `COPY --from=N`), their aliases, the current one's, and whether the
    // current stage has had a CMD or ENTRYPOINT.
    let mut stages = 0;
    let mut aliases: BTreeSet<String> = BTreeSet::new();
    let mut alias: Option<String> = None;
    let (mut cmd, mut entrypoint) = (false, false);
    // DL3059: the previous RUN's flags and whether it ran more than one command.
    let mut previous: Option<(Vec<String>, bool)> = None;
    for ins in instructions {
        let args = ins.args.as_str();
        match ins.keyword.as_str() {
            "FROM" => {
                pipefail = false;
                workdir.from(args);
                stages += 1;
                (cmd, entrypoint) = (false, false);
                alias = has_alias(args).then(|| stage_key(args).0);
                if let Some(a) = &alias {
                    if !aliases.insert(a.clone()) {
                        add(
                            ins,
                            "DL3024",
                            Severity::Error,
                            format!("an earlier stage is already named {a}"),
                            "give every stage a name of its own",
                        );
                    }
                }
            }
            "SHELL" => pipefail = sets_pipefail(args),
            "WORKDIR" => {
                workdir.mark();
                if !absolute_workdir(args) {
                    add(
                        ins,
                        "DL3000",
                        Severity::Error,
                        format!("WORKDIR {args} is a relative path"),
                        "use an absolute path, so the directory does not depend on the one before",
                    );
                }
            }
            "MAINTAINER" => add(
                ins,
                "DL4000",
                Severity::Error,
                "MAINTAINER is deprecated".into(),
                "use LABEL org.opencontainers.image.authors=\"...\" instead",
            ),
            "CMD" => {
                if std::mem::replace(&mut cmd, true) {
                    add(
                        ins,
                        "DL4003",
                        Severity::Warning,
                        "this stage has more than one CMD; only the last takes effect".into(),
                        "keep one CMD per stage",
                    );
                }
            }
            "ENTRYPOINT" => {
                if std::mem::replace(&mut entrypoint, true) {
                    add(
                        ins,
                        "DL4004",
                        Severity::Error,
                        "this stage has more than one ENTRYPOINT; only the last takes effect"
                            .into(),
                        "keep one ENTRYPOINT per stage",
                    );
                }
            }
            "COPY" => {
                if let Some(source) = copy_from(args) {
                    if alias.as_deref() == Some(source) {
                        add(
                            ins,
                            "DL3023",
                            Severity::Error,
                            format!("COPY --from={source} names the stage it is in"),
                            "copy from an earlier stage, or copy the files directly",
                        );
                    }
                    if !earlier_stage(source, stages, &aliases) {
                        add(
                            ins,
                            "DL3022",
                            Severity::Warning,
                            format!("COPY --from={source} names no earlier stage"),
                            "name a stage defined above with FROM ... AS <name>, or an image with a tag (image:tag)",
                        );
                    }
                }
                if !workdir.is_set() && relative_dest(args) {
                    add(
                        ins,
                        "DL3045",
                        Severity::Warning,
                        "COPY to a relative destination, and this stage sets no WORKDIR".into(),
                        "set WORKDIR first, or copy to an absolute path",
                    );
                }
            }
            _ => {}
        }
        if ins.keyword != "RUN" {
            previous = None;
            continue;
        }
        let run = Run::read(args);
        if run.any(|c| c.name == "cd") {
            add(
                ins,
                "DL3003",
                Severity::Warning,
                "RUN changes directory with cd".into(),
                "use WORKDIR to switch to a directory",
            );
        }
        if !pipefail && run.script.has_pipe {
            add(
                ins,
                "DL4006",
                Severity::Warning,
                "RUN has a pipe, and the shell does not fail when a command before the pipe fails"
                    .into(),
                "set SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"] before this RUN",
            );
        }
        let many = run.script.commands.len() > 1;
        match &previous {
            Some((flags, before)) if *flags == run.flags && !many && !before => add(
                ins,
                "DL3059",
                Severity::Info,
                "this RUN follows another RUN: each makes a layer".into(),
                "join consecutive RUNs with `&&` into one",
            ),
            _ => previous = Some((run.flags, many)),
        }
    }
}

/// SHELL sets a shell that fails on a failed pipe: bash, zsh or ash with `-o pipefail`, or a
/// shell without pipes of that kind (PowerShell, cmd).
fn sets_pipefail(args: &str) -> bool {
    let words: Vec<String> = serde_json::from_str(args)
        .unwrap_or_else(|_| args.split_whitespace().map(String::from).collect());
    let Some(name) = words.first() else {
        return false;
    };
    if ["pwsh", "powershell", "cmd"]
        .iter()
        .any(|s| name.starts_with(s))
    {
        return true;
    }
    let script = shell::read(&words.join(" "));
    script.commands.iter().any(|c| {
        let base = c.name.rsplit('/').next().unwrap_or("");
        ["bash", "zsh", "ash"].contains(&base) && c.has_flag("o") && c.has_arg("pipefail")
    })
}

/// COPY's destination is relative: not `/...`, not `C:...`, not a `$VARIABLE`.
fn relative_dest(args: &str) -> bool {
    let dest = match serde_json::from_str::<Vec<String>>(args) {
        Ok(words) => words.last().cloned().unwrap_or_default(),
        Err(_) => args.split_whitespace().last().unwrap_or("").to_string(),
    };
    let dest = dest.trim_matches(['"', '\'']);
    let mut chars = dest.chars();
    let windows = chars.next().is_some_and(|d| d.is_alphabetic()) && chars.next() == Some(':');
    !(dest.starts_with('/') || dest.starts_with('$') || windows)
}

fn has_alias(from: &str) -> bool {
    from.split_whitespace()
        .any(|w| w.eq_ignore_ascii_case("as"))
}

/// `COPY --from=SOURCE`'s source.
fn copy_from(args: &str) -> Option<&str> {
    args.split_whitespace()
        .take_while(|w| w.starts_with("--"))
        .find_map(|w| w.strip_prefix("--from="))
}

/// `--from=` names an earlier stage by alias or number, or an image (`name:tag`).
fn earlier_stage(source: &str, stages: usize, aliases: &BTreeSet<String>) -> bool {
    if source.trim_matches(['"', '\'']).contains(':') || aliases.contains(source) {
        return true;
    }
    let digits: String = source.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse::<usize>().is_ok_and(|n| n < stages)
}

/// WORKDIR is `/...`, `C:...` or a `$VARIABLE`, quotes aside.
fn absolute_workdir(args: &str) -> bool {
    let dir = args.trim().trim_matches(['"', '\'']);
    let mut chars = dir.chars();
    let windows = chars.next().is_some_and(|d| d.is_alphabetic()) && chars.next() == Some(':');
    dir.starts_with('/') || dir.starts_with('$') || windows
}

#[cfg(test)]
mod tests {
    /// The hadolint rule ids found, with their lines; berth's own ids left out.
    fn found(text: &str) -> Vec<(String, usize)> {
        let mut out = vec![];
        super::super::check("Dockerfile", text, None, &mut out);
        out.into_iter()
            .filter(|f| f.rule.starts_with("DL"))
            .map(|f| (f.rule, f.line))
            .collect()
    }

    fn ids(text: &str) -> Vec<String> {
        found(text).into_iter().map(|(r, _)| r).collect()
    }

    fn base(body: &str) -> String {
        format!("FROM alpine:3.20\n{body}\nUSER 1\n")
    }

    #[test]
    fn package_pins() {
        assert_eq!(ids(&base("RUN npm install -g typescript")), ["DL3016"]);
        assert!(
            ids(&base(
                "RUN npm install -g typescript@5.6.2 @scope/x@1 ./lib"
            ))
            .is_empty()
        );
        assert!(ids(&base("RUN npm install && npm run build")).is_empty());
        assert_eq!(
            ids(&base("RUN pip install --no-cache-dir flask")),
            ["DL3013"]
        );
        assert!(
            ids(&base(
                "RUN pip install --no-cache-dir -i https://mirror/simple flask==3.0.3 ./wheels/x"
            ))
            .is_empty()
        );
        assert!(ids(&base("RUN pip install --no-cache-dir -r req.txt")).is_empty());
        assert_eq!(
            ids(&base("RUN apk add --no-cache curl tzdata=2024a-r0")),
            ["DL3018"]
        );
        assert!(ids(&base("RUN apk add --no-cache -t .deps curl=8.9.1-r0")).is_empty());
        assert_eq!(
            ids(&base(
                "RUN apt-get update && apt-get install -y --no-install-recommends git \\\n && rm -rf /var/lib/apt/lists/*"
            )),
            ["DL3008"]
        );
    }

    #[test]
    fn caches_and_prompts() {
        assert_eq!(ids(&base("RUN pip install flask==3.0.3")), ["DL3042"]);
        assert!(
            ids(&base(
                "ENV PIP_NO_CACHE_DIR=1\nRUN pip install flask==3.0.3"
            ))
            .is_empty()
        );
        assert!(
            ids(&base(
                "RUN --mount=type=cache,target=/root/.cache/pip pip install flask==3.0.3"
            ))
            .is_empty()
        );
        assert_eq!(ids(&base("RUN apk add --update git=2.45.2-r0")), ["DL3019"]);
        let apt = "RUN apt-get update && apt-get install git=1:2.39.5-0+deb12u1";
        let mut got = ids(&base(apt));
        got.sort();
        assert_eq!(got, ["DL3009", "DL3014", "DL3015"]);
        // A build stage's apt lists do not reach the final image unless a stage builds on it.
        let staged = "FROM debian:12 AS tools\nRUN apt-get update\nFROM debian:12\nUSER 1\n";
        assert!(ids(staged).is_empty());
        let inherited = "FROM debian:12 AS tools\nRUN apt-get update\nFROM tools\nUSER 1\n";
        assert_eq!(found(inherited), [("DL3009".to_string(), 2)]);
    }

    #[test]
    fn onbuild_runs_are_checked_too() {
        assert_eq!(
            found(&base("ONBUILD RUN npm install left-pad")),
            [("DL3016".to_string(), 2)]
        );
    }

    #[test]
    fn pipes_fetchers_and_consecutive_runs() {
        assert_eq!(ids(&base("RUN curl -fsS https://x/i.sh | sh")), ["DL4006"]);
        let bash = "SHELL [\"/bin/bash\", \"-euo\", \"pipefail\", \"-c\"]\nRUN curl -fsS https://x/i.sh | sh";
        assert!(ids(&base(bash)).is_empty());
        let both = "RUN curl -fsSO https://x/a\nWORKDIR /w\nRUN wget -q https://x/b";
        assert_eq!(ids(&base(both)), ["DL4001"]);
        assert_eq!(ids(&base("RUN wget https://x/b")), ["DL3047"]);
        assert_eq!(
            found(&base("RUN mkdir /a\n# why\nRUN touch /a/b")),
            [("DL3059".to_string(), 4)]
        );
        assert!(ids(&base("RUN mkdir /a && touch /a/b\nRUN touch /c")).is_empty());
    }

    #[test]
    fn stage_rules() {
        assert_eq!(ids(&base("COPY app.js app.js")), ["DL3045"]);
        assert!(ids(&base("WORKDIR /srv\nCOPY app.js app.js")).is_empty());
        assert_eq!(ids(&base("WORKDIR srv")), ["DL3000"]);
        assert_eq!(ids(&base("RUN cd /tmp && make")), ["DL3003"]);
        assert_eq!(ids(&base("RUN sudo make install")), ["DL3004"]);
        // The apt-get rules (DL3008, DL3014, DL3015) are about apt-get only.
        assert_eq!(ids(&base("RUN apt install make")), ["DL3027"]);
        assert_eq!(ids(&base("MAINTAINER me")), ["DL4000"]);
        assert_eq!(
            ids(&base(
                "CMD [\"a\"]\nCMD [\"b\"]\nENTRYPOINT [\"c\"]\nENTRYPOINT [\"d\"]"
            )),
            ["DL4003", "DL4004"]
        );
        let stages = "FROM alpine:3.20 AS a\nCOPY --from=a /x /x\nCOPY --from=b /y /y\nCOPY --from=nginx:1.27 /z /z\nFROM alpine:3.20 AS a\nUSER 1\n";
        assert_eq!(
            found(stages),
            [
                ("DL3023".to_string(), 2),
                ("DL3022".to_string(), 3),
                ("DL3024".to_string(), 5)
            ]
        );
        assert!(ids("FROM alpine:3.20 AS a\nFROM alpine:3.20\nCOPY --from=0 /x /x\nCOPY --from=a /y /y\nUSER 1\n").is_empty());
    }

    #[test]
    fn global_and_commented_pragmas() {
        let text = "# hadolint global ignore=DL3047\nFROM alpine:3.20\nRUN wget https://x/a\n# hadolint ignore=DL3000 # it is relative on purpose\nWORKDIR srv\nUSER 1\n";
        assert!(ids(text).is_empty(), "{:?}", ids(text));
    }
}
