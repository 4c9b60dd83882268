//! `write_report` on an import folder (`import.json`, no `manifest.json`): the summary, the
//! feature distributions, the follow graph and the ticks, with user strings escaped.

use emergent_attribution::AgentIds;
use emergent_io::{ParquetColumn, write_parquet_columns, write_table};
use emergent_report::write_report;

/// Four agents: 0 followed by everyone else, likes all on agent 0 at the end, ticks 0 and 1.
fn fake_import(dir: &std::path::Path) {
    let ids = AgentIds::Int(vec![0, 1, 2, 3].into());
    let likes = [6.0, 0.0, 0.0, 0.0];
    let followers = [3.0, 0.0, 0.0, 0.0];
    write_table(
        &dir.join("features.parquet"),
        "agent_id",
        &ids,
        &[
            ("likes_received".into(), &likes[..]),
            ("followers".into(), &followers[..]),
        ],
    )
    .unwrap();
    write_parquet_columns(
        &dir.join("follows.parquet"),
        vec![
            ParquetColumn::U32("src".into(), vec![1, 2, 3]),
            ParquetColumn::U32("dst".into(), vec![0, 0, 0]),
        ],
    )
    .unwrap();
    write_parquet_columns(
        &dir.join("ticks.parquet"),
        vec![
            ParquetColumn::U32("tick".into(), vec![0, 0, 0, 0, 1, 1, 1, 1]),
            ParquetColumn::I64("agent_id".into(), vec![0, 1, 2, 3, 0, 1, 2, 3]),
            ParquetColumn::F64(
                "likes_received".into(),
                vec![0.0; 4].into_iter().chain(likes).collect(),
            ),
            ParquetColumn::F64(
                "followers".into(),
                followers.iter().chain(&followers).copied().collect(),
            ),
        ],
    )
    .unwrap();
    let summary = serde_json::json!({
        "database": "/data/<script>alert(1)</script>.db",
        "absent_tables": ["report"],
        "clock": "timesteps",
        "counts": {"users": 4, "likes": 6, "follow_edges": 3},
        "agents": 4,
        "ticks": {"first": 0, "last": 1, "ticks": 2},
        "no_ticks_because": null,
        "files": ["features.parquet", "follows.parquet", "ticks.parquet", "import.json"],
    });
    std::fs::write(dir.join("import.json"), summary.to_string()).unwrap();
}

#[test]
fn an_import_folder_gets_its_summary_features_graph_and_ticks() {
    let dir = tempfile::tempdir().unwrap();
    fake_import(dir.path());
    let files = write_report(dir.path()).unwrap();
    assert!(files.import && !files.with_study);
    let md = std::fs::read_to_string(&files.markdown).unwrap();
    for needle in [
        "# Import report: OASIS simulation\n",
        "4 agents (rows of features.parquet) with 2 features.",
        "| `counts.likes` | 6 |",
        "| `absent_tables` | report |",
        "| `no_ticks_because` | — |",
        // mean 1.5, max 6, Gini of (6, 0, 0, 0) = 0.75 (population sd √6.75 = 2.598).
        "| `likes_received` | 1.500 | 2.598 | 6.000 | 0.7500 |",
        // One component of 4 agents and 3 edges; agent 0's followers (3) vs the followers' (0).
        "| 4 | 3 | 1 |",
        "| `likes_received` | 0 | 1.500 |",
        "No study in this folder yet",
    ] {
        assert!(md.contains(needle), "missing {needle:?} in\n{md}");
    }
    let html = std::fs::read_to_string(&files.html).unwrap();
    assert!(!html.contains("<script>"), "user strings are escaped");
    assert!(html.contains("&lt;script&gt;"));
    assert_eq!(html.matches("src=\"data:image/png;base64,").count(), 1);
    assert!(dir.path().join("plots/ticks.png").is_file());
}

#[test]
fn a_folder_that_is_neither_names_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let e = write_report(dir.path()).expect_err("empty").to_string();
    assert!(
        e.contains("manifest.json") && e.contains("import.json"),
        "{e}"
    );
    assert!(!dir.path().join("report.md").exists());
    // import.json without its tables names the missing table.
    std::fs::write(dir.path().join("import.json"), "{\"clock\": \"timesteps\"}").unwrap();
    let e = write_report(dir.path())
        .expect_err("no features")
        .to_string();
    assert!(
        e.contains("features.parquet") && e.contains("not found"),
        "{e}"
    );
}
