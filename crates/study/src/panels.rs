//! How LLM-simulation studies pick their ~100 agents, reproduced so their bias can be measured.

use std::collections::HashSet;

use emergent_attribution::rng::SplitMix;
use serde::Serialize;

/// A panel sampling protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Protocol {
    /// Every agent equally likely.
    Uniform,
    /// Probability ∝ followers: the agents a researcher sees first.
    Visibility,
    /// Tier sizes proportional to the population's, uniform within each tier.
    Stratified,
    /// Probability ∝ posts: the agents that are easy to find because they post.
    Activity,
}

impl Protocol {
    pub const ALL: [Protocol; 4] = [
        Protocol::Uniform,
        Protocol::Visibility,
        Protocol::Stratified,
        Protocol::Activity,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Protocol::Uniform => "uniform",
            Protocol::Visibility => "visibility",
            Protocol::Stratified => "stratified",
            Protocol::Activity => "activity",
        }
    }

    pub fn parse(s: &str) -> Option<Protocol> {
        Protocol::ALL.into_iter().find(|p| p.name() == s)
    }
}

/// Draw a panel of `n` distinct rows, sorted ascending.
///
/// `weights` drive the weighted protocols (followers for visibility, posts for activity);
/// `tier_of` gives each row's tier for the stratified one.
pub fn draw(
    protocol: Protocol,
    n: usize,
    weights: &[f64],
    tier_of: &[u8],
    tiers: usize,
    rng: &mut SplitMix,
) -> Vec<usize> {
    let total = tier_of.len();
    let mut rows = match protocol {
        Protocol::Uniform => uniform(total, n, rng),
        Protocol::Visibility | Protocol::Activity => weighted(weights, n, rng),
        Protocol::Stratified => stratified(tier_of, tiers, n, rng),
    };
    rows.sort_unstable();
    rows
}

/// n distinct rows of 0..total, uniformly (Floyd's algorithm: O(n) draws, no O(N) shuffle).
fn uniform(total: usize, n: usize, rng: &mut SplitMix) -> Vec<usize> {
    let mut chosen = HashSet::with_capacity(n);
    let mut out = Vec::with_capacity(n);
    for j in total - n..total {
        let t = rng.below(j as u64 + 1) as usize;
        let pick = if chosen.contains(&t) { j } else { t };
        chosen.insert(pick);
        out.push(pick);
    }
    out
}

/// Weighted sampling without replacement (Efraimidis–Spirakis keys ln(u)/w, largest n).
/// Rows of weight 0 come only after every positive-weight row, in random order.
fn weighted(weights: &[f64], n: usize, rng: &mut SplitMix) -> Vec<usize> {
    let mut keys: Vec<(f64, f64, usize)> = weights
        .iter()
        .enumerate()
        .map(|(i, &w)| {
            let (u, tie) = (rng.unit(), rng.unit());
            let key = if w > 0.0 {
                u.ln() / w
            } else {
                f64::NEG_INFINITY
            };
            (key, tie, i)
        })
        .collect();
    let cmp = |a: &(f64, f64, usize), b: &(f64, f64, usize)| {
        b.0.total_cmp(&a.0)
            .then(b.1.total_cmp(&a.1))
            .then(a.2.cmp(&b.2))
    };
    if n < keys.len() {
        keys.select_nth_unstable_by(n, cmp);
    }
    keys.truncate(n);
    keys.into_iter().map(|k| k.2).collect()
}

/// Tier quotas proportional to tier sizes (largest remainder), uniform within tiers.
fn stratified(tier_of: &[u8], tiers: usize, n: usize, rng: &mut SplitMix) -> Vec<usize> {
    let total = tier_of.len();
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); tiers];
    for (i, &t) in tier_of.iter().enumerate() {
        members[t as usize].push(i);
    }
    let exact: Vec<f64> = members
        .iter()
        .map(|m| n as f64 * m.len() as f64 / total as f64)
        .collect();
    let mut quota: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
    let mut order: Vec<usize> = (0..tiers).collect();
    order.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor())
            .total_cmp(&(exact[a] - exact[a].floor()))
            .then(a.cmp(&b))
    });
    let mut left = n - quota.iter().sum::<usize>();
    for &t in order.iter().cycle().take(tiers * 2) {
        if left == 0 {
            break;
        }
        if quota[t] < members[t].len() {
            quota[t] += 1;
            left -= 1;
        }
    }
    let mut out = Vec::with_capacity(n);
    for (t, m) in members.iter().enumerate() {
        out.extend(
            uniform(m.len(), quota[t].min(m.len()), rng)
                .into_iter()
                .map(|k| m[k]),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panels_are_distinct_and_sized() {
        let n = 10_000;
        let w: Vec<f64> = (0..n)
            .map(|i| if i % 3 == 0 { 0.0 } else { (i % 97) as f64 })
            .collect();
        let tier: Vec<u8> = (0..n)
            .map(|i| {
                if i < 100 {
                    0
                } else if i < 1000 {
                    1
                } else {
                    2
                }
            })
            .collect();
        for p in Protocol::ALL {
            let mut rng = SplitMix::keyed(3, 1);
            let rows = draw(p, 100, &w, &tier, 3, &mut rng);
            assert_eq!(rows.len(), 100, "{p:?}");
            assert!(rows.windows(2).all(|x| x[0] < x[1]), "{p:?} has duplicates");
            if matches!(p, Protocol::Visibility | Protocol::Activity) {
                assert!(
                    rows.iter().all(|&r| w[r] > 0.0),
                    "{p:?} drew a zero-weight row"
                );
            }
            if p == Protocol::Stratified {
                let counts = [0u8, 1, 2].map(|t| rows.iter().filter(|&&r| tier[r] == t).count());
                assert_eq!(counts, [1, 9, 90]);
            }
        }
    }

    #[test]
    fn weighted_sampling_prefers_heavy_rows() {
        // Row 0 has 1000× the weight of each other row: it should almost always be drawn.
        let mut w = vec![1.0; 5000];
        w[0] = 1000.0;
        let hits = (0..200)
            .filter(|s| {
                draw(
                    Protocol::Visibility,
                    10,
                    &w,
                    &vec![0; 5000],
                    1,
                    &mut SplitMix::keyed(*s, 0),
                )
                .contains(&0)
            })
            .count();
        assert!(hits > 150, "{hits}");
    }
}
