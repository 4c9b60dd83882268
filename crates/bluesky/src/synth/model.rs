//! Who does what in a synthetic capture. Users have a popularity (Pareto: heavy-tailed
//! follower counts) and an activity rate (lognormal). Each event picks its author by activity
//! and, for follows, likes, reposts and replies, its target by popularity — so engagement
//! concentrates on popular accounts as it does on Bluesky.

use rayon::prelude::*;

use super::rng::{Alias, Rng, hash_words};

/// Tail index of popularity: P(w > x) = x^-1.2, so in-capture follower counts are power-law.
const POPULARITY_ALPHA: f64 = 1.2;
/// Log-scale spread of per-user activity rates.
const ACTIVITY_SIGMA: f64 = 1.3;

/// A tracked collection, as the generator names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Coll {
    Post,
    Repost,
    Like,
    Follow,
}

/// What a drafted event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum What {
    Like,
    Repost,
    Follow,
    Post,
    Reply,
    /// A commit to an untracked collection (index into `OTHER_COLLECTIONS`).
    Other(u8),
    Identity,
    Account,
    /// Deletes a record created earlier in the capture.
    Delete(Coll),
    /// Deletes a record created before the capture began.
    DeleteBefore(Coll),
}

/// Share of each drafted event kind (matched deletes come on top, from scheduled creates).
pub(crate) const MIX: [(What, f64); 13] = [
    (What::Like, 0.56),
    (What::Follow, 0.11),
    (What::Post, 0.10),
    (What::Reply, 0.07),
    (What::Repost, 0.09),
    (What::Other(0), 0.02),
    (What::Other(1), 0.015),
    (What::Other(2), 0.010),
    (What::Identity, 0.004),
    (What::Account, 0.003),
    (What::DeleteBefore(Coll::Like), 0.010),
    (What::DeleteBefore(Coll::Follow), 0.004),
    (What::DeleteBefore(Coll::Post), 0.004),
];

/// Probability that a created follow/like/repost/post is deleted later (if "later" falls in
/// the capture), and the delay: at least an hour, then exponential.
pub(crate) const DELETE_PROBABILITY: f64 = 0.03;
pub(crate) const DELETE_MIN_DELAY_US: i64 = 3_600_000_000;
pub(crate) const DELETE_MEAN_EXTRA_DELAY_US: f64 = 12.0 * 3_600_000_000.0;

/// One drafted event. `rkey` of creates is assigned once times are final.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Draft {
    pub time_us: i64,
    pub actor: u32,
    pub what: What,
    /// Followed user, or author of the liked/reposted/replied-to post; `u32::MAX` if none.
    pub target: u32,
    /// TID of the post a like/repost/reply points at.
    pub target_post: u64,
    /// The record's key (creates, deletes).
    pub rkey: u64,
    /// Randomness for details (CIDs, text, clock ids), fixed at drafting time.
    pub salt: u64,
}

pub(crate) const NO_USER: u32 = u32::MAX;

pub(crate) struct Population {
    pub dids: Vec<[u8; 32]>,
    by_activity: Alias,
    by_popularity: Alias,
    kinds: Alias,
}

impl Population {
    pub fn new(users: u32, seed: u64) -> Self {
        let n = users as usize;
        let dids: Vec<[u8; 32]> = (0..users)
            .into_par_iter()
            .map(|u| did_of(seed, u))
            .collect();
        let (activity, popularity): (Vec<f64>, Vec<f64>) = (0..users)
            .into_par_iter()
            .map(|u| {
                let mut rng = Rng::stream(&[seed, 1, u64::from(u)]);
                (
                    rng.lognormal_with_mean(1.0, ACTIVITY_SIGMA),
                    rng.pareto(POPULARITY_ALPHA),
                )
            })
            .unzip();
        debug_assert_eq!(activity.len(), n);
        let kinds = Alias::new(&MIX.map(|m| m.1));
        Population {
            dids,
            by_activity: Alias::new(&activity),
            by_popularity: Alias::new(&popularity),
            kinds,
        }
    }

    /// Draft `count` events with times uniform in `[start, start + len)`, from stream `stream`.
    pub fn draft(
        &self,
        stream: &[u64],
        count: usize,
        start: i64,
        len: i64,
        capture_start: i64,
    ) -> Vec<Draft> {
        let mut rng = Rng::stream(stream);
        (0..count)
            .map(|_| {
                let time_us = start + rng.below(len.max(1) as u64) as i64;
                let actor = self.by_activity.sample(&mut rng);
                let what = MIX[self.kinds.sample(&mut rng) as usize].0;
                let salt = rng.next_u64();
                let mut d = Draft {
                    time_us,
                    actor,
                    what,
                    target: NO_USER,
                    target_post: 0,
                    rkey: 0,
                    salt,
                };
                match what {
                    What::Like | What::Repost | What::Reply => {
                        d.target = self.by_popularity.sample(&mut rng);
                        // The post engaged with was written up to 30 days before.
                        let age = rng.below(30 * 86_400_000_000) as i64 + 1;
                        d.target_post = crate::tid::tid_from_parts(time_us - age, rng.next_u64());
                    }
                    What::Follow => d.target = self.by_popularity.sample(&mut rng),
                    What::DeleteBefore(_) => {
                        // A record from before the capture: its TID predates the first event.
                        let age = rng.below(365 * 86_400_000_000) as i64 + 1;
                        d.rkey = crate::tid::tid_from_parts(capture_start - age, rng.next_u64());
                    }
                    _ => {}
                }
                d
            })
            .collect()
    }
}

/// `did:plc:` + 24 base32 characters: 17 random, then 7 encoding the index (so DIDs are
/// distinct by construction).
pub(crate) fn did_of(seed: u64, u: u32) -> [u8; 32] {
    const B32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut out = [0u8; 32];
    out[..8].copy_from_slice(b"did:plc:");
    let (mut a, mut b) = (
        hash_words(&[seed, 2, u64::from(u)]),
        hash_words(&[seed, 3, u64::from(u)]),
    );
    for (i, slot) in out[8..25].iter_mut().enumerate() {
        let r = if i < 12 { &mut a } else { &mut b };
        *slot = B32[(*r & 31) as usize];
        *r >>= 5;
    }
    let mut x = u;
    for slot in out[25..].iter_mut().rev() {
        *slot = B32[(x & 31) as usize];
        x >>= 5;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dids_are_distinct_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for u in 0..50_000 {
            let d = did_of(9, u);
            assert!(
                d.starts_with(b"did:plc:")
                    && d[8..]
                        .iter()
                        .all(|c| c.is_ascii_lowercase() || (b'2'..=b'7').contains(c))
            );
            assert!(seen.insert(d));
        }
    }

    #[test]
    fn mix_sums_to_one() {
        let s: f64 = MIX.iter().map(|m| m.1).sum();
        assert!((s - 1.0).abs() < 1e-12, "{s}");
    }
}
