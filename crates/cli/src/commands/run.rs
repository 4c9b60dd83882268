use std::path::PathBuf;
use std::time::{Duration, Instant};

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize};

use anyhow::{Result, bail};
use emergent_collective::{Collective, Solo};
use emergent_runner::{HaltCause, RunError, RunOptions, RunProgress, RunSummary, StopFlag};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(clap::Args)]
pub struct Args {
    /// Scenario file (see scenarios/README.md).
    #[arg(value_name = "SCENARIO.toml", required_unless_present = "resume")]
    scenario: Option<PathBuf>,
    /// Run directory (default: `runs/<scenario name>-seed<seed>`).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Override the scenario's seed (0 to 2^63 − 1).
    #[arg(long, allow_negative_numbers = true)]
    seed: Option<u64>,
    /// Override any scenario key, e.g. --set population.agents=1000 (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Overwrite an existing run directory.
    #[arg(long)]
    force: bool,
    /// Continue the interrupted run in DIR from its last checkpoint.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["scenario", "out", "seed", "set", "force"])]
    resume: Option<PathBuf>,
    /// LLM agents: answer only from the replay cache; a cache miss stops the run with a message.
    #[arg(long)]
    offline: bool,
    /// LLM agents: stop cleanly (checkpointed, resumable) after this many HTTP calls.
    #[arg(long, value_name = "N")]
    max_calls: Option<u64>,
    /// LLM agents: stop cleanly after this many prompt + completion tokens.
    #[arg(long, value_name = "N")]
    max_tokens: Option<u64>,
    /// LLM agents: let `llm.prompt` read this file, or any file under this folder
    /// (repeatable). Without it a scenario's prompt must lie inside the scenario's folder or
    /// the project's `prompts/` folder (in the current directory): the prompt is sent to the
    /// endpoint and kept in the replay cache, and scenario files get shared. Also needed
    /// with --resume.
    #[arg(long, value_name = "PATH")]
    allow_prompt_path: Vec<PathBuf>,
    /// Split the run over the ranks of an MPI job: `mpirun -np P emergent run --distributed …`.
    /// Each rank holds and writes its own agents (`features-rRRRRR.parquet`, … listed in
    /// shards.json); the outputs equal the single-process run's. Resume on the same P. Needs a
    /// build with `--features mpi`.
    #[arg(long)]
    distributed: bool,
    /// Sleep this many milliseconds after each tick (for demos and interruption tests).
    #[arg(long, hide = true, value_name = "MS")]
    throttle_ms: Option<u64>,
}

struct Bar {
    pb: ProgressBar,
    started: Instant,
    agents: std::sync::atomic::AtomicUsize,
}

impl RunProgress for Bar {
    fn started(&self, total: u32, agents: usize) {
        self.pb.set_length(total as u64);
        self.agents
            .store(agents, std::sync::atomic::Ordering::Relaxed);
        self.pb.set_message("ticks");
    }
    fn tick(&self, done: u32) {
        self.pb.set_position(done as u64);
        let secs = self.started.elapsed().as_secs_f64().max(1e-9);
        let agents = self.agents.load(std::sync::atomic::Ordering::Relaxed) as f64;
        self.pb.set_message(format!(
            "ticks, {:.2e} agent-steps/s",
            self.pb.position() as f64 * agents / secs
        ));
    }
    fn attributing(&self) {
        self.pb.set_message("attributing");
    }
}

/// The exit code: 0 for a finished run and for a spent LLM budget (the run did what it was
/// asked, and says how to resume), 128 + N for a run stopped by signal N (130 for Ctrl-C).
pub fn run(args: Args) -> Result<ExitCode> {
    if !args.distributed {
        return run_on(args, &Solo);
    }
    #[cfg(feature = "mpi")]
    {
        let Some(mpi) = crate::mpi::Mpi::init() else {
            bail!("MPI could not be initialised (was it already initialised in this process?)");
        };
        let result = run_on(args, &mpi);
        if let Err(e) = &result
            && mpi.ranks() > 1
        {
            // The other ranks may be waiting in a collective: end the whole job.
            eprintln!("error (rank {}): {e:#}", mpi.rank());
            mpi.abort(1);
        }
        result
    }
    #[cfg(not(feature = "mpi"))]
    bail!(
        "--distributed: this emergent was built without MPI; install Open MPI (apt install libopenmpi-dev openmpi-bin libclang-dev) and build with `cargo build --release -p emergent-cli --features mpi`, then start it with `mpirun -np P target/release/emergent run --distributed …`"
    )
}

fn run_on(args: Args, exchange: &dyn Collective) -> Result<ExitCode> {
    let lead = exchange.rank() == 0;
    let target = if lead {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let pb = ProgressBar::with_draw_target(None, target);
    pb.set_style(
        ProgressStyle::with_template(
            "{spinner} {wide_bar} {pos}/{len} {msg} [{elapsed_precise}, eta {eta}]",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let bar = Bar {
        pb,
        started: Instant::now(),
        agents: Default::default(),
    };
    let throttle = args.throttle_ms.map(Duration::from_millis);
    let stop = stop_on_signals()?;
    let result = match (&args.resume, &args.scenario) {
        (Some(dir), _) => emergent_runner::resume_on(
            dir,
            throttle,
            &RunOptions {
                offline: args.offline,
                max_calls: args.max_calls,
                max_tokens: args.max_tokens,
                allow_prompt_paths: args.allow_prompt_path.clone(),
                stop: Some(stop.clone()),
                ..Default::default()
            },
            &bar,
            exchange,
        ),
        (None, Some(scenario)) => emergent_runner::start_on(
            &RunOptions {
                scenario: scenario.clone(),
                out: args.out.clone(),
                seed: args.seed,
                overrides: args.set.clone(),
                force: args.force,
                throttle,
                offline: args.offline,
                max_calls: args.max_calls,
                max_tokens: args.max_tokens,
                allow_prompt_paths: args.allow_prompt_path.clone(),
                stop: Some(stop.clone()),
            },
            &bar,
            exchange,
        ),
        (None, None) => bail!("give a scenario file or --resume DIR"),
    };
    bar.pb.finish_and_clear();
    let summary = match result {
        Err(halted @ RunError::Halted { cause, .. }) => {
            if lead {
                eprintln!("{halted}");
            }
            return Ok(halted_exit_code(cause));
        }
        other => other?,
    };
    if !lead {
        return Ok(ExitCode::SUCCESS);
    }
    print_summary(&summary);
    // The run itself succeeded; a report that cannot be written is a warning, not a failure.
    match emergent_report::write_report(&summary.dir) {
        Ok(files) => println!("report: {}", files.markdown.display()),
        Err(e) => eprintln!("warning: the run finished but its report was not written: {e}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// The exit code of a run that stopped cleanly before its last tick.
fn halted_exit_code(cause: HaltCause) -> ExitCode {
    match cause {
        HaltCause::Budget => ExitCode::SUCCESS,
        HaltCause::Policy => ExitCode::FAILURE,
        HaltCause::Signal(n) if (1..128).contains(&n) => ExitCode::from(128 + n as u8),
        HaltCause::Signal(_) => ExitCode::from(130),
    }
}

/// SIGINT and SIGTERM ask the run to stop after the current tick (checkpointed when
/// checkpoints are on); a second one ends the process at once.
pub(crate) fn stop_on_signals() -> Result<StopFlag> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let stop: StopFlag = Arc::new(AtomicUsize::new(0));
    let again = Arc::new(AtomicBool::new(false));
    for sig in [SIGINT, SIGTERM] {
        // Registered first, so it sees `again` as the previous signal left it.
        signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, Arc::clone(&again))?;
        signal_hook::flag::register(sig, Arc::clone(&again))?;
        signal_hook::flag::register_usize(sig, Arc::clone(&stop), sig as usize)?;
    }
    Ok(stop)
}

fn print_summary(s: &RunSummary) {
    println!(
        "ran {} agents for {} ticks in {:.2} s ({:.2e} agent-steps/s)",
        s.agents,
        s.ticks,
        s.seconds,
        s.agents as f64 * s.ticks as f64 / s.seconds.max(1e-9)
    );
    println!("outputs in {}/", s.dir.display());
    print_policy_stats(&s.policy_stats);
    for o in &s.indicators {
        match (&o.error, o.value) {
            (Some(e), _) => println!("  {} = {}: not attributed: {e}", o.name, o.expr),
            (None, Some(v)) => {
                let top = o
                    .tiers
                    .first()
                    .map(|t| {
                        format!(
                            ", {} of agents by {} hold {:.1}% of it",
                            t.name,
                            o.tier_by.as_deref().unwrap_or("?"),
                            100.0 * t.share
                        )
                    })
                    .unwrap_or_default();
                let lead = o
                    .top_agents
                    .first()
                    .map(|a| format!("; agent {} leads with φ = {:.4e}", a.agent_id, a.phi))
                    .unwrap_or_default();
                println!(
                    "  {} = {} = {v:.6} (vs {:.6} at the {} baseline{top}{lead}; gap {:.1e})",
                    o.name,
                    o.expr,
                    o.baseline_value.unwrap_or(f64::NAN),
                    o.baseline,
                    o.completeness_gap.unwrap_or(f64::NAN)
                );
            }
            _ => {}
        }
    }
}

/// The LLM's bill and outcome counts, when the run used one.
fn print_policy_stats(stats: &[(String, f64)]) {
    let get = |k: &str| stats.iter().find(|(n, _)| n == k).map_or(0.0, |(_, v)| *v);
    if !stats.iter().any(|(n, _)| n == "calls") {
        return;
    }
    println!(
        "llm: {} decisions ({} by the model, {} fallbacks: {} endpoint, {} parse, {} budget); {} calls, {} cache hits, {} retries, {} timeouts; tokens {} prompt + {} completion; {} parse failures, {} repairs ({} repaired), {} fields clamped",
        get("llm_decisions_requested"),
        get("llm_decisions"),
        get("fallbacks"),
        get("fallbacks_endpoint"),
        get("fallbacks_parse"),
        get("fallbacks_budget"),
        get("calls"),
        get("cache_hits"),
        get("retries"),
        get("timeouts"),
        get("prompt_tokens"),
        get("completion_tokens"),
        get("parse_failures"),
        get("repairs"),
        get("repaired"),
        get("clamped_fields"),
    );
    let http: Vec<String> = stats
        .iter()
        .filter(|(n, _)| n.starts_with("http_"))
        .map(|(n, v)| format!("{} × {v}", &n[5..]))
        .collect();
    if !http.is_empty() {
        println!("llm: HTTP errors by status: {}", http.join(", "));
    }
}
