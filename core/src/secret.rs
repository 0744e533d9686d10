//! Secrets referenced by manifests (`authSecret`, `slackToken`, `secureHeaders`, …).
//!
//! Argo reads them from Kubernetes Secrets; outside Kubernetes each runtime resolves a
//! `{name, key}` selector through a [`SecretPort`]. The naming conventions shared by the
//! runtimes live here so a secret is found under the same name everywhere.

use std::collections::BTreeMap;

/// Why a secret could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("secret {name:?} key {key:?} not found (looked for {looked})")]
    NotFound {
        name: String,
        key: String,
        looked: String,
    },
    #[error("secret {name:?} key {key:?}: {reason}")]
    Unreadable {
        name: String,
        key: String,
        reason: String,
    },
    #[error("secret selector at {0} has no name or key")]
    Incomplete(String),
}

/// Resolves a Kubernetes-style secret selector to its value.
pub trait SecretPort {
    fn secret(&self, name: &str, key: &str) -> Result<String, SecretError>;

    /// A ConfigMap value (`configMapKeyRef`); runtimes without ConfigMaps keep this default.
    fn config_value(&self, name: &str, key: &str) -> Result<String, SecretError> {
        Err(SecretError::NotFound {
            name: name.into(),
            key: key.into(),
            looked: "ConfigMaps, which this runtime does not have".into(),
        })
    }
}

/// The environment variable a ConfigMap value is read from: `TRIPLINE_CONFIGMAP_<NAME>_<KEY>`.
pub fn config_env_var_name(name: &str, key: &str) -> String {
    env_var_name(name, key).replacen("TRIPLINE_SECRET_", "TRIPLINE_CONFIGMAP_", 1)
}

/// The environment variable a secret is read from: `TRIPLINE_SECRET_<NAME>_<KEY>`, upper
/// case, every character outside `[A-Z0-9]` replaced by `_` (`github-access`/`token` →
/// `TRIPLINE_SECRET_GITHUB_ACCESS_TOKEN`).
pub fn env_var_name(name: &str, key: &str) -> String {
    let mut out = String::from("TRIPLINE_SECRET_");
    for (i, part) in [name, key].into_iter().enumerate() {
        if i > 0 {
            out.push('_');
        }
        out.extend(part.chars().map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        }));
    }
    out
}

/// Secrets held in memory: for tests, and for runtimes that load every secret up front.
#[derive(Debug, Clone, Default)]
pub struct StaticSecrets(pub BTreeMap<(String, String), String>);

impl StaticSecrets {
    pub fn with(mut self, name: &str, key: &str, value: &str) -> Self {
        self.0.insert((name.into(), key.into()), value.into());
        self
    }
}

impl SecretPort for StaticSecrets {
    fn secret(&self, name: &str, key: &str) -> Result<String, SecretError> {
        self.0
            .get(&(name.to_string(), key.to_string()))
            .cloned()
            .ok_or_else(|| SecretError::NotFound {
                name: name.into(),
                key: key.into(),
                looked: "the in-memory secret table".into(),
            })
    }
}

/// Reads a selector that may be missing parts; `at` names the field for the error.
pub fn resolve(
    port: &(impl SecretPort + ?Sized),
    sel: &crate::spec::SecretKeySelector,
    at: &str,
) -> Result<String, SecretError> {
    match (sel.name.as_deref(), sel.key.as_deref()) {
        (Some(n), Some(k)) if !n.is_empty() && !k.is_empty() => port.secret(n, k),
        _ => Err(SecretError::Incomplete(at.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_are_upper_snake() {
        assert_eq!(
            env_var_name("github-access", "token"),
            "TRIPLINE_SECRET_GITHUB_ACCESS_TOKEN"
        );
        assert_eq!(env_var_name("a.b", "c/d"), "TRIPLINE_SECRET_A_B_C_D");
    }

    #[test]
    fn static_secrets_resolve_and_miss() {
        let s = StaticSecrets::default().with("n", "k", "v");
        assert_eq!(s.secret("n", "k").as_deref(), Ok("v"));
        assert!(matches!(
            s.secret("n", "x"),
            Err(SecretError::NotFound { .. })
        ));
    }
}
