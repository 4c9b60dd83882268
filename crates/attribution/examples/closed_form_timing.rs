//! Median wall time of each closed form at N = 1,671,587 (profiling aid:
//! `cargo run --release -p emergent-attribution --example closed_form_timing [N] [repeats]`).

use std::time::Instant;

use emergent_attribution::{
    AgentIds, Baseline, FeatureTable, Indicator, Method, Options, attribute,
};

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
    let (mut f, mut p, mut r) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..n {
        f.push((u().powf(-1.0 / 1.2) - 1.0).floor().min(1e7));
        let z = (-2.0 * u().ln()).sqrt() * (std::f64::consts::TAU * u()).cos();
        p.push((1.0 + 1.2 * z).exp().round());
        r.push((0.5 * (1.0 + 1.2 * z).exp() * u()).round());
    }
    FeatureTable::new(
        AgentIds::sequential(n),
        vec![
            ("followers".into(), f),
            ("posts".into(), p),
            ("replies".into(), r),
        ],
    )
    .expect("valid table")
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_671_587);
    let repeats: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(9);
    let only = args.next();
    let table = heavy_tailed(n, 7);
    let forms = [
        ("mean", "mean(posts + replies)", Baseline::Zero),
        (
            "heat",
            "mean(followers) * mean(posts) * mean(replies)",
            Baseline::Zero,
        ),
        ("var", "var(posts + replies)", Baseline::Zero),
        ("gini", "gini(posts + replies)", Baseline::Mean),
        ("meanbase", "var(posts + replies)", Baseline::Mean),
    ];
    let opts = Options {
        method: Method::ClosedForm,
        ..Options::default()
    };
    let mut total = 0.0;
    for (name, expr, base) in &forms {
        if only.as_deref().is_some_and(|o| o != *name) {
            continue;
        }
        let ind = Indicator::parse(expr).expect("valid indicator");
        let mut times: Vec<f64> = (0..repeats)
            .map(|_| {
                let t = Instant::now();
                let a = attribute(&table, &ind, base, &opts).expect("attribution");
                std::hint::black_box(&a);
                let s = t.elapsed().as_secs_f64();
                drop(a);
                s
            })
            .collect();
        times.sort_by(f64::total_cmp);
        let med = times[repeats / 2];
        total += med;
        println!("{name:5} {:8.3} ms", med * 1e3);
    }
    println!("all   {:8.3} ms", total * 1e3);
}
