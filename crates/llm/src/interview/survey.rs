//! `[[survey]]` during a run: every LLM agent is asked each survey's question at the recorded
//! ticks that are multiples of its `every`, as it is at that tick (the same prompt an
//! interview of the run at that tick builds, so an interview afterwards replays the survey's
//! answers from the cache). The parsed values become the column `survey_<name>`.

use emergent_scenario::{Scenario, SurveyConfig};
use emergent_sim::policy::PolicyHalt;
use emergent_sim::{AgentId, World};

use super::{Interviewer, Question, Remembered, Respondent, ValueKind};
use crate::LlmRunOptions;
use crate::error::LlmError;

/// Asks a run's surveys.
pub struct Surveyor {
    interviewer: Interviewer,
    surveys: Vec<(SurveyConfig, Question)>,
}

/// The question of `s` with the value kind it declares.
fn question(s: &SurveyConfig) -> Result<Question, String> {
    let kind = match (&s.range, &s.choices) {
        (Some([lo, hi]), _) => ValueKind::Number { min: *lo, max: *hi },
        (None, Some(c)) => ValueKind::choices(&c.join(","))?,
        (None, None) => ValueKind::Text,
    };
    Question::new(&s.question, Some(kind))
}

/// `agent` as it is in `world` now: its stance, susceptibility and own recent items.
pub fn respondent(world: &World, agent: AgentId) -> Respondent {
    let items = &world.items;
    let mut mine: Vec<u32> = items.recent_of(agent).collect();
    mine.sort_unstable_by(|a, b| b.cmp(a));
    Respondent {
        agent,
        tick: world.tick,
        stance: world.population.stance(agent, 0),
        susceptibility: world.population.susceptibility[agent as usize],
        memory: mine
            .into_iter()
            .map(|i| Remembered {
                tick: items.tick[i as usize],
                stance: items.stance[i as usize] as f64,
            })
            .collect(),
    }
}

impl Surveyor {
    /// The surveyor of `scenario`'s `[[survey]]` entries; `None` when it has none, or no LLM
    /// agents to ask (`--set llm.enabled=false`: its columns are recorded all NaN).
    pub fn for_scenario(
        scenario: &Scenario,
        run: &LlmRunOptions,
    ) -> Result<Option<Self>, LlmError> {
        if scenario.surveys.is_empty() || !crate::uses_llm(scenario) {
            return Ok(None);
        }
        let mut surveys = Vec::with_capacity(scenario.surveys.len());
        for s in &scenario.surveys {
            let q = question(s).map_err(|message| LlmError::Config {
                file: scenario.file.clone(),
                key: format!("[[survey]] {}", s.name),
                message,
            })?;
            surveys.push((s.clone(), q));
        }
        Ok(Some(Self {
            interviewer: Interviewer::new(scenario, run)?,
            surveys,
        }))
    }

    /// The columns this surveyor fills, in the scenario's order.
    pub fn columns(&self) -> Vec<String> {
        self.surveys.iter().map(|(s, _)| s.column()).collect()
    }

    /// Every survey's column at the world's current tick: the value each LLM agent gave,
    /// NaN where the survey is not asked at this tick, the agent is not an LLM agent, or
    /// its answer had no value.
    pub fn answers_at(&self, world: &World) -> Vec<(String, Vec<f64>)> {
        let n = world.agents();
        let asked: Vec<AgentId> = (0..n as AgentId)
            .filter(|&a| self.interviewer.drives(a))
            .collect();
        self.surveys
            .iter()
            .map(|(s, q)| {
                let mut col = vec![f64::NAN; n];
                if s.asks_at(world.tick) && !asked.is_empty() {
                    let who: Vec<Respondent> =
                        asked.iter().map(|&a| respondent(world, a)).collect();
                    for (w, r) in who.iter().zip(self.interviewer.ask_each(q, &who)) {
                        if let Some(v) = r.and_then(|r| r.value) {
                            col[w.agent as usize] = v;
                        }
                    }
                }
                (s.column(), col)
            })
            .collect()
    }

    /// Why the run must stop (a spent budget, an offline cache miss), if it must.
    pub fn halt(&self) -> Option<PolicyHalt> {
        self.interviewer.driver.engine.halt()
    }
}
