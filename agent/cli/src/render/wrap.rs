//! Text in, text that fits the terminal out: a line wider than it wraps at its spaces, the
//! rest of it indented under its first word. A command or a `quoted` span is never cut, so
//! that what is copied from the terminal still runs; a word wider than the line (a sentence
//! in Chinese has no spaces) is cut where it must be.

use std::borrow::Cow;

/// Programs whose command lines berth prints after a `label:`; the rest of such a line is
/// one piece.
const COMMANDS: [&str; 7] = [
    "kubectl", "docker", "helm", "minikube", "berth", "ctr", "sh",
];

/// Wraps each line of `text` wider than `width` columns (0: leaves it as it is).
pub fn text(text: &str, width: usize) -> Cow<'_, str> {
    if width == 0 || text.lines().all(|l| measure(l) <= width) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        let (body, end) = line.strip_suffix('\n').map_or((line, ""), |b| (b, "\n"));
        if measure(body) <= width {
            out.push_str(body);
        } else {
            let indent = &body[..body.len() - body.trim_start().len()];
            let hang = format!("{indent}  ");
            out.push_str(&fill(body.trim_start(), width, indent, &hang).join("\n"));
        }
        out.push_str(end);
    }
    out.into()
}

/// One table cell cut into lines of at most `width` columns.
pub fn cell(text: &str, width: usize) -> Vec<String> {
    fill(text, width, "", "")
}

/// Greedy filling: as many pieces on a line as fit; the spaces where a line breaks are dropped.
fn fill(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let room = width.saturating_sub(measure(rest)).max(1);
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut bare = true;
    for (space, piece) in pieces(text, room) {
        if !bare && measure(&line) + measure(space) + measure(&piece) > width {
            lines.push(std::mem::replace(&mut line, format!("{rest}{piece}")));
        } else {
            line.push_str(if bare { "" } else { space });
            line.push_str(&piece);
        }
        bare = false;
    }
    lines.push(line);
    lines
}

/// The line's words, each with the spaces before it; a `quoted` span, or a command after a
/// `label:` to the end of the line, is one piece, and a word wider than `room` is cut.
fn pieces(text: &str, room: usize) -> Vec<(&str, String)> {
    let mut out: Vec<(&str, String)> = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let word_at = rest.len() - rest.trim_start_matches(' ').len();
        let (space, after) = rest.split_at(word_at);
        let end = piece_end(after, out.last().map(|(_, w)| w.as_str()));
        let (word, tail) = after.split_at(end);
        rest = tail;
        if word.is_empty() {
            break;
        }
        if measure(word) > room && !protected(word) {
            out.extend(cut(word, room).into_iter().enumerate().map(|(i, w)| {
                let s = if i == 0 { space } else { "" };
                (s, w)
            }));
        } else {
            out.push((space, word.to_string()));
        }
    }
    out
}

/// Where the piece starting `text` ends (a byte index).
fn piece_end(text: &str, before: Option<&str>) -> usize {
    let word_end = text.find(' ').unwrap_or(text.len());
    let word = &text[..word_end];
    let after_label = before.is_none_or(|b| b.ends_with(':'));
    if after_label && COMMANDS.contains(&word) {
        return text.trim_end().len();
    }
    // An odd number of backticks opens a span that a later word closes.
    if word.matches('`').count() % 2 == 1
        && let Some(i) = text[word_end..].find('`')
    {
        let close = word_end + i + 1;
        return close + text[close..].find(' ').unwrap_or(text.len() - close);
    }
    word_end
}

fn protected(piece: &str) -> bool {
    piece.contains(' ')
}

/// A word wider than `room`, in pieces of at most `room` columns, each ending after a `/`,
/// `-` or `.` where one is near enough (a path breaks between its parts).
fn cut(word: &str, room: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = word;
    while measure(rest) > room {
        let mut end = 0;
        let mut soft = None;
        for (i, c) in rest.char_indices() {
            if measure(&rest[..i + c.len_utf8()]) > room {
                break;
            }
            end = i + c.len_utf8();
            if matches!(c, '/' | '-' | '.') && measure(&rest[..end]) * 2 >= room {
                soft = Some(end);
            }
        }
        let at = soft.unwrap_or(end.max(rest.chars().next().map_or(1, char::len_utf8)));
        out.push(rest[..at].to_string());
        rest = &rest[at..];
    }
    out.push(rest.to_string());
    out
}

fn measure(s: &str) -> usize {
    console::measure_text_width(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_wraps_under_its_first_word() {
        let line = "  cause: it needed more memory than its limit of 128Mi and was killed\n";
        assert_eq!(
            text(line, 30),
            "  cause: it needed more memory\n    than its limit of 128Mi\n    and was killed\n"
        );
        assert_eq!(text(line, 0), line);
        assert_eq!(text(line, 200), line);
    }

    #[test]
    fn a_command_after_a_label_and_a_quoted_span_stay_whole() {
        let line =
            "    run: its log says why: kubectl logs -n todo backend-7d9c -c sidecar --previous";
        let wrapped = text(line, 40);
        assert!(
            wrapped
                .lines()
                .any(|l| l.trim() == "kubectl logs -n todo backend-7d9c -c sidecar --previous"),
            "{wrapped}"
        );
        let quoted =
            "note: set KUBECONFIG or start Minikube (`minikube start --driver docker`), then retry";
        let wrapped = text(quoted, 30);
        assert!(
            wrapped.contains("(`minikube start --driver docker`),"),
            "{wrapped}"
        );
    }

    #[test]
    fn a_word_wider_than_the_line_is_cut_and_nothing_is_lost() {
        let line = "T001 创建项目结构，并把每一个服务的目录都放到它该在的地方";
        let wrapped = text(line, 20);
        assert!(wrapped.lines().all(|l| measure(l) <= 20), "{wrapped}");
        let joined: String = wrapped.lines().map(str::trim).collect::<Vec<_>>().join("");
        assert_eq!(joined, line.replace(' ', ""));
        assert_eq!(cell("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
    }
}
