//! The economy's state, its monthly step, and the contract of an economic policy (see the
//! module docs of [`crate::econ`] for the model).

use std::collections::VecDeque;

use emergent_scenario::EconConfig;
use serde::{Deserialize, Serialize};

use super::tax;
use crate::AgentId;
use crate::rng::AgentRng;

/// Random-stream purposes of the economy (distinct from the social engine's).
pub mod purpose {
    /// Initial skill draw.
    pub const SKILL: u64 = 101;
    /// Bernoulli(work) labour draw.
    pub const LABOUR: u64 = 102;
    /// The rule baseline's small decision noise.
    pub const RULE: u64 = 103;
}

/// The per-agent feature columns of an economy, in order (`skill` first: the only one that
/// does not move with the months).
pub const FEATURES: [&str; 10] = [
    "skill",
    "hours_worked",
    "months_worked",
    "income",
    "tax_paid",
    "transfers",
    "consumption",
    "real_consumption",
    "interest",
    "wealth",
];

/// Decision grid: EconAgent's propensities move in steps of 0.02.
pub const STEP: f64 = 0.02;

/// Snap a propensity to the [0, 1] grid of [`STEP`].
pub fn snap(x: f64) -> f64 {
    if !x.is_finite() {
        return 0.0;
    }
    ((x.clamp(0.0, 1.0) / STEP).round() * STEP).clamp(0.0, 1.0)
}

/// The relative excess demand (d − s) / max(d, s), 0 when both are 0: in [−1, 1].
pub fn relative_excess(demand: f64, supply: f64) -> f64 {
    let top = demand.max(supply);
    if top > 0.0 {
        (demand - supply) / top
    } else {
        0.0
    }
}

/// EconAgent's Taylor rule before its floor at 0: r* + π* + α_π (π − π*) + α_u (u* − u).
pub fn taylor_rate(cfg: &EconConfig, inflation: f64, unemployment: f64) -> f64 {
    cfg.natural_rate
        + cfg.inflation_target
        + cfg.inflation_weight * (inflation - cfg.inflation_target)
        + cfg.unemployment_weight * (cfg.natural_unemployment - unemployment)
}

/// Year-on-year growth of a monthly quantity's annual mean, as EconAgent measures price and
/// wage inflation: mean over `year` / mean over `before` − 1.
pub fn annual_inflation(
    year: &[MonthStats],
    before: &[MonthStats],
    f: impl Fn(&MonthStats) -> f64,
) -> f64 {
    let now: f64 = year.iter().map(&f).sum::<f64>() / year.len() as f64;
    let then: f64 = before.iter().map(&f).sum::<f64>() / before.len() as f64;
    now / then - 1.0
}

/// One agent's monthly answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EconDecision {
    /// Propensity to work, in [0, 1].
    pub work: f64,
    /// Share of money on hand to spend, in [0, 1].
    pub consumption: f64,
}

/// What an economic policy needs: decisions of every agent for the current month.
///
/// The same contract as the social [`crate::Policy`]: results depend only on the state and
/// keyed streams, are returned in the order of `agents`, and `stats`/`halt` feed the
/// manifest and clean stops.
pub trait EconPolicy: Send + Sync {
    /// Short name for logs.
    fn name(&self) -> &'static str;
    /// Decisions of `agents` (ascending) for month `economy.month`, in that order.
    fn decide_batch(&self, economy: &Economy, agents: &[AgentId]) -> Vec<EconDecision>;
    /// Optional periodic reflection: a short note per agent, stored in the economy and
    /// shown in later prompts. `None` keeps the previous note.
    fn reflect(&self, _economy: &Economy) -> Vec<Option<String>> {
        Vec::new()
    }
    /// Counters for the run manifest.
    fn stats(&self) -> Vec<(String, f64)> {
        Vec::new()
    }
    /// `Some(why)` when the run must stop cleanly after this month.
    fn halt(&self) -> Option<crate::policy::PolicyHalt> {
        None
    }
    /// The decisions of LLM-driven households since the last call, in month and agent
    /// order (`econ_decisions.parquet`); empty for policies without a model behind them.
    fn take_decision_log(&self) -> Vec<super::view::EconDecisionRecord> {
        Vec::new()
    }
}

/// An agent's month, kept for memory (prompts) and the rule baseline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentMonth {
    /// Month index.
    pub month: u32,
    /// Decision taken.
    pub decision: EconDecision,
    /// Whether the agent worked.
    pub worked: bool,
    /// Pre-tax income.
    pub income: f64,
    /// Tax paid.
    pub tax: f64,
    /// Money spent on goods.
    pub spending: f64,
    /// Money on hand after the month.
    pub money: f64,
}

/// Aggregates of one month.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MonthStats {
    /// Month index (0-based).
    pub month: u32,
    /// Share of agents who did not work.
    pub unemployment: f64,
    /// Goods price during the month.
    pub price: f64,
    /// Wage level during the month (multiplies every skill).
    pub wage_level: f64,
    /// Price change over the last 12 months (NaN in the first year).
    pub price_inflation: f64,
    /// Wage change over the last 12 months (NaN in the first year).
    pub wage_inflation: f64,
    /// Production at the current price.
    pub nominal_gdp: f64,
    /// Production at the initial price.
    pub real_gdp: f64,
    /// Annual interest rate in force.
    pub interest_rate: f64,
    /// Goods demanded (units).
    pub demand: f64,
    /// Goods produced (units).
    pub production: f64,
    /// Tax revenue redistributed per agent.
    pub redistribution: f64,
}

/// The whole economy: the checkpoint of an economic run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Economy {
    /// Master seed.
    pub seed: u64,
    /// Next month to run (months already run).
    pub month: u32,
    /// Parameters.
    pub cfg: EconConfig,
    /// Hourly skill of each agent (wage at wage level 1).
    pub skill: Vec<f64>,
    /// Money on hand.
    pub money: Vec<f64>,
    /// Cumulative hours worked.
    pub hours_worked: Vec<f64>,
    /// Cumulative pre-tax income.
    pub income: Vec<f64>,
    /// Cumulative tax paid.
    pub tax_paid: Vec<f64>,
    /// Cumulative lump-sum transfers received.
    pub transfers: Vec<f64>,
    /// Cumulative money spent on goods.
    pub consumption: Vec<f64>,
    /// Cumulative goods bought.
    pub goods: Vec<f64>,
    /// Cumulative interest earned.
    pub interest: Vec<f64>,
    /// Last months of each agent, newest last, at most `cfg.memory`.
    pub recent: Vec<VecDeque<AgentMonth>>,
    /// Latest reflection note of each agent.
    pub reflection: Vec<String>,
    /// Goods price.
    pub price: f64,
    /// Wage level.
    pub wage_level: f64,
    /// Unsold goods.
    pub inventory: f64,
    /// Annual interest rate in force.
    pub interest_rate: f64,
    /// Aggregates of every month run.
    pub history: Vec<MonthStats>,
}

impl Economy {
    /// Month 0: skills drawn from a (capped) Pareto distribution, each from its agent's stream.
    pub fn new(cfg: &EconConfig, agents: usize, seed: u64) -> Self {
        let skill = (0..agents)
            .map(|a| {
                let u = AgentRng::new(seed, a as u64, 0, purpose::SKILL).next_f64_open0();
                (cfg.skill_min * u.powf(-1.0 / cfg.skill_alpha)).min(cfg.skill_max)
            })
            .collect();
        let zeros = vec![0.0; agents];
        Self {
            seed,
            month: 0,
            cfg: cfg.clone(),
            skill,
            money: vec![cfg.initial_money; agents],
            hours_worked: zeros.clone(),
            income: zeros.clone(),
            tax_paid: zeros.clone(),
            transfers: zeros.clone(),
            consumption: zeros.clone(),
            goods: zeros.clone(),
            interest: zeros,
            recent: vec![VecDeque::new(); agents],
            reflection: vec![String::new(); agents],
            price: cfg.initial_price,
            wage_level: 1.0,
            inventory: 0.0,
            interest_rate: cfg.initial_rate,
            history: Vec::new(),
        }
    }

    /// Number of agents.
    pub fn agents(&self) -> usize {
        self.skill.len()
    }

    /// Hourly wage of `agent` this month.
    pub fn hourly_wage(&self, agent: AgentId) -> f64 {
        self.skill[agent as usize] * self.wage_level
    }

    /// Income `agent` earns this month if it works.
    pub fn expected_income(&self, agent: AgentId) -> f64 {
        self.hourly_wage(agent) * self.cfg.hours_per_month
    }

    /// Every agent, ascending: every agent decides every month.
    pub fn deciders(&self) -> Vec<AgentId> {
        (0..self.agents() as AgentId).collect()
    }

    /// Run one month on `decisions` (one per agent, in id order).
    pub fn step(&mut self, decisions: &[EconDecision]) -> MonthStats {
        let n = self.agents();
        assert_eq!(decisions.len(), n, "one decision per agent");
        let cfg = self.cfg.clone();
        let m = self.month;
        let mut worked = vec![false; n];
        let mut month_income = vec![0.0; n];
        let mut month_tax = vec![0.0; n];
        for a in 0..n {
            let d = decisions[a];
            let w = snap(d.work);
            worked[a] = AgentRng::new(self.seed, a as u64, m as u64, purpose::LABOUR).chance(w);
            if worked[a] {
                month_income[a] = cfg.hours_per_month * self.skill[a] * self.wage_level;
                month_tax[a] = tax::monthly_tax(month_income[a]);
            }
        }
        let revenue: f64 = month_tax.iter().sum();
        let transfer = if n > 0 { revenue / n as f64 } else { 0.0 };
        let mut hours = 0.0;
        for a in 0..n {
            let h = if worked[a] { cfg.hours_per_month } else { 0.0 };
            hours += h;
            self.hours_worked[a] += h;
            self.income[a] += month_income[a];
            self.tax_paid[a] += month_tax[a];
            self.transfers[a] += transfer;
            self.money[a] += month_income[a] - month_tax[a] + transfer;
        }
        let production = cfg.productivity * hours;
        self.inventory += production;
        let wanted: Vec<f64> = (0..n)
            .map(|a| snap(decisions[a].consumption) * self.money[a].max(0.0) / self.price)
            .collect();
        let demand: f64 = wanted.iter().sum();
        let ration = if demand > self.inventory && demand > 0.0 {
            self.inventory / demand
        } else {
            1.0
        };
        let mut spending = vec![0.0; n];
        let mut sold = 0.0;
        for a in 0..n {
            let q = wanted[a] * ration;
            sold += q;
            spending[a] = (q * self.price).min(self.money[a].max(0.0));
            self.money[a] -= spending[a];
            self.consumption[a] += spending[a];
            self.goods[a] += q;
        }
        let available = self.inventory;
        self.inventory = (self.inventory - sold).max(0.0);
        let unemployment = if n > 0 {
            worked.iter().filter(|&&w| !w).count() as f64 / n as f64
        } else {
            0.0
        };
        let yoy = |now: f64, f: fn(&MonthStats) -> f64| -> f64 {
            if m >= 12 {
                now / f(&self.history[(m - 12) as usize]) - 1.0
            } else {
                f64::NAN
            }
        };
        let stats = MonthStats {
            month: m,
            unemployment,
            price: self.price,
            wage_level: self.wage_level,
            price_inflation: yoy(self.price, |s| s.price),
            wage_inflation: yoy(self.wage_level, |s| s.wage_level),
            nominal_gdp: production * self.price,
            real_gdp: production * cfg.initial_price,
            interest_rate: self.interest_rate,
            demand,
            production,
            redistribution: transfer,
        };
        self.history.push(stats);
        for a in 0..n {
            let r = &mut self.recent[a];
            r.push_back(AgentMonth {
                month: m,
                decision: EconDecision {
                    work: snap(decisions[a].work),
                    consumption: snap(decisions[a].consumption),
                },
                worked: worked[a],
                income: month_income[a],
                tax: month_tax[a],
                spending: spending[a],
                money: self.money[a],
            });
            while r.len() > cfg.memory.max(1) {
                r.pop_front();
            }
        }
        // Price and wage level both follow the month's relative excess demand for goods,
        // (demand − goods available) / max(both), as in EconAgent's `SimpleConsumption`
        // (both moves scale the same imbalance; see `price_adjustment`).
        let imbalance = relative_excess(demand, available);
        self.price = (self.price * (1.0 + cfg.price_adjustment * imbalance)).max(1e-9);
        self.wage_level = (self.wage_level * (1.0 + cfg.wage_adjustment * imbalance)).max(1e-9);
        if m % 12 == 11 {
            self.year_end(m);
        }
        self.month += 1;
        stats
    }

    /// Pay the year's interest on savings at the rate in force, then, from the end of the
    /// second year on, set next year's rate by EconAgent's Taylor rule (Li et al. 2024, §3;
    /// reference `SimpleSaving`): r = r* + π* + α_π (π − π*) + α_u (u* − u), floored at 0,
    /// where π is the year's inflation (mean price of the year over the previous year's) and
    /// u the year's mean monthly unemployment. The first two years keep `initial_rate`.
    fn year_end(&mut self, m: u32) {
        let r = self.interest_rate;
        for a in 0..self.agents() {
            let earned = self.money[a].max(0.0) * r;
            self.money[a] += earned;
            self.interest[a] += earned;
        }
        if m < 23 {
            return;
        }
        let year = &self.history[(m - 11) as usize..=m as usize];
        let before = &self.history[(m - 23) as usize..=(m - 12) as usize];
        let inflation = annual_inflation(year, before, |s| s.price);
        let unemployment = year.iter().map(|s| s.unemployment).sum::<f64>() / 12.0;
        let rate = taylor_rate(&self.cfg, inflation, unemployment);
        self.interest_rate = if rate.is_finite() { rate.max(0.0) } else { 0.0 };
    }

    /// Names of the per-agent feature columns, in order.
    pub fn feature_names(&self) -> Vec<String> {
        FEATURES.map(String::from).to_vec()
    }

    /// One feature column by name.
    pub fn feature(&self, name: &str) -> Option<Vec<f64>> {
        let h = self.cfg.hours_per_month;
        Some(match name {
            "skill" => self.skill.clone(),
            "hours_worked" => self.hours_worked.clone(),
            "months_worked" => self.hours_worked.iter().map(|x| x / h).collect(),
            "income" => self.income.clone(),
            "tax_paid" => self.tax_paid.clone(),
            "transfers" => self.transfers.clone(),
            "consumption" => self.consumption.clone(),
            "real_consumption" => self.goods.clone(),
            "interest" => self.interest.clone(),
            "wealth" => self.money.clone(),
            _ => return None,
        })
    }

    /// Every feature column, with its name.
    pub fn features(&self) -> Vec<(String, Vec<f64>)> {
        self.feature_names()
            .into_iter()
            .filter_map(|n| self.feature(&n).map(|c| (n, c)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::econ::RuleBaseline;

    fn run(months: u32, seed: u64) -> Economy {
        let mut e = Economy::new(&EconConfig::default(), 10, seed);
        let rule = RuleBaseline;
        for _ in 0..months {
            let d = rule.decide_batch(&e, &e.deciders());
            e.step(&d);
        }
        e
    }

    #[test]
    fn snap_uses_the_002_grid() {
        assert_eq!(snap(0.333), 0.34);
        assert_eq!(snap(-3.0), 0.0);
        assert_eq!(snap(7.0), 1.0);
        assert_eq!(snap(f64::NAN), 0.0);
    }

    #[test]
    fn twenty_years_on_the_rule_baseline_are_plausible() {
        let e = run(240, 3);
        assert_eq!(e.history.len(), 240);
        for s in &e.history {
            assert!((0.0..=1.0).contains(&s.unemployment), "{s:?}");
            assert!(s.price > 0.0 && s.price.is_finite(), "{s:?}");
            assert!(s.nominal_gdp.is_finite() && s.real_gdp.is_finite(), "{s:?}");
            assert!(s.interest_rate >= 0.0, "{s:?}");
        }
        let mean_u = e.history.iter().map(|s| s.unemployment).sum::<f64>() / 240.0;
        assert!((0.01..0.4).contains(&mean_u), "mean unemployment {mean_u}");
        let last = e.history[239];
        assert!(last.price_inflation.abs() < 0.5, "{last:?}");
        assert!(e.money.iter().all(|m| *m >= 0.0 && m.is_finite()));
        // Money is conserved except for interest: income and transfers in, spending out.
        let in_out: f64 = (0..10)
            .map(|a| {
                e.income[a] - e.tax_paid[a] + e.transfers[a] + e.interest[a] - e.consumption[a]
            })
            .sum();
        let held: f64 = e.money.iter().sum();
        assert!(
            (in_out - held).abs() < 1e-6 * held.max(1.0),
            "{in_out} vs {held}"
        );
    }

    #[test]
    fn same_seed_same_economy_other_seed_differs() {
        // Debug output compares NaN (first-year inflation) as equal text.
        assert_eq!(format!("{:?}", run(36, 5)), format!("{:?}", run(36, 5)));
        assert_ne!(run(36, 5).money, run(36, 6).money);
    }
}
