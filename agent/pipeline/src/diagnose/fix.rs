//! A cause's fix and the approved file that holds its object in; the file as it would be with
//! the fix made out. Only the document of that object is rewritten (serialized as berth's drafts
//! are); the file's header and every other document stay as they were, byte for byte.

use super::cause::Fix;
use super::rules;
use berth_cluster::apply::ObjectRef;
use berth_core::validate::yaml::split_documents;
use serde_json::{Value, json};

#[derive(Debug, thiserror::Error)]
pub enum FixError {
    #[error("{path}: no document holds {object}")]
    NotFound { path: String, object: String },
    #[error("{path}: {object} has no container {container}")]
    NoContainer {
        path: String,
        object: String,
        container: String,
    },
    #[error("{path}: cannot read it as YAML to change it: {message}")]
    Parse { path: String, message: String },
}

/// `text` (the file at `path`) with `fix` made to `object`'s container `container`.
pub fn mend(
    path: &str,
    text: &str,
    object: &ObjectRef,
    container: Option<&str>,
    fix: &Fix,
) -> Result<String, FixError> {
    let target = match fix {
        Fix::GenerateSecretKey { secret, .. } => secret,
        _ => object,
    };
    let mut chunks = split_documents(text);
    for chunk in chunks.iter_mut() {
        let Some(mut value) = parse(path, &chunk.1)? else {
            continue;
        };
        if !rules::same(&ObjectRef::of(&value), target) {
            continue;
        }
        change(&mut value, container, fix).map_err(|container| FixError::NoContainer {
            path: path.into(),
            object: target.to_string(),
            container,
        })?;
        chunk.1 = serde_saphyr::to_string(&value).map_err(|e| FixError::Parse {
            path: path.into(),
            message: e.to_string(),
        })?;
        return Ok(join(&chunks));
    }
    Err(FixError::NotFound {
        path: path.into(),
        object: target.to_string(),
    })
}

/// The document of `object` in `text` (the file at `path`): its index among the file's parts
/// and its text, as the model is shown it.
pub fn document(path: &str, text: &str, object: &ObjectRef) -> Result<(usize, String), FixError> {
    for (i, chunk) in split_documents(text).into_iter().enumerate() {
        let Some(value) = parse(path, &chunk.1)? else {
            continue;
        };
        if rules::same(&ObjectRef::of(&value), object) {
            return Ok((i, chunk.1));
        }
    }
    Err(FixError::NotFound {
        path: path.into(),
        object: object.to_string(),
    })
}

/// `text` with its part `index` replaced by `body`, when `body` is still the document of
/// `object`; the rest of the file byte for byte. Err says what the new body is instead.
pub fn replace(
    path: &str,
    text: &str,
    index: usize,
    body: &str,
    object: &ObjectRef,
) -> Result<String, String> {
    let value = parse(path, body)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "the document holds no object any more".to_string())?;
    let now = ObjectRef::of(&value);
    if !rules::same(&now, object) {
        return Err(format!("the document is {now} now, not {object}"));
    }
    let mut chunks = split_documents(text);
    let Some(chunk) = chunks.get_mut(index) else {
        return Err(format!("{path} changed while the model answered"));
    };
    chunk.1 = body.to_string();
    Ok(join(&chunks))
}

fn join(chunks: &[(String, String)]) -> String {
    chunks
        .iter()
        .map(|(sep, body)| format!("{sep}{body}"))
        .collect()
}

/// The object of one document, or None for a document of comments only.
fn parse(path: &str, body: &str) -> Result<Option<Value>, FixError> {
    if !berth_core::validate::yaml::meaningful(body) {
        return Ok(None);
    }
    let v: Value = serde_saphyr::from_str(body).map_err(|e| FixError::Parse {
        path: path.into(),
        message: e.to_string(),
    })?;
    Ok(v.is_object().then_some(v))
}

/// Makes the fix in the object; Err(name) when the container is not in it.
fn change(v: &mut Value, container: Option<&str>, fix: &Fix) -> Result<(), String> {
    if let Fix::GenerateSecretKey { key, .. } = fix {
        add_generated_key(v, key);
        return Ok(());
    }
    if let Fix::WritableDir { path } = fix {
        add_volume(v, container, path)?;
        return Ok(());
    }
    let c = container_mut(v, container)?;
    match fix {
        Fix::MemoryLimit { to } => {
            set(c, &["resources", "limits", "memory"], json!(to));
            let request = c
                .pointer("/resources/requests/memory")
                .and_then(Value::as_str);
            let above = request.is_some_and(|r| {
                super::quantity::parse(r, false) > super::quantity::parse(to, false)
            });
            if above {
                set(c, &["resources", "requests", "memory"], json!(to));
            }
        }
        Fix::Probe { from, port, path } => {
            for probe in ["readinessProbe", "livenessProbe", "startupProbe"] {
                for handler in ["httpGet", "tcpSocket"] {
                    let Some(h) = c.get_mut(probe).and_then(|p| p.get_mut(handler)) else {
                        continue;
                    };
                    let now = h.get("port").map(|p| match p {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    });
                    if now.as_deref() != Some(from) {
                        continue;
                    }
                    h["port"] = port.clone();
                    if let (Some(p), true) =
                        (path, handler == "httpGet" && probe == "readinessProbe")
                    {
                        h["path"] = json!(p);
                    }
                }
            }
        }
        Fix::Requests { cpu, memory } => {
            for (name, to) in [("cpu", cpu), ("memory", memory)] {
                if let Some(to) = to {
                    set(c, &["resources", "requests", name], json!(to));
                }
            }
        }
        Fix::WritableDir { .. } | Fix::GenerateSecretKey { .. } => {}
    }
    Ok(())
}

/// Sets `v[path...]`, making the objects on the way.
fn set(v: &mut Value, path: &[&str], to: Value) {
    let mut at = v;
    for key in &path[..path.len() - 1] {
        if !at.get(*key).is_some_and(Value::is_object) {
            at[*key] = json!({});
        }
        at = &mut at[*key];
    }
    at[path[path.len() - 1]] = to;
}

fn container_mut<'a>(v: &'a mut Value, name: Option<&str>) -> Result<&'a mut Value, String> {
    let wanted = name.unwrap_or_default().to_string();
    let list = v
        .pointer_mut("/spec/template/spec/containers")
        .and_then(Value::as_array_mut)
        .ok_or_else(|| wanted.clone())?;
    let i = match name {
        Some(n) => list
            .iter()
            .position(|c| c.get("name").and_then(Value::as_str) == Some(n)),
        None => (!list.is_empty()).then_some(0),
    };
    match i {
        Some(i) => Ok(&mut list[i]),
        None => Err(wanted),
    }
}

/// An emptyDir volume named for `path` and the container's mount of it.
fn add_volume(v: &mut Value, container: Option<&str>, path: &str) -> Result<(), String> {
    // As the drafts name theirs: `/app/data` -> `app-data`.
    let mut name = path.trim_matches('/').replace(['/', '.'], "-");
    if name.is_empty() {
        name = "writable".into();
    }
    if rules::template_spec(v).is_none() {
        return Err(container.unwrap_or_default().into());
    }
    let spec = v
        .pointer_mut("/spec/template/spec")
        .ok_or_else(String::new)?;
    let volumes = spec
        .as_object_mut()
        .map(|m| m.entry("volumes").or_insert_with(|| json!([])));
    if let Some(Value::Array(list)) = volumes
        && !list
            .iter()
            .any(|x| x.get("name").and_then(Value::as_str) == Some(&name))
    {
        list.push(json!({"name": name, "emptyDir": {}}));
    }
    let c = container_mut(v, container)?;
    let mounts = c
        .as_object_mut()
        .map(|m| m.entry("volumeMounts").or_insert_with(|| json!([])));
    if let Some(Value::Array(list)) = mounts {
        list.push(json!({"name": name, "mountPath": path}));
    }
    Ok(())
}

fn add_generated_key(v: &mut Value, key: &str) {
    let now = v
        .pointer("/metadata/annotations/berth.dev~1generate")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut keys: Vec<&str> = now
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .collect();
    if !keys.contains(&key) {
        keys.push(key);
    }
    set(
        v,
        &["metadata", "annotations", "berth.dev/generate"],
        json!(keys.join(",")),
    );
}
