//! A surrogate fitted to the decisions LLM agents made in a run (`emergent distill`):
//! logistic models of posting, of liking, replying to and reposting each feed item, and
//! linear-Gaussian models of the stance update and of the stances expressed. Evaluating it
//! is a dot product and a sigmoid per choice, so it runs at any N in the engine, with the
//! agent's own keyed random stream like every other policy.
//!
//! The runner reads and checks `policy.json` ([`DistilledModel::problems`]) and hands the
//! engine the typed model; this module reads no file.

use std::cell::RefCell;

use serde::{Deserialize, Serialize};

use super::context::{DecisionContext, Policy};
use super::decision_view::{DECISION_FEATURES, DecisionView, FEATURES_VERSION, ITEM_FEATURES};
use crate::action::{Action, Decision};
use crate::rng::{AgentRng, mix64};

/// The `format` of a `policy.json`.
pub const FORMAT: &str = "emergent-distilled-policy";

/// Purpose key of an agent's group draw (distinct from the engine's purposes).
const GROUP_PURPOSE: u64 = 0x0d15_711e;

/// A linear model with Gaussian noise: value = coef · features + sd · N(0, 1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinearGaussian {
    /// One weight per feature.
    pub coef: Vec<f64>,
    /// Residual standard deviation.
    pub sd: f64,
}

/// The fitted models of one group of agents (a persona).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupModel {
    /// The group's name (`[[llm.groups]] name`, or `all`).
    pub name: String,
    /// Share of the population the group takes in a distilled run.
    pub share: f64,
    /// Logistic: whether to post (decision features).
    pub post: Vec<f64>,
    /// The post's stance minus one's own (decision features).
    pub post_stance: LinearGaussian,
    /// The new stance minus the old (decision features).
    pub stance: LinearGaussian,
    /// Logistic per item: like it (item features), in feed order until `max_likes`.
    pub like: Vec<f64>,
    /// Logistic per item: reply to it (item features); the first success is replied to.
    pub reply: Vec<f64>,
    /// The reply's stance minus one's own (decision features).
    pub reply_stance: LinearGaussian,
    /// Logistic per item: repost it (item features); the first success is reposted.
    pub repost: Vec<f64>,
}

/// A distilled social policy: what `policy.json` holds (besides its provenance and fit
/// statistics, which the engine does not read).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DistilledModel {
    /// [`FORMAT`].
    pub format: String,
    /// [`FEATURES_VERSION`] of the features it was fitted on.
    pub features_version: u32,
    /// [`DECISION_FEATURES`], as fitted.
    pub decision_features: Vec<String>,
    /// [`ITEM_FEATURES`], as fitted.
    pub item_features: Vec<String>,
    /// Most likes one decision gives.
    pub max_likes: usize,
    /// The groups, each with its models.
    pub groups: Vec<GroupModel>,
}

/// The logistic function.
#[inline]
pub fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// `w · f`.
#[inline]
pub fn dot(w: &[f64], f: &[f64]) -> f64 {
    w.iter().zip(f).map(|(a, b)| a * b).sum()
}

impl DistilledModel {
    /// Everything wrong with the model as the engine would use it (empty: usable). Messages
    /// name the JSON key.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.format != FORMAT {
            out.push(format!(
                "format: {:?} is not {FORMAT:?} (is this a policy.json written by `emergent distill`?)",
                self.format
            ));
        }
        if self.features_version != FEATURES_VERSION {
            out.push(format!(
                "features_version: {} was fitted on other features than this build's ({FEATURES_VERSION}); distill the run again",
                self.features_version
            ));
        }
        if self.decision_features != DECISION_FEATURES || self.item_features != ITEM_FEATURES {
            out.push("decision_features/item_features: not this build's feature lists; distill the run again".into());
        }
        if !(1..=3).contains(&self.max_likes) {
            out.push(format!("max_likes: {} is not in 1..=3", self.max_likes));
        }
        if self.groups.is_empty() {
            out.push("groups: empty (a distilled policy needs at least one group)".into());
        }
        for (g, m) in self.groups.iter().enumerate() {
            group_problems(g, m, &mut out);
        }
        out
    }

    /// The group of `agent` in a run with `seed`: a keyed draw weighted by the shares.
    pub fn group_of(&self, seed: u64, agent: u32) -> &GroupModel {
        let total: f64 = self.groups.iter().map(|g| g.share).sum();
        let mut u = AgentRng::with_extra(seed, agent as u64, 0, GROUP_PURPOSE, mix64(0))
            .uniform(0.0, total);
        for g in &self.groups {
            if u < g.share {
                return g;
            }
            u -= g.share;
        }
        &self.groups[self.groups.len() - 1]
    }
}

fn group_problems(g: usize, m: &GroupModel, out: &mut Vec<String>) {
    let at = |k: &str| format!("groups[{g}].{k}");
    if !(m.share.is_finite() && m.share > 0.0 && m.share <= 1.0) {
        out.push(format!("{}: {} is not in (0, 1]", at("share"), m.share));
    }
    let (d, i) = (DECISION_FEATURES.len(), ITEM_FEATURES.len());
    let weights = [
        ("post", &m.post, d),
        ("post_stance.coef", &m.post_stance.coef, d),
        ("stance.coef", &m.stance.coef, d),
        ("reply_stance.coef", &m.reply_stance.coef, d),
        ("like", &m.like, i),
        ("reply", &m.reply, i),
        ("repost", &m.repost, i),
    ];
    for (k, w, n) in weights {
        if w.len() != n {
            out.push(format!("{}: {} weights, expected {n}", at(k), w.len()));
        } else if let Some(j) = w.iter().position(|v| !v.is_finite() || v.abs() > 1e6) {
            out.push(format!("{}[{j}]: {} is not a finite weight", at(k), w[j]));
        }
    }
    for (k, sd) in [
        ("post_stance.sd", m.post_stance.sd),
        ("stance.sd", m.stance.sd),
        ("reply_stance.sd", m.reply_stance.sd),
    ] {
        if !(sd.is_finite() && (0.0..=10.0).contains(&sd)) {
            out.push(format!("{}: {sd} is not in [0, 10]", at(k)));
        }
    }
}

/// The distilled policy in the engine.
#[derive(Clone, Debug)]
pub struct Distilled {
    model: DistilledModel,
    feed_size: usize,
}

impl Distilled {
    /// The policy of a checked `model` (see [`DistilledModel::problems`]) for feeds of at
    /// most `feed_size` items.
    pub fn new(model: DistilledModel, feed_size: usize) -> Self {
        Self { model, feed_size }
    }

    /// A policy with no groups: decides nothing. What `[policy] kind = "distilled"` builds
    /// until the runner hands the engine the model read from `path`.
    pub fn unloaded() -> Self {
        Self {
            model: DistilledModel {
                format: FORMAT.into(),
                features_version: FEATURES_VERSION,
                decision_features: Vec::new(),
                item_features: Vec::new(),
                max_likes: 0,
                groups: Vec::new(),
            },
            feed_size: 1,
        }
    }
}

impl Policy for Distilled {
    fn name(&self) -> &'static str {
        "distilled"
    }

    /// In the order an LLM answer's actions are applied: stance, post, likes, reply, repost.
    fn decide(&self, ctx: &DecisionContext<'_>, rng: &mut AgentRng) -> Decision {
        if self.model.groups.is_empty() {
            return Decision::none();
        }
        SCRATCH.with(|s| self.decide_with(ctx, rng, &mut s.borrow_mut()))
    }
}

/// One thread's reusable buffers: the view of the decision at hand and its items' feature
/// rows, each computed once and read by the like, reply and repost models.
#[derive(Default)]
struct Scratch {
    view: Option<DecisionView>,
    rows: Vec<[f64; ITEM_FEATURES.len()]>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::default();
}

impl Distilled {
    /// [`Policy::decide`] with this thread's buffers. The random draws and the arithmetic
    /// are those of evaluating each model on `DecisionView::item_features` in turn.
    fn decide_with(
        &self,
        ctx: &DecisionContext<'_>,
        rng: &mut AgentRng,
        scratch: &mut Scratch,
    ) -> Decision {
        let mut d = Decision::none();
        let g = self.model.group_of(ctx.world.seed, ctx.agent);
        let Scratch { view, rows } = scratch;
        let v = match view {
            Some(v) => {
                v.refill(ctx.world, ctx.agent, ctx.feed);
                v
            }
            None => view.insert(DecisionView::of(ctx.world, ctx.agent, ctx.feed)),
        };
        rows.clear();
        rows.extend((0..v.items.len()).map(|k| v.item_features(k)));
        let f = v.features(self.feed_size);
        let x = v.stance;
        let draw = |m: &LinearGaussian, rng: &mut AgentRng| {
            (x + dot(&m.coef, &f) + m.sd * rng.normal()).clamp(-1.0, 1.0)
        };
        let value = draw(&g.stance, rng);
        d.push(Action::SetStance { topic: 0, value });
        if rng.chance(sigmoid(dot(&g.post, &f))) {
            let stance = draw(&g.post_stance, rng) as f32;
            d.push(Action::Post { topic: 0, stance });
        }
        let mut likes = 0;
        for (k, row) in rows.iter().enumerate() {
            if likes == self.model.max_likes {
                break;
            }
            if rng.chance(sigmoid(dot(&g.like, row))) {
                d.push(Action::Like {
                    item: v.items[k].item,
                });
                likes += 1;
            }
        }
        if let Some(k) = first_success(&g.reply, rows, rng) {
            let stance = draw(&g.reply_stance, rng) as f32;
            d.push(Action::Reply {
                parent: v.items[k].item,
                stance,
            });
        }
        if let Some(k) = first_success(&g.repost, rows, rng) {
            d.push(Action::Repost {
                parent: v.items[k].item,
            });
        }
        d
    }
}

/// The first feed rank whose logistic draw under `w` on its feature row succeeds.
fn first_success(
    w: &[f64],
    rows: &[[f64; ITEM_FEATURES.len()]],
    rng: &mut AgentRng,
) -> Option<usize> {
    rows.iter().position(|row| rng.chance(sigmoid(dot(w, row))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linear(n: usize) -> LinearGaussian {
        LinearGaussian {
            coef: vec![0.0; n],
            sd: 0.1,
        }
    }

    pub(crate) fn model() -> DistilledModel {
        let (d, i) = (DECISION_FEATURES.len(), ITEM_FEATURES.len());
        DistilledModel {
            format: FORMAT.into(),
            features_version: FEATURES_VERSION,
            decision_features: DECISION_FEATURES.iter().map(|s| s.to_string()).collect(),
            item_features: ITEM_FEATURES.iter().map(|s| s.to_string()).collect(),
            max_likes: 3,
            groups: vec![GroupModel {
                name: "all".into(),
                share: 1.0,
                post: vec![0.0; d],
                post_stance: linear(d),
                stance: linear(d),
                like: vec![0.0; i],
                reply: vec![0.0; i],
                reply_stance: linear(d),
                repost: vec![0.0; i],
            }],
        }
    }

    #[test]
    fn a_fitted_model_checks_out_and_a_broken_one_names_its_key() {
        assert!(model().problems().is_empty(), "{:?}", model().problems());
        let mut m = model();
        m.groups[0].like.pop();
        m.groups[0].stance.sd = f64::NAN;
        m.format = "x".into();
        let p = m.problems().join("\n");
        assert!(p.contains("groups[0].like: 18 weights, expected 19"), "{p}");
        assert!(p.contains("groups[0].stance.sd"), "{p}");
        assert!(p.contains("format"), "{p}");
    }

    #[test]
    fn groups_take_their_shares() {
        let mut m = model();
        let mut b = m.groups[0].clone();
        b.name = "b".into();
        b.share = 0.25;
        m.groups[0].share = 0.75;
        m.groups.push(b);
        let n = (0..20_000)
            .filter(|&a| m.group_of(3, a).name == "b")
            .count();
        assert!((4_500..5_500).contains(&n), "{n}");
    }
}
