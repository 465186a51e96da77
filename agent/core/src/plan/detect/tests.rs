use super::*;
use crate::plan::model::Stack;

fn service(files: &[(&str, &str)]) -> (Service, Vec<Warning>) {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("services/svc");
    for (name, text) in files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let mut warnings = vec![];
    let s = detect(&dir, root.path(), &mut warnings).unwrap();
    (s, warnings)
}

#[test]
fn node_vite_react_frontend_with_its_own_server() {
    let (s, w) = service(&[
        (
            "package.json",
            r#"{"scripts":{"build":"vite build","start":"node server.mjs"},"dependencies":{"react":"19"},"devDependencies":{"vite":"8"},"engines":{"node":">=20"}}"#,
        ),
        (
            "server.mjs",
            "const x = 1;\nconst DEFAULT_PORT = 3000;\nconst backend = process.env.BACKEND_URL;\nif (url === '/healthz') {}\n",
        ),
        ("src/App.test.tsx", "fetch('http://localhost:9999')"),
    ]);
    assert_eq!(s.stack, Stack::Node);
    assert_eq!(s.frameworks, vec!["react", "vite"]);
    assert!(s.web_frontend);
    assert_eq!(s.build_command.as_deref(), Some("npm run build"));
    assert_eq!(s.start_command.as_deref(), Some("npm start"));
    assert_eq!(s.entrypoint.as_deref(), Some("server.mjs"));
    let port = s.port.unwrap();
    assert_eq!(
        (port.number, port.evidence.source.as_str()),
        (3000, "services/svc/server.mjs:2")
    );
    assert_eq!(s.env, vec!["BACKEND_URL"]);
    assert_eq!(s.health.liveness.as_deref(), Some("/healthz"));
    assert_eq!(s.runtime_version.as_deref(), Some(">=20"));
    assert!(w.is_empty(), "{w:?}");
}

#[test]
fn python_fastapi_port_from_uvicorn_call() {
    let (s, _) = service(&[
        ("requirements.txt", "fastapi==0.115\nuvicorn\n"),
        (
            "app/main.py",
            "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/health')\ndef h(): pass\nimport os\nuvicorn.run(app, host='0.0.0.0', port=int(os.getenv('PORT', '8001')))\n",
        ),
    ]);
    assert_eq!(s.stack, Stack::Python);
    assert_eq!(s.frameworks, vec!["fastapi"]);
    assert_eq!(
        s.start_command.as_deref(),
        Some("uvicorn app.main:app --host 0.0.0.0")
    );
    assert_eq!(s.port.unwrap().number, 8001);
    assert_eq!(s.env, vec!["PORT"]);
    assert_eq!(s.health.readiness.as_deref(), Some("/health"));
}

#[test]
fn go_service_in_cmd_folder() {
    let (s, _) = service(&[
        (
            "go.mod",
            "module example.com/api\n\ngo 1.26\n\nrequire github.com/go-chi/chi/v5 v5.2.0\n",
        ),
        (
            "cmd/api/main.go",
            "package main\nfunc main() { http.ListenAndServe(\":9090\", nil) }\n",
        ),
    ]);
    assert_eq!(s.stack, Stack::Go);
    assert_eq!(s.frameworks, vec!["chi"]);
    assert_eq!(s.entrypoint.as_deref(), Some("./cmd/api"));
    assert_eq!(s.runtime_version.as_deref(), Some("1.26"));
    assert_eq!(
        s.port.unwrap().evidence.source,
        "services/svc/cmd/api/main.go:2"
    );
}

#[test]
fn rust_axum_binary_and_port() {
    let (s, _) = service(&[
        (
            "Cargo.toml",
            "[package]\nname = \"ledger\"\nversion = \"0.1.0\"\nrust-version = \"1.95\"\n\n[dependencies]\naxum = \"0.8\"\n",
        ),
        (
            "src/main.rs",
            "fn main() {\n    let port = std::env::var(\"PORT\").ok().and_then(|p| p.parse().ok()).unwrap_or(8080);\n}\n",
        ),
        (
            "src/config.rs",
            "pub fn x() {}\n#[cfg(test)]\nmod tests { const T: &str = \"localhost:80\"; }\n",
        ),
    ]);
    assert_eq!(s.stack, Stack::Rust);
    assert_eq!(s.frameworks, vec!["axum"]);
    assert_eq!(s.entrypoint.as_deref(), Some("ledger"));
    assert_eq!(s.runtime_version.as_deref(), Some("1.95"));
    assert_eq!(s.port.unwrap().number, 8080);
}

#[test]
fn typed_default_port_constant() {
    let (s, _) = service(&[
        ("Cargo.toml", "[package]\nname = \"api\"\n"),
        (
            "src/main.rs",
            "/// Port.\nconst DEFAULT_PORT: u16 = 8080;\n",
        ),
    ]);
    assert_eq!(
        s.port.unwrap().evidence.source,
        "services/svc/src/main.rs:2"
    );
}

#[test]
fn java_spring_maven_port_from_properties() {
    let (s, _) = service(&[
        (
            "pom.xml",
            "<project><properties><java.version>21</java.version></properties><parent><artifactId>spring-boot-starter-parent</artifactId></parent></project>",
        ),
        (
            "src/main/resources/application.properties",
            "spring.application.name=billing\nserver.port=8085\n",
        ),
    ]);
    assert_eq!(s.stack, Stack::Java);
    assert_eq!(s.tool.as_deref(), Some("maven"));
    assert_eq!(s.frameworks, vec!["spring-boot"]);
    assert_eq!(s.runtime_version.as_deref(), Some("21"));
    let port = s.port.unwrap();
    assert_eq!(
        (port.number, port.evidence.source.as_str()),
        (
            8085,
            "services/svc/src/main/resources/application.properties:2"
        )
    );
}

#[test]
fn java_with_the_jdk_http_server_takes_its_port_from_the_socket_address() {
    let (s, _) = service(&[
        ("pom.xml", "<project><artifactId>api</artifactId></project>"),
        (
            "src/main/java/example/App.java",
            "class App {\n  void run() throws Exception {\n    var s = HttpServer.create(new InetSocketAddress(8089), 0);\n  }\n}\n",
        ),
    ]);
    let port = s.port.unwrap();
    assert_eq!(
        (port.number, port.evidence.source.as_str()),
        (8089, "services/svc/src/main/java/example/App.java:3")
    );
}

#[test]
fn spring_without_a_port_uses_its_default_and_says_so() {
    let (s, _) = service(&[(
        "build.gradle.kts",
        "plugins { id(\"org.springframework.boot\") }\ndependencies { implementation(\"org.springframework.boot:spring-boot-starter-web\") }\n",
    )]);
    assert_eq!(s.tool.as_deref(), Some("gradle"));
    let port = s.port.unwrap();
    assert_eq!(
        (port.number, port.evidence.source.as_str()),
        (8080, "Spring Boot's default port")
    );
}

#[test]
fn unknown_stack_is_said_plainly() {
    let (s, w) = service(&[("run.sh", "#!/bin/sh\nexec ./thing\n")]);
    assert_eq!(s.stack, Stack::Unknown);
    assert!(s.port.is_none());
    assert_eq!(w.len(), 1);
    assert!(w[0].message.contains("unknown stack"), "{}", w[0].message);
}

#[test]
fn malformed_package_json_names_file_and_line() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("services/web");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("package.json"),
        "{\n  \"name\": \"web\",\n  oops\n}\n",
    )
    .unwrap();
    let err = detect(&dir, root.path(), &mut vec![]).unwrap_err();
    assert!(
        err.to_string().starts_with("services/web/package.json:3: "),
        "{err}"
    );
}

#[test]
fn a_backend_without_a_port_gets_a_warning() {
    let (s, w) = service(&[
        ("go.mod", "module x\n"),
        ("main.go", "package main\nfunc main() {}\n"),
    ]);
    assert!(s.port.is_none());
    assert!(
        w.iter().any(|w| w.message.contains("no listening port")),
        "{w:?}"
    );
}

#[test]
fn dependency_folders_are_not_read() {
    let (s, _) = service(&[
        (
            "package.json",
            r#"{"dependencies":{"express":"5"},"scripts":{"start":"node index.js"}}"#,
        ),
        ("index.js", "app.listen(process.env.PORT || 4000)\n"),
        (
            "node_modules/x/index.js",
            "const DEFAULT_PORT = 1234; process.env.SECRET_THING",
        ),
    ]);
    assert_eq!(s.port.unwrap().number, 4000);
    assert_eq!(s.env, vec!["PORT"]);
    assert!(!s.web_frontend);
}

/// The port and what it was read from, for the stacks whose detection tests read both.
fn port_of(s: &Service) -> (u16, &str) {
    let p = s.port.as_ref().unwrap();
    (p.number, p.evidence.source.as_str())
}

fn evidence(s: &Service) -> Vec<&str> {
    s.evidence.iter().map(|e| e.source.as_str()).collect()
}

#[test]
fn a_plain_static_site_is_served_as_it_is_on_nginxs_port() {
    let (s, w) = service(&[
        ("index.html", "<!doctype html><p>hi</p>\n"),
        ("app.js", "fetch('http://localhost:3000/x')\n"),
    ]);
    assert_eq!(s.stack, Stack::Static);
    assert!(s.web_frontend && s.is_static_site());
    // A number in its scripts is not where nginx listens.
    assert_eq!(
        port_of(&s),
        (8080, "the port berth's nginx serves static files on")
    );
    assert_eq!(evidence(&s), ["services/svc/index.html"]);
    assert!(w.is_empty(), "{w:?}");
}

#[test]
fn a_site_with_a_package_json_is_nodes_not_static() {
    let (s, _) = service(&[
        ("index.html", "<div id=app></div>"),
        ("package.json", r#"{"devDependencies":{"vite":"8"}}"#),
    ]);
    assert_eq!(s.stack, Stack::Node);
}

#[test]
fn php_with_composer_serves_public_and_reads_its_port_and_health() {
    let (s, w) = service(&[
        (
            "composer.json",
            r#"{"require":{"php":"^8.3","slim/slim":"4.14"}}"#,
        ),
        ("composer.lock", "{}"),
        (
            "public/index.php",
            "<?php\n$port = getenv('PORT') ?: 8081;\nif ($path === '/healthz') { echo 'ok'; }\n",
        ),
    ]);
    assert_eq!(s.stack, Stack::Php);
    assert_eq!(s.frameworks, ["slim"]);
    assert_eq!(s.tool.as_deref(), Some("composer"));
    assert_eq!(s.lock_file.as_deref(), Some("composer.lock"));
    assert_eq!(s.runtime_version.as_deref(), Some("^8.3"));
    assert_eq!(
        s.start_command.as_deref(),
        Some("php -S 0.0.0.0:8080 -t public")
    );
    assert_eq!(port_of(&s), (8081, "services/svc/public/index.php:2"));
    assert_eq!(s.health.liveness.as_deref(), Some("/healthz"));
    assert_eq!(s.env, ["PORT"]);
    assert_eq!(
        evidence(&s),
        [
            "services/svc/composer.json",
            "services/svc/public/index.php"
        ]
    );
    assert!(w.is_empty(), "{w:?}");
}

#[test]
fn a_bare_index_php_is_php_served_from_its_folder() {
    let (s, _) = service(&[("index.php", "<?php echo 'hi';\n")]);
    assert_eq!(s.stack, Stack::Php);
    assert_eq!(s.tool, None);
    assert_eq!(s.start_command.as_deref(), Some("php -S 0.0.0.0:8080 -t ."));
    assert_eq!(
        port_of(&s),
        (8080, "the port berth's PHP server listens on")
    );
}

#[test]
fn ruby_rack_with_puma_and_its_lock() {
    let (s, w) = service(&[
        (
            "Gemfile",
            "source \"https://example.invalid\"\ngem \"rack\"\ngem \"puma\"\n",
        ),
        ("Gemfile.lock", "GEM\n  specs:\n    puma (6.6.0)\n"),
        (".ruby-version", "ruby-3.3.6\n"),
        (
            "config.ru",
            "port = ENV.fetch(\"PORT\", 9393)\nrun ->(env) { env[\"PATH_INFO\"] == \"/healthz\" ? [200, {}, [\"ok\"]] : [404, {}, []] }\n",
        ),
    ]);
    assert_eq!(s.stack, Stack::Ruby);
    assert_eq!(s.frameworks, ["rack"]);
    assert_eq!(s.tool.as_deref(), Some("bundler"));
    assert_eq!(s.lock_file.as_deref(), Some("Gemfile.lock"));
    assert_eq!(s.runtime_version.as_deref(), Some("3.3.6"));
    assert_eq!(
        s.start_command.as_deref(),
        Some("bundle exec puma config.ru")
    );
    assert_eq!(port_of(&s), (9393, "services/svc/config.ru:1"));
    assert_eq!(s.health.liveness.as_deref(), Some("/healthz"));
    assert_eq!(s.env, ["PORT"]);
    assert_eq!(
        evidence(&s),
        ["services/svc/Gemfile", "services/svc/config.ru"]
    );
    assert!(w.is_empty(), "{w:?}");
}

#[test]
fn rails_runs_rails_server_and_needs_its_signing_key() {
    let (s, _) = service(&[
        ("Gemfile", "gem 'rails', '~> 8.0'\nruby '3.4.1'\n"),
        ("config/application.rb", "module App; end\n"),
        ("config.ru", "run Rails.application\n"),
        ("package.json", "{}"),
    ]);
    assert_eq!(s.stack, Stack::Ruby);
    assert_eq!(s.frameworks, ["rails"]);
    assert_eq!(s.runtime_version.as_deref(), Some("3.4.1"));
    assert_eq!(
        s.start_command.as_deref(),
        Some("bundle exec rails server -b 0.0.0.0")
    );
    assert_eq!(port_of(&s), (3000, "rails server's default port"));
    assert!(
        s.env.contains(&"SECRET_KEY_BASE".to_string()),
        "{:?}",
        s.env
    );
}

#[test]
fn sinatra_reads_set_port() {
    let (s, _) = service(&[
        ("Gemfile", "gem \"sinatra\"\n"),
        (
            "app.rb",
            "require 'sinatra'\nset :port, 4568\nget('/health') { 'ok' }\n",
        ),
    ]);
    assert_eq!(s.frameworks, ["sinatra"]);
    assert_eq!(s.start_command.as_deref(), Some("bundle exec ruby app.rb"));
    assert_eq!(port_of(&s), (4568, "services/svc/app.rb:2"));
    assert_eq!(s.health.readiness.as_deref(), Some("/health"));
}

#[test]
fn bun_by_its_lock_file_with_node_s_facts() {
    let (s, w) = service(&[
        (
            "package.json",
            r#"{"name":"api","version":"1.2.0","scripts":{"start":"bun run src/index.ts"},"dependencies":{"hono":"4"}}"#,
        ),
        ("bun.lock", "{}"),
        (
            "src/index.ts",
            "// api\nconst port = Number(Bun.env.PORT ?? 3001);\nif (path === \"/healthz\") {}\n",
        ),
    ]);
    assert_eq!(s.stack, Stack::Bun);
    assert_eq!(s.tool.as_deref(), Some("bun"));
    assert_eq!(s.lock_file.as_deref(), Some("bun.lock"));
    assert_eq!(s.entrypoint.as_deref(), Some("src/index.ts"));
    assert_eq!(s.start_command.as_deref(), Some("bun run start"));
    assert_eq!(port_of(&s), (3001, "services/svc/src/index.ts:2"));
    assert_eq!(s.health.liveness.as_deref(), Some("/healthz"));
    assert_eq!(s.env, ["PORT"]);
    assert_eq!(
        evidence(&s),
        ["services/svc/package.json", "services/svc/bun.lock"]
    );
    assert!(w.is_empty(), "{w:?}");
}

#[test]
fn bun_by_its_package_manager_field_names_the_line() {
    let (s, _) = service(&[(
        "package.json",
        "{\n  \"name\": \"api\",\n  \"packageManager\": \"bun@1.4.5\",\n  \"module\": \"index.ts\"\n}\n",
    )]);
    assert_eq!(s.stack, Stack::Bun);
    assert_eq!(s.runtime_version.as_deref(), Some("1.4.5"));
    assert_eq!(s.entrypoint.as_deref(), Some("index.ts"));
    assert_eq!(port_of(&s), (3000, "Bun.serve's default port"));
    assert_eq!(evidence(&s)[1], "services/svc/package.json:3");
}

#[test]
fn deno_takes_the_start_tasks_file_and_its_port() {
    let (s, w) = service(&[
        (
            "deno.jsonc",
            "{\n  // the server\n  \"tasks\": { \"start\": \"deno run --allow-net src/server.ts\" },\n  \"imports\": { \"hono\": \"jsr:@hono/hono@4\" }\n}\n",
        ),
        ("deno.lock", "{\"version\": \"5\"}"),
        (
            "src/server.ts",
            "Deno.serve({ port: 8002 }, (req) => new URL(req.url).pathname === \"/healthz\" ? new Response(\"ok\") : new Response(null, { status: 404 }));\nconst x = Deno.env.get(\"GREETING\");\n",
        ),
    ]);
    assert_eq!(s.stack, Stack::Deno);
    assert_eq!(s.frameworks, ["hono"]);
    assert_eq!(s.entrypoint.as_deref(), Some("src/server.ts"));
    assert_eq!(s.build_command.as_deref(), Some("deno cache src/server.ts"));
    assert_eq!(s.lock_file.as_deref(), Some("deno.lock"));
    assert_eq!(port_of(&s), (8002, "services/svc/src/server.ts:1"));
    assert_eq!(s.health.liveness.as_deref(), Some("/healthz"));
    assert_eq!(s.env, ["GREETING"]);
    assert_eq!(
        evidence(&s),
        ["services/svc/deno.jsonc", "services/svc/deno.lock"]
    );
    assert!(w.is_empty(), "{w:?}");
}

#[test]
fn dotnet_publishes_the_web_project_of_a_solution() {
    let (s, w) = service(&[
        ("App.sln", "Microsoft Visual Studio Solution File\n"),
        (
            "src/Api/Api.csproj",
            "<Project Sdk=\"Microsoft.NET.Sdk.Web\"><PropertyGroup><TargetFramework>net9.0</TargetFramework><AssemblyName>Shop.Api</AssemblyName></PropertyGroup></Project>",
        ),
        (
            "src/Lib/Lib.csproj",
            "<Project Sdk=\"Microsoft.NET.Sdk\"></Project>",
        ),
        (
            "src/Api/Program.cs",
            "var app = WebApplication.Create(args);\napp.MapGet(\"/healthz\", () => \"ok\");\nvar k = Environment.GetEnvironmentVariable(\"GREETING\");\napp.Run();\n",
        ),
        ("src/Api/obj/project.assets.json", "{}"),
    ]);
    assert_eq!(s.stack, Stack::Dotnet);
    assert_eq!(s.frameworks, ["aspnetcore"]);
    assert_eq!(s.runtime_version.as_deref(), Some("9.0"));
    assert_eq!(s.entrypoint.as_deref(), Some("src/Api/Api.csproj"));
    assert_eq!(s.start_command.as_deref(), Some("dotnet Shop.Api.dll"));
    assert_eq!(
        port_of(&s),
        (
            8080,
            "ASPNETCORE_HTTP_PORTS of the aspnet image berth drafts"
        )
    );
    assert_eq!(s.health.liveness.as_deref(), Some("/healthz"));
    assert_eq!(s.env, ["GREETING"]);
    assert_eq!(
        evidence(&s),
        ["services/svc/src/Api/Api.csproj", "services/svc/App.sln"]
    );
    assert!(w.is_empty(), "{w:?}");
}

#[test]
fn the_unknown_stack_warning_names_every_build_file_berth_knows() {
    let (_, w) = service(&[("Makefile", "all:\n")]);
    for f in [
        "composer.json",
        "Gemfile",
        "*.csproj",
        "deno.json",
        "index.html",
    ] {
        assert!(w[0].message.contains(f), "{}", w[0].message);
    }
}
