//! emergent-sim: the deterministic simulation core.
//!
//! Agents live in flat arrays indexed by id; randomness is keyed by
//! `(seed, agent, tick, purpose)`; a tick is "everyone decides on the tick-t
//! state in parallel, then decisions apply in agent-id order"; global sums are
//! reduced in fixed blocks. Together these make a run identical for any
//! thread count (and ready for MPI partitioning).
//!
//! Typical use:
//! ```no_run
//! use emergent_scenario::Scenario;
//! use emergent_sim::Simulation;
//! let scenario = Scenario::from_path("scenarios/quickstart.toml".as_ref())?;
//! let mut sim = Simulation::new(&scenario, None)?;
//! while !sim.is_done() {
//!     let report = sim.step();
//!     let stance = sim.world.feature("stance");
//!     # let _ = (report, stance);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod action;
mod build;
pub mod cascades;
pub mod counters;
mod delivery;
pub mod econ;
mod engine_config;
pub mod features;
pub mod feed;
pub mod halo;
pub mod herding_clusters;
pub mod interventions;
pub mod items;
pub mod market;
pub mod network;
pub mod owned;
pub mod partition;
pub mod policy;
pub mod population;
pub mod reduce;
pub mod relabel;
pub mod rng;
mod simulation;
pub mod tick;
pub mod tick_types;
pub mod wire;
pub mod world;

pub use action::{Action, Decision};
pub use build::{BuildError, build_network, build_network_in, build_world, build_world_in};
pub use engine_config::EngineConfig;
pub use features::{FOLLOWEE_STANCE, Features};
pub use policy::{DecisionContext, Policy};
pub use rng::AgentRng;
pub use simulation::Simulation;
pub use tick_types::{Decisions, Event, TickReport};
pub use world::World;

/// Agent index `0..N`; `u32` keeps per-edge and per-item storage small.
pub type AgentId = u32;
/// Item (post, reply, repost, quote) index in creation order.
pub type ItemId = u32;
