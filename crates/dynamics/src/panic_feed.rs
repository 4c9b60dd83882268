//! The herding market twin's expected feed: what share of the items an agent sees are by
//! recent sellers (or buyers).
//!
//! The engine (crates/sim `feed.rs`, `policy/panic.rs`) shows an active agent the window's
//! items (the last `window` ticks) of its followees, then up to `n_oon` items drawn uniformly
//! from every item of the window (out of network); the agent herds on the *fraction* of those
//! items whose author sold (bought) within the window, 0 for an empty feed. Silenced authors'
//! items never exist, so the fraction is over the items of those who speak: silencing most of
//! the population hands the remaining speakers every feed.
//!
//! Expected form, per reader i, with p_j the probability that j's items exist, n_j the
//! expected items j has in the window and s_j those of them by a recent seller:
//!
//! > X_i = Σ_{j∈followees(i)} p_j n_j,  Y_i = Σ_{j∈followees(i)} p_j s_j,
//! > P = Σ_k p_k n_k,  S = Σ_k p_k s_k,  φ = (1 + (P/n_oon)^8)^(−1/8),
//! > D_i = X_i + φ P,  f_i = (Y_i + φ S) · (1 − e^{−D_i}) / D_i.
//!
//! φP = smin(n_oon, P) is the out-of-network count (all of a small window, else the quota);
//! the out-of-network items carry the window's share S/P of sellers. The ratio of the
//! expected counts times P(feed not empty) = 1 − e^{−D} (a Poisson count of D items) is the
//! expected fraction, 0 for an empty feed, and stays finite down to p = 0. Left out: the
//! in-network quota (`size − n_oon`; the shipped market's readers follow ~5 accounts with
//! under one item each in the window), an agent's own items in the out-of-network pool, and
//! the correlation between an author's items and its being a seller beyond the window sums.

use rayon::prelude::*;

use emergent_sim::network::Network;

/// Agents per parallel task.
const CHUNK: usize = 1024;

/// The expected feed of every reader for one tick: the counts it needs again in `adjoint`.
pub struct FeedShares {
    /// Expected items in i's feed, D_i.
    pub items: Vec<f64>,
    /// Expected seller items in i's feed (Y_i + φS), and buyer items (Y'_i + φS').
    pub sellers: Vec<f64>,
    pub buyers: Vec<f64>,
    /// The window's totals P, S and S'.
    pub pool: f64,
    pub pool_sellers: f64,
    pub pool_buyers: f64,
}

/// Per-author window counts: expected items, items by a recent seller, by a recent buyer.
pub struct Authors<'a> {
    pub items: &'a [f64],
    pub sellers: &'a [f64],
    pub buyers: &'a [f64],
}

/// Adjoints of [`Authors`] and of the participation p.
pub struct AuthorsBar {
    pub items: Vec<f64>,
    pub sellers: Vec<f64>,
    pub buyers: Vec<f64>,
    pub p: Vec<f64>,
}

/// Adjoints of every reader's expected feed size D_i and of φ from outside the shares (the
/// pool's noise, [`FeedShares::pool_noise`]).
#[derive(Clone, Copy, Default)]
pub struct Direct<'a> {
    pub items: Option<&'a [f64]>,
    pub phi: f64,
}

/// How strongly the readers' flow answers the out-of-network pool: per reader, the flow per
/// unit of seller share (`sell`) and of buyer share (`buy`).
pub struct Response<'a> {
    pub sell: &'a [f64],
    pub buy: &'a [f64],
}

/// Adjoints of [`FeedShares::pool_noise`]'s inputs.
pub struct NoiseBar {
    pub sell: Vec<f64>,
    pub buy: Vec<f64>,
    pub items: Vec<f64>,
    pub phi: f64,
    /// Per author: ∂/∂p, ∂/∂(seller items), ∂/∂(buyer items).
    pub p: Vec<f64>,
    pub sellers: Vec<f64>,
    pub buyers: Vec<f64>,
}

/// (1 − e^{−D})/D and its derivative; 1 and −½ at D = 0.
pub fn nonempty_ratio(d: f64) -> (f64, f64) {
    if d < 1e-3 {
        (
            1.0 - d / 2.0 + d * d / 6.0 - d * d * d / 24.0,
            -0.5 + d / 3.0 - d * d / 8.0,
        )
    } else {
        let e = (-d).exp();
        ((1.0 - e) / d, (e * (d + 1.0) - 1.0) / (d * d))
    }
}

/// φ(P) = (1 + (P/n)^8)^(−1/8), so that φP = smin(n, P); and dφ/dP. 0 when n = 0.
pub(crate) fn out_of_network_factor(pool: f64, n_oon: f64) -> (f64, f64) {
    if n_oon <= 0.0 {
        return (0.0, 0.0);
    }
    let r = pool / n_oon;
    let r8 = r.powi(8);
    let phi = (1.0 + r8).powf(-0.125);
    // dφ/dP = −(1/8)(1 + r^8)^(−9/8) · 8 r^7 / n.
    let dphi = -(1.0 + r8).powf(-1.125) * r.powi(7) / n_oon;
    (phi, dphi)
}

impl FeedShares {
    /// The expected feeds for participation `p`, window counts `a` and `n_oon`
    /// out-of-network items per feed. `buyers` is skipped (left zero) when `with_buyers` is
    /// false.
    pub fn new(net: &Network, p: &[f64], a: &Authors<'_>, n_oon: f64, with_buyers: bool) -> Self {
        let dot = |x: &[f64]| -> f64 { p.iter().zip(x).map(|(p, x)| p * x).sum() };
        let pool = dot(a.items);
        let pool_sellers = dot(a.sellers);
        let pool_buyers = if with_buyers { dot(a.buyers) } else { 0.0 };
        let (phi, _) = out_of_network_factor(pool, n_oon);
        let rows: Vec<(f64, f64, f64)> = (0..p.len())
            .into_par_iter()
            .with_min_len(CHUNK)
            .map(|i| {
                let (mut x, mut y, mut z) = (0.0, 0.0, 0.0);
                for &j in net.followees(i as u32) {
                    let j = j as usize;
                    x += p[j] * a.items[j];
                    y += p[j] * a.sellers[j];
                    if with_buyers {
                        z += p[j] * a.buyers[j];
                    }
                }
                (
                    x + phi * pool,
                    y + phi * pool_sellers,
                    z + phi * pool_buyers,
                )
            })
            .collect();
        let mut out = Self {
            items: Vec::with_capacity(rows.len()),
            sellers: Vec::with_capacity(rows.len()),
            buyers: Vec::with_capacity(rows.len()),
            pool,
            pool_sellers,
            pool_buyers,
        };
        for (x, y, z) in rows {
            out.items.push(x);
            out.sellers.push(y);
            out.buyers.push(z);
        }
        out
    }

    /// The expected fraction of seller items in i's feed.
    pub fn seller_share(&self, i: usize) -> f64 {
        self.sellers[i] * nonempty_ratio(self.items[i]).0
    }

    /// The expected fraction of buyer items in i's feed.
    pub fn buyer_share(&self, i: usize) -> f64 {
        self.buyers[i] * nonempty_ratio(self.items[i]).0
    }

    /// The adjoint: given ∂M/∂(seller share) and ∂M/∂(buyer share) of every reader, ∂M/∂ of
    /// every author's window counts and of p.
    #[allow(clippy::too_many_arguments)]
    pub fn adjoint(
        &self,
        net: &Network,
        p: &[f64],
        a: &Authors<'_>,
        n_oon: f64,
        seller_bar: &[f64],
        buyer_bar: &[f64],
        direct: Direct<'_>,
    ) -> AuthorsBar {
        let n = p.len();
        // Per reader: adjoints of D_i, of Y_i + φS and of Y'_i + φS'.
        let mut d_bar = vec![0.0; n];
        let mut y_bar = vec![0.0; n];
        let mut z_bar = vec![0.0; n];
        for i in 0..n {
            let (g, dg) = nonempty_ratio(self.items[i]);
            y_bar[i] = seller_bar[i] * g;
            z_bar[i] = buyer_bar[i] * g;
            d_bar[i] = (seller_bar[i] * self.sellers[i] + buyer_bar[i] * self.buyers[i]) * dg
                + direct.items.map_or(0.0, |d| d[i]);
        }
        let (sum_d, sum_y, sum_z) = (
            d_bar.iter().sum::<f64>(),
            y_bar.iter().sum::<f64>(),
            z_bar.iter().sum::<f64>(),
        );
        let (phi, dphi) = out_of_network_factor(self.pool, n_oon);
        let phi_bar =
            sum_d * self.pool + sum_y * self.pool_sellers + sum_z * self.pool_buyers + direct.phi;
        let pool_bar = sum_d * phi + phi_bar * dphi;
        let (sellers_total_bar, buyers_total_bar) = (sum_y * phi, sum_z * phi);
        let cols: Vec<(f64, f64, f64)> = (0..n)
            .into_par_iter()
            .with_min_len(CHUNK)
            .map(|j| {
                let (mut x, mut y, mut z) = (pool_bar, sellers_total_bar, buyers_total_bar);
                for &i in net.followers(j as u32) {
                    let i = i as usize;
                    x += d_bar[i];
                    y += y_bar[i];
                    z += z_bar[i];
                }
                (x, y, z)
            })
            .collect();
        let mut bar = AuthorsBar {
            items: Vec::with_capacity(n),
            sellers: Vec::with_capacity(n),
            buyers: Vec::with_capacity(n),
            p: Vec::with_capacity(n),
        };
        for (j, (x, y, z)) in cols.into_iter().enumerate() {
            bar.items.push(p[j] * x);
            bar.sellers.push(p[j] * y);
            bar.buyers.push(p[j] * z);
            bar.p
                .push(x * a.items[j] + y * a.sellers[j] + z * a.buyers[j]);
        }
        bar
    }
}

impl FeedShares {
    /// The variance of the flow that the out-of-network pool's chance makes common to every
    /// reader: every feed samples the same window, so when a few authors speak, a few more
    /// or fewer sellers among them move every reader's share together. With the seller items
    /// of author k a Poisson count of mean p_k s_k, Var S = Σ p_k² s_k; reader i's share moves
    /// by φ g(D_i) per item, so the flow by ρ = φ Σ_i response_i g(D_i) per item:
    /// ρ_s² Var S + ρ_b² Var S'. Negligible when many speak (φ ∝ 1/P), a few % of the
    /// flow's variance when 1 % do.
    pub fn pool_noise(&self, p: &[f64], a: &Authors<'_>, n_oon: f64, r: &Response<'_>) -> f64 {
        let (phi, _) = out_of_network_factor(self.pool, n_oon);
        let (mut rho_s, mut rho_b) = (0.0, 0.0);
        for (i, &d) in self.items.iter().enumerate() {
            let g = nonempty_ratio(d).0;
            rho_s += r.sell[i] * g;
            rho_b += r.buy[i] * g;
        }
        let (rho_s, rho_b) = (phi * rho_s, phi * rho_b);
        let (mut var_s, mut var_b) = (0.0, 0.0);
        for (k, &pk) in p.iter().enumerate() {
            var_s += pk * pk * a.sellers[k];
            var_b += pk * pk * a.buyers[k];
        }
        rho_s * rho_s * var_s + rho_b * rho_b * var_b
    }

    /// The adjoint of [`FeedShares::pool_noise`] for its adjoint `bar`.
    pub fn pool_noise_adjoint(
        &self,
        p: &[f64],
        a: &Authors<'_>,
        n_oon: f64,
        r: &Response<'_>,
        bar: f64,
    ) -> NoiseBar {
        let n = p.len();
        let (phi, _) = out_of_network_factor(self.pool, n_oon);
        let (mut sum_s, mut sum_b) = (0.0, 0.0);
        for (i, &d) in self.items.iter().enumerate() {
            let g = nonempty_ratio(d).0;
            sum_s += r.sell[i] * g;
            sum_b += r.buy[i] * g;
        }
        let (rho_s, rho_b) = (phi * sum_s, phi * sum_b);
        let (mut var_s, mut var_b) = (0.0, 0.0);
        for (k, &pk) in p.iter().enumerate() {
            var_s += pk * pk * a.sellers[k];
            var_b += pk * pk * a.buyers[k];
        }
        let (rho_s_bar, rho_b_bar) = (bar * 2.0 * rho_s * var_s, bar * 2.0 * rho_b * var_b);
        let (var_s_bar, var_b_bar) = (bar * rho_s * rho_s, bar * rho_b * rho_b);
        let mut out = NoiseBar {
            sell: Vec::with_capacity(n),
            buy: Vec::with_capacity(n),
            items: Vec::with_capacity(n),
            phi: rho_s_bar * sum_s + rho_b_bar * sum_b,
            p: Vec::with_capacity(n),
            sellers: Vec::with_capacity(n),
            buyers: Vec::with_capacity(n),
        };
        for (i, &pk) in p.iter().enumerate() {
            let (g, dg) = nonempty_ratio(self.items[i]);
            out.sell.push(rho_s_bar * phi * g);
            out.buy.push(rho_b_bar * phi * g);
            out.items
                .push((rho_s_bar * r.sell[i] + rho_b_bar * r.buy[i]) * phi * dg);
            out.p
                .push(2.0 * pk * (var_s_bar * a.sellers[i] + var_b_bar * a.buyers[i]));
            out.sellers.push(var_s_bar * pk * pk);
            out.buyers.push(var_b_bar * pk * pk);
        }
        out
    }
}
