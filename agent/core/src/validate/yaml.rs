//! YAML (or JSON) text in, documents out: each a JSON value for schema checks plus a tree of
//! source positions, so a finding at `.spec.replicas` can name its line and column. Duplicate
//! keys are kept as findings, not silently merged. Plain scalars resolve by the YAML 1.2 core
//! schema, as Kubernetes' own decoder sees JSON-compatible YAML.

use granit_parser::{Event, Parser, ScalarStyle};
use serde_json::{Map, Number, Value};

mod fast;

/// Where a node starts; for a mapping entry, where its key starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone)]
pub enum PosTree {
    Leaf(Pos),
    Map(Pos, Vec<(String, Pos, PosTree)>),
    Seq(Pos, Vec<PosTree>),
}

impl PosTree {
    fn pos(&self) -> Pos {
        match self {
            PosTree::Leaf(p) | PosTree::Map(p, _) | PosTree::Seq(p, _) => *p,
        }
    }

    /// The position of the node at a JSON pointer (`/spec/containers/0/image`); for a key that
    /// is missing, the nearest enclosing node. `key` asks for the key's own position.
    pub fn find(&self, pointer: &str) -> Pos {
        let mut node = self;
        let mut at = node.pos();
        for raw in pointer.split('/').skip(1) {
            let seg = raw.replace("~1", "/").replace("~0", "~");
            let next = match node {
                PosTree::Map(_, entries) => entries
                    .iter()
                    .find(|(k, _, _)| *k == seg)
                    .map(|(_, kp, child)| (*kp, child)),
                PosTree::Seq(_, items) => seg
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| items.get(i))
                    .map(|c| (c.pos(), c)),
                PosTree::Leaf(_) => None,
            };
            match next {
                Some((p, child)) => {
                    at = p;
                    node = child;
                }
                None => break,
            }
        }
        at
    }
}

#[derive(Debug, Clone)]
pub struct Document {
    pub value: Value,
    /// Keys given twice in one mapping: (JSON pointer of the mapping, key, where the second is).
    pub duplicates: Vec<(String, String, Pos)>,
    /// Source positions, worked out only when a finding needs them: most objects have none,
    /// and building the tree for every node would double the cost of parsing.
    positions: std::sync::Arc<Lazy>,
    /// Where this value sits in the document it came from: empty, or `/items/3` for an item
    /// of a `kind: List`, so findings point into the file where the item is written.
    pub base: String,
}

/// Where one document is written and, once asked for, the tree of its positions.
#[derive(Debug)]
struct Lazy {
    /// The text the document is in: the whole file, or only the document's own lines.
    text: Text,
    /// The document's lines in `text`: (first byte, end byte, line number of the first byte).
    /// None when the parser gave no offsets: the whole text is parsed and `index` taken.
    span: Option<(usize, usize, usize)>,
    index: usize,
    tree: std::sync::OnceLock<PosTree>,
}

/// Where a document's text is: in memory, or in a file read again when a finding needs a line.
#[derive(Debug, Clone)]
enum Text {
    Memory(std::sync::Arc<str>),
    File(std::sync::Arc<std::path::Path>),
}

impl Text {
    fn read(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Text::Memory(t) => std::borrow::Cow::Borrowed(t),
            // Read again only for a finding; a file gone since reads as empty (positions 0).
            Text::File(p) => {
                std::borrow::Cow::Owned(std::fs::read_to_string(p).unwrap_or_default())
            }
        }
    }
}

impl Lazy {
    /// Parses only this document's lines (so a finding in a file of a hundred objects costs
    /// one object's parse), with line numbers as in the file.
    fn build_tree(&self) -> PosTree {
        let text = self.text.read();
        if let Some((start, end, line)) = self.span {
            if let Some(slice) = text.get(start..end) {
                let (mut built, err) = build(slice, true, line - 1);
                if err.is_none() && !built.is_empty() {
                    return built.swap_remove(0).1;
                }
            }
        }
        let (built, _) = build(&text, true, 0);
        built
            .into_iter()
            .nth(self.index)
            .map_or(PosTree::Leaf(Pos::default()), |d| d.1)
    }

    /// The same document, holding only its own lines of the file's text, or only the file's
    /// path when it is on disk.
    fn own_lines(&self, on_disk: Option<&std::sync::Arc<std::path::Path>>) -> Lazy {
        let (text, span) = match (on_disk, &self.text, self.span) {
            (Some(p), _, span) => (Text::File(p.clone()), span),
            (None, Text::Memory(t), Some((start, end, line))) => match t.get(start..end) {
                Some(t) => (Text::Memory(t.into()), Some((0, end - start, line))),
                None => (self.text.clone(), self.span),
            },
            _ => (self.text.clone(), self.span),
        };
        Lazy {
            text,
            span,
            index: self.index,
            tree: std::sync::OnceLock::new(),
        }
    }
}

impl Document {
    /// A document with no source (positions all 0:0).
    pub fn detached(value: Value) -> Document {
        let lazy = Lazy {
            text: Text::Memory("".into()),
            span: None,
            index: 0,
            tree: std::sync::OnceLock::from(PosTree::Leaf(Pos::default())),
        };
        Document {
            value,
            duplicates: vec![],
            positions: std::sync::Arc::new(lazy),
            base: String::new(),
        }
    }

    /// The item at `pointer` (`/items/3`) of this document, as a document of its own whose
    /// findings still point at the item's lines.
    pub fn child(&self, pointer: &str, value: Value) -> Document {
        Document {
            value,
            duplicates: vec![],
            positions: self.positions.clone(),
            base: format!("{}{pointer}", self.base),
        }
    }

    /// Lets go of the file's text and of any position tree built so far, keeping only the
    /// document's own lines (the items of a List share theirs): what is kept of a folder of
    /// 50,000 objects for the cross-file checks is their lines, not whole files and trees.
    /// `on_disk`: the file the documents were read from, read again if a finding needs it.
    pub fn forget_positions(
        docs: &mut [&mut Document],
        on_disk: Option<std::sync::Arc<std::path::Path>>,
    ) {
        // By the old one's address: a file of 50,000 documents must not compare each with all.
        let mut fresh: std::collections::HashMap<*const Lazy, std::sync::Arc<Lazy>> =
            Default::default();
        for d in docs.iter_mut() {
            let new = fresh
                .entry(std::sync::Arc::as_ptr(&d.positions))
                .or_insert_with(|| std::sync::Arc::new(d.positions.own_lines(on_disk.as_ref())));
            d.positions = new.clone();
        }
    }

    /// The same document without its value: where it is written, for findings.
    pub fn place(&self) -> Document {
        Document {
            value: Value::Null,
            duplicates: self.duplicates.clone(),
            positions: self.positions.clone(),
            base: self.base.clone(),
        }
    }

    /// Where the node at `pointer` (relative to this document's value) is written.
    pub fn find(&self, pointer: &str) -> Pos {
        self.positions().find(&format!("{}{pointer}", self.base))
    }

    /// The positions of this document's nodes.
    pub fn positions(&self) -> &PosTree {
        self.positions
            .tree
            .get_or_init(|| self.positions.build_tree())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
}

enum Frame {
    Map {
        pos: Pos,
        value: Map<String, Value>,
        tree: Vec<(String, Pos, PosTree)>,
        key: Option<(String, Pos)>,
    },
    Seq {
        pos: Pos,
        value: Vec<Value>,
        tree: Vec<PosTree>,
    },
}

/// Parses every document in `text`. Documents parsed before a syntax error are returned with it.
pub fn parse(text: &str) -> (Vec<Document>, Option<SyntaxError>) {
    let (built, err) = match fast::parse(text) {
        Some(built) => (built, None),
        None => build(text, false, 0),
    };
    let text: std::sync::Arc<str> = text.into();
    let spans = spans(&text, built.iter().map(|b| b.3).collect());
    let docs = built
        .into_iter()
        .zip(spans)
        .enumerate()
        .map(|(index, ((value, _, duplicates, _), span))| Document {
            value,
            duplicates,
            positions: std::sync::Arc::new(Lazy {
                text: Text::Memory(text.clone()),
                span,
                index,
                tree: std::sync::OnceLock::new(),
            }),
            base: String::new(),
        })
        .collect();
    (docs, err)
}

/// Each document's lines, from the start of the line its root node is on to where the next
/// document's begin (the lines between hold only `---`, comments or directives).
fn spans(text: &str, starts: Vec<Option<(usize, usize)>>) -> Vec<Option<(usize, usize, usize)>> {
    let line_start = |byte: usize| text[..byte].rfind('\n').map_or(0, |i| i + 1);
    let begins: Vec<Option<(usize, usize)>> = starts
        .iter()
        .map(|s| {
            s.filter(|(b, _)| text.is_char_boundary(*b))
                .map(|(b, l)| (line_start(b), l))
        })
        .collect();
    (0..begins.len())
        .map(|i| {
            let (start, line) = begins[i]?;
            let end = match begins.get(i + 1) {
                Some(next) => next.map(|(b, _)| b)?,
                None => text.len(),
            };
            Some((start, end, line))
        })
        .collect()
}

/// A document's value, positions, duplicate keys, and where its root node starts (byte, line).
type Built = (
    Value,
    PosTree,
    Vec<(String, String, Pos)>,
    Option<(usize, usize)>,
);

/// One pass over the events; the position tree is built only when `positions` is set, its
/// lines counted from `line_offset` + 1.
fn build(text: &str, positions: bool, line_offset: usize) -> (Vec<Built>, Option<SyntaxError>) {
    let mut docs = Vec::new();
    let mut root: Option<(usize, usize)> = None;
    let mut stack: Vec<Frame> = Vec::new();
    let mut duplicates = Vec::new();
    let mut anchors: std::collections::HashMap<usize, (Value, PosTree)> = Default::default();
    let mut pending_anchor: Vec<usize> = Vec::new();
    let mut parser = Parser::new_from_str(text);
    loop {
        let (event, span) = match parser.next_event() {
            None => break,
            Some(Ok(e)) => e,
            Some(Err(e)) => {
                let m = e.marker();
                return (
                    docs,
                    Some(SyntaxError {
                        pos: Pos {
                            line: m.line() + line_offset,
                            column: m.col() + 1,
                        },
                        message: e.to_string(),
                    }),
                );
            }
        };
        let pos = Pos {
            line: span.start.line() + line_offset,
            column: span.start.col() + 1,
        };
        let node = matches!(
            event,
            Event::MappingStart(..)
                | Event::SequenceStart(..)
                | Event::Scalar(..)
                | Event::Alias(_)
        );
        if node && stack.is_empty() {
            root = span.start.byte_offset().map(|b| (b, span.start.line()));
        }
        let done: Option<(Value, PosTree, usize)> = match event {
            Event::MappingStart(_, anchor, _) => {
                pending_anchor.push(anchor);
                stack.push(Frame::Map {
                    pos,
                    value: Map::new(),
                    tree: Vec::new(),
                    key: None,
                });
                None
            }
            Event::SequenceStart(_, anchor, _) => {
                pending_anchor.push(anchor);
                stack.push(Frame::Seq {
                    pos,
                    value: Vec::new(),
                    tree: Vec::new(),
                });
                None
            }
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map {
                    pos, value, tree, ..
                }) => Some((
                    Value::Object(value),
                    PosTree::Map(pos, tree),
                    pending_anchor.pop().unwrap_or(0),
                )),
                _ => None,
            },
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq { pos, value, tree }) => Some((
                    Value::Array(value),
                    PosTree::Seq(pos, tree),
                    pending_anchor.pop().unwrap_or(0),
                )),
                _ => None,
            },
            Event::Scalar(text, style, anchor, tag) => {
                let tag = tag.map(|t| t.suffix().to_string());
                Some((
                    scalar(&text, style, tag.as_deref()),
                    PosTree::Leaf(pos),
                    anchor,
                ))
            }
            Event::Alias(id) => anchors.get(&id).map(|(v, t)| (v.clone(), t.clone(), 0)),
            Event::DocumentEnd
            | Event::DocumentStart(..)
            | Event::StreamStart
            | Event::StreamEnd => None,
            _ => None,
        };
        let Some((value, tree, anchor)) = done else {
            continue;
        };
        if anchor != 0 {
            anchors.insert(anchor, (value.clone(), tree.clone()));
        }
        match stack.last_mut() {
            None => {
                docs.push((value, tree, std::mem::take(&mut duplicates), root.take()));
                anchors.clear();
            }
            Some(Frame::Seq {
                value: items,
                tree: trees,
                ..
            }) => {
                items.push(value);
                if positions {
                    trees.push(tree);
                }
            }
            Some(Frame::Map { key, .. }) if key.is_none() => {
                *key = Some((key_text(&value), tree.pos()))
            }
            Some(Frame::Map { .. }) => {
                // Only a duplicate key needs the mapping's path, to name it in the finding.
                let duplicate = match stack.last() {
                    Some(Frame::Map {
                        value: map,
                        key: Some((k, _)),
                        ..
                    }) if map.contains_key(k) => Some(pointer_of(&stack)),
                    _ => None,
                };
                if let Some(Frame::Map {
                    value: map,
                    tree: trees,
                    key,
                    ..
                }) = stack.last_mut()
                {
                    let Some((k, kpos)) = key.take() else {
                        continue;
                    };
                    if let Some(path) = duplicate {
                        // The last value wins, as in Kubernetes' decoder; the finding says so.
                        duplicates.push((path, k.clone(), kpos));
                        trees.retain(|(x, _, _)| *x != k);
                    }
                    if positions {
                        trees.push((k.clone(), kpos, tree));
                    }
                    map.insert(k, value);
                }
            }
        }
    }
    (docs, None)
}

/// The JSON pointer of the innermost open collection (for naming duplicate keys).
fn pointer_of(stack: &[Frame]) -> String {
    let mut out = String::new();
    for frame in stack.iter().take(stack.len().saturating_sub(1)) {
        match frame {
            Frame::Map {
                key: Some((k, _)), ..
            } => {
                out.push('/');
                out.push_str(&k.replace('~', "~0").replace('/', "~1"));
            }
            Frame::Seq { value, .. } => out.push_str(&format!("/{}", value.len())),
            Frame::Map { key: None, .. } => {}
        }
    }
    out
}

fn key_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// YAML 1.2 core schema resolution for a scalar.
fn scalar(text: &str, style: ScalarStyle, tag: Option<&str>) -> Value {
    match tag {
        Some("str") => return Value::String(text.to_string()),
        Some("int") | Some("float") => {
            return number(text).unwrap_or_else(|| Value::String(text.to_string()));
        }
        Some("bool") => {
            return boolean(text)
                .map(Value::Bool)
                .unwrap_or_else(|| Value::String(text.to_string()));
        }
        Some("null") => return Value::Null,
        _ => {}
    }
    if style != ScalarStyle::Plain {
        return Value::String(text.to_string());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        _ => {}
    }
    if let Some(b) = boolean(text) {
        return Value::Bool(b);
    }
    number(text).unwrap_or_else(|| Value::String(text.to_string()))
}

fn boolean(t: &str) -> Option<bool> {
    match t {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

fn number(t: &str) -> Option<Value> {
    let first = t.as_bytes().first()?;
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return None;
    }
    if let Some(hex) = t.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok().map(Value::from);
    }
    if let Some(oct) = t.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8).ok().map(Value::from);
    }
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return t
            .parse::<i64>()
            .ok()
            .map(Value::from)
            .or_else(|| t.parse::<u64>().ok().map(Value::from));
    }
    let looks_float = digits
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
        && digits.bytes().any(|b| b.is_ascii_digit());
    if looks_float {
        return t
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_positions() {
        let (docs, err) =
            parse("a: 1\nb:\n  - x\n  - \"2\"\n  - 1.10\nc: {d: true, e: ~}\n---\nkind: Service\n");
        assert!(err.is_none());
        assert_eq!(docs.len(), 2);
        assert_eq!(
            docs[0].value,
            serde_json::json!({"a": 1, "b": ["x", "2", 1.1], "c": {"d": true, "e": null}})
        );
        assert_eq!(docs[0].positions().find("/b/1"), Pos { line: 4, column: 5 });
        assert_eq!(
            docs[0].positions().find("/c/e"),
            Pos {
                line: 6,
                column: 14
            }
        );
        assert_eq!(
            docs[0].positions().find("/c/missing"),
            Pos { line: 6, column: 1 }
        );
        assert_eq!(
            docs[1].positions().find("/kind"),
            Pos { line: 8, column: 1 }
        );
    }

    #[test]
    fn a_document_s_positions_are_its_lines_in_the_file_whatever_surrounds_it() {
        let text = "# leading comment\na: 1\nb: [x, y]\n---\n# between\n\n  c:\n    d: 2\n--- {e: 3, f: [4]}\n...\n---\n- g\n- h: |\n    text\n    ---\n  i: 5\n";
        let (docs, err) = parse(text);
        assert!(err.is_none(), "{err:?}");
        let (whole, _) = build(text, true, 0);
        let cases = [
            (0, "/b/1"),
            (1, "/c/d"),
            (2, "/f/0"),
            (3, "/1/i"),
            (3, "/1/h"),
        ];
        for (i, ptr) in cases {
            assert_eq!(
                docs[i].find(ptr),
                whole[i].1.find(ptr),
                "document {i} {ptr}"
            );
        }
        assert_eq!(docs[1].find("/c/d"), Pos { line: 8, column: 5 });
        // Kept with only their own lines, the documents still say where they are in the file.
        let mut docs = docs;
        let mut refs: Vec<&mut Document> = docs.iter_mut().collect();
        Document::forget_positions(&mut refs, None);
        assert_eq!(
            docs[3].find("/1/i"),
            Pos {
                line: 16,
                column: 3
            }
        );
        assert!(docs[3].positions.text.read().len() < text.len() / 2);

        // Read from a file, they keep only its path and read it again for a finding.
        let dir = tempfile::tempdir().unwrap();
        let file: std::sync::Arc<std::path::Path> = dir.path().join("objects.yaml").into();
        std::fs::write(&file, text).unwrap();
        let (mut docs, _) = parse(text);
        let mut refs: Vec<&mut Document> = docs.iter_mut().collect();
        Document::forget_positions(&mut refs, Some(file));
        assert!(matches!(docs[1].positions.text, Text::File(_)));
        assert_eq!(docs[1].find("/c/d"), Pos { line: 8, column: 5 });
    }

    #[test]
    fn duplicate_keys_are_reported_where_the_second_one_is() {
        let (docs, _) = parse("spec:\n  replicas: 1\n  replicas: 2\n");
        assert_eq!(
            docs[0].duplicates,
            vec![(
                "/spec".to_string(),
                "replicas".to_string(),
                Pos { line: 3, column: 3 }
            )]
        );
        assert_eq!(docs[0].value["spec"]["replicas"], 2);
    }

    #[test]
    fn syntax_errors_have_a_line() {
        let (docs, err) = parse("a: 1\n---\nb: [1, 2\nc: 3\n");
        assert_eq!(docs.len(), 1);
        let err = err.unwrap();
        assert!(err.pos.line >= 3, "{err:?}");
    }

    #[test]
    fn core_schema_scalars() {
        let (docs, _) =
            parse("a: on\nb: 0x1F\nc: '1'\nd: -3\ne: 1e3\nf: .5\ng: 1.2.3\nh: !!str 5\n");
        assert_eq!(
            docs[0].value,
            serde_json::json!({"a": "on", "b": 31, "c": "1", "d": -3, "e": 1000.0, "f": 0.5, "g": "1.2.3", "h": "5"})
        );
    }

    #[test]
    fn json_input_parses_too() {
        let (docs, err) = parse("{\"kind\": \"Pod\", \"spec\": {\"containers\": []}}");
        assert!(err.is_none());
        assert_eq!(docs[0].value["kind"], "Pod");
    }
}

/// The file cut at its `---` lines, for rewriting or quoting one document and leaving the
/// others byte for byte: (the separator line, or "" for the first part; the text up to the next).
pub fn split_documents(text: &str) -> Vec<(String, String)> {
    let mut out = vec![(String::new(), String::new())];
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "---" {
            out.push((line.to_string(), String::new()));
        } else if let Some(last) = out.last_mut() {
            last.1.push_str(line);
        }
    }
    out
}

/// A document with something besides comments and blank lines in it.
pub fn meaningful(body: &str) -> bool {
    body.lines()
        .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
}
