//! The other ranks' items a rank's feeds need this tick, fetched from their owners.
//!
//! An item is owned by its author's rank ([`crate::items`]). Before a partitioned tick's
//! feeds are built, every rank lists what its active agents' feeds will read — the rings of
//! recent items of the followees they rank, and every out-of-network candidate they may draw
//! ([`crate::feed::feed_reads`], same stream and order as the feed) — and asks each owner for
//! its part in one `MPI_Alltoallv`; the owners answer in a second. The answers are written
//! into the rank's arrays (a halo, in HPC terms), the tick runs on them exactly as one
//! process would, and [`Halo::clear`] blanks them at the end of the tick. Likes and shares are
//! fetched as they stand when the tick begins, which is what a single-process feed ranks by.
//!
//! Messages are little-endian: a request is `n u32 · n × author u32 · m u32 · m × item u32`;
//! an answer is `n u32 · n × (author u32 · k u8 · k × item u32) · m u32 · m × record`: the
//! items of each ring asked for that are in the feed window (authors with none are left
//! out), then the fields of every item asked for or in those rings ([`ItemRecord`], 39 bytes).

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::feed::feed_reads;
use crate::items::{ItemKind, ItemRecord, NO_ITEM, RECENT_PER_AUTHOR};
use crate::wire::{Reader, WireError};
use crate::world::World;
use crate::{AgentId, ItemId};

/// The rank owning agent `a`, when rank r owns `edges[r]..edges[r + 1]`.
#[inline]
pub fn agent_owner(edges: &[usize], a: AgentId) -> usize {
    edges.partition_point(|&e| e <= a as usize) - 1
}

/// What one tick fetched, to blank at its end.
#[derive(Debug, Default)]
pub struct Halo {
    items: Vec<ItemId>,
    authors: Vec<AgentId>,
}

impl Halo {
    /// Items fetched.
    pub fn items(&self) -> usize {
        self.items.len()
    }

    /// Blank what was fetched (items the tick forgot meanwhile are skipped), so that a rank
    /// between ticks holds its own authors' items only.
    pub fn clear(self, world: &mut World) {
        let held = world.items.author.held();
        for id in self.items {
            if held.contains(&(id as usize)) {
                world.items.set(&ItemRecord::blank(id));
            }
        }
        for a in self.authors {
            world.items.set_ring(a, [NO_ITEM; RECENT_PER_AUTHOR], 0);
        }
    }
}

/// A set of small integers marked from many threads at once.
struct Marks(Vec<AtomicU64>);

impl Marks {
    fn new(n: usize) -> Self {
        Self((0..n.div_ceil(64)).map(|_| AtomicU64::new(0)).collect())
    }

    #[inline]
    fn set(&self, i: usize) {
        let (word, bit) = (&self.0[i / 64], 1 << (i % 64));
        // Most marks repeat (popular authors): a plain load skips the locked write.
        if word.load(Ordering::Relaxed) & bit == 0 {
            word.fetch_or(bit, Ordering::Relaxed);
        }
    }

    /// The marked members of `range`, ascending.
    fn members(&self, range: Range<usize>, out: &mut Vec<u32>, offset: u32) {
        let mut i = range.start;
        while i < range.end {
            let word = self.0[i / 64].load(Ordering::Relaxed) >> (i % 64);
            let span = (64 - i % 64).min(range.end - i);
            let mut w = if span == 64 {
                word
            } else {
                word & ((1 << span) - 1)
            };
            while w != 0 {
                out.push(offset + (i + w.trailing_zeros() as usize) as u32);
                w &= w - 1;
            }
            i += span;
        }
    }
}

/// Each rank's request: the authors whose rings, and the items whose fields, the feeds of
/// `agents` (this rank's active agents) read and this rank (`me`) does not own. Marks in bit
/// sets (agents, items of the window) rather than sorted lists: a rank asks for ~10⁵ of them a
/// tick at 10⁶ agents.
pub fn requests(world: &World, agents: &[AgentId], edges: &[usize], me: usize) -> Vec<Vec<u8>> {
    let ranks = edges.len() - 1;
    let own = edges[me]..edges[me + 1];
    let first = world
        .items
        .first_since(world.tick.saturating_sub(world.feed.window));
    let last = world.items.len() as ItemId;
    let authors = Marks::new(world.agents());
    let items = Marks::new((last.saturating_sub(first)) as usize);
    agents.par_chunks(1024).for_each_init(
        || (Vec::new(), Vec::new()),
        |(a, i), chunk| {
            for &x in chunk {
                a.clear();
                i.clear();
                feed_reads(world, x, a, i);
                for &f in a.iter() {
                    if !own.contains(&(f as usize)) {
                        authors.set(f as usize);
                    }
                }
                for &it in i.iter() {
                    items.set((it - first) as usize);
                }
            }
        },
    );
    let mut by_rank = vec![(Vec::new(), Vec::new()); ranks];
    for (r, asked) in by_rank.iter_mut().enumerate().filter(|&(r, _)| r != me) {
        authors.members(edges[r]..edges[r + 1], &mut asked.0, 0);
    }
    // The window's items, block by block of their owners (blocks tile the ids).
    let blocks = &world.items.owners;
    let from = blocks.partition_point(|&(start, _)| start <= first).max(1) - 1;
    for (k, &(start, rank)) in blocks.iter().enumerate().skip(from) {
        let end = blocks.get(k + 1).map_or(last, |b| b.0);
        let (lo, hi) = (start.max(first), end.min(last));
        if rank as usize != me && lo < hi {
            let range = (lo - first) as usize..(hi - first) as usize;
            items.members(range, &mut by_rank[rank as usize].1, first);
        }
    }
    by_rank
        .into_iter()
        .map(|(authors, items)| {
            let mut out = Vec::with_capacity(8 + 4 * (authors.len() + items.len()));
            put_ids(&mut out, &authors);
            put_ids(&mut out, &items);
            out
        })
        .collect()
}

/// The answers of this rank (`me`) to every rank's request: the rings asked for, and the
/// fields of every item asked for or in those rings within the feed window.
pub fn answer(world: &World, asked: &[Vec<u8>], me: usize) -> Result<Vec<Vec<u8>>, WireError> {
    let first = world
        .items
        .first_since(world.tick.saturating_sub(world.feed.window));
    let own_agents = world.population.community.held();
    asked
        .par_iter()
        .map(|req| {
            let mut r = Reader::new(req);
            let authors = get_ids(&mut r)?;
            let mut items = get_ids(&mut r)?;
            if !r.done() {
                return Err(WireError("trailing bytes in a fetch request", r.at));
            }
            // Requested items and the rings' items of the window, each once, ascending.
            let last = world.items.len() as ItemId;
            let wanted = Marks::new(last.saturating_sub(first) as usize);
            for &i in &items {
                if !(first..last).contains(&i) {
                    return Err(WireError("item asked outside the feed window", 0));
                }
                wanted.set((i - first) as usize);
            }
            // Rings: only the authors with items in the window, and only those items (the
            // feed reads nothing else of a ring; the order within a ring does not matter).
            let mut rings = Vec::with_capacity(4 + 9 * authors.len());
            let mut answered = 0u32;
            for &f in &authors {
                if !own_agents.contains(&(f as usize)) {
                    return Err(WireError(
                        "ring asked of a rank that does not own its author",
                        0,
                    ));
                }
                let (mut recent, mut k) = ([NO_ITEM; RECENT_PER_AUTHOR], 0);
                for i in world.items.recent_of(f).filter(|&i| i >= first) {
                    recent[k] = i;
                    k += 1;
                }
                if k == 0 {
                    continue;
                }
                answered += 1;
                rings.extend_from_slice(&f.to_le_bytes());
                rings.push(k as u8);
                for &i in &recent[..k] {
                    rings.extend_from_slice(&i.to_le_bytes());
                    wanted.set((i - first) as usize);
                }
            }
            let mut out = Vec::with_capacity(4 + rings.len());
            out.extend_from_slice(&answered.to_le_bytes());
            out.extend_from_slice(&rings);
            items.clear();
            wanted.members(0..(last - first) as usize, &mut items, first);
            let held = world.items.author.held();
            out.extend_from_slice(&(items.len() as u32).to_le_bytes());
            out.reserve(RECORD * items.len());
            for &i in &items {
                if !held.contains(&(i as usize)) || world.items.owner(i) != me {
                    return Err(WireError("item asked of a rank that does not own it", 0));
                }
                put_record(&mut out, &world.items.record(i));
            }
            Ok(out)
        })
        .collect()
}

/// Write the answers into `world`'s arrays; what they filled is returned to be blanked.
pub fn install(world: &mut World, answers: &[Vec<u8>]) -> Result<Halo, WireError> {
    let mut halo = Halo::default();
    let held = world.items.author.held();
    for part in answers {
        let mut r = Reader::new(part);
        for _ in 0..r.u32()? {
            let f = r.u32()?;
            let k = r.u8()? as usize;
            if k > RECENT_PER_AUTHOR || f as usize >= world.items.recent_head.len() {
                return Err(WireError("a ring that cannot be", r.at));
            }
            let mut ring = [NO_ITEM; RECENT_PER_AUTHOR];
            for slot in &mut ring[..k] {
                *slot = r.u32()?;
            }
            world.items.set_ring(f, ring, 0);
            halo.authors.push(f);
        }
        for _ in 0..r.u32()? {
            let rec = get_record(&mut r)?;
            if !held.contains(&(rec.id as usize)) {
                return Err(WireError("item outside the feed window", r.at));
            }
            world.items.set(&rec);
            halo.items.push(rec.id);
        }
        if !r.done() {
            return Err(WireError("trailing bytes in a fetch answer", r.at));
        }
    }
    Ok(halo)
}

fn put_ids(out: &mut Vec<u8>, ids: &[u32]) {
    out.extend_from_slice(&(ids.len() as u32).to_le_bytes());
    for i in ids {
        out.extend_from_slice(&i.to_le_bytes());
    }
}

fn get_ids(r: &mut Reader<'_>) -> Result<Vec<u32>, WireError> {
    let n = r.u32()? as usize;
    let bytes = r.bytes(4 * n)?;
    Ok(bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

/// Bytes of one encoded [`ItemRecord`].
const RECORD: usize = 39;

fn put_record(out: &mut Vec<u8>, r: &ItemRecord) {
    for v in [r.id, r.author, r.tick] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&r.topic.to_le_bytes());
    out.extend_from_slice(&r.stance.to_le_bytes());
    out.push(match r.kind {
        ItemKind::Post => 0,
        ItemKind::Reply => 1,
        ItemKind::Repost => 2,
        ItemKind::Quote => 3,
    });
    for v in [r.parent, r.root, r.root_author, r.likes, r.shares] {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

fn get_record(r: &mut Reader<'_>) -> Result<ItemRecord, WireError> {
    let (id, author, tick) = (r.u32()?, r.u32()?, r.u32()?);
    let (topic, stance) = (r.u16()?, r.f32()?);
    let at = r.at;
    let kind = match r.u8()? {
        0 => ItemKind::Post,
        1 => ItemKind::Reply,
        2 => ItemKind::Repost,
        3 => ItemKind::Quote,
        _ => return Err(WireError("unknown item kind", at)),
    };
    Ok(ItemRecord {
        id,
        author,
        tick,
        topic,
        stance,
        kind,
        parent: r.u32()?,
        root: r.u32()?,
        root_author: r.u32()?,
        likes: r.u32()?,
        shares: r.u32()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_owners_skip_empty_ranks() {
        let edges = [0, 8192, 8192, 9000];
        assert_eq!(agent_owner(&edges, 0), 0);
        assert_eq!(agent_owner(&edges, 8191), 0);
        assert_eq!(agent_owner(&edges, 8192), 2);
        assert_eq!(agent_owner(&edges, 8999), 2);
    }

    #[test]
    fn marks_list_members_of_a_range_in_order() {
        let m = Marks::new(200);
        for i in [0, 3, 63, 64, 65, 127, 128, 199] {
            m.set(i);
        }
        let mut out = Vec::new();
        m.members(3..128, &mut out, 1000);
        assert_eq!(out, vec![1003, 1063, 1064, 1065, 1127]);
        out.clear();
        m.members(0..200, &mut out, 0);
        assert_eq!(out, vec![0, 3, 63, 64, 65, 127, 128, 199]);
        out.clear();
        m.members(66..66, &mut out, 0);
        assert!(out.is_empty());
    }

    #[test]
    fn records_round_trip() {
        let rec = ItemRecord {
            id: 7,
            author: 3,
            tick: 2,
            topic: 1,
            stance: -0.25,
            kind: ItemKind::Quote,
            parent: 5,
            root: 4,
            root_author: 9,
            likes: 11,
            shares: 12,
        };
        let mut out = Vec::new();
        put_record(&mut out, &rec);
        assert_eq!(out.len(), RECORD);
        let mut r = Reader::new(&out);
        assert_eq!(get_record(&mut r).unwrap(), rec);
        assert!(r.done());
    }
}
