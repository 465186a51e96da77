//! A Helm chart's files in, findings out: values.yaml against values.schema.json, `helm lint`,
//! and every object `helm template` renders checked like a plain manifest. Without helm the
//! values are still checked and the report says the templates were not rendered.

use super::yaml::{self, Document};
use super::{Finding, Input, Severity};
use std::path::{Path, PathBuf};
use std::process::Command;

/// helm on PATH, or None.
pub fn find_helm() -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|d| d.join("helm"))
        .find(|p| p.is_file())
}

fn finding(
    rule: &str,
    file: &str,
    line: usize,
    column: usize,
    path: Option<String>,
    message: String,
    hint: Option<String>,
) -> Finding {
    Finding {
        rule: rule.into(),
        severity: Severity::Error,
        file: file.into(),
        line,
        column,
        object: None,
        path,
        message,
        hint,
    }
}

/// Checks values.yaml against values.schema.json, when the chart has both.
pub fn check_values(root: &str, files: &[&Input], out: &mut Vec<Finding>) {
    let get = |name: &str| files.iter().find(|f| f.path == format!("{root}/{name}"));
    let (Some(values), Some(schema)) = (get("values.yaml"), get("values.schema.json")) else {
        return;
    };
    let schema: serde_json::Value = match serde_json::from_str(&schema.contents) {
        Ok(s) => s,
        Err(e) => {
            out.push(finding(
                "helm/values-schema",
                &schema.path,
                e.line(),
                e.column(),
                None,
                format!("values.schema.json is not JSON: {e}"),
                None,
            ));
            return;
        }
    };
    let validator = match jsonschema::validator_for(&schema) {
        Ok(v) => v,
        Err(e) => {
            out.push(finding(
                "helm/values-schema",
                &format!("{root}/values.schema.json"),
                0,
                0,
                None,
                format!("values.schema.json is not a valid schema: {e}"),
                None,
            ));
            return;
        }
    };
    let (docs, err) = yaml::parse(&values.contents);
    if let Some(e) = err {
        out.push(finding(
            "yaml/syntax",
            &values.path,
            e.pos.line,
            e.pos.column,
            None,
            e.message,
            None,
        ));
        return;
    }
    let doc = docs
        .into_iter()
        .next()
        .unwrap_or_else(|| Document::detached(serde_json::json!({})));
    for e in validator.iter_errors(&doc.value) {
        let ptr = e.instance_path().as_str().to_string();
        let pos = doc.positions().find(&ptr);
        out.push(finding(
            "helm/values-schema",
            &values.path,
            pos.line,
            pos.column,
            Some(super::schema::display_path(&ptr)),
            e.to_string(),
            Some("make values.yaml match values.schema.json".into()),
        ));
    }
}

/// Values given on the command line for rendering charts, as `helm template` takes them.
#[derive(Debug, Clone, Default)]
pub struct ChartValues {
    /// `--values FILE`, in order (later files win).
    pub files: Vec<PathBuf>,
    /// `--set key=value`, in order.
    pub set: Vec<String>,
}

impl ChartValues {
    fn flags(&self) -> Vec<std::ffi::OsString> {
        let mut out = Vec::new();
        for f in &self.files {
            out.push("--values".into());
            out.push(f.as_os_str().to_owned());
        }
        for s in &self.set {
            out.push("--set".into());
            out.push(s.into());
        }
        out
    }
}

/// The rendered objects, as (source file shown to people, document); or findings when helm fails.
pub fn render(
    helm: &Path,
    root: &str,
    files: &[&Input],
    values: &ChartValues,
    out: &mut Vec<Finding>,
) -> Vec<(String, Document)> {
    let chart_yaml = format!("{root}/Chart.yaml");
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => {
            // Never skipped in silence: the chart was not checked, and the report says why.
            out.push(finding(
                "helm/template",
                &chart_yaml,
                0,
                0,
                None,
                format!("cannot render the chart: no temporary folder ({e})"),
                None,
            ));
            return vec![];
        }
    };
    let name = root.rsplit('/').next().unwrap_or("chart");
    let chart = dir.path().join(name);
    for f in files {
        let rel = f.path.strip_prefix(&format!("{root}/")).unwrap_or(&f.path);
        let target = chart.join(rel);
        if let Some(parent) = target.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(target, &f.contents);
    }
    let flags = values.flags();
    if let Ok(lint) = Command::new(helm)
        .arg("lint")
        .arg(&chart)
        .args(&flags)
        .output()
    {
        for line in String::from_utf8_lossy(&lint.stdout)
            .lines()
            .filter(|l| l.starts_with("[ERROR]"))
        {
            out.push(finding(
                "helm/lint",
                &chart_yaml,
                0,
                0,
                None,
                format!("helm lint: {}", line.trim_start_matches("[ERROR]").trim()),
                None,
            ));
        }
    }
    let rendered = match Command::new(helm)
        .args(["template", name])
        .arg(&chart)
        .args(["--namespace", name])
        .args(&flags)
        .output()
    {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
        Ok(o) => {
            let err = String::from_utf8_lossy(&o.stderr);
            out.push(finding(
                "helm/template",
                &chart_yaml,
                0,
                0,
                None,
                format!("helm template failed: {}", err.trim()),
                None,
            ));
            return vec![];
        }
        Err(e) => {
            out.push(finding(
                "helm/template",
                &chart_yaml,
                0,
                0,
                None,
                format!("cannot run {}: {e}", helm.display()),
                None,
            ));
            return vec![];
        }
    };
    // Each rendered document starts with `# Source: <chart>/templates/<file>`.
    let mut docs = Vec::new();
    for chunk in rendered.split("\n---\n") {
        let source = chunk
            .lines()
            .find_map(|l| l.strip_prefix("# Source: "))
            .map(|s| s.trim().to_string());
        let Some(source) = source else { continue };
        let shown = format!(
            "{root}/{} (rendered)",
            source.split_once('/').map_or(source.as_str(), |(_, r)| r)
        );
        let (parsed, err) = yaml::parse(chunk);
        if let Some(e) = err {
            out.push(finding(
                "yaml/syntax",
                &shown,
                e.pos.line,
                e.pos.column,
                None,
                e.message,
                Some("the template renders invalid YAML".into()),
            ));
        }
        docs.extend(
            parsed
                .into_iter()
                .filter(|d| !d.value.is_null())
                .map(|d| (shown.clone(), d)),
        );
    }
    docs
}
