//! What one social decision's context showed, as numbers ([`DecisionView`]), the features a
//! distilled policy reads from it, and what the decision did ([`DecisionOutcome`]).
//!
//! The same functions compute the features when an LLM run records its decisions
//! (`decisions.parquet`), when `emergent distill` fits a policy to them, and when the
//! distilled policy decides: training and use cannot drift apart.

use std::sync::OnceLock;

use crate::action::{Action, Decision};
use crate::items::ItemKind;
use crate::world::World;
use crate::{AgentId, ItemId};

/// Bumped whenever the features below change, so a `policy.json` fitted to other features is
/// refused, not misread.
pub const FEATURES_VERSION: u32 = 1;

/// Names of the decision-level features, in [`DecisionView::features`] order.
pub const DECISION_FEATURES: [&str; 8] = [
    "bias",
    "stance",
    "abs_stance",
    "feed_mean_gap",
    "abs_feed_mean_gap",
    "close_mean_gap",
    "feed_fill",
    "susceptibility",
];

/// Names of the per-item features, in [`DecisionView::item_features`] order. Besides the
/// distance itself, steps `distance ≥ 0.1, 0.2, …, 1.0` let a logistic model follow a
/// response that changes abruptly with distance ("agree" / "disagree"), wherever it does.
pub const ITEM_FEATURES: [&str; 19] = [
    "bias",
    "distance",
    "distance_sq",
    "signed_gap",
    "rank_fraction",
    "log_likes",
    "log_shares",
    "followed",
    "is_post",
    "distance_ge_0.1",
    "distance_ge_0.2",
    "distance_ge_0.3",
    "distance_ge_0.4",
    "distance_ge_0.5",
    "distance_ge_0.6",
    "distance_ge_0.7",
    "distance_ge_0.8",
    "distance_ge_0.9",
    "distance_ge_1.0",
];

/// The distance steps of [`ITEM_FEATURES`].
const DISTANCE_STEPS: usize = 10;

/// Items within this distance of one's stance count as close (`close_mean_gap`).
pub const CLOSE_DISTANCE: f64 = 0.4;

/// Names of the item kinds as `decision_items.parquet` stores them (index = code).
pub const ITEM_KIND_NAMES: [&str; 4] = ["post", "reply", "repost", "quote"];

/// One feed item as the deciding agent saw it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ItemView {
    /// The item's id.
    pub item: ItemId,
    /// Its author.
    pub author: AgentId,
    /// The stance it expresses.
    pub stance: f64,
    /// Whether the deciding agent follows its author.
    pub followed: bool,
    /// Likes and shares it had when shown.
    pub likes: u32,
    /// Shares (reposts and quotes) it had when shown.
    pub shares: u32,
    /// Index into [`ITEM_KIND_NAMES`].
    pub kind: u8,
}

/// The context of one decision: the agent's own state and its ranked feed.
#[derive(Clone, Debug, PartialEq)]
pub struct DecisionView {
    /// The agent's stance (topic 0) at the start of the tick.
    pub stance: f64,
    /// The agent's susceptibility (the persona's openness).
    pub susceptibility: f64,
    /// The feed, best-ranked first.
    pub items: Vec<ItemView>,
}

/// Counts below this have `ln(1 + n)` in a table ([`ln_1p_count`]).
const LN_TABLE: usize = 1024;

/// `ln(1 + n)`: the same value the expression computes, from a table for small counts (most
/// items' likes and shares), since the distilled policy needs two per feed item per decision.
fn ln_1p_count(n: u32) -> f64 {
    static TABLE: OnceLock<[f64; LN_TABLE]> = OnceLock::new();
    let table = TABLE.get_or_init(|| std::array::from_fn(|n| (1.0 + n as f64).ln()));
    match table.get(n as usize) {
        Some(&v) => v,
        None => (1.0 + n as f64).ln(),
    }
}

fn kind_code(k: ItemKind) -> u8 {
    match k {
        ItemKind::Post => 0,
        ItemKind::Reply => 1,
        ItemKind::Repost => 2,
        ItemKind::Quote => 3,
    }
}

impl DecisionView {
    /// What `agent` sees at the world's tick with `feed`.
    pub fn of(world: &World, agent: AgentId, feed: &[ItemId]) -> Self {
        let mut v = Self {
            stance: 0.0,
            susceptibility: 0.0,
            items: Vec::with_capacity(feed.len()),
        };
        v.refill(world, agent, feed);
        v
    }

    /// Make this view what `agent` sees with `feed`, reusing its item buffer: the distilled
    /// policy keeps one view per thread instead of allocating one per decision.
    pub fn refill(&mut self, world: &World, agent: AgentId, feed: &[ItemId]) {
        let it = &world.items;
        self.items.clear();
        self.items.extend(feed.iter().map(|&i| {
            let iu = i as usize;
            ItemView {
                item: i,
                author: it.author[iu],
                stance: it.stance[iu] as f64,
                followed: world.network.follows(agent, it.author[iu]),
                likes: it.likes[iu],
                shares: it.shares[iu],
                kind: kind_code(it.kind[iu]),
            }
        }));
        self.stance = world.population.stance(agent, 0);
        self.susceptibility = world.population.susceptibility[agent as usize];
    }

    /// Mean stance of the items `keep` selects, minus one's own (0 when none).
    fn mean_gap(&self, keep: impl Fn(&ItemView) -> bool) -> f64 {
        let (mut sum, mut n) = (0.0, 0u32);
        for i in self.items.iter().filter(|i| keep(i)) {
            sum += i.stance;
            n += 1;
        }
        match n {
            0 => 0.0,
            n => sum / n as f64 - self.stance,
        }
    }

    /// The decision-level features ([`DECISION_FEATURES`]) for a feed of at most
    /// `feed_size` items.
    pub fn features(&self, feed_size: usize) -> [f64; DECISION_FEATURES.len()] {
        let x = self.stance;
        let gap = self.mean_gap(|_| true);
        let close = self.mean_gap(|i| (i.stance - x).abs() < CLOSE_DISTANCE);
        [
            1.0,
            x,
            x.abs(),
            gap,
            gap.abs(),
            close,
            self.items.len() as f64 / feed_size.max(1) as f64,
            self.susceptibility,
        ]
    }

    /// The features of feed item `k` (0-based rank; [`ITEM_FEATURES`]).
    pub fn item_features(&self, k: usize) -> [f64; ITEM_FEATURES.len()] {
        let i = &self.items[k];
        let gap = i.stance - self.stance;
        let d = gap.abs();
        let mut f = [0.0; ITEM_FEATURES.len()];
        f[..9].copy_from_slice(&[
            1.0,
            d,
            d * d,
            gap,
            k as f64 / self.items.len().max(1) as f64,
            ln_1p_count(i.likes),
            ln_1p_count(i.shares),
            f64::from(u8::from(i.followed)),
            f64::from(u8::from(i.kind == 0)),
        ]);
        // Compared in hundredths so 0.3 − 0.0 counts as reaching the 0.3 step.
        let hundredths = (d * 100.0).round();
        for s in 0..DISTANCE_STEPS {
            f[9 + s] = f64::from(u8::from(hundredths >= 10.0 * (s + 1) as f64));
        }
        f
    }
}

/// What a social decision did, in feed positions (0-based ranks).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DecisionOutcome {
    /// The stance after the decision (one's own when it set none).
    pub stance: f64,
    /// The stance of a new post, if it posted.
    pub post: Option<f64>,
    /// Ranks of the liked items, in the order liked.
    pub likes: Vec<usize>,
    /// Rank of the item replied to, and the reply's stance.
    pub reply: Option<(usize, f64)>,
    /// Rank of the item reposted.
    pub repost: Option<usize>,
}

impl DecisionOutcome {
    /// The outcome of `d`, taken by an agent whose stance was `stance` and whose feed was
    /// `feed` (actions naming items outside the feed are left out).
    pub fn of(d: &Decision, feed: &[ItemId], stance: f64) -> Self {
        let rank = |item: ItemId| feed.iter().position(|&i| i == item);
        let mut out = Self {
            stance,
            ..Self::default()
        };
        for a in d.actions() {
            match *a {
                Action::SetStance { topic: 0, value } => out.stance = value.clamp(-1.0, 1.0),
                Action::Post { stance, .. } => out.post = Some(stance as f64),
                Action::Like { item } => out.likes.extend(rank(item)),
                Action::Reply { parent, stance } if out.reply.is_none() => {
                    out.reply = rank(parent).map(|k| (k, stance as f64));
                }
                Action::Repost { parent } if out.repost.is_none() => out.repost = rank(parent),
                _ => {}
            }
        }
        out
    }
}

/// One recorded decision of an LLM-driven agent (a row of `decisions.parquet` and its items'
/// rows of `decision_items.parquet`).
#[derive(Clone, Debug, PartialEq)]
pub struct DecisionRecord {
    /// Who decided.
    pub agent: AgentId,
    /// At which tick.
    pub tick: u32,
    /// Index of the agent's `[[llm.groups]]` entry (0 when the scenario declares none).
    pub group: u32,
    /// The request failed and the surrogate decided instead.
    pub fell_back: bool,
    /// What the prompt showed.
    pub view: DecisionView,
    /// What the answer did.
    pub outcome: DecisionOutcome,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> DecisionView {
        let item = |id, stance| ItemView {
            item: id,
            author: id,
            stance,
            followed: id == 1,
            likes: 3,
            shares: 0,
            kind: 0,
        };
        DecisionView {
            stance: 0.1,
            susceptibility: 0.5,
            items: vec![item(1, 0.3), item(2, -0.9)],
        }
    }

    #[test]
    fn features_read_the_feed() {
        let v = view();
        let f = v.features(4);
        assert!((f[3] - (-0.3 - 0.1)).abs() < 1e-12, "mean gap {f:?}");
        assert!((f[5] - 0.2).abs() < 1e-12, "only item 1 is close: {f:?}");
        assert_eq!(f[6], 0.5);
        let g = v.item_features(1);
        assert!(
            (g[1] - 1.0).abs() < 1e-12 && g[4] == 0.5 && g[7] == 0.0,
            "{g:?}"
        );
        assert_eq!(v.item_features(0)[7], 1.0);
    }

    #[test]
    fn the_log_table_matches_the_expression() {
        for n in [0, 1, 2, 7, 1023, 1024, 5000, u32::MAX] {
            assert_eq!(
                ln_1p_count(n).to_bits(),
                (1.0 + n as f64).ln().to_bits(),
                "{n}"
            );
        }
    }

    #[test]
    fn outcomes_name_feed_ranks() {
        let mut d = Decision::none();
        d.push(Action::SetStance {
            topic: 0,
            value: 2.0,
        });
        d.push(Action::Like { item: 7 });
        d.push(Action::Like { item: 99 });
        d.push(Action::Repost { parent: 5 });
        let o = DecisionOutcome::of(&d, &[5, 7], 0.0);
        assert_eq!(o.stance, 1.0);
        assert_eq!(o.likes, vec![1]);
        assert_eq!((o.repost, o.post, o.reply), (Some(0), None, None));
    }
}
