//! Databases written by OASIS's own code (camel-oasis 0.2.5 from PyPI: `Platform.sign_up`,
//! `create_post`, `like_post`, … — see `fixtures/make_oasis_dbs.py`), one per clock. The
//! features below are counted by hand from that script's actions.

use std::path::Path;

use emergent_oasis::{Clock, all_columns, read_oasis};

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Non-zero features of agents 0–5 after the script, with `exposures` and `actions` of
/// agent 0 given apart (a Twitter-clock refresh shows the followees' posts; a Reddit-clock
/// one with an empty `rec` table shows nothing and OASIS records no trace row for it).
fn expected(user: usize, refreshed: bool) -> Vec<(&'static str, f64)> {
    match user {
        // Followed by 1 and 3 (2 unfollowed); follows 1; post A: a like left (3 unliked),
        // reposted by 1 and 4, quoted by 2, a comment by 3; liked 3's comment.
        0 => {
            let mut v = vec![
                ("followers", 2.0),
                ("following", 1.0),
                ("posts", 1.0),
                ("likes_given", 1.0),
                ("likes_received", 1.0),
                ("replies_received", 1.0),
                ("reposts_received", 2.0),
                ("quotes_received", 1.0),
            ];
            match refreshed {
                true => v.extend([("exposures", 2.0), ("actions", 4.0)]),
                false => v.push(("actions", 3.0)),
            }
            v
        }
        1 => vec![
            ("followers", 1.0),
            ("following", 1.0),
            ("posts", 1.0),
            ("reposts", 1.0),
            ("dislikes_received", 1.0),
            ("reports_received", 1.0),
            ("mutes_given", 1.0),
            ("actions", 4.0),
        ],
        2 => vec![
            ("quotes", 1.0),
            ("likes_given", 1.0),
            ("dislikes_given", 1.0),
            ("actions", 5.0),
        ],
        3 => vec![
            ("following", 1.0),
            ("replies", 1.0),
            ("likes_received", 1.0),
            ("dislikes_received", 1.0),
            ("reports_given", 1.0),
            ("mutes_received", 1.0),
            ("actions", 6.0),
        ],
        4 => vec![("following", 1.0), ("reposts", 1.0), ("actions", 2.0)],
        5 => vec![
            ("followers", 1.0),
            ("dislikes_given", 1.0),
            ("actions", 1.0),
        ],
        _ => unreachable!(),
    }
}

fn check(db: &str, clock: Clock, refreshed: bool) -> emergent_oasis::Imported {
    let imported = read_oasis(&fixture(db)).unwrap();
    assert_eq!(imported.summary.clock, clock);
    assert_eq!(imported.agent_ids, [0, 1, 2, 3, 4, 5]);
    assert_eq!(imported.summary.counts.dangling, 0);
    for name in all_columns() {
        let got = imported.feature(name).unwrap();
        for (u, g) in got.iter().enumerate() {
            let want = expected(u, refreshed)
                .iter()
                .find(|(n, _)| *n == name)
                .map_or(0.0, |(_, v)| *v);
            assert_eq!(*g, want, "{db}: agent {u}, {name}");
        }
    }
    assert_eq!(imported.edges(), [(0, 1), (1, 0), (3, 0), (4, 5)]);
    imported
}

#[test]
fn a_twitter_clock_database_written_by_oasis() {
    let imported = check("oasis-0.2.5-twitter.db", Clock::Timesteps, true);
    assert_eq!(imported.ticks(), Some(&[0, 1, 2][..]));
}

#[test]
fn a_reddit_clock_database_written_by_oasis() {
    let imported = check("oasis-0.2.5-reddit.db", Clock::Datetimes, false);
    assert_eq!(imported.ticks(), None);
}
