//! The run loop every kind of run shares. An [`Engine`] is one kind of world (the social
//! simulation, the economy) with its recording and checkpointing; [`drive`] only loops:
//! ticks, progress, clean halts, checkpoints and the throttle.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::error::RunError;
use crate::options::{RunProgress, RunSummary};

/// One kind of run, as the loop sees it.
pub(crate) trait Engine {
    /// Ticks (months, for an economy) the run lasts.
    fn total_ticks(&self) -> u32;
    fn agents(&self) -> usize;
    /// Ticks run so far.
    fn tick(&self) -> u32;
    /// Before the first tick of this process (a fresh run records its tick 0 here).
    fn begin(&mut self) -> Result<(), RunError>;
    /// Run one tick and record it.
    fn step(&mut self) -> Result<(), RunError>;
    /// Why the run must stop cleanly now (an LLM budget spent, another rank stopping), if it
    /// must. Called once after every tick, `done` after the last one.
    fn halt(&mut self, done: bool) -> Option<String>;
    /// Save the state so `--resume` continues from this tick.
    fn checkpoint(&mut self) -> Result<(), RunError>;
    /// Write the run's final files and the manifest.
    fn finish(self, started: Instant, progress: &dyn RunProgress) -> Result<RunSummary, RunError>;
}

/// How the loop runs, whatever the engine.
pub(crate) struct LoopSettings {
    /// The run directory (named in a halt).
    pub dir: PathBuf,
    /// Checkpoint every this many ticks (0: never).
    pub checkpoint_every: u32,
    /// Sleep this long after every tick.
    pub throttle: Option<Duration>,
}

/// Run `engine` to its last tick (or a clean halt) and finish it.
pub(crate) fn drive<E: Engine>(
    mut engine: E,
    settings: &LoopSettings,
    started: Instant,
    progress: &dyn RunProgress,
) -> Result<RunSummary, RunError> {
    let total = engine.total_ticks();
    progress.started(total, engine.agents());
    engine.begin()?;
    while engine.tick() < total {
        engine.step()?;
        let t = engine.tick();
        progress.tick(t);
        let done = t >= total;
        let halt = engine.halt(done);
        let every = settings.checkpoint_every;
        if (every > 0 && t.is_multiple_of(every) && !done) || halt.is_some() {
            engine.checkpoint()?;
        }
        if let Some(reason) = halt {
            return Err(RunError::Halted {
                dir: settings.dir.clone(),
                tick: t,
                reason,
            });
        }
        if let Some(d) = settings.throttle {
            std::thread::sleep(d);
        }
    }
    engine.finish(started, progress)
}
