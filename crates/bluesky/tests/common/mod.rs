//! Shared by the integration tests: a hand-written capture with known answers, and readers
//! for the files an import writes.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use emergent_attribution::{AgentIds, NoProgress};
use emergent_bluesky::{FEATURE_COLUMNS, ImportOptions, ImportReport, import_to_dir};
use emergent_io::{IdColumn, read_table};

pub const A: &str = "did:plc:alice";
pub const B: &str = "did:plc:bob";
pub const C: &str = "did:plc:carol";
pub const D: &str = "did:plc:dave";
pub const E: &str = "did:plc:erin";

/// A distinct valid TID for each short name (up to 4 characters).
pub fn rk(name: &str) -> String {
    const ALPHABET: &[u8; 32] = b"234567abcdefghijklmnopqrstuvwxyz";
    let tail: String = format!("{name:_>4}")
        .bytes()
        .map(|c| ALPHABET[c as usize % 32] as char)
        .collect();
    let key = format!("3kaaaaaaa{tail}");
    assert!(emergent_bluesky::decode_tid(&key).is_some(), "{key}");
    key
}

fn commit(did: &str, t: i64, op: &str, coll: &str, rkey: &str, record: Option<String>) -> String {
    let record = record
        .map(|r| format!(",\"record\":{r},\"cid\":\"bafyreicid\""))
        .unwrap_or_default();
    format!(
        r#"{{"did":"{did}","time_us":{t},"kind":"commit","commit":{{"rev":"3kaaaaaaaaaaa","operation":"{op}","collection":"{coll}","rkey":"{rkey}"{record}}}}}"#
    )
}

pub fn follow(did: &str, t: i64, rkey: &str, subject: &str) -> String {
    commit(
        did,
        t,
        "create",
        "app.bsky.graph.follow",
        rkey,
        Some(format!(
            r#"{{"$type":"app.bsky.graph.follow","createdAt":"2024-11-01T00:00:00.000Z","subject":"{subject}"}}"#
        )),
    )
}

pub fn post(did: &str, t: i64, rkey: &str, text: &str, parent: Option<(&str, &str)>) -> String {
    let reply = parent
        .map(|(pd, pr)| format!(r#","reply":{{"root":{{"cid":"c","uri":"at://{pd}/app.bsky.feed.post/{pr}"}},"parent":{{"cid":"c","uri":"at://{pd}/app.bsky.feed.post/{pr}"}}}}"#))
        .unwrap_or_default();
    commit(
        did,
        t,
        "create",
        "app.bsky.feed.post",
        rkey,
        Some(format!(
            r#"{{"$type":"app.bsky.feed.post","createdAt":"2024-11-01T00:00:00.000Z","langs":["en"]{reply},"text":"{text}"}}"#
        )),
    )
}

fn engage(coll: &str, did: &str, t: i64, rkey: &str, author: &str, post_rkey: &str) -> String {
    commit(
        did,
        t,
        "create",
        coll,
        rkey,
        Some(format!(
            r#"{{"$type":"{coll}","createdAt":"2024-11-01T00:00:00.000Z","subject":{{"cid":"bafyreisubj","uri":"at://{author}/app.bsky.feed.post/{post_rkey}"}}}}"#
        )),
    )
}

pub fn like(did: &str, t: i64, rkey: &str, author: &str, post_rkey: &str) -> String {
    engage("app.bsky.feed.like", did, t, rkey, author, post_rkey)
}

pub fn repost(did: &str, t: i64, rkey: &str, author: &str, post_rkey: &str) -> String {
    engage("app.bsky.feed.repost", did, t, rkey, author, post_rkey)
}

pub fn delete(did: &str, t: i64, coll: &str, rkey: &str) -> String {
    commit(did, t, "delete", coll, rkey, None)
}

pub fn update(did: &str, t: i64, coll: &str, rkey: &str, record: &str) -> String {
    commit(did, t, "update", coll, rkey, Some(record.to_string()))
}

/// The hand-written capture (current layout), one line per entry; see `expected_features`.
/// Lines 23, 25 and 27 (1-based) are malformed and line 26 is blank.
pub fn capture_lines() -> Vec<String> {
    vec![
        follow(A, 100, &rk("f1"), B),                                 // 1
        follow(A, 110, &rk("f2"), D),                                 // 2
        follow(B, 120, &rk("f3"), A),                                 // 3
        follow(C, 130, &rk("f4"), A),                                 // 4
        follow(C, 140, &rk("f5"), B),                                 // 5
        post(A, 150, &rk("p1"), "hello #Climate world", None),        // 6
        post(B, 160, &rk("p2"), "nice", Some((A, &rk("p1")))),        // 7
        post(C, 170, &rk("p3"), "climate too", Some((A, &rk("p1")))), // 8
        like(C, 180, &rk("l1"), A, &rk("p1")),                        // 9
        like(B, 190, "not-a-tid-like", A, &rk("p1")),                 // 10
        repost(B, 200, &rk("r1"), A, &rk("p1")),                      // 11
        like(A, 210, &rk("l3"), B, &rk("p2")),                        // 12
        delete(B, 220, "app.bsky.feed.like", "not-a-tid-like"),       // 13: undoes line 10
        delete(C, 230, "app.bsky.graph.follow", &rk("f5")),           // 14: undoes line 5
        delete(A, 240, "app.bsky.feed.like", "3kzzzzzzzzzzz"), // 15: created before the capture
        post(C, 250, &rk("p4"), "short-lived", None),          // 16
        delete(C, 260, "app.bsky.feed.post", &rk("p4")),       // 17: undoes line 16
        delete(C, 270, "app.bsky.feed.post", &rk("p3")),       // 18: undoes the reply of line 8
        format!(
            r#"{{"did":"{E}","time_us":280,"kind":"identity","identity":{{"did":"{E}","handle":"erin.bsky.social","seq":1,"time":"2024-11-01T00:00:00.000Z"}}}}"#
        ), // 19
        format!(
            r#"{{"did":"{B}","time_us":290,"kind":"account","account":{{"active":true,"did":"{B}","seq":2,"time":"2024-11-01T00:00:00.000Z"}}}}"#
        ), // 20
        update(
            A,
            300,
            "app.bsky.actor.profile",
            "self",
            r#"{"$type":"app.bsky.actor.profile","displayName":"Alice"}"#,
        ), // 21
        follow(A, 310, &rk("f1"), B),                          // 22: replayed duplicate of line 1
        "{not json".to_string(),                               // 23: malformed
        follow(B, 320, &rk("f6"), D),                          // 24
        format!(
            r#"{{"did":"{A}","time_us":325,"kind":"commit","commit":{{"operation":"create","collection":"app.bsky.feed.like","rkey":"{}","record":{{"subject":"{B}"}}}}}}"#,
            rk("lx")
        ), // 25: malformed (a like needs a uri)
        String::new(),                                         // 26: blank
        r#"{"did":"did:plc:zed","kind":"identity"}"#.to_string(), // 27: malformed (no time)
        update(
            A,
            330,
            "app.bsky.feed.post",
            &rk("p1"),
            r#"{"text":"edited #climate"}"#,
        ), // 28
        format!(r#"{{"did":"{B}","time_us":340,"kind":"sync","sync":{{}}}}"#), // 29: a kind from the future
        commit(
            C,
            350,
            "create",
            "app.bsky.graph.block",
            &rk("b1"),
            Some(format!(r#"{{"subject":"{A}"}}"#)),
        ), // 30: a block is no follow
    ]
}

pub fn capture_text() -> String {
    capture_lines().join("\n") + "\n"
}

/// The same capture in the older layout (`type` = com/id/acc, commit `type` = c/u/d).
pub fn capture_text_old_layout() -> String {
    capture_text()
        .replace(r#""kind":"commit""#, r#""type":"com""#)
        .replace(r#""kind":"identity""#, r#""type":"id""#)
        .replace(r#""kind":"account""#, r#""type":"acc""#)
        .replace(r#""kind":"sync""#, r#""type":"sync""#)
        .replace(r#""operation":"create""#, r#""type":"c""#)
        .replace(r#""operation":"update""#, r#""type":"u""#)
        .replace(r#""operation":"delete""#, r#""type":"d""#)
}

/// Rows in order of first appearance: A (line 1), B (target, line 1), C (line 4), E (line 19);
/// D is only ever a target, so it has no row. Values in FEATURE_COLUMNS order.
pub fn expected_features() -> Vec<(&'static str, [i64; 11])> {
    vec![
        // followers following posts replies reposts likes rep_recv repost_recv likes_recv first last
        (A, [2, 2, 1, 0, 0, 1, 1, 1, 1, 100, 330]),
        (B, [1, 2, 0, 1, 1, 0, 0, 0, 1, 120, 340]),
        (C, [0, 1, 0, 0, 0, 1, 0, 0, 0, 130, 350]),
        (E, [0, 0, 0, 0, 0, 0, 0, 0, 0, 280, 280]),
    ]
}

pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

pub fn zstd(bytes: &[u8]) -> Vec<u8> {
    zstd::encode_all(bytes, 3).unwrap()
}

pub fn import(files: &[PathBuf], out: &Path, opts: &ImportOptions) -> ImportReport {
    import_to_dir(files, out, opts, &NoProgress).unwrap()
}

/// `features.parquet` as (DID, values in FEATURE_COLUMNS order) rows.
pub fn read_features(dir: &Path) -> Vec<(String, Vec<i64>)> {
    read_rows(&dir.join("features.parquet"), &FEATURE_COLUMNS)
}

pub fn read_rows(path: &Path, columns: &[&str]) -> Vec<(String, Vec<i64>)> {
    let t = read_table(path, &IdColumn::Default).unwrap();
    assert_eq!(t.column_names(), columns, "{}", path.display());
    let AgentIds::Text(ids) = t.ids() else {
        panic!("agent_id must be text (DIDs)")
    };
    ids.iter()
        .enumerate()
        .map(|(r, id)| {
            let vals = columns
                .iter()
                .map(|c| t.column(c).unwrap()[r])
                .map(|v| {
                    assert_eq!(v.fract(), 0.0);
                    v as i64
                })
                .collect();
            (id.clone(), vals)
        })
        .collect()
}

/// `follows.parquet` as (src, dst) pairs (read with arrow: an empty edge list is valid).
pub fn read_edges(dir: &Path) -> Vec<(u32, u32)> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::UInt32Type;
    let file = std::fs::File::open(dir.join("follows.parquet")).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut edges = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        let names: Vec<&str> = batch
            .schema_ref()
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        assert_eq!(names, ["src", "dst"]);
        let (s, d) = (
            batch.column(0).as_primitive::<UInt32Type>(),
            batch.column(1).as_primitive::<UInt32Type>(),
        );
        edges.extend(s.values().iter().copied().zip(d.values().iter().copied()));
    }
    edges
}

pub fn check_features(dir: &Path) {
    let got = read_features(dir);
    let want = expected_features();
    assert_eq!(got.len(), want.len(), "rows: {got:?}");
    for ((gid, gv), (wid, wv)) in got.iter().zip(&want) {
        assert_eq!(gid, wid);
        for (k, col) in FEATURE_COLUMNS.iter().enumerate() {
            assert_eq!(gv[k], wv[k], "{wid} {col}");
        }
    }
}
