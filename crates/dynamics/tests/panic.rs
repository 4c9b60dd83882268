//! The herding market twin: exact adjoints of the expected feed, and feeds normalised over the
//! items that exist (a few speakers fill every feed, as in the engine).

use emergent_attribution::Indicator;
use emergent_dynamics::{Outcome, PanicField};
use emergent_scenario::PanicParams;
use emergent_sim::network::Network;

mod common;
use common::{check_gradient, posts_context as context, random_follows as graph};

fn market(net: &Network, ticks: u32) -> PanicField<'_> {
    let n = net.len();
    PanicField {
        net,
        activity: (0..n).map(|i| 0.2 + (i % 5) as f64 / 8.0).collect(),
        susceptibility: (0..n).map(|i| 0.5 + (i % 3) as f64 / 4.0).collect(),
        params: PanicParams {
            base_sell: 0.01,
            herding: 0.8,
            fear: 2.0,
            lookback: 3,
            sell_fraction: 0.5,
            buy_prob: 0.05,
            buy_amount: 0.3,
            buy_herding: 1.2,
            cluster_trade: 0.05,
            cluster_amount: 0.2,
            cluster_feedback: 0.6,
            feedback_panic: 0.5,
            reversion: 0.2,
            fundamental: Some(110.0),
            impact: 2.0,
            post_prob: 0.6,
            ..PanicParams::default()
        },
        ticks,
        window: 2,
        out_of_network: 2.0,
        // One cluster of a quarter of the agents (a jump), singletons (noise).
        clusters: (0..n as u32)
            .map(|i| if 4 * i < n as u32 { 0 } else { i })
            .collect(),
        participation_exponent: 1.0,
    }
}

#[test]
fn the_expected_feed_has_exact_adjoints() {
    let net = graph(30, 3, 11);
    let base = market(&net, 9);
    let ctx = context(30);
    // Buyers post (buy_herding > 0) and do not; a longer window; p = w^k with k > 1; a small
    // pool (weights from 0.01), where the out-of-network count is below its quota; clusters
    // that respond to the expected volatility, that do not, and none.
    let variants = [
        market(&net, 9),
        PanicField {
            window: 3,
            participation_exponent: 2.5,
            ..market(&net, 9)
        },
        PanicField {
            params: PanicParams {
                buy_herding: 0.0,
                ..base.params.clone()
            },
            out_of_network: 1.0,
            ..market(&net, 9)
        },
        PanicField {
            params: PanicParams {
                cluster_feedback: 0.0,
                lookback: 1,
                ..base.params.clone()
            },
            ..market(&net, 9)
        },
        PanicField {
            clusters: Vec::new(),
            participation_exponent: 4.0,
            ..market(&net, 9)
        },
    ];
    for (v, model) in variants.iter().enumerate() {
        for expr in ["mean(sold)", "var(holdings)", "mean(sold) * mean(holdings)"] {
            for w_lo in [0.1, 0.01] {
                eprintln!("variant {v}, {expr}, w from {w_lo}");
                check_gradient(model, &ctx, expr, 7 + v as u64, w_lo, 1e-10);
            }
        }
    }
}

/// The engine's herders read the *share* of sellers among the items that exist: with only a
/// few agents speaking, their items fill every feed. So silencing everyone but a tenth of the
/// agents keeps most of the herding, where a twin that divided by all followees whether they
/// spoke or not would keep a tenth of it; and silencing everyone removes it.
#[test]
fn a_few_speakers_fill_every_feed() {
    let net = graph(400, 4, 5);
    let model = PanicField {
        params: PanicParams {
            buy_herding: 0.0,
            fear: 0.0,
            reversion: 0.0,
            ..market(&net, 30).params
        },
        ..market(&net, 30)
    };
    let ind = Indicator::parse("mean(sold)").unwrap();
    let ctx = context(400);
    let out = Outcome {
        indicator: &ind,
        context: &ctx,
    };
    let value = |w: &[f64]| out.value(&model, w).unwrap();
    let all = value(&[1.0; 400]);
    let none = value(&[0.0; 400]);
    let tenth: Vec<f64> = (0..400).map(|i| f64::from(u8::from(i % 10 == 0))).collect();
    let few = value(&tenth);
    assert!(all > none, "herding adds sales: {all} vs {none}");
    let kept = (few - none) / (all - none);
    assert!(
        kept > 0.8 && kept < 1.2,
        "a tenth speaking keeps {kept} of the herding"
    );
    // With nobody's items in any window every feed is empty and nobody herds: the silent
    // world is the world without herding.
    let deaf = PanicField {
        params: PanicParams {
            herding: 0.0,
            ..model.params.clone()
        },
        ..market(&net, 30)
    };
    let unheard = out.value(&deaf, &[1.0; 400]).unwrap();
    assert!((unheard - none).abs() < 1e-12, "{unheard} vs {none}");
}
