//! Hand-written captures with known answers: every feature of every user, in both layouts and
//! every storage format; deletes, replies, malformed lines, windows, topics.

mod common;

use common::*;
use emergent_bluesky::{CollectionCounts, EventCounts, ImportOptions, TOPIC_COLUMNS, Topic};

fn expected_counts() -> EventCounts {
    EventCounts {
        events: 26,
        identity: 1,
        account: 1,
        unknown_kind: 1,
        other_collections: 2,
        posts: CollectionCounts {
            creates: 4,
            duplicate_creates: 0,
            updates: 1,
            deletes_matched: 2,
            deletes_unmatched: 0,
        },
        replies: 2,
        reposts: CollectionCounts {
            creates: 1,
            ..Default::default()
        },
        likes: CollectionCounts {
            creates: 3,
            duplicate_creates: 0,
            updates: 0,
            deletes_matched: 1,
            deletes_unmatched: 1,
        },
        follows: CollectionCounts {
            creates: 6,
            duplicate_creates: 1,
            updates: 0,
            deletes_matched: 1,
            deletes_unmatched: 0,
        },
    }
}

fn check_report(r: &emergent_bluesky::ImportReport) {
    assert_eq!(r.counts, expected_counts());
    assert_eq!(r.counts.commits(), 23);
    assert_eq!((r.lines, r.blank_lines, r.malformed), (30, 1, 3));
    assert_eq!(
        r.malformed_lines.iter().map(|m| m.line).collect::<Vec<_>>(),
        [23, 25, 27]
    );
    assert!(
        r.malformed_lines[2].reason.contains("time_us"),
        "{:?}",
        r.malformed_lines[2]
    );
    assert_eq!(r.outside_window, 0);
    assert_eq!((r.users_seen, r.users_active), (5, 4));
    // Live follows: A→B, A→D, B→A, C→A, B→D; D has no row, so two are not edges.
    assert_eq!(
        (r.follow_records, r.follow_edges, r.follow_records_not_edges),
        (5, 3, 2)
    );
    let covered = r.covered.as_ref().unwrap();
    assert_eq!((covered.first_us, covered.last_us), (100, 350));
}

#[test]
fn current_layout_every_feature_of_every_user() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "cap.jsonl", capture_text().as_bytes());
    let out = dir.path().join("out");
    let report = import(&[f], &out, &ImportOptions::default());
    check_report(&report);
    check_features(&out);
    // A=0, B=1, C=2, E=3: src follows dst.
    assert_eq!(read_edges(&out), [(0, 1), (1, 0), (2, 0)]);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("import.json")).unwrap()).unwrap();
    assert_eq!(json["counts"]["follows"]["duplicate_creates"], 1);
    assert_eq!(json["malformed_lines"][0]["line"], 23);
    assert_eq!(json["covered"]["first"], "1970-01-01T00:00:00.000100Z");
}

#[test]
fn older_layout_gives_the_same_answers() {
    let dir = tempfile::tempdir().unwrap();
    let text = capture_text_old_layout();
    assert!(!text.contains("\"kind\"") && !text.contains("\"operation\""));
    let f = write(dir.path(), "old.jsonl", text.as_bytes());
    let out = dir.path().join("out");
    check_report(&import(&[f], &out, &ImportOptions::default()));
    check_features(&out);
    assert_eq!(read_edges(&out), [(0, 1), (1, 0), (2, 0)]);
}

#[test]
fn gzip_and_zstd_files_and_several_files_as_one_stream() {
    let dir = tempfile::tempdir().unwrap();
    let text = capture_text();
    for (name, bytes) in [
        ("c.jsonl.gz", gzip(text.as_bytes())),
        ("c.jsonl.zst", zstd(text.as_bytes())),
    ] {
        let f = write(dir.path(), name, &bytes);
        let out = dir.path().join(format!("out-{name}"));
        check_report(&import(&[f], &out, &ImportOptions::default()));
        check_features(&out);
    }
    // The capture split across a plain and a zstd file reads as one stream; line numbers are
    // per file (the malformed lines 23, 25, 27 are lines 3, 5, 7 of the second file).
    let lines = capture_lines();
    let first = write(
        dir.path(),
        "part1.jsonl",
        (lines[..20].join("\n") + "\n").as_bytes(),
    );
    let second = write(
        dir.path(),
        "part2.jsonl.zst",
        &zstd((lines[20..].join("\n") + "\n").as_bytes()),
    );
    let out = dir.path().join("out-split");
    let r = import(&[first, second.clone()], &out, &ImportOptions::default());
    assert_eq!(r.counts, expected_counts());
    assert_eq!(
        r.malformed_lines
            .iter()
            .map(|m| (m.file.clone(), m.line))
            .collect::<Vec<_>>(),
        [(second.clone(), 3), (second.clone(), 5), (second, 7)]
    );
    assert_eq!(
        r.files.iter().map(|f| f.lines).collect::<Vec<_>>(),
        [20, 10]
    );
    check_features(&out);
}

#[test]
fn window_keeps_only_events_inside_it() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "cap.jsonl", capture_text().as_bytes());
    let out = dir.path().join("out");
    let opts = ImportOptions {
        since: Some(200),
        until: Some(300),
        ..Default::default()
    };
    let r = import(&[f], &out, &opts);
    // Lines 11–20 are in [200, 300).
    assert_eq!(r.counts.events, 10);
    assert_eq!(r.outside_window, 16);
    // The like of line 10 and the reply of line 8 were created before the window: their
    // deletes are unmatched now.
    assert_eq!(
        r.counts.likes,
        CollectionCounts {
            creates: 1,
            deletes_unmatched: 2,
            ..Default::default()
        }
    );
    assert_eq!(
        r.counts.posts,
        CollectionCounts {
            creates: 1,
            deletes_matched: 1,
            deletes_unmatched: 1,
            ..Default::default()
        }
    );
    assert_eq!(
        r.counts.follows,
        CollectionCounts {
            deletes_unmatched: 1,
            ..Default::default()
        }
    );
    assert_eq!((r.since_us, r.until_us), (Some(200), Some(300)));
    let got = read_features(&out);
    let want: Vec<(String, Vec<i64>)> = [
        (B, vec![0, 0, 0, 0, 1, 0, 0, 0, 1, 200, 290]),
        (A, vec![0, 0, 0, 0, 0, 1, 0, 1, 0, 210, 240]),
        (C, vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 230, 270]),
        (E, vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 280, 280]),
    ]
    .into_iter()
    .map(|(d, v)| (d.to_string(), v))
    .collect();
    assert_eq!(got, want);
    assert!(read_edges(&out).is_empty());
}

#[test]
fn topics_count_their_posts_and_the_engagement_they_drew() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "cap.jsonl", capture_text().as_bytes());
    let out = dir.path().join("out");
    let opts = ImportOptions {
        topics: vec![
            Topic::parse("climate=climate").unwrap(),
            Topic::parse("cats=#cats,kitten").unwrap(),
        ],
        ..Default::default()
    };
    let r = import(&[f], &out, &opts);
    assert_eq!(r.topics.len(), 2);
    assert_eq!(
        (
            r.topics[0].posts,
            r.topics[0].replies,
            r.topics[0].users_engaged
        ),
        (1, 0, 3)
    );
    assert_eq!(r.topics[1].users_engaged, 0);
    check_features(&out);
    let climate = read_rows(&out.join("topic_climate.parquet"), &TOPIC_COLUMNS);
    // posts replies reposts likes replies_received reposts_received likes_received
    // A's post is on topic. B's reply ("nice") is not, but it answers a topic post: A receives
    // it. C's topic reply is deleted, undoing C's topic reply and A's receipt; B's topic like
    // is deleted too. C's like and B's repost stand.
    let want: Vec<(String, Vec<i64>)> = [
        (A, vec![1, 0, 0, 0, 1, 1, 1]),
        (B, vec![0, 0, 1, 0, 0, 0, 0]),
        (C, vec![0, 0, 0, 1, 0, 0, 0]),
        (E, vec![0, 0, 0, 0, 0, 0, 0]),
    ]
    .into_iter()
    .map(|(d, v)| (d.to_string(), v))
    .collect();
    assert_eq!(climate, want);
    let cats = read_rows(&out.join("topic_cats.parquet"), &TOPIC_COLUMNS);
    assert!(cats.iter().all(|(_, v)| v.iter().all(|&x| x == 0)) && cats.len() == 4);
}
