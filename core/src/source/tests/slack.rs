use super::*;
use chrono::TimeDelta;

const ES: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata:
  name: slack
spec:
  slack:
    bot:
      signingSecret: {name: slack, key: signing}
      token: {name: slack, key: token}
      webhook:
        endpoint: /slack
        port: "15000"
        method: POST
      filter:
        expression: 'type != "reaction_added"'
"#;

const FILTER: &str = "      filter:\n        expression: 'type != \"reaction_added\"'\n";

const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
const TOKEN: &str = "Jhj5dZrVaK7ZwHHjRyZWjbDl";

const MENTION: &str = r#"{
  "token": "Jhj5dZrVaK7ZwHHjRyZWjbDl",
  "team_id": "T061EG9R6",
  "api_app_id": "A0MDYCDME",
  "event": {
    "type": "app_mention",
    "user": "U061F7AUR",
    "text": "<@U0LAN0Z89> deploy checkout",
    "ts": "1515449522.000016",
    "channel": "C0LAN2Q65",
    "event_ts": "1515449522000016"
  },
  "type": "event_callback",
  "event_id": "Ev0LAN670R",
  "event_time": 1515449522
}"#;

/// A request signed at `ts` (Unix seconds).
fn signed_at(ts: i64, content_type: &str, body: &str) -> Req {
    let t = ts.to_string();
    let sig = hmac256(SECRET, &[b"v0:", t.as_bytes(), b":", body.as_bytes()]);
    Req::post("/slack", content_type, body)
        .header("X-Slack-Request-Timestamp", &t)
        .header("X-Slack-Signature", &format!("v0={sig}"))
}

fn signed(content_type: &str, body: &str) -> Req {
    signed_at(now().timestamp(), content_type, body)
}

#[test]
fn answers_url_verification_with_the_challenge() {
    let es = eventsource(ES);
    let ep = compile(&es, "bot");
    let body = format!(
        r#"{{"token":"{TOKEN}","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}}"#
    );
    assert_eq!(
        accept(&ep, &signed("application/json", &body)),
        Accepted::Reply {
            status: 200,
            content_type: "text/plain",
            body: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P".into()
        }
    );
}

#[test]
fn publishes_callback_events_as_type_and_data() {
    let es = eventsource(ES);
    let ep = compile(&es, "bot");
    let a = accept(&ep, &signed("application/json", MENTION));
    assert_eq!(
        data(&a),
        concat!(
            r#"{"type":"app_mention","Data":{"type":"app_mention","user":"U061F7AUR","#,
            r#""text":"\u003c@U0LAN0Z89\u003e deploy checkout","ts":"1515449522.000016","#,
            r#""channel":"C0LAN2Q65","event_ts":"1515449522000016"}}"#
        )
    );
    // The EventSource filter sees the same data.
    let reaction = MENTION.replace("app_mention", "reaction_added");
    assert!(filtered(&accept(&ep, &signed("application/json", &reaction))).contains("is false"));
}

#[test]
fn replay_window_is_five_minutes_either_way() {
    let es = eventsource(ES);
    let ep = compile(&es, "bot");
    let t0 = now().timestamp();
    let cases = [
        (t0 - 300, now(), true),
        (t0 - 301, now(), false),
        (t0 + 300, now(), true),
        (t0 + 301, now(), false),
        // Sub-second time counts, as in Go's `time.Since`.
        (t0 - 300, now() + TimeDelta::milliseconds(1), false),
    ];
    for (ts, at, ok) in cases {
        let a = accept_at(&ep, &signed_at(ts, "application/json", MENTION), at);
        if ok {
            assert!(matches!(a, Accepted::Event(_)), "{ts}: {a:?}");
        } else {
            assert_eq!(
                rejected(&a),
                (401, "cannot create secrets verifier, timestamp is too old"),
                "{ts}"
            );
        }
    }
}

#[test]
fn rejects_unsigned_forged_and_wrong_token_requests() {
    let es = eventsource(ES);
    let ep = compile(&es, "bot");
    let good = signed("application/json", MENTION);
    let sig = good
        .headers
        .iter()
        .find(|(k, _)| k == "X-Slack-Signature")
        .map(|(_, v)| v.clone())
        .expect("signed");
    let ts = now().timestamp().to_string();
    let cases: Vec<(Req, u16, &str)> = vec![
        (
            Req::post("/slack", "application/json", MENTION),
            401,
            "missing headers",
        ),
        (
            Req::post("/slack", "application/json", MENTION).header("X-Slack-Signature", &sig),
            401,
            "missing headers",
        ),
        (
            Req::post(
                "/slack",
                "application/json",
                MENTION.replace("deploy", "delete"),
            )
            .header("X-Slack-Request-Timestamp", &ts)
            .header("X-Slack-Signature", &sig),
            401,
            "signature validation failed",
        ),
        (
            Req::post("/slack", "application/json", MENTION)
                .header("X-Slack-Request-Timestamp", &ts)
                .header("X-Slack-Signature", "v0=nothex"),
            401,
            "not hex",
        ),
        (
            Req::post("/slack", "application/json", MENTION)
                .header("X-Slack-Request-Timestamp", "yesterday")
                .header("X-Slack-Signature", &sig),
            401,
            "not a number",
        ),
        (
            signed("application/json", &MENTION.replace(TOKEN, "stolen")),
            401,
            "Invalid verification token",
        ),
        (
            signed("application/json", "{not json"),
            400,
            "failed to extract event",
        ),
        (
            signed("application/x-www-form-urlencoded", "foo=bar"),
            400,
            "could not determine slack type",
        ),
        (
            signed("application/x-www-form-urlencoded", "payload=%7Bnot"),
            400,
            "failed to parse interaction event",
        ),
    ];
    for (req, status, msg) in cases {
        let a = accept(&ep, &req);
        let (s, m) = rejected(&a);
        assert_eq!(s, status, "{m}");
        assert!(m.contains(msg), "want {msg:?}, got {m:?}");
        assert!(!m.contains(SECRET));
    }
}

#[test]
fn publishes_interactions_as_sent() {
    let es = eventsource(ES);
    let ep = compile(&es, "bot");
    let payload = r#"{"type":"block_actions","team":{"id":"T9TK3CUKW","domain":"example"},"user":{"id":"UA8RXUSPL","username":"jtorrance"},"api_app_id":"AABA1ABCD","token":"9s8d9as89d8as9d8as989","trigger_id":"12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3","response_url":"https://hooks.slack.com/actions/AABA1ABCD/1232321423432/D09sSasdasdAS9091209","actions":[{"action_id":"WaXA","block_id":"=qXel","value":"click_me_123","type":"button","action_ts":"1548426417.840180"}]}"#;
    let body = format!("payload={}", form_encode(payload));
    let a = accept(&ep, &signed("application/x-www-form-urlencoded", &body));
    assert_eq!(data(&a), payload);
}

#[test]
fn publishes_slash_commands_as_slack_go_struct() {
    // A slash command has no `type` key: the fixture's filter drops it, as Argo's would.
    let with_filter = compile(&eventsource(ES), "bot");
    let cmd = signed(
        "application/x-www-form-urlencoded",
        "command=%2Fdeploy&text=checkout",
    );
    assert!(filtered(&accept(&with_filter, &cmd)).contains("'type' does not exist"));

    let es = eventsource(&ES.replace(FILTER, ""));
    let ep = compile(&es, "bot");
    let body = "token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001&team_domain=example&enterprise_id=E0001&enterprise_name=Globular%20Construct%20Inc&channel_id=C2147483705&channel_name=test&user_id=U2147483697&user_name=Steve&command=/weather&text=94070&response_url=https://hooks.slack.com/commands/1234/5678&trigger_id=13345224609.738474920.8088930838d88f008e0&api_app_id=A123456";
    let a = accept(&ep, &signed("application/x-www-form-urlencoded", body));
    assert_eq!(
        data(&a),
        concat!(
            r#"{"token":"gIkuvaNzQIHg97ATvDxqgjtO","team_id":"T0001","team_domain":"example","enterprise_id":"E0001","#,
            r#""enterprise_name":"Globular Construct Inc","is_enterprise_install":false,"channel_id":"C2147483705","#,
            r#""channel_name":"test","user_id":"U2147483697","user_name":"Steve","command":"/weather","text":"94070","#,
            r#""response_url":"https://hooks.slack.com/commands/1234/5678","trigger_id":"13345224609.738474920.8088930838d88f008e0","#,
            r#""api_app_id":"A123456"}"#
        )
    );
    let minimal = accept(
        &ep,
        &signed(
            "application/x-www-form-urlencoded",
            "command=%2Fdeploy&text=checkout",
        ),
    );
    assert!(data(&minimal).starts_with(
        r#"{"token":"","team_id":"","team_domain":"","is_enterprise_install":false,"#
    ));
}

#[test]
fn other_event_types_publish_nothing() {
    let es = eventsource(ES);
    let ep = compile(&es, "bot");
    let body = format!(
        r#"{{"token":"{TOKEN}","type":"app_rate_limited","minute_rate_limited":1518467820}}"#
    );
    assert!(filtered(&accept(&ep, &signed("application/json", &body))).contains("app_rate_limited"));
}

#[test]
fn signing_secret_and_token_are_required() {
    for (field, missing) in [
        (
            "signingSecret",
            "      signingSecret: {name: slack, key: signing}\n",
        ),
        ("token", "      token: {name: slack, key: token}\n"),
    ] {
        let es = eventsource(&ES.replace(missing, ""));
        let err = CompiledEndpoint::compile(&es, "bot", &secrets()).expect_err("required");
        assert_eq!(
            err.to_string(),
            format!(
                "spec.slack.bot.{field}: is required (Argo does not start this source without it)"
            )
        );
    }
}
