//! Just enough of a POSIX shell reader for RUN: which simple commands a script runs, with
//! their words unquoted, and whether it pipes. It expands nothing; `$(...)` and backticks
//! become a placeholder word, and the commands inside them are listed too.

#[derive(Debug, Default)]
pub struct Script {
    pub commands: Vec<Command>,
    pub has_pipe: bool,
}

#[derive(Debug)]
pub struct Command {
    pub name: String,
    pub args: Vec<String>,
}

/// Words that start or end a compound command, not a command's name.
const KEYWORDS: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "time",
    "esac",
];

pub fn read(text: &str) -> Script {
    let mut script = Script::default();
    let chars: Vec<char> = text.chars().collect();
    read_into(&chars, &mut script);
    script
}

fn read_into(chars: &[char], script: &mut Script) {
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    // After a redirection operator, the next word is its target, not an argument.
    let mut target_next = false;
    let mut i = 0;
    let finish = |word: &mut String, in_word: &mut bool, words: &mut Vec<String>, t: &mut bool| {
        if *in_word {
            if *t {
                *t = false;
            } else {
                words.push(std::mem::take(word));
            }
        }
        word.clear();
        *in_word = false;
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\r' => finish(&mut word, &mut in_word, &mut words, &mut target_next),
            '\'' => {
                let end = find(chars, i + 1, '\'');
                word.extend(&chars[i + 1..end]);
                in_word = true;
                i = end;
            }
            '"' => {
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    match chars[i] {
                        '\\' if i + 1 < chars.len() => {
                            i += 1;
                            word.push(chars[i]);
                        }
                        '$' | '`' => i = substitution(chars, i, &mut word, script),
                        other => word.push(other),
                    }
                    i += 1;
                }
                in_word = true;
            }
            '\\' => {
                if let Some(&next) = chars.get(i + 1) {
                    if next != '\n' {
                        word.push(next);
                        in_word = true;
                    }
                }
                i += 1;
            }
            '$' | '`' => {
                i = substitution(chars, i, &mut word, script);
                in_word = true;
            }
            '#' if !in_word => i = find(chars, i, '\n').saturating_sub(1),
            '|' | '&' | ';' | '\n' | '(' | ')' => {
                let next = chars.get(i + 1).copied();
                if c == '&' && next == Some('>') {
                    // `&>file`: stdout and stderr to a file.
                    finish(&mut word, &mut in_word, &mut words, &mut target_next);
                    target_next = true;
                    i += 1;
                    if chars.get(i + 1) == Some(&'>') {
                        i += 1;
                    }
                } else {
                    finish(&mut word, &mut in_word, &mut words, &mut target_next);
                    end_command(&mut words, script);
                    if c == '|' && next != Some('|') {
                        script.has_pipe = true;
                    }
                    // `&&`, `||`, `;;` and `|&` are one operator of two characters.
                    let pair = (matches!(c, '|' | '&' | ';') && next == Some(c))
                        || (c == '|' && next == Some('&'));
                    if pair {
                        i += 1;
                    }
                }
            }
            '>' | '<' => {
                // `2>&1`: the 2 is a file descriptor, not an argument.
                if in_word && word.chars().all(|d| d.is_ascii_digit()) {
                    word.clear();
                    in_word = false;
                }
                finish(&mut word, &mut in_word, &mut words, &mut target_next);
                while matches!(chars.get(i + 1), Some('>' | '<' | '&' | '|')) {
                    i += 1;
                }
                target_next = true;
            }
            other => {
                word.push(other);
                in_word = true;
            }
        }
        i += 1;
    }
    finish(&mut word, &mut in_word, &mut words, &mut target_next);
    end_command(&mut words, script);
}

/// The index of the next `close` at or after `from`, or the end.
fn find(chars: &[char], from: usize, close: char) -> usize {
    (from..chars.len())
        .find(|&j| chars[j] == close)
        .unwrap_or(chars.len())
}

/// `$(...)`, `$((...))`, `${...}`, `$NAME` or a backtick pair at `i`; appends a placeholder to
/// `word`, lists the commands inside, and returns the index of its last character.
fn substitution(chars: &[char], i: usize, word: &mut String, script: &mut Script) -> usize {
    let open = chars.get(i + 1).copied();
    if chars[i] == '`' {
        let end = find(chars, i + 1, '`');
        read_into(&chars[i + 1..end], script);
        word.push_str("${VAR}");
        return end;
    }
    match open {
        Some('(') | Some('{') => {
            let (o, c) = if open == Some('(') {
                ('(', ')')
            } else {
                ('{', '}')
            };
            let mut depth = 0;
            let mut end = chars.len();
            for (j, &ch) in chars.iter().enumerate().skip(i + 1) {
                if ch == o {
                    depth += 1;
                } else if ch == c {
                    depth -= 1;
                    if depth == 0 {
                        end = j;
                        break;
                    }
                }
            }
            let inner = &chars[(i + 2).min(end)..end];
            if o == '(' && inner.first() != Some(&'(') {
                read_into(inner, script);
            }
            word.push_str("${");
            word.extend(inner.iter().filter(|ch| !ch.is_whitespace()));
            word.push('}');
            end
        }
        _ => {
            word.push('$');
            i
        }
    }
}

fn end_command(words: &mut Vec<String>, script: &mut Script) {
    let mut taken = std::mem::take(words).into_iter().peekable();
    // Assignments before the name (`A=1 pip install`), and reserved words, are not the name.
    while let Some(w) = taken.peek() {
        if KEYWORDS.contains(&w.as_str()) || is_assignment(w) {
            taken.next();
        } else {
            break;
        }
    }
    let Some(name) = taken.next() else { return };
    if matches!(name.as_str(), "for" | "case" | "select" | "function") {
        return;
    }
    script.commands.push(Command {
        name,
        args: taken.collect(),
    });
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

impl Command {
    /// True when the command is `name` and any argument is one of `args`.
    pub fn has_args(&self, name: &str, args: &[&str]) -> bool {
        self.name == name && self.args.iter().any(|a| args.contains(&a.as_str()))
    }

    pub fn has_arg(&self, arg: &str) -> bool {
        self.args.iter().any(|a| a == arg)
    }

    /// The flags each argument spells: `--yes` is "yes", `--x=1` is "x", `-qy` is "q" and "y".
    fn flags_of(arg: &str) -> Vec<String> {
        if arg == "-" || arg == "--" {
            vec![]
        } else if let Some(long) = arg.strip_prefix("--") {
            vec![long.split('=').next().unwrap_or("").to_string()]
        } else if let Some(short) = arg.strip_prefix('-') {
            short.chars().map(String::from).collect()
        } else {
            vec![]
        }
    }

    pub fn count_flag(&self, flag: &str) -> usize {
        self.args
            .iter()
            .flat_map(|a| Self::flags_of(a))
            .filter(|f| f == flag)
            .count()
    }

    pub fn has_flag(&self, flag: &str) -> bool {
        self.count_flag(flag) > 0
    }

    pub fn has_any_flag(&self, flags: &[&str]) -> bool {
        flags.iter().any(|f| self.has_flag(f))
    }

    /// The arguments that are not flags, after dropping the value that follows each flag in
    /// `valued` (`--index-url URL`); a value written `--index-url=URL` is part of its flag.
    pub fn words_without(&self, valued: &[&str]) -> Vec<&str> {
        let mut out = Vec::new();
        let mut skip = false;
        for a in &self.args {
            let flags = Self::flags_of(a);
            if std::mem::take(&mut skip) && flags.is_empty() {
                continue;
            }
            if flags.is_empty() {
                out.push(a.as_str());
            } else if !a.contains('=') && flags.iter().any(|f| valued.contains(&f.as_str())) {
                skip = true;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        read(text).commands.into_iter().map(|c| c.name).collect()
    }

    #[test]
    fn commands_and_their_words() {
        assert_eq!(
            names("A=1 apt-get update && (cd /x; make) || echo \"$(id -u)\" | tee f 2>&1"),
            ["apt-get", "cd", "make", "id", "echo", "tee"]
        );
        let s = read("if true; then pip install 'a>=1' \"b\"c > /dev/null; fi");
        assert_eq!(s.commands[1].args, ["install", "a>=1", "bc"]);
        assert!(!s.has_pipe);
        assert!(read("a | b").has_pipe);
        assert!(!read("a || b").has_pipe);
    }

    #[test]
    fn flags_and_their_values() {
        let s = read("pip install -qy --index-url https://x --target=/t pkg");
        let c = &s.commands[0];
        assert!(c.has_flag("q") && c.has_flag("y") && c.has_flag("target"));
        assert_eq!(c.words_without(&["index-url"]), ["install", "pkg"]);
    }
}
