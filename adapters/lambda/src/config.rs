//! The function's configuration: the environment Terraform sets, and the manifests it runs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tripline_core::spec::{load_all, Manifest};

/// `"<eventSource>/<eventName>"` → the URLs of the sensor queues that receive it.
pub type Routes = BTreeMap<String, Vec<String>>;

/// Why the function cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} is not set")]
    Missing(&'static str),
    #[error("TRIPLINE_ROLE is {0:?}; expected \"source\" or \"sensor\"")]
    Role(String),
    #[error("{var} is not valid JSON of the expected shape: {reason}")]
    Json { var: &'static str, reason: String },
    #[error("cannot read manifests at {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{origin}: {reason}")]
    Manifest { origin: String, reason: String },
    #[error("TRIPLINE_MANIFESTS {0:?}: an s3:// location needs a bucket and a key")]
    S3Location(String),
    #[error("sensor {0:?} is not among the manifests")]
    UnknownSensor(String),
}

/// Which function this process is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Source,
    Sensor,
}

/// Where the manifests are read from at cold start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManifestLocation {
    /// A file or a folder of `*.yaml`/`*.yml`/`*.json` (bundled in the package).
    Path(PathBuf),
    /// One (multi-document) object in S3.
    S3 { bucket: String, key: String },
}

impl ManifestLocation {
    pub fn parse(text: &str) -> Result<ManifestLocation, ConfigError> {
        match text.strip_prefix("s3://") {
            Some(rest) => match rest.split_once('/') {
                Some((b, k)) if !b.is_empty() && !k.is_empty() => Ok(ManifestLocation::S3 {
                    bucket: b.into(),
                    key: k.into(),
                }),
                _ => Err(ConfigError::S3Location(text.into())),
            },
            None => Ok(ManifestLocation::Path(text.into())),
        }
    }
}

/// The environment contract with the Terraform module.
#[derive(Debug, Clone)]
pub struct Settings {
    pub role: Role,
    pub routes: Routes,
    pub claim_bucket: Option<String>,
    pub state_bucket: Option<String>,
    pub sensor: Option<String>,
    pub manifests: ManifestLocation,
    pub slack_api_url: Option<String>,
    /// Secrets Manager secrets whose JSON keys become secret values (`TRIPLINE_SECRETS_MANAGER_ARNS`).
    pub secrets_manager_arns: Vec<String>,
    /// How long a sensor remembers event ids and undone firings (`TRIPLINE_DEDUP_WINDOW_SECONDS`).
    pub dedup_window_secs: i64,
}

/// A day: far beyond a message's redelivery span (visibility timeout × maxReceiveCount).
pub const DEFAULT_DEDUP_WINDOW_SECS: i64 = 86_400;

/// Where a bundled package keeps its manifests.
pub const DEFAULT_MANIFESTS: &str = "/var/task/manifests";

impl Settings {
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let role = match get("TRIPLINE_ROLE").as_deref() {
            Some("source") => Role::Source,
            Some("sensor") => Role::Sensor,
            Some(other) => return Err(ConfigError::Role(other.into())),
            None => return Err(ConfigError::Missing("TRIPLINE_ROLE")),
        };
        let routes = match get("TRIPLINE_ROUTES") {
            Some(json) => serde_json::from_str(&json).map_err(|e| ConfigError::Json {
                var: "TRIPLINE_ROUTES",
                reason: e.to_string(),
            })?,
            None => Routes::new(),
        };
        if let Some((key, _)) = routes
            .iter()
            .find(|(k, urls)| !k.contains('/') || urls.iter().any(|u| u.trim().is_empty()))
        {
            return Err(ConfigError::Json {
                var: "TRIPLINE_ROUTES",
                reason: format!(
                    "route {key:?} must be \"<eventSource>/<eventName>\" with non-empty queue URLs"
                ),
            });
        }
        let secrets_manager_arns = match get("TRIPLINE_SECRETS_MANAGER_ARNS") {
            Some(json) => serde_json::from_str(&json).map_err(|e| ConfigError::Json {
                var: "TRIPLINE_SECRETS_MANAGER_ARNS",
                reason: e.to_string(),
            })?,
            None => Vec::new(),
        };
        let sensor = get("TRIPLINE_SENSOR");
        if role == Role::Sensor && sensor.is_none() {
            return Err(ConfigError::Missing("TRIPLINE_SENSOR"));
        }
        Ok(Settings {
            role,
            routes,
            claim_bucket: get("TRIPLINE_CLAIM_BUCKET"),
            state_bucket: get("TRIPLINE_STATE_BUCKET"),
            sensor,
            manifests: ManifestLocation::parse(
                &get("TRIPLINE_MANIFESTS").unwrap_or_else(|| DEFAULT_MANIFESTS.into()),
            )?,
            slack_api_url: get("TRIPLINE_SLACK_API_URL"),
            secrets_manager_arns,
            dedup_window_secs: match get("TRIPLINE_DEDUP_WINDOW_SECONDS") {
                Some(v) => v
                    .parse()
                    .ok()
                    .filter(|s: &i64| *s > 0)
                    .ok_or(ConfigError::Json {
                        var: "TRIPLINE_DEDUP_WINDOW_SECONDS",
                        reason: format!("{v:?} is not a positive number of seconds"),
                    })?,
                None => DEFAULT_DEDUP_WINDOW_SECS,
            },
        })
    }

    pub fn from_env() -> Result<Settings, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }
}

/// Parses every document of a manifest text; `origin` names it in errors. EventBuses are
/// dropped (SQS is the bus here).
pub fn parse_manifests(text: &str, origin: &str) -> Result<Vec<Manifest>, ConfigError> {
    let mut out = Vec::new();
    for r in load_all(text) {
        let loaded = r.map_err(|e| ConfigError::Manifest {
            origin: origin.into(),
            reason: e.to_string(),
        })?;
        if !matches!(loaded.manifest, Manifest::EventBus(_)) {
            out.push(loaded.manifest);
        }
    }
    Ok(out)
}

/// Reads a manifest file, or every manifest file under a folder (sorted, recursively).
pub fn load_manifests_path(path: &Path) -> Result<Vec<Manifest>, ConfigError> {
    let read_err = |p: &Path, e: std::io::Error| ConfigError::Read {
        path: p.display().to_string(),
        reason: e.to_string(),
    };
    let meta = std::fs::metadata(path).map_err(|e| read_err(path, e))?;
    let mut files = Vec::new();
    if meta.is_dir() {
        collect(path, &mut files).map_err(|e| read_err(path, e))?;
        files.sort();
    } else {
        files.push(path.to_path_buf());
    }
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| read_err(&f, e))?;
        out.extend(parse_manifests(&text, &f.display().to_string())?);
    }
    Ok(out)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let p = entry?.path();
        if p.is_dir() {
            collect(&p, out)?;
        } else if p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
        {
            out.push(p);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let m: HashMap<&str, &str> = vars.iter().copied().collect();
        Settings::from_lookup(|k| m.get(k).map(|v| v.to_string()))
    }

    #[test]
    fn reads_the_terraform_environment() {
        let s = settings(&[
            ("TRIPLINE_ROLE", "source"),
            (
                "TRIPLINE_ROUTES",
                r#"{"hooks/deploy":["https://sqs/q1","https://sqs/q2"]}"#,
            ),
            ("TRIPLINE_MANIFESTS", "s3://cfg/manifests/abc.yaml"),
            (
                "TRIPLINE_SECRETS_MANAGER_ARNS",
                r#"["arn:aws:secretsmanager:x"]"#,
            ),
        ])
        .expect("settings");
        assert_eq!(s.role, Role::Source);
        assert_eq!(s.routes["hooks/deploy"].len(), 2);
        assert_eq!(
            s.manifests,
            ManifestLocation::S3 {
                bucket: "cfg".into(),
                key: "manifests/abc.yaml".into()
            }
        );
        assert_eq!(s.secrets_manager_arns.len(), 1);
    }

    #[test]
    fn bad_settings_say_what_is_wrong() {
        let cases: [(&[(&str, &str)], &str); 5] = [
            (&[], "TRIPLINE_ROLE is not set"),
            (&[("TRIPLINE_ROLE", "both")], "\"both\""),
            (&[("TRIPLINE_ROLE", "sensor")], "TRIPLINE_SENSOR"),
            (
                &[("TRIPLINE_ROLE", "source"), ("TRIPLINE_ROUTES", "[1]")],
                "TRIPLINE_ROUTES",
            ),
            (
                &[
                    ("TRIPLINE_ROLE", "source"),
                    ("TRIPLINE_ROUTES", r#"{"a/b":[""]}"#),
                ],
                "non-empty queue URLs",
            ),
        ];
        for (vars, want) in cases {
            let err = settings(vars).expect_err(want).to_string();
            assert!(err.contains(want), "{err}");
        }
        assert!(ManifestLocation::parse("s3://bucket-only").is_err());
    }

    #[test]
    fn loads_a_folder_of_manifests_and_reports_bad_ones() {
        let dir = std::env::temp_dir().join(format!("tripline-cfg-{}", std::process::id()));
        let nested = dir.join("nested");
        std::fs::create_dir_all(&nested).expect("mkdir");
        std::fs::write(
            dir.join("a.yaml"),
            "apiVersion: argoproj.io/v1alpha1\nkind: EventSource\nmetadata: {name: a}\nspec: {}\n",
        )
        .expect("write");
        std::fs::write(
            nested.join("b.yml"),
            "apiVersion: argoproj.io/v1alpha1\nkind: Sensor\nmetadata: {name: b}\nspec: {}\n---\napiVersion: argoproj.io/v1alpha1\nkind: EventBus\nmetadata: {name: default}\n",
        )
        .expect("write");
        std::fs::write(dir.join("notes.txt"), "not a manifest").expect("write");
        let ms = load_manifests_path(&dir).expect("loads");
        assert_eq!(ms.len(), 2);

        std::fs::write(dir.join("c.yaml"), "kind: Deployment\n").expect("write");
        let err = load_manifests_path(&dir).expect_err("bad doc").to_string();
        assert!(err.contains("c.yaml"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
