//! `[policy]`: the surrogate decision rule and its parameters.

use crate::limits::MAX_WINDOW;
use crate::location::{KeySeg, Problem, Problems};
use crate::radicalization::RadicalizationParams;
use serde::{Deserialize, Serialize};

/// `[policy]`: which surrogate decides, with one optional sub-table per kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// Which policy.
    pub kind: PolicyKind,
    /// `[policy.bounded_confidence]`.
    #[serde(default)]
    pub bounded_confidence: BoundedConfidenceParams,
    /// `[policy.cascade]`.
    #[serde(default)]
    pub cascade: CascadeParams,
    /// `[policy.panic]`.
    #[serde(default)]
    pub panic: PanicParams,
    /// `[policy.radicalization]`.
    #[serde(default)]
    pub radicalization: RadicalizationParams,
    /// `kind = "distilled"`: the `policy.json` that `emergent distill` wrote, relative to the
    /// scenario file (see `Scenario::distilled_policy_path`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// Surrogate policy kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyKind {
    /// Opinion dynamics with homophilous (un)following.
    BoundedConfidence,
    /// Information cascades by reposting.
    Cascade,
    /// Herding sell-off in a market.
    Panic,
    /// Radicalization and echo chambers (Baumann et al. 2020): unbounded opinions.
    Radicalization,
    /// A surrogate fitted to an LLM run's decisions (`emergent distill`), read from `path`.
    Distilled,
}

/// Bounded-confidence (Deffuant / Hegselmann–Krause) parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BoundedConfidenceParams {
    /// Confidence bound ε: items further than this are ignored.
    pub epsilon: f64,
    /// Convergence rate μ (scaled by susceptibility).
    pub mu: f64,
    /// Probability of posting one's stance when active.
    pub post_prob: f64,
    /// Standard deviation of the stance expressed in a post around one's own.
    pub post_noise: f64,
    /// Probability of liking each agreeable feed item.
    pub like_prob: f64,
    /// Probability of replying to one agreeable item.
    pub reply_prob: f64,
    /// Probability of reposting one agreeable item.
    pub repost_prob: f64,
    /// Probability of quoting one disagreeable item.
    pub quote_prob: f64,
    /// Unfollow a followee whose item is further than this.
    pub unfollow_distance: f64,
    /// Probability of acting on an unfollow opportunity.
    pub unfollow_prob: f64,
    /// Follow an out-of-network author whose item is closer than this.
    pub follow_distance: f64,
    /// Probability of acting on a follow opportunity.
    pub follow_prob: f64,
    /// Backfire (Jager & Amblard 2005): items further than this from one's stance push it
    /// away (their latitude of rejection). Acts only when `repulsion` > 0.
    pub rejection_distance: f64,
    /// Rate at which the mean of the rejected items pushes the stance away (×
    /// susceptibility): x −= repulsion·s·(mean − x). 0 (the default) is plain bounded
    /// confidence.
    pub repulsion: f64,
}

/// Cascade parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CascadeParams {
    /// Independent cascade or linear threshold.
    pub model: CascadeModel,
    /// Independent cascade: repost probability per exposure along an edge.
    pub p: f64,
    /// Threshold: repost when this fraction of followees shared the item. Watts: the
    /// threshold φ of every agent (`thresholds = "fixed"`) or their mean (`"normal"`).
    pub threshold: f64,
    /// Probability that an active agent starts a new cascade (posts); not used by `watts`.
    pub post_prob: f64,
    /// Probability of liking each feed item.
    pub like_prob: f64,
    /// Watts: how the agents' thresholds are drawn.
    pub thresholds: ThresholdDistribution,
    /// Watts, `thresholds = "normal"`: standard deviation (the normal is truncated to [0, 1]).
    pub threshold_sd: f64,
    /// Watts, `thresholds = "uniform"`: lower end.
    pub threshold_low: f64,
    /// Watts, `thresholds = "uniform"`: upper end.
    pub threshold_high: f64,
    /// Agents that start a cascade (post) at their first active tick, by id.
    pub seeds: Vec<u32>,
    /// Each agent is also a seed with this probability (a keyed draw per agent).
    pub seed_fraction: f64,
}

/// How the Watts model's per-agent thresholds φ_i are drawn (once per agent, keyed by the
/// seed and the agent).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdDistribution {
    /// Every agent has φ = `threshold` (Watts 2002's simulations).
    Fixed,
    /// Normal with mean `threshold` and s.d. `threshold_sd`, truncated to [0, 1] by
    /// redrawing (Watts 2002's heterogeneous thresholds).
    Normal,
    /// Uniform on [`threshold_low`, `threshold_high`].
    Uniform,
}

/// Cascade mechanisms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CascadeModel {
    /// Each exposure along an edge transmits once with probability p.
    Independent,
    /// Repost when the fraction of sharing followees exceeds θ.
    Threshold,
    /// Watts (2002) threshold cascade: an agent adopts for good (reposts an adopter's item)
    /// once the fraction of its followees who adopted reaches its threshold φ_i.
    Watts,
}

/// Market-panic parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PanicParams {
    /// Price at tick 0.
    pub initial_price: f64,
    /// Asset units each agent starts with.
    pub holdings: f64,
    /// Cash each agent starts with.
    pub cash: f64,
    /// Baseline sell probability per active tick.
    pub base_sell: f64,
    /// Added sell probability per unit fraction of sellers seen in the feed.
    pub herding: f64,
    /// Added sell probability per unit relative price drop over `lookback`.
    pub fear: f64,
    /// Ticks over which the price drop is measured.
    pub lookback: u32,
    /// Fraction of holdings sold in one sell decision.
    pub sell_fraction: f64,
    /// Probability of buying when not selling (and having cash).
    pub buy_prob: f64,
    /// Units bought in one buy decision.
    pub buy_amount: f64,
    /// Price impact λ: `price *= exp(λ · net_flow / N)`.
    pub impact: f64,
    /// Probability of posting one's mood when not selling.
    pub post_prob: f64,
    /// Added buy probability per unit fraction of recent buyers seen in the feed (buy-side
    /// herding). When above 0, buyers post a bullish item, as sellers post a bearish one.
    pub buy_herding: f64,
    /// Cont–Bouchaud cluster trading: each tick every herding cluster buys with this
    /// probability, sells with it, else stays out (`a` of Cont & Bouchaud 2000). 0 turns
    /// clusters off.
    pub cluster_trade: f64,
    /// Mean degree c of the herding graph: the undirected reading of the follow graph,
    /// each edge kept with probability min(1, c / its mean degree). Clusters are its
    /// connected components; percolation sets in at c = 1 on an Erdős–Rényi graph.
    pub cluster_degree: f64,
    /// Units each member of a trading cluster buys or sells.
    pub cluster_amount: f64,
    /// Volatility feedback on cluster trading: the probability a cluster sells at tick t is
    /// min(½, a + cluster_feedback·v_t), v_t the mean absolute one-tick log return over the
    /// last `lookback` ticks, so a large move in either direction draws more clusters into
    /// the market (Cont 2007: activity that responds to recent volatility makes volatility
    /// cluster). 0: a constant a, the Cont–Bouchaud model.
    pub cluster_feedback: f64,
    /// Panic in the feedback: the clusters turbulence draws in buy with probability
    /// (1 − feedback_panic)·cluster_feedback·v_t on top of a, so with feedback_panic > 0 a
    /// turbulent market has more cluster sales than purchases. 0: symmetric; 1: turbulence
    /// draws sellers only.
    pub feedback_panic: f64,
    /// Fundamental value F the market maker pulls the price toward (default: the initial
    /// price).
    pub fundamental: Option<f64>,
    /// Mean reversion κ of the market maker: `ln P += impact·flow/N + κ·ln(F/P)` per tick.
    /// 0 leaves the price to the order flow alone.
    pub reversion: f64,
}

impl Default for BoundedConfidenceParams {
    fn default() -> Self {
        Self {
            epsilon: 0.3,
            mu: 0.3,
            post_prob: 0.5,
            post_noise: 0.05,
            like_prob: 0.2,
            reply_prob: 0.1,
            repost_prob: 0.05,
            quote_prob: 0.02,
            unfollow_distance: 1.0,
            unfollow_prob: 0.1,
            follow_distance: 0.2,
            follow_prob: 0.05,
            rejection_distance: 1.0,
            repulsion: 0.0,
        }
    }
}

impl Default for CascadeParams {
    fn default() -> Self {
        Self {
            model: CascadeModel::Independent,
            p: 0.05,
            threshold: 0.2,
            post_prob: 0.02,
            like_prob: 0.1,
            thresholds: ThresholdDistribution::Fixed,
            threshold_sd: 0.0,
            threshold_low: 0.0,
            threshold_high: 1.0,
            seeds: Vec::new(),
            seed_fraction: 0.0,
        }
    }
}

impl Default for PanicParams {
    fn default() -> Self {
        Self {
            initial_price: 100.0,
            holdings: 1.0,
            cash: 100.0,
            base_sell: 0.01,
            herding: 0.5,
            fear: 2.0,
            lookback: 3,
            sell_fraction: 1.0,
            buy_prob: 0.02,
            buy_amount: 0.5,
            impact: 1.0,
            post_prob: 0.2,
            buy_herding: 0.0,
            cluster_trade: 0.0,
            cluster_degree: 1.0,
            cluster_amount: 1.0,
            cluster_feedback: 0.0,
            feedback_panic: 0.0,
            fundamental: None,
            reversion: 0.0,
        }
    }
}

/// A scenario without `[policy]` gets bounded confidence with its defaults.
impl Default for PolicyConfig {
    fn default() -> Self {
        Self {
            kind: PolicyKind::BoundedConfidence,
            bounded_confidence: BoundedConfidenceParams::default(),
            cascade: CascadeParams::default(),
            panic: PanicParams::default(),
            radicalization: RadicalizationParams::default(),
            path: None,
        }
    }
}

impl PolicyConfig {
    /// Semantic problems of `[policy]`: every kind's sub-table is checked, whichever kind runs
    /// (a later `--set policy.kind=...` may pick it).
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Problems::default();
        self.bounded_confidence.check(&mut out);
        self.cascade.check(&mut out);
        self.panic.check(&mut out);
        self.radicalization.check(&mut out);
        self.check_path(&mut out);
        out.0
    }

    /// `path` is given exactly when `kind = "distilled"`, and names a JSON file.
    fn check_path(&self, out: &mut Problems) {
        let distilled = self.kind == PolicyKind::Distilled;
        match self.path.as_deref() {
            None => out.check(
                !distilled,
                &["policy", "kind"],
                "kind = \"distilled\" needs path = \"policy.json\" (the file `emergent distill` wrote)"
                    .into(),
            ),
            Some(p) => {
                out.check(
                    distilled,
                    &["policy", "path"],
                    "is read only with kind = \"distilled\"".into(),
                );
                out.check(
                    p.ends_with(".json") && !p.trim().is_empty(),
                    &["policy", "path"],
                    format!("{p:?} must name a .json file written by `emergent distill`"),
                );
            }
        }
    }
}

/// Stances lie in [−1, 1], so distances between them are at most 2; a bound above 2 acts
/// like 2. Allowed up to this (finite, so comparisons stay meaningful).
const MAX_DISTANCE: f64 = 10.0;

/// Cap on amounts of the market (price, holdings, cash, units bought): far beyond any
/// sensible market and far below where products of them overflow.
const MAX_AMOUNT: f64 = 1e9;

impl BoundedConfidenceParams {
    fn check(&self, out: &mut Problems) {
        let bc = self;
        let bcp = |k| ["policy", "bounded_confidence", k];
        for (k, v) in [
            ("mu", bc.mu),
            ("post_prob", bc.post_prob),
            ("like_prob", bc.like_prob),
            ("reply_prob", bc.reply_prob),
            ("repost_prob", bc.repost_prob),
            ("quote_prob", bc.quote_prob),
            ("unfollow_prob", bc.unfollow_prob),
            ("follow_prob", bc.follow_prob),
            ("repulsion", bc.repulsion),
        ] {
            out.probability(&bcp(k), v);
        }
        for (k, v) in [
            ("epsilon", bc.epsilon),
            ("unfollow_distance", bc.unfollow_distance),
            ("follow_distance", bc.follow_distance),
            ("rejection_distance", bc.rejection_distance),
        ] {
            out.real(&bcp(k), v, 0.0, MAX_DISTANCE);
        }
        // Jager & Amblard's latitude of rejection lies beyond the latitude of acceptance.
        out.check(
            bc.repulsion == 0.0 || bc.rejection_distance >= bc.epsilon,
            &bcp("rejection_distance"),
            format!(
                "must not be below epsilon ({}) when repulsion > 0",
                bc.epsilon
            ),
        );
        out.real(&bcp("post_noise"), bc.post_noise, 0.0, 10.0);
    }
}

impl CascadeParams {
    fn check(&self, out: &mut Problems) {
        let c = self;
        for (k, v) in [
            ("p", c.p),
            ("threshold", c.threshold),
            ("post_prob", c.post_prob),
            ("like_prob", c.like_prob),
            ("threshold_low", c.threshold_low),
            ("threshold_high", c.threshold_high),
            ("seed_fraction", c.seed_fraction),
        ] {
            out.probability(&["policy", "cascade", k], v);
        }
        out.real(
            &["policy", "cascade", "threshold_sd"],
            c.threshold_sd,
            0.0,
            10.0,
        );
        out.check(
            c.threshold_low <= c.threshold_high,
            &["policy", "cascade", "threshold_low"],
            "must not exceed threshold_high".into(),
        );
    }

    /// Problems of `seeds` for `agents` agents: every id must name an agent.
    pub fn seed_problems(&self, agents: usize) -> Vec<Problem> {
        match self.seeds.iter().position(|&a| a as usize >= agents) {
            None => Vec::new(),
            Some(i) => vec![(
                vec![
                    KeySeg::Key("policy"),
                    KeySeg::Key("cascade"),
                    KeySeg::Key("seeds"),
                    KeySeg::Index(i),
                ],
                format!(
                    "agent id {} is not below the number of agents ({agents})",
                    self.seeds[i]
                ),
            )],
        }
    }
}

impl PanicParams {
    fn check(&self, out: &mut Problems) {
        let m = self;
        let at = |k| ["policy", "panic", k];
        for (k, v) in [
            ("base_sell", m.base_sell),
            ("sell_fraction", m.sell_fraction),
            ("buy_prob", m.buy_prob),
            ("post_prob", m.post_prob),
            ("feedback_panic", m.feedback_panic),
        ] {
            out.probability(&at(k), v);
        }
        out.real_above(&at("initial_price"), m.initial_price, 0.0, MAX_AMOUNT);
        for (k, v) in [
            ("holdings", m.holdings),
            ("cash", m.cash),
            ("buy_amount", m.buy_amount),
            ("cluster_amount", m.cluster_amount),
        ] {
            out.real(&at(k), v, 0.0, MAX_AMOUNT);
        }
        for (k, v) in [
            ("herding", m.herding),
            ("fear", m.fear),
            ("buy_herding", m.buy_herding),
            ("cluster_feedback", m.cluster_feedback),
        ] {
            out.real(&at(k), v, 0.0, 100.0);
        }
        // A cluster buys with probability a and sells with probability a: 2a ≤ 1.
        out.real(&at("cluster_trade"), m.cluster_trade, 0.0, 0.5);
        out.real(&at("cluster_degree"), m.cluster_degree, 0.0, 1000.0);
        if let Some(f) = m.fundamental {
            out.real_above(&at("fundamental"), f, 0.0, MAX_AMOUNT);
        }
        out.probability(&at("reversion"), m.reversion);
        // price ← price·exp(impact·net_flow/N). No range of impact keeps the price finite
        // for every run (large holdings or a long run can still drive it to 0 or past f64);
        // the runner stops with a message naming the feature that left the finite numbers.
        out.real(&at("impact"), m.impact, -100.0, 100.0);
        out.count(&at("lookback"), m.lookback.into(), 1, MAX_WINDOW.into());
    }
}
