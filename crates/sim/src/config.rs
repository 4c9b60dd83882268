//! Typed sections of a scenario file. Every struct denies unknown fields so a
//! typo is an error, not a silently ignored setting; every field has the
//! default documented in `scenarios/README.md`.

use serde::{Deserialize, Serialize};

/// `[scenario]`: identity and run length.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioMeta {
    /// Short identifier, used in output file names.
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// Number of ticks to simulate.
    #[serde(default = "d::ticks")]
    pub ticks: u32,
    /// Master seed of every random stream.
    #[serde(default)]
    pub seed: u64,
    /// When set, the tick-by-tick draws (who is active, what they do) use this seed while the
    /// network and the population still come from `seed`: replicate runs of one world.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noise_seed: Option<u64>,
}

/// `[population]`: who the agents are.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PopulationConfig {
    /// Number of agents N.
    pub agents: usize,
    /// Number of contiguous communities (SBM blocks, initial stance groups).
    pub communities: usize,
    /// Number of opinion topics (stance columns).
    pub topics: usize,
    /// How initial stances are drawn.
    pub initial_stance: InitialStance,
    /// Standard deviation of noise around a community's stance centre.
    pub stance_noise: f64,
    /// Per-tick probability of being active (lognormal, clipped).
    pub activity: ActivityConfig,
    /// How strongly agents respond to what they see.
    pub susceptibility: SusceptibilityConfig,
    /// Agents whose posts, replies, reposts and quotes are suppressed: nobody sees anything
    /// of theirs. The stochastic counterpart of participation w_i = 0, for leave-one-out
    /// checks of dynamic attribution.
    pub silenced: Vec<u32>,
}

/// Initial stance distribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InitialStance {
    /// Uniform on [-1, 1], independent of community.
    Uniform,
    /// Community `c` of `C` centred at `-1 + (2c + 1)/C`, plus normal noise.
    ByCommunity,
}

/// `[population.activity]`: lognormal activity probability per tick.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ActivityConfig {
    /// Median probability of being active in a tick.
    pub median: f64,
    /// Log-scale standard deviation (heavier tail when larger).
    pub sigma: f64,
    /// Lower clip.
    pub min: f64,
    /// Upper clip.
    pub max: f64,
}

/// `[population.susceptibility]`: uniform on `[low, high]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SusceptibilityConfig {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

/// `[network]`: which graph generator and its parameters. Parameters are flat
/// (not nested per generator) so `--set network.p_in=0.01` reads naturally;
/// a parameter that the chosen generator does not take is rejected.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    /// Generator name.
    pub generator: GeneratorKind,
    /// BA: accounts each newcomer follows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub m: Option<usize>,
    /// SBM: follow probability within a community.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_in: Option<f64>,
    /// SBM: follow probability across communities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_out: Option<f64>,
    /// WS: accounts each node follows on the ring (even).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k: Option<usize>,
    /// WS: rewiring probability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beta: Option<f64>,
    /// Power law: exponent of the follower-count distribution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exponent: Option<f64>,
    /// Power law: smallest follower count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_degree: Option<usize>,
    /// Power law: largest follower count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_degree: Option<usize>,
    /// Edge list: file, relative to the scenario file's folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// Network generators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GeneratorKind {
    /// Barabási–Albert.
    Ba,
    /// Stochastic block model.
    Sbm,
    /// Watts–Strogatz.
    Ws,
    /// Power-law configuration model.
    Powerlaw,
    /// Edge list file.
    Edgelist,
}

impl GeneratorKind {
    /// The `[network]` keys this generator accepts besides `generator`.
    pub fn parameters(self) -> &'static [&'static str] {
        match self {
            Self::Ba => &["m"],
            Self::Sbm => &["p_in", "p_out"],
            Self::Ws => &["k", "beta"],
            Self::Powerlaw => &["exponent", "min_degree", "max_degree"],
            Self::Edgelist => &["path"],
        }
    }
}

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
}

/// Cascade parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CascadeParams {
    /// Independent cascade or linear threshold.
    pub model: CascadeModel,
    /// Independent cascade: repost probability per exposure along an edge.
    pub p: f64,
    /// Threshold: repost when this fraction of followees shared the item.
    pub threshold: f64,
    /// Probability that an active agent starts a new cascade (posts).
    pub post_prob: f64,
    /// Probability of liking each feed item.
    pub like_prob: f64,
}

/// Cascade mechanisms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CascadeModel {
    /// Each exposure along an edge transmits once with probability p.
    Independent,
    /// Repost when the fraction of sharing followees exceeds θ.
    Threshold,
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
}

/// `[record]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RecordConfig {
    /// Record features every this many ticks.
    pub every: u32,
    /// Keep the action trace (`actions.parquet`). Off, the file is written with no rows:
    /// throughput runs need not pay for a log nobody reads.
    pub actions: bool,
}

/// `[partition]`: how agents are split over the ranks of a partitioned run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PartitionConfig {
    /// `contiguous` (agents in id order) or `metis`.
    pub method: PartitionMethod,
    /// METIS: the number of parts (the number of ranks it is made for). The renaming is part
    /// of the world, so a run on any number of ranks, or in one process, gives the same
    /// outputs; with this many ranks each rank holds one part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parts: Option<usize>,
}

impl PartitionConfig {
    /// True when nothing was asked (contiguous ids).
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// How agents are split over ranks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartitionMethod {
    /// Contiguous ranges of the scenario's ids.
    #[default]
    Contiguous,
    /// A METIS partition of the follow graph, applied by renaming agents (needs a build with
    /// the `metis` feature and libmetis).
    Metis,
}

/// `[checkpoint]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CheckpointConfig {
    /// Write a checkpoint every this many ticks; 0 disables.
    pub every: u32,
}

/// `[attribution]`: what `emergent run` attributes at the end, besides the static attribution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AttributionConfig {
    /// Also attribute every indicator through the dynamics (expected-value model + adjoint).
    pub dynamic: bool,
    /// Gauss–Legendre nodes in α for the dynamic attribution.
    pub nodes: usize,
}

impl Default for AttributionConfig {
    fn default() -> Self {
        AttributionConfig {
            dynamic: false,
            nodes: 8,
        }
    }
}

/// `[[indicators]]`: carried verbatim to the attribution engine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorConfig {
    /// Name of the indicator.
    pub name: String,
    /// Expression over feature columns, e.g. `var(stance)`.
    pub expr: String,
    /// Attribution baseline: "zero", "mean" or "min".
    #[serde(default = "d::baseline")]
    pub baseline: String,
}

/// Default values, named so serde and `Default` share them.
mod d {
    pub fn ticks() -> u32 {
        100
    }
    pub fn baseline() -> String {
        "zero".into()
    }
}

impl Default for PopulationConfig {
    fn default() -> Self {
        Self {
            agents: 1000,
            communities: 1,
            topics: 1,
            initial_stance: InitialStance::Uniform,
            stance_noise: 0.3,
            activity: ActivityConfig::default(),
            susceptibility: SusceptibilityConfig::default(),
            silenced: Vec::new(),
        }
    }
}

impl Default for ActivityConfig {
    fn default() -> Self {
        Self {
            median: 0.1,
            sigma: 1.0,
            min: 0.0,
            max: 1.0,
        }
    }
}

impl Default for SusceptibilityConfig {
    fn default() -> Self {
        Self {
            low: 0.0,
            high: 1.0,
        }
    }
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
        }
    }
}

impl Default for RecordConfig {
    fn default() -> Self {
        Self {
            every: 1,
            actions: true,
        }
    }
}

/// A scenario without `[network]` (an economy) gets a small BA graph it never uses.
impl Default for NetworkConfig {
    fn default() -> Self {
        Self {
            generator: GeneratorKind::Ba,
            m: None,
            p_in: None,
            p_out: None,
            k: None,
            beta: None,
            exponent: None,
            min_degree: None,
            max_degree: None,
            path: None,
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
        }
    }
}
