//! Secrets named by manifests (`{name, key}` selectors), resolved from environment variables
//! `TRIPLINE_SECRET_<NAME>_<KEY>` first, then from Secrets Manager secrets read once at cold
//! start: a secret named `<name>` whose value is a JSON object supplies its `<key>` fields.

use crate::ports::classify_sdk;
use std::collections::{BTreeMap, HashMap};
use tripline_core::secret::{env_var_name, SecretError, SecretPort};

/// Why Secrets Manager could not be read at cold start.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("Secrets Manager secret {arn}: {reason}")]
    Read { arn: String, reason: String },
    #[error("Secrets Manager secret {0}: SecretString is not a JSON object of strings")]
    Shape(String),
}

/// Secret values for the function.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    /// `TRIPLINE_SECRET_*` variables, captured at start.
    env: HashMap<String, String>,
    /// (secret name, key) → value, from Secrets Manager.
    manager: BTreeMap<(String, String), String>,
}

impl Secrets {
    /// The `TRIPLINE_SECRET_*` variables among `vars`.
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Secrets {
        Secrets {
            env: vars
                .into_iter()
                .filter(|(k, _)| k.starts_with("TRIPLINE_SECRET_"))
                .collect(),
            manager: BTreeMap::new(),
        }
    }

    pub fn from_env() -> Secrets {
        Self::from_vars(std::env::vars())
    }

    /// Adds the fields of a Secrets Manager secret's JSON value under the secret's name.
    pub fn add_manager_secret(
        &mut self,
        arn: &str,
        name: &str,
        json: &str,
    ) -> Result<(), SecretsError> {
        let map: BTreeMap<String, serde_json::Value> =
            serde_json::from_str(json).map_err(|_| SecretsError::Shape(arn.into()))?;
        for (k, v) in map {
            let v = match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            self.manager.insert((name.to_string(), k), v);
        }
        Ok(())
    }

    /// Reads every listed secret (one GetSecretValue each).
    pub async fn load_secrets_manager(
        &mut self,
        client: &aws_sdk_secretsmanager::Client,
        arns: &[String],
    ) -> Result<(), SecretsError> {
        for arn in arns {
            let out = client
                .get_secret_value()
                .secret_id(arn)
                .send()
                .await
                .map_err(|e| SecretsError::Read {
                    arn: arn.clone(),
                    reason: classify_sdk(e).to_string(),
                })?;
            let name = out
                .name()
                .map(str::to_string)
                .unwrap_or_else(|| secret_name_from_arn(arn));
            let Some(text) = out.secret_string() else {
                return Err(SecretsError::Shape(arn.clone()));
            };
            self.add_manager_secret(arn, &name, text)?;
        }
        Ok(())
    }
}

/// The secret's name from its ARN (`…:secret:<name>-<6 random characters>`).
pub fn secret_name_from_arn(arn: &str) -> String {
    let tail = arn.rsplit_once(":secret:").map(|(_, t)| t).unwrap_or(arn);
    match tail.rsplit_once('-') {
        Some((name, suffix)) if suffix.len() == 6 => name.to_string(),
        _ => tail.to_string(),
    }
}

impl SecretPort for Secrets {
    fn secret(&self, name: &str, key: &str) -> Result<String, SecretError> {
        let var = env_var_name(name, key);
        if let Some(v) = self.env.get(&var) {
            return Ok(v.clone());
        }
        if let Some(v) = self.manager.get(&(name.to_string(), key.to_string())) {
            return Ok(v.clone());
        }
        Err(SecretError::NotFound {
            name: name.into(),
            key: key.into(),
            looked: format!(
                "environment variable {var}, then Secrets Manager secrets in TRIPLINE_SECRETS_MANAGER_ARNS"
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_wins_then_secrets_manager_then_a_clear_miss() {
        let mut s = Secrets::from_vars([
            (
                "TRIPLINE_SECRET_WEBHOOK_AUTH_TOKEN".to_string(),
                "from-env".to_string(),
            ),
            ("PATH".to_string(), "/bin".to_string()),
        ]);
        s.add_manager_secret("arn", "webhook-auth", r#"{"token":"from-sm","n":5}"#)
            .expect("json");
        assert_eq!(s.secret("webhook-auth", "token").as_deref(), Ok("from-env"));
        assert_eq!(s.secret("webhook-auth", "n").as_deref(), Ok("5"));
        let err = s.secret("other", "k").expect_err("missing").to_string();
        assert!(err.contains("TRIPLINE_SECRET_OTHER_K"), "{err}");
        assert!(s.add_manager_secret("arn", "x", "plain").is_err());
    }

    #[test]
    fn names_come_from_arns_without_the_random_suffix() {
        assert_eq!(
            secret_name_from_arn(
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:slack-secret-AbCdEf"
            ),
            "slack-secret"
        );
        assert_eq!(secret_name_from_arn("plain"), "plain");
    }
}
