//! `[feed]`: what an active agent sees.

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
    /// Semantic problems of `[feed]`.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Problems::default();
        let f = self;
        out.check(
            (0.0..=1.0).contains(&f.out_of_network_share),
            &["feed", "out_of_network_share"],
            "must be in [0, 1]".into(),
        );
        out.check(
            f.window >= 1,
            &["feed", "window"],
            "must be at least 1".into(),
        );
        out.check(
            f.followee_sample >= 1,
            &["feed", "followee_sample"],
            "must be at least 1".into(),
        );
        out.check(
            f.hot_decay >= 0.0,
            &["feed", "hot_decay"],
            "must be non-negative".into(),
        );
        out.0
    }
}
