//! `bootstrap`: the Lambda custom runtime entry point of both roles.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use std::process::ExitCode;
use tripline_lambda::aws::{AwsEnv, Clients};
use tripline_lambda::boot;
use tripline_lambda::config::{Role, Settings};
use tripline_lambda::source::Invocation;
use tripline_lambda::store::S3Store;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_current_span(false)
        .without_time()
        .init();
    // One thread: a Lambda environment handles one invocation at a time, and a thread pool
    // would only add to the cold start.
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "function stopped");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Error> {
    let start = std::time::Instant::now();
    let mut marks: Vec<(&str, std::time::Duration)> = Vec::new();
    let settings = Settings::from_env()?;
    let clients = Clients::new(&AwsEnv::from_env()?);
    marks.push(("clients", start.elapsed()));
    let store = S3Store::new(clients.clone());
    let manifests = boot::load_manifests(&settings.manifests, &store).await?;
    marks.push(("manifests", start.elapsed()));
    let secrets = boot::secrets(&settings, &clients).await?;
    marks.push(("secrets", start.elapsed()));
    // Where the cold start goes (RUST_LOG=debug).
    let log_marks = |marks: &mut Vec<(&str, std::time::Duration)>| {
        marks.push(("compiled", start.elapsed()));
        let text: Vec<String> = marks
            .iter()
            .map(|(n, d)| format!("{n}={:.2}ms", d.as_secs_f64() * 1000.0))
            .collect();
        tracing::debug!(phases = %text.join(" "), "cold start");
    };
    match settings.role {
        Role::Source => {
            let f: &'static _ = Box::leak(Box::new(boot::source_function(
                &settings, &manifests, &clients, &secrets,
            )?));
            log_marks(&mut marks);
            drop(manifests);
            lambda_runtime::run(service_fn(
                move |ev: LambdaEvent<serde_json::Value>| async move {
                    let inv = Invocation {
                        request_id: ev.context.request_id.clone(),
                        now: chrono::Utc::now(),
                    };
                    f.handle(&ev.payload, &inv).await.map_err(Error::from)
                },
            ))
            .await
        }
        Role::Sensor => {
            let f: &'static _ = Box::leak(Box::new(boot::sensor_function(
                &settings, &manifests, &clients, secrets,
            )?));
            log_marks(&mut marks);
            drop(manifests);
            lambda_runtime::run(service_fn(
                move |ev: LambdaEvent<aws_lambda_events::sqs::SqsEvent>| async move {
                    Ok::<_, Error>(f.handle(&ev.payload, ev.context.deadline).await)
                },
            ))
            .await
        }
    }
}
