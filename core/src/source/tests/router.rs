use super::*;

const ES: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata:
  name: mixed
spec:
  webhook:
    a:
      port: "12000"
      endpoint: /a
      method: POST
    b:
      port: "12000"
      endpoint: b
      method: POST
    spaced:
      port: "12000"
      endpoint: /my hook
      method: POST
  github:
    gh:
      repositories: [{owner: acme, names: [shop]}]
      webhook: {endpoint: /gh, port: "12001"}
"#;

fn names(route: Route<'_>) -> String {
    match route {
        Route::Endpoint(e) => e.endpoint().event_name.clone(),
        Route::Health => "health".into(),
        Route::NotFound => "404".into(),
    }
}

#[test]
fn routes_by_port_and_exact_path() {
    let es = eventsource(ES);
    let router = Router::new(CompiledEndpoint::compile_all(&es, &secrets()).expect("compiles"))
        .expect("no duplicates");
    assert_eq!(router.ports(), [12000, 12001]);
    let cases = [
        (12000, "/a", "a"),
        (12000, "/b", "b"),
        (12000, "b", "404"),
        (12000, "/a/", "404"),
        (12000, "/A", "404"),
        (12000, "/my%20hook", "spaced"),
        (12000, "/my%2", "404"),
        (12001, "/gh", "gh"),
        (12001, "/a", "404"),
        (12000, "/health", "health"),
        (12001, "/health", "health"),
        (12002, "/health", "404"),
        (12002, "/a", "404"),
    ];
    for (port, path, want) in cases {
        assert_eq!(names(router.route(port, path)), want, "{port} {path}");
    }
}

#[test]
fn an_endpoint_named_health_wins() {
    let es = eventsource(&ES.replace("endpoint: /a\n", "endpoint: /health\n"));
    let router = Router::new(CompiledEndpoint::compile_all(&es, &secrets()).expect("compiles"))
        .expect("no duplicates");
    assert_eq!(names(router.route(12000, "/health")), "a");
}

#[test]
fn duplicate_routes_are_refused() {
    let es = eventsource(&ES.replace("endpoint: b\n", "endpoint: /a\n"));
    let err = Router::new(CompiledEndpoint::compile_all(&es, &secrets()).expect("compiles"))
        .expect_err("duplicate");
    assert_eq!(
        err.to_string(),
        "port 12000 path \"/a\" is served by both spec.webhook.a of EventSource \"mixed\" and spec.webhook.b of EventSource \"mixed\"; one route can feed only one event"
    );
}
