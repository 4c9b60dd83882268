//! EconAgent over an LLM: each month every LLM-driven household is asked
//! `{"work": w, "consumption": c}`; the rule baseline answers for the others and for any
//! request that falls back. Memory is the economy's own per-agent history (checkpointed
//! with it), so a resumed run sends the very same prompts.

use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use emergent_scenario::LlmConfig;
use emergent_sim::AgentId;
use emergent_sim::econ::{
    EconDecision, EconDecisionRecord, EconPolicy, EconView, Economy, RuleBaseline, profile, snap,
};

use crate::engine::{Driver, Job, Outcome};
use crate::parse::{Field, FieldKind, Schema};
use crate::prompt::{Template, builtin};

/// Placeholders of the monthly decision template.
pub const PLACEHOLDERS: &[&str] = &[
    "name",
    "age",
    "city",
    "job",
    "month",
    "date",
    "persona",
    "transfer",
    "last_work",
    "expected_income",
    "wage",
    "wage_trend",
    "money",
    "price",
    "price_trend",
    "interest_rate",
    "unemployment",
    "memory",
    "reflection",
    "fields",
];
/// Placeholders of the reflection template.
pub const REFLECT_PLACEHOLDERS: &[&str] = &[
    "name",
    "age",
    "job",
    "city",
    "month",
    "date",
    "memory",
    "price_then",
    "price",
    "unemployment",
    "money",
];

/// `{"work", "consumption"}`, both in [0, 1] on the 0.02 grid; out-of-range work is
/// clamped, out-of-range consumption rejected (a share above 1 is not a slip of the pen).
pub fn schema() -> Schema {
    let f = |name, clamp, description| Field {
        name,
        kind: FieldKind::Number {
            min: 0.0,
            max: 1.0,
            step: emergent_sim::econ::STEP,
            clamp,
        },
        required: true,
        description,
    };
    Schema {
        name: "econ_decision",
        fields: vec![
            f("work", true, "willingness to work, 0 to 1 in steps of 0.02"),
            f(
                "consumption",
                false,
                "share of your money to spend on goods, 0 to 1 in steps of 0.02",
            ),
        ],
    }
}

/// The LLM-driven economic policy.
pub struct LlmEconPolicy {
    driver: Driver,
    cfg: LlmConfig,
    seed: u64,
    decide: Template,
    reflect: Template,
    schema: Arc<Schema>,
    /// The decisions of LLM-driven households since the runner last took them.
    log: Mutex<Vec<EconDecisionRecord>>,
}

/// The templates of an economy's LLM households: the scenario's own decision template (or
/// the built-in one) and the built-in reflection. Loaded before anything else, so a bad
/// prompt fails before any file is written or any request is made.
pub(crate) fn templates(
    scenario: &emergent_scenario::Scenario,
    run: &crate::LlmRunOptions,
) -> Result<(Template, Template), crate::LlmError> {
    let decide = Template::for_scenario(
        scenario,
        run,
        builtin::ECON,
        "prompts/econagent.md",
        PLACEHOLDERS,
    )?;
    let reflect = Template::parse(
        builtin::ECON_REFLECT,
        "prompts/econagent-reflect.md".as_ref(),
        REFLECT_PLACEHOLDERS,
    )?;
    Ok((decide, reflect))
}

impl LlmEconPolicy {
    pub(crate) fn new(
        driver: Driver,
        cfg: &LlmConfig,
        seed: u64,
        (decide, reflect): (Template, Template),
    ) -> Self {
        Self {
            driver,
            cfg: cfg.clone(),
            seed,
            decide,
            reflect,
            schema: Arc::new(schema()),
            log: Mutex::new(Vec::new()),
        }
    }

    /// The log record of `agent`'s decision `d` this month.
    fn record(
        &self,
        e: &Economy,
        agent: AgentId,
        d: EconDecision,
        fell_back: bool,
    ) -> EconDecisionRecord {
        let group = crate::groups::group_of(&self.cfg, self.seed, agent)
            .filter(|&g| g < self.cfg.groups.len())
            .unwrap_or(0) as u32;
        EconDecisionRecord {
            agent,
            month: e.month,
            group,
            fell_back,
            view: EconView::of(e, agent),
            decision: EconDecision {
                work: snap(d.work),
                consumption: snap(d.consumption),
            },
        }
    }

    fn memory(&self, e: &Economy, a: usize) -> String {
        let k = self.cfg.memory.max(1);
        let lines: Vec<String> = e.recent[a]
            .iter()
            .rev()
            .take(k)
            .rev()
            .map(|m| {
                format!(
                    "- {}: chose work {:.2}, consumption {:.2}; {}; income ${:.0}, tax ${:.0}, spent ${:.0}, savings ${:.0}",
                    date(m.month),
                    m.decision.work,
                    m.decision.consumption,
                    if m.worked { "worked" } else { "did not work" },
                    m.income,
                    m.tax,
                    m.spending,
                    m.money
                )
            })
            .collect();
        if lines.is_empty() {
            "- (this is your first month)".into()
        } else {
            lines.join("\n")
        }
    }

    fn decision_prompt(&self, e: &Economy, agent: AgentId) -> Job {
        let a = agent as usize;
        let p = profile(e.seed, agent as u64, e.skill[a]);
        let last = e.history.last();
        let prev = e.history.iter().rev().nth(1);
        let trend = |now: f64, before: Option<f64>| match before {
            Some(b) if now > b * 1.0005 => format!("increased by {:.1}%", 100.0 * (now / b - 1.0)),
            Some(b) if now < b * 0.9995 => format!("decreased by {:.1}%", 100.0 * (1.0 - now / b)),
            Some(_) => "stayed the same".into(),
            None => "not changed yet (the economy just started)".into(),
        };
        let last_work = match e.recent[a].back() {
            Some(m) if m.worked => "worked",
            Some(_) => "did not work",
            None => "had not started working yet",
        };
        let vars = [
            ("name", p.name.clone()),
            ("age", (p.age + e.month / 12).to_string()),
            ("city", p.city.to_string()),
            ("job", p.job.to_string()),
            ("month", (e.month + 1).to_string()),
            ("date", date(e.month)),
            (
                "persona",
                crate::groups::persona_of(&self.cfg, self.seed, agent).to_string(),
            ),
            (
                "transfer",
                format!("{:.2}", last.map_or(0.0, |s| s.redistribution)),
            ),
            ("last_work", last_work.into()),
            (
                "expected_income",
                format!("{:.2}", e.expected_income(agent)),
            ),
            ("wage", format!("{:.2}", e.hourly_wage(agent))),
            (
                "wage_trend",
                trend(e.wage_level, last.map(|s| s.wage_level)),
            ),
            ("money", format!("{:.2}", e.money[a])),
            ("price", format!("{:.2}", e.price)),
            (
                "price_trend",
                trend(e.price, last.map(|s| s.price).or(prev.map(|s| s.price))),
            ),
            ("interest_rate", format!("{:.2}", 100.0 * e.interest_rate)),
            (
                "unemployment",
                format!("{:.1}", 100.0 * last.map_or(0.0, |s| s.unemployment)),
            ),
            ("memory", self.memory(e, a)),
            (
                "reflection",
                if e.reflection[a].is_empty() {
                    String::new()
                } else {
                    format!("Your latest reflection: {}", e.reflection[a])
                },
            ),
            ("fields", self.schema.describe()),
        ];
        Job {
            agent,
            tick: e.month,
            messages: self.decide.render(&vars),
        }
    }

    fn reflection_prompt(&self, e: &Economy, agent: AgentId) -> Job {
        let a = agent as usize;
        let p = profile(e.seed, agent as u64, e.skill[a]);
        let back = self.cfg.reflect_every.max(1) as usize;
        let then = e
            .history
            .iter()
            .rev()
            .nth(back.saturating_sub(1))
            .map_or(e.price, |s| s.price);
        let vars = [
            ("name", p.name),
            ("age", (p.age + e.month / 12).to_string()),
            ("job", p.job.to_string()),
            ("city", p.city.to_string()),
            ("month", (e.month + 1).to_string()),
            ("date", date(e.month)),
            ("memory", self.memory(e, a)),
            ("price_then", format!("{then:.2}")),
            ("price", format!("{:.2}", e.price)),
            (
                "unemployment",
                format!(
                    "{:.1}",
                    100.0 * e.history.last().map_or(0.0, |s| s.unemployment)
                ),
            ),
            ("money", format!("{:.2}", e.money[a])),
        ];
        Job {
            agent,
            // Reflections are keyed apart from the month's decision by their own prompt.
            tick: e.month,
            messages: self.reflect.render(&vars),
        }
    }
}

/// `2001.01` for month 0, as EconAgent dates its months.
pub fn date(month: u32) -> String {
    format!("{}.{:02}", 2001 + month / 12, month % 12 + 1)
}

impl EconPolicy for LlmEconPolicy {
    fn name(&self) -> &'static str {
        "econ_llm"
    }

    fn decide_batch(&self, economy: &Economy, agents: &[AgentId]) -> Vec<EconDecision> {
        let mut out = RuleBaseline.decide_batch(economy, agents);
        let llm: Vec<usize> = (0..agents.len())
            .filter(|&i| crate::groups::drives(&self.cfg, self.seed, agents[i]))
            .collect();
        let jobs = llm
            .par_iter()
            .with_min_len(64)
            .map(|&i| self.decision_prompt(economy, agents[i]))
            .collect();
        let outcomes = self.driver.decide_all(jobs, &self.schema);
        let mut log = Vec::with_capacity(llm.len());
        for (&i, o) in llm.iter().zip(outcomes) {
            let decided = matches!(o, Outcome::Decided(_));
            if let Outcome::Decided(p) = o {
                out[i] = EconDecision {
                    work: p.num("work"),
                    consumption: p.num("consumption"),
                };
            }
            log.push(self.record(economy, agents[i], out[i], !decided));
        }
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(log);
        out
    }

    fn reflect(&self, economy: &Economy) -> Vec<Option<String>> {
        let every = self.cfg.reflect_every;
        if every == 0 || economy.month == 0 || !economy.month.is_multiple_of(every) {
            return Vec::new();
        }
        let agents: Vec<AgentId> = economy
            .deciders()
            .into_iter()
            .filter(|&a| crate::groups::drives(&self.cfg, self.seed, a))
            .collect();
        let jobs = agents
            .iter()
            .map(|&a| self.reflection_prompt(economy, a))
            .collect();
        let texts = self.driver.texts(jobs);
        let mut out = vec![None; economy.agents()];
        for (a, t) in agents.into_iter().zip(texts) {
            if let Some(t) = t {
                crate::stats::Stats::bump(&self.driver.engine.stats.reflections);
                // Bounded: a reflection never grows the context by more than this.
                out[a as usize] = Some(t.trim().chars().take(600).collect());
            }
        }
        out
    }

    fn stats(&self) -> Vec<(String, f64)> {
        let mut v = self.driver.engine.stats.snapshot();
        v.extend(self.driver.engine.endpoint_stats());
        v
    }

    fn halt(&self) -> Option<emergent_sim::policy::PolicyHalt> {
        self.driver.engine.halt()
    }

    fn take_decision_log(&self) -> Vec<EconDecisionRecord> {
        std::mem::take(&mut *self.log.lock().unwrap_or_else(|e| e.into_inner()))
    }
}
