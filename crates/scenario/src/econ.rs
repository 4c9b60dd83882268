//! `[econ]`: the macroeconomy's parameters. Present = the scenario is an EconAgent-style
//! economy (agents from `[population] agents`, one tick per month) instead of a social world.

use serde::{Deserialize, Serialize};

use crate::location::{KeySeg, Problem};

/// `[econ]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EconConfig {
    /// Smallest hourly skill (wage at the initial wage level), dollars.
    pub skill_min: f64,
    /// Pareto shape of hourly skill (smaller = more unequal).
    pub skill_alpha: f64,
    /// Largest hourly skill (caps the Pareto tail).
    pub skill_max: f64,
    /// Hours worked in a month by an agent who works.
    pub hours_per_month: f64,
    /// Goods produced per hour worked.
    pub productivity: f64,
    /// Goods price at month 0.
    pub initial_price: f64,
    /// Money each agent starts with.
    pub initial_money: f64,
    /// Price adjustment per unit of relative excess demand.
    pub price_adjustment: f64,
    /// Wage adjustment per unit of relative excess labour demand.
    pub wage_adjustment: f64,
    /// Taylor rule: natural real rate.
    pub natural_rate: f64,
    /// Taylor rule: inflation target.
    pub inflation_target: f64,
    /// Taylor rule: natural unemployment.
    pub natural_unemployment: f64,
    /// Taylor rule: weight on the inflation gap.
    pub inflation_weight: f64,
    /// Taylor rule: weight on the unemployment gap.
    pub unemployment_weight: f64,
    /// Interest rate of the first year.
    pub initial_rate: f64,
    /// Months of decisions each agent remembers (prompts and the rule baseline).
    pub memory: usize,
}

impl Default for EconConfig {
    fn default() -> Self {
        Self {
            skill_min: 12.0,
            skill_alpha: 2.5,
            skill_max: 150.0,
            hours_per_month: 168.0,
            productivity: 1.0,
            initial_price: 20.0,
            initial_money: 0.0,
            price_adjustment: 0.1,
            wage_adjustment: 0.02,
            natural_rate: 0.01,
            inflation_target: 0.02,
            natural_unemployment: 0.04,
            inflation_weight: 0.5,
            unemployment_weight: 0.5,
            initial_rate: 0.01,
            memory: 3,
        }
    }
}

impl EconConfig {
    /// Semantic problems of `[econ]`.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out: Vec<(&'static str, String)> = Vec::new();
        let pos = [
            ("skill_min", self.skill_min),
            ("skill_alpha", self.skill_alpha),
            ("hours_per_month", self.hours_per_month),
            ("productivity", self.productivity),
            ("initial_price", self.initial_price),
        ];
        for (k, v) in pos {
            if !(v > 0.0 && v.is_finite()) {
                out.push((k, format!("must be positive, got {v}")));
            }
        }
        if self.skill_max < self.skill_min {
            out.push(("skill_max", "must be at least skill_min".into()));
        }
        for (k, v) in [
            ("initial_money", self.initial_money),
            ("price_adjustment", self.price_adjustment),
            ("wage_adjustment", self.wage_adjustment),
            ("inflation_weight", self.inflation_weight),
            ("unemployment_weight", self.unemployment_weight),
            ("initial_rate", self.initial_rate),
        ] {
            if !(v >= 0.0 && v.is_finite()) {
                out.push((k, format!("must be non-negative, got {v}")));
            }
        }
        for (k, v) in [
            ("price_adjustment", self.price_adjustment),
            ("wage_adjustment", self.wage_adjustment),
        ] {
            if v >= 1.0 {
                out.push((k, format!("must be below 1, got {v}")));
            }
        }
        if !(0.0..1.0).contains(&self.natural_unemployment) {
            out.push(("natural_unemployment", "must be in [0, 1)".into()));
        }
        if self.memory > 24 {
            out.push(("memory", "must be at most 24".into()));
        }
        out.into_iter()
            .map(|(k, message)| (vec![KeySeg::Key("econ"), KeySeg::Key(k)], message))
            .collect()
    }
}
