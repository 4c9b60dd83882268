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
const ALPHA: f64 = 1.0;
/// Ridge penalty of the linear fits.
const RIDGE: f64 = 1.0;

/// Rows of features and their targets.
struct Design<T> {
    x: Vec<f64>,
    y: Vec<T>,
    width: usize,
}

impl<T> Design<T> {
    fn new(width: usize) -> Self {
        Self {
            x: Vec::new(),
            y: Vec::new(),
            width,
        }
    }

    fn push(&mut self, f: &[f64], y: T) {
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
fn linear(d: Design<f64>, group: &str, what: &'static str) -> Result<LinearGaussian, DistillError> {
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
