//! `emergent import oasis` end to end: a database made by OASIS's own schema SQL, imported,
//! then attributed (final features, and the change since the first timestep through
//! `ticks.parquet`), studied and reported with the commands a run directory uses.

mod common;
use common::*;

#[path = "../crates/oasis/tests/common/mod.rs"]
mod platform;

use std::path::Path;

use emergent_io::{IdColumn, read_table};
use platform::Platform;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

const USERS: i64 = 40;

/// Four timesteps of a small Twitter-clock simulation: everyone posts at step 0; agent u
/// then likes, reposts or comments on posts of a few others, the popular agent 0 most.
fn simulate(db: &Path) -> Platform {
    let mut p = Platform::create(db, false);
    let mut posts = Vec::new();
    for u in 0..USERS {
        p.sign_up(u);
        posts.push(p.create_post(u, "opening take"));
    }
    for u in 1..USERS {
        p.follow(u, 0);
    }
    for step in 1..4 {
        p.next_step();
        for u in 0..USERS {
            let target = if u % 3 == 0 {
                0
            } else {
                (u * step + 1) % USERS
            };
            if target == u {
                p.do_nothing(u);
                continue;
            }
            match (u + step) % 3 {
                0 => p.like(u, posts[target as usize]),
                1 => {
                    p.repost(u, posts[target as usize]);
                }
                _ => {
                    p.comment(u, posts[target as usize], "hm");
                }
            }
        }
    }
    p
}

#[test]
fn import_then_attribute_study_and_report_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sim.db");
    let p = simulate(&db);
    drop(p.conn);
    let out = dir.path().join("oasis");

    let summary: serde_json::Value = serde_json::from_str(&ok(&[
        "import",
        "oasis",
        s(&db),
        "--out",
        s(&out),
        "--json",
    ]))
    .unwrap();
    assert_eq!(summary["agents"], USERS);
    assert_eq!(summary["clock"], "timesteps");
    assert_eq!(summary["ticks"]["first"], 0);
    assert_eq!(summary["ticks"]["last"], 3);
    assert_eq!(summary["counts"]["follow_edges"], USERS - 1);
    let table = read_table(&out.join("features.parquet"), &IdColumn::Default).unwrap();
    for u in 0..USERS {
        for (name, want) in &p.expected[&u] {
            assert_eq!(
                table.column(name).unwrap()[u as usize],
                *want as f64,
                "{u} {name}"
            );
        }
    }

    // Static attribution over the final features: complete (Σφ = f(x) − f(x′)).
    let a: serde_json::Value = serde_json::from_str(&ok(&[
        "attribute",
        "--features",
        s(&out.join("features.parquet")),
        "--indicator",
        "gini(likes_received + reposts_received + replies_received)",
        "--baseline",
        "mean",
        "--tier-by",
        "followers",
        "--json",
    ]))
    .unwrap();
    assert_eq!(a["n_agents"], USERS);
    let value = a["value"].as_f64().unwrap();
    assert!(
        value > 0.3,
        "engagement is concentrated on agent 0: gini {value}"
    );
    assert!(a["completeness_gap"].as_f64().unwrap().abs() < 1e-9, "{a}");

    // The change since the first timestep: the folder's ticks.parquet is the `initial`
    // baseline, read by the same code as a run directory's.
    let phi = dir.path().join("phi.csv");
    let b: serde_json::Value = serde_json::from_str(&ok(&[
        "attribute",
        "--features",
        s(&out),
        "--indicator",
        "mean(likes_received)",
        "--baseline",
        "initial",
        "--out",
        s(&phi),
        "--json",
    ]))
    .unwrap();
    let likes: f64 = (0..USERS)
        .map(|u| p.expected[&u]["likes_received"] as f64)
        .sum();
    assert!((b["value"].as_f64().unwrap() - likes / USERS as f64).abs() < 1e-12);
    assert_eq!(
        b["baseline_value"].as_f64().unwrap(),
        0.0,
        "no likes at step 0"
    );
    assert!(phi.is_file());

    // The study of a feature table: its Markdown report and numbers. Written into the
    // import's own folder, where `emergent report` finds it.
    let study = out.join("study");
    ok(&[
        "study",
        "--features",
        s(&out.join("features.parquet")),
        "--indicator",
        "gini(posts + replies + reposts)",
        "--baseline",
        "mean",
        "--panel-size",
        "10",
        "--seeds",
        "3",
        "--out",
        s(&study),
    ]);
    let md = std::fs::read_to_string(study.join("study.md")).unwrap();
    assert!(md.contains("gini(posts + replies + reposts)"), "{md}");
    assert!(study.join("study.json").is_file());

    // `emergent report` on the import: the summary, the features, the follow graph, the
    // features over time, and the study just written.
    let printed = ok(&["report", s(&out)]);
    assert!(printed.contains("report.md"), "{printed}");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("# Import report: OASIS simulation"), "{md}");
    assert!(
        md.contains(&format!("{USERS} agents (rows of features.parquet)")),
        "{md}"
    );
    assert!(
        md.contains(&format!("| `counts.follow_edges` | {} |", USERS - 1)),
        "{md}"
    );
    assert!(md.contains("| `clock` | timesteps |"), "{md}");
    // Everyone follows agent 0: one component, USERS − 1 edges.
    assert!(md.contains("## Follow graph"), "{md}");
    assert!(
        md.contains(&format!("| {USERS} | {} | 1 |", USERS - 1)),
        "{md}"
    );
    // likes_received per agent: its mean is the table's, and at tick 0 nobody had a like.
    let mean_likes = likes / USERS as f64;
    let likes_row = md
        .lines()
        .find(|l| l.starts_with("| `likes_received` |"))
        .unwrap_or_else(|| panic!("{md}"));
    let cells: Vec<&str> = likes_row.split('|').map(str::trim).collect();
    assert!(
        (cells[2].parse::<f64>().unwrap() - mean_likes).abs() < 1e-3 * mean_likes.max(1.0),
        "{likes_row} vs {mean_likes}"
    );
    assert!(md.contains("## Features over time"), "{md}");
    assert!(
        md.contains("mean at tick 0") && md.contains("mean at tick 3"),
        "{md}"
    );
    assert!(
        md.contains("gini(posts + replies + reposts)"),
        "the study: {md}"
    );
    assert!(md.contains("emergent attribute --features"), "{md}");
    assert!(out.join("plots/ticks.png").is_file() && out.join("plots/ticks.svg").is_file());
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("data:image/png;base64,"),
        "figures are inline"
    );
    assert!(!html.contains("src=\"plots/") && !html.contains("src=\"study/"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no network"
    );

    // A folder that is neither a run nor an import names both files it lacks.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let err = fails(&["report", s(&empty)]);
    assert!(
        err.contains("manifest.json") && err.contains("import.json"),
        "{err}"
    );
}

#[test]
fn a_foreign_database_names_what_is_missing_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("CREATE TABLE user (id INTEGER, email TEXT);")
        .unwrap();
    let out = dir.path().join("oasis");
    let err = fails(&["import", "oasis", s(&db), "--out", s(&out)]);
    assert!(err.contains("shop.db"), "{err}");
    assert!(
        err.contains("table `user` has no column `user_id`"),
        "{err}"
    );
    assert!(!out.exists());

    let text = dir.path().join("sim.db");
    std::fs::write(&text, "this is not a database, just text\n".repeat(100)).unwrap();
    let err = fails(&["import", "oasis", s(&text), "--out", s(&out)]);
    assert!(err.contains("not an SQLite database"), "{err}");
    assert!(!out.exists());
}
