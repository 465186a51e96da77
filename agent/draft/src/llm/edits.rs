//! A model's reply asking for changes to the offline draft in, the artifact's whole files out.
//! Small models cannot rewrite a Dockerfile or a chart whole, but they can copy a line and say
//! what to put in its place: the answer is a list of search-and-replace edits
//! (`{"edits": [{"path", "find", "replace"}], "rationale"}`), applied here to the starting point.
//! An edit whose text is not found once, exactly, fails with a finding that goes back to the
//! model like any other; the files that come out are untrusted still and go through the same
//! guard and validation as a whole-file answer. Nothing in an edit is ever run.

use super::answer::AnswerFile;
use berth_core::validate::{Finding, Severity};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What the model is asked to answer in the edits form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EditAnswer {
    /// The changes to the starting point, in order; none keeps it as it is.
    pub edits: Vec<Edit>,
    /// One or two sentences: what the edits change, and why.
    pub rationale: String,
}

/// One search-and-replace edit of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Edit {
    /// The file, relative to the project root, as the starting point names it.
    pub path: String,
    /// Text copied exactly from that file, occurring once in it (one or a few whole lines).
    pub find: String,
    /// What to put in its place.
    pub replace: String,
}

/// The JSON schema of `EditAnswer`, as sent in `response_format`.
pub fn schema() -> serde_json::Value {
    let mut v = serde_json::to_value(schemars::schema_for!(EditAnswer)).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.remove("$schema");
        o.remove("title");
    }
    v
}

/// Enum lists past these sizes are not sent: hosted servers cap a schema's enums (in count
/// and in total length), and a grammar that large slows a local server down.
const MOST_LINES: usize = 400;
const MOST_CHARS: usize = 12_000;

/// The schema for edits of these files (path, contents): each edit names one of them and finds
/// one of its lines that occurs once in it, so that a server that constrains its output to the
/// schema (llama.cpp does, and OpenAI's strict mode) can only answer edits that apply. A small
/// model copies a line wrongly more often than it chooses a wrong one. Past the size a server
/// takes, the plain schema. A line the prompt's scrubbing would hide (`known` secrets, tokens)
/// is not offered: the schema goes to the server like the prompt.
pub fn schema_for(files: &[(&str, &str)], known: &[String]) -> serde_json::Value {
    let choices: Vec<(&str, Vec<&str>)> = files
        .iter()
        .map(|(path, text)| {
            let lines = unique_lines(text);
            let shown = lines
                .into_iter()
                .filter(|l| super::scrub::scrub(l, known) == *l);
            (*path, shown.collect())
        })
        .collect();
    let lines: usize = choices.iter().map(|(_, l)| l.len()).sum();
    let chars: usize = choices
        .iter()
        .flat_map(|(_, l)| l.iter().map(|s| s.len()))
        .sum();
    if files.is_empty() || lines > MOST_LINES || chars > MOST_CHARS {
        return schema();
    }
    let described = |d: &str| serde_json::json!({"type": "string", "description": d});
    let edit = |(path, lines): &(&str, Vec<&str>)| {
        serde_json::json!({
            "type": "object",
            "properties": {
                "path": {"type": "string", "enum": [path]},
                "find": {"type": "string", "enum": lines, "description": "one line of that file, whole"},
                "replace": described("what to put in its place (one or more lines)"),
            },
            "required": ["path", "find", "replace"],
            "additionalProperties": false,
        })
    };
    let items: Vec<serde_json::Value> = choices.iter().map(edit).collect();
    serde_json::json!({
        "type": "object",
        "properties": {
            "edits": {"type": "array", "items": {"anyOf": items}},
            "rationale": described("one or two sentences: what the edits change, and why"),
        },
        "required": ["edits", "rationale"],
        "additionalProperties": false,
    })
}

/// The file's lines with something on them that occur exactly once in it, in order. Lines with
/// a `"` or a `\` are left out: llama-cpp-python (0.3.36) writes a grammar it cannot parse for
/// such an enum, and its server then stops answering.
fn unique_lines(text: &str) -> Vec<&str> {
    let mut seen = std::collections::BTreeSet::new();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.contains(['"', '\\']))
        .filter(|l| text.matches(*l).count() == 1 && seen.insert(*l))
        .collect()
}

/// The same shape, tolerant of extra keys, of missing fields and of common synonyms.
#[derive(Deserialize)]
struct Loose {
    edits: Vec<LooseEdit>,
    #[serde(default)]
    rationale: String,
}

#[derive(Deserialize)]
struct LooseEdit {
    #[serde(default, alias = "file")]
    path: String,
    #[serde(default, alias = "search", alias = "old")]
    find: String,
    #[serde(default, alias = "replacement", alias = "new", alias = "with")]
    replace: String,
}

fn from_json(text: &str) -> Option<EditAnswer> {
    let loose: Loose = super::answer::lenient(text)?;
    Some(EditAnswer {
        edits: loose
            .edits
            .into_iter()
            .map(|e| Edit {
                path: e.path.trim().to_string(),
                find: e.find,
                replace: e.replace,
            })
            .collect(),
        rationale: loose.rationale.trim().to_string(),
    })
}

/// Reads an edits answer: the whole reply, else the first JSON object inside it (fences,
/// prose). None when the reply holds no edits object (it may hold whole files instead).
pub fn parse(reply: &str) -> Option<(EditAnswer, bool)> {
    let reply = reply.trim();
    if let Some(a) = from_json(reply) {
        return Some((a, false));
    }
    let (start, end) = (reply.find('{')?, reply.rfind('}')?);
    (start < end)
        .then(|| from_json(&reply[start..=end]))
        .flatten()
        .map(|a| (a, true))
}

fn finding(rule: &str, file: &str, message: String, hint: &str) -> Finding {
    Finding {
        rule: format!("answer/{rule}"),
        severity: Severity::Error,
        file: file.to_string(),
        line: 0,
        column: 0,
        object: None,
        path: None,
        message,
        hint: Some(hint.to_string()),
    }
}

/// A piece of model text, short and on one line, for messages.
fn shown(text: &str) -> String {
    let flat = text.trim().replace('\n', "\\n");
    if flat.chars().count() > 80 {
        flat.chars().take(80).collect::<String>() + "..."
    } else {
        flat
    }
}

/// The files after the edits, and how many edits changed something.
#[derive(Debug)]
pub struct Applied {
    pub files: Vec<AnswerFile>,
    pub changed: usize,
}

/// Where `find` occurs in `text`: exactly, or else line by line ignoring trailing whitespace
/// and line endings (small models drop or add spaces at line ends). Byte ranges, one per match.
fn occurrences(text: &str, find: &str) -> Vec<(usize, usize)> {
    let exact: Vec<(usize, usize)> = text
        .match_indices(find)
        .map(|(i, m)| (i, i + m.len()))
        .collect();
    if !exact.is_empty() {
        return exact;
    }
    let want: Vec<&str> = find.trim_end().lines().map(str::trim_end).collect();
    if want.is_empty() || want.iter().all(|l| l.is_empty()) {
        return Vec::new();
    }
    // Line starts and ends (without the line break) of `text`.
    let mut lines = Vec::new();
    let mut at = 0;
    for l in text.split_inclusive('\n') {
        let body = l.trim_end_matches(['\n', '\r']);
        lines.push((at, at + body.len(), body.trim_end()));
        at += l.len();
    }
    let mut out = Vec::new();
    for i in 0..lines.len() {
        if i + want.len() > lines.len() {
            break;
        }
        if (0..want.len()).all(|k| lines[i + k].2 == want[k]) {
            out.push((lines[i].0, lines[i + want.len() - 1].1));
        }
    }
    out
}

/// The only file's name, garbled by a small model: a name with no extension or with the
/// file's own (never another kind of file, such as the app's code), and text the file has.
fn garbled(named: &str, file: &str, text: &str, find: &str) -> bool {
    let ext = |p: &str| {
        let name = p.rsplit('/').next().unwrap_or(p);
        name.rsplit_once('.').map(|(_, e)| e.to_string())
    };
    let same_kind = ext(named).is_none() || ext(named) == ext(file);
    same_kind && !find.is_empty() && !occurrences(text, find).is_empty()
}

/// Applies `edits` to the starting point `offline` (path, contents), in order. A file the
/// starting point does not have is proposed whole by an edit with nothing to find (the guard
/// then decides whether the artifact owns it); an edit with nothing to find and nothing to put
/// changes nothing. Every edit that cannot be applied is a finding.
pub fn apply(offline: &[(String, String)], edits: &[Edit]) -> Result<Applied, Vec<Finding>> {
    let mut files: Vec<(String, String)> = offline.to_vec();
    let mut findings = Vec::new();
    let mut changed = 0;
    for (n, e) in edits.iter().enumerate() {
        let n = n + 1;
        let path = e.path.trim().trim_start_matches("./").to_string();
        // An edit may leave the path out (a single-file artifact), or name the file by its
        // bare name or its folder, when that names one file of the starting point. With one
        // file, a small model often garbles its name ("<the file below>"): the text it finds
        // is what places the edit, and the file written stays the artifact's own.
        let folder = format!("{}/", path.trim_end_matches('/'));
        let slot = files.iter().position(|(p, _)| *p == path).or_else(|| {
            let by_name: Vec<usize> = files
                .iter()
                .enumerate()
                .filter(|(_, (p, text))| {
                    offline.len() == 1 && (path.is_empty() || garbled(&path, p, text, &e.find))
                        || !path.is_empty()
                            && (p.rsplit('/').next() == Some(path.as_str())
                                || !e.find.is_empty() && p.starts_with(&folder))
                })
                .map(|(i, _)| i)
                .collect();
            (by_name.len() == 1).then(|| by_name[0])
        });
        let Some(slot) = slot else {
            if e.find.is_empty() && !path.is_empty() {
                // A new file: what it may be is the guard's to say.
                files.push((path, ensure_newline(&e.replace)));
                changed += 1;
            } else {
                findings.push(finding(
                    "edit-unknown-file",
                    &path,
                    format!(
                        "edit {n} names {:?}, which is not a file of the starting point",
                        shown(&path)
                    ),
                    "name one of the starting point's files, exactly as its heading gives it",
                ));
            }
            continue;
        };
        let (path, text) = &mut files[slot];
        if e.find.is_empty() {
            // Small models fill the shape with empty strings: that changes nothing. Anything
            // else with nothing to find would replace the whole file: not an edit.
            if !e.replace.trim().is_empty() {
                findings.push(finding(
                    "edit-empty-find",
                    path,
                    format!("edit {n} has no text to find in {path}"),
                    "copy the text to change exactly from the starting point into `find`",
                ));
            }
            continue;
        }
        match occurrences(text, &e.find).as_slice() {
            [] => findings.push(finding(
                "edit-not-found",
                path,
                format!(
                    "edit {n}: the text to find, {:?}, does not occur in {path}",
                    shown(&e.find)
                ),
                "copy the text to change exactly from the starting point, whole lines",
            )),
            [(start, end)] => {
                let replace = indented(path, &e.find, &e.replace);
                let new = format!("{}{}{}", &text[..*start], replace, &text[*end..]);
                if new != *text {
                    changed += 1;
                }
                *text = ensure_newline(&new);
            }
            many => findings.push(finding(
                "edit-ambiguous",
                path,
                format!(
                    "edit {n}: the text to find, {:?}, occurs {} times in {path}",
                    shown(&e.find),
                    many.len()
                ),
                "include a neighbouring line so the text to find occurs once",
            )),
        }
    }
    if !findings.is_empty() {
        return Err(findings);
    }
    Ok(Applied {
        files: files
            .into_iter()
            .map(|(path, contents)| AnswerFile { path, contents })
            .collect(),
        changed,
    })
}

/// In YAML, a replacement for an indented line that comes with no indentation of its own is
/// meant at the line's depth (small models drop it, and the YAML then breaks): it gets the
/// indentation of the line it replaces.
fn indented<'a>(path: &str, find: &str, replace: &'a str) -> std::borrow::Cow<'a, str> {
    let yaml = [".yaml", ".yml", ".tpl"].iter().any(|e| path.ends_with(e));
    let depth = &find[..find.len() - find.trim_start_matches(' ').len()];
    let bare = replace
        .lines()
        .all(|l| l.is_empty() || !l.starts_with([' ', '\t']));
    if !yaml || depth.is_empty() || replace.is_empty() || !bare {
        return replace.into();
    }
    let lines: Vec<String> = replace
        .split('\n')
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{depth}{l}")
            }
        })
        .collect();
    lines.join("\n").into()
}

fn ensure_newline(s: &str) -> String {
    if s.is_empty() || s.ends_with('\n') {
        s.to_string()
    } else {
        format!("{s}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start() -> Vec<(String, String)> {
        vec![(
            "services/web/Dockerfile".to_string(),
            "FROM node:22-alpine\nUSER 1000   \nEXPOSE 8080\nUSER 1000\n".to_string(),
        )]
    }

    fn edit(path: &str, find: &str, replace: &str) -> Edit {
        Edit {
            path: path.into(),
            find: find.into(),
            replace: replace.into(),
        }
    }

    #[test]
    fn edits_apply_in_order_and_count_changes() {
        let a = apply(
            &start(),
            &[
                edit("services/web/Dockerfile", "EXPOSE 8080", "EXPOSE 8081"),
                edit(
                    "Dockerfile",
                    "FROM node:22-alpine\n",
                    "FROM node:22.1-alpine\n",
                ),
                edit("", "EXPOSE 8081", "EXPOSE 8081"),
                edit("services/web", "USER 1000\n", "USER 1001\n"),
            ],
        )
        .unwrap();
        assert_eq!(a.changed, 3);
        assert_eq!(
            a.files[0].contents,
            "FROM node:22.1-alpine\nUSER 1000   \nEXPOSE 8081\nUSER 1001\n"
        );
    }

    #[test]
    fn with_one_file_a_garbled_name_is_placed_by_the_text_it_finds() {
        let one = vec![(
            "manifests/k8s/a.yaml".to_string(),
            "spec:\n  replicas: 1\n".to_string(),
        )];
        let a = apply(
            &one,
            &[edit("<the file below>", "  replicas: 1", "  replicas: 2")],
        )
        .unwrap();
        assert_eq!(a.files.len(), 1);
        assert_eq!(a.files[0].path, "manifests/k8s/a.yaml");
        assert_eq!(a.files[0].contents, "spec:\n  replicas: 2\n");
        // Text the file does not have is still not found, and a second file is still no edit
        // of the first.
        let e = apply(
            &one,
            &[edit("../src/a.yaml", "  replicas: 9", "  replicas: 2")],
        )
        .unwrap_err();
        assert_eq!(e[0].rule, "answer/edit-unknown-file");
    }

    #[test]
    fn trailing_whitespace_is_forgiven_but_ambiguity_and_absence_are_findings() {
        let one = vec![(
            "a.yaml".to_string(),
            "spec:\n  replicas: 1  \n  x: 2\n".to_string(),
        )];
        let a = apply(
            &one,
            &[edit(
                "a.yaml",
                "  replicas: 1\n  x: 2",
                "  replicas: 2\n  x: 2",
            )],
        )
        .unwrap();
        assert_eq!(a.files[0].contents, "spec:\n  replicas: 2\n  x: 2\n");
        let e = apply(
            &start(),
            &[
                edit("services/web/Dockerfile", "USER 1000", "USER 0"),
                edit("services/web/Dockerfile", "RUN nothing", "RUN x"),
                edit("services/web/src/main.js", "a", "b"),
            ],
        )
        .unwrap_err();
        let rules: Vec<&str> = e.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(
            rules,
            [
                "answer/edit-ambiguous",
                "answer/edit-not-found",
                "answer/edit-unknown-file"
            ]
        );
    }

    #[test]
    fn an_empty_edit_changes_nothing_and_an_edit_with_nothing_to_find_is_refused() {
        let a = apply(&start(), &[edit("", "", "")]).unwrap();
        assert_eq!(
            (a.changed, a.files[0].contents.as_str()),
            (0, start()[0].1.as_str())
        );
        let e = apply(&start(), &[edit("services/web/Dockerfile", "", "}")]).unwrap_err();
        assert_eq!(e[0].rule, "answer/edit-empty-find");
    }

    #[test]
    fn a_new_file_is_proposed_for_the_guard_to_judge() {
        let a = apply(&start(), &[edit("../../etc/passwd", "", "root::0:0")]).unwrap();
        assert_eq!(a.files[1].path, "../../etc/passwd");
        assert_eq!(a.files[1].contents, "root::0:0\n");
    }

    #[test]
    fn replies_in_fences_and_synonyms_parse() {
        let (a, embedded) = parse(
            "Here:\n```json\n{\"edits\": [{\"file\": \"Dockerfile\", \"search\": \"a\", \"replacement\": \"b\"}]}\n```",
        )
        .unwrap();
        assert!(embedded);
        assert_eq!(a.edits, [edit("Dockerfile", "a", "b")]);
        assert!(parse("{\"files\": []}").is_none());
        assert_eq!(schema()["additionalProperties"], false);
        let yaml = [(
            "k8s/d.yaml".to_string(),
            "spec:\n  replicas: 1\n".to_string(),
        )];
        let done = apply(&yaml, &[edit("k8s/d.yaml", "  replicas: 1", "replicas: 2")]).unwrap();
        assert_eq!(done.files[0].contents, "spec:\n  replicas: 2\n");
        let docker = [("Dockerfile".to_string(), "RUN a \\\n    b\n".to_string())];
        let done = apply(&docker, &[edit("Dockerfile", "    b", "c")]).unwrap();
        assert_eq!(
            done.files[0].contents, "RUN a \\\nc\n",
            "only YAML is re-indented"
        );
        let files = [(
            "Dockerfile",
            "FROM python:3.11-slim\nEXPOSE 8000\nUSER 10001\nUSER 10001\n",
        )];
        let s = schema_for(&files, &[]);
        let edit = &s["properties"]["edits"]["items"]["anyOf"][0]["properties"];
        assert_eq!(edit["path"]["enum"], serde_json::json!(["Dockerfile"]));
        // A line that occurs twice cannot place an edit: it is not offered.
        assert_eq!(
            edit["find"]["enum"],
            serde_json::json!(["FROM python:3.11-slim", "EXPOSE 8000"])
        );
        let big = "x: 1\n".repeat(1) + &(0..500).map(|i| format!("k{i}: v\n")).collect::<String>();
        assert_eq!(schema_for(&[("values.yaml", big.as_str())], &[]), schema());
        let token = [("app.env", "MODE=prod\nAPI_TOKEN=abcdefghijkl\n")];
        let s = schema_for(&token, &["abcdefghijkl".to_string()]);
        let find = &s["properties"]["edits"]["items"]["anyOf"][0]["properties"]["find"]["enum"];
        assert_eq!(*find, serde_json::json!(["MODE=prod"]));
    }
}
