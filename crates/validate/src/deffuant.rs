//! Deffuant, Neau, Amblard & Weisbuch (2000): bounded-confidence mixing of continuous
//! opinions ends in ⌊1/(2d)⌋ major clusters.
//!
//! The published model: opinions uniform on [0, 1]; repeatedly a random pair whose opinions
//! differ by less than d moves each toward the other by μ (μ = 0.5 here). Ours is the engine's
//! `bounded_confidence` policy with the feed reduced to one uniformly random item of the
//! previous tick (every agent posts its stance every tick, is active every tick, fully
//! susceptible, and reads one random other agent), μ = 0.5, no rewiring. Stances live on
//! [−1, 1], twice the paper's width, so the engine's ε is 2d. Two differences: the reader
//! alone moves (the asymmetric variant, Weisbuch et al. 2002, same cluster structure), and
//! every agent reads once a tick (synchronous rounds) instead of one random pair at a time.

use rayon::prelude::*;

use crate::engine::{run, scenario};
use crate::stats::mean;
use crate::{Check, Curve, CurveStyle, Figure, Settings};

const CITATION: &str = "G. Deffuant, D. Neau, F. Amblard and G. Weisbuch, \"Mixing beliefs \
among interacting agents\", Advances in Complex Systems 3, 87–98 (2000)";

/// A cluster is major when it holds at least this share of the agents: the paper counts the
/// main peaks of the final distribution, not the few stragglers left between them.
const MAJOR_SHARE: f64 = 0.05;

/// Final stances of one run of the engine as the Deffuant model with bound `d` (on [0, 1]).
fn final_stances(d: f64, agents: usize, ticks: u32, seed: u64) -> Vec<f64> {
    let text = format!(
        r#"
[scenario]
name = "deffuant"
ticks = {ticks}
seed = {seed}

[population]
agents = {agents}
initial_stance = "uniform"

[population.activity]
median = 1.0
sigma = 0.0

[population.susceptibility]
low = 1.0
high = 1.0

[network]
generator = "ba"
m = 1

[feed]
size = 1
out_of_network_share = 1.0
window = 1

[policy]
kind = "bounded_confidence"

[policy.bounded_confidence]
epsilon = {eps}
mu = 0.5
post_prob = 1.0
post_noise = 0.0
like_prob = 0.0
reply_prob = 0.0
repost_prob = 0.0
quote_prob = 0.0
unfollow_prob = 0.0
follow_prob = 0.0
"#,
        eps = 2.0 * d
    );
    let world = run(&scenario(&text, "deffuant"));
    world.feature("stance").unwrap_or_default()
}

/// Sizes of the major clusters of `stances` and their centres (on the paper's [0, 1]).
fn major_clusters(stances: &[f64], d: f64) -> Vec<f64> {
    // Converged clusters are more than 2d apart on [−1, 1]; members of one are nearly equal.
    let mut sorted: Vec<f64> = stances.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    let mut centres = Vec::new();
    let mut start = 0;
    for i in 1..=sorted.len() {
        if i == sorted.len() || sorted[i] - sorted[i - 1] >= d {
            let members = &sorted[start..i];
            if members.len() as f64 >= MAJOR_SHARE * n {
                centres.push((mean(members) + 1.0) / 2.0);
            }
            start = i;
        }
    }
    centres
}

/// The published count: the integer part of 1/(2d).
fn published_count(d: f64) -> f64 {
    (1.0 / (2.0 * d)).floor()
}

pub fn checks(s: &Settings) -> Vec<Check> {
    let (agents, ticks, seeds) = if s.quick {
        (1000, 150, 3)
    } else {
        (4000, 300, 10)
    };
    let ds: Vec<f64> = if s.quick {
        vec![0.1, 0.15, 0.2, 0.3, 0.4]
    } else {
        vec![
            0.08, 0.1, 0.12, 0.15, 0.18, 0.2, 0.22, 0.25, 0.3, 0.35, 0.4, 0.5,
        ]
    };
    let runs: Vec<(f64, u64)> = ds
        .iter()
        .flat_map(|&d| (0..seeds).map(move |k| (d, s.seed.wrapping_add(k))))
        .collect();
    let results: Vec<(f64, Vec<f64>)> = runs
        .par_iter()
        .map(|&(d, seed)| (d, major_clusters(&final_stances(d, agents, ticks, seed), d)))
        .collect();
    let mut measured = Vec::new();
    let mut centres = Vec::new();
    let mut worst = 0.0f64;
    for &d in &ds {
        let counts: Vec<f64> = results
            .iter()
            .filter(|r| r.0 == d)
            .map(|r| r.1.len() as f64)
            .collect();
        let m = mean(&counts);
        worst = worst.max((m - published_count(d)).abs());
        measured.push((d, m));
        for r in results.iter().filter(|r| r.0 == d) {
            centres.extend(r.1.iter().map(|&c| (d, c)));
        }
    }
    // Pass when the mean major-cluster count is within one of the published integer part at
    // every d: near the bifurcations (1/(2d) close to an integer) runs split between the two
    // neighbouring counts, in the paper as here.
    let pass = worst <= 1.0;
    let analytic: Vec<(f64, f64)> = {
        let (lo, hi) = (ds[0], ds[ds.len() - 1]);
        (0..=400)
            .map(|k| lo + (hi - lo) * k as f64 / 400.0)
            .map(|d| (d, published_count(d)))
            .collect()
    };
    let table: Vec<String> = measured
        .iter()
        .map(|(d, m)| format!("d = {d}: {m:.2} (⌊1/2d⌋ = {})", published_count(*d)))
        .collect();
    vec![Check {
        id: "deffuant-clusters".into(),
        title: "Deffuant bounded confidence: number of opinion clusters vs d".into(),
        citation: CITATION.into(),
        published: "the number of major clusters is the integer part of 1/(2d) (μ = 0.5, \
                    uniform initial opinions)"
            .into(),
        ours: format!(
            "mean major clusters ({agents} agents, {ticks} ticks, {seeds} seeds): {}; largest \
             deviation {worst:.2}",
            table.join("; ")
        ),
        notes: "the engine's bounded-confidence policy with a feed of one uniformly random \
                item of the previous tick, every agent active and posting every tick, μ = 0.5, no \
                rewiring; stances on [−1, 1], so ε = 2d. Only the reader moves (the asymmetric \
                variant; Weisbuch et al. 2002 find the same clusters), and every agent reads once \
                a tick (synchronous rounds) instead of one random pair at a time. A cluster is \
                major with at least 5 % of the agents."
            .into(),
        pass,
        figures: vec![
            Figure {
                name: "deffuant-clusters".into(),
                title: "Deffuant: major clusters vs confidence bound d".into(),
                x_label: "confidence bound d (opinions on [0, 1])".into(),
                y_label: "major clusters".into(),
                log_x: false,
                log_y: false,
                curves: vec![
                    Curve {
                        name: "emergent (mean over seeds)".into(),
                        points: measured.clone(),
                        style: CurveStyle::Line,
                    },
                    Curve {
                        name: "⌊1/(2d)⌋ (Deffuant et al. 2000)".into(),
                        points: analytic,
                        style: CurveStyle::Dashed,
                    },
                ],
            },
            Figure {
                name: "deffuant-centres".into(),
                title: "Deffuant: final cluster positions vs d".into(),
                x_label: "confidence bound d".into(),
                y_label: "opinion of a major cluster".into(),
                log_x: false,
                log_y: false,
                curves: vec![Curve {
                    name: "emergent (every seed)".into(),
                    points: centres,
                    style: CurveStyle::Points,
                }],
            },
        ],
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wide_bound_reaches_consensus_and_a_narrow_one_does_not() {
        let wide = major_clusters(&final_stances(0.4, 300, 100, 1), 0.4);
        assert_eq!(wide.len(), 1, "{wide:?}");
        assert!(
            (wide[0] - 0.5).abs() < 0.1,
            "consensus near the middle: {wide:?}"
        );
        let narrow = major_clusters(&final_stances(0.1, 300, 100, 1), 0.1);
        assert!(narrow.len() >= 3, "{narrow:?}");
    }
}
