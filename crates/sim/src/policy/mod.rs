//! Policies decide what an agent does given what it sees. Surrogate rule-based
//! policies live here; an LLM policy plugs into the same trait later.

mod bounded_confidence;
mod cascade;
mod context;
pub mod decision_view;
pub mod distilled;
mod panic;
mod radicalization;

pub use bounded_confidence::BoundedConfidence;
pub use cascade::{Cascade, ic_transmits, independent_cascade_size};
pub use context::{DecisionContext, Policy, PolicyHalt};
pub use decision_view::{DecisionOutcome, DecisionRecord, DecisionView, ItemView};
pub use distilled::{Distilled, DistilledModel};
pub use panic::Panic;
pub use radicalization::{MIN_DISTANCE, Radicalization, homophily_weight};

use emergent_scenario::{PolicyConfig, PolicyKind};

/// The surrogate policy a scenario asks for.
pub fn from_config(cfg: &PolicyConfig) -> Box<dyn Policy> {
    match cfg.kind {
        PolicyKind::BoundedConfidence => {
            Box::new(BoundedConfidence(cfg.bounded_confidence.clone()))
        }
        PolicyKind::Cascade => Box::new(Cascade::new(cfg.cascade.clone())),
        PolicyKind::Panic => Box::new(Panic(cfg.panic.clone())),
        PolicyKind::Radicalization => Box::new(Radicalization(cfg.radicalization.clone())),
        // The model lives in a file the runner reads (`emergent_runner` hands it over).
        PolicyKind::Distilled => Box::new(Distilled::unloaded()),
    }
}
