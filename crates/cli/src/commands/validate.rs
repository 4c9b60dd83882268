//! `emergent validate`: the models against their fields' canonical published results.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use emergent_validate::{Settings, known_gap, run_all, write_validation};

#[derive(clap::Args)]
pub struct Args {
    /// CI size: each model in well under a minute. Without it, the sizes of docs/validation.md.
    #[arg(long)]
    quick: bool,
    /// Where validation.md and its figures (validation/*.png, *.svg) go.
    #[arg(long, value_name = "DIR", default_value = "validation")]
    out: PathBuf,
    /// Run only these modules (repeatable), e.g. `--only deffuant`.
    #[arg(long, value_name = "MODULE")]
    only: Vec<String>,
    /// Master seed of every experiment.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// Exit 0 when every result is reproduced or a known gap (`KNOWN_GAPS`), 1 otherwise.
pub fn run(args: Args) -> Result<ExitCode> {
    let settings = Settings {
        quick: args.quick,
        seed: args.seed,
    };
    let started = std::time::Instant::now();
    let checks = run_all(&settings, &args.only, |module| {
        eprintln!(
            "[{:>6.1} s] validating {module}…",
            started.elapsed().as_secs_f64()
        );
    })?;
    let files = write_validation(&args.out, &checks, &settings)?;
    for c in &checks {
        let verdict = match (c.pass, known_gap(c)) {
            (true, _) => "pass",
            (false, Some(_)) => "gap ",
            (false, None) => "FAIL",
        };
        println!("{verdict}  {:<28} {}", c.id, c.ours);
    }
    let not_reproduced = checks.iter().filter(|c| !c.pass).count();
    let failed = checks
        .iter()
        .filter(|c| !c.pass && known_gap(c).is_none())
        .count();
    println!(
        "{} of {} results reproduced ({} known gaps, {failed} failures) in {:.1} s; page: {}",
        checks.len() - not_reproduced,
        checks.len(),
        not_reproduced - failed,
        started.elapsed().as_secs_f64(),
        files.markdown.display()
    );
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
