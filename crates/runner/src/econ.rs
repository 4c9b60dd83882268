//! Runs an `[econ]` scenario (EconAgent-style macroeconomy) end to end, writing the same
//! run directory as a social run: `ticks.parquet` (one row per agent per month),
//! `actions.parquet` (every monthly decision), `indicators.csv` (the macro indicators and
//! the scenario's `[[indicators]]` each month), `features.parquet`, `attribution.*` and
//! `manifest.json` last.
//!
//! An economy is small (EconAgent: 10–100 agents), so the recorded rows travel inside the
//! checkpoint instead of in segments: a resumed run continues them and writes the same
//! files as an uninterrupted one.

use std::path::{Path, PathBuf};
use std::time::Instant;

use emergent_attribution::{AgentIds, FeatureTable, evaluate};
use emergent_io::run_dir::{
    self, Counts, ECON_CHECKPOINT, ECON_DECISIONS, EconDecisionRows, EconomySummary,
    IndicatorOutcome, PARTIAL, PolicySummary, RunKind, parquet_name,
};
use emergent_io::{ParquetColumn, atomic_write_bytes, write_parquet_columns};
use emergent_llm::LlmRunOptions;
use emergent_scenario::Scenario;
use emergent_sim::econ::{EconDecision, EconPolicy, Economy, MonthStats};
use serde::{Deserialize, Serialize};

use crate::engine::{Engine, Halt, LoopSettings, drive};
use crate::error::RunError;
use crate::fs::remove_if_exists;
use crate::indicators::{IndicatorSpec, attribute_all, not_finite};
use crate::manifest::{manifest, timings};
use crate::options::{LoopControl, RunProgress, RunSummary};
use crate::source::ScenarioSource;

/// Bumped whenever the checkpoint's layout changes (2: the econ decision log).
const FORMAT: u32 = 2;

/// Macro indicator columns of `indicators.csv`, before the scenario's own.
const MACRO: [&str; 8] = [
    "unemployment",
    "price",
    "price_inflation",
    "wage_inflation",
    "nominal_gdp",
    "real_gdp",
    "interest_rate",
    "wage_level",
];

/// Everything recorded so far.
#[derive(Default, Serialize, Deserialize)]
struct Rows {
    tick_month: Vec<u32>,
    tick_agent: Vec<i64>,
    tick_features: Vec<Vec<f64>>,
    act_month: Vec<u32>,
    act_agent: Vec<u32>,
    act_work: Vec<f64>,
    act_consumption: Vec<f64>,
    act_worked: Vec<u32>,
    indicators_csv: String,
    /// The LLM households' decisions (`econ_decisions.parquet`), kept in the checkpoint
    /// like every other recorded row, so a resumed run writes the same bytes.
    decisions: EconDecisionRows,
}

/// The economy's part of its checkpoint.
#[derive(Serialize, Deserialize)]
struct EconState {
    economy: Economy,
    rows: Rows,
}

/// A fresh economic run: the indicators are checked before the run directory is prepared
/// (and locked for the run).
pub(crate) fn start(
    dir: PathBuf,
    force: bool,
    source: ScenarioSource,
    scenario: Scenario,
    control: LoopControl,
    llm: LlmRunOptions,
    progress: &dyn RunProgress,
) -> Result<RunSummary, RunError> {
    let started = Instant::now();
    let cfg = scenario.econ.clone().unwrap_or_default();
    let economy = Economy::new(&cfg, scenario.population.agents, scenario.scenario.seed);
    let state = EconState {
        economy,
        rows: Rows::default(),
    };
    // The indicators are checked before the run directory is prepared; the policy after it
    // (an LLM policy opens its replay cache in the directory).
    let specs = IndicatorSpec::from_scenario(&scenario, &state.economy.feature_names())?;
    let mut source = source;
    source.bind_policy(&scenario)?;
    let _lock = crate::run_dir::prepare(&dir, force, &source)?;
    let (engine, settings) = open(dir, source, (scenario, specs), state, control, &llm)?;
    drive(engine, &settings, started, progress)
}

/// Continue from `checkpoint-econ.bin`.
pub(crate) fn resume(
    dir: &Path,
    control: LoopControl,
    llm: LlmRunOptions,
    progress: &dyn RunProgress,
) -> Result<RunSummary, RunError> {
    let started = Instant::now();
    let loaded: crate::checkpoint::Loaded<EconState> =
        crate::checkpoint::load(dir, &dir.join(ECON_CHECKPOINT), FORMAT)?;
    let (source, state) = (loaded.source, loaded.state);
    let scenario = source.scenario()?;
    tracing::info!(
        month = state.economy.month,
        "resuming the economy from its checkpoint"
    );
    let specs = IndicatorSpec::from_scenario(&scenario, &state.economy.feature_names())?;
    let (engine, settings) = open(
        dir.to_path_buf(),
        source,
        (scenario, specs),
        state,
        control,
        &llm,
    )?;
    drive(engine, &settings, started, progress)
}
/// The engine and its loop settings, with the policy made for the scenario and its
/// compiled indicators.
fn open(
    dir: PathBuf,
    source: ScenarioSource,
    (scenario, specs): (Scenario, Vec<IndicatorSpec>),
    state: EconState,
    control: LoopControl,
    llm: &LlmRunOptions,
) -> Result<(EconEngine, LoopSettings), RunError> {
    let policy: Box<dyn EconPolicy> = crate::distilled::econ_policy_for(&scenario, llm)?;
    let settings = LoopSettings {
        dir: dir.clone(),
        checkpoint_every: scenario.checkpoint.every,
        control,
    };
    let engine = EconEngine {
        dir,
        source,
        scenario,
        specs,
        policy,
        state,
    };
    Ok((engine, settings))
}

/// The economy as an [`Engine`].
struct EconEngine {
    dir: PathBuf,
    source: ScenarioSource,
    scenario: Scenario,
    specs: Vec<IndicatorSpec>,
    policy: Box<dyn EconPolicy>,
    state: EconState,
}

fn table(e: &Economy, file: &str) -> Result<FeatureTable, RunError> {
    FeatureTable::new(AgentIds::sequential(e.agents()), e.features())
        .map_err(|err| not_finite(file, e.month, 0, err))
}

fn cell(v: f64) -> String {
    if v.is_finite() {
        format!("{v:?}")
    } else {
        String::new()
    }
}

impl Engine for EconEngine {
    fn total_ticks(&self) -> u32 {
        self.scenario.scenario.ticks
    }

    fn agents(&self) -> usize {
        self.state.economy.agents()
    }

    fn tick(&self) -> u32 {
        self.state.economy.month
    }

    fn begin(&mut self) -> Result<(), RunError> {
        Ok(())
    }

    fn step(&mut self) -> Result<(), RunError> {
        let economy = &mut self.state.economy;
        for (a, note) in self.policy.reflect(economy).into_iter().enumerate() {
            if let Some(note) = note {
                economy.reflection[a] = note;
            }
        }
        let agents = economy.deciders();
        let decisions: Vec<EconDecision> = self.policy.decide_batch(economy, &agents);
        let log = crate::decision_log::econ_rows_of(&self.policy.take_decision_log());
        self.state.rows.decisions.extend(log);
        let stats = economy.step(&decisions);
        record(
            &self.state.economy,
            &decisions,
            &stats,
            &self.specs,
            &mut self.state.rows,
            &self.scenario.file,
        )
    }

    fn halt(&mut self, done: bool, requested: Option<Halt>) -> Option<Halt> {
        match done {
            true => None,
            false => requested.or_else(|| self.policy.halt().map(Halt::policy)),
        }
    }

    fn checkpoint(&mut self) -> Result<(), RunError> {
        let path = self.dir.join(ECON_CHECKPOINT);
        crate::checkpoint::save(&path, FORMAT, &self.source, &[], &self.state)
    }

    fn finish(self, started: Instant, progress: &dyn RunProgress) -> Result<RunSummary, RunError> {
        progress.attributing();
        let e = &self.state.economy;
        let names = e.feature_names();
        let logged = emergent_llm::uses_llm(&self.scenario);
        write_recorded(&self.dir, &names, &self.specs, self.state.rows, logged)?;
        let t = table(e, &self.scenario.file)?;
        let outcomes = write_attribution(&self.dir, e, &names, &t, &self.specs)?;
        if self.scenario.attribution.dynamic {
            let dynamic = crate::dynamic::run(
                &self.dir,
                &self.scenario,
                None,
                &t,
                &crate::dynamic::DynamicOptions::default(),
            )?;
            crate::dynamic::write(&self.dir, &dynamic)?;
        }
        let seconds = started.elapsed().as_secs_f64();
        let mut m = econ_manifest(
            &self.source,
            &self.scenario,
            e,
            self.policy.as_ref(),
            seconds,
        );
        m.distilled_policy = crate::distilled_record::manifest_record(&self.dir, &self.source);
        m.outputs
            .extend(crate::distilled_record::outputs(&self.dir));
        remove_if_exists(&self.dir.join(ECON_CHECKPOINT))?;
        remove_if_exists(&self.dir.join(PARTIAL))?;
        run_dir::write_manifest(&self.dir, &m)?;
        Ok(RunSummary {
            dir: self.dir.clone(),
            agents: e.agents(),
            ticks: e.month,
            seconds,
            indicators: outcomes,
            policy_stats: self.policy.stats(),
        })
    }
}

/// Append the month's rows: every agent's features, every decision, and the indicators.
fn record(
    e: &Economy,
    decisions: &[EconDecision],
    s: &MonthStats,
    specs: &[IndicatorSpec],
    rows: &mut Rows,
    file: &str,
) -> Result<(), RunError> {
    let n = e.agents();
    let t = table(e, file)?;
    let features = e.features();
    if rows.tick_features.is_empty() {
        rows.tick_features = vec![Vec::new(); features.len()];
    }
    for (k, (_, col)) in features.iter().enumerate() {
        rows.tick_features[k].extend_from_slice(col);
    }
    rows.tick_month.extend(std::iter::repeat_n(s.month, n));
    rows.tick_agent.extend(0..n as i64);
    for (a, d) in decisions.iter().enumerate() {
        let last = e.recent[a].back();
        rows.act_month.push(s.month);
        rows.act_agent.push(a as u32);
        rows.act_work.push(last.map_or(d.work, |m| m.decision.work));
        rows.act_consumption
            .push(last.map_or(d.consumption, |m| m.decision.consumption));
        rows.act_worked.push(last.is_some_and(|m| m.worked) as u32);
    }
    let macros = [
        s.unemployment,
        s.price,
        s.price_inflation,
        s.wage_inflation,
        s.nominal_gdp,
        s.real_gdp,
        s.interest_rate,
        s.wage_level,
    ];
    let mut line = s.month.to_string();
    for v in macros {
        line.push(',');
        line.push_str(&cell(v));
    }
    for spec in specs {
        line.push(',');
        if let Ok(v) = evaluate(&t, &spec.indicator) {
            line.push_str(&cell(v));
        }
    }
    line.push('\n');
    rows.indicators_csv.push_str(&line);
    Ok(())
}

/// `ticks.parquet`, `actions.parquet` and `indicators.csv` from the recorded rows.
fn write_recorded(
    dir: &Path,
    names: &[String],
    specs: &[IndicatorSpec],
    rows: Rows,
    logged: bool,
) -> Result<(), RunError> {
    if logged {
        write_parquet_columns(
            &dir.join(parquet_name(ECON_DECISIONS)),
            rows.decisions.into_columns(),
        )?;
    }
    let mut cols = vec![
        ParquetColumn::U32("tick".into(), rows.tick_month),
        ParquetColumn::I64("agent_id".into(), rows.tick_agent),
    ];
    for (name, col) in names.iter().zip(rows.tick_features) {
        cols.push(ParquetColumn::F64(name.clone(), col));
    }
    write_parquet_columns(&dir.join(parquet_name(run_dir::TICKS)), cols)?;
    write_parquet_columns(
        &dir.join(parquet_name(run_dir::ACTIONS)),
        vec![
            ParquetColumn::U32("tick".into(), rows.act_month),
            ParquetColumn::U32("agent".into(), rows.act_agent),
            ParquetColumn::F64("work".into(), rows.act_work),
            ParquetColumn::F64("consumption".into(), rows.act_consumption),
            ParquetColumn::U32("worked".into(), rows.act_worked),
        ],
    )?;
    let mut csv = String::from("tick");
    for h in MACRO
        .iter()
        .map(|s| s.to_string())
        .chain(specs.iter().map(|s| s.name.clone()))
    {
        csv.push(',');
        csv.push_str(&h);
    }
    csv.push('\n');
    csv.push_str(&rows.indicators_csv);
    atomic_write_bytes(&dir.join(run_dir::INDICATORS_CSV), csv.as_bytes())?;
    Ok(())
}

/// `features.parquet`, then the attribution of every indicator: `attribution.parquet` and
/// `attribution.json`.
fn write_attribution(
    dir: &Path,
    e: &Economy,
    names: &[String],
    t: &FeatureTable,
    specs: &[IndicatorSpec],
) -> Result<Vec<IndicatorOutcome>, RunError> {
    let n = e.agents();
    let mut fcols = vec![ParquetColumn::I64(
        "agent_id".into(),
        (0..n as i64).collect(),
    )];
    fcols.extend(
        names
            .iter()
            .filter_map(|c| e.feature(c).map(|v| ParquetColumn::F64(c.clone(), v))),
    );
    write_parquet_columns(&dir.join(parquet_name(run_dir::FEATURES)), fcols)?;
    let outcomes: Vec<IndicatorOutcome> = attribute_all(t, specs, None);
    let mut acols = vec![ParquetColumn::I64(
        "agent_id".into(),
        (0..n as i64).collect(),
    )];
    for o in &outcomes {
        if let Some(phi) = &o.phi {
            acols.push(ParquetColumn::F64(format!("phi_{}", o.name), phi.clone()));
        }
    }
    write_parquet_columns(&dir.join(parquet_name(run_dir::ATTRIBUTION)), acols)?;
    run_dir::write_attribution(dir, &outcomes)?;
    Ok(outcomes)
}

/// The manifest of an economic run.
fn econ_manifest(
    source: &ScenarioSource,
    scenario: &Scenario,
    e: &Economy,
    policy: &dyn EconPolicy,
    seconds: f64,
) -> run_dir::Manifest {
    let h = &e.history;
    let mean = |f: fn(&MonthStats) -> f64| {
        let v: Vec<f64> = h.iter().map(f).filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            None
        } else {
            Some(v.iter().sum::<f64>() / v.len() as f64)
        }
    };
    let n = e.agents();
    let counts = Counts {
        agents: Some(n as u64),
        ticks: Some(e.month as u64),
        months: Some(e.month as u64),
        recorded_ticks: Some(h.len() as u64),
        ..Counts::default()
    };
    let mut outputs = vec![
        parquet_name(run_dir::TICKS),
        parquet_name(run_dir::FEATURES),
        parquet_name(run_dir::ACTIONS),
        run_dir::INDICATORS_CSV.into(),
        parquet_name(run_dir::ATTRIBUTION),
        run_dir::ATTRIBUTION_JSON.into(),
        run_dir::SCENARIO.into(),
    ];
    if emergent_llm::uses_llm(scenario) {
        outputs.push(parquet_name(ECON_DECISIONS));
    }
    let mut m = manifest(
        source,
        scenario.scenario.seed,
        counts,
        PolicySummary::new(policy.name(), policy.stats()),
        timings(seconds, n as f64 * e.month as f64),
        outputs,
    );
    m.kind = Some(RunKind::Econ);
    m.llm_cache = crate::manifest::llm_cache_use(scenario, &policy.stats());
    m.economy = Some(EconomySummary {
        final_interest_rate: Some(e.interest_rate),
        final_price: h.last().map(|s| s.price),
        mean_price_inflation: mean(|s| s.price_inflation),
        mean_unemployment: mean(|s| s.unemployment),
        mean_wage_inflation: mean(|s| s.wage_inflation),
        total_nominal_gdp: Some(h.iter().map(|s| s.nominal_gdp).sum::<f64>()),
        total_real_gdp: Some(h.iter().map(|s| s.real_gdp).sum::<f64>()),
    });
    m
}
