//! Ground truth for the attributions: Shapley values of groups of agents, measured by
//! rerunning the simulator (`emergent attribute --game RUN_DIR --groups SPEC`).
//!
//! The players are groups of agents; v(S) is an indicator at the horizon when every agent of
//! the groups outside S is silenced from tick 0 (`population.silenced`: their items never
//! exist), averaged over R replicates with common random numbers (replicate r uses the same
//! noise seed in every coalition; r = 0 is the run's own noise, so v(N) at r = 0 is the run).
//! Exact Shapley by enumerating the 2^G coalitions (G ≤ [`EXACT_GROUPS`]) or antithetic
//! permutations; per replicate φ, then the mean and a 95 % interval over replicates. Beside
//! them: the group sums of the run's static and dynamic φ.

mod coalitions;
mod estimate;
mod groups;
mod markdown;
mod play;
mod twin;

use std::path::Path;
use std::time::Instant;

use emergent_attribution::Progress;
use emergent_attribution::game::{MAX_PLAYERS, antithetic_permutations, coalitions_of, grand};
use emergent_io::atomic_write_bytes;
use emergent_io::run_dir::{self, GameFile, GameGroup};

use crate::error::RunError;
use crate::indicators::IndicatorSpec;

pub use coalitions::Coalitions;
pub use groups::{Group, GroupSpec, SPEC_FORMS};
pub use markdown::game_markdown;
pub(crate) use play::noise_seed;

/// Most groups exact enumeration takes: 2^12 = 4096 coalition runs per replicate.
pub const EXACT_GROUPS: usize = 12;

/// What `emergent attribute --game` asks for.
#[derive(Debug, Clone)]
pub struct GameOptions {
    pub groups: GroupSpec,
    /// The text of the spec, recorded in `game.json`.
    pub groups_text: String,
    pub replicates: usize,
    /// Indicator names of the run's scenario (default: all; the runs are shared).
    pub indicators: Vec<String>,
    /// Sample this many permutations per replicate (an even number: antithetic pairs)
    /// instead of enumerating every coalition.
    pub permutations: Option<usize>,
    /// Seed of the permutations.
    pub seed: u64,
    /// Also play the game on the run's expected-value twin (exact games only): each group's
    /// share there, beside the ground truth's (see `twin.rs`).
    pub twin: bool,
}

/// Play the game of a completed run; writes `game.json` and `game.md` into it.
pub fn play_game(
    dir: &Path,
    opts: &GameOptions,
    progress: &dyn Progress,
) -> Result<GameFile, RunError> {
    let started = Instant::now();
    let game_err = |message: String| RunError::Game {
        dir: dir.to_path_buf(),
        message,
    };
    // A run directory first (its manifest), then its lock, then the game.
    run_dir::read_manifest(dir)?;
    let _lock = run_dir::RunDirLock::acquire(dir, "emergent attribute --game")?;
    let game = Coalitions::read(dir, &opts.groups)?;
    let scenario = &game.scenario;
    let (features, groups) = (&game.features, &game.groups);
    check_size(groups.len(), opts).map_err(&game_err)?;
    let specs = IndicatorSpec::from_scenario(scenario, features.column_names())?;
    let wanted = crate::dynamic::wanted(&specs, &opts.indicators, &scenario.file)?;
    let rerun = play::Rerun {
        game: &game,
        specs: wanted.clone(),
    };
    let plan = Plan::new(groups.len(), opts);
    if opts.twin && !plan.exact() {
        return Err(game_err(
            "--twin plays the twin's game exactly (2^G forward passes): leave out \
             --permutations"
                .into(),
        ));
    }
    let twin = match opts.twin {
        true => Some(twin::twin_values(dir, &game, &wanted)?),
        false => None,
    };
    let values = rerun.values(&plan.jobs(), progress)?;
    let attributions = estimate::Attributions::read(dir, features);
    let run_values = run_dir::read_attribution(dir).ok();
    let indicators = wanted
        .iter()
        .enumerate()
        .map(|(k, spec)| {
            let v = |mask: u64, r: usize| values[&(mask, r)][k];
            let run_value = run_values.as_ref().and_then(|a| {
                a.indicators
                    .iter()
                    .find(|o| o.name == spec.name)
                    .and_then(|o| o.value)
            });
            let twin = twin.as_ref().map(|t| t[k].as_slice());
            estimate::indicator(spec, run_value, groups, &plan, &v, &attributions, twin)
        })
        .collect();
    let file = GameFile {
        groups_spec: opts.groups_text.clone(),
        groups: groups
            .iter()
            .map(|g| GameGroup {
                name: g.name.clone(),
                agents: g.members.len(),
            })
            .collect(),
        replicates: opts.replicates,
        method: match opts.permutations {
            None => "exact".into(),
            Some(_) => "permutations".into(),
        },
        permutations: opts.permutations,
        seed: opts.seed,
        runs: values.len(),
        seconds: started.elapsed().as_secs_f64(),
        indicators,
    };
    run_dir::write_json(&dir.join(run_dir::GAME_JSON), &file)?;
    atomic_write_bytes(&dir.join(run_dir::GAME_MD), game_markdown(&file).as_bytes())?;
    Ok(file)
}

/// Refuse a game too large to play as asked, before any run.
fn check_size(g: usize, opts: &GameOptions) -> Result<(), String> {
    if g > MAX_PLAYERS {
        return Err(format!("{g} groups; the game takes at most {MAX_PLAYERS}"));
    }
    match opts.permutations {
        None if g > EXACT_GROUPS => Err(format!(
            "{g} groups: exact Shapley needs 2^{g} coalition runs per replicate (at most \
             {EXACT_GROUPS} groups); give --permutations P to sample P permutations instead"
        )),
        Some(p) if p < 2 || p % 2 == 1 => Err(format!(
            "--permutations {p}: give an even number ≥ 2 (permutations come in antithetic pairs)"
        )),
        _ if opts.replicates == 0 => Err("--replicates must be at least 1".into()),
        _ => Ok(()),
    }
}

/// Which coalitions each replicate measures.
pub(crate) struct Plan {
    pub players: usize,
    pub replicates: usize,
    /// Per replicate: the sampled permutations (empty when exact).
    pub permutations: Vec<Vec<Vec<u32>>>,
}

impl Plan {
    fn new(players: usize, opts: &GameOptions) -> Self {
        let permutations = (0..opts.replicates)
            .map(|r| match opts.permutations {
                None => Vec::new(),
                Some(p) => antithetic_permutations(players, p / 2, opts.seed, r as u64),
            })
            .collect();
        Plan {
            players,
            replicates: opts.replicates,
            permutations,
        }
    }

    pub(crate) fn exact(&self) -> bool {
        self.permutations.iter().all(Vec::is_empty)
    }

    /// Every (coalition, replicate) to simulate, each once.
    fn jobs(&self) -> Vec<(u64, usize)> {
        let mut jobs = Vec::new();
        for r in 0..self.replicates {
            match self.exact() {
                true => jobs.extend((0..=grand(self.players)).map(|m| (m, r))),
                false => jobs.extend(
                    coalitions_of(&self.permutations[r])
                        .into_iter()
                        .map(|m| (m, r)),
                ),
            }
        }
        jobs
    }
}
