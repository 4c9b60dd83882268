//! Expected-value radicalization (Baumann, Lorenz-Spreen, Sokolov & Starnini, PRL 124,
//! 048301, 2020) on the run's initial follow graph, with the engine's feed.
//!
//! Stochastic rule (crates/sim `Radicalization`): each tick every agent takes an Euler step
//! of dx_i/dt = −x_i + K Σ_j A_ij tanh(α x_j); with probability a_i it contacts up to m
//! candidates of its feed, drawn with homophily ∝ |x_i − x_j|^−β, and each contacted author
//! is influenced back with probability r. The candidates are the feed's items
//! (crates/sim `feed.rs`): its followees' and a uniform sample of everybody's. Participation
//! w_j is the probability that j's items exist (0: silenced, `population.silenced`; 1: the
//! run), so M(w_S) at a corner is the game's v(S) in expectation (docs/ground-truth.md).
//!
//! Expected form, per tick from tick 1 (at tick 0 the window is empty: nobody has posted yet),
//! c = dt·K, with p = w^k in place of w (`participation_exponent`: a change of variable that
//! leaves the corners and the diagonal's Aumann–Shapley values as they are), with the expected feed of [`crate::feed_model`] (ρ_ij in network, θ_i per usable
//! out-of-network item, μ_i contacts):
//!
//! - i's candidate j has weight ρ_ij h_ij (followee) or θ_i w_k g_ik (any speaker k ≠ i not
//!   in i's in-network part: θ_i (w_k − ρ_ik) g_ik), with h_ij = ((x_i − x_j)² + δ²)^(−β/2)
//!   and g its grid form ([`crate::stance_grid`], so the sum over all N speakers is a mean
//!   field over stance bins, O(N) a tick);
//! - Z_i = Σ_j ρ_ij h_ij + θ_i V_i, V_i = Σ_{k≠i} (w_k − ρ_ik) g_ik; u_i = c a_i μ_i / Z_i;
//!   i contacts j an expected u_i/c times its weight (m independent draws: expected counts);
//! - x_i ← (1 − dt) x_i + u_i [Σ_j ρ_ij h_ij s_j + θ_i Σ_{k≠i} (w_k − ρ_ik) g_ik s_k]
//!   plus r Σ_{l contacts i} e_li s_l, s = tanh(α x): the pull of i's contacts and the
//!   reciprocal push of whoever contacted i. A silenced agent still contacts and pushes back
//!   (the engine refuses only its items), so w enters through the feed alone.
//!
//! Because the feed is normalised over what exists, silencing a group hands its slots and its
//! contacts to the speakers, as in the engine; because μ_i = smin(m, candidates), a feed with
//! few items gives few contacts, so M is finite and differentiable down to w → 0 (and along
//! w = α·1 nearly constant for α ≫ m/N: attention is a fixed budget, see
//! docs/dynamic-attribution.md).
//!
//! Outputs: `stance`, and `followee_stance` over the expected follow graph of
//! [`crate::rewiring`] (the engine's follows and unfollows in expectation).
//!
//! What it leaves out: rewiring's effect on the feed (the feed reads the graph the run started
//! from; the rewired graph gives `followee_stance` only); the draw of m
//! distinct authors becomes m independent draws (a dominant candidate is over-weighted); the
//! candidates' stances are read at x(t), not at the item's (an O(dt) lag); δ smooths the
//! engine's floor of 10⁻⁶ on |Δx|; rankings other than chronological and windows longer than
//! one tick are modelled as chronological with one item per author.

use emergent_sim::network::Network;
use rayon::prelude::*;

use crate::feed_model::{Feed, FeedShape};
use crate::model::{Dynamics, Trajectory};
use crate::rewiring::{FollowGraph, Rewiring};
use crate::stance_grid::Stencil;

pub struct RadicalizationField<'a> {
    pub net: &'a Network,
    pub x0: Vec<f64>,
    pub activity: Vec<f64>,
    pub k: f64,
    pub alpha: f64,
    pub beta: f64,
    pub reciprocity: f64,
    pub contacts: f64,
    pub dt: f64,
    /// Smoothing of |Δx| in the homophily kernel.
    pub delta: f64,
    pub ticks: u32,
    /// The engine's feed (`[feed]`).
    pub feed: FeedShape,
    /// k in p_j = w_j^k, the probability that j's items exist (see [`Self::exponent_for`]).
    pub participation_exponent: f64,
    /// The engine's rewiring: the follow graph `followee_stance` is read over
    /// ([`crate::rewiring`]).
    pub rewiring: Rewiring,
}

const OUTPUTS: [&str; 2] = ["stance", "followee_stance"];

/// Everything one tick computes from x(t), kept for its adjoint.
struct Tick {
    s: Vec<f64>,
    grid: Stencil,
    field_h: Vec<f64>,
    field_g: Vec<f64>,
    field_r: Vec<f64>,
    m_g: Vec<f64>,
    m_r: Vec<f64>,
    r_sum: Vec<f64>,
    /// g(x_i, x_i) and its derivative in x_i.
    self_g: Vec<(f64, f64)>,
    /// Per agent: V_i, Z_i, u_i, P_i (pull bracket), O_i (out-of-network pull bracket).
    rows: Vec<Row>,
    /// Per edge: h, ∂h/∂x_i, g, ∂g/∂x_i, ∂g/∂x_j.
    edges: Vec<[f64; 5]>,
}

#[derive(Clone, Copy, Default)]
struct Row {
    v: f64,
    z: f64,
    u: f64,
    p: f64,
    o: f64,
}

/// Per-row adjoint outputs of one tick.
#[derive(Default)]
struct RowBack {
    theta: f64,
    mu: f64,
    w: f64,
    s: f64,
    x: f64,
    g: f64,
    h: f64,
    /// Per edge: ∂M/∂ρ_e, and what goes to the followee's s̄ and x̄.
    edges: Vec<[f64; 3]>,
}

impl RadicalizationField<'_> {
    /// The exponent k of p = w^k for `agents` agents: the one that puts the feed's filling
    /// (p·N ≈ 2·n_oon + m items in the window) at α = 1/4 of the diagonal w = α·1, i.e.
    /// k = log₄(N / (2 n_oon + m)), at least 1.
    ///
    /// Why: with the feed normalised over what exists, M(p·1) is nearly flat for p ≫ F/N and
    /// rises from M(0) within p ≲ F/N (0.4 % of the diagonal at 10⁴ agents), a step no panel
    /// rule resolves at a sane cost. p = w^k changes neither the corners (0^k = 0, 1^k = 1) nor
    /// the Aumann–Shapley values along the diagonal (the map is the same for every agent, so
    /// ∫ ∂M/∂w_j(α·1) dα = ∫ ∂M/∂p_j(p·1) dp): it only spreads the step over α so the
    /// quadrature sees it.
    pub fn exponent_for(agents: usize, feed: &FeedShape, contacts: f64) -> f64 {
        let filled = 2.0 * feed.out_of_network as f64 + contacts;
        ((agents as f64 / filled.max(1.0)).ln() / 4f64.ln()).max(1.0)
    }

    /// p = w^k (the probability that each agent's items exist).
    fn existence(&self, w: &[f64]) -> Vec<f64> {
        let k = self.participation_exponent;
        w.iter().map(|v| v.max(0.0).powf(k)).collect()
    }

    /// h(d) and h'(d) for h(d) = (d² + δ²)^(−β/2).
    #[inline]
    fn kernel(&self, d: f64) -> (f64, f64) {
        if self.beta == 0.0 {
            return (1.0, 0.0);
        }
        let q = d * d + self.delta * self.delta;
        let h = if self.beta == 3.0 {
            1.0 / (q * q.sqrt())
        } else {
            q.powf(-self.beta / 2.0)
        };
        (h, -self.beta * d * h / q)
    }

    fn tick(&self, x: &[f64], w: &[f64], feed: &Feed) -> Tick {
        let n = x.len();
        let c = self.dt * self.k;
        let s: Vec<f64> = x.iter().map(|v| (self.alpha * v).tanh()).collect();
        let grid = Stencil::new(x, |d| self.kernel(d).0);
        let (h_sum, field_h) = grid.sum(w);
        let m_g: Vec<f64> = w.iter().zip(&s).map(|(a, b)| a * b).collect();
        let (g_sum, field_g) = grid.sum(&m_g);
        let self_g: Vec<(f64, f64)> = (0..n)
            .map(|i| {
                let (g, gi, gj) = grid.kernel(i, i);
                (g, gi + gj)
            })
            .collect();
        let per_row: Vec<(Row, Vec<[f64; 5]>)> = (0..n)
            .into_par_iter()
            .with_min_len(512)
            .map(|i| {
                let range = feed.offsets[i]..feed.offsets[i + 1];
                let row = self.net.followees(i as u32);
                let (mut a, mut cg, mut inn, mut og) = (0.0, 0.0, 0.0, 0.0);
                let mut edges = Vec::with_capacity(row.len());
                for (&j, &rho) in row.iter().zip(&feed.rho[range]) {
                    let j = j as usize;
                    let (h, dh) = self.kernel(x[i] - x[j]);
                    let (g, gi, gj) = grid.kernel(i, j);
                    a += rho * h;
                    cg += rho * g;
                    inn += rho * h * s[j];
                    og += rho * g * s[j];
                    edges.push([h, dh, g, gi, gj]);
                }
                let gii = self_g[i].0;
                let theta = feed.theta[i];
                let v = h_sum[i] - cg - w[i] * gii;
                let z = a + theta * v;
                let u = if feed.mu[i] > 0.0 && z > 0.0 {
                    c * self.activity[i] * feed.mu[i] / z
                } else {
                    0.0
                };
                let o = g_sum[i] - og - w[i] * gii * s[i];
                let p = inn + theta * o;
                (Row { v, z, u, p, o }, edges)
            })
            .collect();
        let mut rows = Vec::with_capacity(n);
        let mut edges = Vec::with_capacity(feed.rho.len());
        for (r, e) in per_row {
            rows.push(r);
            edges.extend(e);
        }
        let m_r: Vec<f64> = (0..n).map(|i| rows[i].u * feed.theta[i] * s[i]).collect();
        let (r_sum, field_r) = grid.sum(&m_r);
        Tick {
            s,
            grid,
            field_h,
            field_g,
            field_r,
            m_g,
            m_r,
            r_sum,
            self_g,
            rows,
            edges,
        }
    }

    fn step(&self, x: &[f64], w: &[f64], feed: &Feed) -> Vec<f64> {
        let t = self.tick(x, w, feed);
        let n = x.len();
        // Pushes along the in-network edges (i contacted followee k), then the rest.
        let mut push = vec![0.0; n];
        for i in 0..n {
            let (u, th, si) = (t.rows[i].u, feed.theta[i], t.s[i]);
            let range = feed.offsets[i]..feed.offsets[i + 1];
            for ((&k, &rho), e) in self
                .net
                .followees(i as u32)
                .iter()
                .zip(&feed.rho[range.clone()])
                .zip(&t.edges[range])
            {
                push[k as usize] += u * rho * (e[0] - th * e[2]) * si;
            }
        }
        (0..n)
            .map(|k| {
                let r = &t.rows[k];
                let own = r.u * feed.theta[k] * t.self_g[k].0 * t.s[k];
                let push_k = self.reciprocity * (push[k] + w[k] * (t.r_sum[k] - own));
                (1.0 - self.dt) * x[k] + r.u * r.p + push_k
            })
            .collect()
    }

    /// λ(t) from λ(t + 1) (`lam`) at the state `x` = x(t); adds ∂M/∂w (direct), ∂M/∂ρ,
    /// ∂M/∂θ, ∂M/∂μ of this tick.
    #[allow(clippy::too_many_arguments)]
    fn step_back(
        &self,
        x: &[f64],
        w: &[f64],
        feed: &Feed,
        lam: &[f64],
        grad: &mut [f64],
        feed_bar: &mut FeedBar,
    ) -> Vec<f64> {
        let n = x.len();
        let (c, r) = (self.dt * self.k, self.reciprocity);
        let t = self.tick(x, w, feed);
        let mut x_bar: Vec<f64> = lam.iter().map(|l| (1.0 - self.dt) * l).collect();
        // The push's own part, w_k (R_k − u_k θ_k g_kk s_k).
        let mut u_bar = vec![0.0; n];
        let mut theta_bar = vec![0.0; n];
        let mut s_bar = vec![0.0; n];
        let mut gkk_bar = vec![0.0; n];
        let mut r_bar = vec![0.0; n];
        for k in 0..n {
            let pb = r * lam[k];
            let (u, th, gkk, sk) = (t.rows[k].u, feed.theta[k], t.self_g[k].0, t.s[k]);
            grad[k] += pb * (t.r_sum[k] - u * th * gkk * sk);
            r_bar[k] = pb * w[k];
            let own = -pb * w[k];
            u_bar[k] += own * th * gkk * sk;
            theta_bar[k] += own * u * gkk * sk;
            gkk_bar[k] += own * u * th * sk;
            s_bar[k] += own * u * th * gkk;
        }
        let m_r_bar = t.grid.sum_back(&t.m_r, &t.field_r, &r_bar, &mut x_bar);
        for i in 0..n {
            u_bar[i] += m_r_bar[i] * feed.theta[i] * t.s[i];
            theta_bar[i] += m_r_bar[i] * t.rows[i].u * t.s[i];
            s_bar[i] += m_r_bar[i] * t.rows[i].u * feed.theta[i];
        }
        let back: Vec<RowBack> = (0..n)
            .into_par_iter()
            .with_min_len(512)
            .map(|i| self.row_back(i, x, w, feed, &t, lam, u_bar[i], c))
            .collect();
        let mut h_bar = vec![0.0; n];
        let mut g_bar = vec![0.0; n];
        for (i, b) in back.iter().enumerate() {
            theta_bar[i] += b.theta;
            feed_bar.mu[i] += b.mu;
            grad[i] += b.w;
            s_bar[i] += b.s;
            x_bar[i] += b.x;
            g_bar[i] = b.g;
            h_bar[i] = b.h;
            let range = feed.offsets[i]..feed.offsets[i + 1];
            for ((&j, e), rb) in self
                .net
                .followees(i as u32)
                .iter()
                .zip(&b.edges)
                .zip(&mut feed_bar.rho[range])
            {
                *rb += e[0];
                s_bar[j as usize] += e[1];
                x_bar[j as usize] += e[2];
            }
        }
        let m_g_bar = t.grid.sum_back(&t.m_g, &t.field_g, &g_bar, &mut x_bar);
        let m_h_bar = t.grid.sum_back(w, &t.field_h, &h_bar, &mut x_bar);
        for k in 0..n {
            grad[k] += m_g_bar[k] * t.s[k] + m_h_bar[k];
            s_bar[k] += m_g_bar[k] * w[k];
            x_bar[k] += gkk_bar[k] * t.self_g[k].1;
            x_bar[k] += s_bar[k] * self.alpha * (1.0 - t.s[k] * t.s[k]);
            feed_bar.theta[k] += theta_bar[k];
        }
        x_bar
    }

    /// Row i's adjoint: its pushes along its edges, its pull, u_i = c a_i μ_i / Z_i and Z_i.
    /// `u_bar` holds ∂M/∂u_i from the grid and own-push terms.
    #[allow(clippy::too_many_arguments)]
    fn row_back(
        &self,
        i: usize,
        x: &[f64],
        w: &[f64],
        feed: &Feed,
        t: &Tick,
        lam: &[f64],
        mut u_bar: f64,
        c: f64,
    ) -> RowBack {
        let _ = x;
        let r = self.reciprocity;
        let range = feed.offsets[i]..feed.offsets[i + 1];
        let row = self.net.followees(i as u32);
        let rho = &feed.rho[range.clone()];
        let edges = &t.edges[range];
        let Row { v, z, u, p, o } = t.rows[i];
        let (th, si, gii) = (feed.theta[i], t.s[i], t.self_g[i].0);
        let mut b = RowBack::default();
        // Per edge: ρ̄, h̄, ḡ, and the followee's s̄ (x̄ from h and g is added below).
        let mut eb: Vec<[f64; 4]> = vec![[0.0; 4]; row.len()];
        // Pushes i → k along its edges: u_i ρ (h − θ g) s_i, weighted by r λ_k.
        for (e, (&k, (&rh, ed))) in row.iter().zip(rho.iter().zip(edges)).enumerate() {
            let pb = r * lam[k as usize];
            let net = ed[0] - th * ed[2];
            u_bar += pb * rh * net * si;
            eb[e][0] += pb * u * net * si;
            eb[e][1] += pb * u * rh * si;
            eb[e][2] -= pb * u * rh * th * si;
            b.theta -= pb * u * rh * ed[2] * si;
            b.s += pb * u * rh * net;
        }
        // Pull u_i P_i, P_i = Σ ρ h s_j + θ O_i, O_i = G_i − Σ ρ g s_j − w_i g_ii s_i.
        u_bar += lam[i] * p;
        let p_bar = lam[i] * u;
        b.theta += p_bar * o;
        let o_bar = p_bar * th;
        b.g = o_bar;
        b.w -= o_bar * gii * si;
        let mut gii_bar = -o_bar * w[i] * si;
        b.s -= o_bar * w[i] * gii;
        for (e, (&j, (&rh, ed))) in row.iter().zip(rho.iter().zip(edges)).enumerate() {
            let sj = t.s[j as usize];
            eb[e][0] += p_bar * ed[0] * sj - o_bar * ed[2] * sj;
            eb[e][1] += p_bar * rh * sj;
            eb[e][2] -= o_bar * rh * sj;
            eb[e][3] += p_bar * rh * ed[0] - o_bar * rh * ed[2];
        }
        // u_i = c a_i μ_i / Z_i; Z_i = A_i + θ_i V_i; V_i = H_i − Σ ρ g − w_i g_ii.
        if u != 0.0 {
            b.mu = u_bar * c * self.activity[i] / z;
            let z_bar = -u_bar * u / z;
            b.theta += z_bar * v;
            let v_bar = z_bar * th;
            b.h = v_bar;
            b.w -= v_bar * gii;
            gii_bar -= v_bar * w[i];
            for (e, (&rh, ed)) in rho.iter().zip(edges).enumerate() {
                eb[e][0] += z_bar * ed[0] - v_bar * ed[2];
                eb[e][1] += z_bar * rh;
                eb[e][2] -= v_bar * rh;
            }
        }
        b.x += gii_bar * t.self_g[i].1;
        b.edges = eb
            .iter()
            .zip(edges)
            .map(|(e, ed)| {
                // x̄_i += h̄ h' + ḡ g_i; x̄_j += −h̄ h' + ḡ g_j.
                b.x += e[1] * ed[1] + e[2] * ed[3];
                [e[0], e[3], -e[1] * ed[1] + e[2] * ed[4]]
            })
            .collect();
        b
    }
}

/// ∂M/∂(expected feed), summed over ticks.
struct FeedBar {
    rho: Vec<f64>,
    theta: Vec<f64>,
    mu: Vec<f64>,
}

impl FeedBar {
    fn add(&mut self, rho: &[f64], theta: &[f64], mu: &[f64]) {
        add_to(&mut self.rho, rho);
        add_to(&mut self.theta, theta);
        add_to(&mut self.mu, mu);
    }
}

fn add_to(a: &mut [f64], b: &[f64]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

impl RadicalizationField<'_> {
    /// The expected follow graph at existence `p` ([`crate::rewiring`]).
    fn follow_graph<'b>(
        &'b self,
        p: &'b [f64],
        feed: &'b Feed,
    ) -> FollowGraph<'b, impl Fn(f64) -> f64 + Sync + 'b> {
        FollowGraph {
            rule: self.rewiring,
            net: self.net,
            activity: &self.activity,
            feed,
            p,
            kernel: move |d| self.kernel(d).0,
            delta: self.delta,
        }
    }
}

impl Dynamics for RadicalizationField<'_> {
    fn agents(&self) -> usize {
        self.x0.len()
    }

    fn outputs(&self) -> &'static [&'static str] {
        &OUTPUTS
    }

    fn forward(&self, w: &[f64], needed: &[bool]) -> Trajectory {
        let w = &self.existence(w);
        let feed = self.feed.feed(self.net, w, self.contacts);
        let mut states = Vec::with_capacity(self.ticks as usize + 1);
        states.push(self.x0.clone());
        for t in 0..self.ticks as usize {
            let x = &states[t];
            let next = if t == 0 {
                x.iter().map(|v| (1.0 - self.dt) * v).collect()
            } else {
                self.step(x, w, &feed)
            };
            states.push(next);
        }
        let last = states.last().cloned().unwrap_or_default();
        let followee_stance = if needed.get(1).copied().unwrap_or(false) {
            self.follow_graph(w, &feed).forward(&states)
        } else {
            Vec::new()
        };
        Trajectory {
            outputs: vec![last, followee_stance],
            states,
        }
    }

    fn backward(&self, w: &[f64], fwd: &Trajectory, d_out: &[Option<Vec<f64>>]) -> Vec<f64> {
        let n = self.agents();
        let mut grad = vec![0.0; n];
        let d_stance = d_out.first().cloned().flatten();
        let d_followee = d_out.get(1).and_then(Option::as_ref);
        if d_stance.is_none() && d_followee.is_none() {
            return grad;
        }
        let w_in = w;
        let w = &self.existence(w_in);
        let feed = self.feed.feed(self.net, w, self.contacts);
        let mut bar = FeedBar {
            rho: vec![0.0; feed.rho.len()],
            theta: vec![0.0; n],
            mu: vec![0.0; n],
        };
        // ∂M/∂x(t) through the follow graph, per tick (`followee_stance` reads the stances).
        let graph_x = d_followee.map(|fs_bar| {
            let g = self.follow_graph(w, &feed).backward(&fwd.states, fs_bar);
            bar.add(&g.rho, &g.theta, &g.mu);
            for (a, b) in grad.iter_mut().zip(&g.p) {
                *a += b;
            }
            g.x
        });
        let direct = |t: usize| {
            graph_x
                .as_ref()
                .and_then(|x| x.get(t))
                .filter(|v| !v.is_empty())
        };
        let mut lam = d_stance.unwrap_or_else(|| vec![0.0; n]);
        let ticks = self.ticks as usize;
        if let Some(d) = direct(ticks) {
            add_to(&mut lam, d);
        }
        // Tick 0 only decays (nothing depends on w there).
        for t in (1..ticks).rev() {
            lam = self.step_back(&fwd.states[t], w, &feed, &lam, &mut grad, &mut bar);
            if let Some(d) = direct(t) {
                add_to(&mut lam, d);
            }
        }
        self.feed.feed_back(
            self.net,
            w,
            self.contacts,
            &feed,
            &bar.rho,
            &bar.theta,
            &bar.mu,
            &mut grad,
        );
        // dp/dw = k w^(k − 1).
        let k = self.participation_exponent;
        for (g, &v) in grad.iter_mut().zip(w_in) {
            *g *= if v > 0.0 { k * v.powf(k - 1.0) } else { 0.0 };
        }
        grad
    }
}
