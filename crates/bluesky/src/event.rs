//! One Jetstream line → one [`Event`], for both layouts seen in the wild:
//!
//! * current: `{"did", "time_us", "kind": "commit"|"identity"|"account", "commit": {"rev",
//!   "operation": "create"|"update"|"delete", "collection", "rkey", "record", "cid"}}`
//! * older:   `{"did", "time_us", "type": "com"|"id"|"acc", "commit": {"type": "c"|"u"|"d", …}}`
//!
//! Parsing borrows from the line, so the hot path allocates only for text with JSON escapes.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

/// The collections whose records become features; everything else is counted and skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collection {
    Post,
    Repost,
    Like,
    Follow,
    Other,
}

impl Collection {
    fn of(nsid: &str) -> Self {
        match nsid {
            "app.bsky.feed.post" => Collection::Post,
            "app.bsky.feed.repost" => Collection::Repost,
            "app.bsky.feed.like" => Collection::Like,
            "app.bsky.graph.follow" => Collection::Follow,
            _ => Collection::Other,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Create,
    Update,
    Delete,
}

/// Whom a record points at: the followed DID, the author of the liked/reposted post, or the
/// author of the post replied to — plus that post's record key when the URI names a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target<'a> {
    pub did: &'a str,
    pub post_rkey: Option<&'a str>,
}

/// A well-formed Jetstream event.
#[derive(Debug)]
pub struct Event<'a> {
    pub did: &'a str,
    pub time_us: i64,
    pub body: Body<'a>,
}

#[derive(Debug)]
pub enum Body<'a> {
    Commit(Commit<'a>),
    Identity,
    Account,
    /// A `kind` this importer does not know (a newer Jetstream); counted, skipped.
    UnknownKind,
}

#[derive(Debug)]
pub struct Commit<'a> {
    pub op: Op,
    pub collection: Collection,
    pub rkey: &'a str,
    /// Follow subject, like/repost subject URI, or reply parent URI (creates only).
    subject: Option<Cow<'a, str>>,
    /// Post text (post creates only).
    pub text: Option<Cow<'a, str>>,
}

impl Commit<'_> {
    /// The record's target (see [`Target`]); `None` for deletes, updates, top-level posts and
    /// untracked collections.
    pub fn target(&self) -> Option<Target<'_>> {
        let s = self.subject.as_deref()?;
        match self.collection {
            Collection::Follow => Some(Target {
                did: s,
                post_rkey: None,
            }),
            _ => parse_at_uri(s),
        }
    }

    /// A post create that answers another post.
    pub fn is_reply(&self) -> bool {
        self.collection == Collection::Post && self.subject.is_some()
    }
}

/// Why a line was not an event, and the 1-based column (character) where the JSON broke,
/// when it is not JSON at all.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Malformed {
    pub reason: String,
    pub column: Option<u64>,
}

impl Malformed {
    fn new(reason: impl Into<String>) -> Self {
        Malformed {
            reason: reason.into(),
            column: None,
        }
    }

    /// serde_json's message without its " at line 1 column N" (the column is kept apart).
    fn json(e: &serde_json::Error) -> Self {
        let text = e.to_string();
        let located = format!(" at line {} column {}", e.line(), e.column());
        let message = text.strip_suffix(&located).unwrap_or(&text);
        Malformed {
            reason: format!("not a Jetstream event: {message}"),
            column: (e.line() > 0).then_some(e.column() as u64),
        }
    }
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

/// `at://did:plc:x/app.bsky.feed.post/rkey` → the DID and, for posts, the record key.
pub fn parse_at_uri(uri: &str) -> Option<Target<'_>> {
    let rest = uri.strip_prefix("at://")?;
    let mut parts = rest.splitn(3, '/');
    let did = parts.next()?;
    if !is_did(did) {
        return None;
    }
    let post_rkey = match (parts.next(), parts.next()) {
        (Some("app.bsky.feed.post"), Some(rkey)) if !rkey.is_empty() && !rkey.contains('/') => {
            Some(rkey)
        }
        _ => None,
    };
    Some(Target { did, post_rkey })
}

fn is_did(s: &str) -> bool {
    s.len() > 4 && s.starts_with("did:") && !s.bytes().any(|b| b.is_ascii_whitespace() || b == b'/')
}

/// Parse one line (without its newline).
pub fn parse_line(line: &[u8]) -> Result<Event<'_>, Malformed> {
    event(serde_json::from_slice(line).map_err(|e| Malformed::json(&e))?)
}

/// [`parse_line`] for text already known to be UTF-8 (skips serde_json's per-string checks).
pub fn parse_line_str(line: &str) -> Result<Event<'_>, Malformed> {
    event(serde_json::from_str(line).map_err(|e| Malformed::json(&e))?)
}

fn event(raw: RawEvent<'_>) -> Result<Event<'_>, Malformed> {
    let did = raw.did.ok_or_else(|| Malformed::new("no `did`"))?;
    if !is_did(did) {
        return Err(Malformed::new(format!("`did` is not a DID: {did:?}")));
    }
    let time_us = raw.time_us.ok_or_else(|| Malformed::new("no `time_us`"))?;
    let kind = raw
        .kind
        .or(raw.kind_old)
        .ok_or_else(|| Malformed::new("neither `kind` nor `type`"))?;
    let body = match kind {
        "commit" | "com" => Body::Commit(commit(
            raw.commit
                .ok_or_else(|| Malformed::new("a commit event without `commit`"))?,
        )?),
        "identity" | "id" => Body::Identity,
        "account" | "acc" => Body::Account,
        _ => Body::UnknownKind,
    };
    Ok(Event { did, time_us, body })
}

fn commit(raw: RawCommit<'_>) -> Result<Commit<'_>, Malformed> {
    let op = match raw.operation.or(raw.op_old) {
        Some("create" | "c") => Op::Create,
        Some("update" | "u") => Op::Update,
        Some("delete" | "d") => Op::Delete,
        Some(other) => {
            return Err(Malformed::new(format!(
                "unknown commit operation {other:?}"
            )));
        }
        None => return Err(Malformed::new("a commit without `operation`")),
    };
    let nsid = raw
        .collection
        .ok_or_else(|| Malformed::new("a commit without `collection`"))?;
    let rkey = raw
        .rkey
        .filter(|r| !r.is_empty())
        .ok_or_else(|| Malformed::new("a commit without `rkey`"))?;
    let collection = Collection::of(nsid);
    let mut out = Commit {
        op,
        collection,
        rkey,
        subject: None,
        text: None,
    };
    if op != Op::Create || collection == Collection::Other {
        return Ok(out);
    }
    let record = raw
        .record
        .ok_or_else(|| Malformed::new(format!("a {nsid} create without `record`")))?;
    match collection {
        Collection::Post => {
            if let Some(reply) = record.reply {
                let parent = reply
                    .parent
                    .ok_or_else(|| Malformed::new("a reply without `parent`"))?;
                out.subject = Some(parent.uri);
            }
            out.text = record.text;
        }
        Collection::Follow => match record.subject {
            Some(Subject::Did(d)) => out.subject = Some(d),
            _ => return Err(Malformed::new("a follow whose `subject` is not a DID")),
        },
        Collection::Like | Collection::Repost => match record.subject {
            Some(Subject::Ref(uri)) => out.subject = Some(uri),
            _ => {
                return Err(Malformed::new(format!(
                    "a {nsid} whose `subject` has no `uri`"
                )));
            }
        },
        Collection::Other => {}
    }
    if out.subject.is_some() && out.target().is_none() {
        let s = out.subject.as_deref().unwrap_or_default();
        return Err(Malformed::new(format!(
            "a {nsid} pointing at {s:?}, which names no DID"
        )));
    }
    Ok(out)
}

#[derive(Deserialize)]
struct RawEvent<'a> {
    #[serde(borrow)]
    did: Option<&'a str>,
    time_us: Option<i64>,
    #[serde(borrow)]
    kind: Option<&'a str>,
    #[serde(borrow, rename = "type")]
    kind_old: Option<&'a str>,
    #[serde(borrow)]
    commit: Option<RawCommit<'a>>,
}

#[derive(Deserialize)]
struct RawCommit<'a> {
    #[serde(borrow)]
    operation: Option<&'a str>,
    #[serde(borrow, rename = "type")]
    op_old: Option<&'a str>,
    #[serde(borrow)]
    collection: Option<&'a str>,
    #[serde(borrow)]
    rkey: Option<&'a str>,
    #[serde(borrow)]
    record: Option<RawRecord<'a>>,
}

#[derive(Deserialize)]
struct RawRecord<'a> {
    #[serde(borrow)]
    subject: Option<Subject<'a>>,
    #[serde(borrow)]
    reply: Option<RawReply<'a>>,
    #[serde(borrow)]
    text: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct RawReply<'a> {
    #[serde(borrow)]
    parent: Option<StrongRef<'a>>,
}

#[derive(Deserialize)]
struct StrongRef<'a> {
    #[serde(borrow)]
    uri: Cow<'a, str>,
}

/// A follow's subject is a DID string; a like's or repost's is `{"uri", "cid"}`. A hand-written
/// visitor reads either in one pass (serde's untagged enums would buffer the value first).
enum Subject<'a> {
    Did(Cow<'a, str>),
    Ref(Cow<'a, str>),
    Unknown,
}

impl<'de: 'a, 'a> Deserialize<'de> for Subject<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Subject<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a DID or a {uri, cid} reference")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Subject::Did(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Subject::Did(Cow::Owned(v.to_string())))
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut uri = None;
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    if key == "uri" {
                        uri = Some(map.next_value::<Cow<'de, str>>()?);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(uri.map_or(Subject::Unknown, Subject::Ref))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Subject::Unknown)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Subject::Unknown)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Subject::Unknown)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Subject::Unknown)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Subject::Unknown)
            }
            fn visit_seq<S: de::SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Subject::Unknown)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIKE_NEW: &str = r#"{"did":"did:plc:eygmaihciaxprqvxpfvl6flk","time_us":1725911162329308,"kind":"commit","commit":{"rev":"3l3qo2vutsw2b","operation":"create","collection":"app.bsky.feed.like","rkey":"3l3qo2vuowo2b","record":{"$type":"app.bsky.feed.like","createdAt":"2024-09-09T19:46:02.102Z","subject":{"cid":"bafyreidc","uri":"at://did:plc:wa7b6y6mjpmrmqr7zdn4wwot/app.bsky.feed.post/3l3pte3p2e325"}},"cid":"bafyreidw"}}"#;
    const FOLLOW_OLD: &str = r#"{"did":"did:plc:a","time_us":5,"type":"com","commit":{"rev":"x","type":"c","collection":"app.bsky.graph.follow","rkey":"3l3qo2vuowo2b","record":{"$type":"app.bsky.graph.follow","subject":"did:plc:b","createdAt":"2024-09-09T19:46:02.102Z"},"cid":"y"}}"#;

    #[test]
    fn both_layouts() {
        let e = parse_line(LIKE_NEW.as_bytes()).unwrap();
        assert_eq!(e.did, "did:plc:eygmaihciaxprqvxpfvl6flk");
        assert_eq!(e.time_us, 1725911162329308);
        let Body::Commit(c) = &e.body else {
            panic!("a commit")
        };
        assert_eq!(
            (c.op, c.collection, c.rkey),
            (Op::Create, Collection::Like, "3l3qo2vuowo2b")
        );
        assert_eq!(
            c.target(),
            Some(Target {
                did: "did:plc:wa7b6y6mjpmrmqr7zdn4wwot",
                post_rkey: Some("3l3pte3p2e325")
            })
        );

        let e = parse_line(FOLLOW_OLD.as_bytes()).unwrap();
        let Body::Commit(c) = &e.body else {
            panic!("a commit")
        };
        assert_eq!((c.op, c.collection), (Op::Create, Collection::Follow));
        assert_eq!(
            c.target(),
            Some(Target {
                did: "did:plc:b",
                post_rkey: None
            })
        );

        let id = parse_line(
            br#"{"did":"did:plc:a","time_us":1,"type":"id","identity":{"handle":"a.b"}}"#,
        )
        .unwrap();
        assert!(matches!(id.body, Body::Identity));
        let acc = parse_line(
            br#"{"did":"did:plc:a","time_us":1,"kind":"account","account":{"active":true}}"#,
        )
        .unwrap();
        assert!(matches!(acc.body, Body::Account));
    }

    #[test]
    fn replies_with_escapes_and_deletes() {
        let line = r#"{"did":"did:plc:a","time_us":9,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"3l3qo2vuowo2b","record":{"text":"caf\u00e9 \"hi\" #Rust","reply":{"root":{"uri":"at://did:plc:r/app.bsky.feed.post/3l3qo2vuowo2c","cid":"c"},"parent":{"uri":"at:\/\/did:plc:p\/app.bsky.feed.post\/3l3qo2vuowo2d","cid":"c"}}}}}"#;
        let e = parse_line(line.as_bytes()).unwrap();
        let Body::Commit(c) = &e.body else { panic!() };
        assert!(c.is_reply());
        assert_eq!(c.target().unwrap().did, "did:plc:p");
        assert_eq!(c.text.as_deref(), Some("café \"hi\" #Rust"));
        let del = parse_line(br#"{"did":"did:plc:a","time_us":9,"type":"com","commit":{"type":"d","collection":"app.bsky.feed.like","rkey":"3l3qo2vuowo2b"}}"#).unwrap();
        let Body::Commit(c) = &del.body else { panic!() };
        assert_eq!((c.op, c.target()), (Op::Delete, None));
    }

    #[test]
    fn malformed_lines() {
        for bad in [
            "",
            "{",
            "[1,2]",
            r#"{"time_us":1,"kind":"identity"}"#,
            r#"{"did":"did:plc:a","kind":"identity"}"#,
            r#"{"did":"bob","time_us":1,"kind":"identity"}"#,
            r#"{"did":"did:plc:a","time_us":1}"#,
            r#"{"did":"did:plc:a","time_us":1,"kind":"commit"}"#,
            r#"{"did":"did:plc:a","time_us":1,"kind":"commit","commit":{"operation":"explode","collection":"app.bsky.feed.like","rkey":"k"}}"#,
            r#"{"did":"did:plc:a","time_us":1,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.like","rkey":"k","record":{"subject":"did:plc:b"}}}"#,
            r#"{"did":"did:plc:a","time_us":1,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.graph.follow","rkey":"k","record":{"subject":{"uri":"at://did:plc:b"}}}}"#,
            r#"{"did":"did:plc:a","time_us":1,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.repost","rkey":"k","record":{"subject":{"uri":"https://x"}}}}"#,
            r#"{"did":"did:plc:a","time_us":1,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"k"}}"#,
            r#"{"did":"did:plc:a","time_us":"soon","kind":"identity"}"#,
        ] {
            assert!(parse_line(bad.as_bytes()).is_err(), "{bad}");
        }
        let unknown = parse_line(br#"{"did":"did:plc:a","time_us":1,"kind":"sync"}"#).unwrap();
        assert!(matches!(unknown.body, Body::UnknownKind));
    }
}
