//! The interactive review driven as a person drives it: `berth approve` in a real terminal
//! (tmux), keys sent and the screen read back. Split a file, approve one hunk and skip the
//! other, approve the rest with `a`; the file on disk holds exactly the approved hunk, the
//! record its hash, and validation passes. Skips without tmux unless BERTH_REQUIRE_TOOLS=1.

use super::common::*;
use super::review_hunks::{DEPLOYMENT, recorded_sha, two_hunks};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A tmux server of the test's own (its socket in the project's temp folder).
struct Tmux {
    socket: PathBuf,
}

impl Tmux {
    fn cmd(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap()
    }

    fn send(&self, keys: &str) {
        let out = self.cmd(&["send-keys", "-t", "review", keys, "Enter"]);
        assert!(out.status.success(), "{}", transcript(&out));
    }

    /// The whole screen and its scrollback, lines joined as they were written.
    fn screen(&self) -> String {
        let out = self.cmd(&["capture-pane", "-p", "-J", "-S", "-", "-t", "review"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until `ready` holds of the screen; fails with the screen after 30 s.
    fn wait(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "waited 30 s for {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

/// Starts `berth approve -o json` in a tmux pane in `dir`: the prompt on the screen, the
/// decisions in out.json, the exit status in exit.txt.
fn start(dir: &Path) -> Tmux {
    let berth = assert_cmd::cargo::cargo_bin("berth");
    let script = dir.join(".test-review.sh");
    std::fs::write(
        &script,
        format!(
            "cd '{}'\nNO_COLOR=1 '{}' approve -o json > .test-out.json\necho $? > .test-exit.txt\nsleep 60\n",
            dir.display(),
            berth.display()
        ),
    )
    .unwrap();
    let tmux = Tmux {
        socket: dir.join(".test-tmux.sock"),
    };
    let out = tmux.cmd(&[
        "new-session",
        "-d",
        "-s",
        "review",
        "-x",
        "160",
        "-y",
        "60",
        &format!("sh '{}'", script.display()),
    ]);
    assert!(out.status.success(), "{}", transcript(&out));
    tmux
}

#[test]
fn in_a_terminal_split_take_one_hunk_skip_the_other_and_approve_the_rest() {
    if super::tools::tool("tmux").is_none() {
        return;
    }
    let dir = two_hunks();
    let before = std::fs::read_to_string(dir.path().join(DEPLOYMENT)).unwrap();
    let tmux = start(dir.path());
    let asked = |n: usize| move |s: &str| s.matches("Approve and write it?").count() >= n;
    tmux.wait("the first file's question", asked(1));
    tmux.send("s");
    tmux.wait("the first hunk", |s| s.contains("Approve this hunk [1/2]?"));
    tmux.send("y");
    tmux.wait("the second hunk", |s| {
        s.contains("Approve this hunk [2/2]?")
    });
    tmux.send("n");
    tmux.wait("the second file's question", asked(2));
    tmux.send("a");
    let exit = dir.path().join(".test-exit.txt");
    let start = Instant::now();
    while !exit.exists() && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(100));
    }
    let screen = tmux.screen();
    assert_eq!(
        std::fs::read_to_string(&exit).unwrap_or_default().trim(),
        "1",
        "exit 1: part of a file is still staged; the screen:\n{screen}"
    );
    let trimmed: Vec<&str> = screen.lines().map(str::trim_end).collect();
    insta::assert_snapshot!("tmux_screen", trimmed.join("\n").trim_end());

    let on_disk = std::fs::read_to_string(dir.path().join(DEPLOYMENT)).unwrap();
    assert_eq!(
        on_disk,
        before.replacen("path: /healthz", "path: /health", 1),
        "exactly the approved hunk"
    );
    let sha = berth_core::record::sha256_hex(on_disk.as_bytes());
    assert_eq!(recorded_sha(dir.path(), DEPLOYMENT), sha);
    let valid = berth(dir.path(), &["validate", DEPLOYMENT]);
    assert!(valid.status.success(), "{}", transcript(&valid));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(".test-out.json")).unwrap())
            .unwrap();
    assert_eq!(
        json["decisions"][0]["hunks_approved"],
        serde_json::json!([1])
    );
    assert_eq!(json["decisions"][0]["sha256"], sha.as_str());
    assert_eq!(json["decisions"][1]["decision"], "approved");
}
