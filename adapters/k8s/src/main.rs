//! The `tripline` binary: `validate` and `test` Argo Events manifests offline, and `run` them
//! with the embedded durable bus.

mod files;
mod replay_cmd;
mod run;
mod test_cmd;
mod validate_cmd;

use clap::{Parser, Subcommand, ValueEnum};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use tripline::bus;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "tripline",
    version,
    about = "Argo Events sensors and event sources, anywhere"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// For a person.
    Text,
    /// Machine-readable; a stable contract.
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Check EventSource, Sensor and EventBus manifests (files or folders).
    Validate {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        output: Output,
        /// The runtime whose supported features to check against.
        #[arg(long, value_enum, default_value = "local")]
        runtime: RuntimeArg,
    },
    /// Run a sensor offline against sample events (JSON Lines of CloudEvents); nothing is sent.
    Test {
        sensor: PathBuf,
        #[arg(long)]
        events: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        output: Output,
        /// The time the sensor sees for every event (RFC 3339); by default each event's own time.
        #[arg(long)]
        now: Option<String>,
    },
    /// Run the EventSources and Sensors under the paths: sources, a durable bus and triggers in
    /// this process, until SIGINT/SIGTERM.
    Run {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Where the bus, sensor checkpoints and calendar state live
        /// [default: the user's data folder, e.g. ~/.local/share/tripline].
        #[arg(long, env = "TRIPLINE_DATA_DIR")]
        data_dir: Option<PathBuf>,
        /// Address of /metrics, /healthz, /readyz and /replay.
        #[arg(long, env = "TRIPLINE_ADMIN_ADDR", default_value = "127.0.0.1:9090")]
        admin: SocketAddr,
        /// Address the event sources' ports listen on.
        #[arg(long, env = "TRIPLINE_BIND", default_value = "0.0.0.0")]
        bind: IpAddr,
        /// Folder of secrets as `<name>/<key>` files (a mounted Kubernetes Secret works);
        /// `TRIPLINE_SECRET_<NAME>_<KEY>` environment variables are read first.
        #[arg(long, env = "TRIPLINE_SECRETS_DIR")]
        secrets_dir: Option<PathBuf>,
        /// Delete bus segments older than this (Go duration, e.g. 72h).
        #[arg(long, default_value = "168h")]
        retention_age: String,
        /// Keep at most this many bytes of bus segments.
        #[arg(long, default_value_t = 10 * 1024 * 1024 * 1024)]
        retention_bytes: u64,
        /// Acknowledge events without fsync (faster, loses acknowledged events on power loss).
        #[arg(long)]
        no_fsync: bool,
        #[arg(long, value_enum, default_value = "text")]
        log_format: LogFormat,
        /// Base URL of Slack's Web API.
        #[arg(
            long,
            env = "TRIPLINE_SLACK_API_URL",
            default_value = "https://slack.com/api"
        )]
        slack_api_url: String,
    },
    /// Write the deploy-time plan of the AWS adapter (routes, queues, S3, schedules) as JSON,
    /// for the Terraform module's `plan_file`.
    AwsPlan {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Re-deliver events from the bus log of a running `tripline run` to one sensor.
    Replay {
        /// The sensor to re-deliver to.
        #[arg(long)]
        sensor: String,
        /// Events appended at or after this time (RFC 3339).
        #[arg(long)]
        since: Option<String>,
        /// Events appended before this time (RFC 3339).
        #[arg(long)]
        until: Option<String>,
        /// Only the event with this id.
        #[arg(long)]
        event_id: Option<String>,
        /// Admin address of the running process.
        #[arg(long, env = "TRIPLINE_ADMIN_ADDR", default_value = "127.0.0.1:9090")]
        admin: SocketAddr,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

/// Prints the plan; exit 1 when it lists problems (features the Lambda adapter cannot run).
fn aws_plan(paths: &[PathBuf]) -> anyhow::Result<bool> {
    let mut manifests = Vec::new();
    for file in files::expand(paths)? {
        let text = std::fs::read_to_string(&file)?;
        for doc in tripline_core::spec::load_all(&text) {
            match doc {
                Ok(l) => manifests.push(l.manifest),
                Err(tripline_core::spec::SpecError::NotArgo { .. }) => {}
                Err(e) => anyhow::bail!("{}: {}: {}", file.display(), e.path(), e.reason()),
            }
        }
    }
    let plan = tripline_core::aws_plan::plan(&manifests);
    println!("{}", serde_json::to_string_pretty(&plan)?);
    for p in &plan.problems {
        eprintln!("problem: {p:?}");
    }
    Ok(plan.problems.is_empty())
}

fn tokio_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

#[allow(clippy::too_many_arguments)]
fn run_cmd(
    paths: Vec<PathBuf>,
    data_dir: Option<PathBuf>,
    admin: SocketAddr,
    bind: IpAddr,
    secrets_dir: Option<PathBuf>,
    retention_age: &str,
    retention_bytes: u64,
    no_fsync: bool,
    log_format: LogFormat,
    slack_api_url: String,
) -> anyhow::Result<bool> {
    init_logs(log_format);
    let retention_age = tripline_core::validate::parse_go_duration(retention_age)
        .map_err(|e| anyhow::anyhow!("--retention-age: {e}"))?;
    let data_dir = match data_dir {
        Some(d) => d,
        None => dirs::data_dir()
            .ok_or_else(|| anyhow::anyhow!("no user data folder; pass --data-dir"))?
            .join("tripline"),
    };
    let opts = run::RunOptions {
        paths,
        data_dir,
        admin,
        bind,
        secrets_dir,
        retention_age: (retention_age > Duration::ZERO).then_some(retention_age),
        retention_bytes: (retention_bytes > 0).then_some(retention_bytes),
        fsync: !no_fsync,
        slack_api_url,
    };
    tokio_runtime()?.block_on(run::run(opts))?;
    Ok(true)
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RuntimeArg {
    Local,
    Offline,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate {
            paths,
            output,
            runtime,
        } => validate_cmd::run(&paths, output, runtime),
        Command::Test {
            sensor,
            events,
            output,
            now,
        } => test_cmd::run(&sensor, &events, output, now.as_deref()),
        Command::Run {
            paths,
            data_dir,
            admin,
            bind,
            secrets_dir,
            retention_age,
            retention_bytes,
            no_fsync,
            log_format,
            slack_api_url,
        } => run_cmd(
            paths,
            data_dir,
            admin,
            bind,
            secrets_dir,
            &retention_age,
            retention_bytes,
            no_fsync,
            log_format,
            slack_api_url,
        ),
        Command::AwsPlan { paths } => aws_plan(&paths),
        Command::Replay {
            sensor,
            since,
            until,
            event_id,
            admin,
        } => tokio_runtime().and_then(|rt| {
            rt.block_on(replay_cmd::run(replay_cmd::ReplayArgs {
                sensor,
                since,
                until,
                event_id,
                admin,
            }))
        }),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
