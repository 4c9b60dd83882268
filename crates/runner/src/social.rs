//! The social simulation as an [`Engine`]: the world (one process's, or one rank's agents of
//! a partitioned run), its recorder, and the steps that finish a run — the final tables, the
//! attribution, the partition's statistics, the shard index and the manifest.
//!
//! Everything that knows how a `Simulation` is built, stepped (in one process or
//! partitioned) and checkpointed is here.

use std::path::{Path, PathBuf};
use std::time::Instant;

use emergent_attribution::{Baseline, FeatureTable, Shard, evaluate, evaluate_sharded};
use emergent_collective::{Collective, barrier, gather_u64, sum_over_ranks};
use emergent_io::run_dir::{
    self, CHECKPOINT, Counts, Distributed, FollowGraph, IndicatorOutcome, PARTIAL, PhaseSeconds,
    PolicySummary,
};
use emergent_io::{ParquetColumn, ShardIndex, write_parquet_columns};
use emergent_llm::LlmRunOptions;
use emergent_scenario::{PolicyKind, Scenario};
use emergent_sim::cascades::CascadeLog;
use emergent_sim::network::Network;
use emergent_sim::partition::Partition;
use emergent_sim::tick::TickCost;
use emergent_sim::{Simulation, World};
use serde::{Deserialize, Serialize};

use crate::checkpoint::PartDigest;
use crate::engine::{Engine, Halt, LoopSettings, drive};
use crate::error::{HaltCause, RunError};
use crate::follows::{follows_outputs, write_follows};
use crate::fs::remove_if_exists;
use crate::indicators::{IndicatorSpec, attribute_all_on, feature_rows};
use crate::manifest::{RunStats, manifest, peak_rss_bytes, timings};
use crate::options::{LoopControl, RunProgress, RunSummary};
use crate::rank_files::remove_rank_files;
use crate::recorder::{Recorder, agent_id_column};
use crate::source::{ScenarioSource, preload_network};

/// Bumped whenever the checkpoint's layout changes, so an old checkpoint is refused, not
/// misread.
/// 2: per-agent state may be a rank's own range (`Owned`), owner/global apply.
/// 3: items are owned by their author's rank (`Items::owners`; other ranks' items blank).
/// 4: the cascade log of a cascade-policy run.
/// 5: what the interventions hold (`World::interventions`).
const FORMAT: u32 = 5;

/// The social engine's part of its checkpoint, after the common header.
#[derive(Deserialize)]
struct SocialState {
    next_segment: u32,
    stats: RunStats,
    world: World,
    cascades: Option<CascadeLog>,
}

/// [`SocialState`] borrowed, for saving.
#[derive(Serialize)]
struct SocialStateRef<'a> {
    next_segment: u32,
    stats: &'a RunStats,
    world: &'a World,
    cascades: &'a Option<CascadeLog>,
}

/// A partitioned run covers the rule-driven social scenarios: LLM agents are bounded by their
/// endpoint, not by one machine's CPU, and the economy keeps its own single-process runner.
pub(crate) fn check_distributable(
    scenario: &Scenario,
    exchange: &dyn Collective,
) -> Result<(), RunError> {
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

/// `Some(rank)` in a partitioned run.
fn rank_of(exchange: &dyn Collective) -> Option<usize> {
    (exchange.ranks() > 1).then(|| exchange.rank())
}

/// A fresh social run (every rank of a partitioned run calls this; rank 0 alone prepares the
/// run directory, `force` as `--force`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn start(
    dir: PathBuf,
    force: bool,
    source: ScenarioSource,
    scenario: Scenario,
    preloaded: Option<Network>,
    settings: (LoopControl, &LlmRunOptions),
    started: Instant,
    progress: &dyn RunProgress,
    exchange: &dyn Collective,
) -> Result<RunSummary, RunError> {
    let (control, llm) = settings;
    let mut source = source;
    source.bind_policy(&scenario)?;
    let mut sim = if exchange.ranks() > 1 {
        // This rank builds and holds only its own agents' state.
        let agents = scenario.population.agents;
        let part = Partition::contiguous(agents, exchange.ranks(), exchange.rank());
        Simulation::new_in(&scenario, preloaded.as_ref(), &part, exchange)?
    } else {
        Simulation::new(&scenario, preloaded.as_ref())?
    };
    let specs = IndicatorSpec::from_scenario(&scenario, &sim.world.feature_names())?;
    crate::interventions::check_features(&scenario, &sim.world.feature_names())?;
    // Held until the run ends (rank 0 writes the run-wide files for every rank).
    let _lock = match exchange.rank() {
        0 => Some(crate::run_dir::prepare(&dir, force, &source)?),
        _ => None,
    };
    sim.set_policy(crate::distilled::policy_for(&scenario, llm)?);
    if exchange.ranks() > 1 {
        barrier(exchange); // the run directory exists before any rank records into it
    }
    // Only the dynamic attribution at the end rebuilds the initial network: keep the graph
    // read from an edge list for it, and only for it.
    let preloaded = preloaded.filter(|_| scenario.attribution.dynamic);
    let cascades = logs_cascades(&scenario).then(CascadeLog::default);
    let surveys = emergent_llm::interview::Surveyor::for_scenario(&scenario, llm)?;
    let mut engine = SocialEngine::open(
        dir,
        (0, Vec::new()),
        source,
        scenario,
        preloaded,
        specs,
        sim,
        exchange,
    )?;
    engine.surveys = surveys;
    engine.run((RunStats::default(), cascades), control, started, progress)
}

/// Continue an interrupted social run from its committed checkpoint (this rank's part of it,
/// in a partitioned run).
pub(crate) fn resume(
    dir: &Path,
    control: LoopControl,
    llm: &LlmRunOptions,
    progress: &dyn RunProgress,
    exchange: &dyn Collective,
) -> Result<RunSummary, RunError> {
    let started = Instant::now();
    let loaded: crate::checkpoint::Loaded<SocialState> =
        if dir.join(run_dir::RANK_CHECKPOINT_POINTER).exists() {
            crate::checkpoint::load_rank(dir, FORMAT, exchange.rank(), exchange.ranks())?
        } else if exchange.ranks() > 1 && dir.join(CHECKPOINT).exists() {
            return Err(RunError::Resume {
                dir: dir.to_path_buf(),
                why: "the run was started in one process; resume it the same way (without \
                      mpirun and --distributed)"
                    .into(),
            });
        } else {
            crate::checkpoint::load(dir, &dir.join(CHECKPOINT), FORMAT)?
        };
    let (source, c) = (loaded.source, loaded.state);
    let scenario = source.scenario()?;
    check_distributable(&scenario, exchange)?;
    // Only the dynamic attribution at the end rebuilds the initial network.
    let preloaded = match scenario.attribution.dynamic {
        true => preload_network(&scenario)?,
        false => None,
    };
    let specs = IndicatorSpec::from_scenario(&scenario, &c.world.feature_names())?;
    tracing::info!(tick = c.world.tick, "resuming from checkpoint");
    let mut sim = Simulation::resume(&scenario, c.world);
    sim.set_policy(crate::distilled::policy_for(&scenario, llm)?);
    let surveys = emergent_llm::interview::Surveyor::for_scenario(&scenario, llm)?;
    let mut engine = SocialEngine::open(
        dir.to_path_buf(),
        (c.next_segment, loaded.parts),
        source,
        scenario,
        preloaded,
        specs,
        sim,
        exchange,
    )?;
    engine.surveys = surveys;
    engine.run((c.stats, c.cascades), control, started, progress)
}

/// The social world, its recorder and what the run has counted so far.
struct SocialEngine<'x> {
    dir: PathBuf,
    source: ScenarioSource,
    scenario: Scenario,
    /// The follow graph read from an imported edge list, for the dynamic attribution's
    /// rebuild of the initial world (None: the scenario generates or reads it itself).
    preloaded: Option<Network>,
    specs: Vec<IndicatorSpec>,
    sim: Simulation,
    recorder: Recorder,
    stats: RunStats,
    exchange: &'x dyn Collective,
    /// This process's agents (all of them in one process).
    part: Partition,
    cost: DistributedCost,
    /// The cascades this process's agents started and spread (cascade policy runs).
    cascades: Option<CascadeLog>,
    /// The scenario's `[[survey]]` questions (None: it has none).
    surveys: Option<emergent_llm::interview::Surveyor>,
}

impl<'x> SocialEngine<'x> {
    /// The engine, recording from `segment` on after the closed `parts` (0 and none for a
    /// fresh run).
    #[allow(clippy::too_many_arguments)]
    fn open(
        dir: PathBuf,
        (segment, parts): (u32, Vec<PartDigest>),
        source: ScenarioSource,
        scenario: Scenario,
        preloaded: Option<Network>,
        specs: Vec<IndicatorSpec>,
        sim: Simulation,
        exchange: &'x dyn Collective,
    ) -> Result<Self, RunError> {
        // The surveys' self-reports are recorded after the features (ticks.parquet only).
        let mut recorded = sim.world.feature_names();
        recorded.extend(scenario.surveys.iter().map(|s| s.column()));
        let recorder = Recorder::open(
            &dir,
            segment,
            parts,
            recorded,
            indicator_columns(&specs, &sim.world),
            rank_of(exchange),
        )?
        .log_decisions(logs_decisions(&scenario, exchange));
        let part = Partition::contiguous(sim.world.agents(), exchange.ranks(), exchange.rank());
        Ok(SocialEngine {
            dir,
            source,
            scenario,
            preloaded,
            specs,
            sim,
            recorder,
            stats: RunStats::default(),
            exchange,
            part,
            cost: DistributedCost::default(),
            cascades: None,
            surveys: None,
        })
    }

    fn run(
        mut self,
        (stats, cascades): (RunStats, Option<CascadeLog>),
        control: LoopControl,
        started: Instant,
        progress: &dyn RunProgress,
    ) -> Result<RunSummary, RunError> {
        self.stats = stats;
        self.cascades = cascades;
        let settings = LoopSettings {
            dir: self.dir.clone(),
            checkpoint_every: self.scenario.checkpoint.every,
            control,
        };
        drive(self, &settings, started, progress)
    }

    fn split(&self) -> bool {
        self.exchange.ranks() > 1
    }

    /// `f` with this rank's rows as an attribution shard (None in one process).
    fn with_shard<R>(&self, f: impl FnOnce(Option<&Shard>) -> R) -> R {
        let shard = (self.part.ranks > 1).then_some(Shard {
            offset: self.part.owned.start,
            collective: self.exchange,
        });
        f(shard.as_ref())
    }

    /// Record this rank's rows at the current tick, and the indicators: evaluated on the
    /// whole population (all ranks together when the run is split).
    fn record_state(&mut self) -> Result<(), RunError> {
        let table = feature_rows(
            &self.sim.world,
            self.part.owned.clone(),
            &self.scenario.file,
            self.exchange,
        )?;
        // An indicator can be undefined early on (a Gini of likes before anyone liked);
        // its cell stays empty rather than stopping the run.
        let mut values: Vec<Option<f64>> = self.with_shard(|shard| {
            self.specs
                .iter()
                .map(|s| match shard {
                    None => evaluate(&table, &s.indicator).ok(),
                    Some(sh) => evaluate_sharded(&table, &s.indicator, sh).ok(),
                })
                .collect()
        });
        if let Some(m) = self.sim.world.market.as_ref() {
            values.extend(price_and_return(&m.history));
        }
        if let Some(s) = &self.surveys {
            self.recorder.extra = s.answers_at(&self.sim.world);
        }
        let (tick, first) = (self.sim.world.tick, self.part.owned.start);
        self.recorder.record_state(tick, &table, first, &values)
    }
}

impl Engine for SocialEngine<'_> {
    fn total_ticks(&self) -> u32 {
        self.sim.ticks
    }

    fn agents(&self) -> usize {
        self.sim.world.agents()
    }

    fn tick(&self) -> u32 {
        self.sim.world.tick
    }

    fn begin(&mut self) -> Result<(), RunError> {
        if self.sim.world.tick == 0 {
            self.write_follows(FollowGraph::Start)?;
            self.record_state()?;
        }
        Ok(())
    }

    fn step(&mut self) -> Result<(), RunError> {
        let report = if self.split() {
            let (report, c) = self.sim.step_partitioned(&self.part, self.exchange)?;
            self.cost.add(&c);
            if let Some(log) = self.cascades.as_mut() {
                log.record(&report, &self.sim.world.items);
            }
            report
        } else {
            let report = self.sim.step();
            if let Some(log) = self.cascades.as_mut() {
                log.record(&report, &self.sim.world.items);
            }
            self.recorder
                .record_decisions(&self.sim.policy.take_decision_log())?;
            // Surrogate policies never read an item older than the feed window (a
            // partitioned run relies on it too); LLM prompts quote an agent's own older
            // posts, so LLM runs keep every item.
            if !emergent_llm::uses_llm(&self.scenario) {
                self.sim.world.forget_unseen_items();
            }
            report
        };
        self.stats.add(self.sim.world.agents(), &report);
        if self.scenario.record.actions {
            self.recorder.record_actions(&report)?;
        }
        let t = self.sim.world.tick;
        if t.is_multiple_of(self.scenario.record.every.max(1)) || self.sim.is_done() {
            self.record_state()?;
        }
        Ok(())
    }

    fn halt(&mut self, done: bool, requested: Option<Halt>) -> Option<Halt> {
        let mut halt = match done {
            true => None,
            false => requested
                .or_else(|| self.sim.policy.halt().map(Halt::policy))
                .or_else(|| self.surveys.as_ref()?.halt().map(Halt::policy)),
        };
        if self.split() && self.exchange.any(halt.is_some()) && halt.is_none() {
            // The first rank asked decides the tick; the cause is that rank's.
            halt = Some(Halt {
                cause: HaltCause::Signal(0),
                reason: "another rank was asked to stop".into(),
            });
        }
        halt
    }

    fn checkpoint(&mut self) -> Result<(), RunError> {
        let parts = self.recorder.close_for_checkpoint()?.to_vec();
        let segment = self.recorder.segment;
        let state = SocialStateRef {
            next_segment: segment,
            stats: &self.stats,
            world: &self.sim.world,
            cascades: &self.cascades,
        };
        if self.exchange.ranks() == 1 {
            return crate::checkpoint::save(
                &self.dir.join(CHECKPOINT),
                FORMAT,
                &self.source,
                &parts,
                &state,
            );
        }
        // Every rank's parts are in place before the checkpoint set is committed.
        crate::checkpoint::save_rank(
            &self.dir,
            FORMAT,
            &self.source,
            (&parts, &state),
            (segment, self.sim.world.tick),
            self.exchange,
        )
    }

    fn finish(
        mut self,
        started: Instant,
        progress: &dyn RunProgress,
    ) -> Result<RunSummary, RunError> {
        self.recorder.finish(&self.dir)?;
        progress.attributing();
        let table = feature_rows(
            &self.sim.world,
            self.part.owned.clone(),
            &self.scenario.file,
            self.exchange,
        )?;
        self.write_features(&table)?;
        self.write_follows(FollowGraph::End)?;
        let outcomes = self.attribute(&table)?;
        let partition = self.partition_stats();
        let cascades = self.gathered_cascades()?;
        if self.exchange.rank() != 0 {
            return Ok(self.summary(outcomes, started.elapsed().as_secs_f64()));
        }
        let mut outputs = self.write_index()?;
        if let Some(m) = self.sim.world.market.as_ref() {
            let stats = crate::market_stats::market_stats(&m.history);
            run_dir::write_json(&self.dir.join(run_dir::MARKET_JSON), &stats)?;
            outputs.push(run_dir::MARKET_JSON.to_string());
        }
        if let Some(log) = cascades {
            crate::cascades::write(&self.dir, &log)?;
            outputs.push(run_dir::parquet_name(run_dir::CASCADES));
        }
        run_dir::write_attribution(&self.dir, &outcomes)?;
        if self.scenario.attribution.dynamic {
            self.attribute_dynamic(&table)?;
        }
        let seconds = started.elapsed().as_secs_f64();
        let m = self.manifest(outputs, partition, seconds);
        remove_if_exists(&self.dir.join(CHECKPOINT))?;
        remove_rank_files(&self.dir, None, None)?;
        remove_if_exists(&self.dir.join(PARTIAL))?;
        run_dir::write_manifest(&self.dir, &m)?;
        Ok(self.summary(outcomes, seconds))
    }
}

/// The partition's statistics every rank contributes to.
struct PartitionStats {
    edges: u64,
    /// Partitioned runs: (cut edges, every rank's peak memory).
    split: Option<(u64, Vec<u64>)>,
}

/// Whether a run of `scenario` logs its LLM agents' decisions (`decisions.parquet`): social
/// LLM runs, which run in one process.
fn logs_decisions(scenario: &Scenario, exchange: &dyn Collective) -> bool {
    emergent_llm::uses_llm(scenario) && scenario.econ.is_none() && exchange.ranks() == 1
}

/// Whether a run of `scenario` logs its cascades (`cascades.parquet`): cascade-policy runs.
fn logs_cascades(scenario: &Scenario) -> bool {
    scenario.policy.kind == PolicyKind::Cascade && scenario.econ.is_none()
}

impl SocialEngine<'_> {
    /// Every rank's cascade log merged, on rank 0 (a collective call in a partitioned run:
    /// every rank makes it); None on the other ranks and in runs without a log.
    fn gathered_cascades(&self) -> Result<Option<CascadeLog>, RunError> {
        let Some(mine) = self.cascades.as_ref() else {
            return Ok(None);
        };
        if !self.split() {
            return Ok(Some(mine.clone()));
        }
        let parts = self.exchange.all_gather(&mine.encode());
        if self.exchange.rank() != 0 {
            return Ok(None);
        }
        let mut whole = CascadeLog::default();
        for p in &parts {
            whole.merge(&CascadeLog::decode(p)?);
        }
        Ok(Some(whole))
    }

    /// The table's name in this process: `features.parquet`, or a rank's shard of it.
    fn table_file(&self, table: &str) -> String {
        match self.split() {
            false => run_dir::parquet_name(table),
            true => ShardIndex::shard_name(table, self.exchange.rank()),
        }
    }

    /// The follow graph `which` (this rank's followers' edges in a partitioned run).
    fn write_follows(&self, which: FollowGraph) -> Result<(), RunError> {
        let split = self.split().then(|| self.exchange.rank());
        write_follows(
            &self.dir,
            which,
            split,
            &self.sim.world,
            self.part.owned.clone(),
        )
    }

    /// `features.parquet` (this rank's rows), and where a METIS partition renamed the agents,
    /// `agents.parquet`: the map back to the scenario's ids.
    fn write_features(&self, table: &FeatureTable) -> Result<(), RunError> {
        let first = self.part.owned.start;
        let mut cols = vec![agent_id_column(first, table.len())];
        cols.extend(
            table.column_names().iter().map(|n| {
                ParquetColumn::F64(n.clone(), table.column(n).unwrap_or_default().to_vec())
            }),
        );
        write_parquet_columns(&self.dir.join(self.table_file(run_dir::FEATURES)), cols)?;
        if let Some(ids) = self.sim.world.population.original_id.as_ref() {
            write_parquet_columns(
                &self.dir.join(self.table_file(run_dir::AGENTS)),
                vec![
                    agent_id_column(first, self.part.owned.len()),
                    ParquetColumn::U32("original_id".into(), ids.local().to_vec()),
                ],
            )?;
        }
        Ok(())
    }

    /// Attribute every indicator (collectively, in a partitioned run) and write this
    /// process's φ into `attribution.parquet` (or its shard).
    fn attribute(&self, table: &FeatureTable) -> Result<Vec<IndicatorOutcome>, RunError> {
        let initial = self.initial_baseline()?;
        let outcomes =
            self.with_shard(|shard| attribute_all_on(table, &self.specs, shard, initial));
        let mut cols = vec![agent_id_column(self.part.owned.start, table.len())];
        for o in &outcomes {
            if let Some(phi) = &o.phi {
                cols.push(ParquetColumn::F64(format!("phi_{}", o.name), phi.clone()));
            }
        }
        write_parquet_columns(&self.dir.join(self.table_file(run_dir::ATTRIBUTION)), cols)?;
        Ok(outcomes)
    }

    /// The `initial` baseline when an indicator names it: this process's rows at the first
    /// recorded tick, read back from its merged ticks file (a resumed run recorded tick 0 in
    /// an earlier segment, merged by `Recorder::finish`). In a partitioned run the ranks agree
    /// first, so a rank that cannot read its shard stops every rank, not only itself.
    fn initial_baseline(&self) -> Result<Option<Baseline>, RunError> {
        if !self.specs.iter().any(|s| s.from_initial) {
            return Ok(None);
        }
        let path = self.recorder.ticks_file(&self.dir);
        let read = emergent_io::first_tick_features(&path);
        if self.split() && self.exchange.any(read.is_err()) && read.is_ok() {
            return Err(emergent_io::IoError::new(
                &path,
                "another rank could not read its ticks shard for the `initial` baseline (its \
                 error names the file)",
            )
            .into());
        }
        Ok(Some(Baseline::Table(read?.table)))
    }

    /// Follow edges, and in a partitioned run those whose ends are on different ranks (the
    /// partition's quality) and every rank's peak memory. Collective: every rank calls it;
    /// when it returns, every rank's shards are complete.
    fn partition_stats(&self) -> PartitionStats {
        let network = &self.sim.world.network;
        if !self.split() {
            return PartitionStats {
                edges: network.edge_count() as u64,
                split: None,
            };
        }
        let own = self.part.owned.clone();
        let cut = self
            .part
            .agent_range()
            .map(|u| {
                let f = network.followees(u);
                f.iter().filter(|&&v| !own.contains(&(v as usize))).count() as u64
            })
            .sum();
        let cut_edges = sum_over_ranks(self.exchange, cut);
        let edges = sum_over_ranks(self.exchange, network.edge_count() as u64);
        let rank_rss = gather_u64(self.exchange, peak_rss_bytes().unwrap_or(0));
        // Every rank's shards are complete before rank 0 indexes them and clears the parts.
        barrier(self.exchange);
        PartitionStats {
            edges,
            split: Some((cut_edges, rank_rss)),
        }
    }

    /// The run's output files; a partitioned run's shards are indexed in `shards.json`.
    fn write_index(&self) -> Result<Vec<String>, RunError> {
        let renamed = self.sim.world.population.original_id.is_some();
        let mut outputs: Vec<String> = Vec::new();
        if self.split() {
            let index = shard_index(self.exchange.ranks(), self.sim.world.agents(), renamed);
            for files in index.tables.values() {
                outputs.extend(files.iter().cloned());
            }
            outputs.push(emergent_io::SHARD_INDEX.to_string());
            run_dir::write_json(&self.dir.join(emergent_io::SHARD_INDEX), &index)?;
        } else {
            outputs.extend(
                [
                    run_dir::TICKS,
                    run_dir::ACTIONS,
                    run_dir::FEATURES,
                    run_dir::ATTRIBUTION,
                ]
                .map(run_dir::parquet_name),
            );
            if renamed {
                outputs.push(run_dir::parquet_name(run_dir::AGENTS));
            }
        }
        outputs.extend(follows_outputs(self.exchange.ranks()));
        outputs.extend(
            [
                run_dir::INDICATORS_CSV,
                run_dir::ATTRIBUTION_JSON,
                run_dir::SCENARIO,
            ]
            .map(String::from),
        );
        Ok(outputs)
    }

    /// `dynamic_attribution.*`, on the whole final table (a partitioned run's is the shards
    /// just written: a rank holds only its own agents).
    fn attribute_dynamic(&self, table: &FeatureTable) -> Result<(), RunError> {
        let whole;
        let table = if self.split() {
            whole = emergent_io::read_dataset(
                &self.dir,
                run_dir::FEATURES,
                &emergent_io::IdColumn::Default,
            )?;
            &whole
        } else {
            table
        };
        let opts = crate::dynamic::DynamicOptions::default();
        let dynamic = crate::dynamic::run(
            &self.dir,
            &self.scenario,
            self.preloaded.as_ref(),
            table,
            &opts,
        )?;
        crate::dynamic::write(&self.dir, &dynamic)
    }

    fn manifest(
        &self,
        outputs: Vec<String>,
        partition: PartitionStats,
        seconds: f64,
    ) -> run_dir::Manifest {
        let s = &self.stats;
        let counts = Counts {
            actions: Some(s.actions.clone()),
            active_agent_steps: Some(s.active_agent_steps),
            agent_steps: Some(s.agent_steps),
            agents: Some(self.sim.world.agents() as u64),
            edges: Some(partition.edges),
            exposures: Some(s.exposures),
            items: Some(self.sim.world.items.len() as u64),
            months: None,
            recorded_ticks: Some(recorded_ticks(&self.dir) as u64),
            rejected_actions: Some(s.rejected_actions),
            ticks: Some(s.ticks_run as u64),
        };
        let policy = &self.sim.policy;
        let mut m = manifest(
            &self.source,
            self.scenario.scenario.seed,
            counts,
            PolicySummary::new(policy.name(), policy.stats()),
            timings(seconds, s.agent_steps as f64),
            outputs,
        );
        m.threads = Some(rayon::current_num_threads());
        m.interventions = crate::interventions::records(&self.scenario, &self.sim.world);
        m.llm_cache = crate::manifest::llm_cache_use(&self.scenario, &policy.stats());
        m.distilled_policy = crate::distilled_record::manifest_record(&self.dir, &self.source);
        m.outputs
            .extend(crate::distilled_record::outputs(&self.dir));
        if let Some((cut_edges, rank_rss)) = partition.split {
            m.distributed = Some(self.cost.summary(&self.part, cut_edges, rank_rss));
        }
        m
    }

    fn summary(&self, indicators: Vec<IndicatorOutcome>, seconds: f64) -> RunSummary {
        RunSummary {
            dir: self.dir.clone(),
            agents: self.sim.world.agents(),
            ticks: self.sim.world.tick,
            seconds,
            indicators,
            policy_stats: self.sim.policy.stats(),
        }
    }
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

/// The columns of `indicators.csv` after `tick`: the scenario's indicators, then for a
/// market run `price` and `return`.
fn indicator_columns(specs: &[IndicatorSpec], world: &emergent_sim::world::World) -> Vec<String> {
    let mut names: Vec<String> = specs.iter().map(|s| s.name.clone()).collect();
    if world.market.is_some() {
        names.extend(["price".to_string(), "return".to_string()]);
    }
    names
}

/// The price now (the last of `history`, the price at the start of every tick so far) and
/// the last tick's log return ln(P_t/P_{t−1}) (none at tick 0).
fn price_and_return(history: &[f64]) -> [Option<f64>; 2] {
    let now = history.last().copied();
    let ret = match history {
        [.., before, now] => Some((now / before).ln()),
        _ => None,
    };
    [now, ret]
}

/// Recorded ticks, counted from indicators.csv (one row each), so a resumed run counts the
/// ticks recorded before the interruption too.
fn recorded_ticks(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join(run_dir::INDICATORS_CSV))
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

    /// The manifest's `distributed` section.
    fn summary(&self, part: &Partition, cut_edges: u64, rank_rss: Vec<u64>) -> Distributed {
        let per_tick = |x: f64| x / self.ticks.max(1) as f64;
        Distributed {
            cut_edges,
            peak_rss_bytes_per_rank: rank_rss,
            rank0_agents: [part.owned.start, part.owned.end],
            rank0_bytes_received_per_tick: per_tick(self.sum.bytes_received as f64),
            rank0_bytes_sent_per_tick: per_tick(self.sum.bytes_sent as f64),
            rank0_items_fetched_per_tick: per_tick(self.sum.items_fetched as f64),
            rank0_seconds_per_tick: PhaseSeconds {
                apply: per_tick(self.sum.apply_seconds),
                decide: per_tick(self.sum.decide_seconds),
                exchange: per_tick(self.sum.exchange_seconds),
                fetch: per_tick(self.sum.fetch_seconds),
            },
            ranks: part.ranks,
            ticks: self.ticks,
        }
    }
}
