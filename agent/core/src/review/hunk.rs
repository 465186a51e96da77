//! A file's two versions in, its hunks out (as `git add -p` splits a diff), and back: the
//! file on disk with only the chosen hunks (as proposed, or as a person edited them) applied.

use similar::{ChangeTag, TextDiff};

/// One line of a hunk: what it is and its text, newline included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub tag: ChangeTag,
    pub text: String,
    /// 1-based line number in the proposed file (none for a removed line).
    pub new_line: Option<usize>,
}

/// A run of changes with up to three lines of context either side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hunk {
    /// 0-based index of its first line in the file on disk, and how many it spans there.
    pub old_start: usize,
    pub old_len: usize,
    /// The same in the proposed file.
    pub new_start: usize,
    pub new_len: usize,
    pub lines: Vec<Line>,
}

/// What a person took of a hunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    /// The file on disk keeps its lines.
    Skip,
    /// The proposed lines replace them.
    Take,
    /// These lines (a person's edit of the hunk) replace them.
    Edited(Vec<String>),
}

#[derive(Debug, thiserror::Error)]
pub enum HunkError {
    /// An edited hunk changed lines it must keep (context or removed lines).
    #[error(
        "the edited hunk changes the lines on disk it starts from (line {line}): only `+` lines may be added or changed, and `-` lines turned into context or dropped"
    )]
    Mismatch { line: usize },
}

/// The hunks of the change from `old` to `new`, with `context` lines around each.
pub fn hunks(old: &str, new: &str, context: usize) -> Vec<Hunk> {
    let diff = TextDiff::from_lines(old, new);
    diff.grouped_ops(context)
        .iter()
        .map(|group| {
            let (first, last) = (&group[0], &group[group.len() - 1]);
            let lines = group
                .iter()
                .flat_map(|op| diff.iter_changes(op))
                .map(|c| Line {
                    tag: c.tag(),
                    text: c.value().to_string(),
                    new_line: c.new_index().map(|i| i + 1),
                })
                .collect();
            Hunk {
                old_start: first.old_range().start,
                old_len: last.old_range().end - first.old_range().start,
                new_start: first.new_range().start,
                new_len: last.new_range().end - first.new_range().start,
                lines,
            }
        })
        .collect()
}

impl Hunk {
    /// `@@ -a,b +c,d @@`, as git and `similar` number a hunk.
    pub fn header(&self) -> String {
        let at = |start: usize, len: usize| if len == 0 { start } else { start + 1 };
        format!(
            "@@ -{},{} +{},{} @@",
            at(self.old_start, self.old_len),
            self.old_len,
            at(self.new_start, self.new_len),
            self.new_len
        )
    }

    /// The hunk as unified-diff text (header, then ` `, `-` and `+` lines).
    pub fn unified(&self) -> String {
        let mut out = format!("{}\n", self.header());
        for l in &self.lines {
            out.push(sign(l.tag));
            out.push_str(&l.text);
            if !l.text.ends_with('\n') {
                out.push_str("\n\\ No newline at end of file\n");
            }
        }
        out
    }

    fn old_lines(&self) -> impl Iterator<Item = &str> {
        self.lines
            .iter()
            .filter(|l| l.tag != ChangeTag::Insert)
            .map(|l| l.text.as_str())
    }

    fn new_lines(&self) -> impl Iterator<Item = &str> {
        self.lines
            .iter()
            .filter(|l| l.tag != ChangeTag::Delete)
            .map(|l| l.text.as_str())
    }

    /// The lines a person's edit of `unified()` puts in place of the hunk. As in `git add -p`:
    /// `#` lines are comments, `+` lines may be changed, added or deleted, and a `-` line made a
    /// context line (` `) is kept; context and `-` lines must otherwise stay as they were.
    pub fn parse_edit(&self, edited: &str) -> Result<Vec<String>, HunkError> {
        let mut kept_old = Vec::new();
        let mut out = Vec::new();
        for (i, raw) in edited.split_inclusive('\n').enumerate() {
            if raw.starts_with('#') || raw.starts_with("@@") || raw.starts_with('\\') {
                continue;
            }
            // An editor may strip the space of an empty context line.
            let raw = if raw == "\n" { " \n" } else { raw };
            let (sign, text) = raw.split_at(raw.chars().next().map_or(0, char::len_utf8));
            match sign {
                " " => {
                    kept_old.push((i + 1, text));
                    out.push(text.to_string());
                }
                "-" => kept_old.push((i + 1, text)),
                "+" => out.push(text.to_string()),
                _ => return Err(HunkError::Mismatch { line: i + 1 }),
            }
        }
        let old: Vec<&str> = self.old_lines().collect();
        let same = |a: &str, b: &str| a.trim_end_matches('\n') == b.trim_end_matches('\n');
        for (k, (line, text)) in kept_old.iter().enumerate() {
            if !old.get(k).is_some_and(|o| same(o, text)) {
                return Err(HunkError::Mismatch { line: *line });
            }
        }
        if kept_old.len() != old.len() {
            return Err(HunkError::Mismatch {
                line: edited.lines().count(),
            });
        }
        // The file's last line keeps (or lacks) its newline as the proposal has it.
        if let (Some(last), Some(l)) = (out.last_mut(), self.new_lines().last())
            && !l.ends_with('\n')
        {
            *last = last.trim_end_matches('\n').to_string();
        }
        Ok(out)
    }
}

fn sign(tag: ChangeTag) -> char {
    match tag {
        ChangeTag::Equal => ' ',
        ChangeTag::Delete => '-',
        ChangeTag::Insert => '+',
    }
}

/// `old` with each hunk replaced as `picks` says (one pick per hunk, in order).
pub fn assemble(old: &str, hunks: &[Hunk], picks: &[Pick]) -> String {
    let lines: Vec<&str> = old.split_inclusive('\n').collect();
    let mut out = String::new();
    let mut at = 0;
    for (h, pick) in hunks.iter().zip(picks) {
        out.extend(lines[at..h.old_start.min(lines.len())].iter().copied());
        match pick {
            Pick::Skip => out.extend(h.old_lines()),
            Pick::Take => out.extend(h.new_lines()),
            Pick::Edited(new) => out.extend(new.iter().map(String::as_str)),
        }
        at = (h.old_start + h.old_len).min(lines.len());
    }
    out.extend(lines[at..].iter().copied());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n";
    const NEW: &str = "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nK\nl\nm\n";

    #[test]
    fn two_changes_far_apart_are_two_hunks_with_git_headers() {
        let hs = hunks(OLD, NEW, 3);
        assert_eq!(hs.len(), 2);
        assert_eq!(hs[0].header(), "@@ -1,5 +1,5 @@");
        assert_eq!(hs[1].header(), "@@ -8,5 +8,6 @@");
        assert!(hs[1].unified().contains("-k\n+K\n"));
    }

    #[test]
    fn assembling_takes_only_the_chosen_hunks() {
        let hs = hunks(OLD, NEW, 3);
        assert_eq!(assemble(OLD, &hs, &[Pick::Skip, Pick::Skip]), OLD);
        assert_eq!(assemble(OLD, &hs, &[Pick::Take, Pick::Take]), NEW);
        let first = assemble(OLD, &hs, &[Pick::Take, Pick::Skip]);
        assert_eq!(first, OLD.replace("b\n", "B\n"));
    }

    #[test]
    fn a_new_file_is_one_hunk() {
        let hs = hunks("", "x\ny\n", 3);
        assert_eq!(hs.len(), 1);
        assert_eq!(hs[0].header(), "@@ -0,0 +1,2 @@");
        assert_eq!(assemble("", &hs, &[Pick::Take]), "x\ny\n");
    }

    #[test]
    fn an_edit_keeps_its_plus_lines_and_must_match_the_disk() {
        let hs = hunks(OLD, NEW, 3);
        let edited = hs[0].unified().replace("+B\n", "+b2\n");
        let lines = hs[0].parse_edit(&edited).unwrap();
        let out = assemble(OLD, &hs, &[Pick::Edited(lines), Pick::Skip]);
        assert_eq!(out, OLD.replace("b\n", "b2\n"));
        let bad = hs[0].unified().replace(" c\n", " C\n");
        assert!(hs[0].parse_edit(&bad).is_err());
    }

    #[test]
    fn a_missing_final_newline_survives() {
        let hs = hunks("a\nb", "a\nc", 3);
        assert!(hs[0].unified().contains("\\ No newline at end of file"));
        assert_eq!(assemble("a\nb", &hs, &[Pick::Take]), "a\nc");
        assert_eq!(assemble("a\nb", &hs, &[Pick::Skip]), "a\nb");
    }
}
