//! The grouped dynamic attribution (`--groups`) on the radicalization twin: the paths on which
//! a small group joins a world where only a few accounts speak.

use emergent_attribution::Indicator;
use emergent_attribution::game::exact_shapley;
use emergent_dynamics::{FeedShape, Outcome, RadicalizationField, Rewiring, attribute_grouped};
use emergent_sim::network::Network;

mod common;
use common::{Lcg, flat_posts_context as context, random_follows as graph};

const FEED: FeedShape = FeedShape {
    in_network: 4,
    out_of_network: 4,
    followee_sample: 64,
};

fn field(net: &Network, seed: u64, ticks: u32) -> RadicalizationField<'_> {
    let n = net.len();
    let mut r = Lcg(seed);
    RadicalizationField {
        net,
        x0: (0..n).map(|_| r.unit() * 2.0 - 1.0).collect(),
        activity: (0..n).map(|_| 0.4 + 0.4 * r.unit()).collect(),
        k: 1.0,
        alpha: 3.0,
        beta: 3.0,
        reciprocity: 0.5,
        contacts: 3.0,
        dt: 0.2,
        delta: 0.2,
        ticks,
        feed: FEED,
        participation_exponent: RadicalizationField::exponent_for(n, &FEED, 3.0),
        rewiring: Rewiring::default(),
    }
}

fn tiers(n: usize, a: usize, b: usize) -> Vec<Vec<u32>> {
    vec![
        (0..a as u32).collect(),
        (a as u32..b as u32).collect(),
        (b as u32..n as u32).collect(),
    ]
}

/// A world of 200 agents in which two speakers (the "top 1 %") and 18 (the "1–10 %") are the
/// small groups. With only the first speaking, every listener's contacts and reciprocal pushes
/// go to two accounts; as the second group joins (w = 1_S + α·1_g), the twin's competition among
/// a few speakers makes M(α) steep and rough (dM/dα ~ 10³–10⁵ where M stays in [0.7, 2.4]).
fn few_speakers_world(net: &Network) -> (RadicalizationField<'_>, Vec<Vec<u32>>) {
    (field(net, 3, 30), tiers(200, 2, 20))
}

/// w on the path of group `g` with the groups of `mask` speaking.
fn on_path(groups: &[Vec<u32>], g: usize, mask: u64, a: f64) -> Vec<f64> {
    let n = groups.iter().map(Vec::len).sum();
    let mut w = vec![0.0; n];
    for (k, members) in groups.iter().enumerate() {
        let level = if k == g {
            a
        } else if mask >> k & 1 == 1 {
            1.0
        } else {
            0.0
        };
        for &m in members {
            w[m as usize] = level;
        }
    }
    w
}

#[test]
fn the_adjoint_is_exact_along_the_path_where_a_small_group_joins_a_few_speakers() {
    let net = graph(200, 10, 2);
    let (model, groups) = few_speakers_world(&net);
    let ind = Indicator::parse("mean(abs(stance))").unwrap();
    let ctx = context(200);
    let out = Outcome {
        indicator: &ind,
        context: &ctx,
    };
    // The 1–10 % joining a world where only the top 1 % speak (the path the quadrature could
    // not integrate), at the steep points too.
    let (g, mask) = (1, 1);
    let mut steepest = 0.0f64;
    for (a, rel) in [
        (1e-3, 1e-7),
        (3e-3, 1e-7),
        (2e-2, 1e-7),
        (5e-2, 1e-9),
        (0.15, 1e-7),
        (1.0, 1e-7),
    ] {
        let (_, grad) = out.gradient(&model, &on_path(&groups, g, mask, a)).unwrap();
        let adjoint: f64 = groups[g].iter().map(|&i| grad[i as usize]).sum();
        let h = a * rel;
        let at = |b: f64| out.value(&model, &on_path(&groups, g, mask, b)).unwrap();
        let fd = (at(a + h) - at(a - h)) / (2.0 * h);
        assert!(
            (adjoint - fd).abs() <= 1e-3 * fd.abs().max(1.0),
            "α = {a}: adjoint {adjoint} vs finite differences {fd}"
        );
        steepest = steepest.max(adjoint.abs());
    }
    let change = out.value(&model, &on_path(&groups, g, mask, 1.0)).unwrap()
        - out.value(&model, &on_path(&groups, g, mask, 0.0)).unwrap();
    // Why no quadrature rule integrates this path: slopes 10⁴ times its whole change.
    assert!(
        steepest > 1e4 * change.abs(),
        "steepest {steepest} vs change {change}"
    );
}

#[test]
fn grouped_attribution_with_few_speakers_is_efficient_and_its_group_totals_are_the_twin_game() {
    let net = graph(200, 10, 2);
    let (model, groups) = few_speakers_world(&net);
    let ind = Indicator::parse("mean(abs(stance))").unwrap();
    let ctx = context(200);
    let out = Outcome {
        indicator: &ind,
        context: &ctx,
    };
    let a = attribute_grouped(&model, &out, &groups, 8, Some(1e-6), 64).unwrap();
    let delta = a.attribution.value - a.attribution.baseline_value;
    assert!(delta > 1.0, "Δ = {delta}");
    // The quadratures alone miss the change (by 7× here; by 10⁸ on the quickstart at 2,000
    // agents): some panels are anchored to the change between their ends, and the rough ones
    // replaced; the panels already sum to their paths' corners, so no whole path is.
    let anchoring = a.attribution.anchoring.expect("anchored");
    assert!(anchoring.quadrature_gap > 0.1, "{anchoring:?}");
    assert!(anchoring.replaced_panels >= 1, "{anchoring:?}");
    assert!(anchoring.anchored_panels >= anchoring.replaced_panels);
    assert!(
        anchoring.anchored_panels < a.attribution.panels,
        "every panel anchored: {anchoring:?}"
    );
    assert_eq!(anchoring.anchored_paths, 0, "{anchoring:?}");
    assert!(a.attribution.completeness_gap <= 1e-6, "{a:?}");
    assert!(
        a.attribution
            .phi
            .iter()
            .all(|p| p.is_finite() && p.abs() < delta)
    );
    // The corners are the twin's game, M with the groups outside S silent (`--game --twin`),
    // and the group totals its Shapley values.
    for mask in 0..8u64 {
        let w = on_path(&groups, 0, mask, f64::from(u8::from(mask & 1 == 1)));
        assert_eq!(
            a.corner_values[mask as usize],
            out.value(&model, &w).unwrap()
        );
    }
    let shapley = exact_shapley(&a.corner_values);
    for (p, s) in a.group_phi.iter().zip(&shapley) {
        assert!((p - s).abs() <= 1e-6 * delta, "{p} vs {s}");
    }
}
