use super::*;

const ES: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata:
  name: github
spec:
  github:
    repo:
      repositories:
        - owner: acme
          names: [shop]
      webhook:
        endpoint: /push
        port: "13000"
        method: POST
        url: https://hooks.acme.dev
      events: [push, pull_request]
      webhookSecret:
        name: github
        key: secret
      contentType: json
      metadata:
        repo: shop
    open:
      repositories:
        - owner: acme
          names: [shop]
      webhook:
        endpoint: /open
        port: "13000"
      events: ["*"]
      filter:
        expression: 'body.ref == "refs/heads/main" && headers["X-Github-Event"][0] == "push"'
"#;

/// A trimmed `push` delivery.
const PUSH: &str = r#"{
  "ref": "refs/heads/main",
  "before": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
  "after": "59b20b8d5c6ff8d09518454d4dd8b7b30f095ab5",
  "repository": {"id": 35129377, "name": "shop", "full_name": "acme/shop", "private": false,
                 "owner": {"login": "acme", "id": 9919}},
  "pusher": {"name": "jane", "email": "jane@example.com"},
  "created": false,
  "head_commit": {"id": "59b20b8d5c6ff8d09518454d4dd8b7b30f095ab5",
                  "message": "Bump <version> & tag", "timestamp": "2025-03-01T09:59:59+01:00"},
  "size": 1.0
}"#;

/// What Argo publishes for [`PUSH`]: keys sorted, `X-GitHub-*` added, `1.0` as `1`.
const PUSH_BODY: &str = concat!(
    r#"{"X-GitHub-Delivery":"72d3162e-cc78-11e3-81ab-4c9367dc0958","X-GitHub-Event":"push","#,
    r#""after":"59b20b8d5c6ff8d09518454d4dd8b7b30f095ab5","before":"6113728f27ae82c7b1a177c8d03f9e96e0adf246","#,
    r#""created":false,"head_commit":{"id":"59b20b8d5c6ff8d09518454d4dd8b7b30f095ab5","#,
    r#""message":"Bump \u003cversion\u003e \u0026 tag","timestamp":"2025-03-01T09:59:59+01:00"},"#,
    r#""pusher":{"email":"jane@example.com","name":"jane"},"ref":"refs/heads/main","#,
    r#""repository":{"full_name":"acme/shop","id":35129377,"name":"shop","owner":{"id":9919,"login":"acme"},"private":false},"#,
    r#""size":1}"#
);

fn delivery(event: &str, content_type: &str, body: &str) -> Req {
    Req::post("/push", content_type, body)
        .header("User-Agent", "GitHub-Hookshot/a1b2c3")
        .header("X-GitHub-Event", event)
        .header("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
        .header("X-GitHub-Hook-ID", "292430182")
}

fn signed(event: &str, body: &str) -> Req {
    let sig = hmac256("gh-hook-secret", &[body.as_bytes()]);
    delivery(event, "application/json", body)
        .header("X-Hub-Signature-256", &format!("sha256={sig}"))
}

#[test]
fn publishes_headers_body_and_metadata() {
    let es = eventsource(ES);
    let ep = compile(&es, "repo");
    assert_eq!(ep.endpoint().method, None);
    let a = accept(&ep, &signed("push", PUSH));
    let Accepted::Event(ev) = &a else {
        panic!("{a:?}")
    };
    assert_eq!(
        (ev.context.r#type.as_str(), ev.context.subject.as_str()),
        ("github", "repo")
    );
    let sig = hmac256("gh-hook-secret", &[PUSH.as_bytes()]);
    assert_eq!(
        data(&a),
        format!(
            concat!(
                r#"{{"headers":{{"Content-Type":["application/json"],"User-Agent":["GitHub-Hookshot/a1b2c3"],"#,
                r#""X-Github-Delivery":["72d3162e-cc78-11e3-81ab-4c9367dc0958"],"X-Github-Event":["push"],"#,
                r#""X-Github-Hook-Id":["292430182"],"X-Hub-Signature-256":["sha256={}"]}},"#,
                r#""body":{},"metadata":{{"repo":"shop"}}}}"#
            ),
            sig, PUSH_BODY
        )
    );
}

#[test]
fn accepts_sha1_and_sha512_signatures() {
    let es = eventsource(ES);
    let ep = compile(&es, "repo");
    let sha1 = delivery("push", "application/json", PUSH).header(
        "X-Hub-Signature",
        &format!("sha1={}", hmac1("gh-hook-secret", PUSH.as_bytes())),
    );
    assert!(matches!(accept(&ep, &sha1), Accepted::Event(_)));

    let mut mac = Hmac::<sha2::Sha512>::new_from_slice(b"gh-hook-secret").expect("key");
    mac.update(PUSH.as_bytes());
    let sha512 = delivery("push", "application/json", PUSH).header(
        "X-Hub-Signature-256",
        &format!("sha512={}", hex::encode(mac.finalize().into_bytes())),
    );
    assert!(matches!(accept(&ep, &sha512), Accepted::Event(_)));
}

#[test]
fn rejects_bad_signatures_and_payloads() {
    let es = eventsource(ES);
    let ep = compile(&es, "repo");
    let good = hmac256("gh-hook-secret", &[PUSH.as_bytes()]);
    let other = hmac256("another-secret", &[PUSH.as_bytes()]);
    let tampered = PUSH.replace("jane", "mallory");
    let cases: Vec<(Req, &str)> = vec![
        (
            delivery("push", "application/json", PUSH),
            "missing signature",
        ),
        (
            delivery("push", "application/json", PUSH)
                .header("X-Hub-Signature-256", &format!("sha256={other}")),
            "payload signature check failed",
        ),
        (
            delivery("push", "application/json", &tampered)
                .header("X-Hub-Signature-256", &format!("sha256={good}")),
            "payload signature check failed",
        ),
        (
            delivery("push", "application/json", PUSH)
                .header("X-Hub-Signature-256", &format!("md5={good}")),
            "unknown hash type prefix: \"md5\"",
        ),
        (
            delivery("push", "application/json", PUSH).header("X-Hub-Signature-256", "sha256=zz"),
            "error decoding signature",
        ),
        (
            delivery("push", "application/json", PUSH).header("X-Hub-Signature-256", &good),
            "error parsing signature",
        ),
        (
            delivery("push", "text/plain", PUSH),
            "unsupported Content-Type \"text/plain\"",
        ),
        (Req::post("/push", "", PUSH), "mime: no media type"),
        (signed("push", "[1,2]"), "not a JSON object"),
        (signed("push", "{\"a\":"), "not valid JSON"),
    ];
    for (req, want) in cases {
        let a = accept(&ep, &req);
        let (status, msg) = rejected(&a);
        // Signature failures are authentication failures (401); the rest are bad requests.
        let signature = want.contains("signature") || want.contains("hash type");
        assert_eq!(status, if signature { 401 } else { 400 }, "{msg}");
        assert!(msg.contains(want), "want {want:?}, got {msg:?}");
    }
}

#[test]
fn form_encoded_payload_matches_json_delivery() {
    let es = eventsource(ES);
    let ep = compile(&es, "repo");
    let form = format!("payload={}", form_encode(PUSH));
    let sig = hmac256("gh-hook-secret", &[form.as_bytes()]);
    let req = delivery("push", "application/x-www-form-urlencoded", &form)
        .header("X-Hub-Signature-256", &format!("sha256={sig}"));
    let d = data(&accept(&ep, &req));
    assert!(d.contains(&format!(r#""body":{PUSH_BODY}"#)), "{d}");
    // The signature covers the form body, not the decoded payload.
    let wrong = delivery(
        "push",
        "application/x-www-form-urlencoded; charset=utf-8",
        &form,
    )
    .header(
        "X-Hub-Signature-256",
        &format!("sha256={}", hmac256("gh-hook-secret", &[PUSH.as_bytes()])),
    );
    assert_eq!(
        rejected(&accept(&ep, &wrong)).1,
        "payload signature check failed"
    );
}

#[test]
fn events_not_subscribed_are_filtered_after_the_signature() {
    let es = eventsource(ES);
    let ep = compile(&es, "repo");
    let issue = r#"{"action":"opened","issue":{"number":7}}"#;
    let reason = filtered(&accept(&ep, &signed("issues", issue))).to_string();
    assert!(reason.contains("\"issues\""), "{reason}");
    // An unsigned one is still refused first.
    let unsigned = delivery("issues", "application/json", issue);
    assert_eq!(rejected(&accept(&ep, &unsigned)).0, 401);
    assert!(matches!(
        accept(
            &ep,
            &signed("pull_request", r#"{"action":"opened","number":1}"#)
        ),
        Accepted::Event(_)
    ));
}

#[test]
fn without_secret_any_event_and_the_filter_decides() {
    let es = eventsource(ES);
    let ep = compile(&es, "open");
    let push = delivery("push", "application/json", PUSH);
    assert!(matches!(accept(&ep, &push), Accepted::Event(_)));
    let branch = PUSH.replace("refs/heads/main", "refs/heads/dev");
    let a = accept(&ep, &delivery("push", "application/json", &branch));
    assert!(filtered(&a).contains("is false"), "{a:?}");
    let ping = delivery(
        "ping",
        "application/json",
        r#"{"zen":"Keep it logically awesome."}"#,
    );
    // Argo's expr-lang reads a missing key as nil (false), CEL fails: dropped either way.
    filtered(&accept(&ep, &ping));
}
