//! The radicalization twin's expected follow graph: the engine's rewiring (crates/sim
//! `Radicalization::rewire`) in expectation, and the `followee_stance` it gives at the horizon.
//!
//! **The engine's rule, per tick t ≥ 1** (at tick 0 feeds are empty), for every agent i with
//! stance x_i = x_i(t):
//! - *follow*: if i is active (probability a_i) and one of its contacts is an author it does
//!   not follow, it follows the first such author with probability `follow_prob`;
//! - *unfollow*: among the items of its feed whose authors it follows and whose stances are
//!   further than D = `unfollow_distance` from x_i, one is picked uniformly and its author
//!   unfollowed with probability `unfollow_prob` (active or not).
//!
//! `followee_stance` (crates/sim `features.rs`) is the mean stance of the accounts i follows at
//! the horizon, or x_i if it follows nobody. Silenced followees are never in a feed, so they
//! are never unfollowed and still count.
//!
//! **The expectation.** The follow graph is the run's initial graph, each edge i → j alive with
//! probability e_ij (e = 1 at the start), plus A_i *acquired* followees (an expected count):
//! authors i contacted out of network. Which ones they are is not tracked agent by agent (that
//! is a dense N × N state): they are taken to be distributed like i's out-of-network contacts
//! *now*, ∝ w_k g(x_i, x_k) over the speakers k ≠ i (g the twin's homophily kernel on the
//! stance grid, [`crate::stance_grid`]), so their mean stance is
//! ȳ_i = Σ_{k≠i} w_k g_ik x_k / Σ_{k≠i} w_k g_ik — a quasi-static reading: whoever i followed
//! for being close and has drifted away since is unfollowed, as in the engine. Per tick:
//!
//! - far_ij = P(|x_i − x_j + ξ| > D) = 1 − σ((D − Δ)/s_i) + σ((−D − Δ)/s_i), Δ = x_i − x_j:
//!   the runs' stances are spread around the twin's means, by s_i = 0.1 + 0.03·|x_i|_δ
//!   (|x|_δ = √(x² + δ²); contacts and pushes come in whole counts, so the spread grows with
//!   the pull that holds x_i out: without it a camp of speakers, which the mean field puts at
//!   one stance, would never unfollow each other), and π_i = far(x_i − ȳ_i) for the acquired;
//! - F_i = Σ_j e_ij ρ_ij far_ij + A_i π_i, the expected far followees in i's feed (ρ_ij the
//!   in-network inclusion over the graph of this tick, [`crate::feed_model`]'s
//!   `in_network_over`: a followee ranked out of the initial feed comes in once followees ahead
//!   of it are unfollowed, and can then be unfollowed in turn); each is the one unfollowed with
//!   probability κ_i = `unfollow_prob` · (1 − e^{−F_i})/F_i (one pick, uniform among the far
//!   items present: E[1/(1 + K)] for the K others, K ~ Poisson(F_i));
//! - e_ij ← e_ij (1 − κ_i ρ_ij far_ij); A_i ← A_i (1 − κ_i π_i) + φ_i, with the follow rate
//!   φ_i = `follow_prob` · a_i · (1 − c_i^{μ_i}): the chance that not all of i's μ_i contacts
//!   are in network, c_i = (q_i + 1)/(n_i + 1) the in-network share of i's n_i candidates
//!   (q_i of them in network; the pseudo-count 1 keeps the power's derivative bounded when a
//!   feed is nearly empty).
//!
//! At the horizon, with P0_i = e^{−A_i} Π_j (1 − e_ij) the chance that i follows nobody,
//! followee_stance_i = P0_i x_i + (1 − P0_i) (Σ_j e_ij x_j + A_i ȳ_i)/(Σ_j e_ij + A_i).
//!
//! The graph acts back on the stances: the twin's feed reads it ([`crate::feed_graph`]: the
//! in-network weights of tick t are σ_i e_ij ρ_ij and σ_i A_i), so `forward` and `backward` of
//! [`crate::radicalization`] run the stances and the graph together, tick by tick; this module
//! gives the graph's step ([`FollowGraph::update`]), its output and their adjoints.
//!
//! What it leaves out: the unfollow pick reads the rewired graph's inclusion ρ_ij(e) but not
//! the acquired followees' share σ_i of the slots; the follow rate reads the initial graph's
//! feed (q_i); acquired followees are not tracked agent by agent; re-following an unfollowed
//! initial followee counts as an acquisition.

use emergent_sim::network::Network;

use crate::feed_model::{Feed, FeedShape};
use crate::stance_grid::Stencil;

/// The engine's rewiring parameters (`[policy.radicalization]`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rewiring {
    pub follow_prob: f64,
    pub unfollow_prob: f64,
    pub unfollow_distance: f64,
}

/// The spread's floor, in stance units (see [`spread`]): near 0 the runs' stances still differ
/// from the twin's means by a few tenths.
const FAR_WIDTH: f64 = 0.1;
/// The spread's share of |x| (see [`spread`]).
const SPREAD_SHARE: f64 = 0.03;
/// Keeps ȳ finite when nobody else speaks (ȳ → x_i).
const EMPTY: f64 = 1e-12;

/// The rewiring's view of one twin: the graph, activities, the expected feed at p and the
/// kernel the feed draws with.
pub(crate) struct FollowGraph<'a, H> {
    pub(crate) rule: Rewiring,
    pub(crate) net: &'a Network,
    pub(crate) activity: &'a [f64],
    pub(crate) feed: &'a Feed,
    /// The feed's shape, for the inclusion over the rewired graph.
    pub(crate) shape: &'a FeedShape,
    /// p: the probability that each agent's items exist.
    pub(crate) p: &'a [f64],
    /// The homophily kernel h(Δx) of the stance grid.
    pub(crate) kernel: H,
    /// δ of |Δx|_δ.
    pub(crate) delta: f64,
}

/// ∂M/∂(inputs) of the follow graph other than the stances: the existence p and the expected
/// feed, summed over ticks.
pub(crate) struct GraphBar {
    pub(crate) p: Vec<f64>,
    pub(crate) rho: Vec<f64>,
    pub(crate) theta: Vec<f64>,
    pub(crate) mu: Vec<f64>,
}

/// σ(z) and σ'(z).
#[inline]
fn sigmoid(z: f64) -> (f64, f64) {
    let s = 1.0 / (1.0 + (-z).exp());
    (s, s * (1.0 - s))
}

/// P(|d + ξ| > D) for a stance difference d whose stochastic counterpart is spread by ξ of
/// scale s (logistic in place of the normal): 1 − σ((D − d)/s) + σ((−D − d)/s); with its
/// derivatives in d and in s.
#[inline]
fn far(d: f64, s: f64, dist: f64) -> (f64, f64, f64) {
    let (a, b) = ((dist - d) / s, (-dist - d) / s);
    let ((sa, da), (sb, db)) = (sigmoid(a), sigmoid(b));
    (1.0 - sa + sb, (da - db) / s, (da * a - db * b) / s)
}

/// The spread s_i of agent i's stochastic stance around the twin's x_i, and ds/dx_i:
/// `FAR_WIDTH` + `SPREAD_SHARE`·|x_i|_δ. Its contacts and pushes arrive in whole counts (about
/// Poisson), so the runs' spread grows with the pull that holds x_i out (≈ √(dt/2λ) of it for λ
/// pushes a tick: 2–3 % for a speaker that 180 listeners push).
#[inline]
fn spread(x: f64, delta: f64) -> (f64, f64) {
    let a = (x * x + delta * delta).sqrt();
    (FAR_WIDTH + SPREAD_SHARE * a, SPREAD_SHARE * x / a)
}

/// The chance that one given far followee in i's feed is the one picked, per unit of
/// `unfollow_prob`, when F far followees are expected there: E[1/(1 + K)] for the others K ~
/// Poisson(F), q(F) = (1 − e^{−F})/F (→ 1 as F → 0, ≈ 1/F for large F), and q′(F). The
/// engine picks one uniformly among the far items actually present, so few expected far
/// followees are often none: 1/max(1, F) would unfollow up to 1/(1 − e^{−1}) ≈ 1.6 times too
/// fast around F ≈ 1.
#[inline]
fn pick_share(f: f64) -> (f64, f64) {
    let f = f.max(0.0);
    if f < 1e-4 {
        return (1.0 - f / 2.0 + f * f / 6.0, -0.5 + f / 3.0);
    }
    let e = (-f).exp();
    ((1.0 - e) / f, (e * (1.0 + f) - 1.0) / (f * f))
}

/// The mean stance ȳ of the speakers near each agent, with what its adjoint needs.
struct Nearby {
    grid: Stencil,
    field0: Vec<f64>,
    field1: Vec<f64>,
    m1: Vec<f64>,
    /// Per agent: ȳ, the numerator and denominator, g_ii and ∂g_ii/∂x_i.
    rows: Vec<[f64; 5]>,
}

impl<H: Fn(f64) -> f64 + Sync> FollowGraph<'_, H> {
    fn nearby(&self, x: &[f64]) -> Nearby {
        let p = self.p;
        let grid = Stencil::new(x, &self.kernel);
        let (g0, field0) = grid.sum(p);
        let m1: Vec<f64> = p.iter().zip(x).map(|(a, b)| a * b).collect();
        let (g1, field1) = grid.sum(&m1);
        let rows = (0..x.len())
            .map(|i| {
                let (g, gi, gj) = grid.kernel(i, i);
                let num = g1[i] - p[i] * g * x[i] + EMPTY * x[i];
                let den = (g0[i] - p[i] * g).max(0.0) + EMPTY;
                [num / den, num, den, g, gi + gj]
            })
            .collect();
        Nearby {
            grid,
            field0,
            field1,
            m1,
            rows,
        }
    }

    /// Adjoint of [`Self::nearby`]: from ∂M/∂ȳ, add to `x_bar` and `p_bar`.
    fn nearby_back(
        &self,
        x: &[f64],
        nb: &Nearby,
        y_bar: &[f64],
        x_bar: &mut [f64],
        p_bar: &mut [f64],
    ) {
        let p = self.p;
        let n = x.len();
        let (mut g0_bar, mut g1_bar) = (vec![0.0; n], vec![0.0; n]);
        for i in 0..n {
            let [y, _, den, g, dg] = nb.rows[i];
            let num_bar = y_bar[i] / den;
            let den_bar = -y_bar[i] * y / den;
            g1_bar[i] = num_bar;
            p_bar[i] -= num_bar * g * x[i] + den_bar * g;
            let g_bar = -num_bar * p[i] * x[i] - den_bar * p[i];
            x_bar[i] += num_bar * (EMPTY - p[i] * g) + g_bar * dg;
            g0_bar[i] = den_bar;
        }
        let m1_bar = nb.grid.sum_back(&nb.m1, &nb.field1, &g1_bar, x_bar);
        for k in 0..n {
            p_bar[k] += m1_bar[k] * x[k];
            x_bar[k] += m1_bar[k] * p[k];
        }
        let m0_bar = nb.grid.sum_back(p, &nb.field0, &g0_bar, x_bar);
        for (pb, m) in p_bar.iter_mut().zip(m0_bar) {
            *pb += m;
        }
    }

    /// The follow rate φ_i (per tick from tick 1), and the partials for its adjoint:
    /// (φ, ∂φ/∂q, ∂φ/∂θ, ∂φ/∂U, ∂φ/∂μ, U).
    fn follow_rate(&self, i: usize, s: f64) -> [f64; 6] {
        let f = self.feed;
        let q: f64 = f.rho[f.offsets[i]..f.offsets[i + 1]].iter().sum();
        let (th, mu) = (f.theta[i], f.mu[i]);
        let u = (s - q - self.p[i]).max(0.0);
        let n = q + th * u;
        let c = (q + 1.0) / (n + 1.0);
        let pc = c.powf(mu);
        let scale = self.rule.follow_prob * self.activity[i];
        let rate = scale * (1.0 - pc);
        // ∂φ/∂c and ∂φ/∂μ; c = (q + 1)/(n + 1), n = q + θU.
        let dc = -scale * mu * c.powf(mu - 1.0);
        let dmu = -scale * pc * c.ln();
        let (dc_dq, dc_dn) = (1.0 / (n + 1.0), -c / (n + 1.0));
        let dn = dc * dc_dn;
        [rate, dc * dc_dq + dn, dn * u, dn * th, dmu, u]
    }

    /// The in-network inclusion ρ_ij(e) of every initial edge given that it survives, over
    /// the graph whose initial edges survive with `e`.
    pub(crate) fn inclusion(&self, e: &[f64]) -> Vec<f64> {
        self.shape
            .in_network_over(self.net, self.p, &self.feed.offsets, Some(e))
    }

    /// Adjoint of [`Self::inclusion`]: ∂M/∂ρ(e) into `e_bar` and `bar.p`.
    pub(crate) fn inclusion_back(
        &self,
        e: &[f64],
        rho_bar: &[f64],
        e_bar: &mut [f64],
        bar: &mut GraphBar,
    ) {
        self.shape.in_network_over_back(
            self.net,
            self.p,
            &self.feed.offsets,
            Some(e),
            rho_bar,
            Some(e_bar),
            &mut bar.p,
        );
    }

    /// Far indicators of i's edges and of its acquired followees at stances `x`, F_i and κ_i,
    /// with the inclusion `rho` of this tick.
    fn unfollow_terms(
        &self,
        x: &[f64],
        nb: &Nearby,
        (e, a, rho): (&[f64], &[f64], &[f64]),
        i: usize,
    ) -> Unfollow {
        let d = self.rule.unfollow_distance;
        let range = self.feed.offsets[i]..self.feed.offsets[i + 1];
        let (s, ds) = spread(x[i], self.delta);
        let far_e: Vec<(f64, f64, f64)> = self
            .net
            .followees(i as u32)
            .iter()
            .map(|&j| far(x[i] - x[j as usize], s, d))
            .collect();
        let pi = far(x[i] - nb.rows[i][0], s, d);
        let mut f = a[i] * pi.0;
        for ((fe, &rho), &ee) in far_e.iter().zip(&rho[range.clone()]).zip(&e[range]) {
            f += ee * rho * fe.0;
        }
        let (q, dq) = pick_share(f);
        Unfollow {
            far_e,
            pi,
            ds,
            kappa: self.rule.unfollow_prob * q,
            dkappa: self.rule.unfollow_prob * dq,
        }
    }

    /// e(t + 1), A(t + 1) from e(t), A(t) at the stances x(t), with the inclusion
    /// `rho` = ρ(e(t)) ([`Self::inclusion`]).
    pub(crate) fn update(
        &self,
        x: &[f64],
        (e, a, rho): (&[f64], &[f64], &[f64]),
        rates: &[f64],
    ) -> (Vec<f64>, Vec<f64>) {
        let nb = self.nearby(x);
        let mut e_next = e.to_vec();
        let mut a_next = a.to_vec();
        for i in 0..x.len() {
            let u = self.unfollow_terms(x, &nb, (e, a, rho), i);
            let range = self.feed.offsets[i]..self.feed.offsets[i + 1];
            for ((en, &rho), fe) in e_next[range.clone()]
                .iter_mut()
                .zip(&rho[range])
                .zip(&u.far_e)
            {
                *en *= 1.0 - u.kappa * rho * fe.0;
            }
            a_next[i] = a[i] * (1.0 - u.kappa * u.pi.0) + rates[i];
        }
        (e_next, a_next)
    }

    /// The follow rate φ_i of every agent (the same every tick from tick 1).
    pub(crate) fn rates(&self) -> Vec<f64> {
        let s: f64 = self.p.iter().sum();
        (0..self.p.len())
            .map(|i| self.follow_rate(i, s)[0])
            .collect()
    }

    /// The graph at every tick: (e(t), A(t)) for t = 0..=T, from the stances x(t).
    pub(crate) fn graphs(&self, states: &[Vec<f64>]) -> Vec<(Vec<f64>, Vec<f64>)> {
        let rates = self.rates();
        let mut out = Vec::with_capacity(states.len());
        out.push(self.start());
        for t in 0..states.len().saturating_sub(1) {
            let (e, a) = &out[t];
            let next = if t == 0 {
                (e.clone(), a.clone())
            } else {
                self.update(&states[t], (e, a, &self.inclusion(e)), &rates)
            };
            out.push(next);
        }
        out
    }

    /// The run's initial graph: every edge alive, nothing acquired.
    pub(crate) fn start(&self) -> (Vec<f64>, Vec<f64>) {
        (vec![1.0; self.feed.rho.len()], vec![0.0; self.p.len()])
    }

    /// followee_stance at the horizon, from the stances x(T) and the graph (e(T), A(T)).
    pub(crate) fn output(&self, x: &[f64], e: &[f64], a: &[f64]) -> Vec<f64> {
        let nb = self.nearby(x);
        (0..x.len())
            .map(|i| self.followee_mean(x, &nb, e, a, i).value)
            .collect()
    }

    fn followee_mean(&self, x: &[f64], nb: &Nearby, e: &[f64], a: &[f64], i: usize) -> Mean {
        let range = self.feed.offsets[i]..self.feed.offsets[i + 1];
        let row = self.net.followees(i as u32);
        let y = nb.rows[i][0];
        let (mut num, mut den, mut none) = (a[i] * y, a[i], (-a[i]).exp());
        for (&j, &ee) in row.iter().zip(&e[range]) {
            num += ee * x[j as usize];
            den += ee;
            none *= 1.0 - ee;
        }
        let ratio = if den > 0.0 { num / den } else { x[i] };
        Mean {
            value: none * x[i] + (1.0 - none) * ratio,
            num,
            den,
            none,
            ratio,
        }
    }

    /// Adjoint of [`Self::output`]: p̄ into `bar.p`; returns (x̄(T), ē(T), Ā(T)).
    pub(crate) fn output_back(
        &self,
        x: &[f64],
        (e, a): (&[f64], &[f64]),
        fs_bar: &[f64],
        bar: &mut GraphBar,
    ) -> [Vec<f64>; 3] {
        let n = x.len();
        let nb = self.nearby(x);
        let mut x_bar = vec![0.0; n];
        let mut e_bar = vec![0.0; e.len()];
        let mut a_bar = vec![0.0; n];
        let mut y_bar = vec![0.0; n];
        for i in 0..n {
            let m = self.followee_mean(x, &nb, e, a, i);
            let fb = fs_bar[i];
            x_bar[i] += fb * m.none;
            let none_bar = fb * (x[i] - m.ratio);
            let ratio_bar = fb * (1.0 - m.none);
            let (num_bar, den_bar) = if m.den > 0.0 {
                (ratio_bar / m.den, -ratio_bar * m.num / (m.den * m.den))
            } else {
                x_bar[i] += ratio_bar;
                (0.0, 0.0)
            };
            // none = e^{−A} Π (1 − e_ij): prefix and suffix products for Π_{k≠j}.
            let range = self.feed.offsets[i]..self.feed.offsets[i + 1];
            let row = self.net.followees(i as u32);
            let ee = &e[range.clone()];
            let mut suffix = vec![1.0; ee.len() + 1];
            for k in (0..ee.len()).rev() {
                suffix[k] = suffix[k + 1] * (1.0 - ee[k]);
            }
            let ea = (-a[i]).exp();
            let mut prefix = 1.0;
            for (k, (&j, eb)) in row.iter().zip(&mut e_bar[range]).enumerate() {
                *eb += num_bar * x[j as usize] + den_bar - none_bar * ea * prefix * suffix[k + 1];
                x_bar[j as usize] += num_bar * ee[k];
                prefix *= 1.0 - ee[k];
            }
            let y = nb.rows[i][0];
            a_bar[i] += num_bar * y + den_bar - none_bar * m.none;
            y_bar[i] = num_bar * a[i];
        }
        self.nearby_back(x, &nb, &y_bar, &mut x_bar, &mut bar.p);
        [x_bar, e_bar, a_bar]
    }

    /// Adjoint of one tick's [`Self::update`]: (ē, Ā) of t + 1 become those of t; x̄(t) into
    /// `x_bar`, ∂M/∂ρ of this tick's inclusion into `rho_bar`, p̄ into `bar` (the rate's bar
    /// is gathered by the caller).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn update_back(
        &self,
        x: &[f64],
        (e, a, rho_t): (&[f64], &[f64], &[f64]),
        rho_bar: &mut [f64],
        e_bar: &mut [f64],
        a_bar: &mut [f64],
        x_bar: &mut [f64],
        bar: &mut GraphBar,
    ) {
        let n = x.len();
        let nb = self.nearby(x);
        let mut y_bar = vec![0.0; n];
        for i in 0..n {
            let u = self.unfollow_terms(x, &nb, (e, a, rho_t), i);
            let range = self.feed.offsets[i]..self.feed.offsets[i + 1];
            let row = self.net.followees(i as u32);
            let rho = &rho_t[range.clone()];
            let ee = &e[range.clone()];
            // e' = e (1 − κ ρ far); A' = A (1 − κ π) + φ.
            let mut kappa_bar = 0.0;
            let mut far_bar = vec![0.0; row.len()];
            let eb = &mut e_bar[range.clone()];
            for k in 0..row.len() {
                let c = u.kappa * rho[k] * u.far_e[k].0;
                let c_bar = -eb[k] * ee[k];
                eb[k] *= 1.0 - c;
                kappa_bar += c_bar * rho[k] * u.far_e[k].0;
                rho_bar[range.start + k] += c_bar * u.kappa * u.far_e[k].0;
                far_bar[k] += c_bar * u.kappa * rho[k];
            }
            let kp_bar = -a_bar[i] * a[i];
            a_bar[i] *= 1.0 - u.kappa * u.pi.0;
            kappa_bar += kp_bar * u.pi.0;
            let mut pi_bar = kp_bar * u.kappa;
            // κ = u_p q(F); F = Σ e ρ far + A π.
            let f_bar = kappa_bar * u.dkappa;
            for k in 0..row.len() {
                eb[k] += f_bar * rho[k] * u.far_e[k].0;
                rho_bar[range.start + k] += f_bar * ee[k] * u.far_e[k].0;
                far_bar[k] += f_bar * ee[k] * rho[k];
            }
            a_bar[i] += f_bar * u.pi.0;
            pi_bar += f_bar * a[i];
            // far_ij = far(x_i − x_j, s_i); π_i = far(x_i − ȳ_i, s_i); s_i = spread(x_i).
            let mut s_bar = pi_bar * u.pi.2;
            for (k, &j) in row.iter().enumerate() {
                let g = far_bar[k] * u.far_e[k].1;
                x_bar[i] += g;
                x_bar[j as usize] -= g;
                s_bar += far_bar[k] * u.far_e[k].2;
            }
            x_bar[i] += pi_bar * u.pi.1 + s_bar * u.ds;
            y_bar[i] = -pi_bar * u.pi.1;
        }
        self.nearby_back(x, &nb, &y_bar, x_bar, &mut bar.p);
    }

    /// Adjoint of the follow rates: ∂M/∂φ into ρ̄, θ̄, μ̄ and p̄ (through S and U).
    pub(crate) fn rates_back(&self, rate_bar: &[f64], bar: &mut GraphBar) {
        let s: f64 = self.p.iter().sum();
        let mut s_bar = 0.0;
        for (i, &rb) in rate_bar.iter().enumerate() {
            let [_, dq, dth, du, dmu, u] = self.follow_rate(i, s);
            let mut q_bar = rb * dq;
            bar.theta[i] += rb * dth;
            bar.mu[i] += rb * dmu;
            // U = max(S − q − p_i, 0).
            if u > 0.0 {
                let u_bar = rb * du;
                s_bar += u_bar;
                q_bar -= u_bar;
                bar.p[i] -= u_bar;
            }
            for r in &mut bar.rho[self.feed.offsets[i]..self.feed.offsets[i + 1]] {
                *r += q_bar;
            }
        }
        for pb in &mut bar.p {
            *pb += s_bar;
        }
    }
}

/// One row's unfollow terms at one tick.
struct Unfollow {
    far_e: Vec<(f64, f64, f64)>,
    pi: (f64, f64, f64),
    /// ds_i/dx_i of the spread.
    ds: f64,
    kappa: f64,
    dkappa: f64,
}

/// One agent's followee mean at the horizon.
struct Mean {
    value: f64,
    num: f64,
    den: f64,
    none: f64,
    ratio: f64,
}
