//! The run loop every kind of run shares. An [`Engine`] is one kind of world (the social
//! simulation, the economy) with its recording and checkpointing; [`drive`] only loops:
//! ticks, progress, clean halts, checkpoints and the throttle.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Instant;

use crate::error::{HaltCause, RunError};
use crate::options::{LoopControl, RunProgress, RunSummary};

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
    /// Why the run must stop cleanly now (`requested`: a signal asked this process to; an
    /// LLM budget spent; another rank stopping), if it must. Called once after every tick,
    /// `done` after the last one. In a partitioned run every rank returns the same answer.
    fn halt(&mut self, done: bool, requested: Option<Halt>) -> Option<Halt>;
    /// Save the state so `--resume` continues from this tick.
    fn checkpoint(&mut self) -> Result<(), RunError>;
    /// Write the run's final files and the manifest.
    fn finish(self, started: Instant, progress: &dyn RunProgress) -> Result<RunSummary, RunError>;
}

/// Why a run stops before its last tick.
#[derive(Debug, Clone)]
pub(crate) struct Halt {
    pub cause: HaltCause,
    pub reason: String,
}

impl Halt {
    /// The policy asks to stop (an LLM budget spent, the endpoint down, a cache miss).
    pub(crate) fn policy(h: emergent_sim::policy::PolicyHalt) -> Self {
        Halt {
            cause: match h.budget_spent {
                true => HaltCause::Budget,
                false => HaltCause::Policy,
            },
            reason: h.reason,
        }
    }
}

/// How the loop runs, whatever the engine.
pub(crate) struct LoopSettings {
    /// The run directory (named in a halt).
    pub dir: PathBuf,
    /// Checkpoint every this many ticks (0: never).
    pub checkpoint_every: u32,
    /// The pace and the stop flag.
    pub control: LoopControl,
}

impl LoopSettings {
    /// A stop asked for by a signal since the run started, if any.
    fn requested(&self) -> Option<Halt> {
        let signal = self.control.stop.as_ref()?.load(Ordering::SeqCst);
        (signal != 0).then(|| Halt {
            cause: HaltCause::Signal(signal as i32),
            reason: format!("interrupted by {}", signal_name(signal as i32)),
        })
    }
}

fn signal_name(signal: i32) -> String {
    match signal {
        2 => "SIGINT (Ctrl-C)".into(),
        15 => "SIGTERM".into(),
        n => format!("signal {n}"),
    }
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
        let halt = engine.halt(done, settings.requested().filter(|_| !done));
        let every = settings.checkpoint_every;
        // A policy's stop always checkpoints (resuming is its point); a signal when
        // checkpoints are on.
        let checkpointed = match &halt {
            None => every > 0 && t.is_multiple_of(every) && !done,
            Some(h) => every > 0 || !matches!(h.cause, HaltCause::Signal(_)),
        };
        if checkpointed {
            engine.checkpoint()?;
        }
        if let Some(h) = halt {
            return Err(RunError::Halted {
                dir: settings.dir.clone(),
                tick: t,
                reason: h.reason,
                cause: h.cause,
                checkpointed,
            });
        }
        if let Some(d) = settings.control.throttle {
            std::thread::sleep(d);
        }
    }
    engine.finish(started, progress)
}
