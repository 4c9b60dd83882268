use std::fmt;

use thiserror::Error;

/// Problems with the shape or content of a feature table. Rows are 0-based positions in the
/// table; the I/O layer turns them into file line numbers.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum TableError {
    #[error("the table has no rows")]
    Empty,
    #[error("column `{column}` has {got} values but the table has {expected} agents")]
    Length {
        column: String,
        expected: usize,
        got: usize,
    },
    #[error("column `{0}` appears twice")]
    DuplicateColumn(String),
    #[error("agent id `{id}` appears twice (rows {first} and {second}); agent ids must be unique")]
    DuplicateId {
        id: String,
        first: usize,
        second: usize,
    },
    #[error(
        "column `{column}`, row {row}: value {value} is not a finite number (NaN and infinity are not allowed)"
    )]
    NonFinite {
        column: String,
        row: usize,
        value: f64,
    },
    #[error("unknown column `{name}`; available columns: {}", available.join(", "))]
    UnknownColumn {
        name: String,
        available: Vec<String>,
    },
}

/// Everything that can stop an attribution. Messages say what to do about it.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum AttributionError {
    #[error(transparent)]
    Table(#[from] TableError),
    #[error("{0}")]
    Parse(#[from] ParseError),
    #[error(
        "the baseline table's agent ids differ from the feature table's: {detail}. \
         A baseline table must list exactly the same agent ids (in any order)"
    )]
    BaselineIds { detail: String },
    #[error(
        "baseline constant for column `{0}` is missing; give one for every column the indicator uses"
    )]
    BaselineMissingColumn(String),
    #[error(
        "gini is scale invariant (gini(a·s) = gini(s)), so at the {which} the shares are 0/0 and \
         the indicator has no value: the path integral from there diverges. Use `--baseline mean` \
         (every agent gets the population-mean features, Gini 0) instead"
    )]
    GiniZeroTotal { which: &'static str },
    #[error(
        "gini needs non-negative values, but `{term}` is {value} for agent at row {row} (in the {which}); \
         {count} agent(s) are negative. Shift or clip the score, e.g. gini(abs(...)) or gini(x - min)"
    )]
    GiniNegative {
        term: String,
        row: usize,
        value: f64,
        count: usize,
        which: &'static str,
    },
    #[error(
        "the indicator `{indicator}` is not finite ({value}) at the {which}; check logs of zero, divisions by zero or a zero std (corr, skew, kurt and bimodality are undefined where every agent has the same term, e.g. at a constant baseline: attribute them from a per-agent baseline table, or through the dynamics)"
    )]
    NotFinite {
        indicator: String,
        value: f64,
        which: String,
    },
    #[error(
        "exact Shapley enumerates 2^N coalitions; N = {n} is more than the limit of {limit} agents. Use --method sampled-shapley or aumann-shapley"
    )]
    TooManyForExact { n: usize, limit: usize },
    #[error(
        "closed form not available for `{indicator}`: {reason}. Use --method quadrature (or auto)"
    )]
    NoClosedForm { indicator: String, reason: String },
    #[error("{0}")]
    InvalidOption(String),
}

/// A syntax or type error, with the position (in characters) it points at.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub expr: String,
    pub column: usize,
    pub message: String,
}

/// Characters of the expression shown on each side of the column in a message: a long
/// (generated) expression is quoted around the problem, not in full.
const CONTEXT_CHARS: usize = 60;

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "in indicator at column {}: {}",
            self.column + 1,
            self.message
        )?;
        let (excerpt, caret) = excerpt(&self.expr, self.column);
        writeln!(f, "  {excerpt}")?;
        write!(f, "  {}^", " ".repeat(caret))
    }
}

/// The part of `expr` around character `column` (all of it when short), with `…` where it is
/// cut, and the caret's offset in it.
fn excerpt(expr: &str, column: usize) -> (String, usize) {
    let len = expr.chars().count();
    if len <= 2 * CONTEXT_CHARS {
        return (expr.to_string(), column);
    }
    let start = column.saturating_sub(CONTEXT_CHARS);
    let end = (column + CONTEXT_CHARS).min(len);
    let mut out = String::new();
    let mut caret = column - start;
    if start > 0 {
        out.push('…');
        caret += 1;
    }
    out.extend(expr.chars().skip(start).take(end - start));
    if end < len {
        out.push('…');
    }
    (out, caret)
}

impl std::error::Error for ParseError {}
