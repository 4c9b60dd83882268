//! What a rank's accepted actions do to state other ranks own, delivered to those ranks.
//!
//! After the owner step ([`World::apply_own`](crate::World::apply_own)) every rank sends each
//! rank one part of one `MPI_Alltoallv`:
//!
//! - to every rank: how many items it creates this tick (so that every rank knows each
//!   rank's block of item ids: a tick's items are its ranks' blocks in rank order, as one
//!   process numbers them), and its executed trades (the market price and "sold recently"
//!   are replicated);
//! - to the owner of an item its agents engaged with: the like, reply, quote or repost,
//!   which counts on the item and on its author (whom that rank owns too);
//! - to the owner of a followed or unfollowed agent: the edit of its followers' row (and to
//!   itself, for the actor's followees' row);
//! - to the owner of an item its agents contacted reciprocally (radicalization): the shift of
//!   the item's author's stance;
//! - to every rank: its counts (active agents, exposures, refused actions, accepted actions by
//!   kind), so every rank's report has the whole tick's (each rank records its own actions).
//!
//! One process sends all of it to itself: the same code path.
//!
//! Layout, little-endian: `new u32 · active u64 · exposures u64 · rejected u64 · 11 × u64
//! (accepted by kind) · n u32 · n × (agent u32 · traded f64) · m u32 · m × (item u32 · kind u8)
//! · k u32 · k × (follower u32 · followee u32 · want u8) · j u32 · j × (item u32 · delta f64)`.

use crate::action::{ACTION_NAMES, Action};
use crate::halo::agent_owner;
use crate::wire::{Reader, TickLog, WireError};
use crate::world::World;
use crate::{AgentId, ItemId};

/// An engagement with an item, as its owner counts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Engagement {
    Like,
    Reply,
    Quote,
    Repost,
}

/// One rank's part for one rank, decoded.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Delivery {
    /// Items the sender creates this tick.
    pub new_items: u32,
    /// The sender's active agents, their exposures, and their refused actions.
    pub counts: [u64; 3],
    /// The sender's accepted actions by kind.
    pub by_kind: [u64; ACTION_NAMES.len()],
    /// The sender's executed trades, agents ascending.
    pub trades: Vec<(AgentId, f64)>,
    /// Engagements with items the receiver owns.
    pub engagements: Vec<(ItemId, Engagement)>,
    /// Follow edits whose rows the receiver holds: `((follower, followee), present)`.
    pub edges: Vec<((AgentId, AgentId), bool)>,
    /// Stance shifts of the authors of items the receiver owns: `(item, delta)`.
    pub influences: Vec<(ItemId, f64)>,
}

/// Whether an accepted action creates an item.
pub(crate) fn creates_item(a: &Action) -> bool {
    matches!(
        a,
        Action::Post { .. } | Action::Reply { .. } | Action::Quote { .. } | Action::Repost { .. }
    )
}

/// Every rank's part of what `own` (this rank's, `me`, accepted actions) delivers; rank r
/// owns agents `edges[r]..edges[r + 1]`.
pub(crate) fn route(world: &World, own: &TickLog, me: usize, edges: &[usize]) -> Vec<Vec<u8>> {
    let ranks = edges.len() - 1;
    let new_items = own
        .accepted
        .iter()
        .filter(|e| creates_item(&e.action))
        .count() as u32;
    let trades: Vec<(AgentId, f64)> = own
        .accepted
        .iter()
        .filter(|e| matches!(e.action, Action::Trade { .. }))
        .map(|e| (e.agent, e.traded))
        .collect();
    let counts = [own.active, own.exposures, own.rejected];
    let by_kind = own.by_kind();
    let mut parts: Vec<Delivery> = (0..ranks)
        .map(|_| Delivery {
            new_items,
            counts,
            by_kind,
            trades: trades.clone(),
            ..Default::default()
        })
        .collect();
    for e in &own.accepted {
        let (item, kind) = match e.action {
            Action::Like { item } => (item, Engagement::Like),
            Action::Reply { parent, .. } => (parent, Engagement::Reply),
            Action::Quote { parent, .. } => (parent, Engagement::Quote),
            Action::Repost { parent } => (parent, Engagement::Repost),
            Action::Follow { agent: v } | Action::Unfollow { agent: v } => {
                let want = matches!(e.action, Action::Follow { .. });
                let owner = agent_owner(edges, v);
                parts[owner].edges.push(((e.agent, v), want));
                if owner != me {
                    parts[me].edges.push(((e.agent, v), want));
                }
                continue;
            }
            Action::Influence { item, delta } => {
                parts[world.items.owner(item)]
                    .influences
                    .push((item, delta));
                continue;
            }
            _ => continue,
        };
        parts[world.items.owner(item)]
            .engagements
            .push((item, kind));
    }
    parts.iter().map(encode).collect()
}

/// Encode one part.
pub(crate) fn encode(d: &Delivery) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        132 + 12 * d.trades.len()
            + 5 * d.engagements.len()
            + 9 * d.edges.len()
            + 12 * d.influences.len(),
    );
    out.extend_from_slice(&d.new_items.to_le_bytes());
    for c in d.counts.iter().chain(&d.by_kind) {
        out.extend_from_slice(&c.to_le_bytes());
    }
    out.extend_from_slice(&(d.trades.len() as u32).to_le_bytes());
    for &(a, q) in &d.trades {
        out.extend_from_slice(&a.to_le_bytes());
        out.extend_from_slice(&q.to_le_bytes());
    }
    out.extend_from_slice(&(d.engagements.len() as u32).to_le_bytes());
    for &(i, k) in &d.engagements {
        out.extend_from_slice(&i.to_le_bytes());
        out.push(k as u8);
    }
    out.extend_from_slice(&(d.edges.len() as u32).to_le_bytes());
    for &((u, v), want) in &d.edges {
        out.extend_from_slice(&u.to_le_bytes());
        out.extend_from_slice(&v.to_le_bytes());
        out.push(want as u8);
    }
    out.extend_from_slice(&(d.influences.len() as u32).to_le_bytes());
    for &(i, delta) in &d.influences {
        out.extend_from_slice(&i.to_le_bytes());
        out.extend_from_slice(&delta.to_le_bytes());
    }
    out
}

/// Decode one part.
pub(crate) fn decode(part: &[u8]) -> Result<Delivery, WireError> {
    let mut r = Reader::new(part);
    let mut d = Delivery {
        new_items: r.u32()?,
        ..Default::default()
    };
    for c in &mut d.counts {
        *c = r.u64()?;
    }
    for c in &mut d.by_kind {
        *c = r.u64()?;
    }
    for _ in 0..r.u32()? {
        d.trades.push((r.u32()?, r.f64()?));
    }
    for _ in 0..r.u32()? {
        let item = r.u32()?;
        let at = r.at;
        let kind = match r.u8()? {
            0 => Engagement::Like,
            1 => Engagement::Reply,
            2 => Engagement::Quote,
            3 => Engagement::Repost,
            _ => return Err(WireError("unknown engagement", at)),
        };
        d.engagements.push((item, kind));
    }
    for _ in 0..r.u32()? {
        d.edges.push(((r.u32()?, r.u32()?), r.u8()? != 0));
    }
    for _ in 0..r.u32()? {
        d.influences.push((r.u32()?, r.f64()?));
    }
    if !r.done() {
        return Err(WireError("trailing bytes in a delivery", r.at));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_round_trip_and_damage_is_refused() {
        let d = Delivery {
            new_items: 3,
            counts: [10, 1 << 40, 2],
            by_kind: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
            trades: vec![(4, -0.5), (9, 1e-300)],
            engagements: vec![
                (7, Engagement::Like),
                (8, Engagement::Reply),
                (8, Engagement::Quote),
                (u32::MAX - 1, Engagement::Repost),
            ],
            edges: vec![((1, 2), true), ((1, 2), false)],
            influences: vec![(5, -0.25), (6, 3.5)],
        };
        let bytes = encode(&d);
        assert_eq!(decode(&bytes).unwrap(), d);
        assert_eq!(
            decode(&encode(&Delivery::default())).unwrap(),
            Delivery::default()
        );
        assert!(decode(&bytes[..bytes.len() - 1]).is_err(), "truncated");
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer).is_err(), "trailing bytes");
        // The first engagement's kind byte: after the counts, the trades, the engagement count
        // and its item id.
        let kind_at = 4 + 14 * 8 + 4 + 2 * 12 + 4 + 4;
        let mut bad = bytes;
        bad[kind_at] = 9;
        assert_eq!(decode(&bad).unwrap_err().0, "unknown engagement");
    }
}
