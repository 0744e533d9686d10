//! The `tripline` binary: `validate` and `test` Argo Events manifests offline.

mod files;
mod test_cmd;
mod validate_cmd;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

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
