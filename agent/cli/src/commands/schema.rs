//! `berth schema <document>`: prints the JSON schema of a berth document.

use super::{Error, Exit};
use crate::cli::{Cli, Output, SchemaArgs, SchemaDoc};

pub fn run(cli: &Cli, args: &SchemaArgs) -> Result<Exit, Error> {
    if !matches!(cli.output, Output::Human | Output::Json) {
        return Err(Error::usage("berth schema prints JSON only"));
    }
    let schema = match args.document {
        SchemaDoc::Plan => schemars::schema_for!(berth_core::Plan),
    };
    let text = serde_json::to_string_pretty(&schema).map_err(|e| Error::usage(e.to_string()))?;
    crate::output::print(&format!("{text}\n"));
    Ok(Exit::Ok)
}
