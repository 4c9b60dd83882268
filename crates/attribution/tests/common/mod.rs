#![allow(dead_code)]
use emergent_attribution::{
    AgentIds, Attribution, Baseline, FeatureTable, Indicator, Method, Options, attribute,
};

pub fn table(cols: &[(&str, Vec<f64>)]) -> FeatureTable {
    let n = cols[0].1.len();
    FeatureTable::new(
        AgentIds::sequential(n),
        cols.iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
    .unwrap()
}

pub fn run(t: &FeatureTable, expr: &str, base: &Baseline, method: Method) -> Attribution {
    let opts = Options {
        method,
        ..Options::default()
    };
    attribute(t, &Indicator::parse(expr).unwrap(), base, &opts)
        .unwrap_or_else(|e| panic!("{expr}: {e}"))
}

pub fn max_rel_diff(a: &[f64], b: &[f64]) -> f64 {
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
        / scale
}

/// A heavy-tailed table (Pareto-ish followers, lognormal-ish activity) from a tiny LCG.
pub fn heavy_tailed(n: usize, seed: u64) -> FeatureTable {
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
    table(&[
        ("followers", followers),
        ("posts", posts),
        ("replies", replies),
    ])
}
