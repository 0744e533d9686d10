use super::*;

/// `Ok("event")` / `Ok("filtered")`, or the rejection.
type Want = Result<&'static str, (u16, &'static str)>;

const ES: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata:
  name: gitlab
spec:
  gitlab:
    push:
      projects: ["42"]
      webhook:
        endpoint: /gitlab
        port: "14000"
        method: POST
      events: [PushEvents, TagPushEvents]
      accessToken: {name: gitlab, key: access}
      secretToken: {name: gitlab, key: token}
      gitlabBaseURL: https://gitlab.example.com
"#;

const PUSH: &str = r#"{
  "object_kind": "push",
  "event_name": "push",
  "before": "95790bf891e76fee5e1747ab589903a6a1f80f22",
  "after": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
  "ref": "refs/heads/master",
  "user_username": "jsmith",
  "project_id": 15,
  "project": {"id": 15, "name": "Diaspora", "path_with_namespace": "mike/diaspora"},
  "total_commits_count": 4
}"#;

fn hook(event: &str, token: Option<&str>, body: &str) -> Req {
    let req = Req::post("/gitlab", "application/json", body)
        .header("X-Gitlab-Event", event)
        .header("X-Gitlab-Instance", "https://gitlab.example.com")
        .header("User-Agent", "GitLab/17.9.0");
    match token {
        Some(t) => req.header("X-Gitlab-Token", t),
        None => req,
    }
}

#[test]
fn publishes_raw_body_with_headers() {
    let es = eventsource(ES);
    let ep = compile(&es, "push");
    let a = accept(&ep, &hook("Push Hook", Some("gl-token"), PUSH));
    assert_eq!(
        data(&a),
        concat!(
            r#"{"headers":{"Content-Type":["application/json"],"User-Agent":["GitLab/17.9.0"],"#,
            r#""X-Gitlab-Event":["Push Hook"],"X-Gitlab-Instance":["https://gitlab.example.com"],"X-Gitlab-Token":["gl-token"]},"#,
            r#""body":{"object_kind":"push","event_name":"push","before":"95790bf891e76fee5e1747ab589903a6a1f80f22","#,
            r#""after":"da1560886d4f094c3e6c9ef40349f7d38b5d27d7","ref":"refs/heads/master","user_username":"jsmith","#,
            r#""project_id":15,"project":{"id":15,"name":"Diaspora","path_with_namespace":"mike/diaspora"},"total_commits_count":4}}"#
        )
    );
    let Accepted::Event(ev) = &a else {
        unreachable!()
    };
    assert_eq!(ev.context.r#type, "gitlab");
}

#[test]
fn checks_token_events_and_body() {
    let es = eventsource(ES);
    let ep = compile(&es, "push");
    let cases: Vec<(Req, Want)> = vec![
        (hook("Push Hook", None, PUSH), Err((400, "token mismatch"))),
        (
            hook("Push Hook", Some("nope"), PUSH),
            Err((400, "token mismatch")),
        ),
        (
            hook("Push Hook", Some("gl-token "), PUSH),
            Err((400, "token mismatch")),
        ),
        (
            hook("Push Hook", Some("gl-token"), "{oops"),
            Err((400, "invalid event")),
        ),
        (hook("Tag Push Hook", Some("gl-token"), PUSH), Ok("event")),
        (
            hook("Merge Request Hook", Some("gl-token"), PUSH),
            Ok("filtered"),
        ),
        (hook("", Some("gl-token"), PUSH), Ok("filtered")),
    ];
    for (req, want) in cases {
        let a = accept(&ep, &req);
        match want {
            Err((status, msg)) => {
                let (s, m) = rejected(&a);
                assert_eq!(s, status, "{m}");
                assert!(m.contains(msg), "{m}");
            }
            Ok("event") => assert!(matches!(a, Accepted::Event(_)), "{a:?}"),
            Ok(_) => {
                let r = filtered(&a);
                assert!(r.contains("PushEvents, TagPushEvents"), "{r}");
            }
        }
    }
}

#[test]
fn unknown_event_names_fail_at_compile() {
    let es = eventsource(&ES.replace("TagPushEvents", "TagEvents"));
    let err = CompiledEndpoint::compile(&es, "push", &secrets()).expect_err("unknown event");
    let msg = err.to_string();
    assert!(
        msg.starts_with("spec.gitlab.push.events[1]: unknown GitLab event \"TagEvents\""),
        "{msg}"
    );
}
