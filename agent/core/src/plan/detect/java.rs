//! Java: pom.xml (maven) or build.gradle (gradle) in, Java version, Spring Boot and the jar to
//! run out.

use super::{Detected, SourceTree};
use crate::plan::PlanError;
use regex::Regex;
use std::sync::LazyLock;

static JAVA_VERSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:<java\.version>|<maven\.compiler\.release>|<release>|JavaVersion\.VERSION_|JavaLanguageVersion\.of\()\s*([0-9]+)")
        .unwrap_or_else(|e| panic!("bad built-in pattern: {e}"))
});

pub fn detect(tree: &SourceTree) -> Result<Option<Detected>, PlanError> {
    let (file, tool) = if tree.exists("pom.xml") {
        ("pom.xml", "maven")
    } else if let Some(f) = ["build.gradle.kts", "build.gradle"]
        .into_iter()
        .find(|f| tree.exists(f))
    {
        (f, "gradle")
    } else {
        return Ok(None);
    };
    let text = tree.read(file)?.unwrap_or_default();
    let spring = text.contains("spring-boot");
    let build = match tool {
        "maven" if tree.exists("mvnw") => "./mvnw -B -DskipTests package",
        "maven" => "mvn -B -DskipTests package",
        _ if tree.exists("gradlew") => "./gradlew --no-daemon -x test build",
        _ => "gradle --no-daemon -x test build",
    };
    let jar_dir = if tool == "maven" {
        "target"
    } else {
        "build/libs"
    };
    let entry_files = [
        "src/main/resources/application.properties",
        "src/main/resources/application.yml",
        "src/main/resources/application.yaml",
    ];
    Ok(Some(Detected {
        frameworks: if spring {
            vec!["spring-boot".into()]
        } else {
            vec![]
        },
        tool: Some(tool.into()),
        version: None,
        runtime_version: JAVA_VERSION.captures(&text).map(|c| c[1].to_string()),
        build_command: Some(build.into()),
        start_command: Some("java -jar app.jar".into()),
        web_frontend: false,
        entrypoint: Some(format!("{jar_dir}/*.jar")),
        entry_files: entry_files.map(String::from).to_vec(),
        default_port: spring.then_some((8080, "Spring Boot's default port")),
        evidence: vec![tree.shown(file)],
        ..Detected::default()
    }))
}
