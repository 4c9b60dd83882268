//! The `watts` cascade model is Watts's (2002) threshold model when the feed shows every
//! adopted followee: its final adopters are the fixed point of the threshold rule, computed
//! here directly on the graph; and a partitioned run equals the single-process one.

use emergent_collective::{Collective, thread_ranks};
use emergent_scenario::Scenario;
use emergent_sim::cascades::CascadeLog;
use emergent_sim::partition::Partition;
use emergent_sim::policy::Cascade;
use emergent_sim::tick::step_partitioned;
use emergent_sim::{Simulation, World};

fn scenario(agents: usize, z: f64, thresholds: &str, seeds: &str) -> Scenario {
    let text = format!(
        r#"
[scenario]
name = "watts"
ticks = 60
seed = 5

[population]
agents = {agents}

[population.activity]
median = 1.0
sigma = 0.0
min = 1.0
max = 1.0

[network]
generator = "er"
z = {z}
reciprocal = true

[feed]
size = 200
out_of_network_share = 0.0
window = 1000
followee_sample = 1000

[policy]
kind = "cascade"

[policy.cascade]
model = "watts"
like_prob = 0.0
{thresholds}
{seeds}
"#
    );
    Scenario::from_str(&text, "watts.toml").unwrap()
}

/// Adopters by the threshold rule iterated to its fixed point from the seeds.
fn fixed_point(world: &World, policy: &Cascade) -> Vec<bool> {
    let n = world.agents();
    let net = &world.network;
    let mut on: Vec<bool> = (0..n as u32)
        .map(|a| policy.is_seed(world.seed, a))
        .collect();
    loop {
        let next: Vec<bool> = (0..n as u32)
            .map(|a| {
                let k = net.following_count(a);
                let adopted = net.followees(a).iter().filter(|&&b| on[b as usize]).count();
                on[a as usize]
                    || (k > 0 && adopted as f64 / k as f64 >= policy.threshold_of(world.seed, a))
            })
            .collect();
        if next == on {
            return on;
        }
        on = next;
    }
}

#[test]
fn final_adopters_are_the_threshold_rules_fixed_point() {
    for (z, thresholds, seeds) in [
        (3.0, "threshold = 0.18", "seeds = [0, 1, 2]"),
        (
            6.0,
            "thresholds = \"normal\"\nthreshold = 0.2\nthreshold_sd = 0.1",
            "seed_fraction = 0.01",
        ),
        (
            4.0,
            "thresholds = \"uniform\"\nthreshold_low = 0.1\nthreshold_high = 0.4",
            "seeds = [7]",
        ),
    ] {
        let s = scenario(3000, z, thresholds, seeds);
        let policy = Cascade::new(s.policy.cascade.clone());
        let mut sim = Simulation::new(&s, None).unwrap();
        let want = fixed_point(&sim.world, &policy);
        let mut log = CascadeLog::default();
        while !sim.is_done() {
            let r = sim.step();
            log.record(&r, &sim.world.items);
        }
        let c = &sim.world.counters;
        let got: Vec<bool> = (0..3000).map(|a| c.posts[a] + c.reposts[a] > 0).collect();
        let adopters = want.iter().filter(|&&x| x).count();
        assert_eq!(
            got, want,
            "z = {z}, {thresholds}: {adopters} adopters expected"
        );
        assert!(
            adopters > 3,
            "z = {z}, {thresholds}: the cascade must spread"
        );
        // Every adoption is a share of a seed's cascade.
        assert_eq!(log.sizes().iter().sum::<u64>(), adopters as u64);
    }
}

#[test]
fn a_partitioned_watts_run_equals_one_process() {
    let s = scenario(9000, 3.0, "threshold = 0.18", "seed_fraction = 0.002");
    let mut single = Simulation::new(&s, None).unwrap();
    while !single.is_done() {
        single.step();
    }
    let ranks = 2;
    let worlds: Vec<(std::ops::Range<usize>, World)> = std::thread::scope(|scope| {
        let handles: Vec<_> = thread_ranks(ranks)
            .into_iter()
            .map(|ex| {
                let s = &s;
                scope.spawn(move || {
                    let part = Partition::contiguous(s.population.agents, ranks, ex.rank());
                    let mut sim = Simulation::new_in(s, None, &part, &ex).unwrap();
                    while !sim.is_done() {
                        step_partitioned(&mut sim.world, sim.policy.as_ref(), &part, &ex).unwrap();
                    }
                    (part.owned, sim.world)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut adopted = 0;
    for (rows, w) in worlds {
        for a in rows {
            let (p, q) = (&w.counters, &single.world.counters);
            assert_eq!(
                (p.posts[a], p.reposts[a]),
                (q.posts[a], q.reposts[a]),
                "agent {a}"
            );
            adopted += (p.posts[a] + p.reposts[a]) as usize;
        }
    }
    assert!(adopted > 100, "the cascade must spread: {adopted}");
}
