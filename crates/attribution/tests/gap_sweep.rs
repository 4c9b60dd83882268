//! `completeness_gaps` (forward-mode slopes at the nodes) reports the gap that a full
//! quadrature attribution with the same K reports.

mod common;

use common::{heavy_tailed, table};
use emergent_attribution::{Baseline, Method, Options, attribute, completeness_gaps};

fn quadrature_gap(
    t: &emergent_attribution::FeatureTable,
    expr: &str,
    base: &Baseline,
    k: usize,
) -> f64 {
    let ind = emergent_attribution::Indicator::parse(expr).unwrap();
    let opts = Options {
        method: Method::Quadrature,
        steps: k,
        ..Options::default()
    };
    attribute(t, &ind, base, &opts).unwrap().completeness_gap
}

#[test]
fn sweep_gaps_equal_quadrature_gaps() {
    let t = heavy_tailed(20_000, 3);
    let ks = [1, 2, 3, 4, 8, 16];
    let cases = [
        ("mean(posts + replies)", Baseline::Zero),
        ("var(posts + 0.5 * replies)", Baseline::Min),
        ("gini(posts + replies)", Baseline::Mean),
        ("gini(posts + replies + 1)", Baseline::Min),
        (
            "std(log1p(followers)) / mean(sqrt(posts + 1))",
            Baseline::Zero,
        ),
        (
            "mean(followers) * mean(posts) * mean(replies)",
            Baseline::Min,
        ),
        (
            "ln(1 + var(posts)) * exp(-mean(replies) / 10) + sum(abs(posts - replies)) / 1000",
            Baseline::Zero,
        ),
    ];
    // A per-agent baseline: ranks change along the path, so gini takes the per-node pass.
    let half = {
        let col = |c: &str| -> Vec<f64> {
            t.column(c)
                .unwrap()
                .iter()
                .enumerate()
                .map(|(i, v)| (v * 0.5).floor() + (i % 3) as f64)
                .collect()
        };
        emergent_attribution::FeatureTable::new(
            emergent_attribution::AgentIds::sequential(t.len()),
            vec![
                ("followers".into(), col("followers")),
                ("posts".into(), col("posts")),
                ("replies".into(), col("replies")),
            ],
        )
        .unwrap()
    };
    let cases = [
        cases.to_vec(),
        vec![
            ("gini(posts + replies)", Baseline::Table(half.clone())),
            ("var(posts) * mean(replies)", Baseline::Table(half)),
        ],
    ]
    .concat();
    for (expr, base) in &cases {
        let ind = emergent_attribution::Indicator::parse(expr).unwrap();
        let got = completeness_gaps(&t, &ind, base, &ks).unwrap();
        for (k, g) in ks.iter().zip(&got) {
            let want = quadrature_gap(&t, expr, base, *k);
            assert!(
                (g - want).abs() <= 1e-9 + 1e-7 * want,
                "{expr} / {}: K = {k}: sweep {g:e} vs quadrature {want:e}",
                base.name()
            );
        }
        // Smooth indicators converge: the largest K is far better than K = 1.
        assert!(got[ks.len() - 1] <= got[0].max(1e-12), "{expr}: {got:?}");
    }
}

/// A nonlinear indicator has a visible gap at K = 1 that the sweep sees, shrinking with K.
#[test]
fn sweep_sees_the_low_k_error_of_a_nonlinear_indicator() {
    let t = table(&[
        ("a", vec![1.0, 4.0, 9.0, 16.0, 25.0]),
        ("b", vec![2.0, 0.5, 3.0, 1.0, 7.0]),
    ]);
    let ind = emergent_attribution::Indicator::parse("exp(mean(a) / 10) * ln(1 + var(b))").unwrap();
    let gaps = completeness_gaps(&t, &ind, &Baseline::Zero, &[1, 2, 4, 8]).unwrap();
    assert!(gaps[0] > 1e-3, "{gaps:?}");
    assert!(
        gaps.windows(2).all(|w| w[1] < w[0] || w[1] < 1e-13),
        "{gaps:?}"
    );
    assert!(gaps[3] < 1e-6, "{gaps:?}");
    for (k, g) in [1, 2, 4, 8].iter().zip(&gaps) {
        let want = quadrature_gap(
            &t,
            "exp(mean(a) / 10) * ln(1 + var(b))",
            &Baseline::Zero,
            *k,
        );
        assert!(
            (g - want).abs() <= 1e-12 + 1e-9 * want,
            "K = {k}: {g:e} vs {want:e}"
        );
    }
    assert!(completeness_gaps(&t, &ind, &Baseline::Zero, &[0]).is_err());
}
