//! `emergent interview RUN_DIR`: ask a finished run's LLM agents a question as they were at a
//! recorded tick (docs/llm.md, "Interviews and surveys").

use std::path::PathBuf;

use anyhow::Result;
use emergent_llm::LlmRunOptions;
use emergent_runner::{InterviewOptions, interview_run};

#[derive(clap::Args)]
pub struct Args {
    /// A finished run directory of a scenario with LLM agents.
    #[arg(value_name = "RUN_DIR")]
    run_dir: PathBuf,
    /// Whom to ask: ids (3,7,9), a range (10..20, the end excluded), top:K:COLUMN (the K
    /// largest values of a feature at the tick) or phi:K:INDICATOR (the K largest |φ| of an
    /// indicator in attribution.parquet). Only LLM agents can be asked.
    #[arg(long, value_name = "SELECTOR")]
    agents: String,
    /// The question. "on a scale from A to B" (or "between A and B") asks for a number,
    /// "yes or no" for a choice; the parsed answer goes into the `value` column.
    #[arg(long, allow_hyphen_values = true)]
    question: String,
    /// The recorded tick to ask the agents as they were at (default: the last one).
    #[arg(long, value_name = "T")]
    tick: Option<u32>,
    /// The answer is one of these comma-separated choices; `value` is its index (0-based).
    #[arg(long, value_name = "A,B,C")]
    choices: Option<String>,
    /// Write the answers here (.parquet, or .csv) instead of the run directory's
    /// interviews.parquet (which keeps earlier interviews' rows).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Replace --out if it exists.
    #[arg(long, requires = "out")]
    force: bool,
    /// Ask this OpenAI-compatible endpoint (up to and including /v1) instead of the run's
    /// scenario's; the API key still comes from the environment variable its `llm.api_key_env`
    /// names.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// Answer only from the replay cache; a question it has no answer for is an error.
    #[arg(long)]
    offline: bool,
    /// Stop after this many HTTP calls (the answers so far stay in the replay cache).
    #[arg(long, value_name = "N")]
    max_calls: Option<u64>,
}

pub fn run(args: Args) -> Result<()> {
    let opts = InterviewOptions {
        agents: args.agents,
        question: args.question,
        tick: args.tick,
        choices: args.choices,
        out: args.out,
        force: args.force,
        base_url: args.base_url,
        llm: LlmRunOptions {
            offline: args.offline,
            max_calls: args.max_calls,
            ..Default::default()
        },
    };
    let s = interview_run(&args.run_dir, &opts)?;
    for r in &s.rows {
        let value = match (r.value, r.choice.is_empty()) {
            (None, _) => String::new(),
            (Some(_), false) => format!(" [{}]", r.choice),
            (Some(v), true) => format!(" [{v}]"),
        };
        println!(
            "agent {} (tick {}){value}: {}",
            r.agent_id, r.tick, r.answer
        );
    }
    println!(
        "{} answers at tick {} written to {} ({} requests, the rest from the replay cache)",
        s.rows.len(),
        s.tick,
        s.out.display(),
        s.requests
    );
    Ok(())
}
