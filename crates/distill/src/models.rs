//! The two policies a distillation compares on held-out decisions, as [`ChoiceModel`]s: the
//! distilled model and the scenario's hand-written surrogate (bounded confidence).

use emergent_scenario::BoundedConfidenceParams;
use emergent_sim::policy::distilled::{DistilledModel, GroupModel, dot, sigmoid};

use crate::dataset::Sample;
use crate::fidelity::{ChoiceModel, first_success};

/// A distilled model; decisions of log group `g` use `groups[g]` of the model.
pub struct DistilledChoices<'a> {
    pub model: &'a DistilledModel,
    /// Model group of each decision-log group index.
    pub group_of: Vec<usize>,
    pub feed_size: usize,
}

impl DistilledChoices<'_> {
    fn group(&self, s: &Sample) -> &GroupModel {
        let g = self.group_of.get(s.group as usize).copied().unwrap_or(0);
        &self.model.groups[g.min(self.model.groups.len() - 1)]
    }

    fn items(&self, s: &Sample, w: &[f64]) -> Vec<f64> {
        let _ = self;
        (0..s.view.items.len())
            .map(|k| sigmoid(dot(w, &s.view.item_features(k))))
            .collect()
    }
}

impl ChoiceModel for DistilledChoices<'_> {
    fn p_post(&self, s: &Sample) -> f64 {
        sigmoid(dot(&self.group(s).post, &s.view.features(self.feed_size)))
    }

    fn p_like(&self, s: &Sample, k: usize) -> f64 {
        sigmoid(dot(&self.group(s).like, &s.view.item_features(k)))
    }

    fn reply(&self, s: &Sample) -> Vec<f64> {
        first_success(self.items(s, &self.group(s).reply))
    }

    fn repost(&self, s: &Sample) -> Vec<f64> {
        first_success(self.items(s, &self.group(s).repost))
    }

    fn stance_mean(&self, s: &Sample) -> f64 {
        let f = s.view.features(self.feed_size);
        (s.view.stance + dot(&self.group(s).stance.coef, &f)).clamp(-1.0, 1.0)
    }
}

/// The bounded-confidence surrogate (`emergent_sim::policy::BoundedConfidence`): its
/// probabilities for a decision it would make on the same context (one topic).
pub struct SurrogateChoices(pub BoundedConfidenceParams);

impl SurrogateChoices {
    fn close(&self, s: &Sample) -> Vec<bool> {
        let x = s.view.stance;
        s.view
            .items
            .iter()
            .map(|i| (i.stance - x).abs() < self.0.epsilon)
            .collect()
    }

    /// It picks one close item uniformly and acts on it with probability `p`.
    fn one_close(&self, s: &Sample, p: f64) -> Vec<f64> {
        let close = self.close(s);
        let n = close.iter().filter(|&&c| c).count();
        let mut out: Vec<f64> = close
            .iter()
            .map(|&c| if c { p / n as f64 } else { 0.0 })
            .collect();
        out.push(if n > 0 { 1.0 - p } else { 1.0 });
        out
    }
}

impl ChoiceModel for SurrogateChoices {
    fn p_post(&self, _: &Sample) -> f64 {
        self.0.post_prob
    }

    fn p_like(&self, s: &Sample, k: usize) -> f64 {
        let i = &s.view.items[k];
        let close = (i.stance - s.view.stance).abs() < self.0.epsilon;
        if close && i.author != s.agent {
            self.0.like_prob
        } else {
            0.0
        }
    }

    fn reply(&self, s: &Sample) -> Vec<f64> {
        self.one_close(s, self.0.reply_prob)
    }

    fn repost(&self, s: &Sample) -> Vec<f64> {
        self.one_close(s, self.0.repost_prob)
    }

    fn stance_mean(&self, s: &Sample) -> f64 {
        let p = &self.0;
        let (x, sus) = (s.view.stance, s.view.susceptibility);
        let mean = |keep: &dyn Fn(f64) -> bool| {
            let v: Vec<f64> = s
                .view
                .items
                .iter()
                .map(|i| i.stance)
                .filter(|&y| keep(y))
                .collect();
            (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
        };
        let mut value = x;
        if let Some(m) = mean(&|y| (y - x).abs() < p.epsilon) {
            value += p.mu * sus * (m - x);
        }
        if p.repulsion > 0.0
            && let Some(m) = mean(&|y| (y - x).abs() > p.rejection_distance)
        {
            value -= p.repulsion * sus * (m - x);
        }
        value.clamp(-1.0, 1.0)
    }
}
