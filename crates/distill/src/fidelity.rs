//! How well a policy predicts decisions it did not see: per choice (post; like each item;
//! reply to one item or none; repost one item or none) the log-loss and accuracy, and the
//! stance update's root-mean-square error — for any [`ChoiceModel`] (the distilled policy,
//! the hand-written surrogate, or in tests the hidden policy that made the decisions).

use serde::{Deserialize, Serialize};

use crate::dataset::Sample;

/// Most likes one social answer gives (the LLM answer schema's limit).
pub const MAX_LIKES: usize = 3;

/// Probabilities are clipped to [ε, 1 − ε] before the log: a model that calls an observed
/// choice impossible is charged −ln ε ≈ 13.8, not infinity.
pub const CLIP: f64 = 1e-6;

/// A policy's probability of each choice of a decision.
pub trait ChoiceModel {
    /// Probability of posting.
    fn p_post(&self, s: &Sample) -> f64;
    /// Probability of liking feed item `k` (0-based rank) when fewer than [`MAX_LIKES`]
    /// earlier items were liked.
    fn p_like(&self, s: &Sample, k: usize) -> f64;
    /// Probabilities of replying to item 0, 1, …, K−1, and last of replying to none.
    fn reply(&self, s: &Sample) -> Vec<f64>;
    /// Probabilities of reposting item 0, 1, …, K−1, and last of reposting none.
    fn repost(&self, s: &Sample) -> Vec<f64>;
    /// Expected stance after the decision.
    fn stance_mean(&self, s: &Sample) -> f64;
}

/// The categorical of "the first item whose draw succeeds" (last: none), from each item's
/// success probability in feed order.
pub fn first_success(p: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut out = Vec::new();
    let mut none = 1.0;
    for p in p {
        out.push(none * p);
        none *= 1.0 - p;
    }
    out.push(none);
    out
}

/// Log-loss and accuracy of one kind of choice.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// Mean −ln P(observed choice).
    pub log_loss: f64,
    /// Share of choices whose most likely option was the observed one.
    pub accuracy: f64,
    /// Number of choices scored.
    pub n: usize,
}

/// A policy's fidelity on a set of decisions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Fidelity {
    /// Decisions scored.
    pub decisions: usize,
    /// −ln P of everything discrete a decision did (post, likes, reply, repost), per decision.
    pub log_loss: f64,
    /// Share of all discrete choices predicted right.
    pub accuracy: f64,
    pub post: Score,
    /// One choice per item shown, up to the item that reached the like limit.
    pub like: Score,
    /// One choice per decision among K items and none.
    pub reply: Score,
    pub repost: Score,
    /// Root-mean-square error of the expected new stance.
    pub stance_rmse: f64,
}

#[derive(Default)]
struct Tally {
    loss: f64,
    right: usize,
    n: usize,
}

impl Tally {
    /// A choice among `p`'s options, `observed` made.
    fn add(&mut self, p: &[f64], observed: usize) -> f64 {
        let lp = -p[observed].clamp(CLIP, 1.0 - CLIP).ln();
        let best = (0..p.len()).fold(0, |b, k| if p[k] > p[b] { k } else { b });
        self.loss += lp;
        self.right += usize::from(best == observed);
        self.n += 1;
        lp
    }

    fn score(&self) -> Score {
        let n = self.n.max(1) as f64;
        Score {
            log_loss: self.loss / n,
            accuracy: self.right as f64 / n,
            n: self.n,
        }
    }
}

/// The feed ranks whose like choice counts: all, or up to the one that reached the limit.
pub fn like_ranks(s: &Sample) -> std::ops::Range<usize> {
    let mut liked: Vec<usize> = s.outcome.likes.clone();
    liked.sort_unstable();
    let end = match liked.get(MAX_LIKES - 1) {
        Some(&k) => k + 1,
        None => s.view.items.len(),
    };
    0..end.min(s.view.items.len())
}

/// `model`'s fidelity on `samples`.
pub fn fidelity(model: &dyn ChoiceModel, samples: &[&Sample]) -> Fidelity {
    let (mut post, mut like, mut reply, mut repost) = (
        Tally::default(),
        Tally::default(),
        Tally::default(),
        Tally::default(),
    );
    let (mut total, mut sq) = (0.0, 0.0);
    for s in samples {
        let o = &s.outcome;
        let p = model.p_post(s);
        total += Tally::add(&mut post, &[1.0 - p, p], usize::from(o.post.is_some()));
        for k in like_ranks(s) {
            let p = model.p_like(s, k);
            let liked = o.likes.contains(&k);
            total += Tally::add(&mut like, &[1.0 - p, p], usize::from(liked));
        }
        let none = s.view.items.len();
        let chosen = o.reply.map_or(none, |(k, _)| k);
        total += reply.add(&model.reply(s), chosen);
        total += repost.add(&model.repost(s), o.repost.unwrap_or(none));
        let e = model.stance_mean(s) - o.stance;
        sq += e * e;
    }
    let n = samples.len().max(1) as f64;
    let choices = (post.n + like.n + reply.n + repost.n).max(1) as f64;
    Fidelity {
        decisions: samples.len(),
        log_loss: total / n,
        accuracy: (post.right + like.right + reply.right + repost.right) as f64 / choices,
        post: post.score(),
        like: like.score(),
        reply: reply.score(),
        repost: repost.score(),
        stance_rmse: (sq / n).sqrt(),
    }
}
