//! Kubernetes objects in, strict schema findings out: unknown fields, wrong types, missing
//! required fields, unknown apiVersion/kind. The schemas of seven Kubernetes minor versions are
//! embedded (`agent/core/schemas/`, from `scripts/update-schemas.py`: one whole, the others as
//! the definitions they change), with `additionalProperties: false` everywhere, so a typo
//! fails; `--kubernetes-version` picks one, `--schema-dir` adds CRDs.

use super::yaml::Document;
use super::{Finding, Severity};
use jsonschema::Validator;
use jsonschema::error::ValidationErrorKind;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, OnceLock};

/// The Kubernetes version validated against unless another is asked for.
pub const EMBEDDED_VERSION: &str = "1.36";
static EMBEDDED: &str = include_str!("../../schemas/kubernetes-1.36.json");

/// The other embedded versions: the definitions each adds, changes or removes against 1.36.
static DIFFS: [(&str, &str); 6] = [
    (
        "1.31",
        include_str!("../../schemas/kubernetes-1.31.diff.json"),
    ),
    (
        "1.32",
        include_str!("../../schemas/kubernetes-1.32.diff.json"),
    ),
    (
        "1.33",
        include_str!("../../schemas/kubernetes-1.33.diff.json"),
    ),
    (
        "1.34",
        include_str!("../../schemas/kubernetes-1.34.diff.json"),
    ),
    (
        "1.35",
        include_str!("../../schemas/kubernetes-1.35.diff.json"),
    ),
    (
        "1.37",
        include_str!("../../schemas/kubernetes-1.37.diff.json"),
    ),
];

/// Every embedded Kubernetes minor version, oldest first.
pub fn embedded_versions() -> Vec<&'static str> {
    let mut v: Vec<&str> = DIFFS.iter().map(|(v, _)| *v).collect();
    v.push(EMBEDDED_VERSION);
    v.sort_by_key(|v| {
        v.split('.')
            .map(|n| n.parse::<u32>().unwrap_or(0))
            .collect::<Vec<_>>()
    });
    v
}

/// The URI the embedded definitions are registered under.
const DEFS_URI: &str = "urn:berth:kubernetes";

/// A compiled validator, its compile error, or None when no schema names the type.
type Compiled = Option<Result<Arc<Validator>, String>>;

pub struct Schemas {
    pub version: String,
    /// `{"$defs": {...}}`: every definition, registered once and shared by all validators.
    defs: Arc<Value>,
    registry: Option<Arc<jsonschema::Registry<'static>>>,
    /// (apiVersion, kind) -> definition name.
    index: HashMap<(String, String), String>,
    compiled: Mutex<HashMap<String, Arc<std::sync::OnceLock<Compiled>>>>,
    /// Extra schemas in kubeconform's layout (`{kind}-{group}-{version}.json`), for CRDs.
    extra_dirs: Vec<PathBuf>,
}

static DEFAULT: LazyLock<Option<Schemas>> = LazyLock::new(|| Schemas::parse(EMBEDDED).ok());

/// The other versions (as in DIFFS), each built from the base and its diff when first asked for.
static OTHERS: [OnceLock<Option<Schemas>>; 6] = [const { OnceLock::new() }; 6];

#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("{0}: not a schema file berth can read: {1}")]
    Unreadable(String, String),
    #[error("no schemas for Kubernetes {0}: berth embeds {versions}", versions = embedded_versions().join(", "))]
    UnknownVersion(String),
}

impl Schemas {
    /// Whether any schema is of `api_version`'s group (the core group for `v1`): a kind berth
    /// does not know in a group it knows is a typo, not a custom resource.
    pub fn knows_group(&self, api_version: &str) -> bool {
        let group = |a: &str| a.rsplit_once('/').map_or("", |(g, _)| g).to_string();
        let wanted = group(api_version);
        self.index.keys().any(|(a, _)| group(a) == wanted)
    }

    /// The embedded schemas, or those for `version` (only the embedded version is known).
    pub fn embedded(version: Option<&str>) -> Result<&'static Schemas, SchemaError> {
        let corrupt = || SchemaError::Unreadable("embedded schemas".into(), "corrupt".into());
        let Some(asked) = version else {
            return DEFAULT.as_ref().ok_or_else(corrupt);
        };
        // `1.33`, `v1.33` and `1.33.2` (a cluster's full version) all mean 1.33.
        let v = asked.trim_start_matches('v');
        let minor = |m: &str| v == m || v.starts_with(&format!("{m}."));
        if minor(EMBEDDED_VERSION) {
            return DEFAULT.as_ref().ok_or_else(corrupt);
        }
        match DIFFS.iter().position(|(m, _)| minor(m)) {
            Some(i) => OTHERS[i]
                .get_or_init(|| Schemas::from_diff(DIFFS[i].1))
                .as_ref()
                .ok_or_else(corrupt),
            None => Err(SchemaError::UnknownVersion(v.to_string())),
        }
    }

    /// A version written as the definitions it changes against the base (update-schemas.py).
    fn from_diff(text: &str) -> Option<Schemas> {
        let diff: Value = serde_json::from_str(text).ok()?;
        let mut base: Value = serde_json::from_str(EMBEDDED).ok()?;
        let defs = base["$defs"].as_object_mut()?;
        for name in diff["remove"].as_array()? {
            defs.remove(name.as_str()?);
        }
        for (name, def) in diff["set"].as_object()? {
            defs.insert(name.clone(), def.clone());
        }
        base["kubernetes"] = diff["kubernetes"].clone();
        Schemas::from_value(base).ok()
    }

    fn parse(text: &str) -> Result<Schemas, SchemaError> {
        let doc: Value = serde_json::from_str(text)
            .map_err(|e| SchemaError::Unreadable("schemas".into(), e.to_string()))?;
        Schemas::from_value(doc)
    }

    fn from_value(doc: Value) -> Result<Schemas, SchemaError> {
        let version = doc["kubernetes"]
            .as_str()
            .unwrap_or(EMBEDDED_VERSION)
            .to_string();
        let defs = Arc::new(serde_json::json!({ "$defs": doc["$defs"] }));
        let registry = jsonschema::Registry::new()
            .draft(jsonschema::Draft::Draft202012)
            .add(DEFS_URI, defs.clone())
            .and_then(|b| b.prepare())
            .map_err(|e| SchemaError::Unreadable("schemas".into(), e.to_string()))?;
        let mut index = HashMap::new();
        for (name, def) in defs["$defs"].as_object().into_iter().flatten() {
            for gvk in def["x-kubernetes-group-version-kind"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let (group, version, kind) = (
                    gvk["group"].as_str().unwrap_or(""),
                    gvk["version"].as_str().unwrap_or(""),
                    gvk["kind"].as_str().unwrap_or(""),
                );
                let api_version = if group.is_empty() {
                    version.to_string()
                } else {
                    format!("{group}/{version}")
                };
                // Prefer the object's own definition over shared ones (DeleteOptions, WatchEvent).
                let own = name.ends_with(&format!(".{kind}"));
                if own || !index.contains_key(&(api_version.clone(), kind.to_string())) {
                    index.insert((api_version, kind.to_string()), name.clone());
                }
            }
        }
        Ok(Schemas {
            version,
            defs,
            registry: Some(Arc::new(registry)),
            index,
            compiled: Mutex::new(HashMap::new()),
            extra_dirs: vec![],
        })
    }

    /// Schemas fetched from a cluster by `berth schema refresh` (same format as the embedded).
    pub fn from_file(path: &Path, dirs: Vec<PathBuf>) -> Result<Schemas, SchemaError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| SchemaError::Unreadable(path.display().to_string(), e.to_string()))?;
        let mut s = Schemas::parse(&text).map_err(|e| match e {
            SchemaError::Unreadable(_, m) => SchemaError::Unreadable(path.display().to_string(), m),
            other => other,
        })?;
        s.extra_dirs = dirs;
        Ok(s)
    }

    /// No schemas at all: every object is of an unknown kind.
    pub fn empty() -> Schemas {
        Schemas {
            version: EMBEDDED_VERSION.into(),
            defs: Arc::new(Value::Null),
            registry: None,
            index: HashMap::new(),
            compiled: Mutex::new(HashMap::new()),
            extra_dirs: vec![],
        }
    }

    /// A copy that also looks for schemas in `dirs` (for custom resources).
    pub fn with_dirs(&self, dirs: Vec<PathBuf>) -> Schemas {
        Schemas {
            version: self.version.clone(),
            defs: self.defs.clone(),
            registry: self.registry.clone(),
            index: self.index.clone(),
            compiled: Mutex::new(HashMap::new()),
            extra_dirs: dirs,
        }
    }

    pub fn knows(&self, api_version: &str, kind: &str) -> bool {
        self.index
            .contains_key(&(api_version.to_string(), kind.to_string()))
    }

    /// The validator for an object type, compiled on first use and shared after; threads that
    /// need the same type at once wait for one compilation.
    fn validator(
        &self,
        api_version: &str,
        kind: &str,
    ) -> Option<Result<(Arc<Validator>, Option<String>), String>> {
        let cell = {
            let mut map = self.compiled.lock().ok()?;
            map.entry(format!("{api_version}|{kind}"))
                .or_default()
                .clone()
        };
        let def = self
            .index
            .get(&(api_version.to_string(), kind.to_string()))
            .cloned();
        match cell.get_or_init(|| self.compile(api_version, kind, def.as_deref())) {
            None => None,
            Some(Ok(v)) => Some(Ok((v.clone(), def))),
            Some(Err(e)) => Some(Err(e.clone())),
        }
    }

    /// None when no schema names this type (it is then an unknown kind).
    fn compile(&self, api_version: &str, kind: &str, def: Option<&str>) -> Compiled {
        let schema = match def {
            Some(def) => serde_json::json!({ "$ref": format!("{DEFS_URI}#/$defs/{def}") }),
            None => {
                let file = self
                    .extra_dirs
                    .iter()
                    .map(|d| d.join(crd_file_name(api_version, kind)))
                    .find(|p| p.is_file())?;
                match std::fs::read_to_string(&file)
                    .map_err(|e| e.to_string())
                    .and_then(|t| serde_json::from_str::<Value>(&t).map_err(|e| e.to_string()))
                {
                    Ok(v) => v,
                    Err(e) => return Some(Err(format!("{}: {e}", file.display()))),
                }
            }
        };
        let options = jsonschema::options().with_draft(jsonschema::Draft::Draft202012);
        let built = match (&self.registry, def) {
            (Some(registry), Some(_)) => options.with_registry(registry).build(&schema),
            _ => options.build(&schema),
        };
        Some(built.map(Arc::new).map_err(|e| e.to_string()))
    }

    /// The property names allowed at `pointer` inside an object of definition `def`.
    fn properties_at(&self, def: &str, pointer: &str) -> Vec<String> {
        let mut node = &self.defs["$defs"][def];
        for seg in pointer.split('/').skip(1) {
            node = self.deref(node);
            node = if seg.parse::<usize>().is_ok() && node.get("items").is_some() {
                &node["items"]
            } else if let Some(p) = node.get("properties").and_then(|p| p.get(seg)) {
                p
            } else if let Some(a) = node.get("additionalProperties").filter(|a| a.is_object()) {
                a
            } else {
                return vec![];
            };
        }
        self.deref(node)
            .get("properties")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn deref<'a>(&'a self, mut node: &'a Value) -> &'a Value {
        while let Some(r) = node.get("$ref").and_then(Value::as_str) {
            node = &self.defs["$defs"][r.trim_start_matches("#/$defs/")];
        }
        node
    }
}

/// kubeconform's file name for a type: `certificate-cert-manager-v1.json`.
fn crd_file_name(api_version: &str, kind: &str) -> String {
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let group = group.split('.').next().unwrap_or("");
    if group.is_empty() {
        format!("{}-{version}.json", kind.to_lowercase())
    } else {
        format!("{}-{group}-{version}.json", kind.to_lowercase())
    }
}

/// `/spec/containers/0/image` -> `.spec.containers[0].image`
pub fn display_path(pointer: &str) -> String {
    let mut out = String::new();
    for seg in pointer.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        if seg.parse::<usize>().is_ok() {
            out.push_str(&format!("[{seg}]"));
        } else if seg
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        {
            out.push('.');
            out.push_str(&seg);
        } else {
            out.push_str(&format!("[{seg:?}]"));
        }
    }
    if out.is_empty() { ".".into() } else { out }
}

/// `Deployment/backend`
pub fn object_name(v: &Value) -> Option<String> {
    let kind = v["kind"].as_str()?;
    Some(format!(
        "{kind}/{}",
        v["metadata"]["name"].as_str().unwrap_or("(no name)")
    ))
}

fn describe(v: &Value) -> String {
    match v {
        Value::String(s) => format!("string {s:?}"),
        Value::Number(n) => format!("number {n}"),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Null => "null".into(),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
    }
}

/// Checks one document against the schemas; `file` names it in findings.
/// Keys given twice in one mapping of `doc`.
pub fn duplicates(file: &str, doc: &Document, out: &mut Vec<Finding>) {
    for (pointer, key, pos) in &doc.duplicates {
        let mut f = Finding::at(
            "schema/duplicate-key",
            file,
            doc,
            pointer,
            format!("key {key:?} is given twice; the last one wins"),
            Some("remove one of them".into()),
        );
        f.line = pos.line;
        f.column = pos.column;
        f.path = Some(display_path(&format!("{pointer}/{key}")));
        out.push(f);
    }
}

pub fn check(
    schemas: &Schemas,
    strict_kinds: bool,
    file: &str,
    doc: &Document,
    out: &mut Vec<Finding>,
) {
    let v = &doc.value;
    let finding = |rule: &str, pointer: &str, message: String, hint: Option<String>| {
        Finding::at(rule, file, doc, pointer, message, hint)
    };
    duplicates(file, doc, out);
    let (api_version, kind) = (v["apiVersion"].as_str(), v["kind"].as_str());
    let (Some(api_version), Some(kind)) = (api_version, kind) else {
        let missing = if api_version.is_none() {
            "apiVersion"
        } else {
            "kind"
        };
        out.push(finding(
            "schema/missing-field",
            "",
            format!("missing required field {missing:?}: not a Kubernetes object"),
            Some("every object needs apiVersion and kind".into()),
        ));
        return;
    };
    let (validator, def) = match schemas.validator(api_version, kind) {
        Some(Ok(v)) => v,
        Some(Err(e)) => {
            out.push(finding(
                "schema/unreadable",
                "/kind",
                format!("the schema for {kind} ({api_version}) cannot be used: {e}"),
                None,
            ));
            return;
        }
        None if !strict_kinds && !schemas.knows_group(api_version) => {
            let mut f = finding(
                "schema/unknown-kind",
                "/apiVersion",
                format!("no schema for {kind} ({api_version}), a custom resource: not checked"),
                Some("give its schema with --schema-dir DIR (kubeconform's layout), or run `berth schema refresh` against a cluster that has the CRD; --strict-kinds makes this an error".into()),
            );
            f.severity = Severity::Warning;
            out.push(f);
            return;
        }
        None => {
            let known_kind = schemas
                .index
                .keys()
                .filter(|(_, k)| k == kind)
                .map(|(a, _)| a.clone())
                .collect::<Vec<_>>();
            let hint = if known_kind.is_empty() {
                "a custom resource? give its schema with --schema-dir".to_string()
            } else {
                format!(
                    "Kubernetes {} serves {kind} as {}",
                    schemas.version,
                    known_kind.join(", ")
                )
            };
            out.push(finding(
                "schema/unknown-kind",
                "/apiVersion",
                format!("unknown type {kind} in {api_version}"),
                Some(hint),
            ));
            return;
        }
    };
    for e in validator.iter_errors(v) {
        let pointer = e.instance_path().as_str().to_string();
        match e.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let known = def
                    .as_deref()
                    .map(|d| schemas.properties_at(d, &pointer))
                    .unwrap_or_default();
                for key in unexpected {
                    let close = known
                        .iter()
                        .filter(|k| {
                            strsim::damerau_levenshtein(k, key) <= 2 || k.eq_ignore_ascii_case(key)
                        })
                        .min_by_key(|k| strsim::damerau_levenshtein(k, key));
                    let hint = match close {
                        Some(k) => format!("did you mean {k:?}?"),
                        None => "remove it: the API server rejects unknown fields under strict validation".into(),
                    };
                    out.push(finding(
                        "schema/unknown-field",
                        &format!("{pointer}/{key}"),
                        format!("unknown field {key:?}"),
                        Some(hint),
                    ));
                }
            }
            ValidationErrorKind::Type { kind: expected } => {
                let debug = format!("{expected:?}").to_lowercase();
                let names: Vec<&str> =
                    ["object", "array", "string", "integer", "number", "boolean"]
                        .into_iter()
                        .filter(|t| debug.contains(t))
                        .collect();
                let message = format!(
                    "wrong type: expected {}, found {}",
                    names.join(" or "),
                    describe(e.instance())
                );
                out.push(finding(
                    "schema/wrong-type",
                    &pointer,
                    message,
                    Some(type_hint(e.instance())),
                ));
            }
            ValidationErrorKind::OneOfNotValid { .. } | ValidationErrorKind::AnyOf { .. } => {
                out.push(finding(
                    "schema/wrong-type",
                    &pointer,
                    format!(
                        "wrong type: {} is not allowed here (expected a string or a number)",
                        describe(e.instance())
                    ),
                    Some(type_hint(e.instance())),
                ));
            }
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or_default();
                out.push(finding(
                    "schema/missing-field",
                    &pointer,
                    format!("missing required field {name:?}"),
                    Some(format!("add {name}")),
                ));
            }
            ValidationErrorKind::Enum { options } => {
                out.push(finding(
                    "schema/invalid-value",
                    &pointer,
                    format!("{} is not one of {options}", describe(e.instance())),
                    None,
                ));
            }
            _ => out.push(finding("schema/invalid", &pointer, e.to_string(), None)),
        }
    }
}

fn type_hint(found: &Value) -> String {
    match found {
        Value::String(s) if s.parse::<f64>().is_ok() => "remove the quotes".into(),
        Value::Number(n) => format!("quote it: \"{n}\""),
        Value::Bool(b) => format!("quote it: \"{b}\""),
        _ => "see the Kubernetes API reference for this field".into(),
    }
}

/// Whether a `--schema-dir` exists (checked before validating anything).
pub fn check_dir(dir: &Path) -> Result<(), SchemaError> {
    if dir.is_dir() {
        Ok(())
    } else {
        Err(SchemaError::Unreadable(
            dir.display().to_string(),
            "no such folder".into(),
        ))
    }
}
