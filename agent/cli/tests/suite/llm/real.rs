//! A real model: llama.cpp's OpenAI-compatible server with SmolLM2-135M-Instruct, started by
//! `tests/testenv/llm.sh` (`tests/run --only llm` does it all). Skipped with a message unless
//! BERTH_LLM_URL is set; with BERTH_REQUIRE_LLM=1 a missing server is a failure. A model this
//! small drafts badly: berth must still end with valid files and say how it got them.

use super::*;

#[test]
fn a_small_real_model_ends_with_valid_files_and_says_what_happened() {
    let url = match std::env::var("BERTH_LLM_URL") {
        Ok(u) if !u.trim().is_empty() => u,
        _ => {
            assert!(
                std::env::var("BERTH_REQUIRE_LLM").as_deref() != Ok("1"),
                "BERTH_REQUIRE_LLM=1 but BERTH_LLM_URL is not set: run eval \"$(tests/testenv/llm.sh)\" first"
            );
            eprintln!(
                "skipped: no LLM server (eval \"$(tests/testenv/llm.sh)\" starts one, or run tests/run --only llm)"
            );
            return;
        }
    };
    let model = std::env::var("BERTH_LLM_MODEL").unwrap_or_else(|_| "smollm2-135m".into());
    // Short answers and one repair keep the run to minutes on two cores.
    let dir = sample_app_for(
        &url,
        &model,
        "max_tokens = 768\nmax_repairs = 1\ntimeout = \"300s\"\nretries = 2\n",
    );
    let out = run(
        dir.path(),
        &["draft", "--provider", "openai", "-o", "json"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let llm = &v["llm"];
    eprintln!("{}", serde_json::to_string_pretty(llm).unwrap());
    let artifacts = llm["artifacts"].as_array().unwrap();
    assert_eq!(artifacts.len(), 11);
    assert!(
        llm["requests"].as_u64().unwrap() >= 11,
        "every artifact was asked for"
    );
    for a in artifacts {
        let outcome = a["outcome"].as_str().unwrap();
        assert!(
            ["drafted", "repaired", "fallback"].contains(&outcome),
            "{a}"
        );
        if outcome != "drafted" {
            assert!(
                a["reason"].is_string(),
                "a repair or fallback says why: {a}"
            );
        }
    }
    // What is staged passes validation, whoever wrote it.
    let check = run(dir.path(), &["validate"], &[]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}{}",
        stdout(&check),
        stderr(&check)
    );
    // And the proposals say who wrote each file.
    for p in v["proposals"].as_array().unwrap() {
        let g = p["generator"].as_str().unwrap();
        assert!(g == "offline" || g == format!("openai/{model}"), "{p}");
    }
    // The human summary says what happened.
    let again = run(dir.path(), &["draft", "--provider", "openai"], &[]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    let text = stdout(&again);
    assert!(
        text.contains(&format!("LLM openai/{model} at {url}")),
        "{text}"
    );
    assert!(
        text.contains("0 requests"),
        "nothing changed, nothing asked: {text}"
    );
    eprintln!("{text}");
}
