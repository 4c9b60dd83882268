//! The decision log of an `[econ]` LLM run: `econ_decisions.parquet`, one row per monthly
//! decision an LLM-driven household made — what its prompt showed as numbers and what it
//! answered. Written by the runner, read by `emergent distill`. Flags are `UInt32` 0/1.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::IoError;
use crate::parquet_guard;
use crate::parquet_table::ParquetColumn;

use super::decisions::read_columns;
use super::names::parquet_name;

/// `econ_decisions.parquet`.
pub const ECON_DECISIONS: &str = "econ_decisions";

/// Rows of `econ_decisions.parquet`, column by column (docs/run-directory.md). Serialisable:
/// an econ run keeps its recorded rows in its checkpoint.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EconDecisionRows {
    /// Month (0-based).
    pub tick: Vec<u32>,
    pub agent: Vec<u32>,
    /// Index of the agent's `[[llm.groups]]` entry (0 without groups).
    pub group: Vec<u32>,
    /// 1: the request failed and the rule baseline decided.
    pub fell_back: Vec<u32>,
    pub wage: Vec<f64>,
    pub expected_income: Vec<f64>,
    pub savings: Vec<f64>,
    pub price: Vec<f64>,
    pub price_change: Vec<f64>,
    pub wage_change: Vec<f64>,
    pub interest_rate: Vec<f64>,
    pub unemployment: Vec<f64>,
    pub transfer: Vec<f64>,
    pub tax_rate: Vec<f64>,
    pub last_worked: Vec<u32>,
    pub last_work: Vec<f64>,
    pub last_consumption: Vec<f64>,
    pub first_month: Vec<u32>,
    /// The answer: work propensity.
    pub work: Vec<f64>,
    /// The answer: consumption propensity.
    pub consumption: Vec<f64>,
}

/// The F64 columns after the flags, in file order (and the reader's).
const NUMBERS: [&str; 10] = [
    "wage",
    "expected_income",
    "savings",
    "price",
    "price_change",
    "wage_change",
    "interest_rate",
    "unemployment",
    "transfer",
    "tax_rate",
];

impl EconDecisionRows {
    pub fn len(&self) -> usize {
        self.tick.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tick.is_empty()
    }

    /// Append `other`'s rows.
    pub fn extend(&mut self, other: EconDecisionRows) {
        let EconDecisionRows {
            tick,
            agent,
            group,
            fell_back,
            wage,
            expected_income,
            savings,
            price,
            price_change,
            wage_change,
            interest_rate,
            unemployment,
            transfer,
            tax_rate,
            last_worked,
            last_work,
            last_consumption,
            first_month,
            work,
            consumption,
        } = other;
        self.tick.extend(tick);
        self.agent.extend(agent);
        self.group.extend(group);
        self.fell_back.extend(fell_back);
        self.wage.extend(wage);
        self.expected_income.extend(expected_income);
        self.savings.extend(savings);
        self.price.extend(price);
        self.price_change.extend(price_change);
        self.wage_change.extend(wage_change);
        self.interest_rate.extend(interest_rate);
        self.unemployment.extend(unemployment);
        self.transfer.extend(transfer);
        self.tax_rate.extend(tax_rate);
        self.last_worked.extend(last_worked);
        self.last_work.extend(last_work);
        self.last_consumption.extend(last_consumption);
        self.first_month.extend(first_month);
        self.work.extend(work);
        self.consumption.extend(consumption);
    }

    fn numbers(&self) -> [&Vec<f64>; 10] {
        [
            &self.wage,
            &self.expected_income,
            &self.savings,
            &self.price,
            &self.price_change,
            &self.wage_change,
            &self.interest_rate,
            &self.unemployment,
            &self.transfer,
            &self.tax_rate,
        ]
    }

    /// The Parquet columns, in the documented order.
    pub fn into_columns(self) -> Vec<ParquetColumn> {
        use ParquetColumn::*;
        let mut cols = vec![
            U32("tick".into(), self.tick.clone()),
            U32("agent".into(), self.agent.clone()),
            U32("group".into(), self.group.clone()),
            U32("fell_back".into(), self.fell_back.clone()),
        ];
        for (name, v) in NUMBERS.iter().zip(self.numbers()) {
            cols.push(F64(name.to_string(), v.clone()));
        }
        cols.extend([
            U32("last_worked".into(), self.last_worked),
            F64("last_work".into(), self.last_work),
            F64("last_consumption".into(), self.last_consumption),
            U32("first_month".into(), self.first_month),
            F64("work".into(), self.work),
            F64("consumption".into(), self.consumption),
        ]);
        cols
    }
}

fn u32s(v: &[f64]) -> Vec<u32> {
    v.iter().map(|&x| x as u32).collect()
}

/// The econ decision log of the run in `dir`. Errors name the file and, for a value that
/// cannot be a decision (a propensity outside [0, 1], a missing number), its row.
pub fn read_econ_decisions(dir: &Path) -> Result<EconDecisionRows, IoError> {
    let path = dir.join(parquet_name(ECON_DECISIONS));
    if !path.exists() {
        return Err(IoError::new(
            &path,
            "no econ decision log: this [econ] run has no LLM-driven households (or was made by \
             a version before econ decision logs); run an [econ] scenario with [llm] enabled = true first",
        ));
    }
    let mut names = vec!["tick", "agent", "group", "fell_back"];
    names.extend(NUMBERS);
    names.extend([
        "last_worked",
        "last_work",
        "last_consumption",
        "first_month",
        "work",
        "consumption",
    ]);
    let c = parquet_guard::without_panics(&path, || read_columns(&path, &names))?;
    let rows = EconDecisionRows {
        tick: u32s(&c[0]),
        agent: u32s(&c[1]),
        group: u32s(&c[2]),
        fell_back: u32s(&c[3]),
        wage: c[4].clone(),
        expected_income: c[5].clone(),
        savings: c[6].clone(),
        price: c[7].clone(),
        price_change: c[8].clone(),
        wage_change: c[9].clone(),
        interest_rate: c[10].clone(),
        unemployment: c[11].clone(),
        transfer: c[12].clone(),
        tax_rate: c[13].clone(),
        last_worked: u32s(&c[14]),
        last_work: c[15].clone(),
        last_consumption: c[16].clone(),
        first_month: u32s(&c[17]),
        work: c[18].clone(),
        consumption: c[19].clone(),
    };
    check(&path, &rows)?;
    Ok(rows)
}

fn check(path: &Path, r: &EconDecisionRows) -> Result<(), IoError> {
    for i in 0..r.len() {
        let at = |what: String| IoError::new(path, format!("row {}: {what}", i + 1));
        if let Some(k) = r.numbers().iter().position(|c| !c[i].is_finite()) {
            return Err(at(format!("`{}` is missing or not finite", NUMBERS[k])));
        }
        for (name, v) in [
            ("work", r.work[i]),
            ("consumption", r.consumption[i]),
            ("last_work", r.last_work[i]),
            ("last_consumption", r.last_consumption[i]),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(at(format!("`{name}` = {v} is not a propensity in [0, 1]")));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write_parquet_columns;

    #[test]
    fn the_log_reads_back_and_bad_rows_are_located() {
        let dir = tempfile::tempdir().unwrap();
        let mut r = EconDecisionRows::default();
        for a in 0..3u32 {
            let one = EconDecisionRows {
                tick: vec![0],
                agent: vec![a],
                group: vec![0],
                fell_back: vec![u32::from(a == 2)],
                wage: vec![20.0],
                expected_income: vec![3360.0],
                savings: vec![100.0 * a as f64],
                price: vec![20.0],
                price_change: vec![0.0],
                wage_change: vec![0.0],
                interest_rate: vec![0.03],
                unemployment: vec![0.1],
                transfer: vec![50.0],
                tax_rate: vec![0.1],
                last_worked: vec![1],
                last_work: vec![0.5],
                last_consumption: vec![0.2],
                first_month: vec![0],
                work: vec![0.9],
                consumption: vec![0.3],
            };
            r.extend(one);
        }
        let path = dir.path().join(parquet_name(ECON_DECISIONS));
        write_parquet_columns(&path, r.clone().into_columns()).unwrap();
        assert_eq!(read_econ_decisions(dir.path()).unwrap(), r);
        r.consumption[1] = 1.5;
        write_parquet_columns(&path, r.into_columns()).unwrap();
        let e = read_econ_decisions(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("econ_decisions.parquet") && e.contains("row 2"),
            "{e}"
        );
        let e = read_econ_decisions(&dir.path().join("x"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("no econ decision log"), "{e}");
    }
}
