//! The importer on databases made by OASIS's own schema SQL with realistic rows: exact
//! features per agent (scripted agents by hand, the rest against an oracle booked as the
//! rows were written), the follow edges, the ticks, and refusals that write nothing.

mod common;

use std::fs::File;
use std::path::Path;

use arrow_array::{Array, Float64Array, Int64Array, UInt32Array};
use common::{Features, Platform};
use emergent_io::{IdColumn, first_tick_features, read_table};
use emergent_oasis::{Clock, ImportOptions, OasisError, all_columns, import_oasis, read_oasis};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

const USERS: i64 = 36;
const STEPS: i64 = 5;

/// Agents 0–3 act by hand (their expected features are written out below); agents 4–35 act
/// by a fixed pseudo-random schedule among themselves, one action per step each.
fn simulate(p: &mut Platform) {
    for u in 0..USERS {
        p.sign_up(u);
    }
    // Step 0.
    let a = p.create_post(0, "hello world");
    let b = p.create_post(1, "a second opinion");
    p.follow(1, 0);
    p.follow(2, 0);
    p.follow(3, 0);
    p.follow(0, 1);
    let mut crowd_posts = Vec::new();
    crowd(p, &mut crowd_posts);
    p.next_step();
    // Step 1.
    p.like(2, a);
    p.like(3, a);
    p.repost(1, a);
    p.quote(2, a, "agreed");
    let c = p.comment(3, a, "why?");
    p.like_comment(0, c);
    p.refresh(0, &[a, b]);
    crowd(p, &mut crowd_posts);
    p.next_step();
    // Step 2.
    p.unlike(3, a);
    p.dislike(2, b);
    p.report(3, b, "spam");
    p.mute(1, 3);
    p.unfollow(2, 0);
    p.do_nothing(3);
    crowd(p, &mut crowd_posts);
    for _ in 3..STEPS {
        p.next_step();
        crowd(p, &mut crowd_posts);
    }
}

/// One step of agents 4–35, over their own posts (`posts`, in creation order).
fn crowd(p: &mut Platform, posts: &mut Vec<(i64, i64)>) {
    let step = p.step;
    for u in 4..USERS {
        let h = (u * 7919 + step * 104_729 + posts.len() as i64 * 31) % 97;
        let others: Vec<i64> = posts
            .iter()
            .filter(|(_, a)| *a != u)
            .map(|(id, _)| *id)
            .collect();
        let pick = |k: i64| others[(k as usize) % others.len()];
        match h % 9 {
            _ if others.is_empty() => posts.push((p.create_post(u, "first"), u)),
            0 | 1 => posts.push((p.create_post(u, "a take"), u)),
            2 => {
                let post = pick(h);
                let liked: i64 = p
                    .conn
                    .query_row(
                        "SELECT count(*) FROM 'like' WHERE post_id = ? AND user_id = ?",
                        [post, u],
                        |r| r.get(0),
                    )
                    .unwrap();
                if liked == 0 {
                    p.like(u, post);
                } else {
                    p.do_nothing(u);
                }
            }
            3 => {
                let id = p.repost(u, pick(h));
                posts.push((id, u));
            }
            4 => {
                let id = p.quote(u, pick(h), "see this");
                posts.push((id, u));
            }
            5 => {
                let c = p.comment(u, pick(h), "reply");
                if h % 2 == 0 {
                    let liker = 4 + (u + 1 - 4) % (USERS - 4);
                    p.like_comment(liker, c);
                } else {
                    let disliker = 4 + (u + 3 - 4) % (USERS - 4);
                    p.dislike_comment(disliker, c);
                }
            }
            6 => {
                let followee = 4 + (u + step + 1 - 4) % (USERS - 4);
                let already: i64 = p
                    .conn
                    .query_row(
                        "SELECT count(*) FROM follow WHERE follower_id = ? AND followee_id = ?",
                        [u, followee],
                        |r| r.get(0),
                    )
                    .unwrap();
                if followee != u && already == 0 {
                    p.follow(u, followee);
                } else {
                    p.do_nothing(u);
                }
            }
            7 => {
                let shown: Vec<i64> = (0..1 + h % 3).map(|k| pick(h + k)).collect();
                p.refresh(u, &shown);
            }
            _ => p.dislike(u, pick(h)),
        }
    }
}

fn database(dir: &Path, datetimes: bool) -> (std::path::PathBuf, Platform) {
    let db = dir.join("sim.db");
    let mut p = Platform::create(&db, datetimes);
    simulate(&mut p);
    (db, p)
}

fn features_of(p: &Platform, user: i64) -> &Features {
    &p.expected[&user]
}

/// The scripted agents' final features, written out by hand from `simulate`.
fn hand_expected(user: i64) -> Vec<(&'static str, i64)> {
    match user {
        // Followed by 1 and 3 (2 unfollowed); follows 1; post A liked by 2 (3 unliked),
        // reposted by 1, quoted by 2, commented by 3; liked 3's comment; shown 2 posts.
        0 => vec![
            ("followers", 2),
            ("following", 1),
            ("posts", 1),
            ("likes_given", 1),
            ("likes_received", 1),
            ("replies_received", 1),
            ("reposts_received", 1),
            ("quotes_received", 1),
            ("exposures", 2),
            ("actions", 4),
        ],
        1 => vec![
            ("followers", 1),
            ("following", 1),
            ("posts", 1),
            ("reposts", 1),
            ("dislikes_received", 1),
            ("reports_received", 1),
            ("mutes_given", 1),
            ("actions", 4),
        ],
        2 => vec![
            ("quotes", 1),
            ("likes_given", 1),
            ("dislikes_given", 1),
            ("actions", 5),
        ],
        3 => vec![
            ("following", 1),
            ("replies", 1),
            ("likes_received", 1),
            ("reports_given", 1),
            ("mutes_received", 1),
            ("actions", 6),
        ],
        _ => unreachable!(),
    }
}

#[test]
fn features_follows_and_ticks_are_exact() {
    let dir = tempfile::tempdir().unwrap();
    let (db, p) = database(dir.path(), false);
    let out = dir.path().join("imported");
    let summary = import_oasis(&db, &out, &ImportOptions::default()).unwrap();

    assert_eq!(summary.clock, Clock::Timesteps);
    assert_eq!(summary.agents, USERS as u64);
    assert_eq!(summary.absent_tables, Vec::<String>::new());
    assert_eq!(summary.counts.dangling, 0);
    assert_eq!(summary.counts.reports, 1);
    let span = summary.ticks.clone().unwrap();
    assert_eq!(
        (span.first, span.last, span.ticks),
        (0, STEPS as u32 - 1, STEPS as u64)
    );
    assert_eq!(
        summary.files,
        [
            "features.parquet",
            "follows.parquet",
            "ticks.parquet",
            "import.json"
        ]
    );

    // Every agent's every feature equals the oracle; the scripted ones also the hand count.
    let table = read_table(&out.join("features.parquet"), &IdColumn::Default).unwrap();
    assert_eq!(table.column_names(), all_columns());
    assert_eq!(table.len(), USERS as usize);
    for u in 0..USERS {
        assert_eq!(table.ids().label(u as usize), u.to_string());
        for (name, want) in features_of(&p, u) {
            let got = table.column(name).unwrap()[u as usize];
            assert_eq!(got, *want as f64, "agent {u}, feature {name}");
        }
    }
    for u in 0..4 {
        let hand = hand_expected(u);
        for name in all_columns() {
            let want = hand.iter().find(|(n, _)| *n == name).map_or(0, |(_, v)| *v);
            assert_eq!(
                table.column(name).unwrap()[u as usize],
                want as f64,
                "agent {u}, {name}"
            );
        }
    }
    // The crowd exercised every kind of record.
    for name in all_columns() {
        let total: f64 = table.column(name).unwrap()[4..].iter().sum();
        let scripted_only = [
            "reports_given",
            "reports_received",
            "mutes_given",
            "mutes_received",
        ];
        assert!(
            total > 0.0 || scripted_only.contains(&name),
            "crowd never produced {name}"
        );
    }

    // Follows: the scripted edges, and as many edges as the oracle's followings.
    let edges = read_edges(&out.join("follows.parquet"));
    for e in [(0, 1), (1, 0), (3, 0)] {
        assert!(edges.contains(&e), "missing edge {e:?}");
    }
    assert!(!edges.contains(&(2, 0)), "2 unfollowed 0");
    let followings: i64 = (0..USERS).map(|u| features_of(&p, u)["following"]).sum();
    assert_eq!(edges.len() as i64, followings);
    assert!(edges.windows(2).all(|w| w[0] < w[1]) && edges.iter().all(|(s, d)| s != d));

    // Ticks: the run directory's schema; cumulative; the last tick is the features.
    let ticks = read_ticks(&out.join("ticks.parquet"));
    assert_eq!(ticks.len(), STEPS as usize * USERS as usize);
    let at = |tick: u32, user: i64, name: &str| {
        let k = all_columns().iter().position(|c| *c == name).unwrap();
        let row = ticks.iter().find(|r| r.0 == tick && r.1 == user).unwrap();
        row.2[k]
    };
    for u in 0..USERS {
        for (k, name) in all_columns().iter().enumerate() {
            assert_eq!(
                at(STEPS as u32 - 1, u, name),
                table.column(name).unwrap()[u as usize]
            );
            for t in 1..STEPS as u32 {
                assert!(
                    at(t, u, name) >= at(t - 1, u, name),
                    "{name} of {u} fell at {t} ({k})"
                );
            }
        }
    }
    // Agent 0 after step 0: followed by 1 and 3 (2's follow was later deleted), one post,
    // two actions; after step 1 its post drew a like, a reply, a repost and a quote.
    assert_eq!(
        [
            at(0, 0, "followers"),
            at(0, 0, "posts"),
            at(0, 0, "actions"),
            at(0, 0, "exposures")
        ],
        [2.0, 1.0, 2.0, 0.0]
    );
    assert_eq!(
        [
            at(1, 0, "likes_received"),
            at(1, 0, "replies_received"),
            at(1, 0, "reposts_received"),
            at(1, 0, "quotes_received"),
            at(1, 0, "exposures"),
            at(1, 0, "actions")
        ],
        [1.0, 1.0, 1.0, 1.0, 2.0, 4.0]
    );
    // Agent 3 liked at step 1 and unliked at step 2: OASIS deleted the like row, so no tick
    // counts it; the trace keeps both actions.
    assert_eq!([at(1, 3, "likes_given"), at(1, 3, "actions")], [0.0, 3.0]);

    // emergent's own reader of a run's first tick reads it (the `initial` baseline).
    let first = first_tick_features(&out.join("ticks.parquet")).unwrap();
    assert_eq!(first.tick, Some(0));
    assert_eq!(first.table.column("posts").unwrap()[0], 1.0);

    // import.json is the summary.
    let json: emergent_oasis::Summary =
        serde_json::from_slice(&std::fs::read(out.join("import.json")).unwrap()).unwrap();
    assert_eq!(json, summary);
}

#[test]
fn the_reddit_clock_gives_features_without_ticks() {
    let dir = tempfile::tempdir().unwrap();
    let (db, p) = database(dir.path(), true);
    let imported = read_oasis(&db).unwrap();
    assert_eq!(imported.summary.clock, Clock::Datetimes);
    assert!(imported.ticks().is_none());
    assert!(
        imported
            .summary
            .no_ticks_because
            .as_deref()
            .unwrap()
            .contains("datetimes")
    );
    for name in all_columns() {
        let got = imported.feature(name).unwrap();
        let want: Vec<f64> = (0..USERS)
            .map(|u| features_of(&p, u)[name] as f64)
            .collect();
        assert_eq!(got, want, "{name}");
    }
    // An earlier import's ticks.parquet does not survive next to tables it does not describe.
    let out = dir.path().join("imported");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("ticks.parquet"), b"old").unwrap();
    let opts = ImportOptions { force: true };
    let summary = import_oasis(&db, &out, &opts).unwrap();
    assert_eq!(
        summary.files,
        ["features.parquet", "follows.parquet", "import.json"]
    );
    assert!(!out.join("ticks.parquet").exists());
}

#[test]
fn a_database_before_reports_is_read_without_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v021.db");
    let mut p = Platform::create(&db, false);
    p.conn.execute_batch("DROP TABLE report").unwrap();
    for u in 0..3 {
        p.sign_up(u);
    }
    let post = p.create_post(0, "x");
    p.next_step();
    p.like(1, post);
    p.follow(2, 0);
    let imported = read_oasis(&db).unwrap();
    assert_eq!(imported.summary.absent_tables, ["report"]);
    assert_eq!(imported.feature("likes_received").unwrap(), [1.0, 0.0, 0.0]);
    assert_eq!(imported.feature("followers").unwrap(), [1.0, 0.0, 0.0]);
    assert_eq!(imported.feature("reports_given").unwrap(), [0.0, 0.0, 0.0]);
    assert_eq!(imported.edges(), [(2, 0)]);
    assert_eq!(imported.ticks(), Some(&[0, 1][..]));
}

/// Refused inputs: the error names the file and what is missing, and no output is written —
/// neither a new folder nor over an earlier import.
#[test]
fn foreign_inputs_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.db");
    let mut p = Platform::create(&good, false);
    p.sign_up(0);
    p.create_post(0, "x");
    drop(p);
    let earlier = dir.path().join("earlier");
    import_oasis(&good, &earlier, &ImportOptions::default()).unwrap();
    let before = std::fs::read(earlier.join("features.parquet")).unwrap();

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "user_id,posts\n1,2\n".repeat(200)).unwrap();
    let no_user = dir.path().join("other.db");
    rusqlite::Connection::open(&no_user)
        .unwrap()
        .execute_batch("CREATE TABLE trace (user_id INTEGER); CREATE TABLE item (id INTEGER);")
        .unwrap();
    let no_trace = dir.path().join("no_trace.db");
    Platform::create(&no_trace, false)
        .conn
        .execute_batch("DROP TABLE trace")
        .unwrap();
    let old_post = dir.path().join("old_post.db");
    Platform::create(&old_post, false)
        .conn
        // The `post` table of OASIS before commit 87fa14f (January 2025): no reposts or quotes.
        .execute_batch(
            "DROP TABLE post; CREATE TABLE post (post_id INTEGER PRIMARY KEY AUTOINCREMENT, \
             user_id INTEGER, content TEXT, created_at DATETIME, num_likes INTEGER DEFAULT 0, \
             num_dislikes INTEGER DEFAULT 0, FOREIGN KEY(user_id) REFERENCES user(user_id));",
        )
        .unwrap();
    let missing = dir.path().join("missing.db");

    let cases: [(&Path, &[&str]); 5] = [
        (&text, &["notes.txt", "not an SQLite database"]),
        (&no_user, &["other.db", "no table `user`"]),
        (&no_trace, &["no_trace.db", "no table `trace`"]),
        (
            &old_post,
            &[
                "old_post.db",
                "table `post` has no column `original_post_id`",
                "87fa14f",
            ],
        ),
        (&missing, &["missing.db"]),
    ];
    for (db, words) in cases {
        let fresh = dir.path().join("fresh");
        let err = import_oasis(db, &fresh, &ImportOptions::default()).unwrap_err();
        let text = err.to_string();
        for w in words {
            assert!(text.contains(w), "{db:?}: `{text}` lacks `{w}`");
        }
        assert!(!fresh.exists(), "{db:?}: an output folder was created");
        let forced = import_oasis(db, &earlier, &ImportOptions { force: true });
        assert!(forced.is_err());
        assert_eq!(
            std::fs::read(earlier.join("features.parquet")).unwrap(),
            before
        );
        assert!(
            earlier.join("import.json").exists(),
            "{db:?} removed the earlier summary"
        );
    }
    // A non-empty folder without --force; the database's own folder even with it.
    let err = import_oasis(&good, &earlier, &ImportOptions::default()).unwrap_err();
    assert!(matches!(err, OasisError::OutputExists(_)), "{err}");
    let err = import_oasis(&good, dir.path(), &ImportOptions { force: true }).unwrap_err();
    assert!(err.to_string().contains("good.db"), "{err}");
}

fn read_edges(path: &Path) -> Vec<(i64, i64)> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let mut edges = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        let col = |n: &str| {
            batch
                .column_by_name(n)
                .unwrap()
                .as_any()
                .downcast_ref::<UInt32Array>()
                .unwrap()
                .clone()
        };
        let (s, d) = (col("src"), col("dst"));
        edges.extend((0..s.len()).map(|i| (s.value(i) as i64, d.value(i) as i64)));
    }
    edges
}

/// (tick, agent_id, features) rows.
fn read_ticks(path: &Path) -> Vec<(u32, i64, Vec<f64>)> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        let tick = batch
            .column(0)
            .as_any()
            .downcast_ref::<UInt32Array>()
            .unwrap()
            .clone();
        let id = batch
            .column(1)
            .as_any()
            .downcast_ref::<Int64Array>()
            .unwrap()
            .clone();
        let feats: Vec<Float64Array> = (2..batch.num_columns())
            .map(|k| {
                batch
                    .column(k)
                    .as_any()
                    .downcast_ref::<Float64Array>()
                    .unwrap()
                    .clone()
            })
            .collect();
        for i in 0..batch.num_rows() {
            rows.push((
                tick.value(i),
                id.value(i),
                feats.iter().map(|f| f.value(i)).collect(),
            ));
        }
    }
    rows
}
