//! berth-cluster: the cluster side of berth. Approved files in (read back through the approval
//! record), a changed cluster out: server-side apply, prune, rollout waits, roll back, the live
//! diff and schema refresh. The only crate that talks to Kubernetes, and it never drafts: it
//! does not depend on berth-draft (a test in the CLI crate checks Cargo's graph).
#![forbid(unsafe_code)]

pub mod apply;
