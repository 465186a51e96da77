//! Human text for `berth apply`: one progress line per event, and the result at the end
//! (context, objects applied, images, pruned, rollouts with their diagnosis, roll back, access).

use berth_cluster::apply::diagnose::{ContainerLine, Diagnosis};
use berth_cluster::apply::live::LiveChange;
use berth_cluster::apply::{Action, ApplyResult, Event, Rollout, RolloutResult};
use console::style;

fn action(a: Action, dry_run: bool) -> String {
    let word = match a {
        Action::Created => "created",
        Action::Configured => "configured",
        Action::Unchanged => "unchanged",
        Action::Adopted => "adopted (it existed without berth's label)",
    };
    if dry_run {
        format!("{word} (server dry run)")
    } else {
        word.to_string()
    }
}

pub fn progress(e: &Event) -> String {
    match e {
        Event::Target {
            context,
            server,
            trusted_because,
        } => format!("context {context} ({server}): {trusted_because}"),
        Event::Applied {
            object,
            action: a,
            dry_run,
        } => format!("  {object} {}", action(*a, *dry_run)),
        Event::Pruning { objects, dry_run } => {
            let list: Vec<String> = objects.iter().map(|o| format!("  {o}")).collect();
            format!(
                "{} {} object{} that no approved file holds any more{}:\n{}",
                if *dry_run { "would delete" } else { "deleting" },
                objects.len(),
                if objects.len() == 1 { "" } else { "s" },
                if *dry_run { " (server dry run)" } else { "" },
                list.join("\n")
            )
        }
        Event::SecretGenerated { object, keys } => format!(
            "  {object}: generated {} (random; kept in the cluster only). To use your own: kubectl -n {} create secret generic {} --from-literal={}=... --dry-run=client -o yaml | kubectl apply -f -",
            keys.join(", "),
            object.namespace.as_deref().unwrap_or("default"),
            object.name,
            keys.first().map(String::as_str).unwrap_or("password"),
        ),
        Event::SecretMissing { object, keys } => format!(
            "  {object}: no {} yet, which only you can provide; the containers that read {} start without {}: kubectl -n {} create secret generic {} --from-literal={}=... --dry-run=client -o yaml | kubectl apply -f -",
            keys.join(", "),
            if keys.len() == 1 { "it" } else { "them" },
            if keys.len() == 1 { "it" } else { "them" },
            object.namespace.as_deref().unwrap_or("default"),
            object.name,
            keys.first().map(String::as_str).unwrap_or("KEY"),
        ),
        Event::Pruned { object, dry_run } => {
            format!(
                "  {object} pruned{}",
                if *dry_run { " (server dry run)" } else { "" }
            )
        }
        Event::Rollout { object, rollout } => format!("  {object}: {}", rollout.message()),
        Event::RollingBack { to, objects } => {
            format!("rolling back: re-applying the {objects} objects applied at {to}")
        }
    }
}

fn state(r: &Rollout) -> String {
    match r {
        Rollout::Ready(_) => style("ready").green().to_string(),
        Rollout::Pending(_) => style("pending").yellow().to_string(),
        Rollout::Failed(_) => style("FAILED").red().bold().to_string(),
    }
}

fn container(c: &ContainerLine, out: &mut String) {
    out.push_str(&format!(
        "      container {}: {}, {}, {} restarts\n",
        c.name,
        c.state,
        if c.ready { "ready" } else { "not ready" },
        c.restarts
    ));
    if let Some(t) = &c.last_terminated {
        let message = t
            .message
            .as_ref()
            .map(|m| format!(": {m}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "        last run ended: {} (exit code {}){message}\n",
            t.reason, t.exit_code
        ));
    }
    if !c.logs.is_empty() {
        out.push_str("        its last log lines:\n");
        for line in &c.logs {
            out.push_str(&format!("          | {line}\n"));
        }
    }
    if let Some(h) = &c.hint {
        out.push_str(&format!("        {} {h}\n", style("hint:").cyan()));
    }
}

pub fn diagnosis(d: &Diagnosis, out: &mut String) {
    for p in &d.pods {
        out.push_str(&format!("    pod {}: {}\n", p.name, p.phase));
        for c in &p.conditions {
            out.push_str(&format!("      {c}\n"));
        }
        for c in &p.containers {
            container(c, out);
        }
    }
    if !d.events.is_empty() {
        out.push_str("    recent events:\n");
        let rows: Vec<Vec<String>> = d
            .events
            .iter()
            .map(|e| {
                let count = if e.count > 1 {
                    format!(" (x{})", e.count)
                } else {
                    String::new()
                };
                vec![
                    e.r#type.clone(),
                    e.reason.clone(),
                    e.object.clone(),
                    format!("{}{count}", e.message),
                ]
            })
            .collect();
        out.push_str(&crate::render::table(&rows, "      "));
    }
    for n in &d.notes {
        out.push_str(&format!("    ({n})\n"));
    }
}

fn rollouts(list: &[RolloutResult], out: &mut String) {
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|r| {
            vec![
                r.object.to_string(),
                state(&r.rollout),
                r.rollout.message().to_string(),
            ]
        })
        .collect();
    out.push_str(&crate::render::table(&rows, "  "));
    for r in list.iter().filter(|r| r.diagnosis.is_some()) {
        if let Some(d) = &r.diagnosis
            && (!d.pods.is_empty() || !d.events.is_empty() || !d.notes.is_empty())
        {
            out.push_str(&format!("  {} did not roll out:\n", r.object));
            diagnosis(d, out);
        }
    }
}

fn changes(list: &[LiveChange], out: &mut String) {
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|c| {
            let mut note = action(c.action, true);
            if let Some(n) = &c.note {
                note.push_str(&format!("; {n}"));
            }
            vec![c.object.to_string(), note]
        })
        .collect();
    out.push_str(&crate::render::table(&rows, "  "));
}

pub fn result(r: &ApplyResult) -> String {
    let mut out = format!(
        "context {} ({}): {}\n",
        r.target.context, r.target.server, r.target.trusted_because
    );
    if !r.unvalidated.is_empty() {
        out.push_str(&format!(
            "{} without a clean validation, because of --force:\n",
            style("sending files approved").yellow().bold()
        ));
        let rows: Vec<Vec<String>> = r
            .unvalidated
            .iter()
            .map(|f| vec![f.path.clone(), f.reason.clone()])
            .collect();
        out.push_str(&crate::render::table(&rows, "  "));
    }
    if r.dry_run {
        out.push_str(&format!(
            "server dry run of {} objects for {} (nothing was changed):\n",
            r.changes.len(),
            r.app
        ));
        changes(&r.changes, &mut out);
    } else if !r.applied.is_empty() {
        out.push_str(&format!(
            "applied {} objects for {} (server-side apply, field manager berth):\n",
            r.applied.len(),
            r.app
        ));
        let rows: Vec<Vec<String>> = r
            .applied
            .iter()
            .map(|a| vec![a.object.to_string(), action(a.action, false)])
            .collect();
        out.push_str(&crate::render::table(&rows, "  "));
    }
    if !r.images.is_empty() {
        out.push_str("images built by `berth build`:\n");
        for i in &r.images {
            out.push_str(&format!(
                "  {} container {}: {} -> {}\n",
                i.object, i.container, i.from, i.to
            ));
        }
    }
    if !r.pruned.is_empty() {
        let how = if r.dry_run { "would prune" } else { "pruned" };
        let n = r.pruned.len();
        let objects = if n == 1 { "object" } else { "objects" };
        out.push_str(&format!(
            "{how} {n} {objects} the approved set no longer has:\n"
        ));
        for p in &r.pruned {
            out.push_str(&format!("  {p}\n"));
        }
    }
    if !r.rollouts.is_empty() {
        out.push_str("rollout:\n");
        rollouts(&r.rollouts, &mut out);
    }
    if let Some(b) = &r.rollback {
        if let Some(to) = &b.to {
            out.push_str(&format!(
                "rolled back to the set applied at {to}: {} objects re-applied",
                b.reapplied.len()
            ));
            if b.deleted.is_empty() {
                out.push('\n');
            } else {
                out.push_str(&format!(
                    ", {} created by this apply deleted:\n",
                    b.deleted.len()
                ));
                for d in &b.deleted {
                    out.push_str(&format!("  {d}\n"));
                }
            }
            if !b.rollouts.is_empty() {
                out.push_str("rollout after the roll back:\n");
                rollouts(&b.rollouts, &mut out);
            }
        }
        if let Some(n) = &b.note {
            out.push_str(&format!("{n}\n"));
        }
    } else if r.rollout_failed() {
        out.push_str("not rolled back (--no-rollback): the objects stay as applied\n");
    }
    if !r.verified.is_empty() {
        out.push_str("verified:\n");
        for v in &r.verified {
            let state = if v.ok {
                let n = v.ready;
                style(format!(
                    "{n} ready endpoint{}",
                    if n == 1 { "" } else { "s" }
                ))
                .green()
                .to_string()
            } else {
                style(v.reason.clone().unwrap_or_default())
                    .red()
                    .to_string()
            };
            out.push_str(&format!(
                "  service/{} -n {}: {state}\n",
                v.service, v.namespace
            ));
            for c in &v.http {
                let what = match (c.ok, c.status, &c.note) {
                    (true, _, Some(note)) => note.clone(),
                    (true, Some(code), None) => {
                        style(format!("answered {code}")).green().to_string()
                    }
                    (_, status, note) => style(format!(
                        "FAILED: {}{}",
                        status.map(|c| format!("{c} ")).unwrap_or_default(),
                        note.clone().unwrap_or_default()
                    ))
                    .red()
                    .to_string(),
                };
                out.push_str(&format!("    {} {}: {what}\n", c.kind, c.target));
            }
        }
    }
    if !r.access.is_empty() && !r.rollout_failed() {
        out.push_str("reach it:\n");
        for a in &r.access {
            let how = match (&a.command, &a.url) {
                (Some(c), _) => format!("{c} (NodePort {})", a.node_port),
                (None, Some(u)) => format!("{u} (NodePort {})", a.node_port),
                (None, None) => format!("NodePort {} on any node", a.node_port),
            };
            out.push_str(&format!(
                "  service {} -n {}: {how}\n",
                a.service, a.namespace
            ));
        }
    }
    out
}

/// `berth diff --live`: each changed object's diff (or with `--stat`, one line each), then a
/// count.
pub fn live(list: &[LiveChange], stat: bool) -> String {
    let mut out = String::new();
    let count = |a: Action| list.iter().filter(|c| c.action == a).count();
    if stat {
        changes(list, &mut out);
    } else {
        for c in list.iter().filter(|c| c.action != Action::Unchanged) {
            out.push_str(&super::diff::colorize(&c.diff));
            if let Some(n) = &c.note {
                out.push_str(&format!("# {}: {n}\n", c.object));
            }
        }
    }
    out.push_str(&format!(
        "{} to create, {} to change, {} unchanged\n",
        count(Action::Created),
        count(Action::Configured) + count(Action::Adopted),
        count(Action::Unchanged)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use berth_cluster::apply::diagnose::{EventLine, PodState, Termination};
    use berth_cluster::apply::{Access, Applied, ImageSet, ObjectRef, Rollback, Target};

    fn r(kind: &str, name: &str) -> ObjectRef {
        ObjectRef {
            api_version: if kind == "Deployment" {
                "apps/v1"
            } else {
                "v1"
            }
            .into(),
            kind: kind.into(),
            namespace: Some("shop".into()),
            name: name.into(),
        }
    }

    fn applied(kind: &str, name: &str, action: Action) -> Applied {
        Applied {
            object: r(kind, name),
            path: "manifests/k8s/x.yaml".into(),
            action,
            result: serde_json::Value::Null,
        }
    }

    fn base() -> ApplyResult {
        ApplyResult {
            target: Target {
                context: "minikube".into(),
                server: "https://192.168.49.2:8443".into(),
                trusted_because: "the context is named minikube".into(),
                ..Default::default()
            },
            app: "shop".into(),
            dry_run: false,
            unvalidated: vec![],
            images: vec![],
            applied: vec![
                applied("ConfigMap", "web-config", Action::Unchanged),
                applied("Service", "web", Action::Created),
                applied("Deployment", "web", Action::Configured),
            ],
            changes: vec![],
            pruned: vec![],
            rollouts: vec![],
            rollback: None,
            verified: vec![],
            access: vec![],
        }
    }

    #[test]
    fn a_rollout_that_failed_shows_pods_events_and_the_roll_back() {
        let mut res = base();
        res.images = vec![ImageSet {
            object: r("Deployment", "web"),
            container: "web".into(),
            from: "shop-web:0.1.0".into(),
            to: "shop-web:3f2a9c1d2e4b".into(),
        }];
        let diagnosis = Diagnosis {
            pods: vec![PodState {
                name: "web-7d9c5b-x2x4q".into(),
                phase: "Running".into(),
                conditions: vec!["Ready is False: ContainersNotReady".into()],
                containers: vec![ContainerLine {
                    name: "web".into(),
                    ready: false,
                    restarts: 4,
                    state: "waiting: CrashLoopBackOff (back-off 1m20s restarting failed container)"
                        .into(),
                    ..Default::default()
                }],
            }],
            events: vec![EventLine {
                r#type: "Warning".into(),
                reason: "BackOff".into(),
                object: "pod/web-7d9c5b-x2x4q".into(),
                message: "Back-off restarting failed container web".into(),
                count: 5,
            }],
            notes: vec![],
            nodes: vec![],
        };
        res.rollouts = vec![RolloutResult {
            object: r("Deployment", "web"),
            rollout: Rollout::Failed(
                "not rolled out before the deadline: 0 of 1 updated replicas are available".into(),
            ),
            diagnosis: Some(diagnosis),
        }];
        res.rollback = Some(Rollback {
            to: Some("2026-11-26T12:00:00Z".into()),
            reapplied: vec![r("ConfigMap", "web-config"), r("Deployment", "web")],
            deleted: vec![r("Service", "web")],
            rollouts: vec![RolloutResult {
                object: r("Deployment", "web"),
                rollout: Rollout::Ready("1 of 1 replicas available".into()),
                diagnosis: None,
            }],
            note: None,
        });
        insta::assert_snapshot!(result(&res));
    }

    fn failed(pod: &str, container: ContainerLine, event: (&str, &str)) -> RolloutResult {
        let workload = pod.rsplit_once('-').map_or(pod, |(w, _)| w);
        RolloutResult {
            object: r("Deployment", workload),
            rollout: Rollout::Failed(
                "not rolled out before the deadline: 0 of 1 updated replicas are available".into(),
            ),
            diagnosis: Some(Diagnosis {
                pods: vec![PodState {
                    name: pod.into(),
                    phase: "Running".into(),
                    conditions: vec!["Ready is False: ContainersNotReady".into()],
                    containers: vec![container],
                }],
                events: vec![EventLine {
                    r#type: "Warning".into(),
                    reason: event.0.into(),
                    object: format!("pod/{pod}"),
                    message: event.1.into(),
                    count: 3,
                }],
                notes: vec![],
                nodes: vec![],
            }),
        }
    }

    /// What a person sees for each real failure: how the last run ended, its last log lines,
    /// and the hint.
    #[test]
    fn real_failures_show_how_the_container_ended_its_log_and_a_hint() {
        let crash = ContainerLine {
            name: "httpd".into(),
            restarts: 2,
            state: "waiting: CrashLoopBackOff (back-off 20s restarting failed container=httpd)".into(),
            last_terminated: Some(Termination {
                reason: "Error".into(),
                exit_code: 3,
                message: None,
            }),
            logs: vec!["starting".into(), "fatal: config missing".into()],
            hint: Some("it keeps exiting with code 3, and the kubelet restarts it after a growing back-off (CrashLoopBackOff): its log says why (all of it: `kubectl logs -n shop crash-1 -c httpd --previous`)".into()),
            ..Default::default()
        };
        let probe = ContainerLine {
            name: "httpd".into(),
            state: "running".into(),
            hint: Some("it runs, but its readiness probe (GET :9999/index.html) fails: the Unhealthy events say what came back; check the probe's port and path against what the app serves".into()),
            ..Default::default()
        };
        let image = ContainerLine {
            name: "httpd".into(),
            state: "waiting: ErrImageNeverPull (Container image \"shop-web:2\" is not present with pull policy of Never)".into(),
            hint: Some("the image shop-web:2 is not in the cluster's container runtime, and imagePullPolicy Never means it is never pulled: build and load it with `berth build` (it runs `docker save shop-web:2 | ctr -n k8s.io images import -`, from BERTH_IMAGE_LOAD)".into()),
            ..Default::default()
        };
        let oom = ContainerLine {
            name: "httpd".into(),
            restarts: 1,
            state: "waiting: CrashLoopBackOff (back-off 10s restarting failed container=httpd)".into(),
            last_terminated: Some(Termination {
                reason: "OOMKilled".into(),
                exit_code: 137,
                message: None,
            }),
            hint: Some("it needed more memory than its limit of 16Mi and was killed: raise resources.limits.memory, or make it use less".into()),
            ..Default::default()
        };
        let mut res = base();
        res.rollouts = vec![
            failed(
                "crash-1",
                crash,
                (
                    "BackOff",
                    "Back-off restarting failed container httpd in pod crash-1_shop(0f1e)",
                ),
            ),
            failed(
                "probe-1",
                probe,
                (
                    "Unhealthy",
                    "Readiness probe failed: Get \"http://10.244.0.7:9999/index.html\": dial tcp 10.244.0.7:9999: connect: connection refused",
                ),
            ),
            failed(
                "image-1",
                image,
                (
                    "ErrImageNeverPull",
                    "Container image \"shop-web:2\" is not present with pull policy of Never",
                ),
            ),
            failed(
                "oom-1",
                oom,
                (
                    "BackOff",
                    "Back-off restarting failed container httpd in pod oom-1_shop(9a8b)",
                ),
            ),
        ];
        let text = result(&res);
        insta::assert_snapshot!(&text[text.find("rollout:").unwrap()..]);
    }

    #[test]
    fn a_good_apply_says_how_to_reach_the_app() {
        let mut res = base();
        res.pruned = vec![r("ConfigMap", "old")];
        res.rollouts = vec![RolloutResult {
            object: r("Deployment", "web"),
            rollout: Rollout::Ready("2 of 2 replicas available".into()),
            diagnosis: None,
        }];
        res.access = vec![Access {
            service: "web".into(),
            namespace: "shop".into(),
            node_port: 30080,
            url: Some("http://192.168.49.2:30080".into()),
            command: Some("minikube service web -n shop --url".into()),
        }];
        let progress: Vec<String> = [
            Event::Applied {
                object: r("Service", "web"),
                action: Action::Created,
                dry_run: false,
            },
            Event::Rollout {
                object: r("Deployment", "web"),
                rollout: Rollout::Pending("1 out of 2 new replicas have been updated".into()),
            },
            Event::RollingBack {
                to: "2026-11-26T12:00:00Z".into(),
                objects: 3,
            },
        ]
        .iter()
        .map(progress)
        .collect();
        insta::assert_snapshot!(format!(
            "{}\n--- progress\n{}",
            result(&res),
            progress.join("\n")
        ));
        res.target.minikube_profile = None;
        res.access[0].command = None;
        assert!(
            result(&res)
                .contains("service web -n shop: http://192.168.49.2:30080 (NodePort 30080)")
        );
    }
}
