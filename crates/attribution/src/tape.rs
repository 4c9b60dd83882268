//! The lowered form of an indicator: straight-line programs over columns (one per aggregate,
//! evaluated per agent) and over the aggregates' values (the outer program). Parsing
//! ([`crate::indicator`]) writes them; evaluation, differentiation and the closed forms read
//! them, so they sit below all of those.

/// A node of a straight-line program. Operands are indices of earlier nodes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Node {
    Const(f64),
    /// A column (in an agent tape) or an aggregate's value (in the outer tape).
    Leaf(usize),
    Neg(u32),
    Add(u32, u32),
    Sub(u32, u32),
    Mul(u32, u32),
    Div(u32, u32),
    Log1p(u32),
    Ln(u32),
    Exp(u32),
    Sqrt(u32),
    Abs(u32),
    Pow(u32, f64),
    /// 1 when a > b, else 0 (`a > b`, `b < a`): a step, whose derivative is 0 wherever it exists.
    Greater(u32, u32),
    /// 1 when a ≥ b, else 0 (`a >= b`, `b <= a`).
    GreaterEq(u32, u32),
}

/// A straight-line program; the last node is the result.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Tape {
    pub(crate) nodes: Vec<Node>,
}

impl Tape {
    pub(crate) fn push(&mut self, n: Node) -> u32 {
        self.nodes.push(n);
        (self.nodes.len() - 1) as u32
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AggKind {
    Mean,
    Sum,
    Var,
    Std,
    Gini,
    /// The third central moment (1/N) Σ (g − ḡ)³: what `skew` is built from.
    Central3,
    /// The fourth central moment (1/N) Σ (g − ḡ)⁴: what `kurt` and `bimodality` are built from.
    Central4,
}

impl AggKind {
    /// k of a central-moment aggregate m_k.
    pub(crate) fn central_order(self) -> Option<i32> {
        match self {
            AggKind::Central3 => Some(3),
            AggKind::Central4 => Some(4),
            _ => None,
        }
    }
}

/// `kind(term)`: a per-agent program reduced over all agents.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Aggregate {
    pub(crate) kind: AggKind,
    pub(crate) term: Tape,
    /// The source text of the term, for messages.
    pub(crate) text: String,
    /// The columns the term reads (indices into the indicator's columns), ascending: what its
    /// evaluation fills, so that an aggregate costs its own columns, not all of them.
    pub(crate) columns: Vec<usize>,
}

impl Tape {
    /// The leaves the tape reads, ascending and without repeats.
    pub(crate) fn leaves(&self) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .nodes
            .iter()
            .filter_map(|n| match n {
                Node::Leaf(k) => Some(*k),
                _ => None,
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}
