//! `[econ]`: the macroeconomy's parameters. Present = the scenario is an EconAgent-style
//! economy (agents from `[population] agents`, one tick per month) instead of a social world.

use serde::{Deserialize, Serialize};

use crate::location::{Problem, Problems};

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
    /// Monthly price change per unit of relative excess demand for goods. EconAgent draws
    /// the change from U(0, imbalance × max_price_inflation) with max_price_inflation = 0.1;
    /// this is that draw's mean, hence the default 0.05.
    pub price_adjustment: f64,
    /// Monthly wage change per unit of relative excess demand for goods. EconAgent draws
    /// it from U(0, imbalance × max_wage_inflation) with max_wage_inflation = 0.05; this is
    /// the mean, hence the default 0.025.
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
    /// Interest rate of the first two years (the Taylor rule sets it from the end of the
    /// second year on; EconAgent: 0.03).
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
            price_adjustment: 0.05,
            wage_adjustment: 0.025,
            natural_rate: 0.01,
            inflation_target: 0.02,
            natural_unemployment: 0.04,
            inflation_weight: 0.5,
            unemployment_weight: 0.5,
            initial_rate: 0.03,
            memory: 3,
        }
    }
}

/// Cap on the economy's money amounts and prices: far beyond any sensible economy, far
/// below where sums over households overflow.
const MAX_MONEY: f64 = 1e12;

impl EconConfig {
    /// Semantic problems of `[econ]`.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Problems::default();
        let at = |k| ["econ", k];
        out.real_above(&at("skill_min"), self.skill_min, 0.0, 1e6);
        out.real_above(&at("skill_alpha"), self.skill_alpha, 0.0, 100.0);
        out.real(
            &at("skill_max"),
            self.skill_max,
            self.skill_min.max(0.0),
            1e6,
        );
        // A month has at most 31 × 24 = 744 hours.
        out.real_above(&at("hours_per_month"), self.hours_per_month, 0.0, 744.0);
        out.real_above(&at("productivity"), self.productivity, 0.0, 1e6);
        out.real_above(&at("initial_price"), self.initial_price, 0.0, MAX_MONEY);
        out.real(&at("initial_money"), self.initial_money, 0.0, MAX_MONEY);
        for (k, v) in [
            ("price_adjustment", self.price_adjustment),
            ("wage_adjustment", self.wage_adjustment),
        ] {
            out.check(
                (0.0..1.0).contains(&v),
                &at(k),
                format!("must be a number in [0, 1), got {v}"),
            );
        }
        for (k, v) in [
            ("natural_rate", self.natural_rate),
            ("inflation_target", self.inflation_target),
        ] {
            out.real(&at(k), v, -1.0, 1.0);
        }
        out.check(
            (0.0..1.0).contains(&self.natural_unemployment),
            &at("natural_unemployment"),
            format!(
                "must be a number in [0, 1), got {}",
                self.natural_unemployment
            ),
        );
        for (k, v) in [
            ("inflation_weight", self.inflation_weight),
            ("unemployment_weight", self.unemployment_weight),
        ] {
            out.real(&at(k), v, 0.0, 10.0);
        }
        out.real(&at("initial_rate"), self.initial_rate, 0.0, 1.0);
        out.count(&at("memory"), self.memory as u64, 0, 24);
        out.0
    }
}
