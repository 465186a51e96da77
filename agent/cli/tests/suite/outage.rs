//! The API server killed while `berth apply` waits on its watches: berth must say so clearly
//! (exit 3, what was applied) within seconds, and a re-run once it is back must converge. The
//! test restarts the control plane's processes exactly as k8s-up.sh started them.

use super::cluster::{SERIAL, app, approve, cluster, fresh_namespace, kubectl, ok, stable};
use super::common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One process of the test cluster, from k8s-up.sh's state folder.
struct Component {
    pidfile: PathBuf,
    log: PathBuf,
    argv: Vec<String>,
}

fn component(kc: &Path, name: &str) -> Component {
    let state = kc.parent().unwrap();
    let pidfile = state.join(format!("pids/{name}.pid"));
    let pid = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .to_string();
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    let argv = cmdline
        .split(|b| *b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect();
    Component {
        pidfile,
        log: state.join(format!("logs/{name}.log")),
        argv,
    }
}

impl Component {
    fn pid(&self) -> String {
        std::fs::read_to_string(&self.pidfile)
            .unwrap()
            .trim()
            .to_string()
    }

    fn kill(&self, signal: &str) {
        let pid = self.pid();
        assert!(
            Command::new("kill")
                .args(["-s", signal, &pid])
                .status()
                .unwrap()
                .success()
        );
        wait_until("the process to exit", Duration::from_secs(60), || {
            !Path::new(&format!("/proc/{pid}")).exists()
        });
    }

    // The process outlives the test on purpose (k8s-down.sh stops it by its pid file).
    #[allow(clippy::zombie_processes)]
    fn start(&self) {
        let log = std::fs::OpenOptions::new()
            .append(true)
            .open(&self.log)
            .unwrap();
        let child = Command::new("setsid")
            .args(&self.argv)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        std::fs::write(&self.pidfile, child.id().to_string()).unwrap();
    }
}

fn wait_until(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn the_api_server_going_away_mid_apply_is_reported_and_a_rerun_converges() {
    let Some(kc) = cluster() else { return };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    fresh_namespace(&kc, "berth-outage");
    let dir = tempfile::tempdir().unwrap();
    // A Deployment that cannot roll out (64 CPUs on a 32-CPU node) keeps berth on its watch.
    approve(dir.path(), &app("berth-outage", "64", 1));
    let home = dir.path().join(".test/.minikube");
    std::fs::create_dir_all(&home).unwrap();
    let child = Command::new(assert_cmd::cargo::cargo_bin("berth"))
        .args(["apply", "--timeout", "120s"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env("KUBECONFIG", &kc)
        .env("MINIKUBE_HOME", &home)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until("the Deployment", Duration::from_secs(30), || {
        kubectl(&kc, &["-n", "berth-outage", "get", "deployment", "web"])
            .status
            .success()
    });
    std::thread::sleep(Duration::from_millis(500));
    let apiserver = component(&kc, "kube-apiserver");
    let others: Vec<Component> = ["kube-controller-manager", "kube-scheduler", "kwok"]
        .iter()
        .map(|n| component(&kc, n))
        .collect();
    // Gone at once, as in a crash (SIGTERM would drain watches for up to a minute first).
    let stopped = Instant::now();
    apiserver.kill("KILL");
    let out = child.wait_with_output().unwrap();
    let took = stopped.elapsed();
    // Back as k8s-up.sh started it; the controllers are restarted too, so that their caches
    // are fresh for the tests that follow.
    apiserver.start();
    wait_until(
        "the API server to be ready",
        Duration::from_secs(90),
        || kubectl(&kc, &["get", "--raw", "/readyz"]).status.success(),
    );
    for c in &others {
        c.kill("TERM");
        c.start();
    }
    let text = stable(&transcript(&out));
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(
        took < Duration::from_secs(30),
        "took {took:?} to notice: {text}"
    );
    insta::assert_snapshot!("outage", text);
    // Fixed and re-run: it converges.
    approve(dir.path(), &app("berth-outage", "10m", 1));
    let out = super::apply::berth_with(dir.path(), &kc, &["apply", "--timeout", "90s"]);
    insta::assert_snapshot!("rerun", ok(&out));
    let out = super::apply::berth_with(dir.path(), &kc, &["diff", "--live", "--exit-code"]);
    ok(&out);
}
