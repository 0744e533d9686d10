//! Rules shared by sensors and event sources: secrets, TLS, SASL, basic auth, backoff,
//! artifact locations, webhook contexts, and the schema-required fields Argo does not need.

use super::{at, blank, one_of, parse_go_duration, Ctx};
use crate::spec::{
    ArtifactLocation, Backoff, BasicAuth, ConfigMapKeySelector, Int64OrString, SASLConfig,
    SecretKeySelector, TLSConfig,
};

/// Fields Argo's JSON Schema lists as required only because the Go field lacks `omitempty`,
/// while Argo's validators and runtime work without them. Matched on the path with list
/// indices removed; `*` is one segment, a leading `**` any prefix.
const NOT_REALLY_REQUIRED: &[(&str, &str)] = &[
    // `url` is only used to register the hook with GitHub/GitLab/...; Argo's
    // ValidateWebhookContext checks endpoint and port only.
    ("spec.webhook.*.url", "webhook url is informational"),
    (
        "spec.*.*.webhook.url",
        "webhook url is only needed to create hooks",
    ),
    // The other webhook-based sources do not look at `method`.
    (
        "spec.*.*.webhook.method",
        "only the webhook source checks the method",
    ),
    // SQS: Argo uses the value as given (0 = short polling).
    ("spec.sqs.*.waitTimeSeconds", "0 means short polling"),
    // Booleans: Go's zero value `false` is the documented default.
    ("**.policy.k8s.errorOnBackoffTimeout", "defaults to false"),
    ("**.custom.secure", "defaults to false"),
    // Argo's validator does not require a payload for HTTP or custom triggers
    // (HTTP sends an empty body; custom sends `spec`).
    ("**.http.payload", "optional in Argo's validator"),
    ("**.custom.payload", "optional in Argo's validator"),
    // Argo's context filter compares only the fields that are set.
    ("**.filters.context.*", "context filter fields are optional"),
    // Service Bus: a queue, or a topic with a subscription (checked by our own rule).
    ("spec.azureServiceBus.*.queueName", "queue or topic"),
    ("spec.azureServiceBus.*.topicName", "queue or topic"),
    ("spec.azureServiceBus.*.subscriptionName", "queue or topic"),
    ("**.azureServiceBus.queueName", "queue or topic"),
    ("**.azureServiceBus.topicName", "queue or topic"),
    ("**.azureServiceBus.subscriptionName", "queue or topic"),
    // HTTP payload parameters may omit dest: the value becomes the whole body.
    (
        "**.http.payload.dest",
        "empty dest sends the value as the whole body",
    ),
];

pub(crate) fn argo_does_not_require(path: &str) -> bool {
    let plain = strip_indices(path);
    let segs: Vec<&str> = plain.split('.').collect();
    NOT_REALLY_REQUIRED
        .iter()
        .any(|(pattern, _)| glob_match(pattern, &segs))
}

fn strip_indices(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut depth = 0usize;
    for c in path.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn glob_match(pattern: &str, segs: &[&str]) -> bool {
    let pat: Vec<&str> = pattern.split('.').collect();
    if pat.first() == Some(&"**") {
        let tail = &pat[1..];
        segs.len() >= tail.len() && seg_match(tail, &segs[segs.len() - tail.len()..])
    } else {
        pat.len() == segs.len() && seg_match(&pat, segs)
    }
}

fn seg_match(pat: &[&str], segs: &[&str]) -> bool {
    pat.iter().zip(segs).all(|(p, s)| *p == "*" || p == s)
}

/// A Kubernetes secret reference: Argo mounts `/argo-events/secrets/<name>/<key>`.
pub(crate) fn secret(cx: &mut Ctx, path: &str, s: &SecretKeySelector) {
    if s.name.as_deref().is_some_and(|n| n.trim().is_empty()) || s.name.is_none() {
        cx.error(
            at(path, "name"),
            "secret name is missing: Argo reads the value from the Secret with this name",
        );
    }
    if s.key.as_deref().is_some_and(|k| k.trim().is_empty()) {
        cx.error(at(path, "key"), "secret key is empty");
    }
}

pub(crate) fn secret_opt(cx: &mut Ctx, path: &str, field: &str, s: &Option<SecretKeySelector>) {
    if let Some(s) = s {
        secret(cx, &at(path, field), s);
    }
}

pub(crate) fn config_map(cx: &mut Ctx, path: &str, c: &ConfigMapKeySelector) {
    if blank(&c.name) {
        cx.error(at(path, "name"), "config map name is missing");
    }
    if c.key.as_deref().is_some_and(|k| k.trim().is_empty()) {
        cx.error(at(path, "key"), "config map key is empty");
    }
}

/// Argo's `ValidateTLSConfig`.
pub(crate) fn tls(cx: &mut Ctx, path: &str, t: &TLSConfig) {
    secret_opt(cx, path, "caCertSecret", &t.ca_cert_secret);
    secret_opt(cx, path, "clientCertSecret", &t.client_cert_secret);
    secret_opt(cx, path, "clientKeySecret", &t.client_key_secret);
    if t.insecure_skip_verify == Some(true) {
        return;
    }
    let ca = t.ca_cert_secret.is_some();
    let cert = t.client_cert_secret.is_some();
    let key = t.client_key_secret.is_some();
    if !ca && !cert && !key && t.enabled != Some(true) {
        cx.error(
            path,
            "invalid tls config: set caCertSecret, or clientCertSecret and clientKeySecret, or both (or enabled: true to use the system CA roots, or insecureSkipVerify: true)",
        );
    }
    if cert != key {
        let missing = if cert {
            "clientKeySecret"
        } else {
            "clientCertSecret"
        };
        cx.error(
            at(path, missing),
            "clientCertSecret and clientKeySecret must be set together",
        );
    }
}

pub(crate) fn tls_opt(cx: &mut Ctx, path: &str, t: &Option<TLSConfig>) {
    if let Some(t) = t {
        tls(cx, &at(path, "tls"), t);
    }
}

/// Argo's `ValidateSASLConfig`.
pub(crate) fn sasl(cx: &mut Ctx, path: &str, s: &SASLConfig) {
    const MECHANISMS: &[&str] = &[
        "",
        "PLAIN",
        "OAUTHBEARER",
        "SCRAM-SHA-256",
        "SCRAM-SHA-512",
        "GSSAPI",
    ];
    if let Some(m) = &s.mechanism {
        if !MECHANISMS.contains(&m.as_str()) {
            cx.error(
                at(path, "mechanism"),
                format!(
                    "SASL mechanism {m:?} is not one of {} (case-sensitive)",
                    one_of(&MECHANISMS[1..])
                ),
            );
        }
    }
    if s.user_secret.is_none() {
        cx.error(
            at(path, "userSecret"),
            "SASL needs both userSecret and passwordSecret",
        );
    }
    if s.password_secret.is_none() {
        cx.error(
            at(path, "passwordSecret"),
            "SASL needs both userSecret and passwordSecret",
        );
    }
    secret_opt(cx, path, "userSecret", &s.user_secret);
    secret_opt(cx, path, "passwordSecret", &s.password_secret);
}

/// Argo's `ValidateBasicAuth`.
pub(crate) fn basic_auth(cx: &mut Ctx, path: &str, b: &BasicAuth) {
    if b.username.is_none() {
        cx.error(at(path, "username"), "basic auth needs a username secret");
    }
    if b.password.is_none() {
        cx.error(at(path, "password"), "basic auth needs a password secret");
    }
    secret_opt(cx, path, "username", &b.username);
    secret_opt(cx, path, "password", &b.password);
}

/// A backoff (`retryStrategy`, `connectionBackoff`, `policy.k8s.backoff`), as Argo's
/// `Convert2WaitBackoff` reads it.
pub(crate) fn backoff(cx: &mut Ctx, path: &str, b: &Backoff) {
    if let Some(steps) = b.steps {
        if steps < 0 {
            cx.error(
                at(path, "steps"),
                format!("steps {steps} is negative; use 0 (Argo's default) or a positive number of attempts"),
            );
        }
    }
    match &b.duration {
        Some(Int64OrString::Str(s)) => {
            if let Err(e) = parse_go_duration(s) {
                cx.error(
                    at(path, "duration"),
                    format!(
                        "{e}; Argo fails the whole retry with \"invalid backoff configuration\""
                    ),
                );
            }
        }
        Some(Int64OrString::Int(n)) if *n < 0 => cx.error(
            at(path, "duration"),
            format!("duration {n} is negative; write a Go duration such as \"1s\""),
        ),
        Some(Int64OrString::Int(n)) if *n > 0 && *n < 1_000_000 => cx.warn(
            at(path, "duration"),
            format!(
                "a bare number is nanoseconds in Argo: {n} means {n}ns; write \"{n}s\" for seconds"
            ),
        ),
        _ => {}
    }
    if let Some(f) = b.factor {
        if !f.is_finite() || f < 0.0 {
            cx.error(
                at(path, "factor"),
                format!("factor {f} must be a number ≥ 0 (the delay is multiplied by it after each attempt)"),
            );
        }
    }
    if let Some(j) = b.jitter {
        if !j.is_finite() || j < 0.0 {
            cx.error(
                at(path, "jitter"),
                format!("jitter {j} must be a number ≥ 0"),
            );
        }
    }
}

pub(crate) fn backoff_opt(cx: &mut Ctx, path: &str, field: &str, b: &Option<Backoff>) {
    if let Some(b) = b {
        backoff(cx, &at(path, field), b);
    }
}

/// Where a k8s / argoWorkflow trigger reads its resource from.
pub(crate) fn artifact(cx: &mut Ctx, path: &str, a: &ArtifactLocation) {
    let set: Vec<&str> = [
        ("s3", a.s3.is_some()),
        ("inline", a.inline.is_some()),
        ("file", a.file.is_some()),
        ("url", a.url.is_some()),
        ("git", a.git.is_some()),
        ("configmap", a.configmap.is_some()),
        ("resource", a.resource.is_some()),
    ]
    .iter()
    .filter(|(_, on)| *on)
    .map(|(k, _)| *k)
    .collect();
    const ALL: &str = "resource, inline, configmap, file, url, git or s3";
    match set.len() {
        0 => cx.error(
            path,
            format!("the source has no location: set exactly one of {ALL} (Argo: \"unknown artifact location\")"),
        ),
        1 => {}
        _ => cx.error(
            path,
            format!(
                "the source sets {}; set exactly one of {ALL} (Argo reads only one and ignores the rest)",
                set.join(" and ")
            ),
        ),
    }
    if let Some(s) = &a.inline {
        if s.trim().is_empty() {
            cx.error(at(path, "inline"), "inline resource is empty");
        }
    }
    if let Some(f) = &a.file {
        if blank(&f.path) {
            cx.error(at(&at(path, "file"), "path"), "file path is empty");
        }
    }
    if let Some(u) = &a.url {
        if blank(&u.path) {
            cx.error(at(&at(path, "url"), "path"), "URL is empty");
        }
    }
    if let Some(c) = &a.configmap {
        config_map(cx, &at(path, "configmap"), c);
    }
    if let Some(r) = &a.resource {
        if !r.is_object() {
            cx.error(
                at(path, "resource"),
                "resource must be a Kubernetes object (a mapping with apiVersion, kind, metadata…)",
            );
        }
    }
    if let Some(g) = &a.git {
        let gp = at(path, "git");
        if blank(&g.url) {
            cx.error(at(&gp, "url"), "git repository URL is empty");
        }
        secret_opt(cx, &gp, "sshKeySecret", &g.ssh_key_secret);
        if let Some(c) = &g.creds {
            secret_opt(cx, &at(&gp, "creds"), "username", &c.username);
            secret_opt(cx, &at(&gp, "creds"), "password", &c.password);
        }
    }
    if let Some(s3) = &a.s3 {
        let sp = at(path, "s3");
        if let Some(b) = &s3.bucket {
            if blank(&b.name) {
                cx.error(at(&at(&sp, "bucket"), "name"), "bucket name can't be empty");
            }
        }
        secret_opt(cx, &sp, "accessKey", &s3.access_key);
        secret_opt(cx, &sp, "secretKey", &s3.secret_key);
    }
}

/// The fields of Argo's `WebhookContext`, shared by the webhook source (which inlines them)
/// and every hook-based source (`github.webhook`, …).
pub(crate) struct WebhookView<'a> {
    pub endpoint: &'a Option<String>,
    pub port: &'a Option<String>,
    pub method: &'a Option<String>,
    pub max_payload_size: Option<i64>,
    pub server_cert_secret: &'a Option<SecretKeySelector>,
    pub server_key_secret: &'a Option<SecretKeySelector>,
    pub auth_secret: &'a Option<SecretKeySelector>,
}

/// Argo's `ValidateWebhookContext` plus what its HTTP server needs. `check_method`: only the
/// `webhook` source compares the request method (and reads bodies for GET and POST only).
pub(crate) fn webhook(cx: &mut Ctx, path: &str, w: &WebhookView<'_>, check_method: bool) {
    match w.endpoint.as_deref() {
        None => {} // reported as schema-required
        Some(e) if e.trim().is_empty() => cx.error(at(path, "endpoint"), "endpoint can't be empty"),
        Some(e) if !e.starts_with('/') => cx.warn(
            at(path, "endpoint"),
            format!("endpoint {e:?} does not start with '/'; Argo serves it at \"/{e}\""),
        ),
        Some(_) => {}
    }
    match w.port.as_deref() {
        None => {}
        Some(p) if p.trim().is_empty() => cx.error(at(path, "port"), "port can't be empty"),
        Some(p) => match go_atoi(p) {
            None => cx.error(
                at(path, "port"),
                format!("port {p:?} is not a number (Argo: \"failed to parse server port\")"),
            ),
            Some(n) if !(1..=65535).contains(&n) => {
                cx.error(at(path, "port"), format!("port {n} is outside 1-65535"))
            }
            Some(_) => {}
        },
    }
    if check_method {
        if w.method.is_none() {
            cx.error(
                at(path, "method"),
                "method is required: the webhook source accepts only requests with this method (\"POST\" or \"GET\")",
            );
        }
        if let Some(m) = w.method.as_deref() {
            if m != "GET" && m != "POST" {
                cx.error(
                    at(path, "method"),
                    format!(
                        "method {m:?}: the webhook source accepts only \"GET\" or \"POST\" (upper case); Argo compares the request method exactly and rejects every request otherwise"
                    ),
                );
            }
        }
    }
    if let Some(n) = w.max_payload_size {
        if n <= 0 {
            cx.error(
                at(path, "maxPayloadSize"),
                format!("maxPayloadSize {n} must be > 0 bytes (leave it out for Argo's default of 1 MiB)"),
            );
        }
    }
    if w.server_cert_secret.is_some() != w.server_key_secret.is_some() {
        let missing = if w.server_cert_secret.is_some() {
            "serverKeySecret"
        } else {
            "serverCertSecret"
        };
        cx.error(
            at(path, missing),
            "serverCertSecret and serverKeySecret must be set together to serve HTTPS (with only one, Argo serves plain HTTP)",
        );
    }
    secret_opt(cx, path, "serverCertSecret", w.server_cert_secret);
    secret_opt(cx, path, "serverKeySecret", w.server_key_secret);
    secret_opt(cx, path, "authSecret", w.auth_secret);
}

/// Go's `strconv.Atoi`: optional sign, ASCII digits, fits in 64 bits.
pub(crate) fn go_atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok()
}

/// Levenshtein distance, for "did you mean" hints.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exemptions_match_on_plain_paths() {
        assert!(argo_does_not_require("spec.webhook.example.url"));
        assert!(argo_does_not_require("spec.github.example.webhook.url"));
        assert!(argo_does_not_require("spec.github.example.webhook.method"));
        assert!(!argo_does_not_require("spec.webhook.webhook.method"));
        assert!(argo_does_not_require(
            "spec.triggers[0].template.http.payload[2].dest"
        ));
        assert!(!argo_does_not_require("spec.triggers[0].template.http.url"));
        assert!(!argo_does_not_require("spec.webhook.example.port"));
    }

    #[test]
    fn atoi_and_distance() {
        assert_eq!(go_atoi("12000"), Some(12000));
        assert_eq!(go_atoi("+1"), Some(1));
        assert_eq!(go_atoi("1x"), None);
        assert_eq!(go_atoi(""), None);
        assert_eq!(edit_distance("filtrs", "filters"), 1);
        assert_eq!(edit_distance("openwhisk", "openWhisk"), 1);
    }
}
