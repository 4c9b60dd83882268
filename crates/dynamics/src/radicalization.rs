//! Expected-value radicalization (Baumann, Lorenz-Spreen, Sokolov & Starnini, PRL 124,
//! 048301, 2020) with the engine's feed over an expected follow graph that the engine's
//! rewiring moves.
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
//! - the follow graph at tick t ([`crate::rewiring`]): initial edges alive with e_ij(t), A_i(t)
//!   acquired followees; the feed's in-network weights ρ̃_ij = σ_i e_ij ρ_ij(e(t)) and
//!   Ã_i = σ_i A_i ([`crate::feed_graph`]: σ_i shares the Q slots once the followees' items
//!   overflow them; ρ_ij(e) is j's inclusion by id among the followees i still has,
//!   `FeedShape::in_network_over`, so an unfollow ahead of j lets it in);
//! - i's candidate j has weight ρ̃_ij h_ij (initial followee) or θ_i w_k g_ik (any speaker
//!   k ≠ i not in i's in-network part: θ_i (w_k − ρ̃_ik) g_ik), with h_ij = ((x_i − x_j)² +
//!   δ²)^(−β/2) and g its grid form ([`crate::stance_grid`], so the sum over all N speakers is
//!   a mean field over stance bins, O(N) a tick); the acquired are distributed like i's
//!   out-of-network contacts, k with probability w_k g_ik / G_i (G_i = Σ_{k≠i} w_k g_ik), so
//!   they weigh Ã_i F_i / G_i and pull with Ã_i F^s_i / G_i (F_i = Σ_{k≠i} w_k g²_ik,
//!   F^s_i = Σ_{k≠i} w_k g²_ik s_k: two sums over a second grid, of the kernel squared);
//! - Z_i = Σ_j ρ̃_ij h_ij + Ã_i F_i / G_i + θ_i V_i, V_i = Σ_{k≠i} (w_k − ρ̃_ik) g_ik;
//!   u_i = c a_i μ_i / Z_i; i contacts j an expected u_i/c times its weight (m independent
//!   draws: expected counts);
//! - x_i ← (1 − dt) x_i + u_i [Σ_j ρ̃_ij h_ij s_j + Ã_i F^s_i / G_i + θ_i Σ_{k≠i} (w_k − ρ̃_ik)
//!   g_ik s_k] plus r Σ_{l contacts i} e_li s_l, s = tanh(α x): the pull of i's contacts and
//!   the reciprocal push of whoever contacted i (the acquired i contacts are pushed spread as
//!   w_k g_ik, like its out-of-network contacts: weight u_i (θ_i + Ã_i F_i / G_i²)). A silenced
//!   agent still contacts and pushes back (the engine refuses only its items), so w enters
//!   through the feed alone;
//! - then the graph steps from x(t) ([`crate::rewiring`]): the stances and the graph run
//!   together, and `backward` takes λ over the stances and (ē, Ā) over the graph back
//!   together.
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
//! What it leaves out: the engine's sampling noise (a listener's stance wanders around its
//! expected path by a few ±1 contacts a tick, amplified where homophily feeds the excursion
//! back; it is most of what the twin misses on few-speaker corners, docs/dynamic-attribution.md,
//! "The engine's sampling noise"); which accounts i acquired (a dense N × N state): they are read as
//! distributed like its contacts now, so a listener does not keep contacting the same speaker
//! as the engine's do; the out-of-network share θ_i and the contacts μ_i stay the initial
//! graph's (the acquired are not taken out of the out-of-network pool); the draw of m
//! distinct authors becomes m independent draws (a dominant candidate is over-weighted); the
//! candidates' stances are read at x(t), not at the item's (an O(dt) lag); δ smooths the
//! engine's floor of 10⁻⁶ on |Δx|; rankings other than chronological and windows longer than
//! one tick are modelled as chronological with one item per author.

use emergent_sim::network::Network;
use rayon::prelude::*;

use crate::feed_graph::{Coupled, couple, couple_back};
use crate::feed_model::{Feed, FeedShape};
use crate::model::{Dynamics, Trajectory};
use crate::rewiring::{FollowGraph, GraphBar, Rewiring};
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

/// Keeps ȳ finite when nobody else speaks (ȳ → x_i), as in [`crate::rewiring`].
const EMPTY: f64 = 1e-12;

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
    /// The acquired followees' sums, over the squared kernel.
    acq: AcquiredSums,
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
    acq: Acquired,
}

/// Row i's acquired followees, distributed like its out-of-network contacts: k with
/// probability w_k g_ik / G_i, G_i = Σ_{k≠i} w_k g_ik. Each is a candidate of weight g_ik, so
/// together they weigh Ã_i F_i / G_i and pull with Ã_i F^s_i / G_i, where F_i = Σ_{k≠i} w_k g²_ik
/// and F^s_i = Σ_{k≠i} w_k g²_ik s_k (g² the grid form of h², [`AcquiredSums`]). The ones i
/// contacts are pushed back as its out-of-network contacts are, spread as w_k g_ik: an extra
/// share Ã_i F_i / G_i² beside θ_i (spreading them as w_k g²_ik would be exact, but the mass of
/// an agent with nobody near, ∝ 1/F_i, then cancels against its own term in the grid sum far
/// below round-off). Ã_i here is (1 − θ_i) times the followees present: θ_i V_i counts them
/// once more, but the engine skips an out-of-network draw of an item already in the feed.
#[derive(Clone, Copy, Default)]
struct Acquired {
    g: f64,
    f: f64,
    fs: f64,
    share: f64,
}

/// The grid of the squared kernel and its sums: F (mass w) and F^s (mass w s).
struct AcquiredSums {
    grid: Stencil,
    field_f: Vec<f64>,
    field_fs: Vec<f64>,
    /// g²(x_i, x_i) and its derivative in x_i.
    self_g: Vec<(f64, f64)>,
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
    /// ∂M/∂F_i, ∂M/∂F^s_i, ∂M/∂Ã_i and ∂M/∂g²_ii.
    f: f64,
    fs: f64,
    acq: f64,
    g2: f64,
    /// Per edge: ∂M/∂ρ̃_e, and what goes to the followee's s̄ and x̄.
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

    fn tick(&self, x: &[f64], w: &[f64], feed: &Feed, graph: &Coupled) -> Tick {
        let n = x.len();
        let c = self.dt * self.k;
        let s: Vec<f64> = x.iter().map(|v| (self.alpha * v).tanh()).collect();
        let grid = Stencil::new(x, |d| self.kernel(d).0);
        let (h_sum, field_h) = grid.sum(w);
        let m_g: Vec<f64> = w.iter().zip(&s).map(|(a, b)| a * b).collect();
        let (g_sum, field_g) = grid.sum(&m_g);
        let grid2 = Stencil::new(x, |d| self.kernel(d).0.powi(2));
        let (f_sum, field_f) = grid2.sum(w);
        let (fs_sum, field_fs) = grid2.sum(&m_g);
        let self_g2: Vec<(f64, f64)> = (0..n)
            .map(|i| {
                let (g, gi, gj) = grid2.kernel(i, i);
                (g, gi + gj)
            })
            .collect();
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
                for (&j, &rho) in row.iter().zip(&graph.rho[range]) {
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
                let g2ii = self_g2[i].0;
                let g = (h_sum[i] - w[i] * gii).max(0.0) + EMPTY;
                let f = f_sum[i] - w[i] * g2ii;
                let theta = feed.theta[i];
                // θ V below counts the acquired again, but the engine skips an out-of-network
                // draw of an item already in the feed: net, they weigh (1 − θ) Ã.
                let count = (1.0 - theta) * graph.acq[i];
                let acq = Acquired {
                    g,
                    f,
                    fs: fs_sum[i] - w[i] * g2ii * s[i],
                    share: count * f / (g * g),
                };
                a += count * acq.f / acq.g;
                inn += count * acq.fs / acq.g;
                let v = h_sum[i] - cg - w[i] * gii;
                let z = a + theta * v;
                let u = if feed.mu[i] > 0.0 && z > 0.0 {
                    c * self.activity[i] * feed.mu[i] / z
                } else {
                    0.0
                };
                let o = g_sum[i] - og - w[i] * gii * s[i];
                let p = inn + theta * o;
                (Row { v, z, u, p, o, acq }, edges)
            })
            .collect();
        let mut rows = Vec::with_capacity(n);
        let mut edges = Vec::with_capacity(feed.rho.len());
        for (r, e) in per_row {
            rows.push(r);
            edges.extend(e);
        }
        let m_r: Vec<f64> = (0..n)
            .map(|i| rows[i].u * (feed.theta[i] + rows[i].acq.share) * s[i])
            .collect();
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
            acq: AcquiredSums {
                grid: grid2,
                field_f,
                field_fs,
                self_g: self_g2,
            },
            rows,
            edges,
        }
    }

    fn step(&self, x: &[f64], w: &[f64], feed: &Feed, graph: &Coupled) -> Vec<f64> {
        let t = self.tick(x, w, feed, graph);
        let n = x.len();
        // Pushes along the in-network edges (i contacted followee k), then the rest: the
        // out-of-network contacts and the acquired followees, both spread as w_k g_ik.
        let mut push = vec![0.0; n];
        for i in 0..n {
            let (u, th, si) = (t.rows[i].u, feed.theta[i], t.s[i]);
            let range = feed.offsets[i]..feed.offsets[i + 1];
            for ((&k, &rho), e) in self
                .net
                .followees(i as u32)
                .iter()
                .zip(&graph.rho[range.clone()])
                .zip(&t.edges[range])
            {
                push[k as usize] += u * rho * (e[0] - th * e[2]) * si;
            }
        }
        (0..n)
            .map(|k| {
                let r = &t.rows[k];
                let own = t.m_r[k] * t.self_g[k].0;
                let push_k = self.reciprocity * (push[k] + w[k] * (t.r_sum[k] - own));
                (1.0 - self.dt) * x[k] + r.u * r.p + push_k
            })
            .collect()
    }

    /// λ(t) from λ(t + 1) (`lam`) at the state `x` = x(t) and the graph `graph` = (e(t), A(t),
    /// ρ(e(t))); adds ∂M/∂w (direct), ∂M/∂θ, ∂M/∂μ of this tick, and ∂M/∂e(t), ∂M/∂A(t),
    /// ∂M/∂ρ(e(t)) to `graph_bar`.
    #[allow(clippy::too_many_arguments)]
    fn step_back(
        &self,
        x: &[f64],
        w: &[f64],
        feed: &Feed,
        graph: GraphAt<'_>,
        lam: &[f64],
        grad: &mut [f64],
        feed_bar: &mut FeedBar,
        graph_bar: (&mut [f64], &mut [f64], &mut [f64]),
    ) -> Vec<f64> {
        let n = x.len();
        let (c, r) = (self.dt * self.k, self.reciprocity);
        let coupled = couple(feed, graph.2, self.feed.in_network, graph.0, graph.1);
        let t = self.tick(x, w, feed, &coupled);
        let mut x_bar: Vec<f64> = lam.iter().map(|l| (1.0 - self.dt) * l).collect();
        // The push's own part, w_k (R_k − m_k g_kk), m_k = u_k (θ_k + share_k) s_k.
        let mut u_bar = vec![0.0; n];
        let mut theta_bar = vec![0.0; n];
        let mut s_bar = vec![0.0; n];
        let mut gkk_bar = vec![0.0; n];
        let mut g2kk_bar = vec![0.0; n];
        let mut r_bar = vec![0.0; n];
        let mut m_direct = vec![0.0; n];
        let ac = &t.acq;
        for k in 0..n {
            let pb = r * lam[k];
            let gkk = t.self_g[k].0;
            grad[k] += pb * (t.r_sum[k] - t.m_r[k] * gkk);
            r_bar[k] = pb * w[k];
            m_direct[k] = -pb * w[k] * gkk;
            gkk_bar[k] -= pb * w[k] * t.m_r[k];
        }
        let m_r_bar = t.grid.sum_back(&t.m_r, &t.field_r, &r_bar, &mut x_bar);
        let mut share_bar = vec![0.0; n];
        for i in 0..n {
            let mb = m_r_bar[i] + m_direct[i];
            let th = feed.theta[i] + t.rows[i].acq.share;
            u_bar[i] += mb * th * t.s[i];
            s_bar[i] += mb * t.rows[i].u * th;
            let th_bar = mb * t.rows[i].u * t.s[i];
            theta_bar[i] += th_bar;
            share_bar[i] = th_bar;
        }
        let back: Vec<RowBack> = (0..n)
            .into_par_iter()
            .with_min_len(512)
            .map(|i| {
                let bars = (u_bar[i], share_bar[i]);
                self.row_back(i, x, w, feed, &coupled, &t, lam, bars, c)
            })
            .collect();
        let mut h_bar = vec![0.0; n];
        let mut g_bar = vec![0.0; n];
        let mut f_bar = vec![0.0; n];
        let mut fs_bar = vec![0.0; n];
        let mut rho_t_bar = vec![0.0; coupled.rho.len()];
        let mut acq_bar = vec![0.0; n];
        for (i, b) in back.iter().enumerate() {
            theta_bar[i] += b.theta;
            feed_bar.mu[i] += b.mu;
            grad[i] += b.w;
            s_bar[i] += b.s;
            x_bar[i] += b.x;
            g_bar[i] = b.g;
            h_bar[i] = b.h;
            f_bar[i] = b.f;
            fs_bar[i] = b.fs;
            acq_bar[i] = b.acq;
            g2kk_bar[i] += b.g2;
            let range = feed.offsets[i]..feed.offsets[i + 1];
            for ((&j, e), rb) in self
                .net
                .followees(i as u32)
                .iter()
                .zip(&b.edges)
                .zip(&mut rho_t_bar[range])
            {
                *rb += e[0];
                s_bar[j as usize] += e[1];
                x_bar[j as usize] += e[2];
            }
        }
        let m_f_bar = ac.grid.sum_back(w, &ac.field_f, &f_bar, &mut x_bar);
        let m_fs_bar = ac.grid.sum_back(&t.m_g, &ac.field_fs, &fs_bar, &mut x_bar);
        let m_g_bar = t.grid.sum_back(&t.m_g, &t.field_g, &g_bar, &mut x_bar);
        let m_h_bar = t.grid.sum_back(w, &t.field_h, &h_bar, &mut x_bar);
        for k in 0..n {
            grad[k] += (m_g_bar[k] + m_fs_bar[k]) * t.s[k] + m_h_bar[k] + m_f_bar[k];
            s_bar[k] += (m_g_bar[k] + m_fs_bar[k]) * w[k];
            x_bar[k] += gkk_bar[k] * t.self_g[k].1 + g2kk_bar[k] * ac.self_g[k].1;
            x_bar[k] += s_bar[k] * self.alpha * (1.0 - t.s[k] * t.s[k]);
            feed_bar.theta[k] += theta_bar[k];
        }
        let (e_bar, a_bar, rho_bar) = graph_bar;
        couple_back(
            feed, graph.2, graph.0, graph.1, &coupled, &rho_t_bar, &acq_bar, rho_bar, e_bar, a_bar,
        );
        x_bar
    }

    /// Row i's adjoint: its pushes along its edges, its pull, u_i = c a_i μ_i / Z_i, Z_i and
    /// its acquired followees. `bars` holds ∂M/∂u_i and ∂M/∂share_i from the grid and
    /// own-push terms.
    #[allow(clippy::too_many_arguments)]
    fn row_back(
        &self,
        i: usize,
        x: &[f64],
        w: &[f64],
        feed: &Feed,
        graph: &Coupled,
        t: &Tick,
        lam: &[f64],
        (mut u_bar, share_bar): (f64, f64),
        c: f64,
    ) -> RowBack {
        let _ = x;
        let r = self.reciprocity;
        let range = feed.offsets[i]..feed.offsets[i + 1];
        let row = self.net.followees(i as u32);
        let rho = &graph.rho[range.clone()];
        let edges = &t.edges[range];
        let Row { v, z, u, p, o, acq } = t.rows[i];
        // The acquired count (1 − θ) Ã in Z, the pull and the pushes (see `tick`); b.acq is
        // ∂M/∂(that count) until it is taken back to Ã and θ below.
        let (th, si, gii) = (feed.theta[i], t.s[i], t.self_g[i].0);
        let raw = graph.acq[i];
        let count = (1.0 - th) * raw;
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
        // share = Ã F / G².
        b.acq += share_bar * acq.f / (acq.g * acq.g);
        b.f = share_bar * count / (acq.g * acq.g);
        let mut g_bar = -2.0 * share_bar * acq.share / acq.g;
        // Pull u_i P_i, P_i = Σ ρ h s_j + Ã F^s / G + θ O_i,
        // O_i = G_i − Σ ρ g s_j − w_i g_ii s_i.
        u_bar += lam[i] * p;
        let p_bar = lam[i] * u;
        b.acq += p_bar * acq.fs / acq.g;
        b.fs = p_bar * count / acq.g;
        g_bar -= p_bar * count * acq.fs / (acq.g * acq.g);
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
        // u_i = c a_i μ_i / Z_i; Z_i = A_i + Ã F / G + θ_i V_i; V_i = H_i − Σ ρ g − w_i g_ii.
        if u != 0.0 {
            b.mu = u_bar * c * self.activity[i] / z;
            let z_bar = -u_bar * u / z;
            b.acq += z_bar * acq.f / acq.g;
            b.f += z_bar * count / acq.g;
            g_bar -= z_bar * count * acq.f / (acq.g * acq.g);
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
        // count = (1 − θ) Ã.
        b.theta -= b.acq * raw;
        b.acq *= 1.0 - th;
        // G = H_i − w_i g_ii + ε; F = F-field_i − w_i g²_ii; F^s = F^s-field_i − w_i g²_ii s_i.
        b.h += g_bar;
        b.w -= g_bar * gii;
        gii_bar -= g_bar * w[i];
        let g2ii = t.acq.self_g[i].0;
        b.w -= b.f * g2ii + b.fs * g2ii * si;
        b.g2 = -b.f * w[i] - b.fs * w[i] * si;
        b.s -= b.fs * w[i] * g2ii;
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

/// The follow graph of one tick: (e(t), A(t), ρ(e(t))), the surviving initial edges, the
/// acquired followees and the in-network inclusion over them.
type GraphAt<'a> = (&'a [f64], &'a [f64], &'a [f64]);

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
            shape: &self.feed,
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
        let graph = self.follow_graph(w, &feed);
        let rates = graph.rates();
        let (mut e, mut a) = graph.start();
        let mut states = Vec::with_capacity(self.ticks as usize + 1);
        states.push(self.x0.clone());
        for t in 0..self.ticks as usize {
            let x = &states[t];
            let next = if t == 0 {
                x.iter().map(|v| (1.0 - self.dt) * v).collect()
            } else {
                let rho = graph.inclusion(&e);
                let coupled = couple(&feed, &rho, self.feed.in_network, &e, &a);
                let next = self.step(x, w, &feed, &coupled);
                (e, a) = graph.update(x, (&e, &a, &rho), &rates);
                next
            };
            states.push(next);
        }
        let last = states.last().cloned().unwrap_or_default();
        let followee_stance = if needed.get(1).copied().unwrap_or(false) {
            graph.output(&last, &e, &a)
        } else {
            Vec::new()
        };
        Trajectory {
            outputs: vec![last, followee_stance],
            states,
        }
    }

    /// The adjoint of the joint recursion x(t + 1) = step(x(t), e(t), A(t)),
    /// (e, A)(t + 1) = update(x(t), e(t), A(t)): λ over the stances and (ē, Ā) over the graph
    /// go back together, tick by tick.
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
        let graph = self.follow_graph(w, &feed);
        let graphs = graph.graphs(&fwd.states);
        let mut bar = FeedBar {
            rho: vec![0.0; feed.rho.len()],
            theta: vec![0.0; n],
            mu: vec![0.0; n],
        };
        let mut gbar = GraphBar {
            p: vec![0.0; n],
            rho: vec![0.0; feed.rho.len()],
            theta: vec![0.0; n],
            mu: vec![0.0; n],
        };
        let ticks = self.ticks as usize;
        let mut lam = d_stance.unwrap_or_else(|| vec![0.0; n]);
        let (mut e_bar, mut a_bar) = (vec![0.0; feed.rho.len()], vec![0.0; n]);
        if let (Some(fs_bar), Some(x)) = (d_followee, fwd.states.get(ticks)) {
            let (e, a) = &graphs[ticks];
            let [x_bar, eb, ab] = graph.output_back(x, (e, a), fs_bar, &mut gbar);
            add_to(&mut lam, &x_bar);
            (e_bar, a_bar) = (eb, ab);
        }
        let mut rate_bar = vec![0.0; n];
        // Tick 0 only decays, and the graph stays the initial one (nothing depends on w there).
        for t in (1..ticks).rev() {
            let x = &fwd.states[t];
            let (e, a) = &graphs[t];
            // φ entered A(t + 1) additively.
            add_to(&mut rate_bar, &a_bar);
            let mut x_graph = vec![0.0; n];
            let rho = graph.inclusion(e);
            let mut rho_bar = vec![0.0; rho.len()];
            graph.update_back(
                x,
                (e, a, &rho),
                &mut rho_bar,
                &mut e_bar,
                &mut a_bar,
                &mut x_graph,
                &mut gbar,
            );
            lam = self.step_back(
                x,
                w,
                &feed,
                (e, a, &rho),
                &lam,
                &mut grad,
                &mut bar,
                (&mut e_bar, &mut a_bar, &mut rho_bar),
            );
            // ρ(t) read e(t): its bar joins ∂M/∂e(t) before the sweep moves to t − 1.
            graph.inclusion_back(e, &rho_bar, &mut e_bar, &mut gbar);
            add_to(&mut lam, &x_graph);
        }
        graph.rates_back(&rate_bar, &mut gbar);
        bar.add(&gbar.rho, &gbar.theta, &gbar.mu);
        add_to(&mut grad, &gbar.p);
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
