//! `emergent interview RUN_DIR`: ask a finished run's LLM agents a question as they were at a
//! recorded tick, and keep the answers in the run directory (`interviews.parquet`) or a file.
//!
//! The run's scenario (from its manifest, with its overrides) gives the `[llm]` section and
//! the agents' personas; the run's tables give their state at the tick
//! ([`respondents`]); the questions go through the endpoint pool and the shared replay
//! cache, so an interview asked twice makes no second request.

mod respondents;
mod selector;

pub use selector::Selector;

use std::path::{Path, PathBuf};

use emergent_io::check_output_path;
use emergent_io::run_dir::{self, InterviewRow};
use emergent_llm::LlmRunOptions;
use emergent_llm::interview::{Interviewer, Question, ValueKind};
use emergent_scenario::Scenario;

use crate::error::RunError;
use crate::source::ScenarioSource;

/// What `emergent interview` asks.
#[derive(Clone, Debug, Default)]
pub struct InterviewOptions {
    /// `--agents`: see [`Selector`].
    pub agents: String,
    /// The question.
    pub question: String,
    /// The recorded tick to ask at (default: the last one).
    pub tick: Option<u32>,
    /// `--choices a,b,c`: the answer is one of these (else the question's words say what
    /// value it asks for, if any).
    pub choices: Option<String>,
    /// Where to write the answers (default: `interviews.parquet` in the run directory,
    /// keeping earlier interviews' rows). `.csv` writes CSV.
    pub out: Option<PathBuf>,
    /// Replace `out` if it exists.
    pub force: bool,
    /// `--base-url`: ask this endpoint instead of the scenario's (the key still comes from
    /// the scenario's `api_key_env`).
    pub base_url: Option<String>,
    /// The replay cache, budgets, offline.
    pub llm: LlmRunOptions,
}

/// What an interview did.
#[derive(Clone, Debug)]
pub struct InterviewSummary {
    /// The file written.
    pub out: PathBuf,
    /// The tick asked at.
    pub tick: u32,
    /// This interview's answers, in the order of `--agents`.
    pub rows: Vec<InterviewRow>,
    /// HTTP requests made (0: every answer came from the replay cache).
    pub requests: u64,
}

fn err(what: &str, message: impl Into<String>) -> RunError {
    RunError::Interview {
        what: what.to_string(),
        message: message.into(),
    }
}

/// The scenario the run in `dir` ran (its manifest's text and overrides), with `base_url`.
fn run_scenario(dir: &Path, base_url: Option<&str>) -> Result<Scenario, RunError> {
    let manifest = run_dir::read_manifest(dir).map_err(|e| {
        err(
            &dir.display().to_string(),
            format!(
                "is not a finished run directory ({e}); interview a directory `emergent run` \
                 completed"
            ),
        )
    })?;
    let mut scenario = ScenarioSource::of_run(dir, manifest)?.scenario()?;
    if let Some(url) = base_url {
        scenario.llm.base_url = url.to_string();
        scenario.llm.endpoints.clear();
    }
    Ok(scenario)
}

/// The question with its value kind.
fn question(opts: &InterviewOptions) -> Result<Question, RunError> {
    let kind = match &opts.choices {
        Some(list) => Some(ValueKind::choices(list).map_err(|m| err("--choices", m))?),
        None => None,
    };
    Question::new(&opts.question, kind).map_err(|m| err("--question", m))
}

/// Ask the LLM agents of the finished run in `dir` and write their answers.
pub fn interview_run(dir: &Path, opts: &InterviewOptions) -> Result<InterviewSummary, RunError> {
    // Everything that can be checked without the endpoint is, before anything is asked.
    let q = question(opts)?;
    let selector = Selector::parse(&opts.agents)?;
    let scenario = run_scenario(dir, opts.base_url.as_deref())?;
    if scenario.econ.is_some() {
        return Err(err(
            &dir.display().to_string(),
            "is an [econ] run: interviews ask a social run's LLM agents",
        ));
    }
    if !emergent_llm::uses_llm(&scenario) {
        return Err(err(
            &dir.display().to_string(),
            "this run has no LLM agents ([llm] enabled = false, or --set llm.enabled=false): \
             there is nobody to interview; interview a run made with LLM agents",
        ));
    }
    let out = opts
        .out
        .clone()
        .unwrap_or_else(|| dir.join(run_dir::INTERVIEWS));
    let default_out = opts.out.is_none();
    if !default_out {
        // Never over (or into) the run it reads: its outputs are the interview's input.
        check_output_path(&out, &[dir.to_path_buf()], opts.force)?;
    }
    let (tick, table) = respondents::features_at(dir, opts.tick)?;
    let interviewer = Interviewer::new(&scenario, &opts.llm)?;
    let agents = selector.resolve(&opts.agents, &table, dir, &|a| interviewer.drives(a))?;
    if agents.is_empty() {
        return Err(selector::bad(&opts.agents, "selects no LLM agent"));
    }
    let who = respondents::respondents(dir, tick, &table, &agents, scenario.record.actions)?;
    // Not while another command writes into the directory.
    let _lock = match default_out {
        true => Some(run_dir::RunDirLock::acquire(dir, "emergent interview")?),
        false => None,
    };
    let answers = interviewer.ask(&q, &who)?;
    let rows: Vec<InterviewRow> = answers
        .into_iter()
        .map(|a| InterviewRow {
            agent_id: a.agent as i64,
            tick: a.tick,
            question: q.text.clone(),
            answer: a.reading.answer,
            value: a.reading.value,
            choice: a.reading.choice.unwrap_or_default(),
        })
        .collect();
    let all = match default_out && out.exists() {
        true => run_dir::merge_interviews(run_dir::read_interviews(&out)?, rows.clone()),
        false => rows.clone(),
    };
    run_dir::write_interviews(&out, &all)?;
    Ok(InterviewSummary {
        out,
        tick,
        rows,
        requests: interviewer.calls(),
    })
}
