//! `endpoints`, compile errors and the ignored-field list.

use super::*;

/// kind, event, port, path, method, max payload.
type Row<'a> = (SourceKind, &'a str, u16, &'a str, Option<&'a str>, usize);

const ES: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata:
  name: everything
spec:
  calendar:
    tick: {interval: 10s}
  webhook:
    hook:
      port: "+12000"
      endpoint: hook
      method: POST
  github:
    gh:
      repositories: [{owner: acme, names: [shop]}]
      apiToken: {name: github, key: api}
      githubApp: {appID: 1, installationID: 2, privateKey: {name: github, key: pem}}
      webhook: {endpoint: /gh, port: "12001", maxPayloadSize: 25000000}
  gitlab:
    gl:
      projects: ["1"]
      events: [PushEvents]
      accessToken: {name: gitlab, key: access}
      gitlabBaseURL: https://gitlab.example.com
      webhook: {endpoint: /gl, port: "12001", serverCertSecret: {name: tls, key: crt}, serverKeySecret: {name: tls, key: key}}
  slack:
    sl:
      signingSecret: {name: slack, key: signing}
      token: {name: slack, key: token}
      metadata: {a: b}
      webhook: {endpoint: /sl, port: "12001"}
  stripe:
    st:
      createWebhook: true
      apiKey: {name: stripe, key: api}
      webhook: {endpoint: /st, port: "12001"}
"#;

#[test]
fn lists_every_http_endpoint() {
    let es = eventsource(ES);
    let eps = endpoints(&es).expect("valid");
    let got: Vec<Row<'_>> = eps
        .iter()
        .map(|e| {
            assert_eq!(e.event_source, "everything");
            (
                e.kind,
                e.event_name.as_str(),
                e.port,
                e.path.as_str(),
                e.method.as_deref(),
                e.max_payload_size,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                SourceKind::Webhook,
                "hook",
                12000,
                "/hook",
                Some("POST"),
                1_048_576
            ),
            (SourceKind::Github, "gh", 12001, "/gh", None, 25_000_000),
            (SourceKind::Gitlab, "gl", 12001, "/gl", None, 1_048_576),
            (SourceKind::Slack, "sl", 12001, "/sl", None, 1_048_576),
            (SourceKind::Stripe, "st", 12001, "/st", None, 1_048_576),
        ]
    );
    assert_eq!(
        CompiledEndpoint::compile_all(&es, &secrets())
            .expect("compiles")
            .len(),
        5
    );
}

#[test]
fn reports_bad_specs_with_paths() {
    let base = eventsource(ES);
    let cases: Vec<(String, &str, &str)> = vec![
        (
            ES.replace("      method: POST\n", ""),
            "hook",
            "spec.webhook.hook.method: method is required",
        ),
        (
            ES.replace("\"+12000\"", "\"12k\""),
            "hook",
            "spec.webhook.hook.port: port \"12k\" is not a number",
        ),
        (
            ES.replace("\"+12000\"", "\"0\""),
            "hook",
            "spec.webhook.hook.port",
        ),
        (
            ES.replace("\"+12000\"", "\"70000\""),
            "hook",
            "spec.webhook.hook.port",
        ),
        (
            ES.replace("endpoint: hook", "endpoint: \" \""),
            "hook",
            "spec.webhook.hook.endpoint: endpoint can't be empty",
        ),
        (
            ES.replace("maxPayloadSize: 25000000", "maxPayloadSize: 0"),
            "gh",
            "spec.github.gh.webhook.maxPayloadSize: maxPayloadSize 0 must be > 0",
        ),
        (
            ES.replace("      webhook: {endpoint: /st, port: \"12001\"}\n", ""),
            "st",
            "spec.stripe.st.webhook: webhook is required",
        ),
        (
            ES.replace("name: everything", "labels: {}"),
            "hook",
            "the EventSource has no metadata.name",
        ),
        (ES.to_string(), "tick", "event \"tick\" is not a webhook"),
        (
            ES.replace("    gh:", "    hook:"),
            "hook",
            "spec.github.hook: event name \"hook\" is also used at spec.webhook.hook",
        ),
    ];
    for (yaml, event, want) in cases {
        let es = eventsource(&yaml);
        let err = CompiledEndpoint::compile(&es, event, &secrets()).expect_err(want);
        assert!(
            err.to_string().starts_with(want),
            "want {want:?}, got {err}"
        );
    }
    // The base spec is fine.
    assert!(CompiledEndpoint::compile(&base, "hook", &secrets()).is_ok());
}

#[test]
fn missing_secrets_and_bad_filters_fail_at_compile() {
    let es = eventsource(&ES.replace("key: signing", "key: nope"));
    let err = CompiledEndpoint::compile(&es, "sl", &secrets()).expect_err("missing secret");
    assert!(
        matches!(err, SourceError::Secret { ref path, .. } if path == "spec.slack.sl.signingSecret"),
        "{err}"
    );

    let yaml = ES.replace(
        "      method: POST\n",
        "      method: POST\n      filter: {expression: 'metadata.a == \"b\"'}\n",
    );
    let err = CompiledEndpoint::compile(&eventsource(&yaml), "hook", &secrets())
        .expect_err("no metadata");
    assert!(
        err.to_string()
            .starts_with("spec.webhook.hook.filter.expression: "),
        "{err}"
    );
    assert!(err.to_string().contains("reads `metadata`"), "{err}");
}

#[test]
fn lists_ignored_hook_management_fields() {
    let es = eventsource(ES);
    let got: Vec<String> = ignored_fields(&es).into_iter().map(|i| i.path).collect();
    assert_eq!(
        got,
        [
            "spec.github.gh.apiToken",
            "spec.github.gh.githubApp",
            "spec.gitlab.gl.accessToken",
            "spec.gitlab.gl.projects",
            "spec.gitlab.gl.gitlabBaseURL",
            "spec.gitlab.gl.webhook.serverCertSecret",
            "spec.gitlab.gl.webhook.serverKeySecret",
            "spec.slack.sl.metadata",
            "spec.stripe.st.createWebhook",
            "spec.stripe.st.apiKey",
        ]
    );
    let gh = ignored_fields(&es)
        .into_iter()
        .find(|i| i.path.ends_with("githubApp"))
        .expect("listed");
    assert!(gh.reason.contains("does not create"), "{}", gh.reason);
}

#[test]
fn compiled_endpoints_can_be_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<CompiledEndpoint>();
    assert_send_sync::<Router>();
}
