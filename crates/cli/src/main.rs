//! `emergent`: the command line. Thin by design — parse arguments, draw progress, wire the
//! library crates together, turn errors into messages.

mod commands;
#[cfg(feature = "mpi")]
mod mpi;
mod progress;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "emergent",
    version,
    about = "LLM-powered multi-agent social simulator with built-in Aumann–Shapley attribution"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario: simulate, record every tick, attribute its indicators at the end.
    Run(commands::run::Args),
    /// Paired experiments: arms of interventions vs a control, on the same world with common
    /// random numbers; effects with intervals and the agents that carried them.
    Experiment(commands::experiment::Args),
    /// Attribute a macro indicator to every agent of a feature table.
    Attribute(commands::attribute::Args),
    /// Full-population attribution vs sampled panels: tiers, scaling-bias verdict, sweeps, plots.
    Study(commands::study::Args),
    /// Write report.md and a self-contained report.html for a run directory.
    Report(commands::report::Args),
    /// Reproduce the canonical published results of the models, with figures (validation.md).
    Validate(commands::validate::Args),
    /// Import real platform data into feature tables.
    #[command(subcommand)]
    Import(Import),
    /// Generate synthetic platform data for tests and benchmarks.
    #[command(subcommand)]
    Synth(Synth),
    /// The LLM replay cache shared by every run: stats, prune, export.
    #[command(subcommand)]
    Cache(commands::cache::Command),
    /// Ask a finished run's LLM agents a question as they were at a recorded tick.
    Interview(commands::interview::Args),
    /// Fit a surrogate to an LLM run's decisions: policy.json ([policy] kind = "distilled")
    /// and distill.json (held-out fidelity vs the hand-written surrogate).
    Distill(commands::distill::Args),
}

#[derive(Subcommand)]
enum Import {
    /// Bluesky Jetstream captures (.jsonl, .jsonl.gz, .jsonl.zst) → features.parquet, follows.parquet.
    Bluesky(commands::bluesky::ImportArgs),
    /// An OASIS simulation database (SQLite) → features.parquet, follows.parquet, ticks.parquet.
    Oasis(commands::oasis::ImportArgs),
}

#[derive(Subcommand)]
enum Synth {
    /// A synthetic Jetstream capture with heavy-tailed followers and activity.
    Bluesky(commands::bluesky::SynthArgs),
}

/// Let glibc keep freed buffers for reuse instead of returning them to the kernel at once.
///
/// A study or a `--repeat` benchmark attributes many times over the same N: with glibc's
/// defaults each round's per-agent buffers (tens of KB to tens of MB) go back to the kernel
/// and come back as fresh pages, one page fault per 4 KiB (a third of the time of a 10⁴-agent
/// closed form here). Buffers up to 64 MiB now come from the heap and up to 256 MiB of freed
/// heap stays mapped; larger ones still use mmap (and huge pages).
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes the allocator; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 64 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
    }
}

fn main() -> ExitCode {
    // `emergent … | head` should end quietly, like any Unix tool, not panic on a closed pipe.
    #[cfg(unix)]
    // SAFETY: called first thing, before any other thread exists; SIG_DFL is always valid.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    keep_freed_memory();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => match commands::run::run(args) {
            Ok(code) => return code,
            Err(e) => Err(e),
        },
        Command::Experiment(args) => match commands::experiment::run(args) {
            Ok(code) => return code,
            Err(e) => Err(e),
        },
        Command::Validate(args) => match commands::validate::run(args) {
            Ok(code) => return code,
            Err(e) => Err(e),
        },
        Command::Attribute(args) => commands::attribute::run(args),
        Command::Study(args) => commands::study::run(args),
        Command::Report(args) => commands::report::run(args),
        Command::Import(Import::Bluesky(args)) => commands::bluesky::import(args),
        Command::Import(Import::Oasis(args)) => commands::oasis::import(args),
        Command::Synth(Synth::Bluesky(args)) => commands::bluesky::synth(args),
        Command::Cache(command) => commands::cache::run(command),
        Command::Interview(args) => commands::interview::run(args),
        Command::Distill(args) => commands::distill::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
