//! Drafted events → JSON lines in the current Jetstream layout, written by hand into a byte
//! buffer (the generator formats ~10^8 lines; a serializer would dominate its run time).

use super::model::{Coll, Draft, NO_USER, What};
use super::rng::Rng;
use crate::tid::{encode_tid, tid_from_parts};

/// Untracked collections drafted as `What::Other(i)`: (collection, operation, record type).
pub(crate) const OTHER_COLLECTIONS: [(&str, &str); 3] = [
    ("app.bsky.graph.block", "create"),
    ("app.bsky.actor.profile", "update"),
    ("app.bsky.graph.listitem", "create"),
];

const WORDS: [&str; 40] = [
    "the",
    "a",
    "today",
    "new",
    "just",
    "really",
    "think",
    "love",
    "post",
    "people",
    "good",
    "day",
    "time",
    "world",
    "news",
    "art",
    "music",
    "game",
    "coffee",
    "morning",
    "night",
    "friends",
    "open",
    "source",
    "rust",
    "book",
    "photo",
    "city",
    "weather",
    "team",
    "science",
    "climate",
    "vote",
    "policy",
    "market",
    "caf\\u00e9",
    "\\\"quoted\\\"",
    "line\\nbreak",
    "why",
    "now",
];
const HASHTAGS: [&str; 8] = [
    "#bluesky",
    "#art",
    "#climate",
    "#news",
    "#rust",
    "#photography",
    "#science",
    "#music",
];

fn coll_nsid(c: Coll) -> &'static str {
    match c {
        Coll::Post => "app.bsky.feed.post",
        Coll::Repost => "app.bsky.feed.repost",
        Coll::Like => "app.bsky.feed.like",
        Coll::Follow => "app.bsky.graph.follow",
    }
}

fn push_cid(out: &mut Vec<u8>, rng: &mut Rng) {
    const B32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    out.extend_from_slice(b"bafyrei");
    let mut bits = rng.next_u64();
    for i in 0..52 {
        if i % 12 == 0 && i > 0 {
            bits = rng.next_u64();
        }
        out.push(B32[(bits & 31) as usize]);
        bits >>= 5;
    }
}

fn push_u64(out: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&tmp[i..]);
}

fn push_2(out: &mut Vec<u8>, v: i64) {
    out.push(b'0' + (v / 10 % 10) as u8);
    out.push(b'0' + (v % 10) as u8);
}

/// `2024-11-01T00:00:00.123Z` (milliseconds, as Bluesky clients write `createdAt`).
fn push_iso_ms(out: &mut Vec<u8>, micros: i64) {
    let secs = micros.div_euclid(1_000_000);
    let ms = micros.rem_euclid(1_000_000) / 1000;
    let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = crate::time::civil_from_days(days);
    push_u64(out, y.max(0) as u64);
    out.push(b'-');
    push_2(out, i64::from(m));
    out.push(b'-');
    push_2(out, i64::from(d));
    out.push(b'T');
    push_2(out, sod / 3600);
    out.push(b':');
    push_2(out, sod / 60 % 60);
    out.push(b':');
    push_2(out, sod % 60);
    out.push(b'.');
    out.push(b'0' + (ms / 100) as u8);
    push_2(out, ms % 100);
    out.push(b'Z');
}

fn push_uri(out: &mut Vec<u8>, did: &[u8], post_tid: u64) {
    out.extend_from_slice(b"at://");
    out.extend_from_slice(did);
    out.extend_from_slice(b"/app.bsky.feed.post/");
    out.extend_from_slice(&encode_tid(post_tid));
}

fn push_strong_ref(out: &mut Vec<u8>, did: &[u8], post_tid: u64, rng: &mut Rng) {
    out.extend_from_slice(b"{\"cid\":\"");
    push_cid(out, rng);
    out.extend_from_slice(b"\",\"uri\":\"");
    push_uri(out, did, post_tid);
    out.extend_from_slice(b"\"}");
}

fn push_text(out: &mut Vec<u8>, rng: &mut Rng) {
    let words = 3 + rng.below(14);
    for i in 0..words {
        if i > 0 {
            out.push(b' ');
        }
        out.extend_from_slice(WORDS[rng.below(WORDS.len() as u64) as usize].as_bytes());
    }
    if rng.below(5) == 0 {
        out.push(b' ');
        out.extend_from_slice(HASHTAGS[rng.below(HASHTAGS.len() as u64) as usize].as_bytes());
    }
}

/// Append one event line (with its newline). `seq` numbers identity/account events.
pub(crate) fn push_event(out: &mut Vec<u8>, d: &Draft, dids: &[[u8; 32]], seq: u64) {
    let mut rng = Rng::stream(&[d.salt, 0xf0]);
    let did = &dids[d.actor as usize];
    out.extend_from_slice(b"{\"did\":\"");
    out.extend_from_slice(did);
    out.extend_from_slice(b"\",\"time_us\":");
    push_u64(out, d.time_us as u64);
    match d.what {
        What::Identity => {
            out.extend_from_slice(b",\"kind\":\"identity\",\"identity\":{\"did\":\"");
            out.extend_from_slice(did);
            out.extend_from_slice(b"\",\"handle\":\"user");
            push_u64(out, u64::from(d.actor));
            out.extend_from_slice(b".bsky.social\",\"seq\":");
            push_u64(out, seq);
            out.extend_from_slice(b",\"time\":\"");
            push_iso_ms(out, d.time_us);
            out.extend_from_slice(b"\"}}\n");
            return;
        }
        What::Account => {
            out.extend_from_slice(b",\"kind\":\"account\",\"account\":{\"active\":true,\"did\":\"");
            out.extend_from_slice(did);
            out.extend_from_slice(b"\",\"seq\":");
            push_u64(out, seq);
            out.extend_from_slice(b",\"time\":\"");
            push_iso_ms(out, d.time_us);
            out.extend_from_slice(b"\"}}\n");
            return;
        }
        _ => {}
    }
    out.extend_from_slice(b",\"kind\":\"commit\",\"commit\":{\"rev\":\"");
    out.extend_from_slice(&encode_tid(tid_from_parts(d.time_us, d.salt >> 20)));
    let (nsid, op) = match d.what {
        What::Like => (coll_nsid(Coll::Like), "create"),
        What::Repost => (coll_nsid(Coll::Repost), "create"),
        What::Follow => (coll_nsid(Coll::Follow), "create"),
        What::Post | What::Reply => (coll_nsid(Coll::Post), "create"),
        What::Other(i) => OTHER_COLLECTIONS[usize::from(i) % OTHER_COLLECTIONS.len()],
        What::Delete(c) | What::DeleteBefore(c) => (coll_nsid(c), "delete"),
        What::Identity | What::Account => unreachable!("handled above"),
    };
    out.extend_from_slice(b"\",\"operation\":\"");
    out.extend_from_slice(op.as_bytes());
    out.extend_from_slice(b"\",\"collection\":\"");
    out.extend_from_slice(nsid.as_bytes());
    out.extend_from_slice(b"\",\"rkey\":\"");
    if nsid == "app.bsky.actor.profile" {
        out.extend_from_slice(b"self");
    } else {
        out.extend_from_slice(&encode_tid(d.rkey));
    }
    out.push(b'"');
    if op == "delete" {
        out.extend_from_slice(b"}}\n");
        return;
    }
    out.extend_from_slice(b",\"record\":{\"$type\":\"");
    out.extend_from_slice(nsid.as_bytes());
    out.extend_from_slice(b"\",\"createdAt\":\"");
    push_iso_ms(out, d.time_us - 1000 - (d.salt % 400_000) as i64);
    out.push(b'"');
    let target = (d.target != NO_USER).then(|| &dids[d.target as usize]);
    match (d.what, target) {
        (What::Like | What::Repost, Some(t)) => {
            out.extend_from_slice(b",\"subject\":");
            push_strong_ref(out, t, d.target_post, &mut rng);
        }
        (What::Follow, Some(t)) => {
            out.extend_from_slice(b",\"subject\":\"");
            out.extend_from_slice(t);
            out.push(b'"');
        }
        (What::Post | What::Reply, _) => {
            out.extend_from_slice(b",\"langs\":[\"en\"]");
            if let Some(t) = target {
                // The thread root is another post by the same author, for simplicity.
                out.extend_from_slice(b",\"reply\":{\"parent\":");
                push_strong_ref(out, t, d.target_post, &mut rng);
                out.extend_from_slice(b",\"root\":");
                push_strong_ref(out, t, d.target_post.saturating_sub(1 << 30), &mut rng);
                out.push(b'}');
            }
            out.extend_from_slice(b",\"text\":\"");
            push_text(out, &mut rng);
            out.push(b'"');
        }
        (What::Other(0), _) => {
            // A block: its subject is some user; it must not count as a follow.
            out.extend_from_slice(b",\"subject\":\"");
            out.extend_from_slice(&dids[(d.salt % dids.len() as u64) as usize]);
            out.push(b'"');
        }
        (What::Other(1), _) => {
            out.extend_from_slice(b",\"displayName\":\"Someone\",\"description\":\"hello\"")
        }
        (What::Other(_), _) => {
            out.extend_from_slice(b",\"list\":\"at://");
            out.extend_from_slice(did);
            out.extend_from_slice(b"/app.bsky.graph.list/3kabcdefghij2\",\"subject\":\"");
            out.extend_from_slice(&dids[(d.salt % dids.len() as u64) as usize]);
            out.push(b'"');
        }
        _ => {}
    }
    out.extend_from_slice(b"},\"cid\":\"");
    push_cid(out, &mut rng);
    out.extend_from_slice(b"\"}}\n");
}
