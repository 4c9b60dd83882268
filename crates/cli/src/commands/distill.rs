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
    let opts = emergent_distill::DistillOptions {
        run_dir: args.run_dir,
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
    println!("policy:   {}", done.policy().display());
    println!("fidelity: {}", done.report().display());
    Ok(())
}
