//! The model's path of `berth diagnose`: a cause the rules name but cannot mend, its evidence and
//! the approved file that holds the failing object in; that file with the model's change to the
//! object's document out, when the guard and validation let it through, or else the plain reason
//! the proposal was not kept (the cause and its evidence stay: "here is what we know").

use super::cause::{Cause, Kind};
use super::fix;
use berth_cluster::apply::objects::Object;
use berth_core::exit::Error;
use berth_core::validate::{self, Input, Severity};
use berth_draft::llm::mend::{Failure, Mender};
use berth_draft::llm::{Overrides, Settings, signature};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::Path;

/// The model diagnose asks, configured as `berth draft --provider openai` is: berth.toml's
/// `[llm]`, then the environment, then the flags.
pub struct Model {
    mender: Mender,
}

impl Model {
    pub fn new(root: &Path, overrides: &Overrides) -> Result<Self, Error> {
        let config = berth_core::config::load(root)?;
        let mut settings = Settings::resolve(&config.llm, &|k| std::env::var(k).ok(), overrides)?;
        if let Some(m) = crate::draft::mirror_of(&config) {
            settings.allowed_registries.push(m);
        }
        Ok(Self {
            mender: Mender::new(root, settings)?,
        })
    }

    /// `openai/<model>`.
    pub fn generator(&self) -> String {
        self.mender.generator()
    }
}

/// What became of the model's proposals.
#[derive(Debug, Clone, Serialize)]
pub struct Asked {
    /// `openai/<model>`.
    pub generator: String,
    pub proposals: Vec<Proposal>,
}

/// The model's answer about one cause.
#[derive(Debug, Clone, Serialize)]
pub struct Proposal {
    pub kind: Kind,
    pub workload: berth_cluster::apply::ObjectRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// Staged for review (true), or not kept (false, and `why` says why).
    pub kept: bool,
    /// What the model says it changed, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rationale: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

/// The causes a model may mend: those the rules explain but have no file change for. An
/// image berth has not built, a missing value only a person has, a node too small and memory
/// without a limit are not the model's to change.
pub fn askable(c: &Cause) -> bool {
    c.fix.is_none()
        && matches!(
            c.kind,
            Kind::Crash | Kind::NotReady | Kind::ProbeFailing | Kind::ReadOnlyFilesystem
        )
}

/// The file `text` (at `path`) with the model's change for `c`, checked; Err says why not.
pub fn mend(
    root: &Path,
    model: &Model,
    c: &Cause,
    path: &str,
    text: &str,
    secrets: &[String],
) -> Result<(String, String), String> {
    let (index, document) = fix::document(path, text, &c.workload).map_err(|e| e.to_string())?;
    let workload = c.workload.to_string();
    let failure = Failure {
        cause: c.kind.title(),
        workload: &workload,
        container: c.container.as_deref(),
        summary: &c.summary,
        evidence: &c.evidence,
        path,
        document: &document,
        secrets,
    };
    let mended = model.mender.propose(&failure)?;
    let file = fix::replace(path, text, index, &mended.document, &c.workload)?;
    let new = new_errors(root, path, text, &file).map_err(|e| e.to_string())?;
    if !new.is_empty() {
        return Err(format!(
            "validation finds {} new error{} in it: {}",
            new.len(),
            if new.len() == 1 { "" } else { "s" },
            new.into_iter().take(3).collect::<Vec<_>>().join("; ")
        ));
    }
    Ok((file, mended.rationale))
}

/// The errors berth's validation finds in `path` as `after` and not as `before`, with the rest
/// of the project (its staged and generated files) around it.
fn new_errors(root: &Path, path: &str, before: &str, after: &str) -> Result<Vec<String>, Error> {
    let options = crate::validate::options(root, None, vec![])?;
    let others: Vec<Input> = validate::inputs::project(root)?
        .into_iter()
        .filter(|i| i.path != path)
        .collect();
    let errors = |text: &str| {
        let mut inputs = others.clone();
        inputs.push(Input {
            path: path.to_string(),
            contents: text.to_string(),
        });
        validate::validate(&inputs, &options)
            .findings
            .into_iter()
            .filter(|f| f.severity == Severity::Error)
            .collect::<Vec<_>>()
    };
    let was: BTreeSet<String> = errors(before).iter().map(signature).collect();
    Ok(errors(after)
        .into_iter()
        .filter(|f| !was.contains(&signature(f)))
        .map(|f| format!("{} {}", f.rule, f.message))
        .collect())
}

/// The values of the approved Secrets: never in a prompt, whatever the log lines say.
pub fn secret_values(approved: &[Object]) -> Vec<String> {
    approved
        .iter()
        .filter(|o| o.value.get("kind").and_then(serde_json::Value::as_str) == Some("Secret"))
        .flat_map(|o| {
            ["data", "stringData"]
                .into_iter()
                .filter_map(|f| Some((f, o.value.get(f)?.as_object()?)))
                .flat_map(|(f, m)| {
                    m.values()
                        .filter_map(serde_json::Value::as_str)
                        .filter_map(move |v| match f {
                            "data" => unbase64(v),
                            _ => Some(v.to_string()),
                        })
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A Secret's `data` value as the app reads it (standard base64); None when it is not text.
fn unbase64(v: &str) -> Option<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for b in v.trim().bytes().filter(|b| *b != b'=') {
        let x = ALPHABET.iter().position(|a| *a == b)? as u32;
        bits = (bits << 6) | x;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn secret_data_is_read_as_the_app_reads_it() {
        assert_eq!(super::unbase64("aHVudGVyMg==").as_deref(), Some("hunter2"));
        assert_eq!(super::unbase64("not base64!"), None);
    }
}
