//! Dynamic attribution: exact adjoints, the Shapley axioms, and the exact-Shapley check.

use emergent_attribution::{AgentIds, FeatureTable, Indicator};
use emergent_dynamics::{
    BoundedConfidenceField, CascadeField, Dynamics, Outcome, PanicField, attribute_dynamic,
};
use emergent_scenario::PanicParams;
use emergent_sim::network::Network;

mod common;
use common::{Lcg, attribute_at_k8, check_gradient};

/// A random directed follow graph: each agent follows ~k others; agent `lonely` (if any) is
/// followed by nobody.
fn graph(n: usize, k: usize, seed: u64, lonely: Option<usize>) -> Network {
    let mut r = Lcg(seed);
    let mut edges = Vec::new();
    for u in 0..n {
        for _ in 0..k {
            let v = (r.unit() * n as f64) as usize % n;
            if v != u && Some(v) != lonely {
                edges.push((u as u32, v as u32));
            }
        }
    }
    edges.sort_unstable();
    edges.dedup();
    Network::from_edges(n, edges)
}

fn bc(net: &Network, seed: u64, ticks: u32, saturate: bool) -> BoundedConfidenceField<'_> {
    let n = net.len();
    let mut r = Lcg(seed);
    BoundedConfidenceField {
        net,
        x0: (0..n).map(|_| r.unit() * 2.0 - 1.0).collect(),
        activity: (0..n).map(|_| 0.2 + 0.8 * r.unit()).collect(),
        susceptibility: (0..n).map(|_| r.unit()).collect(),
        mu: 0.4,
        eps: 0.6,
        delta: 0.08,
        post_prob: 0.7,
        like_prob: 0.3,
        feed_size: 4.0,
        ticks,
        saturate,
        checkpoint_every: 1,
    }
}

fn context(n: usize) -> FeatureTable {
    FeatureTable::new(
        AgentIds::sequential(n),
        vec![(
            "posts".into(),
            (0..n).map(|i| 1.0 + (i % 5) as f64).collect(),
        )],
    )
    .unwrap()
}

/// `graph` with every follow made mutual.
fn reciprocal(n: usize, k: usize, seed: u64) -> Network {
    let g = graph(n, k, seed, None);
    let mut edges: Vec<(u32, u32)> = (0..n as u32)
        .flat_map(|u| g.followees(u).iter().flat_map(move |&v| [(u, v), (v, u)]))
        .collect();
    edges.sort_unstable();
    edges.dedup();
    Network::from_edges(n, edges)
}

#[test]
fn onward_shares_leave_out_the_account_a_repost_came_from() {
    let net = reciprocal(40, 3, 5);
    for (j, o) in CascadeField::onward_shares(&net).iter().enumerate() {
        let k = net.followees(j as u32).len() as f64;
        assert!((o - (1.0 - 1.0 / k)).abs() < 1e-15, "{j}: {o} vs k = {k}");
    }
    // No mutual follows (a one-way chain): every follower is new to the item.
    let chain = Network::from_edges(4, vec![(1, 0), (2, 1), (3, 2)]);
    assert_eq!(CascadeField::onward_shares(&chain), vec![1.0; 4]);
}

#[test]
fn the_non_backtracking_cascade_has_exact_adjoints_and_a_smaller_branching_factor() {
    let net = reciprocal(30, 3, 4);
    let model = |onward: Vec<f64>| CascadeField {
        net: &net,
        activity: (0..30).map(|i| 0.3 + (i % 7) as f64 / 10.0).collect(),
        p: 0.3,
        post_prob: 0.2,
        onward,
        window: 2,
        ticks: 7,
    };
    let nb = model(CascadeField::onward_shares(&net));
    for expr in ["mean(reposts)", "mean(reposts) * mean(reposts_received)"] {
        check_gradient(&nb, &context(30), expr, 4, 0.1, 1e-9);
    }
    // The echo back to the sender no longer counts: fewer reposts than the backtracking model.
    let total = |m: &CascadeField| {
        m.forward(&[1.0; 30], &[true, true]).outputs[0]
            .iter()
            .sum::<f64>()
    };
    let (with, without) = (total(&model(vec![1.0; 30])), total(&nb));
    assert!(without < 0.97 * with, "{without} vs {with}");
}

#[test]
fn adjoint_gradients_equal_finite_differences() {
    let net = graph(30, 4, 1, None);
    let model = bc(&net, 2, 6, true);
    for expr in [
        "var(stance)",
        "mean(likes_received) * mean(posts)",
        "gini(likes_received + 1)",
        "var(stance) + mean(likes_given) / 10",
    ] {
        check_gradient(&model, &context(model.agents()), expr, 3, 0.1, 1e-9);
    }
    let cascade = CascadeField {
        net: &net,
        activity: (0..30).map(|i| 0.3 + (i % 7) as f64 / 10.0).collect(),
        p: 0.35,
        post_prob: 0.2,
        onward: vec![1.0; 30],
        window: 3,
        ticks: 6,
    };
    for expr in [
        "mean(reposts)",
        "gini(reposts_received + 0.1)",
        "mean(reposts) * mean(reposts_received)",
    ] {
        check_gradient(&cascade, &context(cascade.agents()), expr, 4, 0.1, 1e-9);
    }
    // Herding panic at the shipped scenario's parameters: sellers push others to sell through
    // the network and through the price.
    let panic = PanicField {
        net: &net,
        activity: (0..30).map(|i| 0.2 + (i % 5) as f64 / 8.0).collect(),
        susceptibility: (0..30).map(|i| 0.5 + (i % 3) as f64 / 4.0).collect(),
        params: PanicParams {
            holdings: 1.0,
            initial_price: 100.0,
            base_sell: 0.005,
            herding: 0.8,
            fear: 3.0,
            lookback: 3,
            sell_fraction: 0.5,
            buy_prob: 0.02,
            buy_amount: 0.3,
            impact: 2.0,
            ..PanicParams::default()
        },
        ticks: 8,
        window: 2,
        out_of_network: 2.0,
        clusters: (0..30).collect(),
        participation_exponent: 1.0,
    };
    for expr in [
        "mean(sold)",
        "var(holdings)",
        "gini(sold + 0.01)",
        "mean(sold) * mean(holdings)",
    ] {
        check_gradient(&panic, &context(panic.agents()), expr, 5, 0.1, 1e-9);
    }
    // The Cont–Bouchaud market: cluster trades, buy-side herding through feeds, a market
    // maker pulling the price back to a fundamental value above the start.
    let market = PanicField {
        params: PanicParams {
            cluster_trade: 0.05,
            cluster_amount: 0.2,
            buy_herding: 1.5,
            buy_prob: 0.05,
            reversion: 0.2,
            fundamental: Some(120.0),
            ..panic.params.clone()
        },
        ..panic
    };
    for expr in ["mean(sold)", "var(holdings)", "mean(sold) * mean(holdings)"] {
        check_gradient(&market, &context(market.agents()), expr, 5, 0.1, 1e-9);
    }
}

/// The market twin's Σφ equals M(1) − M(0) within the reported gap, and participation
/// matters through both sides' herding.
#[test]
fn market_efficiency_at_the_tolerance() {
    let net = graph(60, 5, 3, None);
    let model = PanicField {
        net: &net,
        activity: (0..60).map(|i| 0.2 + (i % 5) as f64 / 8.0).collect(),
        susceptibility: (0..60).map(|i| 0.5 + (i % 3) as f64 / 4.0).collect(),
        params: PanicParams {
            base_sell: 0.01,
            herding: 0.8,
            fear: 3.0,
            sell_fraction: 0.5,
            buy_prob: 0.05,
            buy_herding: 1.5,
            cluster_trade: 0.05,
            cluster_amount: 0.2,
            reversion: 0.2,
            impact: 2.0,
            ..PanicParams::default()
        },
        ticks: 10,
        window: 2,
        out_of_network: 2.0,
        clusters: (0..60).map(|i| if i < 12 { 0 } else { i }).collect(),
        participation_exponent: PanicField::exponent_for(60, 2.0),
    };
    let ctx = context(60);
    for expr in ["mean(sold)", "var(holdings)"] {
        let ind = Indicator::parse(expr).unwrap();
        let out = Outcome {
            indicator: &ind,
            context: &ctx,
        };
        let a = attribute_dynamic(&model, &out, 2, Some(1e-6), 1024).unwrap();
        // By the quadrature alone, not by anchoring panels to their ends.
        assert!(
            a.completeness_gap <= 1e-6 && a.anchoring.is_none(),
            "{expr}: gap {} at K = {} ({:?})",
            a.completeness_gap,
            a.nodes,
            a.anchoring
        );
        assert!(
            (a.value - a.baseline_value).abs() > 1e-6,
            "{expr}: participation changes nothing?"
        );
    }
}

/// Keeping every k-th forward state and recomputing segments in `backward` changes nothing:
/// the same outputs and the same gradient, bit for bit, for k that divide T and k that do not.
#[test]
fn checkpointed_segments_give_the_same_gradient() {
    let net = graph(40, 4, 9, None);
    let ind = Indicator::parse("var(stance) + mean(likes_received) / 7").unwrap();
    let ctx = context(40);
    let out = Outcome {
        indicator: &ind,
        context: &ctx,
    };
    let mut r = Lcg(12);
    let w: Vec<f64> = (0..40).map(|_| 0.1 + 0.9 * r.unit()).collect();
    let mut model = bc(&net, 7, 11, true);
    let (v1, g1) = out.gradient(&model, &w).unwrap();
    for k in [2, 3, 4, 11, 20] {
        model.checkpoint_every = k;
        let (vk, gk) = out.gradient(&model, &w).unwrap();
        assert_eq!(vk.to_bits(), v1.to_bits(), "k = {k}");
        assert!(
            gk.iter().zip(&g1).all(|(a, b)| a.to_bits() == b.to_bits()),
            "k = {k}: gradients differ"
        );
    }
    assert_eq!(
        emergent_dynamics::checkpoint_interval(1_000, 50, 1 << 30),
        1
    );
    assert_eq!(
        emergent_dynamics::checkpoint_interval(10_000_000, 50, 2 << 30),
        8
    );
}

#[test]
fn efficiency_at_the_tolerance() {
    let net = graph(60, 5, 5, None);
    let model = bc(&net, 6, 8, true);
    let ctx = context(60);
    for expr in ["var(stance)", "gini(likes_received + 1)"] {
        let ind = Indicator::parse(expr).unwrap();
        let out = Outcome {
            indicator: &ind,
            context: &ctx,
        };
        let a = attribute_dynamic(&model, &out, 2, Some(1e-6), 256).unwrap();
        assert!(
            a.completeness_gap <= 1e-6,
            "{expr}: gap {} at K = {}",
            a.completeness_gap,
            a.nodes
        );
        assert!(
            (a.value - a.baseline_value).abs() > 1e-6,
            "{expr}: participation changes nothing?"
        );
    }
}

#[test]
fn dummy_an_agent_nobody_follows_gets_exactly_zero() {
    let net = graph(40, 4, 7, Some(13));
    assert_eq!(net.follower_count(13), 0);
    let model = bc(&net, 8, 5, true);
    let ctx = context(40);
    let a = attribute_at_k8(&model, &ctx, "var(stance) + mean(likes_received)");
    assert_eq!(a.phi[13], 0.0);
    assert!(a.phi.iter().filter(|p| **p != 0.0).count() > 30);
}

#[test]
fn symmetry_automorphic_agents_get_equal_phi() {
    // A directed cycle 0 → 1 → … → 7 → 0 plus chords i → i+3: rotating by one is an
    // automorphism. Equal parameters and stances symmetric under the rotation ±: use two
    // interleaved groups so the dynamics is not trivial.
    let n = 8;
    let edges: Vec<(u32, u32)> = (0..n)
        .flat_map(|i| [(i, (i + 1) % n), (i, (i + 3) % n)])
        .map(|(a, b)| (a as u32, b as u32))
        .collect();
    let net = Network::from_edges(n, {
        let mut e = edges;
        e.sort_unstable();
        e
    });
    let model = BoundedConfidenceField {
        net: &net,
        x0: (0..n)
            .map(|i| if i % 2 == 0 { -0.3 } else { 0.25 })
            .collect(),
        activity: vec![0.6; n],
        susceptibility: vec![0.8; n],
        mu: 0.5,
        eps: 0.9,
        delta: 0.05,
        post_prob: 0.5,
        like_prob: 0.2,
        feed_size: 10.0,
        ticks: 5,
        saturate: true,
        checkpoint_every: 2,
    };
    let ctx = context(n);
    let a = attribute_at_k8(&model, &ctx, "var(stance) + mean(likes_received)");
    // Rotation by two maps the graph and the stances onto themselves.
    for i in 0..n {
        let j = (i + 2) % n;
        assert!(
            (a.phi[i] - a.phi[j]).abs() < 1e-12 * (1.0 + a.phi[i].abs()),
            "{i} vs {j}: {:?}",
            a.phi
        );
    }
}

/// Exact Shapley over participation: v(S) = M(w = 1_S).
fn exact_shapley(model: &dyn Dynamics, out: &Outcome) -> Vec<f64> {
    let n = model.agents();
    let masks = 1usize << n;
    let v: Vec<f64> = (0..masks)
        .map(|m| {
            out.value(
                model,
                &(0..n).map(|i| ((m >> i) & 1) as f64).collect::<Vec<_>>(),
            )
            .unwrap()
        })
        .collect();
    let mut weight = vec![0.0; n];
    weight[0] = 1.0 / n as f64;
    for s in 1..n {
        weight[s] = weight[s - 1] * s as f64 / (n - s) as f64;
    }
    (0..n)
        .map(|i| {
            (0..masks)
                .filter(|m| m & (1 << i) == 0)
                .map(|m| weight[m.count_ones() as usize] * (v[m | 1 << i] - v[m]))
                .sum()
        })
        .collect()
}

#[test]
fn one_step_influence_matches_exact_shapley() {
    // Without saturation, one tick moves stances linearly in w: var(stance) is then a
    // quadratic game and likes_received a linear one, where Aumann–Shapley is exact Shapley.
    let net = graph(11, 3, 9, None);
    let model = bc(&net, 10, 1, false);
    let ctx = context(11);
    for expr in [
        "var(stance)",
        "mean(likes_received)",
        "var(stance) * 3 - mean(likes_given)",
    ] {
        let ind = Indicator::parse(expr).unwrap();
        let out = Outcome {
            indicator: &ind,
            context: &ctx,
        };
        let a = attribute_dynamic(&model, &out, 4, None, 4).unwrap();
        let exact = exact_shapley(&model, &out);
        let scale = exact.iter().fold(1e-12f64, |m, v| m.max(v.abs()));
        for (x, y) in a.phi.iter().zip(&exact) {
            assert!((x - y).abs() <= 1e-10 * scale, "{expr}: {x} vs {y}");
        }
    }
}

/// The moment aggregates (issue #18's phenomenon indicators) through the twin: adjoint
/// gradients equal finite differences, and Gauss–Legendre over participation is complete.
/// (A share by comparison, `mean(abs(stance) > 0.8)`, has zero gradient almost everywhere:
/// through the dynamics it needs a smooth stand-in; its static attribution is exact.)
#[test]
fn moment_aggregates_through_the_twin() {
    let net = graph(40, 4, 3, None);
    let model = bc(&net, 4, 6, true);
    let ctx = context(model.agents());
    let exprs = [
        "bimodality(stance)",
        "corr(stance, likes_received)",
        "skew(stance) * kurt(stance)",
        "cov(stance, likes_given)",
    ];
    for expr in exprs {
        check_gradient(&model, &ctx, expr, 3, 0.1, 1e-7);
    }
    for expr in exprs {
        let ind = Indicator::parse(expr).unwrap();
        let out = Outcome {
            indicator: &ind,
            context: &ctx,
        };
        let a = attribute_dynamic(&model, &out, 4, Some(1e-6), 512).unwrap();
        assert!(
            a.completeness_gap <= 1e-6,
            "{expr}: gap {} at K = {}",
            a.completeness_gap,
            a.nodes
        );
        assert!(
            (a.value - a.baseline_value).abs() > 1e-9,
            "{expr}: no change"
        );
    }
}

/// The Watts threshold twin: adjoint = finite differences, and Σφ = M(1) − M(0).
#[test]
fn threshold_twin_adjoint_and_completeness() {
    let net = graph(30, 4, 3, None);
    let model = emergent_dynamics::ThresholdField {
        net: &net,
        activity: (0..30).map(|i| 0.4 + (i % 5) as f64 / 8.0).collect(),
        thresholds: (0..30).map(|i| 0.1 + (i % 4) as f64 / 10.0).collect(),
        seeds: (0..30).map(|i| f64::from(u8::from(i % 9 == 0))).collect(),
        width: 0.08,
        ticks: 6,
    };
    for expr in [
        "mean(reposts)",
        "gini(reposts + 0.1)",
        "mean(reposts) * mean(posts)",
    ] {
        check_gradient(&model, &context(model.agents()), expr, 6, 0.1, 1e-9);
    }
    let ind = Indicator::parse("mean(reposts)").unwrap();
    let ctx = context(30);
    let out = Outcome {
        indicator: &ind,
        context: &ctx,
    };
    let a = attribute_dynamic(&model, &out, 2, Some(1e-6), 256).unwrap();
    assert!(a.completeness_gap <= 1e-6, "gap {}", a.completeness_gap);
    let sum: f64 = a.phi.iter().sum();
    assert!(
        (sum - (a.value - a.baseline_value)).abs() <= 1e-6 + a.completeness_gap,
        "Σφ = {sum}, M(1) − M(0) = {}",
        a.value - a.baseline_value
    );
    assert!(
        a.value - a.baseline_value > 1e-3,
        "participation must matter"
    );
}
