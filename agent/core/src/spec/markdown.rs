//! Markdown text in, a flat list of blocks (headings, list items, paragraph lines) with their
//! line numbers out. Meaning is given to the blocks by `interpret`; this file knows only markdown.

use crate::source::LineIndex;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading {
        level: u8,
        text: String,
        line: usize,
    },
    /// A list item's own text (nested lists come as their own items, one level deeper).
    Item {
        depth: usize,
        checked: Option<bool>,
        lead: Option<String>,
        text: String,
        line: usize,
    },
    /// One line of a paragraph; `lead` is the bold text it starts with, as in `**Key**: value`.
    Line {
        lead: Option<String>,
        text: String,
        line: usize,
    },
    /// A fenced or indented code block outside any list (a plan's Project Structure tree);
    /// `line` is its first line of code.
    Code { text: String, line: usize },
}

struct Open {
    depth: usize,
    checked: Option<bool>,
    lead: Option<String>,
    text: String,
    line: usize,
    emitted: bool,
}

/// Splits `text` into blocks. Code blocks are kept whole (no items are read in them); HTML and
/// tables are skipped.
pub fn blocks(text: &str) -> Vec<Block> {
    let idx = LineIndex::new(text);
    let mut out = Vec::new();
    let mut heading: Option<(u8, String, usize)> = None;
    let mut items: Vec<Open> = Vec::new();
    let mut para: Option<(Option<String>, String, usize)> = None;
    let mut strong: Option<String> = None;
    let mut skip = 0usize;
    let mut code: Option<(String, usize)> = None;

    let parser = Parser::new_ext(text, Options::ENABLE_TASKLISTS | Options::ENABLE_TABLES);
    for (event, range) in parser.into_offset_iter() {
        let line = idx.line(range.start);
        if skip > 0 {
            match event {
                Event::Start(Tag::CodeBlock(_) | Tag::Table(_) | Tag::HtmlBlock) => skip += 1,
                Event::End(TagEnd::CodeBlock | TagEnd::Table | TagEnd::HtmlBlock) => {
                    skip -= 1;
                    if skip == 0
                        && let Some((text, line)) = code.take()
                    {
                        out.push(Block::Code { text, line });
                    }
                }
                Event::Text(t) if skip == 1 => {
                    if let Some((text, _)) = code.as_mut() {
                        text.push_str(&t);
                    }
                }
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                skip = 1;
                let first = match kind {
                    pulldown_cmark::CodeBlockKind::Fenced(_) => line + 1,
                    pulldown_cmark::CodeBlockKind::Indented => line,
                };
                code = items.is_empty().then(|| (String::new(), first));
            }
            Event::Start(Tag::Table(_) | Tag::HtmlBlock) => skip = 1,
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((level as u8, String::new(), line))
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, text, line)) = heading.take() {
                    out.push(Block::Heading {
                        level,
                        text: tidy(&text),
                        line,
                    });
                }
            }
            Event::Start(Tag::Item) => {
                // The parent's text ends where a nested list starts.
                if let Some(parent) = items.last_mut() {
                    flush_item(parent, &mut out);
                }
                items.push(Open {
                    depth: items.len(),
                    checked: None,
                    lead: None,
                    text: String::new(),
                    line,
                    emitted: false,
                });
            }
            Event::End(TagEnd::Item) => {
                if let Some(mut item) = items.pop() {
                    flush_item(&mut item, &mut out);
                }
            }
            Event::TaskListMarker(done) => {
                if let Some(item) = items.last_mut() {
                    item.checked = Some(done);
                }
            }
            Event::Start(Tag::Paragraph) if items.is_empty() && heading.is_none() => {
                para = Some((None, String::new(), line));
            }
            Event::End(TagEnd::Paragraph) => {
                if let Some((lead, text, line)) = para.take() {
                    push_line(&mut out, lead, &text, line);
                }
            }
            Event::Start(Tag::Strong) => strong = Some(String::new()),
            Event::End(TagEnd::Strong) => {
                if let Some(s) = strong.take() {
                    let s = tidy(&s);
                    if let Some(item) = items
                        .last_mut()
                        .filter(|i| i.text.trim().is_empty() && !i.emitted)
                    {
                        item.lead = Some(s.clone());
                    } else if let Some(p) = para.as_mut().filter(|p| p.1.trim().is_empty()) {
                        p.0 = Some(s.clone());
                    }
                    append(&mut heading, &mut items, &mut para, &s);
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(s) = strong.as_mut() {
                    s.push_str(&t);
                } else {
                    append(&mut heading, &mut items, &mut para, &t);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some((lead, text, start)) = para.take() {
                    push_line(&mut out, lead, &text, start);
                    para = Some((None, String::new(), line + 1));
                } else {
                    append(&mut heading, &mut items, &mut para, " ");
                }
            }
            _ => {}
        }
    }
    out
}

fn append(
    heading: &mut Option<(u8, String, usize)>,
    items: &mut [Open],
    para: &mut Option<(Option<String>, String, usize)>,
    t: &str,
) {
    if let Some(h) = heading.as_mut() {
        h.1.push_str(t);
    } else if let Some(p) = para.as_mut() {
        p.1.push_str(t);
    } else if let Some(item) = items.last_mut().filter(|i| !i.emitted) {
        item.text.push_str(t);
    }
}

fn flush_item(item: &mut Open, out: &mut Vec<Block>) {
    if item.emitted {
        return;
    }
    item.emitted = true;
    out.push(Block::Item {
        depth: item.depth,
        checked: item.checked,
        lead: item.lead.take(),
        text: tidy(&item.text),
        line: item.line,
    });
}

fn push_line(out: &mut Vec<Block>, lead: Option<String>, text: &str, line: usize) {
    let text = tidy(text);
    if !text.is_empty() {
        out.push(Block::Line { lead, text, line });
    }
}

/// Collapses runs of white space, so text compares the same however it was wrapped.
pub fn tidy(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_items_and_lines_keep_their_lines() {
        let md = "# Title\n\nSome **Key**: value\n**Other**: x\n\n- [ ] one\n  - [x] nested\n- plain **FR-001**: y\n";
        let b = blocks(md);
        assert_eq!(
            b[0],
            Block::Heading {
                level: 1,
                text: "Title".into(),
                line: 1
            }
        );
        assert_eq!(
            b[1],
            Block::Line {
                lead: None,
                text: "Some Key: value".into(),
                line: 3
            }
        );
        assert_eq!(
            b[2],
            Block::Line {
                lead: Some("Other".into()),
                text: "Other: x".into(),
                line: 4
            }
        );
        assert_eq!(
            b[3],
            Block::Item {
                depth: 0,
                checked: Some(false),
                lead: None,
                text: "one".into(),
                line: 6
            }
        );
        assert_eq!(
            b[4],
            Block::Item {
                depth: 1,
                checked: Some(true),
                lead: None,
                text: "nested".into(),
                line: 7
            }
        );
        assert_eq!(
            b[5],
            Block::Item {
                depth: 0,
                checked: None,
                lead: None,
                text: "plain FR-001: y".into(),
                line: 8
            }
        );
    }

    #[test]
    fn code_blocks_are_kept_whole_and_read_for_no_items() {
        let b = blocks("```\n- [ ] T001 not a task\n```\n- [ ] T002 a task\n");
        assert_eq!(b.len(), 2);
        assert!(
            matches!(&b[0], Block::Code { text, line: 2 } if text == "- [ ] T001 not a task\n")
        );
        assert!(matches!(&b[1], Block::Item { text, line: 4, .. } if text == "T002 a task"));
    }
}
