//! Trigger rules: template name and kind, conditions, conditionsReset, per-kind fields,
//! parameters, policy, retry strategy, rate limit and dead-letter trigger — Argo's
//! `validateTrigger` plus what its trigger implementations need to run.

use super::common;
use super::sensor::Scope;
use super::{at, blank, idx, one_of, parse_cron, parse_timezone, text, Ctx};
use crate::spec::{
    ConditionsResetCriteria, RateLimit, SecureHeader, Trigger, TriggerParameter, TriggerPolicy,
    TriggerTemplate,
};
use std::collections::HashSet;

/// Trigger kinds in the order Argo's `GetTrigger` tries them: when several are set, only the
/// first one runs.
const KINDS: &[&str] = &[
    "k8s",
    "argoWorkflow",
    "http",
    "awsLambda",
    "azureEventHubs",
    "azureServiceBus",
    "kafka",
    "pulsar",
    "nats",
    "slack",
    "openWhisk",
    "custom",
    "log",
    "email",
];

fn kinds_set(t: &TriggerTemplate) -> Vec<&'static str> {
    let on = [
        t.k8s.is_some(),
        t.argo_workflow.is_some(),
        t.http.is_some(),
        t.aws_lambda.is_some(),
        t.azure_event_hubs.is_some(),
        t.azure_service_bus.is_some(),
        t.kafka.is_some(),
        t.pulsar.is_some(),
        t.nats.is_some(),
        t.slack.is_some(),
        t.open_whisk.is_some(),
        t.custom.is_some(),
        t.log.is_some(),
        t.email.is_some(),
    ];
    KINDS
        .iter()
        .zip(on)
        .filter(|(_, on)| *on)
        .map(|(k, _)| *k)
        .collect()
}

/// Validates `spec.triggers[i]` (depth 0) or a dead-letter trigger (depth > 0).
pub(super) fn validate(cx: &mut Ctx, path: &str, t: &Trigger, scope: &Scope, depth: usize) {
    let tpath = at(path, "template");
    let mut cond_deps: Option<HashSet<String>> = None;
    let mut kinds = Vec::new();
    match &t.template {
        None => cx.error(
            &tpath,
            "a trigger needs a template (Argo: \"trigger template can't be nil\")",
        ),
        Some(tpl) => {
            if blank(&tpl.name) {
                cx.error(
                    at(&tpath, "name"),
                    "a trigger needs a name (Argo: \"trigger must define a name\")",
                );
            }
            if let Some(c) = &tpl.conditions {
                cond_deps = conditions(cx, &at(&tpath, "conditions"), c, scope);
            }
            for (i, r) in tpl.conditions_reset.iter().enumerate() {
                conditions_reset(cx, &idx(&at(&tpath, "conditionsReset"), i), r);
            }
            kinds = kinds_set(tpl);
            match kinds.len() {
                0 => cx.error(
                    &tpath,
                    format!(
                        "no trigger type is set: add exactly one of {} (Argo: \"could not find an implementation\")",
                        KINDS.join(", ")
                    ),
                ),
                1 => {}
                _ => cx.error(
                    &tpath,
                    format!(
                        "more than one trigger type is set ({}); Argo runs only `{}` and ignores the rest — use one trigger per type",
                        kinds.join(", "),
                        kinds[0]
                    ),
                ),
            }
            let params = Params {
                scope,
                cond_deps: cond_deps.as_ref(),
                template_dests: template_dests(t),
            };
            for d in &params.template_dests {
                cx.runtime_set.push(at(&tpath, &dest_to_path(d)));
            }
            kind_rules(cx, &tpath, tpl, &params);
        }
    }
    let params = Params {
        scope,
        cond_deps: cond_deps.as_ref(),
        template_dests: Vec::new(),
    };
    for (i, p) in t.parameters.iter().enumerate() {
        params.check(cx, &idx(&at(path, "parameters"), i), p, false, None);
    }
    if let Some(p) = &t.policy {
        policy(cx, &at(path, "policy"), p, kinds.first().copied());
    }
    common::backoff_opt(cx, path, "retryStrategy", &t.retry_strategy);
    if let Some(r) = &t.rate_limit {
        rate_limit(cx, &at(path, "rateLimit"), r);
    }
    if let Some(dlq) = &t.dlq_trigger {
        let dpath = at(path, "dlqTrigger");
        if depth > 0 {
            cx.warn(
                &dpath,
                "a dead-letter trigger's own dlqTrigger is never invoked: Argo runs only one level of dlqTrigger",
            );
        }
        // Tripline defaults atLeastOnce to true, so leaving it out works here; Argo needs it
        // spelled out, so say so for manifests that also run under Argo.
        for (p, v, what) in [
            (at(path, "atLeastOnce"), t.at_least_once, "this trigger"),
            (
                at(&dpath, "atLeastOnce"),
                dlq.at_least_once,
                "the dlqTrigger",
            ),
        ] {
            match v {
                Some(true) => {}
                Some(false) => cx.error(
                    p,
                    format!("dlqTrigger needs atLeastOnce on {what}: with atLeastOnce: false the trigger runs in the background, its failure is never seen and the dlqTrigger never runs"),
                ),
                None => cx.warn(
                    p,
                    format!("Tripline defaults atLeastOnce to true; Argo needs `atLeastOnce: true` written on {what} for dlqTrigger to run"),
                ),
            }
        }
        validate(cx, &dpath, dlq, scope, depth + 1);
    }
}

/// Parses `conditions` as Argo does (dependency names, `&&`, `||`, parentheses) and checks the
/// names. Returns the (normalised) names it refers to when it parses.
fn conditions(cx: &mut Ctx, path: &str, text: &str, scope: &Scope) -> Option<HashSet<String>> {
    if text.is_empty() {
        return None; // empty means "all dependencies"
    }
    let names = match parse_conditions(text) {
        Ok(n) => n,
        Err(e) => {
            cx.error(path, format!("conditions {text:?}: {e}"));
            return None;
        }
    };
    let keywords: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| EXPR_WORDS.contains(n))
        .collect();
    if !keywords.is_empty() {
        cx.error(
            path,
            format!(
                "conditions {text:?}: {} is an operator word in Argo's condition language, not a dependency name; rename the dependency",
                keywords.join(", ")
            ),
        );
    }
    let mut unknown: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| !EXPR_WORDS.contains(n) && !scope.has(n))
        .collect();
    unknown.dedup();
    if !unknown.is_empty() {
        cx.error(
            path,
            format!(
                "conditions {text:?} refer{} to unknown dependenc{} {}; this sensor's dependencies are: {}",
                if unknown.len() == 1 { "s" } else { "" },
                if unknown.len() == 1 { "y" } else { "ies" },
                unknown
                    .iter()
                    .map(|n| format!("{n:?}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                scope.list()
            ),
        );
    }
    Some(names.iter().map(|n| Scope::normalize(n)).collect())
}

/// Words the `expr` language (used by Argo to translate conditions) reserves.
const EXPR_WORDS: &[&str] = &[
    "and",
    "or",
    "not",
    "in",
    "matches",
    "contains",
    "startsWith",
    "endsWith",
    "true",
    "false",
    "nil",
];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Name(String),
    And,
    Or,
    Open,
    Close,
}

const CONDITION_SYNTAX: &str =
    "conditions may only combine dependency names with &&, || and parentheses, e.g. \"(dep01 || dep02) && dep03\"";

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut chars = s.char_indices().peekable();
    while let Some((pos, c)) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '&' | '|' => {
                if chars.peek().map(|(_, n)| *n) == Some(c) {
                    chars.next();
                    out.push(if c == '&' { Tok::And } else { Tok::Or });
                } else {
                    return Err(format!("a single `{c}` at position {pos}; use `{c}{c}`"));
                }
            }
            '(' => out.push(Tok::Open),
            ')' => out.push(Tok::Close),
            '!' => {
                return Err(format!(
                    "`!` (negation) is not supported; {CONDITION_SYNTAX}"
                ))
            }
            c if c.is_alphanumeric() || c == '_' || c == '-' => {
                let mut name = String::from(c);
                while let Some((_, n)) = chars.peek() {
                    if n.is_alphanumeric() || *n == '_' || *n == '-' {
                        name.push(*n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push(Tok::Name(name));
            }
            c => {
                return Err(format!(
                    "unexpected {c:?} at position {pos}; {CONDITION_SYNTAX}"
                ))
            }
        }
    }
    Ok(out)
}

const MAX_NESTING: usize = 64;

fn parse_conditions(s: &str) -> Result<Vec<String>, String> {
    let toks = tokenize(s)?;
    if toks.is_empty() {
        return Err(format!(
            "it is blank; leave it out to require all dependencies, or {CONDITION_SYNTAX}"
        ));
    }
    let end = parse_expr(&toks, 0, 0)?;
    if let Some(t) = toks.get(end) {
        return Err(match t {
            Tok::Close => "a `)` has no matching `(`".to_string(),
            Tok::Name(n) => format!("missing && or || before {n:?}"),
            _ => "missing && or || before `(`".to_string(),
        });
    }
    Ok(toks
        .into_iter()
        .filter_map(|t| match t {
            Tok::Name(n) => Some(n),
            _ => None,
        })
        .collect())
}

fn parse_expr(toks: &[Tok], mut pos: usize, depth: usize) -> Result<usize, String> {
    pos = parse_term(toks, pos, depth)?;
    while matches!(toks.get(pos), Some(Tok::And | Tok::Or)) {
        pos = parse_term(toks, pos + 1, depth)?;
    }
    Ok(pos)
}

fn parse_term(toks: &[Tok], pos: usize, depth: usize) -> Result<usize, String> {
    match toks.get(pos) {
        Some(Tok::Name(_)) => Ok(pos + 1),
        Some(Tok::Open) => {
            if depth >= MAX_NESTING {
                return Err(format!(
                    "parentheses are nested more than {MAX_NESTING} deep"
                ));
            }
            let end = parse_expr(toks, pos + 1, depth + 1)?;
            match toks.get(end) {
                Some(Tok::Close) => Ok(end + 1),
                _ => Err("a `(` has no matching `)`".to_string()),
            }
        }
        Some(Tok::Close) => Err("expected a dependency name or `(` before `)`".to_string()),
        Some(_) => Err("expected a dependency name or `(` before an operator".to_string()),
        None => Err("it ends where a dependency name was expected".to_string()),
    }
}

fn conditions_reset(cx: &mut Ctx, path: &str, r: &ConditionsResetCriteria) {
    let Some(by_time) = &r.by_time else {
        cx.error(
            path,
            "conditionsReset needs byTime (Argo: \"invalid conditionsReset\")",
        );
        return;
    };
    let bp = at(path, "byTime");
    match by_time.cron.as_deref() {
        None => cx.error(
            at(&bp, "cron"),
            "byTime needs a cron expression (5 fields: minute hour day-of-month month day-of-week)",
        ),
        Some(c) => {
            if let Err(e) = parse_cron(c) {
                cx.error(at(&bp, "cron"), e);
            }
        }
    }
    if let Some(tz) = &by_time.timezone {
        if let Err(e) = parse_timezone(tz) {
            cx.error(at(&bp, "timezone"), e);
        }
    }
}

/// Checks parameters against the sensor's dependencies.
struct Params<'a> {
    scope: &'a Scope,
    cond_deps: Option<&'a HashSet<String>>,
    /// `dest`s of the trigger-level parameters: template fields decided at run time.
    template_dests: Vec<&'a str>,
}

const PARAM_OPERATIONS: &[&str] = &["", "overwrite", "append", "prepend"];

/// `argoWorkflow.parameters.0.dest` → `argoWorkflow.parameters[0].dest`.
fn dest_to_path(dest: &str) -> String {
    let mut out = String::new();
    for seg in dest.split('.') {
        if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(seg);
        }
    }
    out
}

fn template_dests(t: &Trigger) -> Vec<&str> {
    t.parameters.iter().filter_map(|p| text(&p.dest)).collect()
}

impl Params<'_> {
    /// Whether a trigger-level parameter writes this template field (or an enclosing one), so
    /// its written value is only a placeholder.
    fn overridden(&self, rel: &str) -> bool {
        self.template_dests.iter().any(|d| {
            rel == *d || (rel.starts_with(d) && rel.as_bytes().get(d.len()) == Some(&b'.'))
        })
    }

    /// Argo's `validateTriggerParameter` (`http_payload`: its HTTP variant, where `dest` may be
    /// empty to send the value as the whole body).
    fn check(
        &self,
        cx: &mut Ctx,
        path: &str,
        p: &TriggerParameter,
        http_payload: bool,
        rel: Option<&str>,
    ) {
        let overridden =
            |field: &str| rel.is_some_and(|r| self.overridden(&format!("{r}.{field}")));
        if rel.is_some_and(|r| self.overridden(r)) {
            return;
        }
        match &p.src {
            None => cx.error(
                at(path, "src"),
                "parameter source can't be empty: set src.dependencyName and what to take from its event",
            ),
            Some(src) => {
                let sp = at(path, "src");
                match text(&src.dependency_name) {
                    _ if overridden("src.dependencyName") || overridden("src") => {}
                    None => cx.error(
                        at(&sp, "dependencyName"),
                        "parameter dependency name can't be empty",
                    ),
                    Some(dep) if !self.scope.has(dep) => {
                        if src.value.is_some() {
                            cx.warn(
                                at(&sp, "dependencyName"),
                                format!("no dependency is named {dep:?}, so this parameter always uses its default value; dependencies are: {}", self.scope.list()),
                            );
                        } else {
                            cx.error(
                                at(&sp, "dependencyName"),
                                format!("no dependency is named {dep:?}, so this parameter never gets a value; dependencies are: {}", self.scope.list()),
                            );
                        }
                    }
                    Some(dep) => {
                        if let Some(cond) = self.cond_deps {
                            if !cond.contains(&Scope::normalize(dep)) {
                                cx.warn(
                                    at(&sp, "dependencyName"),
                                    format!("dependency {dep:?} is not in this trigger's conditions, so its event never reaches this trigger; the parameter {}", if src.value.is_some() { "always uses its default value" } else { "is always skipped" }),
                                );
                            }
                        }
                    }
                }
                let context = text(&src.context_key).is_some() || text(&src.context_template).is_some();
                let data = text(&src.data_key).is_some() || text(&src.data_template).is_some();
                if context && data {
                    cx.warn(
                        &sp,
                        "both a context selection (contextKey/contextTemplate) and a data selection (dataKey/dataTemplate) are set; Argo uses the data selection and ignores the context one",
                    );
                }
            }
        }
        if !http_payload && blank(&p.dest) && !overridden("dest") {
            cx.error(
                at(path, "dest"),
                "parameter destination can't be empty: it is the path of the field to set",
            );
        }
        if let Some(op) = &p.operation {
            if !PARAM_OPERATIONS.contains(&op.as_str()) {
                cx.error(
                    at(path, "operation"),
                    format!(
                        "operation {op:?} is not one of {} (lower case)",
                        one_of(&PARAM_OPERATIONS[1..])
                    ),
                );
            }
        }
    }

    /// `path` is `…template.<kind>`; parameters of the kind's `field` list.
    fn list(&self, cx: &mut Ctx, path: &str, field: &str, list: &[TriggerParameter]) {
        let kind = path.rsplit('.').next().unwrap_or_default();
        for (i, p) in list.iter().enumerate() {
            let rel = format!("{kind}.{field}.{i}");
            self.check(cx, &idx(&at(path, field), i), p, false, Some(&rel));
        }
    }
}

/// A field of a trigger kind that Argo requires (unless a trigger-level parameter sets it).
fn require(
    cx: &mut Ctx,
    params: &Params<'_>,
    path: &str,
    field: &str,
    value: &Option<String>,
    why: &str,
) {
    let kind = path.rsplit('.').next().unwrap_or_default();
    if blank(value) && !params.overridden(&format!("{kind}.{field}")) {
        cx.error(at(path, field), why.to_string());
    }
}

fn kind_rules(cx: &mut Ctx, tpath: &str, tpl: &TriggerTemplate, params: &Params<'_>) {
    if let Some(k) = &tpl.k8s {
        let p = at(tpath, "k8s");
        match &k.source {
            None => cx.error(
                at(&p, "source"),
                "a k8s trigger needs a source for the resource (Argo: \"k8s trigger does not contain an absolute action\")",
            ),
            Some(s) => common::artifact(cx, &at(&p, "source"), s),
        }
        const OPS: &[&str] = &["create", "update", "patch", "delete"];
        let op = k.operation.as_deref().unwrap_or("");
        if !op.is_empty() && !OPS.contains(&op) {
            cx.error(
                at(&p, "operation"),
                format!(
                    "operation {op:?} is not one of {} (lower case; empty means create)",
                    one_of(OPS)
                ),
            );
        }
        const PATCH: &[&str] = &[
            "application/json-patch+json",
            "application/merge-patch+json",
            "application/strategic-merge-patch+json",
            "application/apply-patch+yaml",
        ];
        if let Some(ps) = &k.patch_strategy {
            if !PATCH.contains(&ps.as_str()) {
                cx.error(
                    at(&p, "patchStrategy"),
                    format!("patchStrategy {ps:?} is not one of {}", one_of(PATCH)),
                );
            } else if op != "patch" {
                cx.warn(
                    at(&p, "patchStrategy"),
                    "patchStrategy is used only when operation is patch",
                );
            }
        }
        if k.live_object == Some(true) && op != "update" {
            cx.warn(
                at(&p, "liveObject"),
                "liveObject is only valid for operation update; Argo ignores it otherwise",
            );
        }
        params.list(cx, &p, "parameters", &k.parameters);
    }
    if let Some(a) = &tpl.argo_workflow {
        let p = at(tpath, "argoWorkflow");
        match &a.source {
            None => cx.error(
                at(&p, "source"),
                "an argoWorkflow trigger needs a source for the workflow (Argo: \"argoWorkflow trigger does not contain an absolute action\")",
            ),
            Some(s) => common::artifact(cx, &at(&p, "source"), s),
        }
        const OPS: &[&str] = &[
            "submit",
            "submit-from",
            "resubmit",
            "retry",
            "resume",
            "suspend",
            "terminate",
            "stop",
        ];
        match a.operation.as_deref() {
            Some(op) if OPS.contains(&op) => {}
            Some(op) if !op.is_empty() => cx.error(
                at(&p, "operation"),
                format!("operation {op:?} is not one of {} (lower case)", one_of(OPS)),
            ),
            _ => cx.error(
                at(&p, "operation"),
                format!(
                    "operation is missing: Argo's validator rejects an empty operation (despite the documented default); use one of {}",
                    one_of(OPS)
                ),
            ),
        }
        params.list(cx, &p, "parameters", &a.parameters);
    }
    if let Some(h) = &tpl.http {
        let p = at(tpath, "http");
        require(
            cx,
            params,
            &p,
            "url",
            &h.url,
            "server URL is not specified (the HTTP trigger's address field is `url`)",
        );
        const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];
        if let Some(m) = text(&h.method) {
            if !METHODS.contains(&m) {
                cx.error(
                    at(&p, "method"),
                    format!(
                        "method {m:?} is not one of {} (upper case; empty means POST)",
                        one_of(METHODS)
                    ),
                );
            }
        }
        if let Some(t) = h.timeout {
            if t < 0 {
                cx.error(
                    at(&p, "timeout"),
                    format!("timeout {t} must be ≥ 0 seconds"),
                );
            }
        }
        params.list(cx, &p, "parameters", &h.parameters);
        for (i, q) in h.payload.iter().enumerate() {
            let rel = format!("http.payload.{i}");
            params.check(cx, &idx(&at(&p, "payload"), i), q, true, Some(&rel));
        }
        params.list(cx, &p, "dynamicHeaders", &h.dynamic_headers);
        for (i, s) in h.secure_headers.iter().enumerate() {
            secure_header(cx, &idx(&at(&p, "secureHeaders"), i), s);
        }
        if let Some(b) = &h.basic_auth {
            common::basic_auth(cx, &at(&p, "basicAuth"), b);
        }
        common::tls_opt(cx, &p, &h.tls);
    }
    if let Some(l) = &tpl.aws_lambda {
        let p = at(tpath, "awsLambda");
        require(
            cx,
            params,
            &p,
            "functionName",
            &l.function_name,
            "function name is not specified",
        );
        require(
            cx,
            params,
            &p,
            "region",
            &l.region,
            "region is not specified",
        );
        if l.payload.is_empty() {
            cx.error(at(&p, "payload"), "payload parameters are not specified (Argo sends the Lambda a JSON payload built from them)");
        }
        if let Some(it) = text(&l.invocation_type) {
            const TYPES: &[&str] = &["RequestResponse", "Event", "DryRun"];
            if !TYPES.contains(&it) {
                cx.error(
                    at(&p, "invocationType"),
                    format!("invocationType {it:?} is not one of {}", one_of(TYPES)),
                );
            }
        }
        common::secret_opt(cx, &p, "accessKey", &l.access_key);
        common::secret_opt(cx, &p, "secretKey", &l.secret_key);
        params.list(cx, &p, "parameters", &l.parameters);
        params.list(cx, &p, "payload", &l.payload);
    }
    if let Some(k) = &tpl.kafka {
        let p = at(tpath, "kafka");
        require(
            cx,
            params,
            &p,
            "url",
            &k.url,
            "broker url must not be empty",
        );
        require(cx, params, &p, "topic", &k.topic, "topic must not be empty");
        if k.payload.is_empty() {
            cx.error(
                at(&p, "payload"),
                "payload must not be empty (the message is built from it)",
            );
        }
        if let Some(sasl) = &k.sasl {
            common::sasl(cx, &at(&p, "sasl"), sasl);
        }
        common::tls_opt(cx, &p, &k.tls);
        params.list(cx, &p, "parameters", &k.parameters);
        params.list(cx, &p, "payload", &k.payload);
    }
    if let Some(n) = &tpl.nats {
        let p = at(tpath, "nats");
        require(
            cx,
            params,
            &p,
            "url",
            &n.url,
            "nats server url can't be empty",
        );
        require(
            cx,
            params,
            &p,
            "subject",
            &n.subject,
            "nats subject can't be empty",
        );
        if n.payload.is_empty() {
            cx.error(
                at(&p, "payload"),
                "payload can't be empty (the message is built from it)",
            );
        }
        common::tls_opt(cx, &p, &n.tls);
        params.list(cx, &p, "parameters", &n.parameters);
        params.list(cx, &p, "payload", &n.payload);
    }
    if let Some(s) = &tpl.slack {
        let p = at(tpath, "slack");
        match &s.slack_token {
            None => cx.error(at(&p, "slackToken"), "slack token can't be empty"),
            Some(t) => common::secret(cx, &at(&p, "slackToken"), t),
        }
        let sets = |f: &str| {
            s.parameters.iter().any(|q| q.dest.as_deref() == Some(f))
                || params.overridden(&format!("slack.{f}"))
        };
        if blank(&s.channel) && !sets("channel") {
            cx.error(at(&p, "channel"), "no slack channel provided (Argo fails every run with \"no slack channel provided\")");
        }
        let has_text = [
            ("message", &s.message),
            ("attachments", &s.attachments),
            ("blocks", &s.blocks),
        ]
        .iter()
        .any(|(f, v)| !blank(v) || sets(f));
        if !has_text {
            cx.error(
                &p,
                "no text to post: set at least one of message, attachments or blocks",
            );
        }
        params.list(cx, &p, "parameters", &s.parameters);
    }
    if let Some(o) = &tpl.open_whisk {
        let p = at(tpath, "openWhisk");
        require(
            cx,
            params,
            &p,
            "actionName",
            &o.action_name,
            "action name is not specified",
        );
        require(cx, params, &p, "host", &o.host, "host URL is not specified");
        if let Some(tok) = &o.auth_token {
            common::secret(cx, &at(&p, "authToken"), tok);
        }
        if o.payload.is_empty() {
            cx.error(at(&p, "payload"), "payload parameters are not specified");
        }
        params.list(cx, &p, "parameters", &o.parameters);
        params.list(cx, &p, "payload", &o.payload);
    }
    if let Some(c) = &tpl.custom {
        let p = at(tpath, "custom");
        require(
            cx,
            params,
            &p,
            "serverURL",
            &c.server_url,
            "custom trigger gRPC server url is not defined",
        );
        if c.spec.is_empty() {
            cx.error(
                at(&p, "spec"),
                "trigger body can't be empty (spec is sent to the custom trigger server)",
            );
        }
        if c.secure == Some(true) && c.cert_secret.is_none() {
            cx.error(
                at(&p, "certSecret"),
                "certSecret can't be empty when the trigger server connection is secure",
            );
        }
        common::secret_opt(cx, &p, "certSecret", &c.cert_secret);
        params.list(cx, &p, "parameters", &c.parameters);
        params.list(cx, &p, "payload", &c.payload);
    }
    if let Some(e) = &tpl.email {
        let p = at(tpath, "email");
        require(cx, params, &p, "host", &e.host, "host can't be empty");
        if let Some(port) = e.port {
            if !(0..=65535).contains(&port) {
                cx.error(
                    at(&p, "port"),
                    format!("port {port} should be between 0 and 65535"),
                );
            }
        }
        common::secret_opt(cx, &p, "smtpPassword", &e.smtp_password);
        params.list(cx, &p, "parameters", &e.parameters);
    }
    if let Some(l) = &tpl.log {
        if let Some(i) = l.interval_seconds {
            if i < 0 {
                cx.error(
                    at(&at(tpath, "log"), "intervalSeconds"),
                    format!(
                        "intervalSeconds {i} must be ≥ 0 (Argo reads it as an unsigned number)"
                    ),
                );
            }
        }
    }
    if let Some(pl) = &tpl.pulsar {
        let p = at(tpath, "pulsar");
        common::tls_opt(cx, &p, &pl.tls);
        common::backoff_opt(cx, &p, "connectionBackoff", &pl.connection_backoff);
        params.list(cx, &p, "parameters", &pl.parameters);
        params.list(cx, &p, "payload", &pl.payload);
    }
    if let Some(az) = &tpl.azure_event_hubs {
        let p = at(tpath, "azureEventHubs");
        params.list(cx, &p, "parameters", &az.parameters);
        params.list(cx, &p, "payload", &az.payload);
    }
    if let Some(az) = &tpl.azure_service_bus {
        let p = at(tpath, "azureServiceBus");
        if blank(&az.queue_name) && blank(&az.topic_name) {
            cx.error(&p, "set queueName, or topicName (with subscriptionName)");
        }
        common::tls_opt(cx, &p, &az.tls);
        params.list(cx, &p, "parameters", &az.parameters);
        params.list(cx, &p, "payload", &az.payload);
    }
}

fn secure_header(cx: &mut Ctx, path: &str, s: &SecureHeader) {
    if blank(&s.name) {
        cx.error(at(path, "name"), "secure header needs a name");
    }
    match &s.value_from {
        None => cx.error(
            at(path, "valueFrom"),
            "secure header needs valueFrom.secretKeyRef or valueFrom.configMapKeyRef",
        ),
        Some(v) => {
            let vp = at(path, "valueFrom");
            match (&v.secret_key_ref, &v.config_map_key_ref) {
                (None, None) => cx.error(&vp, "set secretKeyRef or configMapKeyRef"),
                (Some(_), Some(_)) => cx.warn(
                    &vp,
                    "both secretKeyRef and configMapKeyRef are set; Argo uses secretKeyRef",
                ),
                _ => {}
            }
            common::secret_opt(cx, &vp, "secretKeyRef", &v.secret_key_ref);
            if let Some(c) = &v.config_map_key_ref {
                common::config_map(cx, &at(&vp, "configMapKeyRef"), c);
            }
        }
    }
}

/// Argo's `validateTriggerPolicy`: `policy.k8s` for k8s and argoWorkflow triggers,
/// `policy.status` for HTTP and Lambda triggers.
fn policy(cx: &mut Ctx, path: &str, p: &TriggerPolicy, kind: Option<&str>) {
    if let Some(k) = &p.k8s {
        let kp = at(path, "k8s");
        if matches!(kind, Some("k8s" | "argoWorkflow")) {
            if k.labels.is_empty() {
                cx.error(
                    at(&kp, "labels"),
                    "resource labels are not specified: the k8s policy waits for the created resource to carry these labels",
                );
            }
        } else if let Some(kind) = kind {
            cx.warn(
                &kp,
                format!("policy.k8s applies only to k8s and argoWorkflow triggers; Argo ignores it for a {kind} trigger"),
            );
        }
        common::backoff_opt(cx, &kp, "backoff", &k.backoff);
    }
    if let Some(s) = &p.status {
        let sp = at(path, "status");
        if matches!(kind, Some("http" | "awsLambda")) {
            if s.allow.is_empty() {
                cx.error(
                    at(&sp, "allow"),
                    "list of allowed response statuses is not specified",
                );
            }
        } else if let Some(kind) = kind {
            cx.warn(
                &sp,
                format!("policy.status applies only to http and awsLambda triggers; Argo ignores it for a {kind} trigger"),
            );
        }
        for (i, code) in s.allow.iter().enumerate() {
            if !(100..=599).contains(code) {
                cx.error(
                    idx(&at(&sp, "allow"), i),
                    format!("{code} is not an HTTP status code (100-599)"),
                );
            }
        }
    }
}

fn rate_limit(cx: &mut Ctx, path: &str, r: &RateLimit) {
    const UNITS: &[&str] = &["Second", "Minute", "Hour"];
    if let Some(u) = &r.unit {
        if !u.is_empty() && !UNITS.contains(&u.as_str()) {
            cx.error(
                at(path, "unit"),
                format!(
                    "unit {u:?} is not one of {} (capitalised); Argo would silently use Second",
                    one_of(UNITS)
                ),
            );
        }
    }
    match r.requests_per_unit {
        Some(n) if n > 0 => {}
        Some(n) => cx.error(
            at(path, "requestsPerUnit"),
            format!("requestsPerUnit {n} must be > 0 (Argo's rate limiter divides by it)"),
        ),
        None => cx.error(
            at(path, "requestsPerUnit"),
            "requestsPerUnit is required with rateLimit and must be > 0 (Argo's rate limiter divides by it)",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn condition_grammar() {
        assert_eq!(
            parse_conditions("(a || b-c) && d_e"),
            Ok(vec!["a".into(), "b-c".into(), "d_e".into()])
        );
        for (bad, frag) in [
            ("a &", "single `&`"),
            ("a | b", "single `|`"),
            ("!a", "negation"),
            ("a &&", "ends where"),
            ("(a", "no matching `)`"),
            ("a)", "no matching `(`"),
            ("a b", "missing && or ||"),
            ("&& a", "before an operator"),
            ("a.b", "unexpected '.'"),
            ("   ", "blank"),
        ] {
            let err = parse_conditions(bad).expect_err(bad);
            assert!(err.contains(frag), "{bad:?}: {err}");
        }
        let deep = format!("{}a{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(parse_conditions(&deep).is_err());
    }
}
