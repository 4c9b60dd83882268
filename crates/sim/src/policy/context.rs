//! What a policy sees ([`DecisionContext`]) and what it must answer ([`Policy`]): the seam
//! between the engine and every decision rule (surrogate here, LLM in `emergent-llm`).

use rayon::prelude::*;

use crate::action::Decision;
use crate::feed::Feeds;
use crate::rng::{AgentRng, purpose};
use crate::world::World;
use crate::{AgentId, ItemId};

/// Everything one agent may look at when deciding at a tick. The world is the
/// state of tick `t` (read-only): no decision can see another's effect.
pub struct DecisionContext<'a> {
    /// Who decides.
    pub agent: AgentId,
    /// Current tick.
    pub tick: u32,
    /// The whole state at the start of the tick.
    pub world: &'a World,
    /// The agent's ranked feed.
    pub feed: &'a [ItemId],
}

/// A decision rule.
///
/// `decide` handles one agent with its own keyed random stream. `decide_batch`
/// is the seam for policies that are cheaper per batch (an LLM client sending
/// many prompts concurrently); its default runs `decide` in parallel. Either
/// way the result must depend only on the tick-t state and the keyed streams,
/// never on scheduling.
pub trait Policy: Send + Sync {
    /// Short name for logs.
    fn name(&self) -> &'static str;

    /// The actions of `ctx.agent` at `ctx.tick`.
    fn decide(&self, ctx: &DecisionContext<'_>, rng: &mut AgentRng) -> Decision;

    /// Counters for the run manifest (an LLM policy: calls, tokens, retries, fallbacks…).
    fn stats(&self) -> Vec<(String, f64)> {
        Vec::new()
    }

    /// `Some(why)` when the run must stop cleanly after the current tick — a call or token
    /// budget is spent, or the endpoint is down and the scenario says to pause. The runner
    /// then checkpoints and tells the user how to resume.
    fn halt(&self) -> Option<PolicyHalt> {
        None
    }

    /// Take `cfg`'s parameters from now on (a `set` intervention; the kind stays the same).
    /// False when this policy cannot change them (the default), which the caller reports.
    fn reconfigure(&mut self, _cfg: &emergent_scenario::PolicyConfig) -> bool {
        false
    }

    /// The decisions recorded since the last call, with their context (an LLM policy records
    /// its agents' decisions for `decisions.parquet`; others record none).
    fn take_decision_log(&self) -> Vec<super::DecisionRecord> {
        Vec::new()
    }

    /// Decisions of every agent in `feeds.agents`, in that order.
    fn decide_batch(&self, world: &World, feeds: &Feeds) -> Vec<Decision> {
        (0..feeds.len())
            .into_par_iter()
            .with_min_len(256)
            .map(|i| {
                let agent = feeds.agents[i];
                let ctx = DecisionContext {
                    agent,
                    tick: world.tick,
                    world,
                    feed: feeds.feed(i),
                };
                let mut rng =
                    AgentRng::new(world.seed, agent as u64, world.tick as u64, purpose::DECIDE);
                self.decide(&ctx, &mut rng)
            })
            .collect()
    }
}

/// Why a policy asks the run to stop cleanly before its last tick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyHalt {
    /// Said to the user, with how to resume.
    pub reason: String,
    /// A budget the user set is spent: the run did what it was asked (not a failure).
    pub budget_spent: bool,
}

/// The topic an agent attends to this tick: one uniform draw from its stream when there are
/// several topics, none when there is one (so single-topic runs consume no draw).
pub(crate) fn attended_topic(topics: usize, rng: &mut AgentRng) -> usize {
    if topics > 1 {
        rng.below(topics as u64) as usize
    } else {
        0
    }
}
