//! A model's reply text in, an `Answer` (the files it proposes and its rationale) out. The JSON
//! shape comes from a schemars schema sent with the request; servers and small models stray from
//! it, so the parser also takes JSON inside fences or prose, and at last plain fenced blocks
//! mapped to the artifact's paths. Whatever comes out is still untrusted: see `guard`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What the model is asked to answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// Every file of the artifact, whole, with its path relative to the project root.
    pub files: Vec<AnswerFile>,
    /// One or two sentences: what changed from the starting point, and why.
    pub rationale: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerFile {
    pub path: String,
    pub contents: String,
}

/// How the answer was read, for the run summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Extraction {
    Json,
    /// JSON found inside fences or prose.
    EmbeddedJson,
    /// No JSON: files taken from fenced blocks.
    Fences,
    /// No JSON, no fences: the whole reply taken as the one file.
    Whole,
}

/// The JSON schema of `Answer`, as sent in `response_format`.
pub fn schema() -> serde_json::Value {
    let mut v = serde_json::to_value(schemars::schema_for!(Answer)).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        // Strict structured-output endpoints refuse meta keywords.
        o.remove("$schema");
        o.remove("title");
    }
    v
}

/// The same shape, tolerant of extra keys and of `content` for `contents`.
#[derive(Deserialize)]
struct Loose {
    files: Vec<LooseFile>,
    #[serde(default)]
    rationale: String,
}

#[derive(Deserialize)]
struct LooseFile {
    path: String,
    #[serde(alias = "content")]
    contents: String,
}

/// Parses JSON, or else the same with raw line breaks and tabs inside strings escaped: the
/// JSON grammar llama.cpp constrains small models with lets them through, serde does not.
pub(super) fn lenient<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
    let text = text.trim();
    if let Ok(v) = serde_json::from_str(text) {
        return Some(v);
    }
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        match c {
            '\\' if in_string && !escaped => {
                escaped = true;
                out.push(c);
                continue;
            }
            '"' if !escaped => in_string = !in_string,
            '\n' if in_string => {
                out.push_str("\\n");
                continue;
            }
            '\r' if in_string => {
                out.push_str("\\r");
                continue;
            }
            '\t' if in_string => {
                out.push_str("\\t");
                continue;
            }
            _ => {}
        }
        escaped = false;
        out.push(c);
    }
    serde_json::from_str(&out).ok()
}

fn from_json(text: &str) -> Option<Answer> {
    let loose: Loose = lenient(text)?;
    Some(Answer {
        files: loose
            .files
            .into_iter()
            .map(|f| AnswerFile {
                path: f.path.trim().to_string(),
                contents: f.contents,
            })
            .collect(),
        rationale: loose.rationale.trim().to_string(),
    })
}

/// A fenced block: its info string, the line before it, and its body.
struct Fence<'a> {
    info: &'a str,
    before: &'a str,
    body: String,
}

fn fences(text: &str) -> Vec<Fence<'_>> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let t = lines[i].trim_start();
        let marker = if t.starts_with("```") {
            "```"
        } else if t.starts_with("~~~") {
            "~~~"
        } else {
            i += 1;
            continue;
        };
        let info = t.trim_start_matches(marker).trim();
        let before = (0..i)
            .rev()
            .map(|j| lines[j].trim())
            .find(|l| !l.is_empty())
            .unwrap_or("");
        let mut body = Vec::new();
        let mut j = i + 1;
        while j < lines.len() && !lines[j].trim_start().starts_with(marker) {
            body.push(lines[j]);
            j += 1;
        }
        let mut body = body.join("\n");
        body.push('\n');
        out.push(Fence { info, before, body });
        i = j + 1;
    }
    out
}

/// The path a fence names, in its info string (` ```yaml templates/x.yaml`) or the line before.
fn named_path(f: &Fence, expected: &[String], folder: Option<&str>) -> Option<String> {
    let words = f
        .info
        .split_whitespace()
        .chain(f.before.split_whitespace())
        .map(|w| {
            w.trim_matches(|c: char| "`*#:\"'()[],".contains(c))
                .trim_start_matches("title=")
                .trim_start_matches("path=")
        });
    for w in words {
        if w.is_empty() {
            continue;
        }
        if let Some(p) = expected
            .iter()
            .find(|p| p.as_str() == w || p.ends_with(&format!("/{w}")))
        {
            return Some(p.clone());
        }
        if let Some(folder) = folder
            && (w.contains('/') || w.contains('.'))
            && !w.starts_with("..")
        {
            let p = if w.starts_with(folder) {
                w.to_string()
            } else {
                format!("{folder}/{}", w.trim_start_matches("./"))
            };
            if p.rsplit('/').next().is_some_and(|n| n.contains('.')) {
                return Some(p);
            }
        }
    }
    None
}

/// Reads a reply. `expected` are the paths the artifact should produce; `folder` is set for
/// multi-file artifacts (a Helm chart), whose files all live under it.
pub fn parse(
    reply: &str,
    expected: &[String],
    folder: Option<&str>,
) -> Result<(Answer, Extraction), String> {
    let reply = reply.trim();
    if reply.is_empty() {
        return Err("the reply is empty".into());
    }
    if let Some(a) = from_json(reply) {
        return Ok((a, Extraction::Json));
    }
    let blocks = fences(reply);
    for b in &blocks {
        if let Some(a) = from_json(&b.body) {
            return Ok((a, Extraction::EmbeddedJson));
        }
    }
    if let (Some(start), Some(end)) = (reply.find('{'), reply.rfind('}'))
        && start < end
        && let Some(a) = from_json(&reply[start..=end])
    {
        return Ok((a, Extraction::EmbeddedJson));
    }
    let note = "taken from a plain-text reply".to_string();
    let code: Vec<&Fence> = blocks
        .iter()
        .filter(|b| !b.info.eq_ignore_ascii_case("json"))
        .collect();
    if folder.is_none() && expected.len() == 1 {
        let path = &expected[0];
        let contents = match code.as_slice() {
            [] if !reply.starts_with('{') => format!("{reply}\n"),
            [] => return Err("the reply is neither JSON nor a file".into()),
            [one] => one.body.clone(),
            many => many
                .iter()
                .find(|b| named_path(b, expected, None).is_some())
                .unwrap_or(&many[0])
                .body
                .clone(),
        };
        let how = if code.is_empty() {
            Extraction::Whole
        } else {
            Extraction::Fences
        };
        return Ok((
            Answer {
                files: vec![AnswerFile {
                    path: path.clone(),
                    contents,
                }],
                rationale: note,
            },
            how,
        ));
    }
    let files: Vec<AnswerFile> = code
        .iter()
        .filter_map(|b| {
            named_path(b, expected, folder).map(|path| AnswerFile {
                path,
                contents: b.body.clone(),
            })
        })
        .collect();
    if files.is_empty() {
        return Err("the reply holds no JSON answer and no fenced block naming a file".into());
    }
    Ok((
        Answer {
            files,
            rationale: note,
        },
        Extraction::Fences,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one() -> Vec<String> {
        vec!["services/web/Dockerfile".to_string()]
    }

    #[test]
    fn strict_json() {
        let (a, how) = parse(
            r#"{"files":[{"path":"services/web/Dockerfile","contents":"FROM x\n"}],"rationale":"r"}"#,
            &one(),
            None,
        )
        .unwrap();
        assert_eq!(how, Extraction::Json);
        assert_eq!(a.files[0].contents, "FROM x\n");
    }

    #[test]
    fn json_in_prose_and_fences() {
        let reply = "Sure! Here it is:\n```json\n{\"files\":[{\"path\":\"services/web/Dockerfile\",\"content\":\"FROM y\\n\"}],\"rationale\":\"r\",\"extra\":1}\n```\nHope this helps.";
        let (a, how) = parse(reply, &one(), None).unwrap();
        assert_eq!(how, Extraction::EmbeddedJson);
        assert_eq!(a.files[0].contents, "FROM y\n");
    }

    #[test]
    fn plain_fences_map_to_the_expected_path() {
        let reply = "Here is the Dockerfile:\n\n```dockerfile\nFROM z\nUSER 1000\n```\nDone.";
        let (a, how) = parse(reply, &one(), None).unwrap();
        assert_eq!(how, Extraction::Fences);
        assert_eq!(a.files[0].path, "services/web/Dockerfile");
        assert_eq!(a.files[0].contents, "FROM z\nUSER 1000\n");
    }

    #[test]
    fn chart_files_are_named_by_their_headings() {
        let reply = "### Chart.yaml\n```yaml\napiVersion: v2\n```\n\n`templates/web.yaml`:\n```yaml\nkind: Service\n```\n```yaml\norphan: 1\n```\n";
        let (a, _) = parse(reply, &[], Some("manifests/chart/todo")).unwrap();
        let paths: Vec<&str> = a.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "manifests/chart/todo/Chart.yaml",
                "manifests/chart/todo/templates/web.yaml"
            ]
        );
    }

    #[test]
    fn empty_or_shapeless_replies_are_errors() {
        assert!(parse("  ", &one(), None).is_err());
        assert!(parse("{\"nope\": 1}", &one(), None).is_err());
        assert!(parse("no fences here", &[], Some("manifests/chart/x")).is_err());
    }

    #[test]
    fn raw_line_breaks_inside_strings_are_read() {
        let reply = "{\"files\":[{\"path\":\"services/web/Dockerfile\",\"contents\":\"FROM x\nUSER 1\\\"s\\\\\n\"}],\"rationale\":\"a\nb\"}";
        let (a, how) = parse(reply, &one(), None).unwrap();
        assert_eq!(how, Extraction::Json);
        assert_eq!(a.files[0].contents, "FROM x\nUSER 1\"s\\\n");
        assert_eq!(a.rationale, "a\nb");
    }

    #[test]
    fn the_schema_is_strict() {
        let s = schema();
        assert_eq!(s["additionalProperties"], false);
        assert!(s.get("$schema").is_none());
        let req = s["required"].as_array().unwrap();
        assert!(req.iter().any(|r| r == "files") && req.iter().any(|r| r == "rationale"));
    }
}
