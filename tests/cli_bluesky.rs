//! `emergent synth bluesky` and `emergent import bluesky` end to end: the real binary, a
//! synthetic capture imported back, windows, topics, and a truncated file.

mod common;
use common::*;

use std::path::Path;

use emergent_io::{IdColumn, read_table};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn synth_then_import_reports_the_same_counts() {
    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("cap.jsonl.zst");
    let out = dir.path().join("imported");
    let synth: serde_json::Value = serde_json::from_str(&ok(&[
        "synth",
        "bluesky",
        "--users",
        "800",
        "--days",
        "2",
        "--out",
        s(&cap),
        "--seed",
        "11",
        "--json",
    ]))
    .unwrap();
    assert_eq!(synth["users"], 800);
    assert!(synth["events"].as_u64().unwrap() > 2000);
    let report: serde_json::Value = serde_json::from_str(&ok(&[
        "import",
        "bluesky",
        s(&cap),
        "--out",
        s(&out),
        "--json",
    ]))
    .unwrap();
    assert_eq!(report["counts"], synth["counts"]);
    assert_eq!(report["users_active"], synth["users_active"]);
    assert_eq!(report["follow_edges"], synth["follow_edges"]);
    assert_eq!(report["malformed"], 0);
    // The files: one row per active user, DIDs as ids; import.json equals what was printed.
    let table = read_table(&out.join("features.parquet"), &IdColumn::Default).unwrap();
    assert_eq!(table.len() as u64, synth["users_active"].as_u64().unwrap());
    assert_eq!(
        table.column_names()[..3],
        ["followers", "following", "posts"]
    );
    assert!(table.ids().label(0).starts_with("did:plc:"));
    let on_disk: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("import.json")).unwrap()).unwrap();
    assert_eq!(on_disk, report);
    assert!(out.join("follows.parquet").exists());

    // The human summary names the counts and the files. The folder holds the first import,
    // so replacing it takes --force.
    let err = fails(&["import", "bluesky", s(&cap), "--out", s(&out)]);
    assert!(
        err.contains("not empty") && err.contains("--force"),
        "{err}"
    );
    let text = ok(&["import", "bluesky", s(&cap), "--out", s(&out), "--force"]);
    assert!(
        text.contains(&format!("imported {} events", synth["counts"]["events"])),
        "{text}"
    );
    assert!(
        text.contains("features.parquet") && text.contains("import.json"),
        "{text}"
    );
    let text = ok(&[
        "synth",
        "bluesky",
        "--users",
        "800",
        "--days",
        "2",
        "--out",
        s(&dir.path().join("again.jsonl.zst")),
        "--seed",
        "11",
    ]);
    assert!(
        text.contains(&format!("wrote {} events", synth["events"])),
        "{text}"
    );
}

#[test]
fn windows_in_rfc3339_or_microseconds_and_topics() {
    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("cap.jsonl");
    ok(&[
        "synth",
        "bluesky",
        "--users",
        "300",
        "--days",
        "2",
        "--out",
        s(&cap),
        "--seed",
        "2",
        "--start",
        "2024-11-01T00:00:00Z",
    ]);
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    let ra: serde_json::Value = serde_json::from_str(&ok(&[
        "import",
        "bluesky",
        s(&cap),
        "--out",
        s(&a),
        "--since",
        "2024-11-01T12:00:00Z",
        "--until",
        "2024-11-02T00:00:00+00:00",
        "--topic",
        "climate=climate,#climate",
        "--topic",
        "art=#art",
        "--json",
    ]))
    .unwrap();
    let rb: serde_json::Value = serde_json::from_str(&ok(&[
        "import",
        "bluesky",
        s(&cap),
        "--out",
        s(&b),
        "--since",
        "1730462400000000",
        "--until",
        "1730505600000000",
        "--json",
    ]))
    .unwrap();
    assert_eq!(ra["counts"], rb["counts"]);
    assert!(ra["outside_window"].as_u64().unwrap() > 0);
    assert_eq!(ra["since_us"], 1_730_462_400_000_000u64);
    assert!(
        ra["covered"]["first"]
            .as_str()
            .unwrap()
            .starts_with("2024-11-01T12:")
    );
    assert_eq!(ra["topics"][0]["name"], "climate");
    assert!(ra["topics"][0]["posts"].as_u64().unwrap() > 0);
    assert!(a.join("topic_climate.parquet").exists() && a.join("topic_art.parquet").exists());
    assert!(
        fails(&[
            "import",
            "bluesky",
            s(&cap),
            "--out",
            s(&b),
            "--since",
            "yesterday"
        ])
        .contains("--since")
    );
    assert!(
        fails(&[
            "import",
            "bluesky",
            s(&cap),
            "--out",
            s(&b),
            "--topic",
            "nokeywords"
        ])
        .contains("--topic")
    );
}

#[test]
fn truncated_capture_fails_with_the_offset_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("cap.jsonl.zst");
    ok(&[
        "synth",
        "bluesky",
        "--users",
        "2000",
        "--days",
        "2",
        "--out",
        s(&cap),
        "--seed",
        "5",
    ]);
    let bytes = std::fs::read(&cap).unwrap();
    let cut = bytes.len() / 2;
    let broken = dir.path().join("broken.jsonl.zst");
    std::fs::write(&broken, &bytes[..cut]).unwrap();
    let out = dir.path().join("out");
    let err = fails(&["import", "bluesky", s(&broken), "--out", s(&out)]);
    assert!(
        err.contains(&format!("byte {cut}")) && err.contains("--allow-partial"),
        "{err}"
    );
    assert!(!out.exists());
    let r: serde_json::Value = serde_json::from_str(&ok(&[
        "import",
        "bluesky",
        s(&broken),
        "--out",
        s(&out),
        "--allow-partial",
        "--json",
    ]))
    .unwrap();
    assert_eq!(r["files"][0]["truncated_at"], cut as u64);
    assert!(out.join("features.parquet").exists());
}

#[test]
fn import_refuses_a_run_directory_its_inputs_folder_and_a_file_of_junk() {
    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("cap.jsonl");
    ok(&[
        "synth",
        "bluesky",
        "--users",
        "50",
        "--days",
        "1",
        "--out",
        s(&cap),
    ]);
    // A run directory keeps its features, with or without --force.
    let run = dir.path().join("run");
    std::fs::create_dir(&run).unwrap();
    std::fs::write(run.join("manifest.json"), b"{}").unwrap();
    std::fs::write(run.join("features.parquet"), b"the run's").unwrap();
    for force in [&[][..], &["--force"][..]] {
        let mut args = vec!["import", "bluesky", s(&cap), "--out", s(&run)];
        args.extend_from_slice(force);
        let err = fails(&args);
        assert!(
            err.contains("run directory") && err.contains("manifest.json"),
            "{err}"
        );
    }
    assert_eq!(
        std::fs::read(run.join("features.parquet")).unwrap(),
        b"the run's"
    );
    // The folder holding the capture.
    let err = fails(&[
        "import",
        "bluesky",
        s(&cap),
        "--out",
        s(dir.path()),
        "--force",
    ]);
    assert!(err.contains("is an input of this import"), "{err}");
    // Nothing but junk: an error naming the first bad line and column, and no output.
    let junk = dir.path().join("junk.jsonl");
    std::fs::write(&junk, "hello\nworld\n").unwrap();
    let out = dir.path().join("junk-out");
    let err = fails(&["import", "bluesky", s(&junk), "--out", s(&out)]);
    assert!(
        err.contains(&format!("{}:1:1: not a Jetstream event", junk.display())),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn report_on_an_import_summarises_the_capture_and_its_follow_graph() {
    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("cap.jsonl.zst");
    let out = dir.path().join("imported");
    ok(&[
        "synth",
        "bluesky",
        "--users",
        "300",
        "--days",
        "1",
        "--out",
        s(&cap),
        "--seed",
        "5",
    ]);
    let summary: serde_json::Value = serde_json::from_str(&ok(&[
        "import",
        "bluesky",
        s(&cap),
        "--out",
        s(&out),
        "--json",
    ]))
    .unwrap();
    let printed = ok(&["report", s(&out)]);
    assert!(
        printed.contains("no study yet: `emergent study --features"),
        "{printed}"
    );
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("# Import report: Bluesky capture"), "{md}");
    let (users, edges) = (&summary["users_active"], &summary["follow_edges"]);
    assert!(
        md.contains(&format!("{users} agents (rows of features.parquet)")),
        "{md}"
    );
    assert!(
        md.contains(&format!("| `users_active` | {users} |")),
        "{md}"
    );
    assert!(
        md.contains(&format!(
            "| `counts.events` | {} |",
            summary["counts"]["events"]
        )),
        "{md}"
    );
    // The follow graph's row: agents, edges, components, assortativity by followers.
    assert!(md.contains("assortativity by followers"), "{md}");
    assert!(md.contains(&format!("| {users} | {edges} |")), "{md}");
    // No ticks in a capture's import, so no time series; the study is offered as a command.
    assert!(!md.contains("## Features over time"), "{md}");
    assert!(md.contains("No study in this folder yet"), "{md}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<h2>Follow graph</h2>"), "{html}");
    assert!(!html.contains("http://") && !html.contains("https://"));
}
