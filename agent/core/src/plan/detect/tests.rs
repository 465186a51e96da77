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
