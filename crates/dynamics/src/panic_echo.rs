//! The herding that follows a large cluster's move in the herding market twin.
//!
//! When a large herding cluster sells (buys), each of its active members posts a bearish
//! (bullish) item, which raises the seller (buyer) share in the feeds of the next `window`
//! ticks: the readers herd in the cluster's direction and extend its move. The expected
//! |return| of the cluster's jumps therefore grows by the echo's flow over those ticks,
//! (λ/N)·window·(c_s E_s + c_b E_b), with
//!
//! > E = Σ_i response_i · g(D_i) · (Σ_{j∈followees(i)∩L} p_j α_j + φ Σ_{k∈L} p_k α_k),
//!
//! L the members of large clusters, g(D) = (1 − e^{−D})/D the share one item adds to a feed of
//! D expected items, φ the out-of-network factor (`panic_feed.rs`), and response_i reader i's
//! flow per unit of share. Through p it depends on who speaks: the best-followed accounts are
//! the most likely to sit in the giant cluster (a node of degree k joins it with probability
//! about 1 − (1 − S)^{kept links}), so a world in which only they speak hears the giant
//! cluster louder than the full world does, and its jumps echo further.

use rayon::prelude::*;

use emergent_sim::network::Network;

use crate::panic_feed::{FeedShares, Response, nonempty_ratio, out_of_network_factor};

/// Agents per parallel task.
const CHUNK: usize = 1024;

/// The large clusters' members and the activities.
pub struct Echo<'a> {
    pub net: &'a Network,
    pub large: &'a [bool],
    pub activity: &'a [f64],
}

/// Adjoints of the echo's inputs.
pub struct EchoBar {
    pub sell: Vec<f64>,
    pub buy: Vec<f64>,
    /// ∂/∂D_i and ∂/∂φ (into the feed's adjoint), ∂/∂p_j.
    pub items: Vec<f64>,
    pub phi: f64,
    pub p: Vec<f64>,
}

impl Echo<'_> {
    /// Σ_{j∈followees(i)∩L} p_j α_j per reader, and Σ_{k∈L} p_k α_k.
    fn heard(&self, p: &[f64]) -> (Vec<f64>, f64) {
        let loud = |j: usize| {
            if self.large[j] {
                p[j] * self.activity[j]
            } else {
                0.0
            }
        };
        let per_reader = (0..p.len())
            .into_par_iter()
            .with_min_len(CHUNK)
            .map(|i| {
                self.net
                    .followees(i as u32)
                    .iter()
                    .map(|&j| loud(j as usize))
                    .sum()
            })
            .collect();
        (per_reader, (0..p.len()).map(loud).sum())
    }

    /// (E_s, E_b): the flow per tick that a large cluster's sale (purchase) sets off.
    pub fn echo(&self, feed: &FeedShares, p: &[f64], n_oon: f64, r: &Response<'_>) -> (f64, f64) {
        let (phi, _) = out_of_network_factor(feed.pool, n_oon);
        let (x, total) = self.heard(p);
        let (mut es, mut eb) = (0.0, 0.0);
        for (i, &xi) in x.iter().enumerate() {
            let m = nonempty_ratio(feed.items[i]).0 * (xi + phi * total);
            es += r.sell[i] * m;
            eb += r.buy[i] * m;
        }
        (es, eb)
    }

    /// The adjoint of [`Echo::echo`] for the adjoints of E_s and E_b.
    pub fn adjoint(
        &self,
        feed: &FeedShares,
        p: &[f64],
        n_oon: f64,
        r: &Response<'_>,
        es_bar: f64,
        eb_bar: f64,
    ) -> EchoBar {
        let n = p.len();
        let (phi, _) = out_of_network_factor(feed.pool, n_oon);
        let (x, total) = self.heard(p);
        let mut out = EchoBar {
            sell: Vec::with_capacity(n),
            buy: Vec::with_capacity(n),
            items: Vec::with_capacity(n),
            phi: 0.0,
            p: Vec::with_capacity(n),
        };
        let mut x_bar = Vec::with_capacity(n);
        let mut total_bar = 0.0;
        for (i, &xi) in x.iter().enumerate() {
            let (g, dg) = nonempty_ratio(feed.items[i]);
            let heard = xi + phi * total;
            let m_bar = es_bar * r.sell[i] + eb_bar * r.buy[i];
            out.sell.push(es_bar * g * heard);
            out.buy.push(eb_bar * g * heard);
            out.items.push(m_bar * dg * heard);
            x_bar.push(m_bar * g);
            out.phi += m_bar * g * total;
            total_bar += m_bar * g * phi;
        }
        out.p = (0..n)
            .into_par_iter()
            .with_min_len(CHUNK)
            .map(|j| {
                if !self.large[j] {
                    return 0.0;
                }
                let readers: f64 = self
                    .net
                    .followers(j as u32)
                    .iter()
                    .map(|&i| x_bar[i as usize])
                    .sum();
                self.activity[j] * (readers + total_bar)
            })
            .collect();
        out
    }
}
