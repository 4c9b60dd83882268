//! The radicalization twin's follow graph (`followee_stance`): exact adjoint, the engine's
//! definition without rewiring, and rewiring that sorts the graph by opinion.

use emergent_dynamics::{Dynamics, FeedShape, RadicalizationField, Rewiring};
use emergent_sim::network::Network;

mod common;
use common::{Lcg, check_gradient_step, flat_posts_context as context, random_follows as graph};

const FEED: FeedShape = FeedShape {
    in_network: 4,
    out_of_network: 4,
    followee_sample: 64,
};

/// The shipped scenarios' rule: follow a contacted stranger and unfollow a far followee, each
/// with probability 1/2 a tick, "far" beyond 1.
const SHIPPED: Rewiring = Rewiring {
    follow_prob: 0.5,
    unfollow_prob: 0.5,
    unfollow_distance: 1.0,
};

fn field(net: &Network, seed: u64, ticks: u32, rewiring: Rewiring) -> RadicalizationField<'_> {
    let n = net.len();
    let mut r = Lcg(seed);
    RadicalizationField {
        net,
        x0: (0..n).map(|_| r.unit() * 2.0 - 1.0).collect(),
        activity: (0..n).map(|_| 0.05 + 0.9 * r.unit()).collect(),
        k: 3.0,
        alpha: 3.0,
        beta: 3.0,
        reciprocity: 0.5,
        contacts: 3.0,
        dt: 0.1,
        delta: 0.2,
        ticks,
        feed: FEED,
        participation_exponent: 1.0,
        rewiring,
    }
}

#[test]
fn followee_stance_has_exact_adjoints() {
    // Rows of 1–3 followees (some agents follow nobody), and rows of ~6.
    for (k, exponent) in [(2, 1.0), (6, 2.5)] {
        let net = graph(30, k, 5);
        let model = RadicalizationField {
            participation_exponent: exponent,
            ..field(&net, 4, 8, SHIPPED)
        };
        for expr in [
            "cov(stance, followee_stance)",
            "corr(stance, followee_stance)",
            "mean(followee_stance)",
        ] {
            check_gradient_step(&model, &context(30), expr, 7, 0.1, 1e-9, 1e-6);
        }
    }
    // Weights down to 0 (a tiny existence: nearly empty feeds, few acquired followees).
    let net = graph(30, 3, 6);
    check_gradient_step(
        &field(&net, 2, 6, SHIPPED),
        &context(30),
        "cov(stance, followee_stance)",
        3,
        0.0,
        1e-9,
        1e-6,
    );
}

/// Without rewiring (and whoever speaks), `followee_stance` is the engine's: the mean stance of
/// the initial followees, or one's own when one follows nobody.
#[test]
fn without_rewiring_it_is_the_mean_over_the_initial_followees() {
    // Every fifth agent follows nobody.
    let full = graph(60, 2, 9);
    let edges: Vec<(u32, u32)> = (0..60u32)
        .filter(|u| u % 5 != 0)
        .flat_map(|u| full.followees(u).iter().map(move |&v| (u, v)))
        .collect();
    let net = Network::from_edges(60, edges);
    let model = field(&net, 3, 12, Rewiring::default());
    let mut r = Lcg(1);
    let w: Vec<f64> = (0..60).map(|_| r.unit()).collect();
    let out = model.forward(&w, &[true, true]).outputs;
    let (x, fs) = (&out[0], &out[1]);
    let mut empty = 0;
    for i in 0..60 {
        let row = net.followees(i as u32);
        let want = if row.is_empty() {
            empty += 1;
            x[i]
        } else {
            row.iter().map(|&j| x[j as usize]).sum::<f64>() / row.len() as f64
        };
        assert!((fs[i] - want).abs() < 1e-12, "{i}: {} vs {want}", fs[i]);
    }
    assert!(empty > 0, "the test graph has agents who follow nobody");
}

/// With the shipped rule, everybody speaking, the follow graph sorts by opinion: stance and
/// followee stance correlate far more than over the initial graph, and the feed that reads it
/// moves the stances; with nobody speaking there is nothing to contact or unfollow, and the
/// graph (and so the stances) stay the initial graph's.
#[test]
fn rewiring_sorts_the_graph_by_opinion_and_needs_speakers() {
    let net = graph(200, 6, 2);
    let corr = |a: &[f64], b: &[f64]| {
        let n = a.len() as f64;
        let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
        let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
        let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
        let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
        cov / (va * vb).sqrt()
    };
    let fixed = field(&net, 3, 40, Rewiring::default());
    let rewired = field(&net, 3, 40, SHIPPED);
    let all = vec![1.0; 200];
    let a = fixed.forward(&all, &[true, true]).outputs;
    let b = rewired.forward(&all, &[true, true]).outputs;
    // The graph acts back on the stances: the in-network slots fill with like-minded accounts.
    let moved = a[0]
        .iter()
        .zip(&b[0])
        .fold(0.0f64, |m, (u, v)| m.max((u - v).abs()));
    assert!(moved > 0.1, "rewiring moved no stance: {moved}");
    let (c_fixed, c_rewired) = (corr(&a[0], &a[1]), corr(&b[0], &b[1]));
    assert!(
        c_rewired > c_fixed + 0.3 && c_rewired > 0.8,
        "corr(stance, followee_stance): rewired {c_rewired}, initial graph {c_fixed}"
    );
    let none = vec![0.0; 200];
    let silent_fixed = fixed.forward(&none, &[true, true]).outputs;
    let silent = rewired.forward(&none, &[true, true]).outputs;
    for (u, v) in silent[1].iter().zip(&silent_fixed[1]) {
        assert!((u - v).abs() < 1e-12);
    }
    // Nor, then, does it act on the stances.
    assert_eq!(silent[0], silent_fixed[0]);
}
