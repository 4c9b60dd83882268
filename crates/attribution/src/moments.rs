//! The moment aggregates (`cov`, `corr`, `skew`, `kurt`, `bimodality`) as outer-tape programs
//! over plain reductions, so that evaluation, reverse-mode gradients, the closed forms, the
//! sharded reductions and the Shapley oracles all see only aggregates they already reduce
//! (mean, sum, var, and the central moments m₃ and m₄).
//!
//! - cov(a, b) = (var(a + b) − var(a) − var(b)) / 2 — an identity of the population
//!   (1/N) moments; each var is the centred two-pass sum, so no raw-moment cancellation. A
//!   covariance of affine scores is then a sum of var monomials, and keeps var's exact closed
//!   form (docs/attribution-math.md derives the per-agent formula).
//! - corr(a, b) = cov(a, b) / √(var(a) var(b)) (Pearson).
//! - skew(t) = G₁ = g₁ √(N(N − 1)) / (N − 2), g₁ = m₃ / m₂^{3/2}: the adjusted
//!   Fisher–Pearson sample skewness (SAS, Excel's SKEW, Joanes & Gill 1998 "G₁").
//! - kurt(t) = G₂ = (N − 1) / ((N − 2)(N − 3)) · ((N + 1) g₂ + 6), g₂ = m₄ / m₂² − 3: the
//!   adjusted sample excess kurtosis (SAS, Excel's KURT, Joanes & Gill "G₂").
//! - bimodality(t) = (G₁² + 1) / (G₂ + 3 (N − 1)² / ((N − 2)(N − 3))), Sarle's bimodality
//!   coefficient (SAS/STAT manual; Pfister et al. 2013, Front. Psychol. 4:700). Its
//!   denominator is (N² − 1) / ((N − 2)(N − 3)) · m₄/m₂², always positive, which is how it is
//!   evaluated. b > 5/9 (the value of a uniform distribution) suggests bimodality.
//!
//! N is `sum(1)`, an aggregate with zero gradient. m₂ = var(t), m_k = (1/N) Σ (t − t̄)^k.

use crate::tape::{Node, Tape};

/// The three variances a covariance is made of (aggregate indices).
#[derive(Clone, Copy)]
pub(crate) struct Pair {
    /// var(a + b).
    pub(crate) ab: usize,
    /// var(a).
    pub(crate) a: usize,
    /// var(b).
    pub(crate) b: usize,
}

/// The reductions a one-term moment aggregate reads (aggregate indices).
#[derive(Clone, Copy)]
pub(crate) struct Moments {
    /// sum(1) = N.
    pub(crate) count: usize,
    /// var(t) = m₂.
    pub(crate) m2: usize,
    /// m₃(t), when the aggregate needs it (skew, bimodality).
    pub(crate) m3: Option<usize>,
    /// m₄(t), when the aggregate needs it (kurt, bimodality).
    pub(crate) m4: Option<usize>,
}

/// Straight-line building helpers over a tape.
struct Build<'a>(&'a mut Tape);

impl Build<'_> {
    fn leaf(&mut self, j: usize) -> u32 {
        self.0.push(Node::Leaf(j))
    }
    fn c(&mut self, v: f64) -> u32 {
        self.0.push(Node::Const(v))
    }
    fn add(&mut self, a: u32, b: u32) -> u32 {
        self.0.push(Node::Add(a, b))
    }
    fn sub(&mut self, a: u32, b: u32) -> u32 {
        self.0.push(Node::Sub(a, b))
    }
    fn mul(&mut self, a: u32, b: u32) -> u32 {
        self.0.push(Node::Mul(a, b))
    }
    fn div(&mut self, a: u32, b: u32) -> u32 {
        self.0.push(Node::Div(a, b))
    }
    /// n − k for a constant k.
    fn minus(&mut self, n: u32, k: f64) -> u32 {
        let k = self.c(k);
        self.sub(n, k)
    }
}

/// cov(a, b) = (var(a + b) − var(a) − var(b)) / 2; returns its node.
pub(crate) fn cov(tape: &mut Tape, p: Pair) -> u32 {
    let mut t = Build(tape);
    let (ab, a, b) = (t.leaf(p.ab), t.leaf(p.a), t.leaf(p.b));
    let d = t.sub(ab, a);
    let d = t.sub(d, b);
    let half = t.c(0.5);
    t.mul(half, d)
}

/// corr(a, b) = cov(a, b) / √(var(a) var(b)).
pub(crate) fn corr(tape: &mut Tape, p: Pair) -> u32 {
    let c = cov(tape, p);
    let mut t = Build(tape);
    let (a, b) = (t.leaf(p.a), t.leaf(p.b));
    let ab = t.mul(a, b);
    let root = t.0.push(Node::Sqrt(ab));
    t.div(c, root)
}

/// G₁ = m₃ / m₂^{3/2} · √(N(N − 1)) / (N − 2).
pub(crate) fn skew(tape: &mut Tape, m: Moments) -> u32 {
    let m3 = m.m3.expect("skew reads m3");
    let mut t = Build(tape);
    let (n, m2, m3) = (t.leaf(m.count), t.leaf(m.m2), t.leaf(m3));
    let s = t.0.push(Node::Pow(m2, 1.5));
    let g1 = t.div(m3, s);
    let n1 = t.minus(n, 1.0);
    let nn1 = t.mul(n, n1);
    let root = t.0.push(Node::Sqrt(nn1));
    let n2 = t.minus(n, 2.0);
    let adj = t.div(root, n2);
    t.mul(g1, adj)
}

/// G₂ = (N − 1) / ((N − 2)(N − 3)) · ((N + 1)(m₄ / m₂² − 3) + 6).
pub(crate) fn kurt(tape: &mut Tape, m: Moments) -> u32 {
    let m4 = m.m4.expect("kurt reads m4");
    let mut t = Build(tape);
    let (n, m2, m4) = (t.leaf(m.count), t.leaf(m.m2), t.leaf(m4));
    let sq = t.mul(m2, m2);
    let ratio = t.div(m4, sq);
    let g2 = t.minus(ratio, 3.0);
    let n1p = t.minus(n, -1.0);
    let scaled = t.mul(n1p, g2);
    let six = t.c(6.0);
    let inner = t.add(scaled, six);
    let (n1, n2, n3) = (t.minus(n, 1.0), t.minus(n, 2.0), t.minus(n, 3.0));
    let den = t.mul(n2, n3);
    let adj = t.div(n1, den);
    t.mul(adj, inner)
}

/// b = (G₁² + 1) / (G₂ + 3 (N − 1)² / ((N − 2)(N − 3)))
///   = (G₁² + 1) (N − 2)(N − 3) / ((N² − 1) m₄ / m₂²).
pub(crate) fn bimodality(tape: &mut Tape, m: Moments) -> u32 {
    let m4 = m.m4.expect("bimodality reads m4");
    let g1 = skew(tape, m);
    let mut t = Build(tape);
    let (n, m2, m4) = (t.leaf(m.count), t.leaf(m.m2), t.leaf(m4));
    let g1sq = t.mul(g1, g1);
    let one = t.c(1.0);
    let num = t.add(g1sq, one);
    let (n2, n3) = (t.minus(n, 2.0), t.minus(n, 3.0));
    let small = t.mul(n2, n3);
    let num = t.mul(num, small);
    let nsq = t.mul(n, n);
    let nsq1 = t.minus(nsq, 1.0);
    let sq = t.mul(m2, m2);
    let ratio = t.div(m4, sq);
    let den = t.mul(nsq1, ratio);
    t.div(num, den)
}
