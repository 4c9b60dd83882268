//! The dynamic attribution with a coalition structure: efficiency, group totals equal to the
//! Shapley value of the twin's corner game, one group = the diagonal, additivity, determinism.

use emergent_attribution::Indicator;
use emergent_attribution::game::exact_shapley;
use emergent_dynamics::{
    BoundedConfidenceField, CascadeField, Dynamics, GroupedAttribution, Outcome, attribute_dynamic,
    attribute_grouped,
};
use emergent_sim::network::Network;

mod common;
use common::{Lcg, posts_context as context, random_follows as graph};

fn bc(net: &Network, seed: u64) -> BoundedConfidenceField<'_> {
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
        ticks: 8,
        saturate: true,
        checkpoint_every: 1,
    }
}

/// A cascade on a reciprocal graph: its groups are complements (a repost needs a poster and
/// a reposter), so M is far from multilinear in them.
fn cascade(net: &Network) -> CascadeField<'_> {
    let n = net.len();
    CascadeField {
        net,
        activity: (0..n).map(|i| 0.3 + (i % 7) as f64 / 10.0).collect(),
        p: 0.3,
        post_prob: 0.2,
        onward: CascadeField::onward_shares(net),
        window: 2,
        ticks: 7,
    }
}

fn reciprocal(n: usize, k: usize, seed: u64) -> Network {
    let g = graph(n, k, seed);
    let mut edges: Vec<(u32, u32)> = (0..n as u32)
        .flat_map(|u| g.followees(u).iter().flat_map(move |&v| [(u, v), (v, u)]))
        .collect();
    edges.sort_unstable();
    edges.dedup();
    Network::from_edges(n, edges)
}

/// Agents split into `g` groups of consecutive ids.
fn blocks(n: usize, g: usize) -> Vec<Vec<u32>> {
    (0..g)
        .map(|k| ((k * n / g) as u32..((k + 1) * n / g) as u32).collect())
        .collect()
}

fn grouped(
    model: &dyn Dynamics,
    expr: &str,
    groups: &[Vec<u32>],
    tol: Option<f64>,
) -> GroupedAttribution {
    let ind = Indicator::parse(expr).unwrap();
    let ctx = context(model.agents());
    let out = Outcome {
        indicator: &ind,
        context: &ctx,
    };
    attribute_grouped(model, &out, groups, 4, tol, 512).unwrap()
}

#[test]
fn efficiency_and_group_totals_are_the_twins_corner_game_shapley_values() {
    let net = reciprocal(48, 3, 4);
    let model = cascade(&net);
    let groups = blocks(48, 3);
    let a = grouped(&model, "mean(reposts)", &groups, Some(1e-9));
    let delta = a.attribution.value - a.attribution.baseline_value;
    assert!(delta > 1e-3, "the cascade does nothing? Δ = {delta}");
    assert!(a.attribution.completeness_gap <= 1e-9, "{a:?}");
    assert!((a.attribution.sum_phi - delta).abs() <= 1e-9 * delta);
    assert_eq!(a.paths, 3 * 4);
    // The corners are the twin's game: M with the groups outside S silent.
    let ind = Indicator::parse("mean(reposts)").unwrap();
    let ctx = context(48);
    let out = Outcome {
        indicator: &ind,
        context: &ctx,
    };
    for mask in 0..8u64 {
        let mut w = vec![0.0; 48];
        for (_, g) in groups
            .iter()
            .enumerate()
            .filter(|(k, _)| mask >> k & 1 == 1)
        {
            for &m in g {
                w[m as usize] = 1.0;
            }
        }
        assert_eq!(
            a.corner_values[mask as usize],
            out.value(&model, &w).unwrap()
        );
    }
    let shapley = exact_shapley(&a.corner_values);
    assert_eq!(a.corner_shapley, shapley);
    for (p, s) in a.group_phi.iter().zip(&shapley) {
        assert!((p - s).abs() <= 1e-9 * delta, "{p} vs {s}");
    }
    // ... which the diagonal path does not give here (the groups are complements).
    let diagonal = attribute_dynamic(&model, &out, 4, Some(1e-9), 512).unwrap();
    let diagonal_sums: Vec<f64> = groups
        .iter()
        .map(|g| g.iter().map(|&m| diagonal.phi[m as usize]).sum())
        .collect();
    let apart = diagonal_sums
        .iter()
        .zip(&shapley)
        .map(|(d, s)| (d - s).abs())
        .fold(0.0, f64::max);
    assert!(apart > 1e-4 * delta, "{diagonal_sums:?} vs {shapley:?}");
}

#[test]
fn singleton_groups_give_the_exact_shapley_value_of_the_agents_corner_game() {
    let net = graph(8, 3, 9);
    let model = bc(&net, 2);
    let groups: Vec<Vec<u32>> = (0..8).map(|i| vec![i]).collect();
    let a = grouped(&model, "var(stance)", &groups, Some(1e-10));
    for (i, (p, s)) in a.attribution.phi.iter().zip(&a.corner_shapley).enumerate() {
        assert!(
            (p - s).abs() <= 1e-9 * s.abs().max(1e-6),
            "agent {i}: {p} vs {s}"
        );
    }
}

#[test]
fn one_group_of_everybody_is_the_diagonal_attribution() {
    let net = graph(40, 4, 3);
    let model = bc(&net, 5);
    let ind = Indicator::parse("var(stance)").unwrap();
    let ctx = context(40);
    let out = Outcome {
        indicator: &ind,
        context: &ctx,
    };
    let everybody = vec![(0..40).collect::<Vec<u32>>()];
    for tol in [None, Some(1e-8)] {
        let d = attribute_dynamic(&model, &out, 4, tol, 512).unwrap();
        let g = attribute_grouped(&model, &out, &everybody, 4, tol, 512).unwrap();
        assert_eq!(g.attribution.phi, d.phi, "tol {tol:?}");
        assert_eq!(
            (g.attribution.nodes, g.attribution.panels, g.paths),
            (d.nodes, d.panels, 1)
        );
        assert_eq!(g.group_phi.len(), 1);
    }
}

#[test]
fn additive_over_indicators() {
    let net = graph(40, 4, 8);
    let model = bc(&net, 1);
    let groups = blocks(40, 3);
    let f = grouped(&model, "var(stance)", &groups, None);
    let g = grouped(&model, "mean(likes_received)", &groups, None);
    let sum = grouped(&model, "var(stance) + mean(likes_received)", &groups, None);
    let scale = sum
        .attribution
        .phi
        .iter()
        .fold(0.0f64, |m, p| m.max(p.abs()));
    for i in 0..40 {
        let (a, b, c) = (
            f.attribution.phi[i],
            g.attribution.phi[i],
            sum.attribution.phi[i],
        );
        assert!(
            (a + b - c).abs() <= 1e-12 * scale,
            "agent {i}: {a} + {b} vs {c}"
        );
    }
}

#[test]
fn the_same_bits_on_one_and_two_threads() {
    let net = reciprocal(60, 3, 7);
    let model = cascade(&net);
    let groups = blocks(60, 4);
    let on = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| grouped(&model, "mean(reposts)", &groups, Some(1e-8)))
    };
    let (one, two) = (on(1), on(2));
    assert_eq!(one.attribution.phi, two.attribution.phi);
    assert_eq!(one.corner_values, two.corner_values);
    assert_eq!(one.attribution.nodes, two.attribution.nodes);
}

#[test]
fn refuses_too_many_or_overlapping_groups() {
    let net = graph(20, 3, 1);
    let model = bc(&net, 1);
    let ind = Indicator::parse("var(stance)").unwrap();
    let ctx = context(20);
    let out = Outcome {
        indicator: &ind,
        context: &ctx,
    };
    let err = |groups: &[Vec<u32>]| {
        attribute_grouped(&model, &out, groups, 4, None, 4)
            .unwrap_err()
            .to_string()
    };
    let thirteen: Vec<Vec<u32>> = (0..13).map(|i| vec![i]).collect();
    assert!(err(&thirteen).contains("13 groups"), "{}", err(&thirteen));
    assert!(err(&[vec![1, 2], vec![2, 3]]).contains("agent 2 is in two groups"));
    assert!(err(&[vec![1, 25]]).contains("model has 20 agents"));
}
