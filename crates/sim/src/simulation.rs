//! A world and the policy that drives it, built from a scenario or resumed from a checkpoint.

use emergent_collective::Collective;

use crate::build::{BuildError, build_world, build_world_in};
use crate::engine_config::EngineConfig;
use crate::network::Network;
use crate::partition::Partition;
use crate::policy::{Policy, from_config};
use crate::tick_types::TickReport;
use crate::world::World;

/// A world and the policy that drives it.
pub struct Simulation {
    /// State (serialise this to checkpoint).
    pub world: World,
    /// Decision rule.
    pub policy: Box<dyn Policy>,
    /// Ticks the scenario asks for in total.
    pub ticks: u32,
}

impl Simulation {
    /// The scenario's initial world with its surrogate policy, ready to run; `preloaded` is
    /// a follow graph the caller read (see [`crate::build_network`]).
    pub fn new<'a>(
        scenario: impl Into<EngineConfig<'a>>,
        preloaded: Option<&Network>,
    ) -> Result<Self, BuildError> {
        let scenario = scenario.into();
        let world = build_world(&scenario, preloaded)?;
        Ok(Self::resume(scenario, world))
    }

    /// [`Simulation::new`] for one rank of a run split over ranks (a collective call).
    pub fn new_in<'a>(
        scenario: impl Into<EngineConfig<'a>>,
        preloaded: Option<&Network>,
        part: &Partition,
        exchange: &dyn Collective,
    ) -> Result<Self, BuildError> {
        let scenario = scenario.into();
        let world = build_world_in(&scenario, preloaded, part, exchange)?;
        Ok(Self::resume(scenario, world))
    }

    /// Resume from a checkpointed world with the scenario's policy.
    pub fn resume<'a>(scenario: impl Into<EngineConfig<'a>>, world: World) -> Self {
        let scenario = scenario.into();
        Self {
            world,
            policy: from_config(scenario.policy),
            ticks: scenario.meta.ticks,
        }
    }

    /// Run one tick.
    pub fn step(&mut self) -> TickReport {
        self.world.step(self.policy.as_ref())
    }

    /// True once `ticks` ticks have run.
    pub fn is_done(&self) -> bool {
        self.world.tick >= self.ticks
    }
}
