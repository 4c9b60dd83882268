//! Closed-form attribution at full scale, quadrature, and Aumann–Shapley vs sampled Shapley.
//!
//! Groups (criterion writes `target/criterion/<group>/<bench>/new/estimates.json`):
//! - `closed_forms`: N = 1,671,587 agents × 3 columns (followers, posts, replies), heavy-tailed.
//!   `one_pass_serial` / `one_pass_par` (Σ of the three columns, the memory-pass floor), each of
//!   the four closed forms, and `all_four` (the four one after another).
//! - `quadrature`: `var(posts + replies)`, zero baseline, K = 32 Gauss–Legendre nodes, same table.
//! - `time_to_error`: N = 10^4, `var(posts + replies)`, zero baseline. `as_closed_form` against
//!   `sampled_shapley/<M>` at a few permutation counts M. The relative RMS error of each M
//!   against the exact Shapley value (= the AS closed form for variance) is measured once, outside
//!   the timing, and written as JSON to `$ATTRIBUTION_BENCH_ERRORS` (default
//!   `target/criterion/time_to_error/errors.json`) for `benches/attribution.sh`.
//!
//! Environment: `ATTRIBUTION_BENCH_N` overrides the full-scale N (for quick smoke runs);
//! `ATTRIBUTION_BENCH_SKIP_TTE` / `ATTRIBUTION_BENCH_ONLY_TTE` skip the time-to-error group
//! (and its untimed error measurement) / the full-scale groups, e.g. when profiling.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion};
use emergent_attribution::{
    AgentIds, Attribution, Baseline, FeatureTable, Indicator, Method, Options, attribute,
};
use rayon::prelude::*;

const FULL_N: usize = 1_671_587;
const SMALL_N: usize = 10_000;
/// Permutation counts whose error and time are measured in `time_to_error`.
const PERMS: [usize; 4] = [16, 64, 256, 1024];
/// Independent seeds per M for the error estimate (RMS over seeds and agents).
const ERROR_SEEDS: u64 = 4;

/// A heavy-tailed table (Pareto-ish followers, lognormal-ish activity) from a tiny LCG.
/// Copied from `tests/common/mod.rs` so the bench and the tests see the same shapes.
fn heavy_tailed(n: usize, seed: u64) -> FeatureTable {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut u = move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut followers = Vec::with_capacity(n);
    let mut posts = Vec::with_capacity(n);
    let mut replies = Vec::with_capacity(n);
    for _ in 0..n {
        followers.push((u().powf(-1.0 / 1.2) - 1.0).floor().min(1e7));
        let z = (-2.0 * u().ln()).sqrt() * (std::f64::consts::TAU * u()).cos();
        posts.push((1.0 + 1.2 * z).exp().round());
        replies.push((0.5 * (1.0 + 1.2 * z).exp() * u()).round());
    }
    FeatureTable::new(
        AgentIds::sequential(n),
        vec![
            ("followers".into(), followers),
            ("posts".into(), posts),
            ("replies".into(), replies),
        ],
    )
    .unwrap()
}

struct Case {
    name: &'static str,
    expr: &'static str,
    baseline: Baseline,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "mean",
            expr: "mean(posts + replies)",
            baseline: Baseline::Zero,
        },
        Case {
            name: "heat",
            expr: "mean(followers) * mean(posts) * mean(replies)",
            baseline: Baseline::Zero,
        },
        Case {
            name: "var",
            expr: "var(posts + replies)",
            baseline: Baseline::Zero,
        },
        Case {
            name: "gini",
            expr: "gini(posts + replies)",
            baseline: Baseline::Mean,
        },
    ]
}

fn run(t: &FeatureTable, ind: &Indicator, base: &Baseline, opts: &Options) -> Attribution {
    attribute(t, ind, base, opts).unwrap_or_else(|e| panic!("{}: {e}", ind.text()))
}

fn closed() -> Options {
    Options {
        method: Method::ClosedForm,
        ..Options::default()
    }
}

fn bench_full_scale(c: &mut Criterion, n: usize) {
    eprintln!("generating the {n}-agent table …");
    let t = heavy_tailed(n, 7);
    let cols: Vec<&[f64]> = ["followers", "posts", "replies"]
        .iter()
        .map(|k| t.column(k).unwrap())
        .collect();
    let cases = cases();
    let parsed: Vec<Indicator> = cases
        .iter()
        .map(|c| Indicator::parse(c.expr).unwrap())
        .collect();
    // Sanity: every closed form is complete on this table before we time it.
    for (case, ind) in cases.iter().zip(&parsed) {
        let a = run(&t, ind, &case.baseline, &closed());
        assert!(
            a.completeness_gap < 1e-9,
            "{}: gap {}",
            case.name,
            a.completeness_gap
        );
        eprintln!(
            "{:5} f(x) = {:.6e}  f(x') = {:.6e}  gap = {:.1e}",
            case.name, a.value, a.baseline_value, a.completeness_gap
        );
    }

    let mut g = c.benchmark_group("closed_forms");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(4));
    g.bench_function("one_pass_serial", |b| {
        b.iter(|| {
            let (x, y, z) = (black_box(cols[0]), black_box(cols[1]), black_box(cols[2]));
            x.iter()
                .zip(y)
                .zip(z)
                .map(|((a, b), c)| a + b + c)
                .sum::<f64>()
        })
    });
    g.bench_function("one_pass_par", |b| {
        b.iter(|| {
            let (x, y, z) = (black_box(cols[0]), black_box(cols[1]), black_box(cols[2]));
            x.par_chunks(8192)
                .zip(y.par_chunks(8192))
                .zip(z.par_chunks(8192))
                .map(|((x, y), z)| {
                    x.iter()
                        .zip(y)
                        .zip(z)
                        .map(|((a, b), c)| a + b + c)
                        .sum::<f64>()
                })
                .sum::<f64>()
        })
    });
    for (case, ind) in cases.iter().zip(&parsed) {
        g.bench_function(case.name, |b| {
            b.iter(|| run(black_box(&t), ind, &case.baseline, &closed()))
        });
    }
    // Extra expressions to time (profiling aid): ATTRIBUTION_BENCH_EXTRA="expr;expr", zero baseline.
    if let Ok(extra) = std::env::var("ATTRIBUTION_BENCH_EXTRA") {
        for (k, expr) in extra.split(';').enumerate() {
            let ind = Indicator::parse(expr).unwrap();
            eprintln!("extra_{k}: {expr}");
            g.bench_function(format!("extra_{k}"), |b| {
                b.iter(|| run(black_box(&t), &ind, &Baseline::Zero, &closed()))
            });
        }
    }
    g.bench_function("all_four", |b| {
        b.iter(|| {
            for (case, ind) in cases.iter().zip(&parsed) {
                black_box(run(black_box(&t), ind, &case.baseline, &closed()));
            }
        })
    });
    g.finish();

    let var = Indicator::parse("var(posts + replies)").unwrap();
    let quad = Options {
        method: Method::Quadrature,
        steps: 32,
        ..Options::default()
    };
    let a = run(&t, &var, &Baseline::Zero, &quad);
    eprintln!(
        "quadrature K=32: steps {:?}, gap {:.1e}",
        a.steps, a.completeness_gap
    );
    let mut g = c.benchmark_group("quadrature");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(10));
    g.bench_function("var_k32", |b| {
        b.iter(|| run(black_box(&t), &var, &Baseline::Zero, &quad))
    });
    g.finish();
}

/// ‖φ̂ − φ‖ / ‖φ‖ over agents.
fn rel_rms(est: &[f64], exact: &[f64]) -> f64 {
    let num: f64 = est.iter().zip(exact).map(|(a, b)| (a - b) * (a - b)).sum();
    let den: f64 = exact.iter().map(|b| b * b).sum();
    (num / den).sqrt()
}

fn bench_time_to_error(c: &mut Criterion) {
    let t = heavy_tailed(SMALL_N, 11);
    let var = Indicator::parse("var(posts + replies)").unwrap();
    let exact = run(&t, &var, &Baseline::Zero, &closed());
    // Errors, measured once (not timed): RMS over ERROR_SEEDS independent runs per M.
    let mut errors = Vec::new();
    for &m in &PERMS {
        let mut sq = 0.0;
        for seed in 0..ERROR_SEEDS {
            let opts = Options {
                method: Method::SampledShapley,
                permutations: m,
                seed: 1000 + seed,
                ..Options::default()
            };
            let e = rel_rms(&run(&t, &var, &Baseline::Zero, &opts).phi, &exact.phi);
            sq += e * e;
        }
        let err = (sq / ERROR_SEEDS as f64).sqrt();
        eprintln!(
            "sampled Shapley M = {m:5}: relative RMS error {err:.4e}  (err·√M = {:.4})",
            err * (m as f64).sqrt()
        );
        errors.push(serde_json::json!({ "permutations": m, "rel_rms_error": err }));
    }
    let out = std::env::var("ATTRIBUTION_BENCH_ERRORS").unwrap_or_else(|_| {
        let dir = std::env::var("CARGO_TARGET_DIR")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../target").into());
        format!("{dir}/criterion/time_to_error/errors.json")
    });
    if let Some(parent) = std::path::Path::new(&out).parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    let doc = serde_json::json!({
        "n": SMALL_N,
        "indicator": "var(posts + replies)",
        "baseline": "zero",
        "error": "relative RMS over agents, ||phi_sampled - phi_exact|| / ||phi_exact||, RMS over seeds",
        "seeds_per_m": ERROR_SEEDS,
        "errors": errors,
        "as_completeness_gap": exact.completeness_gap,
    });
    std::fs::write(&out, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    eprintln!("wrote {out}");

    let mut g = c.benchmark_group("time_to_error");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(3));
    g.bench_function("as_closed_form", |b| {
        b.iter(|| run(black_box(&t), &var, &Baseline::Zero, &closed()))
    });
    for &m in &PERMS {
        let opts = Options {
            method: Method::SampledShapley,
            permutations: m,
            seed: 1000,
            ..Options::default()
        };
        g.bench_with_input(BenchmarkId::new("sampled_shapley", m), &opts, |b, opts| {
            b.iter(|| run(black_box(&t), &var, &Baseline::Zero, opts))
        });
    }
    g.finish();
}

fn main() {
    let n = std::env::var("ATTRIBUTION_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(FULL_N);
    let mut c = Criterion::default().configure_from_args();
    if std::env::var_os("ATTRIBUTION_BENCH_ONLY_TTE").is_none() {
        bench_full_scale(&mut c, n);
    }
    if std::env::var_os("ATTRIBUTION_BENCH_SKIP_TTE").is_none() {
        bench_time_to_error(&mut c);
    }
    c.final_summary();
}
