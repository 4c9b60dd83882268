//! Diagnostic: how the simulator's follow graph rewires, tick by tick, for one coalition of the
//! group game (the groups in MASK speak, the others are silenced from tick 0), beside the
//! twin's echo chamber cov(stance, followee_stance) at the horizon. Per agent it splits the
//! followees into the initial graph's surviving edges and the acquired ones, and counts the
//! surviving edges further than 1 in stance (the ones the unfollow rule is there to cut).
//! This is how the twin's feed was found to keep crowded-out followees forever
//! (docs/dynamic-attribution.md, "The feed over the rewired graph").
//!
//! At the horizon it also prints, over the R replicates, the mean corr(x, followee_stance)
//! beside the correlation of the per-agent means (how far the agents' own variance attenuates
//! the echo-chamber index, which an expected-value readout cannot); with `BY_COUNT=1` the
//! runs' agents by their count of acquired followees (share, mean stance, mean followee
//! stance, part of the covariance); with `QUANTILES=1` the stances' quantiles, twin and runs.
//!
//! cargo run --release -p emergent-runner --example echo_probe -- RUN_DIR SPEC MASK [R]

use emergent_dynamics::model_for;
use emergent_runner::{Coalitions, GroupSpec};
use emergent_sim::Simulation;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::Path::new(&args[1]);
    let spec: GroupSpec = args[2].parse().unwrap();
    let mask: u64 = args[3].parse().unwrap();
    let reps: usize = args.get(4).map_or(4, |r| r.parse().unwrap());
    let game = Coalitions::read(dir, &spec).unwrap();
    let n = game.features.len();

    let world = emergent_sim::build_world(&game.scenario, game.preloaded()).unwrap();
    let model = model_for(&game.scenario, &world).unwrap();
    let needed = vec![true; model.outputs().len()];
    let traj = model.forward(&game.participation(mask, model.agents()), &needed);
    println!(
        "twin at the horizon: cov(x, followee_stance) {:.4}, var(x) {:.4}, mean x {:.4}, mean followee_stance {:.4}",
        cov(&traj.outputs[0], &traj.outputs[1]),
        cov(&traj.outputs[0], &traj.outputs[0]),
        mean(&traj.outputs[0]),
        mean(&traj.outputs[1])
    );

    if std::env::var("QUANTILES").is_ok() {
        println!("twin x quantiles {}", quantiles(&traj.outputs[0]));
        println!(
            "twin followee_stance quantiles {}",
            quantiles(&traj.outputs[1])
        );
    }
    let ticks = game.scenario.scenario.ticks as usize;
    let every = (ticks / 10).max(1);
    // Per agent, the sums over replicates of x and followee_stance at the horizon, and the mean
    // over replicates of corr(x, followee_stance): the correlation of the replicate means is
    // what an expected-value readout can reach; the mean correlation is what the game measures.
    let (mut sum_x, mut sum_f, mut corr_sum) = (vec![0.0; n], vec![0.0; n], 0.0);
    for r in 0..reps {
        // The game's own rerun of this coalition (replicate 0: the run's noise).
        let s = game.scenario_for(mask, r);
        let mut sim = Simulation::new(&s, game.preloaded()).unwrap();
        let initial: Vec<Vec<u32>> = (0..n as u32)
            .map(|i| sim.world.network.followees(i).to_vec())
            .collect();
        println!("replicate {r}");
        while !sim.is_done() {
            sim.step();
            sim.world.forget_unseen_items();
            let t = sim.world.tick as usize;
            if (r == 0 && t.is_multiple_of(every)) || sim.is_done() {
                println!("  tick {t}: {}", Graph::of(&sim, &initial));
                if sim.is_done() {
                    let (x, f) = stance_and_followee(&sim);
                    corr_sum += corr(&x, &f);
                    for i in 0..n {
                        sum_x[i] += x[i];
                        sum_f[i] += f[i];
                    }
                }
                if sim.is_done() && std::env::var("BY_COUNT").is_ok() {
                    by_count(&sim, &initial);
                }
                if std::env::var("QUANTILES").is_ok() {
                    let x: Vec<f64> = (0..n as u32)
                        .map(|i| sim.world.population.stance(i, 0))
                        .collect();
                    println!("    x quantiles {}", quantiles(&x));
                }
            }
        }
    }
    if reps > 0 {
        println!(
            "over {reps} replicates: mean corr(x, followee_stance) {:.4}; corr of the per-agent means {:.4}",
            corr_sum / reps as f64,
            corr(&sum_x, &sum_f)
        );
    }
}

/// Every agent's stance and followee_stance (mean stance of its followees, or its own).
fn stance_and_followee(sim: &Simulation) -> (Vec<f64>, Vec<f64>) {
    let n = sim.world.population.len();
    let x: Vec<f64> = (0..n as u32)
        .map(|i| sim.world.population.stance(i, 0))
        .collect();
    let f = sim.world.followee_stance_in(0..n, &x);
    (x, f)
}

fn corr(a: &[f64], b: &[f64]) -> f64 {
    cov(a, b) / (cov(a, a) * cov(b, b)).sqrt()
}

/// At the horizon, per count k of acquired followees: the share of agents with k, their mean
/// stance and mean followee stance, and each count's part of cov(x, followee_stance).
fn by_count(sim: &Simulation, initial: &[Vec<u32>]) {
    let n = initial.len();
    let (x, followee) = stance_and_followee(sim);
    let rows: Vec<(usize, f64, f64)> = (0..n)
        .map(|i| {
            let k = sim
                .world
                .network
                .followees(i as u32)
                .iter()
                .filter(|j| initial[i].binary_search(j).is_err())
                .count();
            (k.min(12), x[i], followee[i])
        })
        .collect();
    let (mx, mf) = (
        rows.iter().map(|r| r.1).sum::<f64>() / n as f64,
        rows.iter().map(|r| r.2).sum::<f64>() / n as f64,
    );
    for k in 0..=12 {
        let sel: Vec<_> = rows.iter().filter(|r| r.0 == k).collect();
        if sel.is_empty() {
            continue;
        }
        let c = sel.len() as f64;
        let part: f64 = sel.iter().map(|r| (r.1 - mx) * (r.2 - mf)).sum::<f64>() / n as f64;
        println!(
            "    acquired {k}{}: share {:.4}, mean x {:.3}, mean followee_stance {:.3}, part of cov {:.4}",
            if k == 12 { "+" } else { "" },
            c / n as f64,
            sel.iter().map(|r| r.1).sum::<f64>() / c,
            sel.iter().map(|r| r.2).sum::<f64>() / c,
            part
        );
    }
}

/// The 0/1/5/25/50/75/95/99/100 % quantiles of `v`, formatted.
fn quantiles(v: &[f64]) -> String {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    let q = |f: f64| v[((v.len() - 1) as f64 * f) as usize];
    let shown: Vec<String> = [0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0]
        .iter()
        .map(|&f| format!("{:.2}", q(f)))
        .collect();
    format!("0/1/5/25/50/75/95/99/100 %: {}", shown.join(" "))
}

fn mean(a: &[f64]) -> f64 {
    a.iter().sum::<f64>() / a.len() as f64
}

fn cov(a: &[f64], b: &[f64]) -> f64 {
    let c = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / c, b.iter().sum::<f64>() / c);
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - ma) * (y - mb))
        .sum::<f64>()
        / c
}

/// The follow graph's summary at one tick, per agent (means over agents).
struct Graph {
    echo: f64,
    mean_x: f64,
    mean_followee: f64,
    var: f64,
    surviving: f64,
    acquired: f64,
    far_surviving: f64,
    /// E[x_i · mean stance of i's surviving initial followees] (agents that have some).
    aligned_surviving: f64,
    /// The same over the acquired followees.
    aligned_acquired: f64,
}

impl Graph {
    fn of(sim: &Simulation, initial: &[Vec<u32>]) -> Self {
        let n = initial.len();
        let x: Vec<f64> = (0..n as u32)
            .map(|i| sim.world.population.stance(i, 0))
            .collect();
        let mut followee = vec![0.0; n];
        let (mut surv, mut acq, mut far) = (0.0, 0.0, 0.0);
        let (mut align_s, mut with_s, mut align_a, mut with_a) = (0.0, 0.0f64, 0.0, 0.0f64);
        for i in 0..n {
            let row = sim.world.network.followees(i as u32);
            let (mut sum_s, mut cnt_s, mut sum_a, mut cnt_a) = (0.0, 0.0, 0.0, 0.0);
            for &j in row {
                let y = x[j as usize];
                if initial[i].binary_search(&j).is_ok() {
                    sum_s += y;
                    cnt_s += 1.0;
                    if (y - x[i]).abs() > 1.0 {
                        far += 1.0;
                    }
                } else {
                    sum_a += y;
                    cnt_a += 1.0;
                }
            }
            surv += cnt_s;
            acq += cnt_a;
            followee[i] = if row.is_empty() {
                x[i]
            } else {
                (sum_s + sum_a) / (cnt_s + cnt_a)
            };
            if cnt_s > 0.0 {
                align_s += x[i] * sum_s / cnt_s;
                with_s += 1.0;
            }
            if cnt_a > 0.0 {
                align_a += x[i] * sum_a / cnt_a;
                with_a += 1.0;
            }
        }
        let c = n as f64;
        Graph {
            echo: cov(&x, &followee),
            mean_x: mean(&x),
            mean_followee: mean(&followee),
            var: cov(&x, &x),
            surviving: surv / c,
            acquired: acq / c,
            far_surviving: far / c,
            aligned_surviving: align_s / with_s.max(1.0),
            aligned_acquired: align_a / with_a.max(1.0),
        }
    }
}

impl std::fmt::Display for Graph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cov(x, followee_stance) {:.4}, var(x) {:.4}, mean x {:.3}, mean followee_stance {:.3}; followees: surviving {:.2} (further \
             than 1: {:.3}), acquired {:.2}; E[x·followee mean]: surviving {:.4}, acquired {:.4}",
            self.echo,
            self.var,
            self.mean_x,
            self.mean_followee,
            self.surviving,
            self.far_surviving,
            self.acquired,
            self.aligned_surviving,
            self.aligned_acquired
        )
    }
}
