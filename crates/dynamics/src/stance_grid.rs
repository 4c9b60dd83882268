//! Kernel sums over the whole population in O(N + T²) a tick: Σ_k m_k h(x_i − x_k) for every
//! agent i, through a fixed grid of stances (the radicalization twin's out-of-network feed,
//! where any speaker can be a candidate of anyone).
//!
//! Stances are unbounded, so the grid is uniform in u = asinh(x/σ): fine near 0, where
//! opinions start and the camps settle (spacing σ·du), and geometric further out (relative
//! spacing du), up to ±`X_MAX` (beyond, an agent sits at the end node). A mass m_k is spread
//! over the three nodes around x_k with quadratic B-spline weights L_a(x_k), the kernel is
//! taken between nodes, and read back at x_i with the same weights:
//! g(x_i, x_k) = Σ_{a,b} L_a(x_i) h(X_a − X_b) L_b(x_k). Only nodes next to some agent are
//! touched (the set T), so a tick costs O(N + |T|²) with |T| ≤ 2N and in practice a few
//! hundred. Everything is linear in the masses and C¹ in the stances; the adjoint is exact.

use rayon::prelude::*;

/// Scale σ of the asinh map: the spacing near 0 is σ·du.
const SIGMA: f64 = 1.0;
/// The largest |stance| the grid resolves.
const X_MAX: f64 = 1e5;
/// Nodes of the grid: du = 2·asinh(X_MAX/σ)/(NODES − 1) ≈ 0.012, a spacing of 0.012 near 0
/// and 0.038 at |x| = 3, beside a kernel width δ = 0.2.
const NODES: usize = 2048;

/// Where a stance sits on the grid: centre node `c` of its three quadratic B-spline weights
/// `l` (nodes c − 1, c, c + 1) and their derivatives in x, `dl`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Loc {
    c: u32,
    l: [f64; 3],
    dl: [f64; 3],
}

fn grid_du() -> (f64, f64) {
    let u_max = (X_MAX / SIGMA).asinh();
    (u_max, 2.0 * u_max / (NODES - 1) as f64)
}

fn node_x(a: usize) -> f64 {
    let (u_max, du) = grid_du();
    SIGMA * (-u_max + a as f64 * du).sinh()
}

/// Locate `x` on the grid. Quadratic B-spline weights make every grid sum C¹ in the stances
/// (linear weights would give the outcome a kink wherever a stance crosses a node, and the
/// quadrature in α would stall on them).
pub(crate) fn locate(x: f64) -> Loc {
    let (u_max, du) = grid_du();
    let t = ((x / SIGMA).asinh() + u_max) / du;
    let (lo, hi) = (1.0, (NODES - 2) as f64);
    let (t, dtdx) = if t.is_nan() || t <= lo {
        (lo, 0.0)
    } else if t >= hi {
        (hi, 0.0)
    } else {
        (t, 1.0 / (du * (SIGMA * SIGMA + x * x).sqrt()))
    };
    let c = t.round();
    let z = t - c;
    Loc {
        c: c as u32,
        l: [
            0.5 * (0.5 - z).powi(2),
            0.75 - z * z,
            0.5 * (0.5 + z).powi(2),
        ],
        dl: [-(0.5 - z) * dtdx, -2.0 * z * dtdx, (0.5 + z) * dtdx],
    }
}

/// One tick's grid: every agent's location, the touched nodes and the kernel between them.
pub(crate) struct Stencil {
    pub(crate) locs: Vec<Loc>,
    /// Position in `nodes` of each grid node (u32::MAX if untouched).
    slot: Vec<u32>,
    /// Kernel between touched nodes, row-major, |T|×|T| (symmetric).
    k: Vec<f64>,
    t: usize,
}

impl Stencil {
    /// The grid of the stances `x` under the kernel `h` (a function of the distance).
    pub(crate) fn new(x: &[f64], h: impl Fn(f64) -> f64 + Sync) -> Self {
        let locs: Vec<Loc> = x.iter().map(|&v| locate(v)).collect();
        let mut touched = vec![false; NODES];
        for l in &locs {
            touched[l.c as usize - 1..=l.c as usize + 1].fill(true);
        }
        let mut slot = vec![u32::MAX; NODES];
        let mut xs = Vec::new();
        for (a, &on) in touched.iter().enumerate() {
            if on {
                slot[a] = xs.len() as u32;
                xs.push(node_x(a));
            }
        }
        let t = xs.len();
        let k: Vec<f64> = (0..t * t)
            .into_par_iter()
            .with_min_len(4096)
            .map(|e| h(xs[e / t] - xs[e % t]))
            .collect();
        Self { locs, slot, k, t }
    }

    #[inline]
    fn slots(&self, l: Loc) -> [usize; 3] {
        let c = l.c as usize;
        [
            self.slot[c - 1] as usize,
            self.slot[c] as usize,
            self.slot[c + 1] as usize,
        ]
    }

    /// Σ_k L(x_k) m_k on the touched nodes.
    pub(crate) fn deposit(&self, m: &[f64]) -> Vec<f64> {
        let mut d = vec![0.0; self.t];
        for (l, &v) in self.locs.iter().zip(m) {
            for (a, wa) in self.slots(*l).into_iter().zip(l.l) {
                d[a] += wa * v;
            }
        }
        d
    }

    /// K·d on the touched nodes.
    pub(crate) fn apply(&self, d: &[f64]) -> Vec<f64> {
        let t = self.t;
        (0..t)
            .into_par_iter()
            .with_min_len(64)
            .map(|a| {
                self.k[a * t..(a + 1) * t]
                    .iter()
                    .zip(d)
                    .map(|(k, v)| k * v)
                    .sum()
            })
            .collect()
    }

    /// A node field read at agent `i`, and its derivative in x_i.
    #[inline]
    pub(crate) fn read(&self, field: &[f64], i: usize) -> (f64, f64) {
        let l = self.locs[i];
        let (mut v, mut dv) = (0.0, 0.0);
        for ((a, wa), da) in self.slots(l).into_iter().zip(l.l).zip(l.dl) {
            v += wa * field[a];
            dv += da * field[a];
        }
        (v, dv)
    }

    /// g(x_i, x_j) and its derivatives in x_i and in x_j.
    #[inline]
    pub(crate) fn kernel(&self, i: usize, j: usize) -> (f64, f64, f64) {
        let (li, lj) = (self.locs[i], self.locs[j]);
        let (ai, bj) = (self.slots(li), self.slots(lj));
        let t = self.t;
        let (mut g, mut gi, mut gj) = (0.0, 0.0, 0.0);
        for ((a, la), dla) in ai.into_iter().zip(li.l).zip(li.dl) {
            // Row of node a read at x_j, and its derivative in x_j.
            let (mut r, mut dr) = (0.0, 0.0);
            for ((b, lb), dlb) in bj.into_iter().zip(lj.l).zip(lj.dl) {
                let k = self.k[a * t + b];
                r += lb * k;
                dr += dlb * k;
            }
            g += la * r;
            gi += dla * r;
            gj += la * dr;
        }
        (g, gi, gj)
    }

    /// The field Σ_k g(x_i, x_k) m_k for every agent i (forward), with the node field kept for
    /// the adjoint.
    pub(crate) fn sum(&self, m: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let field = self.apply(&self.deposit(m));
        let out = (0..self.locs.len())
            .map(|i| self.read(&field, i).0)
            .collect();
        (out, field)
    }

    /// Adjoint of [`Stencil::sum`]: given ∂M/∂out (`bar`) and the forward node field, add
    /// ∂M/∂x to `x_bar` and return ∂M/∂m.
    pub(crate) fn sum_back(
        &self,
        m: &[f64],
        field: &[f64],
        bar: &[f64],
        x_bar: &mut [f64],
    ) -> Vec<f64> {
        for (i, xb) in x_bar.iter_mut().enumerate() {
            *xb += bar[i] * self.read(field, i).1;
        }
        let back = self.apply(&self.deposit(bar));
        (0..m.len())
            .map(|i| {
                let (v, dv) = self.read(&back, i);
                x_bar[i] += m[i] * dv;
                v
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(d: f64) -> f64 {
        (d * d + 0.04).powf(-1.5)
    }

    #[test]
    fn grid_sums_track_the_exact_kernel_sum() {
        let x: Vec<f64> = (0..200).map(|i| -3.0 + 0.031 * i as f64).collect();
        let m: Vec<f64> = (0..200).map(|i| 0.5 + (i % 7) as f64 / 7.0).collect();
        let st = Stencil::new(&x, h);
        let (out, _) = st.sum(&m);
        for i in (0..200).step_by(17) {
            let exact: f64 = (0..200).map(|k| m[k] * h(x[i] - x[k])).sum();
            assert!(
                (out[i] - exact).abs() < 0.02 * exact,
                "{i}: {} vs {exact}",
                out[i]
            );
        }
    }

    #[test]
    fn pair_kernel_is_the_grid_sum_of_one_mass_and_its_derivatives_are_exact() {
        let x = vec![0.3, -1.7, 2.45, 40.0];
        let st = Stencil::new(&x, h);
        let (out, _) = st.sum(&[0.0, 1.0, 0.0, 0.0]);
        let (g, gi, gj) = st.kernel(0, 1);
        assert!((out[0] - g).abs() < 1e-12 * g);
        let e = 1e-7;
        for (which, d) in [(0usize, gi), (1, gj)] {
            let (mut p, mut q) = (x.clone(), x.clone());
            p[which] += e;
            q[which] -= e;
            let fd = (Stencil::new(&p, h).kernel(0, 1).0 - Stencil::new(&q, h).kernel(0, 1).0)
                / (2.0 * e);
            assert!((fd - d).abs() < 1e-5 * d.abs().max(1e-3), "{fd} vs {d}");
        }
    }
}
