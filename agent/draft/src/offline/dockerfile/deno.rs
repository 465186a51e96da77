//! A Deno service in, its Dockerfile out: `deno cache` fetches and compiles the module graph
//! at build time (from the lock file, frozen, when there is one), and the server runs from that
//! cache with only the permissions a web service needs: the network, the variables its code
//! reads, and reading its own folder.

use super::exec_form;
use crate::offline::runtime::Runtime;
use berth_core::plan::Service;

/// Deno's images are tagged by full version.
const DEFAULT_DENO: &str = "2.9.6";

pub(in crate::offline) fn dockerfile(s: &Service, rt: &Runtime) -> String {
    let main = s.entrypoint.as_deref().unwrap_or("main.ts");
    let frozen = if s.lock_file.as_deref() == Some("deno.lock") {
        " --frozen"
    } else {
        ""
    };
    format!(
        r#"# Fetch and compile the module graph at build time, into the image's DENO_DIR.
FROM denoland/deno:{version}
WORKDIR /app
COPY . .
RUN deno cache{frozen} {main}
# Run from that cache with the narrowest permissions, as the image's unprivileged `deno` user.
USER {uid}:{uid}
EXPOSE {port}
CMD {cmd}
"#,
        version = version(s.runtime_version.as_deref()),
        uid = rt.uid,
        port = rt.port,
        cmd = exec_form(&command(s, rt, main, !frozen.is_empty())),
    )
}

/// A full version as asked (`2.5.6`), `2.5` as its first release (`2.5.0`), else the default.
fn version(asked: Option<&str>) -> String {
    let parts: Vec<&str> = asked
        .unwrap_or_default()
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .split('.')
        .take_while(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        .collect();
    match parts.as_slice() {
        [a, b, c, ..] => format!("{a}.{b}.{c}"),
        [a, b] => format!("{a}.{b}.0"),
        _ => DEFAULT_DENO.to_string(),
    }
}

/// `deno run` with the network, the variables the code reads (and only those: Deno refuses the
/// others), reading its folder, and nothing fetched at run time.
fn command(s: &Service, rt: &Runtime, main: &str, frozen: bool) -> Vec<String> {
    let mut cmd = vec!["deno".to_string(), "run".into(), "--cached-only".into()];
    if frozen {
        cmd.push("--frozen".into());
    }
    cmd.push("--allow-net".into());
    let mut vars: Vec<&str> = s.env.iter().map(String::as_str).collect();
    vars.extend(
        rt.env
            .iter()
            .map(|(k, _)| k.as_str())
            .filter(|k| *k == "PORT"),
    );
    vars.sort_unstable();
    vars.dedup();
    if !vars.is_empty() {
        cmd.push(format!("--allow-env={}", vars.join(",")));
    }
    cmd.push("--allow-read=/app".into());
    cmd.push(main.into());
    cmd
}
