//! A service in, its Dockerfile, .dockerignore and (for a static frontend) nginx config out.
//! Every Dockerfile pins its base images to a version tag, installs dependencies in their own
//! cached layer (multi-stage where a build leaves tools behind), runs as a numeric non-root USER
//! and starts in exec form. PHP, Ruby, .NET, Deno and Bun each have their file beside this one.

mod bun;
mod deno;
mod dotnet;
mod php;
mod ruby;

use super::header;
use super::runtime::Runtime;
use crate::DraftRequest;
use berth_core::plan::{Service, Stack};
use std::fmt::Write;

const NGINX_IMAGE: &str = "nginxinc/nginx-unprivileged:1.29-alpine";
const DISTROLESS_STATIC: &str = "gcr.io/distroless/static-debian12:nonroot";
const DISTROLESS_CC: &str = "gcr.io/distroless/cc-debian12:nonroot";

/// The first number in a version or range ("1.95", ">=20.19", "3.12.1").
fn numbers(v: Option<&str>) -> Vec<u32> {
    let v = v.unwrap_or_default();
    let start = v.find(|c: char| c.is_ascii_digit()).unwrap_or(v.len());
    v[start..]
        .split(|c: char| !c.is_ascii_digit() && c != '.')
        .next()
        .unwrap_or_default()
        .split('.')
        .filter_map(|n| n.parse().ok())
        .collect()
}

/// A lower bound (`>=3.9`, `>18`), not a version: the newer of it and berth's default is used.
fn is_lower_bound(v: Option<&str>) -> bool {
    v.is_none_or(|v| v.trim_start().starts_with('>'))
}

/// `major.minor`: the version the project or its spec asks for (`3.11`, `^3.11`), else
/// `default`, which also wins over an older lower bound (`>=3.9`).
pub(super) fn minor_or(v: Option<&str>, default: (u32, u32)) -> String {
    let n = numbers(v);
    let asked = match (n.first(), n.get(1)) {
        (Some(&a), Some(&b)) => (a, b),
        _ => (0, 0),
    };
    let (a, b) = if is_lower_bound(v) || asked.0 == 0 {
        asked.max(default)
    } else {
        asked
    };
    format!("{a}.{b}")
}

/// `major.minor`: the newer of the version asked for and `floor`. Go's `go` directive and
/// Cargo's `rust-version` are minimums, and a newer toolchain builds them.
fn minor_at_least(v: Option<&str>, floor: (u32, u32)) -> String {
    let n = numbers(v);
    let asked = (
        n.first().copied().unwrap_or(0),
        n.get(1).copied().unwrap_or(0),
    );
    let (a, b) = asked.max(floor);
    format!("{a}.{b}")
}

/// `node:<major>-alpine`: the major asked for (engines `20.x`, `^20`, the spec's `Node.js 20`),
/// else 22, which also wins over an older lower bound (`>=18`).
fn node_image(s: &Service) -> String {
    let v = s.runtime_version.as_deref();
    let asked = numbers(v).first().copied().unwrap_or(0);
    let major = if is_lower_bound(v) || asked == 0 {
        asked.max(22)
    } else {
        asked
    };
    format!("node:{major}-alpine")
}

pub fn dockerfile(req: &DraftRequest, s: &Service) -> (String, Vec<String>) {
    let rt = Runtime::of(req.plan, s);
    let mut out = format!("# syntax=docker/dockerfile:1\n{}", header(req, "#"));
    let mut notes = Vec::new();
    let has_deps = match s.stack {
        Stack::Node | Stack::Rust | Stack::Go | Stack::Bun | Stack::Ruby => true,
        Stack::Php => s.tool.is_some(),
        _ => false,
    };
    if has_deps && s.lock_file.is_none() {
        notes.push(format!(
            "{}: no dependency lock file, so image builds are not reproducible; commit one",
            s.name
        ));
    }
    let body = match s.stack {
        _ if s.is_static_site() => static_site(s, &rt),
        Stack::Node => node_server(s, &rt),
        Stack::Python => python(s, &rt),
        Stack::Go => go(s, &rt),
        Stack::Rust => rust(s, &rt, &mut notes),
        Stack::Java => java(s, &rt),
        Stack::Php => php::dockerfile(s, &rt),
        Stack::Ruby => {
            if s.frameworks.iter().any(|f| f == "rails") {
                notes.push(format!(
                    "{}: Rails reads SECRET_KEY_BASE at start-up (set from its Secret); assets are not precompiled in the image",
                    s.name
                ));
            }
            ruby::dockerfile(s, &rt)
        }
        Stack::Dotnet => dotnet::dockerfile(s, &rt),
        Stack::Deno => deno::dockerfile(s, &rt),
        Stack::Bun => bun::dockerfile(s, &rt),
        // Only a static site is Static: the first arm took it.
        Stack::Static => plain_site(&rt),
        Stack::Unknown => {
            notes.push(format!(
                "{}: unknown stack; the Dockerfile stops the build until a person fills it in",
                s.name
            ));
            unknown(s)
        }
    };
    out.push('\n');
    out.push_str(&body);
    (out, notes)
}

fn npm_install(s: &Service, production_only: bool) -> &'static str {
    if s.lock_file.is_none() {
        return if production_only {
            "npm install --omit=dev --no-audit --no-fund"
        } else {
            "npm install --no-audit --no-fund"
        };
    }
    match (s.tool.as_deref(), production_only) {
        (Some("pnpm"), false) => "corepack enable && pnpm install --frozen-lockfile",
        (Some("pnpm"), true) => "corepack enable && pnpm install --frozen-lockfile --prod",
        (Some("yarn"), false) => "corepack enable && yarn install --frozen-lockfile",
        (Some("yarn"), true) => "corepack enable && yarn install --frozen-lockfile --production",
        (_, false) => "npm ci --no-audit --no-fund",
        (_, true) => "npm ci --omit=dev --no-audit --no-fund",
    }
}

/// `package.json` and the lock file, for the dependency layer.
fn manifests(s: &Service) -> String {
    match &s.lock_file {
        Some(lock) => format!("package.json {lock}"),
        None => "package.json".to_string(),
    }
}

/// Where a frontend's build output lands.
fn build_dir(s: &Service) -> &'static str {
    if s.frameworks.iter().any(|f| f == "angular") {
        "dist/browser"
    } else {
        "dist"
    }
}

fn static_site(s: &Service, rt: &Runtime) -> String {
    if s.stack == Stack::Static {
        return plain_site(rt);
    }
    // Bun builds a Bun project's site; Node the others.
    let (image, manifests, install, default_build) = if s.stack == Stack::Bun {
        (
            bun::image(s),
            bun::manifests(s),
            bun::install(s),
            "bun run build",
        )
    } else {
        (
            node_image(s),
            manifests(s),
            npm_install(s, false),
            "npm run build",
        )
    };
    let build = s.build_command.as_deref().unwrap_or(default_build);
    format!(
        r#"# Build the static site.
FROM {image} AS build
WORKDIR /app
COPY {manifests} ./
RUN {install}
COPY . .
{browser}RUN {build}

# Serve it with an unprivileged nginx that also proxies /api to the backend.
FROM {NGINX_IMAGE}
COPY nginx/default.conf.template /etc/nginx/templates/default.conf.template
COPY --from=build /app/{dist} /usr/share/nginx/html
USER {uid}:{uid}
EXPOSE {port}
CMD ["nginx", "-g", "daemon off;"]
"#,
        browser = browser_arg(s, rt),
        dist = build_dir(s),
        uid = rt.uid,
        port = rt.port,
    )
}

/// A folder of HTML files: no build, nginx serves them as they are.
fn plain_site(rt: &Runtime) -> String {
    format!(
        r#"# Serve the files as they are with an unprivileged nginx.
FROM {NGINX_IMAGE}
COPY nginx/default.conf.template /etc/nginx/templates/default.conf.template
COPY . /usr/share/nginx/html
USER {uid}:{uid}
EXPOSE {port}
CMD ["nginx", "-g", "daemon off;"]
"#,
        uid = rt.uid,
        port = rt.port,
    )
}

/// The build argument that makes the bundle call its backend on its own origin (see
/// `Service::browser_backend_path`); empty when the site has none.
fn browser_arg(s: &Service, rt: &Runtime) -> String {
    match browser_path(s, rt) {
        Some(path) => format!(
            "# The browser cannot resolve the backend's cluster name: the bundle calls {path} on its\n# own origin, which nginx proxies to the backend.\nARG {var}={path}\n",
            var = s.backend_url_var()
        ),
        None => String::new(),
    }
}

/// The site's same-origin path to its backend, when it has a backend to proxy to.
fn browser_path(s: &Service, rt: &Runtime) -> Option<&'static str> {
    s.browser_backend_path()
        .filter(|_| !rt.config_env.is_empty())
}

fn node_server(s: &Service, rt: &Runtime) -> String {
    let node = node_image(s);
    let mut out = String::new();
    let _ = write!(
        out,
        "# Install dependencies in their own layer, then build.\nFROM {node} AS build\nWORKDIR /app\nCOPY {manifests} ./\nRUN {install}\nCOPY . .\n",
        manifests = manifests(s),
        install = npm_install(s, false),
    );
    // What the build config reads is fixed when it runs (Next's rewrites): the same values
    // the container gets, as build arguments.
    let build_args: Vec<&(String, String)> = rt
        .env
        .iter()
        .chain(rt.config_env.iter())
        .filter(|(k, _)| s.build_env.contains(k))
        .collect();
    if !build_args.is_empty() {
        out.push_str(
            "# Read by the build config, so given to the build as well as to the container.\n",
        );
        for (k, v) in build_args {
            let _ = writeln!(out, "ARG {k}={v}");
        }
    }
    let prune = match s.tool.as_deref() {
        Some("pnpm") => "pnpm prune --prod",
        Some("yarn") => {
            "yarn install --frozen-lockfile --production --ignore-scripts --prefer-offline"
        }
        _ => "npm prune --omit=dev",
    };
    if s.standalone && s.build_command.is_some() {
        out.push_str(&next_standalone(s, rt, &node));
        return out;
    }
    // One layer: build, then drop the dev dependencies.
    let _ = match &s.build_command {
        Some(build) => writeln!(out, "RUN {build} && {prune}"),
        None => writeln!(out, "RUN {prune}"),
    };
    let start: Vec<String> = match (&s.entrypoint, &s.start_command) {
        (Some(entry), _) => vec!["node".into(), entry.clone()],
        (None, Some(start)) => start.split_whitespace().map(String::from).collect(),
        (None, None) => vec!["node".into(), "index.js".into()],
    };
    // A frontend with its own server needs only its build output and that server; any other
    // server needs its sources too.
    let copy = match (&s.entrypoint, s.web_frontend && s.build_command.is_some()) {
        (Some(entry), true) => format!(
            "COPY --from=build /app/package.json ./\nCOPY --from=build /app/node_modules ./node_modules\nCOPY --from=build /app/{dist} ./{dist}\nCOPY --from=build /app/{entry} ./{entry}",
            dist = build_dir(s)
        ),
        _ => "COPY --from=build /app ./".to_string(),
    };
    let _ = write!(
        out,
        "\n# Run with production dependencies only, as the image's unprivileged `node` user.\nFROM {node}\nWORKDIR /app\nENV NODE_ENV=production PORT={port}\n{copy}\nUSER {uid}:{uid}\nEXPOSE {port}\nCMD {cmd}\n",
        port = rt.port,
        uid = rt.uid,
        cmd = exec_form(&start),
    );
    out
}

/// Next's standalone output: the image holds the traced server, its static files and `public/`
/// (made empty when the project has none, so the COPY cannot fail), not node_modules.
fn next_standalone(s: &Service, rt: &Runtime, node: &str) -> String {
    format!(
        "RUN mkdir -p public && {build}\n\n# Run Next's standalone server (output: 'standalone'), as the image's unprivileged `node`\n# user; HOSTNAME makes it listen on every address, not only the pod's name.\nFROM {node}\nWORKDIR /app\nENV NODE_ENV=production PORT={port} HOSTNAME=0.0.0.0\nCOPY --from=build /app/.next/standalone ./\nCOPY --from=build /app/.next/static ./.next/static\nCOPY --from=build /app/public ./public\nUSER {uid}:{uid}\nEXPOSE {port}\nCMD [\"node\", \"server.js\"]\n",
        build = s.build_command.as_deref().unwrap_or("npm run build"),
        port = rt.port,
        uid = rt.uid,
    )
}

fn python(s: &Service, rt: &Runtime) -> String {
    let version = minor_or(s.runtime_version.as_deref(), (3, 12));
    let deps = python_deps(s);
    let start: Vec<String> = match s.start_command.as_deref() {
        Some(cmd) if cmd.starts_with("uvicorn") => {
            let mut v: Vec<String> = cmd.split_whitespace().map(String::from).collect();
            v.extend(["--port".into(), rt.port.to_string()]);
            v
        }
        Some(cmd) if cmd.starts_with("gunicorn") => {
            let mut v: Vec<String> = cmd.split_whitespace().map(String::from).collect();
            v.insert(1, format!("--bind=0.0.0.0:{}", rt.port));
            v
        }
        Some(cmd) => cmd.split_whitespace().map(String::from).collect(),
        None => vec!["python".into(), "main.py".into()],
    };
    // uvicorn comes with a FastAPI app's requirements; gunicorn rarely does with Flask or Django.
    let server = match start.first().map(String::as_str) {
        // In the dependencies' RUN (one layer, hadolint DL3059); uv's venv has no pip.
        Some("gunicorn") if s.tool.as_deref() == Some("uv") => {
            " && uv pip install --python /opt/venv/bin/python gunicorn==23.0.0"
        }
        Some("gunicorn") => " && pip install --no-cache-dir gunicorn==23.0.0",
        _ => "",
    };
    format!(
        r#"# Install dependencies into a virtual environment in their own layer.
FROM python:{version}-slim AS build
WORKDIR /app
{deps}{server}

# Run from the virtual environment as an unprivileged user.
FROM python:{version}-slim
WORKDIR /app
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
COPY --from=build /opt/venv /opt/venv
COPY . .
USER {uid}:{uid}
EXPOSE {port}
CMD {cmd}
"#,
        uid = rt.uid,
        port = rt.port,
        cmd = exec_form(&start),
    )
}

/// The tools that read the Python lock files, pinned like the base images.
const UV: &str = "uv==0.13.9";
const POETRY: &str = "poetry==2.5.1";
const PIPENV: &str = "pipenv==2026.10.3";

/// The build stage's install into /opt/venv: exactly what the lock file pins, from a layer
/// that only the dependency files invalidate. The tool itself stays out of the venv the
/// image runs from.
fn python_deps(s: &Service) -> String {
    let has = |f: &str| s.lock_file.as_deref() == Some(f);
    let venv = "RUN python -m venv /opt/venv\nENV PATH=/opt/venv/bin:$PATH";
    // The tool goes in with the system pip, in the RUN that makes the venv (hadolint DL3059).
    let tool_then_venv = |tool: &str| {
        format!(
            "RUN pip install --no-cache-dir {tool} && python -m venv /opt/venv\nENV PATH=/opt/venv/bin:$PATH"
        )
    };
    match s.tool.as_deref() {
        Some("uv") if has("uv.lock") => format!(
            "RUN pip install --no-cache-dir {UV}\n# The system Python, never a downloaded one; the project installed as a package, not\n# as a link to this stage's sources.\nENV UV_PROJECT_ENVIRONMENT=/opt/venv UV_PYTHON_DOWNLOADS=never UV_LINK_MODE=copy PATH=/opt/venv/bin:$PATH\nCOPY pyproject.toml uv.lock ./\nRUN uv sync --frozen --no-dev --no-install-project\nCOPY . .\nRUN uv sync --frozen --no-dev --no-editable"
        ),
        Some("poetry") if has("poetry.lock") => format!(
            "{} VIRTUAL_ENV=/opt/venv\nCOPY pyproject.toml poetry.lock ./\nRUN poetry install --only main --no-root --no-interaction",
            tool_then_venv(POETRY)
        ),
        Some("pipenv") if has("Pipfile.lock") => format!(
            "{}\nCOPY Pipfile Pipfile.lock ./\nRUN pipenv requirements > /tmp/requirements.txt && pip install --no-cache-dir -r /tmp/requirements.txt",
            tool_then_venv(PIPENV)
        ),
        _ if s
            .evidence
            .iter()
            .any(|e| e.source.ends_with("requirements.txt")) =>
        {
            format!(
                "{venv}\nCOPY requirements.txt ./\nRUN pip install --no-cache-dir -r requirements.txt"
            )
        }
        _ => format!("{venv}\nCOPY . .\nRUN pip install --no-cache-dir ."),
    }
}

fn go(s: &Service, rt: &Runtime) -> String {
    let version = minor_at_least(s.runtime_version.as_deref(), (1, 26));
    let main = s.entrypoint.as_deref().unwrap_or(".");
    format!(
        r#"# Download modules in their own layer, then build a static binary.
FROM golang:{version}-alpine AS build
WORKDIR /src
COPY go.* ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/app {main}

# Run it from a distroless image as its nonroot user.
FROM {DISTROLESS_STATIC}
COPY --from=build /out/app /app
USER {uid}:{uid}
EXPOSE {port}
ENTRYPOINT ["/app"]
"#,
        uid = rt.uid,
        port = rt.port,
    )
}

fn rust(s: &Service, rt: &Runtime, notes: &mut Vec<String>) -> String {
    let version = minor_at_least(s.runtime_version.as_deref(), (1, 95));
    let bin = s.entrypoint.clone().unwrap_or_else(|| {
        notes.push(format!(
            "{}: no binary name found in Cargo.toml; using `app`",
            s.name
        ));
        "app".into()
    });
    format!(
        r#"# Build dependencies once per change of the manifests (with an empty main), then the service.
FROM rust:{version}-slim-bookworm AS build
WORKDIR /src
COPY {manifests} ./
RUN mkdir src && echo 'fn main() {{}}' > src/main.rs && cargo build --release{locked} && rm -rf src
COPY src ./src
RUN touch src/main.rs && cargo build --release{locked}

# Run it from a distroless image (glibc, no shell) as its nonroot user.
FROM {DISTROLESS_CC}
COPY --from=build /src/target/release/{bin} /usr/local/bin/{bin}
USER {uid}:{uid}
EXPOSE {port}
ENTRYPOINT ["/usr/local/bin/{bin}"]
"#,
        uid = rt.uid,
        port = rt.port,
        manifests = if s.lock_file.is_some() {
            "Cargo.toml Cargo.lock"
        } else {
            "Cargo.toml"
        },
        locked = if s.lock_file.is_some() {
            " --locked"
        } else {
            ""
        },
    )
}

fn java(s: &Service, rt: &Runtime) -> String {
    let version = numbers(s.runtime_version.as_deref())
        .first()
        .copied()
        .unwrap_or(21)
        .max(17);
    let (build_image, deps, build) = if s.tool.as_deref() == Some("gradle") {
        (
            format!("gradle:8.14-jdk{version}"),
            "COPY build.gradle* settings.gradle* ./\nRUN gradle --no-daemon dependencies > /dev/null".to_string(),
            "RUN gradle --no-daemon -x test build && find build/libs -name '*.jar' ! -name '*-plain.jar' -exec cp {} /app.jar \\;".to_string(),
        )
    } else {
        (
            format!("maven:3.9-eclipse-temurin-{version}"),
            "COPY pom.xml ./\nRUN mvn -B -q dependency:go-offline".to_string(),
            "RUN mvn -B -q -DskipTests package && cp target/*.jar /app.jar".to_string(),
        )
    };
    format!(
        r#"# Resolve dependencies in their own layer, then package the jar.
FROM {build_image} AS build
WORKDIR /src
{deps}
COPY src ./src
{build}

# Run it on a JRE as an unprivileged user.
FROM eclipse-temurin:{version}-jre-alpine
WORKDIR /app
COPY --from=build /app.jar /app/app.jar
USER {uid}:{uid}
EXPOSE {port}
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/app.jar"]
"#,
        uid = rt.uid,
        port = rt.port,
    )
}

fn unknown(s: &Service) -> String {
    format!(
        r#"# berth could not tell how to build `{name}`: it found none of the build files it knows in
# {path} ({known}).
# Fill in a build stage and a runtime stage (pinned base images, a numeric non-root USER,
# an exec-form CMD), then delete the line that stops the build.
FROM busybox:1.37 AS todo
RUN echo "berth: {dockerfile} must be filled in by hand" >&2 && exit 1
"#,
        name = s.name,
        path = s.path,
        dockerfile = berth_core::plan::in_dir(&s.path, "Dockerfile"),
        known = berth_core::plan::detect::KNOWN_FILES,
    )
}

fn exec_form(args: &[String]) -> String {
    serde_json::to_string(args)
        .unwrap_or_else(|_| "[]".into())
        .replace("\",\"", "\", \"")
}

pub fn dockerignore(req: &DraftRequest, s: &Service) -> String {
    let mut out = header(req, "#");
    out.push_str("\n# Keep the build context small and secrets out of the image.\n.git\n.gitignore\n.berth\nDockerfile\n.dockerignore\n*.md\n.env\n.env.*\n*.pem\n*.key\n");
    if s.path == "." {
        // An app at the project root: the specs and the cluster's manifests are not its code.
        out.push_str("specs\nmanifests\n");
    }
    let extra: &[&str] = match s.stack {
        Stack::Node => &[
            "node_modules",
            "dist",
            "build",
            "coverage",
            ".next",
            "**/*.test.*",
            "**/*.spec.*",
            "test",
            "tests",
            "e2e",
        ],
        Stack::Python => &[
            "__pycache__",
            "*.pyc",
            ".venv",
            "venv",
            ".pytest_cache",
            "tests",
        ],
        Stack::Go => &["bin", "*_test.go"],
        Stack::Rust => &["target", "tests", "benches", "bench"],
        Stack::Java => &[
            "target",
            "build",
            ".gradle",
            ".mvn/wrapper/maven-wrapper.jar",
        ],
        Stack::Bun => &[
            "node_modules",
            "dist",
            "coverage",
            "**/*.test.*",
            "**/*.spec.*",
            "test",
            "tests",
        ],
        Stack::Php => &["vendor", "tests", ".phpunit.cache", "node_modules"],
        Stack::Ruby => &[
            "vendor/bundle",
            ".bundle",
            "log",
            "tmp",
            "spec",
            "test",
            "node_modules",
        ],
        Stack::Dotnet => &["bin", "obj", "**/bin", "**/obj", "*.user", "tests"],
        Stack::Deno => &["node_modules", "coverage", "**/*_test.ts", "**/*.test.ts"],
        Stack::Static => &[],
        Stack::Unknown => &[],
    };
    for e in extra {
        let _ = writeln!(out, "{e}");
    }
    out
}

/// nginx for a static frontend: serves the build, answers /healthz, and proxies /api to the
/// backend URL given at start-up through the environment (the image fills in `${VAR}`).
pub fn nginx_conf(req: &DraftRequest, s: &Service) -> String {
    let rt = Runtime::of(req.plan, s);
    let var = s.backend_url_var();
    format!(
        r#"{header}
server {{
    listen {port};
    server_name _;
    root /usr/share/nginx/html;

    location = /healthz {{
        access_log off;
        default_type text/plain;
        return 200 "ok\n";
    }}

{browser}{api}    location / {{
        try_files $uri $uri/ /index.html;
    }}
}}
"#,
        header = header(req, "#").trim_end(),
        port = rt.port,
        browser = browser_location(s, &rt, &var),
        api = api_location(&rt, &var),
    )
}

/// /api to the backend, when there is one: with none, `${VAR}` would be left unset and nginx
/// would not start.
fn api_location(rt: &Runtime, var: &str) -> String {
    if rt.config_env.is_empty() {
        return String::new();
    }
    format!(
        "    location /api/ {{\n        proxy_pass ${{{var}}};\n        proxy_set_header Host $host;\n        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n        proxy_set_header X-Forwarded-Proto $scheme;\n    }}\n\n"
    )
}

/// What the bundle calls as `${VAR}/...` reaches the backend with the prefix stripped.
fn browser_location(s: &Service, rt: &Runtime, var: &str) -> String {
    match browser_path(s, rt) {
        Some(path) => format!(
            "    location {path}/ {{\n        proxy_pass ${{{var}}}/;\n        proxy_set_header Host $host;\n        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n        proxy_set_header X-Forwarded-Proto $scheme;\n    }}\n\n"
        ),
        None => String::new(),
    }
}
