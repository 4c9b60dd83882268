//! Fitting one group's models with linfa: L2-regularised logistic regressions
//! (`linfa-logistic`) for the choices, and least squares (`linfa-linear`, ridge by data
//! augmentation so collinear features stay well-posed) for the stances.

use linfa::prelude::*;
use linfa_linear::LinearRegression;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2};

use emergent_sim::policy::decision_view::{DECISION_FEATURES, ITEM_FEATURES};
use emergent_sim::policy::distilled::{GroupModel, LinearGaussian};

use crate::dataset::Sample;
use crate::error::DistillError;
use crate::fidelity::like_ranks;

/// L2 penalty of the logistic fits (on the summed log-loss: negligible against thousands of
/// decisions, enough to keep a choice that is never or always made finite).
const ALPHA: f64 = 0.01;
/// Ridge penalty of the linear fits.
const RIDGE: f64 = 0.01;

/// Rows of features and their targets.
pub(crate) struct Design<T> {
    x: Vec<f64>,
    y: Vec<T>,
    width: usize,
}

impl<T> Design<T> {
    pub(crate) fn new(width: usize) -> Self {
        Self {
            x: Vec::new(),
            y: Vec::new(),
            width,
        }
    }

    pub(crate) fn push(&mut self, f: &[f64], y: T) {
        self.x.extend_from_slice(f);
        self.y.push(y);
    }
}

fn fit_error(group: &str, what: &'static str, message: String) -> DistillError {
    DistillError::Fit {
        group: group.into(),
        what,
        message,
    }
}

/// Logistic weights (P(true) = σ(w·f)); a choice never or always made gets the smoothed
/// base rate as its bias and no slopes.
fn logistic(d: Design<bool>, group: &str, what: &'static str) -> Result<Vec<f64>, DistillError> {
    let pos = d.y.iter().filter(|&&y| y).count();
    let n = d.y.len();
    if pos == 0 || pos == n {
        let rate = (pos as f64 + 0.5) / (n as f64 + 1.0);
        let mut w = vec![0.0; d.width];
        w[0] = (rate / (1.0 - rate)).ln();
        return Ok(w);
    }
    let x = Array2::from_shape_vec((n, d.width), d.x)
        .map_err(|e| fit_error(group, what, e.to_string()))?;
    let data = Dataset::new(x, Array1::from(d.y));
    let fit = LogisticRegression::default()
        .alpha(ALPHA)
        .with_intercept(false)
        .max_iterations(300)
        .gradient_tolerance(1e-6)
        .fit(&data)
        .map_err(|e| fit_error(group, what, e.to_string()))?;
    // linfa's positive class is the more frequent label.
    let sign = if fit.labels().pos.class { 1.0 } else { -1.0 };
    Ok(fit.params().iter().map(|w| sign * w).collect())
}

/// Least squares with a ridge penalty; `sd` the residuals' root mean square. Fewer rows
/// than features: the mean as the bias.
pub(crate) fn linear(
    d: Design<f64>,
    group: &str,
    what: &'static str,
) -> Result<LinearGaussian, DistillError> {
    let n = d.y.len();
    if n < 2 * d.width {
        let mean = d.y.iter().sum::<f64>() / n.max(1) as f64;
        let var = d.y.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / n.max(1) as f64;
        let mut coef = vec![0.0; d.width];
        coef[0] = mean;
        return Ok(LinearGaussian {
            coef,
            sd: var.sqrt(),
        });
    }
    let mut x = d.x.clone();
    let mut y = d.y.clone();
    for j in 0..d.width {
        let mut row = vec![0.0; d.width];
        row[j] = RIDGE.sqrt();
        x.extend(row);
        y.push(0.0);
    }
    let x = Array2::from_shape_vec((n + d.width, d.width), x)
        .map_err(|e| fit_error(group, what, e.to_string()))?;
    let data = Dataset::new(x, Array1::from(y));
    let fit = LinearRegression::new()
        .with_intercept(false)
        .fit(&data)
        .map_err(|e| fit_error(group, what, e.to_string()))?;
    let coef: Vec<f64> = fit.params().to_vec();
    let rows = d.x.chunks(d.width);
    let sq: f64 = rows
        .zip(&d.y)
        .map(|(f, y)| (y - f.iter().zip(&coef).map(|(a, b)| a * b).sum::<f64>()).powi(2))
        .sum();
    Ok(LinearGaussian {
        coef,
        sd: (sq / n as f64).sqrt(),
    })
}

/// The rows of a "first success" choice (reply, repost): the items up to the chosen one
/// (it succeeded, those before failed), or every item when none was chosen.
fn first_success_rows(d: &mut Design<bool>, s: &Sample, chosen: Option<usize>) {
    let end = chosen.map_or(s.view.items.len(), |k| k + 1);
    for k in 0..end.min(s.view.items.len()) {
        d.push(&s.view.item_features(k), Some(k) == chosen);
    }
}

/// The models of group `name` (population share `share`) fitted on `samples`.
pub fn fit_group(
    name: &str,
    share: f64,
    samples: &[&Sample],
    feed_size: usize,
) -> Result<GroupModel, DistillError> {
    let (dw, iw) = (DECISION_FEATURES.len(), ITEM_FEATURES.len());
    let (mut post, mut like, mut reply, mut repost) = (
        Design::new(dw),
        Design::new(iw),
        Design::new(iw),
        Design::new(iw),
    );
    let (mut stance, mut post_stance, mut reply_stance) =
        (Design::new(dw), Design::new(dw), Design::new(dw));
    for s in samples {
        let (f, x, o) = (s.view.features(feed_size), s.view.stance, &s.outcome);
        post.push(&f, o.post.is_some());
        stance.push(&f, o.stance - x);
        if let Some(p) = o.post {
            post_stance.push(&f, p - x);
        }
        if let Some((_, r)) = o.reply {
            reply_stance.push(&f, r - x);
        }
        for k in like_ranks(s) {
            like.push(&s.view.item_features(k), o.likes.contains(&k));
        }
        first_success_rows(&mut reply, s, o.reply.map(|(k, _)| k));
        first_success_rows(&mut repost, s, o.repost);
    }
    Ok(GroupModel {
        name: name.into(),
        share,
        post: logistic(post, name, "post")?,
        post_stance: linear(post_stance, name, "post stance")?,
        stance: linear(stance, name, "stance update")?,
        like: logistic(like, name, "like")?,
        reply: logistic(reply, name, "reply")?,
        reply_stance: linear(reply_stance, name, "reply stance")?,
        repost: logistic(repost, name, "repost")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fidelity::{ChoiceModel, first_success};
    use crate::models::{DistilledChoices, SurrogateChoices};
    use emergent_sim::policy::decision_view::FEATURES_VERSION;
    use emergent_sim::policy::distilled::{DistilledModel, FORMAT, sigmoid};
    use emergent_sim::policy::{DecisionOutcome, DecisionView, ItemView};
    use emergent_sim::rng::AgentRng;

    /// Decisions of a known policy: post with σ(−1 + 3·|gap|), like items within 0.3 with
    /// probability 0.7 (else 0.05), stance += 0.2·gap + N(0, 0.05²), never reply or repost.
    fn samples(n: usize) -> Vec<Sample> {
        (0..n)
            .map(|a| {
                let mut rng = AgentRng::new(9, a as u64, 0, 1);
                let x = rng.uniform(-1.0, 1.0);
                let items: Vec<ItemView> = (0..6)
                    .map(|k| ItemView {
                        item: k,
                        author: 1_000_000 + k,
                        stance: rng.uniform(-1.0, 1.0),
                        followed: false,
                        likes: 0,
                        shares: 0,
                        kind: 0,
                    })
                    .collect();
                let view = DecisionView {
                    stance: x,
                    susceptibility: 0.5,
                    items,
                };
                let gap = view.features(8)[3];
                let mut likes = Vec::new();
                for (k, i) in view.items.iter().enumerate() {
                    let p = if (i.stance - x).abs() < 0.3 {
                        0.7
                    } else {
                        0.05
                    };
                    if likes.len() < 3 && rng.chance(p) {
                        likes.push(k);
                    }
                }
                let outcome = DecisionOutcome {
                    stance: x + 0.2 * gap + 0.05 * rng.normal(),
                    post: rng.chance(sigmoid(-1.0 + 3.0 * gap.abs())).then_some(x),
                    likes,
                    reply: None,
                    repost: None,
                };
                Sample {
                    agent: a as u32,
                    tick: 0,
                    group: 0,
                    view,
                    outcome,
                }
            })
            .collect()
    }

    #[test]
    fn fits_recover_a_known_policy_and_beat_the_surrogate() {
        let all = samples(4000);
        let refs: Vec<&Sample> = all.iter().collect();
        let g = fit_group("all", 1.0, &refs, 8).unwrap();
        // post: bias −1, |gap| slope 3. Feed fill (6/8) and susceptibility (0.5) are
        // constant here, so the bias is shared with their weights.
        let bias = g.post[0] + 0.75 * g.post[6] + 0.5 * g.post[7];
        assert!(
            (bias + 1.0).abs() < 0.35 && (g.post[4] - 3.0).abs() < 0.6,
            "{bias} {:?}",
            g.post
        );
        assert!(
            (g.stance.coef[3] - 0.2).abs() < 0.02 && (g.stance.sd - 0.05).abs() < 0.01,
            "{:?}",
            g.stance
        );
        // Never replied: a tiny base rate, no slopes.
        assert!(sigmoid(g.reply[0]) < 0.001 && g.reply[1..].iter().all(|&w| w == 0.0));
        let model = DistilledModel {
            format: FORMAT.into(),
            features_version: FEATURES_VERSION,
            decision_features: DECISION_FEATURES.iter().map(|s| s.to_string()).collect(),
            item_features: ITEM_FEATURES.iter().map(|s| s.to_string()).collect(),
            max_likes: 3,
            groups: vec![g],
        };
        assert!(model.problems().is_empty(), "{:?}", model.problems());
        let d = DistilledChoices {
            model: &model,
            group_of: vec![0],
            feed_size: 8,
        };
        let near = d.p_like(&all[0], 0);
        assert!(near > 0.0 && near < 1.0);
        let sur = SurrogateChoices(Default::default());
        let fd = crate::fidelity::fidelity(&d, &refs);
        let fs = crate::fidelity::fidelity(&sur, &refs);
        assert!(
            fd.log_loss < fs.log_loss,
            "{} vs {}",
            fd.log_loss,
            fs.log_loss
        );
        assert!(fd.post.accuracy > 0.6 && fd.stance_rmse < 0.06, "{fd:?}");
        for s in &refs[..50] {
            for p in [d.reply(s), sur.reply(s), sur.repost(s)] {
                assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{p:?}");
            }
        }
        assert_eq!(first_success([0.5, 0.5]), vec![0.5, 0.25, 0.25]);
    }
}
