//! Tier shares: how much of the total attribution sits with the top of a ranking.

use serde::Serialize;

use crate::error::AttributionError;
use crate::sample_sort::global_order;
use crate::shard::{Rows, Shard};

/// One tier: agents at ranks [from, to) of the ranking (0 = highest).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TierShare {
    pub name: String,
    pub from: usize,
    pub to: usize,
    pub phi_sum: f64,
    /// Σ_tier φ / Σ φ; NaN when Σ φ is 0 or only the rounding noise of Σ |φ| (f(x) = f(x′):
    /// shares of nothing are undefined).
    pub share: f64,
}

/// Rank order by `rank_by`, descending, ties broken by row so the order is deterministic.
pub fn ranking(rank_by: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..rank_by.len()).collect();
    order.sort_by(|&a, &b| rank_by[b].total_cmp(&rank_by[a]).then(a.cmp(&b)));
    order
}

/// Number of agents in the top `fraction` of `n`: ⌈fraction·n⌉, at least 1 when fraction > 0.
pub fn top_count(n: usize, fraction: f64) -> usize {
    if fraction <= 0.0 {
        return 0;
    }
    (((fraction * n as f64) - 1e-9).ceil().max(1.0) as usize).min(n)
}

/// Shares of Σφ held by consecutive tiers cut at the given fractions (e.g. [0.01, 0.1]:
/// top 1 %, (1 %, 10 %], bottom 90 %).
pub fn tier_shares(phi: &[f64], rank_by: &[f64], cuts: &[f64]) -> Vec<TierShare> {
    tiers_ranked_by(phi, rank_by, cuts, &Rows::local(phi.len()))
}

/// As [`tier_shares`], with the ranking already computed.
pub fn tier_shares_ordered(phi: &[f64], order: &[usize], cuts: &[f64]) -> Vec<TierShare> {
    let mut pos = vec![0u64; order.len()];
    for (p, &i) in order.iter().enumerate() {
        pos[i] = p as u64;
    }
    tiers_at(phi, &pos, cuts, &Rows::local(phi.len()))
}

/// [`tier_shares`] of a table split by rows over ranks, called by every rank with its rows of
/// φ and of the ranking column (a collective call): the global ranking comes from a sample
/// sort, and the shares are bit for bit those of one process on the whole table.
pub fn tier_shares_sharded(
    phi: &[f64],
    rank_by: &[f64],
    cuts: &[f64],
    shard: &Shard,
) -> Result<Vec<TierShare>, AttributionError> {
    let rows = Rows::sharded(phi.len(), shard)?;
    Ok(tiers_ranked_by(phi, rank_by, cuts, &rows))
}

/// The tiers with every row placed by `rank_by` (descending, ties by row) over all of `rows`:
/// the same order as [`ranking`], in one process or across ranks.
fn tiers_ranked_by(phi: &[f64], rank_by: &[f64], cuts: &[f64], rows: &Rows) -> Vec<TierShare> {
    let keys: Vec<u64> = rank_by.iter().map(|&v| descending_key(v)).collect();
    let pos: Vec<u64> = global_order(&keys, rows)
        .into_iter()
        .map(|p| p.pos)
        .collect();
    tiers_at(phi, &pos, cuts, rows)
}

/// A key whose ascending order is `v`'s descending [`f64::total_cmp`] order.
fn descending_key(v: f64) -> u64 {
    let b = v.to_bits();
    let ascending = if b >> 63 == 1 { !b } else { b | (1 << 63) };
    !ascending
}

/// The tiers, given each row's position in the ranking (0 = highest). A tier's sum runs over
/// its members in row order (the same blocks as every other sum), not in rank order, so a
/// partitioned table sums the same terms in the same order.
fn tiers_at(phi: &[f64], pos: &[u64], cuts: &[f64], rows: &Rows) -> Vec<TierShare> {
    let n = rows.total;
    let [total, mass] = rows.sums_by::<2, _>(|i| [phi[i], phi[i].abs()]);
    let defined = total != 0.0 && total.abs() > 1e-12 * mass;
    let mut bounds = vec![0usize];
    bounds.extend(cuts.iter().map(|c| top_count(n, *c)));
    bounds.push(n);
    let mut names = Vec::new();
    let pct = |c: f64| format!("{}%", c * 100.0);
    for (i, _) in bounds.windows(2).enumerate() {
        names.push(match i {
            0 => format!("top {}", pct(cuts.first().copied().unwrap_or(1.0))),
            _ if i == cuts.len() => format!("bottom {}", pct(1.0 - cuts[i - 1])),
            _ => format!("{}–{}", pct(cuts[i - 1]), pct(cuts[i])),
        });
    }
    bounds
        .windows(2)
        .zip(names)
        .map(|(w, name)| {
            let (from, to) = (w[0], w[1].max(w[0]));
            let (lo, hi) = (from as u64, to as u64);
            let s = rows.sum_by(|i| {
                if (lo..hi).contains(&pos[i]) {
                    phi[i]
                } else {
                    0.0
                }
            });
            TierShare {
                name,
                from,
                to,
                phi_sum: s,
                share: if defined { s / total } else { f64::NAN },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_of_a_hundred() {
        let rank: Vec<f64> = (0..100).map(|i| i as f64).collect();
        let phi = vec![1.0; 100];
        let t = tier_shares(&phi, &rank, &[0.01, 0.1]);
        assert_eq!(t.len(), 3);
        assert_eq!((t[0].from, t[0].to), (0, 1));
        assert_eq!((t[1].from, t[1].to), (1, 10));
        assert_eq!((t[2].from, t[2].to), (10, 100));
        assert_eq!(t[0].name, "top 1%");
        assert_eq!(t[1].name, "1%–10%");
        assert_eq!(t[2].name, "bottom 90%");
        assert!((t[2].share - 0.9).abs() < 1e-15);
        assert_eq!(top_count(1_671_587, 0.01), 16_716);
        // Σφ that is only cancellation noise (f(x) = f(x′)) has no shares.
        let noise = [1.0, -1.0, 3.0, -3.0 + 1e-15];
        assert!(
            tier_shares(&noise, &[4.0, 3.0, 2.0, 1.0], &[0.5])
                .iter()
                .all(|t| t.share.is_nan())
        );
    }
}
