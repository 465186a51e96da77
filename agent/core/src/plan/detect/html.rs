//! A plain static site: an index.html with no build file beside it in, a web frontend that
//! berth's nginx serves as it is (no build, no server of its own) out. Tried last: a folder
//! with any build file is that stack's.

use super::{Detected, SourceTree};
use crate::plan::PlanError;

/// nginx-unprivileged listens here.
const NGINX_PORT: u16 = 8080;

pub fn detect(tree: &SourceTree) -> Result<Option<Detected>, PlanError> {
    if !tree.exists("index.html") {
        return Ok(None);
    }
    Ok(Some(Detected {
        web_frontend: true,
        default_port: Some((NGINX_PORT, "the port berth's nginx serves static files on")),
        evidence: vec![tree.shown("index.html")],
        ..Detected::default()
    }))
}
