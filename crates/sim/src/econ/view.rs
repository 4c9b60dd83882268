//! What one monthly econ decision's prompt showed, as numbers ([`EconView`]), and the
//! features a distilled econ policy reads from it ([`EconView::features`]).
//!
//! The same function computes the features when an LLM econ run records its decisions
//! (`econ_decisions.parquet`), when `emergent distill` fits work and consumption to them,
//! and when the distilled econ policy decides: training and use cannot drift apart.

use super::economy::{EconDecision, Economy};
use super::tax;
use crate::AgentId;

/// Bumped whenever [`ECON_FEATURES`] change, so an econ `policy.json` fitted to other
/// features is refused, not misread.
pub const ECON_FEATURES_VERSION: u32 = 1;

/// Names of the features, in [`EconView::features`] order.
pub const ECON_FEATURES: [&str; 14] = [
    "bias",
    "log_buffer",
    "log_expected_income",
    "log_savings",
    "price_change",
    "wage_change",
    "interest_rate",
    "unemployment",
    "transfer_share",
    "tax_rate",
    "last_worked",
    "last_work",
    "last_consumption",
    "first_month",
];

/// The numbers of one agent's monthly decision prompt (`prompts/econagent.md`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct EconView {
    /// Hourly wage (skill × wage level).
    pub wage: f64,
    /// Income if it works this month.
    pub expected_income: f64,
    /// Savings (money on hand).
    pub savings: f64,
    /// Price of goods.
    pub price: f64,
    /// Price change since last month, as a fraction (the prompt's price trend; 0 in month 1).
    pub price_change: f64,
    /// Wage level change since last month (the prompt's wage trend).
    pub wage_change: f64,
    /// Annual interest rate on savings, a fraction.
    pub interest_rate: f64,
    /// Last month's unemployment, a fraction (0 in month 1).
    pub unemployment: f64,
    /// Last month's transfer per agent (the redistributed tax).
    pub transfer: f64,
    /// Average tax rate on the expected income (the brackets the prompt names).
    pub tax_rate: f64,
    /// Whether it worked last month (false in month 1).
    pub last_worked: bool,
    /// Last month's answers (0 in month 1).
    pub last_work: f64,
    pub last_consumption: f64,
    /// No month before: "this is your first month".
    pub first_month: bool,
}

/// `(now − before) / before`, 0 without a before (as the prompt's trends read).
fn change(now: f64, before: Option<f64>) -> f64 {
    match before {
        Some(b) if b > 0.0 => now / b - 1.0,
        _ => 0.0,
    }
}

impl EconView {
    /// What `agent`'s prompt shows in `e`'s current month (the tick-t state only).
    pub fn of(e: &Economy, agent: AgentId) -> Self {
        let a = agent as usize;
        let last = e.history.last();
        let prev = e.history.iter().rev().nth(1);
        let mine = e.recent[a].back();
        let income = e.expected_income(agent);
        Self {
            wage: e.hourly_wage(agent),
            expected_income: income,
            savings: e.money[a],
            price: e.price,
            price_change: change(e.price, last.map(|s| s.price).or(prev.map(|s| s.price))),
            wage_change: change(e.wage_level, last.map(|s| s.wage_level)),
            interest_rate: e.interest_rate,
            unemployment: last.map_or(0.0, |s| s.unemployment),
            transfer: last.map_or(0.0, |s| s.redistribution),
            tax_rate: match income > 0.0 {
                true => tax::monthly_tax(income) / income,
                false => 0.0,
            },
            last_worked: mine.is_some_and(|m| m.worked),
            last_work: mine.map_or(0.0, |m| m.decision.work),
            last_consumption: mine.map_or(0.0, |m| m.decision.consumption),
            first_month: mine.is_none(),
        }
    }

    /// The features, named by [`ECON_FEATURES`]: logs of the money amounts (savings as
    /// months of income: the buffer EconAgent's households reason about), the shown rates
    /// as fractions, last month's choices, flags as 0/1.
    pub fn features(&self) -> [f64; ECON_FEATURES.len()] {
        let income = self.expected_income.max(1e-9);
        let savings = self.savings.max(0.0);
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        [
            1.0,
            (savings / income).ln_1p(),
            self.expected_income.max(0.0).ln_1p(),
            savings.ln_1p(),
            self.price_change,
            self.wage_change,
            self.interest_rate,
            self.unemployment,
            self.transfer / income,
            self.tax_rate,
            flag(self.last_worked),
            self.last_work,
            self.last_consumption,
            flag(self.first_month),
        ]
    }
}

/// One recorded decision of an LLM-driven household (a row of `econ_decisions.parquet`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EconDecisionRecord {
    /// Who decided.
    pub agent: AgentId,
    /// In which month (0-based).
    pub month: u32,
    /// Index of the agent's `[[llm.groups]]` entry (0 when the scenario declares none).
    pub group: u32,
    /// The request failed and the rule baseline decided instead.
    pub fell_back: bool,
    /// What the prompt showed.
    pub view: EconView,
    /// The answer, on the 0.02 grid.
    pub decision: EconDecision,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::econ::{EconPolicy, RuleBaseline};
    use emergent_scenario::EconConfig;

    #[test]
    fn the_view_reads_the_month_the_prompt_shows() {
        let mut e = Economy::new(&EconConfig::default(), 4, 3);
        let v0 = EconView::of(&e, 1);
        assert!(v0.first_month && !v0.last_worked && v0.price_change == 0.0);
        assert_eq!(v0.savings, e.money[1]);
        let f = v0.features();
        assert_eq!(f.len(), ECON_FEATURES.len());
        assert!(f.iter().all(|x| x.is_finite()), "{f:?}");
        let d = RuleBaseline.decide_batch(&e, &e.deciders());
        e.step(&d);
        let v1 = EconView::of(&e, 1);
        assert!(!v1.first_month);
        assert_eq!(v1.last_work, d[1].work);
        assert_eq!(v1.unemployment, e.history[0].unemployment);
        assert!((v1.price_change - (e.price / e.history[0].price - 1.0)).abs() < 1e-15);
        assert!(v1.tax_rate > 0.0 && v1.tax_rate < 0.37);
    }
}
