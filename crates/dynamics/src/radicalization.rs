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
//!   acquired followees; the feed's in-network weights ρ̃_ij = σ_i e_ij ρ_ij and Ã_i = σ_i A_i
//!   ([`crate::feed_graph`]: σ_i shares the Q slots once the followees' items overflow them);
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
//! The engine's sampling noise ([`crate::stance_noise`]): x_i above is the mean of a Gaussian
//! N(x_i, v_i). As a listener (its candidates' kernel, its contacts u, its pull and its
//! reciprocal pushes) agent i is read at the sigma points x_i ± σ_i, each with half of its
//! contacts; as a speaker (its items) at x_i. v_i steps by the slope of i's pull between its
//! sigma points and the sampling variance of one tick's contacts, and the `stance` output is
//! the draw x_i + z_i σ_i with fixed normal scores z_i. With v = 0 it is the expected-value
//! twin exactly.
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
//! What it leaves out: the noise of the reciprocal pushes an agent receives and of its items'
//! stances (only its own contacts' sampling noise is modelled, with E[tanh²] = 1); the noise in
//! the rewiring (the follow graph moves with the means x, so the engine's sorting on the
//! realised stances, which the echo-chamber indicators read, is underestimated); which accounts i acquired (a dense N × N state): they are read as
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
use crate::stance_noise;

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

/// Everything one tick computes from x(t) and v(t), kept for its adjoint.
///
/// The stencil's 3N locations: the agents' items at x (0..N), then every agent as a listener
/// at its sigma points x + σ (N..2N) and x − σ (2N..3N) ([`crate::stance_noise`]). Listener
/// rows q ∈ 0..2N belong to agent q mod N and sit at location N + q.
struct Tick {
    /// tanh(α ·) at the 3N locations.
    s: Vec<f64>,
    /// σ_i and dσ/dv per agent.
    sigma: Vec<(f64, f64)>,
    grid: Stencil,
    field_h: Vec<f64>,
    field_g: Vec<f64>,
    field_r: Vec<f64>,
    /// w_k s_k at the items (zero at the listeners' locations).
    m_g: Vec<f64>,
    /// The listeners' out-of-network pushes, at their locations (zero at the items).
    m_r: Vec<f64>,
    r_sum: Vec<f64>,
    /// Per listener row: g(y_q, x_i) of its own item and its derivatives in y_q and x_i.
    self_g: Vec<(f64, f64, f64)>,
    /// The acquired followees' sums, over the squared kernel.
    acq: AcquiredSums,
    /// Per listener row: V, Z, u, P (pull bracket), O (out-of-network pull bracket).
    rows: Vec<Row>,
    /// Per listener row and edge (rows in order): h, ∂h/∂y, g, ∂g/∂y, ∂g/∂x_j.
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

impl Row {
    /// p / z: the mean sign of the row's contacts (0 when it has none).
    fn sign(&self) -> f64 {
        if self.u != 0.0 { self.p / self.z } else { 0.0 }
    }
}

/// Row i's acquired followees, distributed like its out-of-network contacts: k with
/// probability w_k g_ik / G_i, G_i = Σ_{k≠i} w_k g_ik. Each is a candidate of weight g_ik, so
/// together they weigh Ã_i F_i / G_i and pull with Ã_i F^s_i / G_i, where F_i = Σ_{k≠i} w_k g²_ik
/// and F^s_i = Σ_{k≠i} w_k g²_ik s_k (g² the grid form of h², [`AcquiredSums`]). The ones i
/// contacts are pushed back as its out-of-network contacts are, spread as w_k g_ik: an extra
/// share Ã_i F_i / G_i² beside θ_i (spreading them as w_k g²_ik would be exact, but the mass of
/// an agent with nobody near, ∝ 1/F_i, then cancels against its own term in the grid sum far
/// below round-off).
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
    /// Per listener row: g²(y_q, x_i) and its derivatives in y_q and x_i.
    self_g: Vec<(f64, f64, f64)>,
}

/// Per-row adjoint outputs of one tick.
#[derive(Default)]
struct RowBack {
    theta: f64,
    mu: f64,
    w: f64,
    /// ∂M/∂s at the row's location (its pushes' sign) and at its agent's own item.
    s_push: f64,
    s_own: f64,
    /// ∂M/∂y_q (the row's location).
    y: f64,
    g: f64,
    h: f64,
    /// ∂M/∂F_i, ∂M/∂F^s_i, ∂M/∂Ã_i, ∂M/∂g_ii and ∂M/∂g²_ii.
    f: f64,
    fs: f64,
    acq: f64,
    gii: f64,
    g2: f64,
    /// Per edge: ∂M/∂ρ̃_e, and what goes to the followee's s̄ and x̄.
    edges: Vec<[f64; 3]>,
}

/// What the variance step sends back to one tick's rows and agents.
struct NoiseBack {
    /// Per listener row: ∂M/∂u, ∂M/∂p and ∂M/∂z beyond the pull's own.
    u: Vec<f64>,
    p: Vec<f64>,
    z: Vec<f64>,
    /// Per agent: ∂M/∂v(t) through (1 − dt + b)² v, ∂M/∂σ through the slope, ∂M/∂μ.
    v: Vec<f64>,
    slope_scale: Vec<f64>,
    mu: Vec<f64>,
}

fn padded(m: &[f64], len: usize) -> Vec<f64> {
    let mut out = m.to_vec();
    out.resize(len, 0.0);
    out
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

    /// Listener row q's edges in [`Tick::edges`].
    fn edge_range(feed: &Feed, n: usize, q: usize) -> std::ops::Range<usize> {
        let (i, base) = (q % n, (q / n) * feed.rho.len());
        base + feed.offsets[i]..base + feed.offsets[i + 1]
    }

    fn tick(&self, x: &[f64], var: &[f64], w: &[f64], feed: &Feed, graph: &Coupled) -> Tick {
        let n = x.len();
        let c = self.dt * self.k;
        let sigma: Vec<(f64, f64)> = var.iter().map(|&v| stance_noise::sigma(v)).collect();
        let mut pos = Vec::with_capacity(3 * n);
        pos.extend_from_slice(x);
        pos.extend(x.iter().zip(&sigma).map(|(a, b)| a + b.0));
        pos.extend(x.iter().zip(&sigma).map(|(a, b)| a - b.0));
        let s: Vec<f64> = pos.iter().map(|v| (self.alpha * v).tanh()).collect();
        let grid = Stencil::new(&pos, |d| self.kernel(d).0);
        let w3 = padded(w, 3 * n);
        let (h_sum, field_h) = grid.sum(&w3);
        let ws: Vec<f64> = w.iter().zip(&s).map(|(a, b)| a * b).collect();
        let m_g = padded(&ws, 3 * n);
        let (g_sum, field_g) = grid.sum(&m_g);
        let grid2 = Stencil::new(&pos, |d| self.kernel(d).0.powi(2));
        let (f_sum, field_f) = grid2.sum(&w3);
        let (fs_sum, field_fs) = grid2.sum(&m_g);
        let own = |st: &Stencil| -> Vec<(f64, f64, f64)> {
            (0..2 * n).map(|q| st.kernel(n + q, q % n)).collect()
        };
        let self_g = own(&grid);
        let self_g2 = own(&grid2);
        let per_row: Vec<(Row, Vec<[f64; 5]>)> = (0..2 * n)
            .into_par_iter()
            .with_min_len(512)
            .map(|q| {
                let (i, li) = (q % n, n + q);
                let y = pos[li];
                let range = feed.offsets[i]..feed.offsets[i + 1];
                let row = self.net.followees(i as u32);
                let (mut a, mut cg, mut inn, mut og) = (0.0, 0.0, 0.0, 0.0);
                let mut edges = Vec::with_capacity(row.len());
                for (&j, &rho) in row.iter().zip(&graph.rho[range]) {
                    let j = j as usize;
                    let (h, dh) = self.kernel(y - x[j]);
                    let (g, gi, gj) = grid.kernel(li, j);
                    a += rho * h;
                    cg += rho * g;
                    inn += rho * h * s[j];
                    og += rho * g * s[j];
                    edges.push([h, dh, g, gi, gj]);
                }
                let gii = self_g[q].0;
                let g2ii = self_g2[q].0;
                let g = (h_sum[li] - w[i] * gii).max(0.0) + EMPTY;
                let f = f_sum[li] - w[i] * g2ii;
                let acq = Acquired {
                    g,
                    f,
                    fs: fs_sum[li] - w[i] * g2ii * s[i],
                    share: graph.acq[i] * f / (g * g),
                };
                a += graph.acq[i] * acq.f / acq.g;
                inn += graph.acq[i] * acq.fs / acq.g;
                let theta = feed.theta[i];
                let v = h_sum[li] - cg - w[i] * gii;
                let z = a + theta * v;
                // Half of agent i's contacts are made from each sigma point.
                let u = if feed.mu[i] > 0.0 && z > 0.0 {
                    0.5 * c * self.activity[i] * feed.mu[i] / z
                } else {
                    0.0
                };
                let o = g_sum[li] - og - w[i] * gii * s[i];
                let p = inn + theta * o;
                (Row { v, z, u, p, o, acq }, edges)
            })
            .collect();
        let mut rows = Vec::with_capacity(2 * n);
        let mut edges = Vec::with_capacity(2 * feed.rho.len());
        for (r, e) in per_row {
            rows.push(r);
            edges.extend(e);
        }
        let mut m_r = vec![0.0; 3 * n];
        for (q, r) in rows.iter().enumerate() {
            m_r[n + q] = r.u * (feed.theta[q % n] + r.acq.share) * s[n + q];
        }
        let (r_sum, field_r) = grid.sum(&m_r);
        Tick {
            s,
            sigma,
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

    /// Agent i's own pushes through the grid (subtracted from what reaches its item):
    /// Σ_q m_q g(y_q, x_i) over its two rows.
    fn own_push(t: &Tick, n: usize, i: usize) -> f64 {
        t.m_r[n + i] * t.self_g[i].0 + t.m_r[2 * n + i] * t.self_g[n + i].0
    }

    /// v_i(t + 1) = (1 − dt + b_i)² v_i + c² Var(D_i), b_i = (P⁺ − P⁻) / (2 s_i), P = 2 u p
    /// (a row holds half of i's contacts), Var(D_i) at the rows' mean contact sign.
    fn next_variance(&self, t: &Tick, feed: &Feed, n: usize, i: usize, v: f64) -> f64 {
        let c = self.dt * self.k;
        let (rp, rm) = (&t.rows[i], &t.rows[n + i]);
        let b = (rp.u * rp.p - rm.u * rm.p) / stance_noise::slope_scale(v).0;
        let am = self.activity[i] * feed.mu[i];
        let sbar = 0.5 * (rp.sign() + rm.sign());
        let vd = stance_noise::drive_variance(am, feed.mu[i], sbar).0;
        (1.0 - self.dt + b).powi(2) * v + c * c * vd
    }

    /// The adjoint of [`Self::next_variance`] for every agent, given ∂M/∂v(t + 1) (`lam_v`).
    fn next_variance_back(&self, t: &Tick, feed: &Feed, var: &[f64], lam_v: &[f64]) -> NoiseBack {
        let n = var.len();
        let c = self.dt * self.k;
        let mut back = NoiseBack {
            u: vec![0.0; 2 * n],
            p: vec![0.0; 2 * n],
            z: vec![0.0; 2 * n],
            v: vec![0.0; n],
            slope_scale: vec![0.0; n],
            mu: vec![0.0; n],
        };
        for i in 0..n {
            let lv = lam_v[i];
            if lv == 0.0 {
                continue;
            }
            let (qp, qm) = (i, n + i);
            let (rp, rm) = (t.rows[qp], t.rows[qm]);
            let (sc, _) = stance_noise::slope_scale(var[i]);
            let b = (rp.u * rp.p - rm.u * rm.p) / sc;
            let gain = 1.0 - self.dt + b;
            back.v[i] += gain * gain * lv;
            let b_bar = 2.0 * gain * var[i] * lv;
            back.u[qp] += b_bar * rp.p / sc;
            back.p[qp] += b_bar * rp.u / sc;
            back.u[qm] -= b_bar * rm.p / sc;
            back.p[qm] -= b_bar * rm.u / sc;
            back.slope_scale[i] -= b_bar * b / sc;
            let am = self.activity[i] * feed.mu[i];
            let sbar = 0.5 * (rp.sign() + rm.sign());
            let (_, [d_am, d_mu, d_s]) = stance_noise::drive_variance(am, feed.mu[i], sbar);
            let vd_bar = c * c * lv;
            back.mu[i] += vd_bar * (d_am * self.activity[i] + d_mu);
            let sign_bar = 0.5 * vd_bar * d_s;
            for (q, r) in [(qp, rp), (qm, rm)] {
                if r.u != 0.0 {
                    back.p[q] += sign_bar / r.z;
                    back.z[q] -= sign_bar * r.p / (r.z * r.z);
                }
            }
        }
        back
    }

    fn step(
        &self,
        x: &[f64],
        var: &[f64],
        w: &[f64],
        feed: &Feed,
        graph: &Coupled,
    ) -> (Vec<f64>, Vec<f64>) {
        let t = self.tick(x, var, w, feed, graph);
        let n = x.len();
        // Pushes along the in-network edges (row q contacted followee k), then the rest: the
        // out-of-network contacts and the acquired followees, both spread as w_k g_ik.
        let mut push = vec![0.0; n];
        for q in 0..2 * n {
            let i = q % n;
            let (u, th, sq) = (t.rows[q].u, feed.theta[i], t.s[n + q]);
            let range = feed.offsets[i]..feed.offsets[i + 1];
            for ((&k, &rho), e) in self
                .net
                .followees(i as u32)
                .iter()
                .zip(&graph.rho[range])
                .zip(&t.edges[Self::edge_range(feed, n, q)])
            {
                push[k as usize] += u * rho * (e[0] - th * e[2]) * sq;
            }
        }
        let next_x = (0..n)
            .map(|k| {
                let (a, b) = (&t.rows[k], &t.rows[n + k]);
                let own = Self::own_push(&t, n, k);
                let push_k = self.reciprocity * (push[k] + w[k] * (t.r_sum[k] - own));
                (1.0 - self.dt) * x[k] + a.u * a.p + b.u * b.p + push_k
            })
            .collect();
        let next_v = (0..n)
            .map(|i| self.next_variance(&t, feed, n, i, var[i]))
            .collect();
        (next_x, next_v)
    }

    /// (λ_x, λ_v)(t) from (λ_x, λ_v)(t + 1) at the state x(t), v(t) and the graph
    /// `graph` = (e(t), A(t)); adds ∂M/∂w (direct), ∂M/∂ρ, ∂M/∂θ, ∂M/∂μ of this tick, and
    /// ∂M/∂e(t), ∂M/∂A(t) to `graph_bar`.
    #[allow(clippy::too_many_arguments)]
    fn step_back(
        &self,
        (x, var): (&[f64], &[f64]),
        w: &[f64],
        feed: &Feed,
        graph: GraphAt<'_>,
        (lam, lam_v): (&[f64], &[f64]),
        grad: &mut [f64],
        feed_bar: &mut FeedBar,
        graph_bar: (&mut [f64], &mut [f64]),
    ) -> (Vec<f64>, Vec<f64>) {
        let n = x.len();
        let (c, r) = (self.dt * self.k, self.reciprocity);
        let coupled = couple(feed, self.feed.in_network, graph.0, graph.1);
        let t = self.tick(x, var, w, feed, &coupled);
        let noise = self.next_variance_back(&t, feed, var, lam_v);
        // x̄ over the 3N locations (items, then the rows' sigma points).
        let mut xb = vec![0.0; 3 * n];
        for (b, l) in xb.iter_mut().zip(lam) {
            *b = (1.0 - self.dt) * l;
        }
        let mut s_bar = vec![0.0; 3 * n];
        let mut u_bar = noise.u.clone();
        let mut theta_bar = vec![0.0; n];
        let mut gself_bar = vec![0.0; 2 * n];
        let mut g2self_bar = vec![0.0; 2 * n];
        // The push's own part, w_k (R_k − Σ_q m_q g_qk).
        let mut r_bar = vec![0.0; 3 * n];
        let mut m_direct = vec![0.0; 3 * n];
        let ac = &t.acq;
        for k in 0..n {
            let pb = r * lam[k];
            grad[k] += pb * (t.r_sum[k] - Self::own_push(&t, n, k));
            r_bar[k] = pb * w[k];
            for q in [k, n + k] {
                m_direct[n + q] = -pb * w[k] * t.self_g[q].0;
                gself_bar[q] -= pb * w[k] * t.m_r[n + q];
            }
        }
        let m_r_bar = t.grid.sum_back(&t.m_r, &t.field_r, &r_bar, &mut xb);
        let mut share_bar = vec![0.0; 2 * n];
        for q in 0..2 * n {
            let i = q % n;
            let mb = m_r_bar[n + q] + m_direct[n + q];
            let th = feed.theta[i] + t.rows[q].acq.share;
            u_bar[q] += mb * th * t.s[n + q];
            s_bar[n + q] += mb * t.rows[q].u * th;
            let th_bar = mb * t.rows[q].u * t.s[n + q];
            theta_bar[i] += th_bar;
            share_bar[q] = th_bar;
        }
        let back: Vec<RowBack> = (0..2 * n)
            .into_par_iter()
            .with_min_len(512)
            .map(|q| {
                let bars = [u_bar[q], share_bar[q], noise.p[q], noise.z[q]];
                self.row_back(q, w, feed, &coupled, &t, lam, bars, c)
            })
            .collect();
        let mut h_bar = vec![0.0; 3 * n];
        let mut g_bar = vec![0.0; 3 * n];
        let mut f_bar = vec![0.0; 3 * n];
        let mut fs_bar = vec![0.0; 3 * n];
        let mut rho_t_bar = vec![0.0; coupled.rho.len()];
        let mut acq_bar = vec![0.0; n];
        for (q, b) in back.iter().enumerate() {
            let (i, li) = (q % n, n + q);
            theta_bar[i] += b.theta;
            feed_bar.mu[i] += b.mu;
            grad[i] += b.w;
            s_bar[li] += b.s_push;
            s_bar[i] += b.s_own;
            xb[li] += b.y;
            g_bar[li] = b.g;
            h_bar[li] = b.h;
            f_bar[li] = b.f;
            fs_bar[li] = b.fs;
            acq_bar[i] += b.acq;
            gself_bar[q] += b.gii;
            g2self_bar[q] += b.g2;
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
                xb[j as usize] += e[2];
            }
        }
        let w3 = padded(w, 3 * n);
        let m_f_bar = ac.grid.sum_back(&w3, &ac.field_f, &f_bar, &mut xb);
        let m_fs_bar = ac.grid.sum_back(&t.m_g, &ac.field_fs, &fs_bar, &mut xb);
        let m_g_bar = t.grid.sum_back(&t.m_g, &t.field_g, &g_bar, &mut xb);
        let m_h_bar = t.grid.sum_back(&w3, &t.field_h, &h_bar, &mut xb);
        for k in 0..n {
            grad[k] += (m_g_bar[k] + m_fs_bar[k]) * t.s[k] + m_h_bar[k] + m_f_bar[k];
            s_bar[k] += (m_g_bar[k] + m_fs_bar[k]) * w[k];
            feed_bar.theta[k] += theta_bar[k];
            feed_bar.mu[k] += noise.mu[k];
        }
        for q in 0..2 * n {
            let (i, li) = (q % n, n + q);
            let (_, gy, gx) = t.self_g[q];
            let (_, g2y, g2x) = ac.self_g[q];
            xb[li] += gself_bar[q] * gy + g2self_bar[q] * g2y;
            xb[i] += gself_bar[q] * gx + g2self_bar[q] * g2x;
        }
        for (b, (sb, s)) in xb.iter_mut().zip(s_bar.iter().zip(&t.s)) {
            *b += sb * self.alpha * (1.0 - s * s);
        }
        // y± = x ± σ(v); the slope's scale s(v).
        let mut x_bar = vec![0.0; n];
        let mut v_bar = noise.v;
        for i in 0..n {
            let (yp, ym) = (xb[n + i], xb[2 * n + i]);
            x_bar[i] = xb[i] + yp + ym;
            v_bar[i] += (yp - ym) * t.sigma[i].1
                + noise.slope_scale[i] * stance_noise::slope_scale(var[i]).1;
        }
        let (e_bar, a_bar) = graph_bar;
        couple_back(
            feed,
            graph.0,
            graph.1,
            &coupled,
            &rho_t_bar,
            &acq_bar,
            &mut feed_bar.rho,
            e_bar,
            a_bar,
        );
        (x_bar, v_bar)
    }

    /// Row q's adjoint (agent i = q mod N at location y_q): its pushes along its edges, its
    /// pull, u = c a_i μ_i / (2 Z), Z and its acquired followees. `bars` holds ∂M/∂u and
    /// ∂M/∂share from the grid and own-push terms, and ∂M/∂p, ∂M/∂z from the variance step.
    #[allow(clippy::too_many_arguments)]
    fn row_back(
        &self,
        q: usize,
        w: &[f64],
        feed: &Feed,
        graph: &Coupled,
        t: &Tick,
        lam: &[f64],
        [mut u_bar, share_bar, p_extra, z_extra]: [f64; 4],
        c: f64,
    ) -> RowBack {
        let r = self.reciprocity;
        let n = lam.len();
        let i = q % n;
        let range = feed.offsets[i]..feed.offsets[i + 1];
        let row = self.net.followees(i as u32);
        let rho = &graph.rho[range];
        let edges = &t.edges[Self::edge_range(feed, n, q)];
        let Row { v, z, u, p, o, acq } = t.rows[q];
        let count = graph.acq[i];
        let (th, sq, si, gii) = (feed.theta[i], t.s[n + q], t.s[i], t.self_g[q].0);
        let mut b = RowBack::default();
        // Per edge: ρ̄, h̄, ḡ, and the followee's s̄ (x̄ from h and g is added below).
        let mut eb: Vec<[f64; 4]> = vec![[0.0; 4]; row.len()];
        // Pushes q → k along its edges: u ρ (h − θ g) s_q, weighted by r λ_k.
        for (e, (&k, (&rh, ed))) in row.iter().zip(rho.iter().zip(edges)).enumerate() {
            let pb = r * lam[k as usize];
            let net = ed[0] - th * ed[2];
            u_bar += pb * rh * net * sq;
            eb[e][0] += pb * u * net * sq;
            eb[e][1] += pb * u * rh * sq;
            eb[e][2] -= pb * u * rh * th * sq;
            b.theta -= pb * u * rh * ed[2] * sq;
            b.s_push += pb * u * rh * net;
        }
        // share = Ã F / G².
        b.acq += share_bar * acq.f / (acq.g * acq.g);
        b.f = share_bar * count / (acq.g * acq.g);
        let mut g_bar = -2.0 * share_bar * acq.share / acq.g;
        // Pull u P, P = Σ ρ h s_j + Ã F^s / G + θ O, O = G-field − Σ ρ g s_j − w_i g_ii s_i.
        u_bar += lam[i] * p;
        let p_bar = lam[i] * u + p_extra;
        b.acq += p_bar * acq.fs / acq.g;
        b.fs = p_bar * count / acq.g;
        g_bar -= p_bar * count * acq.fs / (acq.g * acq.g);
        b.theta += p_bar * o;
        let o_bar = p_bar * th;
        b.g = o_bar;
        b.w -= o_bar * gii * si;
        let mut gii_bar = -o_bar * w[i] * si;
        b.s_own -= o_bar * w[i] * gii;
        for (e, (&j, (&rh, ed))) in row.iter().zip(rho.iter().zip(edges)).enumerate() {
            let sj = t.s[j as usize];
            eb[e][0] += p_bar * ed[0] * sj - o_bar * ed[2] * sj;
            eb[e][1] += p_bar * rh * sj;
            eb[e][2] -= o_bar * rh * sj;
            eb[e][3] += p_bar * rh * ed[0] - o_bar * rh * ed[2];
        }
        // u = c a_i μ_i / (2 Z); Z = A + Ã F / G + θ V; V = H-field − Σ ρ g − w_i g_ii.
        if u != 0.0 {
            b.mu = u_bar * 0.5 * c * self.activity[i] / z;
            let z_bar = -u_bar * u / z + z_extra;
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
        // G = H-field − w_i g_ii + ε; F = F-field − w_i g²_ii; F^s = F^s-field − w_i g²_ii s_i.
        b.h += g_bar;
        b.w -= g_bar * gii;
        gii_bar -= g_bar * w[i];
        let g2ii = t.acq.self_g[q].0;
        b.w -= b.f * g2ii + b.fs * g2ii * si;
        b.g2 = -b.f * w[i] - b.fs * w[i] * si;
        b.s_own -= b.fs * w[i] * g2ii;
        b.gii = gii_bar;
        b.edges = eb
            .iter()
            .zip(edges)
            .map(|(e, ed)| {
                // ȳ += h̄ h' + ḡ g_y; x̄_j += −h̄ h' + ḡ g_j.
                b.y += e[1] * ed[1] + e[2] * ed[3];
                [e[0], e[3], -e[1] * ed[1] + e[2] * ed[4]]
            })
            .collect();
        b
    }
}

/// The follow graph (e(t), A(t)) of one tick.
type GraphAt<'a> = (&'a [f64], &'a [f64]);

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

    /// States are x(t) and v(t) side by side (2N values a tick); the output `stance` is the
    /// draw x_i + z_i σ_i(v_i) ([`crate::stance_noise`]), `followee_stance` reads the means.
    fn forward(&self, w: &[f64], needed: &[bool]) -> Trajectory {
        let n = self.x0.len();
        let w = &self.existence(w);
        let feed = self.feed.feed(self.net, w, self.contacts);
        let graph = self.follow_graph(w, &feed);
        let rates = graph.rates();
        let (mut e, mut a) = graph.start();
        let mut states = Vec::with_capacity(self.ticks as usize + 1);
        states.push(padded(&self.x0, 2 * n));
        for t in 0..self.ticks as usize {
            let (x, var) = states[t].split_at(n);
            let next = if t == 0 {
                let mut next: Vec<f64> = x.iter().map(|v| (1.0 - self.dt) * v).collect();
                next.extend_from_slice(var);
                next
            } else {
                let coupled = couple(&feed, self.feed.in_network, &e, &a);
                let (mut next, next_v) = self.step(x, var, w, &feed, &coupled);
                (e, a) = graph.update(x, &e, &a, &rates);
                next.extend(next_v);
                next
            };
            states.push(next);
        }
        let (x, var) = states[self.ticks as usize].split_at(n);
        let stance = x
            .iter()
            .zip(var)
            .enumerate()
            .map(|(i, (m, &v))| m + stance_noise::normal_score(i) * stance_noise::sigma(v).0)
            .collect();
        let followee_stance = if needed.get(1).copied().unwrap_or(false) {
            graph.output(x, &e, &a)
        } else {
            Vec::new()
        };
        Trajectory {
            outputs: vec![stance, followee_stance],
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
        let means: Vec<Vec<f64>> = fwd.states.iter().map(|s| s[..n].to_vec()).collect();
        let graphs = graph.graphs(&means);
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
        // stance = x + z σ(v): λ_x = d_stance, λ_v = d_stance z dσ/dv.
        let last_var = &fwd.states[ticks][n..];
        let mut lam = d_stance.clone().unwrap_or_else(|| vec![0.0; n]);
        let mut lam_v: Vec<f64> = match &d_stance {
            Some(d) => d
                .iter()
                .zip(last_var)
                .enumerate()
                .map(|(i, (g, &v))| g * stance_noise::normal_score(i) * stance_noise::sigma(v).1)
                .collect(),
            None => vec![0.0; n],
        };
        let (mut e_bar, mut a_bar) = (vec![0.0; feed.rho.len()], vec![0.0; n]);
        if let (Some(fs_bar), Some(x)) = (d_followee, means.get(ticks)) {
            let (e, a) = &graphs[ticks];
            let [x_bar, eb, ab] = graph.output_back(x, (e, a), fs_bar, &mut gbar);
            add_to(&mut lam, &x_bar);
            (e_bar, a_bar) = (eb, ab);
        }
        let mut rate_bar = vec![0.0; n];
        // Tick 0 only decays, and the graph stays the initial one (nothing depends on w there).
        for t in (1..ticks).rev() {
            let (x, var) = fwd.states[t].split_at(n);
            let (e, a) = &graphs[t];
            // φ entered A(t + 1) additively.
            add_to(&mut rate_bar, &a_bar);
            let mut x_graph = vec![0.0; n];
            graph.update_back(x, e, a, &mut e_bar, &mut a_bar, &mut x_graph, &mut gbar);
            (lam, lam_v) = self.step_back(
                (x, var),
                w,
                &feed,
                (e, a),
                (&lam, &lam_v),
                &mut grad,
                &mut bar,
                (&mut e_bar, &mut a_bar),
            );
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
