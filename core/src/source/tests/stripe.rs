use super::*;

/// `Stripe-Signature` header, clock, outcome.
type Case = (Option<String>, DateTime<Utc>, Result<(), &'static str>);
use chrono::TimeDelta;

const ES: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata:
  name: payments
spec:
  stripe:
    charges:
      webhook:
        endpoint: /stripe
        port: "16000"
        method: POST
      eventFilter: [charge.succeeded, charge.failed]
      metadata:
        ledger: eu
"#;

const CHARGE: &str = r#"{
  "id": "evt_3OqXyz2eZvKYlo2C1a2b3c4d",
  "object": "event",
  "api_version": "2023-10-16",
  "created": 1709283600,
  "data": {
    "object": {
      "id": "ch_3OqXyz2eZvKYlo2C1abcdefg",
      "object": "charge",
      "amount": 2000,
      "currency": "eur",
      "paid": true,
      "metadata": {"order": "A-1001 <priority>"}
    }
  },
  "livemode": false,
  "pending_webhooks": 2,
  "request": {"id": "req_8xqvXcJvX2Z1Bc", "idempotency_key": "6b1a3e44-5ea2-4c46-9e46"},
  "type": "charge.succeeded",
  "extra_field": "dropped"
}"#;

const SECRET: &str = "whsec_test_5WbX5kEWLlfzsGNjH64I8lOOqUB6e8FH";

fn signature(t: i64, body: &str) -> String {
    hmac256(SECRET, &[t.to_string().as_bytes(), b".", body.as_bytes()])
}

fn delivery(body: &str) -> Req {
    Req::post("/stripe", "application/json; charset=utf-8", body).header(
        "User-Agent",
        "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
    )
}

#[test]
fn publishes_stripe_go_event_shape() {
    let es = eventsource(ES);
    let ep = compile(&es, "charges");
    let a = accept(&ep, &delivery(CHARGE));
    assert_eq!(
        data(&a),
        concat!(
            r#"{"event":{"account":"","api_version":"2023-10-16","created":1709283600,"#,
            r#""data":{"previous_attributes":null,"object":{"id":"ch_3OqXyz2eZvKYlo2C1abcdefg","object":"charge","#,
            r#""amount":2000,"currency":"eur","paid":true,"metadata":{"order":"A-1001 \u003cpriority\u003e"}}},"#,
            r#""id":"evt_3OqXyz2eZvKYlo2C1a2b3c4d","livemode":false,"object":"event","pending_webhooks":2,"#,
            r#""request":{"id":"req_8xqvXcJvX2Z1Bc","idempotency_key":"6b1a3e44-5ea2-4c46-9e46"},"type":"charge.succeeded"},"#,
            r#""metadata":{"ledger":"eu"}}"#
        )
    );
}

#[test]
fn previous_attributes_and_request_id_forms() {
    let es = eventsource(ES);
    let ep = compile(&es, "charges");
    let body = r#"{"id":"evt_1","type":"charge.failed","request":"req_old","data":{"object":{"id":"ch_1"},"previous_attributes":{"z":1.50,"a":"x"}}}"#;
    let d = data(&accept(&ep, &delivery(body)));
    assert!(
        d.contains(r#""data":{"previous_attributes":{"a":"x","z":1.5},"object":{"id":"ch_1"}}"#),
        "{d}"
    );
    assert!(
        d.contains(r#""request":{"id":"req_old","idempotency_key":""}"#),
        "{d}"
    );
}

#[test]
fn filters_types_and_rejects_malformed_events() {
    let es = eventsource(ES);
    let ep = compile(&es, "charges");
    let refund = CHARGE.replace("charge.succeeded", "charge.refunded");
    assert!(filtered(&accept(&ep, &delivery(&refund))).contains("charge.refunded"));
    for bad in [
        "not json",
        r#"{"id":"evt_1","created":"yesterday"}"#,
        r#"{"id":"evt_1","created":1.5}"#,
        r#"{"id":"evt_1","data":{"previous_attributes":{}}}"#,
        r#"{"id":"evt_1","data":{"object":[1]}}"#,
        r#"{"id":"evt_1","request":7}"#,
    ] {
        let a = accept(&ep, &delivery(bad));
        assert_eq!(rejected(&a), (400, "failed to parse the event"), "{bad}");
    }
}

#[test]
fn signature_is_checked_when_a_secret_is_supplied() {
    let es = eventsource(ES);
    let ep = compile(&es, "charges")
        .with_stripe_signing_secret(SECRET.into(), STRIPE_DEFAULT_TOLERANCE_SECS)
        .expect("stripe endpoint");
    let t0 = now().timestamp();
    let good = |t: i64| {
        format!(
            "t={t},v1={},v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39",
            signature(t, CHARGE)
        )
    };
    let cases: Vec<Case> = vec![
        (Some(good(t0)), now(), Ok(())),
        (Some(good(t0 - 300)), now(), Ok(())),
        (
            Some(good(t0 - 301)),
            now(),
            Err("timestamp wasn't within tolerance"),
        ),
        (
            Some(good(t0 - 300)),
            now() + TimeDelta::milliseconds(1),
            Err("timestamp wasn't within tolerance"),
        ),
        (Some(good(t0 + 3600)), now(), Ok(())),
        (
            Some(format!("t={t0},v1=deadbeef,v1={}", signature(t0, CHARGE))),
            now(),
            Ok(()),
        ),
        (None, now(), Err("webhook has no Stripe-Signature header")),
        (
            Some(format!("t={t0}")),
            now(),
            Err("webhook had no valid signature"),
        ),
        (
            Some(format!("t={t0},v1=zz")),
            now(),
            Err("webhook had no valid signature"),
        ),
        (
            Some(format!("t={t0},v1={}", signature(t0 - 1, CHARGE))),
            now(),
            Err("webhook had no valid signature"),
        ),
        (
            Some("t=abc,v1=00".into()),
            now(),
            Err("webhook has invalid Stripe-Signature header"),
        ),
        (
            Some(format!("t={t0},v1")),
            now(),
            Err("webhook has invalid Stripe-Signature header"),
        ),
    ];
    for (header, at, want) in cases {
        let req = match &header {
            Some(h) => delivery(CHARGE).header("Stripe-Signature", h),
            None => delivery(CHARGE),
        };
        let a = accept_at(&ep, &req, at);
        match want {
            Ok(()) => assert!(matches!(a, Accepted::Event(_)), "{header:?}: {a:?}"),
            Err(msg) => assert_eq!(rejected(&a), (401, msg), "{header:?}"),
        }
    }
}

#[test]
fn signing_secret_applies_to_stripe_only() {
    let es = eventsource(super::webhook::ES);
    let err = compile(&es, "example")
        .with_stripe_signing_secret(SECRET.into(), 300)
        .expect_err("not stripe");
    assert!(err.to_string().contains("stripe events only"), "{err}");
    let es = eventsource(ES);
    assert!(compile(&es, "charges")
        .with_stripe_signing_secret(String::new(), 300)
        .is_err());
}
