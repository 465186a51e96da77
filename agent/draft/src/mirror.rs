//! A registry mirror in, every drafted Dockerfile's base images pointed at it out: for users
//! behind Harbor, Artifactory or a pull-through cache. `rust:1.95-slim` becomes
//! `MIRROR/library/rust:1.95-slim` and `gcr.io/distroless/cc-debian12` becomes
//! `MIRROR/distroless/cc-debian12`, and the `# syntax=` frontend likewise; `scratch` and build
//! stages are left alone. The rewrite is
//! part of the draft, so the bytes approved are the bytes built.

/// The mirror, from berth.toml's `[draft] registry_mirror` or BERTH_REGISTRY_MIRROR (which wins).
pub const MIRROR_ENV: &str = "BERTH_REGISTRY_MIRROR";

/// `FROM` lines of `dockerfile` rewritten to pull through `mirror` (a host, or host/path).
pub fn rewrite(dockerfile: &str, mirror: &str) -> String {
    let mirror = mirror.trim_end_matches('/');
    let mut stages: Vec<String> = Vec::new();
    let mut out = String::with_capacity(dockerfile.len() + 64);
    for line in dockerfile.split_inclusive('\n') {
        out.push_str(&rewrite_line(line, mirror, &mut stages));
    }
    out
}

fn rewrite_line(line: &str, mirror: &str, stages: &mut Vec<String>) -> String {
    // BuildKit pulls the `# syntax=` frontend image too.
    if let Some(image) = line.trim().strip_prefix("# syntax=") {
        if !image.starts_with(mirror) {
            return line.replacen(image, &format!("{mirror}/{}", repository_path(image)), 1);
        }
        return line.to_string();
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    if words.first().map(|w| w.to_ascii_uppercase()) != Some("FROM".into()) {
        return line.to_string();
    }
    let mut i = 1;
    while words.get(i).is_some_and(|w| w.starts_with("--")) {
        i += 1;
    }
    let Some(image) = words.get(i).copied() else {
        return line.to_string();
    };
    if let (Some(kw), Some(name)) = (words.get(i + 1), words.get(i + 2)) {
        if kw.eq_ignore_ascii_case("as") {
            stages.push(name.to_ascii_lowercase());
        }
    }
    let known_stage =
        stages[..stages.len().saturating_sub(1)].contains(&image.to_ascii_lowercase());
    if image == "scratch" || known_stage || image.starts_with(mirror) || image.contains('$') {
        return line.to_string();
    }
    line.replacen(image, &format!("{mirror}/{}", repository_path(image)), 1)
}

/// The image's path without its registry, with Docker Hub's implicit `library/` made explicit.
fn repository_path(image: &str) -> String {
    let (first, rest) = image.split_once('/').unwrap_or(("", image));
    let has_registry = first.contains('.') || first.contains(':') || first == "localhost";
    match (first.is_empty(), has_registry) {
        (true, _) => format!("library/{rest}"),
        (false, true) => rest.to_string(),
        (false, false) => image.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_images_go_through_the_mirror_and_stages_do_not() {
        let d = "# syntax=docker/dockerfile:1\nFROM rust:1.95-slim-bookworm AS build\nRUN cargo build\nFROM gcr.io/distroless/cc-debian12:nonroot\nCOPY --from=build /x /x\nFROM build AS test\nFROM scratch\nFROM nginxinc/nginx-unprivileged:1.29-alpine\n";
        let m = rewrite(d, "127.0.0.1:5000/");
        assert_eq!(
            m,
            "# syntax=127.0.0.1:5000/docker/dockerfile:1\nFROM 127.0.0.1:5000/library/rust:1.95-slim-bookworm AS build\nRUN cargo build\nFROM 127.0.0.1:5000/distroless/cc-debian12:nonroot\nCOPY --from=build /x /x\nFROM build AS test\nFROM scratch\nFROM 127.0.0.1:5000/nginxinc/nginx-unprivileged:1.29-alpine\n"
        );
        // Twice is the same as once.
        assert_eq!(rewrite(&m, "127.0.0.1:5000"), m);
    }
}
