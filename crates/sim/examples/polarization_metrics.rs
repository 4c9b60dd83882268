//! Polarization measured on a scenario's run, offline: var(stance), Sarle's bimodality
//! coefficient and the echo-chamber index (Pearson correlation across agents of an agent's
//! stance with the mean stance of its followees, agents following nobody left out), at tick
//! 0 and every `every` ticks after.
//!
//! `cargo run --release -p emergent-sim --example polarization_metrics -- scenarios/x.toml
//! [every] [key=value …]` (overrides as `--set` takes them).

use emergent_scenario::Scenario;
use emergent_sim::{Simulation, World};

/// Sarle's bimodality coefficient b = (g² + 1) / (κ + 3(n − 1)² / ((n − 2)(n − 3))), g the
/// sample skewness and κ the sample excess kurtosis (moment estimators); b > 5/9 ≈ 0.555
/// (the uniform distribution's value) suggests bimodality.
fn bimodality(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let moment = |k: i32| x.iter().map(|v| (v - m).powi(k)).sum::<f64>() / n;
    let (m2, m3, m4) = (moment(2), moment(3), moment(4));
    let g = m3 / m2.powf(1.5);
    let kappa = m4 / (m2 * m2) - 3.0;
    (g * g + 1.0) / (kappa + 3.0 * (n - 1.0).powi(2) / ((n - 2.0) * (n - 3.0)))
}

fn variance(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

/// corr(x_i, mean of x_j over i's followees).
fn echo_chamber_index(w: &World, x: &[f64]) -> f64 {
    let (mut own, mut around) = (Vec::new(), Vec::new());
    for i in 0..w.agents() {
        let f = w.network.followees(i as u32);
        if !f.is_empty() {
            own.push(x[i]);
            around.push(f.iter().map(|&j| x[j as usize]).sum::<f64>() / f.len() as f64);
        }
    }
    pearson(&own, &around)
}

fn report(w: &World) {
    let x = w.feature("stance").expect("stance");
    let extreme = x.iter().filter(|v| v.abs() > 0.8).count() as f64 / x.len() as f64;
    println!(
        "tick {:>5}  var {:>9.4}  bimodality {:.4}  echo-chamber {:.4}  |x|>0.8 {:.3}",
        w.tick,
        variance(&x),
        bimodality(&x),
        echo_chamber_index(w, &x),
        extreme
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .ok_or("usage: polarization_metrics SCENARIO [EVERY]")?;
    let every: u32 = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(25);
    let mut scenario = Scenario::from_path(path.as_ref())?;
    for set in args.iter().skip(3) {
        let (k, v) = set.split_once('=').ok_or("overrides are key=value")?;
        scenario.apply_override(k, v)?;
    }
    let mut sim = Simulation::new(&scenario, None)?;
    report(&sim.world);
    while !sim.is_done() {
        sim.step();
        sim.world.forget_unseen_items();
        if sim.world.tick.is_multiple_of(every) || sim.is_done() {
            report(&sim.world);
        }
    }
    if let Ok(dump) = std::env::var("DUMP_STANCES") {
        let x = sim.world.feature("stance").expect("stance");
        let a = sim.world.feature("activity").expect("activity");
        let text: String = x
            .iter()
            .zip(&a)
            .map(|(x, a)| format!("{x},{a}\n"))
            .collect();
        std::fs::write(dump, text)?;
    }
    Ok(())
}
