//! The decisions of a run's decision log as samples (the context as the engine's
//! [`DecisionView`], and what was done), and the fixed split into fitting and held-out
//! decisions.

use std::path::Path;

use emergent_io::run_dir::{DecisionItemRows, DecisionRows, read_decisions};
use emergent_sim::policy::{DecisionOutcome, DecisionView, ItemView};
use emergent_sim::rng::mix64;

/// One decision of an LLM-driven agent that the model answered (not a fallback).
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub agent: u32,
    pub tick: u32,
    pub group: u32,
    pub view: DecisionView,
    pub outcome: DecisionOutcome,
}

/// A run's usable decisions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Decisions {
    pub samples: Vec<Sample>,
    /// Decisions the surrogate made instead (the request failed): not used.
    pub fell_back: usize,
}

/// Held-out agents: one in [`HELD_OUT_EVERY`], by a hash of the agent id (so one agent's
/// decisions are all on one side, and the split does not depend on the order of the log).
pub const HELD_OUT_EVERY: u64 = 5;

/// Whether `agent`'s decisions are held out of the fit.
pub fn is_held_out(agent: u32) -> bool {
    mix64(agent as u64 ^ 0xd157_11ed).is_multiple_of(HELD_OUT_EVERY)
}

impl Decisions {
    /// The decision log of the run in `dir` (`decisions.parquet`, `decision_items.parquet`).
    pub fn read(dir: &Path) -> Result<Self, emergent_io::IoError> {
        let (d, i) = read_decisions(dir)?;
        Ok(Self::from_rows(&d, &i))
    }

    /// Samples from the two tables (checked to agree by the reader).
    pub fn from_rows(d: &DecisionRows, i: &DecisionItemRows) -> Self {
        let mut out = Self::default();
        let mut at = 0usize;
        for r in 0..d.len() {
            let n = d.feed_len[r] as usize;
            let rows = at..at + n;
            at += n;
            if d.fell_back[r] != 0 {
                out.fell_back += 1;
                continue;
            }
            let items = rows
                .clone()
                .map(|k| ItemView {
                    item: i.item[k],
                    author: i.author[k],
                    stance: i.stance[k],
                    followed: i.followed[k] != 0,
                    likes: i.likes[k],
                    shares: i.shares[k],
                    kind: i.kind[k],
                })
                .collect();
            let likes = rows
                .clone()
                .enumerate()
                .filter(|&(_, k)| i.liked[k] != 0)
                .map(|(rank, _)| rank)
                .collect();
            let rank = |v: Option<u32>| {
                v.and_then(|k| (k as usize).checked_sub(1))
                    .filter(|&k| k < n)
            };
            let outcome = DecisionOutcome {
                stance: d.new_stance[r],
                post: (d.post[r] != 0).then(|| d.post_stance[r].unwrap_or(d.stance[r])),
                likes,
                reply: rank(d.reply_rank[r]).map(|k| (k, d.reply_stance[r].unwrap_or(d.stance[r]))),
                repost: rank(d.repost_rank[r]),
            };
            out.samples.push(Sample {
                agent: d.agent[r],
                tick: d.tick[r],
                group: d.group[r],
                view: DecisionView {
                    stance: d.stance[r],
                    susceptibility: d.susceptibility[r],
                    items,
                },
                outcome,
            });
        }
        out
    }

    /// (fitting, held-out) samples.
    pub fn split(&self) -> (Vec<&Sample>, Vec<&Sample>) {
        self.samples.iter().partition(|s| !is_held_out(s.agent))
    }
}
