//! A world and the policy that drives it, built from a scenario or resumed from a checkpoint.

use emergent_collective::{Collective, Solo};

use crate::build::{BuildError, build_world, build_world_in};
use crate::engine_config::EngineConfig;
use crate::interventions::Plan;
use crate::network::Network;
use crate::partition::Partition;
use crate::policy::{Policy, from_config};
use crate::tick::{TickCost, step_partitioned_with};
use crate::tick_types::TickReport;
use crate::wire::WireError;
use crate::world::World;

/// A world and the policy that drives it.
pub struct Simulation {
    /// State (serialise this to checkpoint).
    pub world: World,
    /// Decision rule (replace it with [`Simulation::set_policy`]).
    pub policy: Box<dyn Policy>,
    /// Ticks the scenario asks for in total.
    pub ticks: u32,
    /// The scenario's interventions (a program may replace them before the first step).
    pub plan: Plan,
    /// Which of the plan's settings the policy and feed have now (`None`: the scenario's).
    applied: Option<usize>,
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

    /// Resume from a checkpointed world with the scenario's policy (the settings its
    /// interventions put in force at the world's tick are applied at the next step).
    pub fn resume<'a>(scenario: impl Into<EngineConfig<'a>>, world: World) -> Self {
        let scenario = scenario.into();
        Self {
            world,
            policy: from_config(scenario.policy),
            ticks: scenario.meta.ticks,
            plan: Plan::of(&scenario),
            applied: None,
        }
    }

    /// Drive the world with `policy` (built from the scenario's `[policy]`; the settings of
    /// `set` interventions are applied to it at the next step).
    pub fn set_policy(&mut self, policy: Box<dyn Policy>) {
        self.policy = policy;
        self.applied = None;
    }

    /// Run one tick.
    pub fn step(&mut self) -> TickReport {
        if self.plan.is_empty() {
            return self.world.step(self.policy.as_ref());
        }
        let n = self.world.agents();
        self.begin_tick(&Partition::single(n), &Solo);
        let mut d = self.world.decide(self.policy.as_ref());
        self.plan.inject(&self.world, &mut d, 0..n as u32);
        self.world.apply(&d)
    }

    /// Run one tick of a run split over ranks, this rank holding `part` (a collective call;
    /// see [`crate::tick::step_partitioned`]).
    pub fn step_partitioned(
        &mut self,
        part: &Partition,
        exchange: &dyn Collective,
    ) -> Result<(TickReport, TickCost), WireError> {
        if !self.plan.is_empty() {
            self.begin_tick(part, exchange);
        }
        let (plan, range) = (&self.plan, part.agent_range());
        let add = |w: &World, d: &mut crate::tick_types::Decisions| {
            if !plan.is_empty() {
                plan.inject(w, d, range.clone());
            }
        };
        step_partitioned_with(&mut self.world, self.policy.as_ref(), part, exchange, &add)
    }

    /// Before a tick: the settings in force now, then the plan's own work.
    fn begin_tick(&mut self, part: &Partition, exchange: &dyn Collective) {
        let want = self.plan.settings_at(self.world.tick);
        if want != self.applied {
            let before = self.plan.settings_of(self.applied).1;
            let (feed, policy) = self.plan.settings_of(want);
            self.world.feed = feed.clone();
            if policy != before && !self.policy.reconfigure(policy) {
                tracing::warn!(
                    policy = self.policy.name(),
                    "this policy cannot change its parameters; a `set` intervention is ignored"
                );
            }
            self.applied = want;
        }
        self.plan.begin_tick(&mut self.world, part, exchange);
    }

    /// True once `ticks` ticks have run.
    pub fn is_done(&self) -> bool {
        self.world.tick >= self.ticks
    }

    /// Run every remaining tick, forgetting after each the items no feed can show again (as a
    /// run does between ticks: [`World::forget_unseen_items`]). For callers that want the
    /// horizon only: the group game's reruns, validation, diagnostics.
    pub fn run_to_horizon(&mut self) {
        while !self.is_done() {
            self.step();
            self.world.forget_unseen_items();
        }
    }
}
