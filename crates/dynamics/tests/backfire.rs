//! The backfire twin (bounded confidence with repulsion): exact adjoint where both kernels
//! and the clamp act, completeness, and plain bounded confidence when γ = 0.

use std::path::Path;

use emergent_attribution::Indicator;
use emergent_dynamics::{
    BackfireField, BoundedConfidenceField, Dynamics, Outcome, attribute_dynamic, model_for,
};
use emergent_scenario::Scenario;
use emergent_sim::network::Network;

mod common;
use common::{Lcg, check_gradient, posts_context as context, random_follows as graph};

/// Stances crowding both bounds (a few exactly at ±1) with some in between, so items are
/// close, in between and rejected, and the backfire pushes stances against the clamp.
fn field(net: &Network, seed: u64, ticks: u32, repulsion: f64) -> BackfireField<'_> {
    let n = net.len();
    let mut r = Lcg(seed);
    let x0 = (0..n)
        .map(|i| {
            let side = if r.unit() < 0.5 { -1.0 } else { 1.0 };
            match i % 4 {
                0 => side,
                1 | 2 => side * (0.75 + 0.25 * r.unit()),
                _ => 2.0 * r.unit() - 1.0,
            }
        })
        .collect();
    BackfireField {
        bc: BoundedConfidenceField {
            net,
            x0,
            activity: (0..n).map(|_| 0.2 + 0.8 * r.unit()).collect(),
            susceptibility: (0..n).map(|_| 0.3 + 0.7 * r.unit()).collect(),
            mu: 0.4,
            eps: 0.5,
            delta: 0.05,
            post_prob: 0.7,
            like_prob: 0.3,
            feed_size: 4.0,
            ticks,
            saturate: true,
            checkpoint_every: 1,
        },
        repulsion,
        rejection: 0.8,
        rejection_delta: 0.08,
        clamp_width: 0.02,
    }
}

#[test]
fn adjoint_gradients_equal_finite_differences_where_both_kernels_and_the_clamp_act() {
    let net = graph(30, 5, 1);
    let model = field(&net, 2, 6, 0.5);
    // The backfire matters, and it pushes stances against the bound (into the clamp's bend).
    let ones = vec![1.0; 30];
    let pushed = model.forward(&ones, &[true, true, true]).outputs[0].clone();
    let plain = field(&net, 2, 6, 0.0)
        .forward(&ones, &[true, true, true])
        .outputs[0]
        .clone();
    assert!(
        pushed.iter().any(|x| x.abs() > 1.0) && pushed.iter().all(|x| x.abs() <= 1.02),
        "{pushed:?}"
    );
    assert!(
        pushed.iter().zip(&plain).any(|(a, b)| (a - b).abs() > 0.05),
        "repulsion changes nothing?"
    );
    for expr in [
        "var(stance)",
        "mean(likes_received) * mean(posts)",
        "var(stance) + mean(likes_given) / 10",
        "bimodality(stance)",
        "mean(abs(stance))",
    ] {
        check_gradient(&model, &context(30), expr, 3, 0.1, 1e-9);
    }
}

/// Keeping every k-th forward state and recomputing segments changes nothing, bit for bit.
#[test]
fn checkpointed_segments_give_the_same_gradient() {
    let net = graph(40, 4, 9);
    let ind = Indicator::parse("var(stance) + mean(likes_received) / 7").unwrap();
    let ctx = context(40);
    let out = Outcome {
        indicator: &ind,
        context: &ctx,
    };
    let mut r = Lcg(12);
    let w: Vec<f64> = (0..40).map(|_| 0.1 + 0.9 * r.unit()).collect();
    let mut model = field(&net, 7, 11, 0.3);
    let (v1, g1) = out.gradient(&model, &w).unwrap();
    for k in [2, 3, 4, 11, 20] {
        model.bc.checkpoint_every = k;
        let (vk, gk) = out.gradient(&model, &w).unwrap();
        assert_eq!(vk.to_bits(), v1.to_bits(), "k = {k}");
        assert!(
            gk.iter().zip(&g1).all(|(a, b)| a.to_bits() == b.to_bits()),
            "k = {k}: gradients differ"
        );
    }
}

#[test]
fn completeness_phi_sums_to_the_change() {
    let net = graph(60, 5, 5);
    let model = field(&net, 6, 10, 0.3);
    let ctx = context(60);
    for expr in ["var(stance)", "mean(likes_received)", "bimodality(stance)"] {
        let ind = Indicator::parse(expr).unwrap();
        let out = Outcome {
            indicator: &ind,
            context: &ctx,
        };
        // Stances pushed against the clamp make M(α·1) bend sharply (over α ≈ clamp width /
        // push): a 60-agent population needs hundreds of nodes (a large one averages them).
        let a = attribute_dynamic(&model, &out, 8, Some(1e-5), 1024).unwrap();
        let change = a.value - a.baseline_value;
        assert!(
            change.abs() > 1e-3,
            "{expr}: participation changes nothing?"
        );
        assert!(
            a.completeness_gap <= 1e-5,
            "{expr}: gap {} at K = {}",
            a.completeness_gap,
            a.nodes
        );
        let sum: f64 = a.phi.iter().sum();
        assert!(
            (sum - change).abs() <= a.completeness_gap * change.abs() + 1e-12,
            "{expr}: Σφ = {sum}, M(1) − M(0) = {change}"
        );
    }
}

/// With γ = 0 the backfire twin is plain bounded confidence: the same outputs to the bit (the
/// clamp is the identity inside [−1, 1], where the plain update stays), the same gradient up
/// to summation order.
#[test]
fn without_repulsion_it_is_plain_bounded_confidence() {
    let net = graph(50, 5, 4);
    let model = field(&net, 3, 8, 0.0);
    let plain = &model.bc;
    let mut r = Lcg(5);
    let w: Vec<f64> = (0..50).map(|_| 0.1 + 0.9 * r.unit()).collect();
    let all = [true, true, true];
    let (a, b) = (model.forward(&w, &all), plain.forward(&w, &all));
    for (k, (x, y)) in a.outputs.iter().zip(&b.outputs).enumerate() {
        assert!(
            x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits()),
            "output {k} differs"
        );
    }
    let ctx = context(50);
    for expr in ["var(stance) + mean(likes_received)", "mean(likes_given)"] {
        let ind = Indicator::parse(expr).unwrap();
        let out = Outcome {
            indicator: &ind,
            context: &ctx,
        };
        let (_, ga) = out.gradient(&model, &w).unwrap();
        let (_, gb) = out.gradient(plain, &w).unwrap();
        let scale = gb.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(scale > 0.0);
        for (p, q) in ga.iter().zip(&gb) {
            assert!((p - q).abs() <= 1e-12 * scale, "{expr}: {p} vs {q}");
        }
    }
}

fn scenario(repulsion: f64) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/polarization.toml");
    let mut s = Scenario::from_path(&path).unwrap();
    s.apply_overrides(&[
        ("population.agents", "800"),
        ("scenario.ticks", "5"),
        ("network.p_in", "0.05"),
        ("network.p_out", "0.005"),
        ("policy.kind", "bounded_confidence"),
        ("policy.bounded_confidence.epsilon", "0.4"),
        ("policy.bounded_confidence.rejection_distance", "0.8"),
        (
            "policy.bounded_confidence.repulsion",
            &repulsion.to_string(),
        ),
    ])
    .unwrap();
    s
}

/// The plain twin `model_for` builds from the scenario's world, by hand.
fn plain_twin<'a>(s: &Scenario, world: &'a emergent_sim::World) -> BoundedConfidenceField<'a> {
    let p = &s.policy.bounded_confidence;
    let pop = &world.population;
    BoundedConfidenceField {
        net: &world.network,
        x0: (0..pop.len()).map(|a| pop.stance[a * pop.topics]).collect(),
        activity: pop.activity.local().to_vec(),
        susceptibility: pop.susceptibility.local().to_vec(),
        mu: p.mu,
        eps: p.epsilon,
        delta: 0.1 * p.epsilon,
        post_prob: p.post_prob,
        like_prob: p.like_prob,
        feed_size: s.feed.size as f64,
        ticks: s.scenario.ticks,
        saturate: true,
        checkpoint_every: 1,
    }
}

/// `model_for` builds the backfire twin for `repulsion` > 0 (it used to refuse), and for
/// `repulsion` = 0 the plain twin, whose outputs the backfire twin at γ = 0 gives to the bit.
#[test]
fn the_scenario_s_model_has_a_backfire_term_when_repulsion_is_set() {
    let plain_s = scenario(0.0);
    let world = emergent_sim::build_world(&plain_s, None).unwrap();
    let backfire_s = scenario(0.3);
    assert_eq!(
        emergent_sim::build_world(&backfire_s, None)
            .unwrap()
            .population
            .stance,
        world.population.stance,
        "repulsion does not change the initial world"
    );
    let n = world.population.len();
    let all = [true, true, true];
    let ones = vec![1.0; n];
    let plain = model_for(&plain_s, &world).unwrap().forward(&ones, &all);
    let by_hand = plain_twin(&plain_s, &world);
    let zero_push = BackfireField {
        bc: plain_twin(&plain_s, &world),
        repulsion: 0.0,
        rejection: 0.8,
        rejection_delta: 0.08,
        clamp_width: 0.01,
    };
    for other in [by_hand.forward(&ones, &all), zero_push.forward(&ones, &all)] {
        for (x, y) in other.outputs.iter().zip(&plain.outputs) {
            assert!(x.iter().zip(y).all(|(a, b)| a.to_bits() == b.to_bits()));
        }
    }
    let pushed = model_for(&backfire_s, &world).unwrap().forward(&ones, &all);
    let moved = plain.outputs[0]
        .iter()
        .zip(&pushed.outputs[0])
        .filter(|(x, y)| (*x - *y).abs() > 1e-3)
        .count();
    assert!(
        moved > n / 10,
        "only {moved} of {n} stances feel the backfire"
    );
    assert!(pushed.outputs[0].iter().all(|x| x.abs() <= 1.01));
}
