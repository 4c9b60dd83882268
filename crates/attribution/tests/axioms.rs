//! The Shapley axioms and the agreement between methods, on random inputs.

mod common;
use common::*;
use emergent_attribution::{
    AgentIds, AttributionError, Baseline, FeatureTable, Indicator, Method, Options, attribute,
};
use proptest::prelude::*;

fn small_table() -> impl Strategy<Value = FeatureTable> {
    (2usize..=12).prop_flat_map(|n| {
        (
            prop::collection::vec(0.0f64..50.0, n),
            prop::collection::vec(0.0f64..10.0, n),
            prop::collection::vec(-3.0f64..3.0, n),
        )
            .prop_map(|(a, b, c)| table(&[("followers", a), ("posts", b), ("stance", c)]))
    })
}

fn baselines(t: &FeatureTable) -> Vec<Baseline> {
    let shifted: Vec<(String, Vec<f64>)> = t
        .column_names()
        .iter()
        .map(|c| {
            (
                c.clone(),
                t.column(c)
                    .unwrap()
                    .iter()
                    .map(|v| v * 0.5 + 0.25)
                    .collect(),
            )
        })
        .collect();
    vec![
        Baseline::Zero,
        Baseline::Mean,
        Baseline::Min,
        Baseline::Constants(vec![
            ("followers".into(), 1.0),
            ("posts".into(), 2.0),
            ("stance".into(), -0.5),
        ]),
        Baseline::Table(FeatureTable::new(t.ids().clone(), shifted).unwrap()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Owen: for multilinear and quadratic games diagonal Aumann–Shapley is exact Shapley.
    #[test]
    fn aumann_shapley_equals_exact_shapley(t in small_table()) {
        for expr in ["mean(posts + 2 * stance)", "var(posts - stance)", "mean(followers) * mean(posts)", "3 * var(stance) - sum(posts) / 4"] {
            for base in baselines(&t) {
                let exact = run(&t, expr, &base, Method::ExactShapley);
                for m in [Method::Auto, Method::Quadrature] {
                    let as_ = run(&t, expr, &base, m);
                    let scale = exact.phi.iter().fold(1e-9f64, |a, v| a.max(v.abs()));
                    for (a, b) in as_.phi.iter().zip(&exact.phi) {
                        prop_assert!((a - b).abs() <= 1e-10 * scale, "{} {:?} {:?}: {} vs {}", expr, base.name(), m, a, b);
                    }
                }
            }
        }
    }

    /// Closed forms equal the quadrature path for every built-in shape and baseline.
    #[test]
    fn closed_form_equals_quadrature(t in small_table()) {
        let cases: Vec<(&str, Vec<Baseline>)> = vec![
            ("mean(followers + posts)", baselines(&t)),
            ("mean(followers) * mean(posts) * mean(stance + 4)", baselines(&t)),
            ("var(followers + posts)", baselines(&t)),
            ("gini(followers + posts + 1)", vec![Baseline::Mean]),
            ("2 * gini(posts + 0.5) + var(stance) - mean(posts) ^ 2", vec![Baseline::Mean]),
        ];
        for (expr, bases) in cases {
            for base in bases {
                let cf = run(&t, expr, &base, Method::ClosedForm);
                let q = run(&t, expr, &base, Method::Quadrature);
                prop_assert!(max_rel_diff(&cf.phi, &q.phi) <= 1e-10, "{} {}: {:?} vs {:?}", expr, base.name(), cf.phi, q.phi);
                for (a, b) in cf.phi_by_column.iter().zip(&q.phi_by_column) {
                    prop_assert!(max_rel_diff(a, b) <= 1e-10);
                }
                // Efficiency: relative to Δf, or (where Δf is 0 up to rounding, as for a mean
                // indicator under the mean baseline) relative to the attribution mass.
                let mass: f64 = cf.phi.iter().map(|p| p.abs()).sum();
                let err = (cf.sum_phi - (cf.value - cf.baseline_value)).abs();
                prop_assert!(cf.completeness_gap <= 1e-9 || err <= 1e-12 * mass, "{} gap {} err {}", expr, cf.completeness_gap, err);
            }
        }
    }

    /// φ(a·f + b·g) = a·φ(f) + b·φ(g), through every method.
    #[test]
    fn linearity(t in small_table(), a in -3.0f64..3.0, b in -3.0f64..3.0) {
        let f = "var(followers)";
        let g = "mean(log1p(posts)) * mean(stance)";
        let combo = format!("({a}) * var(followers) + ({b}) * (mean(log1p(posts)) * mean(stance))");
        for m in [Method::Auto, Method::Quadrature, Method::ExactShapley] {
            let pf = run(&t, f, &Baseline::Mean, m).phi;
            let pg = run(&t, g, &Baseline::Mean, m).phi;
            let pc = run(&t, &combo, &Baseline::Mean, m).phi;
            let want: Vec<f64> = pf.iter().zip(&pg).map(|(x, y)| a * x + b * y).collect();
            let scale = want.iter().fold(1e-6f64, |s, v| s.max(v.abs()));
            for (x, y) in pc.iter().zip(&want) {
                prop_assert!((x - y).abs() <= 1e-9 * scale, "{:?}", m);
            }
        }
    }
}

#[test]
fn symmetry_identical_agents_get_equal_phi() {
    let t = table(&[
        ("followers", vec![5.0, 3.0, 5.0, 9.0, 1.0, 3.0]),
        ("posts", vec![2.0, 7.0, 2.0, 1.0, 4.0, 7.0]),
    ]);
    for expr in [
        "var(followers + posts)",
        "gini(followers + posts)",
        "mean(followers) * mean(posts)",
        "mean(sqrt(followers + 1)) * std(posts)",
    ] {
        for m in [Method::Auto, Method::Quadrature, Method::ExactShapley] {
            let p = run(&t, expr, &Baseline::Mean, m).phi;
            assert!(
                (p[0] - p[2]).abs() < 1e-12 * (1.0 + p[0].abs()),
                "{expr} {m:?}: {p:?}"
            );
            assert!(
                (p[1] - p[5]).abs() < 1e-12 * (1.0 + p[1].abs()),
                "{expr} {m:?}: {p:?}"
            );
        }
    }
}

#[test]
fn dummy_agent_at_its_baseline_gets_zero() {
    // Agent 2 has the baseline's features (zero) in every column.
    let t = table(&[
        ("followers", vec![4.0, 1.0, 0.0, 6.0]),
        ("posts", vec![3.0, 5.0, 0.0, 2.0]),
        ("replies", vec![1.0, 2.0, 0.0, 3.0]),
    ]);
    for expr in [
        "mean(posts + replies)",
        "mean(followers) * mean(posts) * mean(replies)",
    ] {
        for m in [Method::Auto, Method::Quadrature, Method::ExactShapley] {
            let a = run(&t, expr, &Baseline::Zero, m);
            assert_eq!(a.phi[2], 0.0, "{expr} {m:?}");
            assert!(a.phi[0] > 0.0);
        }
    }
}

#[test]
fn efficiency_at_n_1e5_for_all_builtins() {
    let t = heavy_tailed(100_000, 3);
    for (expr, base) in [
        ("mean(posts + replies)", Baseline::Zero),
        (
            "mean(followers) * mean(posts) * mean(replies)",
            Baseline::Zero,
        ),
        ("var(posts + replies)", Baseline::Zero),
        ("var(posts + replies)", Baseline::Mean),
        ("gini(posts + replies)", Baseline::Mean),
    ] {
        let a = run(&t, expr, &base, Method::Auto);
        assert_eq!(a.method.name(), "closed-form", "{expr}");
        assert!(
            a.completeness_gap <= 1e-9,
            "{expr}: gap {:e}",
            a.completeness_gap
        );
        assert!((a.value - a.baseline_value).abs() > 0.0);
    }
}

#[test]
fn tolerance_raises_steps_until_the_gap_closes() {
    let t = heavy_tailed(20_000, 5);
    let ind =
        Indicator::parse("mean(log1p(followers)) * std(posts) + sqrt(mean(replies * posts) + 1)")
            .unwrap();
    let coarse = attribute(
        &t,
        &ind,
        &Baseline::Zero,
        &Options {
            steps: 2,
            ..Options::default()
        },
    )
    .unwrap();
    assert!(
        coarse.completeness_gap > 1e-6,
        "a 2-node rule should not close the gap: {:e}",
        coarse.completeness_gap
    );
    let fine = attribute(
        &t,
        &ind,
        &Baseline::Zero,
        &Options {
            steps: 2,
            tol: Some(1e-9),
            ..Options::default()
        },
    )
    .unwrap();
    assert!(fine.completeness_gap <= 1e-9, "{:e}", fine.completeness_gap);
    assert!(fine.steps.unwrap() > 2);
    assert_eq!(fine.method.name(), "quadrature");
}

#[test]
fn sampled_shapley_converges_like_one_over_sqrt_m() {
    let t = heavy_tailed(12, 11);
    let exact = run(
        &t,
        "var(posts + replies)",
        &Baseline::Zero,
        Method::ExactShapley,
    )
    .phi;
    let err = |m: usize| -> f64 {
        (0..8u64)
            .map(|seed| {
                let opts = Options {
                    method: Method::SampledShapley,
                    permutations: m,
                    seed,
                    ..Options::default()
                };
                let p = attribute(
                    &t,
                    &Indicator::parse("var(posts + replies)").unwrap(),
                    &Baseline::Zero,
                    &opts,
                )
                .unwrap()
                .phi;
                p.iter()
                    .zip(&exact)
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f64>()
                    .sqrt()
            })
            .sum::<f64>()
            / 8.0
    };
    let (e1, e2, e3) = (err(50), err(800), err(12_800));
    // Each 16× more permutations should cut the error ~4×; allow 2.5×.
    assert!(e2 < e1 / 2.5 && e3 < e2 / 2.5, "{e1} {e2} {e3}");
    // Efficiency holds per permutation (telescoping).
    let opts = Options {
        method: Method::SampledShapley,
        permutations: 7,
        seed: 1,
        ..Options::default()
    };
    let a = attribute(
        &t,
        &Indicator::parse("gini(posts + replies + 1)").unwrap(),
        &Baseline::Mean,
        &opts,
    )
    .unwrap();
    assert!(a.completeness_gap < 1e-9);
}

#[test]
fn same_seed_same_answer_on_any_thread_count() {
    let t = heavy_tailed(3_000, 2);
    let go = |threads: usize, method: Method| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                let opts = Options {
                    method,
                    permutations: 20,
                    seed: 9,
                    ..Options::default()
                };
                attribute(
                    &t,
                    &Indicator::parse("gini(posts + replies + 1) * mean(followers)").unwrap(),
                    &Baseline::Mean,
                    &opts,
                )
                .unwrap()
                .phi
            })
    };
    for m in [Method::Quadrature, Method::SampledShapley] {
        let (a, b) = (go(1, m), go(2, m));
        assert!(
            a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()),
            "{m:?}"
        );
    }
}

#[test]
fn refusals_explain_themselves() {
    let t = table(&[
        ("posts", vec![1.0, 2.0, 3.0]),
        ("stance", vec![-1.0, 0.5, 0.2]),
    ]);
    let err = |expr: &str, base: Baseline, method: Method| {
        attribute(
            &t,
            &Indicator::parse(expr).unwrap(),
            &base,
            &Options {
                method,
                ..Options::default()
            },
        )
        .unwrap_err()
    };
    let e = err("gini(posts)", Baseline::Zero, Method::Auto);
    assert!(matches!(e, AttributionError::GiniZeroTotal { .. }));
    assert!(e.to_string().contains("--baseline mean"), "{e}");
    let e = err("gini(stance)", Baseline::Mean, Method::Auto);
    assert!(
        matches!(
            e,
            AttributionError::GiniNegative {
                row: 0,
                count: 1,
                ..
            }
        ),
        "{e}"
    );
    let e = err("gini(posts * 0)", Baseline::Mean, Method::Auto);
    assert!(matches!(e, AttributionError::GiniZeroTotal { .. }), "{e}");
    let e = err("mean(likes)", Baseline::Zero, Method::Auto);
    assert!(
        e.to_string().contains("available columns: posts, stance"),
        "{e}"
    );
    let e = err("gini(posts)", Baseline::Zero, Method::ClosedForm);
    assert!(matches!(e, AttributionError::GiniZeroTotal { .. }), "{e}");
    let e = err("std(posts)", Baseline::Mean, Method::ClosedForm);
    assert!(matches!(e, AttributionError::NoClosedForm { .. }), "{e}");
    let e = err("mean(ln(posts - 2))", Baseline::Mean, Method::Auto);
    assert!(matches!(e, AttributionError::NotFinite { .. }), "{e}");
    let other = FeatureTable::new(
        AgentIds::Int(vec![0, 1, 7].into()),
        vec![
            ("posts".into(), vec![0.0; 3]),
            ("stance".into(), vec![0.0; 3]),
        ],
    )
    .unwrap();
    let e = err("mean(posts)", Baseline::Table(other), Method::Auto);
    assert!(
        e.to_string()
            .contains("agent `2` (row 2) is not in the baseline"),
        "{e}"
    );
    let big = heavy_tailed(21, 1);
    let e = attribute(
        &big,
        &Indicator::parse("mean(posts)").unwrap(),
        &Baseline::Zero,
        &Options {
            method: Method::ExactShapley,
            ..Options::default()
        },
    )
    .unwrap_err();
    assert!(
        matches!(e, AttributionError::TooManyForExact { n: 21, limit: 20 }),
        "{e}"
    );
}
