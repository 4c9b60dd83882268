//! The indicator language: per-agent terms over columns, aggregated, then combined.
//!
//! ```text
//! indicator := scalar
//! scalar    := number | agg '(' term ')' | agg2 '(' term ',' term ')'
//!            | scalar op scalar | '-' scalar | func '(' scalar ')'
//! term      := number | column | term op term | '-' term | func '(' term ')'
//! op        := < <= > >= (1 or 0; they do not chain)  + -  * /  ^  (loosest to tightest;
//!              ^ and pow take a constant exponent)
//! agg       := mean | sum | var | std | gini | skew | kurt | bimodality
//! agg2      := cov | corr
//! func      := log1p | ln | exp | sqrt | abs | pow(x, c)
//! ```
//!
//! `cov`, `corr`, `skew`, `kurt` and `bimodality` are lowered onto the outer tape from a few
//! reductions (see [`crate::moments`]): cov(a, b) = (var(a + b) − var(a) − var(b)) / 2, so a
//! covariance of affine scores keeps var's closed form; skew and kurt are the adjusted sample
//! estimators G₁ and G₂ from the central moments m₂, m₃, m₄ and N = sum(1).
//!
//! Parsing lowers the expression into one `Tape` per aggregate (evaluated per agent) and an
//! outer tape over the aggregates' values. Both are straight-line programs, which is what
//! reverse-mode differentiation wants.
//!
//! Hostile input: an expression is at most [`MAX_EXPRESSION_BYTES`] long and nests at most
//! [`MAX_NESTING`] levels deep; beyond either it is refused with a located [`ParseError`].
//! A chain of `+ -` (or `* /`) operators is one flat syntax node, not a left-deep tree, so a
//! sum of a hundred thousand terms costs no recursion: every recursive walk (parsing, lowering,
//! rendering, dropping the syntax tree) goes only as deep as the nesting, which is bounded.
//! Everything after parsing walks the tapes in loops.

use std::collections::HashMap;
use std::fmt;

pub use crate::error::ParseError;
use crate::tape::{AggKind, Aggregate, Node, Tape};

/// The longest expression accepted, in bytes (1 MiB): room for tens of thousands of terms or
/// aggregates, while a runaway generated string is refused before it costs memory.
pub const MAX_EXPRESSION_BYTES: usize = 1 << 20;

/// The deepest nesting accepted: parentheses, function and aggregate calls, unary signs and the
/// exponent of `^` each open one level. Parsing and lowering recurse a few frames per level
/// (about 2 KiB of stack per level in an optimised build, several times that in a debug
/// one), so this keeps the worst case well inside a 2 MiB thread stack.
pub const MAX_NESTING: usize = 128;

/// A parsed macro indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    text: String,
    columns: Vec<String>,
    pub(crate) aggregates: Vec<Aggregate>,
    pub(crate) outer: Tape,
}

impl Indicator {
    /// Parse and lower `text`. Refuses (with the column) an expression longer than
    /// [`MAX_EXPRESSION_BYTES`] or nesting deeper than [`MAX_NESTING`]; parsing and lowering
    /// cost time linear in the length.
    pub fn parse(text: &str) -> Result<Indicator, ParseError> {
        if text.len() > MAX_EXPRESSION_BYTES {
            let mut at = MAX_EXPRESSION_BYTES;
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            return Err(error_at(
                text,
                at,
                format!(
                    "the expression is {} bytes long, more than the limit of {MAX_EXPRESSION_BYTES} bytes (1 MiB); \
                     shorten it, e.g. by computing a combined column in the feature table",
                    text.len()
                ),
            ));
        }
        let tokens = lex(text)?;
        let mut p = Parser {
            text,
            tokens,
            at: 0,
            depth: 0,
        };
        let ast = p.expr(0)?;
        if let Some(t) = p.peek() {
            return Err(p.error(t.pos, "unexpected input after the end of the expression"));
        }
        let mut lower = Lowering {
            text,
            columns: Vec::new(),
            column_index: HashMap::new(),
            aggregates: Vec::new(),
        };
        let mut outer = Tape::default();
        lower.scalar(&ast, &mut outer)?;
        Ok(Indicator {
            text: text.trim().to_string(),
            columns: lower.columns,
            aggregates: lower.aggregates,
            outer,
        })
    }

    /// The expression as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The expression for an error message: all of it, or its first 200 characters and `…`
    /// when it is longer (a generated indicator can be a megabyte).
    pub(crate) fn text_for_messages(&self) -> String {
        match self.text.char_indices().nth(200) {
            Some((at, _)) => format!("{}…", &self.text[..at]),
            None => self.text.clone(),
        }
    }

    /// The columns the indicator reads, in order of first appearance.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// True when the indicator is affine in the features (a weighted mean or sum of an affine
    /// score): the one case where attribution on a panel is an exact rescaling of attribution
    /// on the full population.
    pub fn is_linear(&self) -> bool {
        crate::linear::is_linear(&self.outer, &self.aggregates, self.columns.len())
    }
}

impl fmt::Display for Indicator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn error_at(text: &str, byte: usize, message: impl Into<String>) -> ParseError {
    ParseError {
        expr: text.to_string(),
        column: text[..byte.min(text.len())].chars().count(),
        message: message.into(),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Ident(String),
    Op(char),
    Open,
    Close,
    Comma,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    pos: usize,
}

fn lex(text: &str) -> Result<Vec<Token>, ParseError> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i] as char;
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let tok = if c.is_ascii_digit()
            || (c == '.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
                let mut j = i + 1;
                if j < bytes.len() && (bytes[j] == b'+' || bytes[j] == b'-') {
                    j += 1;
                }
                if j < bytes.len() && bytes[j].is_ascii_digit() {
                    i = j;
                    while i < bytes.len() && bytes[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let s = &text[start..i];
            let v: f64 = s
                .parse()
                .map_err(|_| error_at(text, start, format!("`{}` is not a number", clip(s))))?;
            if !v.is_finite() {
                return Err(error_at(
                    text,
                    start,
                    format!(
                        "`{}` is too large for a number (over {:e})",
                        clip(s),
                        f64::MAX
                    ),
                ));
            }
            Tok::Num(v)
        } else if c.is_ascii_alphabetic() || c == '_' {
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'.')
            {
                i += 1;
            }
            Tok::Ident(text[start..i].to_string())
        } else {
            i += c.len_utf8().max(1);
            match c {
                '+' | '-' | '*' | '/' | '^' => Tok::Op(c),
                '<' | '>' => {
                    // `<=` and `>=` are one operator each, held as `≤` and `≥`.
                    if bytes.get(i) == Some(&b'=') {
                        i += 1;
                        Tok::Op(if c == '<' { '≤' } else { '≥' })
                    } else {
                        Tok::Op(c)
                    }
                }
                '(' => Tok::Open,
                ')' => Tok::Close,
                ',' => Tok::Comma,
                _ => {
                    let ch = text[start..].chars().next().unwrap_or(c);
                    return Err(error_at(
                        text,
                        start,
                        format!("unexpected character `{ch}`"),
                    ));
                }
            }
        };
        if !text.is_char_boundary(i) {
            // A multi-byte character inside an identifier or number: report it.
            return Err(error_at(text, start, "unexpected non-ASCII character"));
        }
        out.push(Token { tok, pos: start });
    }
    Ok(out)
}

/// At most 40 characters of `s`, for quoting a token in a message.
fn clip(s: &str) -> String {
    match s.char_indices().nth(40) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

#[derive(Debug, Clone)]
enum Ast {
    Num(f64),
    Col(String, usize),
    Neg(Box<Ast>),
    /// `first op₁ t₁ op₂ t₂ …` of one left-associative precedence level (`+ -` or `* /`),
    /// meaning `((first op₁ t₁) op₂ t₂) …`: flat, so that a long sum is not a deep tree.
    Chain(Box<Ast>, Vec<(char, Ast)>),
    /// `base ^ exponent`, at the position of the `^`.
    Pow(Box<Ast>, Box<Ast>, usize),
    Call(String, Vec<Ast>, usize),
}

impl Ast {
    fn constant(&self) -> Option<f64> {
        match self {
            Ast::Num(v) => Some(*v),
            Ast::Neg(a) => a.constant().map(|v| -v),
            _ => None,
        }
    }
}

struct Parser<'a> {
    text: &'a str,
    tokens: Vec<Token>,
    at: usize,
    /// Nesting levels open at this point of the parse (see [`MAX_NESTING`]).
    depth: usize,
}

/// The precedence level of a binary operator: comparisons (1) < + - (2) < * / (3) < unary
/// minus (4) < ^ (5, right-assoc).
fn precedence(op: char) -> u8 {
    match op {
        '<' | '>' | '≤' | '≥' => 1,
        '+' | '-' => 2,
        '*' | '/' => 3,
        _ => 5,
    }
}

/// Unary minus and plus bind tighter than `* /` and looser than `^`.
const UNARY: u8 = 4;

fn is_comparison(op: char) -> bool {
    precedence(op) == 1
}

/// An operator as the user wrote it.
fn op_text(op: char) -> String {
    match op {
        '≤' => "<=".into(),
        '≥' => ">=".into(),
        c => c.to_string(),
    }
}

/// `lhs op rhs`, extending `lhs` when it is already a chain of `op`'s level (the tape is the
/// same as for the nested form: the chain lowers left to right).
fn combine(lhs: Ast, op: char, rhs: Ast, pos: usize) -> Ast {
    if op == '^' {
        return Ast::Pow(Box::new(lhs), Box::new(rhs), pos);
    }
    match lhs {
        Ast::Chain(first, mut rest) if precedence(rest[0].0) == precedence(op) => {
            rest.push((op, rhs));
            Ast::Chain(first, rest)
        }
        lhs => Ast::Chain(Box::new(lhs), vec![(op, rhs)]),
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn end(&self) -> usize {
        self.text.len()
    }

    fn error(&self, pos: usize, msg: impl Into<String>) -> ParseError {
        error_at(self.text, pos, msg)
    }

    fn next(&mut self, what: &str) -> Result<Token, ParseError> {
        let t = self.tokens.get(self.at).cloned().ok_or_else(|| {
            self.error(
                self.end(),
                format!("expected {what}, found the end of the expression"),
            )
        })?;
        self.at += 1;
        Ok(t)
    }

    /// Precedence climbing: comparisons (1) < + - (2) < * / (3) < unary minus (4) < ^ (5,
    /// right-assoc). Operators of one left-associative level are collected by the loop into
    /// one chain; only the higher levels and `^`'s exponent recurse. A comparison does not
    /// chain: `a < b < c` is refused (it would read as (a < b) < c, a 0/1 against c).
    fn expr(&mut self, min_prec: u8) -> Result<Ast, ParseError> {
        let mut lhs = self.unary()?;
        let mut compared = false;
        while let Some(Token {
            tok: Tok::Op(op),
            pos,
        }) = self.peek().cloned()
        {
            let prec = precedence(op);
            if prec < min_prec {
                break;
            }
            if is_comparison(op) {
                if compared {
                    return Err(self.error(
                        pos,
                        format!(
                            "comparisons do not chain: `a < b {} c` would compare a 0/1 with c; \
                             write (a < b) * (b < c) for both",
                            op_text(op)
                        ),
                    ));
                }
                compared = true;
            }
            self.at += 1;
            let rhs = if op == '^' {
                self.enter(pos)?;
                let e = self.expr(prec)?;
                self.depth -= 1;
                e
            } else {
                self.expr(prec + 1)?
            };
            lhs = combine(lhs, op, rhs, pos);
        }
        Ok(lhs)
    }

    /// Open one nesting level at `pos` (the token that opens it); refuse past
    /// [`MAX_NESTING`]. The caller closes it with `self.depth -= 1` once the nested part is
    /// parsed (after an error nothing is closed: the parse is over). No closure, so that each
    /// level costs as few stack frames as possible.
    fn enter(&mut self, pos: usize) -> Result<(), ParseError> {
        if self.depth >= MAX_NESTING {
            return Err(self.error(
                pos,
                format!(
                    "the expression nests more than {MAX_NESTING} levels deep (parentheses, \
                     function calls, unary signs and `^` each open a level); simplify it"
                ),
            ));
        }
        self.depth += 1;
        Ok(())
    }

    fn unary(&mut self) -> Result<Ast, ParseError> {
        if let Some(&Token {
            tok: Tok::Op('-'),
            pos,
        }) = self.peek()
        {
            self.at += 1;
            // Unary minus binds looser than ^ so that -x^2 = -(x^2).
            self.enter(pos)?;
            let inner = self.expr(UNARY)?;
            self.depth -= 1;
            return Ok(Ast::Neg(Box::new(inner)));
        }
        if let Some(&Token {
            tok: Tok::Op('+'),
            pos,
        }) = self.peek()
        {
            self.at += 1;
            self.enter(pos)?;
            let e = self.expr(UNARY)?;
            self.depth -= 1;
            return Ok(e);
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Ast, ParseError> {
        let t = self.next("a number, a column or a function")?;
        match t.tok {
            Tok::Num(v) => Ok(Ast::Num(v)),
            Tok::Open => {
                self.enter(t.pos)?;
                let e = self.expr(0)?;
                self.expect_close(t.pos)?;
                self.depth -= 1;
                Ok(e)
            }
            Tok::Ident(name) => {
                if let Some(Token {
                    tok: Tok::Open,
                    pos,
                }) = self.peek().cloned()
                {
                    self.at += 1;
                    self.enter(pos)?;
                    let args = self.arguments()?;
                    self.depth -= 1;
                    Ok(Ast::Call(name, args, t.pos))
                } else {
                    Ok(Ast::Col(name, t.pos))
                }
            }
            Tok::Close => Err(self.error(t.pos, "unexpected `)`")),
            Tok::Comma => Err(self.error(t.pos, "unexpected `,`")),
            Tok::Op(c) => Err(self.error(
                t.pos,
                format!(
                    "unexpected `{}`: expected a number, a column or a function",
                    op_text(c)
                ),
            )),
        }
    }

    /// A call's arguments, after its `(`, through its `)`.
    fn arguments(&mut self) -> Result<Vec<Ast>, ParseError> {
        let mut args = Vec::new();
        if let Some(Token {
            tok: Tok::Close, ..
        }) = self.peek()
        {
            self.at += 1;
            return Ok(args);
        }
        loop {
            args.push(self.expr(0)?);
            match self.next("`,` or `)`")? {
                Token {
                    tok: Tok::Comma, ..
                } => continue,
                Token {
                    tok: Tok::Close, ..
                } => return Ok(args),
                other => return Err(self.error(other.pos, "expected `,` or `)`")),
            }
        }
    }

    fn expect_close(&mut self, open: usize) -> Result<(), ParseError> {
        match self.peek() {
            Some(Token {
                tok: Tok::Close, ..
            }) => {
                self.at += 1;
                Ok(())
            }
            Some(t) => Err(self.error(t.pos, "expected `)`")),
            None => Err(self.error(open, "this `(` is never closed")),
        }
    }
}

const AGGREGATES: [(&str, AggKind); 5] = [
    ("mean", AggKind::Mean),
    ("sum", AggKind::Sum),
    ("var", AggKind::Var),
    ("std", AggKind::Std),
    ("gini", AggKind::Gini),
];
/// Aggregates built on the outer tape from several reductions ([`crate::moments`]), with
/// their argument counts.
const MOMENT_AGGREGATES: [(&str, usize); 5] = [
    ("cov", 2),
    ("corr", 2),
    ("skew", 1),
    ("kurt", 1),
    ("bimodality", 1),
];
const FUNCTIONS: [&str; 6] = ["log1p", "ln", "exp", "sqrt", "abs", "pow"];
const AGGREGATE_NAMES: &str = "mean, sum, var, std, gini, skew, kurt, bimodality, cov, corr";

struct Lowering<'a> {
    text: &'a str,
    columns: Vec<String>,
    /// Each column's index in `columns`: a lookup per leaf, not a scan.
    column_index: HashMap<String, usize>,
    aggregates: Vec<Aggregate>,
}

impl Lowering<'_> {
    fn err(&self, pos: usize, msg: impl Into<String>) -> ParseError {
        error_at(self.text, pos, msg)
    }

    fn scalar(&mut self, ast: &Ast, tape: &mut Tape) -> Result<u32, ParseError> {
        self.lower(ast, tape, false)
    }

    /// Lower `ast` into `tape`; `agent` says whether we are inside an aggregate.
    fn lower(&mut self, ast: &Ast, tape: &mut Tape, agent: bool) -> Result<u32, ParseError> {
        Ok(match ast {
            Ast::Num(v) => tape.push(Node::Const(*v)),
            Ast::Col(name, pos) => {
                if !agent {
                    return Err(self.err(
                        *pos,
                        format!(
                            "`{name}` is a per-agent column; an indicator is a single number, so wrap it in an aggregate such as mean({name}), sum({name}), var({name}) or gini({name})"
                        ),
                    ));
                }
                let k = match self.column_index.get(name) {
                    Some(&k) => k,
                    None => {
                        self.columns.push(name.clone());
                        self.column_index
                            .insert(name.clone(), self.columns.len() - 1);
                        self.columns.len() - 1
                    }
                };
                tape.push(Node::Leaf(k))
            }
            Ast::Neg(a) => {
                let a = self.lower(a, tape, agent)?;
                tape.push(Node::Neg(a))
            }
            Ast::Pow(a, b, pos) => {
                let c = b.constant().ok_or_else(|| {
                    self.err(*pos, "the exponent of `^` must be a constant number")
                })?;
                let a = self.lower(a, tape, agent)?;
                tape.push(Node::Pow(a, c))
            }
            Ast::Chain(first, rest) => {
                let mut a = self.lower(first, tape, agent)?;
                for (op, term) in rest {
                    let b = self.lower(term, tape, agent)?;
                    a = tape.push(match op {
                        '+' => Node::Add(a, b),
                        '-' => Node::Sub(a, b),
                        '*' => Node::Mul(a, b),
                        '>' => Node::Greater(a, b),
                        '<' => Node::Greater(b, a),
                        '≥' => Node::GreaterEq(a, b),
                        '≤' => Node::GreaterEq(b, a),
                        _ => Node::Div(a, b),
                    });
                }
                a
            }
            Ast::Call(name, args, pos) => {
                let arity = AGGREGATES
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|_| 1)
                    .or_else(|| {
                        MOMENT_AGGREGATES
                            .iter()
                            .find(|(n, _)| n == name)
                            .map(|(_, a)| *a)
                    });
                if let Some(want) = arity {
                    if agent {
                        return Err(self.err(*pos, format!("`{name}` is an aggregate and cannot be used inside another aggregate")));
                    }
                    if args.len() != want {
                        let usage = if want == 1 {
                            format!("{name}(term)")
                        } else {
                            format!("{name}(term, term)")
                        };
                        return Err(self.err(
                            *pos,
                            format!(
                                "`{name}` takes {} argument{}, got {}: write {usage}",
                                if want == 1 { "one" } else { "two" },
                                if want == 1 { "" } else { "s" },
                                args.len()
                            ),
                        ));
                    }
                    if let Some((_, kind)) = AGGREGATES.iter().find(|(n, _)| n == name) {
                        let j = self.aggregate(*kind, &args[0], describe(&args[0]))?;
                        return Ok(tape.push(Node::Leaf(j)));
                    }
                    return self.moment_aggregate(name, args, tape);
                }
                if !FUNCTIONS.contains(&name.as_str()) {
                    return Err(self.err(
                        *pos,
                        format!(
                            "unknown function `{name}`; aggregates: {AGGREGATE_NAMES}; functions: {}",
                            FUNCTIONS.join(", ")
                        ),
                    ));
                }
                let want = if name == "pow" { 2 } else { 1 };
                if args.len() != want {
                    return Err(self.err(
                        *pos,
                        format!("`{name}` takes {want} argument(s), got {}", args.len()),
                    ));
                }
                if name == "pow" {
                    let c = args[1].constant().ok_or_else(|| {
                        self.err(*pos, "the exponent of pow(x, c) must be a constant number")
                    })?;
                    let a = self.lower(&args[0], tape, agent)?;
                    return Ok(tape.push(Node::Pow(a, c)));
                }
                let a = self.lower(&args[0], tape, agent)?;
                tape.push(match name.as_str() {
                    "log1p" => Node::Log1p(a),
                    "ln" => Node::Ln(a),
                    "exp" => Node::Exp(a),
                    "sqrt" => Node::Sqrt(a),
                    _ => Node::Abs(a),
                })
            }
        })
    }
}

impl Lowering<'_> {
    /// Push `kind(term)` as a new aggregate; returns its index.
    fn aggregate(&mut self, kind: AggKind, term: &Ast, text: String) -> Result<usize, ParseError> {
        let mut tape = Tape::default();
        self.lower(term, &mut tape, true)?;
        self.aggregates.push(Aggregate {
            kind,
            columns: tape.leaves(),
            term: tape,
            text,
        });
        Ok(self.aggregates.len() - 1)
    }

    /// `cov`, `corr`, `skew`, `kurt` or `bimodality` (arity checked): the reductions they
    /// need as aggregates, combined on the outer tape by [`crate::moments`].
    fn moment_aggregate(
        &mut self,
        name: &str,
        args: &[Ast],
        tape: &mut Tape,
    ) -> Result<u32, ParseError> {
        use crate::moments;
        let text = describe(&args[0]);
        if name == "cov" || name == "corr" {
            let other = describe(&args[1]);
            let a = self.aggregate(AggKind::Var, &args[0], text.clone())?;
            let b = self.aggregate(AggKind::Var, &args[1], other.clone())?;
            let both = Ast::Chain(Box::new(args[0].clone()), vec![('+', args[1].clone())]);
            let ab = self.aggregate(AggKind::Var, &both, format!("({text}) + ({other})"))?;
            let v = moments::Pair { ab, a, b };
            return Ok(if name == "cov" {
                moments::cov(tape, v)
            } else {
                moments::corr(tape, v)
            });
        }
        let count = self.aggregate(AggKind::Sum, &Ast::Num(1.0), "1".into())?;
        let m2 = self.aggregate(AggKind::Var, &args[0], text.clone())?;
        let m3 = if name == "kurt" {
            None
        } else {
            Some(self.aggregate(AggKind::Central3, &args[0], text.clone())?)
        };
        let m4 = if name == "skew" {
            None
        } else {
            Some(self.aggregate(AggKind::Central4, &args[0], text)?)
        };
        let m = moments::Moments { count, m2, m3, m4 };
        Ok(match name {
            "skew" => moments::skew(tape, m),
            "kurt" => moments::kurt(tape, m),
            _ => moments::bimodality(tape, m),
        })
    }
}

/// Render an AST back to text (for error messages about an aggregate's term).
fn describe(ast: &Ast) -> String {
    match ast {
        Ast::Num(v) => v.to_string(),
        Ast::Col(n, _) => n.clone(),
        Ast::Neg(a) => format!("-{}", describe(a)),
        Ast::Pow(a, b, _) => format!("{} ^ {}", describe(a), describe(b)),
        Ast::Chain(first, rest) => {
            let mut out = describe(first);
            for (op, term) in rest {
                out.push_str(&format!(" {} {}", op_text(*op), describe(term)));
            }
            out
        }
        Ast::Call(n, args, _) => {
            format!(
                "{n}({})",
                args.iter().map(describe).collect::<Vec<_>>().join(", ")
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_examples() {
        for e in [
            "var(stance)",
            "gini(posts + replies)",
            "mean(followers)*mean(posts)*mean(replies)",
            "mean(log1p(followers)) / std(posts)",
            "2 * sum(x ^ 2) - -mean(pow(y, 0.5))",
            "sqrt(var(a - b)) + 1e-3",
        ] {
            Indicator::parse(e).unwrap_or_else(|err| panic!("{e}: {err}"));
        }
        let i = Indicator::parse("mean(followers)*mean(posts)*mean(replies)").unwrap();
        assert_eq!(i.columns(), ["followers", "posts", "replies"]);
        assert_eq!(i.aggregates.len(), 3);
    }

    fn err(e: &str) -> ParseError {
        Indicator::parse(e).expect_err(e)
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = err("mean(posts + )");
        assert_eq!(e.column, 13, "{e}");
        assert!(e.to_string().contains("             ^"), "{e}");
        let e = err("medan(posts)");
        assert_eq!(e.column, 0);
        assert!(e.message.contains("unknown function `medan`"), "{e}");
        let e = err("var(posts) + posts");
        assert_eq!(e.column, 13);
        assert!(e.message.contains("per-agent column"));
        let e = err("mean(var(x))");
        assert_eq!(e.column, 5);
        let e = err("mean(x ^ y)");
        assert!(e.message.contains("constant"));
        let e = err("mean((x + 1)");
        assert!(
            e.message.contains("never closed") || e.message.contains("expected"),
            "{e}"
        );
        let e = err("mean(x) $ 2");
        assert_eq!(e.column, 8);
        let e = err("");
        assert!(e.message.contains("end of the expression"));
        let e = err("mean(x) mean(y)");
        assert_eq!(e.column, 8);
    }

    #[test]
    fn precedence() {
        // -x^2 is -(x^2); a - b - c is (a - b) - c; a / b * c is (a / b) * c.
        let i = Indicator::parse("-2^2 + 10 - 3 - 1 + 8 / 4 * 2").unwrap();
        let v = crate::eval::scalar_value(&i.outer, &[]);
        assert_eq!(v, -4.0 + 10.0 - 3.0 - 1.0 + 4.0);
    }
}
