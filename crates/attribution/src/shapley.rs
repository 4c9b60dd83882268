//! Shapley values over agents, for comparison with Aumann–Shapley.
//!
//! The game: v(S) = f(x_S, x'_{−S}) — agents in S take their features, the rest their
//! baseline. Each agent's per-aggregate term depends on its own features only, so the terms at
//! x (α = 1) and x' (α = 0) are computed once and coalitions just pick one or the other.

use rayon::prelude::*;

use crate::error::AttributionError;
use crate::eval::{scalar_value, scalar_value_with};
use crate::indicator::Indicator;
use crate::progress::Progress;
use crate::reduce::Compensated;
use crate::rng::SplitMix;
use crate::tape::AggKind;

/// Largest population exact enumeration accepts (2^20 ≈ 10^6 coalitions).
pub(crate) const EXACT_LIMIT: usize = 20;

/// Exact Shapley by enumerating all 2^N coalitions.
pub(crate) fn exact(
    ind: &Indicator,
    on: &[Vec<f64>],
    off: &[Vec<f64>],
    progress: &dyn Progress,
) -> Result<Vec<f64>, AttributionError> {
    let n = on.first().map_or(0, Vec::len);
    if n > EXACT_LIMIT {
        return Err(AttributionError::TooManyForExact {
            n,
            limit: EXACT_LIMIT,
        });
    }
    let masks = 1usize << n;
    progress.start(masks as u64, "coalitions");
    let values: Vec<f64> = (0..masks)
        .into_par_iter()
        .with_min_len(1024)
        .map_init(
            || vec![0.0; n],
            |buf, mask| {
                let leaves: Vec<f64> = ind
                    .aggregates
                    .iter()
                    .enumerate()
                    .map(|(j, agg)| {
                        for (i, b) in buf.iter_mut().enumerate() {
                            *b = if mask >> i & 1 == 1 {
                                on[j][i]
                            } else {
                                off[j][i]
                            };
                        }
                        small_aggregate(agg.kind, buf)
                    })
                    .collect();
                scalar_value(&ind.outer, &leaves)
            },
        )
        .collect();
    progress.advance(masks as u64);
    if let Some(m) = values.iter().position(|v| !v.is_finite()) {
        return Err(AttributionError::NotFinite {
            indicator: ind.text_for_messages(),
            value: values[m],
            which: format!("coalition {m:#b} (bit i set = agent at row i takes its features)"),
        });
    }
    // weight(s) = s! (N − s − 1)! / N!, built by a recurrence to avoid overflow.
    let mut weight = vec![0.0; n.max(1)];
    if n > 0 {
        weight[0] = 1.0 / n as f64;
        for s in 1..n {
            weight[s] = weight[s - 1] * s as f64 / (n - s) as f64;
        }
    }
    Ok((0..n)
        .into_par_iter()
        .map(|i| {
            let bit = 1usize << i;
            let mut acc = Compensated::default();
            for mask in 0..masks {
                if mask & bit == 0 {
                    acc.add(
                        weight[mask.count_ones() as usize] * (values[mask | bit] - values[mask]),
                    );
                }
            }
            acc.value()
        })
        .collect())
}

/// Sequential aggregate of a small vector (exact enumeration works on N ≤ 20).
fn small_aggregate(kind: AggKind, g: &[f64]) -> f64 {
    let n = g.len() as f64;
    let sum: f64 = g.iter().sum();
    let mean = sum / n;
    match kind {
        AggKind::Mean => mean,
        AggKind::Sum => sum,
        AggKind::Var | AggKind::Std => {
            let v = g.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
            if kind == AggKind::Var { v } else { v.sqrt() }
        }
        AggKind::Central3 | AggKind::Central4 => {
            let k = kind.central_order().unwrap_or(3);
            g.iter().map(|x| (x - mean).powi(k)).sum::<f64>() / n
        }
        AggKind::Gini => {
            let mut pair = 0.0;
            for a in g {
                for b in g {
                    pair += (a - b).abs();
                }
            }
            pair / (2.0 * n * sum)
        }
    }
}

/// Permutations handled by one task; fixed so results do not depend on the thread count.
const PERMS_PER_TASK: usize = 4;
/// Tasks whose φ vectors are held at once before being added up in order.
const TASKS_PER_WAVE: usize = 32;

/// Castro et al. (2009) permutation sampling with incremental aggregates: one permutation
/// costs O(N) for mean/var and O(N log N) for gini, not O(N²).
pub(crate) fn sampled(
    ind: &Indicator,
    on: &[Vec<f64>],
    off: &[Vec<f64>],
    permutations: usize,
    seed: u64,
    progress: &dyn Progress,
) -> Result<Vec<f64>, AttributionError> {
    if permutations == 0 {
        return Err(AttributionError::InvalidOption(
            "--permutations must be at least 1".into(),
        ));
    }
    let n = on.first().map_or(0, Vec::len);
    let start: Vec<State> = ind
        .aggregates
        .iter()
        .enumerate()
        .map(|(j, a)| State::new(a.kind, &on[j], &off[j]))
        .collect();
    progress.start(permutations as u64, "permutations");
    let tasks = permutations.div_ceil(PERMS_PER_TASK);
    let mut total = vec![Compensated::default(); n];
    for wave in (0..tasks).step_by(TASKS_PER_WAVE) {
        let partial: Vec<Vec<f64>> = (wave..(wave + TASKS_PER_WAVE).min(tasks))
            .into_par_iter()
            .map(|t| {
                let mut phi = vec![0.0; n];
                let mut leaves = vec![0.0; start.len()];
                let mut scratch = vec![0.0; ind.outer.nodes.len()];
                for p in t * PERMS_PER_TASK..((t + 1) * PERMS_PER_TASK).min(permutations) {
                    let order = SplitMix::keyed(seed, p as u64).permutation(n);
                    let mut states = start.clone();
                    for (l, s) in leaves.iter_mut().zip(&states) {
                        *l = s.value();
                    }
                    let mut prev = scalar_value(&ind.outer, &leaves);
                    for &i in &order {
                        let i = i as usize;
                        for (j, s) in states.iter_mut().enumerate() {
                            s.replace(i, off[j][i], on[j][i]);
                            leaves[j] = s.value();
                        }
                        let cur = scalar_value_with(&ind.outer, &leaves, &mut scratch);
                        phi[i] += cur - prev;
                        prev = cur;
                    }
                    progress.advance(1);
                }
                phi
            })
            .collect();
        for phi in partial {
            for (t, p) in total.iter_mut().zip(phi) {
                t.add(p);
            }
        }
    }
    let phi: Vec<f64> = total
        .iter()
        .map(|t| t.value() / permutations as f64)
        .collect();
    if phi.iter().any(|v| !v.is_finite()) {
        return Err(AttributionError::NotFinite {
            indicator: ind.text_for_messages(),
            value: f64::NAN,
            which: "a sampled coalition".into(),
        });
    }
    Ok(phi)
}

/// An aggregate maintained under "agent i changes its term from `old` to `new`".
#[derive(Clone)]
enum State {
    Sum {
        n: f64,
        sum: f64,
        mean: bool,
    },
    /// Power sums s_p = Σ (g − shift)^p, p = 1..4, of var, std or a central moment.
    Moments {
        n: f64,
        shift: f64,
        s: [f64; 4],
        kind: AggKind,
    },
    Gini(GiniState),
}

impl State {
    fn new(kind: AggKind, on: &[f64], off: &[f64]) -> Self {
        let n = off.len() as f64;
        let sum = crate::reduce::sum_by(off.len(), |i| off[i]);
        match kind {
            AggKind::Mean | AggKind::Sum => State::Sum {
                n,
                sum,
                mean: kind == AggKind::Mean,
            },
            AggKind::Var | AggKind::Std | AggKind::Central3 | AggKind::Central4 => {
                // Moments about the baseline mean keep s2 − s1²/n well conditioned.
                let shift = sum / n;
                let mut s = [0.0; 4];
                for v in off {
                    let d = v - shift;
                    s[1] += d * d;
                    s[2] += d * d * d;
                    s[3] += d * d * d * d;
                }
                State::Moments { n, shift, s, kind }
            }
            AggKind::Gini => State::Gini(GiniState::new(on, off)),
        }
    }

    fn replace(&mut self, _i: usize, old: f64, new: f64) {
        match self {
            State::Sum { sum, .. } => *sum += new - old,
            State::Moments { shift, s, .. } => {
                let (o, w) = (old - *shift, new - *shift);
                let (mut po, mut pw) = (1.0, 1.0);
                for sp in s.iter_mut() {
                    po *= o;
                    pw *= w;
                    *sp += pw - po;
                }
            }
            State::Gini(g) => g.replace(old, new),
        }
    }

    fn value(&self) -> f64 {
        match *self {
            State::Sum { n, sum, mean } => {
                if mean {
                    sum / n
                } else {
                    sum
                }
            }
            State::Moments { n, s, kind, .. } => {
                // Central moments from the power sums about `shift`.
                let m = s[0] / n;
                let (e2, e3, e4) = (s[1] / n, s[2] / n, s[3] / n);
                let v = (e2 - m * m).max(0.0);
                match kind {
                    AggKind::Std => v.sqrt(),
                    AggKind::Central3 => e3 - 3.0 * m * e2 + 2.0 * m * m * m,
                    AggKind::Central4 => e4 - 4.0 * m * e3 + 6.0 * m * m * e2 - 3.0 * m * m * m * m,
                    _ => v,
                }
            }
            State::Gini(ref g) => g.value(),
        }
    }
}

/// Gini under point updates: Fenwick trees of counts and sums over the sorted distinct
/// values, so Σ_j |v − s_j| costs O(log N).
#[derive(Clone)]
struct GiniState {
    keys: std::sync::Arc<Vec<f64>>,
    count: Vec<i64>,
    sum: Vec<f64>,
    n: f64,
    total: f64,
    /// Σ_i Σ_j |s_i − s_j| over ordered pairs.
    pairs: f64,
}

impl GiniState {
    fn new(on: &[f64], off: &[f64]) -> Self {
        let mut keys: Vec<f64> = on.iter().chain(off).copied().collect();
        keys.sort_by(f64::total_cmp);
        keys.dedup();
        let m = keys.len();
        let mut g = GiniState {
            keys: std::sync::Arc::new(keys),
            count: vec![0; m + 1],
            sum: vec![0.0; m + 1],
            n: off.len() as f64,
            total: 0.0,
            pairs: 0.0,
        };
        for &v in off {
            g.insert(v);
        }
        g
    }

    fn slot(&self, v: f64) -> usize {
        self.keys.partition_point(|k| *k < v) + 1
    }

    /// Σ_j |v − s_j| over the values currently held.
    fn distance(&self, v: f64) -> f64 {
        let slot = self.slot(v);
        let (mut c, mut s) = (0i64, 0.0);
        let mut i = slot;
        while i > 0 {
            c += self.count[i];
            s += self.sum[i];
            i &= i - 1;
        }
        let held: i64 = self.prefix_count_all();
        let below = v * c as f64 - s;
        let above = (self.total - s) - v * (held - c) as f64;
        below + above
    }

    fn prefix_count_all(&self) -> i64 {
        let mut i = self.count.len() - 1;
        let mut c = 0;
        while i > 0 {
            c += self.count[i];
            i &= i - 1;
        }
        c
    }

    fn update(&mut self, v: f64, dc: i64) {
        let mut i = self.slot(v);
        while i < self.count.len() {
            self.count[i] += dc;
            self.sum[i] += dc as f64 * v;
            i += i & i.wrapping_neg();
        }
        self.total += dc as f64 * v;
    }

    fn insert(&mut self, v: f64) {
        self.pairs += 2.0 * self.distance(v);
        self.update(v, 1);
    }

    fn replace(&mut self, old: f64, new: f64) {
        self.update(old, -1);
        self.pairs -= 2.0 * self.distance(old);
        self.insert(new);
    }

    fn value(&self) -> f64 {
        self.pairs / (2.0 * self.n * self.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gini_state_tracks_the_pairwise_definition() {
        let on = [3.0, 0.5, 2.0, 2.0, 9.0];
        let off = [1.0, 1.0, 1.0, 4.0, 0.0];
        let mut g = GiniState::new(&on, &off);
        let mut cur = off.to_vec();
        for i in [2, 0, 4, 1, 3] {
            g.replace(off[i], on[i]);
            cur[i] = on[i];
            assert!((g.value() - small_aggregate(AggKind::Gini, &cur)).abs() < 1e-14);
        }
    }
}
