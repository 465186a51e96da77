//! `berth schema plan`: prints the JSON schema of a berth document. `berth schema refresh`:
//! fetches a live cluster's Kubernetes schemas into .berth/schemas/cluster.json, which
//! `berth validate` then checks against (custom resources included).

use super::{Error, Exit};
use crate::cli::{Cli, Output, SchemaArgs, SchemaDoc};
use berth_core::validate::CLUSTER_SCHEMAS;
use std::path::Path;

pub fn run(cli: &Cli, args: &SchemaArgs, root: &Path) -> Result<Exit, Error> {
    if !matches!(cli.output, Output::Human | Output::Json) {
        return Err(Error::usage("berth schema prints JSON only"));
    }
    let schema = match args.document {
        SchemaDoc::Plan => schemars::schema_for!(berth_core::Plan),
        SchemaDoc::Refresh => return refresh(args.context.as_deref(), root),
    };
    let text = serde_json::to_string_pretty(&schema).map_err(|e| Error::usage(e.to_string()))?;
    crate::output::print(&format!("{text}\n"));
    Ok(Exit::Ok)
}

fn refresh(context: Option<&str>, root: &Path) -> Result<Exit, Error> {
    let mut fetched = berth_cluster::apply::openapi::fetch_blocking(context)?;
    let kinds = fetched.schemas["$defs"].as_object().map_or(0, |d| {
        d.values()
            .filter(|v| v.get("x-kubernetes-group-version-kind").is_some())
            .count()
    });
    fetched.schemas["context"] = fetched.context.clone().into();
    fetched.schemas["server"] = fetched.server.clone().into();
    fetched.schemas["fetched_at"] = humantime::format_rfc3339_seconds(std::time::SystemTime::now())
        .to_string()
        .into();
    let text =
        serde_json::to_string(&fetched.schemas).map_err(|e| Error::usage(e.to_string()))? + "\n";
    berth_core::fsutil::write_atomic(&root.join(CLUSTER_SCHEMAS), text.as_bytes())
        .map_err(|e| super::external(format!("{CLUSTER_SCHEMAS}: cannot write: {e}")))?;
    crate::output::print(&format!(
        "wrote {CLUSTER_SCHEMAS}: Kubernetes {} from context {:?} ({}), {} API documents, {kinds} kinds; `berth validate` now uses them\n",
        fetched.version, fetched.context, fetched.server, fetched.documents
    ));
    Ok(Exit::Ok)
}
