//! Which indicator pieces are linear: a per-agent term as an affine function of the columns,
//! and the outer program as a polynomial in the aggregates. The closed forms
//! ([`crate::closed_form`]), the path's affine moments ([`crate::path`]) and
//! [`crate::Indicator::is_linear`] all ask these questions, so they live below all three.

use std::collections::HashMap;

use crate::tape::{AggKind, Aggregate, Node, Tape};

/// Σ_k w_k x_k + b.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Affine {
    pub(crate) w: Vec<f64>,
    pub(crate) b: f64,
}

impl Affine {
    #[inline]
    pub(crate) fn at(&self, cols: &[f64]) -> f64 {
        self.w.iter().zip(cols).map(|(w, x)| w * x).sum::<f64>() + self.b
    }
}

/// An affine function of `d` columns while [`affine`] builds it: every column outside
/// `entries` has the weight `rest`.
///
/// The dense computation applies each operation to every one of the `d` weights, which costs
/// tape × columns. Here the columns outside `entries` share one value, so one operation on
/// `rest` stands for all of them, and adding a term that leaves a weight unchanged (−0.0
/// always, +0.0 unless the weight is −0.0) is skipped: the weights come out bit for bit as
/// the dense computation's, at a cost that grows with the tape, not with tape × columns.
#[derive(Clone)]
struct Partial {
    rest: f64,
    entries: HashMap<usize, f64>,
    /// How many entries are exactly −0.0: the only weights that adding +0.0 changes.
    neg_zeros: usize,
    b: f64,
}

fn is_neg_zero(w: f64) -> bool {
    w.to_bits() == (-0.0f64).to_bits()
}

impl Partial {
    fn constant(b: f64) -> Self {
        Partial {
            rest: 0.0,
            entries: HashMap::new(),
            neg_zeros: 0,
            b,
        }
    }

    fn leaf(k: usize) -> Self {
        let mut p = Partial::constant(0.0);
        p.entries.insert(k, 1.0);
        p
    }

    /// Every weight is zero (`d` columns in all: `rest` counts only if some column has it).
    fn is_constant(&self, d: usize) -> bool {
        (self.entries.len() >= d || self.rest == 0.0) && self.entries.values().all(|w| *w == 0.0)
    }

    fn recount(&mut self) {
        self.neg_zeros = self.entries.values().filter(|w| is_neg_zero(**w)).count();
    }

    fn scale(mut self, c: f64) -> Self {
        self.rest *= c;
        self.entries.values_mut().for_each(|w| *w *= c);
        self.b *= c;
        self.recount();
        self
    }

    /// self + sign · other, weight by weight.
    fn plus(mut self, other: &Partial, sign: f64) -> Self {
        // The weights of other's own columns, from self's weights before this step.
        let merged: Vec<(usize, f64)> = other
            .entries
            .iter()
            .map(|(&k, o)| {
                (
                    k,
                    self.entries.get(&k).copied().unwrap_or(self.rest) + sign * o,
                )
            })
            .collect();
        // Self's other columns gain sign · other.rest (written over for other's columns below).
        let d = sign * other.rest;
        let identity = is_neg_zero(d) || (d.to_bits() == 0 && self.neg_zeros == 0);
        if !identity {
            self.entries.values_mut().for_each(|w| *w += d);
        }
        for (k, w) in merged {
            if let Some(old) = self.entries.insert(k, w)
                && identity
                && is_neg_zero(old)
            {
                self.neg_zeros -= 1;
            }
            if identity && is_neg_zero(w) {
                self.neg_zeros += 1;
            }
        }
        if !identity {
            self.recount();
        }
        self.rest += d;
        self.b += sign * other.b;
        self
    }

    fn into_affine(self, d: usize) -> Affine {
        let mut w = vec![self.rest; d];
        for (k, v) in self.entries {
            w[k] = v;
        }
        Affine { w, b: self.b }
    }
}

/// The per-agent term as an affine function of the columns, if it is one. Linear in the
/// tape's length (plus `d` for the result).
pub(crate) fn affine(tape: &Tape, d: usize) -> Option<Affine> {
    // Each value is moved to its last user rather than copied (a long sum would otherwise
    // copy a growing map at every step).
    let mut uses = vec![0u32; tape.nodes.len()];
    for node in &tape.nodes {
        for k in operands(node) {
            uses[k as usize] += 1;
        }
    }
    let mut vals: Vec<Option<Partial>> = Vec::with_capacity(tape.nodes.len());
    for node in &tape.nodes {
        let mut get = |k: u32| -> Partial {
            let k = k as usize;
            uses[k] -= 1;
            if uses[k] == 0 {
                vals[k]
                    .take()
                    .expect("each value is taken by its last user")
            } else {
                vals[k]
                    .clone()
                    .expect("a value is taken only by its last user")
            }
        };
        let v = match *node {
            Node::Const(c) => Partial::constant(c),
            Node::Leaf(k) => Partial::leaf(k),
            Node::Neg(a) => get(a).scale(-1.0),
            Node::Add(a, b) => {
                let (a, b) = (get(a), get(b));
                a.plus(&b, 1.0)
            }
            Node::Sub(a, b) => {
                let (a, b) = (get(a), get(b));
                a.plus(&b, -1.0)
            }
            Node::Mul(a, b) => {
                let (a, b) = (get(a), get(b));
                if a.is_constant(d) {
                    b.scale(a.b)
                } else if b.is_constant(d) {
                    a.scale(b.b)
                } else {
                    return None;
                }
            }
            Node::Div(a, b) => {
                let (a, b) = (get(a), get(b));
                if !b.is_constant(d) || b.b == 0.0 {
                    return None;
                }
                a.scale(1.0 / b.b)
            }
            Node::Greater(a, b) | Node::GreaterEq(a, b) => {
                let (a, b) = (get(a), get(b));
                if !a.is_constant(d) || !b.is_constant(d) {
                    return None;
                }
                let holds = match *node {
                    Node::Greater(..) => a.b > b.b,
                    _ => a.b >= b.b,
                };
                Partial::constant(if holds { 1.0 } else { 0.0 })
            }
            Node::Pow(a, 1.0) => get(a),
            Node::Pow(a, _)
            | Node::Log1p(a)
            | Node::Ln(a)
            | Node::Exp(a)
            | Node::Sqrt(a)
            | Node::Abs(a) => {
                let a = get(a);
                if !a.is_constant(d) {
                    return None;
                }
                let mut t = Tape::default();
                t.nodes.push(Node::Const(a.b));
                t.nodes.push(match *node {
                    Node::Pow(_, c) => Node::Pow(0, c),
                    Node::Log1p(_) => Node::Log1p(0),
                    Node::Ln(_) => Node::Ln(0),
                    Node::Exp(_) => Node::Exp(0),
                    Node::Sqrt(_) => Node::Sqrt(0),
                    _ => Node::Abs(0),
                });
                Partial::constant(crate::eval::scalar_value(&t, &[]))
            }
        };
        vals.push(Some(v));
    }
    vals.pop().flatten().map(|p| p.into_affine(d))
}

/// The nodes a node reads.
fn operands(node: &Node) -> impl Iterator<Item = u32> {
    let (a, b) = match *node {
        Node::Const(_) | Node::Leaf(_) => (None, None),
        Node::Add(a, b)
        | Node::Sub(a, b)
        | Node::Mul(a, b)
        | Node::Div(a, b)
        | Node::Greater(a, b)
        | Node::GreaterEq(a, b) => (Some(a), Some(b)),
        Node::Neg(a)
        | Node::Log1p(a)
        | Node::Ln(a)
        | Node::Exp(a)
        | Node::Sqrt(a)
        | Node::Abs(a)
        | Node::Pow(a, _) => (Some(a), None),
    };
    a.into_iter().chain(b)
}

/// A monomial c · Π a_j (aggregate indices, with repetition, sorted).
type Monomial = (f64, Vec<usize>);

const MAX_MONOMIALS: usize = 256;

/// The highest degree of a monomial expanded: `((mean(x)^8)^8)^8` would otherwise ask for a
/// factor list of 512 entries per level (8^k); past this the outer expression is treated as
/// not a polynomial, and quadrature handles it.
const MAX_DEGREE: usize = 64;

/// The outer expression as a polynomial in the aggregates, if it is one.
pub(crate) fn monomials(outer: &Tape) -> Option<Vec<Monomial>> {
    let mut vals: Vec<Vec<Monomial>> = Vec::with_capacity(outer.nodes.len());
    for node in &outer.nodes {
        let get = |k: u32| vals[k as usize].clone();
        let v: Vec<Monomial> = match *node {
            Node::Const(c) => vec![(c, vec![])],
            Node::Leaf(j) => vec![(1.0, vec![j])],
            Node::Neg(a) => get(a).into_iter().map(|(c, f)| (-c, f)).collect(),
            Node::Add(a, b) => [get(a), get(b)].concat(),
            Node::Sub(a, b) => {
                [get(a), get(b).into_iter().map(|(c, f)| (-c, f)).collect()].concat()
            }
            Node::Mul(a, b) => multiply(&get(a), &get(b))?,
            Node::Div(a, b) => {
                let b = simplify(get(b));
                match b.as_slice() {
                    [(c, f)] if f.is_empty() && *c != 0.0 => {
                        get(a).into_iter().map(|(k, f)| (k / c, f)).collect()
                    }
                    _ => return None,
                }
            }
            Node::Pow(a, c) if c.fract() == 0.0 && (0.0..=8.0).contains(&c) => {
                let a = get(a);
                let mut p = vec![(1.0, vec![])];
                for _ in 0..c as usize {
                    p = multiply(&p, &a)?;
                }
                p
            }
            _ => return None,
        };
        if v.len() > MAX_MONOMIALS {
            return None;
        }
        vals.push(simplify(v));
    }
    vals.pop()
}

fn multiply(a: &[Monomial], b: &[Monomial]) -> Option<Vec<Monomial>> {
    if a.len() * b.len() > MAX_MONOMIALS {
        return None;
    }
    let mut out = Vec::with_capacity(a.len() * b.len());
    for (ca, fa) in a {
        for (cb, fb) in b {
            if fa.len() + fb.len() > MAX_DEGREE {
                return None;
            }
            let mut f = [fa.as_slice(), fb.as_slice()].concat();
            f.sort_unstable();
            out.push((ca * cb, f));
        }
    }
    Some(simplify(out))
}

/// Merge equal monomials and drop zero ones.
fn simplify(mut v: Vec<Monomial>) -> Vec<Monomial> {
    v.sort_by(|a, b| a.1.cmp(&b.1));
    let mut out: Vec<Monomial> = Vec::with_capacity(v.len());
    for (c, f) in v {
        match out.last_mut() {
            Some(last) if last.1 == f => last.0 += c,
            _ => out.push((c, f)),
        }
    }
    out.retain(|(c, _)| *c != 0.0);
    out
}

/// True when an indicator (its outer program over `aggregates`, on `d` columns) is affine in
/// the features: a polynomial of degree at most one in means and sums of affine scores.
pub(crate) fn is_linear(outer: &Tape, aggregates: &[Aggregate], d: usize) -> bool {
    let Some(mono) = monomials(outer) else {
        return false;
    };
    mono.iter().all(|(_, f)| match f.as_slice() {
        [] => true,
        [j] => {
            let a = &aggregates[*j];
            matches!(a.kind, AggKind::Mean | AggKind::Sum) && affine(&a.term, d).is_some()
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicator::Indicator;

    /// The dense computation `affine` replaced: every operation on every weight.
    #[derive(Clone)]
    struct Dense {
        w: Vec<f64>,
        b: f64,
    }

    impl Dense {
        fn constant(d: usize, b: f64) -> Self {
            Dense { w: vec![0.0; d], b }
        }

        fn is_constant(&self) -> bool {
            self.w.iter().all(|w| *w == 0.0)
        }

        fn scale(mut self, c: f64) -> Self {
            self.w.iter_mut().for_each(|w| *w *= c);
            self.b *= c;
            self
        }

        fn plus(mut self, other: &Dense, sign: f64) -> Self {
            for (w, o) in self.w.iter_mut().zip(&other.w) {
                *w += sign * o;
            }
            self.b += sign * other.b;
            self
        }
    }

    /// The per-agent term as an affine function of the columns, if it is one.
    fn dense_affine(tape: &Tape, d: usize) -> Option<Dense> {
        let mut vals: Vec<Dense> = Vec::with_capacity(tape.nodes.len());
        for node in &tape.nodes {
            let get = |k: u32| vals[k as usize].clone();
            let v = match *node {
                Node::Const(c) => Dense::constant(d, c),
                Node::Leaf(k) => {
                    let mut a = Dense::constant(d, 0.0);
                    a.w[k] = 1.0;
                    a
                }
                Node::Neg(a) => get(a).scale(-1.0),
                Node::Add(a, b) => get(a).plus(&get(b), 1.0),
                Node::Sub(a, b) => get(a).plus(&get(b), -1.0),
                Node::Mul(a, b) => {
                    let (a, b) = (get(a), get(b));
                    if a.is_constant() {
                        b.scale(a.b)
                    } else if b.is_constant() {
                        a.scale(b.b)
                    } else {
                        return None;
                    }
                }
                Node::Div(a, b) => {
                    let b = get(b);
                    if !b.is_constant() || b.b == 0.0 {
                        return None;
                    }
                    get(a).scale(1.0 / b.b)
                }
                Node::Greater(a, b) | Node::GreaterEq(a, b) => {
                    let (a, b) = (get(a), get(b));
                    if !a.is_constant() || !b.is_constant() {
                        return None;
                    }
                    let holds = match *node {
                        Node::Greater(..) => a.b > b.b,
                        _ => a.b >= b.b,
                    };
                    Dense::constant(d, if holds { 1.0 } else { 0.0 })
                }
                Node::Pow(a, 1.0) => get(a),
                Node::Pow(a, _)
                | Node::Log1p(a)
                | Node::Ln(a)
                | Node::Exp(a)
                | Node::Sqrt(a)
                | Node::Abs(a) => {
                    let a = get(a);
                    if !a.is_constant() {
                        return None;
                    }
                    let mut t = Tape::default();
                    t.nodes.push(Node::Const(a.b));
                    t.nodes.push(match *node {
                        Node::Pow(_, c) => Node::Pow(0, c),
                        Node::Log1p(_) => Node::Log1p(0),
                        Node::Ln(_) => Node::Ln(0),
                        Node::Exp(_) => Node::Exp(0),
                        Node::Sqrt(_) => Node::Sqrt(0),
                        _ => Node::Abs(0),
                    });
                    Dense::constant(d, crate::eval::scalar_value(&t, &[]))
                }
            };
            vals.push(v);
        }
        vals.pop()
    }

    /// The sparse computation gives the dense one's weights bit for bit, signed zeros and
    /// non-finite weights included.
    #[test]
    fn affine_matches_the_dense_computation_bit_for_bit() {
        for e in [
            "mean(x + 2 * y - z / 4)",
            "mean(-x * 0 + y)",
            "mean(x * 0 - y * 0 + z)",
            "mean((x + y) * -1 + x - (y - y))",
            "mean(-(-(x)) * 0 - -0 * y)",
            "mean(x * exp(1000) + y)",
            "mean(x * exp(1000) - y * exp(1000) + z)",
            "mean(0 * (x + y) + 0 * -z - 0)",
            "mean(x - x + y * log1p(3) / sqrt(2))",
            "mean(w + x * 0 + (y + z) * -0)",
            "mean(x * y)",
            "mean(x / (y + 1))",
            "mean(3)",
        ] {
            let ind = Indicator::parse(e).unwrap();
            let d = ind.columns().len() + 2;
            let term = &ind.aggregates[0].term;
            let got = affine(term, d);
            let want = dense_affine(term, d);
            assert_eq!(got.is_some(), want.is_some(), "{e}");
            if let (Some(g), Some(w)) = (got, want) {
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&g.w), bits(&w.w), "{e}: {:?} vs {:?}", g.w, w.w);
                assert_eq!(g.b.to_bits(), w.b.to_bits(), "{e}");
            }
        }
    }
}
