//! Diagnostic: how the simulator's follow graph rewires, tick by tick, for one coalition of the
//! group game (the groups in MASK speak, the others are silenced from tick 0), beside the
//! twin's echo chamber cov(stance, followee_stance) at the horizon. Per agent it splits the
//! followees into the initial graph's surviving edges and the acquired ones, and counts the
//! surviving edges further than 1 in stance (the ones the unfollow rule is there to cut).
//! This is how the twin's feed was found to keep crowded-out followees forever
//! (docs/dynamic-attribution.md, "The feed over the rewired graph").
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
        "twin at the horizon: cov(x, followee_stance) {:.4}, var(x) {:.4}",
        cov(&traj.outputs[0], &traj.outputs[1]),
        cov(&traj.outputs[0], &traj.outputs[0])
    );

    let ticks = game.scenario.scenario.ticks as usize;
    let every = (ticks / 10).max(1);
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
            }
        }
    }
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
            "cov(x, followee_stance) {:.4}, var(x) {:.4}; followees: surviving {:.2} (further \
             than 1: {:.3}), acquired {:.2}; E[x·followee mean]: surviving {:.4}, acquired {:.4}",
            self.echo,
            self.var,
            self.surviving,
            self.far_surviving,
            self.acquired,
            self.aligned_surviving,
            self.aligned_acquired
        )
    }
}
