//! A world and the policy that drives it, built from a scenario or resumed from a checkpoint.

use emergent_collective::Collective;
use emergent_scenario::Scenario;

use crate::build::{BuildError, build_world, build_world_in};
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
    pub fn new(scenario: &Scenario, preloaded: Option<&Network>) -> Result<Self, BuildError> {
        Ok(Self::resume(scenario, build_world(scenario, preloaded)?))
    }

    /// [`Simulation::new`] for one rank of a run split over ranks (a collective call).
    pub fn new_in(
        scenario: &Scenario,
        preloaded: Option<&Network>,
        part: &Partition,
        exchange: &dyn Collective,
    ) -> Result<Self, BuildError> {
        let world = build_world_in(scenario, preloaded, part, exchange)?;
        Ok(Self::resume(scenario, world))
    }

    /// Resume from a checkpointed world with the scenario's policy.
    pub fn resume(scenario: &Scenario, world: World) -> Self {
        Self {
            world,
            policy: from_config(&scenario.policy),
            ticks: scenario.scenario.ticks,
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
