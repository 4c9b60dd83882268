//! An EconAgent-style macroeconomy (Li et al., ACL 2024), pure and deterministic.
//!
//! One tick is one month. Each agent answers `{"work": w, "consumption": c}` (both in
//! [0, 1], steps of 0.02). Then, in this order: labour is a Bernoulli(w) draw from the
//! agent's keyed stream; a worker earns `hours_per_month × skill × wage level`; the month's
//! income is taxed with the US federal brackets EconAgent uses (monthly thresholds) and the revenue is
//! redistributed equally; production adds `productivity × hours` goods to the inventory;
//! each agent wants to spend `c × money` at the current price and, when the inventory
//! falls short, all are rationed by the same factor (so the order of agents never
//! matters); the price and the wage level both move with the month's relative excess demand
//! for goods; every twelfth month savings earn the interest in force and, from the second
//! year's end, a Taylor rule on the year's inflation and unemployment sets the next rate.
//! The line-by-line comparison with EconAgent's reference code is `docs/econagent.md`.
//!
//! State lives in flat per-agent arrays and the whole [`Economy`] is serialisable (the
//! checkpoint). Indicators: unemployment, price and wage inflation (year on year), nominal
//! and real GDP (production at the current and at the initial price).

pub mod distilled;
mod economy;
mod profile;
mod rule;
pub mod tax;
pub mod view;

pub use distilled::{ECON_FORMAT, EconDistilled, EconDistilledModel, EconGroupModel};
pub use economy::{
    AgentMonth, EconDecision, EconPolicy, Economy, FEATURES, MonthStats, STEP, annual_inflation,
    purpose, relative_excess, snap, taylor_rate,
};
pub use profile::{Profile, profile};
pub use rule::{RuleBaseline, rule_propensities};
pub use view::{ECON_FEATURES, ECON_FEATURES_VERSION, EconDecisionRecord, EconView};
