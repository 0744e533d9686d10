//! The `sqs` trigger and event forwarding: SQS `SendMessage` as a plain HTTPS request in the
//! AWS JSON 1.0 protocol, signed with SigV4 (`aws-sigv4`), since the AWS SDK's runtime (tokio,
//! hyper) does not run in this sandbox.

use super::settings::Settings;
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use serde_json::{json, Map, Value};
use std::time::{Duration, SystemTime};
use tripline_core::trigger::ports::{HttpRequest, HttpResponse, PortError, QueueMessage};

/// How long one `SendMessage` may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// AWS credentials and region, from settings (`aws_access_key_id`, `aws_secret_access_key`,
/// `aws_session_token`, `aws_region`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsConfig {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    /// Used when the queue URL does not name its region (a local endpoint).
    pub default_region: String,
}

impl AwsConfig {
    pub fn from_settings(s: &(impl Settings + ?Sized)) -> Result<AwsConfig, PortError> {
        let (Some(access_key_id), Some(secret_access_key)) =
            (s.get("aws_access_key_id"), s.get("aws_secret_access_key"))
        else {
            return Err(PortError::Permanent(
                "no AWS credentials: set the Spin variables aws_access_key_id and \
                 aws_secret_access_key (or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY in the \
                 component's environment)"
                    .into(),
            ));
        };
        Ok(AwsConfig {
            access_key_id,
            secret_access_key,
            session_token: s.get("aws_session_token"),
            default_region: s
                .get("aws_region")
                .or_else(|| s.get("aws_default_region"))
                .unwrap_or_else(|| "us-east-1".into()),
        })
    }
}

/// The region a queue URL names: `https://sqs.<region>.amazonaws.com/…` or the legacy
/// `https://<region>.queue.amazonaws.com/…`.
pub fn region_of(queue_url: &str) -> Option<&str> {
    let host = queue_url.split_once("://")?.1.split(['/', ':']).next()?;
    if let Some(rest) = host.strip_prefix("sqs.") {
        return rest.split('.').next().filter(|r| !r.is_empty());
    }
    host.split_once(".queue.amazonaws.com").map(|(r, _)| r)
}

/// The `SendMessage` request for `msg`, signed at `time`.
pub fn send_message_request(
    msg: &QueueMessage,
    aws: &AwsConfig,
    time: SystemTime,
) -> Result<HttpRequest, PortError> {
    let (scheme, rest) = msg
        .queue_url
        .split_once("://")
        .ok_or_else(|| PortError::Permanent(format!("invalid queueURL {:?}", msg.queue_url)))?;
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() {
        return Err(PortError::Permanent(format!(
            "invalid queueURL {:?}: no host",
            msg.queue_url
        )));
    }
    let region = region_of(&msg.queue_url).unwrap_or(&aws.default_region);
    let endpoint = format!("{scheme}://{host}/");

    let mut body = Map::new();
    body.insert("QueueUrl".into(), msg.queue_url.clone().into());
    body.insert("MessageBody".into(), msg.body.clone().into());
    if let Some(d) = msg.delay_seconds {
        body.insert("DelaySeconds".into(), d.into());
    }
    if let Some(g) = &msg.message_group_id {
        body.insert("MessageGroupId".into(), g.clone().into());
    }
    if let Some(d) = &msg.deduplication_id {
        body.insert("MessageDeduplicationId".into(), d.clone().into());
    }
    if !msg.attributes.is_empty() {
        let attrs: Map<String, Value> = msg
            .attributes
            .iter()
            .map(|(k, v)| (k.clone(), json!({"DataType": "String", "StringValue": v})))
            .collect();
        body.insert("MessageAttributes".into(), attrs.into());
    }
    let body = Value::Object(body).to_string().into_bytes();

    let mut headers = vec![
        (
            "content-type".to_string(),
            "application/x-amz-json-1.0".to_string(),
        ),
        (
            "x-amz-target".to_string(),
            "AmazonSQS.SendMessage".to_string(),
        ),
        ("host".to_string(), host.to_string()),
    ];
    let identity: Identity = Credentials::new(
        &aws.access_key_id,
        &aws.secret_access_key,
        aws.session_token.clone(),
        None,
        "tripline-spin",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("sqs")
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| PortError::Permanent(format!("SigV4 parameters: {e}")))?
        .into();
    let signable = SignableRequest::new(
        "POST",
        endpoint.as_str(),
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(&body),
    )
    .map_err(|e| PortError::Permanent(format!("SigV4 request: {e}")))?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|e| PortError::Permanent(format!("SigV4 signing: {e}")))?
        .into_parts();
    headers.extend(
        instructions
            .headers()
            .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    Ok(HttpRequest {
        method: "POST".into(),
        url: endpoint,
        headers,
        body,
        timeout: TIMEOUT,
        tls: None,
    })
}

/// Reads SQS's answer: 200 is sent; throttling and 5xx may pass on retry; other errors
/// (missing queue, bad credentials, bad parameters) will not.
pub fn check_response(queue_url: &str, resp: &HttpResponse) -> Result<(), PortError> {
    if resp.status == 200 {
        return Ok(());
    }
    let text = String::from_utf8_lossy(&resp.body);
    let detail: String = text.chars().take(300).collect();
    let message = format!(
        "SendMessage to {queue_url} answered {}: {detail}",
        resp.status
    );
    let throttled = text.contains("Throttl") || text.contains("RequestThrottled");
    if resp.status >= 500 || resp.status == 429 || throttled {
        Err(PortError::Transient(message))
    } else {
        Err(PortError::Permanent(message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aws() -> AwsConfig {
        AwsConfig {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: Some("session".into()),
            default_region: "eu-west-3".into(),
        }
    }

    fn msg(url: &str) -> QueueMessage {
        QueueMessage {
            queue_url: url.into(),
            body: "{\"a\":1}".into(),
            message_group_id: Some("g".into()),
            deduplication_id: Some("d".into()),
            delay_seconds: Some(5),
            attributes: vec![("tripline-idempotency-key".into(), "k".into())],
        }
    }

    #[test]
    fn regions_come_from_queue_urls() {
        assert_eq!(
            region_of("https://sqs.us-west-2.amazonaws.com/123/q"),
            Some("us-west-2")
        );
        assert_eq!(
            region_of("https://eu-central-1.queue.amazonaws.com/123/q"),
            Some("eu-central-1")
        );
        assert_eq!(region_of("http://127.0.0.1:5000/123/q"), None);
    }

    #[test]
    fn send_message_is_signed_for_the_queue_region() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let req = send_message_request(
            &msg("https://sqs.us-west-2.amazonaws.com/123/q.fifo"),
            &aws(),
            t,
        )
        .expect("request");
        assert_eq!(req.url, "https://sqs.us-west-2.amazonaws.com/");
        let auth = req.header("authorization").expect("signed");
        assert!(
            auth.starts_with(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-west-2/sqs/aws4_request"
            ),
            "{auth}"
        );
        assert!(auth.contains("x-amz-target"), "{auth}");
        assert_eq!(req.header("x-amz-date"), Some("20231114T221320Z"));
        assert_eq!(req.header("x-amz-security-token"), Some("session"));
        let body: Value = serde_json::from_slice(&req.body).expect("json");
        assert_eq!(
            body["QueueUrl"],
            "https://sqs.us-west-2.amazonaws.com/123/q.fifo"
        );
        assert_eq!(body["MessageBody"], "{\"a\":1}");
        assert_eq!(body["DelaySeconds"], 5);
        assert_eq!(body["MessageGroupId"], "g");
        assert_eq!(body["MessageDeduplicationId"], "d");
        assert_eq!(
            body["MessageAttributes"]["tripline-idempotency-key"]["StringValue"],
            "k"
        );
    }

    #[test]
    fn local_endpoints_use_the_default_region_and_signature_changes_with_the_body() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let a =
            send_message_request(&msg("http://127.0.0.1:5000/123/q"), &aws(), t).expect("request");
        assert_eq!(a.url, "http://127.0.0.1:5000/");
        assert!(a
            .header("authorization")
            .is_some_and(|h| h.contains("/eu-west-3/sqs/")));
        let mut other = msg("http://127.0.0.1:5000/123/q");
        other.body = "{\"a\":2}".into();
        let b = send_message_request(&other, &aws(), t).expect("request");
        assert_ne!(a.header("authorization"), b.header("authorization"));
        assert!(send_message_request(&msg("not a url"), &aws(), t).is_err());
    }

    #[test]
    fn responses_classify() {
        let r = |status, body: &str| HttpResponse {
            status,
            body: body.as_bytes().to_vec(),
        };
        assert_eq!(check_response("q", &r(200, "{}")), Ok(()));
        assert!(check_response("q", &r(500, "")).is_err_and(|e| e.is_transient()));
        assert!(check_response(
            "q",
            &r(400, r#"{"__type":"com.amazonaws.sqs#ThrottlingException"}"#)
        )
        .is_err_and(|e| e.is_transient()));
        assert!(check_response(
            "q",
            &r(400, r#"{"__type":"com.amazonaws.sqs#QueueDoesNotExist"}"#)
        )
        .is_err_and(|e| !e.is_transient()));
    }
}
