//! The radicalization twin's in-network feed over its expected follow graph
//! ([`crate::rewiring`]): which followees are i's in-network candidates at tick t, given the
//! surviving initial edges e_ij(t) and the A_i(t) acquired followees.
//!
//! The engine's in-network part (crates/sim `feed.rs`) holds up to Q items of whoever i follows
//! *now*: as listeners follow close speakers and unfollow far ones, their slots fill with
//! like-minded accounts. In the twin:
//!
//! - a surviving initial edge is in the feed with ρ_ij e_ij, ρ_ij its inclusion given that i
//!   still follows j ([`crate::feed_model`], `in_network_over`: j's existence, and the chance
//!   that fewer than Q of i's followees with a higher id are still followed and speak — an
//!   unfollow ahead of j frees a slot for it);
//! - the acquired followees bring A_i expected items (they were contacted, so they speak);
//! - together they are T_i = Σ_j e_ij ρ_ij + A_i expected items for Q slots: when T_i > Q every
//!   one is kept with the same share σ_i = Q / smax(Q, T_i) (acquired ids are spread among the
//!   initial ones, so the chronological ranking favours neither). smax is the C¹ maximum that is
//!   exactly Q for T ≤ Q and T − 1 from T ≥ Q + 2 (a quadratic between): σ = 1 until the slots
//!   are full, so a graph that has not rewired (e = 1, A = 0, T = Σρ ≤ Q) gives the initial
//!   graph's feed exactly.
//!
//! So the in-network weights of tick t are ρ̃_ij = σ_i e_ij ρ_ij per initial edge and Ã_i = σ_i A_i
//! acquired items; the radicalization twin spreads the acquired over the speakers like i's
//! out-of-network contacts (∝ w_k g_ik), as the rewiring does (at their mean stance they sat in
//! the empty middle between two camps).

use crate::feed_model::Feed;

/// Half-width of the quadratic blend of smax(Q, T), in items.
const BLEND: f64 = 1.0;

/// The in-network weights of one tick.
pub(crate) struct Coupled {
    /// ρ̃ per initial edge (CSR order of `Network::followees`).
    pub(crate) rho: Vec<f64>,
    /// Ã per agent: the acquired followees' expected items in the feed.
    pub(crate) acq: Vec<f64>,
    /// σ_i and dσ_i/dT_i.
    sigma: Vec<(f64, f64)>,
}

/// σ = Q / smax(Q, T) and dσ/dT.
fn share(q: f64, t: f64) -> (f64, f64) {
    if q <= 0.0 {
        return (0.0, 0.0);
    }
    let (m, dm) = if t <= q {
        (q, 0.0)
    } else if t < q + 2.0 * BLEND {
        let d = t - q;
        (q + d * d / (4.0 * BLEND), d / (2.0 * BLEND))
    } else {
        (t - BLEND, 1.0)
    };
    (q / m, -q * dm / (m * m))
}

/// The in-network weights at the graph (e, A), for `slots` = Q in-network slots; `rho` is
/// the inclusion of each initial edge given that it survives, at this graph.
pub(crate) fn couple(feed: &Feed, rho_in: &[f64], slots: usize, e: &[f64], a: &[f64]) -> Coupled {
    let q = slots as f64;
    let mut rho = Vec::with_capacity(feed.rho.len());
    let mut acq = Vec::with_capacity(a.len());
    let mut sigma = Vec::with_capacity(a.len());
    for (i, &ai) in a.iter().enumerate() {
        let range = feed.offsets[i]..feed.offsets[i + 1];
        let kept: f64 = rho_in[range.clone()]
            .iter()
            .zip(&e[range.clone()])
            .map(|(r, ee)| r * ee)
            .sum();
        let (s, ds) = share(q, kept + ai);
        rho.extend(
            rho_in[range.clone()]
                .iter()
                .zip(&e[range])
                .map(|(r, ee)| s * r * ee),
        );
        acq.push(s * ai);
        sigma.push((s, ds));
    }
    Coupled { rho, acq, sigma }
}

/// Adjoint of [`couple`]: from ∂M/∂ρ̃ and ∂M/∂Ã, add ∂M/∂ρ (`rho_in`'s), ∂M/∂e and ∂M/∂A.
#[allow(clippy::too_many_arguments)]
pub(crate) fn couple_back(
    feed: &Feed,
    rho_in: &[f64],
    e: &[f64],
    a: &[f64],
    c: &Coupled,
    rho_t_bar: &[f64],
    acq_bar: &[f64],
    rho_bar: &mut [f64],
    e_bar: &mut [f64],
    a_bar: &mut [f64],
) {
    for i in 0..a.len() {
        let range = feed.offsets[i]..feed.offsets[i + 1];
        let (s, ds) = c.sigma[i];
        // ρ̃ = σ e ρ, Ã = σ A; σ = σ(T), T = Σ e ρ + A.
        let mut s_bar = acq_bar[i] * a[i];
        a_bar[i] += acq_bar[i] * s;
        for k in range.clone() {
            s_bar += rho_t_bar[k] * e[k] * rho_in[k];
            rho_bar[k] += rho_t_bar[k] * s * e[k];
            e_bar[k] += rho_t_bar[k] * s * rho_in[k];
        }
        let t_bar = s_bar * ds;
        if t_bar != 0.0 {
            a_bar[i] += t_bar;
            for k in range {
                rho_bar[k] += t_bar * e[k];
                e_bar[k] += t_bar * rho_in[k];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::share;

    #[test]
    fn the_share_is_one_until_the_slots_fill_and_smooth_after() {
        assert_eq!(share(20.0, 0.0), (1.0, 0.0));
        assert_eq!(share(20.0, 20.0), (1.0, 0.0));
        assert_eq!(share(0.0, 5.0), (0.0, 0.0));
        // Q/(T − 1) once the blend is past; continuous and C¹ across both joints.
        assert!((share(20.0, 40.0).0 - 20.0 / 39.0).abs() < 1e-15);
        for t in [20.0, 21.0, 22.0, 30.0] {
            let e = 1e-7;
            let fd = (share(20.0, t + e).0 - share(20.0, t - e).0) / (2.0 * e);
            assert!((fd - share(20.0, t).1).abs() < 1e-7, "{t}: {fd}");
        }
    }
}
