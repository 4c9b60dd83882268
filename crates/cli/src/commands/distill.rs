//! `emergent distill`: an LLM run's decision log → `policy.json` (a surrogate fitted to the
//! LLM agents' decisions, run with `[policy] kind = "distilled"`) and `distill.json` (its
//! fidelity on held-out decisions next to the hand-written surrogate's). Social runs and
//! `[econ]` runs (work and consumption) alike.

use std::path::PathBuf;

use anyhow::Result;

#[derive(clap::Args)]
pub struct Args {
    /// The directory of a finished `emergent run` of a scenario with LLM agents.
    #[arg(value_name = "RUN_DIR")]
    run_dir: PathBuf,
    /// Where to write the policy (`distill.json` goes beside it).
    #[arg(long, value_name = "FILE", default_value = "policy.json")]
    out: PathBuf,
    /// Overwrite an existing policy.json / distill.json.
    #[arg(long)]
    force: bool,
    /// Macro check: run the distilled policy on the LLM run's scenario at the same N with K
    /// seeds (the LLM runs' seeds first) and compare the indicators at the last recorded tick
    /// with the LLM run(s); written to distill.json as `macro_check`.
    #[arg(long, value_name = "K")]
    check_seeds: Option<usize>,
    /// More finished LLM runs of the same scenario (other seeds) for the macro check: the
    /// distilled mean is then tested against the LLM runs' own seed band.
    #[arg(long, value_name = "RUN_DIR", num_args = 1.., requires = "check_seeds")]
    llm_runs: Vec<PathBuf>,
}

/// A value of the macro check, or "—" when undefined.
fn opt(x: Option<f64>) -> String {
    x.map_or_else(|| "—".into(), |v| format!("{v:.4}"))
}

fn line(name: &str, f: &emergent_distill::Fidelity) -> String {
    format!(
        "{name:<10} log-loss {:.3}/decision, accuracy {:.3} (post {:.3}, like {:.3}, reply {:.3}, repost {:.3}), stance RMSE {:.4}",
        f.log_loss,
        f.accuracy,
        f.post.accuracy,
        f.like.accuracy,
        f.reply.accuracy,
        f.repost.accuracy,
        f.stance_rmse
    )
}

fn econ_line(name: &str, f: &emergent_distill::econ::EconFidelity) -> String {
    format!(
        "{name:<10} log-loss {:.3}/decision (work {:.3}, consumption {:.3}), RMSE work {:.4}, consumption {:.4}",
        f.log_loss, f.work.log_loss, f.consumption.log_loss, f.work.rmse, f.consumption.rmse
    )
}

pub fn run(args: Args) -> Result<()> {
    // Checked before anything is fitted or written (a missing run directory is distill's
    // to report).
    let plan = match args.check_seeds {
        Some(k) if args.run_dir.is_dir() => Some(emergent_runner::distill_check::plan_check(
            &args.run_dir,
            &args.llm_runs,
            k,
        )?),
        _ => None,
    };
    let opts = emergent_distill::DistillOptions {
        run_dir: args.run_dir.clone(),
        out: args.out,
        force: args.force,
    };
    let done = emergent_distill::distill_run(&opts)?;
    match &done {
        emergent_distill::Distillation::Social(s) => {
            let f = &s.file;
            println!(
                "fitted on {} decisions, held out {} ({} fell back, left out)",
                f.fitted_on, f.held_out, f.fell_back
            );
            println!("{}", line("distilled", &f.distilled));
            if let Some(sur) = &f.surrogate {
                println!("{}", line("surrogate", sur));
            }
        }
        emergent_distill::Distillation::Econ(s) => {
            let f = &s.file;
            println!(
                "fitted work and consumption on {} household decisions, held out {} ({} fell back, left out)",
                f.fitted_on, f.held_out, f.fell_back
            );
            println!("{}", econ_line("distilled", &f.distilled));
            println!("{}", econ_line("surrogate", &f.surrogate));
        }
    }
    if let Some(plan) = plan {
        let progress = |seed: u64, i: usize, n: usize| {
            eprintln!("macro check: the distilled policy with seed {seed} ({i}/{n})");
        };
        let check = emergent_runner::distill_check::run_check(
            plan,
            done.policy(),
            done.report(),
            &progress,
        )?;
        println!(
            "macro check at N = {}, distilled seeds {:?} vs LLM seeds {:?} ({})",
            check.agents, check.seeds, check.llm_seeds, check.band
        );
        for m in &check.indicators {
            let inside = match m.inside {
                Some(true) => "inside",
                Some(false) => "OUTSIDE",
                None => "undefined",
            };
            println!(
                "  {:<16} LLM mean {}  distilled mean {} ± {}  band [{}, {}]  {inside}",
                m.name,
                opt(m.llm_mean),
                opt(m.distilled_mean),
                opt(m.distilled_sd),
                opt(m.low),
                opt(m.high)
            );
        }
    }
    println!("policy:   {}", done.policy().display());
    println!("fidelity: {}", done.report().display());
    Ok(())
}
