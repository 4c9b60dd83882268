//! `emergent`: the command line. Thin by design — parse arguments, draw progress, wire the
//! library crates together, turn errors into messages.

mod commands;
mod progress;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "emergent", version, about = "LLM-powered multi-agent social simulator with built-in Aumann–Shapley attribution")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario: simulate, record every tick, attribute its indicators at the end.
    Run(commands::run::Args),
    /// Attribute a macro indicator to every agent of a feature table.
    Attribute(commands::attribute::Args),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => commands::run::run(args),
        Command::Attribute(args) => commands::attribute::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
