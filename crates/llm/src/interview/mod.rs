//! Interviews and surveys: ask LLM agents a question as they were at a tick — their
//! persona, their stance and their own recent posts — and read a value out of the answer.
//!
//! The question goes through the same pipeline as a decision (the endpoint pool, retries,
//! rate limits, the shared replay cache keyed by the prompt, agent, tick and seed), so an
//! interview asked twice makes no second request, and a survey inside a run replays with it.
//! What the agents were at the tick comes from the caller ([`Respondent`]): the runner reads
//! it from a run directory, or from the live world during a run.

mod question;
mod survey;

pub use question::{Reading, ValueKind};
pub use survey::{Surveyor, respondent};

use std::path::Path;

use emergent_scenario::{LlmConfig, Scenario};

use crate::LlmRunOptions;
use crate::engine::{Driver, Job};
use crate::error::LlmError;
use crate::prompt::Template;

/// Placeholders of the interview template.
pub const PLACEHOLDERS: &[&str] = &[
    "topic", "persona", "stance", "tick", "memory", "question", "format",
];

/// The built-in interview template.
const TEMPLATE: &str = include_str!("../../../../prompts/interview.md");

/// Longest question, in bytes (it goes into every prompt).
pub const MAX_QUESTION_BYTES: usize = 4096;

/// One of the agent's own recent items, as its memory quotes it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Remembered {
    /// Tick the item was made.
    pub tick: u32,
    /// Stance it expresses, in [-1, 1].
    pub stance: f64,
}

/// An agent as it was at a tick: what its prompt shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Respondent {
    /// The agent.
    pub agent: u32,
    /// The tick it is asked at.
    pub tick: u32,
    /// Its stance on topic 0 at that tick.
    pub stance: f64,
    /// Its susceptibility (how far it moves toward what it reads), 0–1.
    pub susceptibility: f64,
    /// Its own recent items before the tick, newest first (at most `llm.memory` are shown).
    pub memory: Vec<Remembered>,
}

/// A question and the value it asks for.
#[derive(Clone, Debug, PartialEq)]
pub struct Question {
    /// The question as asked.
    pub text: String,
    /// What value to read out of the answers.
    pub kind: ValueKind,
}

impl Question {
    /// `text` with the value kind `kind`, or the one its words ask for. An empty or
    /// oversized question is refused, saying what to do.
    pub fn new(text: &str, kind: Option<ValueKind>) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("the question is empty: give the question to ask, e.g. --question \"On a scale from -1 to 1, do you support the ban?\"".into());
        }
        if text.len() > MAX_QUESTION_BYTES {
            return Err(format!(
                "the question is {} bytes; at most {MAX_QUESTION_BYTES} are allowed",
                text.len()
            ));
        }
        Ok(Self {
            text: text.to_string(),
            kind: kind.unwrap_or_else(|| ValueKind::detect(text)),
        })
    }
}

/// One agent's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    /// Who answered.
    pub agent: u32,
    /// At which tick it was asked.
    pub tick: u32,
    /// The answer and its value.
    pub reading: Reading,
}

/// Asks LLM agents questions through the scenario's endpoints and replay cache.
pub struct Interviewer {
    driver: Driver,
    cfg: LlmConfig,
    seed: u64,
    topic: String,
    template: Template,
}

fn stance_words(s: f64) -> &'static str {
    match s {
        s if s <= -0.6 => "strongly against",
        s if s <= -0.2 => "against",
        s if s < 0.2 => "undecided",
        s if s < 0.6 => "in favour",
        _ => "strongly in favour",
    }
}

impl Interviewer {
    /// The interviewer of `scenario`'s LLM agents. A scenario without LLM agents is refused.
    pub fn new(scenario: &Scenario, run: &LlmRunOptions) -> Result<Self, LlmError> {
        if !crate::uses_llm(scenario) {
            return Err(LlmError::Config {
                file: scenario.file.clone(),
                key: "enabled".into(),
                message: "this scenario has no LLM agents (llm.enabled = false): there is nobody to interview; interview a run made with [llm] enabled = true".into(),
            });
        }
        let template = Template::parse(TEMPLATE, Path::new("prompts/interview.md"), PLACEHOLDERS)?;
        let driver = Driver::new(&scenario.llm, &scenario.file, scenario.scenario.seed, run)?;
        let topic = if scenario.scenario.description.is_empty() {
            scenario.scenario.name.clone()
        } else {
            scenario.scenario.description.clone()
        };
        Ok(Self {
            driver,
            cfg: scenario.llm.clone(),
            seed: scenario.scenario.seed,
            topic,
            template,
        })
    }

    /// Whether the scenario's LLM drives `agent` (only they can be interviewed).
    pub fn drives(&self, agent: u32) -> bool {
        crate::groups::drives(&self.cfg, self.seed, agent)
    }

    /// The persona line of `who`, as the social prompt describes the agent.
    fn persona(&self, who: &Respondent) -> String {
        let mut persona = String::new();
        let group = crate::groups::persona_of(&self.cfg, self.seed, who.agent);
        if !group.is_empty() {
            persona.push_str(group);
            persona.push(' ');
        }
        persona.push_str(if who.susceptibility > 0.6 {
            "You are open to changing your mind."
        } else if who.susceptibility < 0.3 {
            "You rarely change your mind."
        } else {
            "You weigh other views with some care."
        });
        persona
    }

    fn job(&self, q: &Question, who: &Respondent) -> Job {
        let memory = if who.memory.is_empty() || self.cfg.memory == 0 {
            "- (none yet)".to_string()
        } else {
            who.memory
                .iter()
                .take(self.cfg.memory)
                .map(|m| {
                    format!(
                        "- day {}: {} ({:+.2})",
                        m.tick,
                        stance_words(m.stance),
                        m.stance
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        let vars = [
            ("topic", self.topic.clone()),
            ("persona", self.persona(who)),
            ("stance", format!("{:+.2}", who.stance)),
            ("tick", who.tick.to_string()),
            ("memory", memory),
            ("question", q.text.clone()),
            ("format", q.kind.format()),
        ];
        Job {
            agent: who.agent,
            tick: who.tick,
            messages: self.template.render(&vars),
        }
    }

    /// Every respondent's reading, `None` where no answer could be had (the endpoint
    /// failed after its retries, a budget, an offline miss). Answers come from the replay
    /// cache when it has them; new ones are stored there.
    pub fn ask_each(&self, q: &Question, who: &[Respondent]) -> Vec<Option<Reading>> {
        let jobs = who.iter().map(|w| self.job(q, w)).collect();
        self.driver
            .texts(jobs)
            .into_iter()
            .map(|t| t.map(|t| q.kind.read(&t)))
            .collect()
    }

    /// Every respondent's answer, or an error naming who got none and why: nothing is
    /// lost, the answers that came are in the replay cache and a rerun asks only the rest.
    pub fn ask(&self, q: &Question, who: &[Respondent]) -> Result<Vec<Answer>, LlmError> {
        let readings = self.ask_each(q, who);
        let missing: Vec<u32> = who
            .iter()
            .zip(&readings)
            .filter(|(_, r)| r.is_none())
            .map(|(w, _)| w.agent)
            .collect();
        if !missing.is_empty() {
            let why = self
                .driver
                .engine
                .halt()
                .map(|h| h.reason)
                .unwrap_or_else(|| {
                    format!(
                        "the endpoint {} did not answer after {} retries",
                        self.driver.engine.endpoint_names(),
                        self.cfg.max_retries
                    )
                });
            return Err(LlmError::NoAnswer {
                agents: missing,
                asked: who.len(),
                why,
            });
        }
        Ok(who
            .iter()
            .zip(readings)
            .filter_map(|(w, r)| {
                r.map(|reading| Answer {
                    agent: w.agent,
                    tick: w.tick,
                    reading,
                })
            })
            .collect())
    }

    /// HTTP calls made so far (0 when every answer came from the replay cache).
    pub fn calls(&self) -> u64 {
        self.driver
            .engine
            .stats
            .calls
            .load(std::sync::atomic::Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_template_parses() {
        Template::parse(TEMPLATE, Path::new("i"), PLACEHOLDERS).unwrap();
    }

    #[test]
    fn empty_and_huge_questions_are_refused() {
        assert!(Question::new("  ", None).unwrap_err().contains("empty"));
        assert!(Question::new(&"x".repeat(5000), None).is_err());
        let q = Question::new("yes or no?", None).unwrap();
        assert!(matches!(q.kind, ValueKind::Choice(_)));
    }
}
