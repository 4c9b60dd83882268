//! Which agents an interview asks (`--agents`): ids (`3,7,9`), a range (`10..20`, the end
//! excluded), the top K by a feature at the tick (`top:K:COLUMN`), or the top K by |φ| of an
//! indicator in `attribution.parquet` (`phi:K:INDICATOR`: the agents who drove it).

use std::path::Path;

use emergent_attribution::FeatureTable;
use emergent_io::{IdColumn, read_dataset, run_dir};

use crate::error::RunError;

/// Largest K of `top:` and `phi:` and most ids of a list (each is one request).
pub const MAX_AGENTS: usize = 100_000;

/// A parsed `--agents`.
#[derive(Clone, Debug, PartialEq)]
pub enum Selector {
    /// These agents, in this order.
    Ids(Vec<u32>),
    /// `lo..hi`, `hi` excluded.
    Range(u32, u32),
    /// The K largest values of a feature at the tick.
    Top { k: usize, column: String },
    /// The K largest |φ| of an indicator.
    Phi { k: usize, indicator: String },
}

/// The error of a bad `--agents`, saying the forms it takes.
pub(crate) fn bad(spec: &str, why: &str) -> RunError {
    RunError::Interview {
        what: format!("--agents {spec}"),
        message: format!(
            "{why}; use ids (3,7,9), a range (10..20, the end excluded), top:K:COLUMN (the K \
             largest values of a feature at the tick) or phi:K:INDICATOR (the K largest |φ| of \
             an indicator)"
        ),
    }
}

fn count(spec: &str, k: &str) -> Result<usize, RunError> {
    match k.trim().parse::<usize>() {
        Ok(k) if (1..=MAX_AGENTS).contains(&k) => Ok(k),
        _ => Err(bad(
            spec,
            &format!("K must be a whole number from 1 to {MAX_AGENTS}, got `{k}`"),
        )),
    }
}

fn id(spec: &str, s: &str) -> Result<u32, RunError> {
    s.trim()
        .parse::<u32>()
        .map_err(|_| bad(spec, &format!("`{}` is not an agent id", s.trim())))
}

impl Selector {
    /// Parse `spec`.
    pub fn parse(spec: &str) -> Result<Self, RunError> {
        let s = spec.trim();
        if s.is_empty() {
            return Err(bad(spec, "no agents given"));
        }
        let named = |rest: &str| -> Result<(usize, String), RunError> {
            let (k, name) = rest
                .split_once(':')
                .ok_or_else(|| bad(spec, "expected K and a name after the colon"))?;
            if name.trim().is_empty() {
                return Err(bad(spec, "the name after K is empty"));
            }
            Ok((count(spec, k)?, name.trim().to_string()))
        };
        if let Some(rest) = s.strip_prefix("top:") {
            let (k, column) = named(rest)?;
            return Ok(Selector::Top { k, column });
        }
        if let Some(rest) = s.strip_prefix("phi:") {
            let (k, indicator) = named(rest)?;
            return Ok(Selector::Phi { k, indicator });
        }
        if let Some((lo, hi)) = s.split_once("..") {
            let (lo, hi) = (id(spec, lo)?, id(spec, hi)?);
            if lo >= hi {
                return Err(bad(spec, &format!("the range {lo}..{hi} is empty")));
            }
            if (hi - lo) as usize > MAX_AGENTS {
                return Err(bad(spec, &format!("at most {MAX_AGENTS} agents at once")));
            }
            return Ok(Selector::Range(lo, hi));
        }
        let ids = s
            .split(',')
            .map(|x| id(spec, x))
            .collect::<Result<Vec<u32>, _>>()?;
        if ids.len() > MAX_AGENTS {
            return Err(bad(spec, &format!("at most {MAX_AGENTS} agents at once")));
        }
        let mut seen = std::collections::HashSet::new();
        Ok(Selector::Ids(
            ids.into_iter().filter(|a| seen.insert(*a)).collect(),
        ))
    }

    /// The agents selected among `agents` agents of which `drives` says which are LLM agents,
    /// with the features at the tick in `table` and the run in `dir`. Ids and ranges must
    /// name LLM agents that exist; `top:` and `phi:` rank the LLM agents only.
    pub fn resolve(
        &self,
        spec: &str,
        table: &FeatureTable,
        dir: &Path,
        drives: &dyn Fn(u32) -> bool,
    ) -> Result<Vec<u32>, RunError> {
        let n = table.len() as u32;
        let explicit = |ids: Vec<u32>| -> Result<Vec<u32>, RunError> {
            if let Some(a) = ids.iter().find(|&&a| a >= n) {
                return Err(bad(
                    spec,
                    &format!(
                        "agent {a} does not exist: the run has {n} agents (ids 0 to {})",
                        n.saturating_sub(1)
                    ),
                ));
            }
            if let Some(a) = ids.iter().find(|&&a| !drives(a)) {
                return Err(bad(
                    spec,
                    &format!(
                        "agent {a} is not an LLM agent (the scenario's [[llm.groups]] do not \
                         include it: it ran on the surrogate policy and has no voice); choose \
                         among the LLM agents"
                    ),
                ));
            }
            Ok(ids)
        };
        match self {
            Selector::Ids(ids) => explicit(ids.clone()),
            Selector::Range(lo, hi) => explicit((*lo..*hi).collect()),
            Selector::Top { k, column } => {
                let values = table.column(column).ok_or_else(|| {
                    bad(
                        spec,
                        &format!(
                            "the run has no feature `{column}`; its features are: {}",
                            table.column_names().join(", ")
                        ),
                    )
                })?;
                Ok(top(values, *k, drives, |x| x))
            }
            Selector::Phi { k, indicator } => {
                let phi = read_dataset(dir, run_dir::ATTRIBUTION, &IdColumn::Default)?;
                let name = format!("phi_{indicator}");
                let values = phi.column(&name).ok_or_else(|| {
                    let known: Vec<&str> = phi
                        .column_names()
                        .iter()
                        .filter_map(|c| c.strip_prefix("phi_"))
                        .collect();
                    bad(
                        spec,
                        &format!(
                            "attribution.parquet has no φ of indicator `{indicator}`; it has: {}",
                            if known.is_empty() {
                                "none".to_string()
                            } else {
                                known.join(", ")
                            }
                        ),
                    )
                })?;
                Ok(top(values, *k, drives, f64::abs))
            }
        }
    }
}

/// The `k` LLM agents with the largest `key(value)` (ties: the lower id first; NaN last).
fn top(values: &[f64], k: usize, drives: &dyn Fn(u32) -> bool, key: fn(f64) -> f64) -> Vec<u32> {
    let mut ids: Vec<u32> = (0..values.len() as u32).filter(|&a| drives(a)).collect();
    let v = |a: u32| {
        let x = key(values[a as usize]);
        if x.is_nan() { f64::NEG_INFINITY } else { x }
    };
    ids.sort_by(|&a, &b| v(b).total_cmp(&v(a)).then(a.cmp(&b)));
    ids.truncate(k);
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_parses_and_bad_ones_say_the_forms() {
        assert_eq!(
            Selector::parse("3, 7,9,3").unwrap(),
            Selector::Ids(vec![3, 7, 9])
        );
        assert_eq!(Selector::parse("10..20").unwrap(), Selector::Range(10, 20));
        assert_eq!(
            Selector::parse("top:5:followers").unwrap(),
            Selector::Top {
                k: 5,
                column: "followers".into()
            }
        );
        assert_eq!(
            Selector::parse("phi:3:polarization").unwrap(),
            Selector::Phi {
                k: 3,
                indicator: "polarization".into()
            }
        );
        for bad in ["", "x", "5..2", "top:0:a", "top:3", "phi:3:", "1,-2"] {
            let e = Selector::parse(bad).unwrap_err().to_string();
            assert!(e.contains("phi:K:INDICATOR"), "{bad}: {e}");
        }
    }

    #[test]
    fn top_ranks_llm_agents_only() {
        let v = [0.1, -0.9, 0.5, f64::NAN, 0.5];
        let all = |_| true;
        assert_eq!(top(&v, 2, &all, |x| x), vec![2, 4]);
        assert_eq!(top(&v, 2, &all, f64::abs), vec![1, 2]);
        assert_eq!(top(&v, 9, &|a| a != 1, f64::abs), vec![2, 4, 0, 3]);
    }
}
