//! Parser-thread output: a chunk of lines turned into fixed-size [`Compact`] events whose DIDs
//! are copied into one per-chunk arena with their hashes, ready for the single-threaded
//! aggregator to intern and apply in file order.

use crate::event::{Body, Collection, Event, Malformed, Op, parse_line, parse_line_str};
use crate::intern::did_hash;
use crate::tid::rkey_key;
use crate::topic::TopicSet;

/// A DID inside a [`ParsedChunk`]'s arena.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct DidRef {
    pub hash: u64,
    pub start: u32,
    pub len: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Identity,
    Account,
    Unknown,
    OtherCollection,
    Tracked(Collection, Op),
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Compact {
    pub time_us: i64,
    pub kind: Kind,
    pub actor: DidRef,
    /// The record key as a 64-bit key (see `tid::rkey_key`).
    pub rkey: u64,
    /// Follow subject / like, repost subject author / reply parent author.
    pub target: Option<DidRef>,
    /// The record key of the post a like, repost or reply points at, when it is a post.
    pub target_post: Option<u64>,
    /// Topics of a created post's own text.
    pub topics: u32,
}

/// One chunk, parsed.
#[derive(Default)]
pub(crate) struct ParsedChunk {
    pub seq: u64,
    pub file: usize,
    pub lines: u64,
    pub blank_lines: u64,
    pub arena: Vec<u8>,
    pub events: Vec<Compact>,
    /// 0-based line index within the chunk, and why (the first [`REASONS_PER_CHUNK`] only;
    /// later ones carry an empty reason).
    pub malformed: Vec<(u64, Malformed)>,
}

impl ParsedChunk {
    pub fn did(&self, r: DidRef) -> &[u8] {
        &self.arena[r.start as usize..(r.start + r.len) as usize]
    }

    fn push_did(&mut self, did: &str) -> DidRef {
        let start = self.arena.len() as u32;
        self.arena.extend_from_slice(did.as_bytes());
        DidRef {
            hash: did_hash(did.as_bytes()),
            start,
            len: did.len() as u32,
        }
    }
}

/// How many malformed-line reasons a chunk keeps (the report keeps fewer still).
const REASONS_PER_CHUNK: usize = 16;

pub(crate) fn parse_chunk(seq: u64, file: usize, bytes: &[u8], topics: &TopicSet) -> ParsedChunk {
    let mut out = ParsedChunk {
        seq,
        file,
        ..Default::default()
    };
    out.events.reserve(bytes.len() / 300);
    out.arena.reserve(bytes.len() / 8);
    // A chunk ends with '\n' (or is a file's unterminated tail): nothing after it is a line.
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    // Validating UTF-8 once per chunk is cheaper than once per JSON string; a chunk with
    // invalid bytes falls back to line-by-line checks (and those lines count as malformed).
    match std::str::from_utf8(body) {
        Ok(text) => {
            for line in text.split('\n') {
                let line = line.strip_suffix('\r').unwrap_or(line);
                if !out.is_blank(line.as_bytes()) {
                    out.push_event(parse_line_str(line), topics);
                }
            }
        }
        Err(_) => {
            for line in body.split(|&b| b == b'\n') {
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                if !out.is_blank(line) {
                    out.push_event(parse_line(line), topics);
                }
            }
        }
    }
    out
}

impl ParsedChunk {
    /// Count a line; true (and counted as blank) when it holds only whitespace.
    fn is_blank(&mut self, line: &[u8]) -> bool {
        self.lines += 1;
        let blank = line.iter().all(u8::is_ascii_whitespace);
        self.blank_lines += u64::from(blank);
        blank
    }

    fn push_event(&mut self, parsed: Result<Event<'_>, Malformed>, topics: &TopicSet) {
        let ev = match parsed {
            Ok(ev) => ev,
            Err(m) => {
                let reason = if self.malformed.len() < REASONS_PER_CHUNK {
                    m
                } else {
                    Malformed::default()
                };
                self.malformed.push((self.lines - 1, reason));
                return;
            }
        };
        let actor = self.push_did(ev.did);
        let mut c = Compact {
            time_us: ev.time_us,
            kind: Kind::Unknown,
            actor,
            rkey: 0,
            target: None,
            target_post: None,
            topics: 0,
        };
        match &ev.body {
            Body::Identity => c.kind = Kind::Identity,
            Body::Account => c.kind = Kind::Account,
            Body::UnknownKind => c.kind = Kind::Unknown,
            Body::Commit(cm) if cm.collection == Collection::Other => {
                c.kind = Kind::OtherCollection
            }
            Body::Commit(cm) => {
                c.kind = Kind::Tracked(cm.collection, cm.op);
                c.rkey = rkey_key(cm.rkey);
                if let Some(t) = cm.target() {
                    c.target = Some(self.push_did(t.did));
                    c.target_post = t.post_rkey.map(rkey_key);
                }
                if cm.op == Op::Create && cm.collection == Collection::Post && !topics.is_empty() {
                    c.topics = cm.text.as_deref().map_or(0, |t| topics.mask(t));
                }
            }
        }
        self.events.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lines_blanks_and_malformed() {
        let text = b"{\"did\":\"did:plc:a\",\"time_us\":1,\"kind\":\"identity\"}\r\n\n  \nnot json\n{\"did\":\"did:plc:b\",\"time_us\":2,\"kind\":\"account\"}";
        let c = parse_chunk(0, 0, text, &TopicSet::default());
        assert_eq!((c.lines, c.blank_lines, c.events.len()), (5, 2, 2));
        assert_eq!(c.malformed.iter().map(|m| m.0).collect::<Vec<_>>(), [3]);
        assert_eq!(c.did(c.events[1].actor), b"did:plc:b");
        // Invalid UTF-8 anywhere: line-by-line checks, and only the bad line is malformed.
        let mut bad = text.to_vec();
        bad.extend_from_slice(b"\n{\"did\":\"did:plc:\xff\"}\n");
        let c = parse_chunk(0, 0, &bad, &TopicSet::default());
        assert_eq!((c.lines, c.events.len()), (6, 2));
        assert_eq!(c.malformed.iter().map(|m| m.0).collect::<Vec<_>>(), [3, 5]);
        let c = parse_chunk(0, 0, b"x\n\n", &TopicSet::default());
        assert_eq!((c.lines, c.blank_lines), (2, 1));
    }
}
