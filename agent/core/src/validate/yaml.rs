//! YAML (or JSON) text in, documents out: each a JSON value for schema checks plus a tree of
//! source positions, so a finding at `.spec.replicas` can name its line and column. Duplicate
//! keys are kept as findings, not silently merged. Plain scalars resolve by the YAML 1.2 core
//! schema, as Kubernetes' own decoder sees JSON-compatible YAML.

use granit_parser::{Event, Parser, ScalarStyle};
use serde_json::{Map, Number, Value};

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
    index: usize,
    /// Where this value sits in the document it came from: empty, or `/items/3` for an item
    /// of a `kind: List`, so findings point into the file where the item is written.
    pub base: String,
}

/// A file's text and, once asked for, the position tree of each of its documents.
#[derive(Debug)]
struct Lazy {
    text: std::sync::Arc<str>,
    trees: std::sync::OnceLock<Vec<PosTree>>,
}

impl Document {
    /// A document with no source (positions all 0:0).
    pub fn detached(value: Value) -> Document {
        let lazy = Lazy {
            text: "".into(),
            trees: std::sync::OnceLock::from(vec![PosTree::Leaf(Pos::default())]),
        };
        Document {
            value,
            duplicates: vec![],
            positions: std::sync::Arc::new(lazy),
            index: 0,
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
            index: self.index,
            base: format!("{}{pointer}", self.base),
        }
    }

    /// Lets go of the position tree built for findings so far (all documents of one file share
    /// it, and it is as big as the file's objects); a later finding builds it again.
    pub fn forget_positions(docs: &mut [&mut Document]) {
        let mut fresh: Vec<(*const Lazy, std::sync::Arc<Lazy>)> = Vec::new();
        for d in docs.iter_mut() {
            if d.positions.trees.get().is_none() {
                continue;
            }
            let old = std::sync::Arc::as_ptr(&d.positions);
            let new = match fresh.iter().find(|(p, _)| *p == old) {
                Some((_, n)) => n.clone(),
                None => {
                    let n = std::sync::Arc::new(Lazy {
                        text: d.positions.text.clone(),
                        trees: std::sync::OnceLock::new(),
                    });
                    fresh.push((old, n.clone()));
                    n
                }
            };
            d.positions = new;
        }
    }

    /// Where the node at `pointer` (relative to this document's value) is written.
    pub fn find(&self, pointer: &str) -> Pos {
        self.positions().find(&format!("{}{pointer}", self.base))
    }

    /// The positions of this document's nodes.
    pub fn positions(&self) -> &PosTree {
        static NONE: PosTree = PosTree::Leaf(Pos { line: 0, column: 0 });
        let trees = self.positions.trees.get_or_init(|| {
            build(&self.positions.text, true)
                .0
                .into_iter()
                .map(|d| d.1)
                .collect()
        });
        trees.get(self.index).unwrap_or(&NONE)
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
    let (built, err) = build(text, false);
    let lazy = std::sync::Arc::new(Lazy {
        text: text.into(),
        trees: std::sync::OnceLock::new(),
    });
    let docs = built
        .into_iter()
        .enumerate()
        .map(|(index, (value, _, duplicates))| Document {
            value,
            duplicates,
            positions: lazy.clone(),
            index,
            base: String::new(),
        })
        .collect();
    (docs, err)
}

type Built = (Value, PosTree, Vec<(String, String, Pos)>);

/// One pass over the events; the position tree is built only when `positions` is set.
fn build(text: &str, positions: bool) -> (Vec<Built>, Option<SyntaxError>) {
    let mut docs = Vec::new();
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
                            line: m.line(),
                            column: m.col() + 1,
                        },
                        message: e.to_string(),
                    }),
                );
            }
        };
        let pos = Pos {
            line: span.start.line(),
            column: span.start.col() + 1,
        };
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
                docs.push((value, tree, std::mem::take(&mut duplicates)));
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
