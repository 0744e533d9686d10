//! Fields Argo's schema does not know. Argo's decoder drops them silently, so a misplaced or
//! misspelt field is a silent behaviour change; we report each one and, where the same key
//! exists nearby (one level up, one level down, or with other spelling), say where it belongs.

use super::common::edit_distance;
use super::Ctx;
use crate::spec::{self, Manifest};
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};

/// The field names serde knows for a generated type (their schema spelling).
fn fields_of<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Catch<'a>(&'a mut &'static [&'static str]);
    impl<'de> Deserializer<'de> for Catch<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _visitor: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("fields caught"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut out: &'static [&'static str] = &[];
    let _ = T::deserialize(Catch(&mut out));
    out
}

macro_rules! types {
    ($($variant:ident = $rust:ty { $($field:literal => $child:ident),* $(,)? })*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        enum Ty { $($variant,)* }
        impl Ty {
            fn fields(self) -> &'static [&'static str] {
                match self { $(Ty::$variant => fields_of::<$rust>(),)* }
            }
            fn child(self, field: &str) -> Option<Ty> {
                match self {
                    $(Ty::$variant => match field {
                        $($field => Some(Ty::$child),)*
                        _ => None,
                    },)*
                }
            }
            fn children(self) -> &'static [(&'static str, Ty)] {
                match self { $(Ty::$variant => &[$(($field, Ty::$child),)*],)* }
            }
        }
    };
}

types! {
    Sensor = spec::Sensor { "metadata" => Meta, "spec" => SensorSpec }
    Meta = spec::ObjectMeta {}
    SensorSpec = spec::SensorSpec { "dependencies" => Dep, "triggers" => Trigger, "template" => PodTemplate }
    PodTemplate = spec::Template {}
    Dep = spec::EventDependency { "filters" => DepFilter, "transform" => Transform }
    Transform = spec::EventDependencyTransformer {}
    DepFilter = spec::EventDependencyFilter {
        "context" => EventContext, "data" => DataFilter, "exprs" => ExprFilter, "time" => TimeFilter
    }
    EventContext = spec::EventContext {}
    DataFilter = spec::DataFilter {}
    ExprFilter = spec::ExprFilter { "fields" => PayloadField }
    PayloadField = spec::PayloadField {}
    TimeFilter = spec::TimeFilter {}
    Trigger = spec::Trigger {
        "template" => Template, "parameters" => Param, "policy" => Policy,
        "rateLimit" => RateLimit, "retryStrategy" => Backoff, "dlqTrigger" => Trigger
    }
    Template = spec::TriggerTemplate {
        "argoWorkflow" => ArgoWorkflow, "awsLambda" => Lambda, "azureEventHubs" => AzureEventHubs,
        "azureServiceBus" => AzureServiceBusT, "conditionsReset" => CondReset, "custom" => Custom,
        "email" => Email, "http" => Http, "k8s" => K8s, "kafka" => KafkaT, "log" => Log,
        "nats" => NatsT, "openWhisk" => OpenWhisk, "pulsar" => PulsarT, "slack" => SlackT
    }
    Param = spec::TriggerParameter { "src" => ParamSrc }
    ParamSrc = spec::TriggerParameterSource {}
    Policy = spec::TriggerPolicy { "k8s" => K8sPolicy, "status" => StatusPolicy }
    K8sPolicy = spec::K8SResourcePolicy { "backoff" => Backoff }
    StatusPolicy = spec::StatusPolicy {}
    RateLimit = spec::RateLimit {}
    Backoff = spec::Backoff {}
    CondReset = spec::ConditionsResetCriteria { "byTime" => ByTime }
    ByTime = spec::ConditionsResetByTime {}
    ArgoWorkflow = spec::ArgoWorkflowTrigger { "source" => Artifact, "parameters" => Param }
    K8s = spec::StandardK8STrigger { "source" => Artifact, "parameters" => Param }
    Artifact = spec::ArtifactLocation {
        "configmap" => ConfigMapSel, "file" => FileArtifact, "git" => Git, "s3" => S3, "url" => UrlArtifact
    }
    ConfigMapSel = spec::ConfigMapKeySelector {}
    SecretSel = spec::SecretKeySelector {}
    FileArtifact = spec::FileArtifact {}
    UrlArtifact = spec::URLArtifact {}
    Git = spec::GitArtifact { "creds" => GitCreds, "sshKeySecret" => SecretSel }
    GitCreds = spec::GitCreds { "username" => SecretSel, "password" => SecretSel }
    S3 = spec::S3Artifact {
        "bucket" => S3Bucket, "filter" => S3Filter, "accessKey" => SecretSel, "secretKey" => SecretSel
    }
    S3Bucket = spec::S3Bucket {}
    S3Filter = spec::S3Filter {}
    Http = spec::HTTPTrigger {
        "parameters" => Param, "payload" => Param, "dynamicHeaders" => Param,
        "basicAuth" => BasicAuth, "tls" => Tls, "secureHeaders" => SecureHeader
    }
    SecureHeader = spec::SecureHeader { "valueFrom" => ValueFrom }
    ValueFrom = spec::ValueFromSource { "secretKeyRef" => SecretSel, "configMapKeyRef" => ConfigMapSel }
    BasicAuth = spec::BasicAuth { "username" => SecretSel, "password" => SecretSel }
    Tls = spec::TLSConfig {
        "caCertSecret" => SecretSel, "clientCertSecret" => SecretSel, "clientKeySecret" => SecretSel
    }
    Lambda = spec::AWSLambdaTrigger {
        "parameters" => Param, "payload" => Param, "accessKey" => SecretSel, "secretKey" => SecretSel
    }
    AzureEventHubs = spec::AzureEventHubsTrigger { "parameters" => Param, "payload" => Param }
    AzureServiceBusT = spec::AzureServiceBusTrigger { "parameters" => Param, "payload" => Param, "tls" => Tls }
    Custom = spec::CustomTrigger { "parameters" => Param, "payload" => Param, "certSecret" => SecretSel }
    Email = spec::EmailTrigger { "parameters" => Param, "smtpPassword" => SecretSel }
    KafkaT = spec::KafkaTrigger {
        "parameters" => Param, "payload" => Param, "tls" => Tls, "sasl" => Sasl
    }
    Sasl = spec::SASLConfig {}
    Log = spec::LogTrigger {}
    NatsT = spec::NATSTrigger { "parameters" => Param, "payload" => Param, "tls" => Tls }
    OpenWhisk = spec::OpenWhiskTrigger { "parameters" => Param, "payload" => Param, "authToken" => SecretSel }
    PulsarT = spec::PulsarTrigger {
        "parameters" => Param, "payload" => Param, "tls" => Tls, "connectionBackoff" => Backoff
    }
    SlackT = spec::SlackTrigger {
        "parameters" => Param, "sender" => SlackSender, "thread" => SlackThread, "slackToken" => SecretSel
    }
    SlackSender = spec::SlackSender {}
    SlackThread = spec::SlackThread {}

    EventSource = spec::EventSource { "metadata" => Meta, "spec" => EsSpec }
    EsSpec = spec::EventSourceSpec {
        "amqp" => Amqp, "azureEventsHub" => AzureEventsHub, "azureQueueStorage" => AzureQueueStorage,
        "azureServiceBus" => AzureServiceBusS, "bitbucket" => Bitbucket,
        "bitbucketserver" => BitbucketServer, "calendar" => Calendar, "emitter" => Emitter,
        "file" => FileSrc, "generic" => Generic, "gerrit" => Gerrit, "github" => Github,
        "gitlab" => Gitlab, "hdfs" => Hdfs, "kafka" => KafkaS, "minio" => S3, "mns" => Mns,
        "mqtt" => Mqtt, "nats" => NatsS, "nsq" => Nsq, "pubSub" => PubSub, "pulsar" => PulsarS,
        "redis" => Redis, "redisStream" => RedisStream, "resource" => Resource, "sftp" => Sftp,
        "slack" => SlackS, "sns" => Sns, "sqs" => Sqs, "storageGrid" => StorageGrid,
        "stripe" => Stripe, "webhook" => WebhookS, "template" => PodTemplate
    }
    WebhookCtx = spec::WebhookContext {}
    EsFilter = spec::EventSourceFilter {}
    Amqp = spec::AMQPEventSource { "tls" => Tls, "filter" => EsFilter, "connectionBackoff" => Backoff }
    AzureEventsHub = spec::AzureEventsHubEventSource { "filter" => EsFilter }
    AzureQueueStorage = spec::AzureQueueStorageEventSource { "filter" => EsFilter }
    AzureServiceBusS = spec::AzureServiceBusEventSource { "filter" => EsFilter, "tls" => Tls }
    Bitbucket = spec::BitbucketEventSource { "webhook" => WebhookCtx, "filter" => EsFilter }
    BitbucketServer = spec::BitbucketServerEventSource { "webhook" => WebhookCtx, "filter" => EsFilter, "tls" => Tls }
    Calendar = spec::CalendarEventSource { "filter" => EsFilter }
    Emitter = spec::EmitterEventSource { "filter" => EsFilter, "tls" => Tls, "connectionBackoff" => Backoff }
    FileSrc = spec::FileEventSource { "filter" => EsFilter, "watchPathConfig" => WatchPath }
    WatchPath = spec::WatchPathConfig {}
    Generic = spec::GenericEventSource { "filter" => EsFilter }
    Gerrit = spec::GerritEventSource { "webhook" => WebhookCtx, "filter" => EsFilter }
    Github = spec::GithubEventSource { "webhook" => WebhookCtx, "filter" => EsFilter }
    Gitlab = spec::GitlabEventSource { "webhook" => WebhookCtx, "filter" => EsFilter }
    Hdfs = spec::HDFSEventSource { "filter" => EsFilter }
    KafkaS = spec::KafkaEventSource { "filter" => EsFilter, "tls" => Tls, "sasl" => Sasl, "connectionBackoff" => Backoff }
    Mns = spec::MNSEventSource { "filter" => EsFilter }
    Mqtt = spec::MQTTEventSource { "filter" => EsFilter, "tls" => Tls, "connectionBackoff" => Backoff }
    NatsS = spec::NATSEventsSource { "filter" => EsFilter, "tls" => Tls, "connectionBackoff" => Backoff }
    Nsq = spec::NSQEventSource { "filter" => EsFilter, "tls" => Tls, "connectionBackoff" => Backoff }
    PubSub = spec::PubSubEventSource { "filter" => EsFilter }
    PulsarS = spec::PulsarEventSource { "filter" => EsFilter, "tls" => Tls, "connectionBackoff" => Backoff }
    Redis = spec::RedisEventSource { "filter" => EsFilter, "tls" => Tls }
    RedisStream = spec::RedisStreamEventSource { "filter" => EsFilter, "tls" => Tls }
    Resource = spec::ResourceEventSource {}
    Sftp = spec::SFTPEventSource { "filter" => EsFilter, "watchPathConfig" => WatchPath }
    SlackS = spec::SlackEventSource { "webhook" => WebhookCtx, "filter" => EsFilter }
    Sns = spec::SNSEventSource { "webhook" => WebhookCtx, "filter" => EsFilter }
    Sqs = spec::SQSEventSource { "filter" => EsFilter }
    StorageGrid = spec::StorageGridEventSource { "webhook" => WebhookCtx }
    Stripe = spec::StripeEventSource { "webhook" => WebhookCtx }
    WebhookS = spec::WebhookEventSource { "filter" => EsFilter }

    EventBus = spec::EventBus { "metadata" => Meta }
}

/// Fields that no longer exist in Argo's schema, with what replaced them.
fn known_note(ty: Ty, key: &str) -> Option<&'static str> {
    Some(match (ty, key) {
        (Ty::Http, "serverURL") => "the HTTP trigger's address field is `url`",
        (Ty::EsSpec, "type") => {
            "EventSources have no `spec.type`; the kind of source is the key under spec (e.g. `spec.webhook`)"
        }
        (Ty::Git, "sshKeyPath") => "Argo reads the SSH key from a Secret: use `sshKeySecret`",
        (_, "namespace") => {
            "Argo reads secrets, config maps and artifacts from the manifest's own namespace; there is no `namespace` here"
        }
        _ => return None,
    })
}

/// How messages name an object of a type.
fn describe(ty: Ty, path: &str) -> String {
    match ty {
        Ty::Trigger => "the trigger".into(),
        Ty::Template => "its template".into(),
        Ty::Dep => "the dependency".into(),
        Ty::DepFilter => "`filters`".into(),
        Ty::SensorSpec | Ty::EsSpec => "`spec`".into(),
        Ty::Sensor | Ty::EventSource | Ty::EventBus => "the top level".into(),
        _ if path.is_empty() => "the top level".into(),
        _ => format!("`{path}`"),
    }
}

/// One segment of a field path: the key, and the full path up to and including it.
struct Seg {
    key: String,
    full: String,
}

fn segments(path: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    let mut full = String::new();
    for part in path.split('.') {
        if !full.is_empty() {
            full.push('.');
        }
        full.push_str(part);
        let key = part.split('[').next().unwrap_or(part).to_string();
        out.push(Seg {
            key,
            full: full.clone(),
        });
    }
    out
}

/// Reports one unknown field, with a hint where one can be computed.
pub(super) fn report(cx: &mut Ctx, manifest: &Manifest, path: &str) {
    let segs = segments(path);
    let Some(last) = segs.last() else {
        return;
    };
    let key = last.key.as_str();
    let mut message =
        format!("unknown field `{key}`: not in Argo's schema (Argo would silently ignore it)");
    if let Some(h) = hint(manifest, &segs) {
        message.push_str("; ");
        message.push_str(&h);
    }
    cx.error(path, message);
}

fn hint(manifest: &Manifest, segs: &[Seg]) -> Option<String> {
    let root = match manifest {
        Manifest::Sensor(_) => Ty::Sensor,
        Manifest::EventSource(_) => Ty::EventSource,
        Manifest::EventBus(_) => Ty::EventBus,
    };
    let (last, parents) = segs.split_last()?;
    let key = last.key.as_str();
    // Resolve the parent's type, remembering each ancestor's path and type.
    let mut chain: Vec<(String, Ty)> = vec![(String::new(), root)];
    let mut ty = root;
    let mut i = 0;
    while i < parents.len() {
        let seg = &parents[i];
        let next = ty.child(&seg.key)?;
        if ty == Ty::EsSpec && seg.key != "template" {
            // `spec.<kind>.<event name>`: the map entry is the typed object.
            i += 1;
            let name = parents.get(i)?;
            chain.push((name.full.clone(), next));
        } else {
            chain.push((seg.full.clone(), next));
        }
        ty = next;
        i += 1;
    }
    let (parent_path, parent_ty) = chain.last()?.clone();
    let parent_fields = parent_ty.fields();

    if let Some(note) = known_note(parent_ty, key) {
        return Some(note.to_string());
    }
    if let Some(f) = parent_fields
        .iter()
        .find(|f| **f != key && f.eq_ignore_ascii_case(key))
    {
        return Some(format!(
            "did you mean `{f}`? (field names are case-sensitive)"
        ));
    }
    // One or two levels up.
    for (anc_path, anc_ty) in chain.iter().rev().skip(1).take(2) {
        if anc_ty.fields().contains(&key) {
            let target = if anc_path.is_empty() {
                key.to_string()
            } else {
                format!("{anc_path}.{key}")
            };
            return Some(format!(
                "`{key}` belongs on {}, not {}: move it to `{target}`",
                describe(*anc_ty, anc_path),
                describe(parent_ty, &parent_path)
            ));
        }
    }
    // One level down.
    let below: Vec<String> = parent_ty
        .children()
        .iter()
        .filter(|(_, child)| child.fields().contains(&key))
        .map(|(field, _)| format!("`{parent_path}.{field}.{key}`"))
        .collect();
    if (1..=3).contains(&below.len()) {
        return Some(format!("did you mean {}?", below.join(" or ")));
    }
    if (4..=64).contains(&key.len()) {
        if let Some(f) = parent_fields
            .iter()
            .filter(|f| edit_distance(f, key) <= 2)
            .min_by_key(|f| edit_distance(f, key))
        {
            return Some(format!("did you mean `{f}`?"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_come_from_serde() {
        assert!(Ty::Trigger.fields().contains(&"policy"));
        assert!(Ty::Template.fields().contains(&"openWhisk"));
        assert!(Ty::Dep.fields().contains(&"eventSourceName"));
        assert!(Ty::EsSpec.fields().contains(&"webhook"));
        assert!(!Ty::Template.fields().contains(&"policy"));
    }
}
