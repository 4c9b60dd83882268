//! The Cont–Bouchaud market in the engine: clusters trade as one and the net order flow is
//! Σ_α W_α φ_α; the market maker brings a crashed price back.

use emergent_scenario::Scenario;
use emergent_sim::Simulation;
use emergent_sim::herding_clusters::{cluster_side, cluster_sizes};

const CONT_BOUCHAUD: &str = r#"
[scenario]
name = "cb"
ticks = 30
seed = 11
[population]
agents = 3000
[population.activity]
median = 1.0
sigma = 0.0
min = 1.0
max = 1.0
[network]
generator = "sbm"
p_in = 0.001
[feed]
size = 1
[policy]
kind = "panic"
[policy.panic]
holdings = 1e6
cash = 1e9
base_sell = 0.0
herding = 0.0
fear = 0.0
buy_prob = 0.0
post_prob = 0.0
cluster_trade = 0.1
cluster_degree = 1.0
cluster_amount = 2.0
"#;

#[test]
fn the_net_flow_is_the_sum_of_cluster_sizes_times_their_sides() {
    let s = Scenario::from_str(CONT_BOUCHAUD, "cb.toml").expect("valid");
    let mut sim = Simulation::new(&s, None).expect("builds");
    let labels = sim.world.market.as_ref().expect("market").cluster.clone();
    assert_eq!(labels.len(), 3000);
    let sizes = cluster_sizes(&labels);
    // Near c = 1 on 3000 agents: many singletons and some clusters of tens of agents.
    assert!(
        sizes.iter().filter(|&&s| s == 1).count() > 1000,
        "{sizes:?}"
    );
    assert!(*sizes.iter().max().unwrap() >= 30, "{sizes:?}");
    let mut moved = 0;
    for t in 0..30u32 {
        let seed = sim.world.seed;
        let expected: f64 = labels
            .iter()
            .map(|&l| 2.0 * cluster_side(seed, l, t, 0.1, 0.1) as f64)
            .sum();
        sim.step();
        let flow = sim.world.market.as_ref().unwrap().last_net_flow;
        assert!(
            (flow - expected).abs() < 1e-9,
            "tick {t}: {flow} vs {expected}"
        );
        moved += (flow != 0.0) as u32;
    }
    assert!(moved > 20);
}

/// With volatility feedback every cluster's chances follow the recent volatility the whole
/// market sees: sell min(½, a + b·v_t), buy min(½, a + (1 − π)·b·v_t).
#[test]
fn volatility_feedback_draws_clusters_in_and_panic_turns_buyers_away() {
    let text = CONT_BOUCHAUD
        .replace("cluster_trade = 0.1", "cluster_trade = 0.02\ncluster_feedback = 4.0\nfeedback_panic = 0.75\nlookback = 3\nimpact = 2.0")
        .replace("ticks = 30", "ticks = 40");
    let s = Scenario::from_str(&text, "cb-feedback.toml").expect("valid");
    let mut sim = Simulation::new(&s, None).expect("builds");
    let labels = sim.world.market.as_ref().expect("market").cluster.clone();
    let (mut drawn_in, mut turned_away) = (0.0, 0.0);
    for t in 0..40u32 {
        let m = sim.world.market.as_ref().unwrap();
        let v = m.recent_volatility(3);
        let (sell, buy) = ((0.02 + 4.0 * v).min(0.5), (0.02 + 0.25 * 4.0 * v).min(0.5));
        drawn_in += sell - 0.02;
        turned_away += sell - buy;
        let seed = sim.world.seed;
        let expected: f64 = labels
            .iter()
            .map(|&l| 2.0 * cluster_side(seed, l, t, buy, sell) as f64)
            .sum();
        sim.step();
        let flow = sim.world.market.as_ref().unwrap().last_net_flow;
        assert!(
            (flow - expected).abs() < 1e-9,
            "tick {t}: {flow} vs {expected}"
        );
    }
    // The price moved, so the feedback was on, and it favoured sales.
    assert!(
        drawn_in > 0.1 && turned_away > 0.05,
        "{drawn_in} {turned_away}"
    );
}

#[test]
fn a_market_maker_brings_a_crashed_price_back_and_without_one_it_stays_down() {
    // One heavy sell-off (fear and feed herding), then the maker's reversion.
    let text = |reversion: f64| {
        format!(
            r#"
[scenario]
name = "mm"
ticks = 80
seed = 3
[population]
agents = 4000
[population.activity]
median = 0.3
sigma = 0.5
[network]
generator = "sbm"
p_in = 0.003
[policy]
kind = "panic"
[policy.panic]
base_sell = 0.02
herding = 0.8
fear = 3.0
impact = 2.0
buy_prob = 0.0
reversion = {reversion}
"#
        )
    };
    let final_and_min = |reversion: f64| {
        let s = Scenario::from_str(&text(reversion), "mm.toml").expect("valid");
        let mut sim = Simulation::new(&s, None).expect("builds");
        while !sim.is_done() {
            sim.step();
        }
        let h = &sim.world.market.as_ref().unwrap().history;
        let min = h.iter().copied().fold(f64::INFINITY, f64::min);
        (*h.last().unwrap(), min)
    };
    let (stays, low) = final_and_min(0.0);
    assert!(
        low < 60.0 && stays < 60.0,
        "no crash to recover from: {low}, {stays}"
    );
    let (back, low) = final_and_min(0.2);
    assert!(low < 90.0, "the sell-off still happens: {low}");
    assert!(back > 95.0, "the maker brings the price back: {back}");
}
