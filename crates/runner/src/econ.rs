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
use std::time::{Duration, Instant};

use emergent_attribution::{AgentIds, FeatureTable, evaluate};
use emergent_io::{IoError, ParquetColumn, atomic_write_bytes, write_parquet_columns};
use emergent_llm::LlmRunOptions;
use emergent_scenario::Scenario;
use emergent_sim::econ::{EconDecision, EconPolicy, Economy, MonthStats};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::RunError;
use crate::indicators::{IndicatorOutcome, IndicatorSpec, attribute_all};
use crate::manifest::{peak_rss_bytes, sha256_hex};
use crate::run_dir::{self, PARTIAL};
use crate::runner::{RunProgress, RunSummary};

/// The economy's checkpoint (a social run's is `checkpoint.bin`).
pub(crate) const CHECKPOINT: &str = "checkpoint-econ.bin";
const FORMAT: u32 = 1;

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
}

#[derive(Serialize, Deserialize)]
struct Checkpoint {
    format: u32,
    scenario_text: String,
    scenario_file: String,
    overrides: Vec<String>,
    economy: Economy,
    rows: Rows,
}

/// What the run loop needs besides the economy.
pub(crate) struct EconJob {
    pub dir: PathBuf,
    pub text: String,
    pub file: String,
    pub overrides: Vec<String>,
    pub scenario: Scenario,
    pub throttle: Option<Duration>,
    pub llm: LlmRunOptions,
}

fn io_err(p: &Path, e: impl std::fmt::Display) -> RunError {
    RunError::Io(IoError::new(p, e.to_string()))
}

/// A fresh economic run (the run directory is already prepared).
pub(crate) fn start(job: EconJob, progress: &dyn RunProgress) -> Result<RunSummary, RunError> {
    let started = Instant::now();
    let cfg = job.scenario.econ.clone().unwrap_or_default();
    let economy = Economy::new(
        &cfg,
        job.scenario.population.agents,
        job.scenario.scenario.seed,
    );
    job.drive(economy, Rows::default(), started, progress)
}

/// Continue from `checkpoint-econ.bin`.
pub(crate) fn resume(
    dir: &Path,
    throttle: Option<Duration>,
    llm: LlmRunOptions,
    progress: &dyn RunProgress,
) -> Result<RunSummary, RunError> {
    let started = Instant::now();
    let path = dir.join(CHECKPOINT);
    let c: Checkpoint = crate::checkpoint::decode(dir, &path, |c: &Checkpoint| c.format, FORMAT)?;
    let scenario = crate::runner::scenario_with(&c.scenario_text, &c.scenario_file, &c.overrides)?;
    tracing::info!(
        month = c.economy.month,
        "resuming the economy from its checkpoint"
    );
    let job = EconJob {
        dir: dir.to_path_buf(),
        text: c.scenario_text,
        file: c.scenario_file,
        overrides: c.overrides,
        scenario,
        throttle,
        llm,
    };
    job.drive(c.economy, c.rows, started, progress)
}

fn table(e: &Economy) -> Result<FeatureTable, RunError> {
    FeatureTable::new(AgentIds::sequential(e.agents()), e.features())
        .map_err(|err| RunError::Io(IoError::new(Path::new("features"), err.to_string())))
}

fn cell(v: f64) -> String {
    if v.is_finite() {
        format!("{v:?}")
    } else {
        String::new()
    }
}

impl EconJob {
    fn drive(
        self,
        mut economy: Economy,
        mut rows: Rows,
        started: Instant,
        progress: &dyn RunProgress,
    ) -> Result<RunSummary, RunError> {
        let specs = IndicatorSpec::from_scenario(&self.scenario, &economy.feature_names())?;
        let policy: Box<dyn EconPolicy> = emergent_llm::econ_policy_for(&self.scenario, &self.llm)?;
        let months = self.scenario.scenario.ticks;
        let n = economy.agents();
        let checkpoint_every = self.scenario.checkpoint.every;
        progress.started(months, n);
        while economy.month < months {
            for (a, note) in policy.reflect(&economy).into_iter().enumerate() {
                if let Some(note) = note {
                    economy.reflection[a] = note;
                }
            }
            let agents = economy.deciders();
            let decisions: Vec<EconDecision> = policy.decide_batch(&economy, &agents);
            let stats = economy.step(&decisions);
            self.record(&economy, &decisions, &stats, &specs, &mut rows)?;
            let m = economy.month;
            progress.tick(m);
            let done = m >= months;
            let halt = if done { None } else { policy.halt() };
            if (checkpoint_every > 0 && m.is_multiple_of(checkpoint_every) && !done)
                || halt.is_some()
            {
                self.save(&economy, &rows)?;
            }
            if let Some(reason) = halt {
                return Err(RunError::Halted {
                    dir: self.dir.clone(),
                    tick: m,
                    reason,
                });
            }
            if let Some(d) = self.throttle {
                std::thread::sleep(d);
            }
        }
        progress.attributing();
        self.finish(&economy, rows, &specs, policy.as_ref(), started)
    }

    fn record(
        &self,
        e: &Economy,
        decisions: &[EconDecision],
        s: &MonthStats,
        specs: &[IndicatorSpec],
        rows: &mut Rows,
    ) -> Result<(), RunError> {
        let n = e.agents();
        let t = table(e)?;
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

    fn save(&self, economy: &Economy, rows: &Rows) -> Result<(), RunError> {
        #[derive(Serialize)]
        struct CheckpointRef<'a> {
            format: u32,
            scenario_text: &'a str,
            scenario_file: &'a str,
            overrides: &'a [String],
            economy: &'a Economy,
            rows: &'a Rows,
        }
        let path = self.dir.join(CHECKPOINT);
        let c = CheckpointRef {
            format: FORMAT,
            scenario_text: &self.text,
            scenario_file: &self.file,
            overrides: &self.overrides,
            economy,
            rows,
        };
        crate::checkpoint::encode(&path, &c)
    }

    fn finish(
        self,
        e: &Economy,
        rows: Rows,
        specs: &[IndicatorSpec],
        policy: &dyn EconPolicy,
        started: Instant,
    ) -> Result<RunSummary, RunError> {
        let n = e.agents();
        let dir = &self.dir;
        let names = e.feature_names();
        let mut cols = vec![
            ParquetColumn::U32("tick".into(), rows.tick_month),
            ParquetColumn::I64("agent_id".into(), rows.tick_agent),
        ];
        for (name, col) in names.iter().zip(rows.tick_features) {
            cols.push(ParquetColumn::F64(name.clone(), col));
        }
        write_parquet_columns(&dir.join("ticks.parquet"), cols)?;
        write_parquet_columns(
            &dir.join("actions.parquet"),
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
        atomic_write_bytes(&dir.join("indicators.csv"), csv.as_bytes())?;
        let t = table(e)?;
        let mut fcols = vec![ParquetColumn::I64(
            "agent_id".into(),
            (0..n as i64).collect(),
        )];
        fcols.extend(
            names
                .iter()
                .filter_map(|c| e.feature(c).map(|v| ParquetColumn::F64(c.clone(), v))),
        );
        write_parquet_columns(&dir.join("features.parquet"), fcols)?;
        let outcomes: Vec<IndicatorOutcome> = attribute_all(&t, specs);
        let mut acols = vec![ParquetColumn::I64(
            "agent_id".into(),
            (0..n as i64).collect(),
        )];
        for o in &outcomes {
            if let Some(phi) = &o.phi {
                acols.push(ParquetColumn::F64(format!("phi_{}", o.name), phi.clone()));
            }
        }
        write_parquet_columns(&dir.join("attribution.parquet"), acols)?;
        let att = serde_json::to_string_pretty(&json!({ "indicators": outcomes }))
            .map_err(|err| io_err(&dir.join("attribution.json"), err))?;
        atomic_write_bytes(&dir.join("attribution.json"), att.as_bytes())?;
        if self.scenario.attribution.dynamic {
            let dynamic = crate::dynamic::run(
                dir,
                &self.scenario,
                None,
                &t,
                &crate::dynamic::DynamicOptions::default(),
            )?;
            crate::dynamic::write(dir, &dynamic)?;
        }
        let h = &e.history;
        let mean = |f: fn(&MonthStats) -> f64| {
            let v: Vec<f64> = h.iter().map(f).filter(|x| x.is_finite()).collect();
            if v.is_empty() {
                None
            } else {
                Some(v.iter().sum::<f64>() / v.len() as f64)
            }
        };
        let seconds = started.elapsed().as_secs_f64();
        let stats: std::collections::BTreeMap<String, f64> = policy.stats().into_iter().collect();
        let manifest = json!({
            "emergent_version": env!("CARGO_PKG_VERSION"),
            "git_commit": option_env!("EMERGENT_GIT_COMMIT").filter(|c| !c.is_empty()),
            "kind": "econ",
            "scenario_file": self.file,
            "scenario_sha256": sha256_hex(&self.text),
            "scenario": self.text,
            "overrides": self.overrides,
            "seed": self.scenario.scenario.seed,
            "counts": { "agents": n, "ticks": e.month, "months": e.month, "recorded_ticks": h.len() },
            "economy": {
                "mean_unemployment": mean(|s| s.unemployment),
                "mean_price_inflation": mean(|s| s.price_inflation),
                "mean_wage_inflation": mean(|s| s.wage_inflation),
                "final_price": h.last().map(|s| s.price),
                "final_interest_rate": e.interest_rate,
                "total_nominal_gdp": h.iter().map(|s| s.nominal_gdp).sum::<f64>(),
                "total_real_gdp": h.iter().map(|s| s.real_gdp).sum::<f64>(),
            },
            "policy": { "name": policy.name(), "stats": stats },
            "timings": {
                "wall_seconds": seconds,
                "agent_steps_per_second": (n as f64 * e.month as f64) / seconds.max(1e-9),
                "peak_rss_bytes": peak_rss_bytes(),
            },
            "outputs": ["ticks.parquet", "features.parquet", "actions.parquet", "indicators.csv", "attribution.parquet", "attribution.json", "scenario.toml"],
        });
        run_dir::remove_if_exists(&dir.join(CHECKPOINT))?;
        run_dir::remove_if_exists(&dir.join(PARTIAL))?;
        crate::manifest::write(dir, &manifest)?;
        Ok(RunSummary {
            dir: self.dir.clone(),
            agents: n,
            ticks: e.month,
            seconds,
            indicators: outcomes,
            policy_stats: policy.stats(),
        })
    }
}
