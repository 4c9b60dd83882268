//! `[feed]`: what an active agent sees.

use crate::limits::{MAX_FEED_ITEMS, MAX_FEED_SIZE, MAX_FOLLOWEE_SAMPLE, MAX_WINDOW};
use crate::location::{Problem, Problems};
use serde::{Deserialize, Serialize};

/// `[feed]`: what an active agent sees.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeedConfig {
    /// Items per feed (F).
    pub size: usize,
    /// Share of the feed filled with random recent items from outside the
    /// agent's followees.
    pub out_of_network_share: f64,
    /// Ordering of in-network candidates.
    pub ranking: Ranking,
    /// Items from the last `window` ticks are eligible (W).
    pub window: u32,
    /// At most this many followees are sampled per feed (bounds the cost for
    /// agents who follow thousands).
    pub followee_sample: usize,
    /// Hot ranking: score lost per tick of age.
    pub hot_decay: f64,
}

/// Feed ranking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ranking {
    /// Newest first.
    Chronological,
    /// Reddit hot: `sign(s)·log10(max(|s|,1)) − hot_decay·age`.
    Hot,
    /// Most engagement first.
    Popularity,
    /// Closest stance (topic of the item) first.
    StanceSimilarity,
}

impl Default for FeedConfig {
    fn default() -> Self {
        Self {
            size: 20,
            out_of_network_share: 0.1,
            ranking: Ranking::Chronological,
            window: 3,
            followee_sample: 64,
            hot_decay: 0.2,
        }
    }
}

impl FeedConfig {
    /// Semantic problems of `[feed]` for `agents` agents.
    pub fn problems(&self, agents: usize) -> Vec<Problem> {
        let mut out = Problems::default();
        let f = self;
        out.count(&["feed", "size"], f.size as u64, 1, MAX_FEED_SIZE as u64);
        let items = (f.size as u64).saturating_mul(agents as u64);
        out.check(
            items <= MAX_FEED_ITEMS,
            &["feed", "size"],
            format!(
                "size × population.agents = {items} feed items per tick; at most {MAX_FEED_ITEMS} \
                 (feed offsets are 32-bit): at most {} for {agents} agents",
                MAX_FEED_ITEMS / agents.max(1) as u64
            ),
        );
        out.probability(&["feed", "out_of_network_share"], f.out_of_network_share);
        out.count(&["feed", "window"], f.window.into(), 1, MAX_WINDOW.into());
        out.count(
            &["feed", "followee_sample"],
            f.followee_sample as u64,
            1,
            MAX_FOLLOWEE_SAMPLE as u64,
        );
        out.real(&["feed", "hot_decay"], f.hot_decay, 0.0, 1000.0);
        out.0
    }
}
