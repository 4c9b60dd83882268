//! The moment aggregates (cov, corr, skew, kurt, bimodality) and comparisons: values against
//! direct formulas, cov's closed form against exact Shapley by 2^N enumeration, separable
//! steps against their exact per-agent value, gradients against finite differences, and
//! quadrature's completeness on the rest.

mod common;
use common::*;
use emergent_attribution::{
    AttributionError, Baseline, FeatureTable, Indicator, Method, MethodUsed, Options, attribute,
    evaluate, gradient,
};
use proptest::prelude::*;

/// (mean, m2, m3, m4) of a sample, population moments.
fn central(x: &[f64]) -> (f64, f64, f64, f64) {
    let n = x.len() as f64;
    let mu = x.iter().sum::<f64>() / n;
    let m = |k: i32| x.iter().map(|v| (v - mu).powi(k)).sum::<f64>() / n;
    (mu, m(2), m(3), m(4))
}

/// G₁, G₂ and Sarle's b as SAS defines them, written out independently of the crate.
fn reference(x: &[f64]) -> (f64, f64, f64) {
    let n = x.len() as f64;
    let (_, m2, m3, m4) = central(x);
    let g1 = m3 / m2.powf(1.5) * (n * (n - 1.0)).sqrt() / (n - 2.0);
    let g2 = (n - 1.0) / ((n - 2.0) * (n - 3.0)) * ((n + 1.0) * (m4 / (m2 * m2) - 3.0) + 6.0);
    let b = (g1 * g1 + 1.0) / (g2 + 3.0 * (n - 1.0).powi(2) / ((n - 2.0) * (n - 3.0)));
    (g1, g2, b)
}

fn cov(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - ma) * (y - mb))
        .sum::<f64>()
        / n
}

fn sample() -> FeatureTable {
    let x = vec![0.3, -1.2, 2.5, 0.0, 0.7, -0.4, 1.9, -2.2, 0.05];
    let y = vec![1.0, 0.5, 2.0, -0.3, 0.9, 0.1, 1.4, -1.0, 0.2];
    table(&[("x", x), ("y", y)])
}

fn value(t: &FeatureTable, e: &str) -> f64 {
    evaluate(t, &Indicator::parse(e).unwrap()).unwrap()
}

#[test]
fn values_match_the_textbook_formulas() {
    let t = sample();
    let (x, y) = (t.column("x").unwrap(), t.column("y").unwrap());
    let (g1, g2, b) = reference(x);
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * (1.0 + b.abs());
    assert!(close(value(&t, "skew(x)"), g1), "{}", value(&t, "skew(x)"));
    assert!(close(value(&t, "kurt(x)"), g2));
    assert!(close(value(&t, "bimodality(x)"), b));
    let c = cov(x, y);
    assert!(close(value(&t, "cov(x, y)"), c));
    let r = c / (cov(x, x) * cov(y, y)).sqrt();
    assert!(close(value(&t, "corr(x, y)"), r));
    assert!(close(value(&t, "corr(x, 2 * x + 1)"), 1.0));
    assert!(close(value(&t, "corr(x, -x)"), -1.0));
    // A share by comparison: x > 0.5 holds for 0.7, 2.5, 1.9.
    assert!(close(value(&t, "mean(x > 0.5)"), 3.0 / 9.0));
    assert!(close(value(&t, "sum(abs(x) >= 2.2)"), 2.0));
    assert!(close(value(&t, "mean(x < 0) + mean(0 <= x)"), 1.0));
}

#[test]
fn bimodality_separates_two_peaks_from_one() {
    // Two well separated clusters vs a triangular bump; 5/9 is the uniform's value.
    let two: Vec<f64> = (0..200)
        .map(|i| if i % 2 == 0 { -0.9 } else { 0.9 } + 0.01 * (i % 7) as f64)
        .collect();
    let one: Vec<f64> = (0..200)
        .map(|i| ((i % 10) as f64 + (i % 13) as f64) / 22.0)
        .collect();
    let b2 = value(&table(&[("s", two)]), "bimodality(s)");
    let b1 = value(&table(&[("s", one)]), "bimodality(s)");
    assert!(b2 > 0.9, "two peaks: {b2}");
    assert!(b1 < 5.0 / 9.0, "one peak: {b1}");
}

#[test]
fn bad_use_is_refused_with_the_place() {
    let err = |e: &str| Indicator::parse(e).expect_err(e);
    let e = err("cov(x)");
    assert_eq!(e.column, 0);
    assert!(
        e.message.contains("`cov` takes two arguments, got 1"),
        "{e}"
    );
    let e = err("2 * corr(x, y, z)");
    assert_eq!(e.column, 4);
    assert!(e.message.contains("write corr(term, term)"), "{e}");
    let e = err("skew(x, y)");
    assert!(
        e.message.contains("`skew` takes one argument, got 2"),
        "{e}"
    );
    let e = err("mean(kurt(x))");
    assert_eq!(e.column, 5);
    assert!(
        e.message
            .contains("cannot be used inside another aggregate"),
        "{e}"
    );
    let e = err("mean(0 < x < 1)");
    assert_eq!(e.column, 11);
    assert!(e.message.contains("comparisons do not chain"), "{e}");
    let e = err("bimodality(x) > ");
    assert!(e.message.contains("end of the expression"), "{e}");
    let e = err("mean(x == 1)");
    assert_eq!(e.column, 7);
    assert!(e.message.contains("unexpected character `=`"), "{e}");
    let e = err("mean(x > > 1)");
    assert!(e.message.contains("unexpected `>`"), "{e}");
    let e = err("median(x)");
    assert!(
        e.message.contains("skew, kurt, bimodality, cov, corr"),
        "{e}"
    );
    // Precedence: a comparison binds loosest, so x + 1 > 2 * y is (x + 1) > (2 * y).
    let t = sample();
    let direct = t
        .column("x")
        .unwrap()
        .iter()
        .zip(t.column("y").unwrap())
        .filter(|(x, y)| **x + 1.0 > 2.0 * **y)
        .count() as f64;
    assert_eq!(value(&t, "sum(x + 1 > 2 * y)"), direct);
}

/// The baseline every test of a scale-free aggregate needs: per agent, not constant.
fn shifted(t: &FeatureTable) -> Baseline {
    let cols = t
        .column_names()
        .iter()
        .map(|c| {
            let v = t.column(c).unwrap();
            let n = v.len();
            (
                c.clone(),
                v.iter()
                    .enumerate()
                    .map(|(i, x)| 0.4 * x + 0.3 * ((i * 7 % n) as f64 / n as f64) - 0.1)
                    .collect(),
            )
        })
        .collect();
    Baseline::Table(FeatureTable::new(t.ids().clone(), cols).unwrap())
}

#[test]
fn scale_free_aggregates_at_a_constant_baseline_are_a_clear_error() {
    let t = sample();
    for e in ["corr(x, y)", "skew(x)", "kurt(x)", "bimodality(x)"] {
        let ind = Indicator::parse(e).unwrap();
        match attribute(&t, &ind, &Baseline::Zero, &Options::default()) {
            Err(AttributionError::NotFinite { which, .. }) => assert_eq!(which, "baseline"),
            other => panic!("{e}: {other:?}"),
        }
        let a = attribute(&t, &ind, &shifted(&t), &Options::default()).unwrap();
        assert_eq!(a.method, MethodUsed::Quadrature, "{e}");
    }
}

#[test]
fn quadrature_of_the_moment_aggregates_is_complete() {
    let t = sample();
    for e in [
        "corr(x, y)",
        "skew(x)",
        "kurt(x + y)",
        "bimodality(x)",
        "corr(x, y) * skew(y) + cov(x, x * y)",
    ] {
        let opts = Options {
            method: Method::Quadrature,
            steps: 16,
            tol: Some(1e-9),
            max_steps: 1024,
            ..Options::default()
        };
        let a = attribute(&t, &Indicator::parse(e).unwrap(), &shifted(&t), &opts).unwrap();
        assert!(a.completeness_gap < 1e-9, "{e}: gap {}", a.completeness_gap);
        assert!(
            a.value != a.baseline_value,
            "{e}: the test needs a change to attribute"
        );
    }
}

#[test]
fn gradients_match_finite_differences() {
    let t = sample();
    for e in [
        "corr(x, y)",
        "cov(x * y, exp(x / 3))",
        "skew(x)",
        "kurt(x * y)",
        "bimodality(x + y)",
        "mean(x > 0.5) + var(y)",
    ] {
        let ind = Indicator::parse(e).unwrap();
        let (_, grad) = gradient(&t, &ind).unwrap();
        let cols: Vec<String> = ind.columns().to_vec();
        for (k, c) in cols.iter().enumerate() {
            for i in 0..t.len() {
                let at = |h: f64| {
                    let moved: Vec<(&str, Vec<f64>)> = t
                        .column_names()
                        .iter()
                        .map(|n| {
                            let mut v = t.column(n).unwrap().to_vec();
                            if n == c {
                                v[i] += h;
                            }
                            (n.as_str(), v)
                        })
                        .collect();
                    value(&table(&moved), e)
                };
                let h = 1e-6;
                let fd = (at(h) - at(-h)) / (2.0 * h);
                assert!(
                    (fd - grad[k][i]).abs() < 1e-6 * (1.0 + fd.abs()),
                    "{e} ∂/∂{c}[{i}]: fd {fd} vs {}",
                    grad[k][i]
                );
            }
        }
    }
}

fn small_table() -> impl Strategy<Value = FeatureTable> {
    (2usize..=10).prop_flat_map(|n| {
        (
            prop::collection::vec(-2.0f64..2.0, n),
            prop::collection::vec(0.0f64..5.0, n),
        )
            .prop_map(|(a, b)| table(&[("stance", a), ("posts", b)]))
    })
}

/// cov(a, b)'s per-agent closed form, written out:
/// φ_i = [Δa_i (b̃_i + b̃'_i) + Δb_i (ã_i + ã'_i)] / (2N), ã = a − ā at x, ã' at x'.
fn cov_closed_form(a: &[f64], a0: &[f64], b: &[f64], b0: &[f64]) -> Vec<f64> {
    let n = a.len() as f64;
    let m = |v: &[f64]| v.iter().sum::<f64>() / n;
    let (ma, ma0, mb, mb0) = (m(a), m(a0), m(b), m(b0));
    (0..a.len())
        .map(|i| {
            ((a[i] - a0[i]) * ((b[i] - mb) + (b0[i] - mb0))
                + (b[i] - b0[i]) * ((a[i] - ma) + (a0[i] - ma0)))
                / (2.0 * n)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// cov is quadratic in the features: its closed form is the exact Shapley value (2^N
    /// enumeration) for every baseline, and matches the formula written out above.
    #[test]
    fn cov_closed_form_is_exact_shapley(t in small_table()) {
        let shifted = shifted(&t);
        for base in [Baseline::Zero, Baseline::Mean, Baseline::Min, shifted.clone()] {
            for expr in ["cov(stance, posts)", "cov(2 * stance - posts, posts + 1)", "cov(stance, stance) - var(stance)"] {
                let exact = run(&t, expr, &base, Method::ExactShapley);
                let cf = run(&t, expr, &base, Method::Auto);
                prop_assert_eq!(cf.method, MethodUsed::ClosedForm);
                let scale = exact.phi.iter().fold(1e-9f64, |m, v| m.max(v.abs()));
                for (a, b) in cf.phi.iter().zip(&exact.phi) {
                    prop_assert!((a - b).abs() <= 1e-10 * scale + 1e-15, "{} {}: {} vs {}", expr, base.name(), a, b);
                }
            }
            let exact = run(&t, "cov(stance, posts)", &base, Method::ExactShapley);
            let (s, p) = (t.column("stance").unwrap(), t.column("posts").unwrap());
            let resolve = |c: &str, v: &[f64]| -> Vec<f64> {
                match &base {
                    Baseline::Zero => vec![0.0; v.len()],
                    Baseline::Mean => vec![v.iter().sum::<f64>() / v.len() as f64; v.len()],
                    Baseline::Min => vec![v.iter().copied().fold(f64::INFINITY, f64::min); v.len()],
                    Baseline::Table(b) => b.column(c).unwrap().to_vec(),
                    Baseline::Constants(_) => unreachable!(),
                }
            };
            let want = cov_closed_form(s, &resolve("stance", s), p, &resolve("posts", p));
            let scale = exact.phi.iter().fold(1e-9f64, |m, v| m.max(v.abs()));
            for (a, b) in want.iter().zip(&exact.phi) {
                prop_assert!((a - b).abs() <= 1e-10 * scale, "formula {}: {} vs {}", base.name(), a, b);
            }
        }
    }

    /// A mean of a step (an extremity share) is separable: φ_i = (g(x_i) − g(x'_i)) / N exactly,
    /// the exact Shapley value, though its gradient is zero almost everywhere.
    #[test]
    fn a_share_by_comparison_gets_its_exact_value(t in small_table()) {
        let base = shifted(&t);
        for expr in ["mean(abs(stance) > 0.8)", "2 * sum((stance > 0) * posts) - mean(posts >= 2)"] {
            let exact = run(&t, expr, &base, Method::ExactShapley);
            let a = run(&t, expr, &base, Method::Auto);
            prop_assert_eq!(a.method, MethodUsed::ClosedForm);
            prop_assert!(a.completeness_gap < 1e-12, "{}", a.completeness_gap);
            for (x, y) in a.phi.iter().zip(&exact.phi) {
                prop_assert!((x - y).abs() <= 1e-12, "{}: {} vs {}", expr, x, y);
            }
        }
        // Per agent, the split over (stance, posts) of (stance > 0) * posts is the Shapley
        // value of the two-feature game: v(∅) = g(x'), v({k}) = g with k at x.
        let a = run(&t, "sum((stance > 0) * posts)", &base, Method::Auto);
        let Baseline::Table(b) = &base else { unreachable!() };
        let (s, p) = (t.column("stance").unwrap(), t.column("posts").unwrap());
        let (s0, p0) = (b.column("stance").unwrap(), b.column("posts").unwrap());
        let g = |s: f64, p: f64| if s > 0.0 { p } else { 0.0 };
        for i in 0..t.len() {
            let want_s = 0.5 * ((g(s[i], p0[i]) - g(s0[i], p0[i])) + (g(s[i], p[i]) - g(s0[i], p[i])));
            prop_assert!((a.phi_by_column[0][i] - want_s).abs() <= 1e-12);
            prop_assert!((a.phi[i] - (g(s[i], p[i]) - g(s0[i], p0[i]))).abs() <= 1e-12);
        }
    }
}
