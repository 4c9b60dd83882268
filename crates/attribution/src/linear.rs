//! Which indicator pieces are linear: a per-agent term as an affine function of the columns,
//! and the outer program as a polynomial in the aggregates. The closed forms
//! ([`crate::closed_form`]), the path's affine moments ([`crate::path`]) and
//! [`crate::Indicator::is_linear`] all ask these questions, so they live below all three.

use crate::tape::{AggKind, Aggregate, Node, Tape};

/// Σ_k w_k x_k + b.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Affine {
    pub(crate) w: Vec<f64>,
    pub(crate) b: f64,
}

impl Affine {
    fn constant(d: usize, b: f64) -> Self {
        Affine { w: vec![0.0; d], b }
    }

    fn is_constant(&self) -> bool {
        self.w.iter().all(|w| *w == 0.0)
    }

    fn scale(mut self, c: f64) -> Self {
        self.w.iter_mut().for_each(|w| *w *= c);
        self.b *= c;
        self
    }

    fn plus(mut self, other: &Affine, sign: f64) -> Self {
        for (w, o) in self.w.iter_mut().zip(&other.w) {
            *w += sign * o;
        }
        self.b += sign * other.b;
        self
    }

    #[inline]
    pub(crate) fn at(&self, cols: &[f64]) -> f64 {
        self.w.iter().zip(cols).map(|(w, x)| w * x).sum::<f64>() + self.b
    }
}

/// The per-agent term as an affine function of the columns, if it is one.
pub(crate) fn affine(tape: &Tape, d: usize) -> Option<Affine> {
    let mut vals: Vec<Affine> = Vec::with_capacity(tape.nodes.len());
    for node in &tape.nodes {
        let get = |k: u32| vals[k as usize].clone();
        let v = match *node {
            Node::Const(c) => Affine::constant(d, c),
            Node::Leaf(k) => {
                let mut a = Affine::constant(d, 0.0);
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
                Affine::constant(d, crate::eval::scalar_value(&t, &[]))
            }
        };
        vals.push(v);
    }
    vals.pop()
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
