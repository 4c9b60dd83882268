//! The monthly decisions of an `[econ]` run's decision log as samples (the context as the
//! engine's [`EconView`], and the answer), and the same split into fitting and held-out
//! agents as the social log's.

use std::path::Path;

use emergent_io::run_dir::{EconDecisionRows, read_econ_decisions};
use emergent_sim::econ::{EconDecision, EconView};

use crate::dataset::is_held_out;

/// One decision of an LLM-driven household that the model answered (not a fallback).
#[derive(Clone, Debug, PartialEq)]
pub struct EconSample {
    pub agent: u32,
    pub month: u32,
    pub group: u32,
    pub view: EconView,
    pub decision: EconDecision,
}

/// A run's usable econ decisions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EconDecisions {
    pub samples: Vec<EconSample>,
    /// Decisions the rule baseline made instead (the request failed): not used.
    pub fell_back: usize,
}

impl EconDecisions {
    /// The econ decision log of the run in `dir` (`econ_decisions.parquet`).
    pub fn read(dir: &Path) -> Result<Self, emergent_io::IoError> {
        Ok(Self::from_rows(&read_econ_decisions(dir)?))
    }

    /// Samples from the table's rows (checked by the reader).
    pub fn from_rows(d: &EconDecisionRows) -> Self {
        let mut out = Self::default();
        for r in 0..d.len() {
            if d.fell_back[r] != 0 {
                out.fell_back += 1;
                continue;
            }
            let view = EconView {
                wage: d.wage[r],
                expected_income: d.expected_income[r],
                savings: d.savings[r],
                price: d.price[r],
                price_change: d.price_change[r],
                wage_change: d.wage_change[r],
                interest_rate: d.interest_rate[r],
                unemployment: d.unemployment[r],
                transfer: d.transfer[r],
                tax_rate: d.tax_rate[r],
                last_worked: d.last_worked[r] != 0,
                last_work: d.last_work[r],
                last_consumption: d.last_consumption[r],
                first_month: d.first_month[r] != 0,
            };
            out.samples.push(EconSample {
                agent: d.agent[r],
                month: d.tick[r],
                group: d.group[r],
                view,
                decision: EconDecision {
                    work: d.work[r],
                    consumption: d.consumption[r],
                },
            });
        }
        out
    }

    /// (fitting, held-out) samples: held-out agents as in the social log.
    pub fn split(&self) -> (Vec<&EconSample>, Vec<&EconSample>) {
        self.samples.iter().partition(|s| !is_held_out(s.agent))
    }
}
