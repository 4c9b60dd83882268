//! The indicator evaluated along the straight path x(α) = x' + α (x − x').
//!
//! Every method meets the indicator here: quadrature asks for gradients at Gauss–Legendre
//! nodes, the Shapley methods for each agent's per-aggregate terms at α = 0 and α = 1, and all
//! of them for f(x) and f(x').

use rayon::prelude::*;

use crate::baseline::BaseColumn;
use crate::error::AttributionError;
use crate::eval::{ChunkEval, SomeLeaves, scalar_gradient, scalar_value};
use crate::indicator::Indicator;
use crate::ranks::{RankCache, Ranked};
use crate::reduce::{BLOCK, PARALLEL_MIN, block_len};
use crate::shard::Rows;
use crate::tape::{AggKind, Aggregate};

/// The table, baseline and indicator bound together.
pub(crate) struct Path<'a> {
    pub(crate) ind: &'a Indicator,
    pub(crate) x: Vec<&'a [f64]>,
    pub(crate) base: Vec<BaseColumn>,
    /// Rows held here (all of them in one process, a shard's in a partitioned run).
    pub(crate) n: usize,
    /// Where these rows sit in the whole table, and how to reach the other ranks.
    pub(crate) rows: Rows<'a>,
    /// The last gini sort, one per aggregate, checked before sorting again.
    ranks: Vec<RankCache>,
    /// Each column's mean over the agents, when the caller already has it (the equal-share
    /// baseline is made of them): the closed forms need it and need not read the columns again.
    pub(crate) column_means: Option<Vec<f64>>,
    /// Every baseline column's constant, when the baseline is constant (made once: each
    /// aggregate's common term at α = 0 reads them).
    base_constants: Option<Vec<f64>>,
}

/// What an aggregate reduced to, with what its gradient needs.
pub(crate) struct AggValue {
    pub(crate) value: f64,
    mean: f64,
    /// Gini: Σ s; Std: σ; a central moment m_k: m_{k−1}.
    pub(crate) scale: f64,
    /// Gini: 2·r_i − N − 1 with mid-ranks, per agent.
    pub(crate) gini_coef: Vec<f64>,
}

impl AggValue {
    pub(crate) fn new(value: f64, mean: f64, scale: f64) -> Self {
        AggValue {
            value,
            mean,
            scale,
            gini_coef: Vec::new(),
        }
    }

    /// A var or std aggregate from its terms' mean and variance.
    pub(crate) fn spread(kind: AggKind, mean: f64, var: f64) -> Self {
        let sd = var.sqrt();
        let value = if kind == AggKind::Var { var } else { sd };
        AggValue::new(value, mean, sd)
    }
}

/// An aggregate of an affine score, summarised for every point of the path.
enum Moments {
    /// A(α) = a0 + α a1 (mean, sum).
    Linear { a0: f64, a1: f64 },
    /// var(α) = v00 + 2α c01 + α² v11 (var; std is its square root).
    Spread {
        v00: f64,
        c01: f64,
        v11: f64,
        std: bool,
    },
    /// Gini from a constant baseline: the ranks never change, Σ_i c_i g_i(0) = 0, so
    /// G(α) S(α) = α G(1) S(1) with S(α) = s0 + α (s1 − s0).
    Gini { s0: f64, s1: f64, gini1: f64 },
}

impl Moments {
    /// (value, d/dα) at α.
    fn at(&self, alpha: f64, which: &str) -> Result<(f64, f64), AttributionError> {
        Ok(match *self {
            Moments::Linear { a0, a1 } => (a0 + alpha * a1, a1),
            Moments::Spread { v00, c01, v11, std } => spread_at(
                v00 + 2.0 * alpha * c01 + alpha * alpha * v11,
                2.0 * c01 + 2.0 * alpha * v11,
                std,
            ),
            Moments::Gini { s0, s1, gini1 } => {
                let s = s0 + alpha * (s1 - s0);
                if s.is_nan() || s <= 0.0 {
                    return Err(AttributionError::GiniZeroTotal {
                        which: static_which(which),
                    });
                }
                let g = alpha * gini1 * s1 / s;
                (g, gini1 * s1 / s - g * (s1 - s0) / s)
            }
        })
    }
}

/// (var or std, its slope) from the variance and the variance's slope.
fn spread_at(var: f64, dvar: f64, std: bool) -> (f64, f64) {
    if !std {
        return (var, dvar);
    }
    let sd = var.max(0.0).sqrt();
    (sd, if sd > 0.0 { dvar / (2.0 * sd) } else { 0.0 })
}

impl<'a> Path<'a> {
    pub(crate) fn new(
        ind: &'a Indicator,
        x: Vec<&'a [f64]>,
        base: Vec<BaseColumn>,
        rows: Rows<'a>,
    ) -> Self {
        let ranks = ind
            .aggregates
            .iter()
            .map(|_| RankCache::default())
            .collect();
        Path {
            ind,
            x,
            n: rows.n,
            rows,
            ranks,
            column_means: None,
            base_constants: base
                .iter()
                .map(|b| match b {
                    BaseColumn::Const(c) => Some(*c),
                    BaseColumn::Values(_) => None,
                })
                .collect(),
            base,
        }
    }

    /// Δ_k = x_k − x'_k of the columns `cols` (ascending) for agents lo..lo+len, column
    /// `cols[p]` into `bufs[p][..len]` (allocated on first use).
    fn deltas<'s>(
        &'s self,
        cols: &'s [usize],
        lo: usize,
        len: usize,
        bufs: &'s mut Vec<Vec<f64>>,
    ) -> SomeLeaves<'s> {
        if bufs.len() != cols.len() {
            *bufs = vec![vec![0.0; block_len(self.n)]; cols.len()];
        }
        for (&k, buf) in cols.iter().zip(bufs.iter_mut()) {
            let x = &self.x[k][lo..lo + len];
            match &self.base[k] {
                BaseColumn::Const(c) => {
                    for r in 0..len {
                        buf[r] = x[r] - c;
                    }
                }
                BaseColumn::Values(b) => {
                    let b = &b[lo..lo + len];
                    for r in 0..len {
                        buf[r] = x[r] - b[r];
                    }
                }
            }
        }
        SomeLeaves {
            columns: cols,
            values: bufs.iter().map(|b| &b[..len]).collect(),
        }
    }

    /// `bufs[p][..len]` = baseline column `cols[p]` for agents lo..lo+len (allocated on
    /// first use).
    pub(crate) fn baseline_block(
        &self,
        cols: &[usize],
        lo: usize,
        len: usize,
        bufs: &mut Vec<Vec<f64>>,
    ) {
        if bufs.len() != cols.len() {
            *bufs = vec![vec![0.0; block_len(self.n)]; cols.len()];
        }
        for (&k, buf) in cols.iter().zip(bufs.iter_mut()) {
            match &self.base[k] {
                BaseColumn::Const(c) => buf[..len].fill(*c),
                BaseColumn::Values(b) => buf[..len].copy_from_slice(&b[lo..lo + len]),
            }
        }
    }

    /// Fill `bufs[p][..len]` with column `cols[p]` of x(α) for agents lo..lo+len.
    fn leaves_at(&self, cols: &[usize], alpha: f64, lo: usize, len: usize, bufs: &mut [Vec<f64>]) {
        for (&k, buf) in cols.iter().zip(bufs.iter_mut()) {
            let x = &self.x[k][lo..lo + len];
            match &self.base[k] {
                BaseColumn::Const(c) => {
                    for r in 0..len {
                        buf[r] = c + alpha * (x[r] - c);
                    }
                }
                BaseColumn::Values(b) => {
                    let b = &b[lo..lo + len];
                    for r in 0..len {
                        buf[r] = b[r] + alpha * (x[r] - b[r]);
                    }
                }
            }
            // α = 1 must give x exactly, not x' + (x − x') with rounding.
            if alpha == 1.0 {
                buf[..len].copy_from_slice(x);
            }
        }
    }

    /// Columns `cols` (ascending) of agents lo..lo+len at x(α): the columns themselves at
    /// α = 1, else `bufs` filled by [`leaves_at`](Self::leaves_at) (allocated on first use).
    /// An aggregate asks for the columns its term reads only, so N aggregates over many
    /// columns cost the sum of their own columns, not N times all of them.
    fn block_leaves<'s>(
        &'s self,
        cols: &'s [usize],
        alpha: f64,
        lo: usize,
        len: usize,
        bufs: &'s mut Vec<Vec<f64>>,
    ) -> SomeLeaves<'s> {
        if alpha == 1.0 {
            return SomeLeaves {
                columns: cols,
                values: cols.iter().map(|&k| &self.x[k][lo..lo + len]).collect(),
            };
        }
        if bufs.len() != cols.len() {
            *bufs = vec![vec![0.0; block_len(self.n)]; cols.len()];
        }
        self.leaves_at(cols, alpha, lo, len, bufs);
        SomeLeaves {
            columns: cols,
            values: bufs.iter().map(|b| &b[..len]).collect(),
        }
    }

    /// Each aggregate's per-agent term g_j(x_i(α)), for all agents.
    pub(crate) fn terms_at(&self, alpha: f64) -> Vec<Vec<f64>> {
        self.ind
            .aggregates
            .iter()
            .map(|agg| self.term_at(agg, alpha))
            .collect()
    }

    /// One aggregate's per-agent term at x(α). Scratch space is made once per rayon job.
    fn term_at(&self, agg: &Aggregate, alpha: f64) -> Vec<f64> {
        let mut out = crate::buf::zeroed(self.n);
        let init = || (Vec::new(), ChunkEval::new(&agg.term, block_len(self.n)));
        let body = |(bufs, ev): &mut (Vec<Vec<f64>>, ChunkEval),
                    (b, chunk): (usize, &mut [f64])| {
            let len = chunk.len();
            let leaves = self.block_leaves(&agg.columns, alpha, b * BLOCK, len, bufs);
            chunk.copy_from_slice(ev.forward(&agg.term, &leaves, len));
        };
        if self.n <= PARALLEL_MIN {
            let mut scratch = init();
            out.chunks_mut(BLOCK)
                .enumerate()
                .for_each(|c| body(&mut scratch, c));
        } else {
            out.par_chunks_mut(BLOCK)
                .enumerate()
                .for_each_init(init, body);
        }
        out
    }

    /// Each aggregate reduced at x(α), without materialising per-agent terms where the
    /// reduction streams (mean, sum, var, std: block by block, the same compensated sums in the
    /// same order as [`reduce_one`]). At α = 0 with a constant baseline every agent has the
    /// same term, and the aggregate is exact without touching the agents. With `need_coef`,
    /// gini aggregates carry their per-agent rank coefficients (for the closed form).
    pub(crate) fn aggregates_at(
        &self,
        alpha: f64,
        which: &str,
        need_coef: bool,
    ) -> Result<Vec<AggValue>, AttributionError> {
        (0..self.ind.aggregates.len())
            .map(|j| self.aggregate_at(j, alpha, which, need_coef))
            .collect()
    }

    /// Aggregate j at x(α), as [`aggregates_at`](Self::aggregates_at).
    pub(crate) fn aggregate_at(
        &self,
        j: usize,
        alpha: f64,
        which: &str,
        need_coef: bool,
    ) -> Result<AggValue, AttributionError> {
        let n = self.n;
        let nf = self.rows.total as f64;
        let agg = &self.ind.aggregates[j];
        if let Some(g) = self.constant_term(agg, alpha) {
            return constant_aggregate(agg.kind, g, &self.rows, &agg.text, which, need_coef);
        }
        let kind = agg.kind;
        if kind == AggKind::Gini {
            return reduce_one(
                kind,
                &self.term_at(agg, alpha),
                &agg.text,
                which,
                need_coef,
                &self.rows,
                Some(&self.ranks[j]),
            );
        }
        let init = || (Vec::new(), ChunkEval::new(&agg.term, block_len(n)));
        let [sum] = self
            .rows
            .block_sums::<1, _, _, _>(init, |(bufs, ev), lo, hi, acc| {
                let leaves = self.block_leaves(&agg.columns, alpha, lo, hi - lo, bufs);
                acc[0].add_slice(ev.forward(&agg.term, &leaves, hi - lo));
            });
        let mean = sum / nf;
        Ok(match kind {
            AggKind::Mean => AggValue::new(mean, mean, 0.0),
            AggKind::Sum => AggValue::new(sum, mean, 0.0),
            AggKind::Central3 | AggKind::Central4 => {
                let k = kind.central_order().unwrap_or(3);
                let [mk, mk1] =
                    self.rows
                        .block_sums::<2, _, _, _>(init, |(bufs, ev), lo, hi, acc| {
                            let leaves = self.block_leaves(&agg.columns, alpha, lo, hi - lo, bufs);
                            let g = ev.forward(&agg.term, &leaves, hi - lo);
                            for &v in g {
                                let d = v - mean;
                                let p = d.powi(k - 1);
                                acc[0].add(p * d);
                                acc[1].add(p);
                            }
                        });
                AggValue::new(mk / nf, mean, mk1 / nf)
            }
            _ => {
                let [ss] = self
                    .rows
                    .block_sums::<1, _, _, _>(init, |(bufs, ev), lo, hi, acc| {
                        let leaves = self.block_leaves(&agg.columns, alpha, lo, hi - lo, bufs);
                        let g = ev.forward(&agg.term, &leaves, hi - lo);
                        acc[0].add_range(0, g.len(), |r| (g[r] - mean) * (g[r] - mean));
                    });
                AggValue::spread(kind, mean, ss / nf)
            }
        })
    }

    /// d/dα f(x(α)) = Σ_ik ∂f/∂x_ik · Δ_ik at each of `alphas`: what the completeness gap of a
    /// K-node rule needs (Σφ = Σ_q w_q f'(α_q)) without writing a per-agent gradient.
    ///
    /// An aggregate of an affine score moves along the path as g_i(α) = g_i(0) + α ġ_i, so a
    /// few moments taken once give its value and slope at every α (mean and sum are linear in
    /// α, var quadratic; gini from a constant baseline keeps its ranks, so G(α) S(α) is linear).
    /// Other aggregates take one forward-mode pass per α.
    pub(crate) fn slopes(&self, alphas: &[f64]) -> Result<Vec<f64>, AttributionError> {
        let moments = self
            .ind
            .aggregates
            .iter()
            .zip(&self.ranks)
            .map(|(agg, ranks)| self.moments(agg, ranks))
            .collect::<Result<Vec<_>, _>>()?;
        alphas
            .iter()
            .map(|&alpha| {
                let which = format!("path point α = {alpha:.6}");
                let mut values = Vec::with_capacity(moments.len());
                let mut slopes = Vec::with_capacity(moments.len());
                for ((agg, ranks), m) in self.ind.aggregates.iter().zip(&self.ranks).zip(&moments) {
                    let (v, d) = match m {
                        Some(m) => m.at(alpha, &which)?,
                        None => self.aggregate_slope(agg, ranks, alpha, &which)?,
                    };
                    values.push(v);
                    slopes.push(d);
                }
                let (f, d_outer) = scalar_gradient(&self.ind.outer, &values);
                self.finite(f, &which)?;
                let slope: f64 = d_outer.iter().zip(&slopes).map(|(a, b)| a * b).sum();
                self.finite(slope, &which)
            })
            .collect()
    }

    /// The moments of an aggregate whose score is affine in the columns, if it has them.
    fn moments(
        &self,
        agg: &Aggregate,
        ranks: &RankCache,
    ) -> Result<Option<Moments>, AttributionError> {
        let Some(aff) = crate::linear::affine(&agg.term, self.x.len()) else {
            return Ok(None);
        };
        let nf = self.rows.total as f64;
        // g_i(0) and ġ_i = g_i(1) − g_i(0) of agent i.
        let ends = |i: usize| -> [f64; 2] {
            let mut g0 = aff.b;
            let mut dg = 0.0;
            for (k, w) in aff.w.iter().enumerate() {
                let b = self.base[k].get(i);
                g0 += w * b;
                dg += w * (self.x[k][i] - b);
            }
            [g0, dg]
        };
        Ok(Some(match agg.kind {
            AggKind::Mean | AggKind::Sum => {
                let [s0, s1] = self.rows.sums_by::<2, _>(ends);
                let scale = if agg.kind == AggKind::Sum {
                    1.0
                } else {
                    1.0 / nf
                };
                Moments::Linear {
                    a0: s0 * scale,
                    a1: s1 * scale,
                }
            }
            AggKind::Var | AggKind::Std => {
                let [s0, s1] = self.rows.sums_by::<2, _>(ends);
                let (m0, m1) = (s0 / nf, s1 / nf);
                let [v00, c01, v11] = self.rows.sums_by::<3, _>(|i| {
                    let [g0, dg] = ends(i);
                    let (a, b) = (g0 - m0, dg - m1);
                    [a * a, a * b, b * b]
                });
                Moments::Spread {
                    v00: v00 / nf,
                    c01: c01 / nf,
                    v11: v11 / nf,
                    std: agg.kind == AggKind::Std,
                }
            }
            AggKind::Central3 | AggKind::Central4 => return Ok(None),
            AggKind::Gini => {
                let consts = self
                    .base
                    .iter()
                    .map(|b| match b {
                        BaseColumn::Const(c) => Some(*c),
                        BaseColumn::Values(_) => None,
                    })
                    .collect::<Option<Vec<f64>>>();
                let Some(consts) = consts else {
                    return Ok(None);
                };
                let g0 = scalar_value(&agg.term, &consts);
                if g0.is_nan() || g0 < 0.0 {
                    return Ok(None); // let the general path report what goes wrong where
                }
                let g1 = self.term_at(agg, 1.0);
                let (gini1, _, s1) = gini(&g1, &agg.text, "table", false, &self.rows, Some(ranks))?;
                Moments::Gini {
                    s0: g0 * nf,
                    s1,
                    gini1,
                }
            }
        }))
    }

    /// One aggregate's value and slope at x(α), by forward mode over the agents.
    fn aggregate_slope(
        &self,
        agg: &Aggregate,
        ranks: &RankCache,
        alpha: f64,
        which: &str,
    ) -> Result<(f64, f64), AttributionError> {
        let n = self.n;
        let nf = self.rows.total as f64;
        // Each block's terms and tangents into (g, t); scratch made once per rayon job.
        let init = || {
            (
                Vec::new(),
                Vec::new(),
                ChunkEval::new(&agg.term, block_len(n)),
                vec![0.0; block_len(n)],
                vec![0.0; block_len(n)],
            )
        };
        type Scratch = (Vec<Vec<f64>>, Vec<Vec<f64>>, ChunkEval, Vec<f64>, Vec<f64>);
        let block = |(bufs, dbufs, ev, g, t): &mut Scratch, lo: usize, hi: usize| {
            let len = hi - lo;
            let d = self.deltas(&agg.columns, lo, len, dbufs);
            let leaves = self.block_leaves(&agg.columns, alpha, lo, len, bufs);
            let (gv, tv) = ev.tangent(&agg.term, &leaves, &d, len);
            g[..len].copy_from_slice(gv);
            t[..len].copy_from_slice(tv);
        };
        Ok(match agg.kind {
            AggKind::Gini => {
                let mut g = crate::buf::zeroed(n);
                let mut t = crate::buf::zeroed(n);
                g.par_chunks_mut(BLOCK)
                    .zip(t.par_chunks_mut(BLOCK))
                    .enumerate()
                    .for_each_init(init, |scratch, (b, (gc, tc))| {
                        let (lo, len) = (b * BLOCK, gc.len());
                        block(scratch, lo, lo + len);
                        gc.copy_from_slice(&scratch.3[..len]);
                        tc.copy_from_slice(&scratch.4[..len]);
                    });
                gini_slope(&g, &t, &agg.text, which, &self.rows, Some(ranks))?
            }
            kind => {
                let [sum, dsum] = self.rows.block_sums::<2, _, _, _>(init, |s, lo, hi, acc| {
                    block(s, lo, hi);
                    for r in 0..hi - lo {
                        acc[0].add(s.3[r]);
                        acc[1].add(s.4[r]);
                    }
                });
                let mean = sum / nf;
                match kind {
                    AggKind::Mean => (mean, dsum / nf),
                    AggKind::Sum => (sum, dsum),
                    AggKind::Central3 | AggKind::Central4 => {
                        // dm_k/dα = (k/N) [Σ (g − ḡ)^{k−1} ġ − m_{k−1} Σ ġ].
                        let k = kind.central_order().unwrap_or(3);
                        let [mk, mk1, cross] =
                            self.rows.block_sums::<3, _, _, _>(init, |s, lo, hi, acc| {
                                block(s, lo, hi);
                                for r in 0..hi - lo {
                                    let d = s.3[r] - mean;
                                    let p = d.powi(k - 1);
                                    acc[0].add(p * d);
                                    acc[1].add(p);
                                    acc[2].add(p * s.4[r]);
                                }
                            });
                        let kf = f64::from(k);
                        (mk / nf, kf / nf * (cross - mk1 / nf * dsum))
                    }
                    _ => {
                        let [ss, cross] =
                            self.rows.block_sums::<2, _, _, _>(init, |s, lo, hi, acc| {
                                block(s, lo, hi);
                                for r in 0..hi - lo {
                                    let v = s.3[r] - mean;
                                    acc[0].add(v * v);
                                    acc[1].add(v * s.4[r]);
                                }
                            });
                        spread_at(ss / nf, 2.0 * cross / nf, kind == AggKind::Std)
                    }
                }
            }
        })
    }

    /// The common term of every agent when x(α) is the same for all of them (α = 0 and a
    /// constant baseline); `None` otherwise or when that term is not finite (the general path
    /// then reports it).
    fn constant_term(&self, agg: &Aggregate, alpha: f64) -> Option<f64> {
        if alpha != 0.0 {
            return None;
        }
        let g = scalar_value(&agg.term, self.base_constants.as_deref()?);
        g.is_finite().then_some(g)
    }

    /// f at x(α).
    pub(crate) fn value_at(&self, alpha: f64, which: &str) -> Result<f64, AttributionError> {
        let aggs = self.aggregates_at(alpha, which, false)?;
        self.value_of(&aggs, which)
    }

    /// f from its aggregates' values.
    pub(crate) fn value_of(&self, aggs: &[AggValue], which: &str) -> Result<f64, AttributionError> {
        let leaves: Vec<f64> = aggs.iter().map(|a| a.value).collect();
        self.finite(scalar_value(&self.ind.outer, &leaves), which)
    }

    pub(crate) fn finite(&self, v: f64, which: &str) -> Result<f64, AttributionError> {
        if v.is_finite() {
            Ok(v)
        } else {
            Err(AttributionError::NotFinite {
                indicator: self.ind.text_for_messages(),
                value: v,
                which: which.to_string(),
            })
        }
    }

    /// The aggregates at x(α) with what their gradient needs, and the per-agent terms of
    /// those whose seed reads them (var, std, gini). Mean and sum stream block by block
    /// instead (the same sums in the same order as [`reduce_one`], so the same bits): N
    /// aggregates of a large table do not hold N columns of terms at once.
    fn gradient_aggregates(
        &self,
        alpha: f64,
        which: &str,
    ) -> Result<(Vec<Vec<f64>>, Vec<AggValue>), AttributionError> {
        let mut terms = Vec::with_capacity(self.ind.aggregates.len());
        let mut aggs = Vec::with_capacity(self.ind.aggregates.len());
        for (j, (agg, ranks)) in self.ind.aggregates.iter().zip(&self.ranks).enumerate() {
            // α = 0 from a constant baseline takes a shortcut in `aggregate_at`; keep the
            // general reduction there.
            if matches!(agg.kind, AggKind::Mean | AggKind::Sum) && alpha != 0.0 {
                terms.push(Vec::new());
                aggs.push(self.aggregate_at(j, alpha, which, false)?);
            } else {
                let g = self.term_at(agg, alpha);
                aggs.push(reduce_one(
                    agg.kind,
                    &g,
                    &agg.text,
                    which,
                    true,
                    &self.rows,
                    Some(ranks),
                )?);
                terms.push(g);
            }
        }
        Ok((terms, aggs))
    }

    /// Add `weight · ∂f/∂x_k(x(α))` into `acc[k]` for every agent. Returns f(x(α)).
    pub(crate) fn accumulate_gradient(
        &self,
        alpha: f64,
        weight: f64,
        acc: &mut [Vec<f64>],
    ) -> Result<f64, AttributionError> {
        let which = format!("path point α = {alpha:.6}");
        let (terms, aggs) = self.gradient_aggregates(alpha, &which)?;
        let leaves: Vec<f64> = aggs.iter().map(|a| a.value).collect();
        let (value, d_outer) = scalar_gradient(&self.ind.outer, &leaves);
        self.finite(value, &which)?;
        let n = self.rows.total as f64;
        let d = self.x.len();
        let longest_term = self
            .ind
            .aggregates
            .iter()
            .map(|a| a.term.nodes.len())
            .max()
            .unwrap_or(1);
        let all_columns: Vec<usize> = (0..d).collect();
        // Split the per-column accumulators into per-block mutable pieces.
        let mut pieces: Vec<Vec<&mut [f64]>> = (0..self.n.div_ceil(BLOCK))
            .map(|_| Vec::with_capacity(d))
            .collect();
        for col in acc.iter_mut() {
            for (b, chunk) in col.chunks_mut(BLOCK).enumerate() {
                pieces[b].push(chunk);
            }
        }
        let bad = pieces
            .into_par_iter()
            .enumerate()
            .map_init(
                || {
                    // One scratch for all the aggregates (they run one after another), sized
                    // for the longest term and the block: memory does not grow with their
                    // number.
                    let ev = ChunkEval::for_nodes(longest_term, block_len(self.n));
                    let m = block_len(self.n);
                    (Vec::new(), vec![vec![0.0; m]; d], vec![0.0; m], ev)
                },
                |(bufs, grads, seed, ev), (b, mut out)| {
                    let lo = b * BLOCK;
                    let len = out[0].len();
                    let leaves = self.block_leaves(&all_columns, alpha, lo, len, bufs);
                    for g in grads.iter_mut() {
                        g[..len].fill(0.0);
                    }
                    for (j, agg) in self.ind.aggregates.iter().enumerate() {
                        let dj = d_outer[j];
                        if dj == 0.0 {
                            continue;
                        }
                        let a = &aggs[j];
                        // Empty for mean and sum, whose seed is the same for every agent.
                        let g = terms[j].get(lo..lo + len).unwrap_or_default();
                        for r in 0..len {
                            seed[r] = dj
                                * match agg.kind {
                                    AggKind::Mean => 1.0 / n,
                                    AggKind::Sum => 1.0,
                                    AggKind::Var => 2.0 * (g[r] - a.mean) / n,
                                    AggKind::Std => {
                                        if a.scale > 0.0 {
                                            (g[r] - a.mean) / (n * a.scale)
                                        } else {
                                            0.0
                                        }
                                    }
                                    AggKind::Gini => {
                                        a.gini_coef[lo + r] / (n * a.scale) - a.value / a.scale
                                    }
                                    AggKind::Central3 => {
                                        let d = g[r] - a.mean;
                                        3.0 * (d * d - a.scale) / n
                                    }
                                    AggKind::Central4 => {
                                        let d = g[r] - a.mean;
                                        4.0 * (d * d * d - a.scale) / n
                                    }
                                };
                        }
                        ev.forward(&agg.term, &leaves, len);
                        ev.backward(&agg.term, &leaves, seed, len, grads);
                    }
                    let mut bad = false;
                    for (k, dst) in out.iter_mut().enumerate() {
                        for r in 0..len {
                            let gr = grads[k][r];
                            bad |= !gr.is_finite();
                            dst[r] += weight * gr;
                        }
                    }
                    bad
                },
            )
            .reduce(|| false, |a, b| a || b);
        if self.rows.any(bad) {
            return Err(AttributionError::NotFinite {
                indicator: format!("gradient of {}", self.ind.text_for_messages()),
                value: f64::NAN,
                which,
            });
        }
        Ok(value)
    }
}

/// Reduce one aggregate's per-agent terms to its value (and what its gradient needs).
pub(crate) fn reduce_one(
    kind: AggKind,
    g: &[f64],
    text: &str,
    which: &str,
    need_grad: bool,
    rows: &Rows,
    ranks: Option<&RankCache>,
) -> Result<AggValue, AttributionError> {
    let nf = rows.total as f64;
    let mut out = AggValue {
        value: 0.0,
        mean: 0.0,
        scale: 0.0,
        gini_coef: Vec::new(),
    };
    if kind == AggKind::Gini {
        let (value, coef, total) = gini(g, text, which, need_grad, rows, ranks)?;
        out.value = value;
        out.mean = total / nf;
        out.scale = total;
        out.gini_coef = coef;
        return Ok(out);
    }
    let sum = rows.sum_by(|i| g[i]);
    let mean = sum / nf;
    out.mean = mean;
    match kind {
        AggKind::Mean => out.value = mean,
        AggKind::Sum => out.value = sum,
        AggKind::Central3 | AggKind::Central4 => {
            let k = kind.central_order().unwrap_or(3);
            let [mk, mk1] = rows.sums_by::<2, _>(|i| {
                let d = g[i] - mean;
                let p = d.powi(k - 1);
                [p * d, p]
            });
            out.value = mk / nf;
            out.scale = mk1 / nf;
        }
        _ => {
            let var = rows.sum_by(|i| (g[i] - mean) * (g[i] - mean)) / nf;
            out.value = if kind == AggKind::Var {
                var
            } else {
                var.sqrt()
            };
            out.scale = var.sqrt();
        }
    }
    Ok(out)
}

/// Gini of non-negative values, Σ s, and, when asked, each agent's 2·r_i − N − 1 (mid-ranks).
///
/// G = Σ_i c_i s_i / (N S) summed in agent order (not rank order), so that a partitioned table,
/// whose ranks come from a distributed sort, reduces the same terms in the same blocks.
pub(crate) fn gini(
    s: &[f64],
    text: &str,
    which: &str,
    need_coef: bool,
    rows: &Rows,
    ranks: Option<&RankCache>,
) -> Result<(f64, Vec<f64>, f64), AttributionError> {
    let total = gini_total(s, text, which, rows)?;
    let coef = rank_coefs(s, rows, ranks);
    let cs = rows.sum_by(|i| coef[i] * s[i]);
    let g = cs / (rows.total as f64 * total);
    Ok((g, if need_coef { coef } else { Vec::new() }, total))
}

/// Gini of non-negative values s(α) and its derivative along a path, given ṡ = ds/dα:
/// dG/dα = Σ_i c_i ṡ_i / (N S) − G Ṡ / S with c_i = 2·r_i − N − 1 (mid-ranks), S = Σ s, the
/// same one-sided convention at ties as the gradient.
pub(crate) fn gini_slope(
    s: &[f64],
    sdot: &[f64],
    text: &str,
    which: &str,
    rows: &Rows,
    ranks: Option<&RankCache>,
) -> Result<(f64, f64), AttributionError> {
    let total = gini_total(s, text, which, rows)?;
    let coef = rank_coefs(s, rows, ranks);
    let [cs, cross, sdot_total] =
        rows.sums_by::<3, _>(|i| [coef[i] * s[i], coef[i] * sdot[i], sdot[i]]);
    let n = rows.total as f64;
    let g = cs / (n * total);
    Ok((g, cross / (n * total) - g * sdot_total / total))
}

/// S = Σ s, after checking (over every rank) that no score is negative and S > 0.
fn gini_total(s: &[f64], text: &str, which: &str, rows: &Rows) -> Result<f64, AttributionError> {
    let negative = s.iter().filter(|v| **v < 0.0).count();
    let first = s.iter().position(|v| *v < 0.0);
    let mine = [
        negative as u64,
        first.map_or(u64::MAX, |r| (rows.offset + r) as u64),
        first.map_or(0, |r| s[r].to_bits()),
    ];
    let all = rows.all_u64s(&mine);
    let count: u64 = all.iter().map(|v| v[0]).sum();
    if count > 0 {
        let at = all
            .iter()
            .find(|v| v[0] > 0)
            .expect("some rank counted one");
        return Err(AttributionError::GiniNegative {
            term: text.to_string(),
            row: at[1] as usize,
            value: f64::from_bits(at[2]),
            count: count as usize,
            which: static_which(which),
        });
    }
    let total = rows.sum_by(|i| s[i]);
    if total <= 0.0 {
        return Err(AttributionError::GiniZeroTotal {
            which: static_which(which),
        });
    }
    Ok(total)
}

/// Each agent's 2·r_i − N − 1, with r_i its mid-rank in ascending (score, id) order: from a
/// local sort (or the cached order) in one process, from a sample sort across ranks otherwise.
fn rank_coefs(s: &[f64], rows: &Rows, cache: Option<&RankCache>) -> Vec<f64> {
    if rows.is_split() {
        return crate::sample_sort::mid_rank_coefs(s, rows);
    }
    let n = s.len();
    let mut coef = crate::buf::uninit(n);
    let ranked = Ranked::of(s, cache);
    let mut start = 0;
    while start < n {
        let key = ranked.at(start).0;
        let mut end = start + 1;
        while end < n && ranked.at(end).0 == key {
            end += 1;
        }
        // Ranks start+1..=end share the mid-rank (start + 1 + end) / 2.
        let c = (start + 1 + end) as f64 - n as f64 - 1.0;
        for t in start..end {
            coef[ranked.at(t).1 as usize].write(c);
        }
        start = end;
    }
    ranked.keep_in(cache);
    // SAFETY: the runs partition the agents, so every slot was written once.
    unsafe { crate::buf::assume_init(coef) }
}

/// An aggregate over N agents that all have the term `g` (finite).
fn constant_aggregate(
    kind: AggKind,
    g: f64,
    rows: &Rows,
    text: &str,
    which: &str,
    need_coef: bool,
) -> Result<AggValue, AttributionError> {
    let nf = rows.total as f64;
    let mut out = AggValue {
        value: 0.0,
        mean: g,
        scale: 0.0,
        gini_coef: Vec::new(),
    };
    match kind {
        AggKind::Mean => out.value = g,
        AggKind::Sum => out.value = g * nf,
        AggKind::Var | AggKind::Std | AggKind::Central3 | AggKind::Central4 => {}
        AggKind::Gini => {
            if g < 0.0 {
                return Err(AttributionError::GiniNegative {
                    term: text.to_string(),
                    row: 0,
                    value: g,
                    count: rows.total,
                    which: static_which(which),
                });
            }
            let total = g * nf;
            if total <= 0.0 {
                return Err(AttributionError::GiniZeroTotal {
                    which: static_which(which),
                });
            }
            // All ranks tie at the mid-rank (N + 1)/2: every coefficient 2·r − N − 1 is 0.
            out.scale = total;
            if need_coef {
                out.gini_coef = vec![0.0; rows.n];
            }
        }
    }
    Ok(out)
}

fn static_which(which: &str) -> &'static str {
    if which == "table" {
        "table"
    } else if which == "baseline" {
        "baseline"
    } else {
        "path"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gini_matches_the_pairwise_definition() {
        let s = [3.0, 0.0, 1.0, 1.0, 7.5, 2.0, 1.0];
        let n = s.len() as f64;
        let total: f64 = s.iter().sum();
        let mut pair = 0.0;
        for a in s {
            for b in s {
                pair += f64::abs(a - b);
            }
        }
        let (g, coef, _) = gini(&s, "s", "table", true, &Rows::local(s.len()), None).unwrap();
        assert!((g - pair / (2.0 * n * total)).abs() < 1e-15);
        // Ties share a mid-rank: the three 1.0s hold ranks 2..4 → 3 → 2·3 − 8 = −2.
        assert_eq!(coef[2], -2.0);
        assert_eq!(coef[3], -2.0);
        assert_eq!(coef[1], 2.0 - 8.0);
    }
}
