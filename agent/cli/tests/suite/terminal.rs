//! Human output in a real terminal (tmux, 80 columns): `berth plan` on a project with long
//! task lines wraps every line to the terminal's width and loses no word of what a pipe gets,
//! each task's file:line included. Skips without tmux unless BERTH_REQUIRE_TOOLS=1.

use super::common::*;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const COLUMNS: usize = 80;

/// `berth plan --no-write` run in a detached tmux pane `COLUMNS` wide; the screen with its
/// scrollback, lines the terminal itself wrapped joined again (so an overlong line shows).
fn on_a_terminal(dir: &Path) -> String {
    let berth = assert_cmd::cargo::cargo_bin("berth");
    let socket = dir.join(".test-tmux.sock");
    std::fs::write(
        dir.join(".test-plan.sh"),
        format!(
            "cd '{}'\nNO_COLOR=1 '{}' plan --no-write\necho \"exit $?\" > .test-exit.txt\nsleep 60\n",
            dir.display(),
            berth.display()
        ),
    )
    .unwrap();
    let tmux = |args: &[&str]| {
        Command::new("tmux")
            .arg("-S")
            .arg(&socket)
            .args(args)
            .output()
            .unwrap()
    };
    let script = format!("sh '{}'", dir.join(".test-plan.sh").display());
    let (x, y) = (COLUMNS.to_string(), "50".to_string());
    let started = tmux(&[
        "new-session",
        "-d",
        "-s",
        "plan",
        "-x",
        &x,
        "-y",
        &y,
        &script,
    ]);
    assert!(started.status.success(), "{}", transcript(&started));
    tmux(&["set-option", "-t", "plan", "history-limit", "5000"]);
    let start = Instant::now();
    while !dir.join(".test-exit.txt").exists() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "berth plan did not end"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let screen = tmux(&["capture-pane", "-p", "-J", "-S", "-", "-t", "plan"]);
    tmux(&["kill-server"]);
    assert_eq!(
        std::fs::read_to_string(dir.join(".test-exit.txt"))
            .unwrap()
            .trim(),
        "exit 0"
    );
    String::from_utf8_lossy(&screen.stdout)
        .trim_end()
        .to_string()
}

/// Every character but spaces, sorted: a table's wrapped cells interleave, but nothing may
/// be lost or added.
fn letters(text: &str) -> Vec<char> {
    let mut c: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    c.sort_unstable();
    c
}

#[test]
fn plan_output_wraps_to_the_terminal_and_keeps_every_word() {
    if super::tools::tool("tmux").is_none() {
        return;
    }
    let dir = fixture("layouts/fullstack");
    let piped = berth(dir.path(), &["plan", "--no-write"]);
    let piped = String::from_utf8_lossy(&piped.stdout).into_owned();
    assert!(
        piped
            .lines()
            .any(|l| console::measure_text_width(l) > COLUMNS + 40),
        "piped output keeps whole lines:\n{piped}"
    );
    let screen = on_a_terminal(dir.path());
    let wide: Vec<&str> = screen
        .lines()
        .filter(|l| console::measure_text_width(l.trim_end()) > COLUMNS)
        .collect();
    assert!(
        wide.is_empty(),
        "lines wider than {COLUMNS}: {wide:#?}\n{screen}"
    );
    assert_eq!(
        letters(&screen),
        letters(&piped),
        "what a pipe gets, no more, no less"
    );
    assert!(screen.contains("specs/001-notes/tasks.md:29"), "{screen}");
    let trimmed: Vec<&str> = screen.lines().map(str::trim_end).collect();
    insta::assert_snapshot!("plan_at_80_columns", trimmed.join("\n"));
}
