//! The expected feed of the radicalization twin: which speakers are candidates of whom, as a
//! smooth function of participation w (w_j = the probability that j's items exist; 0 and 1
//! are the simulator's silenced and speaking agents).
//!
//! The engine (crates/sim `feed.rs`) fills a feed of F items: up to Q = F − n_oon of its
//! followees' recent items, ranked (chronological: newest first, and items of one tick are
//! created in author-id order, so the followees with the highest ids win), then n_oon =
//! round(F·out_of_network_share) items drawn uniformly from the window's items in 2·n_oon
//! attempts, skipping its own and repeats. With a window of one tick every speaker has one item
//! in it. So, with w_j independent:
//!
//! - **in network**: ρ_ij = w̃_j · P(fewer than Q of i's followees with a higher id speak),
//!   a Poisson-binomial tail computed by a DP over the followees, highest id first (w̃_j =
//!   w_j, or w_j·(1 − (1 − 1/d)^K) when i follows d > K = `followee_sample` accounts and the
//!   engine reads K draws of them);
//! - **out of network**: the window holds S = Σ_k w_k items, of which U_i = S − q_i − w_i
//!   are usable (q_i = Σ_j ρ_ij is i's expected in-network count); each usable item is in the
//!   feed with probability θ_i = smin(n_oon/U_i, 1 − e^{−2 n_oon/S}) (the quota shared out,
//!   or, in a small window, the chance of being hit in 2·n_oon attempts);
//! - **contacts**: the feed holds n_i = q_i + θ_i U_i candidates and an active agent contacts
//!   μ_i = smin(m, n_i) of them — m once the feed holds more than m, all of them in a feed of
//!   fewer. So silencing hands a silenced account's slots to the speakers (θ and ρ rise), and a
//!   nearly empty window gives few contacts, never a division by an empty feed.
//!
//! smin(a, b) = (a^−p + b^−p)^(−1/p) with p = 8: within 0.1 % of min(a, b) once one is twice
//! the other, smooth everywhere, and smin(a, 0) = 0.

use rayon::prelude::*;

use emergent_sim::network::Network;

/// Sharpness of the smooth minimum.
const P: f64 = 8.0;

/// smin(a, b) and its partial derivatives (a, b ≥ 0).
#[inline]
fn smin(a: f64, b: f64) -> (f64, f64, f64) {
    if a <= 0.0 || b <= 0.0 {
        return (0.0, 0.0, 0.0);
    }
    // Scale by the larger so the powers stay finite.
    let big = a.max(b);
    let (ra, rb) = (a / big, b / big);
    let s = ra.powf(-P) + rb.powf(-P);
    let v = big * s.powf(-1.0 / P);
    // ∂v/∂a = (v/a)^(p+1).
    (v, (v / a).powf(P + 1.0), (v / b).powf(P + 1.0))
}

/// What the engine's feed is, in the twin's terms.
#[derive(Clone, Copy, Debug)]
pub struct FeedShape {
    /// In-network slots Q.
    pub in_network: usize,
    /// Out-of-network slots n_oon (the engine makes 2·n_oon attempts).
    pub out_of_network: usize,
    /// Followees read per feed at most (`[feed] followee_sample`).
    pub followee_sample: usize,
}

/// The expected feed at one w: per followee edge (CSR order of `Network::followees`) the
/// in-network inclusion ρ, per agent θ (out-of-network inclusion of a usable item) and μ
/// (expected contacts).
pub(crate) struct Feed {
    pub(crate) offsets: Vec<usize>,
    pub(crate) rho: Vec<f64>,
    pub(crate) theta: Vec<f64>,
    pub(crate) mu: Vec<f64>,
}

/// Followees of `i` from the highest id down, as indices into its row.
fn order(net: &Network, i: usize) -> Vec<usize> {
    let row = net.followees(i as u32);
    let mut o: Vec<usize> = (0..row.len()).collect();
    o.sort_unstable_by(|&a, &b| row[b].cmp(&row[a]));
    o
}

/// The factor a followee's w is read with: 1, or the chance to be among K draws of d.
fn read_share(d: usize, k: usize) -> f64 {
    if d <= k {
        1.0
    } else {
        1.0 - (1.0 - 1.0 / d as f64).powi(k as i32)
    }
}

impl FeedShape {
    /// The in-network DP for one row: ρ per edge (row order), and the prefix distributions
    /// (P(c present before the t-th in order), c < Q) for the adjoint. `alive` is the chance
    /// that each edge is still followed (`None`: every edge, the initial graph): followee k is
    /// present with probability e_k·w̃_k, and its inclusion *given that i follows it* is
    /// ρ_k = w̃_k·P(fewer than Q present ahead of k).
    fn in_network_row(
        &self,
        net: &Network,
        w: &[f64],
        i: usize,
        alive: Option<&[f64]>,
        keep_prefix: bool,
    ) -> (Vec<f64>, Vec<Vec<f64>>) {
        let row = net.followees(i as u32);
        let share = read_share(row.len(), self.followee_sample);
        let q = self.in_network;
        if row.len() <= q {
            // Every followee fits: fewer than Q are ever ahead of any of them.
            let rho = row.iter().map(|&j| w[j as usize] * share).collect();
            return (rho, Vec::new());
        }
        let mut rho = vec![0.0; row.len()];
        let mut prefix = Vec::with_capacity(if keep_prefix { row.len() } else { 0 });
        let mut p = vec![0.0; q];
        if q > 0 {
            p[0] = 1.0;
        }
        for e in order(net, i) {
            let wt = w[row[e] as usize] * share;
            let present = wt * alive.map_or(1.0, |a| a[e]);
            rho[e] = wt * p.iter().sum::<f64>();
            if keep_prefix {
                prefix.push(p.clone());
            }
            // next[c] = (1 − present) p[c] + present p[c − 1], in place from the top.
            for c in (1..q).rev() {
                p[c] = (1.0 - present) * p[c] + present * p[c - 1];
            }
            p[0] *= 1.0 - present;
        }
        (rho, prefix)
    }

    /// The in-network inclusion ρ_ij(e) of every edge (CSR order, rows at `offsets`) over a
    /// rewired graph whose initial edges survive with probabilities `e` (`None`: all of them,
    /// the initial feed): followees unfollowed ahead of j free their slots, so j's items,
    /// crowded out of the initial feed (ρ_ij = 0 when Q followees of higher id speak), come
    /// in. At e = 1 it is the initial feed's [`Feed::rho`] exactly.
    pub(crate) fn in_network_over(
        &self,
        net: &Network,
        w: &[f64],
        offsets: &[usize],
        e: Option<&[f64]>,
    ) -> Vec<f64> {
        let rows: Vec<Vec<f64>> = (0..w.len())
            .into_par_iter()
            .with_min_len(256)
            .map(|i| {
                let alive = e.map(|e| &e[offsets[i]..offsets[i + 1]]);
                self.in_network_row(net, w, i, alive, false).0
            })
            .collect();
        rows.concat()
    }

    /// Adjoint of [`Self::in_network_over`]: from ∂M/∂ρ, adds ∂M/∂w to `w_bar` and, over a
    /// rewired graph (`e` and `e_bar` given), ∂M/∂e to `e_bar`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn in_network_over_back(
        &self,
        net: &Network,
        w: &[f64],
        offsets: &[usize],
        e: Option<&[f64]>,
        rho_bar: &[f64],
        mut e_bar: Option<&mut [f64]>,
        w_bar: &mut [f64],
    ) {
        let rows: Vec<Vec<(u32, f64, f64)>> = (0..w.len())
            .into_par_iter()
            .with_min_len(256)
            .map(|i| {
                let range = offsets[i]..offsets[i + 1];
                let alive = e.map(|e| &e[range.clone()]);
                self.in_network_row_back(net, w, i, alive, &rho_bar[range])
            })
            .collect();
        for (i, row) in rows.into_iter().enumerate() {
            for (k, (j, wb, eb)) in row.into_iter().enumerate() {
                w_bar[j as usize] += wb;
                if let Some(e_bar) = e_bar.as_deref_mut() {
                    e_bar[offsets[i] + k] += eb;
                }
            }
        }
    }

    /// The expected feed of every agent at `w`, with `m` contacts per active agent.
    pub(crate) fn feed(&self, net: &Network, w: &[f64], m: f64) -> Feed {
        let n = w.len();
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        for i in 0..n {
            offsets.push(offsets[i] + net.followees(i as u32).len());
        }
        let rho = self.in_network_over(net, w, &offsets, None);
        let s: f64 = w.iter().sum();
        let (theta, mu) = (0..n)
            .map(|i| {
                let q: f64 = rho[offsets[i]..offsets[i + 1]].iter().sum();
                let (theta, mu, _) = self.contacts(s, q, w[i], m);
                (theta, mu)
            })
            .unzip();
        Feed {
            offsets,
            rho,
            theta,
            mu,
        }
    }

    /// θ_i and μ_i from S, q_i, w_i and m, with the partials
    /// (∂θ/∂S, ∂θ/∂U, ∂μ/∂n, U).
    fn contacts(&self, s: f64, q: f64, wi: f64, m: f64) -> (f64, f64, [f64; 4]) {
        let u = (s - q - wi).max(0.0);
        let k = self.out_of_network as f64;
        if k == 0.0 || s <= 0.0 {
            let (mu, _, dn) = smin(m, q);
            return (0.0, mu, [0.0, 0.0, dn, u]);
        }
        // hit = 1 − e^{−2k/S}; ∂hit/∂S = −(2k/S²) e^{−2k/S}.
        let e = (-2.0 * k / s).exp();
        let hit = 1.0 - e;
        let dhit = -2.0 * k / (s * s) * e;
        let (theta, dq, dh) = if u > 0.0 {
            // n_oon/U: ∂/∂U = −k/U².
            let (t, da, db) = smin(k / u, hit);
            (t, da * (-k / (u * u)), db)
        } else {
            (hit, 0.0, 1.0)
        };
        let n = q + theta * u;
        let (mu, _, dn) = smin(m, n);
        (theta, mu, [dh * dhit, dq, dn, u])
    }

    /// Adjoint of [`FeedShape::feed`]: ∂M/∂w from ∂M/∂ρ, ∂M/∂θ, ∂M/∂μ, added to `grad`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn feed_back(
        &self,
        net: &Network,
        w: &[f64],
        m: f64,
        f: &Feed,
        rho_bar: &[f64],
        theta_bar: &[f64],
        mu_bar: &[f64],
        grad: &mut [f64],
    ) {
        let n = w.len();
        let s: f64 = w.iter().sum();
        let mut s_bar = 0.0;
        // ρ̄ gains the paths through q_i (n_i and U_i).
        let mut rho_bar = rho_bar.to_vec();
        for i in 0..n {
            let range = f.offsets[i]..f.offsets[i + 1];
            let q: f64 = f.rho[range.clone()].iter().sum();
            let (theta, _, [dts, dtu, dmn, u]) = self.contacts(s, q, w[i], m);
            let n_bar = mu_bar[i] * dmn;
            // n = q + θ U.
            let t_bar = theta_bar[i] + n_bar * u;
            let mut u_bar = n_bar * theta + t_bar * dtu;
            s_bar += t_bar * dts;
            if s - q - w[i] <= 0.0 {
                u_bar = 0.0;
            }
            // U = S − q − w_i.
            s_bar += u_bar;
            grad[i] -= u_bar;
            let q_bar = n_bar - u_bar;
            for r in &mut rho_bar[range] {
                *r += q_bar;
            }
        }
        for g in grad.iter_mut() {
            *g += s_bar;
        }
        // Through the DP, row by row; each row adds to the w of its followees.
        self.in_network_over_back(net, w, &f.offsets, None, &rho_bar, None, grad);
    }

    /// Adjoint of one row's DP: per edge in row order, (followee, ∂M/∂w_j, ∂M/∂e_ij).
    fn in_network_row_back(
        &self,
        net: &Network,
        w: &[f64],
        i: usize,
        alive: Option<&[f64]>,
        rho_bar: &[f64],
    ) -> Vec<(u32, f64, f64)> {
        let row = net.followees(i as u32);
        let share = read_share(row.len(), self.followee_sample);
        let q = self.in_network;
        if row.len() <= q {
            // ρ = w̃: nothing flows to e.
            return row
                .iter()
                .zip(rho_bar)
                .map(|(&j, &rb)| (j, rb * share, 0.0))
                .collect();
        }
        let (_, prefix) = self.in_network_row(net, w, i, alive, true);
        let ord = order(net, i);
        let mut out = vec![(0, 0.0, 0.0); row.len()];
        // P̄ of the distribution after the t-th step.
        let mut p_bar = vec![0.0; q];
        for (t, &e) in ord.iter().enumerate().rev() {
            let p = &prefix[t];
            let wt = w[row[e] as usize] * share;
            let alive_e = alive.map_or(1.0, |a| a[e]);
            let present = wt * alive_e;
            // ρ_e = wt·Σp; next[c] = (1 − present) p[c] + present p[c − 1].
            let mut wt_bar = rho_bar[e] * p.iter().sum::<f64>();
            let mut present_bar = 0.0;
            let mut prev = vec![rho_bar[e] * wt; q];
            for c in 0..q {
                prev[c] += (1.0 - present) * p_bar[c];
                if c + 1 < q {
                    prev[c] += present * p_bar[c + 1];
                }
                let below = if c > 0 { p[c - 1] } else { 0.0 };
                present_bar += p_bar[c] * (below - p[c]);
            }
            wt_bar += present_bar * alive_e;
            p_bar = prev;
            out[e] = (row[e], wt_bar * share, present_bar * wt);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::FeedShape;
    use emergent_sim::network::Network;

    /// Agent 0 follows 1..=4 with Q = 2 slots: the two highest ids (4, 3) take them, 1 and 2
    /// are crowded out. Unfollowing 4 hands its slot to 2, the next in line.
    #[test]
    fn an_unfollow_ahead_frees_a_slot_and_the_initial_graph_is_the_feed() {
        let net = Network::from_edges(5, vec![(0, 1), (0, 2), (0, 3), (0, 4)]);
        let shape = FeedShape {
            in_network: 2,
            out_of_network: 0,
            followee_sample: 100,
        };
        let w = [1.0, 1.0, 0.7, 1.0, 1.0];
        let feed = shape.feed(&net, &w, 3.0);
        let offsets = feed.offsets.clone();
        let all = vec![1.0; feed.rho.len()];
        // At e = 1 the inclusion is the initial feed's, bit for bit.
        assert_eq!(
            shape.in_network_over(&net, &w, &offsets, Some(&all)),
            feed.rho
        );
        let row = net.followees(0);
        let at = |id: u32| row.iter().position(|&j| j == id).unwrap();
        assert_eq!(feed.rho[at(1)], 0.0);
        assert_eq!(feed.rho[at(2)], 0.0);
        let mut e = all.clone();
        e[at(4)] = 0.0;
        let rho = shape.in_network_over(&net, &w, &offsets, Some(&e));
        assert_eq!(rho[at(3)], 1.0);
        assert!((rho[at(2)] - 0.7).abs() < 1e-15, "{rho:?}");
        // 1 comes in when 2 stays silent: 0.3 of the time.
        assert!((rho[at(1)] - 0.3).abs() < 1e-15, "{rho:?}");
    }
}
