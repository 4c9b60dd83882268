//! Writes a synthetic, heavy-tailed feature table for the study benchmark
//! (`benches/study.sh`): a few agents with very many followers and posts, most with few.
//!
//! Usage: `cargo run --release -p emergent-report --example heavy_tailed_features -- OUT.parquet [N] [SEED]`

use std::path::PathBuf;
use std::process::ExitCode;

use emergent_attribution::AgentIds;
use emergent_attribution::rng::SplitMix;

/// Default population: the size of the Bluesky snapshot the issue benchmarks against.
const DEFAULT_AGENTS: usize = 1_671_587;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(out) = args.first().map(PathBuf::from) else {
        eprintln!("usage: heavy_tailed_features OUT.parquet [N] [SEED]");
        return ExitCode::FAILURE;
    };
    let parse =
        |i: usize, default: u64| args.get(i).map(|s| s.parse::<u64>()).unwrap_or(Ok(default));
    let (Ok(n), Ok(seed)) = (parse(1, DEFAULT_AGENTS as u64), parse(2, 7)) else {
        eprintln!("N and SEED must be non-negative integers");
        return ExitCode::FAILURE;
    };
    let columns = generate(n as usize, seed);
    let named: Vec<(String, &[f64])> = columns
        .iter()
        .map(|(k, v)| (k.to_string(), v.as_slice()))
        .collect();
    match emergent_io::write_table(&out, "agent_id", &AgentIds::sequential(n as usize), &named) {
        Ok(()) => {
            println!("wrote {} agents to {}", n, out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Log-normal counts: followers with σ = 2 (a long tail), posts and replies correlated with
/// followers (visible agents post more) plus their own noise, rounded down to whole counts.
fn generate(n: usize, seed: u64) -> Vec<(&'static str, Vec<f64>)> {
    let mut rng = SplitMix::keyed(seed, 0);
    let mut normal = move || {
        let (u, v) = (rng.unit().max(1e-300), rng.unit());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    };
    let (mut followers, mut following, mut posts, mut replies) =
        (vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    for i in 0..n {
        let visibility = normal();
        followers[i] = (1.5 + 2.0 * visibility).exp().floor();
        following[i] = (3.0 + 1.0 * normal()).exp().floor();
        posts[i] = (0.5 + 0.6 * visibility + 1.2 * normal()).exp().floor();
        replies[i] = (0.2 + 0.3 * visibility + 1.3 * normal()).exp().floor();
    }
    vec![
        ("followers", followers),
        ("following", following),
        ("posts", posts),
        ("replies", replies),
    ]
}
