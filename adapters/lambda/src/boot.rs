//! Cold start: settings, manifests, secrets, then the function of the configured role.

use crate::aws::Clients;
use crate::config::{
    load_manifests_path, parse_manifests, ConfigError, ManifestLocation, Settings,
};
use crate::ports::AwsPorts;
use crate::publish::Publisher;
use crate::secrets::{Secrets, SecretsError};
use crate::sensor::{SensorFunction, SensorOptions, SensorSetupError};
use crate::source::{Catalog, CatalogError, SourceFunction};
use crate::store::{ObjectStore, S3Store};
use tripline_core::spec::Manifest;
use tripline_core::trigger::ExecOptions;

/// Why the function could not start.
#[derive(Debug, thiserror::Error)]
pub enum BootError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Secrets(#[from] SecretsError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Sensor(#[from] SensorSetupError),
}

/// Reads the manifests from the package or from S3.
pub async fn load_manifests(
    loc: &ManifestLocation,
    s3: &S3Store,
) -> Result<Vec<Manifest>, ConfigError> {
    match loc {
        ManifestLocation::Path(p) => load_manifests_path(p),
        ManifestLocation::S3 { bucket, key } => {
            let origin = format!("s3://{bucket}/{key}");
            let obj = s3
                .get(bucket, key)
                .await
                .map_err(|e| ConfigError::Read {
                    path: origin.clone(),
                    reason: e.to_string(),
                })?
                .ok_or_else(|| ConfigError::Read {
                    path: origin.clone(),
                    reason: "no such object".into(),
                })?;
            let text = String::from_utf8(obj.body).map_err(|_| ConfigError::Read {
                path: origin.clone(),
                reason: "not UTF-8 text".into(),
            })?;
            parse_manifests(&text, &origin)
        }
    }
}

/// Environment secrets plus the Secrets Manager secrets the settings list.
pub async fn secrets(settings: &Settings, clients: &Clients) -> Result<Secrets, SecretsError> {
    let mut s = Secrets::from_env();
    if !settings.secrets_manager_arns.is_empty() {
        s.load_secrets_manager(clients.secrets(), &settings.secrets_manager_arns)
            .await?;
    }
    Ok(s)
}

/// The source function of a deployment.
pub fn source_function(
    settings: &Settings,
    manifests: &[Manifest],
    clients: &Clients,
    secrets: &Secrets,
) -> Result<SourceFunction, BootError> {
    let catalog = Catalog::build(manifests, secrets)?;
    let (w, s, c, q) = catalog.counts();
    tracing::info!(
        webhooks = w,
        s3 = s,
        calendars = c,
        queues = q,
        routes = settings.routes.len(),
        "source function ready"
    );
    let publisher = Publisher::new(
        clients.clone(),
        settings.claim_bucket.clone(),
        settings.routes.clone(),
    );
    Ok(SourceFunction::new(catalog, publisher))
}

/// The sensor function named by `TRIPLINE_SENSOR`.
pub fn sensor_function(
    settings: &Settings,
    manifests: &[Manifest],
    clients: &Clients,
    secrets: Secrets,
) -> Result<SensorFunction<S3Store, AwsPorts>, BootError> {
    let name = settings.sensor.clone().unwrap_or_default();
    let sensor = manifests
        .iter()
        .find_map(|m| match m {
            Manifest::Sensor(s) if m.name() == Some(name.as_str()) => Some(s),
            _ => None,
        })
        .ok_or_else(|| ConfigError::UnknownSensor(name.clone()))?;
    let mut exec = ExecOptions::default();
    if let Some(url) = &settings.slack_api_url {
        exec.slack_api_url = url.clone();
    }
    let opts = SensorOptions {
        state_bucket: settings.state_bucket.clone(),
        dedup_window: chrono::Duration::seconds(settings.dedup_window_secs),
        exec,
    };
    let f = SensorFunction::new(
        sensor,
        S3Store::new(clients.clone()),
        AwsPorts::new(clients.clone(), secrets),
        opts,
    )?;
    tracing::info!(sensor = %f.name(), stateful = f.stateful(), "sensor function ready");
    Ok(f)
}
