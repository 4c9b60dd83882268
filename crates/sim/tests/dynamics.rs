//! The surrogate policies produce the phenomena they model.

use emergent_scenario::Scenario;
use emergent_scenario::{CascadeModel, CascadeParams, FeedConfig, PanicParams, PopulationConfig};
use emergent_sim::action::{Action, Decision};
use emergent_sim::feed::Feeds;
use emergent_sim::market::Market;
use emergent_sim::network::{Network, stochastic_block_model, watts_strogatz};
use emergent_sim::policy::{Cascade, Panic, independent_cascade_size};
use emergent_sim::population::Population;
use emergent_sim::{Decisions, Simulation, World};

fn bounded_confidence(epsilon: f64) -> Vec<f64> {
    let text = format!(
        r#"
[scenario]
name = "bc"
seed = 3
[population]
agents = 2000
[population.activity]
median = 1.0
sigma = 0.0
[population.susceptibility]
low = 1.0
high = 1.0
[network]
generator = "ws"
k = 10
beta = 0.3
[feed]
size = 10
window = 1
out_of_network_share = 0.0
[policy]
kind = "bounded_confidence"
[policy.bounded_confidence]
epsilon = {epsilon}
mu = 0.5
post_prob = 1.0
post_noise = 0.0
follow_prob = 0.0
unfollow_prob = 0.0
"#
    );
    let scenario = Scenario::from_str(&text, "bc.toml").expect("valid");
    let mut sim = Simulation::new(&scenario, None).expect("builds");
    for _ in 0..150 {
        sim.step();
    }
    sim.world.feature("stance").expect("stance column")
}

/// Opinion clusters: peaks of a 40-bin histogram on [-1, 1] that hold at
/// least 5% of agents and exceed both neighbouring bins.
fn clusters(stances: &[f64]) -> usize {
    let mut h = [0usize; 42]; // one empty guard bin on each side
    for &x in stances {
        h[1 + (((x + 1.0) * 20.0) as usize).min(39)] += 1;
    }
    let big = stances.len() / 20;
    (1..41)
        .filter(|&b| h[b] >= big && h[b] > h[b - 1] && h[b] >= h[b + 1])
        .count()
}

#[test]
fn wide_confidence_reaches_consensus() {
    let s = bounded_confidence(2.0);
    let (lo, hi) = s
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, h), &x| (l.min(x), h.max(x)));
    assert!(hi - lo < 0.02, "spread {}", hi - lo);
    assert_eq!(clusters(&s), 1);
}

#[test]
fn narrow_confidence_keeps_several_clusters() {
    let s = bounded_confidence(0.15);
    let (lo, hi) = s
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, h), &x| (l.min(x), h.max(x)));
    assert!(hi - lo > 1.0, "spread {}", hi - lo);
    assert!(clusters(&s) >= 3, "clusters {}", clusters(&s));
}

/// Erdős–Rényi digraph: an SBM with one block.
fn er(n: usize, mean_degree: f64, seed: u64) -> Network {
    stochastic_block_model(n, 1, mean_degree / (n as f64 - 1.0), 0.0, seed)
}

#[test]
fn subcritical_cascades_match_the_branching_process() {
    let (n, k) = (20_000, 8.0);
    let g = er(n, k, 1);
    for p in [0.05, 0.1] {
        let trials = 4000;
        let total: usize = (0..trials)
            .map(|r| independent_cascade_size(&g, 17, r as u32, (r * 5) as u32 % n as u32, p))
            .sum();
        let mean = total as f64 / trials as f64;
        let expected = 1.0 / (1.0 - p * k);
        assert!(
            (mean / expected - 1.0).abs() < 0.1,
            "p={p}: mean {mean}, branching process {expected}"
        );
    }
}

#[test]
fn supercritical_cascades_go_giant() {
    let (n, k) = (20_000, 8.0);
    let g = er(n, k, 1);
    let p = 0.25; // p·k = 2: survival probability s = 1 − e^{−2s} ≈ 0.797
    let sizes: Vec<usize> = (0..200)
        .map(|r| independent_cascade_size(&g, 5, r, r * 7, p))
        .collect();
    let giant = sizes.iter().filter(|&&s| s > n / 2).count() as f64 / sizes.len() as f64;
    assert!(
        (giant - 0.797).abs() < 0.1,
        "share of giant cascades {giant}"
    );
    let biggest = sizes.iter().max().copied().unwrap_or(0) as f64 / n as f64;
    assert!((biggest - 0.797).abs() < 0.05, "giant fraction {biggest}");
}

fn all_active(n: usize) -> Population {
    let cfg = PopulationConfig {
        agents: n,
        activity: emergent_scenario::ActivityConfig {
            median: 1.0,
            sigma: 0.0,
            min: 0.0,
            max: 1.0,
            ..Default::default()
        },
        ..Default::default()
    };
    Population::generate(&cfg, 0)
}

fn seed_post(world: &mut World, origin: u32) {
    let mut d = Decision::none();
    d.push(Action::Post {
        topic: 0,
        stance: 0.0,
    });
    let feeds = Feeds::empty_for(vec![origin]);
    world.apply(&Decisions {
        feeds,
        decisions: vec![d],
    });
}

#[test]
fn cascade_policy_spreads_exactly_like_the_bfs() {
    // With everyone active, unbounded feeds and a long window, every share is
    // seen, so the policy's cascade must reach exactly the BFS's agents.
    let n = 3000;
    let g = watts_strogatz(n, 6, 0.5, 2);
    let feed = FeedConfig {
        size: 1000,
        out_of_network_share: 0.0,
        window: 1000,
        followee_sample: 1000,
        ..Default::default()
    };
    let seed = 99;
    let p = 0.3;
    let policy = Cascade::new(CascadeParams {
        model: CascadeModel::Independent,
        p,
        post_prob: 0.0,
        like_prob: 0.0,
        threshold: 0.0,
        ..Default::default()
    });
    let mut reached_some = false;
    for origin in [0u32, 10, 20] {
        let mut w = World::new(seed, feed.clone(), g.clone(), all_active(n), None);
        seed_post(&mut w, origin);
        for _ in 0..60 {
            w.step(&policy);
        }
        let sim_size = w.items.cascade_size(0);
        let bfs_size = independent_cascade_size(&g, seed, 0, origin, p);
        assert_eq!(sim_size, bfs_size, "origin {origin}");
        reached_some |= bfs_size > 10;
    }
    assert!(reached_some, "p·k̄ = 1.8 should give some large cascade");
}

fn panic_world(n: usize, params: &PanicParams) -> World {
    let g = watts_strogatz(n, 10, 0.2, 4);
    let m = Market::new(
        n,
        params.initial_price,
        params.holdings,
        params.cash,
        params.impact,
    );
    World::new(8, FeedConfig::default(), g, all_active(n), Some(m))
}

#[test]
fn herding_crashes_the_price_and_calm_keeps_it() {
    let n = 5000;
    let herd = PanicParams {
        base_sell: 0.01,
        herding: 1.0,
        fear: 3.0,
        buy_prob: 0.0,
        ..Default::default()
    };
    let mut w = panic_world(n, &herd);
    let policy = Panic(herd);
    for _ in 0..30 {
        w.step(&policy);
    }
    let m = w.market.as_ref().expect("market");
    let sold = m.sold.local().iter().filter(|&&s| s > 0.0).count();
    assert!(sold > n / 2, "only {sold} agents sold");
    assert!(m.price < 0.7 * 100.0, "price {}", m.price);
    assert!(
        m.history.windows(2).all(|h| h[1] <= h[0]),
        "with no buyers the price never rises"
    );

    let calm = PanicParams {
        base_sell: 0.0,
        herding: 0.0,
        fear: 0.0,
        buy_prob: 0.0,
        ..Default::default()
    };
    let mut w = panic_world(n, &calm);
    let policy = Panic(calm);
    for _ in 0..10 {
        w.step(&policy);
    }
    assert_eq!(w.market.as_ref().map(|m| m.price), Some(100.0));
}
