//! The cascade-size distribution of a cascade scenario, as `cascades.parquet` would hold it:
//! `cargo run --release -p emergent-sim --example cascade_sizes -- scenarios/cascade.toml`.
//!
//! Prints P(S = s) for small s next to the Borel law e^{−s} s^{s−1}/s! (the total size of a
//! critical Poisson branching process, which the scenario's independent cascade is on a tree),
//! the log-binned density with its fitted slope, and the discrete maximum-likelihood exponent.

use emergent_scenario::Scenario;
use emergent_sim::Simulation;
use emergent_sim::cascades::CascadeLog;

fn borel(s: u64) -> f64 {
    // e^{−s} s^{s−1}/s!, in logs.
    let sf = s as f64;
    let ln_fact: f64 = (1..=s).map(|k| (k as f64).ln()).sum();
    (-sf + (sf - 1.0) * sf.ln() - ln_fact).exp()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or("scenarios/cascade.toml".into());
    let scenario = Scenario::from_path(path.as_ref())?;
    let started = std::time::Instant::now();
    let mut sim = Simulation::new(&scenario, None)?;
    let mut log = CascadeLog::default();
    while !sim.is_done() {
        let report = sim.step();
        log.record(&report, &sim.world.items);
        sim.world.forget_unseen_items();
    }
    let ticks = sim.world.tick;
    let window = scenario.feed.window;
    // Cascades still shared within the feed window of the end may have been cut short.
    let all: Vec<u64> = log.sizes();
    let done: Vec<u64> = log
        .iter()
        .filter(|(_, r)| r.last + window < ticks)
        .map(|(_, r)| r.size)
        .collect();
    println!(
        "{} cascades ({} finished) in {:.1} s; mean size {:.2}; largest {}",
        all.len(),
        done.len(),
        started.elapsed().as_secs_f64(),
        all.iter().sum::<u64>() as f64 / all.len().max(1) as f64,
        all.iter().max().unwrap_or(&0)
    );
    let n = done.len() as f64;
    println!("s   P(S = s)   Borel");
    for s in 1..=8u64 {
        let p = done.iter().filter(|&&x| x == s).count() as f64 / n;
        println!("{s:<3} {p:.4}     {:.4}", borel(s));
    }
    // Log-binned density over [2^k, 2^(k+1)).
    let mut pts = Vec::new();
    let mut borel_pts = Vec::new();
    println!("bin          count   density     Borel");
    for k in 0..20 {
        let (lo, hi) = (1u64 << k, 1u64 << (k + 1));
        let c = done.iter().filter(|&&x| x >= lo && x < hi).count();
        if c == 0 {
            break;
        }
        let density = c as f64 / n / (hi - lo) as f64;
        let centre = ((lo as f64) * (hi as f64 - 1.0)).sqrt();
        let borel_density = (lo..hi).map(borel).sum::<f64>() / (hi - lo) as f64;
        println!("[{lo}, {hi})  {c:>7}   {density:.3e}   {borel_density:.3e}");
        if c >= 10 {
            pts.push((centre.ln(), density.ln()));
            borel_pts.push((centre.ln(), borel_density.ln()));
        }
    }
    let fit = |pts: &[(f64, f64)]| {
        let m = pts.len() as f64;
        let (sx, sy) = pts.iter().fold((0.0, 0.0), |a, p| (a.0 + p.0, a.1 + p.1));
        let (mx, my) = (sx / m, sy / m);
        let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
        let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
        sxy / sxx
    };
    // The slope away from the smallest sizes (where Borel bends) and the finite-size cut-off.
    let mid: Vec<(f64, f64)> = pts
        .iter()
        .copied()
        .filter(|p| p.0 > 2f64.ln() && p.0 < 1000f64.ln())
        .collect();
    let borel_mid: Vec<(f64, f64)> = borel_pts
        .iter()
        .copied()
        .filter(|p| p.0 > 2f64.ln() && p.0 < 1000f64.ln())
        .collect();
    println!(
        "log-binned slope over 2 ≤ s < 1000: {:.3} ({} bins); the Borel law's over the same bins: {:.3}",
        fit(&mid),
        mid.len(),
        fit(&borel_mid)
    );
    // Maximum likelihood of P(s) ∝ s^−τ truncated to [a, b] (below the finite-size cut-off).
    for (a, b) in [(2u64, 1000u64), (5, 1000), (10, 500)] {
        let xs: Vec<f64> = done
            .iter()
            .filter(|&&x| x >= a && x <= b)
            .map(|&x| (x as f64).ln())
            .collect();
        let mean_ln = xs.iter().sum::<f64>() / xs.len() as f64;
        let nll = |tau: f64| {
            let z: f64 = (a..=b).map(|s| (s as f64).powf(-tau)).sum();
            tau * mean_ln + z.ln()
        };
        let (mut lo, mut hi) = (1.01f64, 3.0f64);
        for _ in 0..100 {
            let (m1, m2) = (lo + (hi - lo) / 3.0, hi - (hi - lo) / 3.0);
            if nll(m1) < nll(m2) { hi = m2 } else { lo = m1 }
        }
        println!(
            "MLE exponent on [{a}, {b}]: {:.3} ({} cascades)",
            0.5 * (lo + hi),
            xs.len()
        );
    }
    for s_min in [5u64, 10, 20] {
        let tail: Vec<f64> = done
            .iter()
            .filter(|&&x| x >= s_min)
            .map(|&x| x as f64)
            .collect();
        let denom: f64 = tail.iter().map(|x| (x / (s_min as f64 - 0.5)).ln()).sum();
        let tau = 1.0 + tail.len() as f64 / denom;
        let se = (tau - 1.0) / (tail.len() as f64).sqrt();
        println!(
            "MLE exponent for s ≥ {s_min}: {tau:.3} ± {se:.3} ({} cascades)",
            tail.len()
        );
    }
    Ok(())
}
