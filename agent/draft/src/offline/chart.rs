//! A plan in, a Helm chart out (Chart.yaml, values.yaml, values.schema.json, helpers, one
//! template per object, NOTES.txt). With the release named after the app, it renders the same
//! objects as the plain manifests, save the Namespace (Helm makes it with --create-namespace)
//! and the labels Helm owns (`helm.sh/chart`, `app.kubernetes.io/managed-by`).

use super::header;
use super::runtime::{Runtime, backend};
use super::values::ChartValues;
use crate::{DraftError, DraftRequest, ProposedFile};
use berth_core::plan::Service;
use std::fmt::Write;

pub fn chart(req: &DraftRequest) -> Result<Vec<ProposedFile>, DraftError> {
    let plan = req.plan;
    let app = &plan.app;
    let dir = &req.artifact.path;
    let file = |name: &str, contents: String| ProposedFile {
        path: format!("{dir}/{name}"),
        contents,
        notes: vec![],
        generator: None,
    };
    let values = ChartValues::of(plan);
    let version = plan
        .services
        .iter()
        .find_map(|s| s.version.clone())
        .unwrap_or_else(|| "0.1.0".into());
    let err = |e: String| DraftError::Unsupported {
        artifact: req.artifact.id.clone(),
        message: e,
    };

    let mut files = vec![
        file(
            "Chart.yaml",
            format!(
                "{}apiVersion: v2\nname: {app}\ndescription: {desc}\ntype: application\nversion: 0.1.0\nappVersion: \"{version}\"\n",
                header(req, "#"),
                desc = serde_json::to_string(&format!(
                    "{} on Kubernetes, drafted by berth",
                    plan.title.as_deref().map(short_title).unwrap_or(app)
                ))
                .unwrap_or_default(),
            ),
        ),
        file(
            "values.yaml",
            format!(
                "{}{}",
                header(req, "#"),
                serde_saphyr::to_string(&values).map_err(|e| err(e.to_string()))?
            ),
        ),
        file(
            "values.schema.json",
            serde_json::to_string_pretty(&values.schema(&one_line(&header(req, ""))))
                .map_err(|e| err(e.to_string()))?
                + "\n",
        ),
        file(
            ".helmignore",
            format!("{}.git/\n.berth/\n*.tmp\n*.orig\n", header(req, "#")),
        ),
        file("templates/_helpers.tpl", helpers(req)),
        file("templates/NOTES.txt", notes(req)),
    ];
    for s in &plan.services {
        files.push(file(
            &format!("templates/{}-deployment.yaml", s.name),
            deployment(req, s),
        ));
        files.push(file(
            &format!("templates/{}-service.yaml", s.name),
            service(req, s),
        ));
        if s.web_frontend && backend(plan).is_some() {
            files.push(file(
                &format!("templates/{}-configmap.yaml", s.name),
                config_map(req, s),
            ));
        }
        if !s.secrets.is_empty() {
            files.push(file(
                &format!("templates/{}-secret.yaml", s.name),
                service_secret(req, s),
            ));
        }
    }
    for d in &plan.dependencies {
        let objects = [
            ("statefulset", super::depend::statefulset_object(plan, d)),
            ("service", super::depend::service_object(plan, d)),
        ];
        for (kind, object) in objects {
            files.push(file(
                &format!("templates/{}-{kind}.yaml", d.name),
                super::depend::annotate(d, &dependency_template(req, &object).map_err(err)?),
            ));
        }
        if d.kind.has_credentials() {
            files.push(file(
                &format!("templates/{}-secret.yaml", d.name),
                dependency_secret(req, d),
            ));
        }
    }
    Ok(files)
}

/// A dependency's object as a template: the drafted object, in the release's namespace.
fn dependency_template(req: &DraftRequest, object: &serde_json::Value) -> Result<String, String> {
    let mut object = object.clone();
    object["metadata"]["namespace"] = "NAMESPACE".into();
    let yaml = serde_saphyr::to_string(&object).map_err(|e| e.to_string())?;
    // A cluster name it gives out (Kafka's advertised listener) is the release's namespace's.
    let cluster_name = format!(".{}.svc.cluster.local", req.plan.app);
    Ok(format!(
        "{}{}",
        tpl_header(req),
        yaml.replace(
            "namespace: NAMESPACE",
            "namespace: {{ .Release.Namespace }}"
        )
        .replace(&cluster_name, ".{{ .Release.Namespace }}.svc.cluster.local")
    ))
}

/// A service's Secret: every value the release's Secret already has is kept (the ones a person
/// provided with kubectl, and those generated before); the app's own signing keys are generated
/// when missing. No value is written into the chart.
fn service_secret(req: &DraftRequest, s: &berth_core::plan::Service) -> String {
    let name = berth_core::plan::secret_name(&s.name);
    let generate: Vec<String> = s
        .secrets
        .iter()
        .filter(|x| x.generate)
        .map(|x| format!("{:?}", x.name))
        .collect();
    format!(
        "{header}{{{{- $existing := lookup \"v1\" \"Secret\" .Release.Namespace \"{name}\" }}}}\n{{{{- $data := dict }}}}\n{{{{- if $existing }}}}{{{{- $data = deepCopy ($existing.data | default dict) }}}}{{{{- end }}}}\n{{{{- range $key := list {keys} }}}}\n{{{{- if not (index $data $key) }}}}{{{{- $_ := set $data $key (randAlphaNum 24 | b64enc) }}}}{{{{- end }}}}\n{{{{- end }}}}\napiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: {{{{ .Release.Namespace }}}}\n  labels:\n    app.kubernetes.io/name: {svc}\n    app.kubernetes.io/instance: {{{{ .Release.Name }}}}\n    app.kubernetes.io/part-of: {{{{ .Chart.Name }}}}\n    app.kubernetes.io/managed-by: {{{{ .Release.Service }}}}\ntype: Opaque\n{{{{- with $data }}}}\ndata:\n  {{{{- toYaml . | nindent 2 }}}}\n{{{{- end }}}}\n",
        header = tpl_header(req),
        keys = generate.join(" "),
        svc = s.name,
    )
}

/// The dependency's Secret: its values kept when the release already has it, else generated
/// (Helm's usual `lookup` pattern), never written into the chart.
fn dependency_secret(req: &DraftRequest, d: &berth_core::plan::Dependency) -> String {
    let rt = super::depend::DepRuntime::of(req.plan, d);
    let name = super::depend::secret_name(d);
    let mut t = format!(
        "{}{{{{- $existing := lookup \"v1\" \"Secret\" .Release.Namespace \"{name}\" }}}}\napiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: {{{{ .Release.Namespace }}}}\n  labels:\n    app.kubernetes.io/name: {dep}\n    app.kubernetes.io/instance: {{{{ .Release.Name }}}}\n    app.kubernetes.io/part-of: {{{{ .Chart.Name }}}}\n    app.kubernetes.io/managed-by: {{{{ .Release.Service }}}}\ntype: Opaque\ndata:\n",
        tpl_header(req),
        dep = d.name,
    );
    for key in &rt.keys {
        let _ = writeln!(
            t,
            "  {key}: {{{{ if and $existing (index $existing.data \"{key}\") }}}}{{{{ index $existing.data \"{key}\" }}}}{{{{ else }}}}{{{{ randAlphaNum 24 | b64enc }}}}{{{{ end }}}}"
        );
    }
    t
}

fn short_title(t: &str) -> &str {
    t.split_once(':').map(|(_, r)| r.trim()).unwrap_or(t)
}

fn one_line(text: &str) -> String {
    text.lines().map(str::trim).collect::<Vec<_>>().join(" ")
}

fn tpl_header(req: &DraftRequest) -> String {
    format!("{{{{- /* {} */ -}}}}\n", one_line(&header(req, "")))
}

fn helpers(req: &DraftRequest) -> String {
    let app = &req.plan.app;
    format!(
        r#"{h}
{{{{- define "{app}.selectorLabels" -}}}}
app.kubernetes.io/name: {{{{ .name }}}}
app.kubernetes.io/instance: {{{{ .root.Release.Name }}}}
{{{{- end }}}}

{{{{- define "{app}.labels" -}}}}
{{{{ include "{app}.selectorLabels" . }}}}
app.kubernetes.io/version: {{{{ .version | quote }}}}
app.kubernetes.io/component: {{{{ .component }}}}
app.kubernetes.io/part-of: {{{{ .root.Chart.Name }}}}
app.kubernetes.io/managed-by: {{{{ .root.Release.Service }}}}
helm.sh/chart: {{{{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}}}
{{{{- end }}}}

{{{{- define "{app}.probe" -}}}}
{{{{- if .path -}}}}
httpGet:
  path: {{{{ .path }}}}
  port: http
{{{{- else -}}}}
tcpSocket:
  port: http
{{{{- end }}}}
initialDelaySeconds: {{{{ .initialDelaySeconds }}}}
periodSeconds: {{{{ .periodSeconds }}}}
timeoutSeconds: {{{{ .timeoutSeconds }}}}
failureThreshold: {{{{ .failureThreshold }}}}
{{{{- end }}}}
"#,
        h = tpl_header(req),
    )
}

fn labels_call(app: &str, rt: &Runtime, indent: usize) -> String {
    format!(
        "{{{{- include \"{app}.labels\" (dict \"name\" \"{name}\" \"component\" \"{component}\" \"version\" $svc.image.tag \"root\" $) | nindent {indent} }}}}",
        name = rt.name,
        component = rt.component,
    )
}

fn selector_call(app: &str, rt: &Runtime, indent: usize) -> String {
    format!(
        "{{{{- include \"{app}.selectorLabels\" (dict \"name\" \"{}\" \"root\" $) | nindent {indent} }}}}",
        rt.name
    )
}

fn svc_var(name: &str) -> String {
    format!("{{{{- $svc := index .Values.services \"{name}\" }}}}\n")
}

fn deployment(req: &DraftRequest, s: &Service) -> String {
    let plan = req.plan;
    let app = &plan.app;
    let rt = Runtime::of(plan, s);
    let mut t = format!("{}{}", header(req, "#"), svc_var(&s.name));
    let _ = write!(
        t,
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {{{{ .Release.Namespace }}}}
  labels:
    {labels4}
spec:
  replicas: {{{{ $svc.replicas }}}}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {selector6}
  template:
    metadata:
      labels:
        {labels8}
    spec:
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: {uid}
        runAsGroup: {uid}
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: {name}
          image: "{{{{ $svc.image.repository }}}}:{{{{ $svc.image.tag }}}}"
          imagePullPolicy: {{{{ $svc.image.pullPolicy }}}}
          ports:
            - name: http
              containerPort: {{{{ $svc.port }}}}
              protocol: TCP
"#,
        name = rt.name,
        uid = rt.uid,
        labels4 = labels_call(app, &rt, 4),
        selector6 = selector_call(app, &rt, 6),
        labels8 = labels_call(app, &rt, 8),
    );
    let port_env = rt.env.iter().any(|(k, _)| k == "PORT");
    if port_env || !rt.secret_env.is_empty() {
        t.push_str("          env:\n");
        for r in &rt.secret_env {
            let _ = write!(
                t,
                "            - name: {}\n              valueFrom:\n                secretKeyRef:\n                  name: {}\n                  key: {}\n{}",
                r.name,
                r.secret,
                r.key,
                if r.optional {
                    "                  optional: true\n"
                } else {
                    ""
                }
            );
        }
        if port_env {
            t.push_str("            - name: PORT\n              value: {{ $svc.port | quote }}\n");
        }
        t.push_str("            {{- range $k, $v := $svc.env }}\n            - name: {{ $k }}\n              value: {{ $v | quote }}\n            {{- end }}\n");
    } else {
        t.push_str("          {{- with $svc.env }}\n          env:\n            {{- range $k, $v := . }}\n            - name: {{ $k }}\n              value: {{ $v | quote }}\n            {{- end }}\n          {{- end }}\n");
    }
    if let Some(cm) = &rt.config_map {
        let _ = write!(
            t,
            "          envFrom:\n            - configMapRef:\n                name: {cm}\n"
        );
    }
    let _ = write!(
        t,
        r#"          resources:
            {{{{- toYaml $svc.resources | nindent 12 }}}}
          livenessProbe:
            {{{{- include "{app}.probe" $svc.probes.liveness | nindent 12 }}}}
          readinessProbe:
            {{{{- include "{app}.probe" $svc.probes.readiness | nindent 12 }}}}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop:
                - ALL
          volumeMounts:
"#
    );
    for p in &rt.writable {
        let _ = write!(
            t,
            "            - name: {}\n              mountPath: {p}\n",
            super::k8s::volume_name(p)
        );
    }
    t.push_str("      volumes:\n");
    for p in &rt.writable {
        let _ = write!(
            t,
            "        - name: {}\n          emptyDir: {{}}\n",
            super::k8s::volume_name(p)
        );
    }
    t
}

fn service(req: &DraftRequest, s: &Service) -> String {
    let app = &req.plan.app;
    let rt = Runtime::of(req.plan, s);
    format!(
        r#"{h}{var}apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: {{{{ .Release.Namespace }}}}
  labels:
    {labels4}
spec:
  type: {{{{ $svc.service.type }}}}
  selector:
    {selector4}
  ports:
    - name: http
      port: {{{{ $svc.service.port }}}}
      targetPort: http
      protocol: TCP
      {{{{- if and (ne $svc.service.type "ClusterIP") $svc.service.nodePort }}}}
      nodePort: {{{{ $svc.service.nodePort }}}}
      {{{{- end }}}}
"#,
        h = header(req, "#"),
        var = svc_var(&s.name),
        name = rt.name,
        labels4 = labels_call(app, &rt, 4),
        selector4 = selector_call(app, &rt, 4),
    )
}

fn config_map(req: &DraftRequest, s: &Service) -> String {
    let app = &req.plan.app;
    let rt = Runtime::of(req.plan, s);
    let b = backend(req.plan)
        .map(|b| b.name.clone())
        .unwrap_or_default();
    format!(
        r#"{h}{var}apiVersion: v1
kind: ConfigMap
metadata:
  name: {cm}
  namespace: {{{{ .Release.Namespace }}}}
  labels:
    {labels4}
data:
  # The backend by its Service's DNS name, so the same image runs in any namespace.
  {key}: "http://{b}.{{{{ .Release.Namespace }}}}.svc.cluster.local:{{{{ (index .Values.services "{b}").service.port }}}}"
"#,
        h = header(req, "#"),
        var = svc_var(&s.name),
        cm = rt.config_map.clone().unwrap_or_default(),
        labels4 = labels_call(app, &rt, 4),
        key = s.backend_url_var(),
    )
}

fn notes(req: &DraftRequest) -> String {
    let mut t = tpl_header(req);
    let _ = writeln!(
        t,
        "{} is installed in namespace {{{{ .Release.Namespace }}}}.\n",
        req.plan.app
    );
    for s in req.plan.services.iter().filter(|s| s.web_frontend) {
        let _ = write!(
            t,
            r#"Open {name} on Minikube:
  minikube service {name} --namespace {{{{ .Release.Namespace }}}} --url
{{{{- if eq (index .Values.services "{name}").service.type "LoadBalancer" }}}}
  (a LoadBalancer needs `minikube tunnel` running in another terminal)
{{{{- end }}}}

Any other cluster:
  kubectl port-forward --namespace {{{{ .Release.Namespace }}}} service/{name} 8080:{{{{ (index .Values.services "{name}").service.port }}}}
  then open http://127.0.0.1:8080
"#,
            name = s.name
        );
    }
    let _ = write!(
        t,
        "\nWatch the rollout:\n  kubectl get pods --namespace {{{{ .Release.Namespace }}}} --watch\n"
    );
    t
}
