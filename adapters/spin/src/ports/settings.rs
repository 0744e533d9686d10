//! Runtime settings and secrets: Spin variables where the component runs under Spin (feature
//! `spin-variables`), environment variables everywhere (`wasmtime serve --env`, Spin's
//! `environment`). Names are Spin variable names (lower snake case); the environment variable is
//! the same name in upper case.

use tripline_core::secret::{env_var_name, SecretError, SecretPort};

/// Reads a setting by its Spin variable name.
pub trait Settings {
    fn get(&self, name: &str) -> Option<String>;
}

/// Environment variables only (the portable build).
#[derive(Debug, Clone, Copy, Default)]
pub struct EnvSettings;

impl Settings for EnvSettings {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name.to_ascii_uppercase())
            .ok()
            .filter(|v| !v.is_empty())
    }
}

/// Spin variables, then environment variables.
#[cfg(feature = "spin-variables")]
#[derive(Debug, Clone, Copy, Default)]
pub struct SpinVariables;

#[cfg(feature = "spin-variables")]
impl Settings for SpinVariables {
    fn get(&self, name: &str) -> Option<String> {
        match spin_sdk::variables::get(name) {
            Ok(v) if !v.is_empty() => Some(v),
            // Undefined (or an invalid name): the environment may still have it.
            _ => EnvSettings.get(name),
        }
    }
}

/// The settings of this build.
#[cfg(feature = "spin-variables")]
pub type DefaultSettings = SpinVariables;
#[cfg(not(feature = "spin-variables"))]
pub type DefaultSettings = EnvSettings;

/// The Spin variable a secret is read from: the core's shared environment name in lower case
/// (`github-access`/`token` → `tripline_secret_github_access_token`).
pub fn secret_variable(name: &str, key: &str) -> String {
    env_var_name(name, key).to_ascii_lowercase()
}

/// Secrets through [`Settings`].
pub struct SettingsSecrets<'a, S: Settings + ?Sized>(pub &'a S);

impl<S: Settings + ?Sized> SecretPort for SettingsSecrets<'_, S> {
    fn secret(&self, name: &str, key: &str) -> Result<String, SecretError> {
        let var = secret_variable(name, key);
        self.0.get(&var).ok_or_else(|| SecretError::NotFound {
            name: name.into(),
            key: key.into(),
            looked: format!(
                "the Spin variable {var} and the environment variable {}",
                var.to_ascii_uppercase()
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Fixed(HashMap<&'static str, &'static str>);

    impl Settings for Fixed {
        fn get(&self, name: &str) -> Option<String> {
            self.0.get(name).map(|v| v.to_string())
        }
    }

    #[test]
    fn secrets_use_the_shared_names() {
        let s = Fixed(HashMap::from([(
            "tripline_secret_github_access_token",
            "t0k",
        )]));
        let port = SettingsSecrets(&s);
        assert_eq!(port.secret("github-access", "token").as_deref(), Ok("t0k"));
        let err = port.secret("github-access", "other").expect_err("missing");
        assert!(
            err.to_string()
                .contains("TRIPLINE_SECRET_GITHUB_ACCESS_OTHER"),
            "{err}"
        );
    }
}
