//! EventSource rules (Argo's `ValidateEventSource` and each source's `validate`) and the basic
//! EventBus checks.

use super::common::{self, WebhookView};
use super::sensor::object_name;
use super::{at, blank, idx, parse_cron, parse_go_duration, parse_timezone, text, Ctx};
use crate::spec::{EventBus, EventSource, EventSourceSpec, WatchPathConfig, WebhookContext};
use indexmap::IndexMap;
use std::collections::HashMap;

/// Source kinds Argo deploys with the Recreate strategy; they cannot share an EventSource with
/// the others (rolling update), per Argo's `ValidateEventSource`.
const RECREATE_KINDS: &[&str] = &[
    "amqp",
    "calendar",
    "kafka",
    "pubSub",
    "azureEventsHub",
    "azureServiceBus",
    "nats",
    "mqtt",
    "minio",
    "emitter",
    "nsq",
    "pulsar",
    "redis",
    "redisStream",
    "resource",
    "hdfs",
    "file",
    "sftp",
    "generic",
];

/// Walk state shared by all sources of one EventSource.
#[derive(Default)]
struct Walk {
    /// event name → path of its first definition
    names: HashMap<String, String>,
    /// (port, endpoint) → path of the first webhook serving it
    routes: HashMap<(String, String), String>,
    kinds: Vec<&'static str>,
}

impl Walk {
    fn each<T>(
        &mut self,
        cx: &mut Ctx,
        kind: &'static str,
        map: &IndexMap<String, T>,
        mut check: impl FnMut(&mut Ctx, &mut Walk, &str, &T),
    ) {
        if map.is_empty() {
            return;
        }
        self.kinds.push(kind);
        for (name, v) in map {
            let path = format!("spec.{kind}.{name}");
            if name.trim().is_empty() {
                cx.error(
                    &path,
                    "event name can't be empty (sensors refer to events by this name)",
                );
            }
            match self.names.get(name) {
                Some(first) => cx.error(
                    &path,
                    format!("event name {name:?} is also used by {first}; Argo requires event names to be unique across all source types in one EventSource"),
                ),
                None => {
                    self.names.insert(name.clone(), path.clone());
                }
            }
            check(cx, self, &path, v);
        }
    }

    fn route(
        &mut self,
        cx: &mut Ctx,
        path: &str,
        port: &Option<String>,
        endpoint: &Option<String>,
    ) {
        let (Some(port), Some(endpoint)) = (text(port), text(endpoint)) else {
            return;
        };
        let endpoint = if endpoint.starts_with('/') {
            endpoint.to_string()
        } else {
            format!("/{endpoint}")
        };
        let key = (port.trim().to_string(), endpoint.clone());
        match self.routes.get(&key) {
            Some(first) => cx.error(
                at(path, "endpoint"),
                format!("port {port} and endpoint {endpoint:?} are already served by {first}; one HTTP route can feed only one event"),
            ),
            None => {
                self.routes.insert(key, path.to_string());
            }
        }
    }
}

fn ctx_view(w: &WebhookContext) -> WebhookView<'_> {
    WebhookView {
        endpoint: &w.endpoint,
        port: &w.port,
        method: &w.method,
        max_payload_size: w.max_payload_size,
        server_cert_secret: &w.server_cert_secret,
        server_key_secret: &w.server_key_secret,
        auth_secret: &w.auth_secret,
    }
}

/// The `webhook` of a hook-based source (github, gitlab, slack, …): required by Argo's
/// `ValidateWebhookContext`.
fn hook(cx: &mut Ctx, walk: &mut Walk, path: &str, w: &Option<WebhookContext>) {
    match w {
        None => cx.error(
            at(path, "webhook"),
            "webhook is required: Argo serves this source's HTTP endpoint from it (endpoint, port)",
        ),
        Some(w) => {
            let wp = at(path, "webhook");
            common::webhook(cx, &wp, &ctx_view(w), false);
            walk.route(cx, &wp, &w.port, &w.endpoint);
        }
    }
}

pub(super) fn validate(cx: &mut Ctx, es: &EventSource) {
    object_name(cx, &es.metadata, "EventSource");
    let Some(spec) = &es.spec else {
        return;
    };
    let mut walk = Walk::default();
    sources(cx, &mut walk, spec);
    if walk.kinds.is_empty() {
        cx.error(
            "spec",
            "no event source is defined: add one under a source kind, e.g. spec.webhook.<event name>",
        );
    }
    let recreate: Vec<&str> = walk
        .kinds
        .iter()
        .copied()
        .filter(|k| RECREATE_KINDS.contains(k))
        .collect();
    let rolling: Vec<&str> = walk
        .kinds
        .iter()
        .copied()
        .filter(|k| !RECREATE_KINDS.contains(k))
        .collect();
    if !recreate.is_empty() && !rolling.is_empty() {
        cx.error(
            "spec",
            format!(
                "{} and {} cannot share one EventSource: Argo deploys the first kind with the Recreate strategy and the second with rolling updates (\"event sources with rolling update and recreate update strategy can not be put together\"); split them into two EventSources",
                recreate.join(", "),
                rolling.join(", ")
            ),
        );
    }
    if let Some(r) = spec.replicas {
        if r < 0 {
            cx.error("spec.replicas", format!("replicas {r} must be ≥ 0"));
        }
    }
}

fn sources(cx: &mut Ctx, walk: &mut Walk, spec: &EventSourceSpec) {
    walk.each(cx, "webhook", &spec.webhook, |cx, walk, path, w| {
        let view = WebhookView {
            endpoint: &w.endpoint,
            port: &w.port,
            method: &w.method,
            max_payload_size: w.max_payload_size,
            server_cert_secret: &w.server_cert_secret,
            server_key_secret: &w.server_key_secret,
            auth_secret: &w.auth_secret,
        };
        common::webhook(cx, path, &view, true);
        walk.route(cx, path, &w.port, &w.endpoint);
    });
    walk.each(cx, "calendar", &spec.calendar, |cx, _, path, c| {
        let schedule = text(&c.schedule);
        let interval = text(&c.interval);
        if schedule.is_none() && interval.is_none() {
            cx.error(
                path,
                "a calendar needs a schedule (5-field cron) or an interval (Go duration, e.g. \"10s\")",
            );
        }
        if let Some(s) = schedule {
            if let Err(e) = parse_cron(s) {
                cx.error(at(path, "schedule"), e);
            }
            if interval.is_some() {
                cx.warn(
                    at(path, "interval"),
                    "interval is ignored: Argo uses schedule when both are set",
                );
            }
        } else if let Some(i) = interval {
            match parse_go_duration(i) {
                Err(e) => cx.error(at(path, "interval"), e),
                Ok(d) if d.is_zero() => cx.error(
                    at(path, "interval"),
                    "interval must be > 0 (a zero interval fires continuously)",
                ),
                Ok(_) => {}
            }
        }
        if let Some(tz) = &c.timezone {
            if let Err(e) = parse_timezone(tz) {
                cx.error(at(path, "timezone"), e);
            }
        }
        for (i, d) in c.exclusion_dates.iter().enumerate() {
            exclusion_date(cx, &idx(&at(path, "exclusionDates"), i), d);
        }
        if let Some(p) = &c.persistence {
            let pp = at(path, "persistence");
            if let Some(cu) = &p.catchup {
                if let Some(md) = text(&cu.max_duration) {
                    if let Err(e) = parse_go_duration(md) {
                        cx.error(at(&at(&pp, "catchup"), "maxDuration"), e);
                    }
                }
            }
            if let Some(cm) = &p.config_map {
                if blank(&cm.name) {
                    cx.error(
                        at(&at(&pp, "configMap"), "name"),
                        "the persistence config map needs a name",
                    );
                }
            }
        }
    });
    walk.each(cx, "file", &spec.file, |cx, _, path, f| {
        file_event_type(cx, &at(path, "eventType"), &f.event_type);
        if let Some(w) = &f.watch_path_config {
            watch_path(cx, &at(path, "watchPathConfig"), w);
        }
    });
    walk.each(cx, "sftp", &spec.sftp, |cx, _, path, f| {
        file_event_type(cx, &at(path, "eventType"), &f.event_type);
        if let Some(w) = &f.watch_path_config {
            watch_path(cx, &at(path, "watchPathConfig"), w);
        }
        duration_field(cx, path, "pollIntervalDuration", &f.poll_interval_duration);
        common::secret_opt(cx, path, "address", &f.address);
        common::secret_opt(cx, path, "username", &f.username);
        common::secret_opt(cx, path, "password", &f.password);
        common::secret_opt(cx, path, "sshKeySecret", &f.ssh_key_secret);
    });
    walk.each(cx, "hdfs", &spec.hdfs, |cx, _, path, h| {
        let w = WatchPathConfig {
            directory: h.directory.clone(),
            path: h.path.clone(),
            path_regexp: h.path_regexp.clone(),
        };
        watch_path(cx, path, &w);
        duration_field(cx, path, "checkInterval", &h.check_interval);
        if h.addresses.iter().any(|a| a.trim().is_empty()) {
            cx.error(
                at(path, "addresses"),
                "HDFS name node addresses can't be empty",
            );
        }
    });
    walk.each(cx, "github", &spec.github, |cx, walk, path, g| {
        let repos = !g.repositories.is_empty()
            || (text(&g.owner).is_some() && text(&g.repository).is_some());
        let orgs = !g.organizations.is_empty();
        if !repos && !orgs {
            cx.error(path, "either repositories or organizations is required");
        }
        if repos && orgs {
            cx.error(
                at(path, "organizations"),
                "only one of repositories and organizations is allowed",
            );
        }
        let creds = g.api_token.is_some()
            || g.github_app
                .as_ref()
                .is_some_and(|a| a.private_key.is_some());
        let hook_url = g.webhook.as_ref().is_some_and(|w| text(&w.url).is_some());
        if creds && hook_url && g.events.is_empty() {
            cx.error(
                at(path, "events"),
                "events must be defined to create a GitHub webhook",
            );
        }
        if let Some(ct) = text(&g.content_type) {
            if ct != "json" && ct != "form" {
                cx.error(
                    at(path, "contentType"),
                    format!("content type {ct:?} must be \"json\" or \"form\""),
                );
            }
        }
        match (text(&g.github_base_url), text(&g.github_upload_url)) {
            (Some(_), None) => cx.error(
                at(path, "githubUploadURL"),
                "githubUploadURL is required when githubBaseURL is set",
            ),
            (None, Some(_)) => cx.error(
                at(path, "githubBaseURL"),
                "githubBaseURL is required when githubUploadURL is set",
            ),
            _ => {}
        }
        for (i, r) in g.repositories.iter().enumerate() {
            if r.names.is_empty() {
                cx.error(
                    at(&idx(&at(path, "repositories"), i), "names"),
                    "list at least one repository name for this owner",
                );
            }
        }
        common::secret_opt(cx, path, "apiToken", &g.api_token);
        common::secret_opt(cx, path, "webhookSecret", &g.webhook_secret);
        hook(cx, walk, path, &g.webhook);
    });
    walk.each(cx, "gitlab", &spec.gitlab, |cx, walk, path, g| {
        if g.events.is_empty() {
            cx.error(at(path, "events"), "events can't be empty");
        }
        if blank(&g.gitlab_base_url) {
            cx.error(at(path, "gitlabBaseURL"), "gitlab base url can't be empty");
        }
        match &g.access_token {
            None => cx.error(at(path, "accessToken"), "access token can't be nil"),
            Some(t) => common::secret(cx, &at(path, "accessToken"), t),
        }
        common::secret_opt(cx, path, "secretToken", &g.secret_token);
        hook(cx, walk, path, &g.webhook);
    });
    walk.each(cx, "bitbucket", &spec.bitbucket, |cx, walk, path, b| {
        let repos = !b.repositories.is_empty()
            || (text(&b.owner).is_some() && text(&b.repository_slug).is_some());
        if !repos {
            cx.error(
                at(path, "repositories"),
                "at least one repository is required",
            );
        }
        let creds = b.auth.as_ref().is_some_and(|a| {
            a.oauth_token.is_some()
                || a.basic
                    .as_ref()
                    .is_some_and(|x| x.username.is_some() && x.password.is_some())
        });
        let hook_url = b.webhook.as_ref().is_some_and(|w| text(&w.url).is_some());
        if creds && hook_url && b.events.is_empty() {
            cx.error(
                at(path, "events"),
                "events must be defined to create Bitbucket webhooks",
            );
        }
        hook(cx, walk, path, &b.webhook);
    });
    walk.each(
        cx,
        "bitbucketserver",
        &spec.bitbucketserver,
        |cx, walk, path, b| {
            let repos = !b.repositories.is_empty()
                || (text(&b.project_key).is_some() && text(&b.repository_slug).is_some());
            if !repos && b.projects.is_empty() {
                cx.error(
                    path,
                    "at least one project or repository configuration is required",
                );
            }
            let hook_url = b.webhook.as_ref().is_some_and(|w| text(&w.url).is_some());
            if b.access_token.is_some() && hook_url && b.events.is_empty() {
                cx.error(
                    at(path, "events"),
                    "events must be defined to create a Bitbucket Server webhook",
                );
            }
            if blank(&b.bitbucketserver_base_url) {
                cx.error(
                    at(path, "bitbucketserverBaseURL"),
                    "bitbucket server base url can't be empty",
                );
            }
            duration_field(cx, path, "checkInterval", &b.check_interval);
            common::tls_opt(cx, path, &b.tls);
            hook(cx, walk, path, &b.webhook);
        },
    );
    walk.each(cx, "slack", &spec.slack, |cx, walk, path, s| {
        match &s.token {
            None => cx.error(
                at(path, "token"),
                "token not provided (needed for Slack's URL verification)",
            ),
            Some(t) => common::secret(cx, &at(path, "token"), t),
        }
        match &s.signing_secret {
            None => cx.error(
                at(path, "signingSecret"),
                "signingSecret not provided (needed to verify Slack's requests)",
            ),
            Some(t) => common::secret(cx, &at(path, "signingSecret"), t),
        }
        hook(cx, walk, path, &s.webhook);
    });
    walk.each(cx, "stripe", &spec.stripe, |cx, walk, path, s| {
        if s.create_webhook == Some(true) && s.api_key.is_none() {
            cx.error(
                at(path, "apiKey"),
                "apiKey is required when createWebhook is true",
            );
        }
        common::secret_opt(cx, path, "apiKey", &s.api_key);
        hook(cx, walk, path, &s.webhook);
    });
    walk.each(cx, "sns", &spec.sns, |cx, walk, path, s| {
        common::secret_opt(cx, path, "accessKey", &s.access_key);
        common::secret_opt(cx, path, "secretKey", &s.secret_key);
        hook(cx, walk, path, &s.webhook);
    });
    walk.each(
        cx,
        "storageGrid",
        &spec.storage_grid,
        |cx, walk, path, s| {
            hook(cx, walk, path, &s.webhook);
        },
    );
    walk.each(cx, "gerrit", &spec.gerrit, |cx, walk, path, g| {
        if let Some(a) = &g.auth {
            common::basic_auth(cx, &at(path, "auth"), a);
        }
        hook(cx, walk, path, &g.webhook);
    });
    walk.each(cx, "sqs", &spec.sqs, |cx, _, path, s| {
        if s.region.as_deref().is_some_and(|r| r.trim().is_empty()) {
            cx.error(at(path, "region"), "must specify region");
        }
        if s.queue.as_deref().is_some_and(|q| q.trim().is_empty()) {
            cx.error(at(path, "queue"), "must specify queue name");
        }
        if let Some(w) = s.wait_time_seconds {
            if !(0..=20).contains(&w) {
                cx.error(at(path, "waitTimeSeconds"), format!("waitTimeSeconds {w} is outside 0-20 (SQS long polling waits at most 20 seconds)"));
            }
        }
        common::secret_opt(cx, path, "accessKey", &s.access_key);
        common::secret_opt(cx, path, "secretKey", &s.secret_key);
        common::secret_opt(cx, path, "sessionToken", &s.session_token);
    });
    walk.each(cx, "minio", &spec.minio, |cx, _, path, m| {
        if m.endpoint.as_deref().is_some_and(|e| e.trim().is_empty()) {
            cx.error(at(path, "endpoint"), "endpoint url can't be empty");
        }
        if let Some(b) = &m.bucket {
            if blank(&b.name) {
                cx.error(at(&at(path, "bucket"), "name"), "bucket name can't be empty");
            }
        }
        for (i, e) in m.events.iter().enumerate() {
            if e.trim().is_empty() {
                cx.error(idx(&at(path, "events"), i), "event type can't be empty (e.g. \"s3:ObjectCreated:Put\")");
            } else if !e.starts_with("s3:") {
                cx.warn(idx(&at(path, "events"), i), format!("{e:?} is not a bucket notification type; they look like \"s3:ObjectCreated:*\" or \"s3:ObjectRemoved:Delete\""));
            }
        }
        common::secret_opt(cx, path, "accessKey", &m.access_key);
        common::secret_opt(cx, path, "secretKey", &m.secret_key);
    });
    walk.each(cx, "generic", &spec.generic, |cx, _, path, g| {
        if g.url.as_deref().is_some_and(|u| u.trim().is_empty()) {
            cx.error(
                at(path, "url"),
                "url of the gRPC event source server can't be empty",
            );
        }
        common::secret_opt(cx, path, "authSecret", &g.auth_secret);
    });
    walk.each(cx, "resource", &spec.resource, |cx, _, path, r| {
        if r.version.as_deref().is_some_and(|v| v.trim().is_empty()) {
            cx.error(at(path, "version"), "version must be specified (e.g. \"v1\")");
        }
        if r.resource.as_deref().is_some_and(|v| v.trim().is_empty()) {
            cx.error(at(path, "resource"), "resource must be specified (plural, e.g. \"pods\")");
        }
        const TYPES: &[&str] = &["ADD", "UPDATE", "DELETE"];
        for (i, t) in r.event_types.iter().enumerate() {
            if !TYPES.contains(&t.as_str()) {
                cx.error(idx(&at(path, "eventTypes"), i), format!("event type {t:?} is not one of \"ADD\", \"UPDATE\" or \"DELETE\" (upper case)"));
            }
        }
    });
    walk.each(cx, "kafka", &spec.kafka, |cx, _, path, k| {
        if let Some(p) = text(&k.partition) {
            if p.trim().parse::<i32>().is_err() {
                cx.error(
                    at(path, "partition"),
                    format!("partition {p:?} is not a number"),
                );
            }
        }
        if let Some(n) = k.limit_events_per_second {
            if n < 0 {
                cx.error(
                    at(path, "limitEventsPerSecond"),
                    format!("limitEventsPerSecond {n} must be ≥ 0"),
                );
            }
        }
        if let Some(s) = &k.sasl {
            common::sasl(cx, &at(path, "sasl"), s);
        }
        common::tls_opt(cx, path, &k.tls);
        common::backoff_opt(cx, path, "connectionBackoff", &k.connection_backoff);
    });
    walk.each(cx, "nats", &spec.nats, |cx, _, path, n| {
        if let Some(a) = &n.auth {
            if let Some(b) = &a.basic {
                common::basic_auth(cx, &at(&at(path, "auth"), "basic"), b);
            }
        }
        common::tls_opt(cx, path, &n.tls);
        common::backoff_opt(cx, path, "connectionBackoff", &n.connection_backoff);
    });
    walk.each(cx, "amqp", &spec.amqp, |cx, _, path, a| {
        match (text(&a.url).is_some(), a.url_secret.is_some()) {
            (false, false) => {
                cx.error(at(path, "url"), "either url or urlSecret must be specified")
            }
            (true, true) => cx.error(
                at(path, "urlSecret"),
                "only one of url and urlSecret may be specified",
            ),
            _ => {}
        }
        if let Some(b) = &a.auth {
            common::basic_auth(cx, &at(path, "auth"), b);
        }
        common::tls_opt(cx, path, &a.tls);
        common::backoff_opt(cx, path, "connectionBackoff", &a.connection_backoff);
    });
    walk.each(cx, "mqtt", &spec.mqtt, |cx, _, path, m| {
        if let Some(b) = &m.auth {
            common::basic_auth(cx, &at(path, "auth"), b);
        }
        common::tls_opt(cx, path, &m.tls);
        common::backoff_opt(cx, path, "connectionBackoff", &m.connection_backoff);
    });
    walk.each(cx, "nsq", &spec.nsq, |cx, _, path, n| {
        common::tls_opt(cx, path, &n.tls);
        common::backoff_opt(cx, path, "connectionBackoff", &n.connection_backoff);
    });
    walk.each(cx, "redis", &spec.redis, |cx, _, path, r| {
        if r.db.is_some_and(|d| d < 0) {
            cx.error(at(path, "db"), "db must be ≥ 0");
        }
        common::tls_opt(cx, path, &r.tls);
    });
    walk.each(cx, "redisStream", &spec.redis_stream, |cx, _, path, r| {
        if r.db.is_some_and(|d| d < 0) {
            cx.error(at(path, "db"), "db must be ≥ 0");
        }
        if r.max_msg_count_per_read.is_some_and(|d| d < 0) {
            cx.error(
                at(path, "maxMsgCountPerRead"),
                "maxMsgCountPerRead must be ≥ 0",
            );
        }
        common::tls_opt(cx, path, &r.tls);
    });
    walk.each(cx, "pulsar", &spec.pulsar, |cx, _, path, p| {
        common::tls_opt(cx, path, &p.tls);
        common::backoff_opt(cx, path, "connectionBackoff", &p.connection_backoff);
    });
    walk.each(cx, "emitter", &spec.emitter, |cx, _, path, e| {
        common::tls_opt(cx, path, &e.tls);
        common::backoff_opt(cx, path, "connectionBackoff", &e.connection_backoff);
    });
    walk.each(cx, "pubSub", &spec.pub_sub, |_, _, _, _| {});
    walk.each(
        cx,
        "azureEventsHub",
        &spec.azure_events_hub,
        |_, _, _, _| {},
    );
    walk.each(
        cx,
        "azureQueueStorage",
        &spec.azure_queue_storage,
        |cx, _, path, a| {
            if blank(&a.storage_account_name) && a.connection_string.is_none() {
                cx.error(path, "set storageAccountName or connectionString");
            }
        },
    );
    walk.each(
        cx,
        "azureServiceBus",
        &spec.azure_service_bus,
        |cx, _, path, a| {
            if a.connection_string.is_none() && blank(&a.fully_qualified_namespace) {
                cx.error(path, "set connectionString or fullyQualifiedNamespace");
            }
            if blank(&a.queue_name) && (blank(&a.topic_name) || blank(&a.subscription_name)) {
                cx.error(path, "set queueName, or topicName and subscriptionName");
            }
            common::tls_opt(cx, path, &a.tls);
        },
    );
    walk.each(cx, "mns", &spec.mns, |_, _, _, _| {});
}

/// `EXDATE:20060102T150405Z[,…]` entries (RFC 5545); others are ignored by Argo.
fn exclusion_date(cx: &mut Ctx, path: &str, d: &str) {
    let Some(list) = d.strip_prefix("EXDATE:") else {
        cx.warn(
            path,
            format!("{d:?} is ignored: Argo only reads entries of the form \"EXDATE:20060102T150405Z\" (several dates separated by commas)"),
        );
        return;
    };
    for date in list.split(',') {
        if chrono::NaiveDateTime::parse_from_str(date, "%Y%m%dT%H%M%SZ").is_err()
            || date.len() != 16
        {
            cx.error(
                path,
                format!("{date:?} is not a date-time of the form 20060102T150405Z (UTC)"),
            );
        }
    }
}

fn file_event_type(cx: &mut Ctx, path: &str, t: &Option<String>) {
    const OPS: &[&str] = &["CREATE", "WRITE", "REMOVE", "RENAME", "CHMOD"];
    match t.as_deref() {
        None => {} // schema-required
        Some(s) if s.trim().is_empty() => cx.error(
            path,
            "type must be specified (CREATE, WRITE, REMOVE, RENAME or CHMOD)",
        ),
        Some(s) => {
            for part in s.split('|') {
                if !OPS.contains(&part) {
                    cx.error(
                        path,
                        format!("{part:?} is not a file operation: use CREATE, WRITE, REMOVE, RENAME or CHMOD (upper case; combine with |)"),
                    );
                }
            }
        }
    }
}

/// Argo's `WatchPathConfig.Validate`.
fn watch_path(cx: &mut Ctx, path: &str, w: &WatchPathConfig) {
    match w.directory.as_deref() {
        None => {} // schema-required
        Some(d) if d.trim().is_empty() => cx.error(at(path, "directory"), "directory is required"),
        Some(d) if !d.starts_with('/') => cx.error(
            at(path, "directory"),
            format!("directory {d:?} must be an absolute path"),
        ),
        Some(_) => {}
    }
    let p = text(&w.path);
    let re = text(&w.path_regexp);
    match (p, re) {
        (None, None) => cx.error(path, "either path or pathRegexp must be specified"),
        (Some(_), Some(_)) => cx.error(
            at(path, "pathRegexp"),
            "path and pathRegexp cannot be specified together",
        ),
        _ => {}
    }
    if let Some(p) = p {
        if p.starts_with('/') {
            cx.error(
                at(path, "path"),
                format!("path {p:?} must be relative to the directory"),
            );
        }
    }
    if let Some(r) = re {
        if let Err(e) = crate::regex_go::compile(r) {
            cx.error(
                at(path, "pathRegexp"),
                format!(
                    "{r:?} is not a valid regular expression: {}",
                    e.to_string().lines().last().unwrap_or_default().trim()
                ),
            );
        }
    }
}

fn duration_field(cx: &mut Ctx, path: &str, field: &str, v: &Option<String>) {
    if let Some(d) = text(v) {
        if let Err(e) = parse_go_duration(d) {
            cx.error(at(path, field), e);
        }
    }
}

/// EventBus: a name and exactly one bus implementation.
pub(super) fn validate_bus(cx: &mut Ctx, bus: &EventBus) {
    object_name(cx, &bus.metadata, "EventBus");
    let Some(spec) = &bus.spec else {
        return;
    };
    let set: Vec<&str> = [
        ("nats", spec.nats.is_some()),
        ("jetstream", spec.jetstream.is_some()),
        ("kafka", spec.kafka.is_some()),
        ("jetstreamExotic", spec.jetstream_exotic.is_some()),
    ]
    .iter()
    .filter(|(_, on)| *on)
    .map(|(k, _)| *k)
    .collect();
    match set.len() {
        0 => cx.error(
            "spec",
            "invalid spec: one of nats, jetstream, jetstreamExotic or kafka needs to be specified",
        ),
        1 => {}
        _ => cx.warn(
            "spec",
            format!(
                "several bus kinds are set ({}); one EventBus runs one of them",
                set.join(", ")
            ),
        ),
    }
    if let Some(n) = &spec.nats {
        match (&n.native, &n.exotic) {
            (Some(_), Some(_)) => {
                cx.error("spec.nats", "native and exotic can not be defined together")
            }
            (None, None) => cx.error("spec.nats", "either native or exotic must be defined"),
            _ => {}
        }
        if let Some(e) = &n.exotic {
            if e.cluster_id.is_none() {
                cx.error("spec.nats.exotic.clusterID", "clusterID is missing");
            }
            if blank(&e.url) {
                cx.error("spec.nats.exotic.url", "url is missing");
            }
        }
    }
    if let Some(js) = &spec.jetstream {
        if blank(&js.version) {
            cx.error(
                "spec.jetstream.version",
                "a version for jetstream needs to be specified",
            );
        }
        if let Some(r) = js.replicas {
            if r == 2 || r <= 0 {
                cx.error(
                    "spec.jetstream.replicas",
                    format!(
                        "replicas {r}: a jetstream eventbus requires 1 replica or >= 3 replicas"
                    ),
                );
            }
        }
    }
    if let Some(x) = &spec.jetstream_exotic {
        if blank(&x.url) {
            cx.error("spec.jetstreamExotic.url", "url is missing");
        }
    }
    if let Some(k) = &spec.kafka {
        if blank(&k.url) {
            cx.error("spec.kafka.url", "url is missing");
        }
        if let Some(s) = &k.sasl {
            common::sasl(cx, "spec.kafka.sasl", s);
        }
        common::tls_opt(cx, "spec.kafka", &k.tls);
    }
}
