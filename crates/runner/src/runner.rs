//! The run loop shared by fresh and resumed runs.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use emergent_attribution::{FeatureTable, Shard, evaluate, evaluate_sharded};
use emergent_collective::{Collective, Solo, barrier, gather_u64, sum_over_ranks};
use emergent_io::{ParquetColumn, ShardIndex, atomic_write_bytes, write_parquet_columns};
use emergent_scenario::Scenario;
use emergent_sim::Simulation;
use emergent_sim::network::Network;
use emergent_sim::partition::Partition;
use emergent_sim::tick::{TickCost, step_partitioned};
use serde_json::json;

use crate::checkpoint;
use crate::error::RunError;
use crate::indicators::{IndicatorOutcome, IndicatorSpec, attribute_all_on, feature_rows};
use crate::manifest::{self, RunStats, peak_rss_bytes, sha256_hex};
use crate::recorder::{Recorder, agent_id_column};
use crate::run_dir::{self, CHECKPOINT, MANIFEST, PARTIAL};

/// What `emergent run` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub scenario: PathBuf,
    /// Run directory; default `runs/<scenario name>-seed<seed>`.
    pub out: Option<PathBuf>,
    pub seed: Option<u64>,
    /// `KEY=VALUE` overrides, applied in order.
    pub overrides: Vec<String>,
    pub force: bool,
    /// Sleep this long after every tick (tests use it to interrupt a run mid-way).
    pub throttle: Option<Duration>,
    /// LLM agents: never call the endpoint (replay cache only).
    pub offline: bool,
    /// LLM agents: stop cleanly (checkpointed) after this many HTTP calls.
    pub max_calls: Option<u64>,
    /// LLM agents: stop cleanly after this many prompt + completion tokens.
    pub max_tokens: Option<u64>,
}

/// The LLM options of this invocation, with the replay cache in the run directory.
fn llm_options(
    dir: &Path,
    offline: bool,
    max_calls: Option<u64>,
    max_tokens: Option<u64>,
) -> emergent_llm::LlmRunOptions {
    emergent_llm::LlmRunOptions {
        offline,
        max_calls,
        max_tokens,
        ..emergent_llm::LlmRunOptions::in_dir(dir)
    }
}

/// Told about every tick, for progress bars.
pub trait RunProgress: Sync {
    fn started(&self, _total_ticks: u32, _agents: usize) {}
    fn tick(&self, _done: u32) {}
    fn attributing(&self) {}
}

pub struct NoRunProgress;
impl RunProgress for NoRunProgress {}

/// Where the outputs are and what the attribution says.
#[derive(Debug, Clone)]
pub struct RunSummary {
    pub dir: PathBuf,
    pub agents: usize,
    pub ticks: u32,
    pub seconds: f64,
    pub indicators: Vec<IndicatorOutcome>,
    /// The policy's counters (LLM calls, tokens, retries, fallbacks…), also in the manifest.
    pub policy_stats: Vec<(String, f64)>,
}

/// Start a fresh run.
pub fn start(opts: &RunOptions, progress: &dyn RunProgress) -> Result<RunSummary, RunError> {
    start_on(opts, progress, &Solo)
}

/// Start a fresh run as one rank of a partitioned run (every rank calls this with the same
/// options). Every rank simulates; rank 0 alone writes the run directory.
pub fn start_on(
    opts: &RunOptions,
    progress: &dyn RunProgress,
    exchange: &dyn Collective,
) -> Result<RunSummary, RunError> {
    let file = opts.scenario.display().to_string();
    let text = std::fs::read_to_string(&opts.scenario).map_err(|e| {
        RunError::Io(emergent_io::IoError::new(
            &opts.scenario,
            format!("{e} (check the scenario path)"),
        ))
    })?;
    let mut overrides = opts.overrides.clone();
    if let Some(seed) = opts.seed {
        overrides.push(format!("scenario.seed={seed}"));
    }
    let scenario = scenario_with(&text, &file, &overrides)?;
    let preloaded = run_dir::preload_network(&scenario)?;
    let dir = opts
        .out
        .clone()
        .unwrap_or_else(|| run_dir::default_dir(&scenario.scenario.name, scenario.scenario.seed));
    let started = Instant::now();
    check_distributable(&scenario, exchange)?;
    if scenario.econ.is_some() {
        run_dir::prepare(&dir, opts.force)?;
        atomic_write_bytes(&dir.join("scenario.toml"), text.as_bytes())?;
        let llm = llm_options(&dir, opts.offline, opts.max_calls, opts.max_tokens);
        let job = crate::econ::EconJob {
            dir,
            text,
            file,
            overrides,
            scenario,
            throttle: opts.throttle,
            llm,
        };
        return crate::econ::start(job, progress);
    }
    let mut sim = if exchange.ranks() > 1 {
        // This rank builds and holds only its own agents' state.
        let agents = scenario.population.agents;
        let part = Partition::contiguous(agents, exchange.ranks(), exchange.rank());
        Simulation::new_in(&scenario, preloaded.as_ref(), &part, exchange)?
    } else {
        Simulation::new(&scenario, preloaded.as_ref())?
    };
    let specs = IndicatorSpec::from_scenario(&scenario, &sim.world.feature_names())?;
    let writes = exchange.rank() == 0;
    if writes {
        run_dir::prepare(&dir, opts.force)?;
        atomic_write_bytes(&dir.join("scenario.toml"), text.as_bytes())?;
    }
    sim.policy = emergent_llm::policy_for(
        &scenario,
        &llm_options(&dir, opts.offline, opts.max_calls, opts.max_tokens),
    )?;
    if exchange.ranks() > 1 {
        barrier(exchange); // the run directory exists before any rank records into it
    }
    let recorder = Recorder::open(
        &dir,
        0,
        sim.world.feature_names(),
        specs.iter().map(|s| s.name.clone()).collect(),
        rank_of(exchange),
    )?;
    let job = Job {
        dir,
        text,
        file,
        overrides,
        scenario,
        preloaded,
        specs,
        throttle: opts.throttle,
    };
    job.drive(
        sim,
        recorder,
        RunStats::default(),
        started,
        progress,
        exchange,
    )
}

/// `Some(rank)` in a partitioned run.
fn rank_of(exchange: &dyn Collective) -> Option<usize> {
    (exchange.ranks() > 1).then(|| exchange.rank())
}

/// A partitioned run covers the rule-driven social scenarios: LLM agents are bounded by their
/// endpoint, not by one machine's CPU, and the economy keeps its own single-process runner.
fn check_distributable(scenario: &Scenario, exchange: &dyn Collective) -> Result<(), RunError> {
    if exchange.ranks() == 1 {
        return Ok(());
    }
    let why = if scenario.econ.is_some() {
        "an [econ] scenario runs in one process"
    } else if emergent_llm::uses_llm(scenario) {
        "LLM agents run in one process (their speed is the endpoint's; raise [llm] max_in_flight instead)"
    } else {
        return Ok(());
    };
    Err(RunError::Distributed {
        file: scenario.file.clone(),
        why: why.into(),
    })
}

/// Continue an interrupted run from its last checkpoint.
pub fn resume(
    dir: &Path,
    throttle: Option<Duration>,
    progress: &dyn RunProgress,
) -> Result<RunSummary, RunError> {
    resume_with(dir, throttle, &RunOptions::default(), progress)
}

/// Continue an interrupted run, with this invocation's LLM options (`offline`, `max_calls`,
/// `max_tokens` of `llm`; its other fields are ignored).
pub fn resume_with(
    dir: &Path,
    throttle: Option<Duration>,
    llm: &RunOptions,
    progress: &dyn RunProgress,
) -> Result<RunSummary, RunError> {
    resume_on(dir, throttle, llm, progress, &Solo)
}

/// [`resume_with`] as one rank of a partitioned run: every rank reads its own part of the
/// committed checkpoint set and drops its own recorded parts after it; rank 0 writes the
/// run-wide files.
pub fn resume_on(
    dir: &Path,
    throttle: Option<Duration>,
    llm: &RunOptions,
    progress: &dyn RunProgress,
    exchange: &dyn Collective,
) -> Result<RunSummary, RunError> {
    if dir.join(MANIFEST).exists() {
        return Err(RunError::Resume {
            dir: dir.to_path_buf(),
            why: "the run is already complete (manifest.json exists)".into(),
        });
    }
    let llm_opts = llm_options(dir, llm.offline, llm.max_calls, llm.max_tokens);
    if dir.join(crate::econ::CHECKPOINT).exists() {
        if exchange.ranks() > 1 {
            return Err(RunError::Distributed {
                file: dir.join(crate::econ::CHECKPOINT).display().to_string(),
                why: "an [econ] run resumes in one process".into(),
            });
        }
        return crate::econ::resume(dir, throttle, llm_opts, progress);
    }
    let started = Instant::now();
    let c = if dir.join(checkpoint::RANK_POINTER).exists() {
        checkpoint::load_rank(dir, exchange.rank(), exchange.ranks())?
    } else if exchange.ranks() > 1 && dir.join(CHECKPOINT).exists() {
        return Err(RunError::Resume {
            dir: dir.to_path_buf(),
            why: "the run was started in one process; resume it the same way (without mpirun \
                  and --distributed)"
                .into(),
        });
    } else {
        checkpoint::load(dir)?
    };
    let scenario = scenario_with(&c.scenario_text, &c.scenario_file, &c.overrides)?;
    check_distributable(&scenario, exchange)?;
    let preloaded = if scenario.attribution.dynamic {
        // Only the dynamic attribution at the end rebuilds the initial network.
        run_dir::preload_network(&scenario)?
    } else {
        None
    };
    let specs = IndicatorSpec::from_scenario(&scenario, &c.world.feature_names())?;
    tracing::info!(tick = c.world.tick, "resuming from checkpoint");
    let mut sim = Simulation::resume(&scenario, c.world);
    sim.policy = emergent_llm::policy_for(&scenario, &llm_opts)?;
    let recorder = Recorder::open(
        dir,
        c.next_segment,
        sim.world.feature_names(),
        specs.iter().map(|s| s.name.clone()).collect(),
        rank_of(exchange),
    )?;
    let job = Job {
        dir: dir.to_path_buf(),
        text: c.scenario_text,
        file: c.scenario_file,
        overrides: c.overrides,
        scenario,
        preloaded,
        specs,
        throttle,
    };
    job.drive(sim, recorder, c.stats, started, progress, exchange)
}

pub(crate) fn scenario_with(
    text: &str,
    file: &str,
    overrides: &[String],
) -> Result<Scenario, RunError> {
    Ok(Scenario::with_overrides(text, file, overrides)?)
}

struct Job {
    dir: PathBuf,
    text: String,
    file: String,
    overrides: Vec<String>,
    scenario: Scenario,
    /// The follow graph read from a Parquet edge list, for the dynamic attribution's rebuild
    /// of the initial world.
    preloaded: Option<Network>,
    specs: Vec<IndicatorSpec>,
    throttle: Option<Duration>,
}

impl Job {
    fn drive(
        self,
        mut sim: Simulation,
        mut recorder: Recorder,
        mut stats: RunStats,
        started: Instant,
        progress: &dyn RunProgress,
        exchange: &dyn Collective,
    ) -> Result<RunSummary, RunError> {
        let every = self.scenario.record.every.max(1);
        let checkpoint_every = self.scenario.checkpoint.every;
        let agents = sim.world.agents();
        let part = Partition::contiguous(agents, exchange.ranks(), exchange.rank());
        let split = exchange.ranks() > 1;
        let writes = exchange.rank() == 0;
        // This rank's rows of the feature table as an attribution shard, when the run is split.
        let shard = (part.ranks > 1).then_some(Shard {
            offset: part.owned.start,
            collective: exchange,
        });
        let mut cost = DistributedCost::default();
        progress.started(sim.ticks, agents);
        if sim.world.tick == 0 {
            self.record(&sim, &mut recorder, &part, shard.as_ref())?;
        }
        while !sim.is_done() {
            let report = if split {
                let (report, c) =
                    step_partitioned(&mut sim.world, sim.policy.as_ref(), &part, exchange)?;
                cost.add(&c);
                report
            } else {
                let report = sim.step();
                // Surrogate policies never read an item older than the feed window (a
                // partitioned run relies on it too); LLM prompts quote an agent's own older
                // posts, so LLM runs keep every item.
                if !emergent_llm::uses_llm(&self.scenario) {
                    sim.world.forget_unseen_items();
                }
                report
            };
            stats.add(agents, &report);
            if self.scenario.record.actions {
                recorder.record_actions(&report)?;
            }
            let t = sim.world.tick;
            if t.is_multiple_of(every) || sim.is_done() {
                self.record(&sim, &mut recorder, &part, shard.as_ref())?;
            }
            progress.tick(t);
            let mut halt = if sim.is_done() {
                None
            } else {
                sim.policy.halt()
            };
            if split && exchange.any(halt.is_some()) && halt.is_none() {
                halt = Some("another rank stopped".into());
            }
            if (checkpoint_every > 0 && t.is_multiple_of(checkpoint_every) && !sim.is_done())
                || halt.is_some()
            {
                recorder.close_segment()?;
                // In a partitioned run every rank's parts are in place before the checkpoint
                // set is committed.
                checkpoint::save(
                    &self.dir,
                    &self.text,
                    &self.file,
                    &self.overrides,
                    recorder.segment,
                    &stats,
                    &sim.world,
                    exchange,
                )?;
            }
            if let Some(reason) = halt {
                return Err(RunError::Halted {
                    dir: self.dir.clone(),
                    tick: t,
                    reason,
                });
            }
            if let Some(d) = self.throttle {
                std::thread::sleep(d);
            }
        }
        recorder.finish(&self.dir)?;
        progress.attributing();
        let table = feature_rows(&sim.world, part.owned.clone());
        let name = |table: &str| match split {
            false => format!("{table}.parquet"),
            true => ShardIndex::shard_name(table, exchange.rank()),
        };
        write_parquet_columns(
            &self.dir.join(name("features")),
            table_columns(&table, part.owned.start),
        )?;
        // A METIS partition renamed the agents: the map back to the scenario's ids.
        let renamed = sim.world.population.original_id.as_ref();
        if let Some(ids) = renamed {
            write_parquet_columns(
                &self.dir.join(name("agents")),
                vec![
                    agent_id_column(part.owned.start, part.owned.len()),
                    ParquetColumn::U32("original_id".into(), ids.local().to_vec()),
                ],
            )?;
        }
        let outcomes = attribute_all_on(&table, &self.specs, shard.as_ref());
        self.write_phi(
            &name("attribution"),
            part.owned.start,
            table.len(),
            &outcomes,
        )?;
        // Follow edges whose ends are on different ranks (the partition's quality).
        let cut_edges = match split {
            true => {
                let own = part.owned.clone();
                let cut = part
                    .agent_range()
                    .map(|u| {
                        let f = sim.world.network.followees(u);
                        f.iter().filter(|&&v| !own.contains(&(v as usize))).count() as u64
                    })
                    .sum();
                sum_over_ranks(exchange, cut)
            }
            false => 0,
        };
        let edges = match split {
            true => sum_over_ranks(exchange, sim.world.network.edge_count() as u64),
            false => sim.world.network.edge_count() as u64,
        };
        // Every rank's peak memory, for the manifest (and the scale evidence).
        let rank_rss = if split {
            gather_u64(exchange, peak_rss_bytes().unwrap_or(0))
        } else {
            Vec::new()
        };
        if split {
            // Every rank's shards are complete before rank 0 indexes them and clears the parts.
            barrier(exchange);
        }
        if !writes {
            return Ok(RunSummary {
                dir: self.dir,
                agents,
                ticks: sim.world.tick,
                seconds: started.elapsed().as_secs_f64(),
                indicators: outcomes,
                policy_stats: sim.policy.stats(),
            });
        }
        let mut outputs: Vec<String> = Vec::new();
        if split {
            let index = shard_index(exchange.ranks(), agents, renamed.is_some());
            for files in index.tables.values() {
                outputs.extend(files.iter().cloned());
            }
            outputs.push(emergent_io::SHARD_INDEX.to_string());
            let text = serde_json::to_string_pretty(&index).map_err(|e| {
                RunError::Io(emergent_io::IoError::new(
                    &self.dir.join(emergent_io::SHARD_INDEX),
                    e.to_string(),
                ))
            })?;
            atomic_write_bytes(&self.dir.join(emergent_io::SHARD_INDEX), text.as_bytes())?;
        } else {
            outputs.extend(
                [
                    "ticks.parquet",
                    "actions.parquet",
                    "features.parquet",
                    "attribution.parquet",
                ]
                .map(String::from),
            );
            if renamed.is_some() {
                outputs.push("agents.parquet".into());
            }
        }
        outputs.extend(["indicators.csv", "attribution.json", "scenario.toml"].map(String::from));
        self.write_attribution_json(&outcomes)?;
        if self.scenario.attribution.dynamic {
            // A rank holds only its own agents: the whole table is the shards just written.
            let whole;
            let table = if split {
                whole = emergent_io::read_dataset(
                    &self.dir,
                    "features",
                    &emergent_io::IdColumn::Default,
                )?;
                &whole
            } else {
                &table
            };
            let dynamic = crate::dynamic::run(
                &self.dir,
                &self.scenario,
                self.preloaded.as_ref(),
                table,
                &crate::dynamic::DynamicOptions::default(),
            )?;
            crate::dynamic::write(&self.dir, &dynamic)?;
        }
        let seconds = started.elapsed().as_secs_f64();
        let mut manifest = json!({
            "emergent_version": env!("CARGO_PKG_VERSION"),
            "git_commit": option_env!("EMERGENT_GIT_COMMIT").filter(|c| !c.is_empty()),
            "scenario_file": self.file,
            "scenario_sha256": sha256_hex(&self.text),
            "scenario": self.text,
            "overrides": self.overrides,
            "seed": self.scenario.scenario.seed,
            "threads": rayon::current_num_threads(),
            "counts": {
                "agents": agents,
                "edges": edges,
                "items": sim.world.items.len(),
                "ticks": stats.ticks_run,
                "recorded_ticks": recorder_ticks(&self.dir),
                "agent_steps": stats.agent_steps,
                "active_agent_steps": stats.active_agent_steps,
                "exposures": stats.exposures,
                "rejected_actions": stats.rejected_actions,
                "actions": stats.actions,
            },
            "policy": {
                "name": sim.policy.name(),
                "stats": sim.policy.stats().into_iter().collect::<std::collections::BTreeMap<_, _>>(),
            },
            "timings": {
                "wall_seconds": seconds,
                "agent_steps_per_second": stats.agent_steps as f64 / seconds.max(1e-9),
                "peak_rss_bytes": peak_rss_bytes(),
            },
            "outputs": outputs,
        });
        if split {
            manifest["distributed"] = cost.to_json(exchange.ranks(), &part);
            manifest["distributed"]["peak_rss_bytes_per_rank"] = json!(rank_rss);
            manifest["distributed"]["cut_edges"] = json!(cut_edges);
        }
        run_dir::remove_if_exists(&self.dir.join(CHECKPOINT))?;
        checkpoint::remove_rank_files(&self.dir, None, None)?;
        run_dir::remove_if_exists(&self.dir.join(PARTIAL))?;
        manifest::write(&self.dir, &manifest)?;
        Ok(RunSummary {
            dir: self.dir,
            agents,
            ticks: sim.world.tick,
            seconds,
            indicators: outcomes,
            policy_stats: sim.policy.stats(),
        })
    }

    /// Record this rank's rows at the current tick, and the indicators: evaluated on the
    /// whole population (all ranks together when the run is split).
    fn record(
        &self,
        sim: &Simulation,
        recorder: &mut Recorder,
        part: &Partition,
        shard: Option<&emergent_attribution::Shard>,
    ) -> Result<(), RunError> {
        let table = feature_rows(&sim.world, part.owned.clone());
        // An indicator can be undefined early on (a Gini of likes before anyone liked);
        // its cell stays empty rather than stopping the run.
        let values: Vec<Option<f64>> = self
            .specs
            .iter()
            .map(|s| match shard {
                None => evaluate(&table, &s.indicator).ok(),
                Some(sh) => evaluate_sharded(&table, &s.indicator, sh).ok(),
            })
            .collect();
        recorder.record_state(sim.world.tick, &table, part.owned.start, &values)
    }

    /// φ of this process's agents (all, or a rank's) into `file`.
    fn write_phi(
        &self,
        file: &str,
        first: usize,
        n: usize,
        outcomes: &[IndicatorOutcome],
    ) -> Result<(), RunError> {
        let mut cols = vec![agent_id_column(first, n)];
        for o in outcomes {
            if let Some(phi) = &o.phi {
                cols.push(ParquetColumn::F64(format!("phi_{}", o.name), phi.clone()));
            }
        }
        write_parquet_columns(&self.dir.join(file), cols)?;
        Ok(())
    }

    fn write_attribution_json(&self, outcomes: &[IndicatorOutcome]) -> Result<(), RunError> {
        let text =
            serde_json::to_string_pretty(&json!({ "indicators": outcomes })).map_err(|e| {
                RunError::Io(emergent_io::IoError::new(
                    &self.dir.join("attribution.json"),
                    e.to_string(),
                ))
            })?;
        atomic_write_bytes(&self.dir.join("attribution.json"), text.as_bytes())?;
        Ok(())
    }
}

/// `agent_id` (from `first`) and every feature column of `table`.
fn table_columns(table: &FeatureTable, first: usize) -> Vec<ParquetColumn> {
    let mut cols = vec![agent_id_column(first, table.len())];
    cols.extend(
        table
            .column_names()
            .iter()
            .map(|n| ParquetColumn::F64(n.clone(), table.column(n).unwrap_or_default().to_vec())),
    );
    cols
}

/// The shards every rank of a partitioned run writes.
fn shard_index(ranks: usize, agents: usize, renamed: bool) -> ShardIndex {
    let tables = ["ticks", "actions", "features", "attribution"]
        .into_iter()
        .chain(renamed.then_some("agents"))
        .map(|t| {
            let files = (0..ranks).map(|r| ShardIndex::shard_name(t, r)).collect();
            (t.to_string(), files)
        })
        .collect();
    ShardIndex {
        ranks,
        rows: (0..ranks)
            .map(|r| {
                let p = Partition::contiguous(agents, ranks, r);
                [p.owned.start, p.owned.end]
            })
            .collect(),
        tables,
    }
}

/// Recorded ticks, counted from indicators.csv (one row each), so a resumed run counts the
/// ticks recorded before the interruption too.
fn recorder_ticks(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("indicators.csv"))
        .map(|t| t.lines().count().saturating_sub(1))
        .unwrap_or(0)
}

/// What the exchange cost over the ticks this process ran (rank 0's view), for the manifest.
#[derive(Default)]
struct DistributedCost {
    ticks: u64,
    sum: TickCost,
}

impl DistributedCost {
    fn add(&mut self, c: &TickCost) {
        self.ticks += 1;
        self.sum.bytes_sent += c.bytes_sent;
        self.sum.bytes_received += c.bytes_received;
        self.sum.items_fetched += c.items_fetched;
        self.sum.fetch_seconds += c.fetch_seconds;
        self.sum.decide_seconds += c.decide_seconds;
        self.sum.exchange_seconds += c.exchange_seconds;
        self.sum.apply_seconds += c.apply_seconds;
    }

    fn to_json(&self, ranks: usize, part: &Partition) -> serde_json::Value {
        let per_tick = |x: f64| x / self.ticks.max(1) as f64;
        json!({
            "ranks": ranks,
            "rank0_agents": [part.owned.start, part.owned.end],
            "ticks": self.ticks,
            "rank0_bytes_sent_per_tick": per_tick(self.sum.bytes_sent as f64),
            "rank0_bytes_received_per_tick": per_tick(self.sum.bytes_received as f64),
            "rank0_items_fetched_per_tick": per_tick(self.sum.items_fetched as f64),
            "rank0_seconds_per_tick": {
                "fetch": per_tick(self.sum.fetch_seconds),
                "decide": per_tick(self.sum.decide_seconds),
                "exchange": per_tick(self.sum.exchange_seconds),
                "apply": per_tick(self.sum.apply_seconds),
            },
        })
    }
}
