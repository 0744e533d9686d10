//! AWS SDK clients built straight from the Lambda environment.
//!
//! We do not use `aws-config`: on Lambda the region and the role's credentials are plain
//! environment variables, and skipping its provider chain (profile files, IMDS, STS, SSO)
//! keeps the cold start and the build small. `AWS_ENDPOINT_URL` (and the per-service
//! `AWS_ENDPOINT_URL_SQS`/`_S3`/`_LAMBDA`) point the clients at a local server in tests.

use aws_sdk_sqs::config::{BehaviorVersion, Credentials, Region, SharedHttpClient};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use std::sync::{Arc, OnceLock};

/// Why the AWS settings could not be read.
#[derive(Debug, thiserror::Error)]
pub enum AwsEnvError {
    #[error("{0} is not set (the Lambda runtime sets it; tests must too)")]
    Missing(&'static str),
}

/// Region, credentials and endpoint overrides.
#[derive(Debug, Clone)]
pub struct AwsEnv {
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    /// `AWS_ENDPOINT_URL`: every service at one address (a local server).
    pub endpoint: Option<String>,
    pub sqs_endpoint: Option<String>,
    pub s3_endpoint: Option<String>,
    pub lambda_endpoint: Option<String>,
    pub secrets_endpoint: Option<String>,
}

impl AwsEnv {
    /// Reads the settings through `get` (the process environment in production).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<AwsEnv, AwsEnvError> {
        let get = |k: &str| get(k).filter(|v| !v.is_empty());
        let region = get("AWS_REGION")
            .or_else(|| get("AWS_DEFAULT_REGION"))
            .ok_or(AwsEnvError::Missing("AWS_REGION"))?;
        let endpoint = get("AWS_ENDPOINT_URL");
        Ok(AwsEnv {
            region,
            access_key_id: get("AWS_ACCESS_KEY_ID")
                .ok_or(AwsEnvError::Missing("AWS_ACCESS_KEY_ID"))?,
            secret_access_key: get("AWS_SECRET_ACCESS_KEY")
                .ok_or(AwsEnvError::Missing("AWS_SECRET_ACCESS_KEY"))?,
            session_token: get("AWS_SESSION_TOKEN"),
            sqs_endpoint: get("AWS_ENDPOINT_URL_SQS").or_else(|| endpoint.clone()),
            s3_endpoint: get("AWS_ENDPOINT_URL_S3").or_else(|| endpoint.clone()),
            lambda_endpoint: get("AWS_ENDPOINT_URL_LAMBDA").or_else(|| endpoint.clone()),
            secrets_endpoint: get("AWS_ENDPOINT_URL_SECRETS_MANAGER").or_else(|| endpoint.clone()),
            endpoint,
        })
    }

    pub fn from_env() -> Result<AwsEnv, AwsEnvError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    fn credentials(&self) -> Credentials {
        Credentials::new(
            &self.access_key_id,
            &self.secret_access_key,
            self.session_token.clone(),
            None,
            "lambda-environment",
        )
    }
}

/// The clients both roles use, sharing one HTTPS connection pool. Each is built on first use:
/// an SDK client parses its endpoint partition table when built, which costs milliseconds of
/// cold start, and most functions never use most clients (a `log` sensor uses none). Clones
/// share the clients.
#[derive(Debug, Clone)]
pub struct Clients {
    env: Arc<AwsEnv>,
    http: SharedHttpClient,
    sqs: Arc<OnceLock<aws_sdk_sqs::Client>>,
    s3: Arc<OnceLock<aws_sdk_s3::Client>>,
    lambda: Arc<OnceLock<aws_sdk_lambda::Client>>,
    secrets: Arc<OnceLock<aws_sdk_secretsmanager::Client>>,
}

/// One rustls (ring) client for every SDK client; certificates load on first use.
fn http_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

impl Clients {
    pub fn new(env: &AwsEnv) -> Clients {
        Clients {
            env: Arc::new(env.clone()),
            http: http_client(),
            sqs: Arc::default(),
            s3: Arc::default(),
            lambda: Arc::default(),
            secrets: Arc::default(),
        }
    }

    pub fn sqs(&self) -> &aws_sdk_sqs::Client {
        self.sqs.get_or_init(|| {
            let env = &self.env;
            let mut b = aws_sdk_sqs::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new(env.region.clone()))
                .credentials_provider(env.credentials())
                .http_client(self.http.clone());
            if let Some(e) = &env.sqs_endpoint {
                b = b.endpoint_url(e);
            }
            aws_sdk_sqs::Client::from_conf(b.build())
        })
    }

    pub fn s3(&self) -> &aws_sdk_s3::Client {
        self.s3.get_or_init(|| {
            use aws_sdk_s3::config as c;
            let env = &self.env;
            let mut b = c::Config::builder()
                .behavior_version(c::BehaviorVersion::latest())
                .region(c::Region::new(env.region.clone()))
                .credentials_provider(env.credentials())
                .http_client(self.http.clone());
            if let Some(e) = &env.s3_endpoint {
                // Local servers answer on one host name; virtual-hosted buckets would not resolve.
                b = b.endpoint_url(e).force_path_style(true);
            }
            aws_sdk_s3::Client::from_conf(b.build())
        })
    }

    pub fn lambda(&self) -> &aws_sdk_lambda::Client {
        self.lambda.get_or_init(|| {
            use aws_sdk_lambda::config as c;
            let env = &self.env;
            let mut b = c::Config::builder()
                .behavior_version(c::BehaviorVersion::latest())
                .region(c::Region::new(env.region.clone()))
                .credentials_provider(env.credentials())
                .http_client(self.http.clone());
            if let Some(e) = &env.lambda_endpoint {
                b = b.endpoint_url(e);
            }
            aws_sdk_lambda::Client::from_conf(b.build())
        })
    }

    pub fn secrets(&self) -> &aws_sdk_secretsmanager::Client {
        self.secrets.get_or_init(|| {
            use aws_sdk_secretsmanager::config as c;
            let env = &self.env;
            let mut b = c::Config::builder()
                .behavior_version(c::BehaviorVersion::latest())
                .region(c::Region::new(env.region.clone()))
                .credentials_provider(env.credentials())
                .http_client(self.http.clone());
            if let Some(e) = &env.secrets_endpoint {
                b = b.endpoint_url(e);
            }
            aws_sdk_secretsmanager::Client::from_conf(b.build())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn reads_region_credentials_and_endpoints() {
        let vars: HashMap<&str, &str> = [
            ("AWS_REGION", "eu-west-1"),
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"),
            ("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:5001"),
        ]
        .into_iter()
        .collect();
        let env = AwsEnv::from_lookup(|k| vars.get(k).map(|v| v.to_string())).expect("env");
        assert_eq!(env.region, "eu-west-1");
        assert_eq!(env.sqs_endpoint.as_deref(), Some("http://127.0.0.1:5000"));
        assert_eq!(env.s3_endpoint.as_deref(), Some("http://127.0.0.1:5001"));
        assert!(env.session_token.is_none());
    }

    #[test]
    fn missing_credentials_are_named() {
        let err = AwsEnv::from_lookup(|k| (k == "AWS_REGION").then(|| "us-east-1".to_string()))
            .expect_err("no keys");
        assert!(err.to_string().contains("AWS_ACCESS_KEY_ID"));
    }
}
