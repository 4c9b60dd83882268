//! A table split by rows over P ranks attributes exactly as the whole table in one process:
//! the same value, Σφ, gap and tier shares, and each rank's φ equal to its rows of the
//! single-process φ, bit for bit. Ranks are threads here, talking through the same
//! `Collective` trait the CLI implements over MPI (tested end to end in `tests/cli_mpi.rs`).

use emergent_attribution::{
    AgentIds, Attribution, AttributionError, Baseline, Collective, FeatureTable, Indicator, Method,
    Options, SHARD_ALIGN, Shard, TierShare, attribute, attribute_sharded, evaluate,
    evaluate_sharded, tier_shares, tier_shares_sharded,
};
use emergent_collective::thread_ranks;

/// Run `f(rank's table, shard)` on P threads, each holding rows `edge(r)..edge(r + 1)` of
/// `table` (block-aligned as a partitioned run splits them); results in rank order.
fn on_ranks<T: Send>(
    table: &FeatureTable,
    p: usize,
    f: impl Fn(&FeatureTable, &Shard) -> T + Sync,
) -> Vec<(std::ops::Range<usize>, T)> {
    let n = table.len();
    let blocks = n.div_ceil(SHARD_ALIGN);
    let edge = |r: usize| (blocks * r / p * SHARD_ALIGN).min(n);
    std::thread::scope(|s| {
        let handles: Vec<_> = thread_ranks(p)
            .into_iter()
            .map(|rank| {
                let f = &f;
                s.spawn(move || {
                    let r = rank.rank();
                    let rows = edge(r)..edge(r + 1);
                    let local = slice(table, rows.clone());
                    let shard = Shard {
                        offset: rows.start,
                        collective: &rank,
                    };
                    (rows, f(&local, &shard))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

fn slice(table: &FeatureTable, rows: std::ops::Range<usize>) -> FeatureTable {
    let ids = AgentIds::Int(rows.clone().map(|i| i as i64).collect());
    let cols = table
        .column_names()
        .iter()
        .map(|c| (c.clone(), table.column(c).unwrap()[rows.clone()].to_vec()))
        .collect();
    FeatureTable::shard(ids, cols).unwrap()
}

/// Counts with many ties (runs of equal scores straddle rank boundaries), a stance in
/// [-1, 1], and a heavy-tailed follower count.
fn table(n: usize) -> FeatureTable {
    let mut x = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut cols: Vec<(String, Vec<f64>)> = ["posts", "replies", "stance", "followers"]
        .iter()
        .map(|c| (c.to_string(), Vec::with_capacity(n)))
        .collect();
    for i in 0..n {
        let u = next();
        cols[0].1.push((u * 4.0).floor());
        cols[1].1.push(if i % 5 == 0 {
            (next() * 30.0).floor()
        } else {
            0.0
        });
        cols[2].1.push(next() * 2.0 - 1.0);
        cols[3].1.push((1.0 / (next() + 1e-3)).floor());
    }
    FeatureTable::new(AgentIds::sequential(n), cols).unwrap()
}

fn same_attribution(whole: &Attribution, part: &Attribution, rows: &std::ops::Range<usize>) {
    assert_eq!(part.method, whole.method, "{}", whole.indicator);
    assert_eq!(part.steps, whole.steps);
    let scalars = |a: &Attribution| {
        [a.value, a.baseline_value, a.sum_phi, a.completeness_gap].map(f64::to_bits)
    };
    assert_eq!(scalars(part), scalars(whole), "{}", whole.indicator);
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(
        bits(&part.phi),
        bits(&whole.phi[rows.clone()]),
        "{} rows {rows:?}",
        whole.indicator
    );
    for (p, w) in part.phi_by_column.iter().zip(&whole.phi_by_column) {
        assert_eq!(bits(p), bits(&w[rows.clone()]));
    }
}

const CASES: [(&str, Baseline, Method); 12] = [
    ("cov(stance, posts + replies)", Baseline::Min, Method::Auto),
    ("mean(abs(stance) > 0.8)", Baseline::Zero, Method::Auto),
    (
        "sum((stance > 0) * posts) + mean(followers >= 10)",
        Baseline::Mean,
        Method::Auto,
    ),
    ("var(stance)", Baseline::Zero, Method::Auto),
    ("gini(posts + replies)", Baseline::Mean, Method::Auto),
    ("gini(posts + replies)", Baseline::Mean, Method::Quadrature),
    ("gini(posts + 1)", Baseline::Zero, Method::Quadrature),
    (
        "mean(posts) * var(stance) + sum(replies)",
        Baseline::Min,
        Method::Auto,
    ),
    (
        "ln(1 + mean(posts)) * std(stance)",
        Baseline::Mean,
        Method::Auto,
    ),
    (
        "std(posts * stance) / (1 + mean(replies))",
        Baseline::Zero,
        Method::Auto,
    ),
    (
        "gini(followers + 1) * mean(stance)",
        Baseline::Min,
        Method::Quadrature,
    ),
    (
        "sum(2 * posts - replies) * mean(stance)",
        Baseline::Min,
        Method::ClosedForm,
    ),
];

#[test]
fn every_split_attributes_as_one_process() {
    // 3 blocks and a bit: P = 2 and 3 split unevenly, P = 5 leaves a rank empty.
    let t = table(3 * SHARD_ALIGN + 517);
    let opts = |m: Method| Options {
        method: m,
        steps: 8,
        ..Options::default()
    };
    for (expr, baseline, method) in CASES {
        let ind = Indicator::parse(expr).unwrap();
        let whole = attribute(&t, &ind, &baseline, &opts(method)).unwrap();
        // 8 nodes are few for gini's kinks along a path; the point here is equality.
        assert!(
            whole.completeness_gap < 0.05,
            "{expr}: {}",
            whole.completeness_gap
        );
        let value = evaluate(&t, &ind).unwrap();
        for p in [2, 3, 5] {
            for (rows, (a, v)) in on_ranks(&t, p, |local, shard| {
                (
                    attribute_sharded(local, &ind, &baseline, &opts(method), shard).unwrap(),
                    evaluate_sharded(local, &ind, shard).unwrap(),
                )
            }) {
                same_attribution(&whole, &a, &rows);
                assert_eq!(v.to_bits(), value.to_bits(), "{expr} P={p}");
            }
        }
    }
}

#[test]
fn tier_shares_of_a_split_table_match() {
    let t = table(2 * SHARD_ALIGN + 33);
    let ind = Indicator::parse("gini(posts + replies)").unwrap();
    let whole = attribute(&t, &ind, &Baseline::Mean, &Options::default()).unwrap();
    let followers = t.column("followers").unwrap();
    let want = tier_shares(&whole.phi, followers, &[0.01, 0.1]);
    let key = |v: &[TierShare]| {
        v.iter()
            .map(|s| (s.from, s.to, s.phi_sum.to_bits(), s.share.to_bits()))
            .collect::<Vec<_>>()
    };
    for p in [2, 3, 4] {
        for (_, got) in on_ranks(&t, p, |local, shard| {
            let a = attribute_sharded(local, &ind, &Baseline::Mean, &Options::default(), shard)
                .unwrap();
            tier_shares_sharded(
                &a.phi,
                local.column("followers").unwrap(),
                &[0.01, 0.1],
                shard,
            )
            .unwrap()
        }) {
            assert_eq!(key(&got), key(&want), "P={p}");
        }
    }
}

#[test]
fn errors_are_the_same_on_every_rank() {
    let mut t = table(2 * SHARD_ALIGN + 5);
    // One negative score, on the second rank's rows.
    let mut stance = t.column("stance").unwrap().to_vec();
    let bad_row = SHARD_ALIGN + 3;
    stance.iter_mut().for_each(|v| *v = v.abs());
    stance[bad_row] = -0.5;
    let cols = t
        .column_names()
        .iter()
        .map(|c| {
            let v = if c == "stance" {
                stance.clone()
            } else {
                t.column(c).unwrap().to_vec()
            };
            (c.clone(), v)
        })
        .collect();
    t = FeatureTable::new(AgentIds::sequential(t.len()), cols).unwrap();
    let ind = Indicator::parse("gini(stance)").unwrap();
    let whole = attribute(&t, &ind, &Baseline::Mean, &Options::default()).unwrap_err();
    assert!(matches!(
        whole,
        AttributionError::GiniNegative { row, count: 1, .. } if row == bad_row
    ));
    for (_, e) in on_ranks(&t, 2, |local, shard| {
        attribute_sharded(local, &ind, &Baseline::Mean, &Options::default(), shard).unwrap_err()
    }) {
        assert_eq!(e, whole);
    }
    // Shards that do not tile the table are refused on every rank.
    for (_, e) in on_ranks(&t, 2, |local, shard| {
        let moved = Shard {
            offset: shard.offset + usize::from(shard.offset > 0),
            collective: shard.collective,
        };
        attribute_sharded(local, &ind, &Baseline::Mean, &Options::default(), &moved).unwrap_err()
    }) {
        assert!(e.to_string().contains("rank 1 holds rows"), "{e}");
    }
}

/// The scale-free moment aggregates need a per-agent baseline (at a constant one they are
/// undefined): each rank holds its rows of it, and the split attributes as one process.
#[test]
fn moment_aggregates_split_as_one_process() {
    let t = table(3 * SHARD_ALIGN + 517);
    let cols = t
        .column_names()
        .iter()
        .map(|c| {
            let v = t.column(c).unwrap();
            let b = v
                .iter()
                .enumerate()
                .map(|(i, x)| 0.5 * x + (i % 11) as f64 * 0.01);
            (c.clone(), b.collect())
        })
        .collect();
    let base = FeatureTable::new(t.ids().clone(), cols).unwrap();
    let opts = Options {
        method: Method::Auto,
        steps: 8,
        ..Options::default()
    };
    for expr in [
        "corr(stance, posts)",
        "bimodality(stance) + skew(posts) * kurt(stance)",
        "cov(stance, ln(1 + followers)) / std(posts)",
    ] {
        let ind = Indicator::parse(expr).unwrap();
        let whole = attribute(&t, &ind, &Baseline::Table(base.clone()), &opts).unwrap();
        assert!(
            whole.completeness_gap < 1e-3,
            "{expr}: {}",
            whole.completeness_gap
        );
        for p in [2, 3, 5] {
            for (rows, a) in on_ranks(&t, p, |local, shard| {
                let b = Baseline::Table(slice(&base, rows_of(local)));
                attribute_sharded(local, &ind, &b, &opts, shard).unwrap()
            }) {
                same_attribution(&whole, &a, &rows);
            }
        }
    }
}

/// The global rows a rank's slice holds (its ids are the row numbers).
fn rows_of(local: &FeatureTable) -> std::ops::Range<usize> {
    match local.ids() {
        AgentIds::Int(ids) => match (ids.first(), ids.last()) {
            (Some(&a), Some(&b)) => a as usize..b as usize + 1,
            _ => 0..0,
        },
        _ => unreachable!("sequential ids"),
    }
}
