//! The rule baseline: how an EconAgent-style household behaves without an LLM, and the
//! surrogate an LLM agent falls back to.
//!
//! Work: households work unless their savings already cover many months of income
//! (`w` falls from 1 as the buffer passes six months). Consumption: a Keynesian rule —
//! spend 90 % of this month's expected disposable income plus 10 % of the savings —
//! expressed as the share `c` of money on hand. A little keyed noise keeps agents from
//! moving in lockstep; both answers are snapped to the 0.02 grid.

use super::economy::{EconDecision, EconPolicy, Economy, purpose, snap};
use crate::AgentId;
use crate::rng::AgentRng;

/// EconAgent's rule-based household.
#[derive(Clone, Copy, Debug, Default)]
pub struct RuleBaseline;

impl RuleBaseline {
    /// The rule's decision for one agent.
    pub fn decide_one(&self, e: &Economy, agent: AgentId) -> EconDecision {
        let a = agent as usize;
        let mut rng = AgentRng::new(e.seed, a as u64, e.month as u64, purpose::RULE);
        let u_work = rng.next_f64();
        let u_noise = rng.next_f64();
        let (work, consumption) = rule_propensities(
            e.expected_income(agent),
            e.money[a],
            e.history.last().map_or(0.0, |s| s.redistribution),
            u_work,
            u_noise,
        );
        EconDecision {
            work: snap(work),
            consumption: snap(consumption),
        }
    }
}

/// The rule's work and consumption before they are snapped to the grid, from what the
/// household sees (expected income, money on hand, last month's transfer) and its two
/// uniform draws in [0, 1): `emergent distill` derives the rule's probabilities from it.
pub fn rule_propensities(
    expected_income: f64,
    money: f64,
    transfer: f64,
    u_work: f64,
    u_noise: f64,
) -> (f64, f64) {
    let income = expected_income.max(1e-9);
    let money = money.max(0.0);
    let buffer = money / income;
    let work = (1.0 - 0.05 * (buffer - 6.0).max(0.0)).clamp(0.3, 1.0) - 0.12 * u_work;
    // `c` applies to money after this month's pay, so plan on that.
    let gross = expected_income * work;
    let disposable = gross - super::tax::monthly_tax(gross) + transfer;
    let after_pay = money + disposable;
    let consumption = if after_pay > 0.0 {
        (0.9 * disposable + 0.1 * money) / after_pay
    } else {
        0.0
    };
    (work, consumption + 0.02 * (u_noise - 0.5))
}

impl EconPolicy for RuleBaseline {
    fn name(&self) -> &'static str {
        "econ_rule"
    }

    fn decide_batch(&self, economy: &Economy, agents: &[AgentId]) -> Vec<EconDecision> {
        agents
            .iter()
            .map(|&a| self.decide_one(economy, a))
            .collect()
    }
}
