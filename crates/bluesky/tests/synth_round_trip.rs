//! synth → import: the importer must find exactly what the generator says it wrote, user by
//! user; the capture must look like Bluesky (heavy tails, engagement aimed at the popular) and
//! depend on the seed alone.

mod common;

use std::collections::HashMap;

use common::*;
use emergent_attribution::NoProgress;
use emergent_bluesky::{ImportOptions, SynthOptions, import_capture, synth_capture};

fn synth(
    dir: &std::path::Path,
    name: &str,
    opts: &SynthOptions,
) -> (std::path::PathBuf, emergent_bluesky::Synthesized) {
    let path = dir.join(name);
    let s = synth_capture(opts, &path, &NoProgress).unwrap();
    (path, s)
}

#[test]
fn import_of_a_synthetic_capture_matches_the_generator_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let opts = SynthOptions {
        users: 3000,
        days: 3.0,
        seed: 42,
        events_per_user_day: 4.0,
        ..Default::default()
    };
    let (path, s) = synth(dir.path(), "cap.jsonl.zst", &opts);
    let rep = &s.report;
    assert!(rep.events > 30_000 && rep.events < 42_000, "{}", rep.events);
    assert!(
        rep.counts.likes.deletes_matched > 0
            && rep.counts.likes.deletes_unmatched > 0
            && rep.counts.posts.deletes_matched > 0
    );
    assert!(
        rep.counts.follows.deletes_matched > 0
            && rep.counts.identity > 0
            && rep.counts.account > 0
            && rep.counts.other_collections > 0
    );

    let out = dir.path().join("out");
    let r = import(std::slice::from_ref(&path), &out, &ImportOptions::default());
    assert_eq!(r.counts, rep.counts);
    assert_eq!(r.lines, rep.events);
    assert_eq!((r.malformed, r.blank_lines, r.outside_window), (0, 0, 0));
    assert_eq!(r.users_active, rep.users_active);
    assert_eq!(r.follow_records, rep.follow_records);
    assert_eq!(r.follow_edges, rep.follow_edges);
    let covered = r.covered.unwrap();
    assert_eq!(
        (covered.first_us, covered.last_us),
        (rep.first_us, rep.last_us)
    );

    // Every feature of every user, from the files.
    let truth: HashMap<&str, &emergent_bluesky::UserFeatures> = s
        .truth
        .dids
        .iter()
        .map(String::as_str)
        .zip(&s.truth.features)
        .collect();
    let rows = read_features(&out);
    assert_eq!(rows.len() as u64, rep.users_active);
    for (did, vals) in &rows {
        let want = truth[did.as_str()];
        assert_eq!(vals.as_slice(), want.values().as_slice(), "{did}");
    }
    // Edges point at rows: the follower's `following` bounds its out-degree.
    let edges = read_edges(&out);
    assert_eq!(edges.len() as u64, rep.follow_edges);
    let mut out_degree = vec![0i64; rows.len()];
    for &(s, d) in &edges {
        assert_ne!(s, d);
        out_degree[s as usize] += 1;
    }
    for (row, deg) in out_degree.iter().enumerate() {
        assert!(*deg <= rows[row].1[1], "row {row}");
    }
}

#[test]
fn heavy_tails_and_engagement_aimed_at_popular_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let opts = SynthOptions {
        users: 20_000,
        days: 2.0,
        seed: 7,
        events_per_user_day: 3.0,
        ..Default::default()
    };
    let (path, s) = synth(dir.path(), "cap.jsonl", &opts);
    let imp = import_capture(&[path], &ImportOptions::default(), &NoProgress).unwrap();
    let mut followers: Vec<u32> = imp.features.iter().map(|f| f.followers).collect();
    followers.sort_unstable_by(|a, b| b.cmp(a));
    let total: u64 = followers.iter().map(|&f| u64::from(f)).sum();
    let top1: u64 = followers[..followers.len() / 100]
        .iter()
        .map(|&f| u64::from(f))
        .sum();
    // A power law puts far more than 1 % of follows on the top 1 % of accounts.
    assert!(
        top1 as f64 > 0.15 * total as f64,
        "top 1% hold {top1} of {total}"
    );
    assert!(followers[0] as f64 > 50.0 * total as f64 / followers.len() as f64);
    // Activity is lognormal: the most active 10 % author far more than 10 % of events.
    let mut activity: Vec<u64> = s
        .truth
        .features
        .iter()
        .map(|f| u64::from(f.posts + f.replies + f.likes + f.reposts + f.following))
        .collect();
    activity.sort_unstable_by(|a, b| b.cmp(a));
    let all: u64 = activity.iter().sum();
    let top10: u64 = activity[..activity.len() / 10].iter().sum();
    assert!(top10 as f64 > 0.4 * all as f64, "{top10} of {all}");
    // Replies and reposts go to popular accounts: the top 1 % by followers receive well over 1 %.
    let mut by_followers: Vec<&emergent_bluesky::UserFeatures> = imp.features.iter().collect();
    by_followers.sort_by_key(|u| std::cmp::Reverse(u.followers));
    let top = &by_followers[..by_followers.len() / 100];
    let share = |f: fn(&emergent_bluesky::UserFeatures) -> u32| {
        let t: u64 = top.iter().map(|u| u64::from(f(u))).sum();
        let a: u64 = by_followers.iter().map(|u| u64::from(f(u))).sum();
        t as f64 / a as f64
    };
    assert!(share(|u| u.replies_received) > 0.1 && share(|u| u.reposts_received) > 0.1);
}

#[test]
fn the_capture_depends_on_the_seed_alone() {
    let dir = tempfile::tempdir().unwrap();
    let base = SynthOptions {
        users: 500,
        days: 1.0,
        seed: 3,
        ..Default::default()
    };
    let (a, ra) = synth(
        dir.path(),
        "a.jsonl",
        &SynthOptions {
            threads: 1,
            ..base.clone()
        },
    );
    let (b, rb) = synth(
        dir.path(),
        "b.jsonl",
        &SynthOptions {
            threads: 2,
            ..base.clone()
        },
    );
    let (c, _) = synth(
        dir.path(),
        "c.jsonl",
        &SynthOptions {
            seed: 4,
            ..base.clone()
        },
    );
    let (ta, tb, tc) = (
        std::fs::read(a).unwrap(),
        std::fs::read(b).unwrap(),
        std::fs::read(c).unwrap(),
    );
    assert_eq!(ta, tb);
    assert_eq!(ra.report, rb.report);
    assert_ne!(ta, tc);
    // Lines are in time order, strictly, as Jetstream delivers them.
    let times: Vec<i64> = std::str::from_utf8(&ta)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["time_us"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(times.len() as u64, ra.report.events);
    // gzip output decodes to the same capture.
    let (g, _) = synth(dir.path(), "g.jsonl.gz", &base);
    let mut text = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(g).unwrap()),
        &mut text,
    )
    .unwrap();
    assert_eq!(text.len(), ta.len());
}
