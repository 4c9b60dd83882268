//! `emergent attribute` end to end: the real binary on small tables, good and bad.

mod common;
use common::*;

use std::path::{Path, PathBuf};

use emergent_io::{IdColumn, read_table};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const SIX: &str = "agent_id,followers,posts,replies\n11,10,3,1\n12,250,0.5,2\n13,3,12,0\n14,41,7.25,5.5\n15,0,1,0.25\n16,7,4,3\n";

#[test]
fn json_summary_and_round_trip_exact_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "six.csv", SIX);
    let csv = dir.path().join("phi.csv");
    let pq = dir.path().join("phi.parquet");
    let text = ok(&[
        "attribute",
        "--features",
        f.to_str().unwrap(),
        "--indicator",
        "var(posts + replies)",
        "--out",
        csv.to_str().unwrap(),
        "--json",
    ]);
    let j: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(j["method"], "closed-form");
    assert_eq!(j["n_agents"], 6);
    let want = 19.88888888888889;
    assert!((j["value"].as_f64().unwrap() - want).abs() < 1e-12);
    assert!((j["sum_phi"].as_f64().unwrap() - want).abs() < 1e-12);
    assert!(j["completeness_gap"].as_f64().unwrap() < 1e-12);
    assert_eq!(j["tiers"].as_array().unwrap().len(), 3);
    let repeated = ok(&[
        "attribute",
        "--features",
        f.to_str().unwrap(),
        "--indicator",
        "var(posts + replies)",
        "--out",
        pq.to_str().unwrap(),
        "--json",
        "--repeat",
        "3",
    ]);
    // --repeat times every run and reports the median; the outputs are the same numbers.
    let r: serde_json::Value = serde_json::from_str(&repeated).unwrap();
    let all: Vec<f64> = r["seconds_all"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(all.len(), 3);
    let mut sorted = all.clone();
    sorted.sort_by(f64::total_cmp);
    assert_eq!(r["seconds"].as_f64().unwrap(), sorted[1]);
    assert_eq!(r["value"], j["value"]);
    // CSV floats are printed round-trip exact: the CSV and the Parquet hold identical bits.
    let a = read_table(&csv, &IdColumn::Default).unwrap();
    let b = read_table(&pq, &IdColumn::Default).unwrap();
    assert_eq!(a.column_names(), ["phi", "phi_posts", "phi_replies"]);
    assert_eq!(a.ids(), b.ids());
    for c in a.column_names() {
        let (x, y) = (a.column(c).unwrap(), b.column(c).unwrap());
        assert!(
            x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits()),
            "{c}"
        );
    }
    let header = std::fs::read_to_string(&csv).unwrap();
    assert!(header.starts_with("agent_id,phi,phi_posts,phi_replies\n11,"));
    // Agent 13 (row 3): φ = 10.8333… (see the math notes' reference vectors).
    assert!((a.column("phi").unwrap()[2] - 10.833333333333336).abs() < 1e-12);
}

#[test]
fn human_summary_names_the_method_gap_and_tiers() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "six.csv", SIX);
    let s = ok(&[
        "attribute",
        "--features",
        f.to_str().unwrap(),
        "--indicator",
        "mean(log1p(followers)) * std(posts)",
        "--tol",
        "1e-10",
    ]);
    assert!(s.contains("method            quadrature, K = "), "{s}");
    assert!(s.contains("tier shares (ranked by followers)"), "{s}");
    let s = ok(&[
        "attribute",
        "--features",
        f.to_str().unwrap(),
        "--indicator",
        "var(posts)",
        "--method",
        "exact-shapley",
    ]);
    assert!(s.contains("exact-shapley"), "{s}");
    // 15.7447916… from the reference vectors.
    assert!(s.contains("sum of phi        15.74479166666666"), "{s}");
}

#[test]
fn parquet_input_with_text_ids_and_a_baseline_table() {
    let dir = tempfile::tempdir().unwrap();
    let base_csv = write(
        dir.path(),
        "base.csv",
        "did,posts\ndid:b,1\ndid:a,2\ndid:c,0\n",
    );
    let feats = write(
        dir.path(),
        "f.csv",
        "did,posts\ndid:a,4\ndid:b,1\ndid:c,3\n",
    );
    let pq = dir.path().join("f.parquet");
    // Convert the features to Parquet through the binary's own writer: attribute a sum with
    // the zero baseline, whose per-agent φ is the column itself.
    ok(&[
        "attribute",
        "--features",
        feats.to_str().unwrap(),
        "--id-col",
        "did",
        "--indicator",
        "sum(posts)",
        "--out",
        pq.to_str().unwrap(),
    ]);
    let t = read_table(&pq, &IdColumn::Named("did".into())).unwrap();
    assert_eq!(t.column("phi").unwrap(), [4.0, 1.0, 3.0]);
    let j = ok(&[
        "attribute",
        "--features",
        feats.to_str().unwrap(),
        "--id-col",
        "did",
        "--indicator",
        "sum(posts)",
        "--baseline",
        base_csv.to_str().unwrap(),
        "--json",
    ]);
    let j: serde_json::Value = serde_json::from_str(&j).unwrap();
    // Baseline rows are matched by id, not position: Δ = (4−2) + (1−1) + (3−0) = 5.
    assert_eq!(j["sum_phi"].as_f64().unwrap(), 5.0);
}

#[test]
fn every_bad_input_gets_a_clear_error_and_leaves_earlier_outputs_alone() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = write(d, "good.csv", SIX);
    let out = write(d, "phi.csv", "earlier output\n");
    let g = good.to_str().unwrap();
    let o = out.to_str().unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "--features".into(),
                d.join("missing.csv").to_str().unwrap().into(),
                "--indicator".into(),
                "mean(posts)".into(),
            ],
            "missing.csv: No such file",
        ),
        (
            vec![
                "--features".into(),
                write(d, "ragged.csv", "agent_id,posts\n1,2\n2,3,4\n")
                    .to_str()
                    .unwrap()
                    .into(),
                "--indicator".into(),
                "mean(posts)".into(),
            ],
            "ragged.csv: line 3: 3 fields where the header has 2",
        ),
        (
            vec![
                "--features".into(),
                write(d, "bad.parquet", "not parquet at all")
                    .to_str()
                    .unwrap()
                    .into(),
                "--indicator".into(),
                "mean(posts)".into(),
            ],
            "bad.parquet: not a readable Parquet file",
        ),
        (
            vec![
                "--features".into(),
                g.into(),
                "--indicator".into(),
                "mean(likes)".into(),
            ],
            "unknown column `likes`; available columns: followers, posts, replies",
        ),
        (
            vec![
                "--features".into(),
                write(d, "text.csv", "agent_id,posts\n1,2\n2,many\n")
                    .to_str()
                    .unwrap()
                    .into(),
                "--indicator".into(),
                "mean(posts)".into(),
            ],
            "text.csv: row 2 (line 3), column `posts`: `many` is not a number",
        ),
        (
            vec![
                "--features".into(),
                write(d, "nan.csv", "agent_id,posts\n1,2\n2,3\n3,NaN\n")
                    .to_str()
                    .unwrap()
                    .into(),
                "--indicator".into(),
                "mean(posts)".into(),
            ],
            "nan.csv: row 3 (line 4), column `posts`: NaN is not a finite number",
        ),
        (
            vec![
                "--features".into(),
                write(d, "inf.csv", "agent_id,posts\n1,inf\n")
                    .to_str()
                    .unwrap()
                    .into(),
                "--indicator".into(),
                "mean(posts)".into(),
            ],
            "row 1 (line 2), column `posts`: inf is not a finite number",
        ),
        (
            vec![
                "--features".into(),
                write(d, "dup.csv", "agent_id,posts\n1,2\n2,3\n1,4\n")
                    .to_str()
                    .unwrap()
                    .into(),
                "--indicator".into(),
                "mean(posts)".into(),
            ],
            "agent id `1` appears twice (row 1 (line 2) and row 3 (line 4))",
        ),
        (
            vec![
                "--features".into(),
                write(d, "empty.csv", "agent_id,posts\n")
                    .to_str()
                    .unwrap()
                    .into(),
                "--indicator".into(),
                "mean(posts)".into(),
            ],
            "empty.csv: the table has no data rows",
        ),
        (
            vec![
                "--features".into(),
                write(d, "blank.csv", "").to_str().unwrap().into(),
                "--indicator".into(),
                "mean(posts)".into(),
            ],
            "blank.csv: the file is empty",
        ),
        (
            vec![
                "--features".into(),
                g.into(),
                "--indicator".into(),
                "var(posts + * replies)".into(),
            ],
            "column 13: unexpected `*`: expected a number, a column or a function\n  var(posts + * replies)\n              ^",
        ),
        (
            vec![
                "--features".into(),
                g.into(),
                "--indicator".into(),
                "median(posts)".into(),
            ],
            "unknown function `median`",
        ),
        (
            vec![
                "--features".into(),
                g.into(),
                "--indicator".into(),
                "mean(posts)".into(),
                "--baseline".into(),
                write(
                    d,
                    "otherids.csv",
                    "agent_id,posts\n11,1\n12,1\n13,1\n14,1\n15,1\n99,1\n",
                )
                .to_str()
                .unwrap()
                .into(),
            ],
            "agent `16` (row 5) is not in the baseline",
        ),
        (
            vec![
                "--features".into(),
                write(
                    d,
                    "big.csv",
                    &format!(
                        "agent_id,posts\n{}",
                        (0..21).map(|i| format!("{i},{i}\n")).collect::<String>()
                    ),
                )
                .to_str()
                .unwrap()
                .into(),
                "--indicator".into(),
                "var(posts)".into(),
                "--method".into(),
                "exact-shapley".into(),
            ],
            "N = 21 is more than the limit of 20 agents",
        ),
        (
            vec![
                "--features".into(),
                g.into(),
                "--indicator".into(),
                "gini(posts + replies)".into(),
            ],
            "Use `--baseline mean`",
        ),
        (
            vec![
                "--features".into(),
                g.into(),
                "--indicator".into(),
                "mean(posts)".into(),
                "--tiers".into(),
                "0.5,0.1".into(),
            ],
            "--tiers takes increasing fractions",
        ),
    ];
    for (mut args, want) in cases {
        args.insert(0, "attribute".into());
        // --force: overwriting an existing output is allowed, yet a failure must not touch it.
        args.extend(["--out".to_string(), o.to_string(), "--force".to_string()]);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let err = fails(&refs);
        assert!(
            err.contains(want),
            "{args:?}\nwanted: {want}\n   got: {err}"
        );
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            "earlier output\n",
            "{args:?} touched the earlier output"
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary files left behind: {leftovers:?}"
    );
}
