//! Evaluation and reverse-mode differentiation of indicator tapes.
//!
//! Agent tapes run over chunks of agents (vectorised loops the compiler can unroll); the outer
//! tape runs once on the aggregates' values. `forward` keeps every intermediate so `backward`
//! can propagate adjoints in one reverse sweep.

use crate::tape::{Node, Tape};

/// Value of a tape on scalar leaves.
pub(crate) fn scalar_value(tape: &Tape, leaves: &[f64]) -> f64 {
    let mut vals = vec![0.0; tape.nodes.len()];
    forward_scalar(tape, leaves, &mut vals);
    vals.last().copied().unwrap_or(0.0)
}

/// [`scalar_value`] with caller-owned scratch (`vals.len() ≥ tape.nodes.len()`), for hot loops.
pub(crate) fn scalar_value_with(tape: &Tape, leaves: &[f64], vals: &mut [f64]) -> f64 {
    let vals = &mut vals[..tape.nodes.len()];
    forward_scalar(tape, leaves, vals);
    vals.last().copied().unwrap_or(0.0)
}

fn forward_scalar(tape: &Tape, leaves: &[f64], vals: &mut [f64]) {
    for (i, n) in tape.nodes.iter().enumerate() {
        let v = |k: u32| vals[k as usize];
        vals[i] = match *n {
            Node::Const(c) => c,
            Node::Leaf(k) => leaves[k],
            Node::Neg(a) => -v(a),
            Node::Add(a, b) => v(a) + v(b),
            Node::Sub(a, b) => v(a) - v(b),
            Node::Mul(a, b) => v(a) * v(b),
            Node::Div(a, b) => v(a) / v(b),
            Node::Log1p(a) => v(a).ln_1p(),
            Node::Ln(a) => v(a).ln(),
            Node::Exp(a) => v(a).exp(),
            Node::Sqrt(a) => v(a).sqrt(),
            Node::Abs(a) => v(a).abs(),
            Node::Pow(a, c) => pow(v(a), c),
            Node::Greater(a, b) => step(v(a) > v(b)),
            Node::GreaterEq(a, b) => step(v(a) >= v(b)),
        };
    }
}

/// Value and gradient (w.r.t. the leaves) of a tape on scalar leaves.
pub(crate) fn scalar_gradient(tape: &Tape, leaves: &[f64]) -> (f64, Vec<f64>) {
    let n = tape.nodes.len();
    let mut vals = vec![0.0; n];
    forward_scalar(tape, leaves, &mut vals);
    let mut adj = vec![0.0; n];
    let mut grad = vec![0.0; leaves.len()];
    adj[n - 1] = 1.0;
    for i in (0..n).rev() {
        let g = adj[i];
        if g == 0.0 {
            continue;
        }
        let (d, push) = partials(tape.nodes[i], &vals, vals[i]);
        match tape.nodes[i] {
            Node::Leaf(k) => grad[k] += g,
            _ => {
                for (k, dk) in push.iter().zip(d) {
                    if let Some(k) = k {
                        adj[*k as usize] += g * dk;
                    }
                }
            }
        }
    }
    (vals[n - 1], grad)
}

#[inline]
fn pow(x: f64, c: f64) -> f64 {
    if c == 2.0 {
        x * x
    } else if c == 1.0 {
        x
    } else {
        x.powf(c)
    }
}

/// Local partial derivatives of node `n` (value `y`) w.r.t. its operands.
#[inline]
fn partials(n: Node, vals: &[f64], y: f64) -> ([f64; 2], [Option<u32>; 2]) {
    let v = |k: u32| vals[k as usize];
    match n {
        Node::Const(_) | Node::Leaf(_) => ([0.0; 2], [None, None]),
        Node::Neg(a) => ([-1.0, 0.0], [Some(a), None]),
        Node::Add(a, b) => ([1.0, 1.0], [Some(a), Some(b)]),
        Node::Sub(a, b) => ([1.0, -1.0], [Some(a), Some(b)]),
        Node::Mul(a, b) => ([v(b), v(a)], [Some(a), Some(b)]),
        Node::Div(a, b) => ([1.0 / v(b), -y / v(b)], [Some(a), Some(b)]),
        Node::Log1p(a) => ([1.0 / (1.0 + v(a)), 0.0], [Some(a), None]),
        Node::Ln(a) => ([1.0 / v(a), 0.0], [Some(a), None]),
        Node::Exp(a) => ([y, 0.0], [Some(a), None]),
        Node::Sqrt(a) => ([0.5 / y, 0.0], [Some(a), None]),
        Node::Abs(a) => ([sign(v(a)), 0.0], [Some(a), None]),
        Node::Pow(a, c) => ([c * pow(v(a), c - 1.0), 0.0], [Some(a), None]),
        Node::Greater(..) | Node::GreaterEq(..) => ([0.0; 2], [None, None]),
    }
}

/// A comparison's value: 1 when it holds, else 0.
#[inline]
fn step(holds: bool) -> f64 {
    if holds { 1.0 } else { 0.0 }
}

#[inline]
fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// The columns an agent tape reads, for a chunk of agents: `leaf(k)` is column k's values.
pub(crate) trait Leaves {
    fn leaf(&self, k: usize) -> &[f64];
}

impl<L: AsRef<[f64]>> Leaves for [L] {
    fn leaf(&self, k: usize) -> &[f64] {
        self[k].as_ref()
    }
}

impl<L: AsRef<[f64]>> Leaves for Vec<L> {
    fn leaf(&self, k: usize) -> &[f64] {
        self[k].as_ref()
    }
}

impl<L: AsRef<[f64]>, const N: usize> Leaves for [L; N] {
    fn leaf(&self, k: usize) -> &[f64] {
        self[k].as_ref()
    }
}

/// Some of the columns: `values[p]` is column `columns[p]` (ascending). An aggregate's term
/// reads a few of the indicator's columns; this holds only those.
pub(crate) struct SomeLeaves<'a> {
    pub(crate) columns: &'a [usize],
    pub(crate) values: Vec<&'a [f64]>,
}

impl Leaves for SomeLeaves<'_> {
    fn leaf(&self, k: usize) -> &[f64] {
        let p = self
            .columns
            .binary_search(&k)
            .expect("the leaves hold every column the tape reads");
        self.values[p]
    }
}

/// Most values a [`ChunkEval`] keeps per node array (8 MiB of f64): a long per-agent term is
/// evaluated over fewer agents at a time instead of asking for nodes × block values.
const MAX_SCRATCH_VALUES: usize = 1 << 20;

/// Scratch space for evaluating an agent tape over chunks of up to `m` agents.
///
/// Every node keeps its value for each agent of a sub-chunk (what `backward` and `tangent`
/// read), so a sub-chunk holds `sub = min(m, MAX_SCRATCH_VALUES / nodes)` agents: all of a
/// block for the usual short terms, fewer for a term with thousands of nodes. Each agent's
/// arithmetic is the same whatever the sub-chunk, so results do not depend on it.
pub(crate) struct ChunkEval {
    m: usize,
    /// Agents per sub-chunk; the stride of `vals` and `adj`.
    sub: usize,
    vals: Vec<f64>,
    adj: Vec<f64>,
    /// The output (and tangent) of a chunk longer than `sub`, gathered from its sub-chunks.
    out: Vec<f64>,
    tan: Vec<f64>,
}

impl ChunkEval {
    pub(crate) fn new(tape: &Tape, m: usize) -> Self {
        ChunkEval::for_nodes(tape.nodes.len(), m)
    }

    /// Scratch for any tape of at most `nodes` nodes (one per thread, shared by the
    /// aggregates it evaluates one after another).
    pub(crate) fn for_nodes(nodes: usize, m: usize) -> Self {
        let nodes = nodes.max(1);
        let sub = (MAX_SCRATCH_VALUES / nodes).clamp(1, m.max(1));
        // `adj` is only needed by `backward` and `tangent`, which size it on first use.
        ChunkEval {
            m,
            sub,
            vals: vec![0.0; nodes * sub],
            adj: Vec::new(),
            out: Vec::new(),
            tan: Vec::new(),
        }
    }

    /// The sub-chunks (start, length) covering `len ≤ m` agents.
    fn pieces(&self, len: usize) -> impl Iterator<Item = (usize, usize)> + use<> {
        let sub = self.sub;
        (0..len).step_by(sub).map(move |lo| (lo, sub.min(len - lo)))
    }

    /// Evaluate on leaves (one slice of length `len ≤ m` per column); returns the output slice.
    pub(crate) fn forward<L: Leaves + ?Sized>(
        &mut self,
        tape: &Tape,
        leaves: &L,
        len: usize,
    ) -> &[f64] {
        debug_assert!(len <= self.m);
        let last = tape.nodes.len() - 1;
        let s = self.sub;
        if len <= s {
            self.forward_rows(tape, leaves, 0, len);
            return &self.vals[last * s..last * s + len];
        }
        self.out.resize(len.max(self.out.len()), 0.0);
        for (lo, l) in self.pieces(len) {
            self.forward_rows(tape, leaves, lo, l);
            self.out[lo..lo + l].copy_from_slice(&self.vals[last * s..last * s + l]);
        }
        &self.out[..len]
    }

    /// Values of every node for agents lo..lo+l (l ≤ sub), into `vals`.
    fn forward_rows<L: Leaves + ?Sized>(&mut self, tape: &Tape, leaves: &L, lo: usize, l: usize) {
        let m = self.sub;
        for (i, node) in tape.nodes.iter().enumerate() {
            let (before, rest) = self.vals.split_at_mut(i * m);
            let out = &mut rest[..l];
            let v = |k: u32| &before[k as usize * m..k as usize * m + l];
            match *node {
                Node::Const(c) => out.fill(c),
                Node::Leaf(k) => out.copy_from_slice(&leaves.leaf(k)[lo..lo + l]),
                Node::Neg(a) => map1(out, v(a), |x| -x),
                Node::Add(a, b) => map2(out, v(a), v(b), |x, y| x + y),
                Node::Sub(a, b) => map2(out, v(a), v(b), |x, y| x - y),
                Node::Mul(a, b) => map2(out, v(a), v(b), |x, y| x * y),
                Node::Div(a, b) => map2(out, v(a), v(b), |x, y| x / y),
                Node::Log1p(a) => map1(out, v(a), f64::ln_1p),
                Node::Ln(a) => map1(out, v(a), f64::ln),
                Node::Exp(a) => map1(out, v(a), f64::exp),
                Node::Sqrt(a) => map1(out, v(a), f64::sqrt),
                Node::Abs(a) => map1(out, v(a), f64::abs),
                Node::Pow(a, c) => map1(out, v(a), |x| pow(x, c)),
                Node::Greater(a, b) => map2(out, v(a), v(b), |x, y| step(x > y)),
                Node::GreaterEq(a, b) => map2(out, v(a), v(b), |x, y| step(x >= y)),
            }
        }
    }

    fn size_adj(&mut self, tape: &Tape) {
        let n = tape.nodes.len() * self.sub;
        if self.adj.len() < n {
            self.adj.resize(n, 0.0);
        }
    }

    /// The output on `leaves` and its directional derivative
    /// Σ_k ∂out/∂leaf_k[r] · dleaves[k][r] for each agent (forward mode, one sweep),
    /// for callers that need d/dα of a term along a path but not the full gradient.
    /// Returns (values, tangents) of the output.
    pub(crate) fn tangent<L: Leaves + ?Sized, D: Leaves + ?Sized>(
        &mut self,
        tape: &Tape,
        leaves: &L,
        dleaves: &D,
        len: usize,
    ) -> (&[f64], &[f64]) {
        self.size_adj(tape);
        let last = tape.nodes.len() - 1;
        let s = self.sub;
        if len <= s {
            self.forward_rows(tape, leaves, 0, len);
            self.tangent_rows(tape, dleaves, 0, len);
            return (
                &self.vals[last * s..last * s + len],
                &self.adj[last * s..last * s + len],
            );
        }
        self.out.resize(len.max(self.out.len()), 0.0);
        self.tan.resize(len.max(self.tan.len()), 0.0);
        for (lo, l) in self.pieces(len) {
            self.forward_rows(tape, leaves, lo, l);
            self.tangent_rows(tape, dleaves, lo, l);
            self.out[lo..lo + l].copy_from_slice(&self.vals[last * s..last * s + l]);
            self.tan[lo..lo + l].copy_from_slice(&self.adj[last * s..last * s + l]);
        }
        (&self.out[..len], &self.tan[..len])
    }

    /// Tangents of every node for agents lo..lo+l, whose values are in `vals`, into `adj`
    /// (forward mode needs one value per node, like reverse).
    fn tangent_rows<D: Leaves + ?Sized>(&mut self, tape: &Tape, dleaves: &D, lo: usize, l: usize) {
        let m = self.sub;
        for (i, node) in tape.nodes.iter().enumerate() {
            let (before, rest) = self.adj.split_at_mut(i * m);
            let out = &mut rest[..l];
            let t = |k: u32| &before[k as usize * m..k as usize * m + l];
            let vals = &self.vals;
            let v = |k: u32| &vals[k as usize * m..k as usize * m + l];
            let y = &vals[i * m..i * m + l];
            match *node {
                Node::Const(_) => out.fill(0.0),
                Node::Leaf(k) => out.copy_from_slice(&dleaves.leaf(k)[lo..lo + l]),
                Node::Neg(a) => map1(out, t(a), |x| -x),
                Node::Add(a, b) => map2(out, t(a), t(b), |x, y| x + y),
                Node::Sub(a, b) => map2(out, t(a), t(b), |x, y| x - y),
                Node::Mul(a, b) => {
                    let (ta, tb, va, vb) = (t(a), t(b), v(a), v(b));
                    for r in 0..l {
                        out[r] = ta[r] * vb[r] + va[r] * tb[r];
                    }
                }
                Node::Div(a, b) => {
                    let (ta, tb, vb) = (t(a), t(b), v(b));
                    for r in 0..l {
                        out[r] = ta[r] / vb[r] - y[r] * tb[r] / vb[r];
                    }
                }
                Node::Log1p(a) => map2(out, t(a), v(a), |t, x| t / (1.0 + x)),
                Node::Ln(a) => map2(out, t(a), v(a), |t, x| t / x),
                Node::Exp(a) => map2(out, t(a), y, |t, y| t * y),
                Node::Sqrt(a) => map2(out, t(a), y, |t, y| t * 0.5 / y),
                Node::Abs(a) => map2(out, t(a), v(a), |t, x| t * sign(x)),
                Node::Pow(a, c) => map2(out, t(a), v(a), |t, x| t * c * pow(x, c - 1.0)),
                // A step is flat on both sides of its jump.
                Node::Greater(..) | Node::GreaterEq(..) => out.fill(0.0),
            }
        }
    }

    /// After `forward` on the same `leaves`: add seed[r] · ∂out/∂leaf_k[r] into `grads[k][r]`.
    pub(crate) fn backward<L: Leaves + ?Sized>(
        &mut self,
        tape: &Tape,
        leaves: &L,
        seed: &[f64],
        len: usize,
        grads: &mut [Vec<f64>],
    ) {
        self.size_adj(tape);
        if len <= self.sub {
            self.backward_rows(tape, seed, 0, len, grads);
            return;
        }
        for (lo, l) in self.pieces(len) {
            self.forward_rows(tape, leaves, lo, l);
            self.backward_rows(tape, seed, lo, l, grads);
        }
    }

    /// The reverse sweep for agents lo..lo+l, whose values are in `vals`.
    fn backward_rows(
        &mut self,
        tape: &Tape,
        seed: &[f64],
        lo: usize,
        l: usize,
        grads: &mut [Vec<f64>],
    ) {
        let m = self.sub;
        let n = tape.nodes.len();
        self.adj[..n * m].fill(0.0);
        self.adj[(n - 1) * m..(n - 1) * m + l].copy_from_slice(&seed[lo..lo + l]);
        for i in (0..n).rev() {
            let node = tape.nodes[i];
            if let Node::Leaf(k) = node {
                let g = &mut grads[k][lo..lo + l];
                let a = &self.adj[i * m..i * m + l];
                for r in 0..l {
                    g[r] += a[r];
                }
                continue;
            }
            let (lo_adj, hi) = self.adj.split_at_mut(i * m);
            let gi = &hi[..l];
            let vals = &self.vals;
            let val = |k: u32| &vals[k as usize * m..k as usize * m + l];
            let y = &vals[i * m..i * m + l];
            macro_rules! acc {
                ($k:expr, |$r:ident| $d:expr) => {{
                    let k = $k as usize;
                    let dst = &mut lo_adj[k * m..k * m + l];
                    for $r in 0..l {
                        dst[$r] += gi[$r] * $d;
                    }
                }};
            }
            match node {
                Node::Const(_) | Node::Leaf(_) | Node::Greater(..) | Node::GreaterEq(..) => {}
                Node::Neg(a) => {
                    let dst = &mut lo_adj[a as usize * m..a as usize * m + l];
                    for r in 0..l {
                        dst[r] -= gi[r];
                    }
                }
                Node::Add(a, b) => {
                    acc!(a, |r| 1.0);
                    acc!(b, |r| 1.0);
                }
                Node::Sub(a, b) => {
                    acc!(a, |r| 1.0);
                    let dst = &mut lo_adj[b as usize * m..b as usize * m + l];
                    for r in 0..l {
                        dst[r] -= gi[r];
                    }
                }
                Node::Mul(a, b) => {
                    let (va, vb) = (val(a), val(b));
                    acc!(a, |r| vb[r]);
                    acc!(b, |r| va[r]);
                }
                Node::Div(a, b) => {
                    let vb = val(b);
                    acc!(a, |r| 1.0 / vb[r]);
                    acc!(b, |r| -y[r] / vb[r]);
                }
                Node::Log1p(a) => {
                    let va = val(a);
                    acc!(a, |r| 1.0 / (1.0 + va[r]));
                }
                Node::Ln(a) => {
                    let va = val(a);
                    acc!(a, |r| 1.0 / va[r]);
                }
                Node::Exp(a) => acc!(a, |r| y[r]),
                Node::Sqrt(a) => acc!(a, |r| 0.5 / y[r]),
                Node::Abs(a) => {
                    let va = val(a);
                    acc!(a, |r| sign(va[r]));
                }
                Node::Pow(a, c) => {
                    let va = val(a);
                    acc!(a, |r| c * pow(va[r], c - 1.0));
                }
            }
        }
    }
}

#[inline]
fn map1(out: &mut [f64], a: &[f64], f: impl Fn(f64) -> f64) {
    for (o, &x) in out.iter_mut().zip(a) {
        *o = f(x);
    }
}

#[inline]
fn map2(out: &mut [f64], a: &[f64], b: &[f64], f: impl Fn(f64, f64) -> f64) {
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        *o = f(x, y);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicator::Indicator;

    /// Reverse-mode gradients of every node kind agree with central differences.
    #[test]
    fn agent_tape_gradients_match_finite_differences() {
        let ind = Indicator::parse(
            "mean(log1p(a) * exp(b / 3) - sqrt(a + 2) / (b + 5) + abs(a - b) + pow(a, 1.5) + ln(b + 1) ^ 2 - -a)",
        )
        .unwrap();
        let tape = &ind.aggregates[0].term;
        let (a, b) = (vec![0.7, 2.5, 1.3], vec![0.4, 3.0, 0.2]);
        let mut ev = ChunkEval::new(tape, 4);
        let out = ev.forward(tape, &[a.clone(), b.clone()], 3).to_vec();
        let mut grads = vec![vec![0.0; 3], vec![0.0; 3]];
        ev.backward(tape, &[a.clone(), b.clone()], &[1.0; 3], 3, &mut grads);
        let h = 1e-6;
        for k in 0..2 {
            for r in 0..3 {
                let mut plus = vec![a.clone(), b.clone()];
                let mut minus = plus.clone();
                plus[k][r] += h;
                minus[k][r] -= h;
                let fp = ChunkEval::new(tape, 4).forward(tape, &plus, 3)[r];
                let fm = ChunkEval::new(tape, 4).forward(tape, &minus, 3)[r];
                let fd = (fp - fm) / (2.0 * h);
                assert!(
                    (fd - grads[k][r]).abs() < 1e-6 * (1.0 + fd.abs()),
                    "k={k} r={r} fd={fd} ad={}",
                    grads[k][r]
                );
            }
        }
        assert!(out.iter().all(|v| v.is_finite()));
    }

    /// Forward-mode tangents equal the reverse-mode gradient dotted with the direction.
    #[test]
    fn tangent_is_the_gradient_along_the_direction() {
        let ind = Indicator::parse(
            "mean(log1p(a) * exp(b / 3) - sqrt(a + 2) / (b + 5) + abs(a - b) + pow(a, 1.5) + ln(b + 1) ^ 2 - -a)",
        )
        .unwrap();
        let tape = &ind.aggregates[0].term;
        let leaves = [vec![0.7, 2.5, 1.3], vec![0.4, 3.0, 0.2]];
        let dir = [vec![0.3, -1.0, 2.0], vec![-0.5, 0.25, 1.5]];
        let mut ev = ChunkEval::new(tape, 4);
        ev.forward(tape, &leaves, 3);
        let mut grads = vec![vec![0.0; 3], vec![0.0; 3]];
        ev.backward(tape, &leaves, &[1.0; 3], 3, &mut grads);
        ev.forward(tape, &leaves, 3);
        let t = ev.tangent(tape, &leaves, &dir, 3).1.to_vec();
        for r in 0..3 {
            let want = grads[0][r] * dir[0][r] + grads[1][r] * dir[1][r];
            assert!(
                (t[r] - want).abs() < 1e-12 * (1.0 + want.abs()),
                "{r}: {} vs {want}",
                t[r]
            );
        }
    }

    /// A long term is evaluated a few agents at a time; every agent's value, gradient and
    /// tangent are bit for bit those of one sweep over the whole chunk.
    #[test]
    fn sub_chunks_give_the_same_bits() {
        let ind = Indicator::parse("mean(log1p(a) * exp(b / 3) - sqrt(a + 2) / (b + 5) + a ^ 3)")
            .unwrap();
        let tape = &ind.aggregates[0].term;
        let n = 11;
        let a: Vec<f64> = (0..n).map(|i| 0.3 + i as f64 * 0.7).collect();
        let b: Vec<f64> = (0..n).map(|i| 2.0 - i as f64 * 0.1).collect();
        let leaves = [a, b];
        let dir = [vec![0.5; n], vec![-0.25; n]];
        let seed: Vec<f64> = (0..n).map(|i| 1.0 + i as f64).collect();
        let run = |mut ev: ChunkEval| {
            let out = ev.forward(tape, &leaves, n).to_vec();
            let mut grads = vec![vec![0.0; n]; 2];
            ev.backward(tape, &leaves, &seed, n, &mut grads);
            let (v, t) = ev.tangent(tape, &leaves, &dir, n);
            assert_eq!(v, out.as_slice());
            (out, grads, t.to_vec())
        };
        let whole = run(ChunkEval::new(tape, n));
        // As many nodes as the scratch holds in 3 agents: sub-chunks of 3, 3, 3, 2.
        let split = ChunkEval::for_nodes(MAX_SCRATCH_VALUES / 3, n);
        assert_eq!(split.sub, 3);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        let parts = run(split);
        assert_eq!(bits(&whole.0), bits(&parts.0));
        assert_eq!(bits(&whole.1[0]), bits(&parts.1[0]));
        assert_eq!(bits(&whole.1[1]), bits(&parts.1[1]));
        assert_eq!(bits(&whole.2), bits(&parts.2));
    }

    #[test]
    fn scalar_gradient_matches_finite_differences() {
        let ind = Indicator::parse("sqrt(var(x)) * mean(x) / (1 + exp(-sum(x))) + ln(mean(x)) ^ 3")
            .unwrap();
        let leaves = [2.0, 0.5, 3.0, 1.2];
        let (_, g) = scalar_gradient(&ind.outer, &leaves);
        for k in 0..leaves.len() {
            let mut p = leaves;
            let mut m = leaves;
            p[k] += 1e-6;
            m[k] -= 1e-6;
            let fd = (scalar_value(&ind.outer, &p) - scalar_value(&ind.outer, &m)) / 2e-6;
            assert!(
                (fd - g[k]).abs() < 1e-6 * (1.0 + fd.abs()),
                "{k}: {fd} vs {}",
                g[k]
            );
        }
    }
}
