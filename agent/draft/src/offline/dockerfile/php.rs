//! A PHP service in, its Dockerfile out: Composer installs the locked dependencies (no dev
//! packages) in their own stage, and PHP's built-in server serves the document root as an
//! unprivileged user. One process, no web server to configure; php-fpm behind nginx is the
//! choice for heavy traffic.

use super::{exec_form, minor_or};
use crate::offline::runtime::Runtime;
use berth_core::plan::Service;

const COMPOSER_IMAGE: &str = "composer:2.8";

pub(in crate::offline) fn dockerfile(s: &Service, rt: &Runtime) -> String {
    let php = format!("php:{}-cli", minor_or(s.runtime_version.as_deref(), (8, 4)));
    let cmd = exec_form(&[
        "php".into(),
        "-S".into(),
        format!("0.0.0.0:{}", rt.port),
        "-t".into(),
        document_root(s).into(),
    ]);
    let (deps, copy) = match s.tool.as_deref() {
        Some("composer") => (composer_stage(s), "COPY --from=deps /app ./"),
        _ => (String::new(), "COPY . ."),
    };
    format!(
        r#"{deps}# Serve it with PHP's built-in server as an unprivileged user.
FROM {php}
WORKDIR /app
{copy}
USER {uid}:{uid}
EXPOSE {port}
CMD {cmd}
"#,
        uid = rt.uid,
        port = rt.port,
    )
}

/// The folder the server serves: `public` when the front controller is there, so composer.json
/// and vendor/ are never served.
fn document_root(s: &Service) -> &str {
    s.start_command
        .as_deref()
        .and_then(|c| c.rsplit_once(" -t "))
        .map_or(".", |(_, root)| root.trim())
}

/// Composer's stage: the dependencies from their own layer, then the autoloader over the code.
/// Composer's image carries its own PHP and extensions, so the extensions the runtime image has
/// are not checked here.
fn composer_stage(s: &Service) -> String {
    let locked = s.lock_file.as_deref() == Some("composer.lock");
    let manifests = if locked {
        "composer.json composer.lock"
    } else {
        "composer.json"
    };
    format!(
        r#"# Install the {what} dependencies without dev packages, in their own layer.
FROM {COMPOSER_IMAGE} AS deps
WORKDIR /app
COPY {manifests} ./
RUN composer install --no-dev --no-interaction --no-progress --no-scripts --prefer-dist --no-autoloader --ignore-platform-req='ext-*'
COPY . .
RUN composer dump-autoload --optimize --no-dev --no-interaction

"#,
        what = if locked { "locked" } else { "resolved" },
    )
}
