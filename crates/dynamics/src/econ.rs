//! Expected-value EconAgent economy on the rule baseline (crates/sim/src/econ).
//!
//! Participation: w_j scales how much of household j's labour enters the market, and with it
//! the income, and so the demand, it brings: at w_j = 0 it does not work and buys only with
//! the money it has (its equal share of the tax rebate, any initial money); w = 1 is the run.
//! Along the path w = α·1 the whole economy scales with α. (`scale_demand` also weights
//! demand by w_j directly; see there why that is off.) Per month, in the order of
//! `Economy::step`:
//!
//! - the rule's decisions at their expected value: work propensity
//!   k = clamp(1 − 0.05·(buffer − 6)₊, 0.3, 1) − 0.06 (the mean of the 0.12·U noise; snapping
//!   a value spread uniformly over six grid steps leaves its mean unchanged) and the Keynesian
//!   consumption share c from the planned disposable income F·k − T(F·k) + last month's rebate
//!   (its ±0.01 noise spans one grid step: mean unchanged);
//! - labour is the expected draw: agent j works e_j = w_j·k_j of a month, earning e_j·F_j
//!   (F = hours × skill × wage level) and paying e_j·T(F_j); the revenue is rebated equally;
//! - demand q_j = c_j·money_j / P; the goods sold are D·ρ(available / D), every buyer
//!   rationed by the same ρ ≈ min(1, ·);
//! - price and wage level both move with the relative excess demand for goods,
//!   (d − s)/max(d, s); every twelfth month savings earn the rate in force and, from the
//!   second year's end, the Taylor rule on the ratio of the year's mean price to the previous
//!   year's sets the next one; unemployment is the share of the labour endowment not worked.
//!
//! Smoothing (each of the run's hard corners replaced by a smooth one, as the average over
//! the run's noise would smooth it; the widths are of the order of that noise for ten
//! households, e.g. 0.5·sd(yearly unemployment) ≈ 1 pp for the rate): the rationing
//! min(1, x) (width 0.05), the max in the excess-demand gap (relative width 0.05), the tax
//! brackets (2 % of each monthly threshold), the work clamp (0.25 months of buffer) and the
//! Taylor rule's floor at 0 (1 percentage point). Narrower corners track the run no better
//! and make the path in α sharp, which Gauss–Legendre pays for in nodes. Everything else is
//! the run's arithmetic with the noise replaced by its mean, so the model is a Jensen
//! approximation of the run's expected path: decisions are taken at the expected state. It
//! tracks the run's totals (hours, income, consumption) within ~1 % over 10 years, but the
//! Gini of wealth of its households is ~20 % below the run's: the labour draws' luck is part
//! of the run's inequality and not of the expected path.
//!
//! Outputs: the economy's per-agent features that depend on w (`skill` does not).
//! An LLM household is modelled by this rule, the surrogate it falls back to.

use emergent_scenario::EconConfig;
use emergent_sim::econ::Economy;
use emergent_sim::econ::tax::BRACKETS;

use crate::model::{Dynamics, Trajectory};
use crate::smooth::{sigmoid, softplus};

/// Width of the smooth rationing corner, in units of available/demanded.
const RATION_WIDTH: f64 = 0.05;
/// Relative width of the smooth max in the excess-demand gap.
const GAP_WIDTH: f64 = 0.05;
/// Width of the smooth tax-bracket corners, as a fraction of each threshold.
const TAX_WIDTH: f64 = 0.02;
/// Width of the smooth work-clamp corners, in months of income saved.
const WORK_WIDTH: f64 = 0.25;
/// Width of the smooth floor of the interest rate at 0.
const RATE_WIDTH: f64 = 0.01;
/// Mean of the rule's work noise 0.12·U.
const WORK_NOISE_MEAN: f64 = 0.06;

/// The expected-value economy. Built from the month-0 economy of a run by
/// [`EconField::from_economy`]; its fields are public so tests can build edge cases (an agent
/// who cannot work, a tax-free economy).
pub struct EconField {
    pub cfg: EconConfig,
    pub skill: Vec<f64>,
    /// Money at month 0.
    pub money0: Vec<f64>,
    /// Hours an agent works in a month it works (the run: `hours_per_month` for everyone).
    pub hours: Vec<f64>,
    /// Monthly tax brackets: (upper bound, marginal rate), ascending; the last may be open.
    pub brackets: Vec<(f64, f64)>,
    pub months: u32,
    /// Also weight each household's demand by w_j (on top of the income its labour brings).
    /// Off by default: then demand falls with participation only through money, the whole
    /// economy scales with α along the path, and Gauss–Legendre converges exponentially.
    /// On, demand goes as α² against output as α, and as α → 0 the price deflates for
    /// ~log(1/α)/0.1 months: the path of a scale-free indicator (a Gini of wealth) wiggles
    /// at every scale near 0 and its completeness gap stays large (0.1 at K = 1024 over 240
    /// months).
    pub scale_demand: bool,
}

/// The economy's features that participation moves: all but `skill`, in the run's order.
const OUTPUTS: &[&str] = {
    let (_, moving) = emergent_sim::econ::FEATURES.split_at(1);
    moving
};

/// Index of each output in [`OUTPUTS`].
mod out {
    pub const HOURS: usize = 0;
    pub const MONTHS: usize = 1;
    pub const INCOME: usize = 2;
    pub const TAX: usize = 3;
    pub const TRANSFERS: usize = 4;
    pub const CONSUMPTION: usize = 5;
    pub const GOODS: usize = 6;
    pub const INTEREST: usize = 7;
    pub const WEALTH: usize = 8;
}

/// The state at the start of a month besides money (which is per agent).
#[derive(Clone, Copy)]
struct Globals {
    price: f64,
    wage: f64,
    inventory: f64,
    rate: f64,
    /// Last month's rebate per agent (the rule plans with it).
    rebate: f64,
}

const GLOBALS: usize = 5;

impl Globals {
    fn pack(&self) -> [f64; GLOBALS] {
        [
            self.price,
            self.wage,
            self.inventory,
            self.rate,
            self.rebate,
        ]
    }

    fn unpack(s: &[f64]) -> Self {
        Globals {
            price: s[0],
            wage: s[1],
            inventory: s[2],
            rate: s[3],
            rebate: s[4],
        }
    }
}

/// One month's intermediate values, recomputed by `backward` from the stored state.
struct Month {
    /// Full-month income F = hours × skill × wage.
    full: Vec<f64>,
    /// Buffer b = money / max(F, 1e-9) and dk/db.
    buffer: Vec<f64>,
    dk_db: Vec<f64>,
    /// Expected work propensity k.
    work: Vec<f64>,
    /// Planned gross income G = F·k and T'(G).
    planned: Vec<f64>,
    dtax_planned: Vec<f64>,
    /// Planned disposable income G − T(G) + last rebate.
    disposable: Vec<f64>,
    /// Consumption share c.
    share: Vec<f64>,
    /// T(F) and T'(F).
    tax_full: Vec<f64>,
    dtax_full: Vec<f64>,
    /// Expected share of the month worked e = w·k.
    worked: Vec<f64>,
    /// Money after pay and rebate.
    after_pay: Vec<f64>,
    /// Goods wanted q = w·c·money_after_pay / P.
    wanted: Vec<f64>,
    rebate: f64,
    hours: f64,
    available: f64,
    demand: f64,
    ration: f64,
    dration: f64,
    unemployment: f64,
}

/// The run's relative excess demand (d − s)/max(d, s), with the max smoothed to
/// (d + s + √((d − s)² + (κ(d + s))²))/2 (κ = [`GAP_WIDTH`]; scale-free like the max), and its
/// partials in d and s. The run's form is C¹ but its curvature jumps where supply meets
/// demand, which is where the economy sits.
fn gap(d: f64, s: f64) -> (f64, f64, f64) {
    let sum = d + s;
    if sum <= 0.0 {
        return (0.0, 0.0, 0.0);
    }
    let diff = d - s;
    let k2 = GAP_WIDTH * GAP_WIDTH;
    let r = (diff * diff + k2 * sum * sum).sqrt();
    let m = 0.5 * (sum + r);
    let dm_dd = 0.5 * (1.0 + (diff + k2 * sum) / r);
    let dm_ds = 0.5 * (1.0 + (-diff + k2 * sum) / r);
    let g = diff / m;
    (g, 1.0 / m - g * dm_dd / m, -1.0 / m - g * dm_ds / m)
}

impl EconField {
    /// The model of a run that starts from `economy` (month 0: `Economy::new`) and lasts
    /// `months`.
    pub fn from_economy(economy: &Economy, months: u32) -> Self {
        let cfg = economy.cfg.clone();
        let n = economy.agents();
        EconField {
            skill: economy.skill.clone(),
            money0: economy.money.clone(),
            hours: vec![cfg.hours_per_month; n],
            brackets: BRACKETS
                .iter()
                .map(|&(upper, rate)| (upper / 12.0, rate))
                .collect(),
            cfg,
            months,
            scale_demand: false,
        }
    }

    /// The weight of household a's demand at participation w_a.
    #[inline]
    fn demand_weight(&self, w: f64) -> f64 {
        if self.scale_demand { w } else { 1.0 }
    }

    /// Smoothed monthly tax T(x) and T'(x): each bracket corner a softplus corner; 0 for no
    /// income, as in the run.
    fn tax(&self, x: f64) -> (f64, f64) {
        let Some(&(_, first)) = self.brackets.first() else {
            return (0.0, 0.0);
        };
        if x <= 0.0 {
            return (0.0, 0.0);
        }
        let (mut t, mut dt) = (first * x, first);
        for pair in self.brackets.windows(2) {
            let (threshold, below) = pair[0];
            let above = pair[1].1;
            if !threshold.is_finite() {
                break;
            }
            let width = TAX_WIDTH * threshold.max(1e-9);
            t += (above - below) * softplus(x - threshold, width);
            dt += (above - below) * sigmoid((x - threshold) / width);
        }
        (t, dt)
    }

    fn month(&self, w: &[f64], money: &[f64], g: &Globals) -> Month {
        let n = self.skill.len();
        let mut m = Month {
            full: vec![0.0; n],
            buffer: vec![0.0; n],
            dk_db: vec![0.0; n],
            work: vec![0.0; n],
            planned: vec![0.0; n],
            dtax_planned: vec![0.0; n],
            disposable: vec![0.0; n],
            share: vec![0.0; n],
            tax_full: vec![0.0; n],
            dtax_full: vec![0.0; n],
            worked: vec![0.0; n],
            after_pay: vec![0.0; n],
            wanted: vec![0.0; n],
            rebate: 0.0,
            hours: 0.0,
            available: 0.0,
            demand: 0.0,
            ration: 1.0,
            dration: 0.0,
            unemployment: 0.0,
        };
        let (mut revenue, mut hours, mut endowment) = (0.0, 0.0, 0.0);
        for a in 0..n {
            let f = self.hours[a] * self.skill[a] * g.wage;
            let b = money[a] / f.max(1e-9);
            // clamp(1 − 0.05 (b − 6)₊, 0.3, 1) = 1 − 0.05 ((b − 6)₊ − (b − 20)₊).
            let base =
                1.0 - 0.05 * (softplus(b - 6.0, WORK_WIDTH) - softplus(b - 20.0, WORK_WIDTH));
            let dbase =
                -0.05 * (sigmoid((b - 6.0) / WORK_WIDTH) - sigmoid((b - 20.0) / WORK_WIDTH));
            let k = base - WORK_NOISE_MEAN;
            let planned = f * k;
            let (tp, dtp) = self.tax(planned);
            let disp = planned - tp + g.rebate;
            let denom = money[a] + disp;
            let share = if denom > 0.0 {
                (0.9 * disp + 0.1 * money[a]) / denom
            } else {
                0.0
            };
            let (tf, dtf) = self.tax(f);
            let e = w[a] * k;
            revenue += e * tf;
            hours += e * self.hours[a];
            endowment += self.hours[a];
            m.full[a] = f;
            m.buffer[a] = b;
            m.dk_db[a] = dbase;
            m.work[a] = k;
            m.planned[a] = planned;
            m.dtax_planned[a] = dtp;
            m.disposable[a] = disp;
            m.share[a] = share;
            m.tax_full[a] = tf;
            m.dtax_full[a] = dtf;
            m.worked[a] = e;
        }
        m.rebate = if n > 0 { revenue / n as f64 } else { 0.0 };
        m.hours = hours;
        m.unemployment = if endowment > 0.0 {
            1.0 - hours / endowment
        } else {
            0.0
        };
        m.available = g.inventory + self.cfg.productivity * hours;
        let mut demand = 0.0;
        for a in 0..n {
            let e = m.worked[a];
            m.after_pay[a] = money[a] + e * m.full[a] - e * m.tax_full[a] + m.rebate;
            m.wanted[a] = self.demand_weight(w[a]) * m.share[a] * m.after_pay[a] / g.price;
            demand += m.wanted[a];
        }
        m.demand = demand;
        if demand > 0.0 {
            // min(1, x) = 1 − (1 − x)₊, smoothed.
            let x = m.available / demand;
            m.ration = 1.0 - softplus(1.0 - x, RATION_WIDTH);
            m.dration = sigmoid((1.0 - x) / RATION_WIDTH);
        }
        m
    }

    /// Sums of the price over the year ending at month `t` and over the year before (the
    /// Taylor rule's inflation is their ratio − 1: the annual means' ratio).
    fn year_sums(prices: &[f64], t: usize) -> (f64, f64) {
        let now = prices[t - 11..=t].iter().sum::<f64>();
        let then = prices[t - 23..t - 11].iter().sum::<f64>();
        (now, then)
    }
}

impl Dynamics for EconField {
    fn agents(&self) -> usize {
        self.skill.len()
    }

    fn outputs(&self) -> &'static [&'static str] {
        OUTPUTS
    }

    fn forward(&self, w: &[f64], _needed: &[bool]) -> Trajectory {
        let n = self.agents();
        let cfg = &self.cfg;
        let mut money = self.money0.clone();
        let mut g = Globals {
            price: cfg.initial_price,
            wage: 1.0,
            inventory: 0.0,
            rate: cfg.initial_rate,
            rebate: 0.0,
        };
        let mut outs = vec![vec![0.0; n]; OUTPUTS.len()];
        let mut prices = Vec::with_capacity(self.months as usize);
        let mut unemployment = Vec::with_capacity(self.months as usize);
        // states[t] = money at the start of month t, then the globals; the last two entries
        // are the price and unemployment paths (the Taylor rule reads them).
        let mut states = Vec::with_capacity(self.months as usize + 2);
        for t in 0..self.months as usize {
            let mut s = money.clone();
            s.extend_from_slice(&g.pack());
            states.push(s);
            let m = self.month(w, &money, &g);
            prices.push(g.price);
            unemployment.push(m.unemployment);
            for a in 0..n {
                let e = m.worked[a];
                let spend = m.wanted[a] * m.ration * g.price;
                outs[out::HOURS][a] += e * self.hours[a];
                outs[out::INCOME][a] += e * m.full[a];
                outs[out::TAX][a] += e * m.tax_full[a];
                outs[out::TRANSFERS][a] += m.rebate;
                outs[out::CONSUMPTION][a] += spend;
                outs[out::GOODS][a] += m.wanted[a] * m.ration;
                money[a] = m.after_pay[a] - spend;
            }
            let (imbalance, _, _) = gap(m.demand, m.available);
            let next = Globals {
                price: g.price * (1.0 + cfg.price_adjustment * imbalance),
                wage: g.wage * (1.0 + cfg.wage_adjustment * imbalance),
                inventory: m.available - m.demand * m.ration,
                rate: g.rate,
                rebate: m.rebate,
            };
            let mut rate = next.rate;
            if t % 12 == 11 {
                for a in 0..n {
                    let earned = money[a] * g.rate;
                    money[a] += earned;
                    outs[out::INTEREST][a] += earned;
                }
                if t >= 23 {
                    let (now, then) = Self::year_sums(&prices, t);
                    let mean_u = unemployment[t - 11..=t].iter().sum::<f64>() / 12.0;
                    rate = softplus(self.taylor(now / then - 1.0, mean_u), RATE_WIDTH);
                }
            }
            g = Globals { rate, ..next };
        }
        let per_month = cfg.hours_per_month;
        outs[out::MONTHS] = outs[out::HOURS].iter().map(|h| h / per_month).collect();
        outs[out::WEALTH] = money;
        states.push(prices);
        states.push(unemployment);
        Trajectory {
            outputs: outs,
            states,
        }
    }

    fn backward(&self, w: &[f64], fwd: &Trajectory, d_out: &[Option<Vec<f64>>]) -> Vec<f64> {
        let n = self.agents();
        let months = self.months as usize;
        let zero = vec![0.0; n];
        let o = |k: usize| d_out.get(k).and_then(|v| v.as_ref()).unwrap_or(&zero);
        let per_month = self.cfg.hours_per_month;
        // Cumulative outputs: their adjoints are the same every month.
        let outs = OutputBars {
            hours: (0..n)
                .map(|a| o(out::HOURS)[a] + o(out::MONTHS)[a] / per_month)
                .collect(),
            income: o(out::INCOME),
            tax: o(out::TAX),
            transfers_total: o(out::TRANSFERS).iter().sum(),
            consumption: o(out::CONSUMPTION),
            goods: o(out::GOODS),
            interest: o(out::INTEREST),
        };
        let mut adj = Adjoint {
            field: self,
            w,
            outs,
            prices: &fwd.states[months],
            unemployment: &fwd.states[months + 1],
            money_bar: o(out::WEALTH).clone(),
            price_bar: 0.0,
            wage_bar: 0.0,
            inv_bar: 0.0,
            rate_bar: 0.0,
            next_rebate_bar: 0.0,
            price_hist_bar: vec![0.0; months],
            unemp_bar: vec![0.0; months],
            w_bar: vec![0.0; n],
        };
        for t in (0..months).rev() {
            let state = &fwd.states[t];
            let money = &state[..n];
            let g = Globals::unpack(&state[n..]);
            let m = self.month(w, money, &g);
            adj.month(t, money, &g, &m);
        }
        adj.w_bar
    }
}

/// The output adjoints, read every month: the outputs are cumulative.
struct OutputBars<'a> {
    /// Hours worked, with the months-worked output folded in (months = hours / per month).
    hours: Vec<f64>,
    income: &'a [f64],
    tax: &'a [f64],
    /// Σ_a of the transfers adjoint: every agent receives the same rebate.
    transfers_total: f64,
    consumption: &'a [f64],
    goods: &'a [f64],
    interest: &'a [f64],
}

/// The reverse sweep of [`EconField::backward`]: the adjoints it carries from month t + 1 back
/// to month t, and one method per stage of the forward month, run in reverse order (year end,
/// then price/wage updates and sales, then demand, then households).
struct Adjoint<'a> {
    field: &'a EconField,
    w: &'a [f64],
    outs: OutputBars<'a>,
    /// The forward price and unemployment paths (the Taylor rule reads them).
    prices: &'a [f64],
    unemployment: &'a [f64],
    // Adjoints of the state entering month t + 1.
    money_bar: Vec<f64>,
    price_bar: f64,
    wage_bar: f64,
    inv_bar: f64,
    rate_bar: f64,
    next_rebate_bar: f64,
    /// Extra adjoints of month k's price from later year ends.
    price_hist_bar: Vec<f64>,
    /// Extra adjoints of month k's unemployment from later year ends.
    unemp_bar: Vec<f64>,
    /// The result: ∂(Σ d_out · outputs)/∂w.
    w_bar: Vec<f64>,
}

/// Adjoints of month t's own quantities, passed from one reverse stage to the next.
struct MonthBar {
    /// Of the rate in force during the month.
    rate_in: f64,
    /// Of money after the month's sales (before interest).
    m2: Vec<f64>,
    /// Of the month's price.
    price: f64,
    /// Of the month's wage.
    wage_in: f64,
    /// Of the month's inventory.
    inventory: f64,
    /// Of total hours worked.
    hours: f64,
    /// Of each agent's wanted goods q_a.
    wanted: Vec<f64>,
    /// Of total demand Σ q.
    demand: f64,
}

impl Adjoint<'_> {
    /// Month t in reverse: on return the carried adjoints are those of the state entering t.
    fn month(&mut self, t: usize, money: &[f64], g: &Globals, m: &Month) {
        let mut bar = self.year_end(t, g, m);
        self.price_wage_and_sales(t, g, m, &mut bar);
        let (share_bar, after_pay_bar) = self.demand(g, m, &mut bar);
        let (money_in_bar, last_rebate_bar) =
            self.households(money, m, &share_bar, &after_pay_bar, &mut bar);
        self.money_bar = money_in_bar;
        self.price_bar = bar.price;
        self.wage_bar = bar.wage_in;
        self.inv_bar = bar.inventory;
        self.rate_bar = bar.rate_in;
        self.next_rebate_bar = last_rebate_bar;
    }

    /// Year end: interest at the rate in force, then the Taylor rule (a pass-through in other
    /// months).
    fn year_end(&mut self, t: usize, g: &Globals, m: &Month) -> MonthBar {
        let n = self.w.len();
        let cfg = &self.field.cfg;
        let (prices, unemployment) = (self.prices, self.unemployment);
        let money_bar = &self.money_bar;
        let interest_hat = self.outs.interest;
        // Money after the month's sales, before interest.
        let after_sales: Vec<f64> = (0..n)
            .map(|a| m.after_pay[a] - m.wanted[a] * m.ration * g.price)
            .collect();
        let mut rate_in_bar = self.rate_bar;
        let mut m2_bar = money_bar.clone();
        let mut p_bar = self.price_hist_bar[t];
        if t % 12 == 11 {
            for a in 0..n {
                m2_bar[a] = money_bar[a] * (1.0 + g.rate) + interest_hat[a] * g.rate;
                rate_in_bar += (money_bar[a] + interest_hat[a]) * after_sales[a];
            }
        }
        if t % 12 == 11 && t >= 23 {
            // The rule replaces the rate in force: none of the next rate's adjoint passes.
            rate_in_bar -= self.rate_bar;
            let (now, then) = EconField::year_sums(prices, t);
            let mean_u = unemployment[t - 11..=t].iter().sum::<f64>() / 12.0;
            let rule_bar =
                self.rate_bar * sigmoid(self.field.taylor(now / then - 1.0, mean_u) / RATE_WIDTH);
            let infl_bar = rule_bar * cfg.inflation_weight;
            // inflation = now / then − 1: each of this year's prices adds 1/then, each of
            // last year's −now/then²; month t's own price is this stage's `p_bar`.
            p_bar += infl_bar / then;
            for b in &mut self.price_hist_bar[t - 11..t] {
                *b += infl_bar / then;
            }
            for b in &mut self.price_hist_bar[t - 23..=t - 12] {
                *b -= infl_bar * now / (then * then);
            }
            let u_bar = -rule_bar * cfg.unemployment_weight / 12.0;
            for b in &mut self.unemp_bar[t - 11..=t] {
                *b += u_bar;
            }
        }
        MonthBar {
            rate_in: rate_in_bar,
            m2: m2_bar,
            price: p_bar,
            wage_in: 0.0,
            inventory: 0.0,
            hours: 0.0,
            wanted: Vec::new(),
            demand: 0.0,
        }
    }

    /// The price and wage updates, unemployment, inventory, sales and rationing, down to the
    /// adjoints of wanted goods, demand, hours and the month's inventory.
    fn price_wage_and_sales(&mut self, t: usize, g: &Globals, m: &Month, bar: &mut MonthBar) {
        let n = self.w.len();
        let field = self.field;
        let cfg = &field.cfg;
        let (price_bar, wage_bar, inv_bar) = (self.price_bar, self.wage_bar, self.inv_bar);
        // Price and wage updates.
        // Both move with the goods imbalance.
        let (imb, imb_d, imb_s) = gap(m.demand, m.available);
        bar.price += price_bar * (1.0 + cfg.price_adjustment * imb);
        bar.wage_in = wage_bar * (1.0 + cfg.wage_adjustment * imb);
        let imb_bar =
            price_bar * g.price * cfg.price_adjustment + wage_bar * g.wage * cfg.wage_adjustment;
        let mut demand_bar = imb_bar * imb_d;
        let mut avail_bar = imb_bar * imb_s;
        let mut hours_bar = 0.0;
        // Unemployment 1 − hours / endowment.
        let endowment: f64 = field.hours.iter().sum();
        if endowment > 0.0 {
            hours_bar -= self.unemp_bar[t] / endowment;
        }
        // Inventory: available − demand·ρ.
        avail_bar += inv_bar;
        let sold_bar = -inv_bar;
        // Sales: spend_a = q_a ρ P, goods_a = q_a ρ, money after = after_pay − spend.
        let mut ration_bar = sold_bar * m.demand;
        demand_bar += sold_bar * m.ration;
        let mut wanted_bar = vec![0.0; n];
        let (cons_hat, goods_hat) = (self.outs.consumption, self.outs.goods);
        for a in 0..n {
            let spend_bar = cons_hat[a] - bar.m2[a];
            wanted_bar[a] = spend_bar * m.ration * g.price + goods_hat[a] * m.ration;
            ration_bar += (spend_bar * g.price + goods_hat[a]) * m.wanted[a];
            bar.price += spend_bar * m.wanted[a] * m.ration;
        }
        // ρ = 1 − softplus(1 − available/demand).
        if m.demand > 0.0 {
            let x_bar = ration_bar * m.dration;
            avail_bar += x_bar / m.demand;
            demand_bar -= x_bar * m.available / (m.demand * m.demand);
        }
        // available = inventory + productivity · hours.
        bar.inventory = avail_bar;
        hours_bar += avail_bar * cfg.productivity;
        bar.hours = hours_bar;
        bar.wanted = wanted_bar;
        bar.demand = demand_bar;
    }

    /// Demand q_a = (w_a) c_a after_pay_a / P, demand = Σ q: the adjoints of the consumption
    /// shares and of money after pay.
    fn demand(&mut self, g: &Globals, m: &Month, bar: &mut MonthBar) -> (Vec<f64>, Vec<f64>) {
        let n = self.w.len();
        let field = self.field;
        let mut share_bar = vec![0.0; n];
        let mut after_pay_bar = vec![0.0; n];
        for a in 0..n {
            let q_bar = bar.wanted[a] + bar.demand;
            if field.scale_demand {
                self.w_bar[a] += q_bar * m.share[a] * m.after_pay[a] / g.price;
            }
            let dw = field.demand_weight(self.w[a]);
            share_bar[a] = q_bar * dw * m.after_pay[a] / g.price;
            after_pay_bar[a] = bar.m2[a] + q_bar * dw * m.share[a] / g.price;
            bar.price -= q_bar * m.wanted[a] / g.price;
        }
        (share_bar, after_pay_bar)
    }

    /// Households: pay, tax and rebate, the consumption share, the work decision and the full
    /// wage, down to the adjoints of money entering the month (returned, with the previous
    /// month's rebate's) and of the wage (added to `bar.wage_in`).
    fn households(
        &mut self,
        money: &[f64],
        m: &Month,
        share_bar: &[f64],
        after_pay_bar: &[f64],
        bar: &mut MonthBar,
    ) -> (Vec<f64>, f64) {
        let n = self.w.len();
        let field = self.field;
        let w = self.w;
        let outs = &self.outs;
        // after_pay = money + e F − e T(F) + rebate; rebate = Σ e T(F) / N.
        let rebate_bar =
            after_pay_bar.iter().sum::<f64>() + outs.transfers_total + self.next_rebate_bar;
        let revenue_bar = if n > 0 { rebate_bar / n as f64 } else { 0.0 };
        let mut money_in_bar = vec![0.0; n];
        let mut last_rebate_bar = 0.0;
        for a in 0..n {
            let income_bar = after_pay_bar[a] + outs.income[a];
            let tax_bar = -after_pay_bar[a] + outs.tax[a] + revenue_bar;
            let hrs_bar = bar.hours + outs.hours[a];
            let e = m.worked[a];
            let e_bar = income_bar * m.full[a] + tax_bar * m.tax_full[a] + hrs_bar * field.hours[a];
            let mut full_bar = income_bar * e + tax_bar * e * m.dtax_full[a];
            self.w_bar[a] += e_bar * m.work[a];
            let mut k_bar = e_bar * w[a];
            let mut mon_bar = after_pay_bar[a];
            // c = (0.9 D + 0.1 money) / (money + D).
            let denom = money[a] + m.disposable[a];
            if denom > 0.0 {
                let num_bar = share_bar[a] / denom;
                let den_bar = -share_bar[a] * m.share[a] / denom;
                let disp_bar = 0.9 * num_bar + den_bar;
                mon_bar += 0.1 * num_bar + den_bar;
                // D = G − T(G) + last rebate; G = F k.
                let g_bar = disp_bar * (1.0 - m.dtax_planned[a]);
                last_rebate_bar += disp_bar;
                full_bar += g_bar * m.work[a];
                k_bar += g_bar * m.full[a];
            }
            // k = base(b) − 0.06; b = money / max(F, 1e-9).
            let b_bar = k_bar * m.dk_db[a];
            let f = m.full[a];
            mon_bar += b_bar / f.max(1e-9);
            if f > 1e-9 {
                full_bar -= b_bar * m.buffer[a] / f;
            }
            // F = hours × skill × wage.
            bar.wage_in += full_bar * field.hours[a] * field.skill[a];
            money_in_bar[a] = mon_bar;
        }
        (money_in_bar, last_rebate_bar)
    }
}

impl EconField {
    /// The Taylor rule's rate before its floor at 0 (the run's `taylor_rate`).
    fn taylor(&self, inflation: f64, mean_unemployment: f64) -> f64 {
        emergent_sim::econ::taylor_rate(&self.cfg, inflation, mean_unemployment)
    }
}
