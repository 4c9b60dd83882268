//! Diagnostic: one coalition of the group game (the groups in MASK speak, the others are
//! silenced from tick 0), run on the simulator over R replicates and in the run's twin, and
//! compared agent by agent: where the twin's corner misses the runs', is it the level of the
//! agents' stances, their spread across replicates, or a subset of agents?
//!
//! cargo run --release -p emergent-runner --example corner_probe -- RUN_DIR SPEC MASK [R]

use emergent_dynamics::model_for;
use emergent_runner::{Coalitions, GroupSpec};
use emergent_sim::Simulation;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::Path::new(&args[1]);
    let spec: GroupSpec = args[2].parse().unwrap();
    let mask: u64 = args[3].parse().unwrap();
    let reps: usize = args.get(4).map_or(8, |r| r.parse().unwrap());
    let game = Coalitions::read(dir, &spec).unwrap();
    let n = game.features.len();

    // The twin at the corner.
    let world = emergent_sim::build_world(&game.scenario, game.preloaded()).unwrap();
    let model = model_for(&game.scenario, &world).unwrap();
    let w = game.participation(mask, model.agents());
    let speaks: Vec<bool> = w.iter().map(|&v| v > 0.0).collect();
    let outs = model.outputs();
    let needed: Vec<bool> = outs.iter().map(|&o| o == "stance").collect();
    let traj = model.forward(&w, &needed);
    let k = outs.iter().position(|&o| o == "stance").unwrap();
    let twin = &traj.outputs[k];

    // The simulator at the corner: the game's own reruns, replicates 0..R (0 = the run's
    // noise).
    let runs: Vec<Vec<f64>> = (0..reps)
        .map(|r| {
            let s = game.scenario_for(mask, r);
            let mut sim = Simulation::new(&s, game.preloaded()).unwrap();
            sim.run_to_horizon();
            (0..n as u32)
                .map(|i| sim.world.population.stance(i, 0))
                .collect()
        })
        .collect();

    for (label, want) in [("speakers", true), ("listeners", false)] {
        let ids: Vec<usize> = (0..n).filter(|&i| speaks[i] == want).collect();
        if ids.is_empty() {
            continue;
        }
        let c = ids.len() as f64;
        let mean_run = |i: usize| runs.iter().map(|r| r[i]).sum::<f64>() / reps as f64;
        let abs_run: f64 = ids
            .iter()
            .map(|&i| runs.iter().map(|r| r[i].abs()).sum::<f64>() / reps as f64)
            .sum::<f64>()
            / c;
        let sq_run: f64 = ids
            .iter()
            .map(|&i| runs.iter().map(|r| r[i] * r[i]).sum::<f64>() / reps as f64)
            .sum::<f64>()
            / c;
        let abs_twin: f64 = ids.iter().map(|&i| twin[i].abs()).sum::<f64>() / c;
        let sq_twin: f64 = ids.iter().map(|&i| twin[i] * twin[i]).sum::<f64>() / c;
        let var_within: f64 = ids
            .iter()
            .map(|&i| {
                let m = mean_run(i);
                runs.iter().map(|r| (r[i] - m).powi(2)).sum::<f64>() / (reps - 1).max(1) as f64
            })
            .sum::<f64>()
            / c;
        let sign_agree: f64 = ids
            .iter()
            .map(|&i| {
                runs.iter()
                    .filter(|r| r[i].signum() == twin[i].signum())
                    .count() as f64
                    / reps as f64
            })
            .sum::<f64>()
            / c;
        // |x| per agent: the runs' mean |x| against the twin's |x|.
        let (mut sxy, mut sxx, mut syy, mut sx, mut sy) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for &i in &ids {
            let a = runs.iter().map(|r| r[i].abs()).sum::<f64>() / reps as f64;
            let b = twin[i].abs();
            sx += a;
            sy += b;
            sxy += a * b;
            sxx += a * a;
            syy += b * b;
        }
        let cov = sxy / c - sx * sy / c / c;
        let corr = cov / ((sxx / c - (sx / c).powi(2)) * (syy / c - (sy / c).powi(2))).sqrt();
        println!(
            "{label} ({}): mean|x| runs {abs_run:.4} twin {abs_twin:.4}; mean x² runs {sq_run:.4} twin {sq_twin:.4}; \
             var across replicates {var_within:.4}; sign as the twin's {sign_agree:.3}; corr(|x| runs, |x| twin) {corr:.3}",
            ids.len()
        );
        let mut qr: Vec<f64> = ids.iter().map(|&i| runs[0][i].abs()).collect();
        let mut qt: Vec<f64> = ids.iter().map(|&i| twin[i].abs()).collect();
        qr.sort_by(f64::total_cmp);
        qt.sort_by(f64::total_cmp);
        let q = |v: &[f64], p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
        println!(
            "  |x| quantiles 5/25/50/75/95 %: runs {:.3} {:.3} {:.3} {:.3} {:.3}; twin {:.3} {:.3} {:.3} {:.3} {:.3}",
            q(&qr, 0.05),
            q(&qr, 0.25),
            q(&qr, 0.5),
            q(&qr, 0.75),
            q(&qr, 0.95),
            q(&qt, 0.05),
            q(&qt, 0.25),
            q(&qt, 0.5),
            q(&qt, 0.75),
            q(&qt, 0.95)
        );
    }
    let var = |x: &[f64]| {
        let m = x.iter().sum::<f64>() / n as f64;
        x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n as f64
    };
    let v_runs = runs.iter().map(|r| var(r)).sum::<f64>() / reps as f64;
    println!("var(stance): runs {v_runs:.4} twin {:.4}", var(twin));
}
