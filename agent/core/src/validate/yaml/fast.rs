//! A fast path for the YAML most manifests are written in: block mappings and sequences,
//! plain and simply quoted scalars, one-line flow collections of plain scalars, comments and
//! `---` between documents, all in ASCII. Anything else (anchors, tags, block scalars,
//! multi-line scalars, escapes, tabs, duplicate keys, odd indentation, any error) makes it give
//! up, and the full parser reads the text instead; so its values are the full parser's, only
//! built without the event machinery (about three times cheaper).

use super::{Built, Pos, PosTree, key_text, scalar};
use granit_parser::ScalarStyle;
use serde_json::{Map, Value};

/// Gives up: the full parser decides.
struct Unsure;

enum Open {
    Map {
        indent: usize,
        map: Map<String, Value>,
        /// A key whose value is on the lines that follow.
        pending: Option<String>,
    },
    Seq {
        indent: usize,
        items: Vec<Value>,
    },
}

impl Open {
    fn indent(&self) -> usize {
        match self {
            Open::Map { indent, .. } | Open::Seq { indent, .. } => *indent,
        }
    }

    fn close(self) -> Value {
        match self {
            Open::Map {
                mut map, pending, ..
            } => {
                if let Some(k) = pending {
                    if map.insert(k, Value::Null).is_some() {
                        // Unreachable: keys are checked when read; stay on the safe side.
                        return Value::Null;
                    }
                }
                Value::Object(map)
            }
            Open::Seq { items, .. } => Value::Array(items),
        }
    }
}

/// The documents of `text`, as `build(text, false, 0)` would give them, or None to let the
/// full parser read it.
pub(super) fn parse(text: &str) -> Option<Vec<Built>> {
    let bytes = text.as_bytes();
    // ASCII only, no tabs, no carriage returns, no control characters.
    if bytes.iter().any(|&b| b >= 0x7f || (b < 0x20 && b != b'\n')) {
        return None;
    }
    let mut docs = Vec::new();
    let mut doc = Doc::default();
    let mut offset = 0;
    let mut explicit = false;
    for (n, raw) in text.split('\n').enumerate() {
        let line_start = offset;
        offset += raw.len() + 1;
        let indent = raw.bytes().take_while(|&b| b == b' ').count();
        let content = &raw[indent..];
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if indent == 0 && (content.starts_with("---") || content.starts_with("...")) {
            let rest = &content[3..];
            if !content.starts_with("---") || !rest.trim_end().is_empty() {
                // `...`, or something after `---`: the full parser.
                return None;
            }
            if explicit || doc.root.is_some() {
                docs.push(doc.finish().ok()?);
            }
            doc = Doc::default();
            explicit = true;
            continue;
        }
        if indent == 0 && content.starts_with('%') {
            return None;
        }
        doc.line(indent, content, line_start + indent, n + 1).ok()?;
    }
    if explicit || doc.root.is_some() {
        docs.push(doc.finish().ok()?);
    }
    Some(docs)
}

#[derive(Default)]
struct Doc {
    stack: Vec<Open>,
    /// The root node's first byte and line.
    root: Option<(usize, usize)>,
    value: Option<Value>,
}

impl Doc {
    fn finish(mut self) -> Result<Built, Unsure> {
        // An empty document: the full parser knows what it makes of it.
        let root = self.root.ok_or(Unsure)?;
        self.close_above(0)?;
        let value = self.value.take().ok_or(Unsure)?;
        Ok((value, PosTree::Leaf(Pos::default()), vec![], Some(root)))
    }

    /// Closes every open collection deeper than `keep` of them, each into its parent.
    fn close_above(&mut self, keep: usize) -> Result<(), Unsure> {
        while self.stack.len() > keep {
            let Some(top) = self.stack.pop() else { break };
            let v = top.close();
            self.attach(v)?;
        }
        Ok(())
    }

    /// A finished node into the collection now on top (or as the root).
    fn attach(&mut self, v: Value) -> Result<(), Unsure> {
        match self.stack.last_mut() {
            None => {
                if self.value.is_some() {
                    return Err(Unsure);
                }
                self.value = Some(v);
            }
            Some(Open::Seq { items, .. }) => items.push(v),
            Some(Open::Map { map, pending, .. }) => {
                let k = pending.take().ok_or(Unsure)?;
                if map.insert(k, v).is_some() {
                    return Err(Unsure);
                }
            }
        }
        Ok(())
    }

    fn line(
        &mut self,
        indent: usize,
        content: &str,
        byte: usize,
        line: usize,
    ) -> Result<(), Unsure> {
        let dash = content == "-" || content.starts_with("- ") || content.starts_with("-#");
        if content.starts_with("-#") {
            return Err(Unsure);
        }
        if self.root.is_none() {
            if indent != 0 || self.value.is_some() {
                return Err(Unsure);
            }
            self.root = Some((byte, line));
        } else if self.stack.is_empty() {
            // The root node is finished; more at its level is an error or something odd.
            return Err(Unsure);
        }
        // Close what this line is outside of.
        while let Some(top) = self.stack.last() {
            let inner = top.indent();
            // A sequence at its key's indentation: `key:` then `- item` below it.
            let seq_under_key = matches!(
                top,
                Open::Map {
                    pending: Some(_),
                    ..
                }
            ) && dash;
            if inner > indent || (inner == indent && !dash && matches!(top, Open::Seq { .. })) {
                let Some(top) = self.stack.pop() else { break };
                let v = top.close();
                self.attach(v)?;
                continue;
            }
            if inner == indent && seq_under_key {
                self.stack.push(Open::Seq {
                    indent,
                    items: Vec::new(),
                });
            }
            break;
        }
        match self.stack.last() {
            // The root node ended on this line's level: more after it is not for this path.
            None if self.value.is_some() => return Err(Unsure),
            None => {
                if dash {
                    self.stack.push(Open::Seq {
                        indent,
                        items: Vec::new(),
                    });
                } else {
                    self.stack.push(Open::Map {
                        indent,
                        map: Map::new(),
                        pending: None,
                    });
                }
            }
            Some(top) if top.indent() == indent => {}
            Some(Open::Map {
                pending: Some(_), ..
            }) => {
                // The value of a pending key, on deeper lines.
                if dash {
                    self.stack.push(Open::Seq {
                        indent,
                        items: Vec::new(),
                    });
                } else {
                    self.stack.push(Open::Map {
                        indent,
                        map: Map::new(),
                        pending: None,
                    });
                }
            }
            // Deeper than anything open that waits for a value: a continued scalar, or worse.
            Some(_) => return Err(Unsure),
        }
        if self.stack.is_empty() {
            return Err(Unsure);
        }
        self.entry(indent, content)
    }

    /// One entry of the collection on top, which starts at `indent`.
    fn entry(&mut self, indent: usize, content: &str) -> Result<(), Unsure> {
        match self.stack.last_mut() {
            Some(Open::Seq { .. }) => {
                let rest = content.strip_prefix('-').ok_or(Unsure)?;
                let spaces = rest.bytes().take_while(|&b| b == b' ').count();
                let item = &rest[spaces..];
                if item.is_empty() {
                    // `-` alone: the item is on deeper lines, or null. A nested collection will
                    // attach itself; mark nothing and let a null be pushed if none comes.
                    return Err(Unsure);
                }
                if let Some((key, value)) = split_key(item)? {
                    // `- key: value`: a mapping whose keys start after the dash.
                    self.stack.push(Open::Map {
                        indent: indent + 1 + spaces,
                        map: Map::new(),
                        pending: None,
                    });
                    return self.key_value(key, value);
                }
                let v = inline_value(item)?;
                if let Some(Open::Seq { items, .. }) = self.stack.last_mut() {
                    items.push(v);
                }
                Ok(())
            }
            Some(Open::Map { map, pending, .. }) => {
                // `key:` with nothing below it: null.
                if let Some(k) = pending.take() {
                    map.insert(k, Value::Null);
                }
                let (key, value) = split_key(content)?.ok_or(Unsure)?;
                self.key_value(key, value)
            }
            None => Err(Unsure),
        }
    }

    fn key_value(&mut self, key: &str, value: &str) -> Result<(), Unsure> {
        let key = key_text(&scalar(key, ScalarStyle::Plain, None));
        let Some(Open::Map { map, pending, .. }) = self.stack.last_mut() else {
            return Err(Unsure);
        };
        if map.contains_key(&key) || pending.is_some() {
            // Duplicate keys are reported with their place: the full parser does that.
            return Err(Unsure);
        }
        if value.is_empty() {
            *pending = Some(key);
            return Ok(());
        }
        let v = inline_value(value)?;
        map.insert(key, v);
        Ok(())
    }
}

/// `key: value` (value possibly empty, comment stripped later) when `text` is a mapping entry
/// with a simple plain key; None when it is no mapping entry at all.
fn split_key(text: &str) -> Result<Option<(&str, &str)>, Unsure> {
    let b = text.as_bytes();
    if matches!(b.first(), Some(b'{' | b'[' | b'"' | b'\'')) {
        return Ok(None);
    }
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b':' {
            let after = b.get(i + 1);
            if after.is_none() || after == Some(&b' ') {
                let key = &text[..i];
                if key.is_empty() || key.starts_with('-') || key.ends_with(' ') {
                    return Err(Unsure);
                }
                let rest = text[i + 1..].trim_start_matches(' ');
                let rest = if rest.starts_with('#') { "" } else { rest };
                return Ok(Some((key, rest)));
            }
            return Err(Unsure);
        }
        if !(c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'/' | b'-')) {
            // Not a simple key: a scalar item, or a key the full parser must read.
            return if text.contains(": ") || text.ends_with(':') {
                Err(Unsure)
            } else {
                Ok(None)
            };
        }
        i += 1;
    }
    Ok(None)
}

/// A value written on the line of its key or dash: a scalar or a one-line flow collection.
fn inline_value(text: &str) -> Result<Value, Unsure> {
    let first = text.as_bytes().first().copied().ok_or(Unsure)?;
    match first {
        b'"' | b'\'' => {
            let close = text[1..].find(first as char).ok_or(Unsure)? + 1;
            let inner = &text[1..close];
            if inner.contains('\\') {
                return Err(Unsure);
            }
            trailing(&text[close + 1..])?;
            let style = if first == b'"' {
                ScalarStyle::DoubleQuoted
            } else {
                ScalarStyle::SingleQuoted
            };
            Ok(scalar(inner, style, None))
        }
        b'{' | b'[' => flow(text),
        _ => plain(text, false),
    }
}

/// Only spaces and a comment may follow a closed scalar or collection.
fn trailing(rest: &str) -> Result<(), Unsure> {
    if rest.is_empty() {
        return Ok(());
    }
    let t = rest.trim_start_matches(' ');
    if t.is_empty() || (t.starts_with('#') && t.len() < rest.len()) {
        Ok(())
    } else {
        Err(Unsure)
    }
}

/// A plain scalar (its comment cut); in a flow collection the flow indicators end it.
fn plain(text: &str, in_flow: bool) -> Result<Value, Unsure> {
    let b = text.as_bytes();
    let first = *b.first().ok_or(Unsure)?;
    if matches!(
        first,
        b'-' | b'?'
            | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
    ) && !(first == b'-'
        && b.get(1)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'.'))
    {
        return Err(Unsure);
    }
    let mut end = b.len();
    for i in 0..b.len() {
        match b[i] {
            b'#' if b[i - 1] == b' ' => {
                end = i;
                break;
            }
            b':' if i + 1 == b.len() || b[i + 1] == b' ' => return Err(Unsure),
            b',' | b'[' | b']' | b'{' | b'}' if in_flow => return Err(Unsure),
            _ => {}
        }
    }
    let t = text[..end].trim_end_matches(' ');
    if t.is_empty() {
        return Err(Unsure);
    }
    Ok(scalar(t, ScalarStyle::Plain, None))
}

/// The items of a one-line flow sequence with quoted ones (`["sh", "-c", "echo x"]`).
fn quoted_items(inner: &str) -> Result<Value, Unsure> {
    if inner.contains(['{', '[', ']', '}', '#', '\\']) {
        return Err(Unsure);
    }
    let mut items = Vec::new();
    let mut rest = inner.trim_start_matches(' ');
    while !rest.is_empty() {
        let first = rest.as_bytes()[0];
        let (item, after) = if first == b'"' || first == b'\'' {
            let close = rest[1..].find(first as char).ok_or(Unsure)? + 1;
            let style = if first == b'"' {
                ScalarStyle::DoubleQuoted
            } else {
                ScalarStyle::SingleQuoted
            };
            (scalar(&rest[1..close], style, None), &rest[close + 1..])
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            let p = rest[..end].trim_end_matches(' ');
            if p.contains([':', '"', '\'']) {
                return Err(Unsure);
            }
            (plain(p, true)?, &rest[end..])
        };
        items.push(item);
        let after = after.trim_start_matches(' ');
        rest = match after.strip_prefix(',') {
            Some(r) => {
                let r = r.trim_start_matches(' ');
                if r.is_empty() {
                    return Err(Unsure);
                }
                r
            }
            None if after.is_empty() => after,
            None => return Err(Unsure),
        };
    }
    Ok(Value::Array(items))
}

/// `{a: 1, b: x}` or `[a, b]` on one line, of plain scalars only.
fn flow(text: &str) -> Result<Value, Unsure> {
    let open = text.as_bytes()[0];
    let close_ch = if open == b'{' { '}' } else { ']' };
    let close = text.find(close_ch).ok_or(Unsure)?;
    trailing(&text[close + 1..])?;
    let inner = &text[1..close];
    if open == b'[' && inner.contains(['"', '\'']) {
        return quoted_items(inner);
    }
    if inner.contains(['{', '[', ']', '}', '"', '\'', '#']) {
        return Err(Unsure);
    }
    let inner_trimmed = inner.trim_matches(' ');
    let parts: Vec<&str> = if inner_trimmed.is_empty() {
        vec![]
    } else {
        inner.split(',').map(|p| p.trim_matches(' ')).collect()
    };
    if open == b'[' {
        let mut items = Vec::with_capacity(parts.len());
        for p in parts {
            if p.contains(':') {
                return Err(Unsure);
            }
            items.push(plain(p, true)?);
        }
        return Ok(Value::Array(items));
    }
    let mut map = Map::new();
    for p in parts {
        let (k, v) = p.split_once(": ").ok_or(Unsure)?;
        let (k, v) = (k.trim_end_matches(' '), v.trim_start_matches(' '));
        if k.is_empty()
            || !k
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'/' | b'-'))
            || k.starts_with('-')
            || v.contains(':')
        {
            return Err(Unsure);
        }
        let key = key_text(&scalar(k, ScalarStyle::Plain, None));
        if map.insert(key, plain(v, true)?).is_some() {
            return Err(Unsure);
        }
    }
    Ok(Value::Object(map))
}

#[cfg(test)]
mod tests {
    use super::super::build;

    const MANIFEST: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-00000
  namespace: app-000
  labels:
    app.kubernetes.io/name: svc-00000
  annotations:
    note: 'single quoted # not a comment'
    other: \"double: quoted\"
spec:
  replicas: 2 # a comment
  paused: false
  minReadySeconds: 0x1F
  selector:
    matchLabels:
      app.kubernetes.io/name: svc-00000
  template:
    metadata:
      labels:
        app.kubernetes.io/name: svc-00000
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
      containers:
        - name: svc-00000
          image: registry.local/app-000/svc-00000:1.0.9
          args: [run, port=8080, x y]
          command: [\"sh\", \"-c\", 'echo migrate, done', x]
          ports:
          - name: http
            containerPort: 8080
          env:
            - name: LOG_LEVEL
              value: info
            - name: EMPTY
              value:
            - name: URL
              value: http://svc-00001.app-000.svc.cluster.local:80/x#frag
          resources:
            requests: {cpu: 50m, memory: 64Mi}
            limits: {}
          livenessProbe:
            httpGet: {path: /healthz, port: http}
          securityContext:
            capabilities:
              drop: [ALL, NET_RAW]
              add: []
---
# between documents

apiVersion: v1
kind: Service
metadata:
  name: svc-00000
spec:
  ports:
    - port: 80
      targetPort: http
  selector:
    1: one
    true: yes
    null: ~
    1.10: x
---
- a
- b: 1
  c:
  - d
- -3
- 1e3
";

    /// The fast path, where it answers, says what the full parser says.
    fn same(text: &str) -> bool {
        let Some(fast) = super::parse(text) else {
            return false;
        };
        let (full, err) = build(text, false, 0);
        assert!(
            err.is_none(),
            "fast path read what the parser rejects: {text:?}: {err:?}"
        );
        assert_eq!(fast.len(), full.len(), "documents of {text:?}");
        for (f, g) in fast.iter().zip(&full) {
            assert_eq!(f.0, g.0, "value of {text:?}");
            assert_eq!(f.2, g.2, "duplicates of {text:?}");
            assert_eq!(f.3, g.3, "root of {text:?}");
        }
        true
    }

    #[test]
    fn the_fast_path_reads_plain_manifests_as_the_parser_does() {
        assert!(same(MANIFEST));
        assert!(same("a: 1\n"));
        assert!(same("# only a comment first\n---\na:\nb: 2\n"));
        for odd in [
            "a: &x 1\nb: *x\n",
            "a: |\n  text\n",
            "a: b\n  c\n",
            "a: 1\na: 2\n",
            "a:\n\tb: 1\n",
            "a: 1\n---\n",
            "- a\nb: 1\n",
            "a:\n    b: 1\n  c: 2\n",
            "a: {b: [1]}\n",
            "a: \"x\\ty\"\n",
            "key: value: more\n",
            "  a: 1\n",
            "a: 1\n...\n",
            "--- {a: 1}\n",
        ] {
            assert!(!same(odd), "{odd:?} should be left to the parser");
        }
    }

    /// Random damage to a manifest: wherever the fast path still answers, it must agree.
    #[test]
    fn the_fast_path_agrees_with_the_parser_on_damaged_text() {
        let mut seed: u64 = 0x9e3779b97f4a7c15;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let pieces = [
            " ", "  ", "-", "- ", ":", ": ", "#", " #", "\n", "'", "\"", "{", "}", "[", "]", ",",
            "~", "?", "!", "&", "*", "|", ">", "x", "1", "---\n", "\n  ", "\n-", "null", "0x",
        ];
        let mut answered = 0;
        for _ in 0..20000 {
            let mut text = MANIFEST.to_string();
            for _ in 0..1 + next(3) {
                let at = next(text.len());
                if !text.is_char_boundary(at) {
                    continue;
                }
                match next(3) {
                    0 => {
                        let end = (at + 1 + next(4)).min(text.len());
                        text.replace_range(at..end, "");
                    }
                    _ => text.insert_str(at, pieces[next(pieces.len())]),
                }
            }
            if same(&text) {
                answered += 1;
            }
        }
        assert!(
            answered > 1000,
            "the fast path answered only {answered} times"
        );
    }
}
