use crate::error::{AttributionError, TableError};
use crate::shard::Rows;
use crate::table::FeatureTable;

/// The reference point x' the attribution measures from: φ sums to f(x) − f(x').
#[derive(Debug, Clone, PartialEq)]
pub enum Baseline {
    /// Every feature 0: "the world where no agent did anything".
    Zero,
    /// Every agent gets the population-mean feature vector (equal shares; Gini 0).
    Mean,
    /// Every agent gets each column's minimum.
    Min,
    /// A constant per column, by name.
    Constants(Vec<(String, f64)>),
    /// Another table with the same agent ids (rows matched by id, not position).
    Table(FeatureTable),
}

/// One column of the baseline, as the attribution engine reads it.
#[derive(Debug, Clone)]
pub(crate) enum BaseColumn {
    Const(f64),
    Values(Vec<f64>),
}

impl BaseColumn {
    #[inline]
    pub(crate) fn get(&self, i: usize) -> f64 {
        match self {
            BaseColumn::Const(c) => *c,
            BaseColumn::Values(v) => v[i],
        }
    }
}

impl Baseline {
    pub fn name(&self) -> String {
        match self {
            Baseline::Zero => "zero".into(),
            Baseline::Mean => "mean".into(),
            Baseline::Min => "min".into(),
            Baseline::Constants(c) => c
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(","),
            Baseline::Table(_) => "table".into(),
        }
    }

    /// The baseline values of the named columns of `table`.
    pub(crate) fn resolve(
        &self,
        table: &FeatureTable,
        columns: &[String],
        rows: &Rows,
    ) -> Result<Vec<BaseColumn>, AttributionError> {
        let order = match self {
            Baseline::Table(base) => Some(match_rows(table, base)?),
            _ => None,
        };
        columns
            .iter()
            .map(|name| {
                let x = table.require(name)?;
                Ok(match self {
                    Baseline::Zero => BaseColumn::Const(0.0),
                    Baseline::Mean => BaseColumn::Const(rows.sum_by(|i| x[i]) / rows.total as f64),
                    Baseline::Min => {
                        BaseColumn::Const(rows.min(x.iter().copied().fold(f64::INFINITY, f64::min)))
                    }
                    Baseline::Constants(c) => BaseColumn::Const(
                        c.iter()
                            .find(|(k, _)| k == name)
                            .map(|(_, v)| *v)
                            .ok_or_else(|| AttributionError::BaselineMissingColumn(name.clone()))?,
                    ),
                    Baseline::Table(base) => {
                        let b = base.require(name).map_err(|e| match e {
                            TableError::UnknownColumn { name, available } => {
                                AttributionError::BaselineIds {
                                    detail: format!(
                                        "the baseline table has no column `{name}` (it has: {})",
                                        available.join(", ")
                                    ),
                                }
                            }
                            other => other.into(),
                        })?;
                        let order = order.as_ref().expect("set for tables");
                        BaseColumn::Values(order.iter().map(|&r| b[r]).collect())
                    }
                })
            })
            .collect()
    }
}

/// For each row of `table`, the row of `base` with the same agent id.
fn match_rows(table: &FeatureTable, base: &FeatureTable) -> Result<Vec<usize>, AttributionError> {
    if table.len() != base.len() {
        return Err(AttributionError::BaselineIds {
            detail: format!(
                "{} agents in the table, {} in the baseline",
                table.len(),
                base.len()
            ),
        });
    }
    let index = base.ids().index()?;
    (0..table.len())
        .map(|i| {
            let id = table.ids().label(i);
            index
                .get(&id)
                .copied()
                .ok_or_else(|| AttributionError::BaselineIds {
                    detail: format!("agent `{id}` (row {i}) is not in the baseline"),
                })
        })
        .collect()
}
