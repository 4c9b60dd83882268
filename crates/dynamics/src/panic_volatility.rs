//! The herding market twin's expected volatility, which draws clusters into the market.
//!
//! The engine's clusters sell with probability min(½, a + b·v_t) and buy with
//! min(½, a + (1 − π)·b·v_t), v_t the mean |one-tick log return| over the last L ticks
//! (`Market::recent_volatility`). The twin's own price path is the mean flow's, far smoother
//! than a run's, so it cannot read v off its path; it carries the expected |return| instead:
//!
//! > E|r_t| ≈ √(μ_t² + (κY_t)² + (2/π)(V_t + κ² X_t)) + J_t,
//! > X_{t+1} = (1 − κ)² X_t + V_t,   Y_{t+1} = (1 − κ) Y_t + J_t + E_t,
//!
//! where μ_t is the twin's own (mean) return; V_t the variance of the many small independent
//! trades, (λ/N)² [(c_s + c_b) A² Σ_{small c} E m_c² + Σ_i α_i r (q_i (f h_i)² + (1 − q_i) u_i B²)]
//! (m_c the active members of cluster c, r = 1 − c_s − c_b); and J_t = (c_s + c_b)(λA/N)
//! Σ_{large c} E m_c the expected size of the rare moves of the large clusters (the giant
//! component above the percolation threshold), which are jumps, not noise: their expected
//! |return| is their probability times their size, where a Gaussian of the same variance would
//! give √(2p/π) times it (several times more for p of a few %). X and Y are the market maker's
//! memory (E_t: the herding that follows a jump through the feeds, `panic_echo.rs`, which
//! extends the jump's deviation): a move of the log price away from F comes back at rate κ, a pull of κ·(deviation)
//! on later returns, the spread of the noise's (κ²X) and the size of the jumps' (κY). The pull
//! after a jump is small per tick (κJ, 0.04 in the shipped market) and lands on the noise of
//! the ticks after, so it enters like a mean inside the root (E|m + σZ| ≈ √(m² + (2/π)σ²)),
//! not added to |r|: adding it outright doubled the jumps' part and, through the feedback
//! (gain 2·b(2 − π)·J/v per unit volatility), tripled the twin's volatility (0.143 against
//! about 0.04 in the runs, inferred from their return sd 0.091 and excess kurtosis 15).
//! A cluster is large when (E m_c)² exceeds the E m² of all the small clusters together: its
//! one move outweighs their noise. Left out: the drift μ inside the jumps, the overlap of jumps
//! and recoveries.

use crate::panic_window::ClusterOdds;

/// The clusters' sizes the volatility needs (fixed: activities do not depend on w).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ClusterSizes {
    /// Σ E m_c over the large clusters.
    pub jump: f64,
    /// Σ E m_c² over the small clusters.
    pub spread: f64,
}

impl ClusterSizes {
    /// From every agent's cluster label (any ids) and activity: the sizes, and whether each
    /// agent is a member of a large cluster.
    pub fn new(labels: &[u32], activity: &[f64]) -> (Self, Vec<bool>) {
        let mut by_label: std::collections::BTreeMap<u32, (f64, f64)> = Default::default();
        for (&l, &a) in labels.iter().zip(activity) {
            let e = by_label.entry(l).or_default();
            e.0 += a;
            e.1 += a * (1.0 - a);
        }
        // (E m, E m², label) per cluster, largest E m first (ties by the second moment).
        let mut sizes: Vec<(f64, f64, u32)> = by_label
            .iter()
            .map(|(&l, &(m, var))| (m, m * m + var, l))
            .collect();
        sizes.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.total_cmp(&a.1)));
        let mut rest: f64 = sizes.iter().map(|s| s.1).sum();
        let mut out = Self::default();
        let mut large = std::collections::BTreeSet::new();
        for (m, m2, label) in sizes {
            rest -= m2;
            if m * m > rest.max(0.0) + out.spread {
                out.jump += m;
                large.insert(label);
            } else {
                out.spread += m2;
            }
        }
        let members = labels.iter().map(|l| large.contains(l)).collect();
        (out, members)
    }
}

/// One tick's inputs to E|r|, besides the odds: the twin's own return and the variance of
/// the individual trades in units², Σ_i α_i r (q_i (f h_i)² + (1 − q_i) u_i B²).
#[derive(Clone, Copy, Debug, Default)]
pub struct TickMoves {
    pub mean_return: f64,
    pub trade_variance: f64,
    /// The flow per tick that a large cluster's sale (purchase) sets off through the feeds
    /// (`panic_echo.rs`), in units.
    pub echo_sell: f64,
    pub echo_buy: f64,
}

/// Adjoints of [`TickMoves`] and of the odds.
#[derive(Clone, Copy, Debug, Default)]
pub struct TickMovesBar {
    pub mean_return: f64,
    pub trade_variance: f64,
    pub echo_sell: f64,
    pub echo_buy: f64,
    pub sell: f64,
    pub buy: f64,
}

/// The model's constants: price impact λ/N per unit, cluster amount A, the maker's κ.
#[derive(Clone, Copy, Debug)]
pub struct Volatility {
    pub impact_per_unit: f64,
    pub amount: f64,
    pub reversion: f64,
    pub sizes: ClusterSizes,
    /// Ticks a cluster's posts stay in the feeds (`[feed] window`): how long its echo lasts.
    pub echo_ticks: f64,
}

/// The maker's memories X (of the noise) and Y (of the jumps) entering a tick.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Memory {
    pub noise: f64,
    pub jumps: f64,
}

/// Keeps √ differentiable where every variance is zero.
const FLOOR: f64 = 1e-24;
const TWO_OVER_PI: f64 = std::f64::consts::FRAC_2_PI;

impl Volatility {
    fn variance(&self, c: ClusterOdds, m: TickMoves) -> f64 {
        let l = self.impact_per_unit;
        l * l
            * ((c.sell + c.buy) * self.amount * self.amount * self.sizes.spread + m.trade_variance)
    }

    fn jump(&self, c: ClusterOdds) -> f64 {
        (c.sell + c.buy) * self.impact_per_unit * self.amount * self.sizes.jump
    }

    /// The expected |move| the feeds add after the large clusters' jumps: it lands in the
    /// ticks after a jump, against the maker's pull back, so it adds to the deviation the
    /// maker pulls back (Y), not to |r| in its own ticks.
    fn echo(&self, c: ClusterOdds, m: TickMoves) -> f64 {
        self.impact_per_unit * self.echo_ticks * (c.sell * m.echo_sell + c.buy * m.echo_buy)
    }

    /// The argument of the root: μ² + (κY)² + (2/π)(V + κ²X).
    fn spread(&self, m: TickMoves, v: f64, mem: Memory) -> f64 {
        let k = self.reversion;
        let pull = k * mem.jumps;
        m.mean_return * m.mean_return + pull * pull + TWO_OVER_PI * (v + k * k * mem.noise) + FLOOR
    }

    /// E|r_t| and the memory entering the next tick.
    pub fn step(&self, c: ClusterOdds, m: TickMoves, mem: Memory) -> (f64, Memory) {
        let k = self.reversion;
        let v = self.variance(c, m);
        let j = self.jump(c);
        let next = Memory {
            noise: (1.0 - k) * (1.0 - k) * mem.noise + v,
            jumps: (1.0 - k) * mem.jumps + j + self.echo(c, m),
        };
        (self.spread(m, v, mem).sqrt() + j, next)
    }

    /// The adjoint of [`Volatility::step`]: from Ē|r_t| and the next memory's adjoint, the
    /// inputs' adjoints and the memory's entering the tick.
    pub fn step_adjoint(
        &self,
        c: ClusterOdds,
        m: TickMoves,
        mem: Memory,
        abs_bar: f64,
        next_bar: Memory,
    ) -> (TickMovesBar, Memory) {
        let k = self.reversion;
        let l = self.impact_per_unit;
        let v = self.variance(c, m);
        let z_bar = abs_bar / (2.0 * self.spread(m, v, mem).sqrt());
        let v_bar = z_bar * TWO_OVER_PI + next_bar.noise;
        let j_bar = abs_bar + next_bar.jumps;
        let odds_bar = v_bar * l * l * self.amount * self.amount * self.sizes.spread
            + j_bar * l * self.amount * self.sizes.jump;
        let echo = next_bar.jumps * l * self.echo_ticks;
        (
            TickMovesBar {
                mean_return: z_bar * 2.0 * m.mean_return,
                trade_variance: v_bar * l * l,
                echo_sell: echo * c.sell,
                echo_buy: echo * c.buy,
                sell: odds_bar + echo * m.echo_sell,
                buy: odds_bar + echo * m.echo_buy,
            },
            Memory {
                noise: z_bar * TWO_OVER_PI * k * k + (1.0 - k) * (1.0 - k) * next_bar.noise,
                jumps: z_bar * 2.0 * k * k * mem.jumps + (1.0 - k) * next_bar.jumps,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_giant_cluster_jumps_and_singletons_add_noise() {
        // A cluster of 100 agents at activity 0.5 and 50 singletons.
        let mut labels = vec![0u32; 100];
        labels.extend(100..150);
        let (sizes, large) = ClusterSizes::new(&labels, &[0.5; 150]);
        assert!(large[..100].iter().all(|&x| x) && !large[100..].iter().any(|&x| x));
        assert!((sizes.jump - 50.0).abs() < 1e-12, "{sizes:?}");
        // Each singleton: E m² = 0.25 + 0.25.
        assert!((sizes.spread - 25.0).abs() < 1e-12, "{sizes:?}");
    }

    #[test]
    fn step_adjoint_equals_finite_differences() {
        let vol = Volatility {
            impact_per_unit: 0.004,
            amount: 0.2,
            reversion: 0.1,
            sizes: ClusterSizes {
                jump: 600.0,
                spread: 4000.0,
            },
            echo_ticks: 2.0,
        };
        let (abs_bar, next_bar) = (
            1.3,
            Memory {
                noise: -0.7,
                jumps: 2.2,
            },
        );
        let f = |x: &[f64]| {
            let (e, next) = vol.step(
                ClusterOdds {
                    sell: x[0],
                    buy: x[1],
                },
                TickMoves {
                    mean_return: x[2],
                    trade_variance: x[3],
                    echo_sell: x[6],
                    echo_buy: x[7],
                },
                Memory {
                    noise: x[4],
                    jumps: x[5],
                },
            );
            abs_bar * e + next_bar.noise * next.noise + next_bar.jumps * next.jumps
        };
        let x = [0.02, 0.015, -0.003, 20.0, 1e-3, 0.01, 30.0, 12.0];
        let (mb, memb) = vol.step_adjoint(
            ClusterOdds {
                sell: x[0],
                buy: x[1],
            },
            TickMoves {
                mean_return: x[2],
                trade_variance: x[3],
                echo_sell: x[6],
                echo_buy: x[7],
            },
            Memory {
                noise: x[4],
                jumps: x[5],
            },
            abs_bar,
            next_bar,
        );
        let got = [
            mb.sell,
            mb.buy,
            mb.mean_return,
            mb.trade_variance,
            memb.noise,
            memb.jumps,
            mb.echo_sell,
            mb.echo_buy,
        ];
        for (k, g) in got.iter().enumerate() {
            let h = 1e-7 * x[k].abs().max(1e-3);
            let (mut a, mut b) = (x, x);
            a[k] += h;
            b[k] -= h;
            let fd = (f(&a) - f(&b)) / (2.0 * h);
            assert!(
                (g - fd).abs() < 1e-6 * fd.abs().max(1.0),
                "{k}: {g} vs {fd}"
            );
        }
    }
}
