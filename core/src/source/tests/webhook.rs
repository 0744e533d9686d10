use super::*;

/// `Authorization` header, expected rejection (`None`: accepted).
type AuthCase = (Option<&'static str>, Option<(u16, &'static str)>);

pub(crate) const ES: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata:
  name: hooks
spec:
  webhook:
    example:
      port: "12000"
      endpoint: /example
      method: POST
      maxPayloadSize: 2048
      metadata:
        team: platform
        env: prod
    secured:
      port: "12000"
      endpoint: secured
      method: POST
      authSecret:
        name: webhook-auth
        key: token
    query:
      port: "12001"
      endpoint: /query
      method: GET
    filtered:
      port: "12000"
      endpoint: /filtered
      method: POST
      filter:
        expression: "body.action == 'deploy' and body.replicas > 2"
"#;

/// A deploy notification as a CI system would post it.
pub(crate) const DEPLOY: &str = r#"{
  "action": "deploy",
  "service": "checkout",
  "environment": "production",
  "replicas": 3,
  "version": "v2.14.1",
  "commit": {"sha": "9fceb02d0ae598e95dc970b74767f19372d61af8", "message": "Fix <b>rounding</b> & totals"},
  "requested_by": "jane@example.com",
  "ratio": 0.25
}"#;

#[test]
fn publishes_argo_shaped_event() {
    let es = eventsource(ES);
    let ep = compile(&es, "example");
    let req = Req::post("/example", "application/json", DEPLOY)
        .header("User-Agent", "curl/8.5.0")
        .header("x-request-id", "r-1")
        .header("X-Request-Id", "r-2");
    let a = accept(&ep, &req);
    let Accepted::Event(ev) = &a else {
        panic!("expected event, got {a:?}")
    };
    let c = &ev.context;
    assert_eq!(
        (
            c.id.as_str(),
            c.source.as_str(),
            c.specversion.as_str(),
            c.r#type.as_str(),
            c.subject.as_str(),
            c.datacontenttype.as_str()
        ),
        (
            "evt-1",
            "hooks",
            "1.0",
            "webhook",
            "example",
            "application/json"
        )
    );
    assert_eq!(c.time, now());
    assert_eq!(
        data(&a),
        concat!(
            r#"{"header":{"Content-Type":["application/json"],"User-Agent":["curl/8.5.0"],"X-Request-Id":["r-1","r-2"]},"#,
            r#""body":{"action":"deploy","service":"checkout","environment":"production","replicas":3,"version":"v2.14.1","#,
            r#""commit":{"sha":"9fceb02d0ae598e95dc970b74767f19372d61af8","message":"Fix \u003cb\u003erounding\u003c/b\u003e \u0026 totals"},"#,
            r#""requested_by":"jane@example.com","ratio":0.25},"metadata":{"env":"prod","team":"platform"}}"#
        )
    );
    // The sensor side reads it with gjson paths.
    let parsed: serde_json::Value =
        serde_json::from_str(ev.json_data().expect("JSON data")).expect("parses");
    assert_eq!(parsed["body"]["replicas"], 3);
}

#[test]
fn rejects_bad_requests_with_argo_statuses() {
    let es = eventsource(ES);
    let ep = compile(&es, "example");
    let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(2048));
    let cases: Vec<(Req, u16, &str)> = vec![
        (
            Req::new("PUT", "/example").body(DEPLOY),
            400,
            "http method does not match",
        ),
        (
            Req::new("post", "/example").body(DEPLOY),
            400,
            "http method does not match",
        ),
        (
            Req::post("/example", "application/json", "{\"action\": deploy}"),
            400,
            "not valid JSON",
        ),
        (
            Req::post("/example", "application/json", ""),
            400,
            "not valid JSON",
        ),
        (
            Req::post("/example", "application/json", "{\"a\":1} trailing"),
            400,
            "not valid JSON",
        ),
        (
            Req::post("/example", "application/json", big),
            413,
            "limit (maxPayloadSize) is 2048",
        ),
        (
            Req::post("/example", "application/x-www-form-urlencoded", "a=%zz"),
            400,
            "invalid URL escape",
        ),
    ];
    for (req, status, msg) in cases {
        let a = accept(&ep, &req);
        let (s, m) = rejected(&a);
        assert_eq!(s, status, "{req:?}: {m}");
        assert!(m.contains(msg), "{req:?}: {m}");
    }
}

#[test]
fn size_limit_is_inclusive() {
    let es = eventsource(ES);
    let ep = compile(&es, "example");
    assert_eq!(ep.max_payload_size(), 2048);
    let exact = format!("{{\"p\":\"{}\"}}", "x".repeat(2048 - 8));
    assert_eq!(exact.len(), 2048);
    let a = accept(&ep, &Req::post("/example", "application/json", exact));
    assert!(matches!(a, Accepted::Event(_)), "{a:?}");
}

#[test]
fn form_posts_become_value_lists() {
    let es = eventsource(ES);
    let ep = compile(&es, "example");
    let req = Req::post(
        "/example",
        "application/x-www-form-urlencoded",
        "name=build+42&tag=a&tag=b%26c",
    );
    let d = data(&accept(&ep, &req));
    assert!(
        d.contains(r#""body":{"name":["build 42"],"tag":["a","b\u0026c"]}"#),
        "{d}"
    );
}

#[test]
fn get_publishes_the_query() {
    let es = eventsource(ES);
    let ep = compile(&es, "query");
    let req = Req::new("GET", "/query")
        .query("b=x+y&a=1&a=2&bad=%zz")
        .body("ignored");
    assert_eq!(
        data(&accept(&ep, &req)),
        r#"{"header":{},"body":{"a":["1","2"],"b":["x y"]}}"#
    );
    let a = accept(&ep, &Req::new("POST", "/query"));
    assert_eq!(rejected(&a), (400, "http method does not match"));
}

#[test]
fn bearer_token_is_required_and_masked() {
    let es = eventsource(ES);
    let ep = compile(&es, "secured");
    assert_eq!(ep.endpoint().path, "/secured");
    let base = Req::post("/secured", "application/json", r#"{"ok":true}"#);
    let cases: [AuthCase; 6] = [
        (None, Some((401, "Invalid Authorization Header"))),
        (
            Some("Basic czNjcjN0"),
            Some((401, "Invalid Authorization Header")),
        ),
        (
            Some("bearer s3cr3t-bearer"),
            Some((401, "Invalid Authorization Header")),
        ),
        (Some("Bearer wrong"), Some((401, "Invalid Auth token"))),
        (
            Some("Bearer s3cr3t-bearer "),
            Some((401, "Invalid Auth token")),
        ),
        // The secret's trailing newline is dropped, as Argo does for mounted secrets.
        (Some("Bearer s3cr3t-bearer"), None),
    ];
    for (auth, want) in cases {
        let req = match auth {
            Some(v) => base.clone().header("authorization", v),
            None => base.clone(),
        };
        let a = accept(&ep, &req);
        match want {
            Some(w) => assert_eq!(rejected(&a), w, "{auth:?}"),
            None => assert_eq!(
                data(&a),
                r#"{"header":{"Authorization":["*** Masked Auth Secret ***"],"Content-Type":["application/json"]},"body":{"ok":true}}"#
            ),
        }
    }
}

#[test]
fn authorization_is_masked_without_auth_secret_too() {
    let es = eventsource(ES);
    let ep = compile(&es, "example");
    let req = Req::post("/example", "application/json", "{}").header("Authorization", "token abc");
    let d = data(&accept(&ep, &req));
    assert!(
        d.contains(r#""Authorization":["*** Masked Auth Secret ***"]"#),
        "{d}"
    );
    assert!(!d.contains("abc"), "{d}");
}

#[test]
fn filter_expression_passes_drops_and_fails() {
    let es = eventsource(ES);
    let ep = compile(&es, "filtered");
    let cases = [
        (r#"{"action":"deploy","replicas":3}"#, None),
        (r#"{"action":"deploy","replicas":2}"#, Some("is false")),
        (r#"{"action":"rollback","replicas":5}"#, Some("is false")),
        (r#"{"action":"deploy"}"#, Some("failed")),
    ];
    for (body, want) in cases {
        let a = accept(&ep, &Req::post("/filtered", "application/json", body));
        match want {
            None => assert!(matches!(a, Accepted::Event(_)), "{body}: {a:?}"),
            Some(w) => assert!(filtered(&a).contains(w), "{body}: {a:?}"),
        }
    }
}

#[test]
fn filter_can_read_headers_and_metadata() {
    let yaml = r#"
apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata: {name: hooks}
spec:
  webhook:
    h:
      port: "12000"
      endpoint: /h
      method: POST
      metadata: {team: platform}
      filter:
        expression: 'header["X-Source"][0] == "ci" && metadata.team == "platform"'
"#;
    let es = eventsource(yaml);
    let ep = compile(&es, "h");
    let yes = Req::post("/h", "application/json", "{}").header("x-source", "ci");
    assert!(matches!(accept(&ep, &yes), Accepted::Event(_)));
    let no = Req::post("/h", "application/json", "{}").header("x-source", "laptop");
    filtered(&accept(&ep, &no));
}
