//! Shapley values of a cooperative game over a few players (groups of agents), given by its
//! coalition values: exact by enumeration, or estimated from antithetic permutations; and the
//! interval of a mean over replicates.
//!
//! Pure: the caller measures v(S) however it likes (e.g. by rerunning a simulation with the
//! players outside S silenced) and hands the values in. A coalition is a bit mask, bit i set =
//! player i is in it, so at most [`MAX_PLAYERS`] players.

use std::collections::BTreeSet;

use crate::rng::SplitMix;

/// Most players a coalition mask holds.
pub const MAX_PLAYERS: usize = 63;

/// The grand coalition of `players` players.
pub fn grand(players: usize) -> u64 {
    if players >= 64 {
        u64::MAX
    } else {
        (1u64 << players) - 1
    }
}

/// Exact Shapley values from the value of every coalition: `values[mask]` for all `2^G`
/// masks. φ_i = Σ_{S ∌ i} |S|!(G−|S|−1)!/G! · (v(S ∪ i) − v(S)); Σφ = v(N) − v(∅) up to
/// rounding.
///
/// # Panics
/// When `values.len()` is not a power of two (a caller's bug, not user input).
pub fn exact_shapley(values: &[f64]) -> Vec<f64> {
    assert!(values.len().is_power_of_two(), "one value per coalition");
    let g = values.len().trailing_zeros() as usize;
    // weight(s) = s!(G − s − 1)!/G!, by a recurrence that cannot overflow.
    let mut weight = vec![0.0; g.max(1)];
    if g > 0 {
        weight[0] = 1.0 / g as f64;
        for s in 1..g {
            weight[s] = weight[s - 1] * s as f64 / (g - s) as f64;
        }
    }
    (0..g)
        .map(|i| {
            let bit = 1usize << i;
            let mut sum = 0.0;
            let mut c = 0.0; // Kahan compensation: 2^11 terms of mixed sign
            for mask in (0..values.len()).filter(|m| m & bit == 0) {
                let term = weight[mask.count_ones() as usize] * (values[mask | bit] - values[mask]);
                let y = term - c;
                let t = sum + y;
                c = (t - sum) - y;
                sum = t;
            }
            sum
        })
        .collect()
}

/// `pairs` antithetic pairs of permutations of `players` players for stream `stream` of
/// `seed`: permutation 2k is uniform, 2k + 1 is its reverse (a player early in one is late in
/// the other, which cancels much of the variance of its marginal contributions).
pub fn antithetic_permutations(
    players: usize,
    pairs: usize,
    seed: u64,
    stream: u64,
) -> Vec<Vec<u32>> {
    let mut out = Vec::with_capacity(2 * pairs);
    for k in 0..pairs as u64 {
        let p = SplitMix::keyed(seed, stream.wrapping_mul(1 << 32).wrapping_add(k))
            .permutation(players);
        let mut r = p.clone();
        r.reverse();
        out.push(p);
        out.push(r);
    }
    out
}

/// Every coalition the permutations' marginal contributions read: each prefix of each
/// permutation, ∅ and the grand coalition included, ascending.
pub fn coalitions_of(permutations: &[Vec<u32>]) -> BTreeSet<u64> {
    let mut set = BTreeSet::new();
    for p in permutations {
        let mut mask = 0u64;
        set.insert(mask);
        for &i in p {
            mask |= 1 << i;
            set.insert(mask);
        }
    }
    set
}

/// A Shapley estimate from sampled permutations.
#[derive(Debug, Clone, PartialEq)]
pub struct SampledShapley {
    pub phi: Vec<f64>,
    /// Standard error of each φ_i over the antithetic pairs (NaN with one pair).
    pub std_error: Vec<f64>,
}

/// Shapley values estimated from `permutations` (consecutive antithetic pairs, as
/// [`antithetic_permutations`] makes them): each pair's mean marginal contributions is one
/// sample. Every permutation's contributions sum to v(N) − v(∅), so the estimate does too.
/// `v(mask)` gives a coalition's value.
pub fn permutation_shapley(
    players: usize,
    permutations: &[Vec<u32>],
    mut v: impl FnMut(u64) -> f64,
) -> SampledShapley {
    let contributions = |p: &[u32], v: &mut dyn FnMut(u64) -> f64| {
        let mut out = vec![0.0; players];
        let mut mask = 0u64;
        let mut before = v(mask);
        for &i in p {
            mask |= 1 << i;
            let after = v(mask);
            out[i as usize] = after - before;
            before = after;
        }
        out
    };
    let samples: Vec<Vec<f64>> = permutations
        .chunks(2)
        .map(|pair| {
            let parts: Vec<Vec<f64>> = pair.iter().map(|p| contributions(p, &mut v)).collect();
            (0..players)
                .map(|i| parts.iter().map(|c| c[i]).sum::<f64>() / parts.len() as f64)
                .collect()
        })
        .collect();
    let per_player = |i: usize| samples.iter().map(|s| s[i]).collect::<Vec<f64>>();
    let stats: Vec<Interval> = (0..players).map(|i| interval(&per_player(i))).collect();
    SampledShapley {
        phi: stats.iter().map(|s| s.mean).collect(),
        std_error: stats.iter().map(|s| s.std_error).collect(),
    }
}

/// A mean with its standard error and a 95 % confidence interval (Student's t).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub mean: f64,
    /// s/√n; NaN with fewer than two samples.
    pub std_error: f64,
    pub low: f64,
    pub high: f64,
}

/// The mean of `samples` and its 95 % interval, mean ± t₀.₉₇₅(n − 1) · s/√n (NaN bounds with
/// fewer than two samples: one replicate says nothing about the spread).
pub fn interval(samples: &[f64]) -> Interval {
    let n = samples.len();
    let mean = samples.iter().sum::<f64>() / n.max(1) as f64;
    if n < 2 {
        return Interval {
            mean: if n == 0 { f64::NAN } else { mean },
            std_error: f64::NAN,
            low: f64::NAN,
            high: f64::NAN,
        };
    }
    let var = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let se = (var / n as f64).sqrt();
    let half = t_975(n - 1) * se;
    Interval {
        mean,
        std_error: se,
        low: mean - half,
        high: mean + half,
    }
}

/// The 97.5 % quantile of Student's t with `df` degrees of freedom (df ≥ 1): tabulated to 30,
/// then the Cornish–Fisher expansion around the normal's 1.959964 (error < 10⁻⁴).
pub fn t_975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281, 2.2010,
        2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860, 2.0796, 2.0739,
        2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
    ];
    if (1..=30).contains(&df) {
        return TABLE[df - 1];
    }
    let z: f64 = 1.959964;
    let n = df.max(1) as f64;
    z + (z.powi(3) + z) / (4.0 * n)
        + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * n * n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// v(S) of every mask from a function of the mask.
    fn table(players: usize, v: impl Fn(u64) -> f64) -> Vec<f64> {
        (0..1u64 << players).map(v).collect()
    }

    fn sum_over(mask: u64, own: &[f64]) -> f64 {
        (0..own.len())
            .filter(|i| mask >> i & 1 == 1)
            .map(|i| own[i])
            .sum()
    }

    #[test]
    fn an_additive_game_pays_each_player_its_own_value() {
        let own = [3.0, -1.5, 0.25, 7.0];
        let phi = exact_shapley(&table(4, |m| 10.0 + sum_over(m, &own)));
        for (p, o) in phi.iter().zip(own) {
            assert!((p - o).abs() < 1e-12, "{phi:?}");
        }
    }

    #[test]
    fn symmetric_players_get_equal_values_and_a_null_player_nothing() {
        // v = (number of players 0, 1, 2 in S)²: players 0–2 symmetric, player 3 null.
        let v = |m: u64| ((m & 0b111).count_ones() as f64).powi(2);
        let phi = exact_shapley(&table(4, v));
        assert!((phi[0] - 3.0).abs() < 1e-12 && (phi[1] - 3.0).abs() < 1e-12);
        assert!((phi[2] - 3.0).abs() < 1e-12);
        assert_eq!(phi[3], 0.0);
    }

    #[test]
    fn glove_game_has_its_textbook_values() {
        // Player 0 holds a left glove, players 1 and 2 a right one: a pair is worth 1.
        let v = |m: u64| f64::from(m & 1 == 1 && m & 0b110 != 0);
        let phi = exact_shapley(&table(3, v));
        let want = [2.0 / 3.0, 1.0 / 6.0, 1.0 / 6.0];
        for (p, w) in phi.iter().zip(want) {
            assert!((p - w).abs() < 1e-15, "{phi:?}");
        }
    }

    #[test]
    fn efficiency_holds_on_a_random_game() {
        let mut rng = SplitMix::keyed(5, 0);
        let values: Vec<f64> = (0..1 << 10).map(|_| rng.unit() * 100.0 - 30.0).collect();
        let phi = exact_shapley(&values);
        let total = values[(1 << 10) - 1] - values[0];
        assert!((phi.iter().sum::<f64>() - total).abs() < 1e-10 * total.abs().max(1.0));
    }

    #[test]
    fn permutation_estimates_converge_to_the_exact_values_on_six_players() {
        // A game with interactions of every order (antithetic pairs are exact on quadratic
        // games): v(S) = (Σ own)³ + 3 · [players 0 and 5 in S, player 2 not].
        let own = [1.0, 2.0, -0.5, 0.3, 4.0, -2.0];
        let v = |m: u64| sum_over(m, &own).powi(3) + 3.0 * f64::from(m & 0b100101 == 0b100001);
        let exact = exact_shapley(&table(6, v));
        let error = |pairs: usize| {
            let perms = antithetic_permutations(6, pairs, 11, 0);
            let s = permutation_shapley(6, &perms, v);
            let total: f64 = s.phi.iter().sum();
            assert!(
                (total - (v(63) - v(0))).abs() < 1e-9,
                "efficiency per permutation"
            );
            let worst = (0..6)
                .map(|i| (s.phi[i] - exact[i]).abs())
                .fold(0.0, f64::max);
            let worst_se = s.std_error.iter().copied().fold(0.0, f64::max);
            (worst, worst_se)
        };
        let (coarse, coarse_se) = error(20);
        let (fine, fine_se) = error(5000);
        let scale = exact.iter().map(|x| x.abs()).fold(0.0, f64::max);
        assert!(fine < 0.01 * scale, "{fine} of {scale}");
        assert!(fine < coarse, "{fine} vs {coarse}");
        assert!(fine_se < coarse_se / 5.0, "{fine_se} vs {coarse_se}");
        // The exact values lie within a few standard errors of the fine estimate.
        assert!(fine < 5.0 * fine_se + 1e-12, "{fine} vs se {fine_se}");
    }

    #[test]
    fn antithetic_pairs_are_reverses_and_prefixes_cover_both_ends() {
        let perms = antithetic_permutations(5, 3, 1, 2);
        assert_eq!(perms.len(), 6);
        for pair in perms.chunks(2) {
            let mut r = pair[1].clone();
            r.reverse();
            assert_eq!(pair[0], r);
        }
        let c = coalitions_of(&perms);
        assert!(c.contains(&0) && c.contains(&grand(5)));
        assert_ne!(perms, antithetic_permutations(5, 3, 1, 3), "streams differ");
    }

    #[test]
    fn intervals_use_students_t() {
        let i = interval(&[1.0, 2.0, 3.0]);
        assert_eq!(i.mean, 2.0);
        let se = (1.0f64 / 3.0).sqrt();
        assert!((i.std_error - se).abs() < 1e-15);
        assert!((i.high - (2.0 + 4.3027 * se)).abs() < 1e-12);
        assert!(interval(&[5.0]).low.is_nan());
        assert!((t_975(1000) - 1.9623).abs() < 1e-3);
        assert!((t_975(31) - 2.0395).abs() < 1e-3);
    }
}
